/* threadpool.h (internal): a fixed pool of worker threads that run the parts of one job and
 * wait for all of them (fork-join). The caller is thread 0 and runs parts too. */
#ifndef RL_CORE_THREADPOOL_H
#define RL_CORE_THREADPOOL_H

typedef struct rl_pool rl_pool;
typedef void (*rl_pool_fn)(void *ctx, int part, int n_parts);

/* Most parts one job may have (rl_pool_run_parts). */
#define RL_POOL_MAX_PARTS 65535

/* n_threads >= 1; n_threads - 1 workers are started. NULL on failure. */
rl_pool *rl_pool_make(int n_threads);
void rl_pool_free(rl_pool *pool);
int rl_pool_size(const rl_pool *pool);
/* Run fn(ctx, p, n) for p in [0, n), n = the pool size; returns when all are done. */
void rl_pool_run(rl_pool *pool, rl_pool_fn fn, void *ctx);
/* The same with n_parts parts in [1, RL_POOL_MAX_PARTS]: more parts than
 * threads let a thread that starts late take fewer of them. The caller
 * takes parts from the front, workers from the back, so with 2 threads each
 * thread mostly gets the same parts from one job to the next (warm caches). */
void rl_pool_run_parts(rl_pool *pool, rl_pool_fn fn, void *ctx, int n_parts);
/* The pool's own counters: jobs run (rl_pool_run calls) and the most
 * threads ever inside a job function at once (at most rl_pool_size). */
void rl_pool_stats(const rl_pool *pool, long *jobs, int *max_busy);

#endif
