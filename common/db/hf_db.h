/* hf_db: the HelixFlow SQLite database probe (check_helixflow_db).
 *
 * DESIGN
 *
 * Safety. The database belongs to HelixFlow: it is opened through
 * hf_sqlite_open_ro (mode=ro, query_only, temp_store=MEMORY, no schema change;
 * immutable=1 for a cleanly closed WAL database so that SQLite does not create
 * <db>-wal/-shm; see hf_sqlite.h). Lock waits are bounded by busy_ms; every
 * statement is interrupted at the call's deadline. Every read transaction is
 * short: the probe times itself while stepping and ends the transaction after
 * txn_ms (default 10 ms, always < 50 ms) so HelixFlow's WAL checkpoints are
 * never starved. Only PRAGMA quick_check / integrity_check (on request) read
 * the whole file in one transaction.
 *
 * File facts: size, WAL size, page_size, page_count, freelist_count.
 * Row counts per table, O(log n) each: max(rowid)-min(rowid)+1 read from the
 * two ends of the rowid b-tree; an UPPER estimate (exact when rowids have no
 * gaps); -1 for WITHOUT ROWID and virtual tables. An exact COUNT(*) is a full
 * scan and is never run. For the tracked table the exact number of rows in
 * the 30 d window is win[HF_DB_W30D].count (what the 30-day retention keeps).
 * Simple-query latency: `SELECT max(rowid) FROM <table>` (prepare + step).
 *
 * Request statistics, incremental. Windows 1 h, 24 h, 7 d, 30 d over
 * <table>(<time_col>, <rt_col>, <status_col>): count, errors (status equals
 * error_status), error rate, average and p95 of the response time, and over
 * 30 d the peak UTC day and its count. Aggregates live in time buckets owned
 * by the caller's hf_db_state:
 *   minute ring: 256 buckets of 60 s   (1 h window = 60 buckets)
 *   hour ring:   768 buckets of 3600 s (24 h / 7 d / 30 d = 24 / 168 / 720)
 * A bucket holds count, errors, rt count/sum/min/max and a log-scale
 * histogram (bins of ratio 1.04 from 1 ms to 1e7 ms, one bin below, one
 * above). A window is the buckets from floor(now/g)-N+1 onwards (the current
 * bucket included; rows dated up to HF_DB_FUTURE_S ahead included): it covers
 * between W-g and W of the past, never more than W, so rows removed by a
 * 30-day retention are outside every window. Counts, errors and averages
 * over a window are exact (equal to SQL on the same bucket-aligned window;
 * sums of integer ms are exact in a double). p95 is nearest-rank
 * (k = ceil(0.95 n)) read from the merged histogram: the geometric middle of
 * the bin holding the k-th value, clamped to the window's min/max: within
 * 1.98 % (sqrt(1.04)-1) of the exact value for values in [1 ms, 1e7 ms).
 *
 * Each call reads only rows added since the last: `SELECT rowid, time, rt,
 * status FROM t WHERE rowid > ? ORDER BY rowid` with a prepared statement,
 * sqlite3_column_* without copies, created_at parsed by hf_time (no
 * strptime/mktime), in transactions of at most txn_ms; each transaction first
 * re-checks the fingerprint of the last row read. Cost O(rows added).
 * Backfill (no state, or rebuild): a binary search over rowid finds the first
 * row dated inside the 30 d window (minus 1 h of slack for out-of-order
 * inserts), verified by 32 samples across the table being time-ordered
 * (within the slack); unverified tables are scanned from the first row. A call
 * stops at its time budget, keeps its progress in the state and reports
 * coverage < 1 ("backfill 45% done"); the next call continues.
 *
 * Staying correct (each case has a unit test):
 *  - retention deletes (created_at < now-30d): outside every window; the rows
 *    are already counted only in buckets that have aged out. Nothing to do.
 *  - deletes/VACUUM/renumbering: the state keeps fingerprints (rowid, parsed
 *    created_at, response_time) of the last row read and of the last rows of
 *    the 3 calls before. Every call (and every transaction) verifies them; a
 *    changed row, a missing last row, a missing row still inside the windows,
 *    or max(rowid) < last rowid rebuilds from scratch. (Deleting rows that are
 *    inside the windows and not fingerprinted is not detected: HelixFlow only
 *    deletes by retention; documented limitation.)
 *  - a different file (dev/inode) or a different table/column/status config:
 *    rebuild.
 *  - clock steps: buckets are keyed by absolute time and only reset when a
 *    newer bucket takes the slot, never subtracted, so nothing goes negative.
 *    A forward step ages buckets out of the windows. A backward step up to
 *    HF_DB_BACKSTEP_S is absorbed exactly (rings keep enough spare buckets);
 *    a larger one rebuilds.
 *  - out-of-order timestamps: each row goes to its own bucket.
 *  - rows dated more than HF_DB_FUTURE_S after now: counted in `future`, not
 *    in any window (they would evict live buckets).
 *  - NULL/unparseable created_at: counted in `skipped` (since the last
 *    rebuild), the last one named by rowid and value. NULL response_time:
 *    the row counts, but not in avg/p95 (as SQL AVG).
 *
 * Thread-safe: no globals; a state must be used by one call at a time. */
#ifndef HF_DB_H
#define HF_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_util.h"

#define HF_DB_FUTURE_S 3600.0       /* rows dated later than now + this are "future" */
#define HF_DB_BACKSTEP_S 7200.0     /* larger backward clock steps rebuild */
#define HF_DB_MAX_TABLES 32
#define HF_DB_P95_BOUND 0.0198      /* documented relative p95 error bound */

typedef enum hf_db_status {
    HF_DB_OK = 0,
    HF_DB_MISSING,              /* file not found */
    HF_DB_LOCKED,               /* lock not obtained within busy_ms */
    HF_DB_CORRUPT,              /* not a database / malformed */
    HF_DB_SCHEMA,               /* table or column missing, not a rowid table */
    HF_DB_TIMEOUT,              /* the budget ran out in a statement */
    HF_DB_ERROR,                /* permissions, I/O, other SQLite errors */
} hf_db_status;

enum { HF_DB_W1H, HF_DB_W24H, HF_DB_W7D, HF_DB_W30D, HF_DB_NWIN };

typedef struct hf_db_config {
    const char *path;           /* database file (required) */
    const char *table;          /* NULL = "inference_requests" */
    const char *time_col;       /* NULL = "created_at" */
    const char *rt_col;         /* NULL = "response_time" */
    const char *status_col;     /* NULL = "status" */
    const char *error_status;   /* NULL = "error" */
    long budget_ms;             /* the whole call; 0 = 5000 */
    long busy_ms;               /* lock wait; 0 = 2000; capped at budget/2 */
    long txn_ms;                /* max read transaction; 0 = 10; capped at 45 */
    double now;                 /* wall clock (UTC epoch); 0 = hf_real_now() */
    bool no_stats;              /* skip request statistics */
    bool no_tables;             /* skip per-table row estimates */
    bool quick_check;           /* PRAGMA quick_check */
    bool integrity_check;       /* PRAGMA integrity_check (wins over quick) */
} hf_db_config;

typedef struct hf_db_window {
    double seconds;             /* 3600, 86400, 604800, 2592000 */
    double start;               /* epoch of the oldest bucket included */
    uint64_t count, errors;
    uint64_t rt_count;          /* rows with a response time */
    double error_pct;           /* 0 when count == 0 */
    double avg_ms, p95_ms;      /* NAN when rt_count == 0 */
} hf_db_window;

typedef struct hf_db_table {
    char name[128];
    int64_t rows;               /* max-min+1 estimate; -1 unknown */
} hf_db_table;

typedef struct hf_db_result {
    hf_db_status status;
    char err[HF_ERR_MAX];       /* names what and where when status != OK */
    /* file */
    int64_t file_size, wal_size;
    int64_t page_size, page_count, freelist_count;
    bool immutable;             /* read with immutable=1 (WAL closed cleanly) */
    hf_db_table tables[HF_DB_MAX_TABLES];
    size_t ntables;
    bool tables_truncated;
    double query_ms;            /* simple query; NAN when not run */
    /* integrity */
    int check;                  /* 0 none, 1 quick_check, 2 integrity_check */
    bool check_ok;
    char check_msg[HF_ERR_MAX]; /* first problem reported */
    /* request statistics */
    bool stats;                 /* windows below are filled */
    double now;                 /* the clock used */
    hf_db_window win[HF_DB_NWIN];
    double peak_day;            /* UTC midnight of the busiest day in 30 d; NAN none */
    uint64_t peak_count;
    double coverage;            /* 1 = caught up; < 1: stopped at the budget */
    uint64_t rows_read;         /* this call */
    uint64_t skipped, future;   /* since the last rebuild */
    char skipped_example[96];   /* "rowid 12: created_at 'garbage'" */
    char rebuilt[128];          /* why the aggregates were rebuilt ("" none) */
    /* costs */
    double elapsed_ms, max_txn_ms;
    unsigned txns;              /* read transactions of the incremental read */
} hf_db_result;

/* The aggregate state (opaque; bucket headers about 75 KB plus the live
 * histogram ranges, typically a few hundred KB). One owner. */
typedef struct hf_db_state hf_db_state;

/* New empty state (needs a backfill). Returns NULL when out of memory. */
hf_db_state *hf_db_state_new(void);
void hf_db_state_free(hf_db_state *st);              /* accepts NULL */
/* Forget everything (the next probe rebuilds). */
void hf_db_state_reset(hf_db_state *st, const char *why);
/* Deep copy src into dst (for benchmarks and tests). Returns 0 or -ENOMEM
 * (dst is then reset). */
int hf_db_state_copy(hf_db_state *dst, const hf_db_state *src);

/* Load a state file. Returns 0; -ENOENT when absent; -EINVAL when it is not a
 * valid state of this version (bad magic, version, checksum, truncated), with
 * err naming the file and the problem. On any failure st is reset (the next
 * probe rebuilds), never half-loaded. */
int hf_db_state_load(hf_db_state *st, const char *path, char *err, size_t n);
/* Save atomically (temporary file in the same directory, rename). Returns 0
 * or negative errno with err set. No fsync: a lost state only costs a rebuild. */
int hf_db_state_save(const hf_db_state *st, const char *path, char *err, size_t n);
/* State file name for a database and table: "db-<basename>-<16 hex>.state". */
int hf_db_state_name(const char *db_path, const char *table, char *out, size_t n);

/* Run the probe. st may be NULL (no statistics). Fills *res (always
 * initialised). Returns 0, or -EINVAL when cfg/res is NULL or cfg->path
 * missing. The outcome is res->status. */
int hf_db_probe(const hf_db_config *cfg, hf_db_state *st, hf_db_result *res);

/* "ok", "not found", "locked", "corrupt", "schema", "timeout", "error". */
const char *hf_db_status_name(hf_db_status s);

#endif
