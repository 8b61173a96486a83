/* render.c: what a MuJoCo task looks like on screen, independent of where
 * the OpenGL context comes from (see render.h): each task's default camera,
 * a scene bound to a model, pixels, and PNG files. */
#include "envs/render.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "envs/mujoco/hand.h"
#include "envs/mujoco/mjcf_task.h"
#include "envs/mujoco/quadrotor.h"
#include "envs/mujoco/sim.h"
#include "envs/mujoco/swimmer.h"

/* ------------------------------------------------------------ cameras */

/* The default camera of each MuJoCo task family, by task id prefix. The
 * distance is zoom x the radius of what is framed (measured on the model
 * at rest), so a 12-link swimmer is framed as well as a 4-link one. */
typedef struct view_def {
    const char *prefix;
    rl_sim *(*sim)(rl_env *env);
    const char *body;  /* tracked body; NULL frames every body but the world */
    int follow;        /* lookat moves with the body */
    int use_com;       /* ... at its subtree's centre of mass */
    double azimuth, elevation, zoom;
} view_def;

static const view_def view_defs[] = {
    /* The swimmer moves in the plane: look down at the whole chain from
     * above its head's subtree centre of mass (the whole body). */
    {"swimmer", rl_swimmer_sim, "head", 1, 1, 90.0, -65.0, 1.05},
    /* Follow the quadrotor from behind and slightly above. */
    {"quadrotor", rl_quadrotor_sim, "quad", 1, 0, 135.0, -25.0, 3.0},
    /* The hand is fixed, palm up: look over the wrist at the palm (and the
     * cube) with the fingers pointing away. */
    {"hand", rl_hand_sim, NULL, 0, 0, 30.0, -45.0, 1.2},
};
#define N_VIEW_DEFS ((int)(sizeof view_defs / sizeof view_defs[0]))

/* Task files and mjcf: models: follow the body the task names (camera=,
 * default the first body) from the side, framing its subtree. */
static const view_def mjcf_view = {"", rl_mjcf_sim, NULL, 1, 0, 90.0, -20.0, 1.6};

static const view_def *find_view_def(const rl_env *env)
{
    if (!env || !env->task || !env->task->id) return NULL;
    for (int i = 0; i < N_VIEW_DEFS; i++)
        if (!strncmp(env->task->id, view_defs[i].prefix, strlen(view_defs[i].prefix)))
            return &view_defs[i];
    if (rl_mjcf_sim((rl_env *)env)) return &mjcf_view;
    return NULL;
}

int rl_render_sim(rl_env *env, const mjModel **m, mjData **d)
{
    *m = NULL;
    *d = NULL;
    const view_def *vd = find_view_def(env);
    rl_sim *sim = vd ? vd->sim(env) : NULL;
    if (!sim || !sim->m || !sim->d)
        return rl_error(RL_EINVAL, "%s is not a MuJoCo task this renderer knows "
                                   "(known: swimmer*, quadrotor*, hand*, mjcf:PATH, task files)",
                        env && env->task ? env->task->id : "(null env)");
    *m = sim->m;
    *d = sim->d;
    return RL_OK;
}

/* Geoms a viewer sees: default-visible groups, not transparent, not planes
 * (a floor would make every radius huge). */
static int geom_counts(const mjModel *m, int g)
{
    return m->geom_group[g] >= 0 && m->geom_group[g] < 3 && m->geom_rgba[4 * g + 3] > 0.f &&
           m->geom_type[g] != mjGEOM_PLANE;
}

/* 1 if body b is in the subtree of root (root < 0: any body but the world). */
static int in_subtree(const mjModel *m, int b, int root)
{
    if (root < 0) return b > 0;
    for (; b > 0; b = m->body_parentid[b])
        if (b == root) return 1;
    return root == 0;
}

struct rest_ctx {
    const mjModel *m;
    mjData *d;
};

static void rest_pose(void *arg)
{
    struct rest_ctx *c = arg;
    c->d = mj_makeData(c->m);
    mj_resetData(c->m, c->d);
    mj_forward(c->m, c->d);
}

static void free_data(void *arg) { mj_deleteData(arg); }

/* Centre and radius of the geoms of root's subtree at the model's rest pose. */
static int measure(const mjModel *m, int root, const view_def *vd, rl_render_view *v)
{
    struct rest_ctx c = {m, NULL};
    int rc = rl_sim_guard(rest_pose, &c);
    if (rc) {
        if (c.d) rl_sim_guard(free_data, c.d);
        return rc;
    }
    const mjData *d = c.d;
    double lo[3] = {INFINITY, INFINITY, INFINITY}, hi[3] = {-INFINITY, -INFINITY, -INFINITY};
    int n = 0;
    for (int g = 0; g < m->ngeom; g++) {
        if (!geom_counts(m, g) || !in_subtree(m, m->geom_bodyid[g], root)) continue;
        for (int k = 0; k < 3; k++) {
            double x = d->geom_xpos[3 * g + k], r = m->geom_rbound[g];
            lo[k] = fmin(lo[k], x - r);
            hi[k] = fmax(hi[k], x + r);
        }
        n++;
    }
    double box_c[3] = {0, 0, 0};
    for (int k = 0; k < 3 && n; k++) box_c[k] = 0.5 * (lo[k] + hi[k]);
    const double *anchor = box_c;
    if (vd->follow && root >= 0) anchor = vd->use_com ? d->subtree_com + 3 * root : d->xpos + 3 * root;
    double r = 0;
    for (int g = 0; g < m->ngeom; g++) {
        if (!geom_counts(m, g) || !in_subtree(m, m->geom_bodyid[g], root)) continue;
        double dx = d->geom_xpos[3 * g] - anchor[0], dy = d->geom_xpos[3 * g + 1] - anchor[1],
               dz = d->geom_xpos[3 * g + 2] - anchor[2];
        r = fmax(r, sqrt(dx * dx + dy * dy + dz * dz) + m->geom_rbound[g]);
    }
    for (int k = 0; k < 3; k++) v->center[k] = anchor[k];
    v->radius = r > 0 ? r : m->stat.extent;
    rl_sim_guard(free_data, c.d);
    return RL_OK;
}

int rl_render_default_view(rl_env *env, rl_render_view *view)
{
    const mjModel *m;
    mjData *d;
    int rc = rl_render_sim(env, &m, &d);
    if (rc) return rc;
    const view_def *vd = find_view_def(env);
    memset(view, 0, sizeof *view);
    view->body = -1;
    if (vd == &mjcf_view) view->body = rl_mjcf_camera_body(env);
    else if (vd->body && (view->body = rl_sim_name2id(m, mjOBJ_BODY, vd->body)) < 0) return view->body;
    view->follow = vd->follow && view->body >= 0;
    view->use_com = vd->use_com;
    if ((rc = measure(m, view->body, vd, view))) return rc;
    double half_fov = 0.5 * m->vis.global.fovy * M_PI / 180.0;
    view->azimuth = vd->azimuth;
    view->elevation = vd->elevation;
    view->distance = vd->zoom * view->radius / tan(half_fov > 0.05 ? half_fov : 0.39);
    return RL_OK;
}

void rl_render_aim(const mjModel *m, const mjData *d, const rl_render_view *view, mjvCamera *cam,
                   int reset_angles)
{
    cam->type = mjCAMERA_FREE;
    const double *at = view->center;
    if (view->follow && view->body >= 0 && view->body < m->nbody)
        at = view->use_com ? d->subtree_com + 3 * view->body : d->xpos + 3 * view->body;
    for (int k = 0; k < 3; k++) cam->lookat[k] = at[k];
    if (reset_angles) {
        cam->azimuth = view->azimuth;
        cam->elevation = view->elevation;
        cam->distance = view->distance;
    }
}

/* ------------------------------------------------------------ scenes */

static void model_sig(const mjModel *m, long sig[8])
{
    sig[0] = m->nbody;
    sig[1] = m->ngeom;
    sig[2] = m->nmesh;
    sig[3] = m->ntex;
    sig[4] = m->nmat;
    sig[5] = m->nskin;
    sig[6] = m->nbuffer;
    sig[7] = m->nhfield;
}

struct make_ctx {
    rl_rscene *rs;
    const mjModel *m;
    int w, h;
};

static void do_make(void *arg)
{
    struct make_ctx *c = arg;
    rl_rscene *rs = c->rs;
    /* The offscreen buffer's size comes from the model's visual settings;
     * the model is shared and read-only, so hand the renderer a shallow
     * copy with a larger buffer (mjr_makeContext only reads it). */
    mjModel tmp = *c->m;
    if (tmp.vis.global.offwidth < c->w) tmp.vis.global.offwidth = c->w;
    if (tmp.vis.global.offheight < c->h) tmp.vis.global.offheight = c->h;
    mjv_makeScene(c->m, &rs->scn, 4000);
    mjr_makeContext(&tmp, &rs->con, mjFONTSCALE_100);
    rs->off_w = tmp.vis.global.offwidth;
    rs->off_h = tmp.vis.global.offheight;
}

static void do_free(void *arg)
{
    rl_rscene *rs = arg;
    mjr_freeContext(&rs->con);
    mjv_freeScene(&rs->scn);
}

void rl_rscene_free(rl_rscene *rs)
{
    if (!rs || !rs->ready) return;
    rl_sim_guard(do_free, rs);
    rs->ready = 0;
    rs->m = NULL;
}

int rl_rscene_prepare(rl_rscene *rs, const mjModel *m, int min_w, int min_h)
{
    long sig[8];
    model_sig(m, sig);
    if (rs->ready && rs->m == m && !memcmp(sig, rs->sig, sizeof sig) && rs->off_w >= min_w &&
        rs->off_h >= min_h)
        return RL_OK;
    rl_rscene_free(rs);
    mjv_defaultScene(&rs->scn);
    mjr_defaultContext(&rs->con);
    mjv_defaultOption(&rs->opt);
    struct make_ctx c = {rs, m, min_w, min_h};
    int rc = rl_sim_guard(do_make, &c);
    if (rc) {
        rl_sim_guard(do_free, rs);
        return rc;
    }
    rs->m = m;
    memcpy(rs->sig, sig, sizeof sig);
    rs->ready = 1;
    return RL_OK;
}

/* Drop every geom of the tracked subtree from the scene (tests: the frame
 * with the body hidden). */
static void hide_body(const mjModel *m, mjvScene *scn, int root)
{
    int k = 0;
    for (int i = 0; i < scn->ngeom; i++) {
        const mjvGeom *g = &scn->geoms[i];
        int drop = g->objtype == mjOBJ_GEOM && g->objid >= 0 && g->objid < m->ngeom &&
                   in_subtree(m, m->geom_bodyid[g->objid], root);
        if (!drop) scn->geoms[k++] = *g;
    }
    scn->ngeom = k;
}

struct draw_ctx {
    rl_rscene *rs;
    mjData *d;
    mjvCamera *cam;
    int fb, w, h;
    int hide, root; /* hide: drop the geoms of root's subtree (hide_body) */
};

static void do_draw(void *arg)
{
    struct draw_ctx *c = arg;
    rl_rscene *rs = c->rs;
    mjv_updateScene(rs->m, c->d, &rs->opt, NULL, c->cam, mjCAT_ALL, &rs->scn);
    if (c->hide) hide_body(rs->m, &rs->scn, c->root);
    mjr_setBuffer(c->fb, &rs->con);
    mjrRect vp = {0, 0, c->w, c->h};
    mjr_render(vp, &rs->scn, &rs->con);
}

int rl_rscene_draw(rl_rscene *rs, mjData *d, mjvCamera *cam, int framebuffer, int width,
                   int height)
{
    if (!rs->ready) return rl_error(RL_ESTATE, "render scene used before rl_rscene_prepare");
    struct draw_ctx c = {rs, d, cam, framebuffer, width, height, 0, -1};
    return rl_sim_guard(do_draw, &c);
}

struct read_ctx {
    rl_rscene *rs;
    unsigned char *rgb;
    int w, h;
};

static void do_read(void *arg)
{
    struct read_ctx *c = arg;
    mjrRect vp = {0, 0, c->w, c->h};
    mjr_readPixels(c->rgb, NULL, vp, &c->rs->con);
}

int rl_rscene_read(rl_rscene *rs, unsigned char *rgb, int width, int height)
{
    struct read_ctx c = {rs, rgb, width, height};
    int rc = rl_sim_guard(do_read, &c);
    if (rc) return rc;
    /* OpenGL's rows run bottom to top; images run top to bottom. */
    size_t row = (size_t)width * 3;
    unsigned char *tmp = malloc(row);
    if (!tmp) return rl_error(RL_ENOMEM, "out of memory");
    for (int y = 0; y < height / 2; y++) {
        unsigned char *a = rgb + (size_t)y * row, *b = rgb + (size_t)(height - 1 - y) * row;
        memcpy(tmp, a, row);
        memcpy(a, b, row);
        memcpy(b, tmp, row);
    }
    free(tmp);
    return RL_OK;
}

/* ------------------------------------------------------------ task hook */

/* The offscreen state, used only with the render lock held. */
static rl_rscene off_scene;
static const mjModel *view_model;
static long view_sig[8];
static const rl_task *view_task;
static rl_render_view off_view;

int rl_render_frame(rl_env *env, unsigned char *rgb, int width, int height, int hide)
{
    const mjModel *m;
    mjData *d;
    int rc = rl_render_sim(env, &m, &d);
    if (rc) return rc;
    if ((rc = rl_gl_offscreen_acquire())) return rc;
    long sig[8];
    model_sig(m, sig);
    if (view_model != m || view_task != env->task || memcmp(sig, view_sig, sizeof sig)) {
        view_model = NULL;
        if ((rc = rl_render_default_view(env, &off_view))) goto out;
        view_model = m;
        view_task = env->task;
        memcpy(view_sig, sig, sizeof sig);
    }
    if ((rc = rl_rscene_prepare(&off_scene, m, width, height))) goto out;
    mjvCamera cam;
    mjv_defaultCamera(&cam);
    rl_render_aim(m, d, &off_view, &cam, 1);
    struct draw_ctx c = {&off_scene, d, &cam, mjFB_OFFSCREEN, width, height, hide,
                         off_view.body};
    rc = rl_sim_guard(do_draw, &c);
    if (!rc) rc = rl_rscene_read(&off_scene, rgb, width, height);
out:
    rl_gl_offscreen_release();
    return rc;
}

int rl_render_mujoco(rl_env *env, unsigned char *rgb, int width, int height)
{
    return rl_render_frame(env, rgb, width, height, 0);
}

/* ------------------------------------------------------------ PNG */

static void put_u32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* One chunk: length, type, data, CRC over type and data. */
static int put_chunk(FILE *f, const char *type, const unsigned char *data, uint32_t len)
{
    unsigned char head[8], tail[4];
    put_u32(head, len);
    memcpy(head + 4, type, 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, (const Bytef *)type, 4);
    if (len) crc = crc32(crc, data, len);
    put_u32(tail, (uint32_t)crc);
    return fwrite(head, 1, 8, f) == 8 && (!len || fwrite(data, 1, len, f) == len) &&
           fwrite(tail, 1, 4, f) == 4;
}

int rl_png_write(const char *path, const unsigned char *rgb, int width, int height)
{
    if (width <= 0 || height <= 0)
        return rl_error(RL_EINVAL, "PNG size %dx%d must be positive", width, height);
    size_t row = (size_t)width * 3 + 1; /* filter byte + pixels */
    size_t raw_len = row * (size_t)height;
    unsigned char *raw = malloc(raw_len);
    uLongf z_len = compressBound((uLong)raw_len);
    unsigned char *z = malloc(z_len);
    if (!raw || !z) {
        free(raw);
        free(z);
        return rl_error(RL_ENOMEM, "out of memory for a %dx%d PNG", width, height);
    }
    for (int y = 0; y < height; y++) {
        raw[(size_t)y * row] = 0; /* filter: none */
        memcpy(raw + (size_t)y * row + 1, rgb + (size_t)y * width * 3, (size_t)width * 3);
    }
    int zrc = compress2(z, &z_len, raw, (uLong)raw_len, 6);
    free(raw);
    if (zrc != Z_OK) {
        free(z);
        return rl_error(RL_ENOMEM, "deflate failed for %s (zlib error %d)", path, zrc);
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        return rl_error(RL_EIO, "cannot write %s", path);
    }
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[13];
    put_u32(ihdr, (uint32_t)width);
    put_u32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bits per sample */
    ihdr[9] = 2;  /* colour type: RGB */
    ihdr[10] = 0; /* deflate */
    ihdr[11] = 0; /* adaptive filtering */
    ihdr[12] = 0; /* no interlace */
    int ok = fwrite(sig, 1, 8, f) == 8 && put_chunk(f, "IHDR", ihdr, 13) &&
             put_chunk(f, "IDAT", z, (uint32_t)z_len) && put_chunk(f, "IEND", NULL, 0);
    free(z);
    if (fclose(f) != 0) ok = 0;
    if (!ok) {
        remove(path);
        return rl_error(RL_EIO, "cannot write %s", path);
    }
    return RL_OK;
}

/* ------------------------------------------------------------ without GLFW / EGL */

#if !defined(RLTOOL_WITH_GLFW) && !defined(RLTOOL_WITH_EGL)
int rl_gl_offscreen_acquire(void)
{
    return rl_error(RL_ESTATE, "rendering needs an OpenGL context, and this rltool was built "
                               "without EGL or GLFW (install libegl-dev, then rebuild)");
}
void rl_gl_offscreen_release(void) {}
#endif

#ifndef RLTOOL_WITH_GLFW
#define NO_GLFW "a window needs GLFW, and this rltool was built without it " \
                "(install libglfw3-dev and libgl-dev, then rebuild with -DRLTOOL_WITH_GLFW=ON)"

int rl_viewer_run(const rl_viewer_cfg *cfg) { return rl_error(RL_ESTATE, NO_GLFW); }
int rl_viewer_available(const char **why)
{
    if (why) *why = "built without GLFW";
    return 0;
}
#endif
