/* check_helixflow_log: placeholder until the mode is written. */
#include "modes.h"

static void hfm_log_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode log is not implemented yet");
}

const hfn_mode hfm_log = {
    .name = "log",
    .title = "LOG",
    .usage = "[options]",
    .run = hfm_log_run,
};
