/* hf_time: strict, allocation-free parsing of HelixFlow's created_at values
 * and UTC calendar arithmetic (no strptime/mktime/timegm, no locale, no TZ).
 *
 * Accepted created_at TEXT (DESIGN section 2), nothing else:
 *
 *   YYYY-MM-DD HH:MM:SS            HelixFlow's own format (UTC)
 *   YYYY-MM-DDTHH:MM:SS            ISO-8601 'T' separator
 *   ... optionally followed by     .F{1,9}  fractional seconds
 *   ... optionally followed by     Z | +HH:MM | -HH:MM  (UTC / offset; none = UTC)
 *   D{1,12}[.F{1,9}]               unix epoch seconds written as text
 *
 * Ranges: year 0001..9999, month 01..12, day valid for the month (leap years),
 * hour 00..23, minute 00..59, second 00..59 (no leap second), offset at most
 * 23:59; an epoch must lie in [0, 253402300799] (so epoch milliseconds are
 * rejected, not misread). No whitespace, no lower-case 't'/'z', no date
 * without a time, no seconds omitted. Everything is thread-safe. */
#ifndef HF_TIME_H
#define HF_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_TIME_EPOCH_MAX 253402300799.0   /* 9999-12-31 23:59:59 UTC */

/* Parse n bytes at s (need not be NUL-terminated; s may be NULL when n == 0).
 * On success stores UTC epoch seconds in *epoch and returns 0; otherwise
 * returns -EINVAL and leaves *epoch unchanged. */
int hf_time_parse_created_at(const char *s, size_t n, double *epoch);

/* True when v is a valid epoch for a created_at stored as INTEGER/REAL. */
bool hf_time_epoch_ok(double v);

/* Days since 1970-01-01 of the proleptic Gregorian date y-m-d (m 1..12). */
int64_t hf_time_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Inverse of hf_time_days_from_civil. */
void hf_time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* "YYYY-MM-DD" (UTC) of epoch seconds into out (size >= 11). Returns out. */
char *hf_time_format_date(double epoch, char *out, size_t n);

/* "YYYY-MM-DD HH:MM:SS" (UTC) of epoch seconds into out (size >= 20). */
char *hf_time_format(double epoch, char *out, size_t n);

#endif
