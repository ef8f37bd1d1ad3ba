/* check_helixflow_backup: age, size and integrity of the newest backup
 * (hf_backup_probe). The live database is only excluded, never opened. */
#include "modes.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_backup.h"
#include "hf_defaults.h"

typedef struct hfm_backup_opts {
    const char *glob;           /* NULL: the default glob under --root */
    const char *db;             /* NULL: <root>/opt/helixflow/data/helixflow.db */
    hf_range age_warn, age_crit;        /* hours */
    double shrink_pct;
    double min_size;
    bool no_quick_check;
} hfm_backup_opts;

enum {
    HFM_BACKUP_OPT_GLOB = HFN_MODE_OPT,
    HFM_BACKUP_OPT_DB,
    HFM_BACKUP_OPT_AGE_WARN,
    HFM_BACKUP_OPT_AGE_CRIT,
    HFM_BACKUP_OPT_SHRINK,
    HFM_BACKUP_OPT_MIN_SIZE,
    HFM_BACKUP_OPT_NO_CHECK,
};

static const struct option hfm_backup_longopts[] = {
    {"backup-glob", required_argument, NULL, HFM_BACKUP_OPT_GLOB},
    {"db", required_argument, NULL, HFM_BACKUP_OPT_DB},
    {"age-warning", required_argument, NULL, HFM_BACKUP_OPT_AGE_WARN},
    {"age-critical", required_argument, NULL, HFM_BACKUP_OPT_AGE_CRIT},
    {"shrink-warning", required_argument, NULL, HFM_BACKUP_OPT_SHRINK},
    {"min-size", required_argument, NULL, HFM_BACKUP_OPT_MIN_SIZE},
    {"no-quick-check", no_argument, NULL, HFM_BACKUP_OPT_NO_CHECK},
    {0},
};

/* A daily backup with slack: older than 26 h warns, older than 50 h (two
 * missed runs) is critical. */
static void hfm_backup_defaults(void *o)
{
    hfm_backup_opts *opts = o;

    memset(opts, 0, sizeof(*opts));
    hf_range_parse("26", &opts->age_warn, NULL, 0);
    hf_range_parse("50", &opts->age_crit, NULL, 0);
    opts->shrink_pct = 50;
    opts->min_size = 1;
}

static int hfm_backup_option(hfn *p, void *o, int opt, const char *arg)
{
    hfm_backup_opts *opts = o;

    switch (opt) {
    case HFM_BACKUP_OPT_GLOB:
        if (!*arg)
            return hfn_bad_usage(p, "--backup-glob: empty pattern");
        opts->glob = arg;
        return 0;
    case HFM_BACKUP_OPT_DB:
        if (!*arg)
            return hfn_bad_usage(p, "--db: empty path");
        opts->db = arg;
        return 0;
    case HFM_BACKUP_OPT_AGE_WARN:
        return hfn_range_arg(p, "--age-warning", arg, &opts->age_warn);
    case HFM_BACKUP_OPT_AGE_CRIT:
        return hfn_range_arg(p, "--age-critical", arg, &opts->age_crit);
    case HFM_BACKUP_OPT_SHRINK:
        if (hfn_double_arg(p, "--shrink-warning", arg, 0, &opts->shrink_pct) < 0)
            return -1;
        if (opts->shrink_pct > 100)
            return hfn_bad_usage(p, "--shrink-warning: '%s' is not a percentage from 0 to 100", arg);
        return 0;
    case HFM_BACKUP_OPT_MIN_SIZE:
        return hfn_double_arg(p, "--min-size", arg, 0, &opts->min_size);
    case HFM_BACKUP_OPT_NO_CHECK:
        opts->no_quick_check = true;
        return 0;
    default:
        return hfn_bad_usage(p, "unknown option");
    }
}

static int hfm_backup_validate(hfn *p, void *o)
{
    hfm_backup_opts *opts = o;

    if (p->warn.set)
        opts->age_warn = p->warn;       /* -w/-c: age in hours */
    if (p->crit.set)
        opts->age_crit = p->crit;
    return 0;
}

/* The same range in seconds, for perfdata. */
static void hfm_backup_range_secs(const hf_range *h, hf_range *s)
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

static void hfm_backup_report(hfn *p, const hfm_backup_opts *o, const hf_backup_result *r)
{
    const char *base = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
    double hours = r->age_s / 3600.0;
    hf_state st = hf_range_eval(&o->age_warn, &o->age_crit, hours);
    hf_range ws, cs, shrink;
    char change[64] = "";

    if (st != HF_OK)
        hfn_add(p, st, "%s is %.1f hours old", base, hours);
    if ((double)r->size < o->min_size)
        hfn_add(p, HF_CRITICAL, "%s is %" PRIu64 " bytes (minimum %.0f)", base, r->size, o->min_size);
    if (r->has_prev && !isnan(r->size_change_pct))
        snprintf(change, sizeof(change), " (%+.1f%% vs previous)", r->size_change_pct);
    if (r->has_prev && !isnan(r->size_change_pct) && r->size_change_pct < -o->shrink_pct)
        hfn_add(p, HF_WARNING, "%s is %.1f%% smaller than the previous backup", base, -r->size_change_pct);
    if (r->checked && !r->check_ok)
        hfn_add(p, HF_CRITICAL, "%s", r->check_msg);
    else if (!o->no_quick_check && !r->checked)
        hfn_add(p, HF_UNKNOWN, "%s", r->check_msg);
    hfn_summary(p, "%s: %.1f hours old, %" PRIu64 " bytes%s%s", base, hours, r->size, change,
                o->no_quick_check ? "" : ", quick_check ok");
    hfm_backup_range_secs(&o->age_warn, &ws);
    hfm_backup_range_secs(&o->age_crit, &cs);
    hfn_perf(p, "age", round(r->age_s), "s", &ws, &cs, 0, NAN);
    hfn_perf(p, "size", (double)r->size, "B", NULL, NULL, 0, NAN);
    memset(&shrink, 0, sizeof(shrink));
    if (r->has_prev) {
        char t[32];
        snprintf(t, sizeof(t), "%.6g:", -o->shrink_pct);
        hf_range_parse(t, &shrink, NULL, 0);
        hfn_perf(p, "size_change", isnan(r->size_change_pct) ? NAN : round(r->size_change_pct * 10) / 10,
                 "%", &shrink, NULL, NAN, NAN);
    }
}

static void hfm_backup_run(hfn *p, const void *vo)
{
    const hfm_backup_opts *o = vo;
    char glob[HF_PATH_MAX], db[HF_PATH_MAX], memo_path[HF_PATH_MAX];
    hf_backup_config cfg = {0};
    hf_backup_verdict memo;
    hf_backup_result *r = calloc(1, sizeof(*r));

    if (!r) {
        hfn_add(p, HF_UNKNOWN, "out of memory");
        return;
    }
    if ((!o->glob && hfn_path(p, glob, sizeof(glob), HF_DEFAULT_BACKUP_GLOB) < 0) ||
        (!o->db && hfn_path(p, db, sizeof(db), HF_DEFAULT_DB) < 0)) {
        hfn_add(p, HF_UNKNOWN, "--root: path too long");
        free(r);
        return;
    }
    cfg.glob = o->glob ? o->glob : glob;
    cfg.live_db = o->db ? o->db : db;
    cfg.quick_check = !o->no_quick_check;
    cfg.timeout_ms = hfn_time_left_ms(p) * 3 / 4;
    /* a backup does not change once written: its quick_check verdict is kept */
    if (hfn_state_path(p, memo_path, sizeof(memo_path), "backup-verdict.state") == 0) {
        hf_backup_verdict_load(&memo, memo_path);
        cfg.memo = &memo;
    }
    if (hf_backup_probe(&cfg, r) < 0)
        hfn_add(p, HF_UNKNOWN, "%s", r->err);
    else if (!r->found)
        hfn_add(p, HF_CRITICAL, "no backup matches %s%s", cfg.glob,
                r->excluded_live ? " (the live database is excluded)" : "");
    else
        hfm_backup_report(p, o, r);
    if (cfg.memo && r->checked && !r->check_memo && hf_backup_verdict_save(&memo, memo_path) < 0)
        hfn_add(p, HF_OK, "cannot keep the quick_check verdict in %s", memo_path);
    free(r);
}

const hfn_mode hfm_backup = {
    .name = "backup",
    .title = "BACKUP",
    .usage = "[--backup-glob GLOB] [--db FILE] [--age-warning HOURS] [--age-critical HOURS] "
             "[--shrink-warning PCT] [--min-size BYTES] [--no-quick-check]",
    .help = "Checks the newest backup (by mtime) matching the glob:\n"
            "  --backup-glob GLOB     backup files (default <root>/opt/helixflow/backups/*.db)\n"
            "  --db FILE              the live database: excluded, never opened\n"
            "                         (default <root>/opt/helixflow/data/helixflow.db)\n"
            "  --age-warning HOURS    range on the age in hours (default 26; -w sets it too)\n"
            "  --age-critical HOURS   (default 50; -c sets it too)\n"
            "  --shrink-warning PCT   warn when smaller than the previous backup by more than PCT %\n"
            "                         (default 50)\n"
            "  --min-size BYTES       critical below this size (default 1: an empty file)\n"
            "  --no-quick-check       skip PRAGMA quick_check (read-only, immutable open)\n",
    .opts_size = sizeof(hfm_backup_opts),
    .defaults = hfm_backup_defaults,
    .option = hfm_backup_option,
    .longopts = hfm_backup_longopts,
    .shortopts = "",
    .validate = hfm_backup_validate,
    .run = hfm_backup_run,
};
