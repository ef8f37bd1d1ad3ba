/* ops_report: the `helixflow-ops report daily|weekly|monthly` subcommand.
 *
 * A renderer over the core (common/report/hf_period.h): argv -> an
 * hf_period_config -> hf_period_run -> text (default), JSON (--json) or one
 * self-contained HTML page (--html). Every figure, target, verdict and
 * sentence comes from the core; this room only lays them out.
 *
 * helixflow-ops (tools/helixflow-ops.c, its table of subcommands) calls
 * ops_report_main with argv[0] naming the subcommand ("report") and
 * argv[1] the period; until it is plugged in, ops_report_standalone.c
 * builds the same thing as `helixflow-ops-report` (argv[0] its own name).
 *
 * Exit status: 0 every measured target met (or none measured), 1 a target
 * not met, 3 no report (bad arguments, the database unreadable, the output
 * not written). The JSON schema is doc/helixflow-ops-report.schema.json
 * (described in helixflow-ops-report(1)). */
#ifndef OPS_REPORT_H
#define OPS_REPORT_H

int ops_report_main(int argc, char **argv);

#endif
