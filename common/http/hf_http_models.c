/* hf_http_models: find a model id in an OpenAI-style /v1/models body.
 *
 *   {"object":"list","data":[{"id":"helixflow-7b","object":"model"},...]}
 *
 * A small bounded JSON scanner (no JSON library among our dependencies): it
 * validates the grammar as far as it reads, never reads past len, recurses at
 * most HFJ_MAX_DEPTH levels and compares strings after unescaping. Only the
 * "id" members of the objects in the top-level "data" array count. */
#include "hf_http.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#define HFJ_MAX_DEPTH 64

typedef struct hfj {
    const unsigned char *s;
    size_t len, pos;
    char *err;
    size_t errn;
} hfj;

/* Called with j->pos at a member's value; must consume the value. */
typedef int (*hfj_member_fn)(hfj *j, int depth, void *ctx);

static int hfj_fail(hfj *j, const char *what)
{
    if (j->pos >= j->len)
        hf_err_set(j->err, j->errn, "%s: body ends at byte %zu (truncated JSON)", what, j->pos);
    else
        hf_err_set(j->err, j->errn, "%s at byte %zu", what, j->pos);
    return -EBADMSG;
}

static void hfj_ws(hfj *j)
{
    while (j->pos < j->len) {
        unsigned char c = j->s[j->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return;
        j->pos++;
    }
}

/* The next byte after whitespace, or -1 at the end. */
static int hfj_peek(hfj *j)
{
    hfj_ws(j);
    return j->pos < j->len ? j->s[j->pos] : -1;
}

static int hfj_hex4(hfj *j, unsigned *out)
{
    unsigned v = 0;

    if (j->len - j->pos < 4)
        return hfj_fail(j, "short \\u escape");
    for (int i = 0; i < 4; i++) {
        unsigned char c = j->s[j->pos + (size_t)i];
        unsigned d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return hfj_fail(j, "bad \\u escape");
        v = v << 4 | d;
    }
    j->pos += 4;
    *out = v;
    return 0;
}

/* Compares decoded bytes with want as they come (want NULL: no compare). */
typedef struct hfj_cmp {
    const char *want;
    size_t i;
    bool eq;
} hfj_cmp;

static void hfj_cmp_byte(hfj_cmp *c, unsigned char b)
{
    if (!c->want || !c->eq)
        return;
    if ((unsigned char)c->want[c->i] != b || c->want[c->i] == '\0')
        c->eq = false;
    else
        c->i++;
}

static void hfj_cmp_utf8(hfj_cmp *c, uint32_t cp)
{
    if (cp < 0x80) {
        hfj_cmp_byte(c, (unsigned char)cp);
    } else if (cp < 0x800) {
        hfj_cmp_byte(c, (unsigned char)(0xC0 | cp >> 6));
        hfj_cmp_byte(c, (unsigned char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        hfj_cmp_byte(c, (unsigned char)(0xE0 | cp >> 12));
        hfj_cmp_byte(c, (unsigned char)(0x80 | (cp >> 6 & 0x3F)));
        hfj_cmp_byte(c, (unsigned char)(0x80 | (cp & 0x3F)));
    } else {
        hfj_cmp_byte(c, (unsigned char)(0xF0 | cp >> 18));
        hfj_cmp_byte(c, (unsigned char)(0x80 | (cp >> 12 & 0x3F)));
        hfj_cmp_byte(c, (unsigned char)(0x80 | (cp >> 6 & 0x3F)));
        hfj_cmp_byte(c, (unsigned char)(0x80 | (cp & 0x3F)));
    }
}

/* \uXXXX (j->pos after the 'u'), with surrogate pairs. */
static int hfj_unicode(hfj *j, hfj_cmp *c)
{
    unsigned hi, lo;
    int r = hfj_hex4(j, &hi);

    if (r < 0)
        return r;
    if (hi >= 0xDC00 && hi <= 0xDFFF)
        return hfj_fail(j, "lone low surrogate");
    if (hi < 0xD800 || hi > 0xDBFF) {
        hfj_cmp_utf8(c, hi);
        return 0;
    }
    if (j->len - j->pos < 2 || j->s[j->pos] != '\\' || j->s[j->pos + 1] != 'u')
        return hfj_fail(j, "lone high surrogate");
    j->pos += 2;
    r = hfj_hex4(j, &lo);
    if (r < 0)
        return r;
    if (lo < 0xDC00 || lo > 0xDFFF)
        return hfj_fail(j, "bad low surrogate");
    hfj_cmp_utf8(c, 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
    return 0;
}

static int hfj_escape(hfj *j, hfj_cmp *c)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e;
    unsigned char ch;

    if (j->pos >= j->len)
        return hfj_fail(j, "unterminated string");
    ch = j->s[j->pos++];
    if (ch == 'u')
        return hfj_unicode(j, c);
    e = ch ? strchr(from, ch) : NULL;
    if (!e) {
        j->pos--;
        return hfj_fail(j, "bad escape");
    }
    hfj_cmp_byte(c, (unsigned char)to[e - from]);
    return 0;
}

/* A string at j->pos (which holds '"'); *eq tells whether it equals want. */
static int hfj_string(hfj *j, const char *want, bool *eq)
{
    hfj_cmp c = {.want = want, .i = 0, .eq = true};

    j->pos++;                                   /* opening quote */
    for (;;) {
        unsigned char ch;
        int r;
        if (j->pos >= j->len)
            return hfj_fail(j, "unterminated string");
        ch = j->s[j->pos];
        if (ch == '"')
            break;
        if (ch < 0x20)
            return hfj_fail(j, "control character in string");
        j->pos++;
        if (ch == '\\') {
            if ((r = hfj_escape(j, &c)) < 0)
                return r;
        } else {
            hfj_cmp_byte(&c, ch);
        }
    }
    j->pos++;                                   /* closing quote */
    if (eq)
        *eq = want && c.eq && want[c.i] == '\0';
    return 0;
}

static bool hfj_digit(hfj *j)
{
    return j->pos < j->len && j->s[j->pos] >= '0' && j->s[j->pos] <= '9';
}

static int hfj_digits(hfj *j)
{
    if (!hfj_digit(j))
        return hfj_fail(j, "bad number");
    while (hfj_digit(j))
        j->pos++;
    return 0;
}

static int hfj_number(hfj *j)
{
    if (j->s[j->pos] == '-')
        j->pos++;
    if (j->pos < j->len && j->s[j->pos] == '0')
        j->pos++;
    else if (hfj_digits(j) < 0)
        return -EBADMSG;
    if (j->pos < j->len && j->s[j->pos] == '.') {
        j->pos++;
        if (hfj_digits(j) < 0)
            return -EBADMSG;
    }
    if (j->pos < j->len && (j->s[j->pos] == 'e' || j->s[j->pos] == 'E')) {
        j->pos++;
        if (j->pos < j->len && (j->s[j->pos] == '+' || j->s[j->pos] == '-'))
            j->pos++;
        if (hfj_digits(j) < 0)
            return -EBADMSG;
    }
    return 0;
}

static int hfj_literal(hfj *j, const char *word)
{
    size_t n = strlen(word);

    if (j->len - j->pos < n || memcmp(j->s + j->pos, word, n) != 0)
        return hfj_fail(j, "unexpected character");
    j->pos += n;
    return 0;
}

static int hfj_value(hfj *j, int depth);

/* An object at j->pos ('{'): member `key` (may be NULL) goes to fn, the rest
 * is skipped. fn returning 1 (found) stops the scan. */
static int hfj_object(hfj *j, int depth, const char *key, hfj_member_fn fn, void *ctx)
{
    int c, r;

    if (depth > HFJ_MAX_DEPTH)
        return hfj_fail(j, "nesting too deep");
    j->pos++;
    if (hfj_peek(j) == '}') {
        j->pos++;
        return 0;
    }
    for (;;) {
        bool match = false;
        if (hfj_peek(j) != '"')
            return hfj_fail(j, "expected a member name");
        if ((r = hfj_string(j, key, &match)) < 0)
            return r;
        if (hfj_peek(j) != ':')
            return hfj_fail(j, "expected ':'");
        j->pos++;
        if (hfj_peek(j) < 0)
            return hfj_fail(j, "expected a value");
        r = match && fn ? fn(j, depth + 1, ctx) : hfj_value(j, depth + 1);
        if (r != 0)
            return r;
        c = hfj_peek(j);
        j->pos++;
        if (c == '}')
            return 0;
        if (c != ',') {
            j->pos--;
            return hfj_fail(j, "expected ',' or '}'");
        }
    }
}

/* An array at j->pos ('['): each element goes to fn (NULL: skipped). */
static int hfj_array(hfj *j, int depth, hfj_member_fn fn, void *ctx)
{
    int c, r;

    if (depth > HFJ_MAX_DEPTH)
        return hfj_fail(j, "nesting too deep");
    j->pos++;
    if (hfj_peek(j) == ']') {
        j->pos++;
        return 0;
    }
    for (;;) {
        if (hfj_peek(j) < 0)
            return hfj_fail(j, "expected a value");
        r = fn ? fn(j, depth + 1, ctx) : hfj_value(j, depth + 1);
        if (r != 0)
            return r;
        c = hfj_peek(j);
        j->pos++;
        if (c == ']')
            return 0;
        if (c != ',') {
            j->pos--;
            return hfj_fail(j, "expected ',' or ']'");
        }
    }
}

/* Any value: validated and skipped. */
static int hfj_value(hfj *j, int depth)
{
    switch (hfj_peek(j)) {
    case '"':
        return hfj_string(j, NULL, NULL);
    case '{':
        return hfj_object(j, depth, NULL, NULL, NULL);
    case '[':
        return hfj_array(j, depth, NULL, NULL);
    case 't':
        return hfj_literal(j, "true");
    case 'f':
        return hfj_literal(j, "false");
    case 'n':
        return hfj_literal(j, "null");
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        return hfj_number(j);
    case -1:
        return hfj_fail(j, "expected a value");
    default:
        return hfj_fail(j, "unexpected character");
    }
}

typedef struct hfj_models {
    const char *model;
    bool saw_data;
} hfj_models;

/* "id" member of a data element: a string equal to the model is a find. */
static int hfj_on_id(hfj *j, int depth, void *ctx)
{
    hfj_models *m = ctx;
    bool eq = false;
    int r;

    if (hfj_peek(j) != '"')
        return hfj_value(j, depth);
    r = hfj_string(j, m->model, &eq);
    return r < 0 ? r : eq ? 1 : 0;
}

static int hfj_on_element(hfj *j, int depth, void *ctx)
{
    if (hfj_peek(j) == '{')
        return hfj_object(j, depth, "id", hfj_on_id, ctx);
    return hfj_value(j, depth);
}

static int hfj_on_data(hfj *j, int depth, void *ctx)
{
    hfj_models *m = ctx;

    m->saw_data = true;
    if (hfj_peek(j) != '[')
        return hfj_fail(j, "\"data\" is not an array");
    return hfj_array(j, depth, hfj_on_element, ctx);
}

int hf_http_models_find(const char *body, size_t len, const char *model, char *err, size_t n)
{
    hfj j = {.s = (const unsigned char *)body, .len = body ? len : 0, .pos = 0,
             .err = err, .errn = n};
    hfj_models m = {.model = model ? model : "", .saw_data = false};
    int r;

    if (err && n)
        err[0] = '\0';
    if (hfj_peek(&j) != '{')
        return hfj_fail(&j, "not a JSON object (expected '{')");
    r = hfj_object(&j, 1, "data", hfj_on_data, &m);
    if (r != 0)
        return r;                               /* 1 found, or an error */
    if (hfj_peek(&j) >= 0)
        return hfj_fail(&j, "trailing data after the JSON object");
    if (!m.saw_data) {
        j.pos = 0;
        hf_err_set(err, n, "no \"data\" list in the JSON object");
        return -EBADMSG;
    }
    return 0;
}
