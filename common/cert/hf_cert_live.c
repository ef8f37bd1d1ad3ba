/* hf_cert_live: the leaf certificate a live https endpoint serves, fetched
 * with a bounded TLS handshake (libcurl, CURLOPT_CONNECT_ONLY + CERTINFO:
 * no request is sent; the peer is not verified, only compared). */
#include "hf_cert_int.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#define HF_CERT_LIVE_DEFAULT_MS 10000

static int hf_cert_curl_errno(CURLcode c)
{
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT: return -ETIMEDOUT;
    case CURLE_COULDNT_CONNECT: return -ECONNREFUSED;
    case CURLE_COULDNT_RESOLVE_HOST: return -EHOSTUNREACH;
    case CURLE_OUT_OF_MEMORY: return -ENOMEM;
    case CURLE_UNSUPPORTED_PROTOCOL: case CURLE_URL_MALFORMAT: return -EINVAL;
    default: return -EIO;
    }
}

/* The PEM of certificate 0 ("Cert:" field of CURLINFO_CERTINFO), or NULL. */
static const char *hf_cert_leaf_pem(CURL *h)
{
    struct curl_certinfo *ci = NULL;

    if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci || ci->num_of_certs < 1)
        return NULL;
    for (struct curl_slist *s = ci->certinfo[0]; s; s = s->next)
        if (strncmp(s->data, "Cert:", 5) == 0)
            return s->data + 5;
    return NULL;
}

static int hf_cert_pem_to_info(const char *pem, const char *url, hf_cert_info *info,
                               char *err, size_t errlen)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    int r;

    BIO_free(b);
    if (!x) {
        hf_err_set(err, errlen, "%s: served certificate unreadable (PEM_read_bio_X509: %s)", url,
                   hf_cert_ossl_reason());
        return -EBADMSG;
    }
    r = hf_cert_summarize(x, info);
    X509_free(x);
    if (r < 0)
        hf_err_set(err, errlen, "%s: served certificate unreadable", url);
    return r;
}

int hf_cert_fetch_served(const char *url, long timeout_ms, hf_cert_info *info,
                         char *err, size_t errlen)
{
    char cerr[CURL_ERROR_SIZE] = "";
    CURL *h;
    CURLcode c;
    const char *pem;
    int r;

    memset(info, 0, sizeof(*info));
    if (strncasecmp(url, "https://", 8) != 0) {
        hf_err_set(err, errlen, "%s: not an https URL", url);
        return -EINVAL;
    }
    h = curl_easy_init();
    if (!h) {
        hf_err_set(err, errlen, "%s: cannot initialise libcurl", url);
        return -ENOMEM;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
    curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);    /* compared, not trusted */
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : HF_CERT_LIVE_DEFAULT_MS);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
    curl_easy_setopt(h, CURLOPT_PROXY, "");             /* the endpoint itself */
    c = curl_easy_perform(h);
    if (c != CURLE_OK) {
        hf_err_set(err, errlen, "%s: %s", url, cerr[0] ? cerr : curl_easy_strerror(c));
        curl_easy_cleanup(h);
        return hf_cert_curl_errno(c);
    }
    pem = hf_cert_leaf_pem(h);
    if (!pem) {
        hf_err_set(err, errlen, "%s: the server sent no certificate", url);
        r = -ENODATA;
    } else {
        r = hf_cert_pem_to_info(pem, url, info, err, errlen);
    }
    curl_easy_cleanup(h);
    return r;
}
