/* hfn_args: argv -> a check kind's settings, through the core's settings
 * table: every setting is a long option of the same name (--health-url),
 * -w/-c/-t fill "warning"/"critical"/"timeout". A bad value is UNKNOWN
 * with the core's message prefixed by the option as the user spelled it,
 * and a usage line. -h prints the help made from the table, -V the version. */
#ifndef HFN_ARGS_H
#define HFN_ARGS_H

#include "hf_check.h"
#include "hf_util.h"

typedef struct hfn_args {
    int verbose;                /* -v count */
    bool help;                  /* -h or -V printed: exit 0 */
} hfn_args;

/* "check_helixflow_<kind>" (or "check_helixflow" for kind NULL) into b. */
void hfn_args_prog(hf_buf *b, const hf_check_kind *k);

/* Parse argv into s (initialised for kind). Returns 0 to run, 1 when -h/-V
 * printed into out, -1 on bad usage with the message in err (no usage
 * line; see hfn_args_usage). extra: further long options of the caller
 * (check_helixflow), NULL-terminated names, each taking an argument, given
 * to on_extra; may be NULL. */
typedef int (*hfn_extra_fn)(void *ctx, const char *name, const char *value, hf_buf *err);
int hfn_args_parse(hf_settings *s, int argc, char **argv, hfn_args *a, hf_buf *out, hf_buf *err,
                   const char *const *extra, hfn_extra_fn on_extra, void *ctx);

/* "Usage: check_helixflow_<kind> [options]" line for kind. */
void hfn_args_usage(hf_buf *b, const hf_check_kind *k);
void hfn_args_help(hf_buf *b, const hf_check_kind *k);

#endif
