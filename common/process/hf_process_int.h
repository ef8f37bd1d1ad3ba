/* hf_process_int: internals of the process probe shared by its files
 * (hf_process.c, hf_process_scan.c, hf_process_stat.c, hf_process_cgroup.c).
 * Not a public interface. */
#ifndef HF_PROCESS_INT_H
#define HF_PROCESS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hf_process.h"

/* What the probe learned about one matched process. */
typedef struct hf_proc_info {
    pid_t pid;
    hf_process_stat st;
    uint64_t rss_bytes;
    long fds;                       /* -1: fd dir unreadable */
    bool deleted;                   /* exe ends in " (deleted)" */
} hf_proc_info;

/* The processes of one service (grows; owned by the probe). */
typedef struct hf_proc_set {
    hf_proc_info *v;
    size_t n, cap;
    pid_t *pids;                    /* identified pids before their details are read */
    size_t npids, cappids;
    bool deleted;
    bool argv0;                     /* some process identified by argv[0] only */
} hf_proc_set;

int hf_proc_set_add_pid(hf_proc_set *s, pid_t pid);
void hf_proc_set_free(hf_proc_set *s);

/* The wanted executables: an open-addressing hash of path -> service index. */
typedef struct hf_proc_wanted_slot {
    const char *path;               /* borrowed; NULL = empty slot */
    size_t len;
    uint32_t hash;
    int svc;
} hf_proc_wanted_slot;

typedef struct hf_proc_wanted {
    hf_proc_wanted_slot *slots;     /* owned */
    size_t mask;                    /* nslots - 1 (power of two) */
    size_t minlen, maxlen;          /* quick rejection by length */
} hf_proc_wanted;

/* Returns 0, -ENOMEM, or -EEXIST when a path is already present (*dup_svc set). */
int hf_proc_wanted_add(hf_proc_wanted *w, size_t capacity, const char *path, int svc, int *dup_svc);
/* The service index for path (len bytes), or -1. */
int hf_proc_wanted_find(const hf_proc_wanted *w, const char *path, size_t len);
void hf_proc_wanted_free(hf_proc_wanted *w);

/* The exe identity of pid (given as its decimal string) under procfd:
 * readlinkat "<pid>/exe"; when that fails with EACCES/EPERM (an unprivileged
 * caller), argv[0] of "<pid>/cmdline". ENOENT (kernel thread, zombie, gone)
 * is returned as is: no extra read per kernel thread. " (deleted)" is stripped (*deleted set).
 * Returns the path length in buf (NUL-terminated), or negative errno. */
ssize_t hf_proc_exe(int procfd, const char *pidstr, char *buf, size_t n, bool *deleted);
/* Same, telling whether buf is argv[0] only (*argv0): exe was unreadable. */
ssize_t hf_proc_exe2(int procfd, const char *pidstr, char *buf, size_t n, bool *deleted,
                     bool *argv0);

/* One readdir of procfd: every numeric entry whose exe is in w is added to
 * sets[svc]. deadline: hf_mono_now() limit (0 = none). Returns 0 or
 * negative errno (err set). */
int hf_proc_scan(int procfd, const hf_proc_wanted *w, hf_proc_set *sets, size_t *scanned,
                 double deadline, char *err, size_t errlen);

/* stat (incl. rss) and fd count of pid. Returns 0, or -ENOENT/-ESRCH when it
 * vanished, -EINVAL when stat is malformed. */
int hf_proc_read_info(int procfd, pid_t pid, long page_size, hf_proc_info *info);

/* Boot time (epoch seconds) from "btime" of <procfd>/stat. 0 or negative errno. */
int hf_proc_boot_time(int procfd, double *btime);

/* Read a small file relative to dirfd into buf (NUL-terminated).
 * Returns length or negative errno. */
ssize_t hf_proc_read_at(int dirfd, const char *rel, char *buf, size_t n);

/* The unit's cgroup.procs: tried under cfg->cgroup_path, then the mount's
 * system.slice, unified/system.slice, systemd/system.slice and the mount
 * itself. On success *path is the file used and the pids are appended to set.
 * Returns the number of pids (0 for an empty cgroup), -ENOENT when no unit
 * cgroup exists, or another negative errno. */
int hf_proc_cgroup_pids(const hf_process_cfg *cfg, const char *unit, char *path, size_t n,
                        hf_proc_set *set);

/* The known pids of the last full scan (hf_process_known.c; see
 * hf_process_known in hf_process.h). key: the scanned services' names and
 * executables (0: a pidfile service, never skip the scan). use: fill the
 * sets from them when allowed (true). hold: after their details were read,
 * every one is still there with the same start time. save: after a full
 * scan and its details. */
uint64_t hf_process_known_key(const hf_process_cfg *cfg, const hf_process_result *res,
                              const bool *settled);
bool hf_process_known_use(const hf_process_memory *mem, uint64_t key, const bool *settled, size_t n,
                          hf_proc_set *sets);
bool hf_process_known_hold(const hf_process_memory *mem, const bool *settled, size_t n,
                           const hf_proc_set *sets);
void hf_process_known_save(hf_process_memory *mem, uint64_t key, const bool *settled, size_t n,
                           const hf_proc_set *sets);

/* Parse a pid (decimal, optional surrounding whitespace). 0 or -EINVAL. */
int hf_proc_parse_pid(const char *s, pid_t *out);

/* The memory entry of a service, added (zeroed, *added = true) when missing.
 * NULL when out of memory. Owned by mem. (hf_process_memory.c) */
/* The entry of name, or NULL. */
hf_process_memory_entry *hf_process_memory_entry_find(hf_process_memory *mem, const char *name);
hf_process_memory_entry *hf_process_memory_entry_get(hf_process_memory *mem, const char *name,
                                                     bool *added);

#endif
