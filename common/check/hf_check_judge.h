/* hf_check_judge: each kind's judgement of probe results, without probing:
 * settings + a probe result in, findings and metrics out. The kinds' eval
 * functions probe and then call these; unit tests call them with fixture
 * results. Settings must be of the matching kind (hf_settings_init). */
#ifndef HF_CHECK_JUDGE_H
#define HF_CHECK_JUDGE_H

#include "hf_check.h"
#include "hf_logs.h"
#include "hf_process.h"

/* service: one finding per service, restart/exe/note findings, metrics. */
void hf_check_service_judge(const hf_settings *s, const hf_process_result *res, hf_report *out);

/* log: per class the lines in its window (st holds this run's lines, added
 * with hf_logs_state_window_add at now), file events, the last lines. */
void hf_check_log_judge(const hf_settings *s, const hf_logs_result *res, const hf_logs_state *st,
                        double now, hf_report *out);

#endif
