/* hf_backup: newest backup, age, size change, quick_check (see hf_backup.h). */
#include "hf_backup.h"

#include <errno.h>
#include <inttypes.h>
#include <glob.h>
#include <limits.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HF_BACKUP_DEFAULT_TIMEOUT_MS 10000

static const char *hf_backup_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* "file:<percent-encoded path>?mode=ro&immutable=1" */
static int hf_backup_uri(const char *path, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    const char *pre = "file:", *post = "?mode=ro&immutable=1";

    if (strlen(pre) >= n)
        return -ENAMETOOLONG;
    memcpy(out, pre, strlen(pre));
    o = strlen(pre);
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        bool plain = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                     strchr("/-._~", *s);
        if (o + 4 >= n)
            return -ENAMETOOLONG;
        if (plain) {
            out[o++] = (char)*s;
        } else {
            out[o++] = '%';
            out[o++] = hex[*s >> 4];
            out[o++] = hex[*s & 15];
        }
    }
    if (o + strlen(post) + 1 > n)
        return -ENAMETOOLONG;
    memcpy(out + o, post, strlen(post) + 1);
    return 0;
}

static int hf_backup_progress(void *arg)
{
    return hf_mono_now() > *(const double *)arg;    /* non-zero interrupts */
}

/* Count the problem lines of one quick_check row ("*** in database main ***"
 * headers are not problems) and keep the first in first (when still empty). */
static long hf_backup_problems(const char *text, char *first, size_t firstlen)
{
    long n = 0;

    for (const char *l = text; l && *l;) {
        size_t len = strcspn(l, "\n");
        if (len && strncmp(l, "*** ", 4) != 0) {
            if (!first[0])
                snprintf(first, firstlen, "%.*s", (int)len, l);
            n++;
        }
        l += len + (l[len] == '\n');
    }
    return n;
}

int hf_backup_quick_check(const char *path, long timeout_ms, char *msg, size_t msglen)
{
    char uri[HF_PATH_MAX * 3 + 64];
    const char *base = hf_backup_base(path);
    double deadline = hf_mono_now() + (double)timeout_ms / 1000.0;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc, ret = -1;

    if (hf_backup_uri(path, uri, sizeof(uri)) < 0) {
        hf_err_set(msg, msglen, "%s: path too long", base);
        return -1;
    }
    rc = sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
    if (rc != SQLITE_OK) {
        hf_err_set(msg, msglen, "%s: %s", base, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, (int)(timeout_ms > INT_MAX ? INT_MAX : timeout_ms));
    sqlite3_progress_handler(db, 1000, hf_backup_progress, &deadline);
    rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *first = (const char *)sqlite3_column_text(st, 0);
        if (first && !strcmp(first, "ok")) {
            ret = 1;
        } else {
            char firstp[HF_ERR_MAX] = "";
            long n = hf_backup_problems(first, firstp, sizeof(firstp));
            while (sqlite3_step(st) == SQLITE_ROW)
                n += hf_backup_problems((const char *)sqlite3_column_text(st, 0), firstp,
                                        sizeof(firstp));
            if (n <= 1)
                hf_err_set(msg, msglen, "%s: quick_check: %s", base, firstp);
            else            /* quick_check stops at 100 */
                hf_err_set(msg, msglen, "%s: quick_check found %ld%s problems, first: %s", base,
                           n, n >= 100 ? "+" : "", firstp);
            ret = 0;
        }
    } else if (rc == SQLITE_INTERRUPT) {
        hf_err_set(msg, msglen, "%s: quick_check did not finish within %ld ms", base, timeout_ms);
    } else if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
        hf_err_set(msg, msglen, "%s: %s", base, sqlite3_errmsg(db));
        ret = 0;                /* a verdict: this is not a usable database */
    } else {
        hf_err_set(msg, msglen, "%s: %s", base, sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return ret;
}

typedef struct hf_backup_cand {
    char *path;
    struct stat sb;
} hf_backup_cand;

static bool hf_backup_is_live(const char *path, const struct stat *sb, const char *live,
                              const struct stat *lsb, bool live_exists)
{
    char a[PATH_MAX], b[PATH_MAX];

    if (!live)
        return false;
    if (live_exists && sb->st_dev == lsb->st_dev && sb->st_ino == lsb->st_ino)
        return true;
    if (!strcmp(path, live))
        return true;
    return realpath(path, a) && realpath(live, b) && !strcmp(a, b);
}

/* Newer first: mtime, then name. */
static bool hf_backup_newer(const hf_backup_cand *x, const hf_backup_cand *y)
{
    if (x->sb.st_mtim.tv_sec != y->sb.st_mtim.tv_sec)
        return x->sb.st_mtim.tv_sec > y->sb.st_mtim.tv_sec;
    if (x->sb.st_mtim.tv_nsec != y->sb.st_mtim.tv_nsec)
        return x->sb.st_mtim.tv_nsec > y->sb.st_mtim.tv_nsec;
    return strcmp(x->path, y->path) > 0;
}

/* The two newest regular files of the glob, live database excluded. */
static int hf_backup_pick(const hf_backup_config *cfg, hf_backup_result *res,
                          hf_backup_cand *best, hf_backup_cand *second)
{
    glob_t gl;
    struct stat lsb;
    bool live_exists = cfg->live_db && stat(cfg->live_db, &lsb) == 0;
    int r;

    memset(&gl, 0, sizeof(gl));
    r = glob(cfg->glob, 0, NULL, &gl);
    if (r == GLOB_NOSPACE) {
        globfree(&gl);
        return -ENOMEM;
    }
    for (size_t i = 0; r == 0 && i < gl.gl_pathc; i++) {
        hf_backup_cand c = {gl.gl_pathv[i], {0}};
        if (stat(c.path, &c.sb) < 0 || !S_ISREG(c.sb.st_mode))
            continue;
        if (hf_backup_is_live(c.path, &c.sb, cfg->live_db, &lsb, live_exists)) {
            res->excluded_live = true;
            continue;
        }
        res->nmatches++;
        if (!best->path || hf_backup_newer(&c, best)) {
            *second = *best;
            *best = c;
        } else if (!second->path || hf_backup_newer(&c, second)) {
            *second = c;
        }
    }
    if (best->path)
        hf_strlcpy(res->path, best->path, sizeof(res->path));
    if (second->path)
        hf_strlcpy(res->prev_path, second->path, sizeof(res->prev_path));
    globfree(&gl);
    return 0;
}

static int64_t hf_backup_ns(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static bool hf_backup_memo_matches(const hf_backup_verdict *m, const struct stat *sb)
{
    return m->valid && m->dev == (uint64_t)sb->st_dev && m->ino == (uint64_t)sb->st_ino &&
           m->size == (uint64_t)sb->st_size && m->mtime_ns == hf_backup_ns(&sb->st_mtim) &&
           m->ctime_ns == hf_backup_ns(&sb->st_ctim);
}

/* A remembered, recent verdict for exactly this version of the file: use it. */
static bool hf_backup_memo_use(const hf_backup_config *cfg, double now, const struct stat *sb,
                               hf_backup_result *res)
{
    const hf_backup_verdict *m = cfg->memo;
    double max_age = cfg->memo_max_age_s > 0 ? cfg->memo_max_age_s : 86400;

    /* checked_at is kept to the microsecond: a clock earlier than it by more
     * than that has stepped back (then the verdict is not trusted) */
    if (!m || !hf_backup_memo_matches(m, sb) || now - m->checked_at > max_age ||
        now + 1e-5 < m->checked_at)
        return false;
    res->checked = true;
    res->check_ok = m->ok;
    res->check_memo = true;
    hf_strlcpy(res->check_msg, m->msg, sizeof(res->check_msg));
    return true;
}

static void hf_backup_memo_store(hf_backup_verdict *m, double now, const struct stat *sb,
                                 const hf_backup_result *res)
{
    m->valid = true;
    m->dev = (uint64_t)sb->st_dev;
    m->ino = (uint64_t)sb->st_ino;
    m->size = (uint64_t)sb->st_size;
    m->mtime_ns = hf_backup_ns(&sb->st_mtim);
    m->ctime_ns = hf_backup_ns(&sb->st_ctim);
    m->checked_at = now;
    m->ok = res->check_ok;
    hf_strlcpy(m->msg, res->check_msg, sizeof(m->msg));
}

int hf_backup_probe(const hf_backup_config *cfg, hf_backup_result *res)
{
    hf_backup_cand best = {0}, second = {0};
    double now;
    long tmo;
    int r;

    memset(res, 0, sizeof(*res));
    if (!cfg || !cfg->glob || !cfg->glob[0]) {
        hf_err_set(res->err, sizeof(res->err), "backup probe: no backup glob configured");
        return -EINVAL;
    }
    r = hf_backup_pick(cfg, res, &best, &second);
    if (r < 0) {
        hf_err_set(res->err, sizeof(res->err), "backup probe: %s: %s", cfg->glob, strerror(-r));
        return r;
    }
    if (!res->path[0])
        return 0;
    res->found = true;
    now = cfg->now > 0 ? cfg->now : hf_real_now();
    res->age_s = now - ((double)best.sb.st_mtim.tv_sec + (double)best.sb.st_mtim.tv_nsec / 1e9);
    res->size = (uint64_t)best.sb.st_size;
    if (res->prev_path[0]) {
        res->has_prev = true;
        res->prev_size = (uint64_t)second.sb.st_size;
        res->size_change = (int64_t)res->size - (int64_t)res->prev_size;
        res->size_change_pct = res->prev_size ? 100.0 * (double)res->size_change / (double)res->prev_size : NAN;
    }
    if (cfg->quick_check && hf_backup_memo_use(cfg, now, &best.sb, res))
        return 0;
    if (cfg->quick_check) {
        tmo = cfg->timeout_ms > 0 ? cfg->timeout_ms : HF_BACKUP_DEFAULT_TIMEOUT_MS;
        r = hf_backup_quick_check(res->path, tmo, res->check_msg, sizeof(res->check_msg));
        res->checked = r >= 0;
        res->check_ok = r == 1;
        if (res->checked && cfg->memo)
            hf_backup_memo_store(cfg->memo, now, &best.sb, res);
    }
    return 0;
}

#define HF_BACKUP_VERDICT_MAGIC "helixflow-backup-verdict 3"

int hf_backup_verdict_write(const hf_backup_verdict *v, const char *path, char *err, size_t errlen)
{
    hf_buf b = {0};
    int rc;

    hf_buf_printf(&b, "%s\n%d %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRId64 " %" PRId64
                  " %.6f %d\n%s\n", HF_BACKUP_VERDICT_MAGIC, v->valid, v->dev, v->ino, v->size,
                  v->mtime_ns, v->ctime_ns, v->checked_at, v->ok, v->msg);
    hf_seal_append(&b);
    if (b.oom) {
        hf_err_set(err, errlen, "%s: out of memory", path);
        rc = -ENOMEM;
    } else {
        rc = hf_file_write_atomic(path, b.s, b.len, err, errlen);
    }
    hf_buf_free(&b);
    return rc;
}

/* The sealed body (NUL-terminated at its end) into v. 0 or -EINVAL. */
static int hf_backup_verdict_parse(hf_backup_verdict *v, char *text)
{
    char *nl;
    int valid, ok, n = 0;

    if (strncmp(text, HF_BACKUP_VERDICT_MAGIC "\n", sizeof(HF_BACKUP_VERDICT_MAGIC)) != 0 ||
        sscanf(text + sizeof(HF_BACKUP_VERDICT_MAGIC), "%d %" SCNu64 " %" SCNu64 " %" SCNu64
               " %" SCNd64 " %" SCNd64 " %lf %d\n%n", &valid, &v->dev, &v->ino, &v->size,
               &v->mtime_ns, &v->ctime_ns, &v->checked_at, &ok, &n) != 8 || n == 0)
        return -EINVAL;
    nl = strchr(text + sizeof(HF_BACKUP_VERDICT_MAGIC) + n, '\n');
    if (nl)
        *nl = '\0';
    hf_strlcpy(v->msg, text + sizeof(HF_BACKUP_VERDICT_MAGIC) + n, sizeof(v->msg));
    v->valid = valid == 1;
    v->ok = ok == 1;
    return 0;
}

int hf_backup_verdict_read(hf_backup_verdict *v, const char *path, char *err, size_t errlen)
{
    char *text;
    long len;

    memset(v, 0, sizeof(*v));
    if ((len = hf_sealed_read(path, 4096, &text, err, errlen)) >= 0) {
        if (hf_backup_verdict_parse(v, text) < 0) {
            hf_err_set(err, errlen, "%s: not a quick_check verdict (%s)", path, HF_BACKUP_VERDICT_MAGIC);
            len = -EINVAL;
        }
    }
    free(text);
    if (len < 0)
        memset(v, 0, sizeof(*v));
    return len < 0 ? (int)len : 0;
}

int hf_backup_verdict_save(const hf_backup_verdict *v, const char *path)
{
    return hf_backup_verdict_write(v, path, NULL, 0);
}

int hf_backup_verdict_load(hf_backup_verdict *v, const char *path)
{
    return hf_backup_verdict_read(v, path, NULL, 0);
}
