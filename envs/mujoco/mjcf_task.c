/* Generic MuJoCo tasks from any MJCF file: env ids "mjcf:PATH" and task
 * files (task_file.c), which set this task's options from a text file.
 *
 * Observation  obs=TERM+TERM (default qpos+qvel; sensors=1 appends every
 *              sensor); see mjcf_terms.c for the terms.
 * Action       one value in [-1, 1] per actuator, mapped linearly onto the
 *              actuator's ctrlrange; actuators without a ctrlrange get the
 *              action itself as ctrl (i.e. [-1, 1]).
 * Reward       reward=TERM+TERM, each KIND[:FIELD...][@CLIP][*WEIGHT].
 * Health       healthy=COND+COND: the state is healthy while all hold (the
 *              `healthy` reward term pays only then).
 * Terminate    terminate=COND+COND[+unhealthy]: the episode ends when one
 *              fails (or the state is unhealthy); the time limit is max_steps.
 * Reset        reset=TERM+TERM from qpos0 and zero velocity (default: uniform
 *              noise of +-reset_noise on every qpos and qvel entry), then a
 *              goal=... is drawn.
 * Pinning      model_hash / task_hash, when set, must match the files' hashes
 *              (checkpoints set them, so `rltool eval` notices edited files).
 *
 * The file is compiled from disk (so its meshes and includes resolve
 * relative to it) under rl_sim_guard; parse errors come back as RL_ESIM with
 * MuJoCo's message (line and column), a missing file as RL_ENOTFOUND.
 */
#include "envs/mujoco/mjcf_task.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agents/agent.h" /* rl_recipe: a task file's recipe.* lines */
#include "core/file.h"
#include "envs/mujoco/mjcf_terms.h"
#include "envs/mujoco/sim.h"
#include "envs/render.h"

#define MAX_TASKS 64
#define MAX_MODEL_BYTES (64L << 20)

typedef struct mjcf_cfg {
    char model[RL_OPT_STR_MAX];
    char obs[RL_OPT_STR_MAX];
    char reward[RL_OPT_STR_MAX];
    char healthy[RL_OPT_STR_MAX];
    char terminate[RL_OPT_STR_MAX];
    char reset[RL_OPT_STR_MAX];
    char goal[RL_OPT_STR_MAX];
    char camera[RL_OPT_STR_MAX];
    char task_file[RL_OPT_STR_MAX];
    char model_hash[RL_OPT_STR_MAX];
    char task_hash[RL_OPT_STR_MAX];
    int frame_skip;
    int sensors;
    double reset_noise;
} mjcf_cfg;

static const rl_optdef opt_template[] = {
    {"model", RL_OPT_STR, offsetof(mjcf_cfg, model), "", 0, 0, NULL,
     "the MJCF file (mjcf:PATH sets it; a task file's path is relative to the task file)"},
    {"obs", RL_OPT_STR, offsetof(mjcf_cfg, obs), "", 0, 0, NULL,
     "observation terms TERM+TERM (default qpos+qvel): qpos[:SEL] qvel[:SEL] pos vec cfrc ..."},
    {"reward", RL_OPT_STR, offsetof(mjcf_cfg, reward), "", 0, 0, NULL,
     "reward terms TERM+TERM, each [@CLIP][*WEIGHT]: fwd ctrl healthy cfrc upright tol ..."},
    {"healthy", RL_OPT_STR, offsetof(mjcf_cfg, healthy), "", 0, 0, NULL,
     "conditions COND+COND that define healthy: height angle qpos qvel finite no_contact"},
    {"terminate", RL_OPT_STR, offsetof(mjcf_cfg, terminate), "", 0, 0, NULL,
     "conditions COND+COND whose failure ends the episode; 'unhealthy' ends it when unhealthy"},
    {"reset", RL_OPT_STR, offsetof(mjcf_cfg, reset), "", 0, 0, NULL,
     "reset terms qpos|qvel[:SEL]:uniform|normal|set:VALUE (default: reset_noise)"},
    {"goal", RL_OPT_STR, offsetof(mjcf_cfg, goal), "", 0, 0, NULL,
     "goal drawn each episode: joints:J:J:radius:R, mocap:BODY:box:LO:HI, site:SITE:... "},
    {"camera", RL_OPT_STR, offsetof(mjcf_cfg, camera), "", 0, 0, NULL,
     "body the default camera tracks (default: the first body)"},
    {"frame_skip", RL_OPT_INT, offsetof(mjcf_cfg, frame_skip), "5", 1, 1000, NULL,
     "physics steps per env step"},
    {"sensors", RL_OPT_BOOL, offsetof(mjcf_cfg, sensors), "0", 0, 0, NULL,
     "append sensordata to the default observation"},
    {"reset_noise", RL_OPT_FLOAT, offsetof(mjcf_cfg, reset_noise), "0.01", 0, 10, NULL,
     "uniform noise on every qpos and qvel entry at reset when reset is empty"},
    {"task_file", RL_OPT_STR, offsetof(mjcf_cfg, task_file), "", 0, 0, NULL,
     "the task file these options came from (set by the task file's id)"},
    {"task_hash", RL_OPT_STR, offsetof(mjcf_cfg, task_hash), "", 0, 0, NULL,
     "when set, the task file's hash must match (checkpoints pin it; empty: no check)"},
    {"model_hash", RL_OPT_STR, offsetof(mjcf_cfg, model_hash), "", 0, 0, NULL,
     "when set, the model file's hash must match (checkpoints pin it; empty: no check)"},
};
#define N_MJCF_OPTS ((int)(sizeof opt_template / sizeof opt_template[0]))

/* Compiled model and everything derived from it, shared read-only. */
typedef struct mjcf_model {
    mjModel *m;
    mjcf_cfg cfg;
    mt_spec spec;
    char hash[24];
    int camera_body;
    float *obs_low, *obs_high; /* (obs_dim) */
    float *act_low, *act_high; /* (nu) */
} mjcf_model;

typedef struct mjcf_env {
    rl_sim sim;
    const mjcf_model *mm;
    mt_state st;
    float *last_obs; /* (obs_dim) */
} mjcf_env;

/* ------------------------------------------------------------ hashing */

/* FNV-1a, 64 bits: detects edits, not adversaries. */
static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (uint64_t)(unsigned char)p[i]) * 0x100000001b3ull;
    return h;
}

/* A task file's definition: each line without its comment and spaces,
 * blank lines and recipe.* lines left out (text is modified). */
static uint64_t hash_definition(char *text)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (char *line = text; line;) {
        char *nl = strchr(line, '\n'), *w = line;
        if (nl) *nl = 0;
        for (char *r = line; *r && *r != '#'; r++)
            if (!isspace((unsigned char)*r)) *w++ = *r;
        *w = 0;
        if (line[0] && strncmp(line, "recipe.", 7)) h = fnv1a(h, line, strlen(line) + 1);
        line = nl ? nl + 1 : NULL;
    }
    return h;
}

int rl_mjcf_hash_file(const char *path, int definition, char out[24])
{
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = rl_file_read_all(path, definition ? "task file" : "model file", MAX_MODEL_BYTES,
                              &buf, &n);
    if (rc) return rc;
    uint64_t h = definition ? hash_definition((char *)buf)
                            : fnv1a(0xcbf29ce484222325ull, (const char *)buf, n);
    free(buf);
    snprintf(out, 24, "%016llx", (unsigned long long)h);
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
    mt_spec_free(&mm->spec);
    rl_sim_model_free(mm->m);
    free(mm->obs_low);
    free(mm->obs_high);
    free(mm->act_low);
    free(mm->act_high);
    free(mm);
}

static int load_model(const mjcf_cfg *cfg, mjModel **out)
{
    struct load_ctx *c = calloc(1, sizeof *c);
    if (!c) return rl_error(RL_ENOMEM, "out of memory");
    c->file = cfg->model;
    int rc = rl_sim_guard(do_load, c);
    if (!rc && !c->m) {
        for (char *p = c->err; *p; p++)
            if (*p == '\n') *p = ' ';
        rc = rl_error(RL_ESIM, "MuJoCo could not load %s: %s", cfg->model,
                      c->err[0] ? c->err : "(no message)");
    } else if (rc) {
        rc = rl_error(RL_ESIM, "MuJoCo could not load %s: %s", cfg->model, rl_last_error());
    }
    *out = c->m;
    free(c);
    return rc;
}

/* The pinned hashes, when given, must match the files as they are now. */
static int check_pins(const mjcf_cfg *cfg, const char *model_hash)
{
    if (cfg->model_hash[0] && strcmp(cfg->model_hash, model_hash))
        return rl_error(RL_ESTATE, "the model %s changed since these options were pinned "
                        "(hash %s then, %s now); pass model_hash= (empty) to use it anyway",
                        cfg->model, cfg->model_hash, model_hash);
    if (!cfg->task_hash[0]) return RL_OK;
    if (!cfg->task_file[0])
        return rl_error(RL_EINVAL, "task_hash is set but task_file is not");
    char now[24];
    int rc = rl_mjcf_hash_file(cfg->task_file, 1, now);
    if (rc) return rc;
    if (strcmp(cfg->task_hash, now))
        return rl_error(RL_ESTATE, "the task file %s changed since these options were pinned "
                        "(hash %s then, %s now: its definition, not a comment or recipe line); "
                        "pass task_hash= (empty) to use the file as it is now",
                        cfg->task_file, cfg->task_hash, now);
    return RL_OK;
}

static int shared_make(const void *cfgp, void **shared)
{
    const mjcf_cfg *cfg = cfgp;
    *shared = NULL;
    struct stat st;
    if (!cfg->model[0])
        return rl_error(RL_EINVAL, "no model: use the id %spath/to/robot.xml or a task file "
                        "with a line model = robot.xml", RL_MJCF_PREFIX);
    if (cfg->model[0] == '$') { /* a task file's $VAR/... that was not set when read */
        const char *v = cfg->model + 1 + (cfg->model[1] == '{');
        int n = (int)strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
        return rl_error(RL_ENOTFOUND, "model path '%s'%s%s%s uses $%.*s, which is not set (set it "
                        "to the directory that holds the model file)", cfg->model,
                        cfg->task_file[0] ? " (task file " : "", cfg->task_file,
                        cfg->task_file[0] ? ")" : "", n, v);
    }
    if (stat(cfg->model, &st) != 0) /* other non-regular files: rl_sim_check_mjcf_file */
        return rl_error(RL_ENOTFOUND, "MJCF file '%s' not found%s%s%s", cfg->model,
                        cfg->task_file[0] ? " (model of task file " : "",
                        cfg->task_file[0] ? cfg->task_file : "", cfg->task_file[0] ? ")" : "");
    int checked = rl_sim_check_mjcf_file(cfg->model);
    if (checked) return checked;
    mjcf_model *mm = calloc(1, sizeof *mm);
    if (!mm) return rl_error(RL_ENOMEM, "out of memory");
    mm->cfg = *cfg;
    int rc = rl_mjcf_hash_file(cfg->model, 0, mm->hash);
    if (!rc) rc = check_pins(cfg, mm->hash);
    if (!rc) rc = load_model(cfg, &mm->m);
    if (rc) {
        model_free(mm);
        return rc;
    }
    const mjModel *m = mm->m;
    mt_text text = {cfg->obs[0] ? cfg->obs : (cfg->sensors ? "qpos+qvel+sensors" : "qpos+qvel"),
                    cfg->reward, cfg->terminate, cfg->healthy, cfg->reset, cfg->goal,
                    cfg->reset_noise};
    if (m->nu == 0)
        rc = rl_error(RL_EINVAL, "%s has no actuators: add an <actuator> section", cfg->model);
    if (!rc) rc = mt_spec_make(&mm->spec, m, cfg->model, &text);
    if (!rc && mm->spec.obs_dim == 0)
        rc = rl_error(RL_EINVAL, "%s: the observation is empty (obs=%s)", cfg->model, text.obs);
    mm->camera_body = m->nbody > 1 ? 1 : 0;
    if (!rc && cfg->camera[0]) {
        mm->camera_body = mj_name2id(m, mjOBJ_BODY, cfg->camera);
        if (mm->camera_body < 0) {
            char known[700];
            mt_names(m, mjOBJ_BODY, known, sizeof known);
            rc = rl_error(RL_ENOTFOUND, "camera: %s has no body named '%s' (bodies: %s)",
                          cfg->model, cfg->camera, known);
        }
    }
    int od = mm->spec.obs_dim;
    if (!rc) {
        mm->obs_low = malloc(sizeof(float) * (size_t)od);
        mm->obs_high = malloc(sizeof(float) * (size_t)od);
        mm->act_low = malloc(sizeof(float) * (size_t)m->nu);
        mm->act_high = malloc(sizeof(float) * (size_t)m->nu);
        if (!mm->obs_low || !mm->obs_high || !mm->act_low || !mm->act_high)
            rc = rl_error(RL_ENOMEM, "out of memory");
    }
    if (rc) {
        model_free(mm);
        return rc;
    }
    for (int i = 0; i < od; i++) {
        mm->obs_low[i] = -INFINITY;
        mm->obs_high[i] = INFINITY;
    }
    for (int i = 0; i < m->nu; i++) {
        mm->act_low[i] = -1.f;
        mm->act_high[i] = 1.f;
    }
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
    free(s->st.last_action);
    free(s);
    env->data = NULL;
}

static int init(rl_env *env, const void *cfg, void *shared)
{
    if (!shared) return rl_error(RL_EINVAL, "%s: made without its compiled model", env->task->id);
    const mjcf_model *mm = shared;
    if (memcmp(&mm->cfg, cfg, sizeof mm->cfg))
        return rl_error(RL_EINVAL, "%s: shared model does not match the options", env->task->id);
    mjcf_env *s = calloc(1, sizeof *s);
    if (!s) return rl_error(RL_ENOMEM, "out of memory");
    env->data = s;
    s->mm = mm;
    s->last_obs = calloc((size_t)mm->spec.obs_dim, sizeof(float));
    s->st.last_action = calloc((size_t)mm->m->nu, sizeof(float));
    if (!s->last_obs || !s->st.last_action) return rl_error(RL_ENOMEM, "out of memory");
    int rc = rl_sim_init(&s->sim, mm->m, mm->cfg.frame_skip);
    if (rc) return rc;
    env->obs_space = (rl_space){RL_BOX, mm->spec.obs_dim, 0, mm->obs_low, mm->obs_high};
    env->act_space = (rl_space){RL_BOX, mm->m->nu, 0, mm->act_low, mm->act_high};
    env->slices = mm->spec.slices;
    env->n_slices = mm->spec.n_obs;
    env->info_names = mm->spec.info_names;
    env->n_info = mm->spec.n_rew;
    env->dt = mm->m->opt.timestep * mm->cfg.frame_skip;
    return RL_OK;
}

static void observe(mjcf_env *s, float *obs)
{
    mt_observe(&s->mm->spec, s->mm->m, s->sim.d, &s->st, obs);
    memcpy(s->last_obs, obs, sizeof(float) * (size_t)s->mm->spec.obs_dim);
}

static void reset(rl_env *env)
{
    mjcf_env *s = env->data;
    rl_sim_reset(&s->sim);
    mt_reset_state(&s->mm->spec, s->mm->m, s->sim.d, &s->st, &env->rng);
    rl_sim_forward(&s->sim);
    if (s->mm->spec.needs_cfrc) mj_rnePostConstraint(s->mm->m, s->sim.d);
    observe(s, env->obs);
}

static void contact_forces(void *p)
{
    mjcf_env *s = p;
    const mjModel *m = s->mm->m;
    mj_fwdActuation(m, s->sim.d);
    mj_fwdAcceleration(m, s->sim.d);
    mj_fwdConstraint(m, s->sim.d);
    mj_rnePostConstraint(m, s->sim.d);
}

static void step(rl_env *env, const float *action)
{
    mjcf_env *s = env->data;
    const mjcf_model *mm = s->mm;
    const mt_spec *sp = &mm->spec;
    const mjModel *m = mm->m;
    mjData *d = s->sim.d;
    mt_before_step(sp, m, d, &s->st);
    for (int i = 0; i < m->nu; i++) {
        double a = action[i];
        s->st.last_action[i] = action[i];
        if (m->actuator_ctrllimited[i]) {
            double lo = m->actuator_ctrlrange[2 * i], hi = m->actuator_ctrlrange[2 * i + 1];
            d->ctrl[i] = 0.5 * (lo + hi) + 0.5 * (hi - lo) * a;
        } else {
            d->ctrl[i] = a;
        }
    }
    if (rl_sim_step(&s->sim) != RL_OK) {
        rl_sim_end_unstable(env, s->last_obs, sp->obs_dim, 0);
        return;
    }
    /* Contact forces of the new state: stepping leaves the constraint
     * forces of the last substep's start, and cfrc_ext is filled only by
     * mj_rnePostConstraint (which Gymnasium calls after stepping too). */
    if (sp->needs_cfrc) rl_sim_guard(contact_forces, s);
    observe(s, env->obs);
    int healthy = mt_conds_hold(sp, sp->healthy, sp->n_healthy, m, d);
    int term = !mt_conds_hold(sp, sp->term, sp->n_term, m, d) || (sp->end_unhealthy && !healthy);
    double dt = m->opt.timestep * mm->cfg.frame_skip;
    *env->reward = (float)mt_step_reward(sp, m, d, &s->st, action, dt, term, healthy,
                                    env->info->extra);
    *env->terminated = (unsigned char)term;
    env->info->sim_unstable = 0;
}

static rl_sim *mjcf_sim(rl_env *env);

static float goal_reward(const rl_env *env, const float *achieved, const float *desired,
                         int *success)
{
    if (success) *success = -1;
    const mjcf_env *s = env->data;
    return mt_goal_reward(&s->mm->spec, achieved, desired);
}

static int render(rl_env *env, unsigned char *rgb, int width, int height)
{
    return rl_render_mujoco(env, rgb, width, height);
}

/* ------------------------------------------------------------ describe */

static size_t list_names(const mjModel *m, int type, const char *label, char *buf, size_t cap)
{
    char names[2048];
    mt_names(m, type, names, sizeof names);
    return (size_t)snprintf(buf, cap, "  %-10s %s\n", label, names);
}

int rl_mjcf_describe(const rl_env *env, char *buf, size_t cap)
{
    if (!env || env->task->init != init || !env->data)
        return rl_error(RL_EINVAL, "rl_mjcf_describe: not an mjcf env");
    const mjcf_model *mm = ((const mjcf_env *)env->data)->mm;
    const mjModel *m = mm->m;
    size_t u = 0;
#define OUT(...) (u += (size_t)snprintf(buf + u, u < cap ? cap - u : 0, __VA_ARGS__))
    if (mm->cfg.task_file[0]) OUT("task file    %s\n", mm->cfg.task_file);
    const char *agent;
    const rl_recipe *rec = rl_mjcf_task_recipe(env->task, &agent);
    if (rec)
        OUT("recipe       %s%s%s%s%s, %lld steps (what `rltool train` uses without --agent)\n",
            agent, rec->policy ? " --policy " : "", rec->policy ? rec->policy : "",
            rec->hparams ? " " : "", rec->hparams ? rec->hparams : "", (long long)rec->steps);
    OUT("model        %s (hash %s): nq %d, nv %d, nu %d, %d bodies, %d joints, %d sites, "
        "%d geoms, %d sensor values\n", mm->cfg.model, mm->hash, m->nq, m->nv, m->nu, m->nbody,
        m->njnt, m->nsite, m->ngeom, m->nsensordata);
    OUT("names:\n");
    static const int types[] = {mjOBJ_BODY, mjOBJ_JOINT, mjOBJ_SITE, mjOBJ_GEOM, mjOBJ_ACTUATOR,
                                mjOBJ_SENSOR};
    static const char *const labels[] = {"bodies", "joints", "sites", "geoms", "actuators",
                                         "sensors"};
    for (int i = 0; i < 6; i++)
        u += list_names(m, types[i], labels[i], buf + (u < cap ? u : cap),
                        u < cap ? cap - u : 0);
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
    OUT("camera       tracks body '%s'\n", mj_id2name(m, mjOBJ_BODY, mm->camera_body)
                                            ? mj_id2name(m, mjOBJ_BODY, mm->camera_body) : "world");
    if (u < cap) u += mt_describe(&mm->spec, m, buf + u, cap - u);
#undef OUT
    return (int)(u < cap ? u : cap - 1);
}

static rl_sim *mjcf_sim(rl_env *env)
{
    if (!env || !env->task || env->task->init != init || !env->data) return NULL;
    return &((mjcf_env *)env->data)->sim;
}

rl_sim *rl_mjcf_sim(rl_env *env) { return mjcf_sim(env); }

int rl_mjcf_camera_body(const rl_env *env)
{
    if (!env || !env->task || env->task->init != init || !env->data) return -1;
    return ((const mjcf_env *)env->data)->mm->camera_body;
}

int rl_mjcf_pinned(const rl_env *env, char *buf, size_t cap)
{
    if (!env || !env->task || env->task->init != init || !env->data)
        return rl_error(RL_EINVAL, "not an mjcf env");
    const mjcf_model *mm = ((const mjcf_env *)env->data)->mm;
    char task_hash[24] = "";
    if (mm->cfg.task_file[0]) {
        int rc = rl_mjcf_hash_file(mm->cfg.task_file, 1, task_hash);
        if (rc) return rc;
    }
    int n = snprintf(buf, cap, "model=%s,model_hash=%s%s%s%s%s", mm->cfg.model, mm->hash,
                     task_hash[0] ? ",task_file=" : "", task_hash[0] ? mm->cfg.task_file : "",
                     task_hash[0] ? ",task_hash=" : "", task_hash);
    if (n < 0 || (size_t)n >= cap) return rl_error(RL_EINVAL, "pinned options do not fit");
    return n;
}

/* ------------------------------------------------------------ task cache */

/* A task per (id, option defaults), made on first lookup and kept for the
 * process's life (the registry, envs and checkpoints hold pointers to it).
 * Its option table is a copy of the template whose defaults come from the
 * id (mjcf:PATH sets model) or from a task file. */
typedef struct mjcf_task_entry {
    rl_task task;
    rl_optdef opts[N_MJCF_OPTS];
    char defs[N_MJCF_OPTS][RL_OPT_STR_MAX];
    char id[PATH_MAX + 8];
    uint64_t key; /* hash of the defaults */
    rl_recipe recipe; /* a task file's recipe.* lines; task_prefix = id */
    char recipe_agent[RL_OPT_STR_MAX], recipe_policy[RL_OPT_STR_MAX];
    char recipe_hparams[RL_OPT_STR_MAX];
} mjcf_task_entry;

/* The recipe.* keys (checked by the task file reader) into e->recipe. */
static void set_recipe(mjcf_task_entry *e, const char *const *keys, const char *const *values,
                       int n)
{
    long long steps = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(keys[i], "recipe.agent"))
            snprintf(e->recipe_agent, sizeof e->recipe_agent, "%s", values[i]);
        else if (!strcmp(keys[i], "recipe.policy"))
            snprintf(e->recipe_policy, sizeof e->recipe_policy, "%s", values[i]);
        else if (!strcmp(keys[i], "recipe.hparams"))
            snprintf(e->recipe_hparams, sizeof e->recipe_hparams, "%s", values[i]);
        else if (!strcmp(keys[i], "recipe.steps") && rl_parse_int(values[i], &steps))
            steps = 0;
    }
    e->recipe = (rl_recipe){
        .task_prefix = e->id,
        .policy = e->recipe_policy[0] ? e->recipe_policy : NULL,
        .hparams = e->recipe_hparams[0] ? e->recipe_hparams : NULL,
        .steps = steps,
        .recommended = 1,
    };
}

const rl_recipe *rl_mjcf_task_recipe(const rl_task *task, const char **agent)
{
    if (!task || task->init != init) return NULL;
    const mjcf_task_entry *e = (const mjcf_task_entry *)task; /* the first member */
    if (!e->recipe_agent[0]) return NULL;
    if (agent) *agent = e->recipe_agent;
    return &e->recipe;
}

static mjcf_task_entry *cache[MAX_TASKS];
static int n_cache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

const rl_optdef *rl_mjcf_opts(int *n)
{
    *n = N_MJCF_OPTS;
    return opt_template;
}

int rl_mjcf_check_option(const char *owner, const char *key, const char *value)
{
    mjcf_cfg *cfg = calloc(1, sizeof *cfg);
    if (!cfg) return rl_error(RL_ENOMEM, "out of memory");
    int rc = rl_opts_set(opt_template, N_MJCF_OPTS, cfg, owner, key, value);
    free(cfg);
    return rc;
}

const rl_task *rl_mjcf_task_with(const char *id, const char *const *keys,
                                 const char *const *values, int n, int max_steps)
{
    uint64_t key = 0xcbf29ce484222325ull;
    for (int i = 0; i < n; i++)
        for (const char *p = keys[i]; ; p = values[i]) {
            for (const char *c = p; *c; c++) key = (key ^ (unsigned char)*c) * 0x100000001b3ull;
            key = (key ^ 0xff) * 0x100000001b3ull;
            if (p == values[i]) break;
        }
    key ^= (uint64_t)max_steps * 0x9e3779b97f4a7c15ull;
    pthread_mutex_lock(&cache_lock);
    const rl_task *found = NULL;
    for (int i = n_cache - 1; i >= 0 && !found; i--)
        if (!strcmp(cache[i]->id, id) && cache[i]->key == key) found = &cache[i]->task;
    if (!found && n_cache == MAX_TASKS) {
        rl_error(RL_ENOMEM, "at most %d different MJCF tasks per process", MAX_TASKS);
    } else if (!found) {
        mjcf_task_entry *e = calloc(1, sizeof *e);
        if (!e) {
            rl_error(RL_ENOMEM, "out of memory");
        } else {
            snprintf(e->id, sizeof e->id, "%s", id);
            e->key = key;
            memcpy(e->opts, opt_template, sizeof e->opts);
            for (int i = 0; i < n; i++)
                for (int j = 0; j < N_MJCF_OPTS; j++)
                    if (!strcmp(keys[i], e->opts[j].name)) {
                        snprintf(e->defs[j], sizeof e->defs[j], "%s", values[i]);
                        e->opts[j].def = e->defs[j];
                    }
            set_recipe(e, keys, values, n);
            e->task = (rl_task){
                .id = e->id,
                .summary = "generic MuJoCo task from an MJCF file: observation, reward, "
                           "termination, reset and goal from named terms",
                .opts = e->opts,
                .n_opts = N_MJCF_OPTS,
                .cfg_size = sizeof(mjcf_cfg),
                .max_steps = max_steps > 0 ? max_steps : 1000,
                .dt = 0,
                .shared_make = shared_make,
                .shared_free = shared_free,
                .init = init,
                .reset = reset,
                .step = step,
                .close = close_env,
                .render = render,
                .goal_reward = goal_reward,
            };
            cache[n_cache++] = e;
            found = &e->task;
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

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
    /* An existing file is named by its absolute path, so checkpoints and
     * run directories work from anywhere. */
    char abs[PATH_MAX], canon[PATH_MAX + 8];
    if (path[0] && realpath(path, abs) && strlen(abs) < RL_OPT_STR_MAX) path = abs;
    snprintf(canon, sizeof canon, "%s%s", RL_MJCF_PREFIX, path);
    const char *keys[] = {"model"}, *vals[] = {path};
    return rl_mjcf_task_with(canon, keys, vals, 1, 0);
}

int rl_env_set_state(rl_env *env, const double *qpos, int nq, const double *qvel, int nv)
{
    rl_sim *sim = rl_mjcf_sim(env);
    if (!sim)
        return rl_error(RL_EINVAL, "rl_env_set_state: %s is not made from a model file (task "
                        "files and mjcf:PATH only)", env && env->task ? env->task->id : "(null)");
    const mjModel *m = sim->m;
    if (nq != m->nq || nv != m->nv || !qpos || !qvel)
        return rl_error(RL_EINVAL, "rl_env_set_state: %s needs qpos (%d) and qvel (%d), got %d "
                        "and %d", env->task->id, m->nq, m->nv, nq, nv);
    if (env->needs_reset)
        return rl_error(RL_ESTATE, "rl_env_set_state: call rl_env_reset first");
    for (int i = 0; i < nq; i++)
        if (!isfinite(qpos[i])) return rl_error(RL_ENUMERIC, "qpos[%d] is not finite", i);
    for (int i = 0; i < nv; i++)
        if (!isfinite(qvel[i])) return rl_error(RL_ENUMERIC, "qvel[%d] is not finite", i);
    mjcf_env *s = env->data;
    memcpy(sim->d->qpos, qpos, sizeof(double) * (size_t)nq);
    memcpy(sim->d->qvel, qvel, sizeof(double) * (size_t)nv);
    int rc = rl_sim_forward(sim);
    if (rc) return rc;
    if (s->mm->spec.needs_cfrc) mj_rnePostConstraint(m, sim->d);
    mt_goal_from_state(&s->mm->spec, m, sim->d, &s->st);
    observe(s, env->obs);
    return RL_OK;
}

int rl_env_get_state(const rl_env *env, double *qpos, int nq, double *qvel, int nv)
{
    rl_sim *sim = rl_mjcf_sim((rl_env *)env);
    if (!sim)
        return rl_error(RL_EINVAL, "rl_env_get_state: %s is not made from a model file (task "
                        "files and mjcf:PATH only)", env && env->task ? env->task->id : "(null)");
    if (nq != sim->m->nq || nv != sim->m->nv || !qpos || !qvel)
        return rl_error(RL_EINVAL, "rl_env_get_state: %s has qpos (%d) and qvel (%d), got room "
                        "for %d and %d", env->task->id, sim->m->nq, sim->m->nv, nq, nv);
    memcpy(qpos, sim->d->qpos, sizeof(double) * (size_t)nq);
    memcpy(qvel, sim->d->qvel, sizeof(double) * (size_t)nv);
    return RL_OK;
}
