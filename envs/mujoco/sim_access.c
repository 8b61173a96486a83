/* rl_env_mujoco: asks each MuJoCo task family for its simulation through the
 * accessor it already publishes (rl_swimmer_sim, rl_quadrotor_sim,
 * rl_hand_sim). Each of those checks the env's task before touching
 * env->data, so this relies on no struct layout; a new MuJoCo family adds
 * one line here. */
#include "envs/mujoco/sim_access.h"

#include "envs/mujoco/hand.h"
#include "envs/mujoco/mjcf_task.h"
#include "envs/mujoco/quadrotor.h"
#include "envs/mujoco/swimmer.h"

int rl_env_mujoco(rl_env *env, const mjModel **m, int *substeps)
{
    if (!env || !env->data) return 0;
    rl_sim *(*const families[])(rl_env *) = {rl_swimmer_sim, rl_quadrotor_sim, rl_hand_sim,
                                               rl_mjcf_sim};
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        rl_sim *sim = families[i](env);
        if (!sim) continue;
        if (m) *m = sim->m;
        if (substeps) *substeps = sim->n_substeps;
        return 1;
    }
    return 0;
}
