/* hf_db_maint: the weekly maintenance of HelixFlow's database, online
 * (helixflow-ops db maintain).
 *
 * THIS IS THE ONE MODULE THAT WRITES TO HELIXFLOW'S DATABASE (DESIGN.md
 * section 4: every other module opens it read-only). It deletes the rows
 * older than the retention, runs PRAGMA optimize and, only when asked,
 * VACUUM, while HelixFlow keeps writing. With dry_run it writes nothing
 * (read-only open, the same walk, what it would remove).
 *
 * DESIGN
 *
 * One at a time. A lock file <state-dir>/db-maintain-<16 hex>.lock (hex:
 * the database file's device and inode, so two paths to one file share it)
 * is taken without waiting (hf_file_lock: flock, no symlink followed); held
 * by another maintenance, the run is refused (HF_DB_MAINT_BUSY) and does
 * nothing. Dry runs take it too (their figures would be stale otherwise).
 * The state directory is created (0750) and must be private
 * (hf_dir_check_private), as for the checks.
 *
 * What is deleted. The rows of <table> whose created_at, read as an instant
 * by hf_time (the db probe's formats: HelixFlow's text, ISO-8601, epoch), is
 * at or before cutoff = now - retention_days days: exactly the rows that
 * the probe's window of the same length no longer holds, so its statistics
 * do not move (a 30-day retention keeps its 30 d window whole). A NULL or
 * unreadable created_at is never deleted: counted in `unparsed`, the last
 * one named. The guide's `created_at < datetime('now','-30 days')` compares
 * text (an epoch INTEGER is "less" than any text and would be deleted).
 *
 * How (online). The table is walked in rowid order from its first row in
 * batches; each batch is one write transaction: BEGIN IMMEDIATE, read at
 * most `batch` rows after the cursor, delete the old ones by rowid
 * (prepared statements), COMMIT. A batch ends early when it has run for
 * txn_ms (default 50, at most 90): reading stops at half of it, deleting
 * at all of it, and the next batch is halved (grown back, up to `batch`,
 * after quick ones). Between batches the connection sleeps pause_ms
 * (default 10) so HelixFlow's writers, waiting in their busy handler, get
 * the lock: a writer waits at most about one batch. Our own lock waits are
 * bounded by busy_ms (default 5000): past it the run stops, keeping what was
 * done (HF_DB_MAINT_LOCKED). The walk stops at the first row dated after
 * cutoff + HF_DB_SLACK_S (one hour: the probe's tolerance for rows out of
 * time order), so it reads the rows it deletes plus about an hour of rows,
 * never the table: a row more than an hour out of order beyond that point
 * stays (the probe treats such rows as exceptions; documented limitation).
 * The position is estimated up front by a bisection over rowid (O(log n)
 * probes of a few rows) for the progress fraction.
 *
 * Then. PRAGMA analysis_limit=1000 and PRAGMA optimize (a short write
 * transaction when it analyzes). VACUUM only with cfg->vacuum, after a
 * free-space check: the database's filesystem must have 2 x the live bytes
 * ((page_count - freelist_count) x page_size: the rebuilt image goes through
 * the WAL, and SQLite's temporary copy) free, and SQLite's temporary
 * directory (SQLITE_TMPDIR, TMPDIR, /var/tmp, /usr/tmp, /tmp: the first
 * writable one, as the unix VFS picks) 1 x; otherwise it is skipped with
 * the figures (vacuum_skipped). VACUUM holds the write lock for its whole
 * run: HelixFlow's inserts wait meanwhile (seconds per GiB): the one step
 * that is not online, which is why it is opt-in. Last, a checkpoint:
 * PASSIVE, or TRUNCATE after a VACUUM (the WAL then holds the whole file).
 * Freed pages stay inside the file without VACUUM (reused by new rows);
 * `reclaimed` is what the file and its WAL shrank on disk.
 *
 * Time. max_seconds (0: no limit) and the progress callback's non-zero
 * return stop the walk between batches (stopped set): what was deleted
 * stays deleted, the next run continues (the walk starts at the first row).
 *
 * Safety. Opened read-write without creating (a missing file is
 * HF_DB_MAINT_MISSING, nothing made), defensive mode, trusted_schema off,
 * no double-quoted strings; the table and column are quoted identifiers.
 * HelixFlow's own triggers fire as on any delete.
 *
 * Thread-safe: no globals. Tests: tests/unit/test_db_maint.c (cutoff rule
 * on every format, unparsed kept, batches and the time cap, dry run writes
 * nothing, the lock, vacuum and its space check, stop/continue);
 * tests/integration/ops_db.sh (under the test bed's 500 rows/s writer). */
#ifndef HF_DB_MAINT_H
#define HF_DB_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_range.h"
#include "hf_util.h"

#define HF_DB_MAINT_RETENTION_DAYS 30
#define HF_DB_MAINT_BATCH 1000
#define HF_DB_MAINT_TXN_MS 50
#define HF_DB_MAINT_TXN_MAX_MS 90
#define HF_DB_MAINT_PAUSE_MS 10
#define HF_DB_MAINT_BUSY_MS 5000

typedef enum hf_db_maint_status {
    HF_DB_MAINT_OK = 0,
    HF_DB_MAINT_BUSY,           /* another maintenance holds the lock: nothing done */
    HF_DB_MAINT_MISSING,        /* no database file: nothing done */
    HF_DB_MAINT_LOCKED,         /* our lock wait ran out (busy_ms): stopped, work kept */
    HF_DB_MAINT_CORRUPT,        /* not a database / malformed */
    HF_DB_MAINT_SCHEMA,         /* table or column missing, not a rowid table */
    HF_DB_MAINT_ERROR,          /* state directory, permissions, I/O, other SQLite errors */
} hf_db_maint_status;

typedef struct hf_db_maint_progress {
    const char *phase;          /* "delete", "optimize", "vacuum", "checkpoint" */
    uint64_t deleted, scanned;  /* so far (deleted: would delete, in a dry run) */
    int64_t rowid;              /* the walk's position */
    double fraction;            /* 0..1 estimate of the walk, NAN unknown */
    double elapsed_s;
} hf_db_maint_progress;

/* Called after each batch and at each phase; non-zero: stop (between
 * batches; the phases after the walk are skipped). */
typedef int (*hf_db_maint_cb)(const hf_db_maint_progress *p, void *arg);

typedef struct hf_db_maint_config {
    const char *path;           /* the database (required) */
    const char *state_dir;      /* for the lock (required) */
    const char *table;          /* NULL = "inference_requests" */
    const char *time_col;       /* NULL = "created_at" */
    double retention_days;      /* > 0; 0 = HF_DB_MAINT_RETENTION_DAYS */
    double now;                 /* UTC epoch seconds; 0 = hf_real_now() */
    long batch;                 /* rows per transaction at most; 0 = HF_DB_MAINT_BATCH */
    long txn_ms;                /* 0 = HF_DB_MAINT_TXN_MS; capped at HF_DB_MAINT_TXN_MAX_MS */
    long pause_ms;              /* between batches; 0 = HF_DB_MAINT_PAUSE_MS, < 0: none */
    long busy_ms;               /* our lock waits; 0 = HF_DB_MAINT_BUSY_MS */
    double max_seconds;         /* stop the walk after this long; 0: no limit */
    bool dry_run;               /* read-only: count, delete nothing, no optimize/vacuum */
    bool vacuum;                /* VACUUM after the free-space check */
    bool no_optimize;           /* skip PRAGMA optimize */
    hf_db_maint_cb progress;    /* may be NULL */
    void *progress_arg;
} hf_db_maint_config;

typedef struct hf_db_maint_result {
    hf_db_maint_status status;
    char err[HF_ERR_MAX];       /* names what and where when status != OK */
    char lock_path[HF_PATH_MAX];
    bool dry_run;
    double now, cutoff;         /* rows dated <= cutoff are old */
    /* the walk */
    uint64_t deleted;           /* rows deleted (dry run: rows that would be) */
    uint64_t scanned;           /* rows read */
    uint64_t unparsed;          /* rows with NULL/unreadable created_at, kept */
    char unparsed_example[96];  /* "rowid 12: created_at 'garbage'" */
    unsigned txns;              /* write (dry run: read) transactions */
    double max_txn_ms;          /* the longest of them */
    bool stopped;               /* max_seconds or the callback ended the walk early */
    bool walk_done;             /* reached a row newer than cutoff + slack, or the end */
    double oldest_kept;         /* created_at of the first row left (NAN: none) */
    /* the file */
    int64_t page_size;
    int64_t pages_before, free_before, pages_after, free_after;
    int64_t size_before, wal_before, size_after, wal_after;    /* bytes; -1 unknown */
    int64_t reclaimed;          /* (size+wal) before - after, bytes (may be < 0) */
    bool wal_mode;
    /* the steps after */
    bool optimized;
    double optimize_ms;
    bool vacuumed;
    double vacuum_ms;
    char vacuum_skipped[HF_ERR_MAX];   /* why VACUUM did not run when asked ("" ran) */
    bool checkpointed;          /* the final checkpoint completed (every frame back) */
    double elapsed_ms;
} hf_db_maint_result;

/* Run the maintenance. Fills *res (always initialised). Returns 0, or
 * -EINVAL when cfg/res is NULL or path/state_dir missing (res->err says).
 * The outcome is res->status. */
int hf_db_maint_run(const hf_db_maint_config *cfg, hf_db_maint_result *res);

/* The outcome as a check state: OK done; WARNING done but stopped early
 * or VACUUM skipped for lack of space; CRITICAL failed on the way (what
 * was done is kept: locked past busy_ms, corrupt, schema, I/O); UNKNOWN
 * not started (another maintenance runs, no such file, state directory). */
hf_state hf_db_maint_state(const hf_db_maint_result *res);

/* "ok", "busy", "not found", "locked", "corrupt", "schema", "error". */
const char *hf_db_maint_status_name(hf_db_maint_status s);

/* What the run did, in lines for a person (each ending in '\n'): the
 * rows removed (or that would be) and the cutoff, the rows kept unread,
 * optimize, VACUUM or why not, the file before and after, what was
 * reclaimed. The front-end prints it; the words are the core's. */
void hf_db_maint_describe(const hf_db_maint_result *res, hf_buf *out);

/* The lock file of a database under state_dir (names it by device and
 * inode). Returns 0, -ENOENT when path does not exist, -ENAMETOOLONG. */
int hf_db_maint_lock_path(const char *path, const char *state_dir, char *out, size_t n);

#endif
