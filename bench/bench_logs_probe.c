/* bench_logs_probe: run hf_logs_probe in-process, for bench/bench_log.sh.
 *
 *   bench_logs_probe [--state FILE] [--budget BYTES] [--regex] [--buf BYTES] GLOB...
 *
 * Without --state every call starts with an empty state and reads the
 * existing content (read_existing); with --state the state is loaded before
 * and saved after, as check_helixflow_log does. Prints one line:
 *   bytes_read=N bytes_new=N error=N warning=N critical=N security=N backlog=N */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_logs.h"

int main(int argc, char **argv);

int main(int argc, char **argv)
{
    const char *state_path = NULL;
    hf_logs_config cfg = {0};
    hf_logs_matcher *m = NULL;
    hf_logs_state st;
    hf_logs_result res;
    char err[HF_ERR_MAX];
    unsigned flags = 0;
    int i, rc;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--state") && i + 1 < argc)
            state_path = argv[++i];
        else if (!strcmp(argv[i], "--budget") && i + 1 < argc)
            cfg.byte_budget = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--buf") && i + 1 < argc)
            cfg.buf_size = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--regex"))
            flags |= HF_LOGS_FORCE_REGEX;
        else {
            fprintf(stderr, "usage: bench_logs_probe [--state FILE] [--budget N] [--buf N] [--regex] GLOB...\n");
            return 2;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "bench_logs_probe: no glob\n");
        return 2;
    }
    if (hf_logs_matcher_new(NULL, flags, &m, err, sizeof(err)) < 0) {
        fprintf(stderr, "bench_logs_probe: %s\n", err);
        return 1;
    }
    if (state_path) {
        if (hf_logs_state_load(&st, state_path, err, sizeof(err)) < 0) {
            fprintf(stderr, "bench_logs_probe: %s\n", err);
            return 1;
        }
    } else {
        hf_logs_state_init(&st);
    }
    cfg.globs = (const char *const *)&argv[i];
    cfg.nglobs = (size_t)(argc - i);
    cfg.matcher = m;
    cfg.last_lines = 5;
    cfg.read_existing = true;
    rc = hf_logs_probe(&cfg, &st, &res);
    if (rc < 0) {
        fprintf(stderr, "bench_logs_probe: %s\n", res.err);
    } else {
        printf("bytes_read=%" PRIu64 " bytes_new=%" PRIu64 " error=%" PRIu64 " warning=%" PRIu64
               " critical=%" PRIu64 " security=%" PRIu64 " backlog=%" PRIu64 "\n",
               res.bytes_read, res.bytes_new, res.count[HF_LOGS_ERROR], res.count[HF_LOGS_WARNING],
               res.count[HF_LOGS_CRITICAL], res.count[HF_LOGS_SECURITY], res.backlog);
        if (state_path && hf_logs_state_save(&st, state_path, err, sizeof(err)) < 0) {
            fprintf(stderr, "bench_logs_probe: %s\n", err);
            rc = -1;
        }
    }
    hf_logs_result_free(&res);
    hf_logs_state_free(&st);
    hf_logs_matcher_free(m);
    return rc < 0 ? 1 : 0;
}
