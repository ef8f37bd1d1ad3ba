/* hf_logs_window: matching lines per class over a fixed time window, kept
 * in the state (and its file) so that callers at different intervals judge
 * a burst alike.
 *
 * Buckets: one per minute for the last HF_LOGS_WIN_FINE_S seconds, one per
 * hour beyond (minute buckets are merged into their hour as they age), none
 * beyond HF_LOGS_WIN_KEEP_S. Every add ages the buckets against its clock;
 * a bucket that starts after the current minute (the clock was stepped
 * back) is folded into the current minute: its lines are counted once, as
 * if read now, and nothing stays in the future. So the state never holds
 * more than 120 minute and 745 hour buckets (HF_LOGS_WIN_MAX bounds a state
 * file). */
#include "hf_logs.h"
#include "hf_logs_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE 60
#define HOUR 3600

static bool now_ok(double now)
{
    return isfinite(now) && fabs(now) < 1e15;   /* seconds: about 31 million years */
}

static int64_t floor_to(double t, int64_t span)
{
    return (int64_t)floor(t / (double)span) * span;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

double hf_logs_window_default(int cls)
{
    return cls == HF_LOGS_SECURITY ? HF_LOGS_SEC_WINDOW_S : HF_LOGS_WINDOW_S;
}

int hfl_window_put(hf_logs_state *st, int64_t start, uint32_t span, const uint64_t count[HF_LOGS_NCLASS])
{
    hf_logs_bucket *b = NULL;
    bool any = false;

    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        any |= count[c] != 0;
    if (!any)
        return 0;               /* empty buckets are never kept */
    for (size_t i = 0; !b && i < st->nwin; i++)
        if (st->win[i].start == start && st->win[i].span == span)
            b = &st->win[i];
    if (!b) {
        if (st->nwin >= HF_LOGS_WIN_MAX)
            return -ENOSPC;
        if (hf_array_reserve(&st->win, &st->capwin, st->nwin, sizeof(*st->win), 16) < 0)
            return -ENOMEM;
        b = &st->win[st->nwin++];
        memset(b, 0, sizeof(*b));
        b->start = start;
        b->span = span;
    }
    for (int c = 0; c < HF_LOGS_NCLASS; c++)
        b->count[c] = sat_add(b->count[c], count[c]);
    return 0;
}

/* Where bucket b belongs at time now (start, span); false when dropped. */
static bool bucket_target(const hf_logs_bucket *b, double now, int64_t *start, uint32_t *span)
{
    int64_t minute = floor_to(now, MINUTE);

    *start = b->start;
    *span = b->span;
    if (b->start > minute) {            /* in the future: the clock went back */
        *start = minute;
        *span = MINUTE;
    } else if (b->span == MINUTE && (double)b->start <= now - HF_LOGS_WIN_FINE_S) {
        *start = floor_to((double)b->start, HOUR);
        *span = HOUR;
    }
    return (double)*start > now - HF_LOGS_WIN_KEEP_S;
}

/* Age every bucket against now. Visiting from the end, a bucket moved or
 * dropped is replaced by the last one, already visited; a merge target is
 * final where it is. */
static void window_age(hf_logs_state *st, double now)
{
    for (size_t i = st->nwin; i-- > 0;) {
        hf_logs_bucket b = st->win[i];
        int64_t start;
        uint32_t span;
        bool keep = bucket_target(&b, now, &start, &span);
        if (keep && start == b.start && span == b.span)
            continue;
        st->win[i] = st->win[--st->nwin];
        if (keep)
            (void)hfl_window_put(st, start, span, b.count);     /* a slot was just freed */
    }
}

int hf_logs_state_window_add(hf_logs_state *st, double now, const uint64_t count[HF_LOGS_NCLASS])
{
    if (!now_ok(now))
        return -EINVAL;
    window_age(st, now);
    return hfl_window_put(st, floor_to(now, MINUTE), MINUTE, count);
}

uint64_t hf_logs_state_window_sum(const hf_logs_state *st, double now, int cls, double seconds)
{
    int64_t minute;
    uint64_t sum = 0;

    if (cls < 0 || cls >= HF_LOGS_NCLASS || !now_ok(now) || !(seconds > 0))
        return 0;
    minute = floor_to(now, MINUTE);
    for (size_t i = 0; i < st->nwin; i++) {
        const hf_logs_bucket *b = &st->win[i];
        int64_t start = b->start > minute ? minute : b->start;     /* as the next add will */
        if ((double)start > now - seconds)
            sum = sat_add(sum, b->count[cls]);
    }
    return sum;
}

/* ---- the security history of version 1, now a window ------------------- */

void hf_logs_state_sec_add(hf_logs_state *st, double now, uint64_t n)
{
    uint64_t count[HF_LOGS_NCLASS] = {0};

    count[HF_LOGS_SECURITY] = n;
    (void)hf_logs_state_window_add(st, now, count);
}

uint64_t hf_logs_state_sec_sum(const hf_logs_state *st, double now, int days)
{
    return days > 0 ? hf_logs_state_window_sum(st, now, HF_LOGS_SECURITY, days * 86400.0) : 0;
}
