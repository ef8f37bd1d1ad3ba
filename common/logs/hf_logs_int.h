/* hf_logs_int: the reading context and the reader (hf_logs_read.c), used by the
 * planner (hf_logs_rotate.c) and the probe (hf_logs.c), and the window's
 * bucket helper (hf_logs_window.c) the state file uses; not public. Lowest
 * floor of the room: it includes nothing of the planner. */
#ifndef HF_LOGS_INT_H
#define HF_LOGS_INT_H

#include <sys/stat.h>

#include "hf_logs.h"

typedef struct hfl_slot {       /* one of the last matching lines */
    char text[HF_LOGS_LINE_MAX + 1];
    size_t tlen;
    uint64_t len;
    unsigned classes;
    size_t file;                /* index into res->files */
} hfl_slot;

typedef struct hfl_live {       /* a file the globs matched */
    char *path;                 /* owned */
    struct stat sb;
    long entry;                 /* state index, -1 until claimed */
    bool rotated_here;          /* its previous generation was rotated this call */
} hfl_live;

typedef struct hfl_ctx {
    const hf_logs_config *cfg;
    hf_logs_state *st;
    hf_logs_result *res;
    hf_logs_scan scan;
    char *buf;                  /* bufsz bytes, allocated by the first read (hfl_buf_ready):
                                 * a call with nothing new to read never maps it */
    size_t bufsz;
    uint64_t budget_left;
    double deadline;            /* hf_mono_now() limit, 0 = none */
    hfl_slot *ring;
    size_t nring, ring_next, ring_used, cur_file;
    hfl_live *lives;
    size_t nlives;
    size_t *order;              /* state indices to read, in order */
    size_t norder;
    char **rot_origins;         /* live paths rotated this call (owned) */
    size_t nrot;
} hfl_ctx;

/* hf_logs_read.c */
/* What a stat(2) mode is: "directory", "fifo", "socket", "character device"... */
const char *hfl_file_kind(mode_t mode);
int hfl_event(hfl_ctx *c, enum hf_logs_event_kind k, const char *path, const char *detail);
long hfl_fresult(hfl_ctx *c, const char *path);
int hfl_buf_ready(hfl_ctx *c);          /* 0 or -ENOMEM */
int hfl_read_entry(hfl_ctx *c, size_t idx);
void hfl_fingerprint_fd(int fd, hf_logs_fstate *e);
void hfl_on_line(void *ctx, unsigned classes, const char *text, size_t tlen, uint64_t len);
int hfl_ring_collect(hfl_ctx *c);

/* hf_logs_window.c: add count to the bucket (start, span), created when
 * needed (never for all-zero counts). 0, -ENOMEM or -ENOSPC (HF_LOGS_WIN_MAX). */
int hfl_window_put(hf_logs_state *st, int64_t start, uint32_t span, const uint64_t count[HF_LOGS_NCLASS]);

#endif
