/* hf_days: one update of the per-day aggregates (design in hf_days.h):
 * open read-only, file facts, the schema, the rowid range (the simple
 * query), the state's checks, then a rebuild, an extension to older days
 * and the new rows. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_days_int.h"
#include "hf_defaults.h"

#define HF_DAYS_DEFAULT_BUDGET_MS 60000
#define HF_DAYS_DEFAULT_BUSY_MS 2000
#define HF_DAYS_DEFAULT_TXN_MS 10
#define HF_DAYS_MAX_TXN_MS 45
#define HF_DAYS_DEFAULT_NEED 60     /* days back when cfg->need_day is 0 */

const char *hf_days_status_name(hf_days_status s)
{
    static const char *const names[] = {"ok", "not found", "locked", "corrupt", "schema",
                                        "timeout", "error"};

    return (unsigned)s < HF_ARRAY_SIZE(names) ? names[s] : "error";
}

/* ---- the state's lifecycle ---- */

hf_days_state *hf_days_state_new(void)
{
    hf_days_state *st = calloc(1, sizeof(*st));

    if (st)
        hf_days_state_reset(st, "no saved state");
    return st;
}

void hf_days_state_free(hf_days_state *st)
{
    if (!st)
        return;
    hf_days_store_free(&st->s);
    free(st);
}

void hf_days_state_reset(hf_days_state *st, const char *why)
{
    uint64_t gen = st->gen + 1;

    hf_days_store_free(&st->s);
    memset(st, 0, sizeof(*st));
    hf_days_store_init(&st->s, HF_DAYS_NONE, INT64_MAX);
    st->from_day = HF_DAYS_NONE;
    hf_strlcpy(st->why, why ? why : "reset", sizeof(st->why));
    st->gen = gen;
}

bool hf_days_state_dirty(const hf_days_state *st)
{
    return !st->clean || st->gen != st->clean_gen;
}

static const char *hf_days_or(const char *v, const char *def)
{
    return v && *v ? v : def;
}

static uint64_t hf_days_ident(const hf_days_config *cfg)
{
    const char *parts[] = {hf_days_or(cfg->table, HF_DEFAULT_DB_TABLE),
                           hf_days_or(cfg->time_col, HF_DEFAULT_DB_TIME_COL),
                           hf_days_or(cfg->rt_col, HF_DEFAULT_DB_RT_COL),
                           hf_days_or(cfg->status_col, HF_DEFAULT_DB_STATUS_COL),
                           hf_days_or(cfg->error_status, HF_DEFAULT_DB_ERROR_STATUS)};
    uint64_t h = HF_HASH_SEED;

    for (size_t i = 0; i < HF_ARRAY_SIZE(parts); i++)
        h = hf_hash64(parts[i], strlen(parts[i]) + 1, h);
    return h;
}

int hf_days_state_name(const hf_days_config *cfg, char *out, size_t n)
{
    const char *base;
    uint64_t h;
    int len;

    if (!cfg || !cfg->path || !*cfg->path)
        return -EINVAL;
    base = strrchr(cfg->path, '/');
    base = base ? base + 1 : cfg->path;
    h = hf_hash64(cfg->path, strlen(cfg->path) + 1, hf_days_ident(cfg));
    len = snprintf(out, n, "report-%.64s-%016llx.state", *base ? base : "db",
                   (unsigned long long)h);
    for (char *p = out; *p; p++)
        if (*p == ' ' || *p == '/')
            *p = '_';
    return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

/* ---- one call ---- */

typedef struct hf_days_call {
    hf_days_ctx x;
    hf_days_conn k;
    hf_days_result *res;
    hf_days_state *st;
    char reason[128];
    bool ext_short;             /* an extension to older days stopped at the budget */
} hf_days_call;

static int hf_days_ctx_init(hf_days_ctx *x, const hf_days_config *cfg)
{
    long budget = cfg->budget_ms > 0 ? cfg->budget_ms : HF_DAYS_DEFAULT_BUDGET_MS;
    int64_t today;

    memset(x, 0, sizeof(*x));
    x->cfg = cfg;
    x->path = cfg->path;
    x->table = hf_days_or(cfg->table, HF_DEFAULT_DB_TABLE);
    x->time_col = hf_days_or(cfg->time_col, HF_DEFAULT_DB_TIME_COL);
    x->rt_col = hf_days_or(cfg->rt_col, HF_DEFAULT_DB_RT_COL);
    x->status_col = hf_days_or(cfg->status_col, HF_DEFAULT_DB_STATUS_COL);
    x->error_status = hf_days_or(cfg->error_status, HF_DEFAULT_DB_ERROR_STATUS);
    x->es_len = strlen(x->error_status);
    x->es_is_num = hf_parse_double(x->error_status, &x->es_num) == 0;
    x->t0 = hf_mono_now();
    x->deadline = x->t0 + (double)budget / 1000.0;
    x->read_deadline = x->t0 + (double)budget / 1000.0 * 0.8;
    x->now = cfg->now > 0 ? cfg->now : hf_real_now();
    x->busy_ms = cfg->busy_ms > 0 ? cfg->busy_ms : HF_DAYS_DEFAULT_BUSY_MS;
    if (x->busy_ms > budget / 2)
        x->busy_ms = budget / 2;
    x->txn_ms = cfg->txn_ms > 0 ? cfg->txn_ms : HF_DAYS_DEFAULT_TXN_MS;
    if (x->txn_ms > HF_DAYS_MAX_TXN_MS)
        x->txn_ms = HF_DAYS_MAX_TXN_MS;
    today = hf_days_floor_day(x->now);
    x->lo_day = today - HF_DAYS_KEEP + 1;
    x->hi_day = today + HF_DAYS_AHEAD;
    if (hf_sqlite_quote_ident(x->table, x->q_table, sizeof(x->q_table)) < 0 ||
        hf_sqlite_quote_ident(x->time_col, x->q_time, sizeof(x->q_time)) < 0 ||
        hf_sqlite_quote_ident(x->rt_col, x->q_rt, sizeof(x->q_rt)) < 0 ||
        hf_sqlite_quote_ident(x->status_col, x->q_status, sizeof(x->q_status)) < 0)
        return -ENAMETOOLONG;
    return 0;
}

static hf_days_status hf_days_fail(hf_days_call *c, int rc, const char *what)
{
    char w[200];
    hf_sqlite_status s;

    snprintf(w, sizeof(w), "%s: %s", c->x.table, what);
    s = hf_sqlite_fail(&c->k.c, rc, c->res->err, sizeof(c->res->err), w);
    return s == HF_SQLITE_LOCKED ? HF_DAYS_LOCKED : s == HF_SQLITE_CORRUPT ? HF_DAYS_CORRUPT :
           s == HF_SQLITE_TIMEOUT ? HF_DAYS_TIMEOUT : HF_DAYS_ERROR;
}

static hf_days_status hf_days_facts(hf_days_call *c)
{
    static const char *const sql[] = {"PRAGMA page_size", "PRAGMA page_count",
                                      "PRAGMA freelist_count"};
    int64_t *out[] = {&c->res->page_size, &c->res->page_count, &c->res->freelist_count};
    hf_sqlite_status s;

    for (size_t i = 0; i < HF_ARRAY_SIZE(sql); i++) {
        s = hf_sqlite_int(&c->k.c, sql[i], out[i], c->res->err, sizeof(c->res->err));
        if (s == HF_SQLITE_CORRUPT) {
            hf_err_set(c->res->err, sizeof(c->res->err), "%s: %s", c->x.path,
                       sqlite3_errmsg(c->k.c.db));
            return HF_DAYS_CORRUPT;
        }
        if (s == HF_SQLITE_LOCKED) {
            hf_err_set(c->res->err, sizeof(c->res->err), "database is locked: %s", c->x.path);
            return HF_DAYS_LOCKED;
        }
        if (s != HF_SQLITE_OK)
            return s == HF_SQLITE_TIMEOUT ? HF_DAYS_TIMEOUT : HF_DAYS_ERROR;
    }
    return HF_DAYS_OK;
}

/* The tracked table is a table (not a view: a view's "rowid" reads NULL). */
static hf_days_status hf_days_table_kind(hf_days_call *c)
{
    sqlite3_stmt *q = NULL;
    int rc, kind = 0;

    rc = sqlite3_prepare_v2(c->k.c.db, "SELECT type, sql FROM sqlite_schema WHERE name = ?1 "
                            "COLLATE NOCASE AND type IN ('table', 'view')", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, c->x.table, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            const char *type = (const char *)sqlite3_column_text(q, 0);
            const char *s = (const char *)sqlite3_column_text(q, 1);
            kind = type && strcmp(type, "view") == 0 ? 2 :
                   s && sqlite3_strnicmp(s, "CREATE VIRTUAL", 14) == 0 ? 3 : 1;
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_days_fail(c, rc, "reading the schema");
    if (kind != 1) {
        hf_err_set(c->res->err, sizeof(c->res->err), kind == 0 ? "database has no table '%s'" :
                   kind == 2 ? "%s is a view, not a table" : "%s is a virtual table", c->x.table);
        return HF_DAYS_SCHEMA;
    }
    return HF_DAYS_OK;
}

/* Why the read statement does not prepare, named. */
static hf_days_status hf_days_schema(hf_days_call *c)
{
    const char *cols[] = {c->x.time_col, c->x.rt_col, c->x.status_col};
    sqlite3_stmt *q = NULL;
    char sql[400];
    int rc;

    for (size_t i = 0; i < HF_ARRAY_SIZE(cols); i++) {
        bool found = false;
        q = NULL;
        rc = sqlite3_prepare_v2(c->k.c.db, "SELECT 1 FROM pragma_table_xinfo(?1) WHERE name = ?2 "
                                "COLLATE NOCASE", -1, &q, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(q, 1, c->x.table, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, cols[i], -1, SQLITE_STATIC);
            found = sqlite3_step(q) == SQLITE_ROW;
        }
        sqlite3_finalize(q);
        if (!found) {
            hf_err_set(c->res->err, sizeof(c->res->err), "%s has no column '%s'", c->x.table,
                       cols[i]);
            return HF_DAYS_SCHEMA;
        }
    }
    snprintf(sql, sizeof(sql), "SELECT rowid FROM %s LIMIT 0", c->x.q_table);
    q = NULL;
    rc = sqlite3_prepare_v2(c->k.c.db, sql, -1, &q, NULL);
    sqlite3_finalize(q);
    hf_err_set(c->res->err, sizeof(c->res->err), rc != SQLITE_OK ?
               "%s has no rowid (WITHOUT ROWID table)" : "%s: the read statement does not prepare",
               c->x.table);
    return HF_DAYS_SCHEMA;
}

/* The simple query: both ends of the rowid b-tree, prepare + step, timed. */
static hf_days_status hf_days_bounds(hf_days_call *c)
{
    char sql[700];
    sqlite3_stmt *q = NULL;
    double t0 = hf_mono_now();
    int rc;

    snprintf(sql, sizeof(sql), "SELECT (SELECT min(rowid) FROM %s), (SELECT max(rowid) FROM %s)",
             c->x.q_table, c->x.q_table);
    rc = sqlite3_prepare_v2(c->k.c.db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        c->res->min_rowid = sqlite3_column_int64(q, 0);   /* NULL (empty) -> 0 */
        c->res->max_rowid = sqlite3_column_int64(q, 1);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK)
        return hf_days_fail(c, rc, "reading the rowid range");
    c->res->query_ms = (hf_mono_now() - t0) * 1000.0;
    c->res->rows_estimate = c->res->max_rowid > 0 ?
                            c->res->max_rowid - c->res->min_rowid + 1 : 0;
    return HF_DAYS_OK;
}

/* Does the state still describe this table? Sets c->reason when not. */
static hf_days_status hf_days_verify(hf_days_call *c)
{
    hf_days_state *st = c->st;
    int r, rc;

    if (!st->valid)
        snprintf(c->reason, sizeof(c->reason), "%s", st->why[0] ? st->why : "no saved state");
    else if (st->ident != hf_days_ident(c->x.cfg))
        snprintf(c->reason, sizeof(c->reason), "table, columns or error status changed");
    else if (st->dev != c->k.c.file.dev || st->ino != c->k.c.file.ino)
        snprintf(c->reason, sizeof(c->reason), "database file replaced");
    else if (c->res->max_rowid < st->last_rowid)
        snprintf(c->reason, sizeof(c->reason), "max(rowid) %lld is below the last row read %lld "
                 "(VACUUM or table recreated)", (long long)c->res->max_rowid,
                 (long long)st->last_rowid);
    if (c->reason[0] || !st->fp.rowid)
        return HF_DAYS_OK;
    if ((rc = hf_days_begin(&c->k)) != SQLITE_OK)
        return hf_days_fail(c, rc, "BEGIN");
    r = hf_days_fp_check(&c->k, &st->fp);
    hf_days_commit(&c->k);
    if (r < 0)
        return hf_days_fail(c, -r, "checking the last row read");
    if (r)
        snprintf(c->reason, sizeof(c->reason), r == 1 ? "row %lld was deleted" :
                 "row %lld changed (rowids renumbered by VACUUM?)", (long long)st->fp.rowid);
    return HF_DAYS_OK;
}

static int64_t hf_days_need(const hf_days_call *c)
{
    int64_t need = c->x.cfg->need_day ? c->x.cfg->need_day :
                   hf_days_floor_day(c->x.now) - HF_DAYS_DEFAULT_NEED;

    return need < c->x.lo_day ? c->x.lo_day : need;
}

/* Forget everything and start at the first row of the days needed. */
static hf_days_status hf_days_rebuild(hf_days_call *c)
{
    hf_days_state *st = c->st;
    int64_t need = hf_days_need(c), start = c->res->min_rowid;
    int rc;

    hf_strlcpy(c->res->rebuilt, c->reason, sizeof(c->res->rebuilt));
    hf_days_state_reset(st, c->reason);
    hf_days_store_init(&st->s, c->x.lo_day, c->x.hi_day);
    st->valid = true;
    st->ident = hf_days_ident(c->x.cfg);
    st->dev = c->k.c.file.dev;
    st->ino = c->k.c.file.ino;
    if (c->res->max_rowid > 0 &&
        (rc = hf_days_search(&c->x, &c->k, c->res->min_rowid, c->res->max_rowid,
                             (double)need * 86400.0 - HF_DAYS_SLACK_S, &start)) != SQLITE_OK)
        return hf_days_fail(c, rc, "searching the first row of the days needed");
    if (start < 1)
        start = 1;
    st->start_rowid = start;
    st->last_rowid = start - 1;
    st->from_start = start <= c->res->min_rowid || c->res->max_rowid == 0;
    st->from_day = st->from_start ? c->x.lo_day : need;
    c->reason[0] = '\0';
    return HF_DAYS_OK;
}

static void hf_days_add_span(hf_days_result *res, const hf_days_span *sp)
{
    res->rows_read += sp->rows;
    res->txns += sp->txns;
    if (sp->threads > res->threads)
        res->threads = sp->threads;
    if (sp->max_txn_ms > res->max_txn_ms)
        res->max_txn_ms = sp->max_txn_ms;
}

/* Older days than the state holds: read the rows before the first one read. */
static hf_days_status hf_days_extend(hf_days_call *c)
{
    hf_days_state *st = c->st;
    int64_t need = hf_days_need(c), start = c->res->min_rowid;
    hf_days_store more;
    hf_days_span sp;
    int rc;

    if (st->from_start || need >= st->from_day)
        return HF_DAYS_OK;
    if (c->res->max_rowid == 0 || st->start_rowid <= c->res->min_rowid) {
        st->from_start = true;
        st->from_day = c->x.lo_day;
        st->gen++;
        return HF_DAYS_OK;
    }
    if ((rc = hf_days_search(&c->x, &c->k, c->res->min_rowid, st->start_rowid - 1,
                             (double)need * 86400.0 - HF_DAYS_SLACK_S, &start)) != SQLITE_OK)
        return hf_days_fail(c, rc, "searching the first row of the older days");
    if (start >= st->start_rowid)
        start = st->start_rowid;
    hf_days_store_init(&more, c->x.lo_day, c->x.hi_day);
    hf_days_read_span(&c->x, &c->k, start, st->start_rowid, c->res->max_rowid, NULL, &more, &sp);
    hf_days_add_span(c->res, &sp);
    if (sp.rc != SQLITE_OK) {
        hf_days_store_free(&more);
        return hf_days_fail(c, sp.rc, sp.what);
    }
    if (sp.done && !sp.changed) {       /* all or nothing: no hole below the rows read */
        hf_days_store_merge(&st->s, &more);
        st->start_rowid = start;
        st->from_start = start <= c->res->min_rowid;
        st->from_day = st->from_start ? c->x.lo_day : need;
        st->gen++;
    } else if (sp.changed) {
        snprintf(c->reason, sizeof(c->reason), "rows changed while reading older days");
    } else {
        c->ext_short = true;            /* the budget ended it: older days not read yet */
    }
    hf_days_store_free(&more);
    return HF_DAYS_OK;
}

/* The rows added since the last call. */
static hf_days_status hf_days_new_rows(hf_days_call *c)
{
    hf_days_state *st = c->st;
    int64_t from = st->last_rowid + 1;
    hf_days_span sp;

    if (st->last_rowid == INT64_MAX)
        return HF_DAYS_OK;
    hf_days_read_span(&c->x, &c->k, from, INT64_MAX, c->res->max_rowid,
                      st->fp.rowid == st->last_rowid ? &st->fp : NULL, &st->s, &sp);
    hf_days_add_span(c->res, &sp);
    if (sp.rows || sp.covered > st->last_rowid)
        st->gen++;
    if (sp.changed) {
        snprintf(c->reason, sizeof(c->reason), "row %lld changed while reading (rowids "
                 "renumbered)", (long long)(sp.last.rowid ? sp.last.rowid : st->fp.rowid));
        return HF_DAYS_OK;
    }
    if (sp.covered > st->last_rowid)
        st->last_rowid = sp.covered;
    if (sp.last.rowid)
        st->fp = sp.last;
    if (sp.rc != SQLITE_OK)
        return hf_days_fail(c, sp.rc, sp.what);
    if (sp.done) {
        c->res->coverage = 1.0;
    } else {
        double got = (double)(st->last_rowid - st->start_rowid + 1);
        double all = (double)(c->res->max_rowid - st->start_rowid + 1);
        c->res->coverage = all > 0 && got / all < 0.99 ? (got > 0 ? got / all : 0) : 0.99;
    }
    return HF_DAYS_OK;
}

static hf_days_status hf_days_run(hf_days_call *c)
{
    hf_days_state *st = c->st;
    hf_days_status s;
    int rc;

    if ((s = hf_days_facts(c)) != HF_DAYS_OK)
        return s;
    if ((s = hf_days_table_kind(c)) != HF_DAYS_OK)
        return s;
    if ((rc = hf_days_conn_prepare(&c->k, &c->x)) != SQLITE_OK)
        return hf_days_schema(c);
    if ((s = hf_days_bounds(c)) != HF_DAYS_OK)
        return s;
    if (st->valid && hf_days_store_clip(&st->s, c->x.lo_day, c->x.hi_day))
        st->gen++;
    if (st->valid && !st->from_start && st->from_day < c->x.lo_day)
        st->from_day = c->x.lo_day;
    if ((s = hf_days_verify(c)) != HF_DAYS_OK)
        return s;
    /* a rebuild, the older days and the new rows; once more from scratch
     * when rows changed under the reader (twice: the next call rebuilds) */
    for (int pass = 0; pass < 2; pass++) {
        if (c->reason[0] && (s = hf_days_rebuild(c)) != HF_DAYS_OK)
            return s;
        if ((s = hf_days_extend(c)) != HF_DAYS_OK)
            return s;
        if (!c->reason[0] && (s = hf_days_new_rows(c)) != HF_DAYS_OK)
            return s;
        if (!c->reason[0])
            break;
    }
    if (c->reason[0])
        hf_days_state_reset(st, c->reason);
    if (c->ext_short && c->res->coverage >= 1.0)
        c->res->coverage = 0.99;
    return HF_DAYS_OK;
}

int hf_days_update(const hf_days_config *cfg, hf_days_state *st, hf_days_result *res)
{
    hf_days_call c;
    hf_days_status s;

    if (!res)
        return -EINVAL;
    memset(res, 0, sizeof(*res));
    res->query_ms = NAN;
    res->oldest = NAN;
    res->file_size = res->wal_size = -1;
    res->from_day = HF_DAYS_NONE;
    if (!cfg || !st || !cfg->path || !*cfg->path) {
        res->status = HF_DAYS_ERROR;
        hf_err_set(res->err, sizeof(res->err), "no database path configured");
        return -EINVAL;
    }
    memset(&c, 0, sizeof(c));
    c.res = res;
    c.st = st;
    if (hf_days_ctx_init(&c.x, cfg) < 0) {
        res->status = HF_DAYS_ERROR;
        hf_err_set(res->err, sizeof(res->err), "table or column name too long");
        return 0;
    }
    hf_sqlite_global_init();
    res->now = c.x.now;
    res->today = hf_days_floor_day(c.x.now);
    s = hf_days_conn_open(&c.k, &c.x, false, res->err, sizeof(res->err));
    res->file_size = c.k.c.file.size;
    res->wal_size = c.k.c.file.wal_size;
    if (s == HF_DAYS_OK)
        s = hf_days_run(&c);
    if (st->s.oom) {
        hf_days_state_reset(st, "out of memory");
        s = HF_DAYS_ERROR;
        hf_err_set(res->err, sizeof(res->err), "out of memory counting %s", c.x.table);
    }
    res->status = s;
    if (st->valid) {
        res->from_day = st->from_start ? c.x.lo_day : st->from_day;
        res->oldest = hf_days_oldest(st);
        res->skipped = st->s.skipped;
        res->older = st->s.older;
        res->ahead = st->s.ahead;
        if (st->s.skipped)
            snprintf(res->skipped_example, sizeof(res->skipped_example), "rowid %lld: %s %s",
                     (long long)st->s.bad_rowid, c.x.time_col, st->s.bad_value);
    }
    if (s != HF_DAYS_OK)
        res->coverage = 0;
    hf_days_conn_close(&c.k);
    res->elapsed_ms = (hf_mono_now() - c.x.t0) * 1000.0;
    return 0;
}
