#!/bin/bash
# Integration: check_helixflow_api against the test bed's metrics endpoint
# (live, moving counters) and against fixed pages served from a temp dir
# (exact first lines). Pins first lines and exit codes for OK, WARNING,
# CRITICAL and UNKNOWN.
set -u
. "$(dirname "$0")/lib.sh"

CHECK=$(hf_bin check_helixflow_api)
FIX=${HF_FIXTURES:-$(cd "$(dirname "$0")/../unit/fixtures" && pwd)}/prom
tb_up --no-writer
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hf-check-api.XXXXXX")
STATIC_PID=
cleanup() {
    [ -n "$STATIC_PID" ] && kill "$STATIC_PID" 2>/dev/null && wait "$STATIC_PID" 2>/dev/null
    rm -rf "$WORK"
    _tb_cleanup
}
trap cleanup EXIT

M=$HF_METRICS_URL
sd() { mktemp -d "$WORK/state.XXXXXX"; }  # a fresh state dir
# shift_state DIR SECONDS: the state file's samples (the previous one and the
# error window's) SECONDS earlier, the end line's FNV-1a checksum of
# everything before it rewritten: as if the runs so far were that long ago
shift_state() {
    local f
    for f in "$1"/api-*.state; do python3 - "$f" "$2" <<'PY'
import sys
path, d = sys.argv[1], float(sys.argv[2])
out = []
for l in open(path).read().splitlines(True)[:-1]:
    f = l.split()
    if f[0] == "time":
        l = "time %r\n" % (float(f[1]) - d)
    elif f[0] == "sample":
        l = "sample %r %s %s\n" % (float(f[1]) - d, f[2], f[3])
    out.append(l)
body = "".join(out)
h = 0xcbf29ce484222325
for b in body.encode():
    h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
open(path, "w").write(body + "end %016x\n" % h)
PY
    done
}

# ---- live test bed -------------------------------------------------------
NUM='[0-9]+(\.[0-9]+)?'
SIGNALS="queue=[0-9]+ ttft_p95=${NUM}s tokens_per_s=(U|$NUM) kv_cache=${NUM}%;;;0;100"
S=$(sd)
expect_check "first run: cumulative figures, said so" 0 \
    "^HELIXFLOW API OK: first run: [0-9]+ requests since start, 0\.[0-9]{2}% errors, p95 0\.[0-9]{3} s \(cumulative; rate from the next run\) \| rate=U requests=[0-9]+c errors=$NUM%;1;5;0;100 p50=${NUM}s p95=${NUM}s;2;5 p99=${NUM}s $SIGNALS\$" \
    -- "$CHECK" --metrics-url "$M" --state-dir "$S"
sleep 1.2
# ~1 s of test-bed traffic is a few dozen requests whose per-bucket counts the
# test bed truncates: the delta's error ratio and p95 are noise, so this run
# only asserts the rate (thresholds out of the way).
expect_check "second run with the state dir: a rate" 0 \
    "^HELIXFLOW API OK: [1-9][0-9]*\.[0-9] req/s, ($NUM% errors|no requests), p95 ($NUM s|n/a) \| rate=[1-9]$NUM requests=[0-9]+c errors=(U|$NUM%);100;100;0;100 p50=(U|${NUM}s) p95=(U|${NUM}s);100;100 p99=(U|${NUM}s) queue=[0-9]+ ttft_p95=(U|${NUM}s) tokens_per_s=[1-9]$NUM kv_cache=${NUM}%;;;0;100\$" \
    -- "$CHECK" --metrics-url "$M" --state-dir "$S" --error-warning 100 --error-critical 100 \
    --p95-warning 100 --p95-critical 100
ok "one state file per metrics URL" test "$(ls "$S"/*.state | wc -l)" = 1
expect_check "-v lists where each figure came from" 0 \
    '^HELIXFLOW API OK: ' -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" -v
ok "-v: vLLM queue, TTFT, KV cache named" bash -c \
    "printf '%s\n' \"\$0\" | grep -q '^\[OK\] time to first token p95 .* (vllm:time_to_first_token_seconds)\$' &&
     printf '%s\n' \"\$0\" | grep -q '^\[OK\] KV cache .*% used (vllm:gpu_cache_usage_perc)\$' &&
     printf '%s\n' \"\$0\" | grep -q '^\[OK\] queue [0-9]* (helixflow_queue_depth)\$'" "$TB_OUT"
expect_check "low --error-warning: WARNING" 1 \
    "^HELIXFLOW API WARNING: error ratio 0\.[0-9]{2}% \(warning threshold 0\.1\) \| rate=U requests=[0-9]+c errors=$NUM%;0\.1;5;0;100 " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --error-warning 0.1
expect_check "-w is the error ratio too" 1 \
    "^HELIXFLOW API WARNING: error ratio 0\.[0-9]{2}% \(warning threshold 0\.2\) \| " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" -w 0.2
expect_check "low --error-critical: CRITICAL" 2 \
    "^HELIXFLOW API CRITICAL: error ratio 0\.[0-9]{2}% \(critical threshold 0\.1\) \| " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --error-critical 0.1
expect_check "low --p95-critical: CRITICAL" 2 \
    "^HELIXFLOW API CRITICAL: p95 latency 0\.[0-9]{3} s \(critical threshold 0\.1\) \| .* p95=${NUM}s;2;0\.1 " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --p95-critical 0.1
expect_check "low --p95-warning: WARNING" 1 \
    "^HELIXFLOW API WARNING: p95 latency 0\.[0-9]{3} s \(warning threshold 0\.2\) \| " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --p95-warning 0.2
expect_check "--model listed: OK" 0 '^HELIXFLOW API OK: first run: ' \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --models-url "$HF_MODELS_URL" --ca "$HF_CA" \
    --model helixflow-70b
expect_check "--models-url alone: the list answers" 0 '^HELIXFLOW API OK: first run: ' \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --models-url "$HF_MODELS_URL" --ca "$HF_CA" -v
ok "--models-url alone: said in the long output" grep -qx "\[OK\] models list $HF_MODELS_URL answered HTTP 200" \
    <<<"$TB_OUT"
expect_check "--models-url unverified without --ca: CRITICAL" 2 \
    "^HELIXFLOW API CRITICAL: models list unreachable: " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --models-url "$HF_MODELS_URL" --model helixflow-7b
expect_check "--model not listed: CRITICAL" 2 \
    "^HELIXFLOW API CRITICAL: model 'helixflow-13b' not listed by ${HF_MODELS_URL//./\\.} \| rate=U " \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --models-url "$HF_MODELS_URL" --ca "$HF_CA" \
    --model helixflow-13b
expect_exact "no such request metric: UNKNOWN" 3 \
    "HELIXFLOW API UNKNOWN: metrics page $M has no http_requests_total samples" \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)" --requests-metric http_requests_total
expect_exact "HTTP 404: CRITICAL" 2 \
    "HELIXFLOW API CRITICAL: metrics page ${M%/metrics}/nope returned HTTP 404" \
    -- "$CHECK" --metrics-url "${M%/metrics}/nope" --state-dir "$(sd)"

"$HF_TESTBED" metrics "$TB_DIR" malformed >/dev/null
expect_exact "metrics malformed: UNKNOWN naming the line" 3 \
    "HELIXFLOW API UNKNOWN: metrics page line 3, column 31: expected ',' or '}' after label 'code', found '1'" \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)"
"$HF_TESTBED" metrics "$TB_DIR" summary >/dev/null
expect_check "metrics summary: OK from the quantiles" 0 \
    "^HELIXFLOW API OK: first run: [0-9]+ requests since start, 0\.[0-9]{2}% errors, p95 0\.450 s \(cumulative; rate from the next run\) \| rate=U requests=[0-9]+c errors=$NUM%;1;5;0;100 p50=0\.1s p95=0\.45s;2;5 p99=2\.5s $SIGNALS\$" \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)"
"$HF_TESTBED" metrics "$TB_DIR" empty >/dev/null
expect_exact "metrics empty: UNKNOWN" 3 "HELIXFLOW API UNKNOWN: metrics page $M is empty" \
    -- "$CHECK" --metrics-url "$M" --state-dir "$(sd)"
"$HF_TESTBED" metrics "$TB_DIR" ok >/dev/null

CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
expect_check "closed port: CRITICAL" 2 \
    "^HELIXFLOW API CRITICAL: metrics page unreachable: GET http://127\.0\.0\.1:$CLOSED/metrics: Failed to connect to 127\.0\.0\.1 port $CLOSED after [0-9]+ ms: Couldn't connect to server\$" \
    -- "$CHECK" --metrics-url "http://127.0.0.1:$CLOSED/metrics" --state-dir "$(sd)"

# a server that accepts and never answers: the probe gives up inside -t
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
print(s.getsockname()[1], flush=True)
conns = []
t = time.time()
while time.time() - t < 30:
    c, _ = s.accept(); conns.append(c)' >"$WORK/hang.port" &
HANG_PID=$!
for _ in $(seq 50); do [ -s "$WORK/hang.port" ] && break; sleep 0.1; done
# http's rule: UNKNOWN, the time actually waited named, unless that time is
# already beyond the response-time critical range (the api check's: the p95
# latency's), which proves CRITICAL
HANG="http://127.0.0.1:$(cat "$WORK/hang.port")/metrics"
expect_check "silent server, -t 2: UNKNOWN timed out after the time waited" 3 \
    "^HELIXFLOW API UNKNOWN: metrics page: timed out after 1\.[0-9]{2} s: GET ${HANG//./\\.}: Operation timed out after [0-9]+ milliseconds with 0 bytes received\$" \
    -- "$CHECK" --metrics-url "$HANG" --state-dir "$(sd)" -t 2
expect_check "silent server, -t 2 --p95-critical 1: CRITICAL, the wait proves it" 2 \
    "^HELIXFLOW API CRITICAL: metrics page: no response within 1\.[0-9]{3} s \(critical range 1\): GET ${HANG//./\\.}: " \
    -- "$CHECK" --metrics-url "$HANG" --state-dir "$(sd)" -t 2 --p95-critical 1
# out of time: check_helixflow's share of its -t ran out first, not judged
ALL=$(hf_bin check_helixflow)
if [ -x "$ALL" ]; then
    # --skip for every check of check_helixflow's but api (from its -h)
    mapfile -t SKIP < <("$ALL" -h | sed -n 's/.* in one process (\([^)]*\)).*/\1/p' | tr -d , |
                        tr ' ' '\n' | grep -vx api | sed 's/^/--skip=/')
    expect_check "check_helixflow -t 2, silent page: UNKNOWN out of time" 3 \
        "^HELIXFLOW DEPLOYMENT UNKNOWN: 1 problem: api: metrics page: out of time: check_helixflow's -t left 1[0-9]{3} ms for this check \(the endpoint was not judged\)\$" \
        -- "$ALL" "${SKIP[@]}" --metrics-url "$HANG" --state-dir "$(sd)" -t 2
fi
kill "$HANG_PID" 2>/dev/null; wait "$HANG_PID" 2>/dev/null

# ---- fixed pages: exact lines ----------------------------------------------
mkdir -p "$WORK/www"
python3 -u -m http.server --bind 127.0.0.1 --directory "$WORK/www" 0 >"$WORK/www.log" 2>&1 &
STATIC_PID=$!
for _ in $(seq 50); do grep -q 'port [0-9]*' "$WORK/www.log" && break; sleep 0.1; done
SPORT=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$WORK/www.log" | head -n 1)
U="http://127.0.0.1:$SPORT/metrics"
cp "$FIX/helixflow.prom" "$WORK/www/metrics"
S=$(sd)
expect_exact "fixed page, first run" 0 \
    "HELIXFLOW API OK: first run: 10000 requests since start, 0.60% errors, p95 0.750 s (cumulative; rate from the next run) | rate=U requests=10000c errors=0.6%;1;5;0;100 p50=0.1s p95=0.75s;2;5 p99=2.5s queue=6" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$S"
# the previous sample 60 s ago, then the next page
shift_state "$S" 60
cp "$FIX/helixflow_next.prom" "$WORK/www/metrics"
expect_check "fixed page, delta: 1200 requests in ~60 s, p95 of the delta" 1 \
    '^HELIXFLOW API WARNING: error ratio 1\.67% \(warning threshold 1\), p95 latency 3\.750 s \(warning threshold 2\) \| rate=(19\.[5-9][0-9]*|20(\.[0-9]+)?) requests=11200c errors=1\.66667%;1;5;0;100 p50=0\.25s p95=3\.75s;2;5 p99=7\.66667s$' \
    -- "$CHECK" --metrics-url "$U" --state-dir "$S"
# the exporter restarted (counters down to the first page's): rate and
# latency from the new counters; the error ratio over the window counts
# what came before the restart too (60+20 errors, then 60 in 10000 more
# requests: 140 in 21200 since the first sample... less the first's own:
# 80 in 11200 = 0.71%)
cp "$FIX/helixflow.prom" "$WORK/www/metrics"
expect_check "fixed page, counters went down: reset said, the window's errors kept" 0 \
    '^HELIXFLOW API OK: [0-9.]+ req/s, 0\.71% errors, p95 0\.750 s \(counters reset since the previous run\) \| .* errors=0\.714285[0-9]*%;1;5;0;100 ' \
    -- "$CHECK" --metrics-url "$U" --state-dir "$S" -v
ok "the window line says what it counted" grep -qE \
    '^\[OK\] error ratio over the last [6-9][0-9] s of the 900 s window: 80 errors in 11200 requests$' <<<"$TB_OUT"
expect_exact "fixed page, WARNING on errors" 1 \
    "HELIXFLOW API WARNING: error ratio 0.60% (warning threshold 0.5) | rate=U requests=10000c errors=0.6%;0.5;5;0;100 p50=0.1s p95=0.75s;2;5 p99=2.5s queue=6" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$(sd)" --error-warning 0.5
expect_exact "fixed page, CRITICAL on p95" 2 \
    "HELIXFLOW API CRITICAL: p95 latency 0.750 s (critical threshold 0.5) | rate=U requests=10000c errors=0.6%;1;5;0;100 p50=0.1s p95=0.75s;2;0.5 p99=2.5s queue=6" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$(sd)" --p95-critical 0.5
cp "$FIX/vllm.prom" "$WORK/www/metrics"
expect_exact "fixed vLLM page, other metric names" 2 \
    "HELIXFLOW API CRITICAL: error ratio 5.00% (critical threshold 4.99) | rate=U requests=400c errors=5%;1;4.99;0;100 p50=1.5s p95=5s;2;5 p99=10s queue=2 ttft_p95=0.5625s tokens_per_s=U kv_cache=43.75%;;;0;100" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$(sd)" --requests-metric vllm:request_success_total \
    --duration-metric vllm:e2e_request_latency_seconds --error-label finished_reason --error-regex '^length$' \
    --error-critical 4.99
cp "$FIX/triton.prom" "$WORK/www/metrics"
expect_exact "fixed Triton page, no latency metric" 0 \
    "HELIXFLOW API OK: first run: 200 requests since start, 0.00% errors, p95 n/a (cumulative; rate from the next run) | rate=U requests=200c errors=0%;1;5;0;100 queue=4 ttft_p95=0.125s gpu_util=87.5%;;;0;100" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$(sd)" --requests-metric nv_inference_request_success
printf 'api_requests_total 5\napi_requests_total{code="500" 1\n' >"$WORK/www/metrics"
expect_exact "fixed page, malformed line 2" 3 \
    "HELIXFLOW API UNKNOWN: metrics page line 2, column 31: expected ',' or '}' after label 'code', found '1'" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$(sd)"
python3 -c 'import sys
with open(sys.argv[1], "w") as f:
    f.write("# TYPE big gauge\n")
    for i in range(400000): f.write("big{i=\"%d\",pad=\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"} 1\n" % i)' "$WORK/www/metrics"
expect_exact "page over 16 MiB: UNKNOWN" 3 "HELIXFLOW API UNKNOWN: metrics page $U is larger than 16 MiB" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$(sd)"
# an unusable state file: WARNING state.reset naming it, first-run figures
echo "garbage" >"$S"/api-*.state
cp "$FIX/helixflow.prom" "$WORK/www/metrics"
expect_exact "corrupt state file: WARNING state reset, first-run figures, rewritten" 1 \
    "HELIXFLOW API WARNING: $(echo "$S"/api-*.state) line 1: not a state file (no 'helixflow-prom-state 2' header); starting afresh | rate=U requests=10000c errors=0.6%;1;5;0;100 p50=0.1s p95=0.75s;2;5 p99=2.5s queue=6" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$S"
ok "state file rewritten" grep -q '^helixflow-prom-state 2$' "$S"/api-*.state
STATE_FILE=$(echo "$S"/api-*.state)
ok "state file end-marked" bash -c 'tail -n 1 "$0" | grep -qx "end [0-9a-f]\{16\}"' "$STATE_FILE"
head -c -30 "$STATE_FILE" >"$WORK/cut" && mv "$WORK/cut" "$STATE_FILE"
expect_exact "truncated state file: WARNING state reset naming it" 1 \
    "HELIXFLOW API WARNING: $STATE_FILE: truncated or damaged (the last line is not 'end <checksum>'); starting afresh | rate=U requests=10000c errors=0.6%;1;5;0;100 p50=0.1s p95=0.75s;2;5 p99=2.5s queue=6" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$S" -v
ok "truncated state file: first-run figures" grep -qxF \
    "[OK] error ratio since the exporter started (no earlier sample: the 900 s window starts now)" <<<"$TB_OUT"
touch "$WORK/ro"
expect_check "unusable state dir: UNKNOWN naming it (the check layer's policy), still evaluated" 3 \
    "^HELIXFLOW API UNKNOWN: state directory ${WORK//./\\.}/ro: not a directory \\(nothing is kept between runs\\) \\| rate=U requests=10000c " \
    -- "$CHECK" --metrics-url "$U" --state-dir "$WORK/ro"

# ---- the error ratio over a fixed window, not since the last run ------------
# Three runs 300 s apart (state shifted back): 1000 requests, 0 errors; 2000,
# 100; 3000, 110. Since the last run that is 10 in 1000 (1.00%, OK); over the
# 900 s window, from the first: 110 in 2000 (5.50%, CRITICAL); over a 400 s
# window (its own state file beside), from the second: 1.00% again.
page() { printf '# TYPE api_requests_total counter\napi_requests_total{code="200"} %s\napi_requests_total{code="500"} %s\n' \
    "$(($1 - $2))" "$2" >"$WORK/www/metrics"; }
W=$(sd)
page 1000 0
expect_check "window: first run" 0 "^HELIXFLOW API OK: first run: 1000 requests since start, 0\.00% errors, p95 n/a " \
    -- "$CHECK" --metrics-url "$U" --state-dir "$W"
"$CHECK" --metrics-url "$U" --state-dir "$W" --window 400 >/dev/null
ok "window: another window keeps its own state file" test "$(ls "$W"/*.state | wc -l)" = 2
shift_state "$W" 300
page 2000 100
expect_check "window: second run, 300 s later" 2 "^HELIXFLOW API CRITICAL: error ratio 10\.00% \(critical threshold 5\) " \
    -- "$CHECK" --metrics-url "$U" --state-dir "$W"
"$CHECK" --metrics-url "$U" --state-dir "$W" --window 400 >/dev/null
shift_state "$W" 300
page 3000 110
expect_check "window: third run, the ratio over the window (5.50%), not since the last run (1.00%)" 2 \
    "^HELIXFLOW API CRITICAL: error ratio 5\.50% \(critical threshold 5\) \| rate=3\.3[0-9]* requests=3000c errors=5\.5%;1;5;0;100\$" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$W" -v
ok "window: -v names the span and the counts" grep -qxE \
    "\[OK\] error ratio over the last 6[0-9][0-9] s of the 900 s window: 110 errors in 2000 requests" <<<"$TB_OUT"
expect_check "window: --window 400 starts at the second run: 10 in 1000 (1.00%, OK)" 0 \
    "^HELIXFLOW API OK: [0-9.]+ req/s, 1\.00% errors, p95 n/a \| " \
    -- "$CHECK" --metrics-url "$U" --state-dir "$W" --window 400
page 500 50
expect_check "window: the exporter restarted: its errors add up, never negative" 2 \
    "^HELIXFLOW API CRITICAL: error ratio 6\.40% \(critical threshold 5\) \| .* requests=500c errors=6\.4%;1;5;0;100\$" \
    -- "$CHECK" --metrics-url "$U" --state-dir "$W"

# ---- bad arguments: UNKNOWN + the usage line --------------------------------
USAGE="Usage: check_helixflow_api [--metrics-url URL] [--models-url URL] [--model ID] [--ca FILE] [--insecure] [--requests-metric NAME] [--duration-metric NAME] [--error-label NAME] [--error-regex RE] [--error-warning RANGE] [--error-critical RANGE] [--p95-warning RANGE] [--p95-critical RANGE] [--window SECONDS] [--root DIR] [--state-dir DIR] [-t SECONDS]"
bad() { # name "first line" args...
    local name=$1 want=$2
    shift 2
    expect_exact "$name" 3 "$want" -- "$CHECK" "$@"
    local out=$TB_OUT
    ok "$name: usage line, nothing else" test "$out" = "$want"$'\n'"$USAGE"
}
bad "bad --error-warning" \
    "HELIXFLOW API UNKNOWN: --error-warning: invalid range 'abc': end bound 'abc' is not a finite number" --error-warning abc
bad "unknown option" "HELIXFLOW API UNKNOWN: unknown option '--bogus'" --bogus
bad "bad --error-regex" \
    "HELIXFLOW API UNKNOWN: --error-regex: '(': Unmatched ( or \\(" --error-regex '('
bad "--metrics-url not http" "HELIXFLOW API UNKNOWN: --metrics-url: 'ftp://x/metrics': scheme must be http or https" \
    --metrics-url ftp://x/metrics
bad "empty --metrics-url" "HELIXFLOW API UNKNOWN: --metrics-url: empty value" --metrics-url ''
bad "missing value" "HELIXFLOW API UNKNOWN: option '--p95-critical' needs a value" --p95-critical
bad "stray argument" "HELIXFLOW API UNKNOWN: unexpected argument 'extra'" extra

done_testing
