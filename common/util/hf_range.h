/* hf_range: the Monitoring Plugins threshold grammar and state aggregation.
 *
 *   10      alert outside 0..10          10:     alert below 10
 *   ~:10    alert above 10               10:20   alert outside 10..20
 *   @10:20  alert inside 10..20 (inclusive)
 *   :10     same as 0:10 (an empty start reads as 0, as in both Monitoring
 *           Plugins range parsers, C and Perl); @:10 alerts inside 0..10
 *
 * Parsing is strict: junk, trailing characters, NaN/Inf, an empty end where
 * no ':' allows it ("", "@"), ':' alone (both bounds missing), more than one
 * ':' and start > end are rejected with a message. */
#ifndef HF_RANGE_H
#define HF_RANGE_H

#include <stdbool.h>
#include <stddef.h>

typedef enum hf_state {
    HF_OK = 0,
    HF_WARNING = 1,
    HF_CRITICAL = 2,
    HF_UNKNOWN = 3,
} hf_state;

typedef struct hf_range {
    double start;               /* ignored when start_neg_inf; 0 for "10" and ":10" */
    double end;                 /* ignored when end_inf */
    bool start_neg_inf;         /* "~:" */
    bool end_inf;               /* "10:" */
    bool inside;                /* "@": alert when inside */
    bool set;                   /* parsed successfully */
    char text[64];              /* the range as given, for perfdata */
} hf_range;

/* Parse text into *out. Returns 0, or -EINVAL with a message naming the
 * problem in err (size errlen). *out is cleared first. */
int hf_range_parse(const char *text, hf_range *out, char *err, size_t errlen);

/* True when value v must raise an alert under r (false when r is NULL or unset). */
bool hf_range_alert(const hf_range *r, double v);

/* CRITICAL if crit alerts, else WARNING if warn alerts, else OK. Either may be NULL. */
hf_state hf_range_eval(const hf_range *warn, const hf_range *crit, double v);

/* Worst of two states: CRITICAL > WARNING > UNKNOWN > OK. */
hf_state hf_state_worst(hf_state a, hf_state b);

/* "OK", "WARNING", "CRITICAL", "UNKNOWN". */
const char *hf_state_name(hf_state s);

#endif
