/* plot.h (internal): a small SVG line-plot writer (no rltool dependencies).
 *
 * A figure is a row of panels; each panel has axes with "nice" ticks,
 * labels, line series with an optional shaded band (min-max or std over
 * seeds) and an optional dashed horizontal reference line. One legend per
 * figure, colours fixed by series index so an agent keeps its colour across
 * panels.
 */
#ifndef RL_CORE_PLOT_H
#define RL_CORE_PLOT_H

#include <stddef.h>

typedef struct rl_plot_series {
    const char *label;
    int n;
    const double *x, *y;   /* (n); non-finite y values break the line */
    const double *lo, *hi; /* (n) band, or NULL */
} rl_plot_series;

typedef struct rl_plot_panel {
    const char *title, *xlabel, *ylabel;
    const rl_plot_series *series;
    int n_series;
    double hline;            /* reference line (threshold); NaN for none */
    const char *hline_label;
} rl_plot_panel;

/* Write an SVG figure with n_panels side by side. Returns 0, or -1 with
 * errno set when the file cannot be written. */
int rl_plot_svg_write(const char *path, const char *title, const rl_plot_panel *panels, int n_panels);

/* "#rrggbb" of series i. */
const char *rl_plot_color(int i);

/* Tick positions for [lo, hi]: writes up to max "nice" values (1, 2, 5 x
 * 10^k steps) into ticks and returns how many. */
int rl_plot_ticks(double lo, double hi, double *ticks, int max);

/* Convert an SVG file to PNG with rsvg-convert or ImageMagick's convert if
 * one is on PATH. Returns 0 and names the tool in `tool`, or -1 when none
 * is available or the conversion failed. */
int rl_plot_png(const char *svg, const char *png, char *tool, size_t cap);

#endif
