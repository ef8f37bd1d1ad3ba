/* hf_logs_rotate: the planner: which files to read and from where, after
 * rename, copytruncate, truncation, replacement or disappearance (not public;
 * used by hf_logs.c only). */
#ifndef HF_LOGS_ROTATE_H
#define HF_LOGS_ROTATE_H

#include "hf_logs_int.h"

int hfl_plan(hfl_ctx *c);
void hfl_finish_state(hfl_ctx *c);
void hfl_lives_free(hfl_ctx *c);

#endif
