/* hf_settings: the table-driven settings of a check instance. */
#include "hf_settings.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hf_check.h"
#include "hf_defaults.h"
#include "hf_util.h"

static const hf_setting_def hf_settings_common[HF_SET_KIND0] = {
    [HF_SET_ROOT] = {"root", HF_SET_STRING, "/", 0, 0, HF_SETF_IDENTITY, "DIR",
                     "prefix of every default deployment path (not /proc or /sys)", NULL},
    [HF_SET_STATE_DIR] = {"state-dir", HF_SET_PATH, HF_DEFAULT_STATE_DIR, 0, 0, 0, "DIR",
                          "where state is kept between runs (the default moves under --root)", NULL},
    [HF_SET_TIMEOUT] = {"timeout", HF_SET_DOUBLE, HF_DEFAULT_TIMEOUT_S, 1, 3600, 0, "SECONDS",
                        "give up and report UNKNOWN after this long", NULL},
};

size_t hf_settings_count(const hf_check_kind *k)
{
    return HF_SET_KIND0 + (k ? k->ndefs : 0);
}

const hf_setting_def *hf_settings_def(const hf_check_kind *k, size_t i)
{
    if (i < HF_SET_KIND0)
        return &hf_settings_common[i];
    if (!k || i - HF_SET_KIND0 >= k->ndefs)
        return NULL;
    return &k->defs[i - HF_SET_KIND0];
}

int hf_settings_find(const hf_check_kind *k, const char *name)
{
    for (size_t i = 0; i < hf_settings_count(k); i++)
        if (strcmp(hf_settings_def(k, i)->name, name) == 0)
            return (int)i;
    return -1;
}

/* a, b equal ignoring case and '-' / '_'. */
static bool hf_settings_loose_eq(const char *a, const char *b)
{
    for (;;) {
        while (*a == '-' || *a == '_')
            a++;
        while (*b == '-' || *b == '_')
            b++;
        if (!*a || !*b)
            return !*a && !*b;
        if (tolower((unsigned char)*a++) != tolower((unsigned char)*b++))
            return false;
    }
}

int hf_settings_find_loose(const hf_check_kind *k, const char *name)
{
    for (size_t i = 0; i < hf_settings_count(k); i++)
        if (hf_settings_loose_eq(hf_settings_def(k, i)->name, name))
            return (int)i;
    return -1;
}

static void hf_settings_clear(hf_setting_value *v)
{
    free(v->s);
    for (size_t j = 0; j < v->nitems; j++)
        free(v->items[j]);
    free(v->items);
    memset(v, 0, sizeof(*v));
}

void hf_settings_free(hf_settings *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->v && i < s->n; i++)
        hf_settings_clear(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

static int hf_settings_number(const hf_setting_def *d, const char *value, double *out, char *err,
                              size_t n)
{
    if (!value || hf_parse_double(value, out) < 0 || *out < d->min || *out > d->max ||
        (d->type == HF_SET_LONG && *out != (double)(long)*out)) {
        if (isinf(d->max))          /* no upper bound */
            hf_err_set(err, n, "'%s' is not a %s >= %.15g", value ? value : "",
                       d->type == HF_SET_LONG ? "whole number" : "number", d->min);
        else
            hf_err_set(err, n, "'%s' is not a %s from %.15g to %.15g", value ? value : "",
                       d->type == HF_SET_LONG ? "whole number" : "number", d->min, d->max);
        return -EINVAL;
    }
    return 0;
}

static int hf_settings_flag_text(const char *value, bool *out, char *err, size_t n)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};

    if (!value) {
        *out = true;
        return 0;
    }
    for (size_t i = 0; i < HF_ARRAY_SIZE(yes); i++) {
        if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
            *out = strcasecmp(value, yes[i]) == 0;
            return 0;
        }
    }
    hf_err_set(err, n, "'%s' is not true or false", value);
    return -EINVAL;
}

static int hf_settings_pair_ok(const char *value, char *err, size_t n)
{
    const char *eq = strchr(value, '=');

    if (!eq || eq == value || eq[1] != '/') {
        hf_err_set(err, n, "'%s' is not NAME=/absolute/path", value);
        return -EINVAL;
    }
    return 0;
}

static int hf_settings_append(hf_setting_value *v, const char *item, size_t len)
{
    char **items = realloc(v->items, (v->nitems + 1) * sizeof(*items));

    if (!items)
        return -ENOMEM;
    v->items = items;
    if (!(items[v->nitems] = strndup(item, len)))
        return -ENOMEM;
    v->nitems++;
    return 0;
}

/* A list setting's default: ',' separated items. */
static int hf_settings_list_default(hf_setting_value *v, const char *text)
{
    for (const char *s = text; *s;) {
        size_t len = strcspn(s, ",");
        if (len && hf_settings_append(v, s, len) < 0)
            return -ENOMEM;
        s += len + (s[len] == ',');
    }
    return 0;
}

static int hf_settings_list_add(const hf_setting_def *d, hf_setting_value *v, const char *value,
                                char *err, size_t n)
{
    if (!value || !*value) {
        hf_err_set(err, n, "empty value");
        return -EINVAL;
    }
    if ((d->flags & HF_SETF_PAIRS) && hf_settings_pair_ok(value, err, n) < 0)
        return -EINVAL;
    if (!v->given) {                /* the first explicit value replaces the default list */
        for (size_t j = 0; j < v->nitems; j++)
            free(v->items[j]);
        v->nitems = 0;
    }
    if (hf_settings_append(v, value, strlen(value)) < 0) {
        hf_err_set(err, n, "out of memory");
        return -ENOMEM;
    }
    return 0;
}

/* Parse value for d into v (v->given untouched). */
static int hf_settings_parse(const hf_setting_def *d, hf_setting_value *v, const char *value,
                             char *err, size_t n)
{
    double x;
    char *copy;

    switch (d->type) {
    case HF_SET_FLAG:
        return hf_settings_flag_text(value, &v->b, err, n);
    case HF_SET_LONG:
    case HF_SET_DOUBLE:
        if (hf_settings_number(d, value, &x, err, n) < 0)
            return -EINVAL;
        v->d = x;
        v->l = (long)x;
        return 0;
    case HF_SET_RANGE:
        return value ? hf_range_parse(value, &v->r, err, n) : (hf_err_set(err, n, "empty range"), -EINVAL);
    case HF_SET_LIST:
        return hf_settings_list_add(d, v, value, err, n);
    case HF_SET_STRING:
    case HF_SET_PATH:
        if (!value || !*value) {
            hf_err_set(err, n, "empty value");
            return -EINVAL;
        }
        if (!(copy = strdup(value))) {
            hf_err_set(err, n, "out of memory");
            return -ENOMEM;
        }
        free(v->s);
        v->s = copy;
        return 0;
    }
    return -EINVAL;
}

int hf_settings_init(hf_settings *s, const hf_check_kind *k)
{
    char err[HF_ERR_MAX];

    memset(s, 0, sizeof(*s));
    s->kind = k;
    s->n = hf_settings_count(k);
    if (!(s->v = calloc(s->n, sizeof(*s->v))))
        return -ENOMEM;
    for (size_t i = 0; i < s->n; i++) {
        const hf_setting_def *d = hf_settings_def(k, i);
        int r = 0;
        if (!d->dflt || d->alias)
            continue;
        if (d->type == HF_SET_LIST)
            r = hf_settings_list_default(&s->v[i], d->dflt);
        else
            r = hf_settings_parse(d, &s->v[i], d->dflt, err, sizeof(err));
        if (r < 0) {                /* a table bug or out of memory: never half-filled */
            hf_settings_free(s);
            return r == -ENOMEM ? -ENOMEM : -EINVAL;
        }
        s->v[i].set = true;
    }
    return 0;
}

int hf_settings_set(hf_settings *s, size_t i, const char *value, char *err, size_t n)
{
    const hf_setting_def *d = hf_settings_def(s->kind, i);
    int r;

    if (!d || i >= s->n) {
        hf_err_set(err, n, "no such setting");
        return -EINVAL;
    }
    if (d->alias) {
        int j = hf_settings_find(s->kind, d->alias);
        if (j < 0) {
            hf_err_set(err, n, "alias of unknown setting %s", d->alias);
            return -EINVAL;
        }
        i = (size_t)j;
        d = hf_settings_def(s->kind, i);
    }
    if ((r = hf_settings_parse(d, &s->v[i], value, err, n)) < 0)
        return r;
    s->v[i].given = s->v[i].set = true;
    return 0;
}

bool hf_settings_given(const hf_settings *s, size_t i)
{
    return i < s->n && s->v[i].given;
}

bool hf_settings_flag(const hf_settings *s, size_t i)
{
    return i < s->n && s->v[i].b;
}

long hf_settings_long(const hf_settings *s, size_t i)
{
    return i < s->n ? s->v[i].l : 0;
}

double hf_settings_double(const hf_settings *s, size_t i)
{
    return i < s->n ? s->v[i].d : 0;
}

const char *hf_settings_str(const hf_settings *s, size_t i)
{
    return i < s->n ? s->v[i].s : NULL;
}

const hf_range *hf_settings_range(const hf_settings *s, size_t i)
{
    static const hf_range unset;

    return i < s->n ? &s->v[i].r : &unset;
}

const char *const *hf_settings_list(const hf_settings *s, size_t i, size_t *n)
{
    *n = i < s->n ? s->v[i].nitems : 0;
    return *n ? (const char *const *)s->v[i].items : NULL;
}

int hf_settings_rooted(const hf_settings *s, const char *abs_path, char *out, size_t n)
{
    return hf_path_join(out, n, hf_settings_str(s, HF_SET_ROOT), abs_path);
}

int hf_settings_path(const hf_settings *s, size_t i, char *out, size_t n)
{
    const char *v = hf_settings_str(s, i);

    if (!v)
        return -ENOENT;
    if (hf_settings_given(s, i)) {
        if ((size_t)snprintf(out, n, "%s", v) >= n)
            return -ENAMETOOLONG;
        return 0;
    }
    return hf_settings_rooted(s, v, out, n);
}

static uint64_t hf_settings_hash_str(uint64_t h, const char *text)
{
    h = hf_hash64(text ? text : "", text ? strlen(text) + 1 : 1, h);
    return h;
}

uint64_t hf_settings_identity(const hf_settings *s)
{
    uint64_t h = hf_settings_hash_str(HF_HASH_SEED, s->kind ? s->kind->name : "");
    char num[64];

    for (size_t i = 0; i < s->n; i++) {
        const hf_setting_def *d = hf_settings_def(s->kind, i);
        const hf_setting_value *v = &s->v[i];
        if (!(d->flags & HF_SETF_IDENTITY))
            continue;
        h = hf_settings_hash_str(h, d->name);
        switch (d->type) {
        case HF_SET_LIST:
            for (size_t j = 0; j < v->nitems; j++)
                h = hf_settings_hash_str(h, v->items[j]);
            break;
        case HF_SET_STRING:
        case HF_SET_PATH:
            h = hf_settings_hash_str(h, v->s);
            break;
        case HF_SET_RANGE:
            h = hf_settings_hash_str(h, v->r.set ? v->r.text : "");
            break;
        default:
            snprintf(num, sizeof(num), "%d %.17g", v->b, v->d);
            h = hf_settings_hash_str(h, num);
            break;
        }
    }
    return h;
}
