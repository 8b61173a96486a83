/* rltool bench / plot: learning curves read from metrics.csv, aggregated
 * over seeds on a grid, drawn one figure per task (core/plot.h). */
#include "cli/bench.h"
#include "core/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bench_curve_free(curve *c)
{
    free(c->step);
    free(c->wall);
    free(c->ret);
    memset(c, 0, sizeof *c);
}

/* Read step, wall_time and return_mean from a run's metrics.csv. */
int bench_curve_read(const char *run_dir, curve *c)
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
                bench_curve_free(c);
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
void bench_curve_reach(const curve *c, double thr, double *step, double *wall)
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

void bench_aggregate(const curve *cs, int n, agg_curve *out)
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
int bench_task_figure(const char *path, const char *task, const agg_curve *ag, int n_agents,
                             int n_seeds_max)
{
    rl_plot_series s[2][MAX_LIST];
    for (int w = 0; w < 2; w++)
        for (int a = 0; a < n_agents && a < MAX_LIST; a++)
            s[w][a] = (rl_plot_series){ag[a].label, GRID, ag[a].x[w], ag[a].y[w], ag[a].lo[w], ag[a].hi[w]};
    double thr = bench_threshold(task);
    char thr_label[64], title[256];
    snprintf(thr_label, sizeof thr_label, "threshold %g", thr);
    snprintf(title, sizeof title, "%s: episode return (mean of recent episodes), mean and "
             "min-max over %s", task, n_seeds_max > 1 ? "seeds" : "1 seed");
    rl_plot_panel p[2] = {
        {"return vs env steps", "env steps", "return", s[0], n_agents, thr, thr_label},
        {"return vs wall time", "wall time (s)", "return", s[1], n_agents, thr, thr_label},
    };
    return rl_plot_svg_write(path, title, p, 2);
}
