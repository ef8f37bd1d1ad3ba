#!/bin/bash
# collectd stopped and started again while the test bed's writer inserts rows
# and a log grows: after the restart the database's request counts per
# window equal an independent sqlite3 count over the same window, and the
# log window holds exactly the lines appended (before the stop, while
# collectd was down, after the start; and across a rotation by rename or
# copytruncate while collectd was down): none lost, none counted twice.
#
# The writer is stopped before the comparison (its rows keep coming
# otherwise); the windows' lower edges still move past the test bed's old
# rows, so sqlite3 counts before and after collectd's read, and a try whose
# two counts differ is done again (a bounded number of times).
set -u
. "$(dirname "$0")/collectd_lib.sh"

tb_up --rows 20000 --no-writer
cd_new c
H=$CD_HOST/helixflow
{ cd_conf_head c --interval 1 --read-threads 2
  cd_conf_ours c
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path c state)"
  SaveInterval 3600
  <Database>
    Interval 1
  </Database>
  <Logs>
    Log "$HF_LOG_DIR/api-gateway.log"
    Window 3600
    Interval 1
  </Logs>
</Plugin>
EOF
} >"$(cd_path c conf)"

windows="1h 24h 7d 30d"
db_ids=()
for w in $windows; do db_ids+=("$H-db-$w/gauge-requests" "$H-db-$w/percent-error_rate"); done
db_ids+=("$H-db-inference_requests/count-rows" "$H-db/gauge-skipped")
ERR=$H-log-error/gauge-lines
CRIT=$H-log-critical/gauge-lines

# sqlite3, read-only: "requests errors" per window, then count(*)
sql_counts() {
    local q="" w span
    for w in $windows; do
        case $w in 1h) span='-1 hour' ;; 24h) span='-24 hours' ;; 7d) span='-7 days' ;; 30d) span='-30 days' ;; esac
        q+="SELECT count(*), sum(status = 'error') FROM inference_requests WHERE created_at > datetime('now', '$span');"
    done
    q+="SELECT count(*) FROM inference_requests;"
    sqlite3 -cmd '.timeout 5000' "file:$HF_DB?mode=ro" "$q" | tr '\n' ' '
}
value_of() { awk -v i="$1" '$1 == i { print $2 }' <<<"$2"; }
appended=0
append() { "$HF_TESTBED" log "$HF_ROOT" append "$1" error >/dev/null; appended=$((appended + $1)); }

cd_start c || { echo "Bail out! collectd did not start"; exit 1; }
cd_ok "first reads" cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "${db_ids[@]}" "$ERR"
cd_ok "the log is read from its end: no error line yet" cd_wait_value c "$ERR" value 'v == 0'

# ---------------------------------------------------------------- moving
"$HF_TESTBED" writer "$HF_ROOT" start --rate 20 >/dev/null
append 5
cd_ok "5 appended error lines seen" cd_wait_value c "$ERR" value 'v == 5'
rows0=$(sqlite3 "file:$HF_DB?mode=ro" 'SELECT count(*) FROM inference_requests')
cd_ok "the writer's rows seen before the stop" \
    cd_wait_value c "$H-db-inference_requests/count-rows" value "v > $rows0"
cd_stop c
rows_stop=$(sql_counts | awk '{ print $NF }')
cd_is "collectd stops (exit 0) while the writer runs" "$CD_STATUS" 0
cd_ok "the state is saved at shutdown" sh -c "ls '$(cd_path c state)' | grep -q ."
# while collectd is down: more rows (the writer), more lines
append 7
rows_over() { [ "$(sql_counts | awk '{ print $NF }')" -gt "$1" ] || { echo "no row after the first $1"; return 1; }; }
cd_ok "rows written while collectd is down" cd_poll "$CD_TIMEOUT" "a row written while collectd is down" rows_over "$rows_stop"
cd_start c || { echo "Bail out! collectd did not restart"; exit 1; }
cd_ok "no saved state refused" sh -c "! grep -E 'saved state .* unusable|cannot save' '$(cd_path c log)'"
append 3
cd_ok "after the restart: the lines of before, while down and after" \
    cd_wait_value c "$ERR" value "v == $appended"
"$HF_TESTBED" writer "$HF_ROOT" stop >/dev/null

# ---------------------------------------------------------------- compare
ok_try=0
for try in 1 2 3 4 5; do
    a=$(sql_counts)
    out=$(cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "${db_ids[@]}" "$ERR" "$CRIT") || { echo "# $out"; continue; }
    b=$(sql_counts)
    [ "$a" = "$b" ] && { ok_try=1; break; }
    echo "# try $try: sqlite3 counts moved during the read ($a / $b)"
done
cd_is "a read between two equal sqlite3 counts" "$ok_try" 1
read -r -a sq <<<"$a"
k=0
for w in $windows; do
    IFS='|' read -r n e <<<"${sq[$k]}"
    k=$((k + 1))
    got=$(value_of "$H-db-$w/gauge-requests" "$out")
    cd_num "db $w requests = sqlite3's count ($n)" "$got" "!nan && v == $n"
    want=$(awk -v n="$n" -v e="${e:-0}" 'BEGIN { printf "%.2f", n ? 100 * e / n : 0 }')
    got=$(value_of "$H-db-$w/percent-error_rate" "$out")
    cd_num "db $w error rate = sqlite3's ($e of $n: $want %)" "$got" "!nan && v >= $want - 0.051 && v <= $want + 0.051"
done
cd_num "db rows = sqlite3's count(*) (${sq[$k]})" "$(value_of "$H-db-inference_requests/count-rows" "$out")" "v == ${sq[$k]}"
cd_num "db skipped no row" "$(value_of "$H-db/gauge-skipped" "$out")" 'v == 0'
cd_num "log error lines: exactly the $appended appended" "$(value_of "$ERR" "$out")" "v == $appended"
cd_num "log critical lines: none appended" "$(value_of "$CRIT" "$out")" 'v == 0'

# ---------------------------------------------------------------- rotated while down
# the log rotated while collectd is down (by rename, then by copytruncate):
# the lines written before the rotation are in the rotated file
stable() { # N: the error window is N from two reads after now on
    local v
    v=$(cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "$ERR") || { echo "$v"; return 1; }
    v=$(cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "$ERR") || { echo "$v"; return 1; }
    _cd_test "${v##* }" "v == $1" || { echo "$v, want $1"; return 1; }
}
for how in rename copytruncate; do
    cd_stop c
    cd_is "stop before a $how rotation exits 0" "$CD_STATUS" 0
    append 4
    "$HF_TESTBED" log "$HF_ROOT" rotate "$how" >/dev/null
    append 2
    cd_start c || { echo "Bail out! collectd did not start after the $how rotation"; exit 1; }
    cd_ok "rotated ($how) while down: the lines before and after the rotation ($appended)" \
        cd_wait_value c "$ERR" value "v == $appended"
    cd_ok "rotated ($how) while down: and none counted twice" stable "$appended"
done

# ---------------------------------------------------------------- again, idle
# a second restart with nothing new: the same figures
cd_stop c
cd_is "second stop exits 0" "$CD_STATUS" 0
cd_start c || { echo "Bail out! collectd did not start a third time"; exit 1; }
for try in 1 2 3 4 5; do
    a=$(sql_counts)
    out=$(cd_fresh c "$(cd_now)" "$CD_TIMEOUT" "${db_ids[@]}" "$ERR") || { echo "# $out"; continue; }
    b=$(sql_counts)
    [ "$a" = "$b" ] && break
done
read -r -a sq <<<"$a"
IFS='|' read -r n _ <<<"${sq[1]}"
cd_num "after an idle restart: db 24h requests = sqlite3's ($n)" "$(value_of "$H-db-24h/gauge-requests" "$out")" "v == $n"
cd_num "after an idle restart: log error lines still $appended" "$(value_of "$ERR" "$out")" "v == $appended"
cd_stop c
cd_is "third stop exits 0" "$CD_STATUS" 0
cd_done_testing
