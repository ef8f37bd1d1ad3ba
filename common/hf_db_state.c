/* hf_db_state: the caller-owned aggregate state of the database probe and its
 * file.
 *
 * File format (host byte order; the state never leaves the host):
 *   header  "HFDBST\r\n" | u32 version | u32 0x01020304 | u64 body length |
 *           u64 hash of the body
 *   body    fixed fields (identity, last rowid, progress, counters,
 *           fingerprints), then for each ring its geometry and the non-empty
 *           buckets: tag, counters (varints), rt sum/min/max (doubles) and the
 *           non-zero histogram bins as (bin delta, count) varint pairs.
 * Loading validates everything (magic, version, geometry, checksum, ranges,
 * duplicate buckets, histogram sums) and resets the state on any problem. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_db_int.h"
#include "hf_defaults.h"

#define HF_DB_MAGIC "HFDBST\r\n"
#define HF_DB_ENDIAN 0x01020304u
#define HF_DB_HDR 32
#define HF_DB_STATE_MAX (64u << 20)

uint64_t hf_db_hash(const void *data, size_t n, uint64_t h)
{
    const unsigned char *p = data;
    uint64_t w;

    h ^= 0x9E3779B97F4A7C15ull ^ n;
    for (; n >= 8; n -= 8, p += 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; n; n--, p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 32);
}

static uint64_t hf_db_hash_str(const char *s, uint64_t h)
{
    return hf_db_hash(s, strlen(s) + 1, h);
}

uint64_t hf_db_config_ident(const hf_db_config *cfg)
{
    uint64_t h = HF_DB_STATE_VERSION;

    h = hf_db_hash_str(cfg->table ? cfg->table : HF_DEFAULT_DB_TABLE, h);
    h = hf_db_hash_str(cfg->time_col ? cfg->time_col : HF_DEFAULT_DB_TIME_COL, h);
    h = hf_db_hash_str(cfg->rt_col ? cfg->rt_col : HF_DEFAULT_DB_RT_COL, h);
    h = hf_db_hash_str(cfg->status_col ? cfg->status_col : HF_DEFAULT_DB_STATUS_COL, h);
    return hf_db_hash_str(cfg->error_status ? cfg->error_status : HF_DEFAULT_DB_ERROR_STATUS, h);
}

static void hf_db_ring_init(hf_db_ring *r, int64_t gran, int64_t size, int64_t keep)
{
    r->gran = gran;
    r->size = size;
    r->keep = keep;
    hf_db_ring_clear(r);
}

void hf_db_state_reset(hf_db_state *st, const char *why)
{
    hf_db_ring m = st->minute, h = st->hour;

    memset(st, 0, sizeof(*st));
    st->minute = m;
    st->hour = h;
    hf_strlcpy(st->why, why ? why : "no saved state", sizeof(st->why));
    /* keep = size - 1 - future buckets (HF_DB_FUTURE_S + 1 bucket) */
    hf_db_ring_init(&st->minute, HF_DB_MIN_GRAN, HF_DB_MIN_RING,
                    HF_DB_MIN_RING - 1 - ((int64_t)HF_DB_FUTURE_S / HF_DB_MIN_GRAN + 1));
    hf_db_ring_init(&st->hour, HF_DB_HOUR_GRAN, HF_DB_HOUR_RING,
                    HF_DB_HOUR_RING - 1 - ((int64_t)HF_DB_FUTURE_S / HF_DB_HOUR_GRAN + 1));
}

hf_db_state *hf_db_state_new(void)
{
    hf_db_state *st = calloc(1, sizeof(*st));

    if (!st)
        return NULL;
    st->minute.b = calloc(HF_DB_MIN_RING, sizeof(hf_db_bucket));
    st->hour.b = calloc(HF_DB_HOUR_RING, sizeof(hf_db_bucket));
    if (!st->minute.b || !st->hour.b) {
        hf_db_state_free(st);
        return NULL;
    }
    hf_db_state_reset(st, NULL);
    return st;
}

void hf_db_state_free(hf_db_state *st)
{
    if (!st)
        return;
    free(st->minute.b);
    free(st->hour.b);
    free(st);
}

void hf_db_state_copy(hf_db_state *dst, const hf_db_state *src)
{
    hf_db_bucket *m = dst->minute.b, *h = dst->hour.b;

    *dst = *src;
    dst->minute.b = m;
    dst->hour.b = h;
    memcpy(m, src->minute.b, sizeof(hf_db_bucket) * HF_DB_MIN_RING);
    memcpy(h, src->hour.b, sizeof(hf_db_bucket) * HF_DB_HOUR_RING);
}

/* ---- encoding ---- */

static void hf_db_put(hf_buf *b, const void *p, size_t n)
{
    hf_buf_append(b, p, n);
}

static void hf_db_put_u64(hf_buf *b, uint64_t v)
{
    hf_db_put(b, &v, 8);
}

static void hf_db_put_var(hf_buf *b, uint64_t v)
{
    unsigned char t[10];
    size_t n = 0;

    while (v >= 0x80) {
        t[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (unsigned char)v;
    hf_db_put(b, t, n);
}

static void hf_db_put_f(hf_buf *b, double v)
{
    hf_db_put(b, &v, 8);
}

static void hf_db_put_bucket(hf_buf *b, const hf_db_bucket *k)
{
    int last = 0, nz = 0;

    hf_db_put_u64(b, (uint64_t)k->tag);
    hf_db_put_var(b, k->count);
    hf_db_put_var(b, k->errors);
    hf_db_put_var(b, k->rt_n);
    hf_db_put_f(b, k->rt_sum);
    hf_db_put_f(b, k->rt_min);
    hf_db_put_f(b, k->rt_max);
    for (int i = 0; i < HF_DB_HIST_BINS; i++)
        nz += k->hist[i] != 0;
    hf_db_put_var(b, (uint64_t)nz);
    for (int i = 0; i < HF_DB_HIST_BINS; i++) {
        if (!k->hist[i])
            continue;
        hf_db_put_var(b, (uint64_t)(i - last));
        hf_db_put_var(b, k->hist[i]);
        last = i;
    }
}

static void hf_db_put_ring(hf_buf *b, const hf_db_ring *r)
{
    uint64_t n = 0;

    hf_db_put_u64(b, (uint64_t)r->gran);
    hf_db_put_u64(b, (uint64_t)r->size);
    for (int64_t i = 0; i < r->size; i++)
        n += r->b[i].tag != HF_DB_EMPTY_TAG && r->b[i].count;
    hf_db_put_var(b, n);
    for (int64_t i = 0; i < r->size; i++)
        if (r->b[i].tag != HF_DB_EMPTY_TAG && r->b[i].count)
            hf_db_put_bucket(b, &r->b[i]);
}

static void hf_db_put_body(hf_buf *b, const hf_db_state *st)
{
    size_t bl = strnlen(st->bad_value, sizeof(st->bad_value) - 1);

    hf_db_put_u64(b, st->ident);
    hf_db_put_u64(b, st->dev);
    hf_db_put_u64(b, st->ino);
    hf_db_put_u64(b, (uint64_t)st->last_rowid);
    hf_db_put_u64(b, (uint64_t)st->catchup_from);
    hf_db_put_u64(b, (uint64_t)st->catchup_to);
    hf_db_put_f(b, st->max_now);
    hf_db_put_u64(b, st->skipped);
    hf_db_put_u64(b, st->future);
    hf_db_put_u64(b, (uint64_t)st->bad_rowid);
    hf_db_put_var(b, bl);
    hf_db_put(b, st->bad_value, bl);
    hf_db_put_var(b, st->nfp);
    for (unsigned i = 0; i < st->nfp; i++) {
        hf_db_put_u64(b, (uint64_t)st->fp[i].rowid);
        hf_db_put_u64(b, st->fp[i].t_key);
        hf_db_put_u64(b, st->fp[i].rt_key);
        hf_db_put_f(b, st->fp[i].t);
    }
    hf_db_put_ring(b, &st->minute);
    hf_db_put_ring(b, &st->hour);
}

static int hf_db_write_all(int fd, const char *p, size_t n)
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

int hf_db_state_save(const hf_db_state *st, const char *path, char *err, size_t n)
{
    hf_buf body = {0};
    unsigned char hdr[HF_DB_HDR];
    uint32_t ver = HF_DB_STATE_VERSION, endian = HF_DB_ENDIAN;
    uint64_t len, sum;
    char tmp[HF_PATH_MAX + 16];
    int fd, r;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
        hf_err_set(err, n, "state file path too long: %s", path);
        return -ENAMETOOLONG;
    }
    hf_db_put_body(&body, st);
    if (body.oom) {
        hf_buf_free(&body);
        hf_err_set(err, n, "state file %s: out of memory", path);
        return -ENOMEM;
    }
    len = body.len;
    sum = hf_db_hash(body.s, body.len, 0);
    memcpy(hdr, HF_DB_MAGIC, 8);
    memcpy(hdr + 8, &ver, 4);
    memcpy(hdr + 12, &endian, 4);
    memcpy(hdr + 16, &len, 8);
    memcpy(hdr + 24, &sum, 8);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        r = -errno;
        hf_err_set(err, n, "cannot write state file %s: %s", tmp, strerror(errno));
        hf_buf_free(&body);
        return r;
    }
    r = hf_db_write_all(fd, (const char *)hdr, sizeof(hdr));
    if (!r)
        r = hf_db_write_all(fd, body.s, body.len);
    if (close(fd) < 0 && !r)
        r = -errno;
    if (!r && rename(tmp, path) < 0)
        r = -errno;
    if (r) {
        hf_err_set(err, n, "cannot write state file %s: %s", path, strerror(-r));
        unlink(tmp);
    }
    hf_buf_free(&body);
    return r;
}

/* ---- decoding ---- */

typedef struct hf_db_rd {
    const unsigned char *p, *end;
    bool bad;
} hf_db_rd;

static void hf_db_get(hf_db_rd *r, void *out, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
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

    for (int shift = 0; shift < 64; shift += 7) {
        if (r->bad || r->p >= r->end)
            break;
        v |= (uint64_t)(*r->p & 0x7f) << shift;
        if (!(*r->p++ & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static bool hf_db_get_bucket(hf_db_rd *r, hf_db_ring *ring)
{
    int64_t tag = (int64_t)hf_db_get_u64(r);
    hf_db_bucket *k;
    uint64_t nz, sum = 0;
    int64_t slot;
    int bin = 0;

    if (r->bad || tag == HF_DB_EMPTY_TAG)
        return false;
    slot = tag % ring->size;
    k = &ring->b[slot < 0 ? slot + ring->size : slot];
    if (k->tag != HF_DB_EMPTY_TAG)
        return false;           /* two buckets for one slot */
    memset(k, 0, sizeof(*k));
    k->tag = tag;
    k->count = hf_db_get_var(r);
    k->errors = hf_db_get_var(r);
    k->rt_n = hf_db_get_var(r);
    k->rt_sum = hf_db_get_f(r);
    k->rt_min = hf_db_get_f(r);
    k->rt_max = hf_db_get_f(r);
    nz = hf_db_get_var(r);
    if (r->bad || k->errors > k->count || k->rt_n > k->count || !k->count ||
        nz > HF_DB_HIST_BINS)
        return false;
    for (uint64_t i = 0; i < nz; i++) {
        uint64_t d = hf_db_get_var(r), c = hf_db_get_var(r);
        if (r->bad || (i && !d) || d >= HF_DB_HIST_BINS || bin + (int)d >= HF_DB_HIST_BINS ||
            !c || c > UINT32_MAX)
            return false;
        bin += (int)d;
        k->hist[bin] = (uint32_t)c;
        sum += c;
    }
    return sum == k->rt_n;
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

static bool hf_db_get_body(hf_db_rd *r, hf_db_state *st)
{
    uint64_t bl;

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
    bl = hf_db_get_var(r);
    if (r->bad || bl >= sizeof(st->bad_value))
        return false;
    hf_db_get(r, st->bad_value, bl);
    st->bad_value[bl] = '\0';
    st->nfp = (unsigned)hf_db_get_var(r);
    if (r->bad || st->nfp > HF_DB_NFP)
        return false;
    for (unsigned i = 0; i < st->nfp; i++) {
        st->fp[i].rowid = (int64_t)hf_db_get_u64(r);
        st->fp[i].t_key = hf_db_get_u64(r);
        st->fp[i].rt_key = hf_db_get_u64(r);
        st->fp[i].t = hf_db_get_f(r);
    }
    if (!hf_db_get_ring(r, &st->minute) || !hf_db_get_ring(r, &st->hour))
        return false;
    return !r->bad && r->p == r->end && !isnan(st->max_now);
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

int hf_db_state_load(hf_db_state *st, const char *path, char *err, size_t n)
{
    char *data = NULL;
    long len = hf_file_read(path, HF_DB_STATE_MAX, &data);
    uint32_t ver, endian;
    uint64_t blen, sum;
    hf_db_rd r;
    int ret;

    hf_db_state_reset(st, NULL);
    if (len < 0) {
        free(data);
        if (len == -ENOENT)
            return -ENOENT;
        return hf_db_load_fail(st, path, strerror((int)-len), err, n);
    }
    if (len < HF_DB_HDR || memcmp(data, HF_DB_MAGIC, 8) != 0) {
        free(data);
        return hf_db_load_fail(st, path, "not a state file", err, n);
    }
    memcpy(&ver, data + 8, 4);
    memcpy(&endian, data + 12, 4);
    memcpy(&blen, data + 16, 8);
    memcpy(&sum, data + 24, 8);
    if (ver != HF_DB_STATE_VERSION || endian != HF_DB_ENDIAN) {
        free(data);
        return hf_db_load_fail(st, path, "other version", err, n);
    }
    if (blen != (uint64_t)len - HF_DB_HDR || hf_db_hash(data + HF_DB_HDR, blen, 0) != sum) {
        free(data);
        return hf_db_load_fail(st, path, "bad checksum", err, n);
    }
    r = (hf_db_rd){(const unsigned char *)data + HF_DB_HDR,
                   (const unsigned char *)data + len, false};
    ret = hf_db_get_body(&r, st) ? 0 : hf_db_load_fail(st, path, "inconsistent content", err, n);
    if (!ret) {
        st->valid = true;
        st->why[0] = '\0';
    }
    free(data);
    return ret;
}

int hf_db_state_name(const char *db_path, const char *table, char *out, size_t n)
{
    const char *base = strrchr(db_path, '/');
    char clean[65];
    size_t k = 0;
    uint64_t h = hf_db_hash_str(table ? table : HF_DEFAULT_DB_TABLE,
                                hf_db_hash_str(db_path, 0));

    base = base ? base + 1 : db_path;
    for (; *base && k < sizeof(clean) - 1; base++) {
        char c = *base;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
        clean[k++] = ok ? c : '_';
    }
    clean[k] = '\0';
    if ((size_t)snprintf(out, n, "db-%s-%016llx.state", clean, (unsigned long long)h) >= n)
        return -ENAMETOOLONG;
    return 0;
}
