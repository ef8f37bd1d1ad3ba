/* hf_ledger_report: a front-end's check reports into the ledger: their
 * transitions, with the front-end's name, and a heartbeat so the times no
 * monitor ran are known (hf_ledger.h: coverage, gaps).
 *
 * DESIGN
 *
 * The ledger sits below the check layer (it knows states, not reports);
 * this adapter sits above both, beside the supervisor, so every front-end
 * writes the ledger the same way:
 *
 *   hf_ledger_record_report(ledger, &cfg, prev, cur, &n, err, sizeof(err))
 *     1. heartbeat: hf_ledger_heartbeat(cfg.monitor, at, cfg.interval_s),
 *        when interval_s > 0 and cur holds a finding that is not UNKNOWN
 *        (a run that could judge nothing, e.g. /proc unreadable, vouches for
 *        nothing: its time stays a gap);
 *     2. transitions: hf_report_transitions(prev, cur), each recorded with
 *        cfg.frontend and at, in one write transaction; from a run that
 *        judged nothing only those of the objects it names (its UNKNOWN):
 *        a service missing from a failed probe's report is not seen, not
 *        "recovered".
 *
 * prev is the front-end's previous report of the same instance. A one-shot
 * front-end has none (a Nagios event handler, helixflow-ops): with prev
 * NULL the previous state of each object of cur is the ledger's latest
 * transition of that object, from any front-end (hf_ledger_last_transition;
 * an object the ledger never heard of was OK). So a service already
 * recorded CRITICAL by collectd is not recorded CRITICAL again by the
 * event handler, and its recovery is recorded with the code that went away.
 *
 * interval_s is the front-end's promise: it reports again within that
 * time (collectd: the block's Interval; a Nagios check: its check
 * interval). The ledger extends the monitor's run while beats come within
 * 1.5 intervals and counts interval_s after the last beat as covered.
 *
 * Cost: one heartbeat transaction and one transaction for the transitions
 * (none when nothing changed); with prev NULL also one indexed read per
 * object of cur. Not thread-safe beyond the ledger's rule: one hf_ledger
 * per thread.
 *
 * Tests: tests/unit/test_supervisor_health.c (transitions with the
 * front-end, prev from the ledger, heartbeat coverage giving availability
 * and MTTR, an UNKNOWN-only run neither covered nor recovering anything). */
#ifndef HF_LEDGER_REPORT_H
#define HF_LEDGER_REPORT_H

#include <stddef.h>

#include "hf_ledger.h"
#include "hf_report.h"

typedef struct hf_ledger_report_cfg {
    const char *frontend;       /* each transition's front-end: "collectd", "helixflow-ops" */
    const char *monitor;        /* the run's name ("collectd:services"); NULL: frontend */
    double interval_s;          /* heartbeat with this interval; <= 0: no heartbeat */
    double at;                  /* the report's time, epoch seconds; 0: now */
} hf_ledger_report_cfg;

/* Record cur's transitions from prev (NULL: from the ledger) and a
 * heartbeat (see DESIGN). *recorded (may be NULL) counts the transitions
 * written. Returns 0 or negative errno with err naming the ledger; a
 * failed heartbeat does not stop the transitions (the first error is
 * returned). */
int hf_ledger_record_report(hf_ledger *l, const hf_ledger_report_cfg *cfg, const hf_report *prev,
                            const hf_report *cur, size_t *recorded, char *err, size_t n);

#endif
