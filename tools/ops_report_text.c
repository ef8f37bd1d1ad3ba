/* ops_report_text: the plain-text rendering of a report (see
 * ops_report_render.h): the figures by group with the previous period,
 * target and verdict, the busiest days, the days, notes, the summary. */
#include <math.h>
#include <string.h>

#include "ops_report_render.h"

static void ops_text_rule(hf_buf *b, const char *title)
{
    hf_buf_printf(b, "\n%s\n", title);
}

static void ops_text_num(hf_buf *b, double v, int width, int decimals)
{
    if (isnan(v))
        hf_buf_printf(b, "%*s", width, "-");
    else
        hf_buf_printf(b, "%*.*f", width, decimals, v);
}

static void ops_text_figures(const hf_period_report *r, hf_buf *b, const char *group,
                             const char *title)
{
    ops_text_rule(b, title);
    for (int i = 0; i < HF_FIG_COUNT; i++) {
        const hf_period_figure *f = &r->fig[i];
        if (strcmp(f->group, group) != 0)
            continue;
        hf_buf_printf(b, "  %-30s %-16s %-16s %-20s %s\n", f->label, f->text,
                      f->prev_text[0] ? f->prev_text : "", f->target_text,
                      f->verdict == HF_VERDICT_NONE ? "" : hf_verdict_name(f->verdict));
        if (f->note[0] && f->verdict != HF_VERDICT_MET)
            hf_buf_printf(b, "  %-30s (%s)\n", "", f->note);
    }
}

void ops_report_text(const hf_period_report *r, hf_buf *b)
{
    hf_buf_printf(b, "%s\n", r->title);
    hf_buf_printf(b, "generated %s UTC from %s (%s); previous period %s to %s\n",
                  r->generated_text, r->db_path, r->table, r->prev_first, r->prev_last);
    hf_buf_printf(b, "\n  %-30s %-16s %-16s %-20s %s\n", "", "this period", "previous", "target",
                  "verdict");
    ops_text_figures(r, b, "requests", "Requests");
    ops_text_figures(r, b, "database", "Database");
    ops_text_figures(r, b, "certificates", "Certificates");
    ops_text_figures(r, b, "uptime", "Uptime");

    ops_text_rule(b, "Busiest days");
    if (!r->nbusiest)
        hf_buf_printf(b, "  (no requests in the period)\n");
    for (size_t i = 0; i < r->nbusiest; i++) {
        const hf_period_day *d = &r->busiest[i];
        hf_buf_printf(b, "  %s  %12llu requests  %10llu errors\n", d->date,
                      (unsigned long long)d->count, (unsigned long long)d->errors);
    }

    ops_text_rule(b, "Days");
    hf_buf_printf(b, "  %-10s %-8s %12s %10s %8s %10s %10s\n", "date", "period", "requests",
                  "errors", "error %", "avg ms", "p95 ms");
    for (size_t i = 0; i < r->ndays; i++) {
        const hf_period_day *d = &r->days[i];
        hf_buf_printf(b, "  %-10s %-8s %12llu %10llu ", d->date, d->previous ? "previous" : "this",
                      (unsigned long long)d->count, (unsigned long long)d->errors);
        ops_text_num(b, d->error_pct, 8, 2);
        hf_buf_append(b, " ", 1);
        ops_text_num(b, d->avg_ms, 10, 1);
        hf_buf_append(b, " ", 1);
        ops_text_num(b, d->p95_ms, 10, 1);
        hf_buf_printf(b, "%s%s\n", d->covered ? "" : "  no data", d->pruned ? "  pruned" : "");
    }
    if (r->nnotes) {
        ops_text_rule(b, "Notes");
        for (size_t i = 0; i < r->nnotes; i++)
            hf_buf_printf(b, "  - %s\n", r->notes[i]);
    }
    hf_buf_printf(b, "\nSummary: %s: %s\n", hf_verdict_name(r->overall), r->summary);
    if (r->state_path[0])
        hf_buf_printf(b, "State: %s (%s)", r->state_path, r->state_note);
    else
        hf_buf_printf(b, "State: %s", r->state_note);
    hf_buf_printf(b, "; %llu rows read in %.1f ms\n", (unsigned long long)r->rows_read,
                  r->elapsed_ms);
}
