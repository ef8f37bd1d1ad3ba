/* check_helixflow: every check of a standard deployment in one process.
 *
 * Each mode runs with its own defaults under the same --root/--state-dir, its
 * arguments built here the way a user would write them, into one hfn: finding
 * texts are prefixed "<mode>: ", perfdata labels "<mode>_". The worst state
 * wins; every problem gets a long-output line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modes.h"

#define HFM_ALL_MAX_ARGS 48
#define HFM_ALL_MAX_EXTRA 32

typedef struct hfm_all_opts {
    const char *ca;
    const char *health_url;
    const char *models_url;
    const char *metrics_url;
    const char *model;
    unsigned skip;              /* bit per entry of hfm_all_checks */
    struct {
        size_t check;           /* index into hfm_all_checks */
        const char *arg;        /* points into argv */
    } extra[HFM_ALL_MAX_EXTRA];
    size_t nextra;
} hfm_all_opts;

typedef struct hfm_all_check {
    const char *name;           /* prefix and --skip name */
    const hfn_mode *mode;
} hfm_all_check;

static const hfm_all_check hfm_all_checks[] = {
    {"service", &hfm_service},
    {"resources", &hfm_resources},
    {"http", &hfm_http},
    {"api", &hfm_api},
    {"cert", &hfm_cert},
    {"db", &hfm_db},
    {"backup", &hfm_backup},
    {"log", &hfm_log},
};

enum {
    HFM_ALL_CA = HFN_MODE_OPT,
    HFM_ALL_HEALTH,
    HFM_ALL_MODELS,
    HFM_ALL_METRICS,
    HFM_ALL_MODEL,
    HFM_ALL_SKIP,
    HFM_ALL_ARG,
};

static const struct option hfm_all_longopts[] = {
    {"ca", required_argument, NULL, HFM_ALL_CA},
    {"health-url", required_argument, NULL, HFM_ALL_HEALTH},
    {"models-url", required_argument, NULL, HFM_ALL_MODELS},
    {"metrics-url", required_argument, NULL, HFM_ALL_METRICS},
    {"model", required_argument, NULL, HFM_ALL_MODEL},
    {"skip", required_argument, NULL, HFM_ALL_SKIP},
    {"arg", required_argument, NULL, HFM_ALL_ARG},
    {0},
};

/* Index of the check named by the first len bytes of name, or -1. */
static int hfm_all_find(const char *name, size_t len)
{
    for (size_t i = 0; i < HF_ARRAY_SIZE(hfm_all_checks); i++)
        if (strlen(hfm_all_checks[i].name) == len && strncmp(name, hfm_all_checks[i].name, len) == 0)
            return (int)i;
    return -1;
}

static int hfm_all_skip(hfn *p, hfm_all_opts *o, const char *arg)
{
    int i = hfm_all_find(arg, strlen(arg));

    if (i < 0)
        return hfn_bad_usage(p, "--skip: unknown check '%s' (service, resources, http, api, "
                                "cert, db, backup, log)", arg);
    o->skip |= 1u << i;
    return 0;
}

/* --arg CHECK=ARGUMENT: one more argv element for that check ("http=-w0.5"). */
static int hfm_all_extra(hfn *p, hfm_all_opts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    int i = eq ? hfm_all_find(arg, (size_t)(eq - arg)) : -1;

    if (i < 0 || !eq[1])
        return hfn_bad_usage(p, "--arg: '%s' is not CHECK=ARGUMENT with CHECK one of service, "
                                "resources, http, api, cert, db, backup, log", arg);
    if (o->nextra == HFM_ALL_MAX_EXTRA)
        return hfn_bad_usage(p, "--arg: more than %d given", HFM_ALL_MAX_EXTRA);
    o->extra[o->nextra].check = (size_t)i;
    o->extra[o->nextra].arg = eq + 1;
    o->nextra++;
    return 0;
}

static int hfm_all_option(hfn *p, void *opts, int opt, const char *arg)
{
    hfm_all_opts *o = opts;

    switch (opt) {
    case HFM_ALL_CA: o->ca = arg; return 0;
    case HFM_ALL_HEALTH: o->health_url = arg; return 0;
    case HFM_ALL_MODELS: o->models_url = arg; return 0;
    case HFM_ALL_METRICS: o->metrics_url = arg; return 0;
    case HFM_ALL_MODEL: o->model = arg; return 0;
    case HFM_ALL_SKIP: return hfm_all_skip(p, o, arg);
    case HFM_ALL_ARG: return hfm_all_extra(p, o, arg);
    }
    return hfn_bad_usage(p, "unknown option");
}

typedef struct hfm_all_argv {
    char *v[HFM_ALL_MAX_ARGS + 1];
    int n;
} hfm_all_argv;

static void hfm_all_push1(hfm_all_argv *a, const char *arg)
{
    if (a->n + 1 > HFM_ALL_MAX_ARGS)
        return;
    a->v[a->n++] = (char *)(uintptr_t)arg;      /* getopt does not write to them */
    a->v[a->n] = NULL;
}

static void hfm_all_push(hfm_all_argv *a, const char *opt, const char *val)
{
    if (!val)
        return;
    hfm_all_push1(a, opt);
    hfm_all_push1(a, val);
}

/* The arguments a user would give check_helixflow_<name> for this deployment. */
static void hfm_all_args(const hfn *p, const hfm_all_opts *o, size_t check, hfm_all_argv *a)
{
    const char *name = hfm_all_checks[check].name;

    a->n = 0;
    a->v[a->n++] = (char *)(uintptr_t)name;
    a->v[a->n] = NULL;
    if (p->root && p->root[0])
        hfm_all_push(a, "--root", p->root);
    hfm_all_push(a, "--state-dir", p->state_dir);
    if (strcmp(name, "http") == 0) {
        hfm_all_push(a, "--url", o->health_url);
        hfm_all_push(a, "--ca", o->ca);
    } else if (strcmp(name, "api") == 0) {
        hfm_all_push(a, "--metrics-url", o->metrics_url);
        hfm_all_push(a, "--models-url", o->models_url);
        hfm_all_push(a, "--model", o->model);
        hfm_all_push(a, "--ca", o->ca);
    } else if (strcmp(name, "cert") == 0) {
        hfm_all_push(a, "--ca", o->ca);
    }
    for (size_t i = 0; i < o->nextra; i++)
        if (o->extra[i].check == check)
            hfm_all_push1(a, o->extra[i].arg);
}

static void hfm_all_run_one(hfn *p, const hfm_all_opts *o, size_t check)
{
    const hfm_all_check *c = &hfm_all_checks[check];
    const hfn_mode *m = c->mode;
    const hfn_mode *self = p->m;
    hfm_all_argv a;
    char tprefix[32], lprefix[32];
    void *opts = calloc(1, m->opts_size ? m->opts_size : 1);

    if (!opts) {
        hfn_add(p, HF_UNKNOWN, "%s: out of memory", c->name);
        return;
    }
    hfm_all_args(p, o, check, &a);
    snprintf(tprefix, sizeof(tprefix), "%s: ", c->name);
    snprintf(lprefix, sizeof(lprefix), "%s_", c->name);
    p->text_prefix = tprefix;
    p->label_prefix = lprefix;
    p->bad_usage = false;
    memset(&p->warn, 0, sizeof(p->warn));
    memset(&p->crit, 0, sizeof(p->crit));
    if (hfn_parse(p, m, opts, a.n, a.v) == 0)
        m->run(p, opts);
    if (m->cleanup)
        m->cleanup(opts);
    free(opts);
    p->text_prefix = "";
    p->label_prefix = "";
    p->m = self;
}

static void hfm_all_run(hfn *p, const void *opts)
{
    const hfm_all_opts *o = opts;
    size_t ran = 0;

    p->aggregate = true;
    p->usage_as_finding = true;
    for (size_t i = 0; i < HF_ARRAY_SIZE(hfm_all_checks); i++) {
        if (o->skip & (1u << i))
            continue;
        hfm_all_run_one(p, o, i);
        ran++;
    }
    hf_buf_reset(&p->summary);
    hfn_summary(p, "%zu checks passed", ran);
}

const hfn_mode hfm_all = {
    .name = "",
    .title = "DEPLOYMENT",
    .usage = "[--root DIR] [--state-dir DIR] [--ca FILE] [--health-url URL] [--models-url URL] "
             "[--metrics-url URL] [--model ID] [--skip CHECK]... [--arg CHECK=ARG]... [-t SECONDS] [-v]",
    .help = "Runs every check of a standard HelixFlow deployment in one process: service,\n"
            "resources, http (health URL), api (metrics and models), cert, db, backup and log,\n"
            "each with its defaults under --root. Reports the worst state, one long-output\n"
            "line per problem and the perfdata of every check (labels prefixed by the check).\n\n"
            "  --ca FILE          CA for the https checks and certificate verification\n"
            "  --health-url URL   health endpoint (default " "http://localhost:8443/health)\n"
            "  --models-url URL   /v1/models endpoint checked by the api check\n"
            "  --metrics-url URL  Prometheus metrics page (default http://localhost:8083/metrics)\n"
            "  --model ID         model id expected in /v1/models\n"
            "  --skip CHECK       leave one check out (repeatable)\n"
            "  --arg CHECK=ARG    pass one more argument to one check (repeatable), e.g.\n"
            "                     --arg http=-w0.5 --arg resources=--load-warning=8\n",
    .opts_size = sizeof(hfm_all_opts),
    .option = hfm_all_option,
    .longopts = hfm_all_longopts,
    .shortopts = "",
    .run = hfm_all_run,
};
