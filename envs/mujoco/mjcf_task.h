/* mjcf_task.h (internal): generic MuJoCo tasks made from any MJCF file ("mjcf:PATH")
 * or from a task file (task_file.h). See mjcf_task.c for observations,
 * actions, rewards and terminations, mjcf_terms.c for the term grammar. */
#ifndef RLTOOL_ENVS_MUJOCO_MJCF_TASK_H
#define RLTOOL_ENVS_MUJOCO_MJCF_TASK_H

#include <stddef.h>

#include "rltool.h"

#define RL_MJCF_PREFIX "mjcf:"

struct rl_sim;
struct rl_recipe;

/* The task of an id "mjcf:PATH", made on first use and cached for the life
 * of the process. An existing file's id becomes "mjcf:" + its absolute
 * path. The file is read only when an env is made (shared_make), so a
 * missing file is an error there. NULL with RL_EINVAL for a bad path,
 * RL_ENOMEM when the cache is full. */
const rl_task *rl_mjcf_task(const char *id);

/* The task `id` whose option defaults are keys[i] = values[i] (each already
 * checked with rl_mjcf_check_option) and whose time limit is max_steps
 * (0: 1000). Cached: the same id and defaults give the same pointer. */
const rl_task *rl_mjcf_task_with(const char *id, const char *const *keys,
                                 const char *const *values, int n, int max_steps);

/* The recipe of a task file's task (its recipe.* lines: keys starting with
 * "recipe." given to rl_mjcf_task_with), as a recommended row whose
 * task_prefix is the task's id, and its agent's name in *agent. NULL when
 * the task has no recipe.agent line or is not an mjcf task. Lives as long
 * as the task. */
const struct rl_recipe *rl_mjcf_task_recipe(const rl_task *task, const char **agent);

/* The option table of these tasks, and a check of one key = value against
 * it (RL_ENOTFOUND for an unknown key listing the known ones, RL_EINVAL for
 * a bad value); `owner` names the source in messages. */
const rl_optdef *rl_mjcf_opts(int *n);
int rl_mjcf_check_option(const char *owner, const char *key, const char *value);

/* Hash of a file as 16 hex digits (FNV-1a 64): of its bytes (a model), or
 * with `definition` of a task file's definition only (comments, spaces and
 * recipe.* lines left out: editing those keeps checkpoints valid). */
int rl_mjcf_hash_file(const char *path, int definition, char out[24]);

/* What an mjcf env derived from its model and options (names of bodies,
 * joints, sites, geoms, actuators and sensors; sizes; terms), as text lines
 * for `rltool info`. Returns the length or a negative code (not an mjcf
 * env). */
int rl_mjcf_describe(const rl_env *env, char *buf, size_t cap);

/* "model=ABS,model_hash=H[,task_file=ABS,task_hash=H]" of an mjcf env: the
 * options that pin the files a checkpoint was trained on. Returns the
 * length or a negative code (RL_EINVAL: not an mjcf env). */
int rl_mjcf_pinned(const rl_env *env, char *buf, size_t cap);

/* The env's simulation (NULL if env is not an mjcf env) and the body its
 * default camera tracks (-1 if not an mjcf env). */
struct rl_sim *rl_mjcf_sim(rl_env *env);
int rl_mjcf_camera_body(const rl_env *env);

#endif
