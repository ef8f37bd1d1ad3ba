# bench/lib.sh: sourced by bench/bench_*.sh. Measures commands side by side and
# prints ratios. Each measurement runs the command REPEAT times in one shell
# loop under GNU time: CPU = user+sys seconds, wall seconds, peak RSS (KiB, of
# the largest single process).
#
#   measure VAR REPEAT CMD...   sets VAR_cpu VAR_wall VAR_rss (totals over REPEAT runs)
#   ratio LABEL A B [MIN]       prints "LABEL: A/B = R x (bar: >= MIN x) PASS|FAIL"
#   bench_result "text"          a line for the summary
set -u
BENCH_TIME=${BENCH_TIME:-/usr/bin/time}
: "${BENCH_FAILS:=0}"

measure() {
  local var=$1 repeat=$2; shift 2
  local out
  out=$(mktemp)
  # one shell runs the loop so its own start-up is paid once
  "$BENCH_TIME" -f '%U %S %e %M' -o "$out" bash -c '
    n=$1; shift
    for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 </dev/null; done; exit 0' bench "$repeat" "$@"
  read -r u s e m < <(tail -n 1 "$out")
  rm -f "$out"
  printf -v "${var}_cpu" '%s' "$(echo "$u + $s" | bc -l)"
  printf -v "${var}_wall" '%s' "$e"
  printf -v "${var}_rss" '%s' "$m"
}

# ratio LABEL NUMERATOR DENOMINATOR [BAR]: how many times smaller the
# denominator is; with BAR, PASS when the ratio is at least BAR.
ratio() {
  local label=$1 a=$2 b=$3 bar=${4:-}
  local r
  r=$(python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.1f' % (a/b) if b > 0 else 'inf')" "$a" "$b")
  if [ -n "$bar" ]; then
    if python3 -c "import sys; r=sys.argv[1]; sys.exit(0 if r=='inf' or float(r) >= float(sys.argv[2]) else 1)" "$r" "$bar"; then
      printf '%-60s %8s x   (bar >= %s x) PASS\n' "$label" "$r" "$bar"
    else
      printf '%-60s %8s x   (bar >= %s x) FAIL\n' "$label" "$r" "$bar"
      BENCH_FAILS=$((BENCH_FAILS + 1))
    fi
  else
    printf '%-60s %8s x\n' "$label" "$r"
  fi
}

# ratio_max LABEL A B [BAR]: A/B, PASS when at most BAR (a cost ratio: lower is better).
ratio_max() {
  local label=$1 a=$2 b=$3 bar=${4:-}
  local r
  r=$(python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); print('%.2f' % (a/b) if b > 0 else 'inf')" "$a" "$b")
  if [ -z "$bar" ]; then
    printf '%-60s %8s x\n' "$label" "$r"
  elif python3 -c "import sys; r=sys.argv[1]; sys.exit(0 if r!='inf' and float(r) <= float(sys.argv[2]) else 1)" "$r" "$bar"; then
    printf '%-60s %8s x   (bar <= %s x) PASS\n' "$label" "$r" "$bar"
  else
    printf '%-60s %8s x   (bar <= %s x) FAIL\n' "$label" "$r" "$bar"
    BENCH_FAILS=$((BENCH_FAILS + 1))
  fi
}
