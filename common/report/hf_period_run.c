/* hf_period_run: one report run for a front-end (design in hf_period.h):
 * the state directory and file under a lock, the update of the days, the
 * filesystem, then the figures. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_cert.h"
#include "hf_period.h"
#include "hf_resources.h"

/* mkdir -p dir (mode 0750), then refuse it unless private. */
static int hf_period_mkdirs(const char *path, char *err, size_t n)
{
    char dir[HF_PATH_MAX];

    if (hf_strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
        hf_err_set(err, n, "state directory %s: path too long", path);
        return -ENAMETOOLONG;
    }
    for (char *p = dir + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        if (mkdir(dir, 0750) < 0 && errno != EEXIST) {
            int r = -errno;
            hf_err_set(err, n, "state directory %s: %s", dir, strerror(-r));
            return r;
        }
        *p = c;
        if (!c)
            break;
    }
    return hf_dir_check_private(dir, err, n);
}

/* Ready the directory, name the state file, lock it: the lock's
 * descriptor, or negative errno with err. */
static int hf_period_lock(const hf_period_config *cfg, const hf_days_config *dc, double deadline,
                          char *path, size_t pn, char *err, size_t n)
{
    char name[256], lock[HF_PATH_MAX + 8];
    int r;

    if ((r = hf_period_mkdirs(cfg->state_dir, err, n)) < 0)
        return r;
    if ((r = hf_days_state_name(dc, name, sizeof(name))) < 0 ||
        (size_t)snprintf(path, pn, "%s/%s", cfg->state_dir, name) >= pn) {
        hf_err_set(err, n, "state file in %s: path too long", cfg->state_dir);
        return -ENAMETOOLONG;
    }
    snprintf(lock, sizeof(lock), "%s.lock", path);
    return hf_file_lock(lock, deadline, err, n);
}

static double hf_period_disk(const hf_period_config *cfg)
{
    hf_resources_cfg rc = {0};
    hf_resources_result *res = calloc(1, sizeof(*res));
    char dir[HF_PATH_MAX];
    double pct = NAN;

    if (!res)
        return NAN;
    if (cfg->fs_path && *cfg->fs_path) {
        rc.path = cfg->fs_path;
    } else {
        hf_strlcpy(dir, cfg->db.path, sizeof(dir));
        rc.path = dirname(dir);
    }
    if (hf_resources_probe(&rc, NULL, res) == 0)
        pct = res->fs_used_pct;
    free(res);
    return pct;
}

/* The certificates' days left: the least over the files read (the cert
 * probe, no verification: the report only dates them). */
static void hf_period_certs(const hf_period_config *cfg, double now, hf_period_host *h)
{
    static const char *const std[] = {HF_DEFAULT_CERTS};
    const char *const *names = cfg->certs ? cfg->certs : std;
    size_t n = cfg->certs ? cfg->ncerts : HF_ARRAY_SIZE(std);
    char path[HF_PATH_MAX], name[80];

    if (!cfg->cert_dir || !*cfg->cert_dir)
        return;
    hf_cert_global_init();
    for (size_t i = 0; i < n; i++) {
        hf_cert_config cc = {.path = path, .name = path, .no_verify = true, .now = now};
        hf_cert_result res;
        snprintf(name, sizeof(name), "%.70s.crt", names[i]);
        if ((size_t)snprintf(path, sizeof(path), "%s/%s", cfg->cert_dir, name) >= sizeof(path))
            continue;
        if (hf_cert_probe(&cc, &res) == 0 && res.ncerts) {
            double d = res.certs[res.earliest].days_left;
            if (!h->certs_read++ || d < h->cert_days) {
                h->cert_days = d;
                hf_strlcpy(h->cert_name, name, sizeof(h->cert_name));
            }
        } else if (!h->certs_failed++) {
            hf_strlcpy(h->cert_error, res.error[0] ? res.error : "no certificate",
                       sizeof(h->cert_error));
        }
        hf_cert_result_free(&res);
    }
}

static int hf_period_errno(hf_days_status s)
{
    switch (s) {
    case HF_DAYS_OK: return 0;
    case HF_DAYS_MISSING: return -ENOENT;
    case HF_DAYS_LOCKED: return -EBUSY;
    case HF_DAYS_CORRUPT: return -EILSEQ;
    case HF_DAYS_SCHEMA: return -EINVAL;
    case HF_DAYS_TIMEOUT: return -ETIMEDOUT;
    default: return -EIO;
    }
}

int hf_period_run(const hf_period_config *cfg, hf_period_report *out, char *err, size_t n)
{
    hf_days_config dc = cfg->db;
    hf_days_result res;
    hf_days_state *st = hf_days_state_new();
    char path[HF_PATH_MAX] = "", note[HF_ERR_MAX + 64] = "", e[HF_ERR_MAX];
    long budget = dc.budget_ms > 0 ? dc.budget_ms : 60000;
    double wait = (double)budget / 4000.0;
    int fd = -1, r;

    if (!st) {
        hf_period_build(cfg, NULL, NULL, NULL, out);
        hf_err_set(err, n, "out of memory");
        return -ENOMEM;
    }
    if (dc.now <= 0)
        dc.now = hf_real_now();
    dc.need_day = hf_period_need_day(cfg, dc.now);
    if (cfg->state_dir && *cfg->state_dir) {
        fd = hf_period_lock(cfg, &dc, hf_mono_now() + (wait < 10 ? wait : 10), path,
                            sizeof(path), e, sizeof(e));
        if (fd < 0) {
            snprintf(note, sizeof(note), "not kept: %s (everything was read)", e);
            path[0] = '\0';
        } else if ((r = hf_days_state_load(st, path, e, sizeof(e))) == -ENOENT) {
            snprintf(note, sizeof(note), "created");
        } else if (r < 0) {
            snprintf(note, sizeof(note), "%s; rebuilt", e);
        } else {
            snprintf(note, sizeof(note), "loaded");
        }
    } else {
        snprintf(note, sizeof(note), "none (--no-state: everything was read)");
    }
    hf_days_update(&dc, st, &res);
    if (res.status == HF_DAYS_OK && res.rebuilt[0] && strcmp(note, "loaded") == 0)
        snprintf(note, sizeof(note), "rebuilt: %s", res.rebuilt);
    if (fd >= 0) {
        if (hf_days_state_dirty(st) && hf_days_state_save(st, path, e, sizeof(e)) < 0)
            snprintf(note, sizeof(note), "not saved: %s", e);
        close(fd);
    }
    {
        hf_period_config c2 = *cfg;
        hf_period_host host;
        hf_period_host_init(&host);
        c2.db.now = dc.now;
        if (res.status == HF_DAYS_OK) {
            host.disk_pct = hf_period_disk(cfg);
            hf_period_certs(cfg, dc.now, &host);
        }
        hf_period_build(&c2, res.status == HF_DAYS_OK ? st : NULL, &res, &host, out);
    }
    hf_strlcpy(out->state_path, path, sizeof(out->state_path));
    hf_strlcpy(out->state_note, note, sizeof(out->state_note));
    hf_days_state_free(st);
    if (res.status != HF_DAYS_OK) {
        hf_err_set(err, n, "%s", res.err[0] ? res.err : hf_days_status_name(res.status));
        return hf_period_errno(res.status);
    }
    return 0;
}
