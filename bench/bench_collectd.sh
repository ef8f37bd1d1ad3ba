#!/bin/bash
# bench/bench_collectd.sh: the collectd plugin helixflow.so against collectd's
# own processes + tail plugins, side by side in one run, on the same inputs.
#
# Test bed: BENCH_ROWS (10,000,000) database rows with the test bed's writer
# on (50 rows/s), BENCH_PROCS (2,000) other processes, and a feeder appending
# BENCH_LOG_RATE (100) mixed log lines per second, spread over the test bed's
# four logs. All of it runs for the whole script, so every side reads the
# same inputs.
#
# collectd configurations, each `collectd -f` with Interval BENCH_INTERVAL
# (1 s), csv (DataDir in the temp dir) and unixsock loaded:
#   idle      no read plugin: collectd's own cost, subtracted from the others
#   baseline  processes (ProcessMatch for the five services, by exe path at
#             the start of the command line) + tail (each of the four logs,
#             one CounterInc match per class of the log check, the same
#             regexes made case-insensitive with bracket expressions: tail's
#             regcomp has no REG_ICASE)
#   ours      LoadPlugin helixflow, the default configuration: only Root (the
#             test bed) and StateDir (a temp dir, kept across runs, as a host
#             keeps /var/lib/collectd/helixflow). The test bed's services are
#             plain processes, so the service block scans /proc.
#   ours-cg   the same, with the services' processes in systemd-style unit
#             cgroups (helixflow-<svc>.service, as a systemd host runs them):
#             every block listed with its defaults, the Services block with
#             CgroupRoot at those units. Only when cgroup v2 is writable.
# Before the repeats, ours starts once with an empty StateDir (the first read
# of the 10 M rows, the backup's quick_check): its start-up cost is printed,
# outside the bars. Each repeat (BENCH_REPEAT, 3) then runs every side one
# after the other: start collectd, wait BENCH_WARMUP (5) intervals (ours:
# after its database and backup values are listed), read the process's CPU
# clock (clock_gettime on the pid's process CPU-time clock: user+sys of every
# thread, ns) at the start and the end of BENCH_INTERVALS (60) intervals,
# and VmRSS at the end. CPU per interval = (end - start) / intervals elapsed,
# minus the idle run of the same repeat; figures are medians over repeats.
# With BENCH_SPLIT=1 (default) the baseline's two plugins are also run alone
# once (BENCH_SPLIT_INTERVALS, 20), to show where its cost is.
# Bars (issue 6): ours <= 5 ms CPU per interval; baseline / ours >= 3 x;
# VmRSS ours - idle <= 8 MiB.
#
# Environment: HF_BUILD_DIR (default build), the BENCH_* above. Without
# $HF_BUILD_DIR/plugins/collectd/helixflow.so the ours sides are SKIPPED (the
# baseline still runs). Every process it starts is stopped on exit (trap).
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${HF_BUILD_DIR:-build}
SO=$BUILD/plugins/collectd/helixflow.so
HF_TYPES=plugins/collectd/helixflow-types.db
DRV=$BUILD/bench/bench_process_probe
TESTBED=tests/testbed/hf-testbed
COLLECTD=${COLLECTD:-/usr/sbin/collectd}
COLLECTDCTL=${COLLECTDCTL:-/usr/bin/collectdctl}
STOCK=/usr/lib/collectd
ROWS=${BENCH_ROWS:-10000000}
N_EXTRA=${BENCH_PROCS:-2000}
INTERVAL=${BENCH_INTERVAL:-1}
N=${BENCH_INTERVALS:-60}
N_SPLIT=${BENCH_SPLIT_INTERVALS:-20}
REPEAT=${BENCH_REPEAT:-3}
WARMUP=${BENCH_WARMUP:-5}
LOG_RATE=${BENCH_LOG_RATE:-100}
SERVICES="api-gateway api-gateway-grpc auth-service inference-pool monitoring"
CG_BASE=/sys/fs/cgroup/unified

die() { echo "bench_collectd: $*" >&2; exit 1; }

for f in "$COLLECTD" "$COLLECTDCTL" "$STOCK/processes.so" "$STOCK/tail.so" "$STOCK/csv.so" "$STOCK/unixsock.so"; do
    [ -e "$f" ] || die "$f not found (apt-get install collectd-core collectd-utils)"
done
[ -x "$DRV" ] || die "$DRV not built (ninja -C $BUILD)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-collectd.XXXXXX") || exit 1
SPAWNERS=()
FEEDER=
CD_PID=
CG_DIR=
CG_MOVED=()

cleanup() {
    local p e
    if [ -n "$CD_PID" ]; then kill -TERM "$CD_PID" 2>/dev/null; wait "$CD_PID" 2>/dev/null; fi
    [ -n "$FEEDER" ] && { kill -TERM "$FEEDER" 2>/dev/null; wait "$FEEDER" 2>/dev/null; }
    for p in "${SPAWNERS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    for p in "${SPAWNERS[@]}"; do wait "$p" 2>/dev/null; done
    for e in "${CG_MOVED[@]}"; do
        [ -d "/proc/${e%% *}" ] && echo "${e%% *}" >"$CG_BASE${e#* }/cgroup.procs" 2>/dev/null
    done
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

nprocs() { local n=0 d; for d in /proc/[0-9]*; do n=$((n + 1)); done; echo "$n"; }

# spawn N: N more pausing processes (one spawner + N children)
spawn() {
    local fifo=$TMP/spawn.$RANDOM line
    mkfifo "$fifo"
    "$DRV" spawn "$1" >"$fifo" &
    SPAWNERS+=($!)
    read -r line <"$fifo" || die "spawner did not start"
    [ "$line" = ready ] || die "spawner: $line"
    rm -f "$fifo"
}

# cpu_ns PID: the process's CPU time (all threads, dead ones included), ns
cpu_ns() {
    python3 -c 'import sys, time; p = int(sys.argv[1]); print(time.clock_gettime_ns(((~p) << 3) | 2))' "$1"
}
# status_kib PID FIELD: a field of /proc/PID/status in KiB (VmRSS, RssAnon, RssFile)
status_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"; }

# ci WORD: a case-insensitive bracket expression for WORD (tail: no REG_ICASE)
ci() {
    local w=$1 i c out=
    for ((i = 0; i < ${#w}; i++)); do
        c=${w:i:1}
        case $c in [a-zA-Z]) out+="[${c^^}${c,,}]" ;; *) out+=$c ;; esac
    done
    printf '%s' "$out"
}
ci_alt() { local IFS='|' a=() w; for w in $1; do a+=("$(ci "$w")"); done; printf '%s' "${a[*]}"; }

# --- test bed, other processes, log feeder
echo "== bench_collectd: $(nproc) CPUs, $(nprocs) processes before; collectd $("$COLLECTD" -h 2>&1 | sed -n 's/^collectd \([0-9.]*[0-9]\).*/\1/p' | head -n1)"
t0=$SECONDS
"$TESTBED" up "$TMP/tb" --rows "$ROWS" >"$TMP/testbed.log" 2>&1 || { tail -n 5 "$TMP/testbed.log" >&2; die "test bed did not come up"; }
. "$TMP/tb/testbed.env"
BIN=$(realpath "$HF_BIN_DIR")
LOGS=("$HF_LOG_DIR"/*.log)
BACKUPS=("$HF_BACKUP_DIR"/*.db)
echo "   test bed at $HF_ROOT: $ROWS rows ($(stat -c %s "$HF_DB") bytes; backup $(stat -c %s "${BACKUPS[0]}") bytes), writer 50 rows/s, up in $((SECONDS - t0)) s"
spawn "$N_EXTRA"
echo "   $(nprocs) processes on the host ($N_EXTRA extra)"

python3 - "$LOG_RATE" "${LOGS[@]}" >"$TMP/feeder.out" 2>&1 <<'PY' &
import random, sys, time
from datetime import datetime
sys.path.insert(0, "tests/testbed")
import hf_tb
rate, files = float(sys.argv[1]), sys.argv[2:]
rnd = random.Random(11)
i, nxt = 0, time.time()
while True:
    for f in files:
        svc = f.rsplit("/", 1)[-1][:-4]
        k = max(1, int(round(rate / 10 / len(files))))
        lines = []
        for _ in range(k):
            lines.append(hf_tb.log_line(hf_tb.MIX[i % len(hf_tb.MIX)], svc, datetime.now(), rnd))
            i += 1
        with open(f, "a") as fh:
            fh.writelines(lines)
    nxt += 0.1
    time.sleep(max(0.0, nxt - time.time()))
PY
FEEDER=$!
echo "   log feeder: $LOG_RATE lines/s (mixed) over ${#LOGS[@]} logs: ${LOGS[*]##*/}"

# the services in unit cgroups (for ours-cg; the other sides do not look)
cg_ok=0
if mkdir "$CG_BASE/hf-bench-collectd-$$" 2>/dev/null; then
    CG_DIR=$CG_BASE/hf-bench-collectd-$$
    cg_ok=1
    for s in $SERVICES; do mkdir "$CG_DIR/helixflow-$s.service" || cg_ok=0; done
    for d in /proc/[0-9]*; do
        exe=$(readlink "$d/exe" 2>/dev/null) || continue
        for s in $SERVICES; do
            [ "$exe" = "$BIN/$s" ] || continue
            CG_MOVED+=("${d#/proc/} $(sed -n 's/^0:://p' "$d/cgroup")")
            echo "${d#/proc/}" >"$CG_DIR/helixflow-$s.service/cgroup.procs" || cg_ok=0
        done
    done
fi

# --- configurations
PLUGDIR=$TMP/plugins
mkdir -p "$PLUGDIR"
have_ours=0
if [ -f "$SO" ] && [ -f "$HF_TYPES" ]; then
    cp "$SO" "$PLUGDIR/helixflow.so"      # collectd refuses a symlinked plugin
    have_ours=1
fi

conf_processes() {
    local s re
    echo "LoadPlugin processes"
    echo "<Plugin processes>"
    for s in $SERVICES; do
        re="^$(sed 's/[].[\\*^$+?(){}|]/\\&/g' <<<"$BIN/$s")( |\$)"
        re=${re//\\/\\\\}; re=${re//\"/\\\"}     # collectd string quoting
        echo "  ProcessMatch \"$s\" \"$re\""
    done
    echo "</Plugin>"
}
conf_tail() {
    local f c
    echo "LoadPlugin tail"
    echo "<Plugin tail>"
    for f in "${LOGS[@]}"; do
        echo "  <File \"$f\">"
        echo "    Instance \"$(basename "$f" .log)\""
        for c in "error:error|fail|critical" "warning:warn" "critical:critical|fatal|panic" "security:security|auth|login"; do
            echo "    <Match>"
            echo "      Regex \"$(ci_alt "${c#*:}")\""
            echo "      DSType \"CounterInc\""
            echo "      Type \"counter\""
            echo "      Instance \"${c%%:*}\""
            echo "    </Match>"
        done
        echo "  </File>"
    done
    echo "</Plugin>"
}

# conf NAME: writes $TMP/NAME/collectd.conf (the common part, then the side's plugins)
conf() {
    local name=$1 w=$TMP/$1 types=\"/usr/share/collectd/types.db\"
    mkdir -p "$w/csv"
    case $name in ours*) types+=" \"$(realpath "$HF_TYPES")\"" ;; esac
    cat >"$w/collectd.conf" <<EOF
Hostname "bench"
FQDNLookup false
BaseDir "$w"
PIDFile "$w/collectd.pid"
Interval $INTERVAL
TypesDB $types
PluginDir "$STOCK"
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$w/collectd.log"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$w/csv"
</Plugin>
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$w/sock"
</Plugin>
EOF
    case $name in
    baseline|processes|tail)
        [ "$name" = tail ] || conf_processes >>"$w/collectd.conf"
        [ "$name" = processes ] || conf_tail >>"$w/collectd.conf"
        ;;
    ours)
        mkdir -p "$TMP/ours-state"
        cat >>"$w/collectd.conf" <<EOF
PluginDir "$PLUGDIR"
LoadPlugin helixflow
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$TMP/ours-state"
</Plugin>
EOF
        ;;
    ours-cg)
        # every default block, listed: collectd's parser drops an empty
        # block, so each has a key (its Interval, the global one). The same
        # StateDir as ours: the blocks other than Services have the same
        # settings, so the same state files (warm after the first start).
        mkdir -p "$TMP/ours-state"
        cat >>"$w/collectd.conf" <<EOF
PluginDir "$PLUGDIR"
LoadPlugin helixflow
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$TMP/ours-state"
  <Services>
    CgroupRoot "$CG_DIR"
  </Services>
  <Resources>
    Interval $INTERVAL
  </Resources>
  <Endpoint "health">
    Interval $INTERVAL
  </Endpoint>
  <Metrics "gateway">
    Interval $INTERVAL
  </Metrics>
  <Certificates>
    Interval $INTERVAL
  </Certificates>
  <Database>
    Interval $INTERVAL
  </Database>
  <Backups>
    Interval $INTERVAL
  </Backups>
  <Logs>
    Interval $INTERVAL
  </Logs>
</Plugin>
EOF
        ;;
    esac
}
sides="idle baseline"
for s in idle baseline processes tail; do conf "$s"; done
if [ "$have_ours" = 1 ]; then
    conf ours
    sides+=" ours"
    if [ "$cg_ok" = 1 ]; then
        conf ours-cg
        sides+=" ours-cg"
    fi
fi

# start_side NAME: start collectd with NAME's configuration (CD_PID), wait
# for its socket; for ours*, also until its database and backup values are
# listed (their first reads done). Sets R_START (s of CPU until then).
start_side() {
    local name=$1 w=$TMP/$1 i
    rm -f "$w/sock"
    "$COLLECTD" -f -C "$w/collectd.conf" >>"$w/stdout" 2>&1 &
    CD_PID=$!
    for ((i = 0; i < 100; i++)); do
        [ -S "$w/sock" ] && "$COLLECTDCTL" -s "$w/sock" listval >/dev/null 2>&1 && break
        kill -0 "$CD_PID" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$CD_PID" 2>/dev/null || { tail -n 20 "$w/collectd.log" "$w/stdout" >&2; die "$name: collectd exited"; }
    [ -S "$w/sock" ] || die "$name: no unixsock after 10 s"
    R_START=
    case $name in ours*)
        for ((i = 0; i < 3000; i++)); do
            "$COLLECTDCTL" -s "$w/sock" listval 2>/dev/null >"$w/listval.now"
            grep -q '/helixflow-db' "$w/listval.now" && grep -q '/helixflow-backup' "$w/listval.now" && break
            kill -0 "$CD_PID" 2>/dev/null || die "$name: collectd exited (see $w/collectd.log)"
            sleep 0.1
        done
        [ "$i" -lt 3000 ] || echo "   $name: no helixflow-db/backup value after 300 s; measuring anyway"
        R_START=$(echo "$(cpu_ns "$CD_PID") / 1000000000" | bc -l)
        ;;
    esac
}

stop_side() {
    local i
    kill -TERM "$CD_PID"
    for ((i = 0; i < 100; i++)); do kill -0 "$CD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$CD_PID" 2>/dev/null && { echo "   collectd did not stop in 10 s; KILL"; kill -KILL "$CD_PID"; }
    wait "$CD_PID" 2>/dev/null
    CD_PID=
}

# run_side NAME TAG INTERVALS: one measured run; sets R_CPU (ms per interval),
# R_RSS R_ANON R_FILE (KiB), R_VALUES (values listed), R_START (see start_side)
run_side() {
    local name=$1 tag=$2 n=$3 w=$TMP/$1 a b t_a t_b
    start_side "$name"
    sleep "$(echo "$WARMUP * $INTERVAL" | bc -l)"
    t_a=$(date +%s.%N)
    a=$(cpu_ns "$CD_PID")
    sleep "$(echo "$n * $INTERVAL" | bc -l)"
    b=$(cpu_ns "$CD_PID")
    t_b=$(date +%s.%N)
    R_RSS=$(status_kib "$CD_PID" VmRSS) R_ANON=$(status_kib "$CD_PID" RssAnon) R_FILE=$(status_kib "$CD_PID" RssFile)
    # per interval actually elapsed (the sleeps and probes take a little longer)
    R_CPU=$(python3 -c "import sys; a,b,ta,tb,iv=map(float,sys.argv[1:]); print('%.4f' % ((b-a)/1e6/((tb-ta)/iv)))" "$a" "$b" "$t_a" "$t_b" "$INTERVAL")
    "$COLLECTDCTL" -s "$w/sock" listval 2>/dev/null | sort >"$w/listval.$tag"
    R_VALUES=$(wc -l <"$w/listval.$tag")
    while read -r id; do
        echo "$id $("$COLLECTDCTL" -s "$w/sock" getval "$id" 2>/dev/null | tr '\n' ' ')"
    done <"$w/listval.$tag" >"$w/values.$tag"
    stop_side
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

# bar_max LABEL VALUE UNIT BAR: PASS when VALUE <= BAR
bar_max() {
    local label=$1 v=$2 unit=$3 bar=$4 verdict=PASS
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)" "$v" "$bar" ||
        { verdict=FAIL; BENCH_FAILS=$((BENCH_FAILS + 1)); }
    printf '%-60s %8s %s (bar <= %s %s) %s\n' "$label" "$v" "$unit" "$bar" "$unit" "$verdict"
}

# --- ours' first start, empty StateDir (outside the bars)
if [ "$have_ours" = 1 ]; then
    echo "== ours, first start with an empty StateDir (the first read of $ROWS rows and the backup's quick_check)"
    t0=$(date +%s.%N)
    start_side ours
    t1=$(date +%s.%N)
    first_cpu=$R_START
    # then until a whole interval costs less than 50 ms (every first read done)
    prev=$(cpu_ns "$CD_PID") settle=0
    for ((i = 0; i < 300 && settle < 2; i++)); do
        sleep "$INTERVAL"
        cur=$(cpu_ns "$CD_PID")
        if [ $(((cur - prev) / 1000000)) -lt 50 ]; then settle=$((settle + 1)); else settle=0; fi
        prev=$cur
    done
    t2=$(date +%s.%N)
    printf '   %.2f s CPU (%.1f s wall) until its database and backup values were listed; %.2f s CPU (%.1f s wall) until an interval cost < 50 ms\n' \
        "$first_cpu" "$(echo "$t1 - $t0" | bc -l)" "$(echo "$prev / 1000000000" | bc -l)" "$(echo "$t2 - $t0" | bc -l)"
    printf '   then VmRSS %d KiB (anon %d, file %d)\n' "$(status_kib "$CD_PID" VmRSS)" "$(status_kib "$CD_PID" RssAnon)" "$(status_kib "$CD_PID" RssFile)"
    grep -h 'took [0-9.]* seconds' "$TMP/ours/collectd.log" | sed 's/^\[[^]]*\] /   collectd: /; s/, which is above.*//' | head -n 8
    stop_side
fi

echo "== $REPEAT repeats of: $sides; each $N intervals of $INTERVAL s after $WARMUP warm-up intervals"
[ "$have_ours" = 1 ] && [ "$cg_ok" = 0 ] && echo "   (ours-cg SKIPPED: $CG_BASE is not writable: cgroup v2 needed for the unit cgroups)"
declare -A CPU RSS ANON FILE VALS SPLIT
for ((r = 1; r <= REPEAT; r++)); do
    for s in $sides; do
        run_side "$s" "$r" "$N"
        CPU[$s,$r]=$R_CPU RSS[$s,$r]=$R_RSS ANON[$s,$r]=$R_ANON FILE[$s,$r]=$R_FILE VALS[$s]=$R_VALUES
        extra=
        [ -n "$R_START" ] && extra=", restart: $(printf '%.2f' "$R_START") s CPU until db+backup values"
        printf '   repeat %d %-9s %8.3f ms CPU per interval, VmRSS %6d KiB (anon %6d, file %6d), %4d values%s\n' \
            "$r" "$s" "$R_CPU" "$R_RSS" "$R_ANON" "$R_FILE" "$R_VALUES" "$extra"
    done
    if [ "$r" = 1 ] && [ "${BENCH_SPLIT:-1}" = 1 ]; then
        # where the baseline's cost is (once, not part of the bars)
        for s in processes tail; do
            run_side "$s" 1 "$N_SPLIT"
            printf '   repeat %d %-9s %8.3f ms CPU per interval, VmRSS %6d KiB, %4d values (the baseline split; once, %d intervals)\n' \
                "$r" "$s" "$R_CPU" "$R_RSS" "$R_VALUES" "$N_SPLIT"
            SPLIT[$s]=$(echo "$R_CPU - ${CPU[idle,$r]}" | bc -l)
        done
    fi
done

# --- what each side reported (the last repeat's values)
echo "== what they measured (last repeat)"
val() { awk -v id="$2" '$1 ~ id {sub(/^[^ ]* /, ""); print; exit}' "$TMP/$1/values.$REPEAT"; }
bl=$TMP/baseline/listval.$REPEAT
echo "   baseline: $(grep -c '/processes' "$bl") processes values ($(grep -c '/processes-[^/]*/ps_count' "$bl") ProcessMatch groups), $(grep -c '/tail-' "$bl") tail values"
for s in $SERVICES; do
    line="   $(printf '%-17s' "$s") processes plugin: $(val baseline "/processes-$s/ps_count\$")"
    [ "$have_ours" = 1 ] && line+="; helixflow: $(val ours "/helixflow-service-$s/count-processes\$")"
    [ "$have_ours" = 1 ] && [ "$cg_ok" = 1 ] && line+="; ours-cg: $(val ours-cg "/helixflow-service-$s/count-processes\$")"
    echo "$line"
done
for c in error warning critical security; do
    sum=$(awk -v c="/counter-$c\$" '$1 ~ "/tail-" && $1 ~ c {split($2, v, "="); n += v[2]} END {print n + 0}' "$TMP/baseline/values.$REPEAT")
    line="   $(printf '%-17s' "log class $c") tail, 4 logs: $(printf "%.1f" "$sum") lines/s"
    [ "$have_ours" = 1 ] && line+="; helixflow: $(awk -v c="/helixflow-log[^/]*-$c/" '$1 ~ c {printf "%s %s; ", $1, $2}' "$TMP/ours/values.$REPEAT" | sed 's|bench/||g; s/; $//')"
    echo "$line"
done
if [ "$have_ours" = 1 ]; then
    for s in ours ours-cg; do
        [ -f "$TMP/$s/listval.$REPEAT" ] || continue
        echo "   $s: $(grep -c '/helixflow-' "$TMP/$s/listval.$REPEAT") helixflow values, by kind:" \
             "$(sed -n 's|^[^/]*/helixflow-\([a-z]*\).*|\1|p' "$TMP/$s/listval.$REPEAT" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}' | sed 's/, $//')"
    done
fi

# --- figures
idle_med=$(median $(for ((r = 1; r <= REPEAT; r++)); do echo "${CPU[idle,$r]}"; done))
# med_d SIDE ARRAY: median over repeats of ARRAY[SIDE,r] - ARRAY[idle,r]
med_d() {
    local -n arr=$2
    local r v=()
    for ((r = 1; r <= REPEAT; r++)); do v+=("$(echo "${arr[$1,$r]} - ${arr[idle,$r]}" | bc -l)"); done
    median "${v[@]}"
}
base_med=$(med_d baseline CPU)
echo "== medians over $REPEAT repeats (CPU per interval minus the idle collectd's, ${idle_med} ms; VmRSS minus its $(median $(for ((r = 1; r <= REPEAT; r++)); do echo "${RSS[idle,$r]}"; done)) KiB)"
printf '   %-48s %8.3f ms CPU per interval\n' "processes + tail (baseline)" "$base_med"
for s in processes tail; do
    [ -n "${SPLIT[$s]:-}" ] && printf '   %-48s %8.3f ms CPU per interval (repeat 1 only)\n' "  of which $s alone" "${SPLIT[$s]}"
done
if [ "$have_ours" = 1 ]; then
    for s in $sides; do
        case $s in ours) label="helixflow, default configuration" ;; ours-cg) label="helixflow, default, services in unit cgroups" ;; *) continue ;; esac
        o_cpu=$(med_d "$s" CPU) o_rss=$(med_d "$s" RSS) o_anon=$(med_d "$s" ANON) o_file=$(med_d "$s" FILE)
        o_mib=$(printf '%.2f' "$(echo "$o_rss / 1024" | bc -l)")
        printf '   %-48s %8.3f ms CPU per interval\n' "$label ($s)" "$o_cpu"
        printf '   %-48s %8d KiB (%s MiB) VmRSS added: anon %d KiB, file-backed %d KiB\n' "  its RSS over the idle collectd" "${o_rss%.*}" "$o_mib" "${o_anon%.*}" "${o_file%.*}"
        bar_max "$s: CPU per interval (median, minus idle)" "$(printf '%.3f' "$o_cpu")" ms 5
        ratio "$s: CPU per interval, processes+tail / helixflow" "$base_med" "$o_cpu" 3
        bar_max "$s: VmRSS added to collectd (median)" "$o_mib" MiB 8
    done
else
    echo "   ours: SKIPPED: $SO not built (or $HF_TYPES missing); the bars are not measured"
fi
echo
echo "bench_collectd: $BENCH_FAILS bar(s) failed (${SECONDS}s)"
[ "$BENCH_FAILS" = 0 ]
