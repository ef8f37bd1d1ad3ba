/* hf_backup: the newest database backup, its age, size, size change against
 * the previous one, and a PRAGMA quick_check of the backup copy.
 *
 * The backup is opened read-only and immutable ("file:...?mode=ro&immutable=1")
 * so nothing (journal, -wal, -shm) is created beside it. The live database is
 * never opened: a file matching the glob that is the configured live database
 * (same path or same inode) is skipped. No globals; thread-safe; bounded by
 * a busy timeout and a progress-handler deadline. */
#ifndef HF_BACKUP_H
#define HF_BACKUP_H

#include <stdbool.h>
#include <stdint.h>

#include "hf_util.h"

/* A quick_check verdict remembered for one version of one file: a backup does
 * not change once written, so a check of the same (dev, inode, size, mtime,
 * ctime: any write or utime changes ctime) need not read the whole file again
 * until the verdict is older than memo_max_age_s. Owned by the caller. */
typedef struct hf_backup_verdict {
    bool valid;                 /* holds a verdict */
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    double checked_at;          /* wall clock of the quick_check */
    bool ok;
    char msg[HF_ERR_MAX];       /* why not ok */
} hf_backup_verdict;

typedef struct hf_backup_config {
    const char *glob;           /* required: glob(3) of backup files */
    const char *live_db;        /* the live database: excluded, never opened (may be NULL) */
    bool quick_check;           /* run PRAGMA quick_check on the newest backup */
    long timeout_ms;            /* quick_check deadline (busy timeout too); 0 = 10000 */
    double now;                 /* wall clock (s) for the age; 0 = hf_real_now() */
    hf_backup_verdict *memo;    /* in/out, may be NULL: a verdict for the newest backup's
                                 * exact version is reused; a new verdict is stored */
    double memo_max_age_s;      /* re-check after this long (bit rot); 0 = 86400 */
} hf_backup_config;

typedef struct hf_backup_result {
    size_t nmatches;            /* regular files matched (live database excluded) */
    bool excluded_live;         /* the glob matched the live database: skipped */
    bool found;                 /* a backup was found: the fields below are set */
    char path[HF_PATH_MAX];     /* newest by mtime (ties: greater name) */
    double age_s;               /* now - mtime (negative when in the future) */
    uint64_t size;
    bool has_prev;              /* a second newest exists */
    char prev_path[HF_PATH_MAX];
    uint64_t prev_size;
    int64_t size_change;        /* size - prev_size (bytes) */
    double size_change_pct;     /* 100 * size_change / prev_size; NAN when prev_size is 0 */
    bool checked;               /* quick_check ran to a verdict */
    bool check_ok;              /* ... and it said "ok" */
    bool check_memo;            /* the verdict came from cfg->memo (file unchanged) */
    char check_msg[HF_ERR_MAX]; /* otherwise why, naming the file:
                                 * "helixflow-20261130.db: file is not a database" */
    char err[HF_ERR_MAX];       /* probe failure (return < 0) */
} hf_backup_result;

/* Fill res (zeroed first). Returns 0 (also when nothing matches: found is
 * false), or a negative errno with res->err set (no glob, out of memory). */
int hf_backup_probe(const hf_backup_config *cfg, hf_backup_result *res);

/* quick_check of one database file (read-only, immutable); used by the probe.
 * Returns 1 ok, 0 not ok (msg says why, naming the file), -1 could not run
 * to a verdict (msg says why). */
int hf_backup_quick_check(const char *path, long timeout_ms, char *msg, size_t msglen);

/* Keep a verdict in a small text file (a version line, the verdict, the
 * end marker of hf_seal_append; written atomically) / read it back.
 * Return 0 or negative errno with err naming the file: a truncated or
 * damaged file (no valid end marker) is -EPROTO, another format -EINVAL;
 * on any error v is cleared (v->valid false). */
int hf_backup_verdict_write(const hf_backup_verdict *v, const char *path, char *err, size_t errlen);
int hf_backup_verdict_read(hf_backup_verdict *v, const char *path, char *err, size_t errlen);
/* The same without the error text. */
int hf_backup_verdict_save(const hf_backup_verdict *v, const char *path);
int hf_backup_verdict_load(hf_backup_verdict *v, const char *path);

#endif
