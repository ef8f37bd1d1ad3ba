#!/bin/bash
# collectd: every value of the README's value table appears, with the figure
# the Nagios check with the same settings reports for the same state.
#
# The test bed runs without its writer, so the database, the backup, the
# certificates, the logs and the services' process counts hold still. Each
# kind is compared in a "sandwich": the Nagios check runs (N1), then every
# value of that kind is waited for until collectd has read it after N1, then
# the check runs again (N2). A figure that holds still must be the same in
# N1 and N2 (else the whole sandwich is retried, a bounded number of times:
# a database row crossing a window edge) and collectd's must equal it (to
# the precision Nagios prints). A figure that only grows or only shrinks
# (uptime, CPU time, a counter, an age, days left) must lie between N1 and
# N2. A figure of the machine (load, memory, disk, timings) is checked for
# its range only.
#
# The coverage goes both ways: every identifier the README's table names
# (its <svc>, <window>, ... expanded for the test bed) is listed by
# collectd, and every helixflow identifier collectd lists is in the table.
set -u
. "$(dirname "$0")/collectd_lib.sh"

t_start=$(cd_now)
tb_up --rows 5000 --no-writer
cd_new c
NS=$(cd_path c dir)/nagios-state     # the Nagios checks' own state
mkdir -m 0700 "$NS"
LOGWIN=3600                          # the log window (both front-ends)
renewed=$HF_CERTS_TEST/renewed.crt

{ cd_conf_head c --interval 1 --read-threads 4
  cd_conf_ours c
  cat <<EOF
<Plugin helixflow>
  Root "$HF_ROOT"
  StateDir "$(cd_path c state)"
  Timeout 10
  <Services>
    Interval 1
  </Services>
  <Resources>
    Interval 1
  </Resources>
  <Endpoint "health">
    Url "$HF_HEALTH_URL"
    Ca "$HF_CA"
  </Endpoint>
  <Metrics "gateway">
    MetricsUrl "$HF_METRICS_URL"
    Interval 10
  </Metrics>
  <Certificates>
    Ca "$HF_CA"
    Url "$HF_HEALTH_URL"
    Interval 1
  </Certificates>
  <Certificates "renewed">
    Cert "$renewed"
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
    ReadExisting true
    Window $LOGWIN
    Interval 1
  </Logs>
</Plugin>
EOF
} >"$(cd_path c conf)"
cd_start c || { echo "Bail out! collectd did not start"; exit 1; }
cd_ok "no error in collectd's log" sh -c "! grep -E '\\[(error|warning)\\].*helixflow' '$(cd_path c log)'"
cd_ok "every block reads" cd_log_grep c 'helixflow plugin: 9 of 9 blocks reading'

H=$CD_HOST/helixflow
declare -A CV                        # identifier -> collectd's value (this sandwich)
N1='' N2='' R1='' R2=''                 # the Nagios runs around it: output, exit code
NCHECK=                              # the Nagios command of the sandwich

nag() { # KIND ARGS...: the Nagios check of KIND with ARGS
    "$(hf_bin "check_helixflow_$1")" "${@:2}" 2>&1
}

# perf OUT NAME: the figure of perfdata NAME in OUT's first line ('nan' for U)
perf() {
    printf '%s\n' "$1" | head -n 1 | sed 's/^[^|]*|//' | tr ' ' '\n' |
        awk -F= -v n="$2" '$1 == n { v = $2; sub(/;.*/, "", v); sub(/[a-zA-Z%]+$/, "", v);
                                     if (v == "U") v = "nan"; print v; f = 1 } END { exit !f }'
}

# decimals NUMBER: digits after the point
decimals() { local x=${1#*.}; [ "$x" = "$1" ] && echo 0 || echo ${#x}; }

# sandwich "KIND ARGS..." IDENT...: N1, collectd's values read after N1
# (cd_fresh: from reads that began after it), N2
sandwich() {
    NCHECK=$1
    shift
    local t1 id v out
    # shellcheck disable=SC2086
    t1=$(cd_now); N1=$(nag $NCHECK); R1=$?
    for id in "$@"; do CV[$id]=missing; done
    if out=$(cd_fresh c "$t1" "$CD_TIMEOUT" "$@"); then
        while read -r id v; do CV[$id]=$v; done <<<"$out"
    else
        printf '%s\n' "$out" | sed 's/^/# /'
    fi
    # shellcheck disable=SC2086
    N2=$(nag $NCHECK); R2=$?
}

# still PERFNAME...: the figures hold still between N1 and N2
still() {
    local p a b
    [ "$R1" = "$R2" ] || return 1
    for p in "$@"; do
        a=$(perf "$N1" "$p") || return 1
        b=$(perf "$N2" "$p") || return 1
        [ "$a" = "$b" ] || return 1
    done
}

# sandwich_still TRIES "KIND ARGS..." "PERF..." IDENT...: a sandwich in which
# the PERF figures hold still, tried up to TRIES times
sandwich_still() {
    local tries=$1 check=$2 perfs=$3 i
    shift 3
    for ((i = 1; i <= tries; i++)); do
        sandwich "$check" "$@"
        # shellcheck disable=SC2086
        still $perfs && return 0
        echo "# $check: figures moved between two Nagios runs (try $i of $tries)"
    done
    cd_is "figures of $check hold still for one sandwich" moved still
    return 1
}

# pin NAME IDENT PERFNAME: collectd equals the still figure (Nagios' precision)
pin() {
    local n
    n=$(perf "$N1" "$3") || { cd_is "$1 (Nagios perfdata $3)" "missing" "present"; return; }
    pin_to "$1" "$2" "$n"
}

# pin_to NAME IDENT NUMBER: collectd equals NUMBER to NUMBER's precision
pin_to() {
    local c=${CV[$2]:-missing} n=$3 d tol
    d=$(decimals "$n")
    tol=$(awk -v d="$d" 'BEGIN { printf "%.12g", 0.5 * 10 ^ -d + 1e-9 }')
    TB_N=$((TB_N + 1))
    if [ "$c" != missing ] && _cd_test "$c" "!nan && v >= $n - $tol && v <= $n + $tol"; then
        TB_PASSED=$((TB_PASSED + 1)); echo "ok - $1"
    else
        TB_FAILED=$((TB_FAILED + 1)); echo "not ok - $1"
        echo "#   collectd $2 = $c, Nagios: $n (±$tol)"
    fi
}

# between NAME IDENT PERFNAME [TOL]: collectd within [N1, N2] (either order) ± TOL
between() {
    local c=${CV[$2]:-missing} a b tol=${4:-0}
    a=$(perf "$N1" "$3") && b=$(perf "$N2" "$3") || { cd_is "$1 (Nagios perfdata $3)" missing present; return; }
    TB_N=$((TB_N + 1))
    if [ "$c" != missing ] && _cd_test "$c" "!nan && v >= ($a < $b ? $a : $b) - $tol && v <= ($a > $b ? $a : $b) + $tol"; then
        TB_PASSED=$((TB_PASSED + 1)); echo "ok - $1"
    else
        TB_FAILED=$((TB_FAILED + 1)); echo "not ok - $1"
        echo "#   collectd $2 = $c, Nagios before/after: $a / $b (±$tol)"
    fi
}

# range NAME IDENT COND: collectd's value satisfies COND (v, nan)
range() {
    local c=${CV[$2]:-missing}
    TB_N=$((TB_N + 1))
    if [ "$c" != missing ] && _cd_test "$c" "$3"; then
        TB_PASSED=$((TB_PASSED + 1)); echo "ok - $1"
    else
        TB_FAILED=$((TB_FAILED + 1)); echo "not ok - $1"
        echo "#   collectd $2 = $c, want $3"
    fi
}

# ---------------------------------------------------------------- first reads
# every block's first values (the api rate from its second interval)
for id in "$H-service-api-gateway/helixflow_bool-up" "$H-resources-load/gauge-load1" \
          "$H-http_health/helixflow_bool-up" "$H-api_gateway/derive-requests" \
          "$H-cert-api-gateway.crt/helixflow_days-days_left" "$H-cert_renewed-renewed.crt/helixflow_bool-served" \
          "$H-db/bytes-size" "$H-backup/helixflow_bool-ok" "$H-log-error/gauge-lines"; do
    cd_ok "listed: ${id#"$CD_HOST"/}" cd_wait_listed c "$id"
done
cd_ok "api rate from the second interval" cd_wait_value c "$H-api_gateway/gauge-rate" value '!nan'

# ---------------------------------------------------------------- coverage
# the README's table, expanded for the test bed: "INSTANCE TI[/TI...] TYPE..."
# per line (TI/TI: one of them; several TYPEs: one of them)
readme_ids() {
    python3 - "$HF_SOURCE_DIR/README.md" "$HF_SERVICES" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
sec = text.split("#### Values", 1)[1].split("\n#### ", 1)[0]
expand = {
    "svc": sys.argv[2].split(),
    "file": ["api-gateway.crt", "auth-service.crt", "inference-pool.crt", "monitoring.crt"],
    "window": ["1h", "24h", "7d", "30d"],
    "table": ["api_keys", "inference_requests", "models", "users"],
    "class": ["error", "warning", "critical", "security"],
}
names = {"http": "health", "api": "gateway"}
rows = 0
for line in sec.splitlines():
    if not line.startswith("| `"):
        continue
    rows += 1
    cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
    insts, types, tis = (re.findall(r"`([^`]*)`", c) for c in cells[:3])
    alt = " / " in cells[2]
    out = []
    for i in insts:
        m = re.search(r"<([^>]*)>", i)
        if not m:
            xs = [i]
        elif m.group(1) == "name":
            xs = [i.replace("<name>", names[i.split("_")[0]])]
        elif m.group(1) in expand:
            xs = [i.replace(m.group(0), x) for x in expand[m.group(1)]]
            if m.group(1) == "file":          # and the named block's file
                xs.append("cert_renewed-renewed.crt")
        else:
            xs = [i.replace(m.group(0), x) for x in m.group(1).split("|")]
        for x in xs:
            if alt:
                out.append(f"{x} {'/'.join(tis)} {' '.join(types)}")
            else:
                out += [f"{x} {t} {' '.join(types)}" for t in tis]
    if not out:
        sys.exit(f"README value table: no identifier from: {line}")
    print("\n".join(out))
if rows < 30:
    sys.exit(f"README value table: only {rows} rows found")
EOF
}
# what the test bed cannot show: documented as conditional in the table
skip_row() {
    case "$1 $2" in
        "api_gateway gpu_util") return 0 ;;                 # "when the page has them": no GPU utilisation on the test bed's page
        cert-auth-service.crt\ served | cert-inference-pool.crt\ served | cert-monitoring.crt\ served)
            return 0 ;;                                     # "the first file is what Url serves"
    esac
    return 1
}
listed=$(cd_listval c)
missing=()
while read -r inst ti types; do
    skip_row "$inst" "$ti" && continue
    found=0
    for t in $types; do
        for x in ${ti//\// }; do
            grep -qxF "$CD_HOST/helixflow-$inst/$t-$x" <<<"$listed" && found=1
        done
    done
    [ $found = 1 ] || missing+=("helixflow-$inst/{${types// /,}}-$ti")
done < <(readme_ids || echo "README-PARSE-FAILED x x")
cd_num "the README table gives the identifiers of the test bed (more than 100)" "$(readme_ids | wc -l)" "v > 100"
cd_is "every identifier of the README's table is listed" "${missing[*]:-}" ""
[ ${#missing[@]} -gt 0 ] && printf '# listed helixflow identifiers:\n' && grep '/helixflow' <<<"$listed" | sed 's/^/#   /'
no_gpu_util() {
    ! curl -sf "$HF_METRICS_URL" | grep -iE '^[a-z_:]*(gpu_util|utili[sz]ation)' &&
        ! grep 'api_gateway/.*gpu_util' <<<"$listed"
}
cd_ok "gpu_util is absent, as the test bed's page has no GPU utilisation" no_gpu_util
undocumented=()
table=$(readme_ids)
while read -r id; do
    rest=${id#"$CD_HOST"/helixflow-}
    inst=${rest%%/*} tt=${rest#*/} t=${tt%%-*} ti=${tt#*-}
    awk -v i="$inst" -v x="$ti" -v t="$t" '
        { n = split($2, a, "/"); ok = 0; for (k = 1; k <= n; k++) if (a[k] == x) ok = 1
          for (k = 3; k <= NF; k++) if ($1 == i && ok && $k == t) f = 1 }
        END { exit !f }' <<<"$table" || undocumented+=("$rest")
done < <(grep "^$CD_HOST/helixflow-" <<<"$listed")
cd_is "every helixflow identifier listed is in the README's table" "${undocumented[*]:-}" ""

# ---------------------------------------------------------------- services
common=(--root "$HF_ROOT" --state-dir "$NS")
ids=()
for s in $HF_SERVICES; do
    for x in helixflow_bool-up count-processes bytes-rss helixflow_cpu-cpu_us threads-threads \
             file_handles-fds uptime-uptime derive-restarts; do ids+=("$H-service-$s/$x"); done
done
perfs=
for s in $HF_SERVICES; do perfs+="$s ${s}_threads ${s}_fds ${s}_rss "; done
if sandwich_still 5 "service ${common[*]}" "$perfs" "${ids[@]}"; then
    cd_is "Nagios: services OK" "$R1" 0
    for s in $HF_SERVICES; do
        i=$H-service-$s
        range "$s up" "$i/helixflow_bool-up" 'v == 1'
        pin "$s processes" "$i/count-processes" "$s"
        pin "$s threads" "$i/threads-threads" "${s}_threads"
        pin "$s open files" "$i/file_handles-fds" "${s}_fds"
        pin "$s rss" "$i/bytes-rss" "${s}_rss"
        between "$s cpu time" "$i/helixflow_cpu-cpu_us" "${s}_cpu"
        between "$s uptime" "$i/uptime-uptime" "${s}_uptime" 1
        range "$s uptime since the test bed started" "$i/uptime-uptime" \
            "v >= 0 && v <= $(awk -v a="$(cd_now)" -v b="$t_start" 'BEGIN { print int(a - b) + 1 }')"
        range "$s no restarts" "$i/derive-restarts" 'v == 0'
    done
    pin_to "api-gateway has 3 processes (the test bed)" "$H-service-api-gateway/count-processes" 3
fi

# ---------------------------------------------------------------- resources
ids=()
for x in disk/percent-used_pct disk/bytes-used inodes/percent-used_pct memory/percent-used_pct \
         memory/bytes-used swap/bytes-used cpu/percent-busy_pct load/gauge-load1 load/gauge-load5 \
         load/gauge-load15 load/gauge-load1_per_core; do ids+=("$H-resources-$x"); done
sandwich "resources ${common[*]}" "${ids[@]}"
i=$H-resources
between "disk used %" "$i-disk/percent-used_pct" disk_used_pct 1
between "disk used bytes" "$i-disk/bytes-used" disk_used "$(perf "$N1" disk_used | awk '{ print $1 * 0.02 }')"
between "inodes used %" "$i-inodes/percent-used_pct" inodes_used_pct 1
between "memory used %" "$i-memory/percent-used_pct" mem_used_pct 5
between "memory used bytes" "$i-memory/bytes-used" mem_used "$(perf "$N1" mem_used | awk '{ print $1 * 0.5 }')"
swapmax=$(printf '%s\n' "$N1" | grep -o 'swap_used=[^ ]*' | awk -F';' '{ print $NF }')
if [ "$swapmax" = 0 ]; then
    pin_to "swap used (no swap)" "$i-swap/bytes-used" 0
else
    range "swap used" "$i-swap/bytes-used" "!nan && v >= 0 && v <= $swapmax"
fi
range "cpu busy %" "$i-cpu/percent-busy_pct" '!nan && v >= 0 && v <= 100'
for x in load1 load5 load15 load1_per_core; do
    range "$x" "$i-load/gauge-$x" '!nan && v >= 0'
done

# ---------------------------------------------------------------- http
ids=()
for x in helixflow_bool-up gauge-status duration-time helixflow_ms-dns helixflow_ms-connect \
         helixflow_ms-tls helixflow_ms-ttfb helixflow_ms-transfer bytes-size helixflow_days-cert_days; do
    ids+=("$H-http_health/$x")
done
if sandwich_still 5 "http --root $HF_ROOT --url $HF_HEALTH_URL --ca $HF_CA" "size" "${ids[@]}"; then
    i=$H-http_health
    cd_ok "Nagios: http OK, 200" grep -q '^HELIXFLOW HTTP OK: 200 OK' <<<"$N1"
    range "http up" "$i/helixflow_bool-up" 'v == 1'
    pin_to "http status 200" "$i/gauge-status" 200
    pin "http body size" "$i/bytes-size" size
    pin_to "http body size is the test bed's" "$i/bytes-size" "$(printf '{"status":"healthy"}\n' | wc -c)"
    between "http certificate days left" "$i/helixflow_days-cert_days" cert_days 0.02
    range "http time" "$i/duration-time" '!nan && v > 0'
    for x in dns connect tls ttfb transfer; do
        range "http phase $x" "$i/helixflow_ms-$x" '!nan && v >= 0'
    done
fi

# ---------------------------------------------------------------- api
ids=()
for x in gauge-rate derive-requests percent-errors duration-p50 duration-p95 duration-p99 \
         gauge-queue duration-ttft_p95 gauge-tokens_per_s percent-kv_cache; do ids+=("$H-api_gateway/$x"); done
# rate and latency are over the interval (the Nagios check: since its last
# run); the test bed's counters are whole numbers, so a short interval
# blurs the buckets: 10 s (about 226 requests) keep p50 in (0.05, 0.25],
# p95 in (0.5, 1], p99 in (1, 5]. The Nagios check's first run (its own
# state) is cumulative since the exporter started.
mkdir -m 0700 "$NS/api"
sandwich "api --root $HF_ROOT --state-dir $NS/api --metrics-url $HF_METRICS_URL" "${ids[@]}"
i=$H-api_gateway
cd_ok "Nagios: api answers (first run)" grep -q '^HELIXFLOW API [A-Z]*: first run' <<<"$N1"
between "api requests counter (csv)" "$i/derive-requests" requests
range "api request rate (22.62/s on the test bed)" "$i/gauge-rate" '!nan && v >= 10 && v <= 40'
range "api error ratio" "$i/percent-errors" '!nan && v >= 0 && v <= 100'
range "api p50 in the median's bucket (0.05, 0.25]" "$i/duration-p50" '!nan && v > 0.05 && v <= 0.25'
range "api p95 in (0.5, 1]" "$i/duration-p95" '!nan && v > 0.5 && v <= 1'
range "api p99 in (1, 5]" "$i/duration-p99" '!nan && v > 1 && v <= 5'
range "api queue" "$i/gauge-queue" '!nan && v >= 0'
range "api ttft p95" "$i/duration-ttft_p95" '!nan && v > 0'
range "api tokens per second" "$i/gauge-tokens_per_s" '!nan && v > 0'
range "api kv cache %" "$i/percent-kv_cache" '!nan && v >= 0 && v <= 100'
cd_num "Nagios p50 in the same bucket" "$(perf "$N1" p50)" '!nan && v > 0.05 && v <= 0.25'
cd_num "Nagios p95 in the same bucket" "$(perf "$N1" p95)" '!nan && v > 0.5 && v <= 1'
cd_num "Nagios p99 in the same range" "$(perf "$N1" p99)" '!nan && v > 1 && v <= 5'
cd_num "Nagios kv cache % in the same range" "$(perf "$N1" kv_cache)" '!nan && v >= 0 && v <= 100'

# ---------------------------------------------------------------- certificates
certs="api-gateway auth-service inference-pool monitoring"
ids=()
for f in $certs; do
    ids+=("$H-cert-$f.crt/helixflow_days-days_left" "$H-cert-$f.crt/helixflow_bool-chain_ok")
done
ids+=("$H-cert-api-gateway.crt/helixflow_bool-served")
sandwich "cert ${common[*]} --ca $HF_CA --url $HF_HEALTH_URL" "${ids[@]}"
cd_is "Nagios: certificates OK (and the first one is served)" "$R1$R2" 00
for f in $certs; do
    between "$f.crt days left" "$H-cert-$f.crt/helixflow_days-days_left" "$f.crt" 0.01
    range "$f.crt days left (365-day certificate)" "$H-cert-$f.crt/helixflow_days-days_left" 'v > 364 && v <= 365'
    range "$f.crt chain ok" "$H-cert-$f.crt/helixflow_bool-chain_ok" 'v == 1'
done
range "api-gateway.crt is what the endpoint serves" "$H-cert-api-gateway.crt/helixflow_bool-served" 'v == 1'
ids=("$H-cert_renewed-renewed.crt/helixflow_days-days_left" "$H-cert_renewed-renewed.crt/helixflow_bool-chain_ok"
     "$H-cert_renewed-renewed.crt/helixflow_bool-served")
sandwich "cert ${common[*]} --cert $renewed --ca $HF_CA --url $HF_HEALTH_URL" "${ids[@]}"
cd_is "Nagios: renewed but not served is a WARNING" "$R1$R2" 11
between "renewed.crt days left" "${ids[0]}" renewed.crt 0.01
range "renewed.crt days left (730-day certificate)" "${ids[0]}" 'v > 729 && v <= 730'
range "renewed.crt chain ok" "${ids[1]}" 'v == 1'
range "renewed.crt is not what the endpoint serves" "${ids[2]}" 'v == 0'

# ---------------------------------------------------------------- database
ids=() perfs=
for w in 1h 24h 7d 30d; do
    ids+=("$H-db-$w/gauge-requests" "$H-db-$w/percent-error_rate" "$H-db-$w/helixflow_ms-avg" "$H-db-$w/helixflow_ms-p95")
    perfs+="req_$w err_rate_$w avg_$w p95_$w "
done
tables="api_keys inference_requests models users"
for t in $tables; do ids+=("$H-db-$t/count-rows"); perfs+="rows_$t "; done
for x in bytes-size bytes-wal gauge-pages gauge-freelist gauge-peak_day gauge-skipped helixflow_ms-query; do
    ids+=("$H-db/$x")
done
perfs+="size wal pages freelist peak_day skipped"
if sandwich_still 5 "db ${common[*]}" "$perfs" "${ids[@]}"; then
    cd_is "Nagios: db OK" "$R1" 0
    for w in 1h 24h 7d 30d; do
        pin "db $w requests" "$H-db-$w/gauge-requests" "req_$w"
        pin "db $w error rate" "$H-db-$w/percent-error_rate" "err_rate_$w"
        pin "db $w average" "$H-db-$w/helixflow_ms-avg" "avg_$w"
        pin "db $w p95" "$H-db-$w/helixflow_ms-p95" "p95_$w"
    done
    for t in $tables; do pin "db rows of $t" "$H-db-$t/count-rows" "rows_$t"; done
    pin_to "db rows of inference_requests: the test bed's 5000" "$H-db-inference_requests/count-rows" 5000
    pin_to "db rows of users: 50" "$H-db-users/count-rows" 50
    pin_to "db rows of api_keys: 80" "$H-db-api_keys/count-rows" 80
    pin_to "db rows of models: 3" "$H-db-models/count-rows" 3
    for x in size wal pages freelist peak_day skipped; do
        t=$(printf '%s\n' "${ids[@]}" | grep -E "/[a-z_]+-$x\$" | head -n 1)
        pin "db $x" "$t" "$x"
    done
    pin_to "db size is the file's" "$H-db/bytes-size" "$(stat -c %s "$HF_DB")"
    pin_to "db 30d requests: an independent sqlite3 count" "$H-db-30d/gauge-requests" \
        "$(sqlite3 "file:$HF_DB?mode=ro" "SELECT count(*) FROM inference_requests WHERE created_at > datetime('now', '-30 days')")"
    range "db query latency" "$H-db/helixflow_ms-query" '!nan && v >= 0'
fi

# ---------------------------------------------------------------- backups
ids=("$H-backup/duration-age" "$H-backup/bytes-size" "$H-backup/helixflow_bool-ok")
newest=$(ls -t "$HF_BACKUP_DIR"/*.db | head -n 1)
if sandwich_still 5 "backup ${common[*]}" "size" "${ids[@]}"; then
    cd_is "Nagios: backup OK" "$R1" 0
    pin "backup size" "${ids[1]}" size
    pin_to "backup size is the newest file's" "${ids[1]}" "$(stat -c %s "$newest")"
    between "backup age" "${ids[0]}" age 1
    range "backup ok" "${ids[2]}" 'v == 1'
fi

# ---------------------------------------------------------------- logs
ids=() perfs="errors warnings critical security"
for x in error warning critical security; do ids+=("$H-log-$x/gauge-lines" "$H-log-$x/derive-total"); done
logcheck="log ${common[*]} --read-existing --window $LOGWIN"
if sandwich_still 5 "$logcheck" "$perfs" "${ids[@]}"; then
    S=$HF_ROOT/run/logs.summary
    sum() { awk -v k="$1" '{ for (i = 2; i <= NF; i++) { split($i, a, "="); if (a[1] == k) s += a[2] } } END { print s + 0 }' "$S"; }
    pin "log error lines" "$H-log-error/gauge-lines" errors
    pin "log warning lines" "$H-log-warning/gauge-lines" warnings
    pin "log critical lines" "$H-log-critical/gauge-lines" critical
    pin "log security events" "$H-log-security/gauge-lines" security
    pin_to "log error lines: the test bed's" "$H-log-error/gauge-lines" "$(sum error_class)"
    pin_to "log warning lines: the test bed's (WARN: warnings and security lines)" "$H-log-warning/gauge-lines" \
        "$(($(sum warning) + $(sum security)))"
    pin_to "log critical lines: the test bed's" "$H-log-critical/gauge-lines" "$(sum critical)"
    pin_to "log security events: the test bed's" "$H-log-security/gauge-lines" "$(sum security_class)"
    for x in error warning critical security; do
        pin_to "log $x total: the lines counted since collectd started" "$H-log-$x/derive-total" \
            "${CV[$H-log-$x/gauge-lines]}"
    done
fi
# 7 more error lines: the window and the total grow by exactly 7
e0=${CV[$H-log-error/gauge-lines]:-0} t0=${CV[$H-log-error/derive-total]:-0}
"$HF_TESTBED" log "$HF_ROOT" append 7 error >/dev/null
cd_ok "7 appended error lines: the window has them" \
    cd_wait_value c "$H-log-error/gauge-lines" value "v == $e0 + 7"
sandwich "$logcheck" "$H-log-error/gauge-lines" "$H-log-error/derive-total" "$H-log-critical/gauge-lines"
pin "log error lines after the append" "$H-log-error/gauge-lines" errors
pin_to "log error total grew by 7" "$H-log-error/derive-total" "$(awk -v t="$t0" 'BEGIN { print t + 7 }')"
pin "log critical lines unchanged" "$H-log-critical/gauge-lines" critical
# bytes read: per interval; over every interval (csv) the logs' whole size
cd_stop c
cd_is "collectd exits 0" "$CD_STATUS" 0
total_bytes=$(cat "$HF_LOG_DIR"/*.log | wc -c)
csv_bytes=$(cat "$(cd_path c csv)/$CD_HOST/helixflow-log"/bytes-bytes-* 2>/dev/null |
    awk -F, '$1 ~ /^[0-9.]+$/ { s += $2 } END { printf "%d\n", s }')
cd_is "log bytes over every interval (csv) = the logs' size" "$csv_bytes" "$total_bytes"
cd_done_testing
