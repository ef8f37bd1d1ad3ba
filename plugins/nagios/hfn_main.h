/* hfn_main: the whole check_helixflow_<kind> program: argv -> settings ->
 * hf_check_run_once -> the Monitoring Plugins output and exit code. -t
 * bounds the check (its deadline, less a margin to report); an alarm at -t
 * is the last resort and prints UNKNOWN naming the time. */
#ifndef HFN_MAIN_H
#define HFN_MAIN_H

#include "hf_check.h"

int hfn_check_main(const hf_check_kind *k, int argc, char **argv);

/* Arm the last-resort alarm: after seconds, write msg (kept by the caller,
 * async-signal-safe) to stdout and _exit(3). 0 disarms. */
void hfn_alarm_arm(const char *msg, size_t len, double seconds);

#endif
