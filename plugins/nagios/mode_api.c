/* check_helixflow_api: request rate, error ratio and latency of the HelixFlow
 * API from its Prometheus metrics page, plus the inference signals the page
 * carries (queue, time to first token, tokens/s, KV cache, GPU), and
 * optionally that /v1/models lists a model.
 *
 * argv -> hf_http_probe (fetch) -> hf_prom_parse -> hf_prom_api_compute
 * (with the previous sample from the state dir) -> findings and perfdata. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hf_defaults.h"
#include "hf_http.h"
#include "hf_prom.h"
#include "hf_prom_stats.h"
#include "modes.h"

#define HFM_API_ERR_WARN "1"
#define HFM_API_ERR_CRIT "5"
#define HFM_API_P95_WARN "2"
#define HFM_API_P95_CRIT "5"
#define HFM_API_MAX_PAGE ((size_t)16 << 20)     /* metrics page bytes parsed */

typedef struct hfm_api_opts {
    const char *metrics_url;
    const char *models_url;     /* checked when given or with --model (then default URL) */
    const char *model;
    const char *ca;
    bool insecure;
    hf_prom_api_config cfg;
    hf_range err_warn, err_crit;    /* error ratio, percent */
    hf_range p95_warn, p95_crit;    /* seconds */
} hfm_api_opts;

enum {
    HFM_API_METRICS_URL = HFN_MODE_OPT,
    HFM_API_MODELS_URL,
    HFM_API_MODEL,
    HFM_API_CA,
    HFM_API_INSECURE,
    HFM_API_REQ_METRIC,
    HFM_API_DUR_METRIC,
    HFM_API_ERR_LABEL,
    HFM_API_ERR_REGEX,
    HFM_API_ERR_WARNING,
    HFM_API_ERR_CRITICAL,
    HFM_API_P95_WARNING,
    HFM_API_P95_CRITICAL,
};

static const struct option hfm_api_longopts[] = {
    {"metrics-url", required_argument, NULL, HFM_API_METRICS_URL},
    {"models-url", required_argument, NULL, HFM_API_MODELS_URL},
    {"model", required_argument, NULL, HFM_API_MODEL},
    {"ca", required_argument, NULL, HFM_API_CA},
    {"insecure", no_argument, NULL, HFM_API_INSECURE},
    {"requests-metric", required_argument, NULL, HFM_API_REQ_METRIC},
    {"duration-metric", required_argument, NULL, HFM_API_DUR_METRIC},
    {"error-label", required_argument, NULL, HFM_API_ERR_LABEL},
    {"error-regex", required_argument, NULL, HFM_API_ERR_REGEX},
    {"error-warning", required_argument, NULL, HFM_API_ERR_WARNING},
    {"error-critical", required_argument, NULL, HFM_API_ERR_CRITICAL},
    {"p95-warning", required_argument, NULL, HFM_API_P95_WARNING},
    {"p95-critical", required_argument, NULL, HFM_API_P95_CRITICAL},
    {0, 0, 0, 0},
};

static void hfm_api_defaults(void *vo)
{
    hfm_api_opts *o = vo;

    memset(o, 0, sizeof(*o));
    o->metrics_url = HF_DEFAULT_METRICS_URL;
    hf_range_parse(HFM_API_ERR_WARN, &o->err_warn, NULL, 0);
    hf_range_parse(HFM_API_ERR_CRIT, &o->err_crit, NULL, 0);
    hf_range_parse(HFM_API_P95_WARN, &o->p95_warn, NULL, 0);
    hf_range_parse(HFM_API_P95_CRIT, &o->p95_crit, NULL, 0);
}

static int hfm_api_text(hfn *p, const char *opt, const char *arg, const char **dst)
{
    if (!*arg)
        return hfn_bad_usage(p, "%s: empty value", opt);
    *dst = arg;
    return 0;
}

static int hfm_api_option(hfn *p, void *vo, int opt, const char *arg)
{
    hfm_api_opts *o = vo;

    switch (opt) {
    case HFM_API_METRICS_URL: return hfm_api_text(p, "--metrics-url", arg, &o->metrics_url);
    case HFM_API_MODELS_URL: return hfm_api_text(p, "--models-url", arg, &o->models_url);
    case HFM_API_MODEL: return hfm_api_text(p, "--model", arg, &o->model);
    case HFM_API_CA: return hfm_api_text(p, "--ca", arg, &o->ca);
    case HFM_API_INSECURE: o->insecure = true; return 0;
    case HFM_API_REQ_METRIC: return hfm_api_text(p, "--requests-metric", arg, &o->cfg.requests_metric);
    case HFM_API_DUR_METRIC: return hfm_api_text(p, "--duration-metric", arg, &o->cfg.duration_metric);
    case HFM_API_ERR_LABEL: return hfm_api_text(p, "--error-label", arg, &o->cfg.error_label);
    case HFM_API_ERR_REGEX: return hfm_api_text(p, "--error-regex", arg, &o->cfg.error_regex);
    case HFM_API_ERR_WARNING: return hfn_range_arg(p, "--error-warning", arg, &o->err_warn);
    case HFM_API_ERR_CRITICAL: return hfn_range_arg(p, "--error-critical", arg, &o->err_crit);
    case HFM_API_P95_WARNING: return hfn_range_arg(p, "--p95-warning", arg, &o->p95_warn);
    case HFM_API_P95_CRITICAL: return hfn_range_arg(p, "--p95-critical", arg, &o->p95_crit);
    default: return hfn_bad_usage(p, "unknown option");
    }
}

static int hfm_api_validate(hfn *p, void *vo)
{
    hfm_api_opts *o = vo;
    regex_t re;
    char msg[HF_ERR_MAX];
    int r;

    if (hf_http_url_check(o->metrics_url, msg, sizeof(msg)) < 0)
        return hfn_bad_usage(p, "--metrics-url: %s", msg);
    if (o->models_url && hf_http_url_check(o->models_url, msg, sizeof(msg)) < 0)
        return hfn_bad_usage(p, "--models-url: %s", msg);
    if (o->cfg.error_regex) {
        if ((r = regcomp(&re, o->cfg.error_regex, REG_EXTENDED | REG_NOSUB)) != 0) {
            regerror(r, &re, msg, sizeof(msg));
            regfree(&re);
            return hfn_bad_usage(p, "--error-regex: '%s': %s", o->cfg.error_regex, msg);
        }
        regfree(&re);
    }
    return 0;
}

/* ---- probes ------------------------------------------------------------------ */

static void hfm_api_models(hfn *p, const hfm_api_opts *o, long timeout_ms)
{
    hf_http_config hc = {
        .url = o->models_url ? o->models_url : HF_DEFAULT_MODELS_URL,
        .timeout_ms = timeout_ms,
        .expect_model = o->model,
        .ca_file = o->ca,
        .insecure = o->insecure,
    };
    hf_http_result res;

    if (hf_http_probe(&hc, &res) < 0)
        hfn_add(p, HF_CRITICAL, "models list unreachable: %s", res.error);
    else if (!res.status_ok)
        hfn_add(p, HF_CRITICAL, "models list %s returned HTTP %ld", hc.url, res.status);
    else if (!o->model)
        hfn_add(p, HF_OK, "models list %s answered HTTP %ld", hc.url, res.status);
    else if (!res.model_ok && res.check_error[0])
        hfn_add(p, HF_CRITICAL, "models list %s: %s", hc.url, res.check_error);
    else if (!res.model_ok)
        hfn_add(p, HF_CRITICAL, "model '%s' not listed by %s", o->model, hc.url);
    else
        hfn_add(p, HF_OK, "model '%s' listed by %s", o->model, hc.url);
    hf_http_result_free(&res);
}

/* Fetch and parse the page: *doc on success, else a finding is recorded. */
static int hfm_api_fetch(hfn *p, const hfm_api_opts *o, long timeout_ms, hf_prom_doc **doc)
{
    hf_http_config hc = {
        .url = o->metrics_url,
        .timeout_ms = timeout_ms,
        .ca_file = o->ca,
        .insecure = o->insecure,
        .keep_body = true,
        .max_body = HFM_API_MAX_PAGE,
    };
    hf_http_result res;
    hf_prom_error perr;
    char msg[HF_ERR_MAX + 64];
    int r = -EIO;

    *doc = NULL;
    if (hf_http_probe(&hc, &res) < 0)
        hfn_add(p, HF_CRITICAL, "metrics page unreachable: %s", res.error);
    else if (!res.status_ok)
        hfn_add(p, HF_CRITICAL, "metrics page %s returned HTTP %ld", o->metrics_url, res.status);
    else if (!res.size || !res.body)
        hfn_add(p, HF_UNKNOWN, "metrics page %s is empty", o->metrics_url);
    else if (res.truncated)
        hfn_add(p, HF_UNKNOWN, "metrics page %s is larger than %zu MiB", o->metrics_url,
                HFM_API_MAX_PAGE >> 20);
    else if ((r = hf_prom_parse(res.body, res.size, NULL, doc, &perr)) < 0)
        hfn_add(p, HF_UNKNOWN, "metrics page %s", hf_prom_error_str(&perr, msg, sizeof(msg)));
    else if (!(*doc)->nsamples) {
        hfn_add(p, HF_UNKNOWN, "metrics page %s has no samples", o->metrics_url);
        r = -ENOENT;
    }
    hf_http_result_free(&res);
    return r;
}

/* ---- state ----------------------------------------------------------------- */

/* One state file per metrics URL and request metric. */
static int hfm_api_state_path(const hfn *p, const hfm_api_opts *o, char *out, size_t n)
{
    const char *parts[] = {o->metrics_url, "\n", o->cfg.requests_metric ? o->cfg.requests_metric : ""};
    uint64_t h = HF_HASH_SEED;
    char file[64];

    for (size_t i = 0; i < HF_ARRAY_SIZE(parts); i++)
        h = hf_hash64(parts[i], strlen(parts[i]), h);
    snprintf(file, sizeof(file), "api-%016" PRIx64 ".state", h);
    return hfn_state_path(p, out, n, file);
}

/* ---- output ------------------------------------------------------------------ */

/* hfn_perf, but "U" without a unit (hfn_perf writes "U%" and "Us"). */
static void hfm_api_perf1(hfn *p, const char *label, double v, const char *uom, const hf_range *w,
                          const hf_range *c, double min, double max)
{
    hfn_perf(p, label, v, isnan(v) ? "" : uom, w, c, min, max);
}

static void hfm_api_perf(hfn *p, const hfm_api_opts *o, const hf_prom_api_stats *s,
                         const hf_range *ew, const hf_range *ec)
{
    hfm_api_perf1(p, "rate", s->rate, "", NULL, NULL, NAN, NAN);
    hfm_api_perf1(p, "requests", s->requests, "c", NULL, NULL, NAN, NAN);
    hfm_api_perf1(p, "errors", s->error_pct, "%", ew, ec, 0, 100);
    if (s->lat_source != HF_PROM_LAT_NONE) {
        hfm_api_perf1(p, "p50", s->p50, "s", NULL, NULL, NAN, NAN);
        hfm_api_perf1(p, "p95", s->p95, "s", &o->p95_warn, &o->p95_crit, NAN, NAN);
        hfm_api_perf1(p, "p99", s->p99, "s", NULL, NULL, NAN, NAN);
    }
    if (s->queue_metric)
        hfm_api_perf1(p, "queue", s->queue, "", NULL, NULL, NAN, NAN);
    if (s->ttft_metric)
        hfm_api_perf1(p, "ttft_p95", s->ttft_p95, "s", NULL, NULL, NAN, NAN);
    if (s->tokens_metric)
        hfm_api_perf1(p, "tokens_per_s", s->tokens_per_s, "", NULL, NULL, NAN, NAN);
    if (s->kv_metric)
        hfm_api_perf1(p, "kv_cache", s->kv_cache_pct, "%", NULL, NULL, 0, 100);
    if (s->gpu_metric)
        hfm_api_perf1(p, "gpu_util", s->gpu_util_pct, "%", NULL, NULL, 0, 100);
}

static void hfm_api_summary(hfn *p, const hf_prom_api_stats *s)
{
    char err[32], p95[32];

    if (isnan(s->error_pct))
        snprintf(err, sizeof(err), "no requests");
    else
        snprintf(err, sizeof(err), "%.2f%% errors", s->error_pct);
    if (isnan(s->p95))
        snprintf(p95, sizeof(p95), "p95 n/a");
    else
        snprintf(p95, sizeof(p95), "p95 %.3f s", s->p95);
    if (s->delta)
        hfn_summary(p, "%.1f req/s, %s, %s%s", s->rate, err, p95,
                    s->reset ? " (counters reset since the previous run)" : "");
    else
        hfn_summary(p, "first run: %.0f requests since start, %s, %s (cumulative; rate from the next run)",
                    s->requests, err, p95);
}

/* Long output (-v): where each figure came from. */
static void hfm_api_details(hfn *p, const hfm_api_opts *o, const hf_prom_api_stats *s)
{
    const char *dur = o->cfg.duration_metric ? o->cfg.duration_metric : HF_DEFAULT_DUR_METRIC;

    if (s->delta)
        hfn_add(p, HF_OK, "%.0f requests, %.0f errors in the last %.0f s", s->d_requests, s->d_errors,
                s->interval);
    if (s->lat_source == HF_PROM_LAT_NONE)
        hfn_add(p, HF_OK, "no %s histogram or summary in the page: latency not checked", dur);
    else
        hfn_add(p, HF_OK, "latency from %s %s: p50 %.3f s, p95 %.3f s, p99 %.3f s", dur,
                s->lat_source == HF_PROM_LAT_SUMMARY ? "summary quantiles" : "histogram buckets",
                s->p50, s->p95, s->p99);
    if (s->queue_metric)
        hfn_add(p, HF_OK, "queue %.0f (%s)", s->queue, s->queue_metric);
    if (s->ttft_metric)
        hfn_add(p, HF_OK, "time to first token p95 %.3f s (%s)", s->ttft_p95, s->ttft_metric);
    if (s->tokens_metric && !isnan(s->tokens_per_s))
        hfn_add(p, HF_OK, "%.1f tokens/s (%s)", s->tokens_per_s, s->tokens_metric);
    if (s->kv_metric)
        hfn_add(p, HF_OK, "KV cache %.1f%% used (%s)", s->kv_cache_pct, s->kv_metric);
    if (s->gpu_metric)
        hfn_add(p, HF_OK, "GPU utilisation %.1f%% (%s)", s->gpu_util_pct, s->gpu_metric);
    if (s->note[0])
        hfn_add(p, HF_OK, "%s", s->note);
}

static void hfm_api_eval(hfn *p, const hfm_api_opts *o, const hf_prom_api_stats *s,
                         const hf_range *ew, const hf_range *ec)
{
    hf_state st;

    if (!isnan(s->error_pct) && (st = hf_range_eval(ew, ec, s->error_pct)) != HF_OK)
        hfn_add(p, st, "error ratio %.2f%% (%s threshold %s)", s->error_pct,
                st == HF_CRITICAL ? "critical" : "warning", st == HF_CRITICAL ? ec->text : ew->text);
    if (!isnan(s->p95) && (st = hf_range_eval(&o->p95_warn, &o->p95_crit, s->p95)) != HF_OK)
        hfn_add(p, st, "p95 latency %.3f s (%s threshold %s)", s->p95,
                st == HF_CRITICAL ? "critical" : "warning",
                st == HF_CRITICAL ? o->p95_crit.text : o->p95_warn.text);
}

/* ---- run --------------------------------------------------------------------- */

static void hfm_api_stats(hfn *p, const hfm_api_opts *o, const hf_prom_doc *doc)
{
    const hf_range *ew = p->warn.set ? &p->warn : &o->err_warn;    /* -w/-c: the error ratio */
    const hf_range *ec = p->crit.set ? &p->crit : &o->err_crit;
    char path[HF_PATH_MAX], err[HF_ERR_MAX + HF_PATH_MAX];
    hf_prom_api_state st;
    hf_prom_api_stats s;
    int sr = hfm_api_state_path(p, o, path, sizeof(path));
    bool keep = sr == 0;
    int r;

    memset(&st, 0, sizeof(st));
    if (!keep)
        hfn_add(p, HF_WARNING, "cannot keep state in %s: %s; no rate without it",
                p->state_dir ? p->state_dir : HF_DEFAULT_STATE_DIR, strerror(-sr));
    else if ((r = hf_prom_api_state_load(&st, path, err, sizeof(err))) < 0 && r != -ENOENT)
        hfn_add(p, HF_OK, "previous state ignored: %s", err);
    if ((r = hf_prom_api_compute(doc, &o->cfg, hf_real_now(), &st, &s)) < 0) {
        if (r == -ENOENT)
            hfn_add(p, HF_UNKNOWN, "metrics page %s has no %s samples", o->metrics_url,
                    o->cfg.requests_metric ? o->cfg.requests_metric : HF_DEFAULT_REQ_METRIC);
        else
            hfn_add(p, HF_UNKNOWN, "metrics page %s: %s", o->metrics_url, s.error);
        return;
    }
    if (keep && hf_prom_api_state_save(&st, path, err, sizeof(err)) < 0)
        hfn_add(p, HF_WARNING, "cannot keep state: %s", err);
    hfm_api_summary(p, &s);
    hfm_api_eval(p, o, &s, ew, ec);
    hfm_api_details(p, o, &s);
    hfm_api_perf(p, o, &s, ew, ec);
}

/* Probe time: what -t leaves, minus room to parse, save and print (the -t
 * alarm must never fire after the probe gave its answer). */
static long hfm_api_budget(const hfn *p)
{
    long left = hfn_time_left_ms(p) - 250;

    return left < 100 ? 100 : left;
}

static void hfm_api_run(hfn *p, const void *vo)
{
    const hfm_api_opts *o = vo;
    hf_prom_doc *doc = NULL;
    long left = hfm_api_budget(p);

    if (hf_http_global_init() < 0) {
        hfn_add(p, HF_UNKNOWN, "cannot initialise libcurl");
        return;
    }
    if (o->model || o->models_url) {
        hfm_api_models(p, o, left / 2);
        left = hfm_api_budget(p);
    }
    if (hfm_api_fetch(p, o, left, &doc) == 0)
        hfm_api_stats(p, o, doc);
    hf_prom_doc_free(doc);
    hf_http_global_cleanup();
}

const hfn_mode hfm_api = {
    .name = "api",
    .title = "API",
    .usage = "[--metrics-url URL] [--models-url URL] [--model ID] [--ca FILE] [--insecure] "
             "[--requests-metric NAME] [--duration-metric NAME] [--error-label NAME] [--error-regex RE] "
             "[--error-warning RANGE] [--error-critical RANGE] [--p95-warning RANGE] [--p95-critical RANGE] "
             "[--state-dir DIR] [-t SECONDS]",
    .help =
        "Rate, error ratio and p50/p95/p99 latency of the HelixFlow API from its Prometheus\n"
        "metrics page, with queue, time to first token, tokens/s, KV cache and GPU figures\n"
        "when the page has them (vLLM, Triton, TGI names). Rates and latencies are taken\n"
        "between two runs (the previous sample is kept in the state dir); the first run\n"
        "reports cumulative figures.\n\n"
        "Mode options:\n"
        "  --metrics-url URL      Prometheus text page (default " HF_DEFAULT_METRICS_URL ")\n"
        "  --models-url URL       also check that this models list answers (2xx)\n"
        "  --model ID             ... and contains model ID (URL default " HF_DEFAULT_MODELS_URL ")\n"
        "  --ca FILE              CA bundle for https (default: system store)\n"
        "  --insecure             do not verify the server certificate\n"
        "  --requests-metric NAME request counter (default " HF_DEFAULT_REQ_METRIC ")\n"
        "  --duration-metric NAME duration histogram or summary (default " HF_DEFAULT_DUR_METRIC ")\n"
        "  --error-label NAME     label holding the status (default code)\n"
        "  --error-regex RE       status values counted as errors, POSIX ERE (default ^5)\n"
        "  --error-warning RANGE  error ratio in percent (default " HFM_API_ERR_WARN "; -w is the same)\n"
        "  --error-critical RANGE error ratio in percent (default " HFM_API_ERR_CRIT "; -c is the same)\n"
        "  --p95-warning RANGE    p95 latency in seconds (default " HFM_API_P95_WARN ")\n"
        "  --p95-critical RANGE   p95 latency in seconds (default " HFM_API_P95_CRIT ")\n",
    .opts_size = sizeof(hfm_api_opts),
    .defaults = hfm_api_defaults,
    .option = hfm_api_option,
    .longopts = hfm_api_longopts,
    .shortopts = "",
    .validate = hfm_api_validate,
    .run = hfm_api_run,
};
