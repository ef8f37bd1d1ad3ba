#!/bin/bash
# Integration: helixflow-ops status against the test bed: the sections,
# plain when piped and coloured when asked, --json, the exit status like a
# check (and like check_helixflow's on the same deployment), failures in
# their sections, --skip and --set, and bad usage named on stderr (exit 3).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

tb_up --rows 5000
OPS=$HF_BUILD_DIR/tools/helixflow-ops
SD=$TB_DIR/state
# Thresholds that do not depend on how busy the test machine is (as check_all.sh)
# and how full its disk and memory are (not the test bed's).
CALM=(resources.load-warning=1000 resources.load-critical=1000 resources.cpu-warning=101
      resources.cpu-critical=101 resources.disk-warning=101 resources.disk-critical=101
      resources.inode-warning=101 resources.inode-critical=101 resources.mem-warning=101
      resources.mem-critical=101 http.warning=5 http.critical=9 api.p95-warning=100
      api.p95-critical=100 db.query-warning=10000 db.query-critical=20000)
BASE=(--root "$HF_ROOT" --state-dir "$SD" --ca "$HF_CA" --health-url "$HF_HEALTH_URL" --metrics-url "$HF_METRICS_URL" -t 30)
A=("${BASE[@]}")
for c in "${CALM[@]}"; do A+=(--set "$c"); done

# keep: OUT := the last command's output (the ok helper overwrites TB_OUT)
keep() { OUT=$TB_OUT; }
# has REGEX: some line of OUT matches
has() { grep -qE "$1" <<<"$OUT" || { echo "# no line matching /$1/ in:"; sed 's/^/#   /' <<<"$OUT" | head -40; return 1; }; }
# section TITLE: the lines of that section of OUT
section() { awk -v t="$1" '/^[A-Z]/ { on = index($0, t "  ") == 1 } on' <<<"$OUT"; }

# ---- a healthy deployment ----
expect_check "healthy: OK, exit 0" 0 '^HelixFlow status: OK   [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC, 8 checks in [0-9]+ ms$' -- "$OPS" status "${A[@]}"
expect_check "again (state kept): OK" 0 '^HelixFlow status: OK ' -- "$OPS" status "${A[@]}"
keep
ok "sections in order" test "$(grep -E '^[A-Z]' <<<"$OUT" | sed 's/  .*//' | tail -n +2 | tr '\n' ,)" = \
    "Services,Endpoints,Certificates,Database,Backups,Resources,Recent errors,"
ok "services: one line per service" test "$(section Services | grep -c '^  OK        ')" = 6
ok "services: api-gateway with its 3 processes" has '^  OK        api-gateway: 3 processes, main pid [0-9]+'
ok "certificates: one line per file" test "$(section Certificates | grep -c '\.crt expires in ')" = 4
ok "database: the 24h summary" has '^  OK        24h [0-9]+ requests, [0-9.]+% errors, avg [0-9]+ ms'
ok "piped: no colour" bash -c '! grep -q $'"'"'\033'"'"' <<<"$1"' _ "$OUT"
expect_check "--color=always: ANSI colours" 0 $'^\033\\[1mHelixFlow status: \033\\[32mOK' -- "$OPS" status "${A[@]}" --color always
expect_check "NO_COLOR and auto: plain" 0 '^HelixFlow status: OK' -- env NO_COLOR=1 "$OPS" status "${A[@]}" --color auto
_tb_run "$OPS" status "${A[@]}"
ops_rc=$TB_RC
NA=("${BASE[@]}")
for c in "${CALM[@]}"; do k=${c%%.*}; v=${c#*.}; NA+=(--arg "$k=--$v"); done
_tb_run "$(hf_bin check_helixflow)" "${NA[@]}"
ok "the same exit status as check_helixflow (same options, same state)" test "$ops_rc" = "$TB_RC"

# ---- --json ----
expect_check "--json: a document, exit 0" 0 '^\{$' -- "$OPS" status "${A[@]}" --json
keep
ok "--json: schema, state, every check in its section" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["schema"] == "helixflow-ops-status/1", d["schema"]
assert d["state"] == "OK" and d["exit"] == 0 and d["problems"] == 0
assert d["time"].endswith("Z") and d["elapsed_ms"] >= 0
names = [c["check"] for c in d["checks"]]
assert names == ["service", "resources", "http", "api", "cert", "db", "backup", "log"], names
sec = {c["check"]: c["section"] for c in d["checks"]}
assert sec == {"service": "services", "resources": "resources", "http": "endpoints", "api": "endpoints",
               "cert": "certificates", "db": "database", "backup": "backups", "log": "recent_errors"}, sec
for c in d["checks"]:
    assert c["state"] in ("OK", "WARNING", "CRITICAL", "UNKNOWN") and isinstance(c["exit"], int)
    for f in c["findings"]:
        assert set(f) == {"state", "object", "code", "text"}, f
    for m in c["metrics"]:
        assert set(m) == {"label", "object", "name", "value", "unit", "warning", "critical", "min", "max"}, m
    assert isinstance(c["details"], list)
svc = next(c for c in d["checks"] if c["check"] == "service")
assert any(m["label"] == "api-gateway" and m["value"] == 3 for m in svc["metrics"]), svc["metrics"]
' "$OUT"

# ---- failures, each in its section ----
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
expect_check "api-gateway killed: CRITICAL, exit 2" 2 '^HelixFlow status: CRITICAL, [0-9]+ problems? ' -- "$OPS" status "${A[@]}"
keep
ok "... the section says CRITICAL" has '^Services  CRITICAL$'
ok "... the service's line" has '^  CRITICAL  api-gateway down'
_tb_run "$OPS" status "${A[@]}" --json
keep
ok "... --json: the service check CRITICAL" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
svc = next(c for c in d["checks"] if c["check"] == "service")
assert d["exit"] == 2 and svc["state"] == "CRITICAL"
assert any(f["code"] == "service.down" and f["object"] == "api-gateway" for f in svc["findings"])
' "$OUT"
"$HF_TESTBED" start "$HF_ROOT" api-gateway >/dev/null
"$HF_TESTBED" health "$HF_ROOT" fail >/dev/null
expect_check "health failing: CRITICAL" 2 '^HelixFlow status: CRITICAL' -- "$OPS" status "${A[@]}"
keep
ok "... under Endpoints" bash -c 'grep -A3 "^Endpoints  CRITICAL" <<<"$1" | grep -q "^  CRITICAL  .*503"' _ "$OUT"
"$HF_TESTBED" health "$HF_ROOT" ok >/dev/null
"$HF_TESTBED" log "$HF_ROOT" append 2 error >/dev/null
expect_check "error lines appended: WARNING" 1 '^HelixFlow status: WARNING' -- "$OPS" status "${A[@]}"
keep
ok "... under Recent errors, with the lines" bash -c 'sed -n "/^Recent errors  WARNING/,\$p" <<<"$1" | grep -q "^            api-gateway.log: .* ERROR "' _ "$OUT"
ok "... -v lists every finding" bash -c '[ $(grep -c "^  " <<<"$1") -gt 20 ]' _ "$("$OPS" status "${A[@]}" -v)"

# ---- --skip, --set ----
NOWEB=("${BASE[@]}")
for c in "${CALM[@]}"; do case $c in http.*|api.*) ;; *) NOWEB+=(--set "$c") ;; esac; done
expect_check "--skip http --skip api: no Endpoints" 1 '^HelixFlow status: WARNING, .* 6 checks in ' -- "$OPS" status "${NOWEB[@]}" --skip http --skip api
keep
ok "... section gone" bash -c '! grep -q "^Endpoints" <<<"$1"' _ "$OUT"
expect_check "--set log.error-warning=5: the two lines are OK" 0 '^HelixFlow status: OK' -- "$OPS" status "${A[@]}" --set log.error-warning=5
expect_check "--set db.window=7d" 0 '^HelixFlow status: OK' -- "$OPS" status "${A[@]}" --set log.error-warning=5 --set db.window=7d
keep
ok "... the 7d summary" has '^  OK        7d [0-9]+ requests'

# ---- bad usage: exit 3, named on stderr ----
bad() { # NAME STDERR_REGEX ARGS...
    local name=$1 re=$2; shift 2
    _tb_run "$OPS" status "$@"
    TB_N=$((TB_N + 1))
    if [ "$TB_RC" = 3 ] && [ -z "$TB_OUT" ] && grep -qE "$re" <<<"$TB_ERR"; then
        TB_PASSED=$((TB_PASSED + 1)); echo "ok - bad usage: $name"
    else
        TB_FAILED=$((TB_FAILED + 1)); echo "not ok - bad usage: $name"
        echo "#   exit $TB_RC, stdout: ${TB_OUT:0:200}"; echo "#   stderr: $TB_ERR"
    fi
}
bad "unknown option" "^helixflow-ops status: --bogus: unknown option$" --bogus
bad "missing value" "^helixflow-ops status: --root: needs a value$" --root
bad "empty root" "^helixflow-ops status: --root: empty value$" --root ""
bad "timeout 0" "^helixflow-ops status: --timeout: '0' is not a number from 1 to 3600$" -t 0
bad "timeout junk" "^helixflow-ops status: --timeout: '5s' is not a number from 1 to 3600$" --timeout 5s
bad "unknown check" "^helixflow-ops status: --skip: unknown check 'dns' \(service, resources, http, api, cert, db, backup, log\)$" --skip dns
bad "--set without a check" "^helixflow-ops status: --set: 'window=7d' is not CHECK.SETTING" --set window=7d
bad "--set unknown setting" "^helixflow-ops status: --set db.colour=red: --colour: the db check has no such setting$" --set db.colour=red
bad "--set refused value" "^helixflow-ops status: --set db.timeout=0: --timeout: '0' is not " --set db.timeout=0
bad "--set refused by validation" "^helixflow-ops status: db check: --window: '9d' is not one of 1h, 24h, 7d, 30d$" --set db.window=9d
bad "--set on a skipped check" "^helixflow-ops status: --set: 'db.window=7d': the db check is skipped$" --skip db --set db.window=7d
bad "bad health URL" "^helixflow-ops status: http check: --health-url: " --health-url ftp://localhost/health
bad "bad colour word" "^helixflow-ops status: --color: 'sometimes' is not auto, always or never$" --color sometimes
bad "stray argument" "^helixflow-ops status: 'now': unexpected argument$" "${A[@]}" now
ok "bad usage prints the usage line" bash -c 'grep -q "^Usage: helixflow-ops status " <<<"$1"' _ "$TB_ERR"
expect_check "--help" 0 '^helixflow-ops status: the daily dashboard' -- "$OPS" status --help
expect_check "help status" 0 '^helixflow-ops status: the daily dashboard' -- "$OPS" help status
expect_check "--help lists the subcommands" 0 '^Usage: helixflow-ops SUBCOMMAND' -- "$OPS" --help
keep
ok "... status, db check, db maintain, capacity" bash -c 'for c in "status " "db check " "db maintain " "capacity "; do grep -q "^  $c" <<<"$1" || exit 1; done' _ "$OUT"
_tb_run "$OPS" frobnicate
ok "unknown subcommand: exit 3, named" bash -c '[ "$1" = 3 ] && grep -q "^helixflow-ops: '"'"'frobnicate'"'"': unknown subcommand$" <<<"$2"' _ "$TB_RC" "$TB_ERR"
_tb_run "$OPS" db vacuum
ok "unknown db subcommand: exit 3, named" bash -c '[ "$1" = 3 ] && grep -q "^helixflow-ops: '"'"'db vacuum'"'"': unknown subcommand$" <<<"$2"' _ "$TB_RC" "$TB_ERR"
_tb_run "$OPS"
ok "no subcommand: exit 3, the list on stderr" bash -c '[ "$1" = 3 ] && grep -q "^Usage: helixflow-ops" <<<"$2"' _ "$TB_RC" "$TB_ERR"
expect_check "--version" 0 '^helixflow-ops [0-9]+\.[0-9]+\.[0-9]+ \(helixflow-monitoring\)$' -- "$OPS" --version

done_testing
