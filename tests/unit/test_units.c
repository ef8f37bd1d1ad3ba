/* Unit tests: hf_units (byte sizes and durations for people). */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "hf_units.h"

static void test_bytes(void **state)
{
    char b[32];

    (void)state;
    assert_string_equal(hf_units_bytes(0, b, sizeof(b)), "0 B");
    assert_string_equal(hf_units_bytes(1023, b, sizeof(b)), "1023 B");
    assert_string_equal(hf_units_bytes(1024, b, sizeof(b)), "1.0 KiB");
    assert_string_equal(hf_units_bytes(1536, b, sizeof(b)), "1.5 KiB");
    assert_string_equal(hf_units_bytes(5.2e9, b, sizeof(b)), "4.8 GiB");
    assert_string_equal(hf_units_bytes(-2048, b, sizeof(b)), "-2.0 KiB");
    assert_string_equal(hf_units_bytes(NAN, b, sizeof(b)), "?");
    assert_string_equal(hf_units_bytes(1e30, b, sizeof(b)), "867361737988.4 EiB");
    assert_string_equal(hf_units_bytes(123456, b, 4), "120");     /* truncated, terminated */
}

static void test_ms(void **state)
{
    char b[32];

    (void)state;
    assert_string_equal(hf_units_ms(0.0123, b, sizeof(b)), "0.0 ms");
    assert_string_equal(hf_units_ms(12.34, b, sizeof(b)), "12.3 ms");
    assert_string_equal(hf_units_ms(1234, b, sizeof(b)), "1.23 s");
    assert_string_equal(hf_units_ms(NAN, b, sizeof(b)), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_ms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
