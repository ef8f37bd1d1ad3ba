/* hfc_conf: the plugin's configuration into core settings (see hfc_conf.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "collectd.h"
#include "plugin.h"

#include "hf_defaults.h"
#include "hf_util.h"
#include "hf_ledger.h"
#include "hf_restart_policy.h"
#include "hfc_conf.h"

/* Block name -> check kind, in the order of the standard deployment. */
static const struct {
    const char *block, *kind, *dflt_name;
} hfc_conf_kinds[] = {
    {"Services", "service", NULL},     {"Resources", "resources", NULL},
    {"Endpoint", "http", "health"},    {"Metrics", "api", "gateway"},
    {"Certificates", "cert", NULL},    {"Database", "db", NULL},
    {"Backups", "backup", NULL},       {"Logs", "log", NULL},
};

void hfc_block_free(hfc_block *b)
{
    if (!b)
        return;
    if (b->state)
        hf_check_state_free(b->kind, b->state);
    hf_ledger_close(b->ledger);
    for (size_t i = 0; i < b->nheal; i++)
        free(b->heal[i]);
    free(b->heal);
    hf_settings_free(&b->set);
    hf_report_free(&b->prev);
    free(b);
}

void hfc_blocks_free(hfc_blocks *bs)
{
    for (size_t i = 0; i < bs->n; i++)
        hfc_block_free(bs->v[i]);
    free(bs->v);
    free(bs->root);
    free(bs->state_dir);
    free(bs->timeout);
    free(bs->ledger);
    free(bs->restart_conf);
    memset(bs, 0, sizeof(*bs));
}

/* The text of value i of an item, as a user would write it. */
static const char *hfc_conf_text(const oconfig_item_t *it, int i, char *buf, size_t n)
{
    const oconfig_value_t *v = &it->values[i];

    if (v->type == OCONFIG_TYPE_STRING)
        return v->value.string;
    if (v->type == OCONFIG_TYPE_BOOLEAN)
        return v->value.boolean ? "true" : "false";
    snprintf(buf, n, "%.15g", v->value.number);
    return buf;
}

static bool hfc_conf_number(const oconfig_item_t *it, double lo, double hi, double *out)
{
    char buf[64], *end;
    double d;

    if (it->values_num != 1)
        return false;
    d = strtod(hfc_conf_text(it, 0, buf, sizeof(buf)), &end);
    if (*end || !isfinite(d) || d < lo || d > hi)
        return false;
    *out = d;
    return true;
}

static int hfc_conf_strdup(char **dst, const oconfig_item_t *it)
{
    char buf[64];

    if (it->values_num != 1)
        return -EINVAL;
    free(*dst);
    *dst = strdup(hfc_conf_text(it, 0, buf, sizeof(buf)));
    return *dst ? 0 : -ENOMEM;
}

static hfc_block *hfc_block_new(hfc_blocks *bs, size_t k, const char *name)
{
    hfc_block *b = calloc(1, sizeof(*b));
    const char *nm = name ? name : hfc_conf_kinds[k].dflt_name;

    if (!b || hf_array_reserve(&bs->v, &bs->cap, bs->n, sizeof(*bs->v), 8) < 0) {
        free(b);
        return NULL;
    }
    b->kind = hf_check_kind_find(hfc_conf_kinds[k].kind);
    hf_report_init(&b->prev);
    if (!b->kind || hf_settings_init(&b->set, b->kind) < 0) {
        hf_report_free(&b->prev);
        free(b);
        return NULL;
    }
    if (name)
        snprintf(b->what, sizeof(b->what), "<%s \"%.*s\">", hfc_conf_kinds[k].block, HFC_NAME_MAX, name);
    else
        snprintf(b->what, sizeof(b->what), "<%s>", hfc_conf_kinds[k].block);
    if (nm)
        snprintf(b->inst, sizeof(b->inst), "%s_%.*s", b->kind->name, HFC_NAME_MAX, nm);
    else
        snprintf(b->inst, sizeof(b->inst), "%s", b->kind->name);
    for (char *p = b->inst; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.'))
            *p = '_';           /* '-' separates the object; '/' would split the identifier */
    bs->v[bs->n++] = b;
    return b;
}

static void hfc_conf_bad(hfc_block *b, const char *key, const char *msg)
{
    ERROR("helixflow plugin: %s: %s: %s; this block is disabled", b->what, key, msg);
    b->broken = true;
}

/* SelfHeal true|false, or SelfHeal "service" ...: <Services> only. */
static void hfc_conf_heal(hfc_block *b, const oconfig_item_t *it)
{
    if (b->kind != &hf_check_service) {
        hfc_conf_bad(b, it->key, "only in <Services>");
        return;
    }
    if (it->values_num == 1 && it->values[0].type == OCONFIG_TYPE_BOOLEAN) {
        b->heal_all = it->values[0].value.boolean != 0;
        return;
    }
    if (it->values_num < 1) {
        hfc_conf_bad(b, it->key, "takes true, false or service names");
        return;
    }
    for (int v = 0; v < it->values_num; v++) {
        const char *name = it->values[v].type == OCONFIG_TYPE_STRING ? it->values[v].value.string : NULL;
        char **nv;
        if (!name || !hf_restart_name_valid(name)) {
            hfc_conf_bad(b, it->key, "takes true, false or service names (letters, digits, '.', '_', '-')");
            return;
        }
        if (!(nv = realloc(b->heal, (b->nheal + 1) * sizeof(*nv))) || !(nv[b->nheal] = strdup(name))) {
            if (nv)
                b->heal = nv;
            hfc_conf_bad(b, it->key, "out of memory");
            return;
        }
        b->heal = nv;
        b->nheal++;
    }
}

/* One key of a block: Interval, SaveInterval, SelfHeal or a core setting. */
static void hfc_conf_key(hfc_block *b, const oconfig_item_t *it)
{
    char err[HF_ERR_MAX], buf[64];
    const hf_setting_def *d;
    int i;

    if (it->children_num > 0) {
        hfc_conf_bad(b, it->key, "a block is not allowed here");
        return;
    }
    if (strcasecmp(it->key, "Interval") == 0 || strcasecmp(it->key, "SaveInterval") == 0) {
        double *dst = strcasecmp(it->key, "Interval") == 0 ? &b->interval : &b->save_every;
        if (!hfc_conf_number(it, 0.001, 86400 * 31, dst))
            hfc_conf_bad(b, it->key, "takes one number of seconds (more than 0, at most 31 days)");
        return;
    }
    if (strcasecmp(it->key, "SelfHeal") == 0) {
        hfc_conf_heal(b, it);
        return;
    }
    i = hf_settings_find_loose(b->kind, it->key);
    if (i < 0) {
        snprintf(err, sizeof(err), "unknown key (see collectd-helixflow(5) for the keys of this block)");
        hfc_conf_bad(b, it->key, err);
        return;
    }
    d = hf_settings_def(b->kind, (size_t)i);
    if (it->values_num < 1 || (it->values_num > 1 && d->type != HF_SET_LIST)) {
        hfc_conf_bad(b, it->key, d->type == HF_SET_LIST ? "takes one or more values" : "takes one value");
        return;
    }
    for (int v = 0; v < it->values_num; v++)
        if (hf_settings_set(&b->set, (size_t)i, hfc_conf_text(it, v, buf, sizeof(buf)), err,
                            sizeof(err)) < 0) {
            hfc_conf_bad(b, it->key, err);
            return;
        }
}

static bool hfc_conf_dup(const hfc_blocks *bs, const hfc_block *b)
{
    for (size_t i = 0; i + 1 < bs->n; i++)
        if (bs->v[i] != b && strcmp(bs->v[i]->inst, b->inst) == 0)
            return true;
    return false;
}

static int hfc_conf_block(hfc_blocks *bs, size_t k, const oconfig_item_t *ci)
{
    const char *name = NULL;
    hfc_block *b;

    if (ci->values_num > 1 || (ci->values_num == 1 && ci->values[0].type != OCONFIG_TYPE_STRING)) {
        ERROR("helixflow plugin: <%s>: takes at most one name, a string; this block is disabled",
              ci->key);
        return 0;
    }
    if (ci->values_num == 1)
        name = ci->values[0].value.string;
    if (!(b = hfc_block_new(bs, k, name)))
        return -ENOMEM;
    bs->configured = true;
    if (name && (!*name || strlen(name) > HFC_NAME_MAX))
        hfc_conf_bad(b, "name", "must be 1 to 64 characters");
    else if (hfc_conf_dup(bs, b))
        hfc_conf_bad(b, "name", "another block has the same kind and name (give each a name)");
    for (int i = 0; i < ci->children_num && !b->broken; i++)
        hfc_conf_key(b, &ci->children[i]);
    return 0;
}

/* A plugin-wide key: Root, StateDir, Timeout, SaveInterval. */
static void hfc_conf_top(hfc_blocks *bs, const oconfig_item_t *it)
{
    int rc = -EINVAL;

    if (strcasecmp(it->key, "Root") == 0)
        rc = hfc_conf_strdup(&bs->root, it);
    else if (strcasecmp(it->key, "StateDir") == 0)
        rc = hfc_conf_strdup(&bs->state_dir, it);
    else if (strcasecmp(it->key, "Timeout") == 0)
        rc = hfc_conf_strdup(&bs->timeout, it);
    else if (strcasecmp(it->key, "SaveInterval") == 0)
        rc = hfc_conf_number(it, 1, 86400, &bs->save_every) ? 0 : -EINVAL;
    else if (strcasecmp(it->key, "RestartConfig") == 0)
        rc = hfc_conf_strdup(&bs->restart_conf, it);
    else if (strcasecmp(it->key, "Ledger") == 0 && it->values_num == 1 &&
             it->values[0].type == OCONFIG_TYPE_BOOLEAN) {
        bs->no_ledger = !it->values[0].value.boolean;
        bs->use_ledger = it->values[0].value.boolean;      /* true: the default path */
        rc = 0;
    } else if (strcasecmp(it->key, "Ledger") == 0)
        rc = hfc_conf_strdup(&bs->ledger, it);
    else {
        ERROR("helixflow plugin: %s: unknown key (a block such as <Services>, or Root, StateDir, "
              "Timeout, SaveInterval, Ledger, RestartConfig); ignored", it->key);
        return;
    }
    if (rc < 0)
        ERROR("helixflow plugin: %s: takes one value%s; ignored", it->key,
              strcasecmp(it->key, "SaveInterval") == 0 ? " (seconds, 1 to 86400)" : "");
}

int hfc_conf_read(hfc_blocks *bs, oconfig_item_t *ci)
{
    for (int i = 0; i < ci->children_num; i++) {
        const oconfig_item_t *it = &ci->children[i];
        size_t k;

        for (k = 0; k < HF_ARRAY_SIZE(hfc_conf_kinds); k++)
            if (strcasecmp(it->key, hfc_conf_kinds[k].block) == 0)
                break;
        if (k < HF_ARRAY_SIZE(hfc_conf_kinds)) {
            if (hfc_conf_block(bs, k, it) < 0)
                return -ENOMEM;
        } else if (it->children_num > 0) {
            ERROR("helixflow plugin: <%s>: unknown block (Services, Resources, Endpoint, Metrics, "
                  "Certificates, Database, Backups, Logs); ignored", it->key);
        } else {
            hfc_conf_top(bs, it);
        }
    }
    return 0;
}

/* A common setting from the plugin-wide value, unless the block set it. */
static void hfc_conf_common(hfc_block *b, size_t idx, const char *value, const char *key)
{
    char err[HF_ERR_MAX];

    if (!value || b->broken || hf_settings_given(&b->set, idx))
        return;
    if (hf_settings_set(&b->set, idx, value, err, sizeof(err)) < 0)
        hfc_conf_bad(b, key, err);
}

static void hfc_conf_settle(hfc_blocks *bs, hfc_block *b)
{
    char err[HF_ERR_MAX];
    const hf_setting_def *d;
    int bad = -1;

    hfc_conf_common(b, HF_SET_ROOT, bs->root, "Root");
    hfc_conf_common(b, HF_SET_STATE_DIR, bs->state_dir ? bs->state_dir : HF_DEFAULT_COLLECTD_STATE_DIR,
                    "StateDir");
    hfc_conf_common(b, HF_SET_TIMEOUT, bs->timeout, "Timeout");
    if (!b->save_every)
        b->save_every = bs->save_every ? bs->save_every : HF_COLLECTD_SAVE_S;
    b->all = bs;
    if (b->broken)
        return;
    if (b->kind == &hf_check_http && !hf_settings_given(&b->set, (size_t)hf_settings_find(b->kind, "url")))
        hfc_conf_common(b, (size_t)hf_settings_find(b->kind, "url"),
                        strcmp(b->inst, "http_health") == 0 ? HF_DEFAULT_HEALTH_URL : NULL, "Url");
    if (b->broken || hf_check_validate(&b->set, &bad, err, sizeof(err)) == 0)
        return;
    d = bad >= 0 ? hf_settings_def(b->kind, (size_t)bad) : NULL;
    if (d) {
        char key[64];
        size_t k = 0;
        for (const char *p = d->name; *p && k + 1 < sizeof(key); p++)   /* health-url -> HealthUrl */
            if (*p != '-')
                key[k++] = (char)(p == d->name || p[-1] == '-' ? (*p >= 'a' && *p <= 'z' ? *p - 32 : *p) : *p);
        key[k] = '\0';
        hfc_conf_bad(b, key, err);
    } else {
        hfc_conf_bad(b, "settings", err);
    }
}

int hfc_conf_finish(hfc_blocks *bs)
{
    if (!bs->configured)
        for (size_t k = 0; k < HF_ARRAY_SIZE(hfc_conf_kinds); k++)
            if (!hfc_block_new(bs, k, NULL))
                return -ENOMEM;
    for (size_t i = 0; i < bs->n; i++) {
        hfc_conf_settle(bs, bs->v[i]);
        if (!bs->v[i]->broken && (bs->v[i]->heal_all || bs->v[i]->nheal))
            bs->use_ledger = true;      /* self-healing keeps its outages there */
    }
    if (bs->ledger)
        bs->use_ledger = true;
    if (bs->no_ledger)
        bs->use_ledger = false;
    return 0;
}
