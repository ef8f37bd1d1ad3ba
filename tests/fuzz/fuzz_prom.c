/* libFuzzer target: hf_prom_parse must accept or reject any bytes without
 * crashing or reading past the given length (the input is copied into a
 * buffer of exactly that size), every rejection must name its reason and
 * line, and an accepted page must be consistent and usable by
 * hf_prom_api_compute (twice, as a check does with its state). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_prom.h"
#include "hf_prom_stats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
            for (size_t k = 0; k < s->nlabels; k++)
                if (!s->labels[k].name || !s->labels[k].value ||
                    hf_prom_label_value(s, s->labels[k].name) == NULL)
                    abort();
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
