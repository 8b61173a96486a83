/* normalize.h (internal): running mean / variance of observations (or returns), with
 * double accumulators merged by Chan et al.'s parallel formula, so batches,
 * threads and MPI ranks combine exactly. */
#ifndef RL_CORE_NORMALIZE_H
#define RL_CORE_NORMALIZE_H

#include "rltool.h"

typedef struct rl_normalizer {
    int dim;
    double count;   /* samples seen */
    double *mean;   /* (dim) */
    double *m2;     /* (dim) sum of squared deviations from the mean */
    float clip;     /* apply clips to [-clip, clip]; <= 0 disables */
    float eps;      /* added to the variance before the sqrt (1e-8) */
    int frozen;     /* 1: update is a no-op (evaluation) */
} rl_normalizer;

/* clip 10 and eps 1e-8 by default. */
rl_normalizer *rl_normalizer_make(int dim);
void rl_normalizer_free(rl_normalizer *nz);
void rl_normalizer_reset(rl_normalizer *nz);
/* Add a batch x (batch, dim): two-pass batch statistics, then a Chan merge. */
void rl_normalizer_update(rl_normalizer *nz, const float *x, int batch);
/* out (batch, dim) = clip((x - mean) / sqrt(var + eps)); out may alias x.
 * Before any update this is the identity (mean 0, var 1) up to the clip. */
void rl_normalizer_apply(const rl_normalizer *nz, const float *x, float *out, int batch);
/* Population variance of dimension i (1 before any data). */
double rl_normalizer_var(const rl_normalizer *nz, int i);
/* dst absorbs src's statistics (as if dst had seen both streams).
 * RL_EINVAL for different dims. Ignores dst->frozen. */
int rl_normalizer_merge(rl_normalizer *dst, const rl_normalizer *src);
/* dst <- src's statistics (count, mean, m2); RL_EINVAL for different dims. */
int rl_normalizer_copy(rl_normalizer *dst, const rl_normalizer *src);
/* Tensors "<prefix>.mean", "<prefix>.m2" (F64, dim), "<prefix>.count" (F64, 1). */
int rl_normalizer_save(const rl_normalizer *nz, rl_ckpt *ck, const char *prefix);
int rl_normalizer_load(rl_normalizer *nz, const rl_ckpt *ck, const char *prefix);

#endif
