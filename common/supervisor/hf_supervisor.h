/* hf_supervisor: restart a HelixFlow service, once per outage, within a
 * budget, verified healthy, every request in the ledger.
 *
 * DESIGN
 *
 * Who decides what runs. The policy (hf_restart_policy.h, one root-owned
 * restart.conf): the allow-list, the argv, the budget, the order. A request
 * names only a service; a name that is not strictly valid
 * (hf_restart_name_valid: no ';', '$(', '`', newline, '/', '..') or not in
 * the policy is REFUSED, recorded, and nothing runs.
 *
 * One restart per outage, whoever asks. Per service, the caller takes an
 * flock on <ledger dir>/restart-<service>.lock (hf_ledger_lock: no symlink
 * followed, 0660 in the shared setgid directory) for the whole attempt, so
 * two front-ends (collectd, the SNMP agent, a Nagios event handler, an
 * operator) never run it at once: the second gets IN_PROGRESS (or waits
 * lock_wait_s). Holding the lock it then decides from the ledger's budget
 * row, shared by every user on the host:
 *   1. given up                                     -> GIVEN_UP, nothing run
 *   2. an attempt ended after the caller saw the outage (observed_at):
 *      that outage was acted upon                   -> ALREADY
 *   3. healthy now (the callback)                   -> ALREADY
 *   4. budget reset: the window (window_s since its first attempt) is over
 *      and the service stayed healthy reset_s after the last attempt;
 *      "stayed healthy until" is the latest of: last seen healthy (the
 *      verification, hf_supervisor_observe, the request's last_ok) and its
 *      first transition to CRITICAL in the ledger after healthy_since
 *   5. attempts >= budget.attempts                  -> GIVEN_UP (alert)
 *   6. within the backoff after the last attempt's end: gap k (after
 *      attempt k) = backoff_s * 2^(k-1), at most backoff_max_s
 *                                                   -> BACKOFF (next_at);
 *      with wait, it sleeps out the gap (the cfg's sleep) and decides again
 *   7. the attempt: counted in the ledger BEFORE the command runs (a crash
 *      mid-restart still spends it); hf_command_run (argv, timeout, SIGTERM,
 *      SIGKILL); then, if it exited 0, the health callback polled from
 *      verify_first_s, doubling to verify_max_s, until verify_s after the
 *      command: healthy -> RESTARTED, else FAILED; the last attempt of the
 *      budget failing -> GIVEN_UP at once (with the command's result)
 *   with wait, a FAILED attempt goes back to 1 until RESTARTED, GIVEN_UP or
 *   the request's deadline.
 * Without a health callback, exit status 0 is RESTARTED (verified false).
 * The ready-made one is hf_health_fn (hf_health.h): the service's processes
 * by the process probe's exact identity and the health endpoint OK, each
 * verdict optionally recorded in the ledger.
 *
 * Escalation (the guide's levels), hf_restart_result.level:
 *   RESTARTED -> HF_ESCALATION_RESTARTED  automatic restart worked (notify)
 *   FAILED, ERROR -> HF_ESCALATION_ALERT  an attempt failed: alert
 *   GIVEN_UP  -> HF_ESCALATION_GIVEN_UP   no more automatic restarts until
 *                                         hf_supervisor_reset (an operator)
 *   the rest  -> HF_ESCALATION_NONE
 *
 * Order: hf_supervisor_restart_all restarts several down services in the
 * policy's order (dependencies first: auth-service and inference-pool
 * before the gateways unless configured otherwise).
 *
 * Record: every request (refused, in progress, backoff ... included) is a
 * row in the ledger's restarts table: front-end, requester (default: the
 * caller's user name), outcome, attempt, duration, exit status or signal,
 * stderr head, text. With cfg.syslog each is also one syslog line
 * (LOG_DAEMON; notice for RESTARTED, warning for FAILED, err for GIVEN_UP).
 *
 * Time: cfg.now/cfg.sleep (epoch seconds; default the real clock and
 * nanosleep) drive the budget, backoff and verification, so tests inject a
 * clock and never wait; the command's own timeout is real time. Budget
 * times in the ledger are epoch seconds, shared by all processes.
 *
 * Ownership: the policy and the ledger are borrowed (they outlive the
 * supervisor); one hf_supervisor is used by one thread at a time (it uses
 * the ledger's connection). Nothing printed; errors in the result's text
 * or err, naming the service and the file.
 *
 * Tests: tests/unit/test_supervisor.c (a real restart script writing a
 * marker; injection names refused with nothing executed; budget spent with
 * growing gaps on an injected clock; reset; backoff; two forked supervisors
 * on one outage -> one restart; order), test_supervisor_policy.c,
 * test_supervisor_command.c. */
#ifndef HF_SUPERVISOR_H
#define HF_SUPERVISOR_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_command.h"
#include "hf_ledger.h"
#include "hf_restart_policy.h"
#include "hf_util.h"

typedef enum hf_restart_outcome {
    HF_RESTART_RESTARTED,       /* ran and healthy by the deadline */
    HF_RESTART_FAILED,          /* ran, not healthy (exit status, timeout or health) */
    HF_RESTART_GIVEN_UP,        /* budget spent (this attempt was the last, or none ran) */
    HF_RESTART_BACKOFF,         /* too soon after the last attempt: see next_at */
    HF_RESTART_IN_PROGRESS,     /* another caller holds the service's lock */
    HF_RESTART_ALREADY,         /* healthy, or acted upon since the caller saw it down */
    HF_RESTART_REFUSED,         /* not a valid name or not in the policy */
    HF_RESTART_ERROR,           /* could not decide or run (lock, ledger, exec): see text */
} hf_restart_outcome;

typedef enum hf_escalation {
    HF_ESCALATION_NONE,
    HF_ESCALATION_RESTARTED,
    HF_ESCALATION_ALERT,
    HF_ESCALATION_GIVEN_UP,
} hf_escalation;

/* The caller's health verdict (e.g. process probe and health endpoint). */
typedef bool (*hf_supervisor_healthy_fn)(const char *service, void *ctx);

typedef struct hf_supervisor_cfg {
    const hf_restart_policy *policy;    /* borrowed, required */
    hf_ledger *ledger;                  /* borrowed, required */
    hf_supervisor_healthy_fn healthy;   /* NULL: exit status 0 counts (not verified) */
    void *healthy_ctx;
    double (*now)(void *clock_ctx);     /* epoch seconds; NULL: hf_real_now */
    void (*sleep)(double seconds, void *clock_ctx);    /* NULL: nanosleep */
    void *clock_ctx;
    double verify_first_s;              /* first health poll gap; 0: 0.5 */
    double verify_max_s;                /* largest gap; 0: 5 */
    bool syslog;                        /* one syslog line per request */
} hf_supervisor_cfg;

typedef struct hf_restart_request {
    const char *service;
    const char *frontend;               /* "nagios", "collectd", "snmp", "ops"; NULL "unknown" */
    const char *requester;              /* user or NMS address; NULL: our user name */
    double observed_at;                 /* when the caller saw it down; 0: now */
    double last_ok;                     /* when the caller last saw it healthy; 0: unknown */
    bool wait;                          /* sleep out backoffs and try again (see DESIGN) */
    double deadline;                    /* with wait: give up waiting then (cfg clock); 0: none */
    double lock_wait_s;                 /* wait for another caller's lock; 0: do not */
} hf_restart_request;

typedef struct hf_restart_result {
    hf_restart_outcome outcome;
    hf_escalation level;
    int commands;                       /* commands run by this call */
    long attempt;                       /* the last attempt's number in the budget window */
    long attempts_left;
    double next_at;                     /* BACKOFF: earliest next attempt (cfg clock) */
    bool verified;                      /* RESTARTED by the health callback */
    hf_command_result cmd;              /* the last command's result (cmd.ran) */
    char text[HF_ERR_MAX];              /* one line for logs and notifications */
} hf_restart_result;

typedef struct hf_supervisor hf_supervisor;

/* A supervisor over cfg (copied). Returns NULL with err on a missing
 * policy or ledger or out of memory. */
hf_supervisor *hf_supervisor_new(const hf_supervisor_cfg *cfg, char *err, size_t n);
void hf_supervisor_free(hf_supervisor *s);          /* accepts NULL */

/* One request (see DESIGN). Fills *res. Returns 0 for a decision
 * (RESTARTED ... ALREADY), -EINVAL / -EPERM for REFUSED (bad name / not in
 * the policy) and negative errno for ERROR; res->text says what happened. */
int hf_supervisor_restart(hf_supervisor *s, const hf_restart_request *req,
                          hf_restart_result *res);

/* Restart n services in the policy's order (dependencies first), each with
 * *tmpl's other fields; results[i] is services[i]'s. Returns 0 or the
 * first negative return. */
int hf_supervisor_restart_all(hf_supervisor *s, const char *const *services, size_t n,
                              const hf_restart_request *tmpl, hf_restart_result *results);

/* Sort names in place into restart order (policy rank; names not in the
 * policy last, in their order). */
void hf_supervisor_order(const hf_supervisor *s, const char **names, size_t n);

/* A front-end saw the service healthy or not now: keeps "healthy since"
 * and "last seen healthy" for the budget reset. Skipped (0) while a
 * restart holds the lock. Returns 0 or negative errno with err. */
int hf_supervisor_observe(hf_supervisor *s, const char *service, bool healthy, char *err,
                          size_t n);

/* Lift a given-up state and reset the budget (an operator: helixflow-ops
 * restart --reset). Recorded as outcome "reset". Waits up to 5 s for the
 * lock. Returns 0 or negative errno with err. */
int hf_supervisor_reset(hf_supervisor *s, const char *service, const char *requester,
                        char *err, size_t n);

typedef struct hf_supervisor_status {
    long attempts, attempts_left;       /* in the current window (after a due reset) */
    double window_start, last_attempt, last_end;
    double next_at;                     /* earliest next attempt; 0: now */
    bool given_up;
    double given_up_at;
} hf_supervisor_status;

int hf_supervisor_status_get(hf_supervisor *s, const char *service, hf_supervisor_status *out,
                             char *err, size_t n);

const char *hf_restart_outcome_name(hf_restart_outcome o);  /* "restarted", "given_up", ... */
const char *hf_escalation_name(hf_escalation e);            /* "none", "restarted", "alert", "given_up" */

#endif
