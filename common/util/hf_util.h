/* hf_util: small helpers shared by every probe (strings, paths, clocks, errors).
 * Nothing here keeps state; every function is thread-safe. */
#ifndef HF_UTIL_H
#define HF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HF_ERR_MAX 256          /* size of every result's error string */
#define HF_PATH_MAX 4096

#define HF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define HF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Copy src into dst (size n), always NUL-terminated when n > 0.
 * Returns strlen(src); a result >= n means truncation. */
size_t hf_strlcpy(char *dst, const char *src, size_t n);

/* snprintf into an error buffer (size n); never fails, truncates. */
void hf_err_set(char *err, size_t n, const char *fmt, ...) HF_PRINTF(3, 4);

/* Join the deployment root and an absolute default path:
 * root NULL, "" or "/" -> path unchanged; else root + path with one '/'.
 * Returns 0, or -ENAMETOOLONG when out (size n) is too small. */
int hf_path_join(char *out, size_t n, const char *root, const char *path);

/* Clocks in seconds: monotonic (durations) and real (wall, UTC epoch). */
double hf_mono_now(void);
double hf_real_now(void);

/* Growable string buffer. Zero-initialise ({0}); hf_buf_free releases it.
 * The buffer owns its memory; .s is always NUL-terminated once non-empty. */
typedef struct hf_buf {
    char *s;
    size_t len;
    size_t cap;
    bool oom;                   /* set when an append failed for lack of memory */
} hf_buf;

void hf_buf_printf(hf_buf *b, const char *fmt, ...) HF_PRINTF(2, 3);
void hf_buf_vprintf(hf_buf *b, const char *fmt, va_list ap) HF_PRINTF(2, 0);
void hf_buf_append(hf_buf *b, const char *data, size_t len);
const char *hf_buf_str(const hf_buf *b);   /* "" when empty */
void hf_buf_reset(hf_buf *b);              /* keep memory, length 0 */
void hf_buf_free(hf_buf *b);               /* accepts NULL */

/* Room for one more element in a growing array: *(T **)arrayp has *cap slots
 * of size bytes, n of them used. When full it doubles (first: first slots).
 * Returns 0, or -ENOMEM with the array unchanged. */
int hf_array_reserve(void *arrayp, size_t *cap, size_t n, size_t size, size_t first);

/* Read a whole small file (at most max bytes) into a NUL-terminated malloc'd
 * buffer owned by the caller. Returns length, or negative errno
 * (-EFBIG when larger than max). */
long hf_file_read(const char *path, size_t max, char **out);

/* Replace path with data atomically: write an exclusively created
 * "<path>.tmp.XXXXXX" (mkostemp: unique per call, never following a planted
 * link; mode 0640), rename over path. Returns 0 or negative errno with err
 * naming the file. (State files only: no fsync, a crash leaves the old or
 * the new file.) */
int hf_file_write_atomic(const char *path, const void *data, size_t len, char *err,
                         size_t errlen);

/* Refuse a state directory other users could plant files in, as ssh refuses
 * loose key permissions: it must be a directory (a symlink to one is
 * followed), owned by us or root, not writable by group or others.
 * Returns 0, or negative errno with err naming the directory and why. */
int hf_dir_check_private(const char *dir, char *err, size_t errlen);

/* Open (creating, mode 0600, O_NOFOLLOW: a symlink is refused) and flock
 * path exclusively, waiting until deadline (hf_mono_now() seconds).
 * Returns the descriptor (close it to unlock), or negative errno with err:
 * -EWOULDBLOCK when still locked at the deadline. */
int hf_file_lock(const char *path, double deadline, char *err, size_t errlen);

/* State-file integrity: hf_seal_append ends b with "end <16 hex>\n", the
 * FNV-1a of everything before it; hf_seal_check returns the length of the
 * body before that line, or -EPROTO with err naming path and what is wrong
 * (truncated, no end marker, checksum mismatch). */
void hf_seal_append(hf_buf *b);
/* Read a sealed file of at most max bytes: *out (malloc'd, owned by the
 * caller) holds its body, NUL-terminated, without the end line. Returns the
 * body's length, or negative errno with err naming path (-ENOENT when it
 * does not exist, *out NULL on every error). */
long hf_sealed_read(const char *path, size_t max, char **out, char *err, size_t errlen);
long hf_seal_check(const char *text, size_t len, const char *path, char *err, size_t errlen);

/* 64-bit FNV-1a of len bytes, continuing from h (start with HF_HASH_SEED).
 * For identities and hash tables, never for secrets. */
#define HF_HASH_SEED 14695981039346656037ull
uint64_t hf_hash64(const void *data, size_t len, uint64_t h);

/* Strict number parsing: the whole string must be consumed, no NaN/Inf.
 * Return 0 or -EINVAL / -ERANGE. */
int hf_parse_double(const char *s, double *out);
int hf_parse_long(const char *s, long *out);

#endif
