/* hf_cert_cache: parsed summaries and verification results, one entry per
 * hf_cert_key (path, size limit, trust store) holding the answer for one file
 * identity (dev, inode, size, mtime, ctime); shared between threads (one
 * mutex). The state file is hf_cert_cache_file.c.
 *
 * Dirty tracking is a generation count: every change bumps gen, a save
 * records the gen of its snapshot, and the cache is dirty while they differ,
 * so an entry added while a save is writing is never reported as saved. */
#include "hf_cert_cache_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void hf_cert_sig_from_stat(const struct stat *st, hf_cert_sig *sig)
{
    sig->dev = (uint64_t)st->st_dev;
    sig->ino = (uint64_t)st->st_ino;
    sig->size = (uint64_t)st->st_size;
    sig->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    sig->ctime_ns = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
}

bool hf_cert_sig_eq(const hf_cert_sig *a, const hf_cert_sig *b)
{
    return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->mtime_ns == b->mtime_ns && a->ctime_ns == b->ctime_ns;
}

static const char *hf_cert_nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

void hf_cert_key_of(const hf_cert_config *cfg, hf_cert_key *k)
{
    memset(k, 0, sizeof(*k));
    k->path = cfg->path;
    k->max_bytes = cfg->max_bytes ? cfg->max_bytes : HF_CERT_MAX_BYTES;
    if (cfg->no_verify) {
        k->trust = HF_CERT_TRUST_NONE;
    } else if (!cfg->ca_file && !cfg->ca_path) {
        k->trust = HF_CERT_TRUST_SYSTEM;
    } else {
        k->trust = HF_CERT_TRUST_FILES;
        k->ca_file = hf_cert_nonempty(cfg->ca_file);
        k->ca_path = hf_cert_nonempty(cfg->ca_path);
    }
}

/* ---- the cache object */

hf_cert_cache *hf_cert_cache_new(void)
{
    hf_cert_cache *c = calloc(1, sizeof(*c));

    if (!c)
        return NULL;
    if (pthread_mutex_init(&c->mu, NULL) != 0) {
        free(c);
        return NULL;
    }
    if (pthread_mutex_init(&c->save_mu, NULL) != 0) {
        pthread_mutex_destroy(&c->mu);
        free(c);
        return NULL;
    }
    return c;
}

void hf_cert_entry_clear(hf_cert_entry *e)
{
    free(e->path);
    free(e->ca_file);
    free(e->ca_path);
    free(e->certs);
    memset(e, 0, sizeof(*e));
}

static char *hf_cert_dup_or_null(const char *s, bool *oom)
{
    char *d = s ? strdup(s) : NULL;

    if (s && !d)
        *oom = true;
    return d;
}

int hf_cert_entry_set_key(hf_cert_entry *e, const hf_cert_key *k)
{
    bool oom = false;

    e->path = hf_cert_dup_or_null(k->path, &oom);
    e->ca_file = hf_cert_dup_or_null(k->ca_file, &oom);
    e->ca_path = hf_cert_dup_or_null(k->ca_path, &oom);
    e->max_bytes = k->max_bytes;
    e->trust = k->trust;
    return oom ? -ENOMEM : 0;
}

void hf_cert_cache_free(hf_cert_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        hf_cert_entry_clear(&c->e[i]);
    free(c->e);
    pthread_mutex_destroy(&c->save_mu);
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
    d = c->gen != c->saved_gen;
    pthread_mutex_unlock(&c->mu);
    return d;
}

/* ---- entries (the callers hold c->mu) */

static bool hf_cert_str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool hf_cert_entry_is(const hf_cert_entry *e, const hf_cert_key *k)
{
    return e->max_bytes == k->max_bytes && e->trust == k->trust && strcmp(e->path, k->path) == 0 &&
           hf_cert_str_eq(e->ca_file, k->ca_file) && hf_cert_str_eq(e->ca_path, k->ca_path);
}

static hf_cert_entry *hf_cert_cache_find(hf_cert_cache *c, const hf_cert_key *k)
{
    for (size_t i = 0; i < c->n; i++)
        if (hf_cert_entry_is(&c->e[i], k))
            return &c->e[i];
    return NULL;
}

/* An entry for k, its answer empty: existing, new, or the least recently
 * used one recycled. NULL when out of memory. */
static hf_cert_entry *hf_cert_cache_slot(hf_cert_cache *c, const hf_cert_key *k)
{
    hf_cert_entry *e = hf_cert_cache_find(c, k), fresh = {0};

    if (e) {
        free(e->certs);
        e->certs = NULL;
        e->ncerts = 0;
        e->have_vres = false;
        return e;
    }
    if (hf_cert_entry_set_key(&fresh, k) < 0 ||
        (c->cap < HF_CERT_CACHE_MAX &&
         hf_array_reserve(&c->e, &c->cap, c->n, sizeof(*c->e), 8) < 0)) {
        hf_cert_entry_clear(&fresh);
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
    *e = fresh;
    return e;
}

static int hf_cert_view_fill(hf_cert_entry_view *v, const hf_cert_entry *e)
{
    v->certs = e->ncerts ? malloc(e->ncerts * sizeof(*v->certs)) : NULL;
    if (e->ncerts && !v->certs)
        return -ENOMEM;
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
    return 0;
}

int hf_cert_cache_get(hf_cert_cache *c, const hf_cert_key *k, const hf_cert_sig *sig,
                      hf_cert_entry_view *v)
{
    hf_cert_entry *e;
    int r = 0;

    memset(v, 0, sizeof(*v));
    pthread_mutex_lock(&c->mu);
    c->st.lookups++;
    e = hf_cert_cache_find(c, k);
    if (e && hf_cert_sig_eq(&e->sig, sig)) {
        r = hf_cert_view_fill(v, e);
        if (r == 0) {
            e->used = ++c->tick;
            c->st.hits++;
            r = 1;
        }
    }
    pthread_mutex_unlock(&c->mu);
    return r;
}

void hf_cert_cache_put(hf_cert_cache *c, const hf_cert_key *k, const hf_cert_sig *sig,
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
    e = hf_cert_cache_slot(c, k);
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
    c->gen++;
    pthread_mutex_unlock(&c->mu);
}

void hf_cert_cache_put_vres(hf_cert_cache *c, const hf_cert_key *k, const hf_cert_sig *sig,
                            const hf_cert_vres *vr)
{
    hf_cert_entry *e;

    pthread_mutex_lock(&c->mu);
    e = hf_cert_cache_find(c, k);
    if (e && hf_cert_sig_eq(&e->sig, sig)) {
        e->vres = *vr;
        e->have_vres = true;
        c->gen++;
    }
    pthread_mutex_unlock(&c->mu);
}

void hf_cert_cache_count_verify(hf_cert_cache *c)
{
    pthread_mutex_lock(&c->mu);
    c->st.verifies++;
    pthread_mutex_unlock(&c->mu);
}

/* ---- merging a loaded state file */

static bool hf_cert_cache_has(hf_cert_cache *c, const hf_cert_entry *x)
{
    hf_cert_key k = {.path = x->path, .max_bytes = x->max_bytes, .trust = x->trust,
                     .ca_file = x->ca_file, .ca_path = x->ca_path};

    return hf_cert_cache_find(c, &k) != NULL;
}

size_t hf_cert_cache_merge(hf_cert_cache *c, hf_cert_entry *loaded, size_t n)
{
    size_t added = 0;
    bool was_clean;

    pthread_mutex_lock(&c->mu);
    was_clean = c->n == 0 && c->gen == c->saved_gen;
    for (size_t i = 0; i < n; i++) {
        if (c->n < HF_CERT_CACHE_MAX && !hf_cert_cache_has(c, &loaded[i]) &&
            hf_array_reserve(&c->e, &c->cap, c->n, sizeof(*c->e), 8) == 0) {
            c->e[c->n] = loaded[i];
            c->e[c->n++].used = 0;      /* recycled before anything used */
            memset(&loaded[i], 0, sizeof(loaded[i]));
            added++;
        } else {
            hf_cert_entry_clear(&loaded[i]);
        }
    }
    if (added)
        c->gen++;
    if (was_clean)
        c->saved_gen = c->gen;  /* the cache is what the file holds */
    pthread_mutex_unlock(&c->mu);
    return added;
}
