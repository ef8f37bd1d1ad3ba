/* hfc_out: a block's report into collectd, judging nothing.
 *
 * Values: every metric the core marks for long-running front-ends
 * (HF_METRIC_VALUE) becomes one value list
 *   plugin helixflow, plugin_instance <block inst>[-<object>],
 *   type by name or unit (bytes, percent, duration, uptime, count, threads,
 *   file_handles, derive, gauge; helixflow_* from helixflow-types.db),
 *   type_instance the metric's name.
 * NaN (not measured this interval) is dispatched as NaN for gauges; a
 * counter (DERIVE) that could not be read is not dispatched.
 *
 * Notifications: each transition of hf_report_transitions(prev, cur) is one
 * notification: severity FAILURE (CRITICAL), WARNING (WARNING, UNKNOWN),
 * OKAY (back to OK); plugin_instance as the values' (the block's, then
 * -<object> when a value carries that object), type helixflow_state,
 * type_instance the finding's code, message "<kind> <STATE>: <the core's
 * text>", meta data object, code, state, previous_state. A state that
 * persists is no transition, so it notifies once. */
#ifndef HFC_OUT_H
#define HFC_OUT_H

#include "hfc_block.h"

void hfc_out_values(const hfc_block *b, const hf_report *r);
/* prev NULL: the first interval (every object taken as OK before).
 * Returns 0 or -ENOMEM (nothing sent). */
int hfc_out_notify(const hfc_block *b, const hf_report *prev, const hf_report *cur);

#endif
