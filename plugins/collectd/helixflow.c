/* helixflow: the collectd read plugin of helixflow-monitoring.
 *
 *   LoadPlugin helixflow
 *   <Plugin helixflow>
 *     Root "/"
 *     StateDir "/var/lib/collectd/helixflow"
 *     <Services> Interval 10 </Services>
 *     <Endpoint "health"> Url "https://localhost:8443/health" Timeout 5 </Endpoint>
 *     ...
 *   </Plugin>
 *
 * A thin front-end (like collectd's tail.c over utils_tail_match): the
 * configuration becomes core settings (hfc_conf), each block is read by its
 * own callback, which evaluates the core's check (hf_check_eval) with the
 * block's state and renders the report (hfc_out): values, and
 * notifications for its transitions. HelixFlow being down is a value; the
 * callback returns 0 (a non-zero return makes collectd back off). See
 * collectd-helixflow(5). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "collectd.h"
#include "plugin.h"

#include "hf_defaults.h"
#include "hf_http.h"
#include "hf_util.h"
#include "hfc_conf.h"
#include "hfc_heal.h"
#include "hfc_out.h"

/* Every block; owned here, freed at shutdown (collectd stops its read
 * threads and drops their callbacks before it calls shutdown callbacks;
 * the callbacks' user data has no free_func). */
static hfc_blocks hfc_all;

static void hfc_save(hfc_block *b, bool last)
{
    char err[HF_ERR_MAX], path[HF_PATH_MAX];
    double now = hf_mono_now();

    if (!b->state || (!last && now - b->last_save < b->save_every))
        return;
    b->last_save = now;
    if (hf_check_state_save(&b->set, b->state, now + 5, err, sizeof(err)) < 0) {
        hf_check_state_path(&b->set, path, sizeof(path));
        WARNING("helixflow plugin: %s: cannot save the state to %s: %s", b->what, path, err);
    }
}

static bool hfc_heals(const hfc_block *b, const char *service)
{
    if (b->heal_all)
        return true;
    for (size_t i = 0; i < b->nheal; i++)
        if (strcmp(b->heal[i], service) == 0)
            return true;
    return false;
}

/* SelfHeal: every service the core reports down goes to the worker (it
 * decides: budget, backoff, one restart per outage). */
static void hfc_heal_down(const hfc_block *b, const hf_report *cur)
{
    if (!hfc_all.heal || (!b->heal_all && !b->nheal))
        return;
    for (size_t i = 0; i < cur->nf; i++)
        if (strcmp(cur->f[i].code, "service.down") == 0 && hfc_heals(b, cur->f[i].object))
            hfc_heal_ask(hfc_all.heal, cur->f[i].object, hf_real_now());
}

static int hfc_read(user_data_t *ud)
{
    hfc_block *b = ud->data;
    hf_report cur;
    hf_check_ctx ctx = hf_check_ctx_make(hf_settings_double(&b->set, HF_SET_TIMEOUT), 0.05, 0);

    hf_report_init(&cur);
    hf_check_eval(&b->set, b->state, &ctx, &cur);
    hfc_out_values(b, &cur);
    if (hfc_out_notify(b, b->have_prev ? &b->prev : NULL, &cur) < 0)
        WARNING("helixflow plugin: %s: out of memory: this interval's notifications are lost", b->what);
    hfc_ledger_record(b, b->have_prev ? &b->prev : NULL, &cur);
    hfc_heal_down(b, &cur);
    hf_report_free(&b->prev);
    b->prev = cur;              /* the report moves: its strings now belong to prev */
    b->have_prev = true;
    hfc_save(b, false);
    return 0;
}

static int hfc_config(oconfig_item_t *ci)
{
    if (hfc_conf_read(&hfc_all, ci) < 0) {
        ERROR("helixflow plugin: out of memory reading the configuration");
        return -1;
    }
    return 0;
}

/* The saved state of a block, when it has one (a restart resumes where
 * the last run stopped). */
static void hfc_load(hfc_block *b)
{
    char err[HF_ERR_MAX], path[HF_PATH_MAX];
    int rc;

    if (!(b->state = hf_check_state_new(b->kind)))
        return;
    rc = hf_check_state_load(&b->set, b->state, hf_mono_now() + 5, err, sizeof(err));
    b->last_save = hf_mono_now();
    if (rc < 0 && rc != -ENOENT) {
        hf_check_state_path(&b->set, path, sizeof(path));
        WARNING("helixflow plugin: %s: the saved state %s is unusable (%s); starting afresh",
                b->what, path, err);
    }
}

static int hfc_register(hfc_block *b)
{
    char name[sizeof(b->inst) + 16];
    user_data_t ud = {.data = b, .free_func = NULL};

    hf_check_init(b->kind);
    hfc_load(b);
    snprintf(name, sizeof(name), "helixflow/%s", b->inst);
    return plugin_register_complex_read("helixflow", name, hfc_read,
                                        b->interval > 0 ? DOUBLE_TO_CDTIME_T(b->interval) : 0, &ud);
}

/* The self-healing worker, when a <Services> block has SelfHeal (one: the
 * first such block; its health verdicts use the <Endpoint "health">
 * block's settings when there is one). */
static void hfc_heal_begin(void)
{
    hfc_heal_cfg hc = {.restart_conf = hfc_all.restart_conf, .ledger = hfc_all.ledger};
    char err[HF_ERR_MAX];

    for (size_t i = 0; i < hfc_all.n; i++) {
        const hfc_block *b = hfc_all.v[i];
        if (b->broken)
            continue;
        if (!hc.services && b->kind == &hf_check_service && (b->heal_all || b->nheal))
            hc.services = b;
        if (!hc.endpoint && b->kind == &hf_check_http && strcmp(b->inst, "http_health") == 0)
            hc.endpoint = &b->set;
    }
    if (!hc.services)
        return;
    hc.root = hf_settings_str(&hc.services->set, HF_SET_ROOT);
    if (!(hfc_all.heal = hfc_heal_start(&hc, err, sizeof(err))))
        ERROR("helixflow plugin: %s: SelfHeal is off: %s", hc.services->what, err);
    else
        INFO("helixflow plugin: %s: self-healing through %s", hc.services->what,
             hc.restart_conf ? hc.restart_conf : HF_DEFAULT_RESTART_CONF);
}

static int hfc_init(void)
{
    size_t ok = 0;

    if (hfc_conf_finish(&hfc_all) < 0) {
        ERROR("helixflow plugin: out of memory");
        return -1;
    }
    for (size_t i = 0; i < hfc_all.n; i++) {
        hfc_block *b = hfc_all.v[i];
        if (b->broken)
            continue;
        if (hfc_register(b) != 0)
            ERROR("helixflow plugin: %s: cannot register its read callback", b->what);
        else
            ok++;
    }
    INFO("helixflow plugin: %zu of %zu blocks reading", ok, hfc_all.n);
    hfc_heal_begin();
    return 0;
}

static int hfc_shutdown(void)
{
    hfc_heal_stop(hfc_all.heal);
    hfc_all.heal = NULL;
    for (size_t i = 0; i < hfc_all.n; i++)
        if (!hfc_all.v[i]->broken)
            hfc_save(hfc_all.v[i], true);
    hfc_blocks_free(&hfc_all);
    hf_http_shutdown();
    return 0;
}

__attribute__((visibility("default"))) void module_register(void)
{
    plugin_register_complex_config("helixflow", hfc_config);
    plugin_register_init("helixflow", hfc_init);
    plugin_register_shutdown("helixflow", hfc_shutdown);
}
