/* bench.h (internal): the pieces of `rltool bench` and `rltool plot`, one
 * file per job: suite definitions (bench_suite.c), throughput
 * (bench_tput.c), training runs (bench_runs.c), learning curves
 * (bench_curves.c), reports (bench_report.c), small helpers
 * (bench_util.c). */
#ifndef RL_CLI_BENCH_H
#define RL_CLI_BENCH_H

#include "rltool.h"

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#define MAX_LIST 32
#define MAX_ENTRIES 64
#define MAX_SEEDS 16
#define MAX_RUNS (MAX_ENTRIES * MAX_SEEDS)
#define EVAL_EPISODES 10
#define EVAL_SEED 12345
#define GRID 120 /* points of an aggregated learning curve */

typedef struct {
    const char *task, *agent;
    long long steps;     /* 0: the recipe's budget */
    const char *hparams; /* on top of the recipe; NULL for none */
} suite_entry;

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

typedef struct {
    int n;
    double *step, *wall, *ret; /* (n) rows of metrics.csv with a finite return_mean */
    double wall_end;           /* wall time of the last row, finite return or not */
} curve;

typedef struct {
    char label[64];
    double x[2][GRID], y[2][GRID], lo[2][GRID], hi[2][GRID];
} agg_curve;

typedef struct {
    char task[64];
    int is_mujoco, substeps, vec_envs, vec_threads;
    double env_sps, vec_sps, raw_sps;
} tput;

typedef struct {
    int seeds, evaluated, reached;
    double ret_mean, ret_std, ret_min, ret_max, success;
    double steps_thr, secs_thr, train_secs, params, decisions, mmacs;
} entry_result;

/* ---- suites (bench_suite.c) */
/* "quick" or "full" (n entries); NULL for another name. */
const suite_entry *bench_suite(const char *name, int *n);
long long bench_recipe_budget(const char *agent, const char *task);
/* The task's reward_threshold; NaN when it has none. */
double bench_threshold(const char *task);
/* Print both suites and the thresholds (bench --help). */
void bench_suite_print(void);

/* ---- throughput (bench_tput.c) */
int bench_measure_task(const char *task, double secs, int threads, tput *t);

/* ---- thread scaling (bench_scale.c) */
typedef struct {
    char what[96];
    int threads;
    double one, many; /* per second at 1 thread and at `threads` */
} scale_row;
/* Env stepping and a network update at 1 and `threads` threads; returns the
 * rows filled (2). */
int bench_measure_scaling(double secs, int threads, scale_row rows[2]);
void bench_print_scaling(const scale_row *rows, int n);
/* scaling.csv, and a section appended to results.md. */
void bench_write_scaling(const char *out, const scale_row *rows, int n);

/* ---- runs (bench_runs.c) */
/* What a run directory needs: 0 nothing, 1 evaluation, 2 resume, 3 training. */
int bench_run_state(const run *r, const entry *e);
/* Run every run whose state is not 0, `jobs` children at once; returns how
 * many failed. Stops starting new ones once bench_stop is set. */
int bench_run_jobs(run *runs, int n_runs, const entry *es, int jobs, int threads);
extern volatile sig_atomic_t bench_stop;
void bench_parent_sigint(int sig);

/* ---- curves (bench_curves.c) */
void bench_curve_free(curve *c);
/* Read step, wall_time and return_mean from a run's metrics.csv. */
int bench_curve_read(const char *run_dir, curve *c);
/* First row reaching thr: its step and wall time (NaN if never). */
void bench_curve_reach(const curve *c, double thr, double *step, double *wall);
void bench_aggregate(const curve *cs, int n, agg_curve *out);
/* One figure per task: return vs env steps and vs wall time. */
int bench_task_figure(const char *path, const char *task, const agg_curve *ag, int n_agents,
                      int n_seeds_max);

/* ---- reports (bench_report.c) */
void bench_summarize(const entry *e, const run *runs, int n_runs, int ei, entry_result *res,
                     curve *curves, int *n_curves);
/* Number or "-" for NaN. */
const char *bench_num(char *buf, size_t cap, const char *fmt, double v);
#define NUM(fmt, v) bench_num((char[48]){0}, 48, fmt, v)
void bench_write_results(const char *out, const entry *es, int n_es, const entry_result *res,
                         const tput *tp, int n_tp, const char *command, const char *machine,
                         const char *png_note);
void bench_write_index(const char *out, const char *command, const char *machine,
                       const char **tasks, int n_tasks, int png, const char *png_note,
                       double wall);

/* ---- helpers (bench_util.c) */
int bench_mkdir_p(const char *path);
int bench_file_exists(const char *path);
double bench_file_mtime(const char *path);
/* "key: value" line of a text file (config.txt, eval.txt); 1 if found. */
int bench_read_kv(const char *path, const char *key, char *val, size_t cap);
double bench_read_kv_num(const char *path, const char *key);
/* Split "a,b,c" into up to MAX_LIST words (pointers into buf). */
int bench_split_list(const char *s, char *buf, size_t cap, const char **out);
int bench_in_list(const char *s, const char **list, int n);
void bench_machine_desc(char *buf, size_t cap);

#endif
