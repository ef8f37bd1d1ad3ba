/* check_helixflow_service: are the HelixFlow services running (exact
 * identity), did one restart since the last run. argv -> hf_process_probe ->
 * findings and perfdata. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hf_defaults.h"
#include "hf_process.h"
#include "modes.h"

#define HFM_SERVICE_STATE_FILE "service.state"

enum {
    HFM_SERVICE_OPT_SERVICE = HFN_MODE_OPT,
    HFM_SERVICE_OPT_EXE,
    HFM_SERVICE_OPT_PIDFILE,
    HFM_SERVICE_OPT_PROC,
    HFM_SERVICE_OPT_CGROUP,
    HFM_SERVICE_OPT_NO_CGROUP,
};

/* A NAME=PATH option, applied to its service in validate. */
typedef struct hfm_service_pair {
    const char *name;           /* borrowed from argv, cut at '=' into namebuf */
    char namebuf[HF_PROCESS_NAME_MAX];
    const char *path;
} hfm_service_pair;

typedef struct hfm_service_opts {
    hf_process_service_cfg svc[HF_PROCESS_MAX_SERVICES];
    size_t nsvc;
    bool custom;                /* --service given: the defaults are replaced */
    hfm_service_pair exe[HF_PROCESS_MAX_SERVICES], pidfile[HF_PROCESS_MAX_SERVICES];
    size_t nexe, npidfile;
    const char *proc;
    const char *cgroup_root;
    bool no_cgroup;
} hfm_service_opts;

static const char *const hfm_service_defaults_list[] = {HF_DEFAULT_SERVICES};

static void hfm_service_defaults(void *o)
{
    hfm_service_opts *opts = o;

    memset(opts, 0, sizeof(*opts));
    for (size_t i = 0; i < HF_ARRAY_SIZE(hfm_service_defaults_list); i++)
        opts->svc[opts->nsvc++].name = hfm_service_defaults_list[i];
}

static int hfm_service_pair_arg(hfn *p, const char *opt, const char *arg, hfm_service_pair *v, size_t *n)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : 0;

    if (!eq || len == 0 || len >= HF_PROCESS_NAME_MAX || eq[1] != '/')
        return hfn_bad_usage(p, "%s: '%s' is not NAME=/absolute/path", opt, arg);
    if (*n >= HF_PROCESS_MAX_SERVICES)
        return hfn_bad_usage(p, "%s: more than %d given", opt, HF_PROCESS_MAX_SERVICES);
    memcpy(v[*n].namebuf, arg, len);
    v[*n].namebuf[len] = '\0';
    v[*n].name = v[*n].namebuf;
    v[*n].path = eq + 1;
    (*n)++;
    return 0;
}

static int hfm_service_option(hfn *p, void *o, int opt, const char *arg)
{
    hfm_service_opts *opts = o;

    switch (opt) {
    case HFM_SERVICE_OPT_SERVICE:
        if (!opts->custom) {
            opts->custom = true;
            opts->nsvc = 0;
        }
        for (size_t i = 0; i < opts->nsvc; i++)
            if (strcmp(opts->svc[i].name, arg) == 0)
                return hfn_bad_usage(p, "--service: '%s' given twice", arg);
        if (opts->nsvc >= HF_PROCESS_MAX_SERVICES)
            return hfn_bad_usage(p, "--service: more than %d services", HF_PROCESS_MAX_SERVICES);
        memset(&opts->svc[opts->nsvc], 0, sizeof(opts->svc[0]));
        opts->svc[opts->nsvc++].name = arg;
        return 0;
    case HFM_SERVICE_OPT_EXE:
        return hfm_service_pair_arg(p, "--exe", arg, opts->exe, &opts->nexe);
    case HFM_SERVICE_OPT_PIDFILE:
        return hfm_service_pair_arg(p, "--pidfile", arg, opts->pidfile, &opts->npidfile);
    case HFM_SERVICE_OPT_PROC:
        if (!*arg)
            return hfn_bad_usage(p, "--proc: empty directory");
        opts->proc = arg;
        return 0;
    case HFM_SERVICE_OPT_CGROUP:
        if (!*arg)
            return hfn_bad_usage(p, "--cgroup-root: empty directory");
        opts->cgroup_root = arg;
        return 0;
    case HFM_SERVICE_OPT_NO_CGROUP:
        opts->no_cgroup = true;
        return 0;
    default:
        return hfn_bad_usage(p, "unknown option");
    }
}

static hf_process_service_cfg *hfm_service_find(hfm_service_opts *opts, const char *name)
{
    for (size_t i = 0; i < opts->nsvc; i++)
        if (strcmp(opts->svc[i].name, name) == 0)
            return &opts->svc[i];
    return NULL;
}

static int hfm_service_validate(hfn *p, void *o)
{
    hfm_service_opts *opts = o;

    for (size_t i = 0; i < opts->nsvc; i++) {
        const char *s = opts->svc[i].name;
        if (!*s || strlen(s) >= HF_PROCESS_NAME_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz"
                                                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(s))
            return hfn_bad_usage(p, "--service: '%s' is not a service name (letters, digits, '.', '_', '-')", s);
    }
    for (size_t i = 0; i < opts->nexe; i++) {
        hf_process_service_cfg *s = hfm_service_find(opts, opts->exe[i].name);
        if (!s)
            return hfn_bad_usage(p, "--exe: '%s' is not a checked service", opts->exe[i].name);
        s->exe = opts->exe[i].path;
    }
    for (size_t i = 0; i < opts->npidfile; i++) {
        hf_process_service_cfg *s = hfm_service_find(opts, opts->pidfile[i].name);
        if (!s)
            return hfn_bad_usage(p, "--pidfile: '%s' is not a checked service", opts->pidfile[i].name);
        s->pidfile = opts->pidfile[i].path;
    }
    return 0;
}

/* The default critical range "1:" (fewer than one process) unless -c was given. */
static const hf_range *hfm_service_crit(const hfn *p, hf_range *dflt)
{
    if (p->crit.set)
        return &p->crit;
    hf_range_parse("1:", dflt, NULL, 0);
    return dflt;
}

static void hfm_service_report(hfn *p, const hf_process_service *s, const hf_range *crit)
{
    hf_state st = hf_range_eval(&p->warn, crit, (double)s->count);

    if (st != HF_OK && s->count == 0)
        hfn_add(p, st, "%s down (0 processes)", s->name);
    else if (st != HF_OK)
        hfn_add(p, st, "%s: %ld process%s (%s range %s)", s->name, s->count, s->count == 1 ? "" : "es",
                st == HF_CRITICAL ? "critical" : "warning", st == HF_CRITICAL ? crit->text : p->warn.text);
    else if (s->count > 0)
        hfn_add(p, HF_OK, "%s: %ld process%s, main pid %d, up %.0f s (%s)", s->name, s->count,
                s->count == 1 ? "" : "es", (int)s->main_pid, floor(s->uptime_s), hf_process_source_name(s->source));
    else
        hfn_add(p, HF_OK, "%s: 0 processes", s->name);
    if (s->restarted)
        hfn_add(p, HF_WARNING, "%s restarted: main pid %d -> %d", s->name, (int)s->prev_main_pid,
                (int)s->main_pid);
    if (s->exe_deleted)
        hfn_add(p, HF_WARNING, "%s runs a deleted executable %s (replaced without a restart)", s->name, s->exe);
    if (s->note[0])
        hfn_add(p, HF_WARNING, "%s: %s", s->name, s->note);
}

static void hfm_service_perf(hfn *p, const hf_process_service *s, const hf_range *crit)
{
    char label[HF_PROCESS_NAME_MAX + 16];

    hfn_perf(p, s->name, (double)s->count, "", &p->warn, crit, 0, NAN);
    snprintf(label, sizeof(label), "%s_rss", s->name);
    hfn_perf(p, label, (double)s->rss_bytes, "B", NULL, NULL, 0, NAN);
    snprintf(label, sizeof(label), "%s_cpu", s->name);
    hfn_perf(p, label, s->cpu_seconds, "c", NULL, NULL, NAN, NAN);
    snprintf(label, sizeof(label), "%s_threads", s->name);
    hfn_perf(p, label, (double)s->threads, "", NULL, NULL, 0, NAN);
    snprintf(label, sizeof(label), "%s_fds", s->name);
    hfn_perf(p, label, s->fds < 0 ? NAN : (double)s->fds, "", NULL, NULL, 0, NAN);
    snprintf(label, sizeof(label), "%s_uptime", s->name);
    if (s->count > 0 && !isnan(s->uptime_s))
        hfn_perf(p, label, floor(s->uptime_s), "s", NULL, NULL, 0, NAN);
    else
        hfn_perf(p, label, NAN, "", NULL, NULL, 0, NAN);   /* "U", no unit */
}

/* The restart memory file; NULL (with a finding) when it cannot be used. */
static bool hfm_service_state(hfn *p, char *path, size_t n, hf_process_memory *mem)
{
    char err[HF_ERR_MAX];
    int r = hfn_state_path(p, path, n, HFM_SERVICE_STATE_FILE);

    if (r < 0) {
        hfn_add(p, HF_WARNING, "state directory: %s (restart detection off)", strerror(-r));
        return false;
    }
    if (hf_process_memory_load(mem, path, err, sizeof(err)) < 0) {
        hfn_add(p, HF_WARNING, "%s (restart memory reset)", err);
        hf_process_memory_free(mem);
    }
    return true;
}

static void hfm_service_run(hfn *p, const void *o)
{
    const hfm_service_opts *opts = o;
    hf_process_cfg cfg = {
        .root = p->root, .proc_dir = opts->proc, .cgroup_mount = opts->cgroup_root,
        .no_cgroup = opts->no_cgroup, .timeout_ms = hfn_time_left_ms(p),
        .services = opts->svc, .nservices = opts->nsvc,
    };
    hf_process_memory mem = {0};
    hf_process_result res;
    hf_range dflt;
    const hf_range *crit = hfm_service_crit(p, &dflt);
    char path[HF_PATH_MAX], err[HF_ERR_MAX];
    bool have_state = hfm_service_state(p, path, sizeof(path), &mem);
    size_t up = 0;

    if (hf_process_probe(&cfg, have_state ? &mem : NULL, &res) < 0) {
        hfn_add(p, HF_UNKNOWN, "cannot probe processes: %s", res.error);
    } else {
        for (size_t i = 0; i < res.nservices; i++) {
            hfm_service_report(p, &res.services[i], crit);
            hfm_service_perf(p, &res.services[i], crit);
            up += res.services[i].count > 0;
        }
        hfn_summary(p, "%zu of %zu services running", up, res.nservices);
        if (have_state && hf_process_memory_save(&mem, path, err, sizeof(err)) < 0)
            hfn_add(p, HF_WARNING, "%s (restart detection off)", err);
    }
    hf_process_result_free(&res);
    hf_process_memory_free(&mem);
}

static const struct option hfm_service_longopts[] = {
    {"service", required_argument, NULL, HFM_SERVICE_OPT_SERVICE},
    {"exe", required_argument, NULL, HFM_SERVICE_OPT_EXE},
    {"pidfile", required_argument, NULL, HFM_SERVICE_OPT_PIDFILE},
    {"proc", required_argument, NULL, HFM_SERVICE_OPT_PROC},
    {"cgroup-root", required_argument, NULL, HFM_SERVICE_OPT_CGROUP},
    {"no-cgroup", no_argument, NULL, HFM_SERVICE_OPT_NO_CGROUP},
    {0},
};

const hfn_mode hfm_service = {
    .name = "service",
    .title = "SERVICE",
    .usage = "[-w RANGE] [-c RANGE] [--service NAME]... [--exe NAME=PATH]... [--pidfile NAME=PATH]... "
             "[--proc DIR] [--cgroup-root DIR] [--no-cgroup] [--root DIR] [--state-dir DIR] [-t SECONDS]",
    .help = "Checks that each HelixFlow service runs its own executable (exact path, never a\n"
            "name match) and reports a main-pid change since the last run as a restart.\n"
            "-w/-c apply to each service's process count (default -c 1: = CRITICAL below 1).\n"
            "  --service NAME         a service to check (repeatable; default api-gateway,\n"
            "                         api-gateway-grpc, auth-service, inference-pool, monitoring)\n"
            "  --exe NAME=PATH        the service's executable (default <root>/opt/helixflow/bin/NAME)\n"
            "  --pidfile NAME=PATH    the service's pidfile: names the main pid (validated)\n"
            "  --proc DIR             the proc filesystem (default /proc; not moved by --root)\n"
            "  --cgroup-root DIR      the cgroup mount holding helixflow-NAME.service units\n"
            "                         (default /sys/fs/cgroup; not moved by --root)\n"
            "  --no-cgroup            identify by executable only, ignore systemd unit cgroups\n",
    .opts_size = sizeof(hfm_service_opts),
    .defaults = hfm_service_defaults,
    .option = hfm_service_option,
    .longopts = hfm_service_longopts,
    .shortopts = "",
    .validate = hfm_service_validate,
    .run = hfm_service_run,
};
