/* Unit tests: the database probe (hf_db), its state file and every bad input
 * (locked, missing, corrupt, schema), against real SQLite files made here;
 * nothing created next to the database; the created_at parser. The
 * statistics and their exact windows are in test_db.c. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_db.h"
#include "hf_time.h"
#include "test_db_helpers.h"

/* ---- state file ---- */

static void test_state_roundtrip_and_bad_files(void **state)
{
    hf_db_state *st = hf_db_state_new(), *st2 = hf_db_state_new();
    hf_db_result r, r2;
    char sp[160], err[256], cmd[300];
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 31 * DAY, NOW, 20000);
    for (int i = 0; i < 5; i++)                 /* late rows and one ahead: exceptions */
        tdb_row(&t, NOW - DAY + 600 * i, NULL, 50 + i, i == 2);
    tdb_row(&t, NOW + 2 * 3600, NULL, 70, false);
    snprintf(sp, sizeof(sp), "%s/db.state", t.dir);
    probe(&t, st, NOW - 1800.5, &r);
    assert_int_equal(r.exceptions, 6);
    assert_int_equal(hf_db_state_save(st, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), 0);
    /* the loaded state goes on exactly like the one in memory */
    tdb_fill(&t, NOW, NOW + 600, 100);
    probe(&t, st, NOW, &r);
    probe(&t, st2, NOW, &r2);
    assert_string_equal(r2.rebuilt, "");
    assert_int_equal(r2.rows_read, 100);
    assert_int_equal(r2.edge_rows, r.edge_rows);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    assert_int_equal(r2.exceptions, 6);
    assert_int_equal(r2.future, 1);
    brute(&t, &r2);
    brute_operator_sql(&t, &r2);
    probe(&t, st2, NOW, &r2);
    assert_int_equal(r2.rows_read, 0);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    /* one flipped byte, another version, truncation, garbage, absence */
    static const char *const damage[][2] = {
        {"printf 'X' | dd of=", " bs=1 seek=2000 conv=notrunc status=none"},
        {"printf '\\001' | dd of=", " bs=1 seek=8 conv=notrunc status=none"},  /* a v1 file */
        {"truncate -s 1000 ", ""}, {"head -c 5000 /dev/urandom > ", ""}, {"rm -f ", ""}};
    static const char *const why[] = {"state file ignored: bad checksum",
        "state file ignored: other version", "state file ignored: bad checksum",
        "state file ignored: not a state file", "no saved state"};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(hf_db_state_save(st, sp, err, sizeof(err)), 0);
        snprintf(cmd, sizeof(cmd), "%s%s%s", damage[i][0], sp, damage[i][1]);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), i == 4 ? -ENOENT : -EINVAL);
        probe(&t, st2, NOW, &r2);
        assert_string_equal(r2.rebuilt, why[i]);
        brute(&t, &r2);
    }
    assert_int_equal(hf_db_state_name("/x/opt/helixflow/data/helix flow.db", NULL, sp,
                                      sizeof(sp)), 0);
    assert_int_equal(strncmp(sp, "db-helix_flow.db-", 17), 0);
    assert_int_equal(strlen(sp), 17 + 16 + 6);
    {   /* another error status: the aggregates no longer apply */
        hf_db_config cfg = {.path = t.path, .now = NOW, .error_status = "success"};
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
        assert_string_equal(r.rebuilt, "table, columns or error status changed");
        assert_true(r.win[HF_DB_W24H].error_pct > 90);
    }
    hf_db_state_free(st);
    hf_db_state_free(st2);
    hf_db_state_free(NULL);
    tdb_rm(&t);
}

/* Counts that need two and four bytes in the file (1,000 and 70,000 rows
 * of one response time in one minute), used in place after the load and copied
 * when a row changes their bucket: the loaded state goes on like the one in
 * memory, the windows' saved bucket sums included. */
static void test_state_wide_counts(void **state)
{
    hf_db_state *st = hf_db_state_new(), *st2 = hf_db_state_new();
    hf_db_result r, r2;
    char sp[160], err[256];
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 3 * DAY, NOW - 2 * DAY, 3000);
    exec(t.w, "BEGIN");
    for (int i = 0; i < 1000; i++)              /* two bytes: an earlier hour */
        tdb_row(&t, NOW - 7200 + i % 60, NULL, 150, false);
    for (int i = 0; i < 70000; i++)
        tdb_row(&t, NOW - 600 + i % 60, NULL, i < 300 ? 200 : 100, i % 1000 == 0);
    exec(t.w, "COMMIT");
    snprintf(sp, sizeof(sp), "%s/db.state", t.dir);
    probe(&t, st, NOW, &r);
    assert_int_equal(hf_db_state_save(st, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), 0);
    probe(&t, st2, NOW, &r2);
    assert_int_equal(r2.rows_read, 0);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    tdb_row(&t, NOW - 590, NULL, 100, false);   /* into the wide buckets */
    tdb_row(&t, NOW - 590, NULL, 200, true);
    probe(&t, st, NOW + 30, &r);
    probe(&t, st2, NOW + 30, &r2);
    assert_string_equal(r2.rebuilt, "");
    assert_int_equal(r2.rows_read, 2);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    brute(&t, &r2);
    /* saved again from the loaded state (counts in place and copied) */
    assert_int_equal(hf_db_state_save(st2, sp, err, sizeof(err)), 0);
    assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), 0);
    probe(&t, st2, NOW + 60, &r2);
    probe(&t, st, NOW + 60, &r);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    brute(&t, &r2);
    hf_db_state_free(st);
    hf_db_state_free(st2);
    tdb_rm(&t);
}

/* A probe that finds nothing new and moves no edge across a row leaves the
 * state clean (the caller writes nothing); the file's earlier state goes on
 * exactly like the one kept in memory. */
static void test_state_clean_after_idle_probe(void **state)
{
    hf_db_state *st = hf_db_state_new(), *st2 = hf_db_state_new();
    hf_db_result r, r2;
    char sp[160], err[256];
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - 31 * DAY, NOW, 20000);   /* whole seconds only */
    snprintf(sp, sizeof(sp), "%s/db.state", t.dir);
    assert_true(hf_db_state_dirty(st));         /* never saved */
    probe(&t, st, NOW, &r);
    assert_int_equal(hf_db_state_save(st, sp, err, sizeof(err)), 0);
    assert_false(hf_db_state_dirty(st));
    assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), 0);
    assert_false(hf_db_state_dirty(st2));
    /* half a second later: no row is dated in (NOW - W, NOW + 0.5 - W] */
    probe(&t, st2, NOW + 0.5, &r2);
    assert_int_equal(r2.rows_read, 0);
    assert_false(hf_db_state_dirty(st2));
    probe(&t, st, NOW + 0.5, &r);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    brute_counts(&t, &r2);
    /* the file (the state at NOW) brought to a later clock in one step */
    assert_int_equal(hf_db_state_load(st2, sp, err, sizeof(err)), 0);
    probe(&t, st2, NOW + 1000, &r2);
    assert_true(r2.edge_rows > 0);
    assert_true(hf_db_state_dirty(st2));        /* rows left the windows */
    probe(&t, st, NOW + 1000, &r);
    assert_memory_equal(r.win, r2.win, sizeof(r.win));
    brute(&t, &r2);
    assert_int_equal(hf_db_state_save(st2, sp, err, sizeof(err)), 0);
    assert_false(hf_db_state_dirty(st2));
    tdb_row(&t, NOW + 1000, NULL, 42, false);   /* a new row: dirty */
    probe(&t, st2, NOW + 1000, &r2);
    assert_int_equal(r2.rows_read, 1);
    assert_true(hf_db_state_dirty(st2));
    hf_db_state_copy(st, st2);                  /* a copy has no file */
    assert_true(hf_db_state_dirty(st));
    hf_db_state_free(st);
    hf_db_state_free(st2);
    tdb_rm(&t);
}

/* ---- bad inputs ---- */

static void expect_status(const char *path, hf_db_status want, const char *err)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_config cfg = {.path = path, .now = NOW};
    hf_db_result r;

    assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
    assert_int_equal(r.status, want);
    assert_string_equal(r.err, err);
    hf_db_state_free(st);
}

static void test_missing_and_corrupt(void **state)
{
    char p[200], e[300], cmd[300];
    hf_db_config cfg = {.now = NOW, .quick_check = true};
    hf_db_result r;
    tdb t;

    (void)state;
    tdb_open(&t, "ipk", false);
    snprintf(p, sizeof(p), "%s/nope.db", t.dir);
    snprintf(e, sizeof(e), "database not found: %s", p);
    expect_status(p, HF_DB_MISSING, e);
    snprintf(p, sizeof(p), "%s/garbage.db", t.dir);
    snprintf(cmd, sizeof(cmd), "head -c 8192 /dev/zero | tr '\\0' 'x' > %s", p);
    assert_int_equal(system(cmd), 0);
    snprintf(e, sizeof(e), "%s: file is not a database", p);
    expect_status(p, HF_DB_CORRUPT, e);
    snprintf(cmd, sizeof(cmd), ": > %s", p);
    assert_int_equal(system(cmd), 0);
    snprintf(e, sizeof(e), "%s: file is not a database (empty file)", p);
    expect_status(p, HF_DB_CORRUPT, e);
    /* a real database with damaged pages: quick_check (or the read) says so */
    tdb_fill(&t, NOW - DAY, NOW, 20000);
    exec(t.w, "CREATE INDEX i ON inference_requests(created_at)");
    tdb_close(&t);
    snprintf(cmd, sizeof(cmd), "dd if=/dev/urandom of=%s bs=4096 seek=5 count=20 conv=notrunc "
             "status=none", t.path);
    assert_int_equal(system(cmd), 0);
    cfg.path = t.path;
    assert_int_equal(hf_db_probe(&cfg, NULL, &r), 0);
    assert_true(r.status == HF_DB_CORRUPT || (r.status == HF_DB_OK && r.check == 1 && !r.check_ok));
    tdb_rm(&t);
}

static void test_schema_errors(void **state)
{
    tdb t;

    (void)state;
    tdb_open(&t, "plain", false);    /* no index on response_time */
    exec(t.w, "ALTER TABLE inference_requests DROP COLUMN response_time");
    expect_status(t.path, HF_DB_SCHEMA, "inference_requests has no column 'response_time'");
    exec(t.w, "DROP TABLE inference_requests");
    expect_status(t.path, HF_DB_SCHEMA, "database has no table 'inference_requests'");
    exec(t.w, "CREATE TABLE inference_requests(created_at TEXT PRIMARY KEY, response_time, "
              "status) WITHOUT ROWID");
    expect_status(t.path, HF_DB_SCHEMA, "inference_requests has no rowid (WITHOUT ROWID table)");
    exec(t.w, "DROP TABLE inference_requests; CREATE VIEW inference_requests AS SELECT 1");
    expect_status(t.path, HF_DB_SCHEMA, "inference_requests is a view, not a table");
    {
        hf_db_config cfg = {.path = ""};
        hf_db_result r;
        assert_int_equal(hf_db_probe(&cfg, NULL, &r), -EINVAL);
        assert_string_equal(r.err, "no database path configured");
        assert_int_equal(hf_db_probe(NULL, NULL, &r), -EINVAL);
    }
    tdb_rm(&t);
}

/* A writer that holds the lock: PRAGMA locking_mode=EXCLUSIVE and a write.
 * before_wal: set before the first WAL access (then no -shm exists). */
static pid_t locker(const char *path, bool before_wal, int *release)
{
    int up[2], down[2];
    pid_t pid;
    char c;

    assert_int_equal(pipe(up), 0);
    assert_int_equal(pipe(down), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        sqlite3 *db;
        close(up[0]);
        close(down[1]);
        if (sqlite3_open(path, &db) != SQLITE_OK)
            _exit(1);
        if (!before_wal)
            sqlite3_exec(db, "SELECT count(*) FROM inference_requests", NULL, NULL, NULL);
        if (sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE; BEGIN IMMEDIATE; INSERT INTO "
                         "inference_requests(created_at) VALUES ('x'); COMMIT", NULL, NULL,
                         NULL) != SQLITE_OK)
            _exit(2);
        if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) < 0)
            _exit(3);
        sqlite3_close(db);
        _exit(0);
    }
    close(up[1]);
    close(down[0]);
    assert_int_equal(read(up[0], &c, 1), 1);
    close(up[0]);
    *release = down[1];
    return pid;
}

static void test_locked(void **state)
{
    hf_db_config cfg = {.now = NOW, .budget_ms = 3000, .busy_ms = 300};
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    int release, status;
    char e[300];
    pid_t pid;
    tdb t;

    (void)state;
    for (int mode = 0; mode < 3; mode++) {   /* WAL+shm, WAL without shm, rollback journal */
        tdb_open(&t, "ipk", mode < 2);
        tdb_fill(&t, NOW - DAY, NOW, 100);
        tdb_close(&t);
        cfg.path = t.path;
        pid = locker(t.path, mode == 1, &release);
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
        assert_int_equal(r.status, HF_DB_LOCKED);
        snprintf(e, sizeof(e), mode == 1 ? "database is locked: %s (a writer holds it in "
                 "exclusive locking mode)" : "database is locked: %s (waited 300 ms)", t.path);
        assert_string_equal(r.err, e);
        assert_true(r.elapsed_ms < 3000);
        close(release);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_int_equal(status, 0);
        assert_int_equal(hf_db_probe(&cfg, st, &r), 0);   /* released: fine again */
        assert_int_equal(r.status, HF_DB_OK);
        tdb_rm(&t);
    }
    /* BEGIN EXCLUSIVE in WAL mode (the test bed's lock-db) does not block readers */
    tdb_open(&t, "ipk", true);
    tdb_fill(&t, NOW - DAY, NOW, 100);
    exec(t.w, "BEGIN EXCLUSIVE");
    cfg.path = t.path;
    assert_int_equal(hf_db_probe(&cfg, st, &r), 0);
    assert_int_equal(r.status, HF_DB_OK);
    exec(t.w, "COMMIT");
    tdb_rm(&t);
    hf_db_state_free(st);
}

static char *listing(const char *dir)
{
    char names[4096] = "";
    struct dirent *e;
    DIR *d = opendir(dir);

    assert_non_null(d);
    while ((e = readdir(d)))
        if (strlen(names) + strlen(e->d_name) + 2 < sizeof(names)) {
            strcat(names, e->d_name);
            strcat(names, " ");
        }
    closedir(d);
    return strdup(names);
}

static void test_creates_no_files(void **state)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_result r;
    char *before, *after;
    tdb t;

    (void)state;
    for (int mode = 0; mode < 3; mode++) {   /* rollback db, WAL closed cleanly, WAL in use */
        tdb_open(&t, "ipk", mode > 0);
        tdb_fill(&t, NOW - DAY, NOW, 1000);
        if (mode < 2)
            tdb_close(&t);
        before = listing(t.dir);
        hf_db_state_reset(st, NULL);
        for (int i = 0; i < 2; i++)
            probe(&t, st, NOW, &r);
        assert_int_equal(r.immutable, mode == 1);
        after = listing(t.dir);
        assert_string_equal(before, after);
        free(before);
        free(after);
        brute(&t, &r);
        tdb_rm(&t);
    }
    hf_db_state_free(st);
}

/* ---- created_at parser ---- */

static void test_time_parse(void **state)
{
    static const struct { const char *s; double v; } ok[] = {
        {"1970-01-01 00:00:00", 0}, {"2026-01-01 00:00:00", NOW},
        {"2026-01-01T00:00:00Z", NOW}, {"2026-01-01T01:30:00+01:30", NOW},
        {"2025-12-31T23:00:00-01:00", NOW}, {"2026-01-01 00:00:00.5", NOW + 0.5},
        {"2026-01-01T00:00:00.123456789Z", NOW + 0.123456789}, {"2024-02-29 12:00:00", 1709208000},
        {"2000-02-29 00:00:00", 951782400}, {"9999-12-31 23:59:59", HF_TIME_EPOCH_MAX},
        {"1767225600", NOW}, {"1767225600.25", NOW + 0.25}, {"0", 0}, {"0001-01-01 00:00:00", -62135596800.0},
    };
    static const char *const bad[] = {"", " ", "2026-01-01", "2026-01-01 00:00",
        "2026-01-01 24:00:00", "2026-01-01 00:60:00", "2026-01-01 00:00:60", "2026-13-01 00:00:00",
        "2026-00-10 00:00:00", "2026-02-29 00:00:00", "1900-02-29 00:00:00", "2026-04-31 00:00:00",
        "0000-01-01 00:00:00", "2026-01-01t00:00:00", "2026-01-01T00:00:00z", "2026-01-01 00:00:00 ",
        " 2026-01-01 00:00:00", "2026-01-01 00:00:00.", "2026-01-01 00:00:00.1234567890",
        "2026-01-01 00:00:00+0100", "2026-01-01 00:00:00+24:00", "2026-01-01 00:00:00Z0",
        "2026/01/01 00:00:00", "2026-1-01 00:00:00", "+2026-01-01 00:00:00", "1767225600000", "-1",
        "1e9", "0x10", "12.", ".5", "1767225600.1234567891", "garbage", "2026-01-01 00:00:0a",
        "253402300800"};
    double v;

    (void)state;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        if (hf_time_parse_created_at(ok[i].s, strlen(ok[i].s), &v) != 0)
            fail_msg("rejected '%s'", ok[i].s);
        if (fabs(v - ok[i].v) > 1e-6)
            fail_msg("'%s' -> %.9f, want %.9f", ok[i].s, v, ok[i].v);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 42;
        if (hf_time_parse_created_at(bad[i], strlen(bad[i]), &v) != -EINVAL || v != 42)
            fail_msg("accepted '%s'", bad[i]);
    }
    /* not NUL-terminated: only n bytes are read */
    assert_int_equal(hf_time_parse_created_at("2026-01-01 00:00:00XYZ", 19, &v), 0);
    assert_int_equal(hf_time_parse_created_at(NULL, 0, &v), -EINVAL);
    assert_true(hf_time_epoch_ok(0) && !hf_time_epoch_ok(-1) && !hf_time_epoch_ok(NAN) &&
                !hf_time_epoch_ok(1e13));
}

static void test_time_calendar(void **state)
{
    char buf[32];

    (void)state;
    for (int64_t d = -800000; d < 3000000; d += 997) {
        int64_t y;
        unsigned m, dd;
        hf_time_civil_from_days(d, &y, &m, &dd);
        assert_int_equal(hf_time_days_from_civil(y, m, dd), d);
    }
    assert_string_equal(hf_time_format(NOW - 1, buf, sizeof(buf)), "2025-12-31 23:59:59");
    assert_string_equal(hf_time_format_date(NOW, buf, sizeof(buf)), "2026-01-01");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_roundtrip_and_bad_files),
        cmocka_unit_test(test_state_wide_counts),
        cmocka_unit_test(test_state_clean_after_idle_probe),
        cmocka_unit_test(test_missing_and_corrupt),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_locked),
        cmocka_unit_test(test_creates_no_files),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_time_calendar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
