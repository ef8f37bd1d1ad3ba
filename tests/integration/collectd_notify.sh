#!/bin/bash
# collectd: a killed service shows up=0 from the first read that began after
# the kill, and exactly one FAILURE notification (caught by NotificationExec
# and in the log); its return shows 1 and exactly one OKAY notification.
# The severity and the text are the Nagios check's for the same state.
#
# "Exactly one" is counted in collectd's log, where the logfile plugin
# writes each notification synchronously as it is dispatched: once a read
# that began after the notification has ended, every notification of the
# reads before it is in the log. NotificationExec runs its script in a
# thread of its own, so its count is waited for, then compared.
set -u
. "$(dirname "$0")/collectd_lib.sh"

tb_up --rows 2000 --no-writer
cd_new c
{ cd_conf_head c --interval 1 --read-threads 2
  cd_conf_ours c
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path c state)"
  <Services>
    Interval 1
  </Services>
  <Endpoint "health">
    Url "$HF_HEALTH_URL"
    Ca "$HF_CA"
    Interval 1
  </Endpoint>
</Plugin>
EOF
} >"$(cd_path c conf)"
cd_start c || { echo "Bail out! collectd did not start"; exit 1; }

H=$CD_HOST/helixflow-service
svc=api-gateway
UP=$H-$svc/helixflow_bool-up
others=()
for s in $HF_SERVICES; do [ "$s" != "$svc" ] && others+=("$H-$s/helixflow_bool-up"); done
NS=$(cd_path c dir)/nagios-state
mkdir -m 0700 "$NS"
nagios() { "$(hf_bin check_helixflow_service)" --root "$HF_ROOT" --state-dir "$NS"; }

# fresh IDENT...: values from reads that began now or later ("IDENT VALUE" lines)
fresh() { cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "$@"; }
value_of() { awk -v i="$1" '$1 == i { print $2 }' <<<"$2"; }
# the helixflow notifications logged for the service
logged() { cd_log_notifs c "plugin = helixflow, plugin_instance = service-$svc,"; }
logged_http() { cd_log_notifs c 'plugin = helixflow, plugin_instance = http_health'; }
logged_all() { cd_log_notifs c 'plugin = helixflow'; }

out=$(fresh "$UP" "${others[@]}")
cd_is "$svc up before the kill" "$(value_of "$UP" "$out")" "1.000000e+00"
cd_is "no helixflow notification while everything runs" "$(logged_all | wc -l)" 0

# ---------------------------------------------------------------- down
"$HF_TESTBED" kill "$HF_ROOT" "$svc" >/dev/null
nagios >/dev/null; nrc=$?
ntext=$(nagios | head -n 1)
out=$(fresh "$UP" "$H-$svc/count-processes" "${others[@]}")
cd_is "$svc up=0 from the first read after the kill" "$(value_of "$UP" "$out")" "0.000000e+00"
cd_is "$svc processes 0" "$(value_of "$H-$svc/count-processes" "$out")" "0.000000e+00"
for o in "${others[@]}"; do
    cd_is "${o#"$H"-} still 1" "$(value_of "$o" "$out")" "1.000000e+00"
done
cd_is "Nagios: CRITICAL for the same state" "$nrc" 2
cd_ok "FAILURE notification through NotificationExec" \
    cd_wait_notifs c 1 Severity=FAILURE "PluginInstance=service-$svc"
fresh "$UP" >/dev/null      # a whole read after the notification ...
fresh "$UP" >/dev/null      # ... and one more: the state persists
cd_is "exactly one notification logged" "$(logged | wc -l)" 1
cd_is "exactly one notification stored by NotificationExec" "$(cd_notifs c "PluginInstance=service-$svc" | wc -l)" 1
n=$(cd_notifs c "PluginInstance=service-$svc" | head -n 1)
field() { tr '\t' '\n' <<<"$n" | awk -v k="$1" 'index($0, k "=") == 1 { print substr($0, length(k) + 2) }'; }
cd_is "severity FAILURE (Nagios CRITICAL)" "$(field Severity)" FAILURE
cd_is "host" "$(field Host)" "$CD_HOST"
cd_is "plugin" "$(field Plugin)" helixflow
cd_is "plugin instance" "$(field PluginInstance)" "service-$svc"
cd_is "type" "$(field Type)" helixflow_state
cd_is "type instance: the code" "$(field TypeInstance)" service.down
cd_is "meta object" "$(field object)" "$svc"
cd_is "meta code" "$(field code)" service.down
cd_is "meta state" "$(field state)" CRITICAL
cd_is "meta previous_state" "$(field previous_state)" OK
cd_is "message" "$(field Message)" "service CRITICAL: $svc down (0 processes)"
cd_ok "the message's text is the Nagios check's" grep -qF "HELIXFLOW SERVICE CRITICAL: $svc down (0 processes)" <<<"$ntext"
cd_is "no notification for the other services" "$(logged_all | grep -vc "plugin_instance = service-$svc,")" 0

# ---------------------------------------------------------------- back
"$HF_TESTBED" start "$HF_ROOT" "$svc" >/dev/null
nagios >/dev/null; nrc=$?
out=$(fresh "$UP" "$H-$svc/count-processes" "$H-$svc/derive-restarts")
cd_is "$svc up=1 from the first read after its start" "$(value_of "$UP" "$out")" "1.000000e+00"
cd_is "$svc 3 processes again" "$(value_of "$H-$svc/count-processes" "$out")" "3.000000e+00"
cd_is "its return is counted in restarts (csv)" "$(value_of "$H-$svc/derive-restarts" "$out")" 1
cd_is "Nagios: OK for the same state" "$nrc" 0
cd_ok "OKAY notification through NotificationExec" \
    cd_wait_notifs c 1 Severity=OKAY "PluginInstance=service-$svc"
fresh "$UP" >/dev/null
fresh "$UP" >/dev/null
cd_is "exactly two notifications logged (FAILURE, OKAY)" \
    "$(logged | sed 's/^.*severity = \([A-Z]*\),.*$/\1/' | paste -sd ' ')" "FAILURE OKAY"
cd_is "exactly two stored by NotificationExec" "$(cd_notifs c "PluginInstance=service-$svc" | wc -l)" 2
n=$(cd_notifs c "PluginInstance=service-$svc" Severity=OKAY | head -n 1)
cd_is "OKAY: type instance" "$(field TypeInstance)" service.down
cd_is "OKAY: meta state" "$(field state)" OK
cd_is "OKAY: meta previous_state" "$(field previous_state)" CRITICAL
cd_ok "OKAY: message" grep -qE "^service OK: $svc: 3 processes, main pid [0-9]+, up [0-9]+ s \(scan\)\$" <<<"$(field Message)"
cd_is "no notification for the other services" "$(logged_all | grep -vc "plugin_instance = service-$svc,")" 0


# ---------------------------------------------------------------- an endpoint
# /health answers 503, then 200 again
HU=$CD_HOST/helixflow-http_health
nhttp() { "$(hf_bin check_helixflow_http)" --root "$HF_ROOT" --url "$HF_HEALTH_URL" --ca "$HF_CA"; }
cd_is "no endpoint notification while it answers" "$(logged_http | wc -l)" 0
"$HF_TESTBED" health "$HF_ROOT" fail >/dev/null
ntext=$(nhttp | head -n 1)
out=$(fresh "$HU/helixflow_bool-up" "$HU/gauge-status")
cd_is "endpoint up=0 from the first read after it fails" "$(value_of "$HU/helixflow_bool-up" "$out")" "0.000000e+00"
cd_is "endpoint status 503" "$(value_of "$HU/gauge-status" "$out")" "5.030000e+02"
cd_ok "Nagios: CRITICAL" grep -q '^HELIXFLOW HTTP CRITICAL: ' <<<"$ntext"
cd_ok "endpoint FAILURE through NotificationExec" \
    cd_wait_notifs c 1 Severity=FAILURE Plugin=helixflow TypeInstance=http.status
fresh "$HU/helixflow_bool-up" >/dev/null
fresh "$HU/helixflow_bool-up" >/dev/null
cd_is "exactly one endpoint notification logged" "$(logged_http | wc -l)" 1
n=$(cd_notifs c TypeInstance=http.status | head -n 1)
cd_is "endpoint notification: plugin instance the values' (http_health)" "$(field PluginInstance)" http_health
cd_is "endpoint notification: severity" "$(field Severity)" FAILURE
cd_is "endpoint notification: meta state" "$(field state)" CRITICAL
cd_is "endpoint notification: meta previous_state" "$(field previous_state)" OK
text=${ntext#HELIXFLOW HTTP CRITICAL: }
text=${text%% | *}
cd_is "endpoint notification: message, the Nagios check's text" "$(field Message)" "http CRITICAL: $text"
"$HF_TESTBED" health "$HF_ROOT" ok >/dev/null
out=$(fresh "$HU/helixflow_bool-up" "$HU/gauge-status")
cd_is "endpoint up=1 after it answers again" "$(value_of "$HU/helixflow_bool-up" "$out")" "1.000000e+00"
cd_ok "endpoint OKAY through NotificationExec" \
    cd_wait_notifs c 1 Severity=OKAY Plugin=helixflow TypeInstance=http.status
fresh "$HU/helixflow_bool-up" >/dev/null
fresh "$HU/helixflow_bool-up" >/dev/null
cd_is "exactly two endpoint notifications logged (FAILURE, OKAY)" \
    "$(logged_http | sed 's/^.*severity = \([A-Z]*\),.*$/\1/' | paste -sd ' ')" "FAILURE OKAY"
cd_is "and no other" "$(logged_all | wc -l)" 4

cd_stop c
cd_is "collectd exits 0" "$CD_STATUS" 0
cd_done_testing
