/* Task files and the terms of generic MuJoCo tasks, on a tiny model of our
 * own (a cart with a pole, a free ball and a mocap body, no gravity): each
 * observation, reward, condition, reset and goal term against a value
 * computed here by hand from the state; task file parsing and its errors;
 * --set overrides; checkpoints that pin the files and notice edits. The
 * examples' agreement with Gymnasium is tests/python/test_gym_tasks.py. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"
#include "rltool.h"
#include "custom_util.h"

static const char TINY_XML[] =
    "<mujoco model=\"tiny\">\n"
    "  <compiler autolimits=\"true\" angle=\"radian\"/>\n"
    "  <option timestep=\"0.01\" gravity=\"0 0 0\"/>\n"
    "  <worldbody>\n"
    "    <geom name=\"floor\" type=\"plane\" size=\"5 5 .1\"/>\n"
    "    <site name=\"anchor\" pos=\"1 0 0.5\"/>\n"
    "    <body name=\"cart\" pos=\"0 0 0.5\">\n"
    "      <joint name=\"slide\" type=\"slide\" axis=\"1 0 0\" range=\"-2 2\"/>\n"
    "      <geom name=\"cart_geom\" type=\"box\" size=\".1 .1 .1\" mass=\"1\" contype=\"0\" "
    "conaffinity=\"0\"/>\n"
    "      <body name=\"pole\">\n"
    "        <joint name=\"hinge\" type=\"hinge\" axis=\"0 1 0\" range=\"-1 1\"/>\n"
    "        <geom name=\"pole_geom\" type=\"capsule\" fromto=\"0 0 0 0 0 1\" size=\".05\" "
    "mass=\"1\" contype=\"0\" conaffinity=\"0\"/>\n"
    "        <site name=\"tip\" pos=\"0 0 1\"/>\n"
    "      </body>\n"
    "    </body>\n"
    "    <body name=\"ball\" pos=\"0 2 1\">\n"
    "      <freejoint name=\"free\"/>\n"
    "      <geom name=\"ball_geom\" type=\"sphere\" size=\".1\" mass=\"1\"/>\n"
    "    </body>\n"
    "    <body name=\"target\" mocap=\"true\" pos=\"0.5 0.5 0.5\"/>\n"
    "  </worldbody>\n"
    "  <actuator>\n"
    "    <motor name=\"push\" joint=\"slide\" ctrlrange=\"-1 1\"/>\n"
    "    <motor name=\"turn\" joint=\"hinge\" ctrlrange=\"-2 2\"/>\n"
    "  </actuator>\n"
    "  <sensor><jointpos name=\"hinge_pos\" joint=\"hinge\"/></sensor>\n"
    "</mujoco>\n";

#define NQ 9
#define NV 8
#define TOL 1e-5

/* Write tiny.xml and NAME.task holding `body` (after a model line). */
static rl_env *make_task(const char *name, const char *body, const char *set)
{
    char path[512], text[4096];
    write_file("tiny.xml", TINY_XML, path, sizeof path);
    snprintf(text, sizeof text, "# a tiny test task\nmodel = tiny.xml\nframe_skip = 2\n%s", body);
    char file[300];
    snprintf(file, sizeof file, "%s.task", name);
    write_file(file, text, path, sizeof path);
    return rl_env_make(path, set);
}

/* A state: slide x, hinge angle th, their speeds; the ball where it rests. */
static void state(double x, double th, double vx, double vth, double *q, double *v)
{
    double q0[NQ] = {x, th, 0, 2, 1, 1, 0, 0, 0};
    memcpy(q, q0, sizeof q0);
    memset(v, 0, sizeof(double) * NV);
    v[0] = vx;
    v[1] = vth;
}

static void put(rl_env *env, double x, double th, double vx, double vth)
{
    double q[NQ], v[NV];
    state(x, th, vx, vth, q, v);
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    ck_assert_msg(rl_env_set_state(env, q, NQ, v, NV) == RL_OK, "%s", rl_last_error());
}

START_TEST(observation_terms)
{
    make_tmp();
    rl_env *env = make_task("obs", "obs = qpos:!free + qpos:free[2] + qvel:hinge@0.5 + "
                            "qpos_cos:hinge + qpos_sin:hinge + pos:tip + vec:anchor:tip:xz + "
                            "quat:pole + linvel:cart + angvel:pole:local + sensor:hinge_pos + "
                            "action + goal\ngoal = mocap:target:box:-0.1:0.1\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->obs_space.dim, 2 + 1 + 1 + 1 + 1 + 3 + 2 + 4 + 3 + 3 + 1 + 2 + 3);
    ck_assert_int_eq(env->n_slices, 13);
    ck_assert_str_eq(env->slices[5].name, "pos:tip");
    ck_assert_int_eq(env->slices[5].start, 6);
    double x = 0.3, th = 0.4, vx = 0.7, vth = -2.0;
    put(env, x, th, vx, vth);
    const float *o = env->obs;
    double expect[] = {x, th, 1.0, -0.5, cos(th), sin(th),
                       x + sin(th), 0, 0.5 + cos(th),     /* tip */
                       x + sin(th) - 1, cos(th),          /* tip - anchor, x and z */
                       cos(th / 2), 0, sin(th / 2), 0,     /* pole's quaternion */
                       vx, 0, 0,                          /* cart's linear velocity */
                       0, vth, 0,                         /* pole's angular velocity, local */
                       th, 0, 0};                         /* sensor; last action (none yet) */
    for (int i = 0; i < (int)(sizeof expect / sizeof expect[0]); i++)
        ck_assert_msg(fabs(o[i] - expect[i]) < TOL, "obs[%d] = %g, expected %g", i, o[i],
                      expect[i]);
    /* goal: the mocap body's position drawn in its box, published as is */
    for (int k = 0; k < 3; k++) ck_assert(fabs(o[24 + k] - 0.5) <= 0.1 + 1e-6);
    float a[2] = {0.5f, -1.f};
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert_float_eq_tol(env->obs[22], 0.5f, 1e-7);
    ck_assert_float_eq_tol(env->obs[23], -1.f, 1e-7);
    rl_env_free(env);
}
END_TEST

static double tip_x(const double *q) { return q[0] + sin(q[1]); }
static double tip_z(const double *q) { return 0.5 + cos(q[1]); }

START_TEST(reward_terms)
{
    make_tmp();
    rl_env *env = make_task("rew", "reward = fwd:slide + fwd:pole:x*2 + fwd_com:cart:x*-1 + "
                            "height:tip + dist:tip:anchor*-1 + ctrl*-0.1 + upright:pole + "
                            "qvel_sq:hinge*-0.01\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->n_info, 8);
    put(env, 0.1, 0.3, 0.6, 0.0); /* no forces: the cart coasts at 0.6 */
    float a[2] = {0, 0};
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    double q[NQ], v[NV];
    ck_assert_int_eq(rl_env_get_state(env, q, NQ, v, NV), RL_OK);
    const float *e = env->info->extra;
    ck_assert(fabs(e[0] - 0.6) < TOL);  /* (x after - x before) / 0.02 s */
    ck_assert(fabs(e[1] - 1.2) < TOL);
    ck_assert(fabs(e[2] + 0.6) < TOL);  /* centre of mass of cart + pole */
    ck_assert(fabs(e[3] - tip_z(q)) < TOL);
    double dx = tip_x(q) - 1, dz = tip_z(q) - 0.5;
    ck_assert(fabs(e[4] + sqrt(dx * dx + dz * dz)) < TOL);
    ck_assert(fabs(e[5]) < TOL);
    ck_assert(fabs(e[6] - cos(q[1])) < TOL);
    ck_assert(fabs(e[7] + 0.01 * v[1] * v[1]) < TOL);
    double sum = 0;
    for (int i = 0; i < 8; i++) sum += e[i];
    ck_assert(fabs(rl_env_reward(env) - sum) < TOL);
    float push[2] = {1.f, -0.5f};
    put(env, 0.1, 0.3, 0.0, 2.0);
    ck_assert_int_eq(rl_env_step(env, push), RL_OK);
    ck_assert_int_eq(rl_env_get_state(env, q, NQ, v, NV), RL_OK);
    ck_assert(fabs(env->info->extra[5] + 0.1 * 1.25) < TOL);
    ck_assert(fabs(env->info->extra[7] + 0.01 * v[1] * v[1]) < TOL);
    ck_assert(fabs(v[1]) > 0.1);
    rl_env_free(env);

    /* tolerance, squared offset, goal distance, healthy and alive */
    env = make_task("rew2", "reward = tol:tip:anchor:0.5:1 + tol:tip:anchor:2:1*2 + "
                    "sq:tip:z:1*-1 + goal_dist:tip + healthy*3 + alive*5\n"
                    "goal = site:anchor:radius:0.2\nhealthy = qpos:slide:-1:1\n"
                    "terminate = qpos:slide:-1.5:inf\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    put(env, 0.5, 0.0, 0.0, 0.0);
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    e = env->info->extra;
    /* tip at (0.5, 0, 1.5), anchor at (1, 0, 0.5): distance sqrt(1.25) */
    double d = sqrt(1.25), z = (d - 0.5) / 1.0 * sqrt(-2 * log(0.1));
    ck_assert(fabs(e[0] - exp(-0.5 * z * z)) < TOL);
    ck_assert(fabs(e[1] - 2.0) < TOL); /* inside the bound: full reward */
    ck_assert(fabs(e[2] + 0.25) < TOL);
    ck_assert(e[3] > 0 && e[3] < d + 0.2 + TOL && e[3] > d - 0.2 - TOL);
    ck_assert(fabs(e[4] - 3) < TOL && fabs(e[5] - 5) < TOL);
    /* unhealthy but not terminated: no healthy bonus, alive still paid */
    put(env, -1.2, 0.0, 0.0, 0.0);
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert_int_eq(rl_env_terminated(env), 0);
    ck_assert(fabs(env->info->extra[4]) < TOL && fabs(env->info->extra[5] - 5) < TOL);
    /* terminated: no alive bonus */
    put(env, -1.7, 0.0, 0.0, 0.0);
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    ck_assert_int_eq(rl_env_terminated(env), 1);
    ck_assert(fabs(env->info->extra[5]) < TOL);
    rl_env_free(env);
}
END_TEST

/* Terminated after one zero-action step from a state? */
static int ends(rl_env *env, double x, double th, double vx, double vth, const double *ball)
{
    double q[NQ], v[NV];
    state(x, th, vx, vth, q, v);
    if (ball) memcpy(q + 2, ball, 3 * sizeof(double));
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    ck_assert_msg(rl_env_set_state(env, q, NQ, v, NV) == RL_OK, "%s", rl_last_error());
    float a[2] = {0, 0};
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    return rl_env_terminated(env);
}

START_TEST(condition_terms)
{
    make_tmp();
    rl_env *env = make_task("cond", "healthy = height:tip:1.2:inf + angle:pole:0:0.5 + "
                            "qpos:slide:-1:1 + qvel:hinge:-5:5 + finite + "
                            "no_contact:ball_geom:floor\nterminate = unhealthy\n"
                            "reward = healthy\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(ends(env, 0, 0.1, 0, 0, NULL), 0);
    ck_assert_float_eq_tol(rl_env_reward(env), 1.f, 1e-6);
    ck_assert_int_eq(ends(env, 0, 0.8, 0, 0, NULL), 1); /* tip at 0.5 + cos 0.8 = 1.197 */
    ck_assert_float_eq_tol(rl_env_reward(env), 0.f, 1e-6);
    ck_assert_int_eq(ends(env, 0, 0.6, 0, 0, NULL), 1); /* 0.6 rad from vertical > 0.5 */
    ck_assert_int_eq(ends(env, 0, -0.45, 0, 0, NULL), 0);
    ck_assert_int_eq(ends(env, 1.2, 0, 0, 0, NULL), 1);
    ck_assert_int_eq(ends(env, 0, 0, 0, 6, NULL), 1);
    double on_floor[3] = {0, 2, 0.05}; /* the ball sinks into the floor */
    ck_assert_int_eq(ends(env, 0, 0, 0, 0, on_floor), 1);
    rl_env_free(env);

    /* terminate on its own, not through health; a non-finite state is refused */
    env = make_task("cond2", "terminate = qpos:slide:-inf:0.5\nreward = healthy\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(ends(env, 0.6, 0, 0, 0, NULL), 1);
    ck_assert_float_eq_tol(rl_env_reward(env), 1.f, 1e-6); /* no healthy list: healthy */
    ck_assert_int_eq(ends(env, -1.9, 0, 0, 0, NULL), 0);
    double q[NQ], v[NV];
    state(0, 0, 0, 0, q, v);
    q[0] = NAN;
    ck_assert_int_eq(rl_env_set_state(env, q, NQ, v, NV), RL_ENUMERIC);
    rl_env_free(env);
}
END_TEST

START_TEST(reset_terms)
{
    make_tmp();
    rl_env *env = make_task("reset", "reset = qpos:!free:uniform:0.1 + qvel:hinge:normal:2 + "
                            "qpos:slide:set:0.3\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    double q[NQ], v[NV], s = 0, s2 = 0, lo = 1, hi = -1;
    int n = 400;
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(rl_env_reset(env, i), RL_OK);
        ck_assert_int_eq(rl_env_get_state(env, q, NQ, v, NV), RL_OK);
        ck_assert(q[0] == 0.3);                       /* set exactly, after the noise */
        ck_assert(fabs(q[1]) <= 0.1);                 /* uniform +-0.1 */
        ck_assert(q[2] == 0 && q[3] == 2 && q[4] == 1 && q[5] == 1); /* excluded */
        ck_assert(v[0] == 0 && v[2] == 0);            /* not listed: zero */
        s += v[1];
        s2 += v[1] * v[1];
        lo = fmin(lo, q[1]);
        hi = fmax(hi, q[1]);
    }
    double sd = sqrt(s2 / n - (s / n) * (s / n));
    ck_assert_msg(sd > 1.7 && sd < 2.3, "qvel hinge sd %g, expected about 2", sd);
    ck_assert(lo < -0.08 && hi > 0.08);
    rl_env_free(env);
}
END_TEST

START_TEST(goal_terms)
{
    make_tmp();
    /* joints in a disc; the observation shows them; set_state reads them back */
    rl_env *env = make_task("goal1", "goal = joints:slide:hinge:radius:0.5\n"
                            "obs = goal + qpos:slide:hinge\nreset = qvel:set:0\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    double mx = 0, my = 0;
    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(rl_env_reset(env, i), RL_OK);
        const float *o = env->obs;
        ck_assert(o[0] * o[0] + o[1] * o[1] < 0.25f + 1e-6f);
        ck_assert(o[0] == o[2] && o[1] == o[3]);
        mx = fmax(mx, fabs(o[0]));
        my = fmax(my, fabs(o[1]));
    }
    ck_assert(mx > 0.4 && my > 0.4);
    put(env, 0.25, -0.125, 0, 0);
    ck_assert_float_eq_tol(env->obs[0], 0.25f, 1e-7);
    ck_assert_float_eq_tol(env->obs[1], -0.125f, 1e-7);
    rl_env_free(env);

    /* joint ranges; a mocap body moved to the goal */
    env = make_task("goal2", "goal = joints:slide:hinge:range\nobs = goal\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(rl_env_reset(env, i), RL_OK);
        ck_assert(fabsf(env->obs[0]) <= 2.f && fabsf(env->obs[1]) <= 1.f);
    }
    rl_env_free(env);
    env = make_task("goal3", "goal = mocap:target:radius:0.3\nobs = goal + pos:target\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(rl_env_reset(env, 4), RL_OK);
    for (int k = 0; k < 3; k++) ck_assert_float_eq_tol(env->obs[k], env->obs[3 + k], 1e-6);
    double dx = env->obs[0] - 0.5, dy = env->obs[1] - 0.5;
    ck_assert(dx * dx + dy * dy < 0.09 && fabsf(env->obs[2] - 0.5f) < 1e-6f);
    rl_env_free(env);
}
END_TEST

START_TEST(goal_reward_hook_for_her)
{
    make_tmp();
    rl_env *env = make_task("her", "goal = site:anchor:box:-0.2:0.2\nobs = qpos + achieved:tip + "
                            "goal\nreward = goal_dist:tip*-2 + ctrl*-1\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    const rl_slice *ach = rl_env_slice(env, "achieved_goal"), *des = rl_env_slice(env, "desired_goal");
    ck_assert_ptr_nonnull(ach);
    ck_assert_ptr_nonnull(des);
    ck_assert_int_eq(ach->len, 3);
    ck_assert_int_eq(des->len, 3);
    ck_assert_ptr_nonnull(env->task->goal_reward);
    put(env, 0.2, 0.3, 0, 0);
    float a[2] = {0.5f, 0};
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    const float *o = env->obs;
    float gr = env->task->goal_reward(env, o + ach->start, o + des->start, NULL);
    ck_assert(fabs(gr - env->info->extra[0]) < 1e-5);   /* the goal-dependent part */
    ck_assert(fabs(rl_env_reward(env) - gr + 0.25) < 1e-5);
    double q[NQ], v[NV];
    ck_assert_int_eq(rl_env_get_state(env, q, NQ, v, NV), RL_OK);
    ck_assert(fabs(o[ach->start] - tip_x(q)) < 1e-5 && fabs(o[ach->start + 2] - tip_z(q)) < 1e-5);
    float there[3] = {o[ach->start], o[ach->start + 1], o[ach->start + 2]};
    ck_assert(fabsf(env->task->goal_reward(env, o + ach->start, there, NULL)) < 1e-7f);
    there[0] += 0.5f;
    ck_assert(fabsf(env->task->goal_reward(env, o + ach->start, there, NULL) + 1.f) < 1e-6f);
    rl_env_free(env);
}
END_TEST

START_TEST(contact_forces)
{
    make_tmp();
    rl_env *env = make_task("cfrc", "obs = cfrc:ball@1 + cfrc:!ball:!pole\n"
                            "reward = cfrc:ball@1*-1 + cfrc:ball*-1\n", "frame_skip=1");
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->obs_space.dim, 6 + 6 * 2); /* cart and target remain */
    ck_assert_int_eq(ends(env, 0, 0, 0, 0, NULL), 0);
    ck_assert_float_eq_tol(rl_env_reward(env), 0.f, 1e-9); /* in the air: no force */
    /* the ball falls onto the floor at 1 m/s: one 10 ms substep later it is
     * 1 cm deep and the floor pushes hard (a longer step would see it
     * bounce off already) */
    double q[NQ], v[NV];
    state(0, 0, 0, 0, q, v);
    q[4] = 0.1;
    v[4] = -1;
    ck_assert_int_eq(rl_env_reset(env, 1), RL_OK);
    ck_assert_int_eq(rl_env_set_state(env, q, NQ, v, NV), RL_OK);
    float a[2] = {0, 0};
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    double sq = 0;
    int clipped = 0;
    for (int i = 0; i < 6; i++) {
        ck_assert(fabsf(env->obs[i]) <= 1.f);
        clipped += fabsf(env->obs[i]) == 1.f;
        sq += (double)env->obs[i] * env->obs[i];
    }
    ck_assert_msg(sq > 0, "no contact force on the ball");
    for (int i = 6; i < 18; i++) ck_assert(env->obs[i] == 0.f); /* cart, target: none */
    ck_assert(fabs(env->info->extra[0] + sq) < 1e-5);
    ck_assert(clipped > 0 && env->info->extra[1] < env->info->extra[0] - 1);
    rl_env_free(env);
}
END_TEST

static void expect_task_error(const char *body, int code, const char *needle)
{
    expect_refused(make_task("bad", body, NULL), body, code, needle);
}

START_TEST(task_file_errors)
{
    make_tmp();
    expect_task_error("rewrd = alive\n", RL_ENOTFOUND, "unknown option 'rewrd'");
    expect_task_error("rewrd = alive\n", RL_ENOTFOUND, "max_steps");
    expect_task_error("rewrd = alive\n", RL_ENOTFOUND, "bad.task:4");
    expect_task_error("reward alive\n", RL_EINVAL, "bad.task:4: expected 'key = value'");
    expect_task_error("frame_skip = 3\n", RL_EINVAL, "'frame_skip' is set twice");
    expect_task_error("frame_skip = many\n", RL_EINVAL, "frame_skip");
    expect_task_error("max_steps = -4\n", RL_EINVAL, "max_steps");
    expect_task_error("terminate = qpos:slide:1:0\n", RL_EINVAL, "LO < HI");
    expect_task_error("terminate = qpos:slide:low:2\n", RL_EINVAL, "LO:HI");
    expect_task_error("healthy = height:head:0:1\n", RL_ENOTFOUND,
                      "no site or body named 'head' (sites: anchor, tip; bodies: world, cart, "
                      "pole, ball, target)");
    expect_task_error("obs = qpos:slid\n", RL_ENOTFOUND, "no joint named 'slid' (joints: slide, "
                      "hinge, free)");
    expect_task_error("obs = sensor:x\n", RL_ENOTFOUND, "sensors: hinge_pos");
    expect_task_error("terminate = no_contact:ball:floor\n", RL_ENOTFOUND,
                      "geoms: floor, cart_geom, pole_geom, ball_geom");
    expect_task_error("obs = qpos:free[7]\n", RL_EINVAL, "has 7 qpos entries");
    expect_task_error("reset = qpos:gauss:1\n", RL_EINVAL, "not uniform, normal or set");
    expect_task_error("goal = joints:free:box:0:1\n", RL_EINVAL, "not a slide or hinge");
    expect_task_error("goal = mocap:ball:radius:1\n", RL_EINVAL, "not a mocap body");
    expect_task_error("obs = goal\n", RL_EINVAL, "needs a goal");
    expect_task_error("terminate = unhealthy\n", RL_EINVAL, "needs healthy conditions");
    expect_task_error("camera = nose\n", RL_ENOTFOUND, "no body named 'nose'");
    expect_task_error("reward = fwd:slide*fast\n", RL_EINVAL, "weight 'fast'");

    char path[512], id[600];
    write_file("nomodel.task", "frame_skip = 2\n", path, sizeof path);
    ck_assert_ptr_null(rl_env_make(path, NULL));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "no 'model = PATH' line"));
    write_file("missing.task", "model = nowhere.xml\n", path, sizeof path);
    ck_assert_ptr_null(rl_env_make(path, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "nowhere.xml' not found (model of task file"));
    write_file("broken.xml", "<mujoco><worldbody><body></worldbdy></mujoco>", id, sizeof id);
    write_file("broken.task", "model = broken.xml\n", path, sizeof path);
    ck_assert_ptr_null(rl_env_make(path, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ESIM);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "broken.xml"));
    unsetenv("RLTOOL_TEST_NOPE");
    write_file("var.task", "model = $RLTOOL_TEST_NOPE/tiny.xml\n", path, sizeof path);
    ck_assert_ptr_null(rl_env_make(path, NULL));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "$RLTOOL_TEST_NOPE, which is not set"));
    setenv("RLTOOL_TEST_NOPE", tmpdir, 1);
    write_file("tiny.xml", TINY_XML, id, sizeof id);
    rl_env *env = rl_env_make(path, NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    rl_env_free(env);
    snprintf(path, sizeof path, "%s/absent.task", tmpdir);
    ck_assert_ptr_null(rl_env_make(path, NULL));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "absent.task' not found"));
}
END_TEST

START_TEST(task_file_options_and_pins)
{
    make_tmp();
    /* comments, spaces, --set overrides, max_steps; the id is absolute */
    rl_env *env = make_task("opts", "  obs = qpos : slide + qvel   # trailing comment\n\n"
                            "max_steps = 77\nreward = alive\n", "frame_skip=3,obs=qpos");
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_int_eq(env->max_steps, 77);
    ck_assert_int_eq(env->obs_space.dim, NQ); /* --set obs=qpos won */
    ck_assert(env->task->id[0] == '/');
    char opts[4096];
    ck_assert(rl_env_options(env, opts, sizeof opts) > 0);
    ck_assert_ptr_nonnull(strstr(opts, "frame_skip=3"));
    ck_assert_ptr_nonnull(strstr(opts, "/tiny.xml"));
    rl_env_free(env);
    env = make_task("opts", "  obs = qpos : slide + qvel   # trailing comment\n\n"
                    "max_steps = 77\nreward = alive\n", NULL);
    ck_assert_int_eq(env->obs_space.dim, 1 + NV);
    rl_env_free(env);

    /* training pins the task file and model; edits are noticed at eval */
    char task[512], out[600];
    snprintf(task, sizeof task, "%s/pin.task", tmpdir);
    env = make_task("pin", "reward = alive\nmax_steps = 20\n", NULL);
    rl_env_free(env);
    snprintf(out, sizeof out, "%s/run", tmpdir);
    char rel[600];
    ck_assert_int_eq(chdir(tmpdir), 0);
    snprintf(rel, sizeof rel, "pin.task");
    rl_train_cfg cfg = {.env_id = rel, .agent = "ppo", .steps = 256, .n_envs = 2,
                        .n_threads = 1, .out_dir = out, .hparams = "rollout=64"};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    ck_assert_int_eq(chdir("/"), 0);
    rl_agent *ag = rl_agent_load(out);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    ck_assert_str_eq(rl_agent_env_id(ag), task); /* absolute, eval works from / */
    ck_assert_ptr_nonnull(strstr(rl_agent_env_opts(ag), "model_hash="));
    ck_assert_ptr_nonnull(strstr(rl_agent_env_opts(ag), "task_hash="));
    rl_eval_result res;
    ck_assert_msg(rl_evaluate(ag, NULL, 2, 1, 1, &res) == RL_OK, "%s", rl_last_error());
    ck_assert_float_eq_tol(res.mean_return, 20.0, 1e-9);
    /* comments, spacing and recipe lines are not the task: still accepted */
    FILE *f = fopen(task, "a");
    fputs("# a comment\n\n  recipe.agent = sac  \nrecipe.steps = 9\n", f);
    fclose(f);
    ck_assert_msg(rl_evaluate(ag, NULL, 2, 1, 1, &res) == RL_OK, "%s", rl_last_error());
    f = fopen(task, "a");
    fputs("camera = pole\n", f);
    fclose(f);
    ck_assert_int_eq(rl_evaluate(ag, NULL, 2, 1, 1, &res), RL_ESTATE);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "task file"));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "changed"));
    ck_assert_msg(rl_evaluate(ag, "task_hash=", 2, 1, 1, &res) == RL_OK, "%s", rl_last_error());
    /* loading after the edit works too; acting still needs task_hash= */
    rl_agent_free(ag);
    ag = rl_agent_load(out);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    ck_assert_int_eq(rl_evaluate(ag, NULL, 2, 1, 1, &res), RL_ESTATE);
    ck_assert_msg(rl_evaluate(ag, "task_hash=", 2, 1, 1, &res) == RL_OK, "%s", rl_last_error());
    char xml[600];
    snprintf(xml, sizeof xml, "%s/tiny.xml", tmpdir);
    f = fopen(xml, "a");
    fputs("<!-- edited -->\n", f);
    fclose(f);
    ck_assert_int_eq(rl_evaluate(ag, "task_hash=", 2, 1, 1, &res), RL_ESTATE);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "the model"));
    rl_agent_free(ag);
}
END_TEST

/* recipe.* lines: `rltool train FILE` without --agent uses them; another
 * agent or policy gets its general recipe; bad lines are errors. */
START_TEST(task_file_recipe)
{
    make_tmp();
    expect_task_error("recipe.agent = ppx\nrecipe.steps = 9\n", RL_EINVAL,
                      "bad.task:4: recipe.agent: unknown agent 'ppx' (known: ");
    expect_task_error("recipe.steps = 0\n", RL_EINVAL, "recipe.steps '0' must be an integer");
    expect_task_error("recipe.agent = sac\nrecipe.hparams = gamma\n", RL_EINVAL,
                      "recipe.hparams 'gamma' must be key=value pairs");
    expect_task_error("recipe.hparams = gamma=0.9\n", RL_EINVAL,
                      "bad.task:4: recipe.hparams without recipe.agent");
    expect_task_error("recipe.agent = sac\n", RL_EINVAL, "recipe.agent without recipe.steps");
    /* the agent's hyperparameters are checked when the file is read, with the
     * hparams line, wherever recipe.agent comes */
    expect_task_error("recipe.hparams = gama=0.9\nrecipe.agent = ppo\nrecipe.steps = 9\n",
                      RL_ENOTFOUND, "bad.task:4: recipe.hparams: unknown hyperparameter 'gama' "
                      "for ppo with policy mlp (known: envs,");
    expect_task_error("recipe.agent = ppo\nrecipe.hparams = gamma=2\nrecipe.steps = 9\n",
                      RL_EINVAL, "bad.task:5: recipe.hparams: ");
    expect_task_error("recipe.agent = ppo\nrecipe.policy = mpl\nrecipe.steps = 9\n", RL_EINVAL,
                      "bad.task:5: recipe.policy: unknown policy 'mpl' (known: ");
    expect_task_error("recipe.budget = 9\n", RL_ENOTFOUND, "recipe keys: recipe.agent");
    expect_task_error("rewrd = alive\n", RL_ENOTFOUND, "recipe.hparams");

    rl_env *env = make_task("rec", "reward = alive\nmax_steps = 20\nrecipe.agent = sac\n"
                            "recipe.hparams = hidden=16x16, gamma=0.9\nrecipe.steps = 300\n", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    const char *id = env->task->id;
    ck_assert_str_eq(rl_recommended_agent(id), "sac");
    const rl_recipe *r = rl_recipe_find(NULL, id);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->steps, 300);
    ck_assert_str_eq(r->hparams, "hidden=16x16,gamma=0.9");
    ck_assert_ptr_eq(rl_recipe_find("sac", id), r);
    ck_assert_ptr_eq(rl_recipe_find_for("sac", "mlp", id), r);
    ck_assert_ptr_ne(rl_recipe_find_for("sac", "ncap", id), r);
    const rl_recipe *ppo = rl_recipe_find("ppo", id);
    ck_assert(ppo != r && ppo->steps != 300);
    rl_env_free(env);

    /* trained without an agent or budget: the file's recipe decides both */
    env = make_task("rec", "reward = alive\nmax_steps = 20\nrecipe.agent = ppo\n"
                    "recipe.hparams = envs=2, rollout=64, gamma=0.9\nrecipe.steps = 256\n",
                    NULL);
    rl_env_free(env);
    char task[512], out[600];
    snprintf(task, sizeof task, "%s/rec.task", tmpdir);
    snprintf(out, sizeof out, "%s/run", tmpdir);
    rl_train_cfg cfg = {.env_id = task, .n_threads = 1, .out_dir = out};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    rl_agent *ag = rl_agent_load(out);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    ck_assert_str_eq(rl_agent_kind(ag), "ppo");
    rl_agent_free(ag);
    char cfgtxt[600], text[8192] = "";
    snprintf(cfgtxt, sizeof cfgtxt, "%s/config.txt", out);
    read_text(cfgtxt, text, sizeof text);
    ck_assert_msg(strstr(text, "gamma=0.9,") && strstr(text, "rollout=64") &&
                  strstr(text, "steps: 256"), "%s", text);
}
END_TEST

START_TEST(cli_info_and_run_dir)
{
    const char *cli = getenv("RLTOOL_CLI");
    if (!cli) return;
    make_tmp();
    rl_env_free(make_task("walk", "reward = fwd:slide\ncamera = pole\n", NULL));
    char cmd[2048], out[600];
    snprintf(out, sizeof out, "%s/info.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' info walk.task > info.txt", tmpdir, cli);
    ck_assert_int_eq(system(cmd), 0);
    char text[16384] = "";
    read_text(out, text, sizeof text);
    const char *want[] = {"bodies     world, cart, pole, ball, target",
                          "joints     slide, hinge, free", "sites      anchor, tip",
                          "geoms      floor, cart_geom, pole_geom, ball_geom",
                          "actuators  push, turn", "sensors    hinge_pos",
                          "tracks body 'pole'"};
    for (int i = 0; i < 7; i++)
        ck_assert_msg(strstr(text, want[i]), "info lacks '%s':\n%s", want[i], text);
    snprintf(cmd, sizeof cmd, "cd '%s' && '%s' train walk.task --steps 128 --threads 1 "
             "--envs 2 --set rollout=64 --seed 3 >/dev/null 2>&1 && test -d runs/walk-ppo-s3", tmpdir, cli);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
}
END_TEST

int main(void)
{
    (void)build_plugin;
    Suite *s = suite_create("task_file");
    TCase *tc = tcase_create("task_file");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, observation_terms);
    tcase_add_test(tc, reward_terms);
    tcase_add_test(tc, condition_terms);
    tcase_add_test(tc, reset_terms);
    tcase_add_test(tc, goal_terms);
    tcase_add_test(tc, goal_reward_hook_for_her);
    tcase_add_test(tc, contact_forces);
    tcase_add_test(tc, task_file_errors);
    tcase_add_test(tc, task_file_options_and_pins);
    tcase_add_test(tc, task_file_recipe);
    tcase_add_test(tc, cli_info_and_run_dir);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
