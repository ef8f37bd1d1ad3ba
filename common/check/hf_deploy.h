/* hf_deploy: every check of a deployment in one process, for the front-ends
 * that show a whole deployment at once (helixflow-ops status; the same
 * policy as check_helixflow, which still has its own loop).
 *
 * DESIGN
 *
 * Parts. One part per kind of hf_check_kinds (in that order) that is not
 * skipped, each with its own settings object (defaults applied), its
 * report and its time. The kinds stay independent: a bad value for one
 * makes that part UNKNOWN (check.usage) and the others still run.
 *
 * Shared options -> settings (hf_deploy_init). A shared option reaches
 * every kind that has a setting of that name:
 *   root, state-dir, ca          every kind with the setting
 *   health-url                   http's "url", and "health-url" elsewhere
 *   models-url, metrics-url      the kinds with the setting (api)
 *   model                        every kind with it but http (http with a
 *                                model would GET /v1/models, not /health)
 * A front-end sets further per-kind values on part->set by name
 * (hf_deploy_set), with the core's message for a bad value.
 *
 * Time (hf_deploy_run). budget_s (default 10 s) is shared out: each part
 * gets what remains divided by the parts still to run, capped by its own
 * timeout setting, less a margin of HF_DEPLOY_MARGIN_S for the caller to
 * report. A part left with less than HF_DEPLOY_MIN_SHARE_S is not started
 * (UNKNOWN check.out_of_time, "not run"); a probe cut short by its share
 * says so itself (UNKNOWN, out of time). So a slow endpoint cannot starve
 * the rest, and the whole run ends within budget_s.
 *
 * State. Each part runs hf_check_run_once: its state file in its
 * state-dir (the same files a check_helixflow run with the same options
 * uses: the same kind and identity; locked, so both can run at once).
 *
 * Cost: the sum of the parts (each kind's own); nothing is added but the
 * settings objects. Not thread-safe: one hf_deploy per caller; the parts
 * run one after the other.
 *
 * Ownership: hf_deploy owns every part's settings and report;
 * hf_deploy_free releases them (accepts a zeroed or failed hf_deploy).
 *
 * Tests: tests/unit/test_deploy.c (sharing, skip, bad values, the time
 * share); tests/integration/ops_status.sh (the whole run on the test bed). */
#ifndef HF_DEPLOY_H
#define HF_DEPLOY_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_check.h"

#define HF_DEPLOY_MAX 16
#define HF_DEPLOY_MARGIN_S 0.25     /* of the budget, left to the caller to report */
#define HF_DEPLOY_MIN_SHARE_S 0.005 /* less than this left: the part is not started */

typedef struct hf_deploy_opts {
    const char *root, *state_dir, *ca;          /* NULL: the kinds' defaults */
    const char *health_url, *models_url, *metrics_url, *model;
    double budget_s;            /* the whole run; 0: 10 */
    unsigned skip;              /* bit i: leave hf_check_kinds[i] out */
} hf_deploy_opts;

typedef struct hf_deploy_part {
    const hf_check_kind *kind;
    hf_settings set;            /* owned */
    bool bad;                   /* a value was refused: not run, UNKNOWN check.usage */
    int shared_url;             /* http: the index of "url" when --health-url set it, else -1 */
    bool done;                  /* ran (or was judged unrunnable) */
    double elapsed_s;           /* its run, 0 when not run */
    hf_report report;           /* owned */
} hf_deploy_part;

typedef struct hf_deploy {
    hf_deploy_part part[HF_DEPLOY_MAX];
    size_t n;
    double budget_s;
    double elapsed_s;           /* the whole run */
} hf_deploy;

/* The index of kind name (len bytes) in hf_check_kinds, or -1. */
int hf_deploy_kind_index(const char *name, size_t len);
/* "service, resources, ..., log": the kinds' names, for usage texts. */
void hf_deploy_kind_names(hf_buf *b);

/* Parts for every kind not skipped, shared options applied (a refused
 * value: the part is bad, with the message naming --<setting>). Returns
 * 0, or -ENOMEM (d is then freed: nothing to release). */
int hf_deploy_init(hf_deploy *d, const hf_deploy_opts *o);
void hf_deploy_free(hf_deploy *d);

/* The part of kind name, NULL when skipped or unknown. */
hf_deploy_part *hf_deploy_find(hf_deploy *d, const char *name);

/* Set setting name of part p from text (value NULL for a flag). Returns
 * 0; -ENOENT when the kind has no such setting (err says so, naming the
 * kind); -EINVAL when the value is refused (err: "--name: why"). Either
 * way the caller decides; hf_deploy_bad marks the part. */
int hf_deploy_set(hf_deploy_part *p, const char *name, const char *value, char *err, size_t n);
/* Mark p unrunnable: UNKNOWN check.usage with msg (naming the option). */
void hf_deploy_bad(hf_deploy_part *p, const char *msg);

/* Validate every part now (hf_deploy_run does it too): the number of bad
 * parts, each with its check.usage finding ("--<setting>: why"). */
size_t hf_deploy_validate(hf_deploy *d);

/* Called before each part starts (check_helixflow's last-resort alarm
 * renders what finished so far); may be NULL. */
typedef void (*hf_deploy_hook)(const hf_deploy *d, size_t next, void *arg);

/* Validate and run every part within the budget (see DESIGN). */
void hf_deploy_run(hf_deploy *d, hf_deploy_hook before, void *arg);

/* The worst state of the parts' reports. */
hf_state hf_deploy_state(const hf_deploy *d);

#endif
