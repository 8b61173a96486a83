/* swimmer.h (internal): extras of the swimmer family beyond the rl_task interface.
 *
 * Structured policies (NCAP) find the joint angles through the `joint_pos`
 * slice; the joint range is published twice: as the observation space's
 * low/high over that slice (-limit, +limit; every other entry is -inf/+inf),
 * and through rl_swimmer_joint_limit() below.
 */
#ifndef RLTOOL_ENVS_MUJOCO_SWIMMER_H
#define RLTOOL_ENVS_MUJOCO_SWIMMER_H

#include "rltool.h"
#include "envs/mujoco/sim.h"

#define RL_SWIMMER_MIN_LINKS 3
#define RL_SWIMMER_MAX_LINKS 20

/* Hinge range of every joint, +-limit in radians (2 pi / links).
 * RL_EINVAL if env is not a swimmer. */
int rl_swimmer_joint_limit(const rl_env *env, double *limit_rad);

/* The env's simulation (for tests and tools that poke the physics, e.g. to
 * provoke an instability); NULL if env is not a swimmer. After writing
 * qpos/qvel directly, call rl_sim_forward before the next step. */
rl_sim *rl_swimmer_sim(rl_env *env);

#endif /* RLTOOL_ENVS_MUJOCO_SWIMMER_H */
