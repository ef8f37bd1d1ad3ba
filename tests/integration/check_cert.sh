#!/bin/bash
# Integration: check_helixflow_cert against the test bed's OpenSSL-made
# certificates and its live HTTPS server. Exact first lines and exit codes.
#
# States pinned here (the README section on check_helixflow_cert explains the choice):
#   OK        every file valid, trusted, more than -w days left
#   WARNING   under -w days; --url serves another certificate (renewed but not reloaded)
#   CRITICAL  under -c days, expired, not yet valid, not trusted (also: no --ca and
#             the CA is not in the system store), missing/empty/unparseable file
#   UNKNOWN   bad arguments, unreadable file (permission), CA not loadable,
#             endpoint unreachable
# Days left (common/check/hf_check_days.h, alike for the http check): the state from
# the exact figure, the figures read rounded down: text to 0.1 day, perfdata to 0.01
# (dperf below computes it from the certificate and the clock).
set -u
. "$(dirname "$0")/lib.sh"

CHECK=$(hf_bin check_helixflow_cert)
tb_up --rows 100
ST=$TB_DIR/state
mkdir -p "$ST"
CT=$HF_CERTS_TEST
CERTS=$HF_ROOT/opt/helixflow/certs
USAGE="Usage: check_helixflow_cert [-w DAYS] [-c DAYS] [--cert FILE]... [--ca FILE] [--capath DIR] [--no-verify] [--url URL] [--root DIR] [--state-dir DIR] [-t SECONDS]"

enddate() { # enddate FILE -> "YYYY-MM-DD HH:MM:SS UTC"
    date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC'
}
startdate() {
    date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" '+%Y-%m-%d %H:%M:%S UTC'
}
C() { "$CHECK" --state-dir "$ST" "$@"; }
dperf() { # dperf FILE -> days left now (to the nanosecond), rounded down to 0.01, as perfdata prints it
    local end
    end=$(date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
    awk -v e="$end" -v now="$(date -u +%s.%N)" 'BEGIN { v = (e - now) / 864; f = int(v); if (f > v) f--;
        t = sprintf("%.2f", f / 100); sub(/0+$/, "", t); sub(/\.$/, "", t); print t }'
}
P() { # P FILE [WARN CRIT] -> "name=<days>d;30:;7:"
    printf '%s=%sd;%s;%s' "${1##*/}" "$(dperf "$1")" "${2:-30:}" "${3:-7:}"
}
perf4() {
    printf '%s %s %s %s' "$(P "$CERTS/api-gateway.crt")" "$(P "$CERTS/auth-service.crt")" \
        "$(P "$CERTS/inference-pool.crt")" "$(P "$CERTS/monitoring.crt")"
}

# ---- OK
expect_exact "default four with --ca" 0 \
    "HELIXFLOW CERT OK: 4 certificates, earliest expiry in 364.9 days (api-gateway.crt) | $(perf4)" \
    -- C --root "$HF_ROOT" --ca "$HF_CA"
expect_exact "again from the state file" 0 \
    "HELIXFLOW CERT OK: 4 certificates, earliest expiry in 364.9 days (api-gateway.crt) | $(perf4)" \
    -- C --root "$HF_ROOT" --ca "$HF_CA"
ok "one state file, named after the configuration" bash -c '[ $(ls "$1"/cert-*.state | wc -l) = 1 ]' _ "$ST"
SF=$(ls "$ST"/cert-*.state)
ok "state file is a version 2 cache" grep -qx 'helixflow-cert-cache 2' "$SF"
expect_exact "default state dir under --root" 0 \
    "HELIXFLOW CERT OK: 4 certificates, earliest expiry in 364.9 days (api-gateway.crt) | $(perf4)" \
    -- "$CHECK" --root "$HF_ROOT" --ca "$HF_CA"
ok "state file under <root>/var/lib/helixflow-monitoring" \
    bash -c 'test -s "$1"/cert-*.state' _ "$HF_ROOT/var/lib/helixflow-monitoring"
expect_exact "chain bundle with intermediate" 0 \
    "HELIXFLOW CERT OK: 1 certificate, earliest expiry in 364.9 days (chain.pem) | chain.pem=$(dperf "$CT/chain-leaf.crt")d;30:;7:" \
    -- C --cert "$CT/chain.pem" --ca "$HF_CA"
expect_exact "DER" 0 \
    "HELIXFLOW CERT OK: 1 certificate, earliest expiry in 364.9 days (valid.der) | $(P "$CT/valid.crt" | sed 's/^valid.crt/valid.der/')" \
    -- C --cert "$CT/valid.der" --ca "$HF_CA"
expect_exact "CA directory (--capath)" 0 \
    "HELIXFLOW CERT OK: 1 certificate, earliest expiry in 364.9 days (valid.crt) | $(P "$CT/valid.crt")" \
    -- bash -c 'd=$1/capath; mkdir -p "$d" && cp "$2" "$d/" && openssl rehash "$d" &&
                exec "$3" --state-dir "$4" --cert "$5" --capath "$d"' _ "$TB_DIR" "$HF_CA" "$CHECK" "$ST" "$CT/valid.crt"
expect_exact "--no-verify without a CA" 0 \
    "HELIXFLOW CERT OK: 1 certificate, earliest expiry in 364.9 days (valid.crt) | $(P "$CT/valid.crt")" \
    -- C --cert "$CT/valid.crt" --no-verify
expect_exact "--url serves the first file" 0 \
    "HELIXFLOW CERT OK: 4 certificates, earliest expiry in 364.9 days (api-gateway.crt), api-gateway.crt served by $HF_HEALTH_URL | $(perf4)" \
    -- C --root "$HF_ROOT" --ca "$HF_CA" --url "$HF_HEALTH_URL"
expect_exact "custom -w/-c" 0 \
    "HELIXFLOW CERT OK: 1 certificate, earliest expiry in 10.0 days (expiring.crt) | $(P "$CT/expiring.crt" 5: 3:)" \
    -- C --cert "$CT/expiring.crt" --ca "$HF_CA" -w 5: -c 3:

# ---- WARNING
expect_exact "expiring in 10 days" 1 \
    "HELIXFLOW CERT WARNING: expiring.crt expires in 10.0 days ($(enddate "$CT/expiring.crt")) | $(P "$CT/expiring.crt")" \
    -- C --cert "$CT/expiring.crt" --ca "$HF_CA"
expect_exact "renewed but not reloaded" 1 \
    "HELIXFLOW CERT WARNING: renewed.crt renewed but not reloaded: $HF_HEALTH_URL still serves the certificate expiring $(enddate "$CERTS/api-gateway.crt") (file: $(enddate "$CT/renewed.crt")) | $(P "$CT/renewed.crt")" \
    -- C --cert "$CT/renewed.crt" --ca "$HF_CA" --url "$HF_HEALTH_URL"

# ---- CRITICAL
expect_exact "under -c" 2 \
    "HELIXFLOW CERT CRITICAL: expiring.crt expires in 10.0 days ($(enddate "$CT/expiring.crt")) | $(P "$CT/expiring.crt" 30: 11:)" \
    -- C --cert "$CT/expiring.crt" --ca "$HF_CA" -c 11:
expect_exact "expired" 2 \
    "HELIXFLOW CERT CRITICAL: expired.crt expired 5.0 days ago ($(enddate "$CT/expired.crt")) | $(P "$CT/expired.crt")" \
    -- C --cert "$CT/expired.crt" --ca "$HF_CA"
expect_exact "untrusted" 2 \
    "HELIXFLOW CERT CRITICAL: untrusted.crt not trusted: self-signed certificate (depth 0) | $(P "$CT/untrusted.crt")" \
    -- C --cert "$CT/untrusted.crt" --ca "$HF_CA"
expect_exact "no --ca: the test CA is not in the system store" 2 \
    "HELIXFLOW CERT CRITICAL: api-gateway.crt not trusted by the system store: unable to get local issuer certificate (depth 0) | $(P "$CERTS/api-gateway.crt")" \
    -- C --cert "$CERTS/api-gateway.crt"
expect_check "no --ca: the default four" 2 \
    '^HELIXFLOW CERT CRITICAL: api-gateway.crt not trusted by the system store: unable to get local issuer certificate \(depth 0\), auth-service.crt not trusted .*, monitoring.crt not trusted by the system store: unable to get local issuer certificate \(depth 0\) \| ' \
    -- C --root "$HF_ROOT"
expect_exact "garbage" 2 \
    "HELIXFLOW CERT CRITICAL: garbage.crt: no certificate found (PEM_read_bio: bad base64 decode)" \
    -- C --cert "$CT/garbage.crt" --ca "$HF_CA"
expect_exact "empty" 2 "HELIXFLOW CERT CRITICAL: empty.crt: empty file" \
    -- C --cert "$CT/empty.crt" --ca "$HF_CA"
expect_exact "key only" 2 \
    "HELIXFLOW CERT CRITICAL: valid.key: no certificate found (1 PEM block of other types skipped)" \
    -- C --cert "$CT/valid.key" --ca "$HF_CA"
expect_exact "missing" 2 "HELIXFLOW CERT CRITICAL: missing.crt: cannot open: No such file or directory" \
    -- C --cert "$CT/missing.crt" --ca "$HF_CA"
expect_exact "one missing among the defaults" 2 \
    "HELIXFLOW CERT CRITICAL: monitoring.crt: cannot open: No such file or directory | $(P "$CERTS/api-gateway.crt") $(P "$CERTS/auth-service.crt") $(P "$CERTS/inference-pool.crt")" \
    -- bash -c 'mv "$1/monitoring.crt" "$1/monitoring.crt.away"; "${@:2}"; rc=$?;
                mv "$1/monitoring.crt.away" "$1/monitoring.crt"; exit $rc' _ "$CERTS" \
       "$CHECK" --state-dir "$ST" --root "$HF_ROOT" --ca "$HF_CA"

# not yet valid: signed by the test CA, valid from 30 days on
now_s=$(date -u +%s)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TB_DIR/future.key" \
    -subj "/O=HelixFlow/CN=localhost" -config "$HF_ROOT/ca/openssl.cnf" -out "$TB_DIR/future.csr" 2>/dev/null
openssl ca -batch -config "$HF_ROOT/ca/openssl.cnf" -in "$TB_DIR/future.csr" -out "$TB_DIR/future.crt" -notext \
    -startdate "$(date -u -d "@$((now_s + 30 * 86400 + 3600))" +%Y%m%d%H%M%SZ)" \
    -enddate "$(date -u -d "@$((now_s + 400 * 86400))" +%Y%m%d%H%M%SZ)" 2>/dev/null
expect_exact "not yet valid" 2 \
    "HELIXFLOW CERT CRITICAL: future.crt not yet valid: valid from $(startdate "$TB_DIR/future.crt") (in 30.0 days) | $(P "$TB_DIR/future.crt")" \
    -- C --cert "$TB_DIR/future.crt" --ca "$HF_CA"

# days left near a threshold: the state from the exact figure, the text and perfdata
# rounded down (hf_check_days.h). 29.965 days is WARNING "29.9 days" (it read "30.0
# days" and was OK), 6.965 days CRITICAL "6.9 days" (it was WARNING). notAfter exact to
# the second through 'openssl ca -enddate' (openssl x509 -days counts whole days).
ca_cert() { # ca_cert NAME SECONDS_LEFT -> $TB_DIR/NAME.crt, signed by the test CA
    local t; t=$(date -u +%s)
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TB_DIR/$1.key" \
        -subj "/O=HelixFlow/CN=localhost" -config "$HF_ROOT/ca/openssl.cnf" -out "$TB_DIR/$1.csr" 2>/dev/null
    openssl ca -batch -config "$HF_ROOT/ca/openssl.cnf" -in "$TB_DIR/$1.csr" -out "$TB_DIR/$1.crt" -notext \
        -startdate "$(date -u -d "@$((t - 86400))" +%Y%m%d%H%M%SZ)" \
        -enddate "$(date -u -d "@$((t + $2))" +%Y%m%d%H%M%SZ)" 2>/dev/null
}
ca_cert near30 $((29 * 86400 + 83376))      # 29.965 days
ca_cert near7 $((6 * 86400 + 83376))        # 6.965 days
expect_exact "29.965 days left: WARNING, read as 29.9 days" 1 \
    "HELIXFLOW CERT WARNING: near30.crt expires in 29.9 days ($(enddate "$TB_DIR/near30.crt")) | near30.crt=29.96d;30:;7:" \
    -- C --cert "$TB_DIR/near30.crt" --ca "$HF_CA"
expect_exact "6.965 days left: CRITICAL, read as 6.9 days" 2 \
    "HELIXFLOW CERT CRITICAL: near7.crt expires in 6.9 days ($(enddate "$TB_DIR/near7.crt")) | near7.crt=6.96d;30:;7:" \
    -- C --cert "$TB_DIR/near7.crt" --ca "$HF_CA"
expect_exact "both: the earlier one named, CRITICAL first" 2 \
    "HELIXFLOW CERT CRITICAL: near7.crt expires in 6.9 days ($(enddate "$TB_DIR/near7.crt")) | near30.crt=29.96d;30:;7: near7.crt=6.96d;30:;7:" \
    -- C --cert "$TB_DIR/near30.crt" --cert "$TB_DIR/near7.crt" --ca "$HF_CA"
expect_exact "29.965 days with -w 29.9: (exactly above) OK" 0 \
    "HELIXFLOW CERT OK: 1 certificate, earliest expiry in 29.9 days (near30.crt) | near30.crt=29.96d;29.9:;7:" \
    -- C --cert "$TB_DIR/near30.crt" --ca "$HF_CA" -w 29.9:

# ---- UNKNOWN
if [ "$(id -u)" = 0 ]; then
    cp "$CT/valid.crt" "$TB_DIR/secret.crt"; chmod 600 "$TB_DIR/secret.crt"
    chmod 755 "$TB_DIR"; mkdir -p "$TB_DIR/nst"; chown 65534:65534 "$TB_DIR/nst"; chmod 700 "$TB_DIR/nst"
    expect_exact "permission denied" 3 "HELIXFLOW CERT UNKNOWN: secret.crt: cannot open: Permission denied" \
        -- setpriv --reuid=65534 --regid=65534 --clear-groups "$CHECK" --state-dir "$TB_DIR/nst" \
           --cert "$TB_DIR/secret.crt" --ca "$HF_CA"
else
    cp "$CT/valid.crt" "$TB_DIR/secret.crt"; chmod 000 "$TB_DIR/secret.crt"
    expect_exact "permission denied" 3 "HELIXFLOW CERT UNKNOWN: secret.crt: cannot open: Permission denied" \
        -- C --cert "$TB_DIR/secret.crt" --ca "$HF_CA"
fi
expect_exact "CA file missing" 3 \
    "HELIXFLOW CERT UNKNOWN: valid.crt: cannot verify: cannot open CA file $TB_DIR/none.crt: No such file or directory | $(P "$CT/valid.crt")" \
    -- C --cert "$CT/valid.crt" --ca "$TB_DIR/none.crt"
expect_exact "CA file unparseable" 3 \
    "HELIXFLOW CERT UNKNOWN: valid.crt: cannot verify: cannot load CA file $CT/garbage.crt (bad base64 decode) | $(P "$CT/valid.crt")" \
    -- C --cert "$CT/valid.crt" --ca "$CT/garbage.crt"
free_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
expect_check "endpoint unreachable" 3 \
    "^HELIXFLOW CERT UNKNOWN: valid.crt: cannot fetch the served certificate: https://127.0.0.1:$free_port/health: cannot connect to 127.0.0.1 port $free_port: Connection refused \| $(P "$CT/valid.crt")\$" \
    -- C --cert "$CT/valid.crt" --ca "$HF_CA" --url "https://127.0.0.1:$free_port/health"
expect_exact "bad --url" 3 "HELIXFLOW CERT UNKNOWN: --url: '$HF_HTTP_HEALTH_URL' is not an https URL" \
    -- C --url "$HF_HTTP_HEALTH_URL"
ok "usage line follows" bash -c '[ "$("$@" | sed -n 2p)" = "$0" ]' "$USAGE" "$CHECK" --url "$HF_HTTP_HEALTH_URL"
expect_exact "--no-verify with --ca" 3 "HELIXFLOW CERT UNKNOWN: --no-verify excludes --ca and --capath" \
    -- C --no-verify --ca "$HF_CA"
expect_exact "unknown option" 3 "HELIXFLOW CERT UNKNOWN: unknown option '--bogus'" -- C --bogus
expect_exact "bad -w" 3 "HELIXFLOW CERT UNKNOWN: -w: invalid range 'abc': end bound 'abc' is not a finite number" \
    -- C -w abc
expect_exact "--cert without value" 3 "HELIXFLOW CERT UNKNOWN: option '--cert' needs a value" -- C --cert
expect_exact "stray argument" 3 "HELIXFLOW CERT UNKNOWN: unexpected argument 'x.crt'" -- C x.crt

# ---- the state file: an unusable one is one WARNING (state.reset), the check goes on
echo "garbage" >"$SF"
expect_exact "corrupt state file: WARNING, certificates still checked" 1 \
    "HELIXFLOW CERT WARNING: $SF: not a version 2 certificate cache; starting afresh | $(perf4)" \
    -- C --root "$HF_ROOT" --ca "$HF_CA"
ok "state file rewritten" grep -qx 'helixflow-cert-cache 2' "$SF"
expect_exact "rewritten state file: OK again" 0 \
    "HELIXFLOW CERT OK: 4 certificates, earliest expiry in 364.9 days (api-gateway.crt) | $(perf4)" \
    -- C --root "$HF_ROOT" --ca "$HF_CA"
head -c 200 "$SF" >"$SF.cut" && mv "$SF.cut" "$SF"
expect_exact "truncated state file: WARNING" 1 \
    "HELIXFLOW CERT WARNING: $SF: truncated (no end marker); starting afresh | $(perf4)" \
    -- C --root "$HF_ROOT" --ca "$HF_CA"
rm -f "$SF" && mkdir "$SF"
expect_check "state file is a directory: WARNING, certificates still checked" 1 \
    "^HELIXFLOW CERT WARNING: $SF: not a regular file; starting afresh \\(the directory was moved aside to $SF\\.unusable\\) \\| $(perf4)\$" \
    -- C --root "$HF_ROOT" --ca "$HF_CA"
ok "... the state file is rebuilt beside it" test -f "$SF" -a -d "$SF.unusable"
rmdir "$SF.unusable"

done_testing
