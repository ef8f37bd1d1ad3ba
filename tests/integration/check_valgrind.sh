#!/bin/bash
# Every check under valgrind against the test bed: no memory errors and no
# definite or indirect leaks (exit 99 from valgrind on either).
set -u
. "$(dirname "$0")/lib.sh"
tb_up --rows 5000 --no-writer
state=$(mktemp -d "${TMPDIR:-/tmp}/hf-vg-state.XXXXXX")
trap '_tb_cleanup; rm -rf "$state"' EXIT

vg() {   # vg NAME CMD...: valgrind-clean whatever the check's state
  local name=$1; shift
  local log
  log=$(mktemp "${TMPDIR:-/tmp}/hf-vg.XXXXXX")
  valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --show-leak-kinds=definite,indirect --log-file="$log" "$@" >/dev/null 2>&1
  local rc=$?
  TB_RC=$rc TB_OUT=$(cat "$log") TB_ERR=
  local good=0
  [ $rc -ne 99 ] && [ ! -s "$log" ] && good=1
  _tb_report "valgrind: $name" $good "0..3, no valgrind report" ""
  rm -f "$log"
}

common=(--root "$HF_ROOT" --state-dir "$state")
for run in 1 2; do    # the second run reads the incremental state the first wrote
  vg "service (run $run)" "$(hf_bin check_helixflow_service)" "${common[@]}"
  vg "resources (run $run)" "$(hf_bin check_helixflow_resources)" "${common[@]}"
  vg "http (run $run)" "$(hf_bin check_helixflow_http)" --url "$HF_HEALTH_URL" --ca "$HF_CA"
  vg "api (run $run)" "$(hf_bin check_helixflow_api)" "${common[@]}" --metrics-url "$HF_METRICS_URL" \
    --models-url "$HF_MODELS_URL" --model helixflow-7b --ca "$HF_CA"
  vg "cert (run $run)" "$(hf_bin check_helixflow_cert)" "${common[@]}" --ca "$HF_CA"
  vg "db (run $run)" "$(hf_bin check_helixflow_db)" "${common[@]}"
  vg "backup (run $run)" "$(hf_bin check_helixflow_backup)" "${common[@]}"
  vg "log (run $run)" "$(hf_bin check_helixflow_log)" "${common[@]}"
  vg "check_helixflow (run $run)" "$(hf_bin check_helixflow)" "${common[@]}" --ca "$HF_CA" \
    --health-url "$HF_HEALTH_URL" --models-url "$HF_MODELS_URL" --metrics-url "$HF_METRICS_URL"
done
# failure paths
vg "http refused" "$(hf_bin check_helixflow_http)" --url "http://127.0.0.1:9/health"
vg "cert garbage" "$(hf_bin check_helixflow_cert)" --cert "$HF_CERTS_TEST/garbage.crt" --ca "$HF_CA"
vg "db missing" "$(hf_bin check_helixflow_db)" --db "$HF_ROOT/nope.db" --state-dir "$state"
"$HF_TESTBED" metrics "$HF_ROOT" malformed >/dev/null
vg "api malformed" "$(hf_bin check_helixflow_api)" --metrics-url "$HF_METRICS_URL" --state-dir "$state"
vg "bad usage" "$(hf_bin check_helixflow)" --skip nothing
done_testing
