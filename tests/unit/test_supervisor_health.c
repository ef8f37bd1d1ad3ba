/* Unit tests: hf_health (the supervisor's health verdict) against a real
 * process under a temp root (a copy of /bin/sleep as
 * <root>/opt/helixflow/bin/api-gateway) and an HTTP server on loopback (a
 * thread answering with the status the test sets), and
 * hf_ledger_record_report (reports into the ledger). Last, the supervisor
 * with hf_health_fn restarting a real process through a real command:
 * verified, and the outage and recovery in the ledger with MTTR equal to
 * the gap between them. */
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_health.h"
#include "hf_ledger_report.h"
#include "hf_supervisor.h"
#include "test_ledger_helpers.h"

typedef struct server {
    int fd, port;
    atomic_int status;          /* what /health answers */
    atomic_int stop;
    atomic_int requests;
    pthread_t th;
} server;

typedef struct fx {
    char dir[512], exe[700], ledger_path[700];
    server srv;
    hf_settings svc, ep;
    pid_t pid;                  /* the running "api-gateway", 0: none */
} fx;

/* ---- helpers ------------------------------------------------------------------ */

static void *serve(void *arg)
{
    server *s = arg;

    while (!atomic_load(&s->stop)) {
        struct timeval tv = {0, 50000};
        fd_set fds;
        char req[4096], resp[256];
        size_t got = 0;
        int c, st;

        FD_ZERO(&fds);
        FD_SET(s->fd, &fds);
        if (select(s->fd + 1, &fds, NULL, NULL, &tv) <= 0 || (c = accept(s->fd, NULL, NULL)) < 0)
            continue;
        while (got < sizeof(req) - 1) {
            ssize_t r = read(c, req + got, sizeof(req) - 1 - got);
            if (r <= 0)
                break;
            got += (size_t)r;
            req[got] = '\0';
            if (strstr(req, "\r\n\r\n"))
                break;
        }
        st = atomic_load(&s->status);
        snprintf(resp, sizeof(resp), "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                 "Content-Length: 2\r\nConnection: close\r\n\r\n{}", st,
                 st == 200 ? "OK" : "Service Unavailable");
        if (write(c, resp, strlen(resp)) < 0)
            st = 0;
        atomic_fetch_add(&s->requests, 1);
        close(c);
    }
    return NULL;
}

static void server_start(server *s)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 16), 0);
    assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &len), 0);
    s->port = ntohs(a.sin_port);
    atomic_store(&s->status, 200);
    assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(server *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->th, NULL);
    close(s->fd);
}

static void set(hf_settings *s, const char *name, const char *value)
{
    char err[HF_ERR_MAX];
    int i = hf_settings_find(s->kind, name);

    assert_true(i >= 0);
    if (hf_settings_set(s, (size_t)i, value, err, sizeof(err)) < 0)
        fail_msg("%s=%s: %s", name, value ? value : "(flag)", err);
}

static void copy_file(const char *from, const char *to)
{
    char *bin = NULL;
    long n = hf_file_read(from, 16 << 20, &bin);
    FILE *f;

    assert_true(n > 0);
    f = fopen(to, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(bin, 1, (size_t)n, f), (size_t)n);
    assert_int_equal(fclose(f), 0);
    free(bin);
    assert_int_equal(chmod(to, 0755), 0);
}

/* pid runs path (its exec is done). */
static bool wait_exec(pid_t pid, const char *path)
{
    char link[64], buf[HF_PATH_MAX];

    for (int i = 0; i < 1000; i++) {
        ssize_t n;
        snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
        n = readlink(link, buf, sizeof(buf) - 1);
        if (n > 0 && (buf[n] = '\0', strcmp(buf, path) == 0))
            return true;
        usleep(5000);
    }
    return false;
}

static pid_t spawn(const char *path)
{
    pid_t pid = fork();

    if (pid == 0) {
        execl(path, path, "600", (char *)NULL);
        _exit(127);
    }
    assert_true(pid > 0);
    assert_true(wait_exec(pid, path));
    return pid;
}

static void reap(pid_t pid)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));
    char p[700], url[128];

    tl_tmpdir(f->dir, sizeof(f->dir), "health");
    assert_int_equal(chmod(f->dir, 0755), 0);
    snprintf(p, sizeof(p), "%s/opt", f->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/opt/helixflow", f->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/opt/helixflow/bin", f->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/decoy", f->dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(f->exe, sizeof(f->exe), "%s/opt/helixflow/bin/api-gateway", f->dir);
    copy_file("/bin/sleep", f->exe);
    snprintf(p, sizeof(p), "%s/decoy/api-gateway", f->dir);
    copy_file("/bin/sleep", p);
    snprintf(f->ledger_path, sizeof(f->ledger_path), "%s/ledger.db", f->dir);
    server_start(&f->srv);
    assert_int_equal(hf_settings_init(&f->svc, &hf_check_service), 0);
    set(&f->svc, "root", f->dir);
    set(&f->svc, "service", "api-gateway");
    set(&f->svc, "service", "monitoring");
    set(&f->svc, "no-cgroup", NULL);
    assert_int_equal(hf_settings_init(&f->ep, &hf_check_http), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", f->srv.port);
    set(&f->ep, "url", url);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    reap(f->pid);
    server_stop(&f->srv);
    hf_settings_free(&f->svc);
    hf_settings_free(&f->ep);
    tl_rmtree(f->dir);
    free(f);
    return 0;
}

static hf_health *make(fx *f, bool endpoint, hf_ledger *l)
{
    hf_health_cfg c = {.service = &f->svc, .endpoint = endpoint ? &f->ep : NULL,
                       .timeout_s = 5, .ledger = l, .frontend = "test", .monitor = "test:health"};
    char err[HF_ERR_MAX];
    hf_health *h = hf_health_new(&c, err, sizeof(err));

    if (!h)
        fail_msg("hf_health_new: %s", err);
    return h;
}

static hf_ledger *open_ledger(fx *f)
{
    hf_ledger_cfg lc = {.path = f->ledger_path};
    hf_ledger *l = NULL;
    char err[HF_ERR_MAX];

    if (hf_ledger_open(&lc, &l, err, sizeof(err)) < 0)
        fail_msg("ledger: %s", err);
    return l;
}

/* One integer from the ledger file (the test's own read). */
static long q(fx *f, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    long v = -1;

    assert_int_equal(sqlite3_open_v2(f->ledger_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* ---- verdicts ----------------------------------------------------------------- */

static void test_verdicts(void **state)
{
    fx *f = *state;
    hf_health *h = make(f, true, NULL);
    hf_health_verdict v;

    /* down: no process; the endpoint is not asked */
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_false(v.healthy);
    assert_int_equal(v.processes, HF_CRITICAL);
    assert_int_equal(v.endpoint, HF_UNKNOWN);
    assert_string_equal(v.why, "api-gateway down (0 processes)");
    assert_int_equal(atomic_load(&f->srv.requests), 0);
    /* up and the endpoint 200 */
    f->pid = spawn(f->exe);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_true(v.healthy);
    assert_int_equal(v.processes, HF_OK);
    assert_int_equal(v.endpoint, HF_OK);
    assert_non_null(strstr(v.why, "api-gateway: 1 process, main pid"));
    assert_non_null(strstr(v.why, "; endpoint: "));
    assert_int_equal(atomic_load(&f->srv.requests), 1);
    assert_true(hf_health_fn("api-gateway", h));
    assert_true(hf_health_last(h)->healthy);
    assert_true(hf_report_object_state(hf_health_service_report(h), "monitoring") == HF_CRITICAL);
    /* the endpoint fails: not healthy though the processes are there */
    atomic_store(&f->srv.status, 503);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_false(v.healthy);
    assert_int_equal(v.processes, HF_OK);
    assert_int_equal(v.endpoint, HF_CRITICAL);
    assert_non_null(strstr(v.why, "endpoint: "));
    assert_non_null(strstr(v.why, "503"));
    assert_false(hf_health_fn("api-gateway", h));
    /* another service of the list is down whatever the endpoint says */
    atomic_store(&f->srv.status, 200);
    assert_int_equal(hf_health_check(h, "monitoring", &v), 0);
    assert_false(v.healthy);
    assert_string_equal(v.why, "monitoring down (0 processes)");
    /* not in the service settings: never healthy, nothing probed */
    assert_int_equal(hf_health_check(h, "nginx", &v), 0);
    assert_false(v.healthy);
    assert_non_null(strstr(v.why, "nginx: not a checked service"));
    assert_false(hf_health_fn(NULL, h));
    hf_health_free(h);
    /* processes only */
    h = make(f, false, NULL);
    atomic_store(&f->srv.status, 503);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_true(v.healthy);
    assert_int_equal(v.endpoint, HF_OK);
    hf_health_free(h);
}

/* Identity is the probe's: a process with the same name elsewhere is not
 * the service, and an exe setting moves it. */
static void test_exact_identity(void **state)
{
    fx *f = *state;
    char decoy[700];
    hf_health *h;
    hf_health_verdict v;

    snprintf(decoy, sizeof(decoy), "%s/decoy/api-gateway", f->dir);
    f->pid = spawn(decoy);
    h = make(f, false, NULL);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_false(v.healthy);
    hf_health_free(h);
    {
        char pair[800];
        snprintf(pair, sizeof(pair), "api-gateway=%s", decoy);
        set(&f->svc, "exe", pair);
    }
    h = make(f, false, NULL);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_true(v.healthy);
    hf_health_free(h);
}

static void test_bad_settings(void **state)
{
    fx *f = *state;
    hf_health_cfg c = {.service = &f->ep};
    char err[HF_ERR_MAX];

    assert_null(hf_health_new(NULL, err, sizeof(err)));
    assert_string_equal(err, "health: the service check's settings are required");
    assert_null(hf_health_new(&c, err, sizeof(err)));
    assert_string_equal(err, "service settings: of the http check, not the service check");
    c = (hf_health_cfg){.service = &f->svc, .endpoint = &f->svc};
    assert_null(hf_health_new(&c, err, sizeof(err)));
    assert_string_equal(err, "endpoint settings: of the service check, not the http check");
    set(&f->svc, "pidfile", "nginx=/run/nginx.pid");
    c.endpoint = NULL;
    assert_null(hf_health_new(&c, err, sizeof(err)));
    assert_string_equal(err, "service settings: pidfile: 'nginx' is not a checked service");
}

/* ---- reports into the ledger --------------------------------------------------- */

static void report_of(hf_report *r, hf_state st)
{
    hf_report_init(r);
    if (st == HF_CRITICAL)
        hf_report_add(r, HF_CRITICAL, "api-gateway", "service.down", "api-gateway down (0 processes)");
    else if (st == HF_UNKNOWN) {
        hf_report_add(r, HF_UNKNOWN, "", "service.probe", "cannot probe processes: EACCES");
        return;                         /* a failed probe names no service */
    } else
        hf_report_add(r, HF_OK, "api-gateway", "service.up", "api-gateway: 1 process");
    hf_report_add(r, HF_OK, "monitoring", "service.up", "monitoring: 1 process");
}

static void test_record_report(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ledger(f);
    hf_ledger_report_cfg c = {.frontend = "collectd", .monitor = "collectd:services",
                              .interval_s = 10};
    hf_report up, down, unk;
    hf_ledger_stats st;
    hf_ledger_last last;
    const char *objs[] = {"api-gateway"};
    hf_ledger_query qy = {.objects = objs, .nobjects = 1};
    char err[HF_ERR_MAX];
    size_t nrec = 99;
    double t0 = hf_real_now() - 100;

    report_of(&up, HF_OK);
    report_of(&down, HF_CRITICAL);
    report_of(&unk, HF_UNKNOWN);
    assert_int_equal(hf_ledger_last_transition(l, "api-gateway", &last, err, sizeof(err)), 0);
    assert_false(last.found);
    /* first run: nothing known, all OK: nothing changes, a heartbeat */
    c.at = t0;
    assert_int_equal(hf_ledger_record_report(l, &c, NULL, &up, &nrec, err, sizeof(err)), 0);
    assert_int_equal(nrec, 0);
    assert_int_equal(q(f, "SELECT count(*) FROM runs"), 1);
    /* down, prev from the ledger (OK: never heard of) */
    c.at = t0 + 10;
    assert_int_equal(hf_ledger_record_report(l, &c, NULL, &down, &nrec, err, sizeof(err)), 0);
    assert_int_equal(nrec, 1);
    assert_int_equal(hf_ledger_last_transition(l, "api-gateway", &last, err, sizeof(err)), 0);
    assert_true(last.found && last.to == HF_CRITICAL && last.at == t0 + 10);
    assert_string_equal(last.code, "service.down");
    assert_string_equal(last.frontend, "collectd");
    /* a one-shot front-end seeing it down too: the ledger knows, nothing new */
    c.frontend = "helixflow-ops";
    c.monitor = NULL;
    c.at = t0 + 12;
    assert_int_equal(hf_ledger_record_report(l, &c, NULL, &down, &nrec, err, sizeof(err)), 0);
    assert_int_equal(nrec, 0);
    assert_int_equal(q(f, "SELECT count(*) FROM runs WHERE monitor = 'helixflow-ops'"), 1);
    /* an UNKNOWN-only run judges nothing: no heartbeat, no transition */
    c.at = t0 + 15;
    c.monitor = "blind";
    assert_int_equal(hf_ledger_record_report(l, &c, &down, &unk, &nrec, err, sizeof(err)), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM runs WHERE monitor = 'blind'"), 0);
    assert_int_equal(nrec, 1);          /* its own UNKNOWN; api-gateway not "recovered" */
    assert_int_equal(q(f, "SELECT to_state FROM transitions WHERE object = ''"), HF_UNKNOWN);
    assert_int_equal(q(f, "SELECT count(*) FROM transitions WHERE object = 'api-gateway'"), 1);
    /* recovery from collectd's own previous report: the code that went away */
    c = (hf_ledger_report_cfg){.frontend = "collectd", .monitor = "collectd:services",
                               .interval_s = 10, .at = t0 + 20};
    assert_int_equal(hf_ledger_record_report(l, &c, &down, &up, &nrec, err, sizeof(err)), 0);
    assert_int_equal(nrec, 1);
    assert_int_equal(hf_ledger_last_transition(l, "api-gateway", &last, err, sizeof(err)), 0);
    assert_true(last.to == HF_OK && last.at == t0 + 20);
    assert_string_equal(last.code, "service.down");
    /* interval 0: transitions only */
    c.interval_s = 0;
    c.at = t0 + 25;
    assert_int_equal(hf_ledger_record_report(l, &c, &up, &up, &nrec, err, sizeof(err)), 0);
    assert_int_equal(nrec, 0);
    assert_int_equal(q(f, "SELECT count(*) FROM transitions"), 3);
    assert_int_equal(q(f, "SELECT count(*) FROM transitions WHERE object = 'monitoring'"), 0);
    /* the figures: covered t0 .. t0+30 by the beats, down t0+10 .. t0+20 */
    qy.from = t0;
    qy.to = t0 + 30;
    assert_int_equal(hf_ledger_stats_get(l, &qy, &st, err, sizeof(err)), 0);
    assert_int_equal(st.nincidents, 1);
    assert_true(fabs(st.mttr_s - 10) < 1e-6);
    assert_true(fabs(st.downtime_s - 10) < 1e-6);
    assert_true(fabs(st.gap_s) < 1e-6);
    hf_ledger_stats_free(&st);
    /* NULL report: nothing */
    assert_int_equal(hf_ledger_record_report(l, &c, NULL, NULL, &nrec, err, sizeof(err)), 0);
    hf_report_free(&up);
    hf_report_free(&down);
    hf_report_free(&unk);
    hf_ledger_close(l);
}

/* Each verdict recorded: the outage seen, the recovery verified. */
static void test_verdicts_recorded(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ledger(f);
    hf_health *h = make(f, true, l);
    hf_health_verdict v;

    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_string_equal(v.note, "");
    /* both services down; the endpoint not asked: no word on it */
    assert_int_equal(q(f, "SELECT count(*) FROM transitions WHERE to_state = 2 AND frontend = "
                          "'test'"), 2);
    assert_int_equal(q(f, "SELECT count(*) FROM transitions WHERE object = 'health'"), 0);
    assert_int_equal(q(f, "SELECT count(*) FROM runs WHERE monitor = 'test:health'"), 1);
    f->pid = spawn(f->exe);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_true(v.healthy);
    assert_int_equal(q(f, "SELECT to_state FROM transitions WHERE object = 'api-gateway' "
                          "ORDER BY id DESC LIMIT 1"), HF_OK);
    assert_int_equal(q(f, "SELECT count(*) FROM transitions WHERE object = 'monitoring'"), 1);
    atomic_store(&f->srv.status, 503);
    assert_int_equal(hf_health_check(h, "api-gateway", &v), 0);
    assert_int_equal(q(f, "SELECT to_state FROM transitions WHERE object = 'health'"), HF_CRITICAL);
    assert_int_equal(q(f, "SELECT count(*) FROM runs WHERE monitor = 'test:health'"), 1);
    hf_health_free(h);
    hf_ledger_close(l);
}

/* ---- the supervisor with hf_health_fn ------------------------------------------- */

static void test_supervisor_restarts_verified(void **state)
{
    fx *f = *state;
    char conf[800], script[800], text[2048], pidf[800], err[HF_ERR_MAX];
    hf_restart_policy pol;
    hf_ledger *l;
    hf_health *h;
    hf_supervisor *s;
    hf_supervisor_cfg sc = {0};
    hf_restart_request rq = {.service = "api-gateway", .frontend = "test"};
    hf_restart_result res;
    hf_ledger_stats st;
    const char *objs[] = {"api-gateway"};
    hf_ledger_query qy = {.objects = objs, .nobjects = 1};
    double t_start = hf_real_now();
    long pid;
    FILE *pf;

    snprintf(script, sizeof(script), "%s/start.sh", f->dir);
    snprintf(pidf, sizeof(pidf), "%s/started.pid", f->dir);
    snprintf(text, sizeof(text), "#!/bin/sh\n\"%s/opt/helixflow/bin/$1\" 600 </dev/null "
             ">/dev/null 2>&1 &\necho $! > \"%s\"\nexit 0\n", f->dir, pidf);
    tl_write(script, text, 0755);
    snprintf(conf, sizeof(conf), "%s/restart.conf", f->dir);
    snprintf(text, sizeof(text), "services = api-gateway monitoring\ncommand = %s {service}\n"
             "attempts = 2\nverify = 10s\ntimeout = 10s\n", script);
    tl_write(conf, text, 0644);
    if (hf_restart_policy_load(conf, &pol, err, sizeof(err)) < 0)
        fail_msg("policy: %s", err);
    l = open_ledger(f);
    h = make(f, true, l);
    sc = (hf_supervisor_cfg){.policy = &pol, .ledger = l, .healthy = hf_health_fn,
                             .healthy_ctx = h, .verify_first_s = 0.05, .verify_max_s = 0.2};
    s = hf_supervisor_new(&sc, err, sizeof(err));
    assert_non_null(s);
    assert_int_equal(hf_supervisor_restart(s, &rq, &res), 0);
    if (res.outcome != HF_RESTART_RESTARTED)
        fail_msg("%s: %s", hf_restart_outcome_name(res.outcome), res.text);
    assert_true(res.verified);
    assert_int_equal(res.commands, 1);
    assert_true(hf_health_last(h)->healthy);
    pf = fopen(pidf, "r");
    assert_non_null(pf);
    assert_int_equal(fscanf(pf, "%ld", &pid), 1);
    fclose(pf);
    f->pid = 0;
    /* the outage (seen before the command) and the recovery (verified) */
    assert_int_equal(q(f, "SELECT count(*) FROM transitions WHERE object = 'api-gateway'"), 2);
    qy.from = t_start - 1;
    qy.to = hf_real_now() + 1;
    assert_int_equal(hf_ledger_stats_get(l, &qy, &st, err, sizeof(err)), 0);
    assert_int_equal(st.nincidents, 1);
    assert_int_equal(st.recovered, 1);
    assert_int_equal(st.restarts, 1);
    assert_int_equal(st.restarts_ok, 1);
    {
        sqlite3 *db;
        sqlite3_stmt *stm;
        double down_at, up_at;
        assert_int_equal(sqlite3_open_v2(f->ledger_path, &db, SQLITE_OPEN_READONLY, NULL), 0);
        assert_int_equal(sqlite3_prepare_v2(db, "SELECT min(at), max(at) FROM transitions WHERE "
                                            "object = 'api-gateway'", -1, &stm, NULL), 0);
        assert_int_equal(sqlite3_step(stm), SQLITE_ROW);
        down_at = sqlite3_column_double(stm, 0);
        up_at = sqlite3_column_double(stm, 1);
        sqlite3_finalize(stm);
        sqlite3_close(db);
        assert_true(up_at > down_at);
        assert_true(fabs(st.mttr_s - (up_at - down_at)) < 1e-6);
    }
    hf_ledger_stats_free(&st);
    kill((pid_t)pid, SIGKILL);
    hf_supervisor_free(s);
    hf_health_free(h);
    hf_ledger_close(l);
    hf_restart_policy_free(&pol);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verdicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_identity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_settings, setup, teardown),
        cmocka_unit_test_setup_teardown(test_record_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_verdicts_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervisor_restarts_verified, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
