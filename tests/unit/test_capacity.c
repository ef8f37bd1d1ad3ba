/* Unit tests: hf_capacity: the fit over known daily series (flat, growing,
 * days before the oldest row left out, too few days), the database's
 * growth with and without a retention, the date the disk reaches its
 * target, the judgement, the probe against a real file. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hf_capacity.h"
#include "test_ops_db_helpers.h"

#define GIB (1024.0 * 1024 * 1024)

/* A result with host figures (100 GiB, used GiB given) and a database of
 * 1 GiB live in 10 M rows (about 107 B a row), counts by day. */
static void fake(hf_capacity_result *r, double used_gib, const int64_t *counts, int n, double oldest,
                 double retention)
{
    memset(r, 0, sizeof(*r));
    r->now = ODB_NOW;
    r->host = true;
    r->fs_used = (uint64_t)(used_gib * GIB);
    r->fs_avail = (uint64_t)((100 - used_gib) * GIB);
    r->fs_total = (uint64_t)(100 * GIB);
    r->fs_used_pct = used_gib;
    r->target_pct = 80;
    r->retention_days = retention;
    r->days.status = HF_DB_OK;
    r->days.method = "rowid";
    r->days.ndays = n;
    r->days.day0 = ODB_NOW - ODB_DAY * (n - 1);
    memcpy(r->days.count, counts, sizeof(*counts) * (size_t)n);
    r->days.oldest = oldest;
    r->days.rows = 10000000;
    r->days.page_size = 4096;
    r->days.page_count = 262144;
    r->days.freelist_count = 0;
    r->days.file_size = (int64_t)GIB;
    hf_capacity_project(r);
}

static void test_flat(void **state)
{
    int64_t c[31];
    hf_capacity_result r;
    hf_buf why = {0};

    (void)state;
    for (int i = 0; i < 31; i++)
        c[i] = 1000000;
    c[30] = 300;                        /* today, partial: left out */
    fake(&r, 20, c, 31, 0, 30);
    assert_true(r.growth_known);
    assert_int_equal(r.fit_n, 30);
    assert_true(fabs(r.mean_per_day - 1e6) < 1e-6);
    assert_true(fabs(r.slope_per_day) < 1e-6);
    assert_true(fabs(r.requests_month - 3e7) < 1e-3);
    assert_int_equal(r.requests_30d, 30000000);
    assert_true(fabs(r.bytes_per_row - GIB / 1e7) < 1e-9);
    assert_true(fabs(r.db_growth_month) < 1e-6);        /* retention: flat demand, flat size */
    assert_true(isinf(r.days_to_target) && isnan(r.target_date));
    assert_int_equal(hf_capacity_judge(&r, 90, 30, &why), HF_OK);
    assert_true(strstr(hf_buf_str(&why), "does not reach 80%") != NULL);
    hf_buf_free(&why);
    /* no retention: every row stays, the disk fills at 30 x 1e6 rows a month */
    fake(&r, 20, c, 31, 0, 0);
    assert_true(fabs(r.db_growth_month - r.bytes_per_row * 3e7) < 1);
    assert_true(fabs(r.days_to_target - (60 * GIB) / r.db_growth_month * 30) < 1e-6);
    assert_true(r.target_date == ODB_NOW + r.days_to_target * ODB_DAY);
}

static void test_growing(void **state)
{
    int64_t c[31];
    hf_capacity_result r;
    hf_buf why = {0};

    (void)state;
    for (int i = 0; i < 31; i++)
        c[i] = 1000000 + 10000 * i;
    fake(&r, 20, c, 31, 0, 30);
    assert_true(fabs(r.slope_per_day - 1e4) < 1e-6);
    assert_true(fabs(r.mean_per_day - 1145000) < 1e-6);
    assert_true(fabs(r.rate_per_day - (1e6 + 1e4 * 29.5)) < 1e-6);     /* the line at the end of yesterday */
    assert_true(fabs(r.req_growth_month - 3e5) < 1e-6);
    assert_true(fabs(r.req_growth_pct - 100.0 * 3e5 / 1145000) < 1e-9);
    /* retention 30 days: the size grows with the demand: bytes/row x 30 days x 3e5 */
    assert_true(fabs(r.db_growth_month - r.bytes_per_row * 30 * 3e5) < 1);
    assert_true(r.days_to_target > 0 && !isinf(r.days_to_target));
    /* the disk nearly full: the date is near, critical */
    fake(&r, 79.9999, c, 31, 0, 0);
    assert_true(r.days_to_target > 0 && r.days_to_target < 30);
    assert_int_equal(hf_capacity_judge(&r, 90, 30, &why), HF_CRITICAL);
    assert_true(strstr(hf_buf_str(&why), "reaches 80% on") && strstr(hf_buf_str(&why), "critical within 30"));
    hf_buf_free(&why);
}

static void test_oldest_and_few_days(void **state)
{
    int64_t c[31] = {0};
    hf_capacity_result r;
    hf_buf why = {0};

    (void)state;
    for (int i = 20; i < 31; i++)       /* data from day 20 on, its first day partial */
        c[i] = i == 20 ? 400 : 1000;
    fake(&r, 20, c, 31, ODB_NOW - ODB_DAY * 10 + 3600, 30);
    assert_int_equal(r.fit_first, 21);
    assert_int_equal(r.fit_n, 9);
    assert_true(fabs(r.mean_per_day - 1000) < 1e-9);
    assert_true(fabs(r.slope_per_day) < 1e-9);
    fake(&r, 20, c, 31, ODB_NOW - ODB_DAY * 1 + 3600, 30);     /* only today's and yesterday's rows */
    assert_true(!r.growth_known);
    assert_true(strstr(r.why, "0 complete days") != NULL);
    assert_int_equal(hf_capacity_judge(&r, 90, 30, &why), HF_UNKNOWN);
    assert_true(strstr(hf_buf_str(&why), "no date") != NULL);
    hf_buf_free(&why);
}

static void test_judge_states(void **state)
{
    int64_t c[31];
    hf_capacity_result r;
    hf_buf why = {0};

    (void)state;
    for (int i = 0; i < 31; i++)
        c[i] = 1000000;
    fake(&r, 85, c, 31, 0, 30);         /* above the target already */
    assert_true(r.days_to_target == 0);
    assert_int_equal(hf_capacity_judge(&r, 90, 30, &why), HF_CRITICAL);
    assert_true(strstr(hf_buf_str(&why), "at or above the 80% target") != NULL);
    hf_buf_reset(&why);
    fake(&r, 20, c, 31, 0, 0);
    r.days_to_target = 60;              /* within the warning days */
    r.target_date = ODB_NOW + 60 * ODB_DAY;
    assert_int_equal(hf_capacity_judge(&r, 90, 30, &why), HF_WARNING);
    assert_true(strstr(hf_buf_str(&why), "2026-03-02") && strstr(hf_buf_str(&why), "warning within 90"));
    hf_buf_reset(&why);
    r.host = false;
    hf_strlcpy(r.host_err, "/proc/meminfo: no such file", sizeof(r.host_err));
    assert_int_equal(hf_capacity_judge(&r, 90, 30, &why), HF_UNKNOWN);
    assert_true(strstr(hf_buf_str(&why), "/proc/meminfo") != NULL);
    hf_buf_free(&why);
}

static void test_probe_real_file(void **state)
{
    hf_capacity_config c;
    hf_capacity_result r;
    hf_buf b = {0};
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, true);
    for (int d = 35; d > 0; d--)
        odb_fill(&t, ODB_NOW - d * ODB_DAY, ODB_NOW - (d - 1) * ODB_DAY, 200);
    c = (hf_capacity_config){.db = t.path, .fs_path = t.dir, .now = ODB_NOW + 60, .retention_days = -1};
    assert_int_equal(hf_capacity_probe(&c, &r), 0);
    assert_true(r.host);
    assert_true(r.cores > 0 && r.mem_total > 0 && r.fs_total > 0);
    assert_int_equal(r.days.status, HF_DB_OK);
    assert_true(r.growth_known);
    assert_int_equal(r.requests_30d, 6000);
    assert_true(fabs(r.mean_per_day - 200) < 1e-9);
    assert_true(r.retention_days == 30);
    assert_true(r.bytes_per_row > 0);
    hf_capacity_describe(&r, &b);
    assert_true(strstr(hf_buf_str(&b), "CPU cores:") && strstr(hf_buf_str(&b), "requests per month: 6000"));
    hf_buf_free(&b);
    c.db = "/nonexistent/helixflow.db";
    assert_int_equal(hf_capacity_probe(&c, &r), 0);
    assert_int_equal(r.days.status, HF_DB_MISSING);
    assert_true(!r.growth_known && strstr(r.why, "/nonexistent/helixflow.db"));
    assert_int_equal(hf_capacity_probe(NULL, &r), -EINVAL);
    odb_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat),
        cmocka_unit_test(test_growing),
        cmocka_unit_test(test_oldest_and_few_days),
        cmocka_unit_test(test_judge_states),
        cmocka_unit_test(test_probe_real_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
