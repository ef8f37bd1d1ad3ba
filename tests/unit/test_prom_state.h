/* State-file tests of tests/unit/test_prom.c (hf_prom_api_state_save and
 * _load). Included by test_prom.c only, after test_prom_helpers.h (static
 * functions). */
#ifndef TEST_PROM_STATE_H
#define TEST_PROM_STATE_H

#include <dirent.h>
#include <inttypes.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------------ */

typedef struct sdir {
    char dir[256];
    char path[300];             /* dir/api.state */
    char err[512];
} sdir;

static void sdir_make(sdir *d)
{
    snprintf(d->dir, sizeof(d->dir), "%s/hf-test-prom-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(d->dir));
    snprintf(d->path, sizeof(d->path), "%s/api.state", d->dir);
}

/* The names in the directory (readdir order), joined with one blank. */
static void sdir_list(const sdir *d, char *out, size_t n)
{
    DIR *dh = opendir(d->dir);
    struct dirent *e;

    assert_non_null(dh);
    out[0] = '\0';
    while ((e = readdir(dh)))
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? " " : "", e->d_name);
    closedir(dh);
}

static void sdir_rm(sdir *d)
{
    unlink(d->path);
    rmdir(d->path);
    assert_int_equal(rmdir(d->dir), 0);
}

static void write_bytes(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_true(fwrite(data, 1, len, f) == len);
    assert_int_equal(fclose(f), 0);
}

/* body followed by its end line, as the writer makes it. */
static void write_signed(const char *path, const char *body)
{
    char buf[4096];

    snprintf(buf, sizeof(buf), "%send %016" PRIx64 "\n", body, hf_hash64(body, strlen(body), HF_HASH_SEED));
    write_bytes(path, buf, strlen(buf));
}

/* Load must refuse: rc, the state left empty, err "<path><want>". */
static void expect_load_error(sdir *d, int rc, const char *want)
{
    hf_prom_api_state back;
    char full[1024];

    memset(&back, 0x55, sizeof(back));
    assert_int_equal(hf_prom_api_state_load(&back, d->path, d->err, sizeof(d->err)), rc);
    assert_false(back.valid);
    assert_true(back.time == 0 && back.requests == 0 && back.errors == 0 && back.dur.n == 0);
    snprintf(full, sizeof(full), "%s%s", d->path, want);
    assert_string_equal(d->err, full);
}

/* ---- state file ---------------------------------------------------------------- */

static void test_state_roundtrip(void **state)
{
    sdir d;
    hf_prom_api_state st = {0}, back;
    hf_prom_api_stats s;
    const hf_prom_api_config cfg = {.requests_metric = "vllm:request_success_total",
                                    .duration_metric = "vllm:e2e_request_latency_seconds"};
    char names[512], *text = NULL, *last;
    long len;

    (void)state;
    sdir_make(&d);
    assert_int_equal(hf_prom_api_state_load(&back, d.path, d.err, sizeof(d.err)), -ENOENT);
    assert_false(back.valid);
    assert_string_equal(d.err + strlen(d.dir), "/api.state: no previous state");

    compute("vllm.prom", &cfg, T0 + 0.123456789, &st, &s);
    assert_int_equal(hf_prom_api_state_save(&st, d.path, d.err, sizeof(d.err)), 0);
    assert_int_equal(hf_prom_api_state_load(&back, d.path, d.err, sizeof(d.err)), 0);
    assert_true(back.valid);
    assert_true(back.time == st.time && back.requests == st.requests && back.errors == st.errors);
    assert_true(back.has_tokens && back.tokens == st.tokens && back.dur.n == st.dur.n && back.ttft.n == st.ttft.n);
    assert_memory_equal(back.dur.le, st.dur.le, st.dur.n * sizeof(double));
    assert_memory_equal(back.dur.count, st.dur.count, st.dur.n * sizeof(double));
    assert_memory_equal(back.ttft.le, st.ttft.le, st.ttft.n * sizeof(double));
    assert_memory_equal(back.ttft.count, st.ttft.count, st.ttft.n * sizeof(double));
    assert_true(isinf(back.dur.le[back.dur.n - 1]));
    /* the layout: a version 2 header, then the end line over everything before */
    assert_true((len = hf_file_read(d.path, 1 << 16, &text)) > 0);
    assert_true(strncmp(text, "helixflow-prom-state 2\ntime 1718000000.1234567", 46) == 0);
    text[len - 1] = '\0';
    assert_non_null(last = strrchr(text, '\n'));
    last++;
    char want[32];
    snprintf(want, sizeof(want), "end %016" PRIx64, hf_hash64(text, (size_t)(last - text), HF_HASH_SEED));
    assert_string_equal(last, want);
    free(text);
    sdir_list(&d, names, sizeof(names));
    assert_string_equal(names, "api.state");        /* no temporary file left */

    /* a run with the loaded state behaves as with the in-memory one */
    hf_prom_api_stats s2;
    compute("vllm.prom", &cfg, T0 + 10.123456789, &back, &s2);
    assert_true(s2.delta && s2.rate == 0 && isnan(s2.p95));
    assert_double_equal(s2.tokens_per_s, 0, 0);

    /* a state without tokens and histograms */
    hf_prom_api_state small = {.valid = true, .time = 5, .requests = 1, .errors = 0};
    assert_int_equal(hf_prom_api_state_save(&small, d.path, d.err, sizeof(d.err)), 0);
    assert_int_equal(hf_prom_api_state_load(&back, d.path, d.err, sizeof(d.err)), 0);
    assert_true(back.valid && !back.has_tokens && back.dur.n == 0 && back.time == 5);
    sdir_rm(&d);
}

/* Every cut of a valid file is refused: "errors 211" is never read as 2. */
static void test_state_truncated(void **state)
{
    sdir d;
    hf_prom_api_state st = {.valid = true, .time = 1000, .requests = 5000, .errors = 211}, back;
    char *text = NULL;
    long len;

    (void)state;
    sdir_make(&d);
    assert_int_equal(hf_prom_api_state_save(&st, d.path, d.err, sizeof(d.err)), 0);
    assert_true((len = hf_file_read(d.path, 1 << 16, &text)) > 0);
    for (long cut = 0; cut < len; cut++) {
        write_bytes(d.path, text, (size_t)cut);
        assert_int_equal(hf_prom_api_state_load(&back, d.path, d.err, sizeof(d.err)), -EINVAL);
        assert_false(back.valid);
        assert_true(strncmp(d.err, d.path, strlen(d.path)) == 0);
    }
    /* right after "errors 2", the truncation that read as 2 errors */
    char *at = strstr(text, "errors 211\n");
    assert_non_null(at);
    write_bytes(d.path, text, (size_t)(at - text) + 8);
    expect_load_error(&d, -EINVAL, ": truncated or damaged (the last line is not 'end <checksum>')");
    write_bytes(d.path, text, (size_t)len - 1);      /* the end line without its line feed */
    expect_load_error(&d, -EINVAL, ": truncated or damaged (the last line is not 'end <checksum>')");
    write_bytes(d.path, text, (size_t)len - 5);      /* inside the checksum */
    expect_load_error(&d, -EINVAL, ": truncated or damaged (the last line is not 'end <checksum>')");
    write_bytes(d.path, text, 0);
    expect_load_error(&d, -EINVAL, ": empty, not a state file");
    write_bytes(d.path, text, (size_t)len);          /* whole again */
    assert_int_equal(hf_prom_api_state_load(&back, d.path, d.err, sizeof(d.err)), 0);
    assert_true(back.valid && back.errors == 211);
    free(text);
    sdir_rm(&d);
}

static void test_state_garbage(void **state)
{
    static const struct { const char *body; const char *want; } bad[] = {
        {"helixflow-prom-state 2\ntime x\n", " line 2: not a state line"},
        {"helixflow-prom-state 2\ntime 1\nrequests 2\nbogus 3\n", " line 4: not a state line"},
        {"helixflow-prom-state 2\ntime 1\nrequests 2\nerrors 0\ndur 1 5\ndur 0.5 3\n", " line 6: not a state line"},
        {"helixflow-prom-state 2\ntime 1\nrequests 2\nerrors 0\ndur +Inf -1\n", " line 5: not a state line"},
        {"helixflow-prom-state 2\ntime 1\nrequests 2\nerrors 0\n\n", " line 5: not a state line"},
        {"helixflow-prom-state 2\ntime 1\nrequests 2\n", ": incomplete state (time, requests and errors needed)"},
        {"helixflow-prom-state 2\n", ": incomplete state (time, requests and errors needed)"},
        {"garbage\n", " line 1: not a state file (no 'helixflow-prom-state 2' header)"},
        {"", " line 1: not a state file (no 'helixflow-prom-state 2' header)"},
    };
    static const char good[] = "helixflow-prom-state 2\ntime 1\nrequests 2\nerrors 1\n";
    sdir d;
    char buf[1024], want[128];
    char *big = calloc(1, 70000);

    (void)state;
    sdir_make(&d);
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {       /* well signed, bad inside */
        write_signed(d.path, bad[i].body);
        expect_load_error(&d, -EINVAL, bad[i].want);
    }
    write_bytes(d.path, "garbage\n", 8);
    expect_load_error(&d, -EINVAL, " line 1: not a state file (no 'helixflow-prom-state 2' header)");
    /* format 1 had no end line: unusable, the caller starts afresh */
    snprintf(buf, sizeof(buf), "helixflow-prom-state 1\ntime 1\nrequests 2\nerrors 1\n");
    write_bytes(d.path, buf, strlen(buf));
    expect_load_error(&d, -EINVAL, ": state format 1 (no end marker), not read");
    /* a changed digit ("errors 1" -> "errors 7") */
    write_signed(d.path, good);
    snprintf(buf, sizeof(buf), "%s", good);
    buf[strlen(good) - 2] = '7';
    snprintf(buf + strlen(good), sizeof(buf) - strlen(good), "end %016" PRIx64 "\n",
             hf_hash64(good, strlen(good), HF_HASH_SEED));
    write_bytes(d.path, buf, strlen(buf));
    snprintf(want, sizeof(want), ": checksum mismatch (end marker %016" PRIx64 ", content %016" PRIx64
             "): damaged or edited", hf_hash64(good, strlen(good), HF_HASH_SEED),
             hf_hash64(buf, strlen(good), HF_HASH_SEED));
    expect_load_error(&d, -EINVAL, want);
    /* something after the end line */
    write_signed(d.path, good);
    FILE *f = fopen(d.path, "a");
    assert_non_null(f);
    assert_true(fputs("errors 9\n", f) >= 0 && fclose(f) == 0);
    expect_load_error(&d, -EINVAL, ": truncated or damaged (the last line is not 'end <checksum>')");
    write_bytes(d.path, "helixflow-prom-state 2\n\0end\n", 28);
    expect_load_error(&d, -EINVAL, ": not a state file (NUL byte)");
    assert_non_null(big);
    memset(big, 'x', 70000 - 1);
    write_bytes(d.path, big, 70000 - 1);
    expect_load_error(&d, -EINVAL, ": larger than 65536 bytes, not a state file");
    free(big);
    sdir_rm(&d);
}

static void test_state_directory(void **state)
{
    sdir d;
    hf_prom_api_state st = {.valid = true, .time = 5, .requests = 1, .errors = 0};
    char names[512];

    (void)state;
    sdir_make(&d);
    assert_int_equal(mkdir(d.path, 0700), 0);
    expect_load_error(&d, -EISDIR, ": a directory, not a state file");
    /* the writer cannot replace it: an error naming the file, no litter */
    assert_true(hf_prom_api_state_save(&st, d.path, d.err, sizeof(d.err)) < 0);
    assert_true(strncmp(d.err, d.path, strlen(d.path)) == 0);
    sdir_list(&d, names, sizeof(names));
    assert_string_equal(names, "api.state");
    assert_int_equal(rmdir(d.path), 0);
    /* an unwritable place */
    snprintf(d.path, sizeof(d.path), "%s/missing/api.state", d.dir);
    assert_true(hf_prom_api_state_save(&st, d.path, d.err, sizeof(d.err)) == -ENOENT);
    assert_true(strncmp(d.err, d.path, strlen(d.path)) == 0);
    snprintf(d.path, sizeof(d.path), "%s/api.state", d.dir);
    sdir_rm(&d);
}

#endif
