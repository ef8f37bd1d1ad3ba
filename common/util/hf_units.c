/* hf_units: see hf_units.h. */
#include "hf_units.h"

#include <math.h>
#include <stdio.h>

char *hf_units_bytes(double bytes, char *out, size_t n)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = fabs(bytes);
    size_t u = 0;

    if (n == 0)
        return out;
    if (isnan(bytes)) {
        snprintf(out, n, "?");
        return out;
    }
    while (v >= 1024 && u + 1 < sizeof(unit) / sizeof(unit[0])) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, n, "%s%.0f B", bytes < 0 ? "-" : "", v);
    else
        snprintf(out, n, "%s%.1f %s", bytes < 0 ? "-" : "", v, unit[u]);
    return out;
}

char *hf_units_ms(double ms, char *out, size_t n)
{
    if (n == 0)
        return out;
    if (isnan(ms))
        snprintf(out, n, "?");
    else if (fabs(ms) >= 1000)
        snprintf(out, n, "%.3g s", ms / 1000);
    else
        snprintf(out, n, "%.1f ms", ms);
    return out;
}
