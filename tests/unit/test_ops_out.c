/* Unit tests: helixflow-ops' own helpers: the JSON writer (escapes,
 * invalid UTF-8, NaN as null, nesting) and the dashboard's layout of
 * reports (one line per problem or object, the summary when all is well,
 * every finding with -v, no colour codes unless asked). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hf_deploy.h"
#include "ops.h"
#include "ops_status.h"

static void test_json(void **state)
{
    hf_buf b = {0};
    ops_json j;

    (void)state;
    oj_begin(&j, &b);
    oj_str(&j, "s", "a\"b\\c\nd\te\x01\x7f");
    oj_str(&j, "utf8", "caf\xc3\xa9 \xff \xed\xa0\x80 \xe2\x82\xac");
    oj_num(&j, "nan", NAN);
    oj_num(&j, "inf", INFINITY);
    oj_num(&j, "whole", 42);
    oj_num(&j, "frac", 0.25);
    oj_int(&j, "neg", -7);
    oj_bool(&j, "t", true);
    oj_str(&j, "null", NULL);
    oj_arr(&j, "empty");
    oj_arr_end(&j);
    oj_arr(&j, "list");
    oj_obj(&j, NULL);
    oj_uint(&j, "n", 1);
    oj_obj_end(&j);
    oj_arr_end(&j);
    oj_end(&j);
    assert_string_equal(hf_buf_str(&b),
        "{\n"
        "  \"s\": \"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\",\n"
        "  \"utf8\": \"caf\xc3\xa9 \\ufffd \\ufffd\\ufffd\\ufffd \xe2\x82\xac\",\n"
        "  \"nan\": null,\n"
        "  \"inf\": null,\n"
        "  \"whole\": 42,\n"
        "  \"frac\": 0.25,\n"
        "  \"neg\": -7,\n"
        "  \"t\": true,\n"
        "  \"null\": null,\n"
        "  \"empty\": [],\n"
        "  \"list\": [\n"
        "    {\n"
        "      \"n\": 1\n"
        "    }\n"
        "  ]\n"
        "}\n");
    hf_buf_free(&b);
}

/* A deploy with two parts whose reports the test writes. */
static void fake(hf_deploy *d)
{
    hf_deploy_opts o = {.skip = ~0u & ~(1u << 0 | 1u << 7)};    /* service and log only */

    assert_int_equal(hf_deploy_init(d, &o), 0);
    assert_int_equal(d->n, 2);
    hf_report_add(&d->part[0].report, HF_OK, "api-gateway", "service.ok", "api-gateway: 3 processes");
    hf_report_add(&d->part[0].report, HF_OK, "api-gateway", "service.ok", "api-gateway: restarted 0 times");
    hf_report_add(&d->part[0].report, HF_CRITICAL, "auth-service", "service.down", "auth-service down");
    hf_report_summary(&d->part[0].report, "4 of 5 services running");
    hf_report_add(&d->part[1].report, HF_OK, "errors", "log.errors", "0 error lines");
    hf_report_summary(&d->part[1].report, "no new errors");
    hf_report_detail(&d->part[1].report, "api-gateway.log: an old line");
    d->part[0].done = d->part[1].done = true;
}

static void test_layout(void **state)
{
    hf_deploy d;
    hf_buf b = {0};
    const char *s;

    (void)state;
    fake(&d);
    ops_status_text(&d, 0, false, &b);
    s = hf_buf_str(&b);
    assert_true(strncmp(s, "HelixFlow status: CRITICAL, 1 problem ", 38) == 0);
    assert_true(strstr(s, "\nServices  CRITICAL\n  OK        api-gateway: 3 processes\n"
                          "  CRITICAL  auth-service down\n\n") != NULL);
    assert_null(strstr(s, "restarted 0 times"));       /* one line per object */
    assert_null(strstr(s, "4 of 5"));                  /* no summary when something is wrong */
    assert_true(strstr(s, "\nRecent errors  OK\n  OK        no new errors\n"
                          "            api-gateway.log: an old line\n") != NULL);
    assert_null(strchr(s, '\033'));
    hf_buf_reset(&b);
    ops_status_text(&d, 1, true, &b);
    s = hf_buf_str(&b);
    assert_true(strstr(s, "restarted 0 times") != NULL);
    assert_true(strstr(s, "\033[1;31mCRITICAL") != NULL);
    hf_buf_reset(&b);
    ops_status_json(&d, &b);
    s = hf_buf_str(&b);
    assert_true(strstr(s, "\"schema\": \"" OPS_STATUS_SCHEMA "\"") != NULL);
    assert_true(strstr(s, "\"state\": \"CRITICAL\",\n  \"exit\": 2,\n  \"problems\": 1,") != NULL);
    assert_true(strstr(s, "\"section\": \"recent_errors\"") != NULL);
    assert_true(strstr(s, "\"details\": [\n        \"api-gateway.log: an old line\"\n      ]") != NULL);
    hf_buf_free(&b);
    hf_deploy_free(&d);
}

static void test_color_words(void **state)
{
    int mode;

    (void)state;
    assert_int_equal(ops_color_parse("always", &mode), 0);
    assert_true(ops_color_on(mode));
    assert_int_equal(ops_color_parse("never", &mode), 0);
    assert_false(ops_color_on(mode));
    assert_true(ops_color_parse("sometimes", &mode) < 0);
    assert_string_equal(ops_color(false, HF_CRITICAL), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_color_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
