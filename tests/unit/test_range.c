/* Unit tests: hf_range (Monitoring Plugins threshold grammar, state order). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hf_range.h"

static hf_range parse_ok(const char *s)
{
    hf_range r;
    char err[256] = "";

    assert_int_equal(hf_range_parse(s, &r, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_true(r.set);
    assert_string_equal(r.text, s);
    return r;
}

static void test_plain_end(void **state)
{
    hf_range r = parse_ok("10");

    (void)state;
    assert_true(hf_range_alert(&r, -1));
    assert_false(hf_range_alert(&r, 0));
    assert_false(hf_range_alert(&r, 10));
    assert_true(hf_range_alert(&r, 10.5));
}

static void test_start_only(void **state)
{
    hf_range r = parse_ok("10:");

    (void)state;
    assert_true(hf_range_alert(&r, 9.99));
    assert_false(hf_range_alert(&r, 10));
    assert_false(hf_range_alert(&r, 1e12));
}

static void test_neg_inf(void **state)
{
    hf_range r = parse_ok("~:10");

    (void)state;
    assert_false(hf_range_alert(&r, -1e12));
    assert_false(hf_range_alert(&r, 10));
    assert_true(hf_range_alert(&r, 10.01));
}

static void test_between_and_inside(void **state)
{
    hf_range r = parse_ok("10:20"), in = parse_ok("@10:20");

    (void)state;
    assert_true(hf_range_alert(&r, 9));
    assert_false(hf_range_alert(&r, 15));
    assert_true(hf_range_alert(&r, 21));
    assert_false(hf_range_alert(&in, 9));
    assert_true(hf_range_alert(&in, 10));
    assert_true(hf_range_alert(&in, 20));
    assert_false(hf_range_alert(&in, 20.5));
}

static void test_negative_and_fraction(void **state)
{
    hf_range r = parse_ok("-5.5:-1e-1");

    (void)state;
    assert_false(hf_range_alert(&r, -3));
    assert_true(hf_range_alert(&r, 0));
}

/* An empty start reads as 0, as both Monitoring Plugins range parsers read it. */
static void test_empty_start(void **state)
{
    hf_range r = parse_ok(":10"), in = parse_ok("@:10"), z = parse_ok(":0"), f = parse_ok(":2.5e1");

    (void)state;
    assert_true(r.start == 0 && r.end == 10);
    assert_false(r.start_neg_inf || r.end_inf || r.inside);
    assert_true(hf_range_alert(&r, -0.5));
    assert_false(hf_range_alert(&r, 0));
    assert_false(hf_range_alert(&r, 10));
    assert_true(hf_range_alert(&r, 10.5));
    assert_true(in.start == 0 && in.end == 10 && in.inside);
    assert_false(in.start_neg_inf || in.end_inf);
    assert_false(hf_range_alert(&in, -1));
    assert_true(hf_range_alert(&in, 0));
    assert_true(hf_range_alert(&in, 10));
    assert_false(hf_range_alert(&in, 10.5));
    assert_true(z.start == 0 && z.end == 0 && !z.end_inf);
    assert_true(f.start == 0 && f.end == 25);
}

static void expect_bad(const char *s, const char *needle)
{
    hf_range r;
    char err[256] = "";

    assert_int_not_equal(hf_range_parse(s, &r, err, sizeof(err)), 0);
    assert_false(r.set);
    if (!strstr(err, needle))
        fail_msg("error for '%s' is '%s', wanted '%s'", s, err, needle);
}

static void test_rejects_junk(void **state)
{
    (void)state;
    expect_bad("", "empty");
    expect_bad("abc", "not a finite number");
    expect_bad("10x", "not a finite number");
    expect_bad(" 10", "not a finite number");
    expect_bad("10 ", "not a finite number");
    expect_bad("0x10", "not a finite number");
    expect_bad("nan", "not a finite number");
    expect_bad("NaN:5", "not a finite number");
    expect_bad("inf", "not a finite number");
    expect_bad("1:inf", "not a finite number");
    expect_bad("20:10", "greater than");
    expect_bad("@", "missing");
    expect_bad(":", "missing");
    expect_bad("@:", "missing");
    expect_bad(":-1", "greater than");
    expect_bad(":abc", "not a finite number");
    expect_bad(":10x", "not a finite number");
    expect_bad(": 10", "not a finite number");
    expect_bad(":nan", "not a finite number");
    expect_bad(":inf", "not a finite number");
    expect_bad("::10", "more than one");
    expect_bad(":10:", "more than one");
    expect_bad("~", "not a finite number");
    expect_bad("1:2:3", "more than one");
    expect_bad("@@1", "not a finite number");
    expect_bad("~:~", "not a finite number");
    expect_bad("1e999", "not a finite number");
}

static void expect_error(const char *s, const char *want)
{
    hf_range r;
    char err[256] = "";

    assert_int_equal(hf_range_parse(s, &r, err, sizeof(err)), -EINVAL);
    assert_false(r.set);
    assert_true(r.start == 0 && r.end == 0 && !r.inside);
    assert_string_equal(err, want);
}

static void test_exact_errors(void **state)
{
    (void)state;
    expect_error(":", "invalid range ':': both bounds are missing");
    expect_error("@:", "invalid range '@:': both bounds are missing");
    expect_error(":-1", "invalid range ':-1': start 0 is greater than end -1");
    expect_error(":1x", "invalid range ':1x': end bound '1x' is not a finite number");
    expect_error("@5:2", "invalid range '@5:2': start 5 is greater than end 2");
    expect_error("", "invalid range '': empty");
    expect_error("@", "invalid range '@': end bound is missing");
    expect_error("1:2:3", "invalid range '1:2:3': more than one ':'");
}

static void test_eval(void **state)
{
    hf_range w = parse_ok("30:"), c = parse_ok("7:");

    (void)state;
    assert_int_equal(hf_range_eval(&w, &c, 100), HF_OK);
    assert_int_equal(hf_range_eval(&w, &c, 20), HF_WARNING);
    assert_int_equal(hf_range_eval(&w, &c, 3), HF_CRITICAL);
    assert_int_equal(hf_range_eval(NULL, NULL, 3), HF_OK);
    assert_int_equal(hf_range_eval(NULL, &c, 3), HF_CRITICAL);
}

static void test_state_order(void **state)
{
    (void)state;
    assert_int_equal(hf_state_worst(HF_OK, HF_UNKNOWN), HF_UNKNOWN);
    assert_int_equal(hf_state_worst(HF_UNKNOWN, HF_WARNING), HF_WARNING);
    assert_int_equal(hf_state_worst(HF_WARNING, HF_UNKNOWN), HF_WARNING);
    assert_int_equal(hf_state_worst(HF_CRITICAL, HF_UNKNOWN), HF_CRITICAL);
    assert_int_equal(hf_state_worst(HF_WARNING, HF_CRITICAL), HF_CRITICAL);
    assert_string_equal(hf_state_name(HF_UNKNOWN), "UNKNOWN");
    assert_string_equal(hf_state_name(HF_CRITICAL), "CRITICAL");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_end),
        cmocka_unit_test(test_start_only),
        cmocka_unit_test(test_neg_inf),
        cmocka_unit_test(test_between_and_inside),
        cmocka_unit_test(test_negative_and_fraction),
        cmocka_unit_test(test_empty_start),
        cmocka_unit_test(test_rejects_junk),
        cmocka_unit_test(test_exact_errors),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_state_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
