/* hfn_main: one check_helixflow_<kind> program (see hfn_main.h). */
#include "hfn_main.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "hfn_args.h"
#include "hfn_out.h"

#define HFM_REPORT_MARGIN_S 0.25    /* time left to print and exit (sanitizers are slow) */

static const char *volatile hfm_alarm_msg;
static volatile size_t hfm_alarm_len;

static void hfm_on_alarm(int sig)
{
    (void)sig;
    if (hfm_alarm_msg && write(STDOUT_FILENO, hfm_alarm_msg, hfm_alarm_len) < 0)
        _exit(3);
    _exit(3);
}

void hfn_alarm_arm(const char *msg, size_t len, double seconds)
{
    struct itimerval it;
    struct sigaction sa;

    memset(&it, 0, sizeof(it));
    hfm_alarm_msg = msg;
    hfm_alarm_len = len;
    if (seconds > 0) {
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = hfm_on_alarm;
        sigaction(SIGALRM, &sa, NULL);
        it.it_value.tv_sec = (time_t)seconds;
        it.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    }
    setitimer(ITIMER_REAL, &it, NULL);
}

static int hfm_bad_usage(const hf_check_kind *k, const hf_buf *err)
{
    hf_buf b = {0};

    hf_buf_printf(&b, "HELIXFLOW %s UNKNOWN: %s\n", k->title, hf_buf_str(err));
    hfn_args_usage(&b, k);
    fputs(hf_buf_str(&b), stdout);
    hf_buf_free(&b);
    return 3;
}

int hfn_check_main(const hf_check_kind *k, int argc, char **argv)
{
    hf_settings s;
    hfn_args a = {0};
    hf_buf out = {0}, err = {0}, alarm_msg = {0};
    hf_report rep;
    hfn_part part;
    hfn_out_opts o = {.title = k->title};
    double timeout;
    int r, code;

    if (hf_settings_init(&s, k) < 0) {
        printf("HELIXFLOW %s UNKNOWN: out of memory\n", k->title);
        return 3;
    }
    r = hfn_args_parse(&s, argc, argv, &a, &out, &err, NULL, NULL, NULL);
    if (r != 0) {
        code = r > 0 ? 0 : hfm_bad_usage(k, &err);
        fputs(hf_buf_str(&out), stdout);
        hf_buf_free(&out);
        hf_buf_free(&err);
        hf_settings_free(&s);
        return code;
    }
    timeout = hf_settings_double(&s, HF_SET_TIMEOUT);
    hf_buf_printf(&alarm_msg, "HELIXFLOW %s UNKNOWN: timed out after %g seconds\n", k->title, timeout);
    hfn_alarm_arm(alarm_msg.s, alarm_msg.len, timeout);
    hf_check_ctx ctx = hf_check_ctx_make(timeout, HFM_REPORT_MARGIN_S, 0);
    hf_report_init(&rep);
    hf_check_run_once(&s, &ctx, &rep);
    hfn_alarm_arm(NULL, 0, 0);  /* finished: a slow exit must not print a second line */
    part = (hfn_part){NULL, &rep};
    o.verbose = a.verbose;
    code = hfn_out_render(&out, &o, &part, 1);
    fputs(hf_buf_str(&out), stdout);
    fflush(stdout);
    hf_report_free(&rep);
    hf_settings_free(&s);
    hf_buf_free(&out);
    hf_buf_free(&err);
    hf_buf_free(&alarm_msg);
    return code;
}
