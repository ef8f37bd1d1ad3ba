/* check_helixflow_cert: placeholder until the mode is written. */
#include "modes.h"

static void hfm_cert_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode cert is not implemented yet");
}

const hfn_mode hfm_cert = {
    .name = "cert",
    .title = "CERT",
    .usage = "[options]",
    .run = hfm_cert_run,
};
