#!/bin/bash
# Integration: check_helixflow_backup against the test bed: fresh, a second
# backup (size change), old (2 days: WARNING), corrupt pages and a corrupt
# header (CRITICAL with SQLite's message), none (CRITICAL), the live database
# never taken for a backup, nothing created beside the backup, bad arguments.
. "$(dirname "$0")/lib.sh"

tb_up --no-writer
B=$(hf_bin check_helixflow_backup)
TB="$HF_TESTBED"
BK=$HF_ROOT/opt/helixflow/backups
chk() { "$B" --root "$HF_ROOT" "$@"; }
tb() { "$TB" "$1" "$TB_DIR" "${@:2}" >/dev/null; }
NAME='helixflow-[0-9]{8}-[0-9]{6}\.db'

expect_check "fresh backup" 0 \
  "^HELIXFLOW BACKUP OK: $NAME: 0\.0 hours old, [0-9]+ bytes, quick_check ok \| age=[0-9]+s;93600;180000;0 size=[0-9]+B;;;0$" -- chk
sleep 1
tb backup fresh
expect_check "second backup: size change against the previous" 0 \
  "^HELIXFLOW BACKUP OK: $NAME: 0\.0 hours old, [0-9]+ bytes \([+-][0-9]+\.[0-9]% vs previous\), quick_check ok \| age=[0-9]+s;93600;180000;0 size=[0-9]+B;;;0 size_change=-?[0-9.]+%;-50:$" -- chk

# --- the quick_check verdict is kept between runs: one state file per
# configuration (<state-dir>/backup-<identity>.state), ending in its end marker
SD=$HF_ROOT/var/lib/helixflow-monitoring
SF=$(ls "$SD"/backup-*.state)
ok "one state file, sealed" test "$(wc -w <<<"$SF")" = 1 -a -n "$(tail -n1 "$SF" | grep -E '^end [0-9a-f]{16}$')"
expect_check "an unchanged backup: its verdict is kept" 0 "^HELIXFLOW BACKUP OK: " -- chk -v
ok "... -v says so" grep -qE "^\[OK\] $NAME: quick_check ok \(the verdict kept for this unchanged file\)$" <<<"$TB_OUT"
head -n1 "$SF" >"$SF.cut" && mv "$SF.cut" "$SF"
expect_check "WARNING: a truncated state file, and quick_check runs again" 1 \
  "^HELIXFLOW BACKUP WARNING: $SF: truncated or not a state file \(no end marker\); starting afresh \| age=[0-9]+s;93600;180000;0 " -- chk -v
ok "... quick_check ran" grep -qE "^\[OK\] $NAME: quick_check ok$" <<<"$TB_OUT"
expect_check "... written again: OK" 0 "^HELIXFLOW BACKUP OK: " -- chk
printf 'garbage\001\377%.0s' {1..30} >"$SF"
expect_check "WARNING: a garbage state file" 1 \
  "^HELIXFLOW BACKUP WARNING: $SF: truncated or not a state file \(no end marker\); starting afresh \| " -- chk
rm -f "$SF"
mkdir "$SF"
expect_check "WARNING: a directory where the state file belongs: moved aside, the file rebuilt" 1 \
  "^HELIXFLOW BACKUP WARNING: $SF: Is a directory; starting afresh \(the directory was moved aside to $SF\.unusable\) \| " -- chk
ok "... the state file is rebuilt beside it" test -f "$SF" -a -d "$SF.unusable"
rmdir "$SF.unusable"

tb backup none
tb backup fresh
tb backup old
expect_check "2 days old: WARNING (26 h < 48 h < 50 h)" 1 \
  "^HELIXFLOW BACKUP WARNING: $NAME is 48\.0 hours old \| age=1728[0-9]{2}s;93600;180000;0 size=[0-9]+B;;;0$" -- chk
expect_check "2 days old with --age-critical 40: CRITICAL" 2 \
  "^HELIXFLOW BACKUP CRITICAL: $NAME is 48\.0 hours old \| age=[0-9]+s;93600;144000;0 " -- chk --age-critical 40
expect_check "-w/-c set the age thresholds (hours)" 0 "^HELIXFLOW BACKUP OK: .* age=[0-9]+s;259200;360000;0 " -- chk -w 72 -c 100

before=$(ls -A "$BK" | wc -l)
tb backup corrupt
expect_check "corrupt pages: CRITICAL with SQLite's message" 2 \
  "^HELIXFLOW BACKUP CRITICAL: $NAME: (quick_check: |quick_check found [0-9]+\+? problems, first: [^;]+ \| |database disk image is malformed)" -- chk
ok "nothing created beside the backup" test "$(ls -A "$BK" | wc -l)" = "$before"
expect_check "corrupt backup with --no-quick-check: only the age" 1 \
  "^HELIXFLOW BACKUP WARNING: $NAME is 48\.0 hours old \| " -- chk --no-quick-check

tb backup corrupt-header
expect_check "not a database: CRITICAL naming the file" 2 \
  "^HELIXFLOW BACKUP CRITICAL: $NAME: file is not a database \| age=[0-9]+s;93600;180000;0 size=[0-9]+B;;;0$" -- chk

tb backup none
expect_exact "no backup: CRITICAL" 2 "HELIXFLOW BACKUP CRITICAL: no backup matches $BK/*.db" -- chk

live_before=$(ls -A "$HF_ROOT/opt/helixflow/data" | sort | tr '\n' ' ')
expect_exact "the live database is never a backup" 2 \
  "HELIXFLOW BACKUP CRITICAL: no backup matches $HF_ROOT/opt/helixflow/data/*.db (the live database is excluded)" \
  -- chk --backup-glob "$HF_ROOT/opt/helixflow/data/*.db"
ok "the live database directory is unchanged" \
  test "$(ls -A "$HF_ROOT/opt/helixflow/data" | sort | tr '\n' ' ')" = "$live_before"

tb backup fresh
truncate -s 0 "$(ls -1t "$BK"/*.db | head -n1)"
expect_check "empty backup: CRITICAL (--min-size 1)" 2 "^HELIXFLOW BACKUP CRITICAL: $NAME is 0 bytes \(minimum 1\) \| " -- chk

expect_exact "bad --shrink-warning" 3 \
  "HELIXFLOW BACKUP UNKNOWN: --shrink-warning: '150' is not a number from 0 to 100" -- chk --shrink-warning 150
expect_exact "bad --age-warning" 3 \
  "HELIXFLOW BACKUP UNKNOWN: --age-warning: invalid range 'abc': end bound 'abc' is not a finite number" -- chk --age-warning abc
expect_exact "bad --min-size" 3 "HELIXFLOW BACKUP UNKNOWN: --min-size: '-1' is not a number >= 0" -- chk --min-size -1
expect_exact "unknown option" 3 "HELIXFLOW BACKUP UNKNOWN: unknown option '--bogus'" -- chk --bogus
ok "usage line follows" bash -c "'$B' --bogus | sed -n 2p | grep -q '^Usage: check_helixflow_backup \[--backup-glob GLOB\]'"

done_testing
