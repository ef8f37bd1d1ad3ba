/* ops_restart_status: helixflow-ops restart --reset and --status: the
 * supervisor's budget and the ledger's figures, rendered. See ops_restart.h. */
#include "ops_restart_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_time.h"

int ops_restart_reset(ops_restart_run *r)
{
    size_t n = r->o.all ? r->policy.nservices : r->o.nnames;
    const char **names = calloc(n + 1, sizeof(*names));
    int code = OPS_RESTART_OK;

    if (!names)
        return ops_restart_fail(OPS_RESTART_ERROR, "out of memory");
    for (size_t i = 0; i < n; i++)
        names[i] = r->o.all ? r->policy.services[i].name : r->o.names[i];
    for (size_t i = 0; i < n; i++) {
        hf_supervisor_status st;
        char err[HF_ERR_MAX], when[32];
        int rc = hf_supervisor_status_get(r->sup, names[i], &st, err, sizeof(err));

        if (rc == 0)
            rc = hf_supervisor_reset(r->sup, names[i], r->requester, err, sizeof(err));
        if (rc == -EPERM || rc == -EINVAL) {
            printf("REFUSED: %s; nothing reset\n", err);
            code = ops_restart_worse(code, OPS_RESTART_REFUSED);
        } else if (rc < 0) {
            printf("ERROR: %s: not reset: %s\n", names[i], err);
            code = ops_restart_worse(code, OPS_RESTART_ERROR);
        } else if (st.given_up) {
            printf("RESET: %s: given-up state lifted (given up since %s UTC after %ld attempts); "
                   "restarts re-armed, %ld attempts in the budget\n", names[i],
                   hf_time_format(st.given_up_at, when, sizeof(when)), st.attempts,
                   hf_restart_policy_find(&r->policy, names[i])->budget.attempts);
        } else {
            printf("RESET: %s: restart budget reset (%ld attempts used in the window); it was "
                   "not given up\n", names[i], st.attempts);
        }
    }
    free(names);
    return code;
}

/* Whole days, hours or minutes when the figure is one: "30 d", "15 min". */
static const char *human(double s, char *out, size_t n)
{
    if (s >= 2 * 86400 && fmod(s, 86400) == 0)
        snprintf(out, n, "%g d", s / 86400);
    else if (s >= 7200 && fmod(s, 3600) == 0)
        snprintf(out, n, "%g h", s / 3600);
    else if (s >= 120 && fmod(s, 60) == 0)
        snprintf(out, n, "%g min", s / 60);
    else
        snprintf(out, n, "%g s", s);
    return out;
}

/* "MTTR 0.412 s (target < 15 min: met)"; seconds to the millisecond. */
static void figure(char *out, size_t n, const char *name, double v, bool pct, double target,
                   bool met)
{
    char t[32];

    if (isnan(v))
        snprintf(out, n, "%s -", name);
    else if (pct)
        snprintf(out, n, "%s %.3f %% (target > %g %%: %s)", name, v, target, met ? "met" : "NOT met");
    else
        snprintf(out, n, "%s %.3f s (target %s %s: %s)", name, v, strcmp(name, "MTTR") ? ">" : "<",
                 human(target, t, sizeof(t)), met ? "met" : "NOT met");
}

int ops_restart_status(ops_restart_run *r)
{
    size_t n = r->o.nnames ? r->o.nnames : r->policy.nservices;
    double now = hf_real_now();
    int code = OPS_RESTART_OK;

    for (size_t i = 0; i < n; i++) {
        const char *name = r->o.nnames ? r->o.names[i] : r->policy.services[i].name;
        const hf_restart_service *svc = hf_restart_name_valid(name)
            ? hf_restart_policy_find(&r->policy, name) : NULL;
        hf_ledger_query q = {.from = now - r->o.period_s, .to = now, .now = now,
                             .objects = &name, .nobjects = 1};
        hf_supervisor_status st;
        hf_ledger_stats fs;
        char err[HF_ERR_MAX], t1[32], t2[32], f1[128], f2[128], f3[128];

        if (hf_supervisor_status_get(r->sup, name, &st, err, sizeof(err)) < 0) {
            printf("REFUSED: %s\n", err);
            code = ops_restart_worse(code, svc ? OPS_RESTART_ERROR : OPS_RESTART_REFUSED);
            continue;
        }
        if (st.given_up)
            printf("%s: GIVEN UP since %s UTC after %ld attempts; 'helixflow-ops restart --reset "
                   "%s' re-arms it\n", name, hf_time_format(st.given_up_at, t1, sizeof(t1)),
                   st.attempts, name);
        else if (st.attempts)
            printf("%s: armed, %ld of %ld attempts used in the window since %s UTC; next attempt "
                   "%s%s\n", name, st.attempts, svc->budget.attempts,
                   hf_time_format(st.window_start, t1, sizeof(t1)),
                   st.next_at > 0 ? hf_time_format(st.next_at, t2, sizeof(t2)) : "any time",
                   st.next_at > 0 ? " UTC" : "");
        else
            printf("%s: armed, %ld attempts in the budget (a %s window)\n", name,
                   svc->budget.attempts, human(svc->budget.window_s, t1, sizeof(t1)));
        if (hf_ledger_stats_get(r->ledger, &q, &fs, err, sizeof(err)) < 0) {
            printf("  figures: %s\n", err);
            code = ops_restart_worse(code, OPS_RESTART_ERROR);
            hf_ledger_stats_free(&fs);
            continue;
        }
        figure(f1, sizeof(f1), "availability", fs.availability_pct, true,
               fs.target_availability_pct, fs.availability_met);
        figure(f2, sizeof(f2), "MTTR", fs.mttr_s, false, fs.target_mttr_s, fs.mttr_met);
        figure(f3, sizeof(f3), "MTBF", fs.mtbf_s, false, fs.target_mtbf_s, fs.mtbf_met);
        printf("  last %s: %s; incidents %zu; %s; %s; monitored %.3f s, not monitored %.3f s; "
               "restarts %ld (%ld succeeded)\n", human(r->o.period_s, t1, sizeof(t1)), f1,
               fs.nincidents, f2, f3, fs.measured_s, fs.gap_s, fs.restarts, fs.restarts_ok);
        hf_ledger_stats_free(&fs);
    }
    return code;
}
