/* Unit tests: hf_cert_cache, the certificate probe's parse cache shared by
 * threads, and its state file.
 *
 * Fixtures: tests/unit/fixtures/cert (see test_cert.c); "now" is injected:
 * 2030-06-01 00:00:00 UTC. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_cert.h"

#include "test_cert.h"

/* ---- cache */

static void test_cache_hit_and_touch(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    hf_cert_cache_stats st;
    hf_cert_config cfg = {.path = tmpp("cached.crt"), .ca_file = fxp("ca.crt"), .now = NOW};
    hf_cert_result r;
    struct timespec ts[2] = {{.tv_sec = 1900000000}, {.tv_sec = 1900000000}};

    (void)state;
    copy_file(fxp("valid.crt"), cfg.path);
    cfg.cache = c;
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_int_equal(r.parses, 1);
    assert_false(r.from_cache);
    hf_cert_result_free(&r);

    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_int_equal(r.parses, 0);
    assert_true(r.from_cache);
    assert_true(r.trusted);
    assert_true(fabs(r.certs[0].days_left - 365.0) < 1e-9);
    hf_cert_result_free(&r);
    hf_cert_cache_stats_get(c, &st);
    assert_int_equal(st.lookups, 2);
    assert_int_equal(st.hits, 1);
    assert_int_equal(st.parses, 1);
    assert_int_equal(st.verifies, 1);
    assert_int_equal(st.entries, 1);

    /* touched: parsed again */
    assert_int_equal(utimensat(AT_FDCWD, cfg.path, ts, 0), 0);
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_int_equal(r.parses, 1);
    hf_cert_result_free(&r);
    /* replaced with other contents: the new certificate */
    copy_file(fxp("expiring.crt"), tmpp("new.crt"));
    assert_int_equal(rename(tmpp("new.crt"), cfg.path), 0);
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_int_equal(r.parses, 1);
    assert_string_equal(r.certs[0].serial, "1003");
    hf_cert_result_free(&r);
    /* a later "now" changes days, not the parse */
    cfg.now = NOW + 86400;
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_int_equal(r.parses, 0);
    assert_true(fabs(r.certs[0].days_left - 9.5) < 1e-9);
    hf_cert_result_free(&r);
    hf_cert_cache_stats_get(c, &st);
    assert_int_equal(st.parses, 3);
    assert_int_equal(st.verifies, 3);
    hf_cert_cache_free(c);
    unlink(cfg.path);
}

static void test_cache_reverifies_on_ca_change(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    hf_cert_cache_stats st;
    hf_cert_config cfg = {.path = fxp("valid.crt"), .ca_file = tmpp("ca-copy.crt"), .now = NOW, .cache = c};
    hf_cert_result r;

    (void)state;
    copy_file(fxp("ca.crt"), cfg.ca_file);
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_true(r.trusted);
    hf_cert_result_free(&r);
    /* the CA file now holds another certificate: verification runs again */
    copy_file(fxp("inter.crt"), tmpp("ca-new.crt"));
    assert_int_equal(rename(tmpp("ca-new.crt"), cfg.ca_file), 0);
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_false(r.trusted);
    hf_cert_result_free(&r);
    /* no-verify and cached error results */
    cfg.path = fxp("garbage.crt");
    assert_int_equal(hf_cert_probe(&cfg, &r), -EBADMSG);
    hf_cert_result_free(&r);
    cfg.name = "other-name";
    assert_int_equal(hf_cert_probe(&cfg, &r), -EBADMSG);
    assert_true(r.from_cache);
    assert_string_equal(r.error, "other-name: no certificate found (PEM_read_bio: bad base64 decode)");
    hf_cert_result_free(&r);
    hf_cert_cache_stats_get(c, &st);
    assert_int_equal(st.verifies, 2);
    assert_int_equal(st.hits, 2);
    hf_cert_cache_free(c);
    unlink(tmpp("ca-copy.crt"));
}

static void test_state_file_round_trip(void **state)
{
    static const char *const files[] = {"valid.crt", "many.crt", "untrusted.crt", "chain.pem",
                                        "garbage.crt", "empty.crt", "key-and-cert.pem", "bundle.der"};
    hf_cert_cache *a = hf_cert_cache_new(), *b = hf_cert_cache_new();
    hf_cert_result ra, rb;
    hf_cert_cache_stats st;
    char err[HF_ERR_MAX] = "";
    const char *sp = tmpp("state");

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(files); i++) {
        probe(files[i], "ca.crt", a, &ra);
        hf_cert_result_free(&ra);
    }
    assert_true(hf_cert_cache_dirty(a));
    assert_int_equal(hf_cert_cache_save(a, sp, err, sizeof(err)), 0);
    assert_false(hf_cert_cache_dirty(a));
    assert_int_equal(hf_cert_cache_load(b, sp, err, sizeof(err)), 0);
    hf_cert_cache_stats_get(b, &st);
    assert_int_equal(st.entries, HF_ARRAY_SIZE(files));
    for (size_t i = 0; i < HF_ARRAY_SIZE(files); i++) {
        int ca = probe(files[i], "ca.crt", a, &ra), cb = probe(files[i], "ca.crt", b, &rb);
        assert_int_equal(ca, cb);
        assert_true(rb.from_cache);
        assert_int_equal(rb.parses, 0);
        assert_int_equal(ra.ncerts, rb.ncerts);
        if (ra.ncerts)
            assert_memory_equal(ra.certs, rb.certs, ra.ncerts * sizeof(*ra.certs));
        assert_string_equal(ra.error, rb.error);
        assert_int_equal(ra.trusted, rb.trusted);
        assert_int_equal(ra.verify_code, rb.verify_code);
        assert_string_equal(ra.verify_error, rb.verify_error);
        assert_int_equal(ra.skipped_blocks, rb.skipped_blocks);
        assert_int_equal(ra.der, rb.der);
        hf_cert_result_free(&ra);
        hf_cert_result_free(&rb);
    }
    hf_cert_cache_stats_get(b, &st);
    assert_int_equal(st.parses, 0);
    assert_int_equal(st.verifies, 0);
    assert_false(hf_cert_cache_dirty(b));
    hf_cert_cache_free(a);
    hf_cert_cache_free(b);
}

static void test_state_file_bad(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    hf_cert_cache_stats st;
    char err[HF_ERR_MAX] = "", want[HF_ERR_MAX];
    const char *sp = tmpp("bad-state");

    (void)state;
    assert_int_equal(hf_cert_cache_load(c, tmpp("none"), err, sizeof(err)), -ENOENT);
    write_text(sp, "helixflow-cert-cache 2\n");
    assert_int_equal(hf_cert_cache_load(c, sp, err, sizeof(err)), -EPROTO);
    snprintf(want, sizeof(want), "%s: not a version 1 certificate cache", sp);
    assert_string_equal(err, want);
    write_text(sp, "helixflow-cert-cache 1\nF /x 1 2 3 4 1 0 0 0 -\nC junk\n");
    assert_int_equal(hf_cert_cache_load(c, sp, err, sizeof(err)), -EPROTO);
    snprintf(want, sizeof(want), "%s: line 3: malformed", sp);
    assert_string_equal(err, want);
    write_text(sp, "helixflow-cert-cache 1\nF /x 1 2 3 4 1 0 0 0 -\n");
    assert_int_equal(hf_cert_cache_load(c, sp, err, sizeof(err)), -EPROTO);
    snprintf(want, sizeof(want), "%s: truncated", sp);
    assert_string_equal(err, want);
    write_text(sp, "helixflow-cert-cache 1\nF /x 1 2 3 4 0 0 0 -74 bad%zz\n");
    assert_int_equal(hf_cert_cache_load(c, sp, err, sizeof(err)), -EPROTO);
    hf_cert_cache_stats_get(c, &st);
    assert_int_equal(st.entries, 0);
    hf_cert_cache_free(c);
    unlink(sp);
}

typedef struct { hf_cert_cache *c; int fails; } thr_arg;

static void *thr(void *p)
{
    thr_arg *a = p;

    for (int i = 0; i < 200; i++) {
        hf_cert_result r;
        hf_cert_config cfg = {.path = fxp(i % 2 ? "valid.crt" : "chain.pem"), .ca_file = fxp("ca.crt"),
                              .now = NOW, .cache = a->c};
        if (hf_cert_probe(&cfg, &r) != 0 || !r.trusted)
            a->fails++;
        hf_cert_result_free(&r);
    }
    return NULL;
}

static void test_cache_threads(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    pthread_t t[4];
    thr_arg a[4];
    hf_cert_cache_stats st;

    (void)state;
    for (int i = 0; i < 4; i++) {
        a[i] = (thr_arg){c, 0};
        assert_int_equal(pthread_create(&t[i], NULL, thr, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].fails, 0);
    }
    hf_cert_cache_stats_get(c, &st);
    assert_int_equal(st.lookups, 800);
    assert_true(st.parses >= 2 && st.parses <= 16);
    assert_int_equal(st.entries, 2);
    hf_cert_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_hit_and_touch),
        cmocka_unit_test(test_cache_reverifies_on_ca_change),
        cmocka_unit_test(test_state_file_round_trip),
        cmocka_unit_test(test_state_file_bad),
        cmocka_unit_test(test_cache_threads),
    };
    return cmocka_run_group_tests(tests, cert_setup, cert_teardown);
}
