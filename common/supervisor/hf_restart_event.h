/* hf_restart_event: a Nagios or Icinga event handler's call, judged:
 * restart the service or not.
 *
 * DESIGN
 *
 * Nagios runs a service's event handler on every SOFT state (each retry)
 * and on every HARD state change, passing $SERVICESTATE$,
 * $SERVICESTATETYPE$ and $SERVICEATTEMPT$ (Icinga 2: $service.state$,
 * $service.state_type$, $service.check_attempt$). A restart is asked for on
 *   HARD CRITICAL                 always;
 *   SOFT CRITICAL attempt N       when N is the service's soft-attempt in
 *                                 restart.conf (default 0: never), so a
 *                                 service with max_check_attempts 3 and
 *                                 soft-attempt = 2 is restarted one retry
 *                                 before the alert;
 * and on nothing else (OK, WARNING, UNKNOWN, other SOFT attempts): the
 * handler then does nothing and why says so. Acting twice for one outage
 * (SOFT 2, then HARD 3 while the restart is under way or just done) is the
 * supervisor's to refuse: one restart per outage, backoff, budget.
 *
 * The values are what the macros give, nothing else: a state name (OK,
 * WARNING, CRITICAL, UNKNOWN) or its id 0..3, a state type HARD or SOFT
 * (or Icinga's 1 / 0), an attempt 1..10000; names in any case. Anything
 * else (an unexpanded "$SERVICESTATE$", shell syntax, a newline) is
 * refused (-EINVAL) with why quoting it safely (non-printables as \xNN),
 * and the caller must run nothing.
 *
 * Tests: tests/unit/test_supervisor_event.c. No state; thread-safe. */
#ifndef HF_RESTART_EVENT_H
#define HF_RESTART_EVENT_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_range.h"
#include "hf_restart_policy.h"

typedef struct hf_restart_event {
    const char *state;          /* $SERVICESTATE$ */
    const char *state_type;     /* $SERVICESTATETYPE$ */
    const char *attempt;        /* $SERVICEATTEMPT$ */
} hf_restart_event;

/* The macros' values: state (HF_OK .. HF_UNKNOWN), hard (else soft),
 * attempt. Returns 0 or -EINVAL with why as hf_restart_event_judge's. */
int hf_restart_event_parse(const hf_restart_event *ev, hf_state *state, bool *hard,
                           long *attempt, char *why, size_t n);

/* Judge ev for svc (its soft_attempt; NULL: HARD only). Returns 1 (restart),
 * 0 (no restart) or -EINVAL (a value no macro gives: refused); why (size n)
 * says which and why in one line, e.g. "HARD CRITICAL: restart" or "SOFT
 * CRITICAL attempt 1: no restart (restart.conf acts on SOFT attempt 2 and
 * on HARD)". */
int hf_restart_event_judge(const hf_restart_event *ev, const hf_restart_service *svc, char *why,
                           size_t n);

#endif
