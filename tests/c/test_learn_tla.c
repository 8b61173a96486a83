/* Seeded TLA run on pendulum: near TD3's return with a fraction of the
 * decisions (excluded from the ASan run). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "rltool.h"

START_TEST(tla_pendulum)
{
    char dir[] = "/tmp/rltool-test-learn-tla-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rl_train_cfg cfg = {.env_id = "pendulum-v1", .agent = "tla", .steps = 20000, .seed = 1,
                        .out_dir = dir, .n_threads = 1};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    rl_agent *a = rl_agent_load(dir);
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, NULL, 10, 7, 1, &r), RL_OK);
    printf("tla pendulum-v1 20k: return %.1f, decisions %.1f / 200, %.3f MMACs\n", r.mean_return,
           r.decisions_per_ep, r.mmacs_per_ep);
    ck_assert_double_ge(r.mean_return, -300);
    ck_assert_double_le(r.decisions_per_ep, 0.6 * 200);
    rl_agent_free(a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn_tla");
    TCase *tc = tcase_create("tla");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, tla_pendulum);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
