/* hf_ledger internals shared by hf_ledger*.c (not installed). */
#ifndef HF_LEDGER_INT_H
#define HF_LEDGER_INT_H

#include <sqlite3.h>

#include "hf_ledger.h"
#include "hf_util.h"

struct hf_ledger {
    sqlite3 *db;
    char path[HF_PATH_MAX];
    char dir[HF_PATH_MAX];
    bool shared_dir;            /* setgid directory: files 0660 */
};

/* "ledger <path>: <what>: <SQLite's message>"; returns -EBUSY or -EIO. */
int hf_ledger_fail(hf_ledger *l, int rc, const char *what, char *err, size_t n);

/* Prepare sql; on failure err is set and NULL returned (*rc the error). */
sqlite3_stmt *hf_ledger_prepare(hf_ledger *l, const char *sql, int *rc, char *err, size_t n);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. 0 or negative errno. */
int hf_ledger_begin(hf_ledger *l, char *err, size_t n);
int hf_ledger_commit(hf_ledger *l, char *err, size_t n);
void hf_ledger_rollback(hf_ledger *l);

/* Bind text that may be NULL ("") and at most max bytes (0: any). */
void hf_ledger_bind_text(sqlite3_stmt *s, int i, const char *v, size_t max);

/* flock path (created with mode, O_NOFOLLOW, regular file) until deadline
 * (hf_mono_now(); 0: one try). fd or negative errno with err. */
int hf_ledger_lock_path(const char *path, int mode, double deadline, char *err, size_t n);

/* The schema (hf_ledger_schema.c): check the application id and version of
 * an open connection in one transaction. 0: a complete ledger; 1: empty or
 * partial and create false (the caller takes the creation lock and calls
 * again with create true, which creates the tables in that transaction);
 * -EEXIST (another application's database), -EPROTO (newer), -EIO with
 * *sqlite_rc the SQLite error (NOTADB/CORRUPT: the file is damaged). */
int hf_ledger_schema(hf_ledger *l, bool create, int *sqlite_rc, char *err, size_t n);

#endif
