#!/bin/bash
# Integration: helixflow-ops db check and db maintain against the test
# bed's database. db check: the live file and a backup, read-only, table
# sizes, damaged and foreign files. db maintain: while the test bed's
# writer inserts 500 rows/s, no insert fails or waits over 1 s (its own
# counters, run/writer.stats), the rows older than the retention are gone,
# none newer lost, integrity_check ok, and check_helixflow_db's incremental
# statistics still equal sqlite3's counts; the ledger (one db.maintain
# event with the removed count, none for --dry-run, an unusable ledger a
# warning); VACUUM, the lock, the progress line on a terminal, bad usage.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

tb_up --rows 20000
OPS=$HF_BUILD_DIR/tools/helixflow-ops
CHK=$(hf_bin check_helixflow_db)
SD=$TB_DIR/state
LAX=(--error-warning 50 --error-critical 60 --query-warning 10000 --query-critical 20000)

keep() { OUT=$TB_OUT; }
has() { grep -qE "$1" <<<"$OUT" || { echo "# no line matching /$1/ in:"; sed 's/^/#   /' <<<"$OUT" | head -30; return 1; }; }
q() { sqlite3 -cmd '.timeout 5000' "$@"; }
# stat: a writer.stats key
stat() { sed -n "s/^$1=//p" "$HF_ROOT/run/writer.stats"; }
# usage NAME STDERR_REGEX ARGS...: exit 3, nothing on stdout, the message on stderr
usage() {
    local name=$1 re=$2; shift 2
    _tb_run "$OPS" "$@"
    TB_N=$((TB_N + 1))
    if [ "$TB_RC" = 3 ] && [ -z "$TB_OUT" ] && grep -qE "$re" <<<"$TB_ERR"; then
        TB_PASSED=$((TB_PASSED + 1)); echo "ok - bad usage: $name"
    else
        TB_FAILED=$((TB_FAILED + 1)); echo "not ok - bad usage: $name"
        echo "#   exit $TB_RC, stdout: ${TB_OUT:0:300}"; echo "#   stderr: $TB_ERR"
    fi
}

# ---- db check ----
expect_check "db check: the live database" 0 "^$HF_DB: [0-9.]+ [KM]iB( \\+ WAL [0-9.]+ [KM]?i?B)?, WAL mode\$" -- "$OPS" db check --root "$HF_ROOT"
keep
ok "db check: integrity_check ok" has '^integrity_check: ok \([0-9.]+ m?s\)$'
ok "db check: the largest b-tree first, its exact rows" has '^  inference_requests +table +[0-9]+ +[0-9.]+ [KM]iB +[0-9.]+% +[0-9]+$'
ok "db check: the index" has '^  idx_inference_requests_created_at +index '
expect_check "db check --quick" 0 "^$HF_DB: " -- "$OPS" db check --root "$HF_ROOT" --quick --no-sizes
keep
ok "db check --quick: quick_check, no sizes" bash -c 'grep -q "^quick_check: ok" <<<"$1" && ! grep -q "^table sizes" <<<"$1"' _ "$OUT"
expect_check "db check --json" 0 '^\{$' -- "$OPS" db check --root "$HF_ROOT" --json
ok "db check --json: the schema's fields" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == "helixflow-ops-db-check/1" and d["state"] == "OK" and d["status"] == "ok"
assert d["check"] == "integrity_check" and d["check_ok"] is True and d["problems"] == []
assert d["wal_mode"] is True and d["sizes_from"] == "dbstat"
t = {b["name"]: b for b in d["btrees"]}
assert t["inference_requests"]["kind"] == "table" and t["inference_requests"]["rows"] >= 20000
assert sum(b["pages"] for b in d["btrees"]) + d["freelist_count"] == d["page_count"]
' "$TB_OUT"
BK=$(ls -t "$HF_BACKUP_DIR"/*.db | head -1)
sum_before=$(md5sum <"$BK")
expect_check "db check --backup: the newest backup, read immutable" 0 "^$BK: .*, WAL mode, closed cleanly \\(read immutable\\)\$" -- "$OPS" db check --root "$HF_ROOT" --backup
expect_check "db check FILE: the backup by name" 0 "^$BK: " -- "$OPS" db check "$BK"
ok "db check: the backup not changed, nothing created beside it" \
    bash -c '[ "$(md5sum <"$1")" = "$2" ] && [ ! -e "$1-wal" ] && [ ! -e "$1-shm" ] && [ ! -e "$1-journal" ]' _ "$BK" "$sum_before"
"$HF_TESTBED" backup "$HF_ROOT" corrupt >/dev/null
expect_check "db check --backup: a damaged backup, exit 2" 2 "^$BK: " -- "$OPS" db check --root "$HF_ROOT" --backup
keep
ok "... integrity_check FAILED with SQLite's problems" has '^integrity_check: FAILED, [0-9]+ problems?'
ok "... no sizes of a damaged file" has '^table sizes not read: the file is damaged$'
"$HF_TESTBED" backup "$HF_ROOT" fresh >/dev/null
expect_check "db check: a file that is not a database, exit 2" 2 "^$HF_LOG_DIR/api-gateway.log: " -- "$OPS" db check "$HF_LOG_DIR/api-gateway.log"
keep
ok "... says so, naming it" has "^  $HF_LOG_DIR/api-gateway.log: file is not a database$"
expect_exact "db check: a missing file, exit 2, named" 2 "database not found: $TB_DIR/none.db" -- "$OPS" db check "$TB_DIR/none.db"
usage "db check: unknown option" '^helixflow-ops db check: --bogus: unknown option$' db check --bogus
usage "db check: two files" "^helixflow-ops db check: 'b.db': unexpected argument \\(one FILE at most\\)$" db check a.db b.db
usage "db check: --backup with a FILE" '^helixflow-ops db check: --backup: not with a FILE$' db check --backup a.db
usage "db check: --no-sizes --sizes-only" '^helixflow-ops db check: --no-sizes and --sizes-only: choose one$' db check --no-sizes --sizes-only
usage "db check: -t 0" "^helixflow-ops db check: --timeout: '0' is not a number from 1 to 86400$" db check -t 0

# ---- db maintain while HelixFlow writes 500 rows/s ----
# the default ledger <root>/var/lib/helixflow-monitoring/ledger.db (its
# directory is created, one level)
mkdir -p "$HF_ROOT/var/lib"
LEDGER=$HF_ROOT/var/lib/helixflow-monitoring/ledger.db
# events KIND: the ledger's events of that kind (0 without a ledger or its table)
events() {
    [ -e "$LEDGER" ] || { echo 0; return; }
    [ "$(q "$LEDGER" "SELECT count(*) FROM sqlite_schema WHERE name = 'events'")" = 1 ] || { echo 0; return; }
    q "$LEDGER" "SELECT count(*) FROM events WHERE kind = '$1'"
}
expect_check "check_helixflow_db: the incremental state before" 0 '^HELIXFLOW DB OK: ' -- "$CHK" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}"
"$HF_TESTBED" writer "$TB_DIR" start --rate 500 >/dev/null
sleep 1
q "$HF_DB" ".backup $TB_DIR/before.db"
M=$(q "$TB_DIR/before.db" 'SELECT max(id) FROM inference_requests')
expect_check "db maintain --dry-run under the writer" 0 '^\{$' -- "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --dry-run --json
DRY=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["dry_run"] and d["status"] == "ok"; print(d["deleted"])' "$TB_OUT")
ok "... the dry run recorded no event in the ledger" test "$(events db.maintain)" = 0
ok "... nothing of the snapshot's rows removed" test "$(q "$HF_DB" "SELECT count(*) FROM inference_requests WHERE id <= $M")" = \
    "$(q "$TB_DIR/before.db" 'SELECT count(*) FROM inference_requests')"
expect_check "db maintain under the writer: done, exit 0" 0 '^\{$' -- "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --batch 500 --json
keep
sleep 1
"$HF_TESTBED" writer "$TB_DIR" stop >/dev/null
read -r DEL TXNS CUT < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == "helixflow-ops-db-maintain/1" and d["status"] == "ok" and not d["dry_run"]
assert d["optimized"] and not d["vacuumed"] and not d["stopped"]
print(d["deleted"], d["transactions"], d["cutoff"].replace("T", " ").rstrip("Z"))' "$OUT")
ok "the writer: no insert failed (writer.stats)" test "$(stat failed_transactions)" = 0
ok "the writer: no insert waited over 1 s (writer.stats)" test "$(stat waits_over_1s)" = 0
ok "the writer: it did insert meanwhile" test "$(stat inserted)" -gt 1000
ok "removed the old rows, about what the dry run said" test "$DEL" -gt 2500 -a "$DEL" -ge "$DRY"
ok "in several short transactions" test "$TXNS" -ge 6
ok "rows dated at or before the cutoff: none left" test "$(q "$HF_DB" "SELECT count(*) FROM inference_requests WHERE created_at <= '$CUT'")" = 0
ok "what was removed is exactly the snapshot's old rows" \
    test "$(q "$TB_DIR/before.db" "SELECT count(*) FROM inference_requests WHERE created_at <= '$CUT'")" = "$DEL"
ok "none newer lost" test "$(q "$HF_DB" "SELECT count(*) FROM inference_requests WHERE id <= $M AND created_at > '$CUT'")" = \
    "$(q "$TB_DIR/before.db" "SELECT count(*) FROM inference_requests WHERE created_at > '$CUT'")"
ok "integrity_check ok" test "$(q "$HF_DB" 'PRAGMA integrity_check')" = ok
ok "the ledger: exactly one db.maintain event" test "$(events db.maintain)" = 1
ok "... with the removed count the command printed, ok, a duration, by helixflow-ops" test \
    "$(q "$LEDGER" "SELECT count(*) FROM events WHERE kind = 'db.maintain' AND outcome = 'ok' AND text LIKE 'removed $DEL rows %' AND duration >= 0 AND frontend = 'helixflow-ops' AND requester <> ''")" = 1
ok "... the JSON says recorded there, the ledger pruned" python3 -c '
import json, sys
d = json.loads(sys.argv[1])["ledger"]
assert d["recorded"] is True and d["path"] == sys.argv[2] and d["pruned"] == 0 and d["warning"] is None, d' "$OUT" "$LEDGER"
ok "... the ledger's version stays 1" test "$(q "$LEDGER" 'PRAGMA user_version')" = 1

# check_helixflow_db's incremental state against sqlite3, in one second
cmp_sql() {
    local s0 s1 sql w got
    s0=$(date -u +%s)
    _tb_run "$CHK" --root "$HF_ROOT" --state-dir "$SD" "${LAX[@]}" -v
    got=$(grep -oE ' req_(1h|24h|7d|30d)=[0-9]+' <<<"${TB_OUT%%$'\n'*}" | cut -d= -f2 | tr '\n' '|')
    sql="SELECT ''"
    for w in "-1 hour" "-1 day" "-7 days" "-30 days"; do
        sql+=" || (SELECT count(*) FROM inference_requests WHERE created_at > datetime($s0, 'unixepoch', '$w')) || '|'"
    done
    s1=$(date -u +%s)
    [ "$s0" = "$s1" ] || return 2
    grep -q 'aggregates rebuilt' <<<"$TB_OUT" && return 3
    [ "$got" = "$(q "$HF_DB" "$sql")" ]
}
n=0
while cmp_sql; rc=$?; [ "$rc" = 2 ] && [ $((n += 1)) -lt 20 ]; do :; done
ok "check_helixflow_db after the maintenance: incremental (no rebuild) == sqlite3's counts (1h/24h/7d/30d)" test "$rc" = 0

_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD"
keep
ok "db maintain again: nothing left to remove, exit 0" test "$TB_RC" = 0
ok "... says it is the one command that writes" has "^writing to HelixFlow's database $HF_DB \\(helixflow-ops db maintain is the one command that does\\)$"
ok "... removed 0 rows, the cutoff named" has '^removed 0 rows dated at or before [0-9-]+ [0-9:]+ UTC \(30 days\) in 1 transaction'
ok "... says it was recorded and how many ledger rows went" bash -c 'grep -qx "recorded in the ledger $1" <<<"$2" && grep -qx "ledger: removed 0 rows older than 400 days" <<<"$2"' _ "$LEDGER" "$OUT"
ok "... a second db.maintain event" test "$(events db.maintain)" = 2
q "$LEDGER" "INSERT INTO events(at, frontend, requester, kind, outcome, text) VALUES(strftime('%s', 'now') - 11 * 86400, 't', 't', 'old', 'ok', '')"
_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --ledger-retention-days 10 --ledger "$LEDGER"
ok "--ledger-retention-days 10: an 11-day-old event pruned, said so" bash -c '[ "$1" = 0 ] && grep -qx "ledger: removed 1 rows older than 10 days" <<<"$2"' _ "$TB_RC" "$TB_OUT"
ok "... gone from the ledger" test "$(events old)" = 0
ok "... the maintenances kept" test "$(events db.maintain)" = 3
_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --ledger "$TB_DIR/no/such/ledger.db"
ok "a ledger that cannot be opened: a warning, the maintenance done (exit 0)" \
    bash -c '[ "$1" = 0 ] && grep -q "^helixflow-ops db maintain: warning: .*$2.*the maintenance is not recorded" <<<"$3" && grep -q "^removed 0 rows" <<<"$4"' _ "$TB_RC" "$TB_DIR/no/such" "$TB_ERR" "$TB_OUT"
usage "ledger retention 0" "^helixflow-ops db maintain: --ledger-retention-days: '0' is not a number from 1 to 36500$" db maintain --ledger-retention-days 0
ok "... the free pages stay in the file until --vacuum" has '^[0-9]+ free pages \([0-9.]+ [KM]?i?B\) stay inside the file for new rows; --vacuum returns them'

# ---- VACUUM ----
pages=$(q "$HF_DB" 'PRAGMA page_count')
expect_check "db maintain --vacuum" 0 "^writing to HelixFlow's database " -- "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --vacuum
keep
ok "... VACUUM done, space reclaimed" bash -c 'grep -q "^VACUUM: done in " <<<"$1" && grep -qE "^reclaimed [0-9.]+ [KM]?i?B on disk" <<<"$1"' _ "$OUT"
ok "... fewer pages, none free" test "$(q "$HF_DB" 'PRAGMA page_count')" -lt "$pages" -a "$(q "$HF_DB" 'PRAGMA freelist_count')" = 0
ok "... integrity_check ok" test "$(q "$HF_DB" 'PRAGMA integrity_check')" = ok
n=0
while cmp_sql; rc=$?; [ "$rc" = 2 ] && [ $((n += 1)) -lt 20 ]; do :; done
ok "check_helixflow_db after VACUUM (rowids kept): still == sqlite3" test "$rc" = 0

# ---- one maintenance at a time ----
LOCK=$(ls "$SD"/db-maintain-*.lock)
flock "$LOCK" sleep 3 &
holder=$!
sleep 0.5
rows=$(q "$HF_DB" 'SELECT count(*) FROM inference_requests')
_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --retention-days 1
keep
ok "another maintenance holds the lock: refused, exit 3" test "$TB_RC" = 3
ok "... naming the lock, nothing done" has "^another maintenance of $HF_DB is running \\(it holds $LOCK\\): nothing done$"
ok "... nothing removed" test "$(q "$HF_DB" 'SELECT count(*) FROM inference_requests')" = "$rows"
wait "$holder"

# ---- the progress line: on a terminal only ----
script -qec "$OPS db maintain --root $HF_ROOT --state-dir $SD --retention-days 20 --batch 100" /dev/null >"$TB_DIR/tty.out" 2>&1
ok "a terminal: the progress line (carriage returns, the rows)" grep -qaE $'\r\033\\[Kremoving: [0-9]+ rows, [0-9]+ read \\([0-9]+%\\)' "$TB_DIR/tty.out"
_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --retention-days 19
ok "piped: no progress line" bash -c '[ "$1" = 0 ] && [ -z "$2" ]' _ "$TB_RC" "$TB_ERR"

# ---- bad input, named ----
expect_exact "a missing database: nothing done, exit 3" 3 "writing to HelixFlow's database $TB_DIR/none.db (helixflow-ops db maintain is the one command that does)" -- \
    "$OPS" db maintain --db "$TB_DIR/none.db" --state-dir "$SD"
ok "... named, nothing created" bash -c 'grep -q "^$1: no such database file: nothing done$" <<<"$2" && [ ! -e "$1" ]' _ "$TB_DIR/none.db" "$TB_OUT"
_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$SD" --time-column made_at
ok "a missing column: exit 2, named" bash -c '[ "$1" = 2 ] && grep -q "made_at" <<<"$2"' _ "$TB_RC" "$TB_OUT"
mkdir -m 0777 "$TB_DIR/shared"
_tb_run "$OPS" db maintain --root "$HF_ROOT" --state-dir "$TB_DIR/shared"
ok "a state directory others can write: refused, exit 3" bash -c '[ "$1" = 3 ] && grep -q "$2.*nothing done" <<<"$3"' _ "$TB_RC" "$TB_DIR/shared" "$TB_OUT"
usage "retention 0" "^helixflow-ops db maintain: --retention-days: '0' is not a number from 1 to 36500$" db maintain --retention-days 0
usage "retention junk" "^helixflow-ops db maintain: --retention-days: '30d' is not a number from 1 to 36500$" db maintain --retention-days 30d
usage "batch 0" "^helixflow-ops db maintain: --batch: '0' is not a whole number from 1 to 100000$" db maintain --batch 0
usage "batch 2.5" "^helixflow-ops db maintain: --batch: '2.5' is not a whole number from 1 to 100000$" db maintain --batch 2.5
usage "vacuum with dry run" '^helixflow-ops db maintain: --vacuum: not with --dry-run' db maintain --vacuum --dry-run
usage "unknown option" '^helixflow-ops db maintain: --force: unknown option$' db maintain --force
usage "empty --db" '^helixflow-ops db maintain: --db: empty value$' db maintain --db ""
usage "stray argument" "^helixflow-ops db maintain: 'now': unexpected argument$" db maintain now
expect_check "db maintain --help" 0 '^helixflow-ops db maintain: the weekly maintenance' -- "$OPS" db maintain --help
keep
ok "... says plainly it is the one command that writes" has "^THIS IS THE ONE COMMAND THAT WRITES TO HELIXFLOW'S DATABASE"
expect_check "db check --help" 0 '^helixflow-ops db check: PRAGMA integrity_check' -- "$OPS" db check --help

done_testing
