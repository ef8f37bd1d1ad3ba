/* Unit tests: the log check (common/check/hf_check_log.c): its settings
 * table, validation, the judgement of fixture probe results on a pinned
 * clock (OK, WARNING, CRITICAL, UNKNOWN with exact texts, codes, objects
 * and metrics; a single line visible for the whole window; transitions),
 * and the one-shot run with a damaged state file. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "test_metric_helpers.h"

#define T0 1800000000.0         /* 2027-01-15 08:00:00 UTC: a whole hour */

static int set(hf_settings *s, const char *name, const char *value)
{
    char err[HF_ERR_MAX];
    int i = hf_settings_find(s->kind, name);

    assert_true(i >= 0);
    return hf_settings_set(s, (size_t)i, value, err, sizeof(err));
}

static size_t idx(const char *name)
{
    int i = hf_settings_find(&hf_check_log, name);

    assert_true(i >= 0);
    return (size_t)i;
}

/* ---- fixtures ------------------------------------------------------------ */

static char p_gw[] = "/var/log/helixflow/api-gateway.log", p_auth[] = "/var/log/helixflow/auth-service.log",
            p_inf[] = "/var/log/helixflow/inference-pool.log", p_mon[] = "/var/log/helixflow/monitoring.log";

typedef struct fx {
    hf_logs_result r;
    hf_logs_fresult files[4];
    hf_logs_event ev[4];
    hf_logs_line lines[3];
} fx;

/* Four watched files, nothing new. */
static void fx_init(fx *f)
{
    char *paths[4] = {p_gw, p_auth, p_inf, p_mon};

    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 4; i++)
        f->files[i].path = paths[i];
    f->r.files = f->files;
    f->r.nfiles = 4;
    f->r.nwatched = 4;
    f->r.events = f->ev;
    f->r.lines = f->lines;
}

/* n new lines of class c in file i. */
static void fx_lines(fx *f, size_t i, int c, uint64_t n)
{
    f->files[i].count[c] += n;
    f->r.count[c] += n;
    f->r.bytes_new += 80 * n;
    f->files[i].bytes += 80 * n;
}

static void fx_event(fx *f, enum hf_logs_event_kind k, char *path, char *detail)
{
    f->ev[f->r.nevents++] = (hf_logs_event){k, path, detail};
}

typedef struct judged {
    hf_settings s;
    hf_logs_state st;
    hf_report rep;
} judged;

static void j_init(judged *j)
{
    assert_int_equal(hf_settings_init(&j->s, &hf_check_log), 0);
    hf_logs_state_init(&j->st);
    hf_report_init(&j->rep);
}

static void j_free(judged *j)
{
    hf_report_free(&j->rep);
    hf_logs_state_free(&j->st);
    hf_settings_free(&j->s);
}

/* As the kind's eval does after a probe: add this run's lines at now, judge. */
static void j_run(judged *j, const fx *f, double now)
{
    hf_report_reset(&j->rep);
    assert_int_equal(hf_logs_state_window_add(&j->st, now, f->r.count), 0);
    hf_check_log_judge(&j->s, &f->r, &j->st, now, &j->rep);
}

static const hf_finding *find_code(const hf_report *r, const char *code)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].code, code) == 0)
            return &r->f[i];
    return NULL;
}

/* The finding with code: never NULL (the test fails instead). */
static const hf_finding *need_code(const hf_report *r, const char *code)
{
    static char empty[1];
    static const hf_finding none = {HF_OK, empty, empty, empty};
    const hf_finding *f = find_code(r, code);

    if (!f)
        fail_msg("no finding with code %s", code);
    return f ? f : &none;
}

static const hf_metric *need_metric(const hf_report *r, const char *label)
{
    for (size_t i = 0; i < r->nm; i++)
        if (strcmp(r->m[i].label, label) == 0)
            return &r->m[i];
    fail_msg("no metric %s", label);
    return NULL;
}

static void check_metric(const hf_report *r, const char *label, double v, const char *unit,
                         const char *warn, const char *crit)
{
    const hf_metric *m = need_metric(r, label);

    assert_true(m->value == v);
    assert_string_equal(m->unit, unit);
    if (warn)
        assert_string_equal(m->warn.text, warn);
    else
        assert_false(m->warn.set);
    if (crit)
        assert_string_equal(m->crit.text, crit);
    else
        assert_false(m->crit.set);
    assert_true(m->min == 0);
    assert_true(isnan(m->max));
}

static void check_finding(const hf_report *r, const char *code, hf_state st, const char *object,
                          const char *text)
{
    const hf_finding *f = need_code(r, code);

    assert_int_equal(f->state, st);
    assert_string_equal(f->object, object);
    assert_string_equal(f->text, text);
}

/* ---- settings ------------------------------------------------------------ */

static void test_settings(void **state)
{
    static const char *const old[] = {
        "log", "error-regex", "warning-regex", "critical-regex", "security-regex", "error-warning",
        "warnings-warning", "critical-warning", "security-warning", "error-critical",
        "warnings-critical", "critical-critical", "security-critical", "lines", "read-existing",
        "max-bytes", "state-dir", "root", "timeout"};
    hf_settings s;
    size_t n;

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(old); i++)     /* every old command line keeps working */
        assert_true(hf_settings_find(&hf_check_log, old[i]) >= 0);
    assert_int_equal(hf_settings_init(&s, &hf_check_log), 0);
    assert_string_equal(hf_settings_list(&s, idx("log"), &n)[0], "/var/log/helixflow/*.log");
    assert_int_equal(n, 1);
    assert_string_equal(hf_settings_range(&s, idx("error-warning"))->text, "0");
    assert_string_equal(hf_settings_range(&s, idx("error-critical"))->text, "50");
    assert_string_equal(hf_settings_range(&s, idx("critical-warning"))->text, "0");
    assert_string_equal(hf_settings_range(&s, idx("critical-critical"))->text, "0");
    assert_string_equal(hf_settings_range(&s, idx("security-warning"))->text, "4");
    assert_string_equal(hf_settings_range(&s, idx("security-critical"))->text, "20");
    assert_false(hf_settings_range(&s, idx("warnings-warning"))->set);
    assert_false(hf_settings_range(&s, idx("warnings-critical"))->set);
    assert_int_equal(hf_settings_long(&s, idx("window")), 900);
    assert_int_equal(hf_settings_long(&s, idx("security-window")), 30 * 86400);
    assert_int_equal(hf_settings_long(&s, idx("lines")), 5);
    assert_string_equal(hf_settings_str(&s, idx("critical-regex")), "critical|fatal|panic");
    /* -w / -c are error-warning / error-critical */
    assert_int_equal(set(&s, "warning", "10"), 0);
    assert_int_equal(set(&s, "critical", "20:"), 0);
    assert_string_equal(hf_settings_range(&s, idx("error-warning"))->text, "10");
    assert_string_equal(hf_settings_range(&s, idx("error-critical"))->text, "20:");
    assert_int_equal(set(&s, "window", "59"), -EINVAL);
    assert_int_equal(set(&s, "window", "2678401"), -EINVAL);     /* beyond what the state keeps */
    assert_int_equal(set(&s, "lines", "1001"), -EINVAL);
    assert_int_equal(set(&s, "error-regex", ""), -EINVAL);
    hf_settings_free(&s);
}

static void test_identity(void **state)
{
    hf_settings a, b;

    (void)state;
    assert_int_equal(hf_settings_init(&a, &hf_check_log), 0);
    assert_int_equal(hf_settings_init(&b, &hf_check_log), 0);
    assert_int_equal(set(&b, "warning", "7"), 0);               /* thresholds and windows: no */
    assert_int_equal(set(&b, "critical-critical", "3"), 0);
    assert_int_equal(set(&b, "window", "3600"), 0);
    assert_int_equal(set(&b, "security-window", "86400"), 0);
    assert_int_equal(set(&b, "lines", "0"), 0);
    assert_true(hf_settings_identity(&a) == hf_settings_identity(&b));
    assert_int_equal(set(&b, "security-regex", "login"), 0);    /* regexes: yes */
    assert_true(hf_settings_identity(&a) != hf_settings_identity(&b));
    hf_settings_free(&b);
    assert_int_equal(hf_settings_init(&b, &hf_check_log), 0);
    assert_int_equal(set(&b, "log", "/srv/x/*.log"), 0);        /* globs: yes */
    assert_true(hf_settings_identity(&a) != hf_settings_identity(&b));
    hf_settings_free(&b);
    assert_int_equal(hf_settings_init(&b, &hf_check_log), 0);
    assert_int_equal(set(&b, "root", "/srv/tb"), 0);            /* the default glob moves: yes */
    assert_true(hf_settings_identity(&a) != hf_settings_identity(&b));
    hf_settings_free(&b);
    hf_settings_free(&a);
}

static void test_validate(void **state)
{
    hf_settings s;
    char err[HF_ERR_MAX], g[32];
    int bad;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_log), 0);
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), 0);
    assert_int_equal(set(&s, "error-regex", "("), 0);
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, -1);                                  /* the message names the class */
    assert_string_equal(err, "error pattern '(': Unmatched ( or \\(");
    hf_settings_free(&s);
    assert_int_equal(hf_settings_init(&s, &hf_check_log), 0);
    for (int i = 0; i < 33; i++) {
        snprintf(g, sizeof(g), "/l/%d/*.log", i);
        assert_int_equal(set(&s, "log", g), 0);
    }
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal((size_t)bad, idx("log"));
    assert_string_equal(err, "at most 32 patterns");
    hf_settings_free(&s);
}

/* ---- the judgement ------------------------------------------------------- */

static void test_judge_ok(void **state)
{
    judged j;
    fx f;

    (void)state;
    j_init(&j);
    fx_init(&f);
    f.r.first_run = true;
    j_run(&j, &f, T0);
    assert_int_equal(j.rep.state, HF_OK);
    assert_string_equal(hf_buf_str(&j.rep.summary), "0 error lines in the last 15 minutes in 4 files, "
                                                     "first run: reading starts at the end of each file");
    assert_int_equal(j.rep.nf, 4);                              /* OK findings are kept (-v) */
    check_finding(&j.rep, "log.errors", HF_OK, "error", "0 error lines in the last 15 minutes in 4 files");
    check_finding(&j.rep, "log.warnings", HF_OK, "warning", "0 warning lines in the last 15 minutes in 4 files");
    check_finding(&j.rep, "log.critical", HF_OK, "critical", "0 critical lines in the last 15 minutes in 4 files");
    check_finding(&j.rep, "log.security", HF_OK, "security", "0 security events in 30 days (0 new)");
    assert_int_equal(nperf(&j.rep), 5);
    check_metric(&j.rep, "errors", 0, "", "0", "50");
    check_metric(&j.rep, "warnings", 0, "", NULL, NULL);
    check_metric(&j.rep, "critical", 0, "", "0", "0");
    check_metric(&j.rep, "security", 0, "", "4", "20");
    check_metric(&j.rep, "bytes", 0, "B", NULL, NULL);
    assert_string_equal(j.rep.m[0].object, "error");
    assert_string_equal(j.rep.m[0].name, "lines");
    assert_string_equal(hf_buf_str(&j.rep.details), "");
    assert_int_equal(set(&j.s, "read-existing", NULL), 0);      /* then no "first run" note */
    j_run(&j, &f, T0);
    assert_string_equal(hf_buf_str(&j.rep.summary), "0 error lines in the last 15 minutes in 4 files");
    j_free(&j);
}

static void test_judge_warning(void **state)
{
    judged j;
    fx f;

    (void)state;
    j_init(&j);
    fx_init(&f);
    fx_lines(&f, 0, HF_LOGS_ERROR, 2);
    fx_lines(&f, 0, HF_LOGS_WARNING, 3);
    j_run(&j, &f, T0);
    assert_int_equal(j.rep.state, HF_WARNING);                  /* the first error line warns */
    check_finding(&j.rep, "log.errors", HF_WARNING, "error",
                  "2 error lines in the last 15 minutes in 4 files (api-gateway.log: 2)");
    check_finding(&j.rep, "log.warnings", HF_OK, "warning",
                  "3 warning lines in the last 15 minutes in 4 files (api-gateway.log: 3)");
    check_metric(&j.rep, "errors", 2, "", "0", "50");
    check_metric(&j.rep, "warnings", 3, "", NULL, NULL);
    check_metric(&j.rep, "bytes", 400, "B", NULL, NULL);
    assert_int_equal(hf_report_problems(&j.rep), 1);
    /* security: the 5th event in 30 days warns */
    fx_init(&f);
    fx_lines(&f, 1, HF_LOGS_SECURITY, 4);
    j_run(&j, &f, T0 + 86400);
    check_finding(&j.rep, "log.security", HF_OK, "security", "4 security events in 30 days (4 new) (auth-service.log: 4)");
    fx_init(&f);
    fx_lines(&f, 1, HF_LOGS_SECURITY, 1);
    j_run(&j, &f, T0 + 2 * 86400);
    check_finding(&j.rep, "log.security", HF_WARNING, "security",
                  "5 security events in 30 days (1 new) (auth-service.log: 1)");
    check_metric(&j.rep, "security", 5, "", "4", "20");
    check_finding(&j.rep, "log.errors", HF_OK, "error", "0 error lines in the last 15 minutes in 4 files");
    j_free(&j);
}

static void test_judge_critical(void **state)
{
    judged j;
    fx f;

    (void)state;
    j_init(&j);
    fx_init(&f);
    fx_lines(&f, 2, HF_LOGS_CRITICAL, 1);
    fx_lines(&f, 2, HF_LOGS_ERROR, 1);
    j_run(&j, &f, T0);
    assert_int_equal(j.rep.state, HF_CRITICAL);                 /* the first critical line */
    check_finding(&j.rep, "log.critical", HF_CRITICAL, "critical",
                  "1 critical line in the last 15 minutes in 4 files (inference-pool.log: 1)");
    check_finding(&j.rep, "log.errors", HF_WARNING, "error",
                  "1 error line in the last 15 minutes in 4 files (inference-pool.log: 1)");
    check_metric(&j.rep, "critical", 1, "", "0", "0");
    /* more than 50 error lines in the window: CRITICAL; the top 3 files, most first */
    fx_init(&f);
    fx_lines(&f, 0, HF_LOGS_ERROR, 1);
    fx_lines(&f, 1, HF_LOGS_ERROR, 20);
    fx_lines(&f, 2, HF_LOGS_ERROR, 20);
    fx_lines(&f, 3, HF_LOGS_ERROR, 9);
    j_run(&j, &f, T0 + 60);
    check_finding(&j.rep, "log.errors", HF_CRITICAL, "error",
                  "51 error lines in the last 15 minutes in 4 files (50 new) "
                  "(auth-service.log: 20, inference-pool.log: 20, monitoring.log: 9)");
    check_metric(&j.rep, "errors", 51, "", "0", "50");
    j_free(&j);
}

static void test_judge_events(void **state)
{
    static char glob[] = "/srv/none/*.log", dir[] = "(directory)", eacces[] = "Permission denied",
                repl[] = "(replaced by a directory)", copy[] = "/var/log/helixflow/api-gateway.log.1";
    judged j;
    fx f;

    (void)state;
    j_init(&j);
    fx_init(&f);
    f.r.nwatched = 0;
    f.r.nfiles = 0;
    fx_event(&f, HF_LOGS_EV_NOMATCH, glob, NULL);
    j_run(&j, &f, T0);
    assert_int_equal(j.rep.state, HF_UNKNOWN);
    check_finding(&j.rep, "log.nomatch", HF_UNKNOWN, glob, "no log file matches /srv/none/*.log");
    check_finding(&j.rep, "log.errors", HF_OK, "error", "0 error lines in the last 15 minutes in 0 files");
    /* a log replaced by a directory: WARNING naming it; unreadable: WARNING */
    fx_init(&f);
    f.r.nwatched = 3;
    fx_event(&f, HF_LOGS_EV_VANISHED, p_gw, repl);
    fx_event(&f, HF_LOGS_EV_NOT_REGULAR, p_gw, dir);
    fx_event(&f, HF_LOGS_EV_UNREADABLE, p_auth, eacces);
    j_run(&j, &f, T0);
    assert_int_equal(j.rep.state, HF_WARNING);
    check_finding(&j.rep, "log.not_regular", HF_WARNING, p_gw,
                  "/var/log/helixflow/api-gateway.log: not a regular file (directory)");
    check_finding(&j.rep, "log.unreadable", HF_WARNING, p_auth,
                  "/var/log/helixflow/auth-service.log: unreadable Permission denied");
    check_finding(&j.rep, "log.vanished", HF_OK, p_gw,
                  "/var/log/helixflow/api-gateway.log: vanished (replaced by a directory)");
    assert_int_equal(hf_report_object_state(&j.rep, p_gw), HF_WARNING);
    assert_int_equal(hf_report_problems(&j.rep), 2);
    /* what the probe did with a file: OK, shown with -v */
    fx_init(&f);
    fx_event(&f, HF_LOGS_EV_COPYTRUNCATE, p_gw, copy);
    f.r.backlog = 4096;
    j_run(&j, &f, T0);
    assert_int_equal(j.rep.state, HF_OK);
    check_finding(&j.rep, "log.rotated", HF_OK, p_gw,
                  "/var/log/helixflow/api-gateway.log: rotated (copytruncate) "
                  "/var/log/helixflow/api-gateway.log.1");
    assert_string_equal(hf_buf_str(&j.rep.summary), "0 error lines in the last 15 minutes in 4 files, "
                                                     "4096 bytes left for the next run");
    j_free(&j);
}

/* The last matching lines: plain detail lines, file base name, no '|'
 * (perfdata) and no control bytes; a cut line says so. */
static void test_judge_details(void **state)
{
    static char t1[] = "2027-01-15 ERROR a|b\tc\x1b[31m\x7f", t2[] = "CRITICAL AAAA";
    judged j;
    fx f;

    (void)state;
    j_init(&j);
    fx_init(&f);
    fx_lines(&f, 0, HF_LOGS_ERROR, 1);
    f.lines[0] = (hf_logs_line){p_gw, HF_LOGS_CLASS_BIT(HF_LOGS_ERROR), t1, sizeof(t1) - 1, false};
    f.lines[1] = (hf_logs_line){p_mon, HF_LOGS_CLASS_BIT(HF_LOGS_CRITICAL), t2, 100000, true};
    f.r.nlines = 2;
    j_run(&j, &f, T0);
    assert_string_equal(hf_buf_str(&j.rep.details), "api-gateway.log: 2027-01-15 ERROR a/b?c?[31m?\n"
                                                     "monitoring.log: CRITICAL AAAA [truncated]\n");
    j_free(&j);
}

static void test_judge_settings(void **state)
{
    judged j;
    fx f;

    (void)state;
    j_init(&j);
    fx_init(&f);
    fx_lines(&f, 0, HF_LOGS_ERROR, 15);
    assert_int_equal(set(&j.s, "warning", "10"), 0);            /* -w / -c */
    assert_int_equal(set(&j.s, "critical", "20"), 0);
    assert_int_equal(set(&j.s, "window", "3600"), 0);
    assert_int_equal(set(&j.s, "security-window", "86400"), 0);
    assert_int_equal(set(&j.s, "warnings-critical", "1"), 0);
    fx_lines(&f, 1, HF_LOGS_WARNING, 2);
    j_run(&j, &f, T0);
    check_finding(&j.rep, "log.errors", HF_WARNING, "error",
                  "15 error lines in the last hour in 4 files (api-gateway.log: 15)");
    check_finding(&j.rep, "log.warnings", HF_CRITICAL, "warning",
                  "2 warning lines in the last hour in 4 files (auth-service.log: 2)");
    check_finding(&j.rep, "log.security", HF_OK, "security", "0 security events in 1 day (0 new)");
    check_metric(&j.rep, "errors", 15, "", "10", "20");
    check_metric(&j.rep, "warnings", 2, "", NULL, "1");
    assert_int_equal(set(&j.s, "window", "7200"), 0);
    assert_int_equal(set(&j.s, "security-window", "90"), 0);
    fx_init(&f);
    j_run(&j, &f, T0 + 60);
    check_finding(&j.rep, "log.errors", HF_WARNING, "error",
                  "15 error lines in the last 2 hours in 4 files (0 new)");
    check_finding(&j.rep, "log.security", HF_OK, "security", "0 security events in 90 seconds (0 new)");
    j_free(&j);
}

/* A single error line stays visible for the whole window on a pinned
 * clock (Nagios' SOFT/HARD retries notify on it), then leaves it; the
 * security window keeps an event 30 days. */
static void test_window_pinned(void **state)
{
    judged j;
    fx f, none;

    (void)state;
    j_init(&j);
    fx_init(&f);
    fx_init(&none);
    fx_lines(&f, 0, HF_LOGS_ERROR, 1);
    fx_lines(&f, 0, HF_LOGS_SECURITY, 1);
    j_run(&j, &f, T0 + 30);
    check_finding(&j.rep, "log.errors", HF_WARNING, "error",
                  "1 error line in the last 15 minutes in 4 files (api-gateway.log: 1)");
    for (double t = T0 + 90; t < T0 + 900; t += 300) {          /* runs with nothing new */
        j_run(&j, &none, t);
        check_finding(&j.rep, "log.errors", HF_WARNING, "error",
                      "1 error line in the last 15 minutes in 4 files (0 new)");
        check_metric(&j.rep, "errors", 1, "", "0", "50");
        check_metric(&j.rep, "bytes", 0, "B", NULL, NULL);
    }
    j_run(&j, &none, T0 + 899);                                 /* its minute is the 15th */
    assert_int_equal(j.rep.state, HF_WARNING);
    j_run(&j, &none, T0 + 900);                                 /* out of the window */
    check_finding(&j.rep, "log.errors", HF_OK, "error", "0 error lines in the last 15 minutes in 4 files");
    check_finding(&j.rep, "log.security", HF_OK, "security", "1 security events in 30 days (0 new)");
    j_run(&j, &none, T0 + 30 * 86400.0 - 1);
    check_metric(&j.rep, "security", 1, "", "4", "20");
    j_run(&j, &none, T0 + 30 * 86400.0);
    check_metric(&j.rep, "security", 0, "", "4", "20");
    assert_int_equal(j.rep.state, HF_OK);
    j_free(&j);
}

/* Two callers at different intervals (every minute, every 5 minutes) that
 * read the same lines judge alike whenever both run. */
static void test_window_callers_agree(void **state)
{
    judged a, b;
    fx fa, fb;

    (void)state;
    j_init(&a);
    j_init(&b);
    fx_init(&fb);
    for (int m = 0; m <= 40; m++) {
        fx_init(&fa);
        if (m == 3 || m == 4 || m == 22) {
            fx_lines(&fa, 0, HF_LOGS_ERROR, 2);
            fx_lines(&fb, 0, HF_LOGS_ERROR, 2);                 /* b reads them at its next run */
        }
        j_run(&a, &fa, T0 + m * 60.0 + 1);
        if (m % 5 == 4) {
            j_run(&b, &fb, T0 + m * 60.0 + 2);
            fx_init(&fb);
            assert_true(need_metric(&a.rep, "errors")->value == need_metric(&b.rep, "errors")->value);
            assert_int_equal(a.rep.state, b.rep.state);
        }
    }
    j_free(&a);
    j_free(&b);
}

static void test_transitions(void **state)
{
    judged j;
    fx f, none;
    hf_report a, b;
    hf_transition *t;
    size_t n;

    (void)state;
    j_init(&j);
    fx_init(&none);
    hf_report_init(&a);
    hf_report_init(&b);
    j_run(&j, &none, T0);                                       /* OK */
    hf_check_log_judge(&j.s, &none.r, &j.st, T0, &a);
    fx_init(&f);
    fx_lines(&f, 3, HF_LOGS_CRITICAL, 1);
    j_run(&j, &f, T0 + 60);                                     /* CRITICAL */
    assert_int_equal(hf_report_transitions(&a, &j.rep, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "critical");
    assert_string_equal(t[0].code, "log.critical");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, "1 critical line in the last 15 minutes in 4 files (monitoring.log: 1)");
    hf_transitions_free(t, n);
    hf_check_log_judge(&j.s, &f.r, &j.st, T0 + 60, &b);
    j_run(&j, &none, T0 + 600);                                 /* still within the window: no change */
    assert_int_equal(hf_report_transitions(&b, &j.rep, &t, &n), 0);
    assert_int_equal(n, 0);
    hf_transitions_free(t, n);
    j_run(&j, &none, T0 + 60 + 900);                            /* out of it: CRITICAL -> OK */
    assert_int_equal(hf_report_transitions(&b, &j.rep, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].code, "log.critical");
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    assert_string_equal(t[0].text, "0 critical lines in the last 15 minutes in 4 files");
    hf_transitions_free(t, n);
    hf_report_free(&a);
    hf_report_free(&b);
    j_free(&j);
}

/* ---- the one-shot run ------------------------------------------------------ */

typedef struct tdir {
    char dir[64], state[128], log[128], glob[128];
} tdir;

static void append(const tdir *t, const char *text)
{
    FILE *fp = fopen(t->log, "a");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A private state directory and one log file, settings pointing at them. */
static void run_setup(tdir *t, hf_settings *s)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/hf-test-check-log-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    snprintf(t->log, sizeof(t->log), "%s/api-gateway.log", t->dir);
    snprintf(t->glob, sizeof(t->glob), "%s/*.log", t->dir);
    assert_int_equal(mkdir(t->state, 0700), 0);
    append(t, "INFO start\n");
    assert_int_equal(hf_settings_init(s, &hf_check_log), 0);
    assert_int_equal(set(s, "state-dir", t->state), 0);
    assert_int_equal(set(s, "log", t->glob), 0);
}

static void run_teardown(tdir *t, hf_settings *s)
{
    char cmd[160];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
    hf_settings_free(s);
}

static void run(hf_settings *s, hf_report *rep)
{
    hf_check_ctx ctx = hf_check_ctx_make(5, 0, 0);

    hf_report_init(rep);
    hf_check_run_once(s, &ctx, rep);
}

static void test_run_once(void **state)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    char path[HF_PATH_MAX];
    struct stat st;

    (void)state;
    run_setup(&t, &s);
    run(&s, &rep);
    assert_int_equal(rep.state, HF_OK);
    assert_null(find_code(&rep, "state.reset"));                   /* first run: no complaint */
    assert_non_null(strstr(hf_buf_str(&rep.summary), "first run: reading starts at the end"));
    hf_report_free(&rep);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "/log-"));
    assert_int_equal(stat(path, &st), 0);                          /* saved */
    append(&t, "ERROR one\n");
    run(&s, &rep);
    check_finding(&rep, "log.errors", HF_WARNING, "error",
                  "1 error line in the last 15 minutes in 1 file (api-gateway.log: 1)");
    assert_string_equal(hf_buf_str(&rep.details), "api-gateway.log: ERROR one\n");
    hf_report_free(&rep);
    run(&s, &rep);                                                 /* nothing new: still there */
    check_finding(&rep, "log.errors", HF_WARNING, "error",
                  "1 error line in the last 15 minutes in 1 file (0 new)");
    hf_report_free(&rep);
    hf_check_ctx ctx = hf_check_ctx_make(5, 0, 0);                 /* no state kept: a first run */
    hf_report_init(&rep);
    hf_check_eval(&s, NULL, &ctx, &rep);
    assert_int_equal(rep.state, HF_OK);
    assert_non_null(strstr(hf_buf_str(&rep.summary), "first run"));
    hf_report_free(&rep);
    run_teardown(&t, &s);
}

static void state_damaged(const char *content, bool as_dir, const char *want)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    char path[HF_PATH_MAX];
    const hf_finding *f;
    size_t resets = 0;

    run_setup(&t, &s);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    if (as_dir) {
        assert_int_equal(mkdir(path, 0700), 0);
    } else {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(content, fp);
        fclose(fp);
    }
    run(&s, &rep);
    for (size_t i = 0; i < rep.nf; i++)
        resets += strcmp(rep.f[i].code, "state.reset") == 0;
    assert_int_equal(resets, 1);
    f = need_code(&rep, "state.reset");
    assert_int_equal(f->state, HF_WARNING);
    assert_non_null(strstr(f->text, path));
    assert_non_null(strstr(f->text, want));
    assert_non_null(strstr(f->text, "; starting afresh"));
    assert_non_null(find_code(&rep, "log.errors"));                /* it still evaluated */
    assert_int_equal(rep.state, HF_WARNING);
    hf_report_free(&rep);
    if (!as_dir) {                                                 /* and rebuilt the file */
        run(&s, &rep);
        assert_null(find_code(&rep, "state.reset"));
        assert_int_equal(rep.state, HF_OK);
        hf_report_free(&rep);
    }
    run_teardown(&t, &s);
}

static void test_state_truncated(void **state)
{
    (void)state;
    state_damaged("helixflow-logs-state 2\nsaved 1\nwin 1800000000 60 1 0 0 0\n", false,
                  "truncated (no end marker)");
}

static void test_state_garbage(void **state)
{
    (void)state;
    state_damaged("\x01\x02garbage\xff\n", false, "line 1: malformed record");
}

static void test_state_directory(void **state)
{
    (void)state;
    state_damaged(NULL, true, "not a regular file (directory)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_judge_ok),
        cmocka_unit_test(test_judge_warning),
        cmocka_unit_test(test_judge_critical),
        cmocka_unit_test(test_judge_events),
        cmocka_unit_test(test_judge_details),
        cmocka_unit_test(test_judge_settings),
        cmocka_unit_test(test_window_pinned),
        cmocka_unit_test(test_window_callers_agree),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_run_once),
        cmocka_unit_test(test_state_truncated),
        cmocka_unit_test(test_state_garbage),
        cmocka_unit_test(test_state_directory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
