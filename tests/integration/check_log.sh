#!/bin/bash
# Integration: check_helixflow_log against the test bed: first run, appended
# errors, nothing appended, rotation by rename and copytruncate between two
# runs (exact counts), truncation, binary garbage and a 1 MiB line, the
# security history, a corrupt state file, a log replaced by a directory, bad
# arguments.
#
# Counts are judged over a fixed window kept in the state (15 minutes; 30
# days for security), not "since the last run": within one state directory
# the lines of earlier cases stay in the window (this script runs well within
# 15 minutes), so each case pins the window's sum and, exactly, this run's
# new lines ("(N new)", the per-file part, bytes=). Defaults as
# check_logfiles: the first error line warns, the first critical line is
# critical.
. "$(dirname "$0")/lib.sh"

tb_up --no-writer
B=$(hf_bin check_helixflow_log)
SD=$TB_DIR/check-state
TB="$HF_TESTBED"
chk() { "$B" --root "$HF_ROOT" --state-dir "$SD" "$@"; }
tb() { "$TB" "$1" "$TB_DIR" "${@:2}" >/dev/null; }
PERF_TAIL='security=0;4;20;0 bytes=[0-9]+B;;;0$'
W15='in the last 15 minutes in 4 files'

expect_exact "first run starts at the end" 0 \
  "HELIXFLOW LOG OK: 0 error lines $W15, first run: reading starts at the end of each file | errors=0;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" -- chk

tb log append 3 error
expect_check "3 appended errors warn" 1 \
  "^HELIXFLOW LOG WARNING: 3 error lines $W15 \(api-gateway.log: 3\) \| errors=3;0;50;0 warnings=0;;;0 critical=0;0;0;0 $PERF_TAIL" -- chk

# the window: nothing new, the 3 lines are still within it (Nagios' retries see them)
expect_exact "nothing appended: the window still holds the 3 lines" 1 \
  "HELIXFLOW LOG WARNING: 3 error lines $W15 (0 new) | errors=3;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" -- chk

tb log append 2 error
tb log rotate rename
tb log append 4 error
expect_check "rotate (rename) between runs: nothing lost" 1 \
  "^HELIXFLOW LOG WARNING: 9 error lines $W15 \(6 new\) \(api-gateway.log: 6\) \| errors=9;0;50;0 " -- chk
expect_check "rotate (rename): nothing counted twice" 1 \
  "^HELIXFLOW LOG WARNING: 9 error lines $W15 \(0 new\) \| errors=9;0;50;0 .* bytes=0B;;;0$" -- chk

tb log append 1 error
tb log rotate copytruncate
tb log append 2 error
expect_check "rotate (copytruncate) between runs: nothing lost" 1 \
  "^HELIXFLOW LOG WARNING: 12 error lines $W15 \(3 new\) \(api-gateway.log: 3\) \| errors=12;0;50;0 " -- chk -v
ok "the copytruncate is reported with -v" \
  grep -q '^\[OK\] .*/api-gateway.log: rotated (copytruncate) .*/api-gateway.log.1$' <<<"$TB_OUT"
expect_check "rotate (copytruncate): nothing counted twice" 1 \
  "^HELIXFLOW LOG WARNING: 12 error lines $W15 \(0 new\) \| errors=12;0;50;0 .* bytes=0B;;;0$" -- chk -v

tb log truncate
tb log append 1 error
expect_check "truncated, then one error" 1 \
  "^HELIXFLOW LOG WARNING: 13 error lines $W15 \(1 new\) \(api-gateway.log: 1\) \| errors=13;0;50;0 " -- chk

tb log garbage
chk_saved() { chk "$@" >"$TB_DIR/last.out"; local rc=$?; cat "$TB_DIR/last.out"; return $rc; }
expect_check "binary garbage and a 1 MiB line" 1 \
  "^HELIXFLOW LOG WARNING: 14 error lines $W15 \(1 new\) \(api-gateway.log: 1\) \| errors=14;0;50;0 warnings=0;;;0 critical=0;0;0;0 $PERF_TAIL" -- chk_saved -v --lines 1
ok "the 1 MiB line is shown truncated to 512 bytes" \
  grep -qx 'api-gateway.log: A\{512\} \[truncated\]' "$TB_DIR/last.out"

tb log append 20 mixed
expect_check "mixed lines: the first critical line is CRITICAL" 2 \
  "^HELIXFLOW LOG CRITICAL: 1 critical line $W15 \(api-gateway.log: 1\) \| errors=17;0;50;0 warnings=4;;;0 critical=1;0;0;0 security=1;4;20;0 bytes=[0-9]+B;;;0$" -- chk
OUT=$TB_OUT
ok "mixed lines: the error lines warn in the long output" \
  grep -qxF "[WARNING] 17 error lines $W15 (3 new) (api-gateway.log: 3)" <<<"$OUT"
ok "the last matching lines follow in the long output (without -v)" \
  test "$(printf '%s\n' "$OUT" | grep -c '^api-gateway.log: ')" -ge 3

tb log append 4 security
expect_check "security events over 30 days (the critical line is still in its window)" 2 \
  "^HELIXFLOW LOG CRITICAL: 1 critical line $W15 \(0 new\) \| errors=21;0;50;0 warnings=8;;;0 critical=1;0;0;0 security=5;4;20;0 " -- chk
OUT=$TB_OUT
ok "security events over 30 days: the 5th warns" \
  grep -qxF "[WARNING] 5 security events in 30 days (4 new) (api-gateway.log: 4)" <<<"$OUT"
ok "security events over 30 days: the error lines too" \
  grep -qxF "[WARNING] 21 error lines $W15 (4 new) (api-gateway.log: 4)" <<<"$OUT"

SD2=$TB_DIR/check-state-2
expect_check "custom error regex (regex path): first run" 0 \
  "^HELIXFLOW LOG OK: 0 error lines $W15, first run" -- chk --state-dir "$SD2" --error-regex 'upstream.*50[0-9]'
tb log append 30 error
expect_check "custom error regex counts only its lines" 1 \
  "^HELIXFLOW LOG WARNING: [0-9]+ error lines? $W15 \(api-gateway.log: [0-9]+\) \| " -- chk --state-dir "$SD2" --error-regex 'upstream.*50[0-9]'
ok "regex path and default literals agree on the same bytes" bash -c \
  "n=\$(grep -ci 'error\\|fail\\|critical' '$HF_ROOT/var/log/helixflow/auth-service.log'); '$B' --root '$HF_ROOT' --state-dir '$TB_DIR/s3' --read-existing --log '$HF_ROOT/var/log/helixflow/auth-service.log' | grep -q \"errors=\$n;\" && '$B' --root '$HF_ROOT' --state-dir '$TB_DIR/s4' --read-existing --error-regex '(error)|fail|critical' --log '$HF_ROOT/var/log/helixflow/auth-service.log' | grep -q \"errors=\$n;\""
expect_check "custom thresholds (-w/-c: the error class)" 2 \
  "^HELIXFLOW LOG CRITICAL: 51 error lines $W15 \(30 new\) \(api-gateway.log: 30\), 1 critical line $W15 \(0 new\) \| errors=51;10;20;0 " -- chk -w 10 -c 20
expect_check "-w/-c set the error class only; --critical-critical the critical class" 1 \
  "^HELIXFLOW LOG WARNING: 1 critical line $W15 \(0 new\), 5 security events in 30 days \(0 new\) \| errors=51;100;1000;0 warnings=8;;;0 critical=1;0;1;0 security=5;4;20;0 " \
  -- chk -w 100 -c 1000 --critical-critical 1

for f in "$SD"/log-*.state; do printf 'garbage\n' >"$f"; done
expect_check "corrupt state file: warned, starts afresh" 1 \
  "^HELIXFLOW LOG WARNING: state file .*/log-[0-9a-f]+\.state line 1: malformed record; starting afresh \| " -- chk
expect_check "after a corrupt state file: back to normal (the window starts afresh too)" 0 \
  "^HELIXFLOW LOG OK: 0 error lines $W15 \| " -- chk

expect_exact "no file matches" 3 \
  "HELIXFLOW LOG UNKNOWN: no log file matches $HF_ROOT/nothing/*.log | errors=0;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --log "$HF_ROOT/nothing/*.log"

# One error line, then runs with nothing appended: it stays visible for the
# whole window (so Nagios' SOFT/HARD retries notify on it), in every run.
SD3=$TB_DIR/check-state-3
chk --state-dir "$SD3" >/dev/null
tb log append 1 error
expect_exact "one error line: WARNING" 1 \
  "HELIXFLOW LOG WARNING: 1 error line $W15 (api-gateway.log: 1) | errors=1;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=$(tail -n1 "$HF_ROOT/var/log/helixflow/api-gateway.log" | wc -c)B;;;0" \
  -- chk --state-dir "$SD3"
expect_exact "one error line, nothing appended: still WARNING (the window)" 1 \
  "HELIXFLOW LOG WARNING: 1 error line $W15 (0 new) | errors=1;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --state-dir "$SD3"
expect_exact "one error line, nothing appended, a third run: still WARNING" 1 \
  "HELIXFLOW LOG WARNING: 1 error line $W15 (0 new) | errors=1;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --state-dir "$SD3"
expect_exact "another window setting, the same state: the line counted once" 1 \
  "HELIXFLOW LOG WARNING: 1 error line in the last hour in 4 files (0 new) | errors=1;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --state-dir "$SD3" --window 3600
ok "windows and thresholds do not name the state file" test "$(ls "$SD3"/log-*.state | wc -l)" = 1

expect_exact "bad regex" 3 "HELIXFLOW LOG UNKNOWN: error pattern '(': Unmatched ( or \\(" -- chk --error-regex '('
expect_exact "bad --lines" 3 "HELIXFLOW LOG UNKNOWN: --lines: 'abc' is not a whole number from 0 to 1000" -- chk --lines abc
expect_exact "bad --window" 3 "HELIXFLOW LOG UNKNOWN: --window: '30' is not a whole number from 60 to 2678400" -- chk --window 30
expect_exact "bad range" 3 \
  "HELIXFLOW LOG UNKNOWN: --error-warning: invalid range '5:1': start 5 is greater than end 1" -- chk --error-warning 5:1
expect_exact "unknown option" 3 "HELIXFLOW LOG UNKNOWN: unknown option '--bogus'" -- chk --bogus
ok "usage line follows" bash -c "'$B' --bogus | sed -n 2p | grep -q '^Usage: check_helixflow_log \[--log GLOB\]'"

# A log replaced by a directory (last: it takes api-gateway.log away): a
# WARNING naming the path, never read; the entry it replaced is forgotten.
SD4=$TB_DIR/check-state-4
chk --state-dir "$SD4" >/dev/null
GW=$HF_ROOT/var/log/helixflow/api-gateway.log
rm -f "$GW" && mkdir "$GW"
expect_exact "a log replaced by a directory: WARNING naming it" 1 \
  "HELIXFLOW LOG WARNING: $GW: not a regular file (directory) | errors=0;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --state-dir "$SD4" -v
ok "the replaced log is reported vanished with -v" \
  grep -qxF "[OK] $GW: vanished (replaced by a directory)" <<<"$TB_OUT"
expect_exact "a log replaced by a directory: still WARNING the next run" 1 \
  "HELIXFLOW LOG WARNING: $GW: not a regular file (directory) | errors=0;0;50;0 warnings=0;;;0 critical=0;0;0;0 security=0;4;20;0 bytes=0B;;;0" \
  -- chk --state-dir "$SD4"

done_testing
