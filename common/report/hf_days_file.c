/* hf_days_file: the state file of hf_days (design in hf_days.h).
 *
 * Sealed text (hf_seal_append: the last line is "end <16 hex>", the
 * FNV-1a of everything before it), written through hf_file_write_atomic:
 *
 *   helixflow-report-days 1
 *   ident <16 hex> <dev> <ino>
 *   rows <start rowid> <last rowid> <from day | -> <from start 0|1>
 *   fp <rowid> <created_at key, 16 hex> <response_time key, 16 hex>
 *   outside <older> <ahead> <skipped> <bad rowid> <oldest %.17g | ->
 *   bad <the last bad created_at, sanitised>          (when skipped)
 *   day <day> <count> <errors> <rt_n> <first rowid> <last rowid>
 *       <rt_sum> <rt_min> <rt_max> <lo> <counts of bins lo..hi>  (one line)
 *   end <16 hex>
 *
 * Doubles are written with 17 significant digits (they read back to the
 * same bits); a day's histogram is its stretch from the first to the last
 * non-zero bin. Loading checks the seal first, then every line: days in
 * ascending order, bins in range, the histogram summing to rt_n, errors
 * and rt_n at most count, rowids ordered; anything else is refused with
 * the file and line named, and the state is reset. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_days_int.h"

#define HF_DAYS_MAGIC "helixflow-report-days"
#define HF_DAYS_FILE_MAX (64u << 20)

static void hf_days_put_double(hf_buf *b, double v)
{
    if (isfinite(v))
        hf_buf_printf(b, " %.17g", v);
    else
        hf_buf_append(b, " -", 2);
}

static void hf_days_put_day(hf_buf *b, const hf_days_day *d)
{
    int lo = 0, hi = -1;

    hf_buf_printf(b, "day %lld %" PRIu64 " %" PRIu64 " %" PRIu64 " %lld %lld", (long long)d->day,
                  d->count, d->errors, d->rt_n, (long long)d->first_rowid,
                  (long long)d->last_rowid);
    hf_days_put_double(b, d->rt_n ? d->rt_sum : 0);
    hf_days_put_double(b, d->rt_n ? d->rt_min : NAN);
    hf_days_put_double(b, d->rt_n ? d->rt_max : NAN);
    if (d->hist) {
        for (lo = 0; lo < HF_DAYS_BINS && !d->hist[lo]; lo++)
            ;
        for (hi = HF_DAYS_BINS - 1; hi >= lo && !d->hist[hi]; hi--)
            ;
    }
    if (hi < lo)
        lo = 0;
    hf_buf_printf(b, " %d", lo);
    for (int i = lo; i <= hi; i++)
        hf_buf_printf(b, " %" PRIu32, d->hist[i]);
    hf_buf_append(b, "\n", 1);
}

int hf_days_state_save(hf_days_state *st, const char *path, char *err, size_t n)
{
    hf_buf b = {0};
    int rc;

    hf_buf_printf(&b, HF_DAYS_MAGIC " %u\n", HF_DAYS_STATE_VERSION);
    if (st->valid) {
        hf_buf_printf(&b, "ident %016" PRIx64 " %" PRIu64 " %" PRIu64 "\n", st->ident, st->dev,
                      st->ino);
        hf_buf_printf(&b, "rows %lld %lld ", (long long)st->start_rowid,
                      (long long)st->last_rowid);
        if (st->from_day == HF_DAYS_NONE)
            hf_buf_printf(&b, "- %d\n", st->from_start);
        else
            hf_buf_printf(&b, "%lld %d\n", (long long)st->from_day, st->from_start);
        hf_buf_printf(&b, "fp %lld %016" PRIx64 " %016" PRIx64 "\n", (long long)st->fp.rowid,
                      st->fp.t_key, st->fp.rt_key);
        hf_buf_printf(&b, "outside %" PRIu64 " %" PRIu64 " %" PRIu64 " %lld", st->s.older,
                      st->s.ahead, st->s.skipped, (long long)st->s.bad_rowid);
        hf_days_put_double(&b, st->s.oldest);
        hf_buf_append(&b, "\n", 1);
        if (st->s.skipped)
            hf_buf_printf(&b, "bad %s\n", st->s.bad_value);
        for (size_t i = 0; i < st->s.n; i++)
            hf_days_put_day(&b, &st->s.d[i]);
    }
    hf_seal_append(&b);
    if (b.oom) {
        hf_buf_free(&b);
        hf_err_set(err, n, "%s: out of memory", path);
        return -ENOMEM;
    }
    rc = hf_file_write_atomic(path, b.s, b.len, err, n);
    hf_buf_free(&b);
    if (rc == 0) {
        st->clean = true;
        st->clean_gen = st->gen;
    }
    return rc;
}

/* ---- loading ---- */

typedef struct hf_days_lex {
    char *p;                    /* the rest of the line */
    bool bad;
} hf_days_lex;

static char *hf_days_word(hf_days_lex *l)
{
    char *w;

    if (l->bad || *l->p != ' ') {
        l->bad = true;
        return NULL;
    }
    w = ++l->p;
    while (*l->p && *l->p != ' ')
        l->p++;
    if (l->p == w) {
        l->bad = true;
        return NULL;
    }
    return w;
}

static int64_t hf_days_i64(hf_days_lex *l)
{
    char *w = hf_days_word(l), *end;
    long long v;

    if (!w)
        return 0;
    errno = 0;
    v = strtoll(w, &end, 10);
    if (end != l->p || errno)
        l->bad = true;
    return v;
}

static uint64_t hf_days_u64(hf_days_lex *l, int base)
{
    char *w = hf_days_word(l), *end;
    unsigned long long v;

    if (!w)
        return 0;
    if (*w == '-' || *w == '+') {
        l->bad = true;
        return 0;
    }
    errno = 0;
    v = strtoull(w, &end, base);
    if (end != l->p || errno)
        l->bad = true;
    return v;
}

/* A double, or NAN for "-". */
static double hf_days_dbl(hf_days_lex *l)
{
    char *w = hf_days_word(l), *end;
    double v;

    if (!w)
        return NAN;
    if (l->p - w == 1 && *w == '-')
        return NAN;
    v = strtod(w, &end);
    if (end != l->p || !isfinite(v))
        l->bad = true;
    return v;
}

static bool hf_days_read_day(hf_days_state *st, hf_days_lex *l)
{
    hf_days_day d = {0}, *slot;
    uint64_t sum = 0;
    int64_t lo;

    d.day = hf_days_i64(l);
    d.count = hf_days_u64(l, 10);
    d.errors = hf_days_u64(l, 10);
    d.rt_n = hf_days_u64(l, 10);
    d.first_rowid = hf_days_i64(l);
    d.last_rowid = hf_days_i64(l);
    d.rt_sum = hf_days_dbl(l);
    d.rt_min = hf_days_dbl(l);
    d.rt_max = hf_days_dbl(l);
    lo = hf_days_i64(l);
    if (l->bad || d.errors > d.count || d.rt_n > d.count || !d.count || lo < 0 ||
        lo >= HF_DAYS_BINS || d.first_rowid < 1 || d.last_rowid < d.first_rowid ||
        (st->s.n && st->s.d[st->s.n - 1].day >= d.day) ||
        (d.rt_n && (isnan(d.rt_sum) || isnan(d.rt_min) || isnan(d.rt_max) || d.rt_min > d.rt_max)))
        return false;
    if (!(slot = hf_days_store_slot(&st->s, d.day)))
        return false;
    if (d.rt_n && !(d.hist = calloc(HF_DAYS_BINS, sizeof(uint32_t)))) {
        st->s.oom = true;
        return false;
    }
    for (int64_t b = lo; *l->p; b++) {
        uint64_t c = hf_days_u64(l, 10);
        if (l->bad || b >= HF_DAYS_BINS || c > UINT32_MAX || !d.hist) {
            free(d.hist);
            return false;
        }
        d.hist[b] = (uint32_t)c;
        sum += c;
    }
    if (sum != d.rt_n) {
        free(d.hist);
        return false;
    }
    if (!d.rt_n)
        d.rt_sum = 0, d.rt_min = d.rt_max = 0;
    *slot = d;
    return true;
}

/* One line (NUL-terminated, no '\n'). Returns false when it is bad. */
static bool hf_days_read_line(hf_days_state *st, char *line, unsigned lineno, bool *has_rows)
{
    char *sp = strchr(line, ' ');
    size_t klen = sp ? (size_t)(sp - line) : strlen(line);
    hf_days_lex l = {.p = line + klen};

    if (lineno == 1) {
        uint64_t v;
        if (klen != strlen(HF_DAYS_MAGIC) || memcmp(line, HF_DAYS_MAGIC, klen) != 0)
            return false;
        v = hf_days_u64(&l, 10);
        return !l.bad && !*l.p && v == HF_DAYS_STATE_VERSION;
    }
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(line, k, klen) == 0)
    if (KEY("ident")) {
        st->ident = hf_days_u64(&l, 16);
        st->dev = hf_days_u64(&l, 10);
        st->ino = hf_days_u64(&l, 10);
    } else if (KEY("rows")) {
        char *w;
        st->start_rowid = hf_days_i64(&l);
        st->last_rowid = hf_days_i64(&l);
        w = hf_days_word(&l);
        if (w && l.p - w == 1 && *w == '-') {
            st->from_day = HF_DAYS_NONE;
        } else if (w) {
            l.p = w - 1;
            st->from_day = hf_days_i64(&l);
        }
        st->from_start = hf_days_u64(&l, 10) != 0;
        *has_rows = !l.bad && st->start_rowid >= 1 && st->last_rowid >= st->start_rowid - 1;
    } else if (KEY("fp")) {
        st->fp.rowid = hf_days_i64(&l);
        st->fp.t_key = hf_days_u64(&l, 16);
        st->fp.rt_key = hf_days_u64(&l, 16);
        if (st->fp.rowid < 0 || st->fp.rowid > st->last_rowid)
            return false;
    } else if (KEY("outside")) {
        double o;
        st->s.older = hf_days_u64(&l, 10);
        st->s.ahead = hf_days_u64(&l, 10);
        st->s.skipped = hf_days_u64(&l, 10);
        st->s.bad_rowid = hf_days_i64(&l);
        o = hf_days_dbl(&l);
        st->s.oldest = isnan(o) ? INFINITY : o;
    } else if (KEY("bad")) {
        if (*l.p != ' ')
            return false;
        hf_strlcpy(st->s.bad_value, l.p + 1, sizeof(st->s.bad_value));
        return true;
    } else if (KEY("day")) {
        return *has_rows && hf_days_read_day(st, &l);
    } else {
        return false;
    }
#undef KEY
    return !l.bad && !*l.p;
}

int hf_days_state_load(hf_days_state *st, const char *path, char *err, size_t n)
{
    char *text = NULL, *line, *next;
    long len = hf_sealed_read(path, HF_DAYS_FILE_MAX, &text, err, n);
    unsigned lineno = 0;
    bool has_rows = false;

    hf_days_state_reset(st, "no saved state");
    if (len < 0)
        return len == -ENOENT ? -ENOENT : len == -EPROTO ? -EINVAL : (int)len;
    for (line = text; *line; line = next) {
        next = strchr(line, '\n');
        if (!next) {
            lineno++;
            goto bad;
        }
        *next++ = '\0';
        if (!hf_days_read_line(st, line, ++lineno, &has_rows))
            goto bad;
    }
    if (lineno == 0)
        goto bad;
    free(text);
    if (st->s.oom) {
        hf_days_state_reset(st, "out of memory");
        hf_err_set(err, n, "%s: out of memory", path);
        return -ENOMEM;
    }
    st->valid = has_rows;
    if (!has_rows)
        hf_strlcpy(st->why, "the saved state holds no rows", sizeof(st->why));
    st->clean = true;
    st->clean_gen = st->gen;
    return 0;
bad:
    free(text);
    hf_err_set(err, n, "%s:%u: %s", path, lineno, lineno == 1 ?
               "not a report state file of this version" : "bad line");
    hf_days_state_reset(st, "the state file was unusable");
    return -EINVAL;
}
