/* rltool inspect: what a checkpoint holds (agent, env, policy architecture,
 * hyperparameters) and the policy's parameters by name. */
#include "agents/agent.h"
#include "agents/ncap.h"
#include "cli/cli.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    rl_intlist hidden;
    int activation;
} mlp_shape;

/* The MLP widths of the run (hparams hidden=, activation=), if any. */
static void read_shape(const char *hparams, mlp_shape *s)
{
    static const rl_optdef defs[] = {
        {"hidden", RL_OPT_INTLIST, offsetof(mlp_shape, hidden), "64x64", 1, 4096, NULL, ""},
        {"activation", RL_OPT_CHOICE, offsetof(mlp_shape, activation), "tanh", 0, 0, "tanh|relu", ""},
    };
    rl_opts_defaults(defs, 2, s);
    const char *p = hparams ? hparams : "";
    char key[128], val[RL_OPT_STR_MAX];
    while (rl_kv_next(&p, key, sizeof key, val, sizeof val) == 1)
        if (rl_opts_find(defs, 2, key)) rl_opts_set(defs, 2, s, "inspect", key, val);
}

int cmd_inspect(int argc, char **argv)
{
    int all = 0;
    const cli_arg args[] = {
        {"--all", ARG_FLAG, &all, NULL, "print every parameter (default: the first 40)", 0, 0},
    };
    const char *pos[1];
    int n_pos;
    int rc = cli_parse("inspect", "CKPT|RUN_DIR [--all]",
                       "Show a checkpoint's agent, env, policy and its parameters by name.", args, 1,
                       argc, argv, 2, pos, 1, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (n_pos != 1) {
        cli_error("inspect", "expected a checkpoint file or run directory");
        return CLI_USAGE;
    }
    char file[4096];
    rl_ckpt *ck = NULL;
    rl_agent *ag = NULL;
    if (rl_agent_resolve_path(pos[0], file, sizeof file) || !(ck = rl_ckpt_load(file)) ||
        !(ag = rl_agent_from_ckpt(ck, file, 0))) {
        cli_error("inspect", "%s", rl_last_error());
        rl_ckpt_free(ck);
        return rl_last_code() == RL_ENOTFOUND ? CLI_USAGE : CLI_FAIL;
    }
    int64_t n = 0;
    const float *w = rl_ckpt_get(ck, "actor", RL_F32, -1, &n);
    printf("checkpoint  %s\n", file);
    printf("agent       %s\n", ag->vt->name);
    printf("env         %s%s%s%s\n", ag->env_id, ag->env_opts[0] ? " [" : "", ag->env_opts,
           ag->env_opts[0] ? "]" : "");
    printf("policy      %s%s%s%s\n", ag->policy, ag->policy_opts[0] ? " [" : "", ag->policy_opts,
           ag->policy_opts[0] ? "]" : "");
    printf("hparams     %s\n", ag->hparams);
    printf("trained     %lld steps, %lld episodes\n", (long long)ag->steps_done,
           (long long)ag->episodes_done);
    if (!w) {
        printf("parameters  (no policy tensor 'actor' in this checkpoint)\n");
        rl_agent_free(ag);
        rl_ckpt_free(ck);
        return CLI_OK;
    }
    /* A policy of the same architecture names the parameters. */
    mlp_shape shape;
    read_shape(ag->hparams, &shape);
    rl_env *probe = rl_env_make(ag->env_id, ag->env_opts);
    int out = ag->act_space.kind == RL_DISCRETE ? ag->act_dim * ag->act_space.n : ag->act_dim;
    rl_policy_spec spec = {ag->obs_dim, out, RL_ACT_NONE, &shape.hidden,
                           shape.activation == 1 ? RL_ACT_RELU : RL_ACT_TANH, probe};
    rl_policy *pol = probe ? rl_policy_make(ag->policy, ag->policy_opts, &spec) : NULL;
    if (pol && pol->n_params != n) {
        rl_policy_free(pol);
        pol = NULL;
    }
    float *eff = NULL;
    if (pol && !strcmp(ag->policy, "ncap")) {
        memcpy(pol->params, w, sizeof(float) * (size_t)n);
        eff = malloc(sizeof(float) * (size_t)n);
        if (eff) rl_ncap_effective(pol, eff);
    }
    printf("parameters  %lld\n", (long long)n);
    printf("  %-18s %12s%s\n", "name", "value", eff ? "    effective" : "");
    int64_t shown = all || n <= 40 ? n : 40;
    for (int64_t i = 0; i < shown; i++) {
        char name[64];
        if (!pol || !pol->vt->param_name || pol->vt->param_name(pol, (int)i, name, sizeof name))
            snprintf(name, sizeof name, "p[%lld]", (long long)i);
        printf("  %-18s %12.6f", name, w[i]);
        if (eff) printf(" %12.6f", eff[i]);
        putchar('\n');
    }
    if (shown < n) printf("  ... %lld more (--all prints every one)\n", (long long)(n - shown));
    free(eff);
    rl_policy_free(pol);
    rl_env_free(probe);
    rl_agent_free(ag);
    rl_ckpt_free(ck);
    return CLI_OK;
}
