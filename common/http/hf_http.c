/* hf_http: one HTTP(S) GET through libcurl, bounded in time and memory.
 *
 * A transfer lives on the stack or in the result; the easy handle comes
 * from the process-wide pool (hf_http_pool.c) and goes back to it, so its
 * open connection serves the next request to the same host:port.
 * The peer chain's earliest expiry is read from the live TLS connection
 * while the response arrives (SSL_get_peer_cert_chain: the same chain on a
 * reused connection), else from CURLOPT_CERTINFO; when verification fails,
 * a second connect-only attempt with verification off reads the chain
 * (nothing is sent over it) so the result still tells how many days are
 * left. */
#include "hf_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hf_config.h"
#include "hf_http_int.h"

#define HF_HTTP_DEFAULT_TIMEOUT_MS 10000L
#define HF_HTTP_DEFAULT_MAX_BODY ((size_t)4 << 20)
#define HF_HTTP_FIRST_CHUNK ((size_t)16 << 10)
#define HF_HTTP_MIN_CHAIN_MS 20L     /* below this, do not try to read the chain */

void hf_http_result_free(hf_http_result *res)
{
    if (!res)
        return;
    free(res->body);
    res->body = NULL;
}

/* ---- validation ---------------------------------------------------------- */

int hf_http_url_check(const char *url, char *err, size_t n)
{
    CURLU *u;
    CURLUcode uc;
    char *scheme = NULL, *host = NULL;
    int r = 0;

    if (!url || !*url) {
        hf_err_set(err, n, "empty URL");
        return -EINVAL;
    }
    (void)hf_http_init();       /* libcurl's globals before any of its calls (threads) */
    u = curl_url();
    if (!u) {
        hf_err_set(err, n, "out of memory");
        return -ENOMEM;
    }
    uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc != CURLUE_OK) {
        hf_err_set(err, n, "'%s': %s", url, curl_url_strerror(uc));
        r = -EINVAL;
    } else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
               (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        hf_err_set(err, n, "'%s': scheme must be http or https", url);
        r = -EINVAL;
    } else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
        hf_err_set(err, n, "'%s': no host", url);
        r = -EINVAL;
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return r;
}

int hf_http_regex_check(const char *re, char *err, size_t n)
{
    regex_t rx;
    int rc;

    if (!re) {
        hf_err_set(err, n, "no regular expression");
        return -EINVAL;
    }
    rc = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &rx, msg, sizeof(msg));
        hf_err_set(err, n, "'%s': %s", re, msg);
        return -EINVAL;
    }
    regfree(&rx);
    return 0;
}

/* ---- certificate chain --------------------------------------------------- */

/* Days until notAfter of one certificate; NAN when unknown. */
static double hfh_x509_days_left(const X509 *x)
{
    int day = 0, sec = 0;

    if (x && ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(x)))
        return (double)day + (double)sec / 86400.0;
    return NAN;
}

/* The same for one PEM certificate; NAN when it does not parse. */
static double hfh_pem_days_left(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    double days = hfh_x509_days_left(x);

    X509_free(x);
    BIO_free(bio);
    return days;
}

static double hfh_min_days(double best, double d)
{
    return !isnan(d) && (isnan(best) || d < best) ? d : best;
}

/* Earliest expiry over the chain the connection in use received (the
 * peer's certificate included), NAN without TLS. Only during a transfer:
 * libcurl detaches the connection from the handle when it is done. A
 * session resumed from the shared cache keeps the chain it was made with;
 * should a library drop it, the peer's own certificate still counts. */
static double hfh_live_chain_days(CURL *h, bool *resumed)
{
    struct curl_tlssessioninfo *tsi = NULL;
    STACK_OF(X509) *sk;
    X509 *leaf;
    double best = NAN;

    if (curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &tsi) != CURLE_OK || !tsi ||
        tsi->backend != CURLSSLBACKEND_OPENSSL || !tsi->internals)
        return NAN;
    *resumed = SSL_session_reused(tsi->internals) == 1;
    sk = SSL_get_peer_cert_chain(tsi->internals);
    for (int i = 0; sk && i < sk_X509_num(sk); i++)
        best = hfh_min_days(best, hfh_x509_days_left(sk_X509_value(sk, i)));
    if (isnan(best) && (leaf = SSL_get1_peer_certificate(tsi->internals))) {
        best = hfh_x509_days_left(leaf);
        X509_free(leaf);
    }
    return best;
}

/* Earliest expiry over the chain libcurl collected (NAN when none). */
static double hfh_chain_days_left(CURL *h)
{
    struct curl_certinfo *ci = NULL;
    double best = NAN;

    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci)
        return NAN;
    for (int i = 0; i < ci->num_of_certs; i++)
        for (struct curl_slist *s = ci->certinfo[i]; s; s = s->next)
            if (strncmp(s->data, "Cert:", 5) == 0)
                best = hfh_min_days(best, hfh_pem_days_left(s->data + 5));
    return best;
}

/* ---- transfer callbacks -------------------------------------------------- */

typedef struct hfh_body {
    char *buf;                  /* NUL-terminated once allocated */
    size_t len, cap, max;
    size_t total;               /* bytes received, kept or not */
    bool oom;
} hfh_body;

static size_t hfh_on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    hfh_body *b = ud;
    size_t n = size * nmemb, keep = b->max - b->len;

    b->total += n;
    if (keep > n)
        keep = n;
    if (keep && b->len + keep + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : HF_HTTP_FIRST_CHUNK;
        char *nb;
        while (cap < b->len + keep + 1)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        nb = realloc(b->buf, cap);
        if (!nb) {
            b->oom = true;
            return 0;           /* aborts the transfer: CURLE_WRITE_ERROR */
        }
        b->buf = nb;
        b->cap = cap;
    }
    if (keep) {
        memcpy(b->buf + b->len, data, keep);
        b->len += keep;
        b->buf[b->len] = '\0';
    }
    return n;
}

typedef struct hfh_head {
    CURL *h;
    hf_http_result *res;
    double chain_days;          /* read from the live connection; NAN: not read */
    bool resumed;               /* its TLS session was resumed */
} hfh_head;

/* Status line "HTTP/1.1 200 OK": keep the reason phrase of the last one,
 * and read the chain of the connection that answered. */
static size_t hfh_on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    hfh_head *hd = ud;
    hf_http_result *res = hd->res;
    size_t n = size * nmemb, i = 0, start;

    if (n < 5 || memcmp(data, "HTTP/", 5) != 0)
        return n;
    hd->chain_days = hfh_live_chain_days(hd->h, &hd->resumed);
    res->reason[0] = '\0';
    while (i < n && data[i] != ' ')         /* version */
        i++;
    while (i < n && data[i] == ' ')
        i++;
    while (i < n && data[i] != ' ' && data[i] != '\r' && data[i] != '\n')   /* code */
        i++;
    while (i < n && data[i] == ' ')
        i++;
    start = i;
    while (i < n && data[i] != '\r' && data[i] != '\n')
        i++;
    if (i > start) {
        size_t len = i - start < sizeof(res->reason) - 1 ? i - start : sizeof(res->reason) - 1;
        memcpy(res->reason, data + start, len);
        res->reason[len] = '\0';
        for (size_t k = 0; k < len; k++)    /* printable only: it ends up in output */
            if ((unsigned char)res->reason[k] < 0x20 || res->reason[k] == 0x7f)
                res->reason[k] = '?';
    }
    return n;
}

/* ---- one attempt ---------------------------------------------------------- */

typedef struct hfh_attempt {
    const hf_http_config *cfg;
    long timeout_ms;
    bool verify;                /* verify peer and host */
    bool connect_only;          /* read the chain, send nothing */
    bool fresh;                 /* a new connection, not one from the pool */
    char errbuf[CURL_ERROR_SIZE];
} hfh_attempt;

/* A handle for the attempt back where it came from: a connect-only one is
 * closed (its connection is not for requests), the others go to the pool. */
static void hfh_release(const hfh_attempt *a, CURL *h)
{
    if (a->connect_only)
        curl_easy_cleanup(h);
    else
        hfh_pool_give(h, a->cfg->url);
}

/* A handle set up for the attempt (hd->h is set to it), or NULL. */
static CURL *hfh_easy(hfh_attempt *a, hfh_body *body, hfh_head *hd)
{
    const hf_http_config *cfg = a->cfg;
    long cto = cfg->connect_timeout_ms > 0 && cfg->connect_timeout_ms < a->timeout_ms
                   ? cfg->connect_timeout_ms : a->timeout_ms;
    CURL *h = a->connect_only ? curl_easy_init() : hfh_pool_take(cfg->url);
    CURLcode c = CURLE_OK;

    if (!h)
        return NULL;
    hd->h = h;
    a->errbuf[0] = '\0';
#define HFH_SET(opt, val) do { if (c == CURLE_OK) c = curl_easy_setopt(h, opt, val); } while (0)
    HFH_SET(CURLOPT_ERRORBUFFER, a->errbuf);
    if (hfh_share())
        HFH_SET(CURLOPT_SHARE, hfh_share());
    HFH_SET(CURLOPT_URL, cfg->url);
    HFH_SET(CURLOPT_PROTOCOLS_STR, "http,https");
    HFH_SET(CURLOPT_NOSIGNAL, 1L);
    HFH_SET(CURLOPT_PROXY, "");        /* the target itself, never an environment proxy */
    HFH_SET(CURLOPT_TIMEOUT_MS, a->timeout_ms);
    HFH_SET(CURLOPT_CONNECTTIMEOUT_MS, cto);
    HFH_SET(CURLOPT_USERAGENT, "helixflow-monitoring/" HF_VERSION);
    HFH_SET(CURLOPT_CERTINFO, 1L);
    HFH_SET(CURLOPT_FRESH_CONNECT, a->fresh || cfg->fresh_connection ? 1L : 0L);
    HFH_SET(CURLOPT_SSL_VERIFYPEER, a->verify ? 1L : 0L);
    HFH_SET(CURLOPT_SSL_VERIFYHOST, a->verify ? 2L : 0L);
    if (cfg->ca_file || cfg->ca_path) {
        /* instead of the system store: NULL disables the built-in default
         * (Debian's libcurl adds CApath /etc/ssl/certs even to a CAfile) */
        HFH_SET(CURLOPT_CAINFO, cfg->ca_file);
        HFH_SET(CURLOPT_CAPATH, cfg->ca_path);
    }
    if (a->connect_only) {
        HFH_SET(CURLOPT_CONNECT_ONLY, 1L);
    } else {
        HFH_SET(CURLOPT_WRITEFUNCTION, hfh_on_body);
        HFH_SET(CURLOPT_WRITEDATA, body);
        HFH_SET(CURLOPT_HEADERFUNCTION, hfh_on_header);
        HFH_SET(CURLOPT_HEADERDATA, hd);
        if (cfg->max_redirects > 0) {
            HFH_SET(CURLOPT_FOLLOWLOCATION, 1L);
            HFH_SET(CURLOPT_MAXREDIRS, cfg->max_redirects);
            HFH_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        }
    }
#undef HFH_SET
    if (c != CURLE_OK) {
        hf_err_set(a->errbuf, sizeof(a->errbuf), "%s", curl_easy_strerror(c));
        hfh_release(a, h);
        return NULL;
    }
    return h;
}

static double hfh_time(CURL *h, CURLINFO what)
{
    curl_off_t us = 0;

    if (curl_easy_getinfo(h, what, &us) != CURLE_OK || us < 0)
        return 0;
    return (double)us / 1e6;
}

static void hfh_timings(CURL *h, hf_http_result *res)
{
    res->t_dns = hfh_time(h, CURLINFO_NAMELOOKUP_TIME_T);
    res->t_connect = hfh_time(h, CURLINFO_CONNECT_TIME_T);
    res->t_tls = hfh_time(h, CURLINFO_APPCONNECT_TIME_T);
    res->t_ttfb = hfh_time(h, CURLINFO_STARTTRANSFER_TIME_T);
    res->t_total = hfh_time(h, CURLINFO_TOTAL_TIME_T);
}

static int hfh_errno(CURL *h, CURLcode c, const hfh_body *body)
{
    long oserr = 0;

    switch (c) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
        return -EINVAL;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
        return -EHOSTUNREACH;
    case CURLE_COULDNT_CONNECT:
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
        if (oserr == EHOSTUNREACH || oserr == ENETUNREACH)
            return -EHOSTUNREACH;
        if (oserr == ETIMEDOUT)
            return -ETIMEDOUT;
        return -ECONNREFUSED;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_GOT_NOTHING:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
        return -EPROTO;
    case CURLE_TOO_MANY_REDIRECTS:
        return -ELOOP;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    case CURLE_WRITE_ERROR:
        return body->oom ? -ENOMEM : -EIO;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
        return -ECONNRESET;
    default:
        return -EIO;
    }
}

/* ---- the checks over the body --------------------------------------------- */

static void hfh_check_body(const hf_http_config *cfg, const regex_t *rx, const hfh_body *b,
                           hf_http_result *res)
{
    const char *s = b->buf ? b->buf : "";

    if (cfg->expect_substring)
        res->substring_ok = !*cfg->expect_substring ||
                            (b->len && memmem(s, b->len, cfg->expect_substring,
                                              strlen(cfg->expect_substring)) != NULL);
    if (rx) {
        regmatch_t m[1] = {{.rm_so = 0, .rm_eo = (regoff_t)b->len}};
        res->regex_ok = regexec(rx, s, 1, m, REG_STARTEND) == 0;
    }
    if (cfg->expect_model) {
        char err[HF_ERR_MAX];
        int r = hf_http_models_find(s, b->len, cfg->expect_model, err, sizeof(err));
        res->model_ok = r == 1;
        if (r < 0 && res->truncated)
            hf_err_set(res->check_error, sizeof(res->check_error),
                       "body larger than %zu bytes, checked only that much: %s", b->max, err);
        else if (r < 0)
            hf_strlcpy(res->check_error, err, sizeof(res->check_error));
    }
}

/* ---- the probe ------------------------------------------------------------- */

/* After a verification failure: the reason, then the chain with verify off. */
static void hfh_verify_failed(const hf_http_config *cfg, CURL *h, const char *errbuf,
                              long left_ms, hf_http_result *res)
{
    long vr = 0;
    hfh_attempt a = {.cfg = cfg, .timeout_ms = left_ms, .verify = false, .connect_only = true};
    hfh_head hd = {.res = res, .chain_days = NAN};
    CURL *h2;

    /* OpenSSL's reason for a chain failure; libcurl's own for a name mismatch
     * (it then leaves X509_V_ERR_UNSPECIFIED) */
    if (curl_easy_getinfo(h, CURLINFO_SSL_VERIFYRESULT, &vr) == CURLE_OK && vr != X509_V_OK &&
        vr != X509_V_ERR_UNSPECIFIED)
        hf_strlcpy(res->verify_error, X509_verify_cert_error_string(vr), sizeof(res->verify_error));
    else if (strncmp(errbuf, "SSL: ", 5) == 0)
        hf_strlcpy(res->verify_error, errbuf + 5, sizeof(res->verify_error));
    else
        hf_strlcpy(res->verify_error, *errbuf ? errbuf : "peer verification failed",
                   sizeof(res->verify_error));
    res->cert_days_left = hfh_chain_days_left(h);
    if (!isnan(res->cert_days_left) || left_ms < HF_HTTP_MIN_CHAIN_MS)
        return;
    h2 = hfh_easy(&a, NULL, &hd);
    if (!h2)
        return;
    if (curl_easy_perform(h2) == CURLE_OK)
        res->cert_days_left = hfh_chain_days_left(h2);
    hfh_release(&a, h2);
}

static bool hfh_is_https(CURL *h, const char *url)
{
    const char *scheme = NULL;

    if (curl_easy_getinfo(h, CURLINFO_SCHEME, &scheme) == CURLE_OK && scheme)
        return strcasecmp(scheme, "https") == 0;
    return strncasecmp(url, "https:", 6) == 0;
}

/* A transfer that failed: why, and for an unverifiable peer the chain. */
static int hfh_failed(const hfh_attempt *a, CURL *h, CURLcode c, const hfh_body *body,
                      double t0, hf_http_result *res)
{
    const hf_http_config *cfg = a->cfg;
    int r = hfh_errno(h, c, body);

    hf_err_set(res->error, sizeof(res->error), "GET %s: %s", cfg->url,
               body->oom ? "out of memory for the body" : *a->errbuf ? a->errbuf
                                                                     : curl_easy_strerror(c));
    /* an unverifiable peer, or a CA store that cannot be read (a given
     * file, or no system store at all): say why, still read the chain */
    if (res->tls && (c == CURLE_PEER_FAILED_VERIFICATION || c == CURLE_SSL_CACERT_BADFILE)) {
        long left = a->timeout_ms - (long)((hf_mono_now() - t0) * 1000.0);
        hfh_verify_failed(cfg, h, a->errbuf, left, res);
    }
    return r;
}

/* A response arrived: status, trust, chain, body checks. */
static void hfh_answered(const hf_http_config *cfg, const regex_t *rx, CURL *h,
                         const hfh_head *hd, hfh_body *body, hf_http_result *res)
{
    res->done = true;
    res->tls_resumed = hd->resumed && !res->reused;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
    res->status_ok = cfg->expect_status > 0 ? res->status == cfg->expect_status
                                            : res->status >= 200 && res->status <= 299;
    if (res->tls) {
        res->verify_ok = !cfg->insecure;
        if (cfg->insecure)
            hf_strlcpy(res->verify_error, "verification disabled (insecure)",
                       sizeof(res->verify_error));
        res->cert_days_left = !isnan(hd->chain_days) ? hd->chain_days : hfh_chain_days_left(h);
    }
    hfh_check_body(cfg, rx, body, res);
    if (cfg->keep_body) {
        res->body = body->buf ? body->buf : strdup("");
        body->buf = NULL;
    }
}

/* A failure that a reused connection can cause (the server closed it, or
 * left bytes of an earlier response on it): worth one try on a new one. */
static bool hfh_retryable(CURLcode c)
{
    switch (c) {
    case CURLE_UNSUPPORTED_PROTOCOL:    /* "Received HTTP/0.9": leftover bytes */
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_SSL_CONNECT_ERROR:
        return true;
    default:
        return false;
    }
}

/* One attempt. *retry: it failed over a reused connection in a way a new
 * connection may not (res is then to be discarded). */
static int hfh_attempt_run(hfh_attempt *a, const regex_t *rx, double t0, hf_http_result *res,
                           bool *retry)
{
    const hf_http_config *cfg = a->cfg;
    hfh_body body = {.max = cfg->max_body ? cfg->max_body : HF_HTTP_DEFAULT_MAX_BODY};
    hfh_head hd = {.res = res, .chain_days = NAN};
    CURL *h = hfh_easy(a, &body, &hd);
    long connects = -1;
    CURLcode c;
    int r = 0;

    *retry = false;
    if (!h) {
        hf_err_set(res->error, sizeof(res->error), "GET %s: %s", cfg->url,
                   *a->errbuf ? a->errbuf : "cannot create a libcurl handle");
        return -ENOMEM;
    }
    c = curl_easy_perform(h);
    hfh_timings(h, res);
    res->tls = hfh_is_https(h, cfg->url);
    res->size = body.total;
    res->truncated = body.total > body.len;
    if (curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects) != CURLE_OK)
        connects = -1;
    res->reused = connects == 0 && c == CURLE_OK;
    if (c != CURLE_OK && connects == 0 && !a->fresh && hfh_retryable(c))
        *retry = true;
    else if (c != CURLE_OK)
        r = hfh_failed(a, h, c, &body, t0, res);
    else
        hfh_answered(cfg, rx, h, &hd, &body, res);
    free(body.buf);
    hfh_release(a, h);
    return r;
}

static int hfh_transfer(const hf_http_config *cfg, const regex_t *rx, hf_http_result *res)
{
    long timeout = cfg->timeout_ms > 0 ? cfg->timeout_ms : HF_HTTP_DEFAULT_TIMEOUT_MS;
    hfh_attempt a = {.cfg = cfg, .timeout_ms = timeout, .verify = !cfg->insecure};
    const hf_http_result blank = *res;
    double t0 = hf_mono_now();
    bool retry;
    int r = hfh_attempt_run(&a, rx, t0, res, &retry);

    if (retry) {                /* once, on a new connection, in the time left */
        a.timeout_ms = timeout - (long)((hf_mono_now() - t0) * 1000.0);
        a.fresh = true;
        *res = blank;
        if (a.timeout_ms < 1)
            a.timeout_ms = 1;
        r = hfh_attempt_run(&a, rx, t0, res, &retry);
    }
    return r;
}

int hf_http_probe(const hf_http_config *cfg, hf_http_result *res)
{
    regex_t rx;
    bool have_rx = false;
    int r;

    memset(res, 0, sizeof(*res));
    res->cert_days_left = NAN;
    res->substring_ok = res->regex_ok = res->model_ok = true;
    if (!cfg || !cfg->url || !*cfg->url) {
        hf_err_set(res->error, sizeof(res->error), "no URL to GET");
        return -EINVAL;
    }
    if (hf_http_init() < 0) {
        hf_err_set(res->error, sizeof(res->error), "GET %s: cannot initialise libcurl", cfg->url);
        return -ENOMEM;
    }
    r = hf_http_url_check(cfg->url, res->error, sizeof(res->error));
    if (r < 0)
        return r;
    if (cfg->expect_regex) {
        int rc = regcomp(&rx, cfg->expect_regex, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &rx, msg, sizeof(msg));
            hf_err_set(res->error, sizeof(res->error), "GET %s: expected regex '%s': %s",
                       cfg->url, cfg->expect_regex, msg);
            return -EINVAL;
        }
        have_rx = true;
    }
    r = hfh_transfer(cfg, have_rx ? &rx : NULL, res);
    if (have_rx)
        regfree(&rx);
    return r;
}
