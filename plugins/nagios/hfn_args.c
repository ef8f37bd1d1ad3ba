/* hfn_args: argv -> settings through the core's table (see hfn_args.h). */
#include "hfn_args.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_config.h"

#define HFA_SETTING 1000            /* + setting index */
#define HFA_EXTRA 3000              /* + extra index */
#define HFA_MAX_OPTS 128

void hfn_args_prog(hf_buf *b, const hf_check_kind *k)
{
    hf_buf_printf(b, "check_helixflow%s%s", k ? "_" : "", k ? k->name : "");
}

/* "[--name META]..." marks a repeatable setting (spelled out so no number-
 * like literal sits in a front-end file). */
static const char hfa_repeat[] = {'.', '.', '.', '\0'};

static void hfa_usage_one(hf_buf *b, const hf_setting_def *d)
{
    const char *meta = d->meta ? d->meta : "VALUE";

    if (d->alias)
        return;
    if (strcmp(d->name, "warning") == 0 || strcmp(d->name, "critical") == 0 ||
        strcmp(d->name, "timeout") == 0)
        hf_buf_printf(b, " [-%c %s]", d->name[0], meta);
    else if (d->type == HF_SET_FLAG)
        hf_buf_printf(b, " [--%s]", d->name);
    else
        hf_buf_printf(b, " [--%s %s]%s", d->name, meta, d->type == HF_SET_LIST ? hfa_repeat : "");
}

/* -w and -c first, the kind's own settings, then --root, --state-dir, -t. */
void hfn_args_usage(hf_buf *b, const hf_check_kind *k)
{
    static const char *const first[] = {"warning", "critical"};
    int i;

    hf_buf_printf(b, "Usage: ");
    hfn_args_prog(b, k);
    for (size_t j = 0; j < HF_ARRAY_SIZE(first); j++)
        if ((i = hf_settings_find(k, first[j])) >= 0)
            hfa_usage_one(b, hf_settings_def(k, (size_t)i));
    for (size_t j = HF_SET_KIND0; j < hf_settings_count(k); j++) {
        const hf_setting_def *d = hf_settings_def(k, j);
        if (strcmp(d->name, "warning") != 0 && strcmp(d->name, "critical") != 0)
            hfa_usage_one(b, d);
    }
    for (size_t j = 0; j < HF_SET_KIND0; j++)
        hfa_usage_one(b, hf_settings_def(k, j));
    hf_buf_append(b, "\n", 1);
}

void hfn_args_help(hf_buf *b, const hf_check_kind *k)
{
    hfn_args_prog(b, k);
    hf_buf_printf(b, " %s (helixflow-monitoring)\n%s\n\n", HF_VERSION, k->doc);
    hfn_args_usage(b, k);
    hf_buf_printf(b, "\nOptions (the same settings as the collectd plugin's and the SNMP agent's):\n");
    for (size_t i = 0; i < hf_settings_count(k); i++) {
        const hf_setting_def *d = hf_settings_def(k, i);
        char head[64];
        const char *sh = strcmp(d->name, "warning") == 0 ? "-w, " : strcmp(d->name, "critical") == 0 ? "-c, "
                         : strcmp(d->name, "timeout") == 0 ? "-t, " : "    ";
        snprintf(head, sizeof(head), "%s--%s%s%s", sh, d->name, d->type == HF_SET_FLAG ? "" : " ",
                 d->type == HF_SET_FLAG ? "" : (d->meta ? d->meta : "VALUE"));
        hf_buf_printf(b, "  %-30s %s", head, d->doc);
        if (d->alias)
            hf_buf_printf(b, " (sets --%s)", d->alias);
        else if (d->dflt && d->type != HF_SET_FLAG)
            hf_buf_printf(b, " (default %s)", d->dflt);
        hf_buf_append(b, "\n", 1);
    }
    hf_buf_printf(b, "  %-30s %s\n  %-30s %s\n  %-30s %s\n", "-v, --verbose",
                  "list every finding, not only problems", "-h, --help", "this help", "-V, --version",
                  "print the version");
    hf_buf_printf(b, "Ranges: Monitoring Plugins syntax (10, 10:, ~:10, 10:20, @10:20, :10).\n"
                     "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n");
}

/* Long options: the settings, the caller's extras, help/version/verbose. */
static size_t hfa_longopts(const hf_check_kind *k, const char *const *extra, struct option *lo)
{
    size_t n = 0;

    for (size_t i = 0; i < hf_settings_count(k) && n < HFA_MAX_OPTS - 4; i++) {
        const hf_setting_def *d = hf_settings_def(k, i);
        lo[n++] = (struct option){d->name, d->type == HF_SET_FLAG ? no_argument : required_argument,
                                  NULL, HFA_SETTING + (int)i};
    }
    for (size_t j = 0; extra && extra[j] && n < HFA_MAX_OPTS - 4; j++)
        lo[n++] = (struct option){extra[j], required_argument, NULL, HFA_EXTRA + (int)j};
    lo[n++] = (struct option){"help", no_argument, NULL, 'h'};
    lo[n++] = (struct option){"version", no_argument, NULL, 'V'};
    lo[n++] = (struct option){"verbose", no_argument, NULL, 'v'};
    memset(&lo[n], 0, sizeof(lo[n]));
    return n;
}

/* The setting a short option fills, or -1. */
static int hfa_short(const hf_check_kind *k, int opt)
{
    const char *name = opt == 'w' ? "warning" : opt == 'c' ? "critical" : "timeout";

    return hf_settings_find(k, name);
}

static int hfa_set(hf_settings *s, int i, const char *spelled, const char *value, hf_buf *err)
{
    char e[HF_ERR_MAX];

    if (hf_settings_set(s, (size_t)i, value, e, sizeof(e)) < 0) {
        hf_buf_printf(err, "%s: %s", spelled, e);
        return -1;
    }
    return 0;
}

static int hfa_option(hf_settings *s, int opt, char **argv, hfn_args *a, hf_buf *out, hf_buf *err,
                      const char *const *extra, hfn_extra_fn on_extra, void *ctx)
{
    const hf_check_kind *k = s->kind;
    char spelled[80];
    int i;

    switch (opt) {
    case 'h':
        hfn_args_help(out, k);
        a->help = true;
        return 1;
    case 'V':
        hfn_args_prog(out, k);
        hf_buf_printf(out, " %s\n", HF_VERSION);
        a->help = true;
        return 1;
    case 'v':
        a->verbose++;
        return 0;
    case 'w':
    case 'c':
    case 't':
        if ((i = hfa_short(k, opt)) < 0) {
            hf_buf_printf(err, "-%c is not used by this check (see -h for its thresholds)", opt);
            return -1;
        }
        snprintf(spelled, sizeof(spelled), "-%c", opt);
        return hfa_set(s, i, spelled, optarg, err);
    case '?':
        hf_buf_printf(err, "unknown option '%s'", argv[optind - 1]);
        return -1;
    case ':':
        hf_buf_printf(err, "option '%s' needs a value", argv[optind - 1]);
        return -1;
    }
    if (opt >= HFA_EXTRA)
        return on_extra(ctx, extra[opt - HFA_EXTRA], optarg, err) < 0 ? -1 : 0;
    i = opt - HFA_SETTING;
    snprintf(spelled, sizeof(spelled), "--%s", hf_settings_def(k, (size_t)i)->name);
    return hfa_set(s, i, spelled, optarg, err);
}

int hfn_args_parse(hf_settings *s, int argc, char **argv, hfn_args *a, hf_buf *out, hf_buf *err,
                   const char *const *extra, hfn_extra_fn on_extra, void *ctx)
{
    struct option lo[HFA_MAX_OPTS];
    char e[HF_ERR_MAX];
    int opt, r, bad;

    hfa_longopts(s->kind, extra, lo);
    optind = 0;                 /* GNU: full re-initialisation (check_helixflow parses often) */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":hVvt:w:c:", lo, NULL)) != -1)
        if ((r = hfa_option(s, opt, argv, a, out, err, extra, on_extra, ctx)) != 0)
            return r;
    if (optind < argc) {
        hf_buf_printf(err, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (hf_check_validate(s, &bad, e, sizeof(e)) < 0) {
        if (bad >= 0)
            hf_buf_printf(err, "--%s: %s", hf_settings_def(s->kind, (size_t)bad)->name, e);
        else
            hf_buf_printf(err, "%s", e);
        return -1;
    }
    return 0;
}
