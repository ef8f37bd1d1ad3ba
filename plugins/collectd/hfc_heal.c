/* hfc_heal: self-healing through the core's supervisor, and the blocks'
 * reports into the ledger (see hfc_heal.h). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectd.h"
#include "plugin.h"

#include "hf_defaults.h"
#include "hf_health.h"
#include "hf_ledger.h"
#include "hf_ledger_report.h"
#include "hf_supervisor.h"
#include "hf_util.h"
#include "hfc_heal.h"

#define HFC_HEAL_QUEUE 16
#define HFC_LEDGER_RETRY_S 600

struct hfc_heal {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct {
        char name[64];
        double observed_at;
    } q[HFC_HEAL_QUEUE];
    size_t nq;
    char current[64];               /* the service being restarted ("" none) */
    struct {
        char name[64];
        hf_restart_outcome outcome;
    } said[HFC_HEAL_QUEUE];         /* the last outcome notified per service */
    size_t nsaid;
    hfc_heal_cfg cfg;
    char *restart_conf, *ledger_path, *root;    /* owned copies */
    hf_restart_policy policy;
    hf_ledger *ledger;
    hf_health *health;
    hf_supervisor *sup;
};

static int hfc_heal_severity(hf_restart_outcome o)
{
    switch (o) {
    case HF_RESTART_RESTARTED: return NOTIF_OKAY;
    case HF_RESTART_FAILED:
    case HF_RESTART_GIVEN_UP: return NOTIF_FAILURE;
    case HF_RESTART_REFUSED:
    case HF_RESTART_ERROR: return NOTIF_WARNING;
    default: return 0;          /* in progress, already, backoff: no notification */
    }
}

/* A command that ran is always told; an outcome without one (given up,
 * refused) once, until it changes: the read callback asks again every
 * interval while the service is down. */
static bool hfc_heal_news(hfc_heal *h, const char *service, const hf_restart_result *r)
{
    size_t i;

    for (i = 0; i < h->nsaid && strcmp(h->said[i].name, service) != 0; i++)
        ;
    if (i == h->nsaid) {
        if (h->nsaid == HFC_HEAL_QUEUE)
            return true;
        hf_strlcpy(h->said[h->nsaid].name, service, sizeof(h->said[0].name));
        h->said[h->nsaid++].outcome = (hf_restart_outcome)-1;
    }
    if (r->commands == 0 && h->said[i].outcome == r->outcome)
        return false;
    h->said[i].outcome = r->outcome;
    return true;
}

static void hfc_heal_notify(hfc_heal *h, const char *service, const hf_restart_result *r)
{
    notification_t n = {0};
    int sev = hfc_heal_severity(r->outcome);

    if (!hfc_heal_news(h, service, r))
        return;
    if (!sev) {
        INFO("helixflow plugin: restart %s: %s", service, r->text);
        return;
    }
    plugin_log(sev == NOTIF_OKAY ? LOG_NOTICE : LOG_WARNING, "helixflow plugin: restart %s: %s", service,
               r->text);
    n.severity = sev;
    n.time = cdtime();
    hf_strlcpy(n.host, hostname_g, sizeof(n.host));
    hf_strlcpy(n.plugin, "helixflow", sizeof(n.plugin));
    snprintf(n.plugin_instance, sizeof(n.plugin_instance), "%.60s-%.60s", h->cfg.services->inst, service);
    hf_strlcpy(n.type, "helixflow_state", sizeof(n.type));
    snprintf(n.type_instance, sizeof(n.type_instance), "restart.%s", hf_restart_outcome_name(r->outcome));
    hf_strlcpy(n.message, r->text, sizeof(n.message));
    plugin_notification_meta_add_string(&n, "object", service);
    plugin_notification_meta_add_string(&n, "outcome", hf_restart_outcome_name(r->outcome));
    plugin_notification_meta_add_string(&n, "escalation", hf_escalation_name(r->level));
    plugin_dispatch_notification(&n);
    plugin_notification_meta_free(n.meta);
}

/* The worker's own objects, made in its thread (the ledger connection is
 * used by this thread only). */
static int hfc_heal_open(hfc_heal *h, char *err, size_t n)
{
    hf_ledger_cfg lc = {.path = h->ledger_path, .root = h->root};
    hf_health_cfg hc = {.service = &h->cfg.services->set, .endpoint = h->cfg.endpoint,
                        .frontend = "collectd", .monitor = "collectd"};
    hf_supervisor_cfg sc = {.policy = &h->policy, .syslog = true};
    int rc = hf_ledger_open(&lc, &h->ledger, err, n);

    if (rc < 0)
        return rc;
    if (rc > 0)
        WARNING("helixflow plugin: self-healing: %s", err);
    if (!(h->health = hf_health_new(&hc, err, n)))
        return -EINVAL;
    sc.ledger = h->ledger;
    sc.healthy = hf_health_fn;
    sc.healthy_ctx = h->health;
    return (h->sup = hf_supervisor_new(&sc, err, n)) ? 0 : -ENOMEM;
}

static void *hfc_heal_main(void *arg)
{
    hfc_heal *h = arg;
    char err[HF_ERR_MAX];
    bool ready = hfc_heal_open(h, err, sizeof(err)) == 0;

    if (!ready)
        ERROR("helixflow plugin: self-healing is off: %s", err);
    pthread_mutex_lock(&h->mu);
    while (!h->stop) {
        hf_restart_request rq = {.frontend = "collectd", .requester = "collectd"};
        hf_restart_result res;

        if (!h->nq) {
            pthread_cond_wait(&h->cv, &h->mu);
            continue;
        }
        hf_strlcpy(h->current, h->q[0].name, sizeof(h->current));
        rq.observed_at = h->q[0].observed_at;
        memmove(&h->q[0], &h->q[1], --h->nq * sizeof(h->q[0]));
        pthread_mutex_unlock(&h->mu);
        if (ready) {
            rq.service = h->current;
            hf_supervisor_restart(h->sup, &rq, &res);
            hfc_heal_notify(h, h->current, &res);
        }
        pthread_mutex_lock(&h->mu);
        h->current[0] = '\0';
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static void hfc_heal_free(hfc_heal *h)
{
    hf_supervisor_free(h->sup);
    hf_health_free(h->health);
    hf_ledger_close(h->ledger);
    hf_restart_policy_free(&h->policy);
    free(h->restart_conf);
    free(h->ledger_path);
    free(h->root);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    free(h);
}

static char *hfc_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

hfc_heal *hfc_heal_start(const hfc_heal_cfg *cfg, char *err, size_t n)
{
    hfc_heal *h = calloc(1, sizeof(*h));
    const char *conf = cfg->restart_conf ? cfg->restart_conf : HF_DEFAULT_RESTART_CONF;

    if (!h) {
        hf_err_set(err, n, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    h->cfg = *cfg;
    h->restart_conf = hfc_dup(conf);
    h->ledger_path = hfc_dup(cfg->ledger);
    h->root = hfc_dup(cfg->root);
    if (!h->restart_conf || (cfg->ledger && !h->ledger_path) || (cfg->root && !h->root)) {
        hf_err_set(err, n, "out of memory");
    } else if (hf_restart_policy_load(conf, &h->policy, err, n) == 0) {
        if (pthread_create(&h->thread, NULL, hfc_heal_main, h) == 0)
            return h;
        hf_err_set(err, n, "cannot start the self-healing thread");
    }
    hfc_heal_free(h);
    return NULL;
}

void hfc_heal_ask(hfc_heal *h, const char *service, double observed_at)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    bool known = strcmp(h->current, service) == 0;
    for (size_t i = 0; i < h->nq && !known; i++)
        known = strcmp(h->q[i].name, service) == 0;
    if (!known && h->nq < HFC_HEAL_QUEUE && strlen(service) < sizeof(h->q[0].name)) {
        hf_strlcpy(h->q[h->nq].name, service, sizeof(h->q[0].name));
        h->q[h->nq++].observed_at = observed_at;
        pthread_cond_signal(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
}

void hfc_heal_stop(hfc_heal *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&h->mu);
    h->stop = true;
    h->nq = 0;
    pthread_cond_signal(&h->cv);
    pthread_mutex_unlock(&h->mu);
    pthread_join(h->thread, NULL);
    hfc_heal_free(h);
}

void hfc_ledger_record(hfc_block *b, const hf_report *prev, const hf_report *cur)
{
    const hfc_blocks *bs = b->all;
    bool beat = b->kind == &hf_check_service;
    hf_ledger_report_cfg rc = {
        .frontend = "collectd", .monitor = "collectd",
        .interval_s = beat ? (b->interval > 0 ? b->interval : CDTIME_T_TO_DOUBLE(plugin_get_interval())) : 0,
    };
    hf_ledger_cfg lc = {.path = bs->ledger, .root = hf_settings_str(&b->set, HF_SET_ROOT)};
    char err[HF_ERR_MAX];
    int r;

    if (!bs->use_ledger)
        return;
    if (!b->ledger) {
        if (hf_mono_now() < b->ledger_retry)
            return;
        if ((r = hf_ledger_open(&lc, &b->ledger, err, sizeof(err))) < 0) {
            b->ledger_retry = hf_mono_now() + HFC_LEDGER_RETRY_S;
            WARNING("helixflow plugin: %s: no ledger (tried again in %d minutes): %s", b->what,
                    HFC_LEDGER_RETRY_S / 60, err);
            return;
        }
        if (r > 0)
            INFO("helixflow plugin: %s: %s", b->what, err);
    }
    if (hf_ledger_record_report(b->ledger, &rc, prev, cur, NULL, err, sizeof(err)) < 0)
        WARNING("helixflow plugin: %s: %s", b->what, err);
}
