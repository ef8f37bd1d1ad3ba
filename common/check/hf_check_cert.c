/* The cert check: certificate files (PEM or DER, single or bundles): days
 * to expiry, trust, and whether a live https endpoint serves the file on
 * disk. The parse cache (hf_cert_cache: an unchanged file costs one stat())
 * is the kind's state, loaded and saved by the one-shot policy of hf_check.h.
 *
 * Days left are judged by hf_check_days.h, alike for the http check's served
 * chain: the state from the exact figure, the figures people read rounded
 * down (29.96 days is WARNING and reads "29.9 days").
 *
 * Findings (object = the certificate file's display name, "auth-service.crt";
 * the whole path when two base names collide; "" for the check):
 *   cert.missing        CRITICAL  the file does not exist
 *   cert.invalid        CRITICAL  empty, no certificate in it, malformed, too large
 *   cert.unreadable     UNKNOWN   permission denied, I/O error, out of memory
 *   cert.not_yet_valid  CRITICAL  now is before notBefore
 *   cert.expired        CRITICAL  now is after notAfter, whatever -w/-c
 *   cert.expiring       WARNING / CRITICAL  days left outside -w / -c (default 30: / 7:)
 *   cert.untrusted      CRITICAL  the chain does not verify (--ca, --capath, or the system store)
 *   cert.unverifiable   UNKNOWN   verification could not run (CA file missing or unparseable)
 *   cert.not_served     WARNING   --url serves another certificate (renewed but not reloaded)
 *   cert.unreachable    UNKNOWN   the served certificate could not be fetched
 *   cert.error          UNKNOWN   out of memory, a path too long (object "")
 *   cert.ok             OK        days left within the ranges, trusted, served, the details
 * Metrics: one per file, label = object = the display name, name "days_left",
 * unit d, the earliest notAfter of the file, rounded down to 0.01.
 * Summary: "N certificates, earliest expiry in D days (name)" and, when the
 * first file is what --url serves, "name served by URL". */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hf_cert.h"
#include "hf_check.h"
#include "hf_check_days.h"
#include "hf_check_judge.h"
#include "hf_defaults.h"

#define CERT_FILES_MAX 64

enum {
    CERT_CERT = HF_SET_KIND0,
    CERT_CA,
    CERT_CAPATH,
    CERT_NO_VERIFY,
    CERT_URL,
    CERT_WARNING,
    CERT_CRITICAL,
};

#define CERT_DEFAULT_FILE(name) HF_DEFAULT_CERT_DIR "/" name ".crt"

static const hf_setting_def cert_defs[] = {
    {"cert", HF_SET_LIST,
     CERT_DEFAULT_FILE("api-gateway") "," CERT_DEFAULT_FILE("auth-service") ","
     CERT_DEFAULT_FILE("inference-pool") "," CERT_DEFAULT_FILE("monitoring"),
     0, 0, HF_SETF_IDENTITY | HF_SETF_ROOTED, "FILE",
     "certificate file, PEM or DER, one or a bundle (repeatable; defaults under root)", NULL},
    {"ca", HF_SET_PATH, NULL, 0, 0, HF_SETF_IDENTITY, "FILE",
     "trust anchors for verification, PEM (without --ca/--capath: the system store)", NULL},
    {"capath", HF_SET_PATH, NULL, 0, 0, HF_SETF_IDENTITY, "DIR",
     "hashed CA directory for verification", NULL},
    {"no-verify", HF_SET_FLAG, NULL, 0, 0, HF_SETF_IDENTITY, NULL,
     "do not verify the chain (dates only)", NULL},
    {"url", HF_SET_STRING, NULL, 0, 0, 0, "URL",
     "https URL: WARNING when it does not serve the first --cert (renewed but not reloaded)", NULL},
    {"warning", HF_SET_RANGE, HF_THR_CERT_WARN_DAYS ":", 0, 0, 0, "DAYS",
     "range of days left; expired or not yet valid is CRITICAL regardless", NULL},
    {"critical", HF_SET_RANGE, HF_THR_CERT_CRIT_DAYS ":", 0, 0, 0, "DAYS",
     "range of days left", NULL},
};

static int cert_validate(const hf_settings *s, int *bad, char *err, size_t n)
{
    const char *url = hf_settings_str(s, CERT_URL);
    size_t nc;

    hf_settings_list(s, CERT_CERT, &nc);
    if (nc > CERT_FILES_MAX) {
        *bad = CERT_CERT;
        hf_err_set(err, n, "at most %d certificates", CERT_FILES_MAX);
        return -EINVAL;
    }
    if (url && (strncasecmp(url, "https://", 8) != 0 || !url[8])) {
        *bad = CERT_URL;
        hf_err_set(err, n, "'%s' is not an https URL", url);
        return -EINVAL;
    }
    if (hf_settings_flag(s, CERT_NO_VERIFY) &&
        (hf_settings_str(s, CERT_CA) || hf_settings_str(s, CERT_CAPATH))) {
        *bad = -1;
        hf_err_set(err, n, "--no-verify excludes --ca and --capath");
        return -EINVAL;
    }
    return 0;
}

/* ---- judgement */

/* What the judgement keeps while going through the files. */
typedef struct cert_judging {
    const hf_settings *s;
    const hf_range *warn, *crit;
    hf_report *out;
    double best;                /* the earliest expiry, as shown */
    const char *best_name;
    size_t nok;                 /* files read */
    bool served;                /* --url serves the first file */
} cert_judging;

/* Days as people read them: rounded down (towards the alarm), sign kept. */
static double cert_shown(double days)
{
    return days < 0 ? -hf_check_days_text(days) : hf_check_days_text(days);
}

/* "chain.pem" for the first certificate of a file, "chain.pem#2" for the next. */
static void cert_elem(char *out, size_t n, const char *name, size_t i)
{
    if (i == 0)
        snprintf(out, n, "%s", name);
    else
        snprintf(out, n, "%s#%zu", name, i + 1);
}

static void cert_dates(cert_judging *j, const char *file, const char *name, const hf_cert_info *ci)
{
    char date[40];
    hf_state st;

    if (ci->not_yet_valid) {
        hf_cert_time_str(ci->not_before, date, sizeof(date));
        hf_report_add(j->out, HF_CRITICAL, file, "cert.not_yet_valid",
                      "%s not yet valid: valid from %s (in %.1f days)", name, date,
                      hf_check_days_text(((double)ci->not_before - (double)ci->not_after) / 86400.0 +
                                         ci->days_left));
        return;
    }
    hf_cert_time_str(ci->not_after, date, sizeof(date));
    if (ci->expired || ci->days_left < 0) {
        hf_report_add(j->out, HF_CRITICAL, file, "cert.expired", "%s expired %.1f days ago (%s)", name,
                      hf_check_days_text(ci->days_left), date);
        return;
    }
    st = hf_check_days_state(ci->days_left, j->warn, j->crit);
    hf_report_add(j->out, st, file, st == HF_OK ? "cert.ok" : "cert.expiring",
                  "%s expires in %.1f days (%s)", name, hf_check_days_text(ci->days_left), date);
}

static void cert_details(cert_judging *j, const char *file, const char *name, const hf_cert_info *ci)
{
    hf_report_add(j->out, HF_OK, file, "cert.ok",
                  "%s: subject %s, issuer %s, serial %s, key %s %s%s%d bits%s, %zu SANs", name,
                  ci->subject, ci->issuer, ci->serial, ci->key_type, ci->key_curve,
                  ci->key_curve[0] ? " " : "", ci->key_bits, ci->self_signed ? ", self-signed" : "",
                  ci->san_total);
}

static void cert_trust(cert_judging *j, const char *name, const hf_cert_result *r)
{
    const char *by = r->verify_system ? " by the system store" : "";

    if (hf_settings_flag(j->s, CERT_NO_VERIFY))
        return;
    if (!r->verified)
        hf_report_add(j->out, HF_UNKNOWN, name, "cert.unverifiable", "%s: cannot verify: %s", name,
                      r->verify_error);
    else if (r->trusted)
        hf_report_add(j->out, HF_OK, name, "cert.ok", "%s trusted%s", name, by);
    else
        hf_report_add(j->out, HF_CRITICAL, name, "cert.untrusted", "%s not trusted%s: %s (depth %d)",
                      name, by, r->verify_error, r->verify_depth);
}

static void cert_url(cert_judging *j, const char *name, const hf_cert_result *r)
{
    const char *url = hf_settings_str(j->s, CERT_URL);
    char served[40], file[40];

    if (!r->url_checked) {
        hf_report_add(j->out, HF_UNKNOWN, name, "cert.unreachable",
                      "%s: cannot fetch the served certificate: %s", name, r->url_error);
        return;
    }
    if (r->url_match) {
        hf_report_add(j->out, HF_OK, name, "cert.ok", "%s is the certificate %s serves", name, url);
        j->served = true;
        return;
    }
    hf_cert_time_str(r->served.not_after, served, sizeof(served));
    hf_cert_time_str(r->certs[0].not_after, file, sizeof(file));
    if (r->certs[0].not_after > r->served.not_after)
        hf_report_add(j->out, HF_WARNING, name, "cert.not_served",
                      "%s renewed but not reloaded: %s still serves the certificate expiring %s "
                      "(file: %s)", name, url, served, file);
    else
        hf_report_add(j->out, HF_WARNING, name, "cert.not_served",
                      "%s differs from the certificate %s serves (serial %s, expiring %s)", name, url,
                      r->served.serial, served);
}

/* The file could not be read as certificates: missing and broken files are
 * CRITICAL, a file the check cannot look at UNKNOWN. */
static void cert_unread(cert_judging *j, const hf_check_cert_file *f)
{
    int e = -f->rc;

    if (e == ENOENT)
        hf_report_add(j->out, HF_CRITICAL, f->name, "cert.missing", "%s", f->res->error);
    else if (e == EACCES || e == EPERM || e == ENOMEM || e == EIO)
        hf_report_add(j->out, HF_UNKNOWN, f->name, "cert.unreadable", "%s", f->res->error);
    else
        hf_report_add(j->out, HF_CRITICAL, f->name, "cert.invalid", "%s", f->res->error);
}

static void cert_file(cert_judging *j, const hf_check_cert_file *f, bool first)
{
    const hf_cert_result *r = f->res;
    char elem[HF_PATH_MAX + 16];
    double days, shown;

    if (f->rc < 0 || !r->ncerts) {
        cert_unread(j, f);
        return;
    }
    for (size_t i = 0; i < r->ncerts; i++) {
        cert_elem(elem, sizeof(elem), f->name, i);
        cert_dates(j, f->name, elem, &r->certs[i]);
        cert_details(j, f->name, elem, &r->certs[i]);
    }
    cert_trust(j, f->name, r);
    if (first && hf_settings_str(j->s, CERT_URL))
        cert_url(j, f->name, r);
    days = r->certs[r->earliest < r->ncerts ? r->earliest : 0].days_left;
    hf_report_metric(j->out, f->name, f->name, "days_left", hf_check_days_metric(days), "d", j->warn,
                     j->crit, NAN, NAN);
    /* values: the chain verified (NaN: not verified), the file is what --url serves */
    hf_report_value(j->out, f->name, "chain_ok",
                    hf_settings_flag(j->s, CERT_NO_VERIFY) || !r->verified ? NAN : r->trusted, "b");
    if (first && hf_settings_str(j->s, CERT_URL))
        hf_report_value(j->out, f->name, "served", r->url_checked ? r->url_match : NAN, "b");
    shown = cert_shown(days);
    if (j->nok++ == 0 || shown < j->best) {
        j->best = shown;
        j->best_name = f->name;
    }
}

void hf_check_cert_judge(const hf_settings *s, const hf_check_cert_file *files, size_t n,
                         hf_report *out)
{
    cert_judging j = {.s = s, .warn = hf_settings_range(s, CERT_WARNING),
                      .crit = hf_settings_range(s, CERT_CRITICAL), .out = out};

    for (size_t i = 0; i < n; i++)
        cert_file(&j, &files[i], i == 0);
    if (j.nok)
        hf_report_summary(out, "%zu certificate%s, earliest expiry in %.1f days (%s)", n,
                          n == 1 ? "" : "s", j.best, j.best_name);
    if (j.served)
        hf_report_summary(out, "%s served by %s", files[0].name, hf_settings_str(s, CERT_URL));
}

/* ---- evaluation */

typedef struct cert_slot {
    char path[HF_PATH_MAX];
    hf_cert_result res;
} cert_slot;

static const char *cert_base(const char *path)
{
    const char *s = strrchr(path, '/');

    return s && s[1] ? s + 1 : path;
}

/* Display names: the base name, or the whole path when base names collide. */
static void cert_names(const cert_slot *c, hf_check_cert_file *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *b = cert_base(c[i].path);
        f[i].name = b;
        for (size_t k = 0; k < n; k++)
            if (k != i && strcmp(b, cert_base(c[k].path)) == 0)
                f[i].name = c[i].path;
    }
}

/* The files: as given, or the defaults under root. */
static int cert_paths(const hf_settings *s, cert_slot *c, size_t n)
{
    size_t nl;
    const char *const *v = hf_settings_list(s, CERT_CERT, &nl);

    for (size_t i = 0; i < n && i < nl; i++) {
        if (hf_settings_given(s, CERT_CERT)) {
            if (hf_strlcpy(c[i].path, v[i], sizeof(c[i].path)) >= sizeof(c[i].path))
                return -ENAMETOOLONG;
        } else if (hf_settings_rooted(s, v[i], c[i].path, sizeof(c[i].path)) < 0) {
            return -ENAMETOOLONG;
        }
    }
    return 0;
}

static void cert_probe_all(const hf_settings *s, hf_cert_cache *cache, cert_slot *c,
                           hf_check_cert_file *f, size_t n, const hf_check_ctx *ctx)
{
    for (size_t i = 0; i < n; i++) {
        hf_cert_config cfg = {
            .path = c[i].path, .name = f[i].name, .ca_file = hf_settings_str(s, CERT_CA),
            .ca_path = hf_settings_str(s, CERT_CAPATH), .no_verify = hf_settings_flag(s, CERT_NO_VERIFY),
            .url = i == 0 ? hf_settings_str(s, CERT_URL) : NULL, .timeout_ms = hf_check_ms_left(ctx),
            .cache = cache,
        };
        f[i].rc = hf_cert_probe(&cfg, &c[i].res);
        f[i].res = &c[i].res;
    }
}

static void cert_eval(const hf_settings *s, void *st, const hf_check_ctx *ctx, hf_report *out)
{
    size_t n;
    cert_slot *c;
    hf_check_cert_file *f;

    hf_settings_list(s, CERT_CERT, &n);
    n = n > CERT_FILES_MAX ? CERT_FILES_MAX : n;
    c = calloc(n ? n : 1, sizeof(*c));
    f = calloc(n ? n : 1, sizeof(*f));
    if (!c || !f) {
        hf_report_add(out, HF_UNKNOWN, "", "cert.error", "out of memory");
    } else if (cert_paths(s, c, n) < 0) {
        hf_report_add(out, HF_UNKNOWN, "", "cert.error", "--root: path too long");
    } else {
        cert_names(c, f, n);
        cert_probe_all(s, st, c, f, n, ctx);
        hf_check_cert_judge(s, f, n, out);
        for (size_t i = 0; i < n; i++)
            hf_cert_result_free(&c[i].res);
    }
    free(c);
    free(f);
}

/* ---- state: the parse cache */

static void *cert_state_new(void)
{
    return hf_cert_cache_new();
}

static void cert_state_free(void *st)
{
    hf_cert_cache_free(st);
}

/* -ENOENT without a file; -EPROTO (err naming the file and line) for one that
 * is not a version 1 cache, truncated, malformed or unreadable: left empty. */
static int cert_state_load(void *st, const char *path, char *err, size_t n)
{
    return hf_cert_cache_load(st, path, err, n);
}

static int cert_state_save(void *st, const char *path, char *err, size_t n)
{
    return hf_cert_cache_dirty(st) ? hf_cert_cache_save(st, path, err, n) : 0;
}

const hf_check_kind hf_check_cert = {
    .name = "cert",
    .init = hf_cert_global_init,
    .title = "CERT",
    .doc = "Certificate files (PEM or DER, single or bundles): days to expiry, trust, and\n"
           "whether a live https endpoint serves the file on disk.",
    .defs = cert_defs,
    .ndefs = HF_ARRAY_SIZE(cert_defs),
    .validate = cert_validate,
    .state_new = cert_state_new,
    .state_free = cert_state_free,
    .state_load = cert_state_load,
    .state_save = cert_state_save,
    .eval = cert_eval,
};
