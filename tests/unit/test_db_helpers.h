/* Helpers of tests/unit/test_db.c and test_db_io.c: a real SQLite file
 * written by the test (the test is HelixFlow), a probe at a pinned clock, and
 * the reference: SQLite's own COUNT/SUM/AVG (and the exact nearest-rank p95)
 * over the same rows, the window defined in hf_db.h:
 *     now - W < created_at <= now + HF_DB_FUTURE_S
 * with created_at converted to epoch seconds whatever its format (by SQLite:
 * julianday() for text dates, the number for epochs).
 * Included by those files only (static functions). */
#ifndef TEST_DB_HELPERS_H
#define TEST_DB_HELPERS_H

#define NOW 1767225600.0        /* 2026-01-01 00:00:00 UTC, injected */
#define DAY 86400.0

static const double win_s[HF_DB_NWIN] = {3600, 86400, 604800, 2592000};

/* created_at as epoch seconds in SQL, whatever its format (ms precision). */
#define TSQL "(CASE typeof(created_at) WHEN 'text' THEN (CASE WHEN created_at GLOB " \
    "'[0-9]*-*' THEN round((julianday(created_at) - 2440587.5) * 86400000.0) / 1000.0 " \
    "ELSE CAST(created_at AS REAL) END) WHEN 'integer' THEN created_at WHEN 'real' THEN " \
    "created_at END)"
/* The reference reads t_epoch: that conversion, done by SQLite as a generated
 * column with an index, so a query reads only its window's rows. VACUUM keeps
 * the rowids of such a table, so the schema "plain" (rowid only, renumbered
 * by VACUUM) has no t_epoch and the reference evaluates TSQL itself. */
#define T_EPOCH ", t_epoch REAL GENERATED ALWAYS AS " TSQL " VIRTUAL"

typedef struct tdb {
    char dir[64], path[128];
    const char *tcol;           /* "t_epoch" or TSQL */
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

/* schema: "ipk" (id INTEGER PRIMARY KEY), "plain" (rowid only) or "plain_t"
 * (rowid only, with t_epoch) */
static void tdb_open(tdb *t, const char *schema, bool wal)
{
    bool ipk = strcmp(schema, "ipk") == 0, te = strcmp(schema, "plain") != 0;

    memset(t, 0, sizeof(*t));
    strcpy(t->dir, "/tmp/hf-test-db-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/helixflow.db", t->dir);
    assert_int_equal(sqlite3_open(t->path, &t->w), SQLITE_OK);
    if (wal)
        exec(t->w, "PRAGMA journal_mode=WAL");
    exec(t->w, ipk ?
         "CREATE TABLE inference_requests(id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT,"
         " model TEXT, response_time INTEGER, status TEXT" T_EPOCH ")" : te ?
         "CREATE TABLE inference_requests(created_at TEXT, model TEXT, response_time INTEGER,"
         " status TEXT" T_EPOCH ")" :
         "CREATE TABLE inference_requests(created_at TEXT, model TEXT, response_time INTEGER,"
         " status TEXT)");
    if (te)
        exec(t->w, "CREATE INDEX t_epoch_i ON inference_requests(t_epoch, response_time, status)");
    t->tcol = te ? "t_epoch" : TSQL;
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

static long rnd_rt(tdb *t)
{
    return 20 + (long)(rnd(t) % 300) * (long)(1 + rnd(t) % 8) + (rnd(t) % 50 == 0 ? 9000 : 0);
}

/* n rows evenly over [from, to), random response times (lognormal-ish), ~3% errors */
static void tdb_fill(tdb *t, double from, double to, int n)
{
    exec(t->w, "BEGIN");
    for (int i = 0; i < n; i++) {
        double ts = floor(from + (to - from) * i / n);
        long rt = rnd_rt(t);
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

/* " FROM ... WHERE ?1 < t <= ?2" (exact window); aligned: ?1 <= t <= ?2 */
static void where_of(const tdb *t, bool aligned, char *out, size_t n)
{
    snprintf(out, n, " FROM inference_requests WHERE %s %s ?1 AND %s <= ?2", t->tcol,
             aligned ? ">=" : ">", t->tcol);
}

static sqlite3_stmt *q(sqlite3 *db, const char *sql, double a, double b)
{
    sqlite3_stmt *s;

    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    sqlite3_bind_double(s, 1, a);
    sqlite3_bind_double(s, 2, b);
    return s;
}

static void sql_concat(char *out, size_t n, const char *a, const char *b, const char *c)
{
    snprintf(out, n, "%s%s%s", a, b, c);
}

/* One window of r against SQLite over lo < t <= hi (aligned: lo <= t <= hi):
 * count, errors, AVG, and with p95 the exact nearest-rank p95 (a sort). */
static void brute_window(const tdb *t, sqlite3 *db, const hf_db_window *x, int w, double lo,
                         double hi, bool aligned, bool p95)
{
    char sql[2048], where[1024];
    sqlite3_stmt *s;
    uint64_t n, rtn;

    where_of(t, aligned, where, sizeof(where));
    sql_concat(sql, sizeof(sql), "SELECT count(*), coalesce(sum(status = 'error'), 0), "
               "avg(response_time), count(response_time)", where, "");
    s = q(db, sql, lo, hi);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    n = (uint64_t)sqlite3_column_int64(s, 0);
    rtn = (uint64_t)sqlite3_column_int64(s, 3);
    if (x->count != n || x->errors != (uint64_t)sqlite3_column_int64(s, 1))
        fail_msg("window %d (%.0f s, lo %.3f): count %llu errors %llu, SQL %llu %llu", w,
                 x->seconds, lo, (unsigned long long)x->count, (unsigned long long)x->errors,
                 (unsigned long long)n, (unsigned long long)sqlite3_column_int64(s, 1));
    assert_int_equal(x->rt_count, rtn);
    if (rtn && fabs(x->avg_ms - sqlite3_column_double(s, 2)) > 1e-12 * sqlite3_column_double(s, 2))
        fail_msg("window %d avg %.15g, SQL %.15g", w, x->avg_ms, sqlite3_column_double(s, 2));
    if (!rtn)
        assert_true(isnan(x->avg_ms) && isnan(x->p95_ms));
    sqlite3_finalize(s);
    if (!rtn || !p95)
        return;
    sql_concat(sql, sizeof(sql), "SELECT response_time", where, " AND response_time IS NOT NULL "
               "ORDER BY response_time LIMIT 1 OFFSET ?3");
    s = q(db, sql, lo, hi);
    sqlite3_bind_int64(s, 3, (int64_t)ceil(0.95 * (double)rtn) - 1);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    if (fabs(x->p95_ms - sqlite3_column_double(s, 0)) >
        HF_DB_P95_BOUND * sqlite3_column_double(s, 0))
        fail_msg("window %d p95 %g vs exact %g", w, x->p95_ms, sqlite3_column_double(s, 0));
    sqlite3_finalize(s);
}

static void brute_peak(const tdb *t, sqlite3 *db, const hf_db_result *r, double lo, double hi,
                       bool aligned)
{
    char sql[2048], where[1024], sel[600];
    sqlite3_stmt *s;

    where_of(t, aligned, where, sizeof(where));
    snprintf(sel, sizeof(sel), "SELECT CAST(%s / 86400 AS INTEGER) AS d, count(*) AS c", t->tcol);
    sql_concat(sql, sizeof(sql), sel, where, " GROUP BY d ORDER BY c DESC, d DESC LIMIT 1");
    s = q(db, sql, lo, hi);
    if (sqlite3_step(s) == SQLITE_ROW) {
        assert_int_equal(r->peak_count, (uint64_t)sqlite3_column_int64(s, 1));
        assert_true(r->peak_day == (double)sqlite3_column_int64(s, 0) * DAY);
    } else {
        assert_true(isnan(r->peak_day));
    }
    sqlite3_finalize(s);
}

static uint64_t sql_u64(sqlite3 *db, const char *sql, double a, double b)
{
    sqlite3_stmt *s = q(db, sql, a, b);
    uint64_t v;

    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    v = (uint64_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* Every window of r equals SQLite over the window ending at r->now (exact
 * mode), or over the bucket-aligned window res reports (inexact mode);
 * full: also p95 and the peak day (sorts and groups: slower). */
static void brute_check(const tdb *t, const hf_db_result *r, bool full)
{
    double hi = r->now + HF_DB_FUTURE_S;
    sqlite3 *db;

    assert_int_equal(sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_true(r->stats);
    for (int w = 0; w < HF_DB_NWIN; w++) {
        double lo = r->exact ? r->now - win_s[w] : r->win[w].start;
        if (r->exact)
            assert_true(r->win[w].start == lo);
        brute_window(t, db, &r->win[w], w, lo, hi, !r->exact, full);
    }
    if (full)
        brute_peak(t, db, r, r->exact ? r->now - win_s[HF_DB_W30D] : r->win[HF_DB_W30D].start,
                   hi, !r->exact);
    if (r->exact) { /* the rows after now + 1 h: in no window, counted in future */
        char sql[700];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM inference_requests WHERE %s > ?1",
                 t->tcol);
        assert_int_equal(r->future, sql_u64(db, sql, hi, 0));
    }
    sqlite3_close(db);
}

static void brute(const tdb *t, const hf_db_result *r)
{
    brute_check(t, r, true);
}

/* count, errors, average, future only */
static __attribute__((unused)) void brute_counts(const tdb *t, const hf_db_result *r)
{
    brute_check(t, r, false);
}

/* The operator's query, for tables of YYYY-MM-DD HH:MM:SS text only:
 * SELECT COUNT(*) ... WHERE created_at > datetime(now, '-1 day') (whole-second now). */
static void brute_operator_sql(const tdb *t, const hf_db_result *r)
{
    static const char *const mod[HF_DB_NWIN] = {"-1 hour", "-1 day", "-7 days", "-30 days"};
    sqlite3 *db;

    assert_true(r->now == floor(r->now));
    assert_int_equal(sqlite3_open_v2(t->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (int w = 0; w < HF_DB_NWIN; w++) {
        sqlite3_stmt *s = q(db, "SELECT count(*) FROM inference_requests WHERE created_at > "
                            "datetime(?1, 'unixepoch', ?2)", r->now, 0);
        sqlite3_bind_text(s, 2, mod[w], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_int_equal(r->win[w].count + r->future, (uint64_t)sqlite3_column_int64(s, 0));
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
}

#endif
