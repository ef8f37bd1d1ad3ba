/* hf_supervisor_restart: one restart request, decided under the service's
 * lock from the ledger's budget (hf_supervisor.h, DESIGN steps 1-7). */
#include "hf_supervisor_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

typedef struct req_ctx {
    hf_supervisor *s;
    const hf_restart_request *req;
    hf_restart_result *res;
    const hf_restart_service *svc;
    double at;                  /* when this decision (or attempt) began */
    double observed;            /* when the caller saw the outage */
    bool attempted;             /* a command ran for this decision */
} req_ctx;

static hf_escalation level_of(hf_restart_outcome o)
{
    switch (o) {
    case HF_RESTART_RESTARTED: return HF_ESCALATION_RESTARTED;
    case HF_RESTART_FAILED:
    case HF_RESTART_ERROR: return HF_ESCALATION_ALERT;
    case HF_RESTART_GIVEN_UP: return HF_ESCALATION_GIVEN_UP;
    default: return HF_ESCALATION_NONE;
    }
}

/* The outcome, its text, its ledger row and syslog line. */
static void decide(req_ctx *c, hf_restart_outcome o, const char *fmt, ...) HF_PRINTF(3, 4);
static void decide(req_ctx *c, hf_restart_outcome o, const char *fmt, ...)
{
    hf_restart_result *res = c->res;
    const hf_restart_request *req = c->req;
    const char *requester = req->requester && req->requester[0] ? req->requester : c->s->user;
    const char *frontend = req->frontend && req->frontend[0] ? req->frontend : "unknown";
    char err[HF_ERR_MAX];
    hf_ledger_restart row;
    va_list ap;
    size_t len;

    res->outcome = o;
    res->level = level_of(o);
    va_start(ap, fmt);
    vsnprintf(res->text, sizeof(res->text), fmt, ap);
    va_end(ap);
    row = (hf_ledger_restart){
        .at = c->at, .ended_at = hf_sup_now(c->s), .service = req->service,
        .frontend = frontend, .requester = requester, .outcome = hf_restart_outcome_name(o),
        .attempted = c->attempted, .attempt = c->attempted ? (int)res->attempt : 0,
        .observed_at = c->observed, .duration = c->attempted ? res->cmd.duration_s : NAN,
        .exit_status = c->attempted ? res->cmd.exit_status : -1,
        .signal = c->attempted ? res->cmd.signal : 0,
        .stderr_head = c->attempted ? res->cmd.stderr_head : "", .text = res->text};
    if (hf_ledger_record_restart(c->s->cfg.ledger, &row, err, sizeof(err)) < 0 &&
        (len = strlen(res->text)) + 8 < sizeof(res->text))
        hf_err_set(res->text + len, sizeof(res->text) - len, " (not in the ledger: %s)", err);
    if (c->s->cfg.syslog)
        syslog(LOG_DAEMON | (o == HF_RESTART_RESTARTED ? LOG_NOTICE : o == HF_RESTART_GIVEN_UP
                             ? LOG_ERR : res->level == HF_ESCALATION_ALERT ? LOG_WARNING
                             : LOG_INFO),
               "helixflow-monitoring restart: %s (asked by %s via %s)", res->text, requester,
               frontend);
    c->attempted = false;
}

/* The health callback polled with backoff until verify_s from now. */
static bool verify(req_ctx *c)
{
    const hf_supervisor *s = c->s;
    double deadline = hf_sup_now(s) + c->svc->verify_s, gap = s->cfg.verify_first_s;

    for (;;) {
        double t;
        if (s->cfg.healthy(c->svc->name, s->cfg.healthy_ctx))
            return true;
        t = hf_sup_now(s);
        if (t >= deadline)
            return false;
        hf_sup_sleep(s, fmin(gap, deadline - t));
        gap = fmin(gap * 2, s->cfg.verify_max_s);
    }
}

/* Why an attempt failed, with the first stderr line. */
static void failure_text(const req_ctx *c, bool ran_ok, char *out, size_t n)
{
    const hf_command_result *cmd = &c->res->cmd;
    char how[128], first[160] = "";
    size_t k;

    if (ran_ok)
        snprintf(how, sizeof(how), "not healthy within %g s", c->svc->verify_s);
    else
        hf_command_describe(cmd, c->svc->timeout_s, how, sizeof(how));
    k = strcspn(cmd->stderr_head, "\n");
    if (k > 0)
        snprintf(first, sizeof(first), " (stderr: %.*s)", (int)(k < 120 ? k : 120),
                 cmd->stderr_head);
    snprintf(out, n, "%s%s", how, first);
}

/* Run the command and verify: RESTARTED, FAILED or GIVEN_UP (the last of
 * the budget). *again: a failure the caller may retry. */
static int attempt(req_ctx *c, hf_ledger_budget *b, bool *again)
{
    hf_supervisor *s = c->s;
    const hf_restart_service *svc = c->svc;
    hf_restart_result *res = c->res;
    hf_command_cfg cc = {.timeout_s = svc->timeout_s, .kill_after_s = svc->kill_after_s};
    char err[HF_ERR_MAX], why[HF_ERR_MAX], when[32];
    char **argv = NULL;
    double now = hf_sup_now(s), end, cmd_end;
    bool ok;
    int rc;

    *again = false;
    b->attempts++;
    if (b->window_start <= 0)
        b->window_start = now;
    b->last_attempt = now;
    b->healthy_since = 0;
    /* spent before it runs: a crash mid-restart still counts */
    if ((rc = hf_ledger_budget_put(s->cfg.ledger, svc->name, b, err, sizeof(err))) < 0) {
        decide(c, HF_RESTART_ERROR, "%s: not restarted: %s", svc->name, err);
        return rc;
    }
    c->at = now;
    res->attempt = b->attempts;
    res->attempts_left = svc->budget.attempts - b->attempts;
    if ((rc = hf_restart_argv(svc, &argv)) < 0) {
        decide(c, HF_RESTART_ERROR, "%s: not restarted: out of memory", svc->name);
        return rc;
    }
    cc.argv = argv;
    rc = hf_command_run(&cc, &res->cmd, err, sizeof(err));
    hf_restart_argv_free(argv);
    res->commands++;
    c->attempted = true;
    ok = rc == 0 && res->cmd.exit_status == 0 && !res->cmd.timed_out;
    cmd_end = hf_sup_now(s);
    if (ok && s->cfg.healthy) {
        ok = verify(c);
        res->verified = ok;
        if (!ok)
            failure_text(c, true, why, sizeof(why));
    } else if (!ok) {
        if (rc < 0)
            hf_strlcpy(why, err, sizeof(why));
        else
            failure_text(c, false, why, sizeof(why));
    }
    end = hf_sup_now(s);
    b->last_end = end;
    if (ok) {
        b->healthy_since = b->healthy_last = end;
    } else if (b->attempts >= svc->budget.attempts) {
        b->given_up_at = end;
        res->attempts_left = 0;
    }
    if ((rc = hf_ledger_budget_put(s->cfg.ledger, svc->name, b, err, sizeof(err))) < 0) {
        decide(c, ok ? HF_RESTART_RESTARTED : HF_RESTART_FAILED, "%s: attempt %ld ran but its "
               "budget could not be saved: %s", svc->name, b->attempts, err);
        return rc;
    }
    if (ok) {
        decide(c, HF_RESTART_RESTARTED, "%s restarted (attempt %ld of %ld, command %.1f s, "
               "%s after %.1f s)", svc->name, b->attempts, svc->budget.attempts,
               res->cmd.duration_s, s->cfg.healthy ? "healthy" : "exit status 0, not verified,",
               end - cmd_end);
    } else if (b->given_up_at > 0) {
        decide(c, HF_RESTART_GIVEN_UP, "%s: given up after %ld attempts in %.0f s (the last: "
               "%s); no automatic restart until reset", svc->name, b->attempts,
               end - b->window_start, why);
    } else {
        res->next_at = end + hf_sup_gap(&svc->budget, b->attempts);
        decide(c, HF_RESTART_FAILED, "%s: restart attempt %ld of %ld failed: %s; next attempt "
               "not before %s", svc->name, b->attempts, svc->budget.attempts, why,
               hf_sup_time(res->next_at, when, sizeof(when)));
        *again = true;
    }
    return 0;
}

/* Steps 1-7 of the DESIGN, repeated while waiting is asked for. */
static int decide_loop(req_ctx *c)
{
    hf_supervisor *s = c->s;
    const hf_restart_service *svc = c->svc;
    const hf_restart_request *req = c->req;
    hf_restart_result *res = c->res;
    char err[HF_ERR_MAX], t1[32], t2[32];
    int rc;

    for (;;) {
        hf_ledger_budget b;
        double now = hf_sup_now(s), next;
        bool again;

        c->at = now;
        if ((rc = hf_ledger_budget_get(s->cfg.ledger, svc->name, &b, err, sizeof(err))) < 0) {
            decide(c, HF_RESTART_ERROR, "%s: not restarted: %s", svc->name, err);
            return rc;
        }
        if (b.given_up_at > 0) {
            res->attempts_left = 0;
            decide(c, HF_RESTART_GIVEN_UP, "%s: given up since %s after %ld attempts; no "
                   "automatic restart until reset", svc->name,
                   hf_sup_time(b.given_up_at, t1, sizeof(t1)), b.attempts);
            return 0;
        }
        res->attempts_left = svc->budget.attempts - b.attempts;
        if (b.last_end > c->observed) {
            decide(c, HF_RESTART_ALREADY, "%s: already acted upon at %s, after this outage was "
                   "seen (%s)", svc->name, hf_sup_time(b.last_end, t1, sizeof(t1)),
                   hf_sup_time(c->observed, t2, sizeof(t2)));
            return 0;
        }
        if (s->cfg.healthy && s->cfg.healthy(svc->name, s->cfg.healthy_ctx)) {
            if (b.healthy_since <= 0)
                b.healthy_since = now;
            b.healthy_last = now;
            (void)hf_ledger_budget_put(s->cfg.ledger, svc->name, &b, err, sizeof(err));
            decide(c, HF_RESTART_ALREADY, "%s: healthy, not restarted", svc->name);
            return 0;
        }
        if ((rc = hf_sup_reset_due(s, svc, &b, now, req->last_ok, err, sizeof(err))) < 0) {
            decide(c, HF_RESTART_ERROR, "%s: not restarted: %s", svc->name, err);
            return rc;
        }
        res->attempts_left = svc->budget.attempts - b.attempts;
        if (b.attempts >= svc->budget.attempts) {
            b.given_up_at = now;
            b.healthy_since = 0;
            res->attempts_left = 0;
            if ((rc = hf_ledger_budget_put(s->cfg.ledger, svc->name, &b, err, sizeof(err))) < 0) {
                decide(c, HF_RESTART_ERROR, "%s: not restarted: %s", svc->name, err);
                return rc;
            }
            decide(c, HF_RESTART_GIVEN_UP, "%s: given up: %ld attempts since %s without staying "
                   "healthy %g s; no automatic restart until reset", svc->name, b.attempts,
                   hf_sup_time(b.window_start, t1, sizeof(t1)), svc->budget.reset_s);
            return 0;
        }
        next = b.attempts > 0 ? b.last_end + hf_sup_gap(&svc->budget, b.attempts) : now;
        if (now < next) {
            if (req->wait && (req->deadline <= 0 || next <= req->deadline)) {
                hf_sup_sleep(s, next - now);
                continue;               /* decided afresh: it may be healthy by now */
            }
            res->next_at = next;
            decide(c, HF_RESTART_BACKOFF, "%s: attempt %ld not before %s (%g s after attempt %ld)",
                   svc->name, b.attempts + 1, hf_sup_time(next, t1, sizeof(t1)),
                   hf_sup_gap(&svc->budget, b.attempts), b.attempts);
            return 0;
        }
        if ((rc = attempt(c, &b, &again)) < 0 || !again || !req->wait ||
            (req->deadline > 0 && hf_sup_now(s) >= req->deadline))
            return rc;
        c->observed = b.last_end;
    }
}

int hf_supervisor_restart(hf_supervisor *s, const hf_restart_request *req,
                          hf_restart_result *res)
{
    req_ctx c = {.s = s, .req = req, .res = res};
    char err[HF_ERR_MAX], q[HF_RESTART_NAME_MAX * 4 + 8];
    int fd, rc;

    memset(res, 0, sizeof(*res));
    res->cmd.exit_status = -1;
    c.at = hf_sup_now(s);
    c.observed = req->observed_at > 0 && req->observed_at < c.at ? req->observed_at : c.at;
    hf_sup_quote(req->service, q, sizeof(q));
    if (!hf_restart_name_valid(req->service)) {
        decide(&c, HF_RESTART_REFUSED, "refused: '%s' is not a service name "
               "([a-z0-9][a-z0-9_.-]*, no '..'); nothing run", q);
        return -EINVAL;
    }
    if (!(c.svc = hf_restart_policy_find(s->cfg.policy, req->service))) {
        decide(&c, HF_RESTART_REFUSED, "refused: '%s' is not in the services of %s; nothing run",
               q, s->cfg.policy->path[0] ? s->cfg.policy->path : "the restart policy");
        return -EPERM;
    }
    fd = hf_sup_lock(s, c.svc->name, req->lock_wait_s, err, sizeof(err));
    if (fd == -EWOULDBLOCK) {
        decide(&c, HF_RESTART_IN_PROGRESS, "%s: being restarted by another caller; not again",
               c.svc->name);
        return 0;
    }
    if (fd < 0) {
        decide(&c, HF_RESTART_ERROR, "%s: not restarted: %s", c.svc->name, err);
        return fd;
    }
    rc = decide_loop(&c);
    close(fd);
    return rc;
}
