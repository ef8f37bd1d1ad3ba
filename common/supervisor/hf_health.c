/* hf_health: the health verdict from the service and http checks, and its
 * recording. See hf_health.h. */
#include "hf_defaults.h"
#include "hf_health.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_ledger_report.h"

#define HF_HEALTH_MIN_INTERVAL_S 1.0

struct hf_health {
    hf_health_cfg cfg;
    hf_report svc, ep;                  /* the latest reports */
    bool have, have_ep;                 /* svc / ep hold one */
    double last_at;
    hf_health_verdict last;
};

static int settings_ok(const hf_settings *s, const hf_check_kind *kind, const char *what,
                       char *err, size_t n)
{
    char why[HF_ERR_MAX];
    int bad = -1;

    if (s->kind != kind) {
        hf_err_set(err, n, "%s settings: of the %s check, not the %s check", what,
                   s->kind ? s->kind->name : "(none)", kind->name);
        return -EINVAL;
    }
    if (hf_check_validate(s, &bad, why, sizeof(why)) < 0) {
        const hf_setting_def *d = bad >= 0 ? hf_settings_def(kind, (size_t)bad) : NULL;
        hf_err_set(err, n, "%s settings: %s%s%s", what, d ? d->name : "", d ? ": " : "", why);
        return -EINVAL;
    }
    return 0;
}

hf_health *hf_health_new(const hf_health_cfg *cfg, char *err, size_t n)
{
    hf_health *h;

    if (!cfg || !cfg->service) {
        hf_err_set(err, n, "health: the service check's settings are required");
        return NULL;
    }
    if (settings_ok(cfg->service, &hf_check_service, "service", err, n) < 0 ||
        (cfg->endpoint && settings_ok(cfg->endpoint, &hf_check_http, "endpoint", err, n) < 0))
        return NULL;
    if (!(h = calloc(1, sizeof(*h)))) {
        hf_err_set(err, n, "health: out of memory");
        return NULL;
    }
    h->cfg = *cfg;
    if (!(h->cfg.timeout_s > 0))
        h->cfg.timeout_s = HF_HEALTH_TIMEOUT_S;
    hf_report_init(&h->svc);
    hf_report_init(&h->ep);
    hf_check_init(&hf_check_service);
    if (cfg->endpoint)
        hf_check_init(&hf_check_http);
    return h;
}

void hf_health_free(hf_health *h)
{
    if (!h)
        return;
    hf_report_free(&h->svc);
    hf_report_free(&h->ep);
    free(h);
}

static bool listed(const hf_settings *s, const char *service)
{
    int i = hf_settings_find(&hf_check_service, "service");
    size_t n = 0;
    const char *const *v = i >= 0 ? hf_settings_list(s, (size_t)i, &n) : NULL;

    for (size_t k = 0; k < n; k++)
        if (strcmp(v[k], service) == 0)
            return true;
    return false;
}

/* The worst finding of object (or of the check as a whole, ""), NULL: none. */
static const hf_finding *worst(const hf_report *r, const char *object)
{
    const hf_finding *w = NULL;

    for (size_t i = 0; i < r->nf; i++) {
        const hf_finding *f = &r->f[i];
        if (object && strcmp(f->object, object) != 0 && f->object[0])
            continue;
        if (!w || hf_state_worst(w->state, f->state) != w->state)
            w = f;
    }
    return w;
}

static bool up_state(hf_state s)
{
    return s == HF_OK || s == HF_WARNING;
}

static void explain(const hf_health *h, const char *service, hf_health_verdict *v,
                    const hf_report *svc, const hf_report *ep)
{
    const hf_finding *p = worst(svc, service), *e = h->cfg.endpoint ? worst(ep, NULL) : NULL;
    const char *pt = p ? p->text : "no finding", *et = e ? e->text : "no finding";

    if (!up_state(v->processes))
        snprintf(v->why, sizeof(v->why), "%s", pt);
    else if (!up_state(v->endpoint))
        snprintf(v->why, sizeof(v->why), "endpoint: %s", et);
    else if (h->cfg.endpoint)
        snprintf(v->why, sizeof(v->why), "%s; endpoint: %s", pt, et);
    else
        snprintf(v->why, sizeof(v->why), "%s", pt);
}

static double clock_now(const hf_health *h)
{
    return h->cfg.now ? h->cfg.now(h->cfg.clock_ctx) : hf_real_now();
}

/* The reports made into the ledger (heartbeat once); ep NULL: the
 * endpoint was not asked. 0 or negative errno with v->note. */
static int record(hf_health *h, hf_health_verdict *v, const hf_report *svc, const hf_report *ep)
{
    double gap = h->have ? v->at - h->last_at : 0;
    hf_ledger_report_cfg rc = {
        .frontend = h->cfg.frontend, .monitor = h->cfg.monitor, .at = v->at,
        .interval_s = h->cfg.interval_s > 0 ? h->cfg.interval_s
                                            : fmax(gap, HF_HEALTH_MIN_INTERVAL_S),
    };
    int r1, r2 = 0;

    r1 = hf_ledger_record_report(h->cfg.ledger, &rc, h->have ? &h->svc : NULL, svc, NULL,
                                 v->note, sizeof(v->note));
    if (ep) {
        rc.interval_s = 0;
        r2 = hf_ledger_record_report(h->cfg.ledger, &rc, h->have_ep ? &h->ep : NULL, ep, NULL,
                                     r1 < 0 ? NULL : v->note, r1 < 0 ? 0 : sizeof(v->note));
    }
    return r1 < 0 ? r1 : r2;
}

int hf_health_check(hf_health *h, const char *service, hf_health_verdict *v)
{
    hf_check_ctx ctx = hf_check_ctx_make(h->cfg.timeout_s, 0, 0);
    hf_report svc, ep;
    bool asked = false;
    int rc = 0;

    memset(v, 0, sizeof(*v));
    v->at = clock_now(h);
    if (!service || !listed(h->cfg.service, service)) {
        v->processes = HF_UNKNOWN;
        snprintf(v->why, sizeof(v->why), "%s: not a checked service (the service settings "
                 "list the services a verdict may be asked for)", service ? service : "(none)");
        h->last = *v;
        return 0;
    }
    hf_report_init(&svc);
    hf_report_init(&ep);
    hf_check_eval(h->cfg.service, NULL, &ctx, &svc);
    v->processes = hf_state_worst(hf_report_object_state(&svc, service),
                                  hf_report_object_state(&svc, ""));
    if (h->cfg.endpoint && up_state(v->processes)) {
        hf_check_eval(h->cfg.endpoint, NULL, &ctx, &ep);
        v->endpoint = ep.state;
        asked = true;
    } else if (h->cfg.endpoint) {
        v->endpoint = HF_UNKNOWN;       /* not asked: the processes decided */
    }
    v->healthy = up_state(v->processes) && up_state(v->endpoint);
    explain(h, service, v, &svc, &ep);
    if (h->cfg.ledger)
        rc = record(h, v, &svc, asked ? &ep : NULL);
    hf_report_free(&h->svc);
    h->svc = svc;
    h->have = true;
    if (asked) {
        hf_report_free(&h->ep);
        h->ep = ep;
        h->have_ep = true;
    } else {
        hf_report_free(&ep);
    }
    h->last_at = v->at;
    h->last = *v;
    return rc;
}

bool hf_health_fn(const char *service, void *ctx)
{
    hf_health_verdict v;

    hf_health_check(ctx, service, &v);
    return v.healthy;
}

const hf_health_verdict *hf_health_last(const hf_health *h)
{
    return &h->last;
}

const hf_report *hf_health_service_report(const hf_health *h)
{
    return &h->svc;
}

const hf_report *hf_health_endpoint_report(const hf_health *h)
{
    return &h->ep;
}
