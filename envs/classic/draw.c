/* draw.c: filled 2-D shapes on an RGB canvas (see draw.h). */
#include "envs/classic/draw.h"

#include <math.h>
#include <string.h>

static void put(rl_canvas *c, int x, int y, const unsigned char color[3])
{
    memcpy(c->rgb + 3 * ((size_t)y * c->w + x), color, 3);
}

/* Clip [lo, hi] to [0, n) as integer pixel indices; 0 if empty. */
static int clip(double lo, double hi, int n, int *a, int *b)
{
    *a = lo < 0 ? 0 : (int)floor(lo);
    *b = hi > n - 1 ? n - 1 : (int)ceil(hi);
    return *a <= *b;
}

void rl_draw_clear(rl_canvas *c, const unsigned char color[3])
{
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) put(c, x, y, color);
}

void rl_draw_rect(rl_canvas *c, double x0, double y0, double x1, double y1,
                  const unsigned char color[3])
{
    int xa, xb, ya, yb;
    if (!clip(x0, x1 - 1, c->w, &xa, &xb) || !clip(y0, y1 - 1, c->h, &ya, &yb)) return;
    for (int y = ya; y <= yb; y++)
        for (int x = xa; x <= xb; x++) put(c, x, y, color);
}

void rl_draw_segment(rl_canvas *c, double x0, double y0, double x1, double y1, double width,
                     const unsigned char color[3])
{
    double r = 0.5 * width, dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    int xa, xb, ya, yb;
    if (!clip(fmin(x0, x1) - r, fmax(x0, x1) + r, c->w, &xa, &xb) ||
        !clip(fmin(y0, y1) - r, fmax(y0, y1) + r, c->h, &ya, &yb))
        return;
    for (int y = ya; y <= yb; y++)
        for (int x = xa; x <= xb; x++) {
            /* Distance from the pixel centre to the segment. */
            double px = x + 0.5 - x0, py = y + 0.5 - y0;
            double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
            t = t < 0 ? 0 : t > 1 ? 1 : t;
            double ex = px - t * dx, ey = py - t * dy;
            if (ex * ex + ey * ey <= r * r) put(c, x, y, color);
        }
}

void rl_draw_disc(rl_canvas *c, double x, double y, double radius, const unsigned char color[3])
{
    rl_draw_segment(c, x, y, x, y, 2 * radius, color);
}
