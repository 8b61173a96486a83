/* Shared MuJoCo plumbing: model compilation from text, guarded calls,
 * stepping with substeps and instability detection. See sim.h. */
#include "envs/mujoco/sim.h"
#include "core/file.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ error hooks */

/* MuJoCo's handlers are process-wide function pointers, but errors happen on
 * whichever thread steps an env, so the landing site is thread-local. */
static _Thread_local sigjmp_buf *tl_guard;
static _Thread_local char tl_error[512];
static _Thread_local char tl_warning[512];

static void on_mujoco_error(const char *msg)
{
    snprintf(tl_error, sizeof tl_error, "%s", msg ? msg : "(no message)");
    /* mju_error in 2.2.2 carries on after the handler returns, on a state it
     * has just declared broken; never go back there. */
    if (tl_guard) siglongjmp(*tl_guard, 1);
    abort(); /* an unguarded call failed: no caller to report to */
}

static void on_mujoco_warning(const char *msg)
{
    /* Recorded instead of printed: the library never writes to stdout, and
     * rl_sim_step reports the warnings that matter as instability. */
    snprintf(tl_warning, sizeof tl_warning, "%s", msg ? msg : "");
}

static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static void install_handlers(void)
{
    mju_user_error = on_mujoco_error;
    mju_user_warning = on_mujoco_warning;
}

static void ensure_handlers(void) { pthread_once(&handlers_once, install_handlers); }

const char *rl_sim_last_warning(void) { return tl_warning; }

int rl_sim_guard(void (*fn)(void *arg), void *arg)
{
    ensure_handlers();
    sigjmp_buf here;
    sigjmp_buf *volatile outer = tl_guard;
    /* savemask 0: no signal-mask syscall on the per-step path. */
    if (sigsetjmp(here, 0)) {
        tl_guard = outer;
        return rl_error(RL_ESIM, "MuJoCo error: %s", tl_error);
    }
    tl_guard = &here;
    fn(arg);
    tl_guard = outer;
    return RL_OK;
}

/* ------------------------------------------------------------ models */

/* The 2.2.2 parser and compiler were not written with concurrent use in
 * mind (shared static tables, handler juggling); models are built rarely,
 * so serialise them. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

struct load_ctx {
    const mjVFS *vfs;
    const char *file;
    char *err;
    int err_cap;
    mjModel *m;
};

static void do_load(void *p)
{
    struct load_ctx *c = p;
    c->m = mj_loadXML(c->file, c->vfs, c->err, c->err_cap);
}

static int check_mjcf(const char *path, int depth)
{
    if (depth > 16)
        return rl_error(RL_EINVAL, "MJCF file '%s': includes nested more than 16 deep", path);
    unsigned char *text;
    size_t n;
    int rc = rl_file_read_all(path, "MJCF", RL_FILE_MAX_TEXT, &text, &n);
    if (rc) return rc;
    const char *slash = strrchr(path, '/');
    int dir_len = slash ? (int)(slash - path) + 1 : 0;
    /* Every file="..." attribute: <include> files are read and checked in
     * turn; meshes, textures and height fields must at least not be FIFOs or
     * devices (a missing one is MuJoCo's error to report). With a meshdir or
     * texturedir the path checked here may not be the one MuJoCo opens. */
    for (const char *p = (const char *)text; !rc && (p = strstr(p, "file"));) {
        const char *tag = p;
        while (tag > (const char *)text && *tag != '<' && *tag != '>') tag--;
        const char *f = p + 4;
        p += 4;
        while (*f == ' ' || *f == '\t' || *f == '\n' || *f == '\r') f++;
        if (*f != '=' || (p - 5 >= (const char *)text && (isalnum((unsigned char)p[-5]) ||
                                                            p[-5] == '_')))
            continue; /* not an attribute named exactly "file" */
        for (f++; *f == ' ' || *f == '\t' || *f == '\n' || *f == '\r'; f++) {}
        if (*f != '"' && *f != '\'') continue;
        const char *close = strchr(f + 1, *f);
        if (!close) continue;
        char inc[4096];
        int len = (int)(close - f - 1);
        if (snprintf(inc, sizeof inc, "%.*s%.*s", f[1] == '/' ? 0 : dir_len, path, len, f + 1) >=
            (int)sizeof inc) {
            rc = rl_error(RL_EINVAL, "MJCF file '%s': file path too long", path);
            break;
        }
        if (*tag == '<' && !strncmp(tag, "<include", 8)) {
            rc = check_mjcf(inc, depth + 1);
        } else {
            struct stat st;
            if (stat(inc, &st) == 0 && !S_ISREG(st.st_mode))
                rc = rl_error(RL_EIO, "MJCF file '%s' names '%s', which is not a regular file",
                              path, inc);
        }
    }
    free(text);
    return rc;
}

int rl_sim_check_mjcf_file(const char *path) { return check_mjcf(path, 0); }

int rl_sim_model_from_xml(const char *xml, const char *name, mjModel **out)
{
    *out = NULL;
    if (!xml) return rl_error(RL_EINVAL, "no MJCF text for %s", name ? name : "model");
    ensure_handlers();
    const char *file = "model.xml";
    size_t len = strlen(xml);
    /* mjVFS holds ~2 MB of file-name slots: too big for a thread's stack. */
    mjVFS *vfs = malloc(sizeof *vfs);
    if (!vfs) return rl_error(RL_ENOMEM, "out of memory for the MuJoCo VFS");
    mj_defaultVFS(vfs);
    if (len > (size_t)0x7fffffff || mj_makeEmptyFileVFS(vfs, file, (int)len) != 0) {
        free(vfs);
        return rl_error(RL_ENOMEM, "cannot place the MJCF of %s (%zu bytes) in MuJoCo's VFS",
                        name ? name : "model", len);
    }
    int slot = mj_findFileVFS(vfs, file);
    memcpy(vfs->filedata[slot], xml, len);

    char err[1024] = "";
    struct load_ctx c = {vfs, file, err, (int)sizeof err, NULL};
    pthread_mutex_lock(&compile_lock);
    int rc = rl_sim_guard(do_load, &c);
    pthread_mutex_unlock(&compile_lock);
    mj_deleteVFS(vfs);
    free(vfs);
    if (rc) return rc;
    if (!c.m) {
        /* MuJoCo's messages span lines; keep them on one line for logs. */
        for (char *p = err; *p; p++)
            if (*p == '\n') *p = ' ';
        return rl_error(RL_ESIM, "MuJoCo could not compile %s: %s", name ? name : "the model",
                        err[0] ? err : "(no message)");
    }
    *out = c.m;
    return RL_OK;
}

void rl_sim_model_free(mjModel *m)
{
    if (m) mj_deleteModel(m);
}

int rl_sim_name2id(const mjModel *m, int type, const char *name)
{
    int id = mj_name2id(m, type, name);
    if (id < 0) return rl_error(RL_ENOTFOUND, "model has no object named '%s'", name);
    return id;
}

/* ------------------------------------------------------------ data */

struct data_ctx {
    const mjModel *m;
    mjData *d;
};

static void do_make_data(void *p)
{
    struct data_ctx *c = p;
    c->d = mj_makeData(c->m);
}

int rl_sim_init(rl_sim *sim, const mjModel *m, int n_substeps)
{
    memset(sim, 0, sizeof *sim);
    if (!m || n_substeps < 1) return rl_error(RL_EINVAL, "rl_sim_init: no model or substeps < 1");
    struct data_ctx c = {m, NULL};
    int rc = rl_sim_guard(do_make_data, &c);
    if (rc) return rc;
    if (!c.d) return rl_error(RL_ENOMEM, "out of memory for mjData");
    sim->m = m;
    sim->d = c.d;
    sim->n_substeps = n_substeps;
    sim->broken = 1; /* until the first reset */
    return RL_OK;
}

void rl_sim_free(rl_sim *sim)
{
    if (!sim) return;
    if (sim->d) mj_deleteData(sim->d);
    memset(sim, 0, sizeof *sim);
}

static void do_reset(void *p)
{
    struct data_ctx *c = p;
    mj_resetData(c->m, c->d);
}

int rl_sim_reset(rl_sim *sim)
{
    struct data_ctx c = {sim->m, sim->d};
    int rc = rl_sim_guard(do_reset, &c);
    if (rc) return rc;
    sim->broken = 0;
    return RL_OK;
}

static int all_finite(const mjtNum *x, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

int rl_sim_state_finite(const mjModel *m, const mjData *d)
{
    return all_finite(d->qpos, m->nq) && all_finite(d->qvel, m->nv) &&
           all_finite(d->qacc, m->nv) && all_finite(d->act, m->na);
}

static void do_forward(void *p)
{
    struct data_ctx *c = p;
    mj_forward(c->m, c->d);
}

int rl_sim_forward(rl_sim *sim)
{
    if (!all_finite(sim->d->qpos, sim->m->nq) || !all_finite(sim->d->qvel, sim->m->nv)) {
        sim->broken = 1;
        return rl_error(RL_ENUMERIC, "simulation state is not finite");
    }
    struct data_ctx c = {sim->m, sim->d};
    int rc = rl_sim_guard(do_forward, &c);
    if (rc) sim->broken = 1;
    return rc;
}

/* The warnings with which MuJoCo announces that it reset a blown-up state. */
static const struct {
    int id;
    const char *what;
} bad_state[] = {
    {mjWARN_BADQPOS, "qpos"},
    {mjWARN_BADQVEL, "qvel"},
    {mjWARN_BADQACC, "qacc"},
};

struct step_ctx {
    const mjModel *m;
    mjData *d;
    int n;
};

/* Euler/implicit: mj_step2 then mj_step1 per substep costs exactly one
 * mj_step, and leaves positions, velocities and every quantity derived from
 * them consistent, so observations need no extra mj_forward. (mj_step
 * leaves xpos, cvel, ... one substep behind qpos.) It needs the step1
 * stages to be current on entry, which reset + forward and every previous
 * step guarantee. */
static void do_step_split(void *p)
{
    struct step_ctx *c = p;
    for (int i = 0; i < c->n; i++) {
        mj_step2(c->m, c->d);
        mj_step1(c->m, c->d);
    }
}

/* RK4 cannot be split, so step whole and refresh the derived quantities. */
static void do_step_rk4(void *p)
{
    struct step_ctx *c = p;
    for (int i = 0; i < c->n; i++) mj_step(c->m, c->d);
    mj_forward(c->m, c->d);
}

void rl_sim_end_unstable(rl_env *env, const float *last_obs, int n, int has_success)
{
    memcpy(env->obs, last_obs, sizeof(float) * (size_t)n);
    *env->reward = 0.f;
    *env->terminated = 1;
    env->info->sim_unstable = 1;
    if (has_success) env->info->success = 0;
}

int rl_sim_step(rl_sim *sim)
{
    if (sim->broken)
        return rl_error(RL_ESTATE, "simulation must be reset after an error or instability");
    const mjModel *m = sim->m;
    mjData *d = sim->d;
    struct step_ctx c = {m, d, sim->n_substeps};
    int rc = rl_sim_guard(m->opt.integrator == mjINT_RK4 ? do_step_rk4 : do_step_split, &c);
    if (rc) {
        sim->broken = 1;
        return rc;
    }
    /* Every episode starts from mj_resetData, which zeroes the counters, and
     * ends at the first instability, so any count here is new. */
    for (size_t i = 0; i < sizeof bad_state / sizeof bad_state[0]; i++) {
        const mjWarningStat *w = &d->warning[bad_state[i].id];
        if (w->number > 0) {
            sim->broken = 1;
            return rl_error(RL_ENUMERIC,
                            "simulation unstable: NaN, inf or huge value in %s at DOF %d "
                            "(MuJoCo reset the state)",
                            bad_state[i].what, w->lastinfo);
        }
    }
    if (!rl_sim_state_finite(m, d)) {
        sim->broken = 1;
        return rl_error(RL_ENUMERIC, "simulation unstable: non-finite state at t=%g", d->time);
    }
    return RL_OK;
}

/* ------------------------------------------------------------ MJCF text */

void rl_sb_printf(rl_sb *sb, const char *fmt, ...)
{
    if (sb->failed) return;
    for (;;) {
        size_t room = sb->cap - sb->len;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            sb->failed = 1;
            return;
        }
        if ((size_t)n < room) {
            sb->len += (size_t)n;
            return;
        }
        size_t cap = sb->cap ? sb->cap : 4096;
        while (cap <= sb->len + (size_t)n) cap *= 2;
        char *p = realloc(sb->buf, cap);
        if (!p) {
            sb->failed = 1;
            return;
        }
        sb->buf = p;
        sb->cap = cap;
    }
}

char *rl_sb_finish(rl_sb *sb)
{
    if (sb->failed || !sb->buf) {
        free(sb->buf);
        memset(sb, 0, sizeof *sb);
        rl_error(RL_ENOMEM, "out of memory while writing MJCF");
        return NULL;
    }
    char *s = sb->buf;
    memset(sb, 0, sizeof *sb);
    return s;
}
