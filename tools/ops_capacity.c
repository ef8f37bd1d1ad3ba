/* helixflow-ops capacity: the guide's monthly capacity figures (cores,
 * memory, storage, requests and their growth, the database's growth) and
 * the date the disk reaches its target at that growth, through hf_capacity
 * (figures, projection, judgement and words are the core's). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hf_capacity.h"
#include "hf_defaults.h"
#include "hf_time.h"
#include "ops.h"

static const char cp_cmd[] = "capacity";
static const char cp_usage[] =
    "Usage: helixflow-ops capacity [--root DIR] [--db FILE] [--path DIR] [--days N]\n"
    "           [--retention-days N] [--target PCT] [--warning-days N] [--critical-days N]\n"
    "           [--table NAME] [--time-column COL] [--json]\n";

typedef struct cp_opts {
    hf_capacity_config c;
    double warn_days, crit_days;
    long days;
    bool json;
} cp_opts;

static void cp_help(void)
{
    printf("helixflow-ops capacity: the monthly capacity figures of the host: CPU cores, memory,\n"
           "storage, requests of the last 30 days, their growth per month, the database's size and\n"
           "growth per month, and the date the disk reaches %d%% at the current growth. The daily\n"
           "request counts come from the database by rowid bisection (or an index), never a full\n"
           "scan; the database is opened read-only.\n\n%s\n"
           "  --root DIR          prefix of the default paths (default /)\n"
           "  --db FILE           the database (default <root>%s)\n"
           "  --path DIR          the filesystem to project (default <root>%s)\n"
           "  --days N            complete days the growth is fitted over (default 30, 2 to 365)\n"
           "  --retention-days N  the retention db maintain keeps (default 30; 0: none, every row stays)\n"
           "  --target PCT        the disk target (default %d)\n"
           "  --warning-days N    WARNING when the target is reached within N days (default 90)\n"
           "  --critical-days N   CRITICAL within N days or when already reached (default 30)\n"
           "  --table NAME, --time-column COL   (default %s, %s)\n"
           "  --json              the figures as JSON (see helixflow-ops-capacity(8))\n"
           "Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (figures missing) or bad usage.\n",
           HF_TARGET_DISK_PCT, cp_usage, HF_DEFAULT_DB, HF_DEFAULT_DEPLOY_DIR, HF_TARGET_DISK_PCT,
           HF_DEFAULT_DB_TABLE, HF_DEFAULT_DB_TIME_COL);
}

enum { CP_ROOT = 1, CP_DB, CP_PATH, CP_DAYS, CP_RET, CP_TARGET, CP_WARN, CP_CRIT, CP_TABLE, CP_TIME,
       CP_JSON };

static const struct option cp_longopts[] = {
    {"help", no_argument, NULL, 'h'},          {"root", required_argument, NULL, CP_ROOT},
    {"db", required_argument, NULL, CP_DB},    {"path", required_argument, NULL, CP_PATH},
    {"days", required_argument, NULL, CP_DAYS}, {"retention-days", required_argument, NULL, CP_RET},
    {"target", required_argument, NULL, CP_TARGET},
    {"warning-days", required_argument, NULL, CP_WARN},
    {"critical-days", required_argument, NULL, CP_CRIT},
    {"table", required_argument, NULL, CP_TABLE}, {"time-column", required_argument, NULL, CP_TIME},
    {"json", no_argument, NULL, CP_JSON},      {0},
};

static int cp_text(const char *opt, const char **out)
{
    if (!*optarg)
        return ops_usage_error(cp_cmd, cp_usage, "%s: empty value", opt);
    *out = optarg;
    return 0;
}

static int cp_option(cp_opts *o, int opt, char **argv)
{
    switch (opt) {
    case 'h': cp_help(); return 1;
    case CP_ROOT: return cp_text("--root", &o->c.root);
    case CP_DB: return cp_text("--db", &o->c.db);
    case CP_PATH:
        if (optarg[0] != '/')
            return ops_usage_error(cp_cmd, cp_usage, "--path: '%s' is not an absolute path", optarg);
        o->c.fs_path = optarg;
        return 0;
    case CP_DAYS: return ops_opt_long(cp_cmd, cp_usage, "--days", optarg, 2, HF_DB_DAYS_MAX - 1, &o->days);
    case CP_RET: return ops_opt_double(cp_cmd, cp_usage, "--retention-days", optarg, 0, 36500, &o->c.retention_days);
    case CP_TARGET: return ops_opt_double(cp_cmd, cp_usage, "--target", optarg, 1, 100, &o->c.target_pct);
    case CP_WARN: return ops_opt_double(cp_cmd, cp_usage, "--warning-days", optarg, 0, 36500, &o->warn_days);
    case CP_CRIT: return ops_opt_double(cp_cmd, cp_usage, "--critical-days", optarg, 0, 36500, &o->crit_days);
    case CP_TABLE: return cp_text("--table", &o->c.table);
    case CP_TIME: return cp_text("--time-column", &o->c.time_col);
    case CP_JSON: o->json = true; return 0;
    case ':': return ops_usage_error(cp_cmd, cp_usage, "%s: needs a value", argv[optind - 1]);
    default: return ops_usage_error(cp_cmd, cp_usage, "%s: unknown option", argv[optind - 1]);
    }
}

static int cp_parse(cp_opts *o, int argc, char **argv)
{
    int opt, r;

    memset(o, 0, sizeof(*o));
    o->c.retention_days = -1;       /* the default */
    o->warn_days = 90;
    o->crit_days = 30;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":h", cp_longopts, NULL)) != -1)
        if ((r = cp_option(o, opt, argv)) != 0)
            return r;
    if (optind < argc)
        return ops_usage_error(cp_cmd, cp_usage, "'%s': unexpected argument", argv[optind]);
    if (o->crit_days > o->warn_days)
        return ops_usage_error(cp_cmd, cp_usage, "--critical-days %g is more than --warning-days %g",
                               o->crit_days, o->warn_days);
    o->c.days = (int)o->days;
    return 0;
}

static void cp_json_days(ops_json *j, const hf_capacity_result *r)
{
    char d[16];

    oj_arr(j, "days");
    for (int i = 0; r->days.status == HF_DB_OK && i < r->days.ndays; i++) {
        oj_obj(j, NULL);
        oj_str(j, "date", hf_time_format_date(r->days.day0 + 86400.0 * i, d, sizeof(d)));
        oj_int(j, "requests", r->days.count[i]);
        oj_bool(j, "fitted", i >= r->fit_first && i < r->fit_first + r->fit_n);
        oj_obj_end(j);
    }
    oj_arr_end(j);
}

static void cp_json(const hf_capacity_result *r, hf_state st, const char *why, hf_buf *b)
{
    char t[32];
    ops_json j;

    oj_begin(&j, b);
    oj_str(&j, "schema", "helixflow-ops-capacity/1");
    oj_str(&j, "time", ops_iso_time(r->now, t, sizeof(t)));
    oj_str(&j, "state", hf_state_name(st));
    oj_str(&j, "reason", why);
    oj_obj(&j, "host");
    oj_str(&j, "error", r->host ? NULL : r->host_err);
    oj_int(&j, "cores", r->host ? r->cores : 0);
    oj_uint(&j, "memory_bytes", r->mem_total);
    oj_uint(&j, "memory_used_bytes", r->mem_used);
    oj_str(&j, "filesystem", r->host ? r->fs_path : NULL);
    oj_uint(&j, "storage_bytes", r->fs_total);
    oj_uint(&j, "storage_used_bytes", r->fs_used);
    oj_uint(&j, "storage_available_bytes", r->fs_avail);
    oj_num(&j, "storage_used_pct", r->host ? r->fs_used_pct : NAN);
    oj_obj_end(&j);
    oj_obj(&j, "requests");
    oj_str(&j, "error", r->days.status == HF_DB_OK ? NULL : r->days.err);
    oj_str(&j, "method", r->days.method);
    oj_uint(&j, "last_30_days", r->requests_30d);
    oj_num(&j, "per_month", r->requests_month);
    oj_num(&j, "per_day_mean", r->mean_per_day);
    oj_num(&j, "per_day_now", r->rate_per_day);
    oj_num(&j, "growth_per_month", r->req_growth_month);
    oj_num(&j, "growth_pct_per_month", r->req_growth_pct);
    oj_int(&j, "fitted_days", r->fit_n);
    oj_str(&j, "growth_unknown", r->growth_known ? NULL : r->why);
    cp_json_days(&j, r);
    oj_obj_end(&j);
    oj_obj(&j, "database");
    oj_int(&j, "bytes", r->db_bytes);
    oj_int(&j, "rows", r->days.rows);
    oj_num(&j, "bytes_per_row", r->bytes_per_row);
    oj_num(&j, "retention_days", r->retention_days);
    oj_num(&j, "growth_bytes_per_month", r->db_growth_month);
    oj_obj_end(&j);
    oj_obj(&j, "disk_target");
    oj_num(&j, "pct", r->target_pct);
    oj_num(&j, "bytes_left", r->host ? r->target_left : NAN);
    oj_num(&j, "days", r->days_to_target);
    oj_bool(&j, "never", isinf(r->days_to_target));
    oj_str(&j, "date", isnan(r->target_date) ? NULL : hf_time_format_date(r->target_date, t, sizeof(t)));
    oj_obj_end(&j);
    oj_end(&j);
}

static int cp_run(int argc, char **argv)
{
    cp_opts o;
    char db[HF_PATH_MAX];
    hf_capacity_result res;
    hf_buf out = {0}, why = {0};
    hf_state st;
    int r = cp_parse(&o, argc, argv);

    if (r != 0)
        return r > 0 ? 0 : OPS_EXIT_USAGE;
    if (!o.c.db) {
        if (hf_path_join(db, sizeof(db), o.c.root, HF_DEFAULT_DB) < 0) {
            ops_error(cp_cmd, "--root: path too long");
            return 3;
        }
        o.c.db = db;
    }
    hf_capacity_probe(&o.c, &res);
    st = hf_capacity_judge(&res, o.warn_days, o.crit_days, &why);
    if (o.json) {
        cp_json(&res, st, hf_buf_str(&why), &out);
    } else {
        hf_buf_printf(&out, "capacity %s: %s\n", hf_state_name(st), hf_buf_str(&why));
        hf_capacity_describe(&res, &out);
    }
    fputs(hf_buf_str(&out), stdout);
    fflush(stdout);
    hf_buf_free(&out);
    hf_buf_free(&why);
    return (int)st;
}

const ops_cmd ops_cmd_capacity = {
    .name = "capacity",
    .summary = "cores, memory, storage, growth per month and the date the disk reaches 80%",
    .run = cp_run,
};
