/* Dexterous-hand throughput against its ceiling, measured in one run:
 *   raw   a bare loop of mj_step (20 x 2 ms or, on the faster model of the
 *         v2 tasks and hand-spin, 10 x 4 ms) per control step on the env's
 *         own model, random position targets, mj_resetData at every episode
 *         boundary: the same load on both models, so raw(v2) / raw(v1) is
 *         the model's speed-up
 *   env   rl_env_step (1 env) with the same kind of random actions
 *   vec   rl_vec_step over 16 envs with 1 and 2 threads
 * Each repetition runs raw and env back to back so machine noise hits both;
 * the table shows medians of 5 repetitions and the ratio env / raw.
 *
 * Learning figures of a trained policy (or of the untrained baselines):
 *   bench_hand eval TASK CHECKPOINT_OR_RUN_DIR|random|zero [EPISODES [ENV_OPTS]]
 * runs EPISODES (default 100) seeded episodes with the deterministic policy
 * and prints the success rate, the mean final fingertip distance (reach) or
 * the mean rotation distance at the end of the episode and the drop rate
 * (rotate; hand-rotate-v2 also goals reached per episode) or the episode's
 * mean spin rate and the drop rate (spin), and the difference from the zero-action policy on the same
 * episodes with its standard error. The env takes the run's own options,
 * then ENV_OPTS ("goal_range=3.14159": a curriculum run evaluated on the
 * full task).
 *
 * Learning curves over the checkpoints of training runs:
 *   bench_hand curve TASK OUT.svg EPISODES [--opts ENV_OPTS] RUN_DIR...
 * evaluates every step-N.rlt and final.rlt of each run as above (the
 * zero-action reference with the first run's options), prints a
 * markdown table and plots the mean end-of-episode figure against training
 * steps, one line per run, the zero-action policy as a dashed reference.
 *
 * Usage: bench_hand [control_steps_per_run] */
#include <mujoco/mujoco.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rltool.h"
#include "agents/agent.h"
#include "envs/mujoco/hand.h"
#include "bench/bench_util.h"
#include "core/plot.h"

#define REPS 5
#define VEC_ENVS 16
#define NJ RL_HAND_NJOINT
#define EVAL_SEED 777

static void die(const char *what)
{
    fprintf(stderr, "bench_hand: %s: %s\n", what, rl_last_error());
    exit(1);
}

/* The 1-minute load average, for the table's header ("?" where unknown). */
static const char *bench_loadavg(void)
{
    static char buf[32] = "?";
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%31s", buf) != 1) snprintf(buf, sizeof buf, "?");
        fclose(f);
    }
    return buf;
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
    double succ, first, ret, goals;
    int drops;
    double *final;
} eval_run;

/* Plays `episodes` seeded episodes with agent `ag` (NULL: zero action when
 * `zero`, else uniform random actions). */
/* Tasks with a cube: rotate and spin report their figure in extra[0]. */
static int cube_task(const char *id) { return strstr(id, "rotate") || strstr(id, "spin"); }

static void play(rl_env *env, rl_agent *ag, int zero, int episodes, eval_run *out)
{
    int rotate = cube_task(env->task->id);
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
        if (env->n_info > 2 && strstr(env->task->id, "rotate")) out->goals += env->info->extra[2];
    }
}

/* Mean of run's final figures, and their mean difference from base's on the
 * same episodes with its standard error. */
static void paired(const eval_run *run, const eval_run *base, int episodes, double *mean,
                   double *diff, double *se)
{
    double n = episodes, var = 0;
    *mean = *diff = 0;
    for (int e = 0; e < episodes; e++) {
        *mean += run->final[e] / n;
        *diff += (run->final[e] - base->final[e]) / n;
    }
    for (int e = 0; e < episodes; e++) {
        double d = run->final[e] - base->final[e] - *diff;
        var += d * d / (n - 1);
    }
    *se = sqrt(var / n);
}

/* The agent of a checkpoint or run directory; exits unless it was trained
 * on task `id`. */
static rl_agent *load_for(const char *id, const char *path)
{
    rl_agent *ag = rl_agent_load(path);
    if (!ag) die(path);
    if (strcmp(rl_agent_env_id(ag), id)) {
        fprintf(stderr, "bench_hand: %s was trained on %s, not %s\n", path, rl_agent_env_id(ag),
                id);
        exit(1);
    }
    return ag;
}

/* 1 if the task takes option `name`. */
static int has_opt(const rl_env *env, const char *name)
{
    for (int i = 0; i < env->task->n_opts; i++)
        if (!strcmp(env->task->opts[i].name, name)) return 1;
    return 0;
}

/* The env with the run's options, then `user`, then `extra` (later keys
 * win). */
static rl_env *env_with(const char *id, const rl_agent *ag, const char *user, const char *extra)
{
    const char *parts[3] = {ag ? rl_agent_env_opts(ag) : "", user, extra};
    char opts[2048] = "";
    size_t used = 0;
    for (int i = 0; i < 3; i++)
        if (parts[i] && *parts[i] && used < sizeof opts)
            used += (size_t)snprintf(opts + used, sizeof opts - used, "%s%s", used ? "," : "",
                                     parts[i]);
    rl_env *env = rl_env_make(id, opts);
    if (!env) die(id);
    /* An automatic curriculum (hand-rotate-v3) is for training: evaluation
     * plays the full goal range. */
    if (has_opt(env, "curriculum") && used + 16 < sizeof opts) {
        rl_env_free(env);
        snprintf(opts + used, sizeof opts - used, "%scurriculum=0", used ? "," : "");
        if (!(env = rl_env_make(id, opts))) die(id);
    }
    return env;
}

static int eval(const char *id, const char *policy, int episodes, const char *user)
{
    rl_agent *ag = NULL;
    int zero = !strcmp(policy, "zero"), rnd = !strcmp(policy, "random");
    if (episodes < 2) {
        fprintf(stderr, "bench_hand: episodes must be at least 2, got %d\n", episodes);
        return 2;
    }
    if (!zero && !rnd) ag = load_for(id, policy);
    rl_env *env = env_with(id, ag, user, "");
    /* Tasks whose goal moves on after a success (hand-rotate-v2): the
     * success rate is Gym's, the last step of single-goal episodes
     * (resample=0); goals reached per episode come from the run's own
     * setting, played separately. */
    eval_run goals = {0};
    if (has_opt(env, "resample")) {
        goals.final = calloc((size_t)episodes, sizeof(double));
        if (!goals.final) die("out of memory");
        play(env, ag, zero, episodes, &goals);
        rl_env_free(env);
        env = env_with(id, ag, user, "resample=0");
    }
    int rotate = cube_task(id), spin = strstr(id, "spin") != NULL;
    eval_run run = {0}, base = {0};
    run.final = calloc((size_t)episodes, sizeof(double));
    base.final = calloc((size_t)episodes, sizeof(double));
    if (!run.final || !base.final) die("out of memory");
    play(env, ag, zero, episodes, &run);
    /* The zero-action baseline on the same episodes: the paired difference
     * removes most of the spread that random goals put into either mean. */
    if (!zero) play(env, NULL, 1, episodes, &base);
    double n = episodes, mean, diff = 0, se = 0;
    paired(&run, zero ? &run : &base, episodes, &mean, &diff, &se);
    printf("%s  policy %s  episodes %d\n", id, policy, episodes);
    if (env->info->success >= 0) printf("  success rate       %.3f\n", run.succ / n);
    if (spin) {
        printf("  mean spin rate     over the episode %.3f rad/s\n", mean);
        printf("  drop rate          %.3f\n", run.drops / n);
    } else if (rotate) {
        printf("  rotation distance  after 1 step %.3f rad, at episode end %.3f rad\n",
               run.first / n, mean);
        printf("  drop rate          %.3f\n", run.drops / n);
        if (goals.final)
            printf("  goals reached      %.3f per episode (consecutive successes, resample=1)\n",
                   goals.goals / n);
    } else {
        printf("  mean tip distance  after 1 step %.4f m, at episode end %.4f m\n",
               run.first / n, mean);
    }
    if (!zero)
        printf("  minus zero action  %+.4f %s at episode end (paired, +- %.4f standard error)\n",
               diff, spin ? "rad/s" : (rotate ? "rad" : "m"), se);
    printf("  mean return        %.2f\n", run.ret / n);
    free(run.final);
    free(base.final);
    free(goals.final);
    rl_env_free(env);
    rl_agent_free(ag);
    return 0;
}

/* ------------------------------------------------------------ curves */

#define MAX_POINTS 256

typedef struct {
    long long step;
    char path[1024];
} ckpt_entry;

static int by_step(const void *a, const void *b)
{
    long long x = ((const ckpt_entry *)a)->step, y = ((const ckpt_entry *)b)->step;
    return (x > y) - (x < y);
}

/* step-N.rlt files of a run directory, then final.rlt, in step order. */
static int list_checkpoints(const char *dir, ckpt_entry *out, int cap)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < cap) {
        long long step;
        char tail[8];
        int final = !strcmp(de->d_name, "final.rlt");
        if (!final && (sscanf(de->d_name, "step-%lld.%7s", &step, tail) != 2 || strcmp(tail, "rlt")))
            continue;
        snprintf(out[n].path, sizeof out[n].path, "%s/%s", dir, de->d_name);
        out[n].step = final ? -1 : step;
        n++;
    }
    closedir(d);
    for (int i = 0; i < n; i++) { /* final.rlt: the step count it was saved at */
        if (out[i].step >= 0) continue;
        rl_agent *ag = rl_agent_load(out[i].path);
        if (!ag) die(out[i].path);
        out[i].step = ag->steps_done;
        rl_agent_free(ag);
    }
    qsort(out, (size_t)n, sizeof *out, by_step);
    for (int i = 1; i < n; i++) /* final.rlt repeats the last step-N.rlt */
        if (out[i].step == out[i - 1].step) {
            memmove(out + i - 1, out + i, sizeof *out * (size_t)(n - i));
            n--;
            i--;
        }
    return n;
}

static int curve(const char *id, const char *svg, int episodes, const char *user, int n_runs,
                 char **runs)
{
    if (episodes < 2 || n_runs < 1) {
        fprintf(stderr, "usage: bench_hand curve TASK OUT.svg EPISODES(>=2) [--opts ENV_OPTS] "
                "RUN_DIR...\n");
        return 2;
    }
    int rotate = cube_task(id), spin = strstr(id, "spin") != NULL;
    rl_env *env = env_with(id, NULL, "", "");
    /* Gym's single-goal success, as in eval. */
    const char *extra = has_opt(env, "resample") ? "resample=0" : "";
    rl_env_free(env);
    rl_agent *first = load_for(id, runs[0]);
    env = env_with(id, first, user, extra);
    rl_agent_free(first);
    eval_run base = {0};
    base.final = calloc((size_t)episodes, sizeof(double));
    double *scratch = calloc((size_t)episodes, sizeof(double));
    rl_plot_series *series = calloc((size_t)n_runs, sizeof *series);
    double *xs = calloc((size_t)n_runs * MAX_POINTS, sizeof(double));
    double *ys = calloc((size_t)n_runs * MAX_POINTS, sizeof(double));
    ckpt_entry *ck = calloc(MAX_POINTS, sizeof *ck);
    if (!base.final || !scratch || !series || !xs || !ys || !ck) die("out of memory");
    play(env, NULL, 1, episodes, &base);
    double base_mean, unused, unused_se;
    paired(&base, &base, episodes, &base_mean, &unused, &unused_se);
    const char *unit = spin ? "rad/s" : (rotate ? "rad" : "m");
    const char *what = spin ? "mean spin rate"
                            : (rotate ? "rotation distance at episode end" : "mean tip distance at episode end");
    printf("%s, %d seeded episodes per checkpoint; zero action: %.3f %s at episode end\n\n", id,
           episodes, base_mean, unit);
    printf("| run | steps | %s | minus zero action (paired, +- s.e.) | success | "
           "drops |\n|---|---:|---:|---:|---:|---:|\n", what);
    for (int r = 0; r < n_runs; r++) {
        int n = list_checkpoints(runs[r], ck, MAX_POINTS);
        if (n < 0) {
            fprintf(stderr, "bench_hand: cannot read run directory %s\n", runs[r]);
            return 1;
        }
        for (int i = 0; i < n; i++) {
            rl_agent *ag = load_for(id, ck[i].path);
            rl_env *e = env_with(id, ag, user, extra);
            eval_run run = {.final = scratch};
            play(e, ag, 0, episodes, &run);
            rl_env_free(e);
            rl_agent_free(ag);
            double mean, diff, se;
            paired(&run, &base, episodes, &mean, &diff, &se);
            printf("| %s | %lld | %.3f | %+.3f +- %.3f | %.2f | %.2f |\n", runs[r], ck[i].step,
                   mean, diff, se, run.succ / episodes, (double)run.drops / episodes);
            fflush(stdout);
            xs[r * MAX_POINTS + i] = (double)ck[i].step;
            ys[r * MAX_POINTS + i] = mean;
        }
        series[r] = (rl_plot_series){runs[r], n, xs + r * MAX_POINTS, ys + r * MAX_POINTS, NULL,
                                  NULL};
    }
    char title[160], sub[96];
    snprintf(title, sizeof title, "%s learning curves", id);
    snprintf(sub, sizeof sub, "deterministic policy, %d seeded episodes per point", episodes);
    char ylabel[96];
    snprintf(ylabel, sizeof ylabel, "%s (%s)", what, unit);
    rl_plot_panel panel = {sub, "env steps", ylabel, series, n_runs, base_mean, "zero action"};
    if (rl_plot_svg_write(svg, title, &panel, 1)) {
        fprintf(stderr, "bench_hand: cannot write %s\n", svg);
        return 1;
    }
    printf("\nplot: %s\n", svg);
    free(base.final);
    free(scratch);
    free(series);
    free(xs);
    free(ys);
    free(ck);
    rl_env_free(env);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "eval"))
        return eval(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 100, argc > 5 ? argv[5] : "");
    if (argc >= 2 && !strcmp(argv[1], "curve")) {
        int k = argc > 6 && !strcmp(argv[5], "--opts") ? 7 : 5;
        return curve(argc > 2 ? argv[2] : "", argc > 3 ? argv[3] : "", argc > 4 ? atoi(argv[4]) : 0,
                     k == 7 ? argv[6] : "", argc - k, argv + k);
    }
    int steps = argc > 1 ? atoi(argv[1]) : 2000;
    if (steps < VEC_ENVS) steps = VEC_ENVS;
    printf("control steps per second (0.04 s of physics each), median of %d, %d steps/run; "
           "load %s\n", REPS, steps, bench_loadavg());
    printf("%-15s %10s %10s %7s %10s %10s\n", "task", "raw", "env", "env/raw", "vec16 1t",
           "vec16 2t");
    /* v1 and v2 alternate, so machine noise hits both models alike. */
    throughput("hand-reach-v1", steps);
    throughput("hand-reach-v2", steps);
    throughput("hand-rotate-v1", steps);
    throughput("hand-rotate-v2", steps);
    throughput("hand-spin-v1", steps);
    return 0;
}
