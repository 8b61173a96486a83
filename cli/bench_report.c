/* rltool bench: per-entry summaries over seeds and the written reports
 * (results.csv, results.md, throughput.csv, index.md, index.html). */
#include "cli/bench.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static double mean_of(const double *v, int n)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) s += v[i], k++;
    return k ? s / k : NAN;
}

void bench_summarize(const entry *e, const run *runs, int n_runs, int ei, entry_result *res,
                      curve *curves, int *n_curves)
{
    double ret[MAX_SEEDS], succ[MAX_SEEDS], st[MAX_SEEDS], se[MAX_SEEDS], tw[MAX_SEEDS],
        par[MAX_SEEDS], dec[MAX_SEEDS], mm[MAX_SEEDS];
    int n = 0;
    memset(res, 0, sizeof *res);
    *n_curves = 0;
    double thr = bench_threshold(e->task);
    for (int i = 0; i < n_runs && n < MAX_SEEDS; i++) {
        if (runs[i].entry != ei) continue;
        const run *r = &runs[i];
        char ev[2200];
        snprintf(ev, sizeof ev, "%s/eval.txt", r->dir);
        ret[n] = bench_read_kv_num(ev, "mean_return");
        succ[n] = bench_read_kv_num(ev, "success_rate");
        if (succ[n] < 0) succ[n] = NAN;
        par[n] = bench_read_kv_num(ev, "params");
        dec[n] = bench_read_kv_num(ev, "decisions_per_ep");
        mm[n] = bench_read_kv_num(ev, "mmacs_per_ep");
        st[n] = se[n] = tw[n] = NAN;
        curve *c = &curves[*n_curves];
        if (!bench_curve_read(r->dir, c)) {
            bench_curve_reach(c, thr, &st[n], &se[n]);
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
const char *bench_num(char *buf, size_t cap, const char *fmt, double v)
{
    if (!isfinite(v)) snprintf(buf, cap, "-");
    else snprintf(buf, cap, fmt, v);
    return buf;
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, ",%.6g", v);
    else fputs(",", f);
}

static const char results_header[] =
    "task,agent,seeds,steps,threshold,return_mean,return_std,return_min,return_max,success_rate,"
    "seeds_reached,steps_to_threshold,seconds_to_threshold,train_seconds,params,decisions_per_ep,"
    "mmacs_per_ep";

static void write_results_csv(const char *out, const entry *es, int n_es, const entry_result *res)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/results.csv", out);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%s\n", results_header);
        for (int i = 0; i < n_es; i++) {
            const entry_result *r = &res[i];
            fprintf(f, "%s,%s,%d,%lld", es[i].task, es[i].agent, r->seeds, es[i].steps);
            double v[] = {bench_threshold(es[i].task), r->ret_mean, r->ret_std, r->ret_min, r->ret_max,
                          r->success};
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) csv_num(f, v[k]);
            fprintf(f, ",%d", r->reached);
            double w[] = {r->steps_thr, r->secs_thr, r->train_secs, r->params, r->decisions, r->mmacs};
            for (size_t k = 0; k < sizeof w / sizeof w[0]; k++) csv_num(f, w[k]);
            fputc('\n', f);
        }
        fclose(f);
    }
}

static void write_throughput_csv(const char *out, const tput *tp, int n_tp)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/throughput.csv", out);
    FILE *f = n_tp ? fopen(path, "w") : NULL;
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
}

static void write_results_md(const char *out, const entry *es, int n_es, const entry_result *res,
                             const tput *tp, int n_tp, const char *command, const char *machine,
                             const char *png_note)
{
    char path[2200];
    snprintf(path, sizeof path, "%s/results.md", out);
    FILE *f = fopen(path, "w");
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
                NUM("%g", bench_threshold(es[i].task)), r->reached, r->seeds, NUM("%.0f", r->steps_thr),
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

void bench_write_results(const char *out, const entry *es, int n_es, const entry_result *res,
                         const tput *tp, int n_tp, const char *command, const char *machine,
                         const char *png_note)
{
    write_results_csv(out, es, n_es, res);
    write_throughput_csv(out, tp, n_tp);
    write_results_md(out, es, n_es, res, tp, n_tp, command, machine, png_note);
}

void bench_write_index(const char *out, const char *command, const char *machine,
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
