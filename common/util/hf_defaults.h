/* hf_defaults: the standard HelixFlow deployment of DESIGN.md section 2.
 * Deployment paths are absolute and are prefixed with the configured root
 * (hf_path_join); /proc and /sys are separate settings, never prefixed. */
#ifndef HF_DEFAULTS_H
#define HF_DEFAULTS_H

#define HF_DEFAULT_SERVICES "api-gateway", "api-gateway-grpc", "auth-service", \
    "inference-pool", "monitoring"
#define HF_DEFAULT_SERVICE_COUNT 5
#define HF_DEFAULT_SERVICE_LIST "api-gateway,api-gateway-grpc,auth-service,inference-pool,monitoring"
#define HF_DEFAULT_BIN_DIR      "/opt/helixflow/bin"          /* + "/<service>" */
#define HF_DEFAULT_UNIT_FMT     "helixflow-%s.service"
/* A long-running front-end re-checks the processes it knows and scans all
 * of /proc at least this often (seconds; hf_process.h, hf_process_known).
 * A kill, a restart or a return is seen at once whatever this is; only one
 * more process of a service already running (another worker) waits for
 * the next full scan. 2,000 processes cost a scan about 12 ms here. */
#define HF_PROCESS_RESCAN_S     300
#define HF_DEFAULT_CGROUP_MOUNT "/sys/fs/cgroup"
#define HF_DEFAULT_PROC         "/proc"
#define HF_DEFAULT_SYS          "/sys"

#define HF_DEFAULT_HEALTH_URL   "http://localhost:8443/health"
#define HF_DEFAULT_MODELS_URL   "http://localhost:8443/v1/models"
#define HF_DEFAULT_METRICS_URL  "http://localhost:8083/metrics"
#define HF_DEFAULT_REQ_METRIC   "api_requests_total"
#define HF_DEFAULT_DUR_METRIC   "api_request_duration_seconds"

#define HF_DEFAULT_CERT_DIR     "/opt/helixflow/certs"        /* + "/<name>.crt" */
#define HF_DEFAULT_CERTS        "api-gateway", "auth-service", "inference-pool", "monitoring"
#define HF_DEFAULT_CERT_LIST    "api-gateway,auth-service,inference-pool,monitoring"
#define HF_DEFAULT_CERT_COUNT   4
#define HF_DEFAULT_CERT_WARN_DAYS 30

#define HF_DEFAULT_DB           "/opt/helixflow/data/helixflow.db"
#define HF_DEFAULT_DB_TABLE     "inference_requests"
#define HF_DEFAULT_DB_TIME_COL  "created_at"
#define HF_DEFAULT_DB_RT_COL    "response_time"
#define HF_DEFAULT_DB_STATUS_COL "status"
#define HF_DEFAULT_DB_ERROR_STATUS "error"

#define HF_DEFAULT_LOG_GLOB     "/var/log/helixflow/*.log"
#define HF_DEFAULT_ERROR_RE     "error|fail|critical"
#define HF_DEFAULT_SECURITY_RE  "security|auth|login"

#define HF_DEFAULT_BACKUP_GLOB  "/opt/helixflow/backups/*.db"
#define HF_DEFAULT_CONFIG_DIR   "/opt/helixflow/config"
#define HF_DEFAULT_DEPLOY_DIR   "/opt/helixflow"

/* Our own state (incremental offsets, aggregates); also moved by root. */
#define HF_DEFAULT_STATE_DIR    "/var/lib/helixflow-monitoring"
/* The collectd plugin's (its own, so a Nagios check on the same host never
 * advances the plugin's offsets), and how often it saves its state
 * (seconds; and at shutdown). */
#define HF_DEFAULT_COLLECTD_STATE_DIR "/var/lib/collectd/helixflow"
#define HF_COLLECTD_SAVE_S      300

/* The per-host event ledger (common/ledger): under the state directory,
 * moved by root like it; rows older than the retention are pruned. */
#define HF_DEFAULT_LEDGER       "/var/lib/helixflow-monitoring/ledger.db"
#define HF_DEFAULT_LEDGER_RETENTION_DAYS 400
/* The supervisor's health verdict: both probes within this (seconds), and
 * the period `helixflow-ops restart --status` reports by default. */
#define HF_HEALTH_TIMEOUT_S     5.0
#define HF_RESTART_STATUS_PERIOD_S 86400

/* The restart supervisor (common/supervisor): its one root-owned policy
 * file (never moved by root: it is the host's, not the deployment's), the
 * command when the policy names none ({service} is replaced inside its
 * argv element), and the budget: attempts per window, the first gap
 * between attempts (doubled each time, at most backoff-max), the healthy
 * time that resets the budget, the command's timeout (then SIGTERM, then
 * SIGKILL after kill-after) and the health deadline after it. Seconds. */
#define HF_DEFAULT_RESTART_CONF "/etc/helixflow-monitoring/restart.conf"
#define HF_DEFAULT_RESTART_COMMAND "/usr/bin/systemctl restart helixflow-{service}.service"
#define HF_DEFAULT_RESTART_ATTEMPTS 3
#define HF_DEFAULT_RESTART_WINDOW_S 900
#define HF_DEFAULT_RESTART_BACKOFF_S 10
#define HF_DEFAULT_RESTART_BACKOFF_MAX_S 300
#define HF_DEFAULT_RESTART_RESET_S 600
#define HF_DEFAULT_RESTART_TIMEOUT_S 60
#define HF_DEFAULT_RESTART_KILL_AFTER_S 10
#define HF_DEFAULT_RESTART_VERIFY_S 60
/* dependencies first: these restart before the gateways */
#define HF_DEFAULT_RESTART_AFTER "auth-service inference-pool"
#define HF_DEFAULT_RESTART_DEPENDENTS "api-gateway", "api-gateway-grpc"

/* Every check: give up (UNKNOWN) after this many seconds. */
#define HF_DEFAULT_TIMEOUT_S    "10"

/* Thresholds: the defaults of every check's warning and critical settings,
 * as range text (Monitoring Plugins syntax), from the guide's targets.
 * One place: the check layer's settings tables take them from here. */
#define HF_TARGET_HEALTH_MS     200
#define HF_TARGET_DB_QUERY_MS   100
#define HF_TARGET_DISK_PCT      80
#define HF_TARGET_MEM_PCT       90
#define HF_TARGET_CPU_PCT       80
#define HF_TARGET_AVAILABILITY_PCT 99.9
#define HF_TARGET_MTTR_S        900             /* under 15 minutes */
#define HF_TARGET_MTBF_S        (30 * 86400)    /* over 30 days */

/* service: processes per service (CRITICAL below one) */
#define HF_THR_SERVICE_CRIT     "1:"
/* http: response time in seconds (the guide's 200 ms health target) */
#define HF_THR_HTTP_WARN_S      "0.2"
#define HF_THR_HTTP_CRIT_S      "1"
/* certificates: days left (warn under 30 days, critical under 7) */
#define HF_THR_CERT_WARN_DAYS   "30"
#define HF_THR_CERT_CRIT_DAYS   "7"
/* api: error ratio in percent, p95 latency in seconds */
#define HF_THR_API_ERR_WARN     "1"
#define HF_THR_API_ERR_CRIT     "5"
#define HF_THR_API_P95_WARN     "2"
#define HF_THR_API_P95_CRIT     "5"
#define HF_API_WINDOW_S         "900"       /* the error ratio's fixed window: 15 minutes */
/* db: error rate %, p95 response ms, simple query ms (the guide's 100 ms) */
#define HF_THR_DB_ERR_WARN      "1"
#define HF_THR_DB_ERR_CRIT      "5"
#define HF_THR_DB_P95_WARN      "5000"
#define HF_THR_DB_P95_CRIT      "10000"
#define HF_THR_DB_QUERY_WARN    "100"
#define HF_THR_DB_QUERY_CRIT    "500"
/* backup: age in hours (daily backups: a day and two hours warns) */
#define HF_THR_BACKUP_AGE_WARN  "26"
#define HF_THR_BACKUP_AGE_CRIT  "50"
/* backup: warn when smaller than the previous backup by more than this %;
 * critical below this many bytes (1: an empty file) */
#define HF_THR_BACKUP_SHRINK_PCT "50"
#define HF_THR_BACKUP_MIN_BYTES "1"
/* log lines per class over the window: the first error line warns, the
 * first critical/fatal/panic line is critical (as check_logfiles does);
 * security events over 30 days: the guide's target is fewer than 5 a month */
#define HF_THR_LOG_ERROR_WARN   "0"
#define HF_THR_LOG_ERROR_CRIT   "50"
#define HF_THR_LOG_CRITICAL_WARN "0"
#define HF_THR_LOG_CRITICAL_CRIT "0"
#define HF_THR_LOG_SECURITY_WARN "4"
#define HF_THR_LOG_SECURITY_CRIT "20"
#define HF_LOG_WINDOW_S         "900"       /* counted events: a fixed 15-minute window */
#define HF_LOG_SECURITY_WINDOW_S "2592000"  /* the security class: 30 days */
/* resources: disk and inode use %, memory %, load per core, CPU % */
#define HF_THR_DISK_WARN        "80"
#define HF_THR_DISK_CRIT        "90"
#define HF_THR_INODE_WARN       "80"
#define HF_THR_INODE_CRIT       "90"
#define HF_THR_MEM_WARN         "90"
#define HF_THR_MEM_CRIT         "95"
#define HF_THR_LOAD_WARN        "2"
#define HF_THR_LOAD_CRIT        "4"
#define HF_THR_CPU_WARN         "80"
#define HF_THR_CPU_CRIT         "95"

#endif
