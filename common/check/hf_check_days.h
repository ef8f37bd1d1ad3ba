/* hf_check_days: a certificate's days left, judged alike wherever it is
 * shown (the cert check's files, the http check's served chain).
 *
 * The state comes from the exact figure against the ranges (default
 * warning "30:", critical "7:": alert below 30 and 7 days); the figures
 * people read are rounded DOWN, never up: 29.96 days is WARNING and reads
 * "29.9 days" (never "30.0 days" and OK), 6.96 days is CRITICAL and reads
 * "6.9 days". An expired certificate (days < 0) is CRITICAL whatever the
 * ranges. Pure functions, thread-safe. */
#ifndef HF_CHECK_DAYS_H
#define HF_CHECK_DAYS_H

#include "hf_range.h"

hf_state hf_check_days_state(double days, const hf_range *warn, const hf_range *crit);
/* Days for a text: |days| rounded down to 0.1 ("expired 2.3 days ago"). */
double hf_check_days_text(double days);
/* Days for a metric (perfdata, collectd): rounded down to 0.01. */
double hf_check_days_metric(double days);

#endif
