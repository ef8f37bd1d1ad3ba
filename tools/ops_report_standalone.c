/* helixflow-ops-report: TEMPORARY stand-alone build of the `report`
 * subcommand until tools/helixflow-ops.c (branch ops) registers
 * ops_report_main in its table of subcommands; then delete this file and
 * its executable() in tools/meson.build. */
#include "ops_report.h"

int main(int argc, char **argv)
{
    return ops_report_main(argc, argv);
}
