/* Fork-join pool. Env steps are short (tens of microseconds for a batch
 * slice), so a futex wake per job would eat much of the gain: workers spin
 * on the job counter for up to SPIN_NS after their last job before they
 * sleep on a condition variable, and the caller spins the same way while it
 * waits for the others. The spin only executes pause instructions while
 * the pool has no more threads than the process has cores: a sched_yield
 * there hands the core to any runnable task (a nice-19 job included) until
 * the next scheduler tick, which is exactly the hand-off latency the spin
 * is for. With more threads than cores the awaited thread may need this
 * very core, so there the spin yields. Nobody takes the lock on the fast
 * path: a waker only locks when a sleeper has said so (`sleepers`,
 * `caller_sleeps`; sequentially consistent on both sides, so either the
 * sleeper sees the new state or the waker sees the sleeper).
 *
 * A job is n parts, and whichever thread is running claims the next one
 * (the caller included): on a machine with more runnable threads than
 * cores a worker may not get a time slice for milliseconds, and then the
 * caller does its parts instead of waiting for it to wake. Part p always
 * does the same work (fn gets p, not a thread id), so results do not depend
 * on which thread ran it. The caller claims from the front and workers from
 * the back (with 2 threads, each keeps mostly the same parts, and their
 * data stays in its core's cache). `claim` holds job number << 32 | front
 * << 16 | back, so a thread holding an older job's fn cannot claim a part of
 * a newer one (its compare-exchange fails). */
#define _GNU_SOURCE
#include "core/error.h"
#include "core/threadpool.h"
#include "rltool.h"

#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SPIN_NS 200000L /* 0.2 ms */

#if defined(__x86_64__) || defined(__i386__)
#define CPU_RELAX() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define CPU_RELAX() __asm__ __volatile__("yield")
#else
#define CPU_RELAX() ((void)0)
#endif

struct rl_pool {
    int n;
    int yield_in_spin;     /* more threads than cores: let the others run */
    int force;             /* rl_pool_force: 1 always pool, -1 never, 0 measured */
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_cond_t done;
    _Atomic(rl_pool_fn) fn;
    _Atomic(void *) ctx;
    atomic_int n_parts;
    atomic_int stop;
    atomic_int sleepers;      /* workers waiting on `wake` */
    atomic_int caller_sleeps; /* the caller waits on `done` */
    atomic_int busy, max_busy; /* threads inside fn now / at most */
    atomic_long jobs;
    /* Written on every job by several threads: each on its own cache line. */
    alignas(64) atomic_ulong generation;
    alignas(64) atomic_ullong claim;   /* job << 32 | front << 16 | back */
    alignas(64) atomic_int pending;    /* parts of the current job not yet finished */
};

/* fn with the busy counters kept: a test reads max_busy to check that the
 * pool never runs more threads than it was made with. */
static void run_counted(rl_pool *pool, rl_pool_fn fn, void *ctx, int part, int n_parts)
{
    int now = atomic_fetch_add_explicit(&pool->busy, 1, memory_order_relaxed) + 1;
    int seen = atomic_load_explicit(&pool->max_busy, memory_order_relaxed);
    while (now > seen && !atomic_compare_exchange_weak(&pool->max_busy, &seen, now)) {
    }
    fn(ctx, part, n_parts);
    atomic_fetch_sub_explicit(&pool->busy, 1, memory_order_relaxed);
}

/* Claim and run parts of the current job until none is left, from the
 * front (caller) or the back (workers); the thread that finishes the last
 * part wakes the caller if it sleeps. */
static void run_parts(rl_pool *pool, int front)
{
    for (;;) {
        unsigned long long s = atomic_load_explicit(&pool->claim, memory_order_acquire);
        unsigned lo = (unsigned)(s >> 16) & 0xffffu, hi = (unsigned)s & 0xffffu;
        if (lo >= hi) return;
        rl_pool_fn fn = atomic_load_explicit(&pool->fn, memory_order_relaxed);
        void *ctx = atomic_load_explicit(&pool->ctx, memory_order_relaxed);
        int n_parts = atomic_load_explicit(&pool->n_parts, memory_order_relaxed);
        unsigned long long next = front ? s + (1ull << 16) : s - 1;
        if (!atomic_compare_exchange_weak_explicit(&pool->claim, &s, next, memory_order_acq_rel,
                                                   memory_order_acquire))
            continue;
        run_counted(pool, fn, ctx, (int)(front ? lo : hi - 1), n_parts);
        if (atomic_fetch_sub(&pool->pending, 1) == 1 && atomic_load(&pool->caller_sleeps)) {
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

/* Spin while done(pool, arg) is false, for at most SPIN_NS; 1 if it came true. */
static int spin_until(rl_pool *pool, int (*done)(rl_pool *, unsigned long), unsigned long arg)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 1;; i++) {
        if (done(pool, arg)) return 1;
        if ((i & 63) == 0) {
            if (elapsed_ns(&t0) > SPIN_NS) return 0;
            if (pool->yield_in_spin) sched_yield();
        }
        CPU_RELAX();
    }
}

static int new_job_or_stop(rl_pool *pool, unsigned long seen)
{
    return atomic_load_explicit(&pool->generation, memory_order_acquire) != seen ||
           atomic_load_explicit(&pool->stop, memory_order_relaxed);
}

static int job_done(rl_pool *pool, unsigned long unused)
{
    (void)unused;
    return atomic_load_explicit(&pool->pending, memory_order_acquire) <= 0;
}

static void *worker_main(void *p)
{
    worker_arg *arg = p;
    rl_pool *pool = arg->pool;
    free(arg);
    unsigned long seen = 0;
    for (;;) {
        if (!spin_until(pool, new_job_or_stop, seen)) {
            pthread_mutex_lock(&pool->lock);
            atomic_fetch_add(&pool->sleepers, 1);
            while (atomic_load(&pool->generation) == seen && !atomic_load(&pool->stop))
                pthread_cond_wait(&pool->wake, &pool->lock);
            atomic_fetch_sub(&pool->sleepers, 1);
            pthread_mutex_unlock(&pool->lock);
        }
        if (atomic_load(&pool->stop)) return NULL;
        seen = atomic_load_explicit(&pool->generation, memory_order_acquire);
        run_parts(pool, 0);
    }
}

/* CPUs this process may run on (1 if unknown). */
static int usable_cpus(void)
{
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

rl_pool *rl_pool_make(int n_threads)
{
    if (n_threads < 1) n_threads = 1;
    rl_pool *pool = aligned_alloc(64, (sizeof *pool + 63) / 64 * 64);
    if (!pool) {
        rl_error(RL_ENOMEM, "out of memory creating a thread pool");
        return NULL;
    }
    memset(pool, 0, sizeof *pool);
    pool->n = 1;
    pool->yield_in_spin = n_threads > usable_cpus();
    const char *force = getenv("RLTOOL_POOL");
    pool->force = !force ? 0 : !strcmp(force, "always") ? 1 : !strcmp(force, "never") ? -1 : 0;
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

void rl_pool_run_parts(rl_pool *pool, rl_pool_fn fn, void *ctx, int n_parts)
{
    if (n_parts < 1) n_parts = 1;
    if (n_parts > RL_POOL_MAX_PARTS) n_parts = RL_POOL_MAX_PARTS;
    if (!pool || pool->n == 1 || n_parts == 1) {
        if (pool) {
            atomic_fetch_add_explicit(&pool->jobs, 1, memory_order_relaxed);
            if (!atomic_load_explicit(&pool->max_busy, memory_order_relaxed))
                atomic_store_explicit(&pool->max_busy, 1, memory_order_relaxed);
        }
        for (int p = 0; p < n_parts; p++) fn(ctx, p, n_parts);
        return;
    }
    atomic_store_explicit(&pool->fn, fn, memory_order_relaxed);
    atomic_store_explicit(&pool->ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&pool->n_parts, n_parts, memory_order_relaxed);
    atomic_store_explicit(&pool->pending, n_parts, memory_order_relaxed);
    unsigned long long job = atomic_load_explicit(&pool->claim, memory_order_relaxed) >> 32;
    atomic_store_explicit(&pool->claim, (job + 1) << 32 | (unsigned long long)n_parts,
                          memory_order_release);
    atomic_fetch_add(&pool->generation, 1);
    if (atomic_load(&pool->sleepers)) {
        /* Under the lock: a worker between its check and its wait holds it. */
        pthread_mutex_lock(&pool->lock);
        pthread_cond_broadcast(&pool->wake);
        pthread_mutex_unlock(&pool->lock);
    }
    atomic_fetch_add_explicit(&pool->jobs, 1, memory_order_relaxed);
    run_parts(pool, 1);
    if (spin_until(pool, job_done, 0)) return;
    pthread_mutex_lock(&pool->lock);
    atomic_store(&pool->caller_sleeps, 1);
    while (atomic_load(&pool->pending) > 0) pthread_cond_wait(&pool->done, &pool->lock);
    atomic_store(&pool->caller_sleeps, 0);
    pthread_mutex_unlock(&pool->lock);
}

typedef struct {
    rl_pool_part_fn fn;
    void *ctx;
    int rc[2];
    char msg[2][512];
} two_job;

static void two_part(void *p, int k, int n_parts)
{
    two_job *j = p;
    (void)n_parts;
    j->rc[k] = j->fn(j->ctx, k);
    if (j->rc[k]) snprintf(j->msg[k], sizeof j->msg[k], "%s", rl_last_error());
}

int rl_pool_run_two(rl_pool *pool, rl_pool_part_fn fn, void *ctx)
{
    if (rl_pool_size(pool) < 2) {
        int rc = fn(ctx, 0);
        return rc ? rc : fn(ctx, 1);
    }
    two_job j = {.fn = fn, .ctx = ctx};
    rl_pool_run_parts(pool, two_part, &j, 2);
    for (int k = 0; k < 2; k++)
        if (j.rc[k]) return rl_error(j.rc[k], "%s", j.msg[k]);
    return RL_OK;
}

void rl_pool_run(rl_pool *pool, rl_pool_fn fn, void *ctx)
{
    rl_pool_run_parts(pool, fn, ctx, rl_pool_size(pool));
}

/* ---------------------------------------------------------------- phases */

typedef struct {
    rl_pool_phase_fn fn;
    void *ctx;
    int n_phases, yield;
    int start[RL_POOL_MAX_PHASES + 1]; /* chunk numbers: phase p is [start[p], start[p+1]) */
    alignas(64) atomic_int next;       /* next chunk to claim */
    alignas(64) atomic_int done[RL_POOL_MAX_PHASES];
} phase_job;

/* Wait until every chunk of phases before p has finished. They were all
 * claimed before the chunk this thread holds, by threads that are running
 * them, so this ends without anyone else's help; a claimer that lost its
 * core is waited for with sched_yield after the spin. */
static void wait_phases_before(phase_job *j, int p)
{
    for (int q = 0; q < p; q++) {
        int want = j->start[q + 1] - j->start[q];
        struct timespec t0;
        int timed = 0;
        for (unsigned i = 1; atomic_load_explicit(&j->done[q], memory_order_acquire) < want; i++) {
            if ((i & 63) == 0) {
                if (!timed) clock_gettime(CLOCK_MONOTONIC, &t0), timed = 1;
                else if (j->yield || elapsed_ns(&t0) > SPIN_NS) sched_yield();
            }
            CPU_RELAX();
        }
    }
}

int rl_pool_await(atomic_int *flag)
{
    struct timespec t0;
    int timed = 0, v;
    for (unsigned i = 1; !(v = atomic_load_explicit(flag, memory_order_acquire)); i++) {
        if ((i & 63) == 0) {
            if (!timed) clock_gettime(CLOCK_MONOTONIC, &t0), timed = 1;
            else if (elapsed_ns(&t0) > SPIN_NS) sched_yield();
        }
        CPU_RELAX();
    }
    return v;
}

static void phases_part(void *ctx, int part, int n_parts)
{
    phase_job *j = ctx;
    (void)part;
    (void)n_parts;
    int total = j->start[j->n_phases], p = 0;
    for (;;) {
        int c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (c >= total) return;
        while (c >= j->start[p + 1]) p++;
        if (p > 0) wait_phases_before(j, p);
        j->fn(j->ctx, p, c - j->start[p]);
        atomic_fetch_add_explicit(&j->done[p], 1, memory_order_release);
    }
}

void rl_pool_run_phases(rl_pool *pool, rl_pool_phase_fn fn, void *ctx, int n_phases,
                        const int *counts)
{
    if (n_phases < 1) return;
    if (n_phases > RL_POOL_MAX_PHASES) n_phases = RL_POOL_MAX_PHASES;
    phase_job j = {.fn = fn, .ctx = ctx, .n_phases = n_phases,
                   .yield = pool ? pool->yield_in_spin : 0};
    for (int p = 0; p < n_phases; p++) {
        j.start[p + 1] = j.start[p] + (counts[p] > 0 ? counts[p] : 0);
        atomic_init(&j.done[p], 0);
    }
    atomic_init(&j.next, 0);
    if (j.start[n_phases] == 0) return;
    /* More parts than chunks would only find nothing left to claim. */
    int parts = rl_pool_size(pool);
    if (parts > j.start[n_phases]) parts = j.start[n_phases];
    rl_pool_run_parts(pool, phases_part, &j, parts);
}

/* ---------------------------------------------------------------- serial or pool */

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return 1e9 * (double)t.tv_sec + (double)t.tv_nsec;
}

void rl_pool_force(rl_pool *pool, int force)
{
    if (pool) pool->force = force > 0 ? 1 : force < 0 ? -1 : 0;
}

int rl_pool_choice_begin(const rl_pool *pool, rl_pool_choice *c)
{
    /* A way measured 1.5x slower is probed 4x less often: each probe of it
     * costs its slowness (and moves data between cores and back). */
    double cur = c->ns[c->threaded], other = c->ns[!c->threaded];
    unsigned long every = cur > 0 && other > 1.5 * cur ? 4 * RL_POOL_PROBE_EVERY
                                                       : RL_POOL_PROBE_EVERY;
    /* A probe of the pool is RL_POOL_PROBE_RUNS runs in a row, the first
     * not counted: after serial runs the workers sleep, and the run that
     * wakes them measures the wake-up (up to a scheduler slice when the
     * other cores are busy, even with nice-19 work), not the pool; timed
     * that way the pool never looked faster again (PPO swimmer at load 2:
     * 2T 6.7 s measured vs 3.9-4.1 s with RLTOOL_POOL=always). */
    unsigned long phase = c->runs++ % every;
    int probe = c->threaded ? phase == 1 : phase >= 1 && phase <= RL_POOL_PROBE_RUNS;
    int force = pool ? pool->force : 0;
    c->probe_run = probe && !c->threaded ? (int)phase : 0;
    c->pooled = rl_pool_size(pool) > 1 && force >= 0 &&
                (force > 0 || (c->threaded != probe && c->ns[0] >= c->min_ns));
    c->t0 = now_ns();
    return c->pooled;
}

void rl_pool_choice_end(rl_pool_choice *c)
{
    double ns = now_ns() - c->t0, *avg = &c->ns[c->pooled];
    if (c->pooled && c->probe_run == 1) return; /* the pool probe's wake-up run */
    /* A probe is a sample of the other way: weigh it more, and clip the
     * outliers (a preempted run) so one of them cannot flip the choice.
     * A pool probe's first counted run starts its average afresh (the
     * last one is hundreds of runs old). */
    int probe = c->pooled != c->threaded;
    if (*avg <= 0 || (c->pooled && c->probe_run == 2)) *avg = ns;
    else *avg += ((ns < 4 * *avg ? ns : 4 * *avg) - *avg) * (probe ? 0.25 : 1.0 / 16);
    /* Switch to the pool only when it is 5 % faster, back when it is slower. */
    c->threaded = c->ns[1] > 0 && c->ns[1] < c->ns[0] * (c->threaded ? 1.0 : 0.95);
}
