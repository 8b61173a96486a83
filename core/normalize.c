/* Running mean / variance with Chan's parallel merge. */
#include "core/normalize.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rl_normalizer *rl_normalizer_make(int dim)
{
    if (dim <= 0) {
        rl_error(RL_EINVAL, "normalizer: dim %d must be > 0", dim);
        return NULL;
    }
    rl_normalizer *nz = calloc(1, sizeof *nz);
    if (nz) {
        nz->mean = calloc((size_t)dim, sizeof(double));
        nz->m2 = calloc((size_t)dim, sizeof(double));
    }
    if (!nz || !nz->mean || !nz->m2) {
        rl_normalizer_free(nz);
        rl_error(RL_ENOMEM, "normalizer: out of memory");
        return NULL;
    }
    nz->dim = dim;
    nz->clip = 10.0f;
    nz->eps = 1e-8f;
    return nz;
}

void rl_normalizer_free(rl_normalizer *nz)
{
    if (!nz) return;
    free(nz->mean);
    free(nz->m2);
    free(nz);
}

void rl_normalizer_reset(rl_normalizer *nz)
{
    nz->count = 0;
    memset(nz->mean, 0, sizeof(double) * (size_t)nz->dim);
    memset(nz->m2, 0, sizeof(double) * (size_t)nz->dim);
}

/* Chan et al. (1979): combine (na, mean_a, m2_a) with (nb, mean_b, m2_b). */
static void chan_merge(double na, double *mean_a, double *m2_a, double nb, double mean_b,
                       double m2_b)
{
    double n = na + nb, delta = mean_b - *mean_a;
    *mean_a += delta * nb / n;
    *m2_a += m2_b + delta * delta * na * nb / n;
}

void rl_normalizer_update(rl_normalizer *nz, const float *x, int batch)
{
    if (nz->frozen || batch <= 0) return;
    int d = nz->dim;
    for (int j = 0; j < d; j++) {
        double mean = 0, m2 = 0;
        for (int r = 0; r < batch; r++) mean += x[(size_t)r * d + j];
        mean /= batch;
        for (int r = 0; r < batch; r++) {
            double dv = x[(size_t)r * d + j] - mean;
            m2 += dv * dv;
        }
        chan_merge(nz->count, &nz->mean[j], &nz->m2[j], batch, mean, m2);
    }
    nz->count += batch;
}

double rl_normalizer_var(const rl_normalizer *nz, int i)
{
    return nz->count > 0 ? nz->m2[i] / nz->count : 1.0;
}

void rl_normalizer_apply(const rl_normalizer *nz, const float *x, float *out, int batch)
{
    int d = nz->dim;
    float clip = nz->clip;
    for (int j = 0; j < d; j++) {
        double mean = nz->mean[j];
        double inv = 1.0 / sqrt(rl_normalizer_var(nz, j) + nz->eps);
        for (int r = 0; r < batch; r++) {
            size_t k = (size_t)r * d + j;
            float v = (float)((x[k] - mean) * inv);
            if (clip > 0) v = v > clip ? clip : (v < -clip ? -clip : v);
            out[k] = v;
        }
    }
}

int rl_normalizer_merge(rl_normalizer *dst, const rl_normalizer *src)
{
    if (dst->dim != src->dim)
        return rl_error(RL_EINVAL, "normalizer: cannot merge dim %d into dim %d", src->dim,
                        dst->dim);
    if (src->count <= 0) return RL_OK;
    for (int j = 0; j < dst->dim; j++)
        chan_merge(dst->count, &dst->mean[j], &dst->m2[j], src->count, src->mean[j],
                   src->m2[j]);
    dst->count += src->count;
    return RL_OK;
}

int rl_normalizer_copy(rl_normalizer *dst, const rl_normalizer *src)
{
    if (dst->dim != src->dim)
        return rl_error(RL_EINVAL, "normalizer: cannot copy dim %d into dim %d", src->dim,
                        dst->dim);
    dst->count = src->count;
    memcpy(dst->mean, src->mean, sizeof(double) * (size_t)dst->dim);
    memcpy(dst->m2, src->m2, sizeof(double) * (size_t)dst->dim);
    return RL_OK;
}

int rl_normalizer_save(const rl_normalizer *nz, rl_ckpt *ck, const char *prefix)
{
    char nm[256];
    int rc;
    snprintf(nm, sizeof nm, "%s.mean", prefix);
    if ((rc = rl_ckpt_put(ck, nm, RL_F64, nz->mean, nz->dim))) return rc;
    snprintf(nm, sizeof nm, "%s.m2", prefix);
    if ((rc = rl_ckpt_put(ck, nm, RL_F64, nz->m2, nz->dim))) return rc;
    snprintf(nm, sizeof nm, "%s.count", prefix);
    return rl_ckpt_put(ck, nm, RL_F64, &nz->count, 1);
}

int rl_normalizer_load(rl_normalizer *nz, const rl_ckpt *ck, const char *prefix)
{
    char a[256], b[256], c[256];
    snprintf(a, sizeof a, "%s.mean", prefix);
    snprintf(b, sizeof b, "%s.m2", prefix);
    snprintf(c, sizeof c, "%s.count", prefix);
    const double *mean = rl_ckpt_get(ck, a, RL_F64, nz->dim, NULL);
    const double *m2 = mean ? rl_ckpt_get(ck, b, RL_F64, nz->dim, NULL) : NULL;
    const double *count = m2 ? rl_ckpt_get(ck, c, RL_F64, 1, NULL) : NULL;
    if (!count) return rl_last_code();
    if (!(*count >= 0))
        return rl_error(RL_ECORRUPT, "normalizer: negative or NaN count in '%s'", c);
    memcpy(nz->mean, mean, sizeof(double) * (size_t)nz->dim);
    memcpy(nz->m2, m2, sizeof(double) * (size_t)nz->dim);
    nz->count = *count;
    return RL_OK;
}
