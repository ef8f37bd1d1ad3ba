# shellcheck shell=bash
# tests/integration/lib.sh: helpers for integration test scripts (bash).
#
#   . "$(dirname "$0")/lib.sh"
#   tb_up --rows 5000            # fresh test bed; env from testbed.env; torn down at exit
#   expect_check "health ok" 0 '^HELIXFLOW HEALTH OK: ' -- "$(hf_bin check_helixflow_health)" -H ...
#   expect_exact "bad arg" 3 "HELIXFLOW HEALTH UNKNOWN: ..." -- "$(hf_bin check_helixflow_health)" --bogus
#   done_testing
#
# See tests/testbed/README.md for the test bed itself.

HF_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HF_TESTBED=${HF_TESTBED:-$(cd "$HF_LIB_DIR/../testbed" && pwd)/hf-testbed}
: "${HF_BUILD_DIR:=./build}"
export HF_BUILD_DIR

TB_PASSED=0
TB_FAILED=0
TB_N=0
TB_DIR=

# hf_bin NAME: path of a built Nagios plugin
hf_bin() {
    printf '%s\n' "$HF_BUILD_DIR/plugins/nagios/$1"
}

_tb_cleanup() {
    if [ -n "$TB_DIR" ]; then
        "$HF_TESTBED" down "$TB_DIR" --purge >/dev/null 2>&1
        TB_DIR=
    fi
}

# tb_up [up args...]: fresh test bed under ${TMPDIR:-/tmp}; sources its
# testbed.env (exports HF_*); tears it down (and removes it) at exit.
tb_up() {
    TB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hf-testbed.XXXXXX") || {
        echo "Bail out! mktemp failed" >&2; exit 1; }
    trap '_tb_cleanup' EXIT
    trap '_tb_cleanup; exit 130' INT
    trap '_tb_cleanup; exit 143' TERM
    if ! "$HF_TESTBED" up "$TB_DIR" "$@"; then
        echo "Bail out! hf-testbed up $TB_DIR $* failed" >&2
        exit 1
    fi
    # shellcheck disable=SC1091
    . "$TB_DIR/testbed.env"
}

# _tb_run CMD...: sets TB_OUT (stdout), TB_ERR (stderr), TB_RC
_tb_run() {
    local errf
    errf=$(mktemp "${TMPDIR:-/tmp}/hf-tb-err.XXXXXX")
    TB_OUT=$("$@" 2>"$errf")
    TB_RC=$?
    TB_ERR=$(cat "$errf")
    rm -f "$errf"
}

_tb_report() { # name ok(0/1) want_rc want_line
    TB_N=$((TB_N + 1))
    if [ "$2" = 1 ]; then
        TB_PASSED=$((TB_PASSED + 1))
        echo "ok - $1"
    else
        TB_FAILED=$((TB_FAILED + 1))
        echo "not ok - $1"
        echo "#   expected exit $3, first line: $4"
        echo "#   got      exit $TB_RC, output:"
        printf '%s\n' "$TB_OUT" | head -n 20 | sed 's/^/#     /'
        if [ -n "$TB_ERR" ]; then
            echo "#   stderr:"
            printf '%s\n' "$TB_ERR" | head -n 10 | sed 's/^/#     /'
        fi
    fi
}

_tb_parse() { # sets _name _rc _want and shifts to CMD via _cmd array
    _name=$1 _rc=$2 _want=$3
    if [ "${4:-}" != "--" ]; then
        echo "Bail out! usage: $5 NAME EXIT_CODE FIRST_LINE -- CMD..." >&2
        exit 1
    fi
}

# expect_check NAME EXIT_CODE FIRST_LINE_REGEX -- CMD...
expect_check() {
    local _name _rc _want
    _tb_parse "$1" "$2" "$3" "${4:-}" expect_check
    shift 4
    _tb_run "$@"
    local first=${TB_OUT%%$'\n'*} ok=0
    if [ "$TB_RC" = "$_rc" ] && [[ $first =~ $_want ]]; then ok=1; fi
    _tb_report "$_name" $ok "$_rc" "/$_want/"
    [ $ok = 1 ]
}

# expect_exact NAME EXIT_CODE "EXACT FIRST LINE" -- CMD...
expect_exact() {
    local _name _rc _want
    _tb_parse "$1" "$2" "$3" "${4:-}" expect_exact
    shift 4
    _tb_run "$@"
    local first=${TB_OUT%%$'\n'*} ok=0
    if [ "$TB_RC" = "$_rc" ] && [ "$first" = "$_want" ]; then ok=1; fi
    _tb_report "$_name" $ok "$_rc" "\"$_want\""
    [ $ok = 1 ]
}

# ok NAME CMD...: passes when CMD exits 0 (for plain assertions)
ok() {
    local name=$1; shift
    _tb_run "$@"
    local r=0; [ "$TB_RC" = 0 ] && r=1
    _tb_report "$name" $r 0 "(any)"
    [ $r = 1 ]
}

# done_testing: summary line; exit status 1 if anything failed
done_testing() {
    echo "1..$TB_N"
    echo "$TB_PASSED passed, $TB_FAILED failed"
    [ "$TB_FAILED" = 0 ] || exit 1
    exit 0
}
