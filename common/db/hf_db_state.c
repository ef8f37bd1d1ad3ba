/* hf_db_state: the caller-owned aggregate state of the database probe:
 * identity, reset, allocation, deep copy, the state file's name. The file
 * itself is hf_db_state_file.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_db_int.h"
#include "hf_defaults.h"

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

/* Free what the state owns besides the rings. */
static void hf_db_state_release(hf_db_state *st)
{
    for (int w = 0; w < HF_DB_NWIN; w++)
        hf_db_bucket_reset(&st->edge[w].kept, HF_DB_EMPTY_TAG);
    free(st->exc);
    st->exc = NULL;
    st->nexc = st->exc_cap = 0;
}

void hf_db_state_reset(hf_db_state *st, const char *why)
{
    hf_db_ring m = st->minute, h = st->hour;
    uint64_t gen = st->gen + 1;
    unsigned char *image = st->image;   /* freed once no bucket points into it */

    hf_db_state_release(st);
    memset(st, 0, sizeof(*st));
    st->minute = m;
    st->hour = h;
    st->gen = gen;              /* never equal to a clean_gen of before */
    hf_strlcpy(st->why, why ? why : "no saved state", sizeof(st->why));
    for (int w = 0; w < HF_DB_NWIN; w++)
        hf_db_bucket_reset(&st->edge[w].kept, HF_DB_EMPTY_TAG);
    /* keep = size - 1 - future buckets (HF_DB_FUTURE_S + 1 bucket) */
    hf_db_ring_init(&st->minute, HF_DB_MIN_GRAN, HF_DB_MIN_RING,
                    HF_DB_MIN_RING - 1 - ((int64_t)HF_DB_FUTURE_S / HF_DB_MIN_GRAN + 1));
    hf_db_ring_init(&st->hour, HF_DB_HOUR_GRAN, HF_DB_HOUR_RING,
                    HF_DB_HOUR_RING - 1 - ((int64_t)HF_DB_FUTURE_S / HF_DB_HOUR_GRAN + 1));
    free(image);
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
    hf_db_state_release(st);
    if (st->minute.b)
        hf_db_ring_clear(&st->minute);
    if (st->hour.b)
        hf_db_ring_clear(&st->hour);
    free(st->minute.b);
    free(st->hour.b);
    free(st->image);
    free(st);
}

static bool hf_db_ring_copy(hf_db_ring *dst, const hf_db_ring *src)
{
    bool ok = true;

    hf_db_ring_clear(dst);
    for (int64_t i = 0; i < src->size; i++)
        if (!hf_db_bucket_copy(&dst->b[i], &src->b[i])) {
            hf_db_bucket_reset(&dst->b[i], HF_DB_EMPTY_TAG);
            ok = false;
        }
    return ok;
}

/* The edges' kept buckets and the exceptions of src into dst (whose own
 * pointers were already copied from src: they are replaced, not freed). */
static bool hf_db_extra_copy(hf_db_state *dst, const hf_db_state *src)
{
    bool ok = true;

    for (int w = 0; w < HF_DB_NWIN; w++) {
        dst->edge[w].kept.bins = NULL;
        dst->edge[w].kept.hw = 0;
        ok &= hf_db_bucket_copy(&dst->edge[w].kept, &src->edge[w].kept);
    }
    dst->exc = NULL;
    dst->exc_cap = 0;
    if (src->nexc && (dst->exc = malloc(src->nexc * sizeof(*dst->exc)))) {
        memcpy(dst->exc, src->exc, src->nexc * sizeof(*dst->exc));
        dst->exc_cap = src->nexc;
    } else if (src->nexc) {
        dst->nexc = 0;
        ok = false;
    }
    return ok;
}

int hf_db_state_copy(hf_db_state *dst, const hf_db_state *src)
{
    hf_db_ring m = dst->minute, h = dst->hour;

    hf_db_ring_clear(&dst->minute);
    hf_db_ring_clear(&dst->hour);
    hf_db_state_release(dst);
    free(dst->image);
    *dst = *src;
    dst->minute.b = m.b;
    dst->hour.b = h.b;
    dst->image = NULL;          /* every histogram is copied */
    dst->clean = false;         /* dst has no file of its own */
    if (!hf_db_extra_copy(dst, src) || !hf_db_ring_copy(&dst->minute, &src->minute) ||
        !hf_db_ring_copy(&dst->hour, &src->hour)) {
        hf_db_state_reset(dst, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* Everything the state file holds except the rings, the kept buckets'
 * histograms and the exceptions (those bump gen) and the clock fields
 * max_now and edge[].edge: a state that differs from its file only in those
 * is the file's state at a later clock (see hf_db_state_dirty). */
static uint64_t hf_db_state_digest(const hf_db_state *st)
{
    uint64_t h = hf_db_hash(&st->valid, 1, st->ident);
    const uint64_t f[] = {
        st->dev, st->ino, (uint64_t)st->last_rowid, (uint64_t)st->catchup_from,
        (uint64_t)st->catchup_to, st->skipped, st->future, (uint64_t)st->bad_rowid,
        st->nfp, st->exact, (uint64_t)st->read_from, st->nexc,
    };

    h = hf_db_hash(f, sizeof(f), h);
    h = hf_db_hash_str(st->bad_value, h);
    h = hf_db_hash_str(st->inexact, h);
    h = hf_db_hash(&st->retry_at, sizeof(double), h);
    h = hf_db_hash(&st->ref, sizeof(double), h);
    for (unsigned i = 0; i < st->nfp && i < HF_DB_NFP; i++) {
        const uint64_t g[] = {(uint64_t)st->fp[i].rowid, st->fp[i].t_key, st->fp[i].rt_key};
        h = hf_db_hash(g, sizeof(g), h);
        h = hf_db_hash(&st->fp[i].t, sizeof(double), h);
    }
    for (int w = 0; w < HF_DB_NWIN; w++) {
        const hf_db_bucket *k = &st->edge[w].kept;
        const uint64_t g[] = {(uint64_t)st->edge[w].cursor, (uint64_t)k->tag, k->count,
                              k->errors, k->rt_n, k->lo, k->hi, k->bins != NULL};
        const double d[] = {k->rt_sum, k->rt_min, k->rt_max, k->dmax};
        h = hf_db_hash(g, sizeof(g), h);
        h = hf_db_hash(d, sizeof(d), h);
    }
    return h;
}

void hf_db_state_mark_clean(hf_db_state *st)
{
    st->clean = true;
    st->clean_gen = st->gen;
    st->clean_sum = hf_db_state_digest(st);
}

bool hf_db_state_dirty(const hf_db_state *st)
{
    return !st->clean || st->gen != st->clean_gen || hf_db_state_digest(st) != st->clean_sum;
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
