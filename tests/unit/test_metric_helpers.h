/* Helpers for the check layer's unit tests: the metrics Nagios shows and
 * the value-only ones (hf_report.h, HF_METRIC_*). Include after cmocka.h
 * and hf_report.h. */
#ifndef TEST_METRIC_HELPERS_H
#define TEST_METRIC_HELPERS_H

#include <string.h>

/* How many metrics Nagios shows (perfdata). */
static inline size_t nperf(const hf_report *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nm; i++)
        n += (r->m[i].use & HF_METRIC_PERFDATA) != 0;
    return n;
}

/* The value-only metric object/name (for collectd and the SNMP agent);
 * fails when there is none. */
static inline double value_of(const hf_report *r, const char *object, const char *name)
{
    for (size_t i = 0; i < r->nm; i++)
        if (r->m[i].use == HF_METRIC_VALUE && strcmp(r->m[i].object, object) == 0 &&
            strcmp(r->m[i].name, name) == 0)
            return r->m[i].value;
    fail_msg("no value %s/%s", object, name);
    return 0;
}

#endif
