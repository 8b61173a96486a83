/* The env interface on the classic tasks: dynamics against the published
 * equations, episode bookkeeping, action checks and wrappers. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "check_main.h"
#include "rltool.h"

/* Gym CartPole, written out again independently of envs/classic. */
static void cartpole_ref(double s[4], int action)
{
    double f = action ? 10.0 : -10.0, c = cos(s[2]), sn = sin(s[2]);
    double temp = (f + 0.05 * s[3] * s[3] * sn) / 1.1;
    double tacc = (9.8 * sn - c * temp) / (0.5 * (4.0 / 3.0 - 0.1 * c * c / 1.1));
    double xacc = temp - 0.05 * tacc * c / 1.1;
    s[0] += 0.02 * s[1];
    s[1] += 0.02 * xacc;
    s[2] += 0.02 * s[3];
    s[3] += 0.02 * tacc;
}

START_TEST(cartpole_dynamics)
{
    rl_env *env = rl_env_make("cartpole-v1", NULL);
    ck_assert_ptr_nonnull(env);
    ck_assert_int_eq(env->obs_space.dim, 4);
    ck_assert_int_eq(env->act_space.kind, RL_DISCRETE);
    ck_assert_int_eq(env->act_space.n, 2);
    ck_assert_int_eq(rl_env_reset(env, 3), RL_OK);
    double s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = env->obs[i];
        ck_assert(fabs(s[i]) <= 0.05);
    }
    /* The state is double inside; obs are its float rounding. */
    for (int t = 0; t < 8; t++) {
        float a = (float)(t % 3 == 0);
        ck_assert_int_eq(rl_env_step(env, &a), RL_OK);
        cartpole_ref(s, (int)a);
        for (int i = 0; i < 4; i++) ck_assert_double_eq_tol(env->obs[i], s[i], 1e-5);
        ck_assert_float_eq(*env->reward, 1.0f);
    }
    /* Hand-computed first step from a known state: x=0, v=0, th=0.1, w=0, push right. */
    double h[4] = {0, 0, 0.1, 0};
    cartpole_ref(h, 1);
    ck_assert_double_eq_tol(h[1], 0.02 * 9.6778096, 1e-7);  /* x_acc, worked by hand */
    ck_assert_double_eq_tol(h[3], 0.02 * -12.9766400, 1e-7); /* theta_acc */
    ck_assert_double_eq_tol(h[2], 0.1, 1e-12);               /* Euler uses the old rate */
    rl_env_free(env);
}
END_TEST

START_TEST(cartpole_terminates_and_truncates)
{
    rl_env *env = rl_env_make("cartpole-v1", NULL);
    rl_env_reset(env, 0);
    float right = 1;
    int t = 0;
    while (!env->info->done) {
        ck_assert_int_eq(rl_env_step(env, &right), RL_OK);
        t++;
    }
    ck_assert_int_eq(*env->terminated, 1);
    ck_assert_int_eq(*env->truncated, 0);
    ck_assert_int_lt(t, 60);
    ck_assert_int_eq(env->info->episode_length, t);
    ck_assert_double_eq_tol(env->info->episode_return, t, 1e-9);
    ck_assert(fabs(env->obs[2]) > 12 * M_PI / 180 || fabs(env->obs[0]) > 2.4);
    /* Stepping an ended episode is a state error, not a silent step. */
    ck_assert_int_eq(rl_env_step(env, &right), RL_ESTATE);
    rl_env_free(env);

    env = rl_env_make("cartpole-v1", "max_steps=7");
    rl_env_reset(env, 0);
    float alt[2] = {0, 1};
    for (int i = 0; i < 7; i++) rl_env_step(env, &alt[i % 2]);
    ck_assert_int_eq(*env->truncated, 1);
    ck_assert_int_eq(*env->terminated, 0);
    ck_assert_int_eq(env->info->episode_length, 7);
    rl_env_free(env);
}
END_TEST

START_TEST(pendulum_dynamics)
{
    rl_env *env = rl_env_make("pendulum-v1", NULL);
    ck_assert_ptr_nonnull(env);
    rl_env_reset(env, 11);
    double th = atan2(env->obs[1], env->obs[0]), thdot = env->obs[2];
    ck_assert(fabs(thdot) <= 1.0);
    float actions[5] = {1.0f, -0.5f, 0.25f, 3.0f /* clipped to 1 */, -1.0f};
    for (int t = 0; t < 5; t++) {
        ck_assert_int_eq(rl_env_step(env, &actions[t]), RL_OK);
        double u = 2.0 * fmin(1.0, fmax(-1.0, actions[t]));
        double cost = th * th + 0.1 * thdot * thdot + 0.001 * u * u;
        thdot = fmin(8, fmax(-8, thdot + (15.0 * sin(th) + 3.0 * u) * 0.05));
        th += thdot * 0.05;
        th = atan2(sin(th), cos(th));
        ck_assert_double_eq_tol(*env->reward, -cost, 1e-4);
        ck_assert_double_eq_tol(env->obs[0], cos(th), 1e-5);
        ck_assert_double_eq_tol(env->obs[1], sin(th), 1e-5);
        ck_assert_double_eq_tol(env->obs[2], thdot, 1e-4);
    }
    rl_env_free(env);
    env = rl_env_make("pendulum-v1", NULL);
    rl_env_reset(env, 0);
    int t = 0;
    float zero = 0;
    while (!env->info->done) {
        rl_env_step(env, &zero);
        t++;
    }
    ck_assert_int_eq(t, 200);
    ck_assert_int_eq(*env->truncated, 1);
    ck_assert_int_eq(*env->terminated, 0);
    rl_env_free(env);
}
END_TEST

START_TEST(bad_actions_leave_state_untouched)
{
    rl_env *env = rl_env_make("pendulum-v1", NULL);
    rl_env_reset(env, 1);
    float before[3];
    memcpy(before, env->obs, sizeof before);
    float bad[3] = {NAN, INFINITY, -INFINITY};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(rl_env_step(env, &bad[i]), RL_EINVAL);
        ck_assert_ptr_nonnull(strstr(rl_last_error(), "finite"));
        ck_assert_mem_eq(before, env->obs, sizeof before);
        ck_assert_int_eq(env->t, 0);
    }
    ck_assert_int_eq(rl_env_step(env, NULL), RL_EINVAL);
    rl_env_free(env);
    env = rl_env_make("cartpole-v1", NULL);
    rl_env_reset(env, 1);
    float d[3] = {2, -1, 0.5f};
    for (int i = 0; i < 3; i++) ck_assert_int_eq(rl_env_step(env, &d[i]), RL_EINVAL);
    ck_assert_int_eq(env->t, 0);
    rl_env_free(env);
}
END_TEST

START_TEST(seeded_determinism)
{
    rl_env *a = rl_env_make("pendulum-v1", NULL), *b = rl_env_make("pendulum-v1", NULL);
    rl_env_reset(a, 123);
    rl_env_reset(b, 123);
    ck_assert_mem_eq(a->obs, b->obs, 3 * sizeof(float));
    rl_env_reset(b, 124);
    ck_assert(memcmp(a->obs, b->obs, 3 * sizeof(float)) != 0);
    /* Unseeded resets continue the stream: same sequence after the same seed. */
    rl_env_reset(a, 5);
    rl_env_reset(a, -1);
    rl_env_reset(b, 5);
    rl_env_reset(b, -1);
    ck_assert_mem_eq(a->obs, b->obs, 3 * sizeof(float));
    rl_env_free(a);
    rl_env_free(b);
}
END_TEST

START_TEST(wrappers)
{
    /* Unknown ids and options. */
    ck_assert_ptr_null(rl_env_make("nope-v1", NULL));
    ck_assert_int_eq(rl_last_code(), RL_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "cartpole-v1"));
    ck_assert_ptr_null(rl_env_make("pendulum-v1", "max_steps=-1"));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    ck_assert_ptr_null(rl_env_make("pendulum-v1", "links=3"));
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "known: max_steps"));
    ck_assert_ptr_null(rl_env_make("cartpole-v1", "discretize=5"));
    ck_assert_ptr_null(rl_env_make("pendulum-v1", "discretize=1"));

    /* Discretised pendulum: bin b of B maps to -1 + 2 b / (B - 1). */
    rl_env *d = rl_env_make("pendulum-v1", "discretize=5");
    rl_env *c = rl_env_make("pendulum-v1", NULL);
    ck_assert_int_eq(d->act_space.kind, RL_DISCRETE);
    ck_assert_int_eq(d->act_space.n, 5);
    ck_assert_int_eq(d->act_space.dim, 1);
    rl_env_reset(d, 9);
    rl_env_reset(c, 9);
    float bins[4] = {0, 4, 3, 1}, vals[4] = {-1, 1, 0.5f, -0.5f};
    for (int i = 0; i < 4; i++) {
        rl_env_step(d, &bins[i]);
        rl_env_step(c, &vals[i]);
        ck_assert_mem_eq(d->obs, c->obs, 3 * sizeof(float));
    }
    ck_assert_int_eq(rl_env_step(d, &(float){5}), RL_EINVAL);
    rl_env_free(d);
    rl_env_free(c);

    /* Action repeat 3 equals three plain steps with the reward summed. */
    rl_env *r = rl_env_make("pendulum-v1", "action_repeat=3");
    rl_env *p = rl_env_make("pendulum-v1", NULL);
    rl_env_reset(r, 2);
    rl_env_reset(p, 2);
    float a = 0.7f;
    rl_env_step(r, &a);
    double sum = 0;
    for (int i = 0; i < 3; i++) {
        rl_env_step(p, &a);
        sum += *p->reward;
    }
    ck_assert_mem_eq(r->obs, p->obs, 3 * sizeof(float));
    ck_assert_double_eq_tol(*r->reward, sum, 1e-4);
    ck_assert_double_eq_tol(rl_env_dt(p), 0.05, 1e-12); /* pendulum: 20 Hz */
    ck_assert_double_eq_tol(rl_env_dt(r), 3 * 0.05, 1e-12);
    ck_assert_int_eq(r->t, 1);
    int steps = 1;
    while (!r->info->done) {
        rl_env_step(r, &a);
        steps++;
    }
    ck_assert_int_eq(steps, 200);  /* the time limit counts outer steps */
    rl_env_free(r);
    rl_env_free(p);

    /* Decision budget: repeats are free; the episode ends when a change
     * is asked for with nothing left. */
    rl_env *b = rl_env_make("pendulum-v1", "decision_budget=3");
    rl_env_reset(b, 0);
    float seq[] = {0.1f, 0.1f, 0.1f, 0.2f, 0.2f, 0.3f, 0.3f, 0.3f, 0.3f};
    for (int i = 0; i < 9; i++) {
        rl_env_step(b, &seq[i]);
        ck_assert_int_eq(b->info->done, 0);
    }
    float change = 0.4f;
    rl_env_step(b, &change);
    ck_assert_int_eq(*b->truncated, 1);
    ck_assert_int_eq(b->info->episode_length, 10);
    rl_env_free(b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("env");
    TCase *tc = tcase_create("classic");
    tcase_add_test(tc, cartpole_dynamics);
    tcase_add_test(tc, cartpole_terminates_and_truncates);
    tcase_add_test(tc, pendulum_dynamics);
    tcase_add_test(tc, bad_actions_leave_state_untouched);
    tcase_add_test(tc, seeded_determinism);
    tcase_add_test(tc, wrappers);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
