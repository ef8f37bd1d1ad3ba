/* hf_check_http_fail: the rule for a request that got no answer (see
 * hf_check_http_fail.h). */
#include "hf_check_http_fail.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void hf_check_http_get_run(hf_check_http_get *g, hf_http_config *cfg, const hf_check_ctx *ctx)
{
    double t0 = hf_mono_now();

    if (cfg->timeout_ms <= 0)
        cfg->timeout_ms = hf_check_ms_left(ctx);
    g->budget_ms = cfg->timeout_ms;
    g->check_ms = (long)((ctx->deadline - ctx->start) * 1000.0 + 0.5);
    g->shared = ctx->shared;
    g->rc = hf_http_probe(cfg, &g->res);
    g->waited_s = hf_mono_now() - t0;
}

/* True when every time >= t alerts under r: a timeout after t seconds
 * then proves the state without knowing the real time. */
static bool hf_check_http_alert_from(const hf_range *r, double t)
{
    if (!r || !r->set)
        return false;
    if (r->inside)
        return r->end_inf && (r->start_neg_inf || t >= r->start);
    return !r->end_inf && t > r->end;
}

static void hf_check_http_set(hf_check_http_fail *out, hf_state st, const char *what,
                              const char *fmt, ...) HF_PRINTF(4, 5);

static void hf_check_http_set(hf_check_http_fail *out, hf_state st, const char *what,
                              const char *fmt, ...)
{
    va_list ap;

    out->state = st;
    out->what = what;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
}

static void hf_check_http_timeout(const hf_check_http_get *g, const hf_range *crit,
                                  hf_check_http_fail *out)
{
    out->timing = true;
    /* Proven slow first: a wait already beyond the critical range is the
     * endpoint's failure, whoever set the deadline; a shorter wait cut by
     * check_helixflow's share of -t is our budget, not HelixFlow. */
    if (hf_check_http_alert_from(crit, g->waited_s))
        hf_check_http_set(out, HF_CRITICAL, "timeout", "no response within %.3f s (critical range %s): %s",
                          g->waited_s, crit->text, g->res.error);
    else if (g->shared)
        hf_check_http_set(out, HF_UNKNOWN, "out_of_time",
                          "out of time: check_helixflow's -t left %ld ms for this check "
                          "(the endpoint was not judged)", g->check_ms);
    else
        hf_check_http_set(out, HF_UNKNOWN, "timeout", "timed out after %.2f s: %s", g->waited_s,
                          g->res.error);
}

void hf_check_http_fail_judge(const hf_check_http_get *g, const hf_range *crit, const char *url,
                              hf_check_http_fail *out)
{
    const hf_http_result *res = &g->res;

    memset(out, 0, sizeof(*out));
    switch (g->rc) {
    case -ETIMEDOUT:
        hf_check_http_timeout(g, crit, out);
        break;
    case -ECONNREFUSED:
        hf_check_http_set(out, HF_CRITICAL, "down", "connection refused: %s", res->error);
        break;
    case -EHOSTUNREACH:
        hf_check_http_set(out, HF_CRITICAL, "down", "host unreachable: %s", res->error);
        break;
    case -EPROTO:
        if (res->tls && res->verify_error[0])
            hf_check_http_set(out, HF_CRITICAL, "untrusted", "certificate not trusted: %s (%s)",
                              res->verify_error, url);
        else
            hf_check_http_set(out, HF_CRITICAL, "tls", "TLS/protocol failure: %s", res->error);
        break;
    case -ELOOP:
        hf_check_http_set(out, HF_CRITICAL, "redirects", "too many redirects: %s", res->error);
        break;
    case -EINVAL:
    case -ENOMEM:
        hf_check_http_set(out, HF_UNKNOWN, "probe", "%s", res->error);
        break;
    default:
        hf_check_http_set(out, HF_CRITICAL, "down", "%s", res->error);
        break;
    }
}
