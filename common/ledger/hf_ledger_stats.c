/* hf_ledger_stats: availability, incidents, MTTR, MTBF and restart figures
 * for a period, from the transitions, the runs and the restarts. The
 * definitions are in hf_ledger.h (DESIGN, "Figures"). */
#include "hf_ledger_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hf_defaults.h"

typedef struct down_span {
    double start, end;
    size_t object;              /* index into the object list */
    bool open;                  /* still down at the period's end */
} down_span;

typedef struct stats_ctx {
    hf_ledger *l;
    double from, to;
    char **objects;             /* owned copies */
    size_t nobjects, capobjects;
    down_span *down;
    size_t ndown, capdown;
    hf_ledger_span *cov;        /* merged coverage, in time order */
    size_t ncov, capcov;
    char *err;
    size_t errn;
} stats_ctx;

static int ctx_oom(stats_ctx *c)
{
    hf_err_set(c->err, c->errn, "ledger %s: out of memory", c->l->path);
    return -ENOMEM;
}

static int add_object(stats_ctx *c, const char *name)
{
    char *copy;

    if (hf_array_reserve(&c->objects, &c->capobjects, c->nobjects, sizeof(*c->objects), 8) < 0 ||
        !(copy = strdup(name)))
        return ctx_oom(c);
    c->objects[c->nobjects++] = copy;
    return 0;
}

static int add_down(stats_ctx *c, double start, double end, size_t obj, bool open)
{
    if (end <= start)
        return 0;               /* a blip of no length */
    if (hf_array_reserve(&c->down, &c->capdown, c->ndown, sizeof(*c->down), 16) < 0)
        return ctx_oom(c);
    c->down[c->ndown++] = (down_span){start, end, obj, open};
    return 0;
}

/* The objects of an overall query: every object with a "service.*" code. */
static int list_objects(stats_ctx *c)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(c->l, "SELECT DISTINCT object FROM transitions WHERE "
                                        "code LIKE 'service.%' AND object <> '' ORDER BY object",
                                        &rc, c->err, c->errn);

    if (!s)
        return -EIO;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (add_object(c, (const char *)sqlite3_column_text(s, 0)) < 0) {
            sqlite3_finalize(s);
            return -ENOMEM;
        }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : hf_ledger_fail(c->l, rc, "listing the services", c->err, c->errn);
}

/* One double from a query binding ?1 object and ?2, ?3 doubles; NAN for NULL or no row. */
static int query_double(stats_ctx *c, const char *sql, const char *object, double a, double b,
                        double *out)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(c->l, sql, &rc, c->err, c->errn);

    *out = NAN;
    if (!s)
        return -EIO;
    hf_ledger_bind_text(s, 1, object, 0);
    sqlite3_bind_double(s, 2, a);
    sqlite3_bind_double(s, 3, b);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        *out = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_ledger_fail(c->l, rc, "reading the transitions", c->err, c->errn);
    return 0;
}

/* Is the object down at `from`, and since when (*since)? */
static int down_at_from(stats_ctx *c, const char *object, bool *down, double *since)
{
    double last, up;
    int rc;

    *down = false;
    /* the last transition that says something (not UNKNOWN) up to from */
    rc = query_double(c, "SELECT to_state FROM transitions WHERE object = ?1 AND at <= ?2 AND "
                      "to_state <> 3 ORDER BY at DESC, id DESC LIMIT 1",
                      object, c->from, 0, &last);
    if (rc < 0 || last != (double)HF_CRITICAL)
        return rc;
    rc = query_double(c, "SELECT max(at) FROM transitions WHERE object = ?1 AND at <= ?2 AND "
                      "to_state IN (0, 1)", object, c->from, 0, &up);
    if (rc < 0)
        return rc;
    rc = query_double(c, "SELECT min(at) FROM transitions WHERE object = ?1 AND at > ?2 AND "
                      "at <= ?3 AND to_state = 2", object, isnan(up) ? -INFINITY : up, c->from,
                      since);
    if (rc == 0 && !isnan(*since))
        *down = true;
    return rc;
}

/* The object's down spans overlapping [from, to]. */
static int object_spans(stats_ctx *c, size_t obj)
{
    const char *object = c->objects[obj];
    double start = 0;
    bool down;
    int rc = down_at_from(c, object, &down, &start);
    sqlite3_stmt *s;

    if (rc < 0)
        return rc;
    s = hf_ledger_prepare(c->l, "SELECT to_state, at FROM transitions WHERE object = ?1 AND "
                          "at > ?2 AND at <= ?3 AND to_state <> 3 ORDER BY at, id", &rc, c->err,
                          c->errn);
    if (!s)
        return -EIO;
    hf_ledger_bind_text(s, 1, object, 0);
    sqlite3_bind_double(s, 2, c->from);
    sqlite3_bind_double(s, 3, c->to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int to = sqlite3_column_int(s, 0);
        double at = sqlite3_column_double(s, 1);

        if (to == HF_CRITICAL && !down) {
            down = true;
            start = at;
        } else if (to != HF_CRITICAL && down) {
            down = false;
            if (add_down(c, start, at, obj, false) < 0) {
                sqlite3_finalize(s);
                return -ENOMEM;
            }
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return hf_ledger_fail(c->l, rc, "reading the transitions", c->err, c->errn);
    return down ? add_down(c, start, c->to, obj, true) : 0;
}

static int cmp_down(const void *a, const void *b)
{
    const down_span *x = a, *y = b;

    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* The union of the runs [start, last + interval] over [lo, to], merged. */
static int coverage(stats_ctx *c, double lo)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(c->l, "SELECT start, last + interval FROM runs WHERE "
                                        "last + interval > ?1 AND start < ?2 ORDER BY start",
                                        &rc, c->err, c->errn);

    if (!s)
        return -EIO;
    sqlite3_bind_double(s, 1, lo);
    sqlite3_bind_double(s, 2, c->to);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        double a = fmax(sqlite3_column_double(s, 0), lo);
        double b = fmin(sqlite3_column_double(s, 1), c->to);

        if (b <= a)
            continue;
        if (c->ncov && a <= c->cov[c->ncov - 1].end) {
            c->cov[c->ncov - 1].end = fmax(c->cov[c->ncov - 1].end, b);
            continue;
        }
        if (hf_array_reserve(&c->cov, &c->capcov, c->ncov, sizeof(*c->cov), 16) < 0) {
            sqlite3_finalize(s);
            return ctx_oom(c);
        }
        c->cov[c->ncov++] = (hf_ledger_span){a, b};
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : hf_ledger_fail(c->l, rc, "reading the runs", c->err, c->errn);
}

/* |[a, b] ∩ coverage| */
static double covered(const stats_ctx *c, double a, double b)
{
    size_t lo = 0, hi = c->ncov;
    double sum = 0;

    while (lo < hi) {               /* the first span ending after a */
        size_t mid = lo + (hi - lo) / 2;
        if (c->cov[mid].end <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < c->ncov && c->cov[i].start < b; i++)
        sum += fmin(b, c->cov[i].end) - fmax(a, c->cov[i].start);
    return sum;
}

static int fill_gaps(stats_ctx *c, hf_ledger_stats *out)
{
    double t = c->from;
    size_t cap = 0;

    for (size_t i = 0; i <= c->ncov; i++) {
        double next = i < c->ncov ? fmin(c->cov[i].start, c->to) : c->to;
        if (i < c->ncov && c->cov[i].end <= c->from)
            continue;
        if (next > t) {
            if (hf_array_reserve(&out->gaps, &cap, out->ngaps, sizeof(*out->gaps), 1) < 0)
                return ctx_oom(c);
            out->gaps[out->ngaps++] = (hf_ledger_span){t, next};
            out->gap_s += next - t;
        }
        if (i < c->ncov)
            t = fmax(t, c->cov[i].end);
        if (t >= c->to)
            break;
    }
    return 0;
}

/* Merge the objects' down spans into incidents; sums over them. */
static int incidents(stats_ctx *c, hf_ledger_stats *out)
{
    size_t cap = 0;
    double mttr_sum = 0;

    if (c->ndown)
        qsort(c->down, c->ndown, sizeof(*c->down), cmp_down);
    for (size_t i = 0; i < c->ndown;) {
        hf_ledger_incident in = {.start = c->down[i].start, .end = c->down[i].end,
                                 .open = c->down[i].open};
        size_t j = i + 1;

        hf_strlcpy(in.object, c->objects[c->down[i].object], sizeof(in.object));
        for (; j < c->ndown && c->down[j].start <= in.end; j++) {
            if (c->down[j].end > in.end || (c->down[j].end == in.end && c->down[j].open))
                in.open = c->down[j].open;
            in.end = fmax(in.end, c->down[j].end);
        }
        i = j;
        in.downtime_s = covered(c, in.start, in.end);
        out->downtime_s += covered(c, fmax(in.start, c->from), in.end);
        if (hf_array_reserve(&out->incidents, &cap, out->nincidents, sizeof(in), 8) < 0)
            return ctx_oom(c);
        out->incidents[out->nincidents++] = in;
        if (in.start >= c->from)
            out->failures++;
        if (!in.open) {
            out->recovered++;
            mttr_sum += in.downtime_s;
        }
    }
    out->mttr_s = out->recovered ? mttr_sum / (double)out->recovered : NAN;
    return 0;
}

static int restart_counts(stats_ctx *c, const char *service, hf_ledger_stats *out)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(c->l, service ?
        "SELECT count(*), coalesce(sum(outcome = 'restarted'), 0) FROM restarts WHERE "
        "attempted = 1 AND at >= ?1 AND at < ?2 AND service = ?3" :
        "SELECT count(*), coalesce(sum(outcome = 'restarted'), 0) FROM restarts WHERE "
        "attempted = 1 AND at >= ?1 AND at < ?2", &rc, c->err, c->errn);

    if (!s)
        return -EIO;
    sqlite3_bind_double(s, 1, c->from);
    sqlite3_bind_double(s, 2, c->to);
    if (service)
        hf_ledger_bind_text(s, 3, service, 0);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        out->restarts += (long)sqlite3_column_int64(s, 0);
        out->restarts_ok += (long)sqlite3_column_int64(s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : hf_ledger_fail(c->l, rc, "reading the restarts", c->err, c->errn);
}

static void targets(hf_ledger_stats *out)
{
    out->target_availability_pct = HF_TARGET_AVAILABILITY_PCT;
    out->target_mttr_s = HF_TARGET_MTTR_S;
    out->target_mtbf_s = HF_TARGET_MTBF_S;
    out->availability_met = out->availability_pct >= out->target_availability_pct;
    out->mttr_met = out->mttr_s <= out->target_mttr_s;
    out->mtbf_met = out->mtbf_s >= out->target_mtbf_s;
}

static void ctx_free(stats_ctx *c)
{
    for (size_t i = 0; i < c->nobjects; i++)
        free(c->objects[i]);
    free(c->objects);
    free(c->down);
    free(c->cov);
}

static int stats_run(stats_ctx *c, const hf_ledger_query *q, hf_ledger_stats *out)
{
    double lo = c->from;
    int rc;

    if (q->nobjects) {
        for (size_t i = 0; i < q->nobjects; i++)
            if ((rc = add_object(c, q->objects[i] ? q->objects[i] : "")) < 0)
                return rc;
    } else if ((rc = list_objects(c)) < 0) {
        return rc;
    }
    for (size_t i = 0; i < c->nobjects; i++)
        if ((rc = object_spans(c, i)) < 0)
            return rc;
    for (size_t i = 0; i < c->ndown; i++)
        lo = fmin(lo, c->down[i].start);
    if ((rc = coverage(c, lo)) < 0 || (rc = fill_gaps(c, out)) < 0 || (rc = incidents(c, out)) < 0)
        return rc;
    out->measured_s = (c->to - c->from) - out->gap_s;
    if (out->measured_s < 0)
        out->measured_s = 0;
    out->uptime_s = fmax(out->measured_s - out->downtime_s, 0);
    out->availability_pct = out->measured_s > 0 ? 100.0 * out->uptime_s / out->measured_s : NAN;
    out->mtbf_s = out->failures ? out->uptime_s / (double)out->failures : NAN;
    if (q->nobjects) {
        for (size_t i = 0; i < c->nobjects; i++)
            if ((rc = restart_counts(c, c->objects[i], out)) < 0)
                return rc;
    } else if ((rc = restart_counts(c, NULL, out)) < 0) {
        return rc;
    }
    out->restart_success_pct = out->restarts ? 100.0 * (double)out->restarts_ok /
                                               (double)out->restarts : NAN;
    targets(out);
    return 0;
}

int hf_ledger_stats_get(hf_ledger *l, const hf_ledger_query *q, hf_ledger_stats *out,
                        char *err, size_t n)
{
    stats_ctx c = {.l = l, .err = err, .errn = n};
    double now;
    int rc;

    memset(out, 0, sizeof(*out));
    out->availability_pct = out->mttr_s = out->mtbf_s = out->restart_success_pct = NAN;
    now = q->now > 0 ? q->now : hf_real_now();
    c.from = q->from;
    c.to = fmin(q->to, now);
    out->from = c.from;
    out->to = c.to;
    if (!isfinite(c.from) || !isfinite(c.to) || c.from >= c.to) {
        hf_err_set(err, n, "ledger %s: the period must end after it starts (and not start in "
                   "the future)", l->path);
        return -EINVAL;
    }
    /* one read transaction: the figures see one state of the ledger */
    if ((rc = sqlite3_exec(l->db, "BEGIN", NULL, NULL, NULL)) != SQLITE_OK)
        return hf_ledger_fail(l, rc, "starting a read", err, n);
    rc = stats_run(&c, q, out);
    sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);
    ctx_free(&c);
    return rc;
}

void hf_ledger_stats_free(hf_ledger_stats *s)
{
    if (!s)
        return;
    free(s->gaps);
    free(s->incidents);
    s->gaps = NULL;
    s->incidents = NULL;
    s->ngaps = s->nincidents = 0;
}
