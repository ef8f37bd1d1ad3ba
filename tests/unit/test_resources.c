/* Unit tests: hf_resources, over fixture proc files in
 * tests/unit/fixtures/resources/proc* (meminfo, loadavg, stat). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_resources.h"

static char fx[1024];

static int setup(void **state)
{
    const char *f = getenv("HF_FIXTURES");

    (void)state;
    snprintf(fx, sizeof(fx), "%s/resources", f ? f : "tests/unit/fixtures");
    return 0;
}

static char *fxpath(char *buf, const char *rel)
{
    snprintf(buf, HF_PATH_MAX, "%s/%s", fx, rel);
    return buf;
}

static void test_meminfo(void **state)
{
    hf_resources_result r;
    char err[HF_ERR_MAX];

    (void)state;
    memset(&r, 0, sizeof(r));
    assert_int_equal(hf_resources_parse_meminfo("MemTotal:       16384000 kB\nMemFree:  1024000 kB\n"
                                                "MemAvailable:    4096000 kB\nSwapTotal: 2097148 kB\n"
                                                "SwapFree: 1048574 kB\nHugePages_Total:  0\n",
                                                &r, err, sizeof(err)), 0);
    /* kB are KiB: bytes = kB * 1024 */
    assert_int_equal(r.mem_total, 16384000ull * 1024);
    assert_int_equal(r.mem_available, 4096000ull * 1024);
    assert_int_equal(r.mem_used, 12288000ull * 1024);
    assert_true(fabs(r.mem_used_pct - 75.0) < 1e-9);
    assert_false(r.mem_estimated);
    assert_int_equal(r.swap_total, 2097148ull * 1024);
    assert_int_equal(r.swap_used, 1048574ull * 1024);

    /* no MemAvailable (kernel < 3.14): MemFree + Buffers + Cached */
    memset(&r, 0, sizeof(r));
    assert_int_equal(hf_resources_parse_meminfo("MemTotal: 2000000 kB\nMemFree: 500000 kB\nBuffers: 100000 kB\n"
                                                "Cached: 400000 kB\n", &r, err, sizeof(err)), 0);
    assert_true(r.mem_estimated);
    assert_int_equal(r.mem_used, 1000000ull * 1024);
    assert_true(fabs(r.mem_used_pct - 50.0) < 1e-9);
}

static void test_meminfo_bad(void **state)
{
    hf_resources_result r;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_resources_parse_meminfo("MemTotal: 100 kB\nMemAvailable: 12x kB\n", &r, err, sizeof(err)),
                     -EINVAL);
    assert_string_equal(err, "line 2: malformed MemAvailable value");
    assert_int_equal(hf_resources_parse_meminfo("MemTotal: 100 MB\n", &r, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "line 1: malformed MemTotal value");
    assert_int_equal(hf_resources_parse_meminfo("MemFree: 100 kB\n", &r, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "no MemTotal line");
    assert_int_equal(hf_resources_parse_meminfo("MemTotal: 0 kB\n", &r, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_resources_parse_meminfo("", &r, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_resources_parse_meminfo("MemTotal: 99999999999999999999 kB\n", &r, err, sizeof(err)),
                     -EINVAL);
}

static void test_loadavg(void **state)
{
    hf_resources_result r;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_resources_parse_loadavg("3.00 2.50 2.00 3/400 12345\n", &r, err, sizeof(err)), 0);
    assert_true(r.load1 == 3.0 && r.load5 == 2.5 && r.load15 == 2.0);
    assert_int_equal(hf_resources_parse_loadavg("abc", &r, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "line 1: expected"));
    assert_int_equal(hf_resources_parse_loadavg("nan 1 1 1/1 1", &r, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_resources_parse_loadavg("-1 1 1 1/1 1", &r, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_resources_parse_loadavg("1 1 1", &r, err, sizeof(err)), -EINVAL);
    assert_int_equal(hf_resources_parse_loadavg("", &r, err, sizeof(err)), -EINVAL);
}

static void test_stat_and_cpu_busy(void **state)
{
    hf_cpu_sample a, b, bad = {0};
    long ncpu = 0;
    char err[HF_ERR_MAX];

    (void)state;
    assert_int_equal(hf_resources_parse_stat("cpu  1000 0 1000 8000 0 0 0 0 0 0\ncpu0 1 1 1 1\ncpu1 1 1 1 1\n"
                                             "intr 1\n", &a, &ncpu, err, sizeof(err)), 0);
    assert_int_equal(ncpu, 2);
    assert_true(a.valid);
    assert_int_equal(a.total, 10000);
    assert_int_equal(a.idle, 8000);
    assert_int_equal(hf_resources_parse_stat("cpu  1300 0 1200 8400 100 0 0 0 0 0\n", &b, &ncpu, err, sizeof(err)), 0);
    assert_int_equal(ncpu, 0);
    assert_true(fabs(hf_resources_cpu_busy(&a, &b) - 50.0) < 1e-9);
    /* no previous sample, counters reset (reboot), no time passed */
    assert_true(isnan(hf_resources_cpu_busy(&bad, &b)));
    assert_true(isnan(hf_resources_cpu_busy(&b, &a)));
    assert_true(isnan(hf_resources_cpu_busy(&a, &a)));
    assert_true(isnan(hf_resources_cpu_busy(NULL, &a)));
    assert_int_equal(hf_resources_parse_stat("intr 1\nctxt 2\n", &a, &ncpu, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "no \"cpu\" line");
    assert_int_equal(hf_resources_parse_stat("cpu  1 x\n", &a, &ncpu, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "line 1: malformed \"cpu\" line");
}

static void test_probe_fixture(void **state)
{
    char proc[HF_PATH_MAX], later[HF_PATH_MAX], path[HF_PATH_MAX];
    hf_resources_cfg c = {.proc_dir = fxpath(proc, "proc"), .path = fx};
    hf_resources_memory mem = {0};
    hf_resources_result r;

    (void)state;
    assert_int_equal(hf_resources_probe(&c, &mem, &r), 0);
    assert_true(fabs(r.mem_used_pct - 75.0) < 1e-9);
    assert_int_equal(r.ncpu, 4);
    assert_true(fabs(r.load1_per_core - 0.75) < 1e-9);
    assert_true(isnan(r.cpu_busy_pct));         /* first call: unknown */
    assert_true(mem.cpu.valid);
    assert_string_equal(r.fs_path, fx);
    assert_true(r.fs_total > 0 && r.fs_used <= r.fs_total);
    assert_true(r.fs_used_pct >= 0 && r.fs_used_pct <= 100);
    c.proc_dir = fxpath(later, "proc-later");
    assert_int_equal(hf_resources_probe(&c, &mem, &r), 0);
    assert_true(fabs(r.cpu_busy_pct - 50.0) < 1e-9);
    /* no memory given: no cpu */
    assert_int_equal(hf_resources_probe(&c, NULL, &r), 0);
    assert_true(isnan(r.cpu_busy_pct));

    /* a missing deployment dir: the nearest existing parent */
    snprintf(path, sizeof(path), "%s/no/such/dir", fx);
    c.path = path;
    assert_int_equal(hf_resources_probe(&c, NULL, &r), 0);
    assert_string_equal(r.fs_path, fx);
    /* the default path moves with root */
    c.path = NULL;
    c.root = fx;
    assert_int_equal(hf_resources_probe(&c, NULL, &r), 0);
    assert_string_equal(r.fs_path, fx);
}

static void test_probe_old_kernel_and_errors(void **state)
{
    char proc[HF_PATH_MAX];
    hf_resources_cfg c = {.proc_dir = fxpath(proc, "proc-oldkernel"), .path = "/"};
    hf_resources_result r;

    (void)state;
    assert_int_equal(hf_resources_probe(&c, NULL, &r), 0);
    assert_true(r.mem_estimated);
    assert_true(fabs(r.mem_used_pct - 50.0) < 1e-9);
    assert_true(r.ncpu >= 1);                   /* no cpuN lines: sysconf */
    assert_string_equal(r.fs_path, "/");

    c.proc_dir = fxpath(proc, "proc-bad");
    assert_int_equal(hf_resources_probe(&c, NULL, &r), -EINVAL);
    assert_non_null(strstr(r.error, "/proc-bad/meminfo: line 2: malformed MemAvailable value"));
    c.proc_dir = "/nonexistent/proc";
    assert_int_equal(hf_resources_probe(&c, NULL, &r), -ENOENT);
    assert_string_equal(r.error, "/nonexistent/proc/meminfo: No such file or directory");
    c.proc_dir = fxpath(proc, "proc");
    c.path = "relative/dir";
    assert_int_equal(hf_resources_probe(&c, NULL, &r), -ENOENT);
    assert_non_null(strstr(r.error, "relative"));
}

/* Write text to path, sealed (end marker) or not. */
static void write_state(const char *path, const char *text, bool sealed)
{
    hf_buf b = {0};
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    hf_buf_printf(&b, "%s", text);
    if (sealed)
        hf_seal_append(&b);
    assert_int_equal(fwrite(b.s, 1, b.len, f), b.len);
    fclose(f);
    hf_buf_free(&b);
}

static void test_memory_file(void **state)
{
    char dir[] = "/tmp/hf-test-resources-XXXXXX", path[HF_PATH_MAX], err[HF_ERR_MAX];
    hf_resources_memory mem = {.cpu = {.valid = true, .total = 12345, .idle = 678}}, back = {0};
    char *text = NULL;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/resources.state", dir);
    assert_int_equal(hf_resources_memory_load(&back, path, err, sizeof(err)), 0);
    assert_false(back.cpu.valid);
    assert_int_equal(hf_resources_memory_save(&mem, path, err, sizeof(err)), 0);
    assert_int_equal(hf_resources_memory_load(&back, path, err, sizeof(err)), 0);
    assert_true(back.cpu.valid);
    assert_int_equal(back.cpu.total, 12345);
    assert_int_equal(back.cpu.idle, 678);
    /* the file: the sample line, then the end marker */
    assert_true(hf_file_read(path, 4096, &text) > 0);
    assert_memory_equal(text, "cpu 12345 678\nend ", 18);
    free(text);
    write_state(path, "cpu 1 2\n", true);          /* idle > total */
    back.cpu.valid = false;
    assert_int_equal(hf_resources_memory_load(&back, path, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, "resources.state:1: not a \"cpu total idle\" line"));
    assert_false(back.cpu.valid);
    write_state(path, "cpu 12345 678\n", false);   /* truncated: no end marker */
    assert_int_equal(hf_resources_memory_load(&back, path, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "resources.state: truncated or not a state file (no end marker)"));
    assert_false(back.cpu.valid);
    write_state(path, "garbage\n", false);
    assert_int_equal(hf_resources_memory_load(&back, path, err, sizeof(err)), -EPROTO);
    write_state(path, "cpu 12345 679\nend 0123456789abcdef\n", false);
    assert_int_equal(hf_resources_memory_load(&back, path, err, sizeof(err)), -EPROTO);
    assert_non_null(strstr(err, "damaged (checksum mismatch)"));
    assert_false(back.cpu.valid);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_meminfo),
        cmocka_unit_test(test_meminfo_bad),
        cmocka_unit_test(test_loadavg),
        cmocka_unit_test(test_stat_and_cpu_busy),
        cmocka_unit_test(test_probe_fixture),
        cmocka_unit_test(test_probe_old_kernel_and_errors),
        cmocka_unit_test(test_memory_file),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
