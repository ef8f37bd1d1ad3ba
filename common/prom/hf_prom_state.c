/* hf_prom_state: the API statistics state kept between runs in a small text
 * file (see hf_prom_stats.h).
 *
 *   helixflow-prom-state 2
 *   time 1718000000.25
 *   requests 15260
 *   errors 60
 *   tokens 1000000            (only when a token counter was seen)
 *   dur 0.005 152             (duration histogram: le count, ascending)
 *   dur +Inf 15260
 *   ttft 0.01 40              (time-to-first-token histogram)
 *   sample 1717999100.5 14000 50   (the error ratio's window: time and the
 *                             reset-adjusted request and error counts,
 *                             ascending time, at most HF_PROM_WINDOW_SAMPLES;
 *                             none in older files; see hf_prom_stats.h)
 *   end 0123456789abcdef      (64-bit FNV-1a, hf_hash64, of every byte before)
 *
 * A file without its end line (truncated), with another checksum (damaged or
 * edited), of format 1 (which had no end line) or that is a directory is
 * refused with a message naming the file and the problem: the caller starts
 * afresh. Written through hf_file_write_atomic (a crash leaves the old or the
 * new file). */
#include "hf_prom_stats.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_STATE_MAGIC "helixflow-prom-state 2"
#define PROM_STATE_OLD_MAGIC "helixflow-prom-state 1"
#define PROM_STATE_MAX (64 * 1024)
#define PROM_STATE_END "end "
#define PROM_STATE_END_LEN (4 + 16)     /* "end " and 16 hex digits */

/* ---- writing ------------------------------------------------------------------ */

static void prom_state_hist(hf_buf *b, const char *key, const hf_prom_hist *h)
{
    for (size_t i = 0; i < h->n; i++) {
        if (isinf(h->le[i]))
            hf_buf_printf(b, "%s +Inf %.17g\n", key, h->count[i]);
        else
            hf_buf_printf(b, "%s %.17g %.17g\n", key, h->le[i], h->count[i]);
    }
}

static void prom_state_samples(hf_buf *b, const hf_prom_api_state *st)
{
    for (size_t i = 0; i < st->nsamples && i < HF_PROM_WINDOW_SAMPLES; i++)
        hf_buf_printf(b, "sample %.17g %.17g %.17g\n", st->samples[i].time, st->samples[i].requests,
                      st->samples[i].errors);
}

int hf_prom_api_state_save(const hf_prom_api_state *st, const char *path, char *err, size_t n)
{
    hf_buf b = {0};
    int r;

    hf_buf_printf(&b, "%s\ntime %.17g\nrequests %.17g\nerrors %.17g\n", PROM_STATE_MAGIC, st->time,
                  st->requests, st->errors);
    if (st->has_tokens)
        hf_buf_printf(&b, "tokens %.17g\n", st->tokens);
    prom_state_hist(&b, "dur", &st->dur);
    prom_state_hist(&b, "ttft", &st->ttft);
    prom_state_samples(&b, st);
    hf_buf_printf(&b, "%s%016" PRIx64 "\n", PROM_STATE_END, hf_hash64(b.s, b.len, HF_HASH_SEED));
    if (b.oom) {
        hf_buf_free(&b);
        hf_err_set(err, n, "%s: cannot write: out of memory", path);
        return -ENOMEM;
    }
    r = hf_file_write_atomic(path, b.s, b.len, err, n);
    hf_buf_free(&b);
    return r;
}

/* ---- reading ------------------------------------------------------------------ */

/* The whole file into *buf (NUL-terminated). Returns its length or a
 * negative errno with err set. */
static long prom_state_read(const char *path, char **buf, char *err, size_t n)
{
    long len = hf_file_read(path, PROM_STATE_MAX, buf);

    if (len == -ENOENT)
        hf_err_set(err, n, "%s: no previous state", path);
    else if (len == -EISDIR)
        hf_err_set(err, n, "%s: a directory, not a state file", path);
    else if (len == -EFBIG)
        hf_err_set(err, n, "%s: larger than %d bytes, not a state file", path, PROM_STATE_MAX);
    else if (len < 0)
        hf_err_set(err, n, "%s: %s", path, strerror((int)-len));
    else if (strlen(*buf) != (size_t)len)
        hf_err_set(err, n, "%s: not a state file (NUL byte)", path);
    else
        return len;
    free(*buf);
    *buf = NULL;
    return len == -EFBIG || len >= 0 ? -EINVAL : len;
}

/* The header line and the end line over buf[0..len): *body is the length of
 * what the checksum covers (the header and the state lines). */
static int prom_state_verify(const char *buf, size_t len, const char *path, size_t *body, char *err,
                             size_t n)
{
    const size_t ml = strlen(PROM_STATE_MAGIC);
    uint64_t want, got;
    size_t ls;
    bool ended;

    if (len == 0) {
        hf_err_set(err, n, "%s: empty, not a state file", path);
        return -EINVAL;
    }
    if (strncmp(buf, PROM_STATE_OLD_MAGIC "\n", ml + 1) == 0) {
        hf_err_set(err, n, "%s: state format 1 (no end marker), not read", path);
        return -EINVAL;
    }
    if (len <= ml || strncmp(buf, PROM_STATE_MAGIC "\n", ml + 1) != 0) {
        hf_err_set(err, n, "%s line 1: not a state file (no '%s' header)", path, PROM_STATE_MAGIC);
        return -EINVAL;
    }
    for (ls = len - 1; ls > 0 && buf[ls - 1] != '\n'; ls--)
        ;                       /* ls: start of the last line */
    ended = buf[len - 1] == '\n' && len - 1 - ls == PROM_STATE_END_LEN &&
        strncmp(buf + ls, PROM_STATE_END, 4) == 0 && strspn(buf + ls + 4, "0123456789abcdef") == 16;
    if (!ended) {
        hf_err_set(err, n, "%s: truncated or damaged (the last line is not 'end <checksum>')", path);
        return -EINVAL;
    }
    want = strtoull(buf + ls + 4, NULL, 16);
    if ((got = hf_hash64(buf, ls, HF_HASH_SEED)) != want) {
        hf_err_set(err, n, "%s: checksum mismatch (end marker %016" PRIx64 ", content %016" PRIx64
                   "): damaged or edited", path, want, got);
        return -EINVAL;
    }
    *body = ls;
    return 0;
}

/* "le count" into h (ascending le, +Inf allowed for le only). */
static int prom_state_bucket(hf_prom_hist *h, char *args)
{
    char *sp = strchr(args, ' ');
    double le, c;

    if (!sp)
        return -EINVAL;
    *sp = '\0';
    if (strcmp(args, "+Inf") == 0)
        le = INFINITY;
    else if (hf_parse_double(args, &le) < 0)
        return -EINVAL;
    if (hf_parse_double(sp + 1, &c) < 0 || c < 0)
        return -EINVAL;
    if (h->n == HF_PROM_MAX_BUCKETS || (h->n && !(le > h->le[h->n - 1])))
        return -EINVAL;
    h->le[h->n] = le;
    h->count[h->n] = c;
    h->n++;
    return 0;
}

/* "time requests errors": a window sample after the ones before it. */
static int prom_state_sample(hf_prom_api_state *st, char *args)
{
    char *f[3], *save = NULL;
    double v[3];

    f[0] = strtok_r(args, " ", &save);
    f[1] = strtok_r(NULL, " ", &save);
    f[2] = strtok_r(NULL, " ", &save);
    if (!f[2] || strtok_r(NULL, " ", &save) || st->nsamples == HF_PROM_WINDOW_SAMPLES)
        return -EINVAL;
    for (size_t i = 0; i < 3; i++)
        if (hf_parse_double(f[i], &v[i]) < 0 || (i > 0 && v[i] < 0))
            return -EINVAL;
    if (st->nsamples && !(v[0] > st->samples[st->nsamples - 1].time))
        return -EINVAL;
    st->samples[st->nsamples++] = (hf_prom_counts){v[0], v[1], v[2]};
    return 0;
}

static int prom_state_line(hf_prom_api_state *st, char *line, unsigned *seen)
{
    char *sp = strchr(line, ' ');
    double v;

    if (!sp)
        return -EINVAL;
    *sp++ = '\0';
    if (strcmp(line, "dur") == 0)
        return prom_state_bucket(&st->dur, sp);
    if (strcmp(line, "ttft") == 0)
        return prom_state_bucket(&st->ttft, sp);
    if (strcmp(line, "sample") == 0)
        return prom_state_sample(st, sp);
    if (hf_parse_double(sp, &v) < 0)
        return -EINVAL;
    if (strcmp(line, "time") == 0)
        st->time = v, *seen |= 1;
    else if (strcmp(line, "requests") == 0)
        st->requests = v, *seen |= 2;
    else if (strcmp(line, "errors") == 0)
        st->errors = v, *seen |= 4;
    else if (strcmp(line, "tokens") == 0)
        st->tokens = v, st->has_tokens = true;
    else
        return -EINVAL;
    return 0;
}

/* The state lines of a verified file: buf[0..body) is the header line and
 * whole lines, each ending with '\n'. */
static int prom_state_parse(hf_prom_api_state *st, char *buf, size_t body, const char *path,
                            char *err, size_t n)
{
    char *line = strchr(buf, '\n') + 1, *nl;
    unsigned seen = 0, lineno = 1;

    for (; line < buf + body; line = nl + 1) {
        nl = strchr(line, '\n');
        *nl = '\0';
        lineno++;
        if (prom_state_line(st, line, &seen) < 0) {
            hf_err_set(err, n, "%s line %u: not a state line", path, lineno);
            return -EINVAL;
        }
    }
    if (seen != 7) {
        hf_err_set(err, n, "%s: incomplete state (time, requests and errors needed)", path);
        return -EINVAL;
    }
    return 0;
}

int hf_prom_api_state_load(hf_prom_api_state *st, const char *path, char *err, size_t n)
{
    char *buf = NULL;
    size_t body = 0;
    long len;
    int r;

    memset(st, 0, sizeof(*st));
    if ((len = prom_state_read(path, &buf, err, n)) < 0)
        return (int)len;
    if ((r = prom_state_verify(buf, (size_t)len, path, &body, err, n)) == 0)
        r = prom_state_parse(st, buf, body, path, err, n);
    free(buf);
    if (r) {
        memset(st, 0, sizeof(*st));
        return r;
    }
    st->valid = true;
    return 0;
}
