/* Unit tests: the http check. Fixture GET results through
 * hf_check_http_judge (OK, WARNING, CRITICAL, UNKNOWN with the exact text,
 * code, object and metrics), the one rule for no answer (timeout, out of
 * time, refused, untrusted), certificate days rounded down, transitions,
 * the settings table; and two evaluations against a loopback socket that
 * never answers (a plain timeout, and check_helixflow's share running out).
 * The http check keeps no state (no state-file tests). */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "test_check_helpers.h"

#define URL "https://localhost:8443/health"

static void settings(hf_settings *s)
{
    assert_int_equal(hf_settings_init(s, &hf_check_http), 0);
    set(s, "url", URL);
}

/* An answer over https: 200 OK, 21 bytes in 45 ms, the chain 364.95 days. */
static void answered(hf_check_http_get *g)
{
    memset(g, 0, sizeof(*g));
    g->res.done = true;
    g->res.status = 200;
    g->res.status_ok = g->res.substring_ok = g->res.regex_ok = g->res.model_ok = true;
    strcpy(g->res.reason, "OK");
    g->res.size = 21;
    g->res.tls = g->res.verify_ok = true;
    g->res.t_dns = 0.000018;
    g->res.t_connect = 0.000118;
    g->res.t_tls = 0.0035;
    g->res.t_ttfb = 0.0449;
    g->res.t_total = 0.045;
    g->res.cert_days_left = 364.95;
    g->waited_s = 0.046;
    g->budget_ms = g->check_ms = 9750;
}

/* No answer: rc, the probe's message, how long it waited. */
static void unanswered(hf_check_http_get *g, int rc, const char *error, double waited)
{
    memset(g, 0, sizeof(*g));
    g->rc = rc;
    g->res.substring_ok = g->res.regex_ok = g->res.model_ok = true;
    g->res.tls = true;
    g->res.cert_days_left = NAN;
    g->res.t_total = waited;
    snprintf(g->res.error, sizeof(g->res.error), "%s", error);
    g->waited_s = waited;
    g->budget_ms = g->check_ms = 1750;
}

/* The finding with code: never NULL (the test fails instead). */
static const hf_finding *need(const hf_report *r, const char *code)
{
    static char empty[1];
    static const hf_finding none = {HF_OK, empty, empty, empty};
    const hf_finding *f = find_code(r, code);

    if (!f)
        fail_msg("no finding %s", code);
    return f ? f : &none;
}

static void finding(const hf_report *r, const char *code, hf_state st, const char *object,
                    const char *text)
{
    const hf_finding *f = need(r, code);

    assert_int_equal(f->state, st);
    assert_string_equal(f->object, object);
    assert_string_equal(f->text, text);
}

/* The metric labelled label: never NULL (the test fails instead). */
static const hf_metric *metric(const hf_report *r, const char *label)
{
    static char empty[1];
    static const hf_metric none = {.label = empty, .object = empty, .name = empty, .unit = ""};

    for (size_t i = 0; i < r->nm; i++)
        if (strcmp(r->m[i].label, label) == 0)
            return &r->m[i];
    fail_msg("no metric %s", label);
    return &none;
}

static void metric_is(const hf_report *r, const char *label, double v, const char *unit,
                      const char *warn, const char *crit)
{
    const hf_metric *m = metric(r, label);

    assert_true(fabs(m->value - v) < 1e-9);
    assert_string_equal(m->unit, unit);
    assert_string_equal(m->warn.set ? m->warn.text : "", warn);
    assert_string_equal(m->crit.set ? m->crit.text : "", crit);
    assert_string_equal(m->object, "");
}

static void judge(const hf_settings *s, const hf_check_http_get *g, hf_report *r)
{
    hf_report_init(r);
    hf_check_http_judge(s, g, r);
}

/* ---- answers ------------------------------------------------------------------- */

static void test_ok(void **state)
{
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    settings(&s);
    answered(&g);
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(hf_report_problems(&r), 0);
    assert_string_equal(hf_buf_str(&r.summary), "200 OK in 0.045 s, 21 bytes, certificate 364.9 days left");
    finding(&r, "http.cert", HF_OK, "health", "certificate 364.9 days left");
    finding(&r, "http.answered", HF_OK, "health", URL ": dns 0.000 s, connected 0.000 s, tls done 0.004 s, "
            "first byte 0.045 s, total 0.045 s");
    assert_int_equal(nperf(&r), 8);
    assert_true(value_of(&r, "", "up") == 1);
    assert_true(value_of(&r, "", "status") == 200);
    metric_is(&r, "time", 0.045, "s", "0.2", "1");
    assert_true(metric(&r, "time")->min == 0 && isnan(metric(&r, "time")->max));
    metric_is(&r, "dns", 0.018, "ms", "", "");
    metric_is(&r, "connect", 0.1, "ms", "", "");
    metric_is(&r, "tls", 3.382, "ms", "", "");
    metric_is(&r, "ttfb", 41.4, "ms", "", "");
    metric_is(&r, "transfer", 0.1, "ms", "", "");
    metric_is(&r, "size", 21, "B", "", "");
    metric_is(&r, "cert_days", 364.95, "d", "30:", "7:");
    hf_report_free(&r);

    /* a reused connection: no connect or TLS phase, the same chain */
    g.res.reused = true;
    g.res.t_connect = g.res.t_tls = 0;
    g.res.t_dns = 0;
    judge(&s, &g, &r);
    metric_is(&r, "connect", 0, "ms", "", "");
    metric_is(&r, "tls", 0, "ms", "", "");
    metric_is(&r, "ttfb", 44.9, "ms", "", "");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_plain_http_model(void **state)
{
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_http), 0);
    set(&s, "model", "helixflow-7b");           /* the models URL by default; object "models" */
    answered(&g);
    g.res.tls = g.res.verify_ok = false;
    g.res.cert_days_left = NAN;
    g.res.size = 106;
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_OK);
    assert_string_equal(hf_buf_str(&r.summary), "200 OK in 0.045 s, 106 bytes, model helixflow-7b listed");
    finding(&r, "http.answered", HF_OK, "models", "http://localhost:8443/v1/models: dns 0.000 s, "
            "connected 0.000 s, first byte 0.045 s, total 0.045 s");
    assert_int_equal(nperf(&r), 6);             /* no tls phase, no cert_days */
    assert_null(find_code(&r, "http.cert"));
    hf_report_free(&r);
    g.res.model_ok = false;
    judge(&s, &g, &r);
    finding(&r, "http.model", HF_CRITICAL, "models", "model 'helixflow-7b' not listed");
    hf_report_free(&r);
    snprintf(g.res.check_error, sizeof(g.res.check_error), "no \"data\" list in the JSON object");
    judge(&s, &g, &r);
    finding(&r, "http.model", HF_CRITICAL, "models",
            "model 'helixflow-7b' not found: no \"data\" list in the JSON object");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_warning(void **state)
{
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    settings(&s);
    answered(&g);
    g.res.t_ttfb = 0.4995;
    g.res.t_total = 0.5;
    g.res.cert_days_left = 29.96;               /* the exact figure warns; people read 29.9 */
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_WARNING);
    finding(&r, "http.slow", HF_WARNING, "health", "response time 0.500 s outside warning range 0.2");
    finding(&r, "http.cert_expiring", HF_WARNING, "health", "certificate expires in 29.9 days");
    metric_is(&r, "cert_days", 29.96, "d", "30:", "7:");
    hf_report_free(&r);
    g.res.cert_days_left = 29.999;              /* never "30.0 days" or 30d */
    judge(&s, &g, &r);
    finding(&r, "http.cert_expiring", HF_WARNING, "health", "certificate expires in 29.9 days");
    metric_is(&r, "cert_days", 29.99, "d", "30:", "7:");
    hf_report_free(&r);
    g.res.cert_days_left = 30;
    judge(&s, &g, &r);
    finding(&r, "http.cert", HF_OK, "health", "certificate 30.0 days left");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_critical_answers(void **state)
{
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    settings(&s);
    set(&s, "expect-string", "healthy");
    set(&s, "expect-regex", "^x");
    answered(&g);
    g.res.status = 503;
    g.res.status_ok = g.res.substring_ok = g.res.regex_ok = false;
    strcpy(g.res.reason, "Service Unavailable");
    g.res.t_total = 1.5;
    g.res.cert_days_left = 6.96;
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, "http.status", HF_CRITICAL, "health", "status 503 Service Unavailable, expected 2xx");
    assert_string_equal(r.f[1].text, "body does not contain 'healthy'");
    assert_string_equal(r.f[2].text, "body does not match '^x'");
    finding(&r, "http.slow", HF_CRITICAL, "health", "response time 1.500 s outside critical range 1");
    finding(&r, "http.cert_expiring", HF_CRITICAL, "health", "certificate expires in 6.9 days");
    metric_is(&r, "cert_days", 6.96, "d", "30:", "7:");
    hf_report_free(&r);

    set(&s, "expect-status", "204");
    g.res.cert_days_left = -5.04;
    judge(&s, &g, &r);
    finding(&r, "http.status", HF_CRITICAL, "health", "status 503 Service Unavailable, expected 204");
    finding(&r, "http.cert_expired", HF_CRITICAL, "health", "certificate expired 5.0 days ago");
    metric_is(&r, "cert_days", -5.04, "d", "30:", "7:");
    hf_report_free(&r);

    /* the thresholds of the days come from cert-warning / cert-critical */
    set(&s, "cert-warning", "5");
    set(&s, "cert-critical", "2.5");
    g.res.cert_days_left = 10.04;
    judge(&s, &g, &r);
    finding(&r, "http.cert", HF_OK, "health", "certificate 10.0 days left");
    metric_is(&r, "cert_days", 10.04, "d", "5:", "2.5:");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* ---- no answer: the one rule ------------------------------------------------------ */

#define TIMEOUT_ERR "GET " URL ": Operation timed out after 1750 milliseconds with 0 bytes received"

static void test_timeout(void **state)
{
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    settings(&s);
    /* not beyond -c 1: the state is unknown; the text names the time waited */
    set(&s, "critical", "3");
    unanswered(&g, -ETIMEDOUT, TIMEOUT_ERR, 2.0634);
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_int_equal(r.nf, 1);
    finding(&r, "http.timeout", HF_UNKNOWN, "health", "timed out after 2.06 s: " TIMEOUT_ERR);
    assert_int_equal(nperf(&r), 1);                  /* time only */
    metric_is(&r, "time", 2.0634, "s", "0.2", "3");
    hf_report_free(&r);
    /* beyond it: the server is at least that slow */
    set(&s, "critical", "1");
    judge(&s, &g, &r);
    finding(&r, "http.timeout", HF_CRITICAL, "health",
            "no response within 2.063 s (critical range 1): " TIMEOUT_ERR);
    hf_report_free(&r);
    /* an "@" range alerting from a bound up: proven as well */
    set(&s, "critical", "@2:");
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_out_of_time(void **state)
{
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    settings(&s);
    set(&s, "critical", "3");
    unanswered(&g, -ETIMEDOUT, TIMEOUT_ERR, 0.385);
    g.shared = true;                            /* check_helixflow's share ran out */
    g.check_ms = 384;
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    finding(&r, "http.out_of_time", HF_UNKNOWN, "health",
            "out of time: check_helixflow's -t left 384 ms for this check (the endpoint was not judged)");
    assert_null(find_code(&r, "http.timeout"));
    hf_report_free(&r);
    /* but a wait already beyond -c proves the endpoint slow, whoever cut it */
    set(&s, "critical", "0.2");
    judge(&s, &g, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_non_null(find_code(&r, "http.timeout"));
    assert_null(find_code(&r, "http.out_of_time"));
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_failures(void **state)
{
    static const struct {
        int rc;
        const char *verify;
        const char *code;
        hf_state st;
        const char *text;
    } cases[] = {
        {-ECONNREFUSED, "", "http.down", HF_CRITICAL, "connection refused: E"},
        {-EHOSTUNREACH, "", "http.down", HF_CRITICAL, "host unreachable: E"},
        {-EPROTO, "unable to get local issuer certificate", "http.untrusted", HF_CRITICAL,
         "certificate not trusted: unable to get local issuer certificate (" URL ")"},
        {-EPROTO, "", "http.tls", HF_CRITICAL, "TLS/protocol failure: E"},
        {-ELOOP, "", "http.redirects", HF_CRITICAL, "too many redirects: E"},
        {-ECONNRESET, "", "http.down", HF_CRITICAL, "E"},
        {-ENOMEM, "", "http.probe", HF_UNKNOWN, "E"},
        {-EINVAL, "", "http.probe", HF_UNKNOWN, "E"},
    };
    hf_settings s;
    hf_check_http_get g;
    hf_report r;

    (void)state;
    settings(&s);
    for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
        unanswered(&g, cases[i].rc, "E", 0.01);
        snprintf(g.res.verify_error, sizeof(g.res.verify_error), "%s", cases[i].verify);
        judge(&s, &g, &r);
        finding(&r, cases[i].code, cases[i].st, "health", cases[i].text);
        hf_report_free(&r);
    }
    /* untrusted, the chain still read: its days are judged too */
    unanswered(&g, -EPROTO, "E", 0.004);
    strcpy(g.res.verify_error, "certificate has expired");
    g.res.cert_days_left = -5.0;
    judge(&s, &g, &r);
    assert_int_equal(r.nf, 2);
    assert_string_equal(r.f[0].text, "certificate not trusted: certificate has expired (" URL ")");
    assert_string_equal(r.f[1].text, "certificate expired 5.0 days ago");
    assert_int_equal(nperf(&r), 2);                  /* time and cert_days */
    metric_is(&r, "cert_days", -5.0, "d", "30:", "7:");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_transitions(void **state)
{
    hf_settings s;
    hf_check_http_get ok, down;
    hf_report a, b, c;
    hf_transition *t;
    size_t n;

    (void)state;
    settings(&s);
    answered(&ok);
    unanswered(&down, -ECONNREFUSED, "GET " URL ": refused", 0.001);
    judge(&s, &ok, &a);
    judge(&s, &down, &b);
    judge(&s, &ok, &c);
    assert_int_equal(hf_report_transitions(&a, &b, &t, &n), 0);      /* OK -> CRITICAL */
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "health");
    assert_string_equal(t[0].code, "http.down");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, "connection refused: GET " URL ": refused");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&b, &c, &t, &n), 0);      /* CRITICAL -> OK */
    assert_int_equal(n, 1);
    assert_string_equal(t[0].code, "http.down");
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&a, &c, &t, &n), 0);      /* OK -> OK: none */
    assert_int_equal(n, 0);
    hf_transitions_free(t, n);
    hf_report_free(&a);
    hf_report_free(&b);
    hf_report_free(&c);
    hf_settings_free(&s);
}

/* ---- settings ------------------------------------------------------------------------ */

static void test_settings(void **state)
{
    hf_settings s;
    char err[HF_ERR_MAX];
    int bad;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_http), 0);
    assert_string_equal(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_http, "warning"))->text, "0.2");
    assert_string_equal(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_http, "critical"))->text, "1");
    assert_true(hf_settings_double(&s, (size_t)hf_settings_find(&hf_check_http, "cert-warning")) == 30);
    assert_true(hf_settings_double(&s, (size_t)hf_settings_find(&hf_check_http, "cert-critical")) == 7);
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), 0);
    set(&s, "cert-critical", "40");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, -1);
    assert_string_equal(err, "--cert-critical 40 is above --cert-warning 30");
    hf_settings_free(&s);
    assert_int_equal(hf_settings_init(&s, &hf_check_http), 0);
    set(&s, "url", "ftp://localhost/");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, hf_settings_find(&hf_check_http, "url"));
    assert_string_equal(err, "'ftp://localhost/': scheme must be http or https");
    hf_settings_free(&s);
    assert_int_equal(hf_settings_init(&s, &hf_check_http), 0);
    set(&s, "expect-regex", "(");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, hf_settings_find(&hf_check_http, "expect-regex"));
    hf_settings_free(&s);
    assert_int_equal(hf_settings_init(&s, &hf_check_http), 0);
    assert_int_equal(hf_settings_set(&s, (size_t)hf_settings_find(&hf_check_http, "expect-status"), "2xx",
                                     err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'2xx' is not a whole number from 100 to 599");
    hf_settings_free(&s);
}

/* ---- evaluations against a socket that never answers ------------------------------------ */

/* A listening socket nobody accepts from: connects complete (the kernel's
 * backlog), the request is never answered. */
static int silent_port(int *fd)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    *fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(*fd >= 0);
    assert_int_equal(bind(*fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(*fd, 8), 0);
    assert_int_equal(getsockname(*fd, (struct sockaddr *)&a, &len), 0);
    return ntohs(a.sin_port);
}

static void test_eval_silent(void **state)
{
    hf_settings s;
    hf_report r;
    hf_check_ctx ctx;
    char url[64];
    int fd, port = silent_port(&fd);
    const hf_finding *f;

    (void)state;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", port);
    assert_int_equal(hf_settings_init(&s, &hf_check_http), 0);
    set(&s, "url", url);
    set(&s, "critical", "30");
    /* its own time (1 s, less 0.5 s for the report): a plain timeout */
    ctx = hf_check_ctx_make(1, 0.5, 0);
    hf_report_init(&r);
    hf_check_eval(&s, NULL, &ctx, &r);
    f = need(&r, "http.timeout");
    assert_int_equal(f->state, HF_UNKNOWN);
    assert_true(strstr(f->text, "timed out after 0.") == f->text);
    assert_non_null(strstr(f->text, url));
    hf_report_free(&r);
    /* a share of check_helixflow's -t (0.3 s of a 10 s timeout): out of time */
    ctx = hf_check_ctx_make(10, 0, hf_mono_now() + 0.3);
    assert_true(ctx.shared);
    hf_report_init(&r);
    hf_check_eval(&s, NULL, &ctx, &r);
    f = need(&r, "http.out_of_time");
    assert_int_equal(f->state, HF_UNKNOWN);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_non_null(strstr(f->text, "out of time: check_helixflow's -t left "));
    assert_non_null(strstr(f->text, " ms for this check (the endpoint was not judged)"));
    hf_report_free(&r);
    close(fd);
    hf_settings_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_plain_http_model),
        cmocka_unit_test(test_warning),
        cmocka_unit_test(test_critical_answers),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_out_of_time),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_eval_silent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
