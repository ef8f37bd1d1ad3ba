/* The subcommands of helixflow-ops, in the order `helixflow-ops --help`
 * lists them. A new subcommand is a file defining its ops_cmd and one line
 * here. */
#include <stddef.h>

#include "ops.h"
#include "ops_report.h"
#include "ops_restart.h"

/* report lives in ops_report.c (exit 0 all targets met, 1 one not, 3 no report) */
static const ops_cmd ops_cmd_report = {
    .name = "report",
    .summary = "daily|weekly|monthly: requests, response times, errors, growth, database, "
               "certificates against the guide's targets (text, --json, --html)",
    .run = ops_report_main,
};

/* restart lives in ops_restart.c (exit codes of its own: see its man page) */
static const ops_cmd ops_cmd_restart = {
    .name = "restart",
    .summary = "restart a service through the supervisor (restart.conf, budget, ledger); "
               "a Nagios/Icinga event handler",
    .run = ops_restart_main,
};

const ops_cmd *const ops_commands[] = {
    &ops_cmd_status,
    &ops_cmd_db_check,
    &ops_cmd_db_maintain,
    &ops_cmd_capacity,
    &ops_cmd_report,
    &ops_cmd_restart,
    NULL,
};
