/* Unit tests: hf_deploy (every check of a deployment in one process): the
 * shared options reach the kinds that have the setting (health-url is
 * http's url, model not for http), skip, per-kind values and their
 * refusals named as options, validation, the time share. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_deploy.h"
#include "test_check_helpers.h"

static const char *str_of(hf_deploy *d, const char *kind, const char *name)
{
    hf_deploy_part *p = hf_deploy_find(d, kind);
    int i;

    assert_non_null(p);
    i = hf_settings_find(p->kind, name);
    assert_true(i >= 0);
    return hf_settings_str(&p->set, (size_t)i);
}

static void test_sharing(void **state)
{
    char ca[512];
    hf_deploy_opts o = {.root = "/srv/tb", .ca = ca, .health_url = "https://h:1/health",
                        .metrics_url = "http://h:2/metrics", .model = "helixflow-7b"};
    hf_deploy d;

    (void)state;
    assert_non_null(getenv("HF_FIXTURES"));
    snprintf(ca, sizeof(ca), "%s/cert/ca.crt", getenv("HF_FIXTURES"));
    assert_int_equal(hf_deploy_init(&d, &o), 0);
    assert_int_equal(d.n, 8);
    assert_string_equal(d.part[0].kind->name, "service");
    assert_string_equal(str_of(&d, "http", "url"), "https://h:1/health");
    assert_string_equal(str_of(&d, "http", "ca"), ca);
    assert_null(str_of(&d, "http", "model"));                /* http with a model would GET /v1/models */
    assert_string_equal(str_of(&d, "api", "model"), "helixflow-7b");
    assert_string_equal(str_of(&d, "api", "metrics-url"), "http://h:2/metrics");
    assert_string_equal(str_of(&d, "cert", "ca"), ca);
    for (size_t i = 0; i < d.n; i++) {
        assert_string_equal(hf_settings_str(&d.part[i].set, HF_SET_ROOT), "/srv/tb");
        assert_false(d.part[i].bad);
    }
    assert_int_equal(hf_deploy_validate(&d), 0);
    hf_deploy_free(&d);
}

static void test_skip_and_set(void **state)
{
    hf_deploy_opts o = {0};
    char err[HF_ERR_MAX];
    hf_deploy d;

    (void)state;
    o.skip = 1u << hf_deploy_kind_index("http", 4) | 1u << hf_deploy_kind_index("api", 3);
    assert_int_equal(hf_deploy_init(&d, &o), 0);
    assert_int_equal(d.n, 6);
    assert_null(hf_deploy_find(&d, "http"));
    assert_int_equal(hf_deploy_kind_index("nope", 4), -1);
    assert_int_equal(hf_deploy_set(hf_deploy_find(&d, "db"), "window", "7d", err, sizeof(err)), 0);
    assert_string_equal(str_of(&d, "db", "window"), "7d");
    assert_int_equal(hf_deploy_set(hf_deploy_find(&d, "db"), "colour", "red", err, sizeof(err)), -ENOENT);
    assert_string_equal(err, "--colour: the db check has no such setting");
    assert_int_equal(hf_deploy_set(hf_deploy_find(&d, "db"), "timeout", "0", err, sizeof(err)), -EINVAL);
    assert_true(strncmp(err, "--timeout: '0'", 14) == 0);
    /* a value only the validation refuses: the part is bad, named as an option */
    assert_int_equal(hf_deploy_set(hf_deploy_find(&d, "db"), "window", "9d", err, sizeof(err)), 0);
    assert_int_equal(hf_deploy_validate(&d), 1);
    assert_true(hf_deploy_find(&d, "db")->bad);
    assert_string_equal(hf_deploy_find(&d, "db")->report.f[0].code, "check.usage");
    assert_string_equal(hf_deploy_find(&d, "db")->report.f[0].text, "--window: '9d' is not one of 1h, 24h, 7d, 30d");
    hf_deploy_free(&d);
}

static void test_bad_shared(void **state)
{
    hf_deploy_opts o = {.health_url = "ftp://x/health"};
    hf_deploy d;

    (void)state;
    assert_int_equal(hf_deploy_init(&d, &o), 0);
    assert_int_equal(hf_deploy_validate(&d), 1);
    assert_true(hf_deploy_find(&d, "http")->bad);
    assert_true(strncmp(hf_deploy_find(&d, "http")->report.f[0].text, "--health-url: ", 14) == 0);
    assert_int_equal(hf_deploy_state(&d), HF_UNKNOWN);
    hf_deploy_free(&d);
}

/* A budget too small to share: every part is "not run", none is started. */
static void test_budget(void **state)
{
    char dir[] = "/tmp/hf-test-deploy-XXXXXX", cmd[64];
    hf_deploy_opts o = {.budget_s = HF_DEPLOY_MARGIN_S + 0.002};
    hf_deploy d;

    (void)state;
    assert_non_null(mkdtemp(dir));
    o.root = dir;
    assert_int_equal(hf_deploy_init(&d, &o), 0);
    hf_deploy_run(&d, NULL, NULL);
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.part[i].done);
        assert_int_equal(count_code(&d.part[i].report, "check.out_of_time"), 1);
        assert_string_equal(d.part[i].report.f[0].text, "not run: the time budget of 0.252 s ran out");
    }
    assert_int_equal(hf_deploy_state(&d), HF_UNKNOWN);
    assert_true(d.elapsed_s < 1);
    hf_deploy_free(&d);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* Parts run one after the other within the budget, each reported. */
static void test_run(void **state)
{
    char dir[] = "/tmp/hf-test-deploy-XXXXXX", cmd[64];
    hf_deploy_opts o = {.budget_s = 10};
    hf_deploy d;
    size_t before = 0;

    (void)state;
    assert_non_null(mkdtemp(dir));
    o.root = dir;
    o.skip = 1u << hf_deploy_kind_index("http", 4) | 1u << hf_deploy_kind_index("api", 3);
    assert_int_equal(hf_deploy_init(&d, &o), 0);
    hf_deploy_run(&d, NULL, NULL);
    for (size_t i = 0; i < d.n; i++) {
        assert_true(d.part[i].done);
        assert_true(d.part[i].report.nf > 0);
        before += count_code(&d.part[i].report, "check.out_of_time");
    }
    assert_int_equal(before, 0);
    /* nothing of the deployment exists under dir: the services are down, the database missing */
    assert_int_equal(hf_report_object_state(&hf_deploy_find(&d, "service")->report, "api-gateway"), HF_CRITICAL);
    assert_int_equal(count_code(&hf_deploy_find(&d, "db")->report, "db.missing"), 1);
    assert_int_equal(hf_deploy_state(&d), HF_CRITICAL);
    hf_deploy_free(&d);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sharing),
        cmocka_unit_test(test_skip_and_set),
        cmocka_unit_test(test_bad_shared),
        cmocka_unit_test(test_budget),
        cmocka_unit_test(test_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
