/* check_helixflow_cert: certificate files -> hf_cert_probe -> findings.
 *
 * States: expired / not yet valid / under -c days / untrusted / missing,
 * empty or unparseable file: CRITICAL; under -w days, "renewed but not
 * reloaded" (--url serves another certificate): WARNING; the check could not
 * look (unreadable file, CA not loadable, endpoint unreachable): UNKNOWN. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hf_cert.h"
#include "hf_defaults.h"
#include "modes.h"

#define HFM_CERT_MAX 64
#define HFM_CERT_STATE_FILE "cert-cache"

enum { HFM_CERT_OPT_CERT = HFN_MODE_OPT, HFM_CERT_OPT_CA, HFM_CERT_OPT_CAPATH,
       HFM_CERT_OPT_NO_VERIFY, HFM_CERT_OPT_URL };

typedef struct hfm_cert_opts {
    const char *certs[HFM_CERT_MAX];
    size_t ncerts;
    const char *ca_file, *ca_path, *url;
    bool no_verify;
} hfm_cert_opts;

/* What one run needs besides the options. */
typedef struct hfm_cert_ctx {
    hfn *p;
    const hfm_cert_opts *o;
    hf_range warn, crit;
    hf_cert_cache *cache;
    char paths[HFM_CERT_MAX][HF_PATH_MAX];
    const char *names[HFM_CERT_MAX];
    size_t n;
    double best_days;           /* earliest expiry over all files */
    const char *best_name;
    size_t nok;                 /* files read */
    bool url_match;             /* --url serves the first file */
} hfm_cert_ctx;

static const struct option hfm_cert_longopts[] = {
    {"cert", required_argument, NULL, HFM_CERT_OPT_CERT},
    {"ca", required_argument, NULL, HFM_CERT_OPT_CA},
    {"capath", required_argument, NULL, HFM_CERT_OPT_CAPATH},
    {"no-verify", no_argument, NULL, HFM_CERT_OPT_NO_VERIFY},
    {"url", required_argument, NULL, HFM_CERT_OPT_URL},
    {0},
};

static int hfm_cert_option(hfn *p, void *opts, int opt, const char *arg)
{
    hfm_cert_opts *o = opts;

    switch (opt) {
    case HFM_CERT_OPT_CERT:
        if (!*arg)
            return hfn_bad_usage(p, "--cert: empty file name");
        if (o->ncerts == HFM_CERT_MAX)
            return hfn_bad_usage(p, "--cert: at most %d certificates", HFM_CERT_MAX);
        o->certs[o->ncerts++] = arg;
        return 0;
    case HFM_CERT_OPT_CA:
        if (!*arg)
            return hfn_bad_usage(p, "--ca: empty file name");
        o->ca_file = arg;
        return 0;
    case HFM_CERT_OPT_CAPATH:
        if (!*arg)
            return hfn_bad_usage(p, "--capath: empty directory");
        o->ca_path = arg;
        return 0;
    case HFM_CERT_OPT_NO_VERIFY:
        o->no_verify = true;
        return 0;
    case HFM_CERT_OPT_URL:
        if (strncasecmp(arg, "https://", 8) != 0 || !arg[8])
            return hfn_bad_usage(p, "--url: '%s' is not an https URL", arg);
        o->url = arg;
        return 0;
    default:
        return hfn_bad_usage(p, "unknown option");
    }
}

static int hfm_cert_validate(hfn *p, void *opts)
{
    const hfm_cert_opts *o = opts;

    if (o->no_verify && (o->ca_file || o->ca_path))
        return hfn_bad_usage(p, "--no-verify excludes --ca and --capath");
    return 0;
}

static const char *hfm_cert_base(const char *path)
{
    const char *s = strrchr(path, '/');

    return s && s[1] ? s + 1 : path;
}

/* Display names: the base name, or the whole path when base names collide. */
static void hfm_cert_names(hfm_cert_ctx *x)
{
    for (size_t i = 0; i < x->n; i++) {
        const char *b = hfm_cert_base(x->paths[i]);
        x->names[i] = b;
        for (size_t j = 0; j < x->n; j++)
            if (j != i && strcmp(b, hfm_cert_base(x->paths[j])) == 0)
                x->names[i] = x->paths[i];
    }
}

static int hfm_cert_paths(hfm_cert_ctx *x)
{
    static const char *const dflt[] = {HF_DEFAULT_CERTS};
    char rel[HF_PATH_MAX];

    if (x->o->ncerts) {
        for (size_t i = 0; i < x->o->ncerts; i++)
            hf_strlcpy(x->paths[i], x->o->certs[i], HF_PATH_MAX);
        x->n = x->o->ncerts;
    } else {
        for (size_t i = 0; i < HF_ARRAY_SIZE(dflt); i++) {
            snprintf(rel, sizeof(rel), "%s/%s.crt", HF_DEFAULT_CERT_DIR, dflt[i]);
            if (hfn_path(x->p, x->paths[i], HF_PATH_MAX, rel) < 0)
                return -ENAMETOOLONG;
        }
        x->n = HF_ARRAY_SIZE(dflt);
    }
    hfm_cert_names(x);
    return 0;
}

static double hfm_cert_round(double d)
{
    return round(d * 10.0) / 10.0;
}

/* "chain.pem" for the first certificate of a file, "chain.pem#2" for the next. */
static void hfm_cert_elem(char *out, size_t n, const char *name, size_t i)
{
    if (i == 0)
        snprintf(out, n, "%s", name);
    else
        snprintf(out, n, "%s#%zu", name, i + 1);
}

static void hfm_cert_dates(hfm_cert_ctx *x, const char *name, const hf_cert_info *ci)
{
    char date[40];
    hf_state st;

    if (ci->not_yet_valid) {
        hf_cert_time_str(ci->not_before, date, sizeof(date));
        hfn_add(x->p, HF_CRITICAL, "%s not yet valid: valid from %s (in %.1f days)", name, date,
                ((double)ci->not_before - (double)ci->not_after) / 86400.0 + ci->days_left);
        return;
    }
    hf_cert_time_str(ci->not_after, date, sizeof(date));
    if (ci->expired) {
        hfn_add(x->p, HF_CRITICAL, "%s expired %.1f days ago (%s)", name, -ci->days_left, date);
        return;
    }
    st = hf_range_eval(&x->warn, &x->crit, hfm_cert_round(ci->days_left));
    hfn_add(x->p, st, "%s expires in %.1f days (%s)", name, ci->days_left, date);
}

static void hfm_cert_trust(hfm_cert_ctx *x, const char *name, const hf_cert_result *r)
{
    if (x->o->no_verify)
        return;
    if (!r->verified) {
        hfn_add(x->p, HF_UNKNOWN, "%s: cannot verify: %s", name, r->verify_error);
        return;
    }
    if (r->trusted) {
        if (x->p->verbose)
            hfn_add(x->p, HF_OK, "%s trusted%s", name, r->verify_system ? " by the system store" : "");
        return;
    }
    hfn_add(x->p, HF_CRITICAL, "%s not trusted%s: %s (depth %d)", name,
            r->verify_system ? " by the system store" : "", r->verify_error, r->verify_depth);
}

static void hfm_cert_url(hfm_cert_ctx *x, const char *name, const hf_cert_result *r)
{
    char served[40], file[40];

    if (!r->url_checked) {
        hfn_add(x->p, HF_UNKNOWN, "%s: cannot fetch the served certificate: %s", name, r->url_error);
        return;
    }
    if (r->url_match) {
        hfn_add(x->p, HF_OK, "%s is the certificate %s serves", name, x->o->url);
        x->url_match = true;
        return;
    }
    hf_cert_time_str(r->served.not_after, served, sizeof(served));
    hf_cert_time_str(r->certs[0].not_after, file, sizeof(file));
    if (r->certs[0].not_after > r->served.not_after)
        hfn_add(x->p, HF_WARNING, "%s renewed but not reloaded: %s still serves the certificate "
                "expiring %s (file: %s)", name, x->o->url, served, file);
    else
        hfn_add(x->p, HF_WARNING, "%s differs from the certificate %s serves (serial %s, expiring %s)",
                name, x->o->url, r->served.serial, served);
}

static void hfm_cert_details(hfm_cert_ctx *x, const char *name, const hf_cert_info *ci)
{
    if (!x->p->verbose)
        return;
    hfn_add(x->p, HF_OK, "%s: subject %s, issuer %s, serial %s, key %s %s%s%d bits%s, %zu SANs",
            name, ci->subject, ci->issuer, ci->serial, ci->key_type, ci->key_curve,
            ci->key_curve[0] ? " " : "", ci->key_bits, ci->self_signed ? ", self-signed" : "",
            ci->san_total);
}

static void hfm_cert_one(hfm_cert_ctx *x, size_t idx)
{
    const char *name = x->names[idx];
    hf_cert_config cfg = {
        .path = x->paths[idx], .name = name, .ca_file = x->o->ca_file, .ca_path = x->o->ca_path,
        .no_verify = x->o->no_verify, .url = idx == 0 ? x->o->url : NULL,
        .timeout_ms = hfn_time_left_ms(x->p), .cache = x->cache,
    };
    hf_cert_result r;
    char elem[HF_PATH_MAX + 16];
    int rc = hf_cert_probe(&cfg, &r);
    double days;

    if (rc < 0) {
        bool cannot_look = rc == -EACCES || rc == -EPERM || rc == -ENOMEM || rc == -EIO;
        hfn_add(x->p, cannot_look ? HF_UNKNOWN : HF_CRITICAL, "%s", r.error);
        hf_cert_result_free(&r);
        return;
    }
    for (size_t i = 0; i < r.ncerts; i++) {
        hfm_cert_elem(elem, sizeof(elem), name, i);
        hfm_cert_dates(x, elem, &r.certs[i]);
        hfm_cert_details(x, elem, &r.certs[i]);
    }
    hfm_cert_trust(x, name, &r);
    if (cfg.url)
        hfm_cert_url(x, name, &r);
    days = hfm_cert_round(r.certs[r.earliest].days_left);
    hfn_perf(x->p, name, days, "d", &x->warn, &x->crit, NAN, NAN);
    if (x->nok++ == 0 || days < x->best_days) {
        x->best_days = days;
        x->best_name = name;
    }
    hf_cert_result_free(&r);
}

static void hfm_cert_state(hfm_cert_ctx *x, bool save)
{
    char path[HF_PATH_MAX], err[HF_ERR_MAX];

    if (hfn_state_path(x->p, path, sizeof(path), HFM_CERT_STATE_FILE) < 0)
        return;                 /* no state dir: parse every run */
    if (!save) {
        if (hf_cert_cache_load(x->cache, path, err, sizeof(err)) == -EPROTO && x->p->verbose)
            hfn_add(x->p, HF_OK, "parse cache ignored: %s", err);
    } else if (hf_cert_cache_dirty(x->cache) &&
               hf_cert_cache_save(x->cache, path, err, sizeof(err)) < 0 && x->p->verbose) {
        hfn_add(x->p, HF_OK, "parse cache not saved: %s", err);
    }
}

static void hfm_cert_run(hfn *p, const void *opts)
{
    hfm_cert_ctx *x = calloc(1, sizeof(*x));

    if (!x) {
        hfn_add(p, HF_UNKNOWN, "out of memory");
        return;
    }
    x->p = p;
    x->o = opts;
    x->warn = p->warn;
    x->crit = p->crit;
    if (!x->warn.set)
        hf_range_parse("30:", &x->warn, NULL, 0);
    if (!x->crit.set)
        hf_range_parse("7:", &x->crit, NULL, 0);
    if (hfm_cert_paths(x) < 0) {
        hfn_add(p, HF_UNKNOWN, "--root: path too long");
        free(x);
        return;
    }
    x->cache = hf_cert_cache_new();
    if (x->cache)
        hfm_cert_state(x, false);
    for (size_t i = 0; i < x->n; i++)
        hfm_cert_one(x, i);
    if (x->cache)
        hfm_cert_state(x, true);
    if (x->nok)
        hfn_summary(p, "%zu certificate%s, earliest expiry in %.1f days (%s)", x->n,
                    x->n == 1 ? "" : "s", x->best_days, x->best_name);
    if (x->url_match)
        hfn_summary(p, "%s served by %s", x->names[0], x->o->url);
    hf_cert_cache_free(x->cache);
    free(x);
}

const hfn_mode hfm_cert = {
    .name = "cert",
    .title = "CERT",
    .usage = "[--cert FILE]... [--ca FILE] [--capath DIR] [--no-verify] [--url URL] "
             "[-w DAYS] [-c DAYS] [--root DIR] [--state-dir DIR]",
    .help = "Certificate files (PEM or DER, single or bundles): days to expiry, trust, and\n"
            "whether a live https endpoint serves the file on disk.\n"
            "  --cert FILE    certificate file (repeatable; default <root>/opt/helixflow/certs/\n"
            "                 {api-gateway,auth-service,inference-pool,monitoring}.crt)\n"
            "  --ca FILE      trust anchors for verification (PEM)\n"
            "  --capath DIR   hashed CA directory for verification\n"
            "                 (without --ca/--capath: the system trust store)\n"
            "  --no-verify    do not verify the chain (dates only)\n"
            "  --url URL      https URL: WARNING when it does not serve the first --cert\n"
            "                 (renewed but not reloaded)\n"
            "  -w, -c         ranges on days left (default -w 30: -c 7:); expired or not yet\n"
            "                 valid is CRITICAL regardless\n",
    .opts_size = sizeof(hfm_cert_opts),
    .option = hfm_cert_option,
    .longopts = hfm_cert_longopts,
    .shortopts = "",
    .validate = hfm_cert_validate,
    .run = hfm_cert_run,
};
