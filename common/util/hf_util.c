#include "hf_util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
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

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp)) {
        hf_err_set(err, errlen, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    /* mkostemp: O_CREAT|O_EXCL with a name unique per call (threads
     * included): never follows or reuses a planted file. */
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        hf_err_set(err, errlen, "%s: cannot create a temporary file: %s", path, strerror(-rc));
        return rc;
    }
    if (fchmod(fd, 0640) < 0)
        rc = -errno;
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

int hf_dir_check_private(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (lstat(dir, &st) < 0) {
        int rc = -errno;
        hf_err_set(err, errlen, "state directory %s: %s", dir, strerror(-rc));
        return rc;
    }
    if (S_ISLNK(st.st_mode) && stat(dir, &st) < 0) {
        int rc = -errno;
        hf_err_set(err, errlen, "state directory %s: %s", dir, strerror(-rc));
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        hf_err_set(err, errlen, "state directory %s: not a directory", dir);
        return -ENOTDIR;
    }
    if (st.st_uid != geteuid() && st.st_uid != 0) {
        hf_err_set(err, errlen, "state directory %s: owned by uid %ld, not by us (uid %ld) or root",
                   dir, (long)st.st_uid, (long)geteuid());
        return -EPERM;
    }
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        hf_err_set(err, errlen, "state directory %s: writable by its %s (mode %04o): refused; "
                   "chmod go-w it or choose another", dir,
                   st.st_mode & S_IWOTH ? "other users" : "group", (unsigned)(st.st_mode & 07777));
        return -EPERM;
    }
    return 0;
}

int hf_file_lock(const char *path, double deadline, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    struct stat st;

    if (fd < 0) {
        int rc = -errno;
        hf_err_set(err, errlen, "%s: %s", path, rc == -ELOOP ? "is a symbolic link: refused"
                                                            : strerror(-rc));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hf_err_set(err, errlen, "%s: not a regular file: refused", path);
        return -EINVAL;
    }
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int rc = -errno;
            close(fd);
            hf_err_set(err, errlen, "%s: %s", path, strerror(-rc));
            return rc;
        }
        if (hf_mono_now() >= deadline) {
            close(fd);
            hf_err_set(err, errlen, "%s: still locked by another run", path);
            return -EWOULDBLOCK;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
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

#define HF_SEAL_FMT "end %016" PRIx64 "\n"
#define HF_SEAL_LEN 21              /* "end " + 16 hex + "\n" */

void hf_seal_append(hf_buf *b)
{
    hf_buf_printf(b, HF_SEAL_FMT, hf_hash64(b->s ? b->s : "", b->len, HF_HASH_SEED));
}

long hf_seal_check(const char *text, size_t len, const char *path, char *err, size_t errlen)
{
    char want[HF_SEAL_LEN + 1];
    size_t body;

    if (len < HF_SEAL_LEN || (len > HF_SEAL_LEN && text[len - HF_SEAL_LEN - 1] != '\n')) {
        hf_err_set(err, errlen, "%s: truncated or not a state file (no end marker)", path);
        return -EPROTO;
    }
    body = len - HF_SEAL_LEN;
    snprintf(want, sizeof(want), HF_SEAL_FMT, hf_hash64(text, body, HF_HASH_SEED));
    if (memcmp(text + body, want, HF_SEAL_LEN) != 0) {
        hf_err_set(err, errlen, "%s: damaged (%s)", path,
                   memcmp(text + body, "end ", 4) == 0 ? "checksum mismatch" : "no end marker");
        return -EPROTO;
    }
    return (long)body;
}

long hf_sealed_read(const char *path, size_t max, char **out, char *err, size_t errlen)
{
    long len = hf_file_read(path, max, out);

    if (len < 0) {
        *out = NULL;
        hf_err_set(err, errlen, "%s: %s", path, strerror((int)-len));
        return len;
    }
    if ((len = hf_seal_check(*out, (size_t)len, path, err, errlen)) < 0) {
        free(*out);
        *out = NULL;
        return len;
    }
    (*out)[len] = '\0';
    return len;
}
