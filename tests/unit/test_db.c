/* Unit tests: the request statistics of the database probe (hf_db) against
 * real SQLite files made here, checked against brute-force SQL on the same
 * file. The state file, bad inputs and the parser are in test_db_io.c. */
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
#include "test_db_helpers.h"

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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
