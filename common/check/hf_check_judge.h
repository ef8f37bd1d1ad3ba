/* hf_check_judge: each kind's judgement of probe results, without probing:
 * settings + a probe result in, findings and metrics out. The kinds' eval
 * functions probe and then call these; unit tests call them with fixture
 * results. Settings must be of the matching kind (hf_settings_init). */
#ifndef HF_CHECK_JUDGE_H
#define HF_CHECK_JUDGE_H

#include "hf_cert.h"
#include "hf_check.h"
#include "hf_db.h"
#include "hf_logs.h"
#include "hf_process.h"
#include "hf_resources.h"
#include "hf_backup.h"
#include "hf_check_http_fail.h"
#include "hf_check_api.h"

/* service: one finding per service, restart/exe/note findings, metrics. */
void hf_check_service_judge(const hf_settings *s, const hf_process_result *res, hf_report *out);

/* resources: a finding per resource (disk, inodes, memory, load, cpu), metrics;
 * res->error set: the probe failed (UNKNOWN resources.probe). */
void hf_check_resources_judge(const hf_settings *s, const hf_resources_result *res, hf_report *out);
/* backup: age, size, quick_check findings and metrics of the newest backup;
 * res->err set: the probe failed (UNKNOWN backup.probe). */
void hf_check_backup_judge(const hf_settings *s, const hf_backup_result *res, hf_report *out);
/* cert: one configured file and what hf_cert_probe made of it. */
typedef struct hf_check_cert_file {
    const char *name;           /* display name, the findings' object ("auth-service.crt") */
    int rc;                     /* hf_cert_probe's return: 0 or negative errno */
    const hf_cert_result *res;
} hf_check_cert_file;
/* cert: per file its dates, trust and (the first, with --url) whether it is
 * served; one days-left metric per readable file; the summary. */
void hf_check_cert_judge(const hf_settings *s, const hf_check_cert_file *files, size_t n,
                         hf_report *out);

/* db: the probe's failure, or statistics, query, integrity findings and metrics. */
void hf_check_db_judge(const hf_settings *s, const hf_db_result *res, hf_report *out);

/* http: one GET judged (status, body, time, served chain, no answer). */
void hf_check_http_judge(const hf_settings *s, const hf_check_http_get *g, hf_report *out);

/* api: the models list and the metrics page judged; st (NULL: no state)
 * gives the previous sample and the window, and is updated. */
void hf_check_api_judge(const hf_settings *s, const hf_check_api_probe *p, hf_prom_api_state *st,
                        hf_report *out);
/* log: per class the lines in its window (st holds this run's lines, added
 * with hf_logs_state_window_add at now), file events, the last lines. */
void hf_check_log_judge(const hf_settings *s, const hf_logs_result *res, const hf_logs_state *st,
                        double now, hf_report *out);

#endif
