/* helixflow-ops-restart: `helixflow-ops restart` as a program of its own,
 * until helixflow-ops' subcommand table (tools/helixflow-ops.c) plugs in
 * ops_restart_main. Temporary: not installed. */
#include "ops_restart.h"

int main(int argc, char **argv)
{
    return ops_restart_main(argc, argv);
}
