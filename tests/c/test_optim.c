/* Adam against hand-computed steps, clipping, schedules, Polyak. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "check_main.h"
#include "core/optim.h"

/* Two steps worked out by hand (lr 0.1, betas 0.9/0.999, eps 1e-8):
 * step 1, g = 0.5:  m = 0.05, v = 0.00025, m^ = 0.5, v^ = 0.25,
 *                   p = 1 - 0.1 * 0.5 / 0.5 = 0.9
 * step 2, g = -1:   m = 0.045 - 0.1 = -0.055, v = 0.00024975 + 0.001 = 0.00124975
 *                   m^ = -0.055 / 0.19 = -0.28947368, v^ = 0.00124975 / 0.001999 = 0.62518759
 *                   p = 0.9 + 0.1 * 0.28947368 / 0.79068804 = 0.93661035 */
START_TEST(adam_hand_steps)
{
    rl_adam *a = rl_adam_make(1, 0.1f, 0.9f, 0.999f, 1e-8f, 0.0f);
    ck_assert_ptr_nonnull(a);
    float p = 1.0f, g = 0.5f;
    rl_adam_step(a, &p, &g);
    ck_assert_float_eq_tol(p, 0.9f, 1e-6);
    ck_assert_float_eq_tol(a->m[0], 0.05f, 1e-7);
    ck_assert_float_eq_tol(a->v[0], 0.00025f, 1e-8);
    g = -1.0f;
    rl_adam_step(a, &p, &g);
    ck_assert_float_eq_tol(p, 0.93661035f, 1e-6);
    ck_assert_int_eq((int)a->t, 2);
    rl_adam_reset(a);
    ck_assert_int_eq((int)a->t, 0);
    ck_assert_float_eq(a->m[0], 0.0f);
    rl_adam_free(a);
}
END_TEST

/* AdamW: p = 1 * (1 - lr * wd) - lr * 1 = 0.99 - 0.1 = 0.89 on the first step. */
START_TEST(adamw_decay)
{
    rl_adam *a = rl_adam_make(2, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f);
    float p[2] = {1.0f, -2.0f}, g[2] = {3.0f, -4.0f};
    rl_adam_step(a, p, g);
    ck_assert_float_eq_tol(p[0], 0.89f, 1e-6);
    ck_assert_float_eq_tol(p[1], -2.0f * 0.99f + 0.1f, 1e-6);
    rl_adam_free(a);
    ck_assert_ptr_null(rl_adam_make(0, 0.1f, 0.9f, 0.999f, 1e-8f, 0));
    ck_assert_ptr_null(rl_adam_make(3, 0.1f, 1.0f, 0.999f, 1e-8f, 0));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    rl_adam_free(NULL);
}
END_TEST

START_TEST(adam_checkpoint)
{
    rl_adam *a = rl_adam_make(3, 0.01f, 0.9f, 0.999f, 1e-8f, 0), *b;
    float p[3] = {1, 2, 3}, g[3] = {0.1f, -0.2f, 0.3f};
    rl_adam_step(a, p, g);
    rl_adam_step(a, p, g);
    rl_ckpt *ck = rl_ckpt_make();
    ck_assert_int_eq(rl_adam_save(a, ck, "opt"), RL_OK);
    b = rl_adam_make(3, 0.01f, 0.9f, 0.999f, 1e-8f, 0);
    ck_assert_int_eq(rl_adam_load(b, ck, "opt"), RL_OK);
    ck_assert_int_eq((int)b->t, 2);
    for (int i = 0; i < 3; i++) {
        ck_assert_float_eq(a->m[i], b->m[i]);
        ck_assert_float_eq(a->v[i], b->v[i]);
    }
    ck_assert_int_eq(rl_adam_load(b, ck, "missing"), RL_ENOTFOUND);
    rl_adam *c = rl_adam_make(4, 0.01f, 0.9f, 0.999f, 1e-8f, 0);
    ck_assert_int_eq(rl_adam_load(c, ck, "opt"), RL_ECORRUPT); /* wrong size */
    rl_adam_free(a);
    rl_adam_free(b);
    rl_adam_free(c);
    rl_ckpt_free(ck);
}
END_TEST

START_TEST(clip_norm)
{
    float g[2] = {3, 4};
    ck_assert_double_eq_tol(rl_grad_clip_norm(g, 2, 10.0), 5.0, 1e-12);
    ck_assert_float_eq(g[0], 3.0f); /* within the limit: untouched */
    ck_assert_double_eq_tol(rl_grad_clip_norm(g, 2, 1.0), 5.0, 1e-12);
    ck_assert_float_eq_tol(g[0], 0.6f, 1e-6);
    ck_assert_float_eq_tol(g[1], 0.8f, 1e-6);
    ck_assert_double_eq_tol(rl_grad_clip_norm(g, 2, 0.0), 1.0, 1e-6); /* 0 = norm only */
}
END_TEST

START_TEST(schedules)
{
    ck_assert_double_eq(rl_lr_schedule(RL_LR_CONSTANT, 3e-4, 0, 50, 100), 3e-4);
    ck_assert_double_eq_tol(rl_lr_schedule(RL_LR_LINEAR, 1.0, 0.0, 25, 100), 0.75, 1e-12);
    ck_assert_double_eq_tol(rl_lr_schedule(RL_LR_LINEAR, 1.0, 0.0, 200, 100), 0.0, 1e-12);
    ck_assert_double_eq_tol(rl_lr_schedule(RL_LR_COSINE, 1.0, 0.0, 0, 100), 1.0, 1e-12);
    ck_assert_double_eq_tol(rl_lr_schedule(RL_LR_COSINE, 1.0, 0.2, 50, 100), 0.6, 1e-12);
    ck_assert_double_eq_tol(rl_lr_schedule(RL_LR_COSINE, 1.0, 0.2, 100, 100), 0.2, 1e-12);
}
END_TEST

START_TEST(polyak)
{
    float t[2] = {1, 2}, s[2] = {0, 4};
    rl_polyak(t, s, 2, 0.995f);
    ck_assert_float_eq_tol(t[0], 0.995f, 1e-7);
    ck_assert_float_eq_tol(t[1], 2.01f, 1e-6);
    rl_polyak(t, s, 2, 0.0f);
    ck_assert_float_eq(t[0], 0.0f);
    ck_assert_float_eq(t[1], 4.0f);
}
END_TEST

/* The fused Adam + Polyak pass gives the same bits as the two calls, with
 * and without weight decay, over a length with a remainder after the
 * vector blocks. */
START_TEST(adam_polyak_fused)
{
    enum { N = 1003 };
    static float p1[N], p2[N], t1[N], t2[N], g[N];
    for (int wd = 0; wd < 2; wd++) {
        rl_adam *a1 = rl_adam_make(N, 1e-3f, 0.9f, 0.999f, 1e-8f, wd ? 1e-2f : 0.0f);
        rl_adam *a2 = rl_adam_make(N, 1e-3f, 0.9f, 0.999f, 1e-8f, wd ? 1e-2f : 0.0f);
        for (int i = 0; i < N; i++) {
            p1[i] = p2[i] = sinf(0.37f * (float)i);
            t1[i] = t2[i] = cosf(0.11f * (float)i);
        }
        for (int step = 0; step < 5; step++) {
            for (int i = 0; i < N; i++) g[i] = sinf(0.05f * (float)(i * (step + 1))) * 3.0f;
            rl_adam_step(a1, p1, g);
            rl_polyak(t1, p1, N, 0.995f);
            rl_adam_step_polyak(a2, p2, g, t2, 0.995f);
        }
        ck_assert_msg(!memcmp(p1, p2, sizeof p1), "params differ (wd %d)", wd);
        ck_assert_msg(!memcmp(t1, t2, sizeof t1), "targets differ (wd %d)", wd);
        ck_assert_msg(!memcmp(a1->m, a2->m, sizeof p1) && !memcmp(a1->v, a2->v, sizeof p1),
                      "moments differ (wd %d)", wd);
        ck_assert_int_eq(a1->t, a2->t);
        rl_adam_free(a1);
        rl_adam_free(a2);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("optim");
    TCase *tc = tcase_create("optim");
    tcase_add_test(tc, adam_hand_steps);
    tcase_add_test(tc, adamw_decay);
    tcase_add_test(tc, adam_checkpoint);
    tcase_add_test(tc, clip_norm);
    tcase_add_test(tc, schedules);
    tcase_add_test(tc, polyak);
    tcase_add_test(tc, adam_polyak_fused);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
