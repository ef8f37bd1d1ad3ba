/* hf_logs: the incremental log probe (glob, rotation, budgeted reading).
 * The file-identity rules (rename, copytruncate, truncation, new, vanished)
 * live in hf_logs_rotate.c; this file plans nothing, it reads. */
#include "hf_logs.h"
#include "hf_logs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *hf_logs_event_name(enum hf_logs_event_kind k)
{
    static const char *const names[] = {
        [HF_LOGS_EV_NEW] = "new", [HF_LOGS_EV_FIRST] = "first run",
        [HF_LOGS_EV_RENAMED] = "rotated (rename)", [HF_LOGS_EV_MOVED] = "moved",
        [HF_LOGS_EV_COPYTRUNCATE] = "rotated (copytruncate)", [HF_LOGS_EV_TRUNCATED] = "truncated",
        [HF_LOGS_EV_REPLACED] = "replaced", [HF_LOGS_EV_INTERMEDIATE] = "intermediate generation",
        [HF_LOGS_EV_VANISHED] = "vanished", [HF_LOGS_EV_UNREADABLE] = "unreadable",
        [HF_LOGS_EV_NOMATCH] = "no match",
    };
    return (unsigned)k < HF_ARRAY_SIZE(names) && names[k] ? names[k] : "?";
}

void hf_logs_result_free(hf_logs_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfiles; i++)
        free(r->files[i].path);
    for (size_t i = 0; i < r->nlines; i++) {
        free(r->lines[i].file);
        free(r->lines[i].text);
    }
    for (size_t i = 0; i < r->nevents; i++) {
        free(r->events[i].path);
        free(r->events[i].detail);
    }
    free(r->files);
    free(r->lines);
    free(r->events);
    memset(r, 0, sizeof(*r));
}

int hfl_event(hfl_ctx *c, enum hf_logs_event_kind k, const char *path, const char *detail)
{
    hf_logs_result *r = c->res;
    hf_logs_event *n = realloc(r->events, (r->nevents + 1) * sizeof(*n));

    if (!n)
        return -ENOMEM;
    r->events = n;
    n[r->nevents].kind = k;
    n[r->nevents].path = strdup(path);
    n[r->nevents].detail = detail ? strdup(detail) : NULL;
    r->nevents++;
    return 0;
}

/* Index of the per-file result for path (created on first use), or -1. */
long hfl_fresult(hfl_ctx *c, const char *path)
{
    hf_logs_result *r = c->res;
    hf_logs_fresult *n;

    for (size_t i = 0; i < r->nfiles; i++)
        if (!strcmp(r->files[i].path, path))
            return (long)i;
    n = realloc(r->files, (r->nfiles + 1) * sizeof(*n));
    if (!n)
        return -1;
    r->files = n;
    memset(&n[r->nfiles], 0, sizeof(n[0]));
    n[r->nfiles].path = strdup(path);
    if (!n[r->nfiles].path)
        return -1;
    return (long)r->nfiles++;
}

/* ---- last matching lines ---------------------------------------------- */

static void on_line(void *ctx, unsigned classes, const char *text, size_t tlen, uint64_t len)
{
    hfl_ctx *c = ctx;
    hfl_slot *s;

    if (!c->nring)
        return;
    s = &c->ring[c->ring_next];
    c->ring_next = (c->ring_next + 1) % c->nring;
    if (c->ring_used < c->nring)
        c->ring_used++;
    memcpy(s->text, text, tlen);
    s->text[tlen] = '\0';
    s->tlen = tlen;
    s->len = len;
    s->classes = classes;
    s->file = c->cur_file;
}

static int ring_collect(hfl_ctx *c)
{
    hf_logs_result *r = c->res;
    size_t start = (c->ring_next + c->nring - c->ring_used) % (c->nring ? c->nring : 1);

    if (!c->ring_used)
        return 0;
    r->lines = calloc(c->ring_used, sizeof(*r->lines));
    if (!r->lines)
        return -ENOMEM;
    for (size_t i = 0; i < c->ring_used; i++) {
        const hfl_slot *s = &c->ring[(start + i) % c->nring];
        hf_logs_line *l = &r->lines[r->nlines++];
        l->file = strdup(r->files[s->file].path);
        l->text = malloc(s->tlen + 1);
        if (!l->file || !l->text)
            return -ENOMEM;
        memcpy(l->text, s->text, s->tlen + 1);
        l->classes = s->classes;
        l->len = s->len;
        l->truncated = s->len > s->tlen;
    }
    return 0;
}

/* ---- reading ------------------------------------------------------------ */

static bool out_of_budget(hfl_ctx *c)
{
    if (c->budget_left == 0)
        return true;
    if (c->deadline > 0 && hf_mono_now() >= c->deadline)
        return true;
    return false;
}

/* Set the scanner up for the partial line before e->offset; returns where to read from. */
static uint64_t resume_partial(hfl_ctx *c, int fd, const hf_logs_fstate *e)
{
    uint64_t line_start = e->offset - e->partial, from;
    char head[HF_LOGS_LINE_MAX];
    ssize_t n = 0;

    hf_logs_scan_reset_line(&c->scan);
    if (!e->partial)
        return e->offset;
    from = hf_logs_scan_refeed_from(&c->scan, e->partial);
    if (from > 0) {
        n = pread(fd, head, sizeof(head), (off_t)line_start);
        if (n < 0)
            n = 0;
    }
    hf_logs_scan_resume(&c->scan, e->pflags, from, head, (size_t)n);
    return line_start + from;
}

/* Read entry idx from its offset to EOF (or the budget). Returns 0 or -ENOMEM. */
int hfl_read_entry(hfl_ctx *c, size_t idx)
{
    hf_logs_fstate *e = &c->st->files[idx];
    hf_logs_result *r = c->res;
    uint64_t before[HF_LOGS_NCLASS], pos;
    struct stat sb;
    bool eof = false;
    long fi = hfl_fresult(c, e->origin ? e->origin : e->path);
    int fd;

    if (fi < 0)
        return -ENOMEM;
    fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 || fstat(fd, &sb) < 0 || (uint64_t)sb.st_ino != e->ino || (uint64_t)sb.st_dev != e->dev) {
        /* gone or swapped since planning: the next call sorts it out */
        if (fd >= 0)
            close(fd);
        return hfl_event(c, HF_LOGS_EV_UNREADABLE, e->path, strerror(fd < 0 ? errno : ESTALE));
    }
    c->cur_file = (size_t)fi;
    memcpy(before, c->scan.count, sizeof(before));
    pos = resume_partial(c, fd, e);
    for (;;) {
        size_t want = c->bufsz;
        ssize_t n;
        if (out_of_budget(c))
            break;
        if (want > c->budget_left)
            want = (size_t)c->budget_left;
        n = pread(fd, c->buf, want, (off_t)pos);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            hf_logs_scan_reset_line(&c->scan);
            return hfl_event(c, HF_LOGS_EV_UNREADABLE, e->path, strerror(err));
        }
        if (n == 0) {
            eof = true;
            break;
        }
        hf_logs_scan_feed(&c->scan, c->buf, (size_t)n);
        r->bytes_read += (uint64_t)n;
        c->budget_left -= (uint64_t)n;
        if (pos + (uint64_t)n > e->offset) {
            uint64_t from = pos > e->offset ? pos : e->offset;
            r->bytes_new += pos + (uint64_t)n - from;
            r->files[fi].bytes += pos + (uint64_t)n - from;
        }
        pos += (uint64_t)n;
    }
    if (pos >= e->offset) {
        if (eof && e->rotated)
            hf_logs_scan_finish(&c->scan);      /* it will never grow: the last line is complete */
        e->offset = pos;
        e->partial = c->scan.line_len;
        e->pflags = c->scan.flags;
    }
    hf_logs_scan_reset_line(&c->scan);
    e->size = e->offset;
    if (fstat(fd, &sb) == 0)
        e->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
    if (e->fp_len < HF_LOGS_FP_MAX)
        hfl_fingerprint_fd(fd, e);
    close(fd);
    if (eof && e->rotated)
        e->drop = true;         /* done: forgotten by hfl_finish_state */
    for (int k = 0; k < HF_LOGS_NCLASS; k++)
        r->files[fi].count[k] += c->scan.count[k] - before[k];
    return 0;
}

void hfl_fingerprint_fd(int fd, hf_logs_fstate *e)
{
    char b[HF_LOGS_FP_MAX];
    ssize_t n = pread(fd, b, sizeof(b), 0);

    if (n < 0)
        return;
    e->fp = hf_logs_fp_hash(b, (size_t)n);
    e->fp_len = (uint32_t)n;
}

/* ---- the probe -------------------------------------------------------- */

static void ctx_free(hfl_ctx *c)
{
    hf_logs_scan_free(&c->scan);
    free(c->buf);
    free(c->ring);
    free(c->order);
    hfl_lives_free(c);
}

static int ctx_init(hfl_ctx *c, const hf_logs_config *cfg, hf_logs_state *st, hf_logs_result *res)
{
    memset(c, 0, sizeof(*c));
    c->cfg = cfg;
    c->st = st;
    c->res = res;
    c->bufsz = cfg->buf_size ? cfg->buf_size : HF_LOGS_DEFAULT_BUF;
    c->budget_left = cfg->byte_budget ? cfg->byte_budget : HF_LOGS_DEFAULT_BUDGET;
    if (cfg->time_budget_ms > 0)
        c->deadline = hf_mono_now() + (double)cfg->time_budget_ms / 1000.0;
    c->nring = cfg->last_lines;
    c->buf = malloc(c->bufsz);
    c->ring = c->nring ? calloc(c->nring, sizeof(*c->ring)) : NULL;
    if (!c->buf || (c->nring && !c->ring))
        return -ENOMEM;
    return hf_logs_scan_init(&c->scan, cfg->matcher, on_line, c);
}

int hf_logs_probe(const hf_logs_config *cfg, hf_logs_state *st, hf_logs_result *res)
{
    hfl_ctx c;
    int r;

    memset(res, 0, sizeof(*res));
    if (!cfg || !cfg->globs || !cfg->nglobs || !cfg->matcher || !st) {
        hf_err_set(res->err, sizeof(res->err), "log probe: no glob or matcher configured");
        return -EINVAL;
    }
    r = ctx_init(&c, cfg, st, res);
    if (r == 0)
        r = hfl_plan(&c);
    for (size_t i = 0; r == 0 && i < c.norder; i++)
        r = hfl_read_entry(&c, c.order[i]);
    if (r == 0)
        r = ring_collect(&c);
    if (r == 0) {
        hfl_finish_state(&c);
        memcpy(res->count, c.scan.count, sizeof(res->count));
    }
    if (r < 0 && !res->err[0])
        hf_err_set(res->err, sizeof(res->err), "log probe: %s", strerror(-r));
    ctx_free(&c);
    return r;
}
