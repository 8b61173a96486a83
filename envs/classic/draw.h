/* draw.h: a few anti-aliasing-free 2-D shapes drawn into an RGB image, for
 * the classic tasks' renderers (no OpenGL needed). Coordinates are pixels,
 * x to the right, y down; shapes are clipped to the image. */
#ifndef RLTOOL_ENVS_CLASSIC_DRAW_H
#define RLTOOL_ENVS_CLASSIC_DRAW_H

typedef struct rl_canvas {
    unsigned char *rgb; /* (h, w, 3), top row first */
    int w, h;
} rl_canvas;

void rl_draw_clear(rl_canvas *c, const unsigned char color[3]);
/* Axis-aligned rectangle [x0, x1) x [y0, y1). */
void rl_draw_rect(rl_canvas *c, double x0, double y0, double x1, double y1,
                  const unsigned char color[3]);
/* Segment from (x0, y0) to (x1, y1) with round ends, `width` pixels thick. */
void rl_draw_segment(rl_canvas *c, double x0, double y0, double x1, double y1, double width,
                     const unsigned char color[3]);
void rl_draw_disc(rl_canvas *c, double x, double y, double radius, const unsigned char color[3]);

#endif
