/* Gaussian, tanh-squashed Gaussian and categorical distributions with the
 * gradients agents need. Math in double; the shapes are small. */
#include "core/dist.h"

#include <math.h>

#define HALF_LOG_2PI 0.91893853320467274178
#define LOG2 0.69314718055994530942

/* ---------------------------------------------------------------- Gaussian */

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

float rl_squashed_sample_keep(const float *mean, const float *logstd, const float *eps, int dim,
                              float *a, float *u_out, double *std_out, double *th_out)
{
    double lp = 0;
    for (int i = 0; i < dim; i++) {
        double std = exp((double)logstd[i]), u = mean[i] + std * eps[i], ld;
        double th = tanh_logd(u, &ld);
        a[i] = (float)th;
        if (u_out) u_out[i] = (float)u;
        if (std_out) std_out[i] = std;
        if (th_out) th_out[i] = th;
        /* log N(u; mean, std) with (u - mean) / std = eps exactly. */
        lp += -0.5 * (double)eps[i] * eps[i] - logstd[i] - HALF_LOG_2PI - ld;
    }
    return (float)lp;
}

float rl_squashed_sample(const float *mean, const float *logstd, const float *eps, int dim,
                         float *a, float *u_out)
{
    return rl_squashed_sample_keep(mean, logstd, eps, dim, a, u_out, NULL, NULL);
}

void rl_squashed_backward_at(const double *std, const double *th, const float *eps, int dim,
                             const float *dL_da, float dL_dlogp, float *dmean, float *dlogstd)
{
    for (int i = 0; i < dim; i++) {
        double a = th[i];
        /* d/du of -log(1 - tanh^2 u) is 2 tanh(u); da/du = 1 - tanh^2. */
        double dL_du = dL_da[i] * (1.0 - a * a) + dL_dlogp * 2.0 * a;
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
        rl_squashed_backward_at(&std, &th, eps + i, 1, dL_da + i, dL_dlogp, dmean + i,
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
