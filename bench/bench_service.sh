#!/bin/bash
# bench/bench_service.sh: check_helixflow_service and the process probe side
# by side with what operators use today, on a host with 2,000 extra processes.
#
#   (a) check_helixflow_service (five services, one run) vs check_procs run once
#       per service (five runs, exact-path --ereg-argument-array): CPU, wall and
#       peak RSS ratios; bar: CPU >= 10 x
#   (b) the probe's CPU per /proc scan vs the floor, a bare readdir + readlinkat
#       loop over /proc (both in-process, ITER iterations); bar: <= 1.5 x
#   (c) the probe with the systemd-cgroup source: cost with 2,000 vs 100 other
#       processes; bar: <= 1.5 x (skipped when cgroup v2 is not writable)
#
# Environment: HF_BUILD_DIR (default build), BENCH_PROCS (2000), BENCH_REPEAT
# (runs per command in (a), 10), BENCH_ITER (in-process iterations of a /proc
# scan in (b), 100), BENCH_ITER_CG (probes with the cgroup source in (c), 2000).
# Every process it starts is stopped on exit (trap), and the temp dir removed.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${HF_BUILD_DIR:-build}
CHECK=$BUILD/plugins/nagios/check_helixflow_service
DRV=$BUILD/bench/bench_process_probe
CHECK_PROCS=${CHECK_PROCS:-/usr/lib/nagios/plugins/check_procs}
TESTBED=tests/testbed/hf-testbed
N_EXTRA=${BENCH_PROCS:-2000}
N_FEW=100
REPEAT=${BENCH_REPEAT:-10}
ITER=${BENCH_ITER:-100}
ITER_CG=${BENCH_ITER_CG:-2000}
SERVICES="api-gateway api-gateway-grpc auth-service inference-pool monitoring"
CG_BASE=/sys/fs/cgroup/unified

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-service.XXXXXX") || exit 1
SPAWNERS=()
CG_DIR=
CG_MOVED=()

cleanup() {
    local p e
    for p in "${SPAWNERS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${SPAWNERS[@]}"; do wait "$p" 2>/dev/null; done
    SPAWNERS=()
    for e in "${CG_MOVED[@]}"; do
        [ -d "/proc/${e%% *}" ] && echo "${e%% *}" >"$CG_BASE${e#* }/cgroup.procs" 2>/dev/null
    done
    CG_MOVED=()
    "$TESTBED" down "$TMP/tb" --purge >/dev/null 2>&1
    if [ -n "$CG_DIR" ] && [ -d "$CG_DIR" ]; then
        find "$CG_DIR" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
        rmdir "$CG_DIR" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

die() { echo "bench_service: $*" >&2; exit 1; }

# ratio_max LABEL A B BAR: A/B, PASS when at most BAR (lib.sh's ratio is "at least")
ratio_max() {
    local label=$1 a=$2 b=$3 bar=$4 r verdict=PASS
    r=$(python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b) if b > 0 else 'inf')" "$a" "$b")
    python3 -c "import sys; sys.exit(0 if sys.argv[1] != 'inf' and float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$r" "$bar" ||
        { verdict=FAIL; BENCH_FAILS=$((BENCH_FAILS + 1)); }
    printf '%-60s %8s x   (bar <= %s x) %s\n' "$label" "$r" "$bar" "$verdict"
}

nprocs() { local n=0 d; for d in /proc/[0-9]*; do n=$((n + 1)); done; echo "$n"; }

# spawn N: N more pausing processes (one spawner + N children)
spawn() {
    local fifo=$TMP/spawn.$#.$RANDOM line
    mkfifo "$fifo"
    "$DRV" spawn "$1" >"$fifo" &
    SPAWNERS+=($!)
    read -r line <"$fifo" || die "spawner did not start"
    [ "$line" = ready ] || die "spawner: $line"
    rm -f "$fifo"
}

# drv_min VAR ARGS...: VAR = the least CPU seconds per iteration of
# "DRV ARGS..." over 5 runs (the minimum is the cost; the rest is other
# load on the host); DRV_LAST = the last run's RESULT line
drv_min() {
    local var=$1 i out v=(); shift
    for i in 1 2 3 4 5; do
        out=$("$DRV" "$@") || die "$DRV $*: failed"
        v+=("$(awk '/^RESULT/ {print $2}' <<<"$out")")
        DRV_LAST=$out
    done
    printf -v "$var" '%s' "$(printf '%s\n' "${v[@]}" | sort -g | head -n1)"
}

# --- build and test bed
[ -d "$BUILD" ] || meson setup "$BUILD" >/dev/null || die "meson setup failed"
ninja -C "$BUILD" >/dev/null || die "build failed"
[ -x "$CHECK_PROCS" ] || die "$CHECK_PROCS not found (apt-get install monitoring-plugins-basic)"
"$TESTBED" up "$TMP/tb" --no-writer >/dev/null 2>&1 || die "test bed did not come up"
. "$TMP/tb/testbed.env"
BIN=$(realpath "$HF_BIN_DIR")
echo "== bench_service: $(nproc) CPUs, $(nprocs) processes before, test bed at $HF_ROOT"

# --- cgroup units for the five services (for (c))
cg_ok=0
if mkdir "$CG_BASE/hf-bench-service-$$" 2>/dev/null; then
    CG_DIR=$CG_BASE/hf-bench-service-$$
    cg_ok=1
    for s in $SERVICES; do mkdir "$CG_DIR/helixflow-$s.service" || cg_ok=0; done
    for d in /proc/[0-9]*; do
        exe=$(readlink "$d/exe" 2>/dev/null) || continue
        for s in $SERVICES; do
            [ "$exe" = "$BIN/$s" ] || continue
            pid=${d#/proc/}
            CG_MOVED+=("$pid $(sed -n 's/^0:://p' "$d/cgroup")")
            echo "$pid" >"$CG_DIR/helixflow-$s.service/cgroup.procs" || cg_ok=0
        done
    done
fi

# --- (c) first half: 100 other processes
spawn "$N_FEW"
if [ "$cg_ok" = 1 ]; then
    drv_min c_few probe "$ITER_CG" "$HF_ROOT" "$CG_DIR"
    c_few_detail=$DRV_LAST
    c_few_n=$(nprocs)
fi

# --- the rest of the extra processes
spawn $((N_EXTRA - N_FEW))
total=$(nprocs)
echo "== $total processes on the host ($N_EXTRA extra) after ${SECONDS}s"
echo

# --- (a) the check vs check_procs once per service
first=$("$CHECK" --root "$HF_ROOT" --state-dir "$TMP/state" | head -n1)
echo "check_helixflow_service: ${first%% | *}"
for s in $SERVICES; do
    echo "check_procs ($s): $("$CHECK_PROCS" -c 1: --ereg-argument-array "^$BIN/$s( .*)?\$" | sed 's/ | procs=.*//')"
done
measure hf "$REPEAT" "$CHECK" --root "$HF_ROOT" --state-dir "$TMP/state"
cp_cpu=0 cp_wall=0 cp_rss=0
for s in $SERVICES; do
    measure cp "$REPEAT" "$CHECK_PROCS" -c 1: --ereg-argument-array "^$BIN/$s( .*)?\$"
    cp_cpu_sum=$(echo "${cp_cpu_sum:-0} + $cp_cpu" | bc -l)
    cp_wall_sum=$(echo "${cp_wall_sum:-0} + $cp_wall" | bc -l)
    [ "$cp_rss" -gt "${cp_rss_max:-0}" ] && cp_rss_max=$cp_rss
done
echo
echo "(a) $REPEAT runs: check_helixflow_service ${hf_cpu}s CPU ${hf_wall}s wall ${hf_rss} KiB peak;" \
     "check_procs x5 ${cp_cpu_sum}s CPU ${cp_wall_sum}s wall ${cp_rss_max} KiB peak"
ratio "(a) CPU: check_procs x5 / check_helixflow_service" "$cp_cpu_sum" "$hf_cpu" 10
ratio "(a) wall: check_procs x5 / check_helixflow_service" "$cp_wall_sum" "$hf_wall"
ratio "(a) peak RSS: check_procs / check_helixflow_service" "$cp_rss_max" "$hf_rss"

echo "    (${SECONDS}s)"

# --- (b) probe vs the floor, in-process
# interleaved, so both see the same host load; the least of 5 each
floor_s=inf probe_s=inf
for i in 1 2 3 4 5; do
    out=$("$DRV" floor "$ITER") || die "floor failed"
    read -r _ v floor_n _ <<<"$(grep '^RESULT' <<<"$out")"
    floor_s=$(python3 -c "import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))" "$floor_s" "$v")
    DRV_LAST=$("$DRV" probe "$ITER" "$HF_ROOT" -) || die "probe failed"
    read -r _ v probe_n _ <<<"$(grep '^RESULT' <<<"$DRV_LAST")"
    probe_s=$(python3 -c "import sys; print(min(float(sys.argv[1]), float(sys.argv[2])))" "$probe_s" "$v")
done
echo
echo "(b) floor: $(python3 -c "import sys; print('%.0f ns' % (float(sys.argv[1]) * 1e9 / int(sys.argv[2])))" "$floor_s" "$floor_n") per process ($floor_n processes);" \
     "probe: $(python3 -c "import sys; print('%.0f ns' % (float(sys.argv[1]) * 1e9 / int(sys.argv[2])))" "$probe_s" "$probe_n") per process ($probe_n processes)"
echo "    probe found: $(awk '/^RESULT/ {print $4}' <<<"$DRV_LAST")"
ratio_max "(b) CPU per host process: probe / readdir+readlink floor" \
    "$(echo "$probe_s / $probe_n" | bc -l)" "$(echo "$floor_s / $floor_n" | bc -l)" 1.5

# --- (c) second half: the cgroup source does not scan /proc
echo
if [ "$cg_ok" = 1 ]; then
    drv_min c_many probe "$ITER_CG" "$HF_ROOT" "$CG_DIR"
    echo "(c) cgroup source: $(python3 -c "import sys; print('%.1f us' % (float(sys.argv[1]) * 1e6))" "$c_few") per probe with $c_few_n processes," \
         "$(python3 -c "import sys; print('%.1f us' % (float(sys.argv[1]) * 1e6))" "$c_many") with $total"
    echo "    probe found: $(awk '/^RESULT/ {print $4}' <<<"$DRV_LAST") (scanned $(awk '/^RESULT/ {print $3}' <<<"$DRV_LAST") /proc entries)"
    ratio_max "(c) cgroup source: cost with $N_EXTRA / with $N_FEW extra processes" "$c_many" "$c_few" 1.5
else
    echo "(c) SKIPPED: $CG_BASE is not writable (cgroup v2 needed for the unit-cgroup source)"
fi
echo
echo "bench_service: $BENCH_FAILS bar(s) failed (${SECONDS}s)"
[ "$BENCH_FAILS" = 0 ]
