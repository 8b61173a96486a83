/* The rltool command line: outputs and exit statuses, run as a user would. */
#include <check.h>

#include "check_main.h"
#include "cli_util.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char out[1 << 16];

START_TEST(envs_info_rollout)
{
    ck_assert_int_eq(rl_test_run("envs", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "cartpole-v1"));
    ck_assert_ptr_nonnull(strstr(out, "Discrete(2)"));
    ck_assert_ptr_nonnull(strstr(out, "pendulum-v1"));
    ck_assert_int_eq(rl_test_run("info cartpole-v1", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "pole_angle"));
    ck_assert_ptr_nonnull(strstr(out, "max_steps"));
    ck_assert_int_eq(rl_test_run("rollout pendulum-v1 --episodes 3 --seed 4", out, sizeof out), 0);
    ck_assert_ptr_nonnull(strstr(out, "mean return"));
    ck_assert_ptr_nonnull(strstr(out, "200"));
    /* Same seed, same output (the steps/s figure aside). */
    char again[sizeof out];
    rl_test_run("rollout pendulum-v1 --episodes 3 --seed 4", again, sizeof again);
    *strstr(out, " steps,") = 0;
    *strstr(again, " steps,") = 0;
    ck_assert_str_eq(out, again);
}
END_TEST

START_TEST(bad_input_exits_2_with_a_message)
{
    const char *cases[][2] = {
        {"bogus", "unknown command 'bogus'"},
        {"", "usage"},
        {"info nope-v1", "unknown env id 'nope-v1'"},
        {"info", "expected an environment id"},
        {"rollout cartpole-v1 --set links=abc", "unknown option 'links'"},
        {"rollout pendulum-v1 --set max_steps=abc", "bad value 'abc' for option 'max_steps'"},
        {"rollout pendulum-v1 --episodes x", "bad value 'x' for --episodes"},
        {"rollout pendulum-v1 --episodes 0", "expected an integer"},
        {"rollout pendulum-v1 --frobnicate", "unknown option '--frobnicate'"},
        {"rollout pendulum-v1 --set", "needs a value"},
        {"rollout pendulum-v1 --set novalue", "expected key=value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = rl_test_run(cases[i][0], out, sizeof out);
        ck_assert_msg(st == 2, "'%s' exited %d", cases[i][0], st);
        ck_assert_msg(strstr(out, cases[i][1]) != NULL, "'%s' said: %s", cases[i][0], out);
        ck_assert_msg(strchr(out, '\n') == out + strlen(out) - 1 || !strcmp(cases[i][0], ""),
                      "'%s' printed more than one line: %s", cases[i][0], out);
    }
}
END_TEST

/* The progress line counts up to the budget (the last update runs past it
 * and the final line says so), shows no rate before a second of training,
 * and bad train arguments are refused, not read as something else. */
START_TEST(train_progress_and_arguments)
{
    char dir[64] = "/tmp/rltool-test-cli-XXXXXX", args[512];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(args, sizeof args, "train pendulum-v1 --agent ppo --steps 5000 --threads 1 "
             "--out %s/run --set envs=4,rollout=512,epochs=1", dir);
    ck_assert_int_eq(rl_test_run(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "5000/5000 steps (100%)") && strstr(out, "6144 steps in all") &&
                      !strstr(out, "6144/5000"), "%s", out);
    ck_assert_msg(strstr(out, "| - steps/s |"), "first line shows a rate: %s", out);
    const char *cases[][2] = {
        {"train pendulum-v1 --steps 0x10", "bad value '0x10' for --steps"},
        {"train pendulum-v1 --out ''", "--out is empty"},
        {"train pendulum-v1 --more 5", "--more N adds steps to a resumed run"},
        {"train pendulum-v1 --save-every 0", "--save-every must be a positive"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int st = rl_test_run(cases[i][0], out, sizeof out);
        ck_assert_msg(st == 2 && strstr(out, cases[i][1]), "'%s' exited %d: %s", cases[i][0], st,
                      out);
    }
}
END_TEST

START_TEST(help_everywhere)
{
    const char *cmds[] = {"--help", "envs --help", "info --help", "rollout --help"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        ck_assert_int_eq(rl_test_run(cmds[i], out, sizeof out), 0);
        ck_assert_ptr_nonnull(strstr(out, "usage: rltool"));
    }
}
END_TEST

/* What inspect prints below the header is the agent's own: TLA's hook shows
 * its three acting networks layer by layer (the fixture of test_compat);
 * PPO has none, so its actor's parameters are listed by name. */
START_TEST(inspect_is_the_agents_own)
{
    const char *src = getenv("RLTOOL_SOURCE_DIR");
    ck_assert_ptr_nonnull(src);
    char args[1024];
    snprintf(args, sizeof args, "inspect '%s/tests/c/fixtures/tla.rlt'", src);
    ck_assert_int_eq(rl_test_run(args, out, sizeof out), 0);
    const char *want[] = {"agent       tla", "slow actor acts every 6 steps",
                          "slow.actor: 3 -> 1, 353 parameters", "gate: 4 -> 2, 386 parameters",
                          "fast.actor: 4 -> 1, 369 parameters", "16 -> 2    linear"};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        ck_assert_msg(strstr(out, want[i]), "no '%s' in:\n%s", want[i], out);
    ck_assert_msg(!strstr(out, "no single policy tensor"), "%s", out);
    snprintf(args, sizeof args, "inspect '%s/tests/c/fixtures/ppo.rlt'", src);
    ck_assert_int_eq(rl_test_run(args, out, sizeof out), 0);
    ck_assert_msg(strstr(out, "parameters  ") && strstr(out, "  name "), "%s", out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, envs_info_rollout);
    tcase_add_test(tc, bad_input_exits_2_with_a_message);
    tcase_add_test(tc, help_everywhere);
    tcase_add_test(tc, train_progress_and_arguments);
    tcase_add_test(tc, inspect_is_the_agents_own);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
