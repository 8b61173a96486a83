/* rltool bench: how `--threads` scales on this machine. The two parts of a
 * training run that run on the pool, each at 1 thread and at all cores:
 *   env stepping   a vector env of 16 envs (swimmer-v1, else the first
 *                  task), random actions, env steps/s; the vector env picks
 *                  serial or pool steps by measuring both
 *   network update forward + backward (with parameter gradients) of a
 *                  256-256 tanh MLP on a batch of 256 rows (SAC's critic
 *                  shape), updates/s
 * Their ratios bound what `--threads N` can give a run (the rest of a run,
 * acting on small batches, GAE, logging, stays on one thread; PPO's
 * minibatch runs actor and critic, Adam steps included, on one thread
 * each). */
#include "cli/bench.h"
#include "cli/cli.h"
#include "core/nn.h"
#include "core/threadpool.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define SCALE_ENVS 16
#define NET_IN 32
#define NET_WIDTH 256
#define NET_BATCH 256

/* Env steps per second of a vector env on `threads` threads. */
static double vec_rate(const char *task, int threads, double secs)
{
    rl_vec *v = rl_vec_make(task, NULL, SCALE_ENVS, threads);
    if (!v || rl_vec_reset(v, 1)) {
        rl_vec_free(v);
        return NAN;
    }
    const rl_space *as = rl_env_act_space(rl_vec_env(v, 0));
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    long long n = 0;
    double t0 = cli_now(), el = 0;
    while (el < secs) {
        for (int k = 0; k < 16; k++) {
            float *a = rl_vec_actions(v);
            for (int i = 0; i < SCALE_ENVS * as->dim; i++)
                a[i] = as->kind == RL_DISCRETE ? (float)rl_rng_below(&rng, (uint32_t)as->n)
                                               : (float)rl_rng_range(&rng, -1.0, 1.0);
            if (rl_vec_step(v, NULL)) {
                rl_vec_free(v);
                return NAN;
            }
            n += SCALE_ENVS;
        }
        el = cli_now() - t0;
    }
    rl_vec_free(v);
    return (double)n / el;
}

/* Forward + backward passes per second of the update-sized MLP. */
static double update_rate(int threads, double secs)
{
    const int hidden[2] = {NET_WIDTH, NET_WIDTH};
    rl_mlp *m = rl_mlp_make(NET_IN, 2, hidden, 1, RL_ACT_TANH, RL_ACT_NONE);
    rl_pool *pool = threads > 1 ? rl_pool_make(threads) : NULL;
    float *x = malloc(sizeof(float) * NET_BATCH * NET_IN), *dy = malloc(sizeof(float) * NET_BATCH);
    double rate = NAN;
    if (m && x && dy && (threads == 1 || pool)) {
        rl_rng rng;
        rl_rng_seed(&rng, 2, 0);
        rl_mlp_init_uniform(m, &rng);
        for (int i = 0; i < NET_BATCH * NET_IN; i++) x[i] = (float)rl_rng_range(&rng, -1.0, 1.0);
        for (int i = 0; i < NET_BATCH; i++) dy[i] = 1.0f / NET_BATCH;
        rl_mlp_set_pool(m, pool);
        long long n = 0;
        double t0 = cli_now(), el = 0;
        while (el < secs) {
            for (int k = 0; k < 8; k++, n++) {
                rl_mlp_zero_grad(m);
                if (!rl_mlp_forward(m, x, NET_BATCH) || rl_mlp_backward(m, dy, NULL, 1)) goto done;
            }
            el = cli_now() - t0;
        }
        rate = (double)n / el;
    }
done:
    rl_mlp_free(m);
    rl_pool_free(pool);
    free(x);
    free(dy);
    return rate;
}

int bench_measure_scaling(double secs, int threads, scale_row rows[2])
{
    const char *task = rl_task_find("swimmer-v1") ? "swimmer-v1" : rl_task_at(0)->id;
    snprintf(rows[0].what, sizeof rows[0].what, "env stepping (%s x%d, env steps/s)", task,
             SCALE_ENVS);
    snprintf(rows[1].what, sizeof rows[1].what, "update (%d-%d MLP, batch %d, updates/s)",
             NET_WIDTH, NET_WIDTH, NET_BATCH);
    for (int r = 0; r < 2; r++) rows[r].threads = threads;
    rows[0].one = vec_rate(task, 1, secs);
    rows[0].many = vec_rate(task, threads, secs);
    rows[1].one = update_rate(1, secs);
    rows[1].many = update_rate(threads, secs);
    return 2;
}

void bench_print_scaling(const scale_row *rows, int n)
{
    if (n <= 0) return;
    printf("\nthread scaling (1 thread vs %d):\n  %-48s %12s %12s %8s\n", rows[0].threads, "",
           "1 thread", NUM("%.0f threads", rows[0].threads), "ratio");
    for (int i = 0; i < n; i++)
        printf("  %-48s %12s %12s %8s\n", rows[i].what, NUM("%.0f", rows[i].one),
               NUM("%.0f", rows[i].many), NUM("%.2f", rows[i].many / rows[i].one));
}

void bench_write_scaling(const char *out, const scale_row *rows, int n)
{
    if (n <= 0) return;
    char path[2200];
    snprintf(path, sizeof path, "%s/scaling.csv", out);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "what,threads,one_thread_per_sec,n_threads_per_sec,ratio\n");
        for (int i = 0; i < n; i++)
            fprintf(f, "\"%s\",%d,%s,%s,%s\n", rows[i].what, rows[i].threads,
                    NUM("%.6g", rows[i].one), NUM("%.6g", rows[i].many),
                    NUM("%.3f", rows[i].many / rows[i].one));
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/results.md", out);
    f = fopen(path, "a");
    if (!f) return;
    fprintf(f, "\n## Thread scaling\n\nThe two parts of a run that `--threads` spreads over the "
               "cores, at 1 thread and at %d (a ratio near %d is the machine's ceiling; on a "
               "machine busy with other work it falls). Acting on small batches, GAE and logging "
               "stay on one thread; a PPO minibatch runs the actor and the critic (Adam steps "
               "included) on one thread each.\n\n| part | 1 thread | %d threads | ratio |\n|---|---|---|---|\n",
            rows[0].threads, rows[0].threads, rows[0].threads);
    for (int i = 0; i < n; i++)
        fprintf(f, "| %s | %s | %s | %s |\n", rows[i].what, NUM("%.0f", rows[i].one),
                NUM("%.0f", rows[i].many), NUM("%.2f", rows[i].many / rows[i].one));
    fclose(f);
}
