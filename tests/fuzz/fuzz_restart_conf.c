/* libFuzzer target: the restart.conf parser (hf_restart_policy_parse). Any
 * bytes are refused with a message naming the file and line, or give a
 * policy that keeps its promises: every name strict, every command an
 * absolute path whose words carry no blank and no shell syntax, the
 * {service} substitution one argv element per word, a restart order that
 * is a permutation with every dependency first, budgets within bounds. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hf_restart_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_policy(const hf_restart_policy *p)
{
    unsigned seen[HF_RESTART_SERVICES_MAX] = {0};

    if (p->nservices == 0 || p->nservices > HF_RESTART_SERVICES_MAX)
        abort();
    for (size_t i = 0; i < p->nservices; i++) {
        const hf_restart_service *s = &p->services[i];
        char **argv = NULL;
        size_t k = 0;

        if (!hf_restart_name_valid(s->name) || hf_restart_policy_find(p, s->name) != s)
            abort();
        if (s->ncommand == 0 || s->ncommand > HF_RESTART_ARGV_MAX || s->command[0][0] != '/' ||
            s->command[s->ncommand])
            abort();
        if (s->budget.attempts < 1 || s->budget.attempts > 100 || !(s->budget.window_s >= 1) ||
            s->budget.backoff_max_s < s->budget.backoff_s || !(s->timeout_s > 0) ||
            !(s->kill_after_s > 0) || s->soft_attempt < 0 || s->soft_attempt > 100 ||
            s->rank >= p->nservices || seen[s->rank]++)
            abort();
        for (size_t a = 0; a < s->nafter; a++)
            if (s->after[a] >= p->nservices || p->services[s->after[a]].rank >= s->rank)
                abort();
        if (hf_restart_argv(s, &argv) < 0)
            return;             /* out of memory only */
        for (; argv[k]; k++)
            if (strpbrk(argv[k], " \t\n;|&<>$`'\"\\") || !argv[k][0])
                abort();
        if (k != s->ncommand)
            abort();
        hf_restart_argv_free(argv);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hf_restart_policy p;
    char err[256] = "";
    int rc = hf_restart_policy_parse((const char *)data, size, "fuzz.conf", &p, err, sizeof(err));

    if (rc == 0)
        check_policy(&p);
    else if (rc != -ENOMEM && strncmp(err, "fuzz.conf", 9) != 0)
        abort();                /* every refusal names the file */
    hf_restart_policy_free(&p);
    return 0;
}
