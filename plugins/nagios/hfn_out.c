/* hfn_out: reports -> the Monitoring Plugins output (see hfn_out.h). */
#include "hfn_out.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define HFO_FIRST_LINE_ITEMS 3      /* check_helixflow: the rest is in the long output */

static void hfo_quoted(hf_buf *b, const char *s)
{
    for (; *s; s++)
        hf_buf_append(b, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
}

void hfn_out_perf(hf_buf *b, const char *prefix, const hf_metric *m)
{
    bool quote = strpbrk(m->label, " '=") || strpbrk(prefix, " '=");

    if (b->len)
        hf_buf_append(b, " ", 1);
    if (quote) {
        hf_buf_append(b, "'", 1);
        hfo_quoted(b, prefix);
        hfo_quoted(b, m->label);
        hf_buf_append(b, "'", 1);
    } else {
        hf_buf_printf(b, "%s%s", prefix, m->label);
    }
    hf_buf_append(b, "=", 1);
    if (isnan(m->value))
        hf_buf_append(b, "U", 1);
    else
        hf_report_number(b, m->value);
    hf_buf_printf(b, "%s;%s;%s;", !isnan(m->value) ? m->unit : "", m->warn.set ? m->warn.text : "",
                  m->crit.set ? m->crit.text : "");
    hf_report_number(b, m->min);
    hf_buf_append(b, ";", 1);
    hf_report_number(b, m->max);
    while (b->len && b->s[b->len - 1] == ';')     /* "1s;;;;" -> "1s" */
        b->s[--b->len] = '\0';
}

static hf_state hfo_state(const hfn_part *parts, size_t n, size_t *problems)
{
    hf_state st = HF_OK;

    *problems = 0;
    for (size_t i = 0; i < n; i++) {
        st = hf_state_worst(st, parts[i].report->state);
        *problems += hf_report_problems(parts[i].report);
    }
    return st;
}

static void hfo_text(hf_buf *b, const hfn_part *p, const hf_finding *f)
{
    if (p->name)
        hf_buf_printf(b, "%s: ", p->name);
    hf_buf_printf(b, "%s", f->text);
}

/* The first line's text: the worst findings. */
static void hfo_worst(hf_buf *b, const hfn_part *parts, size_t n, hf_state st, bool aggregate)
{
    size_t shown = 0, more = 0;

    for (size_t i = 0; i < n; i++) {
        const hf_report *r = parts[i].report;
        for (size_t j = 0; j < r->nf; j++) {
            if (r->f[j].state != st || st == HF_OK)
                continue;
            if (aggregate && shown == HFO_FIRST_LINE_ITEMS) {
                more++;
                continue;
            }
            if (shown++)
                hf_buf_append(b, ", ", 2);
            hfo_text(b, &parts[i], &r->f[j]);
        }
    }
    if (more)
        hf_buf_printf(b, " and %zu more", more);
}

static void hfo_summary(hf_buf *b, const hfn_out_opts *o, const hfn_part *parts, size_t n)
{
    size_t len = b->len;

    if (o->summary) {
        hf_buf_printf(b, "%s", o->summary);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!parts[i].report->summary.len)
            continue;
        if (b->len > len)
            hf_buf_append(b, ", ", 2);
        hf_buf_printf(b, "%s", hf_buf_str(&parts[i].report->summary));
    }
    if (b->len == len)
        hf_buf_printf(b, "all checks passed");
}

static void hfo_long(hf_buf *b, const hfn_out_opts *o, const hfn_part *parts, size_t n,
                     hf_state st, bool aggregate)
{
    for (size_t i = 0; i < n; i++) {
        const hf_report *r = parts[i].report;
        for (size_t j = 0; j < r->nf; j++) {
            const hf_finding *f = &r->f[j];
            bool on_first = f->state == st && f->state != HF_OK;
            if ((f->state != HF_OK && (!on_first || aggregate)) || (o->verbose && f->state == HF_OK)) {
                hf_buf_printf(b, "[%s] ", hf_state_name(f->state));
                hfo_text(b, &parts[i], f);
                hf_buf_append(b, "\n", 1);
            }
        }
    }
    for (size_t i = 0; !aggregate && i < n; i++)
        hf_buf_printf(b, "%s", hf_buf_str(&parts[i].report->details));
}

int hfn_out_render(hf_buf *b, const hfn_out_opts *o, const hfn_part *parts, size_t n)
{
    bool aggregate = n && parts[0].name;
    size_t problems;
    hf_state st = hfo_state(parts, n, &problems);
    hf_buf perf = {0};
    char prefix[64];

    hf_buf_printf(b, "HELIXFLOW %s %s: ", o->title, hf_state_name(st));
    if (st == HF_OK || problems == 0) {
        hfo_summary(b, o, parts, n);
    } else {
        if (aggregate)
            hf_buf_printf(b, "%zu problem%s: ", problems, problems == 1 ? "" : "s");
        hfo_worst(b, parts, n, st, aggregate);
    }
    for (size_t i = 0; i < n; i++) {
        snprintf(prefix, sizeof(prefix), "%s%s", parts[i].name ? parts[i].name : "",
                 parts[i].name ? "_" : "");
        for (size_t j = 0; j < parts[i].report->nm; j++)
            if (parts[i].report->m[j].use & HF_METRIC_PERFDATA)
                hfn_out_perf(&perf, prefix, &parts[i].report->m[j]);
    }
    if (perf.len)
        hf_buf_printf(b, " | %s", hf_buf_str(&perf));
    hf_buf_free(&perf);
    hf_buf_append(b, "\n", 1);
    hfo_long(b, o, parts, n, st, aggregate);
    return (int)st;
}
