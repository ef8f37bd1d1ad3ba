/* Unit tests: hf_db_maint, the one writer of HelixFlow's database: which
 * rows go (the cutoff on every created_at format, unreadable ones kept),
 * batches, the dry run writing nothing, the lock, a missing file or
 * column, VACUUM and its free-space check, stopping and continuing, the
 * walk's end, and the db probe's statistics staying exact afterwards. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_db.h"
#include "hf_db_maint.h"
#include "hf_db_maint_int.h"
#include "test_ops_db_helpers.h"

static hf_db_maint_config cfg_of(const odb *t)
{
    return (hf_db_maint_config){.path = t->path, .state_dir = t->state, .now = ODB_NOW,
                                .retention_days = 30, .pause_ms = -1};
}

static void run(const hf_db_maint_config *c, hf_db_maint_result *r)
{
    assert_int_equal(hf_db_maint_run(c, r), 0);
}

static void test_cutoff_every_format(void **state)
{
    double cut = ODB_NOW - 30 * ODB_DAY;
    hf_db_maint_config c;
    hf_db_maint_result r;
    char lit[64];
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, true);
    odb_row(&t, cut - 1);
    odb_row(&t, cut);                                   /* exactly at the cutoff: old */
    odb_row_sql(&t, "'2025-12-02T00:00:00Z'");          /* = cut: old */
    snprintf(lit, sizeof(lit), "%.0f", cut - 5);        /* epoch INTEGER */
    odb_row_sql(&t, lit);
    snprintf(lit, sizeof(lit), "%.3f", cut + 0.5);      /* epoch REAL just after: kept */
    odb_row_sql(&t, lit);
    odb_row_sql(&t, "'garbage'");
    odb_row_sql(&t, "NULL");
    odb_row(&t, cut + 1);
    odb_row_sql(&t, "'2025-12-02T00:00:01+00:00'");
    odb_fill(&t, ODB_NOW - 10 * ODB_DAY, ODB_NOW, 100);
    c = cfg_of(&t);
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    assert_int_equal(r.deleted, 4);
    assert_int_equal(r.unparsed, 2);
    assert_true(strstr(r.unparsed_example, "created_at 'NULL'") != NULL);
    assert_true(r.cutoff == cut);
    assert_int_equal(odb_int(t.w, "SELECT count(*) FROM inference_requests"), 105);
    assert_int_equal(odb_int(t.w, "SELECT count(*) FROM inference_requests WHERE created_at = 'garbage' "
                             "OR created_at IS NULL"), 2);
    assert_true(r.oldest_kept == cut + 0.5);
    assert_true(r.walk_done && !r.stopped);
    assert_true(r.optimized);
    assert_int_equal(hf_db_maint_state(&r), HF_OK);
    odb_rm(&t);
}

static void test_dry_run_writes_nothing(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    char wal[320], shm[320];
    unsigned char *before, *after;
    size_t nb, na;
    int64_t old;
    odb t;

    (void)state;
    odb_open(&t, "plain", true, false);
    odb_fill(&t, ODB_NOW - 40 * ODB_DAY, ODB_NOW, 4000);
    odb_close(&t);                      /* a cleanly closed WAL file: no -wal, no -shm */
    snprintf(wal, sizeof(wal), "%s-wal", t.path);
    snprintf(shm, sizeof(shm), "%s-shm", t.path);
    assert_int_equal(access(wal, F_OK), -1);
    before = odb_slurp(t.path, &nb);
    assert_int_equal(sqlite3_open(t.path, &t.w), SQLITE_OK);
    old = odb_count_upto(&t, ODB_NOW - 30 * ODB_DAY);  /* rows at or before the cutoff */
    odb_close(&t);
    c = cfg_of(&t);
    c.dry_run = true;
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    assert_int_equal(r.deleted, old);
    assert_true(old == 1001);
    assert_true(r.dry_run && !r.optimized && !r.vacuumed);
    after = odb_slurp(t.path, &na);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb);
    assert_int_equal(access(wal, F_OK), -1);
    assert_int_equal(access(shm, F_OK), -1);
    free(before);
    free(after);
    c.dry_run = false;                  /* the real run removes what the dry run said */
    run(&c, &r);
    assert_int_equal(r.deleted, old);
    odb_rm(&t);
}

static void test_batches(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, true);
    odb_fill(&t, ODB_NOW - 60 * ODB_DAY, ODB_NOW, 6000);
    c = cfg_of(&t);
    c.batch = 100;
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    assert_int_equal(r.deleted, 3001);  /* the row dated exactly at the cutoff goes too */
    assert_true(r.txns >= 31);          /* at most 100 rows read per transaction */
    assert_true(r.scanned >= 3001 && r.scanned <= 3001 + 6000 / 60 / 24 + 2);   /* about an hour past */
    assert_int_equal(odb_count_upto(&t, ODB_NOW - 30 * ODB_DAY), 0);
    assert_int_equal(odb_int(t.w, "SELECT count(*) FROM inference_requests"), 2999);
    assert_true(r.free_after > 0);      /* no VACUUM: the pages stay in the file */
    odb_rm(&t);
}

static void test_lock_refuses_second(void **state)
{
    char lock[HF_PATH_MAX], err[HF_ERR_MAX];
    hf_db_maint_config c;
    hf_db_maint_result r;
    int fd;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    odb_fill(&t, ODB_NOW - 40 * ODB_DAY, ODB_NOW, 400);
    assert_int_equal(mkdir(t.state, 0700), 0);
    assert_int_equal(hf_db_maint_lock_path(t.path, t.state, lock, sizeof(lock)), 0);
    fd = hf_file_lock(lock, 0, err, sizeof(err));
    assert_true(fd >= 0);
    c = cfg_of(&t);
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_BUSY);
    assert_true(strstr(r.err, "another maintenance") && strstr(r.err, lock) && strstr(r.err, "nothing done"));
    assert_int_equal(r.deleted, 0);
    assert_int_equal(odb_int(t.w, "SELECT count(*) FROM inference_requests"), 400);
    assert_int_equal(hf_db_maint_state(&r), HF_UNKNOWN);
    c.dry_run = true;                   /* a dry run is refused too */
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_BUSY);
    close(fd);
    c.dry_run = false;
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    assert_int_equal(r.deleted, 101);
    odb_rm(&t);
}

static void test_missing_and_schema(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    char gone[320];
    odb t;

    (void)state;
    odb_open(&t, "ipk", false, false);
    c = cfg_of(&t);
    snprintf(gone, sizeof(gone), "%s/nothing.db", t.dir);
    c.path = gone;
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_MISSING);
    assert_true(strstr(r.err, gone) && strstr(r.err, "nothing done"));
    assert_int_equal(access(gone, F_OK), -1);           /* nothing created */
    c = cfg_of(&t);
    c.time_col = "made_at";
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_SCHEMA);
    assert_true(strstr(r.err, t.path) && strstr(r.err, "made_at"));
    assert_int_equal(hf_db_maint_state(&r), HF_CRITICAL);
    c = cfg_of(&t);
    c.table = "requests";
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_SCHEMA);
    assert_true(strstr(r.err, "requests") != NULL);
    assert_int_equal(hf_db_maint_run(NULL, &r), -EINVAL);
    snprintf(gone, sizeof(gone), "%s/notes.txt", t.dir);    /* not a database: touched by nothing */
    {
        FILE *f = fopen(gone, "w");
        unsigned char *b;
        size_t n;
        assert_non_null(f);
        fputs("not pages\n", f);
        fclose(f);
        c = cfg_of(&t);
        c.path = gone;
        run(&c, &r);
        assert_int_equal(r.status, HF_DB_MAINT_CORRUPT);
        assert_true(strstr(r.err, gone) && strstr(r.err, "not a database"));
        b = odb_slurp(gone, &n);
        assert_int_equal(n, 10);
        assert_memory_equal(b, "not pages\n", 10);
        free(b);
    }
    odb_rm(&t);
}

static void test_private_state_dir(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    assert_int_equal(mkdir(t.state, 0700), 0);
    assert_int_equal(chmod(t.state, 0777), 0);
    c = cfg_of(&t);
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_ERROR);
    assert_true(strstr(r.err, t.state) && strstr(r.err, "nothing done"));
    assert_int_equal(hf_db_maint_state(&r), HF_UNKNOWN);
    odb_rm(&t);
}

static void test_vacuum_and_space(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    char why[HF_ERR_MAX];
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, true);
    odb_fill(&t, ODB_NOW - 60 * ODB_DAY, ODB_NOW, 20000);
    c = cfg_of(&t);
    c.vacuum = true;
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    assert_true(r.vacuumed);
    assert_string_equal(r.vacuum_skipped, "");
    assert_int_equal(r.free_after, 0);
    assert_true(r.pages_after < r.pages_before);
    assert_true(r.reclaimed > 0);
    assert_true(r.checkpointed);
    assert_int_equal(r.wal_after, 0);                   /* TRUNCATE after the VACUUM */
    odb_integrity_ok(t.w);
    /* the check says what it needs, where, and what there is */
    assert_int_equal(hf_db_maint_space(t.path, INT64_MAX / 4, why, sizeof(why)), -ENOSPC);
    assert_true(strstr(why, t.dir) && strstr(why, "needs") && strstr(why, "available"));
    assert_int_equal(hf_db_maint_space(t.path, 4096, why, sizeof(why)), 0);
    odb_rm(&t);
}

static int stop_after_first(const hf_db_maint_progress *p, void *arg)
{
    int *calls = arg;

    return strcmp(p->phase, "delete") == 0 && ++*calls > 1;
}

static void test_stop_and_continue(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    int calls = 0;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    odb_fill(&t, ODB_NOW - 60 * ODB_DAY, ODB_NOW, 2000);
    c = cfg_of(&t);
    c.batch = 50;
    c.progress = stop_after_first;
    c.progress_arg = &calls;
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    assert_true(r.stopped);
    assert_int_equal(r.deleted, 50);
    assert_true(!r.optimized);
    assert_int_equal(hf_db_maint_state(&r), HF_WARNING);
    c.progress = NULL;
    run(&c, &r);
    assert_true(!r.stopped && r.walk_done);
    assert_int_equal(r.deleted, 951);
    assert_int_equal(odb_int(t.w, "SELECT count(*) FROM inference_requests"), 999);
    odb_rm(&t);
}

/* The walk stops an hour past the cutoff: a row far out of order beyond
 * stays (the documented limitation); the walk never reads the table. */
static void test_walk_end(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    odb_fill(&t, ODB_NOW - 31 * ODB_DAY, ODB_NOW, 31 * 24);     /* a row an hour */
    odb_row(&t, ODB_NOW - 40 * ODB_DAY);                        /* late by 40 days */
    c = cfg_of(&t);
    run(&c, &r);
    assert_int_equal(r.deleted, 25);
    assert_true(r.scanned <= 25 + 3);
    assert_int_equal(odb_count_upto(&t, ODB_NOW - 30 * ODB_DAY), 1);
    odb_rm(&t);
}

/* The db probe's incremental statistics stay exact across a maintenance. */
static void test_probe_after(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_config pc;
    hf_db_result *pr = calloc(1, sizeof(*pr));
    hf_db_maint_config c;
    hf_db_maint_result r;
    char sql[200], a[32];
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, true);
    odb_fill(&t, ODB_NOW - 40 * ODB_DAY, ODB_NOW, 9600);
    pc = (hf_db_config){.path = t.path, .now = ODB_NOW, .budget_ms = 20000};
    assert_int_equal(hf_db_probe(&pc, st, pr), 0);
    c = cfg_of(&t);
    c.vacuum = true;                    /* INTEGER PRIMARY KEY: rowids kept */
    run(&c, &r);
    assert_int_equal(r.status, HF_DB_MAINT_OK);
    odb_fill(&t, ODB_NOW, ODB_NOW + 3600, 120);
    pc.now = ODB_NOW + 3600;
    assert_int_equal(hf_db_probe(&pc, st, pr), 0);
    assert_int_equal(pr->status, HF_DB_OK);
    assert_string_equal(pr->rebuilt, "");
    for (int w = 0; w < HF_DB_NWIN; w++) {
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM inference_requests WHERE created_at > '%s'",
                 hf_time_format(pc.now - pr->win[w].seconds, a, sizeof(a)));
        assert_int_equal(pr->win[w].count, odb_int(t.w, sql));
    }
    hf_db_state_free(st);
    free(pr);
    odb_rm(&t);
}

static void test_describe(void **state)
{
    hf_db_maint_config c;
    hf_db_maint_result r;
    hf_buf b = {0};
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, false);
    odb_fill(&t, ODB_NOW - 40 * ODB_DAY, ODB_NOW, 400);
    c = cfg_of(&t);
    c.dry_run = true;
    run(&c, &r);
    hf_db_maint_describe(&r, &b);
    assert_true(strstr(hf_buf_str(&b), "dry run: would remove 101 rows dated at or before "
                                       "2025-12-02 00:00:00 UTC (30 days)") != NULL);
    hf_buf_reset(&b);
    c.dry_run = false;
    run(&c, &r);
    hf_db_maint_describe(&r, &b);
    assert_true(strstr(hf_buf_str(&b), "removed 101 rows") != NULL);
    assert_true(strstr(hf_buf_str(&b), "free pages") != NULL);
    hf_buf_free(&b);
    odb_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cutoff_every_format),
        cmocka_unit_test(test_dry_run_writes_nothing),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_lock_refuses_second),
        cmocka_unit_test(test_missing_and_schema),
        cmocka_unit_test(test_private_state_dir),
        cmocka_unit_test(test_vacuum_and_space),
        cmocka_unit_test(test_stop_and_continue),
        cmocka_unit_test(test_walk_end),
        cmocka_unit_test(test_probe_after),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
