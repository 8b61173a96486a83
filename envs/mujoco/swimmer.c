/* The swimmer family: a planar chain of `links` bodies in a viscous fluid
 * (dm_control lineage, the body of the NCAP paper).
 *
 *   swimmer-v1         swim forward: reward clip(v / 0.1, 0, 1) per step
 *   swimmer-target-v1  reach a target: dm_control's swimmer task
 *
 * The model is generated here as MJCF (its numbers are the #defines
 * below) and compiled once per configuration; every env of that
 * configuration borrows it and owns only its mjData.
 */
#include "envs/mujoco/swimmer.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/render.h"
#include "envs/tasks.h"

#define TIMESTEP 0.002
#define SUBSTEPS 15 /* 0.03 s per control step */
#define EPISODE_STEPS 1000
#define SEGMENT_LENGTH 0.1
#define GEAR 5e-4
#define TARGET_SIZE 0.1     /* reward is 1 within this distance */
#define TARGET_MARGIN 0.5   /* dm_control: 5 x target size */
#define FORWARD_SCALE 0.1   /* m/s at which the forward reward saturates */

typedef struct swim_cfg {
    int links;
    int straight_start;
} swim_cfg;

static const rl_optdef swim_opts[] = {
    {"links", RL_OPT_INT, offsetof(swim_cfg, links), "6", RL_SWIMMER_MIN_LINKS,
     RL_SWIMMER_MAX_LINKS, NULL, "number of bodies (links - 1 actuated joints)"},
    {"straight_start", RL_OPT_BOOL, offsetof(swim_cfg, straight_start), "0", 0, 0, NULL,
     "start with every joint at 0 instead of random angles (heading stays random)"},
};
#define N_SWIM_OPTS ((int)(sizeof swim_opts / sizeof swim_opts[0]))

/* Compiled model plus the indices every env needs, shared read-only. */
typedef struct swim_model {
    mjModel *m;
    int links;
    int target;                          /* built with a target mocap body */
    double limit;                        /* joint range, +-radians */
    int body[RL_SWIMMER_MAX_LINKS];      /* head first */
    int hinge_qpos[RL_SWIMMER_MAX_LINKS];/* links - 1 actuated joints */
    int heading_qpos;                    /* root hinge about z */
    int nose_geom;
    int target_mocap;                    /* -1 without a target */
} swim_model;

/* Per-env state. */
typedef struct swim_env {
    rl_sim sim;
    const swim_model *sm;
    swim_model *own_model; /* only when init was given no shared model */
    int straight_start;
    int obs_dim;
    float *obs_low, *obs_high; /* (obs_dim) */
    float *act_low, *act_high; /* (links - 1) */
    float *last_obs;           /* (obs_dim) reported again if the physics blows up */
    rl_slice slices[3];
} swim_env;

static const char *const forward_info[] = {"forward_velocity"};
static const char *const target_info[] = {"target_distance"};

/* ------------------------------------------------------------ model */

static char *swimmer_mjcf(int links, int target)
{
    rl_sb sb = {0};
    double range_deg = 360.0 / links;
    rl_sb_printf(&sb,
        "<mujoco model=\"swimmer%d\">\n"
        "  <compiler autolimits=\"true\" angle=\"degree\"/>\n"
        /* density gives quadratic drag through the inertia-box fluid model;
         * a swimmer never touches anything, so contacts are off. */
        "  <option timestep=\"%g\" density=\"3000\">\n"
        "    <flag contact=\"disable\"/>\n"
        "  </option>\n"
        "  <default>\n"
        "    <default class=\"visual\">\n"
        "      <geom contype=\"0\" conaffinity=\"0\" mass=\"0\" rgba=\".7 .5 .3 1\"/>\n"
        "    </default>\n"
        "    <default class=\"inertial\">\n"
        /* Invisible box that carries all the mass: the fluid model sizes
         * each body's drag from this equivalent inertia box. */
        "      <geom type=\"box\" size=\".001 .05 .01\" mass=\".01\" contype=\"0\""
        " conaffinity=\"0\" rgba=\"0 0 0 0\" group=\"3\"/>\n"
        "    </default>\n"
        "    <default class=\"segment\">\n"
        "      <joint type=\"hinge\" pos=\"0 -.05 0\" axis=\"0 0 1\" range=\"%.17g %.17g\""
        " solreflimit=\".05 1\" solimplimit=\"0 .8 .1\" armature=\"1e-6\"/>\n"
        "    </default>\n"
        "  </default>\n"
        "  <worldbody>\n"
        "    <light pos=\"0 0 4\" dir=\"0 0 -1\"/>\n"
        "    <geom name=\"floor\" type=\"plane\" size=\"4 4 .1\" contype=\"0\""
        " conaffinity=\"0\" rgba=\".2 .3 .4 1\"/>\n"
        "    <body name=\"head\" pos=\"0 0 .05\">\n"
        "      <joint name=\"rootx\" type=\"slide\" axis=\"1 0 0\" pos=\"0 -.05 0\"/>\n"
        "      <joint name=\"rooty\" type=\"slide\" axis=\"0 1 0\" pos=\"0 -.05 0\"/>\n"
        "      <joint name=\"rootz\" type=\"hinge\" axis=\"0 0 1\" pos=\"0 -.05 0\"/>\n"
        "      <geom name=\"head\" class=\"visual\" type=\"ellipsoid\" size=\".02 .04 .017\""
        " pos=\"0 -.022 0\"/>\n"
        /* The head's own segment, up to the first joint: without it the
         * head is drawn 3 cm off its first segment. Visual only (mass 0). */
        "      <geom name=\"visual0\" class=\"visual\" type=\"capsule\" size=\".01\""
        " fromto=\"0 -.05 0 0 .05 0\"/>\n"
        "      <geom name=\"nose\" class=\"visual\" type=\"sphere\" size=\".004\""
        " pos=\"0 -.06 0\" rgba=\".9 .2 .2 1\"/>\n"
        "      <geom name=\"inertial0\" class=\"inertial\"/>\n",
        links, TIMESTEP, -range_deg, range_deg);
    for (int i = 1; i < links; i++) {
        rl_sb_printf(&sb,
            "%*s<body name=\"segment%d\" pos=\"0 %g 0\" childclass=\"segment\">\n"
            "%*s  <joint name=\"joint%d\"/>\n"
            "%*s  <geom name=\"visual%d\" class=\"visual\" type=\"capsule\" size=\".01\""
            " fromto=\"0 -.05 0 0 .05 0\"/>\n"
            "%*s  <geom name=\"inertial%d\" class=\"inertial\"/>\n",
            4 + 2 * i, "", i, SEGMENT_LENGTH, 4 + 2 * i, "", i, 4 + 2 * i, "", i,
            4 + 2 * i, "", i);
    }
    for (int i = links - 1; i >= 0; i--) rl_sb_printf(&sb, "%*s</body>\n", 4 + 2 * i, "");
    if (target) {
        /* A mocap body keeps the target in mjData, so envs sharing the model
         * each have their own target. */
        rl_sb_printf(&sb,
            "    <body name=\"target\" mocap=\"true\" pos=\"1 1 .05\">\n"
            "      <geom name=\"target\" class=\"visual\" type=\"sphere\" size=\"%g\""
            " rgba=\".6 .3 .3 .5\"/>\n"
            "    </body>\n",
            TARGET_SIZE);
    }
    rl_sb_printf(&sb, "  </worldbody>\n  <actuator>\n");
    for (int i = 1; i < links; i++)
        rl_sb_printf(&sb, "    <motor name=\"motor%d\" joint=\"joint%d\" gear=\"%g\""
                          " ctrlrange=\"-1 1\"/>\n", i, i, GEAR);
    rl_sb_printf(&sb, "  </actuator>\n</mujoco>\n");
    return rl_sb_finish(&sb);
}

static void model_free(swim_model *sm)
{
    if (!sm) return;
    rl_sim_model_free(sm->m);
    free(sm);
}

static int model_make(const swim_cfg *cfg, int target, swim_model **out)
{
    *out = NULL;
    int n = cfg->links;
    if (n < RL_SWIMMER_MIN_LINKS || n > RL_SWIMMER_MAX_LINKS)
        return rl_error(RL_EINVAL, "links=%d is out of range [%d, %d]", n,
                        RL_SWIMMER_MIN_LINKS, RL_SWIMMER_MAX_LINKS);
    const char *id = target ? rl_task_swimmer_target.id : rl_task_swimmer.id;
    char *xml = swimmer_mjcf(n, target);
    if (!xml) return RL_ENOMEM;
    swim_model *sm = calloc(1, sizeof *sm);
    if (!sm) {
        free(xml);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    int rc = rl_sim_model_from_xml(xml, id, &sm->m);
    free(xml);
    if (rc) {
        free(sm);
        return rc;
    }
    const mjModel *m = sm->m;
    sm->links = n;
    sm->target = target;
    sm->limit = 2.0 * M_PI / n;
    sm->target_mocap = -1;
    char name[32];
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        if (i == 0) snprintf(name, sizeof name, "head");
        else snprintf(name, sizeof name, "segment%d", i);
        sm->body[i] = mj_name2id(m, mjOBJ_BODY, name);
        ok = sm->body[i] >= 0;
        if (i > 0 && ok) {
            snprintf(name, sizeof name, "joint%d", i);
            int j = mj_name2id(m, mjOBJ_JOINT, name);
            ok = j >= 0;
            if (ok) sm->hinge_qpos[i - 1] = m->jnt_qposadr[j];
        }
    }
    int rootz = mj_name2id(m, mjOBJ_JOINT, "rootz");
    sm->nose_geom = mj_name2id(m, mjOBJ_GEOM, "nose");
    if (target) {
        int b = mj_name2id(m, mjOBJ_BODY, "target");
        sm->target_mocap = b >= 0 ? m->body_mocapid[b] : -1;
        ok = ok && sm->target_mocap >= 0;
    }
    if (!ok || rootz < 0 || sm->nose_geom < 0 || m->nu != n - 1) {
        model_free(sm);
        return rl_error(RL_ESIM, "generated swimmer model for %s is malformed", id);
    }
    sm->heading_qpos = m->jnt_qposadr[rootz];
    *out = sm;
    return RL_OK;
}

static int shared_make_forward(const void *cfg, void **shared)
{
    return model_make(cfg, 0, (swim_model **)shared);
}

static int shared_make_target(const void *cfg, void **shared)
{
    return model_make(cfg, 1, (swim_model **)shared);
}

static void shared_free(void *shared) { model_free(shared); }

/* ------------------------------------------------------------ env */

static int is_target_task(const rl_env *env) { return env->task == &rl_task_swimmer_target; }

static int is_swimmer(const rl_env *env)
{
    return env && (env->task == &rl_task_swimmer || env->task == &rl_task_swimmer_target) &&
           env->data;
}

static void close_env(rl_env *env)
{
    swim_env *s = env->data;
    if (!s) return;
    rl_sim_free(&s->sim);
    model_free(s->own_model);
    free(s->obs_low);
    free(s->obs_high);
    free(s->act_low);
    free(s->act_high);
    free(s->last_obs);
    free(s);
    env->data = NULL;
}

static int init(rl_env *env, const void *cfgp, void *shared)
{
    const swim_cfg *cfg = cfgp;
    int target = is_target_task(env);
    swim_env *s = calloc(1, sizeof *s);
    if (!s) return rl_error(RL_ENOMEM, "out of memory");
    env->data = s;
    int rc;
    if (shared) {
        s->sm = shared;
    } else {
        /* A caller that skipped shared_make still gets a working env. */
        if ((rc = model_make(cfg, target, &s->own_model))) return rc;
        s->sm = s->own_model;
    }
    const swim_model *sm = s->sm;
    if (sm->links != cfg->links || sm->target != target)
        return rl_error(RL_EINVAL, "%s: shared model does not match the options", env->task->id);
    s->straight_start = cfg->straight_start;
    if ((rc = rl_sim_init(&s->sim, sm->m, SUBSTEPS))) return rc;

    int n = sm->links;
    int n_joint = n - 1, n_vel = 3 * n, n_target = target ? 2 : 0;
    s->obs_dim = n_joint + n_vel + n_target;
    s->obs_low = malloc((size_t)s->obs_dim * sizeof(float));
    s->obs_high = malloc((size_t)s->obs_dim * sizeof(float));
    s->act_low = malloc((size_t)n_joint * sizeof(float));
    s->act_high = malloc((size_t)n_joint * sizeof(float));
    s->last_obs = calloc((size_t)s->obs_dim, sizeof(float));
    if (!s->obs_low || !s->obs_high || !s->act_low || !s->act_high || !s->last_obs)
        return rl_error(RL_ENOMEM, "out of memory");
    /* The joint range is the one bound worth publishing: NCAP-style
     * policies read it to scale their oscillators. Soft limits let angles
     * overshoot slightly, so it is nominal. */
    for (int i = 0; i < s->obs_dim; i++) {
        int joint = i < n_joint;
        s->obs_low[i] = joint ? (float)-sm->limit : -INFINITY;
        s->obs_high[i] = joint ? (float)sm->limit : INFINITY;
    }
    for (int i = 0; i < n_joint; i++) {
        s->act_low[i] = -1.f;
        s->act_high[i] = 1.f;
    }
    s->slices[0] = (rl_slice){"joint_pos", 0, n_joint};
    s->slices[1] = (rl_slice){"body_vel", n_joint, n_vel};
    s->slices[2] = (rl_slice){"to_target", n_joint + n_vel, n_target};

    env->obs_space = (rl_space){RL_BOX, s->obs_dim, 0, s->obs_low, s->obs_high};
    env->act_space = (rl_space){RL_BOX, n_joint, 0, s->act_low, s->act_high};
    env->slices = s->slices;
    env->n_slices = target ? 3 : 2;
    env->info_names = target ? target_info : forward_info;
    env->n_info = 1;
    return RL_OK;
}

/* Velocity of a body's frame origin in that body's own frame: [ang, lin].
 * mjOBJ_XBODY, not mjOBJ_BODY: the latter answers in the inertial frame,
 * whose axes are the principal axes of inertia, not the body axes. */
static void body_velocity(const mjModel *m, const mjData *d, int body, mjtNum v[6])
{
    mj_objectVelocity(m, d, mjOBJ_XBODY, body, v, 1);
}

/* The head's forward speed: world linear velocity projected on the head's
 * -y axis (the nose points along -y). */
static double forward_velocity(const swim_model *sm, const mjData *d)
{
    mjtNum v[6];
    mj_objectVelocity(sm->m, d, mjOBJ_XBODY, sm->body[0], v, 0);
    const mjtNum *R = d->xmat + 9 * sm->body[0];
    return -(v[3] * R[1] + v[4] * R[4] + v[5] * R[7]);
}

/* Target minus nose, in the head frame's x-y plane. */
static void nose_to_target(const swim_model *sm, const mjData *d, double out[2])
{
    const mjtNum *t = d->mocap_pos + 3 * sm->target_mocap;
    const mjtNum *nose = d->geom_xpos + 3 * sm->nose_geom;
    const mjtNum *R = d->xmat + 9 * sm->body[0];
    double w[3] = {t[0] - nose[0], t[1] - nose[1], t[2] - nose[2]};
    for (int k = 0; k < 2; k++) out[k] = w[0] * R[k] + w[1] * R[3 + k] + w[2] * R[6 + k];
}

static void write_obs(const swim_env *s, float *obs)
{
    const swim_model *sm = s->sm;
    const mjData *d = s->sim.d;
    int n = sm->links, k = 0;
    for (int i = 0; i < n - 1; i++) obs[k++] = (float)d->qpos[sm->hinge_qpos[i]];
    for (int i = 0; i < n; i++) {
        mjtNum v[6];
        body_velocity(sm->m, d, sm->body[i], v);
        obs[k++] = (float)v[3]; /* vx */
        obs[k++] = (float)v[4]; /* vy */
        obs[k++] = (float)v[2]; /* wz */
    }
    if (sm->target) {
        double tt[2];
        nose_to_target(sm, d, tt);
        obs[k++] = (float)tt[0];
        obs[k++] = (float)tt[1];
    }
}

static double target_reward(double dist)
{
    if (dist <= TARGET_SIZE) return 1.0;
    /* dm_control's tolerance with a long-tail sigmoid: 0.1 at the margin. */
    double x = (dist - TARGET_SIZE) / TARGET_MARGIN;
    return 1.0 / (1.0 + 9.0 * x * x);
}

static void reset(rl_env *env)
{
    swim_env *s = env->data;
    const swim_model *sm = s->sm;
    rl_sim_reset(&s->sim); /* time, velocities, controls, warning counters */
    mjData *d = s->sim.d;
    /* Position stays at the origin; heading and shape are random. */
    d->qpos[sm->heading_qpos] = rl_rng_range(&env->rng, -M_PI, M_PI);
    for (int i = 0; i < sm->links - 1; i++)
        d->qpos[sm->hinge_qpos[i]] =
            s->straight_start ? 0.0 : rl_rng_range(&env->rng, -sm->limit, sm->limit);
    if (sm->target) {
        double box = rl_rng_uniform(&env->rng) < 0.2 ? 0.3 : 2.0;
        mjtNum *t = d->mocap_pos + 3 * sm->target_mocap;
        t[0] = rl_rng_range(&env->rng, -box, box);
        t[1] = rl_rng_range(&env->rng, -box, box);
    }
    rl_sim_forward(&s->sim);
    write_obs(s, env->obs);
    memcpy(s->last_obs, env->obs, (size_t)s->obs_dim * sizeof(float));
}

static void step(rl_env *env, const float *action)
{
    swim_env *s = env->data;
    const swim_model *sm = s->sm;
    mjData *d = s->sim.d;
    for (int i = 0; i < sm->links - 1; i++) d->ctrl[i] = action[i];
    if (rl_sim_step(&s->sim) != RL_OK) {
        rl_sim_end_unstable(env, s->last_obs, s->obs_dim, 0);
        return;
    }
    write_obs(s, env->obs);
    memcpy(s->last_obs, env->obs, (size_t)s->obs_dim * sizeof(float));
    double r;
    if (sm->target) {
        double tt[2];
        nose_to_target(sm, d, tt);
        double dist = hypot(tt[0], tt[1]);
        r = target_reward(dist);
        env->info->extra[0] = (float)dist;
    } else {
        double v = forward_velocity(sm, d);
        r = fmin(fmax(v / FORWARD_SCALE, 0.0), 1.0);
        env->info->extra[0] = (float)v;
    }
    *env->reward = (float)r;
    *env->terminated = 0;
    env->info->sim_unstable = 0;
}

/* ------------------------------------------------------------ extras */

int rl_swimmer_joint_limit(const rl_env *env, double *limit_rad)
{
    if (!is_swimmer(env)) return rl_error(RL_EINVAL, "rl_swimmer_joint_limit: not a swimmer env");
    const swim_env *s = env->data;
    *limit_rad = s->sm->limit;
    return RL_OK;
}

rl_sim *rl_swimmer_sim(rl_env *env)
{
    if (!is_swimmer(env)) return NULL;
    return &((swim_env *)env->data)->sim;
}

const rl_task rl_task_swimmer = {
    .id = "swimmer-v1",
    .summary = "planar swimmer of `links` bodies; reward forward speed of the head, "
               "saturating at 0.1 m/s (MuJoCo)",
    .opts = swim_opts,
    .n_opts = N_SWIM_OPTS,
    .cfg_size = sizeof(swim_cfg),
    .max_steps = EPISODE_STEPS,
    .dt = TIMESTEP * SUBSTEPS,
    .shared_make = shared_make_forward,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .has_threshold = 1,
    .reward_threshold = 500, /* half the 1000-step maximum: a steady gait */
};

const rl_task rl_task_swimmer_target = {
    .id = "swimmer-target-v1",
    .summary = "planar swimmer of `links` bodies that must bring its nose to a random "
               "target (dm_control swimmer; MuJoCo)",
    .opts = swim_opts,
    .n_opts = N_SWIM_OPTS,
    .cfg_size = sizeof(swim_cfg),
    .max_steps = EPISODE_STEPS,
    .dt = TIMESTEP * SUBSTEPS,
    .shared_make = shared_make_target,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .has_threshold = 1,
    .reward_threshold = 300, /* at the target for 30% of the episode */
};
