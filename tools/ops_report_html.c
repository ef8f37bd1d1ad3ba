/* ops_report_html: one self-contained HTML page of a report (see
 * ops_report_render.h): inline CSS, three charts drawn as inline SVG
 * (requests and errors per day, average and p95 response per day, error
 * rate per day against its target), the figures, busiest days, days and
 * notes. No script, no font, no image, no request to any network resource:
 * the page renders the same from a file, offline. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "ops_report_render.h"

#define CW 760.0                    /* chart width and height (viewBox units) */
#define CH 250.0
#define ML 64.0                     /* margins: left, right, top, bottom */
#define MR 12.0
#define MT 16.0
#define MB 42.0

static void ops_html_esc(hf_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': hf_buf_printf(b, "&amp;"); break;
        case '<': hf_buf_printf(b, "&lt;"); break;
        case '>': hf_buf_printf(b, "&gt;"); break;
        case '"': hf_buf_printf(b, "&quot;"); break;
        case '\'': hf_buf_printf(b, "&#39;"); break;
        default: hf_buf_append(b, s, 1);
        }
    }
}

static const char *ops_html_verdict_class(hf_verdict v)
{
    return v == HF_VERDICT_MET ? "met" : v == HF_VERDICT_NOT_MET ? "notmet" :
           v == HF_VERDICT_UNKNOWN ? "unknown" : "none";
}

static const char ops_html_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;margin:2em auto;"
    "max-width:62em;padding:0 1em;color:#1f2328;background:#fff}"
    "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em;"
    "border-bottom:1px solid #d0d7de;padding-bottom:.2em}"
    ".meta{color:#59636e;margin-top:0}"
    ".overall{padding:.6em .8em;border-radius:6px;font-weight:600}"
    ".overall.met{background:#dafbe1}.overall.notmet{background:#ffebe9}"
    ".overall.unknown{background:#fff8c5}"
    "table{border-collapse:collapse;width:100%;font-size:.92em}"
    "th,td{text-align:left;padding:.3em .5em;border-bottom:1px solid #eaeef2;vertical-align:top}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    ".figures td:nth-child(4){white-space:nowrap}"
    "tr.group th{background:#f6f8fa}"
    ".verdict{font-weight:600;white-space:nowrap}.verdict.met{color:#1a7f37}"
    ".verdict.notmet{color:#cf222e}.verdict.unknown{color:#9a6700}.note{color:#59636e;font-size:.9em}"
    "svg.chart{width:100%;height:auto;display:block}"
    "svg .axis{stroke:#8c959f;stroke-width:1}svg .grid{stroke:#eaeef2;stroke-width:1}"
    "svg text{font-size:11px;fill:#59636e}svg .cur{fill:#0969da}svg .prev{fill:#afb8c1}"
    "svg .err{fill:#cf222e}svg .nodata{fill:#f6f8fa}"
    "svg .avg{stroke:#0969da;fill:none;stroke-width:2}svg .p95{stroke:#bc4c00;fill:none;"
    "stroke-width:2}svg .rate{stroke:#cf222e;fill:none;stroke-width:2}"
    "svg .target{stroke:#1a7f37;stroke-dasharray:6 4;stroke-width:1.5}"
    "svg .split{stroke:#8c959f;stroke-dasharray:3 3}"
    "svg .dot-avg{fill:#0969da}svg .dot-p95{fill:#bc4c00}svg .dot-rate{fill:#cf222e}"
    ".legend span{display:inline-block;margin-right:1.2em;font-size:.9em}"
    ".sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}"
    "footer{margin-top:2em;color:#59636e;font-size:.85em}";

/* A round axis maximum (1, 2, 2.5 or 5 times a power of ten) above v. */
static double ops_html_nice(double v)
{
    static const double steps[] = {1, 2, 2.5, 5, 10};
    double p;

    if (!(v > 0))
        return 1;
    p = pow(10, floor(log10(v)));
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] * p >= v)
            return steps[i] * p;
    return 10 * p;
}

static void ops_html_tick(char *out, size_t n, double v)
{
    if (v >= 1e6)
        snprintf(out, n, "%gM", v / 1e6);
    else if (v >= 1e4)
        snprintf(out, n, "%gk", v / 1e3);
    else
        snprintf(out, n, "%g", v);
}

/* x of the middle of day slot i of n */
static double ops_html_x(size_t i, size_t n)
{
    return ML + (CW - ML - MR) * ((double)i + 0.5) / (double)n;
}

static double ops_html_y(double v, double max)
{
    return MT + (CH - MT - MB) * (1 - v / max);
}

/* Open a chart: the svg, its title, grid, y axis (unit) and date labels. */
static void ops_html_frame(hf_buf *b, const hf_period_report *r, const char *id,
                           const char *label, double max, const char *unit)
{
    size_t n = r->ndays, every = n > 20 ? 5 : n > 8 ? 2 : 1;
    char t[32];

    hf_buf_printf(b, "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
                  "aria-label=\"", id, CW, CH);
    ops_html_esc(b, label);
    hf_buf_printf(b, "\" xmlns=\"http://www.w3.org/2000/svg\"><title>");
    ops_html_esc(b, label);
    hf_buf_printf(b, "</title>\n");
    for (size_t i = 0; i < n; i++)
        if (!r->days[i].covered)
            hf_buf_printf(b, "<rect class=\"nodata\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%.1f\"><title>%s: no data</title></rect>\n",
                          ops_html_x(i, n) - (CW - ML - MR) / (double)n / 2, MT,
                          (CW - ML - MR) / (double)n, CH - MT - MB, r->days[i].date);
    for (int k = 0; k <= 4; k++) {
        double v = max * k / 4, y = ops_html_y(v, max);
        ops_html_tick(t, sizeof(t), v);
        hf_buf_printf(b, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s%s</text>\n", ML, y,
                      CW - MR, y, ML - 6, y + 4, t, k == 4 ? unit : "");
    }
    hf_buf_printf(b, "<line class=\"axis\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", ML,
                  CH - MB, CW - MR, CH - MB);
    for (size_t i = 0; i < n; i += every)
        hf_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.5s</text>\n",
                      ops_html_x(i, n), CH - MB + 16, r->days[i].date + 5);
    if (n > 1) {
        double xs = ML + (CW - ML - MR) * (double)r->ndays_period / (double)n;
        hf_buf_printf(b, "<line class=\"split\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
                      "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">previous period</text>"
                      "<text x=\"%.1f\" y=\"%.1f\">this period</text>\n", xs, MT, xs, CH - MB,
                      xs - 4, CH - 6, xs + 4, CH - 6);
    }
}

static void ops_html_requests(hf_buf *b, const hf_period_report *r)
{
    size_t n = r->ndays;
    double max = 0, w = (CW - ML - MR) / (double)n * 0.7;

    for (size_t i = 0; i < n; i++)
        max = (double)r->days[i].count > max ? (double)r->days[i].count : max;
    max = ops_html_nice(max);
    ops_html_frame(b, r, "chart-requests", "Requests and errors per day", max, "");
    for (size_t i = 0; i < n; i++) {
        const hf_period_day *d = &r->days[i];
        double x = ops_html_x(i, n) - w / 2, y = ops_html_y((double)d->count, max);
        double ye = ops_html_y((double)d->errors, max);
        if (!d->count)
            continue;
        hf_buf_printf(b, "<rect class=\"bar %s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                      "height=\"%.1f\"><title>%s: %llu requests, %llu errors</title></rect>",
                      d->previous ? "prev" : "cur", x, y, w, CH - MB - y, d->date,
                      (unsigned long long)d->count, (unsigned long long)d->errors);
        hf_buf_printf(b, "<rect class=\"err\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>\n",
                      x, ye, w, CH - MB - ye);
    }
    hf_buf_printf(b, "</svg>\n<p class=\"legend\"><span><i class=\"sw\" style=\"background:#0969da\">"
                  "</i>requests, this period</span><span><i class=\"sw\" style=\"background:#afb8c1\">"
                  "</i>previous period</span><span><i class=\"sw\" style=\"background:#cf222e\"></i>"
                  "errors</span></p>\n");
}

/* A line over the days' values (gaps where NAN), with dots. */
static void ops_html_line(hf_buf *b, const hf_period_report *r, size_t off, double max,
                          const char *cls, const char *what)
{
    size_t n = r->ndays;
    bool open = false;

    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&r->days[i] + off);
        if (isnan(v)) {
            if (open)
                hf_buf_printf(b, "\"/>\n");
            open = false;
            continue;
        }
        if (!open)
            hf_buf_printf(b, "<polyline class=\"%s\" points=\"", cls);
        hf_buf_printf(b, "%s%.1f,%.1f", open ? " " : "", ops_html_x(i, n), ops_html_y(v, max));
        open = true;
    }
    if (open)
        hf_buf_printf(b, "\"/>\n");
    for (size_t i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&r->days[i] + off);
        if (!isnan(v))
            hf_buf_printf(b, "<circle class=\"dot-%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"><title>%s: "
                          "%s %.2f</title></circle>\n", cls, ops_html_x(i, n), ops_html_y(v, max),
                          r->days[i].date, what, v);
    }
}

static void ops_html_response(hf_buf *b, const hf_period_report *r)
{
    double max = 0;

    for (size_t i = 0; i < r->ndays; i++) {
        if (r->days[i].p95_ms > max)
            max = r->days[i].p95_ms;
        if (r->days[i].avg_ms > max)
            max = r->days[i].avg_ms;
    }
    max = ops_html_nice(max);
    ops_html_frame(b, r, "chart-response", "Average and p95 response time per day (ms)", max,
                   " ms");
    ops_html_line(b, r, offsetof(hf_period_day, avg_ms), max, "avg", "average ms");
    ops_html_line(b, r, offsetof(hf_period_day, p95_ms), max, "p95", "p95 ms");
    hf_buf_printf(b, "</svg>\n<p class=\"legend\"><span><i class=\"sw\" style=\"background:#0969da\">"
                  "</i>average</span><span><i class=\"sw\" style=\"background:#bc4c00\"></i>p95 "
                  "(within %g %%)</span></p>\n", r->p95_bound_pct);
}

static void ops_html_errors(hf_buf *b, const hf_period_report *r)
{
    const hf_period_figure *f = &r->fig[HF_FIG_ERROR_RATE];
    double max = isnan(f->target) ? 0 : f->target * 1.25, y;

    for (size_t i = 0; i < r->ndays; i++)
        if (r->days[i].error_pct > max)
            max = r->days[i].error_pct;
    max = ops_html_nice(max);
    ops_html_frame(b, r, "chart-errors", "Error rate per day (%) against its target", max, " %");
    if (!isnan(f->target)) {
        y = ops_html_y(f->target, max);
        hf_buf_printf(b, "<line class=\"target\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\">"
                      "<title>target: %s</title></line><text x=\"%.1f\" y=\"%.1f\" "
                      "text-anchor=\"end\">target %s</text>\n", ML, y, CW - MR, y, f->target_text,
                      CW - MR, y - 4, f->target_text);
    }
    ops_html_line(b, r, offsetof(hf_period_day, error_pct), max, "rate", "error rate %");
    hf_buf_printf(b, "</svg>\n");
}

static void ops_html_figures(hf_buf *b, const hf_period_report *r)
{
    static const char *const groups[][2] = {{"requests", "Requests"}, {"database", "Database"},
                                            {"certificates", "Certificates"}, {"uptime", "Uptime"}};

    hf_buf_printf(b, "<table class=\"figures\"><thead><tr><th>figure</th><th class=\"num\">this "
                  "period</th><th class=\"num\">previous</th><th>target</th><th>verdict</th>"
                  "<th>note</th></tr></thead><tbody>\n");
    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        hf_buf_printf(b, "<tr class=\"group\"><th colspan=\"6\">%s</th></tr>\n", groups[g][1]);
        for (int i = 0; i < HF_FIG_COUNT; i++) {
            const hf_period_figure *f = &r->fig[i];
            if (strcmp(f->group, groups[g][0]) != 0)
                continue;
            hf_buf_printf(b, "<tr id=\"fig-%s\"><td>", f->key);
            ops_html_esc(b, f->label);
            hf_buf_printf(b, "</td><td class=\"num\">");
            ops_html_esc(b, f->text);
            hf_buf_printf(b, "</td><td class=\"num\">");
            ops_html_esc(b, f->prev_text);
            hf_buf_printf(b, "</td><td>");
            ops_html_esc(b, f->target_text);
            hf_buf_printf(b, "</td><td class=\"verdict %s\">%s</td><td class=\"note\">",
                          ops_html_verdict_class(f->verdict),
                          f->verdict == HF_VERDICT_NONE ? "" : hf_verdict_name(f->verdict));
            ops_html_esc(b, f->note);
            hf_buf_printf(b, "</td></tr>\n");
        }
    }
    hf_buf_printf(b, "</tbody></table>\n");
}

static void ops_html_num(hf_buf *b, int decimals, double v)
{
    hf_buf_printf(b, "<td class=\"num\">");
    if (!isnan(v))
        hf_buf_printf(b, "%.*f", decimals, v);
    hf_buf_printf(b, "</td>");
}

static void ops_html_days(hf_buf *b, const hf_period_report *r)
{
    hf_buf_printf(b, "<h2>Busiest days</h2>\n<table id=\"busiest\"><thead><tr><th>date</th>"
                  "<th class=\"num\">requests</th><th class=\"num\">errors</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->nbusiest; i++)
        hf_buf_printf(b, "<tr><td>%s</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
                      "</tr>\n", r->busiest[i].date, (unsigned long long)r->busiest[i].count,
                      (unsigned long long)r->busiest[i].errors);
    if (!r->nbusiest)
        hf_buf_printf(b, "<tr><td colspan=\"3\">no requests in the period</td></tr>\n");
    hf_buf_printf(b, "</tbody></table>\n<h2>Days</h2>\n<table id=\"days\"><thead><tr><th>date</th>"
                  "<th>period</th><th class=\"num\">requests</th><th class=\"num\">errors</th>"
                  "<th class=\"num\">error %%</th><th class=\"num\">avg ms</th>"
                  "<th class=\"num\">p95 ms</th><th></th></tr></thead><tbody>\n");
    for (size_t i = 0; i < r->ndays; i++) {
        const hf_period_day *d = &r->days[i];
        hf_buf_printf(b, "<tr><td>%s</td><td>%s</td><td class=\"num\">%llu</td>"
                      "<td class=\"num\">%llu</td>", d->date, d->previous ? "previous" : "this",
                      (unsigned long long)d->count, (unsigned long long)d->errors);
        ops_html_num(b, 2, d->error_pct);
        ops_html_num(b, 1, d->avg_ms);
        ops_html_num(b, 1, d->p95_ms);
        hf_buf_printf(b, "<td class=\"note\">%s%s</td></tr>\n", d->covered ? "" : "no data",
                      d->pruned ? " pruned" : "");
    }
    hf_buf_printf(b, "</tbody></table>\n");
}

void ops_report_html(const hf_period_report *r, hf_buf *b)
{
    hf_buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<meta name=\"generator\" content=\"helixflow-ops report\">\n<title>");
    ops_html_esc(b, r->title);
    hf_buf_printf(b, "</title>\n<style>%s</style>\n</head>\n<body>\n<header><h1>", ops_html_css);
    ops_html_esc(b, r->title);
    hf_buf_printf(b, "</h1>\n<p class=\"meta\">generated %s UTC from ", r->generated_text);
    ops_html_esc(b, r->db_path);
    hf_buf_printf(b, " (");
    ops_html_esc(b, r->table);
    hf_buf_printf(b, "); previous period %s to %s</p>\n<p id=\"summary\" class=\"overall %s\">%s: ",
                  r->prev_first, r->prev_last, ops_html_verdict_class(r->overall),
                  hf_verdict_name(r->overall));
    ops_html_esc(b, r->summary);
    hf_buf_printf(b, "</p></header>\n<main>\n<h2>Figures</h2>\n");
    ops_html_figures(b, r);
    hf_buf_printf(b, "<h2>Requests per day</h2>\n");
    ops_html_requests(b, r);
    hf_buf_printf(b, "<h2>Response time per day</h2>\n");
    ops_html_response(b, r);
    hf_buf_printf(b, "<h2>Error rate per day</h2>\n");
    ops_html_errors(b, r);
    ops_html_days(b, r);
    if (r->nnotes) {
        hf_buf_printf(b, "<h2>Notes</h2>\n<ul id=\"notes\">\n");
        for (size_t i = 0; i < r->nnotes; i++) {
            hf_buf_printf(b, "<li>");
            ops_html_esc(b, r->notes[i]);
            hf_buf_printf(b, "</li>\n");
        }
        hf_buf_printf(b, "</ul>\n");
    }
    hf_buf_printf(b, "</main>\n<footer>State: ");
    ops_html_esc(b, r->state_path[0] ? r->state_path : "none");
    hf_buf_printf(b, " (");
    ops_html_esc(b, r->state_note);
    hf_buf_printf(b, "); %llu rows read in %.1f ms. Counts, averages and error rates are exact; "
                  "p95 is within %g %%.</footer>\n</body></html>\n",
                  (unsigned long long)r->rows_read, r->elapsed_ms, r->p95_bound_pct);
}
