/* hf_resources: host resources the deployment depends on.
 *
 *   filesystem  statvfs of the deployment directory (default <root>/opt/helixflow;
 *               the nearest existing parent when it does not exist): bytes and
 *               inodes used/total and used % (df's convention: used / (used +
 *               available to unprivileged users), so reserved blocks count as full)
 *   memory      <proc>/meminfo: used = MemTotal - MemAvailable, in bytes
 *               (the file's kB are KiB: * 1024); without MemAvailable (kernels
 *               before 3.14) MemFree + Buffers + Cached stands in
 *   load        <proc>/loadavg; per core = load1 / online CPUs (the "cpuN" lines
 *               of <proc>/stat, i.e. the CPUs the kernel accounts load over;
 *               sysconf(_SC_NPROCESSORS_ONLN) when absent)
 *   cpu         busy % between two <proc>/stat samples: the caller passes the
 *               previous sample (hf_resources_memory) so the probe never
 *               sleeps; the first call reports cpu_busy_pct = NAN (unknown)
 *
 * No globals, no printing, no sleeping; thread-safe. */
#ifndef HF_RESOURCES_H
#define HF_RESOURCES_H

#include <stdbool.h>
#include <stdint.h>

#include "hf_util.h"

typedef struct hf_resources_cfg {
    const char *root;               /* deployment root, NULL/""/"/" = / */
    const char *path;               /* NULL: <root>/opt/helixflow (used as is when set) */
    const char *proc_dir;           /* NULL: /proc (never prefixed) */
} hf_resources_cfg;

/* One /proc/stat "cpu" line reduced to the two sums busy % needs. */
typedef struct hf_cpu_sample {
    bool valid;
    unsigned long long total;       /* all jiffies (user..steal; guest is inside user) */
    unsigned long long idle;        /* idle + iowait */
} hf_cpu_sample;

/* The previous CPU sample. Zero-initialise; the caller owns it; updated by
 * every successful hf_resources_probe. Plain data: nothing to free. */
typedef struct hf_resources_memory {
    hf_cpu_sample cpu;
} hf_resources_memory;

typedef struct hf_resources_result {
    /* filesystem */
    char fs_path[HF_PATH_MAX];      /* the directory statvfs'd */
    uint64_t fs_total, fs_used, fs_avail;   /* bytes */
    double fs_used_pct;
    bool inodes_known;              /* false when the filesystem has no inode limit */
    uint64_t inodes_total, inodes_used;
    double inodes_used_pct;
    /* memory (bytes) */
    uint64_t mem_total, mem_available, mem_used;
    double mem_used_pct;
    bool mem_estimated;             /* no MemAvailable: estimated */
    uint64_t swap_total, swap_used;
    /* load */
    double load1, load5, load15;
    long ncpu;
    double load1_per_core;
    /* cpu */
    double cpu_busy_pct;            /* NAN when no previous sample (or counters reset) */
    hf_cpu_sample cpu_now;          /* this call's sample */
    char error[HF_ERR_MAX];
} hf_resources_result;

/* Probe everything. mem may be NULL (no CPU %); when given, mem->cpu is used
 * as the previous sample and replaced by this call's. Returns 0, or negative
 * errno with res->error naming the file and line (-ENOENT/-EACCES for an
 * unreadable proc file or path, -EINVAL for malformed content). */
int hf_resources_probe(const hf_resources_cfg *cfg, hf_resources_memory *mem, hf_resources_result *res);

/* Parsers, exposed for tests. Each returns 0 or -EINVAL (err names the line:
 * "line 2: malformed MemAvailable value"; the probe prefixes the file). */
int hf_resources_parse_meminfo(const char *text, hf_resources_result *res, char *err, size_t errlen);
int hf_resources_parse_loadavg(const char *text, hf_resources_result *res, char *err, size_t errlen);
/* The aggregate "cpu" line into *s and the number of "cpuN" lines into *ncpu. */
int hf_resources_parse_stat(const char *text, hf_cpu_sample *s, long *ncpu, char *err, size_t errlen);
/* Read one CPU sample from <proc_dir>/stat (NULL: /proc). 0 or negative errno. */
int hf_resources_cpu_sample(const char *proc_dir, hf_cpu_sample *s, char *err, size_t errlen);
/* Busy % from prev to cur; NAN when prev is invalid, counters went back or no time passed. */
double hf_resources_cpu_busy(const hf_cpu_sample *prev, const hf_cpu_sample *cur);

/* State file: one line "cpu <total> <idle>", then the end marker of
 * hf_seal_append. load: a missing file is not an error (mem unchanged); a
 * truncated or damaged file (no valid end marker) is -EPROTO, a bad line
 * -EINVAL; save writes atomically (nothing when mem holds no sample).
 * 0 or negative errno (err set, naming the file). */
int hf_resources_memory_load(hf_resources_memory *mem, const char *path, char *err, size_t errlen);
int hf_resources_memory_save(const hf_resources_memory *mem, const char *path, char *err, size_t errlen);

#endif
