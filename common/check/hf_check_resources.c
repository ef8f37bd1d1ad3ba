/* The resources check: disk, inodes, memory, load and CPU of the host the
 * deployment runs on (hf_resources_probe). Every threshold is a range per
 * resource (a plain N alerts above N); the check takes no -w/-c.
 *
 * Findings (object = the resource; each added with its state, OK too):
 *   resources.disk    disk % used of the deployment's filesystem
 *                     (WARNING above 80, CRITICAL above 90)
 *   resources.inodes  inode % used there (80 / 90; OK "unknown" when the
 *                     filesystem has no inode limit)
 *   resources.memory  memory % used, (MemTotal - MemAvailable) / MemTotal (90 / 95)
 *   resources.load    1-minute load per online CPU (2 / 4)
 *   resources.cpu     CPU busy % since the last evaluation, or over 200 ms
 *                     on the first (80 / 95; OK "unknown" without two samples)
 *   resources.probe   UNKNOWN: a proc file or the path could not be read
 * Metrics: disk_used_pct %, disk_used B, inodes_used_pct %, mem_used_pct %,
 * mem_used B, swap_used B, load1, load5, load15, load1_per_core,
 * cpu_busy_pct % (percentages rounded to two decimals; ranges on the judged ones).
 * Summary: "disk 41.2%, inodes 3.0%, memory 75.0%, load 0.10/core, cpu 60.0%".
 * State: the previous CPU sample (hf_resources_memory; a sealed file). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "hf_resources.h"

#define RES_SAMPLE_MS 200           /* the second CPU sample of a first run */

/* The judged resources, in the settings table's order. */
enum { RES_DISK, RES_INODE, RES_MEM, RES_LOAD, RES_CPU, RES_NJUDGED };

enum {
    RES_THR0 = HF_SET_KIND0,        /* warning, critical per judged resource */
    RES_PATH = RES_THR0 + 2 * RES_NJUDGED,
    RES_PROC,
};

#define RES_THR(name, what, w, c) \
    {name "-warning", HF_SET_RANGE, w, 0, 0, 0, "R", "warning range of " what, NULL}, \
    {name "-critical", HF_SET_RANGE, c, 0, 0, 0, "R", "critical range of " what, NULL}

static const hf_setting_def res_defs[] = {
    RES_THR("disk", "the % of the filesystem used", HF_THR_DISK_WARN, HF_THR_DISK_CRIT),
    RES_THR("inode", "the % of inodes used", HF_THR_INODE_WARN, HF_THR_INODE_CRIT),
    RES_THR("mem", "the % of memory used, (MemTotal-MemAvailable)/MemTotal", HF_THR_MEM_WARN,
            HF_THR_MEM_CRIT),
    RES_THR("load", "the 1-minute load per online CPU", HF_THR_LOAD_WARN, HF_THR_LOAD_CRIT),
    RES_THR("cpu", "the % CPU busy since the last run (over 200 ms on the first)", HF_THR_CPU_WARN,
            HF_THR_CPU_CRIT),
    {"path", HF_SET_PATH, HF_DEFAULT_DEPLOY_DIR, 0, 0, HF_SETF_IDENTITY, "DIR",
     "the filesystem to check (its nearest existing parent when missing)", NULL},
    {"proc", HF_SET_STRING, HF_DEFAULT_PROC, 0, 0, HF_SETF_IDENTITY, "DIR",
     "the proc filesystem (not moved by root)", NULL},
};

static const char *const res_object[RES_NJUDGED] = {"disk", "inodes", "memory", "load", "cpu"};
static const char *const res_code[RES_NJUDGED] = {
    "resources.disk", "resources.inodes", "resources.memory", "resources.load", "resources.cpu",
};

static int res_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    const char *path = hf_settings_str(s, RES_PATH);

    if (hf_settings_given(s, RES_PATH) && path[0] != '/') {
        *bad = RES_PATH;
        hf_err_set(err, n, "'%s' is not an absolute path", path);
        return -EINVAL;
    }
    *bad = -1;
    return 0;
}

static const hf_range *res_warn(const hf_settings *s, int m)
{
    return hf_settings_range(s, (size_t)(RES_THR0 + 2 * m));
}

static const hf_range *res_crit(const hf_settings *s, int m)
{
    return hf_settings_range(s, (size_t)(RES_THR0 + 2 * m + 1));
}

/* "> 90" for a plain upper bound, else "outside R" / "inside R". */
static void res_thr_text(hf_buf *b, const hf_range *r)
{
    if (!r->inside && !r->start_neg_inf && !r->end_inf && r->start == 0)
        hf_buf_printf(b, "> %s", r->text);
    else
        hf_buf_printf(b, "%s %s", r->inside ? "inside" : "outside", r->text);
}

/* Judge resource m at value v (NAN: unknown, OK); the text is fmt, and for a
 * problem the threshold it crossed. */
static void res_finding(hf_report *out, const hf_settings *s, int m, double v, const char *fmt, ...)
    HF_PRINTF(5, 6);

static void res_finding(hf_report *out, const hf_settings *s, int m, double v, const char *fmt, ...)
{
    hf_state st = isnan(v) ? HF_OK : hf_range_eval(res_warn(s, m), res_crit(s, m), v);
    hf_buf b = {0};
    va_list ap;

    va_start(ap, fmt);
    hf_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (st != HF_OK) {
        hf_buf_printf(&b, " (%s ", st == HF_CRITICAL ? "critical" : "warning");
        res_thr_text(&b, st == HF_CRITICAL ? res_crit(s, m) : res_warn(s, m));
        hf_buf_append(&b, ")", 1);
    }
    hf_report_add(out, st, res_object[m], res_code[m], "%s", hf_buf_str(&b));
    hf_buf_free(&b);
}

static void res_findings(hf_report *out, const hf_settings *s, const hf_resources_result *r)
{
    res_finding(out, s, RES_DISK, r->fs_used_pct, "disk %.1f%% used on %s", r->fs_used_pct, r->fs_path);
    if (isnan(r->inodes_used_pct))
        res_finding(out, s, RES_INODE, NAN, "inodes unknown on %s", r->fs_path);
    else
        res_finding(out, s, RES_INODE, r->inodes_used_pct, "inodes %.1f%% used on %s",
                    r->inodes_used_pct, r->fs_path);
    res_finding(out, s, RES_MEM, r->mem_used_pct, "memory %.1f%% used", r->mem_used_pct);
    res_finding(out, s, RES_LOAD, r->load1_per_core, "load %.2f per core (%.2f on %ld CPUs)",
                r->load1_per_core, r->load1, r->ncpu);
    if (isnan(r->cpu_busy_pct))
        res_finding(out, s, RES_CPU, NAN, "cpu unknown");
    else
        res_finding(out, s, RES_CPU, r->cpu_busy_pct, "cpu %.1f%% busy", r->cpu_busy_pct);
}

static void res_summary(hf_report *out, const hf_resources_result *r)
{
    hf_report_summary(out, "disk %.1f%%", r->fs_used_pct);
    if (isnan(r->inodes_used_pct))
        hf_report_summary(out, "inodes unknown");
    else
        hf_report_summary(out, "inodes %.1f%%", r->inodes_used_pct);
    hf_report_summary(out, "memory %.1f%%, load %.2f/core", r->mem_used_pct, r->load1_per_core);
    if (isnan(r->cpu_busy_pct))
        hf_report_summary(out, "cpu unknown");
    else
        hf_report_summary(out, "cpu %.1f%%", r->cpu_busy_pct);
}

static double res_round2(double v)
{
    return isnan(v) ? v : round(v * 100.0) / 100.0;
}

/* A judged percentage or ratio: rounded, with its resource's ranges. */
static void res_judged(hf_report *out, const hf_settings *s, int m, const char *label,
                       const char *name, double v, const char *unit, double max)
{
    hf_report_metric(out, label, res_object[m], name, res_round2(v), unit, res_warn(s, m),
                     res_crit(s, m), 0, max);
}

static void res_metrics(hf_report *out, const hf_settings *s, const hf_resources_result *r)
{
    res_judged(out, s, RES_DISK, "disk_used_pct", "used_pct", r->fs_used_pct, "%", 100);
    hf_report_metric(out, "disk_used", "disk", "used", (double)r->fs_used, "B", NULL, NULL, 0,
                     (double)r->fs_total);
    res_judged(out, s, RES_INODE, "inodes_used_pct", "used_pct", r->inodes_used_pct, "%", 100);
    res_judged(out, s, RES_MEM, "mem_used_pct", "used_pct", r->mem_used_pct, "%", 100);
    hf_report_metric(out, "mem_used", "memory", "used", (double)r->mem_used, "B", NULL, NULL, 0,
                     (double)r->mem_total);
    hf_report_metric(out, "swap_used", "swap", "used", (double)r->swap_used, "B", NULL, NULL, 0,
                     (double)r->swap_total);
    hf_report_metric(out, "load1", "load", "load1", r->load1, "", NULL, NULL, 0, NAN);
    hf_report_metric(out, "load5", "load", "load5", r->load5, "", NULL, NULL, 0, NAN);
    hf_report_metric(out, "load15", "load", "load15", r->load15, "", NULL, NULL, 0, NAN);
    res_judged(out, s, RES_LOAD, "load1_per_core", "load1_per_core", r->load1_per_core, "", NAN);
    res_judged(out, s, RES_CPU, "cpu_busy_pct", "busy_pct", r->cpu_busy_pct, "%", 100);
}

void hf_check_resources_judge(const hf_settings *s, const hf_resources_result *res, hf_report *out)
{
    if (res->error[0]) {
        hf_report_add(out, HF_UNKNOWN, "", "resources.probe", "cannot read resources: %s", res->error);
        return;
    }
    res_findings(out, s, res);
    res_summary(out, res);
    res_metrics(out, s, res);
}

/* Probe; without a usable previous CPU sample, a second one RES_SAMPLE_MS
 * later when the time left allows. */
static void res_probe(const hf_resources_cfg *cfg, hf_resources_memory *mem, const hf_check_ctx *ctx,
                      hf_resources_result *res)
{
    struct timespec ts = {0, RES_SAMPLE_MS * 1000000L};
    int rc = hf_resources_probe(cfg, mem, res);

    if (rc == 0 && isnan(res->cpu_busy_pct) && hf_check_ms_left(ctx) > 2 * RES_SAMPLE_MS) {
        nanosleep(&ts, NULL);
        rc = hf_resources_probe(cfg, mem, res);
    }
    if (rc < 0 && !res->error[0])
        hf_err_set(res->error, sizeof(res->error), "%s", strerror(-rc));
}

static void res_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    char path[HF_PATH_MAX];
    hf_resources_memory local = {0};
    hf_resources_cfg cfg = {
        .root = hf_settings_str(s, HF_SET_ROOT), .path = path, .proc_dir = hf_settings_str(s, RES_PROC),
    };
    hf_resources_result *res = malloc(sizeof(*res));

    if (!res) {
        hf_report_add(out, HF_UNKNOWN, "", "check.oom", "out of memory");
        return;
    }
    if (hf_settings_path(s, RES_PATH, path, sizeof(path)) < 0) {
        memset(res, 0, sizeof(*res));
        hf_err_set(res->error, sizeof(res->error), "deployment path too long");
    } else {
        res_probe(&cfg, st ? st : &local, ctx, res);
    }
    hf_check_resources_judge(s, res, out);
    free(res);
}

static void *res_state_new(void)
{
    return calloc(1, sizeof(hf_resources_memory));
}

static void res_state_free(void *st)
{
    free(st);
}

static int res_state_load(void *st, const char *path, char *err, size_t n)
{
    int r;

    if (access(path, F_OK) < 0 && errno == ENOENT)
        return -ENOENT;
    r = hf_resources_memory_load(st, path, err, n);
    if (r < 0)
        memset(st, 0, sizeof(hf_resources_memory));
    return r;
}

static int res_state_save(void *st, const char *path, char *err, size_t n)
{
    return hf_resources_memory_save(st, path, err, n);
}

const hf_check_kind hf_check_resources = {
    .name = "resources",
    .title = "RESOURCES",
    .doc = "Checks the host the deployment runs on: disk and inodes of its filesystem, memory,\n"
           "load and CPU. Thresholds are ranges per resource; a plain number N means \"alert\n"
           "above N\" (0..N is fine). -w/-c are not used by this check.",
    .defs = res_defs,
    .ndefs = HF_ARRAY_SIZE(res_defs),
    .validate = res_validate,
    .state_new = res_state_new,
    .state_free = res_state_free,
    .state_load = res_state_load,
    .state_save = res_state_save,
    .eval = res_eval,
};
