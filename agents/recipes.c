/* Embedded recipes: per task family, the agent `rltool train ENV` picks and
 * the hyperparameters each agent starts from there. Published recipes are
 * the starting points (../shared/AGENTS.md); our benchmarks adjust them.
 * First match wins, so specific prefixes come before general ones. */
#include "agents/agent.h"

#include <string.h>

static const rl_recipe recipes[] = {
    /* task prefix   agent  policy  hyperparameters                       steps  recommended */
    {"cartpole", "ppo", NULL, "envs=8,rollout=64,epochs=10,minibatches=4,lr=2.5e-3,gamma=0.99,"
                              "ent_coef=0.01,norm_reward=0", 60000, 1},
    {"pendulum", "ppo", NULL, "envs=16,rollout=128,gamma=0.95,lr=1e-3", 400000, 0},
    {"swimmer", "ppo", NULL, "envs=16,rollout=128,gamma=0.9999,lr=3e-4", 300000, 1},
    {"", "ppo", NULL, NULL, 200000, 1},
};
#define N_RECIPES ((int)(sizeof recipes / sizeof recipes[0]))

static int prefix_of(const char *prefix, const char *id)
{
    return !strncmp(id, prefix, strlen(prefix));
}

const rl_recipe *rl_recipe_find(const char *agent, const char *env_id)
{
    for (int i = 0; i < N_RECIPES; i++) {
        const rl_recipe *r = &recipes[i];
        if (!prefix_of(r->task_prefix, env_id)) continue;
        if (agent ? !strcmp(r->agent, agent) : r->recommended) return r;
    }
    return NULL;
}

const char *rl_default_env_id(void) { return "swimmer-v1"; }
