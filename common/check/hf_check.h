/* hf_check: the judgement, once for every front-end.
 *
 * A check kind (service, resources, http, api, cert, db, backup, log) is a
 * settings table (hf_settings.h), a validation, a state it keeps between
 * evaluations and an evaluation: probe results -> a report (hf_report.h)
 * with the default thresholds, states, codes and texts every front-end
 * shows alike. Front-ends fill settings and render reports, nothing more.
 *
 * Flow:   settings (filled, validated)
 *           -> hf_check_eval(kind, settings, state, ctx, report)   in memory
 *           -> hf_check_run_once(kind, settings, ctx, report)      load+lock+save
 *
 * State is owned by the caller. A long-running front-end (collectd, the
 * SNMP agent) keeps one state per configured instance (hf_check_state_new)
 * and saves it now and then (hf_check_state_save). A one-shot run (a Nagios
 * check) uses hf_check_run_once, which
 *   1. refuses a state directory others can write (hf_dir_check_private)
 *      and then runs without state, saying so (UNKNOWN finding
 *      "state.directory");
 *   2. names the state file after the configuration:
 *      <state-dir>/<kind>-<16 hex of hf_settings_identity>.state, so two
 *      differently configured instances never share a file;
 *   3. locks <file>.lock (no symlink followed), waiting at most a quarter
 *      of the time left;
 *   4. loads it; an unusable file (truncated, garbage, a directory, a
 *      wrong version) is one WARNING finding "state.reset" that says what
 *      is wrong, and the run starts afresh (never a crash);
 *   5. evaluates, saves through an exclusively created temporary file
 *      (hf_file_write_atomic), unlocks.
 *
 * Time: ctx->deadline bounds the evaluation (hf_mono_now() seconds). When
 * ctx->shared is set the deadline is a share of a larger budget
 * (check_helixflow's -t): a probe cut short by it is UNKNOWN "out of time"
 * (our budget ran out), never a failure of HelixFlow.
 *
 * Threads: kinds hold no globals; process-wide library initialisation
 * (libcurl, OpenSSL) runs once through hf_check_init. Evaluations of
 * different instances run concurrently (collectd's read threads). */
#ifndef HF_CHECK_H
#define HF_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_report.h"
#include "hf_settings.h"

typedef struct hf_check_ctx {
    double start;               /* hf_mono_now() when the evaluation began */
    double deadline;            /* hf_mono_now() limit */
    bool shared;                /* deadline is a share of a larger budget */
} hf_check_ctx;

typedef struct hf_check_kind {
    const char *name;           /* "service" */
    const char *title;          /* "SERVICE": Nagios' first line */
    const char *doc;            /* a paragraph: what it checks */
    const hf_setting_def *defs; /* the kind's own settings, after the common ones */
    size_t ndefs;
    /* Cross-setting validation; on error *bad is the setting's index (or
     * -1) and err says what is wrong without its name. May be NULL. */
    int (*validate)(const hf_settings *s, int *bad, char *err, size_t n);
    /* Process-wide library initialisation; thread-safe and idempotent (a
     * pthread_once inside). May be NULL. */
    void (*init)(void);
    /* State kept between evaluations; all NULL for a stateless kind. */
    void *(*state_new)(void);
    void (*state_free)(void *st);
    /* Returns 0, -ENOENT (no file: first run) or another negative errno
     * with err saying what is wrong with the file. st is fresh on error. */
    int (*state_load)(void *st, const char *path, char *err, size_t n);
    int (*state_save)(void *st, const char *path, char *err, size_t n);
    /* Evaluate into out (already initialised). st NULL: no state kept. */
    void (*eval)(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out);
} hf_check_kind;

extern const hf_check_kind hf_check_service, hf_check_resources, hf_check_http,
    hf_check_api, hf_check_cert, hf_check_db, hf_check_backup, hf_check_log;

/* Every kind, in check_helixflow's order (hf_check_kinds.c), NULL-terminated. */
extern const hf_check_kind *const hf_check_kinds[];
const hf_check_kind *hf_check_kind_find(const char *name);

/* Once per process: the kind's library initialisation. A long-running
 * front-end calls it for each configured kind while it reads its
 * configuration, before its threads start; hf_check_eval calls it too (a
 * no-op after the first time), so one-shot programs need not. */
void hf_check_init(const hf_check_kind *k);

/* A context for an evaluation of at most timeout_s seconds from now (less
 * margin_s for reporting), optionally capped by an outer deadline (> 0). */
hf_check_ctx hf_check_ctx_make(double timeout_s, double margin_s, double outer_deadline);
/* Milliseconds left (at least 1). */
long hf_check_ms_left(const hf_check_ctx *ctx);

/* Validate filled settings. Returns 0 or -EINVAL (see kind->validate). */
int hf_check_validate(const hf_settings *s, int *bad, char *err, size_t n);

/* In-memory state for a long-running front-end; NULL for a stateless kind
 * or out of memory. */
void *hf_check_state_new(const hf_check_kind *k);
void hf_check_state_free(const hf_check_kind *k, void *st);
/* The state file of these settings: <state-dir>/<kind>-<identity>.state.
 * Returns 0 or -ENAMETOOLONG. */
int hf_check_state_path(const hf_settings *s, char *out, size_t n);
/* Save st to its file under a lock (directory created mode 0750 and
 * checked private). Returns 0 or negative errno with err. */
int hf_check_state_save(const hf_settings *s, void *st, double deadline, char *err, size_t n);
/* Load st from its file (same policy as the one-shot run: on error err
 * says what and st is fresh). Returns 0, -ENOENT or negative errno. */
int hf_check_state_load(const hf_settings *s, void *st, double deadline, char *err, size_t n);

/* One evaluation with in-memory state (st may be NULL). */
void hf_check_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out);

/* The findings of a run that could not judge (codes check.*), for
 * front-ends that run several checks or fill settings from their own
 * configuration. A bad setting: UNKNOWN check.usage with msg as given (it
 * names the setting in the front-end's spelling). Out of memory: UNKNOWN
 * check.oom. Out of the caller's time budget of budget_s seconds before
 * the check started (started false) or before it returned: UNKNOWN
 * check.out_of_time. */
void hf_check_usage_finding(hf_report *out, const char *msg);
void hf_check_oom_finding(hf_report *out);
void hf_check_out_of_time_finding(hf_report *out, double budget_s, bool started);

/* One evaluation with the state file: see the top of this header. */
void hf_check_run_once(const hf_settings *s, const hf_check_ctx *ctx, hf_report *out);

#endif
