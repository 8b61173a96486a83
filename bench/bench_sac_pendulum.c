/* bench_sac_pendulum: SAC on pendulum-v1 in RLtools' timing configuration
 * (10,000 steps, 64-64 ReLU actor and critic, batch 100, Adam 1e-3, 100
 * warm-up steps, gamma 0.99, one env, one thread): wall and CPU time of the
 * whole `rl_train` run (median of 5 seeds) and the final deterministic return
 * over 10 episodes. Also DQN on cartpole-v1 and on pendulum-v1 discretised.
 * Prints a markdown table (DQN rows use at most 3 seeds).
 *
 * Run: build/bench_sac_pendulum [seeds]     (default 5) */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rltool.h"
#include "bench/bench_util.h"
#include "core/kernels.h"

char *openblas_get_corename(void);
int openblas_get_num_threads(void);
void openblas_set_num_threads(int);

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, bench_cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct {
    const char *label, *env, *env_opts, *agent, *hparams;
    int64_t steps;
} job;

static void run(const job *j, int seeds)
{
    double wall[16], cpu[16], ret[16];
    int ok = 0;
    for (int s = 0; s < seeds; s++) {
        char dir[256];
        snprintf(dir, sizeof dir, "/tmp/bench_offpolicy_%s_%s_s%d", j->agent, j->env, s);
        rl_train_cfg cfg = {.env_id = j->env, .env_opts = j->env_opts, .agent = j->agent,
                            .hparams = j->hparams, .steps = j->steps, .seed = (uint64_t)s + 1,
                            .n_threads = 1, .out_dir = dir, .overwrite = 1 /* afresh */};
        double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        int rc = rl_train(&cfg);
        double w1 = clock_s(CLOCK_MONOTONIC), c1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
        if (rc) {
            fprintf(stderr, "%s seed %d: %s\n", j->label, s + 1, rl_last_error());
            continue;
        }
        rl_agent *ag = rl_agent_load(dir);
        rl_eval_result er;
        if (!ag || rl_evaluate(ag, NULL, 10, 1000 + (uint64_t)s, 1, &er)) {
            fprintf(stderr, "%s seed %d: %s\n", j->label, s + 1, rl_last_error());
            rl_agent_free(ag);
            continue;
        }
        rl_agent_free(ag);
        wall[ok] = w1 - w0;
        cpu[ok] = c1 - c0;
        ret[ok] = er.mean_return;
        ok++;
    }
    if (!ok) {
        printf("| %-34s | %6lld | failed |\n", j->label, (long long)j->steps);
        return;
    }
    double rmin = ret[0], rmax = ret[0], rsum = 0;
    for (int i = 0; i < ok; i++) {
        rsum += ret[i];
        rmin = fmin(rmin, ret[i]);
        rmax = fmax(rmax, ret[i]);
    }
    double rmed = median(ret, ok);
    printf("| %-34s | %6lld | %5d | %8.2f | %8.2f | %9.1f | %9.1f | %7.1f .. %7.1f |\n", j->label,
           (long long)j->steps, ok, median(wall, ok), median(cpu, ok), rmed, rsum / ok, rmin, rmax);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    int seeds = argc > 1 ? atoi(argv[1]) : 5;
    if (seeds < 1 || seeds > 16) seeds = 5;
    openblas_set_num_threads(1); /* one core, as the timing configuration asks */
    char kern[256], load[128] = "?";
    rl_kern_describe(kern, sizeof kern);
    FILE *lf = fopen("/proc/loadavg", "r");
    if (lf) {
        if (fgets(load, sizeof load, lf)) load[strcspn(load, "\n")] = 0;
        fclose(lf);
    }
    printf("OpenBLAS core: %s, threads %d; rltool %s; %d seeds\nkernels: %s\nload average: %s\n\n",
           openblas_get_corename(), openblas_get_num_threads(), rl_version(), seeds, kern, load);
    printf("| run                                | steps  | seeds | wall s (median) | cpu s (median) "
           "| return median | return mean | return range |\n");
    printf("|------------------------------------|--------|-------|----------|----------|-----------"
           "|-----------|--------------------|\n");
    const job jobs[] = {
        {"SAC pendulum-v1 (RLtools config)", "pendulum-v1", NULL, "sac",
         "envs=1,hidden=64x64,activation=relu,batch=100,lr=1e-3,warmup=100,gamma=0.99", 10000},
        {"DQN cartpole-v1 (CleanRL recipe)", "cartpole-v1", NULL, "dqn", NULL, 500000},
        {"DQN pendulum-v1 discretize=5", "pendulum-v1", "discretize=5", "dqn", NULL, 30000},
    };
    int only_sac = getenv("BENCH_SAC_ONLY") != NULL;
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++) {
        if (only_sac && i > 0) break;
        run(&jobs[i], i == 0 || seeds < 3 ? seeds : 3); /* DQN: at most 3 seeds */
    }
    return 0;
}
