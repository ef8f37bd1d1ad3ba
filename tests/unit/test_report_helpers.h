/* Helpers of tests/unit/test_report_days.c and test_report_period.c: a real
 * SQLite file written by the test (the test is HelixFlow), an update of the
 * per-day store at a pinned clock, and the reference: SQLite's own COUNT,
 * SUM, AVG, MIN, MAX and the exact nearest-rank p95 over the same day span,
 *     D0 * 86400 <= created_at < (D1 + 1) * 86400
 * with created_at converted to epoch seconds whatever its format (SQLite's
 * julianday() for text dates, rounded to the millisecond; the number for
 * epochs). Included by those files only (static functions). */
#ifndef TEST_REPORT_HELPERS_H
#define TEST_REPORT_HELPERS_H

#define NOW 1767268800.0        /* 2026-01-01 12:00:00 UTC, injected */
#define DAY 86400.0
#define TODAY 20454             /* floor(NOW / DAY) */

#define TSQL "(CASE typeof(created_at) WHEN 'text' THEN (CASE WHEN created_at GLOB " \
    "'[0-9]*-*' THEN round((julianday(created_at) - 2440587.5) * 86400000.0) / 1000.0 " \
    "ELSE CAST(created_at AS REAL) END) WHEN 'integer' THEN created_at WHEN 'real' THEN " \
    "created_at END)"

/* every helper: not every test file uses all of them */
#define TR_HELPER static __attribute__((unused))

typedef struct tdb {
    char dir[64], path[128];
    sqlite3 *w;                 /* writer connection (the test is HelixFlow) */
    sqlite3_stmt *ins;
    unsigned seed;
} tdb;

TR_HELPER void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

/* ipk: id INTEGER PRIMARY KEY AUTOINCREMENT (the test bed's); else rowid
 * only (renumbered by VACUUM) */
TR_HELPER void tdb_open(tdb *t, bool ipk)
{
    memset(t, 0, sizeof(*t));
    strcpy(t->dir, "/tmp/hf-test-report-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/helixflow.db", t->dir);
    assert_int_equal(sqlite3_open(t->path, &t->w), SQLITE_OK);
    exec(t->w, "PRAGMA journal_mode=WAL");
    exec(t->w, ipk ? "CREATE TABLE inference_requests(id INTEGER PRIMARY KEY AUTOINCREMENT, "
                     "created_at TEXT, model TEXT, response_time INTEGER, status TEXT)" :
                     "CREATE TABLE inference_requests(created_at TEXT, model TEXT, "
                     "response_time INTEGER, status TEXT)");
    assert_int_equal(sqlite3_prepare_v2(t->w, "INSERT INTO inference_requests(created_at, model,"
                     " response_time, status) VALUES (?1, 'helixflow-7b', ?2, ?3)", -1, &t->ins,
                     NULL), SQLITE_OK);
    t->seed = 4242;
}

TR_HELPER unsigned rnd(tdb *t)
{
    t->seed = t->seed * 1103515245u + 12345u;
    return (t->seed >> 8) & 0xffffff;
}

/* One row; txt NULL: ts as YYYY-MM-DD HH:MM:SS. rt < 0: NULL. */
TR_HELPER void tdb_row(tdb *t, double ts, const char *txt, long rt, bool err)
{
    char buf[32];

    sqlite3_bind_text(t->ins, 1, txt ? txt : hf_time_format(ts, buf, sizeof(buf)), -1,
                      SQLITE_TRANSIENT);
    rt < 0 ? sqlite3_bind_null(t->ins, 2) : sqlite3_bind_int64(t->ins, 2, rt);
    sqlite3_bind_text(t->ins, 3, err ? "error" : "success", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(t->ins), SQLITE_DONE);
    sqlite3_reset(t->ins);
}

/* A row the report must skip (created_at unusable): the reference leaves
 * it out (model 'bad'), whatever SQLite's julianday() makes of it. */
TR_HELPER void tdb_bad_row(tdb *t, const char *txt)
{
    sqlite3_stmt *s;

    assert_int_equal(sqlite3_prepare_v2(t->w, "INSERT INTO inference_requests(created_at, model, "
                     "response_time, status) VALUES (?1, 'bad', 5, 'error')", -1, &s, NULL),
                     SQLITE_OK);
    txt ? sqlite3_bind_text(s, 1, txt, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(s, 1);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

TR_HELPER long rnd_rt(tdb *t)
{
    return 20 + (long)(rnd(t) % 300) * (long)(1 + rnd(t) % 8) + (rnd(t) % 50 == 0 ? 9000 : 0);
}

/* n rows evenly over [from, to), random response times, ~3 % errors, 1 %
 * NULL response times */
TR_HELPER void tdb_fill(tdb *t, double from, double to, int n)
{
    exec(t->w, "BEGIN");
    for (int i = 0; i < n; i++) {
        double ts = floor(from + (to - from) * i / n);
        long rt = rnd(t) % 100 == 0 ? -1 : rnd_rt(t);
        tdb_row(t, ts, NULL, rt, rnd(t) % 100 < 3);
    }
    exec(t->w, "COMMIT");
}

TR_HELPER void tdb_close(tdb *t)
{
    sqlite3_finalize(t->ins);
    sqlite3_close(t->w);
    t->ins = NULL;
    t->w = NULL;
}

TR_HELPER void tdb_rm(tdb *t)
{
    char cmd[160];

    tdb_close(t);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

TR_HELPER hf_days_config days_cfg(const tdb *t, double now, int64_t need)
{
    hf_days_config c = {.path = t->path, .now = now, .need_day = need, .budget_ms = 30000};

    return c;
}

TR_HELPER void update(const tdb *t, hf_days_state *st, double now, int64_t need, hf_days_result *r)
{
    hf_days_config cfg = days_cfg(t, now, need);

    assert_int_equal(hf_days_update(&cfg, st, r), 0);
    if (r->status != HF_DAYS_OK)
        fail_msg("update: %s", r->err);
}

/* The reference for days [d0, d1] against an aggregate. */
TR_HELPER void brute_span(const tdb *t, const hf_days_agg *a, int64_t d0, int64_t d1)
{
    char sql[2048];
    sqlite3_stmt *s;
    uint64_t n, rtn;
    double lo = (double)d0 * DAY, hi = (double)(d1 + 1) * DAY;

    snprintf(sql, sizeof(sql), "SELECT count(*), coalesce(sum(status = 'error'), 0), "
             "avg(response_time), count(response_time), min(response_time), max(response_time) "
             "FROM inference_requests WHERE %s >= ?1 AND %s < ?2 AND model IS NOT 'bad'", TSQL, TSQL);
    assert_int_equal(sqlite3_prepare_v2(t->w, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_double(s, 1, lo);
    sqlite3_bind_double(s, 2, hi);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    n = (uint64_t)sqlite3_column_int64(s, 0);
    rtn = (uint64_t)sqlite3_column_int64(s, 3);
    if (a->count != n || a->errors != (uint64_t)sqlite3_column_int64(s, 1) || a->rt_n != rtn)
        fail_msg("days %lld..%lld: count %llu errors %llu rt_n %llu, SQL %llu %llu %llu",
                 (long long)d0, (long long)d1, (unsigned long long)a->count,
                 (unsigned long long)a->errors, (unsigned long long)a->rt_n,
                 (unsigned long long)n, (unsigned long long)sqlite3_column_int64(s, 1),
                 (unsigned long long)rtn);
    if (rtn) {
        /* the same double as SQLite's AVG: an exact sum divided once */
        if (hf_days_avg(a) != sqlite3_column_double(s, 2))
            fail_msg("days %lld..%lld avg %.17g, SQL %.17g", (long long)d0, (long long)d1,
                     hf_days_avg(a), sqlite3_column_double(s, 2));
        assert_true(a->rt_min == sqlite3_column_double(s, 4));
        assert_true(a->rt_max == sqlite3_column_double(s, 5));
    } else {
        assert_true(isnan(hf_days_avg(a)) && isnan(hf_days_p95(a)));
    }
    sqlite3_finalize(s);
    if (!rtn)
        return;
    snprintf(sql, sizeof(sql), "SELECT response_time FROM inference_requests WHERE %s >= ?1 AND "
             "%s < ?2 AND model IS NOT 'bad' AND response_time IS NOT NULL "
             "ORDER BY response_time LIMIT 1 OFFSET ?3",
             TSQL, TSQL);
    assert_int_equal(sqlite3_prepare_v2(t->w, sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_bind_double(s, 1, lo);
    sqlite3_bind_double(s, 2, hi);
    sqlite3_bind_int64(s, 3, (int64_t)((rtn * 95 + 99) / 100) - 1);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    {
        double exact = sqlite3_column_double(s, 0), p = hf_days_p95(a);
        if (exact >= 1 && fabs(p - exact) > HF_DAYS_P95_BOUND * exact)
            fail_msg("days %lld..%lld p95 %g vs exact %g", (long long)d0, (long long)d1, p, exact);
    }
    sqlite3_finalize(s);
}

/* Every day in [d0, d1] and the whole span against SQLite. */
TR_HELPER void brute_days(const tdb *t, const hf_days_state *st, int64_t d0, int64_t d1)
{
    hf_days_agg *a = malloc(sizeof(*a));

    assert_non_null(a);
    for (int64_t d = d0; d <= d1; d++) {
        hf_days_get(st, d, 0, a);
        brute_span(t, a, d, d);
    }
    hf_days_sum(st, d0, d1, 0, a, NULL);
    brute_span(t, a, d0, d1);
    free(a);
}

/* Two stores hold the same days in [d0, d1], bit for bit. */
TR_HELPER void same_days(const hf_days_state *x, const hf_days_state *y, int64_t d0, int64_t d1)
{
    hf_days_agg *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));

    assert_non_null(a);
    assert_non_null(b);
    for (int64_t d = d0; d <= d1; d++) {
        hf_days_get(x, d, 0, a);
        hf_days_get(y, d, 0, b);
        if (memcmp(a, b, sizeof(*a)) != 0)
            fail_msg("day %lld differs: count %llu vs %llu", (long long)d,
                     (unsigned long long)a->count, (unsigned long long)b->count);
    }
    free(a);
    free(b);
}

#endif
