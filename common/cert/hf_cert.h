/* hf_cert: the certificate probe (OpenSSL).
 *
 * Reads a PEM or DER file holding one certificate or a bundle (several PEM
 * certificates, or concatenated DER), skipping non-certificate PEM blocks
 * (keys, CSRs, parameters). For every certificate: validity dates, days left
 * (ASN1_TIME_diff against "now", fractional), subject, issuer, serial, SANs,
 * key type and size, self-signed flag, SHA-256 fingerprint. Optionally:
 * verification of the first certificate against a CA file / CA directory or
 * the system store (the bundle's other certificates are untrusted
 * intermediates), and comparison with the leaf a live https endpoint serves
 * ("renewed but not reloaded").
 *
 * A cache (hf_cert_cache) keeps parsed summaries and verification results per
 * (path, size limit, trust store: none / system / CA file + CA directory),
 * valid while the file's (dev, inode, size, mtime, ctime) stay the same, so an
 * unchanged file costs one stat(); it can be saved to / loaded from a
 * versioned, checksummed text state file.
 *
 * No globals; every function is thread-safe (a cache may be shared by several
 * threads: it locks itself). The live comparison is one OpenSSL TLS handshake
 * (SNI = the URL's host name) over a TCP connection, no HTTP request; the
 * whole, name resolution included, is bounded by timeout_ms. */
#ifndef HF_CERT_H
#define HF_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_util.h"

#define HF_CERT_MAX_SANS 32         /* SANs kept per certificate (san_total counts all) */
#define HF_CERT_SAN_LEN 128
#define HF_CERT_NAME_LEN 256
#define HF_CERT_MAX_BYTES (1024 * 1024)   /* default file size limit */
#define HF_CERT_MAX_CHAIN 64        /* certificates kept from one bundle */

/* One certificate, summarised. Plain data (copyable). */
typedef struct hf_cert_info {
    char not_before_asn1[24];       /* as encoded: YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ */
    char not_after_asn1[24];
    int64_t not_before;             /* UTC epoch seconds */
    int64_t not_after;
    double days_left;               /* notAfter - now in days (negative: expired); set by the probe */
    bool expired;                   /* now >= notAfter; set by the probe */
    bool not_yet_valid;             /* now < notBefore; set by the probe */
    bool self_signed;               /* issuer == subject and the signature verifies with its own key */
    char subject[HF_CERT_NAME_LEN]; /* RFC 2253 one line */
    char issuer[HF_CERT_NAME_LEN];
    char serial[80];                /* hex, upper case */
    char key_type[16];              /* "RSA", "RSA-PSS", "EC", "Ed25519", "Ed448", "DSA"... */
    int key_bits;
    char key_curve[32];             /* EC: NIST name when there is one ("P-256"), else the SN */
    unsigned char sha256[32];       /* fingerprint of the DER encoding */
    char sans[HF_CERT_MAX_SANS][HF_CERT_SAN_LEN];   /* "DNS:x", "IP:1.2.3.4", "email:..", "URI:.." */
    size_t nsans;                   /* kept */
    size_t san_total;               /* present in the certificate */
} hf_cert_info;

typedef struct hf_cert_cache hf_cert_cache;

typedef struct hf_cert_config {
    const char *path;               /* required: PEM or DER file */
    const char *name;               /* used in error texts; NULL = path */
    const char *ca_file;            /* trust anchors (PEM); NULL = none */
    const char *ca_path;            /* hashed CA directory (c_rehash); NULL = none */
    bool no_verify;                 /* skip verification (default: verify; against
                                       ca_file/ca_path when given, else the system store) */
    const char *url;                /* https://host[:port][/path] (host: a name, an IPv4
                                       address or [IPv6]; port 443 by default) whose
                                       served leaf is compared with the first
                                       certificate; NULL = not compared */
    long timeout_ms;                /* bounds resolving + connecting + the TLS
                                       handshake together; <= 0: 10000 */
    double now;                     /* UTC epoch seconds; 0 = the real clock */
    size_t max_bytes;               /* file size limit; 0 = HF_CERT_MAX_BYTES */
    hf_cert_cache *cache;           /* NULL = parse every time; not owned */
} hf_cert_config;

typedef struct hf_cert_result {
    hf_cert_info *certs;            /* in file order; owned (hf_cert_result_free) */
    size_t ncerts;
    size_t earliest;                /* index of the earliest notAfter */
    size_t skipped_blocks;          /* non-certificate PEM blocks */
    bool der;                       /* the file was DER */
    bool from_cache;                /* summaries came from the cache (no parse) */
    unsigned parses;                /* file reads+parses this probe made (0 on a cache hit) */

    bool verified;                  /* verification ran */
    bool trusted;                   /* ... and succeeded */
    bool verify_system;             /* ... against the system store */
    int verify_code;                /* X509_V_ERR_*; 0 when trusted */
    int verify_depth;               /* chain depth of the failure */
    char verify_error[HF_ERR_MAX];  /* X509_verify_cert_error_string(), "" when trusted */

    bool url_checked;               /* the served leaf was fetched and compared */
    bool url_match;                 /* served leaf == certs[0] (SHA-256 of the DER) */
    hf_cert_info served;            /* the served leaf when url_checked */
    char url_error[HF_ERR_MAX];     /* why the comparison could not be made, naming the URL */

    char error[HF_ERR_MAX];         /* file error: "<name>: <reason>"; "" on success */
} hf_cert_result;

/* Probe one file. Fills *res (zeroed first; free it with hf_cert_result_free
 * whatever the return). Returns 0 when the file held at least one certificate
 * (verification and URL outcomes are in *res), or a negative errno with
 * res->error set: -ENOENT/-EACCES/... "cannot open: <strerror>", -ENODATA
 * "empty file", -EBADMSG "no certificate found (<OpenSSL reason>)" or a
 * malformed block, -EFBIG larger than max_bytes, -ENOMEM, -EINVAL (no path). */
int hf_cert_probe(const hf_cert_config *cfg, hf_cert_result *res);

/* Frees what the result owns; accepts NULL. */
void hf_cert_result_free(hf_cert_result *res);

/* Parse a memory buffer as a PEM/DER certificate file (no cache, no I/O):
 * the probe's loader, exposed for the fuzz target and tests. On success
 * *certs (malloc'd, owned by the caller, free()) holds *ncerts summaries
 * (days_left etc. not set). name is used in err. Returns 0 or -ENODATA,
 * -EBADMSG, -ENOMEM with err set. */
int hf_cert_parse_buffer(const void *data, size_t len, const char *name,
                         hf_cert_info **certs, size_t *ncerts, size_t *skipped,
                         bool *der, char *err, size_t errlen);

/* Format a UTC epoch as "YYYY-MM-DD HH:MM:SS UTC" into buf (size n >= 24). */
void hf_cert_time_str(int64_t t, char *buf, size_t n);

/* ---- cache */

typedef struct hf_cert_cache_stats {
    unsigned long lookups;          /* probes that consulted the cache */
    unsigned long hits;             /* ... and found the file unchanged */
    unsigned long parses;           /* files read and parsed through the cache */
    unsigned long verifies;         /* verifications run (misses of the verify cache) */
    size_t entries;
} hf_cert_cache_stats;

/* Create an empty cache (NULL when out of memory). Owned by the caller. */
hf_cert_cache *hf_cert_cache_new(void);
/* Frees the cache; accepts NULL. No probe may be using it. */
void hf_cert_cache_free(hf_cert_cache *c);
void hf_cert_cache_stats_get(hf_cert_cache *c, hf_cert_cache_stats *st);
/* True when the entries changed since the last successful save (a change made
 * while a save was writing keeps it true), or since a load into an empty
 * cache. A load that adds entries to a non-empty cache makes it true. */
bool hf_cert_cache_dirty(hf_cert_cache *c);

/* Load a state file written by hf_cert_cache_save and merge it into the
 * cache: keys the cache already holds keep their live entries, new keys are
 * added while there is room; nothing in use is removed. The file is checked
 * whole before anything is merged. Returns 0; -ENOENT when there is none;
 * -ENOMEM; -EPROTO (err "<path>: <reason>") when it is unusable: not a
 * regular file, unreadable, empty, not a version 2 cache, truncated (no end
 * marker), checksum mismatch, or a malformed line (naming it). The cache is
 * then unchanged and the caller simply re-parses (the next save rewrites it). */
int hf_cert_cache_load(hf_cert_cache *c, const char *path, char *err, size_t errlen);
/* Write a snapshot of the cache atomically (hf_file_write_atomic: temporary
 * file + rename, mode 0640), ending with an end marker and checksum. Saves of
 * one cache are serialised. Returns 0 or negative errno with err naming the
 * file. */
int hf_cert_cache_save(hf_cert_cache *c, const char *path, char *err, size_t errlen);

/* Once per process, any thread (pthread_once): OpenSSL's library and error
 * strings initialised before probes run concurrently. */
void hf_cert_global_init(void);

#endif
