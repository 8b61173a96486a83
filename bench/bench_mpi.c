/* bench_mpi: the cost of the gradient allreduce that data-parallel PPO
 * does once per minibatch (rl_comm_allreduce_mean: one MPI_Allreduce over
 * the flat actor | critic | log-std gradient, then a divide).
 *
 *   mpirun --allow-run-as-root --oversubscribe -np 2 build/bench_mpi
 *
 * Prints, per buffer size, the median and mean microseconds per call (the
 * slowest rank's time) and the implied bandwidth. Without mpirun (or an MPI
 * build) it says so and exits 0, so `make bench` stays green. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agents/comm.h"
#include "rltool.h"
#include "bench/bench_util.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* PPO's parameter count on a task with the default 64x64 MLPs. */
static int ppo_params(const char *env_id)
{
    rl_env *e = rl_env_make(env_id, NULL);
    if (!e) return 0;
    int od = rl_env_obs_space(e)->dim, ad = rl_env_act_space(e)->dim;
    rl_env_free(e);
    int actor = od * 64 + 64 + 64 * 64 + 64 + 64 * ad + ad;
    int critic = od * 64 + 64 + 64 * 64 + 64 + 64 + 1;
    return actor + critic + ad;
}

int main(void)
{
    if (!rl_comm_compiled() || !rl_comm_launched()) {
        printf("bench_mpi: run under mpirun with 2+ ranks (built %s MPI); nothing measured\n",
               rl_comm_compiled() ? "with" : "without");
        return 0;
    }
    if (rl_comm_init()) {
        fprintf(stderr, "bench_mpi: %s\n", rl_last_error());
        return 1;
    }
    int K = rl_comm_size(), me = rl_comm_rank();
    int sw = ppo_params("swimmer-v1");
    int sizes[] = {sw, 1000, 10000, 100000, 1000000};
    const char *what[] = {"PPO swimmer-v1 64x64", "", "", "", ""};
    if (!me)
        printf("allreduce-mean over %d ranks (float32, MPI_SUM then / K)\n"
               "%10s  %10s  %10s  %10s  %s\n", K, "floats", "median_us", "mean_us", "MB/s", "");
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        int n = sizes[s], reps = n >= 1000000 ? 50 : (n >= 100000 ? 200 : 2000);
        float *x = malloc(sizeof(float) * (size_t)n);
        double *t = malloc(sizeof(double) * (size_t)reps);
        if (!x || !t) return 1;
        for (int i = 0; i < n; i++) x[i] = (float)(i % 97) * 1e-3f;
        for (int w = 0; w < 20; w++) rl_comm_allreduce_mean(x, n);
        for (int r = 0; r < reps; r++) {
            double t0 = bench_now();
            if (rl_comm_allreduce_mean(x, n)) {
                fprintf(stderr, "bench_mpi: %s\n", rl_last_error());
                return 1;
            }
            t[r] = bench_now() - t0;
        }
        /* The slowest rank decides: take every rank's per-call max. */
        rl_comm_allreduce_sum_double(t, 0); /* keep ranks in step */
        double *mx = malloc(sizeof(double) * (size_t)reps * K);
        for (int r = 0; r < reps * K; r++) mx[r] = 0;
        memcpy(mx + (size_t)me * reps, t, sizeof(double) * (size_t)reps);
        rl_comm_allreduce_sum_double(mx, reps * K);
        double mean = 0;
        for (int r = 0; r < reps; r++) {
            double m = 0;
            for (int k = 0; k < K; k++)
                if (mx[(size_t)k * reps + r] > m) m = mx[(size_t)k * reps + r];
            t[r] = m;
            mean += m / reps;
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        if (!me)
            printf("%10d  %10.1f  %10.1f  %10.0f  %s\n", n, 1e6 * t[reps / 2], 1e6 * mean,
                   4.0 * n / t[reps / 2] / 1e6, what[s]);
        free(mx);
        free(x);
        free(t);
    }
    return 0;
}
