/* Unit tests: the cert check kind (common/check/hf_check_cert.c). The
 * judgement from fixture probe results (hf_check_cert_judge): OK, WARNING,
 * CRITICAL and UNKNOWN with exact texts, codes, objects and metrics, days
 * left near the thresholds (the state from the exact figure, the figures
 * rounded down: hf_check_days.h); transitions; the settings rules; and
 * hf_check_run_once on fixture files with a parse-cache state file that is
 * truncated, garbage or a directory: one WARNING state.reset naming the file,
 * the certificates still checked. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_cert.h"
#include "hf_check.h"
#include "hf_check_judge.h"
#include "test_check_helpers.h"

#define NOW 1906502400.0        /* 2030-06-01 00:00:00 UTC */
#define DAY 86400.0

static char fx[2048];           /* fixtures */
static char tmpd[256];

/* ---- helpers */

static void settings(hf_settings *s)
{
    assert_int_equal(hf_settings_init(s, &hf_check_cert), 0);
}

/* A certificate with days left at NOW (its notAfter to the second). */
static void info(hf_cert_info *ci, double days)
{
    memset(ci, 0, sizeof(*ci));
    ci->not_before = (int64_t)(NOW - 300 * DAY);
    ci->not_after = (int64_t)(NOW + days * DAY);
    ci->days_left = days;
    ci->expired = days < 0;
    snprintf(ci->subject, sizeof(ci->subject), "CN=auth-service.helixflow.local,O=HelixFlow");
    snprintf(ci->issuer, sizeof(ci->issuer), "CN=HelixFlow Test Root CA,O=HelixFlow Testbed");
    snprintf(ci->serial, sizeof(ci->serial), "0A1B");
    snprintf(ci->key_type, sizeof(ci->key_type), "EC");
    snprintf(ci->key_curve, sizeof(ci->key_curve), "P-256");
    ci->key_bits = 256;
    ci->san_total = 3;
}

typedef struct fixture {
    hf_cert_info certs[2];
    hf_cert_result res;
    hf_check_cert_file f;
} fixture;

/* One file, trusted, one certificate with days left. */
static void fixture_file(fixture *x, const char *name, double days)
{
    memset(x, 0, sizeof(*x));
    info(&x->certs[0], days);
    x->res.certs = x->certs;
    x->res.ncerts = 1;
    x->res.verified = x->res.trusted = true;
    x->f = (hf_check_cert_file){name, 0, &x->res};
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

static void days_metric(const hf_report *r, const char *label, double v, const char *warn,
                        const char *crit)
{
    const hf_metric *m = metric(r, label);
    hf_buf b = {0};
    char want[32];

    assert_string_equal(m->object, label);
    assert_string_equal(m->name, "days_left");
    assert_string_equal(m->unit, "d");
    hf_report_number(&b, m->value);             /* as perfdata prints it */
    snprintf(want, sizeof(want), "%g", v);
    assert_string_equal(hf_buf_str(&b), want);
    hf_buf_free(&b);
    assert_string_equal(m->warn.text, warn);
    assert_string_equal(m->crit.text, crit);
    assert_true(isnan(m->min) && isnan(m->max));
}

/* Judge one fixture file with default settings (plus name=value pairs). */
static void judge1(fixture *x, hf_report *r, const char *name, const char *value)
{
    hf_settings s;

    settings(&s);
    if (name)
        set(&s, name, value);
    hf_report_init(r);
    hf_check_cert_judge(&s, &x->f, 1, r);
    hf_settings_free(&s);
}

#define DETAILS "auth-service.crt: subject CN=auth-service.helixflow.local,O=HelixFlow, issuer " \
    "CN=HelixFlow Test Root CA,O=HelixFlow Testbed, serial 0A1B, key EC P-256 256 bits, 3 SANs"

/* ---- the judgement */

static void test_ok(void **state)
{
    fixture x;
    hf_report r;

    (void)state;
    fixture_file(&x, "auth-service.crt", 300);
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(r.nf, 3);
    finding(&r, 0, HF_OK, "auth-service.crt", "cert.ok",
            "auth-service.crt expires in 300.0 days (2031-03-28 00:00:00 UTC)");
    finding(&r, 1, HF_OK, "auth-service.crt", "cert.ok", DETAILS);
    finding(&r, 2, HF_OK, "auth-service.crt", "cert.ok", "auth-service.crt trusted");
    assert_int_equal(nperf(&r), 1);
    assert_true(value_of(&r, "auth-service.crt", "chain_ok") == 1);
    days_metric(&r, "auth-service.crt", 300, "30:", "7:");
    assert_string_equal(hf_buf_str(&r.summary),
                        "1 certificate, earliest expiry in 300.0 days (auth-service.crt)");
    hf_report_free(&r);
}

/* 29.965 days: WARNING, read 29.9 (rounded it read 30.0 and was OK). */
static void test_warning_near_30(void **state)
{
    fixture x;
    hf_report r;

    (void)state;
    fixture_file(&x, "auth-service.crt", 29.965);
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_WARNING);
    finding(&r, 0, HF_WARNING, "auth-service.crt", "cert.expiring",
            "auth-service.crt expires in 29.9 days (2030-06-30 23:09:36 UTC)");
    assert_int_equal(hf_report_problems(&r), 1);
    days_metric(&r, "auth-service.crt", 29.96, "30:", "7:");
    hf_report_free(&r);

    fixture_file(&x, "auth-service.crt", 30.0);     /* exactly 30: not below the range */
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_OK);
    finding(&r, 0, HF_OK, "auth-service.crt", "cert.ok",
            "auth-service.crt expires in 30.0 days (2030-07-01 00:00:00 UTC)");
    hf_report_free(&r);
}

/* 6.965 days: CRITICAL, read 6.9 (rounded it read 7.0 and was WARNING). */
static void test_critical_near_7(void **state)
{
    fixture x;
    hf_report r;

    (void)state;
    fixture_file(&x, "auth-service.crt", 6.965);
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, 0, HF_CRITICAL, "auth-service.crt", "cert.expiring",
            "auth-service.crt expires in 6.9 days (2030-06-07 23:09:36 UTC)");
    days_metric(&r, "auth-service.crt", 6.96, "30:", "7:");
    hf_report_free(&r);

    fixture_file(&x, "auth-service.crt", 10.04);    /* custom ranges */
    judge1(&x, &r, "critical", "11:");
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, 0, HF_CRITICAL, "auth-service.crt", "cert.expiring",
            "auth-service.crt expires in 10.0 days (2030-06-11 00:57:36 UTC)");
    days_metric(&r, "auth-service.crt", 10.04, "30:", "11:");
    hf_report_free(&r);
}

static void test_critical_expired_untrusted(void **state)
{
    fixture x;
    hf_report r;

    (void)state;
    fixture_file(&x, "auth-service.crt", -2.35);
    x.res.trusted = false;
    x.res.verify_depth = 0;
    snprintf(x.res.verify_error, sizeof(x.res.verify_error), "certificate has expired");
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, 0, HF_CRITICAL, "auth-service.crt", "cert.expired",
            "auth-service.crt expired 2.3 days ago (2030-05-29 15:36:00 UTC)");
    finding(&r, 2, HF_CRITICAL, "auth-service.crt", "cert.untrusted",
            "auth-service.crt not trusted: certificate has expired (depth 0)");
    days_metric(&r, "auth-service.crt", -2.35, "30:", "7:");
    hf_report_free(&r);

    fixture_file(&x, "auth-service.crt", 400);      /* not yet valid: starts in 30 days */
    x.certs[0].not_yet_valid = true;
    x.certs[0].not_before = (int64_t)(NOW + 30 * DAY + 3000);
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, 0, HF_CRITICAL, "auth-service.crt", "cert.not_yet_valid",
            "auth-service.crt not yet valid: valid from 2030-07-01 00:50:00 UTC (in 30.0 days)");
    hf_report_free(&r);
}

/* A file that cannot be read as certificates: its one finding, no metric. */
static void unread(int rc, const char *err, hf_state want, const char *code)
{
    fixture x;
    hf_report r;

    fixture_file(&x, "auth-service.crt", 0);
    x.res.ncerts = 0;
    x.f.rc = rc;
    snprintf(x.res.error, sizeof(x.res.error), "%s", err);
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, want);
    assert_int_equal(r.nf, 1);
    finding(&r, 0, want, "auth-service.crt", code, err);
    assert_int_equal(nperf(&r), 0);
    assert_int_equal(r.summary.len, 0);
    hf_report_free(&r);
}

static void test_unreadable_files(void **state)
{
    (void)state;
    unread(-ENOENT, "auth-service.crt: cannot open: No such file or directory", HF_CRITICAL,
           "cert.missing");
    unread(-ENODATA, "auth-service.crt: empty file", HF_CRITICAL, "cert.invalid");
    unread(-EBADMSG, "auth-service.crt: no certificate found (PEM_read_bio: bad base64 decode)",
           HF_CRITICAL, "cert.invalid");
    unread(-EACCES, "auth-service.crt: cannot open: Permission denied", HF_UNKNOWN, "cert.unreadable");
}

static void test_unknown_verify_url(void **state)
{
    fixture x;
    hf_report r;

    (void)state;
    fixture_file(&x, "auth-service.crt", 300);
    x.res.verified = x.res.trusted = false;
    snprintf(x.res.verify_error, sizeof(x.res.verify_error), "cannot open CA file /x/none.crt: "
             "No such file or directory");
    judge1(&x, &r, NULL, NULL);
    assert_int_equal(r.state, HF_UNKNOWN);
    finding(&r, 2, HF_UNKNOWN, "auth-service.crt", "cert.unverifiable",
            "auth-service.crt: cannot verify: cannot open CA file /x/none.crt: No such file or directory");
    days_metric(&r, "auth-service.crt", 300, "30:", "7:");
    hf_report_free(&r);

    fixture_file(&x, "auth-service.crt", 300);
    snprintf(x.res.url_error, sizeof(x.res.url_error), "https://127.0.0.1:9/health: connection refused");
    judge1(&x, &r, "url", "https://127.0.0.1:9/health");
    assert_int_equal(r.state, HF_UNKNOWN);
    finding(&r, 3, HF_UNKNOWN, "auth-service.crt", "cert.unreachable",
            "auth-service.crt: cannot fetch the served certificate: https://127.0.0.1:9/health: "
            "connection refused");
    hf_report_free(&r);
}

static void test_url_served(void **state)
{
    fixture x;
    hf_report r;

    (void)state;
    fixture_file(&x, "auth-service.crt", 300);      /* renewed on disk, the old one served */
    x.res.url_checked = true;
    info(&x.res.served, 45);
    judge1(&x, &r, "url", "https://localhost:8443/health");
    assert_int_equal(r.state, HF_WARNING);
    finding(&r, 3, HF_WARNING, "auth-service.crt", "cert.not_served",
            "auth-service.crt renewed but not reloaded: https://localhost:8443/health still serves the "
            "certificate expiring 2030-07-16 00:00:00 UTC (file: 2031-03-28 00:00:00 UTC)");
    hf_report_free(&r);

    x.res.url_match = true;
    judge1(&x, &r, "url", "https://localhost:8443/health");
    assert_int_equal(r.state, HF_OK);
    finding(&r, 3, HF_OK, "auth-service.crt", "cert.ok",
            "auth-service.crt is the certificate https://localhost:8443/health serves");
    assert_string_equal(hf_buf_str(&r.summary), "1 certificate, earliest expiry in 300.0 days "
                        "(auth-service.crt), auth-service.crt served by https://localhost:8443/health");
    hf_report_free(&r);
}

/* A bundle: every certificate judged, named file#n, the file the object;
 * several files: the earliest one named in the summary. */
static void test_bundle_and_files(void **state)
{
    fixture a, b;
    hf_check_cert_file f[2];
    hf_settings s;
    hf_report r;

    (void)state;
    fixture_file(&a, "chain.pem", 200);
    info(&a.certs[1], 20.5);
    a.res.ncerts = 2;
    a.res.earliest = 1;
    fixture_file(&b, "api-gateway.crt", 100);
    f[0] = a.f;
    f[1] = b.f;
    settings(&s);
    set(&s, "no-verify", NULL);
    hf_report_init(&r);
    hf_check_cert_judge(&s, f, 2, &r);
    assert_int_equal(r.state, HF_WARNING);
    assert_int_equal(r.nf, 6);      /* no trust findings with --no-verify */
    finding(&r, 2, HF_WARNING, "chain.pem", "cert.expiring",
            "chain.pem#2 expires in 20.5 days (2030-06-21 12:00:00 UTC)");
    assert_string_equal(r.f[3].object, "chain.pem");
    assert_non_null(strstr(r.f[3].text, "chain.pem#2: subject "));
    days_metric(&r, "chain.pem", 20.5, "30:", "7:");
    days_metric(&r, "api-gateway.crt", 100, "30:", "7:");
    assert_string_equal(hf_buf_str(&r.summary), "2 certificates, earliest expiry in 20.5 days (chain.pem)");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* OK -> CRITICAL -> OK on the certificate's object. */
static void test_transitions(void **state)
{
    fixture x;
    hf_report a, b, c;
    hf_transition *t;
    size_t n;

    (void)state;
    fixture_file(&x, "auth-service.crt", 300);
    judge1(&x, &a, NULL, NULL);
    fixture_file(&x, "auth-service.crt", 6.965);
    judge1(&x, &b, NULL, NULL);
    fixture_file(&x, "auth-service.crt", 300);
    judge1(&x, &c, NULL, NULL);
    assert_int_equal(hf_report_transitions(&a, &b, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "auth-service.crt");
    assert_string_equal(t[0].code, "cert.expiring");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, "auth-service.crt expires in 6.9 days (2030-06-07 23:09:36 UTC)");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&b, &c, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].code, "cert.expiring");
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    assert_string_equal(t[0].text, "auth-service.crt expires in 300.0 days (2031-03-28 00:00:00 UTC)");
    hf_transitions_free(t, n);
    hf_report_free(&a);
    hf_report_free(&b);
    hf_report_free(&c);
}

/* ---- settings */

static void test_settings(void **state)
{
    hf_settings s;
    char err[HF_ERR_MAX];
    int bad;

    (void)state;
    settings(&s);
    assert_string_equal(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_cert, "warning"))->text,
                        "30:");
    assert_string_equal(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_cert, "critical"))->text,
                        "7:");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), 0);
    set(&s, "url", "http://localhost:8443/health");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, hf_settings_find(&hf_check_cert, "url"));
    assert_string_equal(err, "'http://localhost:8443/health' is not an https URL");
    hf_settings_free(&s);

    settings(&s);
    set(&s, "no-verify", NULL);
    set(&s, "capath", "/etc/ssl/certs");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, -1);
    assert_string_equal(err, "--no-verify excludes --ca and --capath");
    hf_settings_free(&s);

    settings(&s);
    for (int i = 0; i < 65; i++)
        set(&s, "cert", "/x.crt");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "at most 64 certificates");
    hf_settings_free(&s);
}

/* ---- hf_check_run_once on fixture files, the cache as the state */

static void run(const hf_settings *s, hf_report *r)
{
    hf_check_ctx ctx = hf_check_ctx_make(10, 0.25, 0);

    hf_report_init(r);
    hf_check_run_once(s, &ctx, r);
}

static void run_settings(hf_settings *s)
{
    char p[HF_PATH_MAX];

    settings(s);
    snprintf(p, sizeof(p), "%s/valid.crt", fx);
    set(s, "cert", p);
    snprintf(p, sizeof(p), "%s/chain.pem", fx);
    set(s, "cert", p);
    set(s, "no-verify", NULL);
    snprintf(p, sizeof(p), "%s/state", tmpd);
    set(s, "state-dir", p);
}

/* Both files judged: a dates finding and a metric each. */
static void checked(const hf_report *r)
{
    size_t n = 0;

    assert_int_equal(nperf(r), 2);
    assert_string_equal(r->m[0].label, "valid.crt");
    assert_string_equal(r->m[r->nm / 2].label, "chain.pem");
    for (size_t i = 0; i < r->nf; i++)
        n += strcmp(r->f[i].object, "valid.crt") == 0 || strcmp(r->f[i].object, "chain.pem") == 0;
    assert_true(n >= 4);            /* dates and details of each */
}

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
    checked(&r);
    hf_report_free(&r);
}

static void test_run_once_state(void **state)
{
    hf_settings s;
    hf_report r;
    char path[HF_PATH_MAX];
    struct stat st;
    FILE *f;

    (void)state;
    run_settings(&s);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "/state/cert-"));
    run(&s, &r);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    checked(&r);
    hf_report_free(&r);
    assert_int_equal(stat(path, &st), 0);
    run(&s, &r);                    /* from the cache: the same report */
    assert_int_equal(count_code(&r, "state.reset"), 0);
    checked(&r);
    hf_report_free(&r);

    assert_int_equal(truncate(path, st.st_size - 10), 0);  /* mid-line */
    damaged(&s, path, "truncated");
    run(&s, &r);                    /* rewritten */
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

/* Two files with one base name: each named by its path. */
static void test_run_once_names(void **state)
{
    hf_settings s;
    hf_report r;
    char a[512], b[512], cmd[4 * 512 + 2 * sizeof(fx) + 64];

    (void)state;
    snprintf(a, sizeof(a), "%s/a/valid.crt", tmpd);
    snprintf(b, sizeof(b), "%s/b/valid.crt", tmpd);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/a' '%s/b' && cp '%s/valid.crt' '%s' && cp '%s/valid.crt' '%s'",
             tmpd, tmpd, fx, a, fx, b);
    assert_int_equal(system(cmd), 0);
    settings(&s);
    set(&s, "cert", a);
    set(&s, "cert", b);
    set(&s, "no-verify", NULL);
    snprintf(a, sizeof(a), "%s/state3", tmpd);
    set(&s, "state-dir", a);
    snprintf(a, sizeof(a), "%s/a/valid.crt", tmpd);
    run(&s, &r);
    assert_int_equal(nperf(&r), 2);
    assert_string_equal(r.m[0].label, a);
    assert_string_equal(r.m[2].label, b);      /* after a's chain_ok value (NaN: no-verify) */
    assert_string_equal(r.f[0].object, a);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static int setup(void **state)
{
    const char *f = getenv("HF_FIXTURES");

    (void)state;
    snprintf(fx, sizeof(fx), "%s/cert", f ? f : "tests/unit/fixtures");
    snprintf(tmpd, sizeof(tmpd), "%s/hf-test-check-cert-XXXXXX",
             getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
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
        cmocka_unit_test(test_warning_near_30),
        cmocka_unit_test(test_critical_near_7),
        cmocka_unit_test(test_critical_expired_untrusted),
        cmocka_unit_test(test_unreadable_files),
        cmocka_unit_test(test_unknown_verify_url),
        cmocka_unit_test(test_url_served),
        cmocka_unit_test(test_bundle_and_files),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_run_once_state),
        cmocka_unit_test(test_run_once_names),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
