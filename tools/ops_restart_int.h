/* ops_restart internals shared by tools/ops_restart*.c (not installed). */
#ifndef OPS_RESTART_INT_H
#define OPS_RESTART_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "hf_health.h"
#include "hf_restart_event.h"
#include "hf_supervisor.h"
#include "ops_restart.h"

#define OPS_RESTART_PROG "helixflow-ops restart"
#define OPS_RESTART_FRONTEND "helixflow-ops"
#define OPS_RESTART_MONITOR "helixflow-ops:restart"

typedef enum { MODE_RESTART, MODE_RESET, MODE_STATUS } ops_restart_mode;

typedef struct ops_restart_opts {
    ops_restart_mode mode;
    bool all, event;
    const char *config, *ledger;
    hf_restart_event ev;
    double wait_s, period_s, timeout_s;
    const char *health_url;
    bool no_health;
    char **names;
    size_t nnames;
} ops_restart_opts;

/* Everything one run holds; released at the end of ops_restart_main. */
typedef struct ops_restart_run {
    ops_restart_opts o;
    hf_restart_policy policy;
    hf_ledger *ledger;
    hf_settings svc, ep;
    bool have_svc, have_ep;
    hf_health *health;
    hf_supervisor *sup;
    char requester[64];
} ops_restart_run;

/* "helixflow-ops restart: <message>" on stderr; returns code. */
int ops_restart_fail(int code, const char *fmt, ...) HF_PRINTF(2, 3);
/* The more severe of two exit codes (5, 4, 2, 1, 3, 0). */
int ops_restart_worse(int a, int b);
/* --reset and --status (ops_restart_status.c): an exit code. */
int ops_restart_reset(ops_restart_run *r);
int ops_restart_status(ops_restart_run *r);

#endif
