/* hf_db_stats: time-bucket rings, log-scale histograms, window aggregates.
 * See the design in hf_db.h. No I/O, no SQLite. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hf_db_int.h"

static const struct {
    int ring;                   /* 0 minute, 1 hour */
    int64_t buckets;
    double seconds;
} hf_db_windows[HF_DB_NWIN] = {
    {0, 60, 3600}, {1, 24, 86400}, {1, 168, 604800}, {1, 720, 2592000},
};

int64_t hf_db_floor_div(double t, int64_t g)
{
    return (int64_t)floor(t / (double)g);
}

static int64_t hf_db_mod(int64_t a, int64_t m)
{
    int64_t r = a % m;

    return r < 0 ? r + m : r;
}

int hf_db_hist_bin(double rt)
{
    static const double inv_log_ratio = 25.496731691028337; /* 1 / ln(1.04) */
    double k;

    if (!(rt >= 1.0))
        return 0;               /* below 1 ms (and negative) */
    k = floor(log(rt) * inv_log_ratio) + 1;
    return k > HF_DB_LOG_BINS ? HF_DB_LOG_BINS + 1 : (int)k;
}

void hf_db_ring_clear(hf_db_ring *r)
{
    for (int64_t i = 0; i < r->size; i++)
        if (r->b[i].tag != HF_DB_EMPTY_TAG || r->b[i].hist)
            hf_db_bucket_reset(&r->b[i], HF_DB_EMPTY_TAG);
}

void hf_db_bucket_reset(hf_db_bucket *b, int64_t tag)
{
    free(b->hist);
    memset(b, 0, sizeof(*b));
    b->tag = tag;
    b->rt_min = INFINITY;
    b->rt_max = -INFINITY;
}

/* Make bin part of the bucket's histogram range. */
static bool hf_db_hist_reach(hf_db_bucket *b, int bin)
{
    int lo, hi, n;
    uint32_t *h;

    if (b->hist && bin >= b->lo && bin <= b->hi)
        return true;
    lo = b->hist ? (bin < b->lo ? bin - HF_DB_GROW : b->lo) : bin - HF_DB_GROW;
    hi = b->hist ? (bin > b->hi ? bin + HF_DB_GROW : b->hi) : bin + HF_DB_GROW;
    lo = lo < 0 ? 0 : lo;
    hi = hi >= HF_DB_HIST_BINS ? HF_DB_HIST_BINS - 1 : hi;
    n = hi - lo + 1;
    h = calloc((size_t)n, sizeof(*h));
    if (!h)
        return false;
    if (b->hist)
        memcpy(h + (b->lo - lo), b->hist, sizeof(*h) * (size_t)(b->hi - b->lo + 1));
    free(b->hist);
    b->hist = h;
    b->lo = (uint16_t)lo;
    b->hi = (uint16_t)hi;
    return true;
}

static bool hf_db_ring_add(hf_db_ring *r, double now, double t, bool err, double rt)
{
    int64_t tag = hf_db_floor_div(t, r->gran);
    hf_db_bucket *b;
    int bin;

    if (tag < hf_db_floor_div(now, r->gran) - r->keep)
        return true;            /* older than anything this ring serves */
    b = &r->b[hf_db_mod(tag, r->size)];
    if (b->tag != tag) {
        if (b->tag != HF_DB_EMPTY_TAG && b->tag > tag)
            return true;        /* the slot holds newer time: this row is too old */
        hf_db_bucket_reset(b, tag);
    }
    if (!isnan(rt)) {
        bin = hf_db_hist_bin(rt);
        if (!hf_db_hist_reach(b, bin))
            return false;
        b->hist[bin - b->lo]++;
        b->rt_n++;
        b->rt_sum += rt;
        b->rt_min = rt < b->rt_min ? rt : b->rt_min;
        b->rt_max = rt > b->rt_max ? rt : b->rt_max;
    }
    b->count++;
    b->errors += err;
    return true;
}

bool hf_db_stats_add(hf_db_state *st, double now, double t, bool err, double rt)
{
    return hf_db_ring_add(&st->hour, now, t, err, rt) &&
           hf_db_ring_add(&st->minute, now, t, err, rt);
}

static void hf_db_agg_init(hf_db_agg *a)
{
    memset(a, 0, sizeof(*a));
    a->rt_min = INFINITY;
    a->rt_max = -INFINITY;
}

static void hf_db_agg_bucket(hf_db_agg *a, const hf_db_bucket *b)
{
    a->count += b->count;
    a->errors += b->errors;
    if (!b->rt_n)
        return;
    a->rt_n += b->rt_n;
    a->rt_sum += b->rt_sum;
    a->rt_min = b->rt_min < a->rt_min ? b->rt_min : a->rt_min;
    a->rt_max = b->rt_max > a->rt_max ? b->rt_max : a->rt_max;
    for (int i = b->lo; b->hist && i <= b->hi; i++)
        a->hist[i] += b->hist[i - b->lo];
}

double hf_db_agg_p95(const hf_db_agg *a)
{
    uint64_t k, seen = 0;
    double v;
    int i;

    if (!a->rt_n)
        return NAN;
    k = (uint64_t)ceil(0.95 * (double)a->rt_n);   /* nearest rank, 1-based */
    if (k < 1)
        k = 1;
    for (i = 0; i < HF_DB_HIST_BINS - 1; i++) {
        seen += a->hist[i];
        if (seen >= k)
            break;
    }
    if (i == 0)
        v = a->rt_min;          /* below 1 ms: the smallest seen is the best bound */
    else if (i > HF_DB_LOG_BINS)
        v = a->rt_max;
    else
        v = pow(HF_DB_HIST_RATIO, (double)i - 0.5);
    return v < a->rt_min ? a->rt_min : v > a->rt_max ? a->rt_max : v;
}

static void hf_db_window_fill(hf_db_window *w, const hf_db_agg *a)
{
    w->count = a->count;
    w->errors = a->errors;
    w->rt_count = a->rt_n;
    w->error_pct = a->count ? 100.0 * (double)a->errors / (double)a->count : 0.0;
    w->avg_ms = a->rt_n ? a->rt_sum / (double)a->rt_n : NAN;
    w->p95_ms = hf_db_agg_p95(a);
}

/* Sum the buckets of ring r with tag >= from. */
static void hf_db_ring_sum(const hf_db_ring *r, int64_t from, hf_db_agg *a)
{
    for (int64_t i = 0; i < r->size; i++)
        if (r->b[i].tag != HF_DB_EMPTY_TAG && r->b[i].tag >= from && r->b[i].count)
            hf_db_agg_bucket(a, &r->b[i]);
}

/* Busiest UTC day among hour buckets with tag >= from (ties: the later day). */
static void hf_db_peak(const hf_db_ring *r, int64_t from, hf_db_result *res)
{
    enum { NDAYS = 64 };
    uint64_t days[NDAYS] = {0};
    int64_t day0 = hf_db_floor_div((double)from * 3600.0, 86400);
    int best = -1;

    for (int64_t i = 0; i < r->size; i++) {
        const hf_db_bucket *b = &r->b[i];
        int64_t d;
        if (b->tag == HF_DB_EMPTY_TAG || b->tag < from || !b->count)
            continue;
        d = hf_db_floor_div((double)b->tag * 3600.0, 86400) - day0;
        if (d >= 0 && d < NDAYS)
            days[d] += b->count;
    }
    for (int d = 0; d < NDAYS; d++)
        if (days[d] && (best < 0 || days[d] >= days[best]))
            best = d;
    res->peak_day = best < 0 ? NAN : (double)(day0 + best) * 86400.0;
    res->peak_count = best < 0 ? 0 : days[best];
}

void hf_db_stats_windows(const hf_db_state *st, double now, hf_db_result *res)
{
    hf_db_agg a;

    for (int w = 0; w < HF_DB_NWIN; w++) {
        const hf_db_ring *r = hf_db_windows[w].ring ? &st->hour : &st->minute;
        int64_t from = hf_db_floor_div(now, r->gran) - hf_db_windows[w].buckets + 1;
        hf_db_agg_init(&a);
        hf_db_ring_sum(r, from, &a);
        hf_db_window_fill(&res->win[w], &a);
        res->win[w].seconds = hf_db_windows[w].seconds;
        res->win[w].start = (double)(from * r->gran);
        if (w == HF_DB_W30D)
            hf_db_peak(r, from, res);
    }
}
