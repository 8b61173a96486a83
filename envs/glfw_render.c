/* glfw_render.c: OpenGL contexts from GLFW (built with RLTOOL_WITH_GLFW).
 *
 * - rl_glfw_start: glfwInit once, with GLFW's error text kept for messages.
 * - The offscreen context, only in builds without EGL (egl_render.c): one
 *   hidden window whose context MuJoCo renders into its offscreen
 *   framebuffer (rl_env_render, `rltool render --record`). A hidden window
 *   still needs an X server.
 * - The viewer: a visible window playing episodes in real time.
 */
#include <GLFW/glfw3.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "envs/mujoco/sim.h"
#include "envs/render.h"

/* ------------------------------------------------------------ GLFW */

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER;
static int glfw_ready;
static char glfw_msg[512];

static void on_glfw_error(int code, const char *desc)
{
    snprintf(glfw_msg, sizeof glfw_msg, "%s (GLFW error 0x%x)", desc ? desc : "?", code);
}

#define HOWTO_DISPLAY "a window needs an X server; `rltool render ENV --record DIR` renders " \
                      "offscreen without one"

int rl_glfw_start(void)
{
    pthread_mutex_lock(&start_lock);
    int rc = RL_OK;
    if (!glfw_ready) {
        const char *dpy = getenv("DISPLAY"), *way = getenv("WAYLAND_DISPLAY");
        if ((!dpy || !*dpy) && (!way || !*way)) {
            rc = rl_error(RL_ESTATE, "no display (DISPLAY is not set); " HOWTO_DISPLAY);
        } else {
            glfwSetErrorCallback(on_glfw_error);
            glfw_msg[0] = 0;
            if (glfwInit())
                glfw_ready = 1;
            else
                rc = rl_error(RL_ESTATE, "cannot open display '%s': %s; " HOWTO_DISPLAY,
                              dpy ? dpy : "", glfw_msg[0] ? glfw_msg : "glfwInit failed");
        }
    }
    pthread_mutex_unlock(&start_lock);
    return rc;
}

/* ------------------------------------------------------------ offscreen */

#ifndef RLTOOL_WITH_EGL
static pthread_mutex_t gl_lock = PTHREAD_MUTEX_INITIALIZER;
static GLFWwindow *hidden;

int rl_gl_offscreen_acquire(void)
{
    int rc = rl_glfw_start();
    if (rc) return rc;
    pthread_mutex_lock(&gl_lock);
    if (!hidden) {
        glfwDefaultWindowHints();
        glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
        glfwWindowHint(GLFW_DOUBLEBUFFER, GLFW_TRUE);
        glfw_msg[0] = 0;
        hidden = glfwCreateWindow(64, 64, "rltool offscreen", NULL, NULL);
        if (!hidden) {
            pthread_mutex_unlock(&gl_lock);
            return rl_error(RL_ESTATE, "cannot create an OpenGL context: %s",
                            glfw_msg[0] ? glfw_msg : "glfwCreateWindow failed");
        }
    }
    glfwMakeContextCurrent(hidden);
    return RL_OK;
}

void rl_gl_offscreen_release(void)
{
    /* Leave no context current, so another thread can take it next. */
    glfwMakeContextCurrent(NULL);
    pthread_mutex_unlock(&gl_lock);
}
#endif

/* ------------------------------------------------------------ viewer */

int rl_viewer_available(const char **why)
{
    if (rl_glfw_start() == RL_OK) return 1;
    if (why) *why = rl_last_error();
    return 0;
}

enum { CAM_DEFAULT = 0, CAM_FREE = 1 }; /* then the model's cameras */

typedef struct viewer {
    const rl_viewer_cfg *cfg;
    rl_env *env;
    GLFWwindow *win;
    rl_rscene rs;
    rl_render_view view;
    mjvCamera cam;
    int cam_mode;
    int paused, step_once, reset_req, quit;
    double speed;
    int left, right;     /* mouse buttons held */
    double mx, my;       /* last cursor position */
    float *action;
    int episode;         /* episodes started */
    int episodes_done;
    double last_return;  /* of the last finished episode */
    int last_success;
    int error;
} viewer;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int n_cam_modes(const viewer *v)
{
    const mjModel *m = v->rs.m;
    return 2 + (m ? m->ncam : 0);
}

static void on_key(GLFWwindow *w, int key, int scancode, int action, int mods)
{
    viewer *v = glfwGetWindowUserPointer(w);
    if (action != GLFW_PRESS && action != GLFW_REPEAT) return;
    switch (key) {
    case GLFW_KEY_SPACE: v->paused = !v->paused; break;
    case GLFW_KEY_RIGHT: if (v->paused) v->step_once = 1; break;
    case GLFW_KEY_R: v->reset_req = 1; break;
    case GLFW_KEY_EQUAL: case GLFW_KEY_KP_ADD: v->speed = fmin(v->speed * 2, 16.0); break;
    case GLFW_KEY_MINUS: case GLFW_KEY_KP_SUBTRACT: v->speed = fmax(v->speed / 2, 1.0 / 16); break;
    case GLFW_KEY_C:
        v->cam_mode = (v->cam_mode + 1) % n_cam_modes(v);
        if (v->cam_mode == CAM_DEFAULT) v->cam.type = mjCAMERA_FREE;
        break;
    case GLFW_KEY_Q: case GLFW_KEY_ESCAPE: v->quit = 1; break;
    default: break;
    }
}

static void on_button(GLFWwindow *w, int button, int action, int mods)
{
    viewer *v = glfwGetWindowUserPointer(w);
    int down = action == GLFW_PRESS;
    if (button == GLFW_MOUSE_BUTTON_LEFT) v->left = down;
    if (button == GLFW_MOUSE_BUTTON_RIGHT) v->right = down;
    glfwGetCursorPos(w, &v->mx, &v->my);
}

static void on_cursor(GLFWwindow *w, double x, double y)
{
    viewer *v = glfwGetWindowUserPointer(w);
    double dx = x - v->mx, dy = y - v->my;
    v->mx = x;
    v->my = y;
    if ((!v->left && !v->right) || !v->rs.ready || v->cam_mode >= 2) return;
    int width, height;
    glfwGetWindowSize(w, &width, &height);
    if (height <= 0) return;
    int shift = glfwGetKey(w, GLFW_KEY_LEFT_SHIFT) == GLFW_PRESS ||
                glfwGetKey(w, GLFW_KEY_RIGHT_SHIFT) == GLFW_PRESS;
    int act = v->left ? (shift ? mjMOUSE_ROTATE_H : mjMOUSE_ROTATE_V)
                      : (shift ? mjMOUSE_MOVE_H : mjMOUSE_MOVE_V);
    /* Panning moves lookat, which the default camera resets every frame:
     * panning switches to the free camera. */
    if (v->right && v->cam_mode == CAM_DEFAULT) v->cam_mode = CAM_FREE;
    mjv_moveCamera(v->rs.m, act, dx / height, dy / height, &v->rs.scn, &v->cam);
}

static void on_scroll(GLFWwindow *w, double xoff, double yoff)
{
    viewer *v = glfwGetWindowUserPointer(w);
    if (!v->rs.ready || v->cam_mode >= 2) return;
    mjv_moveCamera(v->rs.m, mjMOUSE_ZOOM, 0, -0.05 * yoff, &v->rs.scn, &v->cam);
}

static int start_episode(viewer *v)
{
    int64_t seed = v->episode == 0 ? v->cfg->seed : -1;
    int rc = rl_env_reset(v->env, seed);
    if (rc) return rc;
    if (v->cfg->reset) v->cfg->reset(v->cfg->user);
    v->episode++;
    return RL_OK;
}

/* One control step; starts the next episode when this one ended. */
static int advance(viewer *v)
{
    rl_env *env = v->env;
    int rc;
    if (v->cfg->act) {
        if ((rc = v->cfg->act(v->cfg->user, env, rl_env_obs(env), v->action))) return rc;
    } else {
        memset(v->action, 0, (size_t)env->act_space.dim * sizeof(float));
    }
    if ((rc = rl_env_step(env, v->action))) return rc;
    const rl_info *info = rl_env_info(env);
    if (info->done) {
        v->episodes_done++;
        v->last_return = info->episode_return;
        v->last_success = info->success;
        if (v->cfg->episodes > 0 && v->episodes_done >= v->cfg->episodes) {
            v->quit = 1;
            return RL_OK;
        }
        return start_episode(v);
    }
    return RL_OK;
}

static void overlay(viewer *v, int width, int height)
{
    rl_env *env = v->env;
    const rl_info *info = rl_env_info(env);
    char values[1024], cam[64];
    if (v->cam_mode == CAM_DEFAULT)
        snprintf(cam, sizeof cam, "%s", v->view.follow ? "tracking" : "default");
    else if (v->cam_mode == CAM_FREE)
        snprintf(cam, sizeof cam, "free");
    else
        snprintf(cam, sizeof cam, "model camera %d", v->cam_mode - 2);
    char ep[96];
    int k = snprintf(ep, sizeof ep, "%d", v->episode);
    if (v->cfg->episodes > 0) k += snprintf(ep + k, sizeof ep - (size_t)k, " of %d", v->cfg->episodes);
    if (v->episodes_done)
        snprintf(ep + k, sizeof ep - (size_t)k, "  (last %.2f%s)", v->last_return,
                 v->last_success < 0 ? "" : (v->last_success ? ", success" : ", fail"));
    snprintf(values, sizeof values, "%s\n%s\n%d / %d\n%.3f  (reward %.3f)\n%s\n%gx%s\n%s\n%s",
             env->task->id, ep, env->t, env->max_steps, env->ep_return,
             (double)rl_env_reward(env), info->success < 0 ? "-" : (info->success ? "yes" : "no"),
             v->speed, v->paused ? "  PAUSED" : "", cam,
             v->cfg->policy ? v->cfg->policy : "zero actions");
    mjrRect vp = {0, 0, width, height};
    mjr_overlay(mjFONT_NORMAL, mjGRID_TOPLEFT, vp,
                "task\nepisode\nstep\nreturn\nsuccess\nspeed\ncamera\npolicy", values,
                &v->rs.con);
    mjr_overlay(mjFONT_NORMAL, mjGRID_BOTTOMLEFT, vp,
                "space pause  right step  R reset  +/- speed  C camera  Q quit", NULL,
                &v->rs.con);
}

struct frame_ctx {
    viewer *v;
    mjData *d;
    int w, h;
};

static void do_frame(void *arg)
{
    struct frame_ctx *c = arg;
    viewer *v = c->v;
    mjv_updateScene(v->rs.m, c->d, &v->rs.opt, NULL, &v->cam, mjCAT_ALL, &v->rs.scn);
    mjr_setBuffer(mjFB_WINDOW, &v->rs.con);
    mjrRect vp = {0, 0, c->w, c->h};
    mjr_render(vp, &v->rs.scn, &v->rs.con);
    overlay(v, c->w, c->h);
}

static int draw(viewer *v, int *w, int *h)
{
    const mjModel *m;
    mjData *d;
    int rc = rl_render_sim(v->env, &m, &d);
    if (rc) return rc;
    glfwGetFramebufferSize(v->win, w, h);
    if (*w <= 0 || *h <= 0) return RL_OK;
    if ((rc = rl_rscene_prepare(&v->rs, m, 1, 1))) return rc;
    if (v->cam_mode == CAM_DEFAULT) {
        rl_render_aim(m, d, &v->view, &v->cam, 0);
    } else if (v->cam_mode >= 2) {
        v->cam.type = mjCAMERA_FIXED;
        v->cam.fixedcamid = v->cam_mode - 2;
    } else {
        v->cam.type = mjCAMERA_FREE;
    }
    struct frame_ctx c = {v, d, *w, *h};
    return rl_sim_guard(do_frame, &c);
}

/* The viewer's state, the first episode, and the camera aimed at it. */
static int viewer_init(viewer *v, const rl_viewer_cfg *cfg)
{
    memset(v, 0, sizeof *v);
    v->cfg = cfg;
    v->env = cfg->env;
    v->speed = 1.0;
    v->last_success = -1;
    int rc;
    if ((rc = start_episode(v))) return rc;
    if ((rc = rl_render_default_view(v->env, &v->view))) return rc;
    mjv_defaultCamera(&v->cam);
    const mjModel *m0;
    mjData *d0;
    if ((rc = rl_render_sim(v->env, &m0, &d0))) return rc;
    rl_render_aim(m0, d0, &v->view, &v->cam, 1);
    v->action = calloc((size_t)v->env->act_space.dim + 1, sizeof(float));
    if (!v->action) return rl_error(RL_ENOMEM, "out of memory");
    return RL_OK;
}

/* The window with its GL context current and its input routed to v. */
static int open_window(viewer *v)
{
    glfwDefaultWindowHints();
    glfwWindowHint(GLFW_SAMPLES, 4);
    glfwWindowHint(GLFW_VISIBLE, GLFW_TRUE);
    char title[256];
    snprintf(title, sizeof title, "rltool render: %s", v->env->task->id);
    glfw_msg[0] = 0;
    v->win = glfwCreateWindow(v->cfg->width > 0 ? v->cfg->width : 1024,
                              v->cfg->height > 0 ? v->cfg->height : 768, title, NULL, NULL);
    if (!v->win)
        return rl_error(RL_ESTATE, "cannot open a window: %s",
                        glfw_msg[0] ? glfw_msg : "glfwCreateWindow failed");
    glfwMakeContextCurrent(v->win);
    glfwSwapInterval(1);
    glfwSetWindowUserPointer(v->win, v);
    glfwSetKeyCallback(v->win, on_key);
    glfwSetMouseButtonCallback(v->win, on_button);
    glfwSetCursorPosCallback(v->win, on_cursor);
    glfwSetScrollCallback(v->win, on_scroll);
    return RL_OK;
}

/* The steps due by now: real time at the task's control rate (dt) times the
 * speed, or the single step asked for while paused. *next is when the next
 * step is due; after a stall (a slow frame) the backlog is dropped instead of
 * raced through. */
static int catch_up(viewer *v, double now, double dt, double *next)
{
    int rc = RL_OK;
    if (v->paused) {
        if (v->step_once) {
            v->step_once = 0;
            rc = advance(v);
        }
        *next = now;
        return rc;
    }
    for (int n = 0; now >= *next && n < 32 && !v->quit; n++) {
        if ((rc = advance(v))) return rc;
        *next += dt / v->speed;
    }
    if (now - *next > 0.25) *next = now;
    return RL_OK;
}

static int save_screenshot(viewer *v, const char *path, int w, int h)
{
    unsigned char *rgb = malloc((size_t)w * h * 3);
    if (!rgb) return rl_error(RL_ENOMEM, "out of memory");
    int rc = rl_rscene_read(&v->rs, rgb, w, h);
    if (!rc) rc = rl_png_write(path, rgb, w, h);
    free(rgb);
    return rc;
}

int rl_viewer_run(const rl_viewer_cfg *cfg)
{
    int rc = rl_glfw_start();
    if (rc) return rc;
    viewer v;
    if ((rc = viewer_init(&v, cfg))) return rc;
    if ((rc = open_window(&v))) {
        free(v.action);
        return rc;
    }
    double dt = rl_env_dt(v.env) > 0 ? rl_env_dt(v.env) : 1.0 / 60;
    double t0 = now_s(), next = t0;
    while (!v.quit && !glfwWindowShouldClose(v.win)) {
        glfwPollEvents();
        if (v.reset_req) {
            v.reset_req = 0;
            if ((rc = start_episode(&v))) break;
            next = now_s();
        }
        double now = now_s();
        if ((rc = catch_up(&v, now, dt, &next)) || v.quit) break;
        int w, h;
        if ((rc = draw(&v, &w, &h))) break;
        if (cfg->screenshot && now - t0 >= cfg->screenshot_after && w > 0 && h > 0) {
            rc = save_screenshot(&v, cfg->screenshot, w, h);
            break;
        }
        glfwSwapBuffers(v.win);
        /* Sleep until the next step is due (at most a frame), so a paused
         * or slow task does not spin a core. */
        double wait = v.paused ? 1.0 / 30 : next - now_s();
        if (wait > 0) glfwWaitEventsTimeout(fmin(wait, 1.0 / 60));
    }
    rl_rscene_free(&v.rs);
    glfwMakeContextCurrent(NULL);
    glfwDestroyWindow(v.win);
    free(v.action);
    return rc;
}
