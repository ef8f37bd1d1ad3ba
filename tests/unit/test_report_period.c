/* Unit tests: the report periods and their judgement (hf_period): bounds
 * and parsing, every figure of a known database with its text, target and
 * verdict, busiest days, the series and its coverage, notes, the LEDGER
 * HOOK, custom targets, and the whole run with its state file. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_days.h"
#include "hf_period.h"
#include "hf_time.h"
#include "test_report_helpers.h"

#define FIRST (TODAY - 45)      /* the known database: days FIRST .. TODAY - 1 */

/* Each day 100 rows (response times 100, 110, ... 190, ten each; two
 * errors), the day TODAY - 10 300 rows and TODAY - 20 200 rows. */
static void known_db(tdb *t)
{
    tdb_open(t, true);
    exec(t->w, "BEGIN");
    for (int64_t d = FIRST; d < TODAY; d++) {
        int n = d == TODAY - 10 ? 300 : d == TODAY - 20 ? 200 : 100;
        for (int i = 0; i < n; i++)
            tdb_row(t, (double)d * DAY + 60 * i, NULL, 100 + (i % 10) * 10, i % 50 == 7);
    }
    exec(t->w, "COMMIT");
}

static void build(const tdb *t, hf_period_config *cfg, hf_days_state *st, hf_days_result *r,
                  double disk, hf_period_report *out)
{
    hf_period_host h;

    hf_period_host_init(&h);
    h.disk_pct = disk;
    cfg->db.path = t->path;
    cfg->db.now = NOW;
    cfg->db.budget_ms = 30000;
    update(t, st, NOW, hf_period_need_day(cfg, NOW), r);
    hf_period_build(cfg, st, r, &h, out);
}

static void test_period_bounds_and_parse(void **state)
{
    hf_period_config cfg;
    hf_period_kind k;
    int64_t first, last, day;
    char err[256];

    (void)state;
    hf_period_config_init(&cfg);
    assert_int_equal(cfg.kind, HF_PERIOD_MONTHLY);
    assert_string_equal(cfg.db.path, HF_DEFAULT_DB);
    hf_period_bounds(&cfg, NOW, &first, &last);
    assert_int_equal(last, TODAY - 1);
    assert_int_equal(first, TODAY - 30);
    assert_int_equal(hf_period_need_day(&cfg, NOW), TODAY - 60);
    cfg.kind = HF_PERIOD_WEEKLY;
    cfg.end_day = TODAY;
    hf_period_bounds(&cfg, NOW, &first, &last);
    assert_int_equal(first, TODAY - 6);
    assert_int_equal(hf_period_need_day(&cfg, NOW), TODAY - 13);
    cfg.kind = HF_PERIOD_DAILY;
    hf_period_bounds(&cfg, NOW, &first, &last);
    assert_int_equal(first, TODAY);
    assert_int_equal(last, TODAY);
    assert_int_equal(hf_period_kind_parse("weekly", &k), 0);
    assert_int_equal(k, HF_PERIOD_WEEKLY);
    assert_int_equal(hf_period_kind_parse("yearly", &k), -EINVAL);
    assert_int_equal(hf_period_kind_parse(NULL, &k), -EINVAL);
    assert_string_equal(hf_period_kind_name(HF_PERIOD_DAILY), "daily");
    assert_string_equal(hf_verdict_name(HF_VERDICT_NOT_MET), "not met");
    assert_int_equal(hf_period_day_parse("yesterday", NOW, &day, err, sizeof(err)), 0);
    assert_int_equal(day, TODAY - 1);
    assert_int_equal(hf_period_day_parse("today", NOW, &day, err, sizeof(err)), 0);
    assert_int_equal(day, TODAY);
    assert_int_equal(hf_period_day_parse("2025-12-25", NOW, &day, err, sizeof(err)), 0);
    assert_int_equal(day, TODAY - 7);
    static const char *const bad[] = {"2025-13-01", "2025-02-29", "25-12-25", "tomorrow", "",
                                      "2025-12-25 00:00:00"};
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {
        char want[128];
        assert_int_equal(hf_period_day_parse(bad[i], NOW, &day, err, sizeof(err)), -EINVAL);
        snprintf(want, sizeof(want), "'%s' is not a day (YYYY-MM-DD, today or yesterday)", bad[i]);
        assert_string_equal(err, want);
    }
}

static void test_period_targets(void **state)
{
    hf_period_targets t;
    char err[256];

    (void)state;
    hf_period_targets_default(&t);
    assert_true(t.error_rate_pct == 1 && t.p95_ms == 5000 && t.query_ms == 100 && t.disk_pct == 80);
    assert_true(t.availability_pct == 99.9 && t.mttr_s == 900 && t.mtbf_s == 30 * 86400);
    assert_true(t.cert_days == 30);
    assert_int_equal(hf_period_target_set(&t, "p95=2500", err, sizeof(err)), 0);
    assert_true(t.p95_ms == 2500);
    assert_int_equal(hf_period_target_set(&t, "mttr=10", err, sizeof(err)), 0);
    assert_true(t.mttr_s == 600);
    assert_int_equal(hf_period_target_set(&t, "mtbf=7", err, sizeof(err)), 0);
    assert_true(t.mtbf_s == 7 * 86400);
    assert_int_equal(hf_period_target_set(&t, "speed=3", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unknown target 'speed' (error_rate, p95, query, disk, cert_days, "
                        "availability, mttr, mtbf)");
    assert_int_equal(hf_period_target_set(&t, "cert_days=14", err, sizeof(err)), 0);
    assert_true(t.cert_days == 14);
    assert_int_equal(hf_period_target_set(&t, "disk=120", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "disk: '120' is not a number from 0 to 100");
    assert_int_equal(hf_period_target_set(&t, "error_rate=x", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "error_rate: 'x' is not a number from 0 to 100");
    assert_int_equal(hf_period_target_set(&t, "p95", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'p95' is not NAME=VALUE");
}

/* The monthly report of the known database: every figure, text, target
 * and verdict; busiest days; the series and what it covers; the summary. */
static void test_period_monthly_figures(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_period_report *r = calloc(1, sizeof(*r));
    hf_period_config cfg;
    hf_days_result res;
    const hf_period_figure *f;
    char want[64];
    tdb t;

    (void)state;
    known_db(&t);
    hf_period_config_init(&cfg);
    build(&t, &cfg, st, &res, NAN, r);
    assert_string_equal(r->title, "HelixFlow monthly report, 2025-12-02 to 2025-12-31");
    assert_string_equal(r->prev_first, "2025-11-02");
    assert_string_equal(r->prev_last, "2025-12-01");
    assert_string_equal(r->generated_text, "2026-01-01 12:00:00");
    f = &r->fig[HF_FIG_REQUESTS];
    assert_string_equal(f->key, "requests");
    assert_true(f->value == 3300 && f->prev == 1500);
    assert_string_equal(f->text, "3,300");
    assert_string_equal(f->prev_text, "1,500");
    assert_int_equal(f->verdict, HF_VERDICT_NONE);
    f = &r->fig[HF_FIG_ERRORS];
    assert_true(f->value == 66 && f->prev == 30);
    f = &r->fig[HF_FIG_ERROR_RATE];
    assert_string_equal(f->text, "2.00 %");
    assert_int_equal(f->verdict, HF_VERDICT_NOT_MET);
    assert_string_equal(f->target_text, "at most 1 %");
    assert_string_equal(f->cmp, "<=");
    assert_string_equal(f->note, "target: the db check's warning threshold (check_helixflow_db)");
    f = &r->fig[HF_FIG_AVG];
    assert_string_equal(f->text, "145.0 ms");
    assert_int_equal(f->verdict, HF_VERDICT_NONE);
    f = &r->fig[HF_FIG_P95];
    assert_true(fabs(f->value - 190) <= 190 * HF_DAYS_P95_BOUND);
    snprintf(want, sizeof(want), "%.1f ms", f->value);
    assert_string_equal(f->text, want);
    assert_int_equal(f->verdict, HF_VERDICT_MET);
    assert_string_equal(f->target_text, "at most 5000 ms");
    f = &r->fig[HF_FIG_GROWTH];
    assert_string_equal(f->text, "+120.0 %");
    assert_string_equal(f->note, "the previous period has data for 15 of its 30 days");
    assert_true(r->fig[HF_FIG_DB_ROWS].value == 4800);
    assert_string_equal(r->fig[HF_FIG_DB_ROWS].text, "4,800");
    assert_int_equal(r->fig[HF_FIG_DB_QUERY].verdict, HF_VERDICT_MET);
    assert_int_equal(r->fig[HF_FIG_DISK].verdict, HF_VERDICT_UNKNOWN);
    assert_string_equal(r->fig[HF_FIG_DISK].note, "the database's filesystem could not be measured");
    assert_int_equal(r->fig[HF_FIG_AVAILABILITY].verdict, HF_VERDICT_UNKNOWN);
    assert_string_equal(r->fig[HF_FIG_MTTR].note, "not measured: no ledger");
    /* busiest: the 300 and 200 days, then the rest oldest first */
    assert_int_equal(r->nbusiest, HF_PERIOD_BUSIEST);
    assert_int_equal(r->busiest[0].day, TODAY - 10);
    assert_int_equal(r->busiest[0].count, 300);
    assert_int_equal(r->busiest[1].day, TODAY - 20);
    assert_int_equal(r->busiest[2].day, TODAY - 30);
    assert_int_equal(r->busiest[3].day, TODAY - 29);
    /* the series: 30 previous days (15 of them before the oldest row), 30 this */
    assert_int_equal(r->ndays, 60);
    assert_int_equal(r->days_covered, 30);
    assert_int_equal(r->prev_days_covered, 15);
    assert_true(r->days[0].previous && !r->days[0].covered && r->days[0].count == 0);
    assert_true(r->days[15].previous && r->days[15].covered && r->days[15].count == 100);
    assert_true(!r->days[59].previous && r->days[59].day == TODAY - 1);
    assert_string_equal(r->days[59].date, "2025-12-31");
    assert_true(r->days[59].error_pct == 2 && r->days[59].avg_ms == 145);
    assert_int_equal(r->nnotes, 0);
    assert_int_equal(r->targets, 8);
    assert_int_equal(r->met, 2);
    assert_int_equal(r->not_met, 1);
    assert_int_equal(r->unknown, 5);
    assert_int_equal(r->overall, HF_VERDICT_NOT_MET);
    assert_string_equal(r->fig[HF_FIG_CERT_DAYS].note, "no certificate configured");
    assert_string_equal(r->summary, "2 of 8 targets met; not met: Error rate 2.00 % (at most 1 %); "
                        "not measured: Disk use, Certificate days left, Availability, MTTR, MTBF");
    free(r);
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* Daily and weekly periods, custom targets, and the uptime figures the
 * ledger fills through the LEDGER HOOK. */
static void test_period_daily_weekly_uptime(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_period_report *r = calloc(1, sizeof(*r));
    hf_period_uptime up = {.known = true, .availability_pct = 99.95, .mttr_s = 1200,
                           .mtbf_s = NAN, .source = "ledger /x/ledger.db"};
    hf_period_config cfg;
    hf_days_result res;
    char err[128];
    tdb t;

    (void)state;
    known_db(&t);
    hf_period_config_init(&cfg);
    cfg.kind = HF_PERIOD_DAILY;
    cfg.end_day = TODAY - 10;
    assert_int_equal(hf_period_target_set(&cfg.targets, "error_rate=5", err, sizeof(err)), 0);
    cfg.uptime = &up;
    build(&t, &cfg, st, &res, 42.5, r);
    assert_string_equal(r->title, "HelixFlow daily report, 2025-12-22");
    assert_true(r->fig[HF_FIG_REQUESTS].value == 300 && r->fig[HF_FIG_REQUESTS].prev == 100);
    assert_string_equal(r->fig[HF_FIG_GROWTH].text, "+200.0 %");
    assert_int_equal(r->fig[HF_FIG_ERROR_RATE].verdict, HF_VERDICT_MET);
    assert_string_equal(r->fig[HF_FIG_ERROR_RATE].target_text, "at most 5 %");
    assert_int_equal(r->ndays, 2);
    assert_int_equal(r->nbusiest, 1);
    assert_string_equal(r->fig[HF_FIG_DISK].text, "42.5 %");
    assert_int_equal(r->fig[HF_FIG_DISK].verdict, HF_VERDICT_MET);
    assert_string_equal(r->fig[HF_FIG_AVAILABILITY].text, "99.950 %");
    assert_int_equal(r->fig[HF_FIG_AVAILABILITY].verdict, HF_VERDICT_MET);
    assert_string_equal(r->fig[HF_FIG_AVAILABILITY].target_text, "at least 99.9 %");
    assert_string_equal(r->fig[HF_FIG_AVAILABILITY].note, "from the ledger /x/ledger.db");
    assert_string_equal(r->fig[HF_FIG_MTTR].text, "20.0 min");
    assert_int_equal(r->fig[HF_FIG_MTTR].verdict, HF_VERDICT_NOT_MET);
    assert_string_equal(r->fig[HF_FIG_MTTR].target_text, "at most 15 min");
    assert_int_equal(r->fig[HF_FIG_MTBF].verdict, HF_VERDICT_UNKNOWN);
    assert_string_equal(r->fig[HF_FIG_MTBF].note, "no incident began in the period");
    assert_string_equal(r->fig[HF_FIG_MTBF].target_text, "at least 30 days");
    assert_string_equal(r->summary, "5 of 8 targets met; not met: MTTR 20.0 min (at most 15 min); "
                        "not measured: Certificate days left, MTBF");
    cfg.kind = HF_PERIOD_WEEKLY;
    cfg.end_day = TODAY - 1;
    up.mtbf_s = 40 * DAY;
    build(&t, &cfg, st, &res, 90, r);
    assert_true(r->fig[HF_FIG_REQUESTS].value == 700 && r->fig[HF_FIG_REQUESTS].prev == 900);
    assert_string_equal(r->fig[HF_FIG_GROWTH].text, "-22.2 %");
    assert_string_equal(r->fig[HF_FIG_MTBF].text, "40.0 days");
    assert_int_equal(r->fig[HF_FIG_MTBF].verdict, HF_VERDICT_MET);
    assert_int_equal(r->fig[HF_FIG_DISK].verdict, HF_VERDICT_NOT_MET);
    assert_int_equal(r->nbusiest, 7);
    assert_int_equal(r->ndays, 14);
    free(r);
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* What the figures do not cover is said: days before the oldest row, today
 * so far, rows pruned since counted, unusable rows, a read cut short. */
static void test_period_notes(void **state)
{
    hf_days_state *st = hf_days_state_new();
    hf_period_report *r = calloc(1, sizeof(*r));
    hf_period_config cfg;
    hf_days_result res;
    tdb t;

    (void)state;
    known_db(&t);
    tdb_row(&t, 0, "garbage", 5, true);
    tdb_row(&t, NOW - 60, NULL, 5, true);
    hf_period_config_init(&cfg);
    cfg.end_day = TODAY;
    cfg.kind = HF_PERIOD_MONTHLY;
    build(&t, &cfg, st, &res, 10, r);
    assert_int_equal(r->nnotes, 2);
    assert_string_equal(r->notes[0], "the period includes today, up to 2026-01-01 12:00:00 UTC");
    assert_string_equal(r->notes[1], "1 row with an unusable created_at is in no day (last: rowid "
                        "4801: created_at 'garbage')");
    cfg.end_day = TODAY - 40;                   /* 2025-11-22, the data start 2025-11-17 */
    build(&t, &cfg, st, &res, 10, r);
    assert_string_equal(r->notes[0], "24 of the period's 30 days are before the database's oldest "
                        "row (2025-11-17 00:00:00 UTC): nothing is known of them");
    assert_string_equal(r->fig[HF_FIG_GROWTH].note, "no requests in the previous period");
    assert_string_equal(r->fig[HF_FIG_GROWTH].text, "n/a");
    cfg.end_day = TODAY - 1;
    exec(t.w, "DELETE FROM inference_requests WHERE created_at < '2025-12-05 00:00:00'");
    build(&t, &cfg, st, &res, 10, r);
    assert_true(r->fig[HF_FIG_REQUESTS].value == 3300);       /* as counted */
    assert_string_equal(r->notes[0], "3 days of the period had rows deleted from the table after "
                        "they were counted (retention): figures are as counted, more than a "
                        "COUNT(*) finds now");
    res.coverage = 0.25;
    hf_period_build(&cfg, st, &res, NULL, r);
    assert_string_equal(r->notes[1], "the read stopped at its time budget with 25 % of the rows "
                        "read: the figures are partial; run again to continue");
    res.status = HF_DAYS_LOCKED;                /* nothing known: every figure unknown */
    hf_period_build(&cfg, st, &res, NULL, r);
    assert_true(isnan(r->fig[HF_FIG_REQUESTS].value));
    assert_string_equal(r->fig[HF_FIG_REQUESTS].text, "n/a");
    assert_int_equal(r->met, 0);
    assert_int_equal(r->overall, HF_VERDICT_UNKNOWN);
    free(r);
    hf_days_state_free(st);
    tdb_rm(&t);
}

/* The whole run: the state directory made private, the file created, then
 * loaded (nothing read again), rebuilt from garbage, refused in a shared
 * directory (figures unchanged), none; a missing database is an error
 * naming it. */
static void test_period_run_state(void **state)
{
    hf_period_report *r = calloc(1, sizeof(*r));
    hf_period_config cfg;
    char dir[200], err[256], path[300];
    struct stat sb;
    FILE *f;
    tdb t;

    (void)state;
    known_db(&t);
    hf_period_config_init(&cfg);
    cfg.db.path = t.path;
    cfg.db.now = NOW;
    snprintf(dir, sizeof(dir), "%s/state/sub", t.dir);
    cfg.state_dir = dir;
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_string_equal(r->state_note, "created");
    assert_int_equal(r->rows_read, 4800);
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0750);
    assert_int_equal(stat(r->state_path, &sb), 0);
    assert_true(r->fig[HF_FIG_REQUESTS].value == 3300);
    assert_false(isnan(r->fig[HF_FIG_DISK].value));
    hf_strlcpy(path, r->state_path, sizeof(path));
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_string_equal(r->state_note, "loaded");
    assert_int_equal(r->rows_read, 0);
    assert_true(r->fig[HF_FIG_REQUESTS].value == 3300);
    assert_non_null(f = fopen(path, "w"));
    fputs("garbage\n", f);
    fclose(f);
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_non_null(strstr(r->state_note, path));
    assert_non_null(strstr(r->state_note, "; rebuilt"));
    assert_true(r->fig[HF_FIG_REQUESTS].value == 3300);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_int_equal(strncmp(r->state_note, "not kept: ", 10), 0);
    assert_non_null(strstr(r->state_note, dir));
    assert_string_equal(r->state_path, "");
    assert_true(r->fig[HF_FIG_REQUESTS].value == 3300);
    cfg.state_dir = NULL;
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_string_equal(r->state_note, "none (--no-state: everything was read)");
    snprintf(path, sizeof(path), "%s/nope.db", t.dir);
    cfg.db.path = path;
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, path));
    free(r);
    tdb_rm(&t);
}

/* The certificates' days left: the least of the files read, rounded down
 * in the text, judged against 30 days; files that cannot be read make the
 * figure unknown unless another is already short. (Real clock: the
 * certificates are made now.) */
static void test_period_certificates(void **state)
{
    static const char *const one[] = {"api-gateway"};
    hf_period_report *r = calloc(1, sizeof(*r));
    hf_period_config cfg;
    char dir[200], err[256], cmd[800];
    tdb t;

    (void)state;
    tdb_open(&t, true);
    tdb_fill(&t, hf_real_now() - 3 * DAY, hf_real_now(), 300);
    snprintf(dir, sizeof(dir), "%s/certs", t.dir);
    snprintf(cmd, sizeof(cmd), "mkdir %s && cd %s && for c in api-gateway:45 auth-service:10; do "
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
             "${c%%:*}.key -out ${c%%:*}.crt -days ${c#*:} -subj /CN=${c%%:*} 2>/dev/null || "
             "exit 1; done; echo junk > monitoring.crt", dir, dir);
    assert_int_equal(system(cmd), 0);
    hf_period_config_init(&cfg);
    cfg.db.path = t.path;
    cfg.cert_dir = dir;
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    {
        const hf_period_figure *f = &r->fig[HF_FIG_CERT_DAYS];
        char want[300];
        assert_string_equal(f->key, "cert_days_left");
        assert_true(f->value > 9.9 && f->value <= 10);
        assert_string_equal(f->text, "9.9 days");
        assert_int_equal(f->verdict, HF_VERDICT_NOT_MET);
        assert_string_equal(f->target_text, "at least 30 days");
        snprintf(want, sizeof(want), "2 of 4 not read: %s/inference-pool.crt: ", dir);
        assert_int_equal(strncmp(f->note, want, strlen(want)), 0);
    }
    cfg.certs = one;
    cfg.ncerts = 1;
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_string_equal(r->fig[HF_FIG_CERT_DAYS].text, "44.9 days");
    assert_int_equal(r->fig[HF_FIG_CERT_DAYS].verdict, HF_VERDICT_MET);
    assert_string_equal(r->fig[HF_FIG_CERT_DAYS].note, "api-gateway.crt, the earliest of 1");
    cfg.certs = NULL;
    snprintf(cmd, sizeof(cmd), "rm %s/auth-service.crt", dir);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(hf_period_run(&cfg, r, err, sizeof(err)), 0);
    assert_int_equal(r->fig[HF_FIG_CERT_DAYS].verdict, HF_VERDICT_UNKNOWN);   /* 45 read, 3 not */
    free(r);
    tdb_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_bounds_and_parse),
        cmocka_unit_test(test_period_targets),
        cmocka_unit_test(test_period_monthly_figures),
        cmocka_unit_test(test_period_daily_weekly_uptime),
        cmocka_unit_test(test_period_notes),
        cmocka_unit_test(test_period_run_state),
        cmocka_unit_test(test_period_certificates),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
