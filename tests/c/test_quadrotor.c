/* The quadrotor family through the public env API: hover equilibrium,
 * thrust and torque signs, flight volume, reward, randomised bodies,
 * determinism, action checks and the goto task. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "rltool.h"
#include "envs/mujoco/quadrotor.h"

#define OD RL_QUAD_OBS_DIM

/* Nominal hover action from TASKS.md's numbers. */
#define A_HOVER_NOMINAL (2.0 * 0.027 * 9.81 / 4.0 / 0.149 - 1.0)

static rl_env *make(const char *id, const char *opts)
{
    rl_env *env = rl_env_make(id, opts);
    ck_assert_msg(env != NULL, "%s %s: %s", id, opts ? opts : "", rl_last_error());
    return env;
}

static float hover_action(const rl_env *env)
{
    rl_quad_body b;
    ck_assert_int_eq(rl_quadrotor_body(env, &b), RL_OK);
    return (float)b.hover_action;
}

static double norm3f(const float *x)
{
    return sqrt((double)x[0] * x[0] + (double)x[1] * x[1] + (double)x[2] * x[2]);
}

static void fill(float *a, float v)
{
    for (int i = 0; i < 4; i++) a[i] = v;
}

START_TEST(layout_and_nominal_body)
{
    rl_env *env = make("quadrotor-hover-v1", NULL);
    ck_assert_int_eq(env->obs_space.dim, 22);
    ck_assert_int_eq(env->act_space.dim, 4);
    ck_assert_int_eq(env->max_steps, 500);
    static const struct {
        const char *name;
        int start, len;
    } want[] = {{"position_error", 0, 3},    {"rotation", 3, 9}, {"linear_velocity", 12, 3},
                {"angular_velocity", 15, 3}, {"previous_action", 18, 4}};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        const rl_slice *s = rl_env_slice(env, want[k].name);
        ck_assert_msg(s != NULL, "no slice %s", want[k].name);
        ck_assert_int_eq(s->start, want[k].start);
        ck_assert_int_eq(s->len, want[k].len);
    }
    const char *names[] = {"mass", "thrust_to_weight", "arm_length", "motor_tau"};
    for (int k = 0; k < 4; k++) {
        int found = 0;
        for (int i = 0; i < rl_env_num_info(env); i++)
            found |= !strcmp(rl_env_info_name(env, i), names[k]);
        ck_assert_msg(found, "no info %s", names[k]);
    }
    rl_quad_body b;
    ck_assert_int_eq(rl_quadrotor_body(env, &b), RL_OK);
    ck_assert_double_eq_tol(b.mass, 0.027, 1e-12);
    ck_assert_double_eq_tol(b.max_thrust, 0.149, 1e-12);
    ck_assert_double_eq_tol(b.hover_thrust, 0.0662, 1e-4);
    ck_assert_double_eq_tol(b.hover_action, -0.111, 1e-3);
    ck_assert_double_eq_tol(b.hover_action, A_HOVER_NOMINAL, 1e-12);
    ck_assert_double_eq_tol(b.arm_length, 0.0397, 2e-4);
    ck_assert_double_eq_tol(b.thrust_to_weight, 2.25, 0.01);
    /* The model behind it. */
    rl_sim *sim = rl_quadrotor_sim(env);
    ck_assert_ptr_nonnull(sim);
    ck_assert_int_eq(sim->m->nu, 4);
    ck_assert_double_eq_tol(sim->m->opt.timestep, 0.002, 1e-15);
    ck_assert_int_eq(sim->n_substeps, 5);
    rl_env *cart = rl_env_make("cartpole-v1", NULL);
    ck_assert_int_eq(rl_quadrotor_body(cart, &b), RL_EINVAL);
    ck_assert_ptr_null(rl_quadrotor_sim(cart));
    rl_env_free(cart);
    rl_env_free(env);
}
END_TEST

/* Every rotor at a_hover from a level start at the target: stays within
 * 1 cm for 1 s, and the reward is 2 (the action term is 0). */
START_TEST(hover_holds)
{
    rl_env *env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 1);
    for (int k = 0; k < 3; k++) ck_assert(env->obs[k] == 0.f);
    float a[4];
    fill(a, hover_action(env));
    for (int t = 0; t < 100; t++) {
        ck_assert_int_eq(rl_env_step(env, a), RL_OK);
        ck_assert(!*env->terminated);
        double e = norm3f(env->obs);
        ck_assert_msg(e < 0.01, "drifted %g m after %d steps", e, t + 1);
        ck_assert_double_eq_tol(*env->reward, 2.0, 1e-4);
        ck_assert_double_eq_tol(env->info->extra[0], e, 1e-6);
    }
    /* Level: the rotation matrix is the identity. */
    for (int k = 0; k < 9; k++) ck_assert_double_eq_tol(env->obs[3 + k], k % 4 == 0, 1e-6);
    rl_env_free(env);
}
END_TEST

/* Hover equilibrium with a different action: reward = 2 minus exactly the
 * action term 0.5 * 0.01 |a - a_hover|^2 (the state cost is still ~0 after
 * one step since the motors lag). */
START_TEST(reward_at_hover_is_two_minus_action_term)
{
    rl_env *env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 2);
    float ah = hover_action(env);
    float a[4] = {ah + 0.3f, ah - 0.2f, ah + 0.1f, ah - 0.4f};
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    double a2 = 0.09 + 0.04 + 0.01 + 0.16;
    ck_assert_double_eq_tol(*env->reward, 2.0 - 0.5 * 0.01 * a2, 2e-5);
    for (int i = 0; i < 4; i++) ck_assert(env->obs[18 + i] == a[i]);
    rl_env_free(env);
}
END_TEST

/* From random states, the reward is the L2F formula of the observation. */
START_TEST(reward_matches_formula)
{
    rl_env *env = make("quadrotor-hover-v1", NULL);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 3);
    int checked = 0;
    for (int e = 0; e < 20; e++) {
        rl_env_reset(env, 100 + e);
        float ah = hover_action(env);
        for (int t = 0; t < 5 && !env->info->done; t++) {
            float a[4];
            for (int i = 0; i < 4; i++) a[i] = (float)rl_rng_range(&rng, -1, 1);
            ck_assert_int_eq(rl_env_step(env, a), RL_OK);
            if (*env->terminated) break;
            const float *o = env->obs;
            double p2 = norm3f(o) * norm3f(o), v2 = norm3f(o + 12) * norm3f(o + 12);
            double qw2 = (1.0 + o[3] + o[7] + o[11]) / 4.0; /* from the trace */
            double a2 = 0;
            for (int i = 0; i < 4; i++) a2 += (a[i] - ah) * (a[i] - ah);
            double want = 2 - 0.5 * (5 * p2 + 5 * (1 - qw2) + 0.01 * v2 + 0.01 * a2);
            ck_assert_double_eq_tol(*env->reward, want, 1e-4);
            checked++;
        }
    }
    ck_assert_int_gt(checked, 50);
    rl_env_free(env);
}
END_TEST

START_TEST(equal_thrust_increase_climbs)
{
    rl_env *env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 1);
    float a[4];
    fill(a, hover_action(env) + 0.3f);
    double z_prev = 0;
    for (int t = 0; t < 50; t++) {
        ck_assert_int_eq(rl_env_step(env, a), RL_OK);
        ck_assert(!*env->terminated);
        ck_assert(env->obs[2] >= z_prev);
        z_prev = env->obs[2];
    }
    ck_assert_msg(env->obs[2] > 0.2, "climbed only %g m in 0.5 s", env->obs[2]);
    ck_assert(fabs(env->obs[0]) < 1e-6 && fabs(env->obs[1]) < 1e-6);
    ck_assert(env->obs[14] > 0.5); /* vz */
    for (int k = 15; k < 18; k++) ck_assert(fabs(env->obs[k]) < 1e-6); /* no rotation */
    /* Less thrust: it sinks. */
    rl_env_reset(env, 1);
    fill(a, hover_action(env) - 0.3f);
    for (int t = 0; t < 30; t++) ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert(env->obs[2] < -0.05);
    rl_env_free(env);
}
END_TEST

/* Differential thrust about the hover action, total thrust unchanged;
 * returns the body-frame angular velocity after 0.1 s. */
static void spin(const float delta[4], double w[3])
{
    rl_env *env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 1);
    float a[4], ah = hover_action(env);
    for (int i = 0; i < 4; i++) a[i] = ah + delta[i];
    for (int t = 0; t < 10; t++) ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    for (int k = 0; k < 3; k++) w[k] = env->obs[15 + k];
    rl_env_free(env);
}

START_TEST(differential_thrust_signs)
{
    /* Rotors: 0 (+x,-y,-c), 1 (-x,-y,+c), 2 (-x,+y,-c), 3 (+x,+y,+c). */
    double w[3];
    const float roll[4] = {-0.1f, -0.1f, 0.1f, 0.1f}; /* more on +y */
    spin(roll, w);
    ck_assert_msg(w[0] > 0.5 && fabs(w[1]) < 1e-3 * w[0] && fabs(w[2]) < 1e-3 * w[0],
                  "roll: w = %g %g %g", w[0], w[1], w[2]);
    const float pitch[4] = {0.1f, -0.1f, -0.1f, 0.1f}; /* more on +x: nose up */
    spin(pitch, w);
    ck_assert_msg(w[1] < -0.5 && fabs(w[0]) < 1e-3 * -w[1] && fabs(w[2]) < 1e-3 * -w[1],
                  "pitch: w = %g %g %g", w[0], w[1], w[2]);
    const float yaw[4] = {-0.1f, 0.1f, -0.1f, 0.1f}; /* more on the +c gear */
    spin(yaw, w);
    ck_assert_msg(w[2] > 0.05 && fabs(w[0]) < 1e-3 * w[2] && fabs(w[1]) < 1e-3 * w[2],
                  "yaw: w = %g %g %g", w[0], w[1], w[2]);
}
END_TEST

/* Leaving the 1.5 m ball around the target ends the episode with the
 * penalty; option penalty changes it. */
START_TEST(leaving_flight_volume_terminates_with_penalty)
{
    const char *opts[] = {"start=level", "start=level,penalty=7.5"};
    const double penalty[] = {100, 7.5};
    for (int k = 0; k < 2; k++) {
        rl_env *env = make("quadrotor-hover-v1", opts[k]);
        rl_env_reset(env, 1);
        float a[4];
        fill(a, -1.f); /* motors off: free fall after the spin-down */
        double last_err = 0;
        int t = 0;
        while (!env->info->done) {
            ck_assert_int_eq(rl_env_step(env, a), RL_OK);
            t++;
            if (!*env->terminated) {
                last_err = norm3f(env->obs);
                ck_assert(last_err <= 1.5);
                ck_assert(*env->reward > -10);
            }
        }
        ck_assert(*env->terminated && !*env->truncated);
        ck_assert_double_eq_tol(*env->reward, -penalty[k], 1e-6);
        ck_assert(norm3f(env->obs) > 1.5);
        ck_assert(last_err > 1.3);
        ck_assert_int_lt(t, 100);
        ck_assert(!env->info->sim_unstable);
        ck_assert_int_eq(rl_env_step(env, a), RL_ESTATE);
        rl_env_free(env);
    }
    /* Sideways too: the volume is a ball. */
    rl_env *env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 1);
    rl_sim *sim = rl_quadrotor_sim(env);
    sim->d->qpos[0] = 1.49;
    ck_assert_int_eq(rl_sim_forward(sim), RL_OK);
    float a[4];
    fill(a, hover_action(env));
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert(!*env->terminated);
    sim->d->qpos[0] = 1.51;
    ck_assert_int_eq(rl_sim_forward(sim), RL_OK);
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert(*env->terminated);
    ck_assert_double_eq_tol(*env->reward, -100.0, 1e-6);
    rl_env_free(env);
}
END_TEST

/* Random starts: inside the stated distribution. */
START_TEST(reset_distribution)
{
    rl_env *env = make("quadrotor-hover-v1", NULL);
    int level = 0, tilted_far = 0, n = 400;
    for (int e = 0; e < n; e++) {
        rl_env_reset(env, e);
        const float *o = env->obs;
        for (int k = 0; k < 3; k++) ck_assert(fabs(o[k]) <= 0.5f);
        for (int k = 12; k < 18; k++) ck_assert(fabs(o[k]) <= 1.0f);
        double cos_tilt = o[11]; /* R_zz: body z against world z */
        ck_assert(cos_tilt >= -1e-6);
        tilted_far += cos_tilt < 0.3;
        int lvl = cos_tilt == 1.f && norm3f(o) == 0.0;
        level += lvl;
        ck_assert_double_eq_tol(o[18], hover_action(env), 1e-7);
    }
    ck_assert_msg(level > n / 20 && level < n / 5, "%d level starts of %d", level, n);
    ck_assert(tilted_far > 0);
    rl_env_free(env);
}
END_TEST

static void run_seeded(rl_env *env, int64_t seed, float *obs_out, float *info_out)
{
    rl_env_reset(env, seed);
    memcpy(info_out, env->info->extra, 5 * sizeof(float));
    float a[4] = {0.1f, -0.2f, 0.05f, -0.1f};
    for (int t = 0; t < 30 && !env->info->done; t++) rl_env_step(env, a);
    memcpy(obs_out, env->obs, OD * sizeof(float));
}

START_TEST(randomised_bodies)
{
    rl_env *a = make("quadrotor-hover-v1", "randomize=1");
    rl_env *b = make("quadrotor-hover-v1", "randomize=1");
    float oa[OD], ob[OD], ia[5], ib[5];
    /* Reproducible from the seed, body and trajectory. */
    run_seeded(a, 5, oa, ia);
    run_seeded(b, 5, ob, ib);
    ck_assert_mem_eq(ia, ib, sizeof ia);
    ck_assert_mem_eq(oa, ob, sizeof oa);
    /* Different episodes, different bodies, inside the ranges, and the
     * physics is that body: at its own hover action a level start holds. */
    rl_quad_body prev = {0};
    rl_env *h = make("quadrotor-hover-v1", "randomize=1,start=level");
    for (int e = 0; e < 8; e++) {
        rl_env_reset(h, 1000 + e);
        rl_quad_body body;
        ck_assert_int_eq(rl_quadrotor_body(h, &body), RL_OK);
        ck_assert(body.mass >= 0.7 * 0.027 && body.mass <= 1.3 * 0.027);
        ck_assert(body.thrust_to_weight >= 1.5 && body.thrust_to_weight <= 3.5);
        double arm0 = 0.028 * M_SQRT2;
        ck_assert(body.arm_length >= 0.8 * arm0 && body.arm_length <= 1.2 * arm0);
        ck_assert(body.motor_tau >= 0.02 && body.motor_tau <= 0.1);
        ck_assert(body.mass != prev.mass && body.thrust_to_weight != prev.thrust_to_weight &&
                  body.arm_length != prev.arm_length && body.motor_tau != prev.motor_tau);
        ck_assert_float_eq(h->info->extra[1], (float)body.mass);
        ck_assert_float_eq(h->info->extra[2], (float)body.thrust_to_weight);
        ck_assert_float_eq(h->info->extra[3], (float)body.arm_length);
        ck_assert_float_eq(h->info->extra[4], (float)body.motor_tau);
        ck_assert_double_eq_tol(body.hover_action, 2.0 / body.thrust_to_weight - 1.0, 1e-12);
        rl_sim *sim = rl_quadrotor_sim(h);
        int quad = mj_name2id(sim->m, mjOBJ_BODY, "quad");
        ck_assert_int_ge(quad, 0);
        ck_assert_double_eq_tol(sim->m->body_mass[quad], body.mass, 1e-15);
        prev = body;
        float act[4];
        fill(act, (float)body.hover_action);
        for (int t = 0; t < 100; t++) {
            ck_assert_int_eq(rl_env_step(h, act), RL_OK);
            ck_assert_msg(norm3f(h->obs) < 0.01, "body %d drifted %g m", e, norm3f(h->obs));
            ck_assert_float_eq(h->info->extra[1], (float)body.mass);
        }
    }
    /* A randomised body flies differently from the nominal one. */
    rl_env *nom = make("quadrotor-hover-v1", "start=level");
    rl_env *rnd = make("quadrotor-hover-v1", "randomize=1,start=level");
    rl_env_reset(nom, 3);
    rl_env_reset(rnd, 3);
    float up[4] = {0.5f, 0.5f, 0.5f, 0.5f};
    for (int t = 0; t < 20; t++) {
        rl_env_step(nom, up);
        rl_env_step(rnd, up);
    }
    ck_assert(fabs(nom->obs[2] - rnd->obs[2]) > 1e-3);
    /* Nominal envs report the nominal body. */
    ck_assert_double_eq_tol(nom->info->extra[1], 0.027, 1e-7);
    rl_env_free(nom);
    rl_env_free(rnd);
    rl_env_free(h);
    rl_env_free(a);
    rl_env_free(b);
}
END_TEST

START_TEST(nan_action_leaves_state_untouched)
{
    rl_env *a = make("quadrotor-hover-v1", NULL);
    rl_env *b = make("quadrotor-hover-v1", NULL);
    rl_env_reset(a, 9);
    rl_env_reset(b, 9);
    float act[4] = {0.1f, -0.1f, 0.0f, -0.2f};
    ck_assert_int_eq(rl_env_step(a, act), RL_OK);
    ck_assert_int_eq(rl_env_step(b, act), RL_OK);
    rl_sim *sa = rl_quadrotor_sim(a);
    double qpos[7], act_state[4], time = sa->d->time;
    float obs[OD];
    memcpy(qpos, sa->d->qpos, sizeof qpos);
    memcpy(act_state, sa->d->act, sizeof act_state);
    memcpy(obs, a->obs, sizeof obs);
    float bad[4];
    memcpy(bad, act, sizeof bad);
    bad[1] = NAN;
    ck_assert_int_eq(rl_env_step(a, bad), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "NaN"));
    bad[1] = -INFINITY;
    ck_assert_int_eq(rl_env_step(a, bad), RL_EINVAL);
    ck_assert_mem_eq(qpos, sa->d->qpos, sizeof qpos);
    ck_assert_mem_eq(act_state, sa->d->act, sizeof act_state);
    ck_assert_mem_eq(obs, a->obs, sizeof obs);
    ck_assert(sa->d->time == time);
    ck_assert_int_eq(a->t, 1);
    for (int t = 0; t < 20; t++) {
        ck_assert_int_eq(rl_env_step(a, act), RL_OK);
        ck_assert_int_eq(rl_env_step(b, act), RL_OK);
    }
    ck_assert_mem_eq(a->obs, b->obs, sizeof obs);
    rl_env_free(a);
    rl_env_free(b);
}
END_TEST

START_TEST(instability_ends_episode)
{
    rl_env *env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 1);
    rl_sim *sim = rl_quadrotor_sim(env);
    float a[4];
    fill(a, hover_action(env));
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    sim->d->qpos[2] = NAN;
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert(*env->terminated && env->info->sim_unstable);
    ck_assert_float_eq(*env->reward, 0.f);
    for (int i = 0; i < OD; i++) ck_assert(isfinite(env->obs[i]));
    rl_env_reset(env, 1);
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert(!*env->terminated && norm3f(env->obs) < 1e-3);
    rl_env_free(env);
}
END_TEST

START_TEST(goto_targets_and_success)
{
    rl_env *env = make("quadrotor-goto-v1", NULL);
    double t0[3] = {0}, t1[3];
    int far = 0;
    for (int e = 0; e < 20; e++) {
        rl_env_reset(env, e);
        ck_assert_int_eq(rl_quadrotor_target(env, t1), RL_OK);
        for (int k = 0; k < 3; k++) ck_assert(fabs(t1[k]) <= 1.0);
        ck_assert(t1[0] != t0[0]);
        memcpy(t0, t1, sizeof t0);
        /* The observation is position minus target. */
        rl_sim *sim = rl_quadrotor_sim(env);
        for (int k = 0; k < 3; k++)
            ck_assert_double_eq_tol(env->obs[k], sim->d->qpos[k] - t1[k], 1e-6);
        far |= norm3f(env->obs) > 1.0;
        float a[4];
        fill(a, hover_action(env));
        ck_assert_int_eq(rl_env_step(env, a), RL_OK);
        ck_assert(env->info->success == 0 || env->info->success == 1);
    }
    ck_assert(far);
    rl_env_free(env);

    /* Level at the target, hovering: success at the end of the episode. */
    env = make("quadrotor-goto-v1", "start=level");
    rl_env_reset(env, 4);
    float a[4];
    fill(a, hover_action(env));
    while (!env->info->done) ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert(*env->truncated && !*env->terminated);
    ck_assert_int_eq(env->info->episode_length, 500);
    ck_assert_int_eq(env->info->success, 1);
    ck_assert_double_eq_tol(env->info->episode_return, 1000.0, 0.1);
    /* Pushed off the target: no success. */
    rl_env_reset(env, 4);
    rl_quadrotor_sim(env)->d->qpos[0] += 0.3;
    rl_sim_forward(rl_quadrotor_sim(env));
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert_int_eq(env->info->success, 0);
    rl_env_free(env);

    /* Hover defines no success. */
    env = make("quadrotor-hover-v1", "start=level");
    rl_env_reset(env, 1);
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert_int_eq(env->info->success, -1);
    rl_env_free(env);
}
END_TEST

START_TEST(bad_options_are_errors)
{
    ck_assert_ptr_null(rl_env_make("quadrotor-hover-v1", "start=upside_down"));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "level"));
    ck_assert_ptr_null(rl_env_make("quadrotor-hover-v1", "randomise=1"));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "randomize"));
    ck_assert_ptr_null(rl_env_make("quadrotor-goto-v1", "penalty=-1"));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
}
END_TEST

/* A vector env of quadrotors is deterministic for a seed whatever the
 * thread count, with and without randomised bodies. */
START_TEST(vec_env_thread_count_invariant)
{
    const char *opts[] = {NULL, "randomize=1"};
    for (int k = 0; k < 2; k++) {
        rl_vec *v1 = rl_vec_make("quadrotor-hover-v1", opts[k], 8, 1);
        rl_vec *v2 = rl_vec_make("quadrotor-hover-v1", opts[k], 8, 2);
        ck_assert_msg(v1 && v2, "%s", rl_last_error());
        rl_vec_reset(v1, 77);
        rl_vec_reset(v2, 77);
        int n = 8;
        rl_rng rng;
        rl_rng_seed(&rng, 1, 2);
        int dones = 0;
        for (int t = 0; t < 300; t++) {
            float *a1 = rl_vec_actions(v1), *a2 = rl_vec_actions(v2);
            for (int i = 0; i < n * 4; i++) a1[i] = a2[i] = (float)rl_rng_range(&rng, -1, 1);
            ck_assert_int_eq(rl_vec_step(v1, NULL), RL_OK);
            ck_assert_int_eq(rl_vec_step(v2, NULL), RL_OK);
            ck_assert_mem_eq(rl_vec_obs(v1), rl_vec_obs(v2), (size_t)n * OD * sizeof(float));
            ck_assert_mem_eq(rl_vec_rewards(v1), rl_vec_rewards(v2), (size_t)n * sizeof(float));
            for (int i = 0; i < n; i++) dones += rl_vec_infos(v1)[i].done;
        }
        ck_assert_int_gt(dones, 0); /* random thrust crashes: resets were covered */
        ck_assert(memcmp(rl_vec_obs(v1), rl_vec_obs(v1) + OD, OD * sizeof(float)) != 0);
        rl_vec_free(v1);
        rl_vec_free(v2);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("quadrotor");
    TCase *tc = tcase_create("quadrotor");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, layout_and_nominal_body);
    tcase_add_test(tc, hover_holds);
    tcase_add_test(tc, reward_at_hover_is_two_minus_action_term);
    tcase_add_test(tc, reward_matches_formula);
    tcase_add_test(tc, equal_thrust_increase_climbs);
    tcase_add_test(tc, differential_thrust_signs);
    tcase_add_test(tc, leaving_flight_volume_terminates_with_penalty);
    tcase_add_test(tc, reset_distribution);
    tcase_add_test(tc, randomised_bodies);
    tcase_add_test(tc, nan_action_leaves_state_untouched);
    tcase_add_test(tc, instability_ends_episode);
    tcase_add_test(tc, goto_targets_and_success);
    tcase_add_test(tc, bad_options_are_errors);
    tcase_add_test(tc, vec_env_thread_count_invariant);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
