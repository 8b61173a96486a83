/* Replay ring, rollout GAE (hand-computed), shuffling, normaliser. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/normalize.h"
#include "core/replay.h"
#include "core/rollout.h"

/* Transition k has obs = (k, -k), act = 10k, reward = k, next_obs = obs + 1,
 * terminated = k odd, so any sampled row can be checked for consistency. */
static void add_k(rl_replay *rb, int k)
{
    float o[2] = {(float)k, (float)-k}, n[2] = {k + 1.0f, -k + 1.0f}, a = 10.0f * k;
    rl_replay_add(rb, o, &a, (float)k, n, k & 1);
}

START_TEST(replay_wrap_and_sample)
{
    rl_replay *rb = rl_replay_make(5, 2, 1);
    ck_assert_ptr_nonnull(rb);
    rl_rng r;
    rl_rng_seed(&r, 1, 0);
    float o[8], a[4], rw[4], n[8];
    unsigned char t[4];
    ck_assert_int_eq(rl_replay_sample(rb, &r, 4, o, a, rw, n, t), RL_ESTATE);
    for (int k = 0; k < 7; k++) add_k(rb, k);
    /* 7 adds into 5 slots: 5 and 6 overwrote slots 0 and 1. */
    ck_assert_int_eq(rb->size, 5);
    ck_assert_int_eq(rb->pos, 2);
    ck_assert_float_eq(rb->reward[0], 5.0f);
    ck_assert_float_eq(rb->reward[1], 6.0f);
    ck_assert_float_eq(rb->reward[2], 2.0f);
    int seen[7] = {0};
    for (int it = 0; it < 500; it++) {
        ck_assert_int_eq(rl_replay_sample(rb, &r, 4, o, a, rw, n, t), RL_OK);
        for (int j = 0; j < 4; j++) {
            int k = (int)rw[j];
            ck_assert(k >= 2 && k <= 6); /* 0 and 1 are gone */
            ck_assert_float_eq(o[2 * j], (float)k);
            ck_assert_float_eq(o[2 * j + 1], (float)-k);
            ck_assert_float_eq(n[2 * j], k + 1.0f);
            ck_assert_float_eq(a[j], 10.0f * k);
            ck_assert_int_eq(t[j], k & 1);
            seen[k]++;
        }
    }
    for (int k = 2; k <= 6; k++) ck_assert(seen[k] > 300 && seen[k] < 500); /* ~400 each */

    /* Batch add and a checkpoint round trip. */
    float bo[4] = {7, -7, 8, -8}, ba[2] = {70, 80}, br[2] = {7, 8}, bn[4] = {8, -6, 9, -7};
    unsigned char bt[2] = {1, 0};
    rl_replay_add_batch(rb, 2, bo, ba, br, bn, bt);
    ck_assert_int_eq(rb->pos, 4);
    ck_assert_float_eq(rb->reward[3], 8.0f);
    rl_ckpt *ck = rl_ckpt_make();
    ck_assert_int_eq(rl_replay_save(rb, ck, "replay"), RL_OK);
    rl_replay *rb2 = rl_replay_make(5, 2, 1);
    ck_assert_int_eq(rl_replay_load(rb2, ck, "replay"), RL_OK);
    ck_assert_int_eq(rb2->size, 5);
    ck_assert_int_eq(rb2->pos, 4);
    ck_assert(memcmp(rb2->obs, rb->obs, sizeof(float) * 10) == 0);
    ck_assert(memcmp(rb2->terminated, rb->terminated, 5) == 0);
    rl_replay *rb3 = rl_replay_make(6, 2, 1);
    ck_assert_int_eq(rl_replay_load(rb3, ck, "replay"), RL_EINVAL);
    rl_replay_free(rb3);
    rl_replay_free(rb2);
    rl_ckpt_free(ck);
    rl_replay_free(rb);
}
END_TEST

/* Hand-computed GAE, gamma 0.9, lambda 0.8 (gamma * lambda = 0.72).
 * env 0: r = 1 2 3 13, V = .5 1 1.5 2, done = 0 1 0 1. Step 1 terminated;
 *   step 3 was truncated and the agent already added gamma * V(final) =
 *   0.9 * 10 to its reward of 4. last_value 100 must be ignored.
 *   t3: delta = 13 - 2 = 11                      A = 11
 *   t2: delta = 3 + .9 * 2 - 1.5 = 3.3           A = 3.3 + .72 * 11 = 11.22
 *   t1: delta = 2 - 1 = 1                        A = 1
 *   t0: delta = 1 + .9 * 1 - .5 = 1.4            A = 1.4 + .72 * 1 = 2.12
 * env 1: r = 0 0 0 1, V = 0, no done, last_value 2:
 *   A3 = 1 + .9 * 2 = 2.8, A2 = 2.016, A1 = 1.45152, A0 = 1.0450944 */
START_TEST(gae_hand_example)
{
    rl_rollout *ro = rl_rollout_make(4, 2, 1, 1);
    float r[4][2] = {{1, 0}, {2, 0}, {3, 0}, {13, 1}};
    float v[4][2] = {{.5f, 0}, {1, 0}, {1.5f, 0}, {2, 0}};
    unsigned char d[4][2] = {{0, 0}, {1, 0}, {0, 0}, {1, 0}};
    float obs[2] = {0, 0}, act[2] = {0, 0}, lp[2] = {0, 0};
    for (int t = 0; t < 4; t++) ck_assert_int_eq(rl_rollout_add(ro, obs, act, lp, v[t], r[t], d[t]), RL_OK);
    ck_assert_int_eq(rl_rollout_add(ro, obs, act, lp, v[0], r[0], d[0]), RL_ESTATE);
    float last[2] = {100, 2};
    rl_rollout_gae(ro, last, 0.9f, 0.8f);
    double a0[4] = {2.12, 1.0, 11.22, 11.0}, a1[4] = {1.0450944, 1.45152, 2.016, 2.8};
    for (int t = 0; t < 4; t++) {
        ck_assert_double_eq_tol(ro->adv[t * 2 + 0], a0[t], 1e-5);
        ck_assert_double_eq_tol(ro->adv[t * 2 + 1], a1[t], 1e-5);
        ck_assert_double_eq_tol(ro->ret[t * 2 + 0], a0[t] + v[t][0], 1e-5);
    }
    rl_normalize_adv(ro->adv, 8);
    double m = 0, s = 0;
    for (int i = 0; i < 8; i++) m += ro->adv[i];
    for (int i = 0; i < 8; i++) s += ro->adv[i] * ro->adv[i];
    ck_assert_double_eq_tol(m / 8, 0.0, 1e-6);
    ck_assert_double_eq_tol(s / 8, 1.0, 1e-5);
    rl_rollout_free(ro);
}
END_TEST

START_TEST(shuffle)
{
    rl_rollout *ro = rl_rollout_make(8, 4, 1, 1);
    float z[4] = {0};
    unsigned char d[4] = {0};
    for (int t = 0; t < 8; t++) rl_rollout_add(ro, z, z, z, z, z, d);
    rl_rng r1, r2;
    rl_rng_seed(&r1, 3, 0);
    rl_rng_seed(&r2, 3, 0);
    rl_rollout_shuffle(ro, &r1);
    int seen[32] = {0}, fixed = 0;
    for (int i = 0; i < 32; i++) {
        seen[ro->idx[i]]++;
        fixed += ro->idx[i] == i;
    }
    for (int i = 0; i < 32; i++) ck_assert_int_eq(seen[i], 1);
    ck_assert(fixed < 8); /* not the identity */
    int again[32];
    rl_shuffle_indices(&r2, again, 32);
    ck_assert(memcmp(again, ro->idx, sizeof again) == 0); /* same seed, same order */
    rl_rollout_free(ro);
}
END_TEST

/* Two-pass reference over all rows in double. */
static void two_pass(const float *x, int n, int d, double *mean, double *var)
{
    for (int j = 0; j < d; j++) {
        double m = 0, v = 0;
        for (int i = 0; i < n; i++) m += x[i * d + j];
        m /= n;
        for (int i = 0; i < n; i++) v += (x[i * d + j] - m) * (x[i * d + j] - m);
        mean[j] = m;
        var[j] = v / n;
    }
}

START_TEST(normalizer)
{
    enum { N = 600, DIM = 3 };
    static float x[N * DIM];
    rl_rng r;
    rl_rng_seed(&r, 4, 0);
    for (int i = 0; i < N; i++)
        for (int j = 0; j < DIM; j++) x[i * DIM + j] = (float)(1000.0 + (j + 1) * rl_rng_normal(&r));
    double mean[DIM], var[DIM];
    two_pass(x, N, DIM, mean, var);

    rl_normalizer *a = rl_normalizer_make(DIM), *b = rl_normalizer_make(DIM);
    rl_normalizer *all = rl_normalizer_make(DIM);
    /* Uneven batches: 1, 99, 200 into a; 300 into b; everything into all. */
    rl_normalizer_update(a, x, 1);
    rl_normalizer_update(a, x + 1 * DIM, 99);
    rl_normalizer_update(a, x + 100 * DIM, 200);
    rl_normalizer_update(b, x + 300 * DIM, 300);
    rl_normalizer_update(all, x, N);
    ck_assert_int_eq(rl_normalizer_merge(a, b), RL_OK);
    for (int j = 0; j < DIM; j++) {
        ck_assert_double_eq_tol(all->mean[j], mean[j], 1e-9 * 1000);
        ck_assert_double_eq_tol(rl_normalizer_var(all, j), var[j], 1e-9 * var[j] + 1e-9);
        ck_assert_double_eq_tol(a->mean[j], all->mean[j], 1e-9 * 1000);
        ck_assert_double_eq_tol(rl_normalizer_var(a, j), rl_normalizer_var(all, j), 1e-9 * var[j]);
    }
    ck_assert_double_eq(a->count, (double)N);

    /* Apply: standardised; clipping at 10. */
    float out[DIM], far[DIM] = {1e6f, -1e6f, 1000.0f};
    rl_normalizer_apply(all, x, out, 1);
    ck_assert_double_eq_tol(out[0], (x[0] - mean[0]) / sqrt(var[0] + 1e-8), 1e-3);
    rl_normalizer_apply(all, far, out, 1);
    ck_assert_float_eq(out[0], 10.0f);
    ck_assert_float_eq(out[1], -10.0f);

    /* Frozen ignores data. */
    all->frozen = 1;
    rl_normalizer_update(all, far, 1);
    ck_assert_double_eq(all->count, (double)N);

    /* Checkpoint round trip is exact. */
    rl_ckpt *ck = rl_ckpt_make();
    ck_assert_int_eq(rl_normalizer_save(all, ck, "obs_norm"), RL_OK);
    rl_normalizer *c = rl_normalizer_make(DIM);
    ck_assert_int_eq(rl_normalizer_load(c, ck, "obs_norm"), RL_OK);
    ck_assert(memcmp(c->mean, all->mean, sizeof(double) * DIM) == 0);
    ck_assert(memcmp(c->m2, all->m2, sizeof(double) * DIM) == 0);
    ck_assert_double_eq(c->count, all->count);
    rl_normalizer *wrong = rl_normalizer_make(2);
    ck_assert_int_eq(rl_normalizer_merge(wrong, c), RL_EINVAL);
    ck_assert_int_eq(rl_normalizer_load(wrong, ck, "obs_norm"), RL_ECORRUPT);

    /* Before any data: identity. */
    rl_normalizer *fresh = rl_normalizer_make(1);
    float one = 3.0f, res;
    rl_normalizer_apply(fresh, &one, &res, 1);
    ck_assert_float_eq_tol(res, 3.0f, 1e-6);

    rl_normalizer_free(fresh);
    rl_normalizer_free(wrong);
    rl_normalizer_free(c);
    rl_ckpt_free(ck);
    rl_normalizer_free(a);
    rl_normalizer_free(b);
    rl_normalizer_free(all);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buffers");
    TCase *tc = tcase_create("buffers");
    tcase_add_test(tc, replay_wrap_and_sample);
    tcase_add_test(tc, gae_hand_example);
    tcase_add_test(tc, shuffle);
    tcase_add_test(tc, normalizer);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
