/* hf_days_store: the days in memory, their sums and figures (design in
 * hf_days.h). Days are a sorted array; rows mostly arrive in time order, so
 * the day used last is tried first. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hf_days_int.h"

#define HF_DAYS_INV_LN_RATIO (1.0 / 0.019802627296179712)  /* 1 / ln(1.02) */

int64_t hf_days_floor_day(double t)
{
    double d = floor(t / 86400.0);

    return (int64_t)d;
}

int hf_days_bin(double rt)
{
    double k;

    if (!(rt >= 1.0))
        return 0;               /* below 1 ms (and NaN, never passed) */
    k = floor(log(rt) * HF_DAYS_INV_LN_RATIO) + 1.0;
    return k > HF_DAYS_LOG_BINS ? HF_DAYS_LOG_BINS + 1 : (int)k;
}

void hf_days_store_init(hf_days_store *s, int64_t lo_day, int64_t hi_day)
{
    memset(s, 0, sizeof(*s));
    s->lo_day = lo_day;
    s->hi_day = hi_day;
    s->oldest = INFINITY;
}

void hf_days_store_free(hf_days_store *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->d[i].hist);
    free(s->d);
    s->d = NULL;
    s->n = s->cap = s->hint = 0;
}

/* Index of the first day >= day. */
static size_t hf_days_lower(const hf_days_store *s, int64_t day)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->d[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const hf_days_day *hf_days_store_find(const hf_days_store *s, int64_t day)
{
    size_t i = hf_days_lower(s, day);

    return i < s->n && s->d[i].day == day ? &s->d[i] : NULL;
}

hf_days_day *hf_days_store_slot(hf_days_store *s, int64_t day)
{
    size_t i;

    if (s->hint < s->n && s->d[s->hint].day == day)
        return &s->d[s->hint];
    i = hf_days_lower(s, day);
    if (i == s->n || s->d[i].day != day) {
        if (hf_array_reserve(&s->d, &s->cap, s->n, sizeof(s->d[0]), 64) < 0) {
            s->oom = true;
            return NULL;
        }
        memmove(&s->d[i + 1], &s->d[i], (s->n - i) * sizeof(s->d[0]));
        memset(&s->d[i], 0, sizeof(s->d[i]));
        s->d[i].day = day;
        s->n++;
    }
    s->hint = i;
    return &s->d[i];
}

void hf_days_store_row(hf_days_store *s, int64_t rowid, double t, bool err, double rt, int bin)
{
    int64_t day = hf_days_floor_day(t);
    hf_days_day *d;

    if (t < s->oldest)
        s->oldest = t;
    if (day < s->lo_day) {
        s->older++;
        return;
    }
    if (day > s->hi_day) {
        s->ahead++;
        return;
    }
    if (!(d = hf_days_store_slot(s, day)))
        return;
    if (!d->count || rowid < d->first_rowid)
        d->first_rowid = rowid;
    if (rowid > d->last_rowid)
        d->last_rowid = rowid;
    d->count++;
    d->errors += err;
    if (isnan(rt))
        return;
    if (!d->hist && !(d->hist = calloc(HF_DAYS_BINS, sizeof(uint32_t)))) {
        s->oom = true;
        return;
    }
    if (!d->rt_n || rt < d->rt_min)
        d->rt_min = rt;
    if (!d->rt_n || rt > d->rt_max)
        d->rt_max = rt;
    d->rt_n++;
    d->rt_sum += rt;
    d->hist[bin]++;
}

static void hf_days_day_add(hf_days_store *s, hf_days_day *d, const hf_days_day *o)
{
    if (!o->count)
        return;
    if (!d->count || o->first_rowid < d->first_rowid)
        d->first_rowid = o->first_rowid;
    if (o->last_rowid > d->last_rowid)
        d->last_rowid = o->last_rowid;
    d->count += o->count;
    d->errors += o->errors;
    if (!o->rt_n)
        return;
    if (!d->hist && !(d->hist = calloc(HF_DAYS_BINS, sizeof(uint32_t)))) {
        s->oom = true;
        return;
    }
    if (!d->rt_n || o->rt_min < d->rt_min)
        d->rt_min = o->rt_min;
    if (!d->rt_n || o->rt_max > d->rt_max)
        d->rt_max = o->rt_max;
    d->rt_n += o->rt_n;
    d->rt_sum += o->rt_sum;
    for (int b = 0; b < HF_DAYS_BINS; b++)
        d->hist[b] += o->hist[b];
}

void hf_days_store_merge(hf_days_store *dst, const hf_days_store *src)
{
    for (size_t i = 0; i < src->n; i++) {
        hf_days_day *d = hf_days_store_slot(dst, src->d[i].day);
        if (d)
            hf_days_day_add(dst, d, &src->d[i]);
    }
    dst->older += src->older;
    dst->ahead += src->ahead;
    dst->skipped += src->skipped;
    if (src->bad_rowid && src->bad_rowid > dst->bad_rowid) {
        dst->bad_rowid = src->bad_rowid;
        memcpy(dst->bad_value, src->bad_value, sizeof(dst->bad_value));
    }
    if (src->oldest < dst->oldest)
        dst->oldest = src->oldest;
    dst->oom |= src->oom;
}

bool hf_days_store_clip(hf_days_store *s, int64_t lo_day, int64_t hi_day)
{
    size_t keep = 0;
    bool dropped = false;

    /* only the old end: days already counted ahead of the clock stay (a
     * clock stepped back must not lose rows that will not be read again) */
    for (size_t i = 0; i < s->n; i++) {
        hf_days_day *d = &s->d[i];
        if (d->day < lo_day) {
            s->older += d->count;
            free(d->hist);
            dropped = true;
            continue;
        }
        s->d[keep++] = *d;
    }
    s->n = keep;
    s->hint = 0;
    s->lo_day = lo_day;
    s->hi_day = hi_day;
    return dropped;
}

void hf_days_agg_add_day(hf_days_agg *a, const hf_days_day *d)
{
    if (!d->count)
        return;
    if (!a->count || d->first_rowid < a->first_rowid)
        a->first_rowid = d->first_rowid;
    if (d->last_rowid > a->last_rowid)
        a->last_rowid = d->last_rowid;
    a->count += d->count;
    a->errors += d->errors;
    if (!d->rt_n)
        return;
    if (!a->rt_n || d->rt_min < a->rt_min)
        a->rt_min = d->rt_min;
    if (!a->rt_n || d->rt_max > a->rt_max)
        a->rt_max = d->rt_max;
    a->rt_n += d->rt_n;
    a->rt_sum += d->rt_sum;
    for (int b = 0; b < HF_DAYS_BINS; b++)
        a->hist[b] += d->hist[b];
}

static void hf_days_agg_clear(hf_days_agg *a, int64_t day)
{
    memset(a, 0, sizeof(*a));
    a->day = day;
    a->rt_min = a->rt_max = NAN;
}

void hf_days_get(const hf_days_state *st, int64_t day, int64_t min_rowid, hf_days_agg *out)
{
    const hf_days_day *d = st ? hf_days_store_find(&st->s, day) : NULL;

    hf_days_agg_clear(out, day);
    if (!d)
        return;
    hf_days_agg_add_day(out, d);
    out->pruned = min_rowid > 0 && d->count && d->first_rowid < min_rowid;
}

void hf_days_sum(const hf_days_state *st, int64_t from, int64_t to, int64_t min_rowid,
                 hf_days_agg *out, unsigned *pruned_days)
{
    unsigned pruned = 0;

    hf_days_agg_clear(out, from);
    if (st) {
        for (size_t i = hf_days_lower(&st->s, from); i < st->s.n && st->s.d[i].day <= to; i++) {
            const hf_days_day *d = &st->s.d[i];
            hf_days_agg_add_day(out, d);
            if (min_rowid > 0 && d->count && d->first_rowid < min_rowid)
                pruned++;
        }
    }
    out->pruned = pruned > 0;
    if (pruned_days)
        *pruned_days = pruned;
}

int64_t hf_days_from(const hf_days_state *st)
{
    return st && st->valid ? st->from_day : HF_DAYS_NONE;
}

double hf_days_oldest(const hf_days_state *st)
{
    return st && st->valid && st->from_start && isfinite(st->s.oldest) ? st->s.oldest : NAN;
}

double hf_days_avg(const hf_days_agg *a)
{
    return a->rt_n ? a->rt_sum / (double)a->rt_n : NAN;
}

double hf_days_error_pct(const hf_days_agg *a)
{
    return a->count ? (double)a->errors * 100.0 / (double)a->count : NAN;
}

/* Nearest rank: the k-th smallest, k = ceil(0.95 n). */
double hf_days_p95(const hf_days_agg *a)
{
    uint64_t k, seen = 0;
    double est;
    int b;

    if (!a->rt_n)
        return NAN;
    k = (a->rt_n * 95 + 99) / 100;
    if (k >= a->rt_n)
        return a->rt_max;       /* the largest value: exact */
    for (b = 0; b < HF_DAYS_BINS - 1; b++) {
        seen += a->hist[b];
        if (seen >= k)
            break;
    }
    if (b == 0)
        est = a->rt_min;
    else if (b > HF_DAYS_LOG_BINS)
        est = a->rt_max;
    else
        est = exp(((double)b - 0.5) / HF_DAYS_INV_LN_RATIO);
    if (est < a->rt_min)
        est = a->rt_min;
    if (est > a->rt_max)
        est = a->rt_max;
    return est;
}
