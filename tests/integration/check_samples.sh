#!/bin/bash
# The shipped sample definitions: Nagios 4 accepts the object file (nagios4 -v),
# Icinga 2 accepts the CheckCommands (icinga2 daemon -C), and every option they
# pass is one the named plugin accepts.
set -u
src=${HF_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
bin=${HF_BUILD_DIR:-$src/build}/plugins/nagios
# helixflow-ops restart: the event handlers (its standalone build until
# helixflow-ops ships the subcommand)
restart_bin=${HF_BUILD_DIR:-$src/build}/tools/helixflow-ops
samples=$src/plugins/nagios/samples
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hf-samples.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"   # icinga2 drops root privileges to its own user to read the config
pass=0 fail=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
notok() { echo "not ok - $1"; shift; printf '  %s\n' "$@"; fail=$((fail + 1)); }

# --- Nagios 4 ---------------------------------------------------------------
cat >"$tmp/objects.cfg" <<'CFG'
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define command {
    command_name notify-none
    command_line /bin/true
}
define contact {
    contact_name                  ops
    host_notifications_enabled    0
    service_notifications_enabled 0
    host_notification_period      24x7
    service_notification_period   24x7
    host_notification_options     n
    service_notification_options  n
    host_notification_commands    notify-none
    service_notification_commands notify-none
}
define contactgroup {
    contactgroup_name helixflow-ops
    members           ops
}
define host {
    host_name             inference-01
    address               127.0.0.1
    hostgroups            helixflow-servers
    max_check_attempts    3
    check_period          24x7
    notification_period   24x7
    contact_groups        helixflow-ops
}
CFG
cat >"$tmp/nagios.cfg" <<CFG
log_file=$tmp/nagios.log
cfg_file=$tmp/objects.cfg
cfg_file=$samples/helixflow-nagios.cfg
resource_file=$tmp/resource.cfg
status_file=$tmp/status.dat
temp_file=$tmp/nagios.tmp
temp_path=$tmp
lock_file=$tmp/nagios.lock
check_result_path=$tmp
object_cache_file=$tmp/objects.cache
precached_object_file=$tmp/objects.precache
command_file=$tmp/nagios.cmd
nagios_user=$(id -un)
nagios_group=$(id -gn)
illegal_macro_output_chars=\`~\$&|'"<>
CFG
echo "\$USER1\$=$bin" >"$tmp/resource.cfg"
out=$(nagios4 -v "$tmp/nagios.cfg" 2>&1)
if [ $? -eq 0 ] && grep -q 'Total Errors:   0' <<<"$out" && grep -q 'Total Warnings: 0' <<<"$out" &&
   grep -q 'Checked 8 services' <<<"$out"; then
  ok "nagios4 -v accepts helixflow-nagios.cfg (8 services, no warnings)"
else
  notok "nagios4 -v accepts helixflow-nagios.cfg" "$(grep -E 'Error|Warning|Checked' <<<"$out")"
fi

# Every command line of the sample, with the $ARGn$ of every service, is
# accepted by the plugin (run with -h appended: bad options fail before -h).
while read -r cmd; do
  [ -x "$bin/$cmd" ] || { notok "nagios command $cmd: no such plugin"; continue; }
  ok "nagios command $cmd names a built plugin"
done < <(awk '/command_line[ \t]*\$USER1\$/{sub(/^[ \t]*command_line[ \t]*\$USER1\$\//, ""); print $1}' \
         "$samples/helixflow-nagios.cfg")

# Every event handler runs helixflow-ops restart through sudo with options it
# accepts, given the values Nagios' macros give (then -h).
n_eh=0
while read -r line; do
  n_eh=$((n_eh + 1))
  case $line in
    "/usr/bin/sudo -n /usr/bin/helixflow-ops restart "*) ;;
    *) notok "nagios event handler runs sudo -n /usr/bin/helixflow-ops restart" "$line"; continue ;;
  esac
  line=${line#/usr/bin/sudo -n /usr/bin/helixflow-ops restart }
  line=${line//\$SERVICESTATE\$/CRITICAL}
  line=${line//\$SERVICESTATETYPE\$/HARD}
  line=${line//\$SERVICEATTEMPT\$/3}
  line=${line//\$ARG1\$/api-gateway}
  read -r -a args <<<"$line"
  out=$("$restart_bin" restart "${args[@]}" -h 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -q '^usage: helixflow-ops restart' <<<"$out"; then
    ok "nagios event handler 'helixflow-ops restart $line' is accepted"
  else
    notok "nagios event handler 'helixflow-ops restart $line' is accepted" "exit $rc: $(head -1 <<<"$out")"
  fi
done < <(awk '/command_line.*helixflow-ops/{sub(/^[ \t]*command_line[ \t]*/, ""); print}' \
         "$samples/helixflow-nagios.cfg")
if [ $n_eh -ge 1 ] && grep -q '^ *event_handler *helixflow-restart$' "$samples/helixflow-nagios.cfg"; then
  ok "the nagios sample's service check has the restart event handler ($n_eh commands)"
else
  notok "the nagios sample's service check has the restart event handler"
fi
while read -r svc_cmd; do
  cmd=${svc_cmd%%!*}
  IFS='!' read -r -a args <<<"$svc_cmd"
  line=$(awk -v n="$cmd" '/command_name/{c=$2} /command_line/ && c==n {sub(/^[ \t]*command_line[ \t]*/,""); print; exit}' \
         "$samples/helixflow-nagios.cfg")
  line=${line//\$USER1\$/$bin}
  for i in 1 2 3; do line=${line//\$ARG$i\$/${args[$i]:-}}; done
  out=$(eval "$line -h" 2>&1); rc=$?
  if [ $rc -eq 0 ]; then ok "nagios service command '$svc_cmd' is accepted"
  else notok "nagios service command '$svc_cmd' is accepted" "$line -h -> exit $rc" "$(head -2 <<<"$out")"; fi
done < <(awk '/check_command/{sub(/^[ \t]*check_command[ \t]*/, ""); print}' "$samples/helixflow-nagios.cfg")

# --- Icinga 2 ---------------------------------------------------------------
cat >"$tmp/icinga2.conf" <<CFG
const PluginDir = "$bin"
include <itl>
include "$samples/helixflow-icinga2.conf"
object Host "inference-01" {
  check_command = "dummy"
  address = "127.0.0.1"
  vars.helixflow = true
}
CFG
out=$(icinga2 daemon -C -c "$tmp/icinga2.conf" -DVarsPath="$tmp/icinga2.vars" 2>&1)
if [ $? -eq 0 ] && grep -q 'Instantiated 8 Services' <<<"$out" && ! grep -qi 'warning/' <<<"$out"; then
  ok "icinga2 daemon -C accepts helixflow-icinga2.conf (8 services)"
else
  notok "icinga2 daemon -C accepts helixflow-icinga2.conf" "$(grep -iE 'critical|warning|Instantiated' <<<"$out")"
fi

# Every argument of every CheckCommand is accepted by its plugin.
dummy() {
  case $1 in
    -w|-c) echo 1 ;; -t) echo 5 ;;
    *url*) echo http://127.0.0.1:9/ ;;
    *glob*|--log) echo "$tmp/*.log" ;;
    --service) echo api-gateway ;; --model) echo helixflow-7b ;;
    *) echo "$tmp/x" ;;
  esac
}
# an event handler's macros: what Icinga gives
edummy() {
  case $1 in --state) echo CRITICAL ;; --state-type) echo HARD ;; --attempt) echo 3 ;; *) echo x ;; esac
}
current=
n_ev=0
while read -r kind a b; do
  if [ "$kind" = cmd ]; then current=$a; continue; fi
  [ -n "$current" ] || continue
  opt=$a
  if [ "$current" = event ]; then
    n_ev=$((n_ev + 1))
    out=$("$restart_bin" restart --all "$opt" "$(edummy "$opt")" -h 2>&1); rc=$?
    if [ $rc -eq 0 ]; then ok "icinga event argument $opt accepted by helixflow-ops restart"
    else notok "icinga event argument $opt accepted by helixflow-ops restart" "exit $rc: $(head -1 <<<"$out")"; fi
    continue
  fi
  if [ "$current" = common ]; then progs=(check_helixflow_service check_helixflow_db); else progs=("$current"); fi
  for pg in "${progs[@]}"; do
    out=$("$bin/$pg" "$opt" "$(dummy "$opt")" -h 2>&1); rc=$?
    if [ $rc -eq 0 ]; then ok "icinga argument $opt accepted by $pg"
    else notok "icinga argument $opt accepted by $pg" "exit $rc: $(head -1 <<<"$out")"; fi
  done
done < <(awk '
  /^template CheckCommand/ {print "cmd common"; next}
  /^object EventCommand/ {print "cmd event"; next}
  /^object CheckCommand/ {inobj=1; next}
  /command = \[ PluginDir/ {match($0, /check_helixflow[a-z_]*/); print "cmd " substr($0, RSTART, RLENGTH); next}
  /^ *"-/ {match($0, /"-[-a-z]*"/); print "arg " substr($0, RSTART+1, RLENGTH-2)}
' "$samples/helixflow-icinga2.conf")

if [ $n_ev -eq 3 ] &&
   grep -q 'command = \[ "/usr/bin/sudo", "-n", "/usr/bin/helixflow-ops", "restart", "--all" \]' \
     "$samples/helixflow-icinga2.conf" &&
   grep -q 'event_command = "helixflow-restart"' "$samples/helixflow-icinga2.conf"; then
  ok "icinga EventCommand helixflow-restart (sudo helixflow-ops restart --all, 3 macros) on the service check"
else
  notok "icinga EventCommand helixflow-restart on the service check" "$n_ev event arguments"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
