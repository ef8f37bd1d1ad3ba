/* hf_days_read: the readers of hf_days (design in hf_days.h): one
 * connection's statements, fingerprints, a range read in short
 * transactions, the same range split over threads, and the binary search
 * for the first row of the days needed. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_days_int.h"
#include "hf_time.h"

#define HF_DAYS_TIME_EVERY 256      /* rows between clock reads while stepping */
#define HF_DAYS_PROBE_ROWS 8        /* rows a probe of the search reads at most */
#define HF_DAYS_SAMPLES 32          /* rows sampled to verify time order */
#define HF_DAYS_MEMO 65536          /* integer response times with a cached bin */
#define HF_DAYS_NULL_KEY 0x6e756c6c6e756c6cull

static uint64_t hf_days_bits(double v)
{
    uint64_t u;

    memcpy(&u, &v, 8);
    return u;
}

bool hf_days_col_time(sqlite3_stmt *q, int col, double *t)
{
    switch (sqlite3_column_type(q, col)) {
    case SQLITE_TEXT:
        return hf_time_parse_created_at((const char *)sqlite3_column_text(q, col),
                                        (size_t)sqlite3_column_bytes(q, col), t) == 0;
    case SQLITE_INTEGER:
        *t = (double)sqlite3_column_int64(q, col);
        return hf_time_epoch_ok(*t);
    case SQLITE_FLOAT:
        *t = sqlite3_column_double(q, col);
        return hf_time_epoch_ok(*t);
    default:
        return false;
    }
}

static uint64_t hf_days_raw_key(sqlite3_stmt *q, int col)
{
    int type = sqlite3_column_type(q, col);
    const void *p;

    if (type == SQLITE_NULL)
        return HF_DAYS_NULL_KEY;
    p = type == SQLITE_BLOB ? sqlite3_column_blob(q, col) : sqlite3_column_text(q, col);
    return hf_hash64(p, (size_t)sqlite3_column_bytes(q, col), (uint64_t)type);
}

static double hf_days_col_rt(sqlite3_stmt *q)
{
    return sqlite3_column_type(q, 2) == SQLITE_NULL ? NAN : sqlite3_column_double(q, 2);
}

static hf_days_fp hf_days_row_fp(sqlite3_stmt *q, int64_t rowid, bool t_ok, double t, double rt)
{
    hf_days_fp f = {.rowid = rowid};

    f.t_key = t_ok ? hf_days_bits(t) : hf_days_raw_key(q, 1);
    f.rt_key = isnan(rt) ? HF_DAYS_NULL_KEY : hf_days_bits(rt);
    return f;
}

/* ---- one connection ---- */

int hf_days_conn_prepare(hf_days_conn *k, const hf_days_ctx *x)
{
    char sql[1400];

    snprintf(sql, sizeof(sql), "SELECT rowid, %s, %s, %s FROM %s WHERE rowid >= ?1 ORDER BY rowid",
             x->q_time, x->q_rt, x->q_status, x->q_table);
    return sqlite3_prepare_v3(k->c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, &k->read, NULL);
}

hf_days_status hf_days_conn_open(hf_days_conn *k, const hf_days_ctx *x, bool prepare, char *err,
                                 size_t n)
{
    hf_sqlite_status s;
    int rc;

    memset(k, 0, sizeof(*k));
    s = hf_sqlite_open_ro(&k->c, x->path, x->busy_ms, x->deadline, err, n);
    if (s != HF_SQLITE_OK)
        return s == HF_SQLITE_MISSING ? HF_DAYS_MISSING : s == HF_SQLITE_LOCKED ? HF_DAYS_LOCKED :
               s == HF_SQLITE_CORRUPT ? HF_DAYS_CORRUPT : s == HF_SQLITE_TIMEOUT ? HF_DAYS_TIMEOUT :
               HF_DAYS_ERROR;
    if (prepare && (rc = hf_days_conn_prepare(k, x)) != SQLITE_OK) {
        hf_sqlite_fail(&k->c, rc, err, n, "preparing the read statement");
        return HF_DAYS_SCHEMA;
    }
    return HF_DAYS_OK;
}

void hf_days_conn_close(hf_days_conn *k)
{
    sqlite3_finalize(k->read);
    sqlite3_finalize(k->begin);
    sqlite3_finalize(k->commit);
    k->read = k->begin = k->commit = NULL;
    hf_sqlite_close(&k->c);
}

static int hf_days_step_once(hf_days_conn *k, sqlite3_stmt **q, const char *sql)
{
    int rc = SQLITE_OK;

    if (!*q)
        rc = sqlite3_prepare_v3(k->c.db, sql, -1, SQLITE_PREPARE_PERSISTENT, q, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(*q);
        sqlite3_reset(*q);
    }
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int hf_days_begin(hf_days_conn *k)
{
    return hf_days_step_once(k, &k->begin, "BEGIN");
}

void hf_days_commit(hf_days_conn *k)
{
    if (hf_days_step_once(k, &k->commit, "COMMIT") != SQLITE_OK)
        sqlite3_exec(k->c.db, "COMMIT", NULL, NULL, NULL);
}

int hf_days_fp_check(hf_days_conn *k, const hf_days_fp *f)
{
    sqlite3_stmt *q = k->read;
    int rc;

    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, f->rowid);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW && sqlite3_column_int64(q, 0) == f->rowid) {
        double t, rt = hf_days_col_rt(q);
        bool ok = hf_days_col_time(q, 1, &t);
        hf_days_fp now = hf_days_row_fp(q, f->rowid, ok, t, rt);
        rc = now.t_key == f->t_key && now.rt_key == f->rt_key ? 0 : 2;
    } else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        rc = 1;
    } else {
        rc = -rc;
    }
    sqlite3_reset(q);
    return rc;
}

/* ---- a range read ---- */

typedef struct hf_days_job {
    const hf_days_ctx *x;
    hf_days_conn *k;            /* the caller's (job 0) or &own */
    hf_days_conn own;
    bool owns;
    int64_t from, to;
    hf_days_store *store;       /* the caller's (job 0) or &own_store */
    hf_days_store own_store;
    hf_days_span sp;
    uint16_t *memo;             /* bin of integer response times; 0xffff unknown */
    /* the date of the last row in HelixFlow's format: a row with the same
     * first 11 bytes only needs its time of day checked */
    char pfx[11];
    int64_t pday;
    bool pvalid;
    bool started;
} hf_days_job;

static bool hf_days_dig2(const unsigned char *p, unsigned max, unsigned *v)
{
    unsigned a = (unsigned)p[0] - '0', b = (unsigned)p[1] - '0';

    if (a > 9 || b > 9 || a * 10 + b > max)
        return false;
    *v = a * 10 + b;
    return true;
}

/* created_at of the current row; the fast path gives exactly what
 * hf_time_parse_created_at gives for a 19-byte value with the same date. */
static bool hf_days_job_time(hf_days_job *j, sqlite3_stmt *q, double *t)
{
    const unsigned char *p;
    unsigned h, m, s;
    int n;

    if (sqlite3_column_type(q, 1) != SQLITE_TEXT)
        return hf_days_col_time(q, 1, t);
    p = sqlite3_column_text(q, 1);
    n = sqlite3_column_bytes(q, 1);
    if (n == 19 && j->pvalid && memcmp(p, j->pfx, 11) == 0) {
        if (p[13] != ':' || p[16] != ':' || !hf_days_dig2(p + 11, 23, &h) ||
            !hf_days_dig2(p + 14, 59, &m) || !hf_days_dig2(p + 17, 59, &s))
            return false;
        *t = (double)(j->pday * 86400 + h * 3600 + m * 60 + s);
        return true;
    }
    if (hf_time_parse_created_at((const char *)p, (size_t)n, t) != 0)
        return false;
    if (n == 19 && p[4] == '-') {
        memcpy(j->pfx, p, 11);
        j->pday = hf_days_floor_day(*t);
        j->pvalid = true;
    }
    return true;
}

static void hf_days_bad_row(hf_days_store *s, sqlite3_stmt *q, int64_t rowid)
{
    const unsigned char *v = sqlite3_column_text(q, 1);
    size_t k = 0, max = sizeof(s->bad_value) - 2;

    s->skipped++;
    s->bad_rowid = rowid;
    if (!v) {
        hf_strlcpy(s->bad_value, "NULL", sizeof(s->bad_value));
        return;
    }
    s->bad_value[k++] = '\'';
    for (; *v && k < max; v++)
        s->bad_value[k++] = *v > 0x20 && *v < 0x7f && *v != '\'' ? (char)*v : '?';
    s->bad_value[k++] = '\'';
    s->bad_value[k] = '\0';
}

static bool hf_days_job_error(const hf_days_job *j, sqlite3_stmt *q)
{
    const hf_days_ctx *x = j->x;

    switch (sqlite3_column_type(q, 3)) {
    case SQLITE_TEXT:
    case SQLITE_BLOB:
        return (size_t)sqlite3_column_bytes(q, 3) == x->es_len &&
               memcmp(sqlite3_column_blob(q, 3), x->error_status, x->es_len) == 0;
    case SQLITE_INTEGER:
    case SQLITE_FLOAT:
        return x->es_is_num && sqlite3_column_double(q, 3) == x->es_num;
    default:
        return false;
    }
}

static void hf_days_job_row(hf_days_job *j, sqlite3_stmt *q, int64_t rowid)
{
    double t, rt = NAN;
    int bin = 0;
    bool ok = hf_days_job_time(j, q, &t);

    if (sqlite3_column_type(q, 2) == SQLITE_INTEGER) {
        sqlite3_int64 v = sqlite3_column_int64(q, 2);
        rt = (double)v;
        if (v >= 0 && v < HF_DAYS_MEMO) {
            if (j->memo[v] == 0xffff)
                j->memo[v] = (uint16_t)hf_days_bin(rt);
            bin = j->memo[v];
        } else {
            bin = hf_days_bin(rt);
        }
    } else if (sqlite3_column_type(q, 2) != SQLITE_NULL) {
        rt = sqlite3_column_double(q, 2);
        bin = hf_days_bin(rt);
    }
    if (!ok)
        hf_days_bad_row(j->store, q, rowid);
    else
        hf_days_store_row(j->store, rowid, t, hf_days_job_error(j, q), rt, bin);
    j->sp.last = hf_days_row_fp(q, rowid, ok, t, rt);
}

static void hf_days_job_fail(hf_days_job *j, int rc, const char *what)
{
    if (j->sp.rc == SQLITE_OK) {
        j->sp.rc = rc;
        hf_strlcpy(j->sp.what, what, sizeof(j->sp.what));
    }
}

/* One short read transaction from rowid next on. */
static void hf_days_job_txn(hf_days_job *j, int64_t *next)
{
    const hf_days_ctx *x = j->x;
    sqlite3_stmt *q = j->k->read;
    double t0 = hf_mono_now(), limit = t0 + (double)x->txn_ms / 1000.0, el;
    unsigned n = 0;
    int rc = hf_days_begin(j->k), r;

    if (rc != SQLITE_OK) {
        hf_days_job_fail(j, rc, "BEGIN");
        return;
    }
    if (j->sp.last.rowid && (r = hf_days_fp_check(j->k, &j->sp.last)) != 0) {
        if (r < 0)
            hf_days_job_fail(j, -r, "checking the last row read");
        else
            j->sp.changed = true;
        goto out;
    }
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, *next);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t rowid = sqlite3_column_int64(q, 0);
        if (rowid >= j->to) {
            rc = SQLITE_DONE;
            break;
        }
        hf_days_job_row(j, q, rowid);
        j->sp.covered = rowid;
        *next = rowid + 1;
        if (++n % HF_DAYS_TIME_EVERY == 0) {
            double t = hf_mono_now();
            if (t > limit || t > x->read_deadline)
                break;
        }
    }
    if (rc == SQLITE_DONE)
        j->sp.done = true;
    else if (rc != SQLITE_ROW)
        hf_days_job_fail(j, rc, "reading rows");
out:
    sqlite3_reset(q);
    hf_days_commit(j->k);
    el = (hf_mono_now() - t0) * 1000.0;
    if (el > j->sp.max_txn_ms)
        j->sp.max_txn_ms = el;
    j->sp.txns++;
    j->sp.rows += n;
}

static void *hf_days_job_run(void *arg)
{
    hf_days_job *j = arg;
    char err[HF_ERR_MAX];
    int64_t next = j->from;
    hf_days_fp seed = j->sp.last;

    j->sp.covered = j->from - 1;
    if (j->owns && hf_days_conn_open(&j->own, j->x, true, err, sizeof(err)) != HF_DAYS_OK) {
        hf_days_job_fail(j, SQLITE_CANTOPEN, "opening a reader's connection");
        return NULL;
    }
    if (!(j->memo = malloc(HF_DAYS_MEMO * sizeof(uint16_t)))) {
        hf_days_job_fail(j, SQLITE_NOMEM, "allocating the reader");
        return NULL;
    }
    memset(j->memo, 0xff, HF_DAYS_MEMO * sizeof(uint16_t));
    while (!j->sp.done && !j->sp.changed && j->sp.rc == SQLITE_OK && !j->store->oom &&
           hf_mono_now() <= j->x->read_deadline)
        hf_days_job_txn(j, &next);
    if (j->store->oom)
        hf_days_job_fail(j, SQLITE_NOMEM, "counting rows");
    if (j->sp.done && j->to != INT64_MAX)
        j->sp.covered = j->to - 1;
    if (seed.rowid && j->sp.last.rowid == seed.rowid)
        j->sp.last.rowid = 0;       /* nothing read: no new last row */
    free(j->memo);
    j->memo = NULL;
    return NULL;
}

static void hf_days_span_fold(hf_days_span *out, const hf_days_span *p)
{
    out->rows += p->rows;
    out->txns += p->txns;
    if (p->max_txn_ms > out->max_txn_ms)
        out->max_txn_ms = p->max_txn_ms;
    out->changed |= p->changed;
    if (out->rc == SQLITE_OK && p->rc != SQLITE_OK) {
        out->rc = p->rc;
        memcpy(out->what, p->what, sizeof(out->what));
    }
}

void hf_days_read_span(const hf_days_ctx *x, hf_days_conn *k, int64_t from, int64_t to,
                       int64_t max_rowid, const hf_days_fp *seed, hf_days_store *store,
                       hf_days_span *out)
{
    int threads = x->cfg->threads > 0 ? x->cfg->threads : 2;
    long par = x->cfg->par_rows > 0 ? x->cfg->par_rows : HF_DAYS_PAR_ROWS;
    hf_days_job jobs[HF_DAYS_MAX_THREADS];
    pthread_t tid[HF_DAYS_MAX_THREADS];
    int64_t end = to == INT64_MAX ? max_rowid : to - 1, rows = end - from + 1;
    int nj = 1;
    bool contiguous = true;

    memset(out, 0, sizeof(*out));
    out->covered = from - 1;
    if (threads > HF_DAYS_MAX_THREADS)
        threads = HF_DAYS_MAX_THREADS;
    if (threads > 1 && rows > par)
        nj = threads;
    memset(jobs, 0, sizeof(jobs));
    for (int i = 0; i < nj; i++) {
        hf_days_job *j = &jobs[i];
        j->x = x;
        j->from = from + (int64_t)((double)rows * i / nj);
        j->to = i + 1 < nj ? from + (int64_t)((double)rows * (i + 1) / nj) : to;
        j->owns = i > 0;
        j->k = i > 0 ? &j->own : k;
        if (i > 0)
            hf_days_store_init(&j->own_store, store->lo_day, store->hi_day);
        j->store = i > 0 ? &j->own_store : store;
    }
    if (seed && seed->rowid)
        jobs[0].sp.last = *seed;    /* its first transaction checks it */
    for (int i = 1; i < nj; i++)
        jobs[i].started = pthread_create(&tid[i], NULL, hf_days_job_run, &jobs[i]) == 0;
    hf_days_job_run(&jobs[0]);
    for (int i = 1; i < nj; i++) {
        if (jobs[i].started)
            pthread_join(tid[i], NULL);
        else
            hf_days_job_run(&jobs[i]);      /* no thread: read it here */
    }
    /* keep the part read without a hole: jobs 0..i while each is done */
    for (int i = 0; i < nj; i++) {
        hf_days_job *j = &jobs[i];
        hf_days_span_fold(out, &j->sp);
        if (contiguous) {
            if (i > 0)
                hf_days_store_merge(store, &j->own_store);
            if (j->sp.last.rowid)
                out->last = j->sp.last;
            out->covered = j->sp.covered;
            out->done = j->sp.done;
            contiguous = j->sp.done;
        }
        if (i > 0) {
            hf_days_store_free(&j->own_store);
            hf_days_conn_close(&j->own);
        }
    }
    out->threads = (unsigned)nj;
}

/* ---- the binary search ---- */

/* First row with rowid >= r whose created_at parses: rowid (0 none) and t. */
static int hf_days_probe_at(hf_days_conn *k, int64_t r, int64_t *rid, double *t)
{
    sqlite3_stmt *q = k->read;
    int rc = SQLITE_DONE;

    *rid = 0;
    sqlite3_reset(q);
    sqlite3_bind_int64(q, 1, r);
    for (int n = 0; n < HF_DAYS_PROBE_ROWS && (rc = sqlite3_step(q)) == SQLITE_ROW; n++) {
        if (hf_days_col_time(q, 1, t)) {
            *rid = sqlite3_column_int64(q, 0);
            break;
        }
    }
    sqlite3_reset(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int hf_days_search(const hf_days_ctx *x, hf_days_conn *k, int64_t lo, int64_t hi, double cutoff,
                   int64_t *start)
{
    int64_t a = lo, b = hi + 1, rid, found;
    double t, top = -INFINITY, span = (double)(hi - lo);
    int rc;

    (void)x;
    *start = lo;
    while (a < b) {
        int64_t mid = a + (b - a) / 2;
        if ((rc = hf_days_probe_at(k, mid, &rid, &t)) != SQLITE_OK)
            return rc;
        if (!rid)
            return SQLITE_OK;               /* no time to rely on: read it all */
        if (rid <= hi && t < cutoff)
            a = rid + 1;
        else
            b = mid;
    }
    found = a;
    for (int i = 0; i < HF_DAYS_SAMPLES; i++) {
        int64_t r = lo + (int64_t)(span * i / (HF_DAYS_SAMPLES - 1));
        if ((rc = hf_days_probe_at(k, r, &rid, &t)) != SQLITE_OK)
            return rc;
        if (!rid || rid > hi)
            continue;
        if (t < top - HF_DAYS_SLACK_S || (rid < found && t >= cutoff + HF_DAYS_SLACK_S))
            return SQLITE_OK;               /* not in time order: read it all */
        top = t > top ? t : top;
    }
    *start = found;
    return SQLITE_OK;
}
