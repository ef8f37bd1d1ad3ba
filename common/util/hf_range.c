#include "hf_range.h"

#include <errno.h>
#include <string.h>

#include "hf_util.h"

static int hf_range_bound(const char *s, size_t len, double *v, char *err, size_t errlen,
                          const char *text, const char *which)
{
    char num[64];

    if (len == 0 || len >= sizeof(num)) {
        hf_err_set(err, errlen, "invalid range '%s': %s bound is %s", text, which,
                   len ? "too long" : "missing");
        return -EINVAL;
    }
    memcpy(num, s, len);
    num[len] = '\0';
    if (hf_parse_double(num, v) < 0) {
        hf_err_set(err, errlen, "invalid range '%s': %s bound '%s' is not a finite number",
                   text, which, num);
        return -EINVAL;
    }
    return 0;
}

/* The bounds after an optional '@': "10", "10:", "~:10", ":10", "10:20". */
static int hf_range_bounds(const char *p, const char *text, hf_range *out, char *err,
                           size_t errlen)
{
    const char *colon = strchr(p, ':');

    if (!colon)                 /* "10": 0..10 */
        return hf_range_bound(p, strlen(p), &out->end, err, errlen, text, "end");
    if (strchr(colon + 1, ':')) {
        hf_err_set(err, errlen, "invalid range '%s': more than one ':'", text);
        return -EINVAL;
    }
    if (colon == p && colon[1] == '\0') {
        hf_err_set(err, errlen, "invalid range '%s': both bounds are missing", text);
        return -EINVAL;
    }
    if (colon == p)
        out->start = 0;         /* ":10" is "0:10", as both Monitoring Plugins parsers read it */
    else if (colon - p == 1 && *p == '~')
        out->start_neg_inf = true;
    else if (hf_range_bound(p, (size_t)(colon - p), &out->start, err, errlen, text, "start") < 0)
        return -EINVAL;
    if (colon[1] == '\0') {
        out->end_inf = true;
        return 0;
    }
    return hf_range_bound(colon + 1, strlen(colon + 1), &out->end, err, errlen, text, "end");
}

int hf_range_parse(const char *text, hf_range *out, char *err, size_t errlen)
{
    const char *p = text;

    memset(out, 0, sizeof(*out));
    if (!text || !*text) {
        hf_err_set(err, errlen, "invalid range '': empty");
        return -EINVAL;
    }
    if (strlen(text) >= sizeof(out->text)) {
        hf_err_set(err, errlen, "invalid range '%.20s...': too long", text);
        return -EINVAL;
    }
    if (*p == '@') {
        out->inside = true;
        p++;
    }
    if (hf_range_bounds(p, text, out, err, errlen) < 0) {
        memset(out, 0, sizeof(*out));
        return -EINVAL;
    }
    if (!out->start_neg_inf && !out->end_inf && out->start > out->end) {
        hf_err_set(err, errlen, "invalid range '%s': start %g is greater than end %g", text,
                   out->start, out->end);
        memset(out, 0, sizeof(*out));
        return -EINVAL;
    }
    hf_strlcpy(out->text, text, sizeof(out->text));
    out->set = true;
    return 0;
}

bool hf_range_alert(const hf_range *r, double v)
{
    bool within;

    if (!r || !r->set)
        return false;
    within = (r->start_neg_inf || v >= r->start) && (r->end_inf || v <= r->end);
    return r->inside ? within : !within;
}

hf_state hf_range_eval(const hf_range *warn, const hf_range *crit, double v)
{
    if (hf_range_alert(crit, v))
        return HF_CRITICAL;
    if (hf_range_alert(warn, v))
        return HF_WARNING;
    return HF_OK;
}

static int hf_state_rank(hf_state s)
{
    switch (s) {
    case HF_OK: return 0;
    case HF_UNKNOWN: return 1;
    case HF_WARNING: return 2;
    case HF_CRITICAL: return 3;
    }
    return 1;
}

hf_state hf_state_worst(hf_state a, hf_state b)
{
    return hf_state_rank(a) >= hf_state_rank(b) ? a : b;
}

const char *hf_state_name(hf_state s)
{
    switch (s) {
    case HF_OK: return "OK";
    case HF_WARNING: return "WARNING";
    case HF_CRITICAL: return "CRITICAL";
    case HF_UNKNOWN: return "UNKNOWN";
    }
    return "UNKNOWN";
}
