/* Fork-join pool. Workers sleep on a condition variable between jobs and
 * spin briefly first, because env steps are short and a futex wake costs
 * about as much as a cartpole step. */
#include "core/threadpool.h"
#include "rltool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SPIN_ITERS 20000

struct rl_pool {
    int n;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    rl_pool_fn fn;
    void *ctx;
    atomic_ulong generation;
    atomic_int pending;
    int stop;
};

typedef struct { rl_pool *pool; int index; } worker_arg;

static void *worker_main(void *p)
{
    worker_arg *arg = p;
    rl_pool *pool = arg->pool;
    int index = arg->index;
    free(arg);
    unsigned long seen = 0;
    for (;;) {
        int spins = 0;
        while (atomic_load_explicit(&pool->generation, memory_order_acquire) == seen &&
               spins < SPIN_ITERS)
            spins++;
        pthread_mutex_lock(&pool->lock);
        while (atomic_load(&pool->generation) == seen && !pool->stop)
            pthread_cond_wait(&pool->wake, &pool->lock);
        if (pool->stop) {
            pthread_mutex_unlock(&pool->lock);
            return NULL;
        }
        seen = atomic_load(&pool->generation);
        rl_pool_fn fn = pool->fn;
        void *ctx = pool->ctx;
        pthread_mutex_unlock(&pool->lock);

        fn(ctx, index, pool->n);

        if (atomic_fetch_sub(&pool->pending, 1) == 1) {
            pthread_mutex_lock(&pool->lock);
            pthread_cond_signal(&pool->done);
            pthread_mutex_unlock(&pool->lock);
        }
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
    pool->n = n_threads;
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
        if (!arg) {
            pool->n = i;
            rl_pool_free(pool);
            rl_error(RL_ENOMEM, "out of memory creating a thread pool");
            return NULL;
        }
        arg->pool = pool;
        arg->index = i;
        if (pthread_create(&pool->threads[i], NULL, worker_main, arg)) {
            free(arg);
            pool->n = i;
            rl_pool_free(pool);
            rl_error(RL_ENOMEM, "could not start thread %d of %d", i, n_threads);
            return NULL;
        }
    }
    return pool;
}

void rl_pool_free(rl_pool *pool)
{
    if (!pool) return;
    pthread_mutex_lock(&pool->lock);
    pool->stop = 1;
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

void rl_pool_run(rl_pool *pool, rl_pool_fn fn, void *ctx)
{
    if (!pool || pool->n == 1) {
        fn(ctx, 0, 1);
        return;
    }
    pthread_mutex_lock(&pool->lock);
    pool->fn = fn;
    pool->ctx = ctx;
    atomic_store(&pool->pending, pool->n - 1);
    atomic_fetch_add_explicit(&pool->generation, 1, memory_order_release);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->lock);

    fn(ctx, 0, pool->n);

    for (int spins = 0; atomic_load(&pool->pending) > 0 && spins < SPIN_ITERS; spins++) {
    }
    pthread_mutex_lock(&pool->lock);
    while (atomic_load(&pool->pending) > 0) pthread_cond_wait(&pool->done, &pool->lock);
    pthread_mutex_unlock(&pool->lock);
}
