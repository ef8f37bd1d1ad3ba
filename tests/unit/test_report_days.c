/* Unit tests: the per-day store of the reports (hf_days), against real
 * SQLite files written here: every day and span equal to SQLite's COUNT,
 * SUM, AVG, MIN, MAX, p95 within the bound; incremental equal to a fresh
 * read, with threads, extensions back, renumbering, replaced files,
 * retention, formats, out-of-order rows, the state file, bad databases. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_days.h"
#include "hf_time.h"
#include "test_report_helpers.h"

/* 70 days of rows, the days needed 60 back: each of them and the span
 * equal SQLite's; days before the need are not complete (from_day). */
static void test_days_exact_vs_sql(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_days_result r;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 70 * DAY, NOW, 60000);
    for (int i = 0; i < 50; i++)                /* many equal values, sub-ms and huge ones */
        tdb_row(&t, NOW - 60 + i, NULL, i < 40 ? 777 : i < 45 ? 0 : 20000000, i % 7 == 0);
    update(&t, st, NOW, TODAY - 60, &r);
    assert_string_equal(r.rebuilt, "no saved state");
    assert_true(r.coverage == 1.0);
    assert_int_equal(r.from_day, TODAY - 60);
    assert_true(isnan(r.oldest));               /* not read from the table's first row */
    assert_true(r.rows_read < 60050);
    assert_true(r.rows_read >= 60050 * 60 / 70);
    assert_int_equal(r.rows_estimate, 60050);
    assert_int_equal(r.min_rowid, 1);
    assert_int_equal(r.max_rowid, 60050);
    assert_true(r.query_ms >= 0);
    assert_true(r.file_size > 0);
    brute_days(&t, st, TODAY - 60, TODAY);
    brute_days(&t, st, TODAY - 30, TODAY - 1);
    brute_days(&t, st, TODAY - 7, TODAY - 1);
    /* a call with nothing new reads nothing and changes nothing */
    update(&t, st, NOW + 60, TODAY - 60, &r);
    assert_int_equal(r.rows_read, 0);
    assert_string_equal(r.rebuilt, "");
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* Rows added in batches, an update after each: the same days, bit for
 * bit, as one fresh read at the end; rows_read is what was added. */
static void test_days_incremental_equals_full(void **state)
{
    hf_days_state *st = hf_days_state_new(), *fresh = hf_days_state_new();
    hf_days_result r;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 40 * DAY, NOW - 10 * DAY, 20000);
    update(&t, st, NOW - 10 * DAY, 0, &r);
    for (int k = 0; k < 10; k++) {
        double from = NOW - (10 - k) * DAY;
        tdb_fill(&t, from, from + DAY, 1000 + k);
        update(&t, st, from + DAY, 0, &r);
        assert_int_equal(r.rows_read, 1000 + k);
        assert_string_equal(r.rebuilt, "");
    }
    update(&t, fresh, NOW, 0, &r);
    same_days(st, fresh, TODAY - 60, TODAY + 2);
    brute_days(&t, st, TODAY - 39, TODAY);
    hf_days_state_free(st);
    hf_days_state_free(fresh);
    tdb_rm(&t);
}

/* A large read split over 1 to 4 threads gives the same days. */
static void test_days_threads_equal(void **state)
{
    hf_days_state *one = hf_days_state_new(), *many;
    hf_days_result r;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 20 * DAY, NOW, 30000);
    {
        hf_days_config c = days_cfg(&t, NOW, 0);
        c.threads = 1;
        assert_int_equal(hf_days_update(&c, one, &r), 0);
        assert_int_equal(r.threads, 1);
    }
    for (int n = 2; n <= 4; n++) {
        hf_days_config c = days_cfg(&t, NOW, 0);
        c.threads = n;
        c.par_rows = 1000;
        many = hf_days_state_new();
        assert_int_equal(hf_days_update(&c, many, &r), 0);
        assert_int_equal(r.status, HF_DAYS_OK);
        assert_int_equal(r.threads, (unsigned)n);
        assert_int_equal(r.rows_read, 30000 + 10 * (n - 2));
        same_days(one, many, TODAY - 25, TODAY);
        /* and it goes on from where the last reader stopped */
        tdb_fill(&t, NOW - 100, NOW, 10);
        assert_int_equal(hf_days_update(&c, many, &r), 0);
        assert_int_equal(r.rows_read, 10);
        c.threads = 1;
        assert_int_equal(hf_days_update(&c, one, &r), 0);
        same_days(one, many, TODAY - 25, TODAY);
        hf_days_state_free(many);
    }
    brute_days(&t, one, TODAY - 20, TODAY);
    hf_days_state_free(one);
    tdb_rm(&t);
}

/* A state built for the last week, then asked for older days: the rows
 * before the first one read are read (once), and everything equals a
 * fresh read of the older need. Asked for more than the table holds: the
 * table's start (oldest known). */
static void test_days_extend_back(void **state)
{
    hf_days_state *st = hf_days_state_new(), *fresh = hf_days_state_new();
    hf_days_result r;
    uint64_t first;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 90 * DAY, NOW, 45000);
    update(&t, st, NOW, TODAY - 7, &r);
    first = r.rows_read;
    assert_true(first < 5000);
    assert_int_equal(r.from_day, TODAY - 7);
    update(&t, st, NOW, TODAY - 40, &r);
    assert_string_equal(r.rebuilt, "");
    assert_int_equal(r.from_day, TODAY - 40);
    assert_true(r.rows_read + first < 22000);
    update(&t, fresh, NOW, TODAY - 40, &r);
    same_days(st, fresh, TODAY - 40, TODAY);
    brute_days(&t, st, TODAY - 40, TODAY);
    update(&t, st, NOW, TODAY - 200, &r);       /* older than the table */
    assert_int_equal(r.from_day, TODAY - HF_DAYS_KEEP + 1);
    assert_true(r.oldest == NOW - 90 * DAY);
    brute_days(&t, st, TODAY - 95, TODAY);
    hf_days_state_free(st);
    hf_days_state_free(fresh);
    tdb_rm(&t);
}

/* VACUUM of a table without INTEGER PRIMARY KEY after deletes renumbers
 * the rowids: the last row read no longer matches, the days are rebuilt
 * and equal SQLite's again. A replaced file (another inode) rebuilds too. */
static void test_days_vacuum_and_replaced_file(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_days_result r;
    char cmd[1024];
    tdb t;

    (void)state;
    tdb_open(&t, false);
    tdb_fill(&t, NOW - 20 * DAY, NOW - DAY, 8000);
    update(&t, st, NOW, 0, &r);
    exec(t.w, "DELETE FROM inference_requests WHERE rowid % 10 = 3");
    exec(t.w, "VACUUM");
    update(&t, st, NOW, 0, &r);
    assert_string_equal(r.rebuilt, "max(rowid) 7200 is below the last row read 8000 (VACUUM or "
                        "table recreated)");
    brute_days(&t, st, TODAY - 20, TODAY);
    tdb_fill(&t, NOW - DAY, NOW, 100);          /* a changed row at the same rowid */
    update(&t, st, NOW, 0, &r);
    exec(t.w, "UPDATE inference_requests SET response_time = response_time + 1 WHERE rowid = "
              "(SELECT max(rowid) FROM inference_requests)");
    update(&t, st, NOW, 0, &r);
    assert_string_equal(r.rebuilt, "row 7300 changed (rowids renumbered by VACUUM?)");
    brute_days(&t, st, TODAY - 20, TODAY);
    tdb_close(&t);
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s.new' && mv '%s.new' '%s' && rm -f '%s-wal' '%s-shm'",
             t.path, t.path, t.path, t.path, t.path, t.path);
    assert_int_equal(system(cmd), 0);
    update(&t, st, NOW, 0, &r);
    assert_string_equal(r.rebuilt, "database file replaced");
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* Retention deletes the oldest rows after they were counted: the days keep
 * their figures (history), the days below min(rowid) are marked pruned, the
 * state is not rebuilt, and new rows still come in. */
static void test_days_retention_keeps_history(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_days_result r;
    hf_days_agg *a = malloc(sizeof(*a));
    unsigned pruned;
    uint64_t before;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 40 * DAY, NOW, 40000);
    update(&t, st, NOW, TODAY - 45, &r);
    hf_days_sum(st, TODAY - 40, TODAY, 0, a, NULL);
    before = a->count;
    assert_int_equal(before, 40000);
    {
        char sql[200], when[24];
        snprintf(sql, sizeof(sql), "DELETE FROM inference_requests WHERE created_at < '%s'",
                 hf_time_format(NOW - 30 * DAY + 3600, when, sizeof(when)));
        exec(t.w, sql);
    }
    tdb_fill(&t, NOW, NOW + 60, 50);
    update(&t, st, NOW + 60, TODAY - 45, &r);
    assert_string_equal(r.rebuilt, "");
    assert_int_equal(r.rows_read, 50);
    assert_true(r.min_rowid > 1);
    hf_days_sum(st, TODAY - 40, TODAY, r.min_rowid, a, &pruned);
    assert_int_equal(a->count, before + 50);
    assert_int_equal(pruned, 11);               /* days -40..-31 gone, -30 partly */
    assert_true(a->pruned);
    hf_days_get(st, TODAY - 30, r.min_rowid, a);
    assert_true(a->pruned);
    hf_days_get(st, TODAY - 29, r.min_rowid, a);
    assert_false(a->pruned);
    brute_days(&t, st, TODAY - 29, TODAY);      /* the days retention left alone */
    free(a);
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* Every accepted created_at format lands in its UTC day (an offset moves a
 * row to another day); NULL, garbage and a bad time of day after a good
 * row of the same date are skipped (the fast path agrees with hf_time);
 * NULL response times count but not in the average. */
static void test_days_formats(void **state)
{
    static const char *const good[] = {
        "2026-01-01 10:00:00", "2026-01-01T10:00:01", "2026-01-01T10:00:02Z",
        "2026-01-01T23:30:00-02:00",           /* 2026-01-02 01:30 UTC */
        "2026-01-01T01:00:00+05:00",           /* 2025-12-31 20:00 UTC */
        "2026-01-01 10:00:03.250", "1767225600", "1767225600.5"};
    static const char *const bad[] = {
        "2026-01-01 24:00:00", "2026-01-01 12:60:00", "2026-01-01 12:00:60", "2026-01-01 1a:00:00",
        "2026-01-01 12-00:00", "garbage", "", "2026-02-30 10:00:00", "2026-01-01"};
    hf_days_state *st = hf_days_state_new();
    hf_days_result r;
    hf_days_agg a;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    exec(t.w, "BEGIN");
    for (size_t i = 0; i < HF_ARRAY_SIZE(good); i++) {
        tdb_row(&t, 0, "2026-01-01 09:00:00", 100, false);     /* primes the fast path */
        tdb_row(&t, 0, good[i], (long)(10 * i), i % 2 == 0);
        tdb_bad_row(&t, bad[i]);
    }
    tdb_bad_row(&t, bad[8]);
    tdb_row(&t, 0, "2026-01-01 11:00:00", -1, false);          /* NULL response time */
    exec(t.w, "INSERT INTO inference_requests(created_at, response_time, status) VALUES "
              "(1767229200, 7, 'error'), (1767229200.25, 0.5, 'success')");
    tdb_bad_row(&t, NULL);
    exec(t.w, "INSERT INTO inference_requests(created_at, response_time, status) VALUES "
              "('2026-01-01 11:00:00', 0.25, 'success')");
    exec(t.w, "COMMIT");
    update(&t, st, NOW, 0, &r);
    assert_int_equal(r.skipped, 10);
    assert_string_equal(r.skipped_example, "rowid 29: created_at NULL");
    brute_days(&t, st, TODAY - 2, TODAY + 1);
    hf_days_get(st, TODAY, 0, &a);
    assert_int_equal(a.count, 8 + 6 + 1 + 3);
    assert_int_equal(a.rt_n, a.count - 1);
    hf_days_get(st, TODAY + 1, 0, &a);
    assert_int_equal(a.count, 1);
    hf_days_get(st, TODAY - 1, 0, &a);
    assert_int_equal(a.count, 1);
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* Rows inserted days late, out of time order, still land in their days;
 * rows more than HF_DAYS_AHEAD days ahead are counted in `ahead` only,
 * rows older than HF_DAYS_KEEP days in `older`. */
static void test_days_out_of_order(void **state)
{
    hf_days_state *st = hf_days_state_new(), *fresh = hf_days_state_new();
    hf_days_result r;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 10 * DAY, NOW - DAY, 5000);
    update(&t, st, NOW, 0, &r);
    exec(t.w, "BEGIN");
    for (int i = 0; i < 300; i++)
        tdb_row(&t, NOW - (double)(i % 9) * DAY - (double)i, NULL, 100 + i, i % 5 == 0);
    tdb_row(&t, NOW + 5 * DAY, NULL, 10, false);
    tdb_row(&t, NOW - 500 * DAY, NULL, 10, false);
    exec(t.w, "COMMIT");
    update(&t, st, NOW, 0, &r);
    assert_int_equal(r.rows_read, 302);
    assert_int_equal(r.ahead, 1);
    assert_int_equal(r.older, 1);
    brute_days(&t, st, TODAY - 10, TODAY + 2);
    update(&t, fresh, NOW, 0, &r);
    same_days(st, fresh, TODAY - 12, TODAY + 2);
    /* the clock set back a week and forward again: no day is lost */
    update(&t, st, NOW - 7 * DAY, 0, &r);
    assert_string_equal(r.rebuilt, "");
    update(&t, st, NOW, 0, &r);
    assert_int_equal(r.rows_read, 0);
    same_days(st, fresh, TODAY - 12, TODAY + 2);
    hf_days_state_free(st);
    hf_days_state_free(fresh);
    tdb_rm(&t);
}

/* Saved and loaded, the state goes on exactly as the one in memory; a
 * damaged, truncated, garbage, other-version or directory state file is
 * refused naming the file, and the next update rebuilds. */
static void test_days_state_file(void **state)
{
    hf_days_state *st = hf_days_state_new(), *st2 = hf_days_state_new();
    hf_days_result r, r2;
    char sp[200], err[512], cmd[600];
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 50 * DAY, NOW, 30000);
    tdb_row(&t, 0, "nonsense", 3, false);
    update(&t, st, NOW, 0, &r);
    snprintf(sp, sizeof(sp), "%s/report.state", t.dir);
    assert_true(hf_days_state_dirty(st));
    assert_int_equal(hf_days_state_save(st, sp, err, sizeof(err)), 0);
    assert_false(hf_days_state_dirty(st));
    assert_int_equal(hf_days_state_load(st2, sp, err, sizeof(err)), 0);
    assert_false(hf_days_state_dirty(st2));
    same_days(st, st2, TODAY - 60, TODAY + 2);
    update(&t, st2, NOW, 0, &r2);
    assert_int_equal(r2.rows_read, 0);
    assert_false(hf_days_state_dirty(st2));     /* nothing new: nothing to write */
    assert_int_equal(r2.skipped, 1);
    assert_string_equal(r2.skipped_example, r.skipped_example);
    tdb_fill(&t, NOW, NOW + 100, 77);
    update(&t, st, NOW + 100, 0, &r);
    update(&t, st2, NOW + 100, 0, &r2);
    assert_int_equal(r2.rows_read, 77);
    assert_true(hf_days_state_dirty(st2));
    same_days(st, st2, TODAY - 60, TODAY + 2);
    static const char *const damage[][2] = {
        {"printf 'X' | dd of=", " bs=1 seek=300 conv=notrunc status=none"},
        {"sed -i 's/^helixflow-report-days 1$/helixflow-report-days 9/' ", ""},
        {"truncate -s 1000 ", ""}, {"head -c 5000 /dev/urandom > ", ""}, {NULL, NULL},
        {"rm -rf ", ""}};
    for (size_t i = 0; i < HF_ARRAY_SIZE(damage); i++) {
        int rc;
        assert_int_equal(hf_days_state_save(st, sp, err, sizeof(err)), i == 5 ? -EISDIR : 0);
        if (damage[i][0]) {
            snprintf(cmd, sizeof(cmd), "%s%s%s", damage[i][0], sp, damage[i][1]);
            assert_int_equal(system(cmd), 0);
        } else {                                /* a directory where the file was */
            assert_int_equal(unlink(sp), 0);
            assert_int_equal(mkdir(sp, 0700), 0);
        }
        rc = hf_days_state_load(st2, sp, err, sizeof(err));
        assert_int_equal(rc, i == 5 ? -ENOENT : i == 4 ? -EISDIR : -EINVAL);
        if (i < 5 && !strstr(err, sp))
            fail_msg("damage %zu: '%s' does not name the file", i, err);
        update(&t, st2, NOW + 100, 0, &r2);
        assert_string_not_equal(r2.rebuilt, "");
        same_days(st, st2, TODAY - 60, TODAY + 2);
    }
    {
        hf_days_config c = {.path = "/x/opt/helixflow/data/helix flow.db"};
        assert_int_equal(hf_days_state_name(&c, sp, sizeof(sp)), 0);
        assert_int_equal(strncmp(sp, "report-helix_flow.db-", 21), 0);
        assert_int_equal(strlen(sp), 21 + 16 + 6);
    }
    {   /* another error status: the days no longer apply */
        hf_days_config c = days_cfg(&t, NOW + 100, 0);
        c.error_status = "success";
        assert_int_equal(hf_days_update(&c, st, &r), 0);
        assert_string_equal(r.rebuilt, "table, columns or error status changed");
    }
    hf_days_state_free(st);
    hf_days_state_free(st2);
    hf_days_state_free(NULL);
    tdb_rm(&t);
}

/* A budget too short for the first read: each call keeps what it read
 * without a hole and the next goes on; the end result equals one read. */
static void test_days_budget_continues(void **state)
{
    hf_days_state *st = hf_days_state_new(), *fresh = hf_days_state_new();
    hf_days_result r;
    int calls = 0;
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - 30 * DAY, NOW, 200000);
    do {
        hf_days_config c = days_cfg(&t, NOW, 0);
        c.budget_ms = 60;
        c.par_rows = 10000;
        assert_int_equal(hf_days_update(&c, st, &r), 0);
        assert_int_equal(r.status, HF_DAYS_OK);
        assert_true(r.coverage > 0 || r.rows_read == 0);
        assert_true(++calls < 2000);
    } while (r.coverage < 1.0);
    update(&t, fresh, NOW, 0, &r);
    same_days(st, fresh, TODAY - 31, TODAY);
    hf_days_state_free(st);
    hf_days_state_free(fresh);
    tdb_rm(&t);
}

/* Missing file, not a database, no table, a view, a missing column: the
 * status and a message naming what and where; nothing created beside it. */
static void test_days_bad_databases(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_days_result r;
    hf_days_config c;
    char path[200];
    tdb t;
    FILE *f;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, NOW - DAY, NOW, 10);
    c = days_cfg(&t, NOW, 0);
    c.table = "nope";
    assert_int_equal(hf_days_update(&c, st, &r), 0);
    assert_int_equal(r.status, HF_DAYS_SCHEMA);
    assert_string_equal(r.err, "database has no table 'nope'");
    exec(t.w, "CREATE VIEW v AS SELECT * FROM inference_requests");
    c.table = "v";
    assert_int_equal(hf_days_update(&c, st, &r), 0);
    assert_string_equal(r.err, "v is a view, not a table");
    c.table = NULL;
    c.rt_col = "latency";
    assert_int_equal(hf_days_update(&c, st, &r), 0);
    assert_int_equal(r.status, HF_DAYS_SCHEMA);
    assert_string_equal(r.err, "inference_requests has no column 'latency'");
    snprintf(path, sizeof(path), "%s/missing.db", t.dir);
    c = days_cfg(&t, NOW, 0);
    c.path = path;
    assert_int_equal(hf_days_update(&c, st, &r), 0);
    assert_int_equal(r.status, HF_DAYS_MISSING);
    assert_non_null(strstr(r.err, path));
    snprintf(path, sizeof(path), "%s/garbage.db", t.dir);
    assert_non_null(f = fopen(path, "w"));
    for (int i = 0; i < 2000; i++)
        fputs("not a database ", f);
    fclose(f);
    assert_int_equal(hf_days_update(&c, st, &r), 0);
    assert_int_equal(r.status, HF_DAYS_CORRUPT);
    assert_non_null(strstr(r.err, path));
    assert_int_equal(access(strcat(path, "-wal"), F_OK), -1);
    c.path = NULL;
    assert_int_equal(hf_days_update(&c, st, &r), -EINVAL);
    assert_int_equal(hf_days_update(NULL, st, &r), -EINVAL);
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* The histogram: bins of ratio 1.02; p95 of one value is that value; the
 * largest value is exact; nearest rank on a known set. */
static void test_days_bins_and_p95(void **state)
{
    hf_days_agg a;

    (void)state;
    assert_int_equal(hf_days_bin(0), 0);
    assert_int_equal(hf_days_bin(0.999), 0);
    assert_int_equal(hf_days_bin(1), 1);
    assert_int_equal(hf_days_bin(1.019), 1);
    assert_int_equal(hf_days_bin(1.021), 2);
    assert_int_equal(hf_days_bin(1e12), HF_DAYS_LOG_BINS + 1);
    for (double v = 1; v < 1e7; v *= 1.37) {
        int b = hf_days_bin(v);
        double mid = exp(((double)b - 0.5) * log(HF_DAYS_RATIO));
        assert_true(fabs(mid - v) <= HF_DAYS_P95_BOUND * v);
    }
    memset(&a, 0, sizeof(a));
    for (int v = 1; v <= 100; v++) {            /* 1..100: p95 is 95 */
        a.hist[hf_days_bin(v)]++;
        a.rt_n++;
        a.rt_sum += v;
    }
    a.rt_min = 1;
    a.rt_max = 100;
    assert_true(fabs(hf_days_p95(&a) - 95) <= 0.95);
    assert_true(hf_days_avg(&a) == 50.5);
    a.count = 200;
    a.errors = 3;
    assert_true(hf_days_error_pct(&a) == 1.5);
    memset(&a, 0, sizeof(a));
    a.hist[hf_days_bin(42)] = 19;
    a.rt_n = 19;
    a.rt_min = a.rt_max = 42;
    assert_true(hf_days_p95(&a) == 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_days_exact_vs_sql),
        cmocka_unit_test(test_days_incremental_equals_full),
        cmocka_unit_test(test_days_threads_equal),
        cmocka_unit_test(test_days_extend_back),
        cmocka_unit_test(test_days_vacuum_and_replaced_file),
        cmocka_unit_test(test_days_retention_keeps_history),
        cmocka_unit_test(test_days_formats),
        cmocka_unit_test(test_days_out_of_order),
        cmocka_unit_test(test_days_state_file),
        cmocka_unit_test(test_days_budget_continues),
        cmocka_unit_test(test_days_bad_databases),
        cmocka_unit_test(test_days_bins_and_p95),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
