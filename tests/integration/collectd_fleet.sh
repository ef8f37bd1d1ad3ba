#!/bin/bash
# collectd fleet: a node (our plugin, the network plugin as a client) sends
# its values to a central collectd (network server, write_prometheus) on
# loopback ports; the central's /metrics page shows the node's HelixFlow
# values under the node's host name, and follows a change (a service killed
# on the node shows 0 there). The central needs our types file too: the
# network plugin dispatches values by type.
set -u
. "$(dirname "$0")/collectd_lib.sh"

tb_up --rows 1000 --no-writer
udp=$(cd_free_port udp)
http=$(cd_free_port tcp)
node=hf-node

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

cd_new node
{ cd_conf_head node --interval 1 --host "$node" --no-exec
  # the network plugin sends a full buffer, or at each flush: flush every interval
  cat <<EOF
<LoadPlugin network>
  FlushInterval 1
</LoadPlugin>
<Plugin network>
  Server "127.0.0.1" "$udp"
</Plugin>
EOF
  cd_conf_ours node
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path node state)"
  <Services>
    Interval 1
  </Services>
  <Database>
    Interval 1
  </Database>
</Plugin>
EOF
} >"$(cd_path node conf)"

cd_start central || { echo "Bail out! central collectd did not start"; exit 1; }
cd_ok "central listens for /metrics" cd_log_grep central "write_prometheus plugin: Listening on \\[127.0.0.1\\]:$http"
cd_start node || { echo "Bail out! node collectd did not start"; exit 1; }

UP=$node/helixflow-service-api-gateway/helixflow_bool-up
ROWS=$node/helixflow-db-inference_requests/count-rows
cd_ok "the central has the node's values (network)" cd_wait_listed central "$UP"
cd_ok "the node's api-gateway up=1 at the central" cd_wait_value central "$UP" value 'v == 1'
cd_ok "the node's database rows (1000) at the central" cd_wait_value central "$ROWS" value 'v == 1000'

# the page: collectd_<plugin>_<type>{<plugin>="<plugin_instance>",type="<type_instance>",instance="<host>"}
page() { curl -sf --max-time 10 "http://127.0.0.1:$http/metrics"; }
# shellcheck disable=SC2317  # called through cd_poll
metric() { # FAMILY LABEL_ERE VALUE_COND: a sample of the page
    local line
    line=$(page | grep -E "^$1\\{" | grep -E "$2" | head -n 1)
    [ -n "$line" ] || { echo "no $1 sample with $2 on the central's page"; page | grep -E '^collectd_helixflow' | head -n 20; return 1; }
    echo "$line"
    local v=${line##*\} }            # "VALUE [TIMESTAMP]"
    _cd_test "${v%% *}" "$3"
}
svc_up='helixflow="service-api-gateway".*type="up"|type="up".*helixflow="service-api-gateway"'
cd_ok "the page shows the node's api-gateway up 1" cd_poll "$CD_TIMEOUT" "api-gateway up 1 on /metrics" \
    metric collectd_helixflow_helixflow_bool "($svc_up).*instance=\"$node\"|instance=\"$node\".*($svc_up)" 'v == 1'
cd_ok "the page shows the node's database rows 1000" cd_poll "$CD_TIMEOUT" "db rows on /metrics" \
    metric collectd_helixflow_count "helixflow=\"db-inference_requests\".*instance=\"$node\"|instance=\"$node\".*helixflow=\"db-inference_requests\"" 'v == 1000'
# shellcheck disable=SC2317  # called through cd_poll
all_services() { # every service's up, and none under the central's name
    local p n
    p=$(page | grep -E '^collectd_helixflow')
    n=$(grep -E '^collectd_helixflow_helixflow_bool\{' <<<"$p" | grep "instance=\"$node\"" | grep -c 'type="up"')
    [ "$n" = 5 ] || { echo "$n services' up of $node on the page"; return 1; }
    ! grep 'instance="hf-central"' <<<"$p"
}
cd_ok "every service of the node is on the page, none under the central's name" \
    cd_poll "$CD_TIMEOUT" "the five services on /metrics" all_services

# a change on the node reaches the page
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
cd_ok "the page shows the killed api-gateway as 0" cd_poll "$CD_TIMEOUT" "api-gateway up 0 on /metrics" \
    metric collectd_helixflow_helixflow_bool "($svc_up).*instance=\"$node\"|instance=\"$node\".*($svc_up)" 'v == 0'
"$HF_TESTBED" start "$HF_ROOT" api-gateway >/dev/null
cd_ok "and as 1 again after its start" cd_poll "$CD_TIMEOUT" "api-gateway up 1 again on /metrics" \
    metric collectd_helixflow_helixflow_bool "($svc_up).*instance=\"$node\"|instance=\"$node\".*($svc_up)" 'v == 1'

cd_stop node
cd_is "node exits 0" "$CD_STATUS" 0
cd_stop central
cd_is "central exits 0" "$CD_STATUS" 0
cd_done_testing
