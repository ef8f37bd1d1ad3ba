/* hf_prom_doc: the parsed page's memory (an arena for its strings and label
 * arrays), its family index and the look-ups of hf_prom.h. */
#include "hf_prom.h"
#include "hf_prom_impl.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_ARENA_CHUNK 65536

/* ---- arena: every string and label array of a doc ---------------------- */

struct hf_prom_arena {
    struct hf_prom_arena *next;
    size_t used, cap;
    max_align_t data[];
};

void *hf_prom_doc_alloc(hf_prom_doc *d, size_t n)
{
    struct hf_prom_arena *a = d->arena;
    size_t al = _Alignof(max_align_t);

    n = (n + al - 1) / al * al;
    if (!a || a->cap - a->used < n) {
        size_t cap = n > PROM_ARENA_CHUNK ? n : PROM_ARENA_CHUNK;
        struct hf_prom_arena *na = malloc(sizeof(*na) + cap);
        if (!na)
            return NULL;
        na->next = a;
        na->used = 0;
        na->cap = cap;
        d->arena = a = na;
    }
    void *p = (char *)a->data + a->used;
    a->used += n;
    return p;
}

char *hf_prom_doc_strndup(hf_prom_doc *d, const char *s, size_t n)
{
    char *p = hf_prom_doc_alloc(d, n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void hf_prom_doc_free(hf_prom_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->nfamilies; i++)
        free(doc->families[i].samples);
    free(doc->families);
    free(doc->index);
    for (struct hf_prom_arena *a = doc->arena, *n; a; a = n) {
        n = a->next;
        free(a);
    }
    free(doc);
}

/* ---- family index -------------------------------------------------------- */

static uint64_t prom_hash(const char *s, size_t n)
{
    return hf_hash64(s, n, HF_HASH_SEED);
}

/* Index slot holding family name s[0..n), or the empty slot where it goes. */
size_t *hf_prom_doc_slot(const hf_prom_doc *d, const char *s, size_t n)
{
    size_t mask = d->capindex - 1;

    for (size_t i = prom_hash(s, n) & mask;; i = (i + 1) & mask) {
        size_t v = d->index[i];
        if (!v)
            return &d->index[i];
        const char *name = d->families[v - 1].name;
        if (strncmp(name, s, n) == 0 && name[n] == '\0')
            return &d->index[i];
    }
}

hf_prom_family *hf_prom_doc_lookup(const hf_prom_doc *d, const char *s, size_t n)
{
    size_t *slot;

    if (!d->capindex)
        return NULL;
    slot = hf_prom_doc_slot(d, s, n);
    return *slot ? &d->families[*slot - 1] : NULL;
}

int hf_prom_doc_reindex(hf_prom_doc *d)
{
    size_t cap = d->capindex ? d->capindex * 2 : 64;
    size_t *idx = calloc(cap, sizeof(*idx));

    if (!idx)
        return -ENOMEM;
    free(d->index);
    d->index = idx;
    d->capindex = cap;
    for (size_t i = 0; i < d->nfamilies; i++) {
        const char *name = d->families[i].name;
        *hf_prom_doc_slot(d, name, strlen(name)) = i + 1;
    }
    return 0;
}

const hf_prom_family *hf_prom_find(const hf_prom_doc *doc, const char *name)
{
    return doc && name ? hf_prom_doc_lookup(doc, name, strlen(name)) : NULL;
}

bool hf_prom_has_suffix(const char *s, size_t n, const char *suf, size_t *base)
{
    size_t k = strlen(suf);

    if (n <= k || memcmp(s + n - k, suf, k) != 0)
        return false;
    *base = n - k;
    return true;
}

/* The family a sample called s[0..n) belongs to, or NULL. *bare_in_hist is
 * set when s names a histogram family itself (not a valid sample name). */
hf_prom_family *hf_prom_doc_sample_family(const hf_prom_doc *d, const char *s, size_t n,
                                          bool *bare_in_hist)
{
    hf_prom_family *f = hf_prom_doc_lookup(d, s, n);
    size_t b;

    *bare_in_hist = false;
    if (f) {
        *bare_in_hist = f->type == HF_PROM_HISTOGRAM;
        return f;
    }
    if (hf_prom_has_suffix(s, n, "_bucket", &b)) {
        f = hf_prom_doc_lookup(d, s, b);
        return f && f->type == HF_PROM_HISTOGRAM ? f : NULL;
    }
    if (hf_prom_has_suffix(s, n, "_sum", &b) || hf_prom_has_suffix(s, n, "_count", &b)) {
        f = hf_prom_doc_lookup(d, s, b);
        return f && (f->type == HF_PROM_HISTOGRAM || f->type == HF_PROM_SUMMARY) ? f : NULL;
    }
    return NULL;
}

const hf_prom_family *hf_prom_find_sample_family(const hf_prom_doc *doc, const char *sample_name)
{
    bool bare;
    const hf_prom_family *f;

    if (!doc || !sample_name)
        return NULL;
    f = hf_prom_doc_sample_family(doc, sample_name, strlen(sample_name), &bare);
    return bare ? NULL : f;
}

const char *hf_prom_label_value(const hf_prom_sample *s, const char *name)
{
    for (size_t i = 0; s && i < s->nlabels; i++)
        if (strcmp(s->labels[i].name, name) == 0)
            return s->labels[i].value;
    return NULL;
}

const char *hf_prom_type_name(hf_prom_type t)
{
    static const char *const names[] = {"untyped", "counter", "gauge", "histogram", "summary"};

    return (unsigned)t < HF_ARRAY_SIZE(names) ? names[t] : "untyped";
}

const char *hf_prom_error_str(const hf_prom_error *err, char *buf, size_t n)
{
    if (!err->line)
        snprintf(buf, n, "%s", err->msg);
    else if (!err->column)
        snprintf(buf, n, "line %zu: %s", err->line, err->msg);
    else
        snprintf(buf, n, "line %zu, column %zu: %s", err->line, err->column, err->msg);
    return buf;
}

