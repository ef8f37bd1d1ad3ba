/* libFuzzer target: arbitrary bytes as a certificate file (PEM or DER, single
 * or bundle). hf_cert_parse_buffer must accept or reject without crashing or
 * leaking; a rejection names the file and a reason, an acceptance yields
 * sane summaries. The same bytes (up to the first NUL) also go to the
 * served-certificate URL parser: an accepted URL has a host and a port
 * 1..65535, a rejected one an error starting with the URL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_cert.h"
#include "hf_cert_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_info(const hf_cert_info *ci)
{
    if (ci->nsans > HF_CERT_MAX_SANS || ci->nsans > ci->san_total)
        abort();
    if (memchr(ci->subject, '\0', sizeof(ci->subject)) == NULL ||
        memchr(ci->issuer, '\0', sizeof(ci->issuer)) == NULL ||
        memchr(ci->serial, '\0', sizeof(ci->serial)) == NULL ||
        memchr(ci->not_after_asn1, '\0', sizeof(ci->not_after_asn1)) == NULL)
        abort();
    for (size_t i = 0; i < ci->nsans; i++)
        if (memchr(ci->sans[i], '\0', HF_CERT_SAN_LEN) == NULL)
            abort();
}

static void check_url(const uint8_t *data, size_t size)
{
    char url[512], err[HF_ERR_MAX] = "";
    size_t n = size < sizeof(url) - 1 ? size : sizeof(url) - 1;
    hf_cert_url u;
    long port;

    memcpy(url, data, n);
    url[n] = '\0';
    if (hf_cert_url_parse(url, &u, err, sizeof(err)) == 0) {
        port = strtol(u.port, NULL, 10);
        if (!u.host[0] || port < 1 || port > 65535)
            abort();
        return;
    }
    if (strncmp(err, url, strlen(url) < 100 ? strlen(url) : 100) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hf_cert_info *certs = NULL;
    size_t n = 0, skipped = 0;
    bool der = false;
    char err[HF_ERR_MAX] = "";
    int r;

    if (size > 256 * 1024)
        return 0;
    check_url(data, size);
    r = hf_cert_parse_buffer(data, size, "fuzz.crt", &certs, &n, &skipped, &der, err, sizeof(err));
    if (r < 0) {
        if (certs || n || strncmp(err, "fuzz.crt: ", 10) != 0)
            abort();        /* a rejection names the file and its reason */
        return 0;
    }
    if (!certs || n == 0 || n > HF_CERT_MAX_CHAIN)
        abort();
    for (size_t i = 0; i < n; i++)
        check_info(&certs[i]);
    free(certs);
    return 0;
}
