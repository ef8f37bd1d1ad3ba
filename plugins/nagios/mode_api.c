/* check_helixflow_api: placeholder until the mode is written. */
#include "modes.h"

static void hfm_api_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode api is not implemented yet");
}

const hfn_mode hfm_api = {
    .name = "api",
    .title = "API",
    .usage = "[options]",
    .run = hfm_api_run,
};
