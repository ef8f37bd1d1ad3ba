/* hf_check_api: what the api check probes, for its judgement
 * (hf_check_api_judge in hf_check_judge.h) and its fixture tests, and the
 * helpers its two files share. The check itself: hf_check_api.c. */
#ifndef HF_CHECK_API_H
#define HF_CHECK_API_H

#include <stdbool.h>

#include "hf_check.h"
#include "hf_check_http_fail.h"
#include "hf_prom_stats.h"

typedef struct hf_check_api_probe {
    bool models_checked;        /* --models-url or --model given */
    hf_check_http_get models;   /* the models list (when models_checked) */
    hf_check_http_get metrics;  /* the metrics page, body kept */
    double now;                 /* wall clock of the page (epoch s): the window's clock */
} hf_check_api_probe;

/* Settings of the api kind, in table order (after the common ones). */
enum {
    HF_API_METRICS_URL = HF_SET_KIND0,
    HF_API_MODELS_URL,
    HF_API_MODEL,
    HF_API_CA,
    HF_API_INSECURE,
    HF_API_REQ_METRIC,
    HF_API_DUR_METRIC,
    HF_API_ERR_LABEL,
    HF_API_ERR_REGEX,
    HF_API_ERR_WARNING,
    HF_API_ERR_CRITICAL,
    HF_API_P95_WARNING,
    HF_API_P95_CRITICAL,
    HF_API_WINDOW,
    HF_API_WARNING,
    HF_API_CRITICAL,
};

/* hf_check_api_text.c: the figures of a computed page into out (summary,
 * threshold findings, -v details, metrics). */
void hf_check_api_report(const hf_settings *s, const hf_prom_api_stats *st, hf_report *out);

#endif
