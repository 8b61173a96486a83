/* Threads change speed, never results: short seeded PPO and SAC runs with
 * 1, 2 and 3 threads (env stepping and network updates share the pool)
 * write the same metrics (minus wall-clock columns) and the same final
 * checkpoint tensors, bit for bit. The layer sizes are large enough that
 * the updates do split over the pool (rl_kern_threads > 1). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/kernels.h"
#include "rltool.h"

static char tmp[256];

static void make_tmp(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/rltool_threads_XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
}

/* metrics.csv without the wall_time and steps_per_sec columns (2nd, 8th). */
static char *metrics_sans_time(const char *dir)
{
    char path[512], line[4096];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    size_t cap = 1 << 20, len = 0;
    char *out = calloc(cap, 1);
    while (fgets(line, sizeof line, f)) {
        int col = 1;
        for (char *p = line; *p && len + 2 < cap; p++) {
            if (col != 2 && col != 8) out[len++] = *p;
            if (*p == ',') col++;
        }
    }
    fclose(f);
    return out;
}

static void train(const char *agent, const char *env, const char *hp, int64_t steps,
                  int threads, char *dir)
{
    snprintf(dir, 300, "%s/%s_t%d", tmp, agent, threads);
    rl_train_cfg cfg = {.env_id = env, .agent = agent, .hparams = hp, .steps = steps, .seed = 7,
                        .n_threads = threads, .out_dir = dir};
    ck_assert_msg(rl_train(&cfg) == RL_OK, "%s with %d threads: %s", agent, threads,
                  rl_last_error());
}

static void same_runs(const char *agent, const char *env, const char *hp, int64_t steps)
{
    make_tmp();
    char dir1[300], dirn[300], path[400];
    train(agent, env, hp, steps, 1, dir1);
    char *m1 = metrics_sans_time(dir1);
    snprintf(path, sizeof path, "%s/final.rlt", dir1);
    rl_ckpt *c1 = rl_ckpt_load(path);
    ck_assert_ptr_nonnull(c1);
    ck_assert_int_gt(rl_ckpt_tensor_count(c1), 0);
    for (int n = 2; n <= 3; n++) {
        train(agent, env, hp, steps, n, dirn);
        char *mn = metrics_sans_time(dirn);
        ck_assert_msg(!strcmp(m1, mn), "%s: metrics differ between 1 and %d threads", agent, n);
        free(mn);
        snprintf(path, sizeof path, "%s/final.rlt", dirn);
        rl_ckpt *cn = rl_ckpt_load(path);
        ck_assert_ptr_nonnull(cn);
        ck_assert_int_eq(rl_ckpt_tensor_count(cn), rl_ckpt_tensor_count(c1));
        for (int i = 0; i < rl_ckpt_tensor_count(c1); i++) {
            const char *name;
            rl_dtype dt;
            int64_t count;
            const void *a, *b;
            rl_ckpt_tensor_at(c1, i, &name, &dt, &count, &a);
            b = rl_ckpt_get(cn, name, dt, count, NULL);
            ck_assert_msg(b != NULL, "%s: tensor %s missing at %d threads", agent, name, n);
            size_t sz = dt == RL_F32 ? 4 : 8;
            if (dt == RL_F32 || dt == RL_I64)
                ck_assert_msg(!memcmp(a, b, sz * (size_t)count),
                              "%s: tensor %s differs between 1 and %d threads", agent, name, n);
        }
        rl_ckpt_free(cn);
    }
    rl_ckpt_free(c1);
    free(m1);
}

START_TEST(ppo_same_bits)
{
    /* 4 minibatches of 128 rows through 64x64: 2^19 multiply-adds a layer. */
    ck_assert_int_gt(rl_kern_threads(rl_kern_best_isa(), 128, 64, 64, 3), 1);
    same_runs("ppo", "pendulum-v1", "envs=8,rollout=64,epochs=2,minibatches=4,hidden=64x64",
              2048);
}
END_TEST

START_TEST(sac_same_bits)
{
    ck_assert_int_gt(rl_kern_threads(rl_kern_best_isa(), 128, 64, 64, 3), 1);
    same_runs("sac", "pendulum-v1", "envs=2,hidden=64x64,batch=128,warmup=256", 700);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, ppo_same_bits);
    tcase_add_test(tc, sac_same_bits);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
