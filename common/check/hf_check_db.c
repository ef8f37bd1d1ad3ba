/* The db check: HelixFlow's SQLite database read-only (file, WAL and page
 * facts, row estimates, a simple query's latency, optional quick/integrity
 * check) and request statistics of inference_requests over 1h/24h/7d/30d,
 * read incrementally: the aggregates are the kind's state (hf_db_state, its
 * own checksummed file format), so the one-shot policy of hf_check.h locks,
 * loads, resets an unusable file ("state.reset") and saves it.
 *
 * Findings (object "" throughout: the database as a whole):
 *   db.missing     CRITICAL  the database file does not exist
 *   db.corrupt     CRITICAL  not a database, malformed
 *   db.locked      UNKNOWN   the lock was not obtained within the wait
 *   db.schema      UNKNOWN   table or column missing, a view, WITHOUT ROWID
 *   db.timeout     UNKNOWN   the time budget ran out in a statement
 *   db.error       UNKNOWN   permissions, I/O, other SQLite errors, bad paths
 *   db.errors      WARNING / CRITICAL  error rate outside --error-warning/-critical (-w/-c)
 *   db.p95         WARNING / CRITICAL  p95 response time outside --p95-warning/-critical
 *   db.query       WARNING / CRITICAL  simple query slower than --query-warning/-critical
 *   db.integrity   CRITICAL  quick_check / integrity_check failed
 *   db.backfill    UNKNOWN   statistics incomplete (backfill stopped at the budget)
 *   db.ok          OK        every finding that reports nothing wrong (error rate,
 *                            p95, query, check, peak day, skipped rows, the read)
 * Metrics: req_/err_rate_/avg_/p95_<window> (object the window), peak_day,
 * size, wal, pages, freelist, query, skipped, rows_<table> (object the table).
 * Summary: "24h 1234 requests, 1.9% errors, avg 412 ms, p95 1650 ms; query 0.3 ms".
 * A failed probe gives its one finding and no metrics (they would be partial). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_check.h"
#include "hf_sqlite.h"
#include "hf_check_judge.h"
#include "hf_db.h"
#include "hf_defaults.h"
#include "hf_time.h"

#define DB_SAVE_MARGIN_MS 300       /* of the budget, left for saving the state */
#define DB_MIN_BUDGET_MS 100

enum {
    DB_DB = HF_SET_KIND0,
    DB_TABLE,
    DB_TIME_COL,
    DB_RT_COL,
    DB_STATUS_COL,
    DB_ERROR_STATUS,
    DB_WINDOW,
    DB_ERR_WARN,
    DB_ERR_CRIT,
    DB_P95_WARN,
    DB_P95_CRIT,
    DB_QUERY_WARN,
    DB_QUERY_CRIT,
    DB_QUICK,
    DB_INTEGRITY,
    DB_WARNING,
    DB_CRITICAL,
};

/* -w/-c are their own settings, not aliases: an alias leaves no trace of
 * having been used, and -w together with --error-warning is refused. */
static const hf_setting_def db_defs[] = {
    {"db", HF_SET_PATH, HF_DEFAULT_DB, 0, 0, HF_SETF_IDENTITY, "FILE",
     "the database, opened read-only", NULL},
    {"table", HF_SET_STRING, HF_DEFAULT_DB_TABLE, 0, 0, HF_SETF_IDENTITY, "NAME",
     "the request table", NULL},
    {"time-column", HF_SET_STRING, HF_DEFAULT_DB_TIME_COL, 0, 0, HF_SETF_IDENTITY, "COL",
     "created_at column, UTC", NULL},
    {"rt-column", HF_SET_STRING, HF_DEFAULT_DB_RT_COL, 0, 0, HF_SETF_IDENTITY, "COL",
     "response time column, ms", NULL},
    {"status-column", HF_SET_STRING, HF_DEFAULT_DB_STATUS_COL, 0, 0, HF_SETF_IDENTITY, "COL",
     "status column", NULL},
    {"error-status", HF_SET_STRING, HF_DEFAULT_DB_ERROR_STATUS, 0, 0, HF_SETF_IDENTITY, "TEXT",
     "status marking a failure", NULL},
    {"window", HF_SET_STRING, "24h", 0, 0, 0, "1h|24h|7d|30d",
     "window the thresholds apply to", NULL},
    {"error-warning", HF_SET_RANGE, HF_THR_DB_ERR_WARN, 0, 0, 0, "RANGE",
     "error rate % (-w is short for it)", NULL},
    {"error-critical", HF_SET_RANGE, HF_THR_DB_ERR_CRIT, 0, 0, 0, "RANGE",
     "error rate % (-c is short for it)", NULL},
    {"p95-warning", HF_SET_RANGE, HF_THR_DB_P95_WARN, 0, 0, 0, "RANGE",
     "p95 response time, ms", NULL},
    {"p95-critical", HF_SET_RANGE, HF_THR_DB_P95_CRIT, 0, 0, 0, "RANGE",
     "p95 response time, ms", NULL},
    {"query-warning", HF_SET_RANGE, HF_THR_DB_QUERY_WARN, 0, 0, 0, "RANGE",
     "simple query, ms (the guide's target)", NULL},
    {"query-critical", HF_SET_RANGE, HF_THR_DB_QUERY_CRIT, 0, 0, 0, "RANGE",
     "simple query, ms", NULL},
    {"quick-check", HF_SET_FLAG, NULL, 0, 0, 0, NULL,
     "run PRAGMA quick_check (reads the whole file)", NULL},
    {"integrity-check", HF_SET_FLAG, NULL, 0, 0, 0, NULL,
     "run PRAGMA integrity_check (slower, more thorough)", NULL},
    {"warning", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE",
     "error rate % warning: short for --error-warning (not with it)", NULL},
    {"critical", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE",
     "error rate % critical: short for --error-critical (not with it)", NULL},
};

static const char *const db_wnames[HF_DB_NWIN] = {"1h", "24h", "7d", "30d"};

/* The aggregates and whether a probe produced statistics since the load
 * (the probe's own rule: a failed probe leaves the file as it was). Saved
 * only then, and only when they differ from the file (hf_db_state_dirty: a
 * run that found nothing new writes nothing). */
typedef struct db_state {
    hf_db_state *agg;
    bool changed;
} db_state;

static int db_window(const hf_settings *s)
{
    const char *w = hf_settings_str(s, DB_WINDOW);

    for (int i = 0; w && i < HF_DB_NWIN; i++)
        if (strcmp(w, db_wnames[i]) == 0)
            return i;
    return -1;
}

static int db_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    bool short_given = hf_settings_given(s, DB_WARNING) || hf_settings_given(s, DB_CRITICAL);
    bool long_given = hf_settings_given(s, DB_ERR_WARN) || hf_settings_given(s, DB_ERR_CRIT);

    if (db_window(s) < 0) {
        *bad = DB_WINDOW;
        hf_err_set(err, n, "'%s' is not one of 1h, 24h, 7d, 30d", hf_settings_str(s, DB_WINDOW));
        return -EINVAL;
    }
    if (short_given && long_given) {
        *bad = -1;
        hf_err_set(err, n, "-w/-c and --error-warning/--error-critical both given");
        return -EINVAL;
    }
    return 0;
}

/* The error-rate ranges in force: -w/-c when given, else --error-*. */
static const hf_range *db_err_range(const hf_settings *s, int which_short, int which_long)
{
    return hf_settings_given(s, (size_t)which_short) ? hf_settings_range(s, (size_t)which_short)
                                                     : hf_settings_range(s, (size_t)which_long);
}

static double db_round(double v, double unit)
{
    return isnan(v) ? v : round(v / unit) * unit;
}

static void db_win_metric(hf_report *out, const char *what, const char *name, int w, double v,
                          const char *unit, const hf_range *warn, const hf_range *crit, double max)
{
    char label[32];

    snprintf(label, sizeof(label), "%s_%s", what, db_wnames[w]);
    hf_report_metric(out, label, db_wnames[w], name, v, unit, warn, crit, 0, max);
}

static void db_stats_metrics(const hf_settings *s, const hf_db_result *r, hf_report *out)
{
    int sel = db_window(s);
    const hf_range *ew = db_err_range(s, DB_WARNING, DB_ERR_WARN);
    const hf_range *ec = db_err_range(s, DB_CRITICAL, DB_ERR_CRIT);

    for (int w = 0; w < HF_DB_NWIN; w++)
        db_win_metric(out, "req", "requests", w, (double)r->win[w].count, "", NULL, NULL, NAN);
    for (int w = 0; w < HF_DB_NWIN; w++)
        db_win_metric(out, "err_rate", "error_rate", w, db_round(r->win[w].error_pct, 0.01), "%",
                      w == sel ? ew : NULL, w == sel ? ec : NULL, 100);
    for (int w = 0; w < HF_DB_NWIN; w++)
        db_win_metric(out, "avg", "avg", w, db_round(r->win[w].avg_ms, 0.1), "ms", NULL, NULL, NAN);
    for (int w = 0; w < HF_DB_NWIN; w++)
        db_win_metric(out, "p95", "p95", w, db_round(r->win[w].p95_ms, 1), "ms",
                      w == sel ? hf_settings_range(s, DB_P95_WARN) : NULL,
                      w == sel ? hf_settings_range(s, DB_P95_CRIT) : NULL, NAN);
    hf_report_metric(out, "peak_day", "", NULL, (double)r->peak_count, "", NULL, NULL, 0, NAN);
}

static void db_file_metrics(const hf_settings *s, const hf_db_result *r, hf_report *out)
{
    char label[160];

    if (r->file_size >= 0)
        hf_report_metric(out, "size", "", NULL, (double)r->file_size, "B", NULL, NULL, 0, NAN);
    if (r->wal_size >= 0)
        hf_report_metric(out, "wal", "", NULL, (double)r->wal_size, "B", NULL, NULL, 0, NAN);
    if (r->page_size > 0) {
        hf_report_metric(out, "pages", "", NULL, (double)r->page_count, "", NULL, NULL, 0, NAN);
        hf_report_metric(out, "freelist", "", NULL, (double)r->freelist_count, "", NULL, NULL, 0, NAN);
    }
    if (!isnan(r->query_ms))
        hf_report_metric(out, "query", "", NULL, db_round(r->query_ms, 0.001), "ms",
                         hf_settings_range(s, DB_QUERY_WARN), hf_settings_range(s, DB_QUERY_CRIT),
                         0, NAN);
    if (r->stats)
        hf_report_metric(out, "skipped", "", NULL, (double)r->skipped, "", NULL, NULL, 0, NAN);
    for (size_t i = 0; i < r->ntables; i++) {
        if (r->tables[i].rows < 0)
            continue;
        snprintf(label, sizeof(label), "rows_%s", r->tables[i].name);
        hf_report_metric(out, label, r->tables[i].name, "rows", (double)r->tables[i].rows, "",
                         NULL, NULL, 0, NAN);
    }
}

static void db_summary(const hf_db_result *r, int sel, hf_report *out)
{
    const hf_db_window *w = &r->win[sel];
    hf_buf b = {0};

    hf_buf_printf(&b, "%s %llu requests, %.1f%% errors", db_wnames[sel],
                  (unsigned long long)w->count, w->error_pct);
    if (w->rt_count)
        hf_buf_printf(&b, ", avg %.0f ms, p95 %.0f ms", w->avg_ms, w->p95_ms);
    hf_buf_printf(&b, "; query %.1f ms", r->query_ms);
    if (r->skipped)
        hf_buf_printf(&b, "; %llu row%s with bad created_at skipped",
                      (unsigned long long)r->skipped, r->skipped == 1 ? "" : "s");
    hf_report_summary(out, "%s", hf_buf_str(&b));
    hf_buf_free(&b);
}

/* A measured value against its ranges: the code names the problem, db.ok when none. */
static void db_judged(hf_report *out, hf_state st, const char *code, const char *fmt, ...)
    HF_PRINTF(4, 5);
static void db_judged(hf_report *out, hf_state st, const char *code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hf_report_vadd(out, st, "", st == HF_OK ? "db.ok" : code, fmt, ap);
    va_end(ap);
}

/* What the incremental read says besides the thresholds (all OK). */
static void db_stats_notes(const hf_db_result *r, hf_report *out)
{
    char day[16];

    if (!isnan(r->peak_day))
        hf_report_add(out, HF_OK, "", "db.ok", "peak day %s: %llu requests",
                      hf_time_format_date(r->peak_day, day, sizeof(day)),
                      (unsigned long long)r->peak_count);
    if (r->skipped)
        hf_report_add(out, HF_OK, "", "db.ok", "%llu row%s with bad created_at skipped (last: %s)",
                      (unsigned long long)r->skipped, r->skipped == 1 ? "" : "s", r->skipped_example);
    if (r->future)
        hf_report_add(out, HF_OK, "", "db.ok", "%llu rows dated more than 1 h ahead: counted "
                      "when their time comes", (unsigned long long)r->future);
    if (!r->exact)
        hf_report_add(out, HF_OK, "", "db.ok", "windows bucket-aligned this time, not exact: %s",
                      r->inexact[0] ? r->inexact : "(no reason given)");
    if (r->rebuilt[0])
        hf_report_add(out, HF_OK, "", "db.ok", "aggregates rebuilt: %s", r->rebuilt);
    hf_report_add(out, HF_OK, "", "db.ok", "read %llu new rows and %llu at the window edges in %u "
                  "transaction%s (longest %.1f ms)", (unsigned long long)r->rows_read,
                  (unsigned long long)r->edge_rows, r->txns, r->txns == 1 ? "" : "s", r->max_txn_ms);
}

static void db_stats(const hf_settings *s, const hf_db_result *r, hf_report *out)
{
    int sel = db_window(s);
    const hf_db_window *w = &r->win[sel];
    hf_state st;

    db_summary(r, sel, out);
    st = hf_range_eval(db_err_range(s, DB_WARNING, DB_ERR_WARN),
                       db_err_range(s, DB_CRITICAL, DB_ERR_CRIT), w->error_pct);
    db_judged(out, st, "db.errors", "%s error rate %.1f%% (%llu of %llu requests)", db_wnames[sel],
              w->error_pct, (unsigned long long)w->errors, (unsigned long long)w->count);
    if (!isnan(w->p95_ms))
        db_judged(out, hf_range_eval(hf_settings_range(s, DB_P95_WARN), hf_settings_range(s, DB_P95_CRIT),
                                     w->p95_ms),
                  "db.p95", "%s p95 response time %.0f ms", db_wnames[sel], w->p95_ms);
    if (r->coverage < 1)
        hf_report_add(out, HF_UNKNOWN, "", "db.backfill", "backfill %.0f%% done, statistics incomplete",
                      floor(r->coverage * 100));
    db_stats_notes(r, out);
}

static void db_failed(const hf_db_result *r, hf_report *out)
{
    static const char *const codes[] = {
        [HF_DB_MISSING] = "db.missing", [HF_DB_LOCKED] = "db.locked", [HF_DB_CORRUPT] = "db.corrupt",
        [HF_DB_SCHEMA] = "db.schema", [HF_DB_TIMEOUT] = "db.timeout", [HF_DB_ERROR] = "db.error",
    };
    hf_state st = r->status == HF_DB_MISSING || r->status == HF_DB_CORRUPT ? HF_CRITICAL : HF_UNKNOWN;
    const char *code = (unsigned)r->status < HF_ARRAY_SIZE(codes) && codes[r->status]
                       ? codes[r->status] : "db.error";

    hf_report_add(out, st, "", code, "%s", r->err);
}

void hf_check_db_judge(const hf_settings *s, const hf_db_result *r, hf_report *out)
{
    const char *chk = r->check == 2 ? "integrity_check" : "quick_check";

    if (r->status != HF_DB_OK) {
        db_failed(r, out);
        return;                 /* no metrics: the values would be partial */
    }
    if (r->stats && db_window(s) >= 0) {
        db_stats(s, r, out);
        db_stats_metrics(s, r, out);
    }
    db_judged(out, hf_range_eval(hf_settings_range(s, DB_QUERY_WARN), hf_settings_range(s, DB_QUERY_CRIT),
                                 r->query_ms),
              "db.query", "simple query took %.1f ms", r->query_ms);
    if (r->check && !r->check_ok)
        hf_report_add(out, HF_CRITICAL, "", "db.integrity", "%s failed: %s", chk, r->check_msg);
    else if (r->check)
        hf_report_add(out, HF_OK, "", "db.ok", "%s ok", chk);
    for (size_t i = 0; i < r->ntables; i++)
        if (r->tables[i].rows >= 0)
            hf_report_add(out, HF_OK, "", "db.ok", "table %s: at most %lld rows", r->tables[i].name,
                          (long long)r->tables[i].rows);
    db_file_metrics(s, r, out);
}

static long db_budget_ms(const hf_check_ctx *ctx)
{
    long left = hf_check_ms_left(ctx) - DB_SAVE_MARGIN_MS;

    return left < DB_MIN_BUDGET_MS ? DB_MIN_BUDGET_MS : left;
}

static void db_probe(const hf_settings *s, db_state *ds, const hf_check_ctx *ctx, hf_report *out)
{
    char path[HF_PATH_MAX];
    hf_db_result *r = calloc(1, sizeof(*r));
    hf_db_config cfg = {
        .path = path, .table = hf_settings_str(s, DB_TABLE),
        .time_col = hf_settings_str(s, DB_TIME_COL), .rt_col = hf_settings_str(s, DB_RT_COL),
        .status_col = hf_settings_str(s, DB_STATUS_COL),
        .error_status = hf_settings_str(s, DB_ERROR_STATUS), .budget_ms = db_budget_ms(ctx),
        .quick_check = hf_settings_flag(s, DB_QUICK),
        .integrity_check = hf_settings_flag(s, DB_INTEGRITY),
    };

    if (!r) {
        hf_report_add(out, HF_UNKNOWN, "", "db.error", "out of memory");
        return;
    }
    if (hf_settings_path(s, DB_DB, path, sizeof(path)) < 0) {
        hf_report_add(out, HF_UNKNOWN, "", "db.error", "database path too long");
        free(r);
        return;
    }
    hf_db_probe(&cfg, ds->agg, r);
    ds->changed = ds->changed || r->stats;
    hf_check_db_judge(s, r, out);
    free(r);
}

static void db_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    db_state once = {0};

    if (st) {
        db_probe(s, st, ctx, out);
        return;
    }
    once.agg = hf_db_state_new();  /* no state kept: this evaluation backfills */
    db_probe(s, &once, ctx, out);
    hf_db_state_free(once.agg);
}

static void *db_state_new(void)
{
    db_state *ds = calloc(1, sizeof(*ds));

    if (ds && !(ds->agg = hf_db_state_new())) {
        free(ds);
        return NULL;
    }
    return ds;
}

static void db_state_free(void *st)
{
    db_state *ds = st;

    hf_db_state_free(ds->agg);
    free(ds);
}

/* hf_db_state_load: -ENOENT without a file; on any other failure the
 * aggregates are reset (the probe rebuilds, saying why) and err names it. */
static int db_state_load(void *st, const char *path, char *err, size_t n)
{
    db_state *ds = st;

    ds->changed = false;
    return hf_db_state_load(ds->agg, path, err, n);
}

static int db_state_save(void *st, const char *path, char *err, size_t n)
{
    db_state *ds = st;
    int r;

    if (!ds->changed || !hf_db_state_dirty(ds->agg))
        return 0;
    if ((r = hf_db_state_save(ds->agg, path, err, n)) == 0)
        ds->changed = false;
    return r;
}

const hf_check_kind hf_check_db = {
    .name = "db",
    .init = hf_sqlite_global_init,
    .title = "DB",
    .doc = "Checks HelixFlow's SQLite database read-only: file, WAL and page facts, row\n"
           "estimates per table, a simple query's latency and request statistics of\n"
           "inference_requests over 1h/24h/7d/30d, read incrementally (state in --state-dir).",
    .defs = db_defs,
    .ndefs = HF_ARRAY_SIZE(db_defs),
    .validate = db_validate,
    .state_new = db_state_new,
    .state_free = db_state_free,
    .state_load = db_state_load,
    .state_save = db_state_save,
    .eval = db_eval,
};
