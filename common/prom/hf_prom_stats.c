/* hf_prom_stats: API statistics and inference signals from a Prometheus page
 * (see hf_prom_stats.h). */
#include "hf_prom_stats.h"

#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hf_defaults.h"

#define PROM_DEFAULT_ERROR_LABEL "code"
#define PROM_DEFAULT_ERROR_REGEX "^5"

typedef struct prom_alias {
    const char *name;
    double scale;               /* to seconds / to a 0..1 fraction / 1 */
} prom_alias;

/* Inference-server metrics, first one present wins. Names as documented by
 * the projects:
 *  - vLLM "Production Metrics" (docs.vllm.ai, serving/metrics, usage/metrics):
 *    vllm:num_requests_waiting (gauge), vllm:time_to_first_token_seconds
 *    (histogram), vllm:generation_tokens_total (counter),
 *    vllm:gpu_cache_usage_perc (gauge, 1 = 100 %; V1 renames it
 *    vllm:kv_cache_usage_perc);
 *  - Triton (server docs/user_guide/metrics.md): nv_inference_pending_request_count
 *    (gauge), nv_gpu_utilization (gauge 0.0-1.0),
 *    nv_inference_first_response_histogram_ms (histogram in ms, opt-in via
 *    --metrics-config histogram_latencies=true; time to the first response);
 *    Triton exports no token counter and no KV-cache gauge of its own;
 *  - TGI (text-generation-inference docs, reference/metrics): tgi_queue_size
 *    (gauge), tgi_request_generated_tokens (histogram of tokens per request:
 *    its _sum is the generated-token counter);
 *  - NVIDIA DCGM exporter: DCGM_FI_DEV_GPU_UTIL (gauge, percent);
 *  - our own exporter: helixflow_queue_depth (gauge). */
static const prom_alias prom_queue_aliases[] = {
    {"helixflow_queue_depth", 1},
    {"vllm:num_requests_waiting", 1},
    {"nv_inference_pending_request_count", 1},
    {"tgi_queue_size", 1},
};
static const prom_alias prom_ttft_aliases[] = {
    {"vllm:time_to_first_token_seconds", 1},
    {"nv_inference_first_response_histogram_ms", 0.001},
};
static const prom_alias prom_token_aliases[] = {
    {"vllm:generation_tokens_total", 1},
    {"tgi_request_generated_tokens_sum", 1},
};
static const prom_alias prom_kv_aliases[] = {
    {"vllm:gpu_cache_usage_perc", 1},
    {"vllm:kv_cache_usage_perc", 1},
};
static const prom_alias prom_gpu_aliases[] = {
    {"nv_gpu_utilization", 1},
    {"DCGM_FI_DEV_GPU_UTIL", 0.01},
};

/* ---- sums and maxima ---------------------------------------------------- */

double hf_prom_sum(const hf_prom_doc *doc, const char *name, const char *label,
                   const regex_t *re, bool *found)
{
    const hf_prom_family *f = hf_prom_find_sample_family(doc, name);
    double sum = 0;

    *found = false;
    for (size_t i = 0; f && i < f->nsamples; i++) {
        const hf_prom_sample *s = &f->samples[i];
        if (strcmp(s->name, name) != 0)
            continue;
        *found = true;
        if (isnan(s->value))
            continue;
        if (label) {
            const char *v = hf_prom_label_value(s, label);
            if (!v || (re && regexec(re, v, 0, NULL, 0) != 0))
                continue;
        }
        sum += s->value;
    }
    return sum;
}

static double prom_max(const hf_prom_doc *doc, const char *name, bool *found)
{
    const hf_prom_family *f = hf_prom_find_sample_family(doc, name);
    double max = NAN;

    *found = false;
    for (size_t i = 0; f && i < f->nsamples; i++) {
        const hf_prom_sample *s = &f->samples[i];
        if (strcmp(s->name, name) != 0 || isnan(s->value))
            continue;
        *found = true;
        if (isnan(max) || s->value > max)
            max = s->value;
    }
    return max;
}

/* ---- histograms ------------------------------------------------------------ */

static int prom_le(const char *s, double *out)
{
    if (strcasecmp(s, "+Inf") == 0 || strcasecmp(s, "Inf") == 0) {
        *out = INFINITY;
        return 0;
    }
    return hf_parse_double(s, out);
}

double hf_prom_histogram_quantile(double q, const double *le, const double *cum, size_t n)
{
    double c[HF_PROM_MAX_BUCKETS], rank, start = 0, cstart = 0;
    size_t b = 0;

    if (isnan(q))
        return NAN;
    if (q < 0)
        return -INFINITY;
    if (q > 1)
        return INFINITY;
    if (n < 2 || n > HF_PROM_MAX_BUCKETS || !(isinf(le[n - 1]) && le[n - 1] > 0))
        return NAN;
    /* counts must not decrease (exporters read buckets non-atomically) */
    c[0] = cum[0];
    for (size_t i = 1; i < n; i++)
        c[i] = cum[i] > c[i - 1] ? cum[i] : c[i - 1];
    if (!(c[n - 1] > 0))
        return NAN;
    rank = q * c[n - 1];
    while (b < n - 1 && c[b] < rank)
        b++;
    if (b == n - 1)
        return le[n - 2];
    if (b == 0 && le[0] <= 0)
        return le[0];
    if (b > 0) {
        start = le[b - 1];
        cstart = c[b - 1];
    }
    if (!(c[b] - cstart > 0))
        return start;
    return start + (le[b] - start) * ((rank - cstart) / (c[b] - cstart));
}

/* Sum the <base>_bucket samples by le into *h. -ENOENT: none; -EINVAL: no
 * +Inf bucket or a negative bucket; -E2BIG: too many bounds. */
static int prom_hist_collect(const hf_prom_doc *doc, const char *base, hf_prom_hist *h,
                             char *err, size_t n)
{
    char name[512];
    const hf_prom_family *f;

    memset(h, 0, sizeof(*h));
    if ((size_t)snprintf(name, sizeof(name), "%s_bucket", base) >= sizeof(name))
        return -ENOENT;
    f = hf_prom_find_sample_family(doc, name);
    for (size_t i = 0; f && i < f->nsamples; i++) {
        const hf_prom_sample *s = &f->samples[i];
        const char *lv = hf_prom_label_value(s, "le");
        double le;
        size_t k = 0;

        if (strcmp(s->name, name) != 0 || !lv || prom_le(lv, &le) < 0 || isnan(s->value))
            continue;
        if (s->value < 0) {     /* the parser refuses it in a typed histogram; untyped here */
            hf_err_set(err, n, "line %zu: negative bucket population %g for %s", s->line, s->value, name);
            return -EINVAL;
        }
        while (k < h->n && h->le[k] < le)
            k++;
        if (k < h->n && h->le[k] == le) {
            h->count[k] += s->value;
            continue;
        }
        if (h->n == HF_PROM_MAX_BUCKETS) {
            hf_err_set(err, n, "histogram %s has more than %d bucket bounds", base, HF_PROM_MAX_BUCKETS);
            return -E2BIG;
        }
        memmove(&h->le[k + 1], &h->le[k], (h->n - k) * sizeof(double));
        memmove(&h->count[k + 1], &h->count[k], (h->n - k) * sizeof(double));
        h->le[k] = le;
        h->count[k] = s->value;
        h->n++;
    }
    if (!h->n)
        return -ENOENT;
    if (!isinf(h->le[h->n - 1])) {
        hf_err_set(err, n, "histogram %s has no le=\"+Inf\" bucket", base);
        return -EINVAL;
    }
    return 0;
}

static bool prom_hist_same_layout(const hf_prom_hist *a, const hf_prom_hist *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++)
        if (a->le[i] != b->le[i])
            return false;
    return true;
}

/* The counts to take quantiles from: cur - prev when prev has the same
 * layout and nothing went down, else cur. Returns true for a delta. */
static bool prom_hist_delta(const hf_prom_hist *cur, const hf_prom_hist *prev, hf_prom_hist *out,
                            hf_prom_api_stats *st)
{
    *out = *cur;
    if (!prev || !prev->n)
        return false;
    if (!prom_hist_same_layout(cur, prev)) {
        hf_err_set(st->note, sizeof(st->note), "histogram bucket layout changed since the previous run");
        return false;
    }
    for (size_t i = 0; i < cur->n; i++) {
        if (cur->count[i] < prev->count[i]) {
            st->reset = true;
            *out = *cur;
            return false;
        }
        out->count[i] = cur->count[i] - prev->count[i];
    }
    return true;
}

static double prom_hist_q(const hf_prom_hist *h, double q)
{
    return hf_prom_histogram_quantile(q, h->le, h->count, h->n);
}

/* ---- latency ------------------------------------------------------------------ */

static void prom_summary(const hf_prom_doc *doc, const char *name, hf_prom_api_stats *out)
{
    const hf_prom_family *f = hf_prom_find_sample_family(doc, name);
    static const double qs[] = {0.5, 0.95, 0.99};
    double *dst[] = {&out->p50, &out->p95, &out->p99};

    for (size_t i = 0; f && i < f->nsamples; i++) {
        const hf_prom_sample *s = &f->samples[i];
        const char *qv = hf_prom_label_value(s, "quantile");
        double q;

        if (strcmp(s->name, name) != 0 || !qv || prom_le(qv, &q) < 0 || isnan(s->value))
            continue;
        out->lat_source = HF_PROM_LAT_SUMMARY;
        for (size_t k = 0; k < HF_ARRAY_SIZE(qs); k++)
            if (fabs(q - qs[k]) < 1e-9 && (isnan(*dst[k]) || s->value > *dst[k]))
                *dst[k] = s->value;     /* the worst series */
    }
}

static int prom_latency(const hf_prom_doc *doc, const char *name, const hf_prom_api_state *prev,
                        hf_prom_hist *cur, hf_prom_api_stats *out)
{
    hf_prom_hist use;
    int r = prom_hist_collect(doc, name, cur, out->error, sizeof(out->error));

    if (r == -ENOENT) {
        memset(cur, 0, sizeof(*cur));
        prom_summary(doc, name, out);
        return 0;
    }
    if (r < 0)
        return r;
    out->lat_source = HF_PROM_LAT_HISTOGRAM;
    prom_hist_delta(cur, prev ? &prev->dur : NULL, &use, out);
    out->p50 = prom_hist_q(&use, 0.50);
    out->p95 = prom_hist_q(&use, 0.95);
    out->p99 = prom_hist_q(&use, 0.99);
    return 0;
}

/* ---- inference signals ----------------------------------------------------------- */

static void prom_ttft(const hf_prom_doc *doc, const hf_prom_api_state *prev, hf_prom_hist *cur,
                      hf_prom_api_stats *out)
{
    char err[HF_ERR_MAX];
    hf_prom_hist use;

    memset(cur, 0, sizeof(*cur));
    for (size_t i = 0; i < HF_ARRAY_SIZE(prom_ttft_aliases); i++) {
        const prom_alias *a = &prom_ttft_aliases[i];
        if (prom_hist_collect(doc, a->name, cur, err, sizeof(err)) < 0)
            continue;
        prom_hist_delta(cur, prev ? &prev->ttft : NULL, &use, out);
        out->ttft_p95 = prom_hist_q(&use, 0.95) * a->scale;
        out->ttft_metric = a->name;
        return;
    }
    memset(cur, 0, sizeof(*cur));
}

/* Counter delta with reset semantics. */
static double prom_counter_delta(double cur, double prev, bool *reset)
{
    if (cur >= prev)
        return cur - prev;
    *reset = true;
    return cur;
}

static void prom_tokens(const hf_prom_doc *doc, const hf_prom_api_state *prev, double interval,
                        hf_prom_api_state *next, hf_prom_api_stats *out)
{
    for (size_t i = 0; i < HF_ARRAY_SIZE(prom_token_aliases); i++) {
        bool found;
        double v = hf_prom_sum(doc, prom_token_aliases[i].name, NULL, NULL, &found);
        if (!found)
            continue;
        next->has_tokens = true;
        next->tokens = v;
        out->tokens_metric = prom_token_aliases[i].name;
        if (prev && prev->has_tokens && interval > 0)
            out->tokens_per_s = prom_counter_delta(v, prev->tokens, &out->reset) / interval;
        return;
    }
}

static double prom_gauge(const hf_prom_doc *doc, const prom_alias *a, size_t n, bool sum,
                         const char **metric)
{
    for (size_t i = 0; i < n; i++) {
        bool found;
        double v = sum ? hf_prom_sum(doc, a[i].name, NULL, NULL, &found) : prom_max(doc, a[i].name, &found);
        if (found) {
            *metric = a[i].name;
            return v * a[i].scale;
        }
    }
    return NAN;
}

static void prom_signals(const hf_prom_doc *doc, const hf_prom_api_state *prev, double interval,
                         hf_prom_api_state *next, hf_prom_api_stats *out)
{
    out->queue = prom_gauge(doc, prom_queue_aliases, HF_ARRAY_SIZE(prom_queue_aliases), true,
                            &out->queue_metric);
    out->kv_cache_pct = 100 * prom_gauge(doc, prom_kv_aliases, HF_ARRAY_SIZE(prom_kv_aliases), false,
                                         &out->kv_metric);
    out->gpu_util_pct = 100 * prom_gauge(doc, prom_gpu_aliases, HF_ARRAY_SIZE(prom_gpu_aliases), false,
                                         &out->gpu_metric);
    prom_ttft(doc, prev, &next->ttft, out);
    prom_tokens(doc, prev, interval, next, out);
}

/* ---- the whole computation ------------------------------------------------------ */

static void prom_stats_init(hf_prom_api_stats *out)
{
    memset(out, 0, sizeof(*out));
    out->rate = out->error_pct = NAN;
    out->p50 = out->p95 = out->p99 = NAN;
    out->queue = out->ttft_p95 = out->tokens_per_s = out->kv_cache_pct = out->gpu_util_pct = NAN;
}

static int prom_requests(const hf_prom_doc *doc, const hf_prom_api_config *cfg, hf_prom_api_stats *out)
{
    const char *req = cfg && cfg->requests_metric ? cfg->requests_metric : HF_DEFAULT_REQ_METRIC;
    const char *label = cfg && cfg->error_label ? cfg->error_label : PROM_DEFAULT_ERROR_LABEL;
    const char *rx = cfg && cfg->error_regex ? cfg->error_regex : PROM_DEFAULT_ERROR_REGEX;
    regex_t re;
    bool found;
    int r;

    if ((r = regcomp(&re, rx, REG_EXTENDED | REG_NOSUB)) != 0) {
        char msg[128];
        regerror(r, &re, msg, sizeof(msg));
        hf_err_set(out->error, sizeof(out->error), "bad error regex '%s': %s", rx, msg);
        return -EINVAL;
    }
    out->requests = hf_prom_sum(doc, req, NULL, NULL, &found);
    if (found)
        out->errors = hf_prom_sum(doc, req, label, &re, &found);
    regfree(&re);
    if (!found) {
        hf_err_set(out->error, sizeof(out->error), "no %s samples in the page", req);
        return -ENOENT;
    }
    return 0;
}

/* The error ratio over the window (hf_prom_stats.h, Window): *adj is this
 * call's adjusted sample; next gets the samples to keep from. */
static void prom_window(const hf_prom_api_state *st, double window_s, hf_prom_counts *adj,
                        hf_prom_api_state *next, hf_prom_api_stats *out)
{
    if (hf_prom_window_adjust(st, out->requests, out->errors, adj)) {
        next->nsamples = st->nsamples;
        memcpy(next->samples, st->samples, st->nsamples * sizeof(st->samples[0]));
    }
    hf_prom_window_figures(next->samples, next->nsamples, window_s, adj, out);
    if (out->windowed)
        out->error_pct = out->w_requests > 0 ? fmin(100.0, 100.0 * out->w_errors / out->w_requests) : NAN;
}

/* What the next call starts from: this sample, and the window's samples
 * (left as they were without a window). */
static void prom_next(const hf_prom_api_config *cfg, const hf_prom_counts *adj,
                      const hf_prom_api_stats *out, hf_prom_api_state *next, hf_prom_api_state *st)
{
    next->valid = true;
    next->time = adj->time;
    next->requests = out->requests;
    next->errors = out->errors;
    if (cfg && cfg->window_s > 0) {
        hf_prom_window_keep(next, cfg->window_s, adj);
    } else {
        next->nsamples = st->nsamples <= HF_PROM_WINDOW_SAMPLES ? st->nsamples : 0;
        memcpy(next->samples, st->samples, next->nsamples * sizeof(next->samples[0]));
    }
    *st = *next;
}

int hf_prom_api_compute(const hf_prom_doc *doc, const hf_prom_api_config *cfg, double now,
                        hf_prom_api_state *st, hf_prom_api_stats *out)
{
    const char *dur = cfg && cfg->duration_metric ? cfg->duration_metric : HF_DEFAULT_DUR_METRIC;
    const hf_prom_api_state *prev = st && st->valid ? st : NULL;
    hf_prom_api_state next;
    hf_prom_counts adj = {.time = now};
    int r;

    prom_stats_init(out);
    memset(&next, 0, sizeof(next));
    if (!doc) {
        hf_err_set(out->error, sizeof(out->error), "no page");
        return -EINVAL;
    }
    if ((r = prom_requests(doc, cfg, out)) < 0)
        return r;
    if (prev && !(now > prev->time)) {
        hf_err_set(out->note, sizeof(out->note), "the clock went back since the previous run");
        prev = NULL;
    }
    out->d_requests = out->requests;
    out->d_errors = out->errors;
    if (prev) {
        out->delta = true;
        out->interval = now - prev->time;
        out->d_requests = prom_counter_delta(out->requests, prev->requests, &out->reset);
        out->d_errors = prom_counter_delta(out->errors, prev->errors, &out->reset);
        out->rate = out->d_requests / out->interval;
    }
    if (out->d_requests > 0)
        out->error_pct = fmin(100.0, 100.0 * out->d_errors / out->d_requests);
    if (st && cfg && cfg->window_s > 0)
        prom_window(st, cfg->window_s, &adj, &next, out);
    if ((r = prom_latency(doc, dur, prev, &next.dur, out)) < 0)
        return r;
    prom_signals(doc, prev, out->interval, &next, out);
    if (st)
        prom_next(cfg, &adj, out, &next, st);
    return 0;
}
