/* check_helixflow_http: GET a HelixFlow URL (health by default) through the
 * hf_http probe; status, body expectations, response time (-w/-c, seconds)
 * and, over https, trust and certificate expiry.
 *
 *   HELIXFLOW HTTP OK: 200 OK in 0.012 s, 27 bytes, certificate 364.9 days left | time=...
 *
 * A transfer that hits the timeout (the -t budget) is CRITICAL when the time
 * already spent is beyond the -c range (the server is at least that slow),
 * otherwise UNKNOWN "timed out after N seconds" like -t itself. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_defaults.h"
#include "hf_http.h"
#include "modes.h"

#define HFM_HTTP_WARN_S "0.2"               /* the guide's 200 ms health target */
#define HFM_HTTP_CRIT_S "1"
#define HFM_HTTP_CERT_WARN_DAYS HF_DEFAULT_CERT_WARN_DAYS
#define HFM_HTTP_CERT_CRIT_DAYS 7

typedef struct hfm_http_opts {
    const char *url;                        /* NULL: health URL, or models URL with --model */
    long expect_status;                     /* 0 = any 2xx */
    const char *expect_string;
    const char *expect_regex;
    const char *model;
    const char *ca_file;
    const char *ca_path;
    bool insecure;
    double cert_warn, cert_crit;            /* days */
    long max_redirects;
} hfm_http_opts;

enum {
    HFM_HTTP_URL = HFN_MODE_OPT,
    HFM_HTTP_EXPECT_STATUS,
    HFM_HTTP_EXPECT_STRING,
    HFM_HTTP_EXPECT_REGEX,
    HFM_HTTP_MODEL,
    HFM_HTTP_CA,
    HFM_HTTP_CAPATH,
    HFM_HTTP_INSECURE,
    HFM_HTTP_CERT_WARNING,
    HFM_HTTP_CERT_CRITICAL,
    HFM_HTTP_MAX_REDIRECTS,
};

static const struct option hfm_http_longopts[] = {
    {"url", required_argument, NULL, HFM_HTTP_URL},
    {"expect-status", required_argument, NULL, HFM_HTTP_EXPECT_STATUS},
    {"expect-string", required_argument, NULL, HFM_HTTP_EXPECT_STRING},
    {"expect-regex", required_argument, NULL, HFM_HTTP_EXPECT_REGEX},
    {"model", required_argument, NULL, HFM_HTTP_MODEL},
    {"ca", required_argument, NULL, HFM_HTTP_CA},
    {"capath", required_argument, NULL, HFM_HTTP_CAPATH},
    {"insecure", no_argument, NULL, HFM_HTTP_INSECURE},
    {"cert-warning", required_argument, NULL, HFM_HTTP_CERT_WARNING},
    {"cert-critical", required_argument, NULL, HFM_HTTP_CERT_CRITICAL},
    {"max-redirects", required_argument, NULL, HFM_HTTP_MAX_REDIRECTS},
    {0},
};

static void hfm_http_defaults(void *opts)
{
    hfm_http_opts *o = opts;

    memset(o, 0, sizeof(*o));
    o->cert_warn = HFM_HTTP_CERT_WARN_DAYS;
    o->cert_crit = HFM_HTTP_CERT_CRIT_DAYS;
}

static int hfm_http_nonempty(hfn *p, const char *opt, const char *arg, const char **out)
{
    if (!*arg)
        return hfn_bad_usage(p, "%s: empty value", opt);
    *out = arg;
    return 0;
}

static int hfm_http_long(hfn *p, const char *opt, const char *arg, long min, long max, long *out)
{
    if (hf_parse_long(arg, out) < 0 || *out < min || *out > max)
        return hfn_bad_usage(p, "%s: '%s' is not a number from %ld to %ld", opt, arg, min, max);
    return 0;
}

static int hfm_http_option(hfn *p, void *opts, int opt, const char *arg)
{
    hfm_http_opts *o = opts;

    switch (opt) {
    case HFM_HTTP_URL:
        o->url = arg;                       /* checked in validate */
        return 0;
    case HFM_HTTP_EXPECT_STATUS:
        return hfm_http_long(p, "--expect-status", arg, 100, 599, &o->expect_status);
    case HFM_HTTP_EXPECT_STRING:
        return hfm_http_nonempty(p, "--expect-string", arg, &o->expect_string);
    case HFM_HTTP_EXPECT_REGEX:
        return hfm_http_nonempty(p, "--expect-regex", arg, &o->expect_regex);
    case HFM_HTTP_MODEL:
        return hfm_http_nonempty(p, "--model", arg, &o->model);
    case HFM_HTTP_CA:
        return hfm_http_nonempty(p, "--ca", arg, &o->ca_file);
    case HFM_HTTP_CAPATH:
        return hfm_http_nonempty(p, "--capath", arg, &o->ca_path);
    case HFM_HTTP_INSECURE:
        o->insecure = true;
        return 0;
    case HFM_HTTP_CERT_WARNING:
        return hfn_double_arg(p, "--cert-warning", arg, 0, &o->cert_warn);
    case HFM_HTTP_CERT_CRITICAL:
        return hfn_double_arg(p, "--cert-critical", arg, 0, &o->cert_crit);
    case HFM_HTTP_MAX_REDIRECTS:
        return hfm_http_long(p, "--max-redirects", arg, 0, 20, &o->max_redirects);
    default:
        return hfn_bad_usage(p, "unknown option");
    }
}

static const char *hfm_http_url(const hfm_http_opts *o)
{
    if (o->url)
        return o->url;
    return o->model ? HF_DEFAULT_MODELS_URL : HF_DEFAULT_HEALTH_URL;
}

static int hfm_http_validate(hfn *p, void *opts)
{
    hfm_http_opts *o = opts;
    char err[HF_ERR_MAX];
    struct stat st;

    if (hf_http_url_check(hfm_http_url(o), err, sizeof(err)) < 0)
        return hfn_bad_usage(p, "--url: %s", err);
    if (o->expect_regex && hf_http_regex_check(o->expect_regex, err, sizeof(err)) < 0)
        return hfn_bad_usage(p, "--expect-regex: %s", err);
    if (o->ca_file && access(o->ca_file, R_OK) < 0)
        return hfn_bad_usage(p, "--ca: cannot read '%s': %s", o->ca_file, strerror(errno));
    if (o->ca_path && (stat(o->ca_path, &st) < 0 || !S_ISDIR(st.st_mode)))
        return hfn_bad_usage(p, "--capath: '%s' is not a directory", o->ca_path);
    if (o->cert_crit > o->cert_warn)
        return hfn_bad_usage(p, "--cert-critical %g is above --cert-warning %g",
                             o->cert_crit, o->cert_warn);
    return 0;
}

/* -w/-c as given, else the defaults (seconds). */
static void hfm_http_thresholds(const hfn *p, hf_range *w, hf_range *c)
{
    if (p->warn.set)
        *w = p->warn;
    else
        hf_range_parse(HFM_HTTP_WARN_S, w, NULL, 0);
    if (p->crit.set)
        *c = p->crit;
    else
        hf_range_parse(HFM_HTTP_CRIT_S, c, NULL, 0);
}

/* True when every time >= t raises an alert under r: a timeout after t
 * seconds then proves the state without knowing the real time. */
static bool hfm_http_alert_from(const hf_range *r, double t)
{
    if (!r->set)
        return false;
    if (r->inside)
        return r->end_inf && (r->start_neg_inf || t >= r->start);
    return !r->end_inf && t > r->end;
}

/* Phase duration in ms (curl has microsecond resolution, so a non-zero
 * phase is >= 0.001 ms and hfn's %g never switches to exponent form). */
static double hfm_http_phase_ms(double end, double start)
{
    return end > start ? round((end - start) * 1e6) / 1e3 : 0;
}

/* Seconds for "time": below 0.1 ms %g would print an exponent, which
 * perfdata parsers reject; round those to 0.1 ms. */
static double hfm_http_seconds(double t)
{
    return t < 1e-4 ? round(t * 1e4) / 1e4 : round(t * 1e6) / 1e6;
}

/* time (s, -w/-c), the phases (ms, responses only), size, cert_days. */
static void hfm_http_perf(hfn *p, const hfm_http_opts *o, const hf_http_result *res,
                          const hf_range *w, const hf_range *c)
{
    double conn_end = res->tls && res->t_tls > 0 ? res->t_tls : res->t_connect;
    char txt[32];
    hf_range cw, cc;

    hfn_perf(p, "time", hfm_http_seconds(res->t_total), "s", w, c, 0, NAN);
    if (res->done) {
        hfn_perf(p, "dns", hfm_http_phase_ms(res->t_dns, 0), "ms", NULL, NULL, 0, NAN);
        hfn_perf(p, "connect", hfm_http_phase_ms(res->t_connect, res->t_dns), "ms", NULL, NULL,
                 0, NAN);
        if (res->tls)
            hfn_perf(p, "tls", hfm_http_phase_ms(res->t_tls, res->t_connect), "ms", NULL, NULL,
                     0, NAN);
        hfn_perf(p, "ttfb", hfm_http_phase_ms(res->t_ttfb, conn_end), "ms", NULL, NULL, 0, NAN);
        hfn_perf(p, "transfer", hfm_http_phase_ms(res->t_total, res->t_ttfb), "ms", NULL, NULL,
                 0, NAN);
        hfn_perf(p, "size", (double)res->size, "B", NULL, NULL, 0, NAN);
    }
    if (!isnan(res->cert_days_left)) {
        snprintf(txt, sizeof(txt), "%g:", o->cert_warn);
        hf_range_parse(txt, &cw, NULL, 0);
        snprintf(txt, sizeof(txt), "%g:", o->cert_crit);
        hf_range_parse(txt, &cc, NULL, 0);
        hfn_perf(p, "cert_days", round(res->cert_days_left * 100) / 100, "d", &cw, &cc, NAN, NAN);
    }
}

/* Certificate expiry finding (any transfer that read the chain). */
static void hfm_http_cert(hfn *p, const hfm_http_opts *o, const hf_http_result *res)
{
    double d = res->cert_days_left;

    if (isnan(d))
        return;
    if (d < 0)
        hfn_add(p, HF_CRITICAL, "certificate expired %.1f days ago", -d);
    else if (d < o->cert_crit)
        hfn_add(p, HF_CRITICAL, "certificate expires in %.1f days", d);
    else if (d < o->cert_warn)
        hfn_add(p, HF_WARNING, "certificate expires in %.1f days", d);
    else
        hfn_add(p, HF_OK, "certificate %.1f days left%s", d,
                res->verify_ok ? "" : " (not verified)");
}

/* No response: the reason, classified. */
static void hfm_http_failed(hfn *p, const hfm_http_opts *o, const hf_http_result *res, int r,
                            const hf_range *c)
{
    switch (r) {
    case -ETIMEDOUT:
        if (hfm_http_alert_from(c, res->t_total))
            hfn_add(p, HF_CRITICAL, "no response within %.3f s (critical range %s): %s",
                    res->t_total, c->text, res->error);
        else
            hfn_add(p, HF_UNKNOWN, "timed out after %ld seconds: %s", p->timeout_s, res->error);
        break;
    case -ECONNREFUSED:
        hfn_add(p, HF_CRITICAL, "connection refused: %s", res->error);
        break;
    case -EHOSTUNREACH:
        hfn_add(p, HF_CRITICAL, "host unreachable: %s", res->error);
        break;
    case -EPROTO:
        if (res->tls && res->verify_error[0])
            hfn_add(p, HF_CRITICAL, "certificate not trusted: %s (%s)", res->verify_error,
                    hfm_http_url(o));
        else
            hfn_add(p, HF_CRITICAL, "TLS/protocol failure: %s", res->error);
        break;
    case -ELOOP:
        hfn_add(p, HF_CRITICAL, "too many redirects: %s", res->error);
        break;
    case -EINVAL:
    case -ENOMEM:
        hfn_add(p, HF_UNKNOWN, "%s", res->error);
        break;
    default:
        hfn_add(p, HF_CRITICAL, "%s", res->error);
        break;
    }
}

/* A response arrived: status, body expectations, time. */
static void hfm_http_answered(hfn *p, const hfm_http_opts *o, const hf_http_result *res,
                              const hf_range *w, const hf_range *c)
{
    const char *sp = res->reason[0] ? " " : "";
    hf_state st = hf_range_eval(w, c, res->t_total);

    if (!res->status_ok) {
        if (o->expect_status)
            hfn_add(p, HF_CRITICAL, "status %ld%s%s, expected %ld", res->status, sp, res->reason,
                    o->expect_status);
        else
            hfn_add(p, HF_CRITICAL, "status %ld%s%s, expected 2xx", res->status, sp, res->reason);
    }
    if (!res->substring_ok)
        hfn_add(p, HF_CRITICAL, "body does not contain '%s'", o->expect_string);
    if (!res->regex_ok)
        hfn_add(p, HF_CRITICAL, "body does not match '%s'", o->expect_regex);
    if (!res->model_ok && res->check_error[0])
        hfn_add(p, HF_CRITICAL, "model '%s' not found: %s", o->model, res->check_error);
    else if (!res->model_ok)
        hfn_add(p, HF_CRITICAL, "model '%s' not listed", o->model);
    if (st != HF_OK)
        hfn_add(p, st, "response time %.3f s outside %s range %s", res->t_total,
                st == HF_CRITICAL ? "critical" : "warning", st == HF_CRITICAL ? c->text : w->text);
    hfn_summary(p, "%ld%s%s in %.3f s, %zu bytes", res->status, sp, res->reason, res->t_total,
                res->size);
    if (o->model && res->model_ok)
        hfn_summary(p, "model %s listed", o->model);
    if (!isnan(res->cert_days_left))
        hfn_summary(p, "certificate %.1f days left%s", res->cert_days_left,
                    res->verify_ok ? "" : " (not verified)");
}

static void hfm_http_run(hfn *p, const void *opts)
{
    const hfm_http_opts *o = opts;
    hf_http_config cfg = {
        .url = hfm_http_url(o),
        .timeout_ms = hfn_time_left_ms(p),
        .expect_status = o->expect_status,
        .expect_substring = o->expect_string,
        .expect_regex = o->expect_regex,
        .expect_model = o->model,
        .ca_file = o->ca_file,
        .ca_path = o->ca_path,
        .insecure = o->insecure,
        .max_redirects = o->max_redirects,
    };
    hf_http_result res;
    hf_range w, c;
    int r;

    hfm_http_thresholds(p, &w, &c);
    if (hf_http_global_init() < 0) {
        hfn_add(p, HF_UNKNOWN, "cannot initialise libcurl");
        return;
    }
    r = hf_http_probe(&cfg, &res);
    if (r < 0)
        hfm_http_failed(p, o, &res, r, &c);
    else
        hfm_http_answered(p, o, &res, &w, &c);
    hfm_http_cert(p, o, &res);
    if (p->verbose && (r == 0 || res.t_total > 0))
        hfn_add(p, HF_OK, "%s: dns %.3f s, connected %.3f s, tls done %.3f s, first byte %.3f s, "
                "total %.3f s", cfg.url, res.t_dns, res.t_connect, res.t_tls, res.t_ttfb,
                res.t_total);
    hfm_http_perf(p, o, &res, &w, &c);
    hf_http_result_free(&res);
    hf_http_global_cleanup();
}

const hfn_mode hfm_http = {
    .name = "http",
    .title = "HTTP",
    .usage = "[--url URL] [--expect-status N] [--expect-string S] [--expect-regex RE] "
             "[--model ID] [--ca FILE] [--capath DIR] [--insecure] [--cert-warning DAYS] "
             "[--cert-critical DAYS] [--max-redirects N] [-w SECONDS] [-c SECONDS] [-t SECONDS]",
    .help = "GET a HelixFlow URL; check status, body, response time and (https) the certificate.\n"
            "  --url URL              URL to GET (default " HF_DEFAULT_HEALTH_URL ",\n"
            "                         or " HF_DEFAULT_MODELS_URL " with --model)\n"
            "  --expect-status N      status expected (default: any 2xx)\n"
            "  --expect-string S      the body must contain S\n"
            "  --expect-regex RE      the body must match RE (POSIX extended)\n"
            "  --model ID             the body must be a /v1/models list with model ID\n"
            "  --ca FILE              trust the CAs in FILE (PEM) instead of the system store\n"
            "  --capath DIR           trust the CAs in DIR (hashed, c_rehash)\n"
            "  --insecure             do not verify the certificate (expiry is still checked)\n"
            "  --cert-warning DAYS    WARNING when the certificate expires sooner (default 30)\n"
            "  --cert-critical DAYS   CRITICAL when it expires sooner, or has expired (default 7)\n"
            "  --max-redirects N      follow up to N redirects (default 0: a 3xx is the answer)\n"
            "  -w/-c SECONDS          response time ranges (default -w " HFM_HTTP_WARN_S
            " -c " HFM_HTTP_CRIT_S ")\n"
            "A timeout is CRITICAL when the time spent is already beyond -c, else UNKNOWN.",
    .opts_size = sizeof(hfm_http_opts),
    .defaults = hfm_http_defaults,
    .option = hfm_http_option,
    .longopts = hfm_http_longopts,
    .shortopts = "",
    .validate = hfm_http_validate,
    .run = hfm_http_run,
    .cleanup = NULL,
};
