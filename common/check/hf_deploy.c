/* hf_deploy: every check of a deployment in one process (design in hf_deploy.h). */
#include "hf_deploy.h"

#include <errno.h>
#include <string.h>

#include "hf_util.h"

int hf_deploy_kind_index(const char *name, size_t len)
{
    for (size_t i = 0; hf_check_kinds[i]; i++)
        if (strlen(hf_check_kinds[i]->name) == len && strncmp(hf_check_kinds[i]->name, name, len) == 0)
            return (int)i;
    return -1;
}

void hf_deploy_kind_names(hf_buf *b)
{
    for (size_t i = 0; hf_check_kinds[i]; i++)
        hf_buf_printf(b, "%s%s", i ? ", " : "", hf_check_kinds[i]->name);
}

void hf_deploy_bad(hf_deploy_part *p, const char *msg)
{
    p->bad = true;
    hf_check_usage_finding(&p->report, msg);
}

int hf_deploy_set(hf_deploy_part *p, const char *name, const char *value, char *err, size_t n)
{
    char why[HF_ERR_MAX];
    int i = hf_settings_find(p->kind, name);

    if (i < 0) {
        hf_err_set(err, n, "--%s: the %s check has no such setting", name, p->kind->name);
        return -ENOENT;
    }
    if (hf_settings_set(&p->set, (size_t)i, value, why, sizeof(why)) < 0) {
        hf_err_set(err, n, "--%s: %s", name, why);
        return -EINVAL;
    }
    return 0;
}

/* A shared option (opt, as the user gave it) on setting name where the
 * kind has it; a refused value makes the part bad, naming opt. */
static void hf_deploy_share(hf_deploy_part *p, const char *opt, const char *name, const char *value)
{
    char err[HF_ERR_MAX], why[HF_ERR_MAX];
    int i = value ? hf_settings_find(p->kind, name) : -1;

    if (i >= 0 && strcmp(opt, name) != 0)
        p->shared_url = i;      /* a refusal by the validation names opt too */
    if (i >= 0 && hf_settings_set(&p->set, (size_t)i, value, why, sizeof(why)) < 0) {
        hf_err_set(err, sizeof(err), "--%s: %s", opt, why);
        hf_deploy_bad(p, err);
    }
}

static void hf_deploy_shared(hf_deploy_part *p, const hf_deploy_opts *o)
{
    bool http = strcmp(p->kind->name, "http") == 0;

    hf_deploy_share(p, "root", "root", o->root);
    hf_deploy_share(p, "state-dir", "state-dir", o->state_dir);
    hf_deploy_share(p, "ca", "ca", o->ca);
    hf_deploy_share(p, "health-url", http ? "url" : "health-url", o->health_url);
    hf_deploy_share(p, "models-url", "models-url", o->models_url);
    hf_deploy_share(p, "metrics-url", "metrics-url", o->metrics_url);
    if (!http)
        hf_deploy_share(p, "model", "model", o->model);
}

int hf_deploy_init(hf_deploy *d, const hf_deploy_opts *o)
{
    memset(d, 0, sizeof(*d));
    d->budget_s = o->budget_s > 0 ? o->budget_s : 10;
    for (size_t i = 0; hf_check_kinds[i] && d->n < HF_DEPLOY_MAX; i++) {
        hf_deploy_part *p = &d->part[d->n];
        if (o->skip & (1u << i))
            continue;
        p->kind = hf_check_kinds[i];
        p->shared_url = -1;
        hf_report_init(&p->report);
        d->n++;
        if (hf_settings_init(&p->set, p->kind) < 0) {
            hf_deploy_free(d);
            return -ENOMEM;
        }
        hf_deploy_shared(p, o);
    }
    return 0;
}

void hf_deploy_free(hf_deploy *d)
{
    for (size_t i = 0; i < d->n; i++) {
        hf_settings_free(&d->part[i].set);
        hf_report_free(&d->part[i].report);
    }
    d->n = 0;
}

hf_deploy_part *hf_deploy_find(hf_deploy *d, const char *name)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(d->part[i].kind->name, name) == 0)
            return &d->part[i];
    return NULL;
}

/* Cross-setting validation: the refused setting named as an option. */
static void hf_deploy_validate_one(hf_deploy_part *p)
{
    char err[HF_ERR_MAX], msg[HF_ERR_MAX + 80];
    int bad = -1;

    if (p->bad || hf_check_validate(&p->set, &bad, err, sizeof(err)) == 0)
        return;
    if (bad >= 0 && bad == p->shared_url)
        hf_err_set(msg, sizeof(msg), "--health-url: %s", err);
    else if (bad >= 0 && hf_settings_def(p->kind, (size_t)bad))
        hf_err_set(msg, sizeof(msg), "--%s: %s", hf_settings_def(p->kind, (size_t)bad)->name, err);
    else
        hf_err_set(msg, sizeof(msg), "%s check: %s", p->kind->name, err);
    hf_deploy_bad(p, msg);
}

static void hf_deploy_one(hf_deploy *d, hf_deploy_part *p, double deadline, size_t left)
{
    double now = hf_mono_now(), share = (deadline - now) / (double)left;
    hf_check_ctx ctx;

    hf_deploy_validate_one(p);
    if (p->bad)
        return;
    if (share < HF_DEPLOY_MIN_SHARE_S) {
        hf_report_add(&p->report, HF_UNKNOWN, "", "check.out_of_time",
                      "not run: the time budget of %g s ran out", d->budget_s);
        return;
    }
    ctx = hf_check_ctx_make(hf_settings_double(&p->set, HF_SET_TIMEOUT), HF_DEPLOY_MARGIN_S, now + share);
    hf_check_run_once(&p->set, &ctx, &p->report);
    p->elapsed_s = hf_mono_now() - now;
}

size_t hf_deploy_validate(hf_deploy *d)
{
    size_t bad = 0;

    for (size_t i = 0; i < d->n; i++) {
        hf_deploy_validate_one(&d->part[i]);
        bad += d->part[i].bad;
    }
    return bad;
}

void hf_deploy_run(hf_deploy *d, hf_deploy_hook before, void *arg)
{
    double t0 = hf_mono_now(), deadline = t0 + d->budget_s - HF_DEPLOY_MARGIN_S;

    for (size_t i = 0; i < d->n; i++) {
        if (before)
            before(d, i, arg);
        hf_deploy_one(d, &d->part[i], deadline, d->n - i);
        d->part[i].done = true;
    }
    d->elapsed_s = hf_mono_now() - t0;
}

hf_state hf_deploy_state(const hf_deploy *d)
{
    hf_state st = HF_OK;

    for (size_t i = 0; i < d->n; i++)
        st = hf_state_worst(st, d->part[i].report.state);
    return st;
}
