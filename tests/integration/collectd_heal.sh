#!/bin/bash
# collectd self-healing (<Services> SelfHeal) through the core's supervisor:
#   - a killed test-bed service is restarted once by collectd (the policy
#     of restart.conf: the test bed's restart command), comes back, and
#     there is one OKAY restart.restarted notification;
#   - the ledger holds the outage (service.down from collectd, then the
#     recovery) and the restart (front-end collectd, outcome restarted);
#   - a service SelfHeal does not name is never restarted;
#   - a restart.conf others may write turns self-healing off, said once in
#     the log; the values keep coming.
set -u
. "$(dirname "$0")/collectd_lib.sh"

tb_up --rows 200 --no-writer
oplog=$HF_ROOT/run/service-ops.log
restarts() { grep -c " restart $1\$" "$oplog" 2>/dev/null; }

cd_init
etc=$CD_ROOT/etc
mkdir -m 0755 "$etc"
cat >"$etc/restart.conf" <<EOF
# written by tests/integration/collectd_heal.sh
services = $HF_SERVICES
command = $HF_RESTART_CMD {service}
attempts = 3
window = 10m
backoff = 1s
backoff-max = 4s
reset-after = 10m
timeout = 30s
verify = 10s
EOF
chmod 0644 "$etc/restart.conf"

conf() { # conf NAME RESTART_CONF
    { cd_conf_head "$1" --interval 1 --read-threads 2 --no-exec
      cd_conf_ours "$1"
      cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path "$1" state)"
  RestartConfig "$2"
  Ledger "$(cd_path "$1" state)/ledger.db"
  <Services>
    Interval 1
    SelfHeal "api-gateway"
  </Services>
  <Endpoint "health">
    Url "$HF_HEALTH_URL"
    Ca "$HF_CA"
    Interval 1
  </Endpoint>
</Plugin>
EOF
    } >"$(cd_path "$1" conf)"
}

cd_new c
conf c "$etc/restart.conf"
cd_start c || { echo "Bail out! collectd did not start"; exit 1; }
ledger=$(cd_path c state)/ledger.db
sql() { sqlite3 -cmd '.timeout 5000' "$ledger" "$1"; }
UP=$CD_HOST/helixflow-service-api-gateway/helixflow_bool-up
cd_ok "self-healing is on (said in the log)" cd_log_grep c 'self-healing through .*restart.conf'
cd_ok "api-gateway up" cd_wait_value c "$UP" value 'v == 1'
before=$(restarts api-gateway)

# ---------------------------------------------------------------- api-gateway killed
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
cd_ok "one OKAY restart.restarted notification" \
    cd_poll 40 "restart.restarted in the log" cd_log_grep c \
    'Notification: severity = OKAY, .*plugin_instance = service-api-gateway, type = helixflow_state, type_instance = restart.restarted'
cd_ok "api-gateway up again" cd_wait_value c "$UP" value 'v == 1'
cd_is "the test bed's restart command ran once" "$(( $(restarts api-gateway) - before ))" 1
cd_is "the ledger: one restart by collectd, restarted" \
    "$(sql "SELECT frontend || ' ' || outcome FROM restarts WHERE service = 'api-gateway' AND attempted")" \
    "collectd restarted"
cd_ok "the ledger: the outage collectd saw" \
    test "$(sql "SELECT count(*) FROM transitions WHERE object = 'api-gateway' AND code = 'service.down' AND frontend = 'collectd'")" -ge 1
cd_ok "the ledger: collectd's heartbeats" \
    test "$(sql "SELECT count(*) FROM runs WHERE monitor = 'collectd'")" -ge 1

# ---------------------------------------------------------------- not named: left alone
b2=$(restarts auth-service)
"$HF_TESTBED" kill "$HF_ROOT" auth-service >/dev/null
AUP=$CD_HOST/helixflow-service-auth-service/helixflow_bool-up
cd_ok "auth-service down" cd_wait_value c "$AUP" value 'v == 0'
cd_wait_reads c "$AUP" 3 >/dev/null
cd_is "auth-service (not in SelfHeal) is not restarted" "$(( $(restarts auth-service) - b2 ))" 0
"$HF_TESTBED" start "$HF_ROOT" auth-service >/dev/null
cd_stop c
cd_is "collectd stopped cleanly (the worker joined)" "$CD_STATUS" 0

# ---------------------------------------------------------------- a policy others may write
cp "$etc/restart.conf" "$etc/loose.conf"
chmod 0666 "$etc/loose.conf"
cd_new d
conf d "$etc/loose.conf"
cd_start d || { echo "Bail out! collectd d did not start"; exit 1; }
cd_ok "restart.conf writable by others: SelfHeal off, said" \
    cd_log_grep d 'SelfHeal is off: .*loose.conf'
cd_ok "the values keep coming" cd_wait_value d "$UP" value 'v == 1'
b3=$(restarts api-gateway)
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
cd_ok "api-gateway down" cd_wait_value d "$UP" value 'v == 0'
cd_wait_reads d "$UP" 3 >/dev/null
cd_is "nothing restarted under a refused policy" "$(( $(restarts api-gateway) - b3 ))" 0
"$HF_TESTBED" start "$HF_ROOT" api-gateway >/dev/null
cd_done_testing
