/* hf_period: the figures of a report period and their judgement (design
 * in hf_period.h). Pure: from the store and its update result to the
 * report struct; the run with the state file is hf_period_run.c. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_days_int.h"
#include "hf_period.h"
#include "hf_time.h"

static double hf_period_num(const char *s)
{
    double v = NAN;

    hf_parse_double(s, &v);
    return v;
}

void hf_period_targets_default(hf_period_targets *t)
{
    t->error_rate_pct = hf_period_num(HF_THR_DB_ERR_WARN);
    t->p95_ms = hf_period_num(HF_THR_DB_P95_WARN);
    t->query_ms = HF_TARGET_DB_QUERY_MS;
    t->disk_pct = HF_TARGET_DISK_PCT;
    t->availability_pct = HF_TARGET_AVAILABILITY_PCT;
    t->mttr_s = HF_TARGET_MTTR_S;
    t->mtbf_s = HF_TARGET_MTBF_S;
    t->cert_days = HF_DEFAULT_CERT_WARN_DAYS;
}

void hf_period_host_init(hf_period_host *h)
{
    memset(h, 0, sizeof(*h));
    h->disk_pct = NAN;
    h->cert_days = NAN;
}

int hf_period_target_set(hf_period_targets *t, const char *a, char *err, size_t n)
{
    static const struct { const char *name; size_t off; double scale; double max; } names[] = {
        {"error_rate", offsetof(hf_period_targets, error_rate_pct), 1, 100},
        {"p95", offsetof(hf_period_targets, p95_ms), 1, 1e9},
        {"query", offsetof(hf_period_targets, query_ms), 1, 1e9},
        {"disk", offsetof(hf_period_targets, disk_pct), 1, 100},
        {"availability", offsetof(hf_period_targets, availability_pct), 1, 100},
        {"mttr", offsetof(hf_period_targets, mttr_s), 60, 1e9},
        {"mtbf", offsetof(hf_period_targets, mtbf_s), 86400, 1e9},
        {"cert_days", offsetof(hf_period_targets, cert_days), 1, 1e6},
    };
    const char *eq = a ? strchr(a, '=') : NULL;
    double v;

    if (!eq) {
        hf_err_set(err, n, "'%s' is not NAME=VALUE", a ? a : "");
        return -EINVAL;
    }
    for (size_t i = 0; i < HF_ARRAY_SIZE(names); i++) {
        if (strlen(names[i].name) != (size_t)(eq - a) || strncmp(a, names[i].name, (size_t)(eq - a)))
            continue;
        if (hf_parse_double(eq + 1, &v) < 0 || v < 0 || v > names[i].max) {
            hf_err_set(err, n, "%.*s: '%s' is not a number from 0 to %g", (int)(eq - a), a, eq + 1,
                       names[i].max);
            return -EINVAL;
        }
        *(double *)((char *)t + names[i].off) = v * names[i].scale;
        return 0;
    }
    hf_err_set(err, n, "unknown target '%.*s' (error_rate, p95, query, disk, cert_days, "
               "availability, mttr, mtbf)", (int)(eq - a), a);
    return -EINVAL;
}

void hf_period_config_init(hf_period_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->kind = HF_PERIOD_MONTHLY;
    cfg->end_day = HF_PERIOD_YESTERDAY;
    cfg->db.path = HF_DEFAULT_DB;
    hf_period_targets_default(&cfg->targets);
}

static const char *const hf_period_kinds[] = {"daily", "weekly", "monthly"};
static const unsigned hf_period_len[] = {1, 7, 30};

int hf_period_kind_parse(const char *s, hf_period_kind *kind)
{
    for (unsigned i = 0; i < HF_ARRAY_SIZE(hf_period_kinds); i++) {
        if (s && strcmp(s, hf_period_kinds[i]) == 0) {
            *kind = (hf_period_kind)i;
            return 0;
        }
    }
    return -EINVAL;
}

const char *hf_period_kind_name(hf_period_kind k)
{
    return (unsigned)k < HF_ARRAY_SIZE(hf_period_kinds) ? hf_period_kinds[k] : "?";
}

const char *hf_verdict_name(hf_verdict v)
{
    static const char *const names[] = {"none", "met", "not met", "unknown"};

    return (unsigned)v < HF_ARRAY_SIZE(names) ? names[v] : "unknown";
}

int hf_period_day_parse(const char *s, double now, int64_t *day, char *err, size_t n)
{
    int64_t today = hf_days_floor_day(now);
    double t;

    if (s && strcmp(s, "yesterday") == 0) {
        *day = today - 1;
        return 0;
    }
    if (s && strcmp(s, "today") == 0) {
        *day = today;
        return 0;
    }
    if (s && strlen(s) == 10) {
        char full[20];
        snprintf(full, sizeof(full), "%s 00:00:00", s);
        if (hf_time_parse_created_at(full, 19, &t) == 0) {
            *day = hf_days_floor_day(t);
            return 0;
        }
    }
    hf_err_set(err, n, "'%s' is not a day (YYYY-MM-DD, today or yesterday)", s ? s : "");
    return -EINVAL;
}

static int64_t hf_period_end(const hf_period_config *cfg, double now)
{
    return cfg->end_day == HF_PERIOD_YESTERDAY ? hf_days_floor_day(now) - 1 : cfg->end_day;
}

int64_t hf_period_need_day(const hf_period_config *cfg, double now)
{
    unsigned len = hf_period_len[(unsigned)cfg->kind < 3 ? cfg->kind : 2];

    return hf_period_end(cfg, now) - 2 * (int64_t)len + 1;
}

void hf_period_bounds(const hf_period_config *cfg, double now, int64_t *first, int64_t *last)
{
    unsigned len = hf_period_len[(unsigned)cfg->kind < 3 ? cfg->kind : 2];

    *last = hf_period_end(cfg, now);
    *first = *last - len + 1;
}

/* ---- texts ---- */

static void hf_period_count_text(char *out, size_t n, uint64_t v)
{
    char digits[32], *p = out;
    int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);

    for (int i = 0; i < len && (size_t)(p - out) + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            *p++ = ',';
        *p++ = digits[i];
    }
    *p = '\0';
}

static void hf_period_bytes_text(char *out, size_t n, double b)
{
    if (b >= 1024.0 * 1024 * 1024)
        snprintf(out, n, "%.1f GiB", b / (1024.0 * 1024 * 1024));
    else if (b >= 1024.0 * 1024)
        snprintf(out, n, "%.1f MiB", b / (1024.0 * 1024));
    else if (b >= 1024.0)
        snprintf(out, n, "%.1f KiB", b / 1024.0);
    else
        snprintf(out, n, "%.0f B", b);
}

static void hf_period_duration_text(char *out, size_t n, double s)
{
    if (s < 3600)
        snprintf(out, n, "%.1f min", s / 60);
    else if (s < 2 * 86400)
        snprintf(out, n, "%.1f h", s / 3600);
    else
        snprintf(out, n, "%.1f days", s / 86400);
}

/* The value as shown, per figure. */
static void hf_period_value_text(int fig, double v, char *out, size_t n)
{
    if (isnan(v)) {
        snprintf(out, n, "n/a");
        return;
    }
    switch (fig) {
    case HF_FIG_REQUESTS:
    case HF_FIG_ERRORS:
    case HF_FIG_DB_ROWS:
        hf_period_count_text(out, n, (uint64_t)v);
        break;
    case HF_FIG_ERROR_RATE:
        snprintf(out, n, "%.2f %%", v);
        break;
    case HF_FIG_AVG:
    case HF_FIG_P95:
        snprintf(out, n, "%.1f ms", v);
        break;
    case HF_FIG_GROWTH:
        snprintf(out, n, "%+.1f %%", v);
        break;
    case HF_FIG_DB_SIZE:
        hf_period_bytes_text(out, n, v);
        break;
    case HF_FIG_DB_QUERY:
        snprintf(out, n, "%.2f ms", v);
        break;
    case HF_FIG_DISK:
        snprintf(out, n, "%.1f %%", v);
        break;
    case HF_FIG_AVAILABILITY:
        snprintf(out, n, "%.3f %%", v);
        break;
    case HF_FIG_CERT_DAYS:      /* rounded down, as the cert check shows it */
        snprintf(out, n, "%.1f days", floor(v * 10) / 10);
        break;
    default:
        hf_period_duration_text(out, n, v);
        break;
    }
}

static const struct {
    const char *key, *label, *unit, *group;
} hf_period_figs[HF_FIG_COUNT] = {
    [HF_FIG_REQUESTS] = {"requests", "Requests", "", "requests"},
    [HF_FIG_ERRORS] = {"errors", "Errors", "", "requests"},
    [HF_FIG_ERROR_RATE] = {"error_rate_pct", "Error rate", "%", "requests"},
    [HF_FIG_AVG] = {"avg_response_ms", "Average response", "ms", "requests"},
    [HF_FIG_P95] = {"p95_response_ms", "p95 response", "ms", "requests"},
    [HF_FIG_GROWTH] = {"growth_pct", "Growth vs the previous period", "%", "requests"},
    [HF_FIG_DB_SIZE] = {"db_size_bytes", "Database size", "B", "database"},
    [HF_FIG_DB_ROWS] = {"db_rows", "Database rows", "", "database"},
    [HF_FIG_DB_QUERY] = {"db_query_ms", "Simple query", "ms", "database"},
    [HF_FIG_DISK] = {"disk_used_pct", "Disk use", "%", "database"},
    [HF_FIG_CERT_DAYS] = {"cert_days_left", "Certificate days left", "d", "certificates"},
    [HF_FIG_AVAILABILITY] = {"availability_pct", "Availability", "%", "uptime"},
    [HF_FIG_MTTR] = {"mttr_s", "MTTR", "s", "uptime"},
    [HF_FIG_MTBF] = {"mtbf_s", "MTBF", "s", "uptime"},
};

static hf_period_figure *hf_period_fig(hf_period_report *r, int i, double v, double prev)
{
    hf_period_figure *f = &r->fig[i];

    f->key = hf_period_figs[i].key;
    f->label = hf_period_figs[i].label;
    f->unit = hf_period_figs[i].unit;
    f->group = hf_period_figs[i].group;
    f->value = v;
    f->prev = prev;
    f->cmp = "";
    f->target = NAN;
    f->verdict = HF_VERDICT_NONE;
    hf_period_value_text(i, v, f->text, sizeof(f->text));
    if (isnan(prev))
        f->prev_text[0] = '\0';
    else
        hf_period_value_text(i, prev, f->prev_text, sizeof(f->prev_text));
    return f;
}

/* Judge f against target with cmp ("<=" or ">="). */
static void hf_period_judge(hf_period_report *r, int i, const char *cmp, double target,
                            const char *source)
{
    hf_period_figure *f = &r->fig[i];
    char t[48];

    f->cmp = cmp;
    f->target = target;
    hf_period_value_text(i, target, t, sizeof(t));
    if (i == HF_FIG_MTTR || i == HF_FIG_MTBF)
        hf_period_duration_text(t, sizeof(t), target);
    if (i == HF_FIG_P95 || i == HF_FIG_DB_QUERY)
        snprintf(t, sizeof(t), "%g ms", target);
    else if (i == HF_FIG_ERROR_RATE || i == HF_FIG_DISK || i == HF_FIG_AVAILABILITY)
        snprintf(t, sizeof(t), "%g %%", target);
    else if (i == HF_FIG_MTTR)
        snprintf(t, sizeof(t), "%g min", target / 60);
    else if (i == HF_FIG_MTBF)
        snprintf(t, sizeof(t), "%g days", target / 86400);
    else if (i == HF_FIG_CERT_DAYS)
        snprintf(t, sizeof(t), "%g days", target);
    snprintf(f->target_text, sizeof(f->target_text), "%s %s", cmp[0] == '<' ? "at most" :
             "at least", t);
    if (isnan(f->value))
        f->verdict = HF_VERDICT_UNKNOWN;
    else
        f->verdict = (cmp[0] == '<' ? f->value <= target : f->value >= target) ? HF_VERDICT_MET
                                                                            : HF_VERDICT_NOT_MET;
    if (source && !f->note[0])
        snprintf(f->note, sizeof(f->note), "target: %s", source);
    r->targets++;
    r->met += f->verdict == HF_VERDICT_MET;
    r->not_met += f->verdict == HF_VERDICT_NOT_MET;
    r->unknown += f->verdict == HF_VERDICT_UNKNOWN;
}

static void hf_period_note(hf_period_report *r, const char *fmt, ...) HF_PRINTF(2, 3);

static void hf_period_note(hf_period_report *r, const char *fmt, ...)
{
    va_list ap;

    if (r->nnotes == HF_PERIOD_NOTES)
        return;
    va_start(ap, fmt);
    vsnprintf(r->notes[r->nnotes++], sizeof(r->notes[0]), fmt, ap);
    va_end(ap);
}

static void hf_period_date(int64_t day, char *out)
{
    hf_time_format_date((double)day * 86400.0, out, 11);
}

/* ---- the figures ---- */

/* Is day inside the data? (complete in the store, not before the oldest row) */
static bool hf_period_covered(const hf_days_result *res, int64_t day)
{
    if (!res || res->status != HF_DAYS_OK || res->from_day == HF_DAYS_NONE || day < res->from_day)
        return false;
    return isnan(res->oldest) || day >= hf_days_floor_day(res->oldest);
}

static void hf_period_series(hf_period_report *r, const hf_days_state *st,
                             const hf_days_result *res)
{
    int64_t min_rowid = res ? res->min_rowid : 0;

    r->ndays = 0;
    for (int64_t d = r->prev_first_day; d <= r->last_day; d++) {
        hf_period_day *p = &r->days[r->ndays++];
        hf_days_agg a;
        hf_days_get(st, d, min_rowid, &a);
        p->day = d;
        hf_period_date(d, p->date);
        p->previous = d < r->first_day;
        p->covered = hf_period_covered(res, d);
        p->pruned = a.pruned;
        p->count = a.count;
        p->errors = a.errors;
        p->error_pct = hf_days_error_pct(&a);
        p->avg_ms = hf_days_avg(&a);
        p->p95_ms = hf_days_p95(&a);
        if (p->covered)
            *(p->previous ? &r->prev_days_covered : &r->days_covered) += 1;
    }
}

static int hf_period_busier(const void *a, const void *b)
{
    const hf_period_day *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->day < y->day ? -1 : x->day > y->day;
}

static void hf_period_busiest(hf_period_report *r)
{
    hf_period_day sorted[HF_PERIOD_MAX_DAYS];
    size_t n = 0;

    for (size_t i = 0; i < r->ndays; i++)
        if (!r->days[i].previous && r->days[i].count)
            sorted[n++] = r->days[i];
    qsort(sorted, n, sizeof(sorted[0]), hf_period_busier);
    r->nbusiest = n < HF_PERIOD_BUSIEST ? n : HF_PERIOD_BUSIEST;
    memcpy(r->busiest, sorted, r->nbusiest * sizeof(sorted[0]));
}

static void hf_period_request_figs(hf_period_report *r, const hf_period_config *cfg,
                                   const hf_days_state *st, const hf_days_result *res)
{
    hf_days_agg *cur = malloc(sizeof(*cur)), *prev = malloc(sizeof(*prev));
    int64_t min_rowid = res ? res->min_rowid : 0;
    unsigned pruned = 0;
    bool known = res && res->status == HF_DAYS_OK && st;
    double growth = NAN;
    hf_period_figure *f;

    if (!cur || !prev) {
        free(cur);
        free(prev);
        known = false;
        hf_period_note(r, "out of memory: the request figures are not known");
    } else {
        hf_days_sum(st, r->first_day, r->last_day, min_rowid, cur, &pruned);
        hf_days_sum(st, r->prev_first_day, r->prev_last_day, min_rowid, prev, NULL);
    }
#define V(e) (known ? (e) : NAN)
    hf_period_fig(r, HF_FIG_REQUESTS, V((double)cur->count), V((double)prev->count));
    hf_period_fig(r, HF_FIG_ERRORS, V((double)cur->errors), V((double)prev->errors));
    f = hf_period_fig(r, HF_FIG_ERROR_RATE, V(hf_days_error_pct(cur)), V(hf_days_error_pct(prev)));
    if (known && !cur->count)
        snprintf(f->note, sizeof(f->note), "no requests in the period");
    hf_period_judge(r, HF_FIG_ERROR_RATE, "<=", cfg->targets.error_rate_pct,
                    "the db check's warning threshold (check_helixflow_db)");
    f = hf_period_fig(r, HF_FIG_AVG, V(hf_days_avg(cur)), V(hf_days_avg(prev)));
    snprintf(f->note, sizeof(f->note), "no target: the guide's 200 ms is the health check's");
    f = hf_period_fig(r, HF_FIG_P95, V(hf_days_p95(cur)), V(hf_days_p95(prev)));
    snprintf(f->note, sizeof(f->note), "nearest rank, within %g %% of the exact value",
             HF_DAYS_P95_BOUND * 100);
    hf_period_judge(r, HF_FIG_P95, "<=", cfg->targets.p95_ms, NULL);
    if (known && prev->count)
        growth = ((double)cur->count - (double)prev->count) * 100.0 / (double)prev->count;
    f = hf_period_fig(r, HF_FIG_GROWTH, growth, NAN);
    if (known && !prev->count)
        snprintf(f->note, sizeof(f->note), "no requests in the previous period");
    else if (known && r->prev_days_covered < r->ndays_period)
        snprintf(f->note, sizeof(f->note), "the previous period has data for %u of its %u days",
                 r->prev_days_covered, r->ndays_period);
#undef V
    if (pruned)
        hf_period_note(r, "%u day%s of the period had rows deleted from the table after they "
                       "were counted (retention): figures are as counted, more than a COUNT(*) "
                       "finds now", pruned, pruned == 1 ? "" : "s");
    free(cur);
    free(prev);
}

static void hf_period_db_figs(hf_period_report *r, const hf_period_config *cfg,
                              const hf_days_result *res, const hf_period_host *host)
{
    double disk_pct = host ? host->disk_pct : NAN;
    bool ok = res && res->status == HF_DAYS_OK;
    double size = ok && res->file_size >= 0 ?
                  (double)res->file_size + (double)(res->wal_size > 0 ? res->wal_size : 0) : NAN;
    hf_period_figure *f;

    f = hf_period_fig(r, HF_FIG_DB_SIZE, size, NAN);
    snprintf(f->note, sizeof(f->note), "the file and its WAL, now");
    f = hf_period_fig(r, HF_FIG_DB_ROWS, ok ? (double)res->rows_estimate : NAN, NAN);
    snprintf(f->note, sizeof(f->note), "max(rowid) - min(rowid) + 1: exact unless rows were "
             "deleted from the middle");
    hf_period_fig(r, HF_FIG_DB_QUERY, ok ? res->query_ms : NAN, NAN);
    hf_period_judge(r, HF_FIG_DB_QUERY, "<=", cfg->targets.query_ms, "the guide's KPI "
                    "(simple queries)");
    f = hf_period_fig(r, HF_FIG_DISK, disk_pct, NAN);
    hf_period_judge(r, HF_FIG_DISK, "<=", cfg->targets.disk_pct, "the guide's disk threshold");
    if (isnan(disk_pct))
        snprintf(f->note, sizeof(f->note), "the database's filesystem could not be measured");
}

static void hf_period_cert_figs(hf_period_report *r, const hf_period_config *cfg,
                                const hf_period_host *host)
{
    hf_period_figure *f;
    bool any = host && host->certs_read;

    f = hf_period_fig(r, HF_FIG_CERT_DAYS, any ? host->cert_days : NAN, NAN);
    hf_period_judge(r, HF_FIG_CERT_DAYS, ">=", cfg->targets.cert_days, NULL);
    if (!host || (!host->certs_read && !host->certs_failed))
        snprintf(f->note, sizeof(f->note), "no certificate configured");
    else if (host->certs_failed)
        hf_err_set(f->note, sizeof(f->note), "%u of %u not read: %s", host->certs_failed,
                   host->certs_failed + host->certs_read, host->cert_error);
    else
        snprintf(f->note, sizeof(f->note), "%s, the earliest of %u", host->cert_name,
                 host->certs_read);
    if (host && host->certs_failed && f->verdict == HF_VERDICT_MET) {
        f->verdict = HF_VERDICT_UNKNOWN;   /* an unreadable certificate is not a met target */
        r->met--;
        r->unknown++;
    }
}

static void hf_period_uptime_figs(hf_period_report *r, const hf_period_config *cfg)
{
    const hf_period_uptime *u = cfg->uptime && cfg->uptime->known ? cfg->uptime : NULL;
    const int figs[] = {HF_FIG_AVAILABILITY, HF_FIG_MTTR, HF_FIG_MTBF};

    hf_period_fig(r, HF_FIG_AVAILABILITY, u ? u->availability_pct : NAN, NAN);
    hf_period_fig(r, HF_FIG_MTTR, u ? u->mttr_s : NAN, NAN);
    hf_period_fig(r, HF_FIG_MTBF, u ? u->mtbf_s : NAN, NAN);
    for (size_t i = 0; i < HF_ARRAY_SIZE(figs); i++) {
        hf_period_figure *f = &r->fig[figs[i]];
        if (!u && cfg->uptime && cfg->uptime->why[0])
            snprintf(f->note, sizeof(f->note), "not measured: %.200s", cfg->uptime->why);
        else if (!u)
            snprintf(f->note, sizeof(f->note), "not measured: no ledger");
        else if (isnan(f->value))
            snprintf(f->note, sizeof(f->note), "%s", figs[i] == HF_FIG_AVAILABILITY ?
                     "no monitored time in the period" : figs[i] == HF_FIG_MTTR ?
                     "no incident ended in the period" : "no incident began in the period");
        else
            snprintf(f->note, sizeof(f->note), "from the %.220s", u->source[0] ? u->source : "ledger");
    }
    hf_period_judge(r, HF_FIG_AVAILABILITY, ">=", cfg->targets.availability_pct, NULL);
    hf_period_judge(r, HF_FIG_MTTR, "<=", cfg->targets.mttr_s, NULL);
    hf_period_judge(r, HF_FIG_MTBF, ">=", cfg->targets.mtbf_s, NULL);
    if (cfg->uptime)
        r->uptime = *cfg->uptime;
    else
        memset(&r->uptime, 0, sizeof(r->uptime));
    if (u)
        hf_period_note(r, "uptime from the %s: %.3f s monitored of the period, %.3f s down; "
                       "%u incident%s began; %ld restart%s ran (%ld succeeded)",
                       u->source[0] ? u->source : "ledger", u->measured_s, u->downtime_s,
                       u->incidents, u->incidents == 1 ? "" : "s", u->restarts,
                       u->restarts == 1 ? "" : "s", u->restarts_ok);
}

static void hf_period_coverage_notes(hf_period_report *r, const hf_days_result *res)
{
    char when[24], d[11];

    if (!res || res->status != HF_DAYS_OK)
        return;
    if (r->days_covered < r->ndays_period) {
        if (!isnan(res->oldest))
            hf_period_note(r, "%u of the period's %u days are before the database's oldest row "
                           "(%s UTC): nothing is known of them", r->ndays_period - r->days_covered,
                           r->ndays_period, hf_time_format(res->oldest, when, sizeof(when)));
        else {
            hf_period_date(res->from_day, d);
            hf_period_note(r, "%u of the period's %u days are before %s, the first day kept",
                           r->ndays_period - r->days_covered, r->ndays_period, d);
        }
    }
    if (r->last_day >= res->today)
        hf_period_note(r, "the period includes today, up to %s UTC",
                       hf_time_format(res->now, when, sizeof(when)));
    if (res->coverage < 1.0)
        hf_period_note(r, "the read stopped at its time budget with %.0f %% of the rows read: the "
                       "figures are partial; run again to continue", res->coverage * 100);
    if (res->skipped)
        hf_period_note(r, "%llu row%s with an unusable created_at %s in no day (last: %s)",
                       (unsigned long long)res->skipped, res->skipped == 1 ? "" : "s",
                       res->skipped == 1 ? "is" : "are", res->skipped_example);
    if (res->ahead)
        hf_period_note(r, "%llu row%s dated more than %d days ahead %s in no day",
                       (unsigned long long)res->ahead, res->ahead == 1 ? "" : "s", HF_DAYS_AHEAD,
                       res->ahead == 1 ? "is" : "are");
}

static void hf_period_summary(hf_period_report *r)
{
    hf_buf b = {0};
    const char *sep = "; not met: ";

    r->overall = r->not_met ? HF_VERDICT_NOT_MET : r->met ? HF_VERDICT_MET : HF_VERDICT_UNKNOWN;
    hf_buf_printf(&b, "%u of %u targets met", r->met, r->targets);
    for (int i = 0; i < HF_FIG_COUNT; i++) {
        const hf_period_figure *f = &r->fig[i];
        if (f->verdict != HF_VERDICT_NOT_MET)
            continue;
        hf_buf_printf(&b, "%s%s %s (%s)", sep, f->label, f->text, f->target_text);
        sep = ", ";
    }
    sep = "; not measured: ";
    for (int i = 0; i < HF_FIG_COUNT; i++) {
        if (r->fig[i].verdict != HF_VERDICT_UNKNOWN)
            continue;
        hf_buf_printf(&b, "%s%s", sep, r->fig[i].label);
        sep = ", ";
    }
    hf_strlcpy(r->summary, hf_buf_str(&b), sizeof(r->summary));
    hf_buf_free(&b);
}

void hf_period_build(const hf_period_config *cfg, const hf_days_state *st,
                     const hf_days_result *res, const hf_period_host *host,
                     hf_period_report *out)
{
    double now = res && res->now > 0 ? res->now : cfg->db.now > 0 ? cfg->db.now : hf_real_now();
    unsigned len = hf_period_len[(unsigned)cfg->kind < 3 ? cfg->kind : 2];

    memset(out, 0, sizeof(*out));
    out->kind = cfg->kind;
    out->kind_name = hf_period_kind_name(cfg->kind);
    out->ndays_period = len;
    out->last_day = hf_period_end(cfg, now);
    out->first_day = out->last_day - len + 1;
    out->prev_last_day = out->first_day - 1;
    out->prev_first_day = out->first_day - len;
    hf_period_date(out->first_day, out->first);
    hf_period_date(out->last_day, out->last);
    hf_period_date(out->prev_first_day, out->prev_first);
    hf_period_date(out->prev_last_day, out->prev_last);
    out->generated = now;
    hf_time_format(now, out->generated_text, sizeof(out->generated_text));
    if (len == 1)
        snprintf(out->title, sizeof(out->title), "HelixFlow daily report, %s", out->first);
    else
        snprintf(out->title, sizeof(out->title), "HelixFlow %s report, %s to %s",
                 out->kind_name, out->first, out->last);
    out->p95_bound_pct = HF_DAYS_P95_BOUND * 100;
    hf_strlcpy(out->db_path, cfg->db.path ? cfg->db.path : "", sizeof(out->db_path));
    hf_strlcpy(out->table, cfg->db.table ? cfg->db.table : HF_DEFAULT_DB_TABLE, sizeof(out->table));
    if (res) {
        out->rows_read = res->rows_read;
        out->elapsed_ms = res->elapsed_ms;
        out->threads = res->threads;
    }
    hf_period_series(out, st, res);
    hf_period_busiest(out);
    hf_period_request_figs(out, cfg, st, res);
    hf_period_db_figs(out, cfg, res, host);
    hf_period_cert_figs(out, cfg, host);
    hf_period_uptime_figs(out, cfg);
    hf_period_coverage_notes(out, res);
    hf_period_summary(out);
}
