/* hfc_out: a check report rendered into collectd: its metrics as values,
 * its transitions as notifications (see hfc_out.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "collectd.h"
#include "plugin.h"

#include "hf_util.h"
#include "hfc_out.h"

/* The collectd type of a metric: by name where a stock type says more,
 * else by unit. Types prefixed helixflow_ are in helixflow-types.db. */
static const char *hfc_out_type(const hf_metric *m, bool *derive)
{
    static const struct {
        const char *name, *type;
    } by_name[] = {
        {"threads", "threads"}, {"fds", "file_handles"}, {"uptime", "uptime"},
        {"processes", "count"}, {"rows", "count"},       {"cpu_us", "helixflow_cpu"},
    };
    static const struct {
        const char *unit, *type;
    } by_unit[] = {
        {"B", "bytes"}, {"%", "percent"}, {"s", "duration"}, {"ms", "helixflow_ms"},
        {"d", "helixflow_days"}, {"b", "helixflow_bool"}, {"c", "derive"},
    };

    *derive = strcmp(m->unit, "c") == 0;
    for (size_t i = 0; i < HF_ARRAY_SIZE(by_name); i++)
        if (strcmp(m->name, by_name[i].name) == 0)
            return by_name[i].type;
    for (size_t i = 0; i < HF_ARRAY_SIZE(by_unit); i++)
        if (strcmp(m->unit, by_unit[i].unit) == 0)
            return by_unit[i].type;
    return "gauge";
}

/* plugin_instance: the block's, then "-<object>" ('/' is not allowed). */
static void hfc_out_inst(char *out, size_t n, const hfc_block *b, const char *object)
{
    snprintf(out, n, "%s%s%s", b->inst, object[0] ? "-" : "", object);
    for (char *p = out; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
}

static void hfc_out_value(const hfc_block *b, const hf_metric *m)
{
    value_list_t vl = VALUE_LIST_INIT;
    value_t v;
    bool derive;
    const char *type = hfc_out_type(m, &derive);

    if (derive) {
        if (isnan(m->value))
            return;             /* a counter that could not be read is left out */
        v.derive = (derive_t)llround(m->value);
    } else {
        v.gauge = m->value;
    }
    vl.values = &v;
    vl.values_len = 1;
    hf_strlcpy(vl.plugin, "helixflow", sizeof(vl.plugin));
    hfc_out_inst(vl.plugin_instance, sizeof(vl.plugin_instance), b, m->object);
    hf_strlcpy(vl.type, type, sizeof(vl.type));
    hf_strlcpy(vl.type_instance, m->name, sizeof(vl.type_instance));
    plugin_dispatch_values(&vl);
}

void hfc_out_values(const hfc_block *b, const hf_report *r)
{
    for (size_t i = 0; i < r->nm; i++)
        if (r->m[i].use & HF_METRIC_VALUE)
            hfc_out_value(b, &r->m[i]);
}

/* CRITICAL: FAILURE; WARNING and UNKNOWN: WARNING (collectd has no
 * unknown; the state is in the meta data); OK: OKAY. */
static int hfc_out_severity(hf_state st)
{
    return st == HF_CRITICAL ? NOTIF_FAILURE : st == HF_OK ? NOTIF_OKAY : NOTIF_WARNING;
}

/* Does a value of r carry object? A notification names the object in its
 * plugin instance only then (a service, a certificate file), so it matches
 * the values'; an object no value has (the endpoint's role "health", a log
 * file's path) is in the meta data only. */
static bool hfc_out_has_object(const hf_report *r, const char *object)
{
    for (size_t i = 0; i < r->nm; i++)
        if ((r->m[i].use & HF_METRIC_VALUE) && strcmp(r->m[i].object, object) == 0)
            return true;
    return false;
}

static void hfc_out_note(const hfc_block *b, const hf_report *cur, const hf_transition *t)
{
    notification_t n = {0};

    n.severity = hfc_out_severity(t->to);
    n.time = cdtime();
    hf_strlcpy(n.host, hostname_g, sizeof(n.host));
    hf_strlcpy(n.plugin, "helixflow", sizeof(n.plugin));
    hfc_out_inst(n.plugin_instance, sizeof(n.plugin_instance), b,
                 hfc_out_has_object(cur, t->object) ? t->object : "");
    hf_strlcpy(n.type, "helixflow_state", sizeof(n.type));
    hf_strlcpy(n.type_instance, t->code, sizeof(n.type_instance));
    snprintf(n.message, sizeof(n.message), "%s %s: %s", b->kind->name, hf_state_name(t->to), t->text);
    plugin_notification_meta_add_string(&n, "object", t->object);
    plugin_notification_meta_add_string(&n, "code", t->code);
    plugin_notification_meta_add_string(&n, "state", hf_state_name(t->to));
    plugin_notification_meta_add_string(&n, "previous_state", hf_state_name(t->from));
    plugin_dispatch_notification(&n);
    plugin_notification_meta_free(n.meta);
}

int hfc_out_notify(const hfc_block *b, const hf_report *prev, const hf_report *cur)
{
    hf_transition *t = NULL;
    size_t n = 0;
    int rc = hf_report_transitions(prev, cur, &t, &n);

    for (size_t i = 0; rc == 0 && i < n; i++)
        hfc_out_note(b, cur, &t[i]);
    hf_transitions_free(t, n);
    return rc;
}
