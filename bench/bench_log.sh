#!/bin/bash
# bench/bench_log.sh: the log probe against grep on the same new bytes.
#
#   1. a test bed, and BENCH_LOG_MB (default 200) MB of realistic log lines
#      (the test bed's generator: info/warn/error/critical/security mix)
#      appended to one log file;
#   2. side by side on those bytes, BENCH_REPEAT (default 5) times each:
#        grep -ci 'error\|fail\|critical' FILE            (one class)
#        bench_logs_probe FILE      (hf_logs_probe in-process: all four classes)
#        check_helixflow_log --read-existing --log FILE   (the whole plugin, a process)
#      and the ratios of CPU (user+sys), wall and peak RSS; the bar is the
#      probe's throughput >= grep's (CPU ratio grep/probe >= 1);
#   3. a second call with nothing appended: bytes read (bar: 0).
# grep's output goes to a file: GNU grep stops at the first match when its
# output is /dev/null, which would not be a count of the file.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh

BUILD=${HF_BUILD_DIR:-build}
MB=${BENCH_LOG_MB:-200}
REPEAT=${BENCH_REPEAT:-5}
PROBE=$BUILD/bench/bench_logs_probe
CHECK=$BUILD/plugins/nagios/check_helixflow_log
for f in "$PROBE" "$CHECK"; do
  [ -x "$f" ] || { echo "bench_log: $f not built (ninja -C $BUILD)" >&2; exit 1; }
done

TBDIR=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-log.XXXXXX")
trap 'tests/testbed/hf-testbed down "$TBDIR" --purge >/dev/null 2>&1; rm -rf "$TBDIR"' EXIT
tests/testbed/hf-testbed up "$TBDIR" --no-writer >/dev/null 2>&1 || { echo "bench_log: test bed failed" >&2; exit 1; }
. "$TBDIR/testbed.env"
LOG=$HF_ROOT/var/log/helixflow/bench.log
WORK=$TBDIR/bench-work
mkdir -p "$WORK"

echo "== generating $MB MB of log lines into $LOG"
# 20 MB of distinct lines from the test bed's generator, repeated to size
python3 - "$WORK/seed.log" <<'PY' || exit 1
import random, sys
from datetime import datetime, timedelta
sys.path.insert(0, "tests/testbed")
import hf_tb
rnd = random.Random(7)
t = datetime(2026, 11, 30)
total, i, lines = 0, 0, []
while total < 20 * 1024 * 1024:
    line = hf_tb.log_line(hf_tb.MIX[i % len(hf_tb.MIX)], "api-gateway", t + timedelta(milliseconds=i), rnd)
    lines.append(line); total += len(line); i += 1
open(sys.argv[1], "w").writelines(lines)
PY
: >"$LOG"
for ((i = 0; i < (MB + 19) / 20; i++)); do cat "$WORK/seed.log" >>"$LOG"; done
BYTES=$(stat -c %s "$LOG")
cat "$LOG" >/dev/null     # page cache: every tool reads from memory
echo "   $BYTES bytes, $(wc -l <"$LOG") lines"

echo "== correctness on the same bytes"
g_err=$(grep -ci 'error\|fail\|critical' "$LOG")
p_out=$("$PROBE" "$LOG")
echo "   grep -ci error|fail|critical: $g_err"
echo "   probe: $p_out"
case "$p_out" in *" error=$g_err "*) echo "   error counts agree: PASS" ;;
  *) echo "   error counts differ: FAIL"; BENCH_FAILS=$((BENCH_FAILS + 1)) ;; esac

echo "== $REPEAT runs each on $BYTES new bytes"
measure grep "$REPEAT" sh -c 'grep -ci "error\|fail\|critical" "$1" >"$2"' sh "$LOG" "$WORK/grep.out"
measure probe "$REPEAT" "$PROBE" "$LOG"
# (exit 0: a WARNING/CRITICAL exit code would put a note into GNU time's output)
measure check "$REPEAT" sh -c 'rm -rf "$2"; "$1" -t 120 --read-existing --state-dir "$2" --log "$3" >"$4"; exit 0' \
  sh "$CHECK" "$WORK/state" "$LOG" "$WORK/check.out"
head -n1 "$WORK/check.out" | cut -c1-160

mbps() { python3 -c "import sys; print('%.0f' % (float(sys.argv[1]) * float(sys.argv[2]) / 1048576 / float(sys.argv[3])) if float(sys.argv[3]) > 0 else 'inf')" "$BYTES" "$REPEAT" "$1"; }
printf '   %-34s CPU %6.2f s  wall %6.2f s  RSS %7s KiB  %6s MB/s CPU\n' \
  "grep -ci (1 class)" "$grep_cpu" "$grep_wall" "$grep_rss" "$(mbps "$grep_cpu")" \
  "bench_logs_probe (4 classes)" "$probe_cpu" "$probe_wall" "$probe_rss" "$(mbps "$probe_cpu")" \
  "check_helixflow_log (process)" "$check_cpu" "$check_wall" "$check_rss" "$(mbps "$check_cpu")"

ratio "throughput (CPU) probe in-process vs grep: grep/probe" "$grep_cpu" "$probe_cpu" 1
ratio "throughput (CPU) check_helixflow_log vs grep: grep/check" "$grep_cpu" "$check_cpu" 1
ratio "wall probe in-process vs grep: grep/probe" "$grep_wall" "$probe_wall"
ratio "wall check_helixflow_log vs grep: grep/check" "$grep_wall" "$check_wall"
ratio "peak RSS grep/probe" "$grep_rss" "$probe_rss"
ratio "peak RSS grep/check" "$grep_rss" "$check_rss"

echo "== nothing appended: the second call"
"$PROBE" --state "$WORK/p.state" "$LOG" >/dev/null
second=$("$PROBE" --state "$WORK/p.state" "$LOG")
read_bytes=${second#bytes_read=}; read_bytes=${read_bytes%% *}
echo "   second call: $second"
if [ "$read_bytes" = 0 ]; then
  printf '%-60s %8s B   (bar == 0 B) PASS\n' "bytes read by a call with nothing appended" "$read_bytes"
else
  printf '%-60s %8s B   (bar == 0 B) FAIL\n' "bytes read by a call with nothing appended" "$read_bytes"
  BENCH_FAILS=$((BENCH_FAILS + 1))
fi
measure idle "$REPEAT" "$PROBE" --state "$WORK/p.state" "$LOG"
ratio "nothing appended: grep CPU / probe CPU" "$grep_cpu" "$idle_cpu"

echo "== $BENCH_FAILS bar(s) failed"
[ "$BENCH_FAILS" = 0 ]
