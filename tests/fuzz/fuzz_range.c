/* libFuzzer target: hf_range_parse must reject or accept any bytes without
 * crashing, and an accepted range must be consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[128], err[256];
    hf_range r;

    if (size >= sizeof(buf))
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    if (hf_range_parse(buf, &r, err, sizeof(err)) == 0) {
        if (!r.start_neg_inf && !r.end_inf && r.start > r.end)
            abort();
        (void)hf_range_alert(&r, 0.0);
    } else if (!err[0]) {
        abort();                /* every rejection names its reason */
    }
    return 0;
}
