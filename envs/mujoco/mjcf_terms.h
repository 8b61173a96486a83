/* mjcf_terms.h (internal): the vocabulary of generic MuJoCo tasks (mjcf:PATH ids and
 * task files): observation terms, reward terms, conditions (termination and
 * health), reset terms and per-episode goals, parsed from option strings
 * against a compiled model and evaluated on an mjData.
 *
 * Every list is TERM+TERM+..., a TERM is KIND[:FIELD...][@CLIP][*WEIGHT]
 * (option values cannot hold commas). Names are joints, bodies, sites,
 * geoms or sensors of the model; an unknown name is an error that lists the
 * valid ones. The grammar of each list is in mjcf_terms.c and in
 * docs/task-files.md. */
#ifndef RLTOOL_ENVS_MUJOCO_MJCF_TERMS_H
#define RLTOOL_ENVS_MUJOCO_MJCF_TERMS_H

#include <mujoco/mujoco.h>

#include "rltool.h"

#define MT_MAX_TERMS 24
#define MT_MAX_REWARD RL_INFO_MAX_EXTRA

/* A point on the model: a site or a body's frame origin. */
typedef struct mt_point {
    int is_site;
    int id;
} mt_point;

typedef struct mt_obs {
    int kind;
    mt_point a, b;
    int id;          /* body, joint or sensor id */
    int local;       /* velocities and vectors in the body's (or FROM's) frame */
    int axes[3], n_axes;
    int off, n;      /* entries in the index pool (qpos/qvel addresses, bodies) */
    double clip;     /* 0: none */
    int dim;
    char label[64];
} mt_obs;

typedef struct mt_reward {
    int kind;
    mt_point a, b;
    int id, axis, qadr; /* body / joint, axis, joint's qpos address */
    int off, n;
    double clip, weight, p1, p2;
    char label[64];
} mt_reward;

typedef struct mt_cond {
    int kind;
    mt_point a;
    int id, id2, axis;
    int off, n;
    double lo, hi;
    char label[96];
} mt_cond;

typedef struct mt_reset {
    int kind; /* uniform, normal, set */
    int vel;  /* 0: qpos entries, 1: qvel entries */
    int off, n;
    double value;
} mt_reset;

typedef struct mt_goal {
    int kind;  /* none, joints, mocap, site */
    int shape; /* radius, box, range */
    int id;    /* mocap index or site id */
    int off, n; /* joints: qpos addresses */
    int dim;
    double lo, hi; /* box bounds or radius (hi) */
} mt_goal;

/* Everything parsed for one configuration; read-only once made. */
typedef struct mt_spec {
    mt_obs obs[MT_MAX_TERMS];
    int n_obs, obs_dim;
    mt_reward rew[MT_MAX_REWARD];
    int n_rew;
    mt_cond term[MT_MAX_TERMS], healthy[MT_MAX_TERMS];
    int n_term, n_healthy;
    int end_unhealthy; /* terminate when not healthy */
    mt_reset reset[MT_MAX_TERMS];
    int n_reset;
    mt_goal goal;
    int needs_cfrc; /* call mj_rnePostConstraint after stepping */
    int *pool;      /* index pool shared by all terms */
    int pool_n, pool_cap;
    rl_slice slices[MT_MAX_TERMS];
    const char *info_names[MT_MAX_REWARD];
} mt_spec;

/* The text a spec is made from (option values). */
typedef struct mt_text {
    const char *obs, *reward, *terminate, *healthy, *reset, *goal;
    double reset_noise; /* used when reset is empty */
} mt_text;

/* Parse every list against m. `file` names the model in messages.
 * Returns RL_OK or an error code with a message naming the term. */
int mt_spec_make(mt_spec *s, const mjModel *m, const char *file, const mt_text *t);
void mt_spec_free(mt_spec *s);

/* Per-env values the terms need between calls. */
typedef struct mt_state {
    double before[MT_MAX_REWARD]; /* positions before the step (fwd terms) */
    double goal[16];              /* drawn goal (goal.dim values) */
    float *last_action;           /* (nu) */
} mt_state;

/* Draw a start state into d (from qpos0, zero qvel) and the goal. Calls
 * nothing that computes derived quantities; the caller runs mj_forward. */
void mt_reset_state(const mt_spec *s, const mjModel *m, mjData *d, mt_state *st, rl_rng *rng);
/* Joint goals live in qpos: read them back after the state was set. */
void mt_goal_from_state(const mt_spec *s, const mjModel *m, const mjData *d, mt_state *st);
/* Record what the reward needs from the state before a step. */
void mt_before_step(const mt_spec *s, const mjModel *m, const mjData *d, mt_state *st);
/* The observation (obs_dim floats) of the current state. */
void mt_observe(const mt_spec *s, const mjModel *m, const mjData *d, const mt_state *st,
                float *obs);
/* 1 when every condition of the list holds. */
int mt_conds_hold(const mt_spec *s, const mt_cond *c, int n, const mjModel *m,
                  const mjData *d);
/* Reward of the step just taken (dt seconds) with its terms in parts
 * (n_rew values); `terminated` is this step's termination, `healthy` its
 * health. */
double mt_step_reward(const mt_spec *s, const mjModel *m, const mjData *d, const mt_state *st,
                      const float *action, double dt, int terminated, int healthy,
                      float *parts);

/* The goal-dependent part of the reward (its goal_dist terms) had the goal
 * been `desired` when the point was at `achieved` (goal-dim values each):
 * the goal_reward hook HER relabelling calls. */
float mt_goal_reward(const mt_spec *s, const float *achieved, const float *desired);
/* "name, name, ..." of every object of a type (for error messages). */
void mt_names(const mjModel *m, int type, char *buf, size_t cap);
/* One line per term of a spec, for `rltool info`. Returns bytes written. */
size_t mt_describe(const mt_spec *s, const mjModel *m, char *buf, size_t cap);

#endif
