/* hf_db_maint_aux: the maintenance's lock, file sizes, VACUUM's free-space
 * check and the description of a run (design in hf_db_maint.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "hf_db_maint_int.h"
#include "hf_time.h"
#include "hf_units.h"

const char *hf_db_maint_status_name(hf_db_maint_status s)
{
    static const char *const names[] = {
        [HF_DB_MAINT_OK] = "ok", [HF_DB_MAINT_BUSY] = "busy", [HF_DB_MAINT_MISSING] = "not found",
        [HF_DB_MAINT_LOCKED] = "locked", [HF_DB_MAINT_CORRUPT] = "corrupt",
        [HF_DB_MAINT_SCHEMA] = "schema", [HF_DB_MAINT_ERROR] = "error",
    };

    return (unsigned)s < HF_ARRAY_SIZE(names) && names[s] ? names[s] : "error";
}

hf_state hf_db_maint_state(const hf_db_maint_result *r)
{
    switch (r->status) {
    case HF_DB_MAINT_OK:
        return r->stopped || r->vacuum_skipped[0] ? HF_WARNING : HF_OK;
    case HF_DB_MAINT_BUSY:
    case HF_DB_MAINT_MISSING:
        return HF_UNKNOWN;
    case HF_DB_MAINT_ERROR:
        return r->size_before < 0 ? HF_UNKNOWN : HF_CRITICAL;
    default:
        return HF_CRITICAL;
    }
}

int hf_db_maint_lock_path(const char *path, const char *state_dir, char *out, size_t n)
{
    struct stat st;
    uint64_t id[2], h;

    if (stat(path, &st) < 0)
        return -errno;
    id[0] = (uint64_t)st.st_dev;
    id[1] = (uint64_t)st.st_ino;
    h = hf_hash64(id, sizeof(id), HF_HASH_SEED);
    if ((size_t)snprintf(out, n, "%s/db-maintain-%016" PRIx64 ".lock", state_dir, h) >= n)
        return -ENAMETOOLONG;
    return 0;
}

/* mkdir -p dir (0750), then refuse it unless private. */
static int hf_db_maint_dir(const char *dir, char *err, size_t n)
{
    char p[HF_PATH_MAX];

    if (hf_strlcpy(p, dir, sizeof(p)) >= sizeof(p)) {
        hf_err_set(err, n, "state directory %s: path too long", dir);
        return -ENAMETOOLONG;
    }
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0750) < 0 && errno != EEXIST) {
            int r = -errno;
            hf_err_set(err, n, "state directory %s: cannot create %s: %s", dir, p, strerror(-r));
            return r;
        }
        *s = c;
        if (!c)
            break;
    }
    return hf_dir_check_private(dir, err, n);
}

int hf_db_maint_lock(const char *path, const char *state_dir, hf_db_maint_result *res)
{
    char err[HF_ERR_MAX];
    int r = hf_db_maint_lock_path(path, state_dir, res->lock_path, sizeof(res->lock_path));

    if (r == -ENOENT) {
        res->status = HF_DB_MAINT_MISSING;
        hf_err_set(res->err, sizeof(res->err), "%s: no such database file: nothing done", path);
        return r;
    }
    if (r < 0) {
        res->status = HF_DB_MAINT_ERROR;
        hf_err_set(res->err, sizeof(res->err), "%s: %s", path, strerror(-r));
        return r;
    }
    if ((r = hf_db_maint_dir(state_dir, err, sizeof(err))) < 0) {
        res->status = HF_DB_MAINT_ERROR;
        hf_err_set(res->err, sizeof(res->err), "%s: nothing done", err);
        return r;
    }
    if ((r = hf_file_lock(res->lock_path, 0, err, sizeof(err))) == -EWOULDBLOCK) {
        res->status = HF_DB_MAINT_BUSY;
        hf_err_set(res->err, sizeof(res->err), "another maintenance of %s is running (it holds "
                   "%s): nothing done", path, res->lock_path);
    } else if (r < 0) {
        res->status = HF_DB_MAINT_ERROR;
        hf_err_set(res->err, sizeof(res->err), "maintenance lock %s: nothing done", err);
    }
    return r;
}

void hf_db_maint_sizes(const char *path, int64_t *size, int64_t *wal)
{
    char w[HF_PATH_MAX + 8];
    struct stat st;

    *size = stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
    snprintf(w, sizeof(w), "%s-wal", path);
    *wal = stat(w, &st) == 0 ? (int64_t)st.st_size : errno == ENOENT ? 0 : -1;
}

/* Free bytes for an unprivileged writer on dir's filesystem. */
static int hf_db_maint_avail(const char *dir, int64_t *avail)
{
    struct statvfs vs;

    if (statvfs(dir, &vs) < 0)
        return -errno;
    *avail = (int64_t)vs.f_bavail * (int64_t)vs.f_frsize;
    return 0;
}

/* SQLite's temporary directory as the unix VFS picks it. */
static const char *hf_db_maint_tmpdir(void)
{
    const char *cand[] = {getenv("SQLITE_TMPDIR"), getenv("TMPDIR"), "/var/tmp", "/usr/tmp", "/tmp"};
    struct stat st;

    for (size_t i = 0; i < HF_ARRAY_SIZE(cand); i++)
        if (cand[i] && stat(cand[i], &st) == 0 && S_ISDIR(st.st_mode) && access(cand[i], W_OK | X_OK) == 0)
            return cand[i];
    return ".";
}

static int hf_db_maint_need(const char *dir, int64_t need, const char *what, char *why, size_t n)
{
    char a[32], b[32];
    int64_t avail = 0;
    int r = hf_db_maint_avail(dir, &avail);

    if (r < 0) {
        hf_err_set(why, n, "cannot read the free space of %s: %s", dir, strerror(-r));
        return r;
    }
    if (avail >= need)
        return 0;
    hf_err_set(why, n, "needs %s free in %s (%s), %s available", hf_units_bytes((double)need, a, sizeof(a)),
               dir, what, hf_units_bytes((double)avail, b, sizeof(b)));
    return -ENOSPC;
}

int hf_db_maint_space(const char *path, int64_t live, char *why, size_t n)
{
    char dir[HF_PATH_MAX];
    char *slash;
    int r;

    hf_strlcpy(dir, path, sizeof(dir));
    if ((slash = strrchr(dir, '/')))
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        hf_strlcpy(dir, ".", sizeof(dir));
    if ((r = hf_db_maint_need(dir, 2 * live, "twice the database's live pages: the new image "
                              "through the WAL and the old", why, n)) < 0)
        return r;
    return hf_db_maint_need(hf_db_maint_tmpdir(), live, "SQLite's temporary copy", why, n);
}

static void hf_db_maint_file(hf_buf *out, const char *when, int64_t size, int64_t wal, int64_t pages,
                             int64_t freel, int64_t page_size)
{
    char a[32], b[32], c[32];

    if (size < 0)
        return;
    hf_buf_printf(out, "file %s: %s", when, hf_units_bytes((double)size, a, sizeof(a)));
    if (wal > 0)
        hf_buf_printf(out, " + WAL %s", hf_units_bytes((double)wal, b, sizeof(b)));
    if (pages > 0)
        hf_buf_printf(out, "; %" PRId64 " pages of %" PRId64 " B, %" PRId64 " free (%s)", pages,
                      page_size, freel, hf_units_bytes((double)(freel * page_size), c, sizeof(c)));
    hf_buf_printf(out, "\n");
}

static void hf_db_maint_walk_text(const hf_db_maint_result *r, hf_buf *out)
{
    char cut[24], old[24], ms[24];

    hf_time_format(r->cutoff, cut, sizeof(cut));
    hf_buf_printf(out, "%s %" PRIu64 " row%s dated at or before %s UTC (%.0f days) in %u "
                  "transaction%s (longest %s); %" PRIu64 " rows read\n",
                  r->dry_run ? "dry run: would remove" : "removed", r->deleted, r->deleted == 1 ? "" : "s",
                  cut, (r->now - r->cutoff) / 86400.0, r->txns, r->txns == 1 ? "" : "s",
                  hf_units_ms(r->max_txn_ms, ms, sizeof(ms)), r->scanned);
    if (r->stopped)
        hf_buf_printf(out, "stopped before the end (time limit or interrupted): the next run "
                      "continues; optimize and VACUUM not run\n");
    if (r->unparsed)
        hf_buf_printf(out, "kept %" PRIu64 " row%s whose created_at cannot be read (last: %s)\n",
                      r->unparsed, r->unparsed == 1 ? "" : "s", r->unparsed_example);
    if (!isnan(r->oldest_kept))
        hf_buf_printf(out, "oldest row kept: %s UTC\n", hf_time_format(r->oldest_kept, old, sizeof(old)));
}

static void hf_db_maint_after_text(const hf_db_maint_result *r, hf_buf *out)
{
    char a[32], ms[24];

    if (r->optimized)
        hf_buf_printf(out, "PRAGMA optimize: done in %s\n", hf_units_ms(r->optimize_ms, ms, sizeof(ms)));
    if (r->vacuumed)
        hf_buf_printf(out, "VACUUM: done in %s (HelixFlow's writers waited meanwhile)\n",
                      hf_units_ms(r->vacuum_ms, ms, sizeof(ms)));
    else if (r->vacuum_skipped[0])
        hf_buf_printf(out, "VACUUM not run: %s\n", r->vacuum_skipped);
    else if (r->free_after > 0)
        hf_buf_printf(out, "%" PRId64 " free pages (%s) stay inside the file for new rows; --vacuum "
                      "returns them to the filesystem\n", r->free_after,
                      hf_units_bytes((double)(r->free_after * r->page_size), a, sizeof(a)));
}

void hf_db_maint_describe(const hf_db_maint_result *r, hf_buf *out)
{
    char a[32];

    if (r->status == HF_DB_MAINT_BUSY || r->status == HF_DB_MAINT_MISSING ||
        (r->status != HF_DB_MAINT_OK && r->txns == 0 && r->size_before < 0)) {
        hf_buf_printf(out, "%s\n", r->err);
        return;
    }
    hf_db_maint_walk_text(r, out);
    if (r->status != HF_DB_MAINT_OK)
        hf_buf_printf(out, "failed: %s\n", r->err);
    if (!r->dry_run)
        hf_db_maint_after_text(r, out);
    hf_db_maint_file(out, "before", r->size_before, r->wal_before, r->pages_before, r->free_before,
                     r->page_size);
    if (!r->dry_run) {
        hf_db_maint_file(out, "after", r->size_after, r->wal_after, r->pages_after, r->free_after,
                         r->page_size);
        if (r->vacuumed && r->size_after >= 0)
            hf_buf_printf(out, "%s %s on disk (file and WAL; HelixFlow's writes meanwhile included)%s\n",
                          r->reclaimed >= 0 ? "reclaimed" : "grew by",
                          hf_units_bytes((double)(r->reclaimed >= 0 ? r->reclaimed : -r->reclaimed),
                                         a, sizeof(a)),
                          r->wal_mode && !r->checkpointed ? "; the WAL is checkpointed later" : "");
    }
}
