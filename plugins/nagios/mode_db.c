/* check_helixflow_db: placeholder until the mode is written. */
#include "modes.h"

static void hfm_db_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode db is not implemented yet");
}

const hfn_mode hfm_db = {
    .name = "db",
    .title = "DB",
    .usage = "[options]",
    .run = hfm_db_run,
};
