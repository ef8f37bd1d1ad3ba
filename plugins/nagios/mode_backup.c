/* check_helixflow_backup: placeholder until the mode is written. */
#include "modes.h"

static void hfm_backup_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode backup is not implemented yet");
}

const hfn_mode hfm_backup = {
    .name = "backup",
    .title = "BACKUP",
    .usage = "[options]",
    .run = hfm_backup_run,
};
