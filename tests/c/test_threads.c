/* Threads change speed, never results: short seeded PPO, SAC and TLA runs with
 * 1, 2 and 3 threads (env stepping and network updates share the pool)
 * write the same metrics (minus wall-clock columns) and the same final
 * checkpoint tensors, bit for bit; at 3 threads every pass is forced onto
 * the pool (RLTOOL_POOL=always), at 2 the serial / pool choice is measured.
 * Below the training runs: the pool's phases, and an MLP pass is one pool
 * job whatever its depth, with the same bits as on one thread. */
#include <check.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/kernels.h"
#include "core/nn.h"
#include "core/threadpool.h"
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
        if (n == 3) setenv("RLTOOL_POOL", "always", 1);
        train(agent, env, hp, steps, n, dirn);
        unsetenv("RLTOOL_POOL");
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
    /* 4 minibatches of 128 rows through 64x64; max_grad_norm small enough
     * that every minibatch is clipped (both halves of the PPO pair job
     * read the global norm while each scales its own gradients). */
    same_runs("ppo", "pendulum-v1",
              "envs=8,rollout=64,epochs=2,minibatches=4,hidden=64x64,max_grad_norm=0.05",
              2048);
}
END_TEST

START_TEST(sac_same_bits)
{
    same_runs("sac", "pendulum-v1", "envs=2,hidden=64x64,batch=128,warmup=256", 700);
}
END_TEST

/* One pool job: every part adds its index + 1 to its own slot. */
typedef struct {
    atomic_int *hits; /* (n_parts) */
    atomic_int inside, most; /* threads in the function now / at most, seen from inside */
} count_job;

static void count_part(void *ctx, int part, int n_parts)
{
    count_job *j = ctx;
    int now = atomic_fetch_add(&j->inside, 1) + 1, seen = atomic_load(&j->most);
    while (now > seen && !atomic_compare_exchange_weak(&j->most, &seen, now)) {
    }
    volatile double x = 0;
    for (int i = 0; i < 200 * (part % 5); i++) x += i; /* uneven parts */
    atomic_fetch_add(&j->hits[part], part + 1);
    atomic_fetch_sub(&j->inside, 1);
}

/* Every part of every job runs exactly once, whatever the part count, with
 * workers that spin between jobs and workers that went to sleep (the
 * pauses outlast the spin); the pool never has more threads inside a job
 * than it was made with, by its own counter and as seen from inside. */
START_TEST(pool_runs_each_part_once)
{
    static const int parts[] = {1, 2, 3, 7, 64, 1000};
    atomic_int *hits = malloc(1000 * sizeof *hits);
    for (int n = 1; n <= 4; n++) {
        rl_pool *pool = rl_pool_make(n);
        ck_assert_ptr_nonnull(pool);
        count_job j = {.hits = hits};
        atomic_init(&j.inside, 0);
        atomic_init(&j.most, 0);
        long expect_jobs = 0;
        for (int round = 0; round < 300; round++) {
            int whole = round % 7 == 0; /* rl_pool_run: one part per thread */
            int np = whole ? n : parts[round % 6];
            for (int p = 0; p < np; p++) atomic_init(&hits[p], 0);
            if (round % 50 == 49) usleep(2000); /* let the workers fall asleep */
            if (whole) rl_pool_run(pool, count_part, &j);
            else rl_pool_run_parts(pool, count_part, &j, np);
            expect_jobs++;
            for (int p = 0; p < np; p++)
                ck_assert_msg(atomic_load(&hits[p]) == p + 1, "%d threads, %d parts: part %d ran "
                              "%d times", n, np, p, atomic_load(&hits[p]) / (p + 1));
        }
        long jobs;
        int busy;
        rl_pool_stats(pool, &jobs, &busy);
        ck_assert_int_eq(jobs, expect_jobs);
        ck_assert_int_ge(busy, 1);
        ck_assert_int_le(busy, n);
        ck_assert_int_le(atomic_load(&j.most), n);
        rl_pool_free(pool);
    }
    free(hits);
}
END_TEST

/* Phases: every chunk runs once, and every chunk of a phase has finished
 * before any chunk of the next starts (tickets from one counter). */
typedef struct {
    atomic_int ticket;
    atomic_int start[4][64], end[4][64], runs[4][64];
} phase_log;

static void log_chunk(void *ctx, int phase, int chunk)
{
    phase_log *g = ctx;
    atomic_store(&g->start[phase][chunk], atomic_fetch_add(&g->ticket, 1));
    atomic_fetch_add(&g->runs[phase][chunk], 1);
    volatile double x = 0;
    for (int i = 0; i < 300 * (chunk % 4); i++) x += i; /* uneven chunks */
    atomic_store(&g->end[phase][chunk], atomic_fetch_add(&g->ticket, 1));
}

START_TEST(pool_phases_in_order)
{
    phase_log *g = calloc(1, sizeof *g);
    for (int n = 1; n <= 4; n++) {
        rl_pool *pool = rl_pool_make(n);
        long jobs0, jobs1;
        rl_pool_stats(pool, &jobs0, NULL);
        for (int round = 0; round < 200; round++) {
            int np = 1 + round % 4, counts[4];
            for (int p = 0; p < np; p++) counts[p] = (round * 7 + p * 13) % 9 == 0 ? 0 : 1 + (round * 5 + p * 11) % 64;
            memset(g, 0, sizeof *g);
            if (round % 40 == 39) usleep(2000); /* let the workers fall asleep */
            rl_pool_run_phases(round % 3 ? pool : NULL, log_chunk, g, np, counts);
            int prev_end = -1;
            for (int p = 0; p < np; p++) {
                int lo = 1 << 30, hi = -1;
                for (int c = 0; c < counts[p]; c++) {
                    ck_assert_msg(atomic_load(&g->runs[p][c]) == 1, "%d threads: phase %d chunk %d "
                                  "ran %d times", n, p, c, atomic_load(&g->runs[p][c]));
                    if (g->start[p][c] < lo) lo = g->start[p][c];
                    if (g->end[p][c] > hi) hi = g->end[p][c];
                }
                if (counts[p] == 0) continue;
                ck_assert_msg(lo > prev_end, "%d threads: phase %d started before phase %d ended",
                              n, p, p - 1);
                prev_end = hi;
            }
        }
        int busy;
        rl_pool_stats(pool, &jobs1, &busy);
        ck_assert_int_le(busy, n);
        ck_assert_int_le(jobs1 - jobs0, 200);
        rl_pool_free(pool);
    }
    free(g);
}
END_TEST

/* An MLP pass is one pool job, however many layers (forward; backward with
 * and without dX and parameter gradients), and gives the same bits as the
 * pass without a pool, at any batch size and on every kernel path; on the
 * BLAS path, and with the pool refused, passes stay on the calling thread. */
START_TEST(mlp_one_job_per_pass)
{
    static const int batches[] = {1, 3, 5, 64, 257};
    static const int h3[3] = {64, 63, 65}, h1[1] = {40};
    struct { int in, nh; const int *h; int out; rl_act ha, oa; } shapes[] = {
        {8, 3, h3, 5, RL_ACT_TANH, RL_ACT_NONE},
        {17, 1, h1, 1, RL_ACT_RELU, RL_ACT_TANH},
        {6, 0, NULL, 2, RL_ACT_NONE, RL_ACT_NONE}};
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    float *x = malloc(4 * 257 * 17), *dy = malloc(4 * 257 * 5), *dx0 = malloc(4 * 257 * 17),
          *dx = malloc(4 * 257 * 17), *y0 = malloc(4 * 257 * 5);
    for (int i = 0; i < 257 * 17; i++) x[i] = (float)rl_rng_normal(&rng);
    for (int i = 0; i < 257 * 5; i++) dy[i] = (float)rl_rng_normal(&rng);
    for (int sh = 0; sh < 3; sh++) {
        rl_mlp *ref = rl_mlp_make(shapes[sh].in, shapes[sh].nh, shapes[sh].h, shapes[sh].out,
                                  shapes[sh].ha, shapes[sh].oa);
        rl_mlp_init_uniform(ref, &rng);
        float *g0 = malloc(4 * (size_t)ref->n_params);
        for (int path = RL_KERN_PORTABLE; path <= RL_KERN_BLAS; path++) {
            if (!rl_kern_available((rl_kern_path)path)) continue;
            ck_assert_int_eq(rl_mlp_set_kernel(ref, path), RL_OK);
            for (int bi = 0; bi < 5; bi++) {
                int B = batches[bi], in = ref->in, out = ref->out;
                for (int mode = 0; mode < 3; mode++) { /* dx + grads, dx only, grads only */
                    float *want_dx = mode < 2 ? dx0 : NULL;
                    rl_mlp_zero_grad(ref);
                    memcpy(y0, rl_mlp_forward(ref, x, B), 4 * (size_t)B * out);
                    ck_assert_int_eq(rl_mlp_backward(ref, dy, want_dx, mode != 1), RL_OK);
                    memcpy(g0, ref->grads, 4 * (size_t)ref->n_params);
                    for (int n = 1; n <= 3; n++) {
                        for (int force = 1; force >= -1; force -= 2) {
                            rl_pool *pool = rl_pool_make(n);
                            rl_pool_force(pool, force);
                            rl_mlp *m = rl_mlp_clone(ref);
                            rl_mlp_set_pool(m, pool);
                            rl_mlp_zero_grad(m);
                            long j0, j1, j2;
                            rl_pool_stats(pool, &j0, NULL);
                            const float *y = rl_mlp_forward(m, x, B);
                            rl_pool_stats(pool, &j1, NULL);
                            ck_assert_int_eq(rl_mlp_backward(m, dy, want_dx ? dx : NULL, mode != 1),
                                             RL_OK);
                            rl_pool_stats(pool, &j2, NULL);
                            int jobs = n > 1 && force > 0 && path != RL_KERN_BLAS;
                            ck_assert_msg(j1 - j0 == jobs && j2 - j1 == jobs,
                                          "shape %d %s batch %d: %ld and %ld pool jobs, want %d",
                                          sh, rl_kern_name((rl_kern_path)path), B, j1 - j0, j2 - j1,
                                          jobs);
                            ck_assert_msg(!memcmp(y, y0, 4 * (size_t)B * out) &&
                                              (!want_dx || !memcmp(dx, dx0, 4 * (size_t)B * in)) &&
                                              !memcmp(m->grads, g0, 4 * (size_t)m->n_params),
                                          "shape %d %s batch %d mode %d: %d threads differ", sh,
                                          rl_kern_name((rl_kern_path)path), B, mode, n);
                            int busy;
                            rl_pool_stats(pool, NULL, &busy);
                            ck_assert_int_le(busy, n);
                            rl_mlp_free(m);
                            rl_pool_free(pool);
                        }
                    }
                }
            }
        }
        free(g0);
        rl_mlp_free(ref);
    }
    free(x);
    free(dy);
    free(dx0);
    free(dx);
    free(y0);
}
END_TEST

/* Every kind of pass keeps its own serial / pool measurement: SAC's actor
 * alternates a forward on 2B rows, a backward on B rows and acting on one
 * row, and must not lose the measurement of one kind to another (two
 * kinds that shared a slot reset each other on every pass, so the actor's
 * passes never tried the pool). A backward over a row count that changes
 * every time (129-256 rows here, as a critic's over the rows where it is
 * the min) is one kind, not a new one per count that pushes the others
 * out. */
START_TEST(pass_kinds_keep_their_choice)
{
    static const int h[2] = {256, 256};
    rl_pool *pool = rl_pool_make(2);
    rl_pool_force(pool, 0);
    rl_mlp *m = rl_mlp_make(8, 2, h, 4, RL_ACT_RELU, RL_ACT_NONE);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    rl_mlp_init_uniform(m, &rng);
    rl_mlp_set_pool(m, pool);
    float *x = calloc(512 * 8, 4), *dy = calloc(512 * 4, 4), *dx = calloc(512 * 8, 4);
    enum { RUNS = 10 };
    for (int r = 0; r < RUNS; r++) {
        ck_assert_ptr_nonnull(rl_mlp_forward(m, x, 512));
        ck_assert_int_eq(rl_mlp_keep_rows(m, 256), RL_OK);
        ck_assert_int_eq(rl_mlp_backward(m, dy, NULL, 1), RL_OK);
        ck_assert_ptr_nonnull(rl_mlp_forward(m, x, 1));
        ck_assert_ptr_nonnull(rl_mlp_forward(m, x, 256));
        ck_assert_int_eq(rl_mlp_keep_rows(m, 129 + 13 * r), RL_OK);
        ck_assert_int_eq(rl_mlp_backward(m, dy, dx, 0), RL_OK);
    }
    int kinds = 0;
    for (int k = 0; k < 8; k++) {
        if (!m->choice_key[k]) continue;
        kinds++;
        ck_assert_msg(m->choice[k].runs == RUNS, "kind %d measured %lu of %d runs", k,
                      m->choice[k].runs, RUNS);
    }
    ck_assert_int_eq(kinds, 5);
    free(x);
    free(dx);
    free(dy);
    rl_mlp_free(m);
    rl_pool_free(pool);
}
END_TEST

static void busy_us(long us)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do clock_gettime(CLOCK_MONOTONIC, &t);
    while ((t.tv_sec - t0.tv_sec) * 1000000L + (t.tv_nsec - t0.tv_nsec) / 1000 < us);
}

/* The serial / pool choice follows the measured times: a way made slower
 * on purpose is left after a few runs and only probed (one run in
 * RL_POOL_PROBE_EVERY), whichever way it is; runs shorter than min_ns never
 * try the pool; a 1-thread pool and RLTOOL_POOL=never never get it. */
START_TEST(choice_takes_the_faster_way)
{
    rl_pool *pool = rl_pool_make(2);
    for (int slow_pool = 0; slow_pool <= 1; slow_pool++) {
        rl_pool_choice c = {.min_ns = 1000.0};
        int pooled = 0, runs = 3 * RL_POOL_PROBE_EVERY;
        for (int r = 0; r < runs; r++) {
            int p = rl_pool_choice_begin(pool, &c);
            busy_us(p == slow_pool ? 4000 : 200); /* 20x: no preemption flips it */
            rl_pool_choice_end(&c);
            if (r >= RL_POOL_PROBE_EVERY) pooled += p;
        }
        int later = runs - RL_POOL_PROBE_EVERY;
        if (slow_pool)
            ck_assert_msg(pooled <= later / RL_POOL_PROBE_EVERY + 1,
                          "slow pool still taken %d of %d runs", pooled, later);
        else
            ck_assert_msg(pooled >= later - later / RL_POOL_PROBE_EVERY - 1,
                          "fast pool taken only %d of %d runs", pooled, later);
    }
    rl_pool_choice tiny = {.min_ns = 1e9};
    for (int r = 0; r < 200; r++) {
        ck_assert_int_eq(rl_pool_choice_begin(pool, &tiny), 0);
        rl_pool_choice_end(&tiny);
    }
    rl_pool_force(pool, -1);
    rl_pool_choice never = {.min_ns = 0};
    for (int r = 0; r < 200; r++) {
        ck_assert_int_eq(rl_pool_choice_begin(pool, &never), 0);
        rl_pool_choice_end(&never);
    }
    rl_pool *one = rl_pool_make(1);
    rl_pool_force(one, 1);
    rl_pool_choice c1 = {.min_ns = 0};
    ck_assert_int_eq(rl_pool_choice_begin(one, &c1), 0);
    rl_pool_choice_end(&c1);
    ck_assert_int_eq(rl_pool_choice_begin(NULL, &c1), 0);
    rl_pool_choice_end(&c1);
    rl_pool_free(one);
    rl_pool_free(pool);
}
END_TEST

/* A pool whose first run after serial ones is slow (its workers were
 * asleep and had to be woken, here 20x the serial time) but fast when
 * warm is still found faster: a probe's wake-up run is not counted. */
START_TEST(choice_probes_a_warm_pool)
{
    rl_pool *pool = rl_pool_make(2);
    rl_pool_force(pool, 0);
    rl_pool_choice c = {.min_ns = 1000.0};
    int pooled = 0, last = 0, runs = 4 * RL_POOL_PROBE_EVERY;
    for (int r = 0; r < runs; r++) {
        int p = rl_pool_choice_begin(pool, &c);
        busy_us(!p ? 400 : last ? 100 : 8000);
        rl_pool_choice_end(&c);
        if (r >= RL_POOL_PROBE_EVERY) pooled += p;
        last = p;
    }
    int later = runs - RL_POOL_PROBE_EVERY;
    ck_assert_msg(pooled >= later - later / RL_POOL_PROBE_EVERY - 1,
                  "warm pool taken only %d of %d runs", pooled, later);
    rl_pool_free(pool);
}
END_TEST

START_TEST(tla_same_bits)
{
    same_runs("tla", "pendulum-v1", "hidden=64x64,batch=128,warmup=256", 700);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, pool_runs_each_part_once);
    tcase_add_test(tc, pool_phases_in_order);
    tcase_add_test(tc, mlp_one_job_per_pass);
    tcase_add_test(tc, choice_takes_the_faster_way);
    tcase_add_test(tc, pass_kinds_keep_their_choice);
    tcase_add_test(tc, choice_probes_a_warm_pool);
    tcase_add_test(tc, ppo_same_bits);
    tcase_add_test(tc, sac_same_bits);
    tcase_add_test(tc, tla_same_bits);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
