#include "hf_util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

size_t hf_strlcpy(char *dst, const char *src, size_t n)
{
    size_t len = strlen(src);

    if (n > 0) {
        size_t c = len < n - 1 ? len : n - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return len;
}

void hf_err_set(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    if (!err || n == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

int hf_path_join(char *out, size_t n, const char *root, const char *path)
{
    int r;

    if (!root || !root[0] || (root[0] == '/' && !root[1]))
        r = snprintf(out, n, "%s", path);
    else {
        size_t rl = strlen(root);
        while (rl > 1 && root[rl - 1] == '/')
            rl--;
        r = snprintf(out, n, "%.*s%s%s", (int)rl, root, path[0] == '/' ? "" : "/", path);
    }
    return (r < 0 || (size_t)r >= n) ? -ENAMETOOLONG : 0;
}

static double hf_clock(clockid_t id)
{
    struct timespec ts;

    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double hf_mono_now(void)
{
    return hf_clock(CLOCK_MONOTONIC);
}

double hf_real_now(void)
{
    return hf_clock(CLOCK_REALTIME);
}

static bool hf_buf_reserve(hf_buf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    char *s;
    size_t cap;

    if (b->oom)
        return false;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 256;
    while (cap < need)
        cap *= 2;
    s = realloc(b->s, cap);
    if (!s) {
        b->oom = true;
        return false;
    }
    b->s = s;
    b->cap = cap;
    return true;
}

void hf_buf_append(hf_buf *b, const char *data, size_t len)
{
    if (!hf_buf_reserve(b, len))
        return;
    memcpy(b->s + b->len, data, len);
    b->len += len;
    b->s[b->len] = '\0';
}

void hf_buf_vprintf(hf_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || !hf_buf_reserve(b, (size_t)n))
        return;
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void hf_buf_printf(hf_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hf_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *hf_buf_str(const hf_buf *b)
{
    return b->s ? b->s : "";
}

void hf_buf_reset(hf_buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

void hf_buf_free(hf_buf *b)
{
    if (!b)
        return;
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

int hf_array_reserve(void *arrayp, size_t *cap, size_t n, size_t size, size_t first)
{
    void *old, *grown;
    size_t want;

    if (n < *cap)
        return 0;
    want = *cap ? *cap * 2 : first;
    if (want < n + 1 || want > SIZE_MAX / size)
        return -ENOMEM;
    memcpy(&old, arrayp, sizeof(old));      /* arrayp points at a T *, any T */
    grown = realloc(old, want * size);
    if (!grown)
        return -ENOMEM;
    memcpy(arrayp, &grown, sizeof(grown));
    *cap = want;
    return 0;
}

long hf_file_read(const char *path, size_t max, char **out)
{
    hf_buf b = {0};
    char chunk[8192];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    long ret;

    *out = NULL;
    if (fd < 0)
        return -errno;
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ret = -errno;
            goto fail;
        }
        if (n == 0)
            break;
        if (b.len + (size_t)n > max) {
            ret = -EFBIG;
            goto fail;
        }
        hf_buf_append(&b, chunk, (size_t)n);
        if (b.oom) {
            ret = -ENOMEM;
            goto fail;
        }
    }
    close(fd);
    if (!b.s) {
        b.s = calloc(1, 1);
        if (!b.s)
            return -ENOMEM;
    }
    *out = b.s;
    return (long)b.len;
fail:
    close(fd);
    hf_buf_free(&b);
    return ret;
}

int hf_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                         size_t errlen)
{
    char tmp[HF_PATH_MAX];
    const char *p = data;
    int fd, rc = 0;

    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp)) {
        hf_err_set(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) {
        rc = -errno;
        hf_err_set(err, errlen, "%s: %s", tmp, strerror(-rc));
        return rc;
    }
    while (len > 0 && rc == 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = n < 0 ? -errno : -EIO;
        else {
            p += n;
            len -= (size_t)n;
        }
    }
    if (close(fd) < 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(tmp);
        hf_err_set(err, errlen, "%s: %s", path, strerror(-rc));
    }
    return rc;
}

uint64_t hf_hash64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

int hf_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s || strspn(s, "0123456789+-.eE") != strlen(s))
        return -EINVAL;     /* no blanks, hex, "inf" or "nan" */
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || isnan(v) || isinf(v))
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    *out = v;
    return 0;
}

int hf_parse_long(const char *s, long *out)
{
    char *end;
    long v;

    if (!s || !*s || strspn(s, "0123456789+-") != strlen(s))
        return -EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *end != '\0')
        return -EINVAL;
    if (errno == ERANGE)
        return -ERANGE;
    *out = v;
    return 0;
}
