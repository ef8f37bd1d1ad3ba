/* Unit tests: the Nagios front-end's contract: a report rendered as the
 * Monitoring Plugins output (hfn_out) and argv filled into a kind's settings
 * (hfn_args), with a small test kind. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hfn_args.h"
#include "hfn_out.h"

static char *render(const char *title, hfn_part *parts, size_t n, int verbose, int *rc)
{
    hf_buf b = {0};
    hfn_out_opts o = {.title = title, .verbose = verbose};

    *rc = hfn_out_render(&b, &o, parts, n);
    return b.s;
}

static void test_ok_line(void **state)
{
    hf_report r;
    hf_range w, c;
    hfn_part part = {NULL, &r};
    char *out;
    int rc;

    (void)state;
    hf_report_init(&r);
    hf_report_summary(&r, "5 services running");
    hf_report_add(&r, HF_OK, "api-gateway", "service.up", "api-gateway: 3 processes");
    assert_int_equal(hf_range_parse("1:", &c, NULL, 0), 0);
    assert_int_equal(hf_range_parse("~:5", &w, NULL, 0), 0);
    hf_report_metric(&r, "api-gateway_procs", "api-gateway", "processes", 3, "", &w, &c, 0, NAN);
    hf_report_metric(&r, "rss", NULL, NULL, 1048576, "B", NULL, NULL, NAN, NAN);
    hf_report_metric(&r, "tiny", NULL, NULL, 0.0000873, "s", NULL, NULL, NAN, NAN);
    hf_report_metric(&r, "frac", NULL, NULL, 1234.56789, "ms", NULL, NULL, NAN, NAN);
    hf_report_metric(&r, "neg", NULL, NULL, -0.25, "", NULL, NULL, NAN, NAN);
    hf_report_metric(&r, "undetermined", NULL, NULL, NAN, "%", &w, NULL, 0, 100);
    out = render("SERVICE", &part, 1, 0, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "HELIXFLOW SERVICE OK: 5 services running | "
                             "api-gateway_procs=3;~:5;1:;0 rss=1048576B tiny=0.0000873s "
                             "frac=1234.57ms neg=-0.25 undetermined=U;~:5;;0;100\n");
    free(out);
    out = render("SERVICE", &part, 1, 1, &rc);        /* -v: the OK findings too */
    assert_non_null(strstr(out, "\n[OK] api-gateway: 3 processes\n"));
    free(out);
    hf_report_free(&r);
}

static void test_problems_first_line_and_long_output(void **state)
{
    hf_report r;
    hfn_part part = {NULL, &r};
    char *out;
    int rc;

    (void)state;
    hf_report_init(&r);
    hf_report_add(&r, HF_WARNING, "a.crt", "cert.expiring", "a.crt expires in 10.0 days");
    hf_report_add(&r, HF_CRITICAL, "b.crt", "cert.expired", "b.crt expired 2.0 days ago");
    hf_report_add(&r, HF_OK, "c.crt", "cert.ok", "c.crt 300 days left");
    hf_report_add(&r, HF_CRITICAL, "d.crt", "cert.untrusted", "d.crt not trusted");
    hf_report_metric(&r, "with space", NULL, NULL, 1.5, "d", NULL, NULL, NAN, NAN);
    hf_report_detail(&r, "a plain line");
    out = render("CERT", &part, 1, 0, &rc);
    assert_int_equal(rc, 2);
    assert_string_equal(out, "HELIXFLOW CERT CRITICAL: b.crt expired 2.0 days ago, d.crt not "
                             "trusted | 'with space'=1.5d\n[WARNING] a.crt expires in 10.0 days\n"
                             "a plain line\n");
    free(out);
    hf_report_free(&r);
}

static void test_unknown_below_warning(void **state)
{
    hf_report r;
    hfn_part part = {NULL, &r};
    char *out;
    int rc;

    (void)state;
    hf_report_init(&r);
    hf_report_add(&r, HF_UNKNOWN, "", "x", "x");
    hf_report_add(&r, HF_WARNING, "", "y", "y");
    out = render("DB", &part, 1, 0, &rc);
    assert_int_equal(rc, 1);
    assert_string_equal(out, "HELIXFLOW DB WARNING: y\n[UNKNOWN] x\n");
    free(out);
    hf_report_free(&r);
}

static void test_aggregate(void **state)
{
    hf_report a, b;
    hfn_part parts[2] = {{"service", &a}, {"cert", &b}};
    hfn_out_opts o = {.title = "DEPLOYMENT", .summary = "2 checks passed"};
    hf_buf buf = {0};
    int rc;

    (void)state;
    hf_report_init(&a);
    hf_report_init(&b);
    hf_report_add(&a, HF_CRITICAL, "api-gateway", "service.down", "api-gateway down");
    hf_report_metric(&a, "api-gateway", NULL, NULL, 0, "", NULL, NULL, 0, NAN);
    hf_report_add(&b, HF_WARNING, "x.crt", "cert.expiring", "x.crt expiring");
    hf_report_detail(&b, "left out of the aggregate");
    rc = hfn_out_render(&buf, &o, parts, 2);
    assert_int_equal(rc, 2);
    assert_string_equal(hf_buf_str(&buf),
                        "HELIXFLOW DEPLOYMENT CRITICAL: 2 problems: service: api-gateway down | "
                        "service_api-gateway=0;;;0\n[CRITICAL] service: api-gateway down\n"
                        "[WARNING] cert: x.crt expiring\n");
    hf_buf_free(&buf);
    hf_report_reset(&a);
    hf_report_reset(&b);
    rc = hfn_out_render(&buf, &o, parts, 2);              /* all well: the given summary */
    assert_int_equal(rc, 0);
    assert_string_equal(hf_buf_str(&buf), "HELIXFLOW DEPLOYMENT OK: 2 checks passed\n");
    hf_buf_free(&buf);
    hf_report_free(&a);
    hf_report_free(&b);
}

/* A test kind: one number, one range, one list, one flag. */
enum { TK_XVAL = HF_SET_KIND0, TK_WARNING, TK_ITEM, TK_QUIET };
static const hf_setting_def tk_defs[] = {
    {"xval", HF_SET_DOUBLE, "1", 0, 100, 0, "N", "a number", NULL},
    {"warning", HF_SET_RANGE, NULL, 0, 0, 0, "RANGE", "warning range", NULL},
    {"item", HF_SET_LIST, "a,b", 0, 0, 0, "NAME", "an item", NULL},
    {"quiet", HF_SET_FLAG, NULL, 0, 0, 0, NULL, "a flag", NULL},
};
static const hf_check_kind tk = {
    .name = "test", .title = "TEST", .doc = "A test kind.", .defs = tk_defs,
    .ndefs = HF_ARRAY_SIZE(tk_defs),
};

/* Parse args; returns hfn_args_parse's result, message in *msg (malloc'd). */
static int parse(hf_settings *s, int argc, const char *const *args, char **msg)
{
    char *argv[16];
    hfn_args a = {0};
    hf_buf out = {0}, err = {0};
    int r;

    for (int i = 0; i <= argc; i++)
        argv[i] = (char *)(uintptr_t)args[i];
    assert_int_equal(hf_settings_init(s, &tk), 0);
    r = hfn_args_parse(s, argc, argv, &a, &out, &err, NULL, NULL, NULL);
    *msg = strdup(r > 0 ? hf_buf_str(&out) : hf_buf_str(&err));
    hf_buf_free(&out);
    hf_buf_free(&err);
    return r;
}

static void expect_bad(int argc, const char *const *args, const char *want)
{
    hf_settings s;
    char *msg;

    assert_int_equal(parse(&s, argc, args, &msg), -1);
    assert_string_equal(msg, want);
    free(msg);
    hf_settings_free(&s);
}

static void test_arguments(void **state)
{
    const char *const good[] = {"test", "--xval", "2", "-w", "10:", "-t", "5", "--item", "z",
                                "--quiet", NULL};
    hf_settings s;
    char *msg;
    size_t n;

    (void)state;
    assert_int_equal(parse(&s, 10, good, &msg), 0);
    assert_true(hf_settings_double(&s, TK_XVAL) == 2);
    assert_string_equal(hf_settings_range(&s, TK_WARNING)->text, "10:");
    assert_true(hf_settings_double(&s, HF_SET_TIMEOUT) == 5);
    assert_string_equal(hf_settings_list(&s, TK_ITEM, &n)[0], "z");
    assert_int_equal(n, 1);
    assert_true(hf_settings_flag(&s, TK_QUIET));
    free(msg);
    hf_settings_free(&s);

    expect_bad(3, (const char *const[]){"test", "-w", "20:10", NULL},
               "-w: invalid range '20:10': start 20 is greater than end 10");
    expect_bad(2, (const char *const[]){"test", "--nope", NULL}, "unknown option '--nope'");
    expect_bad(2, (const char *const[]){"test", "stray", NULL}, "unexpected argument 'stray'");
    expect_bad(2, (const char *const[]){"test", "--xval", NULL}, "option '--xval' needs a value");
    expect_bad(3, (const char *const[]){"test", "--xval", "abc", NULL},
               "--xval: 'abc' is not a number from 0 to 100");
    expect_bad(3, (const char *const[]){"test", "-t", "0", NULL},
               "-t: '0' is not a number from 1 to 3600");
    expect_bad(3, (const char *const[]){"test", "-c", "5", NULL},
               "-c is not used by this check (see -h for its thresholds)");
}

static void test_usage_and_help(void **state)
{
    hf_buf b = {0};
    hf_settings s;
    char *msg;

    (void)state;
    hfn_args_usage(&b, &tk);
    assert_string_equal(hf_buf_str(&b), "Usage: check_helixflow_test [-w RANGE] [--xval N] "
                                        "[--item NAME]... [--quiet] [--root DIR] [--state-dir DIR] "
                                        "[-t SECONDS]\n");
    hf_buf_free(&b);
    assert_int_equal(parse(&s, 2, (const char *const[]){"test", "-h", NULL}, &msg), 1);
    assert_non_null(strstr(msg, "--xval N"));
    assert_non_null(strstr(msg, "a number (default 1)"));
    assert_non_null(strstr(msg, "A test kind."));
    free(msg);
    hf_settings_free(&s);
    assert_int_equal(parse(&s, 2, (const char *const[]){"test", "-V", NULL}, &msg), 1);
    assert_non_null(strstr(msg, "check_helixflow_test "));
    free(msg);
    hf_settings_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_line),
        cmocka_unit_test(test_problems_first_line_and_long_output),
        cmocka_unit_test(test_unknown_below_warning),
        cmocka_unit_test(test_aggregate),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_usage_and_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
