/* hf_health: the supervisor's ready-made health verdict: is a service back
 * and healthy? Its processes present by the exact identity of the process
 * probe, and the health endpoint OK, within a deadline.
 *
 * DESIGN
 *
 * Judgement is the check layer's, not a second one: a verdict evaluates
 * the service check (hf_check_service: hf_process_probe with its settings:
 * root, exe, pidfile, proc, cgroup-root, no-cgroup; one /proc pass for all
 * its services) and, when configured, the http check of the endpoint
 * (hf_check_http: hf_http_probe with url, ca, capath, insecure,
 * expect-status, expect-string, ...), both without state, into two
 * reports. A service is healthy when
 *   processes  its object's worst finding in the service report is OK or
 *              WARNING (present; a count outside the warning range or a
 *              stale pidfile is not a reason to restart again), and
 *   endpoint   the endpoint report is OK or WARNING (it answered as
 *              expected; slow or a certificate expiring soon is still up),
 *              or no endpoint is configured.
 * CRITICAL (down, no answer, 503, untrusted) or UNKNOWN (could not probe,
 * out of time) is not healthy. The endpoint is not asked while the
 * processes are down (the verdict is made; no time spent on a GET). A service that is not in the service
 * settings' list is never healthy ("not a checked service"): a front-end
 * lists every service it may restart (helixflow-ops: the policy's). The
 * endpoint is the deployment's (HelixFlow has one, /health on the
 * gateway) and is asked for every service.
 *
 * Time: each verdict is bounded by timeout_s (default 5 s) for both
 * probes together (hf_check_ctx); the supervisor polls it with backoff
 * until its verify deadline (hf_supervisor.h).
 *
 * Recording (optional: cfg.ledger). Each verdict is then also an
 * observation in the ledger (hf_ledger_report.h): the transitions of both
 * reports from this object's previous verdict (the first from the
 * ledger's last word on each object), with cfg.frontend, and a heartbeat
 * of cfg.monitor. A one-shot front-end (helixflow-ops restart) so records
 * the outage it saw and the recovery it verified, and the ledger's MTTR is
 * the time between them. The heartbeat's interval is cfg.interval_s, or
 * (0) the time since the previous verdict, at least 1 s: a one-shot caller
 * vouches for the time it was watching, plus at most one gap.
 *
 * Ownership: the settings are borrowed (they outlive the object; read
 * only, so several hf_health may share them); so is the ledger. The
 * object owns its last reports. One hf_health is used by one thread at a
 * time (the supervisor's); nothing is printed.
 *
 * Tests: tests/unit/test_supervisor_health.c (a real process under a temp
 * root and an HTTP server on loopback: healthy, down, endpoint 503, not a
 * checked service, an exe elsewhere, bad settings; the supervisor with
 * hf_health_fn restarting a real process, verified, recorded: MTTR equal
 * to the gap between the recorded transitions). */
#ifndef HF_HEALTH_H
#define HF_HEALTH_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_check.h"
#include "hf_ledger.h"
#include "hf_util.h"

typedef struct hf_health_cfg {
    const hf_settings *service;     /* hf_check_service settings, required (borrowed) */
    const hf_settings *endpoint;    /* hf_check_http settings, or NULL: processes only */
    double timeout_s;               /* one verdict, both probes; 0: 5 */
    /* optional recording of every verdict */
    hf_ledger *ledger;              /* borrowed; NULL: not recorded */
    const char *frontend;           /* the transitions' front-end ("helixflow-ops") */
    const char *monitor;            /* the heartbeats' monitor; NULL: frontend */
    double interval_s;              /* heartbeat interval; 0: the time since the last verdict */
    double (*now)(void *clock_ctx); /* epoch seconds for the records; NULL: hf_real_now */
    void *clock_ctx;
} hf_health_cfg;

typedef struct hf_health_verdict {
    bool healthy;
    hf_state processes;             /* the service's state in the service check */
    hf_state endpoint;              /* the endpoint check's state; HF_OK without one,
                                     * HF_UNKNOWN when not asked (the processes are down) */
    double at;                      /* when it was judged (cfg clock) */
    char why[HF_ERR_MAX];           /* "api-gateway down (0 processes)"; when healthy
                                     * the process and endpoint findings */
    char note[HF_ERR_MAX];          /* why recording failed; "" when it did not */
} hf_health_verdict;

typedef struct hf_health hf_health;

/* Validate both settings (kinds and values) and make the object. Returns
 * NULL with err ("service settings: ...", "endpoint settings: ...") on
 * bad settings or out of memory. */
hf_health *hf_health_new(const hf_health_cfg *cfg, char *err, size_t n);
void hf_health_free(hf_health *h);                  /* accepts NULL */

/* One verdict on service into *v (see DESIGN). Returns 0, or negative
 * errno when recording failed (the verdict is still valid; v->note says
 * why). */
int hf_health_check(hf_health *h, const char *service, hf_health_verdict *v);

/* The supervisor's callback (hf_supervisor_healthy_fn): hf_health_check
 * with ctx the hf_health; the verdict is kept (hf_health_last). */
bool hf_health_fn(const char *service, void *ctx);

/* The latest verdict (zeros before the first). */
const hf_health_verdict *hf_health_last(const hf_health *h);

/* The latest reports (empty before the first): the service check's and
 * the endpoint's. Owned by h, valid until the next verdict. */
const hf_report *hf_health_service_report(const hf_health *h);
const hf_report *hf_health_endpoint_report(const hf_health *h);

#endif
