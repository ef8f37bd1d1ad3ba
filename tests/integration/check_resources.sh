#!/bin/bash
# Integration: check_helixflow_resources against the test bed's deployment
# directory (statvfs is real). Memory, load and CPU come from a proc
# directory this script controls (copies of the real files, a calm
# loadavg, a CPU state sample) so the first lines can be pinned exactly;
# one smoke run uses the real /proc.
set -u
. "$(dirname "$0")/lib.sh"

CHECK=$(hf_bin check_helixflow_resources)
tb_up --no-writer
STATE=$TB_DIR/state-resources
P=$TB_DIR/proc
mkdir -p "$P" "$STATE"
DEPLOY=$HF_ROOT/opt/helixflow

# 16 GiB, 75 % used (MemAvailable based), 4 CPUs, load 0.40 -> 0.10 per core
cat >"$P/meminfo" <<'EOF'
MemTotal:       16777216 kB
MemFree:         1048576 kB
MemAvailable:    4194304 kB
Buffers:          524288 kB
Cached:          2097152 kB
SwapTotal:       2097152 kB
SwapFree:        2097152 kB
EOF
echo "0.40 0.30 0.20 2/300 4242" >"$P/loadavg"
cat >"$P/stat" <<'EOF'
cpu  3000 0 1000 6000 0 0 0 0 0 0
cpu0 750 0 250 1500 0 0 0 0 0 0
cpu1 750 0 250 1500 0 0 0 0 0 0
cpu2 750 0 250 1500 0 0 0 0 0 0
cpu3 750 0 250 1500 0 0 0 0 0 0
intr 0
btime 1700000000
EOF
res() { "$CHECK" --root "$HF_ROOT" --state-dir "$STATE" --proc "$P" "$@"; }

# The state file: one per configuration (<kind>-<identity>.state), ending in
# the end marker "end <FNV-1a 64 of what precedes, 16 hex>" (hf_seal_append).
seal() {
    python3 -c 'import sys
b = sys.argv[1].encode()
h = 0xcbf29ce484222325
for c in b:
    h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
sys.stdout.write(sys.argv[1] + "end %016x\n" % h)' "$1"
}
res >/dev/null                  # a first run names the state file
SF=$(ls "$STATE"/resources-*.state)
ok "one state file for this configuration" test "$(wc -w <<<"$SF")" = 1
# the previous run's sample: 1000 jiffies ago, 400 of them idle -> 60 % busy
prev() { seal $'cpu 9000 5600\n' >"$SF"; }
PCT='[0-9]+(\.[0-9]+)?'
D="[0-9]+\.[0-9]"
PERF="disk_used_pct=${PCT}%;80;90;0;100 disk_used=[0-9]+B;;;0;[0-9]+ inodes_used_pct=${PCT}%;80;90;0;100 mem_used_pct=75%;90;95;0;100 mem_used=12884901888B;;;0;17179869184 swap_used=0B;;;0;2147483648 load1=0.4;;;0 load5=0.3;;;0 load15=0.2;;;0 load1_per_core=0.1;2;4;0 cpu_busy_pct=60%;80;95;0;100"

# --- OK with the default thresholds
prev
expect_check "OK: defaults" 0 \
    "^HELIXFLOW RESOURCES OK: disk ${D}%, inodes ${D}%, memory 75\.0%, load 0\.10/core, cpu 60\.0% \| ${PERF}$" -- res
prev
expect_check "OK: verbose lists every metric" 0 "^HELIXFLOW RESOURCES OK: " -- res -v
out=$TB_OUT
ok "disk line names the deployment dir" grep -qE "^\[OK\] disk ${D}% used on $DEPLOY$" <<<"$out"
ok "memory line" grep -qx "\[OK\] memory 75.0% used" <<<"$out"
ok "load line" grep -qx "\[OK\] load 0.10 per core (0.40 on 4 CPUs)" <<<"$out"
ok "cpu line" grep -qx "\[OK\] cpu 60.0% busy" <<<"$out"
ok "state file written" test "$(cat "$SF")" = "$(seal $'cpu 10000 6000\n')"

# --- first run (no state): CPU over a second sample 200 ms later; the fixed
# stat file does not move, so busy % stays unknown and is reported as such
rm -f "$SF"
expect_check "OK: no previous sample, cpu unknown" 0 \
    "^HELIXFLOW RESOURCES OK: disk ${D}%, inodes ${D}%, memory 75\.0%, load 0\.10/core, cpu unknown \| .* cpu_busy_pct=U;80;95;0;100$" -- res

# --- an unusable state file: one WARNING naming it, a fresh start (the second
# sample 200 ms later), and a sound file written again
echo "cpu 9000 5600" >"$SF"     # cut off before its end marker (or an older, unsealed one)
expect_check "WARNING: state file without its end marker" 1 \
    "^HELIXFLOW RESOURCES WARNING: $SF: truncated or not a state file \(no end marker\); starting afresh \| .* cpu_busy_pct=U;80;95;0;100$" -- res
ok "... written again, sealed" test "$(cat "$SF")" = "$(seal $'cpu 10000 6000\n')"
expect_check "... and the next run is OK" 0 "^HELIXFLOW RESOURCES OK: " -- res
printf 'cpu 9000 5600\nend 0000000000000000\n' >"$SF"
expect_check "WARNING: state file damaged (checksum)" 1 \
    "^HELIXFLOW RESOURCES WARNING: $SF: damaged \(checksum mismatch\); starting afresh \| " -- res
printf 'garbage\001\377%.0s' {1..30} >"$SF"
expect_check "WARNING: garbage state file" 1 \
    "^HELIXFLOW RESOURCES WARNING: $SF: truncated or not a state file \(no end marker\); starting afresh \| " -- res
ok "... written again, sealed" test "$(cat "$SF")" = "$(seal $'cpu 10000 6000\n')"
rm -f "$SF"
mkdir "$SF"
expect_check "WARNING: a directory where the state file belongs: moved aside, the file rebuilt" 1 \
    "^HELIXFLOW RESOURCES WARNING: $SF: Is a directory; starting afresh \(the directory was moved aside to $SF\.unusable\) \| " -- res -v
ok "... the check still evaluated" grep -qx "\[OK\] memory 75.0% used" <<<"$TB_OUT"
ok "... the state file is rebuilt beside it" test -f "$SF" -a -d "$SF.unusable"
rm -f "$SF"; rmdir "$SF.unusable"

# --- WARNING / CRITICAL by thresholds below the current usage
prev
expect_check "WARNING: --disk-warning 0" 1 \
    "^HELIXFLOW RESOURCES WARNING: disk ${D}% used on $DEPLOY \(warning > 0\) \| disk_used_pct=${PCT}%;0;90;0;100 " \
    -- res --disk-warning 0
prev
expect_check "CRITICAL: --disk-critical 0" 2 \
    "^HELIXFLOW RESOURCES CRITICAL: disk ${D}% used on $DEPLOY \(critical > 0\) \| disk_used_pct=${PCT}%;80;0;0;100 " \
    -- res --disk-critical 0
prev
expect_check "WARNING: --inode-warning 0" 1 \
    "^HELIXFLOW RESOURCES WARNING: inodes ${D}% used on $DEPLOY \(warning > 0\) \| " -- res --inode-warning 0
prev
expect_check "WARNING: --mem-warning 70" 1 \
    "^HELIXFLOW RESOURCES WARNING: memory 75\.0% used \(warning > 70\) \| .* mem_used_pct=75%;70;95;0;100 " \
    -- res --mem-warning 70
prev
expect_check "CRITICAL: --mem-critical @70:80 (inside)" 2 \
    "^HELIXFLOW RESOURCES CRITICAL: memory 75\.0% used \(critical inside @70:80\) \| " -- res --mem-critical @70:80
prev
expect_check "CRITICAL: --load-critical 0.05" 2 \
    "^HELIXFLOW RESOURCES CRITICAL: load 0\.10 per core \(0\.40 on 4 CPUs\) \(critical > 0\.05\) \| " \
    -- res --load-critical 0.05
prev
expect_check "WARNING: --cpu-warning 50" 1 \
    "^HELIXFLOW RESOURCES WARNING: cpu 60\.0% busy \(warning > 50\) \| .* cpu_busy_pct=60%;50;95;0;100$" \
    -- res --cpu-warning 50
prev
expect_check "CRITICAL beats WARNING: memory critical, disk warning" 2 \
    "^HELIXFLOW RESOURCES CRITICAL: memory 75\.0% used \(critical > 50\) \| " \
    -- res --disk-warning 0 --mem-critical 50
ok "the warning in the long output" grep -qE "^\[WARNING\] disk ${D}% used on $DEPLOY \(warning > 0\)$" <<<"$TB_OUT"
prev
expect_check "--path: a missing directory falls back to its nearest parent" 0 \
    "^HELIXFLOW RESOURCES OK: " -- res --path "$DEPLOY/no/such/dir" --disk-warning 0: -v
ok "fs path is the parent" grep -qE "^\[OK\] disk ${D}% used on $DEPLOY$" <<<"$TB_OUT"

# --- the real /proc (values vary: any state but UNKNOWN, every perf label present)
before=$(ls "$STATE"/resources-*.state | wc -l)
_tb_run "$CHECK" --root "$HF_ROOT" --state-dir "$STATE"
real_rc=$TB_RC real_first=${TB_OUT%%$'\n'*}
ok "real /proc: a verdict, not UNKNOWN (exit $real_rc)" test "$real_rc" -le 2
ok "real /proc: another configuration, its own state file" test "$(ls "$STATE"/resources-*.state | wc -l)" = $((before + 1))
ok "real /proc: full perfdata" grep -qE \
    "^HELIXFLOW RESOURCES (OK|WARNING|CRITICAL): .* \| disk_used_pct=.* inodes_used_pct=.* mem_used_pct=.* load1_per_core=.* cpu_busy_pct=${PCT}%;80;95;0;100$" <<<"$real_first"

# --- UNKNOWN: missing --proc dir, malformed proc files, bad ranges / options
USAGE="Usage: check_helixflow_resources [--disk-warning R] [--disk-critical R] [--inode-warning R] [--inode-critical R] [--mem-warning R] [--mem-critical R] [--load-warning R] [--load-critical R] [--cpu-warning R] [--cpu-critical R] [--path DIR] [--proc DIR] [--root DIR] [--state-dir DIR] [-t SECONDS]"
expect_exact "UNKNOWN: missing --proc dir" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: cannot read resources: /nonexistent/proc/meminfo: No such file or directory" \
    -- "$CHECK" --root "$HF_ROOT" --state-dir "$STATE" --proc /nonexistent/proc
BAD=$TB_DIR/badproc
mkdir -p "$BAD"
cp "$P/loadavg" "$P/stat" "$BAD/"
printf 'MemTotal:  16777216 kB\nMemAvailable:  12x kB\n' >"$BAD/meminfo"
expect_exact "UNKNOWN: malformed meminfo names file and line" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: cannot read resources: $BAD/meminfo: line 2: malformed MemAvailable value" \
    -- res --proc "$BAD"
cp "$P/meminfo" "$BAD/"
echo "garbage" >"$BAD/loadavg"
expect_exact "UNKNOWN: malformed loadavg" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: cannot read resources: $BAD/loadavg: line 1: expected \"load1 load5 load15 running/total lastpid\"" \
    -- res --proc "$BAD"
expect_exact "UNKNOWN: inverted range" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: --disk-warning: invalid range '5:1': start 5 is greater than end 1" \
    -- res --disk-warning 5:1
ok "usage line after it" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
expect_check "UNKNOWN: junk range" 3 "^HELIXFLOW RESOURCES UNKNOWN: --cpu-critical: " -- res --cpu-critical abc
ok "usage line after it" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
expect_exact "UNKNOWN: -w is not used here" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: -w is not used by this check (see -h for its thresholds)" -- res -w 3
expect_exact "UNKNOWN: -c is not used here" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: -c is not used by this check (see -h for its thresholds)" -- res -c 3
expect_exact "UNKNOWN: relative --path" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: --path: 'opt' is not an absolute path" -- res --path opt
expect_exact "UNKNOWN: missing option value" 3 \
    "HELIXFLOW RESOURCES UNKNOWN: option '--mem-warning' needs a value" -- res --mem-warning

done_testing
