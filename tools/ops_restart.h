/* ops_restart: `helixflow-ops restart`: the restart supervisor from a shell,
 * cron, or a Nagios/Icinga event handler.
 *
 * A thin front-end (helixflow-ops-restart(8) is the reference): argv ->
 * the policy (hf_restart_policy_load: restart.conf), the ledger
 * (hf_ledger_open), the service and http check settings that verify a
 * restart (hf_health, recording each verdict in the ledger as front-end
 * "helixflow-ops", monitor "helixflow-ops:restart") -> hf_supervisor_* ->
 * one line per service. Who asked: SUDO_USER when root runs us through
 * sudo, else the real user. Every decision (budget, order, one restart
 * per outage, whether an event handler's state is acted on) is the
 * core's; this file parses, prints and maps outcomes to exit codes.
 *
 * Exit codes: 0 restarted, nothing needed (healthy, already acted upon,
 * another caller restarting it, an event not acted on), reset or status
 * done; 1 an attempt failed; 2 given up (budget spent: alert); 3 not yet
 * (backoff); 4 refused (arguments, a name or event value not allowed,
 * restart.conf refused); 5 error (ledger, lock, exec). Several services:
 * the most severe (5, 4, 2, 1, 3, 0).
 *
 * ops_restart_main takes the subcommand's argv (argv[0] is its name) and
 * is re-entrant (getopt is reset); it prints to stdout and stderr. Until
 * helixflow-ops' table plugs it in, tools/ops_restart_standalone.c builds
 * it as the program helixflow-ops-restart. */
#ifndef OPS_RESTART_H
#define OPS_RESTART_H

enum {
    OPS_RESTART_OK = 0,
    OPS_RESTART_FAILED = 1,
    OPS_RESTART_GIVEN_UP = 2,
    OPS_RESTART_BACKOFF = 3,
    OPS_RESTART_REFUSED = 4,
    OPS_RESTART_ERROR = 5,
};

int ops_restart_main(int argc, char **argv);

#endif
