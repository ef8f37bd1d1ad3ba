/* hf_resources: filesystem, memory, load and CPU of the host (see hf_resources.h). */
#include "hf_resources.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hf_defaults.h"

#define HF_PROC_FILE_MAX (16u << 20)

/* Read <proc>/<name> whole. Returns length or negative errno (err set). */
static long read_proc(const char *proc, const char *name, char **out, char *err, size_t errlen)
{
    char path[HF_PATH_MAX];
    long n;

    if (snprintf(path, sizeof(path), "%s/%s", proc, name) >= (int)sizeof(path)) {
        hf_err_set(err, errlen, "%s/%s: path too long", proc, name);
        return -ENAMETOOLONG;
    }
    n = hf_file_read(path, HF_PROC_FILE_MAX, out);
    if (n < 0)
        hf_err_set(err, errlen, "%s: %s", path, strerror((int)-n));
    return n;
}

/* "Key:   123 kB" -> bytes. Returns 0, 1 when the key differs, -EINVAL when malformed. */
static int meminfo_value(const char *line, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    unsigned long long v;
    char unit[8] = "", extra;
    int n;

    if (strncmp(line, key, kl) != 0 || line[kl] != ':')
        return 1;
    n = sscanf(line + kl + 1, "%llu %7s %c", &v, unit, &extra);
    if (n < 1 || n > 2 || (n == 2 && strcmp(unit, "kB") != 0))
        return -EINVAL;
    if (n == 2 && v > UINT64_MAX / 1024)
        return -EINVAL;
    *out = n == 2 ? (uint64_t)v * 1024u : (uint64_t)v;   /* kB here means KiB */
    return 0;
}

int hf_resources_parse_meminfo(const char *text, hf_resources_result *res, char *err, size_t errlen)
{
    static const char *const keys[] = {"MemTotal", "MemAvailable", "MemFree", "Buffers", "Cached",
                                       "SwapTotal", "SwapFree"};
    uint64_t v[HF_ARRAY_SIZE(keys)] = {0};
    bool seen[HF_ARRAY_SIZE(keys)] = {false};
    size_t lineno = 0;

    for (const char *line = text; line && *line; lineno++) {
        const char *nl = strchr(line, '\n');
        char buf[256];
        size_t len = nl ? (size_t)(nl - line) : strlen(line);

        hf_strlcpy(buf, line, len + 1 < sizeof(buf) ? len + 1 : sizeof(buf));
        for (size_t k = 0; k < HF_ARRAY_SIZE(keys); k++) {
            int r = meminfo_value(buf, keys[k], &v[k]);
            if (r < 0) {
                hf_err_set(err, errlen, "line %zu: malformed %s value", lineno + 1, keys[k]);
                return -EINVAL;
            }
            if (r == 0)
                seen[k] = true;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!seen[0] || v[0] == 0) {
        hf_err_set(err, errlen, "no MemTotal line");
        return -EINVAL;
    }
    res->mem_total = v[0];
    res->mem_estimated = !seen[1];
    res->mem_available = seen[1] ? v[1] : v[2] + v[3] + v[4];
    if (res->mem_available > res->mem_total)
        res->mem_available = res->mem_total;
    res->mem_used = res->mem_total - res->mem_available;
    res->mem_used_pct = 100.0 * (double)res->mem_used / (double)res->mem_total;
    res->swap_total = v[5];
    res->swap_used = v[6] <= v[5] ? v[5] - v[6] : 0;
    return 0;
}

int hf_resources_parse_loadavg(const char *text, hf_resources_result *res, char *err, size_t errlen)
{
    double l[3];
    char tail[64];

    if (sscanf(text, "%lf %lf %lf %63s", &l[0], &l[1], &l[2], tail) != 4 ||
        !isfinite(l[0]) || !isfinite(l[1]) || !isfinite(l[2]) || l[0] < 0 || l[1] < 0 || l[2] < 0) {
        hf_err_set(err, errlen, "line 1: expected \"load1 load5 load15 running/total lastpid\"");
        return -EINVAL;
    }
    res->load1 = l[0];
    res->load5 = l[1];
    res->load15 = l[2];
    return 0;
}

int hf_resources_parse_stat(const char *text, hf_cpu_sample *s, long *ncpu, char *err, size_t errlen)
{
    bool found = false;
    long n = 0;
    size_t lineno = 0;

    memset(s, 0, sizeof(*s));
    for (const char *line = text; line && *line; lineno++) {
        const char *nl = strchr(line, '\n');
        if (strncmp(line, "cpu ", 4) == 0 && !found) {
            unsigned long long f[8] = {0};
            int k = sscanf(line + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &f[0], &f[1], &f[2],
                           &f[3], &f[4], &f[5], &f[6], &f[7]);
            if (k < 4) {
                hf_err_set(err, errlen, "line %zu: malformed \"cpu\" line", lineno + 1);
                return -EINVAL;
            }
            for (int i = 0; i < 8; i++)
                s->total += f[i];
            s->idle = f[3] + f[4];
            s->valid = true;
            found = true;
        } else if (strncmp(line, "cpu", 3) == 0 && line[3] >= '0' && line[3] <= '9') {
            n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (!found) {
        hf_err_set(err, errlen, "no \"cpu\" line");
        return -EINVAL;
    }
    *ncpu = n;
    return 0;
}

double hf_resources_cpu_busy(const hf_cpu_sample *prev, const hf_cpu_sample *cur)
{
    unsigned long long dt, di;

    if (!prev || !cur || !prev->valid || !cur->valid || cur->total <= prev->total ||
        cur->idle < prev->idle)
        return NAN;
    dt = cur->total - prev->total;
    di = cur->idle - prev->idle;
    if (di > dt)
        return NAN;
    return 100.0 * (double)(dt - di) / (double)dt;
}

int hf_resources_cpu_sample(const char *proc_dir, hf_cpu_sample *s, char *err, size_t errlen)
{
    char *text = NULL;
    long ncpu, n = read_proc(proc_dir ? proc_dir : HF_DEFAULT_PROC, "stat", &text, err, errlen);
    int rc;

    if (n < 0)
        return (int)n;
    rc = hf_resources_parse_stat(text, s, &ncpu, err, errlen);
    free(text);
    return rc;
}

/* statvfs of path or of its nearest existing parent. */
static int probe_fs(const char *path, hf_resources_result *res)
{
    struct statvfs v;
    char p[HF_PATH_MAX];
    uint64_t fr;

    if (hf_strlcpy(p, path, sizeof(p)) >= sizeof(p)) {
        hf_err_set(res->error, sizeof(res->error), "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    while (statvfs(p, &v) < 0) {
        char *slash = strrchr(p, '/');
        int e = errno;
        if ((e != ENOENT && e != ENOTDIR) || !slash || (slash == p && p[1] == '\0')) {
            hf_err_set(res->error, sizeof(res->error), "%s: %s", p, strerror(e));
            return -e;
        }
        slash[slash == p ? 1 : 0] = '\0';
    }
    hf_strlcpy(res->fs_path, p, sizeof(res->fs_path));
    fr = v.f_frsize ? v.f_frsize : v.f_bsize;
    res->fs_total = (uint64_t)v.f_blocks * fr;
    res->fs_used = (uint64_t)(v.f_blocks - v.f_bfree) * fr;
    res->fs_avail = (uint64_t)v.f_bavail * fr;
    res->fs_used_pct = res->fs_used + res->fs_avail
                           ? 100.0 * (double)res->fs_used / (double)(res->fs_used + res->fs_avail) : 0.0;
    res->inodes_known = v.f_files > 0;
    res->inodes_total = v.f_files;
    res->inodes_used = v.f_files >= v.f_ffree ? v.f_files - v.f_ffree : 0;
    res->inodes_used_pct = v.f_files ? 100.0 * (double)res->inodes_used / (double)v.f_files : NAN;
    return 0;
}

/* Read and parse <proc>/<name>; errors name the file. */
static int proc_file(const char *proc, const char *name, hf_resources_result *res, hf_cpu_sample *cpu)
{
    char *text = NULL, err[HF_ERR_MAX] = "";
    long n = read_proc(proc, name, &text, res->error, sizeof(res->error));
    int rc;

    if (n < 0)
        return (int)n;
    if (strcmp(name, "meminfo") == 0)
        rc = hf_resources_parse_meminfo(text, res, err, sizeof(err));
    else if (strcmp(name, "loadavg") == 0)
        rc = hf_resources_parse_loadavg(text, res, err, sizeof(err));
    else
        rc = hf_resources_parse_stat(text, cpu, &res->ncpu, err, sizeof(err));
    free(text);
    if (rc < 0)
        hf_err_set(res->error, sizeof(res->error), "%s/%s: %s", proc, name, err);
    return rc;
}

static int probe_proc(const char *proc, hf_resources_memory *mem, hf_resources_result *res)
{
    int rc;

    if ((rc = proc_file(proc, "meminfo", res, NULL)) < 0 || (rc = proc_file(proc, "loadavg", res, NULL)) < 0 ||
        (rc = proc_file(proc, "stat", res, &res->cpu_now)) < 0)
        return rc;
    if (res->ncpu <= 0)
        res->ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (res->ncpu <= 0)
        res->ncpu = 1;
    res->load1_per_core = res->load1 / (double)res->ncpu;
    res->cpu_busy_pct = mem ? hf_resources_cpu_busy(&mem->cpu, &res->cpu_now) : NAN;
    if (mem)
        mem->cpu = res->cpu_now;
    return 0;
}

int hf_resources_probe(const hf_resources_cfg *cfg, hf_resources_memory *mem, hf_resources_result *res)
{
    char path[HF_PATH_MAX];
    int rc;

    memset(res, 0, sizeof(*res));
    res->cpu_busy_pct = NAN;
    res->inodes_used_pct = NAN;
    if (cfg->path)
        hf_strlcpy(path, cfg->path, sizeof(path));
    else if (hf_path_join(path, sizeof(path), cfg->root, HF_DEFAULT_DEPLOY_DIR) < 0) {
        hf_err_set(res->error, sizeof(res->error), "deployment path too long");
        return -ENAMETOOLONG;
    }
    rc = probe_proc(cfg->proc_dir ? cfg->proc_dir : HF_DEFAULT_PROC, mem, res);
    if (rc == 0)
        rc = probe_fs(path, res);
    return rc;
}

int hf_resources_memory_load(hf_resources_memory *mem, const char *path, char *err, size_t errlen)
{
    char *text = NULL, extra;
    unsigned long long t, i;
    long n = hf_sealed_read(path, 4096, &text, err, errlen);

    if (n == -ENOENT)
        return 0;
    if (n < 0)
        return (int)n;
    if (sscanf(text, "cpu %llu %llu %c", &t, &i, &extra) != 2 || i > t) {
        free(text);
        hf_err_set(err, errlen, "%s:1: not a \"cpu total idle\" line", path);
        return -EINVAL;
    }
    free(text);
    mem->cpu = (hf_cpu_sample){.valid = true, .total = t, .idle = i};
    return 0;
}

int hf_resources_memory_save(const hf_resources_memory *mem, const char *path, char *err, size_t errlen)
{
    hf_buf b = {0};
    int rc;

    if (!mem->cpu.valid)
        return 0;
    hf_buf_printf(&b, "cpu %llu %llu\n", mem->cpu.total, mem->cpu.idle);
    hf_seal_append(&b);
    if (b.oom) {
        hf_buf_free(&b);
        hf_err_set(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    rc = hf_file_write_atomic(path, b.s, b.len, err, errlen);
    hf_buf_free(&b);
    return rc;
}
