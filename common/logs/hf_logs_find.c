/* hf_logs_find: the case-insensitive multi-literal search.
 *
 * x86-64: each literal is anchored on one byte pair (its least frequent in
 * the first buffer a scanner sees); SSE2 or AVX2 (chosen at run time) find
 * the positions holding an anchor pair, 16 or 32 at a time, and only those
 * are verified. Elsewhere: Wu-Manber with 2-byte blocks (a 64 KiB shift table
 * indexed by raw byte pairs, no folding in the hot loop), built by the
 * scanner when it first has bytes to scan and only when SIMD does not apply:
 * a run with nothing new to read never builds (nor faults in) a table. */
#include "hf_logs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <immintrin.h>
#define HF_LOGS_SIMD 1
#endif

#include "hf_logs_match_int.h"

#ifdef HF_LOGS_SIMD
/* Literals anchored at pair position pos (literal starts must be >= lo). */
static unsigned simd_verify(const hf_logs_scan *s, const unsigned char *lo,
                            const unsigned char *pos, const unsigned char *end,
                            const unsigned char **qs)
{
    const hf_logs_matcher *m = s->m;
    unsigned found = 0;
    uint16_t key = (uint16_t)((pos[0] | 0x20) << 8 | (pos[1] | 0x20));

    for (size_t i = 0; i < m->nlits; i++) {
        size_t k = s->anc_pk[i];
        if (s->anc_key[i] != key || (size_t)(pos - lo) < k)
            continue;
        if (lit_at(&m->lits[i], pos - k, end)) {
            found |= m->lits[i].mask;
            *qs = pos - k;
        }
    }
    return found;
}

/* Candidate bits of 16 positions at p (needs p[0..16] readable). */
static inline unsigned sse2_bits(const hf_logs_scan *s, const unsigned char *p)
{
    const __m128i x20 = _mm_set1_epi8(0x20);
    __m128i a = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)p), x20);
    __m128i b = _mm_or_si128(_mm_loadu_si128((const __m128i *)(const void *)(p + 1)), x20);
    __m128i hit = _mm_setzero_si128();

    for (size_t k = 0; k < s->anc_np; k++)
        hit = _mm_or_si128(hit, _mm_and_si128(
            _mm_cmpeq_epi8(a, _mm_loadu_si128((const __m128i *)(const void *)s->anc_v0[k])),
            _mm_cmpeq_epi8(b, _mm_loadu_si128((const __m128i *)(const void *)s->anc_v1[k]))));
    return (unsigned)_mm_movemask_epi8(hit);
}

__attribute__((target("avx2")))
static inline unsigned avx2_bits(const hf_logs_scan *s, const unsigned char *p)
{
    const __m256i x20 = _mm256_set1_epi8(0x20);
    __m256i a = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)p), x20);
    __m256i b = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(const void *)(p + 1)), x20);
    __m256i hit = _mm256_setzero_si256();

    for (size_t k = 0; k < s->anc_np; k++) {
        __m256i v0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)s->anc_v0[k]));
        __m256i v1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)s->anc_v1[k]));
        hit = _mm256_or_si256(hit, _mm256_and_si256(_mm256_cmpeq_epi8(a, v0), _mm256_cmpeq_epi8(b, v1)));
    }
    return (unsigned)_mm256_movemask_epi8(hit);
}

/* Verify the candidate bits of the block at p; a match returns its anchor. */
static inline const unsigned char *simd_hits(const hf_logs_scan *s, const unsigned char *lo,
                                             const unsigned char *p, const unsigned char *end,
                                             unsigned bits, unsigned *mask, const unsigned char **qs)
{
    while (bits) {
        const unsigned char *pos = p + __builtin_ctz(bits);
        if ((*mask = simd_verify(s, lo, pos, end, qs)))
            return pos;
        bits &= bits - 1;
    }
    return NULL;
}

/* Candidates are positions holding some literal's anchor pair (each byte
 * | 0x20, a superset of ASCII case folding), 16 or 32 at a time; the last
 * bytes go through a zero-padded copy. Returns the anchor (resume after
 * it), *qs a literal start. */
__attribute__((target("avx2")))
static const unsigned char *avx2_loop(const hf_logs_scan *s, const unsigned char *lo,
                                      const unsigned char **pp, const unsigned char *end,
                                      unsigned *mask, const unsigned char **qs)
{
    const unsigned char *p = *pp, *r;

    for (; end - p >= 33; p += 32)
        if ((r = simd_hits(s, lo, p, end, avx2_bits(s, p), mask, qs)))
            return r;
    *pp = p;                    /* the rest: 16-byte and padded steps */
    return NULL;
}

static const unsigned char *simd_find(const hf_logs_scan *s, const unsigned char *lo,
                                      const unsigned char *p, const unsigned char *end,
                                      unsigned *mask, const unsigned char **qs)
{
    unsigned char pad[48];
    const unsigned char *r;
    size_t n;

    if (s->anc_avx2 && (r = avx2_loop(s, lo, &p, end, mask, qs)))
        return r;
    for (; end - p >= 17; p += 16)
        if ((r = simd_hits(s, lo, p, end, sse2_bits(s, p), mask, qs)))
            return r;
    n = (size_t)(end - p);
    if (n < 2)
        return NULL;
    memset(pad, 0, sizeof(pad));
    memcpy(pad, p, n);
    /* pair positions 0 .. n-2 are real; verification reads the real bytes */
    return simd_hits(s, lo, p, end, sse2_bits(s, pad) & ((1u << (n - 1)) - 1), mask, qs);
}
#endif

/* Anchor vectors from s->anc_pk; SIMD off when more than 16 distinct pairs. */
void hfl_anchors_build(hf_logs_scan *s)
{
    const hf_logs_matcher *m = s->m;

    s->anc_np = 0;
    if (!m->simd)
        return;                 /* no anchor pairs (a literal shorter than 2 bytes) */
    for (size_t i = 0; i < m->nlits; i++) {
        unsigned char a = m->lits[i].s[s->anc_pk[i]] | 0x20, b = m->lits[i].s[s->anc_pk[i] + 1] | 0x20;
        size_t k;
        s->anc_key[i] = (uint16_t)(a << 8 | b);
        for (k = 0; k < s->anc_np; k++)
            if (s->anc_v0[k][0] == a && s->anc_v1[k][0] == b)
                break;
        if (k < s->anc_np)
            continue;
        if (s->anc_np == 16) {
            s->anc_np = SIZE_MAX;
            return;
        }
        memset(s->anc_v0[s->anc_np], a, 16);
        memset(s->anc_v1[s->anc_np], b, 16);
        s->anc_np++;
    }
}

/* Re-pick each literal's anchor: the pair least frequent in this sample. */
void hfl_anchors_tune(hf_logs_scan *s, const unsigned char *p, size_t n)
{
    const hf_logs_matcher *m = s->m;
    uint32_t *cnt;

    s->anc_tuned = true;
    if (!m->simd || m->minlen < 2 || !(cnt = calloc(65536, sizeof(*cnt))))
        return;
    for (size_t i = 0; i + 1 < n; i++)      /* (only the literals' pairs are looked at) */
        cnt[(unsigned)(p[i] | 0x20) << 8 | (p[i + 1] | 0x20)]++;
    for (size_t i = 0; i < m->nlits; i++) {
        const lit *l = &m->lits[i];
        uint64_t best = UINT64_MAX;
        for (size_t k = 0; k + 1 < l->len; k++) {
            unsigned key = (unsigned)(l->s[k] | 0x20) << 8 | (l->s[k + 1] | 0x20);
            uint64_t w = (uint64_t)cnt[key] * 1000000 + byte_weight(l->s[k]) * byte_weight(l->s[k + 1]);
            if (w < best) {
                best = w;
                s->anc_pk[i] = (unsigned char)k;
            }
        }
    }
    free(cnt);
    hfl_anchors_build(s);
}

/* Whether the scanner searches with Wu-Manber (needs the shift table). */
static bool wm_needed(const hf_logs_scan *s)
{
#ifdef HF_LOGS_SIMD
    if (s->m->simd && s->anc_np != SIZE_MAX)
        return false;
#endif
    return s->m->minlen >= 2;
}

static void set_shift(unsigned char *shift, unsigned char a, unsigned char b, unsigned char v)
{
    unsigned char as[2] = {a, (a >= 'a' && a <= 'z') ? (unsigned char)(a - 32) : a};
    unsigned char bs[2] = {b, (b >= 'a' && b <= 'z') ? (unsigned char)(b - 32) : b};

    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            unsigned idx = (unsigned)as[i] << 8 | bs[j];
            if (shift[idx] > v)
                shift[idx] = v;
        }
}

/* The shift table, when this scanner needs one and has none yet. Out of
 * memory leaves none: wm_find then verifies every position (slower, the
 * same result). */
void hfl_wm_prepare(hf_logs_scan *s)
{
    const hf_logs_matcher *m = s->m;
    unsigned char *shift;

    if (!wm_needed(s) || !(shift = malloc(65536)))
        return;
    memset(shift, (int)(m->minlen - 1), 65536);
    for (size_t i = 0; i < m->nlits; i++)
        for (size_t k = 0; k + 2 <= m->minlen; k++)
            set_shift(shift, m->lits[i].s[k], m->lits[i].s[k + 1], (unsigned char)(m->minlen - 2 - k));
    s->wm_shift = shift;
}

/* First position in [p, end) where a literal starts; *mask gets the classes
 * of every literal starting there. NULL when none. */
static const unsigned char *wm_find(const hf_logs_scan *sc, const unsigned char *p,
                                    const unsigned char *end, unsigned *mask)
{
    const hf_logs_matcher *m = sc->m;
    const unsigned char *shift = sc->wm_shift;
    size_t ml = m->minlen;

    if (!m->nlits || (size_t)(end - p) < ml)
        return NULL;
    if (ml == 1) {
        for (; p < end; p++) {
            unsigned found = 0;
            if (!m->first[*p])
                continue;
            for (size_t i = 0; i < m->nlits; i++)
                if (lit_at(&m->lits[i], p, end))
                    found |= m->lits[i].mask;
            if (found) {
                *mask = found;
                return p;
            }
        }
        return NULL;
    }
    for (const unsigned char *g = p + ml - 2, *last = end - 2; g <= last;) {
        unsigned s = shift ? shift[(unsigned)g[0] << 8 | g[1]] : 0;
        if (s) {
            g += s;
            continue;
        }
        const unsigned char *q = g - (ml - 2);
        unsigned fg = (unsigned)fold(g[0]) << 8 | fold(g[1]), found = 0;
        for (size_t i = 0; i < m->nlits; i++)
            if (m->lits[i].g == fg && lit_at(&m->lits[i], q, end))
                found |= m->lits[i].mask;
        if (found) {
            *mask = found;
            return q;
        }
        g++;
    }
    return NULL;
}

/* A literal starting in [lo, end), searching anchors from p: returns the
 * anchor to resume after (every literal not yet reported starts after it
 * or is anchored after it), *qs a literal start, *mask its classes. */
const unsigned char *hfl_lfind(const hf_logs_scan *s, const unsigned char *lo,
                                  const unsigned char *p, const unsigned char *end,
                                  unsigned *mask, const unsigned char **qs)
{
#ifdef HF_LOGS_SIMD
    if (s->m->simd && s->m->minlen >= 2 && s->anc_np != SIZE_MAX)
        return simd_find(s, lo, p, end, mask, qs);
#endif
    (void)lo;
    *qs = wm_find(s, p, end, mask);
    return *qs;
}


void hfl_anchors_cpu(hf_logs_scan *s)
{
#ifdef HF_LOGS_SIMD
    s->anc_avx2 = __builtin_cpu_supports("avx2");
#else
    s->anc_avx2 = false;
#endif
}
