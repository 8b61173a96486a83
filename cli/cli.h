/* cli.h (internal): shared helpers of the rltool command-line subcommands. */
#ifndef RL_CLI_H
#define RL_CLI_H

#include "rltool.h"

#include <stdio.h>

#define CLI_OK 0
#define CLI_FAIL 1   /* the work failed */
#define CLI_USAGE 2  /* bad command line */

/* A tiny declarative argument parser: flags with a value or without. */
typedef enum { ARG_FLAG, ARG_INT, ARG_DOUBLE, ARG_STR, ARG_SET } cli_arg_kind;

typedef struct cli_arg {
    const char *name;  /* "--episodes" */
    cli_arg_kind kind;
    void *out;         /* int*, long long* (ARG_INT), double*, const char**, cli_sets* */
    const char *meta;  /* "N" */
    const char *help;
    long long lo, hi;  /* ARG_INT range */
} cli_arg;

/* --set k=v, repeatable; joined as "k=v,k=v". */
typedef struct cli_sets {
    char text[4096];
} cli_sets;

/* Parse argv[first..] against args; bare words go to positional[] (up to
 * max_pos). Prints the error and returns CLI_USAGE on bad input, or -1 when
 * --help was given (after printing usage). */
int cli_parse(const char *cmd, const char *usage, const char *about, const cli_arg *args,
              int n_args, int argc, char **argv, int first, const char **positional,
              int max_pos, int *n_pos);
void cli_print_help(FILE *f, const char *cmd, const char *usage, const char *about,
                    const cli_arg *args, int n_args);
/* Print "rltool CMD: error: <msg>" on stderr. */
void cli_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Map an rl error code to an exit status (bad input -> 2, else 1). */
int cli_status(int rl_code);
double cli_now(void);
int cli_is_tty(FILE *f);

int cmd_envs(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_rollout(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_export(int argc, char **argv);

#endif
