/* check_helixflow_resources: disk, inodes, memory, load and CPU of the host
 * the deployment runs on. argv -> hf_resources_probe -> findings and perfdata.
 *
 * CPU busy % needs two samples: the previous run's (kept in the state
 * directory) or, on the first run, a second sample taken 200 ms later. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hf_defaults.h"
#include "hf_resources.h"
#include "modes.h"

#define HFM_RESOURCES_STATE_FILE "resources.state"
#define HFM_RESOURCES_SAMPLE_NS 200000000L

enum {
    HFM_RESOURCES_OPT_PATH = HFN_MODE_OPT,
    HFM_RESOURCES_OPT_PROC,
    HFM_RESOURCES_OPT_THR,      /* + index into hfm_resources_thr_names */
};

enum { HFM_DISK, HFM_INODE, HFM_MEM, HFM_LOAD, HFM_CPU, HFM_NMETRICS };

static const char *const hfm_resources_thr_names[] = {"disk", "inode", "mem", "load", "cpu"};
/* defaults: warning, critical ("N" = alert above N) */
static const char *const hfm_resources_thr_defaults[HFM_NMETRICS][2] = {
    {"80", "90"}, {"80", "90"}, {"90", "95"}, {"2", "4"}, {"80", "95"},
};

typedef struct hfm_resources_opts {
    const char *path;
    const char *proc;
    hf_range warn[HFM_NMETRICS], crit[HFM_NMETRICS];
} hfm_resources_opts;

static void hfm_resources_defaults(void *o)
{
    hfm_resources_opts *opts = o;

    memset(opts, 0, sizeof(*opts));
    for (int i = 0; i < HFM_NMETRICS; i++) {
        hf_range_parse(hfm_resources_thr_defaults[i][0], &opts->warn[i], NULL, 0);
        hf_range_parse(hfm_resources_thr_defaults[i][1], &opts->crit[i], NULL, 0);
    }
}

static int hfm_resources_option(hfn *p, void *o, int opt, const char *arg)
{
    hfm_resources_opts *opts = o;
    char name[32];
    int k = opt - HFM_RESOURCES_OPT_THR;

    switch (opt) {
    case HFM_RESOURCES_OPT_PATH:
        if (arg[0] != '/')
            return hfn_bad_usage(p, "--path: '%s' is not an absolute path", arg);
        opts->path = arg;
        return 0;
    case HFM_RESOURCES_OPT_PROC:
        if (!*arg)
            return hfn_bad_usage(p, "--proc: empty directory");
        opts->proc = arg;
        return 0;
    default:
        if (k < 0 || k >= 2 * HFM_NMETRICS)
            return hfn_bad_usage(p, "unknown option");
        snprintf(name, sizeof(name), "--%s-%s", hfm_resources_thr_names[k / 2],
                 k % 2 ? "critical" : "warning");
        return hfn_range_arg(p, name, arg, k % 2 ? &opts->crit[k / 2] : &opts->warn[k / 2]);
    }
}

static int hfm_resources_validate(hfn *p, void *o)
{
    (void)o;
    if (p->warn.set || p->crit.set)
        return hfn_bad_usage(p, "-w/-c are not used here: use --disk-warning, --mem-critical etc.");
    return 0;
}

/* "> 90" for a plain upper bound, else "outside R" / "inside R". */
static const char *hfm_resources_thr(const hf_range *r, char *buf, size_t n)
{
    if (!r->inside && !r->start_neg_inf && !r->end_inf && r->start == 0)
        snprintf(buf, n, "> %s", r->text);
    else
        snprintf(buf, n, "%s %s", r->inside ? "inside" : "outside", r->text);
    return buf;
}

static double hfm_resources_round2(double v)
{
    return isnan(v) ? v : round(v * 100.0) / 100.0;
}

/* Evaluate one metric; a finding for a problem (or with -v), the summary part. */
static void hfm_resources_eval(hfn *p, const hfm_resources_opts *opts, int m, double v,
                               const char *what)
{
    hf_state st;
    char thr[96];

    if (isnan(v)) {
        hfn_add(p, HF_OK, "%s unknown", what);
        return;
    }
    st = hf_range_eval(&opts->warn[m], &opts->crit[m], v);
    if (st == HF_OK)
        hfn_add(p, HF_OK, "%s", what);
    else
        hfn_add(p, st, "%s (%s %s)", what, st == HF_CRITICAL ? "critical" : "warning",
                hfm_resources_thr(st == HF_CRITICAL ? &opts->crit[m] : &opts->warn[m], thr, sizeof(thr)));
}

static void hfm_resources_report(hfn *p, const hfm_resources_opts *o, const hf_resources_result *r)
{
    char t[HF_PATH_MAX + 64];

    snprintf(t, sizeof(t), "disk %.1f%% used on %s", r->fs_used_pct, r->fs_path);
    hfm_resources_eval(p, o, HFM_DISK, r->fs_used_pct, t);
    snprintf(t, sizeof(t), "inodes %.1f%% used on %s", r->inodes_used_pct, r->fs_path);
    hfm_resources_eval(p, o, HFM_INODE, r->inodes_used_pct, t);
    snprintf(t, sizeof(t), "memory %.1f%% used", r->mem_used_pct);
    hfm_resources_eval(p, o, HFM_MEM, r->mem_used_pct, t);
    snprintf(t, sizeof(t), "load %.2f per core (%.2f on %ld CPUs)", r->load1_per_core, r->load1, r->ncpu);
    hfm_resources_eval(p, o, HFM_LOAD, r->load1_per_core, t);
    snprintf(t, sizeof(t), "cpu %.1f%% busy", r->cpu_busy_pct);
    hfm_resources_eval(p, o, HFM_CPU, r->cpu_busy_pct, isnan(r->cpu_busy_pct) ? "cpu" : t);
    hfn_summary(p, "disk %.1f%%", r->fs_used_pct);
    if (isnan(r->inodes_used_pct))
        hfn_summary(p, "inodes unknown");
    else
        hfn_summary(p, "inodes %.1f%%", r->inodes_used_pct);
    hfn_summary(p, "memory %.1f%%, load %.2f/core", r->mem_used_pct, r->load1_per_core);
    if (isnan(r->cpu_busy_pct))
        hfn_summary(p, "cpu unknown");
    else
        hfn_summary(p, "cpu %.1f%%", r->cpu_busy_pct);
}

static void hfm_resources_perf(hfn *p, const hfm_resources_opts *o, const hf_resources_result *r)
{
    hfn_perf(p, "disk_used_pct", hfm_resources_round2(r->fs_used_pct), "%", &o->warn[HFM_DISK],
             &o->crit[HFM_DISK], 0, 100);
    hfn_perf(p, "disk_used", (double)r->fs_used, "B", NULL, NULL, 0, (double)r->fs_total);
    hfn_perf(p, "inodes_used_pct", hfm_resources_round2(r->inodes_used_pct), r->inodes_known ? "%" : "",
             &o->warn[HFM_INODE], &o->crit[HFM_INODE], 0, 100);
    hfn_perf(p, "mem_used_pct", hfm_resources_round2(r->mem_used_pct), "%", &o->warn[HFM_MEM],
             &o->crit[HFM_MEM], 0, 100);
    hfn_perf(p, "mem_used", (double)r->mem_used, "B", NULL, NULL, 0, (double)r->mem_total);
    hfn_perf(p, "swap_used", (double)r->swap_used, "B", NULL, NULL, 0, (double)r->swap_total);
    hfn_perf(p, "load1", r->load1, "", NULL, NULL, 0, NAN);
    hfn_perf(p, "load5", r->load5, "", NULL, NULL, 0, NAN);
    hfn_perf(p, "load15", r->load15, "", NULL, NULL, 0, NAN);
    hfn_perf(p, "load1_per_core", hfm_resources_round2(r->load1_per_core), "", &o->warn[HFM_LOAD],
             &o->crit[HFM_LOAD], 0, NAN);
    hfn_perf(p, "cpu_busy_pct", hfm_resources_round2(r->cpu_busy_pct), isnan(r->cpu_busy_pct) ? "" : "%",
             &o->warn[HFM_CPU], &o->crit[HFM_CPU], 0, 100);
}

static void hfm_resources_run(hfn *p, const void *o)
{
    const hfm_resources_opts *opts = o;
    hf_resources_cfg cfg = {.root = p->root, .path = opts->path, .proc_dir = opts->proc};
    hf_resources_memory mem = {0};
    hf_resources_result res;
    char state[HF_PATH_MAX], err[HF_ERR_MAX];
    bool have_state = hfn_state_path(p, state, sizeof(state), HFM_RESOURCES_STATE_FILE) == 0;
    int rc;

    if (have_state && hf_resources_memory_load(&mem, state, err, sizeof(err)) < 0)
        hfn_add(p, HF_OK, "%s (ignored)", err);
    rc = hf_resources_probe(&cfg, &mem, &res);
    if (rc == 0 && isnan(res.cpu_busy_pct)) {
        /* no usable previous sample: a second one 200 ms later */
        struct timespec ts = {0, HFM_RESOURCES_SAMPLE_NS};
        nanosleep(&ts, NULL);
        rc = hf_resources_probe(&cfg, &mem, &res);
    }
    if (rc < 0) {
        hfn_add(p, HF_UNKNOWN, "cannot read resources: %s", res.error);
        return;
    }
    hfm_resources_report(p, opts, &res);
    hfm_resources_perf(p, opts, &res);
    if (have_state && hf_resources_memory_save(&mem, state, err, sizeof(err)) < 0)
        hfn_add(p, HF_OK, "%s (cpu sampled over 200 ms next time)", err);
}

#define HFM_RESOURCES_THR_OPTS(name, k) \
    {name "-warning", required_argument, NULL, HFM_RESOURCES_OPT_THR + 2 * (k)}, \
    {name "-critical", required_argument, NULL, HFM_RESOURCES_OPT_THR + 2 * (k) + 1}

static const struct option hfm_resources_longopts[] = {
    {"path", required_argument, NULL, HFM_RESOURCES_OPT_PATH},
    {"proc", required_argument, NULL, HFM_RESOURCES_OPT_PROC},
    HFM_RESOURCES_THR_OPTS("disk", HFM_DISK),
    HFM_RESOURCES_THR_OPTS("inode", HFM_INODE),
    HFM_RESOURCES_THR_OPTS("mem", HFM_MEM),
    HFM_RESOURCES_THR_OPTS("load", HFM_LOAD),
    HFM_RESOURCES_THR_OPTS("cpu", HFM_CPU),
    {0},
};

const hfn_mode hfm_resources = {
    .name = "resources",
    .title = "RESOURCES",
    .usage = "[--disk-warning R] [--disk-critical R] [--inode-warning R] [--inode-critical R] "
             "[--mem-warning R] [--mem-critical R] [--load-warning R] [--load-critical R] "
             "[--cpu-warning R] [--cpu-critical R] [--path DIR] [--proc DIR] [--root DIR] "
             "[--state-dir DIR] [-t SECONDS]",
    .help = "Checks the host the deployment runs on. Thresholds are ranges; a plain number N\n"
            "means \"alert above N\" (0..N is fine). -w/-c are not used by this check.\n"
            "  --disk-warning/--disk-critical R    % of the filesystem used (default 80/90)\n"
            "  --inode-warning/--inode-critical R  % of inodes used (default 80/90)\n"
            "  --mem-warning/--mem-critical R      % of memory used, (MemTotal-MemAvailable)/MemTotal\n"
            "                                      (default 90/95)\n"
            "  --load-warning/--load-critical R    1-minute load per online CPU (default 2/4)\n"
            "  --cpu-warning/--cpu-critical R      % CPU busy since the last run, or over 200 ms on\n"
            "                                      the first run (default 80/95)\n"
            "  --path DIR             the filesystem to check (default <root>/opt/helixflow, or its\n"
            "                         nearest existing parent)\n"
            "  --proc DIR             the proc filesystem (default /proc; not moved by --root)\n",
    .opts_size = sizeof(hfm_resources_opts),
    .defaults = hfm_resources_defaults,
    .option = hfm_resources_option,
    .longopts = hfm_resources_longopts,
    .shortopts = "",
    .validate = hfm_resources_validate,
    .run = hfm_resources_run,
};
