/* Read-only accessors for rl_env fields that bindings (Python ctypes) need
 * without mirroring struct rl_env's layout. */
#include "rltool.h"
#include "core/error.h"

#include <stddef.h>

const rl_task *rl_env_task(const rl_env *env) { RL_NEED(env, NULL); return env->task; }

int rl_env_num_slices(const rl_env *env) { RL_NEED(env, 0); return env->n_slices; }

const rl_slice *rl_env_slice_at(const rl_env *env, int i)
{
    RL_NEED(env, NULL);
    return i >= 0 && i < env->n_slices ? &env->slices[i] : NULL;
}

int rl_env_num_info(const rl_env *env) { RL_NEED(env, 0); return env->n_info; }

const char *rl_env_info_name(const rl_env *env, int i)
{
    RL_NEED(env, NULL);
    return env->info_names && i >= 0 && i < env->n_info ? env->info_names[i] : NULL;
}

int rl_env_max_steps(const rl_env *env) { RL_NEED(env, 0); return env->max_steps; }

int rl_env_privileged_dim(const rl_env *env)
{
    RL_NEED(env, 0);
    const rl_slice *s = rl_env_slice(env, "privileged");
    return s && s->len > 0 && s->start + s->len == env->obs_space.dim ? s->len : 0;
}
