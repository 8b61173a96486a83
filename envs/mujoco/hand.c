/* The dexterous-hand family: a procedural five-finger hand built from
 * capsules and a box, generated as MJCF.
 *
 *   hand-reach-v1   bring the five fingertips to goal positions produced by
 *                   forward kinematics of a random joint configuration
 *                   (HandReach lineage, MyoSuite-style dense reward)
 *   hand-rotate-v1  rotate a cube lying on the upturned palm to a goal yaw
 *                   (HandManipulateBlockRotateZ lineage)
 *   hand-reach-v2   hand-reach-v1 on the faster model below
 *   hand-rotate-v2  the rotation task redesigned after what learns elsewhere
 *                   (MuJoCo Playground's LEAP cube reorientation): delta
 *                   position actions, a tolerance-shaped orientation reward,
 *                   a position term, a success bonus after which the goal
 *                   moves on, a drop penalty, a rotation-matrix goal
 *                   difference in the observation, starts from a cache of
 *                   settled cube poses, a curriculum on the goal's angle
 *   hand-spin-v1    keep turning the cube about the palm normal (HORA-style
 *                   clipped angular-velocity reward minus small penalties)
 *   hand-spin-v2    hand-spin-v1 on a tilted hand (fingertips and thumb side
 *                   down, so gravity keeps a turning cube at the fingers),
 *                   with a reward clip above the 0.5 rad/s it is meant to
 *                   reach, a costlier drop and a lighter pose penalty
 *
 * Two physics models. The v1 tasks keep the first one (2 ms timestep, 20
 * substeps, every geom pair tested except along a kinematic link). The
 * faster one (v2 tasks, hand-spin) steps 4 ms x 10 (the same 25 Hz control;
 * the servos' kp/armature give omega ~45 rad/s, far below the Euler limit,
 * and contacts keep solref's 20 ms >= 2 timesteps) and tests only the
 * explicit <pair> list of geoms that can touch (contact_pairs below): the
 * broad phase goes away. Measured in bench/results/hand.md.
 *
 * The hand (palm frame: x towards the fingertips, y towards the thumb, z out
 * of the palm; the palm is fixed in the world, palm up):
 *   - palm: box 100 x 86 x 26 mm;
 *   - four fingers, each abd + mcp (one body), pip, dip, capsules with adult
 *     phalanx lengths (index 45/25/18 mm, radius 8.5 mm ... little 36/20/17);
 *   - a thumb with cmc_add (swing in the palm plane), cmc_abd (lift out of
 *     it), mcp_abd, mcp, ip; its flexion axes are tilted so that flexing
 *     curls it towards the palm and the fingers;
 *   - 21 hinges, each driven by a position servo (kp 2, forces clamped to
 *     +-1 N m) whose ctrlrange equals the joint range; damping 0.1,
 *     armature 0.001, which makes each servo about critically damped;
 *   - every hand geom collides with every other except along a kinematic
 *     link (explicit excludes: the palm is welded to the world, so MuJoCo's
 *     parent filter would not remove palm-finger contacts by itself).
 * Zero action commands the middle of every range: a relaxed half-curled hand
 * whose fingers make a low wall beyond the distal edge of the palm.
 */
#include "envs/mujoco/hand.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/render.h"
#include "envs/tasks.h"

#define TIMESTEP 0.002
#define SUBSTEPS 20 /* 0.04 s per control step: 25 Hz */
#define FAST_TIMESTEP 0.004
#define FAST_SUBSTEPS 10 /* the same 0.04 s */
#define SPIN_STEPS 200       /* 8 s */
#define CACHE_SIZE 64        /* settled start poses per cube model */
#define CACHE_SEED 2022      /* the cache is the same for every run */
#define SETTLE_STEPS 15      /* control steps (0.6 s) a cached pose settles */
#define ROT_TOL 0.2          /* rad: hand-rotate-v2's full orientation reward */
#define POS_MARGIN 0.05      /* m: the position term falls to 0 this far off */
#define REACH_STEPS 50
#define ROTATE_STEPS 100
#define ROTATE3_STEPS 300    /* 12 s: a 0.5 rad/s turn covers pi in 6.3 s */
#define TURN_CLIP 0.5        /* rad/s: hand-rotate-v3's turn reward saturates here */
#define CURRICULUM_BLOCK 10  /* episodes per curriculum decision */
#define KP 2.0
#define FORCE_LIMIT 1.0      /* N m */
#define DAMPING 0.1
#define ARMATURE 0.001
#define START_NOISE 0.02     /* rad, uniform, around the zero-action pose */
#define GOAL_TRIES 64        /* contact-free goal configurations drawn at most */
#define CUBE_HALF 0.025
#define CUBE_DENSITY 567.0
#define PALM_HALF_X 0.05
#define PALM_HALF_Y 0.043
#define PALM_HALF_Z 0.013
#define PALM_HEIGHT 0.1      /* palm centre above the (visual) floor */
#define NQ_HAND RL_HAND_NJOINT
#define NT RL_HAND_NTIP
#define ROT_ACHIEVED (2 * NQ_HAND + 3 * NT + 9) /* hand-rotate-v1: achieved_goal offset */

static const double DEG = M_PI / 180.0;

/* ------------------------------------------------------------ hand geometry */

typedef struct finger_def {
    const char *name;
    double base[3];   /* MCP joint in the palm frame, m */
    double len[3];    /* proximal, middle, distal phalanx, m */
    double radius;    /* proximal capsule radius; the others are thinner */
    double abd[2];    /* abduction range, degrees (+: towards the thumb) */
} finger_def;

static const finger_def fingers[4] = {
    {"index", {0.047, 0.0315, 0}, {0.045, 0.025, 0.018}, 0.0085, {-15, 25}},
    {"middle", {0.050, 0.0105, 0}, {0.048, 0.029, 0.019}, 0.0085, {-20, 20}},
    {"ring", {0.047, -0.0105, 0}, {0.045, 0.028, 0.019}, 0.0080, {-20, 15}},
    {"little", {0.041, -0.0315, 0}, {0.036, 0.020, 0.017}, 0.0075, {-30, 10}},
};
/* Flexion ranges shared by the four fingers, degrees. */
static const double mcp_range[2] = {-10, 90}, pip_range[2] = {0, 100}, dip_range[2] = {0, 80};

/* Thumb: carpometacarpal joint on the radial side of the palm near the
 * wrist, the metacarpal pointing 55 degrees away from the fingers. */
static const double thumb_base[3] = {-0.032, 0.028, -0.003};
static const double thumb_angle = 55.0; /* degrees from +x towards +y */
static const double thumb_len[3] = {0.042, 0.032, 0.025};
static const double thumb_radius[3] = {0.011, 0.0095, 0.0085};
static const double thumb_range[5][2] = {
    {-15, 45}, /* cmc_add: swing in the palm plane towards the fingers */
    {0, 60},   /* cmc_abd: lift out of the palm plane (palmar abduction) */
    {-15, 15}, /* mcp_abd */
    {-10, 60}, /* mcp flexion */
    {-15, 80}, /* ip flexion */
};
static const char *const thumb_joint[5] = {"cmc_add", "cmc_abd", "mcp_abd", "mcp", "ip"};
static const char *const finger_joint[4] = {"abd", "mcp", "pip", "dip"};
static const char *const tip_name[NT] = {"index", "middle", "ring", "little", "thumb"};

/* ------------------------------------------------------------ options */

typedef struct reach_cfg {
    double bonus;
} reach_cfg;

typedef struct rotate_cfg {
    double drop_penalty;
} rotate_cfg;

typedef struct rotate2_cfg {
    double drop_penalty, action_scale, orient_weight, pos_weight, success_bonus, goal_range;
    int resample, privileged;
    /* hand-rotate-v3 only (0 = off on v2): */
    double tilt, tilt_side, turn_weight, curriculum_start, curriculum_step, curriculum_level;
    int curriculum;
    /* hand-rotate-v4 only: */
    double turn_clip, curriculum_mix;
} rotate2_cfg;

typedef struct spin_cfg {
    double drop_penalty, action_scale, spin_clip, linvel_cost, torque_cost, pose_cost;
    double palm_friction, tilt, tilt_side;
    int privileged;
} spin_cfg;

/* The privileged slice (privileged=1, critics only): the normal force on
 * the cube from the palm and from each digit (N; index, middle, ring,
 * little, thumb), then the cube's angular velocity in the world frame. */
#define N_PRIV (1 + NT + 3)
#define PRIV_HELP "append a 'privileged' slice that only critics read (PPO, SAC, TD3): " \
    "normal contact force on the cube from the palm and each digit (N), the cube's " \
    "world-frame angular velocity"


static const rl_optdef reach_opts[] = {
    {"bonus", RL_OPT_FLOAT, offsetof(reach_cfg, bonus), "1", 0, 100, NULL,
     "reward added when every fingertip is within 2x the threshold, and again within 1x"},
};
static const rl_optdef rotate_opts[] = {
    {"drop_penalty", RL_OPT_FLOAT, offsetof(rotate_cfg, drop_penalty), "3.141592653589793", 0,
     1000, NULL,
     "penalty per remaining step of the time limit when the cube falls below the palm "
     "(default pi: a drop costs as much as the worst orientation until the end)"},
};
/* Options hand-rotate-v2 and -v3 share; v3 trains with the goal held
 * (resample 0), as it is scored. */
#define ROTATE2_OPTS(RESAMPLE) \
    {"drop_penalty", RL_OPT_FLOAT, offsetof(rotate2_cfg, drop_penalty), "50", 0, 1e4, NULL, \
     "reward subtracted when the cube falls below the palm (which ends the episode)"}, \
    {"action_scale", RL_OPT_FLOAT, offsetof(rotate2_cfg, action_scale), "0.1", 0.001, 1, NULL, \
     "radians a joint target moves per control step at action +-1"}, \
    {"orient_weight", RL_OPT_FLOAT, offsetof(rotate2_cfg, orient_weight), "5", 0, 100, NULL, \
     "weight of the orientation reward (1 within 0.2 rad of the goal, linear to 0 at pi)"}, \
    {"pos_weight", RL_OPT_FLOAT, offsetof(rotate2_cfg, pos_weight), "0.5", 0, 100, NULL, \
     "weight of the position reward (1 over the palm centre, linear to 0 at 5 cm)"}, \
    {"success_bonus", RL_OPT_FLOAT, offsetof(rotate2_cfg, success_bonus), "20", 0, 1e4, NULL, \
     "reward on a step that ends within 0.1 rad of the goal"}, \
    {"goal_range", RL_OPT_FLOAT, offsetof(rotate2_cfg, goal_range), "3.141592653589793", 0.1, \
     3.141592653589793, NULL, \
     "curriculum: each goal is the cube's yaw turned by U(-goal_range, goal_range) rad"}, \
    {"resample", RL_OPT_BOOL, offsetof(rotate2_cfg, resample), RESAMPLE, 0, 1, NULL, \
     "after a success the goal moves on (1) or stays (0, Gym's single-goal episodes)"}, \
    {"privileged", RL_OPT_BOOL, offsetof(rotate2_cfg, privileged), "0", 0, 1, NULL, PRIV_HELP},
static const rl_optdef rotate2_opts[] = {ROTATE2_OPTS("1")};
/* hand-rotate-v3's own options after ROTATE2_OPTS; -v4 takes them too with
 * its own help for the turn reward and the curriculum. */
#define ROTATE3_OPTS(TURN_HELP, CURRICULUM_HELP) \
    {"tilt", RL_OPT_FLOAT, offsetof(rotate2_cfg, tilt), "0.35", 0, 0.6, NULL,                \
     "rad the hand is tilted fingertips-down (as hand-spin's tilt: gravity keeps the cube "  \
     "against the fingers while they turn it); 0 = palm level"},                             \
    {"tilt_side", RL_OPT_FLOAT, offsetof(rotate2_cfg, tilt_side), "0.2", 0, 0.6, NULL,       \
     "rad the hand is rolled thumb-side down after tilt (as hand-spin's tilt_side)"},        \
    {"turn_weight", RL_OPT_FLOAT, offsetof(rotate2_cfg, turn_weight), "1", 0, 100, NULL,     \
     TURN_HELP},                                                                             \
    {"curriculum", RL_OPT_BOOL, offsetof(rotate2_cfg, curriculum), "1", 0, 1, NULL,          \
     CURRICULUM_HELP},                                                                       \
    {"curriculum_start", RL_OPT_FLOAT, offsetof(rotate2_cfg, curriculum_start), "0.3", 0.1,  \
     3.141592653589793, NULL, "rad: each env's first goal range when curriculum=1"},         \
    {"curriculum_step", RL_OPT_FLOAT, offsetof(rotate2_cfg, curriculum_step), "0.3", 0.01,   \
     3.141592653589793, NULL, "rad the goal range widens by when curriculum=1"},             \
    {"curriculum_level", RL_OPT_FLOAT, offsetof(rotate2_cfg, curriculum_level), "0.5", 0, 1, \
     NULL, "fraction of a block's 10 episodes that must succeed before the range widens"},
/* hand-rotate-v3: v2's options, the hand tilted as hand-spin's tilt /
 * tilt_side (by default), a turn-rate reward and an automatic curriculum. */
static const rl_optdef rotate3_opts[] = {
    ROTATE2_OPTS("0") ROTATE3_OPTS(
        "weight of the turn reward: the cube's yaw rate towards the goal, clipped to +-0.5 "
        "rad/s, 0 within 0.1 rad of the goal",
        "automatic curriculum: each env's goal range starts at curriculum_start and widens by "
        "curriculum_step (up to goal_range) after a block of 10 episodes with at least "
        "curriculum_level successful (a training schedule: rltool eval and rl_evaluate turn "
        "it off)")
};
/* hand-rotate-v4: v3's options, the turn reward and the curriculum one way
 * (counter-clockwise seen from above, as hand-spin turns), its clip and a
 * share of goals from the whole range. */
static const rl_optdef rotate4_opts[] = {
    ROTATE2_OPTS("0") ROTATE3_OPTS(
        "weight of the turn reward: the cube's yaw rate counter-clockwise (seen from above), "
        "clipped to +-turn_clip, while the one-way turn left to the goal exceeds 0.1 rad",
        "automatic curriculum: each env's goals lie U(0, 2 x range) rad counter-clockwise "
        "ahead, the range starting at curriculum_start and widening by curriculum_step (up to "
        "goal_range) after a block of 10 such episodes with at least curriculum_level "
        "successful (a training schedule: rltool eval and rl_evaluate turn it off)")
    {"turn_clip", RL_OPT_FLOAT, offsetof(rotate2_cfg, turn_clip), "1", 0.01, 100, NULL,
     "rad/s: the turn reward's clip"},
    {"curriculum_mix", RL_OPT_FLOAT, offsetof(rotate2_cfg, curriculum_mix), "0", 0, 1, NULL,
     "with curriculum=1, the share of goals drawn from the whole goal_range instead "
     "(not counted by the curriculum)"},
};
/* hand-spin-v1 and -v2 take the same options; v2 changes only the defaults
 * passed in here (see rl_task_hand_spin2). */
#define SPIN_OPTS(DROP, CLIP, POSE, TILT, SIDE)                                                \
    {                                                                                          \
        {"drop_penalty", RL_OPT_FLOAT, offsetof(spin_cfg, drop_penalty), DROP, 0, 1e4, NULL,   \
         "reward subtracted when the cube falls below the palm (which ends the episode)"},     \
        {"action_scale", RL_OPT_FLOAT, offsetof(spin_cfg, action_scale), "0.1", 0.001, 1, NULL, \
         "radians a joint target moves per control step at action +-1"},                      \
        {"spin_clip", RL_OPT_FLOAT, offsetof(spin_cfg, spin_clip), CLIP, 0.001, 100, NULL,     \
         "rad/s: the reward is the cube's angular velocity about the palm normal clipped to "  \
         "+-this"},                                                                            \
        {"linvel_cost", RL_OPT_FLOAT, offsetof(spin_cfg, linvel_cost), "0.3", 0, 100, NULL,    \
         "penalty per m/s of the cube's linear speed"},                                        \
        {"torque_cost", RL_OPT_FLOAT, offsetof(spin_cfg, torque_cost), "0.005", 0, 100, NULL,  \
         "penalty per (N m)^2 of summed squared actuator torques"},                            \
        {"pose_cost", RL_OPT_FLOAT, offsetof(spin_cfg, pose_cost), POSE, 0, 100, NULL,         \
         "penalty per rad^2 of summed squared joint distance from the start pose"},            \
        {"privileged", RL_OPT_BOOL, offsetof(spin_cfg, privileged), "0", 0, 1, NULL, PRIV_HELP}, \
        {"palm_friction", RL_OPT_FLOAT, offsetof(spin_cfg, palm_friction), "1", 0.05, 2, NULL, \
         "sliding friction between the cube and the palm (torsional friction scales with "     \
         "it); the fingers keep 1"},                                                           \
        {"tilt", RL_OPT_FLOAT, offsetof(spin_cfg, tilt), TILT, 0, 0.6, NULL,                   \
         "rad the hand is tilted fingertips-down (gravity gains a component towards the "      \
         "fingers, which keeps a turning cube within their reach); 0 = palm level"},           \
        {"tilt_side", RL_OPT_FLOAT, offsetof(spin_cfg, tilt_side), SIDE, 0, 0.6, NULL,         \
         "rad the hand is rolled thumb-side down (after tilt): a cube rolling along the "      \
         "fingers away from the thumb is pulled back; 0 = level across the palm"},             \
    }
static const rl_optdef spin_opts[] = SPIN_OPTS("10", "0.5", "0.05", "0", "0");
static const rl_optdef spin2_opts[] = SPIN_OPTS("30", "1", "0.01", "0.35", "0.2");
#define N_REACH_OPTS ((int)(sizeof reach_opts / sizeof reach_opts[0]))
#define N_ROTATE_OPTS ((int)(sizeof rotate_opts / sizeof rotate_opts[0]))
#define N_ROTATE2_OPTS ((int)(sizeof rotate2_opts / sizeof rotate2_opts[0]))
#define N_SPIN_OPTS ((int)(sizeof spin_opts / sizeof spin_opts[0]))

/* What a hand env is, from its task. */
typedef enum { REACH, ROTATE1, ROTATE2, SPIN } hand_kind;

/* ------------------------------------------------------------ shared model */

typedef struct hand_model {
    mjModel *m;
    int cube;                      /* built with the cube (hand-rotate) */
    int fast;                      /* the faster physics (v2 tasks, spin) */
    int n_substeps;
    double *cache;                 /* fast cube model: (n_cache, nq) settled qpos */
    int n_cache;
    int qpos[NQ_HAND], dof[NQ_HAND];
    double lo[NQ_HAND], hi[NQ_HAND];
    int tip_site[NT];
    int palm_body;
    int cube_qpos, cube_dof;       /* -1 without a cube */
    int cube_geom;
    double palm_friction;          /* cube-palm sliding friction (1 unless hand-spin sets it) */
    double tilt, tilt_side;        /* rad, fingertips / thumb side down (0 unless hand-spin) */
    int *geom_part;                /* (ngeom) 0 palm, 1 + digit (tip_name order), -1 other */
} hand_model;

typedef struct hand_env {
    rl_sim sim;
    const hand_model *hm;
    hand_model *own_model;         /* only when init was given no shared model */
    double bonus, drop_penalty;
    int obs_dim;
    float *obs_low, *obs_high, *act_low, *act_high, *last_obs;
    double goal_tips[NT * 3];      /* reach */
    double goal_q[NQ_HAND];        /* reach: the configuration behind the goal */
    double goal_quat[4];           /* rotate: w x y z */
    hand_kind kind;
    rotate2_cfg r2;                /* ROTATE2 */
    spin_cfg sp;                   /* SPIN */
    double target[NQ_HAND];        /* ROTATE2, SPIN: joint targets (delta actions) */
    double start_q[NQ_HAND];       /* SPIN: the start pose, for the pose penalty */
    int successes;                 /* ROTATE2: goals reached this episode */
    double goal_range;             /* ROTATE2: goal range now (the curriculum's, or the option) */
    int block_episodes, block_hits; /* ROTATE2 curriculum: episodes and successes at this range */
    int episode_begun;             /* ROTATE2 curriculum: a reset ends an episode to count */
    int at_goal;                   /* ROTATE2: the last step ended within the threshold */
    int one_way;                   /* hand-rotate-v4: turn reward and curriculum one way */
    int goal_mixed;                /* v4 curriculum: this goal came from the whole range */
    double spin_sum;               /* SPIN: sum of the cube's yaw rate this episode */
    int privileged;                /* ROTATE2, SPIN: append the privileged slice */
    rl_slice slices[12];
} hand_env;

static const char *const reach_info[] = {"max_tip_distance", "mean_tip_distance"};
static const char *const rotate_info[] = {"rotation_distance", "cube_height"};
static const char *const rotate2_info[] = {"rotation_distance", "cube_height", "successes"};
static const char *const spin_info[] = {"mean_spin", "cube_height", "spin"};

/* Quaternion (w x y z) of a rotation by `angle` radians about unit `axis`. */
static void axis_quat(const double axis[3], double angle, double q[4])
{
    double s = sin(angle / 2);
    q[0] = cos(angle / 2);
    q[1] = axis[0] * s;
    q[2] = axis[1] * s;
    q[3] = axis[2] * s;
}

/* Name ("index_mcp") and range (degrees) of hand joint i in action order. */
static void joint_name(int i, char *buf, size_t cap)
{
    if (i < 16) snprintf(buf, cap, "%s_%s", fingers[i / 4].name, finger_joint[i % 4]);
    else snprintf(buf, cap, "thumb_%s", thumb_joint[i - 16]);
}

static void joint_range_deg(int i, double r[2])
{
    const double *src;
    if (i >= 16) src = thumb_range[i - 16];
    else if (i % 4 == 0) src = fingers[i / 4].abd;
    else src = i % 4 == 1 ? mcp_range : (i % 4 == 2 ? pip_range : dip_range);
    r[0] = src[0];
    r[1] = src[1];
}

static void hinge(rl_sb *sb, int indent, const char *finger, const char *joint,
                  const double axis[3], const double range_deg[2])
{
    rl_sb_printf(sb, "%*s<joint name=\"%s_%s\" axis=\"%.17g %.17g %.17g\" range=\"%.17g %.17g\"/>\n",
                 indent, "", finger, joint, axis[0], axis[1], axis[2], range_deg[0] * DEG,
                 range_deg[1] * DEG);
}

static void capsule(rl_sb *sb, int indent, const char *name, double len, double radius)
{
    rl_sb_printf(sb, "%*s<geom name=\"%s\" type=\"capsule\" fromto=\"0 0 0 %.17g 0 0\" size=\"%.17g\"/>\n",
                 indent, "", name, len, radius);
}

/* The first model's contact filter: every pair collides except along a
 * kinematic link (palm-proximal, proximal-middle, middle-distal), whose
 * capsule ends overlap at the joints by construction. */
static void link_excludes(rl_sb *sb)
{
    static const char *const seg[3] = {"prox", "mid", "dist"};
    for (int f = 0; f < 5; f++) {
        const char *n = f < 4 ? fingers[f].name : "thumb";
        const char *first = f < 4 ? "prox" : "meta";
        rl_sb_printf(sb, "    <exclude body1=\"palm\" body2=\"%s_%s\"/>\n", n, first);
        if (f < 4) {
            for (int k = 0; k < 2; k++)
                rl_sb_printf(sb, "    <exclude body1=\"%s_%s\" body2=\"%s_%s\"/>\n", n, seg[k],
                             n, seg[k + 1]);
        } else {
            rl_sb_printf(sb,
                "    <exclude body1=\"thumb_meta\" body2=\"thumb_prox\"/>\n"
                "    <exclude body1=\"thumb_prox\" body2=\"thumb_dist\"/>\n");
        }
    }
}

/* The fast model's contact pairs: every pair of geoms that can touch.
 * Found by sampling joint configurations uniformly within their ranges on
 * the all-pairs model (200k configurations, 3 mm margin) and then widened to
 * simple rules; tests/c/test_hand.c re-samples and checks that no contact of
 * the all-pairs model is missing here. Never seen touching, so left out: the
 * palm with proximal and middle phalanges, phalanges of one finger with each
 * other, index with little. The cube may touch anything. */
static void contact_pairs(rl_sb *sb, int with_cube)
{
    static const char *const seg[3] = {"prox", "mid", "dist"};
    static const char *const thumb_seg[3] = {"meta", "prox", "dist"};
    /* Same friction as the geoms' (slide 1, torsion 0.005, rolling 1e-4). */
    static const char *const fr = "friction=\"1 1 0.005 0.0001 0.0001\"";
    for (int f = 0; f < 4; f++)
        rl_sb_printf(sb, "    <pair geom1=\"palm\" geom2=\"%s_dist\" %s/>\n", fingers[f].name, fr);
    rl_sb_printf(sb, "    <pair geom1=\"palm\" geom2=\"thumb_prox\" %s/>\n"
                     "    <pair geom1=\"palm\" geom2=\"thumb_dist\" %s/>\n", fr, fr);
    for (int f = 0; f < 4; f++)
        for (int g = f + 1; g < 4 && g <= f + 2; g++)
            for (int a = 0; a < 3; a++)
                for (int b = 0; b < 3; b++)
                    rl_sb_printf(sb, "    <pair geom1=\"%s_%s\" geom2=\"%s_%s\" %s/>\n",
                                 fingers[f].name, seg[a], fingers[g].name, seg[b], fr);
    for (int t = 0; t < 3; t++)
        for (int f = 0; f < 4; f++)
            for (int a = 0; a < 3; a++)
                rl_sb_printf(sb, "    <pair geom1=\"thumb_%s\" geom2=\"%s_%s\" %s/>\n",
                             thumb_seg[t], fingers[f].name, seg[a], fr);
    if (!with_cube) return;
    /* condim 4 adds torsional friction, so the cube does not spin freely. */
    rl_sb_printf(sb, "    <pair geom1=\"cube\" geom2=\"palm\" condim=\"4\" %s/>\n", fr);
    for (int f = 0; f < 5; f++)
        for (int a = 0; a < 3; a++)
            rl_sb_printf(sb, "    <pair geom1=\"cube\" geom2=\"%s_%s\" condim=\"4\" %s/>\n",
                         f < 4 ? fingers[f].name : "thumb", f < 4 ? seg[a] : thumb_seg[a], fr);
}

/* The model's header, defaults and the palm body's opening. */
static void mjcf_head(rl_sb *sb, int with_cube, int fast)
{
    rl_sb_printf(sb,
        "<mujoco model=\"hand%s\">\n"
        "  <compiler autolimits=\"true\" angle=\"radian\"/>\n"
        "  <option timestep=\"%g\"/>\n"
        "  <default>\n"
        "    <joint type=\"hinge\" damping=\"%g\" armature=\"%g\"/>\n"
        "    <geom contype=\"%d\" conaffinity=\"%d\" condim=\"3\" friction=\"1 0.005 0.0001\""
        " rgba=\".85 .7 .6 1\"/>\n"
        "    <position kp=\"%g\" forcerange=\"%g %g\"/>\n"
        "    <site type=\"sphere\" size=\".004\" rgba=\".9 .2 .2 1\"/>\n"
        "  </default>\n"
        "  <worldbody>\n"
        "    <light pos=\"0 0 1\" dir=\"0 0 -1\"/>\n"
        "    <geom name=\"floor\" type=\"plane\" size=\".5 .5 .01\" contype=\"0\" conaffinity=\"0\""
        " rgba=\".2 .3 .4 1\"/>\n"
        "    <body name=\"palm\" pos=\"0 0 %g\">\n"
        "      <geom name=\"palm\" type=\"box\" size=\"%g %g %g\"/>\n",
        with_cube ? "_cube" : "", fast ? FAST_TIMESTEP : TIMESTEP, DAMPING, ARMATURE, !fast,
        !fast, KP, -FORCE_LIMIT, FORCE_LIMIT, PALM_HEIGHT, PALM_HALF_X, PALM_HALF_Y, PALM_HALF_Z);
}

/* Finger f (0 index .. 3 little): three bodies, abd + mcp, pip, dip. */
static void mjcf_finger(rl_sb *sb, int f)
{
    static const double z_axis[3] = {0, 0, 1}, flex_axis[3] = {0, -1, 0};
    const finger_def *fd = &fingers[f];
    const char *n = fd->name;
    const double r = fd->radius;
    char g[32];
    rl_sb_printf(sb, "      <body name=\"%s_prox\" pos=\"%.17g %.17g %.17g\">\n", n,
                 fd->base[0], fd->base[1], fd->base[2]);
    hinge(sb, 8, n, "abd", z_axis, fd->abd);
    hinge(sb, 8, n, "mcp", flex_axis, mcp_range);
    snprintf(g, sizeof g, "%s_prox", n);
    capsule(sb, 8, g, fd->len[0], r);
    rl_sb_printf(sb, "        <body name=\"%s_mid\" pos=\"%.17g 0 0\">\n", n, fd->len[0]);
    hinge(sb, 10, n, "pip", flex_axis, pip_range);
    snprintf(g, sizeof g, "%s_mid", n);
    capsule(sb, 10, g, fd->len[1], 0.92 * r);
    rl_sb_printf(sb, "          <body name=\"%s_dist\" pos=\"%.17g 0 0\">\n", n, fd->len[1]);
    hinge(sb, 12, n, "dip", flex_axis, dip_range);
    snprintf(g, sizeof g, "%s_dist", n);
    capsule(sb, 12, g, fd->len[2], 0.85 * r);
    rl_sb_printf(sb,
        "            <site name=\"%s_tip\" pos=\"%.17g 0 0\"/>\n"
        "          </body>\n"
        "        </body>\n"
        "      </body>\n",
        n, fd->len[2]);
}

/* The thumb (metacarpal, proximal, distal), then the palm body's end. */
static void mjcf_thumb(rl_sb *sb)
{
    static const double z_axis[3] = {0, 0, 1}, flex_axis[3] = {0, -1, 0};
    static const double neg_z[3] = {0, 0, -1};
    /* Thumb phalanges flex about an axis between -z (towards the fingers,
     * in the palm plane) and -y (out of the palm plane, towards +z). */
    static const double th_flex[3] = {0, -0.5, -0.86602540378443865};
    static const double th_abd[3] = {0, 0.86602540378443865, -0.5}; /* x cross th_flex */
    double q[4];
    axis_quat(z_axis, thumb_angle * DEG, q);
    rl_sb_printf(sb, "      <body name=\"thumb_meta\" pos=\"%.17g %.17g %.17g\""
                     " quat=\"%.17g %.17g %.17g %.17g\">\n",
                 thumb_base[0], thumb_base[1], thumb_base[2], q[0], q[1], q[2], q[3]);
    hinge(sb, 8, "thumb", thumb_joint[0], neg_z, thumb_range[0]);
    hinge(sb, 8, "thumb", thumb_joint[1], flex_axis, thumb_range[1]);
    capsule(sb, 8, "thumb_meta", thumb_len[0], thumb_radius[0]);
    rl_sb_printf(sb, "        <body name=\"thumb_prox\" pos=\"%.17g 0 0\">\n", thumb_len[0]);
    hinge(sb, 10, "thumb", thumb_joint[2], th_abd, thumb_range[2]);
    hinge(sb, 10, "thumb", thumb_joint[3], th_flex, thumb_range[3]);
    capsule(sb, 10, "thumb_prox", thumb_len[1], thumb_radius[1]);
    rl_sb_printf(sb, "          <body name=\"thumb_dist\" pos=\"%.17g 0 0\">\n", thumb_len[1]);
    hinge(sb, 12, "thumb", thumb_joint[4], th_flex, thumb_range[4]);
    capsule(sb, 12, "thumb_dist", thumb_len[2], thumb_radius[2]);
    rl_sb_printf(sb,
        "            <site name=\"thumb_tip\" pos=\"%.17g 0 0\"/>\n"
        "          </body>\n"
        "        </body>\n"
        "      </body>\n"
        "    </body>\n",
        thumb_len[2]);
}

/* The cube, a free body resting on the palm. condim 4 adds torsional
 * friction, so the cube does not spin freely on the palm. */
static void mjcf_cube(rl_sb *sb)
{
    rl_sb_printf(sb,
        "    <body name=\"cube\" pos=\"0 0 %.17g\">\n"
        "      <freejoint name=\"cube\"/>\n"
        "      <geom name=\"cube\" type=\"box\" size=\"%g %g %g\" density=\"%g\" condim=\"4\""
        " rgba=\".3 .5 .8 1\"/>\n"
        "    </body>\n",
        PALM_HEIGHT + PALM_HALF_Z + CUBE_HALF, CUBE_HALF, CUBE_HALF, CUBE_HALF, CUBE_DENSITY);
}

/* One position servo per joint, ctrlrange = the joint range. */
static void mjcf_actuators(rl_sb *sb)
{
    rl_sb_printf(sb, "  <actuator>\n");
    for (int i = 0; i < NQ_HAND; i++) {
        char name[32];
        double r[2];
        joint_name(i, name, sizeof name);
        joint_range_deg(i, r);
        rl_sb_printf(sb, "    <position name=\"%s\" joint=\"%s\" ctrlrange=\"%.17g %.17g\"/>\n",
                     name, name, r[0] * DEG, r[1] * DEG);
    }
    rl_sb_printf(sb, "  </actuator>\n");
}

static char *hand_mjcf(int with_cube, int fast)
{
    rl_sb sb = {0};
    mjcf_head(&sb, with_cube, fast);
    for (int f = 0; f < 4; f++) mjcf_finger(&sb, f);
    mjcf_thumb(&sb);
    if (with_cube) mjcf_cube(&sb);
    rl_sb_printf(&sb, "  </worldbody>\n  <contact>\n");
    if (fast) contact_pairs(&sb, with_cube);
    else link_excludes(&sb);
    rl_sb_printf(&sb, "  </contact>\n");
    mjcf_actuators(&sb);
    rl_sb_printf(&sb, "</mujoco>\n");
    return rl_sb_finish(&sb);
}

static void model_free(hand_model *hm)
{
    if (!hm) return;
    rl_sim_model_free(hm->m);
    free(hm->cache);
    free(hm->geom_part);
    free(hm);
}

static int build_cache(hand_model *hm);

/* Which part of the hand each geom belongs to, from its name (the
 * privileged slice sums contact forces per part). */
static int geom_parts(hand_model *hm)
{
    const mjModel *m = hm->m;
    hm->cube_geom = mj_name2id(m, mjOBJ_GEOM, "cube");
    hm->geom_part = malloc(sizeof(int) * (size_t)m->ngeom);
    if (!hm->geom_part || hm->cube_geom < 0) return RL_ENOMEM;
    for (int g = 0; g < m->ngeom; g++) {
        const char *name = mj_id2name(m, mjOBJ_GEOM, g);
        hm->geom_part[g] = -1;
        if (name && !strcmp(name, "palm")) hm->geom_part[g] = 0;
        for (int t = 0; t < NT && name; t++)
            if (!strncmp(name, tip_name[t], strlen(tip_name[t])) && name[strlen(tip_name[t])] == '_')
                hm->geom_part[g] = 1 + t;
    }
    return RL_OK;
}

/* The cube-palm contact pair's friction: sliding mu, torsional mu x
 * 0.005 m, rolling unchanged. */
static void set_palm_friction(hand_model *hm, double mu)
{
    mjModel *m = hm->m;
    int palm = mj_name2id(m, mjOBJ_GEOM, "palm");
    hm->palm_friction = mu;
    for (int p = 0; p < m->npair; p++) {
        int a = m->pair_geom1[p], b = m->pair_geom2[p];
        if ((a == hm->cube_geom && b == palm) || (a == palm && b == hm->cube_geom)) {
            m->pair_friction[5 * p] = m->pair_friction[5 * p + 1] = mu;
            m->pair_friction[5 * p + 2] = 0.005 * mu;
        }
    }
}

/* The hand tilted by `tilt` rad fingertips down (about the palm's y axis),
 * then rolled by `side` rad thumb side down: the palm stays the world
 * frame, so gravity turns instead (cube heights, spin about the palm normal
 * and observations keep their frame). Down in the palm frame is the unit
 * vector (sin t cos s, sin s, -cos t cos s). */
static void set_tilt(hand_model *hm, double tilt, double side)
{
    double g = sqrt(mju_dot3(hm->m->opt.gravity, hm->m->opt.gravity));
    hm->tilt = tilt;
    hm->tilt_side = side;
    hm->m->opt.gravity[0] = g * sin(tilt) * cos(side);
    hm->m->opt.gravity[1] = g * sin(side);
    hm->m->opt.gravity[2] = -g * cos(tilt) * cos(side);
}

/* palm_friction: the cube-palm pair's sliding friction, tilt[2]: the
 * hand's tilt and roll (set_tilt; fast cube model; 1 and 0 otherwise). */
static int model_make(int with_cube, int fast, double palm_friction, const double tilt[2],
                      hand_model **out)
{
    *out = NULL;
    const rl_task *task = with_cube ? (fast ? &rl_task_hand_rotate2 : &rl_task_hand_rotate)
                                    : (fast ? &rl_task_hand_reach2 : &rl_task_hand_reach);
    const char *id = task->id;
    char *xml = hand_mjcf(with_cube, fast);
    if (!xml) return RL_ENOMEM;
    hand_model *hm = calloc(1, sizeof *hm);
    if (!hm) {
        free(xml);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    int rc = rl_sim_model_from_xml(xml, id, &hm->m);
    free(xml);
    if (rc) {
        free(hm);
        return rc;
    }
    const mjModel *m = hm->m;
    hm->cube = with_cube;
    hm->fast = fast;
    hm->n_substeps = fast ? FAST_SUBSTEPS : SUBSTEPS;
    int ok = m->nu == NQ_HAND;
    for (int i = 0; i < NQ_HAND && ok; i++) {
        char name[32];
        joint_name(i, name, sizeof name);
        int j = mj_name2id(m, mjOBJ_JOINT, name);
        /* Actuator i must drive joint i: the action order is the joint order. */
        ok = j >= 0 && m->actuator_trnid[2 * i] == j;
        if (!ok) break;
        hm->qpos[i] = m->jnt_qposadr[j];
        hm->dof[i] = m->jnt_dofadr[j];
        hm->lo[i] = m->jnt_range[2 * j];
        hm->hi[i] = m->jnt_range[2 * j + 1];
    }
    for (int t = 0; t < NT && ok; t++) {
        char name[32];
        snprintf(name, sizeof name, "%s_tip", tip_name[t]);
        hm->tip_site[t] = mj_name2id(m, mjOBJ_SITE, name);
        ok = hm->tip_site[t] >= 0;
    }
    hm->palm_body = mj_name2id(m, mjOBJ_BODY, "palm");
    hm->cube_qpos = hm->cube_dof = -1;
    if (with_cube) {
        int j = mj_name2id(m, mjOBJ_JOINT, "cube");
        if (j >= 0) {
            hm->cube_qpos = m->jnt_qposadr[j];
            hm->cube_dof = m->jnt_dofadr[j];
        }
        ok = ok && j >= 0 && !geom_parts(hm);
    }
    if (!ok || hm->palm_body < 0) {
        model_free(hm);
        return rl_error(RL_ESIM, "generated hand model for %s is malformed", id);
    }
    hm->palm_friction = 1.0;
    if (with_cube && fast) {
        set_palm_friction(hm, palm_friction);
        if (tilt[0] != 0 || tilt[1] != 0) set_tilt(hm, tilt[0], tilt[1]);
    }
    if (with_cube && fast && (rc = build_cache(hm))) {
        model_free(hm);
        return rc;
    }
    *out = hm;
    return RL_OK;
}

static const double level[2] = {0, 0}; /* no tilt */

static int shared_make_reach(const void *cfg, void **shared)
{
    return model_make(0, 0, 1.0, level, (hand_model **)shared);
}

static int shared_make_rotate(const void *cfg, void **shared)
{
    return model_make(1, 0, 1.0, level, (hand_model **)shared);
}

static int shared_make_reach2(const void *cfg, void **shared)
{
    return model_make(0, 1, 1.0, level, (hand_model **)shared);
}

static int shared_make_cube2(const void *cfg, void **shared)
{
    return model_make(1, 1, 1.0, level, (hand_model **)shared);
}

static int shared_make_rotate3(const void *cfg, void **shared)
{
    const rotate2_cfg *c = cfg;
    const double tilt[2] = {c->tilt, c->tilt_side};
    return model_make(1, 1, 1.0, tilt, (hand_model **)shared);
}

static int shared_make_spin(const void *cfg, void **shared)
{
    const spin_cfg *c = cfg;
    const double tilt[2] = {c->tilt, c->tilt_side};
    return model_make(1, 1, c->palm_friction, tilt, (hand_model **)shared);
}

static void shared_free(void *shared) { model_free(shared); }

/* ------------------------------------------------------------ env */

/* -1 when the task is not a hand task. */
static int task_kind(const rl_task *t)
{
    if (t == &rl_task_hand_reach || t == &rl_task_hand_reach2) return REACH;
    if (t == &rl_task_hand_rotate) return ROTATE1;
    if (t == &rl_task_hand_rotate2 || t == &rl_task_hand_rotate3 || t == &rl_task_hand_rotate4)
        return ROTATE2;
    if (t == &rl_task_hand_spin || t == &rl_task_hand_spin2) return SPIN;
    return -1;
}

static int is_hand(const rl_env *env) { return env && task_kind(env->task) >= 0 && env->data; }

/* Built on the faster model (hand.c's header comment). */
static int fast_task(const rl_task *t)
{
    return t != &rl_task_hand_reach && t != &rl_task_hand_rotate;
}

static void close_env(rl_env *env)
{
    hand_env *h = env->data;
    if (!h) return;
    rl_sim_free(&h->sim);
    model_free(h->own_model);
    free(h->obs_low);
    free(h->obs_high);
    free(h->act_low);
    free(h->act_high);
    free(h->last_obs);
    free(h);
    env->data = NULL;
}

/* The observation's slices into h->slices; sets h->obs_dim, returns their
 * count. */
static int layout(hand_env *h, int cube)
{
    hand_kind kind = h->kind;
    int n = 0, k = 2 * NQ_HAND;
    rl_slice *s = h->slices;
    s[n++] = (rl_slice){"joint_pos", 0, NQ_HAND};
    s[n++] = (rl_slice){"joint_vel", NQ_HAND, NQ_HAND};
    if (kind == ROTATE2 || kind == SPIN) {
        s[n++] = (rl_slice){"joint_error", k, NQ_HAND}; /* target - position */
        k += NQ_HAND;
    }
    if (cube) {
        s[n++] = (rl_slice){"fingertip_pos", k, 3 * NT};
        s[n++] = (rl_slice){"cube_pos", k + 3 * NT, 3};
        s[n++] = (rl_slice){"cube_vel", k + 3 * NT + 3, 6};
        k += 3 * NT + 9;
        if (kind == SPIN) {
            s[n++] = (rl_slice){"cube_quat", k, 4};
        } else {
            s[n++] = (rl_slice){"achieved_goal", k, 4};
            s[n++] = (rl_slice){"desired_goal", k + 4, 4};
            if (kind == ROTATE1) s[n++] = (rl_slice){"rotation_to_goal", k + 8, 4};
            else s[n++] = (rl_slice){"goal_rotation_matrix", k + 8, 6};
            if (h->one_way) s[n++] = (rl_slice){"turn_remaining", k + 14, 1};
        }
        k = s[n - 1].start + s[n - 1].len;
        if (h->privileged) s[n++] = (rl_slice){"privileged", k, N_PRIV};
    } else {
        s[n++] = (rl_slice){"achieved_goal", k, 3 * NT};
        s[n++] = (rl_slice){"desired_goal", k + 3 * NT, 3 * NT};
    }
    h->obs_dim = s[n - 1].start + s[n - 1].len;
    return n;
}

static int init(rl_env *env, const void *cfgp, void *shared)
{
    hand_kind kind = (hand_kind)task_kind(env->task);
    int cube = kind != REACH, fast = fast_task(env->task);
    hand_env *h = calloc(1, sizeof *h);
    if (!h) return rl_error(RL_ENOMEM, "out of memory");
    env->data = h;
    h->kind = kind;
    int rc;
    /* Only hand-spin (friction, tilt) and hand-rotate-v3 (tilt) change the model;
     * the others share the default one. */
    const spin_cfg *sc = kind == SPIN ? cfgp : NULL;
    const rotate2_cfg *rc2 = kind == ROTATE2 ? cfgp : NULL;
    double palm_mu = sc ? sc->palm_friction : 1.0;
    const double tilt[2] = {sc ? sc->tilt : rc2 ? rc2->tilt : 0.0,
                            sc ? sc->tilt_side : rc2 ? rc2->tilt_side : 0.0};
    if (shared) {
        h->hm = shared;
    } else {
        if ((rc = model_make(cube, fast, palm_mu, tilt, &h->own_model))) return rc;
        h->hm = h->own_model;
    }
    if (h->hm->cube != cube || h->hm->fast != fast || h->hm->palm_friction != palm_mu ||
        h->hm->tilt != tilt[0] || h->hm->tilt_side != tilt[1])
        return rl_error(RL_EINVAL, "%s: shared model does not match the task", env->task->id);
    if (kind == ROTATE1) h->drop_penalty = ((const rotate_cfg *)cfgp)->drop_penalty;
    else if (kind == ROTATE2) h->r2 = *rc2;
    else if (kind == SPIN) h->sp = *(const spin_cfg *)cfgp;
    else h->bonus = ((const reach_cfg *)cfgp)->bonus;
    h->goal_range = h->r2.curriculum ? fmin(h->r2.curriculum_start, h->r2.goal_range)
                                     : h->r2.goal_range;
    h->privileged = kind == ROTATE2 ? h->r2.privileged : kind == SPIN ? h->sp.privileged : 0;
    h->one_way = env->task == &rl_task_hand_rotate4;
    if ((rc = rl_sim_init(&h->sim, h->hm->m, h->hm->n_substeps))) return rc;

    int n = layout(h, cube);

    h->obs_low = malloc((size_t)h->obs_dim * sizeof(float));
    h->obs_high = malloc((size_t)h->obs_dim * sizeof(float));
    h->act_low = malloc(NQ_HAND * sizeof(float));
    h->act_high = malloc(NQ_HAND * sizeof(float));
    h->last_obs = calloc((size_t)h->obs_dim, sizeof(float));
    if (!h->obs_low || !h->obs_high || !h->act_low || !h->act_high || !h->last_obs)
        return rl_error(RL_ENOMEM, "out of memory");
    /* Joint ranges are the one bound worth publishing (nominal: contacts
     * and limits are soft). */
    for (int i = 0; i < h->obs_dim; i++) {
        int joint = i < NQ_HAND;
        h->obs_low[i] = joint ? (float)h->hm->lo[i] : -INFINITY;
        h->obs_high[i] = joint ? (float)h->hm->hi[i] : INFINITY;
    }
    for (int i = 0; i < NQ_HAND; i++) {
        h->act_low[i] = -1.f;
        h->act_high[i] = 1.f;
    }
    env->obs_space = (rl_space){RL_BOX, h->obs_dim, 0, h->obs_low, h->obs_high};
    env->act_space = (rl_space){RL_BOX, NQ_HAND, 0, h->act_low, h->act_high};
    env->slices = h->slices;
    env->n_slices = n;
    static const char *const *const info[] = {reach_info, rotate_info, rotate2_info, spin_info};
    static const int n_info[] = {2, 2, 3, 3};
    env->info_names = info[kind];
    env->n_info = n_info[kind];
    return RL_OK;
}

/* Fingertip positions relative to the palm centre (palm frame = world axes). */
static void tips_now(const hand_model *hm, const mjData *d, double *tips)
{
    const mjtNum *palm = d->xpos + 3 * hm->palm_body;
    for (int t = 0; t < NT; t++)
        for (int k = 0; k < 3; k++)
            tips[3 * t + k] = d->site_xpos[3 * hm->tip_site[t] + k] - palm[k];
}

/* Rotation angle between two unit quaternions: 2 acos |<a, b>|. */
static double rotation_distance(const double *a, const double *b)
{
    double dot = fabs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);
    return 2.0 * acos(dot > 1.0 ? 1.0 : dot);
}

/* The cube's orientation, normalised (the state drifts off unit length by
 * round-off between MuJoCo's own normalisations). */
static void cube_quat(const hand_model *hm, const mjData *d, double q[4])
{
    const mjtNum *c = d->qpos + hm->cube_qpos + 3;
    double n = sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2] + c[3] * c[3]);
    for (int k = 0; k < 4; k++) q[k] = c[k] / n;
}

/* Cube centre height above the palm's upper surface. */
static double cube_height(const hand_model *hm, const mjData *d)
{
    return d->qpos[hm->cube_qpos + 2] - (d->xpos[3 * hm->palm_body + 2] + PALM_HALF_Z);
}

/* Write a quaternion with w >= 0 (q and -q are the same rotation). */
static void put_quat(float *o, const double q[4])
{
    double s = q[0] < 0 ? -1.0 : 1.0;
    for (int k = 0; k < 4; k++) o[k] = (float)(s * q[k]);
}

/* r = g conj(q): the world-frame rotation that takes orientation q to g.
 * Published in the observation because the sign and size of the remaining
 * turn are what a policy acts on, and recovering them from q and g alone
 * is a product of the two that a network must first learn. */
static void rotation_to_goal(const double q[4], const double g[4], double r[4])
{
    r[0] = g[0] * q[0] + g[1] * q[1] + g[2] * q[2] + g[3] * q[3];
    r[1] = -g[0] * q[1] + g[1] * q[0] - g[2] * q[3] + g[3] * q[2];
    r[2] = -g[0] * q[2] + g[1] * q[3] + g[2] * q[0] - g[3] * q[1];
    r[3] = -g[0] * q[3] - g[1] * q[2] + g[2] * q[1] + g[3] * q[0];
}

/* hand-rotate-v4's one-way remaining turn: the angle about the palm normal
 * (world z) from orientation q to goal g counter-clockwise, in
 * [-ROT_TOL, 2 pi - ROT_TOL): an overshoot of up to ROT_TOL reads as a small
 * negative turn (continuous through the goal), a larger one as nearly a
 * whole turn ahead. The twist of r = g conj(q) about z: 2 atan2(r_z, r_w). */
static double turn_remaining(const double q[4], const double g[4])
{
    double r[4];
    rotation_to_goal(q, g, r);
    double a = fmod(2.0 * atan2(r[3], r[0]) + ROT_TOL, 2.0 * M_PI);
    return (a < 0 ? a + 2.0 * M_PI : a) - ROT_TOL;
}

/* The cube's angular velocity in the world frame (a free joint's is in the
 * body frame). */
static void cube_angvel(const hand_model *hm, const mjData *d, double out[3])
{
    const mjtNum *w = d->qvel + hm->cube_dof + 3;
    double q[4];
    cube_quat(hm, d, q);
    mjtNum mat[9], qq[4] = {q[0], q[1], q[2], q[3]};
    mju_quat2Mat(mat, qq);
    for (int i = 0; i < 3; i++) out[i] = mat[3 * i] * w[0] + mat[3 * i + 1] * w[1] + mat[3 * i + 2] * w[2];
}

/* N_PRIV values: contact normal forces on the cube per hand part, the
 * cube's world-frame angular velocity. */
static void write_privileged(const hand_env *h, float *out)
{
    const hand_model *hm = h->hm;
    const mjData *d = h->sim.d;
    double force[1 + NT] = {0};
    for (int i = 0; i < d->ncon; i++) {
        const mjContact *c = d->contact + i;
        int other = c->geom1 == hm->cube_geom ? c->geom2 : c->geom2 == hm->cube_geom ? c->geom1 : -1;
        if (other < 0 || hm->geom_part[other] < 0) continue;
        mjtNum f[6];
        mj_contactForce(hm->m, d, i, f);
        force[hm->geom_part[other]] += f[0];
    }
    for (int p = 0; p < 1 + NT; p++) out[p] = (float)force[p];
    double w[3];
    cube_angvel(hm, d, w);
    for (int i = 0; i < 3; i++) out[1 + NT + i] = (float)w[i];
}

static void write_obs(const hand_env *h, float *obs)
{
    const hand_model *hm = h->hm;
    const mjData *d = h->sim.d;
    int k = 0;
    double tips[NT * 3];
    for (int i = 0; i < NQ_HAND; i++) obs[k++] = (float)d->qpos[hm->qpos[i]];
    for (int i = 0; i < NQ_HAND; i++) obs[k++] = (float)d->qvel[hm->dof[i]];
    if (h->kind == ROTATE2 || h->kind == SPIN)
        for (int i = 0; i < NQ_HAND; i++) obs[k++] = (float)(h->target[i] - d->qpos[hm->qpos[i]]);
    tips_now(hm, d, tips);
    for (int i = 0; i < 3 * NT; i++) obs[k++] = (float)tips[i];
    if (hm->cube) {
        const mjtNum *palm = d->xpos + 3 * hm->palm_body;
        for (int i = 0; i < 3; i++) obs[k++] = (float)(d->qpos[hm->cube_qpos + i] - palm[i]);
        for (int i = 0; i < 6; i++) obs[k++] = (float)d->qvel[hm->cube_dof + i];
        double q[4];
        cube_quat(hm, d, q);
        put_quat(obs + k, q);
        if (h->kind == SPIN) {
            if (h->privileged) write_privileged(h, obs + k + 4);
            return;
        }
        double r[4];
        rotation_to_goal(q, h->goal_quat, r);
        put_quat(obs + k + 4, h->goal_quat);
        if (h->kind == ROTATE1) {
            put_quat(obs + k + 8, r);
        } else {
            /* The first two columns of r's rotation matrix: continuous in
             * the rotation, unlike a quaternion's sign. */
            mjtNum mat[9], rq[4] = {r[0], r[1], r[2], r[3]};
            mju_quat2Mat(mat, rq);
            for (int i = 0; i < 3; i++) {
                obs[k + 8 + i] = (float)mat[3 * i];
                obs[k + 11 + i] = (float)mat[3 * i + 1];
            }
            if (h->one_way) obs[k + 14] = (float)turn_remaining(q, h->goal_quat);
            if (h->privileged) write_privileged(h, obs + k + 14 + h->one_way);
        }
    } else {
        for (int i = 0; i < 3 * NT; i++) obs[k++] = (float)h->goal_tips[i];
    }
}

/* Hand joints to their zero-action pose (mid-range) plus a little noise. */
static void start_pose(rl_env *env, hand_env *h)
{
    const hand_model *hm = h->hm;
    mjData *d = h->sim.d;
    for (int i = 0; i < NQ_HAND; i++) {
        double mid = 0.5 * (hm->lo[i] + hm->hi[i]);
        d->qpos[hm->qpos[i]] = mid + rl_rng_range(&env->rng, -START_NOISE, START_NOISE);
    }
}

/* A goal for hand-reach: fingertips of a random configuration within the
 * joint ranges. Configurations in which the hand penetrates itself are
 * redrawn (up to GOAL_TRIES times), so the goal can be held physically. */
static void sample_goal(rl_env *env, hand_env *h)
{
    const hand_model *hm = h->hm;
    mjData *d = h->sim.d;
    for (int attempt = 0; attempt < GOAL_TRIES; attempt++) {
        for (int i = 0; i < NQ_HAND; i++) {
            h->goal_q[i] = rl_rng_range(&env->rng, hm->lo[i], hm->hi[i]);
            d->qpos[hm->qpos[i]] = h->goal_q[i];
        }
        if (rl_sim_forward(&h->sim) != RL_OK) break;
        if (d->ncon == 0) break;
    }
    tips_now(hm, d, h->goal_tips);
}

/* hand-rotate-v2's next goal: the cube's orientation turned about the
 * palm normal by U(-r, r), r the goal range now. hand-rotate-v4's
 * curriculum turns it by U(0, 2 r) counter-clockwise instead, except for a
 * share curriculum_mix of goals drawn from the whole goal_range. */
static void new_goal(rl_env *env, hand_env *h)
{
    static const double z[3] = {0, 0, 1};
    const rotate2_cfg *c = &h->r2;
    double q[4], turn[4], r = h->goal_range, lo = -r, hi = r;
    h->goal_mixed = h->one_way && c->curriculum && c->curriculum_mix > 0 &&
                    rl_rng_uniform(&env->rng) < c->curriculum_mix;
    if (h->goal_mixed) lo = -(hi = c->goal_range);
    else if (h->one_way && c->curriculum) lo = 0, hi = 2 * r;
    cube_quat(h->hm, h->sim.d, q);
    axis_quat(z, rl_rng_range(&env->rng, lo, hi), turn);
    mju_mulQuat(h->goal_quat, turn, q);
}

/* hand-rotate-v3's automatic curriculum, at the end of an episode: it
 * counts as a success when it ended within the threshold of its goal
 * (resample=0) or reached a goal (resample=1); after a block of
 * CURRICULUM_BLOCK episodes with at least curriculum_level of them
 * successful the range widens by curriculum_step (up to goal_range);
 * episodes with a goal from the whole range (v4's curriculum_mix) do not
 * count. Each
 * env keeps its own count, so a seed gives the same ranges whatever the
 * thread count. */
static void curriculum_update(hand_env *h, int ended_at_goal)
{
    const rotate2_cfg *c = &h->r2;
    if (h->goal_mixed) return;
    h->block_hits += c->resample ? h->successes > 0 : ended_at_goal;
    if (++h->block_episodes < CURRICULUM_BLOCK) return;
    if (h->block_hits >= c->curriculum_level * CURRICULUM_BLOCK)
        h->goal_range = fmin(h->goal_range + c->curriculum_step, c->goal_range);
    h->block_episodes = h->block_hits = 0;
}

/* A start from the cache of settled poses (hand and cube). */
static void cache_start(rl_env *env, hand_env *h)
{
    const hand_model *hm = h->hm;
    int k = (int)rl_rng_below(&env->rng, (uint32_t)hm->n_cache);
    memcpy(h->sim.d->qpos, hm->cache + (size_t)k * hm->m->nq, sizeof(mjtNum) * hm->m->nq);
    if (h->kind == ROTATE2) new_goal(env, h);
}

static void reset(rl_env *env)
{
    hand_env *h = env->data;
    const hand_model *hm = h->hm;
    rl_sim_reset(&h->sim);
    mjData *d = h->sim.d;
    if (h->kind == ROTATE2 && h->r2.curriculum && h->episode_begun)
        curriculum_update(h, h->at_goal);
    h->episode_begun = 1;
    if (hm->cache) {
        cache_start(env, h);
    } else if (hm->cube) {
        double yaw = rl_rng_range(&env->rng, -M_PI, M_PI);
        double goal = rl_rng_range(&env->rng, -M_PI, M_PI);
        static const double z[3] = {0, 0, 1};
        axis_quat(z, goal, h->goal_quat);
        mjtNum *c = d->qpos + hm->cube_qpos;
        c[0] = rl_rng_range(&env->rng, -0.005, 0.005);
        c[1] = rl_rng_range(&env->rng, -0.005, 0.005);
        c[2] = PALM_HEIGHT + PALM_HALF_Z + CUBE_HALF + 0.001;
        axis_quat(z, yaw, c + 3);
        start_pose(env, h);
    } else {
        sample_goal(env, h);
        start_pose(env, h);
    }
    /* Hold the start pose: the controls (and delta-action targets) start
     * where the joints are. */
    for (int i = 0; i < NQ_HAND; i++) {
        d->ctrl[i] = h->target[i] = h->start_q[i] = d->qpos[hm->qpos[i]];
    }
    h->successes = h->at_goal = 0;
    h->spin_sum = 0;
    rl_sim_forward(&h->sim);
    write_obs(h, env->obs);
    memcpy(h->last_obs, env->obs, (size_t)h->obs_dim * sizeof(float));
}

/* Reward and success of hand-reach from the current state. */
static void reach_reward(rl_env *env, hand_env *h)
{
    double tips[NT * 3], sum = 0, max = 0;
    tips_now(h->hm, h->sim.d, tips);
    for (int t = 0; t < NT; t++) {
        const double *a = tips + 3 * t, *g = h->goal_tips + 3 * t;
        double dist = sqrt((a[0] - g[0]) * (a[0] - g[0]) + (a[1] - g[1]) * (a[1] - g[1]) +
                           (a[2] - g[2]) * (a[2] - g[2]));
        sum += dist;
        if (dist > max) max = dist;
    }
    const double th = RL_HAND_TIP_THRESHOLD;
    double r = -sum + h->bonus * ((max < 2 * th) + (max < th));
    *env->reward = (float)r;
    *env->terminated = 0;
    env->info->success = max < th;
    env->info->extra[0] = (float)max;
    env->info->extra[1] = (float)(sum / NT);
}

/* hand-reach's reward and success for any achieved / desired fingertip
 * positions (15 floats each): the same formula as reach_reward, for goal
 * relabelling. */
static float reach_goal_reward(const rl_env *env, const float *achieved, const float *desired,
                               int *success)
{
    const hand_env *h = env->data;
    double sum = 0, max = 0;
    for (int t = 0; t < NT; t++) {
        const float *a = achieved + 3 * t, *g = desired + 3 * t;
        double dx = (double)a[0] - g[0], dy = (double)a[1] - g[1], dz = (double)a[2] - g[2];
        double dist = sqrt(dx * dx + dy * dy + dz * dz);
        sum += dist;
        if (dist > max) max = dist;
    }
    const double th = RL_HAND_TIP_THRESHOLD;
    if (success) *success = max < th;
    return (float)(-sum + h->bonus * ((max < 2 * th) + (max < th)));
}

static void rotate_reward(rl_env *env, hand_env *h)
{
    const hand_model *hm = h->hm;
    double q[4];
    cube_quat(hm, h->sim.d, q);
    double dist = rotation_distance(q, h->goal_quat);
    double height = cube_height(hm, h->sim.d);
    double r = -dist;
    int dropped = height < 0;
    if (dropped) {
        /* The penalty stands for the rest of the episode at the worst
         * orientation, so dropping the cube never pays. */
        int limit = env->max_steps > 0 ? env->max_steps : ROTATE_STEPS;
        int remaining = limit - env->t - 1;
        r -= h->drop_penalty * (remaining > 0 ? remaining : 0);
    }
    *env->reward = (float)r;
    *env->terminated = (unsigned char)dropped;
    env->info->success = dist < RL_HAND_ROT_THRESHOLD;
    env->info->extra[0] = (float)dist;
    env->info->extra[1] = (float)height;
}

/* hand-rotate's reward and success for any achieved / desired orientation
 * (the unit quaternions of the observation, 4 floats each): -(rotation
 * distance), as rotate_reward, for goal relabelling. The angle comes from
 * atan2 of the relative rotation's vector and scalar parts, which keeps the
 * float inputs accurate near zero distance (acos of a float dot product
 * would lose ~1e-3 rad there); both are renormalised first.
 * Termination: the drop penalty is not part of this reward. A drop depends
 * on the cube's height, not on the goal, so relabelling leaves it alone:
 * td3 (her=1) keeps the stored reward's goal-independent part (the stored
 * reward minus this hook at the stored goal, i.e. the penalty on a dropping
 * step, 0 otherwise) and the terminal flag, and replaces only this part. */
static float rotate_goal_reward(const rl_env *env, const float *achieved, const float *desired,
                                int *success)
{
    (void)env;
    double a[4], g[4], na = 0, ng = 0;
    for (int k = 0; k < 4; k++) {
        a[k] = achieved[k];
        g[k] = desired[k];
        na += a[k] * a[k];
        ng += g[k] * g[k];
    }
    na = sqrt(na);
    ng = sqrt(ng);
    if (na > 0)
        for (int k = 0; k < 4; k++) a[k] /= na;
    if (ng > 0)
        for (int k = 0; k < 4; k++) g[k] /= ng;
    double r[4];
    rotation_to_goal(a, g, r);
    double dist = 2.0 * atan2(sqrt(r[1] * r[1] + r[2] * r[2] + r[3] * r[3]), fabs(r[0]));
    if (success) *success = dist < RL_HAND_ROT_THRESHOLD;
    return (float)-dist;
}

/* hand-rotate's goal_obs hook: rotation_to_goal from the observation's own
 * achieved_goal and desired_goal, after a relabelled desired goal. */
static void rotate_goal_obs(const rl_env *env, float *obs)
{
    (void)env;
    double q[4], g[4], r[4];
    for (int k = 0; k < 4; k++) {
        q[k] = obs[ROT_ACHIEVED + k];
        g[k] = obs[ROT_ACHIEVED + 4 + k];
    }
    rotation_to_goal(q, g, r);
    put_quat(obs + ROT_ACHIEVED + 8, r);
}

/* 1 within ROT_TOL of the goal, falling linearly to 0 at `zero` (pi for
 * the shortest rotation distance, 2 pi - ROT_TOL for v4's one-way turn). */
static double orient_tolerance(double dist, double zero)
{
    if (dist <= ROT_TOL) return 1.0;
    return dist >= zero ? 0.0 : (zero - dist) / (zero - ROT_TOL);
}

/* Horizontal distance of the cube's centre from the palm's centre. */
static double cube_offset(const hand_model *hm, const mjData *d)
{
    const mjtNum *c = d->qpos + hm->cube_qpos, *p = d->xpos + 3 * hm->palm_body;
    return sqrt((c[0] - p[0]) * (c[0] - p[0]) + (c[1] - p[1]) * (c[1] - p[1]));
}

/* The cube's yaw rate towards the goal (rad/s, clipped to +-TURN_CLIP):
 * hand-spin's spin reward pointed at the goal. The sign of the remaining
 * turn about the palm normal is that of the goal rotation's z part (w >= 0). */
static double turn_towards_goal(const hand_env *h, const double q[4])
{
    double r[4], w[3];
    rotation_to_goal(q, h->goal_quat, r);
    cube_angvel(h->hm, h->sim.d, w);
    double towards = (r[0] * r[3] >= 0 ? 1.0 : -1.0) * w[2];
    return towards > TURN_CLIP ? TURN_CLIP : (towards < -TURN_CLIP ? -TURN_CLIP : towards);
}

/* hand-rotate-v2: orientation and position terms, a bonus for a success
 * (after which the goal moves on when resample=1), a drop penalty. */
static void rotate2_reward(rl_env *env, hand_env *h)
{
    const hand_model *hm = h->hm;
    const mjData *d = h->sim.d;
    double q[4];
    cube_quat(hm, d, q);
    double dist = rotation_distance(q, h->goal_quat);
    double height = cube_height(hm, d);
    double pos = 1.0 - cube_offset(hm, d) / POS_MARGIN;
    int success = dist < RL_HAND_ROT_THRESHOLD, dropped = height < 0;
    double orient = orient_tolerance(dist, M_PI), turn = 0;
    if (h->one_way) {
        /* The goal lies ahead counter-clockwise: orientation and turn terms
         * both count the one-way remaining turn, so no term asks for the
         * other direction. */
        double left = turn_remaining(q, h->goal_quat), c = h->r2.turn_clip;
        orient = orient_tolerance(fabs(left), 2.0 * M_PI - ROT_TOL);
        double w[3];
        cube_angvel(hm, d, w);
        if (left > RL_HAND_ROT_THRESHOLD) turn = fmax(-c, fmin(c, w[2]));
    } else if (h->r2.turn_weight > 0 && !success) {
        turn = turn_towards_goal(h, q);
    }
    double r = h->r2.orient_weight * orient + h->r2.pos_weight * (pos > 0 ? pos : 0) +
               h->r2.turn_weight * turn;
    if (success) {
        r += h->r2.success_bonus;
        h->successes++;
    }
    if (dropped) r -= h->r2.drop_penalty;
    h->at_goal = success && !dropped;
    *env->reward = (float)r;
    *env->terminated = (unsigned char)dropped;
    env->info->success = success;
    env->info->extra[0] = (float)dist;
    env->info->extra[1] = (float)height;
    env->info->extra[2] = (float)h->successes;
    if (success && h->r2.resample && !dropped) {
        new_goal(env, h);
        write_obs(h, env->obs); /* the observation shows the next goal */
    }
}

/* The cube's angular velocity about the palm normal (world z: the palm is
 * fixed, palm up). */
static double cube_spin(const hand_model *hm, const mjData *d)
{
    double w[3];
    cube_angvel(hm, d, w);
    return w[2];
}

/* hand-spin: clipped spin rate minus penalties on the cube's linear speed,
 * actuator torques and the pose's distance from the start; a drop ends the
 * episode with a penalty. */
static void spin_reward(rl_env *env, hand_env *h)
{
    const hand_model *hm = h->hm;
    const mjData *d = h->sim.d;
    const spin_cfg *c = &h->sp;
    double w = cube_spin(hm, d), height = cube_height(hm, d);
    const mjtNum *v = d->qvel + hm->cube_dof;
    double speed = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]), torque = 0, pose = 0;
    for (int i = 0; i < NQ_HAND; i++) {
        double dq = d->qpos[hm->qpos[i]] - h->start_q[i];
        torque += d->actuator_force[i] * d->actuator_force[i];
        pose += dq * dq;
    }
    double r = (w > c->spin_clip ? c->spin_clip : (w < -c->spin_clip ? -c->spin_clip : w)) -
               c->linvel_cost * speed - c->torque_cost * torque - c->pose_cost * pose;
    int dropped = height < 0;
    if (dropped) r -= c->drop_penalty;
    h->spin_sum += w;
    *env->reward = (float)r;
    *env->terminated = (unsigned char)dropped;
    env->info->extra[0] = (float)(h->spin_sum / (env->t + 1));
    env->info->extra[1] = (float)height;
    env->info->extra[2] = (float)w;
}

static void step(rl_env *env, const float *action)
{
    hand_env *h = env->data;
    const hand_model *hm = h->hm;
    mjData *d = h->sim.d;
    if (h->kind == ROTATE2 || h->kind == SPIN) {
        double scale = h->kind == SPIN ? h->sp.action_scale : h->r2.action_scale;
        for (int i = 0; i < NQ_HAND; i++) {
            double t = h->target[i] + scale * action[i];
            h->target[i] = d->ctrl[i] = t < hm->lo[i] ? hm->lo[i] : (t > hm->hi[i] ? hm->hi[i] : t);
        }
    } else {
        for (int i = 0; i < NQ_HAND; i++)
            d->ctrl[i] = hm->lo[i] + 0.5 * (action[i] + 1.0) * (hm->hi[i] - hm->lo[i]);
    }
    if (rl_sim_step(&h->sim) != RL_OK) {
        rl_sim_end_unstable(env, h->last_obs, h->obs_dim, h->kind != SPIN);
        return;
    }
    write_obs(h, env->obs);
    env->info->sim_unstable = 0;
    if (h->kind == ROTATE2) rotate2_reward(env, h);
    else if (h->kind == SPIN) spin_reward(env, h);
    else if (h->kind == ROTATE1) rotate_reward(env, h);
    else reach_reward(env, h);
    memcpy(h->last_obs, env->obs, (size_t)h->obs_dim * sizeof(float));
}

/* ------------------------------------------------------------ start cache */

/* Settled start poses for the fast cube model: the hand at its mid-range
 * pose (with START_NOISE), the cube dropped 1 mm onto the palm centre
 * (+-5 mm) at yaws spread over the circle, then SETTLE_STEPS control steps
 * holding the pose. Kept when the cube still lies flat and nearly still.
 * Built once per model from CACHE_SEED, so it is the same in every run. */
static int build_cache(hand_model *hm)
{
    static const double z[3] = {0, 0, 1};
    const mjModel *m = hm->m;
    hm->cache = malloc(sizeof(mjtNum) * (size_t)m->nq * CACHE_SIZE);
    if (!hm->cache) return rl_error(RL_ENOMEM, "out of memory");
    rl_sim sim;
    int rc = rl_sim_init(&sim, m, hm->n_substeps);
    if (rc) return rc;
    rl_rng rng;
    rl_rng_seed(&rng, CACHE_SEED, 0);
    mjData *d = sim.d;
    for (int attempt = 0; attempt < 4 * CACHE_SIZE && hm->n_cache < CACHE_SIZE; attempt++) {
        rl_sim_reset(&sim);
        for (int i = 0; i < NQ_HAND; i++) {
            double mid = 0.5 * (hm->lo[i] + hm->hi[i]);
            d->qpos[hm->qpos[i]] = d->ctrl[i] = mid + rl_rng_range(&rng, -START_NOISE, START_NOISE);
        }
        mjtNum *c = d->qpos + hm->cube_qpos;
        c[0] = rl_rng_range(&rng, -0.005, 0.005);
        c[1] = rl_rng_range(&rng, -0.005, 0.005);
        c[2] = PALM_HEIGHT + PALM_HALF_Z + CUBE_HALF + 0.001;
        axis_quat(z, 2 * M_PI * (hm->n_cache + rl_rng_uniform(&rng)) / CACHE_SIZE - M_PI, c + 3);
        int ok = rl_sim_forward(&sim) == RL_OK;
        for (int s = 0; s < SETTLE_STEPS && ok; s++) ok = rl_sim_step(&sim) == RL_OK;
        double speed = 0;
        for (int i = 0; i < 6; i++) speed += fabs(d->qvel[hm->cube_dof + i]);
        if (!ok || fabs(cube_height(hm, d) - CUBE_HALF) > 0.002 || speed > 0.05) continue;
        memcpy(hm->cache + (size_t)hm->n_cache * m->nq, d->qpos, sizeof(mjtNum) * m->nq);
        hm->n_cache++;
    }
    rl_sim_free(&sim);
    if (hm->n_cache < CACHE_SIZE / 2)
        return rl_error(RL_ESIM, "hand: only %d of %d start poses settled", hm->n_cache, CACHE_SIZE);
    return RL_OK;
}

/* ------------------------------------------------------------ extras */

rl_sim *rl_hand_sim(rl_env *env)
{
    if (!is_hand(env)) return NULL;
    return &((hand_env *)env->data)->sim;
}

int rl_hand_joint_range(const rl_env *env, int i, double *lo, double *hi)
{
    if (!is_hand(env)) return rl_error(RL_EINVAL, "rl_hand_joint_range: not a hand env");
    if (i < 0 || i >= NQ_HAND)
        return rl_error(RL_EINVAL, "rl_hand_joint_range: joint %d is out of range [0, %d)", i,
                        NQ_HAND);
    const hand_env *h = env->data;
    *lo = h->hm->lo[i];
    *hi = h->hm->hi[i];
    return RL_OK;
}

int rl_hand_set_joints(rl_env *env, const double *q)
{
    if (!is_hand(env)) return rl_error(RL_EINVAL, "rl_hand_set_joints: not a hand env");
    hand_env *h = env->data;
    mjData *d = h->sim.d;
    for (int i = 0; i < NQ_HAND; i++) {
        d->qpos[h->hm->qpos[i]] = q[i];
        d->qvel[h->hm->dof[i]] = 0;
    }
    int rc = rl_sim_forward(&h->sim);
    if (rc) return rc;
    write_obs(h, env->obs);
    memcpy(h->last_obs, env->obs, (size_t)h->obs_dim * sizeof(float));
    return RL_OK;
}

int rl_hand_tips(const rl_env *env, double *tips)
{
    if (!is_hand(env)) return rl_error(RL_EINVAL, "rl_hand_tips: not a hand env");
    const hand_env *h = env->data;
    tips_now(h->hm, h->sim.d, tips);
    return RL_OK;
}

int rl_hand_goal(const rl_env *env, double *tips, double *q)
{
    if (!is_hand(env) || task_kind(env->task) != REACH)
        return rl_error(RL_EINVAL, "rl_hand_goal: not a hand-reach env");
    const hand_env *h = env->data;
    if (tips) memcpy(tips, h->goal_tips, sizeof h->goal_tips);
    if (q) memcpy(q, h->goal_q, sizeof h->goal_q);
    return RL_OK;
}

const rl_task rl_task_hand_reach = {
    .id = "hand-reach-v1",
    .summary = "five-finger hand (21 position-servo joints) brings every fingertip within "
               "1.25 cm of goal positions from a random reachable pose (MuJoCo)",
    .opts = reach_opts,
    .n_opts = N_REACH_OPTS,
    .cfg_size = sizeof(reach_cfg),
    .max_steps = REACH_STEPS,
    .dt = TIMESTEP * SUBSTEPS,
    .shared_make = shared_make_reach,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .goal_reward = reach_goal_reward,
    .has_threshold = 1,
    .reward_threshold = 50, /* 50 steps: most of them within 2x the goal radius */
};

const rl_task rl_task_hand_rotate = {
    .id = "hand-rotate-v1",
    .summary = "five-finger hand, palm up, turns a 5 cm cube to a goal yaw; dropping it ends "
               "the episode (MuJoCo)",
    .opts = rotate_opts,
    .n_opts = N_ROTATE_OPTS,
    .cfg_size = sizeof(rotate_cfg),
    .max_steps = ROTATE_STEPS,
    .dt = TIMESTEP * SUBSTEPS,
    .shared_make = shared_make_rotate,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .goal_reward = rotate_goal_reward,
    .goal_obs = rotate_goal_obs,
    .has_threshold = 1,
    .reward_threshold = -20, /* mean 0.2 rad from the goal over 100 steps */
};

const rl_task rl_task_hand_reach2 = {
    .id = "hand-reach-v2",
    .summary = "hand-reach-v1 on the faster hand model (4 ms x 10 physics steps, explicit "
               "contact pairs): the same task, about 2.5x the steps per second (MuJoCo)",
    .opts = reach_opts,
    .n_opts = N_REACH_OPTS,
    .cfg_size = sizeof(reach_cfg),
    .max_steps = REACH_STEPS,
    .dt = FAST_TIMESTEP * FAST_SUBSTEPS,
    .shared_make = shared_make_reach2,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
    .goal_reward = reach_goal_reward,
};

const rl_task rl_task_hand_rotate2 = {
    .id = "hand-rotate-v2",
    .summary = "five-finger hand turns a cube on its palm to goal yaws that move on after each "
               "success; delta joint targets, shaped reward, settled starts (MuJoCo)",
    .opts = rotate2_opts,
    .n_opts = N_ROTATE2_OPTS,
    .cfg_size = sizeof(rotate2_cfg),
    .max_steps = ROTATE_STEPS,
    .dt = FAST_TIMESTEP * FAST_SUBSTEPS,
    .shared_make = shared_make_cube2,
    .shared_free = shared_free,
    .init = init,
    .reset = reset,
    .step = step,
    .close = close_env,
    .render = rl_render_mujoco,
};

/* hand-spin-v1 and -v2 differ only in id, summary and option defaults. */
#define SPIN_TASK(ID, SUMMARY, OPTS)                                                           \
    {                                                                                          \
        .id = ID, .summary = SUMMARY, .opts = OPTS, .n_opts = N_SPIN_OPTS,                     \
        .cfg_size = sizeof(spin_cfg), .max_steps = SPIN_STEPS,                                 \
        .dt = FAST_TIMESTEP * FAST_SUBSTEPS, .shared_make = shared_make_spin,                  \
        .shared_free = shared_free, .init = init, .reset = reset, .step = step,                \
        .close = close_env, .render = rl_render_mujoco,                                        \
    }

const rl_task rl_task_hand_spin = SPIN_TASK(
    "hand-spin-v1",
    "five-finger hand keeps a cube on its palm turning about the palm normal (clipped "
    "spin-rate reward, delta joint targets; a drop ends the episode) (MuJoCo)",
    spin_opts);

/* Same options as hand-spin-v1 (spin_opts), other defaults: tilt 0.35,
 * tilt_side 0.2 (v1 stalls at ~0.08 rad/s on the level hand: each push also
 * moves the cube towards the wrist, out of the fingers' reach), spin_clip 1
 * (at v1's 0.5 a policy gains nothing past the target rate, so trained means
 * ended just under it), drop_penalty 30 and pose_cost 0.01 (at 0.05 a slow
 * gait's pose penalty took half its spin reward, and one seed in two kept
 * it). bench/results/hand.md. */
const rl_task rl_task_hand_spin2 = SPIN_TASK(
    "hand-spin-v2",
    "hand-spin-v1 on a hand tilted fingertips- and thumb-side-down, reward clipped at 1 "
    "rad/s, costlier drops, a lighter pose penalty (MuJoCo)",
    spin2_opts);

/* hand-rotate-v3 and -v4 differ in id, summary and options (v4's one-way
 * terms follow from its id). */
#define ROTATE3_TASK(ID, SUMMARY, OPTS)                                                        \
    {                                                                                          \
        .id = ID, .summary = SUMMARY, .opts = OPTS,                                            \
        .n_opts = (int)(sizeof OPTS / sizeof OPTS[0]), .cfg_size = sizeof(rotate2_cfg),        \
        .max_steps = ROTATE3_STEPS, .dt = FAST_TIMESTEP * FAST_SUBSTEPS,                       \
        .shared_make = shared_make_rotate3, .shared_free = shared_free, .init = init,          \
        .reset = reset, .step = step, .close = close_env, .render = rl_render_mujoco,          \
    }

const rl_task rl_task_hand_rotate3 = ROTATE3_TASK(
    "hand-rotate-v3",
    "hand-rotate-v2 on a hand tilted fingertips- and thumb-side down (gravity keeps the cube "
    "at the fingers), 12 s episodes, a turn-rate reward and an optional automatic curriculum "
    "(MuJoCo)",
    rotate3_opts);

/* hand-rotate-v3 with the turn one way: v3 asks for turns both ways by the
 * shortest path (two gaits and a switch) and reaches goals within ~1 rad
 * only, while hand-spin-v2 learns one counter-clockwise gait on the same
 * hand. Success (within 0.1 rad, the shortest rotation distance) is v3's. */
const rl_task rl_task_hand_rotate4 = ROTATE3_TASK(
    "hand-rotate-v4",
    "hand-rotate-v3 turning one way: the turn reward, orientation term and curriculum count "
    "the counter-clockwise turn left to the goal, which the observation shows (MuJoCo)",
    rotate4_opts);
