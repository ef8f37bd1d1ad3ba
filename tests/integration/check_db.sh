#!/bin/bash
# Integration: check_helixflow_db against the test bed's SQLite database
# (WAL, a writer inserting 50 rows/s). Pins first lines and exit codes.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

tb_up --rows 20000
B=$(hf_bin check_helixflow_db)
SD=$TB_DIR/state
LAX=(--error-warning 50 --error-critical 60)
OKRE='^HELIXFLOW DB OK: 24h [0-9]+ requests, [0-9]+\.[0-9]% errors, avg [0-9]+ ms, p95 [0-9]+ ms; query [0-9]+\.[0-9] ms \| req_1h=[0-9]+;;;0 req_24h=[0-9]+;;;0 req_7d=[0-9]+;;;0 req_30d=[0-9]+;;;0 err_rate_1h=[0-9.]+%;;;0;100 err_rate_24h=[0-9.]+%;50;60;0;100 '

# perf VALUE NAME: a perfdata value from the last output
perf() { sed -n "1s/.* $1=\([^;% ]*\).*/\1/p" <<<"$TB_OUT" | sed 's/[a-zA-Z]*$//'; }

# ---- OK, WARNING, CRITICAL ----
expect_check "ok (first run: backfill)" 0 "$OKRE" -- "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
expect_check "ok again (incremental)" 0 "$OKRE" -- "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
expect_check "verbose: incremental read, peak day" 0 "$OKRE" -- "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" -v
V=$TB_OUT
ok "verbose: the incremental read" grep -qE '^\[OK\] read [0-9]+ new rows and [0-9]+ at the window edges in [0-9]+ transactions? \(longest [0-9.]+ ms\)$' <<<"$V"
ok "verbose: peak day line" grep -qE '^\[OK\] peak day 20[0-9]{2}-[0-9]{2}-[0-9]{2}: [0-9]+ requests$' <<<"$V"
ok "verbose: no rebuild on the third run" bash -c '! grep -q "aggregates rebuilt" <<<"$1"' _ "$V"
ok "one state file in --state-dir, named after the configuration" \
    bash -c "[ \$(ls '$SD'/db-*.state | wc -l) = 1 ]"
STATEF=$(ls "$SD"/db-*.state)
# the test bed fails 0.5% of requests: add a burst of 12 failures now
sqlite3 -cmd '.timeout 5000' "$HF_DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 12)
  INSERT INTO inference_requests(created_at, model, user_id, prompt_tokens, completion_tokens, response_time, status)
  SELECT datetime('now'), 'helixflow-7b', 'user-1', 10, 10, 300, 'error' FROM c;"
expect_check "default thresholds: a burst of failures > 1% WARNING" 1 \
    '^HELIXFLOW DB WARNING: 24h error rate [0-9.]+% \([0-9]+ of [0-9]+ requests\) \| ' -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD"
expect_check "error rate CRITICAL" 2 \
    '^HELIXFLOW DB CRITICAL: 24h error rate [0-9.]+% \([0-9]+ of [0-9]+ requests\) \| .*err_rate_24h=[0-9.]+%;50;0.1;0;100 ' -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" --error-warning 50 --error-critical 0.1
expect_check "-w/-c are the error-rate thresholds, --window 30d" 1 \
    '^HELIXFLOW DB WARNING: 30d error rate [0-9.]+% \([0-9]+ of [0-9]+ requests\) \| .*err_rate_30d=[0-9.]+%;0.5;90;0;100 ' -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" -w 0.5 -c 90 --window 30d
expect_check "p95 WARNING" 1 '^HELIXFLOW DB WARNING: 24h p95 response time [0-9]+ ms \| ' -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" --p95-warning 10
expect_check "query CRITICAL" 2 '^HELIXFLOW DB CRITICAL: simple query took [0-9]+\.[0-9] ms \| .*query=[0-9.]+ms;100;@0:1000;0' -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" --query-critical @0:1000
expect_check "1h window" 0 '^HELIXFLOW DB OK: 1h [0-9]+ requests' -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" --window 1h
expect_check "quick_check ok" 0 "$OKRE" -- "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" --quick-check -v
ok "quick_check reported" grep -qx '\[OK\] quick_check ok' <<<"$TB_OUT"

# ---- an unusable state file: one WARNING, the statistics rebuilt, never a crash ----
cp "$STATEF" "$TB_DIR/state.good"
head -c 100 "$TB_DIR/state.good" >"$STATEF"
expect_check "truncated state file: WARNING state.reset, statistics rebuilt" 1 \
    "^HELIXFLOW DB WARNING: state file $STATEF: bad checksum; starting afresh \\| req_1h=" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" -v
ok "truncated state file: the rebuild says why" \
    grep -qx '\[OK\] aggregates rebuilt: state file ignored: bad checksum' <<<"$TB_OUT"
expect_check "truncated state file: rewritten, OK again" 0 "$OKRE" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
rm -f "$STATEF" && mkdir "$STATEF"
expect_check "state file is a directory: WARNING state.reset, moved aside" 1 \
    "^HELIXFLOW DB WARNING: state file $STATEF: not a state file; starting afresh \\(the directory was moved aside to $STATEF\\.unusable\\) \\| req_1h=" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
ok "state file is a directory: moved aside, the state file rebuilt" test -d "$STATEF.unusable" -a -f "$STATEF"
rmdir "$STATEF.unusable" && cp "$TB_DIR/state.good" "$STATEF"
expect_check "differently configured (--table): its own state file" 3 \
    "^HELIXFLOW DB UNKNOWN: database has no table 'requests'\$" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" --table requests
ok "a failed probe saves no state" bash -c "[ \$(ls '$SD'/db-*.state | wc -l) = 1 ]"

# ---- a writer running: consecutive runs stay correct ----
for i in 1 2 3; do
    sleep 1
    expect_check "writer running, run $i" 0 "$OKRE" -- "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
done
"$HF_TESTBED" writer "$TB_DIR" stop >/dev/null
sleep 0.5
# Incremental state vs a rebuild from scratch vs the operator's own query
# (created_at > datetime(now, '-1 day'), ...), all in one second S: created_at
# is whole seconds, so any clock in [S, S+1) selects the same rows.
cmp_fresh() {
    local inc fresh s0 s1 sql w
    s0=$(date -u +%s)
    _tb_run "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
    inc=$(grep -oE '(req|err_rate|avg|p95)_[0-9a-z]+=[^ ]*|peak_day=[^ ]*' <<<"$TB_OUT" | tr '\n' ' ')
    _tb_run "$B" --root "$HF_ROOT" --state-dir "$TB_DIR/fresh-$RANDOM" "${LAX[@]}"
    fresh=$(grep -oE '(req|err_rate|avg|p95)_[0-9a-z]+=[^ ]*|peak_day=[^ ]*' <<<"$TB_OUT" | tr '\n' ' ')
    s1=$(date -u +%s)
    sql="SELECT 0"
    for w in "-1 hour" "-1 day" "-7 days" "-30 days"; do
        sql+=", (SELECT count(*) FROM inference_requests WHERE created_at > datetime($s0, 'unixepoch', '$w'))"
    done
    [ "$s0" = "$s1" ] || return 2   # a second boundary fell between: try again
    [ "$inc" = "$fresh" ] &&
        [ "$(sqlite3 "$HF_DB" "$sql")" = "0|$(perf req_1h)|$(perf req_24h)|$(perf req_7d)|$(perf req_30d)" ]
}
n=0
while cmp_fresh; rc=$?; [ "$rc" = 2 ] && [ $((n += 1)) -lt 20 ]; do :; done
ok "after the writer: incremental == rebuild == sqlite3 created_at > datetime(now, '-1 hour'/'-1 day'/'-7 days'/'-30 days')" \
    test "$rc" = 0

# ---- locked ----
LOCKER='import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("SELECT count(*) FROM inference_requests").fetchall()
c.execute("PRAGMA locking_mode=EXCLUSIVE")
c.execute("BEGIN IMMEDIATE")
c.execute("INSERT INTO inference_requests(created_at, model, user_id, response_time, status) "
          "VALUES (datetime(\"now\"), \"m\", \"u\", 100, \"success\")")
c.execute("COMMIT")
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))'
python3 -c "$LOCKER" "$HF_DB" "$TB_DIR/locked" 8 &
locker=$!
for _ in $(seq 100); do [ -e "$TB_DIR/locked" ] && break; sleep 0.1; done
t0=$(date +%s%N)
expect_exact "locked by an exclusive-locking-mode writer: UNKNOWN within -t" 3 \
    "HELIXFLOW DB UNKNOWN: database is locked: $HF_DB (waited 2000 ms)" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" -t 5
ok "locked answer came within -t 5" test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 5000
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
# the test bed's lock-db is BEGIN EXCLUSIVE in WAL mode: it does not block readers
"$HF_TESTBED" lock-db "$TB_DIR" 4 >/dev/null
expect_check "test bed lock-db (WAL BEGIN EXCLUSIVE) does not block a reader" 0 "$OKRE" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" -t 5

# ---- missing, corrupt, schema ----
expect_exact "missing database" 2 "HELIXFLOW DB CRITICAL: database not found: $TB_DIR/nope.db" -- \
    "$B" --db "$TB_DIR/nope.db" --state-dir "$SD"
expect_exact "default path under --root, missing" 2 \
    "HELIXFLOW DB CRITICAL: database not found: $TB_DIR/elsewhere/opt/helixflow/data/helixflow.db" -- \
    "$B" --root "$TB_DIR/elsewhere" --state-dir "$SD"
head -c 8192 /dev/urandom | tr '\0' x >"$TB_DIR/garbage.db"
expect_exact "not a database" 2 "HELIXFLOW DB CRITICAL: $TB_DIR/garbage.db: file is not a database" -- \
    "$B" --db "$TB_DIR/garbage.db" --state-dir "$SD"
: >"$TB_DIR/empty.db"
expect_exact "empty file" 2 "HELIXFLOW DB CRITICAL: $TB_DIR/empty.db: file is not a database (empty file)" -- \
    "$B" --db "$TB_DIR/empty.db" --state-dir "$SD"
expect_exact "missing column" 3 "HELIXFLOW DB UNKNOWN: inference_requests has no column 'latency_ms'" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" --rt-column latency_ms
expect_exact "missing table" 3 "HELIXFLOW DB UNKNOWN: database has no table 'requests'" -- \
    "$B" --root "$HF_ROOT" --state-dir "$SD" --table requests
sqlite3 "$HF_DB" ".backup '$TB_DIR/copy.db'"
sqlite3 "$TB_DIR/copy.db" "PRAGMA journal_mode=DELETE; ALTER TABLE inference_requests DROP COLUMN response_time;" >/dev/null
expect_exact "schema without response_time" 3 \
    "HELIXFLOW DB UNKNOWN: inference_requests has no column 'response_time'" -- \
    "$B" --db "$TB_DIR/copy.db" --state-dir "$SD"
before=$(ls -la --time-style=+%s.%N "$TB_DIR" | grep copy)
expect_check "non-WAL copy: statistics work" 0 '^HELIXFLOW DB OK: ' -- \
    "$B" --db "$TB_DIR/copy.db" --state-dir "$SD" --rt-column prompt_tokens "${LAX[@]}" --p95-warning 100000 --p95-critical 100000
ok "non-WAL database: directory listing unchanged (no journal, nothing created)" \
    test "$before" = "$(ls -la --time-style=+%s.%N "$TB_DIR" | grep copy)"
root=$(sqlite3 "$TB_DIR/copy.db" "SELECT rootpage FROM sqlite_schema WHERE name = 'idx_inference_requests_created_at'")
psz=$(sqlite3 "$TB_DIR/copy.db" "PRAGMA page_size")
head -c "$psz" /dev/urandom | dd of="$TB_DIR/copy.db" bs="$psz" seek=$((root - 1)) conv=notrunc status=none
expect_check "quick_check failure is CRITICAL" 2 '^HELIXFLOW DB CRITICAL: quick_check failed: ' -- \
    "$B" --db "$TB_DIR/copy.db" --state-dir "$SD" --rt-column prompt_tokens "${LAX[@]}" --quick-check

# ---- bad arguments ----
USAGE="Usage: check_helixflow_db [-w RANGE] [-c RANGE] [--db FILE] [--table NAME] [--time-column COL] [--rt-column COL] [--status-column COL] [--error-status TEXT] [--window 1h|24h|7d|30d] [--error-warning RANGE] [--error-critical RANGE] [--p95-warning RANGE] [--p95-critical RANGE] [--query-warning RANGE] [--query-critical RANGE] [--quick-check] [--integrity-check] [--root DIR] [--state-dir DIR] [-t SECONDS]"
expect_exact "bad --window" 3 "HELIXFLOW DB UNKNOWN: --window: '2h' is not one of 1h, 24h, 7d, 30d" -- \
    "$B" --window 2h
ok "usage line follows" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
expect_exact "bad range" 3 \
    "HELIXFLOW DB UNKNOWN: --error-warning: invalid range 'abc': end bound 'abc' is not a finite number" -- \
    "$B" --error-warning abc
expect_exact "-w and --error-warning both" 3 \
    "HELIXFLOW DB UNKNOWN: -w/-c and --error-warning/--error-critical both given" -- \
    "$B" -w 1 --error-warning 2
expect_exact "-c and --error-critical both, either order" 3 \
    "HELIXFLOW DB UNKNOWN: -w/-c and --error-warning/--error-critical both given" -- \
    "$B" --error-critical 9 -c 8
expect_exact "empty --table" 3 "HELIXFLOW DB UNKNOWN: --table: empty value" -- "$B" --table ""
expect_exact "unknown option" 3 "HELIXFLOW DB UNKNOWN: unknown option '--bogus'" -- "$B" --bogus
expect_exact "stray argument" 3 "HELIXFLOW DB UNKNOWN: unexpected argument 'x'" -- "$B" x

done_testing
