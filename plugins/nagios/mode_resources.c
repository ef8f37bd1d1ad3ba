/* check_helixflow_resources: placeholder until the mode is written. */
#include "modes.h"

static void hfm_resources_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode resources is not implemented yet");
}

const hfn_mode hfm_resources = {
    .name = "resources",
    .title = "RESOURCES",
    .usage = "[options]",
    .run = hfm_resources_run,
};
