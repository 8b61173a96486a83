/* pendulum-v1: Gym's Pendulum swing-up; the action in [-1, 1] is scaled to
 * a torque in [-2, 2]. */
#include "envs/tasks.h"

#include "envs/classic/draw.h"

#include <math.h>
#include <stdlib.h>

#define G 10.0
#define MASS 1.0
#define LENGTH 1.0
#define DT 0.05
#define MAX_SPEED 8.0
#define MAX_TORQUE 2.0

typedef struct {
    double th, thdot;
} pendulum;

static const float obs_low[3] = {-1.f, -1.f, (float)-MAX_SPEED};
static const float obs_high[3] = {1.f, 1.f, (float)MAX_SPEED};
static const float act_low[1] = {-1.f};
static const float act_high[1] = {1.f};
static const rl_slice slices[] = {{"cos_theta", 0, 1}, {"sin_theta", 1, 1}, {"theta_dot", 2, 1}};

static int init(rl_env *env, const void *cfg, void *shared)
{
    pendulum *s = calloc(1, sizeof *s);
    if (!s) return rl_error(RL_ENOMEM, "out of memory");
    env->data = s;
    env->obs_space = (rl_space){RL_BOX, 3, 0, obs_low, obs_high};
    env->act_space = (rl_space){RL_BOX, 1, 0, act_low, act_high};
    env->slices = slices;
    env->n_slices = 3;
    return RL_OK;
}

static void write_obs(rl_env *env, const pendulum *s)
{
    env->obs[0] = (float)cos(s->th);
    env->obs[1] = (float)sin(s->th);
    env->obs[2] = (float)s->thdot;
}

static void reset(rl_env *env)
{
    pendulum *s = env->data;
    s->th = rl_rng_range(&env->rng, -M_PI, M_PI);
    s->thdot = rl_rng_range(&env->rng, -1.0, 1.0);
    write_obs(env, s);
}

/* Python's ((x + pi) % (2 pi)) - pi, whose modulo is never negative. */
static double angle_normalize(double x)
{
    double m = fmod(x + M_PI, 2.0 * M_PI);
    if (m < 0) m += 2.0 * M_PI;
    return m - M_PI;
}

static void step(rl_env *env, const float *action)
{
    pendulum *s = env->data;
    double u = MAX_TORQUE * (double)action[0];
    double th = angle_normalize(s->th);
    double cost = th * th + 0.1 * s->thdot * s->thdot + 0.001 * u * u;
    double thdot = s->thdot + (3.0 * G / (2.0 * LENGTH) * sin(s->th) +
                               3.0 / (MASS * LENGTH * LENGTH) * u) * DT;
    if (thdot > MAX_SPEED) thdot = MAX_SPEED;
    if (thdot < -MAX_SPEED) thdot = -MAX_SPEED;
    s->th += thdot * DT;
    s->thdot = thdot;
    write_obs(env, s);
    *env->reward = (float)-cost;
}

static void close_env(rl_env *env)
{
    free(env->data);
    env->data = NULL;
}

/* Gym's picture: a rod hinged at the centre, theta = 0 pointing up; the
 * world is 4.4 m across (scaled to the smaller image side). */
static int render(rl_env *env, unsigned char *rgb, int width, int height)
{
    const pendulum *s = env->data;
    static const unsigned char white[3] = {255, 255, 255}, rod[3] = {204, 77, 77},
                               hinge[3] = {0, 0, 0};
    rl_canvas c = {rgb, width, height};
    double scale = (width < height ? width : height) / 4.4;
    double cx = width / 2.0, cy = height / 2.0;
    rl_draw_clear(&c, white);
    rl_draw_segment(&c, cx, cy, cx + LENGTH * scale * sin(s->th),
                    cy - LENGTH * scale * cos(s->th), 0.2 * scale, rod);
    rl_draw_disc(&c, cx, cy, 0.05 * scale, hinge);
    return RL_OK;
}

const rl_task rl_task_pendulum = {
    .id = "pendulum-v1",
    .summary = "swing up and hold a pendulum (Gym Pendulum; pure C)",
    .max_steps = 200,
    .dt = DT,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = render,
    .has_threshold = 1,
    .reward_threshold = -200, /* upright within a few swings */
};
