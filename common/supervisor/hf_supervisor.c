/* hf_supervisor: the object, the budget arithmetic, order, observations,
 * reset and status. The restart itself is in hf_supervisor_restart.c. */
#include "hf_supervisor_int.h"

#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hf_time.h"

hf_supervisor *hf_supervisor_new(const hf_supervisor_cfg *cfg, char *err, size_t n)
{
    hf_supervisor *s;
    struct passwd pw, *res = NULL;
    char buf[1024];

    if (!cfg || !cfg->policy || !cfg->ledger) {
        hf_err_set(err, n, "supervisor: a restart policy and a ledger are required");
        return NULL;
    }
    if (!(s = calloc(1, sizeof(*s)))) {
        hf_err_set(err, n, "supervisor: out of memory");
        return NULL;
    }
    s->cfg = *cfg;
    if (!(s->cfg.verify_first_s > 0))
        s->cfg.verify_first_s = 0.5;
    if (!(s->cfg.verify_max_s > 0))
        s->cfg.verify_max_s = 5;
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        hf_strlcpy(s->user, pw.pw_name, sizeof(s->user));
    else
        snprintf(s->user, sizeof(s->user), "uid %ld", (long)geteuid());
    return s;
}

void hf_supervisor_free(hf_supervisor *s)
{
    free(s);
}

double hf_sup_now(const hf_supervisor *s)
{
    return s->cfg.now ? s->cfg.now(s->cfg.clock_ctx) : hf_real_now();
}

void hf_sup_sleep(const hf_supervisor *s, double seconds)
{
    struct timespec ts;

    if (!(seconds > 0))
        return;
    if (s->cfg.sleep) {
        s->cfg.sleep(seconds, s->cfg.clock_ctx);
        return;
    }
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int hf_sup_lock(hf_supervisor *s, const char *service, double wait_s, char *err, size_t n)
{
    char name[HF_RESTART_NAME_MAX + 32];

    snprintf(name, sizeof(name), "restart-%s.lock", service);
    return hf_ledger_lock(s->cfg.ledger, name, wait_s > 0 ? hf_mono_now() + wait_s : 0, err, n);
}

double hf_sup_gap(const hf_restart_budget *b, long k)
{
    double gap = b->backoff_s * ldexp(1.0, (int)(k > 1 ? (k - 1 > 60 ? 60 : k - 1) : 0));

    return fmin(gap, b->backoff_max_s);
}

int hf_sup_reset_due(hf_supervisor *s, const hf_restart_service *svc, hf_ledger_budget *b,
                     double now, double last_ok, char *err, size_t n)
{
    double until = b->healthy_last, down = 0;
    int rc;

    if (b->attempts == 0 || b->healthy_since <= 0 || b->healthy_since < b->last_attempt ||
        now - b->window_start < svc->budget.window_s)
        return 0;
    if (last_ok > until && last_ok <= now)
        until = last_ok;
    if ((rc = hf_ledger_first_down_after(s->cfg.ledger, svc->name, b->healthy_since, &down, err,
                                         n)) < 0)
        return rc;
    if (down > until && down <= now)
        until = down;
    if (until - b->healthy_since >= svc->budget.reset_s) {
        b->attempts = 0;
        b->window_start = 0;
    }
    return 0;
}

void hf_sup_quote(const char *name, char *out, size_t n)
{
    size_t k = 0;

    if (!name)
        name = "(none)";
    for (const unsigned char *p = (const unsigned char *)name; *p && k + 5 < n && k < 64; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '\\')
            out[k++] = (char)*p;
        else
            k += (size_t)snprintf(out + k, n - k, "\\x%02x", *p);
    }
    if (n)
        out[k < n ? k : n - 1] = '\0';
}

const char *hf_sup_time(double t, char *out, size_t n)
{
    return hf_time_format(t, out, n);
}

static unsigned rank_of(const hf_supervisor *s, const char *name)
{
    const hf_restart_service *svc = hf_restart_policy_find(s->cfg.policy, name);

    return svc ? svc->rank : ~0u;
}

void hf_supervisor_order(const hf_supervisor *s, const char **names, size_t n)
{
    /* insertion sort: stable, n is small */
    for (size_t i = 1; i < n; i++) {
        const char *v = names[i];
        unsigned rv = rank_of(s, v);
        size_t j = i;
        while (j > 0 && rank_of(s, names[j - 1]) > rv) {
            names[j] = names[j - 1];
            j--;
        }
        names[j] = v;
    }
}

int hf_supervisor_restart_all(hf_supervisor *s, const char *const *services, size_t n,
                              const hf_restart_request *tmpl, hf_restart_result *results)
{
    size_t *idx = calloc(n ? n : 1, sizeof(*idx));
    int first = 0;

    if (!idx)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {        /* indexes in restart order, stable */
        unsigned r = rank_of(s, services[i]);
        size_t j = i;
        while (j > 0 && rank_of(s, services[idx[j - 1]]) > r) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    for (size_t i = 0; i < n; i++) {
        hf_restart_request req = *tmpl;
        int rc;

        req.service = services[idx[i]];
        rc = hf_supervisor_restart(s, &req, &results[idx[i]]);
        if (rc < 0 && first == 0)
            first = rc;
    }
    free(idx);
    return first;
}

static const hf_restart_service *known(hf_supervisor *s, const char *service, char *err,
                                       size_t n)
{
    const hf_restart_service *svc = hf_restart_name_valid(service)
                                        ? hf_restart_policy_find(s->cfg.policy, service) : NULL;
    char q[HF_RESTART_NAME_MAX * 4 + 8];

    if (!svc) {
        hf_sup_quote(service, q, sizeof(q));
        hf_err_set(err, n, "'%s': not a service of the restart policy %s", q,
                   s->cfg.policy->path[0] ? s->cfg.policy->path : "(in memory)");
    }
    return svc;
}

int hf_supervisor_observe(hf_supervisor *s, const char *service, bool healthy, char *err,
                          size_t n)
{
    const hf_restart_service *svc = known(s, service, err, n);
    hf_ledger_budget b;
    double now = hf_sup_now(s);
    int fd, rc;

    if (!svc)
        return -EPERM;
    if ((fd = hf_sup_lock(s, service, 0, err, n)) == -EWOULDBLOCK)
        return 0;                       /* a restart is under way: it verifies itself */
    if (fd < 0)
        return fd;
    rc = hf_ledger_budget_get(s->cfg.ledger, service, &b, err, n);
    if (rc == 0) {
        if (healthy) {
            if (b.healthy_since <= 0)
                b.healthy_since = now;
            b.healthy_last = now;
        } else {
            b.healthy_since = 0;
        }
        rc = hf_ledger_budget_put(s->cfg.ledger, service, &b, err, n);
    }
    close(fd);
    return rc;
}

int hf_supervisor_reset(hf_supervisor *s, const char *service, const char *requester,
                        char *err, size_t n)
{
    const hf_restart_service *svc = known(s, service, err, n);
    hf_ledger_budget b;
    hf_ledger_restart row = {0};
    char text[HF_ERR_MAX];
    double now = hf_sup_now(s);
    int fd, rc;

    if (!svc)
        return -EPERM;
    if ((fd = hf_sup_lock(s, service, 5, err, n)) < 0)
        return fd;
    rc = hf_ledger_budget_get(s->cfg.ledger, service, &b, err, n);
    if (rc == 0) {
        snprintf(text, sizeof(text), "%s: restart budget reset%s (%ld attempts in the window)",
                 service, b.given_up_at > 0 ? ", given-up state lifted" : "", b.attempts);
        b.attempts = 0;
        b.window_start = 0;
        b.given_up_at = 0;
        rc = hf_ledger_budget_put(s->cfg.ledger, service, &b, err, n);
    }
    if (rc == 0) {
        row = (hf_ledger_restart){.at = now, .service = service, .frontend = "reset",
                                  .requester = requester ? requester : s->user,
                                  .outcome = "reset", .duration = NAN, .exit_status = -1,
                                  .text = text};
        rc = hf_ledger_record_restart(s->cfg.ledger, &row, err, n);
    }
    close(fd);
    return rc;
}

int hf_supervisor_status_get(hf_supervisor *s, const char *service, hf_supervisor_status *out,
                             char *err, size_t n)
{
    const hf_restart_service *svc = known(s, service, err, n);
    hf_ledger_budget b;
    double now = hf_sup_now(s);
    int rc;

    memset(out, 0, sizeof(*out));
    if (!svc)
        return -EPERM;
    if ((rc = hf_ledger_budget_get(s->cfg.ledger, service, &b, err, n)) < 0 ||
        (b.given_up_at <= 0 && (rc = hf_sup_reset_due(s, svc, &b, now, 0, err, n)) < 0))
        return rc;
    out->attempts = b.attempts;
    out->attempts_left = b.given_up_at > 0 ? 0 : svc->budget.attempts - b.attempts;
    if (out->attempts_left < 0)
        out->attempts_left = 0;
    out->window_start = b.window_start;
    out->last_attempt = b.last_attempt;
    out->last_end = b.last_end;
    out->given_up = b.given_up_at > 0;
    out->given_up_at = b.given_up_at;
    out->next_at = b.attempts > 0 ? b.last_end + hf_sup_gap(&svc->budget, b.attempts) : 0;
    if (out->next_at <= now)
        out->next_at = 0;
    return 0;
}

const char *hf_restart_outcome_name(hf_restart_outcome o)
{
    static const char *const names[] = {"restarted", "failed", "given_up", "backoff",
                                        "in_progress", "already", "refused", "error"};

    return (unsigned)o < HF_ARRAY_SIZE(names) ? names[o] : "error";
}

const char *hf_escalation_name(hf_escalation e)
{
    static const char *const names[] = {"none", "restarted", "alert", "given_up"};

    return (unsigned)e < HF_ARRAY_SIZE(names) ? names[e] : "none";
}
