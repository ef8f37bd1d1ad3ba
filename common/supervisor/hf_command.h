/* hf_command: run one argv, bounded in time, never through a shell.
 *
 * DESIGN
 *
 * fork + execve of argv[0] (an absolute path; no PATH search, no shell, so
 * no word of argv is ever parsed again). Before the fork everything the
 * child needs is ready (argv, envp, /dev/null, pipes); the child only
 * calls async-signal-safe functions (it may be forked from a threaded
 * collectd): setsid (its own session and process group), default signal
 * dispositions and an empty mask, stdin and stdout /dev/null, stderr a
 * pipe to us, every other descriptor closed, execve. An exec failure comes
 * back through a close-on-exec pipe as errno: hf_command_run then returns
 * it (-ENOENT, -EACCES ...) with err naming argv[0]; nothing ran.
 *
 * Environment: envp as given, else a fixed minimal one
 * (PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin,
 * LC_ALL=C): nothing of the caller's environment leaks into the command.
 *
 * Time (the real monotonic clock): after timeout_s the process group gets
 * SIGTERM, kill_after_s later SIGKILL. A command that exits in time is
 * never signalled, nor are the processes it left behind (a restart script
 * may start the service in the background). Its exit is seen through a
 * pidfd (poll, no busy loop; a 10 ms poll where pidfd_open is missing).
 *
 * Kept: exit status or signal, whether we had to signal it, the duration,
 * the first stderr_lines lines of stderr (at most HF_COMMAND_STDERR_MAX - 1
 * bytes, control characters but tab shown as '?'); the rest is read and
 * dropped so the command never blocks on a full pipe.
 *
 * When the caller ignores SIGCHLD (collectd does) the kernel would reap
 * the command and drop its status: the child then stays as a relay (its
 * SIGCHLD at the default) that forks the command, waits for it and passes
 * its wait status up a pipe; the relay leads the process group, so the
 * timeout's signals reach both. Only a relay killed before it could write
 * leaves exit_status -1 and reaped false.
 *
 * Tests: tests/unit/test_supervisor_command.c (real processes: exit codes,
 * stderr head, a TERM-ignoring command killed, exec failure, fds closed,
 * environment, a backgrounded child left alone). Thread-safe. */
#ifndef HF_COMMAND_H
#define HF_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

#define HF_COMMAND_STDERR_MAX 1024

typedef struct hf_command_cfg {
    char *const *argv;          /* NULL-terminated; argv[0] an absolute path */
    char *const *envp;          /* NULL: the minimal environment above */
    double timeout_s;           /* > 0 */
    double kill_after_s;        /* > 0 */
    size_t stderr_lines;        /* 0: 5 */
} hf_command_cfg;

typedef struct hf_command_result {
    bool ran;                   /* execve succeeded */
    bool reaped;                /* we collected its status */
    int exit_status;            /* 0..255 when it exited, else -1 */
    int signal;                 /* the signal that ended it, 0 none */
    bool timed_out;             /* we sent SIGTERM */
    bool killed;                /* ... and then SIGKILL */
    double duration_s;
    char stderr_head[HF_COMMAND_STDERR_MAX];
    size_t stderr_bytes;        /* everything it wrote to stderr */
} hf_command_result;

/* Run cfg->argv. Returns 0 when it ran (whatever it exited with; see res),
 * or negative errno with err naming argv[0] when it could not be started
 * (res->ran false). */
int hf_command_run(const hf_command_cfg *cfg, hf_command_result *res, char *err, size_t n);

/* "exit status 1", "killed by SIGTERM after the 60 s timeout", ... */
void hf_command_describe(const hf_command_result *res, double timeout_s, char *out, size_t n);

#endif
