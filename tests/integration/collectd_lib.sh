# shellcheck shell=bash disable=SC2034  # CD_STATUS, CD_OUT: results for the callers
# tests/integration/collectd_lib.sh: run real collectd daemons in tests (bash).
#
#   . "$(dirname "$0")/collectd_lib.sh"     # also sources lib.sh (tb_up, ok, ...)
#   tb_up --rows 5000 --no-writer
#   cd_new c                                 # instance "c" under $CD_ROOT/c
#   { cd_conf_head c --interval 1           # Hostname, dirs, TypesDB, logfile,
#                                            # unixsock, csv, exec (NotificationExec)
#     cd_conf_ours c                         # PluginDir <temp> + LoadPlugin helixflow
#     cat <<EOF
#   <Plugin helixflow>
#     Root "$HF_ROOT"
#   </Plugin>
#   EOF
#   } >"$(cd_path c conf)"
#   cd_start c                               # collectd -f -C conf; waits until it reads
#   cd_ok "up" cd_wait_value c "$CD_HOST/helixflow-service-api-gateway/helixflow_bool-up" value 'v == 1'
#   cd_stop c
#   cd_done_testing
#
# Every instance NAME lives in $CD_ROOT/NAME (see cd_path). Every wait is a
# bounded poll (CD_POLL seconds between tries, a timeout per call, default
# CD_TIMEOUT) that prints what it waited for and what it saw when it gives
# up; nothing sleeps and hopes. collectd is stopped (TERM, bounded wait, then
# KILL) and $CD_ROOT removed at exit, before the test bed is torn down.
#
# Notifications are seen twice: collectd's `logfile` plugin logs each one
# synchronously in the dispatching thread ("Notification: severity = ..."),
# so a count from the log is exact once a later value has been read
# (cd_log_notifs); the `exec` plugin's NotificationExec runs a script as
# `nobody` (collectd's exec plugin refuses root) that stores each
# notification, headers and meta data included, in its own file in a
# directory only `nobody` can write (cd_notifs).

# shellcheck source=tests/integration/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${HF_SOURCE_DIR:=$(cd "$HF_LIB_DIR/../.." && pwd)}"
HF_BUILD_DIR=$(cd "$HF_BUILD_DIR" 2>/dev/null && pwd) || {
    echo "Bail out! build directory $HF_BUILD_DIR not found" >&2; exit 1; }
export HF_SOURCE_DIR HF_BUILD_DIR

CD_HOST=${CD_HOST:-hf-test}           # Hostname of every instance (identifiers are CD_HOST/...)
CD_STOCK_DIR=${CD_STOCK_DIR:-/usr/lib/collectd}
CD_TYPES_DB=${CD_TYPES_DB:-/usr/share/collectd/types.db}
HF_TYPES_DB=${HF_TYPES_DB:-$HF_SOURCE_DIR/plugins/collectd/helixflow-types.db}
HF_PLUGIN_SO=${HF_PLUGIN_SO:-$HF_BUILD_DIR/plugins/collectd/helixflow.so}
CD_TIMEOUT=${CD_TIMEOUT:-30}          # default bound of every wait, seconds
CD_POLL=${CD_POLL:-0.2}               # seconds between two tries of a wait
CD_ROOT=
CD_INSTANCES=()

# A sanitizer build of our plugin (HF_SANITIZE from meson: address,undefined)
# loads into the stock, uninstrumented collectd only with the sanitizer
# runtimes preloaded; leaks are then reported at collectd's exit (its own
# allocations included: none seen with 5.12), errors abort it.
CD_SAN_ENV=()
case ${HF_SANITIZE:-none} in
    *address*)
        CD_SAN_ENV=(env "LD_PRELOAD=$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
                    "ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}") ;;
esac
CD_STATUS=0 CD_OUT=            # set by cd_stop (exit status) and cd_ok (output)

for _cd_tool in collectd collectdctl python3 runuser; do
    command -v "$_cd_tool" >/dev/null 2>&1 || {
        echo "Bail out! $_cd_tool not found (scripts/deps installs it)" >&2; exit 1; }
done
[ -r "$CD_STOCK_DIR/unixsock.so" ] || {
    echo "Bail out! no stock collectd plugins in $CD_STOCK_DIR (collectd-core)" >&2; exit 1; }

# ---------------------------------------------------------------- cleanup

_cd_alive() { # PID: running and not a zombie
    local st
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

_cd_cleanup() {
    local n
    for n in "${CD_INSTANCES[@]}"; do
        cd_stop "$n" 20 >/dev/null 2>&1
    done
    if [ -n "$CD_ROOT" ] && [ -z "${CD_KEEP:-}" ]; then
        rm -rf "$CD_ROOT"
    elif [ -n "$CD_ROOT" ]; then
        echo "# CD_KEEP: collectd files kept in $CD_ROOT" >&2
    fi
    CD_ROOT=
    _tb_cleanup
}

_cd_traps() {
    trap '_cd_cleanup' EXIT
    trap '_cd_cleanup; exit 130' INT
    trap '_cd_cleanup; exit 143' TERM
}

# lib.sh's tb_up sets its own traps: keep ours (which call _tb_cleanup too)
eval "_cd_lib_tb_up() $(declare -f tb_up | sed 1d)"
tb_up() { _cd_lib_tb_up "$@"; _cd_traps; }

# cd_init: $CD_ROOT (0755, so `nobody` can reach the notification script)
cd_init() {
    [ -n "$CD_ROOT" ] && return 0
    CD_ROOT=$(mktemp -d "${TMPDIR:-/tmp}/hf-collectd.XXXXXX") || {
        echo "Bail out! mktemp failed" >&2; exit 1; }
    chmod 0755 "$CD_ROOT"
    _cd_traps
}

# ---------------------------------------------------------------- instances

# cd_path NAME WHAT: conf sock log out csv notify plugins state dir
cd_path() {
    local d=$CD_ROOT/$1
    case $2 in
        dir) echo "$d" ;;
        conf) echo "$d/collectd.conf" ;;
        sock) echo "$d/sock" ;;
        log) echo "$d/collectd.log" ;;      # the logfile plugin's file
        out) echo "$d/collectd.out" ;;      # collectd's stdout/stderr (before logfile is up)
        csv) echo "$d/csv" ;;
        notify) echo "$d/notify" ;;         # one file per notification (NotificationExec)
        plugins) echo "$d/plugins" ;;       # our PluginDir: a copy of helixflow.so
        state) echo "$d/state" ;;           # a StateDir for the plugin (0700, root)
        pid) echo "$d/ctl.pid" ;;           # pid of the collectd we started
        *) echo "Bail out! cd_path: unknown $2" >&2; exit 1 ;;
    esac
}

# cd_new NAME: fresh directory for instance NAME
cd_new() {
    cd_init
    local n=$1 d
    d=$(cd_path "$n" dir)
    [ -e "$d" ] && { echo "Bail out! cd_new: instance $n exists" >&2; exit 1; }
    mkdir -p "$d" "$d/csv" "$d/plugins" "$d/notify" "$d/state"
    chmod 0755 "$d"
    chmod 0700 "$d/state"
    # NotificationExec target: run as nobody; the directory only nobody writes
    chown nobody "$d/notify"
    chmod 0700 "$d/notify"
    # (env -u: in the sanitizer build collectd's LD_PRELOAD must not reach the script)
    cat >"$d/notify.sh" <<'EOF'
#!/usr/bin/env -S -u LD_PRELOAD /bin/sh
# NotificationExec: store the notification (stdin) in its own file, atomically
t=$(mktemp "$1/.tmp.XXXXXX") || exit 1
cat >"$t" || exit 1
mv "$t" "$1/n.${t##*/.tmp.}"
EOF
    chmod 0755 "$d/notify.sh"
    if ! runuser -u nobody -- test -w "$d/notify" -a -x "$d/notify.sh"; then
        echo "Bail out! user nobody cannot reach $d/notify (a parent of TMPDIR not searchable?)" >&2
        exit 1
    fi
    CD_INSTANCES+=("$n")
}

# cd_conf_head NAME [--interval S] [--read-threads N] [--host H] [--no-exec]
#   prints the common head of a config: globals, TypesDB (stock + ours when
#   present), logfile (first, so load errors land in the log), unixsock, csv,
#   exec with the NotificationExec script. PluginDir is the stock one after it.
cd_conf_head() {
    local n=$1 interval=1 threads=2 host=$CD_HOST exec=1
    shift
    while [ $# -gt 0 ]; do
        case $1 in
            --interval) interval=$2; shift 2 ;;
            --read-threads) threads=$2; shift 2 ;;
            --host) host=$2; shift 2 ;;
            --no-exec) exec=0; shift ;;
            *) echo "Bail out! cd_conf_head: unknown option $1" >&2; exit 1 ;;
        esac
    done
    local d
    d=$(cd_path "$n" dir)
    local types="\"$CD_TYPES_DB\""
    [ -r "$HF_TYPES_DB" ] && types="$types \"$HF_TYPES_DB\""
    cat <<EOF
# generated by tests/integration/collectd_lib.sh for instance $n
Hostname "$host"
FQDNLookup false
BaseDir "$d"
PIDFile "$d/collectd.pid"
Interval $interval
ReadThreads $threads
WriteThreads 1
TypesDB $types
PluginDir "$CD_STOCK_DIR"

LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$d/collectd.log"
  Timestamp true
  PrintSeverity true
</Plugin>

LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$d/sock"
  SocketGroup "root"
  SocketPerms "0600"
</Plugin>

LoadPlugin csv
<Plugin csv>
  DataDir "$d/csv"
  StoreRates false
</Plugin>
EOF
    if [ $exec = 1 ]; then
        cat <<EOF

LoadPlugin exec
<Plugin exec>
  NotificationExec "nobody" "$d/notify.sh" "$d/notify"
</Plugin>
EOF
    fi
}

# cd_conf_ours NAME: loads our plugin (a copy in the instance's PluginDir:
# collectd refuses symlinks) and sets PluginDir back to the stock one.
# The <Plugin helixflow> block is the caller's.
cd_conf_ours() {
    local p
    p=$(cd_path "$1" plugins)
    if [ ! -r "$HF_PLUGIN_SO" ]; then
        echo "Bail out! $HF_PLUGIN_SO not built" >&2
        exit 1
    fi
    cp "$HF_PLUGIN_SO" "$p/helixflow.so"
    printf '\nPluginDir "%s"\nLoadPlugin helixflow\nPluginDir "%s"\n' "$p" "$CD_STOCK_DIR"
}

# cd_start NAME [--timeout S] [-- WRAPPER...]: starts `WRAPPER collectd -f -C conf`
# in the background and waits until the read loop runs and unixsock answers.
# Returns 1 (after printing why and the log's tail) if it does not.
cd_start() {
    local n=$1 timeout=$CD_TIMEOUT
    shift
    local wrap=()
    while [ $# -gt 0 ]; do
        case $1 in
            --timeout) timeout=$2; shift 2 ;;
            --) shift; wrap=("$@"); break ;;
            *) echo "Bail out! cd_start: unknown option $1" >&2; exit 1 ;;
        esac
    done
    local conf log out sock pidf
    conf=$(cd_path "$n" conf) log=$(cd_path "$n" log) out=$(cd_path "$n" out)
    sock=$(cd_path "$n" sock) pidf=$(cd_path "$n" pid)
    if [ -s "$pidf" ] && _cd_alive "$(cat "$pidf")"; then
        echo "# cd_start $n: already running" >&2
        return 1
    fi
    # a restart appends to the same log: readiness is judged on the new part
    local mark=0
    [ -f "$log" ] && mark=$(wc -l <"$log")
    echo "# ---- start $(date -u '+%F %T') (log line $mark)" >>"$out"
    "${wrap[@]}" "${CD_SAN_ENV[@]}" collectd -f -C "$conf" </dev/null >>"$out" 2>&1 &
    local pid=$!
    echo "$pid" >"$pidf"
    local deadline
    deadline=$(_cd_deadline "$timeout")
    while :; do
        if ! _cd_alive "$pid"; then
            wait "$pid" 2>/dev/null
            echo "# cd_start $n: collectd exited ($?) before its read loop started"
            cd_diag "$n"
            return 1
        fi
        if [ -f "$log" ] && tail -n +"$((mark + 1))" "$log" | grep -q 'Initialization complete, entering read-loop' \
           && [ -S "$sock" ] && _cd_sock "$sock" LISTVAL >/dev/null 2>&1; then
            return 0
        fi
        if _cd_past "$deadline"; then
            echo "# cd_start $n: not ready after ${timeout}s (no 'Initialization complete' or no answer on $sock)"
            cd_diag "$n"
            return 1
        fi
        sleep "$CD_POLL"
    done
}

# cd_stop NAME [TIMEOUT]: TERM, wait up to TIMEOUT (default CD_TIMEOUT) for the
# exit, then KILL. Sets CD_STATUS to collectd's exit status; returns 1 if it
# had to be killed. A no-op (status 0) when NAME is not running.
cd_stop() {
    local n=$1 timeout=${2:-$CD_TIMEOUT} pidf pid
    pidf=$(cd_path "$n" pid)
    CD_STATUS=0
    [ -s "$pidf" ] || return 0
    pid=$(cat "$pidf")
    if _cd_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null
        local deadline
        deadline=$(_cd_deadline "$timeout")
        while _cd_alive "$pid" && ! _cd_past "$deadline"; do sleep "$CD_POLL"; done
        if _cd_alive "$pid"; then
            echo "# cd_stop $n: collectd $pid still running ${timeout}s after TERM: KILL"
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            CD_STATUS=137
            rm -f "$pidf"
            return 1
        fi
    fi
    wait "$pid" 2>/dev/null
    CD_STATUS=$?
    rm -f "$pidf"
    return 0
}

# cd_running NAME: the collectd we started for NAME is alive
cd_running() {
    local pidf
    pidf=$(cd_path "$1" pid)
    [ -s "$pidf" ] && _cd_alive "$(cat "$pidf")"
}

# cd_pid NAME
cd_pid() { cat "$(cd_path "$1" pid)"; }

# ---------------------------------------------------------------- time, polls

_cd_now() { date +%s.%N; }
_cd_deadline() { awk -v n="$(_cd_now)" -v t="$1" 'BEGIN { printf "%.3f\n", n + t }'; }
_cd_past() { awk -v n="$(_cd_now)" -v d="$1" 'BEGIN { exit !(n >= d) }'; }
_cd_gt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# cd_now: the wall clock as collectd stamps values (epoch seconds, fraction)
cd_now() { _cd_now; }

# cd_poll TIMEOUT WHAT CMD...: runs CMD until it succeeds or TIMEOUT passes;
# on timeout prints "timed out after TIMEOUT s waiting for WHAT" and CMD's
# last output, returns 1.
cd_poll() {
    local timeout=$1 what=$2 deadline out
    shift 2
    deadline=$(_cd_deadline "$timeout")
    while :; do
        if out=$("$@" 2>&1); then
            [ -n "$out" ] && printf '%s\n' "$out"
            return 0
        fi
        if _cd_past "$deadline"; then
            echo "timed out after ${timeout}s waiting for $what"
            [ -n "$out" ] && printf '%s\n' "$out" | head -n 20 | sed 's/^/  last try: /'
            return 1
        fi
        sleep "$CD_POLL"
    done
}

# ---------------------------------------------------------------- unixsock

# _cd_sock SOCK COMMAND: one unixsock command; prints the answer's lines
# (status line removed); exits 1 with the server's message on an error status
_cd_sock() {
    python3 - "$1" "$2" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rwb")
f.write(sys.argv[2].encode() + b"\n")
f.flush()
head = f.readline().decode(errors="replace").rstrip("\n")
num, _, msg = head.partition(" ")
try:
    n = int(num)
except ValueError:
    print("bad answer: " + head, file=sys.stderr)
    sys.exit(1)
if n < 0:
    print("error: " + msg, file=sys.stderr)
    sys.exit(1)
for _ in range(n):
    sys.stdout.write(f.readline().decode(errors="replace"))
EOF
}

# cd_sock NAME COMMAND: raw unixsock command (e.g. 'PUTNOTIF ...', 'LISTVAL')
cd_sock() { _cd_sock "$(cd_path "$1" sock)" "$2"; }

# cd_ctl NAME ARGS...: collectdctl on NAME's socket
cd_ctl() { collectdctl -s "$(cd_path "$1" sock)" "${@:2}"; }

# cd_listval NAME: identifiers, one a line, sorted (collectdctl listval)
cd_listval() { cd_ctl "$1" listval | sort; }

# cd_time NAME IDENT: time of IDENT's last value (epoch s), from LISTVAL
cd_time() {
    cd_sock "$1" LISTVAL | awk -v id="$2" '$2 == id { print $1; f = 1 } END { exit !f }'
}

# cd_getval NAME IDENT [FIELD]: one field (default: the only / first one) of
# IDENT's cached value, as collectdctl prints it (1.000000e+00, nan)
cd_getval() {
    local out
    out=$(cd_ctl "$1" getval "$2" 2>&1) || { echo "getval $2: ${out:-failed}"; return 1; }
    if [ -n "${3:-}" ]; then
        printf '%s\n' "$out" | awk -F= -v f="$3" '$1 == f { print $2; ok = 1 } END { exit !ok }' ||
            { echo "getval $2: no field $3 in: $out"; return 1; }
    else
        printf '%s\n' "$out" | awk -F= 'NR == 1 { print $2 }'
    fi
}

# _cd_test VALUE COND: awk condition on v (number) and nan (1 when NaN)
_cd_test() {
    awk -v s="$1" "BEGIN { nan = (tolower(s) ~ /^[-+]?nan\$/); v = nan ? 0 : s + 0; exit !($2) }"
}

_cd_value_is() { # NAME IDENT FIELD COND: prints the value; 0 when COND holds
    local v
    v=$(cd_getval "$1" "$2" "$3") || { echo "$v"; return 1; }
    echo "$2 $3=$v"
    _cd_test "$v" "$4"
}

# cd_wait_listed NAME IDENT [TIMEOUT]: until IDENT has a value
cd_wait_listed() {
    cd_poll "${3:-$CD_TIMEOUT}" "$2 in listval of $1" cd_time "$1" "$2" >/dev/null ||
        { echo "timed out after ${3:-$CD_TIMEOUT}s waiting for $2 in listval of $1"; _cd_similar "$1" "$2"; return 1; }
}

_cd_similar() { # NAME IDENT: what listval has for IDENT's plugin
    local p=${2#*/}
    p=${p%%/*}
    p=${p%%-*}
    echo "  listval has for plugin $p:"
    cd_listval "$1" 2>&1 | grep -F "/$p" | head -n 40 | sed 's/^/    /'
}

# cd_wait_value NAME IDENT FIELD COND [TIMEOUT]: until FIELD of IDENT
# satisfies the awk condition COND on v (e.g. 'v == 1', 'v > 0 && !nan',
# 'nan'); prints the last value seen
cd_wait_value() {
    local t=${5:-$CD_TIMEOUT}
    cd_poll "$t" "$2 $3 with ($4) on $1" _cd_value_is "$1" "$2" "$3" "$4" || {
        _cd_similar "$1" "$2"; return 1; }
}

_cd_newer() { # NAME IDENT AFTER
    local t
    t=$(cd_time "$1" "$2") || { echo "$2 not in listval"; return 1; }
    _cd_gt "$t" "$3" && { echo "$t"; return 0; }
    echo "$2 last at $t, not after $3"
    return 1
}

# cd_wait_update NAME IDENT AFTER [TIMEOUT]: until IDENT has a value stamped
# after AFTER (epoch s); prints that time
cd_wait_update() {
    cd_poll "${4:-$CD_TIMEOUT}" "a value of $2 after $3 on $1" _cd_newer "$1" "$2" "$3"
}

# cd_wait_reads NAME IDENT K [TIMEOUT]: until K more values of IDENT were
# dispatched after now (so K read callbacks ran to their end); prints the
# last time. A value stamped after T comes from a read that started after
# T only from the second one on, so K=2 means "a whole read since now".
cd_wait_reads() {
    local t i
    t=$(cd_now)
    for ((i = 0; i < $3; i++)); do
        t=$(cd_wait_update "$1" "$2" "$t" "${4:-$CD_TIMEOUT}") || { echo "$t"; return 1; }
    done
    echo "$t"
}

# ---------------------------------------------------------------- csv
# The unixsock cache (getval) holds a DERIVE or COUNTER value as its rate
# per second; the csv plugin (StoreRates false) writes what was dispatched.

# cd_csv NAME IDENT: "time,value" lines of IDENT's csv files, oldest first
cd_csv() {
    local rest=${2#*/} d f
    d=$(cd_path "$1" csv)/${2%%/*}/${rest%%/*}
    for f in "$d/${rest#*/}"-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]; do
        [ -f "$f" ] && grep -E '^[0-9]' "$f"
    done
}

_cd_csv_newer() { # NAME IDENT AFTER
    cd_csv "$1" "$2" | awk -F, -v t="$3" '$1 > t { print $1, $2; f = 1; exit } END { exit !f }' && return 0
    echo "no csv line of $2 after $3 (last: $(cd_csv "$1" "$2" | tail -n 1))"
    return 1
}

# cd_wait_csv NAME IDENT AFTER [TIMEOUT]: until IDENT's csv file has a line
# stamped after AFTER; prints the first such "time value"
cd_wait_csv() {
    cd_poll "${4:-$CD_TIMEOUT}" "a csv line of $2 after $3 on $1" _cd_csv_newer "$1" "$2" "$3"
}

# cd_fresh NAME AFTER TIMEOUT IDENT...: waits until every IDENT was read by
# a read callback that began after AFTER (epoch s), then prints "IDENT VALUE"
# for each (the first field; nan as collectd prints it). A value stamped
# after AFTER may come from a read that began before it: each IDENT is
# waited for twice (a value after AFTER, then a later one: the read after
# the one that dispatched the first began after it). DERIVE and COUNTER
# values (by the TypesDB files) come from the csv files (unixsock holds
# their rates), others from unixsock (GETVAL). One poll loop for all.
cd_fresh() {
    local types="$CD_TYPES_DB"
    [ -r "$HF_TYPES_DB" ] && types="$types:$HF_TYPES_DB"
    python3 - "$(cd_path "$1" sock)" "$(cd_path "$1" csv)" "$types" "$2" "$3" "$CD_POLL" "${@:4}" <<'EOF'
import glob, os, socket, sys, time
sock, csvdir, types, after, timeout, poll = sys.argv[1:7]
ids = sys.argv[7:]
after, timeout, poll = float(after), float(timeout), float(poll)
counter = set()
for f in types.split(":"):
    for line in open(f):
        w = line.split()
        if len(w) >= 2 and not w[0].startswith("#") and any(":DERIVE:" in x or ":COUNTER:" in x for x in w[1:]):
            counter.add(w[0])

def cmd(c):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(sock)
    f = s.makefile("rwb")
    f.write(c.encode() + b"\n"); f.flush()
    head = f.readline().decode().rstrip("\n")
    n = int(head.split(" ", 1)[0])
    lines = [f.readline().decode().rstrip("\n") for _ in range(max(n, 0))]
    s.close()
    return n, head, lines

def csv_lines(ident):
    host, pi, ti = ident.split("/")
    out = []
    for p in sorted(glob.glob(os.path.join(csvdir, host, pi, ti + "-[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"))):
        for line in open(p):
            if line[:1].isdigit():
                t, v = line.rstrip("\n").split(",", 1)
                out.append((float(t), v.split(",")[0]))
    return out

def is_counter(ident):
    return ident.split("/")[2].split("-", 1)[0] in counter

first, fresh = {}, {}
deadline = time.time() + timeout
while True:
    _, _, lines = cmd("LISTVAL")
    stamp = {}
    for line in lines:
        t, ident = line.split(" ", 1)
        stamp[ident] = float(t)
    for ident in ids:
        if ident in fresh:
            continue
        if is_counter(ident):
            ts = [x for x in csv_lines(ident) if x[0] > after]
            if ident not in first and ts:
                first[ident] = ts[0][0]
            if ident in first:
                later = [x for x in ts if x[0] > first[ident]]
                if later:
                    fresh[ident] = later[0][1]
        else:
            t = stamp.get(ident)
            if t is None or t <= after:
                continue
            if ident not in first:
                first[ident] = t
            elif t > first[ident]:
                n, head, got = cmd("GETVAL " + ident)
                if n >= 1:
                    fresh[ident] = got[0].split("=", 1)[1]
    if len(fresh) == len(ids):
        break
    if time.time() > deadline:
        print(f"timed out after {timeout:g}s waiting for values read after {after}:")
        for ident in ids:
            if ident not in fresh:
                state = "a value after it, not a second one" if ident in first else "no value after it"
                print(f"  {ident}: {state} (listval time {stamp.get(ident)})")
        sys.exit(1)
    time.sleep(poll)
for ident in ids:
    print(ident, fresh[ident])
EOF
}

# ---------------------------------------------------------------- logs, notifications

# cd_log NAME: collectd's log (logfile plugin) and its stdout/stderr
cd_log() {
    local f
    for f in "$(cd_path "$1" out)" "$(cd_path "$1" log)"; do
        [ -f "$f" ] && cat "$f"
    done
}

# cd_log_grep NAME ERE: matching lines (grep -E); 1 when none
cd_log_grep() { cd_log "$1" | grep -E -- "$2"; }

# cd_log_count NAME ERE: number of matching lines
cd_log_count() { cd_log "$1" | grep -c -E -- "$2"; }

# cd_log_notifs NAME [ERE]: "Notification: ..." lines the logfile plugin
# wrote (synchronously, at dispatch), optionally filtered
cd_log_notifs() {
    cd_log_grep "$1" 'Notification: severity = ' | grep -E -- "${2:-.}"
}

# cd_notifs NAME [KEY=VALUE...]: notifications NotificationExec stored, one
# a line, oldest first: tab-separated KEY=VALUE fields in the order received
# (Severity, Time, Host, Plugin, PluginInstance, Type, TypeInstance, meta
# data...), then Message=TEXT. Only those whose fields equal every KEY=VALUE
# given (Message included).
cd_notifs() {
    local d
    d=$(cd_path "$1" notify)
    shift
    local files=()
    local f
    for f in "$d"/n.*; do [ -f "$f" ] && files+=("$f"); done
    [ ${#files[@]} -eq 0 ] && return 0
    local filt
    filt=$(printf '%s\n' "$@")
    awk -v filt="$filt" '
        function flush() {
            if (!have) return
            rec = rec "\tMessage=" msg
            f["Message"] = msg
            good = 1
            for (i = 1; i <= nf; i++) {
                k = fk[i]; if (!(k in f) || f[k] != fv[i]) good = 0
            }
            if (good) print f["Time"] "\t" substr(rec, 2)
            have = 0
        }
        BEGIN {
            nf = 0
            n = split(filt, a, "\n")
            for (i = 1; i <= n; i++) {
                if (a[i] == "") continue
                p = index(a[i], "="); nf++
                fk[nf] = substr(a[i], 1, p - 1); fv[nf] = substr(a[i], p + 1)
            }
        }
        FNR == 1 { flush(); have = 1; hdr = 1; rec = ""; msg = ""; delete f }
        hdr && $0 == "" { hdr = 0; next }
        hdr {
            p = index($0, ": ")
            k = substr($0, 1, p - 1); v = substr($0, p + 2)
            f[k] = v; rec = rec "\t" k "=" v
            next
        }
        { msg = (msg == "") ? $0 : msg "\\n" $0 }
        END { flush() }
    ' "${files[@]}" | sort -t "$(printf '\t')" -k1,1n -s | cut -f2-
}

_cd_notif_count_is() { # NAME N KEY=VALUE...
    local n=$2 got all
    all=$(cd_notifs "$1" "${@:3}")
    got=$(printf '%s' "$all" | grep -c '^')
    [ "$got" -ge "$n" ] && { printf '%s\n' "$all"; return 0; }
    echo "$got notification(s) matching ${*:3}"
    return 1
}

# cd_wait_notifs NAME N [KEY=VALUE...] [--timeout S]: until at least N
# stored notifications match; prints them
cd_wait_notifs() {
    local n=$1 k=$2 t=$CD_TIMEOUT
    shift 2
    local filt=()
    while [ $# -gt 0 ]; do
        case $1 in
            --timeout) t=$2; shift 2 ;;
            *) filt+=("$1"); shift ;;
        esac
    done
    cd_poll "$t" "$k notification(s) ${filt[*]} on $n" _cd_notif_count_is "$n" "$k" "${filt[@]}" || {
        echo "  all notifications stored:"
        cd_notifs "$n" | sed 's/^/    /'
        return 1
    }
}

# cd_putnotif NAME ARGS: a notification through unixsock (PUTNOTIF ARGS)
cd_putnotif() { cd_sock "$1" "PUTNOTIF $2"; }

# ---------------------------------------------------------------- ports, reports

# cd_free_port [tcp|udp]: a loopback port the kernel had free just now
cd_free_port() {
    python3 - "${1:-tcp}" <<'EOF'
import socket, sys
t = socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM
s = socket.socket(socket.AF_INET, t)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}

# cd_diag NAME: the tail of NAME's log, '#'-prefixed
cd_diag() {
    echo "# collectd $1 log (last 40 lines):"
    cd_log "$1" | tail -n 40 | sed 's/^/#   /'
}

# cd_ok NAME CMD...: ok/not ok on CMD's exit status; on failure CMD's output
# (stdout and stderr) follows as '#' lines
cd_ok() {
    local name=$1 out rc
    shift
    out=$("$@" 2>&1)
    rc=$?
    TB_N=$((TB_N + 1))
    if [ $rc = 0 ]; then
        TB_PASSED=$((TB_PASSED + 1))
        echo "ok - $name"
    else
        TB_FAILED=$((TB_FAILED + 1))
        echo "not ok - $name"
        printf '%s\n' "$out" | head -n 60 | sed 's/^/#   /'
    fi
    CD_OUT=$out
    return $rc
}

# cd_is NAME GOT WANT: string equality
cd_is() {
    TB_N=$((TB_N + 1))
    if [ "$2" = "$3" ]; then
        TB_PASSED=$((TB_PASSED + 1))
        echo "ok - $1"
        return 0
    fi
    TB_FAILED=$((TB_FAILED + 1))
    echo "not ok - $1"
    printf '#   got:  %s\n' "$2"
    printf '#   want: %s\n' "$3"
    return 1
}

# cd_num NAME GOT COND: awk condition on v / nan (see cd_wait_value)
cd_num() {
    TB_N=$((TB_N + 1))
    if _cd_test "$2" "$3"; then
        TB_PASSED=$((TB_PASSED + 1))
        echo "ok - $1"
        return 0
    fi
    TB_FAILED=$((TB_FAILED + 1))
    echo "not ok - $1"
    printf '#   got %s, want %s\n' "$2" "$3"
    return 1
}

# cd_done_testing: done_testing, with every instance's log tail when
# something failed
cd_done_testing() {
    local n
    if [ "$TB_FAILED" != 0 ]; then
        for n in "${CD_INSTANCES[@]}"; do cd_diag "$n"; done
    fi
    done_testing
}
