/* plot.c: SVG line plots with bands, ticks, labels and a legend. */
#include "core/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                      "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};

const char *rl_plot_color(int i)
{
    int n = (int)(sizeof palette / sizeof palette[0]);
    return palette[((i % n) + n) % n];
}

static double nice_step(double span, int target)
{
    double raw = span / (target > 0 ? target : 5);
    if (!(raw > 0) || !isfinite(raw)) return 1;
    double p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

int rl_plot_ticks(double lo, double hi, double *ticks, int max)
{
    double step = nice_step(hi - lo, 5);
    int n = 0;
    for (double v = ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9 && n < max; v += step)
        ticks[n++] = fabs(v) < step * 1e-9 ? 0 : v;
    return n;
}

/* Tick label: 20000 -> "20k", 1.5e6 -> "1.5M", 0.25 -> "0.25". */
static void fmt_tick(double v, char *buf, size_t cap)
{
    double a = fabs(v);
    if (a >= 1e6) snprintf(buf, cap, "%gM", v / 1e6);
    else if (a >= 1e4) snprintf(buf, cap, "%gk", v / 1e3);
    else snprintf(buf, cap, "%g", v);
}

static void put_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '&') fputs("&amp;", f);
        else if (*s == '<') fputs("&lt;", f);
        else if (*s == '>') fputs("&gt;", f);
        else if (*s == '"') fputs("&quot;", f);
        else fputc(*s, f);
    }
}

typedef struct {
    double x0, y0, w, h;     /* plot area in pixels (top-left, size) */
    double xlo, xhi, ylo, yhi;
} frame;

static double px(const frame *fr, double x) { return fr->x0 + (x - fr->xlo) / (fr->xhi - fr->xlo) * fr->w; }
static double py(const frame *fr, double y) { return fr->y0 + fr->h - (y - fr->ylo) / (fr->yhi - fr->ylo) * fr->h; }

static void widen(double *lo, double *hi)
{
    if (!isfinite(*lo) || !isfinite(*hi)) *lo = 0, *hi = 1;
    if (*hi - *lo < 1e-12 * (fabs(*lo) + fabs(*hi)) || *hi == *lo) {
        double d = fabs(*lo) > 0 ? 0.1 * fabs(*lo) : 1;
        *lo -= d, *hi += d;
    }
}

static void data_range(const rl_plot_panel *p, frame *fr)
{
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int s = 0; s < p->n_series; s++) {
        const rl_plot_series *se = &p->series[s];
        for (int i = 0; i < se->n; i++) {
            if (!isfinite(se->x[i]) || !isfinite(se->y[i])) continue;
            if (se->x[i] < xlo) xlo = se->x[i];
            if (se->x[i] > xhi) xhi = se->x[i];
            double lo = se->lo && isfinite(se->lo[i]) ? fmin(se->lo[i], se->y[i]) : se->y[i];
            double hi = se->hi && isfinite(se->hi[i]) ? fmax(se->hi[i], se->y[i]) : se->y[i];
            if (lo < ylo) ylo = lo;
            if (hi > yhi) yhi = hi;
        }
    }
    if (isfinite(p->hline)) {
        if (p->hline < ylo) ylo = p->hline;
        if (p->hline > yhi) yhi = p->hline;
    }
    if (xlo > 0 && isfinite(xlo)) xlo = 0; /* curves start at zero steps / seconds */
    widen(&xlo, &xhi);
    widen(&ylo, &yhi);
    double pad = 0.05 * (yhi - ylo);
    fr->xlo = xlo, fr->xhi = xhi, fr->ylo = ylo - pad, fr->yhi = yhi + pad;
}

/* One tick: a light grid line, the tick mark on the axis, its label. */
static void draw_tick(FILE *f, const double grid[4], const double mark[4], double lx, double ly,
                      const char *anchor, const char *lab)
{
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>"
               "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#444\"/>"
               "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
            grid[0], grid[1], grid[2], grid[3], mark[0], mark[1], mark[2], mark[3], lx, ly, anchor,
            lab);
}

static void draw_axes(FILE *f, const rl_plot_panel *p, const frame *fr)
{
    double t[32];
    char lab[32];
    fprintf(f, "<g class=\"axes\" font-size=\"11\" fill=\"#333\">\n");
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#444\"/>\n",
            fr->x0, fr->y0, fr->w, fr->h);
    int n = rl_plot_ticks(fr->xlo, fr->xhi, t, 32);
    for (int i = 0; i < n; i++) {
        double x = px(fr, t[i]), y1 = fr->y0 + fr->h;
        fmt_tick(t[i], lab, sizeof lab);
        draw_tick(f, (const double[4]){x, fr->y0, x, y1}, (const double[4]){x, y1, x, y1 + 5},
                  x, y1 + 18, "middle", lab);
    }
    n = rl_plot_ticks(fr->ylo, fr->yhi, t, 32);
    for (int i = 0; i < n; i++) {
        double y = py(fr, t[i]);
        fmt_tick(t[i], lab, sizeof lab);
        draw_tick(f, (const double[4]){fr->x0, y, fr->x0 + fr->w, y},
                  (const double[4]){fr->x0 - 5, y, fr->x0, y}, fr->x0 - 8, y + 4, "end", lab);
    }
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"12\">", fr->x0 + fr->w / 2,
            fr->y0 + fr->h + 36);
    put_text(f, p->xlabel);
    fprintf(f, "</text>\n<text transform=\"translate(%.1f,%.1f) rotate(-90)\" text-anchor=\"middle\" "
               "font-size=\"12\">", fr->x0 - 48, fr->y0 + fr->h / 2);
    put_text(f, p->ylabel);
    fprintf(f, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" "
               "font-weight=\"bold\">", fr->x0 + fr->w / 2, fr->y0 - 8);
    put_text(f, p->title);
    fprintf(f, "</text>\n</g>\n");
}

static void draw_series(FILE *f, const rl_plot_series *se, int idx, const frame *fr)
{
    const char *col = rl_plot_color(idx);
    fprintf(f, "<g class=\"series\" data-label=\"");
    put_text(f, se->label);
    fprintf(f, "\">\n");
    if (se->lo && se->hi) {
        /* Band: upper edge forward, lower edge back, over finite points. */
        int k = 0;
        fprintf(f, "<path class=\"band\" fill=\"%s\" fill-opacity=\"0.18\" stroke=\"none\" d=\"", col);
        for (int i = 0; i < se->n; i++)
            if (isfinite(se->x[i]) && isfinite(se->hi[i]) && isfinite(se->lo[i]))
                fprintf(f, "%s%.1f %.1f", k++ ? " L" : "M", px(fr, se->x[i]), py(fr, se->hi[i]));
        for (int i = se->n - 1; i >= 0; i--)
            if (isfinite(se->x[i]) && isfinite(se->hi[i]) && isfinite(se->lo[i]))
                fprintf(f, " L%.1f %.1f", px(fr, se->x[i]), py(fr, se->lo[i]));
        fprintf(f, "%s\"/>\n", k ? " Z" : "M0 0");
    }
    fprintf(f, "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
               "stroke-linejoin=\"round\" d=\"", col);
    int pen = 0, any = 0;
    for (int i = 0; i < se->n; i++) {
        if (!isfinite(se->x[i]) || !isfinite(se->y[i])) {
            pen = 0;
            continue;
        }
        fprintf(f, "%s%.1f %.1f", pen ? " L" : (any ? " M" : "M"), px(fr, se->x[i]), py(fr, se->y[i]));
        pen = any = 1;
    }
    if (!any) fprintf(f, "M0 0");
    fprintf(f, "\"/>\n</g>\n");
}

int rl_plot_svg_write(const char *path, const char *title, const rl_plot_panel *panels, int n_panels)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    const double pw = 480, ph = 360, ml = 70, mr = 20, mt = 56, mb = 50;
    int n_legend = 0;
    for (int p = 0; p < n_panels; p++)
        if (panels[p].n_series > n_legend) n_legend = panels[p].n_series;
    double W = n_panels * pw;
    int per_row = (int)((W - ml) / 200); /* legend entries 200 px apart */
    if (per_row < 1) per_row = 1;
    double legend_h = 22.0 * ((n_legend + per_row - 1) / per_row) + 8, H = ph + legend_h;
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">",
            W, H, W, H, W / 2);
    put_text(f, title);
    fprintf(f, "</text>\n");
    for (int p = 0; p < n_panels; p++) {
        const rl_plot_panel *pa = &panels[p];
        frame fr = {p * pw + ml, mt, pw - ml - mr, ph - mt - mb, 0, 1, 0, 1};
        data_range(pa, &fr);
        draw_axes(f, pa, &fr);
        fprintf(f, "<svg x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" viewBox=\"%.1f %.1f %.1f %.1f\" "
                   "overflow=\"hidden\">\n", fr.x0, fr.y0, fr.w, fr.h, fr.x0, fr.y0, fr.w, fr.h);
        if (isfinite(pa->hline)) {
            double y = py(&fr, pa->hline);
            fprintf(f, "<line class=\"threshold\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                       "stroke=\"#555\" stroke-dasharray=\"6 4\"/>\n<text x=\"%.1f\" y=\"%.1f\" "
                       "text-anchor=\"end\" font-size=\"10\" fill=\"#555\">",
                    fr.x0, y, fr.x0 + fr.w, y, fr.x0 + fr.w - 4, y - 4);
            put_text(f, pa->hline_label ? pa->hline_label : "threshold");
            fprintf(f, "</text>\n");
        }
        for (int s = 0; s < pa->n_series; s++) draw_series(f, &pa->series[s], s, &fr);
        fprintf(f, "</svg>\n");
    }
    /* Legend under the panels, from the panel with the most series. */
    const rl_plot_panel *lp = NULL;
    for (int p = 0; p < n_panels; p++)
        if (!lp || panels[p].n_series > lp->n_series) lp = &panels[p];
    fprintf(f, "<g class=\"legend\" font-size=\"12\">\n");
    for (int s = 0; lp && s < lp->n_series; s++) {
        double x = ml + (s % per_row) * 200, y = ph + 12 + 22.0 * (s / per_row);
        fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"10\" fill=\"%s\" fill-opacity=\"0.25\"/>"
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\">",
                x, y - 5, rl_plot_color(s), x, y, x + 22, y, rl_plot_color(s), x + 28, y + 4);
        put_text(f, lp->series[s].label);
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</g>\n</svg>\n");
    return fclose(f) ? -1 : 0;
}

/* Is `tool` an executable on PATH? */
static int on_path(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Single-quote a path for /bin/sh. */
static void quote(const char *s, char *out, size_t cap)
{
    size_t n = 0;
    if (cap < 3) return;
    out[n++] = '\'';
    for (; *s && n + 5 < cap; s++) {
        if (*s == '\'') {
            memcpy(out + n, "'\\''", 4);
            n += 4;
        } else out[n++] = *s;
    }
    out[n++] = '\'';
    out[n] = 0;
}

int rl_plot_png(const char *svg, const char *png, char *tool, size_t cap)
{
    char qs[2100], qp[2100], cmd[4400];
    quote(svg, qs, sizeof qs);
    quote(png, qp, sizeof qp);
    if (on_path("rsvg-convert")) {
        snprintf(cmd, sizeof cmd, "rsvg-convert -o %s %s 2>/dev/null", qp, qs);
        if (tool) snprintf(tool, cap, "rsvg-convert");
    } else if (on_path("convert")) {
        snprintf(cmd, sizeof cmd, "convert %s %s 2>/dev/null", qs, qp);
        if (tool) snprintf(tool, cap, "ImageMagick convert");
    } else {
        if (tool) snprintf(tool, cap, "none");
        return -1;
    }
    int st = system(cmd);
    return st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}
