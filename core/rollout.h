/* rollout.h (internal): on-policy rollout storage (T steps x N envs) with GAE(lambda).
 *
 * Row t holds what happened at step t in every env: the observation acted on,
 * the action, its log-prob, the value estimate V(obs), the reward received
 * and done = the episode ended AT this step (terminated or truncated).
 *
 * Truncation contract: when step t was cut by a time limit (not an MDP
 * terminal), the AGENT adds gamma * V(final_obs) to reward[t] and stores
 * done = 1. GAE then stops the recursion at t like a termination, and the
 * bootstrap value of the truncated episode is already in the reward. With
 * same-step autoreset the next row starts the new episode, so nothing leaks
 * across episodes.
 */
#ifndef RL_CORE_ROLLOUT_H
#define RL_CORE_ROLLOUT_H

#include "rltool.h"

typedef struct rl_rollout {
    int T, N, obs_dim, act_dim;
    int t;           /* rows filled */
    float *obs;      /* (T, N, obs_dim) */
    float *act;      /* (T, N, act_dim) */
    float *logp;     /* (T, N) */
    float *value;    /* (T, N) */
    float *reward;   /* (T, N) */
    float *done;     /* (T, N) 1.0 = episode ended at this step */
    float *adv;      /* (T, N) from rl_rollout_gae */
    float *ret;      /* (T, N) adv + value: the value targets */
    int *idx;        /* (T * N) minibatch order from rl_rollout_shuffle */
} rl_rollout;

rl_rollout *rl_rollout_make(int T, int N, int obs_dim, int act_dim);
void rl_rollout_free(rl_rollout *ro);
void rl_rollout_clear(rl_rollout *ro);
/* Copy one step of N envs into row ro->t and advance. obs (N, obs_dim),
 * act (N, act_dim), logp, value, reward (N), done (N, bytes). RL_ESTATE when
 * full. */
int rl_rollout_add(rl_rollout *ro, const float *obs, const float *act, const float *logp,
                   const float *value, const float *reward, const unsigned char *done);
/* GAE(lambda) over the filled rows (newest first):
 *   delta_t = r_t + gamma * (1 - done_t) * V_{t+1} - V_t
 *   A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
 * where V_{t+1} of the last row is last_value (N) = V(obs after the last
 * step). Fills adv and ret = adv + value. Recursion in double. */
void rl_rollout_gae(rl_rollout *ro, const float *last_value, float gamma, float lambda);
/* In place: (x - mean) / (std + 1e-8), population std. */
void rl_normalize_adv(float *adv, int n);
/* Fill ro->idx with a uniform random permutation of [0, t * N). Minibatch k
 * of size mb is idx[k*mb .. (k+1)*mb). */
void rl_rollout_shuffle(rl_rollout *ro, rl_rng *rng);
/* Fisher-Yates: idx (n) becomes a permutation of [0, n). */
void rl_shuffle_indices(rl_rng *rng, int *idx, int n);

#endif
