/* hf_capacity: the monthly capacity figures of a HelixFlow host
 * (helixflow-ops capacity): what the guide's monthly_capacity.sh prints
 * (cores, memory, storage, the last 30 days' requests), plus the growth of
 * requests and of the database per month and the date the disk reaches its
 * target (80 %) at that growth.
 *
 * DESIGN
 *
 * Host: hf_resources_probe (online CPUs, MemTotal, the deployment
 * filesystem's size, use and free space; df's convention: used % = used /
 * (used + available to unprivileged users)).
 *
 * Demand: hf_db_days: the rows of each UTC day over the last `days`
 * complete days (default 30) and today, by rowid bisection or an index
 * range count, never a scan (see hf_db_days.h for which rows count).
 *
 * The fit. A least-squares line through the counts of the complete days
 * covered by data: from the first whole day after the table's oldest row
 * (earlier days were removed by the retention, or before HelixFlow ran)
 * to yesterday; today is partial and left out. With n >= 2 such days:
 *   rate     the line's value at the end of yesterday, rows/day
 *   slope    its slope, rows/day per day
 *   requests per month      30 x the mean daily count (what the guide's
 *                           30-day COUNT(*) gives, from the same days)
 *   request growth / month  30 x slope rows/day, and as a % of the mean
 * Fewer days: growth unknown (growth_known false, why says so).
 *
 * The database. bytes per row = the live pages ((page_count -
 * freelist_count) x page_size, every table and index) / the table's rows
 * (its rowid span): the whole file's cost of one request row. Its growth
 * per month at the current growth:
 *   retention R days (retention_days > 0; maintenance keeps R days): the
 *     size follows R days of rows, so it grows by bytes/row x R x 30 x slope
 *     a month (0 for flat demand; negative when demand falls);
 *   no retention (retention_days 0): every row stays: bytes/row x 30 x rate.
 * The disk is taken to grow as the database does (logs rotate, backups
 * are a fixed number of copies: not modelled, said in the man page).
 *
 * The date. left = target% x (used + available) - used bytes. left <= 0:
 * already at the target (date now, days 0). Growth > 0: now + left /
 * growth months (30-day months), days_to_target. Growth <= 0, or a date
 * more than 100 years away: never at the current growth (days_to_target
 * INFINITY, no date).
 *
 * Judgement (hf_capacity_judge): CRITICAL at the target or reaching it
 * within critical_days (30), WARNING within warning_days (90), OK later or
 * never; UNKNOWN when the figures could not be made (the database or the
 * host unreadable), with what is known still shown.
 *
 * Cost: one resources probe and hf_db_days (O(days x log n) reads).
 * Thread-safe: no globals. Tests: tests/unit/test_capacity.c (the fit on
 * known series, retention and not, the date, the states, bad input);
 * tests/integration/ops_capacity.sh (the test bed against sqlite3). */
#ifndef HF_CAPACITY_H
#define HF_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include "hf_db_days.h"
#include "hf_range.h"
#include "hf_resources.h"
#include "hf_util.h"

typedef struct hf_capacity_config {
    const char *db;             /* the database (required) */
    const char *table, *time_col;   /* NULL: HelixFlow's */
    const char *root;           /* deployment root for the filesystem (NULL: /) */
    const char *fs_path;        /* NULL: <root>/opt/helixflow */
    const char *proc_dir;       /* NULL: /proc */
    int days;                   /* fit window, complete days; 0 = 30 */
    double retention_days;      /* 0: none (every row stays); < 0: the default 30 */
    double target_pct;          /* 0 = HF_TARGET_DISK_PCT (80) */
    double now;                 /* UTC epoch; 0: hf_real_now() */
    long budget_ms;             /* 0 = 5000 */
} hf_capacity_config;

typedef struct hf_capacity_result {
    /* host */
    bool host;                  /* the fields below were read */
    char host_err[HF_ERR_MAX];
    long cores;
    uint64_t mem_total, mem_used;
    char fs_path[HF_PATH_MAX];
    uint64_t fs_total, fs_used, fs_avail;
    double fs_used_pct;
    /* demand */
    hf_db_days_result days;     /* the counts (days.status: could they be read) */
    int fit_first, fit_n;       /* the fitted days: count[fit_first .. fit_first+fit_n) */
    bool growth_known;
    char why[HF_ERR_MAX];       /* why not known */
    double mean_per_day, rate_per_day, slope_per_day;
    double requests_month;      /* 30 x mean */
    double req_growth_month;    /* 30 x slope: rows/day more each month */
    double req_growth_pct;      /* of the mean, per month; NAN when mean is 0 */
    uint64_t requests_30d;      /* sum of the last 30 complete days counted */
    /* database */
    char table[128];            /* the request table */
    int64_t db_bytes;           /* file + WAL */
    double bytes_per_row;       /* NAN when the table is empty */
    double retention_days;      /* in force (0: none) */
    double db_growth_month;     /* bytes per month (may be < 0) */
    /* the date */
    double target_pct;
    double target_left;         /* bytes until the target (<= 0: reached) */
    double days_to_target;      /* 0 reached; INFINITY never at this growth; NAN unknown */
    double target_date;         /* UTC epoch; NAN when never/unknown */
    double now;
} hf_capacity_result;

/* Make the figures. Fills *res. Returns 0, or -EINVAL when cfg/res is NULL
 * or cfg->db is missing. What could not be read is in res (host_err,
 * days.status/err, why). */
int hf_capacity_probe(const hf_capacity_config *cfg, hf_capacity_result *res);

/* The fit and the projection alone from filled counts and host figures
 * (the probe calls it; tests give it series). */
void hf_capacity_project(hf_capacity_result *res);

/* The state and its reason (one line into why, e.g. "the disk reaches 80%
 * on 2027-03-02, in 89 days (warning within 90)"). */
hf_state hf_capacity_judge(const hf_capacity_result *res, double warning_days, double critical_days,
                           hf_buf *why);

/* The figures in lines for a person (each ending in '\n'). */
void hf_capacity_describe(const hf_capacity_result *res, hf_buf *out);

#endif
