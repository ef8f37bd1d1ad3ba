/* Helpers of tests/unit/test_prom.c: parsing fixtures and exact-length
 * copies, pinned parse errors, samples by family, statistics of a fixture.
 * Included by test_prom.c only (static functions). */
#ifndef TEST_PROM_HELPERS_H
#define TEST_PROM_HELPERS_H

#define T0 1718000000.0

/* cmocka 1.1 has no assert_double_equal: |a - b| <= eps, NaN never equal. */
#define assert_double_equal(a, b, eps) assert_near((a), (b), (eps), #a, __FILE__, __LINE__)

static void assert_near(double a, double b, double eps, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= eps))
        fail_msg("%s:%d: %s is %.17g, expected %.17g", file, line, what, a, b);
}

static hf_prom_doc *parse_fixture(const char *name)
{
    char path[HF_PATH_MAX], msg[512], *text = NULL;
    hf_prom_doc *doc = NULL;
    hf_prom_error err;
    long n;

    assert_non_null(getenv("HF_FIXTURES"));
    snprintf(path, sizeof(path), "%s/prom/%s", getenv("HF_FIXTURES"), name);
    if ((n = hf_file_read(path, 1 << 22, &text)) < 0)
        fail_msg("cannot read %s: %s", path, strerror((int)-n));
    if (hf_prom_parse(text, (size_t)n, NULL, &doc, &err) != 0)
        fail_msg("%s: %s", name, hf_prom_error_str(&err, msg, sizeof(msg)));
    free(text);
    return doc;
}

/* Parse a copy of s in a buffer of exactly strlen(s) bytes (no NUL after it:
 * ASan catches any read past the end). */
static int parse_exact(const char *s, size_t len, const hf_prom_limits *lim, hf_prom_doc **doc,
                       hf_prom_error *err)
{
    char *copy = malloc(len ? len : 1);
    int r;

    assert_non_null(copy);
    memcpy(copy, s, len);
    r = hf_prom_parse(copy, len, lim, doc, err);
    free(copy);
    return r;
}

static void expect_error(const char *text, int rc, const char *want)
{
    hf_prom_doc *doc = (hf_prom_doc *)1;
    hf_prom_error err;
    char msg[512];

    assert_int_equal(parse_exact(text, strlen(text), NULL, &doc, &err), rc);
    assert_null(doc);
    assert_string_equal(hf_prom_error_str(&err, msg, sizeof(msg)), want);
}

static const hf_prom_sample *sample_at(const hf_prom_doc *doc, const char *family, size_t i)
{
    const hf_prom_family *f = hf_prom_find(doc, family);

    assert_non_null(f);
    assert_true(i < f->nsamples);
    return &f->samples[i];
}

static hf_prom_doc *parse_str(const char *s)
{
    hf_prom_doc *doc;

    assert_int_equal(parse_exact(s, strlen(s), NULL, &doc, NULL), 0);
    return doc;
}

static void compute(const char *name, const hf_prom_api_config *cfg, double now, hf_prom_api_state *st,
                    hf_prom_api_stats *out)
{
    hf_prom_doc *doc = parse_fixture(name);
    int r = hf_prom_api_compute(doc, cfg, now, st, out);

    if (r != 0)
        fail_msg("%s: %s", name, out->error);
    hf_prom_doc_free(doc);
}

#endif
