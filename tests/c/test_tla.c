/* TLA mechanics: forced gates, decision and MAC accounting, checkpoints. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "agents/agent.h"
#include "rltool.h"

/* Roll one pendulum episode with agent a, recording actions (200). */
static void rollout(rl_agent *a, float *acts)
{
    rl_env *env = rl_env_make("pendulum-v1", NULL);
    rl_env_reset(env, 3);
    rl_agent_reset_state(a, 0);
    for (int t = 0; !env->info->done; t++) {
        ck_assert_int_eq(rl_agent_act(a, env->obs, 1, &acts[t], 1), RL_OK);
        ck_assert_int_eq(rl_env_step(env, &acts[t]), RL_OK);
    }
    rl_env_free(env);
}

START_TEST(gate_closed_repeats_slow_steps)
{
    rl_agent *a = rl_agent_create("tla", NULL, "pendulum-v1", NULL,
                                  "hidden=64x64,gate=closed,slow_steps=5", 1);
    ck_assert_ptr_nonnull(a);
    float acts[200];
    rollout(a, acts);
    for (int t = 0; t < 200; t++) {
        if (t % 5) ck_assert_float_eq(acts[t], acts[t - 1]);
        else if (t) ck_assert_float_ne(acts[t], acts[t - 1]); /* new state, new decision */
    }
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, NULL, 2, 1, 1, &r), RL_OK);
    ck_assert_double_eq(r.decisions_per_ep, 40);
    ck_assert_double_eq_tol(r.repeat_rate, 160.0 / 199.0, 1e-3);
    /* MACs: the slow actor 3-64-64-1 once per window; a forced gate costs nothing. */
    double slow = 3 * 64 + 64 * 64 + 64 * 1;
    ck_assert_double_eq_tol(r.mmacs_per_ep, 40 * slow / 1e6, 1e-9);
    rl_agent_free(a);
}
END_TEST

START_TEST(gate_open_fast_every_step)
{
    rl_agent *a = rl_agent_create("tla", NULL, "pendulum-v1", NULL,
                                  "hidden=64x64,gate=open,slow_steps=5", 1);
    float acts[200];
    rollout(a, acts);
    int changes = 0;
    for (int t = 1; t < 200; t++) changes += acts[t] != acts[t - 1];
    ck_assert_int_gt(changes, 190);
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, NULL, 1, 1, 1, &r), RL_OK);
    ck_assert_double_eq(r.decisions_per_ep, 200);
    /* Every step the fast actor (3+1)-64-64-1, every window the slow actor. */
    double slow = 3 * 64 + 64 * 64 + 64, fast = 4 * 64 + 64 * 64 + 64;
    ck_assert_double_eq_tol(r.mmacs_per_ep, (40 * slow + 200 * fast) / 1e6, 1e-9);
    rl_agent_free(a);
}
END_TEST

START_TEST(learned_gate_macs_and_round_trip)
{
    rl_agent *a = rl_agent_create("tla", NULL, "pendulum-v1", NULL, "hidden=32x32,slow_steps=4", 2);
    rl_eval_result r;
    ck_assert_int_eq(rl_evaluate(a, NULL, 1, 1, 1, &r), RL_OK);
    double slow = 3 * 32 + 32 * 32 + 32, gate = 4 * 32 + 32 * 32 + 32 * 2,
           fast = 4 * 32 + 32 * 32 + 32;
    /* Between all-closed and all-open, and consistent with the decisions. */
    double windows = 50, fast_steps = r.decisions_per_ep - (windows - 0);
    (void)fast_steps;
    ck_assert_double_ge(r.mmacs_per_ep * 1e6, windows * (slow + gate) - 1e-6);
    ck_assert_double_le(r.mmacs_per_ep * 1e6, windows * (slow + gate) + 200 * fast + 1e-6);
    char path[] = "/tmp/rltool-test-tla-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(rl_agent_save(a, path, 1), RL_OK);
    rl_agent *b = rl_agent_load(path);
    ck_assert_ptr_nonnull(b);
    float x[200], y[200];
    rollout(a, x);
    rollout(b, y);
    ck_assert_mem_eq(x, y, sizeof x);
    rl_agent_free(a);
    rl_agent_free(b);
    close(fd);
    remove(path);
    /* Bad settings are refused. */
    ck_assert_ptr_null(rl_agent_create("tla", NULL, "pendulum-v1", NULL, "gate=maybe", 1));
    ck_assert_ptr_null(rl_agent_create("tla", NULL, "cartpole-v1", NULL, NULL, 1));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "does not handle discrete"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tla");
    TCase *tc = tcase_create("tla");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, gate_closed_repeats_slow_steps);
    tcase_add_test(tc, gate_open_fast_every_step);
    tcase_add_test(tc, learned_gate_macs_and_round_trip);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
