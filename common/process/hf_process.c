/* hf_process: the process probe (see hf_process.h). This file resolves the
 * identity source of each service and aggregates; the /proc scan, per-pid
 * reading and cgroup lookup live in hf_process_{scan,stat,cgroup}.c. */
#include "hf_process.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_defaults.h"
#include "hf_process_int.h"

/* The last directory canonicalised (the five executables share one). */
typedef struct dir_cache {
    char dir[HF_PATH_MAX];
    char canon[PATH_MAX];
    bool ok;
} dir_cache;

/* Everything one probe call works with (on the stack of hf_process_probe). */
typedef struct probe_ctx {
    const hf_process_cfg *cfg;
    hf_process_result *res;
    hf_proc_set *sets;
    int procfd;
    long page_size, clk_tck;
    double deadline;
    dir_cache dirs;
    hf_process_memory *mem;         /* NULL: no memory (always scan) */
} probe_ctx;

const char *hf_process_source_name(hf_process_source s)
{
    switch (s) {
    case HF_PROCESS_SRC_CGROUP: return "cgroup";
    case HF_PROCESS_SRC_PIDFILE: return "pidfile";
    case HF_PROCESS_SRC_SCAN: return "scan";
    default: return "none";
    }
}

void hf_process_result_free(hf_process_result *res)
{
    if (!res)
        return;
    free(res->services);
    res->services = NULL;
    res->nservices = 0;
}

static bool valid_name(const char *s)
{
    size_t n = 0;

    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
    }
    return n > 0 && n < HF_PROCESS_NAME_MAX;
}

/* unit_fmt with its one "%s" replaced by name (no printf: the format is data). */
static int unit_name(const char *fmt, const char *name, char *out, size_t n)
{
    const char *s = strstr(fmt, "%s");
    size_t pre, need;

    if (!s || strchr(s + 2, '%') || memchr(fmt, '%', (size_t)(s - fmt)))
        return -EINVAL;
    pre = (size_t)(s - fmt);
    need = pre + strlen(name) + strlen(s + 2);
    if (need >= n)
        return -ENAMETOOLONG;
    memcpy(out, fmt, pre);
    strcpy(out + pre, name);
    strcat(out, s + 2);
    return 0;
}

static int check_cfg(const hf_process_cfg *cfg, char *err, size_t errlen)
{
    char unit[256];

    if (!cfg->services || cfg->nservices == 0 || cfg->nservices > HF_PROCESS_MAX_SERVICES) {
        hf_err_set(err, errlen, "between 1 and %d services must be configured", HF_PROCESS_MAX_SERVICES);
        return -EINVAL;
    }
    for (size_t i = 0; i < cfg->nservices; i++) {
        const hf_process_service_cfg *s = &cfg->services[i];
        if (!s->name || !valid_name(s->name)) {
            hf_err_set(err, errlen, "service name '%s' is invalid (letters, digits, '.', '_', '-')",
                       s->name ? s->name : "");
            return -EINVAL;
        }
        if (s->exe && s->exe[0] != '/') {
            hf_err_set(err, errlen, "service %s: the executable must be an absolute path", s->name);
            return -EINVAL;
        }
        if (s->pidfile && !*s->pidfile) {
            hf_err_set(err, errlen, "service %s: empty pidfile path", s->name);
            return -EINVAL;
        }
    }
    if (unit_name(cfg->unit_fmt ? cfg->unit_fmt : HF_DEFAULT_UNIT_FMT, "x", unit, sizeof(unit)) < 0) {
        hf_err_set(err, errlen, "unit name format '%s' must contain one %%s and no other %%",
                   cfg->unit_fmt);
        return -EINVAL;
    }
    return 0;
}

static int canonical_exe(const char *path, char *out, size_t n, dir_cache *dc);

/* The canonical executable path of service i into out->exe. */
static int resolve_exe(const hf_process_cfg *cfg, size_t i, hf_process_service *out, dir_cache *dc,
                       char *err, size_t errlen)
{
    const hf_process_service_cfg *s = &cfg->services[i];
    char rel[HF_PATH_MAX], path[HF_PATH_MAX];

    snprintf(rel, sizeof(rel), "%s/%s", HF_DEFAULT_BIN_DIR, s->name);
    if (s->exe)
        hf_strlcpy(path, s->exe, sizeof(path));
    else if (hf_path_join(path, sizeof(path), cfg->root, rel) < 0) {
        hf_err_set(err, errlen, "service %s: executable path too long", s->name);
        return -ENAMETOOLONG;
    }
    return canonical_exe(path, out->exe, sizeof(out->exe), dc);
}

/* The path the kernel shows in /proc/<pid>/exe: symlinks resolved. To keep
 * this cheap for five files in one directory, the directory is resolved and
 * only a file that is itself a symlink goes through realpath() whole. */
static int canonical_exe(const char *path, char *out, size_t n, dir_cache *dc)
{
    char dir[HF_PATH_MAX], canon[PATH_MAX], link[8];
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) : 0;

    hf_strlcpy(out, path, n);
    if (!slash || slash == path || dl >= sizeof(dir) || readlink(path, link, sizeof(link)) >= 0) {
        if (realpath(path, canon))
            hf_strlcpy(out, canon, n);
        return 0;
    }
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    if (strcmp(dir, dc->dir) != 0) {
        hf_strlcpy(dc->dir, dir, sizeof(dc->dir));
        dc->ok = realpath(dir, dc->canon) != NULL;
    }
    if (dc->ok && strlen(dc->canon) + strlen(slash) < n) {
        hf_strlcpy(out, strcmp(dc->canon, "/") == 0 ? "" : dc->canon, n);
        hf_strlcpy(out + strlen(out), slash, n - strlen(out));
    }
    return 0;
}

/* Source 1: the unit's cgroup. True when it named at least one process. */
static bool from_cgroup(probe_ctx *c, size_t i)
{
    const hf_process_cfg *cfg = c->cfg;
    hf_process_service *sv = &c->res->services[i];
    char unit[512], path[HF_PATH_MAX] = "";
    int n;

    if (cfg->no_cgroup ||
        unit_name(cfg->unit_fmt ? cfg->unit_fmt : HF_DEFAULT_UNIT_FMT, sv->name, unit, sizeof(unit)) < 0)
        return false;
    n = hf_proc_cgroup_pids(cfg, unit, path, sizeof(path), &c->sets[i]);
    if (n == -ENOENT)
        return false;
    if (n < 0) {
        hf_err_set(sv->note, sizeof(sv->note), "%s: %s", path,
                   n == -EINVAL ? "not a list of pids" : strerror(-n));
        c->sets[i].npids = 0;
        return false;
    }
    if (n == 0)
        return false;           /* an empty unit cgroup: let the other sources look */
    sv->source = HF_PROCESS_SRC_CGROUP;
    hf_strlcpy(sv->source_path, path, sizeof(sv->source_path));
    return true;
}

/* Source 2: the pidfile names the main pid; it must run the executable. */
static void from_pidfile(probe_ctx *c, size_t i)
{
    const char *pf = c->cfg->services[i].pidfile;
    hf_process_service *sv = &c->res->services[i];
    char *text = NULL, pidstr[24], exe[HF_PATH_MAX];
    bool deleted, argv0;
    pid_t pid;
    struct stat stb;
    long len;
    ssize_t el;

    if (stat(pf, &stb) == 0 && !S_ISREG(stb.st_mode)) {
        hf_err_set(sv->note, sizeof(sv->note), "pidfile %s: not a regular file", pf);
        return;
    }
    len = hf_file_read(pf, 256, &text);
    if (len < 0) {
        hf_err_set(sv->note, sizeof(sv->note), "pidfile %s: %s", pf, strerror((int)-len));
        return;
    }
    if (hf_proc_parse_pid(text, &pid) < 0) {
        hf_err_set(sv->note, sizeof(sv->note), "pidfile %s: no pid in it", pf);
        free(text);
        return;
    }
    free(text);
    snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
    el = hf_proc_exe2(c->procfd, pidstr, exe, sizeof(exe), &deleted, &argv0);
    if (el <= 0) {
        hf_err_set(sv->note, sizeof(sv->note), "pidfile %s: stale, pid %d is not running", pf, (int)pid);
        return;
    }
    if (strcmp(exe, sv->exe) != 0) {
        hf_err_set(sv->note, sizeof(sv->note), "pidfile %s: stale, pid %d runs %s", pf, (int)pid, exe);
        return;
    }
    if (hf_proc_set_add_pid(&c->sets[i], pid) < 0)
        return;
    c->sets[i].deleted |= deleted;
    c->sets[i].argv0 |= argv0;
    sv->main_pid = pid;
    sv->source = HF_PROCESS_SRC_PIDFILE;
    hf_strlcpy(sv->source_path, pf, sizeof(sv->source_path));
}

/* Source 3: one scan of /proc for every service the cgroups did not settle. */
static int scan(probe_ctx *c, const bool *settled)
{
    hf_proc_wanted w = {0};
    size_t n = c->res->nservices;
    int rc = 0, dup;

    for (size_t i = 0; i < n && rc == 0; i++) {
        if (settled[i])
            continue;
        rc = hf_proc_wanted_add(&w, n, c->res->services[i].exe, (int)i, &dup);
        if (rc == -EEXIST)
            hf_err_set(c->res->error, sizeof(c->res->error), "services %s and %s have the same executable %s",
                       c->res->services[dup].name, c->res->services[i].name, c->res->services[i].exe);
        else if (rc < 0)
            hf_err_set(c->res->error, sizeof(c->res->error), "out of memory");
        if (rc == -EEXIST)
            rc = -EINVAL;
    }
    if (rc == 0)
        rc = hf_proc_scan(c->procfd, &w, c->sets, &c->res->scanned, c->deadline, c->res->error,
                          sizeof(c->res->error));
    hf_proc_wanted_free(&w);
    return rc;
}

static int cmp_info(const void *a, const void *b)
{
    const hf_proc_info *x = a, *y = b;

    if (x->st.starttime != y->st.starttime)
        return x->st.starttime < y->st.starttime ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Read the details of every identified pid (dropping those that vanished). */
static int read_details(probe_ctx *c, hf_proc_set *set, bool check_deleted)
{
    set->v = calloc(set->npids ? set->npids : 1, sizeof(*set->v));
    if (!set->v)
        return -ENOMEM;
    for (size_t k = 0; k < set->npids; k++) {
        hf_proc_info *inf = &set->v[set->n];
        if (hf_proc_read_info(c->procfd, set->pids[k], c->page_size, inf) < 0)
            continue;           /* vanished mid-scan: normal */
        if (inf->st.state == 'Z' || inf->st.state == 'X')
            continue;           /* a zombie runs nothing */
        if (check_deleted) {
            char pidstr[24], exe[HF_PATH_MAX];
            snprintf(pidstr, sizeof(pidstr), "%d", (int)inf->pid);
            hf_proc_exe(c->procfd, pidstr, exe, sizeof(exe), &inf->deleted);
            set->deleted |= inf->deleted;
        }
        set->n++;
    }
    qsort(set->v, set->n, sizeof(*set->v), cmp_info);
    return 0;
}

static void aggregate(probe_ctx *c, size_t i, double btime, double now)
{
    hf_process_service *sv = &c->res->services[i];
    hf_proc_set *set = &c->sets[i];
    const hf_proc_info *main_inf = NULL;

    sv->count = (long)set->n;
    sv->exe_deleted = set->deleted;
    sv->argv0_only = set->argv0;
    if (set->n == 0) {
        sv->main_pid = 0;
        if (sv->source != HF_PROCESS_SRC_CGROUP)
            sv->source = HF_PROCESS_SRC_NONE;
        return;
    }
    if (sv->source == HF_PROCESS_SRC_NONE)
        sv->source = HF_PROCESS_SRC_SCAN;
    for (size_t k = 0; k < set->n; k++) {
        const hf_proc_info *inf = &set->v[k];
        if (sv->npids < HF_PROCESS_MAX_PIDS)
            sv->pids[sv->npids++] = inf->pid;
        sv->rss_bytes += inf->rss_bytes;
        sv->cpu_seconds += (double)(inf->st.utime + inf->st.stime) / (double)c->clk_tck;
        sv->threads += inf->st.num_threads;
        sv->fds = (sv->fds < 0 || inf->fds < 0) ? -1 : sv->fds + inf->fds;
        if (inf->pid == sv->main_pid)
            main_inf = inf;
    }
    if (!main_inf)
        main_inf = &set->v[0];  /* the oldest (pidfile pid vanished: fall back) */
    sv->main_pid = main_inf->pid;
    sv->main_start_ticks = main_inf->st.starttime;
    sv->start_time = btime + (double)set->v[0].st.starttime / (double)c->clk_tck;
    sv->uptime_s = isnan(btime) ? NAN : fmax(0.0, now - sv->start_time);
    if (isnan(btime))
        sv->start_time = NAN;
}

/* Compare each running service's main pid with the memory and update it. */
static int remember(hf_process_memory *mem, hf_process_result *res)
{
    for (size_t i = 0; i < res->nservices; i++) {
        hf_process_service *sv = &res->services[i];
        hf_process_memory_entry *e;
        bool added;

        if (sv->main_pid == 0) {
            /* down, and seen so (main pid 0): its return is a recovery the
             * monitor saw coming, counted as a restart, not a WARNING */
            if ((e = hf_process_memory_entry_find(mem, sv->name))) {
                e->main_pid = 0;
                e->start_ticks = 0;
                sv->restarts = e->restarts;
            }
            continue;
        }
        e = hf_process_memory_entry_get(mem, sv->name, &added);
        if (!e)
            return -ENOMEM;
        if (!added && e->main_pid == 0)
            e->restarts++;      /* back after an outage this memory saw */
        else if (!added && (e->main_pid != sv->main_pid || e->start_ticks != sv->main_start_ticks)) {
            sv->restarted = true;
            e->restarts++;
        }
        sv->restarts = e->restarts;
        sv->prev_main_pid = e->main_pid;
        e->main_pid = sv->main_pid;
        e->start_ticks = sv->main_start_ticks;
    }
    return 0;
}

/* The scan, or the processes the memory knows (hf_process_known): then
 * *known is true, and false when the scan ran. */
static int find_scanned(probe_ctx *c, const bool *settled, uint64_t key, bool *known)
{
    size_t n = c->res->nservices;

    *known = hf_process_known_use(c->mem, key, settled, n, c->sets);
    return *known ? 0 : scan(c, settled);
}

static int details(probe_ctx *c, const bool *settled, bool only_unsettled)
{
    for (size_t i = 0; i < c->res->nservices; i++)
        if ((!only_unsettled || !settled[i]) && read_details(c, &c->sets[i], settled[i]) < 0) {
            hf_err_set(c->res->error, sizeof(c->res->error), "out of memory");
            return -ENOMEM;
        }
    return 0;
}

static int probe_services(probe_ctx *c)
{
    hf_process_result *res = c->res;
    bool settled[HF_PROCESS_MAX_SERVICES] = {false}, need_scan = false, known = false;
    double btime = NAN, now;
    uint64_t key = 0;
    int rc;

    for (size_t i = 0; i < res->nservices; i++) {
        settled[i] = from_cgroup(c, i);
        need_scan |= !settled[i];
    }
    if (need_scan && c->mem)
        key = hf_process_known_key(c->cfg, res, settled);
    if (need_scan && (rc = find_scanned(c, settled, key, &known)) < 0)
        return rc;
    for (size_t i = 0; i < res->nservices; i++)
        if (!settled[i] && c->cfg->services[i].pidfile)
            from_pidfile(c, i);
    if ((rc = details(c, settled, false)) < 0)
        return rc;
    if (known && !hf_process_known_hold(c->mem, settled, res->nservices, c->sets)) {
        for (size_t i = 0; i < res->nservices; i++)   /* one vanished or was reused: scan */
            if (!settled[i])
                hf_proc_set_free(&c->sets[i]);
        known = false;
        if ((rc = scan(c, settled)) < 0 || (rc = details(c, settled, true)) < 0)
            return rc;
    }
    if (need_scan && !known && key)
        hf_process_known_save(c->mem, key, settled, res->nservices, c->sets);
    for (size_t i = 0; i < res->nservices && isnan(btime); i++)
        if (c->sets[i].n > 0 && hf_proc_boot_time(c->procfd, &btime) < 0)
            break;
    now = hf_real_now();
    for (size_t i = 0; i < res->nservices; i++)
        aggregate(c, i, btime, now);
    if (c->deadline > 0 && hf_mono_now() > c->deadline) {
        hf_err_set(res->error, sizeof(res->error), "process probe timed out");
        return -ETIMEDOUT;
    }
    return 0;
}

int hf_process_probe(const hf_process_cfg *cfg, hf_process_memory *mem, hf_process_result *res)
{
    const char *proc = cfg->proc_dir ? cfg->proc_dir : HF_DEFAULT_PROC;
    probe_ctx c = {.cfg = cfg, .res = res, .procfd = -1, .mem = mem};
    int rc;

    memset(res, 0, sizeof(*res));
    if ((rc = check_cfg(cfg, res->error, sizeof(res->error))) < 0)
        return rc;
    res->services = calloc(cfg->nservices, sizeof(*res->services));
    c.sets = calloc(cfg->nservices, sizeof(*c.sets));
    if (!res->services || !c.sets) {
        free(c.sets);
        hf_err_set(res->error, sizeof(res->error), "out of memory");
        return -ENOMEM;
    }
    res->nservices = cfg->nservices;
    c.page_size = sysconf(_SC_PAGESIZE);
    c.clk_tck = sysconf(_SC_CLK_TCK);
    if (c.page_size <= 0)
        c.page_size = 4096;
    if (c.clk_tck <= 0)
        c.clk_tck = 100;
    c.deadline = cfg->timeout_ms > 0 ? hf_mono_now() + (double)cfg->timeout_ms / 1000.0 : 0;
    for (size_t i = 0; i < cfg->nservices && rc == 0; i++) {
        hf_process_service *sv = &res->services[i];
        hf_strlcpy(sv->name, cfg->services[i].name, sizeof(sv->name));
        sv->start_time = sv->uptime_s = NAN;
        rc = resolve_exe(cfg, i, sv, &c.dirs, res->error, sizeof(res->error));
    }
    if (rc == 0 && (c.procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        rc = -errno;
        hf_err_set(res->error, sizeof(res->error), "%s: %s", proc, strerror(-rc));
    }
    if (rc == 0)
        rc = probe_services(&c);
    if (rc == 0 && mem && remember(mem, res) < 0) {
        hf_err_set(res->error, sizeof(res->error), "out of memory");
        rc = -ENOMEM;
    }
    if (c.procfd >= 0)
        close(c.procfd);
    for (size_t i = 0; i < cfg->nservices; i++)
        hf_proc_set_free(&c.sets[i]);
    free(c.sets);
    return rc;
}
