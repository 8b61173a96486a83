/* egl_render.c: the offscreen OpenGL context from EGL (built with
 * RLTOOL_WITH_EGL), so rl_env_render needs no X server.
 *
 * Mesa's surfaceless platform (EGL_MESA_platform_surfaceless) gives a
 * desktop-OpenGL context with no window and no display; MuJoCo renders into
 * its own offscreen framebuffer object, so no EGL surface is needed either.
 * Debian's libmujoco finds GL entry points through whichever of libGL,
 * libEGL and libOSMesa answers GetProcAddress; with glvnd both libGL and
 * libEGL hand out dispatch entry points that follow the current context, so this
 * context and the GLFW viewer's can live in one process.
 *
 * One context per process, current on one thread at a time (the render
 * lock). On a machine with a GPU and its EGL vendor library, EGL picks it;
 * otherwise Mesa's software rasteriser (llvmpipe) draws.
 */
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "envs/render.h"

static pthread_mutex_t gl_lock = PTHREAD_MUTEX_INITIALIZER;
static EGLDisplay dpy = EGL_NO_DISPLAY;
static EGLContext ctx = EGL_NO_CONTEXT;
static int failed;          /* made once; a failure is remembered, not retried */
static char fail_msg[256];

#define HOWTO_EGL "install Mesa's EGL (Debian: libegl1 libegl-mesa0) for headless rendering"

/* The display: surfaceless Mesa first (needs no X server, no GPU), then the
 * default display. */
static EGLDisplay open_display(void)
{
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    const char *exts = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (get_platform_display && exts && strstr(exts, "EGL_MESA_platform_surfaceless")) {
        EGLDisplay d = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY,
                                            NULL);
        if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) return d;
    }
    EGLDisplay d = eglGetDisplay(EGL_DEFAULT_DISPLAY);
    if (d != EGL_NO_DISPLAY && eglInitialize(d, NULL, NULL)) return d;
    return EGL_NO_DISPLAY;
}

static int make_context(void)
{
    dpy = open_display();
    if (dpy == EGL_NO_DISPLAY) {
        snprintf(fail_msg, sizeof fail_msg, "no EGL display (EGL error 0x%x); " HOWTO_EGL,
                 eglGetError());
        return -1;
    }
    /* MuJoCo 2.2 draws with the compatibility profile: desktop OpenGL,
     * not GLES. Depth and stencil live in MuJoCo's own framebuffer. The
     * surface type defaults to windows, which a surfaceless display lacks. */
    static const EGLint attrs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE,
                                   EGL_OPENGL_BIT, EGL_NONE};
    EGLConfig cfg;
    EGLint n = 0;
    if (!eglBindAPI(EGL_OPENGL_API) || !eglChooseConfig(dpy, attrs, &cfg, 1, &n) || n < 1) {
        snprintf(fail_msg, sizeof fail_msg,
                 "EGL offers no desktop OpenGL config (EGL error 0x%x); " HOWTO_EGL,
                 eglGetError());
        return -1;
    }
    ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, NULL);
    if (ctx == EGL_NO_CONTEXT) {
        snprintf(fail_msg, sizeof fail_msg, "cannot create an EGL OpenGL context (EGL error 0x%x)",
                 eglGetError());
        return -1;
    }
    return 0;
}

int rl_gl_offscreen_acquire(void)
{
    pthread_mutex_lock(&gl_lock);
    if (ctx == EGL_NO_CONTEXT && !failed && make_context()) failed = 1;
    if (failed) {
        pthread_mutex_unlock(&gl_lock);
        return rl_error(RL_ESTATE, "headless rendering unavailable: %s", fail_msg);
    }
    if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
        EGLint e = eglGetError();
        pthread_mutex_unlock(&gl_lock);
        return rl_error(RL_ESTATE, "cannot make the EGL context current (EGL error 0x%x)", e);
    }
    return RL_OK;
}

void rl_gl_offscreen_release(void)
{
    /* Leave no context current, so another thread can take it next. */
    eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
    pthread_mutex_unlock(&gl_lock);
}
