/* hf_cert_int: internals shared by the hf_cert_*.c files (not a public API). */
#ifndef HF_CERT_INT_H
#define HF_CERT_INT_H

#include <openssl/x509.h>
#include <sys/stat.h>

#include "hf_cert.h"

/* Identity of a file's contents as far as one stat() can tell (ctime too:
 * a rewrite that restores the mtime, as cp -p and tar do, still changes it). */
typedef struct hf_cert_sig {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
} hf_cert_sig;

void hf_cert_sig_from_stat(const struct stat *st, hf_cert_sig *sig);
bool hf_cert_sig_eq(const hf_cert_sig *a, const hf_cert_sig *b);

/* A verification outcome and the time window in which it stays valid
 * (the validity of the trust anchors/intermediates outside the file). */
typedef struct hf_cert_vres {
    char key[65];                   /* hash (hex) of what it was verified against */
    bool trusted, system;
    int code, depth;
    char error[HF_ERR_MAX];
    int64_t from, until;            /* re-verify when now leaves [from, until) */
} hf_cert_vres;

/* Read a regular file of at most max bytes (O_NONBLOCK: a FIFO cannot hang
 * it) into a malloc'd buffer (*out, NUL-terminated), its identity into *sig.
 * Returns 0, or negative errno with err "<name>: <reason>": -ENOENT... "cannot
 * open: <strerror>", -EINVAL "not a regular file", -EFBIG "larger than N
 * bytes" (*sig set for these two), -ENOMEM. */
int hf_cert_read_file(const char *path, const char *name, size_t max, unsigned char **out,
                      size_t *len, hf_cert_sig *sig, char *err, size_t errlen);

/* Parse a buffer into a stack of X509 (owned by the caller:
 * sk_X509_pop_free(sk, X509_free)). Returns 0 or -ENODATA/-EBADMSG/-ENOMEM. */
int hf_cert_load_x509(const unsigned char *data, size_t len, const char *name,
                      STACK_OF(X509) **out, size_t *skipped, bool *der,
                      char *err, size_t errlen);
/* Summarise one certificate. Returns 0 or -ENOMEM. */
int hf_cert_summarize(X509 *x, hf_cert_info *info);
/* Summaries of a whole stack (malloc'd array into *certs). */
int hf_cert_summarize_all(STACK_OF(X509) *sk, hf_cert_info **certs, size_t *ncerts);
/* OpenSSL's reason for the last error in this thread's queue ("unknown error"
 * when empty; a static string); clears the queue. */
const char *hf_cert_ossl_reason(void);

/* Fetch the leaf served by an https URL within timeout_ms (0 = 10 s: the
 * whole of resolving, connecting and the handshake) and summarise it.
 * Returns 0 or negative errno with err naming the URL: -EINVAL (the URL),
 * -EHOSTUNREACH (resolving), -ETIMEDOUT, -ECONNREFUSED..., -EPROTO (TLS),
 * -ENODATA (no certificate), -ENOMEM. */
int hf_cert_fetch_served(const char *url, long timeout_ms, hf_cert_info *info,
                         char *err, size_t errlen);

/* https://host[:port][/path]: host a name, an IPv4 address or [IPv6]. */
typedef struct hf_cert_url {
    char host[256];                 /* without the brackets */
    char port[8];                   /* decimal, "443" by default */
    bool ip_literal;                /* no SNI for an address */
} hf_cert_url;

/* Strict parse. Returns 0 or -EINVAL with err "<url>: <what is wrong>". */
int hf_cert_url_parse(const char *url, hf_cert_url *u, char *err, size_t errlen);
/* Resolve and connect (non-blocking socket) before the monotonic deadline
 * (budget_ms is quoted in errors). Returns 0 with *fd, or negative errno
 * with err naming the URL and what failed. */
int hf_cert_net_connect(const hf_cert_url *u, double deadline, long budget_ms, const char *url,
                        int *fd, char *err, size_t errlen);
/* poll() fd for events until the monotonic deadline: 0, -ETIMEDOUT, -errno. */
int hf_cert_net_wait(int fd, short events, double deadline);

/* ---- cache internals used by the probe. The cache copies what it is given. */

/* How a probe verifies: what, besides the file, its cached answer depends on. */
enum { HF_CERT_TRUST_NONE, HF_CERT_TRUST_SYSTEM, HF_CERT_TRUST_FILES };

/* A cache entry's identity: everything in the config that changes the answer
 * (the file's identity, hf_cert_sig, is checked on top: a changed file
 * replaces its entry). name, url, timeout_ms and now do not: errors are
 * re-labelled, the URL is fetched live, dates are applied after the cache,
 * and a verification carries its own validity window. The trust store's
 * contents are checked by hf_cert_vres.key. */
typedef struct hf_cert_key {
    const char *path;
    uint64_t max_bytes;             /* the effective limit (0 -> HF_CERT_MAX_BYTES) */
    int trust;                      /* HF_CERT_TRUST_* */
    const char *ca_file, *ca_path;  /* TRUST_FILES only, else NULL; "" -> NULL */
} hf_cert_key;

void hf_cert_key_of(const hf_cert_config *cfg, hf_cert_key *k);

typedef struct hf_cert_entry_view {
    hf_cert_info *certs;            /* malloc'd copy for the caller */
    size_t ncerts, skipped;
    bool der;
    int err_code;                   /* cached negative result (e.g. -EBADMSG), 0 = ok */
    char error[HF_ERR_MAX];
    bool have_vres;
    hf_cert_vres vres;
} hf_cert_entry_view;

/* Look key up: on a hit (same sig) fill *v (certs malloc'd) and return 1;
 * 0 on a miss; -ENOMEM. Counts lookups/hits. */
int hf_cert_cache_get(hf_cert_cache *c, const hf_cert_key *k, const hf_cert_sig *sig,
                      hf_cert_entry_view *v);
/* Store a parse result (certs copied); counts a parse. */
void hf_cert_cache_put(hf_cert_cache *c, const hf_cert_key *k, const hf_cert_sig *sig,
                       const hf_cert_entry_view *v);
/* Store a verification result for key (when its sig still matches). */
void hf_cert_cache_put_vres(hf_cert_cache *c, const hf_cert_key *k, const hf_cert_sig *sig,
                            const hf_cert_vres *vr);
void hf_cert_cache_count_verify(hf_cert_cache *c);

#endif
