/* helixflow-ops status: the daily dashboard, rendered from the check layer.
 *
 * Every check kind runs in this process through hf_deploy (the same
 * shared options, time share and state files as check_helixflow); this
 * file only fills the options and lays the reports out (ops_status_out.c):
 * one section per area (services, endpoints, certificates, database,
 * backups, resources, recent errors), one line per object (its worst
 * finding), every finding with -v, the log check's last matching lines
 * under "Recent errors". Colour on a terminal, plain when piped, --json
 * for programs (schema in helixflow-ops-status(8)). Exit status: the
 * worst state. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "hf_deploy.h"
#include "ops.h"
#include "ops_status.h"

#define ST_MAX_SETS 64

static const char st_cmd[] = "status";
static const char st_usage[] =
    "Usage: helixflow-ops status [--root DIR] [--state-dir DIR] [--ca FILE] [--health-url URL]\n"
    "           [--models-url URL] [--metrics-url URL] [--model ID] [--skip CHECK]...\n"
    "           [--set CHECK.SETTING[=VALUE]]... [-t SECONDS] [-v] [--json] [--color WHEN]\n";

typedef struct st_opts {
    hf_deploy_opts d;
    const char *sets[ST_MAX_SETS];
    size_t nsets;
    int verbose;
    bool json;
    int color;
} st_opts;

static void st_help(void)
{
    hf_buf names = {0};

    hf_deploy_kind_names(&names);
    printf("helixflow-ops status: the daily dashboard of a HelixFlow deployment.\n"
           "Runs every check (%s) in one process with their defaults under --root, as\n"
           "check_helixflow does, and shows services, endpoints, certificates, database, backups,\n"
           "resources and recent errors: one line per object, every finding with -v.\n\n%s\n"
           "  --root DIR          prefix of every default deployment path (default /)\n"
           "  --state-dir DIR     where the checks keep their state (default <root>/var/lib/helixflow-monitoring)\n"
           "  --ca FILE           CA for https and certificate verification\n"
           "  --health-url URL    health endpoint (default http://localhost:8443/health)\n"
           "  --models-url URL    /v1/models endpoint checked by the api check\n"
           "  --metrics-url URL   Prometheus metrics page (default http://localhost:8083/metrics)\n"
           "  --model ID          model id expected in /v1/models\n"
           "  --skip CHECK        leave one check out (repeatable)\n"
           "  --set CHECK.SETTING=VALUE  one check's setting, named as in check_helixflow_CHECK -h\n"
           "                      (repeatable; a flag without =VALUE), e.g. --set db.window=7d\n"
           "  -t, --timeout SECONDS  the whole run's budget, shared out between the checks (default 10)\n"
           "  -v, --verbose       every finding, not only each object's worst\n"
           "  --json              one JSON document (schema %s, see helixflow-ops-status(8))\n"
           "  --color WHEN        auto (a terminal, NO_COLOR unset), always, never; --no-color: never\n"
           "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN or bad usage.\n",
           hf_buf_str(&names), st_usage, OPS_STATUS_SCHEMA);
    hf_buf_free(&names);
}

static int st_skip(st_opts *o, const char *arg)
{
    int i = hf_deploy_kind_index(arg, strlen(arg));
    hf_buf names = {0};

    if (i >= 0) {
        o->d.skip |= 1u << i;
        return 0;
    }
    hf_deploy_kind_names(&names);
    ops_usage_error(st_cmd, st_usage, "--skip: unknown check '%s' (%s)", arg, hf_buf_str(&names));
    hf_buf_free(&names);
    return -1;
}

enum { ST_ROOT = 1, ST_STATE, ST_CA, ST_HEALTH, ST_MODELS, ST_METRICS, ST_MODEL, ST_SKIP, ST_SET,
       ST_JSON, ST_COLOR, ST_NOCOLOR };

static const struct option st_longopts[] = {
    {"help", no_argument, NULL, 'h'},          {"verbose", no_argument, NULL, 'v'},
    {"timeout", required_argument, NULL, 't'}, {"root", required_argument, NULL, ST_ROOT},
    {"state-dir", required_argument, NULL, ST_STATE}, {"ca", required_argument, NULL, ST_CA},
    {"health-url", required_argument, NULL, ST_HEALTH},
    {"models-url", required_argument, NULL, ST_MODELS},
    {"metrics-url", required_argument, NULL, ST_METRICS},
    {"model", required_argument, NULL, ST_MODEL}, {"skip", required_argument, NULL, ST_SKIP},
    {"set", required_argument, NULL, ST_SET},  {"json", no_argument, NULL, ST_JSON},
    {"color", required_argument, NULL, ST_COLOR}, {"no-color", no_argument, NULL, ST_NOCOLOR},
    {0},
};

static int st_nonempty(const char *opt, const char *v, const char **out)
{
    if (!*v)
        return ops_usage_error(st_cmd, st_usage, "%s: empty value", opt);
    *out = v;
    return 0;
}

/* 0 go on, 1 exit 0 (help), -1 bad usage (printed). */
static int st_option(st_opts *o, int opt, char **argv)
{
    switch (opt) {
    case 'h': st_help(); return 1;
    case 'v': o->verbose++; return 0;
    case 't': return ops_opt_double(st_cmd, st_usage, "--timeout", optarg, 1, 3600, &o->d.budget_s);
    case ST_ROOT: return st_nonempty("--root", optarg, &o->d.root);
    case ST_STATE: return st_nonempty("--state-dir", optarg, &o->d.state_dir);
    case ST_CA: return st_nonempty("--ca", optarg, &o->d.ca);
    case ST_HEALTH: return st_nonempty("--health-url", optarg, &o->d.health_url);
    case ST_MODELS: return st_nonempty("--models-url", optarg, &o->d.models_url);
    case ST_METRICS: return st_nonempty("--metrics-url", optarg, &o->d.metrics_url);
    case ST_MODEL: return st_nonempty("--model", optarg, &o->d.model);
    case ST_SKIP: return st_skip(o, optarg);
    case ST_SET:
        if (o->nsets == ST_MAX_SETS)
            return ops_usage_error(st_cmd, st_usage, "--set: more than %d given", ST_MAX_SETS);
        o->sets[o->nsets++] = optarg;
        return 0;
    case ST_JSON: o->json = true; return 0;
    case ST_COLOR:
        if (ops_color_parse(optarg, &o->color) < 0)
            return ops_usage_error(st_cmd, st_usage, "--color: '%s' is not auto, always or never", optarg);
        return 0;
    case ST_NOCOLOR: ops_color_parse("never", &o->color); return 0;
    case ':': return ops_usage_error(st_cmd, st_usage, "%s: needs a value", argv[optind - 1]);
    default: return ops_usage_error(st_cmd, st_usage, "%s: unknown option", argv[optind - 1]);
    }
}

static int st_parse(st_opts *o, int argc, char **argv)
{
    int opt, r;

    memset(o, 0, sizeof(*o));
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hvt:", st_longopts, NULL)) != -1)
        if ((r = st_option(o, opt, argv)) != 0)
            return r;
    if (optind < argc)
        return ops_usage_error(st_cmd, st_usage, "'%s': unexpected argument", argv[optind]);
    return 0;
}

/* --set CHECK.SETTING[=VALUE] on its part. */
static int st_set(hf_deploy *d, const char *arg)
{
    const char *dot = strchr(arg, '.'), *eq = strchr(arg, '=');
    char name[128], err[HF_ERR_MAX];
    hf_deploy_part *p;
    int ki = dot ? hf_deploy_kind_index(arg, (size_t)(dot - arg)) : -1;

    if (ki < 0 || (eq && eq < dot) || dot[1] == '\0' || dot[1] == '=')
        return ops_usage_error(st_cmd, st_usage, "--set: '%s' is not CHECK.SETTING[=VALUE] with CHECK "
                               "one of the checks", arg);
    if (!(p = hf_deploy_find(d, hf_check_kinds[ki]->name)))
        return ops_usage_error(st_cmd, st_usage, "--set: '%s': the %s check is skipped", arg,
                               hf_check_kinds[ki]->name);
    snprintf(name, sizeof(name), "%.*s", (int)(eq ? eq - dot - 1 : (long)strlen(dot + 1)), dot + 1);
    if (hf_deploy_set(p, name, eq ? eq + 1 : NULL, err, sizeof(err)) < 0)
        return ops_usage_error(st_cmd, st_usage, "--set %s: %s", arg, err);
    return 0;
}

/* Bad values of the shared options or --set: refused before anything runs. */
static int st_bad_parts(hf_deploy *d)
{
    if (hf_deploy_validate(d) == 0)
        return 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->part[i].bad && d->part[i].report.nf)
            return ops_usage_error(st_cmd, st_usage, "%s check: %s", d->part[i].kind->name,
                                   d->part[i].report.f[0].text);
    return -1;
}

static int st_run(int argc, char **argv)
{
    st_opts o;
    hf_deploy d;
    hf_buf out = {0};
    int r = st_parse(&o, argc, argv);

    if (r != 0)
        return r > 0 ? 0 : OPS_EXIT_USAGE;
    if (hf_deploy_init(&d, &o.d) < 0) {
        ops_error(st_cmd, "out of memory");
        return 3;
    }
    for (size_t i = 0; i < o.nsets && r == 0; i++)
        r = st_set(&d, o.sets[i]);
    if (r == 0)
        r = st_bad_parts(&d);
    if (r != 0) {
        hf_deploy_free(&d);
        return OPS_EXIT_USAGE;
    }
    hf_deploy_run(&d, NULL, NULL);
    if (o.json)
        ops_status_json(&d, &out);
    else
        ops_status_text(&d, o.verbose, ops_color_on(o.color), &out);
    fputs(hf_buf_str(&out), stdout);
    fflush(stdout);
    r = out.oom ? 3 : (int)hf_deploy_state(&d);
    hf_buf_free(&out);
    hf_deploy_free(&d);
    return r;
}

const ops_cmd ops_cmd_status = {
    .name = "status",
    .summary = "the daily dashboard: every check of the deployment in one run",
    .run = st_run,
};
