/* hf_check_api_text: the api check's figures into its report: summary,
 * threshold findings, where each figure came from (-v), metrics (see
 * hf_check_api.c for the codes). */
#include <math.h>
#include <stdio.h>

#include "hf_check_api.h"
#include "hf_defaults.h"

static void api_metric(hf_report *out, const char *label, double v, const char *unit,
                       const hf_range *w, const hf_range *c, double min, double max)
{
    hf_report_metric(out, label, "", label, v, unit, w, c, min, max);
}

static void api_metrics(const hf_settings *s, const hf_prom_api_stats *st, hf_report *out)
{
    api_metric(out, "rate", st->rate, "", NULL, NULL, NAN, NAN);
    api_metric(out, "requests", st->requests, "c", NULL, NULL, NAN, NAN);
    api_metric(out, "errors", st->error_pct, "%", hf_settings_range(s, HF_API_ERR_WARNING),
               hf_settings_range(s, HF_API_ERR_CRITICAL), 0, 100);
    if (st->lat_source != HF_PROM_LAT_NONE) {
        api_metric(out, "p50", st->p50, "s", NULL, NULL, NAN, NAN);
        api_metric(out, "p95", st->p95, "s", hf_settings_range(s, HF_API_P95_WARNING),
                   hf_settings_range(s, HF_API_P95_CRITICAL), NAN, NAN);
        api_metric(out, "p99", st->p99, "s", NULL, NULL, NAN, NAN);
    }
    if (st->queue_metric)
        api_metric(out, "queue", st->queue, "", NULL, NULL, NAN, NAN);
    if (st->ttft_metric)
        api_metric(out, "ttft_p95", st->ttft_p95, "s", NULL, NULL, NAN, NAN);
    if (st->tokens_metric)
        api_metric(out, "tokens_per_s", st->tokens_per_s, "", NULL, NULL, NAN, NAN);
    if (st->kv_metric)
        api_metric(out, "kv_cache", st->kv_cache_pct, "%", NULL, NULL, 0, 100);
    if (st->gpu_metric)
        api_metric(out, "gpu_util", st->gpu_util_pct, "%", NULL, NULL, 0, 100);
}

static void api_summary(const hf_prom_api_stats *st, hf_report *out)
{
    char err[32], p95[32];

    if (isnan(st->error_pct))
        snprintf(err, sizeof(err), "no requests");
    else
        snprintf(err, sizeof(err), "%.2f%% errors", st->error_pct);
    if (isnan(st->p95))
        snprintf(p95, sizeof(p95), "p95 n/a");
    else
        snprintf(p95, sizeof(p95), "p95 %.3f s", st->p95);
    if (st->delta)
        hf_report_summary(out, "%.1f req/s, %s, %s%s", st->rate, err, p95,
                          st->reset ? " (counters reset since the previous run)" : "");
    else
        hf_report_summary(out, "first run: %.0f requests since start, %s, %s (cumulative; rate from "
                          "the next run)", st->requests, err, p95);
}

static void api_thresholds(const hf_settings *s, const hf_prom_api_stats *st, hf_report *out)
{
    const hf_range *ew = hf_settings_range(s, HF_API_ERR_WARNING), *ec = hf_settings_range(s, HF_API_ERR_CRITICAL);
    const hf_range *pw = hf_settings_range(s, HF_API_P95_WARNING), *pc = hf_settings_range(s, HF_API_P95_CRITICAL);
    hf_state v;

    if (!isnan(st->error_pct) && (v = hf_range_eval(ew, ec, st->error_pct)) != HF_OK)
        hf_report_add(out, v, "metrics", "api.errors", "error ratio %.2f%% (%s threshold %s)", st->error_pct,
                      v == HF_CRITICAL ? "critical" : "warning", v == HF_CRITICAL ? ec->text : ew->text);
    if (!isnan(st->p95) && (v = hf_range_eval(pw, pc, st->p95)) != HF_OK)
        hf_report_add(out, v, "metrics", "api.latency", "p95 latency %.3f s (%s threshold %s)", st->p95,
                      v == HF_CRITICAL ? "critical" : "warning", v == HF_CRITICAL ? pc->text : pw->text);
}

/* Which span the error ratio covers. */
static void api_window(const hf_settings *s, const hf_prom_api_stats *st, hf_report *out)
{
    long window = hf_settings_long(s, HF_API_WINDOW);

    if (!st->windowed)
        hf_report_add(out, HF_OK, "metrics", "api.window", "error ratio since the exporter started "
                      "(no earlier sample: the %ld s window starts now)", window);
    else
        hf_report_add(out, HF_OK, "metrics", "api.window",
                      "error ratio over the last %.0f s of the %ld s window: %.0f errors in %.0f "
                      "requests%s", st->w_span, window, st->w_errors, st->w_requests,
                      st->w_stale ? " (no sample within the window: since the previous run)" : "");
}

/* Long output (-v): where each figure came from. */
static void api_details(const hf_settings *s, const hf_prom_api_stats *st, hf_report *out)
{
    const char *dur = hf_settings_str(s, HF_API_DUR_METRIC);

    if (st->delta)
        hf_report_add(out, HF_OK, "metrics", "api.delta", "%.0f requests, %.0f errors in the last %.0f s",
                      st->d_requests, st->d_errors, st->interval);
    api_window(s, st, out);
    if (st->lat_source == HF_PROM_LAT_NONE)
        hf_report_add(out, HF_OK, "metrics", "api.source",
                      "no %s histogram or summary in the page: latency not checked", dur);
    else
        hf_report_add(out, HF_OK, "metrics", "api.source", "latency from %s %s: p50 %.3f s, p95 %.3f s, "
                      "p99 %.3f s", dur, st->lat_source == HF_PROM_LAT_SUMMARY ? "summary quantiles"
                                                                              : "histogram buckets",
                      st->p50, st->p95, st->p99);
    if (st->queue_metric)
        hf_report_add(out, HF_OK, "metrics", "api.signal", "queue %.0f (%s)", st->queue, st->queue_metric);
    if (st->ttft_metric)
        hf_report_add(out, HF_OK, "metrics", "api.signal", "time to first token p95 %.3f s (%s)",
                      st->ttft_p95, st->ttft_metric);
    if (st->tokens_metric && !isnan(st->tokens_per_s))
        hf_report_add(out, HF_OK, "metrics", "api.signal", "%.1f tokens/s (%s)", st->tokens_per_s,
                      st->tokens_metric);
    if (st->kv_metric)
        hf_report_add(out, HF_OK, "metrics", "api.signal", "KV cache %.1f%% used (%s)", st->kv_cache_pct,
                      st->kv_metric);
    if (st->gpu_metric)
        hf_report_add(out, HF_OK, "metrics", "api.signal", "GPU utilisation %.1f%% (%s)", st->gpu_util_pct,
                      st->gpu_metric);
    if (st->note[0])
        hf_report_add(out, HF_OK, "metrics", "api.source", "%s", st->note);
}

void hf_check_api_report(const hf_settings *s, const hf_prom_api_stats *st, hf_report *out)
{
    api_summary(st, out);
    api_thresholds(s, st, out);
    api_details(s, st, out);
    api_metrics(s, st, out);
}
