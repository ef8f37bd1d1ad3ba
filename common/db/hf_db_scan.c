/* hf_db_scan: the incremental reader of the database probe (design in
 * hf_db.h): verify the state against the table (identity, clock,
 * fingerprints), rebuild when it no longer matches (binary search for the
 * first row of the 30 d window), move the far edges of the windows
 * (hf_db_edge.c), then read the new rows in short transactions and fold them
 * into the state (hf_db_window.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hf_db_int.h"
#include "hf_time.h"

#define HF_DB_SAMPLES 32            /* rows sampled to verify time order */
#define HF_DB_NULL_KEY 0x6e756c6c6e756c6cull

static uint64_t hf_db_bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, 8);
    return u;
}

bool hf_db_col_time(sqlite3_stmt *s, int col, double *t)
{
    switch (sqlite3_column_type(s, col)) {
    case SQLITE_TEXT:
        return hf_time_parse_created_at((const char *)sqlite3_column_text(s, col),
                                        (size_t)sqlite3_column_bytes(s, col), t) == 0;
    case SQLITE_INTEGER:
        *t = (double)sqlite3_column_int64(s, col);
        return hf_time_epoch_ok(*t);
    case SQLITE_FLOAT:
        *t = sqlite3_column_double(s, col);
        return hf_time_epoch_ok(*t);
    default:
        return false;
    }
}

double hf_db_col_rt(sqlite3_stmt *s, int col)
{
    return sqlite3_column_type(s, col) == SQLITE_NULL ? NAN : sqlite3_column_double(s, col);
}

static uint64_t hf_db_raw_key(sqlite3_stmt *s, int col)
{
    int type = sqlite3_column_type(s, col);
    const void *p;

    if (type == SQLITE_NULL)
        return HF_DB_NULL_KEY;
    p = type == SQLITE_BLOB ? sqlite3_column_blob(s, col) : sqlite3_column_text(s, col);
    return hf_db_hash(p, (size_t)sqlite3_column_bytes(s, col), (uint64_t)type);
}

/* Fingerprint of the current row: columns tcol (time) and tcol+1 (rt). */
static hf_db_fp hf_db_row_fp(sqlite3_stmt *s, int tcol, int64_t rowid)
{
    hf_db_fp f = {.rowid = rowid};
    double rt = hf_db_col_rt(s, tcol + 1);

    if (hf_db_col_time(s, tcol, &f.t)) {
        f.t_key = hf_db_bits(f.t);
    } else {
        f.t = NAN;
        f.t_key = hf_db_raw_key(s, tcol);
    }
    f.rt_key = isnan(rt) ? HF_DB_NULL_KEY : hf_db_bits(rt);
    return f;
}

/* Expand a statement template: $T table, $C created_at, $R rt, $S status. */
static void hf_db_sql(const hf_db_ctx *x, const char *tpl, char *out, size_t n)
{
    size_t k = 0;

    for (; *tpl && k + 1 < n; tpl++) {
        const char *sub = NULL;
        if (tpl[0] == '$' && tpl[1]) {
            sub = tpl[1] == 'T' ? x->q_table : tpl[1] == 'C' ? x->q_time :
                  tpl[1] == 'R' ? x->q_rt : tpl[1] == 'S' ? x->q_status : NULL;
        }
        if (!sub) {
            out[k++] = *tpl;
            continue;
        }
        k += hf_strlcpy(out + k, sub, n - k);
        if (k >= n)
            k = n - 1;
        tpl++;
    }
    out[k] = '\0';
}

int hf_db_prepare(const hf_db_ctx *x, sqlite3_stmt **out, const char *tpl)
{
    char sql[1600];

    hf_db_sql(x, tpl, sql, sizeof(sql));
    return sqlite3_prepare_v3(x->c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
}

void hf_db_ctx_finalize(hf_db_ctx *x)
{
    sqlite3_finalize(x->read);
    sqlite3_finalize(x->maxq);
    sqlite3_finalize(x->begin);
    sqlite3_finalize(x->commit);
    x->read = x->maxq = x->begin = x->commit = NULL;
}

/* A statement only some calls need (a rebuild's), prepared on first use. */
static int hf_db_prep(hf_db_scan_t *s, sqlite3_stmt **out, const char *tpl)
{
    int rc;

    if (*out)
        return SQLITE_OK;
    if ((rc = hf_db_prepare(s->x, out, tpl)) != SQLITE_OK)
        hf_db_scan_fail(s, rc, "preparing the read statements");
    return rc;
}

static void hf_db_finalize_all(hf_db_scan_t *s)
{
    sqlite3_finalize(s->bounds);
    sqlite3_finalize(s->before);
    s->bounds = s->before = NULL;
}

int hf_db_scan_fail(hf_db_scan_t *s, int rc, const char *what)
{
    s->rc = rc;
    s->what = what;
    return rc;
}

static int hf_db_step_once(hf_db_ctx *x, sqlite3_stmt **q, const char *sql)
{
    int rc = SQLITE_OK;

    if (!*q)
        rc = sqlite3_prepare_v3(x->c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(*q);
        sqlite3_reset(*q);
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int hf_db_begin(hf_db_scan_t *s)
{
    int rc = hf_db_step_once(s->x, &s->x->begin, "BEGIN");

    return rc == SQLITE_OK ? rc : hf_db_scan_fail(s, rc, "BEGIN");
}

void hf_db_commit(hf_db_scan_t *s)
{
    if (hf_db_step_once(s->x, &s->x->commit, "COMMIT") != SQLITE_OK)
        sqlite3_exec(s->x->c.db, "COMMIT", NULL, NULL, NULL);
}

bool hf_db_seek(hf_db_scan_t *s, int64_t from)
{
    sqlite3_reset(s->read);
    sqlite3_bind_int64(s->read, 1, from);
    return true;
}

/* The table's end (max(rowid), 0 when empty) from the simple query's statement. */
static int hf_db_max_rowid(hf_db_scan_t *s)
{
    sqlite3_stmt *q = s->x->maxq;
    int rc = sqlite3_step(q);

    if (rc == SQLITE_ROW) {
        s->max_rowid = sqlite3_column_int64(q, 0);   /* NULL (empty) -> 0 */
        rc = SQLITE_OK;
    }
    sqlite3_reset(q);
    return rc == SQLITE_OK ? rc : hf_db_scan_fail(s, rc, "reading the rowid range");
}

/* Both ends (a rebuild). */
static int hf_db_bounds(hf_db_scan_t *s)
{
    int rc = hf_db_prep(s, &s->bounds, "SELECT (SELECT min(rowid) FROM $T), "
                        "(SELECT max(rowid) FROM $T)");

    if (rc)
        return rc;
    rc = sqlite3_step(s->bounds);
    if (rc == SQLITE_ROW) {
        s->min_rowid = sqlite3_column_int64(s->bounds, 0);
        s->max_rowid = sqlite3_column_int64(s->bounds, 1);   /* NULL (empty) -> 0 */
        rc = SQLITE_OK;
    }
    sqlite3_reset(s->bounds);
    return rc == SQLITE_OK ? rc : hf_db_scan_fail(s, rc, "reading the rowid range");
}

int hf_db_fp_check(hf_db_scan_t *s, const hf_db_fp *f)
{
    sqlite3_stmt *q = s->read;
    hf_db_fp now;
    int rc;

    hf_db_seek(s, f->rowid);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_int64(q, 0) == f->rowid) {
        now = hf_db_row_fp(q, 1, f->rowid);
        rc = now.t_key == f->t_key && now.rt_key == f->rt_key ? 0 : 2;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        rc = 1;
    } else {
        hf_db_scan_fail(s, rc, "checking the fingerprint rows");
        rc = -rc;
    }
    sqlite3_reset(q);
    return rc;
}

static double hf_db_window_start(double now)
{
    return (double)((hf_db_floor_div(now, HF_DB_HOUR_GRAN) - 719) * HF_DB_HOUR_GRAN);
}

/* Verify the fingerprints (one transaction with the bounds). Sets s->reason. */
static int hf_db_verify(hf_db_scan_t *s)
{
    hf_db_state *st = s->st;
    unsigned keep = 0;
    int rc = hf_db_begin(s);

    if (rc)
        return rc;
    if ((rc = hf_db_max_rowid(s)))
        goto out;
    if (s->max_rowid < st->last_rowid) {
        snprintf(s->reason, sizeof(s->reason), "max(rowid) %lld is below the last row read "
                 "%lld (VACUUM or table recreated)", (long long)s->max_rowid,
                 (long long)st->last_rowid);
        goto out;
    }
    for (unsigned i = 0; i < st->nfp; i++) {
        const hf_db_fp *f = &st->fp[i];
        int r = hf_db_fp_check(s, f);
        if (r < 0) {
            rc = -r;
            goto out;
        }
        if (r == 1 && i > 0 && !(f->t >= hf_db_window_start(s->now)))
            continue;           /* retention removed an old fingerprint row: fine */
        if (r) {
            snprintf(s->reason, sizeof(s->reason), r == 1 ? "row %lld was deleted" :
                     "row %lld changed (rowids renumbered by VACUUM?)", (long long)f->rowid);
            goto out;
        }
        st->fp[keep++] = *f;
    }
    st->nfp = keep;
out:
    hf_db_commit(s);
    return rc;
}

/* First row with rowid >= r whose created_at parses: rowid (0 none) and t. */
static int hf_db_probe_at(hf_db_scan_t *s, int64_t r, int64_t *rid, double *t)
{
    int rc = SQLITE_DONE;

    *rid = 0;
    hf_db_seek(s, r);
    for (int k = 0; k < HF_DB_PROBE_ROWS && (rc = sqlite3_step(s->read)) == SQLITE_ROW; k++) {
        if (hf_db_col_time(s->read, 1, t)) {
            *rid = sqlite3_column_int64(s->read, 0);
            break;
        }
    }
    sqlite3_reset(s->read);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_db_scan_fail(s, rc, "searching the first row of the 30 d window");
    return SQLITE_OK;
}

/* Binary search: the first rowid dated >= cutoff assuming time order.
 * *start = -1 when a probe found no parseable row (no order to rely on). */
static int hf_db_search(hf_db_scan_t *s, double cutoff, int64_t *start)
{
    int64_t lo = s->min_rowid, hi = s->max_rowid + 1, rid;
    double t;
    int rc;

    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = hf_db_probe_at(s, mid, &rid, &t)))
            return rc;
        if (!rid) {
            *start = -1;
            return SQLITE_OK;
        }
        if (t < cutoff)
            lo = rid + 1;
        else
            hi = mid;
    }
    *start = lo;
    return SQLITE_OK;
}

/* Samples across the table: time-ordered within the slack, and nothing
 * before start dated inside the windows. */
static int hf_db_ordered(hf_db_scan_t *s, double cutoff, int64_t start, bool *ok)
{
    double span = (double)(s->max_rowid - s->min_rowid), hi = -INFINITY, t;
    int64_t rid;
    int rc;

    *ok = true;
    for (int i = 0; i < HF_DB_SAMPLES && *ok; i++) {
        int64_t r = s->min_rowid + (int64_t)(span * i / (HF_DB_SAMPLES - 1));
        if ((rc = hf_db_probe_at(s, r, &rid, &t)))
            return rc;
        if (!rid)
            continue;
        if (t < hi - HF_DB_SLACK_S || (rid < start && t >= cutoff + HF_DB_SLACK_S))
            *ok = false;
        hi = t > hi ? t : hi;
    }
    return SQLITE_OK;
}

/* Fingerprint the row just before start so a later renumbering is seen. */
static int hf_db_mark_before(hf_db_scan_t *s, int64_t start)
{
    int rc;

    s->st->last_rowid = start - 1;
    if ((rc = hf_db_prep(s, &s->before, "SELECT rowid, $C, $R FROM $T WHERE rowid < ?1 "
                         "ORDER BY rowid DESC LIMIT 1")))
        return rc;
    sqlite3_bind_int64(s->before, 1, start);
    rc = sqlite3_step(s->before);
    if (rc == SQLITE_ROW) {
        s->last = hf_db_row_fp(s->before, 1, sqlite3_column_int64(s->before, 0));
        s->st->last_rowid = s->last.rowid;
        rc = SQLITE_OK;
    }
    sqlite3_reset(s->before);
    if (rc == SQLITE_OK || rc == SQLITE_DONE)
        return SQLITE_OK;
    return hf_db_scan_fail(s, rc, "reading the row before the window");
}

int hf_db_rebuild(hf_db_scan_t *s)
{
    hf_db_state *st = s->st;
    /* the 30 d edge may step back HF_DB_BACKSTEP_S; rows may be HF_DB_SLACK_S late */
    double cutoff = s->now - 2592000.0 - HF_DB_BACKSTEP_S - HF_DB_SLACK_S;
    int64_t start = 0;
    bool ordered = false;
    int rc;

    hf_strlcpy(s->x->res->rebuilt, s->reason, sizeof(s->x->res->rebuilt));
    hf_db_state_reset(st, s->reason);
    st->valid = true;
    st->ident = hf_db_config_ident(s->x->cfg);
    st->dev = s->x->c.file.dev;
    st->ino = s->x->c.file.ino;
    st->max_now = s->now;
    s->last.rowid = 0;
    hf_db_edges_init(st, s->now, 1);
    if ((rc = hf_db_bounds(s)))
        return rc;
    if (s->max_rowid <= 0)
        return SQLITE_OK;       /* empty table */
    if ((rc = hf_db_search(s, cutoff, &start)))
        return rc;
    if (start >= 0 && (rc = hf_db_ordered(s, cutoff, start, &ordered)))
        return rc;
    if (start < 0 || !ordered)
        start = s->min_rowid;
    if ((rc = hf_db_mark_before(s, start)))
        return rc;
    hf_db_edges_init(st, s->now, st->last_rowid + 1);
    return SQLITE_OK;
}

bool hf_db_is_error(const hf_db_scan_t *s, sqlite3_stmt *q)
{
    switch (sqlite3_column_type(q, 3)) {
    case SQLITE_TEXT:
    case SQLITE_BLOB:
        return (size_t)sqlite3_column_bytes(q, 3) == s->es_len &&
               memcmp(sqlite3_column_blob(q, 3), s->es, s->es_len) == 0;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        return s->es_is_num && sqlite3_column_double(q, 3) == s->es_num;
    default:
        return false;
    }
}

static void hf_db_bad_row(hf_db_scan_t *s, sqlite3_stmt *q, int64_t rowid)
{
    hf_db_state *st = s->st;
    const unsigned char *v = sqlite3_column_text(q, 1);
    size_t k = 0, max = sizeof(st->bad_value) - 2;

    st->skipped++;
    st->bad_rowid = rowid;
    if (!v) {
        hf_strlcpy(st->bad_value, "NULL", sizeof(st->bad_value));
        return;
    }
    st->bad_value[k++] = '\'';
    for (; *v && k < max; v++)
        st->bad_value[k++] = *v >= 0x20 && *v < 0x7f && *v != '\'' ? (char)*v : '?';
    st->bad_value[k++] = '\'';
    st->bad_value[k] = '\0';
}

static bool hf_db_take_row(hf_db_scan_t *s, sqlite3_stmt *q)
{
    hf_db_state *st = s->st;
    int64_t rowid = sqlite3_column_int64(q, 0);
    double t, rt;

    if (!hf_db_col_time(q, 1, &t)) {
        s->last = hf_db_row_fp(q, 1, rowid);
        hf_db_bad_row(s, q, rowid);
    } else {
        rt = hf_db_col_rt(q, 2);
        s->last = (hf_db_fp){rowid, hf_db_bits(t), isnan(rt) ? HF_DB_NULL_KEY : hf_db_bits(rt), t};
        if (!hf_db_stats_row(st, s->now, rowid, t, hf_db_is_error(s, q), rt))
            return false;
    }
    st->last_rowid = rowid;
    return true;
}

/* One short read transaction. *done when the table end was reached. */
static int hf_db_read_txn(hf_db_scan_t *s, bool *done, bool *renumbered)
{
    hf_db_result *res = s->x->res;
    double t0 = hf_mono_now(), limit = t0 + (double)s->x->txn_ms / 1000.0, el;
    unsigned n = 0;
    int rc = hf_db_begin(s), r;

    if (rc)
        return rc;
    if (s->last.rowid && (r = hf_db_fp_check(s, &s->last)) != 0) {
        rc = r < 0 ? -r : SQLITE_OK;
        *renumbered = r > 0;
        goto out;
    }
    if (s->st->last_rowid == INT64_MAX) {
        *done = true;           /* no rowid can follow */
        goto out;
    }
    hf_db_seek(s, s->st->last_rowid + 1);
    while ((rc = sqlite3_step(s->read)) == SQLITE_ROW) {
        if (!hf_db_take_row(s, s->read)) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (++n % HF_DB_TIME_EVERY == 0) {
            double t = hf_mono_now();
            if (t > limit || t > s->read_deadline)
                break;
        }
    }
    *done = rc == SQLITE_DONE;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK
                                               : hf_db_scan_fail(s, rc, "reading new rows");
out:
    sqlite3_reset(s->read);
    hf_db_commit(s);
    el = (hf_mono_now() - t0) * 1000.0;
    res->max_txn_ms = el > res->max_txn_ms ? el : res->max_txn_ms;
    res->txns++;
    res->rows_read += n;
    return rc;
}

/* Remember the span to read while behind (coverage is progress over it). */
static void hf_db_catchup(hf_db_scan_t *s)
{
    hf_db_state *st = s->st;

    if (!st->catchup_to && s->max_rowid > st->last_rowid) {
        st->catchup_from = st->last_rowid;
        st->catchup_to = s->max_rowid;
    }
}

static int hf_db_read(hf_db_scan_t *s)
{
    bool done = false, renumbered = false, rebuilt = false;
    int rc;

    for (;;) {
        rc = hf_db_read_txn(s, &done, &renumbered);
        if (rc)
            return rc;
        if (renumbered && !rebuilt) {
            snprintf(s->reason, sizeof(s->reason), "row %lld changed while reading "
                     "(rowids renumbered)", (long long)s->last.rowid);
            if ((rc = hf_db_rebuild(s)))
                return rc;
            hf_db_catchup(s);
            rebuilt = true;
            renumbered = false;
            continue;
        }
        if (done || renumbered || hf_mono_now() > s->read_deadline)
            break;
    }
    if (renumbered)
        s->st->valid = false;   /* twice in one call: let the next call rebuild */
    if (done)
        s->st->catchup_to = 0;
    return SQLITE_OK;
}

static void hf_db_push_fp(hf_db_scan_t *s)
{
    hf_db_state *st = s->st;

    if (!s->last.rowid || (st->nfp && st->fp[0].rowid == s->last.rowid))
        return;
    memmove(&st->fp[1], &st->fp[0], sizeof(st->fp[0]) * (HF_DB_NFP - 1));
    st->fp[0] = s->last;
    st->nfp = st->nfp < HF_DB_NFP ? st->nfp + 1 : HF_DB_NFP;
}

static void hf_db_start_checks(hf_db_scan_t *s)
{
    hf_db_state *st = s->st;
    const hf_db_ctx *x = s->x;

    if (!st->valid)
        snprintf(s->reason, sizeof(s->reason), "%s", st->why[0] ? st->why : "no saved state");
    else if (st->ident != hf_db_config_ident(x->cfg))
        snprintf(s->reason, sizeof(s->reason), "table, columns or error status changed");
    else if (st->dev != x->c.file.dev || st->ino != x->c.file.ino)
        snprintf(s->reason, sizeof(s->reason), "database file replaced");
    else if (s->now < st->max_now - HF_DB_BACKSTEP_S)
        snprintf(s->reason, sizeof(s->reason), "clock stepped back %.0f s", st->max_now - s->now);
    else if (!st->exact && s->now >= st->retry_at)
        snprintf(s->reason, sizeof(s->reason), "retrying exact windows (%s)", st->inexact);
}

/* pending: windows whose far edge was left behind at the read deadline */
static void hf_db_finish(hf_db_scan_t *s, int pending)
{
    hf_db_state *st = s->st;
    hf_db_result *res = s->x->res;

    hf_db_push_fp(s);
    if (st->catchup_to && st->last_rowid < st->catchup_to && st->catchup_to > st->catchup_from)
        res->coverage = (double)(st->last_rowid - st->catchup_from) /
                        (double)(st->catchup_to - st->catchup_from);
    else {
        st->catchup_to = 0;
        res->coverage = 1.0;
    }
    if (pending && res->coverage > 0.99)
        res->coverage = 0.99;   /* statistics incomplete: an edge is behind */
    hf_db_exc_purge(st, s->now);
    hf_db_stats_windows(st, s->now, res);
    res->stats = true;
    res->skipped = st->skipped;
    if (st->skipped)
        snprintf(res->skipped_example, sizeof(res->skipped_example), "rowid %lld: %s %s",
                 (long long)st->bad_rowid, s->x->time_col, st->bad_value);
}

static hf_db_status hf_db_scan_status(hf_db_scan_t *s)
{
    char what[160];

    snprintf(what, sizeof(what), "%s: %s", s->x->table, s->what ? s->what : "reading");
    return hf_db_from_sqlite(hf_sqlite_fail(&s->x->c, s->rc, s->x->res->err,
                                            sizeof(s->x->res->err), what));
}

/* Verify the state, then move the far edges; rebuild when either finds the
 * state no longer matches the table. */
static int hf_db_catch_state(hf_db_scan_t *s, int *pending)
{
    hf_db_state *st = s->st;
    int rc;

    *pending = 0;
    hf_db_start_checks(s);
    if (!s->reason[0] && (rc = hf_db_verify(s)))
        return rc;
    if (!s->reason[0]) {
        if (st->nfp && st->fp[0].rowid == st->last_rowid)
            s->last = st->fp[0];
        st->max_now = s->now > st->max_now ? s->now : st->max_now;
        if ((rc = hf_db_edges_update(s, pending)))
            return rc;
    }
    if (s->reason[0]) {
        *pending = 0;
        return hf_db_rebuild(s);
    }
    return SQLITE_OK;
}

hf_db_status hf_db_scan(hf_db_ctx *x, hf_db_state *st)
{
    hf_db_scan_t s = {.x = x, .st = st, .es = x->error_status, .now = x->now};
    int pending, rc;

    s.es_len = strlen(s.es);
    s.es_is_num = hf_parse_double(s.es, &s.es_num) == 0;
    s.read_deadline = x->t0 + (x->deadline - x->t0) * 0.8;
    s.read = x->read;
    if ((rc = hf_db_catch_state(&s, &pending)))
        goto fail;
    hf_db_catchup(&s);
    if ((rc = hf_db_read(&s)))
        goto fail;
    hf_db_finish(&s, pending);
    hf_db_finalize_all(&s);
    return HF_DB_OK;
fail:
    if ((s.rc & 0xff) == SQLITE_NOMEM)
        hf_db_state_reset(st, "out of memory");     /* a row may be half counted */
    else
        hf_db_push_fp(&s);
    hf_db_finalize_all(&s);
    return hf_db_scan_status(&s);
}
