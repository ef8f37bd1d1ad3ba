/* hf_command: fork + execve with a timeout. See hf_command.h. */
#include "hf_command.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hf_util.h"

/* In the child: async-signal-safe calls only. */
/* Relay (the caller ignores SIGCHLD, as collectd does: the kernel would
 * reap the command and drop its status): the child, with SIGCHLD at its
 * default, forks the command and passes its wait status up statw. The
 * relay leads the session and group, so signals to the group reach both. */
static void relay(int statw, int execw)
{
    pid_t pid = fork();
    int st = 0;

    if (pid == 0) {
        (void)close(statw);
        return;                 /* the grandchild goes on to execve */
    }
    (void)close(execw);         /* the exec pipe's EOF is the grandchild's execve */
    (void)dup2(0, 2);           /* /dev/null: only the command's stderr goes up the pipe */
    if (pid > 0)
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    if (pid > 0)
        (void)!write(statw, &st, sizeof(st));
    _exit(pid > 0 ? 0 : 127);
}

static void child(char *const *argv, char *const *envp, int devnull, int errw, int execw, int statw)
{
    struct sigaction dfl;
    sigset_t none;
    int e;

    /* above the standard descriptors first: a daemon may run with 0-2 closed */
    devnull = fcntl(devnull, F_DUPFD, 10);
    errw = fcntl(errw, F_DUPFD, 10);
    execw = fcntl(execw, F_DUPFD_CLOEXEC, 10);
    if (devnull < 0 || errw < 0 || execw < 0)
        goto fail;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++)
        (void)sigaction(s, &dfl, NULL);         /* fails harmlessly for KILL, STOP, RT gaps */
    (void)setsid();
    if (dup2(devnull, 0) < 0 || dup2(devnull, 1) < 0 || dup2(errw, 2) < 0 ||
        dup2(execw, 3) < 0 || fcntl(3, F_SETFD, FD_CLOEXEC) < 0)
        goto fail;
    execw = 3;
    if (statw >= 0) {
        if (dup2(statw, 4) < 0)
            goto fail;
        statw = 4;
    }
    if (syscall(SYS_close_range, statw >= 0 ? 5u : 4u, ~0u, 0u) < 0)
        for (int fd = statw >= 0 ? 5 : 4; fd < 4096; fd++)
            (void)close(fd);
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    if (statw >= 0)
        relay(statw, execw);
    execve(argv[0], argv, envp);
fail:
    e = errno;
    if (execw >= 0)
        (void)!write(execw, &e, sizeof(e));
    _exit(127);
}

static double mono(void)
{
    return hf_mono_now();
}

/* Keep the first lines of what the command writes; count everything. */
static void take(hf_command_result *res, size_t *kept, size_t *lines, size_t max_lines,
                 const char *buf, size_t len)
{
    res->stderr_bytes += len;
    for (size_t i = 0; i < len && *lines < max_lines && *kept + 1 < sizeof(res->stderr_head); i++) {
        unsigned char c = (unsigned char)buf[i];
        res->stderr_head[(*kept)++] = c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)
                                          ? (char)c : '?';
        if (c == '\n')
            (*lines)++;
    }
    res->stderr_head[*kept] = '\0';
}

static void status_of(hf_command_result *res, int st)
{
    res->reaped = true;
    if (WIFEXITED(st))
        res->exit_status = WEXITSTATUS(st);
    else if (WIFSIGNALED(st))
        res->signal = WTERMSIG(st);
}

/* Wait for pid while reading errfd; signal at the deadlines. */
static void supervise(const hf_command_cfg *cfg, hf_command_result *res, pid_t pid, int errfd,
                      double start)
{
    size_t kept = 0, lines = 0, max_lines = cfg->stderr_lines ? cfg->stderr_lines : 5;
    double term_at = start + cfg->timeout_s, kill_at = term_at + cfg->kill_after_s;
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    bool eof = false;
    char buf[4096];

    for (;;) {
        struct pollfd pf[2] = {{.fd = eof ? -1 : errfd, .events = POLLIN},
                               {.fd = pidfd, .events = POLLIN}};
        double now = mono(), next = res->killed ? now + 1 : res->timed_out ? kill_at : term_at;
        int wait_ms = (int)((next - now) * 1000) + 1, st;
        pid_t w;

        if (pidfd < 0 && wait_ms > 10)
            wait_ms = 10;
        if (wait_ms < 0)
            wait_ms = 0;
        if (poll(pf, 2, wait_ms) > 0 && (pf[0].revents & (POLLIN | POLLHUP))) {
            ssize_t got = read(errfd, buf, sizeof(buf));
            if (got > 0)
                take(res, &kept, &lines, max_lines, buf, (size_t)got);
            else if (got == 0 || (errno != EINTR && errno != EAGAIN))
                eof = true;
        }
        w = waitpid(pid, &st, WNOHANG);
        if (w == pid || (w < 0 && errno == ECHILD)) {
            if (w == pid)
                status_of(res, st);
            break;
        }
        now = mono();
        if (res->killed && now >= kill_at + 5)
            break;                          /* unkillable (D state): not waited for any more */
        if (!res->timed_out && now >= term_at) {
            res->timed_out = true;
            kill(-pid, SIGTERM);
            kill(pid, SIGTERM);             /* should it have left its group */
        } else if (res->timed_out && !res->killed && now >= kill_at) {
            res->killed = true;
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
        }
    }
    /* what is already in the pipe; never wait for processes it left behind */
    while (!eof) {
        ssize_t got = read(errfd, buf, sizeof(buf));
        if (got <= 0)
            break;
        take(res, &kept, &lines, max_lines, buf, (size_t)got);
    }
    if (pidfd >= 0)
        close(pidfd);
}

int hf_command_run(const hf_command_cfg *cfg, hf_command_result *res, char *err, size_t n)
{
    char env_path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char env_lc[] = "LC_ALL=C";
    char *const env[] = {env_path, env_lc, NULL};
    int errp[2] = {-1, -1}, execp[2] = {-1, -1}, statp[2] = {-1, -1}, devnull, child_errno = 0, rc = 0;
    struct sigaction chld;
    sigset_t all, old;
    double start;
    ssize_t got;
    pid_t pid;

    memset(res, 0, sizeof(*res));
    res->exit_status = -1;
    if (!cfg->argv || !cfg->argv[0] || cfg->argv[0][0] != '/' || !(cfg->timeout_s > 0) ||
        !(cfg->kill_after_s > 0)) {
        hf_err_set(err, n, "command: no absolute path to run, or no timeout");
        return -EINVAL;
    }
    devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    /* the caller ignores SIGCHLD (collectd): the status comes through a relay */
    bool relayed = sigaction(SIGCHLD, NULL, &chld) == 0 &&
                   (chld.sa_handler == SIG_IGN || (chld.sa_flags & SA_NOCLDWAIT));
    if (devnull < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(execp, O_CLOEXEC) < 0 ||
        (relayed && pipe2(statp, O_CLOEXEC) < 0)) {
        rc = -errno;
        hf_err_set(err, n, "%s: cannot prepare to run it: %s", cfg->argv[0], strerror(-rc));
        goto out;
    }
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);   /* no handler runs in the child */
    start = mono();
    pid = fork();
    if (pid == 0)
        child(cfg->argv, cfg->envp ? cfg->envp : env, devnull, errp[1], execp[1], statp[1]);
    rc = pid < 0 ? -errno : 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(errp[1]);
    close(execp[1]);
    if (statp[1] >= 0)
        close(statp[1]);
    errp[1] = execp[1] = statp[1] = -1;
    if (rc < 0) {
        hf_err_set(err, n, "%s: fork: %s", cfg->argv[0], strerror(-rc));
        goto out;
    }
    do
        got = read(execp[0], &child_errno, sizeof(child_errno));
    while (got < 0 && errno == EINTR);
    if (got == (ssize_t)sizeof(child_errno)) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = -(child_errno ? child_errno : EIO);
        hf_err_set(err, n, "cannot execute %s: %s", cfg->argv[0], strerror(-rc));
        goto out;
    }
    res->ran = true;
    (void)fcntl(errp[0], F_SETFL, O_NONBLOCK);
    supervise(cfg, res, pid, errp[0], start);
    res->duration_s = mono() - start;
    if (relayed && !res->reaped) {          /* the relay wrote the status before it exited */
        int st;
        (void)fcntl(statp[0], F_SETFL, O_NONBLOCK);
        if (read(statp[0], &st, sizeof(st)) == (ssize_t)sizeof(st))
            status_of(res, st);
    }
out:
    for (int i = 0; i < 2; i++) {
        if (errp[i] >= 0)
            close(errp[i]);
        if (execp[i] >= 0)
            close(execp[i]);
        if (statp[i] >= 0)
            close(statp[i]);
    }
    if (devnull >= 0)
        close(devnull);
    return rc;
}

void hf_command_describe(const hf_command_result *res, double timeout_s, char *out, size_t n)
{
    if (!res->ran)
        hf_err_set(out, n, "did not run");
    else if (res->killed)
        hf_err_set(out, n, "killed (SIGKILL) after the %g s timeout and SIGTERM", timeout_s);
    else if (res->timed_out)
        hf_err_set(out, n, "stopped by SIGTERM after the %g s timeout", timeout_s);
    else if (res->signal)
        hf_err_set(out, n, "killed by SIG%s", sigabbrev_np(res->signal) ? sigabbrev_np(res->signal)
                                                                     : "?");
    else if (res->exit_status >= 0)
        hf_err_set(out, n, "exit status %d", res->exit_status);
    else
        hf_err_set(out, n, "exit status unknown (SIGCHLD is ignored)");
}
