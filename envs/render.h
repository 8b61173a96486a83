/* render.h: drawing MuJoCo tasks (internal to rltool; the public entry point
 * is rl_env_render in rltool.h).
 *
 * Three layers:
 *   render.c       what to draw: the default camera of each MuJoCo task (a
 *                  small table keyed by task id prefix), a scene + mjrContext
 *                  bound to one model, reading and flipping pixels, and PNG
 *                  files (zlib). Needs an OpenGL context to be current but
 *                  does not know where it came from.
 *   egl_render.c   where offscreen frames are drawn (rl_env_render,
 *                  recording): a surfaceless EGL context, no X server
 *                  needed. Built with RLTOOL_WITH_EGL.
 *   glfw_render.c  the interactive viewer window (`rltool render`), and
 *                  the offscreen context in builds without EGL (a hidden
 *                  window, which needs an X server). Built with
 *                  RLTOOL_WITH_GLFW; for whatever is not built in,
 *                  render.c fails with RL_ESTATE and the reason.
 *   tasks          each MuJoCo task sets `.render = rl_render_mujoco`.
 */
#ifndef RLTOOL_ENVS_RENDER_H
#define RLTOOL_ENVS_RENDER_H

#include <mujoco/mujoco.h>

#include "rltool.h"

/* ------------------------------------------------------------ task hook */

/* rl_task.render of every MuJoCo task: the env's current state seen from
 * the task's default camera, as RGB (height, width, 3), top row first.
 * Uses one process-wide offscreen GL context (serialised by a lock).
 * RL_ESTATE when there is no GL context to be had (no EGL, and no X display
 * for the GLFW fallback), RL_ESIM when MuJoCo's renderer fails. */
int rl_render_mujoco(rl_env *env, unsigned char *rgb, int width, int height);
/* The same with hide = 1 leaving out the tracked body (every body but the
 * world when the view tracks none): tests compare the two frames. */
int rl_render_frame(rl_env *env, unsigned char *rgb, int width, int height, int hide);

/* ------------------------------------------------------------ cameras */

/* The model and data of a MuJoCo env (NULL, NULL with RL_EINVAL if env is
 * not one of the MuJoCo tasks render.c knows). */
int rl_render_sim(rl_env *env, const mjModel **m, mjData **d);

/* How a task's default camera frames its body. */
typedef struct rl_render_view {
    int body;          /* tracked body id (-1: whole model) */
    int follow;        /* 1: lookat follows the body every frame */
    int use_com;       /* follow the subtree centre of mass, not the frame origin */
    double center[3];  /* lookat for follow = 0 (world) */
    double radius;     /* size of what is framed, m */
    double azimuth, elevation, distance;
} rl_render_view;

/* The default view of env's task for its model (computed from the model at
 * its rest pose). */
int rl_render_default_view(rl_env *env, rl_render_view *view);

/* Point cam (a free camera) at the view for the current state of d: lookat
 * follows the body when view->follow. azimuth/elevation/distance are taken
 * from the view only when reset_angles is set (so a viewer can orbit). */
void rl_render_aim(const mjModel *m, const mjData *d, const rl_render_view *view, mjvCamera *cam,
                   int reset_angles);

/* ------------------------------------------------------------ scenes */

/* A scene and an mjrContext bound to one model. Needs the GL context it was
 * made in to be current for every call. */
typedef struct rl_rscene {
    const mjModel *m;     /* the model the context was made for */
    long sig[8];          /* model signature, to notice a new model at the same address */
    int off_w, off_h;     /* offscreen buffer size */
    int ready;
    mjvScene scn;
    mjrContext con;
    mjvOption opt;
} rl_rscene;

/* (Re)build rs for m when m changed or the offscreen buffer is smaller than
 * min_w x min_h. RL_ESIM on a MuJoCo error. */
int rl_rscene_prepare(rl_rscene *rs, const mjModel *m, int min_w, int min_h);
/* Free the scene and the GL objects (the context must be current). */
void rl_rscene_free(rl_rscene *rs);
/* Draw d from cam into viewport of framebuffer (mjFB_OFFSCREEN or
 * mjFB_WINDOW). RL_ESIM on a MuJoCo error. */
int rl_rscene_draw(rl_rscene *rs, mjData *d, mjvCamera *cam, int framebuffer, int width,
                   int height);
/* Read the current buffer's (width x height) pixels, top row first. */
int rl_rscene_read(rl_rscene *rs, unsigned char *rgb, int width, int height);

/* ------------------------------------------------------------ GL context */

/* Make the process-wide offscreen context current on this thread,
 * creating it on first use, and hold the render lock until
 * rl_gl_offscreen_release. RL_ESTATE (with the reason) when no context can
 * be made; the lock is not held then. */
int rl_gl_offscreen_acquire(void);
void rl_gl_offscreen_release(void);
#ifdef RLTOOL_WITH_GLFW
/* glfwInit once (GLFW builds only); RL_ESTATE with the reason on failure. */
int rl_glfw_start(void);
#endif

/* ------------------------------------------------------------ viewer */

/* One decision of the policy shown in the viewer: obs -> action (the env's
 * action space). Return RL_OK or an rl error code (stops the viewer). */
typedef int (*rl_viewer_act_fn)(void *user, const rl_env *env, const float *obs, float *action);
/* Called before every episode (reset a stateful policy). */
typedef void (*rl_viewer_reset_fn)(void *user);

typedef struct rl_viewer_cfg {
    rl_env *env;
    int episodes;            /* 0: until the window is closed */
    int64_t seed;
    int width, height;       /* window size */
    rl_viewer_act_fn act;    /* NULL: zero actions */
    rl_viewer_reset_fn reset;
    void *user;
    const char *policy;      /* label in the overlay ("random actions", a checkpoint) */
    const char *screenshot;  /* non-NULL: save the window as this PNG after about
                                screenshot_after seconds of play, then close */
    double screenshot_after;
} rl_viewer_cfg;

/* Play episodes in a window in real time (task->dt per step). Keys: space
 * pause, right arrow single step when paused, R reset, +/- speed, C cycle
 * cameras, Q/Esc quit; mouse drag orbits, right drag pans, scroll zooms.
 * RL_ESTATE (message says why) when no window can be opened: no display or
 * built without GLFW. */
int rl_viewer_run(const rl_viewer_cfg *cfg);

/* 1 when a window could be opened (a display is configured and GLFW
 * initialises); *why gets the reason otherwise. */
int rl_viewer_available(const char **why);

/* ------------------------------------------------------------ PNG */

/* Write RGB (height, width, 3), top row first, as an 8-bit RGB PNG (one
 * IDAT, deflate via zlib). RL_EIO with the path on failure. */
int rl_png_write(const char *path, const unsigned char *rgb, int width, int height);

#endif /* RLTOOL_ENVS_RENDER_H */
