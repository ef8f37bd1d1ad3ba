/* hf_process: the state of every configured HelixFlow service in one pass.
 *
 * Identity is exact (DESIGN §2): a process belongs to a service when
 *   1. it is in the service's systemd unit cgroup (<unit>/cgroup.procs, found
 *      under a few fixed places of the cgroup mount, no tree walk), or else
 *   2. its /proc/<pid>/exe is exactly the service's executable path (one
 *      readdir of /proc for all services; " (deleted)" is stripped and
 *      flagged; when exe may not be read (EACCES/EPERM: an unprivileged
 *      caller) argv[0] from cmdline must equal the path exactly; a missing
 *      exe (kernel thread, zombie) never matches).
 * A configured pidfile names the main pid (validated against the exe); a
 * stale one is reported in the service's note and the scan decides.
 * Never substring matching: /x/bin/api-gateway, api-gateway-grpc and
 * "sleep 100 /opt/helixflow/bin/api-gateway" are other processes.
 *
 * No globals, no printing, no sleeping; thread-safe; bounded by the number
 * of processes and cfg->timeout_ms. Processes that vanish mid-scan are
 * skipped silently. */
#ifndef HF_PROCESS_H
#define HF_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hf_util.h"

#define HF_PROCESS_MAX_PIDS 32      /* pids listed per service (count is not bounded) */
#define HF_PROCESS_NAME_MAX 64      /* service name, including NUL */
#define HF_PROCESS_MAX_SERVICES 64

/* One configured service. Strings are borrowed (the caller keeps them alive
 * during hf_process_probe). */
typedef struct hf_process_service_cfg {
    const char *name;               /* "api-gateway": letters, digits, '.', '_', '-' */
    const char *exe;                /* NULL: <root>/opt/helixflow/bin/<name> */
    const char *pidfile;            /* NULL: none */
} hf_process_service_cfg;

typedef struct hf_process_cfg {
    const char *root;               /* deployment root, NULL/""/"/" = / */
    const char *proc_dir;           /* NULL: /proc (never prefixed by root) */
    const char *cgroup_mount;       /* NULL: /sys/fs/cgroup (never prefixed) */
    const char *cgroup_path;        /* NULL or an extra directory holding <unit>/ dirs */
    const char *unit_fmt;           /* NULL: helixflow-%s.service (one %s) */
    bool no_cgroup;                 /* skip the cgroup source */
    long timeout_ms;                /* 0: no limit; else -ETIMEDOUT past it */
    const hf_process_service_cfg *services;
    size_t nservices;               /* 1..HF_PROCESS_MAX_SERVICES */
} hf_process_cfg;

typedef enum hf_process_source {
    HF_PROCESS_SRC_NONE = 0,        /* nothing found (count 0) */
    HF_PROCESS_SRC_CGROUP,
    HF_PROCESS_SRC_PIDFILE,
    HF_PROCESS_SRC_SCAN,
} hf_process_source;

typedef struct hf_process_service {
    char name[HF_PROCESS_NAME_MAX];
    char exe[HF_PATH_MAX];          /* the exact path matched (canonical) */
    hf_process_source source;
    char source_path[HF_PATH_MAX];  /* cgroup.procs or pidfile used, "" for scan */
    long count;                     /* processes; 0 when down (never omitted) */
    pid_t pids[HF_PROCESS_MAX_PIDS];/* first npids of them, oldest first */
    size_t npids;
    uint64_t rss_bytes;             /* sum of resident set sizes */
    double cpu_seconds;             /* sum of utime+stime (a counter) */
    long threads;                   /* sum of num_threads */
    long fds;                       /* sum of open fds; -1 when any fd dir was unreadable */
    pid_t main_pid;                 /* pidfile pid, else the oldest process; 0 when down */
    unsigned long long main_start_ticks;  /* main pid's starttime (clock ticks since boot) */
    double start_time;              /* oldest process start, epoch seconds; NAN when down */
    double uptime_s;                /* now - start_time; NAN when down */
    bool exe_deleted;               /* a matched exe reads "<path> (deleted)" */
    bool argv0_only;                /* some process was matched by argv[0] only: its
                                     * /proc/<pid>/exe was unreadable (an unprivileged
                                     * caller), so identity is not exact */
    bool restarted;                 /* main pid differs from the memory's (a restart
                                     * between two probes; not a return after an outage
                                     * the memory saw: that is main pid 0 in it) */
    pid_t prev_main_pid;            /* the memory's main pid (0: none known) */
    unsigned long long restarts;    /* the memory's restart count, this one included */
    char note[HF_ERR_MAX];          /* e.g. a stale pidfile; "" when none */
} hf_process_service;

/* Result of one probe; hf_process_result_free releases services. */
typedef struct hf_process_result {
    hf_process_service *services;   /* nservices entries, in config order; owned */
    size_t nservices;
    size_t scanned;                 /* /proc entries examined (0: no scan needed) */
    char error[HF_ERR_MAX];         /* set when the probe fails */
} hf_process_result;

/* Restart memory: last known main pid per service name. Zero-initialise;
 * owned by the caller, updated by hf_process_probe, freed with
 * hf_process_memory_free. A probe that finds a service down sets its main
 * pid to 0 (saved as such): its return is then a recovery the monitor saw
 * coming, counted in restarts but not flagged restarted. A main pid change
 * between two probes that both saw the service up is flagged restarted. */
typedef struct hf_process_memory_entry {
    char name[HF_PROCESS_NAME_MAX];
    pid_t main_pid;
    unsigned long long start_ticks; /* tells pid reuse apart */
    unsigned long long restarts;    /* restarts seen since this memory began (not saved) */
} hf_process_memory_entry;

/* The processes the last full /proc scan found (not saved: a one-shot
 * run always scans). A long-running front-end's probe re-checks these
 * pids instead of scanning /proc while every scanned service has at least
 * one, none of them vanished or changed start time, and the last full scan
 * is less than HF_PROCESS_RESCAN_S old; otherwise it scans. So a kill or a
 * restart is seen at once and a return at the next probe (a service found
 * down is scanned for every time); a new process of a running service
 * (another worker) or a process that exec'd another program is seen at the
 * next full scan, within HF_PROCESS_RESCAN_S. */
typedef struct hf_process_known {
    int svc;                        /* index in the configuration */
    pid_t pid;
    unsigned long long start_ticks;
} hf_process_known;

typedef struct hf_process_memory {
    hf_process_memory_entry *entries;   /* owned */
    size_t n, cap;
    hf_process_known *known;            /* owned: the last full scan's processes */
    size_t nknown, capknown;
    uint64_t known_key;                 /* the configuration they belong to (0: none) */
    double known_at;                    /* hf_mono_now() of that scan */
} hf_process_memory;

/* Probe every service of cfg. mem may be NULL (no restart detection).
 * Fills *res (cleared first; free with hf_process_result_free even on error).
 * Returns 0, or negative errno with res->error naming what and where
 * (-EINVAL bad config, -ENOENT/-EACCES proc dir, -ETIMEDOUT, -ENOMEM). */
int hf_process_probe(const hf_process_cfg *cfg, hf_process_memory *mem, hf_process_result *res);

void hf_process_result_free(hf_process_result *res);    /* accepts NULL */

/* Parse the fields of a /proc/<pid>/stat line (comm may hold spaces and ')':
 * the LAST ')' ends it). Returns 0 or -EINVAL. */
typedef struct hf_process_stat {
    char comm[64];
    char state;
    pid_t ppid;
    unsigned long long utime, stime;    /* clock ticks */
    long num_threads;
    unsigned long long starttime;       /* clock ticks since boot */
    long rss_pages;
} hf_process_stat;
int hf_process_stat_parse(const char *line, hf_process_stat *out);

/* Memory state file: "name main_pid start_ticks" lines and a final "end <hash>"
 * line (hf_seal_append); a file without it is truncated or damaged. load merges into
 * mem (a missing file is not an error: returns 0 with mem unchanged);
 * save writes atomically (temp file + rename). Return 0 or negative errno
 * (-EINVAL with err naming file:line for a malformed file). */
int hf_process_memory_load(hf_process_memory *mem, const char *path, char *err, size_t errlen);
int hf_process_memory_save(const hf_process_memory *mem, const char *path, char *err, size_t errlen);
void hf_process_memory_free(hf_process_memory *mem);    /* accepts NULL */

const char *hf_process_source_name(hf_process_source s);    /* "cgroup", "pidfile", "scan", "none" */

#endif
