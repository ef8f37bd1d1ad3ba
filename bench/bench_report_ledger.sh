#!/bin/bash
# bench_report_ledger.sh: `helixflow-ops report monthly --ledger FILE` on
# 10 million rows (as bench_report.sh: 35 days, the test bed's SQL and
# distributions, WAL, index on created_at) and a ledger holding a year of
# history, against the guide's monthly scripts on the same data.
#
# The ledger is created by the real program (`helixflow-ops restart --status
# --ledger FILE`, a 0644 restart.conf in a 0755 directory), then filled with
# sqlite3 in one transaction with a year of what collectd writes:
#   runs         monitor "collectd", 10 s heartbeats extending each run;
#                BENCH_LEDGER_RUNS (300) runs over 365 days, separated by gaps
#                of 30 s to 2 h (collectd stopped), the last one up to now
#   transitions  BENCH_LEDGER_WEEKLY (6) incidents a week: one of the five
#                services CRITICAL (service.down) then OK (service.up) after
#                30 s to 20 min, front-end collectd
#   restarts     for every other incident: a restart by collectd, 9 in 10
#                "restarted", the rest "failed"
#
#   (a) cold: no report state, ledger in place           bar <= 2 s
#   (b) warm: report state in place, ledger in place     bar <= 100 ms
#   (c) warm without --ledger (what the ledger costs; no bar)
#   against the guide's monthly_metrics.sh + monthly_capacity.sh database
#   queries (as bench_report.sh), hyperfine wall-clock medians, ratios.
# Env: BENCH_ROWS (10000000), BENCH_RUNS (cold runs, 5), BENCH_LEDGER_RUNS,
#      BENCH_LEDGER_WEEKLY, HF_BUILD_DIR.
set -u
cd "$(dirname "$0")/.."
. bench/lib.sh
BUILD=${HF_BUILD_DIR:-build}
ROWS=${BENCH_ROWS:-10000000}
RUNS=${BENCH_RUNS:-5}
LRUNS=${BENCH_LEDGER_RUNS:-300}
WEEKLY=${BENCH_LEDGER_WEEKLY:-6}
DAYS=35
OPS=$BUILD/tools/helixflow-ops
[ -x "$OPS" ] || { echo "build first: ninja -C $BUILD" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine missing (scripts/deps)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-report-ledger.XXXXXX")
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"
DB=$W/opt/helixflow/data/helixflow.db
SD=$W/state
LD=$W/ledger
LEDGER=$LD/ledger.db
mkdir -p "$(dirname "$DB")"
mkdir -m 0700 "$SD" "$LD"

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

echo "== the ledger: created by helixflow-ops restart --status, then a year of history ($LEDGER)"
mkdir -m 0755 "$W/etc"
cat > "$W/etc/restart.conf" <<CONF
# written by bench/bench_report_ledger.sh
services = api-gateway api-gateway-grpc auth-service inference-pool monitoring
command = /bin/true {service}
attempts = 3
window = 15m
verify = 10s
CONF
chmod 0644 "$W/etc/restart.conf"
"$OPS" restart --config "$W/etc/restart.conf" --ledger "$LEDGER" --root "$W" --status >"$W/status.out" 2>&1
echo "  helixflow-ops restart --status: exit $?, $(stat -c '%a %s bytes' "$LEDGER" 2>/dev/null || echo 'no ledger created')"
[ -f "$LEDGER" ] || { cat "$W/status.out"; exit 1; }
yspan=$((365 * 86400)) ystart=$((now - 365 * 86400))
ninc=$((365 * WEEKLY / 7))
t0=$(date +%s.%N)
sqlite3 -cmd '.timeout 5000' "$LEDGER" >/dev/null <<SQL || exit 1
BEGIN IMMEDIATE;
-- runs: slot i of $LRUNS, a gap of 30 s .. 2 h at its start (none before the first),
-- heartbeats every 10 s up to the next slot; the last run reaches now
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < $LRUNS - 1),
s(i, st, en) AS (SELECT i, $ystart + (i * $yspan) / $LRUNS
                           + CASE WHEN i = 0 THEN 0 ELSE 30 + abs(random()) % 7170 END,
                           $ystart + ((i + 1) * $yspan) / $LRUNS FROM c)
INSERT INTO runs(monitor, start, last, interval)
SELECT 'collectd', st, CASE WHEN i = $LRUNS - 1 THEN $now ELSE st + ((en - st) / 10) * 10 - 10 END,
       10 FROM s;
-- incidents: one per slot of a year / $ninc, at a random point of its first
-- half, 30 s .. 20 min long (never overlapping one another)
CREATE TEMP TABLE inc AS
WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i+1 FROM c WHERE i < $ninc - 1)
SELECT i, $ystart + (i * $yspan) / $ninc + abs(random()) % ($yspan / $ninc / 2) + 0.25 AS at,
       30 + abs(random()) % 1170 AS dur,
       CASE abs(random()) % 5 WHEN 0 THEN 'api-gateway' WHEN 1 THEN 'api-gateway-grpc'
            WHEN 2 THEN 'auth-service' WHEN 3 THEN 'inference-pool' ELSE 'monitoring' END AS svc
FROM c;
INSERT INTO transitions(at, object, code, from_state, to_state, text, frontend)
SELECT at, svc, 'service.down', 0, 2, svc || ' down (0 processes)', 'collectd' FROM inc
UNION ALL
SELECT at + dur, svc, 'service.up', 2, 0,
       svc || ': 1 process, main pid ' || (1000 + i) || ', up 5 s (cmdline)', 'collectd' FROM inc
ORDER BY 1;
INSERT INTO restarts(at, ended_at, service, frontend, requester, outcome, attempted, attempt,
                     observed_at, duration, exit_status, signal, stderr, text)
SELECT at + 10, at + dur - 1, svc, 'collectd', 'collectd',
       CASE WHEN i % 20 = 1 THEN 'failed' ELSE 'restarted' END, 1, 1, at,
       dur - 11, 0, NULL, '',
       CASE WHEN i % 20 = 1 THEN svc || ': not healthy within 10 s' ELSE svc || ' restarted' END
FROM inc WHERE i % 2 = 1;
COMMIT;
SQL
printf '  filled in %.1f s: %s\n' "$(echo "$(date +%s.%N) - $t0" | bc -l)" \
  "$(sqlite3 "$LEDGER" "SELECT (SELECT count(*) FROM runs) || ' runs, ' || (SELECT count(*) FROM transitions)
     || ' transitions, ' || (SELECT count(*) FROM restarts) || ' restarts, '
     || (SELECT printf('%.1f', (max(last) - min(start)) / 86400.0) FROM runs) || ' days'"), $(stat -c %s "$LEDGER") bytes"
cat "$DB" "$LEDGER" >/dev/null       # same warm page cache for everyone

# The guide's monthly scripts, their database part as written (as bench_report.sh).
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
# The exit status is like a check's: the year's incidents may put the
# availability below its target (1 or 2); hyperfine ignores the status
# (-i) and one run below is checked for a status below 3 (UNKNOWN) instead.
RCMD="$OPS report monthly --db $DB --state-dir $SD --target error_rate=5 --ledger $LEDGER"
NCMD="$OPS report monthly --db $DB --state-dir $SD --target error_rate=5 --ledger $W/no-ledger.db"

median() { python3 -c 'import json,sys; print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$1"; }
hf() { # hf NAME HYPERFINE-ARGS... : median wall seconds into NAME
  local name=$1; shift
  hyperfine --style none --export-json "$W/$name.json" "$@" >"$W/$name.out" 2>&1 || {
    cat "$W/$name.out"; echo "hyperfine failed: $name" >&2; exit 1; }
  printf -v "$name" '%s' "$(median "$W/$name.json")"
  printf -v "${name}_cpu" '%s' "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.6f" % (r["user"] + r["system"]))' "$W/$name.json")"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("  %s: wall median %.4f s (mean %.4f, min %.4f, max %.4f), CPU %.4f s a run (user %.4f + sys %.4f), %d runs" % (sys.argv[2], r["median"], r["mean"], r["min"], r["max"], r["user"] + r["system"], r["user"], r["system"], len(r["times"])))' "$W/$name.json" "$name"
}
bar() { # bar LABEL SECONDS BAR-SECONDS: PASS or NOT MET
  if python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) <= float(sys.argv[2]) else 1)' "$2" "$3"; then
    printf '%-60s %10.4f s (bar <= %s s) PASS\n' "$1" "$2" "$3"
  else
    printf '%-60s %10.4f s (bar <= %s s) NOT MET\n' "$1" "$2" "$3"
    BENCH_FAILS=$((BENCH_FAILS + 1))
  fi
}

echo "== one run with the ledger (validation, not timed)"
rm -f "$SD"/report-*.state
"$OPS" report monthly --db "$DB" --state-dir "$SD" --target error_rate=5 --ledger "$LEDGER" \
  --json -o "$W/check.json"
rc=$?
echo "  exit status $rc"
[ $rc -lt 3 ] || { echo "  report failed (UNKNOWN)"; exit 1; }
python3 - "$W/check.json" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1]))
u = r["uptime"]
if not u.get("measured"):
    sys.exit("  uptime not measured: %s" % u.get("why"))
f = r["figures"]
def fig(k):
    v = f.get(k)
    return v.get("value") if isinstance(v, dict) else v
print("  period %s .. %s: %s; measured %.0f s, downtime %.0f s, %d incidents, %d restarts (%d ok)"
      % (r["period"].get("first"), r["period"].get("last"), u["source"], u["measured_s"],
         u["downtime_s"], u["incidents"], u["restarts"], u["restarts_ok"]))
print("  figures: " + ", ".join("%s %s" % (k, fig(k)) for k in f
                                 if any(w in k for w in ("avail", "mttr", "mtbf", "restart"))))
s = r.get("source", {})
print("  %s rows read in %s ms" % (s.get("rows_read"), s.get("elapsed_ms")))
PY

echo "== (a) cold: no report state, ledger of a year ($RUNS runs)"
hf cold --runs "$RUNS" -i --prepare "rm -f $SD/report-*.state" "$RCMD"
echo "== (b) warm: report state in place, ledger of a year (30 runs)"
hf warm --warmup 3 --runs 30 -i "$RCMD"
echo "== (c) warm without a ledger (30 runs)"
hf warm_noledger --warmup 3 --runs 30 -i "$NCMD"
echo "== the guide's monthly scripts, database part (3 runs)"
hf guide --runs 3 "$W/guide_monthly.sh"

bar "cold report monthly --ledger (a year)" "$cold" 2
bar "warm report monthly --ledger (a year)" "$warm" 0.1
ratio "wall: guide's monthly scripts / cold report --ledger" "$guide" "$cold"
ratio "CPU: guide's monthly scripts / cold report --ledger" "$guide_cpu" "$cold_cpu"
ratio "wall: guide's monthly scripts / warm report --ledger" "$guide" "$warm"
ratio "CPU: guide's monthly scripts / warm report --ledger" "$guide_cpu" "$warm_cpu"
printf '  the ledger adds %.1f ms to a warm run (%.1f ms without it)\n' \
  "$(echo "($warm - $warm_noledger) * 1000" | bc -l)" "$(echo "$warm_noledger * 1000" | bc -l)"
printf '  medians: cold %.3f s, warm %.1f ms, warm without ledger %.1f ms, guide %.2f s\n' \
  "$cold" "$(echo "$warm * 1000" | bc -l)" "$(echo "$warm_noledger * 1000" | bc -l)" "$guide"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== $BENCH_FAILS bar(s) not met"
exit $((BENCH_FAILS > 0))
