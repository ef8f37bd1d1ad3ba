/* hf_process_cgroup: a systemd unit's processes from its cgroup.procs.
 *
 * No tree walk: the unit directory is looked up in a fixed, short list of
 * places (an optional configured directory, then the mount's system.slice,
 * the hybrid layouts' unified/ and systemd/ system.slice, then the mount
 * itself), i.e. at most five failed open() calls per service. */
#include "hf_process_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_defaults.h"

#define HF_CGROUP_PROCS_MAX (1u << 20)

/* Append every pid of a cgroup.procs text to set. Returns the count or -EINVAL. */
static int parse_procs(const char *text, hf_proc_set *set)
{
    int n = 0;

    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[32];
        pid_t pid;

        if (len > 0) {
            if (len >= sizeof(line))
                return -EINVAL;
            memcpy(line, p, len);
            line[len] = '\0';
            if (hf_proc_parse_pid(line, &pid) < 0)
                return -EINVAL;
            if (hf_proc_set_add_pid(set, pid) < 0)
                return -ENOMEM;
            n++;
        }
        p += len + (nl ? 1 : 0);
    }
    return n;
}

int hf_proc_cgroup_pids(const hf_process_cfg *cfg, const char *unit, char *path, size_t n,
                        hf_proc_set *set)
{
    const char *mount = cfg->cgroup_mount ? cfg->cgroup_mount : HF_DEFAULT_CGROUP_MOUNT;
    const char *subdirs[] = {"/system.slice", "/unified/system.slice", "/systemd/system.slice", ""};
    char cand[HF_PATH_MAX];
    int rc;

    for (size_t i = 0; i < HF_ARRAY_SIZE(subdirs) + 1; i++) {
        char *text = NULL;
        long len;

        if (i == 0) {
            if (!cfg->cgroup_path || !*cfg->cgroup_path)
                continue;
            rc = snprintf(cand, sizeof(cand), "%s/%s/cgroup.procs", cfg->cgroup_path, unit);
        } else {
            rc = snprintf(cand, sizeof(cand), "%s%s/%s/cgroup.procs", mount, subdirs[i - 1], unit);
        }
        if (rc < 0 || (size_t)rc >= sizeof(cand))
            return -ENAMETOOLONG;
        len = hf_file_read(cand, HF_CGROUP_PROCS_MAX, &text);
        if (len == -ENOENT || len == -ENOTDIR)
            continue;
        hf_strlcpy(path, cand, n);
        if (len < 0)
            return (int)len;
        rc = parse_procs(text, set);
        free(text);
        return rc;
    }
    return -ENOENT;
}
