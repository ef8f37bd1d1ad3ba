/* libFuzzer target: arbitrary bytes as a certificate file (PEM or DER, single
 * or bundle). hf_cert_parse_buffer must accept or reject without crashing or
 * leaking; a rejection names the file and a reason, an acceptance yields
 * sane summaries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_cert.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hf_cert_info *certs = NULL;
    size_t n = 0, skipped = 0;
    bool der = false;
    char err[HF_ERR_MAX] = "";
    int r;

    if (size > 256 * 1024)
        return 0;
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
