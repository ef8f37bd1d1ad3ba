/* hf_time: see hf_time.h for the accepted grammar. Hand parser on the hot
 * path of the database backfill: one pass, no library calls, no copies. */
#include "hf_time.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>

static const double hf_time_pow10[10] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

/* Howard Hinnant's days_from_civil (public domain algorithm). */
int64_t hf_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void hf_time_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static inline bool hf_time_isdigit(char c)
{
    return (unsigned)((unsigned char)c - '0') <= 9;
}

static bool hf_time_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned hf_time_mdays(int64_t y, unsigned m)
{
    static const unsigned char md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return m == 2 && hf_time_leap(y) ? 29 : md[m - 1];
}

/* n decimal digits at s into *v; false unless all are digits. */
static bool hf_time_digits(const char *s, size_t n, unsigned *v)
{
    unsigned x = 0;

    for (size_t i = 0; i < n; i++) {
        if (!hf_time_isdigit(s[i]))
            return false;
        x = x * 10 + (unsigned)(s[i] - '0');
    }
    *v = x;
    return true;
}

/* ".F{1,9}" at s[*i..n): adds the fraction to *frac. */
static bool hf_time_fraction(const char *s, size_t n, size_t *i, double *frac)
{
    size_t k = *i + 1, start = k;
    unsigned long f = 0;

    while (k < n && hf_time_isdigit(s[k]) && k - start < 9)
        f = f * 10 + (unsigned long)(s[k++] - '0');
    if (k == start || (k < n && hf_time_isdigit(s[k])))
        return false;           /* no digits, or more than 9 */
    *frac = (double)f / hf_time_pow10[k - start];
    *i = k;
    return true;
}

/* Epoch seconds as text: D{1,12}[.F{1,9}]. */
static int hf_time_parse_epoch(const char *s, size_t n, double *epoch)
{
    size_t i = 0;
    double v = 0, frac = 0;

    while (i < n && hf_time_isdigit(s[i])) {
        if (i == 12)
            return -EINVAL;
        v = v * 10 + (s[i++] - '0');
    }
    if (i == 0)
        return -EINVAL;
    if (i < n && (s[i] != '.' || !hf_time_fraction(s, n, &i, &frac)))
        return -EINVAL;
    if (i != n || v + frac > HF_TIME_EPOCH_MAX)
        return -EINVAL;
    *epoch = v + frac;
    return 0;
}

/* Optional zone at s[i..n): "", "Z", "+HH:MM", "-HH:MM"; offset seconds east. */
static bool hf_time_zone(const char *s, size_t n, size_t i, long *off)
{
    unsigned hh, mm;

    *off = 0;
    if (i == n)
        return true;
    if (s[i] == 'Z')
        return i + 1 == n;
    if ((s[i] != '+' && s[i] != '-') || n - i != 6 || s[i + 3] != ':' ||
        !hf_time_digits(s + i + 1, 2, &hh) || !hf_time_digits(s + i + 4, 2, &mm) ||
        hh > 23 || mm > 59)
        return false;
    *off = (long)(hh * 3600 + mm * 60) * (s[i] == '-' ? -1 : 1);
    return true;
}

int hf_time_parse_created_at(const char *s, size_t n, double *epoch)
{
    unsigned y, mo, d, h, mi, sec;
    double frac = 0, v;
    size_t i = 19;
    long off;

    if (n < 19 || s[4] != '-')
        return n >= 1 && n <= 22 ? hf_time_parse_epoch(s, n, epoch) : -EINVAL;
    if (s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' ||
        !hf_time_digits(s, 4, &y) || !hf_time_digits(s + 5, 2, &mo) ||
        !hf_time_digits(s + 8, 2, &d) || !hf_time_digits(s + 11, 2, &h) ||
        !hf_time_digits(s + 14, 2, &mi) || !hf_time_digits(s + 17, 2, &sec))
        return -EINVAL;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > hf_time_mdays(y, mo) || h > 23 ||
        mi > 59 || sec > 59)
        return -EINVAL;
    if (i < n && s[i] == '.' && !hf_time_fraction(s, n, &i, &frac))
        return -EINVAL;
    if (!hf_time_zone(s, n, i, &off))
        return -EINVAL;
    v = (double)(hf_time_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off);
    *epoch = v + frac;
    return 0;
}

bool hf_time_epoch_ok(double v)
{
    return v >= 0 && v <= HF_TIME_EPOCH_MAX;   /* false for NaN too */
}

char *hf_time_format_date(double epoch, char *out, size_t n)
{
    int64_t y;
    unsigned m, d;

    hf_time_civil_from_days((int64_t)floor(epoch / 86400.0), &y, &m, &d);
    snprintf(out, n, "%04lld-%02u-%02u", (long long)y, m, d);
    return out;
}

char *hf_time_format(double epoch, char *out, size_t n)
{
    int64_t y, t = (int64_t)floor(epoch), sod;
    unsigned m, d;

    sod = t - (int64_t)floor((double)t / 86400.0) * 86400;
    hf_time_civil_from_days((t - sod) / 86400, &y, &m, &d);
    snprintf(out, n, "%04lld-%02u-%02u %02u:%02u:%02u", (long long)y, m, d,
             (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60), (unsigned)(sod % 60));
    return out;
}
