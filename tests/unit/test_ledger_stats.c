/* Unit tests: hf_ledger_stats_get: availability with and without monitoring
 * gaps, an outage across the period's start and one still open, the
 * overall union, several front-ends on one object, MTTR, MTBF, restart
 * success and the targets. Every figure is computed by hand in the test. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_ledger.h"
#include "hf_util.h"
#include "test_ledger_helpers.h"

typedef struct fx {
    char dir[512];
    hf_ledger *l;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char path[HF_PATH_MAX + 16], err[HF_ERR_MAX];
    hf_ledger_cfg cfg = {.path = path};

    tl_tmpdir(f->dir, sizeof(f->dir), "ledger-stats");
    snprintf(path, sizeof(path), "%s/ledger.db", f->dir);
    assert_int_equal(hf_ledger_open(&cfg, &f->l, err, sizeof(err)), HF_LEDGER_CREATED);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    hf_ledger_close(f->l);
    tl_rmtree(f->dir);
    free(f);
    return 0;
}

static void tr(fx *f, double at, const char *obj, const char *code, hf_state to, const char *fe)
{
    hf_ledger_transition t = {.at = at, .object = obj, .code = code, .from = HF_OK, .to = to,
                              .text = "", .frontend = fe};
    char err[HF_ERR_MAX];

    assert_int_equal(hf_ledger_record_transitions(f->l, &t, 1, err, sizeof(err)), 0);
}

static void down(fx *f, double at, const char *obj)
{
    tr(f, at, obj, "service.down", HF_CRITICAL, "nagios");
}

static void up(fx *f, double at, const char *obj)
{
    tr(f, at, obj, "service.down", HF_OK, "nagios");
}

/* A monitor beating every interval seconds over [a, b]. */
static void beats(fx *f, const char *mon, double a, double b, double interval)
{
    char err[HF_ERR_MAX];

    for (double t = a; t <= b; t += interval)
        assert_int_equal(hf_ledger_heartbeat(f->l, mon, t, interval, err, sizeof(err)), 0);
}

static void get(fx *f, double from, double to, double now, const char *obj, hf_ledger_stats *st)
{
    const char *objs[] = {obj};
    hf_ledger_query q = {.from = from, .to = to, .now = now, .objects = obj ? objs : NULL,
                         .nobjects = obj ? 1 : 0};
    char err[HF_ERR_MAX];
    int rc = hf_ledger_stats_get(f->l, &q, st, err, sizeof(err));

    if (rc != 0)
        fail_msg("hf_ledger_stats_get: %d %s", rc, err);
}

#define assert_near(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)

static void test_availability_no_gaps(void **state)
{
    fx *f = *state;
    hf_ledger_stats st;

    beats(f, "nagios", 0, 3600, 60);
    down(f, 1000, "api-gateway");
    up(f, 1300, "api-gateway");
    get(f, 0, 3600, 5000, "api-gateway", &st);
    assert_int_equal(st.ngaps, 0);
    assert_near(st.measured_s, 3600);
    assert_near(st.downtime_s, 300);
    assert_near(st.availability_pct, 100.0 * 3300 / 3600);
    assert_int_equal(st.nincidents, 1);
    assert_near(st.incidents[0].start, 1000);
    assert_near(st.incidents[0].end, 1300);
    assert_false(st.incidents[0].open);
    assert_string_equal(st.incidents[0].object, "api-gateway");
    assert_near(st.mttr_s, 300);
    assert_near(st.mtbf_s, 3300);
    assert_int_equal(st.failures, 1);
    assert_false(st.availability_met);                  /* 91.7 % against 99.9 % */
    assert_true(st.mttr_met);                           /* 5 minutes against 15 */
    assert_false(st.mtbf_met);
    assert_near(st.target_availability_pct, 99.9);
    hf_ledger_stats_free(&st);

    /* another service: up all along */
    get(f, 0, 3600, 5000, "auth-service", &st);
    assert_near(st.availability_pct, 100);
    assert_int_equal(st.nincidents, 0);
    assert_true(isnan(st.mttr_s) && isnan(st.mtbf_s));
    assert_true(st.availability_met);
    assert_false(st.mttr_met);                          /* not defined: not claimed met */
    hf_ledger_stats_free(&st);
}

static void test_availability_with_gap(void **state)
{
    fx *f = *state;
    hf_ledger_stats st;

    beats(f, "nagios", 0, 1200, 60);            /* covers [0, 1260] */
    beats(f, "nagios", 2000, 3600, 60);         /* covers [2000, 3660] */
    down(f, 1100, "api-gateway");
    up(f, 2100, "api-gateway");
    get(f, 0, 3600, 5000, "api-gateway", &st);
    assert_int_equal(st.ngaps, 1);
    assert_near(st.gaps[0].start, 1260);
    assert_near(st.gaps[0].end, 2000);
    assert_near(st.gap_s, 740);
    assert_near(st.measured_s, 3600 - 740);
    /* only the covered parts are downtime: [1100, 1260] and [2000, 2100] */
    assert_near(st.downtime_s, 160 + 100);
    assert_near(st.availability_pct, 100.0 * (2860 - 260) / 2860);
    assert_near(st.mttr_s, 260);
    hf_ledger_stats_free(&st);

    /* two monitors: one covers the other's gap */
    beats(f, "collectd", 1200, 2000, 10);
    get(f, 0, 3600, 5000, "api-gateway", &st);
    assert_int_equal(st.ngaps, 0);
    assert_near(st.downtime_s, 1000);
    hf_ledger_stats_free(&st);
}

static void test_no_monitor_no_figure(void **state)
{
    fx *f = *state;
    hf_ledger_stats st;
    const char *o[] = {"x"};
    hf_ledger_query q = {.from = 100, .to = 100, .now = 200, .objects = o, .nobjects = 1};
    char err[HF_ERR_MAX];

    down(f, 10, "x");
    get(f, 0, 100, 200, "x", &st);
    assert_near(st.gap_s, 100);
    assert_near(st.measured_s, 0);
    assert_true(isnan(st.availability_pct));
    assert_false(st.availability_met);
    assert_int_equal(st.nincidents, 1);
    assert_near(st.incidents[0].downtime_s, 0);
    hf_ledger_stats_free(&st);
    assert_int_equal(hf_ledger_stats_get(f->l, &q, &st, err, sizeof(err)), -EINVAL);
    hf_ledger_stats_free(&st);
    q.to = 1000;
    q.from = 300;                               /* starts after the clock */
    assert_int_equal(hf_ledger_stats_get(f->l, &q, &st, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "period"));
    hf_ledger_stats_free(&st);
}

static void test_outage_across_start_and_open(void **state)
{
    fx *f = *state;
    hf_ledger_stats st;

    beats(f, "nagios", 0, 4000, 60);
    down(f, 400, "a");
    down(f, 500, "a");                          /* repeated: the outage began at 400 */
    up(f, 1500, "a");
    down(f, 3000, "a");
    get(f, 1000, 3600, 3600, "a", &st);
    assert_near(st.downtime_s, 500 + 600);
    assert_int_equal(st.nincidents, 2);
    assert_near(st.incidents[0].start, 400);
    assert_near(st.incidents[0].downtime_s, 1100); /* the whole outage */
    assert_false(st.incidents[0].open);
    assert_true(st.incidents[1].open);
    assert_near(st.incidents[1].end, 3600);
    assert_int_equal(st.failures, 1);           /* one began in the period */
    assert_int_equal(st.recovered, 1);
    assert_near(st.mttr_s, 1100);
    assert_near(st.mtbf_s, 2600 - 1100);
    hf_ledger_stats_free(&st);

    /* the period's end is clipped to the clock */
    get(f, 1000, 99999, 3300, "a", &st);
    assert_near(st.to, 3300);
    assert_near(st.downtime_s, 500 + 300);
    hf_ledger_stats_free(&st);
}

static void test_overall_union_and_frontends(void **state)
{
    fx *f = *state;
    hf_ledger_stats st;

    beats(f, "nagios", 0, 3600, 60);
    down(f, 1000, "api-gateway");
    up(f, 1300, "api-gateway");
    down(f, 1200, "auth-service");
    up(f, 1500, "auth-service");
    up(f, 100, "inference-pool");
    /* not a service: never in the overall figure */
    tr(f, 0, "auth-service.crt", "cert.expiring", HF_CRITICAL, "nagios");
    /* two front-ends on one object: the latest word wins; UNKNOWN says nothing */
    tr(f, 2000, "monitoring", "service.down", HF_CRITICAL, "collectd");
    tr(f, 2010, "monitoring", "service.down", HF_CRITICAL, "nagios");
    tr(f, 2050, "monitoring", "service.probe", HF_UNKNOWN, "collectd");
    tr(f, 2100, "monitoring", "service.down", HF_OK, "nagios");
    tr(f, 2200, "monitoring", "service.down", HF_WARNING, "collectd");
    get(f, 0, 3600, 3600, NULL, &st);
    assert_int_equal(st.nincidents, 2);
    assert_near(st.incidents[0].start, 1000);
    assert_near(st.incidents[0].end, 1500);
    assert_string_equal(st.incidents[0].object, "api-gateway");
    assert_near(st.incidents[1].start, 2000);
    assert_near(st.incidents[1].end, 2100);
    assert_near(st.downtime_s, 500 + 100);
    assert_near(st.mttr_s, 300);
    hf_ledger_stats_free(&st);
}

static void restart(fx *f, double at, const char *svc, const char *outcome, bool attempted)
{
    hf_ledger_restart r = {.at = at, .service = svc, .outcome = outcome, .attempted = attempted,
                           .duration = attempted ? 1 : NAN, .exit_status = attempted ? 0 : -1};
    char err[HF_ERR_MAX];

    assert_int_equal(hf_ledger_record_restart(f->l, &r, err, sizeof(err)), 0);
}

static void test_restart_success(void **state)
{
    fx *f = *state;
    hf_ledger_stats st;

    beats(f, "nagios", 0, 3600, 60);
    restart(f, 100, "api-gateway", "restarted", true);
    restart(f, 200, "api-gateway", "failed", true);
    restart(f, 300, "api-gateway", "restarted", true);
    restart(f, 400, "api-gateway", "given_up", false);
    restart(f, 500, "auth-service", "failed", true);
    restart(f, 3600, "api-gateway", "restarted", true);    /* at the end: not in [from, to) */
    get(f, 0, 3600, 3600, "api-gateway", &st);
    assert_int_equal(st.restarts, 3);
    assert_int_equal(st.restarts_ok, 2);
    assert_near(st.restart_success_pct, 200.0 / 3);
    hf_ledger_stats_free(&st);
    get(f, 0, 3600, 3600, NULL, &st);
    assert_int_equal(st.restarts, 4);
    assert_int_equal(st.restarts_ok, 2);
    hf_ledger_stats_free(&st);
    get(f, 0, 3600, 3600, "monitoring", &st);
    assert_int_equal(st.restarts, 0);
    assert_true(isnan(st.restart_success_pct));
    hf_ledger_stats_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_availability_no_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_availability_with_gap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_monitor_no_figure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outage_across_start_and_open, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overall_union_and_frontends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restart_success, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
