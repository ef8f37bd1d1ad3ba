/* hf_ledger_report: check reports -> ledger transitions and heartbeats.
 * See hf_ledger_report.h. */
#include "hf_ledger_report.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hf_util.h"

/* Did cur judge anything (a finding that is not UNKNOWN)? */
static bool judged(const hf_report *cur)
{
    for (size_t i = 0; cur && i < cur->nf; i++)
        if (cur->f[i].state != HF_UNKNOWN)
            return true;
    return false;
}

static bool in_report(const hf_report *r, const char *object)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].object, object) == 0)
            return true;
    return false;
}

static bool listed_before(const hf_report *r, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(r->f[j].object, r->f[i].object) == 0)
            return true;
    return false;
}

/* The ledger's last word on each object of cur, as a report. */
static int prev_from_ledger(hf_ledger *l, const hf_report *cur, hf_report *out, char *err,
                            size_t n)
{
    for (size_t i = 0; i < cur->nf; i++) {
        hf_ledger_last last;
        int rc;

        if (listed_before(cur, i))
            continue;
        if ((rc = hf_ledger_last_transition(l, cur->f[i].object, &last, err, n)) < 0)
            return rc;
        if (last.found)
            hf_report_add(out, last.to, cur->f[i].object, last.code, "%s", last.text);
    }
    if (out->oom) {
        hf_err_set(err, n, "ledger %s: out of memory", hf_ledger_path(l));
        return -ENOMEM;
    }
    return 0;
}

int hf_ledger_record_report(hf_ledger *l, const hf_ledger_report_cfg *cfg, const hf_report *prev,
                            const hf_report *cur, size_t *recorded, char *err, size_t n)
{
    const char *monitor = cfg->monitor && cfg->monitor[0] ? cfg->monitor : cfg->frontend;
    double at = cfg->at > 0 ? cfg->at : hf_real_now();
    hf_report from;
    hf_transition *t = NULL;
    hf_ledger_transition *lt = NULL;
    size_t nt = 0, nl = 0;
    bool seeing = judged(cur);
    int first = 0, rc;

    if (recorded)
        *recorded = 0;
    if (!cur)
        return 0;
    if (cfg->interval_s > 0 && seeing)
        first = hf_ledger_heartbeat(l, monitor ? monitor : "unknown", at, cfg->interval_s, err, n);
    hf_report_init(&from);
    if (!prev && (rc = prev_from_ledger(l, cur, &from, first ? NULL : err, first ? 0 : n)) < 0) {
        hf_report_free(&from);
        return first ? first : rc;
    }
    rc = hf_report_transitions(prev ? prev : &from, cur, &t, &nt);
    hf_report_free(&from);
    if (rc == 0 && nt > 0 && !(lt = calloc(nt, sizeof(*lt))))
        rc = -ENOMEM;
    if (rc < 0) {
        hf_transitions_free(t, nt);
        if (!first)
            hf_err_set(err, n, "ledger %s: out of memory", hf_ledger_path(l));
        return first ? first : rc;
    }
    for (size_t i = 0; i < nt; i++) {
        if (!seeing && !in_report(cur, t[i].object))
            continue;                   /* not seen this time: not "recovered" */
        lt[nl++] = (hf_ledger_transition){.at = at, .object = t[i].object, .code = t[i].code,
                                          .from = t[i].from, .to = t[i].to, .text = t[i].text,
                                          .frontend = cfg->frontend};
    }
    rc = hf_ledger_record_transitions(l, lt, nl, first ? NULL : err, first ? 0 : n);
    if (rc == 0 && recorded)
        *recorded = nl;
    free(lt);
    hf_transitions_free(t, nt);
    return first ? first : rc;
}
