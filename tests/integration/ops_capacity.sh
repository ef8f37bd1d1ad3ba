#!/bin/bash
# Integration: helixflow-ops capacity against the test bed: the host's
# figures, the daily request counts equal sqlite3's (by rowid bisection,
# never a scan), the month's requests, the database's growth with and
# without a retention, the disk target, --json, a table out of time order,
# a missing database, bad usage. The disk's own figures belong to the test
# machine: only what does not depend on them is pinned.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

tb_up --rows 20000 --no-writer
OPS=$HF_BUILD_DIR/tools/helixflow-ops

keep() { OUT=$TB_OUT; }
has() { grep -qE "$1" <<<"$OUT" || { echo "# no line matching /$1/ in:"; sed 's/^/#   /' <<<"$OUT" | head -30; return 1; }; }
q() { sqlite3 -cmd '.timeout 5000' "$@"; }
usage() {
    local name=$1 re=$2; shift 2
    _tb_run "$OPS" capacity "$@"
    TB_N=$((TB_N + 1))
    if [ "$TB_RC" = 3 ] && [ -z "$TB_OUT" ] && grep -qE "$re" <<<"$TB_ERR"; then
        TB_PASSED=$((TB_PASSED + 1)); echo "ok - bad usage: $name"
    else
        TB_FAILED=$((TB_FAILED + 1)); echo "not ok - bad usage: $name"
        echo "#   exit $TB_RC, stdout: ${TB_OUT:0:300}"; echo "#   stderr: $TB_ERR"
    fi
}

# --target 100: the date depends on the test machine's disk, the state must not
expect_check "capacity: OK" 0 '^capacity OK: the disk does not reach 100% within 100 years at the current growth' -- \
    "$OPS" capacity --root "$HF_ROOT" --target 100
keep
ok "CPU cores as the kernel counts them" has "^CPU cores: $(grep -c '^cpu[0-9]' /proc/stat)\$"
ok "memory" has '^memory: [0-9.]+ [KMGT]iB \([0-9.]+ [KMGT]?i?B used\)$'
ok "storage of the deployment's filesystem" has "^storage: [0-9.]+ [KMGT]iB on $HF_ROOT/opt/helixflow, [0-9.]+ [KMGT]?i?B used \\([0-9.]+%\\), "
ok "requests by rowid bisection, a few hundred reads" bash -c 'n=$(sed -nE "s/^requests: [0-9]+ in the last 30 complete days \(counted by rowid, ([0-9]+) reads\)$/\1/p" <<<"$1"); [ -n "$n" ] && [ "$n" -lt 700 ]' _ "$OUT"
ok "requests per month and the fit" has '^requests per month: [0-9]+ \([0-9]+ a day on average, [0-9]+ a day now\)$'
ok "request growth" has '^request growth: [-+][0-9.]+% a month \([-+][0-9]+ requests a day more each month; least squares over [0-9]+ days, [0-9-]+ to [0-9-]+\)$'
ok "database size and rows" has "^database: [0-9.]+ [KM]iB, [0-9]+ rows in inference_requests \\([0-9]+ B per row, indexes included\\)\$"
ok "database growth under the 30-day retention" has '^database growth: [-+]?[0-9.]+ [KMG]?i?B a month \(a retention keeps the size to its days: it grows with demand\)$'

# the daily counts equal sqlite3's (no writer: the table holds still); a UTC midnight between: again
cmp_days() {
    local d0 d1
    d0=$(date -u +%F)
    _tb_run "$OPS" capacity --root "$HF_ROOT" --target 100 --json
    d1=$(date -u +%F)
    [ "$d0" = "$d1" ] || return 2
    python3 -c '
import json, sqlite3, sys
d = json.loads(sys.argv[1])
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[2], uri=True)
want = dict(db.execute("SELECT date(created_at), count(*) FROM inference_requests GROUP BY 1"))
r = d["requests"]
assert d["schema"] == "helixflow-ops-capacity/1" and d["state"] == "OK", d["state"]
assert r["method"] == "rowid" and r["error"] is None
assert len(r["days"]) == 31
for day in r["days"]:
    assert day["requests"] == want.get(day["date"], 0), (day, want.get(day["date"]))
last30 = sum(x["requests"] for x in r["days"][:-1])
assert r["last_30_days"] == last30, (r["last_30_days"], last30)
assert r["last_30_days"] == db.execute("SELECT count(*) FROM inference_requests WHERE created_at >= date(\"now\", \"-30 days\") AND created_at < date(\"now\")").fetchone()[0]
fitted = [x for x in r["days"] if x["fitted"]]
assert r["fitted_days"] == len(fitted) == 30 and not r["days"][-1]["fitted"]
assert abs(r["per_day_mean"] - sum(x["requests"] for x in fitted) / 30) < 1e-6
db_ = d["database"]
assert db_["rows"] == db.execute("SELECT max(id) - min(id) + 1 FROM inference_requests").fetchone()[0]
assert db_["retention_days"] == 30 and db_["bytes_per_row"] > 0
h = d["host"]
assert h["cores"] >= 1 and h["memory_bytes"] > 0 and h["storage_bytes"] > 0 and h["error"] is None
assert d["disk_target"]["pct"] == 100 and d["disk_target"]["never"] is True and d["disk_target"]["date"] is None
' "$TB_OUT" "$HF_DB"
}
n=0
while cmp_days; rc=$?; [ "$rc" = 2 ] && [ $((n += 1)) -lt 3 ]; do :; done
ok "--json: every day's count equals sqlite3's GROUP BY date(created_at); 30 days fitted" test "$rc" = 0

expect_check "--retention-days 0: every row stays" 0 '^capacity OK: ' -- "$OPS" capacity --root "$HF_ROOT" --target 100 --retention-days 0
keep
ok "... the database grows by every month's rows" has '^database growth: \+[0-9.]+ [KMG]?i?B a month \(no retention: every row stays\)$'
expect_check "--target 1: already above, CRITICAL" 2 '^capacity CRITICAL: the disk is at [0-9.]+%, at or above the 1% target$' -- \
    "$OPS" capacity --root "$HF_ROOT" --target 1
expect_check "--days 7: the fit over a week" 0 '^capacity OK: ' -- "$OPS" capacity --root "$HF_ROOT" --target 100 --days 7
keep
ok "... 7 days fitted" has 'least squares over 7 days'

# a table out of time order: with an index, index range counts; without one, no figures (never a scan)
q "$TB_DIR/unordered.db" "CREATE TABLE inference_requests(created_at TEXT, response_time INT, status TEXT);
  WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < 3000)
  INSERT INTO inference_requests SELECT datetime('now', '-' || ((i * 7) % 20) || ' days', '-' || (i % 600) || ' minutes'), 100, 'success' FROM c;"
expect_check "unordered, no index: UNKNOWN, says why" 3 '^capacity UNKNOWN: no date for the 100% disk target: the database could not be read: ' -- \
    "$OPS" capacity --root "$HF_ROOT" --db "$TB_DIR/unordered.db" --target 100
keep
ok "... a full scan would be needed, not run" has "^requests: not read: $TB_DIR/unordered.db: inference_requests is not in time order and no index starts with created_at: daily counts would need a full scan \\(not run\\)\$"
ok "... the host's figures still shown" has '^CPU cores: [0-9]+$'
q "$TB_DIR/unordered.db" "CREATE INDEX i ON inference_requests(created_at)"
expect_check "unordered, an index: counted by it" 0 '^capacity OK: ' -- "$OPS" capacity --root "$HF_ROOT" --db "$TB_DIR/unordered.db" --target 100
keep
ok "... by index range counts" has '^requests: [0-9]+ in the last 30 complete days \(counted by index, [0-9]+ reads\)$'
expect_check "a missing database: UNKNOWN, named" 3 "^capacity UNKNOWN: no date for the 100% disk target: the database could not be read: database not found: $TB_DIR/none.db\$" -- \
    "$OPS" capacity --root "$HF_ROOT" --db "$TB_DIR/none.db" --target 100
ok "... nothing created" test ! -e "$TB_DIR/none.db"

usage "days 1" "^helixflow-ops capacity: --days: '1' is not a whole number from 2 to 365$" --days 1
usage "target 0" "^helixflow-ops capacity: --target: '0' is not a number from 1 to 100$" --target 0
usage "target junk" "^helixflow-ops capacity: --target: '80%' is not a number from 1 to 100$" --target 80%
usage "critical beyond warning" '^helixflow-ops capacity: --critical-days 100 is more than --warning-days 10$' --warning-days 10 --critical-days 100
usage "relative path" "^helixflow-ops capacity: --path: 'opt' is not an absolute path$" --path opt
usage "retention negative" "^helixflow-ops capacity: --retention-days: '-1' is not a number from 0 to 36500$" --retention-days -1
usage "unknown option" '^helixflow-ops capacity: --verbose: unknown option$' --verbose
expect_check "capacity --help" 0 '^helixflow-ops capacity: the monthly capacity figures' -- "$OPS" capacity --help

done_testing
