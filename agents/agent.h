/* agent.h (internal): the agent interface (a vtable per learning algorithm), the
 * policy-architecture interface (mlp, ncap) and the trainer services every
 * training loop shares (vector env, episode statistics, metrics.csv,
 * progress, checkpoints, stop requests).
 *
 * An algorithm owns its loop (on-policy and off-policy loops differ); it
 * gets everything else from here and from core/.
 */
#ifndef RL_AGENTS_AGENT_H
#define RL_AGENTS_AGENT_H

#include "core/nn.h"
#include "core/threadpool.h"
#include "rltool.h"

#include <stdio.h>

typedef struct rl_trainer rl_trainer;
typedef struct rl_policy rl_policy;

/* ------------------------------------------------------------------ policies
 *
 * A policy architecture maps a batch of observations to `out` values. MLPs
 * ignore `t`; circuit policies with an oscillator (NCAP) read the episode
 * step of each row from it, so a policy has no hidden state of its own and
 * a stored batch can be replayed exactly.
 */
typedef struct rl_policy_spec {
    int in, out;              /* observation size, output size */
    rl_act out_act;           /* MLP output activation (tanh for TD3 actors) */
    const rl_intlist *hidden; /* MLP widths */
    rl_act hidden_act;
    const rl_env *probe;      /* an env of the task: slices, spaces */
} rl_policy_spec;

typedef struct rl_policy_vt {
    const char *name;         /* "mlp", "ncap" */
    const char *summary;
    const rl_optdef *opts;    /* architecture options (--set shared=0) */
    int n_opts;
    size_t cfg_size;
    int raw_obs;              /* 1: wants raw observations, not normalised */
    int (*create)(rl_policy *p, const rl_policy_spec *spec);
    int (*init)(rl_policy *p, rl_rng *rng, float out_gain);
    /* obs (batch, in), t (batch) episode step or NULL -> (batch, out), owned. */
    const float *(*forward)(rl_policy *p, const float *obs, const int *t, int batch);
    /* dout (batch, out) of the last forward; adds into p->grads. */
    int (*backward)(rl_policy *p, const float *dout);
    /* Optional: keep the first `rows` rows of the last forward for backward
     * (one pass over [obs; next] stacked, back-propagated through obs). */
    int (*keep_rows)(rl_policy *p, int rows);
    /* After an optimizer step: re-apply constraints (sign clamps) if any. */
    void (*project)(rl_policy *p);
    double (*macs)(const rl_policy *p);  /* multiply-accumulates per row */
    /* Name parameter i for `rltool inspect` (NULL: "p[i]"). */
    int (*param_name)(const rl_policy *p, int i, char *buf, size_t cap);
    void (*destroy)(rl_policy *p);
} rl_policy_vt;

struct rl_policy {
    const rl_policy_vt *vt;
    void *cfg;
    void *impl;
    int in, out;
    int n_params;
    float *params; /* (n_params) borrowed from impl */
    float *grads;  /* (n_params) */
};

const rl_policy_vt *rl_policy_find(const char *name);
/* The same, or NULL with an "unknown policy 'x' (known: ...)" message. */
const rl_policy_vt *rl_policy_find_or_error(const char *name);
/* opts: architecture options "k=v" (NULL for defaults). */
rl_policy *rl_policy_make(const char *name, const char *opts, const rl_policy_spec *spec);
void rl_policy_free(rl_policy *p);
/* Run the policy's network passes on pool (borrowed; NULL: one thread). */
void rl_policy_set_pool(rl_policy *p, rl_pool *pool);
int rl_policy_options(const rl_policy *p, char *buf, size_t cap);

/* ------------------------------------------------------------------ agents */

struct rl_export_opts; /* agents/export.h */
struct rl_export_info;

/* Embedded defaults for one task family (the agent's own recipe table). */
typedef struct rl_recipe {
    const char *task_prefix;  /* "swimmer", "quadrotor-hover", "" = any */
    const char *policy;       /* NULL: the agent's default; else this row is for that policy */
    const char *hparams;      /* overrides of the agent's defaults */
    int64_t steps;            /* default budget */
    int recommended;          /* 1: the agent `rltool train ENV` picks for the family */
} rl_recipe;

/* How the acting network's outputs become the deterministic Box action
 * (discrete action spaces always take the argmax per dimension). */
typedef enum {
    RL_HEAD_CLAMP,        /* clamp to [-1, 1] */
    RL_HEAD_CLAMP_BOUNDS, /* clamp to the action space's bounds */
    RL_HEAD_TANH,         /* tanh of the first act_dim outputs (SAC's mean) */
} rl_head;

/* The network that acts, as the rest of the tree (inspect, export, bench)
 * reads it from a checkpoint. */
typedef struct rl_agent_net {
    const char *tensor;        /* policy tensor of the agent's architecture ("actor", "q");
                                * NULL: no single one (inspect lists none) */
    int outs_per_action;       /* Box: outputs per action value (SAC: mean | log-std = 2);
                                * discrete: one per choice whatever this says */
    rl_act out_act;            /* output activation of an MLP policy (tanh for TD3, ES) */
    rl_head head;
    int exportable;            /* 1: the built-in exporter writes mlp policies */
    int ncap_exportable;       /* 1: ... and ncap ones */
    /* Every tensor that acts (NULL-terminated); the rest only train
     * (critics, targets, moments). bench counts their parameters. */
    const char *const *acting;
} rl_agent_net;

typedef struct rl_agent_vt {
    const char *name;        /* "ppo" */
    const char *summary;
    const rl_optdef *opts;   /* hyperparameters */
    int n_opts;
    size_t cfg_size;
    int box_ok, discrete_ok; /* action spaces it handles */
    const char *default_policy;
    /* Build networks; agent->cfg, spaces, env ids and policy name are set.
     * probe is an env of the task (slices, spaces). */
    int (*create)(rl_agent *ag, const rl_env *probe);
    /* Train until trainer says stop; use rl_trainer_* services. */
    int (*train)(rl_agent *ag, rl_trainer *tr);
    /* Optional: lend the networks a thread pool for their updates (NULL:
     * take it back). The trainer lends the vector env's pool around train()
     * only, since the pool goes away with the trainer. */
    void (*set_pool)(rl_agent *ag, rl_pool *pool);
    /* obs (n, obs_dim) raw; t (n) episode steps; actions (n, act_dim) in the
     * env's action space (Box in [-1, 1], discrete indices as floats). */
    int (*act)(rl_agent *ag, const float *obs, const int *t, int n, float *actions,
               int deterministic, rl_rng *rng);
    /* training_state: also optimizer moments etc. needed to resume. */
    int (*save)(const rl_agent *ag, rl_ckpt *ck, int training_state);
    int (*load)(rl_agent *ag, const rl_ckpt *ck, int training_state);
    void (*destroy)(rl_agent *ag);
    /* Multiply-accumulates to choose one action (compute accounting). */
    double (*macs_per_act)(const rl_agent *ag);
    /* 1 if every parameter is finite. */
    int (*params_finite)(const rl_agent *ag);
    /* 1: act() adds to ag->decisions and ag->macs itself (agents that
     * repeat actions, like TLA); 0: every act row is one decision costing
     * macs_per_act. */
    int counts_decisions;
    /* Optional: write the agent as a C99 header (agents/export.h) when the
     * built-in plan (net) cannot describe it. */
    int (*export_c)(rl_agent *ag, const struct rl_export_opts *o, const char *path,
                    struct rl_export_info *info);
    /* Optional: what `rltool inspect` shows of a loaded agent (ck: its
     * checkpoint) below the common header lines, written to the caller's
     * stream f; all: every parameter, else about the first 40. NULL: the
     * acting network parameter by parameter (rl_agent_inspect_net). */
    int (*inspect)(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all);
    rl_agent_net net;
    int mpi;                 /* 1: train() runs data-parallel over MPI ranks (agents/comm.h) */
    /* 1: takes envs with a privileged slice (rl_env_privileged_dim): its
     * critics read the whole observation, its policy only the first
     * obs_dim - priv_dim values (rl_agent_policy_obs). */
    int privileged_ok;
    const rl_recipe *recipes;/* task-family defaults, specific prefixes first */
    int n_recipes;
} rl_agent_vt;

struct rl_agent {
    const rl_agent_vt *vt;
    void *cfg;                 /* hyperparameters (vt->cfg_size) */
    void *impl;                /* the algorithm's state */
    char env_id[RL_OPT_STR_MAX + 8]; /* fits "mjcf:" + the longest path option */
    char env_opts[1024];
    char policy[32];           /* architecture name */
    char policy_opts[512];     /* its options, canonical */
    char hparams[2048];        /* resolved hyperparameters, canonical */
    rl_space obs_space, act_space;  /* copies; low/high below */
    float *obs_low, *obs_high, *act_low, *act_high;
    int obs_dim, act_dim;
    int priv_dim;              /* trailing observation values only critics read */
    uint64_t seed;
    int64_t steps_done;        /* env steps trained so far */
    int64_t episodes_done;
    rl_rng rng;                /* stochastic acting outside training */
    int *row_t;                /* (n_rows) episode step per acting row */
    int n_rows;
    /* Compute accounting, shared by every agent (rl_evaluate reads it). */
    int64_t decisions;         /* actions freshly computed */
    double macs;               /* network multiply-accumulates spent acting */
};

const rl_agent_vt *rl_agent_find(const char *name);
/* The same, or NULL with an "unknown agent 'x' (known: ...)" message. */
const rl_agent_vt *rl_agent_find_or_error(const char *name);
/* Whether HPARAMS ("k=v,...") are known to AGENT with POLICY (NULL: its
 * default policy) and the agent's values in range; RL_OK or the error
 * training would give. A task file's recipe line is checked with this. */
int rl_agent_check_hparams(const char *agent, const char *policy, const char *hparams);
int rl_agent_count(void);
const rl_agent_vt *rl_agent_at(int i);
/* Add an agent kind beside the built-in ones (agents/agents.h lists those):
 * an agent defined outside the library, e.g. in a test program. The vt must
 * outlive every use. RL_EINVAL for a taken name, RL_ENOMEM when the table
 * is full. */
int rl_agent_register(const rl_agent_vt *vt);
/* An MLP policy's shape from the agent's hidden= and activation= options
 * (RL_EINVAL if it has none). */
int rl_agent_mlp_shape(const rl_agent *ag, rl_intlist *hidden, rl_act *act);
/* Outputs of the acting network (vt->net): Box act_dim * outs_per_action,
 * discrete act_dim * choices. */
int rl_agent_net_outputs(const rl_agent *ag);
/* The acting network of a loaded agent rebuilt as a policy of its
 * architecture holding the checkpoint's weights (vt->net.tensor of ck), to
 * name parameters. NULL with a message if the agent has no such tensor or
 * the shapes disagree. */
rl_policy *rl_agent_net_policy(const rl_agent *ag, const rl_ckpt *ck, const rl_env *probe);
/* The policy's part of n observation rows: obs itself when the agent has
 * no privileged slice, else the first obs_dim - priv_dim values of each
 * row packed into buf (n, obs_dim - priv_dim); buf may be obs (packed in
 * place) and needs room for n * (obs_dim - priv_dim) floats. */
const float *rl_agent_policy_obs(const rl_agent *ag, const float *obs, float *buf, int n);
/* Inputs of the policy: obs_dim - priv_dim. */
static inline int rl_agent_policy_dim(const rl_agent *ag) { return ag->obs_dim - ag->priv_dim; }
/* Parameters of the tensors that act (vt->net.acting) in a checkpoint;
 * -1 if its agent is unknown or it holds none of them. */
int64_t rl_agent_acting_params(const rl_ckpt *ck);
/* `rltool inspect` for a loaded agent: vt->inspect, or the default, which
 * lists the acting network's parameters by name (rl_agent_net_policy); a
 * network that cannot be rebuilt is said in a line, not an error. */
int rl_agent_inspect(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all);
int rl_agent_inspect_net(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all);
/* One line per dense layer of m under `name`: shape, activation, and the
 * RMS of its weights and biases (inspect hooks of multi-network agents). */
void rl_mlp_describe(FILE *f, const char *name, rl_mlp *m);
/* The same for a policy: an MLP layer by layer, another architecture by
 * its name and parameter count. */
void rl_policy_describe(FILE *f, const char *name, rl_policy *p);

/* Create an agent for an env: hparams are resolved as the agent's defaults,
 * then the recipe for this task family, then `hparams` (user overrides).
 * Keys belonging to the policy architecture go to it. */
rl_agent *rl_agent_create(const char *agent, const char *policy, const char *env_id,
                          const char *env_opts, const char *hparams, uint64_t seed);
int rl_agent_save(const rl_agent *ag, const char *path, int training_state);
/* Load from an opened checkpoint (training_state: also optimizer etc.). */
rl_agent *rl_agent_from_ckpt(const rl_ckpt *ck, const char *path, int training_state);
/* "run dir or file" -> the checkpoint file path. */
int rl_agent_resolve_path(const char *path, char *out, size_t cap);

/* ------------------------------------------------------------------ recipes
 * Embedded defaults per task family, from each agent's recipe table. */

/* The recipe for (agent, task); NULL agent = the recommended one. */
const rl_recipe *rl_recipe_find(const char *agent, const char *env_id);
/* The same for a known policy architecture (its own row first). */
const rl_recipe *rl_recipe_find_for(const char *agent, const char *policy, const char *env_id);
/* The agent `rltool train ENV` picks: the recommended recipe row with the
 * longest matching prefix, else the first registered agent. */
const char *rl_recommended_agent(const char *env_id);
const char *rl_default_env_id(void);

/* ------------------------------------------------------------------ trainer */

/* A name for files and directories of an env id: the id itself, or for a
 * path id (task file, mjcf:PATH) its file name without extension; only
 * [A-Za-z0-9._-] survive, so there is no colon or slash. */
void rl_env_short_name(char *out, size_t cap, const char *env_id);
/* The default run directory runs/<short env name>-<agent>-s<seed>. */
void rl_run_dir_default(char *out, size_t cap, const char *env_id, const char *agent,
                        uint64_t seed);

typedef struct rl_metric {
    const char *name;
    double value;
} rl_metric;

/* Vector env built from the run's env id/options with `n_envs` envs and
 * same-step autoreset (final observations in rl_vec_final_obs). */
rl_vec *rl_trainer_vec(rl_trainer *tr);
int64_t rl_trainer_total_steps(const rl_trainer *tr);
int rl_trainer_threads(const rl_trainer *tr);
/* Record the episodes that ended in this batch step (infos[i].done). */
void rl_trainer_episodes(rl_trainer *tr, const rl_info *infos, int n);
/* Call after each iteration with the env steps just taken (already added to
 * ag->steps_done by the caller) and the algorithm's metrics (losses, ...).
 * Draws progress, appends metrics.csv rows, writes periodic and best
 * checkpoints. Returns nonzero when training must stop: budget reached,
 * Ctrl-C, progress callback, or a non-finite metric / parameter (then
 * rl_trainer_status says RL_ENUMERIC). */
int rl_trainer_tick(rl_trainer *tr, const rl_metric *metrics, int n_metrics);
int rl_trainer_status(const rl_trainer *tr);
/* Mean of recent finished episodes' returns (NaN if none yet). */
double rl_trainer_recent_return(const rl_trainer *tr);

#endif
