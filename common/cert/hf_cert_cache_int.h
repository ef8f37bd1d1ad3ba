/* hf_cert_cache_int: the cache's structure, shared by hf_cert_cache.c (the
 * entries in memory) and hf_cert_cache_file.c (the state file). Not an API. */
#ifndef HF_CERT_CACHE_INT_H
#define HF_CERT_CACHE_INT_H

#include <pthread.h>

#include "hf_cert_int.h"

#define HF_CERT_CACHE_MAX 512       /* entries; the least recently used is recycled */

typedef struct hf_cert_entry {
    /* the key (hf_cert_key, owned copies) */
    char *path, *ca_file, *ca_path;
    uint64_t max_bytes;
    int trust;
    /* the answer */
    hf_cert_sig sig;
    hf_cert_info *certs;
    size_t ncerts, skipped;
    bool der;
    int err_code;
    char error[HF_ERR_MAX];
    bool have_vres;
    hf_cert_vres vres;
    unsigned long used;             /* LRU tick; 0 = loaded, not used yet */
} hf_cert_entry;

struct hf_cert_cache {
    pthread_mutex_t mu;             /* everything below */
    pthread_mutex_t save_mu;        /* one save at a time: snapshots reach the file in order */
    hf_cert_entry *e;
    size_t n, cap;
    unsigned long tick;
    hf_cert_cache_stats st;
    uint64_t gen;                   /* bumped by every change of the entries */
    uint64_t saved_gen;             /* gen the last save (or clean load) wrote; dirty = differ */
};

/* Frees what e owns and zeroes it. */
void hf_cert_entry_clear(hf_cert_entry *e);
/* Owned copies of k's strings into e (the answer untouched). -ENOMEM. */
int hf_cert_entry_set_key(hf_cert_entry *e, const hf_cert_key *k);

/* Merge n loaded entries into the cache (locks it): a key the cache already
 * holds keeps the live entry, new keys are adopted while there is room. Takes
 * ownership of every entry (adopted or cleared). Returns how many were adopted. */
size_t hf_cert_cache_merge(hf_cert_cache *c, hf_cert_entry *loaded, size_t n);

/* The state file's text (data[len] == '\0'; data is modified) checked whole
 * and merged into c, as hf_cert_cache_load does; name is used in err. The
 * loader behind hf_cert_cache_load, exposed for the fuzz target. */
int hf_cert_cache_load_text(hf_cert_cache *c, char *data, size_t len, const char *name,
                            char *err, size_t errlen);

#endif
