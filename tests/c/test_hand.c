/* The dexterous-hand family through the public env API plus the hand.h
 * hooks: goals are exactly reachable, the servos really reach them, the cube
 * rests on the palm and dropping it ends the episode with the penalty,
 * success flags follow the thresholds, fast compile, stable stepping,
 * action checks and seeded determinism. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"
#include "rltool.h"
#include "agents/agent.h"
#include "envs/mujoco/hand.h"

#define NJ RL_HAND_NJOINT
#define NT RL_HAND_NTIP

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static rl_env *make(const char *id, const char *opts)
{
    rl_env *env = rl_env_make(id, opts);
    ck_assert_msg(env != NULL, "%s: %s", id, rl_last_error());
    return env;
}

static void random_action(rl_rng *rng, float *a)
{
    for (int i = 0; i < NJ; i++) a[i] = (float)rl_rng_range(rng, -1.0, 1.0);
}

/* The action that commands joint configuration q. */
static void action_for(const rl_env *env, const double *q, float *a)
{
    for (int i = 0; i < NJ; i++) {
        double lo, hi;
        ck_assert_int_eq(rl_hand_joint_range(env, i, &lo, &hi), RL_OK);
        a[i] = (float)(2.0 * (q[i] - lo) / (hi - lo) - 1.0);
    }
}

static double dist3(const double *a, const double *b)
{
    return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                (a[2] - b[2]) * (a[2] - b[2]));
}

/* Check hand-reach's success flag and reward against the fingertips. */
static void check_reach_step(rl_env *env)
{
    double tips[3 * NT], goal[3 * NT], sum = 0, max = 0;
    ck_assert_int_eq(rl_hand_tips(env, tips), RL_OK);
    ck_assert_int_eq(rl_hand_goal(env, goal, NULL), RL_OK);
    for (int t = 0; t < NT; t++) {
        double d = dist3(tips + 3 * t, goal + 3 * t);
        sum += d;
        max = fmax(max, d);
    }
    const double th = RL_HAND_TIP_THRESHOLD;
    ck_assert_int_eq(env->info->success, max < th);
    double want = -sum + 1.0 * ((max < 2 * th) + (max < th)); /* default bonus=1 */
    ck_assert_msg(fabs(*env->reward - want) < 1e-5, "reward %g, expected %g", *env->reward, want);
    ck_assert_double_eq_tol(env->info->extra[0], max, 1e-6);
}

/* ------------------------------------------------------------ model */

START_TEST(compiles_fast_with_expected_layout)
{
    static const char *const ids[] = {"hand-reach-v1", "hand-rotate-v1"};
    for (int k = 0; k < 2; k++) {
        double t0 = now();
        rl_env *env = make(ids[k], NULL);
        double secs = now() - t0;
        printf("test_hand: %s generated and compiled in %.3f s\n", ids[k], secs);
        ck_assert_msg(secs < 2.0, "%s took %.2f s to build", ids[k], secs);
        ck_assert_int_eq(env->act_space.dim, NJ);
        const rl_sim *sim = rl_hand_sim(env);
        ck_assert_ptr_nonnull(sim);
        ck_assert_int_eq(sim->m->nu, NJ);
        ck_assert_int_eq(sim->m->nsite, NT);
        ck_assert_double_eq_tol(sim->m->opt.timestep, 0.002, 1e-12);
        ck_assert_int_eq(sim->n_substeps, 20);
        ck_assert_int_eq(rl_env_max_steps(env), k == 0 ? 50 : 100);
        const rl_slice *ag = rl_env_slice(env, "achieved_goal");
        const rl_slice *dg = rl_env_slice(env, "desired_goal");
        const rl_slice *jp = rl_env_slice(env, "joint_pos");
        ck_assert(ag && dg && jp && rl_env_slice(env, "joint_vel"));
        ck_assert_int_eq(jp->len, NJ);
        ck_assert_int_eq(ag->len, k == 0 ? 3 * NT : 4);
        ck_assert_int_eq(dg->len, ag->len);
        const rl_slice *last = k == 0 ? dg : rl_env_slice(env, "rotation_to_goal");
        ck_assert_ptr_nonnull(last);
        ck_assert_int_eq(last->start + last->len, env->obs_space.dim);
        /* Plausible ranges: every joint moves, none beyond 100 degrees. */
        for (int i = 0; i < NJ; i++) {
            double lo, hi;
            ck_assert_int_eq(rl_hand_joint_range(env, i, &lo, &hi), RL_OK);
            ck_assert(lo < hi && hi - lo <= 110 * M_PI / 180 && fabs(lo) <= 1.75 && hi <= 1.75);
        }
        ck_assert_int_ne(rl_hand_joint_range(env, NJ, &(double){0}, &(double){0}), RL_OK);
        rl_env_free(env);
    }
}
END_TEST

START_TEST(bad_options_are_errors)
{
    ck_assert_ptr_null(rl_env_make("hand-reach-v1", "bonus=-1"));
    ck_assert_ptr_null(rl_env_make("hand-reach-v1", "drop_penalty=1"));
    ck_assert_ptr_null(rl_env_make("hand-rotate-v1", "drop_penalty=nan"));
    ck_assert_ptr_null(rl_env_make("hand-rotate-v1", "bonus=1"));
    rl_env *env = make("hand-rotate-v1", "drop_penalty=0");
    ck_assert_int_ne(rl_hand_goal(env, NULL, NULL), RL_OK); /* reach only */
    rl_env_free(env);
}
END_TEST

/* ------------------------------------------------------------ hand-reach */

START_TEST(reach_goals_are_exactly_reachable)
{
    rl_env *env = make("hand-reach-v1", NULL);
    const rl_slice *ag = rl_env_slice(env, "achieved_goal");
    const rl_slice *dg = rl_env_slice(env, "desired_goal");
    for (int k = 0; k < 50; k++) {
        ck_assert_int_eq(rl_env_reset(env, 1000 + k), RL_OK);
        double goal[3 * NT], q[NJ], tips[3 * NT];
        ck_assert_int_eq(rl_hand_goal(env, goal, q), RL_OK);
        for (int i = 0; i < 3 * NT; i++)
            ck_assert_double_eq_tol(env->obs[dg->start + i], goal[i], 1e-6);
        for (int i = 0; i < NJ; i++) {
            double lo, hi;
            rl_hand_joint_range(env, i, &lo, &hi);
            ck_assert(q[i] >= lo && q[i] <= hi);
        }
        ck_assert_int_eq(rl_hand_set_joints(env, q), RL_OK);
        ck_assert_int_eq(rl_hand_tips(env, tips), RL_OK);
        for (int t = 0; t < NT; t++)
            ck_assert_msg(dist3(tips + 3 * t, goal + 3 * t) < 1e-6, "goal %d tip %d off by %g", k,
                          t, dist3(tips + 3 * t, goal + 3 * t));
        for (int i = 0; i < 3 * NT; i++)
            ck_assert_double_eq_tol(env->obs[ag->start + i], env->obs[dg->start + i], 1e-6);
    }
    rl_env_free(env);
}
END_TEST

/* The servos bring the hand to a goal when commanded its configuration:
 * goals are drawn free of self-penetration, so they can be held. */
START_TEST(reach_goals_are_reached_by_the_servos)
{
    rl_env *env = make("hand-reach-v1", NULL);
    int reached = 0, episodes = 10;
    for (int k = 0; k < episodes; k++) {
        ck_assert_int_eq(rl_env_reset(env, 2000 + k), RL_OK);
        double q[NJ];
        float a[NJ];
        rl_hand_goal(env, NULL, q);
        action_for(env, q, a);
        while (!env->info->done) {
            ck_assert_int_eq(rl_env_step(env, a), RL_OK);
            check_reach_step(env);
        }
        ck_assert(*env->truncated && !*env->terminated);
        ck_assert_int_eq(env->info->episode_length, 50);
        reached += env->info->success == 1;
    }
    ck_assert_msg(reached >= episodes - 1, "only %d of %d goals reached", reached, episodes);
    rl_env_free(env);
}
END_TEST

START_TEST(reach_success_and_reward_follow_threshold)
{
    rl_env *env = make("hand-reach-v1", NULL);
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    float a[NJ];
    int seen[2] = {0, 0};
    /* Random actions: far from the goal, no success. */
    rl_env_reset(env, 5);
    for (int t = 0; t < 50; t++) {
        random_action(&rng, a);
        ck_assert_int_eq(rl_env_step(env, a), RL_OK);
        check_reach_step(env);
        seen[env->info->success]++;
    }
    /* Start at the goal, command a pose slightly off it, then the goal:
     * the flag turns on exactly when every tip is inside the threshold. */
    rl_env_reset(env, 6);
    double q[NJ], off[NJ];
    rl_hand_goal(env, NULL, q);
    ck_assert_int_eq(rl_hand_set_joints(env, q), RL_OK);
    for (int i = 0; i < NJ; i++) {
        double lo, hi;
        rl_hand_joint_range(env, i, &lo, &hi);
        off[i] = fmin(fmax(q[i] + (i % 2 ? 0.25 : -0.25), lo), hi);
    }
    action_for(env, off, a);
    for (int t = 0; t < 10; t++) {
        rl_env_step(env, a);
        check_reach_step(env);
        seen[env->info->success]++;
    }
    action_for(env, q, a);
    for (int t = 0; t < 20; t++) {
        rl_env_step(env, a);
        check_reach_step(env);
        seen[env->info->success]++;
    }
    ck_assert_int_eq(env->info->success, 1);
    ck_assert(*env->reward > 1.9f); /* both bonus levels, tiny distance */
    ck_assert(seen[0] > 0 && seen[1] > 0);
    rl_env_free(env);
}
END_TEST

/* ------------------------------------------------------------ hand-rotate */

static int cube_qpos(const rl_sim *sim)
{
    int j = mj_name2id(sim->m, mjOBJ_JOINT, "cube");
    ck_assert_int_ge(j, 0);
    return sim->m->jnt_qposadr[j];
}

START_TEST(cube_rests_on_palm_with_zero_action)
{
    rl_env *env = make("hand-rotate-v1", NULL);
    rl_sim *sim = rl_hand_sim(env);
    int cq = cube_qpos(sim);
    const rl_slice *cp = rl_env_slice(env, "cube_pos");
    ck_assert_ptr_nonnull(cp);
    float zero[NJ] = {0};
    for (int k = 0; k < 5; k++) {
        rl_env_reset(env, 300 + k);
        double yaw0 = 2 * atan2(sim->d->qpos[cq + 6], sim->d->qpos[cq + 3]);
        for (int t = 0; t < 50; t++) { /* 50 x 0.04 s = 2 s */
            ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
            ck_assert(!*env->terminated && !env->info->sim_unstable);
        }
        /* Still lying flat on the palm (centre 25 mm above it), near the
         * middle, not spinning away. */
        ck_assert_msg(fabs(env->info->extra[1] - 0.025) < 0.002, "cube height %g",
                      env->info->extra[1]);
        ck_assert(fabs(env->obs[cp->start]) < 0.02 && fabs(env->obs[cp->start + 1]) < 0.02);
        double yaw = 2 * atan2(sim->d->qpos[cq + 6], sim->d->qpos[cq + 3]);
        ck_assert_msg(fabs(remainder(yaw - yaw0, 2 * M_PI)) < 0.05, "cube turned by %g",
                      yaw - yaw0);
    }
    rl_env_free(env);
}
END_TEST

START_TEST(dropping_the_cube_terminates_with_penalty)
{
    rl_env *env = make("hand-rotate-v1", NULL);
    rl_sim *sim = rl_hand_sim(env);
    int cq = cube_qpos(sim);
    float zero[NJ] = {0};

    /* Teleported beside the palm: it falls past the palm's surface. */
    rl_env_reset(env, 1);
    rl_env_step(env, zero);
    sim->d->qpos[cq + 0] = 0.15;
    ck_assert_int_eq(rl_sim_forward(sim), RL_OK);
    while (!env->info->done) ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
    ck_assert(*env->terminated && !*env->truncated);
    int t = env->info->episode_length;
    ck_assert_int_lt(t, 10);
    ck_assert(env->info->extra[1] < 0);
    double want = -env->info->extra[0] - M_PI * (100 - t);
    ck_assert_msg(fabs(*env->reward - want) < 1e-3, "reward %g, expected %g", *env->reward, want);
    ck_assert_int_eq(rl_env_step(env, zero), RL_ESTATE);

    /* Teleported below the palm: the very next step ends the episode. */
    rl_env_reset(env, 2);
    sim->d->qpos[cq + 2] -= 0.1;
    rl_sim_forward(sim);
    ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
    ck_assert(*env->terminated);
    ck_assert(*env->reward < -M_PI * 98);

    /* drop_penalty=0: only the rotation distance. */
    rl_env *e0 = make("hand-rotate-v1", "drop_penalty=0");
    sim = rl_hand_sim(e0);
    rl_env_reset(e0, 2);
    sim->d->qpos[cq + 2] -= 0.1;
    rl_sim_forward(sim);
    rl_env_step(e0, zero);
    ck_assert(*e0->terminated);
    ck_assert_double_eq_tol(*e0->reward, -e0->info->extra[0], 1e-5);
    rl_env_free(e0);
    rl_env_free(env);
}
END_TEST

/* Success iff the rotation distance 2 acos|<q, q_goal>| is below 0.1 rad. */
START_TEST(rotate_success_follows_threshold)
{
    rl_env *env = make("hand-rotate-v1", NULL);
    rl_sim *sim = rl_hand_sim(env);
    int cq = cube_qpos(sim);
    const rl_slice *ag = rl_env_slice(env, "achieved_goal");
    const rl_slice *dg = rl_env_slice(env, "desired_goal");
    float zero[NJ] = {0};
    /* Turn the cube to goal yaw + offset; it rests, so it stays there. */
    static const double offsets[] = {0.0, 0.05, 0.07, 0.13, 0.3, -0.06, -0.15, 3.0};
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        rl_env_reset(env, 40 + (int)k);
        const float *g = env->obs + dg->start;
        double goal_yaw = 2 * atan2(g[3], g[0]);
        double yaw = goal_yaw + offsets[k];
        mjtNum *c = sim->d->qpos + cq;
        c[3] = cos(yaw / 2);
        c[4] = c[5] = 0;
        c[6] = sin(yaw / 2);
        ck_assert_int_eq(rl_sim_forward(sim), RL_OK);
        ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
        double dist = env->info->extra[0];
        ck_assert_msg(fabs(dist - fabs(offsets[k])) < 0.02, "offset %g, distance %g", offsets[k],
                      dist);
        ck_assert_int_eq(env->info->success, dist < RL_HAND_ROT_THRESHOLD);
        /* The same distance from the published quaternions. */
        const float *a = env->obs + ag->start;
        double dot = fabs(a[0] * g[0] + a[1] * g[1] + a[2] * g[2] + a[3] * g[3]);
        ck_assert_double_eq_tol(2 * acos(fmin(dot, 1.0)), dist, 2e-3);
        ck_assert_double_eq_tol(*env->reward, -dist, 1e-5);
    }
    rl_env_free(env);
}
END_TEST

/* rotation_to_goal is the turn from the cube to the goal: for yaws a and b,
 * the yaw b - a (w >= 0), and the goal_obs hook recomputes it after the
 * desired goal is replaced (as HER relabelling does). */
START_TEST(rotate_publishes_rotation_to_goal)
{
    rl_env *env = make("hand-rotate-v1", NULL);
    const rl_slice *ag = rl_env_slice(env, "achieved_goal");
    const rl_slice *dg = rl_env_slice(env, "desired_goal");
    const rl_slice *rg = rl_env_slice(env, "rotation_to_goal");
    ck_assert(ag && dg && rg && rg->len == 4);
    ck_assert_ptr_nonnull(env->task->goal_obs);
    for (int k = 0; k < 20; k++) {
        rl_env_reset(env, 70 + k);
        const float *a = env->obs + ag->start, *g = env->obs + dg->start, *r = env->obs + rg->start;
        double turn = 2 * atan2(g[3], g[0]) - 2 * atan2(a[3], a[0]);
        turn = remainder(turn, 2 * M_PI);
        ck_assert_double_eq_tol(r[0], cos(turn / 2), 1e-4);
        ck_assert_double_eq_tol(r[3], sin(turn / 2), 1e-4);
        ck_assert_double_eq_tol(r[1], 0, 1e-4);
        ck_assert_double_eq_tol(r[2], 0, 1e-4);
        /* Relabel: the goal becomes the achieved orientation, no turn left. */
        float obs[128];
        memcpy(obs, env->obs, sizeof(float) * (size_t)env->obs_space.dim);
        memcpy(obs + dg->start, obs + ag->start, 4 * sizeof(float));
        env->task->goal_obs(env, obs);
        ck_assert_double_eq_tol(obs[rg->start], 1, 1e-6);
        for (int i = 1; i < 4; i++) ck_assert_double_eq_tol(obs[rg->start + i], 0, 1e-6);
    }
    rl_env_free(env);
}
END_TEST

/* ------------------------------------------------------------ faster model */

/* The v2 model tests only its explicit contact pairs. Every pair that
 * touches on the all-pairs v1 model in random configurations must be among
 * them, and both models have the same joints, ranges and control period. */
START_TEST(fast_model_pairs_cover_every_contact)
{
    rl_env *v1 = make("hand-reach-v1", NULL), *v2 = make("hand-reach-v2", NULL);
    const mjModel *m1 = rl_hand_sim(v1)->m, *m2 = rl_hand_sim(v2)->m;
    const rl_sim *s2 = rl_hand_sim(v2);
    ck_assert_double_eq_tol(m2->opt.timestep * s2->n_substeps, 0.04, 1e-12);
    ck_assert_int_eq(s2->n_substeps, 10);
    ck_assert_int_eq(m1->nq, m2->nq);
    for (int i = 0; i < m1->njnt * 2; i++) ck_assert(m1->jnt_range[i] == m2->jnt_range[i]);
    for (int g = 0; g < m2->ngeom; g++) ck_assert_int_eq(m2->geom_contype[g], 0);
    ck_assert_int_gt(m2->npair, 0);
    rl_rng rng;
    rl_rng_seed(&rng, 8, 0);
    double q[NJ];
    int contacts = 0;
    for (int k = 0; k < 3000; k++) {
        for (int i = 0; i < NJ; i++) {
            double lo, hi;
            rl_hand_joint_range(v1, i, &lo, &hi);
            q[i] = rl_rng_range(&rng, lo, hi);
        }
        ck_assert_int_eq(rl_hand_set_joints(v1, q), RL_OK);
        const mjData *d = rl_hand_sim(v1)->d;
        for (int c = 0; c < d->ncon; c++) {
            const char *a = mj_id2name(m1, mjOBJ_GEOM, d->contact[c].geom1);
            const char *b = mj_id2name(m1, mjOBJ_GEOM, d->contact[c].geom2);
            int ga = mj_name2id(m2, mjOBJ_GEOM, a), gb = mj_name2id(m2, mjOBJ_GEOM, b), found = 0;
            for (int p = 0; p < m2->npair && !found; p++)
                found = (m2->pair_geom1[p] == ga && m2->pair_geom2[p] == gb) ||
                        (m2->pair_geom1[p] == gb && m2->pair_geom2[p] == ga);
            ck_assert_msg(found, "%s touches %s but the v2 model has no such pair", a, b);
            contacts++;
        }
    }
    ck_assert_int_gt(contacts, 500);
    rl_env_free(v1);
    rl_env_free(v2);
    /* The cube may touch every hand geom. */
    rl_env *c2 = make("hand-rotate-v2", NULL);
    const mjModel *m = rl_hand_sim(c2)->m;
    int cube = mj_name2id(m, mjOBJ_GEOM, "cube"), n = 0;
    for (int p = 0; p < m->npair; p++) n += m->pair_geom1[p] == cube || m->pair_geom2[p] == cube;
    ck_assert_int_eq(n, m->ngeom - 2); /* all but the cube and the floor */
    rl_env_free(c2);
}
END_TEST

/* ------------------------------------------------------------ hand-rotate-v2, spin */

static double tolerance(double dist)
{
    return dist <= 0.2 ? 1.0 : fmax(0.0, (M_PI - dist) / (M_PI - 0.2));
}

/* Joint targets: joint_error + joint_pos. */
static void targets(const rl_env *env, double *t)
{
    const rl_slice *jp = rl_env_slice(env, "joint_pos"), *je = rl_env_slice(env, "joint_error");
    ck_assert(jp && je);
    for (int i = 0; i < NJ; i++) t[i] = (double)env->obs[je->start + i] + env->obs[jp->start + i];
}

/* Actions move the joint targets by action_scale x action, clipped to the
 * joint ranges; zero action holds them. */
START_TEST(rotate2_actions_are_deltas)
{
    static const char *const ids[] = {"hand-rotate-v2", "hand-spin-v1"};
    for (int k = 0; k < 2; k++) {
        rl_env *env = make(ids[k], "action_scale=0.2");
        rl_env_reset(env, 5);
        double t0[NJ], t1[NJ];
        targets(env, t0);
        const rl_slice *je = rl_env_slice(env, "joint_error");
        for (int i = 0; i < NJ; i++) ck_assert(fabs(env->obs[je->start + i]) < 1e-6);
        float a[NJ], zero[NJ] = {0};
        for (int i = 0; i < NJ; i++) a[i] = (float)(i % 3 - 1) * 0.5f;
        ck_assert_int_eq(rl_env_step(env, a), RL_OK);
        targets(env, t1);
        for (int i = 0; i < NJ; i++) {
            double lo, hi;
            rl_hand_joint_range(env, i, &lo, &hi);
            double want = fmin(hi, fmax(lo, t0[i] + 0.2 * a[i]));
            ck_assert_msg(fabs(t1[i] - want) < 1e-5, "%s joint %d target %g, want %g", ids[k], i,
                          t1[i], want);
        }
        ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
        targets(env, t0);
        for (int i = 0; i < NJ; i++) ck_assert(fabs(t0[i] - t1[i]) < 1e-5);
        for (int i = 0; i < NJ; i++) a[i] = 1.f;
        for (int s = 0; s < 20 && !env->info->done; s++) rl_env_step(env, a);
        targets(env, t0);
        for (int i = 0; i < NJ; i++) {
            double lo, hi;
            rl_hand_joint_range(env, i, &lo, &hi);
            ck_assert(fabs(t0[i] - hi) < 1e-5);
        }
        rl_env_free(env);
    }
}
END_TEST

/* Turn the cube to orientation turn(yaw) x goal, where it rests. */
static void place_at_goal(rl_env *env, double yaw)
{
    rl_sim *sim = rl_hand_sim(env);
    const rl_slice *dg = rl_env_slice(env, "desired_goal");
    mjtNum g[4], z[4] = {cos(yaw / 2), 0, 0, sin(yaw / 2)};
    for (int k = 0; k < 4; k++) g[k] = env->obs[dg->start + k];
    mju_normalize4(g);
    int cq = sim->m->jnt_qposadr[mj_name2id(sim->m, mjOBJ_JOINT, "cube")];
    mju_mulQuat(sim->d->qpos + cq + 3, z, g);
    ck_assert_int_eq(rl_sim_forward(sim), RL_OK);
}

/* Reward = 5 tol(distance) + 0.5 max(0, 1 - offset / 5 cm) + 20 [distance <
 * 0.1]; success follows the threshold; goal_rotation_matrix is the identity's
 * first two columns at the goal. */
START_TEST(rotate2_reward_terms_and_success)
{
    rl_env *env = make("hand-rotate-v2", "resample=0");
    const rl_slice *cp = rl_env_slice(env, "cube_pos");
    const rl_slice *rm = rl_env_slice(env, "goal_rotation_matrix");
    ck_assert(cp && rm && rm->len == 6);
    float zero[NJ] = {0};
    static const double offsets[] = {0.0, 0.06, -0.15, 0.5, 2.0, -3.0};
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        rl_env_reset(env, 60 + (int)k);
        place_at_goal(env, offsets[k]);
        ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
        double dist = env->info->extra[0];
        ck_assert_msg(fabs(dist - fabs(offsets[k])) < 0.03, "offset %g, distance %g", offsets[k],
                      dist);
        const float *c = env->obs + cp->start;
        double off = hypot(c[0], c[1]);
        double want = 5 * tolerance(dist) + 0.5 * fmax(0, 1 - off / 0.05) + 20.0 * (dist < 0.1);
        ck_assert_msg(fabs(*env->reward - want) < 1e-3, "reward %g, expected %g", *env->reward,
                      want);
        ck_assert_int_eq(env->info->success, dist < RL_HAND_ROT_THRESHOLD);
        ck_assert(!*env->terminated);
        if (offsets[k] == 0.0) {
            static const float eye[6] = {1, 0, 0, 0, 1, 0};
            for (int i = 0; i < 6; i++) ck_assert(fabs(env->obs[rm->start + i] - eye[i]) < 0.03);
        }
    }
    rl_env_free(env);
}
END_TEST

/* With resample=1 a success moves the goal on (within goal_range) and
 * counts; goal_range bounds every goal's turn (the curriculum). */
START_TEST(rotate2_goal_resampling_and_curriculum)
{
    rl_env *env = make("hand-rotate-v2", "goal_range=0.8");
    const rl_slice *ag = rl_env_slice(env, "achieved_goal"), *dg = rl_env_slice(env, "desired_goal");
    float zero[NJ] = {0};
    for (int e = 0; e < 10; e++) {
        rl_env_reset(env, 90 + e);
        const float *a = env->obs + ag->start, *g = env->obs + dg->start;
        double dot = fabs(a[0] * g[0] + a[1] * g[1] + a[2] * g[2] + a[3] * g[3]);
        ck_assert(2 * acos(fmin(dot, 1.0)) <= 0.8 + 2e-3);
    }
    rl_env_reset(env, 3);
    float old[4];
    for (int round = 1; round <= 3; round++) {
        memcpy(old, env->obs + dg->start, sizeof old);
        place_at_goal(env, 0.0);
        ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
        ck_assert_int_eq(env->info->success, 1);
        ck_assert_double_eq_tol(env->info->extra[2], round, 1e-6);
        ck_assert(*env->reward > 20);
        const float *a = env->obs + ag->start, *g = env->obs + dg->start;
        ck_assert(memcmp(old, g, sizeof old) != 0);
        double dot = fabs(a[0] * g[0] + a[1] * g[1] + a[2] * g[2] + a[3] * g[3]);
        ck_assert(2 * acos(fmin(dot, 1.0)) <= 0.8 + 0.01);
    }
    rl_env_reset(env, 4);
    ck_assert_double_eq_tol(env->info->extra[2], 0, 1e-6);
    rl_env_free(env);
}
END_TEST

/* A cube teleported below the palm ends the episode with the penalty. */
START_TEST(cube_tasks_drop_terminates_with_penalty)
{
    static const char *const ids[] = {"hand-rotate-v2", "hand-spin-v1"};
    static const double penalty[] = {50, 10};
    float zero[NJ] = {0};
    for (int k = 0; k < 2; k++) {
        rl_env *env = make(ids[k], NULL);
        rl_sim *sim = rl_hand_sim(env);
        int cq = cube_qpos(sim);
        rl_env_reset(env, 2);
        sim->d->qpos[cq + 2] -= 0.1;
        rl_sim_forward(sim);
        ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
        ck_assert(*env->terminated && env->info->done);
        ck_assert(env->info->extra[1] < 0);
        ck_assert_msg(*env->reward < -penalty[k] + 6 && *env->reward > -penalty[k] - 6,
                      "%s reward %g", ids[k], *env->reward);
        rl_env_free(env);
    }
}
END_TEST

/* Starts come from the cache of settled poses: with zero action (hold the
 * targets) the cube lies still on the palm for 2 s, and seeds pick
 * different poses. */
START_TEST(cache_starts_settle_without_a_drop)
{
    static const char *const ids[] = {"hand-rotate-v2", "hand-spin-v1"};
    float zero[NJ] = {0};
    for (int k = 0; k < 2; k++) {
        rl_env *env = make(ids[k], NULL);
        const rl_slice *cp = rl_env_slice(env, "cube_pos");
        const rl_slice *cq = rl_env_slice(env, k == 0 ? "achieved_goal" : "cube_quat");
        float first[4];
        for (int e = 0; e < 8; e++) {
            rl_env_reset(env, 500 + e);
            float p0[3], q0[4];
            memcpy(p0, env->obs + cp->start, sizeof p0);
            memcpy(q0, env->obs + cq->start, sizeof q0);
            if (e == 0) memcpy(first, q0, sizeof first);
            else ck_assert(memcmp(first, q0, sizeof first) != 0 || e < 2);
            for (int t = 0; t < 50; t++) { /* 2 s */
                ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
                ck_assert_msg(!*env->terminated && !env->info->sim_unstable, "%s seed %d step %d",
                              ids[k], 500 + e, t);
            }
            ck_assert_msg(fabs(env->info->extra[1] - 0.025) < 0.002, "cube height %g",
                          env->info->extra[1]);
            const float *p = env->obs + cp->start, *q = env->obs + cq->start;
            ck_assert(hypot(p[0] - p0[0], p[1] - p0[1]) < 0.003);
            double dot = fabs(q[0] * q0[0] + q[1] * q0[1] + q[2] * q0[2] + q[3] * q0[3]);
            ck_assert(2 * acos(fmin(dot, 1.0)) < 0.03);
        }
        rl_env_free(env);
    }
}
END_TEST

/* hand-spin's reward: the spin rate about the palm normal clipped to
 * +-spin_clip, minus the linear-speed and pose penalties (torque_cost=0
 * here: torques are not observed). */
START_TEST(spin_reward_terms)
{
    /* Friction stops a spinning cube within a few ms (4 corner contacts on
     * the palm), so the clip is exercised with a small spin_clip. */
    static const char *const opts[] = {"torque_cost=0", "torque_cost=0,spin_clip=0.002"};
    static const double clip[] = {0.5, 0.002};
    float zero[NJ] = {0};
    for (int o = 0; o < 2; o++) {
        rl_env *env = make("hand-spin-v1", opts[o]);
        rl_sim *sim = rl_hand_sim(env);
        int dof = sim->m->jnt_dofadr[mj_name2id(sim->m, mjOBJ_JOINT, "cube")];
        const rl_slice *jp = rl_env_slice(env, "joint_pos"), *cv = rl_env_slice(env, "cube_vel");
        static const double spins[] = {0.3, 3.0, -3.0, 0.0};
        for (int k = 0; k < 4; k++) {
            rl_env_reset(env, 20 + k);
            float q0[NJ];
            memcpy(q0, env->obs + jp->start, sizeof q0);
            /* Body-frame angular velocity for a world-z spin: R^T (0, 0, w). */
            const mjtNum *x = sim->d->xmat + 9 * mj_name2id(sim->m, mjOBJ_BODY, "cube");
            for (int i = 0; i < 3; i++) sim->d->qvel[dof + 3 + i] = x[6 + i] * spins[k];
            ck_assert_int_eq(rl_sim_forward(sim), RL_OK);
            ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
            double w = env->info->extra[2];
            if (fabs(spins[k]) > 1) ck_assert(w * spins[k] > 0 && fabs(w) > clip[1]);
            const float *v = env->obs + cv->start;
            double pose = 0;
            for (int i = 0; i < NJ; i++) {
                double dq = env->obs[jp->start + i] - q0[i];
                pose += dq * dq;
            }
            double speed = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            double want = fmax(-clip[o], fmin(clip[o], w)) - 0.3 * speed - 0.05 * pose;
            ck_assert_msg(fabs(*env->reward - want) < 1e-4, "spin %g: reward %g, expected %g", w,
                          *env->reward, want);
            ck_assert_double_eq_tol(env->info->extra[0], w, 1e-5); /* mean over 1 step */
        }
        rl_env_free(env);
    }
}
END_TEST

/* hand-spin's palm_friction: a steady torque about the palm normal that
 * the default palm friction (1) holds to a creep turns the cube on a
 * slippery palm (0.3); the default model is the one hand-rotate-v2 uses. */
START_TEST(spin_palm_friction_option)
{
    static const char *const opts[] = {"", "palm_friction=0.3"};
    double rate[2];
    float zero[NJ] = {0};
    for (int o = 0; o < 2; o++) {
        rl_env *env = make("hand-spin-v1", opts[o]);
        rl_sim *sim = rl_hand_sim(env);
        int body = mj_name2id(sim->m, mjOBJ_BODY, "cube");
        rl_env_reset(env, 3);
        double turned = 0;
        for (int t = 0; t < 25 && !env->info->done; t++) { /* 1 s */
            sim->d->xfrc_applied[6 * body + 5] = 0.008;    /* N m about z */
            ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
            turned += 0.04 * env->info->extra[2];
        }
        ck_assert(!env->info->done);
        rate[o] = turned;
        rl_env_free(env);
    }
    ck_assert_msg(rate[0] < 0.1 && rate[1] > 3 * rate[0] && rate[1] > 0.05,
                  "turned %g rad (friction 1) and %g rad (0.3) in 1 s", rate[0], rate[1]);
    /* Out of its range (0.05-2) the option is an error. */
    ck_assert_ptr_null(rl_env_make("hand-spin-v1", "palm_friction=0"));
}
END_TEST

/* hand-spin's tilt: gravity turns towards the fingertips by `tilt` rad (the
 * palm stays the world frame); the starts still settle, and a steady torque
 * about the palm normal that only creeps the cube on a level palm turns it
 * several times faster with the hand tilted (the cube rests against the
 * fingers instead of breaking loose towards the wrist). */
START_TEST(spin_tilt_option)
{
    static const char *const opts[] = {"", "tilt=0.35"};
    double turned[2];
    float zero[NJ] = {0};
    for (int o = 0; o < 2; o++) {
        rl_env *env = make("hand-spin-v1", opts[o]);
        rl_sim *sim = rl_hand_sim(env);
        const double *g = sim->m->opt.gravity;
        double tilt = o ? 0.35 : 0;
        ck_assert_double_eq_tol(g[0], 9.81 * sin(tilt), 1e-9);
        ck_assert_double_eq_tol(g[2], -9.81 * cos(tilt), 1e-9);
        int body = mj_name2id(sim->m, mjOBJ_BODY, "cube");
        turned[o] = 0;
        for (int e = 0; e < 4; e++) {
            rl_env_reset(env, 40 + e);
            for (int t = 0; t < 25; t++) { /* settles: 1 s of zero action */
                ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
                ck_assert(!env->info->done);
            }
            ck_assert_double_eq_tol(env->info->extra[1], 0.025, 0.002);
            for (int t = 0; t < 50; t++) { /* then 2 s of torque */
                sim->d->xfrc_applied[6 * body + 5] = 0.015; /* N m about z */
                ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
                ck_assert_msg(!env->info->done, "%s seed %d dropped", opts[o], 40 + e);
                turned[o] += 0.04 * env->info->extra[2];
            }
        }
        rl_env_free(env);
    }
    ck_assert_msg(turned[1] > 3 * turned[0], "turned %g rad (level) and %g rad (tilt 0.35)",
                  turned[0], turned[1]);
    ck_assert_ptr_null(rl_env_make("hand-spin-v1", "tilt=0.7")); /* range 0-0.6 */
    /* tilt_side rolls the hand thumb side (+y) down after the tilt; the
     * starts still settle on the palm. */
    rl_env *env = make("hand-spin-v1", "tilt=0.35,tilt_side=0.2");
    const double *g = rl_hand_sim(env)->m->opt.gravity;
    ck_assert_double_eq_tol(g[0], 9.81 * sin(0.35) * cos(0.2), 1e-9);
    ck_assert_double_eq_tol(g[1], 9.81 * sin(0.2), 1e-9);
    ck_assert_double_eq_tol(g[2], -9.81 * cos(0.35) * cos(0.2), 1e-9);
    for (int e = 0; e < 4; e++) {
        rl_env_reset(env, 40 + e);
        for (int t = 0; t < 50; t++) { /* 2 s of zero action */
            ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
            ck_assert(!env->info->done);
        }
        ck_assert_double_eq_tol(env->info->extra[1], 0.025, 0.002);
    }
    rl_env_free(env);
    ck_assert_ptr_null(rl_env_make("hand-spin-v1", "tilt_side=-0.1"));
}
END_TEST

/* `steps` steps of 4 envs of `id` with random actions in +-amp: the same
 * observations and rewards with 1 and 2 threads. */
static void same_whatever_threads(const char *id, const char *opts, int steps, double amp)
{
    rl_vec *a = rl_vec_make(id, opts, 4, 1), *b = rl_vec_make(id, opts, 4, 2);
    ck_assert(a && b);
    int od = rl_vec_env(a, 0)->obs_space.dim;
    rl_vec_reset(a, 11);
    rl_vec_reset(b, 11);
    rl_rng rng;
    rl_rng_seed(&rng, 4, 0);
    for (int t = 0; t < steps; t++) {
        float *x = rl_vec_actions(a), *y = rl_vec_actions(b);
        for (int i = 0; i < 4 * NJ; i++) x[i] = y[i] = (float)rl_rng_range(&rng, -amp, amp);
        ck_assert_int_eq(rl_vec_step(a, NULL), RL_OK);
        ck_assert_int_eq(rl_vec_step(b, NULL), RL_OK);
        ck_assert_mem_eq(rl_vec_obs(a), rl_vec_obs(b), sizeof(float) * 4 * (size_t)od);
        ck_assert_mem_eq(rl_vec_rewards(a), rl_vec_rewards(b), sizeof(float) * 4);
    }
    rl_vec_free(a);
    rl_vec_free(b);
}

/* hand-spin-v2 is hand-spin-v1 with other defaults: the tilted hand (tilt
 * 0.35, tilt_side 0.2), spin_clip 1, drop_penalty 30, pose_cost 0.01. Same
 * seed, same actions: bit-identical episodes with v1 given those options,
 * up to and including a drop; v2's options still override (tilt=0 levels
 * it); and `rltool train hand-spin-v2` picks its own PPO row, not v1's. */
START_TEST(spin_v2_is_v1_with_new_defaults)
{
    rl_env *a = make("hand-spin-v2", NULL);
    rl_env *b = make("hand-spin-v1", "tilt=0.35,tilt_side=0.2,spin_clip=1,drop_penalty=30,pose_cost=0.01");
    const double *g = rl_hand_sim(a)->m->opt.gravity;
    ck_assert_double_eq_tol(g[0], 9.81 * sin(0.35) * cos(0.2), 1e-9);
    ck_assert_double_eq_tol(g[1], 9.81 * sin(0.2), 1e-9);
    ck_assert_double_eq_tol(g[2], -9.81 * cos(0.35) * cos(0.2), 1e-9);
    int od = a->obs_space.dim;
    ck_assert_int_eq(od, b->obs_space.dim);
    rl_rng rng;
    rl_rng_seed(&rng, 9, 0);
    float act[NJ];
    rl_env_reset(a, 12);
    rl_env_reset(b, 12);
    for (int t = 0; t <= 60; t++) {
        ck_assert(memcmp(a->obs, b->obs, sizeof(float) * (size_t)od) == 0);
        if (t == 60) { /* a drop: the cube teleported below the palm */
            rl_sim *sa = rl_hand_sim(a), *sb = rl_hand_sim(b);
            sa->d->qpos[cube_qpos(sa) + 2] -= 0.1;
            sb->d->qpos[cube_qpos(sb) + 2] -= 0.1;
            rl_sim_forward(sa);
            rl_sim_forward(sb);
        }
        random_action(&rng, act);
        for (int i = 0; i < NJ; i++) act[i] *= 0.3f;
        ck_assert_int_eq(rl_env_step(a, act), RL_OK);
        ck_assert_int_eq(rl_env_step(b, act), RL_OK);
        ck_assert(*a->reward == *b->reward && *a->terminated == *b->terminated);
        ck_assert_int_eq(*a->terminated, t == 60);
    }
    ck_assert_msg(*a->reward < -30 + 6 && *a->reward > -30 - 6, "drop reward %g", *a->reward);
    rl_env_free(a);
    rl_env_free(b);
    a = make("hand-spin-v2", "tilt=0,tilt_side=0");
    g = rl_hand_sim(a)->m->opt.gravity;
    ck_assert(g[0] == 0 && g[1] == 0 && g[2] == -9.81);
    rl_env_free(a);
    const rl_recipe *r2 = rl_recipe_find(NULL, "hand-spin-v2");
    const rl_recipe *r1 = rl_recipe_find(NULL, "hand-spin-v1");
    ck_assert(r1 && r2 && r1 != r2);
    ck_assert_str_eq(r2->task_prefix, "hand-spin-v2");
    ck_assert_str_eq(r1->task_prefix, "hand-spin");
}
END_TEST

/* The same seed gives the same episodes with 1 and 2 threads. */
START_TEST(cube_tasks_deterministic_whatever_threads)
{
    static const char *const ids[] = {"hand-rotate-v2", "hand-spin-v1"};
    for (int k = 0; k < 2; k++) same_whatever_threads(ids[k], NULL, 40, 1.0);
}
END_TEST

/* ------------------------------------------------------------ hand-rotate-v3 */

/* hand-rotate-v3: the hand tilted as hand-spin's tilt=0.35, tilt_side=0.2
 * by default, 300-step (12 s) episodes, and the cache starts still settle
 * for 2 s of zero action on the tilted palm; v2 stays level. */
START_TEST(rotate3_tilt_and_length)
{
    rl_env *env = make("hand-rotate-v3", NULL);
    ck_assert_int_eq(rl_env_max_steps(env), 300);
    const double *g = rl_hand_sim(env)->m->opt.gravity;
    ck_assert_double_eq_tol(g[0], 9.81 * sin(0.35) * cos(0.2), 1e-9);
    ck_assert_double_eq_tol(g[1], 9.81 * sin(0.2), 1e-9);
    ck_assert_double_eq_tol(g[2], -9.81 * cos(0.35) * cos(0.2), 1e-9);
    float zero[NJ] = {0};
    for (int e = 0; e < 4; e++) {
        rl_env_reset(env, 60 + e);
        for (int t = 0; t < 50; t++) { /* 2 s */
            ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
            ck_assert_msg(!env->info->done && !env->info->sim_unstable, "seed %d step %d", 60 + e, t);
        }
        ck_assert_double_eq_tol(env->info->extra[1], 0.025, 0.002);
    }
    rl_env_free(env);
    env = make("hand-rotate-v3", "tilt=0,tilt_side=0");
    ck_assert_double_eq_tol(rl_hand_sim(env)->m->opt.gravity[0], 0, 1e-12);
    rl_env_free(env);
    env = make("hand-rotate-v2", NULL);
    ck_assert_int_eq(rl_env_max_steps(env), 100);
    ck_assert_double_eq_tol(rl_hand_sim(env)->m->opt.gravity[0], 0, 1e-12);
    ck_assert_ptr_null(rl_env_make("hand-rotate-v2", "tilt=0.35")); /* a v3 option */
    rl_env_free(env);
}
END_TEST

/* The turn reward: turn_weight x the cube's yaw rate towards the goal,
 * clipped to +-0.5 rad/s, read here from the privileged slice's world
 * angular velocity and the sign of the remaining turn from the observed
 * quaternions; an env with turn_weight=0 on the same seed gives the rest. */
START_TEST(rotate3_turn_reward)
{
    rl_env *a = make("hand-rotate-v3", "privileged=1,curriculum=0");
    rl_env *b = make("hand-rotate-v3", "privileged=1,curriculum=0,turn_weight=0");
    rl_sim *sa = rl_hand_sim(a), *sb = rl_hand_sim(b);
    int body = mj_name2id(sa->m, mjOBJ_BODY, "cube");
    const rl_slice *ag = rl_env_slice(a, "achieved_goal"), *pv = rl_env_slice(a, "privileged");
    float zero[NJ] = {0};
    int towards = 0, away = 0, clipped = 0;
    for (int e = 0; e < 4; e++) {
        rl_env_reset(a, 70 + e);
        rl_env_reset(b, 70 + e);
        double torque = e % 2 ? 0.03 : -0.03;
        for (int t = 0; t < 10; t++) {
            sa->d->xfrc_applied[6 * body + 5] = sb->d->xfrc_applied[6 * body + 5] = torque;
            ck_assert_int_eq(rl_env_step(a, zero), RL_OK);
            ck_assert_int_eq(rl_env_step(b, zero), RL_OK);
            ck_assert_mem_eq(a->obs, b->obs, sizeof(float) * (size_t)a->obs_space.dim);
            if (a->info->done) break;
            const float *q = a->obs + ag->start, *g = q + 4;
            double r0 = g[0] * q[0] + g[1] * q[1] + g[2] * q[2] + g[3] * q[3];
            double r3 = -g[0] * q[3] - g[1] * q[2] + g[2] * q[1] + g[3] * q[0];
            double v = (r0 * r3 >= 0 ? 1 : -1) * a->obs[pv->start + 8];
            double want = a->info->success ? 0 : fmax(-0.5, fmin(0.5, v));
            ck_assert_msg(fabs((*a->reward - *b->reward) - want) < 2e-4,
                          "seed %d step %d: turn reward %g, want %g", 70 + e, t,
                          *a->reward - *b->reward, want);
            towards += want > 0.05;
            away += want < -0.05;
            clipped += fabs(want) == 0.5;
        }
    }
    ck_assert_msg(towards > 0 && away > 0 && clipped > 0, "towards %d away %d clipped %d", towards,
                  away, clipped);
    rl_env_free(a);
    rl_env_free(b);
}
END_TEST

/* Largest initial rotation distance over `n` episodes of `steps` zero-action
 * steps each (the first reset seeded with `seed` when >= 0); *at_goal counts
 * the episodes that end within 0.1 rad. */
static double first_goals(rl_env *env, int64_t seed, int n, int steps, int *at_goal)
{
    float zero[NJ] = {0};
    double max = 0;
    *at_goal = 0;
    for (int e = 0; e < n; e++) {
        rl_env_reset(env, e == 0 ? seed : -1);
        for (int t = 0; t < steps; t++) {
            ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
            if (t == 0) max = fmax(max, env->info->extra[0]);
        }
        *at_goal += env->info->success > 0;
    }
    return max;
}

/* The automatic curriculum: each env's goal range starts at
 * curriculum_start and widens by curriculum_step after a block of 10
 * episodes with at least curriculum_level of them successful, and only
 * then; the same seed gives the same episodes with 1 and 2 threads. */
START_TEST(rotate3_curriculum_widens_on_success)
{
    /* Zero action holds the cube: goals within 0.1 rad are met, so the
     * first block succeeds and the range widens from 0.1 to 1.1 rad. */
    rl_env *env = make("hand-rotate-v3", "curriculum=1,curriculum_start=0.1,curriculum_step=1,"
                                          "curriculum_level=1,resample=0,max_steps=3");
    int hits;
    ck_assert_double_le(first_goals(env, 5, 10, 3, &hits), 0.1001);
    ck_assert_int_eq(hits, 10);
    double wide = first_goals(env, -1, 20, 3, &hits);
    ck_assert_msg(wide > 0.3 && wide <= 1.1001, "widest first goal %g rad", wide);
    ck_assert_int_lt(hits, 20);
    rl_env_free(env);
    /* Blocks where the zero action misses (range 1 rad, level 1) never widen. */
    env = make("hand-rotate-v3", "curriculum=1,curriculum_start=1,curriculum_step=2,"
                                 "curriculum_level=1,resample=0,max_steps=3");
    ck_assert_double_le(first_goals(env, 6, 40, 3, &hits), 1.0001);
    ck_assert_int_lt(hits, 40);
    rl_env_free(env);
    /* Without the curriculum the range is goal_range from the start. */
    env = make("hand-rotate-v3", "curriculum=0,max_steps=3");
    ck_assert_double_gt(first_goals(env, 5, 20, 3, &hits), 1.5);
    rl_env_free(env);

    /* 50 episodes per env: 5 curriculum blocks. */
    same_whatever_threads("hand-rotate-v3", "curriculum=1,curriculum_start=0.1,curriculum_step=0.5,"
                                            "curriculum_level=0.3,max_steps=4", 200, 0.2);
}
END_TEST

/* A run trained with the curriculum is scored on the whole task: rl_evaluate
 * turns `curriculum` off unless the caller sets it. */
START_TEST(evaluate_turns_the_curriculum_off)
{
    /* hand-rotate-v3 trains with the curriculum and held goals by default. */
    rl_env *env = make("hand-rotate-v3", NULL);
    char opts[4096];
    ck_assert_int_gt(rl_env_options(env, opts, sizeof opts), 0);
    ck_assert_msg(strstr(opts, "curriculum=1") && strstr(opts, "resample=0"), "%s", opts);
    rl_env_free(env);
    rl_agent *ag = rl_agent_create("ppo", NULL, "hand-rotate-v3",
                                   "curriculum_start=0.1,max_steps=3", "hidden=8", 1);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    rl_eval_result as_run, off, on;
    ck_assert_int_eq(rl_evaluate(ag, NULL, 20, 5, 1, &as_run), RL_OK);
    ck_assert_int_eq(rl_evaluate(ag, "curriculum=0", 20, 5, 1, &off), RL_OK);
    ck_assert_int_eq(rl_evaluate(ag, "curriculum=1", 20, 5, 1, &on), RL_OK);
    ck_assert_double_eq(as_run.mean_return, off.mean_return);
    ck_assert_double_eq(as_run.success_rate, off.success_rate);
    /* Goals within 0.1 rad (curriculum on) are met in 3 steps; goals in
     * +-pi mostly are not. */
    ck_assert_msg(on.success_rate > off.success_rate + 0.3, "success %g (on) vs %g (off)",
                  on.success_rate, off.success_rate);
    rl_agent_free(ag);
}
END_TEST

/* ------------------------------------------------------------ hand-rotate-v4 */

/* The one-way remaining turn from observed quaternions (float), as
 * hand-rotate-v4 publishes it: the twist of g conj(q) about z, in
 * [-0.2, 2 pi - 0.2). */
static double one_way_left(const float *q, const float *g)
{
    double r0 = g[0] * q[0] + g[1] * q[1] + g[2] * q[2] + g[3] * q[3];
    double r3 = -g[0] * q[3] - g[1] * q[2] + g[2] * q[1] + g[3] * q[0];
    double a = fmod(2 * atan2(r3, r0) + 0.2, 2 * M_PI);
    return (a < 0 ? a + 2 * M_PI : a) - 0.2;
}

/* Steps a and b on one seed with the same zero actions and the same torque
 * on the cube about the palm normal (+-0.03 N m, sign by episode). */
static void torque_steps(rl_env *a, rl_env *b, int e, int t)
{
    rl_sim *sa = rl_hand_sim(a), *sb = rl_hand_sim(b);
    int body = mj_name2id(sa->m, mjOBJ_BODY, "cube");
    float zero[NJ] = {0};
    if (t == 0) {
        rl_env_reset(a, 80 + e);
        rl_env_reset(b, 80 + e);
    }
    sa->d->xfrc_applied[6 * body + 5] = sb->d->xfrc_applied[6 * body + 5] = e % 2 ? 0.03 : -0.03;
    ck_assert_int_eq(rl_env_step(a, zero), RL_OK);
    ck_assert_int_eq(rl_env_step(b, zero), RL_OK);
}

/* hand-rotate-v4's terms against a turn_weight=0 twin: the turn reward is
 * the cube's counter-clockwise yaw rate clipped to +-turn_clip while the
 * one-way turn left exceeds 0.1 rad, whichever way is shorter (it pays a
 * counter-clockwise turn towards a goal 5 rad ahead, i.e. 1.3 rad behind);
 * the twin's reward is 5 x the tolerance of the one-way turn left (1
 * within 0.2 rad, 0 at 2 pi - 0.2) + 0.5 x the position term + 20 on a
 * success. */
START_TEST(rotate4_one_way_reward)
{
    rl_env *a = make("hand-rotate-v4", "privileged=1,curriculum=0,turn_clip=0.3");
    rl_env *b = make("hand-rotate-v4", "privileged=1,curriculum=0,turn_clip=0.3,turn_weight=0");
    const rl_slice *ag = rl_env_slice(a, "achieved_goal"), *pv = rl_env_slice(a, "privileged");
    const rl_slice *tr = rl_env_slice(a, "turn_remaining"), *cp = rl_env_slice(a, "cube_pos");
    ck_assert(ag && pv && tr && cp && tr->len == 1);
    int pos = 0, neg = 0, clipped = 0, long_way = 0;
    for (int e = 0; e < 8; e++) {
        for (int t = 0; t < 12; t++) {
            torque_steps(a, b, e, t);
            ck_assert_mem_eq(a->obs, b->obs, sizeof(float) * (size_t)a->obs_space.dim);
            if (a->info->done) break;
            double left = a->obs[tr->start], w = a->obs[pv->start + 8];
            double want = left > 0.1 ? fmax(-0.3, fmin(0.3, w)) : 0;
            ck_assert_msg(fabs((*a->reward - *b->reward) - want) < 2e-4,
                          "seed %d step %d: turn reward %g, want %g (left %g)", 80 + e, t,
                          *a->reward - *b->reward, want, left);
            pos += want > 0.05;
            neg += want < -0.05;
            clipped += fabs(want) == 0.3;
            long_way += left > M_PI + 0.5 && want > 0.05;
            double d = fabs(left), tol = d <= 0.2 ? 1 : (2 * M_PI - 0.2 - d) / (2 * M_PI - 0.4);
            const float *c = b->obs + cp->start;
            double p = fmax(0, 1 - sqrt((double)c[0] * c[0] + (double)c[1] * c[1]) / 0.05);
            double base = 5 * tol + 0.5 * p + 20 * (b->info->success > 0);
            ck_assert_msg(fabs(*b->reward - base) < 2e-3, "seed %d step %d: reward %g, want %g",
                          80 + e, t, *b->reward, base);
        }
    }
    ck_assert_msg(pos > 0 && neg > 0 && clipped > 0 && long_way > 0,
                  "ccw %d cw %d clipped %d long way %d", pos, neg, clipped, long_way);
    rl_env_free(a);
    rl_env_free(b);
}
END_TEST

/* hand-rotate-v4's observation is v3's with turn_remaining (the one-way
 * turn left, from the observed quaternions) before the privileged slice;
 * success and rotation distance are v3's, step for step, on the same seed
 * (the shortest rotation, within 0.1 rad); v3 has no v4 option. */
START_TEST(rotate4_observation_and_success_as_v3)
{
    rl_env *a = make("hand-rotate-v3", "privileged=1,curriculum=0");
    rl_env *b = make("hand-rotate-v4", "privileged=1,curriculum=0");
    int na = a->obs_space.dim, nb = b->obs_space.dim;
    const rl_slice *ag = rl_env_slice(b, "achieved_goal"), *tr = rl_env_slice(b, "turn_remaining");
    const rl_slice *pa = rl_env_slice(a, "privileged"), *pb = rl_env_slice(b, "privileged");
    ck_assert_int_eq(nb, na + 1);
    ck_assert_int_eq(tr->start, pa->start);
    ck_assert_int_eq(pb->start, pa->start + 1);
    ck_assert_int_eq(pb->start + pb->len, nb);
    int hits = 0, steps = 0;
    for (int e = 0; e < 8; e++) {
        for (int t = 0; t < 40; t++) {
            torque_steps(a, b, e, t);
            ck_assert_mem_eq(a->obs, b->obs, sizeof(float) * (size_t)tr->start);
            ck_assert_mem_eq(a->obs + pa->start, b->obs + pb->start, sizeof(float) * (size_t)pa->len);
            ck_assert(a->info->success == b->info->success && a->info->extra[0] == b->info->extra[0]);
            ck_assert_int_eq(b->info->success, b->info->extra[0] < 0.1);
            double left = b->obs[tr->start];
            ck_assert(left >= -0.2 && left < 2 * M_PI - 0.2);
            ck_assert_double_eq_tol(left, one_way_left(b->obs + ag->start, b->obs + ag->start + 4),
                                    1e-4);
            /* The turn about the palm normal is part of the rotation; at the
             * start, flat on the palm, the shorter way round is all of it. */
            double shorter = fmin(fabs(left), 2 * M_PI - left);
            ck_assert_double_le(shorter, b->info->extra[0] + 1e-3);
            if (t == 0) ck_assert_double_eq_tol(shorter, b->info->extra[0], 0.03);
            hits += b->info->success > 0;
            steps++;
            if (b->info->done) break;
        }
    }
    ck_assert_msg(hits > 0 && hits < steps, "%d successes in %d steps", hits, steps);
    rl_env_free(a);
    rl_env_free(b);
    ck_assert_ptr_null(rl_env_make("hand-rotate-v3", "turn_clip=1"));
    ck_assert_ptr_null(rl_env_make("hand-rotate-v3", "curriculum_mix=0.2"));
}
END_TEST

/* Initial one-way turn left over `n` zero-action episodes of 3 steps; counts
 * those within [0, hi]. */
static int goals_ahead_within(rl_env *env, int64_t seed, int n, double hi, double *widest)
{
    const rl_slice *tr = rl_env_slice(env, "turn_remaining");
    float zero[NJ] = {0};
    int within = 0;
    *widest = 0;
    for (int e = 0; e < n; e++) {
        rl_env_reset(env, e == 0 ? seed : -1);
        double left = env->obs[tr->start];
        within += left >= -1e-4 && left <= hi + 1e-4;
        *widest = fmax(*widest, left);
        for (int t = 0; t < 3; t++) ck_assert_int_eq(rl_env_step(env, zero), RL_OK);
    }
    return within;
}

/* hand-rotate-v4's curriculum puts goals U(0, 2 x range) ahead
 * counter-clockwise; curriculum_mix draws that share from the whole range
 * instead; the same seed gives the same episodes with 1 and 2 threads;
 * `rltool train hand-rotate-v4` has its own PPO row. */
START_TEST(rotate4_curriculum_one_way)
{
    double widest;
    /* Level 1 at range 0.3 (goals up to 0.6 rad ahead): never widens. */
    rl_env *env = make("hand-rotate-v4", "curriculum=1,curriculum_start=0.3,curriculum_level=1,"
                                          "max_steps=3");
    ck_assert_int_eq(goals_ahead_within(env, 5, 40, 0.6, &widest), 40);
    ck_assert_double_gt(widest, 0.45);
    rl_env_free(env);
    env = make("hand-rotate-v4", "curriculum=1,curriculum_start=0.3,curriculum_level=1,"
                                 "curriculum_mix=0.5,max_steps=3");
    int within = goals_ahead_within(env, 5, 40, 0.6, &widest);
    ck_assert_msg(within >= 10 && within <= 32 && widest > 3, "%d of 40 within 0.6, widest %g",
                  within, widest);
    rl_env_free(env);
    same_whatever_threads("hand-rotate-v4", "curriculum=1,curriculum_mix=0.3,curriculum_start=0.1,"
                                            "curriculum_step=0.5,curriculum_level=0.3,max_steps=4",
                          200, 0.2);
    const rl_recipe *r4 = rl_recipe_find(NULL, "hand-rotate-v4");
    ck_assert(r4 && r4 != rl_recipe_find(NULL, "hand-rotate-v3"));
    ck_assert_str_eq(r4->task_prefix, "hand-rotate-v4");
}
END_TEST

/* ------------------------------------------------------------ generic */

START_TEST(random_actions_step_stably)
{
    static const char *const ids[] = {"hand-reach-v1", "hand-rotate-v1", "hand-reach-v2",
                                      "hand-rotate-v2", "hand-spin-v1"};
    static const int min_episodes[] = {20, 5, 20, 5, 4};
    rl_rng rng;
    rl_rng_seed(&rng, 99, 0);
    float a[NJ];
    for (int k = 0; k < 5; k++) {
        rl_env *env = make(ids[k], NULL);
        rl_env_reset(env, 7);
        int episodes = 0;
        for (int t = 0; t < 1000; t++) {
            random_action(&rng, a);
            ck_assert_int_eq(rl_env_step(env, a), RL_OK);
            ck_assert_msg(!env->info->sim_unstable, "%s unstable at step %d", ids[k], t);
            for (int i = 0; i < env->obs_space.dim; i++) ck_assert(isfinite(env->obs[i]));
            ck_assert(isfinite(*env->reward));
            if (env->info->done) {
                episodes++;
                rl_env_reset(env, -1);
            }
        }
        ck_assert_int_ge(episodes, min_episodes[k]);
        rl_env_free(env);
    }
}
END_TEST

START_TEST(nan_action_rejected)
{
    rl_env *env = make("hand-rotate-v1", NULL);
    rl_env_reset(env, 3);
    int od = env->obs_space.dim;
    float before[128];
    ck_assert_int_le(od, 128);
    memcpy(before, env->obs, (size_t)od * sizeof(float));
    float a[NJ] = {0};
    a[5] = NAN;
    ck_assert_int_eq(rl_env_step(env, a), RL_EINVAL);
    ck_assert(strstr(rl_last_error(), "NaN") != NULL);
    a[5] = INFINITY;
    ck_assert_int_eq(rl_env_step(env, a), RL_EINVAL);
    ck_assert_int_eq(env->t, 0);
    ck_assert_mem_eq(env->obs, before, (size_t)od * sizeof(float));
    a[5] = 0;
    ck_assert_int_eq(rl_env_step(env, a), RL_OK);
    rl_env_free(env);
}
END_TEST

START_TEST(seeded_determinism)
{
    static const char *const ids[] = {"hand-reach-v1", "hand-rotate-v1", "hand-reach-v2",
                                      "hand-rotate-v2", "hand-spin-v1"};
    for (int k = 0; k < 5; k++) {
        rl_env *a = make(ids[k], NULL), *b = make(ids[k], NULL), *c = make(ids[k], NULL);
        int od = a->obs_space.dim;
        rl_env_reset(a, 42);
        rl_env_reset(b, 42);
        rl_env_reset(c, 43);
        ck_assert_mem_eq(a->obs, b->obs, (size_t)od * sizeof(float));
        ck_assert(memcmp(a->obs, c->obs, (size_t)od * sizeof(float)) != 0);
        rl_rng rng;
        rl_rng_seed(&rng, 5, 0);
        float act[NJ];
        for (int t = 0; t < 50; t++) {
            random_action(&rng, act);
            ck_assert_int_eq(rl_env_step(a, act), RL_OK);
            ck_assert_int_eq(rl_env_step(b, act), RL_OK);
            ck_assert_mem_eq(a->obs, b->obs, (size_t)od * sizeof(float));
            ck_assert(*a->reward == *b->reward);
            ck_assert_int_eq(a->info->success, b->info->success);
            if (a->info->done) break;
        }
        rl_env_free(a);
        rl_env_free(b);
        rl_env_free(c);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hand");
    TCase *tc = tcase_create("hand");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, compiles_fast_with_expected_layout);
    tcase_add_test(tc, bad_options_are_errors);
    tcase_add_test(tc, reach_goals_are_exactly_reachable);
    tcase_add_test(tc, reach_goals_are_reached_by_the_servos);
    tcase_add_test(tc, reach_success_and_reward_follow_threshold);
    tcase_add_test(tc, cube_rests_on_palm_with_zero_action);
    tcase_add_test(tc, dropping_the_cube_terminates_with_penalty);
    tcase_add_test(tc, rotate_success_follows_threshold);
    tcase_add_test(tc, rotate_publishes_rotation_to_goal);
    tcase_add_test(tc, fast_model_pairs_cover_every_contact);
    tcase_add_test(tc, rotate2_actions_are_deltas);
    tcase_add_test(tc, rotate2_reward_terms_and_success);
    tcase_add_test(tc, rotate2_goal_resampling_and_curriculum);
    tcase_add_test(tc, cube_tasks_drop_terminates_with_penalty);
    tcase_add_test(tc, cache_starts_settle_without_a_drop);
    tcase_add_test(tc, spin_reward_terms);
    tcase_add_test(tc, spin_palm_friction_option);
    tcase_add_test(tc, spin_tilt_option);
    tcase_add_test(tc, spin_v2_is_v1_with_new_defaults);
    tcase_add_test(tc, cube_tasks_deterministic_whatever_threads);
    tcase_add_test(tc, rotate3_tilt_and_length);
    tcase_add_test(tc, rotate3_turn_reward);
    tcase_add_test(tc, rotate3_curriculum_widens_on_success);
    tcase_add_test(tc, evaluate_turns_the_curriculum_off);
    tcase_add_test(tc, rotate4_one_way_reward);
    tcase_add_test(tc, rotate4_observation_and_success_as_v3);
    tcase_add_test(tc, rotate4_curriculum_one_way);
    tcase_add_test(tc, random_actions_step_stably);
    tcase_add_test(tc, nan_action_rejected);
    tcase_add_test(tc, seeded_determinism);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
