/* td3.h (internal): the reusable core of TD3 (Fujimoto et al. 2018) for agents built
 * from TD3 layers (td3.c; TLA's slow and fast layers in tla.c).
 *
 * A td3_core is a deterministic actor (any rl_policy: an MLP with a tanh
 * output or NCAP, whose outputs are already in [-1, 1]), its target copy,
 * twin critics with targets, and a batch workspace. It knows nothing of
 * envs or replay buffers: callers fill core->b (rl_offp_sample or their own
 * macro transitions) and call rl_td3_core_update. */
#ifndef RL_AGENTS_TD3_H
#define RL_AGENTS_TD3_H

#include "agents/offpolicy.h"

typedef struct td3_params {
    rl_intlist hidden;
    int activation;          /* 0 relu, 1 tanh */
    int batch, policy_delay;
    double lr, critic_lr;    /* critic_lr 0: lr */
    double gamma, tau;       /* tau: share the targets keep (0.995) */
    double policy_noise, noise_clip, expl_noise;
    int priv_dim;            /* not an option: trailing observation values only the
                              * critics read (the actor gets obs_dim - priv_dim) */
} td3_params;

typedef struct td3_core {
    td3_params hp;
    int obs_dim, act_dim;
    rl_policy *actor, *actor_t;
    rl_adam *opt_actor;
    rl_twinq q;
    rl_offp_batch b;         /* (hp.batch) filled by the caller before update */
    float *a, *da, *qv;      /* (batch, act_dim), (batch, act_dim), (batch) */
    int64_t updates;
    int use_t;               /* caller fills b.t, b.t2 (default 0: NULL steps) */
    int comm_avg;            /* 1: gradients averaged over MPI ranks (q.comm_avg too) */
} td3_core;

typedef struct td3_stats {
    double q_loss, actor_loss;
} td3_stats;

/* policy / policy_opts: architecture name and options; the canonical options
 * are written back into policy_opts (cap bytes). */
int rl_td3_core_init(td3_core *t, const td3_params *hp, int obs_dim, int act_dim,
                  const char *policy, char *policy_opts, size_t cap, const rl_env *probe,
                  uint64_t seed);
void rl_td3_core_free(td3_core *t);
/* obs: the actor's inputs (n, obs_dim - hp.priv_dim).
 * actions (n, act_dim) = clip(pi(obs) + noise * N(0, 1), -1, 1); noise 0 (or
 * rng NULL) is the deterministic policy. t: episode steps (NULL for MLPs). */
int rl_td3_core_act(td3_core *t, const float *obs, const int *tsteps, int n, float *actions,
                 float noise, rl_rng *rng);
/* One update from t->b's first B rows: critics every call, actor and
 * targets every hp.policy_delay calls. discount (B): per-row discount
 * (macro steps) or NULL for hp.gamma. When t->use_t is set, b.t / b.t2
 * (episode steps of obs / next rows) go to the actor (NCAP's oscillator). */
int rl_td3_core_update(td3_core *t, int B, const float *discount, rl_rng *rng, td3_stats *st);
/* Tensors "<prefix>actor", "<prefix>q1", ...; training_state adds targets
 * and Adam moments. */
int rl_td3_core_save(const td3_core *t, rl_ckpt *ck, const char *prefix, int training_state);
int rl_td3_core_load(td3_core *t, const rl_ckpt *ck, const char *prefix, int training_state);
int rl_td3_core_finite(const td3_core *t);
double rl_td3_core_macs(const td3_core *t);

#endif
