/* hf_cert_cache_file: the cache's state file.
 *
 * Version 2 (one record a line, fields separated by one space; strings
 * percent-encoded, "-" for the empty string / none):
 *   helixflow-cert-cache 2
 *   F path max_bytes trust ca_file ca_path dev ino size mtime_ns ctime_ns
 *     ncerts skipped der err_code error          (trust: none|system|files)
 *   C not_before_asn1 not_after_asn1 not_before not_after self_signed serial
 *     sha256 key_type key_bits key_curve san_total nsans subject issuer
 *   S san                                  (nsans lines after their C)
 *   V key trusted system code depth from until error   (optional, after the Cs)
 *   E entries checksum                     (the end: 64-bit FNV-1a, hex, of
 *                                           every byte before this line)
 *
 * Saving snapshots the entries under the lock and writes them with
 * hf_file_write_atomic; loading parses the whole file first and then merges
 * it into the live cache, so an unusable file changes nothing. */
#include "hf_cert_cache_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HF_CERT_CACHE_MAGIC "helixflow-cert-cache 2"
#define HF_CERT_STATE_MAX (64L * 1024 * 1024)

static const char *const hf_cert_trust_names[] = {"none", "system", "files"};

/* ---- encoding */

static void hf_enc(hf_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    hf_buf_append(b, " ", 1);
    if (!s || !*s || strcmp(s, "-") == 0) {
        hf_buf_append(b, s && *s ? "%2D" : "-", s && *s ? 3 : 1);
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
    hf_buf_printf(b, " %" PRIu64 " %s", e->max_bytes, hf_cert_trust_names[e->trust]);
    hf_enc(b, e->ca_file);
    hf_enc(b, e->ca_path);
    hf_buf_printf(b, " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64 " %zu %zu %d %d",
                  e->sig.dev, e->sig.ino, e->sig.size, e->sig.mtime_ns, e->sig.ctime_ns,
                  e->ncerts, e->skipped, e->der, e->err_code);
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

static uint64_t hf_cert_state_sum(const char *data, size_t len)
{
    return hf_hash64(data, len, HF_HASH_SEED);
}

/* The whole file for the entries as they are now; *gen their generation. */
static void hf_cert_cache_snapshot(hf_cert_cache *c, hf_buf *b, uint64_t *gen)
{
    size_t n;

    hf_buf_printf(b, "%s\n", HF_CERT_CACHE_MAGIC);
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->n; i++)
        hf_enc_entry(b, &c->e[i]);
    n = c->n;
    *gen = c->gen;
    pthread_mutex_unlock(&c->mu);
    if (!b->oom)
        hf_buf_printf(b, "E %zu %016" PRIx64 "\n", n, hf_cert_state_sum(b->s, b->len));
}

int hf_cert_cache_save(hf_cert_cache *c, const char *path, char *err, size_t errlen)
{
    hf_buf b = {0};
    uint64_t gen;
    int r;

    pthread_mutex_lock(&c->save_mu);
    hf_cert_cache_snapshot(c, &b, &gen);
    if (b.oom) {
        hf_err_set(err, errlen, "%s: out of memory", path);
        r = -ENOMEM;
    } else {
        r = hf_file_write_atomic(path, b.s, b.len, err, errlen);
    }
    if (r == 0) {
        pthread_mutex_lock(&c->mu);
        c->saved_gen = gen;     /* changes made since the snapshot keep it dirty */
        pthread_mutex_unlock(&c->mu);
    }
    pthread_mutex_unlock(&c->save_mu);
    hf_buf_free(&b);
    return r;
}

/* ---- parsing fields */

#define HF_MAXTOK 20

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

/* A decoded string, or NULL for "-"; -1 bad, -2 out of memory. */
static int hf_dec_dup(const char *tok, char **out)
{
    char buf[HF_PATH_MAX];

    *out = NULL;
    if (hf_dec(tok, buf, sizeof(buf)) < 0)
        return -1;
    if (!buf[0])
        return 0;
    *out = strdup(buf);
    return *out ? 0 : -2;
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

static int hf_parse_trust(const char *s, int *trust)
{
    for (int i = 0; i < (int)HF_ARRAY_SIZE(hf_cert_trust_names); i++) {
        if (strcmp(s, hf_cert_trust_names[i]) == 0) {
            *trust = i;
            return 0;
        }
    }
    return -1;
}

/* ---- parsing records */

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

/* The key fields of an F line (t[1..5]). -1 malformed, -2 out of memory. */
static int hf_parse_key(char **t, hf_cert_entry *e)
{
    int r;

    if (hf_u64(t[2], &e->max_bytes) < 0 || e->max_bytes == 0 || hf_parse_trust(t[3], &e->trust) < 0)
        return -1;
    if ((r = hf_dec_dup(t[1], &e->path)) < 0 || (r = hf_dec_dup(t[4], &e->ca_file)) < 0 ||
        (r = hf_dec_dup(t[5], &e->ca_path)) < 0)
        return r;
    if (!e->path || ((e->ca_file || e->ca_path) && e->trust != HF_CERT_TRUST_FILES))
        return -1;
    return 0;
}

/* Parse an F line into e (certs allocated, to be filled by C lines). */
static int hf_parse_file_line(char **t, int n, hf_cert_entry *e)
{
    int der, r;

    memset(e, 0, sizeof(*e));
    if (n != 16)
        return -1;
    r = hf_parse_key(t, e);
    if (r < 0)
        return r;
    if (hf_u64(t[6], &e->sig.dev) < 0 || hf_u64(t[7], &e->sig.ino) < 0 ||
        hf_u64(t[8], &e->sig.size) < 0 || hf_i64(t[9], &e->sig.mtime_ns) < 0 ||
        hf_i64(t[10], &e->sig.ctime_ns) < 0 || hf_size(t[11], &e->ncerts, HF_CERT_MAX_CHAIN) < 0 ||
        hf_size(t[12], &e->skipped, 1 << 20) < 0 || hf_int(t[13], &der, 0, 1) < 0 ||
        hf_int(t[14], &e->err_code, -4095, 0) < 0 || hf_dec(t[15], e->error, sizeof(e->error)) < 0 ||
        (e->ncerts == 0) == (e->err_code == 0))
        return -1;
    e->der = der;
    e->certs = e->ncerts ? calloc(e->ncerts, sizeof(*e->certs)) : NULL;
    return e->ncerts && !e->certs ? -2 : 0;
}

/* ---- loading */

typedef struct hf_load_ctx {
    hf_cert_entry *e;       /* entries read so far */
    size_t n, cap;
    size_t ncert, nsan;     /* of the last entry: filled so far */
} hf_load_ctx;

static hf_cert_entry *hf_load_cur(hf_load_ctx *x)
{
    return x->n ? &x->e[x->n - 1] : NULL;
}

static bool hf_load_complete(hf_load_ctx *x)
{
    const hf_cert_entry *e = hf_load_cur(x);

    if (!e)
        return true;
    return x->ncert == e->ncerts && (x->ncert == 0 || x->nsan == e->certs[x->ncert - 1].nsans);
}

static int hf_load_f(hf_load_ctx *x, char **t, int n)
{
    if (!hf_load_complete(x) || x->n >= HF_CERT_CACHE_MAX)
        return -1;
    if (hf_array_reserve(&x->e, &x->cap, x->n, sizeof(*x->e), 8) < 0)
        return -2;
    x->n++;
    x->ncert = x->nsan = 0;
    return hf_parse_file_line(t, n, hf_load_cur(x));
}

static int hf_load_c(hf_load_ctx *x, hf_cert_entry *e, char **t, int n)
{
    if (x->ncert >= e->ncerts || e->have_vres ||
        (x->ncert > 0 && x->nsan != e->certs[x->ncert - 1].nsans))
        return -1;
    x->nsan = 0;
    return hf_parse_cert_line(t, n, &e->certs[x->ncert++]);
}

static int hf_load_line(hf_load_ctx *x, char *line)
{
    char *t[HF_MAXTOK];
    int n = hf_split(line, t);
    hf_cert_entry *e = hf_load_cur(x);

    if (n <= 0)
        return -1;
    if (strcmp(t[0], "F") == 0)
        return hf_load_f(x, t, n);
    if (!e)
        return -1;
    if (strcmp(t[0], "C") == 0)
        return hf_load_c(x, e, t, n);
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

static void hf_load_free(hf_load_ctx *x)
{
    for (size_t i = 0; i < x->n; i++)
        hf_cert_entry_clear(&x->e[i]);
    free(x->e);
    memset(x, 0, sizeof(*x));
}

/* "E count checksum" (line modified). Returns 0 or -1. */
static int hf_load_end_line(char *line, size_t *count, uint64_t *sum)
{
    char *t[HF_MAXTOK];
    int n = hf_split(line, t);

    if (n != 3 || strcmp(t[0], "E") != 0 || hf_size(t[1], count, HF_CERT_CACHE_MAX) < 0 ||
        strlen(t[2]) != 16)
        return -1;
    *sum = 0;
    for (int i = 0; i < 8; i++) {
        int hi = hf_hexval(t[2][2 * i]), lo = hf_hexval(t[2][2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        *sum = (*sum << 8) | (uint64_t)(hi * 16 + lo);
    }
    return 0;
}

typedef struct hf_load_frame {
    char *body, *end;       /* the records: body .. end, each line ending in '\n' */
    size_t count;           /* entries, says the end marker */
    size_t end_line;        /* the end marker's line number */
} hf_load_frame;

/* The framing: the magic first, the end marker last, the checksum right. */
static int hf_load_framing(char *data, size_t len, const char *path, hf_load_frame *f,
                           char *err, size_t errlen)
{
    uint64_t sum;

    if (len == 0 || strlen(data) != len ||
        strncmp(data, HF_CERT_CACHE_MAGIC "\n", sizeof(HF_CERT_CACHE_MAGIC)) != 0) {
        hf_err_set(err, errlen, "%s: %s", path, len ? "not a version 2 certificate cache" : "empty file");
        return -EPROTO;
    }
    f->body = data + sizeof(HF_CERT_CACHE_MAGIC);
    f->end = NULL;
    if (data[len - 1] == '\n') {
        char *nl;
        data[len - 1] = '\0';
        nl = strrchr(data, '\n');      /* none: the file is the magic alone */
        f->end = nl ? nl + 1 : NULL;
    }
    if (!f->end || hf_load_end_line(f->end, &f->count, &sum) < 0) {
        hf_err_set(err, errlen, "%s: truncated (no end marker)", path);
        return -EPROTO;
    }
    if (hf_cert_state_sum(data, (size_t)(f->end - data)) != sum) {
        hf_err_set(err, errlen, "%s: checksum mismatch (damaged file)", path);
        return -EPROTO;
    }
    f->end_line = 1;
    for (const char *p = data; p < f->end; p++)
        f->end_line += *p == '\n';
    return 0;
}

/* Parse the whole file into x. Returns 0 or -EPROTO / -ENOMEM with err set. */
static int hf_load_parse(char *data, size_t len, const char *path, hf_load_ctx *x, char *err,
                         size_t errlen)
{
    hf_load_frame f;
    char *l, *nl;
    size_t lineno = 1;
    int r = hf_load_framing(data, len, path, &f, err, errlen);

    if (r < 0)
        return r;
    for (l = f.body; r == 0 && l < f.end; l = nl + 1) {
        nl = strchr(l, '\n');   /* found: f.end starts a line */
        *nl = '\0';
        lineno++;
        r = hf_load_line(x, l);
    }
    if (r == -2) {
        hf_err_set(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    if (r < 0 || !hf_load_complete(x)) {
        hf_err_set(err, errlen, "%s: line %zu: malformed", path, r < 0 ? lineno : f.end_line);
        return -EPROTO;
    }
    if (f.count != x->n) {
        hf_err_set(err, errlen, "%s: line %zu: the end marker counts %zu entries, the file has %zu",
                   path, f.end_line, f.count, x->n);
        return -EPROTO;
    }
    return 0;
}

int hf_cert_cache_load_text(hf_cert_cache *c, char *data, size_t len, const char *name,
                            char *err, size_t errlen)
{
    hf_load_ctx x = {0};
    int r = hf_load_parse(data, len, name, &x, err, errlen);

    if (r == 0) {
        hf_cert_cache_merge(c, x.e, x.n);   /* takes the entries */
        free(x.e);
    } else {
        hf_load_free(&x);
    }
    return r;
}

int hf_cert_cache_load(hf_cert_cache *c, const char *path, char *err, size_t errlen)
{
    unsigned char *data = NULL;
    size_t len = 0;
    hf_cert_sig sig;
    int r = hf_cert_read_file(path, path, HF_CERT_STATE_MAX, &data, &len, &sig, err, errlen);

    if (r < 0)
        return r == -ENOENT || r == -ENOMEM ? r : -EPROTO;
    r = hf_cert_cache_load_text(c, (char *)data, len, path, err, errlen);
    free(data);
    return r;
}
