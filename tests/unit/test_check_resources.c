/* Unit tests: the resources check (hf_check_resources): its settings table,
 * the judgement of fixture probe results (OK, WARNING, CRITICAL, UNKNOWN:
 * texts, codes, objects, metrics), transitions, and the one-shot run with a
 * good, truncated, garbage or directory state file. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_check.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"
#include "hf_resources.h"
#include "test_check_helpers.h"

/* ---- helpers ------------------------------------------------------------ */

static void assert_finding(const hf_report *r, size_t i, hf_state st, const char *object,
                           const char *code, const char *text)
{
    assert_true(i < r->nf);
    assert_string_equal(r->f[i].text, text);
    assert_int_equal(r->f[i].state, st);
    assert_string_equal(r->f[i].object, object);
    assert_string_equal(r->f[i].code, code);
}

/* The first finding with code (fails the test when there is none). */
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

/* The metric labelled label: value, unit, ranges ("" none), min, max. */
static void assert_metric(const hf_report *r, const char *label, const char *object, const char *name,
                          double v, const char *unit, const char *warn, const char *crit, double min,
                          double max)
{
    const hf_metric *m = find_metric(r, label);

    assert_string_equal(m->object, object);
    assert_string_equal(m->name, name);
    assert_num(m->value, v);
    assert_string_equal(m->unit, unit);
    assert_string_equal(m->warn.set ? m->warn.text : "", warn);
    assert_string_equal(m->crit.set ? m->crit.text : "", crit);
    assert_num(m->min, min);
    assert_num(m->max, max);
}

/* A calm host: 41.234 % disk, 3 % inodes, 75 % memory, load 0.40 on 4 CPUs, 60 % CPU. */
static void fixture(hf_resources_result *r)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->fs_path, sizeof(r->fs_path), "/opt/helixflow");
    r->fs_total = 100000000000ull;
    r->fs_used = 41234000000ull;
    r->fs_avail = 58766000000ull;
    r->fs_used_pct = 41.234;
    r->inodes_known = true;
    r->inodes_total = 1000000;
    r->inodes_used = 30000;
    r->inodes_used_pct = 3.0;
    r->mem_total = 17179869184ull;
    r->mem_used = 12884901888ull;
    r->mem_used_pct = 75.0;
    r->swap_total = 2147483648ull;
    r->swap_used = 1073741824ull;
    r->load1 = 0.40;
    r->load5 = 0.30;
    r->load15 = 0.20;
    r->ncpu = 4;
    r->load1_per_core = 0.10;
    r->cpu_busy_pct = 60.0;
}

static void judge(hf_settings *s, const hf_resources_result *res, hf_report *out)
{
    hf_report_init(out);
    hf_check_resources_judge(s, res, out);
}

/* ---- settings ----------------------------------------------------------- */

static void test_settings_table(void **state)
{
    static const char *const names[][2] = {
        {"disk-warning", HF_THR_DISK_WARN}, {"disk-critical", HF_THR_DISK_CRIT},
        {"inode-warning", HF_THR_INODE_WARN}, {"inode-critical", HF_THR_INODE_CRIT},
        {"mem-warning", HF_THR_MEM_WARN}, {"mem-critical", HF_THR_MEM_CRIT},
        {"load-warning", HF_THR_LOAD_WARN}, {"load-critical", HF_THR_LOAD_CRIT},
        {"cpu-warning", HF_THR_CPU_WARN}, {"cpu-critical", HF_THR_CPU_CRIT},
        {"path", HF_DEFAULT_DEPLOY_DIR}, {"proc", HF_DEFAULT_PROC},
    };
    const hf_check_kind *k = &hf_check_resources;
    hf_settings s;
    char err[HF_ERR_MAX];
    int bad;

    (void)state;
    assert_ptr_equal(hf_check_kind_find("resources"), k);
    assert_int_equal(hf_settings_count(k), HF_SET_KIND0 + HF_ARRAY_SIZE(names));
    for (size_t i = 0; i < HF_ARRAY_SIZE(names); i++) {
        int j = hf_settings_find(k, names[i][0]);
        assert_int_equal(j, (int)(HF_SET_KIND0 + i));
        assert_string_equal(hf_settings_def(k, (size_t)j)->dflt, names[i][1]);
    }
    assert_int_equal(hf_settings_find(k, "warning"), -1);      /* no -w / -c */
    assert_int_equal(hf_settings_find(k, "critical"), -1);
    assert_int_equal(hf_settings_init(&s, k), 0);
    assert_string_equal(hf_settings_range(&s, (size_t)hf_settings_find(k, "mem-critical"))->text, "95");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), 0);
    set(&s, "path", "opt");
    assert_int_equal(hf_check_validate(&s, &bad, err, sizeof(err)), -EINVAL);
    assert_int_equal(bad, hf_settings_find(k, "path"));
    assert_string_equal(err, "'opt' is not an absolute path");
    assert_int_equal(hf_settings_set(&s, (size_t)hf_settings_find(k, "disk-warning"), "5:1", err,
                                     sizeof(err)), -EINVAL);
    assert_string_equal(err, "invalid range '5:1': start 5 is greater than end 1");
    hf_settings_free(&s);
}

/* ---- judgement ---------------------------------------------------------- */

static void test_ok(void **state)
{
    hf_settings s;
    hf_resources_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    fixture(&res);
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(r.nf, 5);
    assert_finding(&r, 0, HF_OK, "disk", "resources.disk", "disk 41.2% used on /opt/helixflow");
    assert_finding(&r, 1, HF_OK, "inodes", "resources.inodes", "inodes 3.0% used on /opt/helixflow");
    assert_finding(&r, 2, HF_OK, "memory", "resources.memory", "memory 75.0% used");
    assert_finding(&r, 3, HF_OK, "load", "resources.load", "load 0.10 per core (0.40 on 4 CPUs)");
    assert_finding(&r, 4, HF_OK, "cpu", "resources.cpu", "cpu 60.0% busy");
    assert_string_equal(hf_buf_str(&r.summary),
                        "disk 41.2%, inodes 3.0%, memory 75.0%, load 0.10/core, cpu 60.0%");
    assert_int_equal(nperf(&r), 11);
    assert_metric(&r, "disk_used_pct", "disk", "used_pct", 41.23, "%", "80", "90", 0, 100);
    assert_metric(&r, "disk_used", "disk", "used", 41234000000.0, "B", "", "", 0, 100000000000.0);
    assert_metric(&r, "inodes_used_pct", "inodes", "used_pct", 3, "%", "80", "90", 0, 100);
    assert_metric(&r, "mem_used_pct", "memory", "used_pct", 75, "%", "90", "95", 0, 100);
    assert_metric(&r, "mem_used", "memory", "used", 12884901888.0, "B", "", "", 0, 17179869184.0);
    assert_metric(&r, "swap_used", "swap", "used", 1073741824.0, "B", "", "", 0, 2147483648.0);
    assert_metric(&r, "load1", "load", "load1", 0.40, "", "", "", 0, NAN);
    assert_metric(&r, "load5", "load", "load5", 0.30, "", "", "", 0, NAN);
    assert_metric(&r, "load15", "load", "load15", 0.20, "", "", "", 0, NAN);
    assert_metric(&r, "load1_per_core", "load", "load1_per_core", 0.10, "", "2", "4", 0, NAN);
    assert_metric(&r, "cpu_busy_pct", "cpu", "busy_pct", 60, "%", "80", "95", 0, 100);
    assert_string_equal(r.m[0].label, "disk_used_pct");                /* perfdata order */
    assert_string_equal(r.m[10].label, "cpu_busy_pct");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* No inode limit and no second CPU sample: unknown, OK, value NAN. */
static void test_unknown_values_are_ok(void **state)
{
    hf_settings s;
    hf_resources_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    fixture(&res);
    res.inodes_known = false;
    res.inodes_used_pct = NAN;
    res.cpu_busy_pct = NAN;
    set(&s, "cpu-warning", "@0:100");          /* would alert on any number */
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_OK);
    assert_finding(&r, 1, HF_OK, "inodes", "resources.inodes", "inodes unknown on /opt/helixflow");
    assert_finding(&r, 4, HF_OK, "cpu", "resources.cpu", "cpu unknown");
    assert_string_equal(hf_buf_str(&r.summary),
                        "disk 41.2%, inodes unknown, memory 75.0%, load 0.10/core, cpu unknown");
    assert_metric(&r, "inodes_used_pct", "inodes", "used_pct", NAN, "%", "80", "90", 0, 100);
    assert_metric(&r, "cpu_busy_pct", "cpu", "busy_pct", NAN, "%", "@0:100", "95", 0, 100);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_warning(void **state)
{
    hf_settings s;
    hf_resources_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    fixture(&res);
    res.mem_used_pct = 91.04;
    set(&s, "load-warning", "0.01:0.05");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_WARNING);
    assert_int_equal(hf_report_problems(&r), 2);
    assert_finding(&r, 2, HF_WARNING, "memory", "resources.memory", "memory 91.0% used (warning > 90)");
    assert_finding(&r, 3, HF_WARNING, "load", "resources.load",
                   "load 0.10 per core (0.40 on 4 CPUs) (warning outside 0.01:0.05)");
    assert_metric(&r, "mem_used_pct", "memory", "used_pct", 91.04, "%", "90", "95", 0, 100);
    assert_metric(&r, "load1_per_core", "load", "load1_per_core", 0.10, "", "0.01:0.05", "4", 0, NAN);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_critical(void **state)
{
    hf_settings s;
    hf_resources_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    fixture(&res);
    res.fs_used_pct = 95.456;
    res.cpu_busy_pct = 85.0;
    set(&s, "mem-critical", "@70:80");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_finding(&r, 0, HF_CRITICAL, "disk", "resources.disk",
                   "disk 95.5% used on /opt/helixflow (critical > 90)");
    assert_finding(&r, 2, HF_CRITICAL, "memory", "resources.memory", "memory 75.0% used (critical inside @70:80)");
    assert_finding(&r, 4, HF_WARNING, "cpu", "resources.cpu", "cpu 85.0% busy (warning > 80)");
    assert_metric(&r, "disk_used_pct", "disk", "used_pct", 95.46, "%", "80", "90", 0, 100);
    assert_metric(&r, "mem_used_pct", "memory", "used_pct", 75, "%", "90", "@70:80", 0, 100);
    hf_report_free(&r);
    hf_settings_free(&s);
}

static void test_probe_failed(void **state)
{
    hf_settings s;
    hf_resources_result res;
    hf_report r;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    fixture(&res);
    snprintf(res.error, sizeof(res.error), "/proc/meminfo: line 2: malformed MemAvailable value");
    judge(&s, &res, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_int_equal(r.nf, 1);
    assert_finding(&r, 0, HF_UNKNOWN, "", "resources.probe",
                   "cannot read resources: /proc/meminfo: line 2: malformed MemAvailable value");
    assert_int_equal(nperf(&r), 0);
    assert_int_equal(r.summary.len, 0);
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* The real probe behind eval: a missing proc directory is UNKNOWN. */
static void test_eval_probe_failed(void **state)
{
    hf_settings s;
    hf_report r;
    hf_check_ctx ctx = hf_check_ctx_make(5, 0, 0);

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    set(&s, "proc", "/nonexistent/proc");
    hf_report_init(&r);
    hf_check_eval(&s, NULL, &ctx, &r);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_finding(&r, 0, HF_UNKNOWN, "", "resources.probe",
                   "cannot read resources: /nonexistent/proc/meminfo: No such file or directory");
    hf_report_free(&r);
    hf_settings_free(&s);
}

/* OK -> CRITICAL (disk) -> OK: one transition each way, on the disk. */
static void test_transitions(void **state)
{
    hf_settings s;
    hf_resources_result res;
    hf_report ok1, crit, ok2;
    hf_transition *t;
    size_t n;

    (void)state;
    assert_int_equal(hf_settings_init(&s, &hf_check_resources), 0);
    fixture(&res);
    judge(&s, &res, &ok1);
    res.fs_used_pct = 97;
    judge(&s, &res, &crit);
    res.fs_used_pct = 41.234;
    judge(&s, &res, &ok2);
    assert_int_equal(hf_report_transitions(NULL, &ok1, &t, &n), 0);
    assert_int_equal(n, 0);
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&ok1, &crit, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "disk");
    assert_string_equal(t[0].code, "resources.disk");
    assert_int_equal(t[0].from, HF_OK);
    assert_int_equal(t[0].to, HF_CRITICAL);
    assert_string_equal(t[0].text, "disk 97.0% used on /opt/helixflow (critical > 90)");
    hf_transitions_free(t, n);
    assert_int_equal(hf_report_transitions(&crit, &ok2, &t, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(t[0].object, "disk");
    assert_string_equal(t[0].code, "resources.disk");
    assert_int_equal(t[0].from, HF_CRITICAL);
    assert_int_equal(t[0].to, HF_OK);
    assert_string_equal(t[0].text, "disk 41.2% used on /opt/helixflow");
    hf_transitions_free(t, n);
    hf_report_free(&ok1);
    hf_report_free(&crit);
    hf_report_free(&ok2);
    hf_settings_free(&s);
}

/* ---- the one-shot run and its state file -------------------------------- */

typedef struct run_env {
    char dir[256], state_dir[300], path[HF_PATH_MAX], proc[HF_PATH_MAX];
    hf_settings s;
} run_env;

static void env_make(run_env *e)
{
    const char *fx = getenv("HF_FIXTURES");

    snprintf(e->dir, sizeof(e->dir), "%s/hf-test-check-res-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(e->dir));
    snprintf(e->state_dir, sizeof(e->state_dir), "%s/state", e->dir);
    assert_int_equal(mkdir(e->state_dir, 0700), 0);
    assert_int_equal(chmod(e->state_dir, 0700), 0);
    snprintf(e->proc, sizeof(e->proc), "%s/resources/proc", fx ? fx : "tests/unit/fixtures");
    assert_int_equal(hf_settings_init(&e->s, &hf_check_resources), 0);
    set(&e->s, "state-dir", e->state_dir);
    set(&e->s, "proc", e->proc);
    set(&e->s, "path", e->dir);
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

/* The fixture's memory finding: the check evaluated. */
static void assert_evaluated(const hf_report *r)
{
    const hf_finding *f = need_code(r, "resources.memory");

    assert_string_equal(f->text, "memory 75.0% used");
    assert_int_equal(nperf(r), 11);
}

/* One state.reset WARNING naming the file and saying why. */
static void assert_reset(const hf_report *r, const char *path, const char *why)
{
    const hf_finding *f = need_code(r, "state.reset");
    char want[HF_PATH_MAX + 128];

    assert_int_equal(count_code(r, "state.reset"), 1);
    assert_int_equal(f->state, HF_WARNING);
    assert_string_equal(f->object, "");
    snprintf(want, sizeof(want), "%s: %s; starting afresh", path, why);
    assert_true(strncmp(f->text, want, strlen(want)) == 0);   /* a directory: "(... moved aside ...)" follows */
}

static void test_run_once_state(void **state)
{
    run_env e;
    hf_report r;
    hf_resources_memory mem = {.cpu = {.valid = true, .total = 9000, .idle = 8000}}, back = {0};
    char err[HF_ERR_MAX];
    struct stat sb;

    (void)state;
    env_make(&e);
    assert_non_null(strstr(e.path, "/state/resources-"));
    run(&e, &r);                                /* no file yet: a first run, quietly */
    assert_int_equal(r.state, HF_OK);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    assert_string_equal(need_code(&r, "resources.cpu")->text, "cpu unknown");   /* the fixture stands still */
    assert_evaluated(&r);
    hf_report_free(&r);
    assert_int_equal(hf_resources_memory_load(&back, e.path, err, sizeof(err)), 0);
    assert_true(back.cpu.valid && back.cpu.total == 10000 && back.cpu.idle == 8000);
    /* a previous sample 1000 jiffies ago, 0 of them idle: 100 % busy */
    assert_int_equal(hf_resources_memory_save(&mem, e.path, err, sizeof(err)), 0);
    run(&e, &r);
    assert_int_equal(r.state, HF_CRITICAL);
    assert_string_equal(need_code(&r, "resources.cpu")->text, "cpu 100.0% busy (critical > 95)");
    hf_report_free(&r);
    assert_int_equal(stat(e.path, &sb), 0);
    assert_int_equal(sb.st_mode & 0037, 0);     /* 0640 at most */
    env_free(&e);
}

static void test_run_once_truncated(void **state)
{
    run_env e;
    hf_report r;
    hf_resources_memory back = {0};
    char err[HF_ERR_MAX];

    (void)state;
    env_make(&e);
    write_file(e.path, "cpu 9000 8", 10);        /* cut off mid-line */
    run(&e, &r);
    assert_reset(&r, e.path, "truncated or not a state file (no end marker)");
    assert_int_equal(r.state, HF_WARNING);
    assert_evaluated(&r);
    hf_report_free(&r);
    assert_int_equal(hf_resources_memory_load(&back, e.path, err, sizeof(err)), 0);   /* rebuilt */
    assert_true(back.cpu.valid);
    run(&e, &r);
    assert_int_equal(count_code(&r, "state.reset"), 0);
    hf_report_free(&r);
    env_free(&e);
}

static void test_run_once_garbage(void **state)
{
    run_env e;
    hf_report r;
    char junk[600];

    (void)state;
    env_make(&e);
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7919 + 13);
    write_file(e.path, junk, sizeof(junk));
    run(&e, &r);
    assert_int_equal(count_code(&r, "state.reset"), 1);
    assert_non_null(strstr(need_code(&r, "state.reset")->text, e.path));
    assert_evaluated(&r);
    hf_report_free(&r);
    write_file(e.path, "cpu 9000 8000\nend 0123456789abcdef\n", 35);    /* a wrong checksum */
    run(&e, &r);
    assert_reset(&r, e.path, "damaged (checksum mismatch)");
    assert_evaluated(&r);
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
    assert_evaluated(&r);
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

/* A state directory others can write: refused, the check still runs. */
static void test_run_once_loose_directory(void **state)
{
    run_env e;
    hf_report r;

    (void)state;
    env_make(&e);
    assert_int_equal(chmod(e.state_dir, 0777), 0);
    run(&e, &r);
    assert_int_equal(count_code(&r, "state.directory"), 1);
    assert_int_equal(r.state, HF_UNKNOWN);
    assert_evaluated(&r);
    hf_report_free(&r);
    assert_int_equal(access(e.path, F_OK), -1);
    env_free(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_table),
        cmocka_unit_test(test_ok),
        cmocka_unit_test(test_unknown_values_are_ok),
        cmocka_unit_test(test_warning),
        cmocka_unit_test(test_critical),
        cmocka_unit_test(test_probe_failed),
        cmocka_unit_test(test_eval_probe_failed),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_run_once_state),
        cmocka_unit_test(test_run_once_truncated),
        cmocka_unit_test(test_run_once_garbage),
        cmocka_unit_test(test_run_once_directory),
        cmocka_unit_test(test_run_once_loose_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
