/* Unit tests: hf_http, against real HTTP and HTTPS servers on loopback
 * (tests/unit/fixtures/http/server.py, port 0) with certificates made by the
 * openssl CLI at start (fixtures/http/mkcerts.sh into a temp dir); the
 * connection-reuse tests are in test_http_reuse.h (included). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_http.h"

typedef struct srv {
    pid_t pid;
    int fd;                     /* its stdout until the port is read */
    int port;
} srv;

typedef struct world {
    char tmp[64];
    char fixtures[HF_PATH_MAX];
    char ca[HF_PATH_MAX], capath[HF_PATH_MAX];
    srv plain, tls, expired, wrongname, reuse;
} world;

/* ---- helpers: processes, servers ----------------------------------------- */

static int run_argv(const char *const argv[])
{
    int st;
    pid_t pid = fork();

    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0)
            dup2(fd, STDOUT_FILENO);
        execvp(argv[0], (char *const *)(uintptr_t)argv);   /* execvp does not write */
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Start server.py (TLS when cert is given); srv_port reads the port it prints. */
static int srv_spawn(srv *s, const world *w, const char *cert, const char *key)
{
    char script[HF_PATH_MAX + 32], files[HF_PATH_MAX + 32];
    int pfd[2];

    snprintf(script, sizeof(script), "%s/server.py", w->fixtures);
    snprintf(files, sizeof(files), "%s/models", w->fixtures);
    if (pipe(pfd) < 0)
        return -1;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(pfd[1], STDOUT_FILENO);
        close(pfd[0]);
        close(pfd[1]);
        if (cert)
            execlp("python3", "python3", script, "--files", files, "--tls", cert, key, (char *)NULL);
        else
            execlp("python3", "python3", script, "--files", files, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    s->fd = pfd[0];
    return s->pid > 0 ? 0 : -1;
}

/* The port line (60 s bound: a loaded machine imports python slowly). */
static int srv_port(srv *s)
{
    char line[32];
    size_t n = 0;
    struct pollfd pf = {.fd = s->fd, .events = POLLIN};

    while (n < sizeof(line) - 1 && poll(&pf, 1, 60000) > 0) {
        ssize_t k = read(s->fd, line + n, 1);
        if (k <= 0 || line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    close(s->fd);
    s->port = atoi(line);
    return s->port > 0 ? 0 : -1;
}

static void srv_stop(srv *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

static int setup(void **state)
{
    static world w;
    const char *fx = getenv("HF_FIXTURES");
    char crt[HF_PATH_MAX + 16], key[HF_PATH_MAX + 16], cmd[HF_PATH_MAX + 16];

    memset(&w, 0, sizeof(w));
    snprintf(w.fixtures, sizeof(w.fixtures), "%s/http", fx ? fx : "tests/unit/fixtures");
    strcpy(w.tmp, "/tmp/hf-test-http-XXXXXX");
    if (!mkdtemp(w.tmp))
        return -1;
    snprintf(cmd, sizeof(cmd), "%s/mkcerts.sh", w.fixtures);
    if (run_argv((const char *const[]){"bash", cmd, w.tmp, NULL}) != 0)
        return -1;
    snprintf(w.ca, sizeof(w.ca), "%s/ca.crt", w.tmp);
    snprintf(w.capath, sizeof(w.capath), "%s/capath", w.tmp);
    snprintf(cmd, sizeof(cmd), "%s/hash.crt", w.capath);
    if (mkdir(w.capath, 0700) < 0 || run_argv((const char *const[]){"cp", w.ca, cmd, NULL}) != 0 ||
        run_argv((const char *const[]){"openssl", "rehash", w.capath, NULL}) != 0)
        return -1;
    /* all five start at once; then their ports */
    static const char *const names[] = {"valid", "expired", "wrongname", "valid"};
    srv *tls[] = {&w.tls, &w.expired, &w.wrongname, &w.reuse};
    if (srv_spawn(&w.plain, &w, NULL, NULL) < 0)
        return -1;
    for (size_t i = 0; i < HF_ARRAY_SIZE(names); i++) {
        snprintf(crt, sizeof(crt), "%s/%s.crt", w.tmp, names[i]);
        snprintf(key, sizeof(key), "%s/%s.key", w.tmp, names[i]);
        if (srv_spawn(tls[i], &w, crt, key) < 0)
            return -1;
    }
    if (srv_port(&w.plain) < 0)
        return -1;
    for (size_t i = 0; i < HF_ARRAY_SIZE(tls); i++)
        if (srv_port(tls[i]) < 0)
            return -1;
    if (hf_http_global_init() < 0)
        return -1;
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;

    hf_http_global_cleanup();
    if (!w)
        return 0;
    srv_stop(&w->plain);
    srv_stop(&w->tls);
    srv_stop(&w->expired);
    srv_stop(&w->wrongname);
    srv_stop(&w->reuse);
    run_argv((const char *const[]){"rm", "-rf", w->tmp, NULL});
    return 0;
}

static char *url_of(char *buf, size_t n, const char *scheme, const srv *s, const char *path)
{
    snprintf(buf, n, "%s://127.0.0.1:%d%s", scheme, s->port, path);
    return buf;
}

/* ---- plain HTTP ------------------------------------------------------------ */

static void test_ok_substring_regex(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "http", &w->plain, "/ok"),
                          .timeout_ms = 30000, .expect_substring = "helixflow",
                          .expect_regex = "^hello (helix)?flow ok\n$", .keep_body = true};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.done);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.reason, "OK");
    assert_true(res.status_ok);
    assert_true(res.substring_ok);
    assert_true(res.regex_ok);
    assert_true(res.model_ok);
    assert_int_equal(res.size, 19);
    assert_false(res.truncated);
    assert_string_equal(res.body, "hello helixflow ok\n");
    assert_false(res.tls);
    assert_true(isnan(res.cert_days_left));
    assert_string_equal(res.error, "");
    assert_true(res.t_dns >= 0 && res.t_connect >= res.t_dns);
    assert_true(res.t_ttfb >= res.t_connect && res.t_total >= res.t_ttfb && res.t_total > 0);
    hf_http_result_free(&res);
    hf_http_result_free(NULL);
}

static void test_substring_regex_missing(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "http", &w->plain, "/ok"),
                          .expect_substring = "goodbye", .expect_regex = "^ok"};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.status_ok);
    assert_false(res.substring_ok);
    assert_false(res.regex_ok);
    assert_null(res.body);                      /* keep_body false */
    hf_http_result_free(&res);
}

static void test_status(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "http", &w->plain, "/status/503")};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.done);
    assert_int_equal(res.status, 503);
    assert_string_equal(res.reason, "Service Unavailable");
    assert_false(res.status_ok);
    hf_http_result_free(&res);

    cfg.expect_status = 503;
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.status_ok);
    hf_http_result_free(&res);

    cfg.url = url_of(url, sizeof(url), "http", &w->plain, "/ok");
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_false(res.status_ok);                /* 200 but 503 expected */
    hf_http_result_free(&res);

    cfg.expect_status = 0;
    cfg.url = url_of(url, sizeof(url), "http", &w->plain, "/status/204");
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.status_ok);                 /* any 2xx */
    hf_http_result_free(&res);
}

static void test_redirect(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "http", &w->plain, "/redirect")};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_int_equal(res.status, 302);          /* not followed by default */
    assert_false(res.status_ok);
    hf_http_result_free(&res);

    cfg.max_redirects = 2;
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.reason, "OK");
    assert_true(res.status_ok);
    hf_http_result_free(&res);
}

static void test_slow_times_out(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "http", &w->plain, "/slow?ms=8000"),
                          .timeout_ms = 300};
    hf_http_result res;
    double t0 = hf_mono_now();

    assert_int_equal(hf_http_probe(&cfg, &res), -ETIMEDOUT);
    assert_true(hf_mono_now() - t0 < 5.0);     /* bounded by the timeout, not the server */
    assert_false(res.done);
    assert_non_null(strstr(res.error, url));
    assert_non_null(strstr(res.error, "timed out"));
    hf_http_result_free(&res);
}

static void test_connection_refused(void **state)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char url[128];
    hf_http_config cfg = {.url = url, .timeout_ms = 30000};
    hf_http_result res;

    (void)state;
    /* bound but not listening: connects are refused, and no one else gets the port */
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/health", ntohs(a.sin_port));
    assert_int_equal(hf_http_probe(&cfg, &res), -ECONNREFUSED);
    assert_false(res.done);
    assert_int_equal(res.status, 0);
    assert_true(strncmp(res.error, "GET http://127.0.0.1:", 21) == 0);
    assert_non_null(strstr(res.error, "/health: "));
    hf_http_result_free(&res);
    close(fd);
}

static void test_bad_url_and_regex(void **state)
{
    static const char *bad[] = {"", "not a url", "ftp://127.0.0.1/x", "http://", "http://[::1",
                                "file:///etc/passwd", "http://exa mple.com/"};
    hf_http_config cfg = {.timeout_ms = 1000};
    hf_http_result res;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_http_probe(&cfg, &res), -EINVAL);          /* NULL URL */
    assert_string_equal(res.error, "no URL to GET");
    hf_http_result_free(&res);
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {
        cfg.url = bad[i];
        assert_int_equal(hf_http_probe(&cfg, &res), -EINVAL);
        assert_true(res.error[0] != '\0');
        hf_http_result_free(&res);
        assert_int_equal(hf_http_url_check(bad[i], err, sizeof(err)), -EINVAL);
    }
    assert_int_equal(hf_http_url_check("ftp://h/", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "'ftp://h/': scheme must be http or https");
    assert_int_equal(hf_http_url_check("HTTPS://localhost:8443/health", err, sizeof(err)), 0);
    assert_int_equal(hf_http_url_check("http://localhost:8443/health", err, sizeof(err)), 0);

    cfg.url = "http://127.0.0.1:1/";
    cfg.expect_regex = "(unclosed";
    assert_int_equal(hf_http_probe(&cfg, &res), -EINVAL);
    assert_non_null(strstr(res.error, "'(unclosed'"));
    hf_http_result_free(&res);
    assert_int_equal(hf_http_regex_check("(unclosed", err, sizeof(err)), -EINVAL);
    assert_true(strncmp(err, "'(unclosed': ", 13) == 0);
    assert_int_equal(hf_http_regex_check("^a|b$", err, sizeof(err)), 0);
    assert_int_equal(hf_http_regex_check(NULL, err, sizeof(err)), -EINVAL);
}

static void test_max_body(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "http", &w->plain, "/big?bytes=1000000"),
                          .max_body = 1000, .keep_body = true, .expect_substring = "xxx",
                          .expect_regex = "^x{1000}$"};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_int_equal(res.size, 1000000);        /* counted ... */
    assert_true(res.truncated);
    assert_int_equal(strlen(res.body), 1000);   /* ... but kept only up to the bound */
    assert_true(res.substring_ok);
    assert_true(res.regex_ok);                  /* the regex saw exactly max_body bytes */
    hf_http_result_free(&res);

    cfg.expect_regex = NULL;
    cfg.expect_model = "helixflow-7b";
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_false(res.model_ok);
    assert_non_null(strstr(res.check_error, "body larger than 1000 bytes"));
    hf_http_result_free(&res);

    cfg.max_body = 0;                           /* default 4 MiB: all kept */
    cfg.expect_model = NULL;
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_false(res.truncated);
    assert_int_equal(strlen(res.body), 1000000);
    hf_http_result_free(&res);
}

/* ---- HTTPS ------------------------------------------------------------------ */

static void test_https_verified(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "https", &w->tls, "/ok"),
                          .timeout_ms = 30000, .ca_file = w->ca, .expect_substring = "ok"};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.done);
    assert_true(res.tls);
    assert_true(res.verify_ok);
    assert_string_equal(res.verify_error, "");
    assert_int_equal(res.status, 200);
    assert_true(res.substring_ok);
    assert_true(res.cert_days_left > 364.0 && res.cert_days_left <= 365.0);
    assert_true(res.t_tls >= res.t_connect && res.t_ttfb >= res.t_tls);
    hf_http_result_free(&res);

    cfg.ca_file = NULL;                         /* the same CA through a hashed directory */
    cfg.ca_path = w->capath;
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.verify_ok);
    hf_http_result_free(&res);

    /* https://localhost:port: the SAN's DNS name */
    snprintf(url, sizeof(url), "https://localhost:%d/ok", w->tls.port);
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.verify_ok);
    hf_http_result_free(&res);
}

static void test_https_untrusted(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "https", &w->tls, "/ok"),
                          .timeout_ms = 30000, .ca_file = "/dev/null/none"};
    hf_http_result res;

    /* a CA file that does not exist: libcurl's own error names it */
    assert_int_equal(hf_http_probe(&cfg, &res), -EPROTO);
    assert_false(res.done);
    assert_false(res.verify_ok);
    assert_non_null(strstr(res.verify_error, "/dev/null/none"));
    assert_true(res.cert_days_left > 364.0 && res.cert_days_left <= 365.0);
    hf_http_result_free(&res);

    cfg.ca_file = NULL;                         /* system store: our test CA is not in it */
    assert_int_equal(hf_http_probe(&cfg, &res), -EPROTO);
    assert_false(res.done);
    assert_true(res.tls);
    assert_false(res.verify_ok);
    assert_string_equal(res.verify_error, "unable to get local issuer certificate");
    assert_non_null(strstr(res.error, url));
    assert_non_null(strstr(res.error, "unable to get local issuer certificate"));
    /* the chain was still read: days are reported */
    assert_true(res.cert_days_left > 364.0 && res.cert_days_left <= 365.0);
    hf_http_result_free(&res);

    cfg.insecure = true;                        /* no verification: a response, not verified */
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_int_equal(res.status, 200);
    assert_false(res.verify_ok);
    assert_string_equal(res.verify_error, "verification disabled (insecure)");
    assert_true(res.cert_days_left > 364.0 && res.cert_days_left <= 365.0);
    hf_http_result_free(&res);
}

static void test_https_expired(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "https", &w->expired, "/ok"),
                          .timeout_ms = 30000, .ca_file = w->ca};
    hf_http_result res;

    assert_int_equal(hf_http_probe(&cfg, &res), -EPROTO);
    assert_false(res.verify_ok);
    assert_string_equal(res.verify_error, "certificate has expired");
    assert_true(res.cert_days_left < -4.9 && res.cert_days_left > -5.1);
    hf_http_result_free(&res);

    cfg.insecure = true;
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_true(res.cert_days_left < -4.9 && res.cert_days_left > -5.1);
    hf_http_result_free(&res);
}

static void test_https_wrong_name(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "https", &w->wrongname, "/ok"),
                          .timeout_ms = 30000, .ca_file = w->ca};
    hf_http_result res;

    /* the chain verifies, the name does not: libcurl's reason */
    assert_int_equal(hf_http_probe(&cfg, &res), -EPROTO);
    assert_false(res.verify_ok);
    assert_string_equal(res.verify_error,
                        "no alternative certificate subject name matches target host name "
                        "'127.0.0.1'");
    assert_non_null(strstr(res.error, url));
    assert_true(res.cert_days_left > 89.0 && res.cert_days_left <= 90.0);
    hf_http_result_free(&res);
}

static void *thread_probe(void *arg)
{
    hf_http_config *cfg = arg;
    hf_http_result res;
    intptr_t ok = 1;

    for (int i = 0; i < 5; i++) {
        ok &= hf_http_probe(cfg, &res) == 0 && res.verify_ok && res.model_ok;
        hf_http_result_free(&res);
    }
    return (void *)ok;
}

static void test_threads(void **state)
{
    world *w = *state;
    char url[128];
    hf_http_config cfg = {.url = url_of(url, sizeof(url), "https", &w->tls, "/file/models.json"),
                          .timeout_ms = 30000, .ca_file = w->ca, .expect_model = "helixflow-70b"};
    pthread_t t[4];

    for (size_t i = 0; i < HF_ARRAY_SIZE(t); i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_probe, &cfg), 0);
    for (size_t i = 0; i < HF_ARRAY_SIZE(t); i++) {
        void *ok = NULL;
        pthread_join(t[i], &ok);
        assert_true(ok == (void *)1);
    }
}

#include "test_http_reuse.h"

/* ---- models over the wire ----------------------------------------------------- */

static void probe_model(const world *w, const char *file, const char *model, bool ok,
                        const char *err)
{
    char url[256];
    hf_http_config cfg = {.url = url, .timeout_ms = 30000, .expect_model = model};
    hf_http_result res;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d/file/%s", w->plain.port, file);
    assert_int_equal(hf_http_probe(&cfg, &res), 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.model_ok, ok);
    assert_string_equal(res.check_error, err);
    hf_http_result_free(&res);
}

static void test_models_over_http(void **state)
{
    world *w = *state;

    probe_model(w, "models.json", "helixflow-7b", true, "");
    probe_model(w, "models.json", "helixflow-70b", true, "");
    probe_model(w, "models.json", "helixflow", false, "");
    probe_model(w, "models.json", "nope", false, "");
    probe_model(w, "tricky.json", "nope", false, "");
    probe_model(w, "tricky.json", "helixflow-7b", true, "");
    probe_model(w, "tricky.json", "say \"hi\"", true, "");
    probe_model(w, "tricky.json", "helixflow-\xc3\xa9\xf0\x9f\x98\x80", true, "");
    probe_model(w, "truncated.json", "helixflow-70b", true, "");     /* found before the cut */
    probe_model(w, "truncated.json", "helixflow-7b", false,
                "unterminated string: body ends at byte 65 (truncated JSON)");
    probe_model(w, "error.json", "helixflow-7b", false, "no \"data\" list in the JSON object");
}

/* ---- the scanner itself -------------------------------------------------------- */

static int find(const char *body, const char *model, char *err)
{
    return hf_http_models_find(body, strlen(body), model, err, HF_ERR_MAX);
}

static void test_models_scanner(void **state)
{
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(find("{\"data\":[{\"id\":\"m\"}]}", "m", err), 1);
    assert_int_equal(find(" \r\n{ \"data\" :\t[ { \"id\" : \"m\" } ] } \n", "m", err), 1);
    assert_int_equal(find("{\"data\":[]}", "m", err), 0);
    assert_string_equal(err, "");
    assert_int_equal(find("{\"data\":[{\"id\":\"mm\"},{\"id\":\"\"}]}", "m", err), 0);
    assert_int_equal(find("{\"data\":[{\"id\":\"m\"}]}", "mm", err), 0);
    assert_int_equal(find("{\"data\":[{\"id\":\"\"}]}", "", err), 1);
    /* escapes: quotes, backslash, \/ and \u */
    assert_int_equal(find("{\"data\":[{\"id\":\"a\\\"b\"}]}", "a\"b", err), 1);
    assert_int_equal(find("{\"data\":[{\"id\":\"a\\\\\"}]}", "a\\", err), 1);
    assert_int_equal(find("{\"data\":[{\"id\":\"org\\/m\"}]}", "org/m", err), 1);
    assert_int_equal(find("{\"data\":[{\"id\":\"\\u0041\\u00e9\"}]}", "A\xc3\xa9", err), 1);
    assert_int_equal(find("{\"data\":[{\"id\":\"m\\u0000\"}]}", "m", err), 0);
    /* the key itself escaped still is "id"; "data" likewise */
    assert_int_equal(find("{\"d\\u0061ta\":[{\"\\u0069d\":\"m\"}]}", "m", err), 1);
    /* "id" in other places does not count */
    assert_int_equal(find("{\"id\":\"m\",\"data\":[]}", "m", err), 0);
    assert_int_equal(find("{\"x\":{\"data\":[{\"id\":\"m\"}]},\"data\":[]}", "m", err), 0);
    assert_int_equal(find("{\"data\":[{\"p\":{\"id\":\"m\"}}]}", "m", err), 0);
    assert_int_equal(find("{\"data\":[[{\"id\":\"m\"}]]}", "m", err), 0);
    assert_int_equal(find("{\"data\":[\"m\",{\"name\":\"id\",\"v\":\"m\"}]}", "m", err), 0);
    assert_int_equal(find("{\"data\":[{\"id\":[\"m\"]},{\"id\":{\"id\":\"m\"}}]}", "m", err), 0);
    assert_int_equal(find("{\"note\":\"\\\"data\\\":[{\\\"id\\\":\\\"m\\\"}]\",\"data\":[]}",
                          "m", err), 0);
    assert_int_equal(find("{\"data\":[{\"x\":\"\\\"id\\\":\\\"m\\\"\"}]}", "m", err), 0);
    /* all value kinds are skipped correctly */
    assert_int_equal(find("{\"a\":[true,false,null,-0.5e+3,0,12,{\"b\":{}}],\"data\":"
                          "[{\"n\":1E9,\"id\":\"m\"}]}", "m", err), 1);
}

static void test_models_scanner_bad(void **state)
{
    static const char *bad[] = {
        "", "   ", "[]", "\"data\"", "null", "{", "{\"data\"", "{\"data\":", "{\"data\":[",
        "{\"data\":[{", "{\"data\":[{\"id\"", "{\"data\":[{\"id\":\"m", "{\"data\":{}}",
        "{\"data\":[{\"id\":\"x\"}]", "{\"data\":[{\"id\":\"x\"},]}", "{\"data\":[,]}",
        "{\"data\":[{\"id\":\"x\",}]}", "{data:[]}", "{\"data\":[01]}", "{\"data\":[1.]}",
        "{\"data\":[-]}", "{\"data\":[1e]}", "{\"data\":[tru]}", "{\"data\":[nul]}",
        "{\"data\":[\"\\x\"]}", "{\"data\":[\"\\u12\"]}", "{\"data\":[\"\\ud800\"]}",
        "{\"data\":[\"\\udc00\"]}", "{\"data\":[\"\\ud800\\u0041\"]}", "{\"data\":[\"a\tb\"]}",
        "{\"data\":[]} x", "{\"data\":[]}{}", "{\"a\" \"b\"}", "{\"a\":1 \"b\":2}",
        "{\"data\":[\"\\", "{\"data\":[\"\\u", "{\"error\":\"x\"}", "{}",
    };
    char err[HF_ERR_MAX];

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {
        err[0] = '\0';
        if (find(bad[i], "absent", err) != -EBADMSG)
            fail_msg("body %zu '%s' was not rejected", i, bad[i]);
        assert_true(err[0] != '\0');
    }
    assert_int_equal(find("[{\"id\":\"m\"}]", "m", err), -EBADMSG);
    assert_string_equal(err, "not a JSON object (expected '{') at byte 0");
    assert_int_equal(find("{\"data\":5}", "m", err), -EBADMSG);
    assert_string_equal(err, "\"data\" is not an array at byte 8");
    assert_int_equal(find("{\"data\":[{\"id\":\"x\"}", "m", err), -EBADMSG);
    assert_string_equal(err, "expected ',' or ']': body ends at byte 19 (truncated JSON)");
    assert_int_equal(find("{\"data\":[] ,", "m", err), -EBADMSG);
    assert_string_equal(err, "expected a member name: body ends at byte 12 (truncated JSON)");
    /* NULL body / NULL error buffer are tolerated */
    assert_int_equal(hf_http_models_find(NULL, 10, "m", err, sizeof(err)), -EBADMSG);
    assert_int_equal(hf_http_models_find("{\"data\":[]}", 11, "m", NULL, 0), 0);
}

static void test_models_scanner_bounds(void **state)
{
    char err[HF_ERR_MAX];
    char deep[400];
    size_t n = 0;
    /* the length bounds the scan: the valid tail beyond len is never read */
    const char *s = "{\"data\":[{\"id\":\"m\"}]}";

    (void)state;
    for (size_t len = 0; len < strlen(s); len++) {
        char *copy = malloc(len ? len : 1);     /* exactly len bytes: ASan catches overreads */
        assert_non_null(copy);
        memcpy(copy, s, len);
        int r = hf_http_models_find(copy, len, "m", err, sizeof(err));
        assert_true(r == -EBADMSG || (r == 1 && len >= 18));
        free(copy);
    }
    /* deep nesting is refused, not recursed into without bound */
    n += (size_t)snprintf(deep, sizeof(deep), "{\"data\":[{\"x\":");
    for (int i = 0; i < 100; i++)
        deep[n++] = '[';
    deep[n] = '\0';
    assert_int_equal(find(deep, "m", err), -EBADMSG);
    assert_non_null(strstr(err, "nesting too deep"));
    /* 60 levels are fine */
    n = (size_t)snprintf(deep, sizeof(deep), "{\"data\":[{\"x\":");
    for (int i = 0; i < 60; i++)
        deep[n++] = '[';
    for (int i = 0; i < 60; i++)
        deep[n++] = ']';
    n += (size_t)snprintf(deep + n, sizeof(deep) - n, ",\"id\":\"m\"}]}");
    assert_int_equal(find(deep, "m", err), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ok_substring_regex),
        cmocka_unit_test(test_substring_regex_missing),
        cmocka_unit_test(test_status),
        cmocka_unit_test(test_redirect),
        cmocka_unit_test(test_slow_times_out),
        cmocka_unit_test(test_connection_refused),
        cmocka_unit_test(test_bad_url_and_regex),
        cmocka_unit_test(test_max_body),
        cmocka_unit_test(test_https_verified),
        cmocka_unit_test(test_https_untrusted),
        cmocka_unit_test(test_https_expired),
        cmocka_unit_test(test_https_wrong_name),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_reuse_one_handshake),
        cmocka_unit_test(test_reuse_resumed_session),
        cmocka_unit_test(test_reuse_threads),
        cmocka_unit_test(test_models_over_http),
        cmocka_unit_test(test_models_scanner),
        cmocka_unit_test(test_models_scanner_bad),
        cmocka_unit_test(test_models_scanner_bounds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
