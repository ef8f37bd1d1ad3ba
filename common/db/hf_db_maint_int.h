/* hf_db_maint_int: internals shared by hf_db_maint.c (the walk, optimize,
 * VACUUM) and hf_db_maint_aux.c (lock, sizes, free space, description).
 * Not part of the public API. */
#ifndef HF_DB_MAINT_INT_H
#define HF_DB_MAINT_INT_H

#include <sqlite3.h>

#include "hf_db_maint.h"
#include "hf_defaults.h"
#include "hf_sqlite.h"

#define HF_DB_MAINT_DEFAULT_TABLE HF_DEFAULT_DB_TABLE
#define HF_DB_MAINT_DEFAULT_TIME_COL HF_DEFAULT_DB_TIME_COL

typedef struct hf_db_maint_ctx {
    const hf_db_maint_config *cfg;
    hf_db_maint_result *res;
    sqlite3 *db;                /* the read-write connection, or ro.db in a dry run */
    hf_sqlite ro;               /* dry run only */
    const char *table, *time_col;
    char q_table[300], q_time[300];     /* quoted identifiers */
    sqlite3_stmt *read, *del;
    long batch, batch_cur, txn_ms, pause_ms, busy_ms;
    int64_t *ids;               /* a batch's old rowids (batch slots) */
    int64_t first_rowid, end_rowid;     /* the walk's start and expected end */
    int64_t counted_upto;       /* rows up to this rowid are counted in scanned/unparsed */
    double t0;
} hf_db_maint_ctx;

/* Take the maintenance lock of path under state_dir (created 0750, must be
 * private): the descriptor (close to release), or negative errno with
 * res->status (BUSY, MISSING, ERROR) and res->err set; res->lock_path named. */
int hf_db_maint_lock(const char *path, const char *state_dir, hf_db_maint_result *res);

/* Sizes of path and path-wal (-1: unknown; the WAL 0 when absent). */
void hf_db_maint_sizes(const char *path, int64_t *size, int64_t *wal);

/* VACUUM's free-space check for live bytes in use: 0 when there is room,
 * else -ENOSPC with why (naming the directory, what is needed and what is
 * available), or another negative errno when a filesystem cannot be read. */
int hf_db_maint_space(const char *path, int64_t live, char *why, size_t n);

#endif
