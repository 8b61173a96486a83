/* Vector env: autoreset semantics, thread-count independence, errors. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "rltool.h"
#include "envs/vec.h"

/* Run a vec env for T steps with actions from a fixed stream; return a
 * checksum-friendly copy of every observation. */
static float *trace(const char *id, int n, int threads, int T, int mode)
{
    rl_vec *v = rl_vec_make(id, "max_steps=37", n, threads);
    ck_assert_ptr_nonnull(v);
    /* These batches are too cheap to thread by themselves: force the pool. */
    rl_vec_always_parallel(v, threads > 1);
    rl_vec_set_autoreset(v, mode);
    rl_env *e0 = rl_vec_env(v, 0);
    int od = e0->obs_space.dim, ad = e0->act_space.dim;
    float *out = malloc(sizeof(float) * (size_t)T * n * od);
    rl_rng rng;
    rl_rng_seed(&rng, 7, 7);
    rl_vec_reset(v, 99);
    for (int t = 0; t < T; t++) {
        float *act = rl_vec_actions(v);
        for (int i = 0; i < n * ad; i++)
            act[i] = e0->act_space.kind == RL_DISCRETE ? (float)rl_rng_below(&rng, 2)
                                                       : (float)rl_rng_range(&rng, -1, 1);
        ck_assert_int_eq(rl_vec_step(v, NULL), RL_OK);
        memcpy(out + (size_t)t * n * od, rl_vec_obs(v), sizeof(float) * n * od);
    }
    rl_vec_free(v);
    return out;
}

START_TEST(thread_count_does_not_change_results)
{
    const char *ids[] = {"cartpole-v1", "pendulum-v1"};
    for (int k = 0; k < 2; k++) {
        int od = k ? 3 : 4;
        float *a = trace(ids[k], 13, 1, 120, RL_AUTORESET_NEXT_STEP);
        float *b = trace(ids[k], 13, 2, 120, RL_AUTORESET_NEXT_STEP);
        float *c = trace(ids[k], 13, 5, 120, RL_AUTORESET_NEXT_STEP);
        ck_assert_mem_eq(a, b, sizeof(float) * 120 * 13 * od);
        ck_assert_mem_eq(a, c, sizeof(float) * 120 * 13 * od);
        free(a);
        free(b);
        free(c);
    }
}
END_TEST

START_TEST(env0_matches_a_single_env)
{
    rl_vec *v = rl_vec_make("pendulum-v1", NULL, 4, 2);
    rl_env *e = rl_env_make("pendulum-v1", NULL);
    rl_vec_reset(v, 5);
    rl_env_reset(e, 5);
    ck_assert_mem_eq(rl_vec_obs(v), e->obs, 3 * sizeof(float));
    /* Other envs start elsewhere (their own streams). */
    ck_assert(memcmp(rl_vec_obs(v), rl_vec_obs(v) + 3, 3 * sizeof(float)) != 0);
    for (int t = 0; t < 50; t++) {
        float a = 0.3f * (float)sin(t);
        for (int i = 0; i < 4; i++) rl_vec_actions(v)[i] = a;
        rl_vec_step(v, NULL);
        rl_env_step(e, &a);
        ck_assert_mem_eq(rl_vec_obs(v), e->obs, 3 * sizeof(float));
        ck_assert_float_eq(rl_vec_rewards(v)[0], *e->reward);
    }
    rl_vec_free(v);
    rl_env_free(e);
}
END_TEST

START_TEST(next_step_autoreset)
{
    rl_vec *v = rl_vec_make("pendulum-v1", "max_steps=5", 3, 2);
    rl_vec_reset(v, 1);
    float acts[3] = {0.1f, 0.2f, 0.3f};
    for (int t = 0; t < 4; t++) {
        rl_vec_step(v, acts);
        ck_assert_int_eq(rl_vec_truncated(v)[0], 0);
    }
    rl_vec_step(v, acts);
    float final_obs[9];
    memcpy(final_obs, rl_vec_obs(v), sizeof final_obs);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(rl_vec_truncated(v)[i], 1);
        ck_assert_int_eq(rl_vec_infos(v)[i].done, 1);
        ck_assert_int_eq(rl_vec_infos(v)[i].episode_length, 5);
    }
    /* The next step ignores the actions (even invalid ones) and resets. */
    float nan3[3] = {NAN, NAN, NAN};
    ck_assert_int_eq(rl_vec_step(v, nan3), RL_OK);
    for (int i = 0; i < 3; i++) {
        ck_assert_float_eq(rl_vec_rewards(v)[i], 0.0f);
        ck_assert_int_eq(rl_vec_truncated(v)[i], 0);
        ck_assert_int_eq(rl_vec_terminated(v)[i], 0);
        ck_assert_int_eq(rl_vec_infos(v)[i].done, 0);
        ck_assert_int_eq(rl_vec_env(v, i)->t, 0);
    }
    ck_assert(memcmp(final_obs, rl_vec_obs(v), sizeof final_obs) != 0);
    /* Now a NaN action is an error naming the env, and nothing moves. */
    float obs_before[9];
    memcpy(obs_before, rl_vec_obs(v), sizeof obs_before);
    float bad[3] = {0, NAN, 0};
    ck_assert_int_eq(rl_vec_step(v, bad), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "env 1"));
    ck_assert_mem_eq(obs_before, rl_vec_obs(v), sizeof obs_before);
    ck_assert_int_eq(rl_vec_env(v, 0)->t, 0);
    rl_vec_free(v);
}
END_TEST

START_TEST(same_step_autoreset)
{
    rl_vec *a = rl_vec_make("pendulum-v1", "max_steps=5", 2, 1);
    rl_vec *b = rl_vec_make("pendulum-v1", "max_steps=5", 2, 1);
    rl_vec_set_autoreset(b, RL_AUTORESET_SAME_STEP);
    rl_vec_reset(a, 3);
    rl_vec_reset(b, 3);
    float acts[2] = {0.5f, -0.5f};
    for (int t = 0; t < 5; t++) {
        rl_vec_step(a, acts);
        rl_vec_step(b, acts);
    }
    /* b already holds the reset obs; its final obs equals a's. */
    ck_assert_mem_eq(rl_vec_final_obs(b), rl_vec_obs(a), 6 * sizeof(float));
    ck_assert_int_eq(rl_vec_truncated(b)[0], 1);
    ck_assert_float_eq(rl_vec_rewards(b)[1], rl_vec_rewards(a)[1]);
    ck_assert_int_eq(rl_vec_infos(b)[0].episode_length, 5);
    rl_vec_step(a, acts); /* a resets now */
    ck_assert_mem_eq(rl_vec_obs(b), rl_vec_obs(a), 6 * sizeof(float));
    ck_assert_int_eq(rl_vec_set_autoreset(b, 7), RL_EINVAL);
    rl_vec_free(a);
    rl_vec_free(b);
}
END_TEST

START_TEST(make_errors)
{
    ck_assert_ptr_null(rl_vec_make("nope-v1", NULL, 2, 1));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_null(rl_vec_make("cartpole-v1", "bogus=1", 2, 1));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_null(rl_vec_make("cartpole-v1", NULL, 0, 1));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_ptr_null(rl_vec_make("cartpole-v1", NULL, 2, 0));
    rl_vec *v = rl_vec_make("cartpole-v1", NULL, 2, 8); /* more threads than envs is fine */
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(rl_vec_num_threads(v), 2);
    rl_vec_free(v);
    rl_vec_free(NULL);
    rl_env_free(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vec");
    TCase *tc = tcase_create("vec");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, thread_count_does_not_change_results);
    tcase_add_test(tc, env0_matches_a_single_env);
    tcase_add_test(tc, next_step_autoreset);
    tcase_add_test(tc, same_step_autoreset);
    tcase_add_test(tc, make_errors);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
