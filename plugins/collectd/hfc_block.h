/* hfc_block: one configured block of the collectd plugin (<Services>,
 * <Endpoint "health">...): a check kind, its settings filled from the
 * block, the state the core keeps between intervals and the previous
 * report (for transitions). The plugin owns every block (hfc_blocks);
 * collectd's read callback gets a pointer to one as user data, never to
 * free. A block is read by one read thread at a time (collectd never runs
 * one read callback twice at once), so it needs no lock; blocks run
 * concurrently (ReadThreads). */
#ifndef HFC_BLOCK_H
#define HFC_BLOCK_H

#include <stdbool.h>

#include "hf_check.h"

#define HFC_NAME_MAX 64

typedef struct hfc_block {
    const hf_check_kind *kind;
    char what[HFC_NAME_MAX + 32];   /* as the config says: <Endpoint "health"> */
    char inst[HFC_NAME_MAX + 16];   /* plugin_instance prefix: "service", "http_health" */
    hf_settings set;                /* owned */
    void *state;                    /* owned (kind's state_new), NULL: stateless kind */
    hf_report prev;                 /* the last report (transitions) */
    bool have_prev;
    double interval;                /* seconds; 0: collectd's Interval */
    double save_every;              /* seconds between state saves (and at shutdown) */
    double last_save;               /* hf_mono_now() of the last save (or load) */
    bool broken;                    /* a config error: never registered */
    /* self-healing (<Services> SelfHeal) and the ledger: hfc_heal.h */
    char **heal;                    /* owned: the services to restart when down */
    size_t nheal;
    bool heal_all;                  /* SelfHeal true: every service of the block */
    struct hf_ledger *ledger;       /* this block's connection, opened in its read thread */
    double ledger_retry;            /* hf_mono_now() before which no new open is tried */
    const struct hfc_blocks *all;   /* the plugin's configuration (ledger path) */
} hfc_block;

/* The blocks of the plugin's configuration. */
typedef struct hfc_blocks {
    hfc_block **v;                  /* owned */
    size_t n, cap;
    /* plugin-wide settings, given before or after the blocks */
    char *root, *state_dir, *timeout;   /* owned; NULL: the core's default */
    double save_every;
    char *ledger, *restart_conf;    /* owned; NULL: the core's defaults */
    bool no_ledger;                 /* Ledger false */
    bool use_ledger;                /* record: Ledger given, or SelfHeal on (hfc_conf_finish) */
    bool configured;                /* <Plugin helixflow> had a block */
    struct hfc_heal *heal;          /* the self-healing worker, or NULL */
} hfc_blocks;

/* Free a block and everything it owns; accepts NULL. */
void hfc_block_free(hfc_block *b);

#endif
