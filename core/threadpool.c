/* Fork-join pool. Env steps are short (tens of microseconds for a batch
 * slice), so a futex wake per job would eat much of the gain: workers spin
 * on the job counter for up to SPIN_NS after their last job before they
 * sleep on a condition variable, and the caller spins the same way while it
 * waits for the others. Spinning yields the core now and then: on a machine
 * with more runnable threads than cores, a pure spin would hold the core
 * the awaited thread needs. fn and ctx are published before the release
 * increment of `generation`, so the fast path takes no lock.
 *
 * A job is n parts, and whichever thread is running claims the next part
 * (the caller included): on a machine with more runnable threads than
 * cores a worker may not get a time slice for milliseconds, and then the
 * caller does its parts instead of waiting for it to wake. Part t always
 * does the same work (fn gets t, not a thread id), so results do not depend
 * on which thread ran it. `claim` holds (job number << 32 | next part), so
 * a thread that read an older job's fn cannot claim a part of a newer one. */
#include "core/threadpool.h"
#include "rltool.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#define SPIN_NS 200000L /* 0.2 ms */

struct rl_pool {
    int n;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    _Atomic(rl_pool_fn) fn;
    _Atomic(void *) ctx;
    atomic_ulong generation;
    atomic_ullong claim;   /* job << 32 | next part to run */
    atomic_int pending;    /* parts of the current job not yet finished */
    atomic_int stop;
    atomic_int busy, max_busy; /* threads inside fn now / at most */
    atomic_long jobs;
};

/* fn with the busy counters kept: a test reads max_busy to check that the
 * pool never runs more threads than it was made with. */
static void run_counted(rl_pool *pool, rl_pool_fn fn, void *ctx, int part)
{
    int now = atomic_fetch_add_explicit(&pool->busy, 1, memory_order_relaxed) + 1;
    int seen = atomic_load_explicit(&pool->max_busy, memory_order_relaxed);
    while (now > seen && !atomic_compare_exchange_weak(&pool->max_busy, &seen, now)) {
    }
    fn(ctx, part, pool->n);
    atomic_fetch_sub_explicit(&pool->busy, 1, memory_order_relaxed);
}

/* Claim and run parts of the current job until none is left; the thread
 * that finishes the last part wakes the caller if it sleeps. */
static void run_parts(rl_pool *pool)
{
    for (;;) {
        unsigned long long s = atomic_load_explicit(&pool->claim, memory_order_acquire);
        if ((s & 0xffffffffu) >= (unsigned long long)pool->n) return;
        rl_pool_fn fn = atomic_load_explicit(&pool->fn, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&pool->ctx, memory_order_relaxed);
        if (!atomic_compare_exchange_weak_explicit(&pool->claim, &s, s + 1, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        run_counted(pool, fn, ctx, (int)(s & 0xffffffffu));
        if (atomic_fetch_sub_explicit(&pool->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
    }
}

typedef struct { rl_pool *pool; int index; } worker_arg;

static long elapsed_ns(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000000000L + (t.tv_nsec - t0->tv_nsec);
}

/* Spin until *x != old (for generation) or the budget is spent. */
static int spin_until_changed(const atomic_ulong *x, unsigned long old, const atomic_int *stop)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 1;; i++) {
        if (atomic_load_explicit(x, memory_order_acquire) != old || atomic_load(stop)) return 1;
        if ((i & 63) == 0) {
            if (elapsed_ns(&t0) > SPIN_NS) return 0;
            sched_yield();
        }
    }
}

static void *worker_main(void *p)
{
    worker_arg *arg = p;
    rl_pool *pool = arg->pool;
    free(arg);
    unsigned long seen = 0;
    for (;;) {
        if (!spin_until_changed(&pool->generation, seen, &pool->stop)) {
            pthread_mutex_lock(&pool->lock);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->lock);
            pthread_mutex_unlock(&pool->lock);
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        run_parts(pool);
    }
}

rl_pool *rl_pool_make(int n_threads)
{
    if (n_threads < 1) n_threads = 1;
    rl_pool *pool = calloc(1, sizeof *pool);
    if (!pool) {
        rl_error(RL_ENOMEM, "out of memory creating a thread pool");
        return NULL;
    }
    pool->n = 1;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->wake, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->threads = calloc((size_t)n_threads, sizeof(pthread_t));
    if (!pool->threads) {
        rl_pool_free(pool);
        rl_error(RL_ENOMEM, "out of memory creating a thread pool");
        return NULL;
    }
    for (int i = 1; i < n_threads; i++) {
        worker_arg *arg = malloc(sizeof *arg);
        if (!arg || (arg->pool = pool, arg->index = i,
                     pthread_create(&pool->threads[i], NULL, worker_main, arg))) {
            free(arg);
            rl_pool_free(pool);
            rl_error(RL_ENOMEM, "could not start thread %d of %d", i, n_threads);
            return NULL;
        }
        pool->n = i + 1; /* workers started so far; pool->n is final once all are up */
    }
    pool->n = n_threads;
    return pool;
}

void rl_pool_free(rl_pool *pool)
{
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->stop, 1);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);
    for (int i = 1; i < pool->n; i++) pthread_join(pool->threads[i], NULL);
    pthread_mutex_destroy(&pool->lock);
    pthread_cond_destroy(&pool->wake);
    pthread_cond_destroy(&pool->done);
    free(pool->threads);
    free(pool);
}

int rl_pool_size(const rl_pool *pool) { return pool ? pool->n : 1; }

void rl_pool_stats(const rl_pool *pool, long *jobs, int *max_busy)
{
    if (jobs) *jobs = pool ? atomic_load(&pool->jobs) : 0;
    if (max_busy) *max_busy = pool ? atomic_load(&pool->max_busy) : 0;
}

void rl_pool_run(rl_pool *pool, rl_pool_fn fn, void *ctx)
{
    if (!pool || pool->n == 1) {
        if (pool) {
            atomic_fetch_add_explicit(&pool->jobs, 1, memory_order_relaxed);
            atomic_store_explicit(&pool->max_busy, 1, memory_order_relaxed);
        }
        fn(ctx, 0, 1);
        return;
    }
    atomic_store_explicit(&pool->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&pool->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&pool->pending, pool->n, memory_order_relaxed);
    unsigned long long job = atomic_load_explicit(&pool->claim, memory_order_relaxed) >> 32;
    atomic_store_explicit(&pool->claim, (job + 1) << 32, memory_order_release);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    /* Wake sleepers; under the lock so a worker between its check and its
     * wait cannot miss it. Cheap when nobody sleeps. */
    pthread_mutex_lock(&pool->lock);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    atomic_fetch_add_explicit(&pool->jobs, 1, memory_order_relaxed);
    run_parts(pool);

    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 1; atomic_load_explicit(&pool->pending, memory_order_acquire) > 0; i++)
        if ((i & 63) == 0) {
            if (elapsed_ns(&t0) > SPIN_NS) break;
            sched_yield();
        }
    pthread_mutex_lock(&pool->lock);
    while (atomic_load(&pool->pending) > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
