/* hf_sqlite: open somebody else's SQLite database read-only, safely.
 *
 * Guarantees (DESIGN section 4, "never write to HelixFlow's data"):
 *  - file:<path>?mode=ro, SQLITE_OPEN_READONLY|URI|NOMUTEX|PRIVATECACHE,
 *    PRAGMA query_only=1, temp_store=MEMORY, trusted_schema off, defensive
 *    mode; no schema change, no journal, nothing created. Double-quoted
 *    strings are off in statements (SQLITE_DBCONFIG_DQS_DML): "x" is always
 *    an identifier, so a statement naming a missing column fails to
 *    prepare instead of reading the string 'x'.
 *  - SQLite's mode=ro still CREATES <db>-wal and <db>-shm when it opens a WAL
 *    database whose side files are absent (checked: SQLite 3.40). So before
 *    opening we read the 100-byte header ourselves and decide:
 *      WAL db, -wal and -shm present  -> normal read-only open
 *      WAL db, -wal absent            -> immutable=1 (the owner closed it
 *                                        cleanly: everything is in the main
 *                                        file; nothing is created)
 *      WAL db, -wal present, no -shm  -> not opened: a writer in EXCLUSIVE
 *                                        locking mode holds it (LOCKED when
 *                                        its fcntl lock is seen, else ERROR:
 *                                        reading would create the -shm)
 *      rollback-journal db            -> normal read-only open (readers never
 *                                        create a journal)
 *  - bounded: sqlite3_busy_timeout(busy_ms); a deadline (progress handler)
 *    interrupts any statement that runs past it.
 * Thread-safe: no globals; one connection per caller. */
#ifndef HF_SQLITE_H
#define HF_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum hf_sqlite_status {
    HF_SQLITE_OK = 0,
    HF_SQLITE_MISSING,          /* no such file */
    HF_SQLITE_LOCKED,           /* SQLITE_BUSY/LOCKED after the busy timeout */
    HF_SQLITE_CORRUPT,          /* not a database, malformed image */
    HF_SQLITE_TIMEOUT,          /* the deadline interrupted a statement */
    HF_SQLITE_ERROR,            /* anything else (permissions, I/O, SQL) */
} hf_sqlite_status;

typedef struct hf_sqlite_file {
    int64_t size;               /* main file bytes; -1 unknown */
    int64_t wal_size;           /* <db>-wal bytes, 0 when absent; -1 unknown */
    bool wal_mode;              /* header says WAL */
    bool wal_exists, shm_exists;
    bool immutable;             /* opened with immutable=1 (see above) */
    uint64_t dev, ino;          /* identity of the main file */
} hf_sqlite_file;

/* The connection plus the deadline its progress handler reads. Embed it in
 * the caller's context; it must not move while open. */
typedef struct hf_sqlite {
    sqlite3 *db;                /* owned; hf_sqlite_close releases it */
    double deadline;            /* hf_mono_now() seconds; statements past it are interrupted */
    hf_sqlite_file file;
} hf_sqlite;

/* Inspect path (stat, header, side files) and open it read-only as above.
 * busy_ms bounds lock waits. Returns HF_SQLITE_OK or another status with a
 * message naming the file in err (size n). On failure c->db is NULL. */
hf_sqlite_status hf_sqlite_open_ro(hf_sqlite *c, const char *path, long busy_ms,
                                   double deadline, char *err, size_t n);

/* Close (accepts a closed/zeroed c). */
void hf_sqlite_close(hf_sqlite *c);

/* Map an SQLite result code to a status (SQLITE_OK -> HF_SQLITE_OK). */
hf_sqlite_status hf_sqlite_classify(int rc);

/* Set err to "<what>: <sqlite message>" for rc on c and classify it. */
hf_sqlite_status hf_sqlite_fail(hf_sqlite *c, int rc, char *err, size_t n, const char *what);

/* Quote an identifier for SQL ("name" with " doubled) into out (size n).
 * Returns 0 or -ENAMETOOLONG. */
int hf_sqlite_quote_ident(const char *name, char *out, size_t n);

/* Run a one-value integer query (PRAGMA page_count ...). */
hf_sqlite_status hf_sqlite_int(hf_sqlite *c, const char *sql, int64_t *out, char *err, size_t n);

/* Once per process, any thread (pthread_once): sqlite3_initialize, so
 * concurrent first opens never race on SQLite's own lazy initialisation;
 * before it SQLITE_CONFIG_MEMSTATUS off (sqlite3_memory_used() then reads 0;
 * each allocation no longer takes a global mutex).
 * The check kinds that open databases call it from their init hook. */
void hf_sqlite_global_init(void);

#endif
