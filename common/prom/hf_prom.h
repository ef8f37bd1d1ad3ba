/* hf_prom: a parser for the Prometheus text exposition format 0.0.4.
 *
 *   # HELP name text            # TYPE name counter|gauge|histogram|summary|untyped
 *   name{label="value",...} value [timestamp_ms]
 *
 * Input is a (pointer, length) pair: it need not be NUL-terminated and is
 * never read past len. Malformed input yields an error naming the line, the
 * column and what was wrong; nothing is printed. No globals: thread-safe.
 *
 * Grammar notes (what is accepted):
 *  - blank lines, lines of blanks, '#' comments other than HELP/TYPE;
 *  - LF or CRLF line ends; every line ends with one, the last line too (a
 *    page cut short is rejected, never read with a wrong last value); an
 *    empty text is a valid empty page;
 *  - blanks (space, tab) between tokens and at line end;
 *  - metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
 *    except __name__ (the metric name goes before the braces);
 *  - label values in double quotes with escapes \\ \" \n (others rejected),
 *    valid UTF-8 (RFC 3629: no overlong forms, surrogates or truncated
 *    sequences); a trailing ',' before '}' is accepted (the Go client writes
 *    none, older exporters do);
 *  - values: decimal/exponent floats, NaN, +Inf, -Inf, Inf (case-insensitive,
 *    as Go's strconv.ParseFloat); out-of-range numbers are rejected;
 *  - an optional integer timestamp (milliseconds), then only blanks.
 * A sample belongs to the family whose TYPE/HELP names it: for a histogram
 * "x" the samples x_bucket (with an "le" label), x_sum and x_count, for a
 * summary "x" the samples x (with "quantile"), x_sum and x_count. A sample
 * with no declared family gets an untyped family of its own name.
 * Within one histogram series (same labels apart from le) consecutive
 * buckets must have strictly increasing le. A histogram's x_bucket and
 * x_count and a summary's x_count must not be negative (Prometheus refuses a
 * negative bucket population too). */
#ifndef HF_PROM_H
#define HF_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_util.h"

typedef enum hf_prom_type {
    HF_PROM_UNTYPED = 0,
    HF_PROM_COUNTER,
    HF_PROM_GAUGE,
    HF_PROM_HISTOGRAM,
    HF_PROM_SUMMARY,
} hf_prom_type;

typedef struct hf_prom_label {
    const char *name;           /* owned by the doc */
    const char *value;          /* unescaped; owned by the doc */
} hf_prom_label;

typedef struct hf_prom_sample {
    const char *name;           /* full sample name ("x_bucket"); owned by the doc */
    hf_prom_label *labels;      /* in page order; owned by the doc */
    size_t nlabels;
    double value;               /* may be NaN or +-Inf */
    bool has_ts;
    int64_t ts_ms;              /* when has_ts */
    size_t line;                /* 1-based line of the page */
} hf_prom_sample;

typedef struct hf_prom_family {
    const char *name;           /* family name ("x" for x_bucket); owned by the doc */
    hf_prom_type type;
    bool typed;                 /* a TYPE line declared it */
    const char *help;           /* unescaped HELP text, NULL when none; owned by the doc */
    hf_prom_sample *samples;    /* in page order; owned by the doc */
    size_t nsamples, capsamples;
} hf_prom_family;

struct hf_prom_arena;

/* A parsed page. One owner (the caller of hf_prom_parse); free with
 * hf_prom_doc_free. Read-only after parsing: safe to share between threads. */
typedef struct hf_prom_doc {
    hf_prom_family *families;   /* in order of first appearance */
    size_t nfamilies, capfamilies;
    size_t nsamples;            /* over all families */
    size_t nlines;              /* lines seen */
    /* private */
    size_t *index;              /* open-addressing hash of family names */
    size_t capindex;
    struct hf_prom_arena *arena;
} hf_prom_doc;

/* Bounds: a page beyond one of them is an error naming the limit. Zero
 * fields take the defaults below. */
typedef struct hf_prom_limits {
    size_t max_lines;           /* default 1000000 */
    size_t max_line_len;        /* bytes, default 65536 */
    size_t max_samples;         /* default 200000 */
    size_t max_families;        /* default 20000 */
    size_t max_labels;          /* per sample, default 64 */
} hf_prom_limits;

#define HF_PROM_MAX_LINES       1000000
#define HF_PROM_MAX_LINE_LEN    65536
#define HF_PROM_MAX_SAMPLES     200000
#define HF_PROM_MAX_FAMILIES    20000
#define HF_PROM_MAX_LABELS      64

typedef struct hf_prom_error {
    size_t line;                /* 1-based; 0 when not tied to a line (ENOMEM) */
    size_t column;              /* 1-based byte column; 0 when the whole line */
    char msg[HF_ERR_MAX];       /* what was wrong, without the position */
} hf_prom_error;

/* Parse text[0..len). On success returns 0 and *out owns a new doc (free with
 * hf_prom_doc_free). On failure returns -EINVAL (malformed), -E2BIG (a limit
 * exceeded) or -ENOMEM, sets *out to NULL and fills *err (err may be NULL).
 * lim may be NULL for the defaults. text may be NULL when len is 0. */
int hf_prom_parse(const char *text, size_t len, const hf_prom_limits *lim,
                  hf_prom_doc **out, hf_prom_error *err);

/* "line 3, column 31: expected ..." (or just the message without a line)
 * into buf (size n). Returns buf. */
const char *hf_prom_error_str(const hf_prom_error *err, char *buf, size_t n);

/* Frees the doc and everything it owns; accepts NULL. */
void hf_prom_doc_free(hf_prom_doc *doc);

/* The family called name, or NULL. Borrowed from the doc. */
const hf_prom_family *hf_prom_find(const hf_prom_doc *doc, const char *name);

/* The family holding samples called sample_name (x_bucket -> histogram x),
 * or NULL. Borrowed from the doc. */
const hf_prom_family *hf_prom_find_sample_family(const hf_prom_doc *doc, const char *sample_name);

/* Value of label name in s, or NULL. Borrowed. */
const char *hf_prom_label_value(const hf_prom_sample *s, const char *name);

/* "counter", "gauge", "histogram", "summary", "untyped". */
const char *hf_prom_type_name(hf_prom_type t);

#endif
