/* hf_db_int: internals shared by hf_db.c (probe), hf_db_scan.c (incremental
 * reader), hf_db_edge.c (the far edge of each window), hf_db_window.c (which
 * rows are in a window: classification, exceptions, window sums),
 * hf_db_stats.c (buckets, histograms), hf_db_state.c (state lifecycle) and
 * hf_db_state_file.c (the state file). Not part of the public API. */
#ifndef HF_DB_INT_H
#define HF_DB_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "hf_db.h"
#include "hf_sqlite.h"

#define HF_DB_STATE_VERSION 3u

/* histogram: bin 0 < 1 ms, bins 1..HF_DB_LOG_BINS cover [1.04^(k-1), 1.04^k) ms,
 * the last bin >= 1.04^HF_DB_LOG_BINS (about 1e7 ms) */
#define HF_DB_HIST_RATIO 1.04
#define HF_DB_LOG_BINS 411
#define HF_DB_HIST_BINS (HF_DB_LOG_BINS + 2)

#define HF_DB_MIN_RING 256
#define HF_DB_MIN_GRAN 60
#define HF_DB_HOUR_RING 768
#define HF_DB_HOUR_GRAN 3600
#define HF_DB_EMPTY_TAG INT64_MIN
#define HF_DB_GROW 8                /* spare bins added when a histogram range grows */

#define HF_DB_NFP 4                 /* fingerprints kept */
#define HF_DB_SLACK_S 3600.0        /* out-of-order tolerance (backfill skip, in-order rows) */
#define HF_DB_MAX_EXC 4096          /* rows kept individually before windows turn inexact */
/* exceptions dated before now - HF_DB_KEEP_S are outside every window for good */
#define HF_DB_KEEP_S (2592000.0 + HF_DB_BACKSTEP_S + 2 * 3600.0)

typedef struct hf_db_bucket {
    int64_t tag;                /* floor(t / gran); HF_DB_EMPTY_TAG when unused */
    uint64_t count, errors, rt_n;
    double rt_sum, rt_min, rt_max;
    double dmax;                /* largest disorder of its rows (s before the running max) */
    void *bins;                 /* counts of bins lo..hi, NULL when none: an owned
                                   uint32_t array (hw 0) or, after a load, a read-only
                                   array of hw-byte counts in the state's file image
                                   (hw 1, 2 or 4), copied before a change */
    uint16_t lo, hi;
    uint8_t hw;
} hf_db_bucket;

/* Count of histogram bin i of b (any i: 0 outside lo..hi). */
static inline uint32_t hf_db_bin(const hf_db_bucket *b, int i)
{
    const unsigned char *p = b->bins;

    if (!p || i < b->lo || i > b->hi)
        return 0;
    i -= b->lo;
    switch (b->hw) {
    case 1: return p[i];
    case 2: return ((const uint16_t *)b->bins)[i];
    default: return ((const uint32_t *)b->bins)[i];
    }
}

typedef struct hf_db_ring {
    int64_t gran;               /* seconds per bucket */
    int64_t size;               /* buckets */
    int64_t keep;               /* accept tags >= floor(now/gran) - keep */
    hf_db_bucket *b;
    uint64_t gen;               /* bumped by every change to its buckets */
} hf_db_ring;

/* aggregate of a window */
typedef struct hf_db_agg {
    uint64_t count, errors, rt_n;
    double rt_sum, rt_min, rt_max;
    uint64_t hist[HF_DB_HIST_BINS];
} hf_db_agg;

/* A window's sum of whole ring buckets (tags > from, or >= from when
 * aligned), as hf_db_window.c adds them up: kept while the ring has not
 * changed (gen) and the window still starts at that bucket, so a call that
 * finds nothing new does not add up 720 histograms again. Saved with the
 * state (checked against the ring when loaded). */
typedef struct hf_db_wsum {
    bool ok, aligned;
    int64_t from;
    uint64_t gen;               /* the ring's gen it was summed at */
    hf_db_agg agg;
} hf_db_wsum;

/* one row's identity: rowid, created_at (epoch bits, or a hash of the raw
 * value when unparseable) and response_time bits */
typedef struct hf_db_fp {
    int64_t rowid;
    uint64_t t_key, rt_key;
    double t;                   /* parsed created_at; NAN when unparseable */
} hf_db_fp;

/* The far edge of one window (exact mode). The window is created_at in
 * (edge, now + HF_DB_FUTURE_S]: the ring's buckets with tag > kept.tag, plus
 * kept, plus the exceptions in range. */
typedef struct hf_db_edge {
    double edge;                /* now - W of the last call that brought it up to date */
    int64_t cursor;             /* every in-order row read with rowid < cursor has t <= edge */
    hf_db_bucket kept;          /* in-order rows of bucket floor(edge/g) with t > edge;
                                   tag = that bucket (rt_min/max may be loose) */
} hf_db_edge;

/* A row kept individually: out of order by more than HF_DB_SLACK_S, or dated
 * more than HF_DB_FUTURE_S after the clock when read. Never in a bucket. */
typedef struct hf_db_exc {
    int64_t rowid;
    double t, rt;               /* rt NAN when NULL */
    bool err;
} hf_db_exc;

struct hf_db_state {
    bool valid;                 /* false: the next probe rebuilds */
    char why[96];               /* why it is invalid */
    uint64_t ident;             /* hash of table/columns/error status */
    uint64_t dev, ino;          /* the database file */
    int64_t last_rowid;         /* every row <= this has been taken into account */
    int64_t catchup_from, catchup_to; /* progress span while behind (to == 0: caught up) */
    double max_now;             /* latest clock seen */
    uint64_t skipped, future;
    int64_t bad_rowid;          /* last row with a bad created_at (0 none) */
    char bad_value[48];
    hf_db_fp fp[HF_DB_NFP];     /* fp[0] the last row read, then older call ends */
    unsigned nfp;
    hf_db_ring minute, hour;
    /* exact windows */
    bool exact;                 /* false: bucket-aligned windows (see inexact) */
    char inexact[96];           /* why not exact */
    double retry_at;            /* inexact: rebuild (and try exact again) from this clock on */
    int64_t read_from;          /* rows before this rowid were never read */
    double ref;                 /* largest created_at of the in-order rows read; -INF none */
    hf_db_edge edge[HF_DB_NWIN];
    hf_db_exc *exc;             /* ascending rowid; owned */
    size_t nexc, exc_cap;
    unsigned char *image;       /* the state file last loaded (buckets' bins point
                                   into it); owned */
    hf_db_wsum wsum[HF_DB_NWIN];
    /* what the file holds (hf_db_state_dirty) */
    uint64_t gen;               /* bumped by every change to the rings, the kept
                                   buckets' histograms or the exceptions */
    bool clean;                 /* loaded from or saved to a file since the last reset */
    uint64_t clean_gen, clean_sum; /* gen and hf_db_state_digest at that time */
};


static inline hf_db_status hf_db_from_sqlite(hf_sqlite_status s)
{
    switch (s) {
    case HF_SQLITE_OK: return HF_DB_OK;
    case HF_SQLITE_MISSING: return HF_DB_MISSING;
    case HF_SQLITE_LOCKED: return HF_DB_LOCKED;
    case HF_SQLITE_CORRUPT: return HF_DB_CORRUPT;
    case HF_SQLITE_TIMEOUT: return HF_DB_TIMEOUT;
    default: return HF_DB_ERROR;
    }
}

/* --- hf_db_stats.c: buckets, rings, histograms, aggregates --- */
int hf_db_hist_bin(double rt);
/* Add one row at time t to the rings (filters by ring range at now), its
 * disorder folded into the buckets' dmax. Returns false when out of memory
 * (the row may then be half counted: the caller resets the state). */
bool hf_db_rings_add(hf_db_state *st, double now, double t, bool err, double rt, double dis);
bool hf_db_bucket_add(hf_db_bucket *b, bool err, double rt);
/* Take one row out; false when the bucket does not hold such a row. */
bool hf_db_bucket_sub(hf_db_bucket *b, bool err, double rt);
/* Deep copy (dst's histogram is replaced); false when out of memory. */
bool hf_db_bucket_copy(hf_db_bucket *dst, const hf_db_bucket *src);
/* Free the bins when owned (the bucket is left without bins). */
void hf_db_bins_free(hf_db_bucket *b);
/* The bucket of ring r with this tag, NULL when the ring holds none. */
const hf_db_bucket *hf_db_ring_find(const hf_db_ring *r, int64_t tag);
void hf_db_agg_init(hf_db_agg *a);
void hf_db_agg_bucket(hf_db_agg *a, const hf_db_bucket *b);
void hf_db_agg_row(hf_db_agg *a, bool err, double rt);
double hf_db_agg_p95(const hf_db_agg *a);
void hf_db_ring_clear(hf_db_ring *r);
void hf_db_bucket_reset(hf_db_bucket *b, int64_t tag);   /* frees the histogram */
int64_t hf_db_floor_div(double t, int64_t g);

/* --- hf_db_window.c: which rows are in a window --- */
double hf_db_win_seconds(int w);
const hf_db_ring *hf_db_win_ring(const hf_db_state *st, int w);
/* Exact windows from scratch for a rebuild that reads from rowid from. */
void hf_db_edges_init(hf_db_state *st, double now, int64_t from);
/* Fold one parsed row read in rowid order. Returns false when out of memory. */
bool hf_db_stats_row(hf_db_state *st, double now, int64_t rowid, double t, bool err, double rt);
bool hf_db_exc_has(const hf_db_state *st, int64_t rowid);
void hf_db_exc_purge(hf_db_state *st, double now);
/* Fill res->win, peak_day/peak_count, future for now. */
void hf_db_stats_windows(hf_db_state *st, double now, hf_db_result *res);

/* --- hf_db_state.c --- */
uint64_t hf_db_hash(const void *data, size_t n, uint64_t h);

/* The state file's body checksum, streamed (hf_db_state_sum.c). */
typedef struct hf_db_sum {
    uint64_t v[4], n;
} hf_db_sum;
void hf_db_sum_init(hf_db_sum *s);
void hf_db_sum_update(hf_db_sum *s, const unsigned char *p, size_t n);
uint64_t hf_db_sum_final(const hf_db_sum *s);
uint64_t hf_db_config_ident(const hf_db_config *cfg);
/* Record that st now matches a file (after a load or a save). */
void hf_db_state_mark_clean(hf_db_state *st);
/* Same counters, range and histogram: a bucket unchanged. */
bool hf_db_bucket_same(const hf_db_bucket *a, const hf_db_bucket *b);

/* --- hf_db_scan.c --- */
/* The probe context shared by hf_db.c and hf_db_scan.c. */
typedef struct hf_db_ctx {
    const hf_db_config *cfg;
    hf_db_result *res;
    hf_sqlite c;
    const char *table, *time_col, *rt_col, *status_col, *error_status;
    char q_table[300], q_time[300], q_rt[300], q_status[300]; /* quoted identifiers */
    double t0, deadline, now;
    long txn_ms;
    /* prepared once per call, finalized by hf_db_ctx_finalize */
    sqlite3_stmt *read;         /* HF_DB_READ_SQL: the reader's only statement */
    sqlite3_stmt *maxq;         /* SELECT max(rowid): the simple query, the table's end */
    sqlite3_stmt *begin, *commit;
} hf_db_ctx;

/* Rows from rowid ?1 on, in rowid order: the new rows, the fingerprints
 * (the first row must be the one fingerprinted), the far edges (stopped in
 * code at the last row read), the probes of a bisection (a few rows). */
#define HF_DB_READ_SQL "SELECT rowid, $C, $R, $S FROM $T WHERE rowid >= ?1 ORDER BY rowid"

/* Prepare a template ($T table, $C created_at, $R rt, $S status, quoted)
 * on x's connection (persistent). Returns the SQLite code. */
int hf_db_prepare(const hf_db_ctx *x, sqlite3_stmt **out, const char *tpl);
void hf_db_ctx_finalize(hf_db_ctx *x);

/* One call of the reader (hf_db_scan.c, hf_db_edge.c). */
typedef struct hf_db_scan_t {
    hf_db_ctx *x;
    hf_db_state *st;
    sqlite3_stmt *read;         /* x->read */
    sqlite3_stmt *bounds, *before;  /* a rebuild's, prepared when needed */
    const char *es;             /* error status */
    size_t es_len;
    double es_num;
    bool es_is_num;
    double now, read_deadline;
    hf_db_fp last;              /* the last row read (rowid 0: none) */
    int64_t min_rowid, max_rowid;
    char reason[128];           /* why a rebuild is needed */
    int rc;                     /* last SQLite error */
    const char *what;           /* what failed */
} hf_db_scan_t;

#define HF_DB_TIME_EVERY 256        /* rows between clock reads while stepping */
#define HF_DB_PROBE_ROWS 8          /* rows a probe of a bisection reads at most */

/* Bring st up to date and fill the statistics of res. Returns an hf_db_status. */
hf_db_status hf_db_scan(hf_db_ctx *x, hf_db_state *st);
/* created_at of column col: true with *t set when it is a valid time. */
bool hf_db_col_time(sqlite3_stmt *q, int col, double *t);
double hf_db_col_rt(sqlite3_stmt *q, int col);
/* Column 3 of q equals the error status. */
bool hf_db_is_error(const hf_db_scan_t *s, sqlite3_stmt *q);
/* 0 match, 1 missing, 2 different; SQLite error rc < 0 as -rc. */
int hf_db_fp_check(hf_db_scan_t *s, const hf_db_fp *f);
int hf_db_scan_fail(hf_db_scan_t *s, int rc, const char *what);
/* A read transaction: BEGIN, and COMMIT (which never fails a read). */
int hf_db_begin(hf_db_scan_t *s);
void hf_db_commit(hf_db_scan_t *s);
/* Rows of s->read from rowid from on (reset first); false when none can
 * follow (from beyond the largest rowid). */
bool hf_db_seek(hf_db_scan_t *s, int64_t from);
/* Forget the aggregates (s->reason says why) and set up the backfill. */
int hf_db_rebuild(hf_db_scan_t *s);

/* --- hf_db_edge.c --- */
/* Move every window's far edge to now - W. *pending counts the windows left
 * behind at the read deadline. Rebuilds (s->reason) when rows no longer
 * match. Returns an SQLite error or SQLITE_OK. */
int hf_db_edges_update(hf_db_scan_t *s, int *pending);

#endif
