/* mjcf_task.h: generic MuJoCo tasks made from any MJCF file ("mjcf:PATH").
 * See mjcf_task.c for observations, actions, the reward grammar and
 * terminations. */
#ifndef RLTOOL_ENVS_MUJOCO_MJCF_TASK_H
#define RLTOOL_ENVS_MUJOCO_MJCF_TASK_H

#include <stddef.h>

#include "rltool.h"

#define RL_MJCF_PREFIX "mjcf:"

/* The task of an id "mjcf:PATH", made on first use and cached for the life
 * of the process (the same pointer for the same id). The file is read only
 * when an env is made (shared_make), so a missing file is an error there.
 * NULL with RL_EINVAL for an empty path, RL_ENOMEM when the cache is full. */
const rl_task *rl_mjcf_task(const char *id);

/* What an mjcf env derived from its model and options (sizes, actuators
 * with their ranges, reward terms, terminations), as text lines for
 * `rltool info`. Returns the length or a negative code. */
int rl_mjcf_describe(const rl_env *env, char *buf, size_t cap);

#endif
