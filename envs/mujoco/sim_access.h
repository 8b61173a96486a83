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

#endif
