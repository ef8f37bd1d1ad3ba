/* hf_prom: the Prometheus text exposition format 0.0.4 parser (see hf_prom.h). */
#include "hf_prom.h"
#include "hf_prom_impl.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the line parser --------------------------------------------------------- */

typedef struct prom_ctx {
    hf_prom_doc *doc;
    hf_prom_limits lim;
    hf_prom_error *err;
    const char *s;              /* the line, without its end */
    size_t len, pos, lineno;
    hf_buf tmp;                 /* unescaped label values of the sample being read */
    size_t *voff;               /* offsets of label values in tmp */
    hf_prom_label *lab;         /* label names (in the line) of the current sample */
    size_t *nlen;               /* label name lengths */
    size_t nlab, caplab;
    hf_prom_family *last;       /* family of the previous sample */
} prom_ctx;

static int prom_fail(prom_ctx *c, int rc, size_t col, const char *fmt, ...) HF_PRINTF(4, 5);

static int prom_fail(prom_ctx *c, int rc, size_t col, const char *fmt, ...)
{
    va_list ap;

    c->err->line = c->lineno;
    c->err->column = col;
    va_start(ap, fmt);
    vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
    va_end(ap);
    return rc;
}

static int prom_oom(prom_ctx *c)
{
    c->err->line = 0;
    c->err->column = 0;
    hf_strlcpy(c->err->msg, "out of memory", sizeof(c->err->msg));
    return -ENOMEM;
}

/* What is at the cursor, for messages: 'x', end of line, byte 0x01. */
static const char *prom_found(const prom_ctx *c, char *buf, size_t n)
{
    unsigned char ch;

    if (c->pos >= c->len)
        return "end of line";
    ch = (unsigned char)c->s[c->pos];
    if (ch > 0x20 && ch < 0x7f)
        snprintf(buf, n, "'%c'", ch);
    else
        snprintf(buf, n, "byte 0x%02x", ch);
    return buf;
}

#define FOUND(c) prom_found((c), (char[24]){0}, 24)

static bool prom_blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static void prom_skip_blanks(prom_ctx *c)
{
    while (c->pos < c->len && prom_blank(c->s[c->pos]))
        c->pos++;
}

static bool prom_name_char(char ch, bool first, bool colon)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_')
        return true;
    if (ch == ':' && colon)
        return true;
    return !first && ch >= '0' && ch <= '9';
}

/* Scan a metric (colon true) or label name; returns its length (0 when none). */
static size_t prom_name(prom_ctx *c, bool colon)
{
    size_t start = c->pos;

    while (c->pos < c->len && prom_name_char(c->s[c->pos], c->pos == start, colon))
        c->pos++;
    return c->pos - start;
}

/* A token up to the next blank or the line end. */
static size_t prom_token(prom_ctx *c)
{
    size_t start = c->pos;

    while (c->pos < c->len && !prom_blank(c->s[c->pos]))
        c->pos++;
    return c->pos - start;
}

static int prom_family(prom_ctx *c, const char *name, size_t n, hf_prom_family **out)
{
    hf_prom_doc *d = c->doc;
    hf_prom_family *f;

    if ((f = hf_prom_doc_lookup(d, name, n))) {
        *out = f;
        return 0;
    }
    if (d->nfamilies >= c->lim.max_families)
        return prom_fail(c, -E2BIG, 0, "more than %zu metric families", c->lim.max_families);
    if (hf_array_reserve(&d->families, &d->capfamilies, d->nfamilies, sizeof(*d->families), 32) < 0)
        return prom_oom(c);
    c->last = NULL;             /* old pointers may be gone; resolution may change */
    f = &d->families[d->nfamilies];
    memset(f, 0, sizeof(*f));
    if (!(f->name = hf_prom_doc_strndup(d, name, n)))
        return prom_oom(c);
    d->nfamilies++;
    if (d->nfamilies * 2 > d->capindex && hf_prom_doc_reindex(d) < 0)
        return prom_oom(c);
    *hf_prom_doc_slot(d, name, n) = d->nfamilies;
    *out = f;
    return 0;
}

static char *prom_help_text(prom_ctx *c, const char *s, size_t n)
{
    char *out = hf_prom_doc_alloc(c->doc, n + 1);
    size_t k = 0;

    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == 'n')) {
            out[k++] = s[i + 1] == 'n' ? '\n' : '\\';
            i++;
        } else {
            out[k++] = s[i];
        }
    }
    while (k && prom_blank(out[k - 1]))
        k--;
    out[k] = '\0';
    return out;
}

/* "# HELP name text" or "# TYPE name type"; cursor after the keyword. */
static int prom_meta(prom_ctx *c, bool is_type)
{
    static const char *const types[] = {"untyped", "counter", "gauge", "histogram", "summary"};
    const char *kw = is_type ? "TYPE" : "HELP";
    hf_prom_family *f;
    size_t start, n;
    int r;

    prom_skip_blanks(c);
    start = c->pos;
    if (!(n = prom_name(c, true)))
        return prom_fail(c, -EINVAL, c->pos + 1, "%s: expected a metric name, found %s", kw, FOUND(c));
    if (c->pos < c->len && !prom_blank(c->s[c->pos]))
        return prom_fail(c, -EINVAL, c->pos + 1, "%s: expected a blank after the metric name, found %s",
                         kw, FOUND(c));
    if ((r = prom_family(c, c->s + start, n, &f)) < 0)
        return r;
    prom_skip_blanks(c);
    if (!is_type) {
        if (f->help)
            return prom_fail(c, -EINVAL, 0, "second HELP line for '%s'", f->name);
        if (!(f->help = prom_help_text(c, c->s + c->pos, c->len - c->pos)))
            return prom_oom(c);
        return 0;
    }
    start = c->pos;
    n = prom_token(c);
    for (size_t t = 0; t < HF_ARRAY_SIZE(types); t++) {
        if (strlen(types[t]) != n || memcmp(types[t], c->s + start, n) != 0)
            continue;
        prom_skip_blanks(c);
        if (c->pos < c->len)
            return prom_fail(c, -EINVAL, c->pos + 1, "TYPE: unexpected text after the type");
        if (f->nsamples)
            return prom_fail(c, -EINVAL, 0, "TYPE line for '%s' after its samples", f->name);
        if (f->typed)
            return prom_fail(c, -EINVAL, 0, "second TYPE line for '%s'", f->name);
        f->type = (hf_prom_type)t;
        f->typed = true;
        return 0;
    }
    if (!n)
        return prom_fail(c, -EINVAL, start + 1, "TYPE line for '%s' without a type", f->name);
    return prom_fail(c, -EINVAL, start + 1, "unknown metric type '%.*s'", (int)(n > 32 ? 32 : n),
                     c->s + start);
}

static int prom_comment(prom_ctx *c)
{
    size_t start;

    c->pos++;                   /* '#' */
    prom_skip_blanks(c);
    start = c->pos;
    prom_token(c);
    if (c->pos - start == 4 && (c->pos == c->len || prom_blank(c->s[c->pos]))) {
        if (memcmp(c->s + start, "HELP", 4) == 0)
            return prom_meta(c, false);
        if (memcmp(c->s + start, "TYPE", 4) == 0)
            return prom_meta(c, true);
    }
    return 0;                   /* any other comment */
}

static int prom_grow_labels(prom_ctx *c)
{
    size_t cap = c->caplab ? c->caplab * 2 : 8;
    hf_prom_label *l = realloc(c->lab, cap * sizeof(*l));
    size_t *v, *nl;

    if (!l)
        return prom_oom(c);
    c->lab = l;
    if (!(v = realloc(c->voff, cap * sizeof(*v))))
        return prom_oom(c);
    c->voff = v;
    if (!(nl = realloc(c->nlen, cap * sizeof(*nl))))
        return prom_oom(c);
    c->nlen = nl;
    c->caplab = cap;
    return 0;
}

/* The escape at the cursor (a backslash) in the value of label lname opened
 * at column open + 1: \\, \" and \n, unescaped into c->tmp. */
static int prom_label_escape(prom_ctx *c, size_t open, const char *lname, int lnlen)
{
    char e = c->pos + 1 < c->len ? c->s[c->pos + 1] : '\0';

    if (e != '\\' && e != '"' && e != 'n') {
        if (c->pos + 1 >= c->len)
            return prom_fail(c, -EINVAL, open + 1, "unterminated value of label '%.*s'", lnlen, lname);
        if (e > 0x20 && e < 0x7f)
            return prom_fail(c, -EINVAL, c->pos + 1, "bad escape '\\%c' in value of label '%.*s'",
                             e, lnlen, lname);
        return prom_fail(c, -EINVAL, c->pos + 1, "bad escape (backslash, byte 0x%02x) in value of "
                         "label '%.*s'", (unsigned char)e, lnlen, lname);
    }
    hf_buf_append(&c->tmp, e == 'n' ? "\n" : &c->s[c->pos + 1], 1);
    c->pos += 2;
    return 0;
}

/* A quoted label value: unescaped into c->tmp; it must be valid UTF-8.
 * Cursor at the opening quote. */
static int prom_label_value(prom_ctx *c, const char *lname, int lnlen)
{
    size_t open = c->pos, k;
    const char *why;
    int r;

    c->pos++;
    while (c->pos < c->len) {
        unsigned char ch = (unsigned char)c->s[c->pos];
        if (ch == '"') {
            c->pos++;
            hf_buf_append(&c->tmp, "", 1);      /* NUL separator */
            return c->tmp.oom ? prom_oom(c) : 0;
        }
        if (ch == '\\') {
            if ((r = prom_label_escape(c, open, lname, lnlen)) < 0)
                return r;
            continue;
        }
        k = 1;
        if (ch >= 0x80 && !(k = hf_prom_utf8_seq((const unsigned char *)c->s + c->pos, c->len - c->pos, &why)))
            return prom_fail(c, -EINVAL, c->pos + 1, "value of label '%.*s' is not valid UTF-8: %s "
                             "(byte 0x%02x)", lnlen, lname, why, ch);
        hf_buf_append(&c->tmp, &c->s[c->pos], k);
        c->pos += k;
    }
    return prom_fail(c, -EINVAL, open + 1, "unterminated value of label '%.*s'", lnlen, lname);
}

/* {name="value",...}; cursor at '{'. Fills c->lab (names point into the line). */
static int prom_labels(prom_ctx *c)
{
    int r;

    c->pos++;
    for (;;) {
        size_t start, n;
        prom_skip_blanks(c);
        if (c->pos < c->len && c->s[c->pos] == '}') {
            c->pos++;
            return 0;
        }
        start = c->pos;
        if (!(n = prom_name(c, false)))
            return prom_fail(c, -EINVAL, c->pos + 1, "expected a label name or '}', found %s", FOUND(c));
        if (n == 8 && memcmp(c->s + start, "__name__", 8) == 0)
            return prom_fail(c, -EINVAL, start + 1, "label '__name__' inside the braces (the metric "
                             "name goes before them)");
        for (size_t i = 0; i < c->nlab; i++)
            if (c->nlen[i] == n && memcmp(c->lab[i].name, c->s + start, n) == 0)
                return prom_fail(c, -EINVAL, start + 1, "duplicate label '%.*s'", (int)n, c->s + start);
        if (c->nlab >= c->lim.max_labels)
            return prom_fail(c, -E2BIG, start + 1, "more than %zu labels", c->lim.max_labels);
        if (c->nlab == c->caplab && (r = prom_grow_labels(c)) < 0)
            return r;
        c->lab[c->nlab].name = c->s + start;
        c->nlen[c->nlab] = n;
        c->voff[c->nlab] = c->tmp.len;
        prom_skip_blanks(c);
        if (c->pos >= c->len || c->s[c->pos] != '=')
            return prom_fail(c, -EINVAL, c->pos + 1, "expected '=' after label name '%.*s', found %s",
                             (int)n, c->s + start, FOUND(c));
        c->pos++;
        prom_skip_blanks(c);
        if (c->pos >= c->len || c->s[c->pos] != '"')
            return prom_fail(c, -EINVAL, c->pos + 1,
                             "expected '\"' to open the value of label '%.*s', found %s",
                             (int)n, c->s + start, FOUND(c));
        if ((r = prom_label_value(c, c->s + start, (int)n)) < 0)
            return r;
        c->nlab++;
        prom_skip_blanks(c);
        if (c->pos < c->len && c->s[c->pos] == ',') {
            c->pos++;
            continue;
        }
        if (c->pos < c->len && c->s[c->pos] == '}') {
            c->pos++;
            return 0;
        }
        return prom_fail(c, -EINVAL, c->pos + 1, "expected ',' or '}' after label '%.*s', found %s",
                         (int)n, c->s + start, FOUND(c));
    }
}

static const char *prom_lab_value(const prom_ctx *c, const char *name)
{
    size_t n = strlen(name);

    for (size_t i = 0; i < c->nlab; i++)
        if (c->nlen[i] == n && memcmp(c->lab[i].name, name, n) == 0)
            return c->tmp.s + c->voff[i];
    return NULL;
}

/* Same labels apart from le (the previous bucket sample vs the current one). */
static bool prom_same_series(const prom_ctx *c, const hf_prom_sample *prev)
{
    size_t k = 0;

    for (size_t i = 0; i < c->nlab; i++) {
        if (c->nlen[i] == 2 && memcmp(c->lab[i].name, "le", 2) == 0)
            continue;
        bool found = false;
        for (size_t j = 0; j < prev->nlabels; j++) {
            const hf_prom_label *pl = &prev->labels[j];
            if (strlen(pl->name) == c->nlen[i] && memcmp(pl->name, c->lab[i].name, c->nlen[i]) == 0) {
                found = strcmp(pl->value, c->tmp.s + c->voff[i]) == 0;
                break;
            }
        }
        if (!found)
            return false;
        k++;
    }
    return k + 1 == prev->nlabels;
}

/* Histogram/summary rules for a sample of family f named s[0..n). */
static int prom_check_special(prom_ctx *c, const hf_prom_family *f, const char *s, size_t n,
                              size_t name_col)
{
    const char *v;
    double le, prev_le;
    size_t b;

    if (f->type == HF_PROM_SUMMARY && n == strlen(f->name)) {
        if (!(v = prom_lab_value(c, "quantile")))
            return prom_fail(c, -EINVAL, name_col, "summary sample '%s' without a 'quantile' label", f->name);
        if (hf_prom_float(v, strlen(v), &le) < 0 || isnan(le))
            return prom_fail(c, -EINVAL, name_col, "bad quantile value \"%.40s\"", v);
        return 0;
    }
    if (f->type != HF_PROM_HISTOGRAM || !hf_prom_has_suffix(s, n, "_bucket", &b))
        return 0;
    if (!(v = prom_lab_value(c, "le")))
        return prom_fail(c, -EINVAL, name_col, "histogram bucket '%.*s' without an 'le' label", (int)n, s);
    if (hf_prom_float(v, strlen(v), &le) < 0 || isnan(le))
        return prom_fail(c, -EINVAL, name_col, "bad le value \"%.40s\"", v);
    if (!f->nsamples)
        return 0;
    const hf_prom_sample *prev = &f->samples[f->nsamples - 1];
    const char *pv = hf_prom_label_value(prev, "le");
    if (!pv || strcmp(prev->name, f->name) == 0 || !hf_prom_has_suffix(prev->name, strlen(prev->name), "_bucket", &b))
        return 0;
    if (!prom_same_series(c, prev) || hf_prom_float(pv, strlen(pv), &prev_le) < 0)
        return 0;
    if (le == prev_le)
        return prom_fail(c, -EINVAL, name_col, "duplicate bucket le=\"%.40s\" (line %zu has it too)", v,
                         prev->line);
    if (le < prev_le)
        return prom_fail(c, -EINVAL, name_col, "bucket le=\"%.40s\" after le=\"%.40s\": buckets must be in "
                         "increasing order", v, pv);
    return 0;
}

/* Bucket populations and observation counts are never negative: a
 * histogram's x_bucket and x_count, a summary's x_count (value token v[0..vn)
 * at column vcol). */
static int prom_check_count(prom_ctx *c, const hf_prom_family *f, const char *s, size_t n,
                            double value, const char *v, size_t vn, size_t vcol)
{
    size_t b, fl = strlen(f->name);
    bool bucket = f->type == HF_PROM_HISTOGRAM && hf_prom_has_suffix(s, n, "_bucket", &b) && b == fl;
    bool count = (f->type == HF_PROM_HISTOGRAM || f->type == HF_PROM_SUMMARY) &&
        hf_prom_has_suffix(s, n, "_count", &b) && b == fl;

    if (!(value < 0) || !(bucket || count))
        return 0;
    return prom_fail(c, -EINVAL, vcol, "negative %s %.*s for %.*s", bucket ? "bucket population" :
                     "observation count", (int)(vn > 40 ? 40 : vn), v, (int)(n > 64 ? 64 : n), s);
}

static int prom_store(prom_ctx *c, hf_prom_family *f, const char *name, size_t n, double value,
                      bool has_ts, int64_t ts)
{
    hf_prom_doc *d = c->doc;
    hf_prom_sample *smp;

    if (hf_array_reserve(&f->samples, &f->capsamples, f->nsamples, sizeof(*f->samples), 4) < 0)
        return prom_oom(c);
    smp = &f->samples[f->nsamples];
    memset(smp, 0, sizeof(*smp));
    smp->name = (strlen(f->name) == n && memcmp(f->name, name, n) == 0) ? f->name
        : hf_prom_doc_strndup(d, name, n);
    if (!smp->name)
        return prom_oom(c);
    if (c->nlab && !(smp->labels = hf_prom_doc_alloc(d, c->nlab * sizeof(*smp->labels))))
        return prom_oom(c);
    for (size_t i = 0; i < c->nlab; i++) {
        const char *v = c->tmp.s + c->voff[i];
        smp->labels[i].name = hf_prom_doc_strndup(d, c->lab[i].name, c->nlen[i]);
        smp->labels[i].value = hf_prom_doc_strndup(d, v, strlen(v));
        if (!smp->labels[i].name || !smp->labels[i].value)
            return prom_oom(c);
    }
    smp->nlabels = c->nlab;
    smp->value = value;
    smp->has_ts = has_ts;
    smp->ts_ms = ts;
    smp->line = c->lineno;
    f->nsamples++;
    d->nsamples++;
    return 0;
}

/* Resolve (or create) the family of sample name s[0..n). */
static int prom_resolve(prom_ctx *c, const char *s, size_t n, hf_prom_family **out)
{
    bool bare = false;
    hf_prom_family *f = hf_prom_doc_sample_family(c->doc, s, n, &bare);

    if (bare)
        return prom_fail(c, -EINVAL, 1, "sample '%.*s' in histogram '%s': expected %s_bucket, _sum or _count",
                         (int)(n > 64 ? 64 : n), s, f->name, f->name);
    if (f) {
        *out = f;
        return 0;
    }
    return prom_family(c, s, n, out);
}

static int prom_sample(prom_ctx *c)
{
    size_t start = c->pos, n, vstart, vn;
    hf_prom_family *f;
    double value;
    int64_t ts = 0;
    bool has_ts = false;
    int r;

    if (!(n = prom_name(c, true)))
        return prom_fail(c, -EINVAL, c->pos + 1, "expected a metric name, found %s", FOUND(c));
    c->nlab = 0;
    hf_buf_reset(&c->tmp);
    if (c->pos < c->len && prom_blank(c->s[c->pos])) {
        prom_skip_blanks(c);    /* "name {labels} value" is allowed too */
        if (c->pos < c->len && c->s[c->pos] != '{')
            c->pos--;           /* back to a blank: what follows is the value */
    }
    if (c->pos < c->len && c->s[c->pos] == '{') {
        if ((r = prom_labels(c)) < 0)
            return r;
    } else if (c->pos < c->len && !prom_blank(c->s[c->pos])) {
        return prom_fail(c, -EINVAL, c->pos + 1, "expected '{' or a blank after the metric name, found %s",
                         FOUND(c));
    }
    prom_skip_blanks(c);
    if (c->pos >= c->len)
        return prom_fail(c, -EINVAL, c->pos + 1, "missing value for '%.*s'", (int)(n > 64 ? 64 : n),
                         c->s + start);
    vstart = c->pos;
    vn = prom_token(c);
    if ((r = hf_prom_float(c->s + vstart, vn, &value)) < 0)
        return prom_fail(c, -EINVAL, vstart + 1, "%s '%.*s'", r == -ERANGE ? "number out of range" :
                         "bad number", (int)(vn > 40 ? 40 : vn), c->s + vstart);
    prom_skip_blanks(c);
    if (c->pos < c->len) {
        size_t tstart = c->pos, tn = prom_token(c);
        if ((r = hf_prom_int64(c->s + tstart, tn, &ts)) < 0)
            return prom_fail(c, -EINVAL, tstart + 1, "bad timestamp '%.*s' (expected integer milliseconds)",
                             (int)(tn > 40 ? 40 : tn), c->s + tstart);
        has_ts = true;
        prom_skip_blanks(c);
        if (c->pos < c->len)
            return prom_fail(c, -EINVAL, c->pos + 1, "unexpected text after the timestamp");
    }
    if (c->doc->nsamples >= c->lim.max_samples)
        return prom_fail(c, -E2BIG, 0, "more than %zu samples", c->lim.max_samples);
    if (c->last && c->last->nsamples && strncmp(c->last->samples[0].name, c->s + start, n) == 0 &&
        c->last->samples[0].name[n] == '\0')
        f = c->last;            /* the common case: same sample name as before */
    else if ((r = prom_resolve(c, c->s + start, n, &f)) < 0)
        return r;
    if ((r = prom_check_special(c, f, c->s + start, n, start + 1)) < 0 ||
        (r = prom_check_count(c, f, c->s + start, n, value, c->s + vstart, vn, vstart + 1)) < 0)
        return r;
    if ((r = prom_store(c, f, c->s + start, n, value, has_ts, ts)) < 0)
        return r;
    c->last = f;
    return 0;
}

static int prom_line(prom_ctx *c)
{
    const char *nul = memchr(c->s, '\0', c->len);

    if (nul)
        return prom_fail(c, -EINVAL, (size_t)(nul - c->s) + 1, "NUL byte");
    c->pos = 0;
    prom_skip_blanks(c);
    if (c->pos == c->len)
        return 0;
    if (c->s[c->pos] == '#')
        return prom_comment(c);
    return prom_sample(c);
}

static void prom_limits(hf_prom_limits *l, const hf_prom_limits *in)
{
    memset(l, 0, sizeof(*l));
    if (in)
        *l = *in;
    if (!l->max_lines)
        l->max_lines = HF_PROM_MAX_LINES;
    if (!l->max_line_len)
        l->max_line_len = HF_PROM_MAX_LINE_LEN;
    if (!l->max_samples)
        l->max_samples = HF_PROM_MAX_SAMPLES;
    if (!l->max_families)
        l->max_families = HF_PROM_MAX_FAMILIES;
    if (!l->max_labels)
        l->max_labels = HF_PROM_MAX_LABELS;
}

static int prom_lines(prom_ctx *c, const char *text, size_t len)
{
    size_t off = 0;
    int r;

    while (off < len) {
        const char *line = text + off;
        const char *nl = memchr(line, '\n', len - off);
        size_t n = nl ? (size_t)(nl - line) : len - off;

        c->lineno++;
        if (c->lineno > c->lim.max_lines)
            return prom_fail(c, -E2BIG, 0, "more than %zu lines", c->lim.max_lines);
        if (n > c->lim.max_line_len)
            return prom_fail(c, -E2BIG, 0, "line longer than %zu bytes", c->lim.max_line_len);
        c->s = line;
        c->len = n && line[n - 1] == '\r' ? n - 1 : n;
        if ((r = prom_line(c)) < 0)
            return r;
        if (!nl)                /* the format ends every line, the last one too */
            return prom_fail(c, -EINVAL, 0, "no line feed at the end of the last line (page cut short?)");
        off += n + 1;
    }
    c->doc->nlines = c->lineno;
    return 0;
}

int hf_prom_parse(const char *text, size_t len, const hf_prom_limits *lim,
                  hf_prom_doc **out, hf_prom_error *err)
{
    hf_prom_error scratch;
    prom_ctx c;
    int r;

    memset(&c, 0, sizeof(c));
    c.err = err ? err : &scratch;
    memset(c.err, 0, sizeof(*c.err));
    *out = NULL;
    prom_limits(&c.lim, lim);
    if (!text && len)
        return prom_fail(&c, -EINVAL, 0, "no text");
    if (!(c.doc = calloc(1, sizeof(*c.doc))))
        return prom_oom(&c);
    r = text ? prom_lines(&c, text, len) : 0;
    hf_buf_free(&c.tmp);
    free(c.lab);
    free(c.voff);
    free(c.nlen);
    if (r < 0) {
        hf_prom_doc_free(c.doc);
        return r;
    }
    *out = c.doc;
    return 0;
}
