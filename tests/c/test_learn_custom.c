/* Seeded learning thresholds for custom tasks (excluded from the sanitizer
 * run): the example plugin task and an mjcf: point mass, both with PPO.
 * Random policies score about -62 (plugin) and -36 (point mass). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"
#include "rltool.h"
#include "custom_util.h"

static double train_eval(const char *id, const char *opts, const char *hp, long long steps)
{
    char out[512];
    snprintf(out, sizeof out, "%s/run", tmpdir);
    rl_train_cfg cfg = {.env_id = id, .env_opts = opts, .agent = "ppo", .hparams = hp,
                        .steps = steps, .seed = 1, .n_threads = 2, .out_dir = out};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s", rl_last_error());
    rl_agent *ag = rl_agent_load(out);
    ck_assert_msg(ag != NULL, "%s", rl_last_error());
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(ag, NULL, 20, 99, 1, &r), RL_OK);
    rl_agent_free(ag);
    printf("%s: mean return %.2f after %lld steps\n", id, r.mean_return, steps);
    return r.mean_return;
}

START_TEST(plugin_task_learns)
{
    make_tmp();
    char so[512];
    build_plugin("examples/mytask/mytask.c", "libmytask.so", so, sizeof so);
    ck_assert_msg(rl_plugin_load(so) == RL_OK, "%s", rl_last_error());
    double ret = train_eval("mytask-v1", NULL, "lr=1e-3", 60000);
    ck_assert_msg(ret > -25.0, "mytask-v1 return %.2f <= -25", ret);
}
END_TEST

START_TEST(mjcf_point_mass_learns)
{
    make_tmp();
    char path[512], id[600];
    write_file("pm.xml", POINT_MASS_XML, path, sizeof path);
    snprintf(id, sizeof id, "mjcf:%s", path);
    double ret = train_eval(id, POINT_MASS_REWARD, NULL, 100000);
    ck_assert_msg(ret > -10.0, "point mass return %.2f <= -10", ret);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("learn_custom");
    TCase *tc = tcase_create("learn");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, plugin_task_learns);
    tcase_add_test(tc, mjcf_point_mass_learns);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
