/* hfc_heal: opt-in self-healing of the <Services> block (SelfHeal), and
 * the block's reports into the ledger.
 *
 *   <Plugin helixflow>
 *     RestartConfig "/etc/helixflow-monitoring/restart.conf"
 *     Ledger "/var/lib/helixflow-monitoring/ledger.db"    (true: this default; false: none)
 *     <Services>
 *       SelfHeal true                 (or SelfHeal "api-gateway" "auth-service")
 *     </Services>
 *   </Plugin>
 *
 * A service of SelfHeal that the core reports down (code service.down) is
 * handed to one worker thread (the read callback never waits for a
 * restart: a block holds its read thread no longer than its Timeout). The
 * worker asks the core's supervisor (hf_supervisor.h): the policy of
 * restart.conf (which services, which command, the budget: no collectd key
 * can name a command), one restart per outage whoever asks (its lock and
 * the ledger), health verified by hf_health with the block's own service
 * settings and the <Endpoint "health"> block's, when there is one. Each
 * attempt that ran, or was refused or given up, is one notification:
 * type_instance restart.<outcome>, severity OKAY (restarted), FAILURE
 * (failed, given up: the guide's alert), WARNING (refused, error); message
 * the supervisor's text. In progress elsewhere, already done, backoff: an
 * INFO log line only.
 *
 * Ledger (when Ledger names a file or is true, or SelfHeal is on: the
 * supervisor keeps its outages and budgets there): each block records its
 * reports (hf_ledger_record_report,
 * front-end "collectd"); the Services block also beats (monitor
 * "collectd", its Interval), so the time collectd did not run is a gap,
 * not uptime. A block opens its own ledger connection in its read thread
 * (one connection per thread, as hf_ledger.h asks); a ledger that cannot
 * be opened is logged (WARNING) and tried again after 10 minutes.
 *
 * Ownership: hfc_heal owns its thread, queue, policy, ledger connection,
 * hf_health and supervisor; the settings it borrows (the blocks') outlive
 * it. hfc_heal_ask is thread-safe and never blocks on a restart. */
#ifndef HFC_HEAL_H
#define HFC_HEAL_H

#include "hfc_block.h"

typedef struct hfc_heal hfc_heal;

typedef struct hfc_heal_cfg {
    const char *restart_conf;       /* NULL: HF_DEFAULT_RESTART_CONF */
    const char *ledger;             /* NULL: HF_DEFAULT_LEDGER under root */
    const char *root;               /* the deployment root, for the default ledger */
    const hfc_block *services;      /* the <Services> block (borrowed) */
    const hf_settings *endpoint;    /* the health endpoint's settings, or NULL */
} hfc_heal_cfg;

/* Start the worker. NULL with err (the policy file refused, out of
 * memory): self-healing is off, the block still reads. */
hfc_heal *hfc_heal_start(const hfc_heal_cfg *cfg, char *err, size_t n);
/* Ask for a restart of service, seen down at observed_at (epoch s). A
 * service already queued is not queued twice. */
void hfc_heal_ask(hfc_heal *h, const char *service, double observed_at);
/* Stop: the restart under way ends, queued ones are dropped; frees all.
 * Accepts NULL. */
void hfc_heal_stop(hfc_heal *h);

/* The block's report into the ledger (see above); called from the
 * block's read callback with its previous report (NULL: the first). */
void hfc_ledger_record(hfc_block *b, const hf_report *prev, const hf_report *cur);

#endif
