/* threadpool.h (internal): a fixed pool of worker threads that run the parts of one job and
 * wait for all of them (fork-join). The caller is thread 0 and runs parts too. */
#ifndef RL_CORE_THREADPOOL_H
#define RL_CORE_THREADPOOL_H

#include <stdatomic.h>

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
/* A job in phases: phase p has counts[p] chunks (n_phases in [1,
 * RL_POOL_MAX_PHASES], counts[p] >= 0), and fn(ctx, p, chunk) runs once for
 * every chunk; every chunk of phase p finishes before any chunk of phase
 * p + 1 starts. Chunks are claimed in order by whichever thread is free
 * (the caller included), so a thread that waits for a phase only waits for
 * chunks that running threads have claimed, and with no worker awake the
 * caller runs them all: one hand-off for work that needs a barrier inside.
 * Chunk k of phase p must do the same work whichever thread runs it. */
#define RL_POOL_MAX_PHASES 4
typedef void (*rl_pool_phase_fn)(void *ctx, int phase, int chunk);
void rl_pool_run_phases(rl_pool *pool, rl_pool_phase_fn fn, void *ctx, int n_phases,
                        const int *counts);

/* fn(ctx, 0) and fn(ctx, 1), each returning RL_OK or an error code, as
 * one job of two parts (one after the other on the calling thread when the
 * pool has fewer than 2 threads). Returns part 0's error, else part 1's,
 * with its message as rl_last_error (a part's message is its thread's). */
typedef int (*rl_pool_part_fn)(void *ctx, int part);
int rl_pool_run_two(rl_pool *pool, rl_pool_part_fn fn, void *ctx);

/* For a part that needs another part of the same job to get somewhere:
 * wait until *flag != 0 (spinning, then yielding the core) and return it.
 * Safe only when the pool has a thread for every part of the job (a part
 * waited for must not need the waiting thread to run it). */
int rl_pool_await(atomic_int *flag);

/* Serial or pool for one kind of job, whichever is measured faster. The
 * caller times each run (running averages of ns: serial, pool); the current
 * way runs every time and the other way every RL_POOL_PROBE_EVERY-th run
 * (every 4th such run when it was measured 1.5x slower; the pool then for
 * RL_POOL_PROBE_RUNS runs in a row, the first, which wakes the workers,
 * not counted),
 * so when other work keeps the cores busy (a hand-off then costs more than
 * the second thread saves) the job stays on the calling thread until a
 * probe finds the pool faster again. Runs whose serial time is below
 * min_ns never try the pool. Results must not depend on the choice.
 * RLTOOL_POOL=always / never in the environment (read when a pool is made)
 * overrides the measurement, for tests and benchmarks. Zero-initialise,
 * then set min_ns. */
#define RL_POOL_PROBE_EVERY 64
#define RL_POOL_PROBE_RUNS 4
typedef struct rl_pool_choice {
    double min_ns;   /* serial runs shorter than this stay serial */
    double ns[2];    /* running average ns per run: serial, pool */
    unsigned long runs;
    int threaded;    /* the pool is currently the faster way */
    int pooled;      /* the way of the run in progress */
    int probe_run;   /* its place in a pool probe (1 = the wake-up run), else 0 */
    double t0;
} rl_pool_choice;
/* 1 if this run should use the pool (never for a NULL or 1-thread pool);
 * starts the clock. */
int rl_pool_choice_begin(const rl_pool *pool, rl_pool_choice *c);
/* Stops the clock and folds the time into the average of the way taken. */
void rl_pool_choice_end(rl_pool_choice *c);
/* Forced for this pool: 1 always pool, -1 never, 0 measured (RLTOOL_POOL
 * when the pool was made; tests may change it). */
void rl_pool_force(rl_pool *pool, int force);

/* The pool's own counters: jobs run (rl_pool_run calls) and the most
 * threads ever inside a job function at once (at most rl_pool_size). */
void rl_pool_stats(const rl_pool *pool, long *jobs, int *max_busy);

#endif
