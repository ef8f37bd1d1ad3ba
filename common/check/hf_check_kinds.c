/* The registry of check kinds, in check_helixflow's order. Only programs
 * that run every kind link this file (and so every probe's library). */
#include <string.h>

#include "hf_check.h"

const hf_check_kind *const hf_check_kinds[] = {
    &hf_check_service,
    &hf_check_resources,
    &hf_check_http,
    &hf_check_api,
    &hf_check_cert,
    &hf_check_db,
    &hf_check_backup,
    &hf_check_log,
    NULL,
};

const hf_check_kind *hf_check_kind_find(const char *name)
{
    for (size_t i = 0; hf_check_kinds[i]; i++)
        if (strcmp(hf_check_kinds[i]->name, name) == 0)
            return hf_check_kinds[i];
    return NULL;
}
