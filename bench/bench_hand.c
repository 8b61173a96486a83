/* Dexterous-hand throughput against its ceiling, measured in one run:
 *   raw   a bare loop of 20 mj_step per control step on the env's own model
 *         (the compiled hand of hand-reach-v1 / hand-rotate-v1), random
 *         position targets, mj_resetData at every episode boundary
 *   env   rl_env_step (1 env) with the same kind of random actions
 *   vec   rl_vec_step over 16 envs with 1 and 2 threads
 * Each repetition runs raw and env back to back so machine noise hits both;
 * the table shows medians of 5 repetitions and the ratio env / raw.
 *
 * Learning figures of a trained policy (or of the untrained baselines):
 *   bench_hand eval TASK CHECKPOINT_OR_RUN_DIR|random|zero [EPISODES]
 * runs EPISODES (default 100) seeded episodes with the deterministic policy
 * and prints the success rate, the mean final fingertip distance (reach) or
 * the mean rotation distance at the end of the episode and the drop rate
 * (rotate), and the difference from the zero-action policy on the same
 * episodes with its standard error.
 *
 * Usage: bench_hand [control_steps_per_run] */
#include <mujoco/mujoco.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rltool.h"
#include "envs/mujoco/hand.h"
#include "bench/bench_util.h"

#define REPS 5
#define VEC_ENVS 16
#define NJ RL_HAND_NJOINT
#define EVAL_SEED 777

static void die(const char *what)
{
    fprintf(stderr, "bench_hand: %s: %s\n", what, rl_last_error());
    exit(1);
}

/* Control steps per second of the bare MuJoCo loop. */
static double raw_run(const mjModel *m, mjData *d, int substeps, int episode, int steps,
                      rl_rng *rng)
{
    double t0 = bench_now();
    for (int s = 0; s < steps; s++) {
        if (s % episode == 0) {
            mj_resetData(m, d);
            mj_forward(m, d);
        }
        for (int i = 0; i < m->nu; i++) {
            const mjtNum *r = m->actuator_ctrlrange + 2 * i;
            d->ctrl[i] = rl_rng_range(rng, r[0], r[1]);
        }
        for (int k = 0; k < substeps; k++) mj_step(m, d);
    }
    return steps / (bench_now() - t0);
}

static double env_run(rl_env *env, int steps, rl_rng *rng)
{
    float a[NJ];
    rl_env_reset(env, 1);
    double t0 = bench_now();
    for (int s = 0; s < steps; s++) {
        for (int i = 0; i < NJ; i++) a[i] = (float)rl_rng_range(rng, -1.0, 1.0);
        if (rl_env_step(env, a)) die("rl_env_step");
        if (env->info->done) rl_env_reset(env, -1);
    }
    return steps / (bench_now() - t0);
}

static double vec_run(rl_vec *v, int steps_per_env, rl_rng *rng)
{
    int n = rl_vec_num_envs(v);
    rl_vec_reset(v, 1);
    double t0 = bench_now();
    for (int s = 0; s < steps_per_env; s++) {
        float *a = rl_vec_actions(v);
        for (int i = 0; i < n * NJ; i++) a[i] = (float)rl_rng_range(rng, -1.0, 1.0);
        if (rl_vec_step(v, NULL)) die("rl_vec_step");
    }
    return (double)steps_per_env * n / (bench_now() - t0);
}

static void throughput(const char *id, int steps)
{
    rl_env *env = rl_env_make(id, NULL);
    if (!env) die(id);
    rl_sim *sim = rl_hand_sim(env);
    mjData *d = mj_makeData(sim->m);
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    int episode = rl_env_max_steps(env);
    double raw[REPS], one[REPS], v1[REPS], v2[REPS];
    rl_vec *vec1 = rl_vec_make(id, NULL, VEC_ENVS, 1);
    rl_vec *vec2 = rl_vec_make(id, NULL, VEC_ENVS, 2);
    if (!vec1 || !vec2) die("rl_vec_make");
    for (int r = 0; r < REPS; r++) {
        raw[r] = raw_run(sim->m, d, sim->n_substeps, episode, steps, &rng);
        one[r] = env_run(env, steps, &rng);
        v1[r] = vec_run(vec1, steps / VEC_ENVS, &rng);
        v2[r] = vec_run(vec2, steps / VEC_ENVS, &rng);
    }
    double raw_m = bench_median(raw, REPS), one_m = bench_median(one, REPS);
    printf("%-15s %10.0f %10.0f %7.3f %10.0f %10.0f\n", id, raw_m, one_m, one_m / raw_m,
           bench_median(v1, REPS), bench_median(v2, REPS));
    rl_vec_free(vec1);
    rl_vec_free(vec2);
    mj_deleteData(d);
    rl_env_free(env);
}

/* ------------------------------------------------------------ evaluation */

/* Figures of one policy over seeded episodes. final[e]: the rotation
 * distance (rotate) or mean tip distance (reach) at the end of episode e. */
typedef struct {
    double succ, first, ret;
    int drops;
    double *final;
} eval_run;

/* Plays `episodes` seeded episodes with agent `ag` (NULL: zero action when
 * `zero`, else uniform random actions). */
static void play(rl_env *env, rl_agent *ag, int zero, int episodes, eval_run *out)
{
    int rotate = strstr(env->task->id, "rotate") != NULL;
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    float a[NJ];
    for (int e = 0; e < episodes; e++) {
        rl_env_reset(env, EVAL_SEED + e);
        if (ag) rl_agent_reset_state(ag, -1);
        int t = 0;
        while (!env->info->done) {
            if (ag) {
                if (rl_agent_act(ag, env->obs, 1, a, 1)) die("rl_agent_act");
            } else {
                for (int i = 0; i < NJ; i++) a[i] = zero ? 0.f : (float)rl_rng_range(&rng, -1, 1);
            }
            if (rl_env_step(env, a)) die("rl_env_step");
            if (t++ == 0) out->first += env->info->extra[rotate ? 0 : 1];
        }
        out->succ += env->info->success == 1;
        out->final[e] = env->info->extra[rotate ? 0 : 1];
        out->drops += *env->terminated && !env->info->sim_unstable;
        out->ret += env->info->episode_return;
    }
}

static int eval(const char *id, const char *policy, int episodes)
{
    rl_agent *ag = NULL;
    int zero = !strcmp(policy, "zero"), rnd = !strcmp(policy, "random");
    if (episodes < 2) {
        fprintf(stderr, "bench_hand: episodes must be at least 2, got %d\n", episodes);
        return 2;
    }
    if (!zero && !rnd) {
        ag = rl_agent_load(policy);
        if (!ag) die(policy);
        if (strcmp(rl_agent_env_id(ag), id)) {
            fprintf(stderr, "bench_hand: %s was trained on %s, not %s\n", policy,
                    rl_agent_env_id(ag), id);
            return 1;
        }
    }
    rl_env *env = rl_env_make(id, ag ? rl_agent_env_opts(ag) : NULL);
    if (!env) die(id);
    int rotate = strstr(id, "rotate") != NULL;
    eval_run run = {0}, base = {0};
    run.final = calloc((size_t)episodes, sizeof(double));
    base.final = calloc((size_t)episodes, sizeof(double));
    if (!run.final || !base.final) die("out of memory");
    play(env, ag, zero, episodes, &run);
    /* The zero-action baseline on the same episodes: the paired difference
     * removes most of the spread that random goals put into either mean. */
    if (!zero) play(env, NULL, 1, episodes, &base);
    double n = episodes, mean = 0, diff = 0, var = 0;
    for (int e = 0; e < episodes; e++) mean += run.final[e] / n;
    for (int e = 0; e < episodes && !zero; e++) diff += (run.final[e] - base.final[e]) / n;
    for (int e = 0; e < episodes && !zero; e++) {
        double d = run.final[e] - base.final[e] - diff;
        var += d * d / (n - 1);
    }
    printf("%s  policy %s  episodes %d\n", id, policy, episodes);
    printf("  success rate       %.3f\n", run.succ / n);
    if (rotate) {
        printf("  rotation distance  after 1 step %.3f rad, at episode end %.3f rad\n",
               run.first / n, mean);
        printf("  drop rate          %.3f\n", run.drops / n);
    } else {
        printf("  mean tip distance  after 1 step %.4f m, at episode end %.4f m\n",
               run.first / n, mean);
    }
    if (!zero)
        printf("  minus zero action  %+.4f %s at episode end (paired, +- %.4f standard error)\n",
               diff, rotate ? "rad" : "m", sqrt(var / n));
    printf("  mean return        %.2f\n", run.ret / n);
    free(run.final);
    free(base.final);
    rl_env_free(env);
    rl_agent_free(ag);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "eval"))
        return eval(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 100);
    int steps = argc > 1 ? atoi(argv[1]) : 2000;
    if (steps < VEC_ENVS) steps = VEC_ENVS;
    printf("control steps per second (20 x 2 ms physics each), median of %d, %d steps/run\n",
           REPS, steps);
    printf("%-15s %10s %10s %7s %10s %10s\n", "task", "raw", "env", "env/raw", "vec16 1t",
           "vec16 2t");
    throughput("hand-reach-v1", steps);
    throughput("hand-rotate-v1", steps);
    return 0;
}
