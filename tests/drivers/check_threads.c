/* check_threads: two threads evaluate differently configured instances of
 * every check kind at the same time, as collectd's read threads will.
 *
 *   check_threads ITERATIONS -- A-ARGS... -- B-ARGS...
 *
 * Each ARG is CHECK=ARGUMENT (as check_helixflow's --arg) and applies to
 * that kind in that thread's instance only. Per thread and kind, even
 * iterations use the one-shot run (state file: load, lock, save) and odd
 * ones an in-memory state kept by the thread. Prints one line per thread
 * and kind with the last state and the state file it used; exits 1 when a
 * report was out of memory or both threads' instances of a kind named the
 * same state file. Run under ASan and helgrind by check_threads.sh. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hf_check.h"
#include "hfn_args.h"

#define CT_MAX_KINDS 16
#define CT_MAX_ARGS 16

typedef struct ct_thread {
    pthread_t tid;
    char name;
    char **args;
    int nargs;
    long iterations;
    hf_settings s[CT_MAX_KINDS];    /* filled before the threads start (getopt is not thread-safe) */
    size_t nkinds;
    hf_state last[CT_MAX_KINDS];
    char path[CT_MAX_KINDS][HF_PATH_MAX];
    int failed;
} ct_thread;

/* Settings of kind ki for thread t (its CHECK=ARG list). 0 or -1. */
static int ct_settings(const ct_thread *t, size_t ki, hf_settings *s)
{
    const hf_check_kind *k = hf_check_kinds[ki];
    char *argv[CT_MAX_ARGS + 2];
    int argc = 0;
    hfn_args a = {0};
    hf_buf out = {0}, err = {0};
    size_t len = strlen(k->name);
    int r;

    if (hf_settings_init(s, k) < 0)
        return -1;
    argv[argc++] = (char *)(uintptr_t)k->name;
    for (int i = 0; i < t->nargs && argc < CT_MAX_ARGS; i++)
        if (strncmp(t->args[i], k->name, len) == 0 && t->args[i][len] == '=')
            argv[argc++] = t->args[i] + len + 1;
    argv[argc] = NULL;
    r = hfn_args_parse(s, argc, argv, &a, &out, &err, NULL, NULL, NULL);
    if (r != 0)
        fprintf(stderr, "thread %c, %s: %s\n", t->name, k->name, hf_buf_str(&err));
    hf_buf_free(&out);
    hf_buf_free(&err);
    if (r != 0)
        hf_settings_free(s);
    return r == 0 ? 0 : -1;
}

static void ct_one(ct_thread *t, size_t ki, hf_settings *s, void *mem, long it)
{
    hf_check_ctx ctx = hf_check_ctx_make(hf_settings_double(s, HF_SET_TIMEOUT), 0.25, 0);
    hf_report rep;

    hf_report_init(&rep);
    if (it % 2 == 0)
        hf_check_run_once(s, &ctx, &rep);
    else
        hf_check_eval(s, mem, &ctx, &rep);
    t->last[ki] = rep.state;
    if (rep.oom)
        t->failed = 1;
    hf_report_free(&rep);
}

/* Every kind's settings for thread t, in the main thread. */
static int ct_prepare(ct_thread *t)
{
    for (t->nkinds = 0; hf_check_kinds[t->nkinds] && t->nkinds < CT_MAX_KINDS; t->nkinds++) {
        if (ct_settings(t, t->nkinds, &t->s[t->nkinds]) < 0)
            return -1;
        hf_check_init(hf_check_kinds[t->nkinds]);   /* as a front-end does at configuration */
        hf_check_state_path(&t->s[t->nkinds], t->path[t->nkinds], sizeof(t->path[0]));
    }
    return 0;
}

static void *ct_main(void *arg)
{
    ct_thread *t = arg;
    void *mem[CT_MAX_KINDS];

    for (size_t k = 0; k < t->nkinds; k++)
        mem[k] = hf_check_state_new(hf_check_kinds[k]);
    for (long it = 0; it < t->iterations; it++)
        for (size_t k = 0; k < t->nkinds; k++)
            ct_one(t, k, &t->s[k], mem[k], it);
    for (size_t k = 0; k < t->nkinds; k++)
        hf_check_state_free(hf_check_kinds[k], mem[k]);
    return NULL;
}

int main(int argc, char **argv)
{
    ct_thread t[2] = {{.name = 'A'}, {.name = 'B'}};
    int i = 2, which = -1, rc = 0;

    if (argc < 3 || strcmp(argv[2], "--") != 0) {
        fprintf(stderr, "usage: check_threads ITERATIONS -- A-ARGS... -- B-ARGS...\n");
        return 2;
    }
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            if (++which > 1)
                return 2;
            t[which].args = argv + i + 1;
            continue;
        }
        t[which].nargs++;
    }
    for (int k = 0; k < 2; k++) {
        t[k].iterations = atol(argv[1]);
        if (ct_prepare(&t[k]) < 0)
            return 1;
    }
    for (int k = 0; k < 2; k++)
        pthread_create(&t[k].tid, NULL, ct_main, &t[k]);
    for (int k = 0; k < 2; k++)
        pthread_join(t[k].tid, NULL);
    for (size_t k = 0; hf_check_kinds[k] && k < CT_MAX_KINDS; k++) {
        for (int j = 0; j < 2; j++)
            printf("%c %s %s %s\n", t[j].name, hf_check_kinds[k]->name, hf_state_name(t[j].last[k]),
                   t[j].path[k]);
        if (strcmp(t[0].path[k], t[1].path[k]) == 0) {
            printf("%s: both instances use %s\n", hf_check_kinds[k]->name, t[0].path[k]);
            rc = 1;
        }
    }
    for (int j = 0; j < 2; j++)
        for (size_t k = 0; k < t[j].nkinds; k++)
            hf_settings_free(&t[j].s[k]);
    return rc || t[0].failed || t[1].failed;
}
