/* offpolicy.h (internal): pieces shared by the off-policy agents (SAC, TD3, TLA, DQN):
 * twin Q critics on concatenated (obs, act) input with Polyak targets, a
 * replay sampler that gathers straight into critic-ready batches, and
 * storing a vector-env step into the replay buffer with the true final
 * observation of episodes that just ended. Internal to agents/. */
#ifndef RL_AGENTS_OFFPOLICY_H
#define RL_AGENTS_OFFPOLICY_H

#include "agents/agent.h"
#include "core/normalize.h"
#include "core/optim.h"
#include "core/replay.h"

/* ---- twin critics Q1, Q2 (and their targets) on input (obs_dim + act_dim) */
typedef struct rl_twinq {
    int obs_dim, act_dim, in;
    rl_mlp *q[2], *qt[2];
    rl_adam *opt[2];
    float *dq;             /* (2, cap) workspace: dL/dq of each critic */
    float *dx[2];          /* (cap, in) input gradients (actor updates) */
    int *sel[2];           /* (cap) rows where critic k is the min (actor updates) */
    int cap;
    rl_pool *pool;         /* borrowed (rl_twinq_set_pool); NULL: one thread */
    int comm_avg;          /* 1: average gradients over MPI ranks before each step */
    double max_grad_norm;  /* > 0: clip each critic's gradient to this global L2 norm */
} rl_twinq;

/* PyTorch-default (uniform) init, targets copied. Returns RL_OK or a code. */
int rl_twinq_init(rl_twinq *t, int obs_dim, int act_dim, const rl_intlist *hidden, rl_act act,
                  float lr, int cap, rl_rng *rng);
void rl_twinq_free(rl_twinq *t);
/* Decoupled weight decay (AdamW) of both critics' optimisers, and the
 * gradient norm clip of rl_twinq_fit (0: none). */
void rl_twinq_set_regularizers(rl_twinq *t, float weight_decay, double max_grad_norm);
/* Critics and targets run on pool (borrowed; NULL: one thread). */
void rl_twinq_set_pool(rl_twinq *t, rl_pool *pool);
/* out (B) = min over the two target critics at x (B, in). */
int rl_twinq_target_min(rl_twinq *t, const float *x, int B, float *out);
/* One Adam step of both critics regressing y (B) at x (B, in) with MSE;
 * *loss gets the mean squared error summed over the two critics. */
int rl_twinq_fit(rl_twinq *t, const float *x, const float *y, int B, double *loss);
/* rl_twinq_fit, then rl_twinq_polyak(t, tau) fused into the same pass over
 * each critic's parameters (same bits as the two calls). */
int rl_twinq_fit_polyak(rl_twinq *t, const float *x, const float *y, int B, float tau,
                        double *loss);
/* Gradient of sum_i w_i * Qsel(x_i) w.r.t. the action part of x, into
 * da (B, act_dim) (overwritten), where Qsel is min(Q1, Q2) per row
 * (use_min) or Q1. qval (B) gets Qsel. Critic parameters are untouched. */
int rl_twinq_action_grad(rl_twinq *t, const float *x, int B, int use_min, float w, float *qval,
                         float *da);
void rl_twinq_polyak(rl_twinq *t, float tau);
int rl_twinq_finite(const rl_twinq *t);
/* "<prefix>1", "<prefix>2"; training_state adds targets and Adam moments. */
int rl_twinq_save(const rl_twinq *t, rl_ckpt *ck, const char *prefix, int training_state);
int rl_twinq_load(rl_twinq *t, const rl_ckpt *ck, const char *prefix, int training_state);

/* ---- sampled batches */
typedef struct rl_offp_batch {
    int cap, obs_dim, act_dim;
    float *obs, *next;     /* (cap, obs_dim) each, one block: next = obs + cap * obs_dim */
    /* The actor's inputs: obs / next themselves, or with a privileged
     * slice (rl_offp_batch_split) their first pol_dim values per row. */
    int pol_dim;
    float *pobs, *pnext;   /* (cap, pol_dim) each, one block as obs, next */
    float *act;            /* (cap, act_dim) */
    float *x;              /* (cap, obs_dim + act_dim): obs | act (critic input) */
    float *x2;             /* (cap, obs_dim + act_dim): next | (caller's next action) */
    float *xa;             /* (cap, obs_dim + act_dim): obs | (caller's policy action) */
    float *reward, *y;     /* (cap) */
    int *t, *t2;           /* (cap) episode step of obs and next rows (NCAP) */
    unsigned char *term;   /* (cap) */
} rl_offp_batch;

int rl_offp_batch_init(rl_offp_batch *b, int cap, int obs_dim, int act_dim);
/* Give the actor only the first pol_dim (< obs_dim) values of each row:
 * pobs / pnext become their own buffers, filled on every sample. */
int rl_offp_batch_split(rl_offp_batch *b, int pol_dim);
void rl_offp_batch_free(rl_offp_batch *b);
/* Draw B transitions; observations go through nz (when not NULL). Fills obs,
 * next, act, reward, term and the obs parts of x, x2, xa (act part of x).
 * idx (B) receives the replay slots drawn when not NULL (to gather side
 * arrays such as episode steps). */
int rl_offp_sample(const rl_replay *rb, rl_rng *rng, int B, const rl_normalizer *nz,
                   rl_offp_batch *b);
int rl_offp_sample_idx(const rl_replay *rb, rl_rng *rng, int B, const rl_normalizer *nz,
                       rl_offp_batch *b, int *idx);
/* After editing raw obs/next rows of a batch drawn with nz = NULL (goal
 * relabelling): normalise them through nz (when not NULL) and rebuild the
 * obs parts of x, x2, xa, the act part of x and pobs / pnext. */
void rl_offp_batch_refresh(rl_offp_batch *b, int B, const rl_normalizer *nz);
/* 1 if the first B rows of pobs and of pnext are one (2B, pol_dim) block
 * [pobs; pnext] starting at pobs (a full batch: B == cap). */
int rl_offp_batch_stacked(const rl_offp_batch *b, int B);
/* Write act (B, act_dim) into the action columns of x (B, obs_dim + act_dim). */
void rl_offp_put_act(float *x, const float *act, int B, int obs_dim, int act_dim);

/* ---- storing a vector-env step
 * prev (N, obs_dim): observations the actions were chosen on; the vec env
 * has stepped. Adds N transitions with next = final observation for envs
 * whose episode ended (same-step autoreset), terminated only (truncation
 * bootstraps). next_ws, term_ws: (N, obs_dim), (N) workspace. Also records
 * the episodes that ended with the trainer. */
void rl_offp_store(rl_replay *rb, rl_vec *vec, rl_trainer *tr, const float *prev,
                   const float *act, float *next_ws, unsigned char *term_ws);

/* ---- per-step workspace of an acting loop: (n, obs_dim) buffers */
typedef struct rl_offp_ws {
    float *prev, *in, *next;
    unsigned char *term;
    int n;
} rl_offp_ws;
/* Grow to at least n rows (no-op when large enough). */
int rl_offp_ws_reserve(rl_offp_ws *w, int n, int obs_dim);
void rl_offp_ws_free(rl_offp_ws *w);


/* ---- replay in checkpoints: restore "replay" into *rb (made with this
 * capacity and dims if NULL) when the checkpoint holds one; RL_OK when it
 * holds none (the buffer refills from warmup). */
int rl_offp_replay_load(rl_replay **rb, const rl_ckpt *ck, int capacity, int obs_dim,
                        int act_dim);

/* ---- misc */
int rl_offp_all_finite(const float *x, int n);
void rl_offp_uniform_actions(rl_rng *rng, float *a, int n);
/* Check batch/buffer/warmup relations with a clear message. */
int rl_offp_check(const char *agent, int batch, int buffer);

#endif
