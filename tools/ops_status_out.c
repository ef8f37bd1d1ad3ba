/* ops_status_out: the dashboard's layout (text and JSON) of the reports of
 * an hf_deploy run. Layout only: states, texts and figures are the core's. */
#include <stdlib.h>
#include <string.h>

#include "hf_time.h"
#include "ops.h"
#include "ops_status.h"

/* The dashboard's sections, the check kinds each shows, and whether every
 * object gets its line even when all is well (each service, each
 * certificate, as the guide's dashboard lists them). */
static const struct {
    const char *id, *title;
    const char *kinds[2];
    bool objects;
} so_sections[] = {
    {"services", "Services", {"service", NULL}, true},
    {"endpoints", "Endpoints", {"http", "api"}, false},
    {"certificates", "Certificates", {"cert", NULL}, true},
    {"database", "Database", {"db", NULL}, false},
    {"backups", "Backups", {"backup", NULL}, false},
    {"resources", "Resources", {"resources", NULL}, false},
    {"recent_errors", "Recent errors", {"log", NULL}, false},
};

static const hf_deploy_part *so_part(const hf_deploy *d, const char *kind)
{
    for (size_t i = 0; kind && i < d->n; i++)
        if (strcmp(d->part[i].kind->name, kind) == 0)
            return &d->part[i];
    return NULL;
}

static void so_line(hf_buf *b, bool color, hf_state st, const char *text)
{
    hf_buf_printf(b, "  %s%-8s%s  %s\n", ops_color(color, st), hf_state_name(st), ops_color_reset(color),
                  text);
}

static bool so_seen(const hf_report *r, size_t upto, const char *object)
{
    for (size_t i = 0; i < upto; i++)
        if (strcmp(r->f[i].object, object) == 0)
            return true;
    return false;
}

/* The worst finding of object (the first of the worst), NULL when none. */
static const hf_finding *so_worst(const hf_report *r, const char *object)
{
    const hf_finding *w = NULL;

    for (size_t i = 0; i < r->nf; i++)
        if (strcmp(r->f[i].object, object) == 0 && (!w || hf_state_worst(w->state, r->f[i].state) != w->state))
            w = &r->f[i];
    return w;
}

/* Each line of a report's details, through fn. */
static void so_details(const hf_report *r, void (*fn)(void *arg, const char *line, size_t len), void *arg)
{
    for (const char *s = hf_buf_str(&r->details); *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        fn(arg, s, len);
        s += len + (nl != NULL);
    }
}

static void so_detail_text(void *arg, const char *line, size_t len)
{
    hf_buf_printf(arg, "            %.*s\n", (int)len, line);
}

/* A check all well: its summary (and with objects, each object's line). A
 * check with problems: each problem of the check as a whole and each
 * object's worst finding when it is a problem (every object with objects).
 * Every finding with -v. Then the detail lines (the last matching log
 * lines). */
static void so_part_text(hf_buf *b, const hf_deploy_part *p, bool objects, int verbose, bool color)
{
    const hf_report *r = &p->report;
    bool lines = false;

    if (!verbose && r->state == HF_OK && r->summary.len) {
        so_line(b, color, HF_OK, hf_buf_str(&r->summary));
        lines = true;
    }
    for (size_t i = 0; i < r->nf && (verbose || objects || r->state != HF_OK); i++) {
        const hf_finding *f = &r->f[i];
        const hf_finding *w = f->object[0] && !verbose && !so_seen(r, i, f->object) ? so_worst(r, f->object) : NULL;
        if (verbose || (!f->object[0] && f->state != HF_OK)) {
            so_line(b, color, f->state, f->text);
            lines = true;
        } else if (w && (w->state != HF_OK || objects)) {
            so_line(b, color, w->state, w->text);
            lines = true;
        }
    }
    if (!lines && r->summary.len)
        so_line(b, color, r->state, hf_buf_str(&r->summary));
    else if (!lines && r->nf)
        so_line(b, color, r->f[0].state, r->f[0].text);
    so_details(r, so_detail_text, b);
}

void ops_status_text(const hf_deploy *d, int verbose, bool color, hf_buf *b)
{
    hf_state all = hf_deploy_state(d);
    size_t problems = 0;
    char now[24];

    for (size_t i = 0; i < d->n; i++)
        problems += hf_report_problems(&d->part[i].report);
    hf_buf_printf(b, "%sHelixFlow status: %s%s%s%s", ops_bold(color), ops_color(color, all),
                  hf_state_name(all), ops_color_reset(color), ops_bold(color));
    if (problems)
        hf_buf_printf(b, ", %zu problem%s", problems, problems == 1 ? "" : "s");
    hf_buf_printf(b, "%s   %s UTC, %zu checks in %.0f ms\n", ops_color_reset(color),
                  hf_time_format(hf_real_now(), now, sizeof(now)), d->n, d->elapsed_s * 1000);
    for (size_t s = 0; s < HF_ARRAY_SIZE(so_sections); s++) {
        const hf_deploy_part *parts[2] = {so_part(d, so_sections[s].kinds[0]), so_part(d, so_sections[s].kinds[1])};
        hf_state st = HF_OK;
        if (!parts[0] && !parts[1])
            continue;
        for (int k = 0; k < 2; k++)
            st = parts[k] ? hf_state_worst(st, parts[k]->report.state) : st;
        hf_buf_printf(b, "\n%s%s%s  %s%s%s\n", ops_bold(color), so_sections[s].title, ops_color_reset(color),
                      ops_color(color, st), hf_state_name(st), ops_color_reset(color));
        for (int k = 0; k < 2; k++)
            if (parts[k])
                so_part_text(b, parts[k], so_sections[s].objects, verbose, color);
    }
}

static const char *so_section_of(const char *kind)
{
    for (size_t s = 0; s < HF_ARRAY_SIZE(so_sections); s++)
        for (int k = 0; k < 2; k++)
            if (so_sections[s].kinds[k] && strcmp(so_sections[s].kinds[k], kind) == 0)
                return so_sections[s].id;
    return "other";
}

static void so_json_range(ops_json *j, const char *key, const hf_range *r)
{
    if (r->set)
        oj_str(j, key, r->text);
    else
        oj_null(j, key);
}

static void so_detail_json(void *arg, const char *line, size_t len)
{
    char *s = strndup(line, len);

    oj_str(arg, NULL, s ? s : "");
    free(s);
}

static void so_json_findings(ops_json *j, const hf_report *r)
{
    oj_arr(j, "findings");
    for (size_t i = 0; i < r->nf; i++) {
        oj_obj(j, NULL);
        oj_str(j, "state", hf_state_name(r->f[i].state));
        oj_str(j, "object", r->f[i].object);
        oj_str(j, "code", r->f[i].code);
        oj_str(j, "text", r->f[i].text);
        oj_obj_end(j);
    }
    oj_arr_end(j);
}

static void so_json_metrics(ops_json *j, const hf_report *r)
{
    oj_arr(j, "metrics");
    for (size_t i = 0; i < r->nm; i++) {
        const hf_metric *m = &r->m[i];
        oj_obj(j, NULL);
        oj_str(j, "label", m->label);
        oj_str(j, "object", m->object);
        oj_str(j, "name", m->name);
        oj_num(j, "value", m->value);
        oj_str(j, "unit", m->unit);
        so_json_range(j, "warning", &m->warn);
        so_json_range(j, "critical", &m->crit);
        oj_num(j, "min", m->min);
        oj_num(j, "max", m->max);
        oj_obj_end(j);
    }
    oj_arr_end(j);
}

static void so_json_part(ops_json *j, const hf_deploy_part *p)
{
    const hf_report *r = &p->report;

    oj_obj(j, NULL);
    oj_str(j, "check", p->kind->name);
    oj_str(j, "section", so_section_of(p->kind->name));
    oj_str(j, "state", hf_state_name(r->state));
    oj_int(j, "exit", (int64_t)r->state);
    oj_str(j, "summary", hf_buf_str(&r->summary));
    oj_num(j, "elapsed_ms", p->elapsed_s * 1000);
    so_json_findings(j, r);
    so_json_metrics(j, r);
    oj_arr(j, "details");
    so_details(r, so_detail_json, j);
    oj_arr_end(j);
    oj_obj_end(j);
}

void ops_status_json(const hf_deploy *d, hf_buf *b)
{
    hf_state all = hf_deploy_state(d);
    size_t problems = 0;
    char now[32];
    ops_json j;

    for (size_t i = 0; i < d->n; i++)
        problems += hf_report_problems(&d->part[i].report);
    oj_begin(&j, b);
    oj_str(&j, "schema", OPS_STATUS_SCHEMA);
    oj_str(&j, "time", ops_iso_time(hf_real_now(), now, sizeof(now)));
    oj_str(&j, "state", hf_state_name(all));
    oj_int(&j, "exit", (int64_t)all);
    oj_uint(&j, "problems", (uint64_t)problems);
    oj_num(&j, "elapsed_ms", d->elapsed_s * 1000);
    oj_arr(&j, "checks");
    for (size_t i = 0; i < d->n; i++)
        so_json_part(&j, &d->part[i]);
    oj_arr_end(&j);
    oj_end(&j);
}
