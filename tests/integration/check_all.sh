#!/bin/bash
# check_helixflow against the test bed: a healthy deployment is OK; a killed
# service (its similarly named sibling and decoys still running) is CRITICAL
# naming only it; several problems give one long-output line each; bad
# arguments are UNKNOWN with the usage line; -t ends in UNKNOWN.
set -u
. "$(dirname "$0")/lib.sh"
tb_up --rows 5000
state=$(mktemp -d "${TMPDIR:-/tmp}/hf-all-state.XXXXXX")
trap '_tb_cleanup; rm -rf "$state"' EXIT
CHECK=$(hf_bin check_helixflow)
# Thresholds that do not depend on how busy the test machine is: the load and
# response times of a loaded CI host are not what this test is about.
calm=(--arg resources=--load-warning=1000 --arg resources=--load-critical=1000
      --arg resources=--cpu-warning=101 --arg resources=--cpu-critical=101
      --arg http=-w5 --arg http=-c9 --arg api=--p95-warning=100 --arg api=--p95-critical=100)
run=("$CHECK" --root "$HF_ROOT" --state-dir "$state" --ca "$HF_CA" --health-url "$HF_HEALTH_URL"
     --models-url "$HF_MODELS_URL" --metrics-url "$HF_METRICS_URL" --model helixflow-7b -t 30 "${calm[@]}")

"${run[@]}" >/dev/null        # first run: the incremental checks take their baseline
expect_check "healthy deployment: OK, every check's perfdata" 0 \
  '^HELIXFLOW DEPLOYMENT OK: 8 checks passed \| service_api-gateway=3;;1:;0 .* resources_disk_used_pct=.* http_time=.* api_rate=.* cert_api-gateway\.crt=.* db_req_1h=.* backup_age=.* log_errors=' \
  -- "${run[@]}"
ok "healthy deployment: no long output" test "$(printf '%s\n' "$TB_OUT" | wc -l)" = 1

"$HF_TESTBED" decoy "$HF_ROOT" start >/dev/null
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
expect_check "api-gateway killed, api-gateway-grpc and decoys running: CRITICAL naming it only" 2 \
  '^HELIXFLOW DEPLOYMENT CRITICAL: 1 problem: service: api-gateway down \(0 processes\) \| service_api-gateway=0;;1:;0 .* service_api-gateway-grpc=1;;1:;0 ' \
  -- "${run[@]}"
ok "one long-output line for the one problem" \
  test "$(printf '%s\n' "$TB_OUT" | sed -n 2,99p)" = "[CRITICAL] service: api-gateway down (0 processes)"

"$HF_TESTBED" health "$HF_ROOT" fail >/dev/null
"$HF_TESTBED" backup "$HF_ROOT" corrupt >/dev/null
expect_check "three problems: the criticals first, one long-output line each" 2 \
  '^HELIXFLOW DEPLOYMENT CRITICAL: 3 problems: service: api-gateway down \(0 processes\), http: .*, backup: .* \| ' \
  -- "${run[@]}"
ok "three long-output lines" test "$(printf '%s\n' "$TB_OUT" | grep -c '^\[CRITICAL\] ')" = 3

"$HF_TESTBED" start "$HF_ROOT" api-gateway >/dev/null
"$HF_TESTBED" health "$HF_ROOT" ok >/dev/null
"$HF_TESTBED" backup "$HF_ROOT" fresh >/dev/null
expect_check "recovered: api-gateway back after the outage the last run saw is a recovery (OK)" 0 \
  '^HELIXFLOW DEPLOYMENT OK: 8 checks passed \| ' -- "${run[@]}"
"$HF_TESTBED" restart "$HF_ROOT" api-gateway >/dev/null
expect_check "a restart between two runs that both saw it up is one nobody asked for (WARNING)" 1 \
  '^HELIXFLOW DEPLOYMENT WARNING: 1 problem: service: api-gateway restarted: main pid [0-9]+ -> [0-9]+ \| ' \
  -- "${run[@]}"
expect_check "then OK again" 0 '^HELIXFLOW DEPLOYMENT OK: 8 checks passed \| ' -- "${run[@]}"

expect_check "--skip leaves checks out" 0 '^HELIXFLOW DEPLOYMENT OK: 2 checks passed \| service_api-gateway=3;;1:;0 .*cert_' \
  -- "${run[@]}" --skip resources --skip http --skip api --skip db --skip backup --skip log

# -t is shared out: with -t 1 and a slow health endpoint, http gets its share
# and runs out of it (UNKNOWN out of time, not a failure of HelixFlow); the
# checks that finished keep their findings and perfdata. The api check's
# thresholds are calm (the test bed's latency figures move), so the state is
# the out-of-time UNKNOWN alone, deterministically.
"$HF_TESTBED" health "$HF_ROOT" slow >/dev/null
expect_check "-t 1 with a slow health endpoint: UNKNOWN out of time for http, the rest reported" 3 \
  "^HELIXFLOW DEPLOYMENT UNKNOWN: 1 problem: http: out of time: check_helixflow's -t left [0-9]+ ms for this check \\(the endpoint was not judged\\) \\| service_api-gateway=3;;1:;0 .* http_time=[0-9.]+s;5;9;0 .*api_rate=.* cert_api-gateway\\.crt=.* backup_age=" \
  -- "$CHECK" --root "$HF_ROOT" --state-dir "$state" --ca "$HF_CA" --health-url "$HF_HEALTH_URL" \
     --metrics-url "$HF_METRICS_URL" -t 1 --skip resources --skip db --skip log \
     --arg http=-w5 --arg http=-c9 --arg api=--p95-warning=100 --arg api=--p95-critical=100
"$HF_TESTBED" health "$HF_ROOT" ok >/dev/null

# --arg reaches its check only: another root for the service check leaves the
# others on the test bed.
expect_check "--arg service=--root=ELSEWHERE: the service check alone moves" 2 \
  "^HELIXFLOW DEPLOYMENT CRITICAL: 5 problems: service: api-gateway down \\(0 processes\\), service: api-gateway-grpc down \\(0 processes\\), service: auth-service down \\(0 processes\\) and 2 more \\| .* db_req_1h=[0-9]+;;;0 .* backup_age=[0-9]+s;93600;180000;0 " \
  -- "${run[@]}" --arg service=--root="$TB_DIR/elsewhere"
ok "... and only the five services are problems" \
  test "$(printf '%s\n' "$TB_OUT" | grep -c '^\[CRITICAL\] service: ')" = 5

USAGE="Usage: check_helixflow [--root DIR] [--state-dir DIR] [--ca FILE] [--health-url URL] [--models-url URL] [--metrics-url URL] [--model ID] [--skip CHECK]... [--arg CHECK=ARG]... [-t SECONDS] [-v]"
expect_exact "unknown --skip" 3 \
  "HELIXFLOW DEPLOYMENT UNKNOWN: --skip: unknown check 'nothing' (service, resources, http, api, cert, db, backup, log)" \
  -- "$CHECK" --skip nothing
ok "unknown --skip: usage line" test "$(printf '%s\n' "$TB_OUT" | sed -n 2p)" = "$USAGE"
expect_exact "stray argument" 3 "HELIXFLOW DEPLOYMENT UNKNOWN: unexpected argument 'extra'" -- "$CHECK" extra
expect_exact "bad -t" 3 "HELIXFLOW DEPLOYMENT UNKNOWN: -t: 'soon' is not a number from 1 to 3600" -- "$CHECK" -t soon
expect_exact "a bad argument for one check is that check's UNKNOWN" 3 \
  "HELIXFLOW DEPLOYMENT UNKNOWN: 1 problem: service: unknown option '--bogus'" \
  -- "$CHECK" --root "$HF_ROOT" --arg service=--bogus --skip resources --skip http --skip api \
     --skip cert --skip db --skip backup --skip log
expect_exact "-V" 0 "check_helixflow 0.1.0" -- "$CHECK" -V
done_testing
