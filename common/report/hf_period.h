/* hf_period: the figures of `helixflow-ops report daily|weekly|monthly`
 * and their judgement, for every renderer (text, JSON, HTML).
 *
 * DESIGN
 *
 * Periods are whole UTC days ending with end_day (included; default
 * yesterday, the last complete day): daily 1 day, weekly 7, monthly 30
 * (the guide's "last 30 days"). The previous period is as long and ends
 * the day before. Every figure comes from hf_days (hf_days.h), so
 *   requests, errors, error rate, average response    exact (SQLite's
 *     COUNT / SUM / AVG over created_at >= 'first 00:00:00' AND
 *     created_at < 'last+1 00:00:00');
 *   p95 response                                      within
 *     HF_DAYS_P95_BOUND (1 %) of the exact nearest-rank value;
 *   busiest days, the per-day series                  exact counts per day;
 *   growth                                            requests against the
 *     previous period, in % (NAN when it had none);
 *   database size (file + WAL), rows (max - min rowid + 1: exact without
 *   gaps, e.g. after retention deleted the oldest rows), the simple query
 *   (min/max rowid, prepare + step) and the use of its filesystem (the
 *   resources probe, df's convention), measured when the report runs;
 *   the certificates' days left (the cert probe: the least of the
 *   configured files, shown rounded down as the cert check shows it),
 *   measured when the report runs.
 * Availability, MTTR and MTBF come from the ledger (LEDGER HOOK below).
 *
 * Judgement, here and nowhere else. Each figure with a target gets MET or
 * NOT_MET, or UNKNOWN when it could not be measured; figures without a
 * target are NONE. The targets (hf_period_targets_default) are the
 * guide's, through the same constants as the checks, so every front-end
 * agrees with check_helixflow_db:
 *   error rate        at most 1 %        (HF_THR_DB_ERR_WARN, the db check's warning)
 *   p95 response      at most 5000 ms    (HF_THR_DB_P95_WARN)
 *   simple query      at most 100 ms     (HF_TARGET_DB_QUERY_MS, the guide's KPI)
 *   disk use          at most 80 %       (HF_TARGET_DISK_PCT)
 *   certificates      at least 30 days   (HF_DEFAULT_CERT_WARN_DAYS, the cert check's warning)
 *   availability      at least 99.9 %    (HF_TARGET_AVAILABILITY_PCT)
 *   MTTR              at most 15 min     (HF_TARGET_MTTR_S)
 *   MTBF              at least 30 days   (HF_TARGET_MTBF_S)
 * (the comparisons are the checks': a value equal to the target is met).
 * The average response has no target (the guide's 200 ms is the health
 * check's). Texts (labels, values as shown with their precision, targets,
 * notes, the summary) are written here; renderers only lay them out.
 *
 * Precision shown: counts whole; average and p95 in ms with 1 decimal;
 * error rate and growth in % with 2 and 1 decimals; sizes in bytes (and
 * MiB/GiB with 1 decimal in the text); the simple query with 2 decimals.
 * The exact values are in .value (JSON gives them to 3 decimals).
 *
 * Coverage, said in notes rather than hidden: days before the first
 * complete day of the store or before the database's oldest row, days
 * whose rows the table no longer holds (retention after they were
 * counted: their figures are as counted), a read stopped by the budget,
 * rows with unusable created_at, a state file that was refused.
 *
 * hf_period_run is the whole run for a front-end: the state directory
 * (created 0750, refused unless private), the state file's lock, load,
 * hf_days_update, save when changed, then hf_period_build. A state
 * directory that cannot be used gives a note and a full read (never a
 * wrong figure). Everything is in the report struct (fixed arrays, no
 * heap): nothing to free. No globals; thread-safe. Tests:
 * tests/unit/test_report_period.c (figures, verdicts, texts, coverage
 * notes, targets) and tests/integration/ops_report.sh (against sqlite3 on
 * the test bed). */
#ifndef HF_PERIOD_H
#define HF_PERIOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_days.h"
#include "hf_defaults.h"

#ifndef HF_TARGET_AVAILABILITY_PCT
#define HF_TARGET_AVAILABILITY_PCT 99.9
#endif
#ifndef HF_TARGET_MTTR_S
#define HF_TARGET_MTTR_S        900             /* under 15 minutes */
#endif
#ifndef HF_TARGET_MTBF_S
#define HF_TARGET_MTBF_S        (30 * 86400)    /* over 30 days */
#endif

#define HF_PERIOD_MAX_DAYS 30
#define HF_PERIOD_BUSIEST 10
#define HF_PERIOD_NOTES 10

typedef enum hf_period_kind {
    HF_PERIOD_DAILY, HF_PERIOD_WEEKLY, HF_PERIOD_MONTHLY
} hf_period_kind;

typedef enum hf_verdict {
    HF_VERDICT_NONE,            /* no target */
    HF_VERDICT_MET,
    HF_VERDICT_NOT_MET,
    HF_VERDICT_UNKNOWN,         /* a target, but no value to judge */
} hf_verdict;

typedef struct hf_period_targets {
    double error_rate_pct, p95_ms, query_ms, disk_pct;  /* met when <= */
    double availability_pct;                            /* met when >= */
    double mttr_s;                                      /* met when <= */
    double mtbf_s;                                      /* met when >= */
    double cert_days;                                   /* met when >= */
} hf_period_targets;

/* LEDGER HOOK. Availability, MTTR and MTBF of the period come from the
 * ledger (common/ledger: hf_ledger_stats_get over [first day 00:00, last
 * day + 1 00:00), every service). The caller fills this struct from it and
 * passes it in hf_period_config.uptime; NULL (or known false) makes the
 * three figures UNKNOWN "not measured: no ledger" (or "not measured: " and
 * why, when the ledger is there but could not be read). The judgement
 * against the targets stays here; the report keeps a copy (.uptime) and a
 * note with the incidents, restarts and measured time. */
typedef struct hf_period_uptime {
    bool known;
    double measured_s;          /* the period minus the monitoring gaps */
    double downtime_s;
    double availability_pct;    /* NAN when nothing was measured */
    double mttr_s, mtbf_s;      /* NAN when not defined (no incident ended / began) */
    unsigned incidents;         /* incidents that began in the period */
    long restarts, restarts_ok;
    char source[HF_PATH_MAX + 16];  /* "ledger /var/lib/helixflow-monitoring/ledger.db" */
    char why[HF_ERR_MAX];       /* known false: why ("" = no ledger), the notes say it */
} hf_period_uptime;

enum {
    HF_FIG_REQUESTS, HF_FIG_ERRORS, HF_FIG_ERROR_RATE, HF_FIG_AVG, HF_FIG_P95, HF_FIG_GROWTH,
    HF_FIG_DB_SIZE, HF_FIG_DB_ROWS, HF_FIG_DB_QUERY, HF_FIG_DISK, HF_FIG_CERT_DAYS,
    HF_FIG_AVAILABILITY, HF_FIG_MTTR, HF_FIG_MTBF,
    HF_FIG_COUNT
};

typedef struct hf_period_figure {
    const char *key;            /* stable name (JSON): "error_rate_pct" */
    const char *label;          /* "Error rate" */
    const char *unit;           /* "", "ms", "%", "B", "s", "d" */
    const char *group;          /* "requests", "database", "certificates", "uptime" */
    double value;               /* NAN: not known */
    char text[64];              /* value as shown: "0.50 %", "n/a" */
    double prev;                /* the previous period's value; NAN none */
    char prev_text[64];
    hf_verdict verdict;
    const char *cmp;            /* "<=", ">=" or "" (no target) */
    double target;              /* NAN: none */
    char target_text[64];       /* "at most 1 %", "" */
    char note[240];             /* the target's source, a bound, why unknown */
} hf_period_figure;

typedef struct hf_period_day {
    int64_t day;
    char date[11];              /* YYYY-MM-DD */
    bool previous;              /* in the previous period */
    bool covered;               /* inside the data (see DESIGN) */
    bool pruned;                /* rows deleted from the table since counted */
    uint64_t count, errors;
    double error_pct, avg_ms, p95_ms;   /* NAN when no row / response time */
} hf_period_day;

typedef struct hf_period_report {
    hf_period_kind kind;
    const char *kind_name;      /* "daily" */
    char title[96];             /* "HelixFlow monthly report, 2026-10-31 to 2026-11-29" */
    int64_t first_day, last_day, prev_first_day, prev_last_day;
    char first[11], last[11], prev_first[11], prev_last[11];
    unsigned ndays_period;      /* 1, 7, 30 */
    double generated;           /* the clock (UTC epoch) */
    char generated_text[24];    /* "YYYY-MM-DD HH:MM:SS" */
    hf_period_figure fig[HF_FIG_COUNT];
    /* the previous period's days, then the period's (chart series) */
    hf_period_day days[2 * HF_PERIOD_MAX_DAYS];
    size_t ndays;
    /* the period's busiest days, most requests first (ties: earlier first) */
    hf_period_day busiest[HF_PERIOD_BUSIEST];
    size_t nbusiest;
    unsigned days_covered, prev_days_covered;   /* of ndays_period */
    char notes[HF_PERIOD_NOTES][256];
    size_t nnotes;
    /* the judgement */
    unsigned targets, met, not_met, unknown;
    hf_verdict overall;         /* NOT_MET if any, else MET if any, else UNKNOWN */
    char summary[320];
    /* the ledger's figures as given (known false: not measured) */
    hf_period_uptime uptime;
    /* where the figures come from */
    char db_path[HF_PATH_MAX];
    char table[128];
    char state_path[HF_PATH_MAX];   /* "" when run without state */
    char state_note[HF_ERR_MAX + 64];   /* "loaded", "created", why rebuilt / not kept */
    uint64_t rows_read;
    double elapsed_ms;
    unsigned threads;
    double p95_bound_pct;       /* HF_DAYS_P95_BOUND * 100 */
} hf_period_report;

typedef struct hf_period_config {
    hf_period_kind kind;
    int64_t end_day;            /* last day included; HF_PERIOD_YESTERDAY = the default */
    hf_days_config db;          /* the database (need_day and now are set by the run) */
    const char *state_dir;      /* NULL/"": no state kept (everything read each time) */
    const char *fs_path;        /* the filesystem to judge; NULL: the database's directory */
    const char *cert_dir;       /* <dir>/<name>.crt; NULL/"": no certificate figure */
    const char *const *certs;   /* names; NULL: the standard four (HF_DEFAULT_CERTS) */
    size_t ncerts;
    hf_period_targets targets;
    const hf_period_uptime *uptime;     /* LEDGER HOOK; NULL until the ledger is plugged in */
} hf_period_config;

#define HF_PERIOD_YESTERDAY INT64_MIN

void hf_period_targets_default(hf_period_targets *t);
/* "NAME=VALUE": error_rate, p95, query, disk (at most), availability,
 * mtbf (at least; mtbf in days), mttr (at most, minutes). Returns 0 or
 * -EINVAL with err naming the name or value. */
int hf_period_target_set(hf_period_targets *t, const char *assignment, char *err, size_t n);
/* Defaults of cfg: monthly, yesterday, the standard database, default targets. */
void hf_period_config_init(hf_period_config *cfg);

/* "daily", "weekly", "monthly" -> kind. Returns 0 or -EINVAL. */
int hf_period_kind_parse(const char *s, hf_period_kind *kind);
const char *hf_period_kind_name(hf_period_kind k);
/* "yesterday", "today" or YYYY-MM-DD at clock now -> day. Returns 0 or
 * -EINVAL with err. */
int hf_period_day_parse(const char *s, double now, int64_t *day, char *err, size_t n);
const char *hf_verdict_name(hf_verdict v);  /* "none", "met", "not met", "unknown" */

/* The days the report needs from the store: the previous period's first day. */
int64_t hf_period_need_day(const hf_period_config *cfg, double now);
/* The period's first and last day at clock now (for the ledger query of
 * the LEDGER HOOK: [first * 86400, (last + 1) * 86400)). */
void hf_period_bounds(const hf_period_config *cfg, double now, int64_t *first, int64_t *last);

/* What a run measures on the host besides the store (hf_period_run). */
typedef struct hf_period_host {
    double disk_pct;            /* the database's filesystem; NAN unknown */
    double cert_days;           /* the least days left of the certificates read; NAN none */
    char cert_name[64];         /* whose ("api-gateway.crt") */
    unsigned certs_read, certs_failed;
    char cert_error[HF_ERR_MAX];    /* the first failure, naming the file */
} hf_period_host;

/* hf_period_host with nothing measured. */
void hf_period_host_init(hf_period_host *h);

/* Figures and judgement from an updated store (st may be NULL: everything
 * unknown), its update result and the host's figures (NULL: unknown).
 * Pure: no I/O. */
void hf_period_build(const hf_period_config *cfg, const hf_days_state *st,
                     const hf_days_result *res, const hf_period_host *host,
                     hf_period_report *out);

/* The whole run (see DESIGN). Returns 0 with *out filled, or a negative
 * errno with err naming what and where when the database could not be read
 * (missing, locked, corrupt, no such table or column); *out is then still
 * initialised. */
int hf_period_run(const hf_period_config *cfg, hf_period_report *out, char *err, size_t n);

#endif
