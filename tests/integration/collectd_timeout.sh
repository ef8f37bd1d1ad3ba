#!/bin/bash
# collectd: a block is bounded by its Timeout and keeps its connection.
#   - an endpoint that answers after 1.5 s with Timeout 1: the block reports
#     up 0 and status NaN (never a stale 1 or 200), no read callback of ours
#     fails (collectd would back off), and the Services block keeps reading
#     beside it;
#   - an endpoint that answers: one TCP connection (one TLS handshake) kept
#     across reads, the same local port read after read, and none left open
#     once collectd has stopped.
set -u
. "$(dirname "$0")/collectd_lib.sh"

tb_up --rows 2000 --no-writer
cd_new c
{ cd_conf_head c --interval 1 --read-threads 2 --no-exec
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
    Timeout 1
  </Endpoint>
</Plugin>
EOF
} >"$(cd_path c conf)"
cd_start c || { echo "Bail out! collectd did not start"; exit 1; }

UP=$CD_HOST/helixflow-http_health/helixflow_bool-up
STATUS=$CD_HOST/helixflow-http_health/gauge-status
SVC=$CD_HOST/helixflow-service-api-gateway/helixflow_bool-up
value_of() { awk -v i="$1" '$1 == i { print $2 }' <<<"$2"; }
fresh() { cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "$@"; }

out=$(fresh "$UP" "$STATUS")
cd_is "endpoint up while it answers" "$(value_of "$UP" "$out")" "1.000000e+00"
cd_is "its status" "$(value_of "$STATUS" "$out")" "2.000000e+02"

# ---------------------------------------------------------------- one connection
port_of() { # the local ports of collectd's connections to the HTTPS server
    ss -tnpH state established "( dport = :$HF_HTTPS_PORT )" 2>/dev/null |
        grep "pid=$(cd_pid c)," | awk '{ n = split($3, a, ":"); print a[n] }' | sort -u
}
fresh "$UP" >/dev/null
p1=$(port_of)
cd_is "one connection to the endpoint" "$(printf '%s\n' "$p1" | grep -c .)" 1
fresh "$UP" >/dev/null
fresh "$UP" >/dev/null
cd_is "the same connection two reads later (no new handshake)" "$(port_of)" "$p1"

# ---------------------------------------------------------------- slower than Timeout
"$HF_TESTBED" health "$HF_ROOT" slow >/dev/null
cd_ok "up 0 once the endpoint answers after its Timeout" cd_wait_value c "$UP" value 'v == 0'
out=$(fresh "$UP" "$STATUS" "$SVC")
cd_is "up stays 0 read after read" "$(value_of "$UP" "$out")" "0.000000e+00"
cd_num "status NaN: not measured (never the last 200)" "$(value_of "$STATUS" "$out")" 'nan'
cd_is "the Services block reads beside it" "$(value_of "$SVC" "$out")" "1.000000e+00"
cd_ok "one WARNING notification (UNKNOWN: timed out, as the Nagios check says)" \
    cd_log_grep c 'Notification: severity = WARNING, .*plugin_instance = http_health, .*message = http UNKNOWN: .*timed out after 0\.9[0-9] s'
cd_is "no read callback of ours failed (collectd would back off)" \
    "$(cd_log_count c 'read-function of plugin .helixflow.* failed')" 0
"$HF_TESTBED" health "$HF_ROOT" ok >/dev/null
cd_ok "back to up 1" cd_wait_value c "$UP" value 'v == 1'

cd_stop c
cd_is "collectd stopped cleanly" "$CD_STATUS" 0
cd_is "no connection left after shutdown" \
    "$(ss -tnH state established "( dport = :$HF_HTTPS_PORT )" | grep -c .)" 0
cd_done_testing
