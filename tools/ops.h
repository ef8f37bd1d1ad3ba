/* ops: the helixflow-ops command, a front-end of the core.
 *
 * Each subcommand is one file (ops_<name>.c) with one entry in the table
 * of ops_commands.c: argv -> the core's configuration or settings -> the
 * core's run -> text (colour on a terminal), --json, and an exit status.
 * Nothing here probes, parses SQL results, decides a threshold or words a
 * problem: those come from common/. A new subcommand (restart, report)
 * is a file and a line in the table.
 *
 * Conventions every subcommand keeps:
 *   - argv[0] is the subcommand's own name ("status", "db check");
 *   - -h/--help prints its usage and options on stdout, exit 0;
 *   - bad usage: "helixflow-ops <cmd>: <what>: <why>" and the usage line on
 *     stderr, exit 3 (ops_usage_error);
 *   - exit status like a check: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. */
#ifndef OPS_H
#define OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hf_range.h"
#include "hf_util.h"

#define OPS_EXIT_USAGE 3

typedef struct ops_cmd {
    const char *group;          /* "db" for "db check", NULL for a top-level command */
    const char *name;           /* "status", "check" */
    const char *summary;        /* one line for the command list */
    int (*run)(int argc, char **argv);
} ops_cmd;

/* The subcommands, NULL-terminated (ops_commands.c). */
extern const ops_cmd *const ops_commands[];

extern const ops_cmd ops_cmd_status, ops_cmd_db_check, ops_cmd_db_maintain, ops_cmd_capacity;

/* --- ops_out.c: output helpers --- */

/* When to colour: "auto" (stdout a terminal, NO_COLOR unset, TERM not
 * "dumb"), "always", "never". Returns 0 or -EINVAL for another word. */
int ops_color_parse(const char *when, int *mode);
bool ops_color_on(int mode);
/* ANSI colour of a state ("" without colour) and the reset. */
const char *ops_color(bool on, hf_state st);
const char *ops_color_reset(bool on);
const char *ops_bold(bool on);

/* "helixflow-ops <cmd>: <message>" and the usage on stderr; returns -1 (a
 * parser's "bad usage"; the subcommand then exits OPS_EXIT_USAGE). */
int ops_usage_error(const char *cmd, const char *usage, const char *fmt, ...) HF_PRINTF(3, 4);
/* "helixflow-ops <cmd>: <message>" on stderr. */
void ops_error(const char *cmd, const char *fmt, ...) HF_PRINTF(2, 3);

/* Strict option values; on error the message names the option. */
int ops_opt_long(const char *cmd, const char *usage, const char *opt, const char *value, long min,
                 long max, long *out);
int ops_opt_double(const char *cmd, const char *usage, const char *opt, const char *value, double min,
                   double max, double *out);

/* Who runs the command, for the ledger: SUDO_USER when run as root through
 * sudo (a plain user name that exists), else our user's name, else
 * "uid N". */
void ops_who_asked(char *out, size_t n);

/* "YYYY-MM-DDTHH:MM:SSZ" of epoch seconds (out >= 21 bytes). */
char *ops_iso_time(double epoch, char *out, size_t n);

/* --- ops_json.c: a small JSON writer into an hf_buf (pretty, 2 spaces) --- */
typedef struct ops_json {
    hf_buf *b;
    int depth;
    bool first[32];
} ops_json;

void oj_begin(ops_json *j, hf_buf *b);      /* the top-level object opens */
void oj_end(ops_json *j);                   /* closes it, adds "\n" */
void oj_obj(ops_json *j, const char *key);  /* key NULL inside an array */
void oj_obj_end(ops_json *j);
void oj_arr(ops_json *j, const char *key);
void oj_arr_end(ops_json *j);
void oj_str(ops_json *j, const char *key, const char *v);      /* NULL: null */
void oj_num(ops_json *j, const char *key, double v);           /* NAN/INF: null */
void oj_int(ops_json *j, const char *key, int64_t v);
void oj_uint(ops_json *j, const char *key, uint64_t v);
void oj_bool(ops_json *j, const char *key, bool v);
void oj_null(ops_json *j, const char *key);
/* A JSON string literal of s (quotes, escapes, invalid UTF-8 as U+FFFD). */
void oj_quote(hf_buf *b, const char *s);

#endif
