#!/bin/bash
# Integration: our state files are safe in a shared directory. Another user
# (nobody) plants symlinks where a check run by root would write its
# temporary, lock and state files, pointing at a victim file; the check
# refuses a state directory others can write (naming it), the victim stays
# unchanged, and in a private directory the planted names are never
# followed either. Then: two differently configured instances never share
# a state file.
. "$(dirname "$0")/lib.sh"

tb_up --no-writer --rows 200
W=$TB_DIR/shared                 # world-writable, sticky: as /tmp
P=$TB_DIR/private
VICTIM=$TB_DIR/victim
mkdir -p "$W" "$P" && chmod 1777 "$W" && chmod 0700 "$P"
chmod 0755 "$TB_DIR"
echo "precious" >"$VICTIM" && chmod 0644 "$VICTIM"
SUM=$(sha256sum "$VICTIM")

# The checks that keep state; each as root with --state-dir in $W.
CHECKS=(service resources backup cert db api log)
args_for() {
    case $1 in
    service) echo --no-cgroup ;;
    cert) echo --ca "$HF_CA" ;;
    api) echo --metrics-url "$HF_METRICS_URL" ;;
    esac
}

# nobody plants links: every old temporary name (<file>.tmp<pid> for the
# next pids), the lock and the state files, for each check's file names.
plant() {
    local dir=$1
    runuser -u nobody -- bash -c '
        dir=$1 victim=$2; shift 2
        for f in "$@"; do
            ln -sf "$victim" "$dir/$f"
            ln -sf "$victim" "$dir/$f.lock"
            for i in $(seq $$ $(( $$ + 300 ))); do ln -sf "$victim" "$dir/$f.tmp$i"; done
        done' _ "$dir" "$VICTIM" "$@"
}
names=(resources.state backup-verdict.state cert-cache)
for c in "${CHECKS[@]}"; do names+=("$c.state"); done
plant "$W" "${names[@]}"

for c in "${CHECKS[@]}"; do
    B=$(hf_bin "check_helixflow_$c")
    # shellcheck disable=SC2046
    _tb_run "$B" --root "$HF_ROOT" --state-dir "$W" $(args_for "$c")
    out=$TB_OUT
    ok "$c: a world-writable state directory is refused (UNKNOWN), named, and why" \
        grep -qF "UNKNOWN] state directory $W: writable by its other users (mode 1777): refused" \
        <<<"$(printf '%s\n' "$out" | sed '1s/^HELIXFLOW [A-Z]* UNKNOWN: /[UNKNOWN] /')"
    ok "$c: the victim is unchanged" test "$(sha256sum "$VICTIM")" = "$SUM"
    ok "$c: nothing of ours was written there" \
        test -z "$(find "$W" -mindepth 1 -user root -newer "$VICTIM" -print -quit)"
done

# A private directory: links planted (as root, say by an earlier mistake)
# under the derived names are not followed: the lock is refused.
for c in "${CHECKS[@]}"; do
    B=$(hf_bin "check_helixflow_$c")
    # shellcheck disable=SC2046
    "$B" --root "$HF_ROOT" --state-dir "$P" $(args_for "$c") >/dev/null
    for f in "$P"/"$c"-*.state; do
        rm -f "$f" "$f.lock"
        ln -s "$VICTIM" "$f.lock"
    done
    # shellcheck disable=SC2046
    _tb_run "$B" --root "$HF_ROOT" --state-dir "$P" $(args_for "$c")
    out=$TB_OUT
    ok "$c: a symlinked lock file is refused, named" grep -qF ".lock: is a symbolic link: refused" <<<"$out"
    ok "$c: the victim is unchanged" test "$(sha256sum "$VICTIM")" = "$SUM"
    rm -f "$P"/"$c"-*
done

# Two configurations, two state files; the same configuration, one.
S=$(hf_bin check_helixflow_service)
"$S" --root "$HF_ROOT" --state-dir "$P" --no-cgroup >/dev/null
"$S" --root "$HF_ROOT" --state-dir "$P" --no-cgroup -w 2: >/dev/null
ok "service: thresholds do not change the state file" test "$(ls "$P"/service-*.state | wc -l)" = 1
"$S" --root "$HF_ROOT" --state-dir "$P" --no-cgroup --service api-gateway >/dev/null
ok "service: another service list has its own state file" \
    test "$(ls "$P"/service-*.state | wc -l)" = 2
ok "no temporary file is left behind" test -z "$(find "$P" -name '*.tmp*' -print -quit)"

done_testing
