/* hf_check_http_fail: one GET as a check sees it, and the one rule for a
 * request that got no answer, shared by the http and api checks.
 *
 * The rule (by hf_http_probe's error):
 *   -ETIMEDOUT     CRITICAL "no response within 1.460 s (critical range 1)"
 *                  when the time already waited is beyond the critical
 *                  range: the server is at least that slow, whoever set
 *                  the deadline; else UNKNOWN "out of time:
 *                  check_helixflow's -t left 384 ms for this check (the
 *                  endpoint was not judged)" (what "out_of_time"; 384 ms:
 *                  the check's share, check_ms) when the time was a share
 *                  of a larger budget (ctx->shared: check_helixflow's -t)
 *                  that ended before the check's own timeout: our budget
 *                  ran out, not HelixFlow (hf_check.h); else
 *                  UNKNOWN "timed out after 2.06 s" (what "timeout"): the
 *                  time actually waited, measured around the probe.
 *   -ECONNREFUSED  CRITICAL "connection refused"     (what "down")
 *   -EHOSTUNREACH  CRITICAL "host unreachable"       (what "down")
 *   -EPROTO        CRITICAL "certificate not trusted: <reason> (<url>)"
 *                  (what "untrusted") or "TLS/protocol failure" ("tls")
 *   -ELOOP         CRITICAL "too many redirects"     (what "redirects")
 *   -EINVAL, -ENOMEM  UNKNOWN, the probe's message   (what "probe")
 *   anything else  CRITICAL, the probe's message     (what "down")
 * Every text but the out-of-time one ends with the probe's message (which
 * names the URL). A check adds the finding as "<kind>.<what>".
 * Pure functions but hf_check_http_get_run; thread-safe. Tests:
 * tests/unit/test_check_http.c, test_check_api.c. */
#ifndef HF_CHECK_HTTP_FAIL_H
#define HF_CHECK_HTTP_FAIL_H

#include <stdbool.h>

#include "hf_check.h"
#include "hf_http.h"

/* One GET and its circumstances: what the judgement needs. */
typedef struct hf_check_http_get {
    int rc;                     /* hf_http_probe's return: 0 an answer, else -errno */
    hf_http_result res;
    double waited_s;            /* measured around the probe */
    long budget_ms;             /* the time the probe was given */
    long check_ms;              /* the whole evaluation's time (ctx: deadline - start) */
    bool shared;                /* that was a share of a larger budget (ctx->shared) */
} hf_check_http_get;

/* Probe cfg (its timeout_ms, when 0, is what ctx leaves) into *g. Free
 * g->res with hf_http_result_free. */
void hf_check_http_get_run(hf_check_http_get *g, hf_http_config *cfg, const hf_check_ctx *ctx);

typedef struct hf_check_http_fail {
    hf_state state;
    const char *what;           /* the code's suffix: "timeout", "out_of_time", "down", ... */
    bool timing;                /* timeout or out of time: the text is about time */
    char text[2 * HF_ERR_MAX + 128];
} hf_check_http_fail;

/* The rule for g (g->rc < 0) under the critical range crit (may be NULL or
 * unset: no time proves CRITICAL) for url. */
void hf_check_http_fail_judge(const hf_check_http_get *g, const hf_range *crit, const char *url,
                              hf_check_http_fail *out);

#endif
