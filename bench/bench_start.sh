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
CG_BASE=/sys/fs/cgroup/unified
CG_DIR=
CG_MOVED=()
cleanup() {
  local e
  for e in "${CG_MOVED[@]}"; do
    [ -d "/proc/${e%% *}" ] && echo "${e%% *}" >"$CG_BASE${e#* }/cgroup.procs" 2>/dev/null
  done
  "$src/tests/testbed/hf-testbed" down "$tb" --purge >/dev/null 2>&1
  [ -n "$CG_DIR" ] && find "$CG_DIR" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
  [ -n "$CG_DIR" ] && rmdir "$CG_DIR" 2>/dev/null
}
trap cleanup EXIT
"$src/tests/testbed/hf-testbed" up "$tb" --rows 100000 --no-writer >/dev/null 2>&1 || {
  echo "bench_start: test bed failed to start" >&2; exit 1; }
. "$tb/testbed.env"
state=$tb/bench-state
mkdir -m 0700 -p "$state"

# The services in systemd-style unit cgroups, as a systemd host runs them (the
# service check's first source); without a writable cgroup v2 mount the check
# falls back to one /proc scan and the line below says so.
svc_args=(--no-cgroup)
if mkdir "$CG_BASE/hf-bench-start-$$" 2>/dev/null; then
  CG_DIR=$CG_BASE/hf-bench-start-$$
  bin_dir=$(realpath "$HF_BIN_DIR")
  for d in /proc/[0-9]*; do
    exe=$(readlink "$d/exe" 2>/dev/null) || continue
    case $exe in "$bin_dir"/*) ;; *) continue ;; esac
    s=${exe##*/}
    mkdir -p "$CG_DIR/helixflow-$s.service"
    CG_MOVED+=("${d#/proc/} $(sed -n 's/^0:://p' "$d/cgroup")")
    echo "${d#/proc/}" >"$CG_DIR/helixflow-$s.service/cgroup.procs" 2>/dev/null
  done
  svc_args=(--cgroup-root "$CG_DIR")
fi

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
    service) echo "${svc_args[@]}" ;;
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
