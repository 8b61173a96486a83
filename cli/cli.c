/* Argument parsing and error printing shared by every subcommand. */
#include "cli/cli.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "rltool %s: error: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_status(int rl_code)
{
    return rl_code == RL_EINVAL || rl_code == RL_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cli_is_tty(FILE *f) { return isatty(fileno(f)); }

void cli_print_help(FILE *f, const char *cmd, const char *usage, const char *about,
                    const cli_arg *args, int n_args)
{
    fprintf(f, "usage: rltool %s %s\n\n%s\n", cmd, usage, about);
    if (n_args) fprintf(f, "\noptions:\n");
    for (int i = 0; i < n_args; i++) {
        char left[64];
        snprintf(left, sizeof left, "%s%s%s", args[i].name, args[i].meta ? " " : "",
                 args[i].meta ? args[i].meta : "");
        fprintf(f, "  %-22s %s\n", left, args[i].help);
    }
    fprintf(f, "  %-22s %s\n", "-h, --help", "show this help");
}

static int set_append(cli_sets *s, const char *kv)
{
    if (!strchr(kv, '=') || kv[0] == '=') return -1;
    size_t used = strlen(s->text), len = strlen(kv);
    if (used + len + 2 > sizeof s->text) return -1;
    if (used) s->text[used++] = ',';
    memcpy(s->text + used, kv, len + 1);
    return 0;
}

int cli_parse(const char *cmd, const char *usage, const char *about, const cli_arg *args,
              int n_args, int argc, char **argv, int first, const char **positional,
              int max_pos, int *n_pos)
{
    *n_pos = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cli_print_help(stdout, cmd, usage, about, args, n_args);
            return -1;
        }
        if (a[0] == '-' && a[1] == '-') {
            /* --name=value or --name value */
            char name[64];
            const char *eq = strchr(a, '=');
            size_t len = eq ? (size_t)(eq - a) : strlen(a);
            if (len >= sizeof name) len = sizeof name - 1;
            memcpy(name, a, len);
            name[len] = 0;
            const cli_arg *arg = NULL;
            for (int k = 0; k < n_args; k++)
                if (!strcmp(args[k].name, name)) arg = &args[k];
            if (!arg) {
                char known[512] = "";
                size_t used = 0;
                for (int k = 0; k < n_args && used < sizeof known; k++)
                    used += snprintf(known + used, sizeof known - used, "%s, ", args[k].name);
                cli_error(cmd, "unknown option '%s' (accepted: %s--help)", name, known);
                return CLI_USAGE;
            }
            if (arg->kind == ARG_FLAG) {
                if (eq) {
                    cli_error(cmd, "option '%s' takes no value", name);
                    return CLI_USAGE;
                }
                *(int *)arg->out = 1;
                continue;
            }
            const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
            if (!val) {
                cli_error(cmd, "option '%s' needs a value (%s)", name, arg->meta ? arg->meta : "");
                return CLI_USAGE;
            }
            if (arg->kind == ARG_INT) {
                long long v;
                if (rl_parse_int(val, &v) || v < arg->lo || v > arg->hi) {
                    cli_error(cmd, "bad value '%s' for %s (expected an integer in [%lld, %lld])",
                              val, name, arg->lo, arg->hi);
                    return CLI_USAGE;
                }
                *(long long *)arg->out = v;
            } else if (arg->kind == ARG_DOUBLE) {
                double v;
                if (rl_parse_double(val, &v)) {
                    cli_error(cmd, "bad value '%s' for %s (expected a finite number)", val, name);
                    return CLI_USAGE;
                }
                *(double *)arg->out = v;
            } else if (arg->kind == ARG_STR) {
                *(const char **)arg->out = val;
            } else if (set_append(arg->out, val)) {
                cli_error(cmd, "bad value '%s' for %s (expected key=value)", val, name);
                return CLI_USAGE;
            }
            continue;
        }
        if (a[0] == '-' && a[1]) {
            cli_error(cmd, "unknown option '%s' (options start with --; see --help)", a);
            return CLI_USAGE;
        }
        if (*n_pos >= max_pos) {
            cli_error(cmd, "unexpected argument '%s' (usage: rltool %s %s)", a, cmd, usage);
            return CLI_USAGE;
        }
        positional[(*n_pos)++] = a;
    }
    return CLI_OK;
}
