/* ops_report: `helixflow-ops report daily|weekly|monthly` (see
 * ops_report.h): arguments -> hf_period_config -> hf_period_run -> one
 * renderer -> stdout or --output. */
#include "ops_report.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_config.h"
#include "hf_defaults.h"
#include "hf_ledger.h"
#include "hf_period.h"
#include "ops_report_render.h"

#define OPS_REPORT_EXIT_UNKNOWN 3

static const char ops_report_usage[] =
    "usage: helixflow-ops report daily|weekly|monthly [--end DAY] [--json | --html]\n"
    "       [-o FILE] [--root DIR] [--db PATH] [--table NAME] [--time-col NAME]\n"
    "       [--rt-col NAME] [--status-col NAME] [--error-status VALUE] [--state-dir DIR]\n"
    "       [--no-state] [--cert-dir DIR] [--no-certs] [--ledger FILE] [--target NAME=VALUE]...\n"
    "       [-t SECONDS] [--threads N] [-h] [-V]\n";

static const char ops_report_help[] =
    "The guide's weekly performance, monthly metrics, capacity and uptime reports\n"
    "from HelixFlow's database, read incrementally (never a full scan): requests,\n"
    "errors, error rate, average and p95 response, growth against the previous\n"
    "period, the busiest days, database size, rows, the simple query and disk use,\n"
    "availability, MTTR and MTBF, each against the guide's target.\n"
    "\n"
    "  daily|weekly|monthly   1, 7 or 30 whole UTC days ending with --end\n"
    "  --end DAY              the last day: YYYY-MM-DD, yesterday (default) or today\n"
    "  --json                 JSON (doc/helixflow-ops-report.schema.json)\n"
    "  --html                 one self-contained HTML page, charts as inline SVG\n"
    "  -o, --output FILE      write there (atomically) instead of standard output\n"
    "  --root DIR             prefix of the default paths (the test bed's root)\n"
    "  --db PATH              default <root>" HF_DEFAULT_DB "\n"
    "  --table NAME           default " HF_DEFAULT_DB_TABLE "\n"
    "  --time-col NAME        default " HF_DEFAULT_DB_TIME_COL "\n"
    "  --rt-col NAME          default " HF_DEFAULT_DB_RT_COL " (ms)\n"
    "  --status-col NAME      default " HF_DEFAULT_DB_STATUS_COL "\n"
    "  --error-status VALUE   default " HF_DEFAULT_DB_ERROR_STATUS "\n"
    "  --state-dir DIR        the per-day aggregates; default <root>" HF_DEFAULT_STATE_DIR "\n"
    "  --no-state             keep nothing: read the days needed every time\n"
    "  --cert-dir DIR         the certificates <name>.crt; default <root>" HF_DEFAULT_CERT_DIR "\n"
    "  --no-certs             no certificate figure\n"
    "  --ledger FILE          availability, MTTR, MTBF from it; default <root>" HF_DEFAULT_LEDGER "\n"
    "                         (missing: those three are \"not measured: no ledger\")\n"
    "  --target NAME=VALUE    error_rate (%), p95 (ms), query (ms), disk (%): at most;\n"
    "                         cert_days, availability (%), mtbf (days): at least;\n"
    "                         mttr (min): at most\n"
    "  -t, --timeout SECONDS  the whole run (default 60); a read cut short says so\n"
    "  --threads N            readers of a first read (default 2)\n"
    "  -h, --help             this help;  -V, --version  the version\n"
    "\n"
    "Exit status: 0 every measured target met, 1 a target not met, 3 no report.\n";

typedef struct ops_report_args {
    hf_period_config cfg;
    enum { OPS_TEXT, OPS_JSON, OPS_HTML } format;
    const char *output, *root, *db, *state_dir, *end, *cert_dir, *ledger;
    bool no_state, no_certs;
    char db_buf[HF_PATH_MAX], state_buf[HF_PATH_MAX], cert_buf[HF_PATH_MAX];
    char ledger_buf[HF_PATH_MAX];
    hf_period_uptime uptime;
} ops_report_args;

static int ops_report_bad(const char *fmt, ...) HF_PRINTF(1, 2);

static int ops_report_bad(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "helixflow-ops report: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", ops_report_usage);
    return OPS_REPORT_EXIT_UNKNOWN;
}

/* Returns -1 to run, else the exit status. */
static int ops_report_parse(ops_report_args *a, int argc, char **argv)
{
    enum { O_END = 256, O_JSON, O_HTML, O_ROOT, O_DB, O_TABLE, O_TIME, O_RT, O_STATUS, O_ERR,
           O_STATE, O_NOSTATE, O_TARGET, O_THREADS, O_CERTDIR, O_NOCERTS, O_LEDGER };
    static const struct option lo[] = {
        {"end", required_argument, NULL, O_END}, {"json", no_argument, NULL, O_JSON},
        {"html", no_argument, NULL, O_HTML}, {"output", required_argument, NULL, 'o'},
        {"root", required_argument, NULL, O_ROOT}, {"db", required_argument, NULL, O_DB},
        {"table", required_argument, NULL, O_TABLE},
        {"time-col", required_argument, NULL, O_TIME}, {"rt-col", required_argument, NULL, O_RT},
        {"status-col", required_argument, NULL, O_STATUS},
        {"error-status", required_argument, NULL, O_ERR},
        {"state-dir", required_argument, NULL, O_STATE},
        {"no-state", no_argument, NULL, O_NOSTATE},
        {"cert-dir", required_argument, NULL, O_CERTDIR},
        {"no-certs", no_argument, NULL, O_NOCERTS},
        {"ledger", required_argument, NULL, O_LEDGER},
        {"target", required_argument, NULL, O_TARGET},
        {"timeout", required_argument, NULL, 't'},
        {"threads", required_argument, NULL, O_THREADS},
        {"help", no_argument, NULL, 'h'}, {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    char err[HF_ERR_MAX];
    double d;
    long l;
    int c;

    hf_period_config_init(&a->cfg);
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:t:hV", lo, NULL)) != -1) {
        switch (c) {
        case O_END: a->end = optarg; break;
        case O_JSON: a->format = OPS_JSON; break;
        case O_HTML: a->format = OPS_HTML; break;
        case 'o': a->output = optarg; break;
        case O_ROOT: a->root = optarg; break;
        case O_DB: a->db = optarg; break;
        case O_TABLE: a->cfg.db.table = optarg; break;
        case O_TIME: a->cfg.db.time_col = optarg; break;
        case O_RT: a->cfg.db.rt_col = optarg; break;
        case O_STATUS: a->cfg.db.status_col = optarg; break;
        case O_ERR: a->cfg.db.error_status = optarg; break;
        case O_STATE: a->state_dir = optarg; break;
        case O_NOSTATE: a->no_state = true; break;
        case O_CERTDIR: a->cert_dir = optarg; break;
        case O_NOCERTS: a->no_certs = true; break;
        case O_LEDGER: a->ledger = optarg; break;
        case O_TARGET:
            if (hf_period_target_set(&a->cfg.targets, optarg, err, sizeof(err)) < 0)
                return ops_report_bad("--target: %s", err);
            break;
        case 't':
            if (hf_parse_double(optarg, &d) < 0 || d < 1 || d > 3600)
                return ops_report_bad("-t: '%s' is not a number of seconds from 1 to 3600", optarg);
            a->cfg.db.budget_ms = (long)(d * 1000);
            break;
        case O_THREADS:
            if (hf_parse_long(optarg, &l) < 0 || l < 1 || l > HF_DAYS_MAX_THREADS)
                return ops_report_bad("--threads: '%s' is not a number from 1 to 8", optarg);
            a->cfg.db.threads = (int)l;
            break;
        case 'h':
            printf("%s%s", ops_report_usage, ops_report_help);
            return 0;
        case 'V':
            printf("helixflow-ops report %s (helixflow-monitoring)\n", HF_VERSION);
            return 0;
        case ':':
            return ops_report_bad("%s needs a value", argv[optind - 1]);
        default:
            return ops_report_bad("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return ops_report_bad("%s", "which report? daily, weekly or monthly");
    if (hf_period_kind_parse(argv[optind], &a->cfg.kind) < 0)
        return ops_report_bad("'%s' is not daily, weekly or monthly", argv[optind]);
    if (optind + 1 < argc)
        return ops_report_bad("unexpected argument '%s'", argv[optind + 1]);
    if (a->end && hf_period_day_parse(a->end, hf_real_now(), &a->cfg.end_day, err,
                                      sizeof(err)) < 0)
        return ops_report_bad("--end: %s", err);
    if (hf_path_join(a->db_buf, sizeof(a->db_buf), a->db ? NULL : a->root,
                     a->db ? a->db : HF_DEFAULT_DB) < 0 ||
        hf_path_join(a->state_buf, sizeof(a->state_buf), a->state_dir ? NULL : a->root,
                     a->state_dir ? a->state_dir : HF_DEFAULT_STATE_DIR) < 0 ||
        hf_path_join(a->cert_buf, sizeof(a->cert_buf), a->cert_dir ? NULL : a->root,
                     a->cert_dir ? a->cert_dir : HF_DEFAULT_CERT_DIR) < 0 ||
        hf_path_join(a->ledger_buf, sizeof(a->ledger_buf), a->ledger ? NULL : a->root,
                     a->ledger ? a->ledger : HF_DEFAULT_LEDGER) < 0)
        return ops_report_bad("%s", "a path is too long");
    a->cfg.db.path = a->db_buf;
    a->cfg.state_dir = a->no_state ? NULL : a->state_buf;
    a->cfg.cert_dir = a->no_certs ? NULL : a->cert_buf;
    return -1;
}

static int ops_report_write(const char *output, const hf_buf *b)
{
    char err[HF_ERR_MAX];
    size_t len = b->len;

    if (b->oom) {
        fprintf(stderr, "helixflow-ops report: out of memory\n");
        return -1;
    }
    if (output) {
        if (hf_file_write_atomic(output, hf_buf_str(b), len, err, sizeof(err)) < 0) {
            fprintf(stderr, "helixflow-ops report: %s\n", err);
            return -1;
        }
        return 0;
    }
    if (fwrite(hf_buf_str(b), 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "helixflow-ops report: writing standard output: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

/* The LEDGER HOOK: availability, MTTR, MTBF and the rest from the ledger
 * over the report's period [first 00:00, last + 1 00:00) (clipped to now),
 * every service. A missing ledger is not created: the figures stay "not
 * measured: no ledger". A ledger that cannot be opened or read is said on
 * standard error and in the figures' notes; the report still runs. */
static void ops_report_uptime(ops_report_args *a, double now, hf_period_uptime *u)
{
    hf_ledger_cfg lc = {.path = a->ledger_buf};
    hf_ledger_query q = {.now = now};
    hf_ledger_stats st;
    hf_ledger *l = NULL;
    char err[HF_ERR_MAX];
    struct stat sb;
    int64_t first, last;
    int rc;

    memset(u, 0, sizeof(*u));
    memset(&st, 0, sizeof(st));
    snprintf(u->source, sizeof(u->source), "ledger %s", a->ledger_buf);
    if (lstat(a->ledger_buf, &sb) < 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            snprintf(u->why, sizeof(u->why), "ledger %.180s: %s", a->ledger_buf,
                     strerror(errno));
            fprintf(stderr, "helixflow-ops report: %s\n", u->why);
        }
        return;
    }
    if ((rc = hf_ledger_open(&lc, &l, err, sizeof(err))) < 0) {
        snprintf(u->why, sizeof(u->why), "%s", err);
        fprintf(stderr, "helixflow-ops report: %s\n", err);
        return;
    }
    if (rc > 0)         /* recreated beside a bad copy: said, and the figures are the new one's */
        fprintf(stderr, "helixflow-ops report: %s\n", err);
    hf_period_bounds(&a->cfg, now, &first, &last);
    q.from = (double)first * 86400;
    q.to = (double)(last + 1) * 86400;
    if (q.from >= now) {
        snprintf(u->why, sizeof(u->why), "the period has not begun");
    } else if (hf_ledger_stats_get(l, &q, &st, err, sizeof(err)) < 0) {
        snprintf(u->why, sizeof(u->why), "%s", err);
        fprintf(stderr, "helixflow-ops report: %s\n", err);
    } else {
        u->known = true;
        u->measured_s = st.measured_s;
        u->downtime_s = st.downtime_s;
        u->availability_pct = st.availability_pct;
        u->mttr_s = st.mttr_s;
        u->mtbf_s = st.mtbf_s;
        u->incidents = (unsigned)st.failures;
        u->restarts = st.restarts;
        u->restarts_ok = st.restarts_ok;
    }
    hf_ledger_stats_free(&st);
    hf_ledger_close(l);
}

int ops_report_main(int argc, char **argv)
{
    ops_report_args *a = calloc(1, sizeof(*a));
    hf_period_report *r = calloc(1, sizeof(*r));
    char err[HF_ERR_MAX];
    hf_buf b = {0};
    int code, rc;

    if (!a || !r) {
        fprintf(stderr, "helixflow-ops report: out of memory\n");
        free(a);
        free(r);
        return OPS_REPORT_EXIT_UNKNOWN;
    }
    if ((code = ops_report_parse(a, argc, argv)) >= 0)
        goto out;
    a->cfg.db.now = hf_real_now();     /* one clock for the database and the ledger */
    ops_report_uptime(a, a->cfg.db.now, &a->uptime);
    a->cfg.uptime = &a->uptime;
    rc = hf_period_run(&a->cfg, r, err, sizeof(err));
    if (rc < 0) {
        fprintf(stderr, "helixflow-ops report: %s\n", err);
        code = OPS_REPORT_EXIT_UNKNOWN;
        goto out;
    }
    if (a->format == OPS_JSON)
        ops_report_json(r, &b);
    else if (a->format == OPS_HTML)
        ops_report_html(r, &b);
    else
        ops_report_text(r, &b);
    if (ops_report_write(a->output, &b) < 0)
        code = OPS_REPORT_EXIT_UNKNOWN;
    else
        code = r->overall == HF_VERDICT_NOT_MET ? 1 : 0;
out:
    hf_buf_free(&b);
    free(a);
    free(r);
    return code;
}
