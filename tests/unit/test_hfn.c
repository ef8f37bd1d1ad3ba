/* Unit tests: hfn, the Nagios output and argument contract. */
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hfn.h"

/* Run fn with stdout captured; returns malloc'd output. */
static char *capture(int (*fn)(void *), void *arg, int *ret)
{
    char path[] = "/tmp/hf-test-hfn-XXXXXX";
    int fd = mkstemp(path), saved;
    char *out;

    assert_true(fd >= 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    *ret = fn(arg);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    assert_true(hf_file_read(path, 1 << 20, &out) >= 0);
    unlink(path);
    return out;
}

static int finish(void *p)
{
    return hfn_finish(p);
}

static void test_ok_line(void **state)
{
    hfn p;
    int rc;
    char *out;
    hf_range w, c;

    (void)state;
    hfn_init(&p, "SERVICE");
    hfn_summary(&p, "5 services running");
    hfn_add(&p, HF_OK, "api-gateway: 3 processes");
    assert_int_equal(hf_range_parse("1:", &c, NULL, 0), 0);
    assert_int_equal(hf_range_parse("~:5", &w, NULL, 0), 0);
    hfn_perf(&p, "api-gateway_procs", 3, "", &w, &c, 0, NAN);
    hfn_perf(&p, "rss", 1048576, "B", NULL, NULL, NAN, NAN);
    hfn_perf(&p, "tiny", 0.0000873, "s", NULL, NULL, NAN, NAN);
    hfn_perf(&p, "frac", 1234.56789, "ms", NULL, NULL, NAN, NAN);
    hfn_perf(&p, "neg", -0.25, "", NULL, NULL, NAN, NAN);
    hfn_perf(&p, "undetermined", NAN, "%", &w, NULL, 0, 100);
    out = capture(finish, &p, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "HELIXFLOW SERVICE OK: 5 services running | "
                             "api-gateway_procs=3;~:5;1:;0 rss=1048576B tiny=0.0000873s "
                             "frac=1234.57ms neg=-0.25 undetermined=U;~:5;;0;100\n");
    free(out);
}

static void test_problems_first_line_and_long_output(void **state)
{
    hfn p;
    int rc;
    char *out;

    (void)state;
    hfn_init(&p, "CERT");
    hfn_add(&p, HF_WARNING, "a.crt expires in 10.0 days");
    hfn_add(&p, HF_CRITICAL, "b.crt expired 2.0 days ago");
    hfn_add(&p, HF_OK, "c.crt 300 days left");
    hfn_add(&p, HF_CRITICAL, "d.crt not trusted");
    hfn_perf(&p, "with space", 1.5, "d", NULL, NULL, NAN, NAN);
    out = capture(finish, &p, &rc);
    assert_int_equal(rc, 2);
    assert_string_equal(out, "HELIXFLOW CERT CRITICAL: b.crt expired 2.0 days ago, d.crt not "
                             "trusted | 'with space'=1.5d\n[WARNING] a.crt expires in 10.0 days\n");
    free(out);
}

static void test_unknown_below_warning(void **state)
{
    hfn p;
    int rc;
    char *out;

    (void)state;
    hfn_init(&p, "DB");
    hfn_add(&p, HF_UNKNOWN, "x");
    hfn_add(&p, HF_WARNING, "y");
    out = capture(finish, &p, &rc);
    assert_int_equal(rc, 1);
    assert_string_equal(out, "HELIXFLOW DB WARNING: y\n[UNKNOWN] x\n");
    free(out);
}

static void test_aggregate(void **state)
{
    hfn p;
    int rc;
    char *out;

    (void)state;
    hfn_init(&p, "DEPLOYMENT");
    p.aggregate = true;
    hfn_add(&p, HF_CRITICAL, "service api-gateway down");
    hfn_add(&p, HF_WARNING, "cert expiring");
    out = capture(finish, &p, &rc);
    assert_int_equal(rc, 2);
    assert_string_equal(out, "HELIXFLOW DEPLOYMENT CRITICAL: 2 problems: service api-gateway down\n"
                             "[CRITICAL] service api-gateway down\n[WARNING] cert expiring\n");
    free(out);
}

typedef struct { double x; } opts_t;

static const struct option test_longopts[] = {
    {"xval", required_argument, NULL, HFN_MODE_OPT},
    {0},
};

static int test_option(hfn *p, void *o, int opt, const char *arg)
{
    if (opt == HFN_MODE_OPT)
        return hfn_double_arg(p, "--xval", arg, 0, &((opts_t *)o)->x);
    return hfn_bad_usage(p, "unhandled");
}

static void test_run(hfn *p, const void *o)
{
    hfn_summary(p, "x=%g", ((const opts_t *)o)->x);
}

static const hfn_mode test_mode = {
    .name = "test", .title = "TEST", .usage = "[--xval N]", .opts_size = sizeof(opts_t),
    .option = test_option, .longopts = test_longopts, .shortopts = "", .run = test_run,
};

struct main_args { int argc; char **argv; };

static int run_main(void *a)
{
    struct main_args *m = a;
    return hfn_main(&test_mode, m->argc, m->argv);
}

static void expect_main(int argc, const char *const *args, int code, const char *want)
{
    char *argv[16];
    struct main_args a = {argc, argv};
    int rc;
    char *out;

    for (int i = 0; i <= argc; i++)
        argv[i] = args[i] ? strdup(args[i]) : NULL;
    out = capture(run_main, &a, &rc);
    assert_int_equal(rc, code);
    assert_string_equal(out, want);
    free(out);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
}

static void test_arguments(void **state)
{
    const char *const ok[] = {"check", "--xval", "2", "-w", "10:", "-t", "5", NULL};
    const char *const badrange[] = {"check", "-w", "20:10", NULL};
    const char *const badopt[] = {"check", "--nope", NULL};
    const char *const extra[] = {"check", "stray", NULL};
    const char *const novalue[] = {"check", "--xval", NULL};
    const char *const badnum[] = {"check", "--xval", "abc", NULL};
    const char *const badt[] = {"check", "-t", "0", NULL};

    (void)state;
    expect_main(7, ok, 0, "HELIXFLOW TEST OK: x=2\n");
    expect_main(3, badrange, 3, "HELIXFLOW TEST UNKNOWN: -w: invalid range '20:10': start 20 is "
                                "greater than end 10\nUsage: check_helixflow_test [--xval N]\n");
    expect_main(2, badopt, 3, "HELIXFLOW TEST UNKNOWN: unknown option '--nope'\n"
                              "Usage: check_helixflow_test [--xval N]\n");
    expect_main(2, extra, 3, "HELIXFLOW TEST UNKNOWN: unexpected argument 'stray'\n"
                             "Usage: check_helixflow_test [--xval N]\n");
    expect_main(2, novalue, 3, "HELIXFLOW TEST UNKNOWN: option '--xval' needs a value\n"
                               "Usage: check_helixflow_test [--xval N]\n");
    expect_main(3, badnum, 3, "HELIXFLOW TEST UNKNOWN: --xval: 'abc' is not a number >= 0\n"
                              "Usage: check_helixflow_test [--xval N]\n");
    expect_main(3, badt, 3, "HELIXFLOW TEST UNKNOWN: -t: '0' is not a number >= 1\n"
                            "Usage: check_helixflow_test [--xval N]\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_line),
        cmocka_unit_test(test_problems_first_line_and_long_output),
        cmocka_unit_test(test_unknown_below_warning),
        cmocka_unit_test(test_aggregate),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
