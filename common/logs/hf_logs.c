/* hf_logs: the incremental log probe (glob, rotation, budgeted reading).
 * The file-identity rules (rename, copytruncate, truncation, new, vanished)
 * live in hf_logs_rotate.c; this file plans nothing, it reads. */
#include "hf_logs.h"
#include "hf_logs_int.h"
#include "hf_logs_rotate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *hf_logs_event_name(enum hf_logs_event_kind k)
{
    static const char *const names[] = {
        [HF_LOGS_EV_NEW] = "new", [HF_LOGS_EV_FIRST] = "first run",
        [HF_LOGS_EV_RENAMED] = "rotated (rename)", [HF_LOGS_EV_MOVED] = "moved",
        [HF_LOGS_EV_COPYTRUNCATE] = "rotated (copytruncate)", [HF_LOGS_EV_TRUNCATED] = "truncated",
        [HF_LOGS_EV_REPLACED] = "replaced", [HF_LOGS_EV_INTERMEDIATE] = "intermediate generation",
        [HF_LOGS_EV_VANISHED] = "vanished", [HF_LOGS_EV_UNREADABLE] = "unreadable",
        [HF_LOGS_EV_NOMATCH] = "no match", [HF_LOGS_EV_NOT_REGULAR] = "not a regular file",
    };
    return (unsigned)k < HF_ARRAY_SIZE(names) && names[k] ? names[k] : "?";
}

void hf_logs_result_free(hf_logs_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nfiles; i++)
        free(r->files[i].path);
    for (size_t i = 0; i < r->nlines; i++) {
        free(r->lines[i].file);
        free(r->lines[i].text);
    }
    for (size_t i = 0; i < r->nevents; i++) {
        free(r->events[i].path);
        free(r->events[i].detail);
    }
    free(r->files);
    free(r->lines);
    free(r->events);
    memset(r, 0, sizeof(*r));
}

/* ---- the probe -------------------------------------------------------- */

static void ctx_free(hfl_ctx *c)
{
    hf_logs_scan_free(&c->scan);
    free(c->buf);
    free(c->ring);
    free(c->order);
    hfl_lives_free(c);
}

static int ctx_init(hfl_ctx *c, const hf_logs_config *cfg, hf_logs_state *st, hf_logs_result *res)
{
    memset(c, 0, sizeof(*c));
    c->cfg = cfg;
    c->st = st;
    c->res = res;
    c->bufsz = cfg->buf_size ? cfg->buf_size : HF_LOGS_DEFAULT_BUF;
    c->budget_left = cfg->byte_budget ? cfg->byte_budget : HF_LOGS_DEFAULT_BUDGET;
    if (cfg->time_budget_ms > 0)
        c->deadline = hf_mono_now() + (double)cfg->time_budget_ms / 1000.0;
    c->nring = cfg->last_lines;
    c->ring = c->nring ? calloc(c->nring, sizeof(*c->ring)) : NULL;     /* c->buf: on first read */
    if (c->nring && !c->ring)
        return -ENOMEM;
    return hf_logs_scan_init(&c->scan, cfg->matcher, hfl_on_line, c);
}

int hf_logs_probe(const hf_logs_config *cfg, hf_logs_state *st, hf_logs_result *res)
{
    hfl_ctx c;
    int r;

    memset(res, 0, sizeof(*res));
    if (!cfg || !cfg->globs || !cfg->nglobs || !cfg->matcher || !st) {
        hf_err_set(res->err, sizeof(res->err), "log probe: no glob or matcher configured");
        return -EINVAL;
    }
    r = ctx_init(&c, cfg, st, res);
    if (r == 0)
        r = hfl_plan(&c);
    for (size_t i = 0; r == 0 && i < c.norder; i++)
        r = hfl_read_entry(&c, c.order[i]);
    if (r == 0)
        r = hfl_ring_collect(&c);
    if (r == 0) {
        hfl_finish_state(&c);
        memcpy(res->count, c.scan.count, sizeof(res->count));
    }
    if (r < 0 && !res->err[0])
        hf_err_set(res->err, sizeof(res->err), "log probe: %s", strerror(-r));
    ctx_free(&c);
    return r;
}
