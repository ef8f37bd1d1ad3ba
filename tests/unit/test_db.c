/* Unit tests: the request statistics of the database probe (hf_db) against
 * real SQLite files made here, checked against SQLite's own COUNT/SUM/AVG
 * (and the exact p95) over the same window, ending at a pinned clock: the
 * backfill, incremental calls, retention deletes, VACUUM, clock steps,
 * out-of-order and future rows, formats, the cost per call. The state file,
 * bad inputs and the parser are in test_db_io.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    assert_true(r.exact);
    brute(&t, &r);
    brute_operator_sql(&t, &r);
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
    /* each far edge moved 30 min: about as many rows as were added there */
    assert_true(r.edge_rows <= 4 * (20000 / 31 / 48 + 4));
    brute(&t, &r);
    brute_operator_sql(&t, &r);
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
    brute_operator_sql(&t, &r);
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
    hf_db_config cfg = {.now = NOW - 600, .budget_ms = 60, .txn_ms = 1};
    hf_db_result r;
    int calls = 0;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 30 * DAY, NOW, 400000);
    cfg.path = t.path;
    do {                        /* the clock moves on while it catches up */
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
        assert_int_equal(r.status, HF_DB_OK);
        assert_true(r.coverage > 0 || calls == 0);
        calls++;
        cfg.now += 1.5;
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
    /* far more rows out of order than can be kept one by one: whole buckets */
    assert_false(r.exact);
    assert_string_equal(r.inexact, "more than 4096 rows out of time order by over 3600 s or "
                        "dated ahead (rowid 5546)");
    brute(&t, &r);              /* against the bucket-aligned window it reports */
    tdb_fill(&t, NOW, NOW + 600, 50);
    probe(&t, st, NOW + 600, &r);
    assert_string_equal(r.rebuilt, "");
    assert_false(r.exact);
    brute(&t, &r);
    probe(&t, st, NOW + 31 * DAY, &r);          /* the disorder has aged out: exact again */
    assert_int_equal(strncmp(r.rebuilt, "retrying exact windows (more than 4096", 38), 0);
    assert_true(r.exact);
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

/* ---- exact windows: every window ends at now, whatever now is ---- */

enum { FMT_TEXT, FMT_ISO, FMT_EPOCH_INT, FMT_EPOCH_TEXT, FMT_MIXED };

/* One row at ts in one of the accepted formats. */
static void tdb_row_fmt(tdb *t, double ts, int fmt, long rt, bool err)
{
    char buf[48];
    int64_t e = (int64_t)ts;

    if (fmt == FMT_MIXED)
        fmt = (int)(e / 20 % 4);
    if (fmt == FMT_TEXT) {
        tdb_row(t, ts, NULL, rt, err);
        return;
    }
    if (fmt == FMT_ISO) {       /* 2026-01-01T00:00:00Z */
        hf_time_format(ts, buf, sizeof(buf));
        buf[10] = 'T';
        strcat(buf, "Z");
        tdb_row(t, ts, buf, rt, err);
        return;
    }
    if (fmt == FMT_EPOCH_TEXT) {
        snprintf(buf, sizeof(buf), "%lld", (long long)e);
        tdb_row(t, ts, buf, rt, err);
        return;
    }
    sqlite3_bind_int64(t->ins, 1, e);
    sqlite3_bind_int64(t->ins, 2, rt);
    sqlite3_bind_text(t->ins, 3, err ? "error" : "success", -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(t->ins), SQLITE_DONE);
    sqlite3_reset(t->ins);
}

/* A row at every multiple of step in (from, to]; returns how many. */
static int tdb_grid(tdb *t, double from, double to, double step, int fmt)
{
    int n = 0;

    exec(t->w, "BEGIN");
    for (double ts = (floor(from / step) + 1) * step; ts <= to; ts += step, n++) {
        long rt = rnd_rt(t);
        tdb_row_fmt(t, ts, fmt, rt, rnd(t) % 100 < 3);
    }
    exec(t->w, "COMMIT");
    return n;
}

/* The windows of a from-scratch rebuild at the same clock are the same. */
static void same_as_rebuild(const tdb *t, const hf_db_result *r)
{
    hf_db_state *fresh = hf_db_state_new();
    hf_db_result f;

    probe(t, fresh, r->now, &f);
    assert_string_equal(f.rebuilt, "no saved state");
    for (int w = 0; w < HF_DB_NWIN; w++) {
        assert_int_equal(f.win[w].count, r->win[w].count);
        assert_int_equal(f.win[w].errors, r->win[w].errors);
        assert_int_equal(f.win[w].rt_count, r->win[w].rt_count);
        assert_true(f.win[w].start == r->win[w].start);
    }
    hf_db_state_free(fresh);
}

/* Clock steps after NOW - 2 h (a multiple of 20 s): rows every 20 s, and
 * every W is a multiple of 20 s, so a clock at a multiple of 20 s puts all
 * four far edges exactly on a row (which is then out: created_at > now - W).
 * Others cut minute and hour buckets in the middle, land on bucket starts,
 * carry fractions, jump more than a bucket or a day. */
static const double clock_steps[] = {
    0, 20, 1, 19, 0.5, 39.5, 60, 30, 600, 1770, 1800, 3599, 1, 3600, 20, 7200, 0.25, 19.75,
    1234.5, 85165.5, 20, 40, 4 * 3600 + 7, 13, 60, 59.5, 0.5, 3 * DAY + 40, 20,
};

static void exact_sweep(const char *schema, int fmt)
{
    hf_db_state *st = hf_db_state_new();
    double now = NOW - 7200, total_added = 0;
    hf_db_result r;
    tdb t;

    tdb_open(&t, schema, true);
    tdb_grid(&t, now - 31 * DAY, now, 20, fmt);
    for (size_t i = 0; i < sizeof(clock_steps) / sizeof(clock_steps[0]); i++) {
        int added = tdb_grid(&t, now, now + clock_steps[i], 20, fmt);
        now += clock_steps[i];
        total_added += added;
        probe(&t, st, now, &r);
        assert_string_equal(r.rebuilt, i ? "" : "no saved state");
        assert_true(r.exact && r.coverage == 1.0);
        assert_int_equal(r.exceptions, 0);
        if (i)
            assert_int_equal(r.rows_read, added);
        brute_check(&t, &r, i % 3 == 0);
        if (fmt == FMT_TEXT && now == floor(now))
            brute_operator_sql(&t, &r);
        if (i % 7 == 3)
            same_as_rebuild(&t, &r);
    }
    assert_true(total_added > 15000);
    hf_db_state_free(st);
    tdb_rm(&t);
}

static void test_exact_many_clocks(void **state)
{
    (void)state;
    exact_sweep("ipk", FMT_TEXT);
}

/* The same over ISO-8601 T/Z, integer epoch and epoch text rows, mixed. */
static void test_exact_formats_mixed(void **state)
{
    (void)state;
    exact_sweep("plain_t", FMT_MIXED);
}

/* Rows in place at every edge, then the clock moves one second at a time
 * across a row exactly at the edge: in, then out. */
static void test_exact_edge_rows(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r, prev;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_grid(&t, NOW - 31 * DAY, NOW, 300, FMT_TEXT);   /* rows on every 5 minutes */
    probe(&t, st, NOW - 1, &prev);
    brute(&t, &prev);
    for (double now = NOW; now <= NOW + 2; now += 0.5) {
        probe(&t, st, now, &r);
        brute(&t, &r);
        for (int w = 0; w < HF_DB_NWIN; w++)    /* at NOW the rows at NOW - W leave */
            assert_int_equal(r.win[w].count, prev.win[w].count - (now == NOW ? 1 : 0));
        prev = r;
    }
    hf_db_state_free(st);
    tdb_rm(&t);
}

/* Disorder: jitter inside the tolerance, rows inserted hours or days late
 * (kept one by one), rows dated ahead that enter the windows later, some
 * right at an edge as the clock passes it. */
static void test_exact_out_of_order(void **state)
{
    static const double late[] = {7200, 3600 + 30, 86400 - 25, 86400 + 600, 604800 - 35,
                                  2592000 - 45, 2592000 + 3600};
    hf_db_state *st = hf_db_state_new();
    double now = NOW;
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_grid(&t, NOW - 31 * DAY, NOW, 60, FMT_TEXT);
    probe(&t, st, now, &r);
    for (int k = 0; k < 12; k++) {
        double next = now + 1800 + 7.5 * k;
        exec(t.w, "BEGIN");
        for (int i = 0; i < 200; i++)           /* +-20 min of jitter */
            tdb_row(&t, now + (double)(rnd(&t) % 1800) - 1200, NULL, rnd_rt(&t), i % 17 == 0);
        for (size_t i = 0; i < sizeof(late) / sizeof(late[0]); i++)
            tdb_row(&t, next - late[i] + 10 * (k % 3), NULL, 100 + k, k % 2);
        tdb_row(&t, next + 3600 + 900, NULL, 4000, false);  /* ahead: in no window yet */
        exec(t.w, "COMMIT");
        now = next;
        probe(&t, st, now, &r);
        assert_string_equal(r.rebuilt, "");
        assert_true(r.exact && r.exceptions > 0);
        assert_true(r.future >= 1);
        brute(&t, &r);
        for (double d = 5; d <= 40; d += 5) {   /* edges pass the late rows one by one */
            probe(&t, st, now + d, &r);
            brute_counts(&t, &r);
        }
        now += 40;
    }
    same_as_rebuild(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

/* HelixFlow's retention (created_at < now - 30 d) deletes the very rows the
 * 30 d edge would take out: the bucket at the edge is then counted from what
 * is left, once per retention run. VACUUM keeps rowids with an INTEGER
 * PRIMARY KEY and renumbers them without (rebuild). */
static void test_exact_retention_vacuum(void **state)
{
    static const double steps[] = {600, 3600, 1234.5, 60, 86400, 30, 7200.25};
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    char sql[200], ts[32];
    tdb t;

    (void)state;
    for (int variant = 0; variant < 2; variant++) {
        double now = NOW;
        tdb_open(&t, variant ? "plain" : "ipk", false);
        tdb_grid(&t, NOW - 35 * DAY, NOW, 90, FMT_TEXT);
        hf_db_state_reset(st, NULL);
        probe(&t, st, now, &r);
        for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
            int added = tdb_grid(&t, now, now + steps[i], 90, FMT_TEXT);
            now += steps[i];
            /* retention ran a little before this call, on HelixFlow's own clock */
            snprintf(sql, sizeof(sql), "DELETE FROM inference_requests WHERE created_at < '%s'",
                     hf_time_format(now - 30 * DAY - (double)(i % 3) * 100, ts, sizeof(ts)));
            exec(t.w, sql);
            if (i % 3 == 2)
                exec(t.w, "VACUUM");
            probe(&t, st, now, &r);
            assert_true(r.exact);
            if (!variant || i % 3 != 2)
                assert_string_equal(r.rebuilt, "");
            else
                assert_int_equal(strncmp(r.rebuilt, "max(rowid)", 10) && strncmp(r.rebuilt,
                                 "row ", 4), 0);
            /* bounded: an hour of rows at the 30 d edge, the rest ~rows added */
            if (!r.rebuilt[0])
                assert_true(r.edge_rows <= 40 + 4 * ((uint64_t)added + 8) + 4 * 160);
            brute_check(&t, &r, i % 2 == 0);
            if (now == floor(now))
                brute_operator_sql(&t, &r);
        }
        tdb_rm(&t);
    }
    hf_db_state_free(st);
}

/* Backward clock steps up to 2 h are absorbed exactly. */
static void test_exact_clock_back(void **state)
{
    static const double clocks[] = {NOW, NOW + 3600, NOW + 1800, NOW + 1799.5, NOW + 5000,
                                    NOW - 2000, NOW - 1999, NOW + 100, NOW + 7200};
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_grid(&t, NOW - 31 * DAY, NOW, 45, FMT_TEXT);
    for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
        probe(&t, st, clocks[i], &r);
        assert_string_equal(r.rebuilt, i ? "" : "no saved state");
        brute(&t, &r);
    }
    hf_db_state_free(st);
    tdb_rm(&t);
}

/* A row at a far edge rewritten in place (HelixFlow never does): taking it
 * out does not match what the bucket holds, so the state is rebuilt. */
static void test_exact_changed_in_place(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    char sql[200], ts[32];
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_grid(&t, NOW - 31 * DAY, NOW, 60, FMT_TEXT);
    probe(&t, st, NOW, &r);
    snprintf(sql, sizeof(sql), "UPDATE inference_requests SET response_time = 5000000 WHERE "
             "created_at = '%s'", hf_time_format(NOW - DAY + 60, ts, sizeof(ts)));
    exec(t.w, sql);
    probe(&t, st, NOW + 120, &r);
    assert_int_equal(strncmp(r.rebuilt, "row ", 4), 0);
    assert_non_null(strstr(r.rebuilt, "at the far edge of a window does not match the "
                           "aggregates (changed in place?)"));
    brute(&t, &r);
    hf_db_state_free(st);
    tdb_rm(&t);
}

/* The work of a call is O(rows added), not O(table): rows arrive at a steady
 * rate; each call reads the new rows once and, at each of the four far
 * edges, the rows that left the window since the last call plus one. */
static void test_exact_cost(void **state)
{
    hf_db_state *st = hf_db_state_new();
    double now = NOW;
    uint64_t edge = 0, added_all = 0;
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_grid(&t, NOW - 31 * DAY, NOW, 12, FMT_TEXT);     /* 223,200 rows */
    probe(&t, st, now, &r);
    for (int k = 0; k < 40; k++) {
        double step = k % 10 == 9 ? 5 * 3600 : 300 + k;  /* every 5 min, sometimes 5 h */
        int added = tdb_grid(&t, now, now + step, 12, FMT_TEXT);
        now += step;
        probe(&t, st, now, &r);
        assert_int_equal(r.rows_read, added);
        if (step < 3600)
            assert_true(r.edge_rows <= 4 * ((uint64_t)added + 2));
        else            /* a jump past whole buckets: a bisection, then one bucket at most */
            assert_true(r.edge_rows <= 4 * (300 + 2 + 160));
        edge += r.edge_rows;
        added_all += (uint64_t)added;
        if (k % 8 == 0)
            brute_counts(&t, &r);
    }
    print_message("rows added %llu, edge rows read %llu\n", (unsigned long long)added_all,
                  (unsigned long long)edge);
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
        cmocka_unit_test(test_exact_many_clocks),
        cmocka_unit_test(test_exact_formats_mixed),
        cmocka_unit_test(test_exact_edge_rows),
        cmocka_unit_test(test_exact_out_of_order),
        cmocka_unit_test(test_exact_retention_vacuum),
        cmocka_unit_test(test_exact_clock_back),
        cmocka_unit_test(test_exact_changed_in_place),
        cmocka_unit_test(test_exact_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
