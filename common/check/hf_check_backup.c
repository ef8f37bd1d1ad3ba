/* The backup check: age, size and integrity of the newest backup matching
 * the glob (hf_backup_probe). The live database is only excluded, never
 * opened; the backup is opened read-only and immutable.
 *
 * Findings (object "": the newest backup is the check's one object, its
 * file name changes with every backup):
 *   backup.missing    CRITICAL: no backup matches the glob
 *   backup.overdue    older than age-warning (WARNING, 26 h) or age-critical
 *                     (CRITICAL, 50 h): -w/-c set these, in hours
 *   backup.small      CRITICAL: smaller than min-size bytes (1: an empty file)
 *   backup.shrunk     WARNING: smaller than the previous backup by more than
 *                     shrink-warning percent (50)
 *   backup.corrupt    CRITICAL: PRAGMA quick_check found problems, or the
 *                     file is not a database (SQLite's message, naming the file)
 *   backup.unchecked  UNKNOWN: quick_check could not run to a verdict
 *   backup.ok         OK: the age, the size, the quick_check that passed
 *   backup.probe      UNKNOWN: the glob could not be searched
 * Metrics: age s (ranges: the hours in seconds), size B, size_change %
 * (when there is a previous backup; warning range -<shrink-warning>:).
 * Summary: "helixflow-20261130-020000.db: 3.2 hours old, 81920 bytes
 * (+1.2% vs previous), quick_check ok".
 * State: the quick_check verdict of the newest backup's exact version
 * (hf_backup_verdict; a sealed file), reused for up to a day. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_backup.h"
#include "hf_check.h"
#include "hf_sqlite.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"

enum {
    BK_GLOB = HF_SET_KIND0,
    BK_DB,
    BK_AGE_WARNING,
    BK_AGE_CRITICAL,
    BK_SHRINK,
    BK_MIN_SIZE,
    BK_NO_QUICK_CHECK,
    BK_WARNING,
    BK_CRITICAL,
};

static const hf_setting_def bk_defs[] = {
    {"backup-glob", HF_SET_PATH, HF_DEFAULT_BACKUP_GLOB, 0, 0, HF_SETF_IDENTITY, "GLOB",
     "backup files; the newest by mtime is checked", NULL},
    {"db", HF_SET_PATH, HF_DEFAULT_DB, 0, 0, HF_SETF_IDENTITY, "FILE",
     "the live database: excluded, never opened", NULL},
    {"age-warning", HF_SET_RANGE, HF_THR_BACKUP_AGE_WARN, 0, 0, 0, "HOURS",
     "warning range of the newest backup's age in hours", NULL},
    {"age-critical", HF_SET_RANGE, HF_THR_BACKUP_AGE_CRIT, 0, 0, 0, "HOURS",
     "critical range of the newest backup's age in hours", NULL},
    {"shrink-warning", HF_SET_DOUBLE, HF_THR_BACKUP_SHRINK_PCT, 0, 100, 0, "PCT",
     "warn when smaller than the previous backup by more than PCT %", NULL},
    {"min-size", HF_SET_DOUBLE, HF_THR_BACKUP_MIN_BYTES, 0, INFINITY, 0, "BYTES",
     "critical below this size (1: an empty file)", NULL},
    {"no-quick-check", HF_SET_FLAG, NULL, 0, 0, HF_SETF_IDENTITY, NULL,
     "skip PRAGMA quick_check (read-only, immutable open)", NULL},
    {"warning", HF_SET_RANGE, NULL, 0, 0, 0, "HOURS", "the age warning range in hours", "age-warning"},
    {"critical", HF_SET_RANGE, NULL, 0, 0, 0, "HOURS", "the age critical range in hours", "age-critical"},
};

/* The same range in seconds, for the age metric. */
static void bk_range_secs(const hf_range *h, hf_range *s)
{
    char t[96];
    int n = 0;

    memset(s, 0, sizeof(*s));
    if (!h->set)
        return;
    n += snprintf(t + n, sizeof(t) - (size_t)n, "%s", h->inside ? "@" : "");
    if (h->start_neg_inf)
        n += snprintf(t + n, sizeof(t) - (size_t)n, "~:");
    else if (h->start != 0 || h->end_inf)
        n += snprintf(t + n, sizeof(t) - (size_t)n, "%.0f:", h->start * 3600);
    if (!h->end_inf)
        snprintf(t + n, sizeof(t) - (size_t)n, "%.0f", h->end * 3600);
    hf_range_parse(t, s, NULL, 0);
}

static const char *bk_base(const hf_backup_result *r)
{
    const char *slash = strrchr(r->path, '/');

    return slash ? slash + 1 : r->path;
}

/* Age, then size (minimum, shrinkage against the previous backup). */
static void bk_age_size(hf_report *out, const hf_settings *s, const hf_backup_result *r)
{
    const char *base = bk_base(r);
    double hours = r->age_s / 3600.0, min_size = hf_settings_double(s, BK_MIN_SIZE);
    hf_state st = hf_range_eval(hf_settings_range(s, BK_AGE_WARNING), hf_settings_range(s, BK_AGE_CRITICAL),
                                hours);
    bool change = r->has_prev && !isnan(r->size_change_pct);
    bool small = (double)r->size < min_size;
    bool shrunk = change && r->size_change_pct < -hf_settings_double(s, BK_SHRINK);

    hf_report_add(out, st, "", st == HF_OK ? "backup.ok" : "backup.overdue", "%s is %.1f hours old",
                  base, hours);
    if (small)
        hf_report_add(out, HF_CRITICAL, "", "backup.small", "%s is %" PRIu64 " bytes (minimum %.0f)",
                      base, r->size, min_size);
    if (shrunk)
        hf_report_add(out, HF_WARNING, "", "backup.shrunk", "%s is %.1f%% smaller than the previous backup",
                      base, -r->size_change_pct);
    if (!small && !shrunk && change)
        hf_report_add(out, HF_OK, "", "backup.ok", "%s is %" PRIu64 " bytes (%+.1f%% vs previous)", base,
                      r->size, r->size_change_pct);
    else if (!small && !shrunk)
        hf_report_add(out, HF_OK, "", "backup.ok", "%s is %" PRIu64 " bytes", base, r->size);
}

static void bk_integrity(hf_report *out, const hf_settings *s, const hf_backup_result *r)
{
    if (r->checked && !r->check_ok)
        hf_report_add(out, HF_CRITICAL, "", "backup.corrupt", "%s", r->check_msg);
    else if (r->checked)
        hf_report_add(out, HF_OK, "", "backup.ok", "%s: quick_check ok%s", bk_base(r),
                      r->check_memo ? " (the verdict kept for this unchanged file)" : "");
    else if (!hf_settings_flag(s, BK_NO_QUICK_CHECK))
        hf_report_add(out, HF_UNKNOWN, "", "backup.unchecked", "%s", r->check_msg);
}

static void bk_metrics(hf_report *out, const hf_settings *s, const hf_backup_result *r)
{
    hf_range ws, cs, shrink;
    char t[32];

    bk_range_secs(hf_settings_range(s, BK_AGE_WARNING), &ws);
    bk_range_secs(hf_settings_range(s, BK_AGE_CRITICAL), &cs);
    hf_report_metric(out, "age", "", "age", round(r->age_s), "s", &ws, &cs, 0, NAN);
    hf_report_metric(out, "size", "", "size", (double)r->size, "B", NULL, NULL, 0, NAN);
    if (!r->has_prev)
        return;
    snprintf(t, sizeof(t), "%.6g:", -hf_settings_double(s, BK_SHRINK));
    hf_range_parse(t, &shrink, NULL, 0);
    hf_report_metric(out, "size_change", "", "size_change",
                     isnan(r->size_change_pct) ? NAN : round(r->size_change_pct * 10) / 10, "%", &shrink,
                     NULL, NAN, NAN);
}

void hf_check_backup_judge(const hf_settings *s, const hf_backup_result *res, hf_report *out)
{
    char glob[HF_PATH_MAX], change[64] = "";

    if (res->err[0]) {
        hf_report_add(out, HF_UNKNOWN, "", "backup.probe", "%s", res->err);
        return;
    }
    if (!res->found) {
        if (hf_settings_path(s, BK_GLOB, glob, sizeof(glob)) < 0)
            hf_strlcpy(glob, hf_settings_str(s, BK_GLOB), sizeof(glob));
        hf_report_add(out, HF_CRITICAL, "", "backup.missing", "no backup matches %s%s", glob,
                      res->excluded_live ? " (the live database is excluded)" : "");
        hf_report_value(out, "", "ok", 0, "b");
        return;
    }
    bk_age_size(out, s, res);
    bk_integrity(out, s, res);
    if (res->has_prev && !isnan(res->size_change_pct))
        snprintf(change, sizeof(change), " (%+.1f%% vs previous)", res->size_change_pct);
    hf_report_summary(out, "%s: %.1f hours old, %" PRIu64 " bytes%s%s", bk_base(res), res->age_s / 3600.0,
                      res->size, change, hf_settings_flag(s, BK_NO_QUICK_CHECK) ? "" : ", quick_check ok");
    bk_metrics(out, s, res);
    /* value: a usable backup (present, fresh enough, whole): no CRITICAL finding */
    hf_report_value(out, "", "ok", hf_report_object_state(out, "") == HF_CRITICAL ? 0 : 1, "b");
}

static void bk_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    char glob[HF_PATH_MAX], db[HF_PATH_MAX];
    hf_backup_config cfg = {
        .glob = glob, .live_db = db, .quick_check = !hf_settings_flag(s, BK_NO_QUICK_CHECK),
        .timeout_ms = hf_check_ms_left(ctx) * 3 / 4, .memo = st,
    };
    hf_backup_result *r = calloc(1, sizeof(*r));

    if (!r) {
        hf_report_add(out, HF_UNKNOWN, "", "check.oom", "out of memory");
        return;
    }
    if (cfg.timeout_ms < 1)
        cfg.timeout_ms = 1;
    if (hf_settings_path(s, BK_GLOB, glob, sizeof(glob)) < 0 || hf_settings_path(s, BK_DB, db, sizeof(db)) < 0)
        hf_err_set(r->err, sizeof(r->err), "the backup glob or database path under root is too long");
    else if (hf_backup_probe(&cfg, r) < 0 && !r->err[0])
        hf_err_set(r->err, sizeof(r->err), "cannot search %s", glob);
    hf_check_backup_judge(s, r, out);
    free(r);
}

static void *bk_state_new(void)
{
    return calloc(1, sizeof(hf_backup_verdict));
}

static void bk_state_free(void *st)
{
    free(st);
}

static int bk_state_load(void *st, const char *path, char *err, size_t n)
{
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return -ENOENT;
    return hf_backup_verdict_read(st, path, err, n);    /* clears the verdict on error */
}

static int bk_state_save(void *st, const char *path, char *err, size_t n)
{
    return hf_backup_verdict_write(st, path, err, n);
}

const hf_check_kind hf_check_backup = {
    .name = "backup",
    .init = hf_sqlite_global_init,
    .title = "BACKUP",
    .doc = "Checks the newest backup (by mtime) matching the glob: its age, its size (empty,\n"
           "shrunk against the previous one) and PRAGMA quick_check of the backup copy. The\n"
           "live database is excluded, never opened. -w/-c are the age in hours.",
    .defs = bk_defs,
    .ndefs = HF_ARRAY_SIZE(bk_defs),
    .state_new = bk_state_new,
    .state_free = bk_state_free,
    .state_load = bk_state_load,
    .state_save = bk_state_save,
    .eval = bk_eval,
};
