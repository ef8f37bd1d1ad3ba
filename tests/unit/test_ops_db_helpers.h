/* Helpers of the maintenance, inspection and day-count unit tests
 * (test_db_maint.c, test_db_inspect.c, test_db_days.c): a real SQLite file
 * in a temporary directory written by the test (the test is HelixFlow),
 * rows in HelixFlow's format or another, and SQLite's own answers to
 * compare with. Static inline: a file uses what it needs. Include after
 * cmocka.h. */
#ifndef TEST_OPS_DB_HELPERS_H
#define TEST_OPS_DB_HELPERS_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_time.h"

#define ODB_NOW 1767225600.0       /* 2026-01-01 00:00:00 UTC, injected */
#define ODB_DAY 86400.0

typedef struct odb {
    char dir[256], path[300], state[300];
    sqlite3 *w;                 /* the writer (HelixFlow) */
    sqlite3_stmt *ins;
} odb;

static inline void odb_exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

/* schema "ipk" (id INTEGER PRIMARY KEY AUTOINCREMENT) or "plain" (rowid
 * only); index: one on created_at, as HelixFlow's. */
static inline void odb_open(odb *t, const char *schema, bool wal, bool index)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";

    memset(t, 0, sizeof(*t));
    snprintf(t->dir, sizeof(t->dir), "%s/hf-test-ops-XXXXXX", tmp);
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/helixflow.db", t->dir);
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    assert_int_equal(sqlite3_open(t->path, &t->w), SQLITE_OK);
    if (wal)
        odb_exec(t->w, "PRAGMA journal_mode=WAL");
    odb_exec(t->w, strcmp(schema, "ipk") == 0
             ? "CREATE TABLE inference_requests(id INTEGER PRIMARY KEY AUTOINCREMENT, created_at, "
               "model TEXT, response_time INTEGER, status TEXT)"
             : "CREATE TABLE inference_requests(created_at, model TEXT, response_time INTEGER, status TEXT)");
    if (index)
        odb_exec(t->w, "CREATE INDEX idx_inference_requests_created_at ON inference_requests(created_at)");
    odb_exec(t->w, "CREATE TABLE users(id INTEGER PRIMARY KEY, name TEXT)");
    odb_exec(t->w, "INSERT INTO users(name) VALUES ('alice'), ('bob')");
    assert_int_equal(sqlite3_prepare_v2(t->w, "INSERT INTO inference_requests(created_at, model, "
                     "response_time, status) VALUES (?1, 'helixflow-7b', 200, 'success')", -1, &t->ins,
                     NULL), SQLITE_OK);
}

/* One row dated ts in HelixFlow's format. */
static inline void odb_row(odb *t, double ts)
{
    char buf[32];

    sqlite3_bind_text(t->ins, 1, hf_time_format(ts, buf, sizeof(buf)), -1, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(t->ins), SQLITE_DONE);
    sqlite3_reset(t->ins);
}

/* One row whose created_at is the SQL literal lit ('2026-...T...Z', 1767225600, NULL, 'junk'). */
static inline void odb_row_sql(odb *t, const char *lit)
{
    char sql[256];

    snprintf(sql, sizeof(sql), "INSERT INTO inference_requests(created_at, model, response_time, status) "
             "VALUES (%s, 'helixflow-7b', 200, 'success')", lit);
    odb_exec(t->w, sql);
}

/* n rows evenly over [from, to), in one transaction. */
static inline void odb_fill(odb *t, double from, double to, int n)
{
    odb_exec(t->w, "BEGIN");
    for (int i = 0; i < n; i++)
        odb_row(t, floor(from + (to - from) * i / n));
    odb_exec(t->w, "COMMIT");
}

static inline int64_t odb_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* PRAGMA integrity_check says "ok". */
static inline void odb_integrity_ok(sqlite3 *db)
{
    sqlite3_stmt *s;

    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "ok");
    sqlite3_finalize(s);
}

/* Rows dated at or before t (HelixFlow's text format; SQLite compares text). */
static inline int64_t odb_count_upto(odb *t, double ts)
{
    char sql[200], buf[32];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM inference_requests WHERE created_at <= '%s'",
             hf_time_format(ts, buf, sizeof(buf)));
    return odb_int(t->w, sql);
}

static inline void odb_close(odb *t)
{
    sqlite3_finalize(t->ins);
    sqlite3_close(t->w);
    t->ins = NULL;
    t->w = NULL;
}

static inline void odb_rm(odb *t)
{
    char cmd[400];

    odb_close(t);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

/* The bytes of a file (malloc'd, *n its length; NULL when absent). */
static inline unsigned char *odb_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long len;

    *n = 0;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    assert_non_null(buf);
    *n = fread(buf, 1, (size_t)len, f);
    fclose(f);
    return buf;
}

#endif
