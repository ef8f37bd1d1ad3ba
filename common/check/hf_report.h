/* hf_report: what one evaluation of a check found, for every front-end.
 *
 *   findings  state, object ("api-gateway", "auth-service.crt", "" for the
 *             check as a whole), a stable code ("service.down",
 *             "cert.expiring") that notifications, traps and the ledger
 *             use, and the text a human reads. OK findings are kept too:
 *             a front-end shows them on request (Nagios -v).
 *   metrics   label (unique in the report: the Nagios perfdata label),
 *             object and name (collectd's plugin_instance/type_instance),
 *             value (NAN: could not be measured this time), unit, warning
 *             and critical ranges, min and max (NAN: none).
 *   summary   the text when nothing is wrong.
 *   details   plain lines after the findings (the last matching log lines).
 *
 * The state of the report is the worst finding's (CRITICAL > WARNING >
 * UNKNOWN > OK). Printing is the front-end's; numbers are formatted by the
 * one precision rule of hf_report_number.
 *
 * Transitions: comparing two reports of the same instance gives, per
 * object, its state change (the worst finding of that object, OK when it
 * has none): object, code, from, to, text. A recovery carries the code of
 * the finding that went away.
 *
 * Ownership: the report owns every string; hf_report_free releases it
 * (accepts NULL). A report is used by one thread at a time. Out of memory
 * makes the report UNKNOWN (oom set), never a crash. */
#ifndef HF_REPORT_H
#define HF_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_range.h"
#include "hf_util.h"

typedef struct hf_finding {
    hf_state state;
    char *object;               /* "" for the check as a whole */
    char *code;                 /* "<kind>.<what>" */
    char *text;
} hf_finding;

typedef struct hf_metric {
    char *label;
    char *object;
    char *name;
    double value;               /* NAN: unknown */
    const char *unit;           /* static: "", "s", "ms", "B", "%", "d", "c" (counter), "b" (0/1) */
    hf_range warn, crit;        /* .set false: none */
    double min, max;            /* NAN: none */
    unsigned use;               /* HF_METRIC_PERFDATA | HF_METRIC_VALUE */
} hf_metric;

/* Who shows a metric. Both by default. A value only (HF_METRIC_VALUE) is a
 * figure a long-running front-end dispatches each interval but a Nagios
 * line leaves out: up flags (unit "b": 1 or 0), counters kept since the
 * front-end started (unit "c"). Perfdata only: a figure whose value
 * twin has a finer unit (service cpu in seconds vs cpu_us). */
enum { HF_METRIC_PERFDATA = 1u << 0, HF_METRIC_VALUE = 1u << 1 };

typedef struct hf_report {
    hf_state state;
    hf_finding *f;
    size_t nf, capf;
    hf_metric *m;
    size_t nm, capm;
    hf_buf summary;
    hf_buf details;             /* '\n'-terminated lines */
    bool oom;
} hf_report;

void hf_report_init(hf_report *r);
void hf_report_free(hf_report *r);
void hf_report_reset(hf_report *r);          /* empty again, memory kept */

/* A finding. object and code may be NULL (""). */
void hf_report_add(hf_report *r, hf_state st, const char *object, const char *code,
                   const char *fmt, ...) HF_PRINTF(5, 6);
void hf_report_vadd(hf_report *r, hf_state st, const char *object, const char *code,
                    const char *fmt, va_list ap) HF_PRINTF(5, 0);
/* Summary text, joined with ", ". */
void hf_report_summary(hf_report *r, const char *fmt, ...) HF_PRINTF(2, 3);
void hf_report_summary_reset(hf_report *r);
/* One plain detail line (no newline in fmt). */
void hf_report_detail(hf_report *r, const char *fmt, ...) HF_PRINTF(2, 3);

/* A metric; warn/crit may be NULL; object/name NULL mean "" and label. */
void hf_report_metric(hf_report *r, const char *label, const char *object, const char *name,
                      double value, const char *unit, const hf_range *warn,
                      const hf_range *crit, double min, double max);
/* A value-only metric (HF_METRIC_VALUE): no ranges, no bounds. */
void hf_report_value(hf_report *r, const char *object, const char *name, double value,
                     const char *unit);
/* Restrict the last metric added to use (HF_METRIC_*). */
void hf_report_metric_use(hf_report *r, unsigned use);

/* Number of findings that are not OK. */
size_t hf_report_problems(const hf_report *r);
/* The worst state of object's findings (HF_OK when none). */
hf_state hf_report_object_state(const hf_report *r, const char *object);

/* The precision rule of every metric and perfdata value: fixed point (no
 * exponent: perfdata parsers reject "8.7e-05"), whole numbers without
 * decimals, else six significant digits with trailing zeros trimmed.
 * Appends nothing for NAN. */
void hf_report_number(hf_buf *b, double v);

typedef struct hf_transition {
    char *object;
    char *code;
    hf_state from, to;
    char *text;
} hf_transition;

/* State changes from prev (NULL: nothing known, every object OK) to cur.
 * *out is a malloc'd array of *n transitions (owned by the caller; free
 * with hf_transitions_free). Returns 0 or -ENOMEM. */
int hf_report_transitions(const hf_report *prev, const hf_report *cur, hf_transition **out,
                          size_t *n);
void hf_transitions_free(hf_transition *t, size_t n);

#endif
