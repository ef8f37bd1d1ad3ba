#!/bin/bash
# The collectd harness (collectd_lib.sh) with stock plugins only: start and
# stop, values through unixsock, bounded waits (and their failure report),
# NotificationExec as nobody, the log, a restart on the same directory, and
# a node -> central forward (network) shown by write_prometheus.
set -u
. "$(dirname "$0")/collectd_lib.sh"

load=$CD_HOST/load/load

cd_new c
{ cd_conf_head c --interval 1
  echo 'LoadPlugin load'
} >"$(cd_path c conf)"
cd_start c || { echo "Bail out! collectd did not start"; exit 1; }
cd_ok "load value listed" cd_wait_listed c "$load"
cd_ok "load shortterm is a number >= 0" cd_wait_value c "$load" shortterm 'v >= 0 && !nan'
cd_ok "listval names the load value" sh -c "collectdctl -s '$(cd_path c sock)' listval | grep -qx '$load'"
cd_ok "two more reads of load arrive" cd_wait_reads c "$load" 2

# a wait that cannot succeed gives up in time and says what it waited for
out=$(cd_wait_value c "$CD_HOST/load/nosuch" value 'v == 1' 1 2>&1)
rc=$?
cd_is "a hopeless wait fails" "$rc" 1
cd_ok "and says what it waited for" grep -q "timed out after 1s waiting for $CD_HOST/load/nosuch value" <<<"$out"
out=$(cd_wait_value c "$load" shortterm 'v < 0' 1 2>&1)
cd_ok "a wrong value's wait shows the last value seen" grep -q "last try: $load shortterm=" <<<"$out"

# notifications: logged at dispatch, and stored by the exec script as nobody
cd_ok "PUTNOTIF accepted" cd_putnotif c \
    'severity=failure time=1000000000 host=hf-test plugin=harness plugin_instance=pi type_instance=code.x message="hello, world"'
cd_ok "NotificationExec stored it" cd_wait_notifs c 1 Plugin=harness
cd_is "its fields" "$(cd_notifs c Plugin=harness)" \
    "$(printf 'Severity=FAILURE\tTime=1000000000.000\tHost=hf-test\tPlugin=harness\tPluginInstance=pi\tTypeInstance=code.x\tMessage=hello, world')"
cd_is "filter on severity" "$(cd_notifs c Severity=OKAY | wc -l)" 0
cd_is "written by nobody" "$(stat -c %U "$(cd_path c notify)"/n.* | sort -u)" nobody
cd_is "logged once" "$(cd_log_notifs c 'plugin = harness' | wc -l)" 1
cd_ok "log grep" cd_log_grep c 'plugin "load" successfully loaded'

cd_stop c
cd_is "collectd exits 0 on TERM" "$CD_STATUS" 0
cd_ok "and says so" cd_log_grep c 'Exiting normally'
cd_ok "not running any more" sh -c "! test -S '$(cd_path c sock)' || ! collectdctl -s '$(cd_path c sock)' listval"

# a restart on the same directory (the log is appended to)
cd_start c || { echo "Bail out! collectd did not restart"; exit 1; }
cd_ok "load arrives again after a restart" cd_wait_listed c "$load"
cd_is "two starts in the log" "$(cd_log_count c 'Initialization complete')" 2
cd_stop c
cd_is "second stop exits 0" "$CD_STATUS" 0

# fleet: node -> network -> central -> write_prometheus
udp=$(cd_free_port udp)
http=$(cd_free_port tcp)
cd_new node
{ cd_conf_head node --interval 1 --host hf-node --no-exec
  cat <<EOF
LoadPlugin load
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "127.0.0.1" "$udp"
</Plugin>
EOF
} >"$(cd_path node conf)"
cd_new central
{ cd_conf_head central --interval 1 --host hf-central --no-exec
  cat <<EOF
LoadPlugin network
<Plugin network>
  Listen "127.0.0.1" "$udp"
</Plugin>
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$http"
</Plugin>
EOF
} >"$(cd_path central conf)"
cd_start central || { echo "Bail out! central collectd did not start"; exit 1; }
cd_start node || { echo "Bail out! node collectd did not start"; exit 1; }
cd_ok "central has the node's load (network)" cd_wait_listed central hf-node/load/load
# shellcheck disable=SC2317  # called through cd_poll
metrics() {
    curl -sf "http://127.0.0.1:$http/metrics" | grep -E '^collectd_load_[a-z]+\{.*instance="hf-node".*\} [0-9.e+-]+' || {
        echo "no collectd_load_* for hf-node on http://127.0.0.1:$http/metrics"; return 1; }
}
cd_ok "central's /metrics shows the node's load (write_prometheus)" cd_poll "$CD_TIMEOUT" "hf-node load on /metrics" metrics
cd_stop node
cd_is "node exits 0" "$CD_STATUS" 0
cd_stop central
cd_is "central exits 0" "$CD_STATUS" 0
cd_done_testing
