/* helixflow-ops: the operator's command for HelixFlow: the daily dashboard,
 * database checks and maintenance, capacity figures. One program, one
 * subcommand per file (see ops.h and ops_commands.c):
 *
 *   helixflow-ops [--version | --help]
 *   helixflow-ops help [SUBCOMMAND...]
 *   helixflow-ops SUBCOMMAND [OPTION...]      (SUBCOMMAND: status, db check, ...)
 *
 * The dispatcher finds the subcommand in the table (a group word such as
 * "db" takes the next word too) and hands it its own argv (argv[0] its
 * name); everything else is the subcommand's. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hf_config.h"
#include "ops.h"

static void ops_name(const ops_cmd *c, char *out, size_t n)
{
    snprintf(out, n, "%s%s%s", c->group ? c->group : "", c->group ? " " : "", c->name);
}

static void ops_list(FILE *f)
{
    char name[64];

    fprintf(f, "Usage: helixflow-ops SUBCOMMAND [OPTION...]\n"
               "       helixflow-ops help SUBCOMMAND | --help | --version\n\nSubcommands:\n");
    for (size_t i = 0; ops_commands[i]; i++) {
        ops_name(ops_commands[i], name, sizeof(name));
        fprintf(f, "  %-14s %s\n", name, ops_commands[i]->summary);
    }
    fprintf(f, "\n`helixflow-ops SUBCOMMAND --help` and helixflow-ops-SUBCOMMAND(8) (e.g.\n"
               "helixflow-ops-db-maintain(8)) describe each. Exit status as a check: 0 OK,\n"
               "1 WARNING, 2 CRITICAL, 3 UNKNOWN or bad usage.\n");
}

/* The subcommand named by argv[0] (and argv[1] for a group): *used words. */
static const ops_cmd *ops_find(int argc, char **argv, int *used, bool *group_only)
{
    *group_only = false;
    for (size_t i = 0; ops_commands[i]; i++) {
        const ops_cmd *c = ops_commands[i];
        if (!c->group && strcmp(argv[0], c->name) == 0) {
            *used = 1;
            return c;
        }
        if (c->group && strcmp(argv[0], c->group) == 0) {
            *group_only = true;
            if (argc > 1 && strcmp(argv[1], c->name) == 0) {
                *used = 2;
                return c;
            }
        }
    }
    return NULL;
}

static int ops_unknown(int argc, char **argv, bool group_only)
{
    if (group_only && argc > 1)
        ops_error(NULL, "'%s %s': unknown subcommand", argv[0], argv[1]);
    else if (group_only)
        ops_error(NULL, "'%s' needs a subcommand", argv[0]);
    else
        ops_error(NULL, "'%s': unknown subcommand", argv[0]);
    ops_list(stderr);
    return OPS_EXIT_USAGE;
}

static int ops_dispatch(int argc, char **argv)
{
    char name[64];
    char *sub[256];
    int used = 0, n = 0;
    bool group_only;
    const ops_cmd *c = ops_find(argc, argv, &used, &group_only);

    if (!c)
        return ops_unknown(argc, argv, group_only);
    if (argc - used + 1 > (int)(sizeof(sub) / sizeof(sub[0])) - 1) {
        ops_error(NULL, "more than %zu arguments", sizeof(sub) / sizeof(sub[0]) - 2);
        return OPS_EXIT_USAGE;
    }
    ops_name(c, name, sizeof(name));
    sub[n++] = name;
    for (int i = used; i < argc; i++)
        sub[n++] = argv[i];
    sub[n] = NULL;
    return c->run(n, sub);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        ops_list(stderr);
        return OPS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        ops_list(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("helixflow-ops %s (helixflow-monitoring)\n", HF_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "help") == 0) {
        char *h[260];
        int n = 0;
        if (argc == 2) {
            ops_list(stdout);
            return 0;
        }
        for (int i = 2; i < argc && n < 256; i++)
            h[n++] = argv[i];
        h[n++] = (char *)(uintptr_t)"--help";
        h[n] = NULL;
        return ops_dispatch(n, h);
    }
    if (argv[1][0] == '-') {
        ops_error(NULL, "'%s': options come after the subcommand", argv[1]);
        ops_list(stderr);
        return OPS_EXIT_USAGE;
    }
    return ops_dispatch(argc - 1, argv + 1);
}
