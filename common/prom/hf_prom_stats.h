/* hf_prom_stats: API statistics from a parsed Prometheus page (hf_prom.h).
 *
 * From the request counter (default api_requests_total, labels include the
 * status code) and the request duration (default api_request_duration_seconds,
 * a histogram or a summary): total requests, request rate between two calls,
 * error ratio (series whose error label matches a regex, default code=~"^5"),
 * p50/p95/p99 latency. Histogram quantiles follow Prometheus'
 * histogram_quantile (linear interpolation inside the bucket, the +Inf bucket
 * answers the highest finite bound) over the sum of all series by le, and are
 * computed on the DELTA since the previous call when there is one, else on the
 * cumulative counts. Summary quantiles are taken as exported (the worst series
 * when there are several).
 *
 * Counter resets: a counter (or histogram) that went down since the previous
 * call means the exporter restarted; its new value is taken as the delta, as
 * Prometheus' rate() does. Resets are judged on the sums over all series.
 *
 * The caller owns a hf_prom_api_state (zero-initialised = no previous sample),
 * passes it to every call and may keep it in a file between runs
 * (hf_prom_api_state_save / _load). No globals; thread-safe as long as each
 * state is used by one thread at a time.
 *
 * Window (cfg->window_s > 0): the error ratio is judged over a fixed time
 * window, not since the previous call, so callers at different intervals
 * agree. The state keeps timestamped samples of the request and error
 * counters, reset-adjusted: each call adds the increase since the previous
 * call's raw counts (Prometheus' reset rule: a counter that went down
 * restarted from 0, so its new value is the increase) to the previous
 * call's adjusted counts, so the samples only ever grow and an exporter
 * restart inside the window neither hides errors nor goes negative. At
 * most HF_PROM_WINDOW_SAMPLES are kept, at least window_s /
 * (HF_PROM_WINDOW_SAMPLES / 2) apart (the newest, always the previous
 * call's, excepted), none older than the window but the newest. Then
 *   error ratio = (errors now - errors at the start) / (requests likewise)
 * with the start the OLDEST kept sample within the window (time >= now -
 * window_s): once the state is that old the ratio covers the window less
 * at most the larger of that spacing and the time between two calls.
 * Without a sample within the window (the previous call is older) the
 * previous call's sample starts it (w_stale); without one at all (first
 * call, no state, the clock went back) the ratio is cumulative since the
 * exporter started, as before. window_s == 0: the ratio since the previous
 * call (the old behaviour; the samples are left as they are).
 * Tests: tests/unit/test_check_api.c (pinned clock). */
#ifndef HF_PROM_STATS_H
#define HF_PROM_STATS_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "hf_prom.h"

#define HF_PROM_MAX_BUCKETS 64      /* distinct le bounds of one histogram */

/* Cumulative bucket counts, summed over series by le; le ascending, the last
 * one +Inf. */
typedef struct hf_prom_hist {
    size_t n;
    double le[HF_PROM_MAX_BUCKETS];
    double count[HF_PROM_MAX_BUCKETS];
} hf_prom_hist;

#define HF_PROM_WINDOW_SAMPLES 64   /* counter samples kept for the window */

/* One timestamped sample of the request and error counter sums,
 * reset-adjusted (see Window). */
typedef struct hf_prom_counts {
    double time;                /* wall clock, epoch seconds */
    double requests, errors;
} hf_prom_counts;

/* What is kept between calls. Plain data: copy, zero or store it freely. */
typedef struct hf_prom_api_state {
    bool valid;                 /* holds a previous sample */
    double time;                /* wall clock (epoch seconds) of that sample */
    double requests, errors;    /* counter sums */
    bool has_tokens;
    double tokens;              /* generation-token counter sum */
    hf_prom_hist dur;           /* duration histogram (n == 0: none or a summary) */
    hf_prom_hist ttft;          /* time-to-first-token histogram (n == 0: none) */
    size_t nsamples;            /* window samples, oldest first; the newest is this
                                   sample's (time), adjusted (see Window) */
    hf_prom_counts samples[HF_PROM_WINDOW_SAMPLES];
} hf_prom_api_state;

typedef struct hf_prom_api_config {
    const char *requests_metric;    /* NULL = HF_DEFAULT_REQ_METRIC (api_requests_total) */
    const char *duration_metric;    /* NULL = HF_DEFAULT_DUR_METRIC (api_request_duration_seconds) */
    const char *error_label;        /* NULL = "code" */
    const char *error_regex;        /* POSIX ERE on the label value; NULL = "^5" */
    double window_s;                /* the error ratio's window (see Window); 0 = since the previous call */
} hf_prom_api_config;

typedef enum hf_prom_lat_source {
    HF_PROM_LAT_NONE = 0,       /* no duration metric in the page */
    HF_PROM_LAT_HISTOGRAM,
    HF_PROM_LAT_SUMMARY,
} hf_prom_lat_source;

typedef struct hf_prom_api_stats {
    double requests, errors;    /* cumulative, summed over series */
    bool delta;                 /* d_* are since the previous call (else cumulative) */
    bool reset;                 /* a counter or histogram went down: exporter restarted */
    double interval;            /* seconds since the previous call; 0 without delta */
    double d_requests, d_errors;
    double rate;                /* requests per second; NAN without delta */
    double error_pct;           /* 100 * errors / requests over the window (w_*) when windowed,
                                   else 100 * d_errors / d_requests; NAN without requests */
    bool windowed;              /* error_pct is over the window (w_* are set) */
    bool w_stale;               /* ... from a sample older than the window (none within it) */
    double w_span;              /* seconds it covers (now - its first sample) */
    double w_requests, w_errors;    /* the increases over it */
    hf_prom_lat_source lat_source;
    double p50, p95, p99;       /* seconds; NAN when unknown (no requests in the interval) */
    /* Inference signals (NAN when absent), and the metric each came from
     * (a static string, NULL when absent). */
    double queue;               /* requests waiting: sum over series */
    const char *queue_metric;
    double ttft_p95;            /* seconds, histogram p95 (delta like the latency) */
    const char *ttft_metric;
    double tokens_per_s;        /* generated tokens per second; NAN without delta */
    const char *tokens_metric;
    double kv_cache_pct;        /* KV-cache usage %, the fullest series */
    const char *kv_metric;
    double gpu_util_pct;        /* GPU utilisation %, the busiest GPU */
    const char *gpu_metric;
    char note[HF_ERR_MAX];      /* remark worth showing (layout change...); "" when none */
    char error[HF_ERR_MAX];     /* why -errno was returned */
} hf_prom_api_stats;

/* Compute *out from doc at wall-clock time now (epoch seconds). st (may be
 * NULL: cumulative figures only) supplies the previous sample and is updated
 * on success. Returns 0, -ENOENT (no request counter samples in the page),
 * -EINVAL (bad regex, histogram without +Inf bucket, a negative bucket in an
 * untyped page: the parser refuses it in a typed one) or -E2BIG (more than
 * HF_PROM_MAX_BUCKETS bucket bounds), with out->error set. */
int hf_prom_api_compute(const hf_prom_doc *doc, const hf_prom_api_config *cfg, double now,
                        hf_prom_api_state *st, hf_prom_api_stats *out);

/* Prometheus' histogram_quantile: q in [0,1] over cumulative counts cum[]
 * with ascending upper bounds le[] (n of them, the last +Inf). NAN when there
 * are fewer than two buckets, the last bound is not +Inf or the count is 0. */
double hf_prom_histogram_quantile(double q, const double *le, const double *cum, size_t n);

/* Sum of the samples called name (any family type) whose label label (NULL =
 * all samples) matches re (a compiled regex, may be NULL). *found tells whether
 * any sample had that name. NaN samples are skipped. */
double hf_prom_sum(const hf_prom_doc *doc, const char *name, const char *label,
                   const regex_t *re, bool *found);

/* The adjusted sample for raw counter sums (requests, errors) at now->time
 * after the previous state prev (NULL: none): its newest sample plus the
 * increases since prev's raw counts. Returns false when there is no
 * history (no sample, a sample not of prev's time, the clock went back):
 * now then holds the raw counts, the series starting over. Pure. */
bool hf_prom_window_adjust(const hf_prom_api_state *prev, double requests, double errors,
                           hf_prom_counts *now);
/* The window's figures at now (adjusted) over the samples s[0..n) (oldest
 * first): windowed false when there is no sample before now. Sets
 * windowed, w_stale, w_span, w_requests, w_errors. Pure. */
void hf_prom_window_figures(const hf_prom_counts *s, size_t n, double window_s,
                            const hf_prom_counts *now, hf_prom_api_stats *out);
/* Keep now (adjusted) as st's newest window sample: it replaces the
 * newest (the previous call's) when that one is less than window_s /
 * (HF_PROM_WINDOW_SAMPLES / 2) after the one before it, else is appended
 * (the oldest dropped when full); samples from the future (the clock went
 * back) and older than the window (but the newest) are removed. */
void hf_prom_window_keep(hf_prom_api_state *st, double window_s, const hf_prom_counts *now);

/* Keep the state in a small text file ending with an "end <checksum>" line,
 * written through hf_file_write_atomic. Return 0 or negative errno with err
 * (size n) naming the file. */
int hf_prom_api_state_save(const hf_prom_api_state *st, const char *path, char *err, size_t n);
/* Read it back into *st (zeroed first, left zeroed on failure: start afresh).
 * -ENOENT when the file does not exist; -EISDIR for a directory; -EINVAL
 * when it is not a usable state file (truncated, checksum mismatch, garbage,
 * format 1, too large), with err "FILE: what" or "FILE line N: what". */
int hf_prom_api_state_load(hf_prom_api_state *st, const char *path, char *err, size_t n);

#endif
