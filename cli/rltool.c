/* rltool: command-line entry point; dispatches to one function per command. */
#include "cli/cli.h"

#include <string.h>

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;
} command;

static const command commands[] = {
    {"envs", cmd_envs, "list environments with their spaces"},
    {"info", cmd_info, "show an environment's spaces, slices and options"},
    {"rollout", cmd_rollout, "run a random policy and print episode returns"},
    {"train", cmd_train, "train an agent (default: the recommended agent on swimmer-v1)"},
    {"eval", cmd_eval, "evaluate a checkpoint or run directory"},
    {"inspect", cmd_inspect, "show a checkpoint's agent, env, policy and parameters by name"},
    {"bench", cmd_bench, "benchmark tasks x agents x seeds: throughput, results table, plots"},
    {"plot", cmd_plot, "learning-curve plots (SVG) of run directories"},
    {"render", cmd_render, "watch rollouts in a window, or record them as PNG frames or mp4"},
    {"export", cmd_export, "write a checkpoint's policy as a dependency-free C99 header"},
};
#define N_COMMANDS ((int)(sizeof commands / sizeof commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: rltool COMMAND [options]   (rltool COMMAND --help for details)\n\n"
               "Reinforcement learning on MuJoCo tasks, in C. Version %s.\n\ncommands:\n",
            rl_version());
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("rltool %s\n", rl_version());
        return CLI_OK;
    }
    for (int i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc, argv);
    char known[256] = "";
    size_t used = 0;
    for (int i = 0; i < N_COMMANDS; i++)
        used += snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", commands[i].name);
    fprintf(stderr, "rltool: error: unknown command '%s' (commands: %s)\n", argv[1], known);
    return CLI_USAGE;
}
