/* hf_process_memory: the restart memory of the process probe and its state
 * file ("# helixflow-monitoring process memory v1", then one
 * "<service> <main pid> <start ticks>" line per service). */
#include "hf_process.h"
#include "hf_process_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HF_MEMORY_HEADER "# helixflow-monitoring process memory v1\n"
#define HF_MEMORY_MAX (1u << 20)

void hf_process_memory_free(hf_process_memory *mem)
{
    if (!mem)
        return;
    free(mem->entries);
    free(mem->known);
    memset(mem, 0, sizeof(*mem));
}

hf_process_memory_entry *hf_process_memory_entry_find(hf_process_memory *mem, const char *name)
{
    for (size_t i = 0; i < mem->n; i++)
        if (strcmp(mem->entries[i].name, name) == 0)
            return &mem->entries[i];
    return NULL;
}

hf_process_memory_entry *hf_process_memory_entry_get(hf_process_memory *mem, const char *name,
                                                     bool *added)
{
    *added = false;
    for (size_t i = 0; i < mem->n; i++)
        if (strcmp(mem->entries[i].name, name) == 0)
            return &mem->entries[i];
    if (hf_array_reserve(&mem->entries, &mem->cap, mem->n, sizeof(*mem->entries), 8) < 0)
        return NULL;
    *added = true;
    memset(&mem->entries[mem->n], 0, sizeof(mem->entries[mem->n]));
    hf_strlcpy(mem->entries[mem->n].name, name, sizeof(mem->entries[mem->n].name));
    return &mem->entries[mem->n++];
}

static int memory_set(hf_process_memory *mem, const char *name, pid_t pid, unsigned long long ticks)
{
    bool added;
    hf_process_memory_entry *e = hf_process_memory_entry_get(mem, name, &added);

    if (!e)
        return -ENOMEM;
    e->main_pid = pid;
    e->start_ticks = ticks;
    return 0;
}

/* One "name pid ticks" line. 0, -EINVAL or -ENOMEM. */
static int memory_line(hf_process_memory *mem, const char *line)
{
    char name[HF_PROCESS_NAME_MAX + 1], extra;
    long long pid;
    unsigned long long ticks;

    if (sscanf(line, "%64s %lld %llu %c", name, &pid, &ticks, &extra) != 3 ||
        strlen(name) >= HF_PROCESS_NAME_MAX || pid < 0 || pid > 0x7fffffff)
        return -EINVAL;
    return memory_set(mem, name, (pid_t)pid, ticks);
}

int hf_process_memory_load(hf_process_memory *mem, const char *path, char *err, size_t errlen)
{
    char *text = NULL, *line, *next;
    long len = hf_sealed_read(path, HF_MEMORY_MAX, &text, err, errlen);
    size_t lineno = 0;
    int rc = 0;

    if (len == -ENOENT)
        return 0;
    if (len < 0)
        return (int)len;
    for (line = text; line && *line && rc == 0; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        lineno++;
        if (*line == '#' || *line == '\0')
            continue;
        rc = memory_line(mem, line);
        if (rc == -EINVAL)
            hf_err_set(err, errlen, "%s:%zu: not a \"service pid ticks\" line", path, lineno);
        else if (rc < 0)
            hf_err_set(err, errlen, "%s: out of memory", path);
    }
    free(text);
    return rc;
}

int hf_process_memory_save(const hf_process_memory *mem, const char *path, char *err, size_t errlen)
{
    hf_buf b = {0};
    int rc;

    hf_buf_printf(&b, "%s", HF_MEMORY_HEADER);
    for (size_t i = 0; i < mem->n; i++)
        hf_buf_printf(&b, "%s %d %llu\n", mem->entries[i].name, (int)mem->entries[i].main_pid,
                      mem->entries[i].start_ticks);
    hf_seal_append(&b);
    if (b.oom) {
        hf_buf_free(&b);
        hf_err_set(err, errlen, "%s: out of memory", path);
        return -ENOMEM;
    }
    rc = hf_file_write_atomic(path, b.s, b.len, err, errlen);
    hf_buf_free(&b);
    return rc;
}
