/* The api check: request rate, error ratio and latency of the HelixFlow API
 * from its Prometheus metrics page, the inference signals the page carries
 * (queue, time to first token, tokens/s, KV cache, GPU), and optionally
 * that /v1/models lists a model.
 *
 *   hf_http_probe (models list, metrics page) -> hf_prom_parse ->
 *   hf_prom_api_compute (with the state) -> findings and metrics
 *
 * Settings (the old check_helixflow_api's long options; -w/-c set
 * error-warning/error-critical):
 *   metrics-url HF_DEFAULT_METRICS_URL   models-url (HF_DEFAULT_MODELS_URL with --model)
 *   model, ca, insecure
 *   requests-metric api_requests_total   duration-metric api_request_duration_seconds
 *   error-label code   error-regex ^5
 *   error-warning HF_THR_API_ERR_WARN (1 %)   error-critical HF_THR_API_ERR_CRIT (5 %)
 *   p95-warning HF_THR_API_P95_WARN (2 s)     p95-critical HF_THR_API_P95_CRIT (5 s)
 *   window HF_API_WINDOW_S (900 s)
 * The state file (one per configuration: metrics and models URL, model,
 * request and duration metric, error label and regex, window; not the
 * thresholds) is the prom probe's (hf_prom_state.c).
 *
 * Findings (object "models", "metrics", or "" for the window line):
 *   api.status        CRITICAL  models list / metrics page returned HTTP 404
 *   api.model         CRITICAL  model 'x' not listed by URL / models list URL: <why>
 *   api.models        OK        models list URL answered / model 'x' listed by URL
 *   api.down, api.untrusted, api.tls, api.redirects, api.probe
 *                     CRITICAL (probe: UNKNOWN)  "<page> unreachable: <error>"
 *   api.timeout       CRITICAL/UNKNOWN  "<page>: timed out after 1.75 s: ..."
 *   api.out_of_time   UNKNOWN   "<page>: out of time: check_helixflow's -t left ..."
 *   api.empty, api.too_big, api.parse, api.no_samples, api.stats
 *                     UNKNOWN   the page is empty / over 16 MiB / malformed
 *                               (line, column) / without the request counter
 *   api.errors        WARNING/CRITICAL  error ratio 1.67% (warning threshold 1)
 *   api.latency       WARNING/CRITICAL  p95 latency 3.750 s (warning threshold 2)
 *   api.window, api.delta, api.source, api.signal   OK  where each figure came from (-v)
 * Metrics: rate, requests c, errors % (error ranges, 0..100), p50/p95/p99 s
 * (p95 ranges), queue, ttft_p95 s, tokens_per_s, kv_cache %, gpu_util %.
 *
 * What changed from check_helixflow_api (the issue):
 *  1. No answer follows the http check's rule (hf_check_http_fail.h) with
 *     p95-critical as the response-time critical range: a timeout is
 *     UNKNOWN "<page>: timed out after 1.75 s" (it was CRITICAL
 *     "unreachable"), CRITICAL only once the time waited is beyond
 *     p95-critical (the API is at least that slow); refused, unreachable,
 *     TLS and untrusted stay CRITICAL "<page> unreachable: <error>".
 *  2. Out of time (ctx->shared): UNKNOWN api.out_of_time.
 *  4. libcurl is initialised once per process (init hook), never per call.
 *  5. One connection per endpoint within a process (hf_http.h).
 *  6. The error ratio (-w/-c, error-warning/-critical) is judged over a
 *     fixed window (window, default 900 s) kept in the state as
 *     timestamped counter samples, not since the last run: ratio =
 *     (errors now - errors at the oldest sample within the window) /
 *     (requests likewise), summed sample to sample with Prometheus' reset
 *     rule (hf_prom_stats.h, Window). The first run is still the
 *     cumulative ratio since the exporter started; rate and latency are
 *     still since the previous run. -v says which span the ratio covers.
 * State problems follow the check layer (hf_check.h): an unusable state
 * file is WARNING state.reset, an unusable directory UNKNOWN.
 * Tests: tests/unit/test_check_api.c, tests/integration/check_api.sh. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_check.h"
#include "hf_check_api.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "hf_http.h"
#include "hf_prom.h"
#include "hf_prom_stats.h"

#define API_MAX_PAGE ((size_t)16 << 20)     /* metrics page bytes parsed */
#define API_RESERVE_MS 100                  /* after the fetch: parse and save */

static const hf_setting_def api_defs[] = {
    {"metrics-url", HF_SET_STRING, HF_DEFAULT_METRICS_URL, 0, 0, HF_SETF_IDENTITY, "URL",
     "Prometheus text page", NULL},
    {"models-url", HF_SET_STRING, NULL, 0, 0, HF_SETF_IDENTITY, "URL",
     "also check that this models list answers (2xx)", NULL},
    {"model", HF_SET_STRING, NULL, 0, 0, HF_SETF_IDENTITY, "ID",
     "... and contains model ID (URL default " HF_DEFAULT_MODELS_URL ")", NULL},
    {"ca", HF_SET_PATH, NULL, 0, 0, 0, "FILE", "CA bundle for https (default: system store)", NULL},
    {"insecure", HF_SET_FLAG, NULL, 0, 0, 0, NULL, "do not verify the server certificate", NULL},
    {"requests-metric", HF_SET_STRING, HF_DEFAULT_REQ_METRIC, 0, 0, HF_SETF_IDENTITY, "NAME",
     "request counter", NULL},
    {"duration-metric", HF_SET_STRING, HF_DEFAULT_DUR_METRIC, 0, 0, HF_SETF_IDENTITY, "NAME",
     "duration histogram or summary", NULL},
    {"error-label", HF_SET_STRING, "code", 0, 0, HF_SETF_IDENTITY, "NAME", "label holding the status", NULL},
    {"error-regex", HF_SET_STRING, "^5", 0, 0, HF_SETF_IDENTITY, "RE",
     "status values counted as errors, POSIX ERE", NULL},
    {"error-warning", HF_SET_RANGE, HF_THR_API_ERR_WARN, 0, 0, 0, "RANGE",
     "error ratio in percent over the window", NULL},
    {"error-critical", HF_SET_RANGE, HF_THR_API_ERR_CRIT, 0, 0, 0, "RANGE",
     "error ratio in percent over the window", NULL},
    {"p95-warning", HF_SET_RANGE, HF_THR_API_P95_WARN, 0, 0, 0, "RANGE", "p95 latency in seconds", NULL},
    {"p95-critical", HF_SET_RANGE, HF_THR_API_P95_CRIT, 0, 0, 0, "RANGE",
     "p95 latency in seconds (a page not answered after that long is CRITICAL)", NULL},
    {"window", HF_SET_LONG, HF_API_WINDOW_S, 1, 2678400, HF_SETF_IDENTITY, "SECONDS",
     "the error ratio's fixed time window", NULL},
    {"warning", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "the error ratio's warning range", "error-warning"},
    {"critical", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "the error ratio's critical range", "error-critical"},
};

static const char *api_models_url(const hf_settings *s)
{
    const char *u = hf_settings_str(s, HF_API_MODELS_URL);

    return u ? u : HF_DEFAULT_MODELS_URL;
}

static int api_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    const char *models = hf_settings_str(s, HF_API_MODELS_URL);

    *bad = HF_API_METRICS_URL;
    if (hf_http_url_check(hf_settings_str(s, HF_API_METRICS_URL), err, n) < 0)
        return -EINVAL;
    *bad = HF_API_MODELS_URL;
    if (models && hf_http_url_check(models, err, n) < 0)
        return -EINVAL;
    *bad = HF_API_ERR_REGEX;
    if (hf_http_regex_check(hf_settings_str(s, HF_API_ERR_REGEX), err, n) < 0)
        return -EINVAL;
    *bad = -1;
    return 0;
}

/* ---- judgement ------------------------------------------------------------- */

/* A GET that got no answer: the shared rule, this check's wording. */
static void api_unanswered(const hf_settings *s, const hf_check_http_get *g, const char *object,
                           const char *page, const char *url, hf_report *out)
{
    hf_check_http_fail f;
    char code[32];

    hf_check_http_fail_judge(g, hf_settings_range(s, HF_API_P95_CRITICAL), url, &f);
    snprintf(code, sizeof(code), "api.%s", f.what);
    if (f.timing)
        hf_report_add(out, f.state, object, code, "%s: %s", page, f.text);
    else
        hf_report_add(out, f.state, object, code, "%s unreachable: %s", page, g->res.error);
}

static void api_models(const hf_settings *s, const hf_check_http_get *g, hf_report *out)
{
    const char *url = api_models_url(s), *model = hf_settings_str(s, HF_API_MODEL);
    const hf_http_result *res = &g->res;

    if (g->rc < 0)
        api_unanswered(s, g, "models", "models list", url, out);
    else if (!res->status_ok)
        hf_report_add(out, HF_CRITICAL, "models", "api.status", "models list %s returned HTTP %ld", url,
                      res->status);
    else if (!model)
        hf_report_add(out, HF_OK, "models", "api.models", "models list %s answered HTTP %ld", url,
                      res->status);
    else if (!res->model_ok && res->check_error[0])
        hf_report_add(out, HF_CRITICAL, "models", "api.model", "models list %s: %s", url,
                      res->check_error);
    else if (!res->model_ok)
        hf_report_add(out, HF_CRITICAL, "models", "api.model", "model '%s' not listed by %s", model, url);
    else
        hf_report_add(out, HF_OK, "models", "api.models", "model '%s' listed by %s", model, url);
}

/* The page parsed into *doc (0), else a finding (-1; *doc may still be a
 * document to free: a page without samples). */
static int api_page(const hf_settings *s, const hf_check_http_get *g, hf_prom_doc **doc, hf_report *out)
{
    const char *url = hf_settings_str(s, HF_API_METRICS_URL);
    const hf_http_result *res = &g->res;
    hf_prom_error perr;
    char msg[HF_ERR_MAX + 64];

    *doc = NULL;
    if (g->rc < 0)
        api_unanswered(s, g, "metrics", "metrics page", url, out);
    else if (!res->status_ok)
        hf_report_add(out, HF_CRITICAL, "metrics", "api.status", "metrics page %s returned HTTP %ld", url,
                      res->status);
    else if (!res->size || !res->body)
        hf_report_add(out, HF_UNKNOWN, "metrics", "api.empty", "metrics page %s is empty", url);
    else if (res->truncated)
        hf_report_add(out, HF_UNKNOWN, "metrics", "api.too_big", "metrics page %s is larger than %zu MiB",
                      url, API_MAX_PAGE >> 20);
    else if (hf_prom_parse(res->body, res->size, NULL, doc, &perr) < 0)
        hf_report_add(out, HF_UNKNOWN, "metrics", "api.parse", "metrics page %s",
                      hf_prom_error_str(&perr, msg, sizeof(msg)));
    else if (!(*doc)->nsamples)
        hf_report_add(out, HF_UNKNOWN, "metrics", "api.no_samples", "metrics page %s has no samples", url);
    else
        return 0;
    return -1;
}

static void api_prom_config(const hf_settings *s, hf_prom_api_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->requests_metric = hf_settings_str(s, HF_API_REQ_METRIC);
    cfg->duration_metric = hf_settings_str(s, HF_API_DUR_METRIC);
    cfg->error_label = hf_settings_str(s, HF_API_ERR_LABEL);
    cfg->error_regex = hf_settings_str(s, HF_API_ERR_REGEX);
    cfg->window_s = (double)hf_settings_long(s, HF_API_WINDOW);
}

void hf_check_api_judge(const hf_settings *s, const hf_check_api_probe *p, hf_prom_api_state *st,
                        hf_report *out)
{
    const char *url = hf_settings_str(s, HF_API_METRICS_URL);
    hf_prom_api_config cfg;
    hf_prom_api_stats stats;
    hf_prom_doc *doc;
    int r;

    if (p->models_checked)
        api_models(s, &p->models, out);
    if (api_page(s, &p->metrics, &doc, out) < 0) {
        hf_prom_doc_free(doc);                  /* a page without samples parsed */
        return;
    }
    api_prom_config(s, &cfg);
    if ((r = hf_prom_api_compute(doc, &cfg, p->now, st, &stats)) == -ENOENT)
        hf_report_add(out, HF_UNKNOWN, "metrics", "api.no_samples", "metrics page %s has no %s samples",
                      url, cfg.requests_metric);
    else if (r < 0)
        hf_report_add(out, HF_UNKNOWN, "metrics", "api.stats", "metrics page %s: %s", url, stats.error);
    else
        hf_check_api_report(s, &stats, out);
    hf_prom_doc_free(doc);
}

/* ---- probing --------------------------------------------------------------- */

static void api_http_config(const hf_settings *s, const char *url, hf_http_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->url = url;
    cfg->ca_file = hf_settings_str(s, HF_API_CA);
    cfg->insecure = hf_settings_flag(s, HF_API_INSECURE);
}

/* What ctx leaves, less the reserve for parsing and saving, divided by
 * the GETs still to make. */
static long api_budget(const hf_check_ctx *ctx, long gets)
{
    long left = (hf_check_ms_left(ctx) - API_RESERVE_MS) / gets;

    return left < 1 ? 1 : left;
}

static void api_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    hf_check_api_probe p;
    hf_http_config hc;

    memset(&p, 0, sizeof(p));
    p.models_checked = hf_settings_str(s, HF_API_MODEL) || hf_settings_str(s, HF_API_MODELS_URL);
    if (p.models_checked) {
        api_http_config(s, api_models_url(s), &hc);
        hc.expect_model = hf_settings_str(s, HF_API_MODEL);
        hc.timeout_ms = api_budget(ctx, 2);
        hf_check_http_get_run(&p.models, &hc, ctx);
    }
    api_http_config(s, hf_settings_str(s, HF_API_METRICS_URL), &hc);
    hc.keep_body = true;
    hc.max_body = API_MAX_PAGE;
    hc.timeout_ms = api_budget(ctx, 1);
    hf_check_http_get_run(&p.metrics, &hc, ctx);
    p.now = hf_real_now();
    hf_check_api_judge(s, &p, st, out);
    hf_http_result_free(&p.models.res);
    hf_http_result_free(&p.metrics.res);
}

/* ---- state: the prom probe's file ---------------------------------------------- */

static void *api_state_new(void)
{
    return calloc(1, sizeof(hf_prom_api_state));
}

static void api_state_free(void *st)
{
    free(st);
}

/* 0, -ENOENT (no file yet) or -errno with err; st is fresh on error. */
static int api_state_load(void *st, const char *path, char *err, size_t n)
{
    return hf_prom_api_state_load(st, path, err, n);
}

static int api_state_save(void *st, const char *path, char *err, size_t n)
{
    const hf_prom_api_state *s = st;

    return s->valid ? hf_prom_api_state_save(s, path, err, n) : 0;
}

static void api_init(void)
{
    (void)hf_http_init();       /* a failure shows in every probe */
}

const hf_check_kind hf_check_api = {
    .name = "api",
    .title = "API",
    .doc = "Rate, error ratio and p50/p95/p99 latency of the HelixFlow API from its Prometheus\n"
           "metrics page, with queue, time to first token, tokens/s, KV cache and GPU figures\n"
           "when the page has them (vLLM, Triton, TGI names). The error ratio is judged over a\n"
           "fixed window (--window, default 15 minutes) of counter samples kept in the state;\n"
           "rate and latency between two runs; the first run reports cumulative figures.",
    .defs = api_defs,
    .ndefs = HF_ARRAY_SIZE(api_defs),
    .validate = api_validate,
    .init = api_init,
    .state_new = api_state_new,
    .state_free = api_state_free,
    .state_load = api_state_load,
    .state_save = api_state_save,
    .eval = api_eval,
};
