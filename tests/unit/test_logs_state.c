/* Unit tests: the hf_logs state: lines per class over a fixed time window
 * (on a pinned clock passed in, never the wall clock), the state file
 * (round trip, version 1; truncated, edited, garbage, a directory, a fifo, a
 * symlink) and its lock (a symlinked lock path is refused). Every test that
 * touches files works in its own temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
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

/* The file's bytes are pinned (the writer formats numbers without printf:
 * extremes, a negative time, escapes): what printf's format gave, byte for
 * byte, and it loads back. */
static void test_state_format_pinned(void **state)
{
    tdir t;
    hf_logs_state st, st2;
    hf_logs_fstate *f;
    char sp[400], err[HF_ERR_MAX], want[2048], *got = NULL;
    size_t len;
    int n;

    (void)state;
    tdir_make(&t);
    hf_logs_state_init(&st);
    st.saved_ns = -1234567890123LL;
    add4(&st, T0, UINT64_MAX, 0, 7, 1);
    f = hf_logs_state_add(&st, "/var/log/a b%\x01\x7f\xc3\xa9.log");
    assert_non_null(f);
    f->dev = UINT64_MAX;
    f->ino = 0;
    f->offset = 10;
    f->size = 1ull << 40;
    f->mtime_ns = INT64_MIN;
    f->fp = 0x0123456789abcdefULL;
    f->fp_len = 256;
    f->partial = 3;
    f->pflags = 5;
    f->rotated = true;
    f->origin = strdup("-dash.log");
    assert_non_null(f->origin);
    assert_non_null(hf_logs_state_add(&st, "/plain.log"));
    path_of(&t, "st", sp, sizeof(sp));
    assert_int_equal(hf_logs_state_save(&st, sp, err, sizeof(err)), 0);
    n = snprintf(want, sizeof(want),
                 "helixflow-logs-state 2\nsaved %" PRId64 "\n"
                 "win %" PRId64 " 60 %" PRIu64 " 0 7 1\n"
                 "file %" PRIu64 " 0 10 %" PRIu64 " %" PRId64 " %016" PRIx64 " 256 3 5 1 "
                 "/var/log/a%%20b%%25%%01%%7F%%C3%%A9.log %%2Ddash.log\n"
                 "file 0 0 0 0 0 0000000000000000 0 0 0 0 /plain.log -\n",
                 (int64_t)-1234567890123LL, (int64_t)T0, UINT64_MAX, UINT64_MAX, (uint64_t)1 << 40,
                 INT64_MIN, (uint64_t)0x0123456789abcdefULL);
    assert_true(n > 0 && (size_t)n < sizeof(want) - 40);
    snprintf(want + n, sizeof(want) - (size_t)n, "end %016" PRIx64 "\n",
             hf_hash64(want, (size_t)n, HF_HASH_SEED));
    len = (size_t)hf_file_read(sp, 1 << 20, &got);
    assert_non_null(got);
    assert_int_equal(len, strlen(want));
    assert_string_equal(got, want);
    free(got);
    assert_int_equal(hf_logs_state_load(&st2, sp, err, sizeof(err)), 0);
    assert_int_equal(st2.nfiles, 2);
    assert_string_equal(st2.files[0].path, "/var/log/a b%\x01\x7f\xc3\xa9.log");
    assert_string_equal(st2.files[0].origin, "-dash.log");
    assert_true(st2.files[0].mtime_ns == INT64_MIN);
    assert_true(st2.files[0].dev == UINT64_MAX);
    assert_true(st2.saved_ns == -1234567890123LL);
    hf_logs_state_free(&st2);
    hf_logs_state_free(&st);
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

/* Write text followed by its end marker (a state file a writer could have
 * written, with the records under test). */
static void put_sealed(const tdir *t, const char *name, const char *text)
{
    char end[32];

    snprintf(end, sizeof(end), "end %016" PRIx64 "\n", hf_hash64(text, strlen(text), HF_HASH_SEED));
    put(t, name, "w", text, strlen(text));
    append(t, name, end);
}

/* Load must fail with err "state file <path><sep><msg>", the state empty. */
static void assert_load_fails(const char *sp, int want_rc, const char *msg)
{
    hf_logs_state st;
    char err[HF_ERR_MAX], want[600];

    memset(&st, 0x5a, sizeof(st));
    assert_int_equal(hf_logs_state_load(&st, sp, err, sizeof(err)), want_rc);
    assert_int_equal(st.nfiles, 0);
    assert_int_equal(st.nwin, 0);
    assert_false(st.initialized);
    snprintf(want, sizeof(want), "state file %s%s%s", sp, !strncmp(msg, "line ", 5) ? " " : ": ", msg);
    assert_string_equal(err, want);
}

/* Records that are wrong though the file is whole (sealed). */
static void test_state_bad_records(void **state)
{
    static const char *const bad[] = {
        "helixflow-logs-state 2\nsaved 5\nfile 1 2 3\n",
        "helixflow-logs-state 2\nsaved 5\nfile 1 2 10 10 0 00ff 300 0 0 0 /x -\n",
        "helixflow-logs-state 2\nsaved 5\nwin 1800000030 60 1 0 0 0\n",
        "helixflow-logs-state 2\nsaved 5\nwin 1800000000 120 1 0 0 0\n",
        "helixflow-logs-state 2\nsaved 5\nwin 1800000000 60 1 0 0\n",
        "helixflow-logs-state 2\nsaved 5\nsec 20833 3\n",
        "helixflow-logs-state 2\nsaved x\n",
        "helixflow-logs-state 2\nend 0000000000000000\nsaved 5\n",
        "helixflow-logs-state 3\n",
    };
    static const char *const msg[] = {
        "line 3: malformed record", "line 3: malformed record", "line 3: malformed record",
        "line 3: malformed record", "line 3: malformed record", "line 3: malformed record",
        "line 2: malformed record", "line 2: malformed record", "unsupported version",
    };
    static const char v1win[] = "helixflow-logs-state 1\nsaved 5\nwin 1800000000 60 1 0 0 0\n";
    tdir t;
    char sp[400];

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put_sealed(&t, "st", bad[i]);
        assert_load_fails(sp, -EINVAL, msg[i]);
    }
    put(&t, "st", "w", v1win, strlen(v1win));
    assert_load_fails(sp, -EINVAL, "line 3: malformed record");     /* no "win" in version 1 */
    tdir_rm(&t);
}

/* The same parser from memory: the name given stands for the file. */
static void test_state_parse_memory(void **state)
{
    static const char body[] = "helixflow-logs-state 2\nsaved 7\nwin 1800000000 60 4 0 0 1\n";
    char text[256], err[HF_ERR_MAX];
    hf_logs_state st;
    int n;

    (void)state;
    n = snprintf(text, sizeof(text), "%send %016" PRIx64 "\n", body,
                 hf_hash64(body, strlen(body), HF_HASH_SEED));
    assert_int_equal(hf_logs_state_parse(&st, text, (size_t)n, "mem", err, sizeof(err)), 0);
    assert_true(st.initialized);
    assert_int_equal(st.saved_ns, 7);
    assert_int_equal(errs(&st, T0, 900), 4);
    hf_logs_state_free(&st);
    text[n - 2] = text[n - 2] == '0' ? '1' : '0';
    assert_int_equal(hf_logs_state_parse(&st, text, (size_t)n, "mem", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "state file mem: checksum mismatch (corrupted, or edited by hand)");
    assert_int_equal(st.nwin, 0);
    assert_int_equal(hf_logs_state_parse(&st, text, 5, "mem", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "state file mem: truncated (last line incomplete)");
}

/* Garbage of every kind: named, the caller starts afresh. */
static void test_state_garbage(void **state)
{
    static const char *const bad[] = {
        "garbage\n", "", "garbage", "helixflow-logs-state 2\n", "helixflow-logs-state 2\nsaved 5\n",
    };
    static const char *const msg[] = {
        "line 1: malformed record", "empty (truncated)", "truncated (last line incomplete)",
        "truncated (no end marker)", "truncated (no end marker)",
    };
    tdir t;
    char sp[400];

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        put(&t, "st", "w", bad[i], strlen(bad[i]));
        assert_load_fails(sp, -EINVAL, msg[i]);
    }
    put(&t, "st", "w", "helixflow-logs-state 2\n\0end\n", 28);
    assert_load_fails(sp, -EINVAL, "contains NUL bytes");
    tdir_rm(&t);
}

/* A saved state cut anywhere is refused; edited, refused; then rebuilt. */
static void test_state_truncated_and_edited(void **state)
{
    tdir t;
    run r;
    hf_logs_state st;
    char sp[400], err[HF_ERR_MAX], *data, *p;
    long n;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 3);
    errors(&t, "b.log", 2);
    assert_int_equal(probe(&r), 5);
    add4(&r.st, T0, 5, 0, 0, 1);
    path_of(&t, "st", sp, sizeof(sp));
    assert_int_equal(hf_logs_state_save(&r.st, sp, err, sizeof(err)), 0);
    n = hf_file_read(sp, 1 << 20, &data);
    assert_true(n > 0);
    assert_non_null(strstr(data, "\nend "));
    assert_int_equal(data[n - 1], '\n');
    for (long cut = 0; cut < n; cut++) {
        put(&t, "st", "w", data, (size_t)cut);
        memset(&st, 0, sizeof(st));
        assert_true(hf_logs_state_load(&st, sp, err, sizeof(err)) < 0);
        assert_non_null(strstr(err, sp));
        assert_true(strstr(err, ": truncated (") || strstr(err, ": empty (truncated)"));
    }
    p = strstr(data, "file ");                  /* one digit of the first file record */
    assert_non_null(p);
    p[5] = p[5] == '9' ? '8' : (char)(p[5] + 1);
    put(&t, "st", "w", data, (size_t)n);
    assert_load_fails(sp, -EINVAL, "checksum mismatch (corrupted, or edited by hand)");
    put(&t, "st", "w", data, (size_t)n);
    append(&t, "st", "file 1 2 3\n");           /* appended after the end line */
    assert_load_fails(sp, -EINVAL, "truncated (no end marker)");
    /* the caller starts afresh: the next save is whole again */
    assert_int_equal(hf_logs_state_save(&r.st, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_logs_state_load(&st, sp, err, sizeof(err)), 0);
    assert_int_equal(st.nfiles, 2);
    assert_int_equal(errs(&st, T0, 900), 5);
    hf_logs_state_free(&st);
    free(data);
    run_free(&r);
    tdir_rm(&t);
}

/* A directory, a fifo (no blocking), a symlink (never followed) where the
 * state file should be; too many window buckets. */
static void test_state_not_a_file(void **state)
{
    tdir t;
    hf_logs_state st;
    hf_buf b = {0};
    char sp[400], target[400], err[HF_ERR_MAX], *data;

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    assert_int_equal(mkdir(sp, 0700), 0);
    assert_load_fails(sp, -EISDIR, "not a regular file (directory)");
    hf_logs_state_init(&st);
    assert_true(hf_logs_state_save(&st, sp, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, sp));
    assert_int_equal(strncmp(err, "state file ", 11), 0);
    assert_int_equal(rmdir(sp), 0);
    assert_int_equal(mkfifo(sp, 0600), 0);
    assert_load_fails(sp, -EINVAL, "not a regular file (fifo)");
    assert_int_equal(unlink(sp), 0);
    /* a symlink: refused at load; a save replaces the link, not its target */
    path_of(&t, "target", target, sizeof(target));
    put(&t, "target", "w", "precious\n", 9);
    assert_int_equal(symlink(target, sp), 0);
    assert_load_fails(sp, -ELOOP, "is a symbolic link (refused: never followed)");
    assert_int_equal(hf_logs_state_save(&st, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_file_read(target, 100, &data), 9);
    assert_string_equal(data, "precious\n");
    free(data);
    assert_int_equal(hf_logs_state_load(&st, sp, err, sizeof(err)), 0);
    assert_true(st.initialized);
    hf_logs_state_free(&st);
    /* more buckets than any state can hold */
    hf_buf_printf(&b, "helixflow-logs-state 2\nsaved 5\n");
    for (int i = 0; i <= HF_LOGS_WIN_MAX; i++)
        hf_buf_printf(&b, "win %d 60 1 0 0 0\n", 60 * i);
    assert_false(b.oom);
    put_sealed(&t, "st", hf_buf_str(&b));
    snprintf(err, sizeof(err), "line %d: more than %d window buckets", HF_LOGS_WIN_MAX + 3, HF_LOGS_WIN_MAX);
    assert_load_fails(sp, -EINVAL, err);
    hf_buf_free(&b);
    tdir_rm(&t);
}

static void test_lock(void **state)
{
    tdir t;
    char sp[400], lp[420], err[HF_ERR_MAX], want[600];
    struct stat sb;
    int a, b;

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    snprintf(lp, sizeof(lp), "%s.lock", sp);
    a = hf_logs_state_lock(sp, 100, err, sizeof(err));
    assert_true(a >= 0);
    assert_int_equal(fcntl(a, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    assert_int_equal(stat(lp, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    b = hf_logs_state_lock(sp, 50, err, sizeof(err));
    assert_int_equal(b, -EWOULDBLOCK);
    snprintf(want, sizeof(want), "state lock %s.lock: held by another run", sp);
    assert_string_equal(err, want);
    close(a);
    b = hf_logs_state_lock(sp, 50, err, sizeof(err));
    assert_true(b >= 0);
    close(b);
    tdir_rm(&t);
}

/* A lock path that is a symlink (to a file, or dangling), a directory or a
 * fifo is refused, and nothing is created at a link's target. */
static void test_lock_refuses(void **state)
{
    tdir t;
    char sp[400], lp[420], target[400], err[HF_ERR_MAX], want[900];
    struct stat sb;

    (void)state;
    tdir_make(&t);
    path_of(&t, "st", sp, sizeof(sp));
    snprintf(lp, sizeof(lp), "%s.lock", sp);
    path_of(&t, "elsewhere", target, sizeof(target));
    assert_int_equal(symlink(target, lp), 0);                   /* dangling */
    assert_int_equal(hf_logs_state_lock(sp, 50, err, sizeof(err)), -ELOOP);
    snprintf(want, sizeof(want), "state lock %s: is a symbolic link (refused: a lock file is never followed)", lp);
    assert_string_equal(err, want);
    assert_int_equal(lstat(target, &sb), -1);                   /* not created */
    put(&t, "elsewhere", "w", "x", 1);                          /* to a file */
    assert_int_equal(hf_logs_state_lock(sp, 50, err, sizeof(err)), -ELOOP);
    assert_string_equal(err, want);
    assert_int_equal(unlink(lp), 0);
    assert_int_equal(mkdir(lp, 0700), 0);
    assert_true(hf_logs_state_lock(sp, 50, err, sizeof(err)) < 0);
    snprintf(want, sizeof(want), "state lock %s: not a regular file (directory)", lp);
    assert_string_equal(err, want);
    assert_int_equal(rmdir(lp), 0);
    assert_int_equal(mkfifo(lp, 0600), 0);
    assert_int_equal(hf_logs_state_lock(sp, 50, err, sizeof(err)), -EINVAL);
    snprintf(want, sizeof(want), "state lock %s: not a regular file (fifo)", lp);
    assert_string_equal(err, want);
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
        cmocka_unit_test(test_state_format_pinned),
        cmocka_unit_test(test_state_version1),
        cmocka_unit_test(test_state_bad_records),
        cmocka_unit_test(test_state_parse_memory),
        cmocka_unit_test(test_state_garbage),
        cmocka_unit_test(test_state_truncated_and_edited),
        cmocka_unit_test(test_state_not_a_file),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_lock_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
