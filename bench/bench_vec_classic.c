/* Vector-env throughput of the classic tasks with 1 and 2 threads.
 * Prints steps/s (median of 5) and the 2-thread / 1-thread ratio measured in
 * the same run. Usage: bench_vec_classic [n_envs] [steps_per_env] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rltool.h"
#include "bench/bench_util.h"

static double measure(const char *id, int n_envs, int threads, int steps)
{
    rl_vec *v = rl_vec_make(id, NULL, n_envs, threads);
    if (!v) {
        fprintf(stderr, "bench: %s\n", rl_last_error());
        exit(1);
    }
    rl_env *e = rl_vec_env(v, 0);
    int ad = e->act_space.dim;
    int discrete = e->act_space.kind == RL_DISCRETE;
    rl_rng rng;
    rl_rng_seed(&rng, 1, 1);
    float *act = rl_vec_actions(v);
    for (int i = 0; i < n_envs * ad; i++)
        act[i] = discrete ? (float)rl_rng_below(&rng, 2) : (float)rl_rng_range(&rng, -1, 1);
    rl_vec_reset(v, 0);
    double runs[5];
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now();
        for (int s = 0; s < steps; s++) rl_vec_step(v, NULL);
        runs[r] = (double)steps * n_envs / (bench_now() - t0);
    }
    rl_vec_free(v);
    qsort(runs, 5, sizeof(double), bench_cmp_double);
    return runs[2];
}

int main(int argc, char **argv)
{
    int n_envs = argc > 1 ? atoi(argv[1]) : 256;
    int steps = argc > 2 ? atoi(argv[2]) : 2000;
    const char *ids[] = {"cartpole-v1", "pendulum-v1"};
    printf("## vector-env throughput, %d envs, %d steps per env per run, median of 5\n\n", n_envs,
           steps);
    printf("| task | 1 thread steps/s | 2 threads steps/s | 2T / 1T |\n|---|---:|---:|---:|\n");
    for (int k = 0; k < 2; k++) {
        double one = measure(ids[k], n_envs, 1, steps);
        double two = measure(ids[k], n_envs, 2, steps);
        printf("| %s | %.3g | %.3g | %.2f |\n", ids[k], one, two, two / one);
    }
    return 0;
}
