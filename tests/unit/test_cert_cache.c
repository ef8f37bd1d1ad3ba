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

/* A version 2 state file: the magic, body, and an end marker counting n
 * entries with the right checksum. */
static void write_state(const char *path, const char *body, size_t n)
{
    char text[4096];
    int len = snprintf(text, sizeof(text), "helixflow-cert-cache 2\n%s", body);

    assert_true(len > 0 && (size_t)len < sizeof(text) - 40);
    snprintf(text + len, sizeof(text) - (size_t)len, "E %zu %016llx\n", n,
             (unsigned long long)hf_hash64(text, (size_t)len, HF_HASH_SEED));
    write_text(path, text);
}

static size_t cache_entries(hf_cert_cache *c)
{
    hf_cert_cache_stats st;

    hf_cert_cache_stats_get(c, &st);
    return st.entries;
}

/* Load path into c: -EPROTO with err "<path>: why", and c unchanged. */
static void expect_bad_state(hf_cert_cache *c, const char *path, const char *why)
{
    char err[HF_ERR_MAX] = "", want[HF_ERR_MAX];
    hf_cert_result r;
    size_t before = cache_entries(c);

    snprintf(want, sizeof(want), "%s: %s", path, why);
    assert_int_equal(hf_cert_cache_load(c, path, err, sizeof(err)), -EPROTO);
    assert_string_equal(err, want);
    assert_int_equal(cache_entries(c), before);
    assert_int_equal(probe("valid.crt", "ca.crt", c, &r), 0);    /* still there */
    assert_true(r.from_cache);
    hf_cert_result_free(&r);
}

/* Write the first len bytes of data to path. */
static void write_prefix(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static void test_state_file_bad(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    hf_cert_result r;
    char err[HF_ERR_MAX] = "", *good;
    const char *sp = tmpp("bad-state"), *gp = tmpp("good-state");
    long n;

    (void)state;
    assert_int_equal(probe("valid.crt", "ca.crt", c, &r), 0);     /* an entry in use */
    hf_cert_result_free(&r);
    assert_int_equal(probe("chain.pem", "ca.crt", c, &r), 0);
    hf_cert_result_free(&r);
    assert_int_equal(hf_cert_cache_load(c, tmpp("none"), err, sizeof(err)), -ENOENT);
    assert_int_equal(cache_entries(c), 2);

    write_text(sp, "");
    expect_bad_state(c, sp, "empty file");
    write_text(sp, "garbage\n");
    expect_bad_state(c, sp, "not a version 2 certificate cache");
    write_text(sp, "helixflow-cert-cache 1\nF /x 1 2 3 4 1 0 0 0 -\n");
    expect_bad_state(c, sp, "not a version 2 certificate cache");
    write_prefix(sp, "helixflow-cert-cache 2\n\0\n", 25);
    expect_bad_state(c, sp, "not a version 2 certificate cache");
    write_text(sp, "helixflow-cert-cache 2\n");
    expect_bad_state(c, sp, "truncated (no end marker)");
    assert_int_equal(mkdir(tmpp("state-dir"), 0700), 0);
    expect_bad_state(c, tmpp("state-dir"), "not a regular file");
    assert_int_equal(mkfifo(tmpp("state-fifo"), 0600), 0);      /* no writer: must not hang */
    expect_bad_state(c, tmpp("state-fifo"), "not a regular file");

    /* a real file, cut or damaged */
    assert_int_equal(hf_cert_cache_save(c, gp, err, sizeof(err)), 0);
    n = hf_file_read(gp, 1 << 20, &good);
    assert_true(n > 100);
    write_prefix(sp, good, (size_t)n - 1);          /* the last newline */
    expect_bad_state(c, sp, "truncated (no end marker)");
    write_prefix(sp, good, (size_t)n / 2);
    expect_bad_state(c, sp, "truncated (no end marker)");
    write_prefix(sp, good, (size_t)(strrchr(good, 'E') - good));   /* at a line boundary */
    expect_bad_state(c, sp, "truncated (no end marker)");
    good[n / 2] ^= 0x01;
    write_prefix(sp, good, (size_t)n);
    expect_bad_state(c, sp, "checksum mismatch (damaged file)");
    free(good);

    /* checksum right, contents wrong */
    write_state(sp, "C junk\n", 0);
    expect_bad_state(c, sp, "line 2: malformed");
    write_state(sp, "F /x 1048576 none - - 1 2 3 4 5 1 0 0 0 -\n", 1);
    expect_bad_state(c, sp, "line 3: malformed");               /* its C line is missing */
    write_state(sp, "F /x 1048576 none /ca - 1 2 3 4 5 0 0 0 -74 bad\n", 1);
    expect_bad_state(c, sp, "line 2: malformed");               /* a CA with trust none */
    write_state(sp, "F /x 1048576 none - - 1 2 3 4 5 0 0 0 -74 bad%zz\n", 1);
    expect_bad_state(c, sp, "line 2: malformed");
    write_state(sp, "F /x 1048576 none - - 1 2 3 4 5 0 0 0 -74 bad\n", 2);
    expect_bad_state(c, sp, "line 3: the end marker counts 2 entries, the file has 1");
    write_state(sp, "F /x 1048576 none - - 1 2 3 4 5 0 0 0 -74 bad\n", 1);
    assert_int_equal(hf_cert_cache_load(c, sp, err, sizeof(err)), 0);  /* the same, right */
    assert_int_equal(cache_entries(c), 3);
    hf_cert_cache_free(c);
    unlink(sp);
}

/* A load merges: entries already in the cache stay as they are (even when the
 * file has another answer for the same key), new keys are added. */
static void test_state_file_load_merges(void **state)
{
    hf_cert_cache *a = hf_cert_cache_new(), *b = hf_cert_cache_new();
    hf_cert_result r;
    char err[HF_ERR_MAX] = "";
    const char *sp = tmpp("merge-state"), *m = tmpp("m.crt");

    (void)state;
    copy_file(fxp("valid.crt"), m);
    assert_int_equal(probe("expiring.crt", "ca.crt", a, &r), 0);
    hf_cert_result_free(&r);
    {
        hf_cert_config cfg = {.path = m, .no_verify = true, .now = NOW, .cache = a};
        assert_int_equal(hf_cert_probe(&cfg, &r), 0);
        hf_cert_result_free(&r);
        assert_int_equal(hf_cert_cache_save(a, sp, err, sizeof(err)), 0);
        /* m.crt renewed: b knows the new one, the file the old one */
        copy_file(fxp("expiring.crt"), tmpp("m.new"));
        assert_int_equal(rename(tmpp("m.new"), m), 0);
        cfg.cache = b;
        assert_int_equal(hf_cert_probe(&cfg, &r), 0);
        hf_cert_result_free(&r);
        assert_int_equal(probe("chain.pem", "ca.crt", b, &r), 0);
        hf_cert_result_free(&r);
        assert_int_equal(hf_cert_cache_save(b, tmpp("b-state"), err, sizeof(err)), 0);
        assert_false(hf_cert_cache_dirty(b));

        assert_int_equal(hf_cert_cache_load(b, sp, err, sizeof(err)), 0);
        assert_int_equal(cache_entries(b), 3);          /* m.crt, chain.pem + expiring.crt */
        assert_true(hf_cert_cache_dirty(b));            /* b-state lacks expiring.crt */
        assert_int_equal(hf_cert_probe(&cfg, &r), 0);   /* the live entry was kept */
        assert_true(r.from_cache);
        assert_string_equal(r.certs[0].serial, "1003");
        hf_cert_result_free(&r);
    }
    assert_int_equal(probe("expiring.crt", "ca.crt", b, &r), 0);     /* adopted from the file */
    assert_true(r.from_cache);
    assert_int_equal(r.parses, 0);
    assert_true(r.trusted);
    hf_cert_result_free(&r);
    /* loading again adds nothing and changes nothing */
    assert_int_equal(hf_cert_cache_save(b, tmpp("b-state"), err, sizeof(err)), 0);
    assert_int_equal(hf_cert_cache_load(b, sp, err, sizeof(err)), 0);
    assert_int_equal(cache_entries(b), 3);
    assert_false(hf_cert_cache_dirty(b));
    hf_cert_cache_free(a);
    hf_cert_cache_free(b);
}

/* The size limit is part of the key: a file too large for one probe is not
 * an answer for another, nor the other way round. */
static void test_cache_key_size_limit(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    hf_cert_config cfg = {.path = fxp("valid.crt"), .name = "valid.crt", .no_verify = true,
                          .now = NOW, .cache = c};
    hf_cert_result r;

    (void)state;
    for (int round = 0; round < 2; round++) {
        cfg.max_bytes = 0;
        assert_int_equal(hf_cert_probe(&cfg, &r), 0);
        assert_int_equal(r.from_cache, round == 1);
        hf_cert_result_free(&r);
        cfg.max_bytes = 100;
        assert_int_equal(hf_cert_probe(&cfg, &r), -EFBIG);
        assert_string_equal(r.error, "valid.crt: larger than 100 bytes");
        assert_int_equal(r.from_cache, round == 1);
        hf_cert_result_free(&r);
        cfg.max_bytes = HF_CERT_MAX_BYTES;      /* the default, spelled out: the same key */
        assert_int_equal(hf_cert_probe(&cfg, &r), 0);
        assert_true(r.from_cache);
        hf_cert_result_free(&r);
    }
    assert_int_equal(cache_entries(c), 2);
    hf_cert_cache_free(c);
}

typedef struct { const char *ca_file, *ca_path; bool no_verify, trusted; } trust_case;

/* The trust store is part of the key: one file verified against several CAs
 * (or none) keeps one entry each, in memory and through the state file. */
static void test_cache_key_ca(void **state)
{
    const char *capath = tmpp("capath");
    const trust_case cases[] = {
        {fxp("ca.crt"), NULL, false, true},
        {fxp("inter.crt"), NULL, false, false},
        {NULL, capath, false, true},
        {NULL, NULL, false, false},             /* the system store */
        {NULL, NULL, true, false},              /* not verified */
    };
    hf_cert_cache *c = hf_cert_cache_new(), *d = hf_cert_cache_new();
    hf_cert_cache_stats st;
    char cmd[HF_PATH_MAX * 2 + 64], err[HF_ERR_MAX];
    hf_cert_result r;

    (void)state;
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s' '%s/' && openssl rehash '%s' 2>/dev/null",
             capath, fxp("ca.crt"), capath, capath);
    assert_int_equal(system(cmd), 0);
    for (int round = 0; round < 3; round++) {
        hf_cert_cache *use = round < 2 ? c : d;
        for (size_t i = 0; i < HF_ARRAY_SIZE(cases); i++) {
            hf_cert_config cfg = {.path = fxp("chain.pem"), .ca_file = cases[i].ca_file,
                                  .ca_path = cases[i].ca_path, .no_verify = cases[i].no_verify,
                                  .now = NOW, .cache = use};
            assert_int_equal(hf_cert_probe(&cfg, &r), 0);
            assert_int_equal(r.trusted, cases[i].trusted);
            assert_int_equal(r.verified, !cases[i].no_verify);
            assert_int_equal(r.from_cache, round > 0);
            hf_cert_result_free(&r);
        }
        if (round == 1) {
            assert_int_equal(hf_cert_cache_save(c, tmpp("ca-state"), err, sizeof(err)), 0);
            assert_int_equal(hf_cert_cache_load(d, tmpp("ca-state"), err, sizeof(err)), 0);
        }
    }
    hf_cert_cache_stats_get(c, &st);
    assert_int_equal(st.entries, HF_ARRAY_SIZE(cases));
    assert_int_equal(st.verifies, HF_ARRAY_SIZE(cases) - 1);
    assert_int_equal(st.parses, HF_ARRAY_SIZE(cases));
    hf_cert_cache_stats_get(d, &st);
    assert_int_equal(st.entries, HF_ARRAY_SIZE(cases));
    assert_int_equal(st.verifies, 0);
    assert_int_equal(st.parses, 0);
    hf_cert_cache_free(c);
    hf_cert_cache_free(d);
}

/* Rewritten in place with its mtime put back (cp -p, tar): the ctime tells. */
static void test_cache_ctime(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new();
    hf_cert_config cfg = {.path = tmpp("ctime.crt"), .no_verify = true, .now = NOW, .cache = c};
    hf_cert_result r;
    struct stat st;
    struct timespec ts[2];

    (void)state;
    copy_file(fxp("valid.crt"), cfg.path);
    assert_int_equal(stat(cfg.path, &st), 0);
    ts[0] = st.st_atim;
    ts[1] = st.st_mtim;
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    hf_cert_result_free(&r);
    usleep(20000);
    copy_file(fxp("valid.crt"), cfg.path);              /* same inode, same size */
    assert_int_equal(utimensat(AT_FDCWD, cfg.path, ts, 0), 0);
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_int_equal(r.parses, 1);
    hf_cert_result_free(&r);
    hf_cert_cache_free(c);
}

/* dirty: set by a change, cleared by a save of everything, kept by a hit. */
static void test_cache_dirty(void **state)
{
    hf_cert_cache *c = hf_cert_cache_new(), *d = hf_cert_cache_new();
    hf_cert_result r;
    char err[HF_ERR_MAX];

    (void)state;
    assert_false(hf_cert_cache_dirty(c));
    assert_int_equal(probe("valid.crt", "ca.crt", c, &r), 0);
    hf_cert_result_free(&r);
    assert_true(hf_cert_cache_dirty(c));
    assert_int_equal(hf_cert_cache_save(c, tmpp("dirty-state"), err, sizeof(err)), 0);
    assert_false(hf_cert_cache_dirty(c));
    assert_int_equal(probe("valid.crt", "ca.crt", c, &r), 0);    /* a hit changes nothing */
    hf_cert_result_free(&r);
    assert_false(hf_cert_cache_dirty(c));
    assert_int_equal(hf_cert_cache_save(c, tmpp("no-dir/state"), err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, tmpp("no-dir/state")));         /* names the file */
    assert_int_equal(probe("expiring.crt", "ca.crt", c, &r), 0);
    hf_cert_result_free(&r);
    assert_true(hf_cert_cache_dirty(c));
    assert_int_equal(hf_cert_cache_load(d, tmpp("dirty-state"), err, sizeof(err)), 0);
    assert_false(hf_cert_cache_dirty(d));                       /* d is what the file holds */
    hf_cert_cache_free(c);
    hf_cert_cache_free(d);
}

/* Only the state file and no temporary file is left in dir. */
static void assert_dir_holds_only(const char *dir, const char *name)
{
    char cmd[HF_PATH_MAX + 64];
    FILE *p;
    char line[HF_PATH_MAX];
    int n = 0;

    snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    while (fgets(line, sizeof(line), p)) {
        line[strcspn(line, "\n")] = '\0';
        assert_string_equal(line, name);
        n++;
    }
    pclose(p);
    assert_int_equal(n, 1);
}

/* ---- threads */

#define RACE_FILES 24

typedef struct {
    hf_cert_cache *c;
    const char *state;
    char own[HF_PATH_MAX];          /* prober_saver: a file of its own too */
    int rounds, fails;
    const char *files[RACE_FILES];
    size_t nfiles;
} saver_arg;

static void *saver(void *p)
{
    saver_arg *a = p;
    char err[HF_ERR_MAX];

    for (int i = 0; i < a->rounds; i++)
        if (hf_cert_cache_save(a->c, a->state, err, sizeof(err)) != 0)
            a->fails++;
    return NULL;
}

static void *adder(void *p)
{
    saver_arg *a = p;

    for (size_t i = 0; i < a->nfiles; i++) {
        hf_cert_config cfg = {.path = a->files[i], .no_verify = true, .now = NOW, .cache = a->c};
        hf_cert_result r;
        if (hf_cert_probe(&cfg, &r) != 0)
            a->fails++;
        hf_cert_result_free(&r);
    }
    return NULL;
}

/* Whenever the cache says it is clean, the file holds every entry. */
static void assert_clean_means_saved(hf_cert_cache *c, const char *state_path)
{
    hf_cert_cache *d;
    char err[HF_ERR_MAX];

    if (hf_cert_cache_dirty(c))
        return;
    d = hf_cert_cache_new();
    assert_int_equal(hf_cert_cache_load(d, state_path, err, sizeof(err)), 0);
    assert_int_equal(cache_entries(d), cache_entries(c));
    hf_cert_cache_free(d);
}

/* A save racing the addition of entries never marks an unsaved entry saved. */
static void test_cache_save_races_add(void **state)
{
    char dir[HF_PATH_MAX], sp[HF_PATH_MAX], names[RACE_FILES][HF_PATH_MAX];
    hf_cert_cache *c = hf_cert_cache_new();
    saver_arg a = {.c = c, .rounds = 1};
    pthread_t ts, ta;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmpp("race"));
    snprintf(sp, sizeof(sp), "%s", tmpp("race/state"));
    assert_int_equal(mkdir(dir, 0700), 0);
    for (int i = 0; i < RACE_FILES; i++) {
        snprintf(names[i], sizeof(names[i]), "%s/race-%02d.crt", tmpd, i);
        copy_file(fxp("valid.crt"), names[i]);
    }
    a.state = sp;
    for (int round = 1; round <= RACE_FILES; round++) {
        a.files[0] = names[round - 1];
        a.nfiles = 1;
        assert_int_equal(pthread_create(&ts, NULL, saver, &a), 0);
        assert_int_equal(pthread_create(&ta, NULL, adder, &a), 0);
        pthread_join(ts, NULL);
        pthread_join(ta, NULL);
        assert_int_equal(a.fails, 0);
        assert_int_equal(cache_entries(c), (size_t)round);
        assert_clean_means_saved(c, a.state);
    }
    saver(&a);
    assert_false(hf_cert_cache_dirty(c));
    assert_clean_means_saved(c, a.state);
    assert_dir_holds_only(dir, "state");
    hf_cert_cache_free(c);
}

/* Two threads, each probing its own certificates and saving the shared cache
 * (to the same file and to its own) as it goes. */
static void *prober_saver(void *p)
{
    saver_arg *a = p;
    char err[HF_ERR_MAX];

    for (int i = 0; i < a->rounds; i++) {
        adder(a);
        if (hf_cert_cache_save(a->c, a->state, err, sizeof(err)) != 0 ||
            hf_cert_cache_save(a->c, a->own, err, sizeof(err)) != 0)
            a->fails++;
    }
    return NULL;
}

static void test_cache_threads_save(void **state)
{
    static const char *const mine[2][4] = {
        {"valid.crt", "expiring.crt", "expired.crt", "many.crt"},
        {"chain.pem", "ed25519.crt", "y2051.crt", "bundle.der"},
    };
    hf_cert_cache *c = hf_cert_cache_new(), *d = hf_cert_cache_new();
    saver_arg a[2];
    pthread_t t[2];
    char err[HF_ERR_MAX], sp[HF_PATH_MAX];

    (void)state;
    snprintf(sp, sizeof(sp), "%s", tmpp("threads-state"));
    for (int i = 0; i < 2; i++) {
        a[i] = (saver_arg){.c = c, .state = sp, .rounds = 25, .nfiles = 4};
        snprintf(a[i].own, sizeof(a[i].own), "%s", tmpp(i ? "threads-state-1" : "threads-state-0"));
        for (int k = 0; k < 4; k++)
            a[i].files[k] = fxp(mine[i][k]);
        assert_int_equal(pthread_create(&t[i], NULL, prober_saver, &a[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(a[i].fails, 0);
    }
    assert_int_equal(cache_entries(c), 8);
    assert_clean_means_saved(c, sp);
    assert_int_equal(hf_cert_cache_save(c, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_cert_cache_load(d, sp, err, sizeof(err)), 0);
    assert_int_equal(cache_entries(d), 8);
    hf_cert_cache_free(c);
    hf_cert_cache_free(d);
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
    /* how many threads miss before the first put depends on scheduling (a
     * loaded ASan run once saw more than 16): pin that the cache serves, not
     * a race's outcome */
    assert_true(st.parses >= 2 && st.parses < st.lookups / 2);
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
        cmocka_unit_test(test_state_file_load_merges),
        cmocka_unit_test(test_cache_threads),
        cmocka_unit_test(test_cache_key_size_limit),
        cmocka_unit_test(test_cache_key_ca),
        cmocka_unit_test(test_cache_ctime),
        cmocka_unit_test(test_cache_dirty),
        cmocka_unit_test(test_cache_save_races_add),
        cmocka_unit_test(test_cache_threads_save),
    };
    return cmocka_run_group_tests(tests, cert_setup, cert_teardown);
}
