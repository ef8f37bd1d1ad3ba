/* hf_defaults: the standard HelixFlow deployment of DESIGN.md section 2.
 * Deployment paths are absolute and are prefixed with the configured root
 * (hf_path_join); /proc and /sys are separate settings, never prefixed. */
#ifndef HF_DEFAULTS_H
#define HF_DEFAULTS_H

#define HF_DEFAULT_SERVICES "api-gateway", "api-gateway-grpc", "auth-service", \
    "inference-pool", "monitoring"
#define HF_DEFAULT_SERVICE_COUNT 5
#define HF_DEFAULT_BIN_DIR      "/opt/helixflow/bin"          /* + "/<service>" */
#define HF_DEFAULT_UNIT_FMT     "helixflow-%s.service"
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

/* Thresholds from the guide's targets. */
#define HF_TARGET_HEALTH_MS     200
#define HF_TARGET_DB_QUERY_MS   100
#define HF_TARGET_DISK_PCT      80
#define HF_TARGET_MEM_PCT       90
#define HF_TARGET_CPU_PCT       80

#endif
