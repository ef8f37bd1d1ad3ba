/* check_helixflow_http: placeholder until the mode is written. */
#include "modes.h"

static void hfm_http_run(hfn *p, const void *opts)
{
    (void)opts;
    hfn_add(p, HF_UNKNOWN, "mode http is not implemented yet");
}

const hfn_mode hfm_http = {
    .name = "http",
    .title = "HTTP",
    .usage = "[options]",
    .run = hfm_http_run,
};
