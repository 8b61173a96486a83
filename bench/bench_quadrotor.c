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
 *
 * Training to hover (the benchmark), with the embedded recipe unless
 * an agent is named:
 *   bench_quadrotor train [AGENT|-] [STEPS] [SEEDS] [HPARAMS] [ENV_OPTS] [THREADS]
 * trains SEEDS seeds (default 3) with rl_train into /tmp/bench_quadrotor/
 * (THREADS env-stepping threads, default 0: all cores),
 * then evaluates every checkpoint of each run on the hover criterion: 95 %
 * of 100 evaluation episodes (random starts, deterministic policy) alive for
 * the full 5 s and mean final position error below 0.1 m. It prints, per
 * seed, the first checkpoint that passes (env steps and training wall time
 * from metrics.csv, evaluation excluded), the final policy's figures, and
 * the final policy flown on the other body distribution (randomize=1 for a
 * policy trained on the nominal body, and vice versa).
 *   bench_quadrotor eval CHECKPOINT_OR_RUN_DIR [EPISODES] [ENV_OPTS]
 * evaluates one policy the same way (ENV_OPTS, e.g. randomize=1, overrides
 * the body it is flown on).
 *
 * Usage: bench_quadrotor [control_steps_per_run] */
#include <mujoco/mujoco.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rltool.h"
#include "envs/mujoco/quadrotor.h"
#include "bench/bench_util.h"

#define REPS 5
#define VEC_ENVS 16
#define EPISODE 500
#define NOISE 0.05

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
    double t0 = bench_now();
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
    return steps / (bench_now() - t0);
}

static double env_run(rl_env *env, int steps, int random, rl_rng *rng)
{
    float a[4];
    rl_env_reset(env, 1);
    double t0 = bench_now();
    for (int s = 0; s < steps; s++) {
        double ah = hover_action(env);
        for (int i = 0; i < 4; i++)
            a[i] = (float)(random ? rl_rng_range(rng, -1.0, 1.0)
                                  : ah + rl_rng_range(rng, -NOISE, NOISE));
        if (rl_env_step(env, a)) die("rl_env_step");
        if (env->info->done) rl_env_reset(env, -1);
    }
    return steps / (bench_now() - t0);
}

static double vec_run(rl_vec *v, int steps_per_env, double a_hover, rl_rng *rng)
{
    int n = rl_vec_num_envs(v);
    rl_vec_reset(v, 1);
    double t0 = bench_now();
    for (int s = 0; s < steps_per_env; s++) {
        float *a = rl_vec_actions(v);
        for (int i = 0; i < n * 4; i++) a[i] = (float)(a_hover + rl_rng_range(rng, -NOISE, NOISE));
        if (rl_vec_step(v, NULL)) die("rl_vec_step");
    }
    return (double)steps_per_env * n / (bench_now() - t0);
}

/* ------------------------------------------------------------ training */

#define EVAL_EPISODES 100
#define EVAL_SEED 12345
#define ALIVE_BAR 0.95
#define ERROR_BAR 0.1

typedef struct hover_eval {
    double alive;       /* fraction of episodes that flew the full 5 s */
    double final_error; /* mean final position error of those, m */
    double mean_return;
} hover_eval;

static int passes(const hover_eval *e) { return e->alive >= ALIVE_BAR && e->final_error < ERROR_BAR; }

/* Fly `episodes` hover episodes with the deterministic policy. */
static int eval_hover(rl_agent *ag, const char *env_opts, int episodes, hover_eval *out)
{
    rl_env *env = rl_env_make("quadrotor-hover-v1", env_opts);
    if (!env) return rl_last_code();
    int alive = 0;
    double err = 0, ret = 0;
    float a[4];
    for (int e = 0; e < episodes; e++) {
        rl_env_reset(env, EVAL_SEED + e);
        rl_agent_reset_state(ag, -1);
        while (!env->info->done) {
            int rc = rl_agent_act(ag, env->obs, 1, a, 1);
            if (!rc) rc = rl_env_step(env, a);
            if (rc) {
                rl_env_free(env);
                return rc;
            }
        }
        ret += env->info->episode_return;
        if (*env->truncated) {
            alive++;
            err += env->info->extra[0]; /* position_error */
        }
    }
    rl_env_free(env);
    out->alive = (double)alive / episodes;
    out->final_error = alive ? err / alive : INFINITY;
    out->mean_return = ret / episodes;
    return RL_OK;
}

static int eval_path(const char *path, const char *env_opts, int episodes, hover_eval *out)
{
    rl_agent *ag = rl_agent_load(path);
    if (!ag) return rl_last_code();
    int rc = eval_hover(ag, env_opts, episodes, out);
    rl_agent_free(ag);
    return rc;
}

/* Training wall time at `step` from the run's metrics.csv (the first row at
 * or past it). */
static double wall_at(const char *dir, long long step)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/metrics.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f) return NAN;
    double wall = NAN;
    while (fgets(line, sizeof line, f)) {
        long long s;
        double w;
        if (sscanf(line, "%lld,%lf", &s, &w) == 2) {
            wall = w;
            if (s >= step) break;
        }
    }
    fclose(f);
    return wall;
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return (x > y) - (x < y);
}

/* Checkpoint steps of a run directory, ascending. */
static int list_checkpoints(const char *dir, long long *steps, int cap)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) && n < cap) {
        long long s;
        char tail[8];
        if (sscanf(de->d_name, "step-%lld.%7s", &s, tail) == 2 && !strcmp(tail, "rlt"))
            steps[n++] = s;
    }
    closedir(d);
    qsort(steps, (size_t)n, sizeof steps[0], cmp_ll);
    return n;
}

static int train_main(int argc, char **argv)
{
    const char *agent = argc > 2 && strcmp(argv[2], "-") ? argv[2] : NULL;
    long long steps = argc > 3 ? atoll(argv[3]) : 0;
    int seeds = argc > 4 ? atoi(argv[4]) : 3;
    const char *hparams = argc > 5 && argv[5][0] ? argv[5] : NULL;
    const char *env_opts = argc > 6 && argv[6][0] ? argv[6] : NULL;
    int threads = argc > 7 ? atoi(argv[7]) : 0;
    printf("## quadrotor-hover-v1 training: %s agent, %s steps, hparams %s, env %s, "
           "%d threads (0: all)\n\n", agent ? agent : "recipe", steps ? argv[3] : "recipe",
           hparams ? hparams : "recipe", env_opts ? env_opts : "default", threads);
    printf("criterion: >= %.0f %% of %d episodes alive 5 s, mean final error < %.2f m\n\n",
           100 * ALIVE_BAR, EVAL_EPISODES, ERROR_BAR);
    /* The machine is shared: CPU seconds (all threads of this process) are
     * the load-independent figure; on an idle machine with one stepping
     * thread they are close to the wall time. */
    printf("| seed | steps to pass | train wall s to pass | total wall s | total CPU s |"
           " final alive | final error m | final return | alive on the other bodies |\n");
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int seed = 1; seed <= seeds; seed++) {
        char dir[512];
        snprintf(dir, sizeof dir, "/tmp/bench_quadrotor/%s-s%d", agent ? agent : "recipe", seed);
        rl_train_cfg cfg = {0};
        cfg.env_id = "quadrotor-hover-v1";
        cfg.env_opts = env_opts;
        cfg.agent = agent;
        cfg.hparams = hparams;
        cfg.steps = steps;
        cfg.seed = (uint64_t)seed;
        cfg.out_dir = dir;
        cfg.overwrite = 1; /* each bench run trains afresh */
        cfg.n_threads = threads;
        double t0 = bench_now(), c0 = bench_cpu_now();
        if (rl_train(&cfg)) die("rl_train");
        double total = bench_now() - t0, cpu = bench_cpu_now() - c0;
        long long ck[64];
        int n = list_checkpoints(dir, ck, 64);
        long long pass_step = -1;
        for (int i = 0; i < n && pass_step < 0; i++) {
            char path[1024];
            snprintf(path, sizeof path, "%s/step-%lld.rlt", dir, ck[i]);
            hover_eval ev;
            if (eval_path(path, env_opts, EVAL_EPISODES, &ev)) die(path);
            if (passes(&ev)) pass_step = ck[i];
        }
        hover_eval fin, other;
        if (eval_path(dir, env_opts, EVAL_EPISODES, &fin)) die(dir);
        /* Robustness across bodies: fly the final policy on the other body
         * distribution than it was trained on. */
        int trained_dr = env_opts && strstr(env_opts, "randomize=1");
        if (eval_path(dir, trained_dr ? "randomize=0" : "randomize=1", EVAL_EPISODES, &other))
            die(dir);
        if (pass_step < 0 && passes(&fin)) pass_step = -2; /* only the final one */
        char ps[32], pw[32];
        if (pass_step >= 0) {
            snprintf(ps, sizeof ps, "%lld", pass_step);
            snprintf(pw, sizeof pw, "%.1f", wall_at(dir, pass_step));
        } else {
            snprintf(ps, sizeof ps, "%s", pass_step == -2 ? "final" : "not reached");
            snprintf(pw, sizeof pw, "-");
        }
        printf("| %d | %s | %s | %.1f | %.1f | %.2f | %.3f | %.1f | %.2f |\n", seed, ps, pw, total,
               cpu, fin.alive, fin.final_error, fin.mean_return, other.alive);
        fflush(stdout);
    }
    return 0;
}

static int eval_main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_quadrotor eval CHECKPOINT_OR_RUN_DIR [EPISODES] [ENV_OPTS]\n");
        return 2;
    }
    int episodes = argc > 3 ? atoi(argv[3]) : EVAL_EPISODES;
    const char *env_opts = argc > 4 ? argv[4] : NULL;
    hover_eval ev;
    if (eval_path(argv[2], env_opts, episodes, &ev)) die(argv[2]);
    printf("%s: alive %.2f, mean final error %.3f m, mean return %.1f: %s\n", argv[2], ev.alive,
           ev.final_error, ev.mean_return, passes(&ev) ? "PASS" : "fail");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "train")) return train_main(argc, argv);
    if (argc > 1 && !strcmp(argv[1], "eval")) return eval_main(argc, argv);
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
    printf("| %.0f | %.0f | %.3f | %.0f | %.0f | %.0f | %.0f | %.2f |\n", bench_median(r_raw, REPS),
           bench_median(r_env, REPS), bench_median(r_ratio, REPS), bench_median(r_rnd, REPS), bench_median(r_dr, REPS), bench_median(r_v1, REPS),
           bench_median(r_v2, REPS), bench_median(r_scale, REPS));
    printf("\nratios are medians of per-repetition ratios (raw and env run back to back).\n");
    mj_deleteData(raw);
    rl_vec_free(v1);
    rl_vec_free(v2);
    rl_env_free(env);
    rl_env_free(rnd);
    rl_env_free(dr);
    return 0;
}
