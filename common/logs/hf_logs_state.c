/* hf_logs_state: per-file offsets and the window's buckets, and their file.
 *
 * Format (text, one record a line, fields separated by one space):
 *   helixflow-logs-state 2
 *   saved <wall ns>
 *   win <start s> <span s> <error> <warning> <critical> <security>
 *                                         (0..HF_LOGS_WIN_MAX lines)
 *   file <dev> <ino> <offset> <size> <mtime ns> <fp hex> <fp len> <partial>
 *        <partial flags> <rotated 0|1> <path> <origin|->
 *   end <FNV-1a 64 (hf_hash64) of every byte before this line, 16 hex digits>
 * Paths are escaped: bytes <= ' ', '%', >= 0x7f (and a leading '-') as %XX.
 * A file that is truncated, edited, not a regular file or a symlink is
 * refused with an error naming it and what is wrong; the caller starts afresh.
 * Version 1 (still read) had no end line, and "sec <utc day> <count>"
 * instead of "win": each becomes a 1-hour security bucket at the start of
 * its day. */
#include "hf_logs.h"
#include "hf_logs_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STATE_MAGIC "helixflow-logs-state"
#define STATE_VERSION 2
#define STATE_MAX (16u * 1024 * 1024)

uint64_t hf_logs_fp_hash(const void *data, size_t len)
{
    return hf_hash64(data, len, HF_HASH_SEED);
}

void hf_logs_state_init(hf_logs_state *st)
{
    memset(st, 0, sizeof(*st));
}

static void fstate_clear(hf_logs_fstate *f)
{
    free(f->path);
    free(f->origin);
    memset(f, 0, sizeof(*f));
}

void hf_logs_state_free(hf_logs_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->nfiles; i++)
        fstate_clear(&st->files[i]);
    free(st->files);
    free(st->win);
    hf_logs_state_init(st);
}

hf_logs_fstate *hf_logs_state_find(hf_logs_state *st, const char *path)
{
    for (size_t i = 0; i < st->nfiles; i++)
        if (!strcmp(st->files[i].path, path))
            return &st->files[i];
    return NULL;
}

hf_logs_fstate *hf_logs_state_add(hf_logs_state *st, const char *path)
{
    hf_logs_fstate *f;

    if (hf_array_reserve(&st->files, &st->capfiles, st->nfiles, sizeof(*st->files), 8) < 0)
        return NULL;
    f = &st->files[st->nfiles];
    memset(f, 0, sizeof(*f));
    f->path = strdup(path);
    if (!f->path)
        return NULL;
    st->nfiles++;
    return f;
}

void hf_logs_state_remove(hf_logs_state *st, size_t i)
{
    if (i >= st->nfiles)
        return;
    fstate_clear(&st->files[i]);
    memmove(&st->files[i], &st->files[i + 1], (st->nfiles - i - 1) * sizeof(st->files[0]));
    st->nfiles--;
}

/* <path>.lock, created 0600 if needed; never through a symlink, never a
 * directory, fifo or device. */
static int lock_open(const char *lp, char *err, size_t errlen)
{
    struct stat sb;
    int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK, 0600);
    int r;

    if (fd < 0) {
        r = -errno;
        if (lstat(lp, &sb) == 0 && S_ISLNK(sb.st_mode))
            hf_err_set(err, errlen, "state lock %s: is a symbolic link (refused: a lock file is never followed)", lp);
        else if (r == -EISDIR)
            hf_err_set(err, errlen, "state lock %s: not a regular file (directory)", lp);
        else
            hf_err_set(err, errlen, "state lock %s: %s", lp, strerror(-r));
        return r;
    }
    r = fstat(fd, &sb) < 0 ? -errno : 0;
    if (r < 0)
        hf_err_set(err, errlen, "state lock %s: %s", lp, strerror(-r));
    else if (!S_ISREG(sb.st_mode)) {
        hf_err_set(err, errlen, "state lock %s: not a regular file (%s)", lp, hfl_file_kind(sb.st_mode));
        r = -EINVAL;
    }
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int hf_logs_state_lock(const char *path, long timeout_ms, char *err, size_t errlen)
{
    char lp[HF_PATH_MAX];
    double until = hf_mono_now() + (double)timeout_ms / 1000.0;
    int fd;

    if ((size_t)snprintf(lp, sizeof(lp), "%s.lock", path) >= sizeof(lp)) {
        hf_err_set(err, errlen, "state lock for %s: path too long", path);
        return -ENAMETOOLONG;
    }
    fd = lock_open(lp, err, errlen);
    if (fd < 0)
        return fd;
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        struct timespec ts = {0, 20 * 1000 * 1000};
        if ((errno != EWOULDBLOCK && errno != EINTR) || hf_mono_now() >= until) {
            int r = errno == EINTR ? -EWOULDBLOCK : -errno;
            hf_err_set(err, errlen, "state lock %s: %s", lp,
                       r == -EWOULDBLOCK ? "held by another run" : strerror(-r));
            close(fd);
            return r;
        }
        nanosleep(&ts, NULL);
    }
    return fd;
}

/* ---- save ------------------------------------------------------------------ */

static void put_escaped(hf_buf *b, const char *s)
{
    size_t run = 0;             /* bytes before s[i] not yet appended */

    for (size_t i = 0; s[i]; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(c <= ' ' || c == '%' || c >= 0x7f || (i == 0 && c == '-'))) {
            run++;
            continue;
        }
        char esc[3] = {'%', "0123456789ABCDEF"[c >> 4], "0123456789ABCDEF"[c & 15]};
        hf_buf_append(b, s + i - run, run);
        hf_buf_append(b, esc, 3);
        run = 0;
    }
    hf_buf_append(b, s + strlen(s) - run, run);
}

/* Numbers without printf: a save runs on every call, also the ones with
 * nothing new to read, where printf formatting these records was about a
 * tenth of the instructions (47k of 476k, callgrind). */
static void put_u64(hf_buf *b, char sep, uint64_t v)
{
    char t[24];
    size_t i = sizeof(t);

    do
        t[--i] = (char)('0' + v % 10);
    while ((v /= 10));
    t[--i] = sep;
    hf_buf_append(b, t + i, sizeof(t) - i);
}

static void put_i64(hf_buf *b, char sep, int64_t v)
{
    if (v >= 0) {
        put_u64(b, sep, (uint64_t)v);
        return;
    }
    hf_buf_append(b, &sep, 1);
    put_u64(b, '-', 0 - (uint64_t)v);
}

static void put_hex16(hf_buf *b, char sep, uint64_t v)
{
    char t[17];

    t[0] = sep;
    for (int i = 16; i > 0; i--, v >>= 4)
        t[i] = "0123456789abcdef"[v & 15];
    hf_buf_append(b, t, sizeof(t));
}

static void format_state(const hf_logs_state *st, hf_buf *b)
{
    hf_buf_append(b, STATE_MAGIC, strlen(STATE_MAGIC));
    put_u64(b, ' ', STATE_VERSION);
    hf_buf_append(b, "\nsaved", 6);
    put_i64(b, ' ', st->saved_ns);
    hf_buf_append(b, "\n", 1);
    for (size_t i = 0; i < st->nwin; i++) {
        const hf_logs_bucket *w = &st->win[i];
        hf_buf_append(b, "win", 3);
        put_i64(b, ' ', w->start);
        put_u64(b, ' ', w->span);
        for (int c = 0; c < HF_LOGS_NCLASS; c++)
            put_u64(b, ' ', w->count[c]);
        hf_buf_append(b, "\n", 1);
    }
    for (size_t i = 0; i < st->nfiles; i++) {
        const hf_logs_fstate *f = &st->files[i];
        hf_buf_append(b, "file", 4);
        put_u64(b, ' ', f->dev);
        put_u64(b, ' ', f->ino);
        put_u64(b, ' ', f->offset);
        put_u64(b, ' ', f->size);
        put_i64(b, ' ', f->mtime_ns);
        put_hex16(b, ' ', f->fp);
        put_u64(b, ' ', f->fp_len);
        put_u64(b, ' ', f->partial);
        put_u64(b, ' ', f->pflags);
        put_u64(b, ' ', f->rotated ? 1 : 0);
        hf_buf_append(b, " ", 1);
        put_escaped(b, f->path);
        hf_buf_append(b, " ", 1);
        if (f->origin)
            put_escaped(b, f->origin);
        else
            hf_buf_append(b, "-", 1);
        hf_buf_append(b, "\n", 1);
    }
    if (!b->oom) {
        uint64_t h = hf_hash64(b->s, b->len, HF_HASH_SEED);
        hf_buf_append(b, "end", 3);
        put_hex16(b, ' ', h);
        hf_buf_append(b, "\n", 1);
    }
}

int hf_logs_state_save(const hf_logs_state *st, const char *path, char *err, size_t errlen)
{
    hf_buf b = {0};
    char uerr[HF_ERR_MAX];
    int r;

    format_state(st, &b);
    if (b.oom) {
        hf_buf_free(&b);
        hf_err_set(err, errlen, "state file %s: out of memory", path);
        return -ENOMEM;
    }
    uerr[0] = '\0';
    r = hf_file_write_atomic(path, b.s, b.len, uerr, sizeof(uerr));
    if (r < 0 && !strncmp(uerr, path, strlen(path)))
        hf_err_set(err, errlen, "state file %s", uerr);         /* "<path>...: why" */
    else if (r < 0)
        hf_err_set(err, errlen, "state file %s: %s", path, uerr[0] ? uerr : strerror(-r));
    hf_buf_free(&b);
    return r;
}

/* ---- load ------------------------------------------------------------------ */

static int unescape(const char *s, char **out)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1), *o = d;

    if (!d)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (s[i] != '%') {
            *o++ = s[i];
            continue;
        }
        if (i + 2 >= n || sscanf(s + i + 1, "%2x", &v) != 1 || !strchr("0123456789ABCDEFabcdef", s[i + 1])
            || !strchr("0123456789ABCDEFabcdef", s[i + 2]) || v == 0) {
            free(d);
            return -EINVAL;
        }
        *o++ = (char)v;
        i += 2;
    }
    *o = '\0';
    if (!d[0]) {
        free(d);
        return -EINVAL;
    }
    *out = d;
    return 0;
}

static int num_u64(const char *s, uint64_t *v, int base)
{
    char *end;

    if (!*s || *s == '-' || *s == '+')
        return -EINVAL;
    errno = 0;
    unsigned long long x = strtoull(s, &end, base);
    if (*end || errno)
        return -EINVAL;
    *v = x;
    return 0;
}

static int num_i64(const char *s, int64_t *v)
{
    char *end;

    if (!*s)
        return -EINVAL;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (*end || errno)
        return -EINVAL;
    *v = x;
    return 0;
}

/* Split line in place on single spaces; returns the field count (<= max). */
static size_t fields(char *line, char **f, size_t max)
{
    size_t n = 0;

    while (n < max) {
        f[n++] = line;
        line = strchr(line, ' ');
        if (!line)
            return n;
        *line++ = '\0';
    }
    return max + 1;             /* too many */
}

static int load_file_rec(hf_logs_state *st, char **f)
{
    uint64_t v[10] = {0};
    int64_t mt = 0;
    hf_logs_fstate *e;
    char *path = NULL, *origin = NULL;

    for (int i = 0; i < 10; i++) {
        if (i == 4) {
            if (num_i64(f[1 + i], &mt) < 0)
                return -EINVAL;
            continue;
        }
        if (num_u64(f[1 + i], &v[i], i == 5 ? 16 : 10) < 0)
            return -EINVAL;
    }
    if (v[6] > HF_LOGS_FP_MAX || v[8] >= (1u << HF_LOGS_NCLASS) || v[9] > 1 || v[7] > v[2])
        return -EINVAL;
    if (unescape(f[11], &path) < 0 || (strcmp(f[12], "-") && unescape(f[12], &origin) < 0)) {
        free(path);
        return -EINVAL;
    }
    e = hf_logs_state_add(st, path);
    free(path);
    if (!e) {
        free(origin);
        return -ENOMEM;
    }
    e->origin = origin;
    e->dev = v[0];
    e->ino = v[1];
    e->offset = v[2];
    e->size = v[3];
    e->mtime_ns = mt;
    e->fp = v[5];
    e->fp_len = (uint32_t)v[6];
    e->partial = v[7];
    e->pflags = (unsigned)v[8];
    e->rotated = v[9] == 1;
    return 0;
}

/* A window bucket: "win <start> <span> <count>...", or version 1's
 * "sec <day> <count>" (security, one hour at the start of the day). */
static int load_win_rec(hf_logs_state *st, char **f, size_t n, int version)
{
    uint64_t count[HF_LOGS_NCLASS] = {0}, span = 3600;
    int64_t start;

    if (version == 1) {
        if (n != 3 || num_i64(f[1], &start) < 0 || num_u64(f[2], &count[HF_LOGS_SECURITY], 10) < 0 ||
            start > INT64_MAX / 86400 || start < INT64_MIN / 86400)
            return -EINVAL;
        start *= 86400;
    } else {
        if (n != 3 + HF_LOGS_NCLASS || num_i64(f[1], &start) < 0 || num_u64(f[2], &span, 10) < 0 ||
            (span != 60 && span != 3600) || start % (int64_t)span)
            return -EINVAL;
        for (int c = 0; c < HF_LOGS_NCLASS; c++)
            if (num_u64(f[3 + c], &count[c], 10) < 0)
                return -EINVAL;
    }
    return hfl_window_put(st, start, (uint32_t)span, count);
}

static int load_line(hf_logs_state *st, char *line, size_t lineno, int *version)
{
    char *f[16];
    size_t n = fields(line, f, 15);

    if (lineno == 1) {
        if (n != 2 || strcmp(f[0], STATE_MAGIC))
            return -EINVAL;
        if (strcmp(f[1], "1") && strcmp(f[1], "2"))
            return -EPROTO;
        *version = f[1][0] - '0';
        return 0;
    }
    if (n == 2 && !strcmp(f[0], "saved"))
        return num_i64(f[1], &st->saved_ns);
    if (!strcmp(f[0], *version == 1 ? "sec" : "win"))
        return load_win_rec(st, f, n, *version);
    if (n == 13 && !strcmp(f[0], "file"))
        return load_file_rec(st, f);
    return -EINVAL;
}

/* Read fd to its end into a NUL-terminated buffer of at most max bytes. */
static long read_fd(int fd, size_t max, char **out)
{
    hf_buf b = {0};
    char chunk[8192];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || b.len + (size_t)(n > 0 ? n : 0) > max || b.oom) {
            long r = n < 0 ? -errno : b.oom ? -ENOMEM : -EFBIG;
            hf_buf_free(&b);
            return r;
        }
        if (n == 0)
            break;
        hf_buf_append(&b, chunk, (size_t)n);
    }
    *out = b.s ? b.s : calloc(1, 1);
    return *out ? (long)b.len : -ENOMEM;
}

/* The state file's bytes: a regular file (never through a symlink, never
 * blocking on a fifo) of at most STATE_MAX bytes. Returns its length, or a
 * negative errno with err set (not for -ENOENT). */
static long read_state(const char *path, char **out, char *err, size_t errlen)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK);
    long r;

    *out = NULL;
    if (fd < 0) {
        r = -errno;
        if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode))
            hf_err_set(err, errlen, "state file %s: is a symbolic link (refused: never followed)", path);
        else if (r != -ENOENT)
            hf_err_set(err, errlen, "state file %s: %s", path, strerror((int)-r));
        return r;
    }
    if (fstat(fd, &sb) < 0)
        r = -errno;
    else if (!S_ISREG(sb.st_mode)) {
        close(fd);
        hf_err_set(err, errlen, "state file %s: not a regular file (%s)", path, hfl_file_kind(sb.st_mode));
        return S_ISDIR(sb.st_mode) ? -EISDIR : -EINVAL;
    } else
        r = read_fd(fd, STATE_MAX, out);
    close(fd);
    if (r >= 0)
        return r;
    if (r == -EFBIG)
        hf_err_set(err, errlen, "state file %s: larger than %u bytes", path, STATE_MAX);
    else
        hf_err_set(err, errlen, "state file %s: %s", path, strerror((int)-r));
    return r;
}

/* Version 2 ends with "end <FNV-1a 64 of every byte before that line>";
 * *body is where that line starts. Returns NULL, or what is wrong. */
static const char *check_end(const char *data, size_t len, size_t *body)
{
    const char *nl, *line;
    uint64_t want;
    char hex[17];

    if (len == 0 || data[len - 1] != '\n')
        return "truncated (no end marker)";
    nl = len > 1 ? memrchr(data, '\n', len - 1) : NULL;
    line = nl ? nl + 1 : data;
    if ((size_t)(data + len - 1 - line) != 4 + 16 || memcmp(line, "end ", 4) ||
        strspn(line + 4, "0123456789abcdef") < 16)
        return "truncated (no end marker)";
    memcpy(hex, line + 4, 16);
    hex[16] = '\0';
    want = strtoull(hex, NULL, 16);
    *body = (size_t)(line - data);
    if (hf_hash64(data, *body, HF_HASH_SEED) != want)
        return "checksum mismatch (corrupted, or edited by hand)";
    return NULL;
}

/* Records line by line. Returns 0, or a negative errno with *lineno the
 * line at fault and *why set when the whole file is at fault. */
static int parse_state(hf_logs_state *st, char *data, size_t len, size_t *lineno, const char **why)
{
    size_t body = len, ebody = len;
    const char *ewhy = check_end(data, len, &ebody);    /* before lines are cut */
    int r = 0, version = 0;

    *lineno = 0;
    *why = len != strlen(data) ? "contains NUL bytes" : len == 0 ? "empty (truncated)" : NULL;
    if (*why)
        return -EINVAL;
    for (char *line = data, *next; r == 0 && line < data + body; line = next) {
        next = memchr(line, '\n', (size_t)(data + body - line));
        ++*lineno;
        if (!next) {            /* every record ends with a newline: a torn write */
            *why = "truncated (last line incomplete)";
            return -EINVAL;
        }
        *next++ = '\0';
        r = load_line(st, line, *lineno, &version);
        if (r == 0 && *lineno == 1 && version >= 2) {
            if ((*why = ewhy))
                return -EINVAL;
            body = ebody;
        }
    }
    return r;
}

/* Parse data (NUL-terminated, len bytes, cut in place) into st; on failure
 * st is empty and err names the file and what is wrong. */
static int parse_named(hf_logs_state *st, char *data, size_t len, const char *name, char *err,
                       size_t errlen)
{
    size_t lineno;
    const char *why;
    int r = parse_state(st, data, len, &lineno, &why);

    if (r == 0) {
        st->initialized = true;
        return 0;
    }
    hf_logs_state_free(st);
    if (why)
        hf_err_set(err, errlen, "state file %s: %s", name, why);
    else if (r == -EPROTO)
        hf_err_set(err, errlen, "state file %s: unsupported version", name);
    else if (r == -ENOMEM)
        hf_err_set(err, errlen, "state file %s: out of memory", name);
    else if (r == -ENOSPC)
        hf_err_set(err, errlen, "state file %s line %zu: more than %d window buckets", name, lineno,
                   HF_LOGS_WIN_MAX);
    else
        hf_err_set(err, errlen, "state file %s line %zu: malformed record", name, lineno);
    return r == -ENOMEM ? r : -EINVAL;
}

int hf_logs_state_parse(hf_logs_state *st, const char *data, size_t len, const char *name, char *err,
                        size_t errlen)
{
    char *copy = malloc(len + 1);
    int r;

    hf_logs_state_init(st);
    if (!copy) {
        hf_err_set(err, errlen, "state file %s: out of memory", name);
        return -ENOMEM;
    }
    memcpy(copy, data, len);
    copy[len] = '\0';
    r = parse_named(st, copy, len, name, err, errlen);
    free(copy);
    return r;
}

int hf_logs_state_load(hf_logs_state *st, const char *path, char *err, size_t errlen)
{
    char *data;
    long len;
    int r;

    hf_logs_state_init(st);
    len = read_state(path, &data, err, errlen);
    if (len == -ENOENT)
        return 0;
    if (len < 0)
        return (int)len;
    r = parse_named(st, data, (size_t)len, path, err, errlen);
    free(data);
    return r;
}
