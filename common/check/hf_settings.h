/* hf_settings: the settings of one check instance, declared once per check
 * kind in a table the core owns (name, type, default, bounds, one line of
 * documentation) and filled by every front-end through that table.
 *
 * One name, every front-end's casing:
 *   core / SNMP agent config   health-url
 *   Nagios long option         --health-url
 *   collectd config key        HealthUrl      (hf_settings_find_loose)
 * so a bad value gets the same message everywhere: hf_settings_set returns
 * the problem without the name ("'abc' is not a number from 1 to 3600") and
 * the front-end prefixes it with its own spelling of the setting.
 *
 * Every kind starts with the common settings (root, state-dir, timeout), at
 * indices HF_SET_ROOT.. and then its own from HF_SET_KIND0 on, in the order
 * of its table, so a kind reads its values by an enum, never by name.
 *
 * Defaults are text, parsed by the same code as a user's value, and come
 * from hf_defaults.h. A PATH setting whose default is used is moved under
 * the root setting (hf_settings_path); a value given explicitly is not.
 * LIST settings are repeatable: the first explicit value replaces the
 * default list, later ones append. A PAIRS list takes NAME=/absolute/path.
 *
 * Ownership: hf_settings owns every value (strings are copied); the table
 * is static. Not thread-safe while being filled; read-only afterwards, so
 * concurrent evaluation of one settings object is safe. */
#ifndef HF_SETTINGS_H
#define HF_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_range.h"

typedef enum hf_setting_type {
    HF_SET_STRING,              /* non-empty text */
    HF_SET_PATH,                /* non-empty path; the default is moved under root */
    HF_SET_FLAG,                /* boolean: Nagios --name, collectd true/false */
    HF_SET_LONG,                /* whole number within [min, max] */
    HF_SET_DOUBLE,              /* number within [min, max] */
    HF_SET_RANGE,               /* Monitoring Plugins range (hf_range_parse) */
    HF_SET_LIST,                /* repeatable non-empty text; default items ',' separated */
} hf_setting_type;

enum {
    HF_SETF_IDENTITY = 1u << 0, /* part of the instance's identity: names its state file */
    HF_SETF_PAIRS = 1u << 1,    /* LIST of NAME=/absolute/path */
    HF_SETF_ROOTED = 1u << 2,   /* LIST of paths: default items are moved under root */
};

typedef struct hf_setting_def {
    const char *name;           /* "health-url": lower case, '-' between words */
    hf_setting_type type;
    const char *dflt;           /* as a user writes it; NULL: none (unset) */
    double min, max;            /* LONG / DOUBLE bounds, inclusive; max INFINITY: none */
    unsigned flags;             /* HF_SETF_* */
    const char *meta;           /* value placeholder for usage lines: "URL", "RANGE" */
    const char *doc;            /* one line */
    const char *alias;          /* setting this sets that one instead (-w -> error-warning) */
} hf_setting_def;

/* Common settings, in every kind. */
enum { HF_SET_ROOT, HF_SET_STATE_DIR, HF_SET_TIMEOUT, HF_SET_KIND0 };

typedef struct hf_setting_value {
    bool given;                 /* set explicitly, not the default */
    bool set;                   /* has a value (default or given) */
    bool b;
    long l;
    double d;
    char *s;                    /* STRING / PATH, owned */
    hf_range r;
    char **items;               /* LIST, owned */
    size_t nitems;
} hf_setting_value;

struct hf_check_kind;

typedef struct hf_settings {
    const struct hf_check_kind *kind;
    size_t n;                   /* HF_SET_KIND0 + kind's ndefs */
    hf_setting_value *v;        /* owned */
} hf_settings;

/* The definition at index i of kind k (common ones first), or NULL. */
const hf_setting_def *hf_settings_def(const struct hf_check_kind *k, size_t i);
size_t hf_settings_count(const struct hf_check_kind *k);
/* Index of the setting called name (exact), or -1. */
int hf_settings_find(const struct hf_check_kind *k, const char *name);
/* Same, ignoring case and '-'/'_': "HealthUrl", "health_url". */
int hf_settings_find_loose(const struct hf_check_kind *k, const char *name);

/* Defaults applied. Returns 0 or -ENOMEM. hf_settings_free releases. */
int hf_settings_init(hf_settings *s, const struct hf_check_kind *k);
void hf_settings_free(hf_settings *s);       /* accepts NULL */

/* Set setting i from text (a FLAG takes NULL or "true"/"false"/"yes"/
 * "no"/"on"/"off"/"1"/"0"). Returns 0, or -EINVAL with err (size n)
 * saying what is wrong with the value, without the setting's name. */
int hf_settings_set(hf_settings *s, size_t i, const char *value, char *err, size_t n);

/* Values (the default when not given). */
bool hf_settings_given(const hf_settings *s, size_t i);
bool hf_settings_flag(const hf_settings *s, size_t i);
long hf_settings_long(const hf_settings *s, size_t i);
double hf_settings_double(const hf_settings *s, size_t i);
const char *hf_settings_str(const hf_settings *s, size_t i);          /* NULL when unset */
const hf_range *hf_settings_range(const hf_settings *s, size_t i);    /* ->set false when unset */
const char *const *hf_settings_list(const hf_settings *s, size_t i, size_t *n);

/* A path setting (or a default path under root): the explicit value as
 * given, the default joined under the root setting. Returns 0,
 * -ENOENT when unset, -ENAMETOOLONG. */
int hf_settings_path(const hf_settings *s, size_t i, char *out, size_t n);
/* Any absolute deployment path moved under the root setting. */
int hf_settings_rooted(const hf_settings *s, const char *abs_path, char *out, size_t n);

/* Hash of the kind's name, the root and every HF_SETF_IDENTITY setting's
 * value: two instances that would keep different state differ. */
uint64_t hf_settings_identity(const hf_settings *s);

#endif
