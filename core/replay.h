/* replay.h (internal): ring replay buffer for off-policy agents, struct-of-arrays. */
#ifndef RL_CORE_REPLAY_H
#define RL_CORE_REPLAY_H

#include "rltool.h"

typedef struct rl_replay {
    int capacity, obs_dim, act_dim;
    int size;                /* valid transitions, <= capacity */
    int pos;                 /* next slot to write */
    int64_t total;           /* transitions ever added */
    float *obs;              /* (capacity, obs_dim) */
    float *act;              /* (capacity, act_dim); discrete indices as floats */
    float *reward;           /* (capacity) */
    float *next_obs;         /* (capacity, obs_dim) */
    unsigned char *terminated; /* (capacity) 1 = true terminal: no bootstrap.
                                  Truncated steps are stored with 0. */
} rl_replay;

rl_replay *rl_replay_make(int capacity, int obs_dim, int act_dim);
void rl_replay_free(rl_replay *rb);
void rl_replay_clear(rl_replay *rb);
/* Add one transition; the oldest is overwritten when full. */
void rl_replay_add(rl_replay *rb, const float *obs, const float *act, float reward,
                   const float *next_obs, int terminated);
/* Add n transitions from batch arrays: obs (n, obs_dim), act (n, act_dim),
 * reward (n), next_obs (n, obs_dim), terminated (n). */
void rl_replay_add_batch(rl_replay *rb, int n, const float *obs, const float *act,
                         const float *reward, const float *next_obs,
                         const unsigned char *terminated);
/* Sample `batch` transitions uniformly with replacement into caller buffers
 * of the same shapes as add_batch. RL_ESTATE when the buffer is empty. */
int rl_replay_sample(const rl_replay *rb, rl_rng *rng, int batch, float *obs, float *act,
                     float *reward, float *next_obs, unsigned char *terminated);
/* Store the valid part as tensors "<prefix>.obs" ... and "<prefix>.state"
 * (I64: capacity, obs_dim, act_dim, size, pos, total). Load needs a buffer of
 * the same capacity and dims. */
int rl_replay_save(const rl_replay *rb, rl_ckpt *ck, const char *prefix);
int rl_replay_load(rl_replay *rb, const rl_ckpt *ck, const char *prefix);

#endif
