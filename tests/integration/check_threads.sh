#!/bin/bash
# Integration: two threads evaluate differently configured instances of every
# check kind concurrently against the test bed (one-shot runs with state files
# and in-memory states, alternately), sharing one state directory: no race
# (helgrind in the plain build, ASan+UBSan in the sanitizer build), no crash,
# and no state file shared between the two configurations.
set -u
. "$(dirname "$0")/lib.sh"
tb_up --rows 3000 --no-writer
state=$(mktemp -d "${TMPDIR:-/tmp}/hf-threads.XXXXXX")
trap '_tb_cleanup; rm -rf "$state"' EXIT
D=$HF_BUILD_DIR/tests/check_threads
KINDS=(service resources http api cert db backup log)

a=() b=()
for k in "${KINDS[@]}"; do
    for side in a b; do
        eval "$side+=(\"$k=--root=$HF_ROOT\" \"$k=--state-dir=$state\")"
    done
done
# what makes the two instances of each kind differ (and keep their own state)
a+=(http=--url="$HF_HEALTH_URL" http=--ca="$HF_CA" cert=--ca="$HF_CA"
    api=--metrics-url="$HF_METRICS_URL" api=--models-url="$HF_MODELS_URL" api=--ca="$HF_CA")
b+=(service=--service=api-gateway service=--service=auth-service
    http=--url="$HF_HTTP_HEALTH_URL"
    api=--metrics-url="$HF_METRICS_URL" api=--models-url="$HF_HTTP_MODELS_URL"
    cert=--cert="$HF_ROOT/opt/helixflow/certs/auth-service.crt" cert=--ca="$HF_CA"
    resources=--path="$HF_ROOT" db=--error-status=failed backup=--no-quick-check
    log=--log="$HF_ROOT/var/log/helixflow/api-gateway.log")

iterations=6
if [ "${HF_SANITIZE:-none}" = none ]; then
    log=$(mktemp "${TMPDIR:-/tmp}/hf-helgrind.XXXXXX")
    _tb_run valgrind -q --tool=helgrind --error-exitcode=99 --log-file="$log" \
        --suppressions="$(dirname "$0")/helgrind.supp" \
        "$D" "$iterations" -- "${a[@]}" -- "${b[@]}"
    out=$TB_OUT rc=$TB_RC err=$TB_ERR
    ok "helgrind: no race, no lock-order problem" test "$rc" != 99 -a ! -s "$log"
    [ -s "$log" ] && head -n 60 "$log" | sed 's/^/#   /'
    rm -f "$log"
else
    _tb_run "$D" "$iterations" -- "${a[@]}" -- "${b[@]}"
    out=$TB_OUT rc=$TB_RC err=$TB_ERR
fi
ok "two threads ran every kind (exit $rc)" test "$rc" = 0
printf '%s\n' "$out" | sed 's/^/#   /'
[ -n "$err" ] && printf '%s\n' "$err" | head -n 20 | sed 's/^/#   stderr: /'
for k in "${KINDS[@]}"; do
    pa=$(awk -v k="$k" '$1 == "A" && $2 == k {print $4}' <<<"$out")
    pb=$(awk -v k="$k" '$1 == "B" && $2 == k {print $4}' <<<"$out")
    [ -z "$pa" ] && continue        # a kind this build does not have yet
    ok "$k: the two configurations keep two state files" test "$pa" != "$pb"
done
done_testing
