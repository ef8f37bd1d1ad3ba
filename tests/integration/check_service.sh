#!/bin/bash
# Integration: check_helixflow_service against the test bed's real processes.
# Pins exact first lines (the text before " | " exactly, perfdata by pattern
# where it holds measured values) and exit codes.
set -u
. "$(dirname "$0")/lib.sh"

CHECK=$(hf_bin check_helixflow_service)
CG_BASE=/sys/fs/cgroup/unified
CG_DIR=
CG_MOVED=()     # "pid original-cgroup" pairs to move back

cg_cleanup() {
    local e pid orig
    for e in "${CG_MOVED[@]}"; do
        pid=${e%% *} orig=${e#* }
        [ -d "/proc/$pid" ] && echo "$pid" >"$CG_BASE$orig/cgroup.procs" 2>/dev/null
    done
    CG_MOVED=()
    if [ -n "$CG_DIR" ] && [ -d "$CG_DIR" ]; then
        find "$CG_DIR" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
        rmdir "$CG_DIR" 2>/dev/null
    fi
    CG_DIR=
}

tb_up
trap 'cg_cleanup; _tb_cleanup' EXIT
trap 'cg_cleanup; _tb_cleanup; exit 130' INT
trap 'cg_cleanup; _tb_cleanup; exit 143' TERM
STATE=$TB_DIR/state
RUN=$TB_DIR/run
BIN=$(realpath "$HF_BIN_DIR")

# expect_text NAME EXIT "TEXT" "PERF-REGEX" -- CMD...: the first line is exactly
# "TEXT | perfdata" with perfdata matching ^PERF-REGEX$ ("" = no perfdata).
expect_text() {
    local name=$1 rc=$2 text=$3 perf=$4; shift 5
    _tb_run "$@"
    local first=${TB_OUT%%$'\n'*} ok=0 got_text got_perf=
    got_text=${first%% | *}
    [ "$got_text" != "$first" ] && got_perf=${first#* | }
    if [ "$TB_RC" = "$rc" ] && [ "$got_text" = "$text" ] && [[ $got_perf =~ ^${perf}$ ]]; then ok=1; fi
    _tb_report "$name" $ok "$rc" "\"$text | /$perf/\""
}

pid_of() { head -n1 "$RUN/$1.pid"; }
N='[0-9]+'
F='[0-9]+(\.[0-9]+)?'
# perfdata of one running service with COUNT processes and -c 1:
perf_up() { # name count [warn] [crit]
    printf '%s=%s;%s;%s;0 %s_rss=%sB;;;0 %s_cpu=%sc %s_threads=%s;;;0 %s_fds=%s;;;0 %s_uptime=%ss;;;0' \
        "$1" "$2" "${3:-}" "${4:-1:}" "$1" "$N" "$1" "$F" "$1" "$N" "$1" "$N" "$1" "$N"
}
PERF_DOWN_GW='api-gateway=0;;1:;0 api-gateway_rss=0B;;;0 api-gateway_cpu=0c api-gateway_threads=0;;;0 api-gateway_fds=0;;;0 api-gateway_uptime=U;;;0'
PERF_ALL="$(perf_up api-gateway 3) $(perf_up api-gateway-grpc 1) $(perf_up auth-service 1) $(perf_up inference-pool 1) $(perf_up monitoring 1)"
svc() { "$CHECK" --root "$HF_ROOT" --state-dir "$STATE" "$@"; }

# --- all five up; the decoys (other path, argv bait, argv[0] impostor) never count
expect_text "OK: all five" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" -- svc
"$HF_TESTBED" decoy "$TB_DIR" start >/dev/null
expect_text "OK with decoys running: api-gateway still 3" 0 \
    "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" -- svc
expect_check "verbose: one line per service, identified by scan" 0 \
    "^HELIXFLOW SERVICE OK: " -- svc -v
ok "verbose long output names the main pid" \
    grep -qx "\[OK\] api-gateway: 3 processes, main pid $(pid_of api-gateway), up [0-9]* s (scan)" <<<"$TB_OUT"

# --- api-gateway killed; api-gateway-grpc and the decoys keep running
"$HF_TESTBED" kill "$TB_DIR" api-gateway >/dev/null
expect_text "CRITICAL: api-gateway down, only it" 2 \
    "HELIXFLOW SERVICE CRITICAL: api-gateway down (0 processes)" \
    "$PERF_DOWN_GW $(perf_up api-gateway-grpc 1) $(perf_up auth-service 1) $(perf_up inference-pool 1) $(perf_up monitoring 1)" -- svc
expect_exact "CRITICAL: one service, whole line" 2 \
    "HELIXFLOW SERVICE CRITICAL: api-gateway down (0 processes) | $PERF_DOWN_GW" -- svc --service api-gateway

# --- started again after an outage the last run saw: a recovery (OK), not a
# surprise restart; the memory kept "down" (main pid 0) across the outage
ok "the memory records the outage it saw (main pid 0)" grep -q '^api-gateway 0 0$' "$STATE"/service-*.state
"$HF_TESTBED" start "$TB_DIR" api-gateway >/dev/null
expect_text "OK: back after the outage" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" -- svc
expect_text "OK on the run after" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" -- svc

# --- restart between two runs (the test bed's restart command)
old=$(pid_of auth-service)
"$HF_TESTBED" restart "$TB_DIR" auth-service >/dev/null
new=$(pid_of auth-service)
expect_text "WARNING: restarted via the test bed" 1 \
    "HELIXFLOW SERVICE WARNING: auth-service restarted: main pid $old -> $new" "$PERF_ALL" -- svc
expect_text "OK again" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" -- svc

# --- -w / -c on each service's process count
expect_text "CRITICAL: -c 2: (api-gateway-grpc has 1)" 2 \
    "HELIXFLOW SERVICE CRITICAL: api-gateway-grpc: 1 process (critical range 2:)" \
    "$(perf_up api-gateway 3 '' 2:) $(perf_up api-gateway-grpc 1 '' 2:)" \
    -- svc --service api-gateway --service api-gateway-grpc -c 2:
expect_text "WARNING: -w ~:2 (api-gateway has 3)" 1 \
    "HELIXFLOW SERVICE WARNING: api-gateway: 3 processes (warning range ~:2)" \
    "$(perf_up api-gateway 3 '~:2')" -- svc --service api-gateway -w '~:2'

# --- --exe: the decoy's own path is a service of its own; --pidfile
expect_text "OK: --exe NAME=PATH" 0 "HELIXFLOW SERVICE OK: 1 of 1 services running" "$(perf_up gw 1)" \
    -- svc --service gw --exe "gw=$HF_ROOT/decoy/bin/api-gateway"
expect_text "OK: --pidfile" 0 "HELIXFLOW SERVICE OK: 1 of 1 services running" "$(perf_up api-gateway 3)" \
    -- svc --service api-gateway --pidfile "api-gateway=$RUN/api-gateway.pid" -v
ok "pidfile is the source" grep -qx "\[OK\] api-gateway: 3 processes, main pid $(pid_of api-gateway), up [0-9]* s (pidfile)" <<<"$TB_OUT"
expect_text "WARNING: stale pidfile (names the decoy)" 1 \
    "HELIXFLOW SERVICE WARNING: api-gateway: pidfile $RUN/decoy-exe.pid: stale, pid $(pid_of decoy-exe) runs $(realpath "$HF_ROOT")/decoy/bin/api-gateway" \
    "$(perf_up api-gateway 3)" -- svc --service api-gateway --pidfile "api-gateway=$RUN/decoy-exe.pid"

# --- an executable replaced without a restart: " (deleted)"
cp "$HF_BIN_DIR/monitoring" "$HF_BIN_DIR/monitoring.new" && mv -f "$HF_BIN_DIR/monitoring.new" "$HF_BIN_DIR/monitoring"
expect_text "WARNING: deleted executable" 1 \
    "HELIXFLOW SERVICE WARNING: monitoring runs a deleted executable $BIN/monitoring (replaced without a restart)" \
    "$(perf_up monitoring 1)" -- svc --service monitoring
"$HF_TESTBED" restart "$TB_DIR" monitoring >/dev/null
svc >/dev/null      # take note of the restart

# --- the systemd unit cgroup source
if mkdir "$CG_BASE/hf-int-service-$$-$RANDOM" 2>/dev/null; then
    CG_DIR=$(ls -d "$CG_BASE"/hf-int-service-$$-* | head -n1)
    mkdir "$CG_DIR/helixflow-auth-service.service" "$CG_DIR/helixflow-api-gateway.service"
    apid=$(pid_of auth-service)
    orig=$(sed -n 's/^0:://p' "/proc/$apid/cgroup")
    CG_MOVED+=("$apid $orig")
    if echo "$apid" >"$CG_DIR/helixflow-auth-service.service/cgroup.procs"; then
        expect_text "OK: cgroup source" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" \
            -- svc --cgroup-root "$CG_DIR" -v
        out=$TB_OUT
        ok "auth-service identified by its unit cgroup" \
            grep -qx "\[OK\] auth-service: 1 process, main pid $apid, up [0-9]* s (cgroup)" <<<"$out"
        ok "empty unit cgroup: api-gateway found by its executable" \
            grep -qx "\[OK\] api-gateway: 3 processes, main pid $(pid_of api-gateway), up [0-9]* s (scan)" <<<"$out"
        expect_text "OK: --no-cgroup ignores the unit" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" \
            -- svc --cgroup-root "$CG_DIR" --no-cgroup -v
        ok "auth-service by scan with --no-cgroup" \
            grep -qx "\[OK\] auth-service: 1 process, main pid $apid, up [0-9]* s (scan)" <<<"$TB_OUT"
    else
        echo "ok - # SKIP cgroup.procs of $CG_DIR not writable"
    fi
    cg_cleanup
    ok "cgroup test directory removed" test ! -e "$CG_DIR/helixflow-auth-service.service"
else
    echo "ok - # SKIP cgroup source: $CG_BASE is not writable (cgroup v2 not mounted there or no permission)"
fi

# --- bad arguments: UNKNOWN and the usage line
USAGE="Usage: check_helixflow_service [-w RANGE] [-c RANGE] [--service NAME]... [--exe NAME=PATH]... [--pidfile NAME=PATH]... [--proc DIR] [--cgroup-root DIR] [--no-cgroup] [--root DIR] [--state-dir DIR] [-t SECONDS]"
expect_exact "UNKNOWN: unknown option" 3 "HELIXFLOW SERVICE UNKNOWN: unknown option '--bogus'" -- svc --bogus
ok "usage line after it" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
expect_exact "UNKNOWN: --exe without NAME=" 3 \
    "HELIXFLOW SERVICE UNKNOWN: --exe: 'nope' is not NAME=/absolute/path" -- svc --exe nope
ok "usage line after it" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
expect_exact "UNKNOWN: --exe for an unchecked service" 3 \
    "HELIXFLOW SERVICE UNKNOWN: --exe: 'foo' is not a checked service" -- svc --exe foo=/bin/true
expect_exact "UNKNOWN: bad service name" 3 \
    "HELIXFLOW SERVICE UNKNOWN: --service: 'a b' is not a service name (letters, digits, '.', '_', '-')" \
    -- svc --service 'a b'
expect_exact "UNKNOWN: service given twice" 3 \
    "HELIXFLOW SERVICE UNKNOWN: --service: 'x' given twice" -- svc --service x --service x
expect_check "UNKNOWN: bad -c range" 3 "^HELIXFLOW SERVICE UNKNOWN: -c: " -- svc -c abc
ok "usage line after it" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
expect_exact "UNKNOWN: missing --proc dir" 3 \
    "HELIXFLOW SERVICE UNKNOWN: cannot probe processes: /nonexistent/proc: No such file or directory" \
    -- svc --proc /nonexistent/proc
expect_exact "UNKNOWN: unexpected argument" 3 \
    "HELIXFLOW SERVICE UNKNOWN: unexpected argument 'extra'" -- svc extra

# --- -t: bad values, and the timeout ending in UNKNOWN (a fake proc whose stat blocks)
expect_exact "UNKNOWN: -t 0" 3 "HELIXFLOW SERVICE UNKNOWN: -t: '0' is not a number from 1 to 3600" -- svc -t 0
expect_text "OK: -t 5" 0 "HELIXFLOW SERVICE OK: 5 of 5 services running" "$PERF_ALL" -- svc -t 5
FAKE=$TB_DIR/fakeproc
mkdir -p "$FAKE/4242"
ln -s "$BIN/api-gateway" "$FAKE/4242/exe"
mkfifo "$FAKE/4242/stat"
expect_exact "UNKNOWN: -t 1 ends a blocked probe" 3 "HELIXFLOW SERVICE UNKNOWN: timed out after 1 seconds" \
    -- svc --proc "$FAKE" --service api-gateway -t 1

done_testing
