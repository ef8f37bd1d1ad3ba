/* hf_supervisor internals shared by hf_supervisor*.c (not installed). */
#ifndef HF_SUPERVISOR_INT_H
#define HF_SUPERVISOR_INT_H

#include "hf_supervisor.h"

struct hf_supervisor {
    hf_supervisor_cfg cfg;
    char user[64];                      /* our user name: the default requester */
};

double hf_sup_now(const hf_supervisor *s);
void hf_sup_sleep(const hf_supervisor *s, double seconds);

/* flock restart-<service>.lock in the ledger's directory for wait_s. */
int hf_sup_lock(hf_supervisor *s, const char *service, double wait_s, char *err, size_t n);

/* The gap after attempt k (>= 1): backoff * 2^(k-1), at most backoff-max. */
double hf_sup_gap(const hf_restart_budget *b, long k);

/* Apply a due budget reset to *b (see hf_supervisor.h, step 4); last_ok
 * from the request (0: none). Returns 0 or negative errno with err. */
int hf_sup_reset_due(hf_supervisor *s, const hf_restart_service *svc, hf_ledger_budget *b,
                     double now, double last_ok, char *err, size_t n);

/* Name as text safe for a log line (non-printables as \xNN, at most 64). */
void hf_sup_quote(const char *name, char *out, size_t n);

/* Format an epoch time "YYYY-MM-DD HH:MM:SS" (UTC). */
const char *hf_sup_time(double t, char *out, size_t n);

#endif
