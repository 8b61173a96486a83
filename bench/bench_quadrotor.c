/* quadrotor-hover-v1 throughput against its ceiling, measured in one run:
 *   raw     a bare loop of 5 mj_step per control step on the env's own model,
 *           same controls, mj_resetData every 500 control steps
 *   env     rl_env_step (1 env) with the same near-hover controls
 *           (hover +- 0.05, so episodes run their full 500 steps)
 *   rand    rl_env_step with uniform random actions: crashes every few dozen
 *           steps, so resets weigh in
 *   dr      as env, with randomize=1 (private model, new body per episode)
 *   vec     rl_vec_step over 16 envs with 1 and 2 threads
 * Each repetition runs raw and env back to back so that machine noise hits
 * both; the table shows medians of 5 repetitions and the ratio env / raw.
 * Usage: bench_quadrotor [control_steps_per_run] */
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "rltool.h"
#include "envs/mujoco/quadrotor.h"

#define REPS 5
#define VEC_ENVS 16
#define EPISODE 500
#define NOISE 0.05

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *x)
{
    qsort(x, REPS, sizeof(double), cmp);
    return x[REPS / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "bench_quadrotor: %s: %s\n", what, rl_last_error());
    exit(1);
}

static double hover_action(const rl_env *env)
{
    rl_quad_body b;
    if (rl_quadrotor_body(env, &b)) die("body");
    return b.hover_action;
}

/* Control steps per second of the bare MuJoCo loop. */
static double raw_run(const mjModel *m, mjData *d, int substeps, int steps, double max_thrust,
                      double a_hover, rl_rng *rng)
{
    double t0 = now();
    for (int s = 0; s < steps; s++) {
        if (s % EPISODE == 0) {
            mj_resetData(m, d);
            for (int i = 0; i < 4; i++) d->act[i] = 0.5 * (a_hover + 1.0) * max_thrust;
            mj_forward(m, d);
        }
        for (int i = 0; i < m->nu; i++) {
            double a = a_hover + rl_rng_range(rng, -NOISE, NOISE);
            d->ctrl[i] = 0.5 * (a + 1.0) * max_thrust;
        }
        for (int k = 0; k < substeps; k++) mj_step(m, d);
    }
    return steps / (now() - t0);
}

static double env_run(rl_env *env, int steps, int random, rl_rng *rng)
{
    float a[4];
    rl_env_reset(env, 1);
    double t0 = now();
    for (int s = 0; s < steps; s++) {
        double ah = hover_action(env);
        for (int i = 0; i < 4; i++)
            a[i] = (float)(random ? rl_rng_range(rng, -1.0, 1.0)
                                  : ah + rl_rng_range(rng, -NOISE, NOISE));
        if (rl_env_step(env, a)) die("rl_env_step");
        if (env->info->done) rl_env_reset(env, -1);
    }
    return steps / (now() - t0);
}

static double vec_run(rl_vec *v, int steps_per_env, double a_hover, rl_rng *rng)
{
    int n = rl_vec_num_envs(v);
    rl_vec_reset(v, 1);
    double t0 = now();
    for (int s = 0; s < steps_per_env; s++) {
        float *a = rl_vec_actions(v);
        for (int i = 0; i < n * 4; i++) a[i] = (float)(a_hover + rl_rng_range(rng, -NOISE, NOISE));
        if (rl_vec_step(v, NULL)) die("rl_vec_step");
    }
    return (double)steps_per_env * n / (now() - t0);
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 50000;
    if (steps < EPISODE) steps = EPISODE;
    /* Level starts: every episode in every loop flies the full 500 steps. */
    const char *opts = "start=level";
    rl_env *env = rl_env_make("quadrotor-hover-v1", opts);
    rl_env *rnd = rl_env_make("quadrotor-hover-v1", NULL);
    rl_env *dr = rl_env_make("quadrotor-hover-v1", "start=level,randomize=1");
    rl_vec *v1 = rl_vec_make("quadrotor-hover-v1", opts, VEC_ENVS, 1);
    rl_vec *v2 = rl_vec_make("quadrotor-hover-v1", opts, VEC_ENVS, 2);
    if (!env || !rnd || !dr || !v1 || !v2) die("setup");
    rl_sim *sim = rl_quadrotor_sim(env);
    rl_quad_body body;
    rl_quadrotor_body(env, &body);
    mjData *raw = mj_makeData(sim->m);
    if (!raw) die("mj_makeData");

    printf("## quadrotor-hover-v1 throughput (control steps/s = 5 physics steps each), "
           "median of %d, %d steps per run\n\n", REPS, steps);
    printf("| raw mj_step | 1 env | env / raw | 1 env random actions | 1 env randomize=1 |"
           " vec %d envs 1T | vec 2T | 2T / 1T |\n", VEC_ENVS);
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    double r_raw[REPS], r_env[REPS], r_ratio[REPS], r_rnd[REPS], r_dr[REPS], r_v1[REPS],
        r_v2[REPS], r_scale[REPS];
    env_run(env, steps / 10, 0, &rng); /* warm caches and page in */
    raw_run(sim->m, raw, sim->n_substeps, steps / 10, body.max_thrust, body.hover_action, &rng);
    for (int r = 0; r < REPS; r++) {
        r_raw[r] = raw_run(sim->m, raw, sim->n_substeps, steps, body.max_thrust,
                           body.hover_action, &rng);
        r_env[r] = env_run(env, steps, 0, &rng);
        r_ratio[r] = r_env[r] / r_raw[r];
        r_rnd[r] = env_run(rnd, steps, 1, &rng);
        r_dr[r] = env_run(dr, steps, 0, &rng);
        r_v1[r] = vec_run(v1, steps / VEC_ENVS, body.hover_action, &rng);
        r_v2[r] = vec_run(v2, steps / VEC_ENVS, body.hover_action, &rng);
        r_scale[r] = r_v2[r] / r_v1[r];
    }
    printf("| %.0f | %.0f | %.3f | %.0f | %.0f | %.0f | %.0f | %.2f |\n", median(r_raw),
           median(r_env), median(r_ratio), median(r_rnd), median(r_dr), median(r_v1),
           median(r_v2), median(r_scale));
    printf("\nratios are medians of per-repetition ratios (raw and env run back to back).\n");
    mj_deleteData(raw);
    rl_vec_free(v1);
    rl_vec_free(v2);
    rl_env_free(env);
    rl_env_free(rnd);
    rl_env_free(dr);
    return 0;
}
