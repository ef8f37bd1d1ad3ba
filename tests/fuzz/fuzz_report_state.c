/* libFuzzer target: arbitrary bytes as the report's per-day state file
 * (hf_days_state_load). The loader must accept or reject without crashing,
 * leaking or hanging; a rejection names the file and leaves the state
 * reset; an accepted file survives a save and a reload with the same days.
 * Each input is tried as it is and with a right end marker (the checksum
 * would otherwise keep the fuzzer from reaching the lines). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_days.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sum_all(const hf_days_state *st, hf_days_agg *a)
{
    hf_days_sum(st, INT64_MIN / 4, INT64_MAX / 4, 0, a, NULL);
}

static void load_one(const uint8_t *data, size_t size, bool fix_end)
{
    char path[64], path2[80], err[HF_ERR_MAX] = "";
    hf_days_state *st = hf_days_state_new(), *st2 = hf_days_state_new();
    hf_days_agg *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
    hf_buf text = {0};
    int r;

    if (!st || !st2 || !a || !b)
        abort();
    hf_buf_append(&text, (const char *)data, size);
    if (fix_end) {
        const char *s = hf_buf_str(&text), *end = strstr(s, "\nend ");
        text.len = end ? (size_t)(end - s) + 1 : text.len;
        if (text.s)
            text.s[text.len] = '\0';
        hf_seal_append(&text);
    }
    snprintf(path, sizeof(path), "/tmp/fuzz-report-state-%ld", (long)getpid());
    snprintf(path2, sizeof(path2), "%s.2", path);
    if (hf_file_write_atomic(path, hf_buf_str(&text), text.len, err, sizeof(err)) != 0)
        abort();
    r = hf_days_state_load(st, path, err, sizeof(err));
    if (r < 0 && (r == -ENOENT || !strstr(err, path) || hf_days_from(st) != INT64_MIN))
        abort();            /* a rejection names the file; nothing kept */
    if (r == 0) {
        if (hf_days_state_save(st, path2, err, sizeof(err)) != 0 ||
            hf_days_state_load(st2, path2, err, sizeof(err)) != 0)
            abort();
        sum_all(st, a);
        sum_all(st2, b);
        if (memcmp(a, b, sizeof(*a)) != 0 || hf_days_from(st) != hf_days_from(st2))
            abort();
        unlink(path2);
    }
    unlink(path);
    hf_buf_free(&text);
    free(a);
    free(b);
    hf_days_state_free(st);
    hf_days_state_free(st2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024)
        return 0;
    load_one(data, size, false);
    load_one(data, size, true);
    return 0;
}
