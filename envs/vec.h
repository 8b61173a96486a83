/* vec.h: the vector env's thread pool, for the agents that run their
 * network updates on the same threads as env stepping (one pool per
 * process, so `--threads` counts everything and nothing oversubscribes).
 * Internal to the library. */
#ifndef RL_ENVS_VEC_H
#define RL_ENVS_VEC_H

#include "rltool.h"
#include "core/threadpool.h"

/* Borrowed; lives as long as the vector env. */
rl_pool *rl_vec_pool(rl_vec *vec);
/* Tests: on = every batch step goes through the pool, however short. */
void rl_vec_always_parallel(rl_vec *vec, int on);

#endif
