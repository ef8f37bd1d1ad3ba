/* The subcommands of helixflow-ops, in the order `helixflow-ops --help`
 * lists them. A new subcommand is a file defining its ops_cmd and one line
 * here (restart and report come with the supervisor and the ledger). */
#include <stddef.h>

#include "ops.h"

const ops_cmd *const ops_commands[] = {
    &ops_cmd_status,
    &ops_cmd_db_check,
    &ops_cmd_db_maintain,
    &ops_cmd_capacity,
    /* &ops_cmd_report,   issue 7: report daily|weekly|monthly (ledger) */
    /* &ops_cmd_restart,  issue 7: restart SERVICE (supervisor) */
    NULL,
};
