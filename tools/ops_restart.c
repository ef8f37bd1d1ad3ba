/* ops_restart: helixflow-ops restart. See ops_restart.h and
 * helixflow-ops-restart(8).
 *
 *   helixflow-ops restart [OPTIONS] SERVICE...     restart (dependencies first)
 *   helixflow-ops restart --all [OPTIONS]          the policy's services that are down
 *   helixflow-ops restart --state S --state-type T --attempt N SERVICE|--all
 *                                                  Nagios/Icinga event handler
 *   helixflow-ops restart --reset SERVICE...       lift a given-up state
 *   helixflow-ops restart --status [SERVICE...]    budget and figures */
#include "ops.h"
#include "ops_restart_int.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_config.h"
#include "hf_defaults.h"
#include "hf_health.h"
#include "hf_restart_event.h"
#include "hf_supervisor.h"

/* Options that are service/http check settings, by the setting's name. */
static const struct setting_opt {
    const char *name;           /* the option and the setting */
    bool endpoint;              /* of the http check (else the service check) */
} setting_opts[] = {
    {"root", false}, {"exe", false}, {"pidfile", false}, {"proc", false},
    {"cgroup-root", false}, {"no-cgroup", false},
    {"ca", true}, {"capath", true}, {"insecure", true},
};

enum { O_ALL = 256, O_RESET, O_STATUS, O_STATE, O_STATE_TYPE, O_ATTEMPT, O_WAIT, O_PERIOD,
       O_HEALTH_URL, O_SETTING };

static void short_usage(void)
{
    fputs("usage: " OPS_RESTART_PROG " [OPTIONS] SERVICE...|--all; " OPS_RESTART_PROG " --help for more\n", stderr);
}

static void usage(FILE *to)
{
    fprintf(to,
            "usage: %s [OPTIONS] SERVICE...   restart (dependencies first)\n"
            "       %s --all [OPTIONS]        every service of the policy that is down\n"
            "       %s --state $SERVICESTATE$ --state-type $SERVICESTATETYPE$ "
            "--attempt $SERVICEATTEMPT$ SERVICE|--all\n"
            "       %s --reset SERVICE...     lift a given-up state\n"
            "       %s --status [SERVICE...]  budget, availability, MTTR\n"
            "options: -c, --config FILE (default " HF_DEFAULT_RESTART_CONF ")\n"
            "         -l, --ledger FILE (default <root>" HF_DEFAULT_LEDGER ")\n"
            "         --wait SECONDS  sleep out backoffs and retry, at most SECONDS\n"
            "         --period DURATION  --status figures over the last DURATION (24h)\n"
            "verification: --root DIR --exe NAME=PATH --pidfile NAME=PATH --proc DIR\n"
            "         --cgroup-root DIR --no-cgroup --health-url URL|none --ca FILE\n"
            "         --capath DIR --insecure -t, --timeout SECONDS (one health verdict, 5)\n"
            "exit: 0 done or nothing needed, 1 failed, 2 given up, 3 backoff, 4 refused, "
            "5 error; see helixflow-ops-restart(8)\n",
            OPS_RESTART_PROG, OPS_RESTART_PROG, OPS_RESTART_PROG, OPS_RESTART_PROG, OPS_RESTART_PROG);
}

int ops_restart_fail(int code, const char *fmt, ...)
{
    va_list ap;

    fputs(OPS_RESTART_PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

/* "90", "90s", "15m", "2h", "1d" -> seconds in [0, max]. */
static int duration(const char *v, double max, double *out)
{
    char num[32];
    size_t len = v ? strlen(v) : 0;
    double mult = 1;

    if (len == 0 || len >= sizeof(num))
        return -EINVAL;
    memcpy(num, v, len + 1);
    switch (num[len - 1]) {
    case 's': num[--len] = '\0'; break;
    case 'm': mult = 60; num[--len] = '\0'; break;
    case 'h': mult = 3600; num[--len] = '\0'; break;
    case 'd': mult = 86400; num[--len] = '\0'; break;
    default: break;
    }
    if (len == 0 || strspn(num, "0123456789.") != len || hf_parse_double(num, out) < 0)
        return -EINVAL;
    *out *= mult;
    return *out >= 0 && *out <= max ? 0 : -EINVAL;
}

/* A user name as sudo sets it, nothing a log line could misread. */
static int set_setting(ops_restart_run *r, const struct setting_opt *so, const char *value)
{
    hf_settings *s = so->endpoint ? &r->ep : &r->svc;
    char err[HF_ERR_MAX];
    int i = hf_settings_find(s->kind, so->name);

    if (so->endpoint && r->o.no_health)
        return ops_restart_fail(OPS_RESTART_REFUSED, "--%s: no endpoint is asked (--health-url none)",
                    so->name);
    if (i < 0 || hf_settings_set(s, (size_t)i, value, err, sizeof(err)) < 0)
        return ops_restart_fail(OPS_RESTART_REFUSED, "--%s: %s", so->name, i < 0 ? "unknown" : err);
    return 0;
}

/* argv -> r->o and the settings. 0, -1 (help/version printed) or an exit code. */
static int parse(ops_restart_run *r, int argc, char **argv)
{
    static const struct option lo[] = {
        {"all", no_argument, NULL, O_ALL},
        {"reset", no_argument, NULL, O_RESET},
        {"status", no_argument, NULL, O_STATUS},
        {"state", required_argument, NULL, O_STATE},
        {"state-type", required_argument, NULL, O_STATE_TYPE},
        {"attempt", required_argument, NULL, O_ATTEMPT},
        {"config", required_argument, NULL, 'c'},
        {"ledger", required_argument, NULL, 'l'},
        {"wait", required_argument, NULL, O_WAIT},
        {"period", required_argument, NULL, O_PERIOD},
        {"health-url", required_argument, NULL, O_HEALTH_URL},
        {"timeout", required_argument, NULL, 't'},
        {"root", required_argument, NULL, O_SETTING},
        {"exe", required_argument, NULL, O_SETTING + 1},
        {"pidfile", required_argument, NULL, O_SETTING + 2},
        {"proc", required_argument, NULL, O_SETTING + 3},
        {"cgroup-root", required_argument, NULL, O_SETTING + 4},
        {"no-cgroup", no_argument, NULL, O_SETTING + 5},
        {"ca", required_argument, NULL, O_SETTING + 6},
        {"capath", required_argument, NULL, O_SETTING + 7},
        {"insecure", no_argument, NULL, O_SETTING + 8},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    ops_restart_opts *o = &r->o;
    int c, rc;

    o->period_s = HF_RESTART_STATUS_PERIOD_S;
    o->timeout_s = HF_HEALTH_TIMEOUT_S;
    optind = 0;                         /* a fresh getopt, also when called twice */
    opterr = 0;
    while ((c = getopt_long(argc, argv, "c:l:t:hV", lo, NULL)) != -1) {
        switch (c) {
        case O_ALL: o->all = true; break;
        case O_RESET: o->mode = MODE_RESET; break;
        case O_STATUS: o->mode = MODE_STATUS; break;
        case O_STATE: o->ev.state = optarg; o->event = true; break;
        case O_STATE_TYPE: o->ev.state_type = optarg; o->event = true; break;
        case O_ATTEMPT: o->ev.attempt = optarg; o->event = true; break;
        case 'c': o->config = optarg; break;
        case 'l': o->ledger = optarg; break;
        case O_WAIT:
            if (duration(optarg, 86400, &o->wait_s) < 0)
                return ops_restart_fail(OPS_RESTART_REFUSED, "--wait: '%s' is not a duration up to 1d",
                            optarg);
            break;
        case O_PERIOD:
            if (duration(optarg, HF_DEFAULT_LEDGER_RETENTION_DAYS * 86400.0, &o->period_s) < 0 || !(o->period_s > 0))
                return ops_restart_fail(OPS_RESTART_REFUSED, "--period: '%s' is not a duration up to 400d",
                            optarg);
            break;
        case 't':
            if (duration(optarg, 600, &o->timeout_s) < 0 || !(o->timeout_s > 0))
                return ops_restart_fail(OPS_RESTART_REFUSED, "--timeout: '%s' is not a number of seconds "
                            "up to 600", optarg);
            break;
        case O_HEALTH_URL:
            o->no_health = strcmp(optarg, "none") == 0;
            o->health_url = o->no_health ? NULL : optarg;
            break;
        case 'h': usage(stdout); return -1;
        case 'V': printf("helixflow-ops restart %s\n", HF_VERSION); return -1;
        case '?':
            if (optopt && optopt < 256)
                ops_restart_fail(OPS_RESTART_REFUSED, "-%c: unknown option or missing value", optopt);
            else
                ops_restart_fail(OPS_RESTART_REFUSED, "%s: unknown option or missing value",
                     argv[optind - 1]);
            short_usage();
            return OPS_RESTART_REFUSED;
        default:
            if (c >= O_SETTING && (size_t)(c - O_SETTING) < HF_ARRAY_SIZE(setting_opts)) {
                if ((rc = set_setting(r, &setting_opts[c - O_SETTING], optarg)) != 0)
                    return rc;
                break;
            }
            return ops_restart_fail(OPS_RESTART_ERROR, "getopt returned %d", c);
        }
    }
    o->names = argv + optind;
    o->nnames = (size_t)(argc - optind);
    if (o->event && (!o->ev.state || !o->ev.state_type || !o->ev.attempt))
        return ops_restart_fail(OPS_RESTART_REFUSED, "an event handler gives --state, --state-type and "
                    "--attempt together ($SERVICESTATE$ $SERVICESTATETYPE$ $SERVICEATTEMPT$)");
    if (o->event && o->mode != MODE_RESTART)
        return ops_restart_fail(OPS_RESTART_REFUSED, "--state/--state-type/--attempt restart; not with "
                    "--reset or --status");
    if (o->all && o->nnames)
        return ops_restart_fail(OPS_RESTART_REFUSED, "--all or SERVICE names, not both");
    if (o->mode != MODE_STATUS && !o->all && !o->nnames) {
        ops_restart_fail(OPS_RESTART_REFUSED, "which service? (a SERVICE name or --all)");
        short_usage();
        return OPS_RESTART_REFUSED;
    }
    if (getenv("SUDO_USER") && (o->config || o->ledger))
        return ops_restart_fail(OPS_RESTART_REFUSED, "--config and --ledger are not accepted under sudo "
                    "(SUDO_USER is set): the policy and the ledger are the host's");
    return 0;
}

/* The settings that verify a restart: every service of the policy. */
static int prepare_settings(ops_restart_run *r)
{
    const hf_settings *sets[2] = {&r->svc, r->have_ep ? &r->ep : NULL};
    int isvc = hf_settings_find(&hf_check_service, "service");
    char err[HF_ERR_MAX];

    for (size_t i = 0; i < r->policy.nservices; i++)
        if (hf_settings_set(&r->svc, (size_t)isvc, r->policy.services[i].name, err,
                            sizeof(err)) < 0)
            return ops_restart_fail(OPS_RESTART_REFUSED, "%s: service '%s': %s", r->policy.path,
                        r->policy.services[i].name, err);
    if (r->have_ep && r->o.health_url) {
        int iu = hf_settings_find(&hf_check_http, "url");
        if (hf_settings_set(&r->ep, (size_t)iu, r->o.health_url, err, sizeof(err)) < 0)
            return ops_restart_fail(OPS_RESTART_REFUSED, "--health-url: %s", err);
    }
    for (int k = 0; k < 2; k++) {
        int bad = -1;
        if (sets[k] && hf_check_validate(sets[k], &bad, err, sizeof(err)) < 0) {
            const hf_setting_def *d = bad >= 0 ? hf_settings_def(sets[k]->kind, (size_t)bad) : NULL;
            return ops_restart_fail(OPS_RESTART_REFUSED, "--%s: %s",
                        !d ? "?" : k == 1 && strcmp(d->name, "url") == 0 ? "health-url" : d->name,
                        err);
        }
    }
    return 0;
}

static int open_all(ops_restart_run *r)
{
    hf_ledger_cfg lc = {.path = r->o.ledger, .root = NULL};
    hf_health_cfg hc = {.service = &r->svc, .endpoint = r->have_ep ? &r->ep : NULL,
                        .timeout_s = r->o.timeout_s, .frontend = OPS_RESTART_FRONTEND, .monitor = OPS_RESTART_MONITOR};
    hf_supervisor_cfg sc = {.policy = &r->policy, .syslog = true};
    char err[HF_ERR_MAX];
    int rc, iroot = hf_settings_find(&hf_check_service, "root");

    if (hf_restart_policy_load(r->o.config, &r->policy, err, sizeof(err)) < 0)
        return ops_restart_fail(OPS_RESTART_REFUSED, "%s", err);
    if ((rc = prepare_settings(r)) != 0)
        return rc;
    if (hf_settings_given(&r->svc, (size_t)iroot))
        lc.root = hf_settings_str(&r->svc, (size_t)iroot);
    if ((rc = hf_ledger_open(&lc, &r->ledger, err, sizeof(err))) < 0)
        return ops_restart_fail(OPS_RESTART_ERROR, "%s; nothing done", err);
    if (rc > 0)
        fprintf(stderr, OPS_RESTART_PROG ": %s\n", err);       /* created, or recreated beside a bad copy */
    hc.ledger = r->ledger;
    if (!(r->health = hf_health_new(&hc, err, sizeof(err))))
        return ops_restart_fail(OPS_RESTART_REFUSED, "%s", err);
    sc.ledger = r->ledger;
    sc.healthy = hf_health_fn;
    sc.healthy_ctx = r->health;
    if (!(r->sup = hf_supervisor_new(&sc, err, sizeof(err))))
        return ops_restart_fail(OPS_RESTART_ERROR, "%s", err);
    return 0;
}

static void run_free(ops_restart_run *r)
{
    hf_supervisor_free(r->sup);
    hf_health_free(r->health);
    hf_ledger_close(r->ledger);
    hf_restart_policy_free(&r->policy);
    if (r->have_svc)
        hf_settings_free(&r->svc);
    if (r->have_ep)
        hf_settings_free(&r->ep);
}

/* Severity of an exit code, for several services: the worst wins. */
static int severity(int code)
{
    static const int rank[] = {[OPS_RESTART_OK] = 0, [OPS_RESTART_BACKOFF] = 1,
                               [OPS_RESTART_FAILED] = 2, [OPS_RESTART_GIVEN_UP] = 3,
                               [OPS_RESTART_REFUSED] = 4, [OPS_RESTART_ERROR] = 5};

    return code >= 0 && code <= OPS_RESTART_ERROR ? rank[code] : 5;
}

int ops_restart_worse(int a, int b)
{
    return severity(b) > severity(a) ? b : a;
}

static int exit_of(hf_restart_outcome o)
{
    switch (o) {
    case HF_RESTART_FAILED: return OPS_RESTART_FAILED;
    case HF_RESTART_GIVEN_UP: return OPS_RESTART_GIVEN_UP;
    case HF_RESTART_BACKOFF: return OPS_RESTART_BACKOFF;
    case HF_RESTART_REFUSED: return OPS_RESTART_REFUSED;
    case HF_RESTART_ERROR: return OPS_RESTART_ERROR;
    default: return OPS_RESTART_OK;
    }
}

static void upper(const char *s, char *out, size_t n)
{
    size_t k = 0;

    for (; s[k] && k + 1 < n; k++)
        out[k] = s[k] >= 'a' && s[k] <= 'z' ? (char)(s[k] - 'a' + 'A') : s[k];
    out[k] = '\0';
}

static void print_result(ops_restart_run *r, const char *service, const hf_restart_result *res)
{
    char label[32];
    const char *text = res->text;

    upper(hf_restart_outcome_name(res->outcome), label, sizeof(label));
    if (res->outcome == HF_RESTART_REFUSED && strncmp(text, "refused: ", 9) == 0)
        text += 9;
    printf("%s: %s\n", label, text);
    if (res->outcome == HF_RESTART_FAILED || res->outcome == HF_RESTART_GIVEN_UP) {
        const hf_health_verdict *v = hf_health_last(r->health);
        if (res->commands > 0 && v->why[0] && !v->healthy)
            printf("  health: %s\n", v->why);
    }
    if (res->level == HF_ESCALATION_GIVEN_UP)
        printf("ALERT: %s is given up: no automatic restart until an operator looks at it and "
               "runs 'helixflow-ops restart --reset %s'\n", service, service);
    else if (res->level == HF_ESCALATION_ALERT)
        printf("ALERT: %s: the restart did not bring it back; %ld attempt%s left in the "
               "budget\n", service, res->attempts_left, res->attempts_left == 1 ? "" : "s");
}

/* Record an event handler's request that was refused before the supervisor. */
static void record_refused(ops_restart_run *r, const char *service, const char *why)
{
    hf_ledger_restart row = {.at = hf_real_now(), .service = service, .frontend = OPS_RESTART_FRONTEND,
                             .requester = r->requester, .outcome = "refused",
                             .duration = NAN, .exit_status = -1, .text = why};
    char err[HF_ERR_MAX];

    if (hf_ledger_record_restart(r->ledger, &row, err, sizeof(err)) < 0)
        fprintf(stderr, OPS_RESTART_PROG ": %s\n", err);
}

/* An event handler's macros before anything is probed: refused (every
 * named service recorded), or nothing to do (not CRITICAL, or a SOFT
 * attempt no target acts on): an exit code; -1: judged per service next. */
static int event_first(ops_restart_run *r)
{
    char why[HF_ERR_MAX];
    hf_state state;
    bool hard;
    long attempt;

    if (hf_restart_event_parse(&r->o.ev, &state, &hard, &attempt, why, sizeof(why)) < 0) {
        for (size_t i = 0; i < r->o.nnames; i++)
            record_refused(r, r->o.names[i], why);
        if (r->o.all)
            record_refused(r, "(all)", why);
        printf("REFUSED: %s\n", why + 9);
        return OPS_RESTART_REFUSED;
    }
    if (state == HF_CRITICAL && !hard) {     /* a SOFT attempt: does any target act on it? */
        size_t n = r->o.all ? r->policy.nservices : r->o.nnames;
        for (size_t i = 0; i < n; i++) {
            const char *name = r->o.all ? r->policy.services[i].name : r->o.names[i];
            const hf_restart_service *svc = hf_restart_name_valid(name)
                ? hf_restart_policy_find(&r->policy, name) : NULL;
            if (!svc || svc->soft_attempt == attempt)
                return -1;              /* judged per service (a bad name: refused there) */
        }
    } else if (state == HF_CRITICAL) {
        return -1;
    }
    if (r->o.all && state == HF_CRITICAL) {
        printf("IGNORED: every service: SOFT CRITICAL attempt %ld: no restart (no service of %s "
               "has soft-attempt = %ld; a HARD CRITICAL is always acted on)\n", attempt,
               r->policy.path, attempt);
        return OPS_RESTART_OK;
    }
    for (size_t i = 0; i < (r->o.all ? 1 : r->o.nnames); i++) {
        const char *name = r->o.all ? "every service" : r->o.names[i];
        hf_restart_event_judge(&r->o.ev, r->o.all ? NULL : hf_restart_policy_find(&r->policy, name),
                               why, sizeof(why));
        printf("IGNORED: %s: %s\n", name, why);
    }
    return OPS_RESTART_OK;
}

static int do_restart(ops_restart_run *r)
{
    const char **targets = calloc(r->policy.nservices + r->o.nnames + 1, sizeof(*targets));
    hf_restart_result *res = NULL;
    hf_restart_request tmpl = {.frontend = OPS_RESTART_FRONTEND, .requester = r->requester,
                               .wait = r->o.wait_s > 0};
    char why[HF_ERR_MAX], healthy[1024] = "";
    size_t n = 0;
    int code = OPS_RESTART_OK;

    if (!targets)
        return ops_restart_fail(OPS_RESTART_ERROR, "out of memory");
    if (r->o.event && (code = event_first(r)) >= 0) {
        free(targets);
        return code;                    /* refused, or not CRITICAL: nothing probed */
    }
    code = OPS_RESTART_OK;
    if (r->o.all) {
        for (size_t i = 0; i < r->policy.nservices; i++) {
            hf_health_verdict v;
            const char *name = r->policy.services[i].name;
            hf_health_check(r->health, name, &v);
            if (!v.healthy)
                targets[n++] = name;
            else
                snprintf(healthy + strlen(healthy), sizeof(healthy) - strlen(healthy), "%s%s",
                         healthy[0] ? " " : "", name);
        }
        tmpl.observed_at = hf_real_now();
    } else {
        for (size_t i = 0; i < r->o.nnames; i++)
            targets[n++] = r->o.names[i];
    }
    if (r->o.event) {           /* CRITICAL: judged per service, by its soft-attempt */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            const hf_restart_service *svc = hf_restart_name_valid(targets[i])
                ? hf_restart_policy_find(&r->policy, targets[i]) : NULL;
            if (hf_restart_event_judge(&r->o.ev, svc, why, sizeof(why)) == 1 || !svc)
                targets[kept++] = targets[i];   /* a bad name: the supervisor refuses it */
            else
                printf("IGNORED: %s: %s\n", targets[i], why);
        }
        n = kept;
    }
    if (n > 0 && !(res = calloc(n, sizeof(*res)))) {
        free(targets);
        return ops_restart_fail(OPS_RESTART_ERROR, "out of memory");
    }
    if (r->o.wait_s > 0)
        tmpl.deadline = hf_real_now() + r->o.wait_s;
    if (n > 0) {
        const char **ordered = calloc(n, sizeof(*ordered));
        if (!ordered) {
            free(res);
            free(targets);
            return ops_restart_fail(OPS_RESTART_ERROR, "out of memory");
        }
        memcpy(ordered, targets, n * sizeof(*ordered));
        hf_supervisor_order(r->sup, ordered, n);
        for (size_t i = 0; i < n; i++) {        /* in order, each printed as it ends */
            hf_restart_request rq = tmpl;
            rq.service = ordered[i];
            hf_supervisor_restart(r->sup, &rq, &res[i]);
            print_result(r, ordered[i], &res[i]);
            fflush(stdout);
            code = ops_restart_worse(code, exit_of(res[i].outcome));
        }
        free(ordered);
    }
    if (r->o.all && !n && code == OPS_RESTART_OK && !r->o.event)
        printf("HEALTHY: every service of %s is healthy; nothing restarted\n", r->policy.path);
    else if (r->o.all && healthy[0])
        printf("HEALTHY: %s\n", healthy);
    free(res);
    free(targets);
    return code;
}

int ops_restart_main(int argc, char **argv)
{
    ops_restart_run r;
    int rc;

    memset(&r, 0, sizeof(r));
    if (hf_settings_init(&r.svc, &hf_check_service) < 0 ||
        hf_settings_init(&r.ep, &hf_check_http) < 0) {
        hf_settings_free(&r.svc);
        return ops_restart_fail(OPS_RESTART_ERROR, "out of memory");
    }
    r.have_svc = r.have_ep = true;
    rc = parse(&r, argc, argv);
    if (rc == 0 && r.o.no_health) {
        hf_settings_free(&r.ep);
        r.have_ep = false;
    }
    ops_who_asked(r.requester, sizeof(r.requester));
    if (rc == 0)
        rc = open_all(&r);
    if (rc == 0) {
        switch (r.o.mode) {
        case MODE_RESTART: rc = do_restart(&r); break;
        case MODE_RESET: rc = ops_restart_reset(&r); break;
        case MODE_STATUS: rc = ops_restart_status(&r); break;
        }
    }
    run_free(&r);
    fflush(stdout);
    return rc < 0 ? OPS_RESTART_OK : rc;
}
