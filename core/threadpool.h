/* threadpool.h (internal): a fixed pool of worker threads that run one function on every thread and
 * wait for all of them (fork-join). The caller is thread 0. */
#ifndef RL_CORE_THREADPOOL_H
#define RL_CORE_THREADPOOL_H

typedef struct rl_pool rl_pool;
typedef void (*rl_pool_fn)(void *ctx, int thread, int n_threads);

/* n_threads >= 1; n_threads - 1 workers are started. NULL on failure. */
rl_pool *rl_pool_make(int n_threads);
void rl_pool_free(rl_pool *pool);
int rl_pool_size(const rl_pool *pool);
/* Run fn(ctx, t, n) for t in [0, n) concurrently; returns when all are done. */
void rl_pool_run(rl_pool *pool, rl_pool_fn fn, void *ctx);
/* The pool's own counters: jobs run (rl_pool_run calls) and the most
 * threads ever inside a job function at once (at most rl_pool_size). */
void rl_pool_stats(const rl_pool *pool, long *jobs, int *max_busy);

#endif
