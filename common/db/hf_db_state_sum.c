/* hf_db_state_sum: the hash of identities and names (hf_db_hash) and the
 * state file's body checksum (four 64-bit lanes over 32-byte blocks,
 * streamed), split from hf_db_state_file.c. */
#include <string.h>

#include "hf_db_int.h"

/* ---- hf_db_hash: identities and names (kept stable: state file names use it) ---- */

uint64_t hf_db_hash(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t w, h = 0x9E3779B97F4A7C15ull ^ seed;
    size_t len = n;

    for (; n >= 8; n -= 8, p += 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    for (; n; n--, p++)
        h = (h ^ *p) * 0x100000001b3ull;
    h ^= len;
    h ^= h >> 29;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 32);
}

/* ---- the body checksum: four lanes over 32-byte blocks, streamed ---- */

#define HF_DB_P1 0x9E3779B185EBCA87ull
#define HF_DB_P2 0xC2B2AE3D27D4EB4Full
#define HF_DB_P3 0x165667B19E3779F9ull

static inline uint64_t hf_db_rotl(uint64_t x, int r)
{
    return (x << r) | (x >> (64 - r));
}

static inline uint64_t hf_db_round(uint64_t acc, uint64_t w)
{
    acc += w * HF_DB_P2;
    return hf_db_rotl(acc, 31) * HF_DB_P1;
}

void hf_db_sum_init(hf_db_sum *s)
{
    s->v[0] = HF_DB_P1 + HF_DB_P2;
    s->v[1] = HF_DB_P2;
    s->v[2] = 0;
    s->v[3] = 0 - HF_DB_P1;
    s->n = 0;
}

/* Every update but the last must be a multiple of 32 bytes. */
void hf_db_sum_update(hf_db_sum *s, const unsigned char *p, size_t n)
{
    uint64_t v0 = s->v[0], v1 = s->v[1], v2 = s->v[2], v3 = s->v[3], w[4];
    int k = 0;

    s->n += n;
    for (; n >= 32; n -= 32, p += 32) {
        memcpy(w, p, 32);
        v0 = hf_db_round(v0, w[0]);
        v1 = hf_db_round(v1, w[1]);
        v2 = hf_db_round(v2, w[2]);
        v3 = hf_db_round(v3, w[3]);
    }
    s->v[0] = v0;
    s->v[1] = v1;
    s->v[2] = v2;
    s->v[3] = v3;
    for (; n >= 8; n -= 8, p += 8, k++) {       /* the tail: words, then bytes */
        memcpy(w, p, 8);
        s->v[k] = hf_db_round(s->v[k], w[0]);
    }
    if (n) {
        w[0] = 0;
        memcpy(w, p, n);
        s->v[k] = hf_db_round(s->v[k], w[0]);
    }
}

uint64_t hf_db_sum_final(const hf_db_sum *s)
{
    uint64_t h = hf_db_rotl(s->v[0], 1) + hf_db_rotl(s->v[1], 7) + hf_db_rotl(s->v[2], 12) +
                 hf_db_rotl(s->v[3], 18);

    for (int k = 0; k < 4; k++)
        h = (h ^ hf_db_round(0, s->v[k])) * HF_DB_P1 + HF_DB_P3;
    h ^= s->n;
    h ^= h >> 33;
    h *= HF_DB_P2;
    h ^= h >> 29;
    h *= HF_DB_P3;
    return h ^ (h >> 32);
}

