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

/* n standard normals, two per Box-Muller draw (r cos, r sin): half the logs
 * and square roots of n rl_rng_normal calls. Each pair's first value, and
 * an odd last one, is what rl_rng_normal would have returned; the stream
 * moves as by one rl_rng_normal call per pair (and per odd last one). */
void rl_normals(rl_rng *rng, float *out, size_t n);

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
/* Backward of L(a, logp) through the reparameterised sample with eps fixed:
 * given dL/da (dim) and dL/dlogp, ADD dL/dmean and dL/dlogstd (dim each).
 * Needs the same mean, logstd, eps as the forward call. */
void rl_squashed_backward(const float *mean, const float *logstd, const float *eps, int dim,
                          const float *dL_da, float dL_dlogp, float *dmean, float *dlogstd);
/* The same from std = exp(logstd), th = tanh(u) and sech2 = 1 - tanh(u)^2
 * (dim each, as rl_squashed_sample_flat keeps them). */
void rl_squashed_backward_at(const float *std, const float *th, const float *sech2,
                             const float *eps, int dim, const float *dL_da, float dL_dlogp,
                             float *dmean, float *dlogstd);
/* SAC's batch form, in float: n independent elements (rows x action dims
 * flattened), the log-std bounded smoothly in [lo, hi] (its gradient never
 * vanishes at a hard clamp):
 *   logstd = lo + (hi - lo) (tanh(raw) + 1) / 2,  std = exp(logstd),
 *   u = mean + std eps,  a = tanh(u),
 *   lp = log N(u; mean, std) - log(1 - a^2)  (the element's term of log pi).
 * Writes a, lp, std, sech2 = 1 - a^2 (accurate where a rounds to +-1) and
 * dls = d logstd / d raw, n each (std and sech2 for rl_squashed_backward_at,
 * with th = a). Polynomial exp and log instead of libm calls, so the loop
 * vectorises, with the same bits on every instruction set; as accurate as
 * a float log-std followed by double math (tests/c/test_dist.c). */
void rl_squashed_sample_flat(const float *mean, const float *raw, const float *eps, int n,
                             float lo, float hi, float *a, float *lp, float *std, float *sech2,
                             float *dls);
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
