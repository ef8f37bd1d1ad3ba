/* bench_cert_probe: hf_cert_probe N times in one process with a warm cache,
 * the in-process cost of checking unchanged certificate files.
 *
 *   bench_cert_probe [-n N] [--ca FILE] [--no-verify] CERT...
 *
 * Prints one line: probes, CPU microseconds per probe (user+sys, measured
 * around the loop), and the cache statistics (parses must stay at one per file). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "hf_cert.h"

int main(int argc, char **argv);

static double cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv)
{
    long n = 10000;
    const char *ca = NULL;
    bool no_verify = false;
    int first = 1;
    hf_cert_cache *c;
    hf_cert_cache_stats st;
    double t0, t1;
    long fails = 0;

    while (first < argc && argv[first][0] == '-') {
        if (strcmp(argv[first], "-n") == 0 && first + 1 < argc && hf_parse_long(argv[first + 1], &n) == 0) {
            first += 2;
        } else if (strcmp(argv[first], "--ca") == 0 && first + 1 < argc) {
            ca = argv[first + 1];
            first += 2;
        } else if (strcmp(argv[first], "--no-verify") == 0) {
            no_verify = true;
            first++;
        } else {
            break;
        }
    }
    if (first >= argc || n < 1) {
        fprintf(stderr, "usage: bench_cert_probe [-n N] [--ca FILE] [--no-verify] CERT...\n");
        return 2;
    }
    c = hf_cert_cache_new();
    if (!c)
        return 1;
    t0 = cpu_now();
    for (long i = 0; i < n; i++) {
        for (int f = first; f < argc; f++) {
            hf_cert_config cfg = {.path = argv[f], .ca_file = ca, .no_verify = no_verify, .cache = c};
            hf_cert_result r;
            if (hf_cert_probe(&cfg, &r) != 0 || (!no_verify && !r.trusted))
                fails++;
            hf_cert_result_free(&r);
        }
    }
    t1 = cpu_now();
    hf_cert_cache_stats_get(c, &st);
    printf("probes=%ld files=%d cpu_us_per_probe=%.3f parses=%lu hits=%lu verifies=%lu fails=%ld\n",
           n * (argc - first), argc - first, (t1 - t0) * 1e6 / (double)(n * (argc - first)),
           st.parses, st.hits, st.verifies, fails);
    hf_cert_cache_free(c);
    return fails ? 1 : 0;
}
