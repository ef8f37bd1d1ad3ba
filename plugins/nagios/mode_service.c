/* check_helixflow_service: placeholder until the mode is written. */
#include "modes.h"

static void hfm_service_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode service is not implemented yet");
}

const hfn_mode hfm_service = {
    .name = "service",
    .title = "SERVICE",
    .usage = "[options]",
    .run = hfm_service_run,
};
