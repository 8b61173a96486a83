/* Can this hand spin the cube at all? An open-loop periodic finger gait,
 * found by a cross-entropy search, played through hand-spin-v1's own delta
 * actions (so it moves no faster than a policy may: action_scale per
 * control step).
 *
 * The gait: every joint's target follows
 *     target_i(t) = start_i + offset_i + amp_i sin(2 pi freq t + phase_i)
 * (t in seconds, clipped to the joint range); each control step sends the
 * action (target_i(t) - current target_i) / action_scale clipped to +-1.
 * 1 + 3 x 21 = 64 numbers. The search scores a gait by its mean spin rate
 * over whole episodes (sum of omega_z / episode length; a drop ends the
 * episode early and costs 1 rad/s) on a few seeded starts, different in
 * every generation.
 *
 *   bench_hand_gait search OUT.txt [GENERATIONS [POP [EPISODES [ENV_OPTS]]]]
 *       prints one row per generation and writes the best gait (64 numbers)
 *   bench_hand_gait eval GAIT.txt [EPISODES [ENV_OPTS]]
 *       mean spin rate and drop rate over seeded episodes (the seeds of
 *       bench_hand eval), which no search generation used
 *   bench_hand_gait torque [ENV_OPTS]
 *       the spin rate a pure torque about the palm normal gives the cube
 *       (applied to the cube's body, the hand holding its start pose): what
 *       the palm's friction resists, without the fingers' geometry
 *
 * The figures this gives (bench/results/hand.md) say what the task allows
 * and what a policy needs: the action scale and rhythm of a working gait. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rltool.h"
#include "envs/mujoco/hand.h"
#include "bench/bench_util.h"

#define NJ RL_HAND_NJOINT
#define NPAR (1 + 3 * NJ)
#define EVAL_SEED 777     /* bench_hand eval's episodes */
#define SEARCH_SEED 10000 /* search episodes: seeds from here on */
#define ELITE_FRAC 0.2
#define DROP_COST 1.0     /* rad/s of fitness a drop costs */

typedef struct {
    double spin, drops, fitness;
} gait_score;

static void die(const char *what)
{
    fprintf(stderr, "bench_hand_gait: %s: %s\n", what, rl_last_error());
    exit(1);
}

/* Keeps a gait's numbers in their meaningful ranges: freq 0.2-3 Hz,
 * amplitudes >= 0. */
static void gait_clamp(double *g)
{
    if (g[0] < 0.2) g[0] = 0.2;
    if (g[0] > 3.0) g[0] = 3.0;
    for (int i = 0; i < NJ; i++)
        if (g[1 + NJ + i] < 0) g[1 + NJ + i] = -g[1 + NJ + i];
}

/* One episode of gait g from seed; returns the score's parts. */
static void gait_episode(rl_env *env, const double *g, double scale, int64_t seed,
                         double *spin, int *dropped)
{
    double lo[NJ], hi[NJ], start[NJ], target[NJ];
    float a[NJ];
    rl_env_reset(env, seed);
    const mjData *d = rl_hand_sim(env)->d;
    for (int i = 0; i < NJ; i++) {
        rl_hand_joint_range(env, i, lo + i, hi + i);
        start[i] = target[i] = d->ctrl[i]; /* reset holds the start pose */
    }
    const double dt = 0.04;
    int t = 0, limit = rl_env_max_steps(env);
    double sum = 0;
    while (!env->info->done) {
        double time = (t + 1) * dt;
        for (int i = 0; i < NJ; i++) {
            double want = start[i] + g[1 + i] +
                          g[1 + NJ + i] * sin(2 * M_PI * g[0] * time + g[1 + 2 * NJ + i]);
            want = want < lo[i] ? lo[i] : (want > hi[i] ? hi[i] : want);
            double u = (want - target[i]) / scale;
            u = u > 1 ? 1 : (u < -1 ? -1 : u);
            a[i] = (float)u;
            target[i] += scale * a[i];
            target[i] = target[i] < lo[i] ? lo[i] : (target[i] > hi[i] ? hi[i] : target[i]);
        }
        if (rl_env_step(env, a)) die("rl_env_step");
        sum += env->info->extra[2]; /* omega_z this step */
        t++;
    }
    *dropped = *env->terminated && !env->info->sim_unstable;
    *spin = sum / limit;
}

static gait_score gait_eval(rl_env *env, const double *g, double scale, int64_t seed0,
                            int episodes)
{
    gait_score s = {0, 0, 0};
    for (int e = 0; e < episodes; e++) {
        double spin;
        int dropped;
        gait_episode(env, g, scale, seed0 + e, &spin, &dropped);
        s.spin += spin / episodes;
        s.drops += (double)dropped / episodes;
    }
    s.fitness = s.spin - DROP_COST * s.drops;
    return s;
}

/* The action scale the env was made with (its resolved options). */
static double env_scale(const rl_env *env)
{
    char buf[1024];
    if (rl_env_options(env, buf, sizeof buf) < 0) die("rl_env_options");
    const char *p = strstr(buf, "action_scale=");
    if (!p) die("hand-spin-v1 has no action_scale option");
    return atof(p + strlen("action_scale="));
}

static int by_fitness_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}

static int search(const char *out, int gens, int pop, int episodes, const char *opts)
{
    rl_env *env = rl_env_make("hand-spin-v1", opts);
    if (!env) die("hand-spin-v1");
    double scale = env_scale(env);
    double mu[NPAR], sd[NPAR], best[NPAR], best_fit = -1e9;
    mu[0] = 1.0;
    sd[0] = 0.5;
    for (int i = 0; i < NJ; i++) {
        mu[1 + i] = 0, sd[1 + i] = 0.4;                 /* offset, rad */
        mu[1 + NJ + i] = 0.1, sd[1 + NJ + i] = 0.2;     /* amplitude, rad */
        mu[1 + 2 * NJ + i] = 0, sd[1 + 2 * NJ + i] = M_PI; /* phase */
    }
    memcpy(best, mu, sizeof best);
    int n_elite = (int)(ELITE_FRAC * pop);
    if (n_elite < 2) n_elite = 2;
    double *cand = malloc(sizeof(double) * NPAR * (size_t)pop);
    double *rank = malloc(sizeof(double) * 2 * (size_t)pop); /* (fitness, index) */
    if (!cand || !rank) die("out of memory");
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    printf("hand-spin-v1 gait search: %d generations x %d gaits x %d episodes, action_scale "
           "%.3f\n\n| gen | best fitness | its spin (rad/s) | its drops | elite mean fitness | "
           "freq (Hz) | s |\n|---:|---:|---:|---:|---:|---:|---:|\n",
           gens, pop, episodes, scale);
    double t0 = bench_now();
    for (int gen = 0; gen < gens; gen++) {
        int64_t seed0 = SEARCH_SEED + (int64_t)gen * episodes;
        gait_score top = {0, 0, -1e9};
        for (int k = 0; k < pop; k++) {
            double *g = cand + (size_t)k * NPAR;
            for (int j = 0; j < NPAR; j++) g[j] = mu[j] + sd[j] * rl_rng_normal(&rng);
            if (k == 0) memcpy(g, mu, sizeof mu); /* the mean itself competes */
            gait_clamp(g);
            gait_score s = gait_eval(env, g, scale, seed0, episodes);
            rank[2 * k] = s.fitness;
            rank[2 * k + 1] = k;
            if (s.fitness > top.fitness) top = s;
            if (s.fitness > best_fit) {
                best_fit = s.fitness;
                memcpy(best, g, sizeof best);
            }
        }
        qsort(rank, (size_t)pop, 2 * sizeof(double), by_fitness_desc);
        double elite_fit = 0;
        for (int j = 0; j < NPAR; j++) {
            double m = 0, v = 0;
            for (int e = 0; e < n_elite; e++) m += cand[(size_t)rank[2 * e + 1] * NPAR + j];
            m /= n_elite;
            for (int e = 0; e < n_elite; e++) {
                double x = cand[(size_t)rank[2 * e + 1] * NPAR + j] - m;
                v += x * x;
            }
            mu[j] = m;
            sd[j] = sqrt(v / n_elite) + (j == 0 ? 0.02 : 0.01);
        }
        for (int e = 0; e < n_elite; e++) elite_fit += rank[2 * e] / n_elite;
        printf("| %d | %.3f | %.3f | %.2f | %.3f | %.2f | %.0f |\n", gen, top.fitness, top.spin,
               top.drops, elite_fit, mu[0], bench_now() - t0);
        fflush(stdout);
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        fprintf(stderr, "bench_hand_gait: cannot write %s\n", out);
        return 1;
    }
    for (int j = 0; j < NPAR; j++) fprintf(f, "%.9g\n", best[j]);
    fclose(f);
    printf("\nbest gait (fitness %.3f on its generation's episodes): %s\n", best_fit, out);
    free(cand);
    free(rank);
    rl_env_free(env);
    return 0;
}

static int eval(const char *path, int episodes, const char *opts)
{
    double g[NPAR];
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_hand_gait: cannot read %s\n", path);
        return 1;
    }
    for (int j = 0; j < NPAR; j++)
        if (fscanf(f, "%lf", g + j) != 1) {
            fprintf(stderr, "bench_hand_gait: %s: expected %d numbers, read %d\n", path, NPAR, j);
            fclose(f);
            return 1;
        }
    fclose(f);
    rl_env *env = rl_env_make("hand-spin-v1", opts);
    if (!env) die("hand-spin-v1");
    gait_score s = gait_eval(env, g, env_scale(env), EVAL_SEED, episodes);
    printf("hand-spin-v1  gait %s  episodes %d  freq %.2f Hz\n", path, episodes, g[0]);
    printf("  mean spin rate     over the episode %.3f rad/s\n", s.spin);
    printf("  drop rate          %.3f\n", s.drops);
    rl_env_free(env);
    return 0;
}

/* Spin rate under a steady torque about z on the cube, 4 s from a start
 * pose with zero action: the mean over the last 3 s, or the step at which
 * the cube fell. */
static int torque(const char *opts)
{
    static const double taus[] = {0.002, 0.005, 0.01, 0.015, 0.02, 0.03, 0.05};
    rl_env *env = rl_env_make("hand-spin-v1", opts);
    if (!env) die("hand-spin-v1");
    rl_sim *sim = rl_hand_sim(env);
    int body = mj_name2id(sim->m, mjOBJ_BODY, "cube");
    float zero[NJ] = {0};
    printf("hand-spin-v1 (%s), steady torque about the palm normal on the cube, zero action\n\n"
           "| torque (N m) | mean spin over 1-4 s (rad/s) | dropped at |\n|---:|---:|---:|\n",
           opts && *opts ? opts : "default options");
    for (size_t k = 0; k < sizeof taus / sizeof taus[0]; k++) {
        rl_env_reset(env, 1);
        double sum = 0;
        int n = 0, t = 0;
        for (; t < 100 && !env->info->done; t++) {
            sim->d->xfrc_applied[6 * body + 5] = taus[k];
            if (rl_env_step(env, zero)) die("rl_env_step");
            if (t >= 25) sum += env->info->extra[2], n++;
        }
        int dropped = *env->terminated && !env->info->sim_unstable;
        char when[32] = "-";
        if (dropped) snprintf(when, sizeof when, "%.2f s", 0.04 * t);
        if (dropped || !n) printf("| %.3f | - | %s |\n", taus[k], when);
        else printf("| %.3f | %.3f | %s |\n", taus[k], sum / n, when);
    }
    rl_env_free(env);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "torque")) return torque(argc > 2 ? argv[2] : "");
    if (argc >= 3 && !strcmp(argv[1], "search"))
        return search(argv[2], argc > 3 ? atoi(argv[3]) : 30, argc > 4 ? atoi(argv[4]) : 40,
                      argc > 5 ? atoi(argv[5]) : 2, argc > 6 ? argv[6] : "");
    if (argc >= 3 && !strcmp(argv[1], "eval"))
        return eval(argv[2], argc > 3 ? atoi(argv[3]) : 100, argc > 4 ? argv[4] : "");
    fprintf(stderr, "usage: bench_hand_gait search OUT.txt [GENERATIONS [POP [EPISODES "
                    "[ENV_OPTS]]]]\n       bench_hand_gait eval GAIT.txt [EPISODES [ENV_OPTS]]\n");
    return 2;
}
