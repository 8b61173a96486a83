/* The generic env layer: option splitting, action checks, wrappers (time
 * limit, clip, action repeat, discretisation, decision budget) and episode
 * statistics around a task's reset/step. */
#include "envs/env_internal.h"
#include "core/error.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rl_optdef wrap_opts[] = {
    {"max_steps", RL_OPT_INT, offsetof(rl_wrap_cfg, max_steps), "0", 0, 1e9, NULL,
     "time limit in steps (0: the task's default)"},
    {"action_repeat", RL_OPT_INT, offsetof(rl_wrap_cfg, action_repeat), "1", 1, 1000, NULL,
     "repeat each action this many steps, summing rewards"},
    {"discretize", RL_OPT_INT, offsetof(rl_wrap_cfg, discretize), "0", 0, 1001, NULL,
     "bins per dimension that turn a Box action space discrete (0: off, else >= 2)"},
    {"decision_budget", RL_OPT_INT, offsetof(rl_wrap_cfg, decision_budget), "0", 0, 1e9, NULL,
     "changed actions allowed per episode; repeating costs none (0: off)"},
};
#define N_WRAP_OPTS ((int)(sizeof wrap_opts / sizeof wrap_opts[0]))

const rl_optdef *rl_env_wrapper_opts(int *n)
{
    RL_NEED(n, NULL);
    if (n) *n = N_WRAP_OPTS;
    return wrap_opts;
}

/* Wrapper state hanging off env->wrap. */
typedef struct wrap_state {
    rl_wrap_cfg cfg;
    int owns_shared;
    int owns_buffers;
    uint64_t stream;
    rl_space inner_act;  /* the task's own action space */
    float *act;          /* (inner act dim) action handed to the task */
    float *last;         /* (outer act dim) previous action, for the budget */
    int decisions;
    int has_last;
} wrap_state;

static int join_names(const rl_optdef *defs, int n, char *buf, size_t cap, size_t used)
{
    for (int i = 0; i < n && used < cap; i++)
        used += snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", defs[i].name);
    return (int)used;
}

int rl_env_parse_opts(const rl_task *task, const char *opts, void *task_cfg, rl_wrap_cfg *wrap)
{
    int rc = rl_opts_defaults(wrap_opts, N_WRAP_OPTS, wrap);
    if (rc) return rc;
    const char *p = opts ? opts : "";
    char key[128], val[RL_OPT_STR_MAX];
    while ((rc = rl_kv_next(&p, key, sizeof key, val, sizeof val)) == 1) {
        if (rl_opts_find(wrap_opts, N_WRAP_OPTS, key)) {
            rc = rl_opts_set(wrap_opts, N_WRAP_OPTS, wrap, task->id, key, val);
        } else if (rl_opts_find(task->opts, task->n_opts, key)) {
            rc = rl_opts_set(task->opts, task->n_opts, task_cfg, task->id, key, val);
        } else {
            char known[768];
            int used = join_names(task->opts, task->n_opts, known, sizeof known, 0);
            join_names(wrap_opts, N_WRAP_OPTS, known, sizeof known, (size_t)used);
            return rl_error(RL_ENOTFOUND, "unknown option '%s' for %s (known: %s)", key,
                            task->id, known);
        }
        if (rc) return rc;
    }
    if (rc < 0) return rc;
    if (wrap->discretize == 1)
        return rl_error(RL_EINVAL, "bad value '1' for option 'discretize' of %s (expected 0 "
                        "for off or at least 2 bins)", task->id);
    return RL_OK;
}

static void free_own_buffers(rl_env *env)
{
    wrap_state *w = env->wrap;
    if (!w || !w->owns_buffers) return;
    free(env->obs);
    free(env->reward);
    free(env->terminated);
    free(env->truncated);
    free(env->info);
    w->owns_buffers = 0;
}

/* A task's spaces come from its init (plugins and Python envs included):
 * checked before any buffer is sized from them, so Discrete(0), a negative
 * or huge dimension or low > high is an error naming the task, not a
 * division by zero or a wild allocation later. */
static int check_space(const rl_task *task, const char *what, const rl_space *s)
{
    if (s->kind != RL_BOX && s->kind != RL_DISCRETE)
        return rl_error(RL_EINVAL, "%s: %s space kind %d is neither RL_BOX nor RL_DISCRETE",
                        task->id, what, (int)s->kind);
    if (s->dim < 1 || s->dim > RL_MAX_SPACE_DIM)
        return rl_error(RL_EINVAL, "%s: %s space has %d values (accepted: 1..%d)", task->id, what,
                        s->dim, RL_MAX_SPACE_DIM);
    if (s->kind == RL_DISCRETE && (s->n < 1 || s->n > RL_MAX_DISCRETE_N))
        return rl_error(RL_EINVAL, "%s: %s space is Discrete(%d) (accepted: 1..%d choices)",
                        task->id, what, s->n, RL_MAX_DISCRETE_N);
    if (s->kind == RL_BOX)
        for (int i = 0; i < s->dim; i++) {
            float lo = s->low ? s->low[i] : -1.f, hi = s->high ? s->high[i] : 1.f;
            if (isnan(lo) || isnan(hi) || lo > hi)
                return rl_error(RL_EINVAL, "%s: %s space bound %d is [%g, %g]; low must be <= "
                                "high and neither NaN", task->id, what, i, lo, hi);
        }
    return RL_OK;
}

static int check_env_layout(const rl_env *env)
{
    const rl_task *task = env->task;
    int rc = check_space(task, "observation", &env->obs_space);
    if (!rc) rc = check_space(task, "action", &env->act_space);
    if (!rc && (env->n_slices < 0 || (env->n_slices > 0 && !env->slices)))
        rc = rl_error(RL_EINVAL, "%s: %d observation slices but no slice table", task->id,
                      env->n_slices);
    for (int i = 0; !rc && i < env->n_slices; i++) {
        const rl_slice *sl = &env->slices[i];
        if (!sl->name || sl->start < 0 || sl->len < 0 || sl->start > env->obs_space.dim - sl->len)
            rc = rl_error(RL_EINVAL, "%s: observation slice %d (%s %d..+%d) is outside the %d "
                          "observation values", task->id, i, sl->name ? sl->name : "(no name)",
                          sl->start, sl->len, env->obs_space.dim);
    }
    if (!rc && (env->n_info < 0 || env->n_info > RL_INFO_MAX_EXTRA ||
                (env->n_info > 0 && !env->info_names)))
        rc = rl_error(RL_EINVAL, "%s: %d info values (accepted: 0..%d, with names)", task->id,
                      env->n_info, RL_INFO_MAX_EXTRA);
    return rc;
}

rl_env *rl_env_create(const rl_task *task, const void *task_cfg, const rl_wrap_cfg *wcfg,
                      void *shared, int owns_shared, uint64_t stream)
{
    rl_env *env = calloc(1, sizeof *env);
    wrap_state *w = calloc(1, sizeof *w);
    void *cfg = calloc(1, task->cfg_size ? task->cfg_size : 1);
    if (!env || !w || !cfg) {
        free(env);
        free(w);
        free(cfg);
        rl_error(RL_ENOMEM, "out of memory creating %s", task->id);
        return NULL;
    }
    if (task->cfg_size) memcpy(cfg, task_cfg, task->cfg_size);
    env->task = task;
    env->cfg = cfg;
    env->shared = shared;
    env->wrap = w;
    w->cfg = *wcfg;
    w->owns_shared = owns_shared;
    w->stream = stream;
    rl_rng_seed(&env->rng, 0, stream);

    if (task->init(env, cfg, shared) != RL_OK) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", rl_last_error());
        int code = rl_last_code() ? rl_last_code() : RL_EINVAL;
        if (task->close) task->close(env);
        if (owns_shared && task->shared_free) task->shared_free(shared);
        free(w);
        free(cfg);
        free(env);
        rl_error(code, "%s", msg);
        return NULL;
    }
    if (check_env_layout(env)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", rl_last_error());
        rl_env_free(env);
        rl_error(RL_EINVAL, "%s", msg);
        return NULL;
    }
    w->inner_act = env->act_space;
    env->max_steps = wcfg->max_steps ? wcfg->max_steps : task->max_steps;
    if (wcfg->discretize) {
        if (env->act_space.kind != RL_BOX) {
            rl_env_free(env);
            rl_error(RL_EINVAL, "discretize needs a Box action space; %s is already discrete",
                     task->id);
            return NULL;
        }
        env->act_space.kind = RL_DISCRETE;
        env->act_space.n = wcfg->discretize;
        env->act_space.low = env->act_space.high = NULL;
    }
    int od = env->obs_space.dim, ad = env->act_space.dim;
    env->obs = calloc((size_t)od, sizeof(float));
    env->reward = calloc(1, sizeof(float));
    env->terminated = calloc(1, 1);
    env->truncated = calloc(1, 1);
    env->info = calloc(1, sizeof(rl_info));
    w->owns_buffers = 1;
    w->act = calloc((size_t)w->inner_act.dim, sizeof(float));
    w->last = calloc((size_t)ad, sizeof(float));
    if (!env->obs || !env->reward || !env->terminated || !env->truncated || !env->info ||
        !w->act || !w->last) {
        rl_env_free(env);
        rl_error(RL_ENOMEM, "out of memory creating %s", task->id);
        return NULL;
    }
    env->needs_reset = 1;
    return env;
}

static const char *task_id_at(int i) { return rl_task_at(i)->id; }

const rl_task *rl_task_find_or_error(const char *id)
{
    RL_NEED(id, NULL);
    rl_clear_error();
    const rl_task *task = rl_task_find(id);
    if (task || rl_last_code()) return task; /* a task file or model path said what is wrong */
    if (strpbrk(id, ", ="))
        rl_error(RL_ENOTFOUND, "env id '%s' contains ',', ' ' or '=': an id is one name such as "
                 "swimmer-v1; options go separately (--set key=value)", id);
    else
        rl_error_unknown("env id", id, task_id_at, rl_task_count());
    return NULL;
}

rl_env *rl_env_make(const char *id, const char *opts)
{
    RL_NEED(id, NULL);
    const rl_task *task = rl_task_find_or_error(id);
    if (!task) return NULL;
    void *cfg = calloc(1, task->cfg_size ? task->cfg_size : 1);
    if (!cfg) {
        rl_error(RL_ENOMEM, "out of memory");
        return NULL;
    }
    rl_wrap_cfg wcfg;
    int rc = rl_opts_defaults(task->opts, task->n_opts, cfg);
    if (!rc) rc = rl_env_parse_opts(task, opts, cfg, &wcfg);
    void *shared = NULL;
    if (!rc && task->shared_make) rc = task->shared_make(cfg, &shared);
    rl_env *env = rc ? NULL : rl_env_create(task, cfg, &wcfg, shared, 1, 0);
    free(cfg);
    return env;
}

void rl_env_free(rl_env *env)
{
    if (!env) return;
    wrap_state *w = env->wrap;
    if (env->task->close) env->task->close(env);
    if (w && w->owns_shared && env->task->shared_free) env->task->shared_free(env->shared);
    free_own_buffers(env);
    if (w) {
        free(w->act);
        free(w->last);
    }
    free(w);
    free(env->cfg);
    free(env);
}

void rl_env_bind(rl_env *env, float *obs, float *reward, unsigned char *terminated,
                 unsigned char *truncated, rl_info *info)
{
    free_own_buffers(env);
    env->obs = obs;
    env->reward = reward;
    env->terminated = terminated;
    env->truncated = truncated;
    env->info = info;
}

static void clear_step_outputs(rl_env *env)
{
    *env->reward = 0;
    *env->terminated = 0;
    *env->truncated = 0;
    memset(env->info, 0, sizeof *env->info);
    env->info->success = -1;
}

int rl_env_reset(rl_env *env, int64_t seed)
{
    if (!env) return rl_error(RL_EINVAL, "rl_env_reset: env is NULL");
    wrap_state *w = env->wrap;
    if (seed >= 0) rl_rng_seed(&env->rng, (uint64_t)seed, w->stream);
    env->t = 0;
    env->ep_return = 0;
    env->needs_reset = 0;
    w->decisions = 0;
    w->has_last = 0;
    clear_step_outputs(env);
    env->task->reset(env);
    return RL_OK;
}

int rl_env_check_action(const rl_env *env, const float *action)
{
    const rl_space *s = &env->act_space;
    if (!action) return rl_error(RL_EINVAL, "%s: action is NULL", env->task->id);
    for (int i = 0; i < s->dim; i++) {
        float a = action[i];
        if (!isfinite(a))
            return rl_error(RL_EINVAL, "%s: action[%d] is %s; actions must be finite",
                            env->task->id, i, isnan(a) ? "NaN" : "infinite");
        if (s->kind == RL_DISCRETE && (a != floorf(a) || a < 0 || a >= s->n))
            return rl_error(RL_EINVAL, "%s: action[%d] = %g is not an integer in [0, %d)",
                            env->task->id, i, a, s->n);
    }
    return RL_OK;
}

/* Outer action -> the task's action: clip a Box, or map bins to values. */
static void inner_action(rl_env *env, const float *action)
{
    wrap_state *w = env->wrap;
    const rl_space *in = &w->inner_act;
    int bins = w->cfg.discretize;
    for (int i = 0; i < in->dim; i++) {
        float a = action[i];
        if (in->kind == RL_BOX) {
            float lo = in->low ? in->low[i] : -1.f, hi = in->high ? in->high[i] : 1.f;
            if (bins) a = lo + (hi - lo) * a / (float)(bins - 1);
            a = a < lo ? lo : (a > hi ? hi : a);
        }
        w->act[i] = a;
    }
}

int rl_env_step(rl_env *env, const float *action)
{
    if (!env) return rl_error(RL_EINVAL, "rl_env_step: env is NULL");
    if (env->needs_reset)
        return rl_error(RL_ESTATE, "%s: the episode has ended (or never started); call "
                        "rl_env_reset first", env->task->id);
    int rc = rl_env_check_action(env, action);
    if (rc) return rc;
    wrap_state *w = env->wrap;
    int ad = env->act_space.dim;
    int out_of_budget = 0;

    /* Decision budget: a changed action costs one decision; a change once
     * the budget is spent is not applied (the previous action repeats) and
     * the episode ends after this step. */
    if (w->cfg.decision_budget) {
        int changed = !w->has_last || memcmp(w->last, action, (size_t)ad * sizeof(float));
        if (changed && w->decisions >= w->cfg.decision_budget) {
            out_of_budget = 1;
            action = w->last;
        } else if (changed) {
            w->decisions++;
            memcpy(w->last, action, (size_t)ad * sizeof(float));
            w->has_last = 1;
        }
    }
    inner_action(env, action);

    double total = 0;
    unsigned char term = 0;
    int unstable = 0, success = -1;
    for (int k = 0; k < w->cfg.action_repeat && !term; k++) {
        clear_step_outputs(env);
        env->task->step(env, w->act);
        total += *env->reward;
        term = *env->terminated;
        unstable |= env->info->sim_unstable;
        success = env->info->success;
    }
    env->t++;
    env->ep_return += total;
    *env->reward = (float)total;
    *env->terminated = term;
    *env->truncated = !term && ((env->max_steps && env->t >= env->max_steps) || out_of_budget);
    env->info->sim_unstable = unstable;
    env->info->success = success;
    if (*env->terminated || *env->truncated) {
        env->info->done = 1;
        env->info->episode_return = env->ep_return;
        env->info->episode_length = env->t;
        env->needs_reset = 1;
    }
    return RL_OK;
}

const float *rl_env_obs(const rl_env *env) { RL_NEED(env, NULL); return env->obs; }
float rl_env_reward(const rl_env *env) { RL_NEED(env, 0); return *env->reward; }
int rl_env_terminated(const rl_env *env) { RL_NEED(env, 0); return *env->terminated; }
int rl_env_truncated(const rl_env *env) { RL_NEED(env, 0); return *env->truncated; }
const rl_info *rl_env_info(const rl_env *env) { RL_NEED(env, NULL); return env->info; }
const rl_space *rl_env_obs_space(const rl_env *env) { RL_NEED(env, NULL); return &env->obs_space; }
const rl_space *rl_env_act_space(const rl_env *env) { RL_NEED(env, NULL); return &env->act_space; }

const rl_slice *rl_env_slice(const rl_env *env, const char *name)
{
    RL_NEED(env, NULL);
    RL_NEED(name, NULL);
    for (int i = 0; i < env->n_slices; i++)
        if (!strcmp(env->slices[i].name, name)) return &env->slices[i];
    return NULL;
}

int rl_env_options(const rl_env *env, char *buf, size_t cap)
{
    RL_NEED(env, RL_EINVAL);
    if (!buf && cap) return rl_error(RL_EINVAL, "%s: buf is NULL", __func__);
    wrap_state *w = env->wrap;
    int n = rl_opts_format(env->task->opts, env->task->n_opts, env->cfg, buf, cap);
    if (n < 0) return n;
    size_t used = (size_t)n;
    rl_wrap_cfg shown = w->cfg;
    if (!shown.max_steps) shown.max_steps = env->max_steps;
    int m = rl_opts_format(wrap_opts, N_WRAP_OPTS, &shown, buf + used + (used ? 1 : 0),
                           cap - used - 1);
    if (m < 0) return m;
    if (used) buf[used] = ',';
    return (int)(used + (used ? 1 : 0) + (size_t)m);
}

double rl_env_dt(const rl_env *env)
{
    RL_NEED(env, 0);
    const wrap_state *w = env->wrap;
    double dt = env->dt > 0 ? env->dt : env->task->dt;
    return dt * (w ? w->cfg.action_repeat : 1);
}

int rl_env_render(rl_env *env, unsigned char *rgb, int width, int height)
{
    RL_NEED(env, RL_EINVAL);
    RL_NEED(rgb, RL_EINVAL);
    if (!env->task->render)
        return rl_error(RL_EINVAL, "%s cannot render", env->task->id);
    if (width <= 0 || height <= 0 || width > 8192 || height > 8192)
        return rl_error(RL_EINVAL, "render size %dx%d is out of range (1..8192)", width, height);
    return env->task->render(env, rgb, width, height);
}
