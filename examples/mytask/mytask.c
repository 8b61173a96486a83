/* mytask.c: a complete custom rltool task. A point mass on a line must
 * reach a random goal and stop there. Observation (goal - x, velocity),
 * action a force in [-1, 1], reward -|goal - x| - 0.01 a^2 per step.
 * Build it as a plugin (rltool --plugin ./libmytask.so) or link it into a
 * program (train_mytask.c); both call rltool_plugin_init to register it. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include <rltool.h>

#define DT 0.05

typedef struct mycfg {
    double goal_range; /* goals are drawn from [-goal_range, goal_range] */
} mycfg;

typedef struct mystate {
    double x, v, goal, goal_range;
} mystate;

static const rl_optdef my_opts[] = {
    {"goal_range", RL_OPT_FLOAT, offsetof(mycfg, goal_range), "1", 0.1, 10, NULL,
     "goals are drawn uniformly from [-goal_range, goal_range]"},
};
static const float obs_low[2] = {-INFINITY, -INFINITY}, obs_high[2] = {INFINITY, INFINITY};
static const float act_low[1] = {-1.f}, act_high[1] = {1.f};
static const rl_slice my_slices[] = {{"to_goal", 0, 1}, {"velocity", 1, 1}};static const char *const my_info[] = {"distance"};

static int my_init(rl_env *env, const void *cfg, void *shared)
{
    (void)shared; /* no shared_make: nothing shared between envs */
    mystate *s = calloc(1, sizeof *s);
    if (!s) return rl_error(RL_ENOMEM, "mytask: out of memory");
    s->goal_range = ((const mycfg *)cfg)->goal_range;
    env->data = s;
    env->obs_space = (rl_space){RL_BOX, 2, 0, obs_low, obs_high};
    env->act_space = (rl_space){RL_BOX, 1, 0, act_low, act_high};
    env->slices = my_slices, env->n_slices = 2;  /* optional: named obs parts */
    env->info_names = my_info, env->n_info = 1;   /* optional: info->extra names */
    return RL_OK;
}

static void write_obs(const mystate *s, float *obs)
{
    obs[0] = (float)(s->goal - s->x);
    obs[1] = (float)s->v;
}

static void my_reset(rl_env *env)
{
    mystate *s = env->data;
    s->x = s->v = 0;
    s->goal = rl_rng_range(&env->rng, -s->goal_range, s->goal_range);
    write_obs(s, env->obs);
}

static void my_step(rl_env *env, const float *action)
{
    mystate *s = env->data;
    double a = action[0]; /* already clipped to [-1, 1] */
    s->v += DT * (2.0 * a - 0.5 * s->v); /* force minus friction, unit mass */
    s->x += DT * s->v;
    double dist = fabs(s->goal - s->x);
    write_obs(s, env->obs);
    *env->reward = (float)(-dist - 0.01 * a * a);
    *env->terminated = 0;                 /* no terminal state; the time limit ends it */
    env->info->success = dist < 0.05;
    env->info->extra[0] = (float)dist;
}

static void my_close(rl_env *env)
{
    free(env->data);
    env->data = NULL;
}

static const rl_task mytask = {
    .id = "mytask-v1",
    .summary = "point mass on a line that must reach a random goal (example plugin)",
    .opts = my_opts,
    .n_opts = 1,
    .cfg_size = sizeof(mycfg),
    .max_steps = 100,
    .dt = DT,
    .init = my_init,
    .reset = my_reset,
    .step = my_step,
    .close = my_close,
};

/* The plugin entry point: rl_plugin_load calls it once. */
int rltool_plugin_init(void) { return rl_task_register(&mytask); }
