#!/bin/bash
# bench_db.sh: the database probe against the guide's sqlite3 queries, side by
# side on one 10-million-row HelixFlow database.
#
#   (a) first backfill: rows/s (bar >= 1,000,000 rows per CPU second)
#   (b) one incremental call after 1,000 new rows, in-process (bench_db_probe)
#       and as the whole check_helixflow_db process with its state file,
#       against the guide's four window queries run with the sqlite3 CLI:
#       CPU ratio bar >= 500 x; wall and peak RSS ratios reported. Each call
#       also moves the four windows' far edges from the backfill's clock to
#       now (edge_rows_per_call: the rows that left the windows meanwhile).
#   (c) the check's request counts against sqlite3's
#       created_at > datetime(now, '-1 hour'/'-1 day'/'-7 days'/'-30 days')
#       for the second the check ran in (reported, not timed).
#
# The database is built here with the test bed's own SQL (hf-testbed
# build_db: same schema, 35 days, same distributions, WAL, index on
# created_at); `hf-testbed up --rows 10000000` also starts services and
# copies a 1 GB backup, which takes minutes. Env: BENCH_ROWS (10000000),
# BENCH_REPEAT (incremental calls, 200), HF_BUILD_DIR (./build).
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${HF_BUILD_DIR:-build}
ROWS=${BENCH_ROWS:-10000000}
REPEAT=${BENCH_REPEAT:-200}
DAYS=35
DRV=$BUILD/bench/bench_db_probe
CHECK=$BUILD/plugins/nagios/check_helixflow_db
[ -x "$DRV" ] && [ -x "$CHECK" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-db.XXXXXX")
trap 'rm -rf "$W"' EXIT
DB=$W/opt/helixflow/data/helixflow.db
mkdir -p "$(dirname "$DB")" "$W/state"

echo "== building $ROWS rows over $DAYS days ($DB)"
t0=$(date +%s.%N)
now=$(date -u +%s) span=$((DAYS * 86400))
sqlite3 "$DB" >/dev/null <<SQL || exit 1
PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000; PRAGMA temp_store=MEMORY;
CREATE TABLE inference_requests(id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT NOT NULL,
  model TEXT NOT NULL, user_id TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER,
  response_time INTEGER, status TEXT NOT NULL);
BEGIN;
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < $ROWS - 1)
INSERT INTO inference_requests(created_at, model, user_id, prompt_tokens, completion_tokens,
                               response_time, status)
SELECT datetime($now - $span + (i * $span) / max($ROWS, 1), 'unixepoch'),
  CASE abs(random()) % 10 WHEN 0 THEN 'helixflow-70b' WHEN 1 THEN 'helixflow-70b'
                          WHEN 2 THEN 'helixflow-13b' ELSE 'helixflow-7b' END,
  'user-' || (abs(random()) % 500), 16 + abs(random()) % 2000, 1 + abs(random()) % 1000,
  min(3000, max(50, CAST(exp(5.4 + ((abs(random()) % 1000) + (abs(random()) % 1000)
      + (abs(random()) % 1000) - 1500) / 1500.0 * 2.4) AS INTEGER))),
  CASE WHEN abs(random()) % 100 < 2 THEN 'error' ELSE 'success' END
FROM c;
COMMIT;
CREATE INDEX idx_inference_requests_created_at ON inference_requests(created_at);
PRAGMA journal_mode=WAL;
SQL
printf 'built in %.1f s, %s bytes\n' "$(echo "$(date +%s.%N) - $t0" | bc -l)" "$(stat -c %s "$DB")"
cat "$DB" >/dev/null       # same warm page cache for everyone

echo "== (a) first backfill (in-process, empty state)"
measure bf 1 "$DRV" backfill "$DB" "$W/backfill.state"
bfout=$("$DRV" backfill "$DB" "$W/state0") || exit 1
echo "  $bfout"
rate=$(sed 's/.*rows_per_cpu_s=\([0-9]*\).*/\1/' <<<"$bfout")
ratio "backfill rows per CPU second / 1,000,000" "$rate" 1000000 1
printf '  whole process: CPU %.2f s, wall %.2f s, peak RSS %s KiB\n' "$bf_cpu" "$bf_wall" "$bf_rss"

echo "== 1,000 new rows"
sqlite3 "$DB" "WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < 999)
  INSERT INTO inference_requests(created_at, model, user_id, prompt_tokens, completion_tokens,
  response_time, status) SELECT datetime('now'), 'helixflow-7b', 'user-1', 100, 100,
  100 + i % 900, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END FROM c;" || exit 1

echo "== (b) the guide's sqlite3 window queries (each once)"
Q7="SELECT COUNT(*) as total_requests, AVG(response_time) as avg_response_time FROM inference_requests WHERE created_at > datetime('now', '-7 days');"
Q30="SELECT COUNT(*) as requests, AVG(response_time) as avg_time FROM inference_requests WHERE created_at > datetime('now', '-30 days');"
QERR="SELECT COUNT(*) * 100.0 / (SELECT COUNT(*) FROM inference_requests WHERE created_at > datetime('now', '-30 days')) FROM inference_requests WHERE status = 'error' AND created_at > datetime('now', '-30 days');"
QPEAK="SELECT strftime('%Y-%m-%d', created_at) as date, COUNT(*) as requests FROM inference_requests WHERE created_at > datetime('now', '-30 days') GROUP BY date ORDER BY requests DESC LIMIT 10;"
G_CPU=0 G_WALL=0 G_RSS=0
for q in Q7 Q30 QERR QPEAK; do
    measure g 1 sqlite3 "$DB" "${!q}"
    printf '  %-6s CPU %6.2f s  wall %6.2f s  RSS %7s KiB\n' "$q" "$g_cpu" "$g_wall" "$g_rss"
    G_CPU=$(echo "$G_CPU + $g_cpu" | bc -l) G_WALL=$(echo "$G_WALL + $g_wall" | bc -l)
    [ "$g_rss" -gt "$G_RSS" ] && G_RSS=$g_rss
done
printf '  guide total: CPU %.2f s, wall %.2f s, peak RSS %s KiB\n' "$G_CPU" "$G_WALL" "$G_RSS"

echo "== (b) incremental call, in-process ($REPEAT calls, each reading the 1,000 rows)"
inc=$("$DRV" incr "$DB" "$W/state0" "$REPEAT") || exit 1
echo "  $inc"
i_cpu=$(sed 's/.*cpu_per_call=\([0-9.]*\).*/\1/' <<<"$inc")
i_wall=$(sed 's/.*wall_per_call=\([0-9.]*\).*/\1/' <<<"$inc")
measure ip 1 "$DRV" incr "$DB" "$W/state0" 1
ratio "CPU: guide queries / in-process incremental call" "$G_CPU" "$i_cpu" 500
ratio "wall: guide queries / in-process incremental call" "$G_WALL" "$i_wall"
ratio "peak RSS: guide sqlite3 / in-process driver" "$G_RSS" "$ip_rss"

echo "== (b) incremental call, whole check_helixflow_db process with its state file ($REPEAT runs)"
"$CHECK" --db "$DB" --state-dir "$W/state" >/dev/null   # creates the state file name
sfile=$(ls "$W"/state/db-*.state) || exit 1
ex=$("$DRV" exec "$W/state0" "$sfile" "$REPEAT" "$CHECK" --db "$DB" --state-dir "$W/state" -w 50 -c 60) || exit 1
echo "  $ex"
measure pr 20 "$CHECK" --db "$DB" --state-dir "$W/state" -w 50 -c 60   # exit 0: lib.sh measure needs it
printf '  lib.sh measure, 20 runs with no new rows: CPU %.4f s, wall %.4f s per run, peak RSS %s KiB\n' \
    "$(echo "$pr_cpu / 20" | bc -l)" "$(echo "$pr_wall / 20" | bc -l)" "$pr_rss"
p_cpu=$(sed 's/.*cpu_per_run=\([0-9.]*\).*/\1/' <<<"$ex")
p_wall=$(sed 's/.*wall_per_run=\([0-9.]*\).*/\1/' <<<"$ex")
p_rss=$(sed 's/.*max_rss_kib=\([0-9]*\).*/\1/' <<<"$ex")
ratio "CPU: guide queries / check_helixflow_db process" "$G_CPU" "$p_cpu" 500
ratio "wall: guide queries / check_helixflow_db process" "$G_WALL" "$p_wall"
ratio "peak RSS: guide sqlite3 / check_helixflow_db process" "$G_RSS" "$p_rss"
"$CHECK" --db "$DB" --state-dir "$W/state" | head -1 | cut -c1-200

echo "== (c) exact windows: the check's counts against sqlite3 for the same second"
for _ in 1 2 3 4 5; do
    s0=$(date -u +%s)
    out=$("$CHECK" --db "$DB" --state-dir "$W/state" | head -1)
    [ "$(date -u +%s)" = "$s0" ] && break
done
ours=$(grep -oE 'req_(1h|24h|7d|30d)=[0-9]+' <<<"$out" | cut -d= -f2 | tr '\n' '|')
sql="SELECT 0"
for w in "-1 hour" "-1 day" "-7 days" "-30 days"; do
    sql+=", (SELECT count(*) FROM inference_requests WHERE created_at > datetime($s0, 'unixepoch', '$w'))"
done
theirs=$(sqlite3 "$DB" "$sql" | cut -d'|' -f2-)
echo "  check 1h|24h|7d|30d: ${ours%|}   sqlite3: $theirs"
[ "${ours%|}" = "$theirs" ] && echo "  equal" || { echo "  DIFFERENT"; BENCH_FAILS=$((BENCH_FAILS + 1)); }

echo "== $BENCH_FAILS bar(s) failed"
exit $((BENCH_FAILS > 0))
