/* hf_logs: the incremental log probe.
 *
 * Reads only what was appended to HelixFlow's logs since the last call and
 * counts lines per class (error, warning, critical, security), keeping the
 * last N matching lines. Offsets live in an hf_logs_state the caller owns
 * (and saves between runs); rotation by rename, copytruncate, truncation,
 * new and vanished files are followed so that no line is counted twice or
 * lost (see the head of hf_logs_rotate.c for the exact rules, what a double
 * rotation between two calls can recover, and what is recoverable when a
 * log's name is taken by a directory, fifo, socket or device).
 *
 * Behind this header:
 *   hf_logs_match.c  patterns -> matcher; the streaming line classifier
 *                    (hf_logs_find.c: its multi-literal search)
 *   hf_logs_state.c  per-file offsets, save/load, the lock
 *   hf_logs_window.c lines per class over a fixed time window
 *   hf_logs.c        the probe: glob, stat, rotation (hf_logs_rotate.c),
 *                    budgeted reading (hf_logs_read.c)
 *
 * Nothing here has globals; a matcher is immutable once built and may be
 * shared between threads; a state, scanner and result belong to one caller. */
#ifndef HF_LOGS_H
#define HF_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hf_util.h"

/* ---- classes and matcher ------------------------------------------------ */

enum {
    HF_LOGS_ERROR = 0,          /* default "error|fail|critical" */
    HF_LOGS_WARNING = 1,        /* default "warn" */
    HF_LOGS_CRITICAL = 2,       /* default "critical|fatal|panic" */
    HF_LOGS_SECURITY = 3,       /* default "security|auth|login" */
    HF_LOGS_NCLASS = 4,
};
#define HF_LOGS_CLASS_BIT(c) (1u << (c))

#define HF_LOGS_DEFAULT_WARNING_RE  "warn"
#define HF_LOGS_DEFAULT_CRITICAL_RE "critical|fatal|panic"

#define HF_LOGS_LINE_MAX 512        /* bytes of a matching line kept (rest: truncated) */
#define HF_LOGS_REGEX_WINDOW 65536  /* regex classes see long lines through windows of
                                     * this size overlapping by half (see readme) */
#define HF_LOGS_LIT_MAX 64          /* longer alternatives go to the regex path */

typedef struct hf_logs_matcher hf_logs_matcher;

/* Build a matcher from one POSIX ERE per class (NULL or "" -> the class's
 * default), matched case-insensitively. A pattern that is a plain alternation
 * of literals ("error|fail|critical") goes to the fast multi-literal scanner;
 * anything else to regexec(3). HF_LOGS_FORCE_REGEX sends every class to
 * regexec (tests compare both paths).
 * Returns 0 and *out (owned by the caller, free with hf_logs_matcher_free),
 * or -EINVAL with err naming the class and regcomp's message, or -ENOMEM. */
#define HF_LOGS_FORCE_REGEX 1u
int hf_logs_matcher_new(const char *const re[HF_LOGS_NCLASS], unsigned flags,
                        hf_logs_matcher **out, char *err, size_t errlen);
void hf_logs_matcher_free(hf_logs_matcher *m);             /* accepts NULL */
/* True when class c uses the literal fast path. */
bool hf_logs_matcher_literal(const hf_logs_matcher *m, int c);
/* Name of class c ("error", "warning", "critical", "security"). */
const char *hf_logs_class_name(int c);

/* ---- streaming classifier ---------------------------------------------- */

/* Called for every completed line that matched at least one class: classes
 * is a bit set, text the first min(len, HF_LOGS_LINE_MAX) bytes of the line
 * (raw bytes, not NUL-terminated; no '\n'), len its full length. */
typedef void (*hf_logs_line_fn)(void *ctx, unsigned classes, const char *text,
                                size_t textlen, uint64_t len);

/* Feeds bytes in any chunking; counts complete lines per class. Memory is
 * bounded whatever the line length. Zero it, then hf_logs_scan_init. */
typedef struct hf_logs_scan {
    const hf_logs_matcher *m;   /* borrowed */
    hf_logs_line_fn on_line;    /* may be NULL */
    void *ctx;
    uint64_t count[HF_LOGS_NCLASS];     /* complete lines per class */
    uint64_t lines;             /* complete lines that matched any class */
    /* the current, incomplete line */
    unsigned flags;             /* classes matched so far */
    uint64_t line_len;          /* its bytes so far */
    char head[HF_LOGS_LINE_MAX];
    size_t head_len;
    unsigned char tail[HF_LOGS_LIT_MAX];  /* last bytes, for literals across chunks */
    size_t tail_len;
    /* SIMD anchors (internal): each literal's rarest byte pair, tuned on the
     * first buffer fed; they change the speed, never the result */
    unsigned char anc_pk[64];
    unsigned char anc_v0[16][16], anc_v1[16][16];
    uint16_t anc_key[64];       /* per literal: its anchor pair, each byte | 0x20 */
    size_t anc_np;
    bool anc_tuned, anc_avx2;
    unsigned char *wm_shift;    /* Wu-Manber shift table (owned, 64 KiB): built by a feed,
                                 * only when the SIMD anchors do not apply */
    char *win;                  /* regex window (owned), when the matcher has regex classes */
    char *scratch;              /* regexec subject, NUL-terminated (owned) */
    size_t win_len;
    uint64_t win_start;         /* offset of win[0] in the line */
} hf_logs_scan;

/* Returns 0 or -ENOMEM. */
int hf_logs_scan_init(hf_logs_scan *s, const hf_logs_matcher *m, hf_logs_line_fn fn, void *ctx);
void hf_logs_scan_feed(hf_logs_scan *s, const char *buf, size_t len);
/* End of a stream that will never grow: an unterminated last line counts. */
void hf_logs_scan_finish(hf_logs_scan *s);
/* Drop the incomplete line (truncated file). */
void hf_logs_scan_reset_line(hf_logs_scan *s);
/* Where to restart feeding a partial line of plen bytes already classified
 * (flags) so that the result is the same as one uninterrupted feed: returns
 * the offset within the line to re-feed from; the caller then sets the
 * scanner with hf_logs_scan_resume and feeds the line's bytes from there. */
uint64_t hf_logs_scan_refeed_from(const hf_logs_scan *s, uint64_t plen);
void hf_logs_scan_resume(hf_logs_scan *s, unsigned flags, uint64_t from,
                         const char *head, size_t head_len);
void hf_logs_scan_free(hf_logs_scan *s);                   /* accepts NULL */

/* ---- state ---------------------------------------------------------------- */

typedef struct hf_logs_fstate {
    char *path;                 /* owned: where the file was last seen */
    char *origin;               /* owned: rotated generations: the live file they
                                 * came from (counts go to it); NULL for live files */
    uint64_t dev, ino;
    uint64_t offset;            /* next byte to read */
    uint64_t size;              /* size at the last look */
    int64_t mtime_ns;           /* mtime at the last look */
    uint64_t fp;                /* FNV-1a of the first fp_len bytes */
    uint32_t fp_len;            /* <= HF_LOGS_FP_MAX */
    uint64_t partial;           /* bytes of an unterminated line before offset */
    unsigned pflags;            /* classes that partial line matched so far */
    bool rotated;               /* a rotated generation: read to its end, then forget */
    bool seen, drop;            /* probe scratch (not saved) */
    uint64_t avail;             /* probe scratch: size seen this call */
} hf_logs_fstate;
#define HF_LOGS_FP_MAX 256

/* Lines per class over a fixed time window, kept in the state so that
 * callers at different intervals (a Nagios check every 5 minutes, collectd
 * every 10 s) judge a burst alike. After each hf_logs_probe the caller adds
 * res.count with hf_logs_state_window_add and judges
 * hf_logs_state_window_sum, both with the same clock reading (wall time,
 * seconds; tests pass a pinned one), then saves the state.
 *
 * Granularity: lines are dated by the minute of the add that recorded them
 * (when they were read, not the time written in the line). They are kept in
 * 1-minute buckets for the last 2 hours (HF_LOGS_WIN_FINE_S) and in 1-hour
 * buckets beyond; older than 31 days (HF_LOGS_WIN_KEEP_S) they are dropped.
 * A window of W seconds counts the buckets that started within it
 * (now - W < start <= now): W = 900 counts the 15 latest minutes, the current
 * one included, so it covers between W - 60 and W seconds; beyond 2 hours
 * the edge moves by the hour. Clock steps: after a step back, buckets that
 * start after the current minute count as the current minute (in sums) and
 * are folded into it (at the next add): counted once, never kept in the
 * future; after a step forward, buckets leave the window as time says. */
#define HF_LOGS_WINDOW_S (15 * 60.0)        /* default: error, warning, critical */
#define HF_LOGS_SEC_WINDOW_S (30 * 86400.0) /* default: security */
#define HF_LOGS_WIN_FINE_S (2 * 3600)       /* 1-minute buckets this long, then 1-hour */
#define HF_LOGS_WIN_KEEP_S (31 * 86400)     /* buckets that started earlier are dropped */
#define HF_LOGS_WIN_MAX 1024                /* buckets at most (a state file with more is refused) */
#define HF_LOGS_SEC_DAYS 31                 /* (version 1: days of security history) */

typedef struct hf_logs_bucket {
    int64_t start;              /* UTC epoch seconds, a multiple of span */
    uint32_t span;              /* 60 or 3600 */
    uint64_t count[HF_LOGS_NCLASS];
} hf_logs_bucket;

typedef struct hf_logs_state {
    hf_logs_fstate *files;      /* owned */
    size_t nfiles, capfiles;
    bool initialized;           /* a probe ran (or a saved state was loaded) */
    int64_t saved_ns;           /* wall clock of the last probe (ns) */
    hf_logs_bucket *win;        /* owned: the window's buckets, in no order */
    size_t nwin, capwin;
    uint64_t total[HF_LOGS_NCLASS]; /* lines counted since this state was made or loaded
                                     * (not saved: a counter for collectd's DERIVE) */
} hf_logs_state;

void hf_logs_state_init(hf_logs_state *st);
void hf_logs_state_free(hf_logs_state *st);               /* accepts NULL; clears */
/* Load a state file written by hf_logs_state_save (or by version 1, which
 * had no end marker). A missing file gives an empty state and 0 (first
 * run). Otherwise 0, or a negative errno with err naming the file and what
 * is wrong ("line N: malformed record", "truncated (no end marker)",
 * "checksum mismatch", "not a regular file (directory)", "is a symbolic
 * link"...): the caller reports it and starts afresh; *st is empty. */
int hf_logs_state_load(hf_logs_state *st, const char *path, char *err, size_t errlen);
/* The same from len bytes in memory (not modified); name stands for the
 * file in err. 0, -EINVAL or -ENOMEM. */
int hf_logs_state_parse(hf_logs_state *st, const char *data, size_t len, const char *name, char *err,
                        size_t errlen);
/* Write atomically with hf_file_write_atomic (a temporary file renamed over
 * path; a symlink at path is replaced, never followed). The last line is
 * "end <FNV-1a 64 of every byte before it, hex>": a torn or edited file is
 * refused at load (after a crash: the old file, the new one, or one refused
 * as truncated). */
int hf_logs_state_save(const hf_logs_state *st, const char *path, char *err, size_t errlen);
/* Serialise runs sharing a state file: an exclusive flock(2) on <path>.lock
 * (created mode 0600, opened O_NOFOLLOW: a symlink, directory or other
 * non-regular lock path is refused with an error naming it), waiting at
 * most timeout_ms. Returns the lock fd (close it to release; the caller
 * owns it) or a negative errno (-EWOULDBLOCK when still busy, -ELOOP for a
 * symlink). */
int hf_logs_state_lock(const char *path, long timeout_ms, char *err, size_t errlen);
/* Add count[c] lines of each class at wall time now (seconds), after ageing
 * the buckets against now. Returns 0, -EINVAL (now not finite, or beyond
 * 1e15 s) or -ENOMEM (nothing added). */
int hf_logs_state_window_add(hf_logs_state *st, double now, const uint64_t count[HF_LOGS_NCLASS]);
/* Lines of class cls in the buckets that started within (now - seconds, now];
 * 0 for a bad class, clock or non-positive window. */
uint64_t hf_logs_state_window_sum(const hf_logs_state *st, double now, int cls, double seconds);
/* The default window of class cls: HF_LOGS_WINDOW_S, or HF_LOGS_SEC_WINDOW_S
 * for security. */
double hf_logs_window_default(int cls);
/* Kept for existing callers: the security class of the window.
 * sec_add(st, now, n) = window_add of n security lines (an allocation
 * failure loses them); sec_sum(st, now, days) = window_sum over days * 86400
 * seconds (a rolling window now, no longer whole UTC days). */
void hf_logs_state_sec_add(hf_logs_state *st, double now, uint64_t n);
uint64_t hf_logs_state_sec_sum(const hf_logs_state *st, double now, int days);
/* Entry helpers (used by the probe and tests). */
hf_logs_fstate *hf_logs_state_find(hf_logs_state *st, const char *path);
hf_logs_fstate *hf_logs_state_add(hf_logs_state *st, const char *path);  /* NULL: ENOMEM */
void hf_logs_state_remove(hf_logs_state *st, size_t i);
uint64_t hf_logs_fp_hash(const void *data, size_t len);

/* ---- the probe ------------------------------------------------------------ */

typedef struct hf_logs_config {
    const char *const *globs;   /* glob(3) patterns; required, nglobs >= 1 */
    size_t nglobs;
    const hf_logs_matcher *matcher;     /* required, borrowed */
    size_t last_lines;          /* matching lines to keep (0 = none) */
    uint64_t byte_budget;       /* bytes to read per call; 0 = HF_LOGS_DEFAULT_BUDGET */
    long time_budget_ms;        /* stop reading after this long; 0 = no limit */
    bool read_existing;         /* first run: read existing content (default: start at end) */
    size_t buf_size;            /* read size; 0 = HF_LOGS_DEFAULT_BUF */
} hf_logs_config;
#define HF_LOGS_DEFAULT_BUDGET (1024ull * 1024 * 1024)
#define HF_LOGS_DEFAULT_BUF (256u * 1024)

enum hf_logs_event_kind {
    HF_LOGS_EV_NEW,             /* a file appeared: read from 0 */
    HF_LOGS_EV_FIRST,           /* first run: offset set at the end */
    HF_LOGS_EV_RENAMED,         /* rotated by rename: old generation finished from its offset */
    HF_LOGS_EV_MOVED,           /* the file itself now matches under another name */
    HF_LOGS_EV_COPYTRUNCATE,    /* truncated; unread tail read from the rotated copy */
    HF_LOGS_EV_TRUNCATED,       /* truncated without a copy: read from 0, tail may be lost */
    HF_LOGS_EV_REPLACED,        /* same name, other content: read from 0 */
    HF_LOGS_EV_INTERMEDIATE,    /* a rotated generation never seen before, read whole */
    HF_LOGS_EV_VANISHED,        /* gone (not found among siblings): forgotten; detail
                                 * "(replaced by a directory)" etc. when its name
                                 * now holds something that is not a regular file */
    HF_LOGS_EV_UNREADABLE,      /* open/read/stat failed (detail has errno text) */
    HF_LOGS_EV_NOMATCH,         /* a glob matched no regular file (path is the glob) */
    HF_LOGS_EV_NOT_REGULAR,     /* a globbed path that is not a regular file, never
                                 * opened: detail "(directory)", "(fifo)", "(socket)",
                                 * "(character device)", "(block device)" or
                                 * "(dangling symbolic link)"; once per path per call */
};

typedef struct hf_logs_event {
    enum hf_logs_event_kind kind;
    char *path;                 /* owned: the file concerned */
    char *detail;               /* owned: e.g. the rotated copy's path; may be NULL */
} hf_logs_event;

typedef struct hf_logs_fresult {
    char *path;                 /* owned */
    uint64_t count[HF_LOGS_NCLASS];
    uint64_t bytes;             /* new bytes consumed this call */
} hf_logs_fresult;

typedef struct hf_logs_line {
    char *file;                 /* owned: path the line was read from */
    unsigned classes;
    char *text;                 /* owned, NUL-terminated, at most HF_LOGS_LINE_MAX bytes, raw */
    uint64_t len;               /* full line length (text is truncated when len > its length) */
    bool truncated;
} hf_logs_line;

typedef struct hf_logs_result {
    uint64_t count[HF_LOGS_NCLASS];     /* new lines per class this call */
    uint64_t bytes_new;         /* new bytes consumed */
    uint64_t bytes_read;        /* bytes read from disk (includes re-fed partial lines) */
    uint64_t backlog;           /* bytes left for the next call (budget hit) */
    bool first_run;
    size_t nwatched;            /* live files matched by the globs */
    hf_logs_fresult *files;     /* one per file read or watched; owned */
    size_t nfiles;
    hf_logs_line *lines;        /* last matching lines, oldest first; owned */
    size_t nlines;
    hf_logs_event *events;      /* owned */
    size_t nevents;
    char err[HF_ERR_MAX];       /* set when the probe failed (return < 0) */
} hf_logs_result;

/* Read what is new in every file matching cfg->globs, update st.
 * Per-file problems are events, not failures. Returns 0, or a negative
 * errno with res->err set (bad config, out of memory). res is zeroed first;
 * free it with hf_logs_result_free. */
int hf_logs_probe(const hf_logs_config *cfg, hf_logs_state *st, hf_logs_result *res);
void hf_logs_result_free(hf_logs_result *r);                /* accepts NULL */
const char *hf_logs_event_name(enum hf_logs_event_kind k);

#endif
