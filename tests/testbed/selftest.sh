#!/usr/bin/env bash
# Smoke test of the HelixFlow test bed: brings one up, exercises every
# feature, tears it down, checks nothing is left running.  Exit 0 = all good.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../integration/lib.sh"
T=$HF_TESTBED

tb_up --rows 5000 --days 35
echo "# test bed at $HF_ROOT"

# ---- environment file
for v in HF_ROOT HF_HTTPS_PORT HF_HTTP_PORT HF_METRICS_PORT HF_HEALTH_URL HF_MODELS_URL \
         HF_HTTP_HEALTH_URL HF_METRICS_URL HF_CA HF_CERTS_TEST HF_DB HF_RESTART_CMD HF_SERVICES; do
    ok "testbed.env exports $v" test -n "${!v:-}"
done

# ---- HTTPS / HTTP API
expect_exact "https /health" 0 '{"status":"healthy"}' -- curl -sS --cacert "$HF_CA" "$HF_HEALTH_URL"
expect_check "https /v1/models" 0 '"id":"helixflow-70b"' -- curl -sS --cacert "$HF_CA" "$HF_MODELS_URL"
expect_exact "https 404" 0 404 -- curl -sS -o /dev/null -w '%{http_code}' --cacert "$HF_CA" \
    "https://localhost:$HF_HTTPS_PORT/nope"
expect_exact "https rejected without test CA" 60 '' -- curl -sS --capath /nonexistent \
    --cacert "$HF_CERTS_TEST/untrusted.crt" "$HF_HEALTH_URL"
expect_exact "http /health" 0 '{"status":"healthy"}' -- curl -sS "$HF_HTTP_HEALTH_URL"
ok "served cert is api-gateway.crt" bash -c "
    a=\$(echo | openssl s_client -connect 127.0.0.1:$HF_HTTPS_PORT -servername localhost 2>/dev/null |
         openssl x509 -noout -fingerprint -sha256)
    b=\$(openssl x509 -in $HF_ROOT/opt/helixflow/certs/api-gateway.crt -noout -fingerprint -sha256)
    c=\$(openssl x509 -in $HF_CERTS_TEST/renewed.crt -noout -fingerprint -sha256)
    [ -n \"\$a\" ] && [ \"\$a\" = \"\$b\" ] && [ \"\$a\" != \"\$c\" ]"
"$T" health "$HF_ROOT" fail
expect_exact "health fail -> 503" 0 '{"status":"unhealthy"} 503' -- \
    bash -c "curl -sS -w ' %{http_code}' --cacert '$HF_CA' '$HF_HEALTH_URL' | tr -d '\n'"
"$T" health "$HF_ROOT" slow
ok "health slow takes >= 1.5 s" bash -c "
    t=\$(curl -sS -o /dev/null -w '%{time_total}' '$HF_HTTP_HEALTH_URL'); awk -v t=\$t 'BEGIN{exit !(t >= 1.5)}'"
"$T" health "$HF_ROOT" ok

# ---- metrics
expect_exact "metrics ok first line" 0 '# HELP api_requests_total Total number of API requests handled by the gateway.' \
    -- curl -sS "$HF_METRICS_URL"
M=$HF_ROOT/run/selftest.metrics
curl -sS "$HF_METRICS_URL" >"$M"
ok "metrics: histogram +Inf" grep -qF 'api_request_duration_seconds_bucket{le="+Inf"}' "$M"
ok "metrics: vllm ttft histogram" grep -q '^vllm:time_to_first_token_seconds_bucket' "$M"
ok "metrics: vllm waiting" grep -q '^vllm:num_requests_waiting' "$M"
ok "metrics: NaN gauge" grep -q '^helixflow_gpu_temperature_celsius NaN$' "$M"
ok "metrics: sample with timestamp" grep -qE '^helixflow_queue_depth [0-9]+ [0-9]{13}$' "$M"
ok "metrics: escaped label value" grep -qF 'note="quote \" backslash \\ newline \n end"' "$M"
ok "metrics counters move" bash -c "
    a=\$(curl -sS '$HF_METRICS_URL' | awk '/^api_request_duration_seconds_count/{print \$2}'); sleep 1.2
    b=\$(curl -sS '$HF_METRICS_URL' | awk '/^api_request_duration_seconds_count/{print \$2}'); [ \"\$b\" -gt \"\$a\" ]"
"$T" metrics "$HF_ROOT" malformed
expect_exact "metrics malformed line 3" 0 'api_requests_total{code="200" 12' -- \
    bash -c "curl -sS '$HF_METRICS_URL' | sed -n 3p"
"$T" metrics "$HF_ROOT" empty
expect_exact "metrics empty" 0 '200 0' -- curl -sS -o /dev/null -w '%{http_code} %{size_download}' "$HF_METRICS_URL"
"$T" metrics "$HF_ROOT" summary
ok "metrics summary has quantiles" bash -c "curl -sS '$HF_METRICS_URL' | grep -q 'api_request_duration_seconds{quantile=\"0.99\"}'"
"$T" metrics "$HF_ROOT" ok

# ---- certificates
CT=$HF_CERTS_TEST
for s in api-gateway auth-service inference-pool monitoring; do
    expect_exact "cert $s verifies" 0 "$HF_ROOT/opt/helixflow/certs/$s.crt: OK" -- \
        openssl verify -CAfile "$HF_CA" "$HF_ROOT/opt/helixflow/certs/$s.crt"
done
expect_exact "valid.crt verifies" 0 "$CT/valid.crt: OK" -- openssl verify -CAfile "$HF_CA" "$CT/valid.crt"
expect_exact "renewed.crt verifies" 0 "$CT/renewed.crt: OK" -- openssl verify -CAfile "$HF_CA" "$CT/renewed.crt"
expect_exact "chain.pem verifies" 0 "$CT/chain.pem: OK" -- openssl verify -CAfile "$HF_CA" -untrusted "$CT/chain.pem" "$CT/chain.pem"
ok "chain.pem has 2 certs" bash -c "[ \$(grep -c 'BEGIN CERTIFICATE' '$CT/chain.pem') = 2 ]"
ok "expired.crt fails verify" bash -c "! openssl verify -CAfile '$HF_CA' '$CT/expired.crt' >/dev/null 2>&1"
ok "expired.crt is past notAfter" bash -c "! openssl x509 -in '$CT/expired.crt' -noout -checkend 0"
ok "expiring.crt: 9-10 days left" bash -c "openssl x509 -in '$CT/expiring.crt' -noout -checkend $((9*86400)) &&
    ! openssl x509 -in '$CT/expiring.crt' -noout -checkend $((11*86400))"
ok "valid.crt > 300 days" openssl x509 -in "$CT/valid.crt" -noout -checkend $((300*86400))
ok "untrusted.crt fails verify" bash -c "! openssl verify -CAfile '$HF_CA' '$CT/untrusted.crt' >/dev/null 2>&1"
ok "valid.der is DER of valid.crt" bash -c "[ \"\$(openssl x509 -inform DER -in '$CT/valid.der' -noout -fingerprint)\" = \
    \"\$(openssl x509 -in '$CT/valid.crt' -noout -fingerprint)\" ]"
ok "garbage.crt is not a cert" bash -c "! openssl x509 -in '$CT/garbage.crt' -noout 2>/dev/null"
ok "empty.crt is empty" bash -c "[ -f '$CT/empty.crt' ] && [ ! -s '$CT/empty.crt' ]"
ok "api-gateway cert SAN" bash -c "openssl x509 -in '$HF_ROOT/opt/helixflow/certs/api-gateway.crt' -noout -ext subjectAltName | grep -q 'DNS:localhost, IP Address:127.0.0.1'"

# ---- database
expect_exact "db rows (writer adds more)" 0 1 -- sqlite3 "$HF_DB" "SELECT count(*) >= 5000 FROM inference_requests;"
expect_exact "db WAL" 0 wal -- sqlite3 "$HF_DB" "PRAGMA journal_mode;"
expect_exact "db rows older than 30 days" 0 1 -- sqlite3 "$HF_DB" \
    "SELECT count(*) > 0 FROM inference_requests WHERE created_at < datetime('now','-30 days');"
expect_exact "db error ratio 0.5% (every 200th row)" 0 1 -- sqlite3 "$HF_DB" \
    "SELECT avg(status='error') BETWEEN 0.004 AND 0.006 FROM inference_requests;"
expect_exact "db response_time range" 0 1 -- sqlite3 "$HF_DB" \
    "SELECT min(response_time) >= 50 AND max(response_time) <= 3000 FROM inference_requests;"
expect_exact "db other tables" 0 '50|80|3' -- sqlite3 "$HF_DB" \
    "SELECT (SELECT count(*) FROM users),(SELECT count(*) FROM api_keys),(SELECT count(*) FROM models);"
expect_exact "db created_at index" 0 idx_inference_requests_created_at -- sqlite3 "$HF_DB" \
    "SELECT name FROM sqlite_master WHERE type='index' AND tbl_name='inference_requests';"
ok "writer inserts current rows" bash -c "sleep 1.2; [ \$(sqlite3 '$HF_DB' \"SELECT count(*) FROM inference_requests WHERE created_at >= datetime('now','-5 seconds');\") -gt 10 ]"
"$T" writer "$HF_ROOT" stop
"$T" lock-db "$HF_ROOT" 3
expect_check "lock-db blocks a writer" 5 '' -- sqlite3 -cmd '.timeout 100' "$HF_DB" \
    "INSERT INTO inference_requests(created_at,model,user_id,prompt_tokens,completion_tokens,response_time,status) VALUES (datetime('now'),'helixflow-7b','u',1,1,100,'success');"
expect_exact "lock-db still allows readers" 0 1 -- sqlite3 -cmd '.timeout 100' "$HF_DB" "SELECT count(*) > 0 FROM models;"
sleep 3.2
expect_exact "lock released" 0 '' -- sqlite3 -cmd '.timeout 2000' "$HF_DB" \
    "INSERT INTO inference_requests(created_at,model,user_id,prompt_tokens,completion_tokens,response_time,status) VALUES (datetime('now'),'helixflow-7b','u',1,1,100,'success');"
"$T" writer "$HF_ROOT" start --rate 20

# ---- backups
B=$HF_ROOT/opt/helixflow/backups
newest() { ls -1t "$B"/*.db 2>/dev/null | head -n1; }
ok "backup at up" test -n "$(newest)"
expect_exact "backup quick_check ok" 0 ok -- sqlite3 "$(newest)" "PRAGMA quick_check;"
sleep 1
"$T" backup "$HF_ROOT" fresh
ok "backup fresh is recent" bash -c "[ \$(( \$(date +%s) - \$(stat -c %Y '$(newest)') )) -lt 5 ]"
ok "backup fresh name" bash -c "basename '$(newest)' | grep -qE '^helixflow-[0-9]{8}-[0-9]{6}\.db$'"
"$T" backup "$HF_ROOT" old
ok "backup old: newest is 2 days old" bash -c "a=\$(( \$(date +%s) - \$(stat -c %Y \$(ls -1t '$B'/*.db | head -n1)) )); [ \$a -ge 172790 ] && [ \$a -lt 172900 ]"
ok "backup old: 2 backups, none recent" bash -c "[ \$(ls '$B'/*.db | wc -l) = 2 ] && [ -z \"\$(find '$B' -name '*.db' -newermt '-1 day')\" ]"
"$T" backup "$HF_ROOT" none
"$T" backup "$HF_ROOT" fresh
"$T" backup "$HF_ROOT" corrupt
ok "backup corrupt fails quick_check" bash -c "[ \"\$(sqlite3 '$(newest)' 'PRAGMA quick_check;' 2>&1)\" != ok ]"
"$T" backup "$HF_ROOT" corrupt-header
expect_check "backup corrupt-header not a db" 26 '' -- sqlite3 "$(newest)" "PRAGMA quick_check;"
"$T" backup "$HF_ROOT" none
ok "backup none" bash -c "! ls '$B'/*.db 2>/dev/null"

# ---- services, /proc identity, restart
for s in $HF_SERVICES; do
    ok "service $s exe" bash -c "[ \"\$(readlink /proc/\$(cat '$HF_ROOT/run/$s.pid')/exe)\" = '$HF_ROOT/opt/helixflow/bin/$s' ]"
done
ok "service binaries are copies" bash -c "[ ! -L '$HF_ROOT/opt/helixflow/bin/api-gateway' ] && [ -x '$HF_ROOT/opt/helixflow/bin/api-gateway' ]"
count_exe() { local n=0 p; for p in /proc/[0-9]*; do [ "$(readlink "$p/exe" 2>/dev/null)" = "$1" ] && n=$((n+1)); done; echo $n; }
expect_exact "api-gateway has 3 processes" 0 3 -- count_exe "$HF_ROOT/opt/helixflow/bin/api-gateway"
old=$(cat "$HF_ROOT/run/api-gateway.pid")
ok "restart via HF_RESTART_CMD" $HF_RESTART_CMD api-gateway
new=$(cat "$HF_ROOT/run/api-gateway.pid")
ok "restart gave a new pid" test "$old" != "$new"
ok "old api-gateway gone" bash -c "! kill -0 $old 2>/dev/null || grep -q '^State:.Z' /proc/$old/status"
expect_exact "api-gateway 3 processes after restart" 0 3 -- count_exe "$HF_ROOT/opt/helixflow/bin/api-gateway"
expect_check "restart unknown service" 2 '' -- $HF_RESTART_CMD no-such-service
"$T" kill "$HF_ROOT" auth-service
expect_exact "kill auth-service" 0 0 -- count_exe "$HF_ROOT/opt/helixflow/bin/auth-service"
"$T" start "$HF_ROOT" auth-service
expect_exact "start auth-service" 0 1 -- count_exe "$HF_ROOT/opt/helixflow/bin/auth-service"
"$T" kill "$HF_ROOT" api-gateway
"$T" decoy "$HF_ROOT" start
expect_exact "decoys are not api-gateway" 0 0 -- count_exe "$HF_ROOT/opt/helixflow/bin/api-gateway"
ok "decoys bait pgrep -f bin/api-gateway" bash -c "[ \$(pgrep -f '$HF_ROOT/.*bin/api-gateway' | wc -l) -ge 3 ]"
ok "decoy exe basename api-gateway" bash -c "[ \"\$(readlink /proc/\$(cat '$HF_ROOT/run/decoy-exe.pid')/exe)\" = '$HF_ROOT/decoy/bin/api-gateway' ]"
"$T" decoy "$HF_ROOT" stop
"$T" start "$HF_ROOT" api-gateway

# ---- logs
L=$HF_ROOT/var/log/helixflow
for s in api-gateway auth-service inference-pool monitoring; do
    ok "log $s has lines" bash -c "[ \$(wc -l <'$L/$s.log') -ge 200 ]"
done
expect_check "logs.summary" 0 '^api-gateway lines=300 error_class=45 security_class=15 ' -- cat "$HF_ROOT/run/logs.summary"
expect_exact "initial error-class lines" 0 45 -- grep -ciE 'error|fail|critical' "$L/api-gateway.log"
expect_exact "initial security lines" 0 15 -- grep -ciE 'security|auth|login' "$L/api-gateway.log"
"$T" log "$HF_ROOT" append 7 error
expect_exact "append 7 error" 0 52 -- grep -ciE 'error|fail|critical' "$L/api-gateway.log"
"$T" log "$HF_ROOT" append 4 security
expect_exact "append 4 security" 0 19 -- grep -ciE 'security|auth|login' "$L/api-gateway.log"
ino=$(stat -c %i "$L/api-gateway.log")
"$T" log "$HF_ROOT" rotate rename
ok "rotate rename: new inode, .1 kept" bash -c "[ \$(stat -c %i '$L/api-gateway.log') != $ino ] && [ ! -s '$L/api-gateway.log' ] && [ -s '$L/api-gateway.log.1' ]"
"$T" log "$HF_ROOT" append 5 info
ino=$(stat -c %i "$L/api-gateway.log")
"$T" log "$HF_ROOT" rotate copytruncate
ok "rotate copytruncate: same inode, empty" bash -c "[ \$(stat -c %i '$L/api-gateway.log') = $ino ] && [ ! -s '$L/api-gateway.log' ] && [ \$(wc -l <'$L/api-gateway.log.1') = 5 ] && [ -s '$L/api-gateway.log.2' ]"
"$T" log "$HF_ROOT" append 3 mixed
"$T" log "$HF_ROOT" truncate
ok "truncate" bash -c "[ ! -s '$L/api-gateway.log' ]"
"$T" log "$HF_ROOT" garbage
ok "garbage has a 1 MiB line" bash -c "[ \$(wc -L <'$L/api-gateway.log') -ge 1048576 ]"

# ---- config
ok "config MAX_WORKERS/GOMAXPROCS" bash -c "grep -rq 'MAX_WORKERS=8' '$HF_ROOT/opt/helixflow/config/' && grep -rq 'GOMAXPROCS=4' '$HF_ROOT/opt/helixflow/config/'"

# ---- a second test bed at the same time, then down leaves nothing
D2=$(mktemp -d "${TMPDIR:-/tmp}/hf-testbed2.XXXXXX")
ok "second test bed up (plain schema, no writer)" "$T" up "$D2" --rows 1000 --schema plain --no-writer
expect_exact "plain schema: no id column, 1000 rows" 0 '0|1000' -- sqlite3 "$D2/opt/helixflow/data/helixflow.db" \
    "SELECT (SELECT count(*) FROM pragma_table_info('inference_requests') WHERE name='id'), (SELECT count(*) FROM inference_requests);"
ok "second test bed: no writer" test ! -e "$D2/run/writer.pid"
ok "second test bed has other ports" bash -c ". '$D2/testbed.env'; [ \$HF_HTTPS_PORT != $HF_HTTPS_PORT ] &&
    curl -sS --cacert \$HF_CA \$HF_HEALTH_URL | grep -q healthy"
ok "first test bed still healthy" bash -c "curl -sS --cacert '$HF_CA' '$HF_HEALTH_URL' | grep -q healthy"
ok "second test bed down" "$T" down "$D2" --purge
ok "second test bed: no processes left" bash -c "! ps -eo args | grep -v grep | grep -qF '$D2'"
ok "second test bed purged" test ! -e "$D2"
"$T" decoy "$HF_ROOT" start
"$T" lock-db "$HF_ROOT" 30
ok "down" "$T" down "$HF_ROOT"
ok "down: no processes left" bash -c "! ps -eo args | grep -v grep | grep -qF '$HF_ROOT/'"
ok "down: no marked processes left" bash -c "! grep -lzxF 'HF_TESTBED_MARK=$HF_ROOT' /proc/[0-9]*/environ 2>/dev/null"
ok "down again (idempotent)" "$T" down "$HF_ROOT"
ok "files left after down" test -f "$HF_DB"
expect_check "restart on a non-testbed dir fails" 1 '' -- "$T" start /nonexistent/x api-gateway

done_testing
