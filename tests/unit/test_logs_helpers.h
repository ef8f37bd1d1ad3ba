/* Helpers of the hf_logs unit tests (test_logs.c, test_logs_paths.c,
 * test_logs_state.c): a temporary directory of log files, writing, rotating
 * and truncating them, and a probe with its state. Static inline: a test file
 * need not use them all. */
#ifndef TEST_LOGS_HELPERS_H
#define TEST_LOGS_HELPERS_H

/* ---- helpers ------------------------------------------------------------- */

typedef struct tdir {
    char dir[256];
    char glob[300];
    const char *globs[1];
} tdir;

static inline void tdir_make(tdir *t)
{
    snprintf(t->dir, sizeof(t->dir), "%s/hf-test-logs-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->glob, sizeof(t->glob), "%s/*.log", t->dir);
    t->globs[0] = t->glob;
}

static inline void tdir_rm(tdir *t)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static inline void path_of(const tdir *t, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", t->dir, name);
}

static inline void put(const tdir *t, const char *name, const char *mode, const void *data, size_t len)
{
    char p[400];
    FILE *f;

    path_of(t, name, p, sizeof(p));
    f = fopen(p, mode);
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static inline void append(const tdir *t, const char *name, const char *s)
{
    put(t, name, "a", s, strlen(s));
}

static inline void mv(const tdir *t, const char *a, const char *b)
{
    char pa[400], pb[400];
    path_of(t, a, pa, sizeof(pa));
    path_of(t, b, pb, sizeof(pb));
    assert_int_equal(rename(pa, pb), 0);
}

static inline void copy_file(const tdir *t, const char *a, const char *b)
{
    char pa[400], *data;
    long n;

    path_of(t, a, pa, sizeof(pa));
    n = hf_file_read(pa, 64 << 20, &data);
    assert_true(n >= 0);
    put(t, b, "w", data, (size_t)n);
    free(data);
}

static inline void truncate_file(const tdir *t, const char *name)
{
    char p[400];
    path_of(t, name, p, sizeof(p));
    assert_int_equal(truncate(p, 0), 0);
}

/* n lines of a kind, each unique (a sequence number), like timestamped logs:
 * a fingerprint cannot tell byte-identical generations apart. */
static unsigned line_seq;

static inline void lines_of(const tdir *t, const char *name, int n, const char *what)
{
    for (int i = 0; i < n; i++) {
        char l[128];
        snprintf(l, sizeof(l), "2026-11-30 12:00:00.%06u %s\n", ++line_seq, what);
        append(t, name, l);
    }
}

static inline void errors(const tdir *t, const char *name, int n)
{
    lines_of(t, name, n, "ERROR [svc] something failed");
}

static inline void infos(const tdir *t, const char *name, int n)
{
    lines_of(t, name, n, "INFO  [svc] request completed status=200");
}

typedef struct run {
    hf_logs_matcher *m;
    hf_logs_state st;
    hf_logs_config cfg;
    hf_logs_result res;
} run;

static inline void run_init(run *r, tdir *t, bool read_existing)
{
    char err[HF_ERR_MAX];

    memset(r, 0, sizeof(*r));
    assert_int_equal(hf_logs_matcher_new(NULL, 0, &r->m, err, sizeof(err)), 0);
    hf_logs_state_init(&r->st);
    r->cfg.globs = t->globs;
    r->cfg.nglobs = 1;
    r->cfg.matcher = r->m;
    r->cfg.last_lines = 5;
    r->cfg.read_existing = read_existing;
}

/* One probe call; returns new error lines. */
static inline uint64_t probe(run *r)
{
    hf_logs_result_free(&r->res);
    assert_int_equal(hf_logs_probe(&r->cfg, &r->st, &r->res), 0);
    return r->res.count[HF_LOGS_ERROR];
}

static inline bool has_event(const run *r, enum hf_logs_event_kind k)
{
    for (size_t i = 0; i < r->res.nevents; i++)
        if (r->res.events[i].kind == k)
            return true;
    return false;
}

static inline void run_free(run *r)
{
    hf_logs_result_free(&r->res);
    hf_logs_state_free(&r->st);
    hf_logs_matcher_free(r->m);
}

/* Let mtimes move past the saved time (ns clocks, coarse filesystems). */
static inline void tick(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
}

#endif
