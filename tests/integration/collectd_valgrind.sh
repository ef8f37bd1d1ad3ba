#!/bin/bash
# collectd with our plugin under valgrind: memcheck for 100 intervals of
# every block's read callback (Interval 1, ReadThreads 4), with the test
# bed's writer on, a service killed and started again, the endpoint failing
# and recovering and the log growing (so transitions, notifications and the
# incremental reads run), then shutdown: no memory error, no leak
# definitely or indirectly lost, and nothing of ours left allocated at exit
# ("shutdown frees everything"). Then helgrind for 20 intervals: no race.
#
# A report is "ours" when, walking its stack from the top past the
# allocator and libraries, the first frame of the program is one of ours
# (helixflow.so: hf_*, hfc_*, helixflow.c) rather than collectd's (its
# binary or a stock plugin). memcheck's exit code (--error-exitcode) covers
# every report, ours or collectd's; the classification says whose.
# helgrind: tests/integration/helgrind.supp (OpenSSL, libcurl, p11-kit)
# and collectd_helgrind.supp (collectd's own threads, glibc and SQLite
# internals; see there).
set -u
. "$(dirname "$0")/collectd_lib.sh"

command -v valgrind >/dev/null || { echo "Bail out! valgrind not found"; exit 1; }
tb_up --rows 5000
READS=${HF_VG_READS:-100}
HG_READS=${HF_HG_READS:-20}
H=$CD_HOST/helixflow
# one value per block: its csv lines count the block's reads
marks=("$H-service-api-gateway/helixflow_bool-up" "$H-resources-load/gauge-load1"
       "$H-http_health/helixflow_bool-up" "$H-http_refused/helixflow_bool-up"
       "$H-api_gateway/derive-requests" "$H-cert-api-gateway.crt/helixflow_days-days_left"
       "$H-db/bytes-size" "$H-backup/helixflow_bool-ok" "$H-log/bytes-bytes")

conf() { # NAME: the config of every block, Interval 1
    { cd_conf_head "$1" --interval 1 --read-threads 4
      cd_conf_ours "$1"
      cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path "$1" state)"
  SaveInterval 5
  <Services>
    Interval 1
  </Services>
  <Resources>
    Interval 1
  </Resources>
  <Endpoint "health">
    Url "$HF_HEALTH_URL"
    Ca "$HF_CA"
    Interval 1
  </Endpoint>
  <Endpoint "refused">
    Url "http://127.0.0.1:9/health"
    Interval 1
  </Endpoint>
  <Metrics "gateway">
    MetricsUrl "$HF_METRICS_URL"
    Interval 1
  </Metrics>
  <Certificates>
    Ca "$HF_CA"
    Url "$HF_HEALTH_URL"
    Interval 1
  </Certificates>
  <Database>
    Interval 1
  </Database>
  <Backups>
    Interval 1
  </Backups>
  <Logs>
    Interval 1
  </Logs>
</Plugin>
EOF
    } >"$(cd_path "$1" conf)"
}

reads_at_least() { # NAME N: every block read at least N times (csv lines)
    local id n
    for id in "${marks[@]}"; do
        n=$(cd_csv "$1" "$id" | wc -l)
        [ "$n" -ge "$2" ] || { echo "${id#"$CD_HOST"/}: $n reads"; return 1; }
    done
}

# classify LOG: the reports of a valgrind log, one a line:
# "ours|collectd|other KIND: first line" (KIND: error, definite, indirect,
# possible, reachable, race)
classify() {
    python3 - "$1" <<'EOF'
import re, sys
recs, cur = [], None
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"==\d+== ?(.*)$", line.rstrip("\n"))
    if not m:
        continue
    t = m.group(1)
    if t == "" or t.startswith("---"):
        if cur:
            recs.append(cur)
        cur = None
        continue
    if cur is None:
        cur = {"head": t, "frames": []}
    elif re.match(r"\s*(at|by) 0x", t):
        cur["frames"].append(t)
    else:
        cur.setdefault("more", []).append(t)
if cur:
    recs.append(cur)
ours_re = re.compile(r"\((?:hf_|hfc_|helixflow\.c)[\w.]*:\d+\)|helixflow\.so\)")
cd_re = re.compile(r"\(in /usr/sbin/collectd\)|\(in /usr/lib/collectd/")
def owner(frames):
    for f in frames:
        if ours_re.search(f):
            return "ours"
        if cd_re.search(f):
            return "collectd"
    return "other"
for r in recs:
    h = r["head"]
    if "loss record" in h:
        kind = next(k for k in ("definitely", "indirectly", "possibly", "still reachable", "")
                    if k in h) or "leak"
        kind = {"definitely": "definite", "indirectly": "indirect", "possibly": "possible",
                "still reachable": "reachable"}.get(kind, kind)
    elif h.startswith("Possible data race") or h.startswith("Lock order"):
        kind = "race"
    elif re.match(r"(Invalid|Conditional jump|Use of uninitialised|Syscall param|Mismatched|"
                  r"Source and destination overlap|Argument|.*unlocked|.*pthread_)", h) and r["frames"]:
        kind = "error"
    else:
        continue
    who = owner(r["frames"])
    # a race's or an error's other stacks (the conflicting access) count too
    if kind in ("race", "error") and who != "ours" and any(ours_re.search(f) for f in r["frames"][:12]):
        who = "ours"
    print(f"{who} {kind}: {h}")
    if who == "ours" or kind in ("race", "error"):
        for f in r["frames"][:24]:
            print(f"{who}   {f.strip()}")
EOF
}

# ---------------------------------------------------------------- memcheck
cd_new m
conf m
vlog=$(cd_path m dir)/memcheck.log
cd_start m --timeout 180 -- valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
    --errors-for-leak-kinds=definite,indirect --num-callers=40 --log-file="$vlog" ||
    { echo "Bail out! collectd under memcheck did not start"; exit 1; }
cd_ok "first reads of every block under memcheck" cd_poll 120 "a read of every block" reads_at_least m 1
# the moving parts, so transitions and notifications run too
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
"$HF_TESTBED" health "$HF_ROOT" fail >/dev/null
"$HF_TESTBED" log "$HF_ROOT" append 20 mixed >/dev/null
cd_ok "api-gateway down seen" cd_wait_value m "$H-service-api-gateway/helixflow_bool-up" value 'v == 0' 120
cd_ok "endpoint failing seen" cd_wait_value m "$H-http_health/helixflow_bool-up" value 'v == 0' 120
"$HF_TESTBED" start "$HF_ROOT" api-gateway >/dev/null
"$HF_TESTBED" health "$HF_ROOT" ok >/dev/null
"$HF_TESTBED" log "$HF_ROOT" rotate rename >/dev/null
"$HF_TESTBED" log "$HF_ROOT" append 5 critical >/dev/null
cd_ok "api-gateway back seen" cd_wait_value m "$H-service-api-gateway/helixflow_bool-up" value 'v == 1' 120
cd_ok "endpoint back seen" cd_wait_value m "$H-http_health/helixflow_bool-up" value 'v == 1' 120
cd_ok "$READS reads of every block under memcheck" cd_poll 600 "$READS reads of every block" reads_at_least m "$READS"
cd_ok "notifications dispatched under memcheck" cd_wait_notifs m 4 Plugin=helixflow
cd_stop m 300
cd_is "memcheck: collectd exits 0 (99: a memory error or a definite/indirect leak)" "$CD_STATUS" 0
cd_ok "memcheck: the shutdown completed" cd_log_grep m 'Exiting normally'
rep=$(classify "$vlog")
cd_is "memcheck: no memory error of ours" "$(grep -c '^ours error' <<<"$rep")" 0
cd_is "memcheck: no memory error at all" "$(grep -c '^[a-z]* error' <<<"$rep")" 0
cd_is "memcheck: nothing of ours definitely lost" "$(grep -c '^ours definite' <<<"$rep")" 0
cd_is "memcheck: nothing of ours indirectly lost" "$(grep -c '^ours indirect' <<<"$rep")" 0
cd_is "memcheck: nothing of ours possibly lost" "$(grep -c '^ours possible' <<<"$rep")" 0
cd_is "memcheck: shutdown frees everything of ours (nothing still reachable)" "$(grep -c '^ours reachable' <<<"$rep")" 0
cd_ok "memcheck: the log has its summary" grep -q 'ERROR SUMMARY: ' "$vlog"
if grep -q '^ours' <<<"$rep"; then
    grep '^ours' <<<"$rep" | head -n 80 | sed 's/^/# /'
fi
grep -E '^(collectd|other) (error|definite|indirect)' <<<"$rep" | head -n 20 | sed 's/^/# not ours: /'

# ---------------------------------------------------------------- helgrind
cd_new g
conf g
glog=$(cd_path g dir)/helgrind.log
cd_start g --timeout 180 -- valgrind --tool=helgrind --error-exitcode=99 \
    --suppressions="$HF_LIB_DIR/helgrind.supp" --suppressions="$HF_LIB_DIR/collectd_helgrind.supp" \
    --num-callers=40 --log-file="$glog" ||
    { echo "Bail out! collectd under helgrind did not start"; exit 1; }
cd_ok "first reads of every block under helgrind" cd_poll 180 "a read of every block" reads_at_least g 1
"$HF_TESTBED" kill "$HF_ROOT" api-gateway >/dev/null
cd_ok "api-gateway down seen under helgrind" cd_wait_value g "$H-service-api-gateway/helixflow_bool-up" value 'v == 0' 120
"$HF_TESTBED" start "$HF_ROOT" api-gateway >/dev/null
cd_ok "$HG_READS reads of every block under helgrind" cd_poll 600 "$HG_READS reads of every block" reads_at_least g "$HG_READS"
cd_stop g 300
rep=$(classify "$glog")
# collectd's own threads race now and then on its globals (a report whose
# frames are none of ours, and that depends on scheduling: seen once in a
# loaded CI run). They are listed below, not ours to fix; ours fail the test.
cd_ok "helgrind: collectd exits 0, or 99 only for reports that are not ours" \
    test "$CD_STATUS" = 0 -o \( "$CD_STATUS" = 99 -a "$(grep -c '^ours' <<<"$rep")" = 0 \)
cd_is "helgrind: no race of ours" "$(grep -c '^ours race' <<<"$rep")" 0
cd_is "helgrind: no other report of ours" "$(grep -c '^ours' <<<"$rep")" 0
if grep -q . <<<"$rep"; then
    head -n 80 <<<"$rep" | sed 's/^/# /'
fi
cd_done_testing
