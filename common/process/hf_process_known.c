/* hf_process_known: the pids the last full /proc scan found, re-checked by
 * a long-running front-end's probe instead of scanning again (see
 * hf_process_known in hf_process.h). */
#include <stdlib.h>
#include <string.h>

#include "hf_defaults.h"
#include "hf_process_int.h"

uint64_t hf_process_known_key(const hf_process_cfg *cfg, const hf_process_result *res,
                              const bool *settled)
{
    uint64_t h = hf_hash64("known", 5, 0);

    for (size_t i = 0; i < res->nservices; i++) {
        if (settled[i])
            continue;
        if (cfg->services[i].pidfile)
            return 0;           /* a pidfile names its main pid each time: always scan */
        h = hf_hash64(&i, sizeof(i), h);
        h = hf_hash64(res->services[i].name, strlen(res->services[i].name) + 1, h);
        h = hf_hash64(res->services[i].exe, strlen(res->services[i].exe) + 1, h);
    }
    return h ? h : 1;
}

bool hf_process_known_use(const hf_process_memory *mem, uint64_t key, const bool *settled, size_t n,
                          hf_proc_set *sets)
{
    bool have[HF_PROCESS_MAX_SERVICES] = {false};

    if (!mem || !key || mem->known_key != key || !mem->nknown ||
        hf_mono_now() - mem->known_at >= HF_PROCESS_RESCAN_S)
        return false;
    for (size_t k = 0; k < mem->nknown; k++)
        if ((size_t)mem->known[k].svc < n)
            have[mem->known[k].svc] = true;
    for (size_t i = 0; i < n; i++)
        if (!settled[i] && !have[i])
            return false;       /* found down last time: look for its return */
    for (size_t k = 0; k < mem->nknown; k++)
        if (hf_proc_set_add_pid(&sets[mem->known[k].svc], mem->known[k].pid) < 0)
            return false;
    return true;
}

bool hf_process_known_hold(const hf_process_memory *mem, const bool *settled, size_t n,
                           const hf_proc_set *sets)
{
    size_t count = 0;

    for (size_t i = 0; i < n; i++)
        if (!settled[i])
            count += sets[i].n;
    if (count != mem->nknown)
        return false;           /* one vanished (or is a zombie): scan */
    for (size_t k = 0; k < mem->nknown; k++) {
        const hf_proc_set *s = &sets[mem->known[k].svc];
        bool same = false;
        for (size_t j = 0; j < s->n && !same; j++)
            same = s->v[j].pid == mem->known[k].pid && s->v[j].st.starttime == mem->known[k].start_ticks;
        if (!same)
            return false;       /* the pid was reused */
    }
    return true;
}

void hf_process_known_save(hf_process_memory *mem, uint64_t key, const bool *settled, size_t n,
                           const hf_proc_set *sets)
{
    mem->nknown = 0;
    mem->known_key = 0;
    for (size_t i = 0; i < n; i++)
        if (!settled[i] && sets[i].argv0)
            return;             /* identified by argv[0] only: not exact enough to skip scans */
    for (size_t i = 0; key && i < n; i++) {
        if (settled[i])
            continue;
        for (size_t j = 0; j < sets[i].n; j++) {
            if (hf_array_reserve(&mem->known, &mem->capknown, mem->nknown, sizeof(*mem->known), 16) < 0) {
                mem->nknown = 0;
                return;
            }
            mem->known[mem->nknown++] = (hf_process_known){
                .svc = (int)i, .pid = sets[i].v[j].pid, .start_ticks = sets[i].v[j].st.starttime};
        }
    }
    mem->known_key = key;
    mem->known_at = hf_mono_now();
}
