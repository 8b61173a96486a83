/* env_internal.h (internal): shared between env.c (single env + wrappers) and vec.c (batches). */
#ifndef RL_ENVS_ENV_INTERNAL_H
#define RL_ENVS_ENV_INTERNAL_H

#include "rltool.h"

/* rl_task_find, or NULL with a message: "unknown env id 'x' (known: ...)",
 * or what a task file or model path said is wrong with it. */
const rl_task *rl_task_find_or_error(const char *id);

/* Options every env accepts on top of its task's (see rl_env_wrapper_opts). */
typedef struct rl_wrap_cfg {
    int max_steps;       /* 0: the task's default */
    int action_repeat;   /* >= 1 */
    int discretize;      /* 0: off; else bins per action dimension */
    int decision_budget; /* 0: off */
} rl_wrap_cfg;

/* Split "k=v,..." into the task's config (already holding defaults) and the
 * wrapper config. */
int rl_env_parse_opts(const rl_task *task, const char *opts, void *task_cfg,
                      rl_wrap_cfg *wrap);

/* Build an env of a parsed configuration. `shared` comes from the task's
 * shared_make; the env frees it only when owns_shared. `stream` is the rng
 * stream id used when the env is reseeded. */
rl_env *rl_env_create(const rl_task *task, const void *task_cfg, const rl_wrap_cfg *wrap,
                      void *shared, int owns_shared, uint64_t stream);

/* Point the env's outputs into batch buffers (the vec env owns them). */
void rl_env_bind(rl_env *env, float *obs, float *reward, unsigned char *terminated,
                 unsigned char *truncated, rl_info *info);

/* Check an action against the env's (outer) action space. */
int rl_env_check_action(const rl_env *env, const float *action);

#endif
