/* The quadrotor family: a Crazyflie 2.x-like X quadrotor (numbers in
 * the #defines below: mass, inertia, arm, thrust and motor constants from the
 * Learning-to-Fly and gym-pybullet-drones identifications).
 *
 *   quadrotor-hover-v1  recover from a random state and hover at the origin
 *   quadrotor-goto-v1   fly to a random target and hold it there
 *
 * Model (generated here as MJCF, modelled like Menagerie's Skydio X2): one
 * free body with the Crazyflie's mass and inertia, four rotor sites in an X,
 * and one `general` actuator per site whose gear (0 0 1 0 0 +-c) turns the
 * rotor thrust into a force along the body z axis plus the reaction yaw
 * torque c * thrust. dyntype="filter" with dynprm = tau gives the first-order
 * motor lag: d->act is the thrust the rotor produces now, d->ctrl the
 * commanded one. Rotors seen from above, rotor i at (sx, sy) * ROTOR_XY:
 *
 *                  +x
 *                   ^
 *      rotor3 (+c)  |  rotor0 (-c)        0: (+, -)   1: (-, -)
 *                \  |  /                  2: (-, +)   3: (+, +)
 *      +y <-------[   ]
 *                /     \                  diagonal rotors spin alike
 *      rotor2 (-c)     rotor1 (+c)
 *
 * So more thrust on rotors 2 and 3 (+y) rolls about +x, more on rotors 0
 * and 3 (+x) pitches about -y (nose up), more on rotors 1 and 3 (+c gear)
 * yaws about +z.
 *
 * Action a in [-1, 1] per rotor commands thrust (a + 1) / 2 * max_thrust.
 * Observation (22, RAPTOR's layout): position error p - target (3), rotation
 * matrix body -> world, row-major (9), world linear velocity (3), body-frame
 * angular velocity (3), the previous action (4).
 */
#include "envs/mujoco/quadrotor.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/render.h"
#include "envs/tasks.h"

#define TIMESTEP 0.002
#define SUBSTEPS 5 /* 100 Hz control */
#define EPISODE_STEPS 500

/* Nominal Crazyflie 2.x. */
#define MASS 0.027
#define IXX 1.4e-5
#define IYY 1.4e-5
#define IZZ 2.17e-5
#define ROTOR_XY 0.028         /* rotor at (+-ROTOR_XY, +-ROTOR_XY) */
#define MAX_THRUST 0.149       /* N per rotor */
#define YAW_COEF 0.006         /* m: yaw torque per newton of thrust */
#define MOTOR_TAU 0.03         /* s */
#define GRAVITY 9.81

/* Reset distribution and flight volume. */
#define START_POS 0.5          /* position U(+-0.5) m around the origin */
#define START_TILT (M_PI / 2)  /* tilt up to 90 degrees about a random axis */
#define START_VEL 1.0          /* m/s per axis */
#define START_ANGVEL 1.0       /* rad/s per axis */
#define LEVEL_START_PROB 0.1
#define GOTO_TARGET 1.0        /* goto target U(+-1)^3 m */
#define HOVER_RADIUS 1.5       /* hover: terminated beyond 1.5 m from the target */
#define GOTO_BOX 2.0           /* goto: terminated outside |x_i| <= 2 m */
#define MAX_SPEED 10.0         /* m/s */
#define MAX_ANGVEL 35.0        /* rad/s: the Crazyflie gyro's 2000 deg/s range */
#define SUCCESS_DIST 0.1       /* goto success: within 0.1 m ... */
#define SUCCESS_SPEED 0.2      /* ... and below 0.2 m/s */

/* Domain randomisation (randomize=1), RAPTOR-style. */
#define RAND_MASS_LO 0.7       /* x nominal mass */
#define RAND_MASS_HI 1.3
#define RAND_TW_LO 1.5         /* thrust-to-weight */
#define RAND_TW_HI 3.5
#define RAND_ARM_LO 0.8        /* x nominal arm length */
#define RAND_ARM_HI 1.2
#define RAND_TAU_LO 0.02       /* s */
#define RAND_TAU_HI 0.1

enum { START_RANDOM = 0, START_LEVEL = 1 };

typedef struct quad_cfg {
    int randomize;
    int start;
    double penalty;
} quad_cfg;

static const rl_optdef quad_opts[] = {
    {"randomize", RL_OPT_BOOL, offsetof(quad_cfg, randomize), "0", 0, 0, NULL,
     "sample mass, thrust-to-weight, arm length and motor lag per episode"},
    {"start", RL_OPT_CHOICE, offsetof(quad_cfg, start), "random", 0, 0, "random|level",
     "random: the training distribution; level: level and at rest at the target"},
    {"penalty", RL_OPT_FLOAT, offsetof(quad_cfg, penalty), "100", 0, 1e6, NULL,
     "reward -penalty on the step that leaves the flight volume or speed limits"},
};
#define N_QUAD_OPTS ((int)(sizeof quad_opts / sizeof quad_opts[0]))

/* Observation layout. */
enum { OBS_POS = 0, OBS_ROT = 3, OBS_VEL = 12, OBS_ANGVEL = 15, OBS_ACT = 18 };

static const rl_slice quad_slices[] = {
    {"position_error", OBS_POS, 3},   {"rotation", OBS_ROT, 9},
    {"linear_velocity", OBS_VEL, 3},  {"angular_velocity", OBS_ANGVEL, 3},
    {"previous_action", OBS_ACT, 4},
};
#define N_QUAD_SLICES ((int)(sizeof quad_slices / sizeof quad_slices[0]))

/* info->extra. */
enum { INFO_POS_ERR, INFO_MASS, INFO_TW, INFO_ARM, INFO_TAU, N_QUAD_INFO };
static const char *const quad_info[N_QUAD_INFO] = {
    "position_error", "mass", "thrust_to_weight", "arm_length", "motor_tau",
};

#define INF INFINITY
static const float obs_low[RL_QUAD_OBS_DIM] = {
    -INF, -INF, -INF, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -INF, -INF, -INF, -INF, -INF, -INF, -1, -1, -1, -1};
static const float obs_high[RL_QUAD_OBS_DIM] = {
    INF, INF, INF, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    INF, INF, INF, INF, INF, INF, 1, 1, 1, 1};
static const float act_low[RL_QUAD_ACT_DIM] = {-1, -1, -1, -1};
static const float act_high[RL_QUAD_ACT_DIM] = {1, 1, 1, 1};

/* Rotor layout: sign of x, y and of the yaw gear (see the drawing above). */
static const int rotor_sign[4][3] = {{1, -1, -1}, {-1, -1, 1}, {-1, 1, -1}, {1, 1, 1}};

/* Compiled model plus indices, shared read-only by the envs of one
 * configuration. */
typedef struct quad_model {
    mjModel *m;
    int body;         /* the quadrotor */
    int qpos, qvel;   /* free joint addresses */
    int site[4];      /* rotor sites */
    int target_mocap;
} quad_model;

typedef struct quad_env {
    rl_sim sim;
    const quad_model *qm;
    quad_model *own_model; /* only when init was given no shared model */
    /* randomize=1: the env's private copy of the model, whose body this
     * env rewrites at every reset (sim.m points at it). */
    mjModel *body_model;
    quad_cfg cfg;
    int goto_task;
    rl_quad_body body;
    double target[3];
    float prev_action[4];
    float last_obs[RL_QUAD_OBS_DIM]; /* reported again if the physics blows up */
} quad_env;

/* ------------------------------------------------------------ model */

static char *quadrotor_mjcf(void)
{
    rl_sb sb = {0};
    rl_sb_printf(&sb,
        "<mujoco model=\"quadrotor\">\n"
        "  <compiler autolimits=\"true\" angle=\"radian\"/>\n"
        /* Nothing to touch in the flight volume: contacts off. */
        "  <option timestep=\"%g\" gravity=\"0 0 %g\">\n"
        "    <flag contact=\"disable\"/>\n"
        "  </option>\n"
        "  <default>\n"
        "    <geom contype=\"0\" conaffinity=\"0\" mass=\"0\"/>\n"
        "  </default>\n"
        "  <worldbody>\n"
        "    <light pos=\"0 0 4\" dir=\"0 0 -1\"/>\n"
        "    <geom name=\"floor\" type=\"plane\" pos=\"0 0 -2\" size=\"3 3 .1\""
        " rgba=\".2 .3 .4 1\"/>\n"
        /* A mocap body keeps the target in mjData, so envs sharing the
         * model each have their own. */
        "    <body name=\"target\" mocap=\"true\">\n"
        "      <geom name=\"target\" type=\"sphere\" size=\".02\" rgba=\".3 .8 .3 .4\"/>\n"
        "    </body>\n"
        "    <body name=\"quad\">\n"
        "      <freejoint name=\"root\"/>\n"
        /* The inertial element overrides anything geoms would imply. */
        "      <inertial pos=\"0 0 0\" mass=\"%g\" diaginertia=\"%g %g %g\"/>\n"
        "      <geom name=\"hull\" type=\"box\" size=\".015 .015 .005\" rgba=\".2 .2 .2 1\"/>\n",
        TIMESTEP, -GRAVITY, MASS, IXX, IYY, IZZ);
    for (int i = 0; i < 4; i++) {
        double x = rotor_sign[i][0] * ROTOR_XY, y = rotor_sign[i][1] * ROTOR_XY;
        rl_sb_printf(&sb,
            "      <geom name=\"arm%d\" type=\"capsule\" size=\".002\" fromto=\"0 0 0 %g %g 0\""
            " rgba=\".3 .3 .3 1\"/>\n"
            "      <geom name=\"prop%d\" type=\"cylinder\" size=\".022 .001\" pos=\"%g %g .004\""
            " rgba=\"%s .5\"/>\n"
            "      <site name=\"rotor%d\" pos=\"%g %g 0\"/>\n",
            i, x, y, i, x, y, rotor_sign[i][2] > 0 ? ".8 .3 .3" : ".3 .3 .8", i, x, y);
    }
    rl_sb_printf(&sb, "    </body>\n  </worldbody>\n  <actuator>\n");
    for (int i = 0; i < 4; i++)
        rl_sb_printf(&sb,
            "    <general name=\"motor%d\" site=\"rotor%d\" gear=\"0 0 1 0 0 %g\""
            " dyntype=\"filter\" dynprm=\"%g\" gaintype=\"fixed\" gainprm=\"1\""
            " biastype=\"none\" ctrlrange=\"0 %g\"/>\n",
            i, i, rotor_sign[i][2] * YAW_COEF, MOTOR_TAU, MAX_THRUST);
    rl_sb_printf(&sb, "  </actuator>\n</mujoco>\n");
    return rl_sb_finish(&sb);
}

static void model_free(quad_model *qm)
{
    if (!qm) return;
    rl_sim_model_free(qm->m);
    free(qm);
}

static int model_make(quad_model **out)
{
    *out = NULL;
    char *xml = quadrotor_mjcf();
    if (!xml) return RL_ENOMEM;
    quad_model *qm = calloc(1, sizeof *qm);
    if (!qm) {
        free(xml);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    int rc = rl_sim_model_from_xml(xml, "quadrotor", &qm->m);
    free(xml);
    if (rc) {
        free(qm);
        return rc;
    }
    const mjModel *m = qm->m;
    qm->body = mj_name2id(m, mjOBJ_BODY, "quad");
    int root = mj_name2id(m, mjOBJ_JOINT, "root");
    int target = mj_name2id(m, mjOBJ_BODY, "target");
    int ok = qm->body >= 0 && root >= 0 && target >= 0 && m->nu == 4 && m->na == 4;
    for (int i = 0; i < 4 && ok; i++) {
        char name[16];
        snprintf(name, sizeof name, "rotor%d", i);
        qm->site[i] = mj_name2id(m, mjOBJ_SITE, name);
        ok = qm->site[i] >= 0;
    }
    if (!ok || m->body_mocapid[target] < 0) {
        model_free(qm);
        return rl_error(RL_ESIM, "generated quadrotor model is malformed");
    }
    qm->qpos = m->jnt_qposadr[root];
    qm->qvel = m->jnt_dofadr[root];
    qm->target_mocap = m->body_mocapid[target];
    *out = qm;
    return RL_OK;
}

static int shared_make(const void *cfg, void **shared)
{
    (void)cfg; /* one body for every option */
    return model_make((quad_model **)shared);
}

static void shared_free(void *shared) { model_free(shared); }

/* ------------------------------------------------------------ body */

static rl_quad_body make_body(double mass, double tw, double arm, double tau)
{
    rl_quad_body b;
    b.mass = mass;
    b.thrust_to_weight = tw;
    b.arm_length = arm;
    b.motor_tau = tau;
    b.hover_thrust = mass * GRAVITY / 4.0;
    b.max_thrust = tw * b.hover_thrust;
    b.hover_action = 2.0 * b.hover_thrust / b.max_thrust - 1.0;
    return b;
}

static rl_quad_body nominal_body(void)
{
    double tw = 4.0 * MAX_THRUST / (MASS * GRAVITY);
    return make_body(MASS, tw, ROTOR_XY * M_SQRT2, MOTOR_TAU);
}

/* Write a sampled body into the env's private model. Inertia scales with
 * mass times arm length squared (the mass distribution keeps its shape). */
static void apply_body(quad_env *q)
{
    mjModel *m = q->body_model;
    const quad_model *qm = q->qm;
    const mjModel *m0 = qm->m;
    const rl_quad_body *b = &q->body;
    int bd = qm->body;
    double ms = b->mass / MASS;
    double as = b->arm_length / (ROTOR_XY * M_SQRT2);
    m->body_mass[bd] = b->mass;
    for (int k = 0; k < 3; k++)
        m->body_inertia[3 * bd + k] = m0->body_inertia[3 * bd + k] * ms * as * as;
    /* Only the quadrotor has mass: its subtree mass is the world's too. */
    m->body_subtreemass[bd] = b->mass;
    m->body_subtreemass[0] = b->mass;
    for (int i = 0; i < 4; i++) {
        int s = qm->site[i];
        m->site_pos[3 * s + 0] = m0->site_pos[3 * s + 0] * as;
        m->site_pos[3 * s + 1] = m0->site_pos[3 * s + 1] * as;
        m->actuator_ctrlrange[2 * i + 1] = b->max_thrust;
        m->actuator_dynprm[i * mjNDYN + 0] = b->motor_tau;
    }
}

/* ------------------------------------------------------------ env */

static int is_quadrotor(const rl_env *env)
{
    return env && (env->task == &rl_task_quadrotor_hover ||
                   env->task == &rl_task_quadrotor_goto) && env->data;
}

static void close_env(rl_env *env)
{
    quad_env *q = env->data;
    if (!q) return;
    rl_sim_free(&q->sim);
    if (q->body_model) mj_deleteModel(q->body_model);
    model_free(q->own_model);
    free(q);
    env->data = NULL;
}

struct copy_ctx {
    const mjModel *src;
    mjModel *dst;
};

static void do_copy(void *p)
{
    struct copy_ctx *c = p;
    c->dst = mj_copyModel(NULL, c->src);
}

static int init(rl_env *env, const void *cfgp, void *shared)
{
    quad_env *q = calloc(1, sizeof *q);
    if (!q) return rl_error(RL_ENOMEM, "out of memory");
    env->data = q;
    q->cfg = *(const quad_cfg *)cfgp;
    q->goto_task = env->task == &rl_task_quadrotor_goto;
    int rc;
    if (shared) {
        q->qm = shared;
    } else {
        if ((rc = model_make(&q->own_model))) return rc;
        q->qm = q->own_model;
    }
    /* Randomised bodies. The shared mjModel is read-only (other envs, on
     * other threads, step with it), and the arm length moves the rotor
     * sites, which no rescaling of ctrl or gear can express for the
     * attitude dynamics together with the inertia. So an env with
     * randomize=1 keeps a private copy of the model (a few kB for this
     * body) and writes each episode's body into it; the physics then is
     * exactly that body, and the nominal envs keep sharing one model. */
    const mjModel *m = q->qm->m;
    if (q->cfg.randomize) {
        struct copy_ctx c = {m, NULL};
        if ((rc = rl_sim_guard(do_copy, &c))) return rc;
        if (!c.dst) return rl_error(RL_ENOMEM, "out of memory copying the quadrotor model");
        q->body_model = c.dst;
        m = c.dst;
    }
    if ((rc = rl_sim_init(&q->sim, m, SUBSTEPS))) return rc;
    q->body = nominal_body();

    env->obs_space = (rl_space){RL_BOX, RL_QUAD_OBS_DIM, 0, obs_low, obs_high};
    env->act_space = (rl_space){RL_BOX, RL_QUAD_ACT_DIM, 0, act_low, act_high};
    env->slices = quad_slices;
    env->n_slices = N_QUAD_SLICES;
    env->info_names = quad_info;
    env->n_info = N_QUAD_INFO;
    return RL_OK;
}

static void write_obs(const quad_env *q, float *obs)
{
    const quad_model *qm = q->qm;
    const mjData *d = q->sim.d;
    const mjtNum *p = d->qpos + qm->qpos, *v = d->qvel + qm->qvel;
    const mjtNum *R = d->xmat + 9 * qm->body;
    for (int k = 0; k < 3; k++) obs[OBS_POS + k] = (float)(p[k] - q->target[k]);
    for (int k = 0; k < 9; k++) obs[OBS_ROT + k] = (float)R[k];
    /* Free joint: qvel holds the world linear velocity, then the angular
     * velocity in the body frame. */
    for (int k = 0; k < 3; k++) obs[OBS_VEL + k] = (float)v[k];
    for (int k = 0; k < 3; k++) obs[OBS_ANGVEL + k] = (float)v[3 + k];
    for (int k = 0; k < 4; k++) obs[OBS_ACT + k] = q->prev_action[k];
}

static void write_body_info(const quad_env *q, rl_info *info)
{
    info->extra[INFO_MASS] = (float)q->body.mass;
    info->extra[INFO_TW] = (float)q->body.thrust_to_weight;
    info->extra[INFO_ARM] = (float)q->body.arm_length;
    info->extra[INFO_TAU] = (float)q->body.motor_tau;
}

static double norm3(const double x[3]) { return sqrt(x[0] * x[0] + x[1] * x[1] + x[2] * x[2]); }

static void reset(rl_env *env)
{
    quad_env *q = env->data;
    const quad_model *qm = q->qm;
    rl_rng *rng = &env->rng;
    if (q->cfg.randomize) {
        double mass = MASS * rl_rng_range(rng, RAND_MASS_LO, RAND_MASS_HI);
        double tw = rl_rng_range(rng, RAND_TW_LO, RAND_TW_HI);
        double arm = ROTOR_XY * M_SQRT2 * rl_rng_range(rng, RAND_ARM_LO, RAND_ARM_HI);
        double tau = rl_rng_range(rng, RAND_TAU_LO, RAND_TAU_HI);
        q->body = make_body(mass, tw, arm, tau);
        apply_body(q);
    }
    rl_sim_reset(&q->sim); /* time, velocities, controls, warning counters */
    mjData *d = q->sim.d;

    for (int k = 0; k < 3; k++)
        q->target[k] = q->goto_task ? rl_rng_range(rng, -GOTO_TARGET, GOTO_TARGET) : 0.0;
    mjtNum *p = d->qpos + qm->qpos, *v = d->qvel + qm->qvel;
    int level = q->cfg.start == START_LEVEL || rl_rng_uniform(rng) < LEVEL_START_PROB;
    if (level) {
        /* Level and at rest on the target (mj_resetData zeroed velocities). */
        for (int k = 0; k < 3; k++) p[k] = q->target[k];
        p[3] = 1.0;
        p[4] = p[5] = p[6] = 0.0;
    } else {
        /* Around the origin: the target itself for hover, the place goto
         * flies from. */
        for (int k = 0; k < 3; k++) p[k] = rl_rng_range(rng, -START_POS, START_POS);
        /* Tilt by U(0, 90 deg) about an axis uniform on the sphere. */
        double axis[3], n;
        do {
            for (int k = 0; k < 3; k++) axis[k] = rl_rng_normal(rng);
            n = norm3(axis);
        } while (n < 1e-9);
        double angle = rl_rng_range(rng, 0.0, START_TILT);
        p[3] = cos(0.5 * angle);
        for (int k = 0; k < 3; k++) p[4 + k] = sin(0.5 * angle) * axis[k] / n;
        for (int k = 0; k < 3; k++) v[k] = rl_rng_range(rng, -START_VEL, START_VEL);
        for (int k = 0; k < 3; k++) v[3 + k] = rl_rng_range(rng, -START_ANGVEL, START_ANGVEL);
    }
    /* Motors spinning at hover thrust, as if the previous action had been
     * hover: a level start at the target holds hover without a transient. */
    for (int i = 0; i < 4; i++) {
        d->act[i] = q->body.hover_thrust;
        d->ctrl[i] = q->body.hover_thrust;
        q->prev_action[i] = (float)q->body.hover_action;
    }
    mjtNum *mp = d->mocap_pos + 3 * qm->target_mocap;
    for (int k = 0; k < 3; k++) mp[k] = q->target[k];
    rl_sim_forward(&q->sim);
    write_obs(q, env->obs);
    memcpy(q->last_obs, env->obs, sizeof q->last_obs);
    double err[3] = {p[0] - q->target[0], p[1] - q->target[1], p[2] - q->target[2]};
    env->info->extra[INFO_POS_ERR] = (float)norm3(err);
    write_body_info(q, env->info);
}

/* Outside the flight volume: hover keeps within 1.5 m of its target; goto
 * flies between targets anywhere in U(+-1)^3 from starts around the origin,
 * so its volume is the fixed box |x_i| <= 2 m, which holds every start and
 * target with at least 0.5 m to spare. */
static int out_of_volume(const quad_env *q, const double *pos, const double err[3])
{
    if (!q->goto_task) return norm3(err) > HOVER_RADIUS;
    for (int k = 0; k < 3; k++)
        if (fabs(pos[k]) > GOTO_BOX) return 1;
    return 0;
}

static void step(rl_env *env, const float *action)
{
    quad_env *q = env->data;
    const quad_model *qm = q->qm;
    mjData *d = q->sim.d;
    for (int i = 0; i < 4; i++) {
        d->ctrl[i] = 0.5 * ((double)action[i] + 1.0) * q->body.max_thrust;
        q->prev_action[i] = action[i];
    }
    write_body_info(q, env->info);
    if (rl_sim_step(&q->sim) != RL_OK) {
        rl_sim_end_unstable(env, q->last_obs, (int)(sizeof q->last_obs / sizeof(float)),
                            q->goto_task);
        return;
    }
    write_obs(q, env->obs);
    memcpy(q->last_obs, env->obs, sizeof q->last_obs);

    const mjtNum *p = d->qpos + qm->qpos, *v = d->qvel + qm->qvel;
    double err[3] = {p[0] - q->target[0], p[1] - q->target[1], p[2] - q->target[2]};
    double e2 = err[0] * err[0] + err[1] * err[1] + err[2] * err[2];
    double v2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
    double w2 = v[3] * v[3] + v[4] * v[4] + v[5] * v[5];
    double qw = p[3];
    double a2 = 0;
    for (int i = 0; i < 4; i++) {
        double da = action[i] - q->body.hover_action;
        a2 += da * da;
    }
    env->info->extra[INFO_POS_ERR] = (float)sqrt(e2);

    if (out_of_volume(q, p, err) || v2 > MAX_SPEED * MAX_SPEED || w2 > MAX_ANGVEL * MAX_ANGVEL) {
        *env->reward = (float)-q->cfg.penalty;
        *env->terminated = 1;
        if (q->goto_task) env->info->success = 0;
        return;
    }
    /* Learning to Fly's reward shape. */
    double cost = 5.0 * e2 + 5.0 * (1.0 - qw * qw) + 0.01 * v2 + 0.01 * a2;
    *env->reward = (float)(2.0 - 0.5 * cost);
    *env->terminated = 0;
    if (q->goto_task)
        env->info->success = e2 < SUCCESS_DIST * SUCCESS_DIST && v2 < SUCCESS_SPEED * SUCCESS_SPEED;
}

/* ------------------------------------------------------------ extras */

int rl_quadrotor_body(const rl_env *env, rl_quad_body *out)
{
    if (!is_quadrotor(env)) return rl_error(RL_EINVAL, "rl_quadrotor_body: not a quadrotor env");
    *out = ((const quad_env *)env->data)->body;
    return RL_OK;
}

int rl_quadrotor_target(const rl_env *env, double target[3])
{
    if (!is_quadrotor(env))
        return rl_error(RL_EINVAL, "rl_quadrotor_target: not a quadrotor env");
    memcpy(target, ((const quad_env *)env->data)->target, 3 * sizeof(double));
    return RL_OK;
}

rl_sim *rl_quadrotor_sim(rl_env *env)
{
    if (!is_quadrotor(env)) return NULL;
    return &((quad_env *)env->data)->sim;
}

const rl_task rl_task_quadrotor_hover = {
    .id = "quadrotor-hover-v1",
    .summary = "Crazyflie-like quadrotor: recover from a random state and hover at the "
               "origin; L2F reward (MuJoCo)",
    .opts = quad_opts,
    .n_opts = N_QUAD_OPTS,
    .cfg_size = sizeof(quad_cfg),
    .max_steps = EPISODE_STEPS,
    .dt = TIMESTEP * SUBSTEPS,
    .shared_make = shared_make,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .has_threshold = 1,
    .reward_threshold = 850, /* 500 steps, <= 2 each: near-zero hover cost */
};

const rl_task rl_task_quadrotor_goto = {
    .id = "quadrotor-goto-v1",
    .summary = "Crazyflie-like quadrotor: fly to a random target in U(+-1 m)^3 and hold "
               "it; success within 0.1 m and 0.2 m/s (MuJoCo)",
    .opts = quad_opts,
    .n_opts = N_QUAD_OPTS,
    .cfg_size = sizeof(quad_cfg),
    .max_steps = EPISODE_STEPS,
    .dt = TIMESTEP * SUBSTEPS,
    .shared_make = shared_make,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .has_threshold = 1,
    .reward_threshold = 700,
};
