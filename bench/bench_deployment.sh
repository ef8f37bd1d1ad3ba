#!/bin/bash
# bench_deployment.sh: check_helixflow (a whole standard deployment) against
# what an operator runs today for the same facts: the operations guide's
# monitoring_dashboard.sh, plus its weekly script's four-certificate openssl
# loop and its 7-day and 30-day sqlite3 queries, all pointed at one test bed
# of 1 million rows with its own health, models and metrics URLs. CPU is
# user+sys of every process involved, so network waits are excluded by
# construction; wall and peak RSS are shown too.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=${HF_BUILD_DIR:-$src/build}
guide=${HF_GUIDE:-$src/../shared/seed/helixflow-operations-guide.md}
repeat=${BENCH_REPEAT:-20}

tb=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-deploy.XXXXXX")
trap '"$src/tests/testbed/hf-testbed" down "$tb" --purge >/dev/null 2>&1' EXIT
"$src/tests/testbed/hf-testbed" up "$tb" --rows ${BENCH_ROWS:-1000000} --no-writer >/dev/null 2>&1 || {
  echo "bench_deployment: test bed failed to start" >&2; exit 1; }
. "$tb/testbed.env"

# The guide's dashboard, extracted verbatim, paths pointed at the test bed.
dash=$tb/monitoring_dashboard.sh
awk '/cat > \/opt\/helixflow\/scripts\/monitoring_dashboard.sh/{f=1; next} f && /^EOF$/{exit} f' \
  "$guide" >"$dash"
[ -s "$dash" ] || { echo "bench_deployment: dashboard script not found in $guide" >&2; exit 1; }
sed -i -e "s#/opt/helixflow#$HF_ROOT/opt/helixflow#g" -e "s#/var/log/helixflow#$HF_LOG_DIR#g" \
  -e "s#http://localhost:8443#http://127.0.0.1:$HF_HTTP_PORT#g" "$dash"

# The weekly script's certificate loop and its database queries (7 and 30
# days), verbatim but for the paths.
weekly=$tb/weekly_facts.sh
cat >"$weekly" <<WEEKLY
cd "$HF_ROOT/opt/helixflow"
sqlite3 "$HF_ROOT/opt/helixflow/data/helixflow.db" "SELECT COUNT(*) as total_requests, AVG(response_time) as avg_response_time FROM inference_requests WHERE created_at > datetime('now', '-7 days');"
for cert in api-gateway auth-service inference-pool monitoring; do
    expiry=\$(openssl x509 -in certs/\$cert.crt -noout -enddate | cut -d= -f2)
    expiry_date=\$(date -d "\$expiry" +%s)
    current_date=\$(date +%s)
    days_left=\$(( (expiry_date - current_date) / 86400 ))
    echo "  \$cert: \$days_left days remaining"
done
sqlite3 "$HF_ROOT/opt/helixflow/data/helixflow.db" "SELECT COUNT(*) as requests, AVG(response_time) as avg_time FROM inference_requests WHERE created_at > datetime('now', '-30 days');"
WEEKLY
today=$tb/today.sh
printf 'bash %q\nbash %q\n' "$dash" "$weekly" >"$today"

# check_helixflow with the test bed's own URLs (https health and models on
# one host and port: one TLS handshake), plus everything the scripts do not do.
check=("$build/plugins/nagios/check_helixflow" --root "$HF_ROOT" --ca "$HF_CA"
       --health-url "$HF_HEALTH_URL" --models-url "$HF_MODELS_URL"
       --metrics-url "$HF_METRICS_URL" --model helixflow-7b)
"${check[@]}" >/dev/null 2>&1     # warm: first run builds the incremental state
echo "check_helixflow first line: $("${check[@]}" 2>&1 | head -1 | cut -c1-150)"

measure dash "$repeat" bash "$today"
measure hf "$repeat" "${check[@]}"
# The floor of any check_helixflow run: starting the process (libcurl brings
# 33 shared libraries; on a VM where a page fault is expensive this dominates).
measure start "$repeat" "${check[0]}" -V
printf 'per run: dashboard+weekly facts %.1f ms CPU, %.1f ms wall, %s KiB; check_helixflow %.1f ms CPU, %.1f ms wall, %s KiB\n' \
  "$(echo "$dash_cpu * 1000 / $repeat" | bc -l)" "$(echo "$dash_wall * 1000 / $repeat" | bc -l)" "$dash_rss" \
  "$(echo "$hf_cpu * 1000 / $repeat" | bc -l)" "$(echo "$hf_wall * 1000 / $repeat" | bc -l)" "$hf_rss"
printf 'process start alone (check_helixflow -V): %.1f ms CPU per run\n' \
  "$(echo "$start_cpu * 1000 / $repeat" | bc -l)"
ratio "check_helixflow vs guide dashboard+weekly facts: CPU" "$dash_cpu" "$hf_cpu" 30
work=$(echo "$hf_cpu - $start_cpu" | bc -l)
ratio "  the checks' own work (minus process start) vs scripts: CPU" "$dash_cpu" "$work"
ratio "check_helixflow vs guide scripts: wall" "$dash_wall" "$hf_wall"
ratio "check_helixflow vs guide scripts: peak RSS" "$dash_rss" "$hf_rss"
exit $((BENCH_FAILS > 0))
