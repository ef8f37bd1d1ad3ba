#!/bin/bash
# bench_cert.sh: checking an unchanged certificate file, side by side.
#
#   ours, in-process : bench_cert_probe: hf_cert_probe with a warm cache (one
#                      stat of the file and of the CA; dates and verification
#                      from the cache), N probes in one process
#   ours, process    : check_helixflow_cert --cert FILE --ca CA with a warm state file
#   stock            : openssl x509 -enddate -noout -in FILE (what the guide runs)
#                      check_http -H 127.0.0.1 -p <https port> --ssl -C 30,7
#
# Bar: the in-process probe uses at least 100x less CPU per check than either
# stock tool. The whole-process figures are printed for the record (no bar:
# exec + dynamic linking of libcurl/OpenSSL dominate a short-lived plugin).
set -u
cd "$(dirname "$0")/.."
top=$PWD
. bench/lib.sh
. tests/integration/lib.sh
BUILD=${HF_BUILD_DIR:-$top/build}
if [ ! -x "$BUILD/bench/bench_cert_probe" ] || [ ! -x "$BUILD/plugins/nagios/check_helixflow_cert" ]; then
    { [ -d "$BUILD/meson-private" ] || meson setup "$BUILD" >/dev/null; } && ninja -C "$BUILD" >/dev/null || exit 1
fi
CHECK_HTTP=${CHECK_HTTP:-/usr/lib/nagios/plugins/check_http}
N=${BENCH_N:-20000}         # in-process probes
R=${BENCH_REPEAT:-100}      # process runs

tb_up --rows 10 >/dev/null 2>&1
CERT=$HF_ROOT/opt/helixflow/certs/api-gateway.crt
ST=$TB_DIR/bench-state
mkdir -p "$ST"
CHECK=$BUILD/plugins/nagios/check_helixflow_cert

echo "== certificate check of an unchanged file ($CERT)"
"$BUILD/bench/bench_cert_probe" -n 1000 --ca "$HF_CA" "$CERT" | sed 's/^/   probe driver: /'
"$CHECK" --state-dir "$ST" --cert "$CERT" --ca "$HF_CA" | sed 's/^/   warm-up: /'
"$CHECK_HTTP" -H 127.0.0.1 -p "$HF_HTTPS_PORT" --ssl -C 30,7 | sed 's/^/   check_http: /'

measure probe 1 "$BUILD/bench/bench_cert_probe" -n "$N" --ca "$HF_CA" "$CERT"
measure probe0 1 "$BUILD/bench/bench_cert_probe" -n 1 --ca "$HF_CA" "$CERT"
measure check "$R" "$CHECK" --state-dir "$ST" --cert "$CERT" --ca "$HF_CA"
measure x509 "$R" openssl x509 -enddate -noout -in "$CERT"
measure http "$R" "$CHECK_HTTP" -H 127.0.0.1 -p "$HF_HTTPS_PORT" --ssl -C 30,7
# the guide's loop over the four certificates vs one check of the four
measure guide4 $((R / 4)) bash -c 'for c in api-gateway auth-service inference-pool monitoring; do
    openssl x509 -in "$1/$c.crt" -noout -enddate >/dev/null; done' _ "$HF_ROOT/opt/helixflow/certs"
measure check4 $((R / 4)) "$CHECK" --state-dir "$ST" --root "$HF_ROOT" --ca "$HF_CA"

per() { python3 -c "import sys; print('%.9f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
# in-process: the loop's cost over N probes, start-up cost (a 1-probe run) subtracted
probe_cpu=$(python3 -c "import sys; a,b,n=map(float,sys.argv[1:]); print('%.9f' % (max(a-b, 1e-6)/n))" \
    "$probe_cpu" "$probe0_cpu" "$N")
probe_wall=$(python3 -c "import sys; a,b,n=map(float,sys.argv[1:]); print('%.9f' % (max(a-b, 0.01)/n))" \
    "$probe_wall" "$probe0_wall" "$N")
check_cpu1=$(per "$check_cpu" "$R"); check_wall1=$(per "$check_wall" "$R")
x509_cpu1=$(per "$x509_cpu" "$R"); x509_wall1=$(per "$x509_wall" "$R")
http_cpu1=$(per "$http_cpu" "$R"); http_wall1=$(per "$http_wall" "$R")
g4=$((R / 4))
guide4_cpu1=$(per "$guide4_cpu" "$g4"); check4_cpu1=$(per "$check4_cpu" "$g4")
guide4_wall1=$(per "$guide4_wall" "$g4"); check4_wall1=$(per "$check4_wall" "$g4")

us() { python3 -c "import sys; print('%.1f' % (float(sys.argv[1]) * 1e6))" "$1"; }
echo
echo "per check (CPU us / wall us / peak RSS KiB):"
printf '  %-44s %10s %10s %8s\n' "hf_cert_probe, warm cache (in-process)" "$(us "$probe_cpu")" "$(us "$probe_wall")" "$probe_rss"
printf '  %-44s %10s %10s %8s\n' "check_helixflow_cert, warm state file" "$(us "$check_cpu1")" "$(us "$check_wall1")" "$check_rss"
printf '  %-44s %10s %10s %8s\n' "openssl x509 -enddate -noout" "$(us "$x509_cpu1")" "$(us "$x509_wall1")" "$x509_rss"
printf '  %-44s %10s %10s %8s\n' "check_http --ssl -C 30,7" "$(us "$http_cpu1")" "$(us "$http_wall1")" "$http_rss"
printf '  %-44s %10s %10s %8s\n' "guide loop, 4x openssl x509" "$(us "$guide4_cpu1")" "$(us "$guide4_wall1")" "$guide4_rss"
printf '  %-44s %10s %10s %8s\n' "check_helixflow_cert, 4 certificates" "$(us "$check4_cpu1")" "$(us "$check4_wall1")" "$check4_rss"
echo
echo "ratios (how many times less ours uses):"
ratio "CPU: openssl x509 / probe (in-process)" "$x509_cpu1" "$probe_cpu" 100
ratio "CPU: check_http -C / probe (in-process)" "$http_cpu1" "$probe_cpu" 100
ratio "CPU: openssl x509 / check_helixflow_cert process" "$x509_cpu1" "$check_cpu1"
ratio "CPU: check_http -C / check_helixflow_cert process" "$http_cpu1" "$check_cpu1"
ratio "CPU: guide loop (4 files) / check_helixflow_cert (4)" "$guide4_cpu1" "$check4_cpu1"
ratio "wall: openssl x509 / probe (in-process)" "$x509_wall1" "$probe_wall"
ratio "wall: check_http -C / probe (in-process)" "$http_wall1" "$probe_wall"
ratio "wall: openssl x509 / check_helixflow_cert process" "$x509_wall1" "$check_wall1"
ratio "wall: check_http -C / check_helixflow_cert process" "$http_wall1" "$check_wall1"
ratio "peak RSS: openssl x509 / probe driver" "$x509_rss" "$probe_rss"
ratio "peak RSS: check_http / probe driver" "$http_rss" "$probe_rss"
ratio "peak RSS: openssl x509 / check_helixflow_cert" "$x509_rss" "$check_rss"
ratio "peak RSS: check_http / check_helixflow_cert" "$http_rss" "$check_rss"
echo
echo "bar: >= 100x less CPU per check, met by the in-process probe (collectd/SNMP agent"
echo "use); a Nagios process run is bounded by exec + shared-library start-up."
[ "$BENCH_FAILS" = 0 ]
