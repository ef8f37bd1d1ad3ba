#!/bin/bash
# Integration: `helixflow-ops report daily|weekly|monthly` (built as
# helixflow-ops report) against the test
# bed's database (20,000 rows over 35 days, no writer: the figures stay
# put). Every figure of every report equals what the sqlite3 command-line
# tool computes over the report's own dates (ops_report_check.py sql); the
# JSON follows its schema; the text shows the same figures; the state makes
# the second run read nothing and new rows are read once; the HTML page
# opened in headless Chromium renders (a screenshot is kept in the build
# directory), has its charts and logs no console message, and loads nothing
# from anywhere; bad arguments and databases are errors that name what.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

B=$HF_BUILD_DIR/tools/helixflow-ops
CHECK="python3 $(dirname "$0")/ops_report_check.py"
SCHEMA=$(cd "$(dirname "$0")/../.." && pwd)/doc/helixflow-ops-report.schema.json
[ -x "$B" ] || { echo "Bail out! build first: $B"; exit 1; }

tb_up --rows 20000 --no-writer
SD=$TB_DIR/state
W=$TB_DIR/report
mkdir -p "$W"
# the dates are pinned once: a run across midnight still asks for the same days
END=$(date -u -d yesterday +%F)
TODAY=$(date -u +%F)

# ---- each report against sqlite3 ----
for kind in daily weekly monthly; do
    expect_check "$kind --json: exit 0 (targets met)" 0 '^$' -- \
        "$B" report "$kind" --root "$HF_ROOT" --state-dir "$SD" --end "$END" --json -o "$W/$kind.json"
    ok "$kind --json: the schema" $CHECK schema "$SCHEMA" "$W/$kind.json"
    ok "$kind: every figure equals sqlite3's over the same days" $CHECK sql "$HF_DB" "$W/$kind.json"
    expect_check "$kind text: the title" 0 "^HelixFlow $kind report, " -- \
        "$B" report "$kind" --root "$HF_ROOT" --state-dir "$SD" --end "$END"
    printf '%s\n' "$TB_OUT" > "$W/$kind.txt"
    ok "$kind text: the same figures, verdicts and summary" $CHECK text "$W/$kind.json" "$W/$kind.txt"
done
ok "monthly: the period's last day is --end" \
    grep -q "\"period\": {\"first\": \"[0-9-]*\", \"last\": \"$END\", \"days\": 30" "$W/monthly.json"
ok "monthly: the previous period is partly before the data (35 days of rows)" \
    grep -qE '"growth_pct": .*"note": "the previous period has data for [0-9]+ of its 30 days"' \
    "$W/monthly.json"
ok "monthly: the test bed's certificates (365 days) meet the 30-day target" \
    grep -qE '"cert_days_left": \{[^}]*"text": "36[45]\.[0-9] days".*"verdict": "met", "note": "[a-z-]+\.crt, the earliest of 4"' \
    "$W/monthly.json"
ok "monthly: availability, MTTR, MTBF not measured (no ledger yet)" \
    grep -q '"availability_pct": .*"verdict": "unknown", "note": "not measured: no ledger"' \
    "$W/monthly.json"

# ---- the state: read once, then only what is new ----
expect_check "a second run reads nothing (state loaded)" 0 '^\{$' -- \
    "$B" report monthly --root "$HF_ROOT" --state-dir "$SD" --end "$END" --json
ok "  rows_read 0, state loaded" grep -qE '"state_note": "loaded", "rows_read": 0,' <<<"$TB_OUT"
ok "one state file in --state-dir" bash -c "[ \$(ls '$SD'/report-*.state | wc -l) = 1 ]"
sqlite3 -cmd '.timeout 5000' "$HF_DB" "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 100)
  INSERT INTO inference_requests(created_at, model, user_id, prompt_tokens, completion_tokens, response_time, status)
  SELECT '$TODAY 00:00:01', 'helixflow-7b', 'user-1', 10, 10, 100 + i, CASE WHEN i % 10 = 0 THEN 'error' ELSE 'success' END FROM c;"
# (10 of them errors: over 1 % of the day whatever the time, so exit 1)
expect_check "100 new rows: daily --end today (error rate over 1 %: exit 1)" 1 '^$' -- \
    "$B" report daily --root "$HF_ROOT" --state-dir "$SD" --end "$TODAY" --json -o "$W/today.json"
ok "  read exactly the 100 new rows" grep -qE '"state_note": "loaded", "rows_read": 100,' "$W/today.json"
ok "  today's figures equal sqlite3's" $CHECK sql "$HF_DB" "$W/today.json"
ok "  the note says the period includes today" grep -q '"the period includes today, up to ' "$W/today.json"
expect_check "--no-state: the same monthly figures, nothing kept" 0 '^$' -- \
    "$B" report monthly --root "$HF_ROOT" --no-state --end "$END" --json -o "$W/nostate.json"
ok "  equal to sqlite3's" $CHECK sql "$HF_DB" "$W/nostate.json"
ok "  state none" grep -q '"state": null, "state_note": "none (--no-state: everything was read)"' \
    "$W/nostate.json"
mkdir -m 0777 "$TB_DIR/shared" && chmod 0777 "$TB_DIR/shared"
expect_check "a state directory others can write: refused, the report still right" 0 '^$' -- \
    "$B" report weekly --root "$HF_ROOT" --state-dir "$TB_DIR/shared" --end "$END" --json -o "$W/shared.json"
ok "  says why" grep -qE "\"state_note\": \"not kept: [^\"]*$TB_DIR/shared" "$W/shared.json"
ok "  equal to sqlite3's" $CHECK sql "$HF_DB" "$W/shared.json"
ok "  nothing written there" bash -c "[ -z \"\$(ls -A '$TB_DIR/shared')\" ]"
printf 'garbage\n' > "$(ls "$SD"/report-*.state)"
expect_check "a garbage state file: rebuilt, the report still right" 0 '^$' -- \
    "$B" report monthly --root "$HF_ROOT" --state-dir "$SD" --end "$END" --json -o "$W/rebuilt.json"
ok "  says so, naming the file" grep -qE '"state_note": "[^"]*report-[^"]*\.state: [^"]*; rebuilt"' \
    "$W/rebuilt.json"
ok "  equal to sqlite3's" $CHECK sql "$HF_DB" "$W/rebuilt.json"

# ---- judgement and exit status ----
expect_check "a target not met: exit 1, the summary names it" 1 \
    '^Summary: not met: [0-9]+ of 8 targets met; not met: Error rate 0\.[0-9]+ % \(at most 0\.1 %\)' -- \
    bash -c '"$@" | grep "^Summary:"; exit "${PIPESTATUS[0]}"' _ \
    "$B" report weekly --root "$HF_ROOT" --state-dir "$SD" --end "$END" --target error_rate=0.1

# ---- the HTML page in headless Chromium ----
expect_check "monthly --html: written" 0 '^$' -- \
    "$B" report monthly --root "$HF_ROOT" --state-dir "$SD" --end "$END" --html -o "$W/monthly.html"
ok "  one page: no script, stylesheet link, image, frame, import or URL to load" \
    bash -c '! grep -qiE "<script|<link|<img|<iframe|<object|<embed|@import|url\(|(src|href)=" "$1"' _ "$W/monthly.html"
ok "  the only http text is the SVG namespace" \
    bash -c '[ -z "$(grep -oE "https?://[^\"]*" "$1" | grep -v "^http://www.w3.org/2000/svg$")" ]' _ "$W/monthly.html"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    echo "Bail out! chromium is not installed (scripts/deps installs it)"
    exit 1
fi
chrome() { # chrome PAGE OUTFLAGS...: headless, own profile, console logged to stderr
    timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
        --disable-extensions --disable-background-networking --hide-scrollbars \
        --user-data-dir="$TB_DIR/chromium" --enable-logging=stderr --v=0 "${@:2}" "file://$1"
}
printf '<!DOCTYPE html><html><body><p>x</p><script>console.error("probe"); nosuch();</script></body></html>\n' \
    > "$W/bad.html"
chrome "$W/bad.html" --dump-dom > "$W/bad.dom" 2> "$W/bad.log"
ok "the console check sees a page's console error and exception (control)" \
    bash -c 'grep -q ":CONSOLE" "$1" && grep -q "Uncaught ReferenceError" "$1"' _ "$W/bad.log"
chrome "$W/monthly.html" --dump-dom > "$W/monthly.dom" 2> "$W/monthly.log"
ok "  renders in Chromium (DOM dumped)" grep -q '<svg id="chart-requests"' "$W/monthly.dom"
ok "  no console message, no error" bash -c '! grep -E ":CONSOLE|Uncaught|ERR_" "$1"' _ "$W/monthly.log"
DAYS_WITH_REQ=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(1 for d in r["days"] if d["period"]=="current" and d["requests"]))' "$W/monthly.json")
ok "  three charts: a bar per day with requests, average, p95 and error-rate lines, the target" \
    $CHECK dom "$W/monthly.dom" "$DAYS_WITH_REQ"
SHOT=$HF_BUILD_DIR/ops_report-monthly.png
rm -f "$SHOT"
chrome "$W/monthly.html" --window-size=1100,2600 --screenshot="$SHOT" > "$W/shot.out" 2> "$W/shot.log"
ok "  screenshot saved ($SHOT), not blank" $CHECK png "$SHOT"
for kind in daily weekly; do
    "$B" report "$kind" --root "$HF_ROOT" --state-dir "$SD" --end "$END" --html -o "$W/$kind.html"
    chrome "$W/$kind.html" --dump-dom > "$W/$kind.dom" 2> "$W/$kind.log"
    ok "$kind --html: renders with its three charts, no console message" \
        bash -c 'grep -c "class=\"chart\"" "$1" | grep -qx 3 && ! grep -qE ":CONSOLE|Uncaught" "$2"' _ \
        "$W/$kind.dom" "$W/$kind.log"
done

# ---- with HelixFlow writing (50 rows/s): past days stay exact ----
"$HF_TESTBED" writer "$HF_ROOT" start >/dev/null
sleep 1
expect_check "while the writer inserts: monthly up to yesterday" 0 '^$' -- \
    "$B" report monthly --root "$HF_ROOT" --state-dir "$SD" --end "$END" --json -o "$W/writer.json"
ok "  read the new rows" grep -qE '"state_note": "loaded", "rows_read": [1-9][0-9]*,' "$W/writer.json"
ok "  the days equal sqlite3's (the writer's rows are today's)" \
    $CHECK sql-days "$HF_DB" "$W/writer.json"
sleep 1
expect_check "  and again: only the rows written since" 0 '^$' -- \
    "$B" report monthly --root "$HF_ROOT" --state-dir "$SD" --end "$END" --json -o "$W/writer2.json"
ok "  a few dozen rows, not the table" grep -qE '"rows_read": [1-9][0-9]{0,3},' "$W/writer2.json"
"$HF_TESTBED" writer "$HF_ROOT" stop >/dev/null

# ---- under valgrind (not with the sanitizers: they cannot run together) ----
if [ "${HF_SANITIZE:-none}" = none ] && command -v valgrind >/dev/null; then
    vg() { # vg NAME CMD...: no memory error, no definite or indirect leak
        local name=$1 log; shift
        log=$(mktemp "${TMPDIR:-/tmp}/hf-vg.XXXXXX")
        valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --log-file="$log" "$@" >/dev/null 2>&1
        TB_RC=$? TB_OUT=$(cat "$log") TB_ERR=
        local good=0
        [ "$TB_RC" -ne 99 ] && [ ! -s "$log" ] && good=1
        _tb_report "valgrind: $name" $good "0, 1 or 3, no valgrind report" ""
        rm -f "$log"
    }
    vg "monthly, first read (json)" "$B" report monthly --root "$HF_ROOT" --state-dir "$TB_DIR/vg" --end "$END" --json
    vg "monthly, state loaded (html)" "$B" report monthly --root "$HF_ROOT" --state-dir "$TB_DIR/vg" --end "$END" --html
    vg "weekly, older days read (text)" "$B" report weekly --root "$HF_ROOT" --state-dir "$TB_DIR/vg" --end 2020-01-01
    vg "a missing database" "$B" report daily --db "$TB_DIR/nope.db" --no-state
    vg "bad usage" "$B" report yearly
fi

# ---- bad input: errors that name what and where ----
expect_exact "no period: usage, exit 3" 3 "" -- "$B" report --root "$HF_ROOT"
ok "  says which" grep -q "^helixflow-ops report: which report? daily, weekly or monthly$" <<<"$TB_ERR"
expect_exact "yearly: exit 3" 3 "" -- "$B" report yearly --root "$HF_ROOT"
ok "  names it" grep -q "'yearly' is not daily, weekly or monthly" <<<"$TB_ERR"
expect_exact "--end garbage: exit 3" 3 "" -- "$B" report daily --root "$HF_ROOT" --end 2025-02-30
ok "  names it" grep -q "^helixflow-ops report: --end: '2025-02-30' is not a day (YYYY-MM-DD, today or yesterday)$" <<<"$TB_ERR"
expect_exact "--target unknown: exit 3" 3 "" -- "$B" report daily --root "$HF_ROOT" --target speed=1
ok "  names it" grep -q "unknown target 'speed'" <<<"$TB_ERR"
expect_exact "-t 0: exit 3" 3 "" -- "$B" report daily --root "$HF_ROOT" -t 0
expect_exact "an unknown option: exit 3" 3 "" -- "$B" report daily --bogus
ok "  names it" grep -q "unknown option '--bogus'" <<<"$TB_ERR"
expect_exact "a missing database: exit 3" 3 "" -- "$B" report daily --db "$TB_DIR/nope.db" --no-state
ok "  names the file" grep -q "$TB_DIR/nope.db" <<<"$TB_ERR"
head -c 8192 /dev/urandom > "$TB_DIR/garbage.db"
expect_exact "not a database: exit 3" 3 "" -- "$B" report daily --db "$TB_DIR/garbage.db" --no-state
ok "  names the file" grep -q "$TB_DIR/garbage.db" <<<"$TB_ERR"
expect_exact "another table: exit 3" 3 "" -- "$B" report daily --root "$HF_ROOT" --table nope --no-state
ok "  names it" grep -q "database has no table 'nope'" <<<"$TB_ERR"
expect_exact "an unwritable --output: exit 3" 3 "" -- \
    "$B" report daily --root "$HF_ROOT" --state-dir "$SD" -o "$TB_DIR/no/such/dir/r.txt"
ok "  names it" grep -q "$TB_DIR/no/such/dir/r.txt" <<<"$TB_ERR"
expect_check "-h: the usage, exit 0" 0 '^usage: helixflow-ops report daily\|weekly\|monthly' -- "$B" report -h
expect_check "-V: the version, exit 0" 0 '^helixflow-ops report [0-9]+\.[0-9]+\.[0-9]+ \(helixflow-monitoring\)$' -- "$B" report -V
ok "nothing created beside the database" bash -c \
    '[ -z "$(ls "$(dirname "$1")" | grep -vE "^helixflow\.db(-wal|-shm)?$")" ]' _ "$HF_DB"

done_testing
