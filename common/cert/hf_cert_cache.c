/* hf_cert_cache: parsed summaries keyed by path + (dev, inode, mtime, size),
 * shared between threads (one mutex), saved to / loaded from a text state file.
 *
 * State file, version 1 (one record a line, fields separated by one space;
 * strings percent-encoded, "-" for the empty string):
 *   helixflow-cert-cache 1
 *   F path dev ino size mtime_ns ncerts skipped der err_code error
 *   C not_before_asn1 not_after_asn1 not_before not_after self_signed serial
 *     sha256 key_type key_bits key_curve san_total nsans subject issuer
 *   S san                                  (nsans lines after their C)
 *   V key trusted system code depth from until error   (optional, after the Cs)
 */
#include "hf_cert_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HF_CERT_CACHE_MAX 512
#define HF_CERT_CACHE_MAGIC "helixflow-cert-cache 1"
#define HF_CERT_STATE_MAX (64L * 1024 * 1024)

typedef struct hf_cert_entry {
    char *path;
    hf_cert_sig sig;
    hf_cert_info *certs;
    size_t ncerts, skipped;
    bool der;
    int err_code;
    char error[HF_ERR_MAX];
    bool have_vres;
    hf_cert_vres vres;
    unsigned long used;
} hf_cert_entry;

struct hf_cert_cache {
    pthread_mutex_t mu;
    hf_cert_entry *e;
    size_t n, cap;
    unsigned long tick;
    hf_cert_cache_stats st;
    bool dirty;
};

void hf_cert_sig_from_stat(const struct stat *st, hf_cert_sig *sig)
{
    sig->dev = (uint64_t)st->st_dev;
    sig->ino = (uint64_t)st->st_ino;
    sig->size = (uint64_t)st->st_size;
    sig->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

bool hf_cert_sig_eq(const hf_cert_sig *a, const hf_cert_sig *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

hf_cert_cache *hf_cert_cache_new(void)
{
    hf_cert_cache *c = calloc(1, sizeof(*c));

    if (c && pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

static void hf_cert_entry_clear(hf_cert_entry *e)
{
    free(e->path);
    free(e->certs);
    memset(e, 0, sizeof(*e));
}

static void hf_cert_cache_clear(hf_cert_cache *c)
{
    for (size_t i = 0; i < c->n; i++)
        hf_cert_entry_clear(&c->e[i]);
    c->n = 0;
}

void hf_cert_cache_free(hf_cert_cache *c)
{
    if (!c)
        return;
    hf_cert_cache_clear(c);
    free(c->e);
    pthread_mutex_destroy(&c->mu);
    free(c);
}

void hf_cert_cache_stats_get(hf_cert_cache *c, hf_cert_cache_stats *st)
{
    pthread_mutex_lock(&c->mu);
    *st = c->st;
    st->entries = c->n;
    pthread_mutex_unlock(&c->mu);
}

bool hf_cert_cache_dirty(hf_cert_cache *c)
{
    bool d;

    pthread_mutex_lock(&c->mu);
    d = c->dirty;
    pthread_mutex_unlock(&c->mu);
    return d;
}

static hf_cert_entry *hf_cert_cache_find(hf_cert_cache *c, const char *path)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->e[i].path, path) == 0)
            return &c->e[i];
    return NULL;
}

/* An entry for path: existing, new, or the least recently used one recycled. */
static hf_cert_entry *hf_cert_cache_slot(hf_cert_cache *c, const char *path)
{
    hf_cert_entry *e = hf_cert_cache_find(c, path);
    char *p;

    if (e) {
        free(e->certs);
        e->certs = NULL;
        e->ncerts = 0;
        e->have_vres = false;
        return e;
    }
    p = strdup(path);
    if (!p)
        return NULL;
    if (c->cap < HF_CERT_CACHE_MAX && hf_array_reserve(&c->e, &c->cap, c->n, sizeof(*c->e), 8) < 0) {
        free(p);
        return NULL;
    }
    if (c->n < c->cap) {
        e = &c->e[c->n++];
    } else {
        e = &c->e[0];
        for (size_t i = 1; i < c->n; i++)
            if (c->e[i].used < e->used)
                e = &c->e[i];
        hf_cert_entry_clear(e);
    }
    memset(e, 0, sizeof(*e));
    e->path = p;
    return e;
}

int hf_cert_cache_get(hf_cert_cache *c, const char *path, const hf_cert_sig *sig,
                      hf_cert_entry_view *v)
{
    hf_cert_entry *e;
    int r = 0;

    memset(v, 0, sizeof(*v));
    pthread_mutex_lock(&c->mu);
    c->st.lookups++;
    e = hf_cert_cache_find(c, path);
    if (e && hf_cert_sig_eq(&e->sig, sig)) {
        v->certs = e->ncerts ? malloc(e->ncerts * sizeof(*v->certs)) : NULL;
        if (e->ncerts && !v->certs) {
            r = -ENOMEM;
        } else {
            if (e->ncerts)
                memcpy(v->certs, e->certs, e->ncerts * sizeof(*v->certs));
            v->ncerts = e->ncerts;
            v->skipped = e->skipped;
            v->der = e->der;
            v->err_code = e->err_code;
            memcpy(v->error, e->error, sizeof(v->error));
            v->have_vres = e->have_vres;
            if (e->have_vres)
                v->vres = e->vres;
            e->used = ++c->tick;
            c->st.hits++;
            r = 1;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return r;
}

void hf_cert_cache_put(hf_cert_cache *c, const char *path, const hf_cert_sig *sig,
                       const hf_cert_entry_view *v)
{
    hf_cert_entry *e;
    hf_cert_info *copy = NULL;

    if (v->ncerts) {
        copy = malloc(v->ncerts * sizeof(*copy));
        if (!copy)
            return;
        memcpy(copy, v->certs, v->ncerts * sizeof(*copy));
    }
    pthread_mutex_lock(&c->mu);
    c->st.parses++;
    e = hf_cert_cache_slot(c, path);
    if (!e) {
        pthread_mutex_unlock(&c->mu);
        free(copy);
        return;
    }
    e->sig = *sig;
    e->certs = copy;
    e->ncerts = v->ncerts;
    e->skipped = v->skipped;
    e->der = v->der;
    e->err_code = v->err_code;
    memcpy(e->error, v->error, sizeof(e->error));
    e->used = ++c->tick;
    c->dirty = true;
    pthread_mutex_unlock(&c->mu);
}

void hf_cert_cache_put_vres(hf_cert_cache *c, const char *path, const hf_cert_sig *sig,
                            const hf_cert_vres *vr)
{
    hf_cert_entry *e;

    pthread_mutex_lock(&c->mu);
    e = hf_cert_cache_find(c, path);
    if (e && hf_cert_sig_eq(&e->sig, sig)) {
        e->vres = *vr;
        e->have_vres = true;
        c->dirty = true;
    }
    pthread_mutex_unlock(&c->mu);
}

void hf_cert_cache_count_verify(hf_cert_cache *c)
{
    pthread_mutex_lock(&c->mu);
    c->st.verifies++;
    pthread_mutex_unlock(&c->mu);
}

/* ---- state file: encoding */

static void hf_enc(hf_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    hf_buf_append(b, " ", 1);
    if (!*s || strcmp(s, "-") == 0) {
        hf_buf_append(b, *s ? "%2D" : "-", *s ? 3 : 1);
        return;
    }
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f || *p == '%') {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            hf_buf_append(b, e, 3);
        } else {
            hf_buf_append(b, (const char *)p, 1);
        }
    }
}

static int hf_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Decode token into out (size n). Returns 0 or -1 (bad escape, too long, NUL). */
static int hf_dec(const char *tok, char *out, size_t n)
{
    size_t o = 0;

    if (strcmp(tok, "-") == 0) {
        out[0] = '\0';
        return 0;
    }
    for (const char *p = tok; *p; p++) {
        int ch = (unsigned char)*p;
        if (ch == '%') {
            int hi = hf_hexval(p[1]), lo = hi < 0 ? -1 : hf_hexval(p[2]);
            if (lo < 0 || (hi == 0 && lo == 0))
                return -1;
            ch = hi * 16 + lo;
            p += 2;
        }
        if (o + 1 >= n)
            return -1;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return 0;
}

static void hf_enc_cert(hf_buf *b, const hf_cert_info *ci)
{
    char fp[65];

    for (size_t k = 0; k < sizeof(ci->sha256); k++)
        snprintf(fp + 2 * k, 3, "%02x", ci->sha256[k]);
    hf_buf_append(b, "C", 1);
    hf_enc(b, ci->not_before_asn1);
    hf_enc(b, ci->not_after_asn1);
    hf_buf_printf(b, " %" PRId64 " %" PRId64 " %d", ci->not_before, ci->not_after, ci->self_signed);
    hf_enc(b, ci->serial);
    hf_buf_printf(b, " %s", fp);
    hf_enc(b, ci->key_type);
    hf_buf_printf(b, " %d", ci->key_bits);
    hf_enc(b, ci->key_curve);
    hf_buf_printf(b, " %zu %zu", ci->san_total, ci->nsans);
    hf_enc(b, ci->subject);
    hf_enc(b, ci->issuer);
    hf_buf_append(b, "\n", 1);
    for (size_t k = 0; k < ci->nsans; k++) {
        hf_buf_append(b, "S", 1);
        hf_enc(b, ci->sans[k]);
        hf_buf_append(b, "\n", 1);
    }
}

static void hf_enc_entry(hf_buf *b, const hf_cert_entry *e)
{
    const hf_cert_vres *v = &e->vres;

    hf_buf_append(b, "F", 1);
    hf_enc(b, e->path);
    hf_buf_printf(b, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %zu %zu %d %d",
                  e->sig.dev, e->sig.ino, e->sig.size, e->sig.mtime_ns, e->ncerts, e->skipped,
                  e->der, e->err_code);
    hf_enc(b, e->error);
    hf_buf_append(b, "\n", 1);
    for (size_t j = 0; j < e->ncerts; j++)
        hf_enc_cert(b, &e->certs[j]);
    if (e->have_vres) {
        hf_buf_printf(b, "V %s %d %d %d %d %" PRId64 " %" PRId64, v->key, v->trusted, v->system,
                      v->code, v->depth, v->from, v->until);
        hf_enc(b, v->error);
        hf_buf_append(b, "\n", 1);
    }
}

int hf_cert_cache_save(hf_cert_cache *c, const char *path, char *err, size_t errlen)
{
    hf_buf b = {0};
    char tmp[HF_PATH_MAX];
    int fd, r = 0;
    size_t off = 0;

    hf_buf_printf(&b, "%s\n", HF_CERT_CACHE_MAGIC);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++)
        hf_enc_entry(&b, &c->e[i]);
    pthread_mutex_unlock(&c->mu);
    if (b.oom) {
        hf_buf_free(&b);
        hf_err_set(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
        hf_buf_free(&b);
        hf_err_set(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        r = -errno;
        hf_buf_free(&b);
        hf_err_set(err, errlen, "%s: cannot create: %s", tmp, strerror(-r));
        return r;
    }
    while (off < b.len && r == 0) {
        ssize_t w = write(fd, b.s + off, b.len - off);
        if (w < 0 && errno != EINTR)
            r = -errno;
        else if (w > 0)
            off += (size_t)w;
    }
    if (r == 0 && fchmod(fd, 0640) < 0)
        r = -errno;
    if (close(fd) < 0 && r == 0)
        r = -errno;
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    hf_buf_free(&b);
    if (r < 0) {
        unlink(tmp);
        hf_err_set(err, errlen, "%s: cannot write: %s", path, strerror(-r));
        return r;
    }
    pthread_mutex_lock(&c->mu);
    c->dirty = false;
    pthread_mutex_unlock(&c->mu);
    return 0;
}

/* ---- state file: parsing */

#define HF_MAXTOK 16

static int hf_split(char *line, char **tok)
{
    int n = 0;
    char *save = NULL;

    for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (n == HF_MAXTOK)
            return -1;
        tok[n++] = t;
    }
    return n;
}

static int hf_u64(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long u;

    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    u = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = (uint64_t)u;
    return 0;
}

static int hf_i64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = (int64_t)v;
    return 0;
}

static int hf_int(const char *s, int *out, long lo, long hi)
{
    long v;

    if (hf_parse_long(s, &v) < 0 || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int hf_size(const char *s, size_t *out, size_t max)
{
    uint64_t v;

    if (hf_u64(s, &v) < 0 || v > max)
        return -1;
    *out = (size_t)v;
    return 0;
}

static int hf_parse_fp(const char *s, unsigned char *fp)
{
    if (strlen(s) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        int hi = hf_hexval(s[2 * i]), lo = hf_hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        fp[i] = (unsigned char)(hi * 16 + lo);
    }
    return 0;
}

static int hf_parse_cert_line(char **t, int n, hf_cert_info *ci)
{
    int flag;

    memset(ci, 0, sizeof(*ci));
    if (n != 15 || hf_dec(t[1], ci->not_before_asn1, sizeof(ci->not_before_asn1)) < 0 ||
        hf_dec(t[2], ci->not_after_asn1, sizeof(ci->not_after_asn1)) < 0 ||
        hf_i64(t[3], &ci->not_before) < 0 || hf_i64(t[4], &ci->not_after) < 0 ||
        hf_int(t[5], &flag, 0, 1) < 0 || hf_dec(t[6], ci->serial, sizeof(ci->serial)) < 0 ||
        hf_parse_fp(t[7], ci->sha256) < 0 || hf_dec(t[8], ci->key_type, sizeof(ci->key_type)) < 0 ||
        hf_int(t[9], &ci->key_bits, 0, 1 << 20) < 0 ||
        hf_dec(t[10], ci->key_curve, sizeof(ci->key_curve)) < 0 ||
        hf_size(t[11], &ci->san_total, SIZE_MAX / 2) < 0 ||
        hf_size(t[12], &ci->nsans, HF_CERT_MAX_SANS) < 0 || ci->nsans > ci->san_total ||
        hf_dec(t[13], ci->subject, sizeof(ci->subject)) < 0 ||
        hf_dec(t[14], ci->issuer, sizeof(ci->issuer)) < 0 || !ci->not_after_asn1[0])
        return -1;
    ci->self_signed = flag;
    return 0;
}

static int hf_parse_vres(char **t, int n, hf_cert_vres *v)
{
    int b1, b2;

    memset(v, 0, sizeof(*v));
    if (n != 9 || strlen(t[1]) != 64 || hf_int(t[2], &b1, 0, 1) < 0 || hf_int(t[3], &b2, 0, 1) < 0 ||
        hf_int(t[4], &v->code, 0, 100000) < 0 || hf_int(t[5], &v->depth, -1, 1000) < 0 ||
        hf_i64(t[6], &v->from) < 0 || hf_i64(t[7], &v->until) < 0 ||
        hf_dec(t[8], v->error, sizeof(v->error)) < 0)
        return -1;
    memcpy(v->key, t[1], 65);
    v->trusted = b1;
    v->system = b2;
    return 0;
}

/* Parse an F line into a new entry (certs allocated, to be filled by C lines). */
static int hf_parse_file_line(char **t, int n, hf_cert_entry *e)
{
    char path[HF_PATH_MAX];
    int der;

    memset(e, 0, sizeof(*e));
    if (n != 11 || hf_dec(t[1], path, sizeof(path)) < 0 || !path[0] ||
        hf_u64(t[2], &e->sig.dev) < 0 || hf_u64(t[3], &e->sig.ino) < 0 ||
        hf_u64(t[4], &e->sig.size) < 0 || hf_i64(t[5], &e->sig.mtime_ns) < 0 ||
        hf_size(t[6], &e->ncerts, HF_CERT_MAX_CHAIN) < 0 || hf_size(t[7], &e->skipped, 1 << 20) < 0 ||
        hf_int(t[8], &der, 0, 1) < 0 || hf_int(t[9], &e->err_code, -4095, 0) < 0 ||
        hf_dec(t[10], e->error, sizeof(e->error)) < 0 || (e->ncerts == 0) == (e->err_code == 0))
        return -1;
    e->der = der;
    e->path = strdup(path);
    e->certs = e->ncerts ? calloc(e->ncerts, sizeof(*e->certs)) : NULL;
    if (!e->path || (e->ncerts && !e->certs))
        return -2;
    return 0;
}

typedef struct hf_load_ctx {
    hf_cert_cache *c;
    hf_cert_entry *cur;     /* entry being filled */
    size_t ncert, nsan;     /* filled so far */
} hf_load_ctx;

static bool hf_load_complete(const hf_load_ctx *x)
{
    const hf_cert_entry *e = x->cur;

    if (!e)
        return true;
    return x->ncert == e->ncerts && (x->ncert == 0 || x->nsan == e->certs[x->ncert - 1].nsans);
}

static int hf_load_line(hf_load_ctx *x, char *line)
{
    char *t[HF_MAXTOK];
    int n = hf_split(line, t);
    hf_cert_entry *e = x->cur;

    if (n <= 0)
        return -1;
    if (strcmp(t[0], "F") == 0) {
        if (!hf_load_complete(x) || x->c->n >= HF_CERT_CACHE_MAX)
            return -1;
        if (hf_array_reserve(&x->c->e, &x->c->cap, x->c->n, sizeof(*x->c->e), 8) < 0)
            return -2;
        e = &x->c->e[x->c->n++];
        x->cur = e;
        x->ncert = x->nsan = 0;
        return hf_parse_file_line(t, n, e);
    }
    if (!e)
        return -1;
    if (strcmp(t[0], "C") == 0) {
        if (x->ncert >= e->ncerts || e->have_vres ||
            (x->ncert > 0 && x->nsan != e->certs[x->ncert - 1].nsans))
            return -1;
        x->nsan = 0;
        return hf_parse_cert_line(t, n, &e->certs[x->ncert++]);
    }
    if (strcmp(t[0], "S") == 0) {
        hf_cert_info *ci = x->ncert ? &e->certs[x->ncert - 1] : NULL;
        if (!ci || n != 2 || x->nsan >= ci->nsans || e->have_vres)
            return -1;
        return hf_dec(t[1], ci->sans[x->nsan++], HF_CERT_SAN_LEN);
    }
    if (strcmp(t[0], "V") == 0) {
        if (!hf_load_complete(x) || e->have_vres || e->err_code)
            return -1;
        e->have_vres = true;
        return hf_parse_vres(t, n, &e->vres);
    }
    return -1;
}

int hf_cert_cache_load(hf_cert_cache *c, const char *path, char *err, size_t errlen)
{
    char *data = NULL, *l, *nl;
    long len = hf_file_read(path, HF_CERT_STATE_MAX, &data);
    hf_load_ctx x = {c, NULL, 0, 0};
    size_t lineno = 1;
    int r = 0;

    if (len < 0) {
        if (len != -ENOENT)
            hf_err_set(err, errlen, "%s: cannot read: %s", path, strerror((int)-len));
        return len == -ENOENT ? -ENOENT : -EPROTO;
    }
    pthread_mutex_lock(&c->mu);
    hf_cert_cache_clear(c);
    if (strncmp(data, HF_CERT_CACHE_MAGIC "\n", sizeof(HF_CERT_CACHE_MAGIC)) != 0 ||
        strlen(data) != (size_t)len || data[len - 1] != '\n') {
        hf_err_set(err, errlen, "%s: not a version 1 certificate cache", path);
        r = -EPROTO;
    }
    for (l = data + sizeof(HF_CERT_CACHE_MAGIC); r == 0 && *l; l = nl + 1) {
        nl = strchr(l, '\n');   /* present: the file ends with a newline */
        *nl = '\0';
        lineno++;
        if (hf_load_line(&x, l) < 0) {
            hf_err_set(err, errlen, "%s: line %zu: malformed", path, lineno);
            r = -EPROTO;
        }
    }
    if (r == 0 && !hf_load_complete(&x)) {
        hf_err_set(err, errlen, "%s: truncated", path);
        r = -EPROTO;
    }
    if (r < 0)
        hf_cert_cache_clear(c);
    c->dirty = false;
    pthread_mutex_unlock(&c->mu);
    free(data);
    return r;
}
