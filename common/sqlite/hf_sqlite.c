/* hf_sqlite: see hf_sqlite.h. */
#include "hf_sqlite.h"

#include <pthread.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_util.h"

#define HF_SQLITE_URI_MAX (3 * HF_PATH_MAX + 64)
/* SQLite's unix VFS lock bytes (os_unix.c): the shared range after PENDING+RESERVED. */
#define HF_SQLITE_SHARED_FIRST (0x40000000 + 2)
#define HF_SQLITE_SHARED_SIZE 510

hf_sqlite_status hf_sqlite_classify(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
        return HF_SQLITE_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return HF_SQLITE_LOCKED;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        return HF_SQLITE_CORRUPT;
    case SQLITE_INTERRUPT:
        return HF_SQLITE_TIMEOUT;
    default:
        return HF_SQLITE_ERROR;
    }
}

hf_sqlite_status hf_sqlite_fail(hf_sqlite *c, int rc, char *err, size_t n, const char *what)
{
    hf_sqlite_status st = hf_sqlite_classify(rc);

    if (st == HF_SQLITE_LOCKED)
        hf_err_set(err, n, "database is locked: %s", what);
    else if (st == HF_SQLITE_TIMEOUT)
        hf_err_set(err, n, "timed out: %s", what);
    else
        hf_err_set(err, n, "%s: %s", what, c && c->db && sqlite3_errcode(c->db) == rc ?
                   sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
    return st;
}

int hf_sqlite_quote_ident(const char *name, char *out, size_t n)
{
    size_t k = 0;

    if (n < 3)
        return -ENAMETOOLONG;
    out[k++] = '"';
    for (const char *s = name; *s; s++) {
        if (k + (*s == '"' ? 2 : 1) + 2 > n)
            return -ENAMETOOLONG;
        if (*s == '"')
            out[k++] = '"';
        out[k++] = *s;
    }
    out[k++] = '"';
    out[k] = '\0';
    return 0;
}

static int hf_sqlite_uri(const char *path, bool immutable, char *out, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = 0;
    int r;

    for (const char *p = "file:"; *p; p++)
        out[k++] = *p;
    for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
        if (k + 4 >= n)
            return -ENAMETOOLONG;
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            strchr("/._~-", *s)) {
            out[k++] = (char)*s;
        } else {
            out[k++] = '%';
            out[k++] = hex[*s >> 4];
            out[k++] = hex[*s & 15];
        }
    }
    out[k] = '\0';
    r = snprintf(out + k, n - k, "?mode=ro%s", immutable ? "&immutable=1" : "");
    return r < 0 || (size_t)r >= n - k ? -ENAMETOOLONG : 0;
}

static int hf_sqlite_progress(void *arg)
{
    const hf_sqlite *c = arg;

    return hf_mono_now() > c->deadline;
}

/* Does another process hold SQLite's exclusive lock on the open fd? */
static bool hf_sqlite_write_locked(int fd)
{
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET,
                       .l_start = HF_SQLITE_SHARED_FIRST, .l_len = HF_SQLITE_SHARED_SIZE};

    return fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_WRLCK;
}

static bool hf_sqlite_side(const char *path, const char *suffix, int64_t *size)
{
    char p[HF_PATH_MAX + 16];
    struct stat sb;

    snprintf(p, sizeof(p), "%s%s", path, suffix);
    if (stat(p, &sb) < 0)
        return false;
    if (size)
        *size = (int64_t)sb.st_size;
    return true;
}

/* stat + header + side files; the fd tells who holds the lock. */
static hf_sqlite_status hf_sqlite_inspect(hf_sqlite_file *f, const char *path, char *err, size_t n)
{
    unsigned char hdr[100];
    struct stat sb;
    ssize_t got;
    bool locked;
    int fd;

    if (strlen(path) >= HF_PATH_MAX) {
        hf_err_set(err, n, "database path too long");
        return HF_SQLITE_ERROR;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        hf_err_set(err, n, errno == ENOENT ? "database not found: %s" : "cannot open %s: %s",
                   path, strerror(errno));
        return errno == ENOENT ? HF_SQLITE_MISSING : HF_SQLITE_ERROR;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        hf_err_set(err, n, "%s: not a regular file", path);
        close(fd);
        return HF_SQLITE_ERROR;
    }
    f->size = (int64_t)sb.st_size;
    f->dev = (uint64_t)sb.st_dev;
    f->ino = (uint64_t)sb.st_ino;
    got = pread(fd, hdr, sizeof(hdr), 0);
    if (got != (ssize_t)sizeof(hdr) || memcmp(hdr, "SQLite format 3", 16) != 0) {
        hf_err_set(err, n, "%s: file is not a database%s", path,
                   got == 0 ? " (empty file)" : "");
        close(fd);
        return HF_SQLITE_CORRUPT;
    }
    f->wal_mode = hdr[18] == 2 && hdr[19] == 2;
    f->wal_size = 0;
    f->wal_exists = hf_sqlite_side(path, "-wal", &f->wal_size);
    f->shm_exists = hf_sqlite_side(path, "-shm", NULL);
    locked = hf_sqlite_write_locked(fd);
    close(fd);
    if (f->wal_mode && f->wal_exists && !f->shm_exists) {
        if (locked) {
            hf_err_set(err, n, "database is locked: %s (a writer holds it in exclusive "
                       "locking mode)", path);
            return HF_SQLITE_LOCKED;
        }
        hf_err_set(err, n, "%s: WAL file present but %s-shm missing; reading would create it",
                   path, path);
        return HF_SQLITE_ERROR;
    }
    f->immutable = f->wal_mode && !f->wal_exists;
    return HF_SQLITE_OK;
}

static hf_sqlite_status hf_sqlite_setup(hf_sqlite *c, long busy_ms, char *err, size_t n)
{
    static const char *const pragmas = "PRAGMA query_only=1; PRAGMA temp_store=MEMORY;";
    int rc;

    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    /* = PRAGMA trusted_schema=OFF, without a statement to prepare */
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    /* "name" is an identifier, never a string: a missing column fails to prepare */
    sqlite3_db_config(c->db, SQLITE_DBCONFIG_DQS_DML, 0, NULL);
    sqlite3_busy_timeout(c->db, busy_ms > 0 ? (int)busy_ms : 0);
    sqlite3_progress_handler(c->db, 4000, hf_sqlite_progress, c);
    rc = sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return hf_sqlite_fail(c, rc, err, n, "setting up the read-only connection");
    return HF_SQLITE_OK;
}

hf_sqlite_status hf_sqlite_open_ro(hf_sqlite *c, const char *path, long busy_ms,
                                   double deadline, char *err, size_t n)
{
    char uri[HF_SQLITE_URI_MAX];
    hf_sqlite_status st;
    int rc;

    memset(c, 0, sizeof(*c));
    c->deadline = deadline;
    c->file.size = c->file.wal_size = -1;   /* unknown until inspected */
    st = hf_sqlite_inspect(&c->file, path, err, n);
    if (st != HF_SQLITE_OK)
        return st;
    if (hf_sqlite_uri(path, c->file.immutable, uri, sizeof(uri)) < 0) {
        hf_err_set(err, n, "database path too long");
        return HF_SQLITE_ERROR;
    }
    rc = sqlite3_open_v2(uri, &c->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
                         SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE, NULL);
    if (rc != SQLITE_OK) {
        hf_err_set(err, n, "cannot open %s: %s", path,
                   c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        st = hf_sqlite_classify(rc);
        hf_sqlite_close(c);
        return st == HF_SQLITE_OK ? HF_SQLITE_ERROR : st;
    }
    st = hf_sqlite_setup(c, busy_ms, err, n);
    if (st != HF_SQLITE_OK)
        hf_sqlite_close(c);
    return st;
}

void hf_sqlite_close(hf_sqlite *c)
{
    if (!c || !c->db)
        return;
    sqlite3_close_v2(c->db);
    c->db = NULL;
}

hf_sqlite_status hf_sqlite_int(hf_sqlite *c, const char *sql, int64_t *out, char *err, size_t n)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *out = sqlite3_column_int64(s, 0);
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        return hf_sqlite_fail(c, rc, err, n, sql);
    return HF_SQLITE_OK;
}

static pthread_once_t hf_sqlite_once = PTHREAD_ONCE_INIT;

static void hf_sqlite_init_once(void)
{
    /* No memory statistics: otherwise every allocation SQLite makes (a
     * few thousand per statement prepared) takes a global mutex. Refused
     * (harmlessly) when SQLite was already initialised. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_initialize();
}

void hf_sqlite_global_init(void)
{
    pthread_once(&hf_sqlite_once, hf_sqlite_init_once);
}
