/* dist.h (internal): action distributions for policy-gradient and actor-critic agents.
 *
 * Functions work on one sample of `dim` values; a batch is a loop over rows,
 * which lets the caller choose whether log-std is per row (SAC) or shared by
 * every row (PPO's state-independent log-std). Gradient functions ADD into
 * their outputs, so a shared log-std accumulates over the batch; zero the
 * outputs first. Arithmetic is in double and results are rounded to float.
 */
#ifndef RL_CORE_DIST_H
#define RL_CORE_DIST_H

#include "rltool.h"

/* ---- diagonal Gaussian N(mean, exp(logstd)^2) */

/* x = mean + exp(logstd) * N(0, 1); writes x (dim). */
void rl_gauss_sample(rl_rng *rng, const float *mean, const float *logstd, int dim, float *x);
/* log N(x; mean, exp(logstd)), summed over dims. */
float rl_gauss_logp(const float *mean, const float *logstd, const float *x, int dim);
/* dmean += g * dlogp/dmean, dlogstd += g * dlogp/dlogstd (either may be NULL). */
void rl_gauss_logp_backward(const float *mean, const float *logstd, const float *x, int dim,
                            float g, float *dmean, float *dlogstd);
/* Entropy sum(logstd + 0.5 log(2 pi e)); its gradient is 1 per log-std. */
float rl_gauss_entropy(const float *logstd, int dim);

/* ---- tanh-squashed Gaussian (SAC): u = mean + exp(logstd) * eps, a = tanh(u)
 *
 * log pi(a) = log N(u; mean, std) - sum log(1 - tanh(u)^2), with the
 * correction in the stable form log(1 - tanh(u)^2) = 2 (log 2 - |u| -
 * log(1 + exp(-2|u|))), which shares exp(-2|u|) with tanh(u). Math in double. */

/* eps: (dim) standard normal noise drawn by the caller (reparameterisation).
 * Writes a (dim) and, when not NULL, u (dim). Returns log pi(a). */
float rl_squashed_sample(const float *mean, const float *logstd, const float *eps, int dim,
                         float *a, float *u);
/* The same, also keeping std = exp(logstd) and tanh(u) in double (dim
 * each, when not NULL) for rl_squashed_backward_at. */
float rl_squashed_sample_keep(const float *mean, const float *logstd, const float *eps, int dim,
                              float *a, float *u, double *std, double *th);
/* Backward of L(a, logp) through the reparameterised sample with eps fixed:
 * given dL/da (dim) and dL/dlogp, ADD dL/dmean and dL/dlogstd (dim each).
 * Needs the same mean, logstd, eps as the forward call. */
void rl_squashed_backward(const float *mean, const float *logstd, const float *eps, int dim,
                          const float *dL_da, float dL_dlogp, float *dmean, float *dlogstd);
/* The same from the std and tanh(u) that rl_squashed_sample_keep kept
 * (same bits as rl_squashed_backward, without recomputing them). */
void rl_squashed_backward_at(const double *std, const double *th, const float *eps, int dim,
                             const float *dL_da, float dL_dlogp, float *dmean, float *dlogstd);
/* log pi(a) for a given squashed action a in (-1, 1) (clamped 1e-6 inside). */
float rl_squashed_logp(const float *mean, const float *logstd, const float *a, int dim);

/* ---- categorical over n logits */

/* out (n) = log softmax(logits), computed with the max subtracted. */
void rl_cat_log_softmax(const float *logits, int n, float *out);
int rl_cat_sample(rl_rng *rng, const float *logits, int n);
int rl_cat_argmax(const float *logits, int n);
float rl_cat_logp(const float *logits, int n, int k);
float rl_cat_entropy(const float *logits, int n);
/* dlogits += g * d log p_k / dlogits = g * (onehot(k) - p). */
void rl_cat_logp_backward(const float *logits, int n, int k, float g, float *dlogits);
/* dlogits += g * dH/dlogits = -g * p * (log p + H). */
void rl_cat_entropy_backward(const float *logits, int n, float g, float *dlogits);

#endif
