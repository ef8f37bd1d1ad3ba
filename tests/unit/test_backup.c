/* Unit tests: hf_backup (newest selection, age, size change, quick_check,
 * live database exclusion, nothing created beside the backup). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_backup.h"

typedef struct tdir {
    char dir[256];
    char glob[300];
} tdir;

static void tdir_make(tdir *t)
{
    snprintf(t->dir, sizeof(t->dir), "%s/hf-test-backup-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->glob, sizeof(t->glob), "%s/*.db", t->dir);
}

static void tdir_rm(tdir *t)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static void path_of(const tdir *t, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", t->dir, name);
}

/* A real SQLite database with rows of 1 KiB; mtime set to mtime (epoch s). */
static void make_db(const tdir *t, const char *name, int rows, double mtime, bool wal)
{
    char p[400], sql[256];
    sqlite3 *db;
    struct timespec ts[2];

    path_of(t, name, p, sizeof(p));
    assert_int_equal(sqlite3_open(p, &db), SQLITE_OK);
    if (wal)
        assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); BEGIN", NULL, NULL, NULL), SQLITE_OK);
    for (int i = 0; i < rows; i++) {
        snprintf(sql, sizeof(sql), "INSERT INTO t VALUES (randomblob(1024))");
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
    ts[0].tv_sec = ts[1].tv_sec = (time_t)mtime;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
}

static void overwrite(const tdir *t, const char *name, long off, const char *data, size_t len)
{
    char p[400];
    int fd;

    path_of(t, name, p, sizeof(p));
    fd = open(p, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, data, len, off), (ssize_t)len);
    close(fd);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)))
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

#define NOW 2000000000.0

static void probe(const tdir *t, const char *live, hf_backup_result *r)
{
    hf_backup_config cfg = {0};

    cfg.glob = t->glob;
    cfg.live_db = live;
    cfg.quick_check = true;
    cfg.timeout_ms = 5000;
    cfg.now = NOW;
    assert_int_equal(hf_backup_probe(&cfg, r), 0);
}

static void test_none(void **state)
{
    tdir t;
    hf_backup_result r;
    hf_backup_config cfg = {0};

    (void)state;
    tdir_make(&t);
    probe(&t, NULL, &r);
    assert_false(r.found);
    assert_int_equal(r.nmatches, 0);
    assert_int_equal(hf_backup_probe(&cfg, &r), -EINVAL);
    assert_string_equal(r.err, "backup probe: no backup glob configured");
    tdir_rm(&t);
}

static void test_newest_age_and_size_change(void **state)
{
    tdir t;
    hf_backup_result r;
    char want[400];

    (void)state;
    tdir_make(&t);
    make_db(&t, "helixflow-1.db", 100, NOW - 3 * 86400, false);
    make_db(&t, "helixflow-3.db", 40, NOW - 7200, false);        /* newest, shrank */
    make_db(&t, "helixflow-2.db", 100, NOW - 86400, false);
    probe(&t, NULL, &r);
    assert_true(r.found);
    assert_int_equal(r.nmatches, 3);
    path_of(&t, "helixflow-3.db", want, sizeof(want));
    assert_string_equal(r.path, want);
    path_of(&t, "helixflow-2.db", want, sizeof(want));
    assert_string_equal(r.prev_path, want);
    assert_true(fabs(r.age_s - 7200) < 1e-6);
    assert_true(r.has_prev);
    assert_true(r.size < r.prev_size);
    assert_int_equal(r.size_change, (int64_t)r.size - (int64_t)r.prev_size);
    assert_true(fabs(r.size_change_pct - 100.0 * (double)r.size_change / (double)r.prev_size) < 1e-9);
    assert_true(r.checked);
    assert_true(r.check_ok);
    tdir_rm(&t);
}

static void test_not_a_database(void **state)
{
    tdir t;
    hf_backup_result r;

    (void)state;
    tdir_make(&t);
    make_db(&t, "helixflow-20261130.db", 10, NOW - 60, false);
    overwrite(&t, "helixflow-20261130.db", 0, "THIS IS NOT AN SQLITE FILE, JUST GARBAGE.", 41);
    probe(&t, NULL, &r);
    assert_true(r.found);
    assert_true(r.checked);
    assert_false(r.check_ok);
    assert_string_equal(r.check_msg, "helixflow-20261130.db: file is not a database");
    tdir_rm(&t);
}

static void test_garbage_in_the_middle(void **state)
{
    tdir t;
    hf_backup_result r;
    char junk[4096 * 8];

    (void)state;
    tdir_make(&t);
    make_db(&t, "b.db", 200, NOW - 60, false);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7919 + 13);
    overwrite(&t, "b.db", 4096 * 20, junk, sizeof(junk));
    probe(&t, NULL, &r);
    assert_true(r.checked);
    assert_false(r.check_ok);
    assert_true(!strncmp(r.check_msg, "b.db: ", 6));
    assert_null(strchr(r.check_msg, '\n'));
    tdir_rm(&t);
}

static void test_live_db_excluded(void **state)
{
    tdir t;
    hf_backup_result r;
    char live[400], link_[400];

    (void)state;
    tdir_make(&t);
    make_db(&t, "helixflow.db", 5, NOW - 10, true);     /* live: matches the glob, newest */
    path_of(&t, "helixflow.db", live, sizeof(live));
    probe(&t, live, &r);
    assert_false(r.found);
    assert_true(r.excluded_live);
    /* the same inode under another name is the live database too */
    path_of(&t, "hardlink.db", link_, sizeof(link_));
    assert_int_equal(link(live, link_), 0);
    make_db(&t, "backup-old.db", 5, NOW - 20, false);
    probe(&t, live, &r);
    assert_true(r.found);
    assert_int_equal(r.nmatches, 1);
    path_of(&t, "backup-old.db", link_, sizeof(link_));
    assert_string_equal(r.path, link_);
    tdir_rm(&t);
}

/* A WAL-mode backup opened normally would get -wal/-shm beside it. */
static void test_nothing_created_beside(void **state)
{
    tdir t;
    hf_backup_result r;
    char p[400];
    int before;

    (void)state;
    tdir_make(&t);
    make_db(&t, "wal?#%20.db", 20, NOW - 60, true);
    path_of(&t, "wal?#%20.db-wal", p, sizeof(p));
    unlink(p);
    path_of(&t, "wal?#%20.db-shm", p, sizeof(p));
    unlink(p);
    before = count_entries(t.dir);
    assert_int_equal(before, 1);
    probe(&t, NULL, &r);
    assert_true(r.checked);
    assert_true(r.check_ok);
    assert_int_equal(count_entries(t.dir), before);
    tdir_rm(&t);
}

static void test_empty_file(void **state)
{
    tdir t;
    hf_backup_result r;
    char p[400];
    FILE *f;

    (void)state;
    tdir_make(&t);
    path_of(&t, "empty.db", p, sizeof(p));
    f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    probe(&t, NULL, &r);
    assert_true(r.found);
    assert_int_equal(r.size, 0);
    assert_false(r.has_prev);
    tdir_rm(&t);
}

static void probe_memo(const tdir *t, hf_backup_verdict *m, double now, hf_backup_result *r)
{
    hf_backup_config cfg = {0};

    cfg.glob = t->glob;
    cfg.quick_check = true;
    cfg.timeout_ms = 5000;
    cfg.now = now;
    cfg.memo = m;
    assert_int_equal(hf_backup_probe(&cfg, r), 0);
}

static void write_file(const char *path, const hf_buf *b)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(b->s, 1, b->len, f), b->len);
    fclose(f);
}

/* The verdict file ends in a seal: truncated, unsealed or an old version is
 * refused with a reason naming the file, and the verdict is cleared. */
static void verdict_file_damaged(const char *vpath)
{
    hf_backup_verdict back;
    hf_buf b = {0};
    char err[HF_ERR_MAX], *text = NULL;
    long len = hf_file_read(vpath, 4096, &text);

    assert_true(len > 21);
    assert_memory_equal(text + len - 21, "end ", 4);
    hf_buf_append(&b, text, (size_t)len - 1);       /* the last byte cut off */
    write_file(vpath, &b);
    assert_int_equal(hf_backup_verdict_read(&back, vpath, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "verdict: damaged (no end marker)"));
    assert_false(back.valid);
    hf_buf_reset(&b);
    hf_buf_printf(&b, "helixflow-backup-verdict 2\n1 2 x\n");
    write_file(vpath, &b);
    assert_int_equal(hf_backup_verdict_load(&back, vpath), -EPROTO);
    hf_seal_append(&b);                             /* sealed, but not this version */
    write_file(vpath, &b);
    assert_int_equal(hf_backup_verdict_read(&back, vpath, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "verdict: not a quick_check verdict (helixflow-backup-verdict 3)"));
    assert_false(back.valid);
    hf_buf_free(&b);
    free(text);
}

/* The quick_check verdict of an unchanged backup is remembered (also across a
 * save/load); a write to the file (ctime) or a day's age makes it run again. */
static void test_verdict_memo(void **state)
{
    tdir t;
    hf_backup_result r;
    hf_backup_verdict m, back;
    char junk[4096 * 8], vpath[400];

    (void)state;
    memset(&m, 0, sizeof(m));
    tdir_make(&t);
    make_db(&t, "b.db", 200, NOW - 60, false);
    probe_memo(&t, &m, NOW, &r);
    assert_true(r.checked && r.check_ok && !r.check_memo && m.valid && m.ok);
    probe_memo(&t, &m, NOW + 60, &r);
    assert_true(r.checked && r.check_ok && r.check_memo);
    path_of(&t, "verdict", vpath, sizeof(vpath));
    assert_int_equal(hf_backup_verdict_save(&m, vpath), 0);
    assert_int_equal(hf_backup_verdict_load(&back, vpath), 0);
    assert_memory_equal(&back, &m, sizeof(m));
    probe_memo(&t, &back, NOW + 60, &r);
    assert_true(r.check_memo);
    probe_memo(&t, &back, NOW + 86400 + 120, &r);  /* a day later: checked again */
    assert_true(r.checked && r.check_ok && !r.check_memo);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7919 + 13);
    overwrite(&t, "b.db", 4096 * 20, junk, sizeof(junk));   /* same size; ctime moves */
    make_db(&t, "ignored-not-matching.txt", 1, NOW - 60, false);
    probe_memo(&t, &m, NOW + 120, &r);
    assert_true(r.checked && !r.check_ok && !r.check_memo);
    assert_false(m.ok);
    verdict_file_damaged(vpath);
    tdir_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_newest_age_and_size_change),
        cmocka_unit_test(test_not_a_database),
        cmocka_unit_test(test_garbage_in_the_middle),
        cmocka_unit_test(test_live_db_excluded),
        cmocka_unit_test(test_nothing_created_beside),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_verdict_memo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
