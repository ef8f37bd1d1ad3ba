/* hf_report: findings, metrics, summary, details; transitions between two. */
#include "hf_report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hf_report_init(hf_report *r)
{
    memset(r, 0, sizeof(*r));
    r->state = HF_OK;
}

static void hf_report_clear_items(hf_report *r)
{
    for (size_t i = 0; i < r->nf; i++) {
        free(r->f[i].object);
        free(r->f[i].code);
        free(r->f[i].text);
    }
    for (size_t i = 0; i < r->nm; i++) {
        free(r->m[i].label);
        free(r->m[i].object);
        free(r->m[i].name);
    }
    r->nf = r->nm = 0;
}

void hf_report_free(hf_report *r)
{
    if (!r)
        return;
    hf_report_clear_items(r);
    free(r->f);
    free(r->m);
    hf_buf_free(&r->summary);
    hf_buf_free(&r->details);
    hf_report_init(r);
}

void hf_report_reset(hf_report *r)
{
    hf_report_clear_items(r);
    hf_buf_reset(&r->summary);
    hf_buf_reset(&r->details);
    r->state = HF_OK;
    r->oom = false;
}

static void hf_report_oom(hf_report *r)
{
    r->oom = true;
    r->state = hf_state_worst(r->state, HF_UNKNOWN);
}

void hf_report_vadd(hf_report *r, hf_state st, const char *object, const char *code,
                    const char *fmt, va_list ap)
{
    hf_buf b = {0};
    hf_finding *f;

    hf_buf_vprintf(&b, fmt, ap);
    if (b.oom || hf_array_reserve(&r->f, &r->capf, r->nf, sizeof(*r->f), 16) < 0) {
        hf_buf_free(&b);
        hf_report_oom(r);
        return;
    }
    f = &r->f[r->nf];
    f->state = st;
    f->text = b.s ? b.s : strdup("");
    f->object = strdup(object ? object : "");
    f->code = strdup(code ? code : "");
    if (!f->text || !f->object || !f->code) {
        free(f->text);
        free(f->object);
        free(f->code);
        hf_report_oom(r);
        return;
    }
    r->nf++;
    r->state = hf_state_worst(r->state, st);
}

void hf_report_add(hf_report *r, hf_state st, const char *object, const char *code,
                   const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hf_report_vadd(r, st, object, code, fmt, ap);
    va_end(ap);
}

void hf_report_summary(hf_report *r, const char *fmt, ...)
{
    va_list ap;

    if (r->summary.len)
        hf_buf_append(&r->summary, ", ", 2);
    va_start(ap, fmt);
    hf_buf_vprintf(&r->summary, fmt, ap);
    va_end(ap);
    if (r->summary.oom)
        hf_report_oom(r);
}

void hf_report_summary_reset(hf_report *r)
{
    hf_buf_reset(&r->summary);
}

void hf_report_detail(hf_report *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hf_buf_vprintf(&r->details, fmt, ap);
    va_end(ap);
    hf_buf_append(&r->details, "\n", 1);
    if (r->details.oom)
        hf_report_oom(r);
}

void hf_report_metric(hf_report *r, const char *label, const char *object, const char *name,
                      double value, const char *unit, const hf_range *warn,
                      const hf_range *crit, double min, double max)
{
    hf_metric *m;

    if (hf_array_reserve(&r->m, &r->capm, r->nm, sizeof(*r->m), 32) < 0) {
        hf_report_oom(r);
        return;
    }
    m = &r->m[r->nm];
    memset(m, 0, sizeof(*m));
    m->label = strdup(label);
    m->object = strdup(object ? object : "");
    m->name = strdup(name ? name : label);
    if (!m->label || !m->object || !m->name) {
        free(m->label);
        free(m->object);
        free(m->name);
        hf_report_oom(r);
        return;
    }
    m->value = value;
    m->unit = unit ? unit : "";
    if (warn)
        m->warn = *warn;
    if (crit)
        m->crit = *crit;
    m->min = min;
    m->max = max;
    m->use = HF_METRIC_PERFDATA | HF_METRIC_VALUE;
    r->nm++;
}

void hf_report_value(hf_report *r, const char *object, const char *name, double value,
                     const char *unit)
{
    char label[256];

    snprintf(label, sizeof(label), "%s%s%s", object && *object ? object : "",
             object && *object ? "_" : "", name);
    hf_report_metric(r, label, object, name, value, unit, NULL, NULL, NAN, NAN);
    hf_report_metric_use(r, HF_METRIC_VALUE);
}

void hf_report_metric_use(hf_report *r, unsigned use)
{
    if (r->nm)
        r->m[r->nm - 1].use = use;
}

size_t hf_report_problems(const hf_report *r)
{
    size_t n = 0;

    for (size_t i = 0; i < r->nf; i++)
        n += r->f[i].state != HF_OK;
    return n;
}

/* The worst finding of object (the first of the worst), or NULL. */
static const hf_finding *hf_report_worst_of(const hf_report *r, const char *object)
{
    const hf_finding *w = NULL;

    for (size_t i = 0; r && i < r->nf; i++) {
        const hf_finding *f = &r->f[i];
        if (strcmp(f->object, object) != 0)
            continue;
        if (!w || (hf_state_worst(w->state, f->state) == f->state && f->state != w->state))
            w = f;
    }
    return w;
}

hf_state hf_report_object_state(const hf_report *r, const char *object)
{
    const hf_finding *w = hf_report_worst_of(r, object);

    return w ? w->state : HF_OK;
}

void hf_report_number(hf_buf *b, double v)
{
    if (isnan(v))
        return;
    if (v == floor(v) && fabs(v) < 1e15) {
        hf_buf_printf(b, "%.0f", v);
        return;
    }
    double a = fabs(v);
    int decimals = a >= 1e5 ? 1 : a >= 1 ? 6 - 1 - (int)floor(log10(a)) : 6 - (int)floor(log10(a));
    size_t start = b->len;
    if (decimals > 15)
        decimals = 15;
    if (decimals < 1)
        decimals = 1;
    hf_buf_printf(b, "%.*f", decimals, v);
    while (b->len > start && b->s[b->len - 1] == '0')
        b->s[--b->len] = '\0';
    if (b->len > start && b->s[b->len - 1] == '.')
        b->s[--b->len] = '\0';
}

/* ---- transitions ----------------------------------------------------- */

typedef struct hf_tr_list {
    hf_transition *t;
    size_t n, cap;
} hf_tr_list;

static bool hf_tr_seen(const hf_tr_list *l, const char *object)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->t[i].object, object) == 0)
            return true;
    return false;
}

static int hf_tr_push(hf_tr_list *l, const char *object, const hf_finding *was,
                      const hf_finding *now)
{
    hf_state from = was ? was->state : HF_OK, to = now ? now->state : HF_OK;
    const hf_finding *code_of = to != HF_OK || !was ? now : was;
    hf_transition *t;
    hf_buf text = {0};

    if (hf_array_reserve(&l->t, &l->cap, l->n, sizeof(*l->t), 8) < 0)
        return -ENOMEM;
    if (now)
        hf_buf_printf(&text, "%s", now->text);
    else
        hf_buf_printf(&text, "%s%sOK", object, *object ? ": " : "");
    t = &l->t[l->n];
    t->object = strdup(object);
    t->code = strdup(code_of && code_of->code ? code_of->code : "");
    t->text = text.s ? text.s : strdup("");
    t->from = from;
    t->to = to;
    if (!t->object || !t->code || !t->text) {
        free(t->object);
        free(t->code);
        free(t->text);
        return -ENOMEM;
    }
    l->n++;
    return 0;
}

/* Compare object's worst finding in prev and cur; push a change. */
static int hf_tr_object(hf_tr_list *l, const hf_report *prev, const hf_report *cur,
                        const char *object)
{
    const hf_finding *was = hf_report_worst_of(prev, object);
    const hf_finding *now = hf_report_worst_of(cur, object);
    hf_state from = was ? was->state : HF_OK, to = now ? now->state : HF_OK;

    if (hf_tr_seen(l, object) || from == to)
        return 0;
    return hf_tr_push(l, object, was, now);
}

int hf_report_transitions(const hf_report *prev, const hf_report *cur, hf_transition **out,
                          size_t *n)
{
    hf_tr_list l = {0};
    int r = 0;

    for (size_t i = 0; r == 0 && cur && i < cur->nf; i++)
        r = hf_tr_object(&l, prev, cur, cur->f[i].object);
    for (size_t i = 0; r == 0 && prev && i < prev->nf; i++)
        r = hf_tr_object(&l, prev, cur, prev->f[i].object);
    if (r < 0) {
        hf_transitions_free(l.t, l.n);
        *out = NULL;
        *n = 0;
        return r;
    }
    *out = l.t;
    *n = l.n;
    return 0;
}

void hf_transitions_free(hf_transition *t, size_t n)
{
    for (size_t i = 0; t && i < n; i++) {
        free(t[i].object);
        free(t[i].code);
        free(t[i].text);
    }
    free(t);
}
