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
 * Request statistics. Windows W = 1 h, 24 h, 7 d, 30 d over
 * <table>(<time_col>, <rt_col>, <status_col>): count, errors (status equals
 * error_status), error rate, average and p95 of the response time, and over
 * 30 d the peak UTC day and its count.
 *
 * Which rows are in a window. The clock is cfg->now (UTC epoch seconds,
 * fractions allowed; 0 = the real clock, hf_real_now()), reported as
 * res->now. A row is in window W when its created_at, read as an instant t,
 *         now - W  <  t  <=  now + HF_DB_FUTURE_S
 * t is what hf_time yields (hf_time.h) for 'YYYY-MM-DD HH:MM:SS' (UTC),
 * ISO-8601 with T, fractions, Z or +-HH:MM, or unix epoch seconds as text,
 * INTEGER or REAL; the comparison is in doubles. A row dated exactly now - W
 * is out, one dated now is in. For HelixFlow's own format (whole seconds)
 * that is, at the same clock, the operator's query
 *   SELECT COUNT(*) FROM inference_requests WHERE created_at > datetime(now, '-1 day')
 * (for that format text order is time order, and datetime() truncating the
 * clock to the second selects the same whole-second rows), except rows dated
 * more than HF_DB_FUTURE_S after now: SQL counts them, we report them in
 * res->future (so SQL = count + future). NULL or unparseable created_at: in no window
 * (res->skipped). NULL response_time: counted, but not in avg/p95 (as SQL
 * AVG). Count, errors, error rate and average are exact: equal to SQLite's
 * COUNT/SUM/AVG with that WHERE (sums of integer ms are exact in a double).
 * p95 is nearest rank (k = ceil(0.95 n)) from a histogram that holds exactly
 * the window's rows: the geometric middle of the bin holding the k-th value,
 * clamped to bounds of the window's min/max: within HF_DB_P95_BOUND (1.98 %,
 * sqrt(1.04)-1) of the exact value for values in [1 ms, 1e7 ms). Reported:
 * win[w].start = now - W, res->exact = true.
 *
 * How. Aggregates live in time buckets owned by the caller's hf_db_state:
 *   minute ring: 256 buckets of 60 s   (serves the 1 h window)
 *   hour ring:   768 buckets of 3600 s (24 h, 7 d, 30 d)
 * A bucket holds count, errors, rt count/sum/min/max, a log-scale histogram
 * (bins of ratio 1.04 from 1 ms to 1e7 ms, one bin below, one above) and the
 * largest disorder of its rows (dmax, below). Window W is the sum of
 *   - the buckets after the one holding E = now - W (whole buckets, exact),
 *   - K: the rows of that edge bucket dated after E (kept per window),
 *   - the exceptions dated in (E, now + HF_DB_FUTURE_S].
 * In order or not: rows are read in rowid order; ref is the latest
 * created_at of the in-order rows so far. A row dated before ref -
 * HF_DB_SLACK_S (an hour late or more), or after now + HF_DB_FUTURE_S when
 * read, is an exception: kept one by one (rowid, time, rt, error; at most
 * 4096), in no bucket, summed against each window at each call, dropped once
 * dated 30 d + 4 h before the clock. Every other row is in order: it goes to
 * its buckets and its disorder (ref - t, at most an hour) raises their dmax.
 * So for in-order rows a before b: t_a <= t_b + dmax(bucket of b).
 *
 * Moving the far edge (hf_db_edge.c). Per window the state keeps E, K and a
 * cursor c: every in-order row read with rowid < c is dated <= E. A call
 * with a later clock moves E to E' = now - W:
 *   same bucket     K' = K - its rows dated in (E, E'];
 *   later bucket    K' = that bucket - its rows dated <= E';
 * reading rows in rowid order from c (from a bisection over rowid when the
 * new bucket starts more than an hour after E) up to the first in-order row dated after
 * E' + dmax of the bucket (by the inequality above no later row can be in
 * range) or the last row read: the rows that left the window since the last
 * call, plus one. Two cases count K' from the rows left instead (at most one
 * bucket of rows): a rowid missing in the range read (retention deleted the
 * rows the edge would take out; a delete then VACUUM of an INTEGER PRIMARY
 * KEY table), and a clock moved back (up to HF_DB_BACKSTEP_S; from a
 * bisection). The new rows of a call go into K when they land in an edge
 * bucket after its edge. Taking rows out of K keeps its rt_min/rt_max as
 * (loose) bounds; clamping p95 to looser bounds never moves it further from
 * the exact value, so the bound holds. A row at the edge that does not match
 * what K holds (changed in place) rebuilds (test_exact_changed_in_place).
 * Every scan runs in transactions of
 * at most txn_ms, each re-checking the last fingerprint; an edge not moved by
 * the read deadline keeps its earlier E (that window is the earlier clock's)
 * and coverage is reported below 1.
 *
 * Cost per call, O(rows added) with no full scan and no COUNT(*), whatever
 * the table's size: the new rows once (res->rows_read), plus per window the
 * rows that left it since the last call plus one (res->edge_rows: with a
 * steady insert rate about 4 x the rows added), plus the rows dated within
 * dmax of each edge (0 for rows inserted in time order), plus the exceptions
 * in memory. A clock jump of more than an hour: a bisection (O(log n)
 * probes of at most 8 rows) and at most a bucket of rows per window. A
 * retention run: at most an hour of rows at the 30 d edge, once. In memory:
 * each window's sum of whole buckets is kept with the state (hf_db_wsum)
 * and reused while its ring is unchanged and its edge stays in the same
 * bucket (the same additions: the same bits); otherwise the window adds up
 * its buckets again (720 histograms for 30 d). The state file (one read,
 * checksummed, counts used in place: hf_db_state_file.c) is written only
 * when the state changed (hf_db_state_dirty).
 *
 * Not exact (res->exact false, res->inexact says why): more than 4096
 * exceptions (a table not in time order). The exceptions are folded into the
 * buckets and each window becomes whole buckets from floor(now/g)-N+1 on (N =
 * 60 minutes, 24/168/720 hours): between W-g and W of the past, never more
 * (win[w].start is the oldest bucket's start: rows dated >= start; rows more
 * than HF_DB_FUTURE_S ahead are counted in `future` and ignored). A rebuild
 * 30 d + 4 h later tries exact windows again.
 *
 * Each call reads only rows added since the last: `SELECT rowid, time, rt,
 * status FROM t WHERE rowid > ? ORDER BY rowid` with a prepared statement,
 * sqlite3_column_* without copies, created_at parsed by hf_time (no
 * strptime/mktime), in transactions of at most txn_ms; each transaction first
 * re-checks the fingerprint of the last row read.
 * Backfill (no state, or rebuild): a binary search over rowid finds the first
 * row dated after now - 30 d - HF_DB_BACKSTEP_S - HF_DB_SLACK_S, verified by
 * 32 samples across the table being time-ordered (within the slack);
 * unverified tables are read from the first row. A call stops at its time
 * budget, keeps its progress in the state and reports coverage < 1
 * ("backfill 45% done"); the next call continues.
 *
 * Staying correct (the tests, in tests/unit/test_db.c unless named):
 *  - any clock: on rows exactly at an edge, mid-bucket, on bucket starts,
 *    with fractions, jumps of hours and days, rows added between calls:
 *    test_exact_many_clocks; the same over ISO T/Z, INTEGER epoch and epoch
 *    text rows: test_exact_formats_mixed; the row at now - W leaves at now:
 *    test_exact_edge_rows; backfill then incremental: test_backfill_exact,
 *    test_incremental; a backfill over several calls while the clock moves:
 *    test_partial_backfill, test_short_transactions. Each compares count,
 *    errors, average, p95 and the peak day with SQLite over the same WHERE,
 *    and for HelixFlow's format with the operator's datetime() query
 *    (brute_operator_sql; tests/integration/check_db.sh against the test bed).
 *  - retention deletes (created_at < now-30d), with or without VACUUM: the
 *    30 d edge finds the rows gone and counts its bucket from what is left:
 *    test_exact_retention_vacuum, test_retention_delete.
 *  - deletes/VACUUM/renumbering: the state keeps fingerprints (rowid, parsed
 *    created_at, response_time) of the last row read and of the last rows of
 *    the 3 calls before. Every call (and every transaction) verifies them; a
 *    changed row, a missing last row, a missing row still inside the windows,
 *    or max(rowid) < last rowid rebuilds from scratch: test_vacuum_renumbers.
 *    (Deleting rows that are inside the windows and not fingerprinted is not
 *    detected unless they are at a far edge: HelixFlow only deletes by
 *    retention; documented limitation.)
 *  - a different file (dev/inode) or a different table/column/status config:
 *    rebuild (test_db_io.c: test_state_roundtrip_and_bad_files).
 *  - clock steps: forward, the edges move (a bisection past whole buckets);
 *    back up to HF_DB_BACKSTEP_S, each K is counted again from a bisection;
 *    a larger step back rebuilds: test_exact_clock_back, test_clock_steps.
 *    After a step back of s seconds, rows dated in (now + 1 h, now + 1 h + s]
 *    that were read before the step stay counted until the clock is back.
 *  - out-of-order timestamps: within an hour in order (test_exact_out_of_order
 *    with +-20 min of jitter, test_out_of_order_and_future); later, exceptions
 *    (rows inserted 2 h to 30 d late, some right at an edge as the clock
 *    passes it: test_exact_out_of_order); a table not in time order: inexact,
 *    retried later (test_unordered_table_full_scan).
 *  - rows dated more than HF_DB_FUTURE_S after now: exceptions, counted in
 *    `future` and in no window until the clock reaches them - 1 h
 *    (test_exact_out_of_order, test_out_of_order_and_future).
 *  - NULL/unparseable created_at: counted in `skipped` (since the last
 *    rebuild), the last one named by rowid and value. NULL response_time:
 *    the row counts, but not in avg/p95 (as SQL AVG): test_formats_and_bad_times.
 *  - cost: test_exact_cost asserts rows_read == rows added and
 *    edge_rows <= 4 x (rows added + 2) at every call on a 223,200-row table
 *    (bounded by a bisection and one bucket per window on 5 h jumps);
 *    test_incremental, test_exact_retention_vacuum bound edge_rows too.
 *  - the state file keeps edges, exceptions and the windows' bucket sums
 *    (version 3; an older file is "other version": one rebuild): test_db_io.c. A probe that reads no
 *    new row and moves no edge across a row leaves the state clean
 *    (hf_db_state_dirty): the caller writes nothing, and the file's state
 *    goes on exactly as the one in memory: test_state_clean_after_idle_probe,
 *    test_check_db.c: test_run_once_idle_writes_nothing.
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
    double now;                 /* the clock (UTC epoch, fractions allowed) the windows
                                   end at; 0 = hf_real_now() */
    bool no_stats;              /* skip request statistics */
    bool no_tables;             /* skip per-table row estimates */
    bool quick_check;           /* PRAGMA quick_check */
    bool integrity_check;       /* PRAGMA integrity_check (wins over quick) */
} hf_db_config;

typedef struct hf_db_window {
    double seconds;             /* 3600, 86400, 604800, 2592000 */
    double start;               /* exact: rows dated > start (= now - seconds); inexact:
                                   rows dated >= start (the oldest bucket's start) */
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
    uint64_t rows_read;         /* new rows read this call */
    uint64_t skipped;           /* since the last rebuild */
    uint64_t future;            /* rows dated after now + HF_DB_FUTURE_S: in no window
                                   (exact: now; inexact: seen since the last rebuild) */
    char skipped_example[96];   /* "rowid 12: created_at 'garbage'" */
    bool exact;                 /* windows exact (see DESIGN); false: bucket-aligned */
    char inexact[96];           /* why not exact ("" when exact) */
    uint64_t exceptions;        /* rows kept individually (out of order or ahead) */
    uint64_t edge_rows;         /* rows read this call to move the windows' far edges */
    char rebuilt[128];          /* why the aggregates were rebuilt ("" none) */
    /* costs */
    double elapsed_ms, max_txn_ms;
    unsigned txns;              /* read transactions of the incremental read */
} hf_db_result;

/* The aggregate state (opaque; bucket headers about 80 KB, the window sums
 * 14 KB, plus the live histogram ranges: after a load the file image, about
 * 110 KB for a month of 100,000 rows, with the counts of changed buckets
 * copied out, plus up to 128 KB of exceptions). One owner. */
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
 * or negative errno with err set. No fsync: a lost state only costs a rebuild.
 * Always writes; st is then clean (below). */
int hf_db_state_save(hf_db_state *st, const char *path, char *err, size_t n);
/* Whether st differs from the file it was last loaded from or saved to (true
 * when it was neither). A probe that read no rows and moved no window edge
 * across a row leaves st clean although its clock advanced: the file then
 * holds the state at the earlier clock, which the next probe brings to its
 * own clock exactly as it would have this one (the rows that left the
 * windows in between: none). So a caller saves only when dirty. */
bool hf_db_state_dirty(const hf_db_state *st);
/* State file name for a database and table: "db-<basename>-<16 hex>.state". */
int hf_db_state_name(const char *db_path, const char *table, char *out, size_t n);

/* Run the probe. st may be NULL (no statistics). Fills *res (always
 * initialised). Returns 0, or -EINVAL when cfg/res is NULL or cfg->path
 * missing. The outcome is res->status. */
int hf_db_probe(const hf_db_config *cfg, hf_db_state *st, hf_db_result *res);

/* "ok", "not found", "locked", "corrupt", "schema", "timeout", "error". */
const char *hf_db_status_name(hf_db_status s);

#endif
