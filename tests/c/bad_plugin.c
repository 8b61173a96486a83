/* A task plugin whose spaces are wrong (built by test_validate): Discrete(0)
 * actions, a negative and a huge action dimension, low > high bounds. Each
 * must give a clear error when an env is made, never a crash. */
#include "rltool.h"

#include <stdlib.h>

static const float lo[1] = {1}, hi[1] = {0};

static int init_with(rl_env *env, rl_space act)
{
    env->obs_space = (rl_space){RL_BOX, 1, 0, NULL, NULL};
    env->act_space = act;
    return RL_OK;
}

static int init_d0(rl_env *e, const void *c, void *s) { return init_with(e, (rl_space){RL_DISCRETE, 1, 0, NULL, NULL}); }
static int init_neg(rl_env *e, const void *c, void *s) { return init_with(e, (rl_space){RL_BOX, -4, 0, NULL, NULL}); }
static int init_huge(rl_env *e, const void *c, void *s) { return init_with(e, (rl_space){RL_BOX, 2000000000, 0, NULL, NULL}); }
static int init_lohi(rl_env *e, const void *c, void *s) { return init_with(e, (rl_space){RL_BOX, 1, 0, lo, hi}); }
static void reset(rl_env *env) { env->obs[0] = 0; }
static void step(rl_env *env, const float *a) { *env->reward = a[0]; }

#define BAD(name, fn) {.id = name, .max_steps = 10, .init = fn, .reset = reset, .step = step}
static const rl_task tasks[] = {BAD("bad-discrete0-v1", init_d0), BAD("bad-negdim-v1", init_neg),
                                BAD("bad-hugedim-v1", init_huge), BAD("bad-lowhigh-v1", init_lohi)};

int rltool_plugin_init(void)
{
    for (int i = 0; i < 4; i++) {
        int rc = rl_task_register(&tasks[i]);
        if (rc) return rc;
    }
    return RL_OK;
}
