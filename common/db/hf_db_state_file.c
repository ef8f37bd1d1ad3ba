/* hf_db_state_file: the database probe's state file (design in hf_db.h).
 *
 * Format (host byte order; the state never leaves the host):
 *   header  "HFDBST\r\n" | u32 version | u32 0x01020304 | u64 body length |
 *           u64 hash of the body
 *   body    fixed fields (identity, last rowid, progress, counters,
 *           fingerprints, exact-window fields), for each ring its geometry
 *           and the non-empty buckets: tag, counters (varints), rt
 *           sum/min/max and disorder (doubles), the histogram range lo, n
 *           (varints) and n raw u32 counts; then per window its edge, cursor
 *           and kept bucket (same encoding, may be empty); then the
 *           exceptions (rowid, created_at, rt, error flag).
 * Saving and loading stream through one 16 KiB buffer: the cost of a
 * short-lived check is dominated by the memory it touches, so neither builds
 * a second copy of the state. The checksum is verified at the end of the
 * load; a mismatch discards what was decoded. Loading validates everything (magic,
 * version, geometry, checksum, ranges, duplicate buckets, histogram sums,
 * edges against their buckets, exceptions in rowid order) and resets the
 * state on any problem. */
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

/* Streaming 64-bit hash: update with multiples of 8 bytes, then final. */
typedef struct hf_db_hs {
    uint64_t h, n;
} hf_db_hs;

static void hf_db_hs_init(hf_db_hs *hs, uint64_t seed)
{
    hs->h = 0x9E3779B97F4A7C15ull ^ seed;
    hs->n = 0;
}

static void hf_db_hs_update(hf_db_hs *hs, const unsigned char *p, size_t n)
{
    uint64_t w, h = hs->h;

    hs->n += n;
    for (; n >= 8; n -= 8, p += 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; n; n--, p++)         /* only in the last update */
        h = (h ^ *p) * 0x100000001b3ull;
    hs->h = h;
}

static uint64_t hf_db_hs_final(hf_db_hs *hs)
{
    uint64_t h = hs->h ^ hs->n;

    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 32);
}

uint64_t hf_db_hash(const void *data, size_t n, uint64_t h)
{
    hf_db_hs hs;

    hf_db_hs_init(&hs, h);
    hf_db_hs_update(&hs, data, n);
    return hf_db_hs_final(&hs);
}

/* ---- saving: streamed through a 16 KiB buffer ---- */

#define HF_DB_WBUF 16384            /* a multiple of 8 (streaming hash) */

typedef struct hf_db_wr {
    unsigned char *buf;
    size_t len;
    int fd, err;
    hf_db_hs hs;
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
    hf_db_hs_update(&w->hs, w->buf, w->len);
    if (!w->err)
        w->err = hf_db_write_all(w->fd, w->buf, w->len);
    w->len = 0;
}

static void hf_db_put(hf_db_wr *w, const void *data, size_t n)
{
    const unsigned char *p = data;

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

static void hf_db_put_bucket(hf_db_wr *w, const hf_db_bucket *k)
{
    int lo = k->lo, hi = k->hist ? k->hi : k->lo - 1;
    uint64_t n;

    while (lo <= hi && !k->hist[lo - k->lo])   /* drop the spare zero bins */
        lo++;
    while (hi >= lo && !k->hist[hi - k->lo])
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
        hf_db_put(w, k->hist + (lo - k->lo), n * sizeof(uint32_t));
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
}

/* Header at offset 0 once the body (and its hash) is known. */
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
    hf_db_hs_init(&w.hs, 0);
    r = lseek(w.fd, HF_DB_HDR, SEEK_SET) == HF_DB_HDR ? 0 : -errno;
    if (!r) {
        hf_db_put_body(&w, st);
        hf_db_flush(&w);
        r = w.err ? w.err : hf_db_put_header(w.fd, w.hs.n, hf_db_hs_final(&w.hs));
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

/* ---- loading: streamed through a 16 KiB buffer ---- */

typedef struct hf_db_rd {
    int fd;
    unsigned char *buf;
    size_t pos, len;            /* unread bytes are buf[pos..len) */
    uint64_t left;              /* body bytes not yet read from the file */
    bool bad;
    hf_db_hs hs;
} hf_db_rd;

/* Make at least n bytes available (n <= HF_DB_WBUF); false at the end. */
static bool hf_db_fill(hf_db_rd *r, size_t n)
{
    size_t want;

    if (r->len - r->pos >= n)
        return true;
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->len -= r->pos;
    r->pos = 0;
    want = (HF_DB_WBUF - r->len) & ~(size_t)7;  /* whole words for the hash */
    if (want > r->left)
        want = (size_t)r->left;
    for (size_t got = 0; got < want;) {
        ssize_t k = read(r->fd, r->buf + r->len + got, want - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            r->bad = true;      /* shorter than the header says */
            return false;
        }
        got += (size_t)k;
    }
    hf_db_hs_update(&r->hs, r->buf + r->len, want);
    r->len += want;
    r->left -= want;
    return r->len - r->pos >= n;
}

static void hf_db_get(hf_db_rd *r, void *out, size_t n)
{
    if (r->bad || !hf_db_fill(r, n)) {
        r->bad = true;
        memset(out, 0, n);
        return;
    }
    memcpy(out, r->buf + r->pos, n);
    r->pos += n;
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

    if (r->bad || !hf_db_fill(r, 1)) {
        r->bad = true;
        return 0;
    }
    if (!(r->buf[r->pos] & 0x80))
        return r->buf[r->pos++];    /* one byte: the common case */
    for (int shift = 0; shift < 64; shift += 7) {
        unsigned char c;
        hf_db_get(r, &c, 1);
        if (r->bad)
            break;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static bool hf_db_get_hist(hf_db_rd *r, hf_db_bucket *k)
{
    uint64_t lo = hf_db_get_var(r), n = hf_db_get_var(r), sum = 0;

    if (r->bad || lo >= HF_DB_HIST_BINS || n > HF_DB_HIST_BINS - lo)
        return false;
    if (!n)
        return k->rt_n == 0;
    k->hist = malloc(n * sizeof(uint32_t));
    if (!k->hist)
        return false;
    hf_db_get(r, k->hist, n * sizeof(uint32_t));
    k->lo = (uint16_t)lo;
    k->hi = (uint16_t)(lo + n - 1);
    for (uint64_t i = 0; i < n; i++)
        sum += k->hist[i];
    return sum == k->rt_n;
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
    return !r->bad && r->pos == r->len && r->left == 0 && !isnan(st->max_now);
}

static int hf_db_load_fail(hf_db_state *st, const char *path, const char *what,
                           char *err, size_t n)
{
    char why[96];

    snprintf(why, sizeof(why), "state file ignored: %s", what);
    hf_db_state_reset(st, why);
    hf_err_set(err, n, "state file %s: %s", path, what);
    return -EINVAL;
}

/* Validate the header, decode the body while hashing it, check the hash. */
static int hf_db_load_fd(hf_db_state *st, const char *path, hf_db_rd *r, int64_t size,
                         char *err, size_t n)
{
    unsigned char hdr[HF_DB_HDR];
    uint32_t ver, endian;
    uint64_t blen, sum;

    if (size < HF_DB_HDR || read(r->fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr) ||
        memcmp(hdr, HF_DB_MAGIC, 8) != 0)
        return hf_db_load_fail(st, path, "not a state file", err, n);
    memcpy(&ver, hdr + 8, 4);
    memcpy(&endian, hdr + 12, 4);
    memcpy(&blen, hdr + 16, 8);
    memcpy(&sum, hdr + 24, 8);
    if (ver != HF_DB_STATE_VERSION || endian != HF_DB_ENDIAN)
        return hf_db_load_fail(st, path, "other version", err, n);
    if (blen != (uint64_t)size - HF_DB_HDR)
        return hf_db_load_fail(st, path, "bad checksum", err, n);
    r->left = blen;
    hf_db_hs_init(&r->hs, 0);
    if (!hf_db_get_body(r, st) || hf_db_hs_final(&r->hs) != sum)
        return hf_db_load_fail(st, path, hf_db_hs_final(&r->hs) != sum || r->left ?
                               "bad checksum" : "inconsistent content", err, n);
    st->valid = true;
    st->why[0] = '\0';
    hf_db_state_mark_clean(st);
    return 0;
}

int hf_db_state_load(hf_db_state *st, const char *path, char *err, size_t n)
{
    hf_db_rd r = {.fd = -1};
    struct stat sb;
    int e, ret;

    hf_db_state_reset(st, NULL);
    r.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r.fd < 0) {
        e = errno;
        return e == ENOENT ? -ENOENT : hf_db_load_fail(st, path, strerror(e), err, n);
    }
    r.buf = malloc(HF_DB_WBUF);
    if (!r.buf || fstat(r.fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > HF_DB_STATE_MAX)
        ret = hf_db_load_fail(st, path, r.buf ? "not a state file" : "out of memory", err, n);
    else
        ret = hf_db_load_fd(st, path, &r, (int64_t)sb.st_size, err, n);
    free(r.buf);
    close(r.fd);
    return ret;
}

