#include "hfn.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_config.h"
#include "hf_defaults.h"

#define HFN_DEFAULT_TIMEOUT 10
#define HFN_MAX_LONGOPTS 64

void hfn_init(hfn *p, const char *mode)
{
    memset(p, 0, sizeof(*p));
    p->mode = mode;
    p->state = HF_OK;
    p->timeout_s = HFN_DEFAULT_TIMEOUT;
    p->start = hf_mono_now();
    p->root = "";
    p->label_prefix = "";
    p->text_prefix = "";
}

void hfn_free(hfn *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nitems; i++)
        free(p->items[i].text);
    free(p->items);
    p->items = NULL;
    p->nitems = p->capitems = 0;
    hf_buf_free(&p->perf);
    hf_buf_free(&p->summary);
    hf_buf_free(&p->longtext);
}

void hfn_add(hfn *p, hf_state st, const char *fmt, ...)
{
    hf_buf b = {0};
    va_list ap;

    hf_buf_printf(&b, "%s", p->text_prefix ? p->text_prefix : "");
    va_start(ap, fmt);
    hf_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (hf_array_reserve(&p->items, &p->capitems, p->nitems, sizeof(*p->items), 16) < 0) {
        hf_buf_free(&b);
        p->state = hf_state_worst(p->state, HF_UNKNOWN);
        return;
    }
    p->items[p->nitems].state = st;
    p->items[p->nitems].text = b.s ? b.s : strdup("");
    p->nitems++;
    p->state = hf_state_worst(p->state, st);
}

void hfn_long(hfn *p, const char *fmt, ...)
{
    va_list ap;

    if (p->aggregate)
        return;
    va_start(ap, fmt);
    hf_buf_vprintf(&p->longtext, fmt, ap);
    va_end(ap);
    hf_buf_append(&p->longtext, "\n", 1);
}

void hfn_summary(hfn *p, const char *fmt, ...)
{
    va_list ap;

    if (p->summary.len)
        hf_buf_append(&p->summary, ", ", 2);
    va_start(ap, fmt);
    hf_buf_vprintf(&p->summary, fmt, ap);
    va_end(ap);
}

static void hfn_perf_num(hf_buf *b, double v)
{
    if (isnan(v))
        return;
    /* Fixed point only: perfdata parsers reject exponents ("8.7e-05"). Six
     * significant digits, trailing zeros trimmed. */
    if (v == floor(v) && fabs(v) < 1e15) {
        hf_buf_printf(b, "%.0f", v);
    } else {
        double a = fabs(v);
        int decimals = a >= 1e5 ? 1 : a >= 1 ? 6 - 1 - (int)floor(log10(a)) : 6 - (int)floor(log10(a));
        size_t start = b->len;
        if (decimals > 15)
            decimals = 15;
        if (decimals < 1)
            decimals = 1;
        hf_buf_printf(b, "%.*f", decimals, v);
        while (b->len > start && b->s[b->len - 1] == '0')
            b->s[--b->len] = '\0';
        if (b->len > start && b->s[b->len - 1] == '.')
            b->s[--b->len] = '\0';
    }
}

void hfn_perf(hfn *p, const char *label, double value, const char *uom,
              const hf_range *warn, const hf_range *crit, double min, double max)
{
    hf_buf *b = &p->perf;
    bool quote = strpbrk(label, " '=") || strpbrk(p->label_prefix, " '=");

    if (b->len)
        hf_buf_append(b, " ", 1);
    if (quote) {
        hf_buf_append(b, "'", 1);
        for (const char *s = p->label_prefix; *s; s++)
            hf_buf_append(b, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
        for (const char *s = label; *s; s++)
            hf_buf_append(b, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
        hf_buf_append(b, "'", 1);
    } else {
        hf_buf_printf(b, "%s%s", p->label_prefix, label);
    }
    hf_buf_append(b, "=", 1);
    if (isnan(value))
        hf_buf_append(b, "U", 1);
    else
        hfn_perf_num(b, value);
    hf_buf_printf(b, "%s;%s;%s;", uom && !isnan(value) ? uom : "",
                  warn && warn->set ? warn->text : "",
                  crit && crit->set ? crit->text : "");
    hfn_perf_num(b, min);
    hf_buf_append(b, ";", 1);
    hfn_perf_num(b, max);
    /* trim trailing empty fields: "1s;;;;" -> "1s" */
    while (b->len && b->s[b->len - 1] == ';')
        b->s[--b->len] = '\0';
}

long hfn_time_left_ms(const hfn *p)
{
    double left = (double)p->timeout_s - (hf_mono_now() - p->start);
    long ms = (long)(left * 1000.0) - 250;  /* leave time to report and exit (sanitizers are slow) */

    return ms < 1 ? 1 : ms;
}

int hfn_path(const hfn *p, char *out, size_t n, const char *abs_path)
{
    return hf_path_join(out, n, p->root, abs_path);
}

static int hfn_mkdirs(char *path)
{
    for (char *s = path + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(path, 0750) < 0 && errno != EEXIST) {
            *s = '/';
            return -errno;
        }
        *s = '/';
    }
    if (mkdir(path, 0750) < 0 && errno != EEXIST)
        return -errno;
    {
        struct stat st;
        if (stat(path, &st) < 0)
            return -errno;
        if (!S_ISDIR(st.st_mode))
            return -ENOTDIR;
    }
    return 0;
}

int hfn_state_path(const hfn *p, char *out, size_t n, const char *file)
{
    char dir[HF_PATH_MAX];
    int r;

    if (p->state_dir)
        r = snprintf(dir, sizeof(dir), "%s", p->state_dir) >= (int)sizeof(dir) ? -ENAMETOOLONG : 0;
    else
        r = hfn_path(p, dir, sizeof(dir), HF_DEFAULT_STATE_DIR);
    if (r < 0)
        return r;
    r = hfn_mkdirs(dir);
    if (r < 0)
        return r;
    if ((size_t)snprintf(out, n, "%s/%s", dir, file) >= n)
        return -ENAMETOOLONG;
    return 0;
}

/* "check_helixflow_<name>", or "check_helixflow" for the aggregate (name ""). */
static void hfn_print_prog(const hfn_mode *m)
{
    printf("check_helixflow%s%s", m && m->name[0] ? "_" : "", m ? m->name : "");
}

int hfn_bad_usage(hfn *p, const char *fmt, ...)
{
    va_list ap;

    if (p->bad_usage)
        return -1;
    p->bad_usage = true;
    if (p->usage_as_finding) {
        hf_buf b = {0};
        va_start(ap, fmt);
        hf_buf_vprintf(&b, fmt, ap);
        va_end(ap);
        hfn_add(p, HF_UNKNOWN, "%s", hf_buf_str(&b));
        hf_buf_free(&b);
        return -1;
    }
    printf("HELIXFLOW %s UNKNOWN: ", p->mode);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\nUsage: ");
    hfn_print_prog(p->m);
    printf(" %s\n", p->m ? p->m->usage : "");
    return -1;
}

int hfn_range_arg(hfn *p, const char *opt, const char *arg, hf_range *r)
{
    char err[HF_ERR_MAX];

    if (hf_range_parse(arg, r, err, sizeof(err)) < 0)
        return hfn_bad_usage(p, "%s: %s", opt, err);
    return 0;
}

int hfn_double_arg(hfn *p, const char *opt, const char *arg, double min, double *out)
{
    if (hf_parse_double(arg, out) < 0 || *out < min)
        return hfn_bad_usage(p, "%s: '%s' is not a number >= %g", opt, arg, min);
    return 0;
}

static void hfn_print_help(const hfn_mode *m)
{
    hfn_print_prog(m);
    printf(" %s (helixflow-monitoring)\nUsage: ", HF_VERSION);
    hfn_print_prog(m);
    printf(" %s\n\n", m->usage);
    if (m->help)
        printf("%s\n", m->help);
    printf("Common options:\n"
           "  -w, --warning RANGE    warning range (Monitoring Plugins syntax: 10, 10:, ~:10, 10:20, @10:20)\n"
           "  -c, --critical RANGE   critical range\n"
           "  -t, --timeout SECONDS  give up and report UNKNOWN after SECONDS (default %d)\n"
           "  --root DIR             prefix for every default deployment path (default /)\n"
           "  --state-dir DIR        where incremental state is kept (default <root>%s)\n"
           "  -v, --verbose          list every finding, not only problems\n"
           "  -h, --help             this help\n"
           "  -V, --version          print the version\n"
           "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n",
           HFN_DEFAULT_TIMEOUT, HF_DEFAULT_STATE_DIR);
}

static const struct option hfn_common_longopts[] = {
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"verbose", no_argument, NULL, 'v'},
    {"timeout", required_argument, NULL, 't'},
    {"warning", required_argument, NULL, 'w'},
    {"critical", required_argument, NULL, 'c'},
    {"root", required_argument, NULL, HFN_OPT_ROOT},
    {"state-dir", required_argument, NULL, HFN_OPT_STATE_DIR},
};

/* Returns 0 handled, 1 exit-0 (help/version), -1 bad usage, 2 not common. */
static int hfn_common_opt(hfn *p, const hfn_mode *m, int opt, const char *arg)
{
    double t;

    switch (opt) {
    case 'h':
        hfn_print_help(m);
        return 1;
    case 'V':
        hfn_print_prog(m);
        printf(" %s\n", HF_VERSION);
        return 1;
    case 'v':
        p->verbose++;
        return 0;
    case 't':
        if (hfn_double_arg(p, "-t", arg, 1, &t) < 0)
            return -1;
        p->timeout_s = (long)t;
        return 0;
    case 'w':
        return hfn_range_arg(p, "-w", arg, &p->warn);
    case 'c':
        return hfn_range_arg(p, "-c", arg, &p->crit);
    case HFN_OPT_ROOT:
        if (!*arg)
            return hfn_bad_usage(p, "--root: empty directory");
        p->root = arg;
        return 0;
    case HFN_OPT_STATE_DIR:
        if (!*arg)
            return hfn_bad_usage(p, "--state-dir: empty directory");
        p->state_dir = arg;
        return 0;
    default:
        return 2;
    }
}

int hfn_parse(hfn *p, const hfn_mode *m, void *opts, int argc, char **argv)
{
    struct option lo[HFN_MAX_LONGOPTS];
    char so[128];
    size_t n = 0;
    int opt, r;

    p->m = m;
    if (m->defaults)
        m->defaults(opts);
    for (size_t i = 0; i < HF_ARRAY_SIZE(hfn_common_longopts); i++)
        lo[n++] = hfn_common_longopts[i];
    for (const struct option *o = m->longopts; o && o->name && n < HFN_MAX_LONGOPTS - 1; o++)
        lo[n++] = *o;
    memset(&lo[n], 0, sizeof(lo[n]));
    snprintf(so, sizeof(so), ":hVvt:w:c:%s", m->shortopts ? m->shortopts : "");

    optind = 0;                 /* GNU: full re-initialisation (check_helixflow parses often) */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, so, lo, NULL)) != -1) {
        if (opt == '?')
            return hfn_bad_usage(p, "unknown option '%s'", argv[optind - 1]);
        if (opt == ':')
            return hfn_bad_usage(p, "option '%s' needs a value", argv[optind - 1]);
        r = hfn_common_opt(p, m, opt, optarg);
        if (r == 2)
            r = m->option ? m->option(p, opts, opt, optarg) : hfn_bad_usage(p, "unknown option");
        if (r != 0)
            return r;
    }
    if (optind < argc)
        return hfn_bad_usage(p, "unexpected argument '%s'", argv[optind]);
    if (m->validate && m->validate(p, opts) < 0)
        return -1;
    return 0;
}

#define HFN_FIRST_LINE_ITEMS 3   /* check_helixflow: the rest is in the long output */

static void hfn_print_text(const hfn *p, bool worst_only)
{
    size_t shown = 0, more = 0;

    for (size_t i = 0; i < p->nitems; i++) {
        if (p->items[i].state == HF_OK || (worst_only && p->items[i].state != p->state))
            continue;
        if (p->aggregate && shown == HFN_FIRST_LINE_ITEMS) {
            more++;
            continue;
        }
        printf("%s%s", shown ? ", " : "", p->items[i].text);
        shown++;
    }
    if (more)
        printf(" and %zu more", more);
}

int hfn_finish(hfn *p)
{
    int code = (int)p->state;
    size_t problems = 0;

    for (size_t i = 0; i < p->nitems; i++)
        problems += p->items[i].state != HF_OK;
    printf("HELIXFLOW %s %s: ", p->mode, hf_state_name(p->state));
    if (p->state == HF_OK || problems == 0)
        printf("%s", p->summary.len ? hf_buf_str(&p->summary) : "all checks passed");
    else {
        if (p->aggregate)
            printf("%zu problem%s: ", problems, problems == 1 ? "" : "s");
        hfn_print_text(p, true);
    }
    if (p->perf.len)
        printf(" | %s", hf_buf_str(&p->perf));
    printf("\n");
    for (size_t i = 0; i < p->nitems; i++) {
        const hfn_item *it = &p->items[i];
        bool on_first = it->state == p->state && it->state != HF_OK;
        if ((it->state != HF_OK && (!on_first || p->aggregate)) ||
            (p->verbose && it->state == HF_OK))
            printf("[%s] %s\n", hf_state_name(it->state), it->text);
    }
    fputs(hf_buf_str(&p->longtext), stdout);
    fflush(stdout);
    hfn_free(p);
    return code;
}

/* -t: the handler may only use async-signal-safe calls. */
static char hfn_alarm_msg[160];
static size_t hfn_alarm_len;

static void hfn_on_alarm(int sig)
{
    (void)sig;
    if (write(STDOUT_FILENO, hfn_alarm_msg, hfn_alarm_len) < 0)
        _exit(HF_UNKNOWN);
    _exit(HF_UNKNOWN);
}

void hfn_alarm(hfn *p)
{
    struct sigaction sa;
    int n = snprintf(hfn_alarm_msg, sizeof(hfn_alarm_msg),
                     "HELIXFLOW %s UNKNOWN: timed out after %ld seconds\n", p->mode, p->timeout_s);

    hfn_alarm_len = n > 0 ? (size_t)n : 0;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = hfn_on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm((unsigned)p->timeout_s);
}

int hfn_main(const hfn_mode *m, int argc, char **argv)
{
    hfn p;
    void *opts = calloc(1, m->opts_size ? m->opts_size : 1);
    int r;

    hfn_init(&p, m->title);
    if (!opts) {
        hfn_add(&p, HF_UNKNOWN, "out of memory");
        return hfn_finish(&p);
    }
    r = hfn_parse(&p, m, opts, argc, argv);
    if (r != 0) {
        if (m->cleanup)
            m->cleanup(opts);
        free(opts);
        hfn_free(&p);
        return r > 0 ? 0 : HF_UNKNOWN;
    }
    hfn_alarm(&p);
    m->run(&p, opts);
    alarm(0);                   /* finished: a slow exit must not print a second line */
    if (m->cleanup)
        m->cleanup(opts);
    free(opts);
    return hfn_finish(&p);
}
