/* check_helixflow_db: argv -> hf_db_config, hf_db_result -> findings and
 * perfdata. The state file (incremental aggregates) is loaded before and
 * saved after the probe. States:
 *   database missing, not a database, quick/integrity check failed  CRITICAL
 *   locked (lock not obtained within the wait), missing table/column,
 *   statistics incomplete (backfill stopped at the time budget), other errors UNKNOWN
 *   error rate / p95 / simple query over thresholds     WARNING / CRITICAL
 * OK: "24h 1234 requests, 1.9% errors, avg 412 ms, p95 1650 ms; query 0.3 ms" */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_db.h"
#include "hf_defaults.h"
#include "hf_time.h"
#include "modes.h"

#define HFM_DB_SAVE_MARGIN_MS 300

enum {
    HFM_DB_OPT_DB = HFN_MODE_OPT, HFM_DB_OPT_TABLE, HFM_DB_OPT_TIME, HFM_DB_OPT_RT,
    HFM_DB_OPT_STATUS, HFM_DB_OPT_ERRSTATUS, HFM_DB_OPT_WINDOW, HFM_DB_OPT_EW, HFM_DB_OPT_EC,
    HFM_DB_OPT_PW, HFM_DB_OPT_PC, HFM_DB_OPT_QW, HFM_DB_OPT_QC, HFM_DB_OPT_QUICK,
    HFM_DB_OPT_INTEGRITY,
};

typedef struct hfm_db_opts {
    const char *db, *table, *time_col, *rt_col, *status_col, *error_status;
    int window;                 /* HF_DB_W* */
    hf_range err_w, err_c, p95_w, p95_c, q_w, q_c;
    bool err_given;             /* --error-warning/--error-critical given */
    bool quick, integrity;
} hfm_db_opts;

static const char *const hfm_db_wnames[HF_DB_NWIN] = {"1h", "24h", "7d", "30d"};

static void hfm_db_defaults(void *o)
{
    hfm_db_opts *d = o;

    memset(d, 0, sizeof(*d));
    d->window = HF_DB_W24H;
    hf_range_parse("1", &d->err_w, NULL, 0);
    hf_range_parse("5", &d->err_c, NULL, 0);
    hf_range_parse("5000", &d->p95_w, NULL, 0);
    hf_range_parse("10000", &d->p95_c, NULL, 0);
    hf_range_parse("100", &d->q_w, NULL, 0);
    hf_range_parse("500", &d->q_c, NULL, 0);
}

static int hfm_db_name(hfn *p, const char *opt, const char *arg, const char **out)
{
    if (!*arg)
        return hfn_bad_usage(p, "%s: empty value", opt);
    *out = arg;
    return 0;
}

static int hfm_db_window(hfn *p, hfm_db_opts *d, const char *arg)
{
    for (int i = 0; i < HF_DB_NWIN; i++) {
        if (strcmp(arg, hfm_db_wnames[i]) == 0) {
            d->window = i;
            return 0;
        }
    }
    return hfn_bad_usage(p, "--window: '%s' is not one of 1h, 24h, 7d, 30d", arg);
}

static int hfm_db_option(hfn *p, void *o, int opt, const char *arg)
{
    hfm_db_opts *d = o;

    switch (opt) {
    case HFM_DB_OPT_DB: return hfm_db_name(p, "--db", arg, &d->db);
    case HFM_DB_OPT_TABLE: return hfm_db_name(p, "--table", arg, &d->table);
    case HFM_DB_OPT_TIME: return hfm_db_name(p, "--time-column", arg, &d->time_col);
    case HFM_DB_OPT_RT: return hfm_db_name(p, "--rt-column", arg, &d->rt_col);
    case HFM_DB_OPT_STATUS: return hfm_db_name(p, "--status-column", arg, &d->status_col);
    case HFM_DB_OPT_ERRSTATUS: return hfm_db_name(p, "--error-status", arg, &d->error_status);
    case HFM_DB_OPT_WINDOW: return hfm_db_window(p, d, arg);
    case HFM_DB_OPT_EW: d->err_given = true; return hfn_range_arg(p, "--error-warning", arg, &d->err_w);
    case HFM_DB_OPT_EC: d->err_given = true; return hfn_range_arg(p, "--error-critical", arg, &d->err_c);
    case HFM_DB_OPT_PW: return hfn_range_arg(p, "--p95-warning", arg, &d->p95_w);
    case HFM_DB_OPT_PC: return hfn_range_arg(p, "--p95-critical", arg, &d->p95_c);
    case HFM_DB_OPT_QW: return hfn_range_arg(p, "--query-warning", arg, &d->q_w);
    case HFM_DB_OPT_QC: return hfn_range_arg(p, "--query-critical", arg, &d->q_c);
    case HFM_DB_OPT_QUICK: d->quick = true; return 0;
    case HFM_DB_OPT_INTEGRITY: d->integrity = true; return 0;
    default: return hfn_bad_usage(p, "unknown option");
    }
}

/* -w/-c are short for --error-warning/--error-critical. */
static int hfm_db_validate(hfn *p, void *o)
{
    hfm_db_opts *d = o;

    if ((p->warn.set || p->crit.set) && d->err_given)
        return hfn_bad_usage(p, "-w/-c and --error-warning/--error-critical both given");
    if (p->warn.set)
        d->err_w = p->warn;
    if (p->crit.set)
        d->err_c = p->crit;
    return 0;
}

static double hfm_db_round(double v, double unit)
{
    return isnan(v) ? v : round(v / unit) * unit;
}

static void hfm_db_perf(hfn *p, const hfm_db_opts *d, const hf_db_result *r)
{
    char label[160];

    for (int w = 0; w < HF_DB_NWIN; w++) {
        snprintf(label, sizeof(label), "req_%s", hfm_db_wnames[w]);
        hfn_perf(p, label, (double)r->win[w].count, "", NULL, NULL, 0, NAN);
    }
    for (int w = 0; w < HF_DB_NWIN; w++) {
        snprintf(label, sizeof(label), "err_rate_%s", hfm_db_wnames[w]);
        hfn_perf(p, label, hfm_db_round(r->win[w].error_pct, 0.01), "%",
                 w == d->window ? &d->err_w : NULL, w == d->window ? &d->err_c : NULL, 0, 100);
    }
    for (int w = 0; w < HF_DB_NWIN; w++) {
        snprintf(label, sizeof(label), "avg_%s", hfm_db_wnames[w]);
        hfn_perf(p, label, hfm_db_round(r->win[w].avg_ms, 0.1), "ms", NULL, NULL, 0, NAN);
    }
    for (int w = 0; w < HF_DB_NWIN; w++) {
        snprintf(label, sizeof(label), "p95_%s", hfm_db_wnames[w]);
        hfn_perf(p, label, hfm_db_round(r->win[w].p95_ms, 1), "ms",
                 w == d->window ? &d->p95_w : NULL, w == d->window ? &d->p95_c : NULL, 0, NAN);
    }
    hfn_perf(p, "peak_day", (double)r->peak_count, "", NULL, NULL, 0, NAN);
}

static void hfm_db_file_perf(hfn *p, const hfm_db_opts *d, const hf_db_result *r)
{
    char label[160];

    if (r->file_size >= 0)
        hfn_perf(p, "size", (double)r->file_size, "B", NULL, NULL, 0, NAN);
    if (r->wal_size >= 0)
        hfn_perf(p, "wal", (double)r->wal_size, "B", NULL, NULL, 0, NAN);
    if (r->page_size > 0) {
        hfn_perf(p, "pages", (double)r->page_count, "", NULL, NULL, 0, NAN);
        hfn_perf(p, "freelist", (double)r->freelist_count, "", NULL, NULL, 0, NAN);
    }
    if (!isnan(r->query_ms))
        hfn_perf(p, "query", hfm_db_round(r->query_ms, 0.001), "ms", &d->q_w, &d->q_c, 0, NAN);
    if (r->stats)
        hfn_perf(p, "skipped", (double)r->skipped, "", NULL, NULL, 0, NAN);
    for (size_t i = 0; i < r->ntables; i++) {
        if (r->tables[i].rows < 0)
            continue;
        snprintf(label, sizeof(label), "rows_%s", r->tables[i].name);
        hfn_perf(p, label, (double)r->tables[i].rows, "", NULL, NULL, 0, NAN);
    }
}

static void hfm_db_summary(hfn *p, const hfm_db_opts *d, const hf_db_result *r)
{
    const hf_db_window *w = &r->win[d->window];
    hf_buf b = {0};

    hf_buf_printf(&b, "%s %llu requests, %.1f%% errors", hfm_db_wnames[d->window],
                  (unsigned long long)w->count, w->error_pct);
    if (w->rt_count)
        hf_buf_printf(&b, ", avg %.0f ms, p95 %.0f ms", w->avg_ms, w->p95_ms);
    hf_buf_printf(&b, "; query %.1f ms", r->query_ms);
    if (r->skipped)
        hf_buf_printf(&b, "; %llu row%s with bad created_at skipped",
                      (unsigned long long)r->skipped, r->skipped == 1 ? "" : "s");
    hfn_summary(p, "%s", hf_buf_str(&b));
    hf_buf_free(&b);
}

static void hfm_db_stats(hfn *p, const hfm_db_opts *d, const hf_db_result *r)
{
    const hf_db_window *w = &r->win[d->window];
    const char *wn = hfm_db_wnames[d->window];
    char day[16];
    hf_state st;

    hfm_db_summary(p, d, r);
    st = hf_range_eval(&d->err_w, &d->err_c, w->error_pct);
    hfn_add(p, st, "%s error rate %.1f%% (%llu of %llu requests)", wn, w->error_pct,
            (unsigned long long)w->errors, (unsigned long long)w->count);
    if (!isnan(w->p95_ms))
        hfn_add(p, hf_range_eval(&d->p95_w, &d->p95_c, w->p95_ms),
                "%s p95 response time %.0f ms", wn, w->p95_ms);
    if (r->coverage < 1)
        hfn_add(p, HF_UNKNOWN, "backfill %.0f%% done, statistics incomplete",
                floor(r->coverage * 100));
    if (!isnan(r->peak_day))
        hfn_add(p, HF_OK, "peak day %s: %llu requests",
                hf_time_format_date(r->peak_day, day, sizeof(day)),
                (unsigned long long)r->peak_count);
    if (r->skipped)
        hfn_add(p, HF_OK, "%llu row%s with bad created_at skipped (last: %s)",
                (unsigned long long)r->skipped, r->skipped == 1 ? "" : "s", r->skipped_example);
    if (r->future)
        hfn_add(p, HF_OK, "%llu rows dated more than 1 h in the future ignored",
                (unsigned long long)r->future);
    if (r->rebuilt[0])
        hfn_add(p, HF_OK, "aggregates rebuilt: %s", r->rebuilt);
    hfn_add(p, HF_OK, "read %llu new rows in %u transaction%s (longest %.1f ms)",
            (unsigned long long)r->rows_read, r->txns, r->txns == 1 ? "" : "s", r->max_txn_ms);
}

static void hfm_db_report(hfn *p, const hfm_db_opts *d, const hf_db_result *r)
{
    if (r->status != HF_DB_OK) {
        hfn_add(p, r->status == HF_DB_MISSING || r->status == HF_DB_CORRUPT ? HF_CRITICAL :
                HF_UNKNOWN, "%s", r->err);
        return;                 /* no perfdata: the values would be partial */
    }
    if (r->stats) {
        hfm_db_stats(p, d, r);
        hfm_db_perf(p, d, r);
    }
    hfn_add(p, hf_range_eval(&d->q_w, &d->q_c, r->query_ms), "simple query took %.1f ms",
            r->query_ms);
    if (r->check && !r->check_ok)
        hfn_add(p, HF_CRITICAL, "%s failed: %s", r->check == 2 ? "integrity_check" :
                "quick_check", r->check_msg);
    else if (r->check)
        hfn_add(p, HF_OK, "%s ok", r->check == 2 ? "integrity_check" : "quick_check");
    for (size_t i = 0; i < r->ntables; i++)
        if (r->tables[i].rows >= 0)
            hfn_add(p, HF_OK, "table %s: at most %lld rows", r->tables[i].name,
                    (long long)r->tables[i].rows);
    hfm_db_file_perf(p, d, r);
}

/* Load the state (a missing or bad file only means a rebuild). */
static hf_db_state *hfm_db_state(hfn *p, const char *db, const hfm_db_opts *d,
                                 char *path, size_t n)
{
    hf_db_state *st = hf_db_state_new();
    char name[256], err[HF_ERR_MAX];
    int r;

    path[0] = '\0';
    if (!st)
        return NULL;
    r = hf_db_state_name(db, d->table, name, sizeof(name));
    if (!r)
        r = hfn_state_path(p, path, n, name);
    if (r < 0) {
        hfn_add(p, HF_UNKNOWN, "state directory: %s", strerror(-r));
        path[0] = '\0';
        return st;
    }
    hf_db_state_load(st, path, err, sizeof(err));   /* problems show as "rebuilt: ..." */
    return st;
}

static void hfm_db_run(hfn *p, const void *o)
{
    const hfm_db_opts *d = o;
    char db[HF_PATH_MAX], spath[HF_PATH_MAX], err[HF_ERR_MAX];
    hf_db_config cfg = {0};
    hf_db_result *r = calloc(1, sizeof(*r));
    hf_db_state *st;
    long left;

    if (!r || (d->db ? hf_strlcpy(db, d->db, sizeof(db)) >= sizeof(db)
                     : hfn_path(p, db, sizeof(db), HF_DEFAULT_DB) < 0)) {
        hfn_add(p, HF_UNKNOWN, r ? "database path too long" : "out of memory");
        free(r);
        return;
    }
    st = hfm_db_state(p, db, d, spath, sizeof(spath));
    left = hfn_time_left_ms(p) - HFM_DB_SAVE_MARGIN_MS;
    cfg = (hf_db_config){.path = db, .table = d->table, .time_col = d->time_col,
                         .rt_col = d->rt_col, .status_col = d->status_col,
                         .error_status = d->error_status, .budget_ms = left < 100 ? 100 : left,
                         .quick_check = d->quick, .integrity_check = d->integrity};
    hf_db_probe(&cfg, st, r);
    if (st && r->stats && spath[0] && hf_db_state_save(st, spath, err, sizeof(err)) < 0)
        hfn_add(p, HF_UNKNOWN, "%s", err);
    hfm_db_report(p, d, r);
    hf_db_state_free(st);
    free(r);
}

static const struct option hfm_db_longopts[] = {
    {"db", required_argument, NULL, HFM_DB_OPT_DB},
    {"table", required_argument, NULL, HFM_DB_OPT_TABLE},
    {"time-column", required_argument, NULL, HFM_DB_OPT_TIME},
    {"rt-column", required_argument, NULL, HFM_DB_OPT_RT},
    {"status-column", required_argument, NULL, HFM_DB_OPT_STATUS},
    {"error-status", required_argument, NULL, HFM_DB_OPT_ERRSTATUS},
    {"window", required_argument, NULL, HFM_DB_OPT_WINDOW},
    {"error-warning", required_argument, NULL, HFM_DB_OPT_EW},
    {"error-critical", required_argument, NULL, HFM_DB_OPT_EC},
    {"p95-warning", required_argument, NULL, HFM_DB_OPT_PW},
    {"p95-critical", required_argument, NULL, HFM_DB_OPT_PC},
    {"query-warning", required_argument, NULL, HFM_DB_OPT_QW},
    {"query-critical", required_argument, NULL, HFM_DB_OPT_QC},
    {"quick-check", no_argument, NULL, HFM_DB_OPT_QUICK},
    {"integrity-check", no_argument, NULL, HFM_DB_OPT_INTEGRITY},
    {0},
};

const hfn_mode hfm_db = {
    .name = "db",
    .title = "DB",
    .usage = "[--db FILE] [--table NAME] [--time-column COL] [--rt-column COL] "
             "[--status-column COL] [--error-status TEXT] [--window 1h|24h|7d|30d] "
             "[--error-warning RANGE] [--error-critical RANGE] [--p95-warning RANGE] "
             "[--p95-critical RANGE] [--query-warning RANGE] [--query-critical RANGE] "
             "[--quick-check|--integrity-check] [--state-dir DIR] [-t SECONDS]",
    .help =
        "Checks HelixFlow's SQLite database read-only: file, WAL and page facts, row\n"
        "estimates per table, a simple query's latency and request statistics of\n"
        "inference_requests over 1h/24h/7d/30d, read incrementally (state in --state-dir).\n"
        "  --db FILE              database (default <root>" HF_DEFAULT_DB ")\n"
        "  --table NAME           request table (default " HF_DEFAULT_DB_TABLE ")\n"
        "  --time-column COL      created_at column, UTC (default " HF_DEFAULT_DB_TIME_COL ")\n"
        "  --rt-column COL        response time in ms (default " HF_DEFAULT_DB_RT_COL ")\n"
        "  --status-column COL    status column (default " HF_DEFAULT_DB_STATUS_COL ")\n"
        "  --error-status TEXT    status marking a failure (default " HF_DEFAULT_DB_ERROR_STATUS ")\n"
        "  --window W             window the thresholds apply to: 1h, 24h, 7d, 30d (default 24h)\n"
        "  --error-warning RANGE  error rate % (default 1; -w is short for it)\n"
        "  --error-critical RANGE error rate % (default 5; -c is short for it)\n"
        "  --p95-warning RANGE    p95 response time ms (default 5000)\n"
        "  --p95-critical RANGE   p95 response time ms (default 10000)\n"
        "  --query-warning RANGE  simple query ms (default 100, the guide's target)\n"
        "  --query-critical RANGE simple query ms (default 500)\n"
        "  --quick-check          run PRAGMA quick_check (reads the whole file)\n"
        "  --integrity-check      run PRAGMA integrity_check (slower, more thorough)\n",
    .opts_size = sizeof(hfm_db_opts),
    .defaults = hfm_db_defaults,
    .option = hfm_db_option,
    .longopts = hfm_db_longopts,
    .shortopts = "",
    .validate = hfm_db_validate,
    .run = hfm_db_run,
};
