/* hf_ledger: the per-host event store every front-end writes (SQLite, WAL).
 *
 * DESIGN
 *
 * What it holds. One SQLite file per host (default
 * <root>/var/lib/helixflow-monitoring/ledger.db, HF_DEFAULT_LEDGER):
 *   transitions  every state change of the check layer: object, code, from,
 *                to (hf_state), text, when, which front-end saw it
 *   restarts     every restart request: service, front-end, who asked (a
 *                user or an NMS address), outcome ("restarted", "failed",
 *                "given_up", ...: the supervisor's names), whether a command
 *                ran, its attempt number, duration, exit status or signal,
 *                the head of its stderr
 *   runs         the periods a monitor ran: each hf_ledger_heartbeat extends
 *                the monitor's current run, so the time no monitor ran (a
 *                gap) is known and never counted as uptime
 *   budget       the restart supervisor's per-service budget (hf_supervisor.h)
 *   events       operator actions other than restarts (hf_ledger_record_event):
 *                at, frontend, requester (user or NMS address), kind
 *                ("db.maintain", ...), outcome ("ok", "failed"), text (one
 *                line for humans with the action's figures), duration (s,
 *                NULL unknown). Added after version 1 without changing it:
 *                the first hf_ledger_record_event creates the table (CREATE
 *                TABLE IF NOT EXISTS inside its write transaction), so a
 *                ledger written before keeps working, user_version stays 1,
 *                and readers must allow the table to be absent (no events)
 * Times are UTC epoch seconds (REAL). application_id 0x48464c47 ("HFLG"),
 * user_version 1.
 *
 * Writes. journal_mode=WAL, synchronous=NORMAL, busy_timeout (cfg.busy_ms,
 * default 5 s). Every write is one short BEGIN IMMEDIATE ... COMMIT (a few
 * rows); hf_ledger_prune deletes in batches of cfg-given size, one
 * transaction each, so front-ends writing at the same time wait at most a
 * batch. One hf_ledger is used by one thread at a time; processes and
 * threads each open their own.
 *
 * Opening (hf_ledger_open). The directory must exist or is created (mode
 * 0750, one level); it must be owned by root or us and not writable by
 * others (group-writable is the shared model below). The file is never
 * followed through a symlink (O_NOFOLLOW, SQLITE_OPEN_NOFOLLOW) and must not
 * be writable by others.
 *   missing              created: mode 0660 in a setgid directory, else
 *                        0600; returns HF_LEDGER_CREATED, err says so
 *   not SQLite           (header is not "SQLite format 3", or SQLite says
 *                        NOTADB/CORRUPT while reading the schema, or with
 *                        cfg.quick_check PRAGMA quick_check is not "ok")
 *                        moved aside to <path>.corrupt-<YYYYmmddTHHMMSSZ>
 *                        (its -wal beside it as ...-wal; -shm removed), a
 *                        fresh ledger created; returns HF_LEDGER_RECREATED
 *                        and err names both files. Never emptied in place.
 *   another SQLite db    (tables, application_id not ours) refused -EEXIST:
 *                        it is somebody's data (a misconfigured path)
 *   a newer ledger       (user_version > 1) refused -EPROTO
 * Creation is one process at a time, under an flock of <path>.lock: WAL
 * first, then the tables and the ids in one write transaction; the schema
 * is judged from one read transaction (test_concurrent_create). Two
 * processes meeting one corrupt file: each compares the file's identity
 * (dev, inode) under the same lock before moving it, so a fresh ledger
 * another just created is never moved aside.
 * Cost: an open reads page 1 and the schema (no scan); quick_check reads
 * the whole file (long-running front-ends at start, helixflow-ops).
 *
 * Permission model (installed by the packaging). The collectd, snmp
 * (Debian-snmp) and nagios users share a group helixflow-monitoring:
 *   /var/lib/helixflow-monitoring          root:helixflow-monitoring 2770
 *   .../ledger.db, -wal, -shm, .lock       <creator>:helixflow-monitoring 0660
 * The directory is group-writable because SQLite creates and removes -wal
 * and -shm beside the file; setgid so every file created in it belongs to
 * the group whoever creates it; a file the ledger creates is 0660 there
 * (SQLite gives -wal/-shm the main file's mode). A ledger file others may
 * write is refused, and so is a directory others may write. The check
 * layer's own state files need a private directory (hf_dir_check_private
 * refuses a group-writable one): give each front-end user its own
 * subdirectory, e.g. /var/lib/helixflow-monitoring/nagios (nagios 0750).
 *
 * Figures (hf_ledger_stats_get) for a period [from, to] (to clipped to the
 * clock), per service (objects = that name) or overall:
 *   down         an object is down from a transition to CRITICAL until its
 *                next transition to OK or WARNING; UNKNOWN changes nothing.
 *                Transitions of one object from every front-end form one
 *                sequence in time (the latest word wins), so a front-end
 *                that stopped after "down" is overruled by another's "up".
 *                Overall: down while any of the objects is down (the union);
 *                objects NULL/0 = every object with a "service.*" code.
 *   coverage     the union of the runs, each [start, last + interval]: a
 *                monitor vouches for one interval after each heartbeat.
 *                gaps = the period minus coverage; measured = period - gaps.
 *   downtime     |down ∩ period ∩ coverage| (never counted inside a gap)
 *   availability 100 * (measured - downtime) / measured; NAN when measured 0
 *   incidents    down intervals (after the union) overlapping the period;
 *                each with start, end, downtime = |interval ∩ coverage| (the
 *                whole outage, even the part before the period), open when
 *                still down at the period's end. An outage already under way
 *                at `from` starts at the first CRITICAL after the last
 *                OK/WARNING before `from`.
 *   MTTR         mean downtime of the incidents that ended in the period;
 *                NAN when none did
 *   MTBF         (measured - downtime) / incidents that began in the
 *                period; NAN when none began (uptime_s is then a lower bound)
 *   restarts     rows whose command ran, started in [from, to); succeeded
 *                = outcome "restarted"; success rate in %, NAN when none
 * Each against the guide's target (HF_TARGET_AVAILABILITY_PCT, _MTTR_S,
 * _MTBF_S in hf_defaults.h).
 *
 * Check reports. A front-end's reports become transitions and heartbeats
 * through hf_ledger_record_report (hf_ledger_report.h in common/supervisor:
 * it needs the check layer, which sits above this floor).
 *
 * Retention (hf_ledger_prune): rows older than a cut-off go, in batches;
 * for each object the latest transition before the cut-off stays, so the
 * state at the cut-off (an outage under way) is still known. Events older
 * than the cut-off go too (a ledger without the events table: nothing).
 * helixflow-ops db maintain prunes the ledger with its own maintenance
 * (--ledger-retention-days, default HF_DEFAULT_LEDGER_RETENTION_DAYS).
 *
 * Tests (tests/unit/test_ledger.c, test_ledger_stats.c): creation, reopen,
 * garbage, truncated and foreign files, symlink refused, each record kind,
 * heartbeat runs and gaps, availability with and without gaps, an outage
 * across the period's start, overall union, MTTR/MTBF, restart success,
 * prune keeping the state, processes creating and writing at once, events
 * (recorded, read back, pruned; a ledger without the table).
 *
 * Errors: negative errno, err naming the ledger file and what failed
 * (-EIO for SQLite errors, -EBUSY when still locked after busy_ms). */
#ifndef HF_LEDGER_H
#define HF_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_range.h"

#define HF_LEDGER_APPLICATION_ID 0x48464c47
#define HF_LEDGER_VERSION 1

/* Positive returns of hf_ledger_open: the ledger is usable, err says what happened. */
enum { HF_LEDGER_OPENED = 0, HF_LEDGER_CREATED = 1, HF_LEDGER_RECREATED = 2 };

typedef struct hf_ledger hf_ledger;     /* opaque; one thread at a time */

typedef struct hf_ledger_cfg {
    const char *path;           /* NULL: HF_DEFAULT_LEDGER under root */
    const char *root;           /* deployment root for the default path; NULL: / */
    long busy_ms;               /* lock waits; 0: 5000 */
    bool quick_check;           /* PRAGMA quick_check at open (reads the whole file) */
} hf_ledger_cfg;

/* Open or create the ledger (see DESIGN). *out is owned by the caller
 * (hf_ledger_close). Returns HF_LEDGER_OPENED, HF_LEDGER_CREATED or
 * HF_LEDGER_RECREATED (err says which and, when moved aside, where), or
 * negative errno with err and *out NULL. */
int hf_ledger_open(const hf_ledger_cfg *cfg, hf_ledger **out, char *err, size_t n);
void hf_ledger_close(hf_ledger *l);                 /* accepts NULL */
const char *hf_ledger_path(const hf_ledger *l);     /* the file */
const char *hf_ledger_dir(const hf_ledger *l);      /* its directory (the supervisor's locks) */

/* flock <ledger dir>/<name> exclusively (no '/' in name; created 0660 in a
 * setgid directory, else 0600; a symlink or non-file refused), waiting
 * until deadline (hf_mono_now() seconds; 0: one try). Returns the
 * descriptor (close it to unlock) or negative errno with err
 * (-EWOULDBLOCK: held by another process at the deadline). */
int hf_ledger_lock(const hf_ledger *l, const char *name, double deadline, char *err, size_t n);

/* One state change. Strings are borrowed for the call; NULL means "". */
typedef struct hf_ledger_transition {
    double at;                  /* epoch seconds */
    const char *object;         /* "api-gateway" */
    const char *code;           /* "service.down" */
    hf_state from, to;
    const char *text;
    const char *frontend;       /* "nagios", "collectd", "snmp", "ops" */
} hf_ledger_transition;

/* Record n transitions in one transaction. Returns 0 or negative errno. */
int hf_ledger_record_transitions(hf_ledger *l, const hf_ledger_transition *t, size_t nt,
                                 char *err, size_t n);

/* One restart request and what became of it. Strings borrowed; NULL "". */
typedef struct hf_ledger_restart {
    double at;                  /* request time */
    double ended_at;            /* when the outcome was known (0: at) */
    const char *service;        /* as asked (a refused name is stored as given, at most 128 bytes) */
    const char *frontend;
    const char *requester;      /* user name or NMS address */
    const char *outcome;        /* "restarted", "failed", "given_up", "backoff", "refused", ... */
    bool attempted;             /* the command ran */
    int attempt;                /* its number in the budget window; 0 none */
    double observed_at;         /* when the caller saw the outage; 0 unknown */
    double duration;            /* the command's run time, s; NAN: none ran */
    int exit_status;            /* -1: none (not run, killed or unknown) */
    int signal;                 /* the signal that ended it, 0 none */
    const char *stderr_head;    /* its first stderr lines */
    const char *text;           /* one line for humans */
} hf_ledger_restart;

int hf_ledger_record_restart(hf_ledger *l, const hf_ledger_restart *r, char *err, size_t n);

/* The monitor (a front-end instance: "nagios:service", "collectd") ran at
 * now and runs every interval_s (> 0) seconds: extends its current run when
 * now is within 1.5 intervals of the run's last beat (and not before it),
 * else starts a new run. Returns 0 or negative errno. */
int hf_ledger_heartbeat(hf_ledger *l, const char *monitor, double now, double interval_s,
                        char *err, size_t n);

/* One operator action (helixflow-ops db maintain, ...). Strings borrowed;
 * NULL means "" (kind required). */
typedef struct hf_ledger_event {
    double at;                  /* when it started, epoch seconds */
    const char *frontend;       /* "ops" */
    const char *requester;      /* user name or NMS address */
    const char *kind;           /* "db.maintain" */
    const char *outcome;        /* "ok", "failed" */
    const char *text;           /* one line for humans: what was done */
    double duration;            /* seconds; NAN (or < 0): unknown */
} hf_ledger_event;

/* Record one event (creating the events table on the first; see DESIGN).
 * Returns 0 or negative errno (-EINVAL: bad time, no kind). */
int hf_ledger_record_event(hf_ledger *l, const hf_ledger_event *e, char *err, size_t n);

/* Delete transitions, restarts, runs and events older than before (runs:
 * whose last beat is), batch rows (> 0) per transaction, keeping each
 * object's latest transition before the cut-off (no events table: none
 * to delete). *removed (may be NULL) counts the rows.
 * Returns 0 or negative errno (rows deleted so far stay deleted). */
int hf_ledger_prune(hf_ledger *l, double before, long batch, long *removed, char *err, size_t n);

/* PRAGMA quick_check on the open ledger: 0 when "ok", -EIO with err
 * holding its first complaint. */
int hf_ledger_quick_check(hf_ledger *l, char *err, size_t n);

/* Figures for a period: see DESIGN. */
typedef struct hf_ledger_query {
    double from, to;            /* epoch seconds, from < to; to is clipped to now */
    double now;                 /* the clock; 0: hf_real_now() */
    const char *const *objects; /* the services; NULL/0: every "service.*" object */
    size_t nobjects;
} hf_ledger_query;

typedef struct hf_ledger_span {
    double start, end;
} hf_ledger_span;

typedef struct hf_ledger_incident {
    char object[128];           /* the first object down in it */
    double start, end;          /* end: the period's end while open */
    double downtime_s;          /* the outage's covered time, all of it */
    bool open;                  /* still down at the period's end */
} hf_ledger_incident;

typedef struct hf_ledger_stats {
    double from, to;            /* the period measured (to clipped to now) */
    double measured_s;          /* period minus gaps */
    double gap_s;
    hf_ledger_span *gaps;       /* owned; ngaps, in time order, inside [from, to] */
    size_t ngaps;
    double downtime_s, uptime_s;
    double availability_pct;    /* NAN when measured_s is 0 */
    hf_ledger_incident *incidents;  /* owned; nincidents, in time order */
    size_t nincidents;
    size_t failures;            /* incidents that began in the period */
    size_t recovered;           /* incidents that ended in the period */
    double mttr_s, mtbf_s;      /* NAN: not defined (see DESIGN) */
    long restarts, restarts_ok;
    double restart_success_pct; /* NAN when no restart ran */
    /* the guide's targets and whether they are met (false when NAN) */
    double target_availability_pct, target_mttr_s, target_mtbf_s;
    bool availability_met, mttr_met, mtbf_met;
} hf_ledger_stats;

/* Fill *out (cleared first; hf_ledger_stats_free it even on error).
 * Returns 0 or negative errno (-EINVAL: from >= to after clipping). */
int hf_ledger_stats_get(hf_ledger *l, const hf_ledger_query *q, hf_ledger_stats *out,
                        char *err, size_t n);
void hf_ledger_stats_free(hf_ledger_stats *s);      /* accepts NULL */

/* The restart supervisor's state per service (all 0: nothing known). */
typedef struct hf_ledger_budget {
    double window_start;        /* first attempt of the current window */
    long attempts;              /* attempts in it */
    double last_attempt;        /* start of the latest attempt */
    double last_end;            /* when its outcome was known */
    double healthy_since;       /* verified or observed healthy since (0: not) */
    double healthy_last;        /* last seen healthy */
    double given_up_at;         /* 0: not given up */
} hf_ledger_budget;

/* Read (zeros when the service has no row) or write a service's budget.
 * The supervisor calls them under its per-service lock. */
int hf_ledger_budget_get(hf_ledger *l, const char *service, hf_ledger_budget *b, char *err,
                         size_t n);
int hf_ledger_budget_put(hf_ledger *l, const char *service, const hf_ledger_budget *b,
                         char *err, size_t n);

/* The earliest transition of object to CRITICAL at a time > after
 * (*at = 0 when none). For "stayed healthy until". */
int hf_ledger_first_down_after(hf_ledger *l, const char *object, double after, double *at,
                               char *err, size_t n);

/* The latest transition of object (the state the ledger last heard of it
 * in, from any front-end): found false when none. Strings are copied,
 * truncated to the buffers. For a one-shot front-end's "previous state"
 * (hf_ledger_record_report with prev NULL, common/supervisor). */
typedef struct hf_ledger_last {
    bool found;
    double at;
    hf_state to;
    char code[64];
    char text[256];
    char frontend[64];
} hf_ledger_last;

int hf_ledger_last_transition(hf_ledger *l, const char *object, hf_ledger_last *out, char *err,
                              size_t n);

#endif
