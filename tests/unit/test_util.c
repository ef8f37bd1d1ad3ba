/* Unit tests: hf_util (strings, paths, buffers, strict numbers). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_util.h"

static void test_path_join(void **state)
{
    char out[64];

    (void)state;
    assert_int_equal(hf_path_join(out, sizeof(out), NULL, "/opt/x"), 0);
    assert_string_equal(out, "/opt/x");
    assert_int_equal(hf_path_join(out, sizeof(out), "/", "/opt/x"), 0);
    assert_string_equal(out, "/opt/x");
    assert_int_equal(hf_path_join(out, sizeof(out), "/tmp/r/", "/opt/x"), 0);
    assert_string_equal(out, "/tmp/r/opt/x");
    assert_int_equal(hf_path_join(out, sizeof(out), "/tmp/r", "opt/x"), 0);
    assert_string_equal(out, "/tmp/r/opt/x");
    assert_int_equal(hf_path_join(out, 8, "/tmp/r", "/opt/x"), -ENAMETOOLONG);
}

static void test_strlcpy(void **state)
{
    char b[4];

    (void)state;
    assert_int_equal(hf_strlcpy(b, "abcdef", sizeof(b)), 6);
    assert_string_equal(b, "abc");
}

static void test_buf(void **state)
{
    hf_buf b = {0};

    (void)state;
    assert_string_equal(hf_buf_str(&b), "");
    for (int i = 0; i < 1000; i++)
        hf_buf_printf(&b, "%d,", i);
    assert_int_equal(b.len, strlen(b.s));
    assert_memory_equal(b.s, "0,1,2,", 6);
    hf_buf_reset(&b);
    assert_string_equal(hf_buf_str(&b), "");
    hf_buf_append(&b, "xy", 2);
    assert_string_equal(b.s, "xy");
    hf_buf_free(&b);
    hf_buf_free(NULL);
}

static void test_numbers(void **state)
{
    double d;
    long l;

    (void)state;
    assert_int_equal(hf_parse_double("1.5e3", &d), 0);
    assert_true(d == 1500.0);
    assert_int_equal(hf_parse_double("nan", &d), -EINVAL);
    assert_int_equal(hf_parse_double("1x", &d), -EINVAL);
    assert_int_equal(hf_parse_double("", &d), -EINVAL);
    assert_int_equal(hf_parse_double(" 1", &d), -EINVAL);
    assert_int_equal(hf_parse_long("-42", &l), 0);
    assert_int_equal(l, -42);
    assert_int_equal(hf_parse_long("4.2", &l), -EINVAL);
    assert_int_equal(hf_parse_long("99999999999999999999", &l), -ERANGE);
}

static void test_file_read(void **state)
{
    char path[] = "/tmp/hf-test-util-XXXXXX";
    int fd = mkstemp(path);
    char *data;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "hello", 5), 5);
    close(fd);
    assert_int_equal(hf_file_read(path, 100, &data), 5);
    assert_string_equal(data, "hello");
    free(data);
    assert_int_equal(hf_file_read(path, 3, &data), -EFBIG);
    assert_null(data);
    unlink(path);
    assert_int_equal(hf_file_read(path, 3, &data), -ENOENT);
}

static void test_write_atomic(void **state)
{
    char dir[] = "/tmp/hf-test-atomic-XXXXXX", path[64], err[256] = "";
    char *data;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/state", dir);
    assert_int_equal(hf_file_write_atomic(path, "one\n", 4, err, sizeof(err)), 0);
    assert_int_equal(hf_file_write_atomic(path, "two\n", 4, err, sizeof(err)), 0);
    assert_int_equal(hf_file_read(path, 100, &data), 4);
    assert_string_equal(data, "two\n");
    free(data);
    unlink(path);
    rmdir(dir);
    assert_int_equal(hf_file_write_atomic(path, "x", 1, err, sizeof(err)), -ENOENT);
    assert_non_null(strstr(err, "No such file or directory"));
}

static void test_array_reserve(void **state)
{
    int *a = NULL;
    size_t cap = 0, n = 0;

    (void)state;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(hf_array_reserve(&a, &cap, n, sizeof(*a), 4), 0);
        assert_true(cap > n);
        a[n++] = i;
    }
    assert_int_equal(cap, 128);
    assert_int_equal(a[99], 99);
    assert_int_equal(hf_array_reserve(&a, &cap, n, sizeof(*a), 4), 0);   /* room: no change */
    assert_int_equal(cap, 128);
    assert_int_equal(hf_array_reserve(&a, &cap, cap, SIZE_MAX / 2, 4), -ENOMEM);
    assert_int_equal(cap, 128);
    free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_join),
        cmocka_unit_test(test_strlcpy),
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_file_read),
        cmocka_unit_test(test_write_atomic),
        cmocka_unit_test(test_array_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
