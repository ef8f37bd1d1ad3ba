/* hf_db_int: internals shared by hf_db.c (probe), hf_db_scan.c (incremental
 * reader), hf_db_stats.c (buckets, histograms, windows), hf_db_state.c
 * (state lifecycle) and hf_db_state_file.c (the state file). Not part of the
 * public API. */
#ifndef HF_DB_INT_H
#define HF_DB_INT_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "hf_db.h"
#include "hf_sqlite.h"

#define HF_DB_STATE_VERSION 1u

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
#define HF_DB_SLACK_S 3600.0        /* out-of-order tolerance of the backfill skip */

typedef struct hf_db_bucket {
    int64_t tag;                /* floor(t / gran); HF_DB_EMPTY_TAG when unused */
    uint64_t count, errors, rt_n;
    double rt_sum, rt_min, rt_max;
    uint32_t *hist;             /* counts of bins lo..hi; NULL when none; owned */
    uint16_t lo, hi;
} hf_db_bucket;

typedef struct hf_db_ring {
    int64_t gran;               /* seconds per bucket */
    int64_t size;               /* buckets */
    int64_t keep;               /* accept tags >= floor(now/gran) - keep */
    hf_db_bucket *b;
} hf_db_ring;

/* one row's identity: rowid, created_at (epoch bits, or a hash of the raw
 * value when unparseable) and response_time bits */
typedef struct hf_db_fp {
    int64_t rowid;
    uint64_t t_key, rt_key;
    double t;                   /* parsed created_at; NAN when unparseable */
} hf_db_fp;

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
};

/* aggregate of a window */
typedef struct hf_db_agg {
    uint64_t count, errors, rt_n;
    double rt_sum, rt_min, rt_max;
    uint64_t hist[HF_DB_HIST_BINS];
} hf_db_agg;

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

/* --- hf_db_stats.c --- */
int hf_db_hist_bin(double rt);
/* Add one row at time t to the rings (filters by ring range at now).
 * Returns false when out of memory (the row is then not counted at all). */
bool hf_db_stats_add(hf_db_state *st, double now, double t, bool err, double rt);
/* Fill res->win, peak_day/peak_count for now. */
void hf_db_stats_windows(const hf_db_state *st, double now, hf_db_result *res);
double hf_db_agg_p95(const hf_db_agg *a);
void hf_db_ring_clear(hf_db_ring *r);
void hf_db_bucket_reset(hf_db_bucket *b, int64_t tag);   /* frees the histogram */
int64_t hf_db_floor_div(double t, int64_t g);

/* --- hf_db_state.c --- */
uint64_t hf_db_hash(const void *data, size_t n, uint64_t h);
uint64_t hf_db_config_ident(const hf_db_config *cfg);

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
} hf_db_ctx;

/* Bring st up to date and fill the statistics of res. Returns an hf_db_status. */
hf_db_status hf_db_scan(hf_db_ctx *x, hf_db_state *st);

#endif
