/* hf_db_days: rows per UTC day without a scan (design in hf_db_days.h). */
#include "hf_db_days.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hf_db_int.h"
#include "hf_defaults.h"
#include "hf_sqlite.h"
#include "hf_time.h"

#define DD_SAMPLES 32
#define DD_PROBE_ROWS 8

typedef struct dd_ctx {
    const hf_db_days_config *cfg;
    hf_db_days_result *res;
    hf_sqlite c;
    const char *table, *time_col;
    char q_table[300], q_time[300];
    sqlite3_stmt *probe;
    int64_t min_rowid, max_rowid;
} dd_ctx;

static hf_db_status dd_fail(dd_ctx *x, int rc, const char *what)
{
    hf_db_days_result *r = x->res;
    char err[HF_ERR_MAX];
    hf_sqlite_status st = hf_sqlite_fail(&x->c, rc, err, sizeof(err), what);

    hf_err_set(r->err, sizeof(r->err), "%s: %s", x->cfg->path, err);
    if (st == HF_SQLITE_ERROR && x->c.db && strstr(sqlite3_errmsg(x->c.db), "no such"))
        return HF_DB_SCHEMA;
    return hf_db_from_sqlite(st);
}

static hf_db_status dd_int(dd_ctx *x, const char *sql, int64_t *out, bool *null)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL);

    if (null)
        *null = true;
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (null)
            *null = sqlite3_column_type(s, 0) == SQLITE_NULL;
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK || rc == SQLITE_DONE ? HF_DB_OK : dd_fail(x, rc, sql);
}

/* File facts, the rowid span. */
static hf_db_status dd_facts(dd_ctx *x)
{
    hf_db_days_result *r = x->res;
    char sql[700];
    bool empty;
    hf_db_status st;

    if ((st = dd_int(x, "PRAGMA page_size", &r->page_size, NULL)) ||
        (st = dd_int(x, "PRAGMA page_count", &r->page_count, NULL)) ||
        (st = dd_int(x, "PRAGMA freelist_count", &r->freelist_count, NULL)))
        return st;
    snprintf(sql, sizeof(sql), "SELECT min(rowid) FROM %s", x->q_table);
    if ((st = dd_int(x, sql, &x->min_rowid, &empty)))
        return st;
    snprintf(sql, sizeof(sql), "SELECT max(rowid) FROM %s", x->q_table);
    if ((st = dd_int(x, sql, &x->max_rowid, NULL)))
        return st;
    r->rows = empty ? 0 : x->max_rowid - x->min_rowid + 1;
    return HF_DB_OK;
}

/* The first row at or after rowid r whose created_at reads: *rid (0 none), *t. */
static hf_db_status dd_probe(dd_ctx *x, int64_t r, int64_t *rid, double *t)
{
    int rc = SQLITE_DONE;

    *rid = 0;
    x->res->probes++;
    sqlite3_reset(x->probe);
    sqlite3_bind_int64(x->probe, 1, r);
    for (int k = 0; k < DD_PROBE_ROWS && (rc = sqlite3_step(x->probe)) == SQLITE_ROW; k++)
        if (hf_db_col_time(x->probe, 1, t)) {
            *rid = sqlite3_column_int64(x->probe, 0);
            break;
        }
    sqlite3_reset(x->probe);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HF_DB_OK : dd_fail(x, rc, "reading a row");
}

/* Rows sampled across the table ascend within the slack. */
static hf_db_status dd_ordered(dd_ctx *x, bool *ok)
{
    double span = (double)(x->max_rowid - x->min_rowid), hi = -INFINITY, t = 0;
    int64_t rid;
    hf_db_status st;

    *ok = true;
    for (int i = 0; i < DD_SAMPLES && *ok; i++) {
        if ((st = dd_probe(x, x->min_rowid + (int64_t)(span * i / (DD_SAMPLES - 1)), &rid, &t)))
            return st;
        if (!rid)
            continue;
        if (t < hi - HF_DB_SLACK_S)
            *ok = false;
        hi = fmax(hi, t);
    }
    return HF_DB_OK;
}

/* The first rowid in [lo, hi] whose created_at is >= b (time order). */
static hf_db_status dd_first(dd_ctx *x, double b, int64_t lo, int64_t hi, int64_t *out)
{
    int64_t rid;
    double t = 0;
    hf_db_status st;

    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if ((st = dd_probe(x, mid, &rid, &t)))
            return st;
        if (rid && t < b)
            lo = rid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return HF_DB_OK;
}

static hf_db_status dd_by_rowid(dd_ctx *x)
{
    hf_db_days_result *r = x->res;
    int64_t prev = 0, lo = x->min_rowid, end = x->max_rowid + 1, at;
    hf_db_status st;

    r->method = "rowid";
    for (int d = 0; d <= r->ndays; d++) {
        if (d == r->ndays)
            at = end;           /* today: up to the last row */
        else if ((st = dd_first(x, r->day0 + 86400.0 * d, lo, end, &at)))
            return st;
        if (d > 0)
            r->count[d - 1] = at - prev;
        prev = lo = at;
    }
    return HF_DB_OK;
}

/* An index whose first column is the time column. */
static hf_db_status dd_has_index(dd_ctx *x, bool *found)
{
    static const char sql[] =
        "SELECT 1 FROM pragma_index_list(?1) AS l WHERE EXISTS (SELECT 1 FROM "
        "pragma_index_info(l.name) AS i WHERE i.seqno = 0 AND i.name = ?2 COLLATE NOCASE)";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL);

    *found = false;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, x->table, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, x->time_col, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        *found = rc == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? HF_DB_OK : dd_fail(x, rc, "listing the indexes");
}

static hf_db_status dd_by_index(dd_ctx *x)
{
    hf_db_days_result *r = x->res;
    char sql[1500], a[24], b[24];
    sqlite3_stmt *s = NULL;
    int rc;

    r->method = "index";
    /* the oldest text date, from the index's first entry (not the first row) */
    snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE %s >= '' ORDER BY %s LIMIT 1", x->q_time,
             x->q_table, x->q_time, x->q_time);
    if ((rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL)) == SQLITE_OK &&
        (rc = sqlite3_step(s)) == SQLITE_ROW && !hf_db_col_time(s, 0, &r->oldest))
        r->oldest = NAN;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return dd_fail(x, rc, "reading the oldest date");
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s >= ?1 AND %s < ?2", x->q_table,
             x->q_time, x->q_time);
    if ((rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL)) != SQLITE_OK)
        return dd_fail(x, rc, "preparing the day counts");
    for (int d = 0; d < r->ndays && rc == SQLITE_OK; d++) {
        hf_time_format(r->day0 + 86400.0 * d, a, sizeof(a));
        hf_time_format(r->day0 + 86400.0 * (d + 1), b, sizeof(b));
        sqlite3_bind_text(s, 1, a, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, b, -1, SQLITE_TRANSIENT);
        r->probes++;
        if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            r->count[d] = sqlite3_column_int64(s, 0);
            rc = SQLITE_OK;
        }
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? HF_DB_OK : dd_fail(x, rc, "counting a day");
}

static hf_db_status dd_count(dd_ctx *x)
{
    hf_db_days_result *r = x->res;
    char sql[800];
    int64_t rid;
    bool ordered, indexed;
    hf_db_status st;
    int rc;

    snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM %s WHERE rowid >= ?1 ORDER BY rowid", x->q_time,
             x->q_table);
    if ((rc = sqlite3_prepare_v3(x->c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, &x->probe, NULL)))
        return dd_fail(x, rc, "reading the time column");
    if ((st = dd_probe(x, x->min_rowid, &rid, &r->oldest)))
        return st;
    if (!rid)
        r->oldest = NAN;
    if (r->rows == 0)
        return HF_DB_OK;
    if ((st = dd_ordered(x, &ordered)))
        return st;
    if (ordered)
        return dd_by_rowid(x);
    if ((st = dd_has_index(x, &indexed)))
        return st;
    if (indexed)
        return dd_by_index(x);
    hf_err_set(r->err, sizeof(r->err), "%s: %s is not in time order and no index starts with %s: "
               "daily counts would need a full scan (not run)", x->cfg->path, x->table, x->time_col);
    return HF_DB_SCHEMA;
}

static int dd_init(dd_ctx *x, const hf_db_days_config *cfg, hf_db_days_result *r)
{
    int days = cfg->days ? cfg->days : 30;

    memset(x, 0, sizeof(*x));
    x->cfg = cfg;
    x->res = r;
    x->table = cfg->table ? cfg->table : HF_DEFAULT_DB_TABLE;
    x->time_col = cfg->time_col ? cfg->time_col : HF_DEFAULT_DB_TIME_COL;
    r->now = cfg->now > 0 ? cfg->now : hf_real_now();
    r->ndays = days + 1;
    r->day0 = floor(r->now / 86400.0) * 86400.0 - 86400.0 * days;
    if (hf_sqlite_quote_ident(x->table, x->q_table, sizeof(x->q_table)) < 0 ||
        hf_sqlite_quote_ident(x->time_col, x->q_time, sizeof(x->q_time)) < 0) {
        r->status = HF_DB_ERROR;
        hf_err_set(r->err, sizeof(r->err), "table or column name too long");
        return -EINVAL;
    }
    return 0;
}

int hf_db_days(const hf_db_days_config *cfg, hf_db_days_result *res)
{
    double t0 = hf_mono_now();
    long budget;
    char err[HF_ERR_MAX];
    hf_sqlite_status ost;
    dd_ctx x;

    if (!res)
        return -EINVAL;
    memset(res, 0, sizeof(*res));
    res->method = "";
    res->oldest = NAN;
    res->file_size = res->wal_size = -1;
    if (!cfg || !cfg->path || cfg->days < 0 || cfg->days >= HF_DB_DAYS_MAX) {
        res->status = HF_DB_ERROR;
        hf_err_set(res->err, sizeof(res->err), cfg && cfg->path ? "days: %d is not from 1 to %d"
                   : "no database file given", cfg ? cfg->days : 0, HF_DB_DAYS_MAX - 1);
        return -EINVAL;
    }
    if (dd_init(&x, cfg, res) < 0)
        return 0;
    budget = cfg->budget_ms > 0 ? cfg->budget_ms : 5000;
    hf_sqlite_global_init();
    ost = hf_sqlite_open_ro(&x.c, cfg->path, cfg->busy_ms > 0 ? cfg->busy_ms : 2000,
                            t0 + (double)budget / 1000.0, err, sizeof(err));
    res->file_size = x.c.file.size;
    res->wal_size = x.c.file.wal_size;
    if (ost != HF_SQLITE_OK) {
        res->status = hf_db_from_sqlite(ost);
        hf_strlcpy(res->err, err, sizeof(res->err));
    } else if ((res->status = dd_facts(&x)) == HF_DB_OK) {
        res->status = dd_count(&x);
    }
    sqlite3_finalize(x.probe);
    hf_sqlite_close(&x.c);
    res->elapsed_ms = (hf_mono_now() - t0) * 1000.0;
    return 0;
}
