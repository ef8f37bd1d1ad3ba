/* hf_logs_read: reading one planned file from its saved offset through the
 * matcher, within the byte and time budget; the events and per-file results
 * the planner (hf_logs_rotate.c) and the probe (hf_logs.c) both record. */
#include "hf_logs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

const char *hfl_file_kind(mode_t mode)
{
    if (S_ISREG(mode))
        return "regular file";
    if (S_ISDIR(mode))
        return "directory";
    if (S_ISFIFO(mode))
        return "fifo";
    if (S_ISSOCK(mode))
        return "socket";
    if (S_ISCHR(mode))
        return "character device";
    if (S_ISBLK(mode))
        return "block device";
    if (S_ISLNK(mode))
        return "symbolic link";
    return "unknown file type";
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

void hfl_on_line(void *ctx, unsigned classes, const char *text, size_t tlen, uint64_t len)
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

int hfl_ring_collect(hfl_ctx *c)
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

int hfl_buf_ready(hfl_ctx *c)
{
    if (!c->buf && !(c->buf = malloc(c->bufsz)))
        return -ENOMEM;
    return 0;
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

    if (fi < 0 || hfl_buf_ready(c) < 0)
        return -ENOMEM;
    fd = open(e->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_ino != e->ino ||
        (uint64_t)sb.st_dev != e->dev) {
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
