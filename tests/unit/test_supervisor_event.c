/* Unit tests: hf_restart_event (a Nagios/Icinga event handler's macros
 * judged) and restart.conf's soft-attempt key that it reads. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hf_restart_event.h"
#include "hf_restart_policy.h"

static const char conf[] =
    "services = api-gateway auth-service monitoring\n"
    "soft-attempt = 2\n"
    "[monitoring]\n"
    "soft-attempt = 0\n";

static int judge(const hf_restart_service *svc, const char *st, const char *type,
                 const char *attempt, char *why, size_t n)
{
    hf_restart_event ev = {.state = st, .state_type = type, .attempt = attempt};

    why[0] = '\0';
    return hf_restart_event_judge(&ev, svc, why, n);
}

static void test_soft_attempt_key(void **state)
{
    hf_restart_policy p;
    char err[HF_ERR_MAX] = "";
    static const char bad[] = "services = a\nsoft-attempt = 101\n";
    static const char neg[] = "services = a\n[a]\nsoft-attempt = -1\n";

    (void)state;
    assert_int_equal(hf_restart_policy_parse(conf, sizeof(conf) - 1, "t.conf", &p, err,
                                             sizeof(err)), 0);
    assert_int_equal(hf_restart_policy_find(&p, "api-gateway")->soft_attempt, 2);
    assert_int_equal(hf_restart_policy_find(&p, "auth-service")->soft_attempt, 2);
    assert_int_equal(hf_restart_policy_find(&p, "monitoring")->soft_attempt, 0);
    hf_restart_policy_free(&p);
    assert_int_equal(hf_restart_policy_parse("services = a\n", 13, "d.conf", &p, err,
                                             sizeof(err)), 0);
    assert_int_equal(p.services[0].soft_attempt, 0);            /* default: HARD only */
    hf_restart_policy_free(&p);
    assert_int_equal(hf_restart_policy_parse(bad, sizeof(bad) - 1, "b.conf", &p, err,
                                             sizeof(err)), -EINVAL);
    assert_string_equal(err, "b.conf:2: soft-attempt: '101' is not a whole number from 0 to 100");
    assert_int_equal(hf_restart_policy_parse(neg, sizeof(neg) - 1, "n.conf", &p, err,
                                             sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "n.conf:3: soft-attempt"));
}

static void test_judge(void **state)
{
    hf_restart_policy p;
    const hf_restart_service *gw, *mon;
    char why[256];

    (void)state;
    assert_int_equal(hf_restart_policy_parse(conf, sizeof(conf) - 1, "t.conf", &p, why,
                                             sizeof(why)), 0);
    gw = hf_restart_policy_find(&p, "api-gateway");
    mon = hf_restart_policy_find(&p, "monitoring");
    assert_int_equal(judge(gw, "CRITICAL", "HARD", "3", why, sizeof(why)), 1);
    assert_string_equal(why, "HARD CRITICAL (attempt 3): restart");
    assert_int_equal(judge(mon, "CRITICAL", "HARD", "3", why, sizeof(why)), 1);
    assert_int_equal(judge(NULL, "critical", "hard", "1", why, sizeof(why)), 1);
    /* Icinga's ids: state 2, type 1 (hard) */
    assert_int_equal(judge(gw, "2", "1", "3", why, sizeof(why)), 1);
    /* the configured soft attempt, and only that one */
    assert_int_equal(judge(gw, "CRITICAL", "SOFT", "2", why, sizeof(why)), 1);
    assert_string_equal(why, "SOFT CRITICAL attempt 2: restart (restart.conf: soft-attempt = 2)");
    assert_int_equal(judge(gw, "CRITICAL", "SOFT", "1", why, sizeof(why)), 0);
    assert_string_equal(why, "SOFT CRITICAL attempt 1: no restart (restart.conf acts on SOFT "
                        "attempt 2 and on HARD)");
    assert_int_equal(judge(gw, "CRITICAL", "SOFT", "3", why, sizeof(why)), 0);
    assert_int_equal(judge(mon, "CRITICAL", "SOFT", "2", why, sizeof(why)), 0);
    assert_string_equal(why, "SOFT CRITICAL attempt 2: no restart (restart.conf acts on HARD "
                        "CRITICAL only; soft-attempt = N acts earlier)");
    assert_int_equal(judge(gw, "CRITICAL", "0", "2", why, sizeof(why)), 1);   /* 0: soft */
    /* not CRITICAL: nothing, whatever the type */
    assert_int_equal(judge(gw, "OK", "HARD", "1", why, sizeof(why)), 0);
    assert_string_equal(why, "HARD OK (attempt 1): no restart (only CRITICAL is acted on)");
    assert_int_equal(judge(gw, "WARNING", "HARD", "3", why, sizeof(why)), 0);
    assert_int_equal(judge(gw, "UNKNOWN", "HARD", "3", why, sizeof(why)), 0);
    assert_int_equal(judge(gw, "3", "SOFT", "2", why, sizeof(why)), 0);
    hf_restart_policy_free(&p);
}

static void test_refused(void **state)
{
    static const struct {
        const char *st, *type, *attempt, *why;
    } cases[] = {
        {"CRITICAL;touch /tmp/x", "HARD", "3",
         "refused: the state 'CRITICAL;touch /tmp/x' is not OK, WARNING, CRITICAL or UNKNOWN "
         "($SERVICESTATE$); nothing run"},
        {"$SERVICESTATE$", "HARD", "3", NULL},
        {"CRITICAL\n", "HARD", "3",
         "refused: the state 'CRITICAL\\x0a' is not OK, WARNING, CRITICAL or UNKNOWN "
         "($SERVICESTATE$); nothing run"},
        {"CRITICAL", "HARD`id`", "3", NULL},
        {"CRITICAL", "$(id)", "3", NULL},
        {"CRITICAL", "", "3", NULL},
        {"CRITICAL", NULL, "3", NULL},
        {"4", "HARD", "3", NULL},
        {"CRITICAL", "2", "3", NULL},
        {"CRITICAL", "HARD", "3$(touch x)",
         "refused: the attempt '3$(touch x)' is not a number from 1 to 10000 ($SERVICEATTEMPT$); "
         "nothing run"},
        {"CRITICAL", "HARD", "0", NULL},
        {"CRITICAL", "HARD", "-1", NULL},
        {"CRITICAL", "HARD", "10001", NULL},
        {"CRITICAL", "HARD", "99999999999999999999", NULL},
        {"CRITICAL", "HARD", " 3", NULL},
        {"CRITICAL", "HARD", "../3", NULL},
        {"CRITICAL", "HARD", "", NULL},
    };
    char why[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(judge(NULL, cases[i].st, cases[i].type, cases[i].attempt, why,
                               sizeof(why)), -EINVAL);
        assert_non_null(strstr(why, "refused: the "));
        assert_non_null(strstr(why, "; nothing run"));
        assert_null(strchr(why, '\n'));
        if (cases[i].why)
            assert_string_equal(why, cases[i].why);
    }
    assert_int_equal(judge(NULL, "CRITICAL", "HARD", "10000", why, sizeof(why)), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_soft_attempt_key),
        cmocka_unit_test(test_judge),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
