/* hf_db_stats: time-bucket rings, log-scale histograms, aggregates (adding
 * and taking out single rows). See the design in hf_db.h. No I/O, no SQLite;
 * which rows make a window is in hf_db_window.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hf_db_int.h"

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
    r->gen++;
    for (int64_t i = 0; i < r->size; i++)
        if (r->b[i].tag != HF_DB_EMPTY_TAG || r->b[i].bins)
            hf_db_bucket_reset(&r->b[i], HF_DB_EMPTY_TAG);
}

void hf_db_bins_free(hf_db_bucket *b)
{
    if (!b->hw)
        free(b->bins);
    b->bins = NULL;
    b->hw = 0;
}

void hf_db_bucket_reset(hf_db_bucket *b, int64_t tag)
{
    hf_db_bins_free(b);
    memset(b, 0, sizeof(*b));
    b->tag = tag;
    b->rt_min = INFINITY;
    b->rt_max = -INFINITY;
}

/* Bins lo..hi of b as a new owned uint32_t array (zeros outside b's range). */
static uint32_t *hf_db_bins_widen(const hf_db_bucket *b, int lo, int hi)
{
    uint32_t *h = calloc((size_t)(hi - lo + 1), sizeof(*h));

    if (h && b->bins)
        for (int i = b->lo; i <= b->hi; i++)
            h[i - lo] = hf_db_bin(b, i);
    return h;
}

/* Make bin part of the bucket's histogram range, the bins owned. */
static bool hf_db_hist_reach(hf_db_bucket *b, int bin)
{
    int lo, hi;
    uint32_t *h;

    if (b->bins && !b->hw && bin >= b->lo && bin <= b->hi)
        return true;
    lo = b->bins ? (bin < b->lo ? bin - HF_DB_GROW : b->lo) : bin - HF_DB_GROW;
    hi = b->bins ? (bin > b->hi ? bin + HF_DB_GROW : b->hi) : bin + HF_DB_GROW;
    lo = lo < 0 ? 0 : lo;
    hi = hi >= HF_DB_HIST_BINS ? HF_DB_HIST_BINS - 1 : hi;
    if (!(h = hf_db_bins_widen(b, lo, hi)))
        return false;
    hf_db_bins_free(b);
    b->bins = h;
    b->lo = (uint16_t)lo;
    b->hi = (uint16_t)hi;
    return true;
}

bool hf_db_bucket_add(hf_db_bucket *b, bool err, double rt)
{
    int bin;

    if (!isnan(rt)) {
        bin = hf_db_hist_bin(rt);
        if (!hf_db_hist_reach(b, bin))
            return false;
        ((uint32_t *)b->bins)[bin - b->lo]++;
        b->rt_n++;
        b->rt_sum += rt;
        b->rt_min = rt < b->rt_min ? rt : b->rt_min;
        b->rt_max = rt > b->rt_max ? rt : b->rt_max;
    }
    b->count++;
    b->errors += err;
    return true;
}

/* rt_min/rt_max stay: after a subtraction they bound the rows left (loosely).
 * False when the bucket holds no such row, or (bins not owned) out of memory. */
bool hf_db_bucket_sub(hf_db_bucket *b, bool err, double rt)
{
    int bin;

    if (!b->count || (err && !b->errors))
        return false;
    if (!isnan(rt)) {
        bin = hf_db_hist_bin(rt);
        if (!b->rt_n || !hf_db_bin(b, bin) || !hf_db_hist_reach(b, bin))
            return false;
        ((uint32_t *)b->bins)[bin - b->lo]--;
        b->rt_n--;
        b->rt_sum = b->rt_n ? b->rt_sum - rt : 0.0;
    }
    b->count--;
    b->errors -= err;
    return true;
}

/* dst becomes src with bins of its own (uint32_t). */
bool hf_db_bucket_copy(hf_db_bucket *dst, const hf_db_bucket *src)
{
    uint32_t *h = NULL;

    if (src->bins && !(h = hf_db_bins_widen(src, src->lo, src->hi)))
        return false;
    hf_db_bins_free(dst);
    *dst = *src;
    dst->bins = h;
    dst->hw = 0;
    return true;
}

bool hf_db_bucket_same(const hf_db_bucket *a, const hf_db_bucket *b)
{
    int lo, hi;

    if (a->tag != b->tag || a->count != b->count || a->errors != b->errors ||
        a->rt_n != b->rt_n || memcmp(&a->rt_sum, &b->rt_sum, sizeof(double)) != 0 ||
        memcmp(&a->rt_min, &b->rt_min, sizeof(double)) != 0 ||
        memcmp(&a->rt_max, &b->rt_max, sizeof(double)) != 0 ||
        memcmp(&a->dmax, &b->dmax, sizeof(double)) != 0)
        return false;
    lo = a->lo < b->lo ? a->lo : b->lo;
    hi = a->hi > b->hi ? a->hi : b->hi;
    for (int i = lo; i <= hi; i++)
        if (hf_db_bin(a, i) != hf_db_bin(b, i))
            return false;
    return true;
}

const hf_db_bucket *hf_db_ring_find(const hf_db_ring *r, int64_t tag)
{
    const hf_db_bucket *b = &r->b[hf_db_mod(tag, r->size)];

    return b->tag == tag && b->count ? b : NULL;
}

static bool hf_db_ring_add(hf_db_ring *r, double now, double t, bool err, double rt, double dis)
{
    int64_t tag = hf_db_floor_div(t, r->gran);
    hf_db_bucket *b;

    if (tag < hf_db_floor_div(now, r->gran) - r->keep)
        return true;            /* older than anything this ring serves */
    r->gen++;
    b = &r->b[hf_db_mod(tag, r->size)];
    if (b->tag != tag) {
        if (b->tag != HF_DB_EMPTY_TAG && b->tag > tag)
            return true;        /* the slot holds newer time: this row is too old */
        hf_db_bucket_reset(b, tag);
    }
    b->dmax = dis > b->dmax ? dis : b->dmax;
    return hf_db_bucket_add(b, err, rt);
}

bool hf_db_rings_add(hf_db_state *st, double now, double t, bool err, double rt, double dis)
{
    st->gen++;
    return hf_db_ring_add(&st->hour, now, t, err, rt, dis) &&
           hf_db_ring_add(&st->minute, now, t, err, rt, dis);
}

void hf_db_agg_init(hf_db_agg *a)
{
    memset(a, 0, sizeof(*a));
    a->rt_min = INFINITY;
    a->rt_max = -INFINITY;
}

void hf_db_agg_bucket(hf_db_agg *a, const hf_db_bucket *b)
{
    a->count += b->count;
    a->errors += b->errors;
    if (!b->rt_n)
        return;
    a->rt_n += b->rt_n;
    a->rt_sum += b->rt_sum;
    a->rt_min = b->rt_min < a->rt_min ? b->rt_min : a->rt_min;
    a->rt_max = b->rt_max > a->rt_max ? b->rt_max : a->rt_max;
    if (!b->bins)
        return;
    switch (b->hw) {            /* one loop per width: this sum is the hot path */
    case 1:
        for (int i = b->lo; i <= b->hi; i++)
            a->hist[i] += ((const uint8_t *)b->bins)[i - b->lo];
        break;
    case 2:
        for (int i = b->lo; i <= b->hi; i++)
            a->hist[i] += ((const uint16_t *)b->bins)[i - b->lo];
        break;
    default:
        for (int i = b->lo; i <= b->hi; i++)
            a->hist[i] += ((const uint32_t *)b->bins)[i - b->lo];
    }
}

void hf_db_agg_row(hf_db_agg *a, bool err, double rt)
{
    a->count++;
    a->errors += err;
    if (isnan(rt))
        return;
    a->rt_n++;
    a->rt_sum += rt;
    a->rt_min = rt < a->rt_min ? rt : a->rt_min;
    a->rt_max = rt > a->rt_max ? rt : a->rt_max;
    a->hist[hf_db_hist_bin(rt)]++;
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
