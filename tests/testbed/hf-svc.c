/* hf-svc: stand-in HelixFlow service executable for the test bed.
 *
 * Copied (not symlinked) to ROOT/opt/helixflow/bin/<service> so that
 * /proc/<pid>/exe names exactly that path.  Behaviour:
 *   - setsid(): becomes its own session and process-group leader;
 *   - writes its pid to $HF_PIDFILE (if set) once it is the group leader;
 *   - forks $HF_WORKERS worker children (same executable, argv[0] "...
 *     worker"), which just sleep and die with the parent;
 *   - on SIGTERM/SIGINT/SIGHUP kills its process group and exits 0.
 * Arguments are ignored (they are only there to look like a service). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }
static void on_chld(int s) { (void)s; }

int main(int argc, char **argv)
{
    (void)argc; (void)argv;
    setsid();
    const char *pf = getenv("HF_PIDFILE");
    const char *w = getenv("HF_WORKERS");
    int workers = w ? atoi(w) : 0;
    pid_t me = getpid();

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_chld;
    sigaction(SIGCHLD, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGTERM); sigaddset(&block, SIGINT);
    sigaddset(&block, SIGHUP); sigaddset(&block, SIGCHLD);

    for (int i = 0; i < workers && i < 64; i++) {
        pid_t c = fork();
        if (c == 0) {
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            signal(SIGHUP, SIG_DFL);
            signal(SIGCHLD, SIG_DFL);
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            if (getppid() != me) _exit(0);
            for (;;) pause();
        }
    }
    if (pf && *pf) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.tmp%d", pf, (int)me);
        FILE *f = fopen(tmp, "w");
        if (f) { fprintf(f, "%d\n", (int)me); fclose(f); rename(tmp, pf); }
    }
    sigprocmask(SIG_BLOCK, &block, &old);
    while (!stop) {
        while (waitpid(-1, NULL, WNOHANG) > 0) ;
        if (!stop) sigsuspend(&old);
    }
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);
    while (wait(NULL) > 0) ;
    return 0;
}
