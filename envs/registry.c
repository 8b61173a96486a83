/* Versioned task ids: the built-in tasks plus those registered at run time
 * (plugins, user code). */
#include "rltool.h"
#include "core/error.h"
#include "envs/tasks.h"
#include "envs/mujoco/mjcf_task.h"
#include "envs/mujoco/task_file.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>

static const rl_task *const builtin[] = {
    &rl_task_cartpole,
    &rl_task_pendulum,
    &rl_task_swimmer,
    &rl_task_swimmer_target,
    &rl_task_hand_reach,
    &rl_task_hand_rotate,
    &rl_task_hand_reach2,
    &rl_task_hand_rotate2,
    &rl_task_hand_rotate3,
    &rl_task_hand_rotate4,
    &rl_task_hand_spin,
    &rl_task_hand_spin2,
    &rl_task_quadrotor_hover,
    &rl_task_quadrotor_goto,
};
#define N_BUILTIN ((int)(sizeof builtin / sizeof builtin[0]))
#define MAX_USER 64

/* User tasks are process-wide by nature (like gym.register); guarded. */
static const rl_task *user[MAX_USER];
static int n_user;
static pthread_mutex_t user_lock = PTHREAD_MUTEX_INITIALIZER;

int rl_task_count(void)
{
    pthread_mutex_lock(&user_lock);
    int n = N_BUILTIN + n_user;
    pthread_mutex_unlock(&user_lock);
    return n;
}

const rl_task *rl_task_at(int i)
{
    if (i < 0) return NULL;
    if (i < N_BUILTIN) return builtin[i];
    pthread_mutex_lock(&user_lock);
    const rl_task *t = i - N_BUILTIN < n_user ? user[i - N_BUILTIN] : NULL;
    pthread_mutex_unlock(&user_lock);
    return t;
}

const rl_task *rl_task_find(const char *id)
{
    RL_NEED(id, NULL);
    if (!id) return NULL;
    /* "mjcf:PATH" needs no registration: a task for that file is made on
     * first use and cached (mjcf_task.c), so every lookup of an id returns
     * the same pointer. It is not listed by rl_task_count/rl_task_at. */
    if (!strncmp(id, RL_MJCF_PREFIX, strlen(RL_MJCF_PREFIX))) return rl_mjcf_task(id);
    /* A path ending in ".task" is a task file (task_file.c), read on each
     * lookup; its task's id is the file's absolute path. */
    if (rl_taskfile_is_id(id)) return rl_taskfile_task(id);
    int n = rl_task_count();
    for (int i = 0; i < n; i++) {
        const rl_task *t = rl_task_at(i);
        if (t && !strcmp(t->id, id)) return t;
    }
    return NULL;
}

/* Ids travel through option strings, file names and 64-byte fields: one
 * short token of letters, digits and ._:/- (no comma, space or '='). */
static int check_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > RL_MAX_ID_LEN)
        return rl_error(RL_EINVAL, "task id '%.80s' must have 1..%d characters", id, RL_MAX_ID_LEN);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!(isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == ':'))
            return rl_error(RL_EINVAL, "task id '%s' has the character '%c' (0x%02x); ids use "
                            "letters, digits and - _ . / : only", id, c >= 32 && c < 127 ? c : '?',
                            c);
    }
    return RL_OK;
}

int rl_task_register(const rl_task *task)
{
    RL_NEED(task, RL_EINVAL);
    if (!task || !task->id || !task->init || !task->reset || !task->step)
        return rl_error(RL_EINVAL, "a task needs an id and init, reset and step functions");
    if (check_id(task->id)) return rl_last_code();
    if (task->max_steps < 0 || task->n_opts < 0 || (task->n_opts > 0 && !task->opts) ||
        task->cfg_size > ((size_t)1 << 24) || !(task->dt >= 0 && task->dt < 1e6))
        return rl_error(RL_EINVAL, "task %s: max_steps %d, n_opts %d, cfg_size %zu or dt %g out "
                        "of range (max_steps >= 0, options need a table, cfg_size <= 16 MB, "
                        "0 <= dt < 1e6)", task->id, task->max_steps, task->n_opts,
                        task->cfg_size, task->dt);
    if (!strchr(task->id, '-') || strncmp(strrchr(task->id, '-'), "-v", 2))
        return rl_error(RL_EINVAL, "task id '%s' must end with a version such as -v1", task->id);
    if (rl_task_find(task->id))
        return rl_error(RL_EINVAL, "task id '%s' is already registered", task->id);
    pthread_mutex_lock(&user_lock);
    int rc = RL_OK;
    if (n_user == MAX_USER)
        rc = rl_error(RL_ENOMEM, "at most %d tasks can be registered", MAX_USER);
    else
        user[n_user++] = task;
    pthread_mutex_unlock(&user_lock);
    return rc;
}
