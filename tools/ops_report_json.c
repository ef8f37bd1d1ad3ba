/* ops_report_json: the JSON rendering of a report (see
 * ops_report_render.h), schema "helixflow-ops-report/1" described in
 * doc/helixflow-ops-report.schema.json: counts as integers, other
 * figures with 3 decimals, unknown values null, dates YYYY-MM-DD (UTC). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops_report_render.h"

#define OPS_JSON_SCHEMA "helixflow-ops-report/1"

static void ops_json_str(hf_buf *b, const char *s)
{
    hf_buf_append(b, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        if (*p == '"' || *p == '\\')
            hf_buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            hf_buf_printf(b, "\\u%04x", *p);
        else
            hf_buf_append(b, (const char *)p, 1);
    }
    hf_buf_append(b, "\"", 1);
}

static void ops_json_num(hf_buf *b, double v, bool integer)
{
    if (isnan(v) || isinf(v))
        hf_buf_printf(b, "null");
    else if (integer)
        hf_buf_printf(b, "%.0f", v);
    else
        hf_buf_printf(b, "%.3f", v);
}

static bool ops_json_integer(int fig)
{
    return fig == HF_FIG_REQUESTS || fig == HF_FIG_ERRORS || fig == HF_FIG_DB_ROWS ||
           fig == HF_FIG_DB_SIZE;
}

static void ops_json_figure(hf_buf *b, const hf_period_figure *f, bool integer)
{
    hf_buf_printf(b, "{\"label\": ");
    ops_json_str(b, f->label);
    hf_buf_printf(b, ", \"group\": ");
    ops_json_str(b, f->group);
    hf_buf_printf(b, ", \"unit\": ");
    ops_json_str(b, f->unit);
    hf_buf_printf(b, ", \"value\": ");
    ops_json_num(b, f->value, integer);
    hf_buf_printf(b, ", \"text\": ");
    ops_json_str(b, f->text);
    hf_buf_printf(b, ", \"previous\": ");
    ops_json_num(b, f->prev, integer);
    hf_buf_printf(b, ", \"previous_text\": ");
    if (f->prev_text[0])
        ops_json_str(b, f->prev_text);
    else
        hf_buf_printf(b, "null");
    hf_buf_printf(b, ", \"target\": ");
    if (f->cmp[0]) {
        hf_buf_printf(b, "{\"cmp\": ");
        ops_json_str(b, f->cmp);
        hf_buf_printf(b, ", \"value\": ");
        ops_json_num(b, f->target, false);
        hf_buf_printf(b, ", \"text\": ");
        ops_json_str(b, f->target_text);
        hf_buf_printf(b, "}");
    } else {
        hf_buf_printf(b, "null");
    }
    hf_buf_printf(b, ", \"verdict\": ");
    ops_json_str(b, hf_verdict_name(f->verdict));
    hf_buf_printf(b, ", \"note\": ");
    ops_json_str(b, f->note);
    hf_buf_printf(b, "}");
}

static void ops_json_day(hf_buf *b, const hf_period_day *d, bool with_period)
{
    hf_buf_printf(b, "{\"date\": \"%s\"", d->date);
    if (with_period)
        hf_buf_printf(b, ", \"period\": \"%s\", \"covered\": %s, \"pruned\": %s",
                      d->previous ? "previous" : "current", d->covered ? "true" : "false",
                      d->pruned ? "true" : "false");
    hf_buf_printf(b, ", \"requests\": %llu, \"errors\": %llu, \"error_rate_pct\": ",
                  (unsigned long long)d->count, (unsigned long long)d->errors);
    ops_json_num(b, d->error_pct, false);
    hf_buf_printf(b, ", \"avg_response_ms\": ");
    ops_json_num(b, d->avg_ms, false);
    hf_buf_printf(b, ", \"p95_response_ms\": ");
    ops_json_num(b, d->p95_ms, false);
    hf_buf_printf(b, "}");
}

static void ops_json_span(hf_buf *b, const char *name, const char *first, const char *last,
                          unsigned days, unsigned covered)
{
    hf_buf_printf(b, "  \"%s\": {\"first\": \"%s\", \"last\": \"%s\", \"days\": %u, "
                  "\"days_covered\": %u},\n", name, first, last, days, covered);
}

void ops_report_json(const hf_period_report *r, hf_buf *b)
{
    char gen[32];

    hf_buf_printf(b, "{\n  \"schema\": \"" OPS_JSON_SCHEMA "\",\n  \"kind\": \"%s\",\n  \"title\": ",
                  r->kind_name);
    ops_json_str(b, r->title);
    snprintf(gen, sizeof(gen), "%.10sT%.8sZ", r->generated_text, r->generated_text + 11);
    hf_buf_printf(b, ",\n  \"generated\": \"%s\",\n", gen);
    ops_json_span(b, "period", r->first, r->last, r->ndays_period, r->days_covered);
    ops_json_span(b, "previous", r->prev_first, r->prev_last, r->ndays_period,
                  r->prev_days_covered);
    hf_buf_printf(b, "  \"figures\": {\n");
    for (int i = 0; i < HF_FIG_COUNT; i++) {
        hf_buf_printf(b, "    \"%s\": ", r->fig[i].key);
        ops_json_figure(b, &r->fig[i], ops_json_integer(i));
        hf_buf_printf(b, "%s\n", i + 1 < HF_FIG_COUNT ? "," : "");
    }
    hf_buf_printf(b, "  },\n  \"uptime\": {\"measured\": %s, \"source\": ",
                  r->uptime.known ? "true" : "false");
    if (r->uptime.source[0])
        ops_json_str(b, r->uptime.source);
    else
        hf_buf_printf(b, "null");
    hf_buf_printf(b, ", \"measured_s\": ");
    ops_json_num(b, r->uptime.known ? r->uptime.measured_s : NAN, false);
    hf_buf_printf(b, ", \"downtime_s\": ");
    ops_json_num(b, r->uptime.known ? r->uptime.downtime_s : NAN, false);
    if (r->uptime.known)
        hf_buf_printf(b, ", \"incidents\": %u, \"restarts\": %ld, \"restarts_ok\": %ld",
                      r->uptime.incidents, r->uptime.restarts, r->uptime.restarts_ok);
    else
        hf_buf_printf(b, ", \"incidents\": null, \"restarts\": null, \"restarts_ok\": null");
    hf_buf_printf(b, ", \"why\": ");
    if (!r->uptime.known)
        ops_json_str(b, r->uptime.why[0] ? r->uptime.why : "no ledger");
    else
        hf_buf_printf(b, "null");
    hf_buf_printf(b, "},\n  \"busiest_days\": [");
    for (size_t i = 0; i < r->nbusiest; i++) {
        hf_buf_printf(b, "%s\n    ", i ? "," : "");
        ops_json_day(b, &r->busiest[i], false);
    }
    hf_buf_printf(b, "%s],\n  \"days\": [", r->nbusiest ? "\n  " : "");
    for (size_t i = 0; i < r->ndays; i++) {
        hf_buf_printf(b, "%s\n    ", i ? "," : "");
        ops_json_day(b, &r->days[i], true);
    }
    hf_buf_printf(b, "%s],\n  \"notes\": [", r->ndays ? "\n  " : "");
    for (size_t i = 0; i < r->nnotes; i++) {
        hf_buf_printf(b, "%s\n    ", i ? "," : "");
        ops_json_str(b, r->notes[i]);
    }
    hf_buf_printf(b, "%s],\n  \"judgement\": {\"verdict\": \"%s\", \"targets\": %u, \"met\": %u, "
                  "\"not_met\": %u, \"unknown\": %u, \"summary\": ", r->nnotes ? "\n  " : "",
                  hf_verdict_name(r->overall), r->targets, r->met, r->not_met, r->unknown);
    ops_json_str(b, r->summary);
    hf_buf_printf(b, "},\n  \"source\": {\"database\": ");
    ops_json_str(b, r->db_path);
    hf_buf_printf(b, ", \"table\": ");
    ops_json_str(b, r->table);
    hf_buf_printf(b, ", \"state\": ");
    if (r->state_path[0])
        ops_json_str(b, r->state_path);
    else
        hf_buf_printf(b, "null");
    hf_buf_printf(b, ", \"state_note\": ");
    ops_json_str(b, r->state_note);
    hf_buf_printf(b, ", \"rows_read\": %llu, \"elapsed_ms\": %.3f, \"threads\": %u, "
                  "\"p95_bound_pct\": %g}\n}\n", (unsigned long long)r->rows_read, r->elapsed_ms,
                  r->threads, r->p95_bound_pct);
}
