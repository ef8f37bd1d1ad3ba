/* Unit tests: hf_logs (classifier, rotation, budgets; the state file and the
 * window are in test_logs_state.c, non-regular paths in test_logs_paths.c).
 * Every test works in its own temporary directory. */
#include <errno.h>
#include <fcntl.h>
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

/* ---- classifier ---------------------------------------------------------- */

typedef struct got {
    uint64_t count[HF_LOGS_NCLASS];
    char last[HF_LOGS_LINE_MAX + 1];
    uint64_t last_len;
    unsigned last_classes;
} got;

static void collect(void *ctx, unsigned classes, const char *text, size_t tlen, uint64_t len)
{
    got *g = ctx;
    memcpy(g->last, text, tlen);
    g->last[tlen] = '\0';
    g->last_len = len;
    g->last_classes = classes;
}

static void classify(const hf_logs_matcher *m, const char *data, size_t len, size_t chunk, got *g, bool finish)
{
    hf_logs_scan s;

    memset(g, 0, sizeof(*g));
    assert_int_equal(hf_logs_scan_init(&s, m, collect, g), 0);
    for (size_t off = 0; off < len; off += chunk)
        hf_logs_scan_feed(&s, data + off, len - off < chunk ? len - off : chunk);
    if (finish)
        hf_logs_scan_finish(&s);
    memcpy(g->count, s.count, sizeof(g->count));
    hf_logs_scan_free(&s);
}

static void test_classes_and_case(void **state)
{
    hf_logs_matcher *m;
    char err[HF_ERR_MAX];
    got g;
    const char *text =
        "INFO all good\n"
        "ERROR db Error\n"                      /* error */
        "warn: Slow\r\n"                        /* warning (CRLF) */
        "CRITICAL: gpu\n"                       /* error + critical */
        "kernel PANIC\n"                        /* critical */
        "user LOGIN ok\n"                       /* security */
        "auth failed for bob\n"                 /* security + error */
        "FaTaL\n";                              /* critical */

    (void)state;
    assert_int_equal(hf_logs_matcher_new(NULL, 0, &m, err, sizeof(err)), 0);
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        assert_true(hf_logs_matcher_literal(m, c));
    for (size_t chunk = 1; chunk <= strlen(text); chunk += 7) {
        classify(m, text, strlen(text), chunk, &g, false);
        assert_int_equal(g.count[HF_LOGS_ERROR], 3);
        assert_int_equal(g.count[HF_LOGS_WARNING], 1);
        assert_int_equal(g.count[HF_LOGS_CRITICAL], 3);
        assert_int_equal(g.count[HF_LOGS_SECURITY], 2);
        assert_string_equal(g.last, "FaTaL");
    }
    hf_logs_matcher_free(m);
}

static void test_partial_line_held_back(void **state)
{
    hf_logs_matcher *m;
    char err[HF_ERR_MAX];
    got g;

    (void)state;
    assert_int_equal(hf_logs_matcher_new(NULL, 0, &m, err, sizeof(err)), 0);
    classify(m, "ok\nERROR no newline yet", 23, 64, &g, false);
    assert_int_equal(g.count[HF_LOGS_ERROR], 0);
    classify(m, "ok\nERROR no newline yet", 23, 64, &g, true);     /* end of a rotated file */
    assert_int_equal(g.count[HF_LOGS_ERROR], 1);
    hf_logs_matcher_free(m);
}

static void test_nul_and_invalid_utf8(void **state)
{
    hf_logs_matcher *m, *mr;
    char err[HF_ERR_MAX];
    got g;
    const char text[] = "\x00\x01\xff\xfe bin\x00 ERROR\x00 x\n\xc3\x28 fail \xa0\xa1\n\x00\x00\n";

    (void)state;
    assert_int_equal(hf_logs_matcher_new(NULL, 0, &m, err, sizeof(err)), 0);
    assert_int_equal(hf_logs_matcher_new(NULL, HF_LOGS_FORCE_REGEX, &mr, err, sizeof(err)), 0);
    classify(m, text, sizeof(text) - 1, 5, &g, false);
    assert_int_equal(g.count[HF_LOGS_ERROR], 2);
    classify(mr, text, sizeof(text) - 1, 5, &g, false);
    assert_int_equal(g.count[HF_LOGS_ERROR], 2);
    hf_logs_matcher_free(m);
    hf_logs_matcher_free(mr);
}

static void test_ten_mb_line(void **state)
{
    size_t n = 10u << 20;
    char *big = malloc(n + 32);
    hf_logs_matcher *m, *mr;
    char err[HF_ERR_MAX];
    got g;

    (void)state;
    assert_non_null(big);
    memset(big, 'a', n);
    memcpy(big + n / 2, "Fatal", 5);           /* critical in the middle */
    memcpy(big + n, " ERROR end\nnext\n", 16);
    assert_int_equal(hf_logs_matcher_new(NULL, 0, &m, err, sizeof(err)), 0);
    assert_int_equal(hf_logs_matcher_new(NULL, HF_LOGS_FORCE_REGEX, &mr, err, sizeof(err)), 0);
    for (int k = 0; k < 2; k++) {
        const hf_logs_matcher *mm = k ? mr : m;
        classify(mm, big, n + 16, 65536, &g, false);
        assert_int_equal(g.count[HF_LOGS_ERROR], 1);
        assert_int_equal(g.count[HF_LOGS_CRITICAL], 1);
        assert_int_equal(g.last_len, n + 10);
        assert_int_equal(strlen(g.last), HF_LOGS_LINE_MAX);   /* kept bounded */
        classify(mm, big, n + 16, n + 16, &g, false);          /* all at once, in place */
        assert_int_equal(g.count[HF_LOGS_ERROR], 1);
        assert_int_equal(g.count[HF_LOGS_CRITICAL], 1);
    }
    hf_logs_matcher_free(m);
    hf_logs_matcher_free(mr);
    free(big);
}

/* Literal fast path and regexec fallback agree on the same patterns. */
static void test_literal_equals_regex(void **state)
{
    const char *const custom[HF_LOGS_NCLASS] = {"timeout|503", "slow|queue depth", "oom|out of memory", "api key"};
    const char *words[] = {"error ", "ERR ", "fail", "Critical ", "warn ", "panic!", "security ", "auth",
                           "login", "timeout ", "503 ", "slow", "queue depth", "OOM", "out of memory",
                           "API KEY", "x", "\x00", "\xff", "\r", "ok ", "lo", "gin"};
    size_t nw = sizeof(words) / sizeof(words[0]), len = 0;
    char *buf = malloc(4 << 20);
    unsigned seed = 12345;

    (void)state;
    assert_non_null(buf);
    while (len < (3u << 20)) {
        seed = seed * 1103515245 + 12345;
        unsigned r = (seed >> 16) % 100;
        if (r < 8)
            buf[len++] = '\n';
        else if (r == 99) {             /* sometimes a 100 KiB line */
            memset(buf + len, 'z', 100000);
            len += 100000;
        } else {
            const char *w = words[r % nw];
            size_t wl = w[0] ? strlen(w) : 1;
            memcpy(buf + len, w, wl);
            len += wl;
        }
    }
    for (int set = 0; set < 2; set++) {
        hf_logs_matcher *m, *mr;
        char err[HF_ERR_MAX];
        got a, b, c;
        assert_int_equal(hf_logs_matcher_new(set ? custom : NULL, 0, &m, err, sizeof(err)), 0);
        assert_int_equal(hf_logs_matcher_new(set ? custom : NULL, HF_LOGS_FORCE_REGEX, &mr, err, sizeof(err)), 0);
        assert_true(hf_logs_matcher_literal(m, HF_LOGS_ERROR));
        assert_false(hf_logs_matcher_literal(mr, HF_LOGS_ERROR));
        classify(m, buf, len, len, &a, true);
        classify(mr, buf, len, len, &b, true);
        classify(m, buf, len, 4093, &c, true);
        for (int k = 0; k < HF_LOGS_NCLASS; k++) {
            assert_true(a.count[k] > 0);
            assert_int_equal(a.count[k], b.count[k]);
            assert_int_equal(a.count[k], c.count[k]);
        }
        hf_logs_matcher_free(m);
        hf_logs_matcher_free(mr);
    }
    free(buf);
}

/* More than 16 distinct anchor pairs: the SIMD filter steps aside and the
 * scanner builds its Wu-Manber shift table on its first bytes (never
 * before: a matcher holds no 64 KiB table); the counts equal regexec's. */
static void test_wu_manber_path(void **state)
{
    const char *const many[HF_LOGS_NCLASS] = {
        "alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliet|kilo|lima|mike|november|oscar|papa|quebec|romeo",
        "sierra|tango", "uniform|victor", "whiskey|xray|yankee|zulu"};
    const char *words[] = {"Alpha ", "BRAVO", "charlie ", "delta", "ECHO ", "foxtrot", "Golf ", "hotel",
                           "india ", "juliet", "kilo ", "lima", "mike ", "November", "oscar ", "papa",
                           "quebec ", "romeo", "sierra ", "Tango", "uniform ", "victor", "whiskey ",
                           "xray", "yankee ", "zulu", "alph", "ro", "meo", "x", "\xff", "\r", "ok "};
    size_t nw = sizeof(words) / sizeof(words[0]), len = 0;
    char *buf = malloc(1 << 20);
    unsigned seed = 777;
    hf_logs_matcher *m, *mr;
    hf_logs_scan sc;
    char err[HF_ERR_MAX];
    got a, b, c;

    (void)state;
    assert_non_null(buf);
    while (len < (1u << 20) - 16) {
        seed = seed * 1103515245 + 12345;
        unsigned r = (seed >> 16) % 64;
        const char *w = r < 6 ? "\n" : words[r % nw];
        memcpy(buf + len, w, strlen(w));
        len += strlen(w);
    }
    assert_int_equal(hf_logs_matcher_new(many, 0, &m, err, sizeof(err)), 0);
    assert_int_equal(hf_logs_matcher_new(many, HF_LOGS_FORCE_REGEX, &mr, err, sizeof(err)), 0);
    assert_true(hf_logs_matcher_literal(m, HF_LOGS_ERROR));
    assert_int_equal(hf_logs_scan_init(&sc, m, NULL, NULL), 0);
    assert_null(sc.wm_shift);                   /* nothing fed: no table */
    hf_logs_scan_feed(&sc, buf, 8192);
    assert_non_null(sc.wm_shift);               /* 18 literals: Wu-Manber */
    hf_logs_scan_free(&sc);
    classify(m, buf, len, len, &a, true);
    classify(mr, buf, len, len, &b, true);
    classify(m, buf, len, 1000, &c, true);
    for (int k = 0; k < HF_LOGS_NCLASS; k++) {
        assert_true(a.count[k] > 0);
        assert_int_equal(a.count[k], b.count[k]);
        assert_int_equal(a.count[k], c.count[k]);
    }
    hf_logs_matcher_free(m);
    hf_logs_matcher_free(mr);
    /* the default patterns on x86-64: the SIMD filter, never a shift table */
    assert_int_equal(hf_logs_matcher_new(NULL, 0, &m, err, sizeof(err)), 0);
    assert_int_equal(hf_logs_scan_init(&sc, m, NULL, NULL), 0);
    hf_logs_scan_feed(&sc, buf, len);
#if defined(__SSE2__) && defined(__x86_64__)
    assert_null(sc.wm_shift);
#endif
    hf_logs_scan_free(&sc);
    hf_logs_matcher_free(m);
    free(buf);
}

static void test_real_regex(void **state)
{
    const char *const re[HF_LOGS_NCLASS] = {"^E[0-9]+ ", "code=5[0-9]{2}$", NULL, "user=(root|admin)\\b"};
    const char *text = "E12 boom\nxE12 no\nstatus code=503\ncode=503 trailing\nuser=root x\nuser=rooted\n";
    hf_logs_matcher *m;
    char err[HF_ERR_MAX];
    got g;

    (void)state;
    assert_int_equal(hf_logs_matcher_new(re, 0, &m, err, sizeof(err)), 0);
    assert_false(hf_logs_matcher_literal(m, HF_LOGS_ERROR));
    assert_true(hf_logs_matcher_literal(m, HF_LOGS_CRITICAL));
    for (size_t chunk = 1; chunk < 20; chunk++) {
        classify(m, text, strlen(text), chunk, &g, false);
        assert_int_equal(g.count[HF_LOGS_ERROR], 1);
        assert_int_equal(g.count[HF_LOGS_WARNING], 1);
        assert_int_equal(g.count[HF_LOGS_SECURITY], 1);
    }
    hf_logs_matcher_free(m);
}

static void test_bad_regex(void **state)
{
    const char *const re[HF_LOGS_NCLASS] = {NULL, "(unclosed", NULL, NULL};
    hf_logs_matcher *m = NULL;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_logs_matcher_new(re, 0, &m, err, sizeof(err)), -EINVAL);
    assert_null(m);
    assert_string_equal(err, "warning pattern '(unclosed': Unmatched ( or \\(");
}

/* ---- probe: incremental reading and rotation ------------------------------ */

static void test_first_run_at_end_then_append(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    errors(&t, "a.log", 5);
    append(&t, "a.log", "ERROR begun before the first run");
    run_init(&r, &t, false);
    assert_int_equal(probe(&r), 0);
    assert_true(r.res.first_run);
    assert_int_equal(r.res.nwatched, 1);
    append(&t, "a.log", " and finished after\n");
    errors(&t, "a.log", 2);
    assert_int_equal(probe(&r), 3);
    assert_false(r.res.first_run);
    assert_int_equal(probe(&r), 0);
    assert_int_equal(r.res.bytes_read, 0);      /* nothing appended: one stat, no read */
    run_free(&r);
    tdir_rm(&t);
}

static void test_read_existing_and_last_lines(void **state)
{
    tdir t;
    run r;
    char big[700];

    (void)state;
    tdir_make(&t);
    infos(&t, "a.log", 3);
    for (int i = 0; i < 7; i++) {
        char l[64];
        snprintf(l, sizeof(l), "ERROR number %d\n", i);
        append(&t, "a.log", l);
    }
    memset(big, 'x', sizeof(big));
    memcpy(big, "WARN ", 5);
    big[sizeof(big) - 1] = '\n';
    put(&t, "a.log", "a", big, sizeof(big));
    run_init(&r, &t, true);
    assert_int_equal(probe(&r), 7);
    assert_int_equal(r.res.count[HF_LOGS_WARNING], 1);
    assert_int_equal(r.res.nlines, 5);
    assert_string_equal(r.res.lines[0].text, "ERROR number 3");
    assert_string_equal(r.res.lines[3].text, "ERROR number 6");
    assert_int_equal(r.res.lines[3].classes, HF_LOGS_CLASS_BIT(HF_LOGS_ERROR));
    assert_true(r.res.lines[4].truncated);
    assert_int_equal(strlen(r.res.lines[4].text), HF_LOGS_LINE_MAX);
    assert_int_equal(r.res.lines[4].len, sizeof(big) - 1);
    run_free(&r);
    tdir_rm(&t);
}

static void test_partial_line_across_calls(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    append(&t, "a.log", "ERROR one\nERROR two is still being wri");
    assert_int_equal(probe(&r), 1);
    assert_int_equal(probe(&r), 0);
    assert_int_equal(r.res.bytes_read, 0);
    append(&t, "a.log", "tten\r\nINFO\n");
    assert_int_equal(probe(&r), 1);
    assert_string_equal(r.res.lines[0].text, "ERROR two is still being written\r");
    run_free(&r);
    tdir_rm(&t);
}

/* A partial line longer than the regex window, across a save/load, regex path. */
static void test_long_partial_across_save_load(void **state)
{
    const char *const re[HF_LOGS_NCLASS] = {"(error)", NULL, NULL, NULL};
    tdir t;
    run r;
    char sp[400], err[HF_ERR_MAX];
    size_t n = 3 * HF_LOGS_REGEX_WINDOW + 123;
    char *blob = malloc(n);

    (void)state;
    assert_non_null(blob);
    memset(blob, 'b', n);
    memcpy(blob + HF_LOGS_REGEX_WINDOW + 7, "ERR", 3);       /* "ERR" + "OR" later: across the cut */
    tdir_make(&t);
    run_init(&r, &t, true);
    hf_logs_matcher_free(r.m);
    assert_int_equal(hf_logs_matcher_new(re, 0, &r.m, err, sizeof(err)), 0);
    r.cfg.matcher = r.m;
    put(&t, "a.log", "w", blob, HF_LOGS_REGEX_WINDOW + 10);
    assert_int_equal(probe(&r), 0);
    path_of(&t, "state", sp, sizeof(sp));
    assert_int_equal(hf_logs_state_save(&r.st, sp, err, sizeof(err)), 0);
    hf_logs_state_free(&r.st);
    assert_int_equal(hf_logs_state_load(&r.st, sp, err, sizeof(err)), 0);
    memcpy(blob + HF_LOGS_REGEX_WINDOW + 10, "OR", 2);
    put(&t, "a.log", "a", blob + HF_LOGS_REGEX_WINDOW + 10, n - HF_LOGS_REGEX_WINDOW - 10);
    append(&t, "a.log", "\n");
    assert_int_equal(probe(&r), 1);
    assert_int_equal(r.res.lines[0].len, n);
    run_free(&r);
    tdir_rm(&t);
    free(blob);
}

static void test_rotate_rename_unread_tail(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 4);
    assert_int_equal(probe(&r), 4);
    errors(&t, "a.log", 2);                     /* unread when rotated */
    append(&t, "a.log", "ERROR last line without newline");
    mv(&t, "a.log", "a.log.1");
    errors(&t, "a.log", 3);
    assert_int_equal(probe(&r), 6);             /* 2 + the unterminated one + 3 */
    assert_true(has_event(&r, HF_LOGS_EV_RENAMED));
    assert_false(has_event(&r, HF_LOGS_EV_NEW));
    assert_int_equal(r.st.nfiles, 1);           /* the finished generation is forgotten */
    assert_int_equal(probe(&r), 0);
    errors(&t, "a.log", 1);
    assert_int_equal(probe(&r), 1);
    run_free(&r);
    tdir_rm(&t);
}

static void test_rotate_dateext_matching_glob(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 2);
    assert_int_equal(probe(&r), 2);
    errors(&t, "a.log", 1);
    mv(&t, "a.log", "a-20261130.log");          /* still matches *.log */
    errors(&t, "a.log", 5);
    assert_int_equal(probe(&r), 6);
    assert_true(has_event(&r, HF_LOGS_EV_MOVED));
    assert_int_equal(probe(&r), 0);
    run_free(&r);
    tdir_rm(&t);
}

static void test_copytruncate_unread_tail(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 3);
    infos(&t, "a.log", 5);
    assert_int_equal(probe(&r), 3);
    errors(&t, "a.log", 2);                     /* unread at rotation */
    copy_file(&t, "a.log", "a.log.1");
    truncate_file(&t, "a.log");
    errors(&t, "a.log", 1);
    assert_int_equal(probe(&r), 3);
    assert_true(has_event(&r, HF_LOGS_EV_COPYTRUNCATE));
    assert_int_equal(probe(&r), 0);
    /* the copy regrown beyond the old offset before we look: found by fingerprint */
    errors(&t, "a.log", 2);
    assert_int_equal(probe(&r), 2);
    errors(&t, "a.log", 1);
    mv(&t, "a.log.1", "a.log.2");
    copy_file(&t, "a.log", "a.log.1");
    truncate_file(&t, "a.log");
    errors(&t, "a.log", 9);
    assert_int_equal(probe(&r), 10);
    run_free(&r);
    tdir_rm(&t);
}

static void test_truncate_without_copy(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 3);
    assert_int_equal(probe(&r), 3);
    truncate_file(&t, "a.log");
    errors(&t, "a.log", 1);
    assert_int_equal(probe(&r), 1);
    assert_true(has_event(&r, HF_LOGS_EV_TRUNCATED));
    run_free(&r);
    tdir_rm(&t);
}

static void test_new_and_vanished(void **state)
{
    tdir t;
    run r;
    char p[400];

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, false);
    errors(&t, "a.log", 3);
    assert_int_equal(probe(&r), 0);             /* first run: at the end */
    errors(&t, "b.log", 2);                     /* appears later: read from 0 */
    assert_int_equal(probe(&r), 2);
    assert_true(has_event(&r, HF_LOGS_EV_NEW));
    assert_int_equal(r.res.nwatched, 2);
    path_of(&t, "a.log", p, sizeof(p));
    assert_int_equal(unlink(p), 0);
    assert_int_equal(probe(&r), 0);
    assert_true(has_event(&r, HF_LOGS_EV_VANISHED));
    assert_int_equal(r.st.nfiles, 1);
    path_of(&t, "b.log", p, sizeof(p));
    assert_int_equal(unlink(p), 0);
    assert_int_equal(probe(&r), 0);
    assert_true(has_event(&r, HF_LOGS_EV_NOMATCH));
    assert_int_equal(r.res.nwatched, 0);
    run_free(&r);
    tdir_rm(&t);
}

/* Rotated twice between two calls: the old generation (found by inode) is
 * finished from its offset and the generation we never saw is read whole. */
static void test_rotate_twice(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 2);
    assert_int_equal(probe(&r), 2);
    tick();
    errors(&t, "a.log", 1);                     /* generation A, unread */
    mv(&t, "a.log", "a.log.1");
    errors(&t, "a.log", 2);                     /* generation B, never seen */
    mv(&t, "a.log.1", "a.log.2");
    mv(&t, "a.log", "a.log.1");
    errors(&t, "a.log", 3);                     /* generation C */
    assert_int_equal(probe(&r), 6);
    assert_true(has_event(&r, HF_LOGS_EV_INTERMEDIATE));
    assert_int_equal(probe(&r), 0);
    /* the same with copytruncate */
    tick();
    errors(&t, "a.log", 1);
    mv(&t, "a.log.1", "a.log.2");
    copy_file(&t, "a.log", "a.log.1");
    truncate_file(&t, "a.log");
    errors(&t, "a.log", 4);
    mv(&t, "a.log.1", "a.log.2");
    copy_file(&t, "a.log", "a.log.1");
    truncate_file(&t, "a.log");
    errors(&t, "a.log", 5);
    assert_int_equal(probe(&r), 10);
    run_free(&r);
    tdir_rm(&t);
}

static void test_byte_budget_continuation(void **state)
{
    tdir t;
    run r;
    uint64_t total = 0;
    int calls = 0;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 50);
    infos(&t, "b.log", 10);
    errors(&t, "b.log", 7);
    r.cfg.byte_budget = 300;
    r.cfg.buf_size = 128;
    do {
        total += probe(&r);
        calls++;
    } while (r.res.backlog > 0 && calls < 1000);
    assert_int_equal(total, 57);
    assert_true(calls > 5);
    /* a rotation in the middle of a backlog loses nothing */
    errors(&t, "a.log", 20);
    total = probe(&r);
    assert_true(r.res.backlog > 0);
    mv(&t, "a.log", "a.log.1");
    errors(&t, "a.log", 3);
    do
        total += probe(&r);
    while (r.res.backlog > 0);
    assert_int_equal(total, 23);
    run_free(&r);
    tdir_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classes_and_case),
        cmocka_unit_test(test_partial_line_held_back),
        cmocka_unit_test(test_nul_and_invalid_utf8),
        cmocka_unit_test(test_ten_mb_line),
        cmocka_unit_test(test_literal_equals_regex),
        cmocka_unit_test(test_wu_manber_path),
        cmocka_unit_test(test_real_regex),
        cmocka_unit_test(test_bad_regex),
        cmocka_unit_test(test_first_run_at_end_then_append),
        cmocka_unit_test(test_read_existing_and_last_lines),
        cmocka_unit_test(test_partial_line_across_calls),
        cmocka_unit_test(test_long_partial_across_save_load),
        cmocka_unit_test(test_rotate_rename_unread_tail),
        cmocka_unit_test(test_rotate_dateext_matching_glob),
        cmocka_unit_test(test_copytruncate_unread_tail),
        cmocka_unit_test(test_truncate_without_copy),
        cmocka_unit_test(test_new_and_vanished),
        cmocka_unit_test(test_rotate_twice),
        cmocka_unit_test(test_byte_budget_continuation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
