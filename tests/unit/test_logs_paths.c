/* Unit tests: hf_logs and globbed paths that are not regular files
 * (directories, fifos, sockets, devices, dangling links), and a tracked log
 * replaced by one of them. Every test works in its own temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "hf_logs.h"

#include "test_logs_helpers.h"

/* The event of kind k about <t->dir>/name (NULL when none); fails when there
 * are two. */
static const hf_logs_event *event_for(const run *r, const tdir *t, enum hf_logs_event_kind k,
                                      const char *name)
{
    const hf_logs_event *found = NULL;
    char p[400];

    path_of(t, name, p, sizeof(p));
    for (size_t i = 0; i < r->res.nevents; i++)
        if (r->res.events[i].kind == k && !strcmp(r->res.events[i].path, p)) {
            assert_null(found);
            found = &r->res.events[i];
        }
    return found;
}

static void assert_event(const run *r, const tdir *t, enum hf_logs_event_kind k, const char *name,
                         const char *detail)
{
    const hf_logs_event *e = event_for(r, t, k, name);

    assert_non_null(e);
    assert_non_null(e->detail);
    assert_string_equal(e->detail, detail);
}

static void make_dir(const tdir *t, const char *name)
{
    char p[400];
    path_of(t, name, p, sizeof(p));
    assert_int_equal(mkdir(p, 0700), 0);
}

static void remove_path(const tdir *t, const char *name)
{
    char p[400];
    path_of(t, name, p, sizeof(p));
    assert_int_equal(remove(p), 0);
}

static void make_fifo(const tdir *t, const char *name)
{
    char p[400];
    path_of(t, name, p, sizeof(p));
    assert_int_equal(mkfifo(p, 0600), 0);
}

static void make_link(const tdir *t, const char *name, const char *target)
{
    char p[400];
    path_of(t, name, p, sizeof(p));
    assert_int_equal(symlink(target, p), 0);
}

/* A bound unix socket at name; returns its fd (close it after the probe). */
static int make_socket(const tdir *t, const char *name)
{
    struct sockaddr_un sa;
    char p[400];
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);

    path_of(t, name, p, sizeof(p));
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    assert_true(strlen(p) < sizeof(sa.sun_path));       /* TMPDIR short enough */
    memcpy(sa.sun_path, p, strlen(p) + 1);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void test_event_name(void **state)
{
    (void)state;
    assert_string_equal(hf_logs_event_name(HF_LOGS_EV_NOT_REGULAR), "not a regular file");
    assert_string_equal(hf_logs_event_name(HF_LOGS_EV_VANISHED), "vanished");
}

/* Every kind of non-regular path the glob matches is named, never opened (a
 * fifo without a writer would block), and is not watched. */
static void test_each_kind_reported(void **state)
{
    tdir t;
    run r;
    int sock;

    (void)state;
    tdir_make(&t);
    errors(&t, "a.log", 1);
    make_dir(&t, "d.log");
    make_fifo(&t, "f.log");
    sock = make_socket(&t, "s.log");
    make_link(&t, "c.log", "/dev/null");
    make_link(&t, "x.log", "nowhere");
    run_init(&r, &t, true);
    for (int pass = 0; pass < 2; pass++) {      /* first run and later runs alike */
        assert_int_equal(probe(&r), pass == 0 ? 1 : 0);
        assert_int_equal(r.res.nwatched, 1);
        assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "d.log", "(directory)");
        assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "f.log", "(fifo)");
        assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "s.log", "(socket)");
        assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "c.log", "(character device)");
        assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "x.log", "(dangling symbolic link)");
        assert_int_equal(r.res.nevents, 5);
        assert_int_equal(r.st.nfiles, 1);
    }
    close(sock);
    run_free(&r);
    tdir_rm(&t);
}

/* Only a directory matches: named, and the glob still matches no log file;
 * two globs matching the same directory name it once. */
static void test_only_a_directory(void **state)
{
    tdir t;
    run r;
    const char *globs[2];

    (void)state;
    tdir_make(&t);
    make_dir(&t, "d.log");
    run_init(&r, &t, false);
    globs[0] = t.glob;
    globs[1] = t.glob;
    r.cfg.globs = globs;
    r.cfg.nglobs = 2;
    assert_int_equal(probe(&r), 0);
    assert_int_equal(r.res.nwatched, 0);
    assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "d.log", "(directory)");
    assert_true(has_event(&r, HF_LOGS_EV_NOMATCH));
    assert_int_equal(r.res.nevents, 3);         /* one NOT_REGULAR, a NOMATCH per glob */
    run_free(&r);
    tdir_rm(&t);
}

/* Rotated by rename, then a directory takes the name: the unread lines of the
 * old file are read from the rotated copy (the rename rule). */
static void test_dir_after_rename_recovers(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 2);
    assert_int_equal(probe(&r), 2);
    errors(&t, "a.log", 3);                     /* written just before the replacement */
    append(&t, "a.log", "ERROR unterminated");
    mv(&t, "a.log", "a.log.1");
    make_dir(&t, "a.log");
    assert_int_equal(probe(&r), 4);
    assert_true(has_event(&r, HF_LOGS_EV_RENAMED));
    assert_false(has_event(&r, HF_LOGS_EV_VANISHED));
    assert_false(has_event(&r, HF_LOGS_EV_REPLACED));
    assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "a.log", "(directory)");
    assert_int_equal(r.st.nfiles, 0);           /* the finished generation is forgotten */
    assert_int_equal(probe(&r), 0);
    /* a regular file again: a new file, read from 0 */
    remove_path(&t, "a.log");
    errors(&t, "a.log", 1);
    assert_int_equal(probe(&r), 1);
    assert_true(has_event(&r, HF_LOGS_EV_NEW));
    run_free(&r);
    tdir_rm(&t);
}

/* Deleted, then a directory takes the name: the unread lines are gone with
 * the inode (not recoverable); reported as vanished, replaced by a directory,
 * not as "replaced" (which would mean: read the new file from 0). */
static void test_dir_after_delete_reported(void **state)
{
    tdir t;
    run r;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 2);
    errors(&t, "b.log", 1);
    assert_int_equal(probe(&r), 3);
    errors(&t, "a.log", 3);
    remove_path(&t, "a.log");
    make_dir(&t, "a.log");
    errors(&t, "b.log", 1);
    assert_int_equal(probe(&r), 1);             /* b.log's only */
    assert_event(&r, &t, HF_LOGS_EV_VANISHED, "a.log", "(replaced by a directory)");
    assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "a.log", "(directory)");
    assert_false(has_event(&r, HF_LOGS_EV_REPLACED));
    assert_int_equal(r.res.nwatched, 1);
    assert_int_equal(r.st.nfiles, 1);
    assert_int_equal(probe(&r), 0);             /* named again, not vanished twice */
    assert_null(event_for(&r, &t, HF_LOGS_EV_VANISHED, "a.log"));
    assert_non_null(event_for(&r, &t, HF_LOGS_EV_NOT_REGULAR, "a.log"));
    run_free(&r);
    tdir_rm(&t);
}

/* Replaced by a fifo, a socket or a link to a device: the same rule, and the
 * probe never blocks opening the fifo. */
static void test_replaced_by_special(void **state)
{
    static const char *const want[] = {"fifo", "socket", "character device"};
    char detail[64];

    (void)state;
    for (int kind = 0; kind < 3; kind++) {
        tdir t;
        run r;
        int sock = -1;
        tdir_make(&t);
        run_init(&r, &t, true);
        errors(&t, "a.log", 1);
        assert_int_equal(probe(&r), 1);
        errors(&t, "a.log", 1);
        remove_path(&t, "a.log");
        if (kind == 0)
            make_fifo(&t, "a.log");
        else if (kind == 1)
            sock = make_socket(&t, "a.log");
        else
            make_link(&t, "a.log", "/dev/null");
        assert_int_equal(probe(&r), 0);
        snprintf(detail, sizeof(detail), "(replaced by a %s)", want[kind]);
        assert_event(&r, &t, HF_LOGS_EV_VANISHED, "a.log", detail);
        snprintf(detail, sizeof(detail), "(%s)", want[kind]);
        assert_event(&r, &t, HF_LOGS_EV_NOT_REGULAR, "a.log", detail);
        assert_int_equal(r.st.nfiles, 0);
        if (sock >= 0)
            close(sock);
        run_free(&r);
        tdir_rm(&t);
    }
}

/* A rotated generation left half read (byte budget) whose name becomes a
 * directory: found again among the siblings when it moved on, else vanished. */
static void test_rotated_generation_replaced(void **state)
{
    tdir t;
    run r;
    uint64_t total;

    (void)state;
    tdir_make(&t);
    run_init(&r, &t, true);
    errors(&t, "a.log", 1);
    assert_int_equal(probe(&r), 1);
    errors(&t, "a.log", 40);
    mv(&t, "a.log", "a.log.1");
    errors(&t, "a.log", 1);
    r.cfg.byte_budget = 200;
    total = probe(&r);
    assert_true(r.res.backlog > 0);
    mv(&t, "a.log.1", "a.log.2");               /* rotated on: followed by inode */
    make_dir(&t, "a.log.1");
    r.cfg.byte_budget = 0;
    total += probe(&r);
    assert_int_equal(total, 41);
    assert_false(has_event(&r, HF_LOGS_EV_VANISHED));
    assert_int_equal(r.st.nfiles, 1);
    run_free(&r);
    tdir_rm(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_name),
        cmocka_unit_test(test_each_kind_reported),
        cmocka_unit_test(test_only_a_directory),
        cmocka_unit_test(test_dir_after_rename_recovers),
        cmocka_unit_test(test_dir_after_delete_reported),
        cmocka_unit_test(test_replaced_by_special),
        cmocka_unit_test(test_rotated_generation_replaced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
