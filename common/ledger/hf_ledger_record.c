/* hf_ledger_record: the writes (transitions, restarts, heartbeats, the
 * supervisor's budget, operator events) and retention. Each write is one short BEGIN
 * IMMEDIATE transaction. See hf_ledger.h. */
#include "hf_ledger_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define HF_LEDGER_RUN_SLACK 1.5     /* a beat within 1.5 intervals continues the run */
#define HF_LEDGER_NAME_MAX 128      /* stored bytes of a name as asked */

/* Step s once (DONE expected), finalize it. 0 or negative errno. */
static int step_done(hf_ledger *l, sqlite3_stmt *s, const char *what, char *err, size_t n)
{
    int rc = sqlite3_step(s);

    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : hf_ledger_fail(l, rc, what, err, n);
}

static bool state_ok(hf_state s)
{
    return s >= HF_OK && s <= HF_UNKNOWN;
}

int hf_ledger_record_transitions(hf_ledger *l, const hf_ledger_transition *t, size_t nt,
                                 char *err, size_t n)
{
    static const char sql[] = "INSERT INTO transitions(at, object, code, from_state, to_state, "
                              "text, frontend) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *s;
    int rc;

    for (size_t i = 0; i < nt; i++)
        if (!isfinite(t[i].at) || !state_ok(t[i].from) || !state_ok(t[i].to)) {
            hf_err_set(err, n, "ledger %s: transition %zu: bad time or state", l->path, i);
            return -EINVAL;
        }
    if (nt == 0)
        return 0;
    if ((rc = hf_ledger_begin(l, err, n)) < 0)
        return rc;
    if (!(s = hf_ledger_prepare(l, sql, &rc, err, n))) {
        hf_ledger_rollback(l);
        return -EIO;
    }
    for (size_t i = 0; i < nt; i++) {
        sqlite3_reset(s);
        sqlite3_bind_double(s, 1, t[i].at);
        hf_ledger_bind_text(s, 2, t[i].object, 0);
        hf_ledger_bind_text(s, 3, t[i].code, 0);
        sqlite3_bind_int(s, 4, (int)t[i].from);
        sqlite3_bind_int(s, 5, (int)t[i].to);
        hf_ledger_bind_text(s, 6, t[i].text, 0);
        hf_ledger_bind_text(s, 7, t[i].frontend, 0);
        if ((rc = sqlite3_step(s)) != SQLITE_DONE) {
            rc = hf_ledger_fail(l, rc, "recording a transition", err, n);
            sqlite3_finalize(s);
            hf_ledger_rollback(l);
            return rc;
        }
    }
    sqlite3_finalize(s);
    return hf_ledger_commit(l, err, n);
}

int hf_ledger_record_restart(hf_ledger *l, const hf_ledger_restart *r, char *err, size_t n)
{
    static const char sql[] =
        "INSERT INTO restarts(at, ended_at, service, frontend, requester, outcome, attempted, "
        "attempt, observed_at, duration, exit_status, signal, stderr, text) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
    sqlite3_stmt *s;
    int rc;

    if (!isfinite(r->at)) {
        hf_err_set(err, n, "ledger %s: restart: bad time", l->path);
        return -EINVAL;
    }
    if ((rc = hf_ledger_begin(l, err, n)) < 0)
        return rc;
    if (!(s = hf_ledger_prepare(l, sql, &rc, err, n))) {
        hf_ledger_rollback(l);
        return -EIO;
    }
    sqlite3_bind_double(s, 1, r->at);
    sqlite3_bind_double(s, 2, r->ended_at > 0 ? r->ended_at : r->at);
    hf_ledger_bind_text(s, 3, r->service, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 4, r->frontend, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 5, r->requester, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 6, r->outcome, 0);
    sqlite3_bind_int(s, 7, r->attempted);
    sqlite3_bind_int(s, 8, r->attempt);
    if (r->observed_at > 0)
        sqlite3_bind_double(s, 9, r->observed_at);
    if (isfinite(r->duration))
        sqlite3_bind_double(s, 10, r->duration);
    if (r->exit_status >= 0)
        sqlite3_bind_int(s, 11, r->exit_status);
    if (r->signal > 0)
        sqlite3_bind_int(s, 12, r->signal);
    hf_ledger_bind_text(s, 13, r->stderr_head, 0);
    hf_ledger_bind_text(s, 14, r->text, 0);
    rc = step_done(l, s, "recording a restart", err, n);
    if (rc < 0) {
        hf_ledger_rollback(l);
        return rc;
    }
    return hf_ledger_commit(l, err, n);
}

/* The events table, added after version 1 without a version change: made
 * by the first hf_ledger_record_event, inside its write transaction, so a
 * ledger written before it keeps working (and user_version stays 1). */
static const char hf_ledger_events_ddl[] =
    "CREATE TABLE IF NOT EXISTS events("
    " id INTEGER PRIMARY KEY,"
    " at REAL NOT NULL,"
    " frontend TEXT NOT NULL,"
    " requester TEXT NOT NULL,"
    " kind TEXT NOT NULL,"
    " outcome TEXT NOT NULL,"
    " text TEXT NOT NULL,"
    " duration REAL);"
    "CREATE INDEX IF NOT EXISTS events_at ON events(at);"
    "CREATE INDEX IF NOT EXISTS events_kind ON events(kind, at);";

int hf_ledger_record_event(hf_ledger *l, const hf_ledger_event *e, char *err, size_t n)
{
    static const char sql[] = "INSERT INTO events(at, frontend, requester, kind, outcome, text, "
                              "duration) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *s;
    int rc;

    if (!isfinite(e->at) || !e->kind || !*e->kind) {
        hf_err_set(err, n, "ledger %s: event: bad time or no kind", l->path);
        return -EINVAL;
    }
    if ((rc = hf_ledger_begin(l, err, n)) < 0)
        return rc;
    rc = sqlite3_exec(l->db, hf_ledger_events_ddl, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rc = hf_ledger_fail(l, rc, "creating the events table", err, n);
        hf_ledger_rollback(l);
        return rc;
    }
    if (!(s = hf_ledger_prepare(l, sql, &rc, err, n))) {
        hf_ledger_rollback(l);
        return -EIO;
    }
    sqlite3_bind_double(s, 1, e->at);
    hf_ledger_bind_text(s, 2, e->frontend, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 3, e->requester, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 4, e->kind, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 5, e->outcome, HF_LEDGER_NAME_MAX);
    hf_ledger_bind_text(s, 6, e->text, 0);
    if (isfinite(e->duration) && e->duration >= 0)
        sqlite3_bind_double(s, 7, e->duration);
    if ((rc = step_done(l, s, "recording an event", err, n)) < 0) {
        hf_ledger_rollback(l);
        return rc;
    }
    return hf_ledger_commit(l, err, n);
}

/* Whether the ledger has the events table (a ledger never given an event
 * has none). 1, 0 or negative errno. */
static int has_events(hf_ledger *l, char *err, size_t n)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, "SELECT 1 FROM sqlite_schema WHERE type = 'table' "
                                        "AND name = 'events'", &rc, err, n);

    if (!s)
        return -EIO;
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc == SQLITE_ROW)
        return 1;
    return rc == SQLITE_DONE ? 0 : hf_ledger_fail(l, rc, "reading the schema", err, n);
}

int hf_ledger_heartbeat(hf_ledger *l, const char *monitor, double now, double interval_s,
                        char *err, size_t n)
{
    sqlite3_stmt *s;
    int rc;
    bool extend = false, covered = false;
    sqlite3_int64 id = 0;

    if (!isfinite(now) || !isfinite(interval_s) || interval_s <= 0) {
        hf_err_set(err, n, "ledger %s: heartbeat: bad time or interval", l->path);
        return -EINVAL;
    }
    if ((rc = hf_ledger_begin(l, err, n)) < 0)
        return rc;
    s = hf_ledger_prepare(l, "SELECT id, start, last, interval FROM runs WHERE monitor = ?1 "
                          "ORDER BY last DESC LIMIT 1", &rc, err, n);
    if (!s)
        goto fail_io;
    hf_ledger_bind_text(s, 1, monitor, 0);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        double start = sqlite3_column_double(s, 1), last = sqlite3_column_double(s, 2);
        id = sqlite3_column_int64(s, 0);
        extend = now >= last && now - last <= HF_LEDGER_RUN_SLACK * interval_s;
        covered = now >= start && now < last;       /* a late beat inside the run */
    } else if (rc != SQLITE_DONE) {
        rc = hf_ledger_fail(l, rc, "reading the runs", err, n);
        sqlite3_finalize(s);
        goto fail;
    }
    sqlite3_finalize(s);
    if (covered) {
        hf_ledger_rollback(l);
        return 0;
    }
    if (extend)
        s = hf_ledger_prepare(l, "UPDATE runs SET last = ?1, interval = ?2 WHERE id = ?3", &rc,
                              err, n);
    else
        s = hf_ledger_prepare(l, "INSERT INTO runs(monitor, start, last, interval) "
                              "VALUES(?3, ?1, ?1, ?2)", &rc, err, n);
    if (!s)
        goto fail_io;
    sqlite3_bind_double(s, 1, now);
    sqlite3_bind_double(s, 2, interval_s);
    if (extend)
        sqlite3_bind_int64(s, 3, id);
    else
        hf_ledger_bind_text(s, 3, monitor, 0);
    if ((rc = step_done(l, s, "recording a heartbeat", err, n)) < 0)
        goto fail;
    return hf_ledger_commit(l, err, n);
fail_io:
    rc = -EIO;
fail:
    hf_ledger_rollback(l);
    return rc;
}

/* Run one delete statement (?1 cut-off, ?2 batch) until it removes fewer
 * than batch rows. */
static int prune_table(hf_ledger *l, const char *sql, double before, long batch, long *removed,
                       char *err, size_t n)
{
    for (;;) {
        int rc, changed;
        sqlite3_stmt *s;

        if ((rc = hf_ledger_begin(l, err, n)) < 0)
            return rc;
        if (!(s = hf_ledger_prepare(l, sql, &rc, err, n))) {
            hf_ledger_rollback(l);
            return -EIO;
        }
        sqlite3_bind_double(s, 1, before);
        sqlite3_bind_int64(s, 2, batch);
        if ((rc = step_done(l, s, "pruning", err, n)) < 0) {
            hf_ledger_rollback(l);
            return rc;
        }
        changed = sqlite3_changes(l->db);
        if ((rc = hf_ledger_commit(l, err, n)) < 0)
            return rc;
        *removed += changed;
        if (changed < batch)
            return 0;
    }
}

int hf_ledger_prune(hf_ledger *l, double before, long batch, long *removed, char *err, size_t n)
{
    /* A transition goes when a later one of its object before the cut-off
     * says OK or WARNING: what is left still tells an outage under way. */
    static const char *const sql[] = {
        "DELETE FROM transitions WHERE id IN (SELECT t.id FROM transitions t WHERE t.at < ?1 "
        "AND EXISTS (SELECT 1 FROM transitions u WHERE u.object = t.object AND u.at < ?1 "
        "AND u.to_state IN (0, 1) AND (u.at > t.at OR (u.at = t.at AND u.id > t.id))) LIMIT ?2)",
        "DELETE FROM restarts WHERE id IN (SELECT id FROM restarts WHERE at < ?1 LIMIT ?2)",
        "DELETE FROM runs WHERE id IN (SELECT id FROM runs WHERE last < ?1 LIMIT ?2)",
    };
    long dummy = 0;
    int rc;

    if (!removed)
        removed = &dummy;
    *removed = 0;
    if (!isfinite(before) || batch <= 0) {
        hf_err_set(err, n, "ledger %s: prune: bad cut-off or batch", l->path);
        return -EINVAL;
    }
    for (size_t i = 0; i < HF_ARRAY_SIZE(sql); i++)
        if ((rc = prune_table(l, sql[i], before, batch, removed, err, n)) < 0)
            return rc;
    if ((rc = has_events(l, err, n)) <= 0)
        return rc;                          /* no events table: nothing more to do */
    return prune_table(l, "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE at < ?1 "
                       "LIMIT ?2)", before, batch, removed, err, n);
}

int hf_ledger_budget_get(hf_ledger *l, const char *service, hf_ledger_budget *b, char *err,
                         size_t n)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, "SELECT window_start, attempts, last_attempt, "
                                        "last_end, healthy_since, healthy_last, given_up_at "
                                        "FROM budget WHERE service = ?1", &rc, err, n);

    memset(b, 0, sizeof(*b));
    if (!s)
        return -EIO;
    hf_ledger_bind_text(s, 1, service, 0);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        b->window_start = sqlite3_column_double(s, 0);
        b->attempts = (long)sqlite3_column_int64(s, 1);
        b->last_attempt = sqlite3_column_double(s, 2);
        b->last_end = sqlite3_column_double(s, 3);
        b->healthy_since = sqlite3_column_double(s, 4);
        b->healthy_last = sqlite3_column_double(s, 5);
        b->given_up_at = sqlite3_column_double(s, 6);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_ledger_fail(l, rc, "reading the restart budget", err, n);
    return 0;
}

int hf_ledger_budget_put(hf_ledger *l, const char *service, const hf_ledger_budget *b,
                         char *err, size_t n)
{
    sqlite3_stmt *s;
    int rc;

    if ((rc = hf_ledger_begin(l, err, n)) < 0)
        return rc;
    s = hf_ledger_prepare(l, "INSERT OR REPLACE INTO budget(service, window_start, attempts, "
                          "last_attempt, last_end, healthy_since, healthy_last, given_up_at) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &rc, err, n);
    if (!s) {
        hf_ledger_rollback(l);
        return -EIO;
    }
    hf_ledger_bind_text(s, 1, service, 0);
    sqlite3_bind_double(s, 2, b->window_start);
    sqlite3_bind_int64(s, 3, b->attempts);
    sqlite3_bind_double(s, 4, b->last_attempt);
    sqlite3_bind_double(s, 5, b->last_end);
    sqlite3_bind_double(s, 6, b->healthy_since);
    sqlite3_bind_double(s, 7, b->healthy_last);
    sqlite3_bind_double(s, 8, b->given_up_at);
    if ((rc = step_done(l, s, "writing the restart budget", err, n)) < 0) {
        hf_ledger_rollback(l);
        return rc;
    }
    return hf_ledger_commit(l, err, n);
}

int hf_ledger_first_down_after(hf_ledger *l, const char *object, double after, double *at,
                               char *err, size_t n)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, "SELECT min(at) FROM transitions WHERE object = ?1 "
                                        "AND at > ?2 AND to_state = 2", &rc, err, n);

    *at = 0;
    if (!s)
        return -EIO;
    hf_ledger_bind_text(s, 1, object, 0);
    sqlite3_bind_double(s, 2, after);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
        *at = sqlite3_column_double(s, 0);
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_ledger_fail(l, rc, "reading the transitions", err, n);
    return 0;
}

int hf_ledger_last_transition(hf_ledger *l, const char *object, hf_ledger_last *out, char *err,
                              size_t n)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, "SELECT at, to_state, code, text, frontend FROM "
                                        "transitions WHERE object = ?1 ORDER BY at DESC, id DESC "
                                        "LIMIT 1", &rc, err, n);

    memset(out, 0, sizeof(*out));
    if (!s)
        return -EIO;
    hf_ledger_bind_text(s, 1, object, 0);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        int to = sqlite3_column_int(s, 1);
        const unsigned char *code = sqlite3_column_text(s, 2), *text = sqlite3_column_text(s, 3);
        const unsigned char *fe = sqlite3_column_text(s, 4);

        out->found = true;
        out->at = sqlite3_column_double(s, 0);
        out->to = state_ok((hf_state)to) ? (hf_state)to : HF_UNKNOWN;
        hf_strlcpy(out->code, code ? (const char *)code : "", sizeof(out->code));
        hf_strlcpy(out->text, text ? (const char *)text : "", sizeof(out->text));
        hf_strlcpy(out->frontend, fe ? (const char *)fe : "", sizeof(out->frontend));
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return hf_ledger_fail(l, rc, "reading the transitions", err, n);
    return 0;
}
