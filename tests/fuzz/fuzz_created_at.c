/* libFuzzer target: hf_time_parse_created_at accepts or rejects any bytes
 * without reading past n, and what it accepts is consistent: a valid epoch
 * range, and a date-time re-formatted in the canonical form parses back to
 * the same second. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1), canon[32];
    double v = -12345, back;
    int r;

    if (!copy)
        return 0;
    memcpy(copy, data, size);   /* exact-size heap copy: ASan sees any over-read */
    r = hf_time_parse_created_at(copy, size, &v);
    if (r != 0 && r != -EINVAL)
        abort();
    if (r == -EINVAL && v != -12345)
        abort();                /* a rejection leaves the output alone */
    if (r == 0) {
        if (!isfinite(v) || v < -62135596800.0 - 86400 || v > HF_TIME_EPOCH_MAX + 86400)
            abort();
        if (v >= 0 && v <= HF_TIME_EPOCH_MAX) {   /* canonical round trip (to the second) */
            hf_time_format(floor(v), canon, sizeof(canon));
            if (hf_time_parse_created_at(canon, strlen(canon), &back) != 0 || back != floor(v))
                abort();
        }
    }
    free(copy);
    return 0;
}
