/* The service check: is each HelixFlow service running its own executable
 * (exact identity), did its main pid change since the last evaluation.
 *
 * Findings (object = the service name):
 *   service.down        CRITICAL by default: no process (critical range 1:)
 *   service.count       the process count outside -w/-c
 *   service.up          OK: count, main pid, uptime, source
 *   service.restarted   WARNING: the main pid changed between two runs that both
 *                       saw it up (restart memory); a return after an outage
 *                       a run saw is a recovery (OK), counted in restarts
 *   service.exe_deleted WARNING: the executable was replaced without a restart
 *   service.note        WARNING: a stale pidfile and the like
 *   service.probe       UNKNOWN: /proc could not be read
 * Metrics per service: <name> (count), _rss B, _cpu c, _threads, _fds, _uptime s.
 * Summary: "N of M services running"; a service matched by argv[0] only
 * (an unprivileged caller cannot read /proc/<pid>/exe of root's processes)
 * is named in it, with the exact sources that lift that. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "hf_process.h"

enum {
    SVC_SERVICE = HF_SET_KIND0,
    SVC_EXE,
    SVC_PIDFILE,
    SVC_PROC,
    SVC_CGROUP_ROOT,
    SVC_NO_CGROUP,
    SVC_WARNING,
    SVC_CRITICAL,
};

static const hf_setting_def svc_defs[] = {
    {"service", HF_SET_LIST, HF_DEFAULT_SERVICE_LIST, 0, 0, HF_SETF_IDENTITY, "NAME",
     "a service to check (repeatable; default the five HelixFlow services)", NULL},
    {"exe", HF_SET_LIST, NULL, 0, 0, HF_SETF_PAIRS, "NAME=PATH",
     "the service's executable (default <root>" HF_DEFAULT_BIN_DIR "/NAME)", NULL},
    {"pidfile", HF_SET_LIST, NULL, 0, 0, HF_SETF_PAIRS, "NAME=PATH",
     "the service's pidfile: names the main pid (validated)", NULL},
    {"proc", HF_SET_STRING, HF_DEFAULT_PROC, 0, 0, 0, "DIR",
     "the proc filesystem (not moved by root)", NULL},
    {"cgroup-root", HF_SET_STRING, HF_DEFAULT_CGROUP_MOUNT, 0, 0, 0, "DIR",
     "the cgroup mount holding helixflow-NAME.service units (not moved by root)", NULL},
    {"no-cgroup", HF_SET_FLAG, NULL, 0, 0, 0, NULL,
     "identify by executable only, ignore systemd unit cgroups", NULL},
    {"warning", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE",
     "warning range of each service's process count", NULL},
    {"critical", HF_SET_RANGE, HF_THR_SERVICE_CRIT, 0, 0, 0, "RANGE",
     "critical range of each service's process count", NULL},
};

static bool svc_name_ok(const char *s)
{
    size_t n = strlen(s);

    return n && n < HF_PROCESS_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int svc_index(const hf_settings *s, const char *name, size_t len)
{
    size_t n;
    const char *const *v = hf_settings_list(s, SVC_SERVICE, &n);

    for (size_t i = 0; i < n; i++)
        if (strlen(v[i]) == len && strncmp(v[i], name, len) == 0)
            return (int)i;
    return -1;
}

/* Every NAME of a NAME=PATH list names a checked service. */
static int svc_pairs_ok(const hf_settings *s, int which, int *bad, char *err, size_t n)
{
    size_t np;
    const char *const *v = hf_settings_list(s, (size_t)which, &np);

    for (size_t i = 0; i < np; i++) {
        size_t len = strcspn(v[i], "=");
        if (svc_index(s, v[i], len) < 0) {
            *bad = which;
            hf_err_set(err, n, "'%.*s' is not a checked service", (int)len, v[i]);
            return -EINVAL;
        }
    }
    return 0;
}

static int svc_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    size_t nsvc;
    const char *const *v = hf_settings_list(s, SVC_SERVICE, &nsvc);

    if (nsvc > HF_PROCESS_MAX_SERVICES) {
        *bad = SVC_SERVICE;
        hf_err_set(err, n, "more than %d services", HF_PROCESS_MAX_SERVICES);
        return -EINVAL;
    }
    for (size_t i = 0; i < nsvc; i++) {
        *bad = SVC_SERVICE;
        if (!svc_name_ok(v[i])) {
            hf_err_set(err, n, "'%s' is not a service name (letters, digits, '.', '_', '-')", v[i]);
            return -EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(v[i], v[j]) == 0) {
                hf_err_set(err, n, "'%s' given twice", v[i]);
                return -EINVAL;
            }
    }
    if (svc_pairs_ok(s, SVC_EXE, bad, err, n) < 0 || svc_pairs_ok(s, SVC_PIDFILE, bad, err, n) < 0)
        return -EINVAL;
    *bad = -1;
    return 0;
}

/* Fill cfg->services from the settings: names, then NAME=PATH pairs. */
static void svc_fill(const hf_settings *s, hf_process_service_cfg *svc, size_t *nsvc)
{
    size_t np;
    const char *const *names = hf_settings_list(s, SVC_SERVICE, nsvc);

    memset(svc, 0, sizeof(*svc) * HF_PROCESS_MAX_SERVICES);
    if (*nsvc > HF_PROCESS_MAX_SERVICES)
        *nsvc = HF_PROCESS_MAX_SERVICES;
    for (size_t i = 0; i < *nsvc; i++)
        svc[i].name = names[i];
    for (int which = SVC_EXE; which <= SVC_PIDFILE; which++) {
        const char *const *v = hf_settings_list(s, (size_t)which, &np);
        for (size_t i = 0; i < np; i++) {
            size_t len = strcspn(v[i], "=");
            int k = svc_index(s, v[i], len);
            if (k < 0 || (size_t)k >= *nsvc)
                continue;
            if (which == SVC_EXE)
                svc[k].exe = v[i] + len + 1;
            else
                svc[k].pidfile = v[i] + len + 1;
        }
    }
}

static void svc_finding(hf_report *out, const hf_process_service *sv, const hf_range *warn,
                        const hf_range *crit)
{
    hf_state st = hf_range_eval(warn, crit, (double)sv->count);
    const char *es = sv->count == 1 ? "" : "es";

    if (st != HF_OK && sv->count == 0)
        hf_report_add(out, st, sv->name, "service.down", "%s down (0 processes)", sv->name);
    else if (st != HF_OK)
        hf_report_add(out, st, sv->name, "service.count", "%s: %ld process%s (%s range %s)", sv->name,
                      sv->count, es, st == HF_CRITICAL ? "critical" : "warning",
                      st == HF_CRITICAL ? crit->text : warn->text);
    else if (sv->count > 0)
        hf_report_add(out, HF_OK, sv->name, "service.up", "%s: %ld process%s, main pid %d, up %.0f s (%s)",
                      sv->name, sv->count, es, (int)sv->main_pid, floor(sv->uptime_s),
                      hf_process_source_name(sv->source));
    else
        hf_report_add(out, HF_OK, sv->name, "service.up", "%s: 0 processes", sv->name);
    if (sv->restarted)
        hf_report_add(out, HF_WARNING, sv->name, "service.restarted", "%s restarted: main pid %d -> %d",
                      sv->name, (int)sv->prev_main_pid, (int)sv->main_pid);
    if (sv->exe_deleted)
        hf_report_add(out, HF_WARNING, sv->name, "service.exe_deleted",
                      "%s runs a deleted executable %s (replaced without a restart)", sv->name, sv->exe);
    if (sv->note[0])
        hf_report_add(out, HF_WARNING, sv->name, "service.note", "%s: %s", sv->name, sv->note);
}

static void svc_metric(hf_report *out, const hf_process_service *sv, const char *what,
                       double v, const char *unit)
{
    char label[HF_PROCESS_NAME_MAX + 16];

    snprintf(label, sizeof(label), "%s_%s", sv->name, what);
    hf_report_metric(out, label, sv->name, what, v, unit, NULL, NULL,
                     strcmp(what, "cpu") == 0 ? NAN : 0, NAN);
}

static void svc_metrics(hf_report *out, const hf_process_service *sv, const hf_range *warn,
                        const hf_range *crit)
{
    bool up = sv->count > 0 && !isnan(sv->uptime_s);

    hf_report_metric(out, sv->name, sv->name, "processes", (double)sv->count, "", warn, crit, 0, NAN);
    svc_metric(out, sv, "rss", (double)sv->rss_bytes, "B");
    svc_metric(out, sv, "cpu", sv->cpu_seconds, "c");
    hf_report_metric_use(out, HF_METRIC_PERFDATA);
    svc_metric(out, sv, "threads", (double)sv->threads, "");
    svc_metric(out, sv, "fds", sv->fds < 0 ? NAN : (double)sv->fds, "");
    svc_metric(out, sv, "uptime", up ? floor(sv->uptime_s) : NAN, up ? "s" : "");
    /* values for long-running front-ends */
    hf_report_value(out, sv->name, "up", sv->count > 0 ? 1 : 0, "b");
    hf_report_value(out, sv->name, "cpu_us", isnan(sv->cpu_seconds) ? NAN : round(sv->cpu_seconds * 1e6), "c");
    hf_report_value(out, sv->name, "restarts", (double)sv->restarts, "c");
}

/* Services matched by argv[0] only, named in the summary. */
static void svc_weak(hf_report *out, const hf_process_result *res)
{
    hf_buf b = {0};
    size_t n = 0;

    for (size_t i = 0; i < res->nservices; i++)
        if (res->services[i].argv0_only && res->services[i].count > 0)
            hf_buf_printf(&b, "%s%s", n++ ? ", " : "", res->services[i].name);
    if (n)
        hf_report_summary(out, "%s matched by argv[0] only (/proc/PID/exe of another user's "
                          "process is unreadable as uid %ld): run as root, or let the unit's "
                          "cgroup or a --pidfile identify %s exactly",
                          hf_buf_str(&b), (long)geteuid(), n == 1 ? "it" : "them");
    hf_buf_free(&b);
}

void hf_check_service_judge(const hf_settings *s, const hf_process_result *res, hf_report *out)
{
    const hf_range *warn = hf_settings_range(s, SVC_WARNING), *crit = hf_settings_range(s, SVC_CRITICAL);
    size_t up = 0;

    for (size_t i = 0; i < res->nservices; i++) {
        svc_finding(out, &res->services[i], warn, crit);
        svc_metrics(out, &res->services[i], warn, crit);
        up += res->services[i].count > 0;
    }
    hf_report_summary(out, "%zu of %zu services running", up, res->nservices);
    svc_weak(out, res);
}

static void svc_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    hf_process_service_cfg svc[HF_PROCESS_MAX_SERVICES];
    hf_process_cfg cfg = {
        .root = hf_settings_str(s, HF_SET_ROOT), .proc_dir = hf_settings_str(s, SVC_PROC),
        .cgroup_mount = hf_settings_str(s, SVC_CGROUP_ROOT),
        .no_cgroup = hf_settings_flag(s, SVC_NO_CGROUP), .timeout_ms = hf_check_ms_left(ctx),
        .services = svc,
    };
    hf_process_result res;

    svc_fill(s, svc, &cfg.nservices);
    if (hf_process_probe(&cfg, st, &res) < 0)
        hf_report_add(out, HF_UNKNOWN, "", "service.probe", "cannot probe processes: %s", res.error);
    else
        hf_check_service_judge(s, &res, out);
    hf_process_result_free(&res);
}

static void *svc_state_new(void)
{
    return calloc(1, sizeof(hf_process_memory));
}

static void svc_state_free(void *st)
{
    hf_process_memory_free(st);
    free(st);
}

static int svc_state_load(void *st, const char *path, char *err, size_t n)
{
    int r;

    if (access(path, F_OK) < 0 && errno == ENOENT)
        return -ENOENT;
    r = hf_process_memory_load(st, path, err, n);
    if (r < 0)
        hf_process_memory_free(st);
    return r;
}

static int svc_state_save(void *st, const char *path, char *err, size_t n)
{
    return hf_process_memory_save(st, path, err, n);
}

const hf_check_kind hf_check_service = {
    .name = "service",
    .title = "SERVICE",
    .doc = "Checks that each HelixFlow service runs its own executable (exact path, never a\n"
           "name match) and reports a main-pid change since the last run as a restart.",
    .defs = svc_defs,
    .ndefs = HF_ARRAY_SIZE(svc_defs),
    .validate = svc_validate,
    .state_new = svc_state_new,
    .state_free = svc_state_free,
    .state_load = svc_state_load,
    .state_save = svc_state_save,
    .eval = svc_eval,
};
