/* rltool inspect: what a checkpoint holds (agent, env, policy architecture,
 * hyperparameters), then what the agent's inspect hook shows (by default
 * its policy's parameters by name). */
#include "agents/agent.h"
#include "cli/cli.h"

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
    /* The rest is the agent's own: its inspect hook, or its acting
     * network's parameters by name. */
    rc = rl_agent_inspect(ag, ck, stdout, all);
    if (rc) cli_error("inspect", "%s", rl_last_error());
    rl_agent_free(ag);
    rl_ckpt_free(ck);
    return rc ? CLI_FAIL : CLI_OK;
}
