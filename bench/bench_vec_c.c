/* bench_vec_c: throughput of a vector env stepped from C with random
 * actions, and the cost of one single-env rl_env_step call. The reference
 * side of bench/bench_python.py (same ids, env counts, threads, actions
 * pre-generated into a pool of 16 batches and copied in before each step,
 * as the Python side does).
 *
 *   bench_vec_c [id [n_envs [n_threads [steps]]]] [--single]
 *
 * Prints a human line and a machine line:
 *   vec: "RESULT vec <id> <n_envs> <n_threads> <steps> <env steps per sec>"
 *   --single: "RESULT single <id> <steps> <microseconds per step>"
 */
#include "rltool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "bench/bench_util.h"

#define POOL 16

static void random_action(const rl_space *s, rl_rng *rng, float *a)
{
    for (int j = 0; j < s->dim; j++)
        a[j] = s->kind == RL_DISCRETE ? (float)rl_rng_below(rng, (uint32_t)s->n)
                                      : (float)rl_rng_range(rng, -1.0, 1.0);
}

static int bench_vec(const char *id, int n, int threads, long steps)
{
    rl_vec *vec = rl_vec_make(id, NULL, n, threads);
    if (!vec) {
        fprintf(stderr, "bench_vec_c: %s\n", rl_last_error());
        return 1;
    }
    const rl_space *as = rl_env_act_space(rl_vec_env(vec, 0));
    size_t ad = (size_t)as->dim, batch = (size_t)n * ad;
    float *pool = malloc(POOL * batch * sizeof(float));
    if (!pool) return 1;
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    for (size_t i = 0; i < POOL * (size_t)n; i++) random_action(as, &rng, pool + i * ad);
    rl_vec_reset(vec, 0);
    float *actions = rl_vec_actions(vec);
    long warm = steps / 10 + 1;
    for (long t = 0; t < warm; t++) {
        memcpy(actions, pool + (size_t)(t % POOL) * batch, batch * sizeof(float));
        rl_vec_step(vec, NULL);
    }
    double t0 = bench_now();
    for (long t = 0; t < steps; t++) {
        memcpy(actions, pool + (size_t)(t % POOL) * batch, batch * sizeof(float));
        if (rl_vec_step(vec, NULL)) {
            fprintf(stderr, "bench_vec_c: %s\n", rl_last_error());
            return 1;
        }
    }
    double dt = bench_now() - t0;
    double sps = (double)steps * n / dt;
    printf("%s: %d envs, %d threads, %ld batch steps: %.0f env steps/s\n", id, n,
           rl_vec_num_threads(vec), steps, sps);
    printf("RESULT vec %s %d %d %ld %.1f\n", id, n, rl_vec_num_threads(vec), steps, sps);
    free(pool);
    rl_vec_free(vec);
    return 0;
}

static int bench_single(const char *id, long steps)
{
    rl_env *env = rl_env_make(id, NULL);
    if (!env) {
        fprintf(stderr, "bench_vec_c: %s\n", rl_last_error());
        return 1;
    }
    const rl_space *as = rl_env_act_space(env);
    float *pool = malloc(POOL * (size_t)as->dim * sizeof(float));
    if (!pool) return 1;
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    for (int i = 0; i < POOL; i++) random_action(as, &rng, pool + (size_t)i * as->dim);
    rl_env_reset(env, 0);
    double t0 = bench_now();
    for (long t = 0; t < steps; t++) {
        rl_env_step(env, pool + (size_t)(t % POOL) * as->dim);
        if (rl_env_terminated(env) || rl_env_truncated(env)) rl_env_reset(env, -1);
    }
    double us = (bench_now() - t0) * 1e6 / (double)steps;
    printf("%s: single env, %ld steps: %.3f us/step\n", id, steps, us);
    printf("RESULT single %s %ld %.4f\n", id, steps, us);
    free(pool);
    rl_env_free(env);
    return 0;
}

int main(int argc, char **argv)
{
    const char *pos[4] = {"cartpole-v1", "64", "2", "20000"};
    int np = 0, single = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--single")) single = 1;
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: bench_vec_c [id [n_envs [n_threads [steps]]]] [--single]\n");
            return 0;
        } else if (np < 4) pos[np++] = argv[i];
    }
    const char *id = pos[0];
    int n = atoi(pos[1]), threads = atoi(pos[2]);
    long steps = atol(pos[3]);
    if (n < 1 || threads < 1 || steps < 1) {
        fprintf(stderr, "bench_vec_c: n_envs, n_threads and steps must be positive\n");
        return 2;
    }
    if (single) return bench_single(id, np >= 4 ? steps : 1000000);
    return bench_vec(id, n, threads, steps);
}
