/* Unit tests: hf_db_days (rows per UTC day without a scan): rowid
 * bisection against SQLite's count per date(created_at), gaps, a table out
 * of time order with and without an index, an empty table, bad input. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hf_db_days.h"
#include "test_ops_db_helpers.h"

/* SQLite's count of the rows of day i of r (text dates). */
static int64_t sql_day(odb *t, const hf_db_days_result *r, int i)
{
    char sql[200], d[16];

    snprintf(sql, sizeof(sql), "SELECT count(*) FROM inference_requests WHERE date(created_at) = '%s'",
             hf_time_format_date(r->day0 + ODB_DAY * i, d, sizeof(d)));
    return odb_int(t->w, sql);
}

static void days(odb *t, int n, hf_db_days_result *r)
{
    hf_db_days_config c = {.path = t->path, .days = n, .now = ODB_NOW + 3600};

    assert_int_equal(hf_db_days(&c, r), 0);
}

static void test_rowid_counts(void **state)
{
    hf_db_days_result r;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);   /* no index: bisection only */
    for (int d = 40; d > 0; d--)       /* a growing rate: 100 + 5 a day */
        odb_fill(&t, ODB_NOW - d * ODB_DAY, ODB_NOW - (d - 1) * ODB_DAY, 100 + 5 * (40 - d));
    odb_fill(&t, ODB_NOW, ODB_NOW + 3600, 60);
    days(&t, 30, &r);
    assert_int_equal(r.status, HF_DB_OK);
    assert_string_equal(r.method, "rowid");
    assert_int_equal(r.ndays, 31);
    assert_true(r.day0 == ODB_NOW - 30 * ODB_DAY);
    for (int i = 0; i < r.ndays; i++)
        assert_int_equal(r.count[i], sql_day(&t, &r, i));
    assert_int_equal(r.count[30], 60);
    assert_true(r.oldest == ODB_NOW - 40 * ODB_DAY);
    assert_int_equal(r.rows, odb_int(t.w, "SELECT count(*) FROM inference_requests"));
    assert_true(r.probes < 31 * 20 + 64);   /* bisections, never a scan */
    assert_true(r.page_count > 0 && r.page_size > 0);
    odb_rm(&t);
}

/* Rowids missing inside a day: the count is the rowid span (an upper bound). */
static void test_gaps(void **state)
{
    hf_db_days_result r;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    odb_fill(&t, ODB_NOW - 10 * ODB_DAY, ODB_NOW, 1000);
    odb_exec(t.w, "DELETE FROM inference_requests WHERE id BETWEEN 501 AND 520");
    days(&t, 9, &r);
    assert_int_equal(r.status, HF_DB_OK);
    for (int i = 0; i < r.ndays - 1; i++) {
        assert_true(r.count[i] >= sql_day(&t, &r, i));
        assert_true(r.count[i] <= sql_day(&t, &r, i) + 20);
    }
    odb_rm(&t);
}

static void shuffled(odb *t, bool index)
{
    odb_open(t, "plain", true, index);
    odb_exec(t->w, "BEGIN");
    for (int i = 0; i < 2000; i++)      /* days in a scrambled order */
        odb_row(t, ODB_NOW - ODB_DAY * ((i * 7) % 20) - 60.0 * (i % 1000) - 1);
    odb_exec(t->w, "COMMIT");
}

static void test_unordered(void **state)
{
    hf_db_days_result r;
    odb t;

    (void)state;
    shuffled(&t, true);
    days(&t, 20, &r);
    assert_int_equal(r.status, HF_DB_OK);
    assert_string_equal(r.method, "index");
    for (int i = 0; i < r.ndays; i++)
        assert_int_equal(r.count[i], sql_day(&t, &r, i));
    assert_true(r.oldest == ODB_NOW - ODB_DAY * 19 - 60.0 * 997 - 1);  /* the index's first date (i = 997) */
    odb_rm(&t);
    shuffled(&t, false);
    days(&t, 20, &r);
    assert_int_equal(r.status, HF_DB_SCHEMA);
    assert_true(strstr(r.err, "not in time order") && strstr(r.err, "full scan") && strstr(r.err, t.path));
    odb_rm(&t);
}

static void test_empty_and_bad(void **state)
{
    hf_db_days_config c;
    hf_db_days_result r;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    days(&t, 30, &r);
    assert_int_equal(r.status, HF_DB_OK);
    assert_int_equal(r.rows, 0);
    assert_true(isnan(r.oldest));
    for (int i = 0; i < r.ndays; i++)
        assert_int_equal(r.count[i], 0);
    c = (hf_db_days_config){.path = t.path, .days = HF_DB_DAYS_MAX};
    assert_int_equal(hf_db_days(&c, &r), -EINVAL);
    assert_true(strstr(r.err, "days") != NULL);
    c = (hf_db_days_config){.path = t.path, .table = "requests"};
    assert_int_equal(hf_db_days(&c, &r), 0);
    assert_int_equal(r.status, HF_DB_SCHEMA);
    assert_true(strstr(r.err, "requests") != NULL);
    c = (hf_db_days_config){.path = t.path, .time_col = "made_at"};
    assert_int_equal(hf_db_days(&c, &r), 0);
    assert_int_equal(r.status, HF_DB_SCHEMA);
    assert_true(strstr(r.err, "made_at") != NULL);
    odb_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rowid_counts),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_unordered),
        cmocka_unit_test(test_empty_and_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
