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
 * Three modules behind this header:
 *   hf_logs_match.c  patterns -> matcher; the streaming line classifier
 *   hf_logs_state.c  per-file offsets, security history, save/load
 *   hf_logs.c        the probe: glob, stat, rotation, budgeted reading
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

#define HF_LOGS_SEC_DAYS 31
typedef struct hf_logs_state {
    hf_logs_fstate *files;      /* owned */
    size_t nfiles, capfiles;
    bool initialized;           /* a probe ran (or a saved state was loaded) */
    int64_t saved_ns;           /* wall clock of the last probe (ns) */
    int64_t sec_day[HF_LOGS_SEC_DAYS];    /* security events per UTC day (ring) */
    uint64_t sec_count[HF_LOGS_SEC_DAYS];
} hf_logs_state;

void hf_logs_state_init(hf_logs_state *st);
void hf_logs_state_free(hf_logs_state *st);               /* accepts NULL; clears */
/* Load a state file written by hf_logs_state_save. A missing file gives an
 * empty state and 0 (first run). Otherwise 0, or -EINVAL (err names file
 * and line) / other negative errno; *st is empty on failure. */
int hf_logs_state_load(hf_logs_state *st, const char *path, char *err, size_t errlen);
/* Write atomically (temp file in the same directory, fsync, rename). */
int hf_logs_state_save(const hf_logs_state *st, const char *path, char *err, size_t errlen);
/* Serialise runs sharing a state file: an exclusive flock(2) on <path>.lock,
 * waiting at most timeout_ms. Returns the lock fd (close it to release; the
 * caller owns it) or a negative errno (-EWOULDBLOCK when still busy). */
int hf_logs_state_lock(const char *path, long timeout_ms, char *err, size_t errlen);
/* Security history: add n events on the UTC day of wall time now (seconds);
 * sum over the days within [now - days*86400, now]. */
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
