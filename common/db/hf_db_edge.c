/* hf_db_edge: bring the far edge of each window from the last call's
 * now - W to this call's (design in hf_db.h, "Exact windows").
 *
 * Per window the state holds E (the edge), the kept part K of the bucket
 * holding E (its in-order rows dated after E) and a cursor c: every in-order
 * row read with rowid < c is dated <= E. Moving E to E' reads rows in rowid
 * order from c (or from a bisection when E' jumped more than an hour):
 *   same bucket       K' = K - rows in (E, E']                  (drop)
 *   a later bucket    K' = bucket(E') - rows in [start, E']     (drop)
 *   E' < E            K' = rows of bucket(E') dated after E'    (keep)
 *   a row missing     (retention deleted rows we would subtract) keep
 * A scan stops at the first in-order row dated past its range by more than
 * the bucket's largest disorder (no later in-order row can be in range) or
 * at the last row read. Exceptions are skipped (they are summed separately),
 * rows before read_from were never read. Every scan runs in transactions of
 * at most txn_ms, each re-checking the last fingerprint. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_db_int.h"

#define HF_DB_JUMP_S 3600.0

typedef enum { HF_DB_DROP, HF_DB_KEEP } hf_db_emode;

typedef struct hf_db_escan {
    hf_db_scan_t *s;
    const hf_db_ring *ring;
    int64_t tag;                /* the new far-edge bucket */
    double old_edge, edge;      /* E, E' */
    hf_db_emode mode;
    double stop_at;             /* stop at the first in-order row dated after this */
    int64_t pos;                /* next rowid to read */
    int64_t expect;             /* next rowid when none is missing */
    double m;                   /* bound on created_at of the in-order rows before pos */
    int64_t cursor;             /* the new cursor */
    int64_t pos0;               /* where the scan started, with bound m0 */
    double m0;
    hf_db_bucket acc;           /* the new kept part */
    int64_t bad_rowid;          /* a row that the aggregates do not hold */
    bool gap, done, end, oom, renumbered;
} hf_db_escan;

/* Largest disorder of in-order rows dated t: the bucket's, when the bucket
 * surely took every such row; else the in-order bound. */
static double hf_db_row_dmax(const hf_db_scan_t *s, const hf_db_ring *r, double t)
{
    int64_t tag = hf_db_floor_div(t, r->gran);
    const hf_db_bucket *b;

    if (tag < hf_db_floor_div(s->st->max_now, r->gran) - r->keep)
        return HF_DB_SLACK_S;
    b = hf_db_ring_find(r, tag);
    return b ? b->dmax : 0.0;
}

/* First in-order row at or after rowid r (below hi), within a few rows. */
static int hf_db_eprobe(hf_db_scan_t *s, int64_t r, int64_t hi, int64_t *rid, double *t)
{
    int rc = SQLITE_DONE;

    *rid = 0;
    hf_db_seek(s, r);
    for (int k = 0; k < HF_DB_PROBE_ROWS && (rc = sqlite3_step(s->read)) == SQLITE_ROW; k++) {
        int64_t id = sqlite3_column_int64(s->read, 0);
        s->x->res->edge_rows++;
        if (id >= hi)
            break;
        if (hf_db_col_time(s->read, 1, t) && !hf_db_exc_has(s->st, id)) {
            *rid = id;
            break;
        }
    }
    sqlite3_reset(s->read);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_db_scan_fail(s, rc, "searching the far edge of a window");
    return SQLITE_OK;
}

/* Bisection over [lo, hi): an in-order row r with t_r + dmax < x (strict) or
 * <= x, as late as found; every in-order row before it is then dated below
 * (or at) x. *found = 0 when none. */
static int hf_db_esearch(hf_db_scan_t *s, const hf_db_ring *ring, int64_t lo, int64_t hi,
                         double x, bool strict, int64_t *found)
{
    int64_t rid;
    double t;
    int rc;

    *found = 0;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = hf_db_eprobe(s, mid, hi, &rid, &t)))
            return rc;
        if (!rid) {
            hi = mid;
            continue;
        }
        t += hf_db_row_dmax(s, ring, t);
        if (strict ? t < x : t <= x) {
            *found = rid;
            lo = rid + 1;
        } else {
            hi = mid;
        }
    }
    return SQLITE_OK;
}

static void hf_db_erow_take(hf_db_escan *e, sqlite3_stmt *q, int64_t rowid, double t)
{
    bool err = hf_db_is_error(e->s, q);
    double rt = hf_db_col_rt(q, 2);

    if (e->mode == HF_DB_DROP) {
        if (t > e->old_edge && t <= e->edge && !hf_db_bucket_sub(&e->acc, err, rt))
            e->bad_rowid = rowid;
    } else if (t > e->edge && !hf_db_bucket_add(&e->acc, err, rt)) {
        e->oom = true;
    }
}

static void hf_db_erow(hf_db_escan *e, sqlite3_stmt *q)
{
    int64_t rowid = sqlite3_column_int64(q, 0);
    double t;

    e->gap |= rowid != e->expect;
    e->expect = e->pos = rowid + 1;
    if (!hf_db_col_time(q, 1, &t) || hf_db_exc_has(e->s->st, rowid))
        return;                 /* not an in-order row: in no bucket */
    e->m = t > e->m ? t : e->m;
    if (e->m <= e->edge)
        e->cursor = rowid + 1;
    if (t > e->stop_at)
        e->done = true;
    else if (hf_db_floor_div(t, e->ring->gran) == e->tag)
        hf_db_erow_take(e, q, rowid, t);
}

static void hf_db_etxn_cost(hf_db_scan_t *s, double t0, unsigned n)
{
    hf_db_result *res = s->x->res;
    double el = (hf_mono_now() - t0) * 1000.0;

    res->max_txn_ms = el > res->max_txn_ms ? el : res->max_txn_ms;
    res->txns++;
    res->edge_rows += n;
}

/* One short transaction of a scan. */
static int hf_db_etxn(hf_db_escan *e)
{
    hf_db_scan_t *s = e->s;
    sqlite3_stmt *q = s->read;
    double t0 = hf_mono_now(), limit = t0 + (double)s->x->txn_ms / 1000.0;
    unsigned n = 0;
    int rc = hf_db_begin(s), r;

    if (rc)
        return rc;
    if (s->last.rowid && (r = hf_db_fp_check(s, &s->last)) != 0) {
        rc = r < 0 ? -r : SQLITE_OK;
        e->renumbered = r > 0;
        goto out;
    }
    hf_db_seek(s, e->pos);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (sqlite3_column_int64(q, 0) > s->st->last_rowid) {
            rc = SQLITE_DONE;   /* only the rows read so far */
            break;
        }
        hf_db_erow(e, q);
        if (e->done || e->bad_rowid || e->oom)
            break;
        if (++n % HF_DB_TIME_EVERY == 0 && hf_mono_now() > limit)
            break;
    }
    e->end = rc == SQLITE_DONE;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK
                                               : hf_db_scan_fail(s, rc, "reading the far edge");
out:
    sqlite3_reset(q);
    hf_db_commit(s);
    hf_db_etxn_cost(s, t0, n);
    return rc;
}

/* Run a scan to its stop or the last row read. *late at the read deadline. */
static int hf_db_erun(hf_db_escan *e, bool *late)
{
    int64_t last = e->s->st->last_rowid;
    int rc;

    while (!e->done && !e->end && e->pos <= last) {
        if (hf_mono_now() > e->s->read_deadline) {
            *late = true;
            return SQLITE_OK;
        }
        if ((rc = hf_db_etxn(e)))
            return rc;
        if (e->bad_rowid || e->oom || e->renumbered)
            return SQLITE_OK;
    }
    if (!e->done && e->expect <= last)
        e->gap = true;          /* the last rows are gone */
    return SQLITE_OK;
}

static void hf_db_eapply(hf_db_edge *ed, hf_db_escan *e)
{
    if (!hf_db_bucket_same(&ed->kept, &e->acc))
        e->s->st->gen++;
    hf_db_bins_free(&ed->kept);
    ed->kept = e->acc;
    ed->edge = e->edge;
    ed->cursor = e->cursor;
}

/* Where a scan starts: the cursor, or a bisection when the edge moved back
 * or jumped more than HF_DB_JUMP_S ahead (scanning from the cursor reads
 * the rows of the time in between). Sets pos, expect, m, cursor. */
static int hf_db_estart(hf_db_escan *e, const hf_db_edge *ed)
{
    hf_db_scan_t *s = e->s;
    double bucket0 = (double)(e->tag * e->ring->gran);
    int64_t found = 0;
    int rc = SQLITE_OK;

    e->pos = ed->cursor;
    e->m = ed->edge;
    if (e->edge < ed->edge) {           /* back: every in-order row before found is <= E' */
        rc = hf_db_esearch(s, e->ring, s->st->read_from, ed->cursor, e->edge, false, &found);
        e->pos = found ? found : s->st->read_from;
        e->m = found ? e->edge : -INFINITY;
    } else if (bucket0 - ed->edge > HF_DB_JUMP_S) {
        rc = hf_db_esearch(s, e->ring, ed->cursor, s->st->last_rowid + 1, bucket0, true, &found);
        if (found) {
            e->pos = found;
            e->m = bucket0;
        }
    }
    e->expect = e->cursor = e->pos0 = e->pos;
    e->m0 = e->m;
    return rc;
}

/* Run a scan from its start (again, for a keep after a drop found a gap). */
static int hf_db_escan_run(hf_db_escan *e, hf_db_emode mode, bool *late)
{
    double dmax = hf_db_row_dmax(e->s, e->ring, (double)(e->tag * e->ring->gran));

    if (mode == HF_DB_KEEP)
        hf_db_bucket_reset(&e->acc, e->tag);
    e->pos = e->expect = e->cursor = e->pos0;
    e->m = e->m0;
    e->gap = e->done = e->end = false;
    e->mode = mode;
    e->stop_at = mode == HF_DB_DROP ? e->edge + dmax
                                    : (double)((e->tag + 1) * e->ring->gran) + dmax;
    return hf_db_erun(e, late);
}

/* The new kept part before the drop scan: K (same bucket) or the bucket of E'.
 * *none when there is nothing to subtract (the kept part is then empty). */
static bool hf_db_edrop_base(hf_db_escan *e, const hf_db_edge *ed, bool *none)
{
    const hf_db_bucket *b = e->tag == ed->kept.tag ? &ed->kept : hf_db_ring_find(e->ring, e->tag);

    *none = !b || !b->count;
    return *none || hf_db_bucket_copy(&e->acc, b);
}

static int hf_db_eresult(hf_db_escan *e, hf_db_edge *ed, bool late)
{
    hf_db_scan_t *s = e->s;

    if (e->oom || late || e->bad_rowid || e->renumbered)
        hf_db_bucket_reset(&e->acc, HF_DB_EMPTY_TAG);
    if (e->oom)
        return hf_db_scan_fail(s, SQLITE_NOMEM, "counting the far edge of a window");
    if (e->renumbered)
        snprintf(s->reason, sizeof(s->reason), "row %lld changed while reading "
                 "(rowids renumbered)", (long long)s->last.rowid);
    else if (e->bad_rowid)
        snprintf(s->reason, sizeof(s->reason), "row %lld at the far edge of a window does not "
                 "match the aggregates (changed in place?)", (long long)e->bad_rowid);
    else if (!late)
        hf_db_eapply(ed, e);
    return SQLITE_OK;
}

/* Forward: take out what left; when a row is missing, count what is left. */
static int hf_db_edrop(hf_db_escan *e, bool *late)
{
    int rc = hf_db_escan_run(e, HF_DB_DROP, late);

    if (rc || !e->gap || *late || e->bad_rowid || e->renumbered || e->oom)
        return rc;
    return hf_db_escan_run(e, HF_DB_KEEP, late);
}

static int hf_db_edge_window(hf_db_scan_t *s, int w, bool *late)
{
    hf_db_edge *ed = &s->st->edge[w];
    hf_db_escan e = {.s = s, .ring = hf_db_win_ring(s->st, w), .old_edge = ed->edge,
                     .edge = s->now - hf_db_win_seconds(w)};
    bool none = false;
    int rc;

    if (e.edge == ed->edge)
        return SQLITE_OK;
    e.tag = hf_db_floor_div(e.edge, e.ring->gran);
    hf_db_bucket_reset(&e.acc, e.tag);
    if (e.edge > ed->edge && !hf_db_edrop_base(&e, ed, &none))
        return hf_db_scan_fail(s, SQLITE_NOMEM, "copying the far-edge bucket");
    if (none) {                         /* nothing left of the bucket to take out */
        e.cursor = ed->cursor;
        hf_db_eapply(ed, &e);
        return SQLITE_OK;
    }
    if (!(rc = hf_db_estart(&e, ed)))
        rc = e.edge < ed->edge ? hf_db_escan_run(&e, HF_DB_KEEP, late) : hf_db_edrop(&e, late);
    if (rc) {
        hf_db_bucket_reset(&e.acc, HF_DB_EMPTY_TAG);
        return rc;
    }
    return hf_db_eresult(&e, ed, *late);
}

int hf_db_edges_update(hf_db_scan_t *s, int *pending)
{
    *pending = 0;
    if (!s->st->exact)
        return SQLITE_OK;
    for (int w = 0; w < HF_DB_NWIN; w++) {
        bool late = false;
        int rc = hf_db_edge_window(s, w, &late);
        if (rc || s->reason[0])
            return rc;
        *pending += late;
    }
    return SQLITE_OK;
}
