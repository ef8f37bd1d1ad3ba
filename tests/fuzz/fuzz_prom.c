/* libFuzzer target: hf_prom_parse must accept or reject any bytes without
 * crashing or reading past the given length (the input is copied into a
 * buffer of exactly that size), every rejection must name its reason and
 * line, and an accepted page must be consistent (its last line ended, label
 * values valid UTF-8, no __name__ label, no negative bucket population) and
 * usable by hf_prom_api_compute (twice, as a check does with its state). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_prom.h"
#include "hf_prom_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Valid UTF-8 by decoding (independent of the parser's table of ranges). */
static int fuzz_utf8_ok(const unsigned char *s)
{
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};

    while (*s) {
        size_t len = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;
        uint32_t cp = len == 1 ? *s : len ? (uint32_t)(*s & (0x7f >> len)) : 0;
        if (!len)
            return 0;
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        if (len > 1 && (cp < min[len] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff))
            return 0;
        s += len;
    }
    return 1;
}

/* A typed histogram's x_bucket and x_count, a summary's x_count. */
static int fuzz_is_count(const hf_prom_family *f, const char *name)
{
    size_t fl = strlen(f->name);

    if (strncmp(name, f->name, fl) != 0)
        return 0;
    if (f->type == HF_PROM_HISTOGRAM && strcmp(name + fl, "_bucket") == 0)
        return 1;
    return (f->type == HF_PROM_HISTOGRAM || f->type == HF_PROM_SUMMARY) && strcmp(name + fl, "_count") == 0;
}

static void fuzz_check_sample(const hf_prom_family *f, const hf_prom_sample *s)
{
    for (size_t k = 0; k < s->nlabels; k++)
        if (!s->labels[k].name || !s->labels[k].value || hf_prom_label_value(s, s->labels[k].name) == NULL ||
            strcmp(s->labels[k].name, "__name__") == 0 || !fuzz_utf8_ok((const unsigned char *)s->labels[k].value))
            abort();
    if (fuzz_is_count(f, s->name) && s->value < 0)
        abort();                /* a negative bucket population */
}

static void fuzz_check_doc(const hf_prom_doc *doc)
{
    size_t n = 0;

    for (size_t i = 0; i < doc->nfamilies; i++) {
        const hf_prom_family *f = &doc->families[i];
        if (!f->name[0] || hf_prom_find(doc, f->name) != f)
            abort();
        for (size_t j = 0; j < f->nsamples; j++) {
            const hf_prom_sample *s = &f->samples[j];
            if (!s->name || s->line == 0 || s->line > doc->nlines)
                abort();
            fuzz_check_sample(f, s);
        }
        n += f->nsamples;
    }
    if (n != doc->nsamples)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size ? size : 1);
    hf_prom_doc *doc = NULL;
    hf_prom_error err;
    hf_prom_limits lim = {.max_line_len = 4096, .max_samples = 20000};
    int r;

    if (!copy)
        return 0;
    memcpy(copy, data, size);
    r = hf_prom_parse(copy, size, &lim, &doc, &err);
    if (r < 0) {
        if (doc || !err.msg[0])
            abort();            /* every rejection names its reason */
    } else {
        hf_prom_api_state st;
        hf_prom_api_stats s;
        const hf_prom_api_config cfg = {.requests_metric = "a", .duration_metric = "d"};

        if (size && data[size - 1] != '\n')
            abort();            /* the last line must end with a line feed */
        fuzz_check_doc(doc);
        memset(&st, 0, sizeof(st));
        for (int i = 0; i < 2; i++) {
            (void)hf_prom_api_compute(doc, NULL, 1000.0 + i, &st, &s);
            (void)hf_prom_api_compute(doc, &cfg, 1000.0 + i, &st, &s);
        }
        if (st.dur.n > HF_PROM_MAX_BUCKETS || st.ttft.n > HF_PROM_MAX_BUCKETS)
            abort();
    }
    hf_prom_doc_free(doc);
    free(copy);
    return 0;
}
