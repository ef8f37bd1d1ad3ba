/* hf_db_state_file: the database probe's state file (design in hf_db.h).
 *
 * Format (host byte order; the state never leaves the host):
 *   header  "HFDBST\r\n" | u32 version | u32 0x01020304 | u64 body length |
 *           u64 checksum of the body
 *   body    fixed fields (identity, last rowid, progress, counters,
 *           fingerprints), for each ring its geometry and the non-empty
 *           buckets: tag, counters (varints), rt sum/min/max and disorder
 *           (doubles), the histogram range lo, n (varints) and, when n > 0,
 *           the width w of its counts (1, 2 or 4 bytes: the smallest that
 *           holds the largest), zero bytes up to a multiple of w from the
 *           body's start, n counts of w bytes; then the exact-window fields:
 *           flags, per window its edge, cursor and kept bucket (same
 *           encoding, may be empty), the exceptions (rowid, created_at, rt,
 *           error flag); last per window its cached ring sum
 *           (hf_db_wsum) when it still holds: start bucket, counters,
 *           rt sum/min/max, histogram range and counts (varints).
 * The cost of a short-lived check is the memory it touches: most buckets
 * hold a hundred rows or so, so their counts fit a byte and the file is a
 * quarter of what u32 counts would take. Loading reads the file in one
 * read(), checks the checksum (four independent 64-bit lanes, a few
 * instructions per 8 bytes) before decoding anything, and decodes without
 * copying the counts: each bucket's bins point into the file image, which
 * the state keeps (hf_db_state.image); a bucket copies its counts to an owned
 * uint32_t array before it changes (hf_db_stats.c). Loading validates
 * everything (magic, version, geometry, checksum, ranges, duplicate buckets,
 * count widths and padding, histogram sums, edges against their buckets,
 * exceptions in rowid order, nothing after the end) and resets the state
 * on any problem. Saving streams through one 16 KiB buffer. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_db_int.h"

#define HF_DB_MAGIC "HFDBST\r\n"
#define HF_DB_ENDIAN 0x01020304u
#define HF_DB_HDR 32
#define HF_DB_STATE_MAX (64u << 20)

/* ---- saving: streamed through a 16 KiB buffer ---- */

#define HF_DB_WBUF 16384            /* a multiple of 32 (streamed checksum) */

typedef struct hf_db_wr {
    unsigned char *buf;
    size_t len;
    uint64_t pos;               /* body bytes so far */
    int fd, err;
    hf_db_sum sum;
} hf_db_wr;

static int hf_db_write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? -errno : -EIO;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void hf_db_flush(hf_db_wr *w)
{
    hf_db_sum_update(&w->sum, w->buf, w->len);
    if (!w->err)
        w->err = hf_db_write_all(w->fd, w->buf, w->len);
    w->len = 0;
}

static void hf_db_put(hf_db_wr *w, const void *data, size_t n)
{
    const unsigned char *p = data;

    w->pos += n;
    while (n) {
        size_t k = HF_DB_WBUF - w->len < n ? HF_DB_WBUF - w->len : n;
        memcpy(w->buf + w->len, p, k);
        w->len += k;
        p += k;
        n -= k;
        if (w->len == HF_DB_WBUF)
            hf_db_flush(w);
    }
}

static void hf_db_put_u64(hf_db_wr *w, uint64_t v)
{
    hf_db_put(w, &v, 8);
}

static void hf_db_put_f(hf_db_wr *w, double v)
{
    hf_db_put(w, &v, 8);
}

static void hf_db_put_var(hf_db_wr *w, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;

    while (v >= 0x80) {
        t[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (unsigned char)v;
    hf_db_put(w, t, n);
}

static bool hf_db_used(const hf_db_bucket *k)
{
    return k->tag != HF_DB_EMPTY_TAG && k->count;
}

/* The counts of bins lo..lo+n-1 in the width that holds the largest. */
static void hf_db_put_bins(hf_db_wr *w, const hf_db_bucket *k, int lo, size_t n)
{
    static const unsigned char zero[4];
    union {
        uint8_t b[HF_DB_HIST_BINS];
        uint16_t s[HF_DB_HIST_BINS];
        uint32_t l[HF_DB_HIST_BINS];
    } t;
    uint32_t max = 0;
    unsigned char hw;

    for (size_t i = 0; i < n; i++) {
        uint32_t c = hf_db_bin(k, lo + (int)i);
        max = c > max ? c : max;
        t.l[i] = c;
    }
    hw = max < 0x100 ? 1 : max < 0x10000 ? 2 : 4;
    for (size_t i = 0; hw < 4 && i < n; i++) {  /* narrow in place, front to back */
        if (hw == 1)
            t.b[i] = (uint8_t)t.l[i];
        else
            t.s[i] = (uint16_t)t.l[i];
    }
    hf_db_put(w, &hw, 1);
    hf_db_put(w, zero, (size_t)((hw - w->pos % hw) % hw));
    hf_db_put(w, &t, n * hw);
}

static void hf_db_put_bucket(hf_db_wr *w, const hf_db_bucket *k)
{
    int lo = k->lo, hi = k->bins ? k->hi : k->lo - 1;
    uint64_t n;

    while (lo <= hi && !hf_db_bin(k, lo))   /* drop the spare zero bins */
        lo++;
    while (hi >= lo && !hf_db_bin(k, hi))
        hi--;
    n = hi >= lo ? (uint64_t)(hi - lo + 1) : 0;

    hf_db_put_u64(w, (uint64_t)k->tag);
    hf_db_put_var(w, k->count);
    hf_db_put_var(w, k->errors);
    hf_db_put_var(w, k->rt_n);
    hf_db_put_f(w, k->rt_sum);
    hf_db_put_f(w, k->rt_min);
    hf_db_put_f(w, k->rt_max);
    hf_db_put_f(w, k->dmax);
    hf_db_put_var(w, n ? (uint64_t)lo : 0);
    hf_db_put_var(w, n);
    if (n)
        hf_db_put_bins(w, k, lo, (size_t)n);
}

static void hf_db_put_ring(hf_db_wr *w, const hf_db_ring *r)
{
    uint64_t n = 0;

    hf_db_put_u64(w, (uint64_t)r->gran);
    hf_db_put_u64(w, (uint64_t)r->size);
    for (int64_t i = 0; i < r->size; i++)
        n += hf_db_used(&r->b[i]);
    hf_db_put_var(w, n);
    for (int64_t i = 0; i < r->size; i++)
        if (hf_db_used(&r->b[i]))
            hf_db_put_bucket(w, &r->b[i]);
}

static void hf_db_put_str(hf_db_wr *w, const char *s, size_t size)
{
    size_t n = strnlen(s, size - 1);

    hf_db_put_var(w, n);
    hf_db_put(w, s, n);
}

/* Exact-window fields: flags, edges (edge, cursor, kept bucket), exceptions. */
static void hf_db_put_exact(hf_db_wr *w, const hf_db_state *st)
{
    hf_db_put_var(w, st->exact);
    hf_db_put_str(w, st->inexact, sizeof(st->inexact));
    hf_db_put_f(w, st->retry_at);
    hf_db_put_u64(w, (uint64_t)st->read_from);
    hf_db_put_f(w, st->ref);
    for (int i = 0; i < HF_DB_NWIN; i++) {
        hf_db_put_f(w, st->edge[i].edge);
        hf_db_put_u64(w, (uint64_t)st->edge[i].cursor);
        hf_db_put_bucket(w, &st->edge[i].kept);
    }
    hf_db_put_var(w, st->nexc);
    for (size_t i = 0; i < st->nexc; i++) {
        hf_db_put_u64(w, (uint64_t)st->exc[i].rowid);
        hf_db_put_f(w, st->exc[i].t);
        hf_db_put_f(w, st->exc[i].rt);
        hf_db_put_var(w, st->exc[i].err);
    }
}

/* The windows' cached ring sums that still hold. */
static void hf_db_put_wsums(hf_db_wr *w, const hf_db_state *st)
{
    for (int i = 0; i < HF_DB_NWIN; i++) {
        const hf_db_wsum *c = &st->wsum[i];
        int lo = 0, hi = HF_DB_HIST_BINS - 1;
        bool ok = c->ok && c->gen == hf_db_win_ring(st, i)->gen;
        hf_db_put_var(w, ok);
        if (!ok)
            continue;
        while (lo <= hi && !c->agg.hist[lo])
            lo++;
        while (hi >= lo && !c->agg.hist[hi])
            hi--;
        hf_db_put_var(w, c->aligned);
        hf_db_put_u64(w, (uint64_t)c->from);
        hf_db_put_var(w, c->agg.count);
        hf_db_put_var(w, c->agg.errors);
        hf_db_put_var(w, c->agg.rt_n);
        hf_db_put_f(w, c->agg.rt_sum);
        hf_db_put_f(w, c->agg.rt_min);
        hf_db_put_f(w, c->agg.rt_max);
        hf_db_put_var(w, hi >= lo ? (uint64_t)lo : 0);
        hf_db_put_var(w, hi >= lo ? (uint64_t)(hi - lo + 1) : 0);
        for (int b = lo; b <= hi; b++)
            hf_db_put_var(w, c->agg.hist[b]);
    }
}

static void hf_db_put_body(hf_db_wr *w, const hf_db_state *st)
{
    hf_db_put_u64(w, st->ident);
    hf_db_put_u64(w, st->dev);
    hf_db_put_u64(w, st->ino);
    hf_db_put_u64(w, (uint64_t)st->last_rowid);
    hf_db_put_u64(w, (uint64_t)st->catchup_from);
    hf_db_put_u64(w, (uint64_t)st->catchup_to);
    hf_db_put_f(w, st->max_now);
    hf_db_put_u64(w, st->skipped);
    hf_db_put_u64(w, st->future);
    hf_db_put_u64(w, (uint64_t)st->bad_rowid);
    hf_db_put_str(w, st->bad_value, sizeof(st->bad_value));
    hf_db_put_var(w, st->nfp);
    for (unsigned i = 0; i < st->nfp; i++) {
        hf_db_put_u64(w, (uint64_t)st->fp[i].rowid);
        hf_db_put_u64(w, st->fp[i].t_key);
        hf_db_put_u64(w, st->fp[i].rt_key);
        hf_db_put_f(w, st->fp[i].t);
    }
    hf_db_put_ring(w, &st->minute);
    hf_db_put_ring(w, &st->hour);
    hf_db_put_exact(w, st);
    hf_db_put_wsums(w, st);
}

/* Header at offset 0 once the body (and its checksum) is known. */
static int hf_db_put_header(int fd, uint64_t blen, uint64_t sum)
{
    unsigned char hdr[HF_DB_HDR];
    uint32_t ver = HF_DB_STATE_VERSION, endian = HF_DB_ENDIAN;

    memcpy(hdr, HF_DB_MAGIC, 8);
    memcpy(hdr + 8, &ver, 4);
    memcpy(hdr + 12, &endian, 4);
    memcpy(hdr + 16, &blen, 8);
    memcpy(hdr + 24, &sum, 8);
    return pwrite(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) ? 0 : -EIO;
}

int hf_db_state_save(hf_db_state *st, const char *path, char *err, size_t n)
{
    hf_db_wr w = {.buf = malloc(HF_DB_WBUF)};
    char tmp[HF_PATH_MAX + 16];
    int r;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp) || !w.buf) {
        hf_err_set(err, n, "state file %s: %s", path, w.buf ? "path too long" : "out of memory");
        free(w.buf);
        return w.buf ? -ENAMETOOLONG : -ENOMEM;
    }
    w.fd = mkostemp(tmp, O_CLOEXEC);
    if (w.fd < 0) {
        r = -errno;
        hf_err_set(err, n, "cannot write state file %s: %s", tmp, strerror(errno));
        free(w.buf);
        return r;
    }
    hf_db_sum_init(&w.sum);
    r = lseek(w.fd, HF_DB_HDR, SEEK_SET) == HF_DB_HDR ? 0 : -errno;
    if (!r) {
        hf_db_put_body(&w, st);
        hf_db_flush(&w);
        r = w.err ? w.err : hf_db_put_header(w.fd, w.pos, hf_db_sum_final(&w.sum));
    }
    if (close(w.fd) < 0 && !r)
        r = -errno;
    if (!r && rename(tmp, path) < 0)
        r = -errno;
    if (r) {
        hf_err_set(err, n, "cannot write state file %s: %s", path, strerror(-r));
        unlink(tmp);
    } else {
        hf_db_state_mark_clean(st);
    }
    free(w.buf);
    return r;
}

/* ---- loading: the whole file in memory, decoded in place ---- */

typedef struct hf_db_rd {
    unsigned char *p, *end;
    const unsigned char *base; /* the body's first byte: count alignment */
    bool bad;
} hf_db_rd;

static inline bool hf_db_need(hf_db_rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return false;
    }
    return true;
}

static void hf_db_get(hf_db_rd *r, void *out, size_t n)
{
    if (!hf_db_need(r, n)) {
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->p, n);
    r->p += n;
}

static uint64_t hf_db_get_u64(hf_db_rd *r)
{
    uint64_t v;

    hf_db_get(r, &v, 8);
    return v;
}

static double hf_db_get_f(hf_db_rd *r)
{
    double v;

    hf_db_get(r, &v, 8);
    return v;
}

static uint64_t hf_db_get_var(hf_db_rd *r)
{
    uint64_t v = 0;

    if (!hf_db_need(r, 1))
        return 0;
    if (!(*r->p & 0x80))
        return *r->p++;         /* one byte: the common case */
    for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

/* Sum of n counts of width hw (1, 2 or 4) at p: the narrow widths eight
 * bytes at a time, in lanes that cannot overflow before they are folded. */
static uint64_t hf_db_bins_sum(const unsigned char *p, size_t n, unsigned hw)
{
    const uint64_t m8 = 0x00ff00ff00ff00ffull, m16 = 0x0000ffff0000ffffull;
    size_t bytes = n * hw, i = 0;
    uint64_t sum = 0, w, acc;

    while (hw < 4 && i + 8 <= bytes) {
        size_t stop = bytes - (bytes - i) % 8;
        if (stop - i > 8 * 128)
            stop = i + 8 * 128;                  /* 16-bit lanes: at most 128 words */
        for (acc = 0; i < stop; i += 8) {
            memcpy(&w, p + i, 8);
            acc += hw == 1 ? (w & m8) + ((w >> 8) & m8) : (w & m16) + ((w >> 16) & m16);
        }
        sum += hw == 1 ? (acc & 0xffff) + ((acc >> 16) & 0xffff) + ((acc >> 32) & 0xffff) +
                         (acc >> 48)
                       : (acc & 0xffffffffull) + (acc >> 32);
    }
    for (; i < bytes; i += hw) {
        if (hw == 1) {
            sum += p[i];
        } else if (hw == 2) {
            uint16_t v;
            memcpy(&v, p + i, 2);
            sum += v;
        } else {
            uint32_t v;
            memcpy(&v, p + i, 4);
            sum += v;
        }
    }
    return sum;
}

/* The bucket's histogram: its bins point into the image. */
static bool hf_db_get_hist(hf_db_rd *r, hf_db_bucket *k)
{
    uint64_t lo = hf_db_get_var(r), n = hf_db_get_var(r);
    unsigned hw;
    size_t pad;

    if (r->bad || lo >= HF_DB_HIST_BINS || n > HF_DB_HIST_BINS - lo)
        return false;
    if (!n)
        return lo == 0 && k->rt_n == 0;
    if (!hf_db_need(r, 1))
        return false;
    hw = *r->p++;
    if (hw != 1 && hw != 2 && hw != 4)
        return false;
    pad = (hw - (size_t)(r->p - r->base) % hw) % hw;
    if (!hf_db_need(r, pad + n * hw))
        return false;
    for (; pad; pad--)
        if (*r->p++)
            return false;
    k->bins = r->p;
    k->hw = (uint8_t)hw;
    k->lo = (uint16_t)lo;
    k->hi = (uint16_t)(lo + n - 1);
    r->p += n * hw;
    return hf_db_bin(k, k->lo) && hf_db_bin(k, k->hi) &&   /* trimmed when saved */
           hf_db_bins_sum(k->bins, (size_t)n, hw) == k->rt_n;
}

/* A bucket's fields after its tag. */
static bool hf_db_get_fields(hf_db_rd *r, hf_db_bucket *k)
{
    k->count = hf_db_get_var(r);
    k->errors = hf_db_get_var(r);
    k->rt_n = hf_db_get_var(r);
    k->rt_sum = hf_db_get_f(r);
    k->rt_min = hf_db_get_f(r);
    k->rt_max = hf_db_get_f(r);
    k->dmax = hf_db_get_f(r);
    if (r->bad || k->errors > k->count || k->rt_n > k->count || !(k->dmax >= 0) ||
        k->dmax > HF_DB_SLACK_S)
        return false;
    return hf_db_get_hist(r, k);
}

static bool hf_db_get_bucket(hf_db_rd *r, hf_db_ring *ring)
{
    int64_t tag = (int64_t)hf_db_get_u64(r);
    hf_db_bucket *k;
    int64_t slot;

    if (r->bad || tag == HF_DB_EMPTY_TAG)
        return false;
    slot = tag % ring->size;
    k = &ring->b[slot < 0 ? slot + ring->size : slot];
    if (k->tag != HF_DB_EMPTY_TAG)
        return false;           /* two buckets for one slot */
    k->tag = tag;
    return hf_db_get_fields(r, k) && k->count;
}

static bool hf_db_get_ring(hf_db_rd *r, hf_db_ring *ring)
{
    uint64_t n;

    if (hf_db_get_u64(r) != (uint64_t)ring->gran || hf_db_get_u64(r) != (uint64_t)ring->size)
        return false;
    n = hf_db_get_var(r);
    if (r->bad || n > (uint64_t)ring->size)
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (!hf_db_get_bucket(r, ring))
            return false;
    return true;
}

static bool hf_db_get_str(hf_db_rd *r, char *out, size_t size)
{
    uint64_t n = hf_db_get_var(r);

    if (r->bad || n >= size)
        return false;
    hf_db_get(r, out, (size_t)n);
    out[n] = '\0';
    return !r->bad;
}

/* One window's edge: consistent with its bucket in exact mode, empty else. */
static bool hf_db_get_edge(hf_db_rd *r, const hf_db_state *st, int w, hf_db_edge *e)
{
    int64_t tag;

    e->edge = hf_db_get_f(r);
    e->cursor = (int64_t)hf_db_get_u64(r);
    tag = (int64_t)hf_db_get_u64(r);
    e->kept.tag = tag;
    if (r->bad || !hf_db_get_fields(r, &e->kept))
        return false;
    if (!st->exact)
        return tag == HF_DB_EMPTY_TAG && !e->kept.count;
    return isfinite(e->edge) && e->cursor >= st->read_from &&
           tag == hf_db_floor_div(e->edge, hf_db_win_ring(st, w)->gran);
}

static bool hf_db_get_excs(hf_db_rd *r, hf_db_state *st)
{
    uint64_t n = hf_db_get_var(r);

    if (r->bad || n > HF_DB_MAX_EXC || (n && !st->exact))
        return false;
    if (n && !(st->exc = malloc((size_t)n * sizeof(*st->exc))))
        return false;
    st->exc_cap = (size_t)n;
    for (st->nexc = 0; st->nexc < n; st->nexc++) {
        hf_db_exc *x = &st->exc[st->nexc];
        x->rowid = (int64_t)hf_db_get_u64(r);
        x->t = hf_db_get_f(r);
        x->rt = hf_db_get_f(r);
        x->err = hf_db_get_var(r) != 0;
        if (r->bad || !isfinite(x->t) || (st->nexc && x->rowid <= x[-1].rowid))
            return false;
    }
    return true;
}

static bool hf_db_get_exact(hf_db_rd *r, hf_db_state *st)
{
    uint64_t exact = hf_db_get_var(r);

    if (r->bad || exact > 1 || !hf_db_get_str(r, st->inexact, sizeof(st->inexact)))
        return false;
    st->exact = exact;
    st->retry_at = hf_db_get_f(r);
    st->read_from = (int64_t)hf_db_get_u64(r);
    st->ref = hf_db_get_f(r);
    if (r->bad || isnan(st->retry_at) || isnan(st->ref) || st->read_from < 0)
        return false;
    for (int w = 0; w < HF_DB_NWIN; w++)
        if (!hf_db_get_edge(r, st, w, &st->edge[w]))
            return false;
    return hf_db_get_excs(r, st);
}

/* A cached ring sum: it must be what the ring's buckets add up to. */
static bool hf_db_get_wsum(hf_db_rd *r, hf_db_state *st, int w)
{
    hf_db_wsum *c = &st->wsum[w];
    const hf_db_ring *ring = hf_db_win_ring(st, w);
    uint64_t ok = hf_db_get_var(r), aligned, lo, n, sum = 0, count = 0, errors = 0, rt_n = 0;

    if (r->bad || ok > 1)
        return false;
    if (!ok)
        return true;
    aligned = hf_db_get_var(r);
    c->from = (int64_t)hf_db_get_u64(r);
    hf_db_agg_init(&c->agg);
    c->agg.count = hf_db_get_var(r);
    c->agg.errors = hf_db_get_var(r);
    c->agg.rt_n = hf_db_get_var(r);
    c->agg.rt_sum = hf_db_get_f(r);
    c->agg.rt_min = hf_db_get_f(r);
    c->agg.rt_max = hf_db_get_f(r);
    lo = hf_db_get_var(r);
    n = hf_db_get_var(r);
    if (r->bad || aligned > 1 || lo >= HF_DB_HIST_BINS || n > HF_DB_HIST_BINS - lo)
        return false;
    for (uint64_t i = 0; i < n; i++)
        sum += c->agg.hist[lo + i] = hf_db_get_var(r);
    for (int64_t i = 0; i < ring->size; i++) {
        const hf_db_bucket *b = &ring->b[i];
        if (b->tag != HF_DB_EMPTY_TAG && (aligned ? b->tag >= c->from : b->tag > c->from)) {
            count += b->count;
            errors += b->errors;
            rt_n += b->rt_n;
        }
    }
    c->ok = true;
    c->aligned = aligned;
    c->gen = ring->gen;
    return !r->bad && sum == rt_n && c->agg.count == count && c->agg.errors == errors &&
           c->agg.rt_n == rt_n;
}

static bool hf_db_get_body(hf_db_rd *r, hf_db_state *st)
{
    st->ident = hf_db_get_u64(r);
    st->dev = hf_db_get_u64(r);
    st->ino = hf_db_get_u64(r);
    st->last_rowid = (int64_t)hf_db_get_u64(r);
    st->catchup_from = (int64_t)hf_db_get_u64(r);
    st->catchup_to = (int64_t)hf_db_get_u64(r);
    st->max_now = hf_db_get_f(r);
    st->skipped = hf_db_get_u64(r);
    st->future = hf_db_get_u64(r);
    st->bad_rowid = (int64_t)hf_db_get_u64(r);
    if (!hf_db_get_str(r, st->bad_value, sizeof(st->bad_value)))
        return false;
    st->nfp = (unsigned)hf_db_get_var(r);
    if (r->bad || st->nfp > HF_DB_NFP)
        return false;
    for (unsigned i = 0; i < st->nfp; i++) {
        st->fp[i].rowid = (int64_t)hf_db_get_u64(r);
        st->fp[i].t_key = hf_db_get_u64(r);
        st->fp[i].rt_key = hf_db_get_u64(r);
        st->fp[i].t = hf_db_get_f(r);
    }
    if (!hf_db_get_ring(r, &st->minute) || !hf_db_get_ring(r, &st->hour) ||
        !hf_db_get_exact(r, st))
        return false;
    for (int w = 0; w < HF_DB_NWIN; w++)
        if (!hf_db_get_wsum(r, st, w))
            return false;
    return !r->bad && r->p == r->end && !isnan(st->max_now);
}

static int hf_db_load_fail(hf_db_state *st, const char *path, const char *what,
                           char *err, size_t n)
{
    char why[96];

    snprintf(why, sizeof(why), "state file ignored: %s", what);
    hf_db_state_reset(st, why);         /* frees the image too */
    hf_err_set(err, n, "state file %s: %s", path, what);
    return -EINVAL;
}

static int hf_db_read_all(int fd, unsigned char *p, size_t n)
{
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;          /* shorter than fstat said */
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Validate the header and the checksum, then decode the body in place. */
static int hf_db_load_fd(hf_db_state *st, const char *path, int fd, size_t size,
                         char *err, size_t n)
{
    unsigned char *img;
    uint32_t ver, endian;
    uint64_t blen, sum;
    hf_db_sum s;
    hf_db_rd r;

    if (size < HF_DB_HDR)
        return hf_db_load_fail(st, path, "not a state file", err, n);
    if (!(img = malloc(size)))
        return hf_db_load_fail(st, path, "out of memory", err, n);
    st->image = img;                    /* the state owns it from here on */
    if (hf_db_read_all(fd, img, size) < 0 || memcmp(img, HF_DB_MAGIC, 8) != 0)
        return hf_db_load_fail(st, path, "not a state file", err, n);
    memcpy(&ver, img + 8, 4);
    memcpy(&endian, img + 12, 4);
    memcpy(&blen, img + 16, 8);
    memcpy(&sum, img + 24, 8);
    if (ver != HF_DB_STATE_VERSION || endian != HF_DB_ENDIAN)
        return hf_db_load_fail(st, path, "other version", err, n);
    hf_db_sum_init(&s);
    hf_db_sum_update(&s, img + HF_DB_HDR, size - HF_DB_HDR);
    if (blen != size - HF_DB_HDR || hf_db_sum_final(&s) != sum)
        return hf_db_load_fail(st, path, "bad checksum", err, n);
    r = (hf_db_rd){.p = img + HF_DB_HDR, .end = img + size, .base = img + HF_DB_HDR};
    if (!hf_db_get_body(&r, st))
        return hf_db_load_fail(st, path, "inconsistent content", err, n);
    st->valid = true;
    st->why[0] = '\0';
    hf_db_state_mark_clean(st);
    return 0;
}

int hf_db_state_load(hf_db_state *st, const char *path, char *err, size_t n)
{
    struct stat sb;
    int fd, e, ret;

    hf_db_state_reset(st, NULL);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        e = errno;
        return e == ENOENT ? -ENOENT : hf_db_load_fail(st, path, strerror(e), err, n);
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > HF_DB_STATE_MAX)
        ret = hf_db_load_fail(st, path, "not a state file", err, n);
    else
        ret = hf_db_load_fd(st, path, fd, (size_t)sb.st_size, err, n);
    close(fd);
    return ret;
}
