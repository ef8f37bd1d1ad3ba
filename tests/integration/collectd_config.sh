#!/bin/bash
# collectd: configuration errors (unknown keys, bad values, a nested block, a
# bad name, a duplicate) are logged as ERROR lines naming the key and the
# block; the broken block is disabled, and collectd keeps running every
# other block of ours (of the same kind too) and the stock plugins.
set -u
. "$(dirname "$0")/collectd_lib.sh"

tb_up --rows 1000 --no-writer
H=$CD_HOST/helixflow

# ---------------------------------------------------------------- mixed
cd_new c
{ cd_conf_head c --interval 1
  echo 'LoadPlugin load'
  cd_conf_ours c
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path c state)"
  Bogus "x"
  <Whatever>
    A 1
  </Whatever>
  <Services>
    Interval 1
  </Services>
  <Endpoint "health">
    Url "$HF_HEALTH_URL"
    Ca "$HF_CA"
    Interval 1
  </Endpoint>
  <Endpoint "health">
    Url "$HF_HTTP_HEALTH_URL"
  </Endpoint>
  <Endpoint "bad">
    Url "$HF_HEALTH_URL"
    Bogus 1
  </Endpoint>
  <Endpoint "ftp">
    Url "ftp://x"
  </Endpoint>
  <Endpoint "plain">
    Url "$HF_HTTP_HEALTH_URL"
    Interval 1
  </Endpoint>
  <Database>
    Interval "abc"
  </Database>
  <Logs>
    Window "soon"
  </Logs>
  <Backups>
    AgeWarning "1:2:3"
  </Backups>
  <Certificates>
    Cert "$HF_CERTS/api-gateway.crt"
    Timeout 0
  </Certificates>
  <Resources>
    DiskWarning 80 90
  </Resources>
  <Metrics "gateway">
    MetricsUrl "$HF_METRICS_URL"
    <Nested>
      A 1
    </Nested>
  </Metrics>
  <Metrics "">
    MetricsUrl "$HF_METRICS_URL"
  </Metrics>
  <Metrics "other">
    MetricsUrl "$HF_METRICS_URL"
    Interval 1
  </Metrics>
  SaveInterval 0
</Plugin>
EOF
} >"$(cd_path c conf)"
cd_start c || { echo "Bail out! collectd did not start"; exit 1; }

P='^\[[0-9: -]+\] \[error\] helixflow plugin: '
err() { # NAME ERE: exactly one ERROR line of ours matching ^P ERE $
    local n
    n=$(cd_log_count c "$P$2\$")
    cd_is "$1" "$n" 1 || cd_log_grep c '\[error\] helixflow' | sed 's/^/#   log: /'
}
err "top-level unknown key, ignored" \
    'Bogus: unknown key \(a block such as <Services>, or Root, StateDir, Timeout, SaveInterval, Ledger, RestartConfig\); ignored'
err "unknown block, ignored" \
    '<Whatever>: unknown block \(Services, Resources, Endpoint, Metrics, Certificates, Database, Backups, Logs\); ignored'
err "a second <Endpoint \"health\">" \
    '<Endpoint "health">: name: another block has the same kind and name \(give each a name\); this block is disabled'
err "unknown key in <Endpoint \"bad\">" \
    '<Endpoint "bad">: Bogus: unknown key \(see collectd-helixflow\(5\) for the keys of this block\); this block is disabled'
err "bad Url in <Endpoint \"ftp\">" \
    "<Endpoint \"ftp\">: Url: 'ftp://x': scheme must be http or https; this block is disabled"
err "bad Interval in <Database>" \
    '<Database>: Interval: takes one number of seconds \(more than 0, at most 31 days\); this block is disabled'
err "bad Window in <Logs>" \
    "<Logs>: Window: 'soon' [^;]*; this block is disabled"
err "bad range in <Backups>" \
    "<Backups>: AgeWarning: [^;]*'1:2:3'[^;]*; this block is disabled"
err "bad Timeout in <Certificates>" \
    "<Certificates>: Timeout: '0' [^;]*; this block is disabled"
err "two values for DiskWarning in <Resources>" \
    '<Resources>: DiskWarning: takes one value; this block is disabled'
err "a block inside <Metrics \"gateway\">" \
    '<Metrics "gateway">: Nested: a block is not allowed here; this block is disabled'
err "an empty name" \
    '<Metrics "">: name: must be 1 to 64 characters; this block is disabled'
err "bad plugin-wide SaveInterval, ignored" \
    'SaveInterval: takes one value \(seconds, 1 to 86400\); ignored'
cd_is "no other error of ours" "$(cd_log_count c '\[error\] helixflow')" 13
cd_ok "4 of the 14 blocks read" cd_log_grep c 'helixflow plugin: 4 of 14 blocks reading$'

# the good blocks, and load, keep reading (values from reads after now)
good=("$H-service-api-gateway/helixflow_bool-up" "$H-http_health/helixflow_bool-up"
      "$H-http_plain/helixflow_bool-up" "$H-api_other/derive-requests" "$CD_HOST/load/load")
t=$(cd_now)
cd_ok "the good blocks and the load plugin read" cd_fresh c "$t" "$CD_TIMEOUT" "${good[@]}"
cd_ok "and keep reading" cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "${good[@]}"
cd_ok "the first <Endpoint \"health\"> is the one read (https)" \
    cd_wait_value c "$H-http_health/helixflow_ms-tls" value '!nan'
cd_ok "https health up" cd_wait_value c "$H-http_health/helixflow_bool-up" value 'v == 1'
cd_ok "plain health up" cd_wait_value c "$H-http_plain/helixflow_bool-up" value 'v == 1'
listed=$(cd_listval c)
cd_is "no value of a disabled block" \
    "$(grep -E "^$CD_HOST/helixflow-(db|log|backup|cert|resources|http_bad|http_ftp|api_gateway)[-/]" <<<"$listed" | head -n 3)" ""
cd_ok "collectd still running" cd_running c
cd_stop c
cd_is "collectd exits 0" "$CD_STATUS" 0

# ---------------------------------------------------------------- all broken
# a bad plugin-wide value breaks every block, each naming itself and the
# key; collectd and its other plugins run on
cd_new b
{ cd_conf_head b --interval 1
  echo 'LoadPlugin load'
  cd_conf_ours b
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path b state)"
  Timeout "soon"
  <Services>
    Interval 1
  </Services>
  <Endpoint "health">
    Url "$HF_HEALTH_URL"
  </Endpoint>
</Plugin>
EOF
} >"$(cd_path b conf)"
cd_start b || { echo "Bail out! collectd b did not start"; exit 1; }
cd_is "<Services>: Timeout named" "$(cd_log_count b "$P<Services>: Timeout: 'soon' [^;]*; this block is disabled\$")" 1
cd_is "<Endpoint \"health\">: Timeout named" \
    "$(cd_log_count b "$P<Endpoint \"health\">: Timeout: 'soon' [^;]*; this block is disabled\$")" 1
cd_ok "0 of 2 blocks read" cd_log_grep b 'helixflow plugin: 0 of 2 blocks reading$'
cd_ok "load still reads" cd_fresh b "$(cd_now)" "$CD_TIMEOUT" "$CD_HOST/load/load"
cd_is "no helixflow value" "$(cd_listval b | grep -c "^$CD_HOST/helixflow")" 0
cd_stop b
cd_is "collectd b exits 0" "$CD_STATUS" 0

# ---------------------------------------------------------------- empty plugin block
# <Plugin helixflow> with only Root/StateDir: one block of each kind
cd_new e
{ cd_conf_head e --interval 1
  cd_conf_ours e
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path e state)"
</Plugin>
EOF
} >"$(cd_path e conf)"
cd_start e || { echo "Bail out! collectd e did not start"; exit 1; }
cd_ok "no block given: 8 of 8 blocks read (the standard deployment)" cd_log_grep e 'helixflow plugin: 8 of 8 blocks reading$'
cd_is "and no config error" "$(cd_log_count e '\[error\] helixflow')" 0
cd_ok "the default blocks read the test bed" cd_fresh e "$(cd_now)" "$CD_TIMEOUT" \
    "$H-service-api-gateway/helixflow_bool-up" "$H-db-inference_requests/count-rows" "$H-backup/helixflow_bool-ok"
cd_ok "the services under Root are up" cd_wait_value e "$H-service-api-gateway/helixflow_bool-up" value 'v == 1'
cd_ok "the database under Root: 1000 rows" cd_wait_value e "$H-db-inference_requests/count-rows" value 'v == 1000'
cd_stop e
cd_is "collectd e exits 0" "$CD_STATUS" 0
cd_done_testing
