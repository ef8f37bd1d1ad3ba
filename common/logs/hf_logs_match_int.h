/* hf_logs_match_int: the matcher's insides, shared by hf_logs_match.c (patterns,
 * the scanner) and hf_logs_find.c (the literal search). Not public. */
#ifndef HF_LOGS_MATCH_INT_H
#define HF_LOGS_MATCH_INT_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "hf_logs.h"

#define W HF_LOGS_REGEX_WINDOW
#define MAX_LITS 64

typedef struct lit {
    unsigned char s[HF_LOGS_LIT_MAX];   /* folded to lower case */
    size_t len;
    unsigned mask;              /* classes this literal belongs to */
    unsigned g;                 /* folded 2-byte block ending the minlen prefix */
    size_t pk;                  /* SIMD filter: offset of the literal's rarest byte pair */
} lit;

struct hf_logs_matcher {
    unsigned lit_classes, re_classes;
    regex_t re[HF_LOGS_NCLASS];
    lit lits[MAX_LITS];
    size_t nlits, minlen, maxlen;
    unsigned char first[256];   /* minlen == 1: byte may start a literal */
    bool simd;                  /* the SIMD anchor filter applies (minlen >= 2) */
    /* No 64 KiB tables here: built (calloc + memset) by every matcher, they
     * were 53 of the 137 page faults of a Nagios run with nothing new to
     * read. The Wu-Manber shift table belongs to a scanner, built on its
     * first bytes and only when the SIMD filter does not apply
     * (hfl_wm_prepare); anchor tuning counts byte pairs directly. */
};

static inline unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static inline bool lit_at(const lit *l, const unsigned char *q, const unsigned char *end)
{
    if ((size_t)(end - q) < l->len)
        return false;
    for (size_t k = 0; k < l->len; k++)
        if (fold(q[k]) != l->s[k])
            return false;
    return true;
}

/* Rough frequency of a byte in log text (English letters, digits, blanks):
 * the SIMD filter anchors each literal on its least frequent byte pair. */
static inline unsigned byte_weight(unsigned char c)
{
    static const unsigned char letters[26] = {82, 15, 28, 43, 127, 22, 20, 61, 70, 2, 8, 40, 24,
                                              67, 75, 19, 1, 60, 63, 91, 28, 10, 24, 2, 20, 1};
    c = fold(c);
    if (c >= 'a' && c <= 'z')
        return letters[c - 'a'] + 1u;
    if (c >= '0' && c <= '9')
        return 50;
    return c == ' ' ? 150 : c < 0x80 ? 30 : 5;
}

/* hf_logs_find.c */
void hfl_anchors_build(hf_logs_scan *s);
void hfl_anchors_tune(hf_logs_scan *s, const unsigned char *p, size_t n);
void hfl_anchors_cpu(hf_logs_scan *s);
void hfl_wm_prepare(hf_logs_scan *s);
const unsigned char *hfl_lfind(const hf_logs_scan *s, const unsigned char *lo, const unsigned char *p,
                               const unsigned char *end, unsigned *mask, const unsigned char **qs);

#endif
