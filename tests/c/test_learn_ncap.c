/* A short seeded ES run on the NCAP circuit keeps or improves its return
 * above the untrained circuit's (about 800 on swimmer-v1), evaluated on the
 * same deterministic episodes. */
#include <check.h>

#include "check_main.h"
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "agents/agent.h"

static int quiet(void *user, const rl_progress *p) { return 0; }

START_TEST(es_ncap_improves_on_init)
{
    char dir[256], cmd[300];
    snprintf(dir, sizeof dir, "/tmp/rltool-test-learn-ncap-%d", (int)getpid());
    rl_agent *init = rl_agent_create("ncap", NULL, "swimmer-v1", NULL, NULL, 4);
    ck_assert_msg(init != NULL, "%s", rl_last_error());
    rl_eval_result r0, r1;
    ck_assert_int_eq(rl_evaluate(init, NULL, 3, 99, 1, &r0), RL_OK);
    rl_agent_free(init);
    rl_train_cfg cfg = {.agent = "ncap", .steps = 64000, .seed = 4, .n_threads = 2, .out_dir = dir,
                        .progress = quiet};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    rl_agent *ag = rl_agent_load(dir);
    ck_assert(ag != NULL);
    ck_assert_int_eq(rl_evaluate(ag, NULL, 3, 99, 1, &r1), RL_OK);
    rl_agent_free(ag);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) {}
    ck_assert_msg(r0.mean_return > 500, "untrained NCAP %.1f", r0.mean_return);
    ck_assert_msg(r1.mean_return >= r0.mean_return + 20, "ES: %.1f at init, %.1f after 64k steps",
                  r0.mean_return, r1.mean_return);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn_ncap");
    TCase *tc = tcase_create("learn_ncap");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, es_ncap_improves_on_init);
    suite_add_tcase(s, tc);
    return rl_check_run_as(s, CK_NOFORK);
}
