/* hf_prom_lex: the tokens of the Prometheus text format that need more than
 * a character class: floats as Go reads them, integer timestamps (see
 * hf_prom_impl.h). */
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
