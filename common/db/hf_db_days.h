/* hf_db_days: rows per UTC day of HelixFlow's request table, without a scan
 * (helixflow-ops capacity: the growth of requests and of the database).
 *
 * DESIGN
 *
 * Safety: read-only, through hf_sqlite_open_ro (nothing created); every
 * statement is a short read transaction of its own (a few rows), bounded by
 * budget_ms; lock waits by busy_ms.
 *
 * Which rows count. A row is in day D (UTC midnight d) when its created_at,
 * read by hf_time as the db probe reads it, lies in [d, d + 86400). Days
 * run from the midnight `days` days before today's to today (count[ndays-1]
 * is today, partial).
 *
 * How, by rowid bisection (method "rowid"). HelixFlow appends rows in time
 * order, so the rows of a day are a rowid range: count(D) = first(D + 1) -
 * first(D), first(B) being the first rowid whose created_at is >= B, found
 * by bisection (O(log n) probes of at most 8 rows each, each range narrowed
 * by the previous boundary). Exact when rowids have no gaps inside the
 * range (AUTOINCREMENT ids; the retention deletes only before the first
 * row); otherwise an upper bound. Unreadable created_at values count in
 * the day around them. The order is verified first: 32 rows sampled across
 * the table must be ascending within HF_DB_SLACK_S (an hour), as the db
 * probe's backfill requires.
 *
 * Otherwise, by an index (method "index"): when the table is not in time
 * order but an index starts with the time column, one
 * `SELECT count(*) ... WHERE created_at >= ?1 AND created_at < ?2` per day
 * with 'YYYY-MM-DD HH:MM:SS' bounds: an index range count (O(rows of the
 * day), no table row read). It counts text dates only (HelixFlow's format
 * and ISO-8601 'T' ones); epoch numbers sort before any text and are not
 * counted. Neither possible: HF_DB_SCHEMA with err saying why (a full scan
 * would be needed, and is never run).
 *
 * Also: the file's page facts and sizes, the table's rowid-span estimate
 * (max - min + 1) and the oldest created_at kept: the first row's (rowid
 * method), the index's first text date (index method).
 *
 * Cost: (days + 1) x log2(rows) probes with the rowid method (about 800
 * single-row reads for a month of 10 million rows), and the sample.
 * Thread-safe: no globals. Tests: tests/unit/test_db_days.c (counts equal
 * SQLite's COUNT(*) per day, gaps, unordered with and without an index,
 * the oldest row, bad input). */
#ifndef HF_DB_DAYS_H
#define HF_DB_DAYS_H

#include <stdbool.h>
#include <stdint.h>

#include "hf_db.h"

#define HF_DB_DAYS_MAX 366

typedef struct hf_db_days_config {
    const char *path;           /* required */
    const char *table;          /* NULL = "inference_requests" */
    const char *time_col;       /* NULL = "created_at" */
    int days;                   /* complete days before today, 1..HF_DB_DAYS_MAX-1; 0 = 30 */
    double now;                 /* UTC epoch; 0 = hf_real_now() */
    long budget_ms;             /* 0 = 5000 */
    long busy_ms;               /* 0 = 2000 */
} hf_db_days_config;

typedef struct hf_db_days_result {
    hf_db_status status;
    char err[HF_ERR_MAX];       /* names what and where when status != OK */
    const char *method;         /* "rowid" or "index" ("" when not counted) */
    double now;
    double day0;                /* UTC midnight of count[0] */
    int ndays;                  /* days counted; the last is today (partial) */
    int64_t count[HF_DB_DAYS_MAX];
    double oldest;              /* created_at of the table's first row; NAN when empty/unreadable */
    int64_t rows;               /* max(rowid) - min(rowid) + 1 (0 empty) */
    int64_t file_size, wal_size;
    int64_t page_size, page_count, freelist_count;
    unsigned probes;            /* statements run for the counts (the cost) */
    double elapsed_ms;
} hf_db_days_result;

/* Count. Fills *res (always initialised). Returns 0, or -EINVAL when
 * cfg/res is NULL, cfg->path is missing or days is out of range. */
int hf_db_days(const hf_db_days_config *cfg, hf_db_days_result *res);

#endif
