/* hf_db_inspect: integrity and table sizes, read-only (design in hf_db_inspect.h). */
#include "hf_db_inspect.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_sqlite.h"
#include "hf_units.h"

#define DI_TIMEOUT_MS 600000
#define DI_BUSY_MS 2000
#define DI_MAX_TREES 4096

/* dbstat: per b-tree pages, bytes, unused bytes and leaf cells (a table's rows). */
static const char di_dbstat_sql[] =
    "SELECT s.name, coalesce(m.tbl_name, s.name), coalesce(m.type, 'table'), count(*), "
    "sum(s.pgsize), sum(s.unused), sum(CASE WHEN s.pagetype = 'leaf' THEN s.ncell ELSE 0 END) "
    "FROM dbstat AS s LEFT JOIN sqlite_schema AS m ON m.name = s.name "
    "GROUP BY s.name ORDER BY sum(s.pgsize) DESC, s.name";

/* Without dbstat: the tables (not virtual ones: never run a module). */
static const char di_tables_sql[] =
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
    "AND coalesce(sql, '') NOT LIKE 'CREATE VIRTUAL%' ORDER BY name";

typedef struct di_ctx {
    const hf_db_inspect_config *cfg;
    hf_db_inspect_result *res;
    hf_sqlite c;
    long timeout_ms;
} di_ctx;

static void di_step_deadline(di_ctx *x)
{
    x->c.deadline = hf_mono_now() + (double)x->timeout_ms / 1000.0;
}

static hf_db_status di_fail(di_ctx *x, int rc, const char *what)
{
    hf_db_inspect_result *r = x->res;
    hf_sqlite_status st = hf_sqlite_classify(rc);
    const char *msg = x->c.db && sqlite3_errcode(x->c.db) == rc ? sqlite3_errmsg(x->c.db) : sqlite3_errstr(rc);

    if (st == HF_SQLITE_TIMEOUT)
        hf_err_set(r->err, sizeof(r->err), "%s: %s: not finished within %ld ms", r->path, what,
                   x->timeout_ms);
    else if (st == HF_SQLITE_LOCKED)
        hf_err_set(r->err, sizeof(r->err), "%s: %s: database is locked", r->path, what);
    else
        hf_err_set(r->err, sizeof(r->err), "%s: %s: %s", r->path, what, msg);
    switch (st) {
    case HF_SQLITE_LOCKED: return HF_DB_LOCKED;
    case HF_SQLITE_CORRUPT: return HF_DB_CORRUPT;
    case HF_SQLITE_TIMEOUT: return HF_DB_TIMEOUT;
    default: return HF_DB_ERROR;
    }
}

static hf_db_status di_int(di_ctx *x, const char *sql, int64_t *out)
{
    char err[HF_ERR_MAX];
    hf_sqlite_status st = hf_sqlite_int(&x->c, sql, out, err, sizeof(err));

    if (st == HF_SQLITE_OK)
        return HF_DB_OK;
    return di_fail(x, sqlite3_errcode(x->c.db), sql);
}

static hf_db_status di_facts(di_ctx *x)
{
    hf_db_inspect_result *r = x->res;
    hf_db_status st;

    di_step_deadline(x);
    if ((st = di_int(x, "PRAGMA page_size", &r->page_size)) ||
        (st = di_int(x, "PRAGMA page_count", &r->page_count)) ||
        (st = di_int(x, "PRAGMA freelist_count", &r->freelist_count)))
        return st;
    return HF_DB_OK;
}

static void di_problem(hf_db_inspect_result *r, const char *m)
{
    if (r->nproblems == HF_DB_INSPECT_MAX_PROBLEMS) {
        r->more_problems = true;
        return;
    }
    hf_strlcpy(r->problems[r->nproblems++], m ? m : "(null)", HF_ERR_MAX);
}

/* SQLite puts several problems in one row, a line each. */
static void di_problems(hf_db_inspect_result *r, const char *m)
{
    char line[HF_ERR_MAX];

    if (!m) {
        di_problem(r, "(null)");
        return;
    }
    while (*m) {
        size_t len = strcspn(m, "\n");
        if (len)
            di_problem(r, (snprintf(line, sizeof(line), "%.*s", (int)len, m), line));
        m += len + (m[len] == '\n');
    }
}

static hf_db_status di_check(di_ctx *x)
{
    hf_db_inspect_result *r = x->res;
    const char *sql = x->cfg->quick ? "PRAGMA quick_check" : "PRAGMA integrity_check";
    double t0 = hf_mono_now();
    sqlite3_stmt *s = NULL;
    unsigned rows = 0;
    int rc;

    di_step_deadline(x);
    r->check = x->cfg->quick ? 1 : 2;
    r->check_ok = true;
    rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(s, 0);
        rc = SQLITE_OK;
        if (rows++ == 0 && m && strcmp(m, "ok") == 0)
            continue;
        r->check_ok = false;
        di_problems(r, m);
    }
    sqlite3_finalize(s);
    r->check_ms = (hf_mono_now() - t0) * 1000.0;
    if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB) {
        r->check_ok = false;
        di_problem(r, sqlite3_errstr(rc));
        return HF_DB_OK;            /* a verdict: not ok */
    }
    return rc == SQLITE_DONE ? HF_DB_OK : di_fail(x, rc, sql + 7);
}

static hf_db_btree *di_tree(hf_db_inspect_result *r, size_t *cap)
{
    if (r->ntrees == DI_MAX_TREES || hf_array_reserve(&r->trees, cap, r->ntrees, sizeof(*r->trees), 16) < 0)
        return NULL;
    memset(&r->trees[r->ntrees], 0, sizeof(*r->trees));
    return &r->trees[r->ntrees++];
}

static void di_text(char *out, size_t n, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    hf_strlcpy(out, t ? (const char *)t : "", n);
}

static hf_db_status di_dbstat(di_ctx *x, sqlite3_stmt *s)
{
    hf_db_inspect_result *r = x->res;
    size_t cap = 0;
    int rc;

    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        hf_db_btree *t = di_tree(r, &cap);
        if (!t)
            break;
        di_text(t->name, sizeof(t->name), s, 0);
        di_text(t->table, sizeof(t->table), s, 1);
        t->is_index = strcmp((const char *)sqlite3_column_text(s, 2), "index") == 0;
        t->pages = sqlite3_column_int64(s, 3);
        t->bytes = sqlite3_column_int64(s, 4);
        t->unused = sqlite3_column_int64(s, 5);
        t->rows = t->is_index ? -1 : sqlite3_column_int64(s, 6);
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return di_fail(x, rc, "reading the table sizes (dbstat)");
    r->dbstat = true;
    return HF_DB_OK;
}

/* max(rowid) - min(rowid) + 1 of a table; -1 when it has no rowid. */
static int64_t di_estimate(di_ctx *x, const char *name)
{
    char q[300], sql[700];
    sqlite3_stmt *s = NULL;
    int64_t rows = -1;

    if (hf_sqlite_quote_ident(name, q, sizeof(q)) < 0)
        return -1;
    snprintf(sql, sizeof(sql), "SELECT min(rowid), max(rowid) FROM %s", q);
    if (sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        rows = sqlite3_column_type(s, 1) == SQLITE_NULL ? 0 :
               sqlite3_column_int64(s, 1) - sqlite3_column_int64(s, 0) + 1;
    sqlite3_finalize(s);
    return rows;
}

static hf_db_status di_estimates(di_ctx *x)
{
    hf_db_inspect_result *r = x->res;
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    int rc = sqlite3_prepare_v2(x->c.db, di_tables_sql, -1, &s, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        hf_db_btree *t = di_tree(r, &cap);
        if (!t)
            break;
        di_text(t->name, sizeof(t->name), s, 0);
        hf_strlcpy(t->table, t->name, sizeof(t->table));
        t->pages = t->bytes = t->unused = -1;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW && rc != SQLITE_OK)
        return di_fail(x, rc, "listing the tables");
    for (size_t i = 0; i < r->ntrees; i++)
        r->trees[i].rows = di_estimate(x, r->trees[i].name);
    return HF_DB_OK;
}

static hf_db_status di_sizes(di_ctx *x)
{
    hf_db_inspect_result *r = x->res;
    double t0 = hf_mono_now();
    sqlite3_stmt *s = NULL;
    hf_db_status st;
    int rc;

    di_step_deadline(x);
    rc = sqlite3_prepare_v2(x->c.db, di_dbstat_sql, -1, &s, NULL);
    if (rc == SQLITE_OK)
        st = di_dbstat(x, s);
    else if (strstr(sqlite3_errmsg(x->c.db), "no such table"))
        st = di_estimates(x);       /* built without SQLITE_ENABLE_DBSTAT_VTAB */
    else
        st = di_fail(x, rc, "reading the table sizes (dbstat)");
    sqlite3_finalize(s);
    r->sizes = st == HF_DB_OK;
    r->sizes_ms = (hf_mono_now() - t0) * 1000.0;
    return st;
}

static hf_db_status di_run(di_ctx *x)
{
    hf_db_inspect_result *r = x->res;
    char err[HF_ERR_MAX];
    hf_sqlite_status ost;
    hf_db_status st;

    ost = hf_sqlite_open_ro(&x->c, x->cfg->path, x->cfg->busy_ms > 0 ? x->cfg->busy_ms : DI_BUSY_MS,
                            hf_mono_now() + (double)x->timeout_ms / 1000.0, err, sizeof(err));
    r->file_size = x->c.file.size;
    r->wal_size = x->c.file.wal_size;
    r->wal_mode = x->c.file.wal_mode;
    r->immutable = x->c.file.immutable;
    if (ost != HF_SQLITE_OK) {
        hf_strlcpy(r->err, err, sizeof(r->err));
        if (ost == HF_SQLITE_CORRUPT) {
            r->check = x->cfg->no_check ? 0 : x->cfg->quick ? 1 : 2;
            di_problem(r, err);
        }
        return ost == HF_SQLITE_MISSING ? HF_DB_MISSING : ost == HF_SQLITE_LOCKED ? HF_DB_LOCKED
               : ost == HF_SQLITE_CORRUPT ? HF_DB_CORRUPT : HF_DB_ERROR;
    }
    r->blocks_writers = !r->wal_mode && !r->immutable;
    if ((st = di_facts(x)))
        return st;
    if (!x->cfg->no_check && (st = di_check(x)))
        return st;
    if (!x->cfg->no_sizes && (!r->check || r->check_ok) && (st = di_sizes(x)))
        return st;
    return HF_DB_OK;
}

int hf_db_inspect(const hf_db_inspect_config *cfg, hf_db_inspect_result *res)
{
    di_ctx x = {.cfg = cfg, .res = res};

    if (!res)
        return -EINVAL;
    memset(res, 0, sizeof(*res));
    res->file_size = res->wal_size = -1;
    if (!cfg || !cfg->path) {
        res->status = HF_DB_ERROR;
        hf_err_set(res->err, sizeof(res->err), "no database file given");
        return -EINVAL;
    }
    hf_strlcpy(res->path, cfg->path, sizeof(res->path));
    x.timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DI_TIMEOUT_MS;
    hf_sqlite_global_init();
    res->status = di_run(&x);
    hf_sqlite_close(&x.c);
    return 0;
}

void hf_db_inspect_free(hf_db_inspect_result *res)
{
    if (!res)
        return;
    free(res->trees);
    res->trees = NULL;
    res->ntrees = 0;
}

hf_state hf_db_inspect_state(const hf_db_inspect_result *r)
{
    switch (r->status) {
    case HF_DB_OK:
        return r->check && !r->check_ok ? HF_CRITICAL : HF_OK;
    case HF_DB_MISSING:
    case HF_DB_CORRUPT:
        return HF_CRITICAL;
    default:
        return HF_UNKNOWN;
    }
}

static void di_describe_check(const hf_db_inspect_result *r, hf_buf *out)
{
    const char *what = r->check == 1 ? "quick_check" : "integrity_check";
    char ms[24];

    if (!r->check)
        return;
    if (r->check_ok) {
        hf_buf_printf(out, "%s: ok (%s)\n", what, hf_units_ms(r->check_ms, ms, sizeof(ms)));
        return;
    }
    hf_buf_printf(out, "%s: FAILED, %u problem%s%s:\n", what, r->nproblems, r->nproblems == 1 ? "" : "s",
                  r->more_problems ? " (more not shown)" : "");
    for (unsigned i = 0; i < r->nproblems; i++)
        hf_buf_printf(out, "  %s\n", r->problems[i]);
}

static void di_describe_trees(const hf_db_inspect_result *r, hf_buf *out)
{
    double file = (double)(r->page_count * r->page_size);
    char b[32], ms[24];

    hf_buf_printf(out, "table sizes (%s, %s):\n", r->dbstat ? "dbstat: every page read"
                  : "no dbstat in this SQLite: rows estimated from rowids", hf_units_ms(r->sizes_ms, ms, sizeof(ms)));
    hf_buf_printf(out, "  %-40s %-5s %10s %10s %6s %12s\n", "name", "kind", "pages", "bytes", "share", "rows");
    for (size_t i = 0; i < r->ntrees; i++) {
        const hf_db_btree *t = &r->trees[i];
        hf_buf_printf(out, "  %-40s %-5s ", t->name, t->is_index ? "index" : "table");
        if (t->pages >= 0)
            hf_buf_printf(out, "%10" PRId64 " %10s %5.1f%% ", t->pages, hf_units_bytes((double)t->bytes, b, sizeof(b)),
                          file > 0 ? 100.0 * (double)t->bytes / file : 0.0);
        else
            hf_buf_printf(out, "%10s %10s %6s ", "-", "-", "-");
        if (t->rows >= 0)
            hf_buf_printf(out, "%12" PRId64 "%s\n", t->rows, r->dbstat ? "" : " (at most)");
        else
            hf_buf_printf(out, "%12s\n", "-");
    }
}

void hf_db_inspect_describe(const hf_db_inspect_result *r, hf_buf *out)
{
    char a[32], b[32], c[32];

    if (r->file_size >= 0) {
        hf_buf_printf(out, "%s: %s", r->path, hf_units_bytes((double)r->file_size, a, sizeof(a)));
        if (r->wal_size > 0)
            hf_buf_printf(out, " + WAL %s", hf_units_bytes((double)r->wal_size, b, sizeof(b)));
        if (r->page_count > 0)
            hf_buf_printf(out, ", %s", r->wal_mode ? r->immutable ? "WAL mode, closed cleanly (read "
                          "immutable)" : "WAL mode" : "rollback journal");
        hf_buf_printf(out, "\n");
    }
    if (r->page_count > 0)
        hf_buf_printf(out, "pages: %" PRId64 " of %" PRId64 " B, %" PRId64 " free (%s)\n", r->page_count,
                      r->page_size, r->freelist_count,
                      hf_units_bytes((double)(r->freelist_count * r->page_size), c, sizeof(c)));
    if (r->blocks_writers && (r->check || r->sizes))
        hf_buf_printf(out, "note: a rollback-journal database: writers could not commit while it "
                      "was read; check a backup instead when that matters\n");
    di_describe_check(r, out);
    if (r->status != HF_DB_OK && !(r->nproblems && strcmp(r->problems[0], r->err) == 0))
        hf_buf_printf(out, "%s\n", r->err);
    if (r->sizes)
        di_describe_trees(r, out);
    else if (r->check && !r->check_ok)
        hf_buf_printf(out, "table sizes not read: the file is damaged\n");
}
