/* hf_logs_match: patterns -> matcher, and the streaming line classifier.
 *
 * Classes whose pattern is a plain alternation of literals share one
 * case-insensitive multi-literal scanner (hf_logs_find.c: a SIMD anchor
 * filter, or Wu-Manber with 2-byte blocks whose 64 KiB shift table each
 * scanner builds on its first bytes, only when it needs it). Complete lines
 * inside a buffer are scanned in place as one block: only lines with a
 * match are looked at individually. Other classes go to
 * regexec(3) with REG_STARTEND (NUL bytes are ordinary bytes); a line longer
 * than HF_LOGS_REGEX_WINDOW is matched through windows of that size that
 * overlap by half, so memory stays bounded. */
#include "hf_logs.h"

#include <errno.h>
#include <regex.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hf_defaults.h"
#include "hf_logs_match_int.h"

static const char *const hf_logs_names[HF_LOGS_NCLASS] = {"error", "warning", "critical", "security"};
static const char *const hf_logs_defaults[HF_LOGS_NCLASS] = {
    HF_DEFAULT_ERROR_RE, HF_LOGS_DEFAULT_WARNING_RE, HF_LOGS_DEFAULT_CRITICAL_RE,
    HF_DEFAULT_SECURITY_RE};

const char *hf_logs_class_name(int c)
{
    return c >= 0 && c < HF_LOGS_NCLASS ? hf_logs_names[c] : "?";
}

/* Split a plain alternation into m->lits; false when it is not one. */
static bool add_literals(hf_logs_matcher *m, const char *re, unsigned mask)
{
    const char *s = re;
    lit tmp[MAX_LITS];
    size_t n = 0;

    for (;;) {
        size_t len = strcspn(s, "|");
        if (len == 0 || len > HF_LOGS_LIT_MAX || n == MAX_LITS)
            return false;
        memset(&tmp[n], 0, sizeof(tmp[n]));    /* pk, g: set later only when minlen >= 2 */
        for (size_t i = 0; i < len; i++) {
            if (strchr(".[]()*+?{}\\^$\n", s[i]))
                return false;
            tmp[n].s[i] = fold((unsigned char)s[i]);
        }
        tmp[n].len = len;
        tmp[n].mask = mask;
        n++;
        if (!s[len])
            break;
        s += len + 1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t j;
        for (j = 0; j < m->nlits; j++)
            if (m->lits[j].len == tmp[i].len && !memcmp(m->lits[j].s, tmp[i].s, tmp[i].len))
                break;
        if (j < m->nlits) {
            m->lits[j].mask |= mask;
            continue;
        }
        if (m->nlits == MAX_LITS)
            return false;
        m->lits[m->nlits++] = tmp[i];
    }
    return true;
}

static void pick_pair(lit *l)
{
    unsigned best = UINT32_MAX;

    for (size_t k = 0; k + 1 < l->len; k++) {
        unsigned w = byte_weight(l->s[k]) * byte_weight(l->s[k + 1]);
        if (w < best) {
            best = w;
            l->pk = k;
        }
    }
}

static void build_tables(hf_logs_matcher *m)
{
    size_t ml = SIZE_MAX;

    m->maxlen = 0;
    for (size_t i = 0; i < m->nlits; i++) {
        ml = m->lits[i].len < ml ? m->lits[i].len : ml;
        m->maxlen = m->lits[i].len > m->maxlen ? m->lits[i].len : m->maxlen;
    }
    m->minlen = m->nlits ? ml : 0;
    for (size_t i = 0; i < m->nlits; i++) {
        lit *l = &m->lits[i];
        m->first[l->s[0]] = 1;
        if (l->s[0] >= 'a' && l->s[0] <= 'z')
            m->first[l->s[0] - 32] = 1;
        if (m->minlen >= 2)
            l->g = (unsigned)l->s[m->minlen - 2] << 8 | l->s[m->minlen - 1];
    }
    if (m->minlen < 2)
        return;
    for (size_t i = 0; i < m->nlits; i++)
        pick_pair(&m->lits[i]);
    m->simd = true;
}

/* Undo a half-added alternation of class bit: the literals it appended,
 * and its bit on the ones it shared. */
static void undo_literals(hf_logs_matcher *m, size_t save, unsigned bit)
{
    m->nlits = save;
    for (size_t i = 0; i < save; i++)
        m->lits[i].mask &= ~bit;
}

int hf_logs_matcher_new(const char *const re[HF_LOGS_NCLASS], unsigned flags,
                        hf_logs_matcher **out, char *err, size_t errlen)
{
    /* not calloc: lits[] (most of it) is filled as used; the rest is zeroed */
    hf_logs_matcher *m = malloc(sizeof(*m));

    *out = NULL;
    if (!m)
        return -ENOMEM;
    memset(m, 0, offsetof(hf_logs_matcher, lits));
    memset(&m->nlits, 0, sizeof(*m) - offsetof(hf_logs_matcher, nlits));
    for (int c = 0; c < HF_LOGS_NCLASS; c++) {
        const char *p = re && re[c] && re[c][0] ? re[c] : hf_logs_defaults[c];
        size_t save = m->nlits;
        int rc;

        if (!(flags & HF_LOGS_FORCE_REGEX) && add_literals(m, p, HF_LOGS_CLASS_BIT(c))) {
            m->lit_classes |= HF_LOGS_CLASS_BIT(c);
            continue;
        }
        undo_literals(m, save, HF_LOGS_CLASS_BIT(c));
        rc = regcomp(&m->re[c], p, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &m->re[c], msg, sizeof(msg));
            hf_err_set(err, errlen, "%s pattern '%s': %s", hf_logs_names[c], p, msg);
            hf_logs_matcher_free(m);
            return -EINVAL;
        }
        m->re_classes |= HF_LOGS_CLASS_BIT(c);
    }
    build_tables(m);
    *out = m;
    return 0;
}

void hf_logs_matcher_free(hf_logs_matcher *m)
{
    if (!m)
        return;
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        if (m->re_classes & HF_LOGS_CLASS_BIT(c))
            regfree(&m->re[c]);
    free(m);
}

bool hf_logs_matcher_literal(const hf_logs_matcher *m, int c)
{
    return c >= 0 && c < HF_LOGS_NCLASS && (m->lit_classes & HF_LOGS_CLASS_BIT(c));
}

/* Classes of every literal occurring in [p, end), stopping early once
 * flags covers every literal class. */
static unsigned lit_flags_from(const hf_logs_scan *s, const unsigned char *lo, const unsigned char *p,
                               const unsigned char *end, unsigned flags)
{
    const unsigned char *q, *a;
    unsigned mask;

    while ((s->m->lit_classes & ~flags) && (a = hfl_lfind(s, lo, p, end, &mask, &q))) {
        flags |= mask;
        p = a + 1;
    }
    return flags;
}

static unsigned lit_flags(const hf_logs_scan *s, const unsigned char *p,
                          const unsigned char *end, unsigned flags)
{
    return lit_flags_from(s, p, p, end, flags);
}

/* ---- regex ------------------------------------------------------------------ */

/* regexec(3) on [p, p+n) with REG_STARTEND. The bytes are first copied into
 * s->scratch and NUL-terminated: with REG_STARTEND glibc never looks past
 * the range, but sanitizer interceptors strlen() the subject. */
static unsigned re_exec(hf_logs_scan *s, const unsigned char *p, size_t n, int eflags, unsigned flags)
{
    const hf_logs_matcher *m = s->m;

    if ((const char *)p != s->scratch)
        memcpy(s->scratch, p, n);
    s->scratch[n] = '\0';
    for (int c = 0; c < HF_LOGS_NCLASS; c++) {
        regmatch_t pm[1];
        if (!(m->re_classes & HF_LOGS_CLASS_BIT(c)) || (flags & HF_LOGS_CLASS_BIT(c)))
            continue;
        pm[0].rm_so = 0;
        pm[0].rm_eo = (regoff_t)n;
        if (regexec(&m->re[c], s->scratch, 1, pm, eflags | REG_STARTEND) == 0)
            flags |= HF_LOGS_CLASS_BIT(c);
    }
    return flags;
}

/* A whole line in place, through the same windows the buffered path uses. */
static unsigned re_line(hf_logs_scan *s, const unsigned char *p, size_t len, unsigned flags)
{
    const hf_logs_matcher *m = s->m;
    size_t st = 0;

    while (len - st > W && (m->re_classes & ~flags)) {
        flags = re_exec(s, p + st, W, REG_NOTEOL | (st ? REG_NOTBOL : 0), flags);
        st += W / 2;
    }
    if (m->re_classes & ~flags)
        flags = re_exec(s, p + st, len - st, st ? REG_NOTBOL : 0, flags);
    return flags;
}

/* ---- the scanner ------------------------------------------------------------ */

int hf_logs_scan_init(hf_logs_scan *s, const hf_logs_matcher *m, hf_logs_line_fn fn, void *ctx)
{
    memset(s, 0, sizeof(*s));
    s->m = m;
    s->on_line = fn;
    s->ctx = ctx;
    for (size_t i = 0; i < m->nlits; i++)
        s->anc_pk[i] = (unsigned char)m->lits[i].pk;
    hfl_anchors_build(s);
    hfl_anchors_cpu(s);
    if (m->re_classes) {
        s->win = malloc(W);
        s->scratch = malloc(W + 1);
        if (!s->win || !s->scratch)
            return -ENOMEM;
    }
    return 0;
}

void hf_logs_scan_free(hf_logs_scan *s)
{
    if (!s)
        return;
    free(s->win);
    free(s->scratch);
    free(s->wm_shift);
    s->win = s->scratch = NULL;
    s->wm_shift = NULL;
}

void hf_logs_scan_reset_line(hf_logs_scan *s)
{
    s->flags = 0;
    s->line_len = 0;
    s->head_len = 0;
    s->tail_len = 0;
    s->win_len = 0;
    s->win_start = 0;
}

static void commit(hf_logs_scan *s, unsigned flags, const char *text, size_t tlen, uint64_t len)
{
    if (!flags)
        return;
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        if (flags & HF_LOGS_CLASS_BIT(c))
            s->count[c]++;
    s->lines++;
    if (s->on_line)
        s->on_line(s->ctx, flags, text, tlen > HF_LOGS_LINE_MAX ? HF_LOGS_LINE_MAX : tlen, len);
}

static void win_append(hf_logs_scan *s, const unsigned char *p, size_t n)
{
    while (n) {
        size_t c;
        if (s->win_len == W) {          /* full, and another byte arrives */
            s->flags = re_exec(s, (unsigned char *)s->win, W,
                               REG_NOTEOL | (s->win_start ? REG_NOTBOL : 0), s->flags);
            memmove(s->win, s->win + W / 2, W / 2);
            s->win_len = W / 2;
            s->win_start += W / 2;
        }
        c = W - s->win_len < n ? W - s->win_len : n;
        memcpy(s->win + s->win_len, p, c);
        s->win_len += c;
        p += c;
        n -= c;
    }
}

/* Bytes [p, p+n) continue the current line (no '\n' among them). */
static void segment(hf_logs_scan *s, const unsigned char *p, size_t n)
{
    const hf_logs_matcher *m = s->m;

    if (s->head_len < HF_LOGS_LINE_MAX) {
        size_t c = HF_LOGS_LINE_MAX - s->head_len < n ? HF_LOGS_LINE_MAX - s->head_len : n;
        memcpy(s->head + s->head_len, p, c);
        s->head_len += c;
    }
    if (m->lit_classes & ~s->flags) {
        size_t keep = m->maxlen - 1, c;
        unsigned char joint[2 * HF_LOGS_LIT_MAX];
        /* literals spanning the previous bytes and these */
        c = n < keep ? n : keep;
        memcpy(joint, s->tail, s->tail_len);
        memcpy(joint + s->tail_len, p, c);
        s->flags = lit_flags(s, joint, joint + s->tail_len + c, s->flags);
        s->flags = lit_flags(s, p, p + n, s->flags);
        if (n >= keep) {
            memcpy(s->tail, p + n - keep, keep);
            s->tail_len = keep;
        } else {
            size_t tot = s->tail_len + n, drop = tot > keep ? tot - keep : 0;
            memmove(s->tail, s->tail + drop, s->tail_len - drop);
            memcpy(s->tail + s->tail_len - drop, p, n);
            s->tail_len = tot - drop;
        }
    }
    if (m->re_classes & ~s->flags)
        win_append(s, p, n);
    s->line_len += n;
}

/* The '\n' of the current (buffered) line arrived. */
static void end_line(hf_logs_scan *s)
{
    if (s->m->re_classes & ~s->flags)
        s->flags = re_exec(s, (unsigned char *)s->win, s->win_len,
                           s->win_start ? REG_NOTBOL : 0, s->flags);
    commit(s, s->flags, s->head, s->head_len, s->line_len);
    hf_logs_scan_reset_line(s);
}

/* Complete lines [p, end), p at a line start, end just after a '\n'. */
static void block(hf_logs_scan *s, const unsigned char *p, const unsigned char *end)
{
    const hf_logs_matcher *m = s->m;
    const unsigned char *q, *ls, *le, *a;
    unsigned mask;

    if (!m->re_classes) {
        while ((a = hfl_lfind(s, p, p, end, &mask, &q))) {
            const unsigned char *nl = q > p ? memrchr(p, '\n', (size_t)(q - p)) : NULL;
            ls = nl ? nl + 1 : p;
            le = memchr(q, '\n', (size_t)(end - q));
            /* the rest of the line; literals starting before q are anchored after a */
            mask = lit_flags_from(s, ls, a + 1, le, mask);
            commit(s, mask, (const char *)ls, (size_t)(le - ls), (uint64_t)(le - ls));
            p = le + 1;
        }
        return;
    }
    for (ls = p; ls < end; ls = le + 1) {
        unsigned f;
        le = memchr(ls, '\n', (size_t)(end - ls));
        f = lit_flags(s, ls, le, 0);
        f = re_line(s, ls, (size_t)(le - ls), f);
        commit(s, f, (const char *)ls, (size_t)(le - ls), (uint64_t)(le - ls));
    }
}

void hf_logs_scan_feed(hf_logs_scan *s, const char *buf, size_t len)
{
    const unsigned char *p = (const unsigned char *)buf, *end, *nl;

    if (!p || !len)
        return;
    end = p + len;
    if (!s->anc_tuned && len >= 4096)
        hfl_anchors_tune(s, p, len < 65536 ? len : 65536);
    if (!s->wm_shift)
        hfl_wm_prepare(s);      /* after tuning: it decides whether SIMD applies */
    if (s->line_len > 0) {
        const unsigned char *first = memchr(p, '\n', len);
        if (!first) {
            segment(s, p, len);
            return;
        }
        segment(s, p, (size_t)(first - p));
        end_line(s);
        p = first + 1;
    }
    if (p < end && (nl = memrchr(p, '\n', (size_t)(end - p)))) {
        block(s, p, nl + 1);
        p = nl + 1;
    }
    if (p < end)
        segment(s, p, (size_t)(end - p));
}

void hf_logs_scan_finish(hf_logs_scan *s)
{
    if (s->line_len > 0)
        end_line(s);
}

uint64_t hf_logs_scan_refeed_from(const hf_logs_scan *s, uint64_t plen)
{
    if (plen <= W)
        return 0;
    if (s->m->re_classes)
        return (plen - W + W / 2 - 1) / (W / 2) * (W / 2);
    return plen - (s->m->maxlen ? s->m->maxlen - 1 : 0);
}

void hf_logs_scan_resume(hf_logs_scan *s, unsigned flags, uint64_t from,
                         const char *head, size_t head_len)
{
    hf_logs_scan_reset_line(s);
    if (from == 0)
        return;
    s->flags = flags;
    s->line_len = from;
    s->win_start = from;
    s->head_len = head_len < HF_LOGS_LINE_MAX ? head_len : HF_LOGS_LINE_MAX;
    if (head)
        memcpy(s->head, head, s->head_len);
}
