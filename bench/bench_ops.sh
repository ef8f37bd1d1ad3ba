#!/bin/bash
# bench_ops.sh: helixflow-ops status (every check of the deployment, by
# section) against the operations guide's monitoring_dashboard.sh on the
# same test bed (its default 20,000 rows, the writer off), side by side:
# hyperfine's median wall time of each (the bar: status at most 50 ms wall),
# then their CPU (user+sys, GNU time) as a ratio. The dashboard's plain-HTTP
# twin of the API is what its curl can reach; status uses the HTTPS one.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=${HF_BUILD_DIR:-$src/build}
guide=${HF_GUIDE:-$src/../shared/seed/helixflow-operations-guide.md}
repeat=${BENCH_REPEAT:-20}
runs=${BENCH_RUNS:-50}

tb=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-ops.XXXXXX")
trap '"$src/tests/testbed/hf-testbed" down "$tb" --purge >/dev/null 2>&1' EXIT
"$src/tests/testbed/hf-testbed" up "$tb" --no-writer >/dev/null 2>&1 || {
  echo "bench_ops: test bed failed to start" >&2; exit 1; }
. "$tb/testbed.env"

dash=$tb/monitoring_dashboard.sh
awk '/cat > \/opt\/helixflow\/scripts\/monitoring_dashboard.sh/{f=1; next} f && /^EOF$/{exit} f' \
  "$guide" >"$dash"
[ -s "$dash" ] || { echo "bench_ops: dashboard script not found in $guide" >&2; exit 1; }
sed -i -e "s#/opt/helixflow#$HF_ROOT/opt/helixflow#g" -e "s#/var/log/helixflow#$HF_LOG_DIR#g" \
  -e "s#http://localhost:8443#http://127.0.0.1:$HF_HTTP_PORT#g" "$dash"

status=("$build/tools/helixflow-ops" status --root "$HF_ROOT" --ca "$HF_CA"
        --health-url "$HF_HEALTH_URL" --metrics-url "$HF_METRICS_URL")
for _ in 1 2 3; do "${status[@]}" >/dev/null 2>&1; done      # the incremental state, warm
"${status[@]}" 2>&1 | grep -E '^HelixFlow status|^  (WARNING|CRITICAL|UNKNOWN)' | sed 's/^/status: /'

json=$tb/hyperfine.json
hyperfine -N -i -w 5 -r "$runs" --export-json "$json" "${status[*]}" "bash $dash" >/dev/null 2>&1 || {
  echo "bench_ops: hyperfine failed" >&2; exit 1; }
read -r st_ms dash_ms < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("%.1f %.1f" % (r[0]["median"] * 1000, r[1]["median"] * 1000))' "$json")
printf 'hyperfine medians over %s runs: helixflow-ops status %s ms wall, guide dashboard %s ms wall\n' \
  "$runs" "$st_ms" "$dash_ms"
if python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) <= 50 else 1)" "$st_ms"; then
  printf '%-60s %8s ms  (bar <= 50 ms) PASS\n' "helixflow-ops status: median wall" "$st_ms"
else
  printf '%-60s %8s ms  (bar <= 50 ms) FAIL\n' "helixflow-ops status: median wall" "$st_ms"
  BENCH_FAILS=$((BENCH_FAILS + 1))
fi
ratio "helixflow-ops status vs guide dashboard: wall (median)" "$dash_ms" "$st_ms"
measure dash "$repeat" bash "$dash"
measure st "$repeat" "${status[@]}"
ratio "helixflow-ops status vs guide dashboard: CPU" "$dash_cpu" "$st_cpu"
exit $((BENCH_FAILS > 0))
