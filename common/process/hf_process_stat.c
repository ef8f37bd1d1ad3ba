/* hf_process_stat: reading one process under /proc (stat, fd, exe). */
#include "hf_process_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HF_DELETED_SUFFIX " (deleted)"

ssize_t hf_proc_read_at(int dirfd, const char *rel, char *buf, size_t n)
{
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
    size_t len = 0;

    if (fd < 0)
        return -errno;
    while (len + 1 < n) {
        ssize_t r = read(fd, buf + len, n - 1 - len);
        if (r < 0) {
            int e = errno;
            if (e == EINTR)
                continue;
            close(fd);
            return -e;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Skip spaces, parse one unsigned decimal field; advance *s. */
static int stat_field(const char **s, unsigned long long *out)
{
    const char *p = *s;
    char *end;

    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p) && *p != '-')
        return -EINVAL;
    errno = 0;
    if (*p == '-') {
        long long v = strtoll(p, &end, 10);
        *out = (unsigned long long)(v < 0 ? 0 : v);
    } else {
        *out = strtoull(p, &end, 10);
    }
    if (errno || end == p || (*end != ' ' && *end != '\n' && *end != '\0'))
        return -EINVAL;
    *s = end;
    return 0;
}

int hf_process_stat_parse(const char *line, hf_process_stat *out)
{
    const char *open = strchr(line, '(');
    const char *close = strrchr(line, ')');
    const char *p;
    unsigned long long f[22];
    size_t clen;

    memset(out, 0, sizeof(*out));
    if (!open || !close || close < open || close[1] != ' ' || !isalpha((unsigned char)close[2]))
        return -EINVAL;
    clen = (size_t)(close - open - 1);
    if (clen >= sizeof(out->comm))
        clen = sizeof(out->comm) - 1;
    memcpy(out->comm, open + 1, clen);
    out->comm[clen] = '\0';
    out->state = close[2];
    p = close + 3;
    /* fields 4 (ppid) .. 24 (rss): 21 numbers after the state */
    for (size_t i = 0; i < 21; i++)
        if (stat_field(&p, &f[i]) < 0)
            return -EINVAL;
    out->ppid = (pid_t)f[0];
    out->utime = f[10];         /* field 14 */
    out->stime = f[11];         /* field 15 */
    out->num_threads = (long)f[16];     /* field 20 */
    out->starttime = f[18];     /* field 22 */
    out->rss_pages = (long)f[20];       /* field 24 */
    return 0;
}

int hf_proc_parse_pid(const char *s, pid_t *out)
{
    char *end;
    long v;

    while (isspace((unsigned char)*s))
        s++;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || v <= 0 || v > INT_MAX)
        return -EINVAL;
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -EINVAL;
    *out = (pid_t)v;
    return 0;
}

static long count_fds(int procfd, const char *pidstr)
{
    char rel[48];
    int fd;
    DIR *d;
    struct dirent *de;
    long n = 0;

    snprintf(rel, sizeof(rel), "%s/fd", pidstr);
    fd = openat(procfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    while ((de = readdir(d)))
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

int hf_proc_read_info(int procfd, pid_t pid, long page_size, hf_proc_info *info)
{
    char pidstr[24], rel[48], buf[1024];
    ssize_t r;

    memset(info, 0, sizeof(*info));
    info->pid = pid;
    snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
    snprintf(rel, sizeof(rel), "%s/stat", pidstr);
    r = hf_proc_read_at(procfd, rel, buf, sizeof(buf));
    if (r < 0)
        return r == -ESRCH ? -ESRCH : (r == -EACCES ? -EACCES : -ENOENT);
    if (hf_process_stat_parse(buf, &info->st) < 0)
        return -EINVAL;
    /* stat's rss is statm's resident (file + anon + shmem pages): no second read */
    info->rss_bytes = (uint64_t)(info->st.rss_pages > 0 ? info->st.rss_pages : 0) * (uint64_t)page_size;
    info->fds = count_fds(procfd, pidstr);
    return 0;
}

/* argv[0] of <pid>/cmdline (NUL-separated). */
static ssize_t cmdline_argv0(int procfd, const char *pidstr, char *buf, size_t n)
{
    char rel[48];
    ssize_t r;

    snprintf(rel, sizeof(rel), "%s/cmdline", pidstr);
    r = hf_proc_read_at(procfd, rel, buf, n);
    if (r < 0)
        return r;
    return (ssize_t)strlen(buf);    /* up to the first NUL: argv[0] */
}

ssize_t hf_proc_exe(int procfd, const char *pidstr, char *buf, size_t n, bool *deleted)
{
    bool argv0;

    return hf_proc_exe2(procfd, pidstr, buf, n, deleted, &argv0);
}

ssize_t hf_proc_exe2(int procfd, const char *pidstr, char *buf, size_t n, bool *deleted,
                     bool *argv0)
{
    char rel[48];
    ssize_t len;
    const size_t sl = sizeof(HF_DELETED_SUFFIX) - 1;

    *deleted = false;
    *argv0 = false;
    snprintf(rel, sizeof(rel), "%s/exe", pidstr);
    len = readlinkat(procfd, rel, buf, n - 1);
    if (len < 0) {
        int e = errno;
        if (e != EACCES && e != EPERM)
            return -e;          /* ENOENT: kernel thread, zombie or gone */
        /* not ours to read (unprivileged caller): argv[0] must equal the path exactly */
        *argv0 = true;
        return cmdline_argv0(procfd, pidstr, buf, n);
    }
    buf[len] = '\0';
    if ((size_t)len > sl && memcmp(buf + len - sl, HF_DELETED_SUFFIX, sl) == 0) {
        len -= (ssize_t)sl;
        buf[len] = '\0';
        *deleted = true;
    }
    return len;
}

/* A whole file relative to dirfd into a malloc'd buffer (at most max bytes). */
static ssize_t read_all_at(int dirfd, const char *rel, size_t max, char **out)
{
    int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
    size_t len = 0, cap = 8192;
    char *b;

    *out = NULL;
    if (fd < 0)
        return -errno;
    b = malloc(cap);
    while (b) {
        ssize_t r;
        if (len + 1 == cap) {
            char *nb = cap * 2 <= max ? realloc(b, cap * 2) : NULL;
            if (!nb)
                break;
            b = nb;
            cap *= 2;
        }
        r = read(fd, b + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    if (!b)
        return -ENOMEM;
    b[len] = '\0';
    *out = b;
    return (ssize_t)len;
}

int hf_proc_boot_time(int procfd, double *btime)
{
    char *data, *p;
    ssize_t n = read_all_at(procfd, "stat", 16u << 20, &data);

    if (n < 0)
        return (int)n;
    for (p = data; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        unsigned long long v;
        if (strncmp(p, "btime ", 6) == 0 && sscanf(p + 6, "%llu", &v) == 1) {
            *btime = (double)v;
            free(data);
            return 0;
        }
    }
    free(data);
    return -ENODATA;
}
