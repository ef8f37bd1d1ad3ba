/* Unit tests: the hf_logs state: lines per class over a fixed time window
 * (on a pinned clock passed in, never the wall clock), the state file
 * (round trip, version 1, corrupt files) and its lock. Every test that
 * touches files works in its own temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_logs.h"

#include "test_logs_helpers.h"

#define T0 1800000000.0         /* 2027-01-15 08:00:00 UTC: a whole hour */

static void add4(hf_logs_state *st, double now, uint64_t e, uint64_t w, uint64_t c, uint64_t s)
{
    const uint64_t count[HF_LOGS_NCLASS] = {e, w, c, s};
    assert_int_equal(hf_logs_state_window_add(st, now, count), 0);
}

static void add_err(hf_logs_state *st, double now, uint64_t n)
{
    add4(st, now, n, 0, 0, 0);
}

static uint64_t errs(const hf_logs_state *st, double now, double seconds)
{
    return hf_logs_state_window_sum(st, now, HF_LOGS_ERROR, seconds);
}

/* No bucket in the future, none older than the history, each (start, span)
 * once, and no more than the granularity allows. */
static void assert_window_sane(const hf_logs_state *st, double now)
{
    size_t minutes = 0, hours = 0;

    for (size_t i = 0; i < st->nwin; i++) {
        const hf_logs_bucket *b = &st->win[i];
        assert_true(b->span == 60 || b->span == 3600);
        assert_int_equal(b->start % b->span, 0);
        assert_true((double)b->start <= now);
        assert_true((double)b->start > now - HF_LOGS_WIN_KEEP_S);
        for (size_t j = 0; j < i; j++)
            assert_false(st->win[j].start == b->start && st->win[j].span == b->span);
        if (b->span == 60)
            minutes++;
        else
            hours++;
    }
    assert_true(minutes <= HF_LOGS_WIN_FINE_S / 60);
    assert_true(hours <= HF_LOGS_WIN_KEEP_S / 3600 + 1);
}

/* ---- window ------------------------------------------------------------------ */

static void test_window_defaults(void **state)
{
    (void)state;
    assert_true(hf_logs_window_default(HF_LOGS_ERROR) == 900.0);
    assert_true(hf_logs_window_default(HF_LOGS_WARNING) == 900.0);
    assert_true(hf_logs_window_default(HF_LOGS_CRITICAL) == 900.0);
    assert_true(hf_logs_window_default(HF_LOGS_SECURITY) == 30 * 86400.0);
}

/* A window of W seconds counts the buckets that started within it. */
static void test_window_edges(void **state)
{
    hf_logs_state st;

    (void)state;
    hf_logs_state_init(&st);
    add4(&st, T0 + 10, 3, 1, 0, 2);             /* the minute bucket starting at T0 */
    assert_int_equal(st.nwin, 1);
    assert_int_equal(errs(&st, T0 + 10, 900), 3);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 10, HF_LOGS_WARNING, 900), 1);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 10, HF_LOGS_CRITICAL, 900), 0);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 10, HF_LOGS_SECURITY, 900), 2);
    assert_int_equal(errs(&st, T0 + 899, 900), 3);
    assert_int_equal(errs(&st, T0 + 900, 900), 0);     /* started W seconds ago: out */
    assert_int_equal(errs(&st, T0 + 59, 60), 3);
    assert_int_equal(errs(&st, T0 + 60, 60), 0);
    add_err(&st, T0 + 59.9, 1);                 /* same minute: same bucket */
    add_err(&st, T0 + 60, 1);                   /* the next one */
    assert_int_equal(st.nwin, 2);
    assert_int_equal(errs(&st, T0 + 60, 900), 5);
    assert_int_equal(errs(&st, T0 + 60, 30), 1);
    hf_logs_state_free(&st);
    assert_int_equal(st.nwin, 0);
    assert_null(st.win);
}

/* A burst read by a caller every 10 s and by one every 300 s: each has its
 * own state; both judge the same count over the window. */
static void test_window_callers_agree(void **state)
{
    hf_logs_state fast, slow;

    (void)state;
    hf_logs_state_init(&fast);
    hf_logs_state_init(&slow);
    for (int k = 0; k <= 12; k++)               /* one line every 10 s for 2 minutes */
        add_err(&fast, T0 + 10.0 * k, 1);
    add_err(&slow, T0 + 300, 13);               /* the slow caller reads them at once */
    for (double now = T0 + 300; now < T0 + 900; now += 10) {
        add_err(&fast, now, 0);
        assert_int_equal(errs(&fast, now, 900), 13);
        assert_int_equal(errs(&slow, now, 900), 13);
    }
    /* "new since the last run" would have said 13 once for the slow caller
     * and 1 for the fast one */
    hf_logs_state_free(&fast);
    hf_logs_state_free(&slow);
}

/* Minute buckets older than 2 hours merge into their hour; a window then
 * counts the hour buckets that started within it. */
static void test_window_minutes_to_hours(void **state)
{
    hf_logs_state st;
    double now = T0 + 179 * 60;

    (void)state;
    hf_logs_state_init(&st);
    for (int k = 0; k < 180; k++)               /* one line a minute for 3 hours */
        add_err(&st, T0 + 60.0 * k, 1);
    assert_window_sane(&st, now);
    assert_int_equal(st.nwin, 1 + 120);         /* hour T0 (minutes 0-59) + 120 minutes */
    assert_int_equal(errs(&st, now, 900), 15);
    assert_int_equal(errs(&st, now, 7200), 120);
    assert_int_equal(errs(&st, now, 9000), 120);        /* hour T0 started before the window */
    assert_int_equal(errs(&st, now, 179 * 60 + 1), 180);
    assert_int_equal(errs(&st, now, HF_LOGS_WIN_KEEP_S), 180);
    add_err(&st, now + 3600, 0);                /* ageing only: nothing is lost */
    assert_int_equal(errs(&st, now + 3600, 86400), 180);
    assert_window_sane(&st, now + 3600);
    hf_logs_state_free(&st);
}

/* Security over 30 days by the hour; dropped after 31 days; the version 1
 * functions are the security class of the window. */
static void test_window_security_days(void **state)
{
    hf_logs_state st;

    (void)state;
    hf_logs_state_init(&st);
    add4(&st, T0, 0, 0, 0, 4);
    hf_logs_state_sec_add(&st, T0 + 5, 1);
    assert_int_equal(hf_logs_state_sec_sum(&st, T0 + 5, 30), 5);
    add_err(&st, T0 + 86400, 0);
    assert_int_equal(hf_logs_state_sec_sum(&st, T0 + 86400, 30), 5);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 30 * 86400.0 - 1, HF_LOGS_SECURITY,
                                              HF_LOGS_SEC_WINDOW_S), 5);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 30 * 86400.0, HF_LOGS_SECURITY,
                                              HF_LOGS_SEC_WINDOW_S), 0);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 30 * 86400.0, HF_LOGS_SECURITY, 31 * 86400.0), 5);
    assert_int_equal(hf_logs_state_sec_sum(&st, T0 + 5, 0), 0);
    add_err(&st, T0 + HF_LOGS_WIN_KEEP_S, 0);   /* started 31 days ago: dropped */
    assert_int_equal(st.nwin, 0);
    hf_logs_state_free(&st);
}

/* 32 days of adds once a minute: the bucket count stays bounded. */
static void test_window_bounded(void **state)
{
    hf_logs_state st;
    size_t most = 0;
    double now = T0;

    (void)state;
    hf_logs_state_init(&st);
    for (int k = 0; k < 32 * 1440; k++) {
        now = T0 + 60.0 * k + 7;
        add4(&st, now, 1, 0, 0, 1);
        if (st.nwin > most)
            most = st.nwin;
    }
    assert_window_sane(&st, now);
    assert_true(most <= HF_LOGS_WIN_FINE_S / 60 + HF_LOGS_WIN_KEEP_S / 3600 + 1);
    assert_true(most < HF_LOGS_WIN_MAX);
    assert_int_equal(errs(&st, now, 900), 15);
    /* 30 days: the 120 minute buckets + the hour buckets that started
     * within (now - 30 d, now - 2 h]: here exactly a line a minute */
    assert_int_equal(hf_logs_state_window_sum(&st, now, HF_LOGS_SECURITY, 30 * 86400.0), 30 * 1440);
    hf_logs_state_free(&st);
}

/* The clock stepped back an hour: the bucket "in the future" counts as now
 * and is folded into the current minute at the next add; when the clock
 * gets there again it is not counted a second time. */
static void test_window_clock_back(void **state)
{
    hf_logs_state st;

    (void)state;
    hf_logs_state_init(&st);
    add_err(&st, T0 + 3600 + 5, 5);
    assert_int_equal(errs(&st, T0 + 10, 900), 5);      /* before any add: as now */
    assert_int_equal(errs(&st, T0 + 10, 30), 5);
    add_err(&st, T0 + 10, 2);
    assert_int_equal(st.nwin, 1);
    assert_int_equal(st.win[0].start, (int64_t)T0);
    assert_int_equal(errs(&st, T0 + 10, 900), 7);
    assert_window_sane(&st, T0 + 10);
    add_err(&st, T0 + 3600 + 5, 0);
    assert_int_equal(errs(&st, T0 + 3600 + 5, 900), 0);        /* not twice */
    assert_int_equal(errs(&st, T0 + 3600 + 5, 3700), 7);
    /* a far-future bucket (the clock was set to 2100, then corrected) */
    add_err(&st, 4102444800.0 + 30, 9);
    add_err(&st, T0 + 7200, 0);
    assert_window_sane(&st, T0 + 7200);
    assert_int_equal(errs(&st, T0 + 7200, 60), 9);
    hf_logs_state_free(&st);
}

/* A step forward: the window is empty, the old buckets go. */
static void test_window_clock_forward(void **state)
{
    hf_logs_state st;

    (void)state;
    hf_logs_state_init(&st);
    add4(&st, T0, 3, 3, 3, 3);
    add_err(&st, T0 + 40 * 86400.0, 1);
    assert_int_equal(st.nwin, 1);
    assert_int_equal(errs(&st, T0 + 40 * 86400.0, 900), 1);
    assert_int_equal(hf_logs_state_sec_sum(&st, T0 + 40 * 86400.0, 30), 0);
    hf_logs_state_free(&st);
}

static void test_window_bad_input(void **state)
{
    hf_logs_state st;
    const uint64_t count[HF_LOGS_NCLASS] = {1, 1, 1, 1};

    (void)state;
    hf_logs_state_init(&st);
    assert_int_equal(hf_logs_state_window_add(&st, NAN, count), -EINVAL);
    assert_int_equal(hf_logs_state_window_add(&st, INFINITY, count), -EINVAL);
    assert_int_equal(hf_logs_state_window_add(&st, 1e300, count), -EINVAL);
    assert_int_equal(st.nwin, 0);
    add4(&st, T0, 1, 1, 1, UINT64_MAX);
    add4(&st, T0 + 60, 0, 0, 0, 5);
    assert_int_equal(hf_logs_state_window_sum(&st, T0 + 60, HF_LOGS_SECURITY, 900), UINT64_MAX);
    assert_int_equal(hf_logs_state_window_sum(&st, T0, -1, 900), 0);
    assert_int_equal(hf_logs_state_window_sum(&st, T0, HF_LOGS_NCLASS, 900), 0);
    assert_int_equal(errs(&st, T0, 0), 0);
    assert_int_equal(errs(&st, T0, -5), 0);
    assert_int_equal(errs(&st, T0, NAN), 0);
    assert_int_equal(errs(&st, NAN, 900), 0);
    assert_int_equal(errs(&st, T0, INFINITY), 1);
    hf_logs_state_free(&st);
}

/* ---- state file ------------------------------------------------------------ */

static void test_state_save_load(void **state)
{
    tdir t;
    run r;
    hf_logs_state st2;
    char sp[400], err[HF_ERR_MAX];

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a b%.log", 2);
    append(&t, "a b%.log", "ERROR partial");
    assert_int_equal(probe(&r), 2);
    add4(&r.st, T0, 2, 0, 0, 3);
    add4(&r.st, T0 + 3 * 3600, 1, 1, 1, 0);     /* T0's bucket becomes an hour bucket */
    path_of(&t, "st", sp, sizeof(sp));
    assert_int_equal(hf_logs_state_save(&r.st, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_logs_state_load(&st2, sp, err, sizeof(err)), 0);
    assert_true(st2.initialized);
    assert_int_equal(st2.nfiles, 1);
    assert_string_equal(st2.files[0].path, r.st.files[0].path);
    assert_int_equal(st2.files[0].offset, r.st.files[0].offset);
    assert_int_equal(st2.files[0].partial, 13);
    assert_int_equal(st2.files[0].pflags, HF_LOGS_CLASS_BIT(HF_LOGS_ERROR));
    assert_int_equal(st2.files[0].fp, r.st.files[0].fp);
    assert_int_equal(st2.saved_ns, r.st.saved_ns);
    assert_int_equal(st2.nwin, 2);
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        for (double w = 60; w < 40 * 86400.0; w *= 3)
            assert_int_equal(hf_logs_state_window_sum(&st2, T0 + 3 * 3600, c, w),
                             hf_logs_state_window_sum(&r.st, T0 + 3 * 3600, c, w));
    assert_int_equal(hf_logs_state_sec_sum(&st2, T0 + 86400, 30), 3);
    assert_int_equal(hf_logs_state_sec_sum(&st2, T0 + 40 * 86400.0, 30), 0);
    hf_logs_state_free(&st2);
    path_of(&t, "missing", sp, sizeof(sp));
    assert_int_equal(hf_logs_state_load(&st2, sp, err, sizeof(err)), 0);
    assert_false(st2.initialized);
    run_free(&r);
    tdir_rm(&t);
}

/* A state file written by version 1 (no window, days of security history,
 * no end marker) is still read. */
static void test_state_version1(void **state)
{
    static const char v1[] =
        "helixflow-logs-state 1\n"
        "saved 1799990000000000000\n"
        "sec 20833 3\n"                         /* T0's day */
        "sec 20832 2\n"
        "file 1 2 10 10 0 00ff 4 0 0 0 /x -\n";
    tdir t;
    hf_logs_state st;
    char sp[400], err[HF_ERR_MAX];

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    put(&t, "st", "w", v1, strlen(v1));
    assert_int_equal(hf_logs_state_load(&st, sp, err, sizeof(err)), 0);
    assert_int_equal(st.nfiles, 1);
    assert_int_equal(st.files[0].offset, 10);
    assert_int_equal(st.nwin, 2);
    assert_int_equal(hf_logs_state_sec_sum(&st, T0, 30), 5);
    assert_int_equal(errs(&st, T0, 30 * 86400.0), 0);
    hf_logs_state_free(&st);
    tdir_rm(&t);
}

static void test_state_corrupt(void **state)
{
    static const char *const bad[] = {
        "garbage\n",
        "helixflow-logs-state 3\n",
        "helixflow-logs-state 2\nsaved 5\nfile 1 2 3\n",
        "helixflow-logs-state 2\nsaved 5\nfile 1 2 10 10 0 00ff 300 0 0 0 /x -\n",
        "helixflow-logs-state 2\nsaved 5\nwin 1800000030 60 1 0 0 0\n",
        "helixflow-logs-state 2\nsaved 5\nwin 1800000000 120 1 0 0 0\n",
        "helixflow-logs-state 2\nsaved 5\nwin 1800000000 60 1 0 0\n",
        "helixflow-logs-state 2\nsaved 5\nsec 20833 3\n",
        "helixflow-logs-state 1\nsaved 5\nwin 1800000000 60 1 0 0 0\n",
    };
    static const char *const msg[] = {
        "line 1: malformed record", "unsupported version", "line 3: malformed record",
        "line 3: malformed record", "line 3: malformed record", "line 3: malformed record",
        "line 3: malformed record", "line 3: malformed record", "line 3: malformed record",
    };
    tdir t;
    hf_logs_state st;
    char sp[400], err[HF_ERR_MAX], want[600];

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put(&t, "st", "w", bad[i], strlen(bad[i]));
        assert_int_equal(hf_logs_state_load(&st, sp, err, sizeof(err)), -EINVAL);
        assert_int_equal(st.nfiles, 0);
        assert_int_equal(st.nwin, 0);
        snprintf(want, sizeof(want), "state file %s%s%s", sp, msg[i][0] == 'l' ? " " : ": ", msg[i]);
        assert_string_equal(err, want);
    }
    tdir_rm(&t);
}

static void test_lock(void **state)
{
    tdir t;
    char sp[400], err[HF_ERR_MAX];
    int a, b;

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    a = hf_logs_state_lock(sp, 100, err, sizeof(err));
    assert_true(a >= 0);
    b = hf_logs_state_lock(sp, 50, err, sizeof(err));
    assert_int_equal(b, -EWOULDBLOCK);
    close(a);
    b = hf_logs_state_lock(sp, 50, err, sizeof(err));
    assert_true(b >= 0);
    close(b);
    tdir_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_window_defaults),
        cmocka_unit_test(test_window_edges),
        cmocka_unit_test(test_window_callers_agree),
        cmocka_unit_test(test_window_minutes_to_hours),
        cmocka_unit_test(test_window_security_days),
        cmocka_unit_test(test_window_bounded),
        cmocka_unit_test(test_window_clock_back),
        cmocka_unit_test(test_window_clock_forward),
        cmocka_unit_test(test_window_bad_input),
        cmocka_unit_test(test_state_save_load),
        cmocka_unit_test(test_state_version1),
        cmocka_unit_test(test_state_corrupt),
        cmocka_unit_test(test_lock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
