#!/bin/bash
# Integration: check_helixflow_log against the test bed: first run, appended
# errors, nothing appended, rotation by rename and copytruncate between two
# runs (exact counts), truncation, binary garbage and a 1 MiB line, the
# security history, a corrupt state file, bad arguments.
. "$(dirname "$0")/lib.sh"

tb_up --no-writer
B=$(hf_bin check_helixflow_log)
SD=$TB_DIR/check-state
TB="$HF_TESTBED"
chk() { "$B" --root "$HF_ROOT" --state-dir "$SD" "$@"; }
tb() { "$TB" "$1" "$TB_DIR" "${@:2}" >/dev/null; }
PERF_TAIL='security=0;4;20;0 bytes=[0-9]+B;;;0$'

expect_exact "first run starts at the end" 0 \
  "HELIXFLOW LOG OK: 0 new error lines in 4 files, first run: reading starts at the end of each file | errors=0;1;50;0 warnings=0;;;0 critical=0;0;10;0 security=0;4;20;0 bytes=0B;;;0" -- chk

tb log append 3 error
expect_check "3 appended errors warn" 1 \
  "^HELIXFLOW LOG WARNING: 3 new error lines in 4 files \(api-gateway.log: 3\) \| errors=3;1;50;0 warnings=0;;;0 critical=0;0;10;0 $PERF_TAIL" -- chk

expect_exact "nothing appended" 0 \
  "HELIXFLOW LOG OK: 0 new error lines in 4 files | errors=0;1;50;0 warnings=0;;;0 critical=0;0;10;0 security=0;4;20;0 bytes=0B;;;0" -- chk

tb log append 2 error
tb log rotate rename
tb log append 4 error
expect_check "rotate (rename) between runs: nothing lost" 1 \
  "^HELIXFLOW LOG WARNING: 6 new error lines in 4 files \(api-gateway.log: 6\) \| errors=6;1;50;0 " -- chk
expect_check "rotate (rename): nothing counted twice" 0 "^HELIXFLOW LOG OK: 0 new error lines in 4 files \| errors=0;" -- chk

tb log append 1 error
tb log rotate copytruncate
tb log append 2 error
expect_check "rotate (copytruncate) between runs: nothing lost" 1 \
  "^HELIXFLOW LOG WARNING: 3 new error lines in 4 files \(api-gateway.log: 3\) \| errors=3;1;50;0 " -- chk
expect_check "rotate (copytruncate) reported with -v" 0 \
  "^HELIXFLOW LOG OK: 0 new error lines" -- chk -v

tb log truncate
tb log append 1 error
expect_check "truncated, then one error" 0 \
  "^HELIXFLOW LOG OK: 1 new error line in 4 files \(api-gateway.log: 1\) \| errors=1;1;50;0 " -- chk

tb log garbage
chk_saved() { chk "$@" >"$TB_DIR/last.out"; local rc=$?; cat "$TB_DIR/last.out"; return $rc; }
expect_check "binary garbage and a 1 MiB line" 0 \
  "^HELIXFLOW LOG OK: 1 new error line in 4 files \(api-gateway.log: 1\) \| errors=1;1;50;0 warnings=0;;;0 critical=0;0;10;0 $PERF_TAIL" -- chk_saved -v --lines 1
ok "the 1 MiB line is shown truncated to 512 bytes" \
  grep -qx 'api-gateway.log: A\{512\} \[truncated\]' "$TB_DIR/last.out"

tb log append 20 mixed
expect_check "mixed lines: errors and a critical line" 1 \
  "^HELIXFLOW LOG WARNING: 3 new error lines in 4 files \(api-gateway.log: 3\), 1 new critical line in 4 files \(api-gateway.log: 1\) \| errors=3;1;50;0 warnings=4;;;0 critical=1;0;10;0 security=1;4;20;0 bytes=[0-9]+B;;;0$" -- chk
ok "the last matching lines follow in the long output (without -v)" \
  test "$(printf '%s\n' "$TB_OUT" | grep -c '^api-gateway.log: ')" -ge 3

tb log append 4 security
expect_check "security events over 30 days" 1 \
  "^HELIXFLOW LOG WARNING: 4 new error lines in 4 files \(api-gateway.log: 4\), 5 security events in 30 days \(4 new\) \(api-gateway.log: 4\) \| errors=4;1;50;0 warnings=4;;;0 critical=0;0;10;0 security=5;4;20;0 " -- chk

SD2=$TB_DIR/check-state-2
expect_check "custom error regex (regex path): first run" 0 \
  "^HELIXFLOW LOG OK: 0 new error lines in 4 files, first run" -- chk --state-dir "$SD2" --error-regex 'upstream.*50[0-9]'
tb log append 30 error
expect_check "custom error regex counts only its lines" 1 \
  "^HELIXFLOW LOG WARNING: [0-9]+ new error lines in 4 files \(api-gateway.log: [0-9]+\) \| " -- chk --state-dir "$SD2" --error-regex 'upstream.*50[0-9]'
ok "regex path and default literals agree on the same bytes" bash -c \
  "n=\$(grep -ci 'error\\|fail\\|critical' '$HF_ROOT/var/log/helixflow/auth-service.log'); '$B' --root '$HF_ROOT' --state-dir '$TB_DIR/s3' --read-existing --log '$HF_ROOT/var/log/helixflow/auth-service.log' | grep -q \"errors=\$n;\" && '$B' --root '$HF_ROOT' --state-dir '$TB_DIR/s4' --read-existing --error-regex '(error)|fail|critical' --log '$HF_ROOT/var/log/helixflow/auth-service.log' | grep -q \"errors=\$n;\""
expect_check "custom thresholds (-w/-c: the error class)" 2 \
  "^HELIXFLOW LOG CRITICAL: 30 new error lines in 4 files \(api-gateway.log: 30\) \| errors=30;10;20;0 " -- chk -w 10 -c 20

for f in "$SD"/log-*.state; do printf 'garbage\n' >"$f"; done
expect_check "corrupt state file: warned, starts over" 1 \
  "^HELIXFLOW LOG WARNING: state file .*/log-[0-9a-f]+\.state line 1: malformed record; starting over \| " -- chk
expect_check "after a corrupt state file: back to normal" 0 "^HELIXFLOW LOG OK: 0 new error lines in 4 files \| " -- chk

expect_exact "no file matches" 3 \
  "HELIXFLOW LOG UNKNOWN: no log file matches $HF_ROOT/nothing/*.log | errors=0;1;50;0 warnings=0;;;0 critical=0;0;10;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --log "$HF_ROOT/nothing/*.log"

expect_exact "bad regex" 3 "HELIXFLOW LOG UNKNOWN: error pattern '(': Unmatched ( or \\(" -- chk --error-regex '('
expect_exact "bad --lines" 3 "HELIXFLOW LOG UNKNOWN: --lines: 'abc' is not a number >= 0" -- chk --lines abc
expect_exact "bad range" 3 \
  "HELIXFLOW LOG UNKNOWN: --error-warning: invalid range '5:1': start 5 is greater than end 1" -- chk --error-warning 5:1
expect_exact "unknown option" 3 "HELIXFLOW LOG UNKNOWN: unknown option '--bogus'" -- chk --bogus
ok "usage line follows" bash -c "'$B' --bogus | sed -n 2p | grep -q '^Usage: check_helixflow_log \[--log GLOB\]'"

done_testing
