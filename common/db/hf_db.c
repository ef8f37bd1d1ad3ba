/* hf_db: the database probe (design in hf_db.h). This file: open, file
 * facts, per-table estimates, schema check, simple-query latency, integrity
 * checks; the incremental statistics are in hf_db_scan.c. A call prepares
 * few statements (each costs more than running it): three PRAGMAs, one
 * over sqlite_schema, one for every table's estimate, the reader's
 * statement (which is the column check), SELECT max(rowid), BEGIN/COMMIT. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hf_db_int.h"
#include "hf_defaults.h"

#define HF_DB_DEFAULT_BUDGET_MS 5000
#define HF_DB_DEFAULT_BUSY_MS 2000
#define HF_DB_DEFAULT_TXN_MS 10
#define HF_DB_MAX_TXN_MS 45

const char *hf_db_status_name(hf_db_status s)
{
    static const char *const names[] = {"ok", "not found", "locked", "corrupt", "schema",
                                        "timeout", "error"};

    return (unsigned)s < HF_ARRAY_SIZE(names) ? names[s] : "error";
}

static hf_db_status hf_db_fail(hf_db_ctx *x, int rc, const char *what)
{
    return hf_db_from_sqlite(hf_sqlite_fail(&x->c, rc, x->res->err, sizeof(x->res->err), what));
}

static hf_db_status hf_db_file_facts(hf_db_ctx *x)
{
    static const char *const sql[] = {"PRAGMA page_size", "PRAGMA page_count",
                                      "PRAGMA freelist_count"};
    int64_t *out[] = {&x->res->page_size, &x->res->page_count, &x->res->freelist_count};
    hf_sqlite_status st;

    for (size_t i = 0; i < HF_ARRAY_SIZE(sql); i++) {
        st = hf_sqlite_int(&x->c, sql[i], out[i], x->res->err, sizeof(x->res->err));
        if (st != HF_SQLITE_OK) {
            if (st == HF_SQLITE_CORRUPT)   /* "file is not a database", named by path */
                hf_err_set(x->res->err, sizeof(x->res->err), "%s: %s", x->cfg->path,
                           sqlite3_errmsg(x->c.db));
            else if (st == HF_SQLITE_LOCKED)
                hf_err_set(x->res->err, sizeof(x->res->err), "database is locked: %s",
                           x->cfg->path);
            return hf_db_from_sqlite(st);
        }
    }
    return HF_DB_OK;
}

/* max(rowid)-min(rowid)+1 of one table, -1 when it has no rowid. */
static hf_db_status hf_db_table_rows(hf_db_ctx *x, const char *name, int64_t *rows)
{
    char q[300], sql[700];
    sqlite3_stmt *s = NULL;
    int rc;

    *rows = -1;
    if (hf_sqlite_quote_ident(name, q, sizeof(q)) < 0)
        return HF_DB_OK;
    snprintf(sql, sizeof(sql), "SELECT (SELECT min(rowid) FROM %s), (SELECT max(rowid) FROM %s)",
             q, q);
    if (sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL) != SQLITE_OK)
        return HF_DB_OK;        /* WITHOUT ROWID: no estimate */
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *rows = sqlite3_column_type(s, 1) == SQLITE_NULL ? 0 :
                sqlite3_column_int64(s, 1) - sqlite3_column_int64(s, 0) + 1;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? HF_DB_OK : hf_db_fail(x, rc, "estimating table rows");
}

/* Every estimate in one statement, (SELECT min(rowid) FROM t), (SELECT
 * max(rowid) FROM t) per table; when it does not prepare (a WITHOUT ROWID
 * table among them), one statement per table. */
static hf_db_status hf_db_estimates(hf_db_ctx *x, const bool *virt)
{
    hf_db_result *res = x->res;
    size_t idx[HF_DB_MAX_TABLES], n = 0;
    hf_buf sql = {0};
    sqlite3_stmt *s = NULL;
    hf_db_status st = HF_DB_OK;
    char q[300];
    int rc = SQLITE_ERROR;

    for (size_t i = 0; i < res->ntables; i++) {
        if (virt[i] || hf_sqlite_quote_ident(res->tables[i].name, q, sizeof(q)) < 0)
            continue;           /* never run a virtual table's module */
        hf_buf_printf(&sql, "%s(SELECT min(rowid) FROM %s), (SELECT max(rowid) FROM %s)",
                      n ? ", " : "SELECT ", q, q);
        idx[n++] = i;
    }
    if (!n) {
        hf_buf_free(&sql);
        return HF_DB_OK;
    }
    if (!sql.oom)
        rc = sqlite3_prepare_v2(x->c.db, hf_buf_str(&sql), -1, &s, NULL);
    hf_buf_free(&sql);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        for (size_t k = 0; k < n && st == HF_DB_OK; k++)
            st = hf_db_table_rows(x, res->tables[idx[k]].name, &res->tables[idx[k]].rows);
        return st;
    }
    if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (size_t k = 0; k < n; k++) {
            int c = (int)(2 * k);
            res->tables[idx[k]].rows = sqlite3_column_type(s, c + 1) == SQLITE_NULL ? 0 :
                sqlite3_column_int64(s, c + 1) - sqlite3_column_int64(s, c) + 1;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? HF_DB_OK : hf_db_fail(x, rc, "estimating table rows");
}

/* One pass over sqlite_schema: the tables for the estimates (not
 * sqlite_*, by name, at most HF_DB_MAX_TABLES) and what the tracked table
 * is (*kind 0 none, 1 a table, 2 a view, 3 a virtual table; its name
 * compared as SQLite does, ASCII case-insensitively). */
static hf_db_status hf_db_catalog(hf_db_ctx *x, int *kind)
{
    hf_db_result *res = x->res;
    bool virt[HF_DB_MAX_TABLES] = {false};
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(x->c.db, "SELECT type, name, sql FROM sqlite_schema WHERE type "
                                "IN ('table', 'view') ORDER BY name", -1, &s, NULL);

    *kind = 0;
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        const char *name = (const char *)sqlite3_column_text(s, 1);
        const char *sql = (const char *)sqlite3_column_text(s, 2);
        bool table = type && strcmp(type, "table") == 0;
        bool v = sql && sqlite3_strnicmp(sql, "CREATE VIRTUAL", 14) == 0;
        rc = SQLITE_OK;
        if (!name)
            continue;
        if (!*kind && sqlite3_stricmp(name, x->table) == 0)
            *kind = !table ? 2 : v ? 3 : 1;
        if (!table || x->cfg->no_tables || sqlite3_strnicmp(name, "sqlite_", 7) == 0)
            continue;
        if (res->ntables == HF_DB_MAX_TABLES) {
            res->tables_truncated = true;
            continue;
        }
        virt[res->ntables] = v;
        hf_strlcpy(res->tables[res->ntables].name, name, sizeof(res->tables[0].name));
        res->tables[res->ntables++].rows = -1;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        return hf_db_fail(x, rc, "reading the schema");
    return hf_db_estimates(x, virt);
}

/* Does the table have column name? (case-insensitive, as SQLite; generated
 * columns count, they can be read) */
static hf_db_status hf_db_has_column(hf_db_ctx *x, const char *col, bool *found)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(x->c.db, "SELECT name FROM pragma_table_xinfo(?1)", -1, &s, NULL);

    *found = false;
    if (rc == SQLITE_OK)
        sqlite3_bind_text(s, 1, x->table, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *n = (const char *)sqlite3_column_text(s, 0);
        if (n && sqlite3_stricmp(n, col) == 0) {
            *found = true;
            break;
        }
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_db_fail(x, rc, "reading the table's columns");
    return HF_DB_OK;
}

static bool hf_db_rowid_alias(const char *col)
{
    return sqlite3_stricmp(col, "rowid") == 0 || sqlite3_stricmp(col, "oid") == 0 ||
           sqlite3_stricmp(col, "_rowid_") == 0;
}

/* Why the read statement did not prepare: a missing column, no rowid. */
static hf_db_status hf_db_schema_detail(hf_db_ctx *x, int prep_rc)
{
    const char *cols[] = {x->time_col, x->rt_col, x->status_col};
    char sql[400];
    sqlite3_stmt *s = NULL;
    hf_db_status st;
    bool found;
    int rc;

    for (size_t i = 0; i < HF_ARRAY_SIZE(cols); i++) {
        if ((st = hf_db_has_column(x, cols[i], &found)) != HF_DB_OK)
            return st;
        if (!found) {
            hf_err_set(x->res->err, sizeof(x->res->err), "%s has no column '%s'", x->table,
                       cols[i]);
            return HF_DB_SCHEMA;
        }
    }
    snprintf(sql, sizeof(sql), "SELECT rowid FROM %s LIMIT 0", x->q_table);
    rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL);
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) {
        hf_err_set(x->res->err, sizeof(x->res->err), "%s has no rowid (WITHOUT ROWID table)",
                   x->table);
        return HF_DB_SCHEMA;
    }
    return prep_rc == SQLITE_OK ? HF_DB_OK : hf_db_fail(x, prep_rc, "preparing the read statement");
}

/* The tracked table is a table with the three columns and a rowid: what the
 * read statement needs, so preparing it is the check (identifiers in double
 * quotes never turn into strings: DQS is off, hf_sqlite.h); a configured
 * column named like the rowid, or a statement that does not prepare, gets
 * the column-by-column check that names what is missing. */
static hf_db_status hf_db_schema(hf_db_ctx *x, int kind)
{
    int rc;

    if (kind == 0) {
        hf_err_set(x->res->err, sizeof(x->res->err), "database has no table '%s'", x->table);
        return HF_DB_SCHEMA;
    }
    if (kind > 1) {
        hf_err_set(x->res->err, sizeof(x->res->err), "%s is %s, not a table", x->table,
                   kind == 2 ? "a view" : "a virtual table");
        return HF_DB_SCHEMA;
    }
    rc = hf_db_prepare(x, &x->read, HF_DB_READ_SQL);
    if (rc != SQLITE_OK || hf_db_rowid_alias(x->time_col) || hf_db_rowid_alias(x->rt_col) ||
        hf_db_rowid_alias(x->status_col))
        return hf_db_schema_detail(x, rc);
    return HF_DB_OK;
}

/* SELECT max(rowid): prepare + step. The statement stays for the reader
 * (the table's end, in its first transaction). */
static hf_db_status hf_db_query_latency(hf_db_ctx *x)
{
    double t0 = hf_mono_now();
    int rc = hf_db_prepare(x, &x->maxq, "SELECT max(rowid) FROM $T");

    if (rc == SQLITE_OK)
        rc = sqlite3_step(x->maxq);
    if (x->maxq)
        sqlite3_reset(x->maxq);
    if (rc != SQLITE_ROW)
        return hf_db_fail(x, rc, "simple query");
    x->res->query_ms = (hf_mono_now() - t0) * 1000.0;
    return HF_DB_OK;
}

static hf_db_status hf_db_check(hf_db_ctx *x)
{
    hf_db_result *res = x->res;
    const char *sql = x->cfg->integrity_check ? "PRAGMA integrity_check" : "PRAGMA quick_check";
    sqlite3_stmt *s = NULL;
    unsigned rows = 0;
    int rc = sqlite3_prepare_v2(x->c.db, sql, -1, &s, NULL);

    res->check = x->cfg->integrity_check ? 2 : 1;
    res->check_ok = true;
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(s, 0);
        if (rows++ == 0 && m && strcmp(m, "ok") == 0)
            continue;
        if (res->check_ok)
            hf_strlcpy(res->check_msg, m ? m : "(null)", sizeof(res->check_msg));
        res->check_ok = false;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) {
        res->check_ok = false;
        hf_strlcpy(res->check_msg, sqlite3_errstr(rc), sizeof(res->check_msg));
        return HF_DB_OK;
    }
    if (rc != SQLITE_DONE)
        return hf_db_fail(x, rc, sql + 7);
    return HF_DB_OK;
}

static int hf_db_ctx_init(hf_db_ctx *x, const hf_db_config *cfg, hf_db_result *res)
{
    long budget = cfg->budget_ms > 0 ? cfg->budget_ms : HF_DB_DEFAULT_BUDGET_MS;

    memset(x, 0, sizeof(*x));
    x->cfg = cfg;
    x->res = res;
    x->table = cfg->table ? cfg->table : HF_DEFAULT_DB_TABLE;
    x->time_col = cfg->time_col ? cfg->time_col : HF_DEFAULT_DB_TIME_COL;
    x->rt_col = cfg->rt_col ? cfg->rt_col : HF_DEFAULT_DB_RT_COL;
    x->status_col = cfg->status_col ? cfg->status_col : HF_DEFAULT_DB_STATUS_COL;
    x->error_status = cfg->error_status ? cfg->error_status : HF_DEFAULT_DB_ERROR_STATUS;
    x->t0 = hf_mono_now();
    x->deadline = x->t0 + (double)budget / 1000.0;
    x->now = cfg->now > 0 ? cfg->now : hf_real_now();
    x->txn_ms = cfg->txn_ms > 0 ? cfg->txn_ms : HF_DB_DEFAULT_TXN_MS;
    if (x->txn_ms > HF_DB_MAX_TXN_MS)
        x->txn_ms = HF_DB_MAX_TXN_MS;
    if (hf_sqlite_quote_ident(x->table, x->q_table, sizeof(x->q_table)) < 0 ||
        hf_sqlite_quote_ident(x->time_col, x->q_time, sizeof(x->q_time)) < 0 ||
        hf_sqlite_quote_ident(x->rt_col, x->q_rt, sizeof(x->q_rt)) < 0 ||
        hf_sqlite_quote_ident(x->status_col, x->q_status, sizeof(x->q_status)) < 0)
        return -ENAMETOOLONG;
    return 0;
}

static long hf_db_busy_ms(const hf_db_config *cfg)
{
    long budget = cfg->budget_ms > 0 ? cfg->budget_ms : HF_DB_DEFAULT_BUDGET_MS;
    long busy = cfg->busy_ms > 0 ? cfg->busy_ms : HF_DB_DEFAULT_BUSY_MS;

    return busy > budget / 2 ? budget / 2 : busy;
}

/* Everything after a successful open. */
static hf_db_status hf_db_run(hf_db_ctx *x, hf_db_state *st)
{
    const hf_db_config *cfg = x->cfg;
    hf_db_status s;

    int kind;

    if ((s = hf_db_file_facts(x)) != HF_DB_OK)
        return s;
    if ((s = hf_db_catalog(x, &kind)) != HF_DB_OK)
        return s;
    if ((s = hf_db_schema(x, kind)) != HF_DB_OK)
        return s;
    if ((s = hf_db_query_latency(x)) != HF_DB_OK)
        return s;
    if (st && !cfg->no_stats && (s = hf_db_scan(x, st)) != HF_DB_OK)
        return s;
    if (cfg->quick_check || cfg->integrity_check)
        return hf_db_check(x);
    return HF_DB_OK;
}

int hf_db_probe(const hf_db_config *cfg, hf_db_state *st, hf_db_result *res)
{
    hf_db_ctx x;
    hf_sqlite_status os;

    if (!res)
        return -EINVAL;
    memset(res, 0, sizeof(*res));
    res->query_ms = NAN;
    res->peak_day = NAN;
    res->file_size = res->wal_size = -1;
    if (!cfg || !cfg->path || !*cfg->path) {
        res->status = HF_DB_ERROR;
        hf_err_set(res->err, sizeof(res->err), "no database path configured");
        return -EINVAL;
    }
    if (hf_db_ctx_init(&x, cfg, res) < 0) {
        res->status = HF_DB_ERROR;
        hf_err_set(res->err, sizeof(res->err), "table or column name too long");
        return 0;
    }
    res->now = x.now;
    os = hf_sqlite_open_ro(&x.c, cfg->path, hf_db_busy_ms(cfg), x.deadline, res->err,
                           sizeof(res->err));
    res->file_size = x.c.file.size;
    res->wal_size = x.c.file.wal_size;
    res->immutable = x.c.file.immutable;
    res->status = os == HF_SQLITE_OK ? hf_db_run(&x, st) : hf_db_from_sqlite(os);
    if (os == HF_SQLITE_OK && res->status == HF_DB_LOCKED)
        hf_err_set(res->err, sizeof(res->err), "database is locked: %s (waited %ld ms)",
                   cfg->path, hf_db_busy_ms(cfg));
    hf_db_ctx_finalize(&x);
    hf_sqlite_close(&x.c);
    res->elapsed_ms = (hf_mono_now() - x.t0) * 1000.0;
    return 0;
}
