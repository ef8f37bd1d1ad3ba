/* Unit tests: hf_process, over the fixture /proc and cgroup trees of
 * tests/unit/fixtures/process (regenerate with make-fixtures.py there). */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_defaults.h"
#include "hf_process.h"

static char fx[1024];                   /* fixtures/process */
static char proc_dir[HF_PATH_MAX];
static long pg, tck;

static const hf_process_service_cfg five[] = {
    {.name = "api-gateway"}, {.name = "api-gateway-grpc"}, {.name = "auth-service"},
    {.name = "inference-pool"}, {.name = "monitoring"},
};

static int setup(void **state)
{
    const char *f = getenv("HF_FIXTURES");

    (void)state;
    snprintf(fx, sizeof(fx), "%s/process", f ? f : "tests/unit/fixtures");
    snprintf(proc_dir, sizeof(proc_dir), "%s/proc", fx);
    pg = sysconf(_SC_PAGESIZE);
    tck = sysconf(_SC_CLK_TCK);
    return 0;
}

static hf_process_cfg base_cfg(const hf_process_service_cfg *svc, size_t n)
{
    hf_process_cfg c = {.proc_dir = proc_dir, .no_cgroup = true, .services = svc, .nservices = n};
    return c;
}

static char *fxpath(char *buf, const char *rel)
{
    snprintf(buf, HF_PATH_MAX, "%s/%s", fx, rel);
    return buf;
}

static void test_stat_parse(void **state)
{
    hf_process_stat st;

    (void)state;
    assert_int_equal(hf_process_stat_parse("102 (api gw) (x) R 1 102 102 0 -1 4194560 100 0 0 0 10 11 0 0 "
                                           "20 0 2 0 1100 10485760 50 18446744073709551615 1 1\n", &st), 0);
    assert_string_equal(st.comm, "api gw) (x");
    assert_int_equal(st.state, 'R');
    assert_int_equal(st.ppid, 1);
    assert_int_equal(st.utime, 10);
    assert_int_equal(st.stime, 11);
    assert_int_equal(st.num_threads, 2);
    assert_int_equal(st.starttime, 1100);
    assert_int_equal(st.rss_pages, 50);
    assert_int_equal(hf_process_stat_parse("7 () S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 0 3", &st), 0);
    assert_string_equal(st.comm, "");
    assert_int_equal(hf_process_stat_parse("7 (x)) S 1 1 1 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 5 0 3", &st), 0);
    assert_string_equal(st.comm, "x)");
    /* malformed: no ')', truncated, junk in a number, nothing after comm */
    assert_int_equal(hf_process_stat_parse("7 (x S 1 1", &st), -EINVAL);
    assert_int_equal(hf_process_stat_parse("7 (x) S 1 1 1 0", &st), -EINVAL);
    assert_int_equal(hf_process_stat_parse("7 (x) S 1 1 1 0 -1 0 0 0 0 0 1q 2 0 0 20 0 1 0 5 0 3", &st), -EINVAL);
    assert_int_equal(hf_process_stat_parse("7 (x)", &st), -EINVAL);
    assert_int_equal(hf_process_stat_parse("", &st), -EINVAL);
}

static void test_scan_exact_identity(void **state)
{
    hf_process_cfg c = base_cfg(five, 5);
    hf_process_result r;
    const hf_process_service *s;

    (void)state;
    assert_int_equal(hf_process_probe(&c, NULL, &r), 0);
    assert_int_equal(r.nservices, 5);
    assert_int_equal(r.scanned, 13);    /* numeric entries only */
    /* api-gateway: 100, 101, 102 - not /somewhere/else, not sleep's argv, not .old */
    s = &r.services[0];
    assert_string_equal(s->name, "api-gateway");
    assert_string_equal(s->exe, "/opt/helixflow/bin/api-gateway");
    assert_int_equal(s->source, HF_PROCESS_SRC_SCAN);
    assert_int_equal(s->count, 3);
    assert_int_equal(s->npids, 3);
    assert_int_equal(s->pids[0], 100);
    assert_int_equal(s->pids[1], 101);
    assert_int_equal(s->pids[2], 102);
    assert_int_equal(s->main_pid, 100);
    assert_int_equal(s->main_start_ticks, 1000);
    assert_int_equal(s->rss_bytes, (uint64_t)(100 + 50 + 25) * (uint64_t)pg);     /* resident pages */
    assert_true(fabs(s->cpu_seconds - 370.0 / (double)tck) < 1e-9);
    assert_int_equal(s->threads, 6);
    assert_int_equal(s->fds, 10);
    assert_true(fabs(s->start_time - (1700000000.0 + 1000.0 / (double)tck)) < 1e-6);
    assert_true(s->uptime_s > 0);
    assert_false(s->exe_deleted);
    assert_string_equal(s->note, "");
    /* the similarly named service: its own process only, the zombie left out, fd unreadable */
    s = &r.services[1];
    assert_int_equal(s->count, 1);
    assert_int_equal(s->main_pid, 200);
    assert_int_equal(s->fds, -1);
    assert_int_equal(s->threads, 5);
    /* 302; not 303 (no exe: never by argv), not 304 (python3 with argv[0] bait) */
    s = &r.services[2];
    assert_int_equal(s->count, 1);
    assert_int_equal(s->main_pid, 302);
    /* " (deleted)" stripped and flagged */
    s = &r.services[3];
    assert_int_equal(s->count, 1);
    assert_int_equal(s->main_pid, 400);
    assert_true(s->exe_deleted);
    /* vanished mid-scan: 0 processes, reported, not an error */
    s = &r.services[4];
    assert_int_equal(s->count, 0);
    assert_int_equal(s->main_pid, 0);
    assert_int_equal(s->source, HF_PROCESS_SRC_NONE);
    assert_true(isnan(s->uptime_s));
    assert_string_equal(r.error, "");
    hf_process_result_free(&r);
}

static void test_exe_override_and_root(void **state)
{
    hf_process_service_cfg svc[] = {
        {.name = "gw", .exe = "/somewhere/else/bin/api-gateway"},
        {.name = "api-gateway"},
    };
    hf_process_cfg c = base_cfg(svc, 2);
    hf_process_result r;

    (void)state;
    c.root = "/nonexistent-root";       /* moves the default exe path, not /proc */
    assert_int_equal(hf_process_probe(&c, NULL, &r), 0);
    assert_int_equal(r.services[0].count, 1);
    assert_int_equal(r.services[0].main_pid, 300);
    assert_string_equal(r.services[1].exe, "/nonexistent-root/opt/helixflow/bin/api-gateway");
    assert_int_equal(r.services[1].count, 0);
    hf_process_result_free(&r);
}

static void test_cgroup_source(void **state)
{
    char cg[HF_PATH_MAX];
    hf_process_cfg c = base_cfg(five, 5);
    hf_process_result r;
    const hf_process_service *s;

    (void)state;
    c.no_cgroup = false;
    c.cgroup_mount = fxpath(cg, "cgroup");
    assert_int_equal(hf_process_probe(&c, NULL, &r), 0);
    s = &r.services[0];
    assert_int_equal(s->source, HF_PROCESS_SRC_CGROUP);
    assert_non_null(strstr(s->source_path, "/cgroup/system.slice/helixflow-api-gateway.service/cgroup.procs"));
    assert_int_equal(s->count, 2);      /* the unit's processes: 102 is not in it */
    assert_int_equal(s->main_pid, 100); /* the oldest */
    assert_int_equal(r.services[1].source, HF_PROCESS_SRC_SCAN);       /* no unit: scan */
    assert_int_equal(r.services[1].count, 1);
    s = &r.services[2];                 /* unit at the mount's top; 777 vanished */
    assert_int_equal(s->source, HF_PROCESS_SRC_CGROUP);
    assert_int_equal(s->count, 1);
    assert_int_equal(s->main_pid, 302);
    s = &r.services[3];                 /* hybrid layout, deleted exe still flagged */
    assert_int_equal(s->source, HF_PROCESS_SRC_CGROUP);
    assert_non_null(strstr(s->source_path, "/unified/system.slice/"));
    assert_true(s->exe_deleted);
    assert_int_equal(r.services[4].count, 0);   /* empty unit cgroup: scan finds nothing */
    hf_process_result_free(&r);
}

static void test_cgroup_no_scan_when_all_settled(void **state)
{
    char cg[HF_PATH_MAX], extra[HF_PATH_MAX];
    hf_process_service_cfg svc[] = {{.name = "api-gateway"}, {.name = "api-gateway-grpc"}};
    hf_process_cfg c = base_cfg(svc, 2);
    hf_process_result r;

    (void)state;
    c.no_cgroup = false;
    c.cgroup_mount = fxpath(cg, "cgroup");
    c.cgroup_path = fxpath(extra, "cgroup-extra");
    assert_int_equal(hf_process_probe(&c, NULL, &r), 0);
    assert_int_equal(r.scanned, 0);
    assert_int_equal(r.services[0].count, 2);
    assert_int_equal(r.services[1].source, HF_PROCESS_SRC_CGROUP);
    assert_int_equal(r.services[1].count, 1);
    hf_process_result_free(&r);
}

static void test_cgroup_malformed(void **state)
{
    char cg[HF_PATH_MAX];
    hf_process_cfg c = base_cfg(five, 1);
    hf_process_result r;

    (void)state;
    c.no_cgroup = false;
    c.cgroup_mount = fxpath(cg, "cgroup-bad");
    assert_int_equal(hf_process_probe(&c, NULL, &r), 0);
    assert_int_equal(r.services[0].source, HF_PROCESS_SRC_SCAN);
    assert_int_equal(r.services[0].count, 3);
    assert_non_null(strstr(r.services[0].note, "helixflow-api-gateway.service/cgroup.procs: not a list of pids"));
    hf_process_result_free(&r);
}

static void probe_pidfile(const char *file, hf_process_result *r)
{
    char pf[HF_PATH_MAX], rel[64];
    hf_process_service_cfg svc[] = {{.name = "api-gateway"}};
    hf_process_cfg c = base_cfg(svc, 1);

    snprintf(rel, sizeof(rel), "run/%s", file);
    svc[0].pidfile = fxpath(pf, rel);
    assert_int_equal(hf_process_probe(&c, NULL, r), 0);
}

static void test_pidfile(void **state)
{
    hf_process_result r;

    (void)state;
    probe_pidfile("api-gateway.pid", &r);       /* names a worker: it is the main pid */
    assert_int_equal(r.services[0].source, HF_PROCESS_SRC_PIDFILE);
    assert_int_equal(r.services[0].main_pid, 101);
    assert_int_equal(r.services[0].count, 3);
    assert_string_equal(r.services[0].note, "");
    hf_process_result_free(&r);

    probe_pidfile("stale.pid", &r);
    assert_int_equal(r.services[0].source, HF_PROCESS_SRC_SCAN);
    assert_int_equal(r.services[0].main_pid, 100);
    assert_int_equal(r.services[0].count, 3);
    assert_non_null(strstr(r.services[0].note, "run/stale.pid: stale, pid 999 is not running"));
    hf_process_result_free(&r);

    probe_pidfile("other.pid", &r);
    assert_non_null(strstr(r.services[0].note, "run/other.pid: stale, pid 300 runs /somewhere/else/bin/api-gateway"));
    assert_int_equal(r.services[0].main_pid, 100);
    hf_process_result_free(&r);

    probe_pidfile("garbage.pid", &r);
    assert_non_null(strstr(r.services[0].note, "run/garbage.pid: no pid in it"));
    hf_process_result_free(&r);
    probe_pidfile("empty.pid", &r);
    assert_non_null(strstr(r.services[0].note, "run/empty.pid: no pid in it"));
    hf_process_result_free(&r);
    probe_pidfile("", &r);                      /* run/ itself: a directory */
    assert_non_null(strstr(r.services[0].note, "/run/: not a regular file"));
    hf_process_result_free(&r);
    probe_pidfile("missing.pid", &r);
    assert_non_null(strstr(r.services[0].note, "run/missing.pid: No such file or directory"));
    assert_int_equal(r.services[0].count, 3);
    hf_process_result_free(&r);
}

static void test_restart_memory(void **state)
{
    hf_process_cfg c = base_cfg(five, 5);
    hf_process_memory mem = {0};
    hf_process_result r;

    (void)state;
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_false(r.services[0].restarted);
    assert_int_equal(mem.n, 4);                 /* monitoring is down: no entry */
    hf_process_result_free(&r);
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    for (size_t i = 0; i < 5; i++)
        assert_false(r.services[i].restarted);
    hf_process_result_free(&r);

    assert_string_equal(mem.entries[0].name, "api-gateway");
    mem.entries[0].main_pid = 42;               /* another main pid last time */
    mem.entries[1].start_ticks = 1;             /* same pid, other start: pid reuse */
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_true(r.services[0].restarted);
    assert_int_equal(r.services[0].prev_main_pid, 42);
    assert_int_equal(r.services[0].main_pid, 100);
    assert_true(r.services[1].restarted);
    assert_int_equal(r.services[1].prev_main_pid, 200);
    assert_false(r.services[2].restarted);
    assert_int_equal(mem.entries[0].main_pid, 100);
    hf_process_result_free(&r);
    hf_process_memory_free(&mem);
    hf_process_memory_free(NULL);
}

/* path := text and its end marker (hf_seal_append). */
static void write_sealed(const char *path, const char *text)
{
    hf_buf b = {0};

    hf_buf_printf(&b, "%s", text);
    hf_seal_append(&b);
    assert_int_equal(hf_file_write_atomic(path, b.s, b.len, NULL, 0), 0);
    hf_buf_free(&b);
}

static void test_memory_file(void **state)
{
    char dir[] = "/tmp/hf-test-process-XXXXXX", path[HF_PATH_MAX], err[HF_ERR_MAX];
    hf_process_memory mem = {0}, back = {0};
    hf_process_cfg c = base_cfg(five, 5);
    hf_process_result r;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/service.state", dir);
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), 0);   /* missing: fine */
    assert_int_equal(back.n, 0);
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    hf_process_result_free(&r);
    assert_int_equal(hf_process_memory_save(&mem, path, err, sizeof(err)), 0);
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), 0);
    assert_int_equal(back.n, mem.n);
    for (size_t i = 0; i < mem.n; i++) {
        assert_string_equal(back.entries[i].name, mem.entries[i].name);
        assert_int_equal(back.entries[i].main_pid, mem.entries[i].main_pid);
        assert_int_equal(back.entries[i].start_ticks, mem.entries[i].start_ticks);
    }
    hf_process_memory_free(&back);

    /* no end marker (truncated, or not ours): refused before any line is used */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("# helixflow-monitoring process memory v1\napi-gateway 12 34\n", f);
    fclose(f);
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "service.state: truncated or not a state file (no end marker)"));
    hf_process_memory_free(&back);
    /* a sealed file with a bad line names the line */
    write_sealed(path, "# helixflow-monitoring process memory v1\napi-gateway 12 34\nauth-service abc 1\n");
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "service.state:3: not a \"service pid ticks\" line"));
    hf_process_memory_free(&back);
    write_sealed(path, "api-gateway 12 34 extra\n");
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "service.state:1:"));
    hf_process_memory_free(&back);
    /* one byte changed: checksum mismatch */
    write_sealed(path, "api-gateway 12 34\n");
    f = fopen(path, "r+");
    assert_non_null(f);
    fputc('b', f);
    fclose(f);
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "checksum mismatch"));
    hf_process_memory_free(&back);

    snprintf(path, sizeof(path), "%s/no/such/dir/state", dir);
    assert_true(hf_process_memory_save(&mem, path, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "no/such/dir/state"));
    snprintf(path, sizeof(path), "%s/service.state", dir);
    unlink(path);
    rmdir(dir);
    hf_process_memory_free(&mem);
}

/* An outage the memory saw (main pid 0): the return is no surprise restart
 * but is counted; a service found down gets main pid 0; "name 0 0" loads
 * (a negative pid does not). */
static void test_restart_memory_outage(void **state)
{
    char dir[] = "/tmp/hf-test-process-XXXXXX", path[HF_PATH_MAX], err[HF_ERR_MAX];
    hf_process_cfg c = base_cfg(five, 5);
    hf_process_memory mem = {0}, back = {0};
    hf_process_result r;

    (void)state;
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    hf_process_result_free(&r);
    mem.entries[0].main_pid = 0;                /* api-gateway: seen down last time */
    mem.entries[0].start_ticks = 0;
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_false(r.services[0].restarted);      /* back: a recovery */
    assert_int_equal(r.services[0].restarts, 1);
    assert_int_equal(mem.entries[0].main_pid, 100);
    assert_int_equal(r.services[1].restarts, 0);
    hf_process_result_free(&r);
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_int_equal(r.services[0].restarts, 1);    /* counted once */
    hf_process_result_free(&r);
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/service.state", dir);
    /* monitoring is down in the fixture: its entry gets main pid 0 */
    write_sealed(path, "monitoring 42 7\n");
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), 0);
    assert_int_equal(hf_process_probe(&c, &back, &r), 0);
    assert_string_equal(back.entries[0].name, "monitoring");
    assert_int_equal(back.entries[0].main_pid, 0);
    assert_int_equal(back.entries[0].start_ticks, 0);
    hf_process_result_free(&r);
    hf_process_memory_free(&back);

    write_sealed(path, "api-gateway 0 0\n");
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), 0);
    assert_int_equal(back.n, 1);
    assert_int_equal(back.entries[0].main_pid, 0);
    hf_process_memory_free(&back);
    write_sealed(path, "api-gateway -1 0\n");
    assert_int_equal(hf_process_memory_load(&back, path, err, sizeof(err)), -EINVAL);
    hf_process_memory_free(&back);
    unlink(path);
    rmdir(dir);
    hf_process_memory_free(&mem);
}

/* A long-running front-end's memory: the pids of the last full scan are
 * re-checked instead of scanning /proc (scanned 0) while every service has
 * some and they hold; a reused pid, an old scan or a service found down
 * scans again. */
static void test_known_pids(void **state)
{
    hf_process_cfg c = base_cfg(five, 4), c5 = base_cfg(five, 5);
    hf_process_memory mem = {0};
    hf_process_result r;
    long counts[4];

    (void)state;
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_int_equal(r.scanned, 13);
    for (size_t i = 0; i < 4; i++)
        counts[i] = r.services[i].count;
    hf_process_result_free(&r);
    assert_true(mem.nknown > 0);
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_int_equal(r.scanned, 0);             /* the known pids, re-checked */
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(r.services[i].count, counts[i]);
    assert_false(r.services[0].restarted);
    hf_process_result_free(&r);
    mem.known[0].start_ticks++;                 /* as if the pid had been reused */
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_int_equal(r.scanned, 13);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(r.services[i].count, counts[i]);
    hf_process_result_free(&r);
    mem.known_at -= HF_PROCESS_RESCAN_S;        /* the last full scan is too old */
    assert_int_equal(hf_process_probe(&c, &mem, &r), 0);
    assert_int_equal(r.scanned, 13);
    hf_process_result_free(&r);
    hf_process_memory_free(&mem);
    /* monitoring is down in the fixture: every probe scans for its return */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(hf_process_probe(&c5, &mem, &r), 0);
        assert_int_equal(r.scanned, 13);
        hf_process_result_free(&r);
    }
    hf_process_memory_free(&mem);
}

static void test_bad_config(void **state)
{
    hf_process_service_cfg bad[] = {{.name = "a b"}};
    hf_process_service_cfg dup[] = {{.name = "x", .exe = "/bin/true"}, {.name = "y", .exe = "/bin/true"}};
    hf_process_service_cfg rel[] = {{.name = "x", .exe = "bin/x"}};
    hf_process_cfg c = base_cfg(five, 0);
    hf_process_result r;

    (void)state;
    assert_int_equal(hf_process_probe(&c, NULL, &r), -EINVAL);
    assert_non_null(strstr(r.error, "services must be configured"));
    hf_process_result_free(&r);
    c = base_cfg(bad, 1);
    assert_int_equal(hf_process_probe(&c, NULL, &r), -EINVAL);
    assert_string_equal(r.error, "service name 'a b' is invalid (letters, digits, '.', '_', '-')");
    hf_process_result_free(&r);
    c = base_cfg(dup, 2);
    assert_int_equal(hf_process_probe(&c, NULL, &r), -EINVAL);
    assert_non_null(strstr(r.error, "services x and y have the same executable"));
    hf_process_result_free(&r);
    c = base_cfg(rel, 1);
    assert_int_equal(hf_process_probe(&c, NULL, &r), -EINVAL);
    hf_process_result_free(&r);
    c = base_cfg(five, 5);
    c.unit_fmt = "helixflow-%d.service";
    assert_int_equal(hf_process_probe(&c, NULL, &r), -EINVAL);
    assert_non_null(strstr(r.error, "unit name format"));
    hf_process_result_free(&r);
    c = base_cfg(five, 5);
    c.proc_dir = "/nonexistent/proc";
    assert_int_equal(hf_process_probe(&c, NULL, &r), -ENOENT);
    assert_string_equal(r.error, "/nonexistent/proc: No such file or directory");
    hf_process_result_free(&r);
    hf_process_result_free(NULL);
}

/* The real /proc: this test program is found by its own executable. */
static void test_real_proc_self(void **state)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    hf_process_service_cfg svc[] = {{.name = "self", .exe = exe}};
    hf_process_cfg c = {.services = svc, .nservices = 1, .timeout_ms = 5000};
    hf_process_result r;
    bool found = false;

    (void)state;
    assert_true(n > 0);
    exe[n] = '\0';
    assert_int_equal(hf_process_probe(&c, NULL, &r), 0);
    assert_true(r.services[0].count >= 1);
    for (size_t i = 0; i < r.services[0].npids; i++)
        found |= r.services[0].pids[i] == getpid();
    assert_true(found);
    assert_true(r.services[0].rss_bytes > 0);
    assert_true(r.services[0].fds >= 3);
    assert_true(r.services[0].uptime_s >= 0 && r.services[0].uptime_s < 3600);
    hf_process_result_free(&r);
}

/* Wait until pid runs path (exec done). */
/* pid has exec'd path: its exe link names it and its argv (which the kernel
 * sets up after switching exe) is in place, so an unprivileged reader of
 * cmdline sees it too. */
static bool wait_exec(pid_t pid, const char *path)
{
    char link[64], buf[HF_PATH_MAX];

    for (int i = 0; i < 400; i++) {
        snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
        ssize_t n = readlink(link, buf, sizeof(buf) - 1);
        if (n > 0 && (buf[n] = '\0', strcmp(buf, path) == 0)) {
            char *cmd = NULL;
            snprintf(link, sizeof(link), "/proc/%d/cmdline", (int)pid);
            bool argv_ready = hf_file_read(link, 1 << 16, &cmd) > 0;
            free(cmd);
            if (argv_ready)
                return true;
        }
        usleep(5000);
    }
    return false;
}

/* Unprivileged: a root process's exe is EACCES; argv[0] decides, exactly. */
static void test_unprivileged_argv0_fallback(void **state)
{
    char dir[] = "/tmp/hf-test-argv0-XXXXXX", path[HF_PATH_MAX], *bin = NULL;
    long n;
    FILE *f;
    pid_t exact, other, child;
    int st;

    (void)state;
    if (geteuid() != 0)
        skip();
    assert_non_null(mkdtemp(dir));
    chmod(dir, 0755);
    snprintf(path, sizeof(path), "%s/hfsleep", dir);
    n = hf_file_read("/bin/sleep", 16 << 20, &bin);
    assert_true(n > 0);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(bin, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    free(bin);
    chmod(path, 0755);
    if ((exact = fork()) == 0) {
        execl(path, path, "30", (char *)NULL);
        _exit(127);
    }
    if ((other = fork()) == 0) {
        execl(path, "hfsleep", "30", (char *)NULL);
        _exit(127);
    }
    assert_true(wait_exec(exact, path) && wait_exec(other, path));
    if ((child = fork()) == 0) {
        hf_process_service_cfg svc[] = {{.name = "hfsleep", .exe = path}};
        hf_process_cfg c = {.services = svc, .nservices = 1, .no_cgroup = true};
        hf_process_result r;
        int bad;
        if (setgid(65534) < 0 || setuid(65534) < 0)
            _exit(10);
        if (hf_process_probe(&c, NULL, &r) < 0)
            _exit(11);
        bad = r.services[0].count != 1 ? 12 : r.services[0].pids[0] != exact ? 13
            : r.services[0].fds != -1 ? 14 : 0;
        hf_process_result_free(&r);
        _exit(bad);
    }
    assert_int_equal(waitpid(child, &st, 0), child);
    kill(exact, SIGKILL);
    kill(other, SIGKILL);
    waitpid(exact, NULL, 0);
    waitpid(other, NULL, 0);
    unlink(path);
    rmdir(dir);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void *probe_thread(void *arg)
{
    hf_process_cfg c = base_cfg(five, 5);
    hf_process_result r;
    long ok = 1;

    (void)arg;
    for (int i = 0; i < 50 && ok; i++) {
        ok = hf_process_probe(&c, NULL, &r) == 0 && r.services[0].count == 3 && r.services[3].exe_deleted;
        hf_process_result_free(&r);
    }
    return (void *)ok;
}

static void test_threads(void **state)
{
    pthread_t t[4];
    void *ok;

    (void)state;
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, probe_thread, NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(t[i], &ok), 0);
        assert_true(ok == (void *)1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat_parse),
        cmocka_unit_test(test_scan_exact_identity),
        cmocka_unit_test(test_exe_override_and_root),
        cmocka_unit_test(test_cgroup_source),
        cmocka_unit_test(test_cgroup_no_scan_when_all_settled),
        cmocka_unit_test(test_cgroup_malformed),
        cmocka_unit_test(test_pidfile),
        cmocka_unit_test(test_restart_memory),
        cmocka_unit_test(test_memory_file),
        cmocka_unit_test(test_restart_memory_outage),
        cmocka_unit_test(test_known_pids),
        cmocka_unit_test(test_bad_config),
        cmocka_unit_test(test_real_proc_self),
        cmocka_unit_test(test_unprivileged_argv0_fallback),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
