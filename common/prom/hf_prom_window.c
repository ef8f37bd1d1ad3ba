/* hf_prom_window: the error ratio's fixed time window over timestamped,
 * reset-adjusted counter samples kept in the API state (see
 * hf_prom_stats.h, Window). */
#include <string.h>

#include "hf_prom_stats.h"

/* Increase from prev to cur with Prometheus' reset rule. */
static double prom_window_inc(double cur, double prev)
{
    return cur >= prev ? cur - prev : cur;
}

bool hf_prom_window_adjust(const hf_prom_api_state *prev, double requests, double errors,
                           hf_prom_counts *now)
{
    const hf_prom_counts *last = prev && prev->valid && prev->nsamples &&
                                         prev->nsamples <= HF_PROM_WINDOW_SAMPLES
                                     ? &prev->samples[prev->nsamples - 1] : NULL;

    if (!last || last->time != prev->time || !(now->time > last->time)) {
        now->requests = requests;           /* no history: the series starts here */
        now->errors = errors;
        return false;
    }
    now->requests = last->requests + prom_window_inc(requests, prev->requests);
    now->errors = last->errors + prom_window_inc(errors, prev->errors);
    return true;
}

/* Index of the window's first sample: the oldest within it, else the
 * newest before it (*stale); -1 when no sample is older than now. */
static long prom_window_start(const hf_prom_counts *s, size_t n, double window_s, double now,
                              bool *stale)
{
    long last = -1;

    *stale = false;
    for (size_t i = 0; i < n && s[i].time < now; i++) {
        if (s[i].time >= now - window_s)
            return (long)i;
        last = (long)i;
    }
    *stale = last >= 0;
    return last;
}

void hf_prom_window_figures(const hf_prom_counts *s, size_t n, double window_s,
                            const hf_prom_counts *now, hf_prom_api_stats *out)
{
    bool stale;
    long first = prom_window_start(s, n, window_s, now->time, &stale);

    out->windowed = first >= 0;
    out->w_stale = stale;
    out->w_span = first >= 0 ? now->time - s[first].time : 0;
    out->w_requests = first >= 0 ? now->requests - s[first].requests : 0;
    out->w_errors = first >= 0 ? now->errors - s[first].errors : 0;
}

static void prom_window_drop(hf_prom_api_state *st, size_t i)
{
    memmove(&st->samples[i], &st->samples[i + 1], (st->nsamples - i - 1) * sizeof(st->samples[0]));
    st->nsamples--;
}

void hf_prom_window_keep(hf_prom_api_state *st, double window_s, const hf_prom_counts *now)
{
    double spacing = window_s / (HF_PROM_WINDOW_SAMPLES / 2);
    size_t n;

    if (st->nsamples > HF_PROM_WINDOW_SAMPLES)
        st->nsamples = 0;
    while (st->nsamples && !(st->samples[st->nsamples - 1].time < now->time))
        st->nsamples--;                         /* the clock went back */
    n = st->nsamples;
    if (n >= 2 && st->samples[n - 1].time - st->samples[n - 2].time < spacing)
        st->samples[n - 1] = *now;              /* too close to keep: the newest moves on */
    else {
        if (n == HF_PROM_WINDOW_SAMPLES)
            prom_window_drop(st, 0);
        st->samples[st->nsamples++] = *now;
    }
    while (st->nsamples > 1 && st->samples[0].time < now->time - window_s)
        prom_window_drop(st, 0);                /* older than any window to come */
}
