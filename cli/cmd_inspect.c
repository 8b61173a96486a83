/* rltool inspect: what a checkpoint holds (agent, env, policy architecture,
 * hyperparameters) and the policy's parameters by name. */
#include "agents/agent.h"
#include "agents/ncap.h"
#include "cli/cli.h"

#include <stdlib.h>
#include <string.h>

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
    printf("checkpoint  %s\n", file);
    printf("agent       %s\n", ag->vt->name);
    printf("env         %s%s%s%s\n", ag->env_id, ag->env_opts[0] ? " [" : "", ag->env_opts,
           ag->env_opts[0] ? "]" : "");
    printf("policy      %s%s%s%s\n", ag->policy, ag->policy_opts[0] ? " [" : "", ag->policy_opts,
           ag->policy_opts[0] ? "]" : "");
    printf("hparams     %s\n", ag->hparams);
    printf("trained     %lld steps, %lld episodes\n", (long long)ag->steps_done,
           (long long)ag->episodes_done);
    if (ag->priv_dim)
        printf("privileged  last %d of %d observation values (critics only; the policy reads "
               "the first %d)\n", ag->priv_dim, ag->obs_dim, rl_agent_policy_dim(ag));
    /* The acting network rebuilt in its architecture names the parameters. */
    rl_env *probe = rl_env_make(ag->env_id, ag->env_opts);
    rl_policy *pol = probe ? rl_agent_net_policy(ag, ck, probe) : NULL;
    if (!pol) {
        printf("parameters  (%s)\n", rl_last_error());
        rl_env_free(probe);
        rl_agent_free(ag);
        rl_ckpt_free(ck);
        return CLI_OK;
    }
    int64_t n = pol->n_params;
    const float *w = pol->params;
    float *eff = NULL;
    if (!strcmp(ag->policy, "ncap")) {
        eff = malloc(sizeof(float) * (size_t)n);
        if (eff) rl_ncap_effective(pol, eff);
    }
    printf("parameters  %lld\n", (long long)n);
    printf("  %-18s %12s%s\n", "name", "value", eff ? "    effective" : "");
    int64_t shown = all || n <= 40 ? n : 40;
    for (int64_t i = 0; i < shown; i++) {
        char name[64];
        if (!pol->vt->param_name || pol->vt->param_name(pol, (int)i, name, sizeof name))
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
