/* libFuzzer target: arbitrary bytes as the certificate cache's state file.
 * The loader must accept or reject without crashing, leaking or hanging; a
 * rejection names the file and leaves the cache as it was; an accepted file
 * survives a save and a reload with the same entries. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_cert_cache_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t entries(hf_cert_cache *c)
{
    hf_cert_cache_stats st;

    hf_cert_cache_stats_get(c, &st);
    return st.entries;
}

/* Save c and load the file into a fresh cache: the same number of entries. */
static void round_trip(hf_cert_cache *c)
{
    char path[64], err[HF_ERR_MAX];
    hf_cert_cache *d = hf_cert_cache_new();

    snprintf(path, sizeof(path), "/tmp/fuzz-cert-state-%ld", (long)getpid());
    if (!d || hf_cert_cache_save(c, path, err, sizeof(err)) != 0 ||
        hf_cert_cache_load(d, path, err, sizeof(err)) != 0 || entries(d) != entries(c))
        abort();
    unlink(path);
    hf_cert_cache_free(d);
}

/* Load size bytes of data as a state file; with fix_end, the end marker is
 * replaced by a right one first (the checksum would otherwise keep the
 * fuzzer from reaching the records). */
static void load_one(const uint8_t *data, size_t size, bool fix_end)
{
    hf_cert_cache *c = hf_cert_cache_new();
    char *text = malloc(size + 64), err[HF_ERR_MAX] = "", *last;
    size_t len = size, nf = 0;
    int r;

    if (!c || !text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    if (fix_end) {
        if (len && text[len - 1] == '\n')
            text[--len] = '\0';
        last = strrchr(text, '\n');
        len = last ? (size_t)(last - text) + 1 : 0;
        for (size_t i = 0; i + 1 < len; i++)
            nf += text[i] == '\n' && text[i + 1] == 'F';
        len += (size_t)snprintf(text + len, 64, "E %zu %016llx\n", nf,
                                (unsigned long long)hf_hash64(text, len, HF_HASH_SEED));
    }
    r = hf_cert_cache_load_text(c, text, len, "state", err, sizeof(err));
    if (r < 0 && ((r != -EPROTO && r != -ENOMEM) || strncmp(err, "state: ", 7) != 0 ||
                  entries(c) != 0))
        abort();            /* a rejection names the file; nothing merged */
    if (r == 0)
        round_trip(c);
    free(text);
    hf_cert_cache_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1024 * 1024)
        return 0;
    load_one(data, size, false);
    load_one(data, size, true);
    return 0;
}
