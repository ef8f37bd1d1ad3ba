/* Unit tests: the api check. Fixture pages and GET results through
 * hf_check_api_judge (OK, WARNING, CRITICAL, UNKNOWN with the exact text,
 * code, object and metrics), the no-answer rule shared with http, the
 * error ratio over a fixed window with a pinned clock (reset-safe, stale,
 * clock steps, sample thinning), the window samples in the state file,
 * transitions, and hf_check_run_once with a truncated, garbage or
 * directory state file against a loopback page server. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "test_check_helpers.h"

#define MURL "http://127.0.0.1:8083/metrics"
#define T0 1800000000.0                     /* the pinned clock's start */

static void settings(hf_settings *s)
{
    assert_int_equal(hf_settings_init(s, &hf_check_api), 0);
    set(s, "metrics-url", MURL);
}

/* A page of two request counter series: requests in all, errors of them 500s. */
static char *counters(char *buf, size_t n, double requests, double errors)
{
    snprintf(buf, n, "# TYPE api_requests_total counter\napi_requests_total{code=\"200\"} %.0f\n"
             "api_requests_total{code=\"500\"} %.0f\n", requests - errors, errors);
    return buf;
}

/* The metrics page answered with body (borrowed: never freed) at now. */
static void page(hf_check_api_probe *p, const char *body, double now)
{
    memset(p, 0, sizeof(*p));
    p->metrics.res.done = p->metrics.res.status_ok = true;
    p->metrics.res.substring_ok = p->metrics.res.regex_ok = p->metrics.res.model_ok = true;
    p->metrics.res.status = 200;
    p->metrics.res.body = (char *)(uintptr_t)body;
    p->metrics.res.size = strlen(body);
    p->metrics.res.cert_days_left = NAN;
    p->models.res.cert_days_left = NAN;
    p->now = now;
}

static char *fixture(const char *name)
{
    const char *fx = getenv("HF_FIXTURES");
    char path[HF_PATH_MAX];
    char *buf = NULL;

    snprintf(path, sizeof(path), "%s/prom/%s", fx ? fx : "tests/unit/fixtures", name);
    assert_true(hf_file_read(path, 1 << 20, &buf) > 0);
    return buf;
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

    if (isnan(v))
        assert_true(isnan(m->value));
    else
        assert_true(fabs(m->value - v) < 1e-6);
    assert_string_equal(m->unit, unit);
    assert_string_equal(m->warn.set ? m->warn.text : "", warn);
    assert_string_equal(m->crit.set ? m->crit.text : "", crit);
    assert_string_equal(m->object, "");
}

static void judge(const hf_settings *s, const hf_check_api_probe *p, hf_prom_api_state *st,
                  hf_report *r)
{
    hf_report_init(r);
    hf_check_api_judge(s, p, st, r);
}

/* ---- one page -------------------------------------------------------------------- */

static void test_first_run_ok(void **state)
{
    hf_settings s;
    hf_check_api_probe p;
    hf_prom_api_state st = {0};
    hf_report r;
    char *body = fixture("helixflow.prom");

    (void)state;
    settings(&s);
    page(&p, body, T0);
    judge(&s, &p, &st, &r);
    assert_int_equal(r.state, HF_OK);
    assert_string_equal(hf_buf_str(&r.summary), "first run: 10000 requests since start, 0.60% errors, "
                        "p95 0.750 s (cumulative; rate from the next run)");
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio since the exporter started (no earlier sample: the 900 s window starts now)");
    finding(&r, "api.source", HF_OK, "metrics", "latency from api_request_duration_seconds histogram "
            "buckets: p50 0.100 s, p95 0.750 s, p99 2.500 s");
    finding(&r, "api.signal", HF_OK, "metrics", "queue 6 (helixflow_queue_depth)");
    assert_int_equal(nperf(&r), 7);
    metric_is(&r, "rate", NAN, "", "", "");
    metric_is(&r, "requests", 10000, "c", "", "");
    metric_is(&r, "errors", 0.6, "%", "1", "5");
    assert_true(metric(&r, "errors")->min == 0 && metric(&r, "errors")->max == 100);
    metric_is(&r, "p50", 0.1, "s", "", "");
    metric_is(&r, "p95", 0.75, "s", "2", "5");
    metric_is(&r, "p99", 2.5, "s", "", "");
    metric_is(&r, "queue", 6, "", "", "");
    assert_true(st.valid && st.nsamples == 1 && st.samples[0].time == T0);
    hf_report_free(&r);
    hf_settings_free(&s);
    free(body);
}

static void test_thresholds(void **state)
{
    hf_settings s;
    hf_check_api_probe p;
    hf_report r;
    char *body = fixture("helixflow.prom");

    (void)state;
    settings(&s);
    set(&s, "warning", "0.5");                  /* -w: the error ratio */
    set(&s, "p95-critical", "0.5");
    page(&p, body, T0);
    judge(&s, &p, NULL, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, "api.errors", HF_WARNING, "metrics", "error ratio 0.60% (warning threshold 0.5)");
    finding(&r, "api.latency", HF_CRITICAL, "metrics", "p95 latency 0.750 s (critical threshold 0.5)");
    metric_is(&r, "errors", 0.6, "%", "0.5", "5");
    metric_is(&r, "p95", 0.75, "s", "2", "0.5");
    hf_report_free(&r);
    set(&s, "critical", "0.59");                /* -c: the error ratio */
    judge(&s, &p, NULL, &r);
    finding(&r, "api.errors", HF_CRITICAL, "metrics", "error ratio 0.60% (critical threshold 0.59)");
    hf_report_free(&r);
    hf_settings_free(&s);
    free(body);
}

static void test_page_problems(void **state)
{
    static const struct {
        const char *body;
        const char *code;
        const char *text;
    } cases[] = {
        {"", "api.empty", "metrics page " MURL " is empty"},
        {"api_requests_total 5\napi_requests_total{code=\"500\" 1\n", "api.parse",
         "metrics page line 2, column 31: expected ',' or '}' after label 'code', found '1'"},
        {"# TYPE x gauge\n", "api.no_samples", "metrics page " MURL " has no samples"},
        {"other_total 5\n", "api.no_samples", "metrics page " MURL " has no api_requests_total samples"},
    };
    hf_settings s;
    hf_check_api_probe p;
    hf_report r;

    (void)state;
    settings(&s);
    for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
        page(&p, cases[i].body, T0);
        judge(&s, &p, NULL, &r);
        assert_int_equal(r.state, HF_UNKNOWN);
        finding(&r, cases[i].code, HF_UNKNOWN, "metrics", cases[i].text);
        assert_int_equal(nperf(&r), 0);
        hf_report_free(&r);
    }
    page(&p, "x 1\n", T0);
    p.metrics.res.truncated = true;
    judge(&s, &p, NULL, &r);
    finding(&r, "api.too_big", HF_UNKNOWN, "metrics", "metrics page " MURL " is larger than 16 MiB");
    hf_report_free(&r);
    page(&p, "not found\n", T0);
    p.metrics.res.status = 404;
    p.metrics.res.status_ok = false;
    judge(&s, &p, NULL, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    finding(&r, "api.status", HF_CRITICAL, "metrics", "metrics page " MURL " returned HTTP 404");
    hf_report_free(&r);
    hf_settings_free(&s);
}

#define TO_ERR "GET " MURL ": Operation timed out after 1650 milliseconds with 0 bytes received"

static void test_no_answer(void **state)
{
    hf_settings s;
    hf_check_api_probe p;
    hf_report r;

    (void)state;
    settings(&s);
    page(&p, "", T0);
    p.metrics.rc = -ETIMEDOUT;
    p.metrics.res.done = false;
    snprintf(p.metrics.res.error, sizeof(p.metrics.res.error), "%s", TO_ERR);
    p.metrics.waited_s = 1.6512;
    p.metrics.check_ms = 1750;
    judge(&s, &p, NULL, &r);                    /* http's rule: UNKNOWN, the time waited */
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_int_equal(r.nf, 1);
    finding(&r, "api.timeout", HF_UNKNOWN, "metrics", "metrics page: timed out after 1.65 s: " TO_ERR);
    hf_report_free(&r);
    p.metrics.waited_s = 6;                     /* beyond p95-critical (5 s): proven slow */
    judge(&s, &p, NULL, &r);
    finding(&r, "api.timeout", HF_CRITICAL, "metrics",
            "metrics page: no response within 6.000 s (critical range 5): " TO_ERR);
    hf_report_free(&r);
    p.metrics.waited_s = 0.4;                   /* check_helixflow's share ran out */
    p.metrics.shared = true;
    p.metrics.check_ms = 400;
    judge(&s, &p, NULL, &r);
    finding(&r, "api.out_of_time", HF_UNKNOWN, "metrics", "metrics page: out of time: check_helixflow's "
            "-t left 400 ms for this check (the endpoint was not judged)");
    hf_report_free(&r);
    p.metrics.rc = -ECONNREFUSED;               /* refused: CRITICAL, the old wording */
    snprintf(p.metrics.res.error, sizeof(p.metrics.res.error), "GET " MURL ": Couldn't connect");
    judge(&s, &p, NULL, &r);
    finding(&r, "api.down", HF_CRITICAL, "metrics", "metrics page unreachable: GET " MURL ": Couldn't connect");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_models(void **state)
{
    hf_settings s;
    hf_check_api_probe p;
    hf_report r;
    char buf[256];

    (void)state;
    settings(&s);
    set(&s, "model", "helixflow-13b");
    page(&p, counters(buf, sizeof(buf), 100, 0), T0);
    p.models_checked = true;
    p.models.res = p.metrics.res;
    p.models.res.body = NULL;
    judge(&s, &p, NULL, &r);
    finding(&r, "api.models", HF_OK, "models", "model 'helixflow-13b' listed by http://localhost:8443/v1/models");
    hf_report_free(&r);
    p.models.res.model_ok = false;
    judge(&s, &p, NULL, &r);
    finding(&r, "api.model", HF_CRITICAL, "models",
            "model 'helixflow-13b' not listed by http://localhost:8443/v1/models");
    assert_non_null(find_code(&r, "api.window"));      /* the page is still judged */
    hf_report_free(&r);
    p.models.rc = -EPROTO;
    snprintf(p.models.res.error, sizeof(p.models.res.error), "GET x: SSL certificate problem");
    judge(&s, &p, NULL, &r);
    finding(&r, "api.tls", HF_CRITICAL, "models", "models list unreachable: GET x: SSL certificate problem");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_transitions(void **state)
{
    hf_settings s;
    hf_check_api_probe ok, nf;
    hf_report a, b, c;
    hf_transition *t;
    size_t n;
    char buf[256];

    (void)state;
    settings(&s);
    page(&ok, counters(buf, sizeof(buf), 1000, 1), T0);
    page(&nf, "x", T0);
    nf.metrics.res.status = 404;
    nf.metrics.res.status_ok = false;
    judge(&s, &ok, NULL, &a);
    judge(&s, &nf, NULL, &b);
    judge(&s, &ok, NULL, &c);
    assert_int_equal(hf_report_transitions(&a, &b, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "metrics");
    assert_string_equal(t[0].code, "api.status");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&b, &c, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    assert_string_equal(t[0].code, "api.status");
    hf_transitions_free(t, n);
    hf_report_free(&a);
    hf_report_free(&b);
    hf_report_free(&c);
    hf_settings_free(&s);
}

/* ---- the error ratio over a fixed window (pinned clock) ------------------------------ */

/* Judge counters (requests, errors) at T0 + at; the error metric and the
 * window line back. */
static void step(const hf_settings *s, hf_prom_api_state *st, double at, double requests,
                 double errors, hf_report *r)
{
    hf_check_api_probe p;
    char buf[256];

    page(&p, counters(buf, sizeof(buf), requests, errors), T0 + at);
    judge(s, &p, st, r);
}

static void test_window(void **state)
{
    hf_settings s;
    hf_prom_api_state st = {0};
    hf_report r;

    (void)state;
    settings(&s);
    step(&s, &st, 0, 1000, 0, &r);
    hf_report_free(&r);
    step(&s, &st, 300, 2000, 100, &r);
    finding(&r, "api.errors", HF_CRITICAL, "metrics", "error ratio 10.00% (critical threshold 5)");
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio over the last 300 s of the 900 s window: 100 errors in 1000 requests");
    hf_report_free(&r);
    /* since the last run: 10 in 1000 (1.00%); over the window: 110 in 2000 */
    step(&s, &st, 600, 3000, 110, &r);
    finding(&r, "api.errors", HF_CRITICAL, "metrics", "error ratio 5.50% (critical threshold 5)");
    finding(&r, "api.delta", HF_OK, "metrics", "1000 requests, 10 errors in the last 300 s");
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio over the last 600 s of the 900 s window: 110 errors in 2000 requests");
    metric_is(&r, "errors", 5.5, "%", "1", "5");
    metric_is(&r, "rate", 1000.0 / 300, "", "", "");
    hf_report_free(&r);
    /* 1000 s: the first sample has left the window; from the 300 s one */
    step(&s, &st, 1000, 4000, 112, &r);
    assert_int_equal(r.state, HF_OK);
    assert_string_equal(hf_buf_str(&r.summary), "2.5 req/s, 0.60% errors, p95 n/a");
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio over the last 700 s of the 900 s window: 12 errors in 2000 requests");
    hf_report_free(&r);
    /* the exporter restarts: 500 and 50 count as new, nothing goes negative:
     * from the 300 s sample (2000, 100): 2000 + 500 requests, 12 + 50 errors */
    step(&s, &st, 1200, 500, 50, &r);
    finding(&r, "api.errors", HF_WARNING, "metrics", "error ratio 2.48% (warning threshold 1)");
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio over the last 900 s of the 900 s window: 62 errors in 2500 requests");
    assert_non_null(strstr(hf_buf_str(&r.summary), "(counters reset since the previous run)"));
    hf_report_free(&r);
    /* no run for an hour: no sample within the window, from the previous run */
    step(&s, &st, 5000, 5000, 200, &r);
    finding(&r, "api.window", HF_OK, "metrics", "error ratio over the last 3800 s of the 900 s window: "
            "150 errors in 4500 requests (no sample within the window: since the previous run)");
    metric_is(&r, "errors", 100.0 * 150 / 4500, "%", "1", "5");
    hf_report_free(&r);
    /* the clock went back: no window until it has samples again */
    step(&s, &st, 4000, 5100, 201, &r);
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio since the exporter started (no earlier sample: the 900 s window starts now)");
    metric_is(&r, "errors", 100.0 * 201 / 5100, "%", "1", "5");
    assert_int_equal(st.nsamples, 1);
    assert_true(st.samples[0].time == T0 + 4000);
    hf_report_free(&r);
    step(&s, &st, 4060, 5200, 202, &r);
    finding(&r, "api.window", HF_OK, "metrics",
            "error ratio over the last 60 s of the 900 s window: 1 errors in 100 requests");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_window_thinning(void **state)
{
    hf_prom_api_config cfg = {.window_s = 900};
    hf_prom_api_state st = {0};
    hf_prom_api_stats out;
    hf_prom_doc *doc;
    hf_prom_error perr;
    char buf[256];

    (void)state;
    /* a call every 10 s for 2000 s: errors only in the first 100 s */
    for (int i = 0; i <= 200; i++) {
        double t = 10.0 * i, err = i <= 10 ? 10.0 * i : 100;
        counters(buf, sizeof(buf), 100.0 * i + 100, err);
        assert_int_equal(hf_prom_parse(buf, strlen(buf), NULL, &doc, &perr), 0);
        assert_int_equal(hf_prom_api_compute(doc, &cfg, T0 + t, &st, &out), 0);
        hf_prom_doc_free(doc);
        assert_true(st.nsamples <= HF_PROM_WINDOW_SAMPLES);
        assert_true(st.samples[st.nsamples - 1].time == T0 + t);       /* the newest: this call */
        for (size_t k = 0; k + 2 < st.nsamples; k++)                     /* the rest spaced */
            assert_true(st.samples[k + 1].time - st.samples[k].time >= 900.0 / 32);
        assert_true(st.samples[0].time >= T0 + t - 900 || st.nsamples == 1);
        if (i == 0)
            continue;
        assert_true(out.windowed);
        /* the span: the window less at most the spacing (once 900 s old) */
        if (t >= 900)
            assert_true(out.w_span <= 900 && out.w_span > 900 - 900.0 / 32 - 10);
        assert_true(fabs(out.w_requests - 100.0 * (out.w_span / 10)) < 1e-6);
    }
    assert_true(out.error_pct == 0);            /* the errors left the window */
    assert_true(st.nsamples <= 34);
}

static void test_window_state_file(void **state)
{
    char dir[] = "/tmp/hf-test-check-api-XXXXXX", path[64], err[HF_ERR_MAX], cmd[96];
    hf_prom_api_state st = {0}, back;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/api.state", dir);
    st.valid = true;
    st.time = T0 + 60;
    st.requests = 3000;
    st.errors = 110;
    st.nsamples = 3;
    st.samples[0] = (hf_prom_counts){T0, 1000, 0};
    st.samples[1] = (hf_prom_counts){T0 + 30.25, 2000.5, 100};
    st.samples[2] = (hf_prom_counts){T0 + 60, 3000, 110};
    assert_int_equal(hf_prom_api_state_save(&st, path, err, sizeof(err)), 0);
    assert_int_equal(hf_prom_api_state_load(&back, path, err, sizeof(err)), 0);
    assert_int_equal(back.nsamples, 3);
    assert_memory_equal(back.samples, st.samples, 3 * sizeof(st.samples[0]));
    /* a sample out of order, negative, or short is not a state line */
    static const char *const bad[] = {"sample 10 1 1\nsample 5 1 1\n", "sample 10 -1 1\n", "sample 10 1\n",
                                      "sample 10 1 1 1\n"};
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {
        hf_buf b = {0};
        hf_buf_printf(&b, "helixflow-prom-state 2\ntime 10\nrequests 1\nerrors 1\n%s", bad[i]);
        hf_seal_append(&b);
        assert_non_null(f = fopen(path, "w"));
        fputs(hf_buf_str(&b), f);
        fclose(f);
        hf_buf_free(&b);
        assert_int_equal(hf_prom_api_state_load(&back, path, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "not a state line"));
    }
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- the one-shot run: a page server on loopback, damaged state files ---------------- */

typedef struct pagesrv {
    int fd, port;
    volatile int stop;
    pthread_t tid;
    char body[512];
} pagesrv;

static void *pagesrv_main(void *arg)
{
    pagesrv *ps = arg;
    struct pollfd pf = {.fd = ps->fd, .events = POLLIN};
    char req[4096], head[128];

    while (!ps->stop) {
        int c;
        if (poll(&pf, 1, 50) <= 0 || (c = accept(ps->fd, NULL, NULL)) < 0)
            continue;
        if (read(c, req, sizeof(req)) > 0) {
            int n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n\r\n", strlen(ps->body));
            ssize_t w = write(c, head, (size_t)n);
            if (w == n)
                w = write(c, ps->body, strlen(ps->body));
            (void)w;                            /* a client gone: its problem */
        }
        close(c);
    }
    return NULL;
}

static void pagesrv_start(pagesrv *ps)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    memset(ps, 0, sizeof(*ps));
    counters(ps->body, sizeof(ps->body), 1000, 10);
    ps->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(ps->fd >= 0);
    assert_int_equal(bind(ps->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(ps->fd, 8), 0);
    assert_int_equal(getsockname(ps->fd, (struct sockaddr *)&a, &len), 0);
    ps->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&ps->tid, NULL, pagesrv_main, ps), 0);
}

static void pagesrv_stop(pagesrv *ps)
{
    ps->stop = 1;
    pthread_join(ps->tid, NULL);
    close(ps->fd);
}

static void run(const hf_settings *s, hf_report *r)
{
    hf_check_ctx ctx = hf_check_ctx_make(10, 0, 0);

    hf_report_init(r);
    hf_check_run_once(s, &ctx, r);
}

/* A state file replaced by content (or a directory, which the check
 * layer moves aside): one WARNING state.reset naming it, the check still
 * evaluated, the file rebuilt. */
static void damaged(const char *content, bool as_dir, const char *want)
{
    char dir[] = "/tmp/hf-test-check-api-XXXXXX", url[64], path[HF_PATH_MAX], cmd[96];
    hf_settings s;
    hf_report r;
    pagesrv ps;
    const hf_finding *f;
    FILE *fp;

    assert_non_null(mkdtemp(dir));
    pagesrv_start(&ps);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", ps.port);
    assert_int_equal(hf_settings_init(&s, &hf_check_api), 0);
    set(&s, "metrics-url", url);
    set(&s, "state-dir", dir);
    run(&s, &r);                                /* a first run writes the file */
    assert_int_equal(r.state, HF_OK);
    assert_null(find_code(&r, "state.reset"));
    hf_report_free(&r);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    assert_int_equal(unlink(path), 0);
    if (as_dir) {
        assert_int_equal(mkdir(path, 0700), 0);
    } else {
        assert_non_null(fp = fopen(path, "w"));
        fputs(content, fp);
        fclose(fp);
    }
    run(&s, &r);
    f = need(&r, "state.reset");
    assert_int_equal(f->state, HF_WARNING);
    assert_non_null(strstr(f->text, path));
    assert_non_null(strstr(f->text, want));
    if (as_dir)
        assert_non_null(strstr(f->text, "(the directory was moved aside to "));
    assert_int_equal(hf_report_problems(&r), 1);
    assert_non_null(find_code(&r, "api.window"));               /* it still evaluated */
    metric_is(&r, "requests", 1000, "c", "", "");
    hf_report_free(&r);
    run(&s, &r);                                /* rebuilt: read again */
    assert_null(find_code(&r, "state.reset"));
    f = need(&r, "api.window");
    assert_non_null(strstr(f->text, " of the 900 s window: 0 errors in 0 requests"));
    hf_report_free(&r);
    pagesrv_stop(&ps);
    hf_settings_free(&s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_state_truncated(void **state)
{
    (void)state;
    damaged("helixflow-prom-state 2\ntime 1800000000\nrequests 1000\nerrors 10\nend 01", false,
            "truncated or damaged (the last line is not 'end <checksum>')");
}

static void test_state_garbage(void **state)
{
    (void)state;
    damaged("\x01\x02garbage\xff\n", false, "line 1: not a state file");
}

static void test_state_directory(void **state)
{
    (void)state;
    damaged(NULL, true, "a directory, not a state file");
}

static void test_settings(void **state)
{
    hf_settings s, t;
    char err[HF_ERR_MAX];
    int bad;

    (void)state;
    settings(&s);
    settings(&t);
    assert_true(hf_settings_long(&s, (size_t)hf_settings_find(&hf_check_api, "window")) == 900);
    assert_string_equal(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_api, "error-warning"))->text, "1");
    set(&t, "critical", "9");                   /* thresholds: the same state file */
    assert_true(hf_settings_identity(&s) == hf_settings_identity(&t));
    set(&t, "window", "300");                   /* another window: its own samples */
    assert_true(hf_settings_identity(&s) != hf_settings_identity(&t));
    set(&s, "error-regex", "(");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, hf_settings_find(&hf_check_api, "error-regex"));
    assert_string_equal(err, "'(': Unmatched ( or \\(");
    hf_settings_free(&s);
    hf_settings_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_run_ok),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_page_problems),
        cmocka_unit_test(test_no_answer),
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_window),
        cmocka_unit_test(test_window_thinning),
        cmocka_unit_test(test_window_state_file),
        cmocka_unit_test(test_state_truncated),
        cmocka_unit_test(test_state_garbage),
        cmocka_unit_test(test_state_directory),
        cmocka_unit_test(test_settings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
