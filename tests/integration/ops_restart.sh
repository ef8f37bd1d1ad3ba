#!/bin/bash
# helixflow-ops restart against the test bed: ops_restart.sh SCENARIO
#   kill       a killed service: one restart, back, its transitions and the
#              restart in the ledger, MTTR equal to the gap between them;
#              `helixflow-ops report daily --end today` on that ledger:
#              availability equal to what the ledger's runs and the gap give
#              (sqlite3), MTTR the gap, one incident, one restart; the
#              event handler ignoring what it must not act on (saying so, exit
#              0) and acting on the SOFT attempt restart.conf names
#   crashloop  a service that dies right after every restart: exactly N
#              attempts with the policy's growing gaps, given up, alerted, no
#              further restarts; --reset re-arms it
#   race       the event handler and a second invocation on one outage: one restart
#   inject     shell syntax, newlines, ../ in a name or in any request:
#              refused, nothing executed (a marker file proves it)
#   perms      a restart.conf (or its directory) others may write: refused
# The program is build/tools/helixflow-ops, subcommand restart.
# Deterministic: the restarts that ran are counted in the
# test bed's run/service-ops.log; waits are bounded polls; timing is never
# asserted beyond the policy's own lower bounds (the backoff gaps).
set -u
. "$(dirname "$0")/lib.sh"
scenario=${1:?usage: ops_restart.sh kill|crashloop|race|inject|perms}
prog=$HF_BUILD_DIR/tools/helixflow-ops
[ -x "$prog" ] || { echo "Bail out! $prog is not built"; exit 1; }

tb_up --rows 100 --no-writer
work=$(mktemp -d "${TMPDIR:-/tmp}/hf-ops-restart.XXXXXX") || exit 1
trap '_tb_cleanup; rm -rf "$work"' EXIT
mkdir -m 0755 "$work/etc" && mkdir -m 0700 "$work/state" || exit 1
conf=$work/etc/restart.conf
ledger=$work/state/ledger.db
oplog=$HF_ROOT/run/service-ops.log
R=("$prog" restart --config "$conf" --ledger "$ledger" --root "$HF_ROOT"
   --health-url "$HF_HEALTH_URL" --ca "$HF_CA")

# The policy: the test bed's restart command, short budgets; mode 0644, root's.
write_conf() {
    cat >"$conf" <<EOF
# written by tests/integration/ops_restart.sh
services = $HF_SERVICES
command = $HF_RESTART_CMD {service}
attempts = 3
window = 10m
backoff = 1s
backoff-max = 8s
reset-after = 10m
timeout = 60s
kill-after = 5s
verify = 10s
[inference-pool]
verify = 1s
[api-gateway-grpc]
soft-attempt = 2
EOF
    chmod 0644 "$conf"
    chown 0:0 "$conf" 2>/dev/null || true
}
write_conf

restarts() { cat "$oplog" 2>/dev/null | grep -c " restart $1\$"; }  # restarts that ran
ran_any() { cat "$oplog" 2>/dev/null | grep -c ' restart '; }
sql() { sqlite3 -cmd '.timeout 5000' "$ledger" "$1"; }
running() { "$HF_TESTBED" status "$HF_ROOT" | grep -q "^$1 running"; }
stopped() { "$HF_TESTBED" status "$HF_ROOT" | grep -q "^$1 stopped"; }
check() { # NAME CONDITION...: a plain assertion (TB_OUT/TB_ERR of the last command kept)
    local name=$1 out=${TB_OUT-} err=${TB_ERR-}; shift
    if "$@"; then TB_RC=0; else TB_RC=1; fi
    TB_OUT="(the condition: $*)" TB_ERR=
    _tb_report "$name" $((1 - TB_RC)) 0 "(condition)"
    TB_OUT=$out TB_ERR=$err
}
me=$(id -un)

case $scenario in
kill)
    expect_check "a healthy service is not restarted" 0 '^ALREADY: api-gateway: healthy' -- \
        "${R[@]}" api-gateway
    check "  and nothing ran" [ "$(restarts api-gateway)" = 0 ]
    old=$(cat "$HF_ROOT/run/api-gateway.pid")
    t_kill=$(date +%s.%N)
    "$HF_TESTBED" kill "$HF_ROOT" api-gateway
    check "killed" stopped api-gateway
    expect_check "killed: restarted" 0 '^RESTARTED: api-gateway restarted \(attempt 1 of 3, ' -- \
        "${R[@]}" api-gateway
    t_done=$(date +%s.%N)
    check "  one restart ran" [ "$(restarts api-gateway)" = 1 ]
    expect_check "  back (check_helixflow_service)" 0 '^HELIXFLOW SERVICE OK: ' -- \
        "$(hf_bin check_helixflow_service)" --root "$HF_ROOT" --no-cgroup --service api-gateway \
        --state-dir "$work/nagios"
    new=$(cat "$HF_ROOT/run/api-gateway.pid")
    check "  a new main process ($old -> $new)" [ "$old" != "$new" ]
    check "  the restart in the ledger (helixflow-ops, $me, attempt 1)" \
        [ "$(sql "SELECT frontend, requester, outcome, attempted, attempt, exit_status FROM restarts
                  WHERE service = 'api-gateway' AND attempted = 1")" = "helixflow-ops|$me|restarted|1|1|0" ]
    tr=$(sql "SELECT from_state, to_state, code, frontend FROM transitions
              WHERE object = 'api-gateway' ORDER BY id")
    check "  its transitions in the ledger: down, then back" \
        [ "$tr" = $'0|2|service.down|helixflow-ops\n2|0|service.down|helixflow-ops' ]
    down_at=$(sql "SELECT printf('%.6f', at) FROM transitions WHERE object = 'api-gateway' AND to_state = 2")
    up_at=$(sql "SELECT printf('%.6f', at) FROM transitions WHERE object = 'api-gateway' AND to_state = 0")
    check "  seen down after the kill, back before the command returned" \
        awk -v k="$t_kill" -v d="$down_at" -v u="$up_at" -v e="$t_done" \
        'BEGIN { exit !(k <= d && d < u && u <= e) }'
    expect_check "status" 0 '^api-gateway: armed, 1 of 3 attempts used' -- \
        "${R[@]}" --status api-gateway
    mttr=$(sed -n 's/.*; MTTR \([0-9.]*\) s .*/\1/p' <<<"$TB_OUT")
    check "  MTTR $mttr s = the gap between the transitions ($down_at .. $up_at)" \
        awk -v m="${mttr:-x}" -v d="$down_at" -v u="$up_at" \
        'BEGIN { g = u - d; exit !(m != "x" && m - g < 0.0015 && g - m < 0.0015) }'
    check "  one incident, one restart that succeeded" \
        grep -q 'incidents 1;.*restarts 1 (1 succeeded)' <<<"$TB_OUT"
    # the report's availability against the ledger, computed here with sqlite3:
    # measured = the union of the runs [start, last + interval] inside
    # [today 00:00 UTC, now], downtime = the CRITICAL -> OK gap recorded above.
    # The report runs once every run's vouched time is over, so "now" does
    # not move the figure.
    cov_end=$(sql "SELECT printf('%.6f', max(last + interval)) FROM runs")
    for _ in $(seq 300); do
        awk -v c="$cov_end" -v n="$(date +%s.%N)" 'BEGIN { exit !(n > c + 0.05) }' && break
        sleep 0.1
    done
    day0=$(date -u -d 'today 00:00' +%s)
    rep=$work/report.json
    "$prog" report daily --end today --json --root "$HF_ROOT" --ledger "$ledger" \
        --state-dir "$work/report-state" -o "$rep"
    rc=$?
    check "report daily --end today --ledger: a report (exit $rc: targets judged)" [ "$rc" -le 1 ]
    now=$(date +%s.%N)
    measured=$(sql "WITH s AS (SELECT max(start, $day0) AS a, min(last + interval, $now) AS b FROM runs
                               WHERE last + interval > $day0 AND start < $now),
                    o AS (SELECT a, b, max(b) OVER (ORDER BY a ROWS BETWEEN UNBOUNDED PRECEDING
                                                    AND 1 PRECEDING) AS pb FROM s),
                    g AS (SELECT a, b, sum(pb IS NULL OR a > pb) OVER (ORDER BY a ROWS UNBOUNDED
                                                                       PRECEDING) AS island FROM o)
                    SELECT printf('%.6f', sum(e - st)) FROM
                        (SELECT min(a) AS st, max(b) AS e FROM g GROUP BY island)")
    want=$(awk -v m="$measured" -v d="$down_at" -v u="$up_at" \
           'BEGIN { printf "%.3f", 100 * (m - (u - d)) / m }')
    got=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); f = r["figures"]; u = r["uptime"]
print(f["availability_pct"]["text"].split()[0], f["mttr_s"]["value"], u["incidents"], u["restarts"],
      u["restarts_ok"], u["measured_s"])' "$rep" 2>&1)
    read -r avail mttr_r inc rs rs_ok meas_r <<<"$got"
    check "  availability $avail % = 100 * (measured $measured - down $down_at..$up_at) / measured = $want %" \
        [ "$avail" = "$want" ]
    check "  measured ${meas_r:-?} s = the union of the ledger's runs today ($measured s)" \
        awk -v a="${meas_r:-x}" -v b="$measured" 'BEGIN { exit !(a != "x" && a - b < 0.0015 && b - a < 0.0015) }'
    check "  MTTR ${mttr_r:-?} s = the gap; 1 incident, 1 restart, 1 succeeded ($inc $rs $rs_ok)" \
        awk -v m="${mttr_r:-x}" -v d="$down_at" -v u="$up_at" -v i="$inc $rs $rs_ok" \
        'BEGIN { g = u - d; exit !(m != "x" && m - g < 0.0015 && g - m < 0.0015 && i == "1 1 1") }'
    out=$("$prog" report daily --end today --json --root "$HF_ROOT" --ledger "$work/none/ledger.db" \
          --state-dir "$work/report-state")
    rc=$?
    check "report without a ledger: still a report (exit $rc)" [ "$rc" -le 1 ]
    check "  the figures say not measured: no ledger" \
        grep -q '"availability_pct": .*"verdict": "unknown", "note": "not measured: no ledger"' <<<"$out"
    check "  nothing created" [ ! -e "$work/none" ]
    # the event handler: HARD CRITICAL, or the SOFT attempt restart.conf names
    "$HF_TESTBED" kill "$HF_ROOT" api-gateway-grpc
    E=("${R[@]}" --state-type SOFT --state CRITICAL)
    expect_check "event: SOFT CRITICAL attempt 1: nothing, and says so" 0 \
        '^IGNORED: api-gateway-grpc: SOFT CRITICAL attempt 1: no restart \(restart.conf acts on SOFT attempt 2' -- \
        "${E[@]}" --attempt 1 api-gateway-grpc
    expect_check "event: HARD WARNING: nothing" 0 '^IGNORED: api-gateway-grpc: HARD WARNING' -- \
        "${R[@]}" --state WARNING --state-type HARD --attempt 3 api-gateway-grpc
    expect_check "event: SOFT CRITICAL attempt 1 for every service: nothing" 0 '^IGNORED: every service: ' -- \
        "${E[@]}" --attempt 1 --all
    check "  nothing ran, still down" [ "$(restarts api-gateway-grpc)" = 0 ]
    check "  still down" stopped api-gateway-grpc
    expect_check "event: SOFT CRITICAL attempt 2 (soft-attempt = 2): restarted" 0 \
        '^RESTARTED: api-gateway-grpc restarted' -- "${E[@]}" --attempt 2 api-gateway-grpc
    expect_check "event: then HARD CRITICAL: already back" 0 '^ALREADY: api-gateway-grpc: healthy' -- \
        "${R[@]}" --state CRITICAL --state-type HARD --attempt 3 api-gateway-grpc
    check "  one restart" [ "$(restarts api-gateway-grpc)" = 1 ]
    ;;

crashloop)
    "$HF_TESTBED" crashloop "$HF_ROOT" inference-pool on
    "$HF_TESTBED" kill "$HF_ROOT" inference-pool
    expect_check "a crash loop is given up after 3 attempts" 2 \
        '^GIVEN_UP: inference-pool: given up after 3 attempts in ' -- \
        "${R[@]}" --wait 120 inference-pool
    check "  alerted" grep -q "^ALERT: inference-pool is given up: no automatic restart until" \
        <<<"$TB_OUT"
    check "  the health verdict said why" grep -q "^  health: inference-pool down (0 processes)" \
        <<<"$TB_OUT"
    check "  exactly 3 restarts ran" [ "$(restarts inference-pool)" = 3 ]
    check "  the ledger: attempts 1, 2, 3 (failed, failed, given up)" \
        [ "$(sql "SELECT group_concat(attempt || ':' || outcome, ' ') FROM (SELECT * FROM restarts
                  WHERE service = 'inference-pool' AND attempted = 1 ORDER BY id)")" = \
          "1:failed 2:failed 3:given_up" ]
    # the policy's gaps: after attempt k at least backoff * 2^(k-1) (1 s, 2 s)
    gaps=$(sql "SELECT printf('%.3f', at - lag(ended_at) OVER (ORDER BY id)) FROM restarts
                WHERE service = 'inference-pool' AND attempted = 1 ORDER BY id" | tail -n +2 | tr '\n' ' ')
    check "  growing gaps between attempts ($gaps>= 1 s, 2 s)" \
        awk -v g="$gaps" 'BEGIN { n = split(g, a, " "); exit !(n == 2 && a[1] >= 0.99 && a[2] >= 1.99) }'
    expect_check "given up: no further restart" 2 '^GIVEN_UP: inference-pool: given up since ' -- \
        "${R[@]}" inference-pool
    expect_check "given up: the event handler does not restart either" 2 \
        '^GIVEN_UP: inference-pool: given up since ' -- \
        "${R[@]}" --state CRITICAL --state-type HARD --attempt 3 inference-pool
    check "  still 3 restarts" [ "$(restarts inference-pool)" = 3 ]
    expect_check "status says given up" 0 '^inference-pool: GIVEN UP since .* after 3 attempts' -- \
        "${R[@]}" --status inference-pool
    expect_check "--reset lifts it" 0 '^RESET: inference-pool: given-up state lifted' -- \
        "${R[@]}" --reset inference-pool
    check "  the reset in the ledger" \
        [ "$(sql "SELECT requester FROM restarts WHERE service = 'inference-pool' AND outcome = 'reset'")" = "$me" ]
    "$HF_TESTBED" crashloop "$HF_ROOT" inference-pool off
    expect_check "re-armed: restarted" 0 '^RESTARTED: inference-pool restarted \(attempt 1 of 3, ' -- \
        "${R[@]}" inference-pool
    check "  4 restarts in all, and it runs" [ "$(restarts inference-pool)" = 4 ]
    check "  running" running inference-pool
    ;;

race)
    for round in 1 2 3; do
        "$HF_TESTBED" kill "$HF_ROOT" auth-service
        n0=$(restarts auth-service)
        rm -f "$work/go"
        for who in handler operator; do
            if [ $who = handler ]; then args=(--state CRITICAL --state-type HARD --attempt 3); else args=(); fi
            (
                for _ in $(seq 1 1000); do [ -e "$work/go" ] && break; sleep 0.005; done
                "${R[@]}" "${args[@]}" auth-service >"$work/$who.out" 2>&1
                echo $? >"$work/$who.rc"
            ) &
        done
        touch "$work/go"
        wait
        out="$(cat "$work/handler.out") | $(cat "$work/operator.out")"
        check "round $round: one restart for one outage ($out)" [ "$(restarts auth-service)" = $((n0 + 1)) ]
        check "  both exit 0" [ "$(cat "$work/handler.rc") $(cat "$work/operator.rc")" = "0 0" ]
        check "  one says RESTARTED, the other IN_PROGRESS or ALREADY" \
            [ "$(grep -c '^RESTARTED: auth-service' "$work/handler.out" "$work/operator.out" |
                 awk -F: '{ s += $2 } END { print s }')" = 1 ]
        check "  the other" grep -qE '^(IN_PROGRESS: auth-service: being restarted by another caller|ALREADY: auth-service: )' \
            "$work/handler.out" "$work/operator.out"
        check "  running" running auth-service
        "${R[@]}" --reset auth-service >/dev/null
    done
    check "the ledger: 3 attempts, all restarted" \
        [ "$(sql "SELECT count(*), sum(outcome = 'restarted') FROM restarts
                  WHERE service = 'auth-service' AND attempted = 1")" = "3|3" ]
    ;;

inject)
    mark=$work/marker
    names=("api-gateway;touch $mark" "\$(touch $mark)" "\`touch $mark\`" $'api-gateway\ntouch '"$mark"
           "api-gateway|touch $mark" "api-gateway && touch $mark" "../../../../bin/sh" "../api-gateway"
           "api-gateway/../monitoring" "API-GATEWAY" "" " api-gateway")
    # the witness: a shell given these strings does create the marker
    for n in "${names[@]:0:4}"; do
        rm -f "$mark"; sh -c "true $n" >/dev/null 2>&1
        check "witness: a shell would run '${n//$'\n'/\\n}'" [ -e "$mark" ]
    done
    rm -f "$mark"
    "$HF_TESTBED" kill "$HF_ROOT" api-gateway        # so an accepted request would restart it
    for n in "${names[@]}"; do
        expect_check "name '${n//$'\n'/\\n}' refused" 4 '^REFUSED: .*nothing run$' -- "${R[@]}" -- "$n"
    done
    for a in "--state=CRITICAL;touch $mark" "--state=\$(touch $mark)" $'--state=CRITICAL\ntouch x'; do
        expect_check "event ${a%%=*} '${a#*=}' refused" 4 '^REFUSED: the state .*nothing run$' -- \
            "${R[@]}" "$a" --state-type HARD --attempt 3 api-gateway
    done
    for a in "\`touch $mark\`" "HARD;touch $mark" "../HARD"; do
        expect_check "event --state-type '$a' refused" 4 '^REFUSED: the state type .*nothing run$' -- \
            "${R[@]}" --state CRITICAL --state-type "$a" --attempt 3 api-gateway
    done
    for a in "3;touch $mark" "\$(touch $mark)" $'3\n4' "../3" "3 4"; do
        expect_check "event --attempt '${a//$'\n'/\\n}' refused" 4 '^REFUSED: the attempt .*nothing run$' -- \
            "${R[@]}" --state CRITICAL --state-type HARD --attempt "$a" api-gateway
    done
    expect_check "--all with a bad event refused" 4 '^REFUSED: the state ' -- \
        "${R[@]}" --state "CRITICAL;x" --state-type HARD --attempt 3 --all
    expect_check "a policy path with shell syntax: no policy, nothing run" 4 '^$' -- \
        "$prog" restart --config "$work/\$(touch $mark)/restart.conf" --ledger "$ledger" api-gateway
    expect_check "--config under sudo refused" 4 '^$' -- env "SUDO_USER=x;touch $mark" "${R[@]}" api-gateway
    check "  says why" grep -q 'not accepted under sudo' <<<"$TB_ERR"
    check "no marker: nothing was executed" [ ! -e "$mark" ]
    check "no restart ran" [ "$(ran_any)" = 0 ]
    check "api-gateway still down" stopped api-gateway
    check "the refusals are in the ledger" \
        [ "$(sql "SELECT count(*) FROM restarts WHERE outcome = 'refused' AND attempted = 0")" -ge 24 ]
    check "  with the name as given" \
        [ "$(sql "SELECT count(*) FROM restarts WHERE service = 'api-gateway;touch $mark'")" = 1 ]
    expect_check "a good request still works" 0 '^RESTARTED: api-gateway' -- "${R[@]}" api-gateway
    check "  and the marker is still absent" [ ! -e "$mark" ]
    ;;

perms)
    "$HF_TESTBED" kill "$HF_ROOT" monitoring
    chmod 0666 "$conf"
    expect_check "restart.conf writable by others: refused" 4 '^$' -- "${R[@]}" monitoring
    check "  the message names the file and the fix" \
        grep -qF "restart policy $conf: writable by other users (mode 0666): refused; chmod go-w it" <<<"$TB_ERR"
    chmod 0664 "$conf"
    expect_check "restart.conf writable by its group: refused" 4 '^$' -- "${R[@]}" monitoring
    check "  says so" grep -q "writable by" <<<"$TB_ERR"
    chmod 0644 "$conf"; chmod 0777 "$work/etc"
    expect_check "its directory writable by others: refused" 4 '^$' -- "${R[@]}" monitoring
    check "  says so" grep -qF "restart policy directory $work/etc: writable by other users" <<<"$TB_ERR"
    chmod 0755 "$work/etc"
    mv "$conf" "$conf.real"; ln -s "$conf.real" "$conf"
    expect_check "a symlink: refused" 4 '^$' -- "${R[@]}" monitoring
    check "  names it" grep -qF "$conf" <<<"$TB_ERR"
    rm -f "$conf"; mv "$conf.real" "$conf"
    if [ "$(id -u)" = 0 ]; then
        chown nobody "$conf"
        expect_check "owned by another user: refused" 4 '^$' -- "${R[@]}" monitoring
        check "  says so" grep -q "owned by" <<<"$TB_ERR"
        chown 0:0 "$conf"
    fi
    printf 'services = monitoring\ncommand = /bin/sh -c touch;%s\n' "$work/marker" >"$conf"
    expect_check "shell syntax in its command: refused at its line" 4 '^$' -- "${R[@]}" monitoring
    check "  names file:line" grep -qF "$conf:2: command: ';'" <<<"$TB_ERR"
    check "nothing ran" [ "$(ran_any)" = 0 ]
    check "  monitoring still down" stopped monitoring
    write_conf
    expect_check "fixed: restarted" 0 '^RESTARTED: monitoring restarted' -- "${R[@]}" monitoring
    ;;
*)
    echo "Bail out! unknown scenario '$scenario'"; exit 1 ;;
esac
done_testing
