/* swimmer-v1 throughput against its ceiling, measured in one run:
 *   raw     a bare loop of 15 mj_step per control step on the env's own model
 *   env     rl_env_step with random actions (1 env)
 *   vec     rl_vec_step over 16 envs with 1 and 2 threads (2T: the vector env
 *           picks serial or pool steps by measuring both; "pool": every
 *           step through the pool, to show the hand-off cost alone)
 *   raw 2T  two bare loops on two threads, each with its own mjData and
 *           no synchronisation (what two processes reach): the ceiling
 * Each repetition runs all of them back to back so that machine noise hits
 * each alike; the table shows medians of the per-repetition ratios:
 * env / raw (target >= 0.95), vec 2T / 1T, raw 2T / 1T, and vec 2T / raw 2T
 * (the vector env against the ceiling, target >= 0.95; the ceiling is the
 * mean of a raw 2T run just before and one just after). The load average
 * is printed before and after: on a loaded machine the second thread finds
 * no free core and every 2-thread figure falls.
 * Usage: bench_swimmer [control_steps_per_run_for_links_6 [repetitions]] */
#include <mujoco/mujoco.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rltool.h"
#include "envs/mujoco/swimmer.h"
#include "envs/vec.h"
#include "bench/bench_util.h"

#define MAX_REPS 25
#define VEC_ENVS 16

static void die(const char *what)
{
    fprintf(stderr, "bench_swimmer: %s: %s\n", what, rl_last_error());
    exit(1);
}

/* Control steps per second of the bare MuJoCo loop. */
static double raw_run(const mjModel *m, mjData *d, int substeps, int steps, rl_rng *rng)
{
    mj_resetData(m, d);
    mj_forward(m, d);
    double t0 = bench_now();
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < m->nu; i++) d->ctrl[i] = rl_rng_range(rng, -1.0, 1.0);
        for (int k = 0; k < substeps; k++) mj_step(m, d);
    }
    return steps / (bench_now() - t0);
}

/* The machine's own 2-thread ceiling: two bare loops on two mjData at once. */
typedef struct raw_job {
    const mjModel *m;
    mjData *d;
    int substeps, steps;
    rl_rng rng;
} raw_job;

static void *raw_thread(void *p)
{
    raw_job *j = p;
    raw_run(j->m, j->d, j->substeps, j->steps, &j->rng);
    return NULL;
}

static double raw_run2(const mjModel *m, mjData *d[2], int substeps, int steps)
{
    raw_job jobs[2];
    pthread_t th;
    for (int i = 0; i < 2; i++) {
        jobs[i] = (raw_job){m, d[i], substeps, steps / 2, {0, 0}};
        rl_rng_seed(&jobs[i].rng, 9, (uint64_t)i);
    }
    double t0 = bench_now();
    if (pthread_create(&th, NULL, raw_thread, &jobs[1])) return 0;
    raw_thread(&jobs[0]);
    pthread_join(th, NULL);
    return 2.0 * (steps / 2) / (bench_now() - t0);
}

static double env_run(rl_env *env, int steps, rl_rng *rng)
{
    float a[RL_SWIMMER_MAX_LINKS];
    int na = env->act_space.dim;
    rl_env_reset(env, 1);
    double t0 = bench_now();
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < na; i++) a[i] = (float)rl_rng_range(rng, -1.0, 1.0);
        if (rl_env_step(env, a)) die("rl_env_step");
        if (env->info->done) rl_env_reset(env, -1);
    }
    return steps / (bench_now() - t0);
}

static double vec_run(rl_vec *v, int steps_per_env, rl_rng *rng)
{
    int n = rl_vec_num_envs(v), na = rl_vec_env(v, 0)->act_space.dim;
    rl_vec_reset(v, 1);
    double t0 = bench_now();
    for (int s = 0; s < steps_per_env; s++) {
        float *a = rl_vec_actions(v);
        for (int i = 0; i < n * na; i++) a[i] = (float)rl_rng_range(rng, -1.0, 1.0);
        if (rl_vec_step(v, NULL)) die("rl_vec_step");
    }
    return (double)steps_per_env * n / (bench_now() - t0);
}

static void print_load(const char *when)
{
    char buf[128] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
        fclose(f);
    }
    printf("load average %s: %s", when, buf);
}

int main(int argc, char **argv)
{
    int base_steps = argc > 1 ? atoi(argv[1]) : 20000;
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (base_steps < 16 || reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "usage: bench_swimmer [steps >= 16 [repetitions 1..%d]]\n", MAX_REPS);
        return 2;
    }
    static const int links[] = {6, 15};
    printf("## swimmer-v1 throughput (control steps/s = 15 physics steps each), median of %d\n\n",
           reps);
    print_load("before");
    printf("\n| links | raw mj_step | 1 env | env / raw | vec %d envs 1T | vec 2T | vec 2T / 1T |"
           " raw 2T / 1T | vec 2T / raw 2T | pool 2T / raw 2T |\n", VEC_ENVS);
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < sizeof links / sizeof links[0]; k++) {
        int n = links[k];
        int steps = base_steps * 6 / n; /* cost grows about linearly in links */
        char opts[32];
        snprintf(opts, sizeof opts, "links=%d", n);
        rl_env *env = rl_env_make("swimmer-v1", opts);
        if (!env) die(opts);
        rl_sim *sim = rl_swimmer_sim(env);
        mjData *raw = mj_makeData(sim->m);
        mjData *raw2[2] = {mj_makeData(sim->m), mj_makeData(sim->m)};
        rl_vec *v1 = rl_vec_make("swimmer-v1", opts, VEC_ENVS, 1);
        rl_vec *v2 = rl_vec_make("swimmer-v1", opts, VEC_ENVS, 2);
        rl_vec *vp = rl_vec_make("swimmer-v1", opts, VEC_ENVS, 2);
        if (!raw || !raw2[0] || !raw2[1] || !v1 || !v2 || !vp) die("setup");
        rl_vec_always_parallel(vp, 1);
        rl_rng rng;
        rl_rng_seed(&rng, 3, 0);
        double r_raw[MAX_REPS], r_env[MAX_REPS], r_ratio[MAX_REPS], r_v1[MAX_REPS];
        double r_v2[MAX_REPS], r_scale[MAX_REPS], r_raw2[MAX_REPS], r_ceil[MAX_REPS];
        double r_pool[MAX_REPS];
        env_run(env, steps / 10, &rng); /* warm caches and page in */
        for (int r = 0; r < reps; r++) {
            r_raw[r] = raw_run(sim->m, raw, sim->n_substeps, steps, &rng);
            r_env[r] = env_run(env, steps, &rng);
            r_ratio[r] = r_env[r] / r_raw[r];
            r_v1[r] = vec_run(v1, steps / VEC_ENVS, &rng);
            double two = raw_run2(sim->m, raw2, sim->n_substeps, steps);
            r_v2[r] = vec_run(v2, steps / VEC_ENVS, &rng);
            double pool = vec_run(vp, steps / VEC_ENVS, &rng);
            two = 0.5 * (two + raw_run2(sim->m, raw2, sim->n_substeps, steps));
            r_scale[r] = r_v2[r] / r_v1[r];
            r_raw2[r] = two / r_raw[r];
            r_ceil[r] = r_v2[r] / two;
            r_pool[r] = pool / two;
        }
        printf("| %d | %.0f | %.0f | %.3f | %.0f | %.0f | %.2f | %.2f | %.3f | %.3f |\n", n,
               bench_median(r_raw, reps), bench_median(r_env, reps), bench_median(r_ratio, reps),
               bench_median(r_v1, reps), bench_median(r_v2, reps), bench_median(r_scale, reps),
               bench_median(r_raw2, reps), bench_median(r_ceil, reps), bench_median(r_pool, reps));
        fflush(stdout);
        mj_deleteData(raw);
        mj_deleteData(raw2[0]);
        mj_deleteData(raw2[1]);
        rl_vec_free(v1);
        rl_vec_free(v2);
        rl_vec_free(vp);
        rl_env_free(env);
    }
    printf("\nratios are medians of per-repetition ratios (all columns run back to back).\n");
    print_load("after");
    return 0;
}
