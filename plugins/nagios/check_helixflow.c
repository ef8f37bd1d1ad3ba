/* check_helixflow: every check of a standard deployment in one process.
 *
 * Each check kind of the core runs with its own settings object: the shared
 * options (--root, --state-dir, --ca, the URLs) are set on the checks that
 * have them, and --arg CHECK=ARG reaches that check only. -t is shared out:
 * each check gets what remains divided by the checks still to run (capped
 * by its own timeout), so a slow one cannot starve the rest; a check cut
 * short by its share says so (UNKNOWN, out of time). Past -t the output
 * names what finished and gives UNKNOWN for what did not: the alarm prints
 * the report rendered after the last finished check. */
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_check.h"
#include "hf_config.h"
#include "hfn_args.h"
#include "hfn_main.h"
#include "hfn_out.h"

#define HFA_MAX_CHECKS 16
#define HFA_MAX_EXTRA 32
#define HFA_MARGIN_S 0.25           /* time left to print and exit */
#define HFA_MIN_SHARE_S 0.005       /* less than this left: the check is not started */

typedef struct hfa_opts {
    const char *root, *state_dir, *ca, *health_url, *models_url, *metrics_url, *model;
    double timeout;
    int verbose;
    unsigned skip;                  /* bit per kind index */
    struct {
        size_t check;
        const char *arg;
    } extra[HFA_MAX_EXTRA];
    size_t nextra;
} hfa_opts;

typedef struct hfa_run {
    const hf_check_kind *kind;
    hf_report report;
    bool done;
} hfa_run;

static const char hfa_usage[] =
    "Usage: check_helixflow [--root DIR] [--state-dir DIR] [--ca FILE] [--health-url URL] "
    "[--models-url URL] [--metrics-url URL] [--model ID] [--skip CHECK]... [--arg CHECK=ARG]... "
    "[-t SECONDS] [-v]\n";

static void hfa_names(hf_buf *b)
{
    for (size_t i = 0; hf_check_kinds[i]; i++)
        hf_buf_printf(b, "%s%s", i ? ", " : "", hf_check_kinds[i]->name);
}

static int hfa_kind_index(const char *name, size_t len)
{
    for (size_t i = 0; hf_check_kinds[i]; i++)
        if (strlen(hf_check_kinds[i]->name) == len && strncmp(hf_check_kinds[i]->name, name, len) == 0)
            return (int)i;
    return -1;
}

static void hfa_help(void)
{
    hf_buf b = {0};

    hfa_names(&b);
    printf("check_helixflow %s (helixflow-monitoring)\n"
           "Runs every check of a standard HelixFlow deployment in one process (%s), each with\n"
           "its defaults under --root. Reports the worst state, one long-output line per problem\n"
           "and the perfdata of every check (labels prefixed by the check).\n\n%s\n"
           "  --root DIR         prefix of every default deployment path (default /)\n"
           "  --state-dir DIR    where state is kept (default <root>/var/lib/helixflow-monitoring)\n"
           "  --ca FILE          CA for the https checks and certificate verification\n"
           "  --health-url URL   health endpoint (default http://localhost:8443/health)\n"
           "  --models-url URL   /v1/models endpoint checked by the api check\n"
           "  --metrics-url URL  Prometheus metrics page (default http://localhost:8083/metrics)\n"
           "  --model ID         model id expected in /v1/models\n"
           "  --skip CHECK       leave one check out (repeatable)\n"
           "  --arg CHECK=ARG    one more argument for that check only (repeatable), e.g.\n"
           "                     --arg http=-w0.5 --arg resources=--load-warning=8\n"
           "  -t SECONDS         the whole run's budget, shared out between the checks (default 10)\n"
           "  -v                 list every finding, not only problems\n"
           "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n",
           HF_VERSION, hf_buf_str(&b), hfa_usage);
    hf_buf_free(&b);
}

static int hfa_bad(const char *fmt, ...) HF_PRINTF(1, 2);
static int hfa_bad(const char *fmt, ...)
{
    va_list ap;

    printf("HELIXFLOW DEPLOYMENT UNKNOWN: ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n%s", hfa_usage);
    return -1;
}

static int hfa_skip(hfa_opts *o, const char *arg)
{
    int i = hfa_kind_index(arg, strlen(arg));

    if (i < 0)
        return hfa_bad("--skip: unknown check '%s' (service, resources, http, api, cert, db, "
                       "backup, log)", arg);
    o->skip |= 1u << i;
    return 0;
}

static int hfa_extra(hfa_opts *o, const char *arg)
{
    const char *eq = strchr(arg, '=');
    int i = eq ? hfa_kind_index(arg, (size_t)(eq - arg)) : -1;

    if (i < 0 || !eq[1])
        return hfa_bad("--arg: '%s' is not CHECK=ARGUMENT with CHECK one of service, resources, "
                       "http, api, cert, db, backup, log", arg);
    if (o->nextra == HFA_MAX_EXTRA)
        return hfa_bad("--arg: more than %d given", HFA_MAX_EXTRA);
    o->extra[o->nextra].check = (size_t)i;
    o->extra[o->nextra++].arg = eq + 1;
    return 0;
}

static const struct option hfa_longopts[] = {
    {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
    {"verbose", no_argument, NULL, 'v'},      {"timeout", required_argument, NULL, 't'},
    {"root", required_argument, NULL, 1},     {"state-dir", required_argument, NULL, 2},
    {"ca", required_argument, NULL, 3},       {"health-url", required_argument, NULL, 4},
    {"models-url", required_argument, NULL, 5}, {"metrics-url", required_argument, NULL, 6},
    {"model", required_argument, NULL, 7},    {"skip", required_argument, NULL, 8},
    {"arg", required_argument, NULL, 9},      {0},
};

/* Returns 0 run, 1 exit 0 (help/version), -1 bad usage (printed). */
static int hfa_option(hfa_opts *o, int opt, char **argv)
{
    switch (opt) {
    case 'h': hfa_help(); return 1;
    case 'V': printf("check_helixflow %s\n", HF_VERSION); return 1;
    case 'v': o->verbose++; return 0;
    case 't':
        if (hf_parse_double(optarg, &o->timeout) < 0 || o->timeout < 1 || o->timeout > 3600)
            return hfa_bad("-t: '%s' is not a number from 1 to 3600", optarg);
        return 0;
    case 1: o->root = optarg; return *optarg ? 0 : hfa_bad("--root: empty directory");
    case 2: o->state_dir = optarg; return *optarg ? 0 : hfa_bad("--state-dir: empty directory");
    case 3: o->ca = optarg; return 0;
    case 4: o->health_url = optarg; return 0;
    case 5: o->models_url = optarg; return 0;
    case 6: o->metrics_url = optarg; return 0;
    case 7: o->model = optarg; return 0;
    case 8: return hfa_skip(o, optarg);
    case 9: return hfa_extra(o, optarg);
    case ':': return hfa_bad("option '%s' needs a value", argv[optind - 1]);
    default: return hfa_bad("unknown option '%s'", argv[optind - 1]);
    }
}

static int hfa_parse(hfa_opts *o, int argc, char **argv)
{
    int opt, r;

    memset(o, 0, sizeof(*o));
    o->timeout = 10;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hVvt:", hfa_longopts, NULL)) != -1)
        if ((r = hfa_option(o, opt, argv)) != 0)
            return r;
    if (optind < argc)
        return hfa_bad("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* Set a shared option on a check that has that setting. */
static void hfa_share(hf_settings *s, hf_report *rep, const char *name, const char *value)
{
    char err[HF_ERR_MAX];
    int i = value ? hf_settings_find(s->kind, name) : -1;

    if (i >= 0 && hf_settings_set(s, (size_t)i, value, err, sizeof(err)) < 0) {
        hf_buf msg = {0};
        hf_buf_printf(&msg, "--%s: %s", name, err);
        hf_check_usage_finding(rep, hf_buf_str(&msg));
        hf_buf_free(&msg);
    }
}

/* The check's settings: shared options, then its own --arg list (parsed
 * as its own command line would be). Returns 0, or -1 with an UNKNOWN
 * finding in rep. */
static int hfa_settings(const hfa_opts *o, size_t ki, hf_settings *s, hf_report *rep)
{
    const hf_check_kind *k = hf_check_kinds[ki];
    char *argv[HFA_MAX_EXTRA + 2];
    int argc = 0;
    hfn_args a = {0};
    hf_buf out = {0}, err = {0};
    int r;

    if (hf_settings_init(s, k) < 0) {
        hf_check_oom_finding(rep);
        return -1;
    }
    hfa_share(s, rep, "root", o->root);
    hfa_share(s, rep, "state-dir", o->state_dir);
    hfa_share(s, rep, "ca", o->ca);
    hfa_share(s, rep, strcmp(k->name, "http") == 0 ? "url" : "health-url", o->health_url);
    hfa_share(s, rep, "models-url", o->models_url);
    hfa_share(s, rep, "metrics-url", o->metrics_url);
    if (strcmp(k->name, "http") != 0)       /* http with --model would GET /v1/models */
        hfa_share(s, rep, "model", o->model);
    argv[argc++] = (char *)(uintptr_t)k->name;
    for (size_t i = 0; i < o->nextra; i++)
        if (o->extra[i].check == ki)
            argv[argc++] = (char *)(uintptr_t)o->extra[i].arg;     /* getopt does not write */
    argv[argc] = NULL;
    r = hfn_args_parse(s, argc, argv, &a, &out, &err, NULL, NULL, NULL);
    if (r != 0)
        hf_check_usage_finding(rep, r > 0 ? "--arg: -h/-V are not for one check" : hf_buf_str(&err));
    hf_buf_free(&out);
    hf_buf_free(&err);
    return r == 0 && rep->nf == 0 ? 0 : -1;
}

static size_t hfa_parts(hfa_run *runs, size_t n, hfn_part *parts, bool done_only)
{
    size_t np = 0;

    for (size_t i = 0; i < n; i++)
        if (runs[i].done || !done_only)
            parts[np++] = (hfn_part){runs[i].kind->name, &runs[i].report};
    return np;
}

/* What the alarm prints if -t passes before the next check returns: the
 * finished checks, and UNKNOWN for the rest. */
static void hfa_prerender(const hfa_opts *o, hfa_run *runs, size_t n, hf_buf *b)
{
    hfn_part parts[HFA_MAX_CHECKS];
    hf_report late[HFA_MAX_CHECKS];
    hfn_out_opts oo = {.title = "DEPLOYMENT", .verbose = o->verbose};
    size_t np = 0;

    for (size_t i = 0; i < n; i++) {
        hf_report_init(&late[i]);
        if (runs[i].done) {
            parts[np++] = (hfn_part){runs[i].kind->name, &runs[i].report};
            continue;
        }
        hf_check_out_of_time_finding(&late[i], o->timeout, true);
        parts[np++] = (hfn_part){runs[i].kind->name, &late[i]};
    }
    hf_buf_reset(b);
    hfn_out_render(b, &oo, parts, np);
    for (size_t i = 0; i < n; i++)
        hf_report_free(&late[i]);
}

static void hfa_run_one(const hfa_opts *o, size_t ki, hfa_run *run, double deadline, size_t left)
{
    hf_settings s;
    double now = hf_mono_now(), share = (deadline - now) / (double)left;

    if (share < HFA_MIN_SHARE_S) {
        hf_check_out_of_time_finding(&run->report, o->timeout, false);
        return;
    }
    if (hfa_settings(o, ki, &s, &run->report) == 0) {
        hf_check_ctx ctx = hf_check_ctx_make(hf_settings_double(&s, HF_SET_TIMEOUT), HFA_MARGIN_S,
                                             now + share);
        hf_check_run_once(&s, &ctx, &run->report);
    }
    hf_settings_free(&s);
}

static int hfa_all(const hfa_opts *o)
{
    hfa_run runs[HFA_MAX_CHECKS];
    hfn_part parts[HFA_MAX_CHECKS];
    hf_buf late = {0}, out = {0};
    hfn_out_opts oo = {.title = "DEPLOYMENT", .verbose = o->verbose};
    double deadline = hf_mono_now() + o->timeout - HFA_MARGIN_S;
    size_t n = 0, np;
    char summary[64];
    int code;

    for (size_t i = 0; hf_check_kinds[i] && n < HFA_MAX_CHECKS; i++)
        if (!(o->skip & (1u << i))) {
            runs[n].kind = hf_check_kinds[i];
            runs[n].done = false;
            hf_report_init(&runs[n++].report);
        }
    for (size_t i = 0, ki = 0; i < n; i++, ki++) {
        while (hf_check_kinds[ki] != runs[i].kind)
            ki++;
        hfa_prerender(o, runs, n, &late);
        hfn_alarm_arm(late.s, late.len, o->timeout - (hf_mono_now() - (deadline - o->timeout + HFA_MARGIN_S)));
        hfa_run_one(o, ki, &runs[i], deadline, n - i);
        runs[i].done = true;
    }
    hfn_alarm_arm(NULL, 0, 0);
    snprintf(summary, sizeof(summary), "%zu checks passed", n);
    oo.summary = summary;
    np = hfa_parts(runs, n, parts, false);
    code = hfn_out_render(&out, &oo, parts, np);
    fputs(hf_buf_str(&out), stdout);
    fflush(stdout);
    for (size_t i = 0; i < n; i++)
        hf_report_free(&runs[i].report);
    hf_buf_free(&out);
    hf_buf_free(&late);
    return code;
}

int main(int argc, char **argv)
{
    hfa_opts o;
    int r = hfa_parse(&o, argc, argv);

    if (r != 0)
        return r > 0 ? 0 : 3;
    return hfa_all(&o);
}
