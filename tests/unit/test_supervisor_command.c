/* Unit tests: hf_command_run with real processes: exit status, stderr head,
 * SIGTERM then SIGKILL past the timeout, exec failures, descriptors and
 * environment not inherited, arguments passed verbatim, a background child
 * left alone, an ignored SIGCHLD. Scripts are exec'd directly (#!/bin/sh). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_command.h"
#include "hf_util.h"
#include "test_ledger_helpers.h"

typedef struct fx {
    char dir[512];
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof(*f));

    tl_tmpdir(f->dir, sizeof(f->dir), "command");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;

    tl_rmtree(f->dir);
    free(f);
    return 0;
}

/* Write an executable script dir/name; its path into out. */
static char *script(const fx *f, const char *name, const char *body, char *out, size_t n)
{
    char text[4096];

    snprintf(out, n, "%s/%s", f->dir, name);
    snprintf(text, sizeof(text), "#!/bin/sh\n%s", body);
    tl_write(out, text, 0755);
    return out;
}

static int run(char **argv, double timeout, double kill_after, hf_command_result *res,
               char *err, size_t n)
{
    hf_command_cfg cfg = {.argv = argv, .timeout_s = timeout, .kill_after_s = kill_after};

    return hf_command_run(&cfg, res, err, n);
}

static void test_exit_status(void **state)
{
    hf_command_result r;
    char err[HF_ERR_MAX], d[128];
    char *t[] = {(char[]){"/bin/true"}, NULL}, *fl[] = {(char[]){"/bin/false"}, NULL};

    (void)state;
    assert_int_equal(run(t, 5, 1, &r, err, sizeof(err)), 0);
    assert_true(r.ran && r.reaped);
    assert_int_equal(r.exit_status, 0);
    assert_int_equal(r.signal, 0);
    assert_false(r.timed_out);
    assert_int_equal(run(fl, 5, 1, &r, err, sizeof(err)), 0);
    assert_int_equal(r.exit_status, 1);
    hf_command_describe(&r, 5, d, sizeof(d));
    assert_string_equal(d, "exit status 1");
}

static void test_stderr_head(void **state)
{
    fx *f = *state;
    hf_command_result r;
    char err[HF_ERR_MAX], path[700];
    char *argv[] = {script(f, "noisy", "i=0; while [ $i -lt 2000 ]; do echo \"line $i\" >&2; "
                           "i=$((i+1)); done; printf 'bell\\007\\n' >&2; exit 4\n",
                           path, sizeof(path)), NULL};

    assert_int_equal(run(argv, 20, 1, &r, err, sizeof(err)), 0);
    assert_int_equal(r.exit_status, 4);
    assert_string_equal(r.stderr_head, "line 0\nline 1\nline 2\nline 3\nline 4\n");
    assert_true(r.stderr_bytes > 2000 * 6);     /* all read: it never blocked on the pipe */
}

static void test_timeout_term(void **state)
{
    fx *f = *state;
    hf_command_result r;
    char err[HF_ERR_MAX], path[700], d[128];
    char *argv[] = {script(f, "slow", "echo started >&2\nexec sleep 30\n", path, sizeof(path)),
                    NULL};

    assert_int_equal(run(argv, 0.3, 5, &r, err, sizeof(err)), 0);
    assert_true(r.timed_out);
    assert_false(r.killed);
    assert_int_equal(r.signal, SIGTERM);
    assert_int_equal(r.exit_status, -1);
    assert_string_equal(r.stderr_head, "started\n");
    hf_command_describe(&r, 0.3, d, sizeof(d));
    assert_non_null(strstr(d, "SIGTERM after the 0.3 s timeout"));
}

static void test_timeout_kill(void **state)
{
    fx *f = *state;
    hf_command_result r;
    char err[HF_ERR_MAX], path[700], d[128];
    char *argv[] = {script(f, "stubborn", "trap '' TERM\nwhile :; do sleep 1; done\n", path,
                           sizeof(path)), NULL};

    assert_int_equal(run(argv, 0.2, 0.2, &r, err, sizeof(err)), 0);
    assert_true(r.timed_out);
    assert_true(r.killed);
    assert_int_equal(r.signal, SIGKILL);
    hf_command_describe(&r, 0.2, d, sizeof(d));
    assert_non_null(strstr(d, "SIGKILL"));
}

static void test_exec_failures(void **state)
{
    fx *f = *state;
    hf_command_result r;
    char err[HF_ERR_MAX], path[700];
    char *missing[] = {(char[]){"/nonexistent/restart"}, NULL};
    char *rel[] = {(char[]){"true"}, NULL};
    char *noexec[] = {path, NULL};

    assert_int_equal(run(missing, 5, 1, &r, err, sizeof(err)), -ENOENT);
    assert_false(r.ran);
    assert_non_null(strstr(err, "cannot execute /nonexistent/restart: No such file"));
    snprintf(path, sizeof(path), "%s/plain", f->dir);
    tl_write(path, "#!/bin/sh\nexit 0\n", 0644);
    assert_int_equal(run(noexec, 5, 1, &r, err, sizeof(err)), -EACCES);
    assert_int_equal(run(rel, 5, 1, &r, err, sizeof(err)), -EINVAL);
    assert_int_equal(run(missing, 0, 1, &r, err, sizeof(err)), -EINVAL);
}

static void test_nothing_inherited(void **state)
{
    fx *f = *state;
    hf_command_result r;
    char err[HF_ERR_MAX], path[700], out[700], body[2048], *text = NULL;
    int fd;

    snprintf(out, sizeof(out), "%s/seen", f->dir);
    snprintf(body, sizeof(body),
             "{ [ -e /proc/$$/fd/40 ] && echo leaked-fd; env; } > %s\n"
             "printf '%%s|' \"$#\" \"$@\" >> %s\n", out, out);
    fd = open("/dev/null", O_RDONLY);
    assert_int_equal(dup2(fd, 40), 40);         /* no O_CLOEXEC: must still not leak */
    close(fd);
    setenv("HF_TEST_SECRET", "1", 1);
    {
        char *argv[] = {script(f, "env", body, path, sizeof(path)),
                        (char[]){"a;b $(touch x) `id`"}, (char[]){"two words"}, NULL};
        assert_int_equal(run(argv, 5, 1, &r, err, sizeof(err)), 0);
    }
    close(40);
    unsetenv("HF_TEST_SECRET");
    assert_int_equal(r.exit_status, 0);
    assert_true(hf_file_read(out, 1 << 16, &text) > 0);
    assert_null(strstr(text, "leaked-fd"));
    assert_null(strstr(text, "HF_TEST_SECRET"));
    assert_non_null(strstr(text, "LC_ALL=C"));
    assert_non_null(strstr(text, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    /* every argument one word, verbatim; nothing of it ran */
    assert_non_null(strstr(text, "2|a;b $(touch x) `id`|two words|"));
    free(text);
    snprintf(out, sizeof(out), "%s/x", f->dir);
    assert_int_equal(access(out, F_OK), -1);
    assert_int_equal(access("x", F_OK), -1);
}

static void test_background_child_left_alone(void **state)
{
    fx *f = *state;
    hf_command_result r;
    char err[HF_ERR_MAX], path[700], pidf[700], body[1024], *text = NULL;
    long pid;

    snprintf(pidf, sizeof(pidf), "%s/bg.pid", f->dir);
    /* a restart script that starts the service in the background: its stderr
     * stays open in the child, and it must neither be waited for nor killed */
    snprintf(body, sizeof(body), "sleep 30 &\necho $! > %s\necho done >&2\nexit 0\n", pidf);
    {
        char *argv[] = {script(f, "bg", body, path, sizeof(path)), NULL};
        assert_int_equal(run(argv, 10, 1, &r, err, sizeof(err)), 0);
    }
    assert_false(r.timed_out);
    assert_int_equal(r.exit_status, 0);
    assert_true(hf_file_read(pidf, 64, &text) > 0);
    assert_int_equal(hf_parse_long(strtok(text, "\n"), &pid), 0);
    free(text);
    assert_int_equal(kill((pid_t)pid, 0), 0);   /* still running */
    kill((pid_t)pid, SIGKILL);
}

/* A caller that ignores SIGCHLD (collectd): the status still comes back,
 * through the relay; a timeout still reaches the command; an exec failure
 * is still the exec's errno. */
static void test_sigchld_ignored(void **state)
{
    hf_command_result r;
    char err[HF_ERR_MAX];
    char *f[] = {(char[]){"/bin/sh"}, (char[]){"-c"}, (char[]){"echo oops >&2; exit 7"}, NULL};
    char *slow[] = {(char[]){"/bin/sleep"}, (char[]){"30"}, NULL};
    char *none[] = {(char[]){"/nonexistent/cmd"}, NULL};
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;

    (void)state;
    sigaction(SIGCHLD, &ign, &old);
    assert_int_equal(run(f, 5, 1, &r, err, sizeof(err)), 0);
    assert_true(r.ran);
    assert_true(r.reaped);
    assert_int_equal(r.exit_status, 7);
    assert_string_equal(r.stderr_head, "oops\n");
    assert_int_equal(run(slow, 0.3, 0.3, &r, err, sizeof(err)), 0);
    assert_true(r.timed_out);
    assert_int_equal(r.exit_status, -1);    /* the relay died with it */
    assert_int_equal(run(none, 5, 1, &r, err, sizeof(err)), -ENOENT);
    assert_false(r.ran);
    sigaction(SIGCHLD, &old, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_status),
        cmocka_unit_test_setup_teardown(test_stderr_head, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_term, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_inherited, setup, teardown),
        cmocka_unit_test_setup_teardown(test_background_child_left_alone, setup, teardown),
        cmocka_unit_test(test_sigchld_ignored),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
