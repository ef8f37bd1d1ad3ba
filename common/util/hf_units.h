/* hf_units: numbers for people: byte sizes and durations, one rule for
 * every core text that shows them (maintenance, capacity, db check).
 *
 *   hf_units_bytes    1023 -> "1023 B", 1536 -> "1.5 KiB", 5.2e9 -> "4.8 GiB"
 *                     (IEC, powers of 1024 as df -h; one decimal from KiB
 *                     on; negative sizes keep their sign; NAN -> "?")
 *   hf_units_ms       0.0123 -> "0.0 ms", 12.34 -> "12.3 ms", 1234 -> "1.23 s"
 *
 * No state; thread-safe; out is always NUL-terminated (n > 0). */
#ifndef HF_UNITS_H
#define HF_UNITS_H

#include <stddef.h>

char *hf_units_bytes(double bytes, char *out, size_t n);
char *hf_units_ms(double ms, char *out, size_t n);

#endif
