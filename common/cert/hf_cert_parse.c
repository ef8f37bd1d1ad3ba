/* hf_cert_parse: PEM/DER bundle loading and per-certificate summaries. */
#include "hf_cert_int.h"
#include "hf_time.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

const char *hf_cert_ossl_reason(void)
{
    unsigned long e = ERR_peek_error();     /* the first: the root cause */
    const char *r = !e ? NULL : ERR_SYSTEM_ERROR(e) ? strerror(ERR_GET_REASON(e))
                                                    : ERR_reason_error_string(e);

    ERR_clear_error();
    return r ? r : "unknown error";
}

static bool hf_cert_is_cert_block(const char *name)
{
    return strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0 ||
           strcmp(name, PEM_STRING_X509_TRUSTED) == 0;
}

/* Append x to the chain (taking it), or free it when the chain is full. */
static int hf_cert_push(STACK_OF(X509) *sk, X509 *x, const char *name, char *err, size_t errlen)
{
    if (sk_X509_num(sk) >= HF_CERT_MAX_CHAIN || !sk_X509_push(sk, x)) {
        X509_free(x);
        hf_err_set(err, errlen, "%s: more than %d certificates", name, HF_CERT_MAX_CHAIN);
        return -EBADMSG;
    }
    return 0;
}

/* Decode one PEM block's DER as a certificate; pushes onto sk. */
static int hf_cert_pem_block(STACK_OF(X509) *sk, const char *bname, const unsigned char *der,
                             long dlen, const char *name, size_t idx, char *err, size_t errlen)
{
    const unsigned char *p = der;
    bool trusted = strcmp(bname, PEM_STRING_X509_TRUSTED) == 0;
    X509 *x = trusted ? d2i_X509_AUX(NULL, &p, dlen) : d2i_X509(NULL, &p, dlen);

    if (!x) {
        hf_err_set(err, errlen, "%s: PEM block %zu (%s): %s: %s", name, idx, bname,
                   trusted ? "d2i_X509_AUX" : "d2i_X509", hf_cert_ossl_reason());
        return -EBADMSG;
    }
    return hf_cert_push(sk, x, name, err, errlen);
}

static int hf_cert_load_pem(const unsigned char *data, size_t len, const char *name,
                            STACK_OF(X509) *sk, size_t *skipped, char *err, size_t errlen)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    size_t idx = 0;
    int r = 0;

    if (!bio) {
        hf_err_set(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    for (;;) {
        char *bname = NULL, *header = NULL;
        unsigned char *der = NULL;
        long dlen = 0;
        unsigned long e;

        ERR_clear_error();
        if (!PEM_read_bio(bio, &bname, &header, &der, &dlen)) {
            e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE && idx > 0) {
                ERR_clear_error();
                break;              /* end of the file */
            }
            if (idx == 0)
                hf_err_set(err, errlen, "%s: no certificate found (PEM_read_bio: %s)", name,
                           hf_cert_ossl_reason());
            else
                hf_err_set(err, errlen, "%s: PEM block %zu: PEM_read_bio: %s", name, idx + 1,
                           hf_cert_ossl_reason());
            r = -EBADMSG;
            break;
        }
        idx++;
        if (hf_cert_is_cert_block(bname))
            r = hf_cert_pem_block(sk, bname, der, dlen, name, idx, err, errlen);
        else
            (*skipped)++;
        OPENSSL_free(bname);
        OPENSSL_free(header);
        OPENSSL_free(der);
        if (r < 0)
            break;
    }
    BIO_free(bio);
    if (r == 0 && sk_X509_num(sk) == 0) {
        hf_err_set(err, errlen, "%s: no certificate found (%zu PEM block%s of other types skipped)",
                   name, *skipped, *skipped == 1 ? "" : "s");
        r = -EBADMSG;
    }
    return r;
}

static int hf_cert_load_der(const unsigned char *data, size_t len, const char *name,
                            STACK_OF(X509) *sk, char *err, size_t errlen)
{
    const unsigned char *p = data, *end = data + len;

    while (p < end) {
        size_t off = (size_t)(p - data);
        X509 *x;

        ERR_clear_error();
        x = d2i_X509(NULL, &p, (long)(end - p));
        if (!x) {
            if (off == 0)
                hf_err_set(err, errlen, "%s: no certificate found (d2i_X509: %s)", name,
                           hf_cert_ossl_reason());
            else
                hf_err_set(err, errlen, "%s: byte %zu: data after certificate %d is not a "
                           "certificate (d2i_X509: %s)", name, off, sk_X509_num(sk),
                           hf_cert_ossl_reason());
            return -EBADMSG;
        }
        if (hf_cert_push(sk, x, name, err, errlen) < 0)
            return -EBADMSG;
    }
    return 0;
}

int hf_cert_load_x509(const unsigned char *data, size_t len, const char *name,
                      STACK_OF(X509) **out, size_t *skipped, bool *der,
                      char *err, size_t errlen)
{
    STACK_OF(X509) *sk;
    int r;

    *out = NULL;
    *skipped = 0;
    *der = false;
    if (len == 0) {
        hf_err_set(err, errlen, "%s: empty file", name);
        return -ENODATA;
    }
    if (len > INT32_MAX) {
        hf_err_set(err, errlen, "%s: file too large", name);
        return -EFBIG;
    }
    sk = sk_X509_new_null();
    if (!sk) {
        hf_err_set(err, errlen, "%s: out of memory", name);
        return -ENOMEM;
    }
    /* DER starts with a SEQUENCE tag; anything else is read as PEM (text) */
    *der = data[0] == 0x30;
    r = *der ? hf_cert_load_der(data, len, name, sk, err, errlen)
             : hf_cert_load_pem(data, len, name, sk, skipped, err, errlen);
    ERR_clear_error();
    if (r < 0) {
        sk_X509_pop_free(sk, X509_free);
        return r;
    }
    *out = sk;
    return 0;
}

/* ---- summaries */

static void hf_cert_name_str(const X509_NAME *n, char *out, size_t size)
{
    BIO *b = BIO_new(BIO_s_mem());
    int len;

    out[0] = '\0';
    if (!b)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253) >= 0) {
        len = BIO_read(b, out, (int)size - 1);
        out[len > 0 ? len : 0] = '\0';
    }
    BIO_free(b);
}

static int hf_cert_time(const ASN1_TIME *t, char *asn1, size_t n, int64_t *epoch)
{
    struct tm tm;
    int len = t ? ASN1_STRING_length(t) : 0;

    asn1[0] = '\0';
    if (!t || !ASN1_TIME_to_tm(t, &tm))
        return -EBADMSG;
    if (len > 0 && (size_t)len < n) {
        memcpy(asn1, ASN1_STRING_get0_data(t), (size_t)len);
        asn1[len] = '\0';
    }
    /* not timegm(): glibc's keeps an unsynchronised static between calls */
    *epoch = hf_time_days_from_civil((int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
                                     (unsigned)tm.tm_mday) * 86400 +
             tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return 0;
}

static void hf_cert_serial(const X509 *x, char *out, size_t n)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;

    hf_strlcpy(out, hex ? hex : "?", n);
    OPENSSL_free(hex);
    BN_free(bn);
}

static void hf_cert_pubkey(X509 *x, hf_cert_info *info)
{
    EVP_PKEY *pk = X509_get0_pubkey(x);
    char group[64];
    const char *t;

    if (!pk) {
        hf_strlcpy(info->key_type, "unknown", sizeof(info->key_type));
        ERR_clear_error();
        return;
    }
    info->key_bits = EVP_PKEY_get_bits(pk);
    switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: t = "RSA"; break;
    case EVP_PKEY_RSA_PSS: t = "RSA-PSS"; break;
    case EVP_PKEY_EC: t = "EC"; break;
    case EVP_PKEY_ED25519: t = "Ed25519"; break;
    case EVP_PKEY_ED448: t = "Ed448"; break;
    case EVP_PKEY_DSA: t = "DSA"; break;
    default: t = EVP_PKEY_get0_type_name(pk); break;
    }
    hf_strlcpy(info->key_type, t ? t : "unknown", sizeof(info->key_type));
    if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_EC &&
        EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL)) {
        const char *nist = EC_curve_nid2nist(OBJ_txt2nid(group));
        hf_strlcpy(info->key_curve, nist ? nist : group, sizeof(info->key_curve));
    }
    ERR_clear_error();
}

static void hf_cert_san_add(hf_cert_info *info, const char *kind, const unsigned char *s, int len)
{
    char *out;
    size_t o;

    if (info->nsans >= HF_CERT_MAX_SANS)
        return;
    out = info->sans[info->nsans++];
    o = (size_t)snprintf(out, HF_CERT_SAN_LEN, "%s:", kind);
    for (int i = 0; i < len && o < HF_CERT_SAN_LEN - 1; i++)
        out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
    out[o] = '\0';
}

static void hf_cert_sans(X509 *x, hf_cert_info *info)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    char ip[INET6_ADDRSTRLEN];

    if (!gens) {
        ERR_clear_error();
        return;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        const ASN1_STRING *s;

        info->san_total++;
        switch (g->type) {
        case GEN_DNS: s = g->d.dNSName; hf_cert_san_add(info, "DNS", s->data, s->length); break;
        case GEN_EMAIL: s = g->d.rfc822Name; hf_cert_san_add(info, "email", s->data, s->length); break;
        case GEN_URI: s = g->d.uniformResourceIdentifier;
            hf_cert_san_add(info, "URI", s->data, s->length); break;
        case GEN_IPADD:
            s = g->d.iPAddress;
            if ((s->length == 4 && inet_ntop(AF_INET, s->data, ip, sizeof(ip))) ||
                (s->length == 16 && inet_ntop(AF_INET6, s->data, ip, sizeof(ip))))
                hf_cert_san_add(info, "IP", (const unsigned char *)ip, (int)strlen(ip));
            else
                hf_cert_san_add(info, "IP", (const unsigned char *)"invalid", 7);
            break;
        default: break;     /* counted, not kept */
        }
    }
    GENERAL_NAMES_free(gens);
}

int hf_cert_summarize(X509 *x, hf_cert_info *info)
{
    unsigned int mdlen = 0;

    memset(info, 0, sizeof(*info));
    if (hf_cert_time(X509_get0_notBefore(x), info->not_before_asn1, sizeof(info->not_before_asn1),
                     &info->not_before) < 0 ||
        hf_cert_time(X509_get0_notAfter(x), info->not_after_asn1, sizeof(info->not_after_asn1),
                     &info->not_after) < 0) {
        ERR_clear_error();
        return -EBADMSG;
    }
    hf_cert_name_str(X509_get_subject_name(x), info->subject, sizeof(info->subject));
    hf_cert_name_str(X509_get_issuer_name(x), info->issuer, sizeof(info->issuer));
    hf_cert_serial(x, info->serial, sizeof(info->serial));
    hf_cert_pubkey(x, info);
    hf_cert_sans(x, info);
    info->self_signed = X509_self_signed(x, 1) == 1;
    if (!X509_digest(x, EVP_sha256(), info->sha256, &mdlen) || mdlen != sizeof(info->sha256)) {
        ERR_clear_error();
        return -ENOMEM;
    }
    ERR_clear_error();
    return 0;
}

int hf_cert_summarize_all(STACK_OF(X509) *sk, hf_cert_info **certs, size_t *ncerts)
{
    size_t n = (size_t)sk_X509_num(sk);
    hf_cert_info *a = calloc(n ? n : 1, sizeof(*a));
    int r;

    *certs = NULL;
    *ncerts = 0;
    if (!a)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r = hf_cert_summarize(sk_X509_value(sk, (int)i), &a[i]);
        if (r < 0) {
            free(a);
            *ncerts = i;    /* which one failed */
            return r;
        }
    }
    *certs = a;
    *ncerts = n;
    return 0;
}

int hf_cert_parse_buffer(const void *data, size_t len, const char *name,
                         hf_cert_info **certs, size_t *ncerts, size_t *skipped,
                         bool *der, char *err, size_t errlen)
{
    STACK_OF(X509) *sk = NULL;
    int r;

    *certs = NULL;
    *ncerts = 0;
    r = hf_cert_load_x509(data, len, name, &sk, skipped, der, err, errlen);
    if (r < 0)
        return r;
    r = hf_cert_summarize_all(sk, certs, ncerts);
    if (r == -EBADMSG)
        hf_err_set(err, errlen, "%s: certificate %zu: invalid validity dates", name, *ncerts + 1);
    else if (r < 0)
        hf_err_set(err, errlen, "%s: out of memory", name);
    if (r < 0)
        *ncerts = 0;
    sk_X509_pop_free(sk, X509_free);
    return r;
}

void hf_cert_time_str(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm))
        hf_strlcpy(buf, "?", n);
}
