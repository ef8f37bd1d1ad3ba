/* hf_check: evaluation with in-memory state, and the one-shot run that
 * loads, locks and saves the state file (policy in hf_check.h). */
#include "hf_check.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_util.h"

void hf_check_init(const hf_check_kind *k)
{
    if (k && k->init)
        k->init();              /* the kind's own pthread_once */
}

hf_check_ctx hf_check_ctx_make(double timeout_s, double margin_s, double outer_deadline)
{
    hf_check_ctx c;

    c.start = hf_mono_now();
    c.deadline = c.start + timeout_s - margin_s;
    c.shared = false;
    if (outer_deadline > 0 && outer_deadline < c.deadline) {
        c.deadline = outer_deadline;
        c.shared = true;
    }
    if (c.deadline < c.start + 0.001)
        c.deadline = c.start + 0.001;
    return c;
}

long hf_check_ms_left(const hf_check_ctx *ctx)
{
    double left = (ctx->deadline - hf_mono_now()) * 1000.0;

    return left < 1 ? 1 : (long)left;
}

int hf_check_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    *bad = -1;
    if (s->kind->validate && s->kind->validate(s, bad, err, n) < 0)
        return -EINVAL;
    return 0;
}

void *hf_check_state_new(const hf_check_kind *k)
{
    return k->state_new ? k->state_new() : NULL;
}

void hf_check_state_free(const hf_check_kind *k, void *st)
{
    if (st && k->state_free)
        k->state_free(st);
}

static int hf_check_state_dir(const hf_settings *s, char *dir, size_t n)
{
    return hf_settings_path(s, HF_SET_STATE_DIR, dir, n);
}

int hf_check_state_path(const hf_settings *s, char *out, size_t n)
{
    char dir[HF_PATH_MAX];
    int r = hf_check_state_dir(s, dir, sizeof(dir));

    if (r < 0)
        return r;
    if ((size_t)snprintf(out, n, "%s/%s-%016" PRIx64 ".state", dir, s->kind->name,
                         hf_settings_identity(s)) >= n)
        return -ENAMETOOLONG;
    return 0;
}

/* mkdir -p dir (mode 0750), then refuse it unless private. */
static int hf_check_mkdirs(char *dir, char *err, size_t n)
{
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
            int r = -errno;
            *p = '/';
            hf_err_set(err, n, "state directory %s: %s", dir, strerror(-r));
            return r;
        }
        *p = '/';
    }
    if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
        int r = -errno;
        hf_err_set(err, n, "state directory %s: %s", dir, strerror(-r));
        return r;
    }
    return hf_dir_check_private(dir, err, n);
}

/* Ready the directory and lock the state file: the lock's descriptor, or
 * negative errno with err. path receives the state file's name. */
static int hf_check_lock(const hf_settings *s, double deadline, char *path, size_t pn, char *err,
                         size_t n)
{
    char dir[HF_PATH_MAX], lock[HF_PATH_MAX];
    int r = hf_check_state_dir(s, dir, sizeof(dir));

    if (r == 0)
        r = hf_check_state_path(s, path, pn);
    if (r < 0) {
        hf_err_set(err, n, "state directory: %s", strerror(-r));
        return r;
    }
    if ((r = hf_check_mkdirs(dir, err, n)) < 0)
        return r;
    if ((size_t)snprintf(lock, sizeof(lock), "%s.lock", path) >= sizeof(lock)) {
        hf_err_set(err, n, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    return hf_file_lock(lock, deadline, err, n);
}

int hf_check_state_save(const hf_settings *s, void *st, double deadline, char *err, size_t n)
{
    char path[HF_PATH_MAX];
    int fd, r;

    if (!st || !s->kind->state_save)
        return 0;
    if ((fd = hf_check_lock(s, deadline, path, sizeof(path), err, n)) < 0)
        return fd;
    r = s->kind->state_save(st, path, err, n);
    close(fd);
    return r;
}

int hf_check_state_load(const hf_settings *s, void *st, double deadline, char *err, size_t n)
{
    char path[HF_PATH_MAX];
    int fd, r;

    if (!st || !s->kind->state_load)
        return 0;
    if ((fd = hf_check_lock(s, deadline, path, sizeof(path), err, n)) < 0)
        return fd;
    r = s->kind->state_load(st, path, err, n);
    close(fd);
    return r;
}

void hf_check_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    hf_check_init(s->kind);
    s->kind->eval(s, st, ctx, out);
}

/* A state path that is not a regular file (a directory, a fifo) cannot be
 * replaced by rename: move it aside to <path>.unusable[.N] so the save
 * rebuilds the file. Appends where it went to the finding's text. */
static void hf_check_aside(const char *path, hf_buf *note)
{
    char aside[HF_PATH_MAX + 32];
    struct stat st, other;

    if (lstat(path, &st) < 0 || S_ISREG(st.st_mode))
        return;
    for (int i = 0; i < 10; i++) {
        snprintf(aside, sizeof(aside), i ? "%s.unusable.%d" : "%s.unusable", path, i);
        if (lstat(aside, &other) == 0)
            continue;
        if (rename(path, aside) == 0)
            hf_buf_printf(note, " (the %s was moved aside to %s)",
                          S_ISDIR(st.st_mode) ? "directory" : "file", aside);
        return;
    }
}

/* The lock wait: a quarter of what is left. */
static double hf_check_lock_deadline(const hf_check_ctx *ctx)
{
    double now = hf_mono_now();

    return now + (ctx->deadline - now) / 4;
}

void hf_check_run_once(const hf_settings *s, const hf_check_ctx *ctx, hf_report *out)
{
    const hf_check_kind *k = s->kind;
    char path[HF_PATH_MAX], err[HF_ERR_MAX];
    void *st = hf_check_state_new(k);
    int fd = -1, r;

    if (k->state_new && !st) {
        hf_check_oom_finding(out);
        return;
    }
    if (st) {
        fd = hf_check_lock(s, hf_check_lock_deadline(ctx), path, sizeof(path), err, sizeof(err));
        if (fd < 0) {
            hf_report_add(out, HF_UNKNOWN, "", fd == -EWOULDBLOCK ? "state.locked" : "state.directory",
                          "%s (nothing is kept between runs)", err);
        } else if ((r = k->state_load(st, path, err, sizeof(err))) < 0 && r != -ENOENT) {
            hf_buf note = {0};
            hf_check_aside(path, &note);
            hf_report_add(out, HF_WARNING, "", "state.reset", "%s; starting afresh%s", err,
                          hf_buf_str(&note));
            hf_buf_free(&note);
        }
    }
    hf_check_eval(s, st, ctx, out);
    if (fd >= 0) {
        if (k->state_save(st, path, err, sizeof(err)) < 0)
            hf_report_add(out, HF_WARNING, "", "state.save", "%s", err);
        close(fd);
    }
    hf_check_state_free(k, st);
}

void hf_check_usage_finding(hf_report *out, const char *msg)
{
    hf_report_add(out, HF_UNKNOWN, "", "check.usage", "%s", msg);
}

void hf_check_oom_finding(hf_report *out)
{
    hf_report_add(out, HF_UNKNOWN, "", "check.oom", "out of memory");
}

void hf_check_out_of_time_finding(hf_report *out, double budget_s, bool started)
{
    if (started)
        hf_report_add(out, HF_UNKNOWN, "", "check.out_of_time",
                      "not finished within check_helixflow's -t of %g s", budget_s);
    else
        hf_report_add(out, HF_UNKNOWN, "", "check.out_of_time",
                      "not run: check_helixflow's -t of %g s ran out", budget_s);
}
