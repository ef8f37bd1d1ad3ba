/* Unit tests: the check layer's core (settings, reports, transitions, the
 * one-shot state policy), exercised through the service kind. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hf_check_days.h"
#include "hf_check_judge.h"
#include "test_metric_helpers.h"

static int set(hf_settings *s, const char *name, const char *value, char *err, size_t n)
{
    int i = hf_settings_find(s->kind, name);

    assert_true(i >= 0);
    return hf_settings_set(s, (size_t)i, value, err, n);
}

static void test_settings_defaults(void **state)
{
    hf_settings s;
    size_t n;
    char path[HF_PATH_MAX];

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_service), 0);
    const char *const *v = hf_settings_list(&s, (size_t)hf_settings_find(&hf_check_service, "service"), &n);
    assert_int_equal(n, 5);
    assert_string_equal(v[0], "api-gateway");
    assert_string_equal(v[4], "monitoring");
    assert_true(fabs((hf_settings_double(&s, HF_SET_TIMEOUT)) - (10)) <= (0));
    assert_true(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_service, "critical"))->set);
    assert_false(hf_settings_range(&s, (size_t)hf_settings_find(&hf_check_service, "warning"))->set);
    assert_int_equal(hf_settings_path(&s, HF_SET_STATE_DIR, path, sizeof(path)), 0);
    assert_string_equal(path, "/var/lib/helixflow-monitoring");
    assert_int_equal(set(&s, "root", "/srv/tb", NULL, 0), 0);
    assert_int_equal(hf_settings_path(&s, HF_SET_STATE_DIR, path, sizeof(path)), 0);
    assert_string_equal(path, "/srv/tb/var/lib/helixflow-monitoring");   /* defaults move with root */
    assert_int_equal(set(&s, "state-dir", "/elsewhere", NULL, 0), 0);
    assert_int_equal(hf_settings_path(&s, HF_SET_STATE_DIR, path, sizeof(path)), 0);
    assert_string_equal(path, "/elsewhere");                             /* given values do not */
    hf_settings_free(&s);
    hf_settings_free(NULL);
}

static void test_settings_values(void **state)
{
    hf_settings s;
    char err[HF_ERR_MAX];
    size_t n;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_service), 0);
    assert_int_equal(set(&s, "timeout", "0", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'0' is not a number from 1 to 3600");
    assert_int_equal(set(&s, "timeout", "5x", err, sizeof(err)), -EINVAL);
    assert_int_equal(set(&s, "timeout", "2.5", err, sizeof(err)), 0);
    assert_true(fabs((hf_settings_double(&s, HF_SET_TIMEOUT)) - (2.5)) <= (0));
    assert_int_equal(set(&s, "critical", "5:2", err, sizeof(err)), -EINVAL);
    assert_int_equal(set(&s, "exe", "nope", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'nope' is not NAME=/absolute/path");
    assert_int_equal(set(&s, "no-cgroup", "maybe", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'maybe' is not true or false");
    assert_int_equal(set(&s, "no-cgroup", NULL, err, sizeof(err)), 0);
    assert_true(hf_settings_flag(&s, (size_t)hf_settings_find(&hf_check_service, "no-cgroup")));
    assert_int_equal(set(&s, "service", "", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "empty value");
    /* the first explicit list value replaces the default list, later ones append */
    assert_int_equal(set(&s, "service", "a", err, sizeof(err)), 0);
    assert_int_equal(set(&s, "service", "b", err, sizeof(err)), 0);
    const char *const *v = hf_settings_list(&s, (size_t)hf_settings_find(&hf_check_service, "service"), &n);
    assert_int_equal(n, 2);
    assert_string_equal(v[1], "b");
    hf_settings_free(&s);
}

static void test_settings_names(void **state)
{
    (void)state;
    assert_int_equal(hf_settings_find_loose(&hf_check_service, "CgroupRoot"),
                     hf_settings_find(&hf_check_service, "cgroup-root"));
    assert_int_equal(hf_settings_find_loose(&hf_check_service, "state_dir"), HF_SET_STATE_DIR);
    assert_int_equal(hf_settings_find_loose(&hf_check_service, "StateDirectory"), -1);
    assert_int_equal(hf_settings_find(&hf_check_service, "Service"), -1);
    assert_null(hf_settings_def(&hf_check_service, 999));
}

static void test_validate(void **state)
{
    hf_settings s;
    char err[HF_ERR_MAX];
    int bad;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_service), 0);
    assert_int_equal(set(&s, "exe", "ghost=/x", err, sizeof(err)), 0);
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, hf_settings_find(&hf_check_service, "exe"));
    assert_string_equal(err, "'ghost' is not a checked service");
    hf_settings_free(&s);
    assert_int_equal(hf_settings_init(&s, &hf_check_service), 0);
    assert_int_equal(set(&s, "service", "x", err, sizeof(err)), 0);
    assert_int_equal(set(&s, "service", "x", err, sizeof(err)), 0);
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'x' given twice");
    hf_settings_free(&s);
}

static void test_identity(void **state)
{
    hf_settings a, b;

    (void)state;
    assert_int_equal(hf_settings_init(&a, &hf_check_service), 0);
    assert_int_equal(hf_settings_init(&b, &hf_check_service), 0);
    assert_true(hf_settings_identity(&a) == hf_settings_identity(&b));
    assert_int_equal(set(&b, "critical", "3:", NULL, 0), 0);          /* a threshold: same state */
    assert_true(hf_settings_identity(&a) == hf_settings_identity(&b));
    assert_int_equal(set(&b, "service", "api-gateway", NULL, 0), 0);  /* other services: other file */
    assert_true(hf_settings_identity(&a) != hf_settings_identity(&b));
    hf_settings_free(&a);
    hf_settings_free(&b);
}

/* A fixture probe result: n services, the first `down` of them down. */
static void fixture(hf_process_result *r, hf_process_service *sv, size_t n, size_t down)
{
    static const char *const names[] = {"api-gateway", "api-gateway-grpc", "auth-service"};

    memset(r, 0, sizeof(*r));
    memset(sv, 0, n * sizeof(*sv));
    for (size_t i = 0; i < n; i++) {
        snprintf(sv[i].name, sizeof(sv[i].name), "%s", names[i]);
        sv[i].count = i < down ? 0 : 2;
        sv[i].main_pid = i < down ? 0 : (pid_t)(100 + i);
        sv[i].uptime_s = i < down ? NAN : 61.7;
        sv[i].source = i < down ? HF_PROCESS_SRC_NONE : HF_PROCESS_SRC_SCAN;
        sv[i].rss_bytes = 4096;
        sv[i].threads = 3;
        sv[i].fds = 7;
    }
    r->services = sv;
    r->nservices = n;
}

static void test_judge_states(void **state)
{
    hf_settings s;
    hf_process_result r;
    hf_process_service sv[3];
    hf_report rep;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_service), 0);
    fixture(&r, sv, 3, 0);
    hf_report_init(&rep);
    hf_check_service_judge(&s, &r, &rep);
    assert_int_equal(rep.state, HF_OK);
    assert_string_equal(hf_buf_str(&rep.summary), "3 of 3 services running");
    assert_string_equal(rep.f[0].text, "api-gateway: 2 processes, main pid 100, up 61 s (scan)");
    assert_string_equal(rep.f[0].code, "service.up");
    assert_int_equal(nperf(&rep), 18);
    assert_true(value_of(&rep, "api-gateway", "up") == 1);
    assert_string_equal(rep.m[0].label, "api-gateway");
    assert_string_equal(rep.m[0].crit.text, "1:");
    assert_string_equal(rep.m[1].label, "api-gateway_rss");
    assert_string_equal(rep.m[1].unit, "B");
    assert_string_equal(rep.m[1].object, "api-gateway");
    assert_string_equal(rep.m[1].name, "rss");
    hf_report_free(&rep);

    fixture(&r, sv, 3, 1);                       /* CRITICAL: one down */
    hf_report_init(&rep);
    hf_check_service_judge(&s, &r, &rep);
    assert_int_equal(rep.state, HF_CRITICAL);
    assert_string_equal(rep.f[0].text, "api-gateway down (0 processes)");
    assert_string_equal(rep.f[0].code, "service.down");
    assert_string_equal(rep.f[0].object, "api-gateway");
    assert_true(isnan(rep.m[5].value));         /* uptime unknown while down */
    hf_report_free(&rep);

    assert_int_equal(set(&s, "warning", "3:", NULL, 0), 0);   /* WARNING: fewer than 3 */
    fixture(&r, sv, 3, 0);
    sv[1].restarted = true;
    sv[1].prev_main_pid = 90;
    hf_report_init(&rep);
    hf_check_service_judge(&s, &r, &rep);
    assert_int_equal(rep.state, HF_WARNING);
    assert_string_equal(rep.f[0].text, "api-gateway: 2 processes (warning range 3:)");
    assert_string_equal(rep.f[2].text, "api-gateway-grpc restarted: main pid 90 -> 101");
    assert_string_equal(rep.f[2].code, "service.restarted");
    hf_report_free(&rep);

    sv[2].argv0_only = true;                     /* weaker identity is said */
    hf_report_init(&rep);
    hf_check_service_judge(&s, &r, &rep);
    assert_non_null(strstr(hf_buf_str(&rep.summary), "auth-service matched by argv[0] only"));
    hf_report_free(&rep);
    hf_settings_free(&s);
}

static void test_transitions(void **state)
{
    hf_settings s;
    hf_process_result r;
    hf_process_service sv[3];
    hf_report a, b, c;
    hf_transition *t;
    size_t n;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_service), 0);
    hf_report_init(&a);
    hf_report_init(&b);
    hf_report_init(&c);
    fixture(&r, sv, 3, 0);
    hf_check_service_judge(&s, &r, &a);
    fixture(&r, sv, 3, 1);
    hf_check_service_judge(&s, &r, &b);
    fixture(&r, sv, 3, 0);
    hf_check_service_judge(&s, &r, &c);

    assert_int_equal(hf_report_transitions(&a, &a, &t, &n), 0);   /* no change: none */
    assert_int_equal(n, 0);
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&a, &b, &t, &n), 0);   /* OK -> CRITICAL */
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "api-gateway");
    assert_string_equal(t[0].code, "service.down");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, "api-gateway down (0 processes)");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&b, &c, &t, &n), 0);   /* CRITICAL -> OK */
    assert_int_equal(n, 1);
    assert_string_equal(t[0].code, "service.down");               /* what went away */
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    assert_string_equal(t[0].text, "api-gateway: 2 processes, main pid 100, up 61 s (scan)");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(NULL, &b, &t, &n), 0); /* nothing known before */
    assert_int_equal(n, 1);
    hf_transitions_free(t, n);
    hf_report_free(&a);
    hf_report_free(&b);
    hf_report_free(&c);
    hf_settings_free(&s);
}

static void test_number_and_days(void **state)
{
    hf_buf b = {0};
    hf_range w, c;

    (void)state;
    hf_report_number(&b, 0.0000873);
    hf_buf_append(&b, " ", 1);
    hf_report_number(&b, 1234.56789);
    hf_buf_append(&b, " ", 1);
    hf_report_number(&b, 3);
    hf_report_number(&b, NAN);
    assert_string_equal(hf_buf_str(&b), "0.0000873 1234.57 3");
    hf_buf_free(&b);
    assert_int_equal(hf_range_parse("30:", &w, NULL, 0), 0);
    assert_int_equal(hf_range_parse("7:", &c, NULL, 0), 0);
    assert_int_equal(hf_check_days_state(29.96, &w, &c), HF_WARNING);
    assert_true(fabs((hf_check_days_text(29.96)) - (29.9)) <= (1e-9));
    assert_int_equal(hf_check_days_state(6.96, &w, &c), HF_CRITICAL);
    assert_true(fabs((hf_check_days_text(6.96)) - (6.9)) <= (1e-9));
    assert_int_equal(hf_check_days_state(30.0, &w, &c), HF_OK);
    assert_int_equal(hf_check_days_state(-0.5, &w, &c), HF_CRITICAL);
    assert_true(fabs((hf_check_days_metric(29.999)) - (29.99)) <= (1e-9));
}

/* ---- the one-shot state policy --------------------------------------- */

typedef struct tdir {
    char dir[64], state[128];
} tdir;

/* A private state directory and settings pointing at it, for a root of
 * "/nonexistent" (the probe then finds nothing: only the policy matters). */
static void policy_setup(tdir *t, hf_settings *s)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/hf-test-check-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->state, sizeof(t->state), "%s/state", t->dir);
    assert_int_equal(mkdir(t->state, 0700), 0);
    assert_int_equal(hf_settings_init(s, &hf_check_service), 0);
    assert_int_equal(set(s, "state-dir", t->state, NULL, 0), 0);
    assert_int_equal(set(s, "proc", t->dir, NULL, 0), 0);          /* an empty "proc": fast */
    assert_int_equal(set(s, "no-cgroup", NULL, NULL, 0), 0);
}

static void policy_teardown(tdir *t, hf_settings *s)
{
    char cmd[160];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
    hf_settings_free(s);
}

static const hf_finding *find_code(const hf_report *r, const char *code)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].code, code) == 0)
            return &r->f[i];
    return NULL;
}

/* The finding with code: never NULL (the test fails instead). */
static const hf_finding *need_code(const hf_report *r, const char *code)
{
    static char empty[1];
    static const hf_finding none = {HF_OK, empty, empty, empty};
    const hf_finding *f = find_code(r, code);

    if (!f)
        fail_msg("no finding with code %s", code);
    return f ? f : &none;
}

static void run(hf_settings *s, hf_report *rep)
{
    hf_check_ctx ctx = hf_check_ctx_make(5, 0, 0);

    hf_report_init(rep);
    hf_check_run_once(s, &ctx, rep);
}

/* UNKNOWN: the probe could not read /proc (here: it does not exist). */
static void test_service_unknown(void **state)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    const hf_finding *f;

    (void)state;
    policy_setup(&t, &s);
    assert_int_equal(set(&s, "proc", "/nonexistent/proc", NULL, 0), 0);
    run(&s, &rep);
    assert_int_equal(rep.state, HF_UNKNOWN);
    f = need_code(&rep, "service.probe");
    assert_int_equal(f->state, HF_UNKNOWN);
    assert_non_null(strstr(f->text, "cannot probe processes: "));
    assert_non_null(strstr(f->text, "/nonexistent/proc"));
    assert_int_equal(rep.nm, 0);                                   /* no figure is made up */
    hf_report_free(&rep);
    policy_teardown(&t, &s);
}

static void test_state_roundtrip(void **state)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    char path[HF_PATH_MAX];
    struct stat st;

    (void)state;
    policy_setup(&t, &s);
    run(&s, &rep);
    assert_null(find_code(&rep, "state.reset"));                   /* first run: no complaint */
    assert_int_equal(rep.state, HF_CRITICAL);                      /* nothing runs in an empty proc */
    hf_report_free(&rep);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    assert_non_null(strstr(path, "/service-"));
    assert_int_equal(stat(path, &st), 0);                          /* saved */
    run(&s, &rep);
    assert_null(find_code(&rep, "state.reset"));
    hf_report_free(&rep);
    policy_teardown(&t, &s);
}

static void state_damaged(const char *content, bool as_dir, const char *want)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    char path[HF_PATH_MAX];
    const hf_finding *f;

    policy_setup(&t, &s);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    if (as_dir) {
        assert_int_equal(mkdir(path, 0700), 0);
    } else {
        FILE *fp = fopen(path, "w");
        assert_non_null(fp);
        fputs(content, fp);
        fclose(fp);
    }
    run(&s, &rep);
    f = need_code(&rep, "state.reset");
    assert_int_equal(f->state, HF_WARNING);
    assert_non_null(strstr(f->text, path));
    assert_non_null(strstr(f->text, want));
    assert_non_null(strstr(f->text, "; starting afresh"));
    assert_non_null(find_code(&rep, "service.down"));              /* it still evaluated */
    if (as_dir)                                                    /* moved aside, named */
        assert_non_null(strstr(f->text, "(the directory was moved aside to "));
    assert_null(find_code(&rep, "state.save"));                    /* saved afresh */
    hf_report_free(&rep);
    run(&s, &rep);                                                 /* and rebuilt */
    assert_null(find_code(&rep, "state.reset"));
    hf_report_free(&rep);
    policy_teardown(&t, &s);
}

static void test_state_truncated(void **state)
{
    (void)state;
    state_damaged("# helixflow-monitoring process memory v1\napi-gateway 12 34\nend 0123", false,
                  "truncated or not a state file");
}

static void test_state_garbage(void **state)
{
    (void)state;
    state_damaged("\x01\x02garbage\xff\n", false, "truncated or not a state file");
}

static void test_state_directory(void **state)
{
    (void)state;
    state_damaged(NULL, true, "Is a directory");
}

static void test_state_dir_refused(void **state)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    const hf_finding *f;

    (void)state;
    policy_setup(&t, &s);
    assert_int_equal(chmod(t.state, 0777), 0);                     /* others could plant links */
    run(&s, &rep);
    f = need_code(&rep, "state.directory");
    assert_int_equal(f->state, HF_UNKNOWN);
    assert_non_null(strstr(f->text, "writable by its other users (mode 0777): refused"));
    assert_non_null(strstr(f->text, t.state));
    assert_non_null(find_code(&rep, "service.down"));              /* still judged */
    hf_report_free(&rep);
    assert_int_equal(chmod(t.state, 0770), 0);
    run(&s, &rep);
    assert_non_null(strstr(need_code(&rep, "state.directory")->text, "writable by its group"));
    hf_report_free(&rep);
    policy_teardown(&t, &s);
}

static void test_state_lock_symlink(void **state)
{
    tdir t;
    hf_settings s;
    hf_report rep;
    char path[HF_PATH_MAX], lock[HF_PATH_MAX + 8], victim[128];
    const hf_finding *f;

    (void)state;
    policy_setup(&t, &s);
    assert_int_equal(hf_check_state_path(&s, path, sizeof(path)), 0);
    snprintf(lock, sizeof(lock), "%s.lock", path);
    snprintf(victim, sizeof(victim), "%s/victim", t.dir);
    assert_int_equal(symlink(victim, lock), 0);
    run(&s, &rep);
    f = need_code(&rep, "state.directory");
    assert_non_null(strstr(f->text, "is a symbolic link: refused"));
    assert_int_equal(access(victim, F_OK), -1);                    /* nothing created through it */
    hf_report_free(&rep);
    policy_teardown(&t, &s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_defaults),
        cmocka_unit_test(test_settings_values),
        cmocka_unit_test(test_settings_names),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_identity),
        cmocka_unit_test(test_judge_states),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_number_and_days),
        cmocka_unit_test(test_service_unknown),
        cmocka_unit_test(test_state_roundtrip),
        cmocka_unit_test(test_state_truncated),
        cmocka_unit_test(test_state_garbage),
        cmocka_unit_test(test_state_directory),
        cmocka_unit_test(test_state_dir_refused),
        cmocka_unit_test(test_state_lock_symlink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
