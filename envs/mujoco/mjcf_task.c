/* Generic MuJoCo tasks from any MJCF file: env ids "mjcf:PATH".
 *
 * Observation  qpos (nq), qvel (nv), with sensors=1 also sensordata.
 * Action       one value in [-1, 1] per actuator, mapped linearly onto the
 *              actuator's ctrlrange; actuators without a ctrlrange get the
 *              action itself as ctrl (i.e. [-1, 1]).
 * Reward       reward=TERM+TERM+..., TERM = KIND[:ARG...][*WEIGHT]:
 *                fwd:BODY:AXIS     body's world velocity along x, y or z
 *                height:BODY       body's world z
 *                dist:SITE:TARGET  distance between two sites or bodies
 *                ctrl              sum of squared (normalised) actions
 *                alive             1 on every step that does not terminate
 *              e.g. reward=fwd:torso:x*1+ctrl*-0.001+alive*0.5
 *              (option values cannot hold commas, hence '+' and ':').
 * Terminate    terminate=height:BODY:LO:HI[+...] ends the episode when the
 *              body's z leaves [LO, HI]; the time limit is max_steps.
 * Reset        qpos0 and zero velocity plus uniform noise of +-reset_noise.
 *
 * The file is compiled from disk (so its meshes and includes resolve
 * relative to it) under rl_sim_guard; parse errors come back as RL_ESIM with
 * MuJoCo's message (line and column), a missing file as RL_ENOTFOUND.
 */
#include "envs/mujoco/mjcf_task.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/mujoco/sim.h"

#define MAX_TERMS RL_INFO_MAX_EXTRA
#define MAX_TERMINATE 8
#define MAX_TASKS 32

typedef struct mjcf_cfg {
    char file[RL_OPT_STR_MAX];
    char reward[RL_OPT_STR_MAX];
    char terminate[RL_OPT_STR_MAX];
    int frame_skip;
    int sensors;
    double reset_noise;
} mjcf_cfg;

#define N_MJCF_OPTS 6

enum { T_FWD, T_HEIGHT, T_DIST, T_CTRL, T_ALIVE };

/* A point on the model: a site or a body origin. */
typedef struct point {
    int is_site;
    int id;
} point;

typedef struct term {
    int kind;
    point a, b;
    int axis;
    double weight;
    char label[64];
} reward_term;

typedef struct termination {
    int body;
    double lo, hi;
    char label[96];
} termination;

/* Compiled model and everything derived from it, shared read-only. */
typedef struct mjcf_model {
    mjModel *m;
    mjcf_cfg cfg;
    int obs_dim;
    reward_term terms[MAX_TERMS];
    int n_terms;
    termination term_end[MAX_TERMINATE];
    int n_end;
    const char *info_names[MAX_TERMS];
    rl_slice slices[3];
    int n_slices;
    float *obs_low, *obs_high; /* (obs_dim) */
    float *act_low, *act_high; /* (nu) */
} mjcf_model;

typedef struct mjcf_env {
    rl_sim sim;
    const mjcf_model *mm;
    float *last_obs; /* (obs_dim) */
} mjcf_env;

/* ------------------------------------------------------------ parsing */

static const char *const TERM_HELP =
    "fwd:BODY:AXIS, height:BODY, dist:SITE:TARGET, ctrl, alive; each with an optional "
    "*WEIGHT, joined by '+'";

/* Split s at sep into at most max fields (in place). */
static int split(char *s, char sep, char **out, int max)
{
    int n = 0;
    for (;;) {
        if (n == max) return max + 1;
        out[n++] = s;
        char *p = strchr(s, sep);
        if (!p) return n;
        *p = 0;
        s = p + 1;
    }
}

static int find_body(const mjModel *m, const char *file, const char *what, const char *name)
{
    int id = name[0] ? mj_name2id(m, mjOBJ_BODY, name) : -1;
    if (id < 0) rl_error(RL_ENOTFOUND, "%s: %s has no body named '%s'", what, file, name);
    return id;
}

static int find_point(const mjModel *m, const char *file, const char *what, const char *name,
                      point *p)
{
    int id = name[0] ? mj_name2id(m, mjOBJ_SITE, name) : -1;
    if (id >= 0) {
        *p = (point){1, id};
        return RL_OK;
    }
    id = name[0] ? mj_name2id(m, mjOBJ_BODY, name) : -1;
    if (id >= 0) {
        *p = (point){0, id};
        return RL_OK;
    }
    return rl_error(RL_ENOTFOUND, "%s: %s has no site or body named '%s'", what, file, name);
}

static int parse_term(const mjModel *m, const char *file, const char *text, reward_term *t)
{
    char what[320], buf[RL_OPT_STR_MAX];
    snprintf(what, sizeof what, "reward term '%s'", text);
    snprintf(buf, sizeof buf, "%s", text);
    t->weight = 1.0;
    char *star = strrchr(buf, '*');
    if (star) {
        *star = 0;
        if (rl_parse_double(star + 1, &t->weight))
            return rl_error(RL_EINVAL, "%s: weight '%s' is not a finite number", what, star + 1);
    }
    char *f[5];
    int n = split(buf, ':', f, 4);
    const char *k = f[0];
    int want;
    if (!strcmp(k, "fwd")) t->kind = T_FWD, want = 3;
    else if (!strcmp(k, "height")) t->kind = T_HEIGHT, want = 2;
    else if (!strcmp(k, "dist")) t->kind = T_DIST, want = 3;
    else if (!strcmp(k, "ctrl")) t->kind = T_CTRL, want = 1;
    else if (!strcmp(k, "alive")) t->kind = T_ALIVE, want = 1;
    else return rl_error(RL_EINVAL, "%s: unknown kind '%s' (known: %s)", what, k, TERM_HELP);
    if (n != want)
        return rl_error(RL_EINVAL, "%s: '%s' takes %d argument%s separated by ':' (%s)", what, k,
                        want - 1, want == 2 ? "" : "s", TERM_HELP);
    if (t->kind == T_FWD || t->kind == T_HEIGHT) {
        t->a.id = find_body(m, file, what, f[1]);
        if (t->a.id < 0) return RL_ENOTFOUND;
    }
    if (t->kind == T_FWD) {
        if (strlen(f[2]) != 1 || !strchr("xyz", f[2][0]))
            return rl_error(RL_EINVAL, "%s: axis '%s' must be x, y or z", what, f[2]);
        t->axis = f[2][0] - 'x';
    }
    if (t->kind == T_DIST) {
        int rc = find_point(m, file, what, f[1], &t->a);
        if (!rc) rc = find_point(m, file, what, f[2], &t->b);
        if (rc) return rc;
    }
    snprintf(t->label, sizeof t->label, "%s", text);
    return RL_OK;
}

static int parse_terms(mjcf_model *mm, const char *file)
{
    char buf[RL_OPT_STR_MAX];
    char *f[MAX_TERMS + 1];
    snprintf(buf, sizeof buf, "%s", mm->cfg.reward);
    if (buf[0]) {
        int n = split(buf, '+', f, MAX_TERMS);
        if (n > MAX_TERMS)
            return rl_error(RL_EINVAL, "reward has more than %d terms", MAX_TERMS);
        for (int i = 0; i < n; i++) {
            if (!f[i][0])
                return rl_error(RL_EINVAL, "reward '%s' has an empty term (terms: %s)",
                                mm->cfg.reward, TERM_HELP);
            int rc = parse_term(mm->m, file, f[i], &mm->terms[i]);
            if (rc) return rc;
            mm->info_names[i] = mm->terms[i].label;
        }
        mm->n_terms = n;
    }
    snprintf(buf, sizeof buf, "%s", mm->cfg.terminate);
    if (!buf[0]) return RL_OK;
    char *g[MAX_TERMINATE + 1];
    int n = split(buf, '+', g, MAX_TERMINATE);
    if (n > MAX_TERMINATE)
        return rl_error(RL_EINVAL, "terminate has more than %d conditions", MAX_TERMINATE);
    for (int i = 0; i < n; i++) {
        termination *e = &mm->term_end[i];
        char what[320];
        snprintf(what, sizeof what, "termination '%s'", g[i]);
        snprintf(e->label, sizeof e->label, "%s", g[i]);
        char *h[5];
        int nf = split(g[i], ':', h, 4);
        if (nf != 4 || strcmp(h[0], "height"))
            return rl_error(RL_EINVAL, "%s: expected height:BODY:LO:HI (e.g. "
                            "terminate=height:torso:0.2:2.0)", what);
        if ((e->body = find_body(mm->m, file, what, h[1])) < 0) return RL_ENOTFOUND;
        if (rl_parse_double(h[2], &e->lo) || rl_parse_double(h[3], &e->hi) || e->lo >= e->hi)
            return rl_error(RL_EINVAL, "%s: LO and HI must be numbers with LO < HI", what);
    }
    mm->n_end = n;
    return RL_OK;
}

/* ------------------------------------------------------------ model */

struct load_ctx {
    const char *file;
    char err[1024];
    mjModel *m;
};

static void do_load(void *p)
{
    struct load_ctx *c = p;
    c->m = mj_loadXML(c->file, NULL, c->err, (int)sizeof c->err);
}

static void model_free(mjcf_model *mm)
{
    if (!mm) return;
    rl_sim_model_free(mm->m);
    free(mm->obs_low);
    free(mm->obs_high);
    free(mm->act_low);
    free(mm->act_high);
    free(mm);
}

static int shared_make(const void *cfgp, void **shared)
{
    const mjcf_cfg *cfg = cfgp;
    *shared = NULL;
    struct stat st;
    if (!cfg->file[0])
        return rl_error(RL_EINVAL, "env id %s needs a file: %spath/to/robot.xml", RL_MJCF_PREFIX,
                        RL_MJCF_PREFIX);
    if (stat(cfg->file, &st) != 0 || !S_ISREG(st.st_mode))
        return rl_error(RL_ENOTFOUND, "MJCF file '%s' not found (env id %s%s)", cfg->file,
                        RL_MJCF_PREFIX, cfg->file);
    struct load_ctx *c = calloc(1, sizeof *c);
    mjcf_model *mm = calloc(1, sizeof *mm);
    if (!c || !mm) {
        free(c);
        free(mm);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    c->file = cfg->file;
    int rc = rl_sim_guard(do_load, c);
    if (!rc && !c->m) {
        for (char *p = c->err; *p; p++)
            if (*p == '\n') *p = ' ';
        rc = rl_error(RL_ESIM, "MuJoCo could not load %s: %s", cfg->file,
                      c->err[0] ? c->err : "(no message)");
    } else if (rc) {
        rc = rl_error(RL_ESIM, "MuJoCo could not load %s: %s", cfg->file, rl_last_error());
    }
    mm->m = c->m;
    free(c);
    if (rc) {
        model_free(mm);
        return rc;
    }
    mm->cfg = *cfg;
    const mjModel *m = mm->m;
    int ns = cfg->sensors ? m->nsensordata : 0;
    mm->obs_dim = m->nq + m->nv + ns;
    if (mm->obs_dim == 0) rc = rl_error(RL_EINVAL, "%s has no degrees of freedom", cfg->file);
    else if (m->nu == 0)
        rc = rl_error(RL_EINVAL, "%s has no actuators: add an <actuator> section", cfg->file);
    if (!rc) rc = parse_terms(mm, cfg->file);
    if (!rc) {
        mm->obs_low = malloc(sizeof(float) * (size_t)mm->obs_dim);
        mm->obs_high = malloc(sizeof(float) * (size_t)mm->obs_dim);
        mm->act_low = malloc(sizeof(float) * (size_t)m->nu);
        mm->act_high = malloc(sizeof(float) * (size_t)m->nu);
        if (!mm->obs_low || !mm->obs_high || !mm->act_low || !mm->act_high)
            rc = rl_error(RL_ENOMEM, "out of memory");
    }
    if (rc) {
        model_free(mm);
        return rc;
    }
    for (int i = 0; i < mm->obs_dim; i++) {
        mm->obs_low[i] = -INFINITY;
        mm->obs_high[i] = INFINITY;
    }
    for (int i = 0; i < m->nu; i++) {
        mm->act_low[i] = -1.f;
        mm->act_high[i] = 1.f;
    }
    mm->slices[0] = (rl_slice){"qpos", 0, m->nq};
    mm->slices[1] = (rl_slice){"qvel", m->nq, m->nv};
    mm->slices[2] = (rl_slice){"sensordata", m->nq + m->nv, ns};
    mm->n_slices = ns ? 3 : 2;
    *shared = mm;
    return RL_OK;
}

static void shared_free(void *shared) { model_free(shared); }

/* ------------------------------------------------------------ env */

static void close_env(rl_env *env)
{
    mjcf_env *s = env->data;
    if (!s) return;
    rl_sim_free(&s->sim);
    free(s->last_obs);
    free(s);
    env->data = NULL;
}

static int init(rl_env *env, const void *cfg, void *shared)
{
    if (!shared) return rl_error(RL_EINVAL, "%s: made without its compiled model", env->task->id);
    const mjcf_model *mm = shared;
    if (strcmp(mm->cfg.file, ((const mjcf_cfg *)cfg)->file))
        return rl_error(RL_EINVAL, "%s: shared model does not match the options", env->task->id);
    mjcf_env *s = calloc(1, sizeof *s);
    if (!s) return rl_error(RL_ENOMEM, "out of memory");
    env->data = s;
    s->mm = mm;
    s->last_obs = calloc((size_t)mm->obs_dim, sizeof(float));
    if (!s->last_obs) return rl_error(RL_ENOMEM, "out of memory");
    int rc = rl_sim_init(&s->sim, mm->m, mm->cfg.frame_skip);
    if (rc) return rc;
    env->obs_space = (rl_space){RL_BOX, mm->obs_dim, 0, mm->obs_low, mm->obs_high};
    env->act_space = (rl_space){RL_BOX, mm->m->nu, 0, mm->act_low, mm->act_high};
    env->slices = mm->slices;
    env->n_slices = mm->n_slices;
    env->info_names = mm->info_names;
    env->n_info = mm->n_terms;
    return RL_OK;
}

static void write_obs(const mjcf_env *s, float *obs)
{
    const mjModel *m = s->mm->m;
    const mjData *d = s->sim.d;
    int k = 0;
    for (int i = 0; i < m->nq; i++) obs[k++] = (float)d->qpos[i];
    for (int i = 0; i < m->nv; i++) obs[k++] = (float)d->qvel[i];
    if (s->mm->n_slices == 3)
        for (int i = 0; i < m->nsensordata; i++) obs[k++] = (float)d->sensordata[i];
}

static void reset(rl_env *env)
{
    mjcf_env *s = env->data;
    const mjModel *m = s->mm->m;
    double noise = s->mm->cfg.reset_noise;
    rl_sim_reset(&s->sim);
    mjData *d = s->sim.d;
    if (noise > 0) {
        for (int i = 0; i < m->nq; i++) d->qpos[i] += rl_rng_range(&env->rng, -noise, noise);
        for (int i = 0; i < m->nv; i++) d->qvel[i] += rl_rng_range(&env->rng, -noise, noise);
        /* Keep free and ball joints' quaternions unit length. */
        for (int j = 0; j < m->njnt; j++) {
            int t = m->jnt_type[j], a = m->jnt_qposadr[j];
            if (t == mjJNT_FREE) mju_normalize4(d->qpos + a + 3);
            else if (t == mjJNT_BALL) mju_normalize4(d->qpos + a);
        }
    }
    rl_sim_forward(&s->sim);
    write_obs(s, env->obs);
    memcpy(s->last_obs, env->obs, sizeof(float) * (size_t)s->mm->obs_dim);
}

static const mjtNum *point_pos(const mjData *d, point p)
{
    return p.is_site ? d->site_xpos + 3 * p.id : d->xpos + 3 * p.id;
}

static void step(rl_env *env, const float *action)
{
    mjcf_env *s = env->data;
    const mjcf_model *mm = s->mm;
    const mjModel *m = mm->m;
    mjData *d = s->sim.d;
    double ctrl_sq = 0;
    for (int i = 0; i < m->nu; i++) {
        double a = action[i];
        ctrl_sq += a * a;
        if (m->actuator_ctrllimited[i]) {
            double lo = m->actuator_ctrlrange[2 * i], hi = m->actuator_ctrlrange[2 * i + 1];
            d->ctrl[i] = 0.5 * (lo + hi) + 0.5 * (hi - lo) * a;
        } else {
            d->ctrl[i] = a;
        }
    }
    if (rl_sim_step(&s->sim) != RL_OK) {
        rl_sim_end_unstable(env, s->last_obs, mm->obs_dim, 0);
        return;
    }
    write_obs(s, env->obs);
    memcpy(s->last_obs, env->obs, sizeof(float) * (size_t)mm->obs_dim);
    int term = 0;
    for (int i = 0; i < mm->n_end; i++) {
        double z = d->xpos[3 * mm->term_end[i].body + 2];
        if (!(z >= mm->term_end[i].lo && z <= mm->term_end[i].hi)) term = 1;
    }
    double r = 0;
    for (int i = 0; i < mm->n_terms; i++) {
        const reward_term *t = &mm->terms[i];
        double v = 0;
        if (t->kind == T_FWD) {
            mjtNum vel[6];
            mj_objectVelocity(m, d, mjOBJ_XBODY, t->a.id, vel, 0);
            v = vel[3 + t->axis];
        } else if (t->kind == T_HEIGHT) {
            v = d->xpos[3 * t->a.id + 2];
        } else if (t->kind == T_DIST) {
            const mjtNum *a = point_pos(d, t->a), *b = point_pos(d, t->b);
            v = sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                     (a[2] - b[2]) * (a[2] - b[2]));
        } else if (t->kind == T_CTRL) {
            v = ctrl_sq;
        } else {
            v = term ? 0.0 : 1.0;
        }
        env->info->extra[i] = (float)(t->weight * v);
        r += t->weight * v;
    }
    *env->reward = (float)r;
    *env->terminated = (unsigned char)term;
    env->info->sim_unstable = 0;
}

/* ------------------------------------------------------------ describe */

int rl_mjcf_describe(const rl_env *env, char *buf, size_t cap)
{
    if (!env || env->task->init != init || !env->data)
        return rl_error(RL_EINVAL, "rl_mjcf_describe: not an mjcf env");
    const mjcf_model *mm = ((const mjcf_env *)env->data)->mm;
    const mjModel *m = mm->m;
    size_t u = 0;
#define OUT(...) (u += (size_t)snprintf(buf + u, u < cap ? cap - u : 0, __VA_ARGS__))
    OUT("model        %s: nq %d, nv %d, nu %d, %d bodies, %d sites, %d sensor values\n",
        mm->cfg.file, m->nq, m->nv, m->nu, m->nbody, m->nsite, m->nsensordata);
    OUT("observation  qpos (%d) + qvel (%d)", m->nq, m->nv);
    if (mm->n_slices == 3) OUT(" + sensordata (%d)", m->nsensordata);
    OUT(" = %d\n", mm->obs_dim);
    OUT("step         %d x %g s = %g s\n", mm->cfg.frame_skip, m->opt.timestep,
        mm->cfg.frame_skip * m->opt.timestep);
    OUT("actuators    action in [-1, 1] mapped onto ctrlrange:\n");
    for (int i = 0; i < m->nu; i++) {
        const char *name = mj_id2name(m, mjOBJ_ACTUATOR, i);
        if (m->actuator_ctrllimited[i])
            OUT("  %-3d %-20s [%g, %g]\n", i, name ? name : "(unnamed)",
                m->actuator_ctrlrange[2 * i], m->actuator_ctrlrange[2 * i + 1]);
        else
            OUT("  %-3d %-20s no ctrlrange: ctrl = action in [-1, 1]\n", i,
                name ? name : "(unnamed)");
    }
    OUT("reward       %s\n", mm->n_terms ? "sum of:" : "0 (none set: --set reward=TERM+TERM, see below)");
    static const char *const kinds[] = {"forward velocity", "height", "distance",
                                        "sum of squared actions", "alive bonus"};
    static const char axes[] = "xyz";
    for (int i = 0; i < mm->n_terms; i++) {
        const reward_term *t = &mm->terms[i];
        OUT("  %+g x %s", t->weight, kinds[t->kind]);
        if (t->kind == T_FWD)
            OUT(" of body '%s' along %c", mj_id2name(m, mjOBJ_BODY, t->a.id), axes[t->axis]);
        else if (t->kind == T_HEIGHT)
            OUT(" of body '%s'", mj_id2name(m, mjOBJ_BODY, t->a.id));
        else if (t->kind == T_DIST)
            OUT(" from %s '%s' to %s '%s'", t->a.is_site ? "site" : "body",
                mj_id2name(m, t->a.is_site ? mjOBJ_SITE : mjOBJ_BODY, t->a.id),
                t->b.is_site ? "site" : "body",
                mj_id2name(m, t->b.is_site ? mjOBJ_SITE : mjOBJ_BODY, t->b.id));
        OUT("\n");
    }
    OUT("terminate    %s\n", mm->n_end ? "when any of:" : "never (time limit only)");
    for (int i = 0; i < mm->n_end; i++)
        OUT("  body '%s' height outside [%g, %g]\n",
            mj_id2name(m, mjOBJ_BODY, mm->term_end[i].body), mm->term_end[i].lo,
            mm->term_end[i].hi);
    OUT("reward terms: %s\n", TERM_HELP);
#undef OUT
    return (int)(u < cap ? u : cap - 1);
}

/* ------------------------------------------------------------ task cache */

/* A task per id, made on first lookup and kept for the process's life (the
 * registry, envs and checkpoints hold pointers to it). Its option table is
 * a copy of the template whose `file` default is the id's path, because
 * shared_make sees only the config. */
typedef struct mjcf_task_entry {
    rl_task task;
    rl_optdef opts[N_MJCF_OPTS];
    char id[RL_OPT_STR_MAX + 8];
    char file[RL_OPT_STR_MAX];
} mjcf_task_entry;

static const rl_optdef opt_template[N_MJCF_OPTS] = {
    {"file", RL_OPT_STR, offsetof(mjcf_cfg, file), "", 0, 0, NULL,
     "the MJCF file (set by the id mjcf:PATH)"},
    {"reward", RL_OPT_STR, offsetof(mjcf_cfg, reward), "", 0, 0, NULL,
     "TERM+TERM+...: fwd:BODY:AXIS height:BODY dist:SITE:TARGET ctrl alive, each *WEIGHT"},
    {"terminate", RL_OPT_STR, offsetof(mjcf_cfg, terminate), "", 0, 0, NULL,
     "height:BODY:LO:HI[+...]: end the episode when the body's z leaves [LO, HI]"},
    {"frame_skip", RL_OPT_INT, offsetof(mjcf_cfg, frame_skip), "5", 1, 1000, NULL,
     "physics steps per env step"},
    {"sensors", RL_OPT_BOOL, offsetof(mjcf_cfg, sensors), "0", 0, 0, NULL,
     "append sensordata to the observation"},
    {"reset_noise", RL_OPT_FLOAT, offsetof(mjcf_cfg, reset_noise), "0.01", 0, 10, NULL,
     "uniform noise added to qpos0 and zero qvel at reset"},
};

static mjcf_task_entry *cache[MAX_TASKS];
static int n_cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

const rl_task *rl_mjcf_task(const char *id)
{
    size_t plen = strlen(RL_MJCF_PREFIX);
    if (!id || strncmp(id, RL_MJCF_PREFIX, plen)) {
        rl_error(RL_EINVAL, "'%s' is not an mjcf:PATH id", id ? id : "(null)");
        return NULL;
    }
    const char *path = id + plen;
    if (strlen(path) >= RL_OPT_STR_MAX || strchr(path, ',')) {
        rl_error(RL_EINVAL, "MJCF path '%s' is too long or contains a comma", path);
        return NULL;
    }
    pthread_mutex_lock(&cache_lock);
    const rl_task *found = NULL;
    for (int i = 0; i < n_cache && !found; i++)
        if (!strcmp(cache[i]->id, id)) found = &cache[i]->task;
    if (!found && n_cache == MAX_TASKS)
        rl_error(RL_ENOMEM, "at most %d different mjcf: models per process", MAX_TASKS);
    else if (!found) {
        mjcf_task_entry *e = calloc(1, sizeof *e);
        if (!e) {
            rl_error(RL_ENOMEM, "out of memory");
        } else {
            snprintf(e->id, sizeof e->id, "%s", id);
            snprintf(e->file, sizeof e->file, "%s", path);
            memcpy(e->opts, opt_template, sizeof e->opts);
            e->opts[0].def = e->file;
            e->task = (rl_task){
                .id = e->id,
                .summary = "generic MuJoCo task from an MJCF file: obs qpos, qvel; actions "
                           "the actuators; reward from named terms",
                .opts = e->opts,
                .n_opts = N_MJCF_OPTS,
                .cfg_size = sizeof(mjcf_cfg),
                .max_steps = 1000,
                .dt = 0,
                .shared_make = shared_make,
                .shared_free = shared_free,
                .init = init,
                .reset = reset,
                .step = step,
                .close = close_env,
            };
            cache[n_cache++] = e;
            found = &e->task;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}
