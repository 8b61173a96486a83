/* Seeded learning thresholds of the off-policy agents (issue 5):
 * SAC and TD3 reach a mean return >= -250 on pendulum-v1 within 20k steps,
 * DQN reaches >= 475 on cartpole-v1. The final agent is evaluated
 * deterministically over 10 episodes. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check_main.h"
#include "rltool.h"

static double train_eval(const char *env, const char *agent, const char *hp, int64_t steps,
                         uint64_t seed)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rltool_test_learn_%s_%s_%d", agent, env, (int)getpid());
    rl_train_cfg cfg = {.env_id = env, .agent = agent, .hparams = hp, .steps = steps,
                        .seed = seed, .n_threads = 1, .out_dir = dir};
    ck_assert_msg(rl_train(&cfg) == 0, "%s", rl_last_error());
    rl_agent *ag = rl_agent_load(dir);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    rl_eval_result r;
    ck_assert_msg(rl_evaluate(ag, NULL, 10, 12345, 1, &r) == 0, "%s", rl_last_error());
    rl_agent_free(ag);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    printf("%s on %s, %lld steps: mean return %.1f (min %.1f)\n", agent, env, (long long)steps,
           r.mean_return, r.min_return);
    return r.mean_return;
}

/* The pendulum recipe: RLtools' timing configuration (64-64, batch 100, lr 1e-3). */
START_TEST(sac_pendulum)
{
    double r = train_eval("pendulum-v1", "sac", NULL, 15000, 1);
    ck_assert_msg(r >= -250, "SAC pendulum-v1 mean return %.1f < -250", r);
}
END_TEST

START_TEST(td3_pendulum)
{
    double r = train_eval("pendulum-v1", "td3", NULL, 20000, 1);
    ck_assert_msg(r >= -250, "TD3 pendulum-v1 mean return %.1f < -250", r);
}
END_TEST

/* CleanRL's network and optimiser; a shorter run (learning starts at 1k,
 * an update every step, epsilon decays over the first 20%). */
START_TEST(dqn_cartpole)
{
    double r = train_eval("cartpole-v1", "dqn",
                          "warmup=1000,train_every=1,explore_frac=0.2,buffer=50000", 80000, 1);
    ck_assert_msg(r >= 475, "DQN cartpole-v1 mean return %.1f < 475", r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn_offpolicy");
    TCase *tc = tcase_create("learn_offpolicy");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, sac_pendulum);
    tcase_add_test(tc, td3_pendulum);
    tcase_add_test(tc, dqn_cartpole);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
