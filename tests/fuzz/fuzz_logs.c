/* libFuzzer target: the log line splitter and classifier. Arbitrary bytes fed
 * in random chunkings must give the same counts and the same matching lines
 * as feeding them at once, with the literal fast path, the regex fallback
 * (which must agree with it on the same patterns) and a real regex; never a
 * crash.
 *
 * Input: byte 0 selects the pattern set, bytes 1-4 seed the chunking, the
 * rest is the log text.
 *
 * Byte 0 = 0xff: the rest is a state file instead (0xfe: the records of
 * one, which the target seals with the right end line, so that version 2
 * records are reached past the checksum). Parsing it never crashes;
 * a failure leaves the state empty with an error naming the file; a success
 * survives ageing the window at a clock taken from the input (no bucket in
 * the future, no more than the granularity allows) and a save/load round
 * trip (the same files and window sums). */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_logs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
    uint64_t lines;
    uint64_t hash;              /* over (classes, text, len) of every matching line */
} seen;

static void on_line(void *ctx, unsigned classes, const char *text, size_t tlen, uint64_t len)
{
    seen *s = ctx;
    uint64_t h = s->hash ^ (classes * 0x9e3779b97f4a7c15ull) ^ len;

    for (size_t i = 0; i < tlen; i++)
        h = (h ^ (unsigned char)text[i]) * 1099511628211ull;
    s->hash = h;
    s->lines++;
}

static void run(const hf_logs_matcher *m, const uint8_t *d, size_t n, uint32_t seed,
                uint64_t count[HF_LOGS_NCLASS], seen *sn)
{
    hf_logs_scan s;

    memset(sn, 0, sizeof(*sn));
    if (hf_logs_scan_init(&s, m, on_line, sn) < 0)
        abort();
    for (size_t off = 0; off < n;) {
        size_t c = n - off;
        if (seed) {
            seed = seed * 1664525u + 1013904223u;
            c = 1 + (seed >> 8) % (c < 300 ? c : 300);
        }
        hf_logs_scan_feed(&s, (const char *)d + off, c);
        off += c;
    }
    hf_logs_scan_finish(&s);
    memcpy(count, s.count, sizeof(s.count));
    hf_logs_scan_free(&s);
}

/* The window after ageing at now: sane, or abort. */
static void check_window(const hf_logs_state *st, double now)
{
    if (st->nwin > HF_LOGS_WIN_FINE_S / 60 + HF_LOGS_WIN_KEEP_S / 3600 + 1)
        abort();
    for (size_t i = 0; i < st->nwin; i++)
        if ((double)st->win[i].start > now || (double)st->win[i].start <= now - HF_LOGS_WIN_KEEP_S)
            abort();
}

/* Save st and load it again: the same files and window sums. */
static void round_trip(const hf_logs_state *st, double now)
{
    static char path[64];
    hf_logs_state back;
    char err[HF_ERR_MAX];

    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/fuzz-logs-state-%ld", (long)getpid());
    if (hf_logs_state_save(st, path, err, sizeof(err)) < 0)
        return;                 /* e.g. /tmp full: not the code under test */
    if (hf_logs_state_load(&back, path, err, sizeof(err)) < 0 || back.nfiles != st->nfiles)
        abort();
    for (size_t i = 0; i < st->nfiles; i++)
        if (strcmp(back.files[i].path, st->files[i].path) || back.files[i].offset != st->files[i].offset)
            abort();
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        for (double w = 60; w < 40 * 86400.0; w *= 7)
            if (hf_logs_state_window_sum(&back, now, c, w) != hf_logs_state_window_sum(st, now, c, w))
                abort();
    hf_logs_state_free(&back);
    unlink(path);
}

static void fuzz_state(const uint8_t *data, size_t size, bool seal)
{
    static const uint64_t none[HF_LOGS_NCLASS];
    hf_logs_state st;
    hf_buf b = {0};
    char err[HF_ERR_MAX];
    double now = 1.8e9;
    int r;

    hf_buf_append(&b, (const char *)data, size);
    if (seal)
        hf_buf_printf(&b, "end %016" PRIx64 "\n", hf_hash64(data, size, HF_HASH_SEED));
    if (b.oom)
        abort();
    r = hf_logs_state_parse(&st, b.s ? b.s : "", b.len, "fuzz", err, sizeof(err));
    hf_buf_free(&b);
    if (r < 0) {
        if (st.nfiles || st.nwin || st.initialized || strncmp(err, "state file fuzz", 15))
            abort();
        return;
    }
    if (size >= 4)              /* a clock within about 2^31 s of 2027, from the input */
        now += (double)(int32_t)((uint32_t)data[0] | (uint32_t)data[1] << 8 |
                                 (uint32_t)data[2] << 16 | (uint32_t)data[3] << 24);
    if (hf_logs_state_window_add(&st, now, none) < 0)
        abort();
    check_window(&st, now);
    round_trip(&st, now);
    hf_logs_state_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const literal[HF_LOGS_NCLASS] = {"error|fail|critical", "warn", "ab|b", "x"};
    static const char *const regex[HF_LOGS_NCLASS] = {"^e[0-9]+", "(warn|slow)$", "a.*b", NULL};
    const char *const *re;
    hf_logs_matcher *m = NULL, *mr = NULL;
    char err[HF_ERR_MAX];
    uint64_t once[HF_LOGS_NCLASS], chunked[HF_LOGS_NCLASS], viare[HF_LOGS_NCLASS];
    seen s1, s2, s3;
    uint32_t seed;

    if (size >= 1 && data[0] >= 0xfe) {
        fuzz_state(data + 1, size - 1, data[0] == 0xfe);
        return 0;
    }
    if (size < 5)
        return 0;
    re = data[0] % 3 == 0 ? NULL : data[0] % 3 == 1 ? literal : regex;
    seed = (uint32_t)data[1] | (uint32_t)data[2] << 8 | (uint32_t)data[3] << 16 | (uint32_t)data[4] << 24;
    seed |= 1;
    data += 5;
    size -= 5;
    if (hf_logs_matcher_new(re, 0, &m, err, sizeof(err)) < 0 ||
        hf_logs_matcher_new(re, HF_LOGS_FORCE_REGEX, &mr, err, sizeof(err)) < 0)
        abort();
    run(m, data, size, 0, once, &s1);
    run(m, data, size, seed, chunked, &s2);
    run(mr, data, size, seed ^ 0x5bd1e995u, viare, &s3);
    if (memcmp(once, chunked, sizeof(once)) || s1.lines != s2.lines || s1.hash != s2.hash)
        abort();                /* chunking changed the result */
    if (memcmp(once, viare, sizeof(once)) || s1.hash != s3.hash)
        abort();                /* literal path and regexec disagree */
    hf_logs_matcher_free(m);
    hf_logs_matcher_free(mr);
    return 0;
}
