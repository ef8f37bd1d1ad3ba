/* ops_json: a small pretty-printing JSON writer (see ops.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops.h"

/* Length of the valid UTF-8 sequence at s, 0 when invalid. */
static size_t oj_utf8(const unsigned char *s)
{
    unsigned c = s[0], n, min;
    unsigned long cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2; min = 0x80; cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3; min = 0x800; cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4; min = 0x10000; cp = c & 0x07;
    } else {
        return 0;
    }
    for (unsigned i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

void oj_quote(hf_buf *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    hf_buf_append(b, "\"", 1);
    while (*s) {
        size_t n = oj_utf8(s);
        if (*s == '"' || *s == '\\') {
            hf_buf_printf(b, "\\%c", *s);
        } else if (*s == '\n') {
            hf_buf_append(b, "\\n", 2);
        } else if (*s == '\t') {
            hf_buf_append(b, "\\t", 2);
        } else if (*s == '\r') {
            hf_buf_append(b, "\\r", 2);
        } else if (*s < 0x20 || *s == 0x7f) {
            hf_buf_printf(b, "\\u%04x", *s);
        } else if (n == 0) {
            hf_buf_append(b, "\\ufffd", 6);
            n = 1;
        } else {
            hf_buf_append(b, (const char *)s, n);
            s += n;
            continue;
        }
        s += n ? n : 1;
    }
    hf_buf_append(b, "\"", 1);
}

static void oj_key(ops_json *j, const char *key)
{
    if (!j->first[j->depth])
        hf_buf_append(j->b, ",", 1);
    j->first[j->depth] = false;
    hf_buf_printf(j->b, "\n%*s", 2 * j->depth, "");
    if (key) {
        oj_quote(j->b, key);
        hf_buf_append(j->b, ": ", 2);
    }
}

static void oj_open(ops_json *j, const char *key, char c)
{
    oj_key(j, key);
    hf_buf_append(j->b, &c, 1);
    if (j->depth + 1 < (int)(sizeof(j->first) / sizeof(j->first[0])))
        j->depth++;
    j->first[j->depth] = true;
}

static void oj_close(ops_json *j, char c)
{
    bool empty = j->first[j->depth];

    if (j->depth > 0)
        j->depth--;
    if (!empty)
        hf_buf_printf(j->b, "\n%*s", 2 * j->depth, "");
    hf_buf_append(j->b, &c, 1);
}

void oj_begin(ops_json *j, hf_buf *b)
{
    memset(j, 0, sizeof(*j));
    j->b = b;
    hf_buf_append(b, "{", 1);
    j->depth = 1;
    j->first[1] = true;
}

void oj_end(ops_json *j)
{
    oj_close(j, '}');
    hf_buf_append(j->b, "\n", 1);
}

void oj_obj(ops_json *j, const char *key) { oj_open(j, key, '{'); }
void oj_obj_end(ops_json *j) { oj_close(j, '}'); }
void oj_arr(ops_json *j, const char *key) { oj_open(j, key, '['); }
void oj_arr_end(ops_json *j) { oj_close(j, ']'); }

void oj_str(ops_json *j, const char *key, const char *v)
{
    oj_key(j, key);
    if (v)
        oj_quote(j->b, v);
    else
        hf_buf_append(j->b, "null", 4);
}

void oj_num(ops_json *j, const char *key, double v)
{
    oj_key(j, key);
    if (!isfinite(v))
        hf_buf_append(j->b, "null", 4);
    else if (v == floor(v) && fabs(v) < 9e15)
        hf_buf_printf(j->b, "%.0f", v);
    else
        hf_buf_printf(j->b, "%.10g", v);
}

void oj_int(ops_json *j, const char *key, int64_t v)
{
    oj_key(j, key);
    hf_buf_printf(j->b, "%" PRId64, v);
}

void oj_uint(ops_json *j, const char *key, uint64_t v)
{
    oj_key(j, key);
    hf_buf_printf(j->b, "%" PRIu64, v);
}

void oj_bool(ops_json *j, const char *key, bool v)
{
    oj_key(j, key);
    hf_buf_printf(j->b, "%s", v ? "true" : "false");
}

void oj_null(ops_json *j, const char *key)
{
    oj_key(j, key);
    hf_buf_append(j->b, "null", 4);
}
