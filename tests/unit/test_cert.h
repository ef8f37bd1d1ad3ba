/* test_cert.h: what test_cert.c and test_cert_cache.c share: the fixtures
 * directory, a per-run scratch directory, and small helpers. Include after
 * <cmocka.h> and "hf_cert.h". Static inline: each file uses a part. */
#ifndef TEST_CERT_H
#define TEST_CERT_H

#include <stdio.h>
#include <stdlib.h>

#define NOW 1906502400.0        /* 2030-06-01 00:00:00 UTC */

static char fx[2048];           /* fixtures directory */
static char tmpd[2048];         /* per-run scratch directory */

static inline const char *fxp(const char *name)
{
    static __thread char buf[16][HF_PATH_MAX];
    static __thread int k;
    char *b = buf[k++ & 15];

    if (snprintf(b, HF_PATH_MAX, "%s/%s", fx, name) >= HF_PATH_MAX)
        abort();
    return b;
}

static inline const char *tmpp(const char *name)
{
    static __thread char buf[16][HF_PATH_MAX];
    static __thread int k;
    char *b = buf[k++ & 15];

    if (snprintf(b, HF_PATH_MAX, "%s/%s", tmpd, name) >= HF_PATH_MAX)
        abort();
    return b;
}

/* Probe fixture file, verified against fixture ca (NULL: not verified). */
static inline int probe(const char *file, const char *ca, hf_cert_cache *cache, hf_cert_result *r)
{
    hf_cert_config cfg = {.path = fxp(file), .name = file, .ca_file = ca ? fxp(ca) : NULL,
                          .no_verify = !ca, .now = NOW, .cache = cache};
    return hf_cert_probe(&cfg, r);
}

static inline void copy_file(const char *from, const char *to)
{
    char *data;
    long n = hf_file_read(from, 1 << 20, &data);
    FILE *f = fopen(to, "wb");

    assert_true(n >= 0);
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    free(data);
}

static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static inline int cert_setup(void **state)
{
    const char *f = getenv("HF_FIXTURES");

    (void)state;
    snprintf(fx, sizeof(fx), "%s/cert", f ? f : "tests/unit/fixtures");
    snprintf(tmpd, sizeof(tmpd), "%s/hf-test-cert-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    return mkdtemp(tmpd) ? 0 : -1;
}

static inline int cert_teardown(void **state)
{
    char cmd[HF_PATH_MAX + 16];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpd);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
