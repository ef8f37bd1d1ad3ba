/* Unit tests: the backup check (hf_check_backup): its settings table (-w/-c
 * as aliases of the age thresholds), the judgement of fixture probe results
 * (OK, WARNING, CRITICAL, UNKNOWN: texts, codes, objects, metrics),
 * transitions, and the one-shot run keeping the quick_check verdict with a
 * good, truncated, garbage or directory state file. */
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
#include "hf_check.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "test_check_helpers.h"

#define BASE "helixflow-20261130-020000.db"

/* ---- helpers ------------------------------------------------------------ */

static void assert_finding(const hf_report *r, size_t i, hf_state st, const char *code, const char *text)
{
    assert_true(i < r->nf);
    assert_string_equal(r->f[i].text, text);
    assert_int_equal(r->f[i].state, st);
    assert_string_equal(r->f[i].object, "");        /* the newest backup: the check's one object */
    assert_string_equal(r->f[i].code, code);
}

/* The first finding with code (fails the test when there is none). */
/* A finding with exactly this text (fails the test when there is none). */
static const hf_finding *find_text(const hf_report *r, const char *text)
{
    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].text, text) == 0)
            return &r->f[i];
    fail_msg("no finding \"%s\"", text);
    abort();
}

static const hf_metric *find_metric(const hf_report *r, const char *label)
{
    for (size_t i = 0; i < r->nm; i++)
        if (strcmp(r->m[i].label, label) == 0)
            return &r->m[i];
    fail_msg("no metric %s", label);
    abort();
}

static void assert_num(double got, double want)
{
    if (isnan(want))
        assert_true(isnan(got));
    else
        assert_true(fabs(got - want) < 1e-9);
}

static void assert_metric(const hf_report *r, const char *label, double v, const char *unit,
                          const char *warn, const char *crit, double min, double max)
{
    const hf_metric *m = find_metric(r, label);

    assert_string_equal(m->object, "");
    assert_string_equal(m->name, label);
    assert_num(m->value, v);
    assert_string_equal(m->unit, unit);
    assert_string_equal(m->warn.set ? m->warn.text : "", warn);
    assert_string_equal(m->crit.set ? m->crit.text : "", crit);
    assert_num(m->min, min);
    assert_num(m->max, max);
}

/* A sound backup 3.2 hours old, 81920 bytes, 2.4 % larger than the previous. */
static void fixture(hf_backup_result *r)
{
    memset(r, 0, sizeof(*r));
    r->nmatches = 2;
    r->found = true;
    snprintf(r->path, sizeof(r->path), "/opt/helixflow/backups/" BASE);
    r->age_s = 3.2 * 3600;
    r->size = 81920;
    r->has_prev = true;
    snprintf(r->prev_path, sizeof(r->prev_path), "/opt/helixflow/backups/helixflow-20261129-020000.db");
    r->prev_size = 80000;
    r->size_change = 1920;
    r->size_change_pct = 2.4;
    r->checked = true;
    r->check_ok = true;
}

static void judge(hf_settings *s, const hf_backup_result *res, hf_report *out)
{
    hf_report_init(out);
    hf_check_backup_judge(s, res, out);
}

/* ---- settings ----------------------------------------------------------- */

static void test_settings_table(void **state)
{
    static const char *const names[][2] = {
        {"backup-glob", HF_DEFAULT_BACKUP_GLOB}, {"db", HF_DEFAULT_DB},
        {"age-warning", HF_THR_BACKUP_AGE_WARN}, {"age-critical", HF_THR_BACKUP_AGE_CRIT},
        {"shrink-warning", HF_THR_BACKUP_SHRINK_PCT}, {"min-size", HF_THR_BACKUP_MIN_BYTES},
    };
    const hf_check_kind *k = &hf_check_backup;
    hf_settings s;
    char err[HF_ERR_MAX];
    int aw = hf_settings_find(k, "age-warning"), ac = hf_settings_find(k, "age-critical");

    (void)state;
    assert_ptr_equal(hf_check_kind_find("backup"), k);
    for (size_t i = 0; i < HF_ARRAY_SIZE(names); i++) {
        int j = hf_settings_find(k, names[i][0]);
        assert_int_equal(j, (int)(HF_SET_KIND0 + i));
        assert_string_equal(hf_settings_def(k, (size_t)j)->dflt, names[i][1]);
    }
    assert_true(hf_settings_find(k, "no-quick-check") >= 0);
    assert_string_equal(hf_settings_def(k, (size_t)hf_settings_find(k, "warning"))->alias, "age-warning");
    assert_string_equal(hf_settings_def(k, (size_t)hf_settings_find(k, "critical"))->alias, "age-critical");
    assert_int_equal(hf_settings_init(&s, k), 0);
    assert_string_equal(hf_settings_range(&s, (size_t)aw)->text, "26");
    set(&s, "warning", "72");                   /* -w */
    set(&s, "critical", "100");                 /* -c */
    assert_string_equal(hf_settings_range(&s, (size_t)aw)->text, "72");
    assert_string_equal(hf_settings_range(&s, (size_t)ac)->text, "100");
    assert_int_equal(hf_settings_set(&s, (size_t)hf_settings_find(k, "shrink-warning"), "150", err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "'150' is not a number from 0 to 100");
    assert_int_equal(hf_settings_set(&s, (size_t)hf_settings_find(k, "min-size"), "-1", err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "'-1' is not a number >= 0");
    hf_settings_free(&s);
}

/* ---- judgement ---------------------------------------------------------- */

static void test_ok(void **state)
{
    hf_settings s;
    hf_backup_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_backup), 0);
    fixture(&res);
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(r.nf, 3);
    assert_finding(&r, 0, HF_OK, "backup.ok", BASE " is 3.2 hours old");
    assert_finding(&r, 1, HF_OK, "backup.ok", BASE " is 81920 bytes (+2.4% vs previous)");
    assert_finding(&r, 2, HF_OK, "backup.ok", BASE ": quick_check ok");
    assert_string_equal(hf_buf_str(&r.summary),
                        BASE ": 3.2 hours old, 81920 bytes (+2.4% vs previous), quick_check ok");
    assert_int_equal(nperf(&r), 3);
    assert_true(value_of(&r, "", "ok") == 1);
    assert_metric(&r, "age", 11520, "s", "93600", "180000", 0, NAN);
    assert_metric(&r, "size", 81920, "B", "", "", 0, NAN);
    assert_metric(&r, "size_change", 2.4, "%", "-50:", "", NAN, NAN);
    hf_report_free(&r);

    res.check_memo = true;                      /* the kept verdict says so */
    res.has_prev = false;
    judge(&s, &res, &r);
    assert_finding(&r, 1, HF_OK, "backup.ok", BASE " is 81920 bytes");
    assert_finding(&r, 2, HF_OK, "backup.ok", BASE ": quick_check ok (the verdict kept for this unchanged file)");
    assert_string_equal(hf_buf_str(&r.summary), BASE ": 3.2 hours old, 81920 bytes, quick_check ok");
    assert_int_equal(nperf(&r), 2);            /* no previous: no size_change */
    hf_report_free(&r);

    set(&s, "no-quick-check", NULL);
    res.checked = false;
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(r.nf, 2);
    assert_string_equal(hf_buf_str(&r.summary), BASE ": 3.2 hours old, 81920 bytes");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_warning(void **state)
{
    hf_settings s;
    hf_backup_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_backup), 0);
    fixture(&res);
    res.age_s = 48 * 3600 + 60;
    res.prev_size = 200000;
    res.size_change_pct = -59.04;
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_WARNING);
    assert_int_equal(hf_report_problems(&r), 2);
    assert_finding(&r, 0, HF_WARNING, "backup.overdue", BASE " is 48.0 hours old");
    assert_finding(&r, 1, HF_WARNING, "backup.shrunk", BASE " is 59.0% smaller than the previous backup");
    assert_finding(&r, 2, HF_OK, "backup.ok", BASE ": quick_check ok");
    assert_metric(&r, "age", 172860, "s", "93600", "180000", 0, NAN);
    assert_metric(&r, "size_change", -59, "%", "-50:", "", NAN, NAN);
    hf_report_free(&r);

    set(&s, "warning", "@1:10");                /* -w: an inside range, in hours */
    set(&s, "shrink-warning", "75");
    res.age_s = 3.2 * 3600;
    judge(&s, &res, &r);
    assert_finding(&r, 0, HF_WARNING, "backup.overdue", BASE " is 3.2 hours old");
    assert_finding(&r, 1, HF_OK, "backup.ok", BASE " is 81920 bytes (-59.0% vs previous)");
    assert_metric(&r, "age", 11520, "s", "@3600:36000", "180000", 0, NAN);
    assert_metric(&r, "size_change", -59, "%", "-75:", "", NAN, NAN);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_critical(void **state)
{
    hf_settings s;
    hf_backup_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_backup), 0);
    fixture(&res);
    res.check_ok = false;
    snprintf(res.check_msg, sizeof(res.check_msg), BASE ": file is not a database");
    res.age_s = 60 * 3600;
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_finding(&r, 0, HF_CRITICAL, "backup.overdue", BASE " is 60.0 hours old");
    assert_finding(&r, 2, HF_CRITICAL, "backup.corrupt", BASE ": file is not a database");
    hf_report_free(&r);

    fixture(&res);
    res.size = 0;
    res.size_change_pct = -100;
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_finding(&r, 1, HF_CRITICAL, "backup.small", BASE " is 0 bytes (minimum 1)");
    assert_finding(&r, 2, HF_WARNING, "backup.shrunk", BASE " is 100.0% smaller than the previous backup");
    assert_metric(&r, "size", 0, "B", "", "", 0, NAN);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_missing(void **state)
{
    hf_settings s;
    hf_backup_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_backup), 0);
    memset(&res, 0, sizeof(res));
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_int_equal(r.nf, 1);
    assert_finding(&r, 0, HF_CRITICAL, "backup.missing", "no backup matches /opt/helixflow/backups/*.db");
    assert_int_equal(nperf(&r), 0);
    assert_true(value_of(&r, "", "ok") == 0);
    hf_report_free(&r);
    set(&s, "root", "/srv/hf");                 /* the default glob moves under root */
    res.excluded_live = true;
    judge(&s, &res, &r);
    assert_finding(&r, 0, HF_CRITICAL, "backup.missing",
                   "no backup matches /srv/hf/opt/helixflow/backups/*.db (the live database is excluded)");
    hf_report_free(&r);
    set(&s, "backup-glob", "/b/*.sqlite");      /* a given glob is used as is */
    judge(&s, &res, &r);
    assert_finding(&r, 0, HF_CRITICAL, "backup.missing",
                   "no backup matches /b/*.sqlite (the live database is excluded)");
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_unknown(void **state)
{
    hf_settings s;
    hf_backup_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_backup), 0);
    fixture(&res);
    res.checked = false;
    snprintf(res.check_msg, sizeof(res.check_msg), BASE ": quick_check did not finish in time");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_finding(&r, 2, HF_UNKNOWN, "backup.unchecked", BASE ": quick_check did not finish in time");
    assert_int_equal(nperf(&r), 3);
    hf_report_free(&r);
    memset(&res, 0, sizeof(res));
    snprintf(res.err, sizeof(res.err), "glob /b/*.db: read error");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_int_equal(r.nf, 1);
    assert_finding(&r, 0, HF_UNKNOWN, "backup.probe", "glob /b/*.db: read error");
    assert_int_equal(nperf(&r), 0);
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* OK -> CRITICAL (corrupt) -> OK: one transition each way. */
static void test_transitions(void **state)
{
    hf_settings s;
    hf_backup_result res;
    hf_report ok1, crit, ok2;
    hf_transition *t;
    size_t n;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_backup), 0);
    fixture(&res);
    judge(&s, &res, &ok1);
    res.check_ok = false;
    snprintf(res.check_msg, sizeof(res.check_msg), BASE ": quick_check found 3 problems, first: Page 7: x");
    judge(&s, &res, &crit);
    res.check_ok = true;
    judge(&s, &res, &ok2);
    assert_int_equal(hf_report_transitions(&ok1, &crit, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "");
    assert_string_equal(t[0].code, "backup.corrupt");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, BASE ": quick_check found 3 problems, first: Page 7: x");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&crit, &ok2, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].code, "backup.corrupt");  /* a recovery names what went away */
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    hf_transitions_free(t, n);
    hf_report_free(&ok1);
    hf_report_free(&crit);
    hf_report_free(&ok2);
    hf_settings_free(&s);
}

/* ---- the one-shot run and its state file -------------------------------- */

typedef struct run_env {
    char dir[256], state_dir[300], glob[300], path[HF_PATH_MAX];
    hf_settings s;
} run_env;

/* A real SQLite database of a few pages. */
static void make_db(const char *path)
{
    sqlite3 *db;

    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(5000))", NULL,
                                  NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void env_make(run_env *e)
{
    char p[400], live[400];

    snprintf(e->dir, sizeof(e->dir), "%s/hf-test-check-bk-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->state_dir, sizeof(e->state_dir), "%s/state", e->dir);
    assert_int_equal(mkdir(e->state_dir, 0700), 0);
    assert_int_equal(chmod(e->state_dir, 0700), 0);
    snprintf(e->glob, sizeof(e->glob), "%s/*.db", e->dir);
    snprintf(p, sizeof(p), "%s/" BASE, e->dir);
    make_db(p);
    snprintf(live, sizeof(live), "%s/live.db", e->dir);
    assert_int_equal(hf_settings_init(&e->s, &hf_check_backup), 0);
    set(&e->s, "state-dir", e->state_dir);
    set(&e->s, "backup-glob", e->glob);
    set(&e->s, "db", live);
    assert_int_equal(hf_check_state_path(&e->s, e->path, sizeof(e->path)), 0);
}

static void env_free(run_env *e)
{
    char cmd[400];

    hf_settings_free(&e->s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", e->dir);
    assert_int_equal(system(cmd), 0);
}

static void run(run_env *e, hf_report *r)
{
    hf_check_ctx ctx = hf_check_ctx_make(10, 0, 0);

    hf_report_init(r);
    hf_check_run_once(&e->s, &ctx, r);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* quick_check ran now (not a kept verdict): the check evaluated afresh. */
static void assert_checked_afresh(const hf_report *r)
{
    find_text(r, BASE ": quick_check ok");
    assert_int_equal(nperf(r), 2);
}

static void assert_reset(const hf_report *r, const char *path, const char *why)
{
    const hf_finding *f = need_code(r, "state.reset");
    char want[HF_PATH_MAX + 128];

    assert_int_equal(count_code(r, "state.reset"), 1);
    assert_int_equal(f->state, HF_WARNING);
    assert_string_equal(f->object, "");
    snprintf(want, sizeof(want), "%s: %s; starting afresh", path, why);
    assert_true(strncmp(f->text, want, strlen(want)) == 0);   /* a directory: "(... moved aside ...)" follows */
    assert_int_equal(r->state, HF_WARNING);
}

static void test_run_once_keeps_the_verdict(void **state)
{
    run_env e;
    hf_report r;
    hf_backup_verdict v;
    char err[HF_ERR_MAX];

    (void)state;
    env_make(&e);
    assert_non_null(strstr(e.path, "/state/backup-"));
    run(&e, &r);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    assert_checked_afresh(&r);
    hf_report_free(&r);
    assert_int_equal(hf_backup_verdict_read(&v, e.path, err, sizeof(err)), 0);
    assert_true(v.valid && v.ok);
    run(&e, &r);                                /* unchanged: the verdict is kept */
    assert_int_equal(r.state, HF_OK);
    find_text(&r, BASE ": quick_check ok (the verdict kept for this unchanged file)");
    hf_report_free(&r);
    env_free(&e);
}

static void test_run_once_truncated(void **state)
{
    run_env e;
    hf_report r;
    char *text = NULL;
    long len;

    (void)state;
    env_make(&e);
    run(&e, &r);
    hf_report_free(&r);
    len = hf_file_read(e.path, 4096, &text);
    assert_true(len > 22);
    write_file(e.path, text, (size_t)len - 1);      /* the end marker's last byte cut off */
    free(text);
    run(&e, &r);
    assert_reset(&r, e.path, "damaged (no end marker)");
    assert_checked_afresh(&r);
    hf_report_free(&r);
    run(&e, &r);                                /* written again */
    assert_int_equal(r.state, HF_OK);
    find_text(&r, BASE ": quick_check ok (the verdict kept for this unchanged file)");
    hf_report_free(&r);
    env_free(&e);
}

static void test_run_once_garbage(void **state)
{
    run_env e;
    hf_report r;
    char junk[300];

    (void)state;
    env_make(&e);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7919 + 13);
    junk[sizeof(junk) - 22] = 'x';
    write_file(e.path, junk, sizeof(junk));
    run(&e, &r);
    assert_reset(&r, e.path, "truncated or not a state file (no end marker)");
    assert_checked_afresh(&r);
    hf_report_free(&r);
    env_free(&e);
}

static void test_run_once_directory(void **state)
{
    run_env e;
    hf_report r;

    (void)state;
    env_make(&e);
    assert_int_equal(mkdir(e.path, 0700), 0);
    run(&e, &r);
    assert_reset(&r, e.path, "Is a directory");
    assert_checked_afresh(&r);
    assert_int_equal(count_code(&r, "state.save"), 0);     /* moved aside, then saved afresh */
    hf_report_free(&r);
    {
        char aside[HF_PATH_MAX + 16];
        struct stat sb;
        snprintf(aside, sizeof(aside), "%s.unusable", e.path);
        assert_int_equal(stat(e.path, &sb), 0);
        assert_true(S_ISREG(sb.st_mode));
        assert_int_equal(rmdir(aside), 0);
    }
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_table),
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_warning),
        cmocka_unit_test(test_critical),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_run_once_keeps_the_verdict),
        cmocka_unit_test(test_run_once_truncated),
        cmocka_unit_test(test_run_once_garbage),
        cmocka_unit_test(test_run_once_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
