/* Seeded PPO runs that must reach thresholds (excluded from the ASan run). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "agents/agent.h"
#include "rltool.h"

static double train_and_eval(const char *env, const char *hp, long long steps, uint64_t seed,
                             double *untrained)
{
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/rltool-test-learn-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rl_train_cfg cfg = {.env_id = env, .agent = "ppo", .hparams = hp, .steps = steps,
                        .seed = seed, .out_dir = dir};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    rl_agent *a = rl_agent_load(dir);
    ck_assert_ptr_nonnull(a);
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, NULL, 10, 77, 1, &r), RL_OK);
    rl_agent_free(a);
    if (untrained) {
        rl_agent *u = rl_agent_create("ppo", NULL, env, NULL, hp, seed);
        rl_eval_result ru;
        ck_assert_int_eq(rl_evaluate(u, NULL, 3, 77, 1, &ru), RL_OK);
        *untrained = ru.mean_return;
        rl_agent_free(u);
    }
    printf("%s: ppo %lld steps -> %.1f\n", env, steps, r.mean_return);
    return r.mean_return;
}

START_TEST(ppo_cartpole)
{
    ck_assert_double_ge(train_and_eval("cartpole-v1", NULL, 60000, 1, NULL), 475);
}
END_TEST

START_TEST(ppo_swimmer_progress)
{
    double before;
    double after = train_and_eval("swimmer-v1", NULL, 100000, 1, &before);
    printf("swimmer-v1: untrained ppo %.1f\n", before);
    ck_assert_double_gt(after, 300);
    ck_assert_double_gt(after, before + 200);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn_ppo");
    TCase *tc = tcase_create("ppo");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, ppo_cartpole);
    tcase_add_test(tc, ppo_swimmer_progress);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
