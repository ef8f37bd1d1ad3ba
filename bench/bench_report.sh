#!/bin/bash
# bench_report.sh: `helixflow-ops report monthly` (helixflow-ops-report until
# helixflow-ops registers it) against the guide's monthly scripts, side by
# side on one 10-million-row HelixFlow database (35 days, the test bed's SQL
# and distributions, WAL, index on created_at; page cache warm for all).
#
#   (a) cold: no state file, the first read of the days the report needs
#       (the month and the month before: every row here)      bar <= 2 s
#   (b) warm: its state file in place, nothing new              bar <= 100 ms
#   (c) warm after 1,000 new rows (inserted before each run)     bar <= 100 ms
#   against the guide's monthly_metrics.sh + monthly_capacity.sh database
#   queries (six sqlite3 full scans; the certificate and log greps left out),
#   wall-clock medians of hyperfine runs, ratios printed;
#   (d) the report's figures against sqlite3 over the same days (not timed).
# Env: BENCH_ROWS (10000000), BENCH_RUNS (cold runs, 5), HF_BUILD_DIR.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${HF_BUILD_DIR:-build}
ROWS=${BENCH_ROWS:-10000000}
RUNS=${BENCH_RUNS:-5}
DAYS=35
REPORT=$BUILD/tools/helixflow-ops
[ -x "$REPORT" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (scripts/deps)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-report.XXXXXX")
trap 'rm -rf "$W"' EXIT
DB=$W/opt/helixflow/data/helixflow.db
SD=$W/state
mkdir -p "$(dirname "$DB")"
mkdir -m 0700 "$SD"

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
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

# The guide's monthly scripts, their database part as written (one sqlite3
# process per query, as the guide runs them).
cat > "$W/guide_monthly.sh" <<EOF
#!/bin/bash
# monthly_metrics.sh
echo "  Total Requests: \$(sqlite3 $DB "SELECT COUNT(*) FROM inference_requests WHERE created_at > datetime('now', '-30 days');")"
echo "  Average Response Time: \$(sqlite3 $DB "SELECT AVG(response_time) FROM inference_requests WHERE created_at > datetime('now', '-30 days');")ms"
echo "  Error Rate: \$(sqlite3 $DB "SELECT COUNT(*) * 100.0 / (SELECT COUNT(*) FROM inference_requests WHERE created_at > datetime('now', '-30 days')) FROM inference_requests WHERE status = 'error' AND created_at > datetime('now', '-30 days');")%"
echo "  Database Size: \$(du -h $DB | cut -f1)"
echo "  Total Records: \$(sqlite3 $DB "SELECT COUNT(*) FROM inference_requests;")"
# monthly_capacity.sh
sqlite3 $DB "SELECT COUNT(*) as requests, AVG(response_time) as avg_time FROM inference_requests WHERE created_at > datetime('now', '-30 days');"
sqlite3 $DB "SELECT strftime('%Y-%m-%d', created_at) as date, COUNT(*) as requests FROM inference_requests WHERE created_at > datetime('now', '-30 days') GROUP BY date ORDER BY requests DESC LIMIT 10;"
echo "  CPU Cores: \$(nproc)"
echo "  Memory: \$(free -h | grep Mem | awk '{print \$2}')"
echo "  Storage: \$(df -h $W | tail -1 | awk '{print \$2}')"
EOF
chmod +x "$W/guide_monthly.sh"
INSERT="sqlite3 -cmd '.timeout 5000' $DB \"WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < 999) INSERT INTO inference_requests(created_at, model, user_id, prompt_tokens, completion_tokens, response_time, status) SELECT datetime('now'), 'helixflow-7b', 'user-1', 100, 100, 100 + i % 900, CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END FROM c;\""
# (the data fail 2 % of requests: a target of 5 % keeps the exit status 0,
# so hyperfine sees a failed run only when the report failed)
RCMD="$REPORT report monthly --db $DB --state-dir $SD --target error_rate=5"

median() { python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
hf() { # hf NAME HYPERFINE-ARGS... : median wall seconds into NAME
  local name=$1; shift
  hyperfine --style none --export-json "$W/$name.json" "$@" >"$W/$name.out" 2>&1 || {
    cat "$W/$name.out"; echo "hyperfine failed: $name" >&2; exit 1; }
  printf -v "$name" '%s' "$(median "$W/$name.json")"
  printf -v "${name}_cpu" '%s' "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.6f" % (r["user"] + r["system"]))' "$W/$name.json")"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("  %s: wall median %.4f s (mean %.4f, min %.4f, max %.4f), CPU %.4f s a run (user %.4f + sys %.4f), %d runs" % (sys.argv[2], r["median"], r["mean"], r["min"], r["max"], r["user"] + r["system"], r["user"], r["system"], len(r["times"])))' "$W/$name.json" "$name"
}

echo "== (a) cold: no state file ($RUNS runs)"
hf cold --runs "$RUNS" --prepare "rm -f $SD/report-*.state" "$RCMD"
rm -f "$SD"/report-*.state
"$REPORT" report monthly --db "$DB" --state-dir "$SD" --json -o "$W/cold.json"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["source"]; print("  last cold run: %d rows read in %.0f ms, %d reader threads" % (s["rows_read"], s["elapsed_ms"], s["threads"]))' "$W/cold.json"
echo "== (b) warm: state in place, nothing new (30 runs)"
hf warm --warmup 3 --runs 30 "$RCMD"
echo "== (c) warm after 1,000 new rows before each run (20 runs)"
hf warm1k --warmup 2 --runs 20 --prepare "$INSERT" "$RCMD"
echo "== the guide's monthly scripts, database part (3 runs)"
hf guide --runs 3 "$W/guide_monthly.sh"

ratio_max "cold report monthly (s) / 2 s" "$cold" 2 1
ratio_max "warm report monthly (s) / 0.1 s" "$warm" 0.1 1
ratio_max "warm report monthly after 1,000 new rows (s) / 0.1 s" "$warm1k" 0.1 1
ratio "wall: guide's monthly scripts / cold report monthly" "$guide" "$cold"
ratio "CPU: guide's monthly scripts / cold report monthly" "$guide_cpu" "$cold_cpu"
ratio "CPU: guide's monthly scripts / warm report monthly" "$guide_cpu" "$warm_cpu"
ratio "wall: guide's monthly scripts / warm report monthly" "$guide" "$warm"
ratio "wall: guide's monthly scripts / warm report, 1,000 new rows" "$guide" "$warm1k"
printf '  medians: cold %.3f s, warm %.1f ms, warm+1k %.1f ms, guide %.2f s\n' \
  "$cold" "$(echo "$warm * 1000" | bc -l)" "$(echo "$warm1k * 1000" | bc -l)" "$guide"

echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== (d) the report's figures against sqlite3 over the same days"
"$REPORT" report monthly --db "$DB" --state-dir "$SD" --json -o "$W/check.json"
if python3 tests/integration/ops_report_check.py sql "$DB" "$W/check.json"; then
  echo "  equal (requests, errors, error rate, average, p95 within its bound, busiest days, every day)"
else
  echo "  DIFFERENT"; BENCH_FAILS=$((BENCH_FAILS + 1))
fi

echo "== $BENCH_FAILS bar(s) failed"
exit $((BENCH_FAILS > 0))
