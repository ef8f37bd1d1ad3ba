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
} hfc_block;

/* The blocks of the plugin's configuration. */
typedef struct hfc_blocks {
    hfc_block **v;                  /* owned */
    size_t n, cap;
    /* plugin-wide settings, given before or after the blocks */
    char *root, *state_dir, *timeout;   /* owned; NULL: the core's default */
    double save_every;
    bool configured;                /* <Plugin helixflow> had a block */
} hfc_blocks;

/* Free a block and everything it owns; accepts NULL. */
void hfc_block_free(hfc_block *b);

#endif
