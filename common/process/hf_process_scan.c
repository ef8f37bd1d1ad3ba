/* hf_process_scan: one readdir of /proc matching exact executable paths.
 *
 * The cost per host process is one readdir entry and one readlinkat on
 * "<pid>/exe" relative to the /proc dirfd, plus a hash lookup; stat
 * and fd are read only for matches (by the caller). */
#include "hf_process_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int hf_proc_set_add_pid(hf_proc_set *s, pid_t pid)
{
    for (size_t i = 0; i < s->npids; i++)
        if (s->pids[i] == pid)
            return 0;
    if (hf_array_reserve(&s->pids, &s->cappids, s->npids, sizeof(*s->pids), 16) < 0)
        return -ENOMEM;
    s->pids[s->npids++] = pid;
    return 0;
}

void hf_proc_set_free(hf_proc_set *s)
{
    if (!s)
        return;
    free(s->v);
    free(s->pids);
    memset(s, 0, sizeof(*s));
}

static uint32_t fnv1a(const char *s, size_t len)
{
    return (uint32_t)hf_hash64(s, len, HF_HASH_SEED);
}

int hf_proc_wanted_add(hf_proc_wanted *w, size_t capacity, const char *path, int svc, int *dup_svc)
{
    size_t len = strlen(path);
    uint32_t h = fnv1a(path, len);
    size_t i;

    if (!w->slots) {
        size_t n = 8;
        while (n < capacity * 2)
            n *= 2;
        w->slots = calloc(n, sizeof(*w->slots));
        if (!w->slots)
            return -ENOMEM;
        w->mask = n - 1;
        w->minlen = (size_t)-1;
    }
    for (i = h & w->mask; w->slots[i].path; i = (i + 1) & w->mask) {
        if (w->slots[i].hash == h && w->slots[i].len == len && memcmp(w->slots[i].path, path, len) == 0) {
            *dup_svc = w->slots[i].svc;
            return -EEXIST;
        }
    }
    w->slots[i] = (hf_proc_wanted_slot){.path = path, .len = len, .hash = h, .svc = svc};
    if (len < w->minlen)
        w->minlen = len;
    if (len > w->maxlen)
        w->maxlen = len;
    return 0;
}

int hf_proc_wanted_find(const hf_proc_wanted *w, const char *path, size_t len)
{
    uint32_t h;

    if (!w->slots || len < w->minlen || len > w->maxlen)
        return -1;
    h = fnv1a(path, len);
    for (size_t i = h & w->mask; w->slots[i].path; i = (i + 1) & w->mask)
        if (w->slots[i].hash == h && w->slots[i].len == len && memcmp(w->slots[i].path, path, len) == 0)
            return w->slots[i].svc;
    return -1;
}

void hf_proc_wanted_free(hf_proc_wanted *w)
{
    if (!w)
        return;
    free(w->slots);
    memset(w, 0, sizeof(*w));
}

static bool all_digits(const char *s)
{
    if (*s < '1' || *s > '9')
        return false;
    for (s++; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

int hf_proc_scan(int procfd, const hf_proc_wanted *w, hf_proc_set *sets, size_t *scanned,
                 double deadline, char *err, size_t errlen)
{
    int fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d;
    struct dirent *de;
    char buf[HF_PATH_MAX];
    size_t n = 0;
    int rc = 0;

    if (fd < 0 || !(d = fdopendir(fd))) {
        rc = -errno;
        if (fd >= 0)
            close(fd);
        hf_err_set(err, errlen, "cannot read the process directory: %s", strerror(-rc));
        return rc;
    }
    while ((de = readdir(d))) {
        bool deleted, argv0;
        ssize_t len;
        int svc;

        if (!all_digits(de->d_name))
            continue;
        if ((++n & 255) == 0 && deadline > 0 && hf_mono_now() > deadline) {
            hf_err_set(err, errlen, "process scan timed out after %zu processes", n);
            rc = -ETIMEDOUT;
            break;
        }
        len = hf_proc_exe2(procfd, de->d_name, buf, sizeof(buf), &deleted, &argv0);
        if (len <= 0)
            continue;           /* vanished, kernel thread, unreadable: not ours */
        svc = hf_proc_wanted_find(w, buf, (size_t)len);
        if (svc < 0)
            continue;
        rc = hf_proc_set_add_pid(&sets[svc], (pid_t)atoi(de->d_name));
        if (rc < 0) {
            hf_err_set(err, errlen, "out of memory in the process scan");
            break;
        }
        sets[svc].deleted |= deleted;
        sets[svc].argv0 |= argv0;
    }
    closedir(d);
    *scanned = n;
    return rc;
}
