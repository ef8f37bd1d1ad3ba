/* Unit tests: hf_ledger opening (created, reopened, garbage, damaged,
 * foreign, symlink, loose permissions), the records, heartbeat runs,
 * retention, events, locks, the budget and two processes writing at once. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_ledger.h"
#include "hf_util.h"
#include "test_ledger_helpers.h"

typedef struct fx {
    char dir[512];
    char path[HF_PATH_MAX];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));

    tl_tmpdir(f->dir, sizeof(f->dir), "ledger");
    snprintf(f->path, sizeof(f->path), "%s/ledger.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    tl_rmtree(f->dir);
    free(f);
    return 0;
}

static hf_ledger *open_ok(const char *path, int want, bool quick)
{
    hf_ledger_cfg cfg = {.path = path, .quick_check = quick};
    hf_ledger *l = NULL;
    char err[HF_ERR_MAX] = "";
    int rc = hf_ledger_open(&cfg, &l, err, sizeof(err));

    if (rc != want)
        fail_msg("hf_ledger_open(%s) = %d, want %d: %s", path, rc, want, err);
    assert_non_null(l);
    return l;
}

static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *s;
    long long v = -1;

    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static void transition(hf_ledger *l, double at, const char *obj, hf_state from, hf_state to)
{
    hf_ledger_transition t = {.at = at, .object = obj, .code = "service.down", .from = from,
                              .to = to, .text = "x", .frontend = "test"};
    char err[HF_ERR_MAX];

    assert_int_equal(hf_ledger_record_transitions(l, &t, 1, err, sizeof(err)), 0);
}

static void test_create_reopen(void **state)
{
    fx *f = *state;
    struct stat st;
    hf_ledger *l;
    char err[HF_ERR_MAX];
    hf_ledger_cfg cfg = {.path = f->path};

    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), HF_LEDGER_CREATED);
    assert_non_null(strstr(err, "created"));
    assert_string_equal(hf_ledger_path(l), f->path);
    assert_string_equal(hf_ledger_dir(l), f->dir);
    hf_ledger_close(l);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);          /* a private directory: private file */
    assert_int_equal(sql_int(f->path, "PRAGMA application_id"), HF_LEDGER_APPLICATION_ID);
    assert_int_equal(sql_int(f->path, "PRAGMA user_version"), HF_LEDGER_VERSION);
    l = open_ok(f->path, HF_LEDGER_OPENED, true);
    transition(l, 1000, "api-gateway", HF_OK, HF_CRITICAL);
    hf_ledger_close(l);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM transitions"), 1);
    {   /* WAL is persistent: file format bytes 18 and 19 are 2 */
        unsigned char hdr[20];
        int fd = open(f->path, O_RDONLY);
        assert_int_equal(pread(fd, hdr, sizeof(hdr), 0), (ssize_t)sizeof(hdr));
        close(fd);
        assert_int_equal(hdr[18], 2);
        assert_int_equal(hdr[19], 2);
    }
    hf_ledger_close(NULL);
}

static void test_shared_directory(void **state)
{
    fx *f = *state;
    struct stat st;
    char err[HF_ERR_MAX], lock[HF_PATH_MAX];
    hf_ledger *l;
    int fd;

    assert_int_equal(chmod(f->dir, 02770), 0);
    l = open_ok(f->path, HF_LEDGER_CREATED, false);
    assert_int_equal(stat(f->path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);          /* the group's, as the directory */
    fd = hf_ledger_lock(l, "restart-x.lock", 0, err, sizeof(err));
    assert_true(fd >= 0);
    snprintf(lock, sizeof(lock), "%s/restart-x.lock", f->dir);
    assert_int_equal(stat(lock, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0660);
    /* a second open file description: the flock is held */
    assert_int_equal(hf_ledger_lock(l, "restart-x.lock", 0, err, sizeof(err)), -EWOULDBLOCK);
    assert_non_null(strstr(err, "held by another process"));
    close(fd);
    fd = hf_ledger_lock(l, "restart-x.lock", 0, err, sizeof(err));
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(hf_ledger_lock(l, "../x", 0, err, sizeof(err)), -EINVAL);
    hf_ledger_close(l);
}

static void test_garbage_moved_aside(void **state)
{
    fx *f = *state;
    char err[HF_ERR_MAX], aside[HF_PATH_MAX + 64], *text = NULL;
    const char *p;
    hf_ledger *l = NULL;
    hf_ledger_cfg cfg = {.path = f->path};
    hf_buf b = {0};

    for (int i = 0; i < 200; i++)
        hf_buf_printf(&b, "this is not a database, line %d\n", i);
    tl_write(f->path, b.s, 0600);
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), HF_LEDGER_RECREATED);
    assert_non_null(strstr(err, "not an SQLite database"));
    p = strstr(err, "moved aside to ");
    assert_non_null(p);
    snprintf(aside, sizeof(aside), "%s", p + strlen("moved aside to "));
    *strchr(aside, ',') = '\0';
    assert_non_null(strstr(aside, "ledger.db.corrupt-"));
    /* the bad copy kept byte for byte, never emptied */
    assert_int_equal(hf_file_read(aside, 1 << 20, &text), (long)b.len);
    assert_memory_equal(text, b.s, b.len);
    free(text);
    transition(l, 1, "a", HF_OK, HF_CRITICAL);          /* the fresh one works */
    hf_ledger_close(l);

    /* again within the same second: a second name, the first kept */
    tl_write(f->path, b.s, 0600);
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), HF_LEDGER_RECREATED);
    p = strstr(err, "moved aside to ");
    assert_non_null(p);
    assert_int_not_equal(strncmp(p + strlen("moved aside to "), aside, strlen(aside) + 1), 0);
    assert_int_equal(access(aside, F_OK), 0);
    hf_ledger_close(l);
    hf_buf_free(&b);
}

static void test_damaged_quick_check(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ok(f->path, HF_LEDGER_CREATED, false);
    char err[HF_ERR_MAX], junk[4096];
    hf_ledger_cfg cfg = {.path = f->path, .quick_check = true};
    int fd;

    for (int i = 0; i < 3000; i++)
        transition(l, i, i % 2 ? "api-gateway" : "auth-service", HF_OK, HF_CRITICAL);
    hf_ledger_close(l);             /* the last connection checkpoints into the file */
    assert_int_equal(sql_int(f->path, "PRAGMA page_count") > 8, 1);
    memset(junk, 0x5a, sizeof(junk));
    fd = open(f->path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, junk, sizeof(junk), 4 * 4096), (ssize_t)sizeof(junk));
    close(fd);
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), HF_LEDGER_RECREATED);
    assert_non_null(strstr(err, "moved aside to"));
    assert_non_null(strstr(err, "was damaged"));
    assert_int_equal(hf_ledger_quick_check(l, err, sizeof(err)), 0);
    hf_ledger_close(l);
}

static void test_foreign_database_refused(void **state)
{
    fx *f = *state;
    sqlite3 *db;
    hf_ledger *l = NULL;
    char err[HF_ERR_MAX];
    hf_ledger_cfg cfg = {.path = f->path};

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE inference_requests(x); INSERT INTO "
                                  "inference_requests VALUES(1)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), -EEXIST);
    assert_null(l);
    assert_non_null(strstr(err, "another application's SQLite database"));
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM inference_requests"), 1);
}

static void test_symlink_and_permissions_refused(void **state)
{
    fx *f = *state;
    char other[HF_PATH_MAX], err[HF_ERR_MAX], sub[HF_PATH_MAX], subpath[HF_PATH_MAX + 16];
    hf_ledger *l = NULL;
    hf_ledger_cfg cfg = {.path = f->path};

    snprintf(other, sizeof(other), "%s/elsewhere.db", f->dir);
    tl_write(other, "", 0600);
    assert_int_equal(symlink(other, f->path), 0);
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), -ELOOP);
    assert_non_null(strstr(err, "symbolic link"));
    unlink(f->path);

    tl_write(f->path, "", 0606);
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "writable by other users"));
    unlink(f->path);

    snprintf(sub, sizeof(sub), "%s/shared", f->dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    assert_int_equal(chmod(sub, 0777), 0);
    snprintf(subpath, sizeof(subpath), "%s/ledger.db", sub);
    cfg.path = subpath;
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), -EPERM);
    assert_non_null(strstr(err, "ledger directory"));
    assert_null(l);
    assert_int_equal(access(subpath, F_OK), -1);        /* nothing created there */
}

static void test_default_path_under_root(void **state)
{
    fx *f = *state;
    char dir[HF_PATH_MAX + 64], want[HF_PATH_MAX + 64], err[HF_ERR_MAX];
    hf_ledger *l = NULL;
    hf_ledger_cfg cfg = {.root = f->dir};

    snprintf(dir, sizeof(dir), "%s/var", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(dir, sizeof(dir), "%s/var/lib", f->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    /* the state directory itself is created (one level) */
    assert_int_equal(hf_ledger_open(&cfg, &l, err, sizeof(err)), HF_LEDGER_CREATED);
    snprintf(want, sizeof(want), "%s/var/lib/helixflow-monitoring/ledger.db", f->dir);
    assert_string_equal(hf_ledger_path(l), want);
    hf_ledger_close(l);
}

static void test_records(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ok(f->path, HF_LEDGER_CREATED, false);
    char err[HF_ERR_MAX];
    hf_ledger_transition t[2] = {
        {.at = 100.5, .object = "api-gateway", .code = "service.down", .from = HF_OK,
         .to = HF_CRITICAL, .text = "api-gateway down (0 processes)", .frontend = "nagios"},
        {.at = 100.5, .object = "auth-service.crt", .code = "cert.expiring", .from = HF_OK,
         .to = HF_WARNING, .text = NULL, .frontend = NULL},
    };
    hf_ledger_restart r = {.at = 101, .ended_at = 104, .service = "api-gateway",
                           .frontend = "nagios", .requester = "10.0.0.9", .outcome = "restarted",
                           .attempted = true, .attempt = 1, .observed_at = 100.5,
                           .duration = 0.25, .exit_status = 0, .stderr_head = "",
                           .text = "restarted"};
    hf_ledger_transition bad = {.at = NAN};

    assert_int_equal(hf_ledger_record_transitions(l, t, 2, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_record_transitions(l, &bad, 1, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_ledger_record_transitions(l, t, 0, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_record_restart(l, &r, err, sizeof(err)), 0);
    r.outcome = "refused";
    r.attempted = false;
    r.service = "x;rm -rf /";
    r.duration = NAN;
    r.exit_status = -1;
    assert_int_equal(hf_ledger_record_restart(l, &r, err, sizeof(err)), 0);
    hf_ledger_close(l);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM transitions"), 2);
    assert_int_equal(sql_int(f->path, "SELECT to_state FROM transitions WHERE object = "
                             "'auth-service.crt' AND text = '' AND frontend = ''"), HF_WARNING);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM restarts WHERE attempted = 1 AND "
                             "exit_status = 0 AND requester = '10.0.0.9' AND ended_at = 104"), 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM restarts WHERE outcome = 'refused' "
                             "AND duration IS NULL AND exit_status IS NULL AND "
                             "service = 'x;rm -rf /'"), 1);
}

static void test_heartbeat_runs(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ok(f->path, HF_LEDGER_CREATED, false);
    char err[HF_ERR_MAX];

    for (int t = 0; t <= 600; t += 60)
        assert_int_equal(hf_ledger_heartbeat(l, "nagios:service", 1000 + t, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "nagios:service", 1630, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "nagios:service", 1300, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "nagios:service", 1900, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "collectd", 1000, 10, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "collectd", 1000, 0, err, sizeof(err)), -EINVAL);
    hf_ledger_close(l);
    /* 1000..1630 one run (a beat 30 s late is jitter), 1900 a new one */
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM runs WHERE monitor = 'nagios:service'"), 2);
    assert_int_equal(sql_int(f->path, "SELECT last FROM runs WHERE start = 1000 AND "
                             "monitor = 'nagios:service'"), 1630);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM runs"), 3);
}

static void test_prune_keeps_state(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ok(f->path, HF_LEDGER_CREATED, false);
    char err[HF_ERR_MAX];
    hf_ledger_restart r = {.service = "a", .outcome = "restarted", .attempted = true,
                           .duration = 1, .exit_status = 0};
    long removed = 0;
    const char *a[] = {"a"};
    hf_ledger_query q = {.from = 400, .to = 500, .now = 500, .objects = a, .nobjects = 1};
    hf_ledger_stats st;

    transition(l, 100, "a", HF_OK, HF_CRITICAL);
    transition(l, 200, "a", HF_CRITICAL, HF_OK);
    transition(l, 300, "a", HF_OK, HF_CRITICAL);
    transition(l, 310, "a", HF_CRITICAL, HF_UNKNOWN);
    transition(l, 50, "b", HF_CRITICAL, HF_OK);
    for (int i = 0; i < 25; i++) {
        r.at = 100 + i;
        assert_int_equal(hf_ledger_record_restart(l, &r, err, sizeof(err)), 0);
    }
    r.at = 450;
    assert_int_equal(hf_ledger_record_restart(l, &r, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "m", 100, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "m", 350, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "m", 410, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_heartbeat(l, "m", 470, 60, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_prune(l, 400, 0, &removed, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_ledger_prune(l, 400, 4, &removed, err, sizeof(err)), 0);
    /* transition a@100, 25 restarts and the run [100, 100] */
    assert_int_equal(removed, 1 + 25 + 1);
    assert_int_equal(hf_ledger_stats_get(l, &q, &st, err, sizeof(err)), 0);
    assert_int_equal(st.nincidents, 1);
    assert_true(st.incidents[0].start == 300);          /* the outage under way survives */
    assert_true(st.incidents[0].open);
    assert_true(st.downtime_s == 100);
    assert_int_equal(st.restarts, 1);
    hf_ledger_stats_free(&st);
    hf_ledger_stats_free(NULL);
    hf_ledger_close(l);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM transitions WHERE object = 'b'"), 1);
}

/* Events: the table made by the first write (an existing ledger keeps
 * working, version 1 stays), read back, pruned; prune without the table. */
static void test_events(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ok(f->path, HF_LEDGER_CREATED, false), *other;
    char err[HF_ERR_MAX];
    long removed = -1;
    hf_ledger_event e = {.at = 100, .frontend = "ops", .requester = "alice", .kind = "db.maintain",
                         .outcome = "ok", .text = "removed 12 rows", .duration = 1.5};
    sqlite3 *db;
    sqlite3_stmt *s;

    /* a ledger without the table: prune tolerates it */
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'events'"), 0);
    transition(l, 50, "a", HF_OK, HF_CRITICAL);
    assert_int_equal(hf_ledger_prune(l, 1000, 10, &removed, err, sizeof(err)), 0);
    assert_int_equal(removed, 0);
    /* another connection opened before the table existed */
    other = open_ok(f->path, HF_LEDGER_OPENED, false);
    assert_int_equal(hf_ledger_record_event(l, &e, err, sizeof(err)), 0);
    e.at = 200;
    e.outcome = "failed";
    e.text = NULL;
    e.requester = NULL;
    e.duration = NAN;
    assert_int_equal(hf_ledger_record_event(other, &e, err, sizeof(err)), 0);
    e.at = 500;
    e.duration = 0;
    e.kind = "db.other";
    assert_int_equal(hf_ledger_record_event(l, &e, err, sizeof(err)), 0);
    e.kind = NULL;
    assert_int_equal(hf_ledger_record_event(l, &e, err, sizeof(err)), -EINVAL);
    e.kind = "db.maintain";
    e.at = NAN;
    assert_int_equal(hf_ledger_record_event(l, &e, err, sizeof(err)), -EINVAL);
    transition(other, 60, "a", HF_CRITICAL, HF_OK);
    hf_ledger_close(other);
    hf_ledger_close(l);

    assert_int_equal(sql_int(f->path, "PRAGMA user_version"), 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events"), 3);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events WHERE kind = 'db.maintain' AND "
                             "outcome = 'failed' AND requester = '' AND text = '' AND "
                             "duration IS NULL AND at = 200"), 1);
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT at, frontend, requester, kind, outcome, text, "
                                        "duration FROM events ORDER BY at LIMIT 1", -1, &s, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_true(sqlite3_column_double(s, 0) == 100);
    assert_string_equal((const char *)sqlite3_column_text(s, 1), "ops");
    assert_string_equal((const char *)sqlite3_column_text(s, 2), "alice");
    assert_string_equal((const char *)sqlite3_column_text(s, 3), "db.maintain");
    assert_string_equal((const char *)sqlite3_column_text(s, 4), "ok");
    assert_string_equal((const char *)sqlite3_column_text(s, 5), "removed 12 rows");
    assert_true(sqlite3_column_double(s, 6) == 1.5);
    sqlite3_finalize(s);
    sqlite3_close(db);

    /* reopened as a complete ledger; prune takes the old events in batches */
    l = open_ok(f->path, HF_LEDGER_OPENED, true);
    assert_int_equal(hf_ledger_prune(l, 300, 1, &removed, err, sizeof(err)), 0);
    assert_int_equal(removed, 2 + 1);                   /* two events, a@50 (a@60 says OK) */
    hf_ledger_close(l);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM events"), 1);
    assert_int_equal(sql_int(f->path, "SELECT at FROM events"), 500);
}

static void test_budget_roundtrip(void **state)
{
    fx *f = *state;
    hf_ledger *l = open_ok(f->path, HF_LEDGER_CREATED, false);
    char err[HF_ERR_MAX];
    hf_ledger_budget b, c = {.window_start = 10, .attempts = 2, .last_attempt = 20,
                             .last_end = 25.5, .healthy_since = 26, .healthy_last = 30,
                             .given_up_at = 0};
    double at;

    assert_int_equal(hf_ledger_budget_get(l, "api-gateway", &b, err, sizeof(err)), 0);
    assert_int_equal(b.attempts, 0);
    assert_true(b.window_start == 0 && b.given_up_at == 0);
    assert_int_equal(hf_ledger_budget_put(l, "api-gateway", &c, err, sizeof(err)), 0);
    c.attempts = 3;
    c.given_up_at = 99;
    assert_int_equal(hf_ledger_budget_put(l, "api-gateway", &c, err, sizeof(err)), 0);
    assert_int_equal(hf_ledger_budget_get(l, "api-gateway", &b, err, sizeof(err)), 0);
    assert_memory_equal(&b, &c, sizeof(b));
    transition(l, 40, "api-gateway", HF_OK, HF_CRITICAL);
    transition(l, 50, "api-gateway", HF_CRITICAL, HF_OK);
    transition(l, 60, "api-gateway", HF_OK, HF_CRITICAL);
    assert_int_equal(hf_ledger_first_down_after(l, "api-gateway", 45, &at, err, sizeof(err)), 0);
    assert_true(at == 60);
    assert_int_equal(hf_ledger_first_down_after(l, "api-gateway", 60, &at, err, sizeof(err)), 0);
    assert_true(at == 0);
    hf_ledger_close(l);
}

static void test_two_processes_write(void **state)
{
    fx *f = *state;
    enum { KIDS = 4, EACH = 150 };
    pid_t kids[KIDS];

    hf_ledger_close(open_ok(f->path, HF_LEDGER_CREATED, false));
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            hf_ledger_cfg cfg = {.path = f->path};
            hf_ledger *l;
            char err[HF_ERR_MAX];
            int bad = 0;

            if (hf_ledger_open(&cfg, &l, err, sizeof(err)) != HF_LEDGER_OPENED)
                _exit(2);
            for (int i = 0; i < EACH; i++) {
                hf_ledger_transition t = {.at = i, .object = "x", .code = "service.down",
                                          .to = HF_CRITICAL, .frontend = "kid"};
                bad |= hf_ledger_record_transitions(l, &t, 1, err, sizeof(err)) != 0;
                bad |= hf_ledger_heartbeat(l, "kid", i, 1, err, sizeof(err)) != 0;
            }
            hf_ledger_close(l);
            _exit(bad);
        }
    }
    for (int k = 0; k < KIDS; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM transitions"), KIDS * EACH);
}

/* Processes meeting a missing ledger at once: each one opens it, one creates it. */
static void test_concurrent_create(void **state)
{
    fx *f = *state;
    enum { KIDS = 6 };
    pid_t kids[KIDS];
    int go[2], created = 0;

    assert_int_equal(pipe(go), 0);
    for (int k = 0; k < KIDS; k++) {
        kids[k] = fork();
        assert_true(kids[k] >= 0);
        if (kids[k] == 0) {
            hf_ledger_cfg cfg = {.path = f->path};
            hf_ledger *l;
            char err[HF_ERR_MAX], c;
            hf_ledger_transition t = {.at = k, .object = "x", .code = "service.down",
                                      .to = HF_CRITICAL, .frontend = "kid"};
            int rc;

            close(go[1]);
            if (read(go[0], &c, 1) != 1)
                _exit(10);
            rc = hf_ledger_open(&cfg, &l, err, sizeof(err));
            if (rc < 0) {
                fprintf(stderr, "open: %d %s\n", rc, err);
                _exit(11);
            }
            if (hf_ledger_record_transitions(l, &t, 1, err, sizeof(err)) != 0)
                _exit(12);
            hf_ledger_close(l);
            _exit(rc);              /* OPENED 0, CREATED 1 */
        }
    }
    close(go[0]);
    assert_int_equal(write(go[1], "gggggg", KIDS), KIDS);
    close(go[1]);
    for (int k = 0; k < KIDS; k++) {
        int st;
        assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
        assert_true(WIFEXITED(st));
        if (WEXITSTATUS(st) > HF_LEDGER_CREATED)
            fail_msg("a process failed: %d", WEXITSTATUS(st));
        created += WEXITSTATUS(st) == HF_LEDGER_CREATED;
    }
    assert_int_equal(created, 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM transitions"), KIDS);
    assert_int_equal(sql_int(f->path, "PRAGMA application_id"), HF_LEDGER_APPLICATION_ID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shared_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_moved_aside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_quick_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_database_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlink_and_permissions_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path_under_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_records, setup, teardown),
        cmocka_unit_test_setup_teardown(test_heartbeat_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_keeps_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_budget_roundtrip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_processes_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_create, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
