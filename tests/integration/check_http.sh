#!/bin/bash
# Integration: check_helixflow_http against the test bed's HTTPS/HTTP API,
# plus our own loopback servers for expired/expiring/untrusted certificates
# and a port that refuses connections. Response times vary: they are pinned
# by regex, states and texts exactly. OK cases pass -w 5 -c 10 so a loaded
# machine cannot turn them into a WARNING (tests assert behaviour, not speed).
. "$(dirname "$0")/lib.sh"

CHECK=$(hf_bin check_helixflow_http)
: "${HF_SOURCE_DIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
SRV="$HF_SOURCE_DIR/tests/unit/fixtures/http/server.py"
USAGE='Usage: check_helixflow_http [-w SECONDS] [-c SECONDS] [--url URL] [--expect-status N] [--expect-string S] [--expect-regex RE] [--model ID] [--ca FILE] [--capath DIR] [--insecure] [--cert-warning DAYS] [--cert-critical DAYS] [--max-redirects N] [--root DIR] [--state-dir DIR] [-t SECONDS]'

tb_up --rows 100

T='[0-9]+\.[0-9]{3}'                       # seconds in the text
N='[0-9]+(\.[0-9]+)?'                      # a perfdata number (never an exponent)
PH="dns=${N}ms;;;0 connect=${N}ms;;;0"
DAYS365="36[45]\.[0-9]"
PERF_OK="time=${N}s;5;10;0 $PH tls=${N}ms;;;0 ttfb=${N}ms;;;0 transfer=${N}ms;;;0"
CERT_PERF="cert_days=36[45](\.[0-9]+)?d;30:;7:"
PIDS=()
cleanup_local() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    _tb_cleanup
}
trap cleanup_local EXIT

# start_server CERT KEY: our fixture HTTPS server on port 0; sets PORT
start_server() {
    local f
    f=$(mktemp "${TMPDIR:-/tmp}/hf-http-port.XXXXXX")
    python3 "$SRV" --tls "$1" "$2" >"$f" 2>/dev/null &
    PIDS+=($!)
    for _ in $(seq 100); do [ -s "$f" ] && break; sleep 0.1; done
    PORT=$(head -n1 "$f")
    rm -f "$f"
}

# --- OK -----------------------------------------------------------------------
expect_check "https health with the test CA" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 21 bytes, certificate $DAYS365 days left \| $PERF_OK size=21B;;;0 $CERT_PERF\$" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" -w 5 -c 10
CAPATH="$TB_DIR/capath"
mkdir -p "$CAPATH" && cp "$HF_CA" "$CAPATH/" && openssl rehash "$CAPATH" 2>/dev/null
expect_check "-v over https: the tls phase too" 0 "^HELIXFLOW HTTP OK: " \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" -w 5 -c 10 -v
ok "-v https long output" grep -Eq "^\[OK\] https://localhost:$HF_HTTPS_PORT/health: dns $T s, connected $T s, tls done $T s, first byte $T s, total $T s\$" <<<"$TB_OUT"
expect_check "https health with --capath" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 21 bytes, certificate $DAYS365 days left \|" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --capath "$CAPATH" -w 5 -c 10
expect_check "plain http health: no tls phase, no certificate" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 21 bytes \| time=${N}s;5;10;0 $PH ttfb=${N}ms;;;0 transfer=${N}ms;;;0 size=21B;;;0\$" \
    -- "$CHECK" --url "$HF_HTTP_HEALTH_URL" -w 5 -c 10
expect_check "--insecure: answer, certificate not verified" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 21 bytes, certificate $DAYS365 days left \(not verified\) \|" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --insecure -w 5 -c 10
expect_check "expect string and regex present" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 21 bytes, certificate $DAYS365 days left \|" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" --expect-string healthy \
    --expect-regex '"status" *: *"healthy"' -w 5 -c 10
expect_check "model helixflow-7b listed" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 106 bytes, model helixflow-7b listed, certificate $DAYS365 days left \| $PERF_OK size=106B;;;0 $CERT_PERF\$" \
    -- "$CHECK" --url "$HF_MODELS_URL" --ca "$HF_CA" --model helixflow-7b -w 5 -c 10
expect_check "-v: OK findings in the long output" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 21 bytes \|" \
    -- "$CHECK" --url "$HF_HTTP_HEALTH_URL" -w 5 -c 10 -v
ok "-v long output names the URL and the phases" \
    grep -Eq "^\[OK\] http://127\.0\.0\.1:$HF_HTTP_PORT/health: dns $T s, connected $T s, first byte $T s, total $T s\$" <<<"$TB_OUT"

# --- CRITICAL: trust, status, body -------------------------------------------------
expect_check "https without the CA: untrusted, reason, days still reported" 2 \
    "^HELIXFLOW HTTP CRITICAL: certificate not trusted: unable to get local issuer certificate \(https://localhost:$HF_HTTPS_PORT/health\) \| time=${N}s;5;10;0 $CERT_PERF\$" \
    -- "$CHECK" --url "$HF_HEALTH_URL" -w 5 -c 10
expect_check "model nope not listed" 2 \
    "^HELIXFLOW HTTP CRITICAL: model 'nope' not listed \| $PERF_OK size=106B;;;0 $CERT_PERF\$" \
    -- "$CHECK" --url "$HF_MODELS_URL" --ca "$HF_CA" --model nope -w 5 -c 10
expect_check "--model against /health: not a model list" 2 \
    "^HELIXFLOW HTTP CRITICAL: model 'helixflow-7b' not found: no \"data\" list in the JSON object \|" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" --model helixflow-7b -w 5 -c 10
expect_check "expected string and regex missing" 2 \
    "^HELIXFLOW HTTP CRITICAL: body does not contain 'sick', body does not match '\^x' \|" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" --expect-string sick --expect-regex '^x' -w 5 -c 10
expect_check "unexpected status" 2 \
    "^HELIXFLOW HTTP CRITICAL: status 404 Not Found, expected 2xx \|" \
    -- "$CHECK" --url "https://localhost:$HF_HTTPS_PORT/nowhere" --ca "$HF_CA" -w 5 -c 10

"$HF_TESTBED" health "$TB_DIR" fail
expect_check "health fail: 503" 2 \
    "^HELIXFLOW HTTP CRITICAL: status 503 Service Unavailable, expected 2xx \| $PERF_OK size=23B;;;0 $CERT_PERF\$" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" -w 5 -c 10
expect_check "health fail with --expect-status 503" 0 \
    "^HELIXFLOW HTTP OK: 503 Service Unavailable in $T s, 23 bytes, certificate $DAYS365 days left \|" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" --expect-status 503 -w 5 -c 10
"$HF_TESTBED" health "$TB_DIR" ok
expect_check "health ok with --expect-status 204" 2 \
    "^HELIXFLOW HTTP CRITICAL: status 200 OK, expected 204 \|" \
    -- "$CHECK" --url "$HF_HTTP_HEALTH_URL" --expect-status 204 -w 5 -c 10

# --- response time: WARNING / CRITICAL / timeouts (health slow sleeps 1.5 s) ------
"$HF_TESTBED" health "$TB_DIR" slow
expect_check "slow health: WARNING with -w 1 -c 10" 1 \
    "^HELIXFLOW HTTP WARNING: response time 1\.[5-9][0-9]{2} s outside warning range 1 \| time=1\.[0-9]+s;1;10;0 " \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" -w 1 -c 10
expect_check "slow health: CRITICAL with -w 0.5 -c 1" 2 \
    "^HELIXFLOW HTTP CRITICAL: response time $T s outside critical range 1 \| time=${N}s;0\.5;1;0 " \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" -w 0.5 -c 1
# -t 1: the probe stops ~0.25 s before the alarm. The time spent (~0.75 s) is not
# beyond -c 1, so the state is unknown: UNKNOWN "timed out after 0.75 s", the
# time actually waited (or -t's alarm itself on a slow machine: "1 seconds").
expect_check "slow health, -t 1: UNKNOWN timed out after the time waited" 3 \
    "^HELIXFLOW HTTP UNKNOWN: timed out after (1 seconds|0\.[0-9]{2} s: GET https://localhost:$HF_HTTPS_PORT/health: Operation timed out after [0-9]+ milliseconds with 0 bytes received \| time=${N}s;0\.2;1;0)\$" \
    -- "$CHECK" --url "$HF_HEALTH_URL" --ca "$HF_CA" -t 1
"$HF_TESTBED" health "$TB_DIR" ok

# --- certificates on our own servers (test bed's test certificates) ----------------
start_server "$HF_CERTS_TEST/expired.crt" "$HF_CERTS_TEST/expired.key"
expect_check "expired certificate: untrusted and expired" 2 \
    "^HELIXFLOW HTTP CRITICAL: certificate not trusted: certificate has expired \(https://localhost:$PORT/ok\), certificate expired [45]\.[0-9] days ago \| time=${N}s;5;10;0 cert_days=-[45](\.[0-9]+)?d;30:;7:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" -w 5 -c 10
expect_check "expired certificate, --insecure: still CRITICAL on expiry" 2 \
    "^HELIXFLOW HTTP CRITICAL: certificate expired [45]\.[0-9] days ago \|" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --insecure -w 5 -c 10
start_server "$HF_CERTS_TEST/expiring.crt" "$HF_CERTS_TEST/expiring.key"
expect_check "certificate expiring in 10 days: WARNING" 1 \
    "^HELIXFLOW HTTP WARNING: certificate expires in 10\.[0-9] days \| .* cert_days=10(\.[0-9]+)?d;30:;7:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" -w 5 -c 10
expect_check "certificate expiring in 10 days, --cert-critical 12: CRITICAL" 2 \
    "^HELIXFLOW HTTP CRITICAL: certificate expires in 10\.[0-9] days \| .* cert_days=10(\.[0-9]+)?d;30:;12:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" --cert-critical 12 -w 5 -c 10
# days left: the state from the exact figure, the figures rounded down
# (29.96 days less a minute is WARNING "29.9 days", cert_days=29.95d: never
# "30.0"/30d and OK); 6.96 days less a minute is CRITICAL "6.9 days", 6.95d.
# Served by our own server, signed by the test bed's CA with exact dates.
leaf_until() { # NAME SECONDS-LEFT: $TB_DIR/NAME.{crt,key}
    local now_s; now_s=$(date -u +%s)
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TB_DIR/$1.key" \
        -out "$TB_DIR/$1.csr" -subj "/CN=localhost" -config "$TB_DIR/ca/openssl.cnf" 2>/dev/null &&
    openssl ca -batch -config "$TB_DIR/ca/openssl.cnf" -in "$TB_DIR/$1.csr" -out "$TB_DIR/$1.crt" \
        -notext -startdate "$(date -u -d "@$((now_s - 86400))" +%Y%m%d%H%M%SZ)" \
        -enddate "$(date -u -d "@$((now_s + $2))" +%Y%m%d%H%M%SZ)" 2>/dev/null
}
SAVED_PORT=$PORT
leaf_until days2996 $((29 * 86400 + 82944 - 60))
start_server "$TB_DIR/days2996.crt" "$TB_DIR/days2996.key"
expect_check "certificate 29.96 days left: WARNING 29.9 days, cert_days rounded down" 1 \
    "^HELIXFLOW HTTP WARNING: certificate expires in 29\.9 days \| .* cert_days=29\.95d;30:;7:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" -w 5 -c 10
leaf_until days696 $((6 * 86400 + 82944 - 60))
start_server "$TB_DIR/days696.crt" "$TB_DIR/days696.key"
expect_check "certificate 6.96 days left: CRITICAL 6.9 days" 2 \
    "^HELIXFLOW HTTP CRITICAL: certificate expires in 6\.9 days \| .* cert_days=6\.95d;30:;7:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" -w 5 -c 10
PORT=$SAVED_PORT
expect_check "certificate expiring in 10 days, --cert-warning 5 --cert-critical 2: OK" 0 \
    "^HELIXFLOW HTTP OK: 200 OK in $T s, 19 bytes, certificate 10\.[0-9] days left \| .* cert_days=10(\.[0-9]+)?d;5:;2:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" --cert-warning 5 --cert-critical 2 -w 5 -c 10
start_server "$HF_CERTS_TEST/untrusted.crt" "$HF_CERTS_TEST/untrusted.key"
expect_check "self-signed certificate: untrusted with the reason" 2 \
    "^HELIXFLOW HTTP CRITICAL: certificate not trusted: self-signed certificate \(https://localhost:$PORT/ok\) \| time=${N}s;5;10;0 cert_days=36[45](\.[0-9]+)?d;30:;7:\$" \
    -- "$CHECK" --url "https://localhost:$PORT/ok" --ca "$HF_CA" -w 5 -c 10

# ... but when the time spent (~1.46 s of -t 2) is already beyond -c 1, the
# timeout proves CRITICAL. (Our own server: /slow sleeps 5 s.)
start_server "$HF_CERTS_TEST/valid.crt" "$HF_CERTS_TEST/valid.key"
expect_check "5 s server, -t 2 -c 1: CRITICAL no response" 2 \
    "^HELIXFLOW HTTP CRITICAL: no response within $T s \(critical range 1\): GET https://localhost:$PORT/slow\?ms=5000: Operation timed out after [0-9]+ milliseconds with 0 bytes received \| time=${N}s;0\.2;1;0\$" \
    -- "$CHECK" --url "https://localhost:$PORT/slow?ms=5000" --ca "$HF_CA" -t 2
expect_check "5 s server, -t 2 -c 3: UNKNOWN timed out after the time waited" 3 \
    "^HELIXFLOW HTTP UNKNOWN: timed out after 1\.[0-9]{2} s: GET https://localhost:$PORT/slow\?ms=5000: Operation timed out after [0-9]+ milliseconds with 0 bytes received \| time=${N}s;0\.2;3;0\$" \
    -- "$CHECK" --url "https://localhost:$PORT/slow?ms=5000" --ca "$HF_CA" -t 2 -c 3

# Out of time: check_helixflow (one process, the core's kinds) gives each check
# a share of its -t (here ~1.75 s, the http check alone). That share running
# out before the check's own timeout (10 s) is not HelixFlow's failure: UNKNOWN
# http.out_of_time, the endpoint not judged; but a wait already beyond -c
# proves it slow (CRITICAL); the check's own shorter -t is a plain timeout.
ALL=$(hf_bin check_helixflow)
if [ -x "$ALL" ]; then
    # --skip for every check of check_helixflow's but http (from its -h)
    mapfile -t SKIP < <("$ALL" -h | sed -n 's/.* in one process (\([^)]*\)).*/\1/p' | tr -d , |
                        tr ' ' '\n' | grep -vx http | sed 's/^/--skip=/')
    SLOW="https://localhost:$PORT/slow?ms=5000"
    expect_check "check_helixflow -t 2, 5 s server, -c 3: UNKNOWN out of time, not judged" 3 \
        "^HELIXFLOW DEPLOYMENT UNKNOWN: 1 problem: http: out of time: check_helixflow's -t left 1[0-9]{3} ms for this check \(the endpoint was not judged\) \| http_time=${N}s;0\.2;3;0\$" \
        -- "$ALL" "${SKIP[@]}" --health-url "$SLOW" --ca "$HF_CA" -t 2 --arg http=-c3
    expect_check "check_helixflow -t 2, 5 s server, -c 1: waited beyond -c, CRITICAL (proven slow)" 2 \
        "^HELIXFLOW DEPLOYMENT CRITICAL: 1 problem: http: no response within 1\.[0-9]{3} s \(critical range 1\): " \
        -- "$ALL" "${SKIP[@]}" --health-url "$SLOW" --ca "$HF_CA" -t 2
    expect_check "check_helixflow -t 5, http's own -t 1: its own timeout, UNKNOWN timed out" 3 \
        "^HELIXFLOW DEPLOYMENT UNKNOWN: 1 problem: http: timed out after 0\.[0-9]{2} s: GET " \
        -- "$ALL" "${SKIP[@]}" --health-url "$SLOW" --ca "$HF_CA" -t 5 --arg http=-t1
fi

# --- CRITICAL: connection refused on a closed port ----------------------------------
# A socket bound but not listening: connects are refused and the port stays ours.
exec {HOLD}< <(python3 -c 'import socket,time
s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1], flush=True); time.sleep(600)')
PIDS+=($!)
read -r -u "$HOLD" CLOSED
expect_check "connection refused" 2 \
    "^HELIXFLOW HTTP CRITICAL: connection refused: GET http://127\.0\.0\.1:$CLOSED/health: Failed to connect to 127\.0\.0\.1 port $CLOSED after [0-9]+ ms: (Couldn't connect to server|Connection refused) \| time=${N}s;0\.2;1;0\$" \
    -- "$CHECK" --url "http://127.0.0.1:$CLOSED/health"

# --- UNKNOWN: bad arguments (first line exact, usage line exact) -------------------
bad() { # name "first line" args...
    local name=$1 want=$2; shift 2
    expect_exact "$name" 3 "$want" -- "$CHECK" "$@"
    ok "$name: usage line" test "$(sed -n 2p <<<"$TB_OUT")" = "$USAGE"
}
bad "empty --url" "HELIXFLOW HTTP UNKNOWN: --url: empty value" --url ''
bad "-w junk" "HELIXFLOW HTTP UNKNOWN: -w: invalid range 'junk': end bound 'junk' is not a finite number" -w junk
bad "ftp URL" "HELIXFLOW HTTP UNKNOWN: --url: 'ftp://localhost/': scheme must be http or https" --url ftp://localhost/
bad "unparseable URL" "HELIXFLOW HTTP UNKNOWN: --url: 'http://[::1': Bad IPv6 address" --url 'http://[::1'
bad "bad regex" "HELIXFLOW HTTP UNKNOWN: --expect-regex: '(': Unmatched ( or \\(" --expect-regex '('
bad "bad status" "HELIXFLOW HTTP UNKNOWN: --expect-status: '2xx' is not a whole number from 100 to 599" --expect-status 2xx
bad "missing CA file" "HELIXFLOW HTTP UNKNOWN: --ca: cannot read '$TB_DIR/nope.pem': No such file or directory" --ca "$TB_DIR/nope.pem"
bad "capath not a directory" "HELIXFLOW HTTP UNKNOWN: --capath: '$HF_CA' is not a directory" --capath "$HF_CA"
bad "cert thresholds reversed" "HELIXFLOW HTTP UNKNOWN: --cert-critical 40 is above --cert-warning 30" --cert-critical 40
bad "negative cert days" "HELIXFLOW HTTP UNKNOWN: --cert-warning: '-1' is not a number >= 0" --cert-warning -1
bad "empty --model" "HELIXFLOW HTTP UNKNOWN: --model: empty value" --model ''
bad "unknown option" "HELIXFLOW HTTP UNKNOWN: unknown option '--bogus'" --bogus
bad "stray argument" "HELIXFLOW HTTP UNKNOWN: unexpected argument 'extra'" extra
expect_check "-h" 0 "^check_helixflow_http [0-9.]+ \(helixflow-monitoring\)\$" -- "$CHECK" -h

# --- valgrind: definite leaks and errors only (libcurl/OpenSSL keep "still reachable") ---
# (not for an ASan build: valgrind cannot run those)
if command -v valgrind >/dev/null && ! ldd "$CHECK" | grep -q 'libasan'; then
    VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9)
    expect_check "valgrind: https OK" 0 "^HELIXFLOW HTTP OK: " \
        -- "${VG[@]}" "$CHECK" --url "$HF_MODELS_URL" --ca "$HF_CA" --model helixflow-70b -w 20 -c 30 -t 60
    expect_check "valgrind: untrusted (second attempt)" 2 "^HELIXFLOW HTTP CRITICAL: certificate not trusted: " \
        -- "${VG[@]}" "$CHECK" --url "$HF_HEALTH_URL" -w 20 -c 30 -t 60
    expect_check "valgrind: refused" 2 "^HELIXFLOW HTTP CRITICAL: connection refused: " \
        -- "${VG[@]}" "$CHECK" --url "http://127.0.0.1:$CLOSED/health" -t 60
    expect_check "valgrind: bad usage" 3 "^HELIXFLOW HTTP UNKNOWN: --url: empty value\$" \
        -- "${VG[@]}" "$CHECK" --url ''
fi

done_testing
