/* Helpers shared by the ledger and supervisor unit tests: a private temp
 * directory per test, removed afterwards. Include after cmocka.h. */
#ifndef TEST_LEDGER_HELPERS_H
#define TEST_LEDGER_HELPERS_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int tl_rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

/* A fresh 0700 directory under TMPDIR (or /tmp) into dir (size HF_PATH_MAX). */
static inline void tl_tmpdir(char *dir, size_t n, const char *tag)
{
    const char *t = getenv("TMPDIR");

    snprintf(dir, n, "%s/hf-%s-XXXXXX", t && t[0] ? t : "/tmp", tag);
    assert_non_null(mkdtemp(dir));
}

static inline void tl_rmtree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, tl_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tl_write(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static inline long tl_count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    long n = 0;
    int ch;

    if (!f)
        return 0;
    while ((ch = fgetc(f)) != EOF)
        n += ch == '\n';
    fclose(f);
    return n;
}

#endif
