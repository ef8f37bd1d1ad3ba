/* Unit tests: the database probe (hf_db) against real SQLite files made here,
 * checked against brute-force SQL on the same file; the state file; every bad
 * input (locked, missing, corrupt, schema); the created_at parser. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_db.h"
#include "hf_time.h"

#define NOW 1767225600.0        /* 2026-01-01 00:00:00 UTC, injected */
#define DAY 86400.0

typedef struct tdb {
    char dir[64], path[128];
    sqlite3 *w;                 /* writer connection (the test is HelixFlow) */
    sqlite3_stmt *ins;
    unsigned seed;
} tdb;

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

/* schema: "ipk" (id INTEGER PRIMARY KEY) or "plain" (rowid only) */
static void tdb_open(tdb *t, const char *schema, bool wal)
{
    memset(t, 0, sizeof(*t));
    strcpy(t->dir, "/tmp/hf-test-db-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/helixflow.db", t->dir);
    assert_int_equal(sqlite3_open(t->path, &t->w), SQLITE_OK);
    if (wal)
        exec(t->w, "PRAGMA journal_mode=WAL");
    exec(t->w, strcmp(schema, "ipk") == 0 ?
         "CREATE TABLE inference_requests(id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT,"
         " model TEXT, response_time INTEGER, status TEXT)" :
         "CREATE TABLE inference_requests(created_at TEXT, model TEXT, response_time INTEGER,"
         " status TEXT)");
    assert_int_equal(sqlite3_prepare_v2(t->w, "INSERT INTO inference_requests(created_at, model,"
                     " response_time, status) VALUES (?1, 'helixflow-7b', ?2, ?3)", -1, &t->ins,
                     NULL), SQLITE_OK);
    t->seed = 12345;
}

static unsigned rnd(tdb *t)
{
    t->seed = t->seed * 1103515245u + 12345u;
    return (t->seed >> 8) & 0xffffff;
}

/* Insert one row; when txt is NULL the time is written as YYYY-MM-DD HH:MM:SS. */
static void tdb_row(tdb *t, double ts, const char *txt, long rt, bool err)
{
    char buf[32];

    if (txt)
        sqlite3_bind_text(t->ins, 1, txt, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_text(t->ins, 1, hf_time_format(ts, buf, sizeof(buf)), -1, SQLITE_TRANSIENT);
    rt < 0 ? sqlite3_bind_null(t->ins, 2) : sqlite3_bind_int64(t->ins, 2, rt);
    sqlite3_bind_text(t->ins, 3, err ? "error" : "success", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(t->ins), SQLITE_DONE);
    sqlite3_reset(t->ins);
}

/* n rows evenly over [from, to), random response times (lognormal-ish), ~3% errors */
static void tdb_fill(tdb *t, double from, double to, int n)
{
    exec(t->w, "BEGIN");
    for (int i = 0; i < n; i++) {
        double ts = floor(from + (to - from) * i / n);
        long rt = 20 + (long)(rnd(t) % 300) * (long)(1 + rnd(t) % 8) + (rnd(t) % 50 == 0 ? 9000 : 0);
        tdb_row(t, ts, NULL, rt, rnd(t) % 100 < 3);
    }
    exec(t->w, "COMMIT");
}

static void tdb_close(tdb *t)
{
    sqlite3_finalize(t->ins);
    sqlite3_close(t->w);        /* NULL is a no-op */
    t->ins = NULL;
    t->w = NULL;
}

static void tdb_rm(tdb *t)
{
    char cmd[160];

    tdb_close(t);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static void probe(const tdb *t, hf_db_state *st, double now, hf_db_result *r)
{
    hf_db_config cfg = {.path = t->path, .now = now, .budget_ms = 20000};

    assert_int_equal(hf_db_probe(&cfg, st, r), 0);
    if (r->status != HF_DB_OK)
        fail_msg("probe: %s", r->err);
}

/* created_at as epoch seconds in SQL, whatever its format (ms precision). */
#define TSQL "(CASE typeof(created_at) WHEN 'text' THEN (CASE WHEN created_at GLOB " \
    "'[0-9]*-*' THEN round((julianday(created_at) - 2440587.5) * 86400000.0) / 1000.0 " \
    "ELSE CAST(created_at AS REAL) END) WHEN 'integer' THEN created_at WHEN 'real' THEN " \
    "created_at END)"
#define WHERE " FROM inference_requests WHERE " TSQL " >= ?1 AND " TSQL " <= ?2"

static sqlite3_stmt *q(sqlite3 *db, const char *sql, double a, double b)
{
    sqlite3_stmt *s;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_double(s, 1, a);
    sqlite3_bind_double(s, 2, b);
    return s;
}

/* Every window of r equals brute-force SQL over the same bucket-aligned window. */
static void brute(const tdb *t, const hf_db_result *r)
{
    sqlite3 *db;
    sqlite3_stmt *s;

    assert_int_equal(sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_true(r->stats);
    for (int w = 0; w < HF_DB_NWIN; w++) {
        const hf_db_window *x = &r->win[w];
        double hi = r->now + HF_DB_FUTURE_S;
        uint64_t n, rtn;
        s = q(db, "SELECT count(*), coalesce(sum(status = 'error'), 0), avg(response_time), "
              "count(response_time)" WHERE, x->start, hi);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        n = (uint64_t)sqlite3_column_int64(s, 0);
        rtn = (uint64_t)sqlite3_column_int64(s, 3);
        assert_int_equal(x->count, n);
        assert_int_equal(x->errors, (uint64_t)sqlite3_column_int64(s, 1));
        assert_int_equal(x->rt_count, rtn);
        if (rtn)
            assert_true(fabs(x->avg_ms - sqlite3_column_double(s, 2)) <=
                        1e-12 * sqlite3_column_double(s, 2));
        else
            assert_true(isnan(x->avg_ms));
        sqlite3_finalize(s);
        if (!rtn)
            continue;
        s = q(db, "SELECT response_time" WHERE " AND response_time IS NOT NULL "
              "ORDER BY response_time LIMIT 1 OFFSET ?3", x->start, hi);
        sqlite3_bind_int64(s, 3, (int64_t)ceil(0.95 * (double)rtn) - 1);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        if (fabs(x->p95_ms - sqlite3_column_double(s, 0)) >
            HF_DB_P95_BOUND * sqlite3_column_double(s, 0))
            fail_msg("window %d p95 %g vs exact %g", w, x->p95_ms, sqlite3_column_double(s, 0));
        sqlite3_finalize(s);
    }
    s = q(db, "SELECT CAST(" TSQL " / 86400 AS INTEGER) AS d, count(*) AS c" WHERE
          " GROUP BY d ORDER BY c DESC, d DESC LIMIT 1", r->win[HF_DB_W30D].start,
          r->now + HF_DB_FUTURE_S);
    if (sqlite3_step(s) == SQLITE_ROW) {
        assert_int_equal(r->peak_count, (uint64_t)sqlite3_column_int64(s, 1));
        assert_true(r->peak_day == (double)sqlite3_column_int64(s, 0) * DAY);
    } else {
        assert_true(isnan(r->peak_day));
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* ---- statistics ---- */

static void test_backfill_exact(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 35 * DAY, NOW, 60000);
    probe(&t, st, NOW, &r);
    assert_string_equal(r.rebuilt, "no saved state");
    assert_true(r.coverage == 1.0);
    brute(&t, &r);
    assert_true(r.win[HF_DB_W30D].count > 50000);
    /* the binary search skipped the 5 days before the window */
    assert_true(r.rows_read < 60000 * 31 / 35 + 100);
    assert_true(r.query_ms >= 0);
    assert_int_equal(r.ntables, 1);   /* sqlite_sequence is internal: not listed */
    assert_string_equal(r.tables[0].name, "inference_requests");
    assert_int_equal(r.tables[0].rows, 60000);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_incremental(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "plain", true);
    tdb_fill(&t, NOW - 31 * DAY, NOW, 20000);
    probe(&t, st, NOW, &r);
    brute(&t, &r);
    tdb_fill(&t, NOW, NOW + 1800, 777);
    probe(&t, st, NOW + 1800, &r);
    assert_string_equal(r.rebuilt, "");
    assert_int_equal(r.rows_read, 777);          /* O(rows added) */
    brute(&t, &r);
    probe(&t, st, NOW + 1900, &r);
    assert_int_equal(r.rows_read, 0);
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_retention_delete(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;
    char sql[160], ts[32];

    (void)state;
    tdb_open(&t, "plain", true);
    tdb_fill(&t, NOW - 40 * DAY, NOW, 20000);
    probe(&t, st, NOW, &r);
    snprintf(sql, sizeof(sql), "DELETE FROM inference_requests WHERE created_at < '%s'",
             hf_time_format(NOW + 3600 - 30 * DAY, ts, sizeof(ts)));
    exec(t.w, sql);
    tdb_fill(&t, NOW, NOW + 3600, 100);
    probe(&t, st, NOW + 3600, &r);
    assert_string_equal(r.rebuilt, "");
    assert_int_equal(r.rows_read, 100);
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

/* retention delete + VACUUM renumbers a rowid table: rebuild, still exact */
static void test_vacuum_renumbers(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        tdb_open(&t, "plain", false);
        tdb_fill(&t, NOW - 40 * DAY, NOW, 20000);
        hf_db_state_reset(st, NULL);
        probe(&t, st, NOW, &r);
        exec(t.w, "DELETE FROM inference_requests WHERE rowid <= 5000");
        exec(t.w, "VACUUM");
        if (variant)             /* new rows push max(rowid) past the old last row */
            tdb_fill(&t, NOW, NOW + 600, 7000);
        probe(&t, st, NOW + 600, &r);
        assert_string_equal(r.rebuilt, variant ? "row 20000 changed (rowids renumbered by VACUUM?)"
                            : "max(rowid) 15000 is below the last row read 20000 (VACUUM or "
                            "table recreated)");
        brute(&t, &r);
        tdb_rm(&t);
    }
    /* with INTEGER PRIMARY KEY, VACUUM keeps rowids: no rebuild */
    tdb_open(&t, "ipk", false);
    tdb_fill(&t, NOW - 40 * DAY, NOW, 20000);
    hf_db_state_reset(st, NULL);
    probe(&t, st, NOW, &r);
    exec(t.w, "DELETE FROM inference_requests WHERE id <= 5000");
    exec(t.w, "VACUUM");
    probe(&t, st, NOW + 60, &r);
    assert_string_equal(r.rebuilt, "");
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_clock_steps(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 31 * DAY, NOW, 30000);
    probe(&t, st, NOW, &r);
    tdb_fill(&t, NOW, NOW + 600, 500);
    probe(&t, st, NOW - 1800, &r);               /* 30 min back: absorbed */
    assert_string_equal(r.rebuilt, "");
    brute(&t, &r);
    for (int w = 0; w < HF_DB_NWIN; w++)
        assert_true(r.win[w].error_pct >= 0 && r.win[w].count < 1000000);
    probe(&t, st, NOW + 2 * DAY, &r);            /* forward: buckets age out */
    assert_string_equal(r.rebuilt, "");
    assert_int_equal(r.win[HF_DB_W1H].count, 0);
    assert_int_equal(r.win[HF_DB_W24H].count, 0);
    brute(&t, &r);
    probe(&t, st, NOW, &r);                      /* 2 days back: rebuild */
    assert_string_equal(r.rebuilt, "clock stepped back 172800 s");
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_out_of_order_and_future(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 31 * DAY, NOW - 7200, 5000);
    exec(t.w, "BEGIN");
    for (int i = 0; i < 3000; i++)                 /* +-20 minutes of jitter */
        tdb_row(&t, NOW - 3600 + i - 1200.0 + (double)(rnd(&t) % 2400), NULL,
                (long)(rnd(&t) % 900), i % 17 == 0);
    exec(t.w, "COMMIT");
    tdb_row(&t, NOW + 2 * 3600, NULL, 100, false); /* beyond the future tolerance */
    probe(&t, st, NOW, &r);
    assert_int_equal(r.future, 1);
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_partial_backfill(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_config cfg = {.now = NOW, .budget_ms = 60, .txn_ms = 1};
    hf_db_result r;
    int calls = 0;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 30 * DAY, NOW, 400000);
    cfg.path = t.path;
    do {
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
        assert_int_equal(r.status, HF_DB_OK);
        assert_true(r.coverage > 0 || calls == 0);
        calls++;
    } while (r.coverage < 1 && calls < 100000);
    assert_true(calls > 1);                     /* it did stop and continue */
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_short_transactions(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_config cfg = {.now = NOW, .budget_ms = 20000, .txn_ms = 1};
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 30 * DAY, NOW, 200000);
    cfg.path = t.path;
    assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
    assert_true(r.txns > 1);                    /* many transactions, not one long one */
    assert_true(r.coverage == 1.0);
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_unordered_table_full_scan(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "plain", false);
    exec(t.w, "BEGIN");
    for (int i = 0; i < 20000; i++)                /* random order over 40 days */
        tdb_row(&t, NOW - 40 * DAY + (double)(rnd(&t) % (40 * 86400)), NULL, 100 + i % 500,
                i % 31 == 0);
    exec(t.w, "COMMIT");
    probe(&t, st, NOW, &r);
    assert_int_equal(r.rows_read, 20000);       /* not time-ordered: no skip */
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_formats_and_bad_times(void **state)
{
    static const char *const good[] = {"2025-12-31T12:00:00Z", "2025-12-31T12:00:01.250Z",
                                       "2025-12-31 13:00:00+01:00", "1767180000",
                                       "1767180000.5", "2025-12-31T11:00:00.5"};
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    sqlite3_stmt *s;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 2 * DAY, NOW - DAY, 100);
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        tdb_row(&t, 0, good[i], 100 + (long)i, i == 2);
    assert_int_equal(sqlite3_prepare_v2(t.w, "INSERT INTO inference_requests(created_at, "
                     "response_time, status) VALUES (?1, 500, 'error')", -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_int64(s, 1, (int64_t)NOW - 100);         /* INTEGER epoch */
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_reset(s);
    sqlite3_bind_double(s, 1, NOW - 50.25);               /* REAL epoch */
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    tdb_row(&t, 0, "garbage", 100, false);
    tdb_row(&t, 0, "2025-13-01 00:00:00", 100, false);
    exec(t.w, "INSERT INTO inference_requests(created_at, response_time, status) "
              "VALUES (NULL, 100, 'success')");
    tdb_row(&t, NOW - 10, NULL, -1, true);               /* NULL response_time */
    probe(&t, st, NOW, &r);
    assert_int_equal(r.skipped, 3);
    assert_string_equal(r.skipped_example, "rowid 111: created_at NULL");
    assert_int_equal(r.win[HF_DB_W24H].count, 6 + 2 + 1);
    assert_int_equal(r.win[HF_DB_W24H].rt_count, 6 + 2);
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_empty_table(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", false);
    probe(&t, st, NOW, &r);
    for (int w = 0; w < HF_DB_NWIN; w++)
        assert_true(r.win[w].count == 0 && r.win[w].error_pct == 0 && isnan(r.win[w].avg_ms) &&
                    isnan(r.win[w].p95_ms));
    assert_true(isnan(r.peak_day));
    tdb_fill(&t, NOW - 60, NOW, 10);
    probe(&t, st, NOW, &r);
    assert_int_equal(r.win[HF_DB_W1H].count, 10);
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

/* ---- state file ---- */

static void test_state_roundtrip_and_bad_files(void **state)
{
    hf_db_state *st = hf_db_state_new(), *st2 = hf_db_state_new();
    hf_db_result r, r2;
    char sp[160], err[256], cmd[300];
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 31 * DAY, NOW, 20000);
    snprintf(sp, sizeof(sp), "%s/db.state", t.dir);
    probe(&t, st, NOW, &r);
    assert_int_equal(hf_db_state_save(st, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), 0);
    probe(&t, st2, NOW, &r2);
    assert_string_equal(r2.rebuilt, "");
    assert_int_equal(r2.rows_read, 0);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    /* one flipped byte, another version, truncation, garbage, absence */
    static const char *const damage[][2] = {
        {"printf 'X' | dd of=", " bs=1 seek=2000 conv=notrunc status=none"},
        {"printf '\\002' | dd of=", " bs=1 seek=8 conv=notrunc status=none"},
        {"truncate -s 1000 ", ""}, {"head -c 5000 /dev/urandom > ", ""}, {"rm -f ", ""}};
    static const char *const why[] = {"state file ignored: bad checksum",
        "state file ignored: other version", "state file ignored: bad checksum",
        "state file ignored: not a state file", "no saved state"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(hf_db_state_save(st, sp, err, sizeof(err)), 0);
        snprintf(cmd, sizeof(cmd), "%s%s%s", damage[i][0], sp, damage[i][1]);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), i == 4 ? -ENOENT : -EINVAL);
        probe(&t, st2, NOW, &r2);
        assert_string_equal(r2.rebuilt, why[i]);
        brute(&t, &r2);
    }
    assert_int_equal(hf_db_state_name("/x/opt/helixflow/data/helix flow.db", NULL, sp,
                                      sizeof(sp)), 0);
    assert_int_equal(strncmp(sp, "db-helix_flow.db-", 17), 0);
    assert_int_equal(strlen(sp), 17 + 16 + 6);
    {   /* another error status: the aggregates no longer apply */
        hf_db_config cfg = {.path = t.path, .now = NOW, .error_status = "success"};
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
        assert_string_equal(r.rebuilt, "table, columns or error status changed");
        assert_true(r.win[HF_DB_W24H].error_pct > 90);
    }
    hf_db_state_free(st);
    hf_db_state_free(st2);
    hf_db_state_free(NULL);
    tdb_rm(&t);
}

/* ---- bad inputs ---- */

static void expect_status(const char *path, hf_db_status want, const char *err)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_config cfg = {.path = path, .now = NOW};
    hf_db_result r;

    assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
    assert_int_equal(r.status, want);
    assert_string_equal(r.err, err);
    hf_db_state_free(st);
}

static void test_missing_and_corrupt(void **state)
{
    char p[200], e[300], cmd[300];
    hf_db_config cfg = {.now = NOW, .quick_check = true};
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", false);
    snprintf(p, sizeof(p), "%s/nope.db", t.dir);
    snprintf(e, sizeof(e), "database not found: %s", p);
    expect_status(p, HF_DB_MISSING, e);
    snprintf(p, sizeof(p), "%s/garbage.db", t.dir);
    snprintf(cmd, sizeof(cmd), "head -c 8192 /dev/zero | tr '\\0' 'x' > %s", p);
    assert_int_equal(system(cmd), 0);
    snprintf(e, sizeof(e), "%s: file is not a database", p);
    expect_status(p, HF_DB_CORRUPT, e);
    snprintf(cmd, sizeof(cmd), ": > %s", p);
    assert_int_equal(system(cmd), 0);
    snprintf(e, sizeof(e), "%s: file is not a database (empty file)", p);
    expect_status(p, HF_DB_CORRUPT, e);
    /* a real database with damaged pages: quick_check (or the read) says so */
    tdb_fill(&t, NOW - DAY, NOW, 20000);
    exec(t.w, "CREATE INDEX i ON inference_requests(created_at)");
    tdb_close(&t);
    snprintf(cmd, sizeof(cmd), "dd if=/dev/urandom of=%s bs=4096 seek=5 count=20 conv=notrunc "
             "status=none", t.path);
    assert_int_equal(system(cmd), 0);
    cfg.path = t.path;
    assert_int_equal(hf_db_probe(&cfg, NULL, &r), 0);
    assert_true(r.status == HF_DB_CORRUPT || (r.status == HF_DB_OK && r.check == 1 && !r.check_ok));
    tdb_rm(&t);
}

static void test_schema_errors(void **state)
{
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", false);
    exec(t.w, "ALTER TABLE inference_requests DROP COLUMN response_time");
    expect_status(t.path, HF_DB_SCHEMA, "inference_requests has no column 'response_time'");
    exec(t.w, "DROP TABLE inference_requests");
    expect_status(t.path, HF_DB_SCHEMA, "database has no table 'inference_requests'");
    exec(t.w, "CREATE TABLE inference_requests(created_at TEXT PRIMARY KEY, response_time, "
              "status) WITHOUT ROWID");
    expect_status(t.path, HF_DB_SCHEMA, "inference_requests has no rowid (WITHOUT ROWID table)");
    exec(t.w, "DROP TABLE inference_requests; CREATE VIEW inference_requests AS SELECT 1");
    expect_status(t.path, HF_DB_SCHEMA, "inference_requests is a view, not a table");
    {
        hf_db_config cfg = {.path = ""};
        hf_db_result r;
        assert_int_equal(hf_db_probe(&cfg, NULL, &r), -EINVAL);
        assert_string_equal(r.err, "no database path configured");
        assert_int_equal(hf_db_probe(NULL, NULL, &r), -EINVAL);
    }
    tdb_rm(&t);
}

/* A writer that holds the lock: PRAGMA locking_mode=EXCLUSIVE and a write.
 * before_wal: set before the first WAL access (then no -shm exists). */
static pid_t locker(const char *path, bool before_wal, int *release)
{
    int up[2], down[2];
    pid_t pid;
    char c;

    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db;
        close(up[0]);
        close(down[1]);
        if (sqlite3_open(path, &db) != SQLITE_OK)
            _exit(1);
        if (!before_wal)
            sqlite3_exec(db, "SELECT count(*) FROM inference_requests", NULL, NULL, NULL);
        if (sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE; BEGIN IMMEDIATE; INSERT INTO "
                         "inference_requests(created_at) VALUES ('x'); COMMIT", NULL, NULL,
                         NULL) != SQLITE_OK)
            _exit(2);
        if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) < 0)
            _exit(3);
        sqlite3_close(db);
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    assert_int_equal(read(up[0], &c, 1), 1);
    close(up[0]);
    *release = down[1];
    return pid;
}

static void test_locked(void **state)
{
    hf_db_config cfg = {.now = NOW, .budget_ms = 3000, .busy_ms = 300};
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    int release, status;
    char e[300];
    pid_t pid;
    tdb t;

    (void)state;
    for (int mode = 0; mode < 3; mode++) {   /* WAL+shm, WAL without shm, rollback journal */
        tdb_open(&t, "ipk", mode < 2);
        tdb_fill(&t, NOW - DAY, NOW, 100);
        tdb_close(&t);
        cfg.path = t.path;
        pid = locker(t.path, mode == 1, &release);
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
        assert_int_equal(r.status, HF_DB_LOCKED);
        snprintf(e, sizeof(e), mode == 1 ? "database is locked: %s (a writer holds it in "
                 "exclusive locking mode)" : "database is locked: %s (waited 300 ms)", t.path);
        assert_string_equal(r.err, e);
        assert_true(r.elapsed_ms < 3000);
        close(release);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(status, 0);
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);   /* released: fine again */
        assert_int_equal(r.status, HF_DB_OK);
        tdb_rm(&t);
    }
    /* BEGIN EXCLUSIVE in WAL mode (the test bed's lock-db) does not block readers */
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - DAY, NOW, 100);
    exec(t.w, "BEGIN EXCLUSIVE");
    cfg.path = t.path;
    assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
    assert_int_equal(r.status, HF_DB_OK);
    exec(t.w, "COMMIT");
    tdb_rm(&t);
    hf_db_state_free(st);
}

static char *listing(const char *dir)
{
    char names[4096] = "";
    struct dirent *e;
    DIR *d = opendir(dir);

    assert_non_null(d);
    while ((e = readdir(d)))
        if (strlen(names) + strlen(e->d_name) + 2 < sizeof(names)) {
            strcat(names, e->d_name);
            strcat(names, " ");
        }
    closedir(d);
    return strdup(names);
}

static void test_creates_no_files(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    char *before, *after;
    tdb t;

    (void)state;
    for (int mode = 0; mode < 3; mode++) {   /* rollback db, WAL closed cleanly, WAL in use */
        tdb_open(&t, "ipk", mode > 0);
        tdb_fill(&t, NOW - DAY, NOW, 1000);
        if (mode < 2)
            tdb_close(&t);
        before = listing(t.dir);
        hf_db_state_reset(st, NULL);
        for (int i = 0; i < 2; i++)
            probe(&t, st, NOW, &r);
        assert_int_equal(r.immutable, mode == 1);
        after = listing(t.dir);
        assert_string_equal(before, after);
        free(before);
        free(after);
        brute(&t, &r);
        tdb_rm(&t);
    }
    hf_db_state_free(st);
}

/* ---- created_at parser ---- */

static void test_time_parse(void **state)
{
    static const struct { const char *s; double v; } ok[] = {
        {"1970-01-01 00:00:00", 0}, {"2026-01-01 00:00:00", NOW},
        {"2026-01-01T00:00:00Z", NOW}, {"2026-01-01T01:30:00+01:30", NOW},
        {"2025-12-31T23:00:00-01:00", NOW}, {"2026-01-01 00:00:00.5", NOW + 0.5},
        {"2026-01-01T00:00:00.123456789Z", NOW + 0.123456789}, {"2024-02-29 12:00:00", 1709208000},
        {"2000-02-29 00:00:00", 951782400}, {"9999-12-31 23:59:59", HF_TIME_EPOCH_MAX},
        {"1767225600", NOW}, {"1767225600.25", NOW + 0.25}, {"0", 0}, {"0001-01-01 00:00:00", -62135596800.0},
    };
    static const char *const bad[] = {"", " ", "2026-01-01", "2026-01-01 00:00",
        "2026-01-01 24:00:00", "2026-01-01 00:60:00", "2026-01-01 00:00:60", "2026-13-01 00:00:00",
        "2026-00-10 00:00:00", "2026-02-29 00:00:00", "1900-02-29 00:00:00", "2026-04-31 00:00:00",
        "0000-01-01 00:00:00", "2026-01-01t00:00:00", "2026-01-01T00:00:00z", "2026-01-01 00:00:00 ",
        " 2026-01-01 00:00:00", "2026-01-01 00:00:00.", "2026-01-01 00:00:00.1234567890",
        "2026-01-01 00:00:00+0100", "2026-01-01 00:00:00+24:00", "2026-01-01 00:00:00Z0",
        "2026/01/01 00:00:00", "2026-1-01 00:00:00", "+2026-01-01 00:00:00", "1767225600000", "-1",
        "1e9", "0x10", "12.", ".5", "1767225600.1234567891", "garbage", "2026-01-01 00:00:0a",
        "253402300800"};
    double v;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (hf_time_parse_created_at(ok[i].s, strlen(ok[i].s), &v) != 0)
            fail_msg("rejected '%s'", ok[i].s);
        if (fabs(v - ok[i].v) > 1e-6)
            fail_msg("'%s' -> %.9f, want %.9f", ok[i].s, v, ok[i].v);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 42;
        if (hf_time_parse_created_at(bad[i], strlen(bad[i]), &v) != -EINVAL || v != 42)
            fail_msg("accepted '%s'", bad[i]);
    }
    /* not NUL-terminated: only n bytes are read */
    assert_int_equal(hf_time_parse_created_at("2026-01-01 00:00:00XYZ", 19, &v), 0);
    assert_int_equal(hf_time_parse_created_at(NULL, 0, &v), -EINVAL);
    assert_true(hf_time_epoch_ok(0) && !hf_time_epoch_ok(-1) && !hf_time_epoch_ok(NAN) &&
                !hf_time_epoch_ok(1e13));
}

static void test_time_calendar(void **state)
{
    char buf[32];

    (void)state;
    for (int64_t d = -800000; d < 3000000; d += 997) {
        int64_t y;
        unsigned m, dd;
        hf_time_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(hf_time_days_from_civil(y, m, dd), d);
    }
    assert_string_equal(hf_time_format(NOW - 1, buf, sizeof(buf)), "2025-12-31 23:59:59");
    assert_string_equal(hf_time_format_date(NOW, buf, sizeof(buf)), "2026-01-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backfill_exact),
        cmocka_unit_test(test_incremental),
        cmocka_unit_test(test_retention_delete),
        cmocka_unit_test(test_vacuum_renumbers),
        cmocka_unit_test(test_clock_steps),
        cmocka_unit_test(test_out_of_order_and_future),
        cmocka_unit_test(test_partial_backfill),
        cmocka_unit_test(test_short_transactions),
        cmocka_unit_test(test_unordered_table_full_scan),
        cmocka_unit_test(test_formats_and_bad_times),
        cmocka_unit_test(test_empty_table),
        cmocka_unit_test(test_state_roundtrip_and_bad_files),
        cmocka_unit_test(test_missing_and_corrupt),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_locked),
        cmocka_unit_test(test_creates_no_files),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_calendar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
