/* The http check: GET one HelixFlow URL (the health URL by default, the
 * models URL with --model) through the hf_http probe; status, body
 * expectations, response time (warning/critical, seconds) and, over https,
 * trust and the served chain's expiry.
 *
 *   HELIXFLOW HTTP OK: 200 OK in 0.012 s, 27 bytes, certificate 364.9 days left | time=...
 *
 * Settings (the old check_helixflow_http's long options, -w/-c/-t):
 *   url             (health URL, or models URL with --model)
 *   expect-status   any 2xx        expect-string, expect-regex, model
 *   ca, capath      the system store        insecure
 *   cert-warning    HF_THR_CERT_WARN_DAYS (30)   cert-critical HF_THR_CERT_CRIT_DAYS (7)
 *   max-redirects   0              warning HF_THR_HTTP_WARN_S (0.2), critical HF_THR_HTTP_CRIT_S (1)
 *
 * Findings (object = the URL's role: "models" with --model, else "health"):
 *   http.status        CRITICAL  status 503 Service Unavailable, expected 2xx
 *   http.body          CRITICAL  body does not contain / match
 *   http.model         CRITICAL  model 'x' not listed / not found: <why>
 *   http.slow          WARNING/CRITICAL  response time 1.504 s outside warning range 1
 *   http.timeout       CRITICAL/UNKNOWN  no answer in time (hf_check_http_fail.h)
 *   http.out_of_time   UNKNOWN   check_helixflow's share of -t ran out first
 *   http.down          CRITICAL  connection refused, host unreachable, reset
 *   http.untrusted     CRITICAL  certificate not trusted: <reason> (<url>)
 *   http.tls           CRITICAL  TLS/protocol failure
 *   http.redirects     CRITICAL  too many redirects
 *   http.probe         UNKNOWN   the probe could not run (memory)
 *   http.cert_expired  CRITICAL  certificate expired 5.0 days ago
 *   http.cert_expiring WARNING/CRITICAL  certificate expires in 29.9 days
 *   http.cert          OK        certificate 364.9 days left [(not verified)]
 *   http.answered      OK        <url>: dns, connected, [tls done,] first byte, total
 * Metrics: time s (warning/critical ranges), dns, connect, tls (https),
 * ttfb, transfer ms and size B when answered, cert_days d (30:, 7:).
 *
 * What changed from check_helixflow_http (the issue):
 *  1. No answer: the one rule of hf_check_http_fail.h, shared with the api
 *     check; the UNKNOWN text names the time actually waited, measured
 *     ("timed out after 1.75 s"), no longer -t ("timed out after 2 seconds").
 *  2. Out of time (ctx->shared: check_helixflow's share of its -t ended
 *     before this check's own timeout): UNKNOWN http.out_of_time "out of
 *     time: check_helixflow's -t left 384 ms for this check (the endpoint
 *     was not judged)", unless the time waited is already beyond the critical
 *     range: then the endpoint is proven slow (CRITICAL http.timeout).
 *  3. Certificate days through hf_check_days.h: the state from the exact
 *     figure, text rounded down to 0.1 and cert_days down to 0.01 (it was
 *     rounded to nearest: 29.996 days was "cert_days=30d").
 *  4. libcurl is initialised once per process (init hook: hf_http_init),
 *     never per call.
 *  5. Connections are reused within a process (hf_http.h, Connections):
 *     a reused connection has no connect or TLS phase (both 0 ms).
 * No state. Tests: tests/unit/test_check_http.c, tests/integration/check_http.sh. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_check.h"
#include "hf_check_days.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "hf_http.h"

enum {
    HTTP_URL = HF_SET_KIND0,
    HTTP_EXPECT_STATUS,
    HTTP_EXPECT_STRING,
    HTTP_EXPECT_REGEX,
    HTTP_MODEL,
    HTTP_CA,
    HTTP_CAPATH,
    HTTP_INSECURE,
    HTTP_CERT_WARNING,
    HTTP_CERT_CRITICAL,
    HTTP_MAX_REDIRECTS,
    HTTP_WARNING,
    HTTP_CRITICAL,
};

static const hf_setting_def http_defs[] = {
    {"url", HF_SET_STRING, NULL, 0, 0, HF_SETF_IDENTITY, "URL",
     "URL to GET (default " HF_DEFAULT_HEALTH_URL ", or " HF_DEFAULT_MODELS_URL " with --model)", NULL},
    {"expect-status", HF_SET_LONG, NULL, 100, 599, 0, "N", "status expected (default: any 2xx)", NULL},
    {"expect-string", HF_SET_STRING, NULL, 0, 0, 0, "S", "the body must contain S", NULL},
    {"expect-regex", HF_SET_STRING, NULL, 0, 0, 0, "RE", "the body must match RE (POSIX extended)", NULL},
    {"model", HF_SET_STRING, NULL, 0, 0, 0, "ID", "the body must be a /v1/models list with model ID", NULL},
    {"ca", HF_SET_PATH, NULL, 0, 0, 0, "FILE", "trust the CAs in FILE (PEM) instead of the system store", NULL},
    {"capath", HF_SET_PATH, NULL, 0, 0, 0, "DIR", "trust the CAs in DIR (hashed, c_rehash)", NULL},
    {"insecure", HF_SET_FLAG, NULL, 0, 0, 0, NULL,
     "do not verify the certificate (expiry is still checked)", NULL},
    {"cert-warning", HF_SET_DOUBLE, HF_THR_CERT_WARN_DAYS, 0, INFINITY, 0, "DAYS",
     "WARNING when the served certificate expires sooner", NULL},
    {"cert-critical", HF_SET_DOUBLE, HF_THR_CERT_CRIT_DAYS, 0, INFINITY, 0, "DAYS",
     "CRITICAL when it expires sooner, or has expired", NULL},
    {"max-redirects", HF_SET_LONG, "0", 0, 20, 0, "N", "follow up to N redirects (0: a 3xx is the answer)", NULL},
    {"warning", HF_SET_RANGE, HF_THR_HTTP_WARN_S, 0, 0, 0, "SECONDS", "response time warning range", NULL},
    {"critical", HF_SET_RANGE, HF_THR_HTTP_CRIT_S, 0, 0, 0, "SECONDS",
     "response time critical range (a timeout beyond it is CRITICAL, else UNKNOWN)", NULL},
};

static const char *http_url(const hf_settings *s)
{
    const char *u = hf_settings_str(s, HTTP_URL);

    if (u)
        return u;
    return hf_settings_str(s, HTTP_MODEL) ? HF_DEFAULT_MODELS_URL : HF_DEFAULT_HEALTH_URL;
}

static const char *http_role(const hf_settings *s)
{
    return hf_settings_str(s, HTTP_MODEL) ? "models" : "health";
}

static int http_bad(int *bad, int which, int r)
{
    *bad = which;
    return r;
}

static int http_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    const char *ca = hf_settings_str(s, HTTP_CA), *capath = hf_settings_str(s, HTTP_CAPATH);
    const char *re = hf_settings_str(s, HTTP_EXPECT_REGEX);
    double cw = hf_settings_double(s, HTTP_CERT_WARNING), cc = hf_settings_double(s, HTTP_CERT_CRITICAL);
    struct stat st;

    if (hf_http_url_check(http_url(s), err, n) < 0)
        return http_bad(bad, HTTP_URL, -EINVAL);
    if (re && hf_http_regex_check(re, err, n) < 0)
        return http_bad(bad, HTTP_EXPECT_REGEX, -EINVAL);
    if (ca && access(ca, R_OK) < 0) {
        hf_err_set(err, n, "cannot read '%s': %s", ca, strerror(errno));
        return http_bad(bad, HTTP_CA, -EINVAL);
    }
    if (capath && (stat(capath, &st) < 0 || !S_ISDIR(st.st_mode))) {
        hf_err_set(err, n, "'%s' is not a directory", capath);
        return http_bad(bad, HTTP_CAPATH, -EINVAL);
    }
    if (cc > cw) {
        hf_err_set(err, n, "--cert-critical %g is above --cert-warning %g", cc, cw);
        return http_bad(bad, -1, -EINVAL);
    }
    *bad = -1;
    return 0;
}

/* "30" days -> the range "30:" (alert below 30). */
static void http_days_range(const hf_settings *s, size_t which, hf_range *r)
{
    char txt[64];

    snprintf(txt, sizeof(txt), "%g:", hf_settings_double(s, which));
    hf_range_parse(txt, r, NULL, 0);
}

/* A phase in ms at curl's microsecond resolution. */
static double http_phase_ms(double end, double start)
{
    return end > start ? round((end - start) * 1e6) / 1e3 : 0;
}

static void http_ms(hf_report *out, const char *label, double v)
{
    hf_report_metric(out, label, "", label, v, "ms", NULL, NULL, 0, NAN);
}

/* time (s, warning/critical), the phases (ms, answers only), size, cert_days. */
static void http_metrics(const hf_settings *s, const hf_http_result *res, hf_report *out)
{
    double conn_end = res->tls && res->t_tls > 0 ? res->t_tls : res->t_connect;
    hf_range cw, cc;

    hf_report_metric(out, "time", "", "time", round(res->t_total * 1e6) / 1e6, "s",
                     hf_settings_range(s, HTTP_WARNING), hf_settings_range(s, HTTP_CRITICAL), 0, NAN);
    if (res->done) {
        http_ms(out, "dns", http_phase_ms(res->t_dns, 0));
        http_ms(out, "connect", http_phase_ms(res->t_connect, res->t_dns));
        if (res->tls)
            http_ms(out, "tls", http_phase_ms(res->t_tls, res->t_connect));
        http_ms(out, "ttfb", http_phase_ms(res->t_ttfb, conn_end));
        http_ms(out, "transfer", http_phase_ms(res->t_total, res->t_ttfb));
        hf_report_metric(out, "size", "", "size", (double)res->size, "B", NULL, NULL, 0, NAN);
    }
    if (!isnan(res->cert_days_left)) {
        http_days_range(s, HTTP_CERT_WARNING, &cw);
        http_days_range(s, HTTP_CERT_CRITICAL, &cc);
        hf_report_metric(out, "cert_days", "", "cert_days", hf_check_days_metric(res->cert_days_left),
                         "d", &cw, &cc, NAN, NAN);
    }
}

/* The served chain's expiry (any transfer that read it). */
static void http_cert(const hf_settings *s, const hf_http_result *res, hf_report *out)
{
    const char *role = http_role(s);
    double d = res->cert_days_left;
    hf_range cw, cc;
    hf_state st;

    if (isnan(d))
        return;
    http_days_range(s, HTTP_CERT_WARNING, &cw);
    http_days_range(s, HTTP_CERT_CRITICAL, &cc);
    st = hf_check_days_state(d, &cw, &cc);
    if (d < 0)
        hf_report_add(out, st, role, "http.cert_expired", "certificate expired %.1f days ago",
                      hf_check_days_text(d));
    else if (st != HF_OK)
        hf_report_add(out, st, role, "http.cert_expiring", "certificate expires in %.1f days",
                      hf_check_days_text(d));
    else
        hf_report_add(out, HF_OK, role, "http.cert", "certificate %.1f days left%s",
                      hf_check_days_text(d), res->verify_ok ? "" : " (not verified)");
}

static void http_expectations(const hf_settings *s, const hf_http_result *res, hf_report *out)
{
    const char *role = http_role(s), *sp = res->reason[0] ? " " : "", *model = hf_settings_str(s, HTTP_MODEL);

    if (!res->status_ok && hf_settings_given(s, HTTP_EXPECT_STATUS))
        hf_report_add(out, HF_CRITICAL, role, "http.status", "status %ld%s%s, expected %ld", res->status,
                      sp, res->reason, hf_settings_long(s, HTTP_EXPECT_STATUS));
    else if (!res->status_ok)
        hf_report_add(out, HF_CRITICAL, role, "http.status", "status %ld%s%s, expected 2xx", res->status,
                      sp, res->reason);
    if (!res->substring_ok)
        hf_report_add(out, HF_CRITICAL, role, "http.body", "body does not contain '%s'",
                      hf_settings_str(s, HTTP_EXPECT_STRING));
    if (!res->regex_ok)
        hf_report_add(out, HF_CRITICAL, role, "http.body", "body does not match '%s'",
                      hf_settings_str(s, HTTP_EXPECT_REGEX));
    if (!res->model_ok && res->check_error[0])
        hf_report_add(out, HF_CRITICAL, role, "http.model", "model '%s' not found: %s", model,
                      res->check_error);
    else if (!res->model_ok)
        hf_report_add(out, HF_CRITICAL, role, "http.model", "model '%s' not listed", model);
}

/* A response arrived: status, body expectations, time; the summary. */
static void http_answered(const hf_settings *s, const hf_http_result *res, hf_report *out)
{
    const hf_range *w = hf_settings_range(s, HTTP_WARNING), *c = hf_settings_range(s, HTTP_CRITICAL);
    const char *sp = res->reason[0] ? " " : "", *model = hf_settings_str(s, HTTP_MODEL);
    hf_state st = hf_range_eval(w, c, res->t_total);

    http_expectations(s, res, out);
    if (st != HF_OK)
        hf_report_add(out, st, http_role(s), "http.slow", "response time %.3f s outside %s range %s",
                      res->t_total, st == HF_CRITICAL ? "critical" : "warning",
                      st == HF_CRITICAL ? c->text : w->text);
    hf_report_summary(out, "%ld%s%s in %.3f s, %zu bytes", res->status, sp, res->reason, res->t_total,
                      res->size);
    if (model && res->model_ok)
        hf_report_summary(out, "model %s listed", model);
    if (!isnan(res->cert_days_left))
        hf_report_summary(out, "certificate %.1f days left%s", hf_check_days_text(res->cert_days_left),
                          res->verify_ok ? "" : " (not verified)");
}

static void http_timings(const hf_settings *s, const hf_http_result *res, hf_report *out)
{
    if (res->done && res->tls)
        hf_report_add(out, HF_OK, http_role(s), "http.answered",
                      "%s: dns %.3f s, connected %.3f s, tls done %.3f s, first byte %.3f s, total %.3f s",
                      http_url(s), res->t_dns, res->t_connect, res->t_tls, res->t_ttfb, res->t_total);
    else if (res->done)
        hf_report_add(out, HF_OK, http_role(s), "http.answered",
                      "%s: dns %.3f s, connected %.3f s, first byte %.3f s, total %.3f s", http_url(s),
                      res->t_dns, res->t_connect, res->t_ttfb, res->t_total);
}

void hf_check_http_judge(const hf_settings *s, const hf_check_http_get *g, hf_report *out)
{
    hf_check_http_fail f;
    char code[32];

    if (g->rc < 0) {
        hf_check_http_fail_judge(g, hf_settings_range(s, HTTP_CRITICAL), http_url(s), &f);
        snprintf(code, sizeof(code), "http.%s", f.what);
        hf_report_add(out, f.state, http_role(s), code, "%s", f.text);
    } else {
        http_answered(s, &g->res, out);
    }
    http_cert(s, &g->res, out);
    http_timings(s, &g->res, out);
    http_metrics(s, &g->res, out);
    /* values for long-running front-ends: up when it answered without a CRITICAL finding */
    hf_report_value(out, "", "up", g->rc < 0 || hf_report_object_state(out, http_role(s)) == HF_CRITICAL ? 0 : 1,
                    "b");
    hf_report_value(out, "", "status", g->rc < 0 || !g->res.status ? NAN : (double)g->res.status, "");
}

static void http_config(const hf_settings *s, hf_http_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->url = http_url(s);
    cfg->expect_status = hf_settings_given(s, HTTP_EXPECT_STATUS) ? hf_settings_long(s, HTTP_EXPECT_STATUS) : 0;
    cfg->expect_substring = hf_settings_str(s, HTTP_EXPECT_STRING);
    cfg->expect_regex = hf_settings_str(s, HTTP_EXPECT_REGEX);
    cfg->expect_model = hf_settings_str(s, HTTP_MODEL);
    cfg->ca_file = hf_settings_str(s, HTTP_CA);
    cfg->ca_path = hf_settings_str(s, HTTP_CAPATH);
    cfg->insecure = hf_settings_flag(s, HTTP_INSECURE);
    cfg->max_redirects = hf_settings_long(s, HTTP_MAX_REDIRECTS);
}

static void http_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    hf_http_config cfg;
    hf_check_http_get g;

    (void)st;
    http_config(s, &cfg);
    hf_check_http_get_run(&g, &cfg, ctx);
    hf_check_http_judge(s, &g, out);
    hf_http_result_free(&g.res);
}

static void http_init(void)
{
    (void)hf_http_init();       /* a failure shows in every probe (UNKNOWN http.probe) */
}

const hf_check_kind hf_check_http = {
    .name = "http",
    .title = "HTTP",
    .doc = "GET a HelixFlow URL; check status, body, response time and (https) the certificate.\n"
           "A timeout is CRITICAL when the time spent is already beyond -c, else UNKNOWN.",
    .defs = http_defs,
    .ndefs = HF_ARRAY_SIZE(http_defs),
    .validate = http_validate,
    .init = http_init,
    .eval = http_eval,
};
