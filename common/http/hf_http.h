/* hf_http: one HTTP(S) GET through libcurl, bounded in time.
 *
 * Initialisation: hf_http_init() once per process, from any thread (once
 * inside, under a mutex; the check kinds call it from their init hook, and
 * hf_http_probe and hf_http_url_check call it too). libcurl's global
 * state, the share object and the handle pool below then live until the
 * process exits: there is no per-call global init or cleanup
 * (hf_http_global_init/_cleanup are the old names: the first is
 * hf_http_init, the second does nothing).
 *
 * Connections: one TCP connection and one TLS handshake per endpoint for
 * the life of the process. Each transfer takes an idle easy handle from a
 * process-wide pool (at most 8 idle; one that last talked to the same
 * scheme://host:port first) and gives it back afterwards with its open
 * connections, so the next request to that host:port goes over the same
 * connection (res->reused; no connect, no handshake): in check_helixflow
 * the health, models and metrics URLs of one host:port share one
 * connection, and collectd's read threads reuse theirs between intervals.
 * A connection is reused only for the same TLS settings (CA, verification;
 * libcurl compares them) and never by two transfers at once: a handle is
 * used by one thread at a time. Every handle also uses one process-wide
 * share object (CURLSH) holding the DNS cache and the TLS sessions
 * (CURL_LOCK_DATA_DNS, CURL_LOCK_DATA_SSL_SESSION, a pthread mutex per
 * kind of data), so a new connection to a known host resumes its TLS
 * session. The connection cache itself is deliberately not in the share:
 * libcurl does not support sharing connections between concurrent threads
 * (CURLSHOPT_SHARE(3), CURL_LOCK_DATA_CONNECT; curl issues #13347,
 * #13840), which collectd's read threads would do.
 *
 * The chain's expiry on a reused connection is that of the chain the
 * connection was made with (read from the live TLS connection while the
 * response arrives).
 *
 * fresh_connection asks for a new connection (and so a handshake, resumed
 * when the share has a session) even when one is open.
 *
 * A request that fails over a reused connection in a way a new one may
 * not (the server closed it while idle, or left bytes of an earlier
 * response on it: "Received HTTP/0.9") is tried once more on a new
 * connection, in the time left; timeouts are never retried.
 *
 * Thread-safe: concurrent probes from any threads. Tests:
 * tests/unit/test_http_reuse.h (run by test_http: test_reuse_one_handshake,
 * test_reuse_resumed_session, test_reuse_threads). */
#ifndef HF_HTTP_H
#define HF_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_util.h"

typedef struct hf_http_config {
    const char *url;                /* required */
    long timeout_ms;                /* whole transfer; 0 = 10000 */
    long connect_timeout_ms;        /* 0 = timeout_ms */
    long expect_status;             /* 0 = any 2xx */
    const char *expect_substring;   /* NULL = not checked */
    const char *expect_regex;       /* POSIX ERE; NULL = not checked */
    const char *expect_model;       /* model id expected in a /v1/models list; NULL = not checked */
    const char *ca_file;            /* NULL = system store */
    const char *ca_path;            /* NULL = system store */
    bool insecure;                  /* skip verification (default false: verify) */
    bool keep_body;                 /* keep the body in the result */
    size_t max_body;                /* bytes kept / scanned; 0 = 4 MiB */
    long max_redirects;             /* redirects followed; 0 = none (3xx is the answer) */
    bool fresh_connection;          /* a new connection even when one is open (see Connections) */
} hf_http_config;

typedef struct hf_http_result {
    bool done;                      /* a response arrived (any status) */
    long status;                    /* HTTP status, 0 when none */
    bool status_ok;                 /* matches expect_status (or 2xx) */
    bool substring_ok;              /* true when not checked */
    bool regex_ok;                  /* true when not checked */
    bool model_ok;                  /* true when not checked */
    size_t size;                    /* body bytes received */
    double t_dns, t_connect, t_tls, t_ttfb, t_total;  /* seconds from start */
    bool tls;                       /* https */
    bool verify_ok;                 /* peer chain verified (https only) */
    char verify_error[HF_ERR_MAX];  /* reason when !verify_ok */
    double cert_days_left;          /* earliest notAfter in the peer chain; NAN without TLS */
    char *body;                     /* owned by the result when keep_body; NUL-terminated */
    char error[HF_ERR_MAX];         /* transfer error naming the URL; "" when done */
    char reason[64];                /* status line reason phrase ("OK"); "" when none (HTTP/2) */
    bool truncated;                 /* body larger than max_body: checks saw the first max_body bytes */
    char check_error[HF_ERR_MAX];   /* why the model check failed (not a list, malformed at byte N) */
    bool reused;                    /* answered over a connection already open (no connect, no handshake) */
    bool tls_resumed;               /* a new TLS connection that resumed a shared session */
} hf_http_result;

/* Once per process, from any thread (idempotent: once, under a mutex).
 * Returns 0 or -EIO (libcurl could not be initialised; every probe then
 * fails with -ENOMEM, "cannot initialise libcurl"). */
int hf_http_init(void);
/* The old name of hf_http_init. */
int hf_http_global_init(void);

/* Perform the GET. Fills *res (which must be freed with hf_http_result_free).
 * Returns 0 when a response arrived (check res->status_ok etc.), or a
 * negative errno with res->error set (-ETIMEDOUT, -ECONNREFUSED, -EINVAL...). */
int hf_http_probe(const hf_http_config *cfg, hf_http_result *res);

/* Frees what the result owns (the body); accepts NULL. */
void hf_http_result_free(hf_http_result *res);

/* Does nothing (kept for old callers): libcurl, the share and the pool
 * stay initialised until the process exits. */
void hf_http_global_cleanup(void);

/* Close every idle pooled connection and drop the share (DNS cache, TLS
 * sessions): a long-running front-end's shutdown (collectd's), after its
 * last transfer. libcurl's global state stays (other collectd plugins use
 * libcurl); a transfer after this still works, without the share. Not to
 * be called while transfers run. */
void hf_http_shutdown(void);

/* Validate a URL the way the probe will use it: parseable, scheme http or
 * https, a host. Returns 0 or -EINVAL with a message in err (size n). */
int hf_http_url_check(const char *url, char *err, size_t n);

/* Validate a POSIX ERE. Returns 0 or -EINVAL with regerror's text in err. */
int hf_http_regex_check(const char *re, char *err, size_t n);

/* Look for model id `model` in an OpenAI-style list body
 * {"data":[{"id":"<model>",...},...],...} of len bytes (need not be
 * NUL-terminated; never read past len). Only "id" members of objects that
 * are elements of the top-level "data" array count; strings are compared
 * after JSON unescaping. Returns 1 found, 0 not found in a well-formed list,
 * -EBADMSG when the body is not such a list or is malformed/truncated (err,
 * size n, names the byte offset). Nesting deeper than 64 is -EBADMSG. */
int hf_http_models_find(const char *body, size_t len, const char *model, char *err, size_t n);

#endif
