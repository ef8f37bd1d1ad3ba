/* hf_http: one HTTP(S) GET through libcurl, bounded in time.
 *
 * Thread-safe once hf_http_global_init() has run (call it from main or the
 * plugin's init before any thread starts). */
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
} hf_http_result;

/* Once per process, before threads. Returns 0 or -EIO. */
int hf_http_global_init(void);

/* Perform the GET. Fills *res (which must be freed with hf_http_result_free).
 * Returns 0 when a response arrived (check res->status_ok etc.), or a
 * negative errno with res->error set (-ETIMEDOUT, -ECONNREFUSED, -EINVAL...). */
int hf_http_probe(const hf_http_config *cfg, hf_http_result *res);

/* Frees what the result owns (the body); accepts NULL. */
void hf_http_result_free(hf_http_result *res);

/* Pairs with hf_http_global_init (libcurl counts the calls); at exit. */
void hf_http_global_cleanup(void);

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
