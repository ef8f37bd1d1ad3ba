/* helixflow-ops db maintain: the guide's weekly database maintenance,
 * online, through hf_db_maint (the one writer of HelixFlow's database):
 * retention delete in short batches, PRAGMA optimize, VACUUM only when
 * asked. This file fills the configuration, draws the progress line on a
 * terminal, stops cleanly on Ctrl-C (between batches) and prints the
 * core's description of what was done. A maintenance that started (not a
 * dry run) is recorded in the ledger as one "db.maintain" event, and the
 * ledger's own rows older than its retention are pruned in the same run;
 * a ledger that cannot be opened or written is a warning, never a failed
 * maintenance. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_db_maint.h"
#include "hf_defaults.h"
#include "hf_ledger.h"
#include "hf_time.h"
#include "ops.h"

static const char dm_cmd[] = "db maintain";
static const char dm_usage[] =
    "Usage: helixflow-ops db maintain [--retention-days N] [--vacuum] [--dry-run] [--batch N]\n"
    "           [--root DIR] [--db FILE] [--state-dir DIR] [--table NAME] [--time-column COL]\n"
    "           [--max-seconds S] [--no-optimize] [--quiet] [--json]\n"
    "           [--ledger FILE] [--ledger-retention-days N]\n";

typedef struct dm_opts {
    const char *root, *db, *state_dir, *table, *time_col, *ledger;
    double retention, max_seconds, ledger_retention;
    long batch;
    bool vacuum, dry_run, no_optimize, quiet, json;
} dm_opts;

/* Set by SIGINT/SIGTERM: the walk stops after its batch (a signal handler
 * can only reach a flag of the process). */
static volatile sig_atomic_t dm_interrupted;

static void dm_on_signal(int sig)
{
    (void)sig;
    dm_interrupted = 1;
}

static void dm_help(void)
{
    printf("helixflow-ops db maintain: the weekly maintenance of HelixFlow's database, online.\n"
           "THIS IS THE ONE COMMAND THAT WRITES TO HELIXFLOW'S DATABASE. It deletes the requests\n"
           "older than the retention in small batches, each a short write transaction, while\n"
           "HelixFlow keeps writing; then PRAGMA optimize; VACUUM only with --vacuum, after a\n"
           "free-space check (VACUUM makes HelixFlow's writers wait while it runs). Two\n"
           "maintenances never run together (a lock in the state directory). --dry-run writes\n"
           "nothing and says what would go.\n\n%s\n"
           "  --retention-days N  keep N days of requests (default %d; rows dated at or before\n"
           "                      now - N days go)\n"
           "  --vacuum            VACUUM afterwards (needs 2x the database's size free; blocks writers)\n"
           "  --dry-run           count what would be removed; write nothing\n"
           "  --batch N           rows per transaction at most (default %d; fewer when a\n"
           "                      transaction reaches %d ms)\n"
           "  --root DIR          prefix of the default paths (default /)\n"
           "  --db FILE           the database (default <root>%s)\n"
           "  --state-dir DIR     where the lock is (default <root>%s)\n"
           "  --table NAME, --time-column COL   (default %s, %s)\n"
           "  --max-seconds S     stop the delete after S seconds (the next run goes on)\n"
           "  --no-optimize       skip PRAGMA optimize\n"
           "  --quiet             no progress line;  --json: the result as JSON\n"
           "  --ledger FILE       the ledger the run is recorded in (default <root>%s; not\n"
           "                      under sudo); one that cannot be opened is a warning\n"
           "  --ledger-retention-days N  prune the ledger's rows older than N days in the\n"
           "                      same run (default %d)\n"
           "Exit status: 0 done, 1 done but stopped early or VACUUM skipped, 2 failed on the way\n"
           "(what was done is kept), 3 not started (another maintenance runs, no database, bad usage).\n",
           dm_usage, HF_DB_MAINT_RETENTION_DAYS, HF_DB_MAINT_BATCH, HF_DB_MAINT_TXN_MS, HF_DEFAULT_DB,
           HF_DEFAULT_STATE_DIR, HF_DEFAULT_DB_TABLE, HF_DEFAULT_DB_TIME_COL, HF_DEFAULT_LEDGER,
           HF_DEFAULT_LEDGER_RETENTION_DAYS);
}

enum { DM_RET = 1, DM_VACUUM, DM_DRY, DM_BATCH, DM_ROOT, DM_DB, DM_STATE, DM_TABLE, DM_TIME,
       DM_MAXS, DM_NOOPT, DM_QUIET, DM_JSON, DM_LEDGER, DM_LRET };

static const struct option dm_longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {"retention-days", required_argument, NULL, DM_RET}, {"vacuum", no_argument, NULL, DM_VACUUM},
    {"dry-run", no_argument, NULL, DM_DRY},     {"batch", required_argument, NULL, DM_BATCH},
    {"root", required_argument, NULL, DM_ROOT}, {"db", required_argument, NULL, DM_DB},
    {"state-dir", required_argument, NULL, DM_STATE}, {"table", required_argument, NULL, DM_TABLE},
    {"time-column", required_argument, NULL, DM_TIME},
    {"max-seconds", required_argument, NULL, DM_MAXS}, {"no-optimize", no_argument, NULL, DM_NOOPT},
    {"quiet", no_argument, NULL, DM_QUIET},     {"json", no_argument, NULL, DM_JSON},
    {"ledger", required_argument, NULL, DM_LEDGER},
    {"ledger-retention-days", required_argument, NULL, DM_LRET},
    {0},
};

static int dm_text(const char *opt, const char **out)
{
    if (!*optarg)
        return ops_usage_error(dm_cmd, dm_usage, "%s: empty value", opt);
    *out = optarg;
    return 0;
}

static int dm_option(dm_opts *o, int opt, char **argv)
{
    switch (opt) {
    case 'h': dm_help(); return 1;
    case DM_RET: return ops_opt_double(dm_cmd, dm_usage, "--retention-days", optarg, 1, 36500, &o->retention);
    case DM_VACUUM: o->vacuum = true; return 0;
    case DM_DRY: o->dry_run = true; return 0;
    case DM_BATCH: return ops_opt_long(dm_cmd, dm_usage, "--batch", optarg, 1, 100000, &o->batch);
    case DM_ROOT: return dm_text("--root", &o->root);
    case DM_DB: return dm_text("--db", &o->db);
    case DM_STATE: return dm_text("--state-dir", &o->state_dir);
    case DM_TABLE: return dm_text("--table", &o->table);
    case DM_TIME: return dm_text("--time-column", &o->time_col);
    case DM_MAXS: return ops_opt_double(dm_cmd, dm_usage, "--max-seconds", optarg, 0.001, 604800, &o->max_seconds);
    case DM_NOOPT: o->no_optimize = true; return 0;
    case DM_QUIET: o->quiet = true; return 0;
    case DM_JSON: o->json = true; return 0;
    case DM_LEDGER: return dm_text("--ledger", &o->ledger);
    case DM_LRET: return ops_opt_double(dm_cmd, dm_usage, "--ledger-retention-days", optarg, 1, 36500,
                                        &o->ledger_retention);
    case ':': return ops_usage_error(dm_cmd, dm_usage, "%s: needs a value", argv[optind - 1]);
    default: return ops_usage_error(dm_cmd, dm_usage, "%s: unknown option", argv[optind - 1]);
    }
}

static int dm_parse(dm_opts *o, int argc, char **argv)
{
    int opt, r;

    memset(o, 0, sizeof(*o));
    o->ledger_retention = HF_DEFAULT_LEDGER_RETENTION_DAYS;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", dm_longopts, NULL)) != -1)
        if ((r = dm_option(o, opt, argv)) != 0)
            return r;
    if (optind < argc)
        return ops_usage_error(dm_cmd, dm_usage, "'%s': unexpected argument", argv[optind]);
    if (o->dry_run && o->vacuum)
        return ops_usage_error(dm_cmd, dm_usage, "--vacuum: not with --dry-run (a dry run writes nothing)");
    if (o->ledger && getenv("SUDO_USER"))
        return ops_usage_error(dm_cmd, dm_usage, "--ledger: not accepted under sudo (SUDO_USER is set): "
                               "the ledger is the host's");
    return 0;
}

typedef struct dm_progress {
    bool tty;
    bool drawn;
} dm_progress;

/* The progress line (a terminal only), and Ctrl-C. */
static int dm_on_progress(const hf_db_maint_progress *p, void *arg)
{
    dm_progress *pr = arg;

    bool walk = strcmp(p->phase, "delete") == 0;

    if (!pr->tty)
        return dm_interrupted != 0;
    if (walk)
        fprintf(stderr, "\r\033[K%s: %llu rows, %llu read", p->deleted ? "removing" : "looking",
                (unsigned long long)p->deleted, (unsigned long long)p->scanned);
    else
        fprintf(stderr, "\r\033[K%s%s", p->phase, strcmp(p->phase, "vacuum") == 0
                ? ": VACUUM running, HelixFlow's writers wait until it ends" : "");
    if (walk && !isnan(p->fraction))
        fprintf(stderr, " (%.0f%%)", 100 * p->fraction);
    fprintf(stderr, ", %.1f s", p->elapsed_s);
    fflush(stderr);
    pr->drawn = true;
    return dm_interrupted != 0;
}

/* What the ledger made of the run (dm_record). */
typedef struct dm_ledger {
    bool tried;                 /* a maintenance started, not a dry run */
    bool opened, recorded, pruned;
    long pruned_rows;
    char path[HF_PATH_MAX];
    char warning[HF_ERR_MAX];   /* "" none */
} dm_ledger;

/* "<what>; <then>" on stderr as a warning; the first kept for --json. */
static void dm_warn(dm_ledger *lg, const char *what, const char *then)
{
    if (!lg->warning[0])
        hf_err_set(lg->warning, sizeof(lg->warning), "%s; %s", what, then);
    fprintf(stderr, "helixflow-ops %s: warning: %s; %s\n", dm_cmd, what, then);
}

/* The event's one line: what was removed and reclaimed, how it ended. */
static void dm_event_text(const hf_db_maint_config *cfg, const hf_db_maint_result *res,
                          const dm_ledger *lg, const dm_opts *o, hf_buf *b)
{
    char t[32];

    hf_buf_printf(b, "removed %llu rows dated at or before %s (%g days) in %u transactions",
                  (unsigned long long)res->deleted, ops_iso_time(res->cutoff, t, sizeof(t)),
                  cfg->retention_days > 0 ? cfg->retention_days : HF_DB_MAINT_RETENTION_DAYS,
                  res->txns);
    hf_buf_printf(b, ", reclaimed %lld bytes", (long long)(res->reclaimed > 0 ? res->reclaimed : 0));
    if (res->optimized)
        hf_buf_printf(b, ", optimized");
    if (res->vacuumed)
        hf_buf_printf(b, ", vacuumed");
    else if (res->vacuum_skipped[0])
        hf_buf_printf(b, ", VACUUM not run: %s", res->vacuum_skipped);
    if (res->stopped)
        hf_buf_printf(b, ", stopped early");
    if (res->status != HF_DB_MAINT_OK)
        hf_buf_printf(b, "; failed (%s): %s", hf_db_maint_status_name(res->status), res->err);
    if (lg->pruned)
        hf_buf_printf(b, "; ledger: %ld rows older than %g days pruned", lg->pruned_rows,
                      o->ledger_retention);
    hf_buf_printf(b, "; database %s", cfg->path);
}

/* Record the run in the ledger as one "db.maintain" event and prune the
 * ledger's rows older than its retention. Not for a dry run, nor for a
 * run that did not start (another maintenance, no database): nothing was
 * done. Every problem here is a warning. */
static void dm_record(const dm_opts *o, const hf_db_maint_config *cfg, const hf_db_maint_result *res,
                      dm_ledger *lg)
{
    hf_ledger_cfg lc = {.path = o->ledger, .root = o->root};
    hf_ledger *l = NULL;
    char err[HF_ERR_MAX], who[64];
    hf_buf text = {0};
    hf_ledger_event ev;
    int rc;

    memset(lg, 0, sizeof(*lg));
    if (o->dry_run || hf_db_maint_state(res) == HF_UNKNOWN)
        return;
    lg->tried = true;
    if (o->ledger)
        hf_strlcpy(lg->path, o->ledger, sizeof(lg->path));
    else if (hf_path_join(lg->path, sizeof(lg->path), o->root, HF_DEFAULT_LEDGER) < 0)
        hf_strlcpy(lg->path, HF_DEFAULT_LEDGER, sizeof(lg->path));
    if ((rc = hf_ledger_open(&lc, &l, err, sizeof(err))) < 0) {
        dm_warn(lg, err, "the maintenance is not recorded (it is done all the same)");
        return;
    }
    lg->opened = true;
    hf_strlcpy(lg->path, hf_ledger_path(l), sizeof(lg->path));
    if (rc > 0)
        fprintf(stderr, "helixflow-ops %s: %s\n", dm_cmd, err);     /* created, or recreated beside a bad copy */
    if (hf_ledger_prune(l, res->now - o->ledger_retention * 86400, HF_DB_MAINT_BATCH, &lg->pruned_rows,
                        err, sizeof(err)) < 0)
        dm_warn(lg, err, "the ledger's old rows stay until the next run");
    else
        lg->pruned = true;
    ops_who_asked(who, sizeof(who));
    dm_event_text(cfg, res, lg, o, &text);
    ev = (hf_ledger_event){.at = res->now, .frontend = "helixflow-ops", .requester = who,
                           .kind = "db.maintain",
                           .outcome = hf_db_maint_state(res) == HF_CRITICAL ? "failed" : "ok",
                           .text = hf_buf_str(&text), .duration = res->elapsed_ms / 1000};
    if (hf_ledger_record_event(l, &ev, err, sizeof(err)) < 0)
        dm_warn(lg, err, "the maintenance is not recorded (it is done all the same)");
    else
        lg->recorded = true;
    hf_buf_free(&text);
    hf_ledger_close(l);
}

static void dm_ledger_text(const dm_ledger *lg, const dm_opts *o, hf_buf *b)
{
    if (!lg->tried)
        return;
    if (lg->recorded)
        hf_buf_printf(b, "recorded in the ledger %s\n", lg->path);
    else
        hf_buf_printf(b, "not recorded in the ledger %s (see the warning)\n", lg->path);
    if (lg->pruned)
        hf_buf_printf(b, "ledger: removed %ld rows older than %g days\n", lg->pruned_rows,
                      o->ledger_retention);
}

static void dm_ledger_json(ops_json *j, const dm_ledger *lg)
{
    oj_obj(j, "ledger");
    oj_str(j, "path", lg->tried ? lg->path : NULL);
    oj_bool(j, "recorded", lg->recorded);
    if (lg->pruned)
        oj_int(j, "pruned", lg->pruned_rows);
    else
        oj_null(j, "pruned");
    oj_str(j, "warning", lg->warning[0] ? lg->warning : NULL);
    oj_obj_end(j);
}

static void dm_json(const hf_db_maint_result *r, const char *path, const dm_ledger *lg, hf_buf *b)
{
    char t[32];
    ops_json j;

    oj_begin(&j, b);
    oj_str(&j, "schema", "helixflow-ops-db-maintain/1");
    oj_str(&j, "path", path);
    oj_str(&j, "state", hf_state_name(hf_db_maint_state(r)));
    oj_str(&j, "status", hf_db_maint_status_name(r->status));
    oj_str(&j, "error", r->status == HF_DB_MAINT_OK ? NULL : r->err);
    oj_bool(&j, "dry_run", r->dry_run);
    oj_str(&j, "cutoff", ops_iso_time(r->cutoff, t, sizeof(t)));
    oj_uint(&j, "deleted", r->deleted);
    oj_uint(&j, "scanned", r->scanned);
    oj_uint(&j, "unparsed", r->unparsed);
    oj_uint(&j, "transactions", r->txns);
    oj_num(&j, "max_transaction_ms", r->max_txn_ms);
    oj_bool(&j, "stopped", r->stopped);
    oj_bool(&j, "optimized", r->optimized);
    oj_bool(&j, "vacuumed", r->vacuumed);
    oj_str(&j, "vacuum_skipped", r->vacuum_skipped[0] ? r->vacuum_skipped : NULL);
    oj_int(&j, "size_before", r->size_before);
    oj_int(&j, "wal_before", r->wal_before);
    oj_int(&j, "size_after", r->size_after);
    oj_int(&j, "wal_after", r->wal_after);
    oj_int(&j, "free_pages_after", r->free_after);
    oj_int(&j, "reclaimed", r->reclaimed);
    oj_num(&j, "elapsed_ms", r->elapsed_ms);
    dm_ledger_json(&j, lg);
    oj_end(&j);
}

static int dm_paths(const dm_opts *o, char *db, char *state, size_t n)
{
    if (o->db ? hf_strlcpy(db, o->db, n) >= n : hf_path_join(db, n, o->root, HF_DEFAULT_DB) < 0)
        return -1;
    if (o->state_dir ? hf_strlcpy(state, o->state_dir, n) >= n
                     : hf_path_join(state, n, o->root, HF_DEFAULT_STATE_DIR) < 0)
        return -1;
    return 0;
}

static int dm_run(int argc, char **argv)
{
    dm_opts o;
    char db[HF_PATH_MAX], state[HF_PATH_MAX];
    dm_progress pr = {0};
    hf_db_maint_config cfg;
    hf_db_maint_result res;
    hf_buf out = {0};
    dm_ledger lg;
    int r = dm_parse(&o, argc, argv);

    if (r != 0)
        return r > 0 ? 0 : OPS_EXIT_USAGE;
    if (dm_paths(&o, db, state, sizeof(db)) < 0) {
        ops_error(dm_cmd, "a path is too long");
        return 3;
    }
    pr.tty = !o.quiet && !o.json && isatty(STDERR_FILENO);
    signal(SIGINT, dm_on_signal);
    signal(SIGTERM, dm_on_signal);
    if (!o.json) {
        printf(o.dry_run ? "dry run: nothing is written to %s\n"
                         : "writing to HelixFlow's database %s (helixflow-ops db maintain is the one "
                           "command that does)\n", db);
        fflush(stdout);
    }
    cfg = (hf_db_maint_config){.path = db, .state_dir = state, .table = o.table, .time_col = o.time_col,
                               .retention_days = o.retention, .batch = o.batch,
                               .max_seconds = o.max_seconds, .dry_run = o.dry_run, .vacuum = o.vacuum,
                               .no_optimize = o.no_optimize, .progress = dm_on_progress,
                               .progress_arg = &pr};
    hf_db_maint_run(&cfg, &res);
    if (pr.drawn)
        fprintf(stderr, "\r\033[K");
    dm_record(&o, &cfg, &res, &lg);
    if (o.json) {
        dm_json(&res, db, &lg, &out);
    } else {
        hf_db_maint_describe(&res, &out);
        dm_ledger_text(&lg, &o, &out);
    }
    fputs(hf_buf_str(&out), stdout);
    fflush(stdout);
    hf_buf_free(&out);
    return (int)hf_db_maint_state(&res);
}

const ops_cmd ops_cmd_db_maintain = {
    .group = "db",
    .name = "maintain",
    .summary = "retention delete, optimize, optional VACUUM: the one command that writes to the database",
    .run = dm_run,
};
