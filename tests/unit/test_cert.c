/* Unit tests: hf_cert, the certificate probe (parsing, dates, verification,
 * the served certificate and the URL parser), and the check_helixflow_cert
 * argument contract. The cache and its state file: test_cert_cache.c.
 *
 * Fixtures (tests/unit/fixtures/cert, made by make-fixtures.sh) have fixed
 * dates; "now" is injected: 2030-06-01 00:00:00 UTC. The served-vs-file tests
 * start a python TLS server (tls-server.py) on free loopback ports. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/x509_vfy.h>

#include "hf_cert.h"
#include "hf_cert_int.h"           /* hf_cert_url_parse */
#include "hfn_args.h"
#include "hfn_main.h"

#include "test_cert.h"

/* ---- parsing and dates */

static void test_valid_rsa(void **state)
{
    hf_cert_result r;
    const hf_cert_info *c;

    (void)state;
    assert_int_equal(probe("valid.crt", "ca.crt", NULL, &r), 0);
    assert_int_equal(r.ncerts, 1);
    c = &r.certs[0];
    assert_true(fabs(c->days_left - 365.0) < 1e-9);
    assert_false(c->expired);
    assert_false(c->not_yet_valid);
    assert_string_equal(c->subject, "O=HelixFlow Fixtures,CN=localhost");
    assert_string_equal(c->issuer, "O=HelixFlow Fixtures,CN=Fixture Root CA");
    assert_string_equal(c->serial, "1002");
    assert_string_equal(c->key_type, "RSA");
    assert_int_equal(c->key_bits, 2048);
    assert_string_equal(c->key_curve, "");
    assert_int_equal(c->nsans, 2);
    assert_string_equal(c->sans[0], "DNS:localhost");
    assert_string_equal(c->sans[1], "IP:127.0.0.1");
    assert_false(c->self_signed);
    assert_string_equal(c->not_after_asn1, "310601000000Z");
    assert_int_equal(c->not_after, 1938038400);
    assert_false(r.der);
    assert_true(r.verified);
    assert_true(r.trusted);
    assert_false(r.verify_system);
    assert_string_equal(r.verify_error, "");
    assert_int_equal(r.parses, 1);
    assert_false(r.from_cache);
    hf_cert_result_free(&r);
}

static void test_expiring_ec(void **state)
{
    hf_cert_result r;

    (void)state;
    assert_int_equal(probe("expiring.crt", "ca.crt", NULL, &r), 0);
    assert_true(fabs(r.certs[0].days_left - 10.5) < 1e-9);
    assert_string_equal(r.certs[0].key_type, "EC");
    assert_string_equal(r.certs[0].key_curve, "P-256");
    assert_int_equal(r.certs[0].key_bits, 256);
    assert_true(r.trusted);
    hf_cert_result_free(&r);
}

static void test_fractional_now(void **state)
{
    hf_cert_config cfg = {.path = fxp("expiring.crt"), .no_verify = true, .now = NOW + 43200.5};
    hf_cert_result r;

    (void)state;
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_true(fabs(r.certs[0].days_left - (10.0 - 0.5 / 86400)) < 1e-9);
    hf_cert_result_free(&r);
}

static void test_expired_trusted(void **state)
{
    hf_cert_result r;

    (void)state;
    assert_int_equal(probe("expired.crt", "ca.crt", NULL, &r), 0);
    assert_true(fabs(r.certs[0].days_left + 3.0) < 1e-9);
    assert_true(r.certs[0].expired);
    /* its own dates are the date checks' business: verification judges trust */
    assert_true(r.verified);
    assert_true(r.trusted);
    hf_cert_result_free(&r);
}

static void test_not_yet_valid(void **state)
{
    hf_cert_result r;

    (void)state;
    assert_int_equal(probe("future.crt", "ca.crt", NULL, &r), 0);
    assert_true(r.certs[0].not_yet_valid);
    assert_false(r.certs[0].expired);
    assert_int_equal(r.certs[0].not_before, 1909094400);
    assert_true(r.trusted);
    hf_cert_result_free(&r);
}

static void test_untrusted_self_signed(void **state)
{
    hf_cert_result r;

    (void)state;
    assert_int_equal(probe("untrusted.crt", "ca.crt", NULL, &r), 0);
    assert_true(r.certs[0].self_signed);
    assert_true(r.verified);
    assert_false(r.trusted);
    assert_int_equal(r.verify_code, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
    assert_int_equal(r.verify_depth, 0);
    assert_string_equal(r.verify_error, "self-signed certificate");
    hf_cert_result_free(&r);
}

static void test_chain_bundle(void **state)
{
    hf_cert_result r;
    hf_cert_config cfg = {.path = fxp("chain.pem"), .now = NOW};

    (void)state;
    assert_int_equal(probe("chain.pem", "ca.crt", NULL, &r), 0);
    assert_int_equal(r.ncerts, 2);
    assert_string_equal(r.certs[1].subject, "O=HelixFlow Fixtures,CN=Fixture Intermediate CA");
    assert_int_equal(r.earliest, 0);
    assert_true(fabs(r.certs[0].days_left - 183.0) < 1e-9);
    assert_true(r.trusted);             /* the intermediate came from the bundle */
    hf_cert_result_free(&r);

    /* the intermediate alone does not make the leaf trusted: CA missing */
    assert_int_equal(probe("chain.pem", "inter.crt", NULL, &r), 0);
    assert_false(r.trusted);
    assert_int_equal(r.verify_depth, 1);
    hf_cert_result_free(&r);

    /* no CA given: the system store does not know the fixture CA */
    cfg.path = fxp("chain.pem");
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_true(r.verify_system);
    assert_false(r.trusted);
    assert_string_equal(r.verify_error, "unable to get local issuer certificate");
    assert_int_equal(r.verify_depth, 1);
    hf_cert_result_free(&r);
}

static void test_ca_expired_at_now(void **state)
{
    hf_cert_config cfg = {.path = fxp("y2051.crt"), .ca_file = fxp("ca.crt"),
                          .now = 2366841600.0 /* 2045-01-01 */ + 86400};
    hf_cert_result r;

    (void)state;
    assert_int_equal(hf_cert_probe(&cfg, &r), 0);
    assert_false(r.certs[0].expired);
    assert_false(r.trusted);
    assert_string_equal(r.verify_error, "certificate has expired");
    assert_int_equal(r.verify_depth, 1);
    hf_cert_result_free(&r);
}

static void test_der_single_and_bundle(void **state)
{
    hf_cert_result a, b, c;

    (void)state;
    assert_int_equal(probe("valid.der", "ca.crt", NULL, &a), 0);
    assert_int_equal(probe("valid.crt", NULL, NULL, &b), 0);
    assert_true(a.der);
    assert_true(a.trusted);
    assert_memory_equal(a.certs[0].sha256, b.certs[0].sha256, 32);
    assert_int_equal(probe("bundle.der", NULL, NULL, &c), 0);
    assert_true(c.der);
    assert_int_equal(c.ncerts, 2);
    assert_int_equal(c.earliest, 1);
    assert_string_equal(c.certs[1].serial, "1003");
    hf_cert_result_free(&a);
    hf_cert_result_free(&b);
    hf_cert_result_free(&c);
}

static void test_kinds(void **state)
{
    hf_cert_result r;

    (void)state;
    /* GeneralizedTime (2051) */
    assert_int_equal(probe("y2051.crt", "ca.crt", NULL, &r), 0);
    assert_string_equal(r.certs[0].not_after_asn1, "20510101000000Z");
    assert_true(fabs(r.certs[0].days_left - 7519.0) < 1e-9);
    hf_cert_result_free(&r);

    assert_int_equal(probe("many.crt", NULL, NULL, &r), 0);
    assert_int_equal(r.certs[0].san_total, 44);
    assert_int_equal(r.certs[0].nsans, HF_CERT_MAX_SANS);
    assert_string_equal(r.certs[0].sans[0], "DNS:host1.helixflow.example");
    assert_string_equal(r.certs[0].sans[31], "DNS:host32.helixflow.example");
    hf_cert_result_free(&r);

    assert_int_equal(probe("ed25519.crt", "ca.crt", NULL, &r), 0);
    assert_string_equal(r.certs[0].key_type, "Ed25519");
    assert_true(r.trusted);
    hf_cert_result_free(&r);

    assert_int_equal(probe("key-and-cert.pem", NULL, NULL, &r), 0);
    assert_int_equal(r.ncerts, 1);
    assert_int_equal(r.skipped_blocks, 1);
    assert_string_equal(r.certs[0].serial, "1003");
    hf_cert_result_free(&r);
}

static void expect_error(const char *file, int code, const char *msg)
{
    hf_cert_result r;

    assert_int_equal(probe(file, "ca.crt", NULL, &r), code);
    assert_string_equal(r.error, msg);
    assert_int_equal(r.ncerts, 0);
    assert_null(r.certs);
    hf_cert_result_free(&r);
}

static void test_bad_files(void **state)
{
    (void)state;
    expect_error("garbage.crt", -EBADMSG, "garbage.crt: no certificate found (PEM_read_bio: bad base64 decode)");
    expect_error("empty.crt", -ENODATA, "empty.crt: empty file");
    expect_error("key-only.pem", -EBADMSG,
                 "key-only.pem: no certificate found (1 PEM block of other types skipped)");
    expect_error("truncated.pem", -EBADMSG, "truncated.pem: no certificate found (PEM_read_bio: bad end line)");
    expect_error("bundle-truncated.pem", -EBADMSG, "bundle-truncated.pem: PEM block 2: PEM_read_bio: bad end line");
    expect_error("text.crt", -EBADMSG, "text.crt: no certificate found (PEM_read_bio: no start line)");
    expect_error("missing.crt", -ENOENT, "missing.crt: cannot open: No such file or directory");
    expect_error(".", -EINVAL, ".: not a regular file");
}

static void test_der_garbage_buffer(void **state)
{
    static const unsigned char junk[] = {0x30, 0x82, 0x01, 0x00, 0x01, 0x02};
    hf_cert_info *certs = NULL;
    size_t n = 9, skipped = 0;
    bool der = false;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_cert_parse_buffer(junk, sizeof(junk), "x.der", &certs, &n, &skipped, &der,
                                          err, sizeof(err)), -EBADMSG);
    assert_true(der);
    assert_null(certs);
    assert_int_equal(n, 0);
    assert_string_equal(err, "x.der: no certificate found (d2i_X509: too long)");
}

static void test_der_trailing_garbage(void **state)
{
    char *data;
    long n = hf_file_read(fxp("valid.der"), 1 << 20, &data);
    hf_cert_info *certs = NULL;
    size_t nc = 0, skipped = 0;
    bool der;
    char err[HF_ERR_MAX], want[HF_ERR_MAX];

    (void)state;
    assert_true(n > 0);
    data = realloc(data, (size_t)n + 3);
    memcpy(data + n, "\x02\x01\xff", 3);
    assert_int_equal(hf_cert_parse_buffer(data, (size_t)n + 2, "v.der", &certs, &nc, &skipped, &der,
                                          err, sizeof(err)), -EBADMSG);
    snprintf(want, sizeof(want), "v.der: byte %ld: data after certificate 1 is not a certificate "
             "(d2i_X509: too long)", n);
    assert_string_equal(err, want);
    free(data);
}

/* EACCES: as root, read the file as nobody in a child. */
static void test_permission_denied(void **state)
{
    const char *path = tmpp("secret.crt");
    pid_t pid;
    int st;

    (void)state;
    copy_file(fxp("valid.crt"), path);
    assert_int_equal(chmod(path, 0), 0);
    assert_int_equal(chmod(tmpd, 0711), 0);
    pid = fork();
    if (pid == 0) {
        hf_cert_config cfg = {.path = path, .name = "secret.crt", .no_verify = true};
        hf_cert_result r;
        int rc;
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
            _exit(10);
        rc = hf_cert_probe(&cfg, &r);
        _exit(rc == -EACCES && strcmp(r.error, "secret.crt: cannot open: Permission denied") == 0 ? 0 : 11);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    unlink(path);
}

/* ---- served vs file: a python TLS server on loopback */

static pid_t server_pid;
static int tls_port, hang_port, plain_port, v6_port;

static int start_server(void)
{
    int fd[2];
    char line[64] = "";
    FILE *f;

    if (pipe(fd) < 0)
        return -1;
    server_pid = fork();
    if (server_pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execlp("python3", "python3", fxp("tls-server.py"), fxp("valid.crt"), fxp("valid.key"),
               fxp("key-and-cert.pem"), (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    f = fdopen(fd[0], "r");
    if (!f || !fgets(line, sizeof(line), f) ||
        sscanf(line, "%d %d %d %d", &tls_port, &hang_port, &plain_port, &v6_port) != 4)
        tls_port = 0;
    if (f)
        fclose(f);
    return tls_port ? 0 : -1;
}

static void stop_server(void)
{
    if (server_pid > 0) {
        kill(server_pid, SIGTERM);
        waitpid(server_pid, NULL, 0);
    }
    server_pid = 0;
}

/* Probe valid.crt (or file) against url; the result in *r. */
static void probe_url(const char *file, const char *url, long timeout_ms, hf_cert_result *r)
{
    hf_cert_config cfg = {.path = fxp(file), .no_verify = true, .now = NOW, .url = url,
                          .timeout_ms = timeout_ms};

    assert_int_equal(hf_cert_probe(&cfg, r), 0);
}

static void test_served_vs_file(void **state)
{
    char url[128], want[HF_ERR_MAX];
    hf_cert_result r;

    (void)state;
    assert_int_equal(start_server(), 0);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/health", tls_port);
    probe_url("valid.crt", url, 5000, &r);
    assert_true(r.url_checked);
    assert_true(r.url_match);
    assert_string_equal(r.served.serial, "1002");
    assert_string_equal(r.url_error, "");
    hf_cert_result_free(&r);

    probe_url("expiring.crt", url, 5000, &r);     /* on disk: another certificate */
    assert_true(r.url_checked);
    assert_false(r.url_match);
    assert_string_equal(r.served.serial, "1002");
    assert_true(fabs(r.served.days_left - 365.0) < 1e-9);
    hf_cert_result_free(&r);

    /* a server that accepts but never answers: bounded by timeout_ms */
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", hang_port);
    {
        double t0 = hf_mono_now();
        probe_url("expiring.crt", url, 700, &r);
        assert_true(hf_mono_now() - t0 < 5.0);
    }
    assert_false(r.url_checked);
    snprintf(want, sizeof(want), "%s: TLS handshake with 127.0.0.1 port %d timed out after 700 ms",
             url, hang_port);
    assert_string_equal(r.url_error, want);
    hf_cert_result_free(&r);
}

/* SNI carries the host name (the server then serves expiring.crt), and no
 * SNI goes with an address literal (RFC 6066): valid.crt. */
static void test_served_sni(void **state)
{
    char url[128];
    hf_cert_result r;

    (void)state;
    assert_true(server_pid > 0);
    snprintf(url, sizeof(url), "https://localhost:%d", tls_port);
    probe_url("expiring.crt", url, 5000, &r);
    assert_true(r.url_checked);
    assert_true(r.url_match);
    assert_string_equal(r.served.serial, "1003");
    hf_cert_result_free(&r);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d", tls_port);
    probe_url("expiring.crt", url, 5000, &r);
    assert_true(r.url_checked);
    assert_false(r.url_match);
    assert_string_equal(r.served.serial, "1002");
    hf_cert_result_free(&r);
}

static void test_served_ipv6(void **state)
{
    char url[128];
    hf_cert_result r;

    (void)state;
    assert_true(server_pid > 0);
    if (!v6_port)
        skip();                 /* no ::1 here */
    snprintf(url, sizeof(url), "https://[::1]:%d/health", v6_port);
    probe_url("valid.crt", url, 5000, &r);
    assert_string_equal(r.url_error, "");
    assert_true(r.url_checked);
    assert_true(r.url_match);
    hf_cert_result_free(&r);
}

static void test_served_not_tls_and_refused(void **state)
{
    char url[128], want[HF_ERR_MAX];
    int port = tls_port;
    hf_cert_result r;

    (void)state;
    assert_true(server_pid > 0);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/", plain_port);
    probe_url("valid.crt", url, 5000, &r);
    assert_false(r.url_checked);
    snprintf(want, sizeof(want), "%s: TLS handshake with 127.0.0.1 port %d failed (", url, plain_port);
    assert_memory_equal(r.url_error, want, strlen(want));
    assert_int_equal(r.url_error[strlen(r.url_error) - 1], ')');
    hf_cert_result_free(&r);

    stop_server();              /* nothing listens any more */
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/health", port);
    probe_url("valid.crt", url, 700, &r);
    assert_false(r.url_checked);
    snprintf(want, sizeof(want), "%s: cannot connect to 127.0.0.1 port %d: Connection refused",
             url, port);
    assert_string_equal(r.url_error, want);
    hf_cert_result_free(&r);
}

/* The URL parser: what it accepts, and the error for everything else (no
 * connection is attempted for a bad URL). */
static void test_url_parse(void **state)
{
    static const struct { const char *url, *host, *port; bool ip; } good[] = {
        {"https://example.org", "example.org", "443", false},
        {"HTTPS://Example.org:8443/", "Example.org", "8443", false},
        {"https://127.0.0.1/health?x=1#f", "127.0.0.1", "443", true},
        {"https://[::1]:65535/a/b", "::1", "65535", true},
        {"https://[2001:db8::1]", "2001:db8::1", "443", true},
        {"https://under_score-1.example:1", "under_score-1.example", "1", false},
    };
    static const struct { const char *url, *why; } bad[] = {
        {"http://example.org/", "not an https URL"},
        {"https:/example.org", "not an https URL"},
        {"https://", "no host"},
        {"https:///path", "no host"},
        {"https://:443/", "no host"},
        {"https://exa mple.org/", "space or control character at byte 12"},
        {"https://user:pw@example.org/", "user information (user@host) is not supported"},
        {"https://example.org?q", "invalid character '?' in the host"},
        {"https://ex%41mple.org/", "invalid character '%' in the host"},
        {"https://example.org:/", "invalid port '' (1 to 65535)"},
        {"https://example.org:0", "invalid port '0' (1 to 65535)"},
        {"https://example.org:65536", "invalid port '65536' (1 to 65535)"},
        {"https://example.org:44x3/", "invalid port '44x3' (1 to 65535)"},
        {"https://example.org:0000443", "invalid port '0000443' (1 to 65535)"},
        {"https://[::1/", "'[' without a closing ']' in the host"},
        {"https://[]/", "'[]' is not an IPv6 address"},
        {"https://[127.0.0.1]/", "'[127.0.0.1]' is not an IPv6 address"},
        {"https://[fe80::1%25eth0]/", "'[fe80::1%25eth0]' is not an IPv6 address"},
        {"https://[::1]x/", "unexpected 'x' after the host"},
    };
    hf_cert_url u;
    char err[HF_ERR_MAX], want[HF_ERR_MAX];
    hf_cert_result r;

    (void)state;
    for (size_t i = 0; i < HF_ARRAY_SIZE(good); i++) {
        assert_int_equal(hf_cert_url_parse(good[i].url, &u, err, sizeof(err)), 0);
        assert_string_equal(u.host, good[i].host);
        assert_string_equal(u.port, good[i].port);
        assert_int_equal(u.ip_literal, good[i].ip);
    }
    for (size_t i = 0; i < HF_ARRAY_SIZE(bad); i++) {
        snprintf(want, sizeof(want), "%s: %s", bad[i].url, bad[i].why);
        assert_int_equal(hf_cert_url_parse(bad[i].url, &u, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, want);
        probe_url("valid.crt", bad[i].url, 700, &r);    /* the probe reports it as is */
        assert_false(r.url_checked);
        assert_string_equal(r.url_error, want);
        hf_cert_result_free(&r);
    }
}

/* ---- misc */

static void test_time_str_and_args(void **state)
{
    char buf[40];
    hf_cert_result r;
    hf_cert_config cfg = {0};

    (void)state;
    hf_cert_time_str(1906502400, buf, sizeof(buf));
    assert_string_equal(buf, "2030-06-01 00:00:00 UTC");
    assert_int_equal(hf_cert_probe(&cfg, &r), -EINVAL);
    assert_string_equal(r.error, "no certificate file given");
    hf_cert_result_free(&r);
    hf_cert_result_free(NULL);
    hf_cert_cache_free(NULL);
}

/* check_helixflow_cert argument handling (output captured) */
static char *run_mode(int argc, const char *const *argv, int *rc)
{
    char path[HF_PATH_MAX];
    int fd, saved;
    char *out = NULL;

    if (snprintf(path, sizeof(path), "%s/mode-out", tmpd) >= (int)sizeof(path))
        abort();
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(fd >= 0);
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    dup2(fd, STDOUT_FILENO);
    *rc = hfn_check_main(&hf_check_cert, argc, (char **)(uintptr_t)argv);
    alarm(0);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fd);
    assert_true(hf_file_read(path, 1 << 20, &out) >= 0);
    return out;
}

static void test_mode_usage(void **state)
{
    hf_buf ub = {0};
    const char *a1[] = {"check_helixflow_cert", "--url", "http://x/", NULL};
    const char *a2[] = {"check_helixflow_cert", "--no-verify", "--ca", "ca.crt", NULL};
    const char *a3[] = {"check_helixflow_cert", "--cert", NULL};
    char want[512];
    char *out;
    int rc;

    (void)state;
    hfn_args_usage(&ub, &hf_check_cert);           /* the usage line made from the settings table */
    const char *usage = hf_buf_str(&ub);
    assert_non_null(strstr(usage, "Usage: check_helixflow_cert [-w DAYS] [-c DAYS] [--cert FILE]... "));
    out = run_mode(3, a1, &rc);
    assert_int_equal(rc, 3);
    snprintf(want, sizeof(want), "HELIXFLOW CERT UNKNOWN: --url: 'http://x/' is not an https URL\n%s", usage);
    assert_string_equal(out, want);
    free(out);
    out = run_mode(4, a2, &rc);
    assert_int_equal(rc, 3);
    snprintf(want, sizeof(want), "HELIXFLOW CERT UNKNOWN: --no-verify excludes --ca and --capath\n%s", usage);
    assert_string_equal(out, want);
    free(out);
    out = run_mode(2, a3, &rc);
    assert_int_equal(rc, 3);
    snprintf(want, sizeof(want), "HELIXFLOW CERT UNKNOWN: option '--cert' needs a value\n%s", usage);
    assert_string_equal(out, want);
    free(out);
    hf_buf_free(&ub);
}

static int teardown(void **state)
{
    stop_server();
    return cert_teardown(state);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_rsa),
        cmocka_unit_test(test_expiring_ec),
        cmocka_unit_test(test_fractional_now),
        cmocka_unit_test(test_expired_trusted),
        cmocka_unit_test(test_not_yet_valid),
        cmocka_unit_test(test_untrusted_self_signed),
        cmocka_unit_test(test_chain_bundle),
        cmocka_unit_test(test_ca_expired_at_now),
        cmocka_unit_test(test_der_single_and_bundle),
        cmocka_unit_test(test_kinds),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_der_garbage_buffer),
        cmocka_unit_test(test_der_trailing_garbage),
        cmocka_unit_test(test_permission_denied),
        cmocka_unit_test(test_served_vs_file),
        cmocka_unit_test(test_served_sni),
        cmocka_unit_test(test_served_ipv6),
        cmocka_unit_test(test_served_not_tls_and_refused),
        cmocka_unit_test(test_url_parse),
        cmocka_unit_test(test_time_str_and_args),
        cmocka_unit_test(test_mode_usage),
    };
    return cmocka_run_group_tests(tests, cert_setup, teardown);
}
