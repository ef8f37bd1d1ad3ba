/* The log check: lines per class (error, warning, critical, security) that
 * HelixFlow's logs gained, judged over a fixed time window kept in the state
 * (hf_logs_state_window_add / _sum), not "since the last run": callers at
 * different intervals (Nagios every 5 minutes, collectd every 10 s) reach
 * the same judgement, and a single error line stays visible for the whole
 * window, so Nagios' SOFT/HARD retries notify on it.
 *
 * Windows: `window` seconds (default HF_LOG_WINDOW_S, 15 minutes) for the
 * error, warning and critical classes; `security-window` (default
 * HF_LOG_SECURITY_WINDOW_S, 30 days) for security events. After each probe
 * the new lines are added once at wall time now, and every class is judged
 * by its window's sum at the same now (lines are dated by the minute of the
 * run that read them: a 15-minute window is the 15 latest minutes, the
 * current one included, so a line stays between 14 and 15 minutes; see
 * hf_logs.h). Defaults as check_logfiles: the first
 * error line in the window warns (error-warning 0, error-critical 50), the
 * first critical/fatal/panic line is critical (critical-warning 0,
 * critical-critical 0); security: the 5th event in 30 days warns, the 21st
 * is critical. -w/-c set error-warning/error-critical.
 *
 * Findings (object = the class name, or the file's path, or the glob):
 *   log.errors       the error class against its ranges (default WARNING at 1)
 *   log.warnings     the warning class (no default ranges: OK)
 *   log.critical     the critical class (default CRITICAL at 1)
 *   log.security     security events over security-window (WARNING at 5,
 *                    CRITICAL at 21)
 *   log.not_regular  WARNING: a matched path that is not a regular file (a
 *                    log replaced by a directory, fifo, socket, device...)
 *   log.unreadable   WARNING: open/read/stat failed
 *   log.nomatch      UNKNOWN: a glob matches no log file
 *   log.probe        UNKNOWN: the probe could not run (bad config, memory)
 *   log.window       UNKNOWN: the window could not keep this run's lines
 *   log.new, log.first_run, log.rotated, log.moved, log.truncated,
 *   log.replaced, log.intermediate, log.vanished   OK: what the probe did
 *                    with a file (rotation followed, etc.; shown with -v);
 *                    log.event for a kind of event this file does not know
 * Texts: "2 error lines in the last 15 minutes in 4 files (api-gateway.log:
 * 2)"; when some of the window's lines were read by earlier runs, "(N new)"
 * follows the count; the per-file part names this run's new lines (top 3).
 * Security keeps "N security events in 30 days (M new)".
 * Metrics: errors, warnings, critical, security (the window sums, with the
 * class's ranges), bytes (new bytes this run, B).
 * Details: the last matching lines ("api-gateway.log: <line>"), '|' and
 * control bytes replaced so they never break the output format.
 * Summary: the error class's text; "first run: reading starts at the end of
 * each file"; "N bytes left for the next run" when the byte budget was hit.
 * State: the probe's hf_logs_state (offsets and the window's buckets; its
 * file ends with a checksummed end marker); identity: the globs and the
 * regexes, never the thresholds or windows. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "hf_logs.h"

#define LOG_MAX_GLOBS 32
#define LOG_TOP_FILES 3

enum {
    LOG_LOG = HF_SET_KIND0,
    LOG_RE,                                     /* + class */
    LOG_WARN = LOG_RE + HF_LOGS_NCLASS,         /* + class */
    LOG_CRIT = LOG_WARN + HF_LOGS_NCLASS,       /* + class */
    LOG_LINES = LOG_CRIT + HF_LOGS_NCLASS,
    LOG_READ_EXISTING,
    LOG_MAX_BYTES,
    LOG_WINDOW,
    LOG_SECURITY_WINDOW,
    LOG_WARNING,
    LOG_CRITICAL,
};

static const hf_setting_def log_defs[] = {
    {"log", HF_SET_LIST, HF_DEFAULT_LOG_GLOB, 0, 0, HF_SETF_IDENTITY | HF_SETF_ROOTED, "GLOB",
     "log files to read (repeatable; the default moves under --root)", NULL},
    {"error-regex", HF_SET_STRING, HF_DEFAULT_ERROR_RE, 0, 0, HF_SETF_IDENTITY, "RE",
     "error class (case-insensitive POSIX ERE)", NULL},
    {"warning-regex", HF_SET_STRING, HF_LOGS_DEFAULT_WARNING_RE, 0, 0, HF_SETF_IDENTITY, "RE",
     "warning class", NULL},
    {"critical-regex", HF_SET_STRING, HF_LOGS_DEFAULT_CRITICAL_RE, 0, 0, HF_SETF_IDENTITY, "RE",
     "critical class", NULL},
    {"security-regex", HF_SET_STRING, HF_DEFAULT_SECURITY_RE, 0, 0, HF_SETF_IDENTITY, "RE",
     "security class", NULL},
    {"error-warning", HF_SET_RANGE, HF_THR_LOG_ERROR_WARN, 0, 0, 0, "RANGE",
     "error lines in the window (0: the first one warns)", NULL},
    {"warnings-warning", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "warning lines in the window", NULL},
    {"critical-warning", HF_SET_RANGE, HF_THR_LOG_CRITICAL_WARN, 0, 0, 0, "RANGE",
     "critical/fatal/panic lines in the window", NULL},
    {"security-warning", HF_SET_RANGE, HF_THR_LOG_SECURITY_WARN, 0, 0, 0, "RANGE",
     "security events in the security window (4: the 5th warns)", NULL},
    {"error-critical", HF_SET_RANGE, HF_THR_LOG_ERROR_CRIT, 0, 0, 0, "RANGE",
     "error lines in the window", NULL},
    {"warnings-critical", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "warning lines in the window", NULL},
    {"critical-critical", HF_SET_RANGE, HF_THR_LOG_CRITICAL_CRIT, 0, 0, 0, "RANGE",
     "critical/fatal/panic lines in the window (0: the first one is critical)", NULL},
    {"security-critical", HF_SET_RANGE, HF_THR_LOG_SECURITY_CRIT, 0, 0, 0, "RANGE",
     "security events in the security window", NULL},
    {"lines", HF_SET_LONG, "5", 0, 1000, 0, "N", "last matching lines in the long output", NULL},
    {"read-existing", HF_SET_FLAG, NULL, 0, 0, 0, NULL,
     "first run: count what the files hold (default: start at their end)", NULL},
    {"max-bytes", HF_SET_DOUBLE, NULL, 1, 1e12, 0, "N",
     "read at most N bytes per run, the rest the next run (default 1 GiB)", NULL},
    /* at most HF_LOGS_WIN_KEEP_S (31 days): the state drops older buckets */
    {"window", HF_SET_LONG, HF_LOG_WINDOW_S, 60, HF_LOGS_WIN_KEEP_S, 0, "SECONDS",
     "error, warning and critical lines are counted over this window", NULL},
    {"security-window", HF_SET_LONG, HF_LOG_SECURITY_WINDOW_S, 60, HF_LOGS_WIN_KEEP_S, 0, "SECONDS",
     "security events are counted over this window", NULL},
    {"warning", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "error lines in the window", "error-warning"},
    {"critical", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "error lines in the window", "error-critical"},
};

/* Perfdata labels, and the words of the texts, per class. */
static const char *const log_labels[HF_LOGS_NCLASS] = {"errors", "warnings", "critical", "security"};
static const char *const log_codes[HF_LOGS_NCLASS] = {"log.errors", "log.warnings", "log.critical",
                                                       "log.security"};

static void log_regexes(const hf_settings *s, const char *re[HF_LOGS_NCLASS])
{
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        re[c] = hf_settings_str(s, (size_t)(LOG_RE + c));
}

static int log_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    const char *re[HF_LOGS_NCLASS];
    hf_logs_matcher *m;
    size_t ng;

    (void)hf_settings_list(s, LOG_LOG, &ng);
    if (ng > LOG_MAX_GLOBS) {
        *bad = LOG_LOG;
        hf_err_set(err, n, "at most %d patterns", LOG_MAX_GLOBS);
        return -EINVAL;
    }
    log_regexes(s, re);
    if (hf_logs_matcher_new(re, 0, &m, err, n) < 0) {
        *bad = -1;              /* the message names the class: "error pattern '(': ..." */
        return -EINVAL;
    }
    hf_logs_matcher_free(m);
    *bad = -1;
    return 0;
}

/* ---- the judgement ---------------------------------------------------- */

static const char *log_base(const char *path)
{
    const char *b = strrchr(path, '/');

    return b ? b + 1 : path;
}

/* "the last 15 minutes" (last) or "30 days". */
static void log_span(char *out, size_t n, long sec, bool last)
{
    static const struct { long n; const char *unit; } u[] = {
        {86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
    size_t i = 0;
    long k;

    while (i + 1 < HF_ARRAY_SIZE(u) && sec % u[i].n)
        i++;
    k = sec / u[i].n;
    if (last && k == 1)
        snprintf(out, n, "the last %s", u[i].unit);
    else
        snprintf(out, n, "%s%ld %s%s", last ? "the last " : "", k, u[i].unit, k == 1 ? "" : "s");
}

/* "api-gateway.log: 3, auth-service.log: 1": this run's new lines of class
 * c, the LOG_TOP_FILES files with most. */
static void log_by_file(const hf_logs_result *r, int c, hf_buf *b)
{
    uint64_t prev = UINT64_MAX;
    size_t prev_i = SIZE_MAX;

    for (int k = 0; k < LOG_TOP_FILES; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < r->nfiles; i++) {
            uint64_t v = r->files[i].count[c];
            /* most first, ties in file order: after the previous pick */
            bool after = prev_i == SIZE_MAX || v < prev || (v == prev && i > prev_i);
            if (v && after && (best == SIZE_MAX || v > r->files[best].count[c]))
                best = i;
        }
        if (best == SIZE_MAX)
            break;
        hf_buf_printf(b, "%s%s: %" PRIu64, k ? ", " : "", log_base(r->files[best].path),
                      r->files[best].count[c]);
        prev = r->files[best].count[c];
        prev_i = best;
    }
}

/* Class c's finding, summary part and metric: v lines in its window
 * (span: its words), this run's among them. */
static void log_class(const hf_settings *s, const hf_logs_result *r, int c, uint64_t v,
                      const char *span, hf_report *out)
{
    const hf_range *w = hf_settings_range(s, (size_t)(LOG_WARN + c));
    const hf_range *cr = hf_settings_range(s, (size_t)(LOG_CRIT + c));
    hf_state st = hf_range_eval(w, cr, (double)v);
    uint64_t fresh = r->count[c];
    hf_buf b = {0};

    if (c == HF_LOGS_SECURITY)
        hf_buf_printf(&b, "%" PRIu64 " security events in %s (%" PRIu64 " new)", v, span, fresh);
    else if (fresh != v)
        hf_buf_printf(&b, "%" PRIu64 " %s line%s in %s in %zu file%s (%" PRIu64 " new)", v,
                      hf_logs_class_name(c), v == 1 ? "" : "s", span, r->nwatched,
                      r->nwatched == 1 ? "" : "s", fresh);
    else
        hf_buf_printf(&b, "%" PRIu64 " %s line%s in %s in %zu file%s", v, hf_logs_class_name(c),
                      v == 1 ? "" : "s", span, r->nwatched, r->nwatched == 1 ? "" : "s");
    if (fresh) {
        hf_buf_append(&b, " (", 2);
        log_by_file(r, c, &b);
        hf_buf_append(&b, ")", 1);
    }
    hf_report_add(out, st, hf_logs_class_name(c), log_codes[c], "%s", hf_buf_str(&b));
    if (c == HF_LOGS_ERROR)
        hf_report_summary(out, "%s", hf_buf_str(&b));
    hf_report_metric(out, log_labels[c], hf_logs_class_name(c), "lines", (double)v, "", w, cr, 0, NAN);
    hf_buf_free(&b);
}

static void log_event(const hf_logs_event *e, hf_report *out)
{
    static const char *const codes[] = {
        [HF_LOGS_EV_NEW] = "log.new", [HF_LOGS_EV_FIRST] = "log.first_run",
        [HF_LOGS_EV_RENAMED] = "log.rotated", [HF_LOGS_EV_MOVED] = "log.moved",
        [HF_LOGS_EV_COPYTRUNCATE] = "log.rotated", [HF_LOGS_EV_TRUNCATED] = "log.truncated",
        [HF_LOGS_EV_REPLACED] = "log.replaced", [HF_LOGS_EV_INTERMEDIATE] = "log.intermediate",
        [HF_LOGS_EV_VANISHED] = "log.vanished", [HF_LOGS_EV_UNREADABLE] = "log.unreadable",
        [HF_LOGS_EV_NOMATCH] = "log.nomatch", [HF_LOGS_EV_NOT_REGULAR] = "log.not_regular",
    };
    const char *code = (unsigned)e->kind < HF_ARRAY_SIZE(codes) && codes[e->kind] ? codes[e->kind] : "log.event";
    hf_state st = HF_OK;

    if (e->kind == HF_LOGS_EV_NOMATCH) {
        hf_report_add(out, HF_UNKNOWN, e->path, code, "no log file matches %s", e->path);
        return;
    }
    if (e->kind == HF_LOGS_EV_UNREADABLE || e->kind == HF_LOGS_EV_NOT_REGULAR)
        st = HF_WARNING;
    hf_report_add(out, st, e->path, code, "%s: %s%s%s", e->path, hf_logs_event_name(e->kind),
                  e->detail ? " " : "", e->detail ? e->detail : "");
}

/* The last matching lines as plain detail lines: no '|' (perfdata), no
 * control bytes. */
static void log_lines(const hf_logs_result *r, hf_report *out)
{
    char t[HF_LOGS_LINE_MAX + 1];

    for (size_t i = 0; i < r->nlines; i++) {
        const hf_logs_line *l = &r->lines[i];
        size_t n = hf_strlcpy(t, l->text, sizeof(t));
        for (size_t k = 0; k < n && k < sizeof(t) - 1; k++)
            if (t[k] == '|')
                t[k] = '/';
            else if ((unsigned char)t[k] < 0x20 || t[k] == 0x7f)
                t[k] = '?';
        hf_report_detail(out, "%s: %s%s", log_base(l->file), t, l->truncated ? " [truncated]" : "");
    }
}

void hf_check_log_judge(const hf_settings *s, const hf_logs_result *res, const hf_logs_state *st,
                        double now, hf_report *out)
{
    long win = hf_settings_long(s, LOG_WINDOW), swin = hf_settings_long(s, LOG_SECURITY_WINDOW);
    char span[48], sspan[48];

    log_span(span, sizeof(span), win, true);
    log_span(sspan, sizeof(sspan), swin, false);
    for (int c = 0; c < HF_LOGS_NCLASS; c++) {
        bool sec = c == HF_LOGS_SECURITY;
        uint64_t v = st ? hf_logs_state_window_sum(st, now, c, (double)(sec ? swin : win)) : 0;
        /* never below this run's own lines (the window could not take them) */
        log_class(s, res, c, v < res->count[c] ? res->count[c] : v, sec ? sspan : span, out);
        if (st)
            hf_report_value(out, hf_logs_class_name(c), "total", (double)st->total[c], "c");
    }
    if (res->first_run && !hf_settings_flag(s, LOG_READ_EXISTING))
        hf_report_summary(out, "first run: reading starts at the end of each file");
    if (res->backlog)
        hf_report_summary(out, "%" PRIu64 " bytes left for the next run", res->backlog);
    for (size_t i = 0; i < res->nevents; i++)
        log_event(&res->events[i], out);
    log_lines(res, out);
    hf_report_metric(out, "bytes", "", "bytes", (double)res->bytes_new, "B", NULL, NULL, 0, NAN);
}

/* ---- evaluation ------------------------------------------------------- */

/* The globs: as given, or the defaults under root (*owned, to free). */
static int log_globs(const hf_settings *s, const char *const **globs, size_t *n, char ***owned)
{
    const char *const *v = hf_settings_list(s, LOG_LOG, n);
    char path[HF_PATH_MAX];

    *owned = NULL;
    *globs = v;
    if (hf_settings_given(s, LOG_LOG))
        return 0;
    if (!(*owned = calloc(*n ? *n : 1, sizeof(char *))))
        return -ENOMEM;
    for (size_t i = 0; i < *n; i++) {
        if (hf_settings_rooted(s, v[i], path, sizeof(path)) < 0)
            return -ENAMETOOLONG;
        if (!((*owned)[i] = strdup(path)))
            return -ENOMEM;
    }
    *globs = (const char *const *)*owned;
    return 0;
}

static void log_globs_free(char **owned, size_t n)
{
    for (size_t i = 0; owned && i < n; i++)
        free(owned[i]);
    free(owned);
}

static void log_probe(const hf_settings *s, hf_logs_state *st, const hf_logs_config *cfg,
                      hf_report *out)
{
    hf_logs_result res;
    double now;

    if (hf_logs_probe(cfg, st, &res) < 0) {
        hf_report_add(out, HF_UNKNOWN, "", "log.probe", "%s", res.err);
    } else {
        now = hf_real_now();
        if (hf_logs_state_window_add(st, now, res.count) < 0)
            hf_report_add(out, HF_UNKNOWN, "", "log.window",
                          "this run's lines could not be added to the window (out of memory)");
        for (int c = 0; c < HF_LOGS_NCLASS; c++)
            st->total[c] += res.count[c];
        hf_check_log_judge(s, &res, st, now, out);
    }
    hf_logs_result_free(&res);
}

static void log_eval(const hf_settings *s, void *vst, const hf_check_ctx *ctx, hf_report *out)
{
    const char *re[HF_LOGS_NCLASS];
    hf_logs_config cfg = {0};
    hf_logs_matcher *m = NULL;
    hf_logs_state local, *st = vst;
    char err[HF_ERR_MAX], **owned = NULL;
    int r;

    if (!st) {                  /* nothing kept: every evaluation is a first run */
        hf_logs_state_init(&local);
        st = &local;
    }
    log_regexes(s, re);
    if ((r = log_globs(s, &cfg.globs, &cfg.nglobs, &owned)) < 0)
        hf_report_add(out, HF_UNKNOWN, "", "log.probe", "--log: %s",
                      r == -ENAMETOOLONG ? "path too long under --root" : strerror(-r));
    else if (hf_logs_matcher_new(re, 0, &m, err, sizeof(err)) < 0)
        hf_report_add(out, HF_UNKNOWN, "", "log.probe", "%s", err);
    else {
        cfg.matcher = m;
        cfg.last_lines = (size_t)hf_settings_long(s, LOG_LINES);
        cfg.read_existing = hf_settings_flag(s, LOG_READ_EXISTING);
        cfg.byte_budget = (uint64_t)hf_settings_double(s, LOG_MAX_BYTES);  /* 0: the probe's default */
        cfg.time_budget_ms = hf_check_ms_left(ctx) * 3 / 4;
        log_probe(s, st, &cfg, out);
    }
    hf_logs_matcher_free(m);
    log_globs_free(owned, cfg.nglobs);
    if (st == &local)
        hf_logs_state_free(&local);
}

/* ---- state ------------------------------------------------------------ */

static void *log_state_new(void)
{
    hf_logs_state *st = malloc(sizeof(*st));

    if (st)
        hf_logs_state_init(st);
    return st;
}

static void log_state_free(void *st)
{
    hf_logs_state_free(st);
    free(st);
}

static int log_state_load(void *st, const char *path, char *err, size_t n)
{
    struct stat sb;

    if (lstat(path, &sb) < 0 && errno == ENOENT)
        return -ENOENT;         /* (a dangling symlink is the loader's to refuse) */
    return hf_logs_state_load(st, path, err, n);        /* on error st is empty */
}

static int log_state_save(void *st, const char *path, char *err, size_t n)
{
    return hf_logs_state_save(st, path, err, n);
}

const hf_check_kind hf_check_log = {
    .name = "log",
    .title = "LOG",
    .doc = "Counts the lines HelixFlow's logs gained per class (error, warning, critical,\n"
           "security: case-insensitive POSIX ERE) and judges each over a fixed time window\n"
           "kept in the state (15 minutes; security events over 30 days), so a single error\n"
           "line stays visible for the whole window. Rotation by rename or copytruncate is\n"
           "followed; nothing is counted twice or lost.",
    .defs = log_defs,
    .ndefs = HF_ARRAY_SIZE(log_defs),
    .validate = log_validate,
    .state_new = log_state_new,
    .state_free = log_state_free,
    .state_load = log_state_load,
    .state_save = log_state_save,
    .eval = log_eval,
};
