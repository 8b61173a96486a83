/* rltool bench | plot: benchmark tasks x agents x seeds and draw learning
 * curves.
 *
 * bench  1. env throughput per task: one env (rl_env_step loop), a vector
 *           env on every core, and for MuJoCo tasks the raw mj_step loop of
 *           the same model with the same substeps (the ceiling);
 *        2. training runs (one child process per run, n_threads = cores /
 *           jobs each), resumable: a run whose final.rlt holds its whole
 *           budget and whose config.txt matches is not redone; an
 *           interrupted one is resumed;
 *        3. each final checkpoint evaluated (10 deterministic episodes) in
 *           the same child, written to eval.txt;
 *        4. results.md / results.csv, throughput.csv, plots/<task>.svg (and
 *           .png when a converter exists), index.md / index.html.
 * plot   the same learning-curve figures for any run directories.
 */
#include "agents/agent.h"
#include "cli/cli.h"
#include "cli/plot.h"
#include "envs/mujoco/sim_access.h"
#include "core/kernels.h"

#include <cblas.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_LIST 32
#define MAX_ENTRIES 64
#define MAX_SEEDS 16
#define MAX_RUNS (MAX_ENTRIES * MAX_SEEDS)
#define EVAL_EPISODES 10
#define EVAL_SEED 12345
#define GRID 120 /* points of an aggregated learning curve */

/* ------------------------------------------------------------------ tables */

/* The task's reward_threshold (metrics.csv return_mean that counts as
 * solving it); NaN when it has none. */
static double threshold_of(const char *task)
{
    const rl_task *t = rl_task_find(task);
    return t && t->has_threshold ? t->reward_threshold : NAN;
}

typedef struct {
    const char *task, *agent;
    long long steps;     /* 0: the recipe's budget */
    const char *hparams; /* on top of the recipe; NULL for none */
} suite_entry;

/* quick: a few tens of thousands of steps per run; all of it, 3 seeds,
 * takes a few minutes on 2 cores. */
static const suite_entry quick_suite[] = {
    {"cartpole-v1", "ppo", 60000, NULL},
    /* CleanRL's DQN learns from 10k steps on and updates every 10th step;
     * for a short budget: learn from 1k, update every step, explore for 20%. */
    {"cartpole-v1", "dqn", 80000, "warmup=1000,train_every=1,explore_frac=0.2,buffer=50000"},
    {"pendulum-v1", "sac", 15000, NULL},
    {"pendulum-v1", "td3", 20000, NULL},
    {"pendulum-v1", "tla", 20000, NULL},
    {"swimmer-v1", "ppo", 60000, NULL},
    {"swimmer-v1", "ncap", 60000, NULL},
};
/* full: the recipes' budgets. */
static const suite_entry full_suite[] = {
    {"cartpole-v1", "ppo", 0, NULL},        {"cartpole-v1", "dqn", 0, NULL},
    {"pendulum-v1", "sac", 0, NULL},        {"pendulum-v1", "td3", 0, NULL},
    {"pendulum-v1", "tla", 0, NULL},        {"pendulum-v1", "ppo", 0, NULL},
    {"swimmer-v1", "ppo", 0, NULL},         {"swimmer-v1", "ncap", 0, NULL},
    {"swimmer-v1", "es", 0, NULL},          {"quadrotor-hover-v1", "ppo", 0, NULL},
    {"quadrotor-hover-v1", "sac", 0, NULL}, {"quadrotor-hover-v1", "td3", 0, NULL},
    {"hand-reach-v1", "ppo", 0, NULL},      {"hand-reach-v1", "sac", 0, NULL},
};

/* ------------------------------------------------------------------ small helpers */

static int mkdir_p(const char *path)
{
    char tmp[2048];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(tmp, 0755) && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static int file_exists(const char *path)
{
    struct stat st;
    return !stat(path, &st) && S_ISREG(st.st_mode);
}

static double file_mtime(const char *path)
{
    struct stat st;
    if (stat(path, &st)) return -1;
    return (double)st.st_mtim.tv_sec + 1e-9 * (double)st.st_mtim.tv_nsec;
}

/* "key: value" line of a text file (config.txt, eval.txt); 1 if found. */
static int read_kv(const char *path, const char *key, char *val, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char line[8192];
    size_t klen = strlen(key);
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) {
        if (strncmp(line, key, klen) || line[klen] != ':') continue;
        const char *v = line + klen + 1;
        while (*v == ' ') v++;
        snprintf(val, cap, "%s", v);
        val[strcspn(val, "\r\n")] = 0;
        found = 1;
    }
    fclose(f);
    return found;
}

static double read_kv_num(const char *path, const char *key)
{
    char v[128];
    double d;
    return read_kv(path, key, v, sizeof v) && !rl_parse_double(v, &d) ? d : NAN;
}

/* Split "a,b,c" into up to MAX_LIST words (pointers into buf). */
static int split_list(const char *s, char *buf, size_t cap, const char **out)
{
    snprintf(buf, cap, "%s", s);
    int n = 0;
    for (char *tok = strtok(buf, ","); tok && n < MAX_LIST; tok = strtok(NULL, ","))
        if (*tok) out[n++] = tok;
    return n;
}

static int in_list(const char *s, const char **list, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

static void machine_desc(char *buf, size_t cap)
{
    char model[256] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "model name", 10)) {
            const char *c = strchr(line, ':');
            if (c) {
                snprintf(model, sizeof model, "%s", c + 2);
                model[strcspn(model, "\n")] = 0;
            }
            break;
        }
    if (f) fclose(f);
    char load[128] = "?";
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fgets(load, sizeof load, f)) load[strcspn(load, "\n")] = 0;
        fclose(f);
    }
    char kern[256];
    rl_kern_describe(kern, sizeof kern);
    snprintf(buf, cap, "%ld cores (nproc), %s, load average %s; kernels: %s",
             sysconf(_SC_NPROCESSORS_ONLN), model, load, kern);
}

/* ------------------------------------------------------------------ learning curves */

typedef struct {
    int n;
    double *step, *wall, *ret; /* (n) rows of metrics.csv with a finite return_mean */
    double wall_end;           /* wall time of the last row, finite return or not */
} curve;

static void curve_free(curve *c)
{
    free(c->step);
    free(c->wall);
    free(c->ret);
    memset(c, 0, sizeof *c);
}

/* Read step, wall_time and return_mean from a run's metrics.csv. */
static int curve_read(const char *run_dir, curve *c)
{
    memset(c, 0, sizeof *c);
    c->wall_end = NAN;
    char path[2048], line[8192];
    snprintf(path, sizeof path, "%s/metrics.csv", run_dir);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int col_step = -1, col_wall = -1, col_ret = -1, cap = 0;
    if (fgets(line, sizeof line, f)) {
        int i = 0;
        for (char *tok = strtok(line, ",\r\n"); tok; tok = strtok(NULL, ",\r\n"), i++) {
            if (!strcmp(tok, "step")) col_step = i;
            if (!strcmp(tok, "wall_time")) col_wall = i;
            if (!strcmp(tok, "return_mean")) col_ret = i;
        }
    }
    if (col_step < 0 || col_wall < 0 || col_ret < 0) {
        fclose(f);
        return -1;
    }
    double wall_base = 0, last_wall = 0, last_step = -1;
    while (fgets(line, sizeof line, f)) {
        double v[3] = {NAN, NAN, NAN};
        int i = 0;
        for (char *p = line, *tok; (tok = strsep(&p, ",\r\n")); i++) {
            if (i == col_step) v[0] = strtod(tok, NULL);
            if (i == col_wall) v[1] = strtod(tok, NULL);
            if (i == col_ret) v[2] = strtod(tok, NULL);
        }
        if (!isfinite(v[0]) || !isfinite(v[1])) continue;
        /* A resumed run appends rows whose wall time restarts at 0. */
        if (v[0] > last_step && v[1] + wall_base < last_wall) wall_base = last_wall;
        last_step = v[0];
        last_wall = v[1] + wall_base;
        c->wall_end = last_wall;
        if (!isfinite(v[2])) continue;
        if (c->n == cap) {
            cap = cap ? 2 * cap : 256;
            c->step = realloc(c->step, sizeof(double) * cap);
            c->wall = realloc(c->wall, sizeof(double) * cap);
            c->ret = realloc(c->ret, sizeof(double) * cap);
            if (!c->step || !c->wall || !c->ret) {
                fclose(f);
                curve_free(c);
                return -1;
            }
        }
        c->step[c->n] = v[0];
        c->wall[c->n] = last_wall;
        c->ret[c->n] = v[2];
        c->n++;
    }
    fclose(f);
    return 0;
}

/* First row reaching thr: its step and wall time (NaN if never). */
static void curve_reach(const curve *c, double thr, double *step, double *wall)
{
    *step = *wall = NAN;
    if (!isfinite(thr)) return;
    for (int i = 0; i < c->n; i++)
        if (c->ret[i] >= thr) {
            *step = c->step[i];
            *wall = c->wall[i];
            return;
        }
}

/* Value of a curve at x (linear interpolation; the last value holds after
 * the end, as the run's final performance; NaN before the first point). */
static double curve_at(const curve *c, int by_wall, double x)
{
    const double *xs = by_wall ? c->wall : c->step;
    if (!c->n || x < xs[0]) return NAN;
    if (x >= xs[c->n - 1]) return c->ret[c->n - 1];
    int lo = 0, hi = c->n - 1;
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (xs[mid] <= x) lo = mid;
        else hi = mid;
    }
    double t = xs[hi] > xs[lo] ? (x - xs[lo]) / (xs[hi] - xs[lo]) : 0;
    return c->ret[lo] + t * (c->ret[hi] - c->ret[lo]);
}

/* One agent's curves over seeds, as mean and min-max band on a grid. */
typedef struct {
    char label[64];
    double x[2][GRID], y[2][GRID], lo[2][GRID], hi[2][GRID];
} agg_curve;

static void aggregate(const curve *cs, int n, agg_curve *out)
{
    for (int w = 0; w < 2; w++) {
        double xmax = 0;
        for (int s = 0; s < n; s++)
            if (cs[s].n) xmax = fmax(xmax, (w ? cs[s].wall : cs[s].step)[cs[s].n - 1]);
        for (int g = 0; g < GRID; g++) {
            double x = xmax * g / (GRID - 1), sum = 0, lo = INFINITY, hi = -INFINITY;
            int k = 0;
            for (int s = 0; s < n; s++) {
                double v = curve_at(&cs[s], w, x);
                if (!isfinite(v)) continue;
                sum += v, k++;
                lo = fmin(lo, v), hi = fmax(hi, v);
            }
            out->x[w][g] = x;
            out->y[w][g] = k ? sum / k : NAN;
            out->lo[w][g] = k ? lo : NAN;
            out->hi[w][g] = k ? hi : NAN;
        }
    }
}

/* One figure per task: return vs env steps and vs wall time. */
static int write_task_figure(const char *path, const char *task, const agg_curve *ag, int n_agents,
                             int n_seeds_max)
{
    plot_series s[2][MAX_LIST];
    for (int w = 0; w < 2; w++)
        for (int a = 0; a < n_agents && a < MAX_LIST; a++)
            s[w][a] = (plot_series){ag[a].label, GRID, ag[a].x[w], ag[a].y[w], ag[a].lo[w], ag[a].hi[w]};
    double thr = threshold_of(task);
    char thr_label[64], title[256];
    snprintf(thr_label, sizeof thr_label, "threshold %g", thr);
    snprintf(title, sizeof title, "%s: episode return (mean of recent episodes), mean and "
             "min-max over %s", task, n_seeds_max > 1 ? "seeds" : "1 seed");
    plot_panel p[2] = {
        {"return vs env steps", "env steps", "return", s[0], n_agents, thr, thr_label},
        {"return vs wall time", "wall time (s)", "return", s[1], n_agents, thr, thr_label},
    };
    return plot_svg_write(path, title, p, 2);
}

/* ------------------------------------------------------------------ throughput */

typedef struct {
    char task[64];
    int is_mujoco, substeps, vec_envs, vec_threads;
    double env_sps, vec_sps, raw_sps;
} tput;

static void random_action(const rl_space *sp, rl_rng *rng, float *a)
{
    for (int i = 0; i < sp->dim; i++)
        a[i] = sp->kind == RL_DISCRETE ? (float)rl_rng_below(rng, (uint32_t)sp->n)
                                       : (float)rl_rng_range(rng, sp->low[i], sp->high[i]);
}

static int measure_task(const char *task, double secs, int threads, tput *t)
{
    memset(t, 0, sizeof *t);
    snprintf(t->task, sizeof t->task, "%s", task);
    t->env_sps = t->vec_sps = t->raw_sps = NAN;
    rl_env *env = rl_env_make(task, NULL);
    if (!env) return -1;
    rl_rng rng;
    rl_rng_seed(&rng, 1, 0);
    const rl_space *as = rl_env_act_space(env);
    float *a = malloc(sizeof(float) * (size_t)as->dim);
    if (!a) {
        rl_env_free(env);
        return -1;
    }
    /* 1 env */
    rl_env_reset(env, 1);
    long long n = 0;
    double t0 = cli_now(), el = 0;
    while (el < secs) {
        for (int k = 0; k < 256; k++, n++) {
            random_action(as, &rng, a);
            rl_env_step(env, a);
            if (rl_env_terminated(env) || rl_env_truncated(env)) rl_env_reset(env, -1);
        }
        el = cli_now() - t0;
    }
    t->env_sps = n / el;
    /* raw mj_step ceiling: same model, same substeps, random controls */
    const mjModel *m;
    if (rl_env_mujoco(env, &m, &t->substeps)) {
        t->is_mujoco = 1;
        mjData *d = mj_makeData(m);
        if (d) {
            int limit = rl_env_max_steps(env) > 0 ? rl_env_max_steps(env) : 1000;
            n = 0, el = 0, t0 = cli_now();
            while (el < secs) {
                for (int k = 0; k < 64; k++, n++) {
                    for (int i = 0; i < m->nu; i++) {
                        double lo = -1, hi = 1;
                        if (m->actuator_ctrllimited[i]) {
                            lo = m->actuator_ctrlrange[2 * i];
                            hi = m->actuator_ctrlrange[2 * i + 1];
                        }
                        d->ctrl[i] = rl_rng_range(&rng, lo, hi);
                    }
                    for (int s = 0; s < t->substeps; s++) mj_step(m, d);
                    if (n % limit == limit - 1) mj_resetData(m, d);
                }
                el = cli_now() - t0;
            }
            t->raw_sps = n / el;
            mj_deleteData(d);
        }
    }
    /* vector env over every core */
    t->vec_threads = threads;
    t->vec_envs = 8 * threads;
    rl_vec *v = rl_vec_make(task, NULL, t->vec_envs, threads);
    if (v && !rl_vec_reset(v, 1)) {
        float *va = rl_vec_actions(v);
        n = 0, el = 0, t0 = cli_now();
        while (el < secs) {
            for (int k = 0; k < 16; k++) {
                for (int e = 0; e < t->vec_envs; e++) random_action(as, &rng, va + (size_t)e * as->dim);
                if (rl_vec_step(v, NULL)) break;
                n += t->vec_envs;
            }
            el = cli_now() - t0;
        }
        t->vec_sps = n / el;
    }
    rl_vec_free(v);
    free(a);
    rl_env_free(env);
    return 0;
}

/* ------------------------------------------------------------------ runs */

typedef struct {
    const char *task, *agent;
    long long steps;     /* resolved budget */
    const char *hparams; /* suite overrides ("" for none) */
} entry;

typedef struct {
    int entry;
    int seed;
    char dir[2048];
    int state;        /* 0 finished (evaluated), 1 evaluate only, 2 resume, 3 train */
    int failed;
    pid_t pid;
    double t_start, t_end;
} run;

static long long recipe_budget(const char *agent, const char *task)
{
    const rl_recipe *rec = rl_recipe_find(agent, task);
    return rec ? rec->steps : 100000;
}

/* What a run directory needs: 0 nothing, 1 evaluation, 2 resume, 3 training. */
static int run_state(const run *r, const entry *e)
{
    char path[2200], v[256];
    snprintf(path, sizeof path, "%s/config.txt", r->dir);
    char want_seed[32], want_steps[32];
    snprintf(want_seed, sizeof want_seed, "%d", r->seed);
    snprintf(want_steps, sizeof want_steps, "%lld", e->steps);
    int match = read_kv(path, "env_id", v, sizeof v) && !strcmp(v, e->task) &&
                read_kv(path, "agent", v, sizeof v) && !strcmp(v, e->agent) &&
                read_kv(path, "seed", v, sizeof v) && !strcmp(v, want_seed) &&
                read_kv(path, "steps", v, sizeof v) && !strcmp(v, want_steps);
    snprintf(path, sizeof path, "%s/bench.txt", r->dir);
    if (match) match = read_kv(path, "hparams", v, sizeof v) && !strcmp(v, e->hparams);
    snprintf(path, sizeof path, "%s/final.rlt", r->dir);
    if (!match || !file_exists(path)) return 3;
    rl_ckpt *ck = rl_ckpt_load(path);
    if (!ck) return 3;
    const char *sd = rl_ckpt_meta(ck, "steps_done");
    long long done = sd ? atoll(sd) : 0;
    rl_ckpt_free(ck);
    if (done < e->steps) return 2;
    char ev[2200];
    snprintf(ev, sizeof ev, "%s/eval.txt", r->dir);
    return file_mtime(ev) >= file_mtime(path) ? 0 : 1;
}

/* Parameters of the networks that act, as the checkpoint's agent names
 * them (rl_agent_vt.net.acting: critics, targets and optimizer moments are
 * not counted). -1 if the file cannot be read or holds none of these. */
static long long policy_params(const char *ckpt_path)
{
    rl_ckpt *ck = rl_ckpt_load(ckpt_path);
    if (!ck) return -1;
    long long n = rl_agent_acting_params(ck);
    rl_ckpt_free(ck);
    return n;
}

static int child_progress(void *user, const rl_progress *p)
{
    double *last = user;
    if (!p->done && p->wall_time - *last < 10) return 0;
    *last = p->wall_time;
    fprintf(stderr, "%lld/%lld steps | %.0f steps/s | %lld episodes | return %.2f\n",
            (long long)p->step, (long long)p->total_steps, p->steps_per_sec,
            (long long)p->episodes, p->recent_return);
    return 0;
}

static void child_sigint(int sig)
{
    (void)sig;
    rl_train_interrupt();
}

/* Train (or resume) and evaluate one run; the body of a child process. */
static int child_main(const run *r, const entry *e, int threads)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/train.log", r->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        close(fd);
    }
    signal(SIGINT, child_sigint);
    signal(SIGTERM, child_sigint);
    openblas_set_num_threads(threads);
    if (r->state == 3) {
        /* The suite's overrides, compared when deciding what to redo. */
        snprintf(path, sizeof path, "%s/bench.txt", r->dir);
        FILE *bf = fopen(path, "w");
        if (!bf || fprintf(bf, "hparams: %s\n", e->hparams) < 0 || fclose(bf)) return 1;
    }
    if (r->state >= 2) {
        double last = -1e9;
        rl_train_cfg cfg = {
            .env_id = e->task, .agent = r->state == 3 ? e->agent : NULL, .steps = e->steps,
            .hparams = r->state == 3 ? e->hparams : NULL,
            .seed = (uint64_t)r->seed, .n_threads = threads, .out_dir = r->dir,
            .resume = r->state == 2 ? r->dir : NULL, .progress = child_progress, .user = &last,
            .overwrite = r->state == 3, /* a stale or mismatched run is redone */
        };
        fprintf(stderr, "%s %s %s seed %d, %lld steps, %d thread(s)\n",
                r->state == 2 ? "resuming" : "training", e->task, e->agent, r->seed, e->steps, threads);
        int rc = rl_train(&cfg);
        if (rc) {
            fprintf(stderr, "error: %s\n", rl_last_error());
            return 1;
        }
    }
    rl_agent *ag = rl_agent_load(r->dir);
    rl_eval_result ev;
    if (!ag || rl_evaluate(ag, NULL, EVAL_EPISODES, EVAL_SEED, 1, &ev)) {
        fprintf(stderr, "error: evaluation: %s\n", rl_last_error());
        rl_agent_free(ag);
        return 1;
    }
    long long steps_done = (long long)ag->steps_done;
    rl_agent_free(ag);
    snprintf(path, sizeof path, "%s/final.rlt", r->dir);
    long long params = policy_params(path);
    snprintf(path, sizeof path, "%s/eval.txt", r->dir);
    char tmp[2300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return 1;
    fprintf(f, "episodes: %d\nseed: %d\nmean_return: %.6g\nstd_return: %.6g\nmin_return: %.6g\n"
               "max_return: %.6g\nmean_length: %.6g\nsuccess_rate: %.6g\ndecisions_per_ep: %.6g\n"
               "mmacs_per_ep: %.6g\nparams: %lld\nsteps_done: %lld\n",
            ev.episodes, EVAL_SEED, ev.mean_return, ev.std_return, ev.min_return, ev.max_return,
            ev.mean_length, ev.success_rate, ev.decisions_per_ep, ev.mmacs_per_ep, params, steps_done);
    if (fclose(f) || rename(tmp, path)) return 1;
    fprintf(stderr, "evaluated: return %.2f +- %.2f over %d episodes\n", ev.mean_return,
            ev.std_return, ev.episodes);
    return 0;
}

static volatile sig_atomic_t bench_stop;
static void parent_sigint(int sig)
{
    (void)sig;
    bench_stop = 1;
}

/* Last non-empty line of a file (the child's error message). */
static void last_line(const char *path, char *buf, size_t cap)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    char line[1024];
    while (f && fgets(line, sizeof line, f))
        if (line[0] != '\n') {
            snprintf(buf, cap, "%s", line);
            buf[strcspn(buf, "\n")] = 0;
        }
    if (f) fclose(f);
}

static int run_jobs(run *runs, int n_runs, const entry *es, int jobs, int threads)
{
    int next = 0, running = 0, finished = 0, todo = 0, failed = 0;
    for (int i = 0; i < n_runs; i++) todo += runs[i].state != 0;
    while ((next < n_runs && !bench_stop) || running) {
        while (!bench_stop && running < jobs && next < n_runs) {
            run *r = &runs[next++];
            if (r->state == 0) continue;
            fflush(stdout);
            fflush(stderr);
            pid_t pid = fork();
            if (pid < 0) {
                r->failed = 1;
                failed++;
                continue;
            }
            if (pid == 0) _exit(child_main(r, &es[r->entry], threads));
            r->pid = pid;
            r->t_start = cli_now();
            running++;
            printf("start  %-32s %s\n", strrchr(r->dir, '/') + 1,
                   r->state == 1 ? "(evaluate)" : r->state == 2 ? "(resume)" : "");
            fflush(stdout);
        }
        if (!running) break;
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR) continue;
            break;
        }
        for (int i = 0; i < n_runs; i++) {
            if (runs[i].pid != pid) continue;
            run *r = &runs[i];
            r->pid = 0;
            r->t_end = cli_now();
            running--;
            finished++;
            char ev[2200];
            snprintf(ev, sizeof ev, "%s/eval.txt", r->dir);
            if (!WIFEXITED(st) || WEXITSTATUS(st)) {
                char log[2200], msg[1024];
                snprintf(log, sizeof log, "%s/train.log", r->dir);
                last_line(log, msg, sizeof msg);
                r->failed = 1;
                failed++;
                printf("FAILED %-32s [%d/%d] %s\n", strrchr(r->dir, '/') + 1, finished, todo, msg);
            } else {
                printf("done   %-32s [%d/%d] %.1f s, eval return %.2f\n", strrchr(r->dir, '/') + 1,
                       finished, todo, r->t_end - r->t_start, read_kv_num(ev, "mean_return"));
            }
            fflush(stdout);
        }
    }
    return failed;
}

/* ------------------------------------------------------------------ results */

typedef struct {
    int seeds, evaluated, reached;
    double ret_mean, ret_std, ret_min, ret_max, success;
    double steps_thr, secs_thr, train_secs, params, decisions, mmacs;
} entry_result;

static double mean_of(const double *v, int n)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) s += v[i], k++;
    return k ? s / k : NAN;
}

static void summarize(const entry *e, const run *runs, int n_runs, int ei, entry_result *res,
                      curve *curves, int *n_curves)
{
    double ret[MAX_SEEDS], succ[MAX_SEEDS], st[MAX_SEEDS], se[MAX_SEEDS], tw[MAX_SEEDS],
        par[MAX_SEEDS], dec[MAX_SEEDS], mm[MAX_SEEDS];
    int n = 0;
    memset(res, 0, sizeof *res);
    *n_curves = 0;
    double thr = threshold_of(e->task);
    for (int i = 0; i < n_runs && n < MAX_SEEDS; i++) {
        if (runs[i].entry != ei) continue;
        const run *r = &runs[i];
        char ev[2200];
        snprintf(ev, sizeof ev, "%s/eval.txt", r->dir);
        ret[n] = read_kv_num(ev, "mean_return");
        succ[n] = read_kv_num(ev, "success_rate");
        if (succ[n] < 0) succ[n] = NAN;
        par[n] = read_kv_num(ev, "params");
        dec[n] = read_kv_num(ev, "decisions_per_ep");
        mm[n] = read_kv_num(ev, "mmacs_per_ep");
        st[n] = se[n] = tw[n] = NAN;
        curve *c = &curves[*n_curves];
        if (!curve_read(r->dir, c)) {
            curve_reach(c, thr, &st[n], &se[n]);
            tw[n] = c->wall_end;
            (*n_curves)++;
        }
        if (isfinite(ret[n])) res->evaluated++;
        if (isfinite(st[n])) res->reached++;
        n++;
    }
    res->seeds = n;
    res->ret_mean = mean_of(ret, n);
    double ss = 0, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < n; i++)
        if (isfinite(ret[i])) {
            ss += (ret[i] - res->ret_mean) * (ret[i] - res->ret_mean);
            lo = fmin(lo, ret[i]), hi = fmax(hi, ret[i]);
        }
    res->ret_std = res->evaluated ? sqrt(ss / res->evaluated) : NAN;
    res->ret_min = res->evaluated ? lo : NAN;
    res->ret_max = res->evaluated ? hi : NAN;
    res->success = mean_of(succ, n);
    res->steps_thr = mean_of(st, n);
    res->secs_thr = mean_of(se, n);
    res->train_secs = mean_of(tw, n);
    res->params = mean_of(par, n);
    res->decisions = mean_of(dec, n);
    res->mmacs = mean_of(mm, n);
}

/* Number or "-" for NaN. */
static const char *num(char *buf, size_t cap, const char *fmt, double v)
{
    if (!isfinite(v)) snprintf(buf, cap, "-");
    else snprintf(buf, cap, fmt, v);
    return buf;
}

#define NUM(fmt, v) num((char[48]){0}, 48, fmt, v)

static void csv_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, ",%.6g", v);
    else fputs(",", f);
}

static const char results_header[] =
    "task,agent,seeds,steps,threshold,return_mean,return_std,return_min,return_max,success_rate,"
    "seeds_reached,steps_to_threshold,seconds_to_threshold,train_seconds,params,decisions_per_ep,"
    "mmacs_per_ep";

static void write_results(const char *out, const entry *es, int n_es, const entry_result *res,
                          const tput *tp, int n_tp, const char *command, const char *machine,
                          const char *png_note)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/results.csv", out);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s\n", results_header);
        for (int i = 0; i < n_es; i++) {
            const entry_result *r = &res[i];
            fprintf(f, "%s,%s,%d,%lld", es[i].task, es[i].agent, r->seeds, es[i].steps);
            double v[] = {threshold_of(es[i].task), r->ret_mean, r->ret_std, r->ret_min, r->ret_max,
                          r->success};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) csv_num(f, v[k]);
            fprintf(f, ",%d", r->reached);
            double w[] = {r->steps_thr, r->secs_thr, r->train_secs, r->params, r->decisions, r->mmacs};
            for (size_t k = 0; k < sizeof w / sizeof w[0]; k++) csv_num(f, w[k]);
            fputc('\n', f);
        }
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/throughput.csv", out);
    f = n_tp ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "task,mujoco,substeps,env_steps_per_sec,vec_envs,vec_threads,vec_steps_per_sec,"
                   "raw_mj_steps_per_sec,env_over_raw\n");
        for (int i = 0; i < n_tp; i++) {
            const tput *t = &tp[i];
            fprintf(f, "%s,%d,%d", t->task, t->is_mujoco, t->substeps);
            csv_num(f, t->env_sps);
            fprintf(f, ",%d,%d", t->vec_envs, t->vec_threads);
            csv_num(f, t->vec_sps);
            csv_num(f, t->raw_sps);
            csv_num(f, t->is_mujoco ? t->env_sps / t->raw_sps : NAN);
            fputc('\n', f);
        }
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/results.md", out);
    f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "# rltool bench results\n\n`%s`\n\nMachine: %s.\n\n## Training\n\n", command, machine);
    fprintf(f, "Return: deterministic evaluation of each seed's final checkpoint (%d episodes), "
               "mean +- std over seeds [min, max]. Threshold columns: first metrics.csv row whose "
               "return_mean (recent training episodes) reaches the task's threshold, averaged over "
               "the seeds that reached it. Params: parameters of the networks that act (actor and log_std, DQN's Q network, TLA's actors and gate; no critics). Decisions and "
               "MMACs: per evaluation episode.\n\n", EVAL_EPISODES);
    fprintf(f, "| task | agent | seeds | steps | return | success | threshold | reached | "
               "steps to thr. | time to thr. (s) | train time (s) | params | decisions/ep | MMACs/ep |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (int i = 0; i < n_es; i++) {
        const entry_result *r = &res[i];
        char ret[128];
        if (r->evaluated)
            snprintf(ret, sizeof ret, "%.1f +- %.1f [%.1f, %.1f]", r->ret_mean, r->ret_std,
                     r->ret_min, r->ret_max);
        else snprintf(ret, sizeof ret, "failed");
        fprintf(f, "| %s | %s | %d | %lld | %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %s |\n",
                es[i].task, es[i].agent, r->seeds, es[i].steps, ret,
                isfinite(r->success) ? NUM("%.0f%%", 100 * r->success) : "-",
                NUM("%g", threshold_of(es[i].task)), r->reached, r->seeds, NUM("%.0f", r->steps_thr),
                NUM("%.1f", r->secs_thr), NUM("%.1f", r->train_secs), NUM("%.0f", r->params),
                NUM("%.1f", r->decisions), NUM("%.3f", r->mmacs));
    }
    for (int i = 0; i < n_es; i++)
        if (es[i].hparams[0])
            fprintf(f, "%s%s %s: `%s` on top of the recipe.\n", i && es[i - 1].hparams[0] ? "" : "\nHyperparameters: ",
                    es[i].task, es[i].agent, es[i].hparams);
    if (n_tp) {
        fprintf(f, "\n## Env throughput\n\nSteps per second with random actions: one env "
                   "(rl_env_step loop), a vector env (rl_vec_step, all cores), and for MuJoCo tasks "
                   "a raw loop of mj_step on the same model with the same substeps per control step "
                   "(the ceiling for one thread).\n\n"
                   "| task | 1 env | vec env (envs x threads) | raw mj_step | env / raw |\n"
                   "|---|---|---|---|---|\n");
        for (int i = 0; i < n_tp; i++) {
            const tput *t = &tp[i];
            fprintf(f, "| %s | %s | %s (%dx%d) | %s | %s |\n", t->task, NUM("%.0f", t->env_sps),
                    NUM("%.0f", t->vec_sps), t->vec_envs, t->vec_threads,
                    t->is_mujoco ? NUM("%.0f", t->raw_sps) : "n/a (pure C)",
                    t->is_mujoco ? NUM("%.2f", t->env_sps / t->raw_sps) : "-");
        }
    }
    if (png_note && png_note[0]) fprintf(f, "\n%s\n", png_note);
    fclose(f);
}

static void write_index(const char *out, const char *command, const char *machine,
                        const char **tasks, int n_tasks, int png, const char *png_note,
                        double wall)
{
    char path[2200], line[4096];
    snprintf(path, sizeof path, "%s/index.md", out);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "# rltool bench\n\n`%s`\n\n%s; %.0f s.\n\n- [results table (markdown)](results.md)\n"
                   "- [results table (CSV)](results.csv)\n- [throughput (CSV)](throughput.csv)\n\n"
                   "## Learning curves\n\n", command, machine, wall);
        for (int i = 0; i < n_tasks; i++)
            fprintf(f, "### %s\n\n![%s](plots/%s.%s)\n\n[SVG](plots/%s.svg)\n\n", tasks[i], tasks[i],
                    tasks[i], png ? "png" : "svg", tasks[i]);
        if (png_note[0]) fprintf(f, "%s\n\n", png_note);
        /* The results table itself, below the plots. */
        snprintf(path, sizeof path, "%s/results.md", out);
        FILE *r = fopen(path, "r");
        int skip = 1;
        while (r && fgets(line, sizeof line, r)) {
            if (!strncmp(line, "## Training", 11)) skip = 0;
            if (!skip) fputs(line, f);
        }
        if (r) fclose(r);
        fclose(f);
    }
    snprintf(path, sizeof path, "%s/index.html", out);
    f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/><title>rltool bench</title>\n"
               "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:"
               "collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}</style></head>\n"
               "<body>\n<h1>rltool bench</h1>\n<p><code>%s</code></p>\n<p>%s; %.0f s.</p>\n<ul>\n"
               "<li><a href=\"results.md\">results table (markdown)</a></li>\n"
               "<li><a href=\"results.csv\">results table (CSV)</a></li>\n"
               "<li><a href=\"throughput.csv\">throughput (CSV)</a></li>\n</ul>\n",
            command, machine, wall);
    /* Tables: the markdown tables of results.md as HTML. */
    snprintf(path, sizeof path, "%s/results.md", out);
    FILE *r = fopen(path, "r");
    int in_table = 0, row = 0;
    while (r && fgets(line, sizeof line, r)) {
        line[strcspn(line, "\n")] = 0;
        if (line[0] != '|') {
            if (in_table) fprintf(f, "</table>\n");
            in_table = 0;
            if (!strncmp(line, "## ", 3)) fprintf(f, "<h2>%s</h2>\n", line + 3);
            continue;
        }
        if (!in_table) fprintf(f, "<table>\n"), row = 0;
        in_table = 1;
        if (!strncmp(line, "|---", 4)) continue;
        fprintf(f, "<tr>");
        char *p = line + 1, *cell;
        while ((cell = strsep(&p, "|")) && p) fprintf(f, row ? "<td>%s</td>" : "<th>%s</th>", cell);
        fprintf(f, "</tr>\n");
        row++;
    }
    if (in_table) fprintf(f, "</table>\n");
    if (r) fclose(r);
    fprintf(f, "<h2>Learning curves</h2>\n");
    for (int i = 0; i < n_tasks; i++)
        fprintf(f, "<h3>%s</h3>\n<p><a href=\"plots/%s.svg\"><img src=\"plots/%s.svg\" alt=\"%s\" "
                   "style=\"max-width:100%%\"/></a></p>\n", tasks[i], tasks[i], tasks[i], tasks[i]);
    if (png_note[0]) fprintf(f, "<p>%s</p>\n", png_note);
    fprintf(f, "</body></html>\n");
    fclose(f);
}

/* ------------------------------------------------------------------ rltool bench */

static int print_bench_help(const char *usage, const char *about, const cli_arg *args, int n_args)
{
    cli_print_help(stdout, "bench", usage, about, args, n_args);
    for (int s = 0; s < 2; s++) {
        const suite_entry *su = s ? full_suite : quick_suite;
        int n = s ? (int)(sizeof full_suite / sizeof full_suite[0])
                  : (int)(sizeof quick_suite / sizeof quick_suite[0]);
        printf("\nsuite %s (default seeds %d):\n", s ? "full" : "quick", s ? 3 : 3);
        for (int i = 0; i < n; i++) {
            long long st = su[i].steps ? su[i].steps : recipe_budget(su[i].agent, su[i].task);
            printf("  %-20s %-6s %9lld steps%s%s%s\n", su[i].task, su[i].agent, st,
                   su[i].hparams ? "  " : "", su[i].hparams ? su[i].hparams : "",
                   rl_agent_find(su[i].agent) ? "" : "  (agent not built yet: skipped)");
        }
    }
    printf("\nthresholds (the tasks' reward_threshold, return_mean in metrics.csv):\n");
    for (int i = 0; i < rl_task_count(); i++)
        if (rl_task_at(i)->has_threshold)
            printf("  %-20s %g\n", rl_task_at(i)->id, rl_task_at(i)->reward_threshold);
    return CLI_OK;
}

int cmd_bench(int argc, char **argv)
{
    const char *suite_name = "quick", *tasks_arg = NULL, *agents_arg = NULL, *out = "bench-out";
    long long seeds = 0, jobs = 0, steps = 0;
    double measure = 1.0;
    const cli_arg args[] = {
        {"--suite", ARG_STR, &suite_name, "S", "quick (minutes) or full (recipe budgets); default quick", 0, 0},
        {"--tasks", ARG_STR, &tasks_arg, "A,B", "only these tasks (default: the suite's)", 0, 0},
        {"--agents", ARG_STR, &agents_arg, "X,Y", "only these agents (default: the suite's per task)", 0, 0},
        {"--seeds", ARG_INT, &seeds, "N", "seeds per task x agent (default 3)", 1, MAX_SEEDS},
        {"--out", ARG_STR, &out, "DIR", "output folder (default bench-out)", 0, 0},
        {"--jobs", ARG_INT, &jobs, "J", "training runs at once (default: cores)", 1, 256},
        {"--steps", ARG_INT, &steps, "N", "override every run's budget (tiny smoke runs)", 1, (long long)4e12},
        {"--measure", ARG_DOUBLE, &measure, "SEC", "seconds per throughput measurement; 0 skips them (default 1)", 0, 0},
    };
    const int n_args = (int)(sizeof args / sizeof args[0]);
    const char *usage = "[--suite quick|full] [--tasks A,B] [--agents X,Y] [--seeds N] [--out DIR] "
                        "[--jobs J] [--steps N] [--measure SEC]";
    const char *about =
        "Benchmark tasks x agents x seeds: env throughput (1 env, vector env, raw mj_step), "
        "training runs in\nparallel (DIR/runs/TASK-AGENT-sSEED, resumable: finished runs are not "
        "redone), evaluation of\neach final checkpoint, results.md/.csv, learning-curve plots "
        "(DIR/plots/TASK.svg) and DIR/index.md/.html.";
    for (int i = 2; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return print_bench_help(usage, about, args, n_args);
    int n_pos;
    const char *pos[1];
    int rc = cli_parse("bench", usage, about, args, n_args, argc, argv, 2, pos, 0, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!isfinite(measure) || measure < 0 || measure > 60) {
        cli_error("bench", "bad value %g for --measure (expected seconds in [0, 60])", measure);
        return CLI_USAGE;
    }
    int full = !strcmp(suite_name, "full");
    if (!full && strcmp(suite_name, "quick")) {
        cli_error("bench", "unknown suite '%s' (known: quick, full)", suite_name);
        return CLI_USAGE;
    }
    const suite_entry *suite = full ? full_suite : quick_suite;
    int n_suite = full ? (int)(sizeof full_suite / sizeof full_suite[0])
                       : (int)(sizeof quick_suite / sizeof quick_suite[0]);
    if (!seeds) seeds = 3;
    static char tbuf[4096], abuf[4096];
    const char *tl[MAX_LIST], *al[MAX_LIST];
    int nt = tasks_arg ? split_list(tasks_arg, tbuf, sizeof tbuf, tl) : 0;
    int na = agents_arg ? split_list(agents_arg, abuf, sizeof abuf, al) : 0;
    for (int i = 0; i < nt; i++)
        if (!rl_task_find(tl[i])) {
            char known[1024] = "";
            for (int k = 0, used = 0; k < rl_task_count(); k++)
                used += snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", rl_task_at(k)->id);
            cli_error("bench", "unknown task '%s' (known: %s)", tl[i], known);
            return CLI_USAGE;
        }
    for (int i = 0; i < na; i++)
        if (!rl_agent_find(al[i])) {
            char known[1024] = "";
            for (int k = 0, used = 0; k < rl_agent_count(); k++)
                used += snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "", rl_agent_at(k)->name);
            cli_error("bench", "unknown agent '%s' (known: %s)", al[i], known);
            return CLI_USAGE;
        }
    if ((tasks_arg && !nt) || (agents_arg && !na)) {
        cli_error("bench", "empty --tasks or --agents list");
        return CLI_USAGE;
    }

    /* Entries: the suite's task x agent pairs, filtered; a pair named on the
     * command line that the suite lacks runs with the suite's default
     * budget (quick: the recipe's, at most 50k steps; full: the recipe's). */
    static entry es[MAX_ENTRIES];
    int n_es = 0, skipped_missing = 0;
    const char *task_order[MAX_LIST];
    int n_order = 0;
    if (nt) for (int i = 0; i < nt; i++) task_order[n_order++] = tl[i];
    else
        for (int i = 0; i < n_suite; i++)
            if (!in_list(suite[i].task, task_order, n_order) && n_order < MAX_LIST)
                task_order[n_order++] = suite[i].task;
    for (int t = 0; t < n_order; t++) {
        const char *task = task_order[t];
        const char *cand[MAX_LIST];
        int nc = 0;
        if (na) for (int i = 0; i < na; i++) cand[nc++] = al[i];
        else {
            for (int i = 0; i < n_suite; i++)
                if (!strcmp(suite[i].task, task) && nc < MAX_LIST) cand[nc++] = suite[i].agent;
            if (!nc) {
                cand[nc++] = rl_recommended_agent(task);
            }
        }
        for (int c = 0; c < nc && n_es < MAX_ENTRIES; c++) {
            const suite_entry *se = NULL;
            for (int i = 0; i < n_suite; i++)
                if (!strcmp(suite[i].task, task) && !strcmp(suite[i].agent, cand[c])) se = &suite[i];
            if (na && !nt && !se) continue; /* --agents alone: only the suite's pairs */
            if (!rl_agent_find(cand[c])) {
                printf("skip   %s %s: agent not available in this build\n", task, cand[c]);
                skipped_missing++;
                continue;
            }
            long long budget = se && se->steps ? se->steps : recipe_budget(cand[c], task);
            if (!se && !full && budget > 50000) budget = 50000;
            if (steps) budget = steps;
            es[n_es++] = (entry){task, cand[c], budget, se && se->hparams ? se->hparams : ""};
        }
    }
    if (!n_es) {
        cli_error("bench", "nothing to run: no %s-suite entry matches --tasks/--agents "
                  "(rltool bench --help lists the suites)", suite_name);
        return CLI_USAGE;
    }

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1) cores = 1;
    if (!jobs) jobs = cores;
    int threads = (int)(cores / jobs) > 0 ? (int)(cores / jobs) : 1;
    char machine[512], command[2048] = "rltool";
    machine_desc(machine, sizeof machine);
    for (int i = 1, used = 6; i < argc; i++)
        used += snprintf(command + used, sizeof command - used, " %s", argv[i]);
    char path[2200];
    snprintf(path, sizeof path, "%s/runs", out);
    if (mkdir_p(path)) {
        cli_error("bench", "cannot create %s: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    snprintf(path, sizeof path, "%s/plots", out);
    mkdir_p(path);
    double t_start = cli_now();
    printf("rltool bench: suite %s, %d task x agent pairs x %lld seeds, %lld job(s) x %d thread(s) -> %s\n"
           "machine: %s\n", suite_name, n_es, seeds, jobs, threads, out, machine);

    /* 1. throughput */
    static tput tp[MAX_LIST];
    int n_tp = 0;
    if (measure > 0) {
        const char *tt[MAX_LIST];
        int ntt = 0;
        if (nt) for (int i = 0; i < nt; i++) tt[ntt++] = tl[i];
        else for (int i = 0; i < rl_task_count() && ntt < MAX_LIST; i++) tt[ntt++] = rl_task_at(i)->id;
        printf("\nenv throughput (steps/s, random actions, %.1f s each):\n"
               "  %-20s %10s %18s %12s %8s\n", measure, "task", "1 env", "vec env", "raw mj_step",
               "env/raw");
        for (int i = 0; i < ntt && !bench_stop; i++) {
            if (measure_task(tt[i], measure, (int)cores, &tp[n_tp])) {
                printf("  %-20s error: %s\n", tt[i], rl_last_error());
                continue;
            }
            const tput *t = &tp[n_tp++];
            char vec[64];
            snprintf(vec, sizeof vec, "%.0f (%dx%d)", t->vec_sps, t->vec_envs, t->vec_threads);
            printf("  %-20s %10.0f %18s %12s %8s\n", t->task, t->env_sps, vec,
                   t->is_mujoco ? NUM("%.0f", t->raw_sps) : "-",
                   t->is_mujoco ? NUM("%.2f", t->env_sps / t->raw_sps) : "-");
            fflush(stdout);
        }
    }

    /* 2. training runs */
    static run runs[MAX_RUNS];
    int n_runs = 0, n_done = 0;
    for (int e = 0; e < n_es; e++)
        for (int s = 1; s <= seeds && n_runs < MAX_RUNS; s++) {
            run *r = &runs[n_runs++];
            memset(r, 0, sizeof *r);
            r->entry = e;
            r->seed = s;
            snprintf(r->dir, sizeof r->dir, "%s/runs/%s-%s-s%d", out, es[e].task, es[e].agent, s);
            mkdir_p(r->dir);
            r->state = run_state(r, &es[e]);
            if (r->state == 0) n_done++;
        }
    printf("\ntraining: %d runs, %d already finished (not redone), %d to run\n", n_runs, n_done,
           n_runs - n_done);
    for (int i = 0; i < n_runs; i++)
        if (runs[i].state == 0) printf("skip   %-32s finished\n", strrchr(runs[i].dir, '/') + 1);
    fflush(stdout);
    void (*old_int)(int) = signal(SIGINT, parent_sigint);
    int failed = run_jobs(runs, n_runs, es, (int)jobs, threads);
    signal(SIGINT, old_int);

    /* 3. tables and plots */
    static entry_result res[MAX_ENTRIES];
    static curve curves[MAX_ENTRIES][MAX_SEEDS];
    int n_curves[MAX_ENTRIES];
    for (int e = 0; e < n_es; e++) summarize(&es[e], runs, n_runs, e, &res[e], curves[e], &n_curves[e]);
    const char *plot_tasks[MAX_LIST];
    int n_pt = 0, png_ok = 1;
    char png_tool[64] = "", png_note[256] = "";
    for (int e = 0; e < n_es; e++)
        if (!in_list(es[e].task, plot_tasks, n_pt) && n_pt < MAX_LIST) plot_tasks[n_pt++] = es[e].task;
    for (int t = 0; t < n_pt; t++) {
        static agg_curve agg[MAX_LIST];
        int n_ag = 0, max_seeds = 0;
        for (int e = 0; e < n_es && n_ag < MAX_LIST; e++) {
            if (strcmp(es[e].task, plot_tasks[t])) continue;
            snprintf(agg[n_ag].label, sizeof agg[n_ag].label, "%s (%d seed%s)", es[e].agent,
                     n_curves[e], n_curves[e] == 1 ? "" : "s");
            aggregate(curves[e], n_curves[e], &agg[n_ag]);
            if (n_curves[e] > max_seeds) max_seeds = n_curves[e];
            n_ag++;
        }
        char svg[2200], png[2200];
        snprintf(svg, sizeof svg, "%s/plots/%s.svg", out, plot_tasks[t]);
        snprintf(png, sizeof png, "%s/plots/%s.png", out, plot_tasks[t]);
        if (write_task_figure(svg, plot_tasks[t], agg, n_ag, max_seeds))
            printf("cannot write %s: %s\n", svg, strerror(errno));
        else if (png_ok && plot_png(svg, png, png_tool, sizeof png_tool)) png_ok = 0;
    }
    if (!png_ok || !n_pt)
        snprintf(png_note, sizeof png_note, "PNG plots skipped: no working rsvg-convert or "
                 "ImageMagick convert on PATH (the SVGs are complete).");
    else snprintf(png_note, sizeof png_note, "PNG copies of the plots made with %s.", png_tool);
    double wall = cli_now() - t_start;
    write_results(out, es, n_es, res, tp, n_tp, command, machine, png_note);
    write_index(out, command, machine, plot_tasks, n_pt, png_ok && n_pt, png_note, wall);
    for (int e = 0; e < n_es; e++)
        for (int s = 0; s < n_curves[e]; s++) curve_free(&curves[e][s]);

    printf("\n%-20s %-6s %-30s %8s %10s\n", "task", "agent", "return (mean +- std over seeds)",
           "success", "reached");
    for (int e = 0; e < n_es; e++) {
        char ret[64];
        snprintf(ret, sizeof ret, "%.1f +- %.1f", res[e].ret_mean, res[e].ret_std);
        printf("%-20s %-6s %-30s %8s %7d/%d\n", es[e].task, es[e].agent, res[e].evaluated ? ret : "failed",
               isfinite(res[e].success) ? NUM("%.0f%%", 100 * res[e].success) : "-", res[e].reached,
               res[e].seeds);
    }
    printf("\nwrote %s/results.md, results.csv, plots/*.svg%s, index.md, index.html (%.0f s)\n", out,
           png_ok && n_pt ? " (+png)" : "", wall);
    if (skipped_missing) printf("%d suite entr%s skipped: agent not built\n", skipped_missing,
                                skipped_missing == 1 ? "y" : "ies");
    if (bench_stop) {
        printf("interrupted: unfinished runs resume on the next identical command\n");
        return 130;
    }
    if (failed) {
        cli_error("bench", "%d run(s) failed; see their train.log", failed);
        return CLI_FAIL;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------ rltool plot */

/* Append dir, or its run subdirectories (a bench folder, a runs/ folder). */
static int collect_runs(const char *dir, char (*dirs)[2048], int n, int max, int depth)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/config.txt", dir);
    if (file_exists(path)) {
        if (n < max) snprintf(dirs[n++], 2048, "%s", dir);
        return n;
    }
    if (depth >= 2) return n;
    DIR *d = opendir(dir);
    if (!d) return n;
    struct dirent *de;
    char names[256][256];
    int nn = 0;
    while ((de = readdir(d)) && nn < 256)
        if (de->d_name[0] != '.') snprintf(names[nn++], 256, "%s", de->d_name);
    closedir(d);
    qsort(names, nn, sizeof names[0], (int (*)(const void *, const void *))strcmp);
    for (int i = 0; i < nn; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (!stat(path, &st) && S_ISDIR(st.st_mode)) n = collect_runs(path, dirs, n, max, depth + 1);
    }
    return n;
}

int cmd_plot(int argc, char **argv)
{
    const char *out = "curves.svg";
    const cli_arg args[] = {
        {"--out", ARG_STR, &out, "FILE", "(or -o FILE) output SVG, default curves.svg; several "
                                         "tasks: FILE-TASK.svg", 0, 0},
    };
    /* cli_parse takes long options only: accept "-o X" by renaming it. */
    static char *av[512];
    int ac = argc < 512 ? argc : 512;
    for (int i = 0; i < ac; i++) av[i] = !strcmp(argv[i], "-o") ? "--out" : argv[i];
    const char *pos[256];
    int n_pos;
    int rc = cli_parse("plot", "RUN_DIR... [-o FILE.svg]",
                       "Learning curves (return vs env steps and vs wall time; mean and min-max "
                       "band over seeds)\nof training runs, grouped by task and agent from each "
                       "run's config.txt. A folder holding\nrun directories (a bench output, "
                       "runs/) is searched for them.", args, 1, ac, av, 2, pos, 256, &n_pos);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!n_pos) {
        cli_error("plot", "expected one or more run directories");
        return CLI_USAGE;
    }
    static char dirs[512][2048];
    int n_dirs = 0;
    for (int i = 0; i < n_pos; i++) {
        int before = n_dirs;
        n_dirs = collect_runs(pos[i], dirs, n_dirs, 512, 0);
        if (n_dirs == before) {
            cli_error("plot", "%s is not a run directory (no config.txt in it or below it)", pos[i]);
            return CLI_USAGE;
        }
    }
    /* Group: task -> label (agent, +policy when not the agent's default). */
    static char task_of[512][64], label_of[512][64];
    for (int i = 0; i < n_dirs; i++) {
        char cfg[2200], agent[64] = "?", policy[64] = "";
        snprintf(cfg, sizeof cfg, "%s/config.txt", dirs[i]);
        if (!read_kv(cfg, "env_id", task_of[i], sizeof task_of[i])) snprintf(task_of[i], 64, "?");
        read_kv(cfg, "agent", agent, sizeof agent);
        read_kv(cfg, "policy", policy, sizeof policy);
        const rl_agent_vt *vt = rl_agent_find(agent);
        if (policy[0] && vt && vt->default_policy && strcmp(policy, vt->default_policy))
            snprintf(label_of[i], 64, "%s+%s", agent, policy);
        else snprintf(label_of[i], 64, "%s", agent);
    }
    const char *tasks[MAX_LIST];
    int n_tasks = 0;
    for (int i = 0; i < n_dirs; i++)
        if (!in_list(task_of[i], tasks, n_tasks) && n_tasks < MAX_LIST) tasks[n_tasks++] = task_of[i];
    int status = CLI_OK;
    for (int t = 0; t < n_tasks; t++) {
        static agg_curve agg[MAX_LIST];
        static curve cs[64];
        const char *labels[MAX_LIST];
        int n_lab = 0, max_seeds = 0;
        for (int i = 0; i < n_dirs; i++)
            if (!strcmp(task_of[i], tasks[t]) && !in_list(label_of[i], labels, n_lab) && n_lab < MAX_LIST)
                labels[n_lab++] = label_of[i];
        for (int l = 0; l < n_lab; l++) {
            int nc = 0;
            for (int i = 0; i < n_dirs && nc < 64; i++) {
                if (strcmp(task_of[i], tasks[t]) || strcmp(label_of[i], labels[l])) continue;
                if (curve_read(dirs[i], &cs[nc])) {
                    fprintf(stderr, "rltool plot: warning: %s has no readable metrics.csv\n", dirs[i]);
                    continue;
                }
                nc++;
            }
            snprintf(agg[l].label, sizeof agg[l].label, "%s (%d run%s)", labels[l], nc, nc == 1 ? "" : "s");
            aggregate(cs, nc, &agg[l]);
            if (nc > max_seeds) max_seeds = nc;
            for (int k = 0; k < nc; k++) curve_free(&cs[k]);
        }
        char path[2200];
        if (n_tasks == 1) snprintf(path, sizeof path, "%s", out);
        else {
            const char *dot = strrchr(out, '.');
            int stem = dot && !strcmp(dot, ".svg") ? (int)(dot - out) : (int)strlen(out);
            char name[128];
            rl_env_short_name(name, sizeof name, tasks[t]);
            snprintf(path, sizeof path, "%.*s-%s.svg", stem, out, name);
        }
        if (write_task_figure(path, tasks[t], agg, n_lab, max_seeds)) {
            cli_error("plot", "cannot write %s: %s", path, strerror(errno));
            status = CLI_FAIL;
            continue;
        }
        printf("%s: %s (%d agent%s)\n", tasks[t], path, n_lab, n_lab == 1 ? "" : "s");
    }
    return status;
}
