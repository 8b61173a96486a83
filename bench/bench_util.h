/* Timing helpers shared by the bench programs: wall and CPU clocks, and
 * the median of a few repetitions (these machines are shared and noisy). */
#ifndef RL_BENCH_UTIL_H
#define RL_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double bench_cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts x (n) in place. */
static inline double bench_median(double *x, int n)
{
    qsort(x, (size_t)n, sizeof(double), bench_cmp_double);
    return x[n / 2];
}

#endif
