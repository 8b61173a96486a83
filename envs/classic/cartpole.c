/* cartpole-v1: Gym's CartPole (Barto, Sutton, Anderson 1983), Euler, tau 0.02. */
#include "envs/tasks.h"

#include "envs/classic/draw.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

#define GRAVITY 9.8
#define MASS_CART 1.0
#define MASS_POLE 0.1
#define TOTAL_MASS (MASS_CART + MASS_POLE)
#define HALF_LENGTH 0.5
#define POLE_MASS_LENGTH (MASS_POLE * HALF_LENGTH)
#define FORCE_MAG 10.0
#define TAU 0.02
#define X_LIMIT 2.4
#define THETA_LIMIT (12.0 * 2.0 * M_PI / 360.0)

typedef struct {
    double x, x_dot, theta, theta_dot;
    float low[4], high[4];
} cartpole;

static const rl_slice slices[] = {
    {"cart_pos", 0, 1}, {"cart_vel", 1, 1}, {"pole_angle", 2, 1}, {"pole_vel", 3, 1},
};

static int init(rl_env *env, const void *cfg, void *shared)
{
    cartpole *s = calloc(1, sizeof *s);
    if (!s) return rl_error(RL_ENOMEM, "out of memory");
    const float high[4] = {(float)(2 * X_LIMIT), FLT_MAX, (float)(2 * THETA_LIMIT), FLT_MAX};
    for (int i = 0; i < 4; i++) {
        s->high[i] = high[i];
        s->low[i] = -high[i];
    }
    env->data = s;
    env->obs_space = (rl_space){RL_BOX, 4, 0, s->low, s->high};
    env->act_space = (rl_space){RL_DISCRETE, 1, 2, NULL, NULL};
    env->slices = slices;
    env->n_slices = 4;
    return RL_OK;
}

static void write_obs(rl_env *env, const cartpole *s)
{
    env->obs[0] = (float)s->x;
    env->obs[1] = (float)s->x_dot;
    env->obs[2] = (float)s->theta;
    env->obs[3] = (float)s->theta_dot;
}

static void reset(rl_env *env)
{
    cartpole *s = env->data;
    s->x = rl_rng_range(&env->rng, -0.05, 0.05);
    s->x_dot = rl_rng_range(&env->rng, -0.05, 0.05);
    s->theta = rl_rng_range(&env->rng, -0.05, 0.05);
    s->theta_dot = rl_rng_range(&env->rng, -0.05, 0.05);
    write_obs(env, s);
}

static void step(rl_env *env, const float *action)
{
    cartpole *s = env->data;
    double force = action[0] >= 0.5f ? FORCE_MAG : -FORCE_MAG;
    double c = cos(s->theta), sn = sin(s->theta);
    double temp = (force + POLE_MASS_LENGTH * s->theta_dot * s->theta_dot * sn) / TOTAL_MASS;
    double theta_acc = (GRAVITY * sn - c * temp) /
                       (HALF_LENGTH * (4.0 / 3.0 - MASS_POLE * c * c / TOTAL_MASS));
    double x_acc = temp - POLE_MASS_LENGTH * theta_acc * c / TOTAL_MASS;
    s->x += TAU * s->x_dot;
    s->x_dot += TAU * x_acc;
    s->theta += TAU * s->theta_dot;
    s->theta_dot += TAU * theta_acc;
    write_obs(env, s);
    *env->reward = 1.0f;
    *env->terminated = s->x < -X_LIMIT || s->x > X_LIMIT || s->theta < -THETA_LIMIT ||
                       s->theta > THETA_LIMIT;
}

static void close_env(rl_env *env)
{
    free(env->data);
    env->data = NULL;
}

/* Gym's picture: a cart on a track, the pole hinged on it; the world is
 * 2 * X_LIMIT wide (scaled to the image width). */
static int render(rl_env *env, unsigned char *rgb, int width, int height)
{
    const cartpole *s = env->data;
    static const unsigned char white[3] = {255, 255, 255}, black[3] = {0, 0, 0},
                               pole[3] = {202, 152, 101}, axle[3] = {129, 132, 203};
    rl_canvas c = {rgb, width, height};
    double scale = width / (2.0 * X_LIMIT); /* pixels per metre */
    double track_y = 0.75 * height, cart_w = 0.5 * scale, cart_h = 0.3 * scale;
    double cx = width / 2.0 + s->x * scale, cy = track_y - cart_h / 2;
    double pole_len = 2.0 * HALF_LENGTH * scale;
    rl_draw_clear(&c, white);
    rl_draw_rect(&c, 0, track_y, width, track_y + 1, black);
    rl_draw_rect(&c, cx - cart_w / 2, track_y - cart_h, cx + cart_w / 2, track_y, black);
    rl_draw_segment(&c, cx, cy, cx + pole_len * sin(s->theta), cy - pole_len * cos(s->theta),
                    0.1 * scale, pole);
    rl_draw_disc(&c, cx, cy, 0.05 * scale, axle);
    return RL_OK;
}

const rl_task rl_task_cartpole = {
    .id = "cartpole-v1",
    .summary = "balance a pole on a cart (Gym CartPole; pure C)",
    .max_steps = 500,
    .dt = TAU,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = render,
    .has_threshold = 1,
    .reward_threshold = 475, /* Gym's CartPole-v1 reward threshold */
};
