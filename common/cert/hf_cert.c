/* hf_cert: the certificate probe: file -> summaries (cached), dates against
 * "now", verification (cached per trust-store identity and time window),
 * comparison with the leaf a live endpoint serves. */
#include "hf_cert_int.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

/* ---- reading */

int hf_cert_read_file(const char *path, const char *name, size_t max, unsigned char **out,
                      size_t *len, hf_cert_sig *sig, char *err, size_t errlen)
{
    struct stat st;
    unsigned char *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), r;

    *out = NULL;
    if (fd < 0 || fstat(fd, &st) < 0) {
        r = -errno;
        hf_err_set(err, errlen, "%s: cannot open: %s", name, strerror(-r));
        if (fd >= 0)
            close(fd);
        return r;
    }
    hf_cert_sig_from_stat(&st, sig);
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max) {
        close(fd);
        if (!S_ISREG(st.st_mode))
            hf_err_set(err, errlen, "%s: not a regular file", name);
        else
            hf_err_set(err, errlen, "%s: larger than %zu bytes", name, max);
        return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        close(fd);
        hf_err_set(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            r = -errno;
            close(fd);
            free(buf);
            hf_err_set(err, errlen, "%s: cannot read: %s", name, strerror(-r));
            return r;
        }
        if (n == 0)
            break;              /* shrank while reading: take what is there */
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    return 0;
}

/* Read + parse + summarise: fills v (certs malloc'd) and, on success, *sk. */
static int hf_cert_fresh(const hf_cert_config *cfg, const char *name, STACK_OF(X509) **sk,
                         hf_cert_entry_view *v, hf_cert_sig *sig, bool *have_sig)
{
    unsigned char *data = NULL;
    size_t len = 0;
    int r;

    memset(v, 0, sizeof(*v));
    *sk = NULL;
    *have_sig = false;
    r = hf_cert_read_file(cfg->path, name, cfg->max_bytes ? cfg->max_bytes : HF_CERT_MAX_BYTES,
                          &data, &len, sig, v->error, sizeof(v->error));
    if (r < 0 && r != -EFBIG && r != -EINVAL)
        return r;               /* not even a stat: nothing to cache */
    *have_sig = true;
    if (r == 0)
        r = hf_cert_load_x509(data, len, name, sk, &v->skipped, &v->der, v->error, sizeof(v->error));
    free(data);
    if (r == 0) {
        r = hf_cert_summarize_all(*sk, &v->certs, &v->ncerts);
        if (r < 0) {
            hf_err_set(v->error, sizeof(v->error), r == -EBADMSG ?
                       "%s: certificate %zu: invalid validity dates" : "%s: out of memory",
                       name, v->ncerts + 1);
            v->ncerts = 0;
            sk_X509_pop_free(*sk, X509_free);
            *sk = NULL;
        }
    }
    v->err_code = r;
    return r;
}

/* ---- dates */

static void hf_cert_dates(hf_cert_info *ci, const ASN1_TIME *now_t, double now)
{
    ASN1_TIME *t = ASN1_TIME_new();
    int day = 0, sec = 0;
    double frac = now - floor(now);

    if (t && ASN1_TIME_set_string(t, ci->not_after_asn1) && ASN1_TIME_diff(&day, &sec, now_t, t))
        ci->days_left = (double)day + ((double)sec - frac) / 86400.0;
    else
        ci->days_left = ((double)ci->not_after - now) / 86400.0;
    ASN1_TIME_free(t);
    ERR_clear_error();
    ci->expired = ci->days_left <= 0;
    ci->not_yet_valid = now < (double)ci->not_before;
}

static void hf_cert_apply_now(hf_cert_result *res, double now)
{
    ASN1_TIME *now_t = ASN1_TIME_set(NULL, (time_t)floor(now));

    for (size_t i = 0; i < res->ncerts; i++) {
        hf_cert_dates(&res->certs[i], now_t, now);
        if (res->certs[i].not_after < res->certs[res->earliest].not_after)
            res->earliest = i;
    }
    ASN1_TIME_free(now_t);
}

/* ---- verification */

static void hf_cert_key_part(hf_buf *b, const char *tag, const char *path)
{
    struct stat st;
    hf_cert_sig s;

    if (!path) {
        hf_buf_printf(b, "|%s:-", tag);
        return;
    }
    if (stat(path, &st) < 0) {
        hf_buf_printf(b, "|%s:%s:errno%d", tag, path, errno);
        return;
    }
    hf_cert_sig_from_stat(&st, &s);
    hf_buf_printf(b, "|%s:%s:%llu:%llu:%llu:%lld:%lld", tag, path, (unsigned long long)s.dev,
                  (unsigned long long)s.ino, (unsigned long long)s.size, (long long)s.mtime_ns,
                  (long long)s.ctime_ns);
}

static const char *hf_cert_env_or(const char *env, const char *dflt)
{
    const char *v = secure_getenv(env);

    return v && *v ? v : dflt;
}

/* What a verification depends on besides the file: the trust store's identity. */
static int hf_cert_vkey(const hf_cert_config *cfg, char key[65])
{
    hf_buf b = {0};
    uint64_t h[4];

    hf_buf_printf(&b, "v1");
    if (cfg->ca_file || cfg->ca_path) {
        hf_cert_key_part(&b, "F", cfg->ca_file);
        hf_cert_key_part(&b, "D", cfg->ca_path);
    } else {
        hf_cert_key_part(&b, "SF", hf_cert_env_or(X509_get_default_cert_file_env(),
                                                 X509_get_default_cert_file()));
        hf_cert_key_part(&b, "SD", hf_cert_env_or(X509_get_default_cert_dir_env(),
                                                 X509_get_default_cert_dir()));
    }
    if (b.oom) {
        hf_buf_free(&b);
        return -ENOMEM;
    }
    /* four differently seeded FNV-1a passes: 256 bits, 64 hex digits. The key
     * is an identity, not a secret, and a warm check must not initialise
     * OpenSSL (config, providers) to compute it. */
    for (unsigned i = 0; i < 4; i++)
        h[i] = hf_hash64(b.s, b.len, HF_HASH_SEED ^ (0x9e3779b97f4a7c15ULL * (i + 1)));
    hf_buf_free(&b);
    snprintf(key, 65, "%016llx%016llx%016llx%016llx", (unsigned long long)h[0],
             (unsigned long long)h[1], (unsigned long long)h[2], (unsigned long long)h[3]);
    return 0;
}

static bool hf_cert_in_stack(STACK_OF(X509) *sk, const X509 *x)
{
    for (int i = 0; x && i < sk_X509_num(sk); i++)
        if (X509_cmp(sk_X509_value(sk, i), x) == 0)
            return true;
    return false;
}

/* The file's own certificates' dates are reported by the date checks:
 * verification judges trust only. */
static int hf_cert_verify_cb(int ok, X509_STORE_CTX *ctx)
{
    int e = X509_STORE_CTX_get_error(ctx);

    if (!ok && (e == X509_V_ERR_CERT_HAS_EXPIRED || e == X509_V_ERR_CERT_NOT_YET_VALID) &&
        hf_cert_in_stack(X509_STORE_CTX_get_app_data(ctx), X509_STORE_CTX_get_current_cert(ctx)))
        return 1;
    return ok;
}

/* The window around now in which no validity boundary of the store's
 * certificates in the chain is crossed. */
static void hf_cert_window(STACK_OF(X509) *chain, STACK_OF(X509) *own, double now, hf_cert_vres *vr)
{
    vr->from = INT64_MIN;
    vr->until = INT64_MAX;
    for (int i = 0; chain && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        hf_cert_info ci;
        int64_t b[2];

        if (hf_cert_in_stack(own, x) || hf_cert_summarize(x, &ci) < 0)
            continue;
        b[0] = ci.not_before;
        b[1] = ci.not_after;
        for (int k = 0; k < 2; k++) {
            if (now < (double)b[k] && b[k] < vr->until)
                vr->until = b[k];
            else if (now >= (double)b[k] && b[k] > vr->from)
                vr->from = b[k];
        }
    }
}

static int hf_cert_store(const hf_cert_config *cfg, X509_STORE *store, hf_cert_vres *vr)
{
    if (!cfg->ca_file && !cfg->ca_path) {
        vr->system = true;
        if (X509_STORE_set_default_paths(store))
            return 0;
        hf_err_set(vr->error, sizeof(vr->error), "cannot load the system trust store (%s)",
                   hf_cert_ossl_reason());
        return -EIO;
    }
    if (cfg->ca_file && access(cfg->ca_file, R_OK) < 0) {
        hf_err_set(vr->error, sizeof(vr->error), "cannot open CA file %s: %s", cfg->ca_file,
                   strerror(errno));
        return -EIO;
    }
    if (cfg->ca_path && access(cfg->ca_path, R_OK | X_OK) < 0) {
        hf_err_set(vr->error, sizeof(vr->error), "cannot open CA directory %s: %s", cfg->ca_path,
                   strerror(errno));
        return -EIO;
    }
    if (X509_STORE_load_locations(store, cfg->ca_file, cfg->ca_path))
        return 0;
    hf_err_set(vr->error, sizeof(vr->error), "cannot load CA %s %s (%s)",
               cfg->ca_file ? "file" : "directory", cfg->ca_file ? cfg->ca_file : cfg->ca_path,
               hf_cert_ossl_reason());
    return -EIO;
}

/* Returns 0 (vr filled: trusted or not) or -EIO (vr->error: the store
 * could not be loaded) / -ENOMEM. */
static int hf_cert_verify(const hf_cert_config *cfg, STACK_OF(X509) *sk, double now,
                          hf_cert_vres *vr)
{
    X509_STORE *store = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *untrusted = sk_X509_new_null();
    int r = -ENOMEM;

    vr->trusted = false;
    vr->code = 0;
    vr->depth = -1;
    vr->error[0] = '\0';
    if (!store || !ctx || !untrusted)
        goto out;
    for (int i = 1; i < sk_X509_num(sk); i++)
        if (!sk_X509_push(untrusted, sk_X509_value(sk, i)))
            goto out;
    r = hf_cert_store(cfg, store, vr);
    if (r < 0)
        goto out;
    r = -ENOMEM;
    if (!X509_STORE_CTX_init(ctx, store, sk_X509_value(sk, 0), untrusted))
        goto out;
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)floor(now));
    X509_STORE_CTX_set_app_data(ctx, sk);
    X509_STORE_CTX_set_verify_cb(ctx, hf_cert_verify_cb);
    vr->trusted = X509_verify_cert(ctx) == 1;
    if (!vr->trusted) {
        vr->code = X509_STORE_CTX_get_error(ctx);
        vr->depth = X509_STORE_CTX_get_error_depth(ctx);
        hf_strlcpy(vr->error, X509_verify_cert_error_string(vr->code), sizeof(vr->error));
    }
    hf_cert_window(X509_STORE_CTX_get0_chain(ctx), sk, now, vr);
    r = 0;
out:
    ERR_clear_error();
    sk_X509_free(untrusted);    /* the certificates belong to sk */
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return r;
}

/* ---- the probe */

static void hf_cert_take_view(hf_cert_result *res, hf_cert_entry_view *v, const char *name)
{
    res->certs = v->certs;
    res->ncerts = v->ncerts;
    res->skipped_blocks = v->skipped;
    res->der = v->der;
    v->certs = NULL;
    res->earliest = 0;
    if (v->err_code) {
        /* cached errors start with the name they were made with: re-label */
        const char *colon = strstr(v->error, ": ");
        hf_err_set(res->error, sizeof(res->error), "%s: %s", name, colon ? colon + 2 : v->error);
    }
}

static void hf_cert_set_vres(hf_cert_result *res, const hf_cert_vres *vr)
{
    res->verified = true;
    res->trusted = vr->trusted;
    res->verify_system = vr->system;
    res->verify_code = vr->code;
    res->verify_depth = vr->depth;
    hf_strlcpy(res->verify_error, vr->error, sizeof(res->verify_error));
}

static bool hf_cert_vres_usable(const hf_cert_entry_view *v, const char *key, double now)
{
    return v->have_vres && strcmp(v->vres.key, key) == 0 && now >= (double)v->vres.from &&
           now < (double)v->vres.until;
}

typedef struct hf_cert_run {
    const hf_cert_config *cfg;
    const char *name;
    double now;
    hf_cert_result *res;
    hf_cert_key key;                /* the cache entry's identity */
    hf_cert_entry_view v;
    hf_cert_sig sig;
    bool have_sig;
    STACK_OF(X509) *sk;
} hf_cert_run;

/* Fresh read; stores the outcome in the cache. Returns the load result. */
static int hf_cert_run_fresh(hf_cert_run *x)
{
    int r;

    free(x->v.certs);
    sk_X509_pop_free(x->sk, X509_free);
    r = hf_cert_fresh(x->cfg, x->name, &x->sk, &x->v, &x->sig, &x->have_sig);
    x->res->parses++;
    if (x->cfg->cache && x->have_sig)
        hf_cert_cache_put(x->cfg->cache, &x->key, &x->sig, &x->v);
    return r;
}

static int hf_cert_run_load(hf_cert_run *x)
{
    struct stat st;
    int r;

    if (x->cfg->cache) {
        if (stat(x->cfg->path, &st) < 0) {
            r = -errno;
            hf_err_set(x->res->error, sizeof(x->res->error), "%s: cannot open: %s", x->name,
                       strerror(-r));
            return r;
        }
        hf_cert_sig_from_stat(&st, &x->sig);
        r = hf_cert_cache_get(x->cfg->cache, &x->key, &x->sig, &x->v);
        if (r < 0)
            return r;
        if (r == 1) {
            x->res->from_cache = true;
            x->have_sig = true;
            return x->v.err_code;
        }
    }
    r = hf_cert_run_fresh(x);
    if (r < 0 && !x->have_sig)
        hf_strlcpy(x->res->error, x->v.error, sizeof(x->res->error));
    return r;
}

static int hf_cert_run_verify(hf_cert_run *x)
{
    char key[65];
    hf_cert_vres vr;
    int r;

    if (hf_cert_vkey(x->cfg, key) < 0)
        return -ENOMEM;
    if (hf_cert_vres_usable(&x->v, key, x->now)) {
        hf_cert_set_vres(x->res, &x->v.vres);
        return 0;
    }
    if (!x->sk) {       /* summaries came from the cache: the certificates are needed */
        r = hf_cert_run_fresh(x);
        if (r < 0)
            return r;
        x->res->from_cache = false;
    }
    memset(&vr, 0, sizeof(vr));
    memcpy(vr.key, key, sizeof(vr.key));
    if (x->cfg->cache)
        hf_cert_cache_count_verify(x->cfg->cache);
    r = hf_cert_verify(x->cfg, x->sk, x->now, &vr);
    if (r == -EIO) {            /* the store: reported, not cached */
        hf_strlcpy(x->res->verify_error, vr.error, sizeof(x->res->verify_error));
        x->res->verify_system = vr.system;
        return 0;
    }
    if (r < 0)
        return r;
    hf_cert_set_vres(x->res, &vr);
    if (x->cfg->cache && x->have_sig)
        hf_cert_cache_put_vres(x->cfg->cache, &x->key, &x->sig, &vr);
    return 0;
}

static void hf_cert_run_url(hf_cert_run *x)
{
    hf_cert_result *res = x->res;
    long t = x->cfg->timeout_ms;

    if (hf_cert_fetch_served(x->cfg->url, t, &res->served, res->url_error,
                             sizeof(res->url_error)) < 0)
        return;
    res->url_checked = true;
    res->url_match = memcmp(res->served.sha256, res->certs[0].sha256, sizeof(res->served.sha256)) == 0;
    hf_cert_apply_now(&(hf_cert_result){.certs = &res->served, .ncerts = 1}, x->now);
}

int hf_cert_probe(const hf_cert_config *cfg, hf_cert_result *res)
{
    hf_cert_run x;
    int r;

    memset(res, 0, sizeof(*res));
    if (!cfg || !cfg->path || !cfg->path[0]) {
        hf_err_set(res->error, sizeof(res->error), "no certificate file given");
        return -EINVAL;
    }
    memset(&x, 0, sizeof(x));
    x.cfg = cfg;
    x.res = res;
    x.name = cfg->name ? cfg->name : cfg->path;
    x.now = cfg->now != 0 ? cfg->now : hf_real_now();
    hf_cert_key_of(cfg, &x.key);
    r = hf_cert_run_load(&x);
    if (r == 0 && !cfg->no_verify)
        r = hf_cert_run_verify(&x);
    if (r == -ENOMEM)
        hf_err_set(res->error, sizeof(res->error), "%s: out of memory", x.name);
    else if (r < 0 && !res->error[0])
        hf_strlcpy(res->error, x.v.error, sizeof(res->error));
    if (r == 0 || x.v.err_code)
        hf_cert_take_view(res, &x.v, x.name);
    if (r == 0) {
        hf_cert_apply_now(res, x.now);
        if (cfg->url)
            hf_cert_run_url(&x);
    }
    if (r < 0) {
        free(res->certs);
        res->certs = NULL;
        res->ncerts = 0;
    }
    free(x.v.certs);
    sk_X509_pop_free(x.sk, X509_free);
    return r;
}

void hf_cert_result_free(hf_cert_result *res)
{
    if (!res)
        return;
    free(res->certs);
    res->certs = NULL;
    res->ncerts = 0;
}

static pthread_once_t hf_cert_once = PTHREAD_ONCE_INIT;

static void hf_cert_init_once(void)
{
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
}

void hf_cert_global_init(void)
{
    pthread_once(&hf_cert_once, hf_cert_init_once);
}
