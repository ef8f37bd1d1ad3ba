/* hf_prom_state: the API statistics state kept between runs in a small text
 * file (see hf_prom_stats.h).
 *
 *   helixflow-prom-state 1
 *   time 1718000000.25
 *   requests 15260
 *   errors 60
 *   tokens 1000000            (only when a token counter was seen)
 *   dur 0.005 152             (duration histogram: le count, ascending)
 *   dur +Inf 15260
 *   ttft 0.01 40              (time-to-first-token histogram)
 */
#include "hf_prom_stats.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROM_STATE_MAGIC "helixflow-prom-state 1"
#define PROM_STATE_MAX (64 * 1024)

static void prom_state_hist(FILE *f, const char *key, const hf_prom_hist *h)
{
    for (size_t i = 0; i < h->n; i++) {
        if (isinf(h->le[i]))
            fprintf(f, "%s +Inf %.17g\n", key, h->count[i]);
        else
            fprintf(f, "%s %.17g %.17g\n", key, h->le[i], h->count[i]);
    }
}

int hf_prom_api_state_save(const hf_prom_api_state *st, const char *path, char *err, size_t n)
{
    char tmp[HF_PATH_MAX];
    FILE *f;
    int fd, r = 0;

    if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= sizeof(tmp)) {
        hf_err_set(err, n, "%s: path too long", path);
        return -ENAMETOOLONG;
    }
    if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
        r = -errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        hf_err_set(err, n, "%s: cannot write: %s", path, strerror(-r));
        return r;
    }
    fprintf(f, "%s\ntime %.17g\nrequests %.17g\nerrors %.17g\n", PROM_STATE_MAGIC, st->time,
            st->requests, st->errors);
    if (st->has_tokens)
        fprintf(f, "tokens %.17g\n", st->tokens);
    prom_state_hist(f, "dur", &st->dur);
    prom_state_hist(f, "ttft", &st->ttft);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        r = -errno;
    if (fclose(f) != 0 && !r)
        r = -errno;
    if (!r && rename(tmp, path) < 0)
        r = -errno;
    if (r) {
        unlink(tmp);
        hf_err_set(err, n, "%s: cannot write: %s", path, strerror(-r));
    }
    return r;
}

/* "le count" into h (ascending le, +Inf allowed for le only). */
static int prom_state_bucket(hf_prom_hist *h, char *args)
{
    char *sp = strchr(args, ' ');
    double le, c;

    if (!sp)
        return -EINVAL;
    *sp = '\0';
    if (strcmp(args, "+Inf") == 0)
        le = INFINITY;
    else if (hf_parse_double(args, &le) < 0)
        return -EINVAL;
    if (hf_parse_double(sp + 1, &c) < 0 || c < 0)
        return -EINVAL;
    if (h->n == HF_PROM_MAX_BUCKETS || (h->n && !(le > h->le[h->n - 1])))
        return -EINVAL;
    h->le[h->n] = le;
    h->count[h->n] = c;
    h->n++;
    return 0;
}

static int prom_state_line(hf_prom_api_state *st, char *line, unsigned *seen)
{
    char *sp = strchr(line, ' ');
    double v;

    if (!sp)
        return -EINVAL;
    *sp++ = '\0';
    if (strcmp(line, "dur") == 0)
        return prom_state_bucket(&st->dur, sp);
    if (strcmp(line, "ttft") == 0)
        return prom_state_bucket(&st->ttft, sp);
    if (hf_parse_double(sp, &v) < 0)
        return -EINVAL;
    if (strcmp(line, "time") == 0)
        st->time = v, *seen |= 1;
    else if (strcmp(line, "requests") == 0)
        st->requests = v, *seen |= 2;
    else if (strcmp(line, "errors") == 0)
        st->errors = v, *seen |= 4;
    else if (strcmp(line, "tokens") == 0)
        st->tokens = v, st->has_tokens = true;
    else
        return -EINVAL;
    return 0;
}

int hf_prom_api_state_load(hf_prom_api_state *st, const char *path, char *err, size_t n)
{
    char *buf = NULL, *line, *save = NULL;
    long len;
    unsigned seen = 0, lineno = 0;
    int r = 0;

    memset(st, 0, sizeof(*st));
    if ((len = hf_file_read(path, PROM_STATE_MAX, &buf)) < 0) {
        if (len != -ENOENT)
            hf_err_set(err, n, "%s: %s", path, strerror((int)-len));
        else
            hf_err_set(err, n, "%s: no previous state", path);
        return (int)len;
    }
    if (strlen(buf) != (size_t)len) {
        free(buf);
        hf_err_set(err, n, "%s: not a state file (NUL byte)", path);
        return -EINVAL;
    }
    for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        if (lineno == 1 ? strcmp(line, PROM_STATE_MAGIC) != 0 : prom_state_line(st, line, &seen) < 0) {
            hf_err_set(err, n, "%s line %u: not a state line", path, lineno);
            r = -EINVAL;
            break;
        }
    }
    free(buf);
    if (!r && seen != 7) {
        hf_err_set(err, n, "%s: incomplete state (time, requests and errors needed)", path);
        r = -EINVAL;
    }
    if (r) {
        memset(st, 0, sizeof(*st));
        return r;
    }
    st->valid = true;
    return 0;
}
