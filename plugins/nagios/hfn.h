/* hfn: the Nagios/Icinga front-end contract (DESIGN.md section 4), shared by
 * every check_helixflow_<mode> program.
 *
 *   HELIXFLOW <MODE> <STATE>: text | perfdata
 *   long output, one line per further finding
 *
 * Exit codes 0/1/2/3; -t ends in UNKNOWN; -h, -V, -v; bad arguments give
 * UNKNOWN and a usage line. A check is an hfn_mode: defaults, an argument
 * parser and a run function that turns probe results into findings and
 * perfdata. check_helixflow runs several modes into one hfn. */
#ifndef HFN_H
#define HFN_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "hf_range.h"
#include "hf_util.h"

typedef struct hfn_item {
    hf_state state;
    char *text;                 /* owned */
} hfn_item;

typedef struct hfn {
    const char *mode;           /* "SERVICE": upper case, first line */
    hf_state state;             /* worst finding so far */
    hfn_item *items;            /* findings in order; owned */
    size_t nitems, capitems;
    hf_buf perf;                /* perfdata, space separated */
    hf_buf summary;             /* OK text (hfn_summary) */
    hf_buf longtext;            /* hfn_long lines, printed after the findings */
    int verbose;                /* -v count */
    long timeout_s;             /* -t, default 10 */
    double start;               /* hf_mono_now() at init */
    const char *root;           /* --root, "" = / */
    const char *state_dir;      /* --state-dir, NULL = <root>/var/lib/helixflow-monitoring */
    hf_range warn, crit;        /* -w / -c as given (unset when absent) */
    const char *label_prefix;   /* prepended to perfdata labels ("" or "db_") */
    bool aggregate;             /* check_helixflow: every problem gets a long-output line */
    const struct hfn_mode *m;   /* mode being parsed (usage line) */
    bool bad_usage;             /* hfn_bad_usage ran */
    const char *text_prefix;    /* prepended to finding texts ("" or "db: ") */
    bool usage_as_finding;      /* check_helixflow: bad usage is an UNKNOWN finding, not printed */
} hfn;

typedef struct hfn_mode {
    const char *name;           /* "service": the program is check_helixflow_<name> */
    const char *title;          /* "SERVICE" */
    const char *usage;          /* one line of options, after the program name */
    const char *help;           /* option descriptions for -h (may be NULL) */
    size_t opts_size;
    void (*defaults)(void *opts);
    /* Mode-specific options: called for each option hfn does not handle
     * itself; return 0 when taken, -1 to reject (after hfn_bad_usage). */
    int (*option)(hfn *p, void *opts, int opt, const char *arg);
    const struct option *longopts;  /* mode options, terminated by {0} */
    const char *shortopts;          /* mode short options ("" when none) */
    /* After parsing: validate (return -1 after hfn_bad_usage to reject). */
    int (*validate)(hfn *p, void *opts);
    void (*run)(hfn *p, const void *opts);
    void (*cleanup)(void *opts);    /* frees what option/defaults allocated; may be NULL */
} hfn_mode;

/* Long-option codes for the common options (mode codes start at 1000). */
enum { HFN_OPT_ROOT = 900, HFN_OPT_STATE_DIR };
#define HFN_MODE_OPT 1000

void hfn_init(hfn *p, const char *mode);
void hfn_free(hfn *p);

/* Record a finding with its state. Text is shown on the first line when the
 * finding is among the worst, else in the long output (always with -v). */
void hfn_add(hfn *p, hf_state st, const char *fmt, ...) HF_PRINTF(3, 4);
/* A plain long-output line (no state), e.g. a matching log line; printed
 * after the findings. check_helixflow leaves them out (one line per problem). */
void hfn_long(hfn *p, const char *fmt, ...) HF_PRINTF(2, 3);
/* The first-line text when everything is OK (appended, joined with ", "). */
void hfn_summary(hfn *p, const char *fmt, ...) HF_PRINTF(2, 3);
/* One perfdata value. uom "" for none; warn/crit may be NULL; min/max NAN
 * when absent. Labels are quoted when needed; p->label_prefix is prepended. */
void hfn_perf(hfn *p, const char *label, double value, const char *uom,
              const hf_range *warn, const hf_range *crit, double min, double max);

/* Milliseconds left of the -t budget (at least 1), for probe timeouts. */
long hfn_time_left_ms(const hfn *p);
/* Path under --root (for defaults). Returns 0 or -ENAMETOOLONG. */
int hfn_path(const hfn *p, char *out, size_t n, const char *abs_path);
/* The state directory (creating it, mode 0750, if missing): out size n.
 * Returns 0 or negative errno. */
int hfn_state_path(const hfn *p, char *out, size_t n, const char *file);

/* Print UNKNOWN with message and usage line, mark the run as bad usage.
 * Returns -1 so option handlers can `return hfn_bad_usage(...)`. */
int hfn_bad_usage(hfn *p, const char *fmt, ...) HF_PRINTF(2, 3);
/* Parse a -w/-c style range argument into *r or report bad usage (-1). */
int hfn_range_arg(hfn *p, const char *opt, const char *arg, hf_range *r);
/* Parse a positive/non-negative number argument or report bad usage (-1). */
int hfn_double_arg(hfn *p, const char *opt, const char *arg, double min, double *out);

/* Print the result and return the exit code (0..3). Frees p. */
int hfn_finish(hfn *p);

/* Arm -t: on expiry print "HELIXFLOW <MODE> UNKNOWN: timed out after N seconds"
 * and exit 3. */
void hfn_alarm(hfn *p);

/* Parse argv for mode m into opts (defaults applied first).
 * Returns 0 to run, 1 when -h/-V printed and the program should exit 0,
 * -1 on bad usage (already printed; exit 3). */
int hfn_parse(hfn *p, const hfn_mode *m, void *opts, int argc, char **argv);

/* The whole standalone program: parse, arm -t, run, print, exit code. */
int hfn_main(const hfn_mode *m, int argc, char **argv);

#endif
