/* sim.h (internal): plumbing shared by every MuJoCo task (swimmer, quadrotor, hand).
 *
 * - Models are generated as MJCF text and compiled through MuJoCo's virtual
 *   file system, so no task touches the disk.
 * - One compiled mjModel is shared read-only by all envs of a configuration
 *   (the task's shared_make / shared_free hooks); each env owns an rl_sim,
 *   i.e. one mjData plus its stepping state.
 * - MuJoCo 2.2.2's default error handler calls exit(). The first call into
 *   this module installs handlers that turn MuJoCo errors inside a guarded
 *   call (every function below) into RL_ESIM, and record warnings instead of
 *   printing them. An error raised by MuJoCo code that is *not* guarded
 *   aborts: MuJoCo cannot continue after its error handler returns, and
 *   there is nowhere to report to. Call MuJoCo through rl_sim_guard() when
 *   a failure is possible (renderers, custom compiles).
 * - Instability (NaN/inf or huge values in the state, which MuJoCo answers
 *   by silently resetting the data) is reported by rl_sim_step() so the task
 *   can end the episode with terminated, reward 0 and info->sim_unstable.
 */
#ifndef RLTOOL_ENVS_MUJOCO_SIM_H
#define RLTOOL_ENVS_MUJOCO_SIM_H

#include <mujoco/mujoco.h>

#include "rltool.h"

/* Per-env simulation state. */
typedef struct rl_sim {
    const mjModel *m; /* shared, read-only */
    mjData *d;        /* owned */
    int n_substeps;   /* physics steps per control step */
    int broken;       /* a MuJoCo error or instability happened; reset first */
} rl_sim;

/* Compile MJCF text into a model. `name` labels the model in messages
 * ("swimmer-v1"). RL_ESIM with MuJoCo's message when parsing or compiling
 * fails. Free with rl_sim_model_free (NULL is fine). */
int rl_sim_model_from_xml(const char *xml, const char *name, mjModel **out);
void rl_sim_model_free(mjModel *m);
/* Before MuJoCo opens an MJCF file from disk: the file and every file its
 * <include file="..."/> elements name (recursively, relative to the
 * including file) must be regular files within the text size limit, so a
 * FIFO or device in their place is an error instead of a hang. */
int rl_sim_check_mjcf_file(const char *path);

/* Make the env's mjData for a shared model. Free with rl_sim_free. */
int rl_sim_init(rl_sim *sim, const mjModel *m, int n_substeps);
void rl_sim_free(rl_sim *sim);

/* mj_resetData: time 0, qpos0, zero velocities, controls, activations and
 * warning counters. The task then writes its start state and calls
 * rl_sim_forward. Always restores a usable state, even after an error. */
int rl_sim_reset(rl_sim *sim);

/* mj_forward: make every derived quantity (xpos, xmat, cvel, ...) match
 * qpos/qvel. Returns RL_ENUMERIC when the state is not finite. */
int rl_sim_forward(rl_sim *sim);

/* Advance n_substeps physics steps with the controls in d->ctrl. On return
 * the derived quantities match the new qpos/qvel, as after mj_forward,
 * so observations can be read directly.
 * Returns RL_OK; RL_ENUMERIC when the simulation went unstable (NaN/inf or
 * a new BADQPOS/BADQVEL/BADQACC warning; the message says which); RL_ESIM
 * when MuJoCo raised an error. After a non-OK return the data must be reset
 * before stepping again (rl_sim_step refuses with RL_ESTATE). */
int rl_sim_step(rl_sim *sim);

/* End the current episode of a task whose rl_sim_step failed, the way every
 * MuJoCo task does (TASKS.md): the last sound observation last_obs (n)
 * again, reward 0, terminated, info->sim_unstable = 1, and success 0 for
 * tasks that define success. The next reset starts from a clean state. */
void rl_sim_end_unstable(rl_env *env, const float *last_obs, int n, int has_success);

/* 1 if qpos, qvel, qacc and act are all finite. */
int rl_sim_state_finite(const mjModel *m, const mjData *d);

/* Run fn(arg) with MuJoCo errors turned into RL_ESIM (message set) instead
 * of exit(). Nests. fn must not leave resources that a longjmp out of
 * MuJoCo would leak, i.e. keep it to MuJoCo calls. */
int rl_sim_guard(void (*fn)(void *arg), void *arg);

/* Last MuJoCo warning text seen on this thread ("" if none). */
const char *rl_sim_last_warning(void);

/* Id of a named object or RL_ENOTFOUND with a message naming it. */
int rl_sim_name2id(const mjModel *m, int type, const char *name);

/* Growable text buffer for writing MJCF. Errors are sticky: after a failed
 * allocation every append is a no-op and rl_sb_finish returns NULL. */
typedef struct rl_sb {
    char *buf;
    size_t len, cap;
    int failed;
} rl_sb;

void rl_sb_printf(rl_sb *sb, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The text (owned by the caller, free()) or NULL with RL_ENOMEM set. */
char *rl_sb_finish(rl_sb *sb);

#endif /* RLTOOL_ENVS_MUJOCO_SIM_H */
