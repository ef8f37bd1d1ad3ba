#!/bin/bash
# run-fuzzer.sh FUZZER SEED_CORPUS WORK_CORPUS SECONDS
# A bounded libFuzzer run: new inputs go to WORK_CORPUS (in the build tree),
# the committed seeds are read only. Crashes are kept in WORK_CORPUS/../.
set -eu
fuzzer=$1 seeds=$2 work=$3 secs=$4
mkdir -p "$work" "$seeds"
cd "$(dirname "$work")"
exec "$fuzzer" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$(dirname "$work")/crash-$(basename "$fuzzer")-" "$work" "$seeds"
