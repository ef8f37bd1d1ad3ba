/* Helpers of tests/unit/test_db.c and test_db_io.c: a real SQLite file
 * written by the test (the test is HelixFlow), a probe at a pinned clock, and
 * the brute-force SQL the results are compared with.
 * Included by those files only (static functions). */
#ifndef TEST_DB_HELPERS_H
#define TEST_DB_HELPERS_H

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

#endif
