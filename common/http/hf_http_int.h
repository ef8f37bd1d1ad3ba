/* hf_http_int: internals shared by hf_http.c (the transfer) and
 * hf_http_pool.c (process-wide libcurl state). Not a public interface. */
#ifndef HF_HTTP_INT_H
#define HF_HTTP_INT_H

#include <curl/curl.h>

/* The process-wide share (DNS cache and TLS sessions, mutex-locked), or
 * NULL when it could not be made (requests then run without it). Only
 * after hf_http_init() returned 0. */
CURLSH *hfh_share(void);

/* An easy handle for a transfer to url: an idle pooled one (curl_easy_reset,
 * its open connections kept), preferring one that last talked to the same
 * scheme://host:port, else a new one. NULL when out of memory. The caller
 * owns it until hfh_pool_give. */
CURL *hfh_pool_take(const char *url);
/* Back to the pool after a transfer to url (cleaned up when the pool is
 * full). Never give a CONNECT_ONLY handle: clean it up instead. */
void hfh_pool_give(CURL *h, const char *url);

#endif
