/* hf_prom_lex: the tokens of the Prometheus text format that need more than
 * a character class: floats as Go reads them, integer timestamps, UTF-8
 * sequences (see hf_prom_impl.h). */
#include "hf_prom_impl.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PROM_NUM_MAX 128        /* longest number token we convert */

/* ---- numbers --------------------------------------------------------------- */

/* A float as Go's strconv.ParseFloat reads it, without hex and underscores.
 * Returns 0, -EINVAL (syntax) or -ERANGE (overflow). */
int hf_prom_float(const char *s, size_t n, double *out)
{
    char buf[PROM_NUM_MAX + 1], *end;
    size_t i = 0, digits = 0;
    bool neg = false;

    if (n == 0 || n > PROM_NUM_MAX)
        return -EINVAL;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if ((n - i == 3 && strncasecmp(s + i, "inf", 3) == 0) ||
        (n - i == 8 && strncasecmp(s + i, "infinity", 8) == 0)) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (n == 3 && strncasecmp(s, "nan", 3) == 0) {
        *out = NAN;
        return 0;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits)
        return -EINVAL;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t ed = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ed++;
        if (!ed)
            return -EINVAL;
    }
    if (i != n)
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    *out = strtod(buf, &end);
    if (end != buf + n)
        return -EINVAL;
    if (errno == ERANGE && isinf(*out))
        return -ERANGE;
    return 0;
}

int hf_prom_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0, lim;

    if (n && (s[0] == '-' || s[0] == '+')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return -EINVAL;
    lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -EINVAL;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

/* Length of the UTF-8 sequence at s[0..n) (s[0] >= 0x80), or 0 with *why:
 * RFC 3629 only (no overlong forms, no surrogates, nothing above U+10FFFF). */
size_t hf_prom_utf8_seq(const unsigned char *s, size_t n, const char **why)
{
    unsigned char lo = 0x80, hi = 0xbf;     /* the second byte's range */
    size_t len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;

    if (s[0] < 0xc0 || s[0] > 0xf4) {
        *why = s[0] < 0xc0 ? "continuation byte without a lead byte" : "byte never used in UTF-8";
        return 0;
    }
    if (s[0] < 0xc2 || s[0] == 0xe0 || s[0] == 0xf0)
        lo = s[0] < 0xc2 ? 0xff : s[0] == 0xe0 ? 0xa0 : 0x90;
    if (s[0] == 0xed || s[0] == 0xf4)
        hi = s[0] == 0xed ? 0x9f : 0x8f;
    for (size_t i = 1; i < len; i++) {
        if (i >= n || s[i] < 0x80 || s[i] > 0xbf) {
            *why = "truncated sequence";
            return 0;
        }
    }
    if (s[1] < lo || s[1] > hi) {
        *why = s[1] < lo ? "overlong encoding" : s[0] == 0xed ? "UTF-16 surrogate"
            : "code point above U+10FFFF";
        return 0;
    }
    return len;
}
