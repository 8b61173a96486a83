/* sim_access.h (internal): which MuJoCo model a task env runs, for tools that compare
 * an env against a raw mj_step loop (rltool bench). */
#ifndef RLTOOL_ENVS_MUJOCO_SIM_ACCESS_H
#define RLTOOL_ENVS_MUJOCO_SIM_ACCESS_H

#include <mujoco/mujoco.h>

#include "rltool.h"

/* The env's compiled model and physics steps per control step. Returns 1
 * for a MuJoCo task (and fills whichever of m, substeps is non-NULL), 0 for
 * any other env (classic control, user tasks) or NULL. */
int rl_env_mujoco(rl_env *env, const mjModel **m, int *substeps);

/* The ceiling an env is measured against: physics steps of m per second
 * for about `secs` seconds of a raw loop (random controls in the
 * actuators' ranges from rng, `substeps` mj_step calls per control step,
 * mj_resetData every `episode` control steps). Returns control steps per
 * second, NaN if no mjData could be made. */
double rl_sim_raw_steps_per_sec(const mjModel *m, int substeps, int episode, double secs,
                                rl_rng *rng);

#endif
