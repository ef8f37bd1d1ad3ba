/* Unit tests: hf_db_inspect (helixflow-ops db check): a healthy file with
 * dbstat figures against SQLite's COUNT(*) and page count, quick_check,
 * nothing written or created, a damaged page, not a database, a missing
 * file, the description. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_db_inspect.h"
#include "test_ops_db_helpers.h"

/* The b-tree called name; the test fails when there is none (never NULL). */
static const hf_db_btree *tree(const hf_db_inspect_result *r, const char *name)
{
    static const hf_db_btree none;

    for (size_t i = 0; i < r->ntrees; i++)
        if (strcmp(r->trees[i].name, name) == 0)
            return &r->trees[i];
    fail_msg("no b-tree %s", name);
    return &none;
}

static void test_healthy(void **state)
{
    hf_db_inspect_config c;
    hf_db_inspect_result r;
    int64_t pages = 0;
    hf_buf b = {0};
    odb t;

    (void)state;
    odb_open(&t, "ipk", true, true);
    odb_fill(&t, ODB_NOW - 40 * ODB_DAY, ODB_NOW, 5000);
    c = (hf_db_inspect_config){.path = t.path};
    assert_int_equal(hf_db_inspect(&c, &r), 0);
    assert_int_equal(r.status, HF_DB_OK);
    assert_int_equal(r.check, 2);
    assert_true(r.check_ok);
    assert_int_equal(r.nproblems, 0);
    assert_true(r.sizes && r.dbstat);
    assert_true(r.wal_mode && !r.blocks_writers);
    assert_int_equal(tree(&r, "inference_requests")->rows, 5000);
    assert_int_equal(tree(&r, "users")->rows, 2);
    assert_true(tree(&r, "idx_inference_requests_created_at")->is_index);
    assert_string_equal(tree(&r, "idx_inference_requests_created_at")->table, "inference_requests");
    assert_string_equal(r.trees[0].name, "inference_requests");     /* largest first */
    for (size_t i = 0; i < r.ntrees; i++)
        pages += r.trees[i].pages;
    assert_int_equal(pages + r.freelist_count, r.page_count);
    assert_int_equal(r.page_count, odb_int(t.w, "PRAGMA page_count"));
    assert_int_equal(hf_db_inspect_state(&r), HF_OK);
    hf_db_inspect_describe(&r, &b);
    assert_true(strstr(hf_buf_str(&b), "integrity_check: ok") != NULL);
    assert_true(strstr(hf_buf_str(&b), "inference_requests") != NULL);
    hf_buf_free(&b);
    hf_db_inspect_free(&r);
    c.quick = true;
    c.no_sizes = true;
    assert_int_equal(hf_db_inspect(&c, &r), 0);
    assert_int_equal(r.check, 1);
    assert_true(r.check_ok && !r.sizes && r.ntrees == 0);
    hf_db_inspect_free(&r);
    odb_rm(&t);
}

/* A cleanly closed WAL file (a backup): read immutable, not a byte changed, nothing created. */
static void test_read_only(void **state)
{
    hf_db_inspect_config c;
    hf_db_inspect_result r;
    unsigned char *before, *after;
    char side[320];
    size_t nb, na;
    odb t;

    (void)state;
    odb_open(&t, "plain", true, false);
    odb_fill(&t, ODB_NOW - 10 * ODB_DAY, ODB_NOW, 3000);
    odb_close(&t);
    before = odb_slurp(t.path, &nb);
    c = (hf_db_inspect_config){.path = t.path};
    assert_int_equal(hf_db_inspect(&c, &r), 0);
    assert_int_equal(r.status, HF_DB_OK);
    assert_true(r.immutable && r.check_ok);
    after = odb_slurp(t.path, &na);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb);
    snprintf(side, sizeof(side), "%s-wal", t.path);
    assert_int_equal(access(side, F_OK), -1);
    snprintf(side, sizeof(side), "%s-shm", t.path);
    assert_int_equal(access(side, F_OK), -1);
    free(before);
    free(after);
    hf_db_inspect_free(&r);
    odb_rm(&t);
}

static void test_damaged_page(void **state)
{
    hf_db_inspect_config c;
    hf_db_inspect_result r;
    unsigned char junk[4096];
    hf_buf b = {0};
    int fd;
    odb t;

    (void)state;
    odb_open(&t, "ipk", false, true);
    odb_fill(&t, ODB_NOW - 10 * ODB_DAY, ODB_NOW, 20000);
    odb_close(&t);
    memset(junk, 0xa5, sizeof(junk));
    fd = open(t.path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, junk, sizeof(junk), 4096 * 20), (ssize_t)sizeof(junk));
    close(fd);
    c = (hf_db_inspect_config){.path = t.path};
    assert_int_equal(hf_db_inspect(&c, &r), 0);
    assert_true(r.check == 2 && !r.check_ok);
    assert_true(r.nproblems > 0);
    for (unsigned i = 0; i < r.nproblems; i++)
        assert_null(strchr(r.problems[i], '\n'));   /* one problem a line */
    assert_int_equal(hf_db_inspect_state(&r), HF_CRITICAL);
    assert_true(r.blocks_writers);      /* a rollback-journal file: said */
    hf_db_inspect_describe(&r, &b);
    assert_true(strstr(hf_buf_str(&b), "integrity_check: FAILED") != NULL);
    assert_true(strstr(hf_buf_str(&b), "rollback-journal") != NULL);
    hf_buf_free(&b);
    hf_db_inspect_free(&r);
    odb_rm(&t);
}

static void test_not_a_database_and_missing(void **state)
{
    hf_db_inspect_config c;
    hf_db_inspect_result r;
    char path[320];
    FILE *f;
    odb t;

    (void)state;
    odb_open(&t, "ipk", false, false);
    snprintf(path, sizeof(path), "%s/notes.txt", t.dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("these are not the pages you are looking for\n", f);
    fclose(f);
    c = (hf_db_inspect_config){.path = path};
    assert_int_equal(hf_db_inspect(&c, &r), 0);
    assert_int_equal(r.status, HF_DB_CORRUPT);
    assert_true(!r.check_ok && r.nproblems == 1);
    assert_true(strstr(r.problems[0], path) && strstr(r.problems[0], "not a database"));
    assert_int_equal(hf_db_inspect_state(&r), HF_CRITICAL);
    hf_db_inspect_free(&r);
    snprintf(path, sizeof(path), "%s/absent.db", t.dir);
    assert_int_equal(hf_db_inspect(&c, &r), 0);
    assert_int_equal(r.status, HF_DB_MISSING);
    assert_true(strstr(r.err, path) != NULL);
    assert_int_equal(access(path, F_OK), -1);
    assert_int_equal(hf_db_inspect_state(&r), HF_CRITICAL);
    hf_db_inspect_free(&r);
    assert_int_equal(hf_db_inspect(NULL, &r), -EINVAL);
    odb_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy),
        cmocka_unit_test(test_read_only),
        cmocka_unit_test(test_damaged_page),
        cmocka_unit_test(test_not_a_database_and_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
