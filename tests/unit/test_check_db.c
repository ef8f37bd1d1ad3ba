/* Unit tests: the db check kind (common/check/hf_check_db.c). The judgement
 * from fixture probe results (hf_check_db_judge): OK, WARNING, CRITICAL and
 * UNKNOWN with exact texts, codes, objects and metrics; transitions between
 * reports; the settings rules; and hf_check_run_once against a small SQLite
 * file made here, with a state file that is truncated, garbage or a
 * directory: one WARNING state.reset naming the file, the check still runs. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "hf_db.h"
#include "test_check_helpers.h"

#define NOW 1906502400.0        /* 2030-06-01 00:00:00 UTC */

static char tmpd[256];

/* ---- helpers */

static void settings(hf_settings *s)
{
    assert_int_equal(hf_settings_init(s, &hf_check_db), 0);
}

static void win(hf_db_window *w, double secs, uint64_t count, uint64_t errors, double avg, double p95)
{
    w->seconds = secs;
    w->count = count;
    w->errors = errors;
    w->rt_count = count;
    w->error_pct = count ? 100.0 * (double)errors / (double)count : 0;
    w->avg_ms = count ? avg : NAN;
    w->p95_ms = count ? p95 : NAN;
}

/* A healthy database: 24h 1234 requests, 6 errors (0.49%). */
static void fixture(hf_db_result *r)
{
    memset(r, 0, sizeof(*r));
    r->status = HF_DB_OK;
    r->file_size = 1916928;
    r->wal_size = 37112;
    r->page_size = 4096;
    r->page_count = 468;
    r->freelist_count = 2;
    r->ntables = 2;
    snprintf(r->tables[0].name, sizeof(r->tables[0].name), "inference_requests");
    r->tables[0].rows = 20022;
    snprintf(r->tables[1].name, sizeof(r->tables[1].name), "models");
    r->tables[1].rows = 3;
    r->query_ms = 0.3124;
    r->stats = true;
    r->now = NOW;
    win(&r->win[HF_DB_W1H], 3600, 45, 0, 283.04, 713.4);
    win(&r->win[HF_DB_W24H], 86400, 1234, 6, 412.26, 1650.2);
    win(&r->win[HF_DB_W7D], 604800, 8000, 40, 400.0, 1700.0);
    win(&r->win[HF_DB_W30D], 2592000, 17142, 98, 401.44, 1720.6);
    r->peak_day = NOW - 86400;
    r->peak_count = 600;
    r->coverage = 1;
    r->exact = true;
    r->rows_read = 12;
    r->txns = 1;
    r->max_txn_ms = 0.42;
}

static void finding(const hf_report *r, size_t i, hf_state st, const char *object, const char *code,
                    const char *text)
{
    assert_true(i < r->nf);
    assert_string_equal(r->f[i].text, text);
    assert_int_equal(r->f[i].state, st);
    assert_string_equal(r->f[i].object, object);
    assert_string_equal(r->f[i].code, code);
}

static const hf_metric *metric(const hf_report *r, const char *label)
{
    static char empty[1];
    static const hf_metric none = {.label = empty, .object = empty, .name = empty, .value = NAN,
                                   .unit = ""};

    for (size_t i = 0; i < r->nm; i++)
        if (strcmp(r->m[i].label, label) == 0)
            return &r->m[i];
    fail_msg("no metric %s", label);
    return &none;
}

static void metric_is(const hf_report *r, const char *label, const char *object, const char *name,
                      double v, const char *unit, const char *warn, const char *crit)
{
    const hf_metric *m = metric(r, label);

    assert_string_equal(m->object, object);
    assert_string_equal(m->name, name);
    assert_true(fabs(m->value - v) < 1e-9);
    assert_string_equal(m->unit, unit);
    assert_string_equal(m->warn.set ? m->warn.text : "-", warn);
    assert_string_equal(m->crit.set ? m->crit.text : "-", crit);
}

static void judge(const hf_settings *s, const hf_db_result *res, hf_report *out)
{
    hf_report_init(out);
    hf_check_db_judge(s, res, out);
}

/* ---- the judgement */

static void test_ok(void **state)
{
    hf_settings s;
    hf_db_result res;
    hf_report r;

    (void)state;
    settings(&s);
    fixture(&res);
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_OK);
    assert_string_equal(hf_buf_str(&r.summary),
                        "24h 1234 requests, 0.5% errors, avg 412 ms, p95 1650 ms; query 0.3 ms");
    assert_int_equal(r.nf, 7);
    finding(&r, 0, HF_OK, "", "db.ok", "24h error rate 0.5% (6 of 1234 requests)");
    finding(&r, 1, HF_OK, "", "db.ok", "24h p95 response time 1650 ms");
    finding(&r, 2, HF_OK, "", "db.ok", "peak day 2030-05-31: 600 requests");
    finding(&r, 3, HF_OK, "", "db.ok", "read 12 new rows and 0 at the window edges in 1 transaction (longest 0.4 ms)");
    finding(&r, 4, HF_OK, "", "db.ok", "simple query took 0.3 ms");
    finding(&r, 5, HF_OK, "", "db.ok", "table inference_requests: at most 20022 rows");
    finding(&r, 6, HF_OK, "", "db.ok", "table models: at most 3 rows");
    assert_int_equal(nperf(&r), 4 * 4 + 1 + 4 + 1 + 1 + 2);
    assert_string_equal(r.m[0].label, "req_1h");
    metric_is(&r, "req_1h", "1h", "requests", 45, "", "-", "-");
    metric_is(&r, "err_rate_1h", "1h", "error_rate", 0, "%", "-", "-");
    metric_is(&r, "err_rate_24h", "24h", "error_rate", 0.49, "%", "1", "5");
    assert_true(metric(&r, "err_rate_24h")->min == 0 && metric(&r, "err_rate_24h")->max == 100);
    metric_is(&r, "avg_30d", "30d", "avg", 401.4, "ms", "-", "-");
    metric_is(&r, "p95_24h", "24h", "p95", 1650, "ms", "5000", "10000");
    metric_is(&r, "p95_7d", "7d", "p95", 1700, "ms", "-", "-");
    metric_is(&r, "peak_day", "", "peak_day", 600, "", "-", "-");
    metric_is(&r, "size", "", "size", 1916928, "B", "-", "-");
    metric_is(&r, "wal", "", "wal", 37112, "B", "-", "-");
    metric_is(&r, "freelist", "", "freelist", 2, "", "-", "-");
    metric_is(&r, "query", "", "query", 0.312, "ms", "100", "500");
    metric_is(&r, "skipped", "", "skipped", 0, "", "-", "-");
    metric_is(&r, "rows_models", "models", "rows", 3, "", "-", "-");
    assert_true(isnan(metric(&r, "size")->max));
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_warning_error_rate(void **state)
{
    hf_settings s;
    hf_db_result res;
    hf_report r;

    (void)state;
    settings(&s);
    fixture(&res);
    win(&res.win[HF_DB_W24H], 86400, 1000, 25, 412.26, 1650.2);
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_WARNING);
    finding(&r, 0, HF_WARNING, "", "db.errors", "24h error rate 2.5% (25 of 1000 requests)");
    assert_int_equal(hf_report_problems(&r), 1);
    metric_is(&r, "err_rate_24h", "24h", "error_rate", 2.5, "%", "1", "5");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* -w/-c set the error-rate thresholds, on the selected window. */
static void test_short_thresholds_window(void **state)
{
    hf_settings s;
    hf_db_result res;
    hf_report r;

    (void)state;
    settings(&s);
    set(&s, "warning", "0.5");
    set(&s, "critical", "90");
    set(&s, "window", "30d");
    fixture(&res);
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_WARNING);
    finding(&r, 0, HF_WARNING, "", "db.errors", "30d error rate 0.6% (98 of 17142 requests)");
    finding(&r, 1, HF_OK, "", "db.ok", "30d p95 response time 1721 ms");
    metric_is(&r, "err_rate_30d", "30d", "error_rate", 0.57, "%", "0.5", "90");
    metric_is(&r, "err_rate_24h", "24h", "error_rate", 0.49, "%", "-", "-");
    metric_is(&r, "p95_30d", "30d", "p95", 1721, "ms", "5000", "10000");
    assert_string_equal(hf_buf_str(&r.summary),
                        "30d 17142 requests, 0.6% errors, avg 401 ms, p95 1721 ms; query 0.3 ms");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_critical(void **state)
{
    hf_settings s;
    hf_db_result res;
    hf_report r;

    (void)state;
    settings(&s);
    fixture(&res);
    win(&res.win[HF_DB_W24H], 86400, 100, 10, 412.26, 12000.4);
    res.query_ms = 120.04;
    res.check = 1;
    snprintf(res.check_msg, sizeof(res.check_msg), "row 12 missing from index idx_x");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, 0, HF_CRITICAL, "", "db.errors", "24h error rate 10.0% (10 of 100 requests)");
    finding(&r, 1, HF_CRITICAL, "", "db.p95", "24h p95 response time 12000 ms");
    finding(&r, 4, HF_WARNING, "", "db.query", "simple query took 120.0 ms");
    finding(&r, 5, HF_CRITICAL, "", "db.integrity", "quick_check failed: row 12 missing from index idx_x");
    metric_is(&r, "query", "", "query", 120.04, "ms", "100", "500");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* A failed probe: its one finding, no metrics. */
static void failed(hf_db_status st, const char *err, hf_state want, const char *code)
{
    hf_settings s;
    hf_db_result res;
    hf_report r;

    settings(&s);
    memset(&res, 0, sizeof(res));
    res.status = st;
    res.query_ms = NAN;
    snprintf(res.err, sizeof(res.err), "%s", err);
    judge(&s, &res, &r);
    assert_int_equal(r.state, want);
    assert_int_equal(r.nf, 1);
    finding(&r, 0, want, "", code, err);
    assert_int_equal(nperf(&r), 0);
    assert_int_equal(r.summary.len, 0);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_failures(void **state)
{
    (void)state;
    failed(HF_DB_MISSING, "database not found: /x/helixflow.db", HF_CRITICAL, "db.missing");
    failed(HF_DB_CORRUPT, "/x/garbage.db: file is not a database", HF_CRITICAL, "db.corrupt");
    failed(HF_DB_LOCKED, "database is locked: /x/helixflow.db (waited 2000 ms)", HF_UNKNOWN, "db.locked");
    failed(HF_DB_SCHEMA, "database has no table 'requests'", HF_UNKNOWN, "db.schema");
    failed(HF_DB_TIMEOUT, "inference_requests: reading: interrupted", HF_UNKNOWN, "db.timeout");
    failed(HF_DB_ERROR, "cannot open /x/helixflow.db: Permission denied", HF_UNKNOWN, "db.error");
}

static void test_unknown_backfill(void **state)
{
    hf_settings s;
    hf_db_result res;
    hf_report r;

    (void)state;
    settings(&s);
    fixture(&res);
    res.coverage = 0.456;
    res.skipped = 2;
    snprintf(res.skipped_example, sizeof(res.skipped_example), "rowid 12: created_at garbage");
    snprintf(res.rebuilt, sizeof(res.rebuilt), "no saved state");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    finding(&r, 2, HF_UNKNOWN, "", "db.backfill", "backfill 45% done, statistics incomplete");
    finding(&r, 4, HF_OK, "", "db.ok",
            "2 rows with bad created_at skipped (last: rowid 12: created_at garbage)");
    finding(&r, 5, HF_OK, "", "db.ok", "aggregates rebuilt: no saved state");
    assert_string_equal(hf_buf_str(&r.summary), "24h 1234 requests, 0.5% errors, avg 412 ms, "
                        "p95 1650 ms; query 0.3 ms; 2 rows with bad created_at skipped");
    metric_is(&r, "skipped", "", "skipped", 2, "", "-", "-");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* OK -> CRITICAL -> OK: one transition each way, the recovery carrying the code. */
static void test_transitions(void **state)
{
    hf_settings s;
    hf_db_result res;
    hf_report a, b, c;
    hf_transition *t;
    size_t n;

    (void)state;
    settings(&s);
    fixture(&res);
    judge(&s, &res, &a);
    win(&res.win[HF_DB_W24H], 86400, 100, 10, 412.26, 1650.2);
    judge(&s, &res, &b);
    fixture(&res);
    judge(&s, &res, &c);
    assert_int_equal(hf_report_transitions(&a, &b, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "");
    assert_string_equal(t[0].code, "db.errors");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, "24h error rate 10.0% (10 of 100 requests)");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&b, &c, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].code, "db.errors");
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    assert_string_equal(t[0].text, "24h error rate 0.5% (6 of 1234 requests)");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&a, &c, &t, &n), 0);
    assert_int_equal(n, 0);
    hf_transitions_free(t, n);
    hf_report_free(&a);
    hf_report_free(&b);
    hf_report_free(&c);
    hf_settings_free(&s);
}

/* ---- settings */

static int validate(hf_settings *s, char *err, size_t n)
{
    int bad;

    return hf_check_validate(s, &bad, err, n) < 0 ? bad : -2;
}

static void test_settings(void **state)
{
    hf_settings s;
    char err[HF_ERR_MAX];

    (void)state;
    settings(&s);
    assert_int_equal(validate(&s, err, sizeof(err)), -2);
    set(&s, "window", "2h");
    assert_int_equal(validate(&s, err, sizeof(err)), hf_settings_find(&hf_check_db, "window"));
    assert_string_equal(err, "'2h' is not one of 1h, 24h, 7d, 30d");
    hf_settings_free(&s);

    settings(&s);
    set(&s, "warning", "1");
    set(&s, "error-warning", "2");
    assert_int_equal(validate(&s, err, sizeof(err)), -1);
    assert_string_equal(err, "-w/-c and --error-warning/--error-critical both given");
    hf_settings_free(&s);

    settings(&s);
    set(&s, "error-critical", "9");
    set(&s, "critical", "8");
    assert_int_equal(validate(&s, err, sizeof(err)), -1);
    hf_settings_free(&s);

    settings(&s);                   /* any of -w/-c with any of --error-*, as before */
    set(&s, "warning", "1");
    set(&s, "error-critical", "8");
    assert_int_equal(validate(&s, err, sizeof(err)), -1);
    hf_settings_free(&s);

    settings(&s);
    set(&s, "warning", "1");
    set(&s, "critical", "8");
    assert_int_equal(validate(&s, err, sizeof(err)), -2);
    assert_int_equal(hf_settings_set(&s, (size_t)hf_settings_find(&hf_check_db, "table"), "", err,
                                     sizeof(err)), -EINVAL);
    assert_string_equal(err, "empty value");
    hf_settings_free(&s);
}

/* The state file's name depends on the database, table, columns, root. */
static void test_identity(void **state)
{
    hf_settings a, b;
    char pa[HF_PATH_MAX], pb[HF_PATH_MAX];

    (void)state;
    settings(&a);
    settings(&b);
    set(&b, "error-warning", "50");
    set(&b, "window", "7d");
    assert_int_equal(hf_check_state_path(&a, pa, sizeof(pa)), 0);
    assert_int_equal(hf_check_state_path(&b, pb, sizeof(pb)), 0);
    assert_string_equal(pa, pb);    /* thresholds do not make another state */
    assert_non_null(strstr(pa, "/var/lib/helixflow-monitoring/db-"));
    set(&b, "rt-column", "latency");
    assert_int_equal(hf_check_state_path(&b, pb, sizeof(pb)), 0);
    assert_string_not_equal(pa, pb);
    hf_settings_free(&a);
    hf_settings_free(&b);
}

/* ---- hf_check_run_once with a real database and a state file */

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

static void make_db(const char *path)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "CREATE TABLE inference_requests(id INTEGER PRIMARY KEY AUTOINCREMENT, created_at TEXT,"
             " response_time INTEGER, status TEXT)");
    exec(db, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200)"
             " INSERT INTO inference_requests(created_at, response_time, status)"
             " SELECT datetime('now', '-' || i || ' minutes'), 100 + i, CASE WHEN i % 50 = 0"
             " THEN 'error' ELSE 'success' END FROM c");
    sqlite3_close(db);
}

static void run_settings(hf_settings *s)
{
    char p[HF_PATH_MAX];

    settings(s);
    snprintf(p, sizeof(p), "%s/helixflow.db", tmpd);
    set(s, "db", p);
    snprintf(p, sizeof(p), "%s/state", tmpd);
    set(s, "state-dir", p);
}

static void run(const hf_settings *s, hf_report *r)
{
    hf_check_ctx ctx = hf_check_ctx_make(10, 0.25, 0);

    hf_report_init(r);
    hf_check_run_once(s, &ctx, r);
}

/* One run after the state file was damaged by how: exactly one WARNING
 * state.reset naming the file, and the statistics still there. */
static void damaged(const hf_settings *s, const char *path, const char *how)
{
    hf_report r;
    const hf_finding *f = NULL;

    run(s, &r);
    for (size_t i = 0; i < r.nf; i++)
        if (strcmp(r.f[i].code, "state.reset") == 0)
            f = &r.f[i];
    if (!f)
        fail_msg("%s: no state.reset finding", how);
    assert_int_equal(count_code(&r, "state.reset"), 1);
    assert_int_equal(f->state, HF_WARNING);
    assert_string_equal(f->object, "");
    assert_non_null(strstr(f->text, path));
    assert_int_equal(metric(&r, "req_24h")->value, 200);
    assert_non_null(strstr(hf_buf_str(&r.summary), "24h 200 requests, 2.0% errors"));
    hf_report_free(&r);
}

static void test_run_once_state(void **state)
{
    hf_settings s;
    hf_report r;
    char path[HF_PATH_MAX], db[HF_PATH_MAX];
    struct stat st;
    FILE *f;

    (void)state;
    snprintf(db, sizeof(db), "%s/helixflow.db", tmpd);
    make_db(db);
    run_settings(&s);
    set(&s, "error-warning", "50");
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);

    run(&s, &r);                    /* first run: backfill, the state file written */
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    assert_int_equal(metric(&r, "req_24h")->value, 200);
    hf_report_free(&r);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 32);

    assert_int_equal(truncate(path, st.st_size / 2), 0);
    damaged(&s, path, "truncated");
    run(&s, &r);                    /* rewritten by the run before: clean again */
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    hf_report_free(&r);

    assert_non_null(f = fopen(path, "w"));
    fputs("garbage\n", f);
    fclose(f);
    damaged(&s, path, "garbage");

    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    damaged(&s, path, "a directory");
    {                                   /* moved aside so the file can be rebuilt */
        char aside[HF_PATH_MAX + 16];
        snprintf(aside, sizeof(aside), "%s.unusable", path);
        assert_int_equal(rmdir(aside), 0);
    }
    hf_settings_free(&s);
}

/* A run that finds nothing new writes nothing: the state file is the same
 * inode, untouched (rows 40 days old: no window edge can pass one). */
static void test_run_once_idle_writes_nothing(void **state)
{
    hf_settings s;
    hf_report r;
    char path[HF_PATH_MAX], db[HF_PATH_MAX];
    struct stat a, b;
    sqlite3 *h;

    (void)state;
    snprintf(db, sizeof(db), "%s/old.db", tmpd);
    assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
    exec(h, "CREATE TABLE inference_requests(id INTEGER PRIMARY KEY, created_at TEXT,"
            " response_time INTEGER, status TEXT)");
    exec(h, "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 50)"
            " INSERT INTO inference_requests(created_at, response_time, status)"
            " SELECT datetime('now', '-40 days', '-' || i || ' minutes'), 100, 'success' FROM c");
    sqlite3_close(h);
    settings(&s);
    set(&s, "db", db);
    snprintf(path, sizeof(path), "%s/state3", tmpd);
    set(&s, "state-dir", path);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    run(&s, &r);
    assert_int_equal(r.state, HF_OK);
    hf_report_free(&r);
    assert_int_equal(stat(path, &a), 0);
    run(&s, &r);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    assert_int_equal(metric(&r, "req_30d")->value, 0);
    hf_report_free(&r);
    assert_int_equal(stat(path, &b), 0);
    assert_true(a.st_ino == b.st_ino && a.st_mtim.tv_sec == b.st_mtim.tv_sec &&
                a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
    hf_settings_free(&s);
}

/* A missing database saves no state (the probe's rule: only statistics are kept). */
static void test_run_once_missing(void **state)
{
    hf_settings s;
    hf_report r;
    char path[HF_PATH_MAX];

    (void)state;
    settings(&s);
    snprintf(path, sizeof(path), "%s/nope.db", tmpd);
    set(&s, "db", path);
    snprintf(path, sizeof(path), "%s/state2", tmpd);
    set(&s, "state-dir", path);
    run(&s, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_int_equal(r.nf, 1);
    assert_string_equal(r.f[0].code, "db.missing");
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    assert_int_equal(access(path, F_OK), -1);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmpd, sizeof(tmpd), "%s/hf-test-check-db-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpd) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpd);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_warning_error_rate),
        cmocka_unit_test(test_short_thresholds_window),
        cmocka_unit_test(test_critical),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_unknown_backfill),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_run_once_state),
        cmocka_unit_test(test_run_once_idle_writes_nothing),
        cmocka_unit_test(test_run_once_missing),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
