/* Vector env: N envs of one configuration over struct-of-arrays batch
 * buffers, stepped in contiguous slices by a thread pool. Each env owns its
 * rng stream (stream i), so results do not depend on the thread count. */
#include "core/error.h"
#include "core/threadpool.h"
#include "envs/vec.h"
#include "envs/env_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>

/* Serial or threaded batch steps, whichever is measured faster
 * (rl_pool_choice): on an idle machine the pool wins for batches of
 * expensive envs; when other work keeps the cores busy, the second thread
 * gains nothing and each hand-off (a worker preempted mid-part holds up the
 * step) costs. Batches shorter than SERIAL_BELOW_NS never try threads (a
 * hand-off costs ~1 us even on an idle machine). Results do not depend on
 * the choice. */
#define SERIAL_BELOW_NS 5000.0
/* Parts per thread of a batch step: a thread that starts late (no free
 * core just then) takes fewer parts instead of holding up the step. */
#define PARTS_PER_THREAD 8

struct rl_vec {
    const rl_task *task;
    int n, obs_dim, act_dim;
    int autoreset;
    rl_env **envs;
    void *shared;
    rl_pool *pool;
    float *obs;               /* (n, obs_dim) */
    float *final_obs;         /* (n, obs_dim) same-step autoreset only */
    float *actions;           /* (n, act_dim) */
    float *rewards;           /* (n) */
    unsigned char *terminated;/* (n) */
    unsigned char *truncated; /* (n) */
    rl_info *infos;           /* (n) */
    int64_t reset_seed;       /* for the pool job */
    rl_pool_choice choice;    /* batch steps: serial or on the pool */
    int always_parallel;      /* tests: every step through the pool */
};

rl_vec *rl_vec_make(const char *id, const char *opts, int n_envs, int n_threads)
{
    RL_NEED(id, NULL);
    if (n_envs < 1 || n_envs > 1 << 20) {
        rl_error(RL_EINVAL, "number of envs must be in [1, 1048576], got %d", n_envs);
        return NULL;
    }
    if (n_threads < 1 || n_threads > 1024) {
        rl_error(RL_EINVAL, "number of threads must be in [1, 1024], got %d", n_threads);
        return NULL;
    }
    const rl_task *task = rl_task_find_or_error(id);
    if (!task) return NULL;
    rl_vec *vec = calloc(1, sizeof *vec);
    void *cfg = calloc(1, task->cfg_size ? task->cfg_size : 1);
    if (!vec || !cfg) goto oom;
    vec->task = task;
    vec->n = n_envs;
    rl_wrap_cfg wcfg;
    if (rl_opts_defaults(task->opts, task->n_opts, cfg) ||
        rl_env_parse_opts(task, opts, cfg, &wcfg))
        goto fail;
    if (task->shared_make && task->shared_make(cfg, &vec->shared)) goto fail;
    vec->envs = calloc((size_t)n_envs, sizeof(rl_env *));
    if (!vec->envs) goto oom;
    for (int i = 0; i < n_envs; i++) {
        vec->envs[i] = rl_env_create(task, cfg, &wcfg, vec->shared, 0, (uint64_t)i);
        if (!vec->envs[i]) goto fail;
    }
    vec->obs_dim = vec->envs[0]->obs_space.dim;
    vec->act_dim = vec->envs[0]->act_space.dim;
    size_t n = (size_t)n_envs;
    vec->obs = calloc(n * (size_t)vec->obs_dim, sizeof(float));
    vec->final_obs = calloc(n * (size_t)vec->obs_dim, sizeof(float));
    vec->actions = calloc(n * (size_t)vec->act_dim, sizeof(float));
    vec->rewards = calloc(n, sizeof(float));
    vec->terminated = calloc(n, 1);
    vec->truncated = calloc(n, 1);
    vec->infos = calloc(n, sizeof(rl_info));
    if (!vec->obs || !vec->final_obs || !vec->actions || !vec->rewards || !vec->terminated ||
        !vec->truncated || !vec->infos)
        goto oom;
    for (int i = 0; i < n_envs; i++)
        rl_env_bind(vec->envs[i], vec->obs + (size_t)i * vec->obs_dim, vec->rewards + i,
                    vec->terminated + i, vec->truncated + i, vec->infos + i);
    /* The whole n_threads even with fewer envs: agents run their network
     * updates on this pool too (a 1-env SAC run with --threads 2 updates
     * on 2 threads); a batch step never uses more parts than envs. */
    vec->pool = rl_pool_make(n_threads);
    if (!vec->pool) goto fail;
    free(cfg);
    return vec;
oom:
    rl_error(RL_ENOMEM, "out of memory creating %d envs of %s", n_envs, id);
fail:
    free(cfg);
    if (vec) {
        int code = rl_last_code();
        rl_vec_free(vec); /* sets no error */
        if (!code) rl_error(RL_EINVAL, "%s", rl_last_error());
    }
    return NULL;
}

void rl_vec_free(rl_vec *vec)
{
    if (!vec) return;
    rl_pool_free(vec->pool);
    if (vec->envs)
        for (int i = 0; i < vec->n; i++) rl_env_free(vec->envs[i]);
    if (vec->shared && vec->task->shared_free) vec->task->shared_free(vec->shared);
    free(vec->envs);
    free(vec->obs);
    free(vec->final_obs);
    free(vec->actions);
    free(vec->rewards);
    free(vec->terminated);
    free(vec->truncated);
    free(vec->infos);
    free(vec);
}

/* Contiguous slice [*lo, *hi) of n items for thread t of nt. */
static void slice(int n, int t, int nt, int *lo, int *hi)
{
    *lo = (int)((long long)n * t / nt);
    *hi = (int)((long long)n * (t + 1) / nt);
}

static void reset_job(void *ctx, int t, int nt)
{
    rl_vec *vec = ctx;
    int lo, hi;
    slice(vec->n, t, nt, &lo, &hi);
    /* Env i reseeds stream i of the same seed: env 0 of a vec env matches a
     * single env reset with that seed. */
    for (int i = lo; i < hi; i++) rl_env_reset(vec->envs[i], vec->reset_seed);
}

static int first_nonfinite(const float *x, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return i;
    return -1;
}

/* Non-finite values stop training where they enter: a reward or an
 * observation the task produced, named as such (not later, as an action
 * the policy computed from them). */
static int check_outputs(const rl_vec *vec, const char *when)
{
    int od = vec->obs_dim;
    for (int i = 0; i < vec->n; i++) {
        float r = vec->rewards[i];
        if (!isfinite(r))
            return rl_error(RL_ENUMERIC, "%s env %d: the task's reward is %s %s; non-finite "
                            "values stop training (check the reward terms)", vec->task->id, i,
                            isnan(r) ? "NaN" : "infinite", when);
        const float *rows[2] = {vec->obs + (size_t)i * od, NULL};
        if (vec->final_obs && (vec->terminated[i] || vec->truncated[i]))
            rows[1] = vec->final_obs + (size_t)i * od;
        for (int k = 0; k < 2 && rows[k]; k++) {
            int j = first_nonfinite(rows[k], od);
            if (j >= 0)
                return rl_error(RL_ENUMERIC, "%s env %d: the task's %sobservation[%d] is %s %s; "
                                "non-finite values stop training", vec->task->id, i,
                                k ? "final " : "", j, isnan(rows[k][j]) ? "NaN" : "infinite",
                                when);
        }
    }
    return RL_OK;
}

int rl_vec_reset(rl_vec *vec, int64_t seed)
{
    RL_NEED(vec, RL_EINVAL);
    if (!vec) return rl_error(RL_EINVAL, "rl_vec_reset: vec is NULL");
    vec->reset_seed = seed;
    int nt = rl_pool_size(vec->pool);
    rl_pool_run_parts(vec->pool, reset_job, vec, vec->n < nt ? vec->n : nt);
    return check_outputs(vec, "after a reset");
}

static void step_job(void *ctx, int t, int nt)
{
    rl_vec *vec = ctx;
    int lo, hi;
    slice(vec->n, t, nt, &lo, &hi);
    for (int i = lo; i < hi; i++) {
        rl_env *env = vec->envs[i];
        if (env->needs_reset) {  /* next-step autoreset: this step only resets */
            rl_env_reset(env, -1);
            continue;
        }
        rl_env_step(env, vec->actions + (size_t)i * vec->act_dim);
        if (vec->autoreset == RL_AUTORESET_SAME_STEP && env->needs_reset) {
            size_t od = (size_t)vec->obs_dim;
            memcpy(vec->final_obs + i * od, env->obs, od * sizeof(float));
            float r = *env->reward;
            unsigned char te = *env->terminated, tr = *env->truncated;
            rl_info info = *env->info;
            rl_env_reset(env, -1);
            *env->reward = r;
            *env->terminated = te;
            *env->truncated = tr;
            *env->info = info;
        }
    }
}

/* One batch step, serial or on the pool (see SERIAL_BELOW_NS). */
static void run_step(rl_vec *vec)
{
    int nt = rl_pool_size(vec->pool);
    vec->choice.min_ns = SERIAL_BELOW_NS;
    int pooled = rl_pool_choice_begin(vec->pool, &vec->choice);
    if (vec->always_parallel && nt > 1) pooled = vec->choice.pooled = 1;
    if (pooled) {
        int parts = vec->n < PARTS_PER_THREAD * nt ? vec->n : PARTS_PER_THREAD * nt;
        rl_pool_run_parts(vec->pool, step_job, vec, parts);
    } else {
        step_job(vec, 0, 1);
    }
    rl_pool_choice_end(&vec->choice);
}

int rl_vec_step(rl_vec *vec, const float *actions)
{
    RL_NEED(vec, RL_EINVAL);
    if (!vec) return rl_error(RL_EINVAL, "rl_vec_step: vec is NULL");
    size_t ad = (size_t)vec->act_dim;
    if (actions && actions != vec->actions)
        memcpy(vec->actions, actions, (size_t)vec->n * ad * sizeof(float));
    /* Check every action first so a bad one changes no env's state. */
    for (int i = 0; i < vec->n; i++) {
        rl_env *env = vec->envs[i];
        if (env->needs_reset && vec->autoreset == RL_AUTORESET_NEXT_STEP) continue;
        if (env->needs_reset)
            return rl_error(RL_ESTATE, "%s: call rl_vec_reset before rl_vec_step", vec->task->id);
        /* Observations were checked finite when they were produced.
         * (rl_error may format the current message: no copy needed.) */
        if (rl_env_check_action(env, vec->actions + (size_t)i * ad))
            return rl_error(RL_EINVAL, "env %d: %s (the policy computed it from finite "
                            "observations)", i, rl_last_error());
    }
    run_step(vec);
    return check_outputs(vec, "after a step");
}

int rl_vec_set_autoreset(rl_vec *vec, int mode)
{
    RL_NEED(vec, RL_EINVAL);
    if (mode != RL_AUTORESET_NEXT_STEP && mode != RL_AUTORESET_SAME_STEP)
        return rl_error(RL_EINVAL, "autoreset mode must be RL_AUTORESET_NEXT_STEP (0) or "
                        "RL_AUTORESET_SAME_STEP (1), got %d", mode);
    vec->autoreset = mode;
    return RL_OK;
}

int rl_vec_num_envs(const rl_vec *vec) { RL_NEED(vec, 0); return vec->n; }
/* Threads that step envs (the pool may be larger, for the updates). */
int rl_vec_num_threads(const rl_vec *vec)
{
    RL_NEED(vec, 0);
    int nt = rl_pool_size(vec->pool);
    return vec->n < nt ? vec->n : nt;
}

rl_pool *rl_vec_pool(rl_vec *vec) { return vec->pool; }
void rl_vec_always_parallel(rl_vec *vec, int on) { vec->always_parallel = on; }
rl_env *rl_vec_env(rl_vec *vec, int i)
{
    RL_NEED(vec, NULL);
    return i >= 0 && i < vec->n ? vec->envs[i] : NULL;
}
float *rl_vec_obs(rl_vec *vec) { RL_NEED(vec, NULL); return vec->obs; }
float *rl_vec_final_obs(rl_vec *vec) { RL_NEED(vec, NULL); return vec->final_obs; }
float *rl_vec_actions(rl_vec *vec) { RL_NEED(vec, NULL); return vec->actions; }
float *rl_vec_rewards(rl_vec *vec) { RL_NEED(vec, NULL); return vec->rewards; }
unsigned char *rl_vec_terminated(rl_vec *vec) { RL_NEED(vec, NULL); return vec->terminated; }
unsigned char *rl_vec_truncated(rl_vec *vec) { RL_NEED(vec, NULL); return vec->truncated; }
rl_info *rl_vec_infos(rl_vec *vec) { RL_NEED(vec, NULL); return vec->infos; }
