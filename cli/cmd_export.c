/* rltool export: a checkpoint as one dependency-free C99 header. */
#include "agents/export.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

int cmd_export(int argc, char **argv)
{
    const char *out = NULL, *name = "policy", *precision = "float";
    long long check = 1000;
    const cli_arg args[] = {
        {"--out", ARG_STR, &out, "FILE", "the header to write (required; -o FILE is the same)", 0, 0},
        {"--name", ARG_STR, &name, "NAME", "C prefix of the generated names (default policy)", 0, 0},
        {"--precision", ARG_STR, &precision, "P", "float (exact) or int8 (per-row int8 weights)", 0, 0},
        {"--check", ARG_INT, &check, "N", "library-rollout observations the exported policy is "
         "compared on (default 1000, 0: none)", 0, 1000000},
    };
    /* -o is the customary short form of --out (the shared parser takes --long only). */
    char *av[256];
    if (argc > 256) argc = 256;
    for (int i = 0; i < argc; i++) av[i] = strcmp(argv[i], "-o") ? argv[i] : "--out";
    argv = av;
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("export", "CKPT|RUN_DIR -o policy.h [--name NAME] [--precision float|int8]",
                       "Write a trained policy as a single C99 header: weights as static const "
                       "arrays, the observation normaliser inside, NAME_reset(&state) and "
                       "NAME_act(&state, obs, action) giving the library's deterministic action. "
                       "No malloc, no BLAS, libm only for tanhf. Exportable: ppo, es, ncap, td3 "
                       "(mlp or ncap policy), sac and dqn (mlp).",
                       args, (int)(sizeof args / sizeof args[0]), argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (n_pos != 1) {
        cli_error("export", "expected one checkpoint file or run directory");
        return CLI_USAGE;
    }
    if (!out) {
        cli_error("export", "missing -o FILE (the header to write)");
        return CLI_USAGE;
    }
    rl_export_opts o = {name, 0, NULL, check > 0 ? (int)check : -1};
    if (!strcmp(precision, "float"))
        o.precision = RL_EXPORT_FLOAT;
    else if (!strcmp(precision, "int8"))
        o.precision = RL_EXPORT_INT8;
    else {
        cli_error("export", "unknown precision '%s' (known: float, int8)", precision);
        return CLI_USAGE;
    }
    rl_export_info info;
    rc = rl_export_checkpoint(pos[0], &o, out, &info);
    if (rc) {
        cli_error("export", "%s", rl_last_error());
        return cli_status(rc);
    }
    printf("wrote %s: %s, %s\n", out, info.arch, o.precision ? "int8 weights" : "float");
    printf("  normaliser  %s\n  action      %s\n", info.normaliser, info.head);
    printf("  parameters  %lld, %lld bytes of weights, %.0f MACs per call\n",
           (long long)info.n_params, (long long)info.weight_bytes, info.macs);
    if (info.n_checked)
        printf("  checked     max |action - library| = %.3g over %d observations%s\n", info.max_err,
               info.n_checked, info.argmax_mismatch ? " (argmax rows differ)" : "");
    return CLI_OK;
}
