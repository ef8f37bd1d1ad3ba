/* hf_days_int: internals shared by hf_days.c (the call: open, file facts,
 * schema, state checks, rebuild and extension), hf_days_read.c (range
 * readers, threads, the binary search), hf_days_store.c (days, sums, p95)
 * and hf_days_file.c (the state file). Not part of the public API. */
#ifndef HF_DAYS_INT_H
#define HF_DAYS_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "hf_days.h"
#include "hf_sqlite.h"

#define HF_DAYS_STATE_VERSION 1u
#define HF_DAYS_NONE INT64_MIN          /* no day */

/* One day in memory: counters and a dense histogram (owned). */
typedef struct hf_days_day {
    int64_t day;
    uint64_t count, errors, rt_n;
    double rt_sum, rt_min, rt_max;      /* min/max meaningful when rt_n > 0 */
    int64_t first_rowid, last_rowid;    /* of the rows counted; 0 none */
    uint32_t *hist;                     /* HF_DAYS_BINS counts; NULL until a response time */
} hf_days_day;

/* A set of days sorted by day, plus what fell outside the kept range. */
typedef struct hf_days_store {
    hf_days_day *d;                     /* owned */
    size_t n, cap;
    size_t hint;                        /* index of the day used last */
    int64_t lo_day, hi_day;             /* days accepted */
    uint64_t older, ahead, skipped;
    int64_t bad_rowid;                  /* last row with a bad created_at (0 none) */
    char bad_value[48];
    double oldest;                      /* least created_at read; +INF none */
    bool oom;                           /* an allocation failed: the store is unusable */
} hf_days_store;

/* A row's identity: rowid, created_at (epoch bits, or a hash of the raw
 * value when unparseable) and response_time bits. */
typedef struct hf_days_fp {
    int64_t rowid;                      /* 0: none */
    uint64_t t_key, rt_key;
} hf_days_fp;

struct hf_days_state {
    bool valid;                         /* false: the next update rebuilds */
    char why[96];                       /* why it is not valid */
    uint64_t ident;                     /* hash of table, columns, error status */
    uint64_t dev, ino;                  /* the database file */
    int64_t start_rowid;                /* rows from here ... */
    int64_t last_rowid;                 /* ... to here are counted */
    int64_t from_day;                   /* first complete day; HF_DAYS_NONE none */
    bool from_start;                    /* read from the table's first row */
    hf_days_fp fp;                      /* the last row read */
    hf_days_store s;
    uint64_t gen, clean_gen;            /* changes; the gen the file holds */
    bool clean;                         /* loaded or saved since the last reset */
};

/* --- hf_days_store.c --- */
void hf_days_store_init(hf_days_store *s, int64_t lo_day, int64_t hi_day);
void hf_days_store_free(hf_days_store *s);
/* The day's slot, created (sorted) when absent; NULL when out of memory
 * (s->oom set). Pointers are valid until the next insertion. */
hf_days_day *hf_days_store_slot(hf_days_store *s, int64_t day);
const hf_days_day *hf_days_store_find(const hf_days_store *s, int64_t day);
/* One row: day from t, bin from rt (hf_days_bin; ignored when rt is NAN). */
void hf_days_store_row(hf_days_store *s, int64_t rowid, double t, bool err, double rt, int bin);
/* Add every day of src into dst (and the outside counters, oldest). */
void hf_days_store_merge(hf_days_store *dst, const hf_days_store *src);
/* Drop the days before lo_day (counted into older) and accept new rows in
 * [lo_day, hi_day] from now on; days kept beyond hi_day stay (a clock set
 * back). Returns whether something was dropped. */
bool hf_days_store_clip(hf_days_store *s, int64_t lo_day, int64_t hi_day);
void hf_days_agg_add_day(hf_days_agg *a, const hf_days_day *d);
int64_t hf_days_floor_day(double t);

/* --- hf_days_read.c --- */
/* What every reader of one call shares (read-only while threads run). */
typedef struct hf_days_ctx {
    const hf_days_config *cfg;
    const char *path;
    const char *table, *time_col, *rt_col, *status_col, *error_status;
    char q_table[300], q_time[300], q_rt[300], q_status[300];  /* quoted */
    size_t es_len;
    double es_num;
    bool es_is_num;
    double t0, deadline, read_deadline, now;
    long busy_ms, txn_ms;
    int64_t lo_day, hi_day;             /* days kept at this clock */
} hf_days_ctx;

/* One connection and its persistent statements. */
typedef struct hf_days_conn {
    hf_sqlite c;
    sqlite3_stmt *read, *begin, *commit;
} hf_days_conn;

/* Open a connection (and prepare the read statement when asked). Returns
 * an hf_days_status with err. */
hf_days_status hf_days_conn_open(hf_days_conn *k, const hf_days_ctx *x, bool prepare, char *err,
                                 size_t n);
void hf_days_conn_close(hf_days_conn *k);
/* Prepare the read statement on an open connection (the schema check). */
int hf_days_conn_prepare(hf_days_conn *k, const hf_days_ctx *x);
int hf_days_begin(hf_days_conn *k);
void hf_days_commit(hf_days_conn *k);
/* 0 match, 1 missing, 2 different; negative: -(SQLite error). */
int hf_days_fp_check(hf_days_conn *k, const hf_days_fp *f);

/* Read rowids [from, to) (to INT64_MAX: to the end, including rows added
 * while reading) into store, in transactions of at most txn_ms, until the
 * read deadline. Split over up to cfg->threads readers when larger than
 * cfg->par_rows (max_rowid: the table's end now). The outcome: */
typedef struct hf_days_span {
    int64_t covered;                    /* every row in [from, covered] was read */
    hf_days_fp last;                    /* the last row read (rowid 0: none) */
    bool done;                          /* reached to / the table's end */
    bool changed;                       /* a fingerprint no longer matched */
    uint64_t rows;
    unsigned threads, txns;
    double max_txn_ms;
    int rc;                             /* SQLite error (SQLITE_OK none) */
    char what[64];                      /* what failed */
} hf_days_span;

/* seed: the last row read before `from` (rowid 0: none), re-checked by
 * the first reader's first transaction. */
void hf_days_read_span(const hf_days_ctx *x, hf_days_conn *k, int64_t from, int64_t to,
                       int64_t max_rowid, const hf_days_fp *seed, hf_days_store *store,
                       hf_days_span *out);

/* Binary search in [lo, hi] for the first rowid dated >= cutoff assuming
 * time order, verified by samples: *start = lo when the range is not in
 * order (read it all). Returns an SQLite code. */
int hf_days_search(const hf_days_ctx *x, hf_days_conn *k, int64_t lo, int64_t hi, double cutoff,
                   int64_t *start);
/* created_at of column col: true with *t when valid. */
bool hf_days_col_time(sqlite3_stmt *q, int col, double *t);

#endif
