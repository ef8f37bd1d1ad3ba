/* bench_process_probe: in-process drivers for bench/bench_service.sh.
 *
 *   bench_process_probe floor ITER [PROC]
 *       the floor: ITER bare passes of readdir(/proc) + readlinkat("<pid>/exe")
 *   bench_process_probe probe ITER ROOT [CGROUP_ROOT|-]
 *       ITER calls of hf_process_probe for the five default services under
 *       ROOT ("-": no cgroup source, i.e. the /proc scan)
 *   bench_process_probe spawn N
 *       fork N children that pause (they die with the parent); prints
 *       "ready" when all exist; SIGTERM ends them all
 *
 * floor and probe print one line: "RESULT <cpu seconds per iteration>
 * <numeric /proc entries> <detail>" (CPU = this process's user+sys). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hf_defaults.h"
#include "hf_process.h"

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One bare pass: what any exact-exe scan must at least do. */
static long floor_pass(int procfd)
{
    int fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    struct dirent *de;
    char rel[300], buf[4096];
    long n = 0, hits = 0;

    if (!d)
        return -1;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        snprintf(rel, sizeof(rel), "%s/exe", de->d_name);
        if (readlinkat(procfd, rel, buf, sizeof(buf)) > 0)
            hits++;
        n++;
    }
    closedir(d);
    return hits >= 0 ? n : -1;
}

static int run_floor(long iter, const char *proc)
{
    int procfd = open(proc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    long n = 0;
    double t0;

    if (procfd < 0) {
        perror(proc);
        return 1;
    }
    t0 = cpu_now();
    for (long i = 0; i < iter; i++)
        n = floor_pass(procfd);
    printf("RESULT %.9f %ld floor\n", (cpu_now() - t0) / (double)iter, n);
    close(procfd);
    return 0;
}

static int run_probe(long iter, const char *root, const char *cgroup)
{
    static const char *const names[] = {HF_DEFAULT_SERVICES};
    hf_process_service_cfg svc[HF_DEFAULT_SERVICE_COUNT];
    hf_process_cfg cfg = {.root = root, .services = svc, .nservices = HF_DEFAULT_SERVICE_COUNT};
    hf_process_result r;
    char detail[512] = "";
    size_t off = 0, scanned = 0;
    double t0;

    memset(svc, 0, sizeof(svc));
    for (size_t i = 0; i < HF_DEFAULT_SERVICE_COUNT; i++)
        svc[i].name = names[i];
    if (strcmp(cgroup, "-") == 0)
        cfg.no_cgroup = true;
    else
        cfg.cgroup_mount = cgroup;
    t0 = cpu_now();
    for (long i = 0; i < iter; i++) {
        if (hf_process_probe(&cfg, NULL, &r) < 0) {
            fprintf(stderr, "probe: %s\n", r.error);
            hf_process_result_free(&r);
            return 1;
        }
        if (i + 1 < iter)
            hf_process_result_free(&r);
    }
    t0 = (cpu_now() - t0) / (double)iter;
    for (size_t i = 0; i < r.nservices && off < sizeof(detail); i++)
        off += (size_t)snprintf(detail + off, sizeof(detail) - off, "%s%s=%ld(%s)", i ? "," : "",
                                r.services[i].name, r.services[i].count,
                                hf_process_source_name(r.services[i].source));
    scanned = r.scanned;
    hf_process_result_free(&r);
    printf("RESULT %.9f %zu %s\n", t0, scanned, detail);
    return 0;
}

static volatile sig_atomic_t stop;
static void on_term(int s)
{
    (void)s;
    stop = 1;
}

static int run_spawn(long n)
{
    pid_t me = getpid();
    struct sigaction sa;
    sigset_t block, old;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigemptyset(&block);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    sigprocmask(SIG_BLOCK, &block, &old);
    for (long i = 0; i < n; i++) {
        pid_t c = fork();
        if (c < 0) {
            perror("fork");
            break;
        }
        if (c == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != me)
                _exit(0);
            signal(SIGTERM, SIG_DFL);
            sigprocmask(SIG_SETMASK, &old, NULL);
            for (;;)
                pause();
        }
    }
    printf("ready\n");
    fflush(stdout);
    while (!stop)
        sigsuspend(&old);
    signal(SIGTERM, SIG_IGN);
    kill(0, SIGTERM);           /* our process group: the children */
    while (wait(NULL) > 0)
        ;
    return 0;
}

int main(int argc, char **argv);

int main(int argc, char **argv)
{
    long n = argc > 2 ? atol(argv[2]) : 0;

    if (argc >= 3 && strcmp(argv[1], "floor") == 0 && n > 0)
        return run_floor(n, argc > 3 ? argv[3] : "/proc");
    if (argc >= 4 && strcmp(argv[1], "probe") == 0 && n > 0)
        return run_probe(n, argv[3], argc > 4 ? argv[4] : "-");
    if (argc == 3 && strcmp(argv[1], "spawn") == 0 && n > 0) {
        setpgid(0, 0);
        return run_spawn(n);
    }
    fprintf(stderr, "usage: %s floor ITER [PROC] | probe ITER ROOT [CGROUP_ROOT|-] | spawn N\n", argv[0]);
    return 2;
}
