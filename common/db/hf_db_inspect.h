/* hf_db_inspect: integrity and table sizes of a SQLite file, read-only
 * (helixflow-ops db check): HelixFlow's live database or a backup of it.
 *
 * DESIGN
 *
 * Safety. The file is opened through hf_sqlite_open_ro (mode=ro,
 * query_only, nothing created; immutable=1 for a WAL file whose -wal is
 * absent, as a backup is), so the check never writes. The check reads the
 * whole file, each step in ONE read transaction: on a WAL database
 * HelixFlow's writers go on meanwhile (a WAL reader never blocks a writer);
 * only checkpoints wait for the step to end, so the WAL grows for its
 * duration. On a rollback-journal database writers cannot commit while it
 * reads: res->blocks_writers says so (the front-end warns; run it on a
 * backup instead). timeout_ms bounds every step (interrupted: TIMEOUT);
 * lock waits are bounded by busy_ms.
 *
 * Integrity. PRAGMA integrity_check, or quick_check with cfg->quick (no
 * index cross-check: O(N) instead of O(N log N)). Up to HF_DB_INSPECT_MAX_PROBLEMS
 * problems are kept as SQLite words them; check_ok when the one answer is
 * "ok". A file that is not a database or is malformed beyond reading is
 * CORRUPT (check_ok false, the message kept).
 *
 * Sizes. With the dbstat virtual table (SQLITE_ENABLE_DBSTAT_VTAB, in
 * Debian's libsqlite3): one pass over every page, per b-tree (table or
 * index) its pages, bytes, unused bytes and, for a table, its rows (the
 * cells of its leaf pages: exact). Sorted by bytes, largest first.
 * Without dbstat (res->dbstat false): per table the row estimate
 * max(rowid) - min(rowid) + 1 (O(log n); an upper bound, -1 for WITHOUT
 * ROWID and virtual tables) and the file's page facts only.
 *
 * Cost: the whole file read once per step (integrity, sizes); no write,
 * no temporary file (temp_store=MEMORY).
 *
 * Ownership: res->trees is malloc'd and owned by res; hf_db_inspect_free
 * releases it (accepts a zeroed result). Thread-safe: no globals.
 * Tests: tests/unit/test_db_inspect.c (a healthy file, a corrupted page,
 * not a database, dbstat figures against COUNT(*), the estimate without
 * dbstat); tests/integration/ops_db.sh (the live file and a backup). */
#ifndef HF_DB_INSPECT_H
#define HF_DB_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hf_db.h"
#include "hf_range.h"
#include "hf_util.h"

#define HF_DB_INSPECT_MAX_PROBLEMS 10

typedef struct hf_db_btree {
    char name[128];             /* table or index */
    char table[128];            /* the table it belongs to (itself for a table) */
    bool is_index;
    int64_t pages, bytes, unused;   /* -1 unknown (no dbstat) */
    int64_t rows;               /* tables: exact with dbstat, else the rowid estimate; -1 unknown */
} hf_db_btree;

typedef struct hf_db_inspect_config {
    const char *path;           /* required */
    bool quick;                 /* quick_check instead of integrity_check */
    bool no_check;              /* sizes only */
    bool no_sizes;              /* integrity only */
    long timeout_ms;            /* each step; 0 = 600000 */
    long busy_ms;               /* lock waits; 0 = 2000 */
} hf_db_inspect_config;

typedef struct hf_db_inspect_result {
    hf_db_status status;        /* OK, MISSING, LOCKED, CORRUPT, TIMEOUT, ERROR */
    char err[HF_ERR_MAX];       /* names what and where when status != OK */
    char path[HF_PATH_MAX];
    int64_t file_size, wal_size;
    bool wal_mode, immutable;
    bool blocks_writers;        /* rollback journal and not immutable: writers waited */
    int64_t page_size, page_count, freelist_count;
    /* integrity */
    int check;                  /* 0 not run, 1 quick_check, 2 integrity_check */
    bool check_ok;
    unsigned nproblems;         /* problems kept (at most HF_DB_INSPECT_MAX_PROBLEMS) */
    bool more_problems;         /* SQLite reported more than were kept */
    char problems[HF_DB_INSPECT_MAX_PROBLEMS][HF_ERR_MAX];
    double check_ms;
    /* sizes */
    bool sizes;                 /* trees filled */
    bool dbstat;                /* from dbstat (pages, bytes, exact rows) */
    hf_db_btree *trees;         /* owned */
    size_t ntrees;
    double sizes_ms;
} hf_db_inspect_result;

/* Run the check. Fills *res (always initialised; free it). Returns 0, or
 * -EINVAL when cfg/res is NULL or cfg->path missing. Outcome: res->status. */
int hf_db_inspect(const hf_db_inspect_config *cfg, hf_db_inspect_result *res);
void hf_db_inspect_free(hf_db_inspect_result *res);

/* The verdict: OK when the check passed (or was not asked) and the sizes
 * were read; CRITICAL when the file is missing, not a database, or the
 * check found problems; UNKNOWN when it could not finish (locked, timed
 * out, another error). */
hf_state hf_db_inspect_state(const hf_db_inspect_result *res);

/* The result in lines for a person (each ending in '\n'): the file, the
 * verdict and its problems, the warning when writers were blocked, the
 * table sizes (one line per b-tree: name, kind, pages, bytes, share of the
 * file, rows). */
void hf_db_inspect_describe(const hf_db_inspect_result *res, hf_buf *out);

#endif
