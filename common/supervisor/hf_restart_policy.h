/* hf_restart_policy: the restart policy, from one root-owned file
 * (/etc/helixflow-monitoring/restart.conf, HF_DEFAULT_RESTART_CONF).
 *
 * DESIGN
 *
 * Who may name a command. Only this file: no front-end configuration and
 * no request (an SNMP SET, an event handler's arguments) can. So it is
 * checked as sudo checks sudoers (hf_restart_policy_load):
 *   - opened with O_NOFOLLOW (a symlink is refused), a regular file of at
 *     most 64 KiB, read from the descriptor that was checked;
 *   - owned by root or by the user running us, not writable by group or
 *     others;
 *   - its directory owned by root or us, not writable by group or others.
 * Anything else is refused with a message naming the file and why (and how
 * to fix it); no policy means nothing is restarted.
 *
 * Format. Lines; blanks around keys and values are ignored; a line whose
 * first non-blank is '#' is a comment; "key = value"; "[name]" starts the
 * section of one service. Global keys come before the first section; a
 * section may repeat any key but services. Every bad line is an error
 * "<file>:<line>: <what>", the file refused as a whole (never half a
 * policy): an unknown key, a key given twice in one place, a value out of
 * its range, a name not in services, a dependency cycle.
 *
 *   services = api-gateway api-gateway-grpc auth-service inference-pool monitoring
 *   command = /usr/bin/systemctl restart helixflow-{service}.service
 *   attempts = 3          # per window (1..100)
 *   window = 15m          # the window of the budget (1 s..1 d)
 *   backoff = 10s         # gap after the first attempt, doubled after each (0..1 d)
 *   backoff-max = 5m      # the gap's ceiling (>= backoff)
 *   reset-after = 10m     # healthy this long (and the window over): budget reset (0..7 d)
 *   timeout = 60s         # the command's time, then SIGTERM (0.1 s..1 h)
 *   kill-after = 10s      # then SIGKILL (0.1 s..10 min)
 *   verify = 60s          # health deadline after the command (0..1 h)
 *   soft-attempt = 0      # event handlers: also act on a SOFT CRITICAL with
 *                         # this attempt number (1..100; 0: HARD CRITICAL only)
 *
 *   [api-gateway]
 *   after = auth-service inference-pool    # restarted first when both are down
 *   command = /opt/helixflow/production_deployment.sh restart {service}
 *
 * services is required: the allow-list; names match [a-z0-9][a-z0-9_.-]*,
 * at most 63 bytes, no "..". Durations are a number of seconds with an
 * optional unit s, m, h or d. Defaults: hf_defaults.h (HF_DEFAULT_RESTART_*).
 *
 * The command is an argv, never a shell line: words split on blanks, the
 * first an absolute path (execve, no PATH search). A word may hold
 * {service}, replaced by the (validated) name inside that one word, so the
 * name is always part of one argv element and can never add another.
 * Quotes, backslashes and shell syntax (; | & < > $ `) are refused: they
 * would mean nothing to execve; write a script instead. At most 32 words.
 *
 * Order: after names services restarted first. Without an after line,
 * api-gateway and api-gateway-grpc come after auth-service and
 * inference-pool (those of them listed); "after =" (empty) says none. The
 * order (rank) is a topological sort, ties in services order.
 *
 * Tests: tests/unit/test_supervisor_policy.c (every key, every refusal,
 * permissions, cycles, argv substitution); fuzz: tests/fuzz/fuzz_restart_conf.c.
 * Thread-safe: no globals; a policy is read-only once parsed. */
#ifndef HF_RESTART_POLICY_H
#define HF_RESTART_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_util.h"

#define HF_RESTART_NAME_MAX 64          /* a service name, with its NUL */
#define HF_RESTART_ARGV_MAX 32          /* words of a command */
#define HF_RESTART_SERVICES_MAX 64
#define HF_RESTART_CONF_MAX (64 * 1024)

typedef struct hf_restart_budget {
    long attempts;                      /* per window */
    double window_s;
    double backoff_s, backoff_max_s;
    double reset_s;                     /* healthy time that resets the budget */
} hf_restart_budget;

typedef struct hf_restart_service {
    char name[HF_RESTART_NAME_MAX];
    char **command;                     /* owned, NULL-terminated template words */
    size_t ncommand;
    double timeout_s, kill_after_s, verify_s;
    hf_restart_budget budget;
    long soft_attempt;                  /* event handlers act on SOFT CRITICAL attempt N; 0: HARD only */
    size_t after[HF_RESTART_SERVICES_MAX];  /* indexes of services restarted first */
    size_t nafter;
    unsigned rank;                      /* 0 restarts first */
} hf_restart_service;

typedef struct hf_restart_policy {
    char path[HF_PATH_MAX];             /* where it was read ("" when parsed from memory) */
    hf_restart_service *services;       /* owned, nservices, in the services order */
    size_t nservices;
} hf_restart_policy;

/* A strict service name: [a-z0-9][a-z0-9_.-]*, < HF_RESTART_NAME_MAX bytes,
 * no "..". Refuses everything a shell or a path could misread. */
bool hf_restart_name_valid(const char *name);

/* Check path's ownership and mode (see DESIGN) and parse it into *p.
 * path NULL: HF_DEFAULT_RESTART_CONF. Returns 0, or negative errno with
 * err naming the file (and line); *p is empty on error. */
int hf_restart_policy_load(const char *path, hf_restart_policy *p, char *err, size_t n);

/* Parse len bytes (need not be NUL-terminated); name is used in messages.
 * No permission checks (the caller read the file). Returns 0 or -EINVAL
 * ("<name>:<line>: ...") / -ENOMEM. */
int hf_restart_policy_parse(const char *text, size_t len, const char *name,
                            hf_restart_policy *p, char *err, size_t n);

void hf_restart_policy_free(hf_restart_policy *p);     /* accepts NULL */

/* The service called name, or NULL when it is not in the policy. */
const hf_restart_service *hf_restart_policy_find(const hf_restart_policy *p, const char *name);

/* The service's argv: its template with {service} replaced by its name.
 * *argv is NULL-terminated, owned by the caller (hf_restart_argv_free).
 * Returns 0 or -ENOMEM. */
int hf_restart_argv(const hf_restart_service *s, char ***argv);
void hf_restart_argv_free(char **argv);                /* accepts NULL */

#endif
