/* bench_db_probe: drives the database probe for bench/bench_db.sh.
 *
 *   bench_db_probe backfill DB STATE_OUT
 *       one probe from an empty state (the backfill); saves the state;
 *       prints rows, CPU and wall seconds, rows/s, transactions
 *   bench_db_probe incr DB STATE_IN N
 *       loads STATE_IN once, then N times: copy it and run one probe (each
 *       reads the same new rows, and moves the windows' far edges from the
 *       backfill's clock to now); prints CPU/wall per call measured around
 *       the probe only (the in-process cost, as collectd would pay it), the
 *       rows read at the far edges per call and whether the windows are exact
 *   bench_db_probe exec STATE_IN STATE_FILE N CMD...
 *       N times: restore STATE_FILE from STATE_IN's bytes, run CMD (the
 *       check process), wait; prints the children's CPU/wall per run
 * Not installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hf_db.h"
#include "hf_util.h"

static double cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int backfill(const char *db, const char *out)
{
    hf_db_state *st = hf_db_state_new();
    hf_db_config cfg = {.path = db, .budget_ms = 600000};
    hf_db_result r;
    char err[HF_ERR_MAX];
    double c0 = cpu_now(), w0 = hf_mono_now(), cpu, wall;

    hf_db_probe(&cfg, st, &r);
    cpu = cpu_now() - c0;
    wall = hf_mono_now() - w0;
    if (r.status != HF_DB_OK || r.coverage < 1) {
        fprintf(stderr, "backfill failed: %s (coverage %.2f)\n", r.err, r.coverage);
        return 1;
    }
    if (hf_db_state_save(st, out, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("rows=%llu cpu=%.3f wall=%.3f rows_per_cpu_s=%.0f rows_per_wall_s=%.0f txns=%u "
           "max_txn_ms=%.1f req_30d=%llu exact=%d exceptions=%llu\n",
           (unsigned long long)r.rows_read, cpu, wall, (double)r.rows_read / cpu,
           (double)r.rows_read / wall, r.txns, r.max_txn_ms,
           (unsigned long long)r.win[HF_DB_W30D].count, r.exact,
           (unsigned long long)r.exceptions);
    hf_db_state_free(st);
    return 0;
}

static int incr(const char *db, const char *in, int n)
{
    hf_db_state *base = hf_db_state_new(), *st = hf_db_state_new();
    hf_db_config cfg = {.path = db, .budget_ms = 10000};
    hf_db_result r;
    char err[HF_ERR_MAX];
    double cpu = 0, wall = 0, max_txn = 0;
    unsigned long long rows = 0, edge = 0;
    bool exact = true;

    if (hf_db_state_load(base, in, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        double c0, w0;
        hf_db_state_copy(st, base);
        c0 = cpu_now();
        w0 = hf_mono_now();
        hf_db_probe(&cfg, st, &r);
        cpu += cpu_now() - c0;
        wall += hf_mono_now() - w0;
        rows += r.rows_read;
        edge += r.edge_rows;
        exact &= r.exact;
        max_txn = r.max_txn_ms > max_txn ? r.max_txn_ms : max_txn;
        if (r.status != HF_DB_OK || r.rebuilt[0]) {
            fprintf(stderr, "incremental probe: %s%s\n", r.err, r.rebuilt);
            return 1;
        }
    }
    printf("calls=%d rows_per_call=%.0f edge_rows_per_call=%.0f cpu_per_call=%.6f "
           "wall_per_call=%.6f max_txn_ms=%.2f exact=%d\n", n, (double)rows / n,
           (double)edge / n, cpu / n, wall / n, max_txn, exact);
    hf_db_state_free(base);
    hf_db_state_free(st);
    return 0;
}

static int run_exec(const char *in, const char *file, int n, char **cmd)
{
    char *data = NULL;
    long len = hf_file_read(in, 64u << 20, &data);
    double wall = 0;
    struct rusage ru;
    long maxrss = 0;
    double cpu = 0;

    if (len < 0) {
        fprintf(stderr, "cannot read %s\n", in);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        FILE *f = fopen(file, "w");
        int status;
        double w0;
        pid_t pid;
        if (!f || fwrite(data, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0)
            return 1;
        w0 = hf_mono_now();
        pid = fork();
        if (pid == 0) {
            if (!freopen("/dev/null", "w", stdout))
                _exit(127);
            execv(cmd[0], cmd);
            _exit(127);
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) > 2)
            return 1;
        wall += hf_mono_now() - w0;
        cpu += (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        maxrss = ru.ru_maxrss > maxrss ? ru.ru_maxrss : maxrss;
    }
    printf("runs=%d cpu_per_run=%.6f wall_per_run=%.6f max_rss_kib=%ld state_bytes=%ld\n", n,
           cpu / n, wall / n, maxrss, len);
    free(data);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "backfill") == 0)
        return backfill(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "incr") == 0)
        return incr(argv[2], argv[3], atoi(argv[4]));
    if (argc >= 6 && strcmp(argv[1], "exec") == 0)
        return run_exec(argv[2], argv[3], atoi(argv[4]), argv + 5);
    fprintf(stderr, "usage: bench_db_probe backfill DB STATE_OUT | incr DB STATE_IN N | "
            "exec STATE_IN STATE_FILE N CMD...\n");
    return 2;
}
