/* ops_status: the dashboard's two renderings of a finished hf_deploy run
 * (ops_status_out.c), for helixflow-ops status and its tests. */
#ifndef OPS_STATUS_H
#define OPS_STATUS_H

#include <stdbool.h>

#include "hf_deploy.h"

#define OPS_STATUS_SCHEMA "helixflow-ops-status/1"

/* Sections with one line per object (every finding with verbose), ANSI
 * colour when color is set. Appended to out. */
void ops_status_text(const hf_deploy *d, int verbose, bool color, hf_buf *out);
/* The JSON document of helixflow-ops-status(8). Appended to out. */
void ops_status_json(const hf_deploy *d, hf_buf *out);

#endif
