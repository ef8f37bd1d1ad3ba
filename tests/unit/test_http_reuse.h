/* test_http_reuse.h: test_http.c's tests of connection reuse (included by
 * it, as test_prom_state.h is by test_prom.c): one connection and one TLS
 * handshake per endpoint within a process, a resumed TLS session, and two
 * threads at once (hf_http.h, Connections). Uses test_http.c's world. */
#ifndef TEST_HTTP_REUSE_H
#define TEST_HTTP_REUSE_H

/* ---- one connection, one handshake per endpoint ------------------------------ */

/* GET /peer on the reuse server: the client port the server saw, or -1. */
static long peer_port(const world *w, bool fresh, hf_http_result *res)
{
    char url[128];
    hf_http_config cfg = {.url = url, .timeout_ms = 30000, .ca_file = w->ca, .keep_body = true,
                          .fresh_connection = fresh};
    long port = -1;

    snprintf(url, sizeof(url), "https://localhost:%d/peer", w->reuse.port);
    if (hf_http_probe(&cfg, res) == 0 && res->status == 200 && res->verify_ok && res->body)
        port = strtol(res->body, NULL, 10);
    return port;
}

static void test_reuse_one_handshake(void **state)
{
    world *w = *state;
    hf_http_result a, b, c;
    char url[128];
    hf_http_config other = {.url = url, .timeout_ms = 30000, .ca_file = w->ca,
                            .expect_substring = "ok"};
    long pa = peer_port(w, false, &a), pb;

    /* the first request to this server: a new connection and a full handshake */
    assert_true(pa > 0);
    assert_false(a.reused);
    assert_false(a.tls_resumed);
    assert_true(a.t_tls > 0);
    assert_true(a.cert_days_left > 364.0 && a.cert_days_left <= 365.0);
    /* the second: the same connection (the server saw the same client port),
     * no connect and no handshake (libcurl: no new connection, APPCONNECT 0),
     * the chain's days still known */
    pb = peer_port(w, false, &b);
    assert_int_equal(pb, pa);
    assert_true(b.reused);
    assert_true(b.t_tls == 0);
    assert_true(fabs(b.cert_days_left - a.cert_days_left) < 0.01);
    /* another path on the same host:port: still that connection */
    snprintf(url, sizeof(url), "https://localhost:%d/ok", w->reuse.port);
    assert_int_equal(hf_http_probe(&other, &c), 0);
    assert_true(c.reused && c.substring_ok);
    hf_http_result_free(&c);
    /* other TLS settings never get that connection (libcurl compares them) */
    other.ca_file = NULL;
    other.insecure = true;
    assert_int_equal(hf_http_probe(&other, &c), 0);
    assert_false(c.reused);
    hf_http_result_free(&c);
    hf_http_result_free(&a);
    hf_http_result_free(&b);
}

static void test_reuse_resumed_session(void **state)
{
    world *w = *state;
    hf_http_result a, b;
    long pa = peer_port(w, false, &a), pb = peer_port(w, true, &b);

    /* a new connection when one is open resumes the shared TLS session,
     * and the chain it was made with still gives the days */
    assert_true(pa > 0 && pb > 0);
    assert_int_not_equal(pa, pb);
    assert_false(b.reused);
    assert_true(b.tls_resumed);
    assert_true(b.verify_ok);
    assert_true(fabs(b.cert_days_left - a.cert_days_left) < 0.01);
    hf_http_result_free(&a);
    hf_http_result_free(&b);
}

typedef struct reuse_run {
    const world *w;
    long ports[5];
    int reused, ok;
} reuse_run;

static void *thread_reuse(void *arg)
{
    reuse_run *t = arg;
    hf_http_result res;

    for (size_t i = 0; i < HF_ARRAY_SIZE(t->ports); i++) {
        t->ports[i] = peer_port(t->w, false, &res);
        t->ok += t->ports[i] > 0 && res.cert_days_left > 364.0 && res.cert_days_left <= 365.0;
        t->reused += res.reused;
        hf_http_result_free(&res);
    }
    return NULL;
}

static void test_reuse_threads(void **state)
{
    world *w = *state;
    reuse_run t[2] = {{.w = w}, {.w = w}};
    pthread_t th[2];
    long seen[10];
    size_t nseen = 0;

    /* two threads at once: each request gets a connection of its own (never
     * one in use by the other thread), and connections are reused: at most
     * one per thread for the ten requests */
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_reuse, &t[i]), 0);
    for (size_t i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(t[i].ok, 5);
        for (size_t k = 0; k < 5; k++) {
            size_t j = 0;
            while (j < nseen && seen[j] != t[i].ports[k])
                j++;
            if (j == nseen)
                seen[nseen++] = t[i].ports[k];
        }
    }
    assert_true(nseen <= 2);
    assert_true(t[0].reused + t[1].reused >= 8);
}

#endif
