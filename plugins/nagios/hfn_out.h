/* hfn_out: the Monitoring Plugins output of one or several check reports.
 *
 *   HELIXFLOW <TITLE> <STATE>: text | perfdata
 *   [STATE] one line per further finding (OK ones with -v)
 *   detail lines (standalone checks only)
 *
 * Standalone: the first line holds the worst findings' texts (or the
 * summary when all is well). check_helixflow (parts named): texts are
 * prefixed "<check>: ", perfdata labels "<check>_", the first line says
 * "N problems: " and names at most three, every problem gets a long-output
 * line, and detail lines are left out. */
#ifndef HFN_OUT_H
#define HFN_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_report.h"

typedef struct hfn_part {
    const char *name;           /* check name for the prefixes; NULL: standalone */
    const hf_report *report;
} hfn_part;

typedef struct hfn_out_opts {
    const char *title;          /* "SERVICE", "DEPLOYMENT" */
    int verbose;                /* -v: OK findings too */
    const char *summary;        /* replaces the parts' summaries (NULL: theirs) */
} hfn_out_opts;

/* Render into b (appended). Returns the exit code: the worst state. */
int hfn_out_render(hf_buf *b, const hfn_out_opts *o, const hfn_part *parts, size_t n);

/* One perfdata value "label=value[unit];warn;crit;min;max" (trailing empty
 * fields trimmed, label quoted when needed) appended to b. */
void hfn_out_perf(hf_buf *b, const char *prefix, const hf_metric *m);

#endif
