/* hf_cert_live: the leaf certificate a live https endpoint serves, read from
 * one OpenSSL TLS handshake (SNI = the host name; none for an address
 * literal, RFC 6066) over a TCP connection, the whole bounded by timeout_ms.
 * No HTTP request is sent; the peer is not verified, only compared.
 *
 * OpenSSL writes to the socket with write(): a peer that has gone away would
 * raise SIGPIPE, so it is blocked in the calling thread for the duration and
 * a SIGPIPE raised meanwhile is consumed (the process's handlers untouched). */
#include "hf_cert_int.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define HF_CERT_LIVE_DEFAULT_MS 10000

/* ---- SIGPIPE, per thread */

typedef struct hf_cert_sigpipe {
    sigset_t old;
    bool was_pending;
} hf_cert_sigpipe;

static void hf_cert_sigpipe_block(hf_cert_sigpipe *g)
{
    sigset_t s, pend;

    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &s, &g->old);
    g->was_pending = sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1;
}

static void hf_cert_sigpipe_restore(hf_cert_sigpipe *g)
{
    sigset_t s, pend;
    struct timespec zero = {0, 0};

    sigemptyset(&s);
    sigaddset(&s, SIGPIPE);
    if (!g->was_pending && sigpending(&pend) == 0 && sigismember(&pend, SIGPIPE) == 1)
        while (sigtimedwait(&s, NULL, &zero) < 0 && errno == EINTR)
            ;
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
}

/* ---- the handshake */

typedef struct hf_cert_tls {
    const char *url;
    hf_cert_url *u;                 /* not const: SSL_set_tlsext_host_name casts to void * */
    double deadline;
    long budget_ms;
    char *err;
    size_t errlen;
} hf_cert_tls;

/* Why SSL_connect() failed: a negative errno with the error set. */
static int hf_cert_tls_failed(const hf_cert_tls *t, SSL *ssl, int ret)
{
    int e = SSL_get_error(ssl, ret), sys = errno;

    if (e == SSL_ERROR_SSL) {
        hf_err_set(t->err, t->errlen, "%s: TLS handshake with %s port %s failed (%s)", t->url,
                   t->u->host, t->u->port, hf_cert_ossl_reason());
        return -EPROTO;
    }
    ERR_clear_error();
    if (e == SSL_ERROR_SYSCALL && ret < 0 && sys != 0) {
        hf_err_set(t->err, t->errlen, "%s: TLS handshake with %s port %s failed: %s", t->url,
                   t->u->host, t->u->port, strerror(sys));
        return -sys;
    }
    hf_err_set(t->err, t->errlen, "%s: %s port %s closed the connection during the TLS handshake",
               t->url, t->u->host, t->u->port);
    return -ECONNRESET;
}

static int hf_cert_tls_handshake(const hf_cert_tls *t, SSL *ssl, int fd)
{
    for (;;) {
        int ret, e, w;

        errno = 0;
        ret = SSL_connect(ssl);
        if (ret == 1)
            return 0;
        e = SSL_get_error(ssl, ret);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
            return hf_cert_tls_failed(t, ssl, ret);
        w = hf_cert_net_wait(fd, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, t->deadline);
        if (w == -ETIMEDOUT) {
            hf_err_set(t->err, t->errlen, "%s: TLS handshake with %s port %s timed out after %ld ms",
                       t->url, t->u->host, t->u->port, t->budget_ms);
            return w;
        }
        if (w < 0) {
            hf_err_set(t->err, t->errlen, "%s: waiting for %s port %s: %s", t->url, t->u->host,
                       t->u->port, strerror(-w));
            return w;
        }
    }
}

static SSL *hf_cert_tls_new(const hf_cert_tls *t, int fd)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    SSL *ssl = NULL;

    if (ctx) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);     /* compared, not trusted */
        ssl = SSL_new(ctx);
        SSL_CTX_free(ctx);      /* the SSL holds a reference */
    }
    if (ssl && (!SSL_set_fd(ssl, fd) ||
                (!t->u->ip_literal && !SSL_set_tlsext_host_name(ssl, t->u->host)))) {
        SSL_free(ssl);
        ssl = NULL;
    }
    if (!ssl)
        hf_err_set(t->err, t->errlen, "%s: cannot set up TLS (%s)", t->url, hf_cert_ossl_reason());
    return ssl;
}

/* Handshake on a connected socket; the served leaf into *leaf. */
static int hf_cert_tls_leaf(const hf_cert_tls *t, int fd, X509 **leaf)
{
    SSL *ssl = hf_cert_tls_new(t, fd);
    int r;

    *leaf = NULL;
    if (!ssl)
        return -ENOMEM;
    r = hf_cert_tls_handshake(t, ssl, fd);
    if (r == 0) {
        *leaf = SSL_get1_peer_certificate(ssl);
        if (!*leaf) {
            hf_err_set(t->err, t->errlen, "%s: the server sent no certificate", t->url);
            r = -ENODATA;
        }
        SSL_shutdown(ssl);      /* one close_notify, not waited for */
    }
    SSL_free(ssl);
    ERR_clear_error();
    return r;
}

int hf_cert_fetch_served(const char *url, long timeout_ms, hf_cert_info *info,
                         char *err, size_t errlen)
{
    hf_cert_url u;
    hf_cert_sigpipe sp;
    X509 *leaf = NULL;
    long budget = timeout_ms > 0 ? timeout_ms : HF_CERT_LIVE_DEFAULT_MS;
    hf_cert_tls t = {url, &u, hf_mono_now() + (double)budget / 1000.0, budget, err, errlen};
    int fd, r;

    memset(info, 0, sizeof(*info));
    r = hf_cert_url_parse(url, &u, err, errlen);
    if (r < 0)
        return r;
    r = hf_cert_net_connect(&u, t.deadline, budget, url, &fd, err, errlen);
    if (r < 0)
        return r;
    ERR_clear_error();
    hf_cert_sigpipe_block(&sp);
    r = hf_cert_tls_leaf(&t, fd, &leaf);
    close(fd);
    hf_cert_sigpipe_restore(&sp);
    if (r < 0)
        return r;
    r = hf_cert_summarize(leaf, info);
    X509_free(leaf);
    if (r < 0)
        hf_err_set(err, errlen, "%s: served certificate unreadable%s", url,
                   r == -ENOMEM ? " (out of memory)" : " (invalid validity dates)");
    return r;
}
