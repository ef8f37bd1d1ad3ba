/* Unit tests: hf_supervisor with real processes. The restart command is a
 * shell script in a temp dir, exec'd directly (never through a shell by
 * us): it appends "restart <argc> <service>" to a marker file and makes
 * the service healthy (<dir>/up-<service>) unless told to fail, to hang or
 * to "die right after the restart". The health callback reads that file.
 * Time is an injected clock whose sleep only advances it, so backoffs and
 * verification deadlines cost nothing and every gap is exact. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_supervisor.h"
#include "test_ledger_helpers.h"

#define T0 1700000000.0

typedef struct fx {
    char dir[512];
    char conf[600], marker[600], ledger_path[600];
    double t;                   /* the injected clock */
    hf_restart_policy policy;
    hf_ledger *ledger;
    hf_supervisor *sup;
} fx;

static const char policy_fmt[] =
    "services = api-gateway api-gateway-grpc auth-service inference-pool monitoring\n"
    "command = %s/bin/restart.sh {service}\n"
    "attempts = 3\n"
    "window = 15m\n"
    "backoff = 10s\n"
    "backoff-max = 5m\n"
    "reset-after = 10m\n"
    "timeout = 20s\n"
    "kill-after = 1s\n"
    "verify = 5s\n"
    "[monitoring]\n"
    "attempts = 2\n"
    "window = 60s\n"
    "reset-after = 30s\n";

static const char restart_sh[] =
    "#!/bin/sh\n"
    "d=${0%/bin/*}\n"
    "echo \"restart $# $1\" >> \"$d/marker\"\n"
    "if [ -e \"$d/fail\" ]; then echo \"boom: $1 unit not found\" >&2; echo more >&2; exit 3; fi\n"
    "if [ -e \"$d/hang\" ]; then exec sleep 30; fi\n"
    "if [ -e \"$d/race\" ]; then sleep 0.3; fi\n"
    "[ -e \"$d/die\" ] || : > \"$d/up-$1\"\n"
    "exit 0\n";

static double fake_now(void *ctx)
{
    return ((fx *)ctx)->t;
}

static void fake_sleep(double s, void *ctx)
{
    ((fx *)ctx)->t += s;
}

static bool healthy(const char *service, void *ctx)
{
    char p[700];

    snprintf(p, sizeof(p), "%s/up-%s", ((fx *)ctx)->dir, service);
    return access(p, F_OK) == 0;
}

static void path(const fx *f, char *out, size_t n, const char *rel)
{
    snprintf(out, n, "%s/%s", f->dir, rel);
}

static void flag(const fx *f, const char *name, bool on)
{
    char p[700];

    path(f, p, sizeof(p), name);
    if (on)
        tl_write(p, "", 0644);
    else
        unlink(p);
}

static hf_supervisor *make_sup(fx *f, hf_ledger *l, bool fake)
{
    hf_supervisor_cfg cfg = {.policy = &f->policy, .ledger = l, .healthy = healthy,
                             .healthy_ctx = f};
    char err[HF_ERR_MAX];
    hf_supervisor *s;

    if (fake) {
        cfg.now = fake_now;
        cfg.sleep = fake_sleep;
        cfg.clock_ctx = f;
    }
    s = hf_supervisor_new(&cfg, err, sizeof(err));
    assert_non_null(s);
    return s;
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char p[700], text[2048], err[HF_ERR_MAX];
    hf_ledger_cfg lc = {.path = f->ledger_path};

    tl_tmpdir(f->dir, sizeof(f->dir), "supervisor");
    path(f, p, sizeof(p), "bin");
    assert_int_equal(mkdir(p, 0755), 0);
    path(f, p, sizeof(p), "bin/restart.sh");
    tl_write(p, restart_sh, 0755);
    path(f, p, sizeof(p), "etc");
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(chmod(p, 0755), 0);
    path(f, f->conf, sizeof(f->conf), "etc/restart.conf");
    snprintf(text, sizeof(text), policy_fmt, f->dir);
    tl_write(f->conf, text, 0644);
    path(f, f->marker, sizeof(f->marker), "marker");
    path(f, f->ledger_path, sizeof(f->ledger_path), "ledger.db");
    if (hf_restart_policy_load(f->conf, &f->policy, err, sizeof(err)) != 0)
        fail_msg("policy: %s", err);
    assert_int_equal(hf_ledger_open(&lc, &f->ledger, err, sizeof(err)), HF_LEDGER_CREATED);
    f->t = T0;
    f->sup = make_sup(f, f->ledger, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    hf_supervisor_free(f->sup);
    hf_ledger_close(f->ledger);
    hf_restart_policy_free(&f->policy);
    tl_rmtree(f->dir);
    free(f);
    return 0;
}

static hf_restart_outcome ask(fx *f, const char *svc, bool wait, hf_restart_result *res)
{
    hf_restart_request req = {.service = svc, .frontend = "test", .requester = "tester",
                              .wait = wait};

    hf_supervisor_restart(f->sup, &req, res);
    return res->outcome;
}

static long long sql_int(const fx *f, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    long long v = -1;

    assert_int_equal(sqlite3_open_v2(f->ledger_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static char *marker(const fx *f)
{
    static char empty[] = "";
    char *text = NULL;

    if (hf_file_read(f->marker, 1 << 16, &text) < 0)
        return strdup(empty);
    return text;
}

static void test_restart_runs_the_command(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    char *m;

    assert_int_equal(ask(f, "api-gateway", false, &r), HF_RESTART_RESTARTED);
    assert_int_equal(r.level, HF_ESCALATION_RESTARTED);
    assert_true(r.verified);
    assert_int_equal(r.commands, 1);
    assert_int_equal(r.attempt, 1);
    assert_int_equal(r.attempts_left, 2);
    assert_int_equal(r.cmd.exit_status, 0);
    assert_non_null(strstr(r.text, "api-gateway restarted (attempt 1 of 3"));
    m = marker(f);
    assert_string_equal(m, "restart 1 api-gateway\n");  /* the name: one argv element */
    free(m);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM restarts WHERE service = 'api-gateway' AND "
                             "outcome = 'restarted' AND attempted = 1 AND exit_status = 0 AND "
                             "frontend = 'test' AND requester = 'tester'"), 1);
    /* healthy now: not restarted again */
    assert_int_equal(ask(f, "api-gateway", false, &r), HF_RESTART_ALREADY);
    assert_int_equal(r.level, HF_ESCALATION_NONE);
    assert_int_equal(r.commands, 0);
    assert_int_equal(tl_count_lines(f->marker), 1);
    assert_string_equal(hf_restart_outcome_name(HF_RESTART_GIVEN_UP), "given_up");
    assert_string_equal(hf_escalation_name(HF_ESCALATION_ALERT), "alert");
}

static void test_injection_refused(void **state)
{
    fx *f = *state;
    char pwned[700], bad[8][800];
    hf_restart_result r;
    hf_restart_request req = {.frontend = "snmp", .requester = "10.0.0.7"};
    const char *plain[] = {"../api-gateway", "..", "api-gateway\nrm", "API-GATEWAY", "",
                           "api gateway", "auth-service/../x", "a..b"};

    path(f, pwned, sizeof(pwned), "pwned");
    snprintf(bad[0], sizeof(bad[0]), "api-gateway;touch %s", pwned);
    snprintf(bad[1], sizeof(bad[1]), "$(touch %s)", pwned);
    snprintf(bad[2], sizeof(bad[2]), "`touch %s`", pwned);
    snprintf(bad[3], sizeof(bad[3]), "api-gateway\ntouch %s", pwned);
    snprintf(bad[4], sizeof(bad[4]), "api-gateway && touch %s", pwned);
    snprintf(bad[5], sizeof(bad[5]), "api-gateway|touch %s", pwned);
    snprintf(bad[6], sizeof(bad[6]), "../../bin/touch %s", pwned);
    snprintf(bad[7], sizeof(bad[7]), "api-gateway$(id)");
    for (size_t i = 0; i < 8; i++) {
        req.service = bad[i];
        assert_int_equal(hf_supervisor_restart(f->sup, &req, &r), -EINVAL);
        assert_int_equal(r.outcome, HF_RESTART_REFUSED);
        assert_int_equal(r.commands, 0);
        assert_non_null(strstr(r.text, "is not a service name"));
        assert_null(strchr(r.text, '\n'));              /* quoted for the log */
    }
    for (size_t i = 0; i < HF_ARRAY_SIZE(plain); i++) {
        req.service = plain[i];
        assert_int_equal(hf_supervisor_restart(f->sup, &req, &r), -EINVAL);
        assert_int_equal(r.outcome, HF_RESTART_REFUSED);
    }
    req.service = NULL;
    assert_int_equal(hf_supervisor_restart(f->sup, &req, &r), -EINVAL);
    /* valid, but not in the policy */
    req.service = "redis";
    assert_int_equal(hf_supervisor_restart(f->sup, &req, &r), -EPERM);
    assert_int_equal(r.outcome, HF_RESTART_REFUSED);
    assert_non_null(strstr(r.text, "is not in the services of"));
    assert_non_null(strstr(r.text, f->conf));
    /* nothing executed */
    assert_int_equal(access(f->marker, F_OK), -1);
    assert_int_equal(access(pwned, F_OK), -1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM restarts WHERE outcome = 'refused' AND "
                             "attempted = 0 AND requester = '10.0.0.7'"), 8 + 8 + 1 + 1);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM restarts WHERE attempted = 1"), 0);
}

static void test_world_writable_policy_refused(void **state)
{
    fx *f = *state;
    hf_restart_policy p;
    char err[HF_ERR_MAX];

    assert_int_equal(chmod(f->conf, 0666), 0);
    assert_int_equal(hf_restart_policy_load(f->conf, &p, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, f->conf));
    assert_non_null(strstr(err, "writable by other users"));
    assert_int_equal(p.nservices, 0);
}

static void test_budget_spent_with_growing_gaps(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    hf_supervisor_status st;
    char err[HF_ERR_MAX];
    sqlite3 *db;
    sqlite3_stmt *s;
    double at[8];
    int n = 0;

    flag(f, "die", true);                       /* dies right after every restart */
    assert_int_equal(ask(f, "api-gateway", true, &r), HF_RESTART_GIVEN_UP);
    assert_int_equal(r.level, HF_ESCALATION_GIVEN_UP);
    assert_int_equal(r.commands, 3);            /* exactly the budget */
    assert_int_equal(r.attempt, 3);
    assert_int_equal(r.attempts_left, 0);
    assert_non_null(strstr(r.text, "given up after 3 attempts"));
    assert_non_null(strstr(r.text, "not healthy within 5 s"));
    assert_int_equal(tl_count_lines(f->marker), 3);
    /* the attempts' times, from the ledger, on the injected clock: each
     * verification takes its 5 s, then a gap of 10 s, then 20 s */
    assert_int_equal(sqlite3_open_v2(f->ledger_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT at, ended_at, outcome FROM restarts WHERE "
                                        "attempted = 1 ORDER BY at", -1, &s, NULL), SQLITE_OK);
    while (sqlite3_step(s) == SQLITE_ROW && n < 4) {
        at[2 * n] = sqlite3_column_double(s, 0);
        at[2 * n + 1] = sqlite3_column_double(s, 1);
        assert_string_equal((const char *)sqlite3_column_text(s, 2), n < 2 ? "failed" : "given_up");
        n++;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    assert_int_equal(n, 3);
    assert_true(at[0] == T0 && at[1] == T0 + 5);
    assert_true(at[2] - at[1] == 10 && at[3] - at[2] == 5);
    assert_true(at[4] - at[3] == 20 && at[5] - at[4] == 5);
    /* given up: no further restart, whoever asks, however late */
    f->t += 3600;
    assert_int_equal(ask(f, "api-gateway", false, &r), HF_RESTART_GIVEN_UP);
    assert_int_equal(r.commands, 0);
    assert_int_equal(r.level, HF_ESCALATION_GIVEN_UP);
    assert_int_equal(tl_count_lines(f->marker), 3);
    assert_int_equal(hf_supervisor_status_get(f->sup, "api-gateway", &st, err, sizeof(err)), 0);
    assert_true(st.given_up);
    assert_int_equal(st.attempts_left, 0);
    /* an operator's reset re-arms it */
    assert_int_equal(hf_supervisor_reset(f->sup, "api-gateway", "operator", err, sizeof(err)), 0);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM restarts WHERE outcome = 'reset' AND "
                             "requester = 'operator'"), 1);
    flag(f, "die", false);
    assert_int_equal(ask(f, "api-gateway", false, &r), HF_RESTART_RESTARTED);
    assert_int_equal(r.attempt, 1);
    assert_int_equal(tl_count_lines(f->marker), 4);
    assert_int_equal(hf_supervisor_reset(f->sup, "redis", NULL, err, sizeof(err)), -EPERM);
}

static void test_backoff_without_wait(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    hf_supervisor_status st;
    char err[HF_ERR_MAX];

    flag(f, "fail", true);
    assert_int_equal(ask(f, "auth-service", false, &r), HF_RESTART_FAILED);
    assert_int_equal(r.level, HF_ESCALATION_ALERT);
    assert_int_equal(r.cmd.exit_status, 3);
    assert_non_null(strstr(r.text, "attempt 1 of 3 failed: exit status 3 (stderr: boom: "
                           "auth-service unit not found)"));
    assert_string_equal(r.cmd.stderr_head, "boom: auth-service unit not found\nmore\n");
    assert_true(r.next_at == T0 + 10);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM restarts WHERE outcome = 'failed' AND "
                             "exit_status = 3 AND stderr LIKE 'boom:%'"), 1);
    /* too soon: nothing runs, the caller is told when */
    f->t = T0 + 9;
    assert_int_equal(ask(f, "auth-service", false, &r), HF_RESTART_BACKOFF);
    assert_int_equal(r.commands, 0);
    assert_true(r.next_at == T0 + 10);
    assert_int_equal(r.level, HF_ESCALATION_NONE);
    assert_int_equal(hf_supervisor_status_get(f->sup, "auth-service", &st, err, sizeof(err)), 0);
    assert_int_equal(st.attempts, 1);
    assert_int_equal(st.attempts_left, 2);
    assert_true(st.next_at == T0 + 10);
    f->t = T0 + 10;
    assert_int_equal(ask(f, "auth-service", false, &r), HF_RESTART_FAILED);
    assert_int_equal(r.attempt, 2);
    assert_true(r.next_at == T0 + 30);          /* the gap doubled */
    f->t = T0 + 29.5;
    assert_int_equal(ask(f, "auth-service", false, &r), HF_RESTART_BACKOFF);
    f->t = T0 + 30;
    assert_int_equal(ask(f, "auth-service", false, &r), HF_RESTART_GIVEN_UP);
    assert_int_equal(r.commands, 1);            /* the last attempt ran, then given up */
    assert_int_equal(tl_count_lines(f->marker), 3);
}

static void test_timeout_is_a_failure(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    hf_restart_policy quick;
    hf_supervisor_cfg cfg = {.policy = &quick, .ledger = f->ledger, .healthy = healthy,
                             .healthy_ctx = f, .now = fake_now, .sleep = fake_sleep,
                             .clock_ctx = f};
    hf_restart_request req = {.service = "monitoring"};
    hf_supervisor *s;
    char text[1024], err[HF_ERR_MAX];

    snprintf(text, sizeof(text), "services = monitoring\ncommand = %s/bin/restart.sh {service}\n"
             "timeout = 0.3s\nkill-after = 1s\n", f->dir);
    assert_int_equal(hf_restart_policy_parse(text, strlen(text), "quick", &quick, err,
                                             sizeof(err)), 0);
    assert_non_null(s = hf_supervisor_new(&cfg, err, sizeof(err)));
    flag(f, "hang", true);
    hf_supervisor_restart(s, &req, &r);
    assert_int_equal(r.outcome, HF_RESTART_FAILED);
    assert_true(r.cmd.timed_out);
    assert_non_null(strstr(r.text, "SIGTERM after the 0.3 s timeout"));
    assert_int_equal(sql_int(f, "SELECT signal FROM restarts WHERE outcome = 'failed'"), SIGTERM);
    hf_supervisor_free(s);
    hf_restart_policy_free(&quick);
}

static void test_budget_reset_after_staying_healthy(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    char err[HF_ERR_MAX], up[700];

    /* monitoring: 2 attempts per 60 s window, reset after 30 s healthy */
    path(f, up, sizeof(up), "up-monitoring");
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_RESTARTED);
    f->t = T0 + 20;                                 /* healthy 20 s, then down */
    assert_int_equal(hf_supervisor_observe(f->sup, "monitoring", true, err, sizeof(err)), 0);
    unlink(up);
    f->t = T0 + 25;
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_RESTARTED);
    assert_int_equal(r.attempt, 2);                 /* not healthy long enough: no reset */
    /* now it stays healthy 40 s and the window is over */
    f->t = T0 + 65;
    assert_int_equal(hf_supervisor_observe(f->sup, "monitoring", true, err, sizeof(err)), 0);
    unlink(up);
    f->t = T0 + 70;
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_RESTARTED);
    assert_int_equal(r.attempt, 1);                 /* the budget was reset */
    /* flapping again within the window: two attempts spent, then given up */
    unlink(up);
    f->t = T0 + 80;
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_RESTARTED);
    assert_int_equal(r.attempt, 2);
    unlink(up);
    f->t = T0 + 200;                                /* window over, but never healthy 30 s */
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_GIVEN_UP);
    assert_int_equal(r.commands, 0);
    assert_int_equal(tl_count_lines(f->marker), 4);
    assert_int_equal(hf_supervisor_observe(f->sup, "nope", true, err, sizeof(err)), -EPERM);
}

static void test_reset_from_ledger_transitions(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    hf_ledger_transition t = {.object = "monitoring", .code = "service.down", .from = HF_OK,
                              .to = HF_CRITICAL, .frontend = "nagios"};
    char err[HF_ERR_MAX], up[700];

    /* no observations: the ledger's transition says how long it stayed up */
    path(f, up, sizeof(up), "up-monitoring");
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_RESTARTED);
    unlink(up);
    t.at = T0 + 100;
    assert_int_equal(hf_ledger_record_transitions(f->ledger, &t, 1, err, sizeof(err)), 0);
    f->t = T0 + 110;
    assert_int_equal(ask(f, "monitoring", false, &r), HF_RESTART_RESTARTED);
    assert_int_equal(r.attempt, 1);
}

static void test_outage_already_acted_upon(void **state)
{
    fx *f = *state;
    hf_restart_result r;
    hf_restart_request req = {.service = "inference-pool", .frontend = "collectd"};
    char up[700];

    f->t = T0 + 50;
    assert_int_equal(ask(f, "inference-pool", false, &r), HF_RESTART_RESTARTED);
    path(f, up, sizeof(up), "up-inference-pool");
    unlink(up);                                 /* down again */
    /* a caller who saw the outage before that restart: the same outage */
    f->t = T0 + 60;
    req.observed_at = T0 + 40;
    assert_int_equal(hf_supervisor_restart(f->sup, &req, &r), 0);
    assert_int_equal(r.outcome, HF_RESTART_ALREADY);
    assert_non_null(strstr(r.text, "already acted upon"));
    assert_int_equal(tl_count_lines(f->marker), 1);
    /* seen after it: a new outage (after the backoff) */
    req.observed_at = T0 + 58;
    assert_int_equal(hf_supervisor_restart(f->sup, &req, &r), 0);
    assert_int_equal(r.outcome, HF_RESTART_RESTARTED);
    assert_int_equal(r.attempt, 2);
    assert_int_equal(tl_count_lines(f->marker), 2);
}

/* Two processes, each its own ledger connection and supervisor (real
 * clock), released at once on one outage. */
static void race(fx *f, double lock_wait, int *restarted, int *other)
{
    int go[2];
    pid_t kids[2];

    flag(f, "race", true);
    assert_int_equal(pipe(go), 0);
    for (int k = 0; k < 2; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            hf_ledger_cfg lc = {.path = f->ledger_path};
            hf_restart_request req = {.service = "api-gateway", .frontend = k ? "nagios" : "snmp",
                                      .lock_wait_s = lock_wait};
            hf_restart_result r;
            hf_ledger *l;
            hf_supervisor *s;
            char err[HF_ERR_MAX], c;

            close(go[1]);
            if (hf_ledger_open(&lc, &l, err, sizeof(err)) < 0)
                _exit(100);
            s = make_sup(f, l, false);
            if (read(go[0], &c, 1) != 1)
                _exit(101);
            hf_supervisor_restart(s, &req, &r);
            hf_supervisor_free(s);
            hf_ledger_close(l);
            _exit(r.outcome);
        }
    }
    close(go[0]);
    assert_int_equal(write(go[1], "gg", 2), 2);
    close(go[1]);
    *restarted = *other = 0;
    for (int k = 0; k < 2; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) == HF_RESTART_RESTARTED)
            (*restarted)++;
        else if (WEXITSTATUS(st) == HF_RESTART_IN_PROGRESS || WEXITSTATUS(st) == HF_RESTART_ALREADY)
            (*other)++;
        else
            fail_msg("a racer ended with outcome %d", WEXITSTATUS(st));
    }
}

static void test_two_supervisors_one_outage(void **state)
{
    fx *f = *state;
    int restarted, other;
    char up[700];

    race(f, 0, &restarted, &other);             /* the second does not wait */
    assert_int_equal(restarted, 1);
    assert_int_equal(other, 1);
    assert_int_equal(tl_count_lines(f->marker), 1);
    path(f, up, sizeof(up), "up-api-gateway");
    unlink(up);                                 /* a second outage */
    hf_ledger_budget b = {0};
    char err[HF_ERR_MAX];
    assert_int_equal(hf_ledger_budget_put(f->ledger, "api-gateway", &b, err, sizeof(err)), 0);
    race(f, 30, &restarted, &other);            /* the second waits, then finds it healthy */
    assert_int_equal(restarted, 1);
    assert_int_equal(other, 1);
    assert_int_equal(tl_count_lines(f->marker), 2);
    assert_int_equal(sql_int(f, "SELECT count(*) FROM restarts WHERE attempted = 1"), 2);
}

static void test_order_dependencies_first(void **state)
{
    fx *f = *state;
    const char *down[] = {"api-gateway", "monitoring", "auth-service", "api-gateway-grpc",
                          "inference-pool"};
    const char *names[] = {"monitoring", "redis", "api-gateway", "auth-service"};
    hf_restart_result res[5];
    hf_restart_request tmpl = {.frontend = "ops"};
    char *m;

    assert_int_equal(hf_supervisor_restart_all(f->sup, down, 5, &tmpl, res), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(res[i].outcome, HF_RESTART_RESTARTED);
        assert_non_null(strstr(res[i].text, down[i]));  /* results in the caller's order */
    }
    m = marker(f);
    assert_string_equal(m, "restart 1 auth-service\nrestart 1 inference-pool\n"
                           "restart 1 api-gateway\nrestart 1 api-gateway-grpc\n"
                           "restart 1 monitoring\n");
    free(m);
    hf_supervisor_order(f->sup, names, 4);
    assert_string_equal(names[0], "auth-service");
    assert_string_equal(names[1], "api-gateway");
    assert_string_equal(names[2], "monitoring");
    assert_string_equal(names[3], "redis");             /* unknown: last */
}

static void test_new_needs_policy_and_ledger(void **state)
{
    fx *f = *state;
    hf_supervisor_cfg cfg = {.policy = &f->policy};
    char err[HF_ERR_MAX];

    assert_null(hf_supervisor_new(&cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "a restart policy and a ledger are required"));
    assert_null(hf_supervisor_new(NULL, err, sizeof(err)));
    hf_supervisor_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_restart_runs_the_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_injection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_world_writable_policy_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_spent_with_growing_gaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backoff_without_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_is_a_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_reset_after_staying_healthy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reset_from_ledger_transitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outage_already_acted_upon, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_supervisors_one_outage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_dependencies_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_needs_policy_and_ledger, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
