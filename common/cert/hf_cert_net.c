/* hf_cert_net: the network side of the served-certificate comparison: a small
 * strict parser for https://host[:port][/path], name resolution and a TCP
 * connection, all bounded by one monotonic deadline.
 *
 * getaddrinfo() has no timeout of its own, so a host name (not an address
 * literal) is resolved in a detached helper thread with every signal blocked;
 * the caller waits for it until the deadline and, when it gives up, leaves the
 * helper to free the shared request when getaddrinfo() returns. */
#include "hf_cert_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- the URL */

static bool hf_cert_host_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '-' || ch == '.' || ch == '_';
}

/* "[v6]" at p: the address into u->host; *end past the ']'. */
static int hf_cert_url_v6(const char *url, const char *p, hf_cert_url *u, const char **end,
                          char *err, size_t errlen)
{
    const char *close = strchr(p, ']');
    unsigned char bin[16];
    size_t n;

    if (!close) {
        hf_err_set(err, errlen, "%s: '[' without a closing ']' in the host", url);
        return -EINVAL;
    }
    n = (size_t)(close - p - 1);
    if (n > 0 && n < sizeof(u->host)) {
        memcpy(u->host, p + 1, n);
        u->host[n] = '\0';
    }
    if (n == 0 || n >= sizeof(u->host) || inet_pton(AF_INET6, u->host, bin) != 1) {
        hf_err_set(err, errlen, "%s: '%.*s' is not an IPv6 address", url, (int)(close - p + 1), p);
        return -EINVAL;
    }
    u->ip_literal = true;
    *end = close + 1;
    return 0;
}

/* A host name or IPv4 address at p into u->host; *end past it. */
static int hf_cert_url_name(const char *url, const char *p, hf_cert_url *u, const char **end,
                            char *err, size_t errlen)
{
    const char *q = p;
    struct in_addr a4;

    if (memchr(p, '@', strcspn(p, "/"))) {
        hf_err_set(err, errlen, "%s: user information (user@host) is not supported", url);
        return -EINVAL;
    }
    while (hf_cert_host_char(*q))
        q++;
    if (*q && *q != ':' && *q != '/') {
        hf_err_set(err, errlen, "%s: invalid character '%c' in the host", url, *q);
        return -EINVAL;
    }
    if (q == p) {
        hf_err_set(err, errlen, "%s: no host", url);
        return -EINVAL;
    }
    if ((size_t)(q - p) > 253) {
        hf_err_set(err, errlen, "%s: host longer than 253 characters", url);
        return -EINVAL;
    }
    memcpy(u->host, p, (size_t)(q - p));
    u->host[q - p] = '\0';
    u->ip_literal = inet_pton(AF_INET, u->host, &a4) == 1;
    *end = q;
    return 0;
}

/* ":port" (or nothing) at p, followed by "/" or the end. */
static int hf_cert_url_port(const char *url, const char *p, hf_cert_url *u, char *err,
                            size_t errlen)
{
    size_t n;
    long v = 0;

    if (*p != ':') {
        if (*p && *p != '/') {
            hf_err_set(err, errlen, "%s: unexpected '%c' after the host", url, *p);
            return -EINVAL;
        }
        memcpy(u->port, "443", 4);
        return 0;
    }
    n = strcspn(++p, "/");
    for (size_t i = 0; i < n && v <= 65535; i++)
        v = p[i] >= '0' && p[i] <= '9' ? v * 10 + (p[i] - '0') : 65536;
    if (n == 0 || n > 5 || v < 1 || v > 65535) {
        hf_err_set(err, errlen, "%s: invalid port '%.*s' (1 to 65535)", url, (int)n, p);
        return -EINVAL;
    }
    snprintf(u->port, sizeof(u->port), "%ld", v);
    return 0;
}

int hf_cert_url_parse(const char *url, hf_cert_url *u, char *err, size_t errlen)
{
    const char *p;
    int r;

    memset(u, 0, sizeof(*u));
    for (p = url; *p; p++) {
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f) {
            hf_err_set(err, errlen, "%s: space or control character at byte %zu", url,
                       (size_t)(p - url) + 1);
            return -EINVAL;
        }
    }
    if (strncasecmp(url, "https://", 8) != 0) {
        hf_err_set(err, errlen, "%s: not an https URL", url);
        return -EINVAL;
    }
    p = url + 8;
    r = *p == '[' ? hf_cert_url_v6(url, p, u, &p, err, errlen)
                  : hf_cert_url_name(url, p, u, &p, err, errlen);
    return r < 0 ? r : hf_cert_url_port(url, p, u, err, errlen);
}

/* ---- waiting */

int hf_cert_net_wait(int fd, short events, double deadline)
{
    for (;;) {
        double left = deadline - hf_mono_now();
        struct pollfd pfd = {.fd = fd, .events = events};
        int n;

        if (left <= 0)
            return -ETIMEDOUT;
        n = poll(&pfd, 1, left > 60.0 ? 60000 : (int)ceil(left * 1000.0));   /* then again */
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -errno;
    }
}

/* ---- resolving */

typedef struct hf_cert_gai {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int refs;                   /* the caller and the helper */
    bool done;
    int rc, sys_errno;          /* getaddrinfo()'s result; errno for EAI_SYSTEM */
    struct addrinfo *res;
    char host[256], port[8];
} hf_cert_gai;

static const struct addrinfo hf_cert_hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                                              .ai_flags = AI_NUMERICSERV};

static void hf_cert_gai_unref(hf_cert_gai *g)
{
    bool last;

    pthread_mutex_lock(&g->mu);
    last = --g->refs == 0;
    pthread_mutex_unlock(&g->mu);
    if (!last)
        return;
    if (g->res)
        freeaddrinfo(g->res);
    pthread_cond_destroy(&g->cv);
    pthread_mutex_destroy(&g->mu);
    free(g);
}

static void *hf_cert_gai_thread(void *arg)
{
    hf_cert_gai *g = arg;
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(g->host, g->port, &hf_cert_hints, &res);
    int e = errno;

    pthread_mutex_lock(&g->mu);
    g->rc = rc;
    g->sys_errno = e;
    g->res = res;
    g->done = true;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    hf_cert_gai_unref(g);
    return NULL;
}

static hf_cert_gai *hf_cert_gai_new(const hf_cert_url *u)
{
    hf_cert_gai *g = calloc(1, sizeof(*g));
    pthread_condattr_t ca;

    if (!g)
        return NULL;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&g->mu, NULL) != 0 || pthread_cond_init(&g->cv, &ca) != 0) {
        pthread_condattr_destroy(&ca);
        free(g);                /* nothing to destroy on Linux when init fails */
        return NULL;
    }
    pthread_condattr_destroy(&ca);
    g->refs = 2;
    hf_strlcpy(g->host, u->host, sizeof(g->host));
    hf_strlcpy(g->port, u->port, sizeof(g->port));
    return g;
}

/* Start the helper detached, with every signal blocked (the caller's
 * handlers, e.g. a plugin's SIGALRM, must run in the caller's threads). */
static int hf_cert_gai_start(hf_cert_gai *g)
{
    pthread_attr_t at;
    pthread_t t;
    sigset_t all, old;
    int rc;

    if (pthread_attr_init(&at) != 0)
        return -ENOMEM;
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&t, &at, hf_cert_gai_thread, g);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&at);
    return -rc;
}

/* getaddrinfo()'s EAI_* codes are negative on glibc: a timeout is none of them. */
#define HF_CERT_GAI_TIMEOUT INT_MIN

/* Wait for the helper until deadline: 0 (*res taken), HF_CERT_GAI_TIMEOUT,
 * or the EAI_* code (*sys_errno set for EAI_SYSTEM). */
static int hf_cert_gai_wait(hf_cert_gai *g, double deadline, struct addrinfo **res, int *sys_errno)
{
    double left = deadline - hf_mono_now();
    struct timespec ts;
    int rc = HF_CERT_GAI_TIMEOUT;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (left > 0) {
        ts.tv_sec += (time_t)left;
        ts.tv_nsec += (long)((left - floor(left)) * 1e9);
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&g->mu);
    while (!g->done && left > 0 && pthread_cond_timedwait(&g->cv, &g->mu, &ts) != ETIMEDOUT)
        ;
    if (g->done) {
        rc = g->rc;
        *sys_errno = g->sys_errno;
        *res = g->res;
        g->res = NULL;
    }
    pthread_mutex_unlock(&g->mu);
    return rc;
}

/* The addresses of a host name, looked up by the helper within the deadline. */
static int hf_cert_resolve_name(const hf_cert_url *u, double deadline, struct addrinfo **res,
                                int *sys_errno)
{
    hf_cert_gai *g = hf_cert_gai_new(u);
    int rc;

    if (!g)
        return EAI_MEMORY;
    if (hf_cert_gai_start(g) < 0) {
        g->refs = 1;            /* no helper: this side frees it */
        hf_cert_gai_unref(g);
        *sys_errno = EAGAIN;
        return EAI_SYSTEM;
    }
    rc = hf_cert_gai_wait(g, deadline, res, sys_errno);
    hf_cert_gai_unref(g);
    return rc;
}

static int hf_cert_resolve(const hf_cert_url *u, double deadline, long budget_ms, const char *url,
                           struct addrinfo **res, char *err, size_t errlen)
{
    struct addrinfo hints = hf_cert_hints;
    int rc, sys_errno = 0;

    *res = NULL;
    if (u->ip_literal) {
        hints.ai_flags |= AI_NUMERICHOST;
        rc = getaddrinfo(u->host, u->port, &hints, res);
        sys_errno = errno;
    } else {
        rc = hf_cert_resolve_name(u, deadline, res, &sys_errno);
    }
    if (rc == HF_CERT_GAI_TIMEOUT) {
        hf_err_set(err, errlen, "%s: resolving %s timed out after %ld ms", url, u->host, budget_ms);
        return -ETIMEDOUT;
    }
    if (rc != 0) {
        hf_err_set(err, errlen, "%s: cannot resolve %s: %s", url, u->host,
                   rc == EAI_SYSTEM ? strerror(sys_errno) : gai_strerror(rc));
        return rc == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
    }
    return 0;
}

/* ---- connecting */

/* One address: 0 (*fd connected), -ETIMEDOUT, or another negative errno. */
static int hf_cert_connect_one(const struct addrinfo *ai, double deadline, int *fd)
{
    int s = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    int r = 0, so = 0;
    socklen_t sl = sizeof(so);

    if (s < 0)
        return -errno;
    if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
        r = errno == EINPROGRESS ? hf_cert_net_wait(s, POLLOUT, deadline) : -errno;
        if (r == 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &so, &sl) < 0)
            r = -errno;
        else if (r == 0 && so != 0)
            r = -so;
    }
    if (r < 0) {
        close(s);
        return r;
    }
    *fd = s;
    return 0;
}

static void hf_cert_addr_str(const struct addrinfo *ai, char *buf, size_t n)
{
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, buf, (socklen_t)n, NULL, 0, NI_NUMERICHOST) != 0)
        hf_strlcpy(buf, "?", n);
}

int hf_cert_net_connect(const hf_cert_url *u, double deadline, long budget_ms, const char *url,
                        int *fd, char *err, size_t errlen)
{
    struct addrinfo *res, *ai;
    char addr[INET6_ADDRSTRLEN + 8] = "";
    int r = hf_cert_resolve(u, deadline, budget_ms, url, &res, err, errlen);

    *fd = -1;
    if (r < 0)
        return r;
    r = -EHOSTUNREACH;
    for (ai = res; ai; ai = ai->ai_next) {
        hf_cert_addr_str(ai, addr, sizeof(addr));
        r = hf_cert_connect_one(ai, deadline, fd);
        if (r == 0 || r == -ETIMEDOUT)
            break;
    }
    freeaddrinfo(res);
    if (r == -ETIMEDOUT)
        hf_err_set(err, errlen, "%s: connecting to %s port %s timed out after %ld ms", url,
                   addr, u->port, budget_ms);
    else if (r < 0)
        hf_err_set(err, errlen, "%s: cannot connect to %s port %s: %s", url,
                   addr[0] ? addr : u->host, u->port, strerror(-r));
    return r;
}
