/* hf_db_window: which rows are in a window (design in hf_db.h, "Exact
 * windows"). Classifies each row read (in order, or an exception kept
 * individually), keeps the exception list, and sums a window: the buckets
 * after its far-edge bucket, the kept part of that bucket, the exceptions in
 * range. When the exceptions overflow, the windows fall back to whole buckets
 * (the design before exact windows) until a rebuild. No I/O, no SQLite. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_db_int.h"

static const struct {
    int ring;                   /* 0 minute, 1 hour */
    int64_t buckets;            /* whole buckets of the bucket-aligned (inexact) window */
    double seconds;
} hf_db_windows[HF_DB_NWIN] = {
    {0, 60, 3600}, {1, 24, 86400}, {1, 168, 604800}, {1, 720, 2592000},
};

double hf_db_win_seconds(int w)
{
    return hf_db_windows[w].seconds;
}

const hf_db_ring *hf_db_win_ring(const hf_db_state *st, int w)
{
    return hf_db_windows[w].ring ? &st->hour : &st->minute;
}

void hf_db_edges_init(hf_db_state *st, double now, int64_t from)
{
    st->gen++;
    st->exact = true;
    st->inexact[0] = '\0';
    st->read_from = from;
    st->ref = -INFINITY;
    for (int w = 0; w < HF_DB_NWIN; w++) {
        hf_db_edge *e = &st->edge[w];
        e->edge = now - hf_db_windows[w].seconds;
        e->cursor = from;
        hf_db_bucket_reset(&e->kept, hf_db_floor_div(e->edge, hf_db_win_ring(st, w)->gran));
    }
}

/* Fold every exception into the buckets and use whole buckets from now on. */
static bool hf_db_exact_off(hf_db_state *st, double now, int64_t rowid)
{
    bool ok = true;

    snprintf(st->inexact, sizeof(st->inexact), "more than %d rows out of time order by over "
             "%.0f s or dated ahead (rowid %lld)", HF_DB_MAX_EXC, HF_DB_SLACK_S, (long long)rowid);
    st->gen++;
    st->exact = false;
    st->retry_at = now + HF_DB_KEEP_S;
    for (size_t i = 0; i < st->nexc && ok; i++) {
        const hf_db_exc *x = &st->exc[i];
        if (x->t > now + HF_DB_FUTURE_S)
            st->future++;
        else
            ok = hf_db_rings_add(st, now, x->t, x->err, x->rt, 0);
    }
    for (int w = 0; w < HF_DB_NWIN; w++)
        hf_db_bucket_reset(&st->edge[w].kept, HF_DB_EMPTY_TAG);
    free(st->exc);
    st->exc = NULL;
    st->nexc = st->exc_cap = 0;
    return ok;
}

static bool hf_db_exc_add(hf_db_state *st, double now, int64_t rowid, double t, bool err,
                          double rt)
{
    if (st->nexc == HF_DB_MAX_EXC) {
        if (!hf_db_exact_off(st, now, rowid))
            return false;
        return t > now + HF_DB_FUTURE_S ? (st->future++, true)
                                         : hf_db_rings_add(st, now, t, err, rt, 0);
    }
    if (hf_array_reserve(&st->exc, &st->exc_cap, st->nexc, sizeof(*st->exc), 16) < 0)
        return false;
    st->gen++;
    st->exc[st->nexc++] = (hf_db_exc){.rowid = rowid, .t = t, .rt = rt, .err = err};
    return true;
}

bool hf_db_exc_has(const hf_db_state *st, int64_t rowid)
{
    size_t lo = 0, hi = st->nexc;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->exc[mid].rowid == rowid)
            return true;
        if (st->exc[mid].rowid < rowid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

void hf_db_exc_purge(hf_db_state *st, double now)
{
    size_t k = 0;

    for (size_t i = 0; i < st->nexc; i++)
        if (st->exc[i].t > now - HF_DB_KEEP_S)
            st->exc[k++] = st->exc[i];
    st->gen += k != st->nexc;
    st->nexc = k;
}

/* An in-order row: buckets, the kept part of each far-edge bucket, cursors. */
static bool hf_db_in_order(hf_db_state *st, double now, int64_t rowid, double t, bool err,
                           double rt)
{
    double dis = st->ref > t ? st->ref - t : 0.0;

    st->ref = t > st->ref ? t : st->ref;
    if (!hf_db_rings_add(st, now, t, err, rt, dis))
        return false;
    for (int w = 0; w < HF_DB_NWIN; w++) {
        hf_db_edge *e = &st->edge[w];
        if (st->ref <= e->edge)
            e->cursor = rowid + 1;
        if (t > e->edge && hf_db_floor_div(t, hf_db_win_ring(st, w)->gran) == e->kept.tag &&
            !hf_db_bucket_add(&e->kept, err, rt))
            return false;
    }
    return true;
}

bool hf_db_stats_row(hf_db_state *st, double now, int64_t rowid, double t, bool err, double rt)
{
    if (!st->exact) {
        if (t > now + HF_DB_FUTURE_S) {
            st->future++;
            return true;
        }
        return hf_db_rings_add(st, now, t, err, rt, 0);
    }
    if (t > now + HF_DB_FUTURE_S || t < st->ref - HF_DB_SLACK_S) {
        if (t <= now - HF_DB_KEEP_S)
            return true;        /* outside every window for good */
        return hf_db_exc_add(st, now, rowid, t, err, rt);
    }
    return hf_db_in_order(st, now, rowid, t, err, rt);
}

/* ---- window sums ---- */

/* The whole ring buckets of window w: tags > from (aligned: >= from), in
 * slot order; from the cache when neither the ring nor from changed (the
 * same additions in the same order: the same bits). */
static void hf_db_ring_sum(hf_db_state *st, int w, int64_t from, bool aligned, hf_db_agg *a)
{
    const hf_db_ring *r = hf_db_win_ring(st, w);
    hf_db_wsum *c = &st->wsum[w];

    if (c->ok && c->gen == r->gen && c->from == from && c->aligned == aligned) {
        *a = c->agg;
        return;
    }
    hf_db_agg_init(a);
    for (int64_t i = 0; i < r->size; i++) {
        const hf_db_bucket *b = &r->b[i];
        if (b->tag != HF_DB_EMPTY_TAG && (aligned ? b->tag >= from : b->tag > from) && b->count)
            hf_db_agg_bucket(a, b);
    }
    *c = (hf_db_wsum){.ok = true, .aligned = aligned, .from = from, .gen = r->gen, .agg = *a};
    st->gen++;                  /* the cache is part of the file */
}

/* Exact: buckets after the far-edge bucket, its kept part, exceptions in range. */
static void hf_db_exact_sum(hf_db_state *st, double now, int w, hf_db_agg *a)
{
    const hf_db_edge *e = &st->edge[w];

    hf_db_ring_sum(st, w, e->kept.tag, false, a);
    hf_db_agg_bucket(a, &e->kept);
    for (size_t i = 0; i < st->nexc; i++)
        if (st->exc[i].t > e->edge && st->exc[i].t <= now + HF_DB_FUTURE_S)
            hf_db_agg_row(a, st->exc[i].err, st->exc[i].rt);
}

/* Inexact: whole buckets from floor(now/g)-N+1 on. */
static int64_t hf_db_aligned_sum(hf_db_state *st, double now, int w, hf_db_agg *a)
{
    int64_t from = hf_db_floor_div(now, hf_db_win_ring(st, w)->gran) - hf_db_windows[w].buckets + 1;

    hf_db_ring_sum(st, w, from, true, a);
    return from;
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

enum { HF_DB_NDAYS = 64 };

static void hf_db_day_add(uint64_t *days, int64_t day0, double t, uint64_t n)
{
    int64_t d = hf_db_floor_div(t, 86400) - day0;

    if (d >= 0 && d < HF_DB_NDAYS)
        days[d] += n;
}

/* Busiest UTC day of the 30 d window (ties: the later day). */
static void hf_db_peak(const hf_db_state *st, double now, hf_db_result *res)
{
    uint64_t days[HF_DB_NDAYS] = {0};
    const hf_db_edge *e = &st->edge[HF_DB_W30D];
    int64_t from = st->exact ? e->kept.tag + 1 : hf_db_floor_div(now, 3600) - 719;
    int64_t day0 = hf_db_floor_div((double)(st->exact ? from - 1 : from) * 3600.0, 86400);
    int best = -1;

    for (int64_t i = 0; i < st->hour.size; i++) {
        const hf_db_bucket *b = &st->hour.b[i];
        if (b->tag != HF_DB_EMPTY_TAG && b->tag >= from && b->count)
            hf_db_day_add(days, day0, (double)b->tag * 3600.0, b->count);
    }
    if (st->exact)
        hf_db_day_add(days, day0, (double)e->kept.tag * 3600.0, e->kept.count);
    for (size_t i = 0; st->exact && i < st->nexc; i++)
        if (st->exc[i].t > e->edge && st->exc[i].t <= now + HF_DB_FUTURE_S)
            hf_db_day_add(days, day0, st->exc[i].t, 1);
    for (int d = 0; d < HF_DB_NDAYS; d++)
        if (days[d] && (best < 0 || days[d] >= days[best]))
            best = d;
    res->peak_day = best < 0 ? NAN : (double)(day0 + best) * 86400.0;
    res->peak_count = best < 0 ? 0 : days[best];
}

void hf_db_stats_windows(hf_db_state *st, double now, hf_db_result *res)
{
    hf_db_agg a;

    for (int w = 0; w < HF_DB_NWIN; w++) {
        if (st->exact) {
            hf_db_exact_sum(st, now, w, &a);
            res->win[w].start = st->edge[w].edge;
        } else {
            res->win[w].start = (double)(hf_db_aligned_sum(st, now, w, &a) *
                                         hf_db_win_ring(st, w)->gran);
        }
        hf_db_window_fill(&res->win[w], &a);
        res->win[w].seconds = hf_db_windows[w].seconds;
    }
    hf_db_peak(st, now, res);
    res->exact = st->exact;
    hf_strlcpy(res->inexact, st->inexact, sizeof(res->inexact));
    res->exceptions = st->nexc;
    res->future = st->exact ? 0 : st->future;
    for (size_t i = 0; st->exact && i < st->nexc; i++)
        res->future += st->exc[i].t > now + HF_DB_FUTURE_S;
}
