/* check_helixflow_log: new error/warning/critical/security lines since the
 * last run (hf_logs_probe), thresholds per class, the last matching lines. */
#include "modes.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_defaults.h"
#include "hf_logs.h"

#define HFM_LOG_MAX_GLOBS 32
#define HFM_LOG_SEC_DAYS 30

typedef struct hfm_log_opts {
    const char *globs[HFM_LOG_MAX_GLOBS];
    size_t nglobs;
    const char *re[HF_LOGS_NCLASS];
    hf_range warn[HF_LOGS_NCLASS], crit[HF_LOGS_NCLASS];
    long lines;
    bool read_existing;
    double max_bytes;
} hfm_log_opts;

enum {
    HFM_LOG_OPT_LOG = HFN_MODE_OPT,
    HFM_LOG_OPT_RE,             /* + class */
    HFM_LOG_OPT_WARN = HFM_LOG_OPT_RE + HF_LOGS_NCLASS,        /* + class */
    HFM_LOG_OPT_CRIT = HFM_LOG_OPT_WARN + HF_LOGS_NCLASS,      /* + class */
    HFM_LOG_OPT_LINES = HFM_LOG_OPT_CRIT + HF_LOGS_NCLASS,
    HFM_LOG_OPT_READ_EXISTING,
    HFM_LOG_OPT_MAX_BYTES,
};

static const struct option hfm_log_longopts[] = {
    {"log", required_argument, NULL, HFM_LOG_OPT_LOG},
    {"error-regex", required_argument, NULL, HFM_LOG_OPT_RE + HF_LOGS_ERROR},
    {"warning-regex", required_argument, NULL, HFM_LOG_OPT_RE + HF_LOGS_WARNING},
    {"critical-regex", required_argument, NULL, HFM_LOG_OPT_RE + HF_LOGS_CRITICAL},
    {"security-regex", required_argument, NULL, HFM_LOG_OPT_RE + HF_LOGS_SECURITY},
    {"error-warning", required_argument, NULL, HFM_LOG_OPT_WARN + HF_LOGS_ERROR},
    {"warnings-warning", required_argument, NULL, HFM_LOG_OPT_WARN + HF_LOGS_WARNING},
    {"critical-warning", required_argument, NULL, HFM_LOG_OPT_WARN + HF_LOGS_CRITICAL},
    {"security-warning", required_argument, NULL, HFM_LOG_OPT_WARN + HF_LOGS_SECURITY},
    {"error-critical", required_argument, NULL, HFM_LOG_OPT_CRIT + HF_LOGS_ERROR},
    {"warnings-critical", required_argument, NULL, HFM_LOG_OPT_CRIT + HF_LOGS_WARNING},
    {"critical-critical", required_argument, NULL, HFM_LOG_OPT_CRIT + HF_LOGS_CRITICAL},
    {"security-critical", required_argument, NULL, HFM_LOG_OPT_CRIT + HF_LOGS_SECURITY},
    {"lines", required_argument, NULL, HFM_LOG_OPT_LINES},
    {"read-existing", no_argument, NULL, HFM_LOG_OPT_READ_EXISTING},
    {"max-bytes", required_argument, NULL, HFM_LOG_OPT_MAX_BYTES},
    {0},
};

/* Defaults (doc/readme-log.md): an error line is normal now and then, two
 * since the last run warn, more than 50 are critical; any critical/fatal/
 * panic line warns, more than 10 are critical; security events over 30
 * days: the guide's target is fewer than 5 a month, so the 5th warns. */
static const char *const hfm_log_def_warn[HF_LOGS_NCLASS] = {"1", NULL, "0", "4"};
static const char *const hfm_log_def_crit[HF_LOGS_NCLASS] = {"50", NULL, "10", "20"};
static const char *const hfm_log_opt_names[] = {"error", "warnings", "critical", "security"};

static void hfm_log_defaults(void *o)
{
    hfm_log_opts *opts = o;

    memset(opts, 0, sizeof(*opts));
    for (int c = 0; c < HF_LOGS_NCLASS; c++) {
        if (hfm_log_def_warn[c])
            hf_range_parse(hfm_log_def_warn[c], &opts->warn[c], NULL, 0);
        if (hfm_log_def_crit[c])
            hf_range_parse(hfm_log_def_crit[c], &opts->crit[c], NULL, 0);
    }
    opts->lines = 5;
}

static int hfm_log_option(hfn *p, void *o, int opt, const char *arg)
{
    hfm_log_opts *opts = o;
    char name[40];
    double v;

    if (opt == HFM_LOG_OPT_LOG) {
        if (!*arg)
            return hfn_bad_usage(p, "--log: empty pattern");
        if (opts->nglobs == HFM_LOG_MAX_GLOBS)
            return hfn_bad_usage(p, "--log: at most %d patterns", HFM_LOG_MAX_GLOBS);
        opts->globs[opts->nglobs++] = arg;
        return 0;
    }
    if (opt >= HFM_LOG_OPT_RE && opt < HFM_LOG_OPT_RE + HF_LOGS_NCLASS) {
        if (!*arg)
            return hfn_bad_usage(p, "--%s-regex: empty pattern", hf_logs_class_name(opt - HFM_LOG_OPT_RE));
        opts->re[opt - HFM_LOG_OPT_RE] = arg;
        return 0;
    }
    if (opt >= HFM_LOG_OPT_WARN && opt < HFM_LOG_OPT_CRIT + HF_LOGS_NCLASS) {
        bool w = opt < HFM_LOG_OPT_CRIT;
        int c = opt - (w ? HFM_LOG_OPT_WARN : HFM_LOG_OPT_CRIT);
        snprintf(name, sizeof(name), "--%s-%s", hfm_log_opt_names[c], w ? "warning" : "critical");
        return hfn_range_arg(p, name, arg, w ? &opts->warn[c] : &opts->crit[c]);
    }
    switch (opt) {
    case HFM_LOG_OPT_LINES:
        if (hfn_double_arg(p, "--lines", arg, 0, &v) < 0)
            return -1;
        if (v != (double)(long)v || v > 1000)
            return hfn_bad_usage(p, "--lines: '%s' is not a whole number from 0 to 1000", arg);
        opts->lines = (long)v;
        return 0;
    case HFM_LOG_OPT_READ_EXISTING:
        opts->read_existing = true;
        return 0;
    case HFM_LOG_OPT_MAX_BYTES:
        if (hfn_double_arg(p, "--max-bytes", arg, 1, &opts->max_bytes) < 0)
            return -1;
        return 0;
    default:
        return hfn_bad_usage(p, "unknown option");
    }
}

static int hfm_log_validate(hfn *p, void *o)
{
    hfm_log_opts *opts = o;
    hf_logs_matcher *m;
    char err[HF_ERR_MAX];

    if (hf_logs_matcher_new(opts->re, 0, &m, err, sizeof(err)) < 0)
        return hfn_bad_usage(p, "%s", err);
    hf_logs_matcher_free(m);
    if (p->warn.set)
        opts->warn[HF_LOGS_ERROR] = p->warn;    /* -w/-c: the error class */
    if (p->crit.set)
        opts->crit[HF_LOGS_ERROR] = p->crit;
    return 0;
}

/* "api-gateway.log: 3, auth-service.log: 1" for class c (top 3). */
static void hfm_log_by_file(const hf_logs_result *r, int c, hf_buf *b)
{
    bool used[64] = {false};
    size_t n = r->nfiles < 64 ? r->nfiles : 64;

    for (int k = 0; k < 3; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n; i++)
            if (!used[i] && r->files[i].count[c] &&
                (best == SIZE_MAX || r->files[i].count[c] > r->files[best].count[c]))
                best = i;
        if (best == SIZE_MAX)
            break;
        used[best] = true;
        const char *base = strrchr(r->files[best].path, '/');
        hf_buf_printf(b, "%s%s: %" PRIu64, k ? ", " : "", base ? base + 1 : r->files[best].path,
                      r->files[best].count[c]);
    }
}

static void hfm_log_class(hfn *p, const hfm_log_opts *o, const hf_logs_result *r, int c,
                          uint64_t sec30)
{
    hf_buf b = {0};
    uint64_t v = c == HF_LOGS_SECURITY ? sec30 : r->count[c];
    hf_state st = hf_range_eval(&o->warn[c], &o->crit[c], (double)v);

    if (c == HF_LOGS_SECURITY)
        hf_buf_printf(&b, "%" PRIu64 " security events in %d days (%" PRIu64 " new)", v,
                      HFM_LOG_SEC_DAYS, r->count[c]);
    else
        hf_buf_printf(&b, "%" PRIu64 " new %s line%s in %zu file%s", v, hf_logs_class_name(c),
                      v == 1 ? "" : "s", r->nwatched, r->nwatched == 1 ? "" : "s");
    if (r->count[c]) {
        hf_buf_append(&b, " (", 2);
        hfm_log_by_file(r, c, &b);
        hf_buf_append(&b, ")", 1);
    }
    if (st != HF_OK || p->verbose)
        hfn_add(p, st, "%s", hf_buf_str(&b));
    if (c == HF_LOGS_ERROR)
        hfn_summary(p, "%s", hf_buf_str(&b));
    hf_buf_free(&b);
}

static void hfm_log_events(hfn *p, const hf_logs_result *r)
{
    for (size_t i = 0; i < r->nevents; i++) {
        const hf_logs_event *e = &r->events[i];
        hf_state st = HF_OK;
        if (e->kind == HF_LOGS_EV_NOMATCH)
            st = HF_UNKNOWN;
        else if (e->kind == HF_LOGS_EV_UNREADABLE)
            st = HF_WARNING;
        if (e->kind == HF_LOGS_EV_NOMATCH)
            hfn_add(p, st, "no log file matches %s", e->path);
        else if (st != HF_OK || p->verbose)
            hfn_add(p, st, "%s: %s%s%s", e->path, hf_logs_event_name(e->kind),
                    e->detail ? " " : "", e->detail ? e->detail : "");
    }
}

/* The last matching lines, as plain long output: no '|' (perfdata), no
 * control bytes. */
static void hfm_log_lines(hfn *p, const hf_logs_result *r)
{
    for (size_t i = 0; i < r->nlines; i++) {
        const hf_logs_line *l = &r->lines[i];
        const char *base = strrchr(l->file, '/');
        char *t = strdup(l->text);
        if (!t)
            return;
        for (char *s = t; *s; s++)
            if (*s == '|')
                *s = '/';
            else if ((unsigned char)*s < 0x20 || *s == 0x7f)
                *s = '?';
        hfn_long(p, "%s: %s%s", base ? base + 1 : l->file, t, l->truncated ? " [truncated]" : "");
        free(t);
    }
}

static void hfm_log_perf(hfn *p, const hfm_log_opts *o, const hf_logs_result *r, uint64_t sec30)
{
    static const char *const labels[HF_LOGS_NCLASS] = {"errors", "warnings", "critical", "security"};

    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        hfn_perf(p, labels[c], (double)(c == HF_LOGS_SECURITY ? sec30 : r->count[c]), "",
                 &o->warn[c], &o->crit[c], 0, NAN);
    hfn_perf(p, "bytes", (double)r->bytes_new, "B", NULL, NULL, 0, NAN);
}

static uint64_t hfm_log_hash_globs(const hfm_log_opts *o, const char *const *globs, size_t n)
{
    hf_buf b = {0};
    uint64_t h;

    (void)o;
    for (size_t i = 0; i < n; i++)
        hf_buf_printf(&b, "%s\n", globs[i]);
    h = hf_logs_fp_hash(hf_buf_str(&b), b.len);
    hf_buf_free(&b);
    return h;
}

static void hfm_log_report(hfn *p, const hfm_log_opts *o, const hf_logs_result *r, uint64_t sec30)
{
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        hfm_log_class(p, o, r, c, sec30);
    if (r->first_run && !o->read_existing)
        hfn_summary(p, "first run: reading starts at the end of each file");
    if (r->backlog)
        hfn_summary(p, "%" PRIu64 " bytes left for the next run", r->backlog);
    hfm_log_events(p, r);
    hfm_log_lines(p, r);
    hfm_log_perf(p, o, r, sec30);
}

static void hfm_log_run(hfn *p, const void *vo)
{
    const hfm_log_opts *o = vo;
    char defglob[HF_PATH_MAX], spath[HF_PATH_MAX], fname[64], err[HF_ERR_MAX];
    const char *def[1] = {defglob};
    hf_logs_config cfg = {0};
    hf_logs_matcher *m = NULL;
    hf_logs_state st;
    hf_logs_result res;
    int lock, r;
    uint64_t sec30;
    double now = hf_real_now();

    cfg.globs = o->nglobs ? o->globs : def;
    cfg.nglobs = o->nglobs ? o->nglobs : 1;
    if (!o->nglobs && hfn_path(p, defglob, sizeof(defglob), HF_DEFAULT_LOG_GLOB) < 0) {
        hfn_add(p, HF_UNKNOWN, "--root: path too long");
        return;
    }
    snprintf(fname, sizeof(fname), "log-%016" PRIx64 ".state", hfm_log_hash_globs(o, cfg.globs, cfg.nglobs));
    if ((r = hfn_state_path(p, spath, sizeof(spath), fname)) < 0) {
        hfn_add(p, HF_UNKNOWN, "state directory: %s", strerror(-r));
        return;
    }
    if (hf_logs_matcher_new(o->re, 0, &m, err, sizeof(err)) < 0) {
        hfn_add(p, HF_UNKNOWN, "%s", err);
        return;
    }
    lock = hf_logs_state_lock(spath, hfn_time_left_ms(p) / 2, err, sizeof(err));
    if (lock < 0) {
        hfn_add(p, HF_UNKNOWN, "%s", err);
        hf_logs_matcher_free(m);
        return;
    }
    if (hf_logs_state_load(&st, spath, err, sizeof(err)) < 0)
        hfn_add(p, HF_WARNING, "%s; starting over", err);
    cfg.matcher = m;
    cfg.last_lines = (size_t)o->lines;
    cfg.read_existing = o->read_existing;
    cfg.byte_budget = (uint64_t)o->max_bytes;
    cfg.time_budget_ms = hfn_time_left_ms(p) * 3 / 4;
    if (hf_logs_probe(&cfg, &st, &res) < 0) {
        hfn_add(p, HF_UNKNOWN, "%s", res.err);
    } else {
        hf_logs_state_sec_add(&st, now, res.count[HF_LOGS_SECURITY]);
        sec30 = hf_logs_state_sec_sum(&st, now, HFM_LOG_SEC_DAYS);
        if (hf_logs_state_save(&st, spath, err, sizeof(err)) < 0)
            hfn_add(p, HF_UNKNOWN, "%s", err);
        hfm_log_report(p, o, &res, sec30);
    }
    hf_logs_result_free(&res);
    hf_logs_state_free(&st);
    hf_logs_matcher_free(m);
    close(lock);
}

const hfn_mode hfm_log = {
    .name = "log",
    .title = "LOG",
    .usage = "[--log GLOB]... [--state-dir DIR] [--error-regex RE] [--warning-regex RE] "
             "[--critical-regex RE] [--security-regex RE] [--error-warning R] [--error-critical R] "
             "[--critical-warning R] [--critical-critical R] [--security-warning R] "
             "[--security-critical R] [--warnings-warning R] [--warnings-critical R] [--lines N] "
             "[--read-existing] [--max-bytes N] [-v]",
    .help = "Counts new log lines since the last run, per class (case-insensitive POSIX ERE):\n"
            "  --log GLOB             files to read (repeatable; default <root>/var/log/helixflow/*.log)\n"
            "  --error-regex RE       error class (default error|fail|critical)\n"
            "  --warning-regex RE     warning class (default warn)\n"
            "  --critical-regex RE    critical class (default critical|fatal|panic)\n"
            "  --security-regex RE    security class (default security|auth|login)\n"
            "  --error-warning R      new error lines (default 1: two or more warn; -w sets it too)\n"
            "  --error-critical R     (default 50; -c sets it too)\n"
            "  --critical-warning R   new critical/fatal/panic lines (default 0: any warns)\n"
            "  --critical-critical R  (default 10)\n"
            "  --security-warning R   security events over 30 days (default 4: the 5th warns)\n"
            "  --security-critical R  (default 20)\n"
            "  --warnings-warning R, --warnings-critical R   new warning lines (default: none)\n"
            "  --lines N              last matching lines in the long output (default 5)\n"
            "  --read-existing        first run: count what the files hold (default: start at their end)\n"
            "  --max-bytes N          read at most N bytes per run; the rest next run (default 1 GiB)\n",
    .opts_size = sizeof(hfm_log_opts),
    .defaults = hfm_log_defaults,
    .option = hfm_log_option,
    .longopts = hfm_log_longopts,
    .shortopts = "",
    .validate = hfm_log_validate,
    .run = hfm_log_run,
};
