/* rltool bench: benchmark tasks x agents x seeds, in named phases; each
 * job lives in its own file (cli/bench.h lists them).
 *
 * bench  1. env throughput per task: one env (rl_env_step loop), a vector
 *           env on every core, and for MuJoCo tasks the raw mj_step loop of
 *           the same model with the same substeps (the ceiling); then the
 *           thread scaling of env stepping and a network update (1 thread
 *           vs every core);
 *        2. training runs (one child process per run, n_threads = cores /
 *           jobs each), resumable: a run whose final.rlt holds its whole
 *           budget and whose config.txt matches is not redone; an
 *           interrupted one is resumed;
 *        3. each final checkpoint evaluated (10 deterministic episodes) in
 *           the same child, written to eval.txt;
 *        4. results.md / results.csv, throughput.csv, scaling.csv,
 *           plots/<task>.svg (and .png when a converter exists),
 *           index.md / index.html.
 * (`rltool plot`, the same figures for any run directories, is cmd_plot.c.)
 */
#include "agents/agent.h"
#include "cli/bench.h"
#include "cli/cli.h"
#include "core/error.h"
#include "core/plot.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The command line, resolved. */
typedef struct {
    const char *suite_name, *tasks_arg, *agents_arg, *out;
    long long seeds, jobs, steps;
    double measure;
    const suite_entry *suite;
    int n_suite, full;
    const char *tl[MAX_LIST], *al[MAX_LIST]; /* --tasks, --agents */
    int nt, na;
    char tbuf[4096], abuf[4096];
    int cores, threads;
    char machine[512], command[2048];
} bench_cfg;

static const char *task_id_at(int i) { return rl_task_at(i)->id; }

/* Names on --tasks and --agents exist. */
static int check_names(const bench_cfg *b)
{
    for (int i = 0; i < b->nt; i++)
        if (!rl_task_find(b->tl[i])) {
            rl_error_unknown("task", b->tl[i], task_id_at, rl_task_count());
            cli_error("bench", "%s", rl_last_error());
            return CLI_USAGE;
        }
    for (int i = 0; i < b->na; i++)
        if (!rl_agent_find_or_error(b->al[i])) {
            cli_error("bench", "%s", rl_last_error());
            return CLI_USAGE;
        }
    if ((b->tasks_arg && !b->nt) || (b->agents_arg && !b->na)) {
        cli_error("bench", "empty --tasks or --agents list");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Parse and check the command line; -1 after --help. */
static int parse_args(bench_cfg *b, int argc, char **argv)
{
    const cli_arg args[] = {
        {"--suite", ARG_STR, &b->suite_name, "S", "quick (minutes) or full (recipe budgets); default quick", 0, 0},
        {"--tasks", ARG_STR, &b->tasks_arg, "A,B", "only these tasks (default: the suite's)", 0, 0},
        {"--agents", ARG_STR, &b->agents_arg, "X,Y", "only these agents (default: the suite's per task)", 0, 0},
        {"--seeds", ARG_INT, &b->seeds, "N", "seeds per task x agent (default 3)", 1, MAX_SEEDS},
        {"--out", ARG_STR, &b->out, "DIR", "output folder (default bench-out)", 0, 0},
        {"--jobs", ARG_INT, &b->jobs, "J", "training runs at once (default: cores)", 1, 256},
        {"--steps", ARG_INT, &b->steps, "N", "override every run's budget (tiny smoke runs)", 1, (long long)4e12},
        {"--measure", ARG_DOUBLE, &b->measure, "SEC", "seconds per throughput measurement; 0 skips them (default 1)", 0, 0},
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
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            cli_print_help(stdout, "bench", usage, about, args, n_args);
            bench_suite_print();
            return -1;
        }
    int n_pos;
    const char *pos[1];
    int rc = cli_parse("bench", usage, about, args, n_args, argc, argv, 2, pos, 0, &n_pos);
    if (rc) return rc;
    if (!isfinite(b->measure) || b->measure < 0 || b->measure > 60) {
        cli_error("bench", "bad value %g for --measure (expected seconds in [0, 60])", b->measure);
        return CLI_USAGE;
    }
    b->full = !strcmp(b->suite_name, "full");
    if (!(b->suite = bench_suite(b->suite_name, &b->n_suite))) {
        cli_error("bench", "unknown suite '%s' (known: quick, full)", b->suite_name);
        return CLI_USAGE;
    }
    if (!b->seeds) b->seeds = 3;
    b->nt = b->tasks_arg ? bench_split_list(b->tasks_arg, b->tbuf, sizeof b->tbuf, b->tl) : 0;
    b->na = b->agents_arg ? bench_split_list(b->agents_arg, b->abuf, sizeof b->abuf, b->al) : 0;
    return check_names(b);
}

/* The suite entry for (task, agent), or NULL. */
static const suite_entry *suite_pair(const bench_cfg *b, const char *task, const char *agent)
{
    const suite_entry *se = NULL;
    for (int i = 0; i < b->n_suite; i++)
        if (!strcmp(b->suite[i].task, task) && (!agent || !strcmp(b->suite[i].agent, agent)))
            se = &b->suite[i];
    return se;
}

/* Entries: the suite's task x agent pairs, filtered; a pair named on the
 * command line that the suite lacks runs with the suite's default budget
 * (quick: the recipe's, at most 50k steps; full: the recipe's). Returns
 * how many; *skipped counts agents missing from this build. */
static int build_entries(const bench_cfg *b, entry *es, int *skipped)
{
    const char *tasks[MAX_LIST];
    int n_tasks = 0, n_es = 0;
    if (b->nt) for (int i = 0; i < b->nt; i++) tasks[n_tasks++] = b->tl[i];
    else
        for (int i = 0; i < b->n_suite; i++)
            if (!bench_in_list(b->suite[i].task, tasks, n_tasks) && n_tasks < MAX_LIST)
                tasks[n_tasks++] = b->suite[i].task;
    *skipped = 0;
    for (int t = 0; t < n_tasks; t++) {
        const char *task = tasks[t], *cand[MAX_LIST];
        int nc = 0;
        if (b->na) for (int i = 0; i < b->na; i++) cand[nc++] = b->al[i];
        else
            for (int i = 0; i < b->n_suite; i++)
                if (!strcmp(b->suite[i].task, task) && nc < MAX_LIST) cand[nc++] = b->suite[i].agent;
        if (!nc) cand[nc++] = rl_recommended_agent(task);
        for (int c = 0; c < nc && n_es < MAX_ENTRIES; c++) {
            const suite_entry *se = suite_pair(b, task, cand[c]);
            if (b->na && !b->nt && !se) continue; /* --agents alone: only the suite's pairs */
            if (!rl_agent_find(cand[c])) {
                printf("skip   %s %s: agent not available in this build\n", task, cand[c]);
                (*skipped)++;
                continue;
            }
            long long budget = se && se->steps ? se->steps : bench_recipe_budget(cand[c], task);
            if (!se && !b->full && budget > 50000) budget = 50000;
            if (b->steps) budget = b->steps;
            es[n_es++] = (entry){task, cand[c], budget, se && se->hparams ? se->hparams : ""};
        }
    }
    return n_es;
}

/* Cores, jobs x threads, the machine and command lines, the out folders. */
static int prepare(bench_cfg *b, int argc, char **argv)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    b->cores = cores < 1 ? 1 : (int)cores;
    if (!b->jobs) b->jobs = b->cores;
    b->threads = (int)(b->cores / b->jobs) > 0 ? (int)(b->cores / b->jobs) : 1;
    bench_machine_desc(b->machine, sizeof b->machine);
    snprintf(b->command, sizeof b->command, "rltool");
    for (int i = 1, used = 6; i < argc; i++)
        used += snprintf(b->command + used, sizeof b->command - used, " %s", argv[i]);
    char path[2200];
    snprintf(path, sizeof path, "%s/runs", b->out);
    if (bench_mkdir_p(path)) {
        cli_error("bench", "cannot create %s: %s", path, strerror(errno));
        return CLI_FAIL;
    }
    snprintf(path, sizeof path, "%s/plots", b->out);
    bench_mkdir_p(path);
    return CLI_OK;
}

/* Phase 1: env throughput of the named tasks (or every task). */
static int phase_throughput(const bench_cfg *b, tput *tp)
{
    if (b->measure <= 0) return 0;
    const char *tt[MAX_LIST];
    int ntt = 0, n_tp = 0;
    if (b->nt) for (int i = 0; i < b->nt; i++) tt[ntt++] = b->tl[i];
    else for (int i = 0; i < rl_task_count() && ntt < MAX_LIST; i++) tt[ntt++] = rl_task_at(i)->id;
    printf("\nenv throughput (steps/s, random actions, %.1f s each):\n"
           "  %-20s %10s %18s %12s %8s\n", b->measure, "task", "1 env", "vec env", "raw mj_step",
           "env/raw");
    for (int i = 0; i < ntt && !bench_stop; i++) {
        if (bench_measure_task(tt[i], b->measure, b->cores, &tp[n_tp])) {
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
    return n_tp;
}

/* Phase 2: every entry x seed as a run; the unfinished ones run. Returns
 * the failures; *n_runs gets the run count. */
static int phase_train(const bench_cfg *b, const entry *es, int n_es, run *runs, int *n_runs)
{
    int n = 0, n_done = 0;
    for (int e = 0; e < n_es; e++)
        for (int s = 1; s <= b->seeds && n < MAX_RUNS; s++) {
            run *r = &runs[n++];
            memset(r, 0, sizeof *r);
            r->entry = e;
            r->seed = s;
            snprintf(r->dir, sizeof r->dir, "%s/runs/%s-%s-s%d", b->out, es[e].task, es[e].agent, s);
            bench_mkdir_p(r->dir);
            r->state = bench_run_state(r, &es[e]);
            if (r->state == 0) n_done++;
        }
    *n_runs = n;
    printf("\ntraining: %d runs, %d already finished (not redone), %d to run\n", n, n_done,
           n - n_done);
    for (int i = 0; i < n; i++)
        if (runs[i].state == 0) printf("skip   %-32s finished\n", strrchr(runs[i].dir, '/') + 1);
    fflush(stdout);
    void (*old_int)(int) = signal(SIGINT, bench_parent_sigint);
    int failed = bench_run_jobs(runs, n, es, (int)b->jobs, b->threads);
    signal(SIGINT, old_int);
    return failed;
}

/* Phase 3a: one learning-curve figure per task (+ PNG when a converter
 * exists). Returns the tasks plotted; png_note says what happened. */
static int phase_plots(const bench_cfg *b, const entry *es, int n_es, curve (*curves)[MAX_SEEDS],
                       const int *n_curves, const char **plot_tasks, int *png_ok,
                       char *png_note, size_t cap)
{
    int n_pt = 0;
    char png_tool[64] = "";
    *png_ok = 1;
    for (int e = 0; e < n_es; e++)
        if (!bench_in_list(es[e].task, plot_tasks, n_pt) && n_pt < MAX_LIST) plot_tasks[n_pt++] = es[e].task;
    for (int t = 0; t < n_pt; t++) {
        static agg_curve agg[MAX_LIST];
        int n_ag = 0, max_seeds = 0;
        for (int e = 0; e < n_es && n_ag < MAX_LIST; e++) {
            if (strcmp(es[e].task, plot_tasks[t])) continue;
            snprintf(agg[n_ag].label, sizeof agg[n_ag].label, "%s (%d seed%s)", es[e].agent,
                     n_curves[e], n_curves[e] == 1 ? "" : "s");
            bench_aggregate(curves[e], n_curves[e], &agg[n_ag]);
            if (n_curves[e] > max_seeds) max_seeds = n_curves[e];
            n_ag++;
        }
        char svg[2200], png[2200];
        snprintf(svg, sizeof svg, "%s/plots/%s.svg", b->out, plot_tasks[t]);
        snprintf(png, sizeof png, "%s/plots/%s.png", b->out, plot_tasks[t]);
        if (bench_task_figure(svg, plot_tasks[t], agg, n_ag, max_seeds))
            printf("cannot write %s: %s\n", svg, strerror(errno));
        else if (*png_ok && rl_plot_png(svg, png, png_tool, sizeof png_tool)) *png_ok = 0;
    }
    if (!*png_ok || !n_pt)
        snprintf(png_note, cap, "PNG plots skipped: no working rsvg-convert or ImageMagick "
                 "convert on PATH (the SVGs are complete).");
    else snprintf(png_note, cap, "PNG copies of the plots made with %s.", png_tool);
    *png_ok = *png_ok && n_pt;
    return n_pt;
}

/* Phase 3: summaries, plots, results and index files, the summary table. */
static void phase_report(const bench_cfg *b, const entry *es, int n_es, const run *runs,
                         int n_runs, const tput *tp, int n_tp, double t_start)
{
    static entry_result res[MAX_ENTRIES];
    static curve curves[MAX_ENTRIES][MAX_SEEDS];
    int n_curves[MAX_ENTRIES], png_ok;
    for (int e = 0; e < n_es; e++)
        bench_summarize(&es[e], runs, n_runs, e, &res[e], curves[e], &n_curves[e]);
    const char *plot_tasks[MAX_LIST];
    char png_note[256];
    int n_pt = phase_plots(b, es, n_es, curves, n_curves, plot_tasks, &png_ok, png_note,
                           sizeof png_note);
    double wall = cli_now() - t_start;
    bench_write_results(b->out, es, n_es, res, tp, n_tp, b->command, b->machine, png_note);
    bench_write_index(b->out, b->command, b->machine, plot_tasks, n_pt, png_ok, png_note, wall);
    for (int e = 0; e < n_es; e++)
        for (int s = 0; s < n_curves[e]; s++) bench_curve_free(&curves[e][s]);
    printf("\n%-20s %-6s %-30s %8s %10s\n", "task", "agent", "return (mean +- std over seeds)",
           "success", "reached");
    for (int e = 0; e < n_es; e++) {
        char ret[64];
        snprintf(ret, sizeof ret, "%.1f +- %.1f", res[e].ret_mean, res[e].ret_std);
        printf("%-20s %-6s %-30s %8s %7d/%d\n", es[e].task, es[e].agent, res[e].evaluated ? ret : "failed",
               isfinite(res[e].success) ? NUM("%.0f%%", 100 * res[e].success) : "-", res[e].reached,
               res[e].seeds);
    }
    printf("\nwrote %s/results.md, results.csv, plots/*.svg%s, index.md, index.html (%.0f s)\n",
           b->out, png_ok ? " (+png)" : "", wall);
}

int cmd_bench(int argc, char **argv)
{
    static bench_cfg b;
    memset(&b, 0, sizeof b);
    b.suite_name = "quick";
    b.out = "bench-out";
    b.measure = 1.0;
    int rc = parse_args(&b, argc, argv);
    if (rc) return rc < 0 ? CLI_OK : rc;
    static entry es[MAX_ENTRIES];
    int skipped_missing, n_es = build_entries(&b, es, &skipped_missing);
    if (!n_es) {
        cli_error("bench", "nothing to run: no %s-suite entry matches --tasks/--agents "
                  "(rltool bench --help lists the suites)", b.suite_name);
        return CLI_USAGE;
    }
    if ((rc = prepare(&b, argc, argv))) return rc;
    double t_start = cli_now();
    printf("rltool bench: suite %s, %d task x agent pairs x %lld seeds, %lld job(s) x %d thread(s) -> %s\n"
           "machine: %s\n", b.suite_name, n_es, b.seeds, b.jobs, b.threads, b.out, b.machine);
    static tput tp[MAX_LIST];
    int n_tp = phase_throughput(&b, tp);
    static scale_row sc[2];
    int n_sc = b.measure > 0 && b.cores > 1 && !bench_stop ?
               bench_measure_scaling(b.measure, b.cores, sc) : 0;
    bench_print_scaling(sc, n_sc);
    static run runs[MAX_RUNS];
    int n_runs, failed = phase_train(&b, es, n_es, runs, &n_runs);
    phase_report(&b, es, n_es, runs, n_runs, tp, n_tp, t_start);
    bench_write_scaling(b.out, sc, n_sc);
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
