/* hf_ledger: opening, creating and moving aside the ledger file; the
 * shared statement helpers. See hf_ledger.h. */
#include "hf_ledger_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hf_defaults.h"
#include "hf_sqlite.h"

#define HF_LEDGER_BUSY_MS 5000

int hf_ledger_fail(hf_ledger *l, int rc, const char *what, char *err, size_t n)
{
    int prim = rc & 0xff;
    const char *msg = l->db && sqlite3_errcode(l->db) == rc ? sqlite3_errmsg(l->db)
                                                            : sqlite3_errstr(rc);

    if (prim == SQLITE_BUSY || prim == SQLITE_LOCKED) {
        hf_err_set(err, n, "ledger %s: %s: still locked by another writer", l->path, what);
        return -EBUSY;
    }
    hf_err_set(err, n, "ledger %s: %s: %s", l->path, what, msg);
    return -EIO;
}

sqlite3_stmt *hf_ledger_prepare(hf_ledger *l, const char *sql, int *rc, char *err, size_t n)
{
    sqlite3_stmt *s = NULL;

    *rc = sqlite3_prepare_v2(l->db, sql, -1, &s, NULL);
    if (*rc != SQLITE_OK) {
        hf_ledger_fail(l, *rc, "preparing a statement", err, n);
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

int hf_ledger_begin(hf_ledger *l, char *err, size_t n)
{
    int rc = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

    return rc == SQLITE_OK ? 0 : hf_ledger_fail(l, rc, "starting a write", err, n);
}

int hf_ledger_commit(hf_ledger *l, char *err, size_t n)
{
    int rc = sqlite3_exec(l->db, "COMMIT", NULL, NULL, NULL);

    if (rc == SQLITE_OK)
        return 0;
    rc = hf_ledger_fail(l, rc, "committing", err, n);
    hf_ledger_rollback(l);
    return rc;
}

void hf_ledger_rollback(hf_ledger *l)
{
    if (!sqlite3_get_autocommit(l->db))
        sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
}

void hf_ledger_bind_text(sqlite3_stmt *s, int i, const char *v, size_t max)
{
    size_t len = v ? strlen(v) : 0;

    if (max && len > max)
        len = max;
    sqlite3_bind_text(s, i, v ? v : "", (int)len, SQLITE_TRANSIENT);
}

int hf_ledger_lock_path(const char *path, int mode, double deadline, char *err, size_t n)
{
    int fd = open(path, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, mode);
    struct stat st;

    if (fd < 0) {
        int rc = -errno;
        hf_err_set(err, n, "lock %s: %s", path, rc == -ELOOP ? "is a symbolic link: refused"
                                                             : strerror(-rc));
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hf_err_set(err, n, "lock %s: not a regular file: refused", path);
        return -EINVAL;
    }
    if (st.st_uid == geteuid() && (st.st_mode & 0777) != (unsigned)mode)
        (void)fchmod(fd, (mode_t)mode);     /* the umask took group write away */
    for (;;) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            return fd;
        if (errno != EWOULDBLOCK && errno != EINTR) {
            int rc = -errno;
            close(fd);
            hf_err_set(err, n, "lock %s: %s", path, strerror(-rc));
            return rc;
        }
        if (hf_mono_now() >= deadline) {
            close(fd);
            hf_err_set(err, n, "lock %s: held by another process", path);
            return -EWOULDBLOCK;
        }
        struct timespec ts = {0, 5 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int hf_ledger_lock(const hf_ledger *l, const char *name, double deadline, char *err, size_t n)
{
    char path[HF_PATH_MAX];

    if (!name || !name[0] || strchr(name, '/') ||
        snprintf(path, sizeof(path), "%s/%s", l->dir, name) >= (int)sizeof(path)) {
        hf_err_set(err, n, "lock in %s: bad name", l->dir);
        return -EINVAL;
    }
    return hf_ledger_lock_path(path, l->shared_dir ? 0660 : 0600, deadline, err, n);
}

const char *hf_ledger_path(const hf_ledger *l)
{
    return l->path;
}

const char *hf_ledger_dir(const hf_ledger *l)
{
    return l->dir;
}

/* The directory: created when missing (one level, 0750), owned by root or
 * us, not writable by others. */
static int ledger_dir(hf_ledger *l, char *err, size_t n)
{
    char *slash = strrchr(l->path, '/');
    struct stat st;

    if (!slash) {
        hf_strlcpy(l->dir, ".", sizeof(l->dir));
    } else if (slash == l->path) {
        hf_strlcpy(l->dir, "/", sizeof(l->dir));
    } else {
        memcpy(l->dir, l->path, (size_t)(slash - l->path));
        l->dir[slash - l->path] = '\0';
    }
    if (stat(l->dir, &st) < 0 && errno == ENOENT && mkdir(l->dir, 0750) < 0 && errno != EEXIST) {
        hf_err_set(err, n, "ledger directory %s: cannot create it: %s", l->dir, strerror(errno));
        return -errno;
    }
    if (stat(l->dir, &st) < 0) {
        int rc = -errno;
        hf_err_set(err, n, "ledger directory %s: %s", l->dir, strerror(-rc));
        return rc;
    }
    if (!S_ISDIR(st.st_mode)) {
        hf_err_set(err, n, "ledger directory %s: not a directory", l->dir);
        return -ENOTDIR;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        hf_err_set(err, n, "ledger directory %s: owned by uid %ld, not by root or us (uid %ld): "
                   "refused", l->dir, (long)st.st_uid, (long)geteuid());
        return -EPERM;
    }
    if (st.st_mode & S_IWOTH) {
        hf_err_set(err, n, "ledger directory %s: writable by other users (mode %04o): refused; "
                   "chmod o-w it", l->dir, (unsigned)(st.st_mode & 07777));
        return -EPERM;
    }
    l->shared_dir = (st.st_mode & S_ISGID) != 0;
    return 0;
}

static int ledger_quick_check(hf_ledger *l, char *msg, size_t n);

enum { FILE_OK, FILE_CREATED, FILE_BAD };

/* The file itself: created when missing; a symlink, a non-file or one
 * others may write refused; a non-SQLite header is FILE_BAD (why). */
static int ledger_file(hf_ledger *l, struct stat *st, char *why, size_t whyn, char *err,
                       size_t n)
{
    unsigned char hdr[16];
    ssize_t got;
    int fd = open(l->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0 && errno == ENOENT) {
        fd = open(l->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno == EEXIST)
            return ledger_file(l, st, why, whyn, err, n);   /* another just made it */
        if (fd < 0) {
            int rc = -errno;
            hf_err_set(err, n, "ledger %s: cannot create it: %s", l->path, strerror(-rc));
            return rc;
        }
        if (fchmod(fd, l->shared_dir ? 0660 : 0600) < 0 || fstat(fd, st) < 0) {
            int rc = -errno;
            close(fd);
            hf_err_set(err, n, "ledger %s: %s", l->path, strerror(-rc));
            return rc;
        }
        close(fd);
        return FILE_CREATED;
    }
    if (fd < 0) {
        int rc = -errno;
        hf_err_set(err, n, "ledger %s: %s", l->path,
                   rc == -ELOOP ? "is a symbolic link: refused" : strerror(-rc));
        return rc;
    }
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        hf_err_set(err, n, "ledger %s: not a regular file: refused", l->path);
        return -EINVAL;
    }
    if (st->st_mode & S_IWOTH) {
        close(fd);
        hf_err_set(err, n, "ledger %s: writable by other users (mode %04o): refused; chmod o-w it",
                   l->path, (unsigned)(st->st_mode & 07777));
        return -EPERM;
    }
    got = pread(fd, hdr, sizeof(hdr), 0);
    close(fd);
    if (got != 0 && (got != (ssize_t)sizeof(hdr) || memcmp(hdr, "SQLite format 3", 16) != 0)) {
        hf_err_set(why, whyn, "not an SQLite database");
        return FILE_BAD;
    }
    return FILE_OK;
}

static int ledger_connect(hf_ledger *l, long busy_ms, char *err, size_t n)
{
    int rc = sqlite3_open_v2(l->path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW |
                             SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE, NULL);

    if (rc != SQLITE_OK) {
        rc = hf_ledger_fail(l, rc, "cannot open", err, n);
        sqlite3_close_v2(l->db);
        l->db = NULL;
        return rc;
    }
    sqlite3_extended_result_codes(l->db, 1);
    sqlite3_db_config(l->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(l->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(l->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
    sqlite3_db_config(l->db, SQLITE_DBCONFIG_DQS_DDL, 0, NULL);
    sqlite3_busy_timeout(l->db, (int)busy_ms);
    return 0;
}

static void ledger_disconnect(hf_ledger *l)
{
    sqlite3_close_v2(l->db);
    l->db = NULL;
}

static bool sqlite_damaged(int src)
{
    return (src & 0xff) == SQLITE_NOTADB || (src & 0xff) == SQLITE_CORRUPT;
}

/* journal_mode=WAL (persistent in the file) and the connection's pragmas. */
static int ledger_pragmas(hf_ledger *l, int *src, char *err, size_t n)
{
    char mode[16] = "";
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, "PRAGMA journal_mode=WAL", &rc, err, n);

    *src = rc;
    if (!s)
        return -EIO;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        hf_strlcpy(mode, (const char *)sqlite3_column_text(s, 0), sizeof(mode));
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) {
        *src = rc;
        return hf_ledger_fail(l, rc, "setting WAL mode", err, n);
    }
    if (strcmp(mode, "wal") != 0) {
        hf_err_set(err, n, "ledger %s: journal mode stays '%s', not wal", l->path, mode);
        return -EIO;
    }
    rc = sqlite3_exec(l->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    *src = rc;
    return rc == SQLITE_OK ? 0 : hf_ledger_fail(l, rc, "PRAGMA synchronous", err, n);
}

/* Under <path>.lock: WAL first, then the tables (hf_ledger_schema with
 * create), so that no two processes switch the journal mode or create the
 * tables at once. */
static int ledger_create(hf_ledger *l, const hf_ledger_cfg *cfg, int *src, char *err, size_t n)
{
    char lock[HF_PATH_MAX + 8];
    long busy = cfg->busy_ms > 0 ? cfg->busy_ms : HF_LEDGER_BUSY_MS;
    int fd, rc;

    snprintf(lock, sizeof(lock), "%s.lock", l->path);
    fd = hf_ledger_lock_path(lock, l->shared_dir ? 0660 : 0600, hf_mono_now() + busy / 1000.0,
                             err, n);
    if (fd < 0)
        return fd;
    rc = ledger_pragmas(l, src, err, n);
    if (rc == 0)
        rc = hf_ledger_schema(l, true, src, err, n);
    close(fd);
    return rc;
}

/* Move the bad file aside (under <path>.lock, only if it still is the
 * file we judged). *moved_to gets the new name ("" when another process
 * had already dealt with it). */
static int ledger_move_aside(hf_ledger *l, const struct stat *bad, char *moved_to, size_t mn,
                             char *err, size_t n)
{
    char lock[HF_PATH_MAX + 8], aside[HF_PATH_MAX + 48], side[HF_PATH_MAX + 56], stamp[32];
    char src[HF_PATH_MAX + 8];
    time_t now = time(NULL);
    struct tm tm;
    struct stat cur;
    int fd, rc = 0;

    moved_to[0] = '\0';
    snprintf(lock, sizeof(lock), "%s.lock", l->path);
    fd = hf_ledger_lock_path(lock, l->shared_dir ? 0660 : 0600, hf_mono_now() + 10, err, n);
    if (fd < 0)
        return fd;
    if (lstat(l->path, &cur) < 0 || cur.st_dev != bad->st_dev || cur.st_ino != bad->st_ino)
        goto out;                               /* already replaced by another process */
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    for (int k = 1; k < 100; k++) {
        if (k == 1)
            snprintf(aside, sizeof(aside), "%s.corrupt-%s", l->path, stamp);
        else
            snprintf(aside, sizeof(aside), "%s.corrupt-%s-%d", l->path, stamp, k);
        rc = renameat2(AT_FDCWD, l->path, AT_FDCWD, aside, RENAME_NOREPLACE);
        if (rc == 0 || errno != EEXIST)
            break;
    }
    if (rc < 0) {
        rc = -errno;
        hf_err_set(err, n, "ledger %s is damaged and cannot be moved aside: %s", l->path,
                   strerror(-rc));
        goto out;
    }
    hf_strlcpy(moved_to, aside, mn);
    snprintf(src, sizeof(src), "%s-wal", l->path);
    snprintf(side, sizeof(side), "%s-wal", aside);
    (void)renameat2(AT_FDCWD, src, AT_FDCWD, side, RENAME_NOREPLACE);
    snprintf(src, sizeof(src), "%s-shm", l->path);
    (void)unlink(src);
out:
    close(fd);
    return rc;
}

int hf_ledger_open(const hf_ledger_cfg *cfg, hf_ledger **out, char *err, size_t n)
{
    hf_ledger_cfg dflt = {0};
    char why[HF_ERR_MAX] = "", moved[HF_PATH_MAX + 48] = "", detail[HF_ERR_MAX];
    bool created = false;
    hf_ledger *l;
    int rc = -EIO;

    *out = NULL;
    if (!cfg)
        cfg = &dflt;
    hf_sqlite_global_init();
    if (!(l = calloc(1, sizeof(*l)))) {
        hf_err_set(err, n, "ledger: out of memory");
        return -ENOMEM;
    }
    if (cfg->path && cfg->path[0] ? hf_strlcpy(l->path, cfg->path, sizeof(l->path)) >= sizeof(l->path)
                                  : hf_path_join(l->path, sizeof(l->path), cfg->root,
                                                 HF_DEFAULT_LEDGER) < 0) {
        hf_err_set(err, n, "ledger: path too long");
        free(l);
        return -ENAMETOOLONG;
    }
    if ((rc = ledger_dir(l, err, n)) < 0)
        goto fail;
    for (int round = 0; round < 3; round++) {
        struct stat st;
        int src = SQLITE_OK, kind = ledger_file(l, &st, why, sizeof(why), err, n);

        if (kind < 0) {
            rc = kind;
            goto fail;
        }
        created |= kind == FILE_CREATED;
        if (kind != FILE_BAD) {
            if ((rc = ledger_connect(l, cfg->busy_ms > 0 ? cfg->busy_ms : HF_LEDGER_BUSY_MS,
                                     err, n)) < 0)
                goto fail;
            rc = hf_ledger_schema(l, false, &src, err, n);
            if (rc == 1)                        /* new: one creator at a time */
                rc = ledger_create(l, cfg, &src, err, n);
            if (rc == 0)
                rc = ledger_pragmas(l, &src, err, n);
            if (rc == 0 && cfg->quick_check && (rc = ledger_quick_check(l, why, sizeof(why))) < 0) {
                if (rc == -EIO)
                    src = SQLITE_CORRUPT;
                hf_err_set(err, n, "ledger %s: %s", l->path, why);
            } else if (rc < 0) {
                hf_strlcpy(why, sqlite3_errstr(src), sizeof(why));
            }
            if (rc == 0)
                break;
            ledger_disconnect(l);
            if (!sqlite_damaged(src))
                goto fail;
        }
        if ((rc = ledger_move_aside(l, &st, moved, sizeof(moved), err, n)) < 0)
            goto fail;
        rc = -EIO;
    }
    if (!l->db) {
        hf_err_set(err, n, "ledger %s: still damaged after moving it aside", l->path);
        goto fail;
    }
    *out = l;
    if (moved[0]) {
        snprintf(detail, sizeof(detail), "%s", why);
        hf_err_set(err, n, "ledger %s was damaged (%s): moved aside to %s, a fresh ledger created",
                   l->path, detail, moved);
        return HF_LEDGER_RECREATED;
    }
    if (created) {
        hf_err_set(err, n, "ledger %s: created", l->path);
        return HF_LEDGER_CREATED;
    }
    return HF_LEDGER_OPENED;
fail:
    ledger_disconnect(l);
    free(l);
    return rc;
}

void hf_ledger_close(hf_ledger *l)
{
    if (!l)
        return;
    ledger_disconnect(l);
    free(l);
}

/* quick_check's verdict: 0 "ok"; -EIO with msg its first complaint (or
 * SQLite's error); -EBUSY when locked. */
static int ledger_quick_check(hf_ledger *l, char *msg, size_t n)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, "PRAGMA quick_check(1)", &rc, msg, n);
    const char *v;

    if (!s)
        return (rc & 0xff) == SQLITE_BUSY ? -EBUSY : -EIO;
    rc = sqlite3_step(s);
    v = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    if (rc != SQLITE_ROW) {
        rc = (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED ? -EBUSY : -EIO;
        hf_err_set(msg, n, "quick_check: %s", sqlite3_errmsg(l->db));
    } else if (!v || strcmp(v, "ok") != 0) {
        hf_err_set(msg, n, "quick_check: %s", v ? v : "no answer");
        rc = -EIO;
    } else {
        rc = 0;
    }
    sqlite3_finalize(s);
    return rc;
}

int hf_ledger_quick_check(hf_ledger *l, char *err, size_t n)
{
    char msg[HF_ERR_MAX];
    int rc = ledger_quick_check(l, msg, sizeof(msg));

    if (rc < 0)
        hf_err_set(err, n, "ledger %s: %s", l->path, msg);
    return rc;
}
