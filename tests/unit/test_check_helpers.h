/* Helpers shared by the check layer's unit tests (test_check_<kind>.c):
 * setting a value by name, and finding findings by code. Include after
 * cmocka.h and hf_check.h. */
#ifndef TEST_CHECK_HELPERS_H
#define TEST_CHECK_HELPERS_H

#include <string.h>

#include "test_metric_helpers.h"

/* Setting name := value, which must be accepted. */
static inline void set(hf_settings *s, const char *name, const char *value)
{
    char err[HF_ERR_MAX];
    int i = hf_settings_find(s->kind, name);

    assert_true(i >= 0);
    if (hf_settings_set(s, (size_t)i, value, err, sizeof(err)) < 0)
        fail_msg("%s=%s refused: %s", name, value ? value : "(flag)", err);
}

/* How many findings have code. */
static inline size_t count_code(const hf_report *r, const char *code)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nf; i++)
        n += strcmp(r->f[i].code, code) == 0;
    return n;
}

/* The first finding with code, or NULL. */
static inline const hf_finding *find_code(const hf_report *r, const char *code)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].code, code) == 0)
            return &r->f[i];
    return NULL;
}

/* The first finding with code; the test fails when there is none (never NULL). */
static inline const hf_finding *need_code(const hf_report *r, const char *code)
{
    static char empty[1];
    static const hf_finding none = {HF_OK, empty, empty, empty};
    const hf_finding *f = find_code(r, code);

    if (!f)
        fail_msg("no finding with code %s", code);
    return f ? f : &none;
}

#endif
