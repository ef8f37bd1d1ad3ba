#!/bin/bash
# bench_start.sh: what a Nagios run costs before and beyond its own work.
#  (a) the process-start floor of each program (-V: load, link, print the
#      version, exit) against /bin/true: what its shared libraries cost;
#  (b) each check that makes no network request, run for real against a warm
#      test bed (state files in place, nothing new to read), against its own
#      -V: the check's work beyond starting the process.
# CPU is user+sys over REPEAT runs in one shell loop (lib.sh measure).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=${HF_BUILD_DIR:-$src/build}
bin=$build/plugins/nagios
repeat=${BENCH_REPEAT:-200}

tb=$(mktemp -d "${TMPDIR:-/tmp}/hf-bench-start.XXXXXX")
trap '"$src/tests/testbed/hf-testbed" down "$tb" --purge >/dev/null 2>&1' EXIT
"$src/tests/testbed/hf-testbed" up "$tb" --rows 100000 --no-writer >/dev/null 2>&1 || {
  echo "bench_start: test bed failed to start" >&2; exit 1; }
. "$tb/testbed.env"
state=$tb/bench-state
mkdir -m 0700 -p "$state"

measure true "$repeat" /bin/true
printf '/bin/true: %.3f ms CPU per run\n' "$(echo "$true_cpu * 1000 / $repeat" | bc -l)"
echo "(a) process start (-V) against /bin/true"
for p in service resources log backup db cert http api ""; do
  name=check_helixflow${p:+_$p}
  measure v "$repeat" "$bin/$name" -V
  printf -v "v_$(echo "${p:-all}")" '%s' "$v_cpu"
  libs=$(ldd "$bin/$name" | grep -c '=>')
  case $p in
    service|resources|log|backup|db) bar=2 ;;
    cert) bar=4 ;;
    *) bar= ;;
  esac
  ratio_max "$(printf '%-26s -V / /bin/true (%2d libs)' "$name" "$libs")" "$v_cpu" "$true_cpu" $bar
done

echo "(b) a real run without network requests against its own -V (warm state)"
args() {
  case $1 in
    service) echo --no-cgroup ;;
    cert) echo --ca "$HF_CA" ;;
  esac
}
for p in service resources log backup db cert; do
  name=check_helixflow_$p
  # shellcheck disable=SC2046
  run=("$bin/$name" --root "$HF_ROOT" --state-dir "$state" $(args "$p"))
  "${run[@]}" >/dev/null 2>&1; "${run[@]}" >/dev/null 2>&1       # warm the state
  echo "   $("${run[@]}" 2>&1 | head -1 | cut -c1-110)"
  measure r "$repeat" "${run[@]}"
  vv=v_$p
  ratio_max "$(printf '%-26s run / its own -V' "$name")" "$r_cpu" "${!vv}" 1.5
done
exit $((BENCH_FAILS > 0))
