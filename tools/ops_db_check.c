/* helixflow-ops db check: integrity_check (or quick_check) and the table
 * size analysis of HelixFlow's database or a backup, read-only, through
 * hf_db_inspect (the words and the verdict are the core's; this file fills
 * the configuration and renders). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hf_backup.h"
#include "hf_db_inspect.h"
#include "hf_defaults.h"
#include "ops.h"

static const char dc_cmd[] = "db check";
static const char dc_usage[] =
    "Usage: helixflow-ops db check [--quick] [--sizes-only | --no-sizes] [--root DIR]\n"
    "           [--backup] [-t SECONDS] [--json] [FILE]\n";

typedef struct dc_opts {
    const char *root, *file;
    bool quick, no_sizes, sizes_only, backup, json;
    double timeout;
} dc_opts;

static void dc_help(void)
{
    printf("helixflow-ops db check: PRAGMA integrity_check (or quick_check) and the table sizes of\n"
           "HelixFlow's database or a backup. Read-only: the file is opened mode=ro (immutable when\n"
           "its WAL is absent, as a backup's is) and nothing is written or created. On the live WAL\n"
           "database HelixFlow keeps writing meanwhile; only checkpoints wait until it ends.\n\n%s\n"
           "  FILE             the database file to check (default <root>%s)\n"
           "  --backup         check the newest backup instead (<root>%s)\n"
           "  --root DIR       prefix of the default paths (default /)\n"
           "  --quick          PRAGMA quick_check: no index cross-check, faster\n"
           "  --no-sizes       integrity only;  --sizes-only: the table sizes only\n"
           "  -t, --timeout SECONDS  each step's limit (default 600)\n"
           "  --json           the result as JSON (see helixflow-ops-db-check(8))\n"
           "Exit status: 0 ok, 2 damaged or not a database or missing, 3 could not finish or bad usage.\n",
           dc_usage, HF_DEFAULT_DB, HF_DEFAULT_BACKUP_GLOB);
}

enum { DC_QUICK = 1, DC_NOSIZES, DC_SIZESONLY, DC_ROOT, DC_BACKUP, DC_JSON };

static const struct option dc_longopts[] = {
    {"help", no_argument, NULL, 'h'},           {"timeout", required_argument, NULL, 't'},
    {"quick", no_argument, NULL, DC_QUICK},     {"no-sizes", no_argument, NULL, DC_NOSIZES},
    {"sizes-only", no_argument, NULL, DC_SIZESONLY}, {"root", required_argument, NULL, DC_ROOT},
    {"backup", no_argument, NULL, DC_BACKUP},   {"json", no_argument, NULL, DC_JSON},
    {0},
};

static int dc_option(dc_opts *o, int opt, char **argv)
{
    switch (opt) {
    case 'h': dc_help(); return 1;
    case 't': return ops_opt_double(dc_cmd, dc_usage, "--timeout", optarg, 1, 86400, &o->timeout);
    case DC_QUICK: o->quick = true; return 0;
    case DC_NOSIZES: o->no_sizes = true; return 0;
    case DC_SIZESONLY: o->sizes_only = true; return 0;
    case DC_ROOT:
        if (!*optarg)
            return ops_usage_error(dc_cmd, dc_usage, "--root: empty value");
        o->root = optarg;
        return 0;
    case DC_BACKUP: o->backup = true; return 0;
    case DC_JSON: o->json = true; return 0;
    case ':': return ops_usage_error(dc_cmd, dc_usage, "%s: needs a value", argv[optind - 1]);
    default: return ops_usage_error(dc_cmd, dc_usage, "%s: unknown option", argv[optind - 1]);
    }
}

static int dc_parse(dc_opts *o, int argc, char **argv)
{
    int opt, r;

    memset(o, 0, sizeof(*o));
    o->timeout = 600;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":ht:", dc_longopts, NULL)) != -1)
        if ((r = dc_option(o, opt, argv)) != 0)
            return r;
    if (optind < argc)
        o->file = argv[optind++];
    if (optind < argc)
        return ops_usage_error(dc_cmd, dc_usage, "'%s': unexpected argument (one FILE at most)", argv[optind]);
    if (o->file && !*o->file)
        return ops_usage_error(dc_cmd, dc_usage, "FILE: empty name");
    if (o->file && o->backup)
        return ops_usage_error(dc_cmd, dc_usage, "--backup: not with a FILE");
    if (o->no_sizes && o->sizes_only)
        return ops_usage_error(dc_cmd, dc_usage, "--no-sizes and --sizes-only: choose one");
    return 0;
}

/* The file to check: FILE, the newest backup, or the live database. */
static int dc_target(const dc_opts *o, char *path, size_t n)
{
    char glob[HF_PATH_MAX], live[HF_PATH_MAX];
    hf_backup_result br;
    hf_backup_config bc = {.glob = glob, .live_db = live, .quick_check = false};

    if (o->file)
        return hf_strlcpy(path, o->file, n) < n ? 0 : -1;
    if (hf_path_join(live, sizeof(live), o->root, HF_DEFAULT_DB) < 0)
        return -1;
    if (!o->backup)
        return hf_strlcpy(path, live, n) < n ? 0 : -1;
    if (hf_path_join(glob, sizeof(glob), o->root, HF_DEFAULT_BACKUP_GLOB) < 0 || hf_backup_probe(&bc, &br) < 0) {
        ops_error(dc_cmd, "--backup: %s", br.err[0] ? br.err : "path too long");
        return -2;
    }
    if (!br.found) {
        ops_error(dc_cmd, "--backup: no backup matches %s", glob);
        return -2;
    }
    return hf_strlcpy(path, br.path, n) < n ? 0 : -1;
}

static void dc_json(const hf_db_inspect_result *r, hf_buf *b)
{
    ops_json j;

    oj_begin(&j, b);
    oj_str(&j, "schema", "helixflow-ops-db-check/1");
    oj_str(&j, "path", r->path);
    oj_str(&j, "state", hf_state_name(hf_db_inspect_state(r)));
    oj_str(&j, "status", hf_db_status_name(r->status));
    oj_str(&j, "error", r->status == HF_DB_OK ? NULL : r->err);
    oj_int(&j, "file_size", r->file_size);
    oj_int(&j, "wal_size", r->wal_size);
    oj_bool(&j, "wal_mode", r->wal_mode);
    oj_bool(&j, "immutable", r->immutable);
    oj_bool(&j, "blocked_writers", r->blocks_writers && (r->check || r->sizes));
    oj_int(&j, "page_size", r->page_size);
    oj_int(&j, "page_count", r->page_count);
    oj_int(&j, "freelist_count", r->freelist_count);
    oj_str(&j, "check", r->check == 0 ? NULL : r->check == 1 ? "quick_check" : "integrity_check");
    if (r->check)
        oj_bool(&j, "check_ok", r->check_ok);
    else
        oj_null(&j, "check_ok");
    oj_num(&j, "check_ms", r->check ? r->check_ms : NAN);
    oj_arr(&j, "problems");
    for (unsigned i = 0; i < r->nproblems; i++)
        oj_str(&j, NULL, r->problems[i]);
    oj_arr_end(&j);
    oj_bool(&j, "more_problems", r->more_problems);
    oj_str(&j, "sizes_from", !r->sizes ? NULL : r->dbstat ? "dbstat" : "rowid estimate");
    oj_arr(&j, "btrees");
    for (size_t i = 0; i < r->ntrees; i++) {
        const hf_db_btree *t = &r->trees[i];
        oj_obj(&j, NULL);
        oj_str(&j, "name", t->name);
        oj_str(&j, "table", t->table);
        oj_str(&j, "kind", t->is_index ? "index" : "table");
        oj_num(&j, "pages", t->pages >= 0 ? (double)t->pages : NAN);
        oj_num(&j, "bytes", t->bytes >= 0 ? (double)t->bytes : NAN);
        oj_num(&j, "unused_bytes", t->unused >= 0 ? (double)t->unused : NAN);
        oj_num(&j, "rows", t->rows >= 0 ? (double)t->rows : NAN);
        oj_obj_end(&j);
    }
    oj_arr_end(&j);
    oj_end(&j);
}

static int dc_run(int argc, char **argv)
{
    dc_opts o;
    char path[HF_PATH_MAX];
    hf_db_inspect_result res;
    hf_db_inspect_config cfg;
    hf_buf out = {0};
    int r = dc_parse(&o, argc, argv);

    if (r != 0)
        return r > 0 ? 0 : OPS_EXIT_USAGE;
    if ((r = dc_target(&o, path, sizeof(path))) < 0) {
        if (r == -1)
            ops_error(dc_cmd, "the database path is too long");
        return 3;
    }
    cfg = (hf_db_inspect_config){.path = path, .quick = o.quick, .no_sizes = o.no_sizes,
                                 .no_check = o.sizes_only, .timeout_ms = (long)(o.timeout * 1000)};
    hf_db_inspect(&cfg, &res);
    if (o.json)
        dc_json(&res, &out);
    else
        hf_db_inspect_describe(&res, &out);
    fputs(hf_buf_str(&out), stdout);
    fflush(stdout);
    r = (int)hf_db_inspect_state(&res);
    hf_buf_free(&out);
    hf_db_inspect_free(&res);
    return r;
}

const ops_cmd ops_cmd_db_check = {
    .group = "db",
    .name = "check",
    .summary = "integrity_check and table sizes of the database or a backup (read-only)",
    .run = dc_run,
};
