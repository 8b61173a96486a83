/* Gaussian, tanh-squashed Gaussian and categorical distributions with the
 * gradients agents need. Math in double; the shapes are small. */
#include "core/dist.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define HALF_LOG_2PI 0.91893853320467274178
#define LOG2 0.69314718055994530942

/* ---------------------------------------------------------------- Gaussian */

void rl_normals(rl_rng *rng, float *out, size_t n)
{
    size_t k = 0;
    for (; k + 2 <= n; k += 2) {
        double u1 = rl_rng_uniform(rng);
        double u2 = rl_rng_uniform(rng);
        if (u1 < 1e-300) u1 = 1e-300;
        double r = sqrt(-2.0 * log(u1)), a = 6.283185307179586 * u2;
        out[k] = (float)(r * cos(a)); /* cos and sin: one sincos call */
        out[k + 1] = (float)(r * sin(a));
    }
    if (k < n) out[k] = (float)rl_rng_normal(rng);
}

void rl_gauss_sample(rl_rng *rng, const float *mean, const float *logstd, int dim, float *x)
{
    for (int i = 0; i < dim; i++)
        x[i] = (float)(mean[i] + exp((double)logstd[i]) * rl_rng_normal(rng));
}

float rl_gauss_logp(const float *mean, const float *logstd, const float *x, int dim)
{
    double lp = 0;
    for (int i = 0; i < dim; i++) {
        double z = ((double)x[i] - mean[i]) * exp(-(double)logstd[i]);
        lp += -0.5 * z * z - logstd[i] - HALF_LOG_2PI;
    }
    return (float)lp;
}

void rl_gauss_logp_backward(const float *mean, const float *logstd, const float *x, int dim,
                            float g, float *dmean, float *dlogstd)
{
    for (int i = 0; i < dim; i++) {
        double inv_std = exp(-(double)logstd[i]);
        double z = ((double)x[i] - mean[i]) * inv_std;
        if (dmean) dmean[i] += (float)(g * z * inv_std); /* (x - mu) / sigma^2 */
        if (dlogstd) dlogstd[i] += (float)(g * (z * z - 1.0));
    }
}

float rl_gauss_entropy(const float *logstd, int dim)
{
    double h = 0;
    for (int i = 0; i < dim; i++) h += logstd[i] + 0.5 + HALF_LOG_2PI;
    return (float)h;
}

/* ---------------------------------------------------------------- squashed */

/* tanh(u) from e = expm1(-2|u|): tanh|u| = -e / (e + 2), odd in u. */
static double tanh_e(double u, double *e_out)
{
    double e = expm1(-2.0 * fabs(u)), t = -e / (e + 2.0);
    *e_out = e;
    return u < 0 ? -t : t;
}

/* tanh(u) and log(1 - tanh(u)^2) from one expm1: with x = exp(-2|u|) =
 * 1 + e, 1 - tanh^2 u = 4 x / (1 + x)^2, so log(1 - tanh^2 u) =
 * 2 (log 2 - |u| - log(2 + e)), finite where tanh(u) rounds to +-1. Two
 * libm calls where tanh, exp and log1p took three (glibc's tanh calls
 * expm1 itself). */
static double tanh_logd(double u, double *log_d)
{
    double e, t = tanh_e(u, &e);
    *log_d = 2.0 * (LOG2 - fabs(u) - log(2.0 + e));
    return t;
}

float rl_squashed_sample(const float *mean, const float *logstd, const float *eps, int dim,
                         float *a, float *u_out)
{
    double lp = 0;
    for (int i = 0; i < dim; i++) {
        double std = exp((double)logstd[i]), u = mean[i] + std * eps[i], ld;
        a[i] = (float)tanh_logd(u, &ld);
        if (u_out) u_out[i] = (float)u;
        /* log N(u; mean, std) with (u - mean) / std = eps exactly. */
        lp += -0.5 * (double)eps[i] * eps[i] - logstd[i] - HALF_LOG_2PI - ld;
    }
    return (float)lp;
}

void rl_squashed_backward_at(const float *std, const float *th, const float *sech2,
                             const float *eps, int dim, const float *dL_da, float dL_dlogp,
                             float *dmean, float *dlogstd)
{
    for (int i = 0; i < dim; i++) {
        /* d/du of -log(1 - tanh^2 u) is 2 tanh(u); da/du = 1 - tanh^2. */
        double dL_du = (double)dL_da[i] * sech2[i] + dL_dlogp * 2.0 * th[i];
        dmean[i] += (float)dL_du;
        /* u depends on logstd through std * eps; logp also has -logstd. */
        dlogstd[i] += (float)(dL_du * std[i] * eps[i] - dL_dlogp);
    }
}

void rl_squashed_backward(const float *mean, const float *logstd, const float *eps, int dim,
                          const float *dL_da, float dL_dlogp, float *dmean, float *dlogstd)
{
    for (int i = 0; i < dim; i++) {
        double e, std = exp((double)logstd[i]), th = tanh_e(mean[i] + std * eps[i], &e);
        /* 1 - tanh^2 u = 4 x / (1 + x)^2 with x = 1 + e: accurate where tanh rounds to 1. */
        float sd = (float)std, t = (float)th, s2 = (float)(4.0 * (1.0 + e) / ((2.0 + e) * (2.0 + e)));
        rl_squashed_backward_at(&sd, &t, &s2, eps + i, 1, dL_da + i, dL_dlogp, dmean + i,
                                dlogstd + i);
    }
}

float rl_squashed_logp(const float *mean, const float *logstd, const float *a, int dim)
{
    double lp = 0;
    for (int i = 0; i < dim; i++) {
        double ai = a[i];
        if (ai > 1.0 - 1e-6) ai = 1.0 - 1e-6;
        if (ai < -1.0 + 1e-6) ai = -1.0 + 1e-6;
        double u = atanh(ai);
        double z = (u - mean[i]) * exp(-(double)logstd[i]);
        double ld;
        (void)tanh_logd(u, &ld);
        lp += -0.5 * z * z - logstd[i] - HALF_LOG_2PI - ld;
    }
    return (float)lp;
}

/* ---------------------------------------------------------------- SAC batch, float */

/* exp(x) = s (1 + p) with s = 2^k, p = expm1(r), x = k ln 2 + r, |r| <=
 * ln2 / 2, x clamped to [-87, 88]: Taylor to r^7 (relative error < 2e-8
 * before rounding), ln 2 in two parts so r is exact enough. Branch-free
 * float arithmetic, so a loop of it vectorises; same bits scalar or
 * vector (separate IEEE multiplies and adds: C11 mode does not contract). */
static inline __attribute__((always_inline)) float exp_split(float x, float *s)
{
    x = x < -87.0f ? -87.0f : x > 88.0f ? 88.0f : x;
    float t = x * 1.44269504f + 12582912.0f; /* 1.5 * 2^23: k in the low bits */
    float kf = t - 12582912.0f;
    int32_t tb;
    memcpy(&tb, &t, sizeof tb);
    uint32_t sb = (uint32_t)(tb - 0x4B400000 + 127) << 23;
    memcpy(s, &sb, sizeof sb);
    float r = (x - kf * 0.693145752f) - kf * 1.42860677e-6f;
    float q = 1.0f / 5040;
    q = q * r + 1.0f / 720;
    q = q * r + 1.0f / 120;
    q = q * r + 1.0f / 24;
    q = q * r + 1.0f / 6;
    q = q * r + 0.5f;
    return r + r * r * q;
}

/* tanh|x| = -e / (e + 2) with e = expm1(-2|x|) in (-1, 0]; *x2 gets
 * exp(-2|x|) itself (= 1 + e, but accurate where it is tiny). */
static inline __attribute__((always_inline)) float tanh_abs(float ax, float *x2)
{
    float s, p = exp_split(-2.0f * ax, &s), e = s * p + (s - 1.0f);
    *x2 = s * p + s;
    return -e / (e + 2.0f);
}

/* log(1 + x) for x in [0, 1]: 2 atanh(z), z = x / (2 + x) in [0, 1/3],
 * series to z^15 (error < 1e-9). */
static inline __attribute__((always_inline)) float log_1px(float x)
{
    float z = x / (2.0f + x), z2 = z * z;
    float q = 1.0f / 15;
    q = q * z2 + 1.0f / 13;
    q = q * z2 + 1.0f / 11;
    q = q * z2 + 1.0f / 9;
    q = q * z2 + 1.0f / 7;
    q = q * z2 + 1.0f / 5;
    q = q * z2 + 1.0f / 3;
    return 2.0f * (z + z * z2 * q);
}

static inline __attribute__((always_inline)) void
squash_one(const float *restrict mean, const float *restrict raw, const float *restrict eps,
           float lo, float hi, float *restrict a, float *restrict lp, float *restrict sd,
           float *restrict s2, float *restrict dls, int k)
{
    float xr, x, ar = raw[k] < 0 ? -raw[k] : raw[k], tr = tanh_abs(ar, &xr);
    tr = raw[k] < 0 ? -tr : tr;
    float half = 0.5f * (hi - lo), logstd = lo + half * (tr + 1.0f);
    float s, p = exp_split(logstd, &s), std = s * p + s;
    float u = mean[k] + std * eps[k], au = u < 0 ? -u : u, t = tanh_abs(au, &x);
    a[k] = u < 0 ? -t : t;
    /* With x = exp(-2|u|): 1 - tanh^2 u = 4 x / (1 + x)^2, accurate where a
     * rounds to +-1, and log(1 - tanh^2 u) = 2 (log 2 - |u| - log(1 + x)),
     * finite at any u. */
    s2[k] = 4.0f * x / ((1.0f + x) * (1.0f + x));
    float ld = 2.0f * (0.693147181f - au - log_1px(x));
    lp[k] = -0.5f * eps[k] * eps[k] - logstd - 0.918938533f - ld;
    sd[k] = std;
    dls[k] = half * (4.0f * xr / ((1.0f + xr) * (1.0f + xr))); /* 1 - tr^2, as s2 above */
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DIST_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define DIST_CLONES
#endif

DIST_CLONES static void squash_loop(const float *restrict mean, const float *restrict raw,
                                    const float *restrict eps, int n, float lo, float hi,
                                    float *restrict a, float *restrict lp, float *restrict sd,
                                    float *restrict s2, float *restrict dls)
{
    int k = 0;
    /* Blocks of 16 with a known trip count: -O2's vectoriser takes them. */
    for (; k + 16 <= n; k += 16)
        for (int j = 0; j < 16; j++) squash_one(mean, raw, eps, lo, hi, a, lp, sd, s2, dls, k + j);
    for (; k < n; k++) squash_one(mean, raw, eps, lo, hi, a, lp, sd, s2, dls, k);
}

/* The clones stay behind a static function: on an exported one their
 * resolver and clone symbols would leave the library (test_api). */
void rl_squashed_sample_flat(const float *mean, const float *raw, const float *eps, int n,
                             float lo, float hi, float *a, float *lp, float *std, float *sech2,
                             float *dls)
{
    squash_loop(mean, raw, eps, n, lo, hi, a, lp, std, sech2, dls);
}

/* ---------------------------------------------------------------- categorical */

/* log sum exp(logits), stable. */
static double log_sum_exp(const float *x, int n)
{
    double mx = x[0];
    for (int i = 1; i < n; i++)
        if (x[i] > mx) mx = x[i];
    double s = 0;
    for (int i = 0; i < n; i++) s += exp(x[i] - mx);
    return mx + log(s);
}

void rl_cat_log_softmax(const float *logits, int n, float *out)
{
    double lse = log_sum_exp(logits, n);
    for (int i = 0; i < n; i++) out[i] = (float)(logits[i] - lse);
}

int rl_cat_sample(rl_rng *rng, const float *logits, int n)
{
    double lse = log_sum_exp(logits, n);
    double r = rl_rng_uniform(rng), c = 0;
    for (int i = 0; i < n; i++) {
        c += exp(logits[i] - lse);
        if (r < c) return i;
    }
    return n - 1; /* rounding left r above the last partial sum */
}

int rl_cat_argmax(const float *logits, int n)
{
    int best = 0;
    for (int i = 1; i < n; i++)
        if (logits[i] > logits[best]) best = i;
    return best;
}

float rl_cat_logp(const float *logits, int n, int k)
{
    return (float)(logits[k] - log_sum_exp(logits, n));
}

float rl_cat_entropy(const float *logits, int n)
{
    double lse = log_sum_exp(logits, n), h = 0;
    for (int i = 0; i < n; i++) {
        double lp = logits[i] - lse;
        h -= exp(lp) * lp;
    }
    return (float)h;
}

void rl_cat_logp_backward(const float *logits, int n, int k, float g, float *dlogits)
{
    double lse = log_sum_exp(logits, n);
    for (int i = 0; i < n; i++)
        dlogits[i] += (float)(g * ((i == k ? 1.0 : 0.0) - exp(logits[i] - lse)));
}

void rl_cat_entropy_backward(const float *logits, int n, float g, float *dlogits)
{
    double lse = log_sum_exp(logits, n), h = 0;
    for (int i = 0; i < n; i++) {
        double lp = logits[i] - lse;
        h -= exp(lp) * lp;
    }
    for (int i = 0; i < n; i++) {
        double lp = logits[i] - lse;
        dlogits[i] += (float)(-g * exp(lp) * (lp + h));
    }
}
