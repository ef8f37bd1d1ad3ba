/* hf_logs_rotate: which bytes of which file to read this call.
 *
 * Identity is (dev, inode) confirmed by a fingerprint of the first bytes:
 *   - a watched inode now under another globbed name: moved, continue;
 *   - a watched inode no longer globbed: look among the siblings in its
 *     directory (rotated names: <name>.N, <name>-DATE, <stem>-DATE...) and
 *     finish it from the saved offset (rename rotation), else forget it;
 *   - same inode, shorter than the offset or other first bytes: truncated;
 *     a sibling with the saved fingerprint holding at least offset bytes is
 *     the copytruncate copy: read it from the saved offset, then the file
 *     from 0; without a copy the file is read from 0 (truncation reported);
 *   - after a rotation, rotated siblings written since the last call that
 *     we never saw are intermediate generations: read whole;
 *   - a new file is read from 0 (first run: from its end, unless read_existing);
 *   - a globbed path that is not a regular file (directory, fifo, socket,
 *     device, dangling link) is never opened and is reported NOT_REGULAR on
 *     every call while it is there; it watches nothing (a glob matching only
 *     such paths also gives NOMATCH).
 * A watched name that now holds a directory (fifo, socket, device) follows
 * the vanished-file rule: its inode is looked for among the rotated siblings.
 * Recoverable: the old file renamed in the same directory to a rotated name
 * (<name>.1, <name>-DATE...) before the replacement: it is finished from the
 * saved offset (RENAMED), so the lines written just before are counted.
 * Not recoverable: the old file deleted (even while a writer holds it open),
 * compressed, or moved elsewhere: the lines appended since the last call are
 * lost, reported as VANISHED "(replaced by a directory)" beside NOT_REGULAR.
 * When a regular file takes the name again it is a new file, read from 0. */
#include "hf_logs.h"
#include "hf_logs_rotate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HFL_TAIL_WINDOW (64u * 1024)

static int64_t mtime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

void hfl_lives_free(hfl_ctx *c)
{
    for (size_t i = 0; i < c->nlives; i++)
        free(c->lives[i].path);
    free(c->lives);
    c->lives = NULL;
    c->nlives = 0;
    for (size_t i = 0; i < c->nrot; i++)
        free(c->rot_origins[i]);
    free(c->rot_origins);
    c->rot_origins = NULL;
    c->nrot = 0;
}

static bool same_file(const struct stat *sb, const hf_logs_fstate *e)
{
    return (uint64_t)sb->st_dev == e->dev && (uint64_t)sb->st_ino == e->ino;
}

/* Hash of the first len bytes of path; -1 when unreadable or shorter. */
static int path_fp(const char *path, uint32_t len, uint64_t *h)
{
    char b[HF_LOGS_FP_MAX];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = pread(fd, b, len, 0);
    close(fd);
    if (n < 0 || (uint32_t)n != len)
        return -1;
    *h = hf_logs_fp_hash(b, len);
    return 0;
}

/* ---- globbing ---------------------------------------------------------- */

static bool live_known(const hfl_ctx *c, const char *path, const struct stat *sb)
{
    for (size_t i = 0; i < c->nlives; i++)
        if (!strcmp(c->lives[i].path, path) ||
            (c->lives[i].sb.st_dev == sb->st_dev && c->lives[i].sb.st_ino == sb->st_ino))
            return true;
    return false;
}

static bool has_event(const hfl_ctx *c, enum hf_logs_event_kind k, const char *path)
{
    for (size_t i = 0; i < c->res->nevents; i++)
        if (c->res->events[i].kind == k && !strcmp(c->res->events[i].path, path))
            return true;
    return false;
}

/* A globbed path we cannot watch: reported once per call (two globs may
 * match it), never opened (a fifo would block). A path gone between glob and
 * stat is not reported: it is a race with a rotation, the planner sees it. */
static int not_watchable(hfl_ctx *c, const char *path, const struct stat *sb, int err)
{
    struct stat lsb;
    enum hf_logs_event_kind k = HF_LOGS_EV_NOT_REGULAR;
    char detail[64];

    if (sb)
        snprintf(detail, sizeof(detail), "(%s)", hfl_file_kind(sb->st_mode));
    else if (err == ENOENT && lstat(path, &lsb) == 0 && S_ISLNK(lsb.st_mode))
        hf_strlcpy(detail, "(dangling symbolic link)", sizeof(detail));
    else if (err == ENOENT)
        return 0;
    else {
        k = HF_LOGS_EV_UNREADABLE;
        hf_strlcpy(detail, strerror(err), sizeof(detail));
    }
    if (has_event(c, k, path))
        return 0;
    return hfl_event(c, k, path, detail);
}

static int add_live(hfl_ctx *c, const char *path)
{
    struct stat sb;
    hfl_live *n;

    if (stat(path, &sb) < 0)
        return not_watchable(c, path, NULL, errno);
    if (!S_ISREG(sb.st_mode))
        return not_watchable(c, path, &sb, 0);
    if (live_known(c, path, &sb))
        return 0;               /* one inode is read once, whatever its names */
    n = realloc(c->lives, (c->nlives + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    c->lives = n;
    n[c->nlives].path = strdup(path);
    if (!n[c->nlives].path)
        return -ENOMEM;
    n[c->nlives].sb = sb;
    n[c->nlives].entry = -1;
    n[c->nlives].rotated_here = false;
    c->nlives++;
    return hfl_fresult(c, path) < 0 ? -ENOMEM : 0;
}

static int collect_lives(hfl_ctx *c)
{
    for (size_t g = 0; g < c->cfg->nglobs; g++) {
        glob_t gl;
        int r;

        memset(&gl, 0, sizeof(gl));
        r = glob(c->cfg->globs[g], 0, NULL, &gl);
        size_t before = c->nlives;
        if (r == GLOB_NOSPACE)
            return -ENOMEM;
        for (size_t i = 0; r == 0 && i < gl.gl_pathc; i++) {
            r = add_live(c, gl.gl_pathv[i]);
            if (r < 0) {
                globfree(&gl);
                return r;
            }
        }
        globfree(&gl);
        if (c->nlives == before && hfl_event(c, HF_LOGS_EV_NOMATCH, c->cfg->globs[g], NULL) < 0)
            return -ENOMEM;
    }
    c->res->nwatched = c->nlives;
    return 0;
}

/* ---- siblings ------------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Is name a rotated generation of base? <base>.X, <base>-X, <stem>-<digit>...;
 * compressed generations cannot be read and are skipped. */
static bool rotated_name(const char *base, const char *name)
{
    static const char *const zext[] = {".gz", ".bz2", ".xz", ".zst", ".lz4", ".Z", ".zip"};
    size_t bl = strlen(base), nl = strlen(name);
    const char *dot = strrchr(base, '.');
    size_t sl = dot ? (size_t)(dot - base) : bl;
    bool ok = (!strncmp(name, base, bl) && (name[bl] == '.' || name[bl] == '-') && name[bl + 1]) ||
              (sl > 0 && !strncmp(name, base, sl) && name[sl] == '-' && name[sl + 1] >= '0' &&
               name[sl + 1] <= '9');

    for (size_t i = 0; ok && i < HF_ARRAY_SIZE(zext); i++) {
        size_t zl = strlen(zext[i]);
        if (nl > zl && !strcmp(name + nl - zl, zext[i]))
            ok = false;
    }
    return ok && strcmp(name, base) != 0;
}

typedef bool (*sibling_fn)(hfl_ctx *c, const char *path, const struct stat *sb, void *arg);

/* Call fn for each regular rotated sibling of path until it returns true;
 * the chosen path is copied into out (size n). Returns true when chosen. */
static bool siblings(hfl_ctx *c, const char *path, sibling_fn fn, void *arg, char *out, size_t n)
{
    char dir[HF_PATH_MAX], full[HF_PATH_MAX];
    const char *base = base_name(path);
    size_t dl = (size_t)(base - path);
    struct dirent *d;
    DIR *dh;
    bool found = false;

    if (dl >= sizeof(dir))
        return false;
    memcpy(dir, path, dl);
    dir[dl] = '\0';
    dh = opendir(dl ? dir : ".");
    if (!dh)
        return false;
    while (!found && (d = readdir(dh))) {
        struct stat sb;
        if (!rotated_name(base, d->d_name))
            continue;
        if ((size_t)snprintf(full, sizeof(full), "%s%s", dir, d->d_name) >= sizeof(full))
            continue;
        if (stat(full, &sb) < 0 || !S_ISREG(sb.st_mode))
            continue;
        if (fn(c, full, &sb, arg)) {
            hf_strlcpy(out, full, n);
            found = true;
        }
    }
    closedir(dh);
    return found;
}

static bool is_inode(hfl_ctx *c, const char *path, const struct stat *sb, void *arg)
{
    const hf_logs_fstate *e = arg;
    uint64_t h;

    (void)c;
    if (!same_file(sb, e))
        return false;
    return e->fp_len == 0 || (path_fp(path, e->fp_len, &h) == 0 && h == e->fp);
}

static bool tracked(const hfl_ctx *c, const struct stat *sb)
{
    for (size_t i = 0; i < c->st->nfiles; i++)
        if (!c->st->files[i].drop && same_file(sb, &c->st->files[i]))
            return true;
    return false;
}

struct copy_arg {
    const hf_logs_fstate *e;
    int64_t best_mtime;
    char best[HF_PATH_MAX];
};

static bool is_copy(hfl_ctx *c, const char *path, const struct stat *sb, void *arg)
{
    struct copy_arg *a = arg;
    uint64_t h;

    if ((uint64_t)sb->st_size < a->e->offset || tracked(c, sb) || live_known(c, path, sb))
        return false;
    if (path_fp(path, a->e->fp_len, &h) < 0 || h != a->e->fp)
        return false;
    if (!a->best[0] || mtime_ns(sb) > a->best_mtime) {
        a->best_mtime = mtime_ns(sb);
        hf_strlcpy(a->best, path, sizeof(a->best));
    }
    return false;               /* keep looking: the newest copy wins */
}

/* ---- entries ------------------------------------------------------------- */

static long add_entry(hfl_ctx *c, const char *path, const struct stat *sb, const char *origin)
{
    hf_logs_fstate *e = hf_logs_state_add(c->st, path);

    if (!e)
        return -ENOMEM;
    e->dev = (uint64_t)sb->st_dev;
    e->ino = (uint64_t)sb->st_ino;
    e->avail = (uint64_t)sb->st_size;
    e->mtime_ns = mtime_ns(sb);
    e->seen = true;
    if (origin) {
        e->rotated = true;
        e->origin = strdup(origin);
        if (!e->origin)
            return -ENOMEM;
    }
    return (long)(e - c->st->files);
}

static int note_rotation(hfl_ctx *c, const char *origin)
{
    char **n;

    for (size_t i = 0; i < c->nrot; i++)
        if (!strcmp(c->rot_origins[i], origin))
            return 0;
    n = realloc(c->rot_origins, (c->nrot + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    c->rot_origins = n;
    n[c->nrot] = strdup(origin);
    if (!n[c->nrot])
        return -ENOMEM;
    c->nrot++;
    for (size_t i = 0; i < c->nlives; i++)
        if (!strcmp(c->lives[i].path, origin))
            c->lives[i].rotated_here = true;
    return 0;
}

/* Rotated entries left from a budget-limited call: still there? */
static int plan_old_rotated(hfl_ctx *c)
{
    for (size_t i = 0; i < c->st->nfiles; i++) {
        hf_logs_fstate *e = &c->st->files[i];
        char found[HF_PATH_MAX];
        struct stat sb;
        if (!e->rotated)
            continue;
        e->seen = true;
        if (stat(e->path, &sb) == 0 && S_ISREG(sb.st_mode) && same_file(&sb, e)) {
            e->avail = (uint64_t)sb.st_size;
            e->mtime_ns = mtime_ns(&sb);
            continue;
        }
        if (siblings(c, e->origin ? e->origin : e->path, is_inode, e, found, sizeof(found)) &&
            stat(found, &sb) == 0) {
            char *p = strdup(found);
            if (!p)
                return -ENOMEM;
            free(e->path);
            e->path = p;
            e->avail = (uint64_t)sb.st_size;
            e->mtime_ns = mtime_ns(&sb);
            continue;
        }
        e->drop = true;
        if (hfl_event(c, HF_LOGS_EV_VANISHED, e->path, NULL) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* Watched inodes found under globbed names (same name first, then moved). */
static int plan_claim(hfl_ctx *c)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t l = 0; l < c->nlives; l++) {
            hfl_live *lv = &c->lives[l];
            for (size_t i = 0; lv->entry < 0 && i < c->st->nfiles; i++) {
                hf_logs_fstate *e = &c->st->files[i];
                if (e->rotated || e->seen || !same_file(&lv->sb, e) ||
                    (pass == 0 && strcmp(e->path, lv->path)))
                    continue;
                e->seen = true;
                lv->entry = (long)i;
                if (pass == 1) {
                    char *p = strdup(lv->path);
                    if (!p || hfl_event(c, HF_LOGS_EV_MOVED, e->path, lv->path) < 0) {
                        free(p);
                        return -ENOMEM;
                    }
                    free(e->path);
                    e->path = p;
                }
            }
        }
    }
    return 0;
}

/* A tracked name that now holds a directory, fifo, socket or device. */
static int replaced_by(hfl_ctx *c, const char *path, const struct stat *sb)
{
    char detail[64];

    snprintf(detail, sizeof(detail), "(replaced by a %s)", hfl_file_kind(sb->st_mode));
    return hfl_event(c, HF_LOGS_EV_VANISHED, path, detail);
}

/* Watched inodes no longer globbed: rotated by rename, or gone. */
static int plan_unclaimed(hfl_ctx *c)
{
    size_t n = c->st->nfiles;

    for (size_t i = 0; i < n; i++) {
        hf_logs_fstate *e = &c->st->files[i];
        char found[HF_PATH_MAX];
        struct stat sb;
        bool exists;
        if (e->rotated || e->seen)
            continue;
        e->seen = true;
        if (siblings(c, e->path, is_inode, e, found, sizeof(found)) && stat(found, &sb) == 0) {
            char *p = strdup(found);
            if (!p || hfl_event(c, HF_LOGS_EV_RENAMED, e->path, found) < 0 ||
                note_rotation(c, e->path) < 0) {
                free(p);
                return -ENOMEM;
            }
            e = &c->st->files[i];
            e->origin = e->path;
            e->path = p;
            e->rotated = true;
            e->avail = (uint64_t)sb.st_size;
            e->mtime_ns = mtime_ns(&sb);
            continue;
        }
        e->drop = true;
        exists = stat(e->path, &sb) == 0;
        /* (S_ISREG first: a deleted file's inode number is often reused at once) */
        if (exists && S_ISREG(sb.st_mode) && same_file(&sb, e))
            continue;           /* still there, no longer globbed (configuration changed) */
        if (exists && !S_ISREG(sb.st_mode)) {
            /* replaced by a directory, fifo...: vanished (its rotated copy,
             * if any, was looked for above); the path is NOT_REGULAR */
            if (replaced_by(c, e->path, &sb) < 0)
                return -ENOMEM;
            continue;
        }
        if (hfl_event(c, exists ? HF_LOGS_EV_REPLACED : HF_LOGS_EV_VANISHED, e->path, NULL) < 0)
            return -ENOMEM;
        if (exists && note_rotation(c, c->st->files[i].path) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* First run: start at the end; the unterminated last line (if any) is
 * classified now and held back like any partial line. */
static void position_at_end(hfl_ctx *c, hf_logs_fstate *e, const char *path)
{
    uint64_t size = e->avail, win = c->bufsz < HFL_TAIL_WINDOW ? c->bufsz : HFL_TAIL_WINDOW;
    uint64_t from = size > win ? size - win : 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    ssize_t n;
    const char *nl;

    e->offset = e->size = size;
    if (fd < 0)
        return;
    hfl_fingerprint_fd(fd, e);
    if (size && hfl_buf_ready(c) < 0) {     /* out of memory: the last line is not held back */
        close(fd);
        return;
    }
    n = size ? pread(fd, c->buf, (size_t)(size - from), (off_t)from) : 0;
    close(fd);
    if (n <= 0 || (uint64_t)n != size - from)
        return;
    c->res->bytes_read += (uint64_t)n;
    nl = memrchr(c->buf, '\n', (size_t)n);
    hf_logs_scan_reset_line(&c->scan);
    if (nl)
        hf_logs_scan_feed(&c->scan, nl + 1, (size_t)(c->buf + n - nl - 1));
    else
        hf_logs_scan_feed(&c->scan, c->buf, (size_t)n);
    e->partial = c->scan.line_len;
    e->pflags = c->scan.flags;
    hf_logs_scan_reset_line(&c->scan);
}

/* Globbed files nobody watched yet. */
static int plan_new(hfl_ctx *c)
{
    for (size_t l = 0; l < c->nlives; l++) {
        hfl_live *lv = &c->lives[l];
        long idx;
        if (lv->entry >= 0)
            continue;
        idx = add_entry(c, lv->path, &lv->sb, NULL);
        if (idx < 0)
            return (int)idx;
        lv->entry = idx;
        if (c->res->first_run && !c->cfg->read_existing) {
            position_at_end(c, &c->st->files[idx], lv->path);
            lv->entry = -2;     /* nothing to read this call */
            continue;
        }
        c->st->files[idx].size = (uint64_t)-1;      /* force a read */
        if (!c->res->first_run && !lv->rotated_here &&
            hfl_event(c, HF_LOGS_EV_NEW, lv->path, NULL) < 0)
            return -ENOMEM;
    }
    return 0;
}

/* A watched file that is shorter than our offset or starts differently. */
static int plan_truncated(hfl_ctx *c, hfl_live *lv, size_t idx)
{
    struct copy_arg a;
    hf_logs_fstate *e = &c->st->files[idx];
    bool shorter = (uint64_t)lv->sb.st_size < e->offset;
    char dummy[2];

    memset(&a, 0, sizeof(a));
    a.e = e;
    if (e->fp_len > 0)
        siblings(c, lv->path, is_copy, &a, dummy, sizeof(dummy));
    if (a.best[0]) {
        struct stat sb;
        long n;
        if (stat(a.best, &sb) < 0)
            return 0;
        n = add_entry(c, a.best, &sb, lv->path);
        if (n < 0)
            return (int)n;
        e = &c->st->files[idx];
        c->st->files[n].offset = e->offset;
        c->st->files[n].partial = e->partial;
        c->st->files[n].pflags = e->pflags;
        c->st->files[n].fp = e->fp;
        c->st->files[n].fp_len = e->fp_len;
        if (hfl_event(c, HF_LOGS_EV_COPYTRUNCATE, lv->path, a.best) < 0)
            return -ENOMEM;
    } else if (hfl_event(c, shorter ? HF_LOGS_EV_TRUNCATED : HF_LOGS_EV_REPLACED, lv->path, NULL) < 0) {
        return -ENOMEM;
    }
    if (note_rotation(c, lv->path) < 0)
        return -ENOMEM;
    e = &c->st->files[idx];
    e->offset = e->partial = 0;
    e->pflags = 0;
    e->fp = 0;
    e->fp_len = 0;
    return 0;
}

/* Watched files still under their name: what changed? */
static int plan_claimed(hfl_ctx *c)
{
    for (size_t l = 0; l < c->nlives; l++) {
        hfl_live *lv = &c->lives[l];
        hf_logs_fstate *e;
        uint64_t size = (uint64_t)lv->sb.st_size, h;
        if (lv->entry < 0)
            continue;
        e = &c->st->files[lv->entry];
        e->avail = size;
        if (e->size == (uint64_t)-1)
            continue;           /* new this call */
        if (size == e->size && mtime_ns(&lv->sb) == e->mtime_ns && e->offset >= size) {
            lv->entry = -2;     /* unchanged: one stat, no read */
            continue;
        }
        if (size < e->offset ||
            (e->fp_len > 0 && e->offset > 0 && (path_fp(lv->path, e->fp_len, &h) < 0 || h != e->fp))) {
            int r = plan_truncated(c, lv, (size_t)lv->entry);
            if (r < 0)
                return r;
        }
    }
    return 0;
}

struct inter_arg {
    const char *origin;
};

static bool is_intermediate(hfl_ctx *c, const char *path, const struct stat *sb, void *arg)
{
    struct inter_arg *a = arg;

    if (mtime_ns(sb) <= c->st->saved_ns || tracked(c, sb) || live_known(c, path, sb))
        return false;
    if (add_entry(c, path, sb, a->origin) < 0 ||
        hfl_event(c, HF_LOGS_EV_INTERMEDIATE, a->origin, path) < 0)
        return true;            /* out of memory: stop */
    return false;
}

static int plan_intermediates(hfl_ctx *c)
{
    char dummy[2];

    if (c->st->saved_ns <= 0)
        return 0;
    for (size_t i = 0; i < c->nrot; i++) {
        struct inter_arg a = {c->rot_origins[i]};
        if (siblings(c, c->rot_origins[i], is_intermediate, &a, dummy, sizeof(dummy)))
            return -ENOMEM;
    }
    return 0;
}

static int cmp_mtime(const void *a, const void *b, void *st)
{
    const hf_logs_fstate *f = ((hf_logs_state *)st)->files;
    int64_t x = f[*(const size_t *)a].mtime_ns, y = f[*(const size_t *)b].mtime_ns;

    return x < y ? -1 : x > y;
}

/* Rotated generations first (oldest first), then the live files. */
static int plan_order(hfl_ctx *c)
{
    size_t n = 0;

    c->order = malloc((c->st->nfiles + 1) * sizeof(*c->order));
    if (!c->order)
        return -ENOMEM;
    for (size_t i = 0; i < c->st->nfiles; i++)
        if (c->st->files[i].rotated && !c->st->files[i].drop)
            c->order[n++] = i;
    qsort_r(c->order, n, sizeof(*c->order), cmp_mtime, c->st);
    for (size_t l = 0; l < c->nlives; l++)
        if (c->lives[l].entry >= 0)
            c->order[n++] = (size_t)c->lives[l].entry;
    c->norder = n;
    return 0;
}

int hfl_plan(hfl_ctx *c)
{
    int r;

    c->res->first_run = !c->st->initialized;
    for (size_t i = 0; i < c->st->nfiles; i++) {
        c->st->files[i].seen = c->st->files[i].drop = false;
        c->st->files[i].avail = c->st->files[i].size;
    }
    if ((r = collect_lives(c)) < 0 || (r = plan_old_rotated(c)) < 0 || (r = plan_claim(c)) < 0 ||
        (r = plan_unclaimed(c)) < 0 || (r = plan_new(c)) < 0 || (r = plan_claimed(c)) < 0 ||
        (r = plan_intermediates(c)) < 0)
        return r;
    return plan_order(c);
}

void hfl_finish_state(hfl_ctx *c)
{
    hf_logs_state *st = c->st;

    for (size_t i = st->nfiles; i-- > 0;) {
        hf_logs_fstate *e = &st->files[i];
        if (e->drop) {
            hf_logs_state_remove(st, i);
            continue;
        }
        if (e->avail > e->offset && e->avail != (uint64_t)-1)
            c->res->backlog += e->avail - e->offset;
    }
    st->initialized = true;
    st->saved_ns = (int64_t)(hf_real_now() * 1e9);
}
