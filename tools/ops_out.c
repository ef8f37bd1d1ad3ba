/* ops_out: colour, errors and option values of helixflow-ops (see ops.h). */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hf_time.h"
#include "ops.h"

enum { OPS_COLOR_AUTO, OPS_COLOR_ALWAYS, OPS_COLOR_NEVER };

int ops_color_parse(const char *when, int *mode)
{
    if (strcmp(when, "auto") == 0)
        *mode = OPS_COLOR_AUTO;
    else if (strcmp(when, "always") == 0)
        *mode = OPS_COLOR_ALWAYS;
    else if (strcmp(when, "never") == 0)
        *mode = OPS_COLOR_NEVER;
    else
        return -EINVAL;
    return 0;
}

bool ops_color_on(int mode)
{
    const char *term = getenv("TERM"), *no = getenv("NO_COLOR");

    if (mode != OPS_COLOR_AUTO)
        return mode == OPS_COLOR_ALWAYS;
    return isatty(STDOUT_FILENO) && !(no && *no) && !(term && strcmp(term, "dumb") == 0);
}

const char *ops_color(bool on, hf_state st)
{
    if (!on)
        return "";
    switch (st) {
    case HF_OK: return "\033[32m";
    case HF_WARNING: return "\033[33m";
    case HF_CRITICAL: return "\033[1;31m";
    default: return "\033[35m";
    }
}

const char *ops_color_reset(bool on)
{
    return on ? "\033[0m" : "";
}

const char *ops_bold(bool on)
{
    return on ? "\033[1m" : "";
}

void ops_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "helixflow-ops%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int ops_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "helixflow-ops%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return -1;
}

int ops_opt_long(const char *cmd, const char *usage, const char *opt, const char *value, long min,
                 long max, long *out)
{
    if (hf_parse_long(value, out) < 0 || *out < min || *out > max) {
        ops_usage_error(cmd, usage, "%s: '%s' is not a whole number from %ld to %ld", opt, value, min, max);
        return -EINVAL;
    }
    return 0;
}

int ops_opt_double(const char *cmd, const char *usage, const char *opt, const char *value, double min,
                   double max, double *out)
{
    if (hf_parse_double(value, out) < 0 || *out < min || *out > max) {
        ops_usage_error(cmd, usage, "%s: '%s' is not a number from %g to %g", opt, value, min, max);
        return -EINVAL;
    }
    return 0;
}

char *ops_iso_time(double epoch, char *out, size_t n)
{
    char t[24];

    hf_time_format(epoch, t, sizeof(t));
    if (strlen(t) > 10)
        t[10] = 'T';
    snprintf(out, n, "%sZ", t);
    return out;
}

/* A user name as sudo sets it, nothing a log line could misread. */
static bool ops_user_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    return n > 0 && n < 32 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_.-") == n && s[0] != '-' && s[0] != '.';
}

void ops_who_asked(char *out, size_t n)
{
    const char *su = getenv("SUDO_USER");
    struct passwd pw, *res = NULL;
    char buf[1024];

    if (getuid() == 0 && ops_user_name_ok(su) &&
        getpwnam_r(su, &pw, buf, sizeof(buf), &res) == 0 && res) {
        snprintf(out, n, "%s", su);
        return;
    }
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res)
        snprintf(out, n, "%s", pw.pw_name);
    else
        snprintf(out, n, "uid %ld", (long)getuid());
}
