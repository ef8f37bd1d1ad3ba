/* hf_capacity: capacity figures and the date the disk reaches its target
 * (design in hf_capacity.h). */
#include "hf_capacity.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hf_defaults.h"
#include "hf_time.h"
#include "hf_units.h"

#define CAP_MONTH_DAYS 30.0
#define CAP_DEFAULT_RETENTION 30.0
#define CAP_HORIZON_DAYS 36500.0     /* later than 100 years: "not at the current growth" */

static void cap_host(const hf_capacity_config *cfg, hf_capacity_result *r)
{
    hf_resources_cfg rc = {.root = cfg->root, .path = cfg->fs_path, .proc_dir = cfg->proc_dir};
    hf_resources_result rr;

    memset(&rr, 0, sizeof(rr));
    if (hf_resources_probe(&rc, NULL, &rr) < 0) {
        hf_strlcpy(r->host_err, rr.error, sizeof(r->host_err));
        return;
    }
    r->host = true;
    r->cores = rr.ncpu;
    r->mem_total = rr.mem_total;
    r->mem_used = rr.mem_used;
    hf_strlcpy(r->fs_path, rr.fs_path, sizeof(r->fs_path));
    r->fs_total = rr.fs_total;
    r->fs_used = rr.fs_used;
    r->fs_avail = rr.fs_avail;
    r->fs_used_pct = rr.fs_used_pct;
}

/* The complete days covered by data: after the oldest row's day, before today. */
static void cap_window(hf_capacity_result *r)
{
    const hf_db_days_result *d = &r->days;
    int first = 0, last = d->ndays - 2;     /* yesterday */

    if (!isnan(d->oldest))
        while (first <= last && d->day0 + 86400.0 * first < d->oldest)
            first++;
    r->fit_first = first;
    r->fit_n = last >= first ? last - first + 1 : 0;
}

/* Least squares over the window: mean, slope, value at the window's end. */
static void cap_fit(hf_capacity_result *r)
{
    const int64_t *c = r->days.count + r->fit_first;
    double n = r->fit_n, sx = 0, sy = 0, sxx = 0, sxy = 0, den;

    for (int i = 0; i < r->fit_n; i++) {
        sx += i;
        sy += (double)c[i];
        sxx += (double)i * i;
        sxy += (double)i * (double)c[i];
    }
    r->mean_per_day = sy / n;
    den = n * sxx - sx * sx;
    r->slope_per_day = den > 0 ? (n * sxy - sx * sy) / den : 0;
    /* the line at the end of yesterday: x = n - 0.5 (day i is centred on i) */
    r->rate_per_day = fmax(0, r->mean_per_day + r->slope_per_day * (n - 0.5 - (n - 1) / 2.0));
}

static void cap_requests(hf_capacity_result *r)
{
    int last = r->days.ndays - 2, from = last - 29 < 0 ? 0 : last - 29;

    r->requests_30d = 0;
    for (int i = from; i <= last; i++)
        r->requests_30d += (uint64_t)(r->days.count[i] > 0 ? r->days.count[i] : 0);
}

static void cap_database(hf_capacity_result *r)
{
    const hf_db_days_result *d = &r->days;
    int64_t live = (d->page_count - d->freelist_count) * d->page_size;

    r->db_bytes = (d->file_size > 0 ? d->file_size : 0) + (d->wal_size > 0 ? d->wal_size : 0);
    r->bytes_per_row = d->rows > 0 ? (double)live / (double)d->rows : NAN;
    if (!r->growth_known || isnan(r->bytes_per_row)) {
        r->db_growth_month = NAN;
        return;
    }
    if (r->retention_days > 0)
        r->db_growth_month = r->bytes_per_row * r->retention_days * CAP_MONTH_DAYS * r->slope_per_day;
    else
        r->db_growth_month = r->bytes_per_row * CAP_MONTH_DAYS * r->rate_per_day;
}

static void cap_date(hf_capacity_result *r)
{
    double size = (double)r->fs_used + (double)r->fs_avail;

    r->target_left = r->target_pct / 100.0 * size - (double)r->fs_used;
    r->target_date = NAN;
    r->days_to_target = NAN;
    if (!r->host)
        return;
    if (r->target_left <= 0) {
        r->days_to_target = 0;
        r->target_date = r->now;
    } else if (isnan(r->db_growth_month)) {
        return;
    } else if (r->db_growth_month <= 0) {
        r->days_to_target = INFINITY;
    } else {
        r->days_to_target = r->target_left / r->db_growth_month * CAP_MONTH_DAYS;
        if (r->days_to_target > CAP_HORIZON_DAYS)
            r->days_to_target = INFINITY;
        else
            r->target_date = r->now + r->days_to_target * 86400.0;
    }
}

void hf_capacity_project(hf_capacity_result *r)
{
    cap_window(r);
    cap_requests(r);
    r->growth_known = false;
    r->mean_per_day = r->rate_per_day = r->slope_per_day = NAN;
    r->requests_month = r->req_growth_month = r->req_growth_pct = NAN;
    if (r->days.status != HF_DB_OK)
        hf_err_set(r->why, sizeof(r->why), "the database could not be read: %s", r->days.err);
    else if (r->fit_n < 2)
        hf_err_set(r->why, sizeof(r->why), "%d complete day%s of requests in the database: at least 2 "
                   "are needed for a growth", r->fit_n, r->fit_n == 1 ? "" : "s");
    else {
        cap_fit(r);
        r->growth_known = true;
        r->requests_month = CAP_MONTH_DAYS * r->mean_per_day;
        r->req_growth_month = CAP_MONTH_DAYS * r->slope_per_day;
        r->req_growth_pct = r->mean_per_day > 0 ? 100.0 * r->req_growth_month / r->mean_per_day : NAN;
    }
    cap_database(r);
    cap_date(r);
}

int hf_capacity_probe(const hf_capacity_config *cfg, hf_capacity_result *r)
{
    hf_db_days_config dc;

    if (!r)
        return -EINVAL;
    memset(r, 0, sizeof(*r));
    if (!cfg || !cfg->db) {
        r->days.status = HF_DB_ERROR;
        hf_err_set(r->days.err, sizeof(r->days.err), "no database file given");
        return -EINVAL;
    }
    r->now = cfg->now > 0 ? cfg->now : hf_real_now();
    hf_strlcpy(r->table, cfg->table ? cfg->table : HF_DEFAULT_DB_TABLE, sizeof(r->table));
    r->target_pct = cfg->target_pct > 0 ? cfg->target_pct : HF_TARGET_DISK_PCT;
    r->retention_days = cfg->retention_days < 0 ? CAP_DEFAULT_RETENTION : cfg->retention_days;
    cap_host(cfg, r);
    dc = (hf_db_days_config){.path = cfg->db, .table = cfg->table, .time_col = cfg->time_col,
                             .days = cfg->days, .now = r->now, .budget_ms = cfg->budget_ms};
    hf_db_days(&dc, &r->days);
    hf_capacity_project(r);
    return 0;
}

hf_state hf_capacity_judge(const hf_capacity_result *r, double warning_days, double critical_days,
                           hf_buf *why)
{
    char date[16];

    if (!r->host) {
        hf_buf_printf(why, "the host could not be read: %s", r->host_err);
        return HF_UNKNOWN;
    }
    if (r->days_to_target == 0) {
        hf_buf_printf(why, "the disk is at %.1f%%, at or above the %.0f%% target", r->fs_used_pct,
                      r->target_pct);
        return HF_CRITICAL;
    }
    if (isnan(r->days_to_target)) {
        hf_buf_printf(why, "no date for the %.0f%% disk target: %s", r->target_pct,
                      r->growth_known ? "the database's size per row is unknown (empty table)" : r->why);
        return HF_UNKNOWN;
    }
    if (isinf(r->days_to_target)) {
        hf_buf_printf(why, "the disk does not reach %.0f%% within 100 years at the current growth%s",
                      r->target_pct, r->db_growth_month <= 0 ? " (the database does not grow)" : "");
        return HF_OK;
    }
    hf_time_format_date(r->target_date, date, sizeof(date));
    hf_buf_printf(why, "the disk reaches %.0f%% on %s, in %.0f days", r->target_pct, date,
                  floor(r->days_to_target));
    if (r->days_to_target <= critical_days) {
        hf_buf_printf(why, " (critical within %g)", critical_days);
        return HF_CRITICAL;
    }
    if (r->days_to_target <= warning_days) {
        hf_buf_printf(why, " (warning within %g)", warning_days);
        return HF_WARNING;
    }
    return HF_OK;
}

static void cap_describe_host(const hf_capacity_result *r, hf_buf *out)
{
    char a[32], b[32], c[32];

    if (!r->host) {
        hf_buf_printf(out, "host: not read: %s\n", r->host_err);
        return;
    }
    hf_buf_printf(out, "CPU cores: %ld\n", r->cores);
    hf_buf_printf(out, "memory: %s (%s used)\n", hf_units_bytes((double)r->mem_total, a, sizeof(a)),
                  hf_units_bytes((double)r->mem_used, b, sizeof(b)));
    hf_buf_printf(out, "storage: %s on %s, %s used (%.1f%%), %s available\n",
                  hf_units_bytes((double)r->fs_total, a, sizeof(a)), r->fs_path,
                  hf_units_bytes((double)r->fs_used, b, sizeof(b)), r->fs_used_pct,
                  hf_units_bytes((double)r->fs_avail, c, sizeof(c)));
}

static void cap_describe_demand(const hf_capacity_result *r, hf_buf *out)
{
    char d0[16], d1[16];

    if (r->days.status != HF_DB_OK) {
        hf_buf_printf(out, "requests: not read: %s\n", r->days.err);
        return;
    }
    hf_buf_printf(out, "requests: %" PRIu64 " in the last 30 complete days (counted by %s, %u reads)\n",
                  r->requests_30d, r->days.method[0] ? r->days.method : "nothing", r->days.probes);
    if (!r->growth_known) {
        hf_buf_printf(out, "growth: unknown: %s\n", r->why);
        return;
    }
    hf_time_format_date(r->days.day0 + 86400.0 * r->fit_first, d0, sizeof(d0));
    hf_time_format_date(r->days.day0 + 86400.0 * (r->fit_first + r->fit_n - 1), d1, sizeof(d1));
    hf_buf_printf(out, "requests per month: %.0f (%.0f a day on average, %.0f a day now)\n",
                  r->requests_month, r->mean_per_day, r->rate_per_day);
    hf_buf_printf(out, "request growth: %+.1f%% a month (%+.0f requests a day more each month; least "
                  "squares over %d days, %s to %s)\n", r->req_growth_pct, r->req_growth_month,
                  r->fit_n, d0, d1);
}

static void cap_describe_db(const hf_capacity_result *r, hf_buf *out)
{
    char a[32], b[32];

    if (r->days.status != HF_DB_OK)
        return;
    hf_buf_printf(out, "database: %s, %" PRId64 " rows in %s", hf_units_bytes((double)r->db_bytes, a, sizeof(a)),
                  r->days.rows, r->table);
    if (!isnan(r->bytes_per_row))
        hf_buf_printf(out, " (%.0f B per row, indexes included)", r->bytes_per_row);
    hf_buf_printf(out, "\n");
    if (isnan(r->db_growth_month))
        return;
    hf_buf_printf(out, "database growth: %s%s a month (%s)\n", r->db_growth_month > 0 ? "+" : "",
                  hf_units_bytes(r->db_growth_month, b, sizeof(b)),
                  r->retention_days > 0 ? "a retention keeps the size to its days: it grows with demand"
                                        : "no retention: every row stays");
}

void hf_capacity_describe(const hf_capacity_result *r, hf_buf *out)
{
    char a[32], date[16];

    cap_describe_host(r, out);
    cap_describe_demand(r, out);
    cap_describe_db(r, out);
    if (!r->host)
        return;
    hf_buf_printf(out, "disk target %.0f%%: ", r->target_pct);
    if (r->days_to_target == 0)
        hf_buf_printf(out, "reached (%.1f%% used)\n", r->fs_used_pct);
    else if (isnan(r->days_to_target))
        hf_buf_printf(out, "%s left, no date (growth unknown)\n", hf_units_bytes(r->target_left, a, sizeof(a)));
    else if (isinf(r->days_to_target))
        hf_buf_printf(out, "%s left, not reached within 100 years at the current growth\n",
                      hf_units_bytes(r->target_left, a, sizeof(a)));
    else
        hf_buf_printf(out, "%s left, reached on %s (in %.0f days) at the current growth\n",
                      hf_units_bytes(r->target_left, a, sizeof(a)),
                      hf_time_format_date(r->target_date, date, sizeof(date)), floor(r->days_to_target));
}
