/* rltool: command-line entry point; dispatches to one function per command. */
#include "cli/cli.h"
#include "core/kernels.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    fprintf(f, "usage: rltool [--plugin FILE.so ...] COMMAND [options]   (rltool COMMAND --help for details)\n\n"
               "Reinforcement learning on MuJoCo tasks, in C. Version %s.\n\ncommands:\n",
            rl_version());
    for (int i = 0; i < N_COMMANDS; i++) fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n--plugin FILE.so (any position, repeatable) and RLTOOL_PLUGINS=a.so:b.so load task\n"
               "plugins; env ids mjcf:PATH.xml make a task from any MuJoCo model file.\n");
}

/* Task plugins: RLTOOL_PLUGINS, then every `--plugin FILE` (or
 * --plugin=FILE), wherever it stands on the line; the options are removed
 * before the command sees argv, so every command accepts them. */
static int load_plugins(int *argc, char **argv)
{
    if (rl_plugin_load_env()) {
        fprintf(stderr, "rltool: error: RLTOOL_PLUGINS: %s\n", rl_last_error());
        return CLI_USAGE;
    }
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *path = NULL;
        if (!strcmp(argv[i], "--plugin")) {
            if (i + 1 >= *argc) {
                fprintf(stderr, "rltool: error: --plugin needs a shared library path\n");
                return CLI_USAGE;
            }
            path = argv[++i];
        } else if (!strncmp(argv[i], "--plugin=", 9)) {
            path = argv[i] + 9;
        } else {
            argv[out++] = argv[i];
            continue;
        }
        if (rl_plugin_load(path)) {
            fprintf(stderr, "rltool: error: %s\n", rl_last_error());
            return CLI_USAGE;
        }
    }
    argv[out] = NULL;
    *argc = out;
    return CLI_OK;
}

/* OpenBLAS reads OPENBLAS_CORETYPE only while it loads, so when it fell
 * back to a generic SSE core on a CPU with AVX2 / AVX-512 the one fix from
 * inside is to start again with the variable set (the user's own setting
 * always stands). RLTOOL_BLAS_REEXEC marks the second start: if OpenBLAS
 * still reports a generic core, or exec fails, say once how to fix it. */
static void fix_blas_core(char **argv)
{
    const char *core = rl_kern_blas_fix();
    int second = getenv("RLTOOL_BLAS_REEXEC") != NULL;
    if (!core || (getenv("OPENBLAS_CORETYPE") && !second)) return;
    if (!second) {
        setenv("OPENBLAS_CORETYPE", core, 1);
        setenv("RLTOOL_BLAS_REEXEC", "1", 1);
        execv("/proc/self/exe", argv);
        unsetenv("OPENBLAS_CORETYPE"); /* exec failed: carry on as we are */
    }
    fprintf(stderr,
            "rltool: warning: OpenBLAS runs its generic '%s' kernels on this CPU, 2-5x slower "
            "than it can; run with OPENBLAS_CORETYPE=%s set in the environment\n",
            rl_kern_blas_core(), core);
}

int main(int argc, char **argv)
{
    fix_blas_core(argv);
    int prc = load_plugins(&argc, argv);
    if (prc) return prc;
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
