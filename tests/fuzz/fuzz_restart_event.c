/* libFuzzer target: an event handler's macros judged (hf_restart_event_judge).
 * The input is the state, the state type and the attempt, NUL-separated.
 * Any bytes give 1 (restart) only for CRITICAL with HARD or the configured
 * SOFT attempt, 0 or -EINVAL otherwise; the reason is one printable line,
 * and a refusal says "refused: ...; nothing run". */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_restart_event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 3), *f[3];
    hf_restart_service svc;
    hf_restart_event ev;
    hf_state st;
    bool hard;
    long attempt;
    char why[256];
    int rc;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = buf[size + 1] = buf[size + 2] = '\0';
    f[0] = buf;                 /* buf[size..size+2] are NUL: three fields at most */
    f[1] = f[0] + strlen(f[0]) + 1;
    f[2] = f[1] + strlen(f[1]) + 1;
    memset(&svc, 0, sizeof(svc));
    svc.soft_attempt = size % 4;
    ev = (hf_restart_event){.state = f[0], .state_type = f[1], .attempt = f[2]};
    rc = hf_restart_event_judge(&ev, &svc, why, sizeof(why));
    for (const char *p = why; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            abort();
    if (rc == -EINVAL) {
        if (strncmp(why, "refused: ", 9) != 0 || !strstr(why, "; nothing run"))
            abort();
    } else if (rc == 0 || rc == 1) {
        if (hf_restart_event_parse(&ev, &st, &hard, &attempt, why, sizeof(why)) != 0)
            abort();
        if ((rc == 1) != (st == HF_CRITICAL && (hard || attempt == svc.soft_attempt)))
            abort();
        if (attempt < 1 || attempt > 10000)
            abort();
    } else {
        abort();
    }
    free(buf);
    return 0;
}
