/* Hindsight goal relabelling: the task's goal_reward hook reproduces
 * hand-reach's and hand-rotate's own reward and success from the
 * observation's goal slices (hand-rotate: without the drop penalty, which the
 * step reward adds on top when the cube falls), TD3 trains with her=1 on
 * both (and resumes), and her=1 is refused on a task without goals. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mujoco/mujoco.h>

#include "check_main.h"
#include "agents/agent.h"
#include "envs/mujoco/hand.h"
#include "envs/mujoco/sim.h"
#include "rltool.h"

static const rl_slice *slice(const rl_env *env, const char *name)
{
    for (int k = 0; k < env->n_slices; k++)
        if (!strcmp(env->slices[k].name, name)) return &env->slices[k];
    return NULL;
}

START_TEST(goal_reward_matches_step_reward)
{
    rl_env *env = rl_env_make("hand-reach-v1", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_ptr_nonnull(env->task->goal_reward);
    const rl_slice *ach = slice(env, "achieved_goal"), *des = slice(env, "desired_goal");
    ck_assert_ptr_nonnull(ach);
    ck_assert_ptr_nonnull(des);
    ck_assert_int_eq(ach->len, des->len);
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    float a[64];
    int ad = env->act_space.dim;
    for (int ep = 0; ep < 3; ep++) {
        ck_assert_int_eq(rl_env_reset(env, 100 + ep), 0);
        for (int t = 0; t < 20; t++) {
            for (int i = 0; i < ad; i++) a[i] = (float)rl_rng_range(&rng, -1, 1);
            ck_assert_int_eq(rl_env_step(env, a), 0);
            int success = -1;
            float r = env->task->goal_reward(env, env->obs + ach->start, env->obs + des->start,
                                             &success);
            ck_assert_msg(fabsf(r - *env->reward) < 1e-4f, "goal_reward %g vs step reward %g", r,
                          *env->reward);
            ck_assert_int_eq(success, env->info->success);
        }
    }
    /* The achieved goal as the desired one: success and both bonuses. */
    int success = 0;
    float r = env->task->goal_reward(env, env->obs + ach->start, env->obs + ach->start, &success);
    ck_assert_int_eq(success, 1);
    ck_assert_float_eq_tol(r, 2.0f, 1e-6f);
    /* One tip 2 cm off: no success, the 2x bonus only; 3 cm off: no bonus. */
    float g[64];
    memcpy(g, env->obs + ach->start, sizeof(float) * (size_t)ach->len);
    g[2] += 0.02f;
    r = env->task->goal_reward(env, env->obs + ach->start, g, &success);
    ck_assert_int_eq(success, 0);
    ck_assert_float_eq_tol(r, 0.98f, 1e-5f);
    g[2] += 0.01f;
    r = env->task->goal_reward(env, env->obs + ach->start, g, &success);
    ck_assert_int_eq(success, 0);
    ck_assert_float_eq_tol(r, -0.03f, 1e-5f);
    rl_env_free(env);
}
END_TEST

/* hand-rotate: the hook is -(rotation distance) of the observation's
 * quaternions and equals the step reward on every step that does not drop
 * the cube; a dropping step's reward is the hook minus the drop penalty. */
START_TEST(rotate_goal_reward_matches_step_reward)
{
    rl_env *env = rl_env_make("hand-rotate-v1", NULL);
    ck_assert_msg(env != NULL, "%s", rl_last_error());
    ck_assert_ptr_nonnull(env->task->goal_reward);
    const rl_slice *ach = slice(env, "achieved_goal"), *des = slice(env, "desired_goal");
    ck_assert_ptr_nonnull(ach);
    ck_assert_ptr_nonnull(des);
    ck_assert_int_eq(ach->len, 4);
    ck_assert_int_eq(des->len, 4);
    rl_rng rng;
    rl_rng_seed(&rng, 12, 0);
    float a[64];
    int ad = env->act_space.dim, n = 0;
    for (int ep = 0; ep < 4; ep++) {
        ck_assert_int_eq(rl_env_reset(env, 200 + ep), 0);
        while (!env->info->done) {
            for (int i = 0; i < ad; i++) a[i] = (float)rl_rng_range(&rng, -1, 1);
            ck_assert_int_eq(rl_env_step(env, a), 0);
            if (*env->terminated) break;
            int success = -1;
            float r = env->task->goal_reward(env, env->obs + ach->start, env->obs + des->start,
                                             &success);
            ck_assert_msg(fabsf(r - *env->reward) < 1e-4f, "goal_reward %g vs step reward %g", r,
                          *env->reward);
            ck_assert_msg(fabsf(-r - env->info->extra[0]) < 1e-4f, "distance %g vs %g", -r,
                          env->info->extra[0]);
            ck_assert_int_eq(success, env->info->success);
            n++;
        }
    }
    ck_assert_int_gt(n, 100);
    /* The achieved orientation as the goal: distance 0 (to float accuracy),
     * success; q and -q are the same orientation. */
    float q[4], mq[4];
    memcpy(q, env->obs + ach->start, sizeof q);
    for (int k = 0; k < 4; k++) mq[k] = -q[k];
    int success = 0;
    float r = env->task->goal_reward(env, q, q, &success);
    ck_assert_int_eq(success, 1);
    ck_assert_float_eq_tol(r, 0.0f, 1e-5f);
    r = env->task->goal_reward(env, q, mq, &success);
    ck_assert_int_eq(success, 1);
    ck_assert_float_eq_tol(r, 0.0f, 1e-5f);
    /* Yaw goals 0.3 rad and 0.05 rad off a flat cube: distance equals the
     * angle, success below 0.1 rad. */
    const float id[4] = {1, 0, 0, 0};
    float g[4] = {(float)cos(0.15), 0, 0, (float)sin(0.15)};
    r = env->task->goal_reward(env, id, g, &success);
    ck_assert_int_eq(success, 0);
    ck_assert_float_eq_tol(r, -0.3f, 1e-5f);
    g[0] = (float)cos(0.025), g[3] = (float)sin(0.025);
    r = env->task->goal_reward(env, id, g, &success);
    ck_assert_int_eq(success, 1);
    ck_assert_float_eq_tol(r, -0.05f, 1e-5f);

    /* A dropping step: the step reward is the hook minus the penalty. */
    rl_sim *sim = rl_hand_sim(env);
    ck_assert_ptr_nonnull(sim);
    int j = mj_name2id(sim->m, mjOBJ_JOINT, "cube");
    ck_assert_int_ge(j, 0);
    ck_assert_int_eq(rl_env_reset(env, 7), 0);
    sim->d->qpos[sim->m->jnt_qposadr[j] + 2] -= 0.1;
    ck_assert_int_eq(rl_sim_forward(sim), 0);
    float zero[64] = {0};
    ck_assert_int_eq(rl_env_step(env, zero), 0);
    ck_assert(*env->terminated);
    r = env->task->goal_reward(env, env->obs + ach->start, env->obs + des->start, NULL);
    ck_assert_msg(fabsf(r - (*env->reward + (float)(M_PI * 99))) < 1e-3f,
                  "hook %g, step reward %g", r, *env->reward);
    rl_env_free(env);
}
END_TEST

/* Train, then load the run's final checkpoint and check its weights. */
static rl_agent *train_and_load(const rl_train_cfg *cfg, const char *dir)
{
    ck_assert_msg(rl_train(cfg) == 0, "%s", rl_last_error());
    rl_agent *a = rl_agent_load(dir);
    ck_assert_msg(a != NULL, "%s", rl_last_error());
    ck_assert(a->vt->params_finite(a));
    return a;
}

static void remove_dir(const char *dir)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(td3_her_trains_and_resumes)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rltool_test_her_%d", (int)getpid());
    rl_train_cfg cfg = {.env_id = "hand-reach-v1", .agent = "td3",
                        .hparams = "hidden=16x16,batch=32,warmup=200,buffer=1000,norm_obs=1,"
                                   "her=1,her_ratio=1,save_replay=1",
                        .steps = 1200, .seed = 3, .n_envs = 2, .n_threads = 1, .out_dir = dir};
    rl_agent *a = train_and_load(&cfg, dir);
    ck_assert_int_eq((int)a->steps_done, 1200);
    rl_agent_free(a);
    rl_train_cfg res = {.resume = dir, .steps = 1400, .n_threads = 1};
    rl_agent_free(train_and_load(&res, dir));
    remove_dir(dir);
}
END_TEST

START_TEST(td3_her_trains_on_rotate)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rltool_test_her_rot_%d", (int)getpid());
    rl_train_cfg cfg = {.env_id = "hand-rotate-v1", .agent = "td3",
                        .hparams = "hidden=16x16,batch=32,warmup=200,buffer=1000,norm_obs=1,her=1",
                        .steps = 800, .seed = 4, .n_envs = 2, .n_threads = 1, .out_dir = dir};
    rl_agent_free(train_and_load(&cfg, dir));
    remove_dir(dir);
}
END_TEST

START_TEST(her_needs_goals)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rltool_test_her_bad_%d", (int)getpid());
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = "td3",
                        .hparams = "hidden=16x16,batch=32,warmup=50,buffer=500,her=1",
                        .steps = 100, .seed = 1, .n_threads = 1, .out_dir = dir};
    ck_assert(rl_train(&cfg) != 0);
    ck_assert_msg(strstr(rl_last_error(), "her=1") != NULL, "%s", rl_last_error());
    remove_dir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("her");
    TCase *tc = tcase_create("her");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, goal_reward_matches_step_reward);
    tcase_add_test(tc, rotate_goal_reward_matches_step_reward);
    tcase_add_test(tc, td3_her_trains_and_resumes);
    tcase_add_test(tc, td3_her_trains_on_rotate);
    tcase_add_test(tc, her_needs_goals);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
