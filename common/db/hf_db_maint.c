/* hf_db_maint: the online maintenance of HelixFlow's database: the one
 * writer (design in hf_db_maint.h). The lock, the free-space check and the
 * description are in hf_db_maint_aux.c. */
#include "hf_db_maint.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hf_db_int.h"
#include "hf_db_maint_int.h"
#include "hf_time.h"

#define MT_PROBE_ROWS 8             /* rows a bisection probe reads at most */

static void mt_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    if (ms > 0)
        nanosleep(&ts, NULL);
}

static double mt_ms_since(double t0)
{
    return (hf_mono_now() - t0) * 1000.0;
}

/* Record an SQLite failure: status from the code, err "<db>: <what>: <message>". */
static int mt_fail(hf_db_maint_ctx *x, int rc, const char *what)
{
    hf_db_maint_result *res = x->res;
    const char *msg = x->db && sqlite3_errcode(x->db) == rc ? sqlite3_errmsg(x->db) : sqlite3_errstr(rc);

    if (res->status != HF_DB_MAINT_OK)
        return -EIO;                /* the first failure is the one reported */
    switch (hf_sqlite_classify(rc)) {
    case HF_SQLITE_LOCKED:
        res->status = HF_DB_MAINT_LOCKED;
        hf_err_set(res->err, sizeof(res->err), "%s: %s: database is locked (waited %ld ms); "
                   "what was done is kept", x->cfg->path, what, x->busy_ms);
        return -EBUSY;
    case HF_SQLITE_CORRUPT:
        res->status = HF_DB_MAINT_CORRUPT;
        break;
    default:
        res->status = strstr(msg, "no such") ? HF_DB_MAINT_SCHEMA : HF_DB_MAINT_ERROR;
        break;
    }
    hf_err_set(res->err, sizeof(res->err), "%s: %s: %s", x->cfg->path, what, msg);
    return -EIO;
}

static int mt_exec(hf_db_maint_ctx *x, const char *sql, const char *what)
{
    int rc = sqlite3_exec(x->db, sql, NULL, NULL, NULL);

    return rc == SQLITE_OK ? 0 : mt_fail(x, rc, what);
}

static int mt_int(hf_db_maint_ctx *x, const char *sql, int64_t *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(x->db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? 0 : mt_fail(x, rc, sql);
}

/* Page facts and file sizes: before (after false) or after the run. */
static int mt_facts(hf_db_maint_ctx *x, bool after)
{
    hf_db_maint_result *r = x->res;
    int64_t pages = 0, freel = 0;
    int rc;

    if ((rc = mt_int(x, "PRAGMA page_size", &r->page_size)) ||
        (rc = mt_int(x, "PRAGMA page_count", &pages)) ||
        (rc = mt_int(x, "PRAGMA freelist_count", &freel)))
        return rc;
    *(after ? &r->pages_after : &r->pages_before) = pages;
    *(after ? &r->free_after : &r->free_before) = freel;
    hf_db_maint_sizes(x->cfg->path, after ? &r->size_after : &r->size_before,
                      after ? &r->wal_after : &r->wal_before);
    return 0;
}

static void mt_db_config(sqlite3 *db)
{
    int dummy;

    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &dummy);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &dummy);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DML, 0, &dummy);
    sqlite3_db_config(db, SQLITE_DBCONFIG_DQS_DDL, 0, &dummy);
}

/* Open read-write (never creating) or, for a dry run, read-only. */
static int mt_open(hf_db_maint_ctx *x)
{
    hf_db_maint_result *r = x->res;
    char err[HF_ERR_MAX];
    hf_sqlite_status st;
    int rc;

    if (x->cfg->dry_run) {
        st = hf_sqlite_open_ro(&x->ro, x->cfg->path, x->busy_ms, hf_mono_now() + 1e9, err, sizeof(err));
        if (st != HF_SQLITE_OK) {
            r->status = st == HF_SQLITE_MISSING ? HF_DB_MAINT_MISSING : st == HF_SQLITE_LOCKED
                        ? HF_DB_MAINT_LOCKED : st == HF_SQLITE_CORRUPT ? HF_DB_MAINT_CORRUPT
                        : HF_DB_MAINT_ERROR;
            hf_strlcpy(r->err, err, sizeof(r->err));
            return -EIO;
        }
        x->db = x->ro.db;
        r->wal_mode = x->ro.file.wal_mode;
        return 0;
    }
    rc = sqlite3_open_v2(x->cfg->path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        return mt_fail(x, rc, "opening read-write");
    sqlite3_busy_timeout(x->db, (int)x->busy_ms);
    mt_db_config(x->db);
    sqlite3_extended_result_codes(x->db, 1);
    return 0;
}

static void mt_close(hf_db_maint_ctx *x)
{
    sqlite3_finalize(x->read);
    sqlite3_finalize(x->del);
    x->read = x->del = NULL;
    if (x->cfg->dry_run)
        hf_sqlite_close(&x->ro);
    else if (x->db)
        sqlite3_close(x->db);
    x->db = NULL;
}

static int mt_journal(hf_db_maint_ctx *x)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(x->db, "PRAGMA journal_mode", -1, &s, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(s, 0);
        x->res->wal_mode = m && strcmp(m, "wal") == 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? 0 : mt_fail(x, rc, "reading the journal mode");
}

static int mt_prepare(hf_db_maint_ctx *x)
{
    char sql[800], what[700];
    int rc;

    snprintf(what, sizeof(what), "reading %s.%s", x->table, x->time_col);
    snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM %s WHERE rowid > ?1 ORDER BY rowid",
             x->q_time, x->q_table);
    if ((rc = sqlite3_prepare_v3(x->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &x->read, NULL)))
        return mt_fail(x, rc, what);
    if (x->cfg->dry_run)
        return 0;
    snprintf(what, sizeof(what), "preparing the delete from %s", x->table);
    snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE rowid = ?1", x->q_table);
    if ((rc = sqlite3_prepare_v3(x->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &x->del, NULL)))
        return mt_fail(x, rc, what);
    return 0;
}

/* The first row after rowid `after` whose created_at reads: rowid (0 none) and t. */
static int mt_probe(hf_db_maint_ctx *x, int64_t after, int64_t *rid, double *t)
{
    int rc = SQLITE_DONE;

    *rid = 0;
    sqlite3_reset(x->read);
    sqlite3_bind_int64(x->read, 1, after);
    for (int k = 0; k < MT_PROBE_ROWS && (rc = sqlite3_step(x->read)) == SQLITE_ROW; k++)
        if (hf_db_col_time(x->read, 1, t)) {
            *rid = sqlite3_column_int64(x->read, 0);
            break;
        }
    sqlite3_reset(x->read);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mt_fail(x, rc, "estimating the rows to remove");
}

static int mt_max_rowid(hf_db_maint_ctx *x, int64_t *max)
{
    char sql[400];
    sqlite3_stmt *s = NULL;
    int rc;

    snprintf(sql, sizeof(sql), "SELECT max(rowid) FROM %s", x->q_table);
    if ((rc = sqlite3_prepare_v2(x->db, sql, -1, &s, NULL)) == SQLITE_OK &&
        (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *max = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? 0 : mt_fail(x, rc, "estimating the rows to remove");
}

/* The table's first row and, by bisection (time order assumed), the first
 * rowid dated after the cutoff: the walk's expected end (for the fraction). */
static int mt_estimate(hf_db_maint_ctx *x)
{
    int64_t lo, hi = 0, rid;
    double t;
    int rc;

    if ((rc = mt_probe(x, INT64_MIN, &x->first_rowid, &t)))
        return rc;
    x->end_rowid = x->first_rowid;
    if (!x->first_rowid || t > x->res->cutoff)
        return 0;
    if ((rc = mt_max_rowid(x, &hi)))
        return rc;
    lo = x->first_rowid;
    hi = hi < INT64_MAX ? hi + 1 : hi;
    while (lo < hi) {               /* the first rowid in [lo, hi) dated after the cutoff */
        int64_t mid = lo + (hi - lo) / 2;
        if ((rc = mt_probe(x, mid - 1, &rid, &t)))
            return rc;
        if (rid && t <= x->res->cutoff)
            lo = rid + 1;
        else
            hi = mid;
    }
    x->end_rowid = lo;
    return 0;
}

static double mt_fraction(const hf_db_maint_ctx *x, int64_t at)
{
    double span = (double)x->end_rowid - (double)x->first_rowid;

    if (x->res->walk_done)
        return 1;
    if (!(span > 0))
        return NAN;
    return fmin(1, fmax(0, ((double)at - (double)x->first_rowid) / span));
}

static int mt_report(hf_db_maint_ctx *x, const char *phase, int64_t at)
{
    hf_db_maint_progress p = {
        .phase = phase, .deleted = x->res->deleted, .scanned = x->res->scanned, .rowid = at,
        .fraction = mt_fraction(x, at), .elapsed_s = hf_mono_now() - x->t0,
    };

    return x->cfg->progress ? x->cfg->progress(&p, x->cfg->progress_arg) : 0;
}

/* One row read by the walk: old (to delete), kept, or the end. */
static void mt_row(hf_db_maint_ctx *x, int64_t rid, bool *old, bool *end)
{
    hf_db_maint_result *r = x->res;
    double t;
    bool fresh = rid > x->counted_upto;     /* a row read again after a cut batch counts once */

    *old = *end = false;
    if (fresh) {
        r->scanned++;
        x->counted_upto = rid;
    }
    if (!hf_db_col_time(x->read, 1, &t)) {
        if (!fresh)
            return;
        const unsigned char *v = sqlite3_column_text(x->read, 1);
        r->unparsed++;
        snprintf(r->unparsed_example, sizeof(r->unparsed_example), "rowid %lld: %s '%.40s'",
                 (long long)rid, x->time_col, v ? (const char *)v : "NULL");
        return;
    }
    if (t <= r->cutoff) {
        *old = true;
        return;
    }
    if (isnan(r->oldest_kept) || t < r->oldest_kept)
        r->oldest_kept = t;
    *end = t > r->cutoff + HF_DB_SLACK_S;
}

/* Read one batch after *cursor: the old rowids into x->ids. */
static int mt_read_batch(hf_db_maint_ctx *x, double t0, int64_t *last, size_t *nids)
{
    double half = (double)x->txn_ms / 2;
    bool old, end;
    int rc = SQLITE_OK;

    *nids = 0;
    sqlite3_reset(x->read);
    sqlite3_bind_int64(x->read, 1, *last);
    for (long k = 0; k < x->batch_cur; k++) {
        if ((rc = sqlite3_step(x->read)) != SQLITE_ROW) {
            if (rc == SQLITE_DONE)
                x->res->walk_done = true;
            break;
        }
        int64_t rid = sqlite3_column_int64(x->read, 0);
        mt_row(x, rid, &old, &end);
        *last = rid;
        if (old)
            x->ids[(*nids)++] = rid;
        if (end) {
            x->res->walk_done = true;
            break;
        }
        if ((k & 31) == 31 && mt_ms_since(t0) > half)
            break;
    }
    sqlite3_reset(x->read);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : mt_fail(x, rc, "reading the rows to remove");
}

/* Delete x->ids[0..n) until the transaction's time is up; *last becomes
 * the rowid up to which the walk is done. */
static int mt_delete_batch(hf_db_maint_ctx *x, double t0, int64_t *last, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc;
        if (i > 0 && (i & 15) == 0 && mt_ms_since(t0) > (double)x->txn_ms) {
            *last = x->ids[i] - 1;  /* the rest is read again by the next batch */
            x->res->walk_done = false;
            break;
        }
        sqlite3_bind_int64(x->del, 1, x->ids[i]);
        rc = sqlite3_step(x->del);
        sqlite3_reset(x->del);
        if (rc != SQLITE_DONE)
            return mt_fail(x, rc, "deleting old rows");
        x->res->deleted++;
    }
    return 0;
}

static void mt_adapt(hf_db_maint_ctx *x, double ms)
{
    if (ms > (double)x->txn_ms && x->batch_cur > 16)
        x->batch_cur /= 2;
    else if (ms < (double)x->txn_ms / 4 && x->batch_cur < x->batch)
        x->batch_cur = x->batch_cur * 2 > x->batch ? x->batch : x->batch_cur * 2;
}

/* One transaction of the walk. */
static int mt_batch(hf_db_maint_ctx *x, int64_t *cursor)
{
    hf_db_maint_result *r = x->res;
    double t0 = hf_mono_now(), ms;
    int64_t last = *cursor;
    uint64_t deleted = r->deleted;
    size_t n = 0;
    int rc;

    if ((rc = mt_exec(x, x->cfg->dry_run ? "BEGIN" : "BEGIN IMMEDIATE", "starting a transaction")))
        return rc;
    if ((rc = mt_read_batch(x, t0, &last, &n)) == 0) {
        if (x->cfg->dry_run)
            r->deleted += n;
        else
            rc = mt_delete_batch(x, t0, &last, n);
    }
    if (rc == 0)
        rc = mt_exec(x, "COMMIT", "committing a batch");
    if (rc) {
        sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
        r->deleted = deleted;       /* rolled back: none of this batch's deletes stand */
        return rc;
    }
    ms = mt_ms_since(t0);
    r->txns++;
    r->max_txn_ms = fmax(r->max_txn_ms, ms);
    mt_adapt(x, ms);
    if (last == *cursor)
        r->walk_done = true;        /* nothing after the cursor */
    *cursor = last;
    return 0;
}

static int mt_walk(hf_db_maint_ctx *x)
{
    int64_t cursor = INT64_MIN;
    int rc;

    if ((rc = mt_estimate(x)))
        return rc;
    while (!x->res->walk_done) {
        uint64_t before = x->res->deleted;
        if ((x->cfg->max_seconds > 0 && hf_mono_now() - x->t0 >= x->cfg->max_seconds) ||
            mt_report(x, "delete", cursor == INT64_MIN ? x->first_rowid : cursor) != 0) {
            x->res->stopped = true;
            return 0;
        }
        if ((rc = mt_batch(x, &cursor)))
            return rc;
        if (!x->res->walk_done && !x->cfg->dry_run && x->res->deleted > before)
            mt_sleep_ms(x->pause_ms);
    }
    mt_report(x, "delete", cursor);
    return 0;
}

static void mt_optimize(hf_db_maint_ctx *x)
{
    double t0 = hf_mono_now();

    mt_report(x, "optimize", 0);
    if (mt_exec(x, "PRAGMA analysis_limit=1000", "PRAGMA analysis_limit") == 0 &&
        mt_exec(x, "PRAGMA optimize", "PRAGMA optimize") == 0)
        x->res->optimized = true;
    x->res->optimize_ms = mt_ms_since(t0);
}

static int mt_vacuum(hf_db_maint_ctx *x)
{
    hf_db_maint_result *r = x->res;
    double t0;
    int rc;

    if ((rc = mt_facts(x, true)))
        return rc;
    if (hf_db_maint_space(x->cfg->path, (r->pages_after - r->free_after) * r->page_size,
                          r->vacuum_skipped, sizeof(r->vacuum_skipped)) < 0)
        return 0;
    mt_report(x, "vacuum", 0);
    t0 = hf_mono_now();
    if ((rc = mt_exec(x, "VACUUM", "VACUUM")))
        return rc;
    r->vacuumed = true;
    r->vacuum_ms = mt_ms_since(t0);
    return 0;
}

static void mt_checkpoint(hf_db_maint_ctx *x)
{
    sqlite3_stmt *s = NULL;
    const char *sql = x->res->vacuumed ? "PRAGMA wal_checkpoint(TRUNCATE)" : "PRAGMA wal_checkpoint(PASSIVE)";

    mt_report(x, "checkpoint", 0);
    if (sqlite3_prepare_v2(x->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        x->res->checkpointed = sqlite3_column_int(s, 0) == 0 &&
                               sqlite3_column_int(s, 1) == sqlite3_column_int(s, 2);
    sqlite3_finalize(s);
}

static int mt_steps(hf_db_maint_ctx *x)
{
    hf_db_maint_result *r = x->res;
    int rc;

    if ((rc = mt_open(x)) || (rc = mt_journal(x)) || (rc = mt_facts(x, false)) || (rc = mt_prepare(x)))
        return rc;
    if ((rc = mt_walk(x)) || r->stopped || x->cfg->dry_run)
        return rc;
    if (!x->cfg->no_optimize)
        mt_optimize(x);
    if (x->cfg->vacuum && (rc = mt_vacuum(x)))
        return rc;
    if (r->wal_mode)
        mt_checkpoint(x);
    return 0;
}

static int mt_init(hf_db_maint_ctx *x, const hf_db_maint_config *cfg, hf_db_maint_result *res)
{
    memset(res, 0, sizeof(*res));
    memset(x, 0, sizeof(*x));
    res->size_before = res->wal_before = res->size_after = res->wal_after = -1;
    res->oldest_kept = NAN;
    x->cfg = cfg;
    x->res = res;
    x->t0 = hf_mono_now();
    x->counted_upto = INT64_MIN;
    x->table = cfg->table ? cfg->table : HF_DB_MAINT_DEFAULT_TABLE;
    x->time_col = cfg->time_col ? cfg->time_col : HF_DB_MAINT_DEFAULT_TIME_COL;
    x->batch = cfg->batch > 0 ? cfg->batch : HF_DB_MAINT_BATCH;
    x->batch_cur = x->batch;
    x->txn_ms = cfg->txn_ms > 0 ? cfg->txn_ms : HF_DB_MAINT_TXN_MS;
    x->txn_ms = x->txn_ms > HF_DB_MAINT_TXN_MAX_MS ? HF_DB_MAINT_TXN_MAX_MS : x->txn_ms;
    x->pause_ms = cfg->pause_ms == 0 ? HF_DB_MAINT_PAUSE_MS : cfg->pause_ms;
    x->busy_ms = cfg->busy_ms > 0 ? cfg->busy_ms : HF_DB_MAINT_BUSY_MS;
    res->dry_run = cfg->dry_run;
    res->now = cfg->now > 0 ? cfg->now : hf_real_now();
    res->cutoff = res->now - 86400.0 * (cfg->retention_days > 0 ? cfg->retention_days
                                                                 : HF_DB_MAINT_RETENTION_DAYS);
    if (hf_sqlite_quote_ident(x->table, x->q_table, sizeof(x->q_table)) < 0 ||
        hf_sqlite_quote_ident(x->time_col, x->q_time, sizeof(x->q_time)) < 0) {
        res->status = HF_DB_MAINT_ERROR;
        hf_err_set(res->err, sizeof(res->err), "table or column name too long");
        return -EINVAL;
    }
    if (!(x->ids = calloc((size_t)x->batch, sizeof(*x->ids)))) {
        res->status = HF_DB_MAINT_ERROR;
        hf_err_set(res->err, sizeof(res->err), "out of memory for a batch of %ld rows", x->batch);
        return -ENOMEM;
    }
    return 0;
}

int hf_db_maint_run(const hf_db_maint_config *cfg, hf_db_maint_result *res)
{
    hf_db_maint_ctx x;
    int lock;

    if (!cfg || !res || !cfg->path || !cfg->state_dir) {
        if (res) {
            memset(res, 0, sizeof(*res));
            res->status = HF_DB_MAINT_ERROR;
            hf_err_set(res->err, sizeof(res->err), "no database or state directory given");
        }
        return -EINVAL;
    }
    if (mt_init(&x, cfg, res) < 0) {
        free(x.ids);
        return 0;
    }
    if ((lock = hf_db_maint_lock(cfg->path, cfg->state_dir, res)) >= 0) {
        mt_steps(&x);
        if (x.db && res->status != HF_DB_MAINT_CORRUPT)
            mt_facts(&x, true);
        mt_close(&x);
        close(lock);
    }
    if (res->size_after >= 0 && res->size_before >= 0)
        res->reclaimed = res->size_before + (res->wal_before > 0 ? res->wal_before : 0) -
                         res->size_after - (res->wal_after > 0 ? res->wal_after : 0);
    res->elapsed_ms = mt_ms_since(x.t0);
    free(x.ids);
    return 0;
}
