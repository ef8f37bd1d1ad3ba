/* hf_restart_event: an event handler's macros judged. See hf_restart_event.h. */
#include "hf_restart_event.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hf_supervisor_int.h"

#define HF_EVENT_ATTEMPT_MAX 10000

static const char *const states[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

/* Index of v in names (any case) or its decimal id, else -1. */
static int lookup(const char *v, const char *const *names, int count)
{
    if (!v)
        return -1;
    for (int i = 0; i < count; i++)
        if (strcasecmp(v, names[i]) == 0)
            return i;
    if (v[0] >= '0' && v[0] < '0' + count && v[1] == '\0')
        return v[0] - '0';
    return -1;
}

static int refuse(const char *what, const char *v, const char *expect, char *why, size_t n)
{
    char q[HF_RESTART_NAME_MAX * 4 + 8];

    hf_sup_quote(v, q, sizeof(q));
    hf_err_set(why, n, "refused: %s '%s' is not %s; nothing run", what, q, expect);
    return -EINVAL;
}

int hf_restart_event_parse(const hf_restart_event *ev, hf_state *state, bool *hard,
                           long *attempt, char *why, size_t n)
{
    static const char *const types[] = {"SOFT", "HARD"};       /* Icinga: 0 soft, 1 hard */
    int st = lookup(ev->state, states, 4), type = lookup(ev->state_type, types, 2);
    bool digits = ev->attempt && ev->attempt[0];

    for (const char *p = ev->attempt; digits && *p; p++)
        digits = *p >= '0' && *p <= '9' && p - ev->attempt < 6;
    if (st < 0)
        return refuse("the state", ev->state, "OK, WARNING, CRITICAL or UNKNOWN ($SERVICESTATE$)",
                      why, n);
    if (type < 0)
        return refuse("the state type", ev->state_type, "HARD or SOFT ($SERVICESTATETYPE$)", why,
                      n);
    if (!digits || hf_parse_long(ev->attempt, attempt) < 0 || *attempt < 1 ||
        *attempt > HF_EVENT_ATTEMPT_MAX)
        return refuse("the attempt", ev->attempt, "a number from 1 to 10000 ($SERVICEATTEMPT$)",
                      why, n);
    *state = (hf_state)st;
    *hard = type == 1;
    return 0;
}

int hf_restart_event_judge(const hf_restart_event *ev, const hf_restart_service *svc, char *why,
                           size_t n)
{
    hf_state state;
    bool hard;
    long attempt = 0, soft = svc ? svc->soft_attempt : 0;
    int st, rc;

    if ((rc = hf_restart_event_parse(ev, &state, &hard, &attempt, why, n)) < 0)
        return rc;
    st = (int)state;
    if (st == 2 && hard) {
        hf_err_set(why, n, "HARD CRITICAL (attempt %ld): restart", attempt);
        return 1;
    }
    if (st == 2 && soft > 0 && attempt == soft) {
        hf_err_set(why, n, "SOFT CRITICAL attempt %ld: restart (restart.conf: soft-attempt = %ld)",
                   attempt, soft);
        return 1;
    }
    if (st == 2 && soft > 0)
        hf_err_set(why, n, "SOFT CRITICAL attempt %ld: no restart (restart.conf acts on SOFT "
                   "attempt %ld and on HARD)", attempt, soft);
    else if (st == 2)
        hf_err_set(why, n, "SOFT CRITICAL attempt %ld: no restart (restart.conf acts on HARD "
                   "CRITICAL only; soft-attempt = N acts earlier)", attempt);
    else
        hf_err_set(why, n, "%s %s (attempt %ld): no restart (only CRITICAL is acted on)",
                   hard ? "HARD" : "SOFT", states[st], attempt);
    return 0;
}
