/* hf_http_pool: the process-wide libcurl state of hf_http (see hf_http.h,
 * "Connections"): global initialisation once, one share object for the DNS
 * cache and TLS sessions, and a pool of idle easy handles whose open
 * connections the next transfer reuses.
 *
 * This is the one place in the probe that keeps process-wide state; it is
 * created once and lives until the process exits, like libcurl's own
 * global state. Every access holds a mutex. "Once" is a mutex and a flag
 * rather than pthread_once: the same guarantee, and one helgrind can see
 * (glibc's pthread_once is atomics and futexes it does not model, so every
 * libcurl call after it looked like a race with curl_global_init). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "hf_http.h"
#include "hf_http_int.h"

#define HFH_POOL_MAX 8              /* idle handles kept (each keeps its open connections) */
#define HFH_KEY_MAX 256             /* "scheme://host:port" */

typedef struct hfh_idle {
    CURL *h;
    char key[HFH_KEY_MAX];
} hfh_idle;

static struct {
    pthread_mutex_t init_lock;
    bool inited;
    int init_rc;
    pthread_mutex_t locks[CURL_LOCK_DATA_LAST];     /* one per kind of shared data */
    CURLSH *share;
    pthread_mutex_t pool_lock;
    hfh_idle idle[HFH_POOL_MAX];                    /* oldest first */
    size_t nidle;
} hfh_g = {.init_lock = PTHREAD_MUTEX_INITIALIZER, .pool_lock = PTHREAD_MUTEX_INITIALIZER};

static void hfh_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
    (void)h;
    (void)access;
    (void)ud;
    if ((unsigned)data < CURL_LOCK_DATA_LAST)
        pthread_mutex_lock(&hfh_g.locks[data]);
}

static void hfh_unlock(CURL *h, curl_lock_data data, void *ud)
{
    (void)h;
    (void)ud;
    if ((unsigned)data < CURL_LOCK_DATA_LAST)
        pthread_mutex_unlock(&hfh_g.locks[data]);
}

/* DNS and TLS sessions only. Not the connection cache: libcurl does not
 * support sharing connections between concurrent threads (CURLSHOPT_SHARE:
 * "It is not supported to share connections between multiple concurrent
 * threads"); connections are reused through the handle pool instead. */
static CURLSH *hfh_share_make(void)
{
    CURLSH *sh = curl_share_init();
    CURLSHcode c = sh ? CURLSHE_OK : CURLSHE_NOMEM;

    if (c == CURLSHE_OK)
        c = curl_share_setopt(sh, CURLSHOPT_LOCKFUNC, hfh_lock);
    if (c == CURLSHE_OK)
        c = curl_share_setopt(sh, CURLSHOPT_UNLOCKFUNC, hfh_unlock);
    if (c == CURLSHE_OK)
        c = curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    if (c == CURLSHE_OK)
        c = curl_share_setopt(sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (c != CURLSHE_OK && sh) {
        curl_share_cleanup(sh);
        sh = NULL;
    }
    return sh;
}

static void hfh_once(void)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        hfh_g.init_rc = -EIO;
        return;
    }
    for (size_t i = 0; i < CURL_LOCK_DATA_LAST; i++)
        pthread_mutex_init(&hfh_g.locks[i], NULL);
    hfh_g.share = hfh_share_make();     /* NULL: transfers run without one */
}

int hf_http_init(void)
{
    int rc;

    pthread_mutex_lock(&hfh_g.init_lock);
    if (!hfh_g.inited) {
        hfh_once();
        hfh_g.inited = true;
    }
    rc = hfh_g.init_rc;
    pthread_mutex_unlock(&hfh_g.init_lock);
    return rc;
}

int hf_http_global_init(void)
{
    return hf_http_init();
}

void hf_http_global_cleanup(void)
{
    /* nothing: libcurl, the share and the pool stay until the process exits */
}

CURLSH *hfh_share(void)
{
    return hfh_g.share;
}

/* "scheme://authority" of url, lower case (a preference key only). */
static void hfh_key(const char *url, char *key, size_t n)
{
    const char *p = strstr(url, "://");
    size_t len = p ? (size_t)(p - url) + 3 + strcspn(p + 3, "/?#") : strlen(url);

    if (len >= n)
        len = n - 1;
    for (size_t i = 0; i < len; i++)
        key[i] = (char)(url[i] >= 'A' && url[i] <= 'Z' ? url[i] - 'A' + 'a' : url[i]);
    key[len] = '\0';
}

CURL *hfh_pool_take(const char *url)
{
    char key[HFH_KEY_MAX];
    CURL *h = NULL;
    size_t pick;

    hfh_key(url, key, sizeof(key));
    pthread_mutex_lock(&hfh_g.pool_lock);
    if (hfh_g.nidle) {
        pick = hfh_g.nidle - 1;                 /* the newest, unless one matches */
        for (size_t i = hfh_g.nidle; i-- > 0;)
            if (strcmp(hfh_g.idle[i].key, key) == 0) {
                pick = i;
                break;
            }
        h = hfh_g.idle[pick].h;
        memmove(&hfh_g.idle[pick], &hfh_g.idle[pick + 1],
                (hfh_g.nidle - pick - 1) * sizeof(hfh_g.idle[0]));
        hfh_g.nidle--;
    }
    pthread_mutex_unlock(&hfh_g.pool_lock);
    return h ? h : curl_easy_init();
}

void hfh_pool_give(CURL *h, const char *url)
{
    CURL *evict = NULL;

    if (!h)
        return;
    /* drop every option: nothing may point at the caller's stack while idle */
    curl_easy_reset(h);
    pthread_mutex_lock(&hfh_g.pool_lock);
    if (hfh_g.nidle == HFH_POOL_MAX) {
        evict = hfh_g.idle[0].h;
        memmove(&hfh_g.idle[0], &hfh_g.idle[1], (HFH_POOL_MAX - 1) * sizeof(hfh_g.idle[0]));
        hfh_g.nidle--;
    }
    hfh_g.idle[hfh_g.nidle].h = h;
    hfh_key(url, hfh_g.idle[hfh_g.nidle].key, HFH_KEY_MAX);
    hfh_g.nidle++;
    pthread_mutex_unlock(&hfh_g.pool_lock);
    if (evict)
        curl_easy_cleanup(evict);
}

void hf_http_shutdown(void)
{
    hfh_idle idle[HFH_POOL_MAX];
    size_t n;
    CURLSH *sh;

    pthread_mutex_lock(&hfh_g.pool_lock);
    n = hfh_g.nidle;
    memcpy(idle, hfh_g.idle, n * sizeof(idle[0]));
    hfh_g.nidle = 0;
    pthread_mutex_unlock(&hfh_g.pool_lock);
    for (size_t i = 0; i < n; i++)
        curl_easy_cleanup(idle[i].h);          /* closes its connections */
    pthread_mutex_lock(&hfh_g.init_lock);
    sh = hfh_g.share;
    hfh_g.share = NULL;
    pthread_mutex_unlock(&hfh_g.init_lock);
    if (sh)
        curl_share_cleanup(sh);
}
