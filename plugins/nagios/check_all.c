/* check_helixflow: every check of a standard deployment in one process. */
#include "modes.h"

static void hfm_all_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "not implemented yet");
}

const hfn_mode hfm_all = {
    .name = "",
    .title = "",
    .usage = "[options]",
    .run = hfm_all_run,
};
