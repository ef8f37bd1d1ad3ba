/* hf_restart_policy: the restart.conf parser. See hf_restart_policy.h. */
#include "hf_restart_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hf_defaults.h"

#define LINE_MAX_LEN 1024
#define WORD_MAX_LEN 1024
#define SECTIONS_MAX HF_RESTART_SERVICES_MAX

enum { K_SERVICES, K_COMMAND, K_ATTEMPTS, K_WINDOW, K_BACKOFF, K_BACKOFF_MAX, K_RESET,
       K_TIMEOUT, K_KILL_AFTER, K_VERIFY, K_AFTER, K_SOFT_ATTEMPT, K_N };
enum { T_NAMES, T_COMMAND, T_LONG, T_DURATION };

static const struct key_def {
    const char *name;
    int type;
    double min, max;
    bool global, section;
} keys[K_N] = {
    [K_SERVICES] = {"services", T_NAMES, 0, 0, true, false},
    [K_COMMAND] = {"command", T_COMMAND, 0, 0, true, true},
    [K_ATTEMPTS] = {"attempts", T_LONG, 1, 100, true, true},
    [K_WINDOW] = {"window", T_DURATION, 1, 86400, true, true},
    [K_BACKOFF] = {"backoff", T_DURATION, 0, 86400, true, true},
    [K_BACKOFF_MAX] = {"backoff-max", T_DURATION, 0, 86400, true, true},
    [K_RESET] = {"reset-after", T_DURATION, 0, 7 * 86400, true, true},
    [K_TIMEOUT] = {"timeout", T_DURATION, 0.1, 3600, true, true},
    [K_KILL_AFTER] = {"kill-after", T_DURATION, 0.1, 600, true, true},
    [K_VERIFY] = {"verify", T_DURATION, 0, 3600, true, true},
    [K_AFTER] = {"after", T_NAMES, 0, 0, false, true},
    [K_SOFT_ATTEMPT] = {"soft-attempt", T_LONG, 0, 100, true, true},
};

/* The keys given in one place (the global part or a section). */
typedef struct place {
    char name[HF_RESTART_NAME_MAX];     /* section name; "" global */
    unsigned line;                      /* of its header */
    unsigned lines[K_N];                /* where each key was given; 0: not */
    double num[K_N];
    char **words[K_N];                  /* services, command, after: owned */
    size_t nwords[K_N];
} place;

typedef struct parser {
    const char *name;
    char *err;
    size_t errn;
    place global;
    place *sec;                         /* owned, nsec */
    size_t nsec;
} parser;

bool hf_restart_name_valid(const char *name)
{
    size_t len;

    if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= '0' && name[0] <= '9')))
        return false;
    len = strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-");
    return name[len] == '\0' && len < HF_RESTART_NAME_MAX && !strstr(name, "..");
}

static int perr(parser *ps, unsigned line, const char *fmt, ...) HF_PRINTF(3, 4);
static int perr(parser *ps, unsigned line, const char *fmt, ...)
{
    char msg[HF_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (line)
        hf_err_set(ps->err, ps->errn, "%s:%u: %s", ps->name, line, msg);
    else
        hf_err_set(ps->err, ps->errn, "%s: %s", ps->name, msg);
    return -EINVAL;
}

static void words_free(char **w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(w[i]);
    free(w);
}

static void place_free(place *p)
{
    for (int k = 0; k < K_N; k++)
        words_free(p->words[k], p->nwords[k]);
    memset(p, 0, sizeof(*p));
}

/* Split value on blanks into malloc'd words (NULL-terminated). */
static int split(parser *ps, unsigned line, char *value, char ***out, size_t *nout)
{
    char **w = calloc(HF_RESTART_SERVICES_MAX + 1, sizeof(*w));
    char *save = NULL;
    size_t n = 0;

    if (!w)
        return -ENOMEM;
    for (char *tok = strtok_r(value, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
        if (n == HF_RESTART_SERVICES_MAX) {
            words_free(w, n);
            return perr(ps, line, "more than %d words", HF_RESTART_SERVICES_MAX);
        }
        if (strlen(tok) >= WORD_MAX_LEN || !(w[n] = strdup(tok))) {
            words_free(w, n);
            return strlen(tok) >= WORD_MAX_LEN ? perr(ps, line, "a word longer than %d bytes",
                                                      WORD_MAX_LEN - 1) : -ENOMEM;
        }
        n++;
    }
    *out = w;
    *nout = n;
    return 0;
}

static int check_names(parser *ps, unsigned line, const char *key, char **w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!hf_restart_name_valid(w[i]))
            return perr(ps, line, "%s: '%s' is not a service name ([a-z0-9][a-z0-9_.-]*, "
                        "at most %d bytes, no '..')", key, w[i], HF_RESTART_NAME_MAX - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(w[i], w[j]) == 0)
                return perr(ps, line, "%s: '%s' is listed twice", key, w[i]);
    }
    return 0;
}

static int check_command(parser *ps, unsigned line, char **w, size_t n)
{
    if (n == 0)
        return perr(ps, line, "command: empty");
    if (n > HF_RESTART_ARGV_MAX)
        return perr(ps, line, "command: more than %d words", HF_RESTART_ARGV_MAX);
    if (w[0][0] != '/')
        return perr(ps, line, "command: '%s' is not an absolute path (it is exec'd, no PATH "
                    "search)", w[0]);
    for (size_t i = 0; i < n; i++) {
        const char *bad = strpbrk(w[i], ";|&<>$`'\"\\");
        const char *brace = w[i];

        if (bad)
            return perr(ps, line, "command: '%c' in '%s': the command is exec'd as words, "
                        "without a shell (no quoting, no shell syntax); write a script",
                        *bad, w[i]);
        while ((brace = strpbrk(brace, "{}"))) {
            if (strncmp(brace, "{service}", 9) != 0)
                return perr(ps, line, "command: '%s': the only placeholder is {service}", w[i]);
            brace += 9;
        }
    }
    return 0;
}

static int parse_duration(const char *v, double *out)
{
    char num[64];
    size_t len = strlen(v);
    double mult = 1;

    if (len == 0 || len >= sizeof(num))
        return -EINVAL;
    memcpy(num, v, len + 1);
    switch (num[len - 1]) {
    case 's': mult = 1; num[--len] = '\0'; break;
    case 'm': mult = 60; num[--len] = '\0'; break;
    case 'h': mult = 3600; num[--len] = '\0'; break;
    case 'd': mult = 86400; num[--len] = '\0'; break;
    default: break;
    }
    if (len == 0 || strspn(num, "0123456789.") != len || hf_parse_double(num, out) < 0)
        return -EINVAL;
    *out *= mult;
    return 0;
}

static int set_key(parser *ps, place *pl, unsigned line, char *key, char *value)
{
    int k, rc;
    const struct key_def *d;

    for (k = 0; k < K_N && strcmp(keys[k].name, key) != 0; k++)
        ;
    if (k == K_N)
        return perr(ps, line, "unknown key '%s'", key);
    d = &keys[k];
    if (pl->name[0] ? !d->section : !d->global)
        return perr(ps, line, pl->name[0] ? "'%s' belongs before the first section"
                                          : "'%s' belongs in a [service] section", key);
    if (pl->lines[k])
        return perr(ps, line, "'%s' given twice (first on line %u)", key, pl->lines[k]);
    pl->lines[k] = line;
    if (d->type == T_NAMES || d->type == T_COMMAND) {
        if ((rc = split(ps, line, value, &pl->words[k], &pl->nwords[k])) < 0)
            return rc;
        if (d->type == T_COMMAND)
            return check_command(ps, line, pl->words[k], pl->nwords[k]);
        if (k == K_SERVICES && pl->nwords[k] == 0)
            return perr(ps, line, "services: empty (nothing could be restarted)");
        return check_names(ps, line, key, pl->words[k], pl->nwords[k]);
    }
    if (d->type == T_LONG) {
        long v;
        if (hf_parse_long(value, &v) < 0 || v < d->min || v > d->max)
            return perr(ps, line, "%s: '%s' is not a whole number from %.0f to %.0f", key, value,
                        d->min, d->max);
        pl->num[k] = (double)v;
        return 0;
    }
    if (parse_duration(value, &pl->num[k]) < 0 || pl->num[k] < d->min || pl->num[k] > d->max)
        return perr(ps, line, "%s: '%s' is not a duration from %gs to %gs (a number of "
                    "seconds, or with s, m, h, d)", key, value, d->min, d->max);
    return 0;
}

static char *trim(char *s)
{
    char *e;

    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

static int section(parser *ps, unsigned line, char *s, place **cur)
{
    char *end = strchr(s, ']');
    char *name;
    place *grown;

    if (!end || trim(end + 1)[0])
        return perr(ps, line, "a section is '[service-name]' alone on its line");
    *end = '\0';
    name = trim(s + 1);
    if (!hf_restart_name_valid(name))
        return perr(ps, line, "[%s]: not a service name ([a-z0-9][a-z0-9_.-]*, no '..')", name);
    for (size_t i = 0; i < ps->nsec; i++)
        if (strcmp(ps->sec[i].name, name) == 0)
            return perr(ps, line, "[%s] given twice (first on line %u)", name, ps->sec[i].line);
    if (ps->nsec == SECTIONS_MAX)
        return perr(ps, line, "more than %d sections", SECTIONS_MAX);
    if (!(grown = realloc(ps->sec, (ps->nsec + 1) * sizeof(*ps->sec))))
        return -ENOMEM;
    ps->sec = grown;
    *cur = &ps->sec[ps->nsec++];
    memset(*cur, 0, sizeof(**cur));
    hf_strlcpy((*cur)->name, name, sizeof((*cur)->name));
    (*cur)->line = line;
    return 0;
}

static int parse_line(parser *ps, unsigned line, char *s, place **cur)
{
    char *eq, *key;

    for (const char *c = s; *c; c++)      /* tab, and CR ending the line, are blanks */
        if (((unsigned char)*c < 0x20 || *c == 0x7f) && *c != '\t' && !(*c == '\r' && !c[1]))
            return perr(ps, line, "a control character (0x%02x)", (unsigned)(unsigned char)*c);
    s = trim(s);
    if (!*s || *s == '#')
        return 0;
    if (*s == '[')
        return section(ps, line, s, cur);
    if (!(eq = strchr(s, '=')))
        return perr(ps, line, "not 'key = value' or '[service]'");
    *eq = '\0';
    key = trim(s);
    if (!*key)
        return perr(ps, line, "a value without a key");
    return set_key(ps, *cur, line, key, trim(eq + 1));
}

/* The value of key k for section sec (NULL: global), else the default. */
static const place *knob(const parser *ps, const place *sec, int k)
{
    return sec && sec->lines[k] ? sec : ps->global.lines[k] ? &ps->global : NULL;
}

static double num_of(const parser *ps, const place *sec, int k, double dflt)
{
    const place *p = knob(ps, sec, k);
    return p ? p->num[k] : dflt;
}

static const place *find_section(const parser *ps, const char *name)
{
    for (size_t i = 0; i < ps->nsec; i++)
        if (strcmp(ps->sec[i].name, name) == 0)
            return &ps->sec[i];
    return NULL;
}

static long index_of(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (long)i;
    return -1;
}

static int build_service(parser *ps, hf_restart_policy *p, size_t i, char **dflt_cmd, size_t ndflt)
{
    char **names = ps->global.words[K_SERVICES];
    size_t nnames = ps->global.nwords[K_SERVICES];
    hf_restart_service *s = &p->services[i];
    const place *sec = find_section(ps, names[i]), *cmd = knob(ps, sec, K_COMMAND), *af;
    char **words = cmd ? cmd->words[K_COMMAND] : dflt_cmd;
    size_t nw = cmd ? cmd->nwords[K_COMMAND] : ndflt;

    hf_strlcpy(s->name, names[i], sizeof(s->name));
    if (!(s->command = calloc(nw + 1, sizeof(*s->command))))
        return -ENOMEM;
    for (size_t w = 0; w < nw; w++)
        if (!(s->command[w] = strdup(words[w])))
            return -ENOMEM;
    s->ncommand = nw;
    s->timeout_s = num_of(ps, sec, K_TIMEOUT, HF_DEFAULT_RESTART_TIMEOUT_S);
    s->kill_after_s = num_of(ps, sec, K_KILL_AFTER, HF_DEFAULT_RESTART_KILL_AFTER_S);
    s->verify_s = num_of(ps, sec, K_VERIFY, HF_DEFAULT_RESTART_VERIFY_S);
    s->budget.attempts = (long)num_of(ps, sec, K_ATTEMPTS, HF_DEFAULT_RESTART_ATTEMPTS);
    s->budget.window_s = num_of(ps, sec, K_WINDOW, HF_DEFAULT_RESTART_WINDOW_S);
    s->budget.backoff_s = num_of(ps, sec, K_BACKOFF, HF_DEFAULT_RESTART_BACKOFF_S);
    s->budget.backoff_max_s = num_of(ps, sec, K_BACKOFF_MAX, HF_DEFAULT_RESTART_BACKOFF_MAX_S);
    s->budget.reset_s = num_of(ps, sec, K_RESET, HF_DEFAULT_RESTART_RESET_S);
    s->soft_attempt = (long)num_of(ps, sec, K_SOFT_ATTEMPT, 0);
    if (s->budget.backoff_max_s < s->budget.backoff_s) {
        const place *bm = knob(ps, sec, K_BACKOFF_MAX), *b = knob(ps, sec, K_BACKOFF);
        return perr(ps, bm ? bm->lines[K_BACKOFF_MAX] : b ? b->lines[K_BACKOFF] : 0,
                    "%s: backoff-max (%gs) is less than backoff (%gs)", s->name,
                    s->budget.backoff_max_s, s->budget.backoff_s);
    }
    if ((af = sec && sec->lines[K_AFTER] ? sec : NULL)) {
        for (size_t a = 0; a < af->nwords[K_AFTER]; a++) {
            long j = index_of(names, nnames, af->words[K_AFTER][a]);
            if (j < 0)
                return perr(ps, af->lines[K_AFTER], "after: '%s' is not in services",
                            af->words[K_AFTER][a]);
            if ((size_t)j == i)
                return perr(ps, af->lines[K_AFTER], "after: %s cannot come after itself", s->name);
            s->after[s->nafter++] = (size_t)j;
        }
    } else if (strcmp(s->name, "api-gateway") == 0 || strcmp(s->name, "api-gateway-grpc") == 0) {
        static const char *const deps[] = {"auth-service", "inference-pool"};
        for (size_t a = 0; a < HF_ARRAY_SIZE(deps); a++) {
            long j = index_of(names, nnames, deps[a]);
            if (j >= 0)
                s->after[s->nafter++] = (size_t)j;
        }
    }
    return 0;
}

/* Kahn's algorithm, ties in services order; a cycle is an error. */
static int rank_services(parser *ps, hf_restart_policy *p)
{
    bool done[HF_RESTART_SERVICES_MAX] = {false};

    for (unsigned r = 0; r < p->nservices; r++) {
        size_t pick = p->nservices;
        for (size_t i = 0; i < p->nservices && pick == p->nservices; i++) {
            bool ready = !done[i];
            for (size_t a = 0; ready && a < p->services[i].nafter; a++)
                ready = done[p->services[i].after[a]];
            if (ready)
                pick = i;
        }
        if (pick == p->nservices) {     /* name the first one whose after line is in it */
            size_t bad = p->nservices;
            const place *sec = NULL;
            for (size_t i = 0; i < p->nservices; i++) {
                const place *si = find_section(ps, p->services[i].name);
                if (done[i])
                    continue;
                if (bad == p->nservices || (!sec && si && si->lines[K_AFTER])) {
                    bad = i;
                    sec = si && si->lines[K_AFTER] ? si : NULL;
                }
            }
            return perr(ps, sec ? sec->lines[K_AFTER] : 0, "after: a dependency cycle through %s",
                        p->services[bad].name);
        }
        done[pick] = true;
        p->services[pick].rank = r;
    }
    return 0;
}

static int finish(parser *ps, hf_restart_policy *p)
{
    char dflt[] = HF_DEFAULT_RESTART_COMMAND;
    char **dcmd = NULL;
    size_t ndcmd = 0, nnames = ps->global.nwords[K_SERVICES];
    int rc;

    if (!ps->global.lines[K_SERVICES])
        return perr(ps, 0, "no 'services =' line: nothing may be restarted");
    for (size_t i = 0; i < ps->nsec; i++)
        if (index_of(ps->global.words[K_SERVICES], nnames, ps->sec[i].name) < 0)
            return perr(ps, ps->sec[i].line, "[%s] is not in services", ps->sec[i].name);
    if ((rc = split(ps, 0, dflt, &dcmd, &ndcmd)) < 0)
        return rc;
    if (!(p->services = calloc(nnames, sizeof(*p->services)))) {
        words_free(dcmd, ndcmd);
        return -ENOMEM;
    }
    p->nservices = nnames;
    for (size_t i = 0; i < nnames && rc == 0; i++)
        rc = build_service(ps, p, i, dcmd, ndcmd);
    words_free(dcmd, ndcmd);
    return rc < 0 ? rc : rank_services(ps, p);
}

int hf_restart_policy_parse(const char *text, size_t len, const char *name,
                            hf_restart_policy *p, char *err, size_t n)
{
    parser ps = {.name = name && name[0] ? name : "restart.conf", .err = err, .errn = n};
    place *cur = &ps.global;
    char buf[LINE_MAX_LEN + 2];
    unsigned line = 0;
    int rc = 0;

    memset(p, 0, sizeof(*p));
    for (size_t pos = 0; pos < len && rc == 0;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;

        line++;
        if (ll > LINE_MAX_LEN)
            rc = perr(&ps, line, "longer than %d bytes", LINE_MAX_LEN);
        else if (memchr(text + pos, '\0', ll))
            rc = perr(&ps, line, "a NUL byte");
        else {
            memcpy(buf, text + pos, ll);
            buf[ll] = '\0';
            rc = parse_line(&ps, line, buf, &cur);
        }
        pos += ll + 1;
    }
    if (rc == 0)
        rc = finish(&ps, p);
    if (rc == -ENOMEM)
        hf_err_set(err, n, "%s: out of memory", ps.name);
    place_free(&ps.global);
    for (size_t i = 0; i < ps.nsec; i++)
        place_free(&ps.sec[i]);
    free(ps.sec);
    if (rc < 0)
        hf_restart_policy_free(p);
    return rc;
}

void hf_restart_policy_free(hf_restart_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->nservices; i++)
        words_free(p->services[i].command, p->services[i].ncommand);
    free(p->services);
    memset(p, 0, sizeof(*p));
}

const hf_restart_service *hf_restart_policy_find(const hf_restart_policy *p, const char *name)
{
    if (!p || !name)
        return NULL;
    for (size_t i = 0; i < p->nservices; i++)
        if (strcmp(p->services[i].name, name) == 0)
            return &p->services[i];
    return NULL;
}

int hf_restart_argv(const hf_restart_service *s, char ***argv)
{
    char **v = calloc(s->ncommand + 1, sizeof(*v));

    *argv = NULL;
    if (!v)
        return -ENOMEM;
    for (size_t i = 0; i < s->ncommand; i++) {
        hf_buf b = {0};
        const char *w = s->command[i], *ph;

        while ((ph = strstr(w, "{service}"))) {
            hf_buf_append(&b, w, (size_t)(ph - w));
            hf_buf_append(&b, s->name, strlen(s->name));
            w = ph + 9;
        }
        hf_buf_append(&b, w, strlen(w));
        if (b.oom || !b.s) {
            hf_buf_free(&b);
            hf_restart_argv_free(v);
            return -ENOMEM;
        }
        v[i] = b.s;
    }
    *argv = v;
    return 0;
}

void hf_restart_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

/* sudo's rule for sudoers: owned by root or us, not writable by group or others. */
static int check_owner_mode(const char *what, const char *path, const struct stat *st, char *err,
                            size_t n)
{
    if (st->st_uid != 0 && st->st_uid != geteuid()) {
        hf_err_set(err, n, "%s %s: owned by uid %ld, not by root or us (uid %ld): refused", what,
                   path, (long)st->st_uid, (long)geteuid());
        return -EPERM;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        hf_err_set(err, n, "%s %s: writable by %s (mode %04o): refused; chmod go-w it", what,
                   path, st->st_mode & S_IWOTH ? "other users" : "its group",
                   (unsigned)(st->st_mode & 07777));
        return -EPERM;
    }
    return 0;
}

int hf_restart_policy_load(const char *path, hf_restart_policy *p, char *err, size_t n)
{
    char dir[HF_PATH_MAX], *slash, *text = NULL;
    struct stat st;
    ssize_t got;
    size_t len = 0;
    int fd, rc;

    memset(p, 0, sizeof(*p));
    if (!path || !path[0])
        path = HF_DEFAULT_RESTART_CONF;
    if (hf_strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
        hf_err_set(err, n, "restart policy: path too long");
        return -ENAMETOOLONG;
    }
    slash = strrchr(dir, '/');
    if (!slash)
        hf_strlcpy(dir, ".", sizeof(dir));
    else
        slash[slash == dir] = '\0';     /* "/x.conf": the directory is "/" */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        rc = -errno;
        hf_err_set(err, n, "restart policy %s: %s%s", path,
                   rc == -ELOOP ? "is a symbolic link: refused" : strerror(-rc),
                   rc == -ENOENT ? ": no restart policy, nothing is restarted" : "");
        return rc;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        hf_err_set(err, n, "restart policy %s: not a regular file: refused", path);
        return -EINVAL;
    }
    if ((rc = check_owner_mode("restart policy", path, &st, err, n)) < 0) {
        close(fd);
        return rc;
    }
    if (stat(dir, &st) < 0 || (rc = check_owner_mode("restart policy directory", dir, &st, err,
                                                     n)) < 0) {
        if (rc == 0) {
            rc = -errno;
            hf_err_set(err, n, "restart policy directory %s: %s", dir, strerror(-rc));
        }
        close(fd);
        return rc;
    }
    if (!(text = malloc(HF_RESTART_CONF_MAX + 1))) {
        close(fd);
        return -ENOMEM;
    }
    while ((got = read(fd, text + len, HF_RESTART_CONF_MAX + 1 - len)) > 0 &&
           (len += (size_t)got) <= HF_RESTART_CONF_MAX)
        ;
    rc = got < 0 ? -errno : 0;
    close(fd);
    if (rc == 0 && len > HF_RESTART_CONF_MAX) {
        hf_err_set(err, n, "restart policy %s: larger than %d bytes: refused", path,
                   HF_RESTART_CONF_MAX);
        rc = -EFBIG;
    } else if (rc < 0) {
        hf_err_set(err, n, "restart policy %s: %s", path, strerror(-rc));
    } else {
        rc = hf_restart_policy_parse(text, len, path, p, err, n);
    }
    free(text);
    if (rc == 0)
        hf_strlcpy(p->path, path, sizeof(p->path));
    return rc;
}
