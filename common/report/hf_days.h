/* hf_days: per-day aggregates of HelixFlow's requests table, kept
 * incrementally over rowid (the store behind `helixflow-ops report`).
 *
 * DESIGN
 *
 * What it keeps. For every UTC day D (created_at in [D 00:00:00, D+1
 * 00:00:00)): the rows, the errors (status equals error_status), the rows
 * with a response time, their sum, min and max, the first and last rowid
 * counted, and a histogram of the response times (bin 0 below 1 ms, bins
 * 1..HF_DAYS_LOG_BINS of ratio HF_DAYS_RATIO = 1.02 from 1 ms to 1e7 ms,
 * one bin above). A period of whole days is the sum of its days, so
 *   count, errors, error rate, average    are EXACT: what SQLite gives for
 *     SELECT COUNT(*), SUM(status = 'error'), AVG(response_time)
 *     FROM t WHERE created_at >= 'S 00:00:00' AND created_at < 'E+1 00:00:00'
 *   (for HelixFlow's own 'YYYY-MM-DD HH:MM:SS' format; ISO T/Z/offsets and
 *   epoch values are read as instants by hf_time, as the db probe does;
 *   sums of integer ms are exact in a double, so the average is SQLite's
 *   AVG to the last bit);
 *   p95 (nearest rank, k = ceil(0.95 n)) is the geometric middle of the bin
 *   holding the k-th value, clamped to the period's min and max: within
 *   HF_DAYS_P95_BOUND (1 %: sqrt(1.02) - 1 = 0.995 %) of the exact value for
 *   values in [1 ms, 1e7 ms); exact when the k-th value is the max.
 * NULL response_time: the row counts, but not in avg/p95 (as SQL AVG).
 * NULL or unparseable created_at: in no day (res->skipped, the last one
 * named). Days kept: HF_DAYS_KEEP back from today and HF_DAYS_AHEAD ahead;
 * rows dated outside are counted in `older` / `ahead` only.
 *
 * How it reads. Safety as the db probe (hf_db.h): hf_sqlite_open_ro
 * (mode=ro, query_only, immutable=1 for a cleanly closed WAL file, nothing
 * created), busy_ms lock waits, a deadline on every statement, and read
 * transactions of at most txn_ms (default 10 ms, at most 45) so WAL
 * checkpoints are never starved. One statement reads:
 *   SELECT rowid, created_at, response_time, status FROM t WHERE rowid >= ?
 *   ORDER BY rowid
 * Each call reads only the rows after the last rowid it counted: O(rows
 * added), never a full scan, never COUNT(*). Because a period is whole
 * days, a row's place never depends on the clock: a row read once stays in
 * its day, in or out of time order; nothing is re-read when time passes.
 *
 * The first call (or a rebuild) needs the days from cfg->need_day on: a
 * binary search over rowid finds the first row dated after need_day 00:00
 * - HF_DAYS_SLACK_S, verified by 32 samples across the table being in time
 * order within that slack (as the db probe's backfill); a table not in
 * order is read from its first row. When a later call needs older days
 * (an --end in the past), the rows before the first one read are read the
 * same way down to the new need_day (an extension: disjoint rowids, never
 * counted twice). st->from is the first complete day: need_day, or the day
 * of the oldest row when everything was read from the table's start
 * (res->oldest: the database holds no earlier rows).
 *
 * A large read (more than HF_DAYS_PAR_ROWS rows, cfg->par_rows) is split over cfg->threads
 * (default 2) threads, each with its own read-only connection, its own
 * short transactions and a disjoint rowid range; their days are added up
 * when all are done. When the budget ends a read early only the part read
 * without a hole is kept (the next call continues from there; res->coverage
 * < 1 says how far it got).
 *
 * Staying correct (tests in tests/unit/test_report_days.c):
 *  - the state keeps the fingerprint (rowid, created_at, response_time) of
 *    the last row read; each call and each transaction checks it. A
 *    changed or missing last row, max(rowid) below it, another file
 *    (dev/inode), another table/column/status configuration, another
 *    version: rebuild from scratch (res->rebuilt says why):
 *    test_days_vacuum_renumbered, test_days_replaced_file.
 *  - rows deleted by retention after they were counted stay in their days
 *    (the report's history outlives the table's retention); every day
 *    records its first/last rowid, so a day whose rows are below the
 *    table's min(rowid) is known to be pruned (hf_days_get .pruned) and the
 *    period says so: test_days_retention_keeps_history.
 *  - out-of-order rows, rows dated ahead, NULL/garbage/ISO/epoch times:
 *    test_days_formats, test_days_out_of_order; a clock set back keeps
 *    the days already counted ahead of it (only days older than
 *    HF_DAYS_KEEP are dropped): test_days_out_of_order.
 *  - incremental equals a fresh read, at every step and split over
 *    threads and extensions: test_days_incremental_equals_full,
 *    test_days_threads_equal, test_days_extend_back.
 *  - figures equal SQLite's for every day and every period (brute SQL over
 *    the same WHERE): test_days_exact_vs_sql; p95 within the bound:
 *    test_days_p95_bound.
 *  - state file: sealed text (hf_seal_append, "end <16 hex>"), written
 *    through hf_file_write_atomic; truncated, damaged, other version or
 *    garbage files are refused naming the file and the problem and the
 *    state starts afresh: test_days_state_file.
 *  (Rows changed in place or deleted from the middle of the table are not
 *  seen unless they are the last row read: HelixFlow only inserts, and
 *  deletes by retention.)
 *
 * Cost: the new rows once (res->rows_read) plus O(log n) probes; a call
 * with nothing new: open, the file facts, min/max(rowid), one fingerprint.
 * Memory: a day is about 3.4 KB (its histogram dense), a month 100 KB.
 * The state file holds the non-zero stretch of each histogram as text.
 *
 * Ownership and threads: the state is opaque, owned by the caller, used by
 * one call at a time (hf_days_update starts and joins its own reader
 * threads); no globals. Errors: res->status and res->err naming what and
 * where; functions returning int give 0 or negative errno. */
#ifndef HF_DAYS_H
#define HF_DAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_util.h"

#define HF_DAYS_RATIO 1.02
#define HF_DAYS_LOG_BINS 814        /* 1.02^814 > 1e7 ms */
#define HF_DAYS_BINS (HF_DAYS_LOG_BINS + 2)
#define HF_DAYS_P95_BOUND 0.01      /* documented relative p95 bound (sqrt(1.02) - 1 < 1 %) */
#define HF_DAYS_KEEP 400            /* days kept back from today (a year and a month) */
#define HF_DAYS_AHEAD 2             /* days kept ahead of today */
#define HF_DAYS_SLACK_S 3600.0      /* out-of-order tolerance of the backfill's search */
#define HF_DAYS_PAR_ROWS 1000000    /* a read larger than this is split over threads */
#define HF_DAYS_MAX_THREADS 8

typedef enum hf_days_status {
    HF_DAYS_OK = 0,
    HF_DAYS_MISSING,            /* file not found */
    HF_DAYS_LOCKED,             /* lock not obtained within busy_ms */
    HF_DAYS_CORRUPT,            /* not a database / malformed */
    HF_DAYS_SCHEMA,             /* table or column missing, not a rowid table */
    HF_DAYS_TIMEOUT,            /* the budget ran out in a statement */
    HF_DAYS_ERROR,              /* permissions, I/O, memory, other SQLite errors */
} hf_days_status;

typedef struct hf_days_config {
    const char *path;           /* database file (required) */
    const char *table;          /* NULL = "inference_requests" */
    const char *time_col;       /* NULL = "created_at" */
    const char *rt_col;         /* NULL = "response_time" */
    const char *status_col;     /* NULL = "status" */
    const char *error_status;   /* NULL = "error" */
    double now;                 /* the clock (UTC epoch); 0 = hf_real_now() */
    int64_t need_day;           /* the oldest day wanted (days since 1970-01-01);
                                   clamped to today - HF_DAYS_KEEP + 1 */
    long budget_ms;             /* the whole call; 0 = 60000 */
    long busy_ms;               /* lock wait; 0 = 2000; capped at budget/2 */
    long txn_ms;                /* max read transaction; 0 = 10; capped at 45 */
    int threads;                /* readers of a large read; 0 = 2; 1 = none */
    long par_rows;              /* a read larger than this is split; 0 = HF_DAYS_PAR_ROWS */
} hf_days_config;

typedef struct hf_days_result {
    hf_days_status status;
    char err[HF_ERR_MAX];       /* names what and where when status != OK */
    double now;                 /* the clock used */
    int64_t today;              /* floor(now / 86400) */
    /* the file */
    int64_t file_size, wal_size;    /* bytes; -1 unknown */
    int64_t page_size, page_count, freelist_count;
    int64_t min_rowid, max_rowid;   /* 0 when empty */
    int64_t rows_estimate;      /* max - min + 1 (exact without gaps); 0 empty */
    double query_ms;            /* SELECT min(rowid), max(rowid): prepare + step */
    /* the read */
    uint64_t rows_read;         /* rows read this call (new and extension) */
    double coverage;            /* 1 caught up; < 1 stopped at the budget */
    int64_t from_day;           /* days >= this are complete */
    double oldest;              /* oldest created_at when read from the table's
                                   first row; NAN when not known */
    uint64_t skipped, older, ahead;     /* since the last rebuild */
    char skipped_example[96];   /* "rowid 12: created_at 'garbage'" */
    char rebuilt[128];          /* why the days were rebuilt ("" none) */
    unsigned threads;           /* readers used this call */
    unsigned txns;
    double max_txn_ms, elapsed_ms;
} hf_days_result;

/* One day, or the sum of a span of days (hf_days_sum). */
typedef struct hf_days_agg {
    int64_t day;                /* first day (hf_days_sum: the span's first) */
    uint64_t count, errors, rt_n;
    double rt_sum, rt_min, rt_max;  /* min/max NAN when rt_n == 0 */
    int64_t first_rowid, last_rowid;    /* 0 when no row */
    bool pruned;                /* some of its rows were deleted from the table since */
    uint64_t hist[HF_DAYS_BINS];
} hf_days_agg;

typedef struct hf_days_state hf_days_state;     /* opaque; one owner */

hf_days_state *hf_days_state_new(void);          /* NULL when out of memory */
void hf_days_state_free(hf_days_state *st);      /* accepts NULL */
void hf_days_state_reset(hf_days_state *st, const char *why);

/* Load a state file. Returns 0; -ENOENT when absent; -EINVAL (bad magic,
 * version, checksum, truncated, a bad line: err names the file and line) or
 * another negative errno. On failure st is reset, never half-loaded. */
int hf_days_state_load(hf_days_state *st, const char *path, char *err, size_t n);
/* Save atomically (hf_file_write_atomic). Returns 0 or negative errno with
 * err. st is then clean. */
int hf_days_state_save(hf_days_state *st, const char *path, char *err, size_t n);
/* Whether st changed since it was loaded or saved (true when neither). */
bool hf_days_state_dirty(const hf_days_state *st);
/* "report-<db basename>-<16 hex of path, table, columns, status>.state". */
int hf_days_state_name(const hf_days_config *cfg, char *out, size_t n);

/* Bring st up to date with the table (see DESIGN). Fills *res (always
 * initialised). Returns 0, or -EINVAL when cfg, st or res is NULL or
 * cfg->path missing; the outcome is res->status. */
int hf_days_update(const hf_days_config *cfg, hf_days_state *st, hf_days_result *res);

/* Day `day` (zeros, day set, when nothing is known). min_rowid: the
 * table's min(rowid) now (res->min_rowid), to mark pruned days; 0 = do not. */
void hf_days_get(const hf_days_state *st, int64_t day, int64_t min_rowid, hf_days_agg *out);
/* The sum of days [from, to] (inclusive); *pruned_days counts days in it
 * whose rows were partly deleted from the table since (may be NULL). */
void hf_days_sum(const hf_days_state *st, int64_t from, int64_t to, int64_t min_rowid,
                 hf_days_agg *out, unsigned *pruned_days);
/* First complete day (INT64_MIN: nothing read yet) and the oldest row's
 * time when everything was read from the table's start (NAN otherwise). */
int64_t hf_days_from(const hf_days_state *st);
double hf_days_oldest(const hf_days_state *st);

/* Figures of an aggregate: NAN when there is nothing to average. */
double hf_days_avg(const hf_days_agg *a);
double hf_days_p95(const hf_days_agg *a);
double hf_days_error_pct(const hf_days_agg *a);
/* The histogram bin of a response time (ms). */
int hf_days_bin(double rt);

/* "ok", "not found", "locked", "corrupt", "schema", "timeout", "error". */
const char *hf_days_status_name(hf_days_status s);

#endif
