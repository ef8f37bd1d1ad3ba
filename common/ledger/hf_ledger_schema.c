/* hf_ledger_schema: the ledger's tables, created once in an empty file
 * (application_id HFLG, user_version 1). */
#include "hf_ledger_int.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char hf_ledger_ddl[] =
    "CREATE TABLE IF NOT EXISTS transitions("
    " id INTEGER PRIMARY KEY,"
    " at REAL NOT NULL,"
    " object TEXT NOT NULL,"
    " code TEXT NOT NULL,"
    " from_state INTEGER NOT NULL,"
    " to_state INTEGER NOT NULL,"
    " text TEXT NOT NULL,"
    " frontend TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS transitions_at ON transitions(at);"
    "CREATE INDEX IF NOT EXISTS transitions_object ON transitions(object, at);"
    "CREATE TABLE IF NOT EXISTS restarts("
    " id INTEGER PRIMARY KEY,"
    " at REAL NOT NULL,"
    " ended_at REAL NOT NULL,"
    " service TEXT NOT NULL,"
    " frontend TEXT NOT NULL,"
    " requester TEXT NOT NULL,"
    " outcome TEXT NOT NULL,"
    " attempted INTEGER NOT NULL,"
    " attempt INTEGER NOT NULL,"
    " observed_at REAL,"
    " duration REAL,"
    " exit_status INTEGER,"
    " signal INTEGER,"
    " stderr TEXT NOT NULL,"
    " text TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS restarts_at ON restarts(at);"
    "CREATE INDEX IF NOT EXISTS restarts_service ON restarts(service, at);"
    "CREATE TABLE IF NOT EXISTS runs("
    " id INTEGER PRIMARY KEY,"
    " monitor TEXT NOT NULL,"
    " start REAL NOT NULL,"
    " last REAL NOT NULL,"
    " interval REAL NOT NULL);"
    "CREATE INDEX IF NOT EXISTS runs_monitor ON runs(monitor, last);"
    "CREATE INDEX IF NOT EXISTS runs_last ON runs(last);"
    "CREATE TABLE IF NOT EXISTS budget("
    " service TEXT PRIMARY KEY,"
    " window_start REAL NOT NULL,"
    " attempts INTEGER NOT NULL,"
    " last_attempt REAL NOT NULL,"
    " last_end REAL NOT NULL,"
    " healthy_since REAL NOT NULL,"
    " healthy_last REAL NOT NULL,"
    " given_up_at REAL NOT NULL);";

static int schema_int(hf_ledger *l, const char *sql, int64_t *out, int *src, char *err, size_t n)
{
    int rc;
    sqlite3_stmt *s = hf_ledger_prepare(l, sql, &rc, err, n);

    if (!s) {
        *src = rc;
        return -EIO;
    }
    rc = sqlite3_step(s);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        *src = rc;
        return hf_ledger_fail(l, rc, sql, err, n);
    }
    return 0;
}

int hf_ledger_schema(hf_ledger *l, bool create, int *src, char *err, size_t n)
{
    char sql[sizeof(hf_ledger_ddl) + 128];
    int64_t app, ver, tables;
    int rc;

    *src = SQLITE_OK;
    /* one transaction: the three answers describe one state of the file
     * (a writer for creation: nobody creates it at the same time) */
    rc = sqlite3_exec(l->db, create ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        *src = rc;
        return hf_ledger_fail(l, rc, "starting to read the schema", err, n);
    }
    if ((rc = schema_int(l, "PRAGMA application_id", &app, src, err, n)) < 0 ||
        (rc = schema_int(l, "PRAGMA user_version", &ver, src, err, n)) < 0 ||
        (rc = schema_int(l, "SELECT count(*) FROM sqlite_schema", &tables, src, err, n)) < 0)
        goto out;
    if (app == 0 && tables > 0) {
        hf_err_set(err, n, "ledger %s: another application's SQLite database (%lld tables, "
                   "application_id 0): refused, nothing changed; choose another path", l->path,
                   (long long)tables);
        rc = -EEXIST;
    } else if (app != 0 && app != HF_LEDGER_APPLICATION_ID) {
        hf_err_set(err, n, "ledger %s: another application's SQLite database (application_id "
                   "%lld): refused, nothing changed; choose another path", l->path,
                   (long long)app);
        rc = -EEXIST;
    } else if (ver > HF_LEDGER_VERSION) {
        hf_err_set(err, n, "ledger %s: version %lld is newer than this program's (%d): refused",
                   l->path, (long long)ver, HF_LEDGER_VERSION);
        rc = -EPROTO;
    } else if (app == HF_LEDGER_APPLICATION_ID && ver == HF_LEDGER_VERSION && tables >= 4) {
        rc = 0;                                 /* complete */
    } else if (!create) {
        rc = 1;                                 /* empty or partial: create under the lock */
    } else {
        /* IF NOT EXISTS: completes a partial one */
        snprintf(sql, sizeof(sql), "%sPRAGMA application_id=%d;PRAGMA user_version=%d;",
                 hf_ledger_ddl, HF_LEDGER_APPLICATION_ID, HF_LEDGER_VERSION);
        rc = sqlite3_exec(l->db, sql, NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            *src = rc;
            rc = hf_ledger_fail(l, rc, "creating the tables", err, n);
            goto out;
        }
        return hf_ledger_commit(l, err, n);
    }
out:
    hf_ledger_rollback(l);
    return rc;
}
