/* Unit tests: hf_restart_policy: restart.conf parsing (every key, defaults,
 * order, argv substitution), every refusal with its file:line, and the
 * sudoers-like ownership and mode checks of hf_restart_policy_load. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_defaults.h"
#include "hf_restart_policy.h"
#include "test_ledger_helpers.h"

static const char good[] =
    "# the restart policy\n"
    "services = api-gateway api-gateway-grpc auth-service inference-pool monitoring\n"
    "command = /usr/bin/systemctl restart helixflow-{service}.service\n"
    "attempts = 4\n"
    "window = 15m\n"
    "backoff = 30\n"
    "backoff-max = 1h\n"
    "reset-after = 0.5h\n"
    "timeout = 90s\n"
    "kill-after = 5\n"
    "verify = 2m\n"
    "\n"
    "  [monitoring]  \n"
    "command = /opt/helixflow/production_deployment.sh restart {service}\n"
    "attempts = 1\n"
    "after = api-gateway\n"
    "[auth-service]\r\n"
    "after =\n";

static void test_parse_good(void **state)
{
    hf_restart_policy p;
    char err[HF_ERR_MAX] = "";
    const hf_restart_service *s;

    (void)state;
    assert_int_equal(hf_restart_policy_parse(good, sizeof(good) - 1, "t.conf", &p, err,
                                             sizeof(err)), 0);
    assert_int_equal(p.nservices, 5);
    s = hf_restart_policy_find(&p, "api-gateway");
    assert_non_null(s);
    assert_int_equal(s->budget.attempts, 4);
    assert_true(s->budget.window_s == 900 && s->budget.backoff_s == 30);
    assert_true(s->budget.backoff_max_s == 3600 && s->budget.reset_s == 1800);
    assert_true(s->timeout_s == 90 && s->kill_after_s == 5 && s->verify_s == 120);
    assert_int_equal(s->ncommand, 3);
    assert_string_equal(s->command[2], "helixflow-{service}.service");
    assert_null(s->command[3]);
    s = hf_restart_policy_find(&p, "monitoring");
    assert_int_equal(s->budget.attempts, 1);
    assert_true(s->timeout_s == 90);                    /* the global value */
    assert_string_equal(s->command[0], "/opt/helixflow/production_deployment.sh");
    /* order: auth-service and inference-pool before the gateways (default),
     * monitoring after api-gateway (configured) */
    assert_int_equal(hf_restart_policy_find(&p, "auth-service")->rank, 0);
    assert_int_equal(hf_restart_policy_find(&p, "inference-pool")->rank, 1);
    assert_int_equal(hf_restart_policy_find(&p, "api-gateway")->rank, 2);
    assert_int_equal(hf_restart_policy_find(&p, "api-gateway-grpc")->rank, 3);
    assert_int_equal(hf_restart_policy_find(&p, "monitoring")->rank, 4);
    assert_int_equal(hf_restart_policy_find(&p, "auth-service")->nafter, 0);
    assert_null(hf_restart_policy_find(&p, "redis"));
    assert_null(hf_restart_policy_find(&p, NULL));
    hf_restart_policy_free(&p);
    hf_restart_policy_free(&p);
    hf_restart_policy_free(NULL);
}

static void test_defaults_and_argv(void **state)
{
    static const char text[] = "services = api-gateway\n";
    hf_restart_policy p;
    char err[HF_ERR_MAX], **argv;
    const hf_restart_service *s;

    (void)state;
    assert_int_equal(hf_restart_policy_parse(text, strlen(text), NULL, &p, err, sizeof(err)), 0);
    s = &p.services[0];
    assert_int_equal(s->budget.attempts, HF_DEFAULT_RESTART_ATTEMPTS);
    assert_true(s->budget.window_s == HF_DEFAULT_RESTART_WINDOW_S);
    assert_true(s->budget.backoff_s == HF_DEFAULT_RESTART_BACKOFF_S);
    assert_true(s->budget.reset_s == HF_DEFAULT_RESTART_RESET_S);
    assert_true(s->timeout_s == HF_DEFAULT_RESTART_TIMEOUT_S);
    assert_int_equal(hf_restart_argv(s, &argv), 0);
    assert_string_equal(argv[0], "/usr/bin/systemctl");
    assert_string_equal(argv[1], "restart");
    assert_string_equal(argv[2], "helixflow-api-gateway.service");
    assert_null(argv[3]);
    hf_restart_argv_free(argv);
    hf_restart_argv_free(NULL);
    hf_restart_policy_free(&p);
}

static void test_names(void **state)
{
    static const char *const ok[] = {"api-gateway", "a", "0x", "auth_service.v2", "a.b-c"};
    static const char *const bad[] = {
        "", "-x", ".x", "_x", "A", "api gateway", "api-gateway;touch x", "$(touch x)",
        "`touch x`", "a\nb", "../x", "..", "a..b", "a/b", "x$y", "é",
        "a1234567890123456789012345678901234567890123456789012345678901234",
    };

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(ok); i++)
        assert_true(hf_restart_name_valid(ok[i]));
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++)
        if (hf_restart_name_valid(bad[i]))
            fail_msg("'%s' accepted", bad[i]);
    assert_false(hf_restart_name_valid(NULL));
}

static void refused(const char *text, const char *want)
{
    hf_restart_policy p;
    char err[HF_ERR_MAX] = "";

    if (hf_restart_policy_parse(text, strlen(text), "/etc/x/restart.conf", &p, err,
                                sizeof(err)) != -EINVAL)
        fail_msg("accepted: %s", text);
    if (!strstr(err, want))
        fail_msg("for %s: '%s' does not say '%s'", text, err, want);
    assert_int_equal(p.nservices, 0);
    assert_null(p.services);
}

static void test_refusals(void **state)
{
    (void)state;
    refused("services = a\ncomand = /bin/x\n", "restart.conf:2: unknown key 'comand'");
    refused("services = a\nattempts = 2\nattempts = 3\n", ":3: 'attempts' given twice (first on line 2)");
    refused("services = a\nwindow = 15 minutes\n", ":2: window: '15 minutes' is not a duration");
    refused("services = a\nwindow = -5\n", ":2: window");
    refused("services = a\nwindow = 0\n", ":2: window");
    refused("services = a\nattempts = 0\n", ":2: attempts: '0' is not a whole number from 1 to 100");
    refused("services = a\nattempts = 2.5\n", ":2: attempts");
    refused("services = a\n[b]\n", ":2: [b] is not in services");
    refused("services = a b\n[a]\nafter = c\n", ":3: after: 'c' is not in services");
    refused("services = a b\n[a]\nafter = a\n", ":3: after: a cannot come after itself");
    refused("services = a b c\n[a]\nafter = b\n[b]\nafter = c\n[c]\nafter = a\n",
            "a dependency cycle through a");
    refused("attempts = 3\n", "restart.conf: no 'services =' line");
    refused("services =\n", ":1: services: empty");
    refused("services = a\n[a]\nservices = a\n", ":3: 'services' belongs before the first section");
    refused("services = a\nafter = a\n", ":2: 'after' belongs in a [service] section");
    refused("services = a a\n", ":1: services: 'a' is listed twice");
    refused("services = a;b\n", ":1: services: 'a;b' is not a service name");
    refused("services = ../etc\n", "is not a service name");
    refused("services = Api\n", "is not a service name");
    refused("services = a\n[a]\n[a]\n", ":3: [a] given twice");
    refused("services = a\n[a] x\n", ":2: a section is '[service-name]' alone");
    refused("services = a\n[../a]\n", ":2: [../a]: not a service name");
    refused("services = a\njust words\n", ":2: not 'key = value'");
    refused("services = a\n= 5\n", ":2: a value without a key");
    refused("services = a\nbackoff = 10m\nbackoff-max = 1m\n", ":3: a: backoff-max (60s) is less than backoff (600s)");
    /* the command is an argv: no shell, no quoting, an absolute path */
    refused("services = a\ncommand = systemctl restart {service}\n", ":2: command: 'systemctl' is not an absolute path");
    refused("services = a\ncommand = /bin/x {service}; rm -rf /\n", ":2: command: ';' in '{service};'");
    refused("services = a\ncommand = /bin/x $(id)\n", "'$' in '$(id)'");
    refused("services = a\ncommand = /bin/x `id`\n", "'`' in");
    refused("services = a\ncommand = /bin/x \"a b\"\n", "without a shell");
    refused("services = a\ncommand = /bin/x a && /bin/y\n", "'&' in '&&'");
    refused("services = a\ncommand = /bin/x > /tmp/y\n", "'>' in");
    refused("services = a\ncommand = /bin/x {name}\n", "the only placeholder is {service}");
    refused("services = a\ncommand =\n", ":2: command: empty");
    refused("services = a\ncommand = /bin/x 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 "
            "21 22 23 24 25 26 27 28 29 30 31 32\n", "command: more than 32 words");
    refused("services = a\n\x01x = 1\n", ":2: a control character (0x01)");
    refused("services = a\ncommand = /bin/x a\rb\n", ":2: a control character (0x0d)");
    refused("services = a\ncommand = /bin/x \x7f\n", ":2: a control character (0x7f)");
}

static void test_refusals_binary(void **state)
{
    static const char nul[] = "services = a\nattempts = 3\0\n";
    char long_line[1500];
    hf_restart_policy p;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_restart_policy_parse(nul, sizeof(nul) - 1, "r.conf", &p, err,
                                             sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "r.conf:2: a NUL byte"));
    memset(long_line, '#', sizeof(long_line) - 1);
    long_line[sizeof(long_line) - 1] = '\0';
    assert_int_equal(hf_restart_policy_parse(long_line, strlen(long_line), "r.conf", &p, err,
                                             sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "r.conf:1: longer than"));
}

typedef struct fx {
    char dir[512];
    char etc[600];
    char conf[700];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));

    tl_tmpdir(f->dir, sizeof(f->dir), "policy");
    snprintf(f->etc, sizeof(f->etc), "%s/etc", f->dir);
    assert_int_equal(mkdir(f->etc, 0755), 0);
    assert_int_equal(chmod(f->etc, 0755), 0);
    snprintf(f->conf, sizeof(f->conf), "%s/restart.conf", f->etc);
    tl_write(f->conf, "services = api-gateway\n", 0644);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    tl_rmtree(f->dir);
    free(f);
    return 0;
}

static void load_refused(const fx *f, const char *path, int want_rc, const char *want)
{
    hf_restart_policy p;
    char err[HF_ERR_MAX] = "";
    int rc = hf_restart_policy_load(path ? path : f->conf, &p, err, sizeof(err));

    if (rc != want_rc || !strstr(err, want))
        fail_msg("load = %d '%s', want %d '%s'", rc, err, want_rc, want);
    assert_int_equal(p.nservices, 0);
}

static void test_load_permissions(void **state)
{
    fx *f = *state;
    hf_restart_policy p;
    char err[HF_ERR_MAX], link[800], big[800];

    assert_int_equal(hf_restart_policy_load(f->conf, &p, err, sizeof(err)), 0);
    assert_string_equal(p.path, f->conf);
    assert_int_equal(p.nservices, 1);
    hf_restart_policy_free(&p);

    assert_int_equal(chmod(f->conf, 0666), 0);
    load_refused(f, NULL, -EPERM, "writable by other users (mode 0666): refused; chmod go-w it");
    load_refused(f, NULL, -EPERM, f->conf);
    assert_int_equal(chmod(f->conf, 0664), 0);
    load_refused(f, NULL, -EPERM, "writable by its group");
    assert_int_equal(chmod(f->conf, 0644), 0);
    if (geteuid() == 0) {       /* another owner, as sudo refuses a sudoers of another user */
        assert_int_equal(chown(f->conf, 65534, 65534), 0);
        load_refused(f, NULL, -EPERM, "owned by uid 65534, not by root or us");
        assert_int_equal(chown(f->conf, 0, 0), 0);
    }
    assert_int_equal(chmod(f->etc, 0777), 0);
    load_refused(f, NULL, -EPERM, "restart policy directory");
    assert_int_equal(chmod(f->etc, 0775), 0);
    load_refused(f, NULL, -EPERM, "writable by its group");
    assert_int_equal(chmod(f->etc, 0755), 0);

    snprintf(link, sizeof(link), "%s/link.conf", f->etc);
    assert_int_equal(symlink(f->conf, link), 0);
    load_refused(f, link, -ELOOP, "is a symbolic link: refused");
    snprintf(link, sizeof(link), "%s/missing.conf", f->etc);
    load_refused(f, link, -ENOENT, "no restart policy, nothing is restarted");
    load_refused(f, f->etc, -EINVAL, "not a regular file");

    snprintf(big, sizeof(big), "%s/big.conf", f->etc);
    {
        FILE *o = fopen(big, "w");
        for (int i = 0; i < 3000; i++)
            fputs("# a comment line of some thirty bytes\n", o);
        fclose(o);
    }
    load_refused(f, big, -EFBIG, "larger than");
    tl_write(f->conf, "services = api-gateway\nbogus = 1\n", 0644);
    load_refused(f, NULL, -EINVAL, "restart.conf:2: unknown key 'bogus'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_good),
        cmocka_unit_test(test_defaults_and_argv),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_refusals_binary),
        cmocka_unit_test_setup_teardown(test_load_permissions, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
