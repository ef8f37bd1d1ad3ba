/* ops_report_render: the three renderers of `helixflow-ops report`
 * (ops_report_text.c, ops_report_json.c, ops_report_html.c). Each appends
 * the whole document to b (hf_buf: b->oom says an append failed); they
 * read the report only, never decide anything. */
#ifndef OPS_REPORT_RENDER_H
#define OPS_REPORT_RENDER_H

#include "hf_period.h"
#include "hf_util.h"

void ops_report_text(const hf_period_report *r, hf_buf *b);
void ops_report_json(const hf_period_report *r, hf_buf *b);
void ops_report_html(const hf_period_report *r, hf_buf *b);

#endif
