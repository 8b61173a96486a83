/* optim.h (internal): Adam(W) over flat parameter arrays, gradient clipping, learning
 * rate schedules and Polyak averaging. */
#ifndef RL_CORE_OPTIM_H
#define RL_CORE_OPTIM_H

#include "rltool.h"

typedef struct rl_adam {
    int n;               /* parameters */
    float lr;            /* may be changed between steps (schedules) */
    float beta1, beta2, eps;
    float weight_decay;  /* decoupled (AdamW): p -= lr * wd * p; 0 = plain Adam */
    int64_t t;           /* steps taken, for bias correction */
    float *m, *v;        /* (n) first and second moments */
} rl_adam;

/* PyTorch defaults are beta1 0.9, beta2 0.999, eps 1e-8. */
rl_adam *rl_adam_make(int n, float lr, float beta1, float beta2, float eps,
                      float weight_decay);
void rl_adam_free(rl_adam *a);
/* One step: params (n) -= update from grads (n). Same arithmetic as
 * torch.optim.Adam / AdamW:
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)                */
void rl_adam_step(rl_adam *a, float *params, const float *grads);
/* rl_adam_step, then rl_polyak(target, params, n, tau), in one pass over
 * the arrays: same bits as the two calls one after the other. */
void rl_adam_step_polyak(rl_adam *a, float *params, const float *grads, float *target,
                         float tau);
/* Forget the moments and the step count. */
void rl_adam_reset(rl_adam *a);
/* Moments and step count as tensors "<prefix>.m", "<prefix>.v", "<prefix>.t". */
int rl_adam_save(const rl_adam *a, rl_ckpt *ck, const char *prefix);
int rl_adam_load(rl_adam *a, const rl_ckpt *ck, const char *prefix);

/* Scale grads (n) so that their global L2 norm is at most max_norm (no-op
 * when max_norm <= 0 or the norm is already within). Returns the norm before
 * clipping, accumulated in double. */
double rl_grad_clip_norm(float *grads, int n, double max_norm);

/* Learning rate at `step` of `total` (clamped to [0, total]):
 * constant lr0; linear lr0 -> lr_end; cosine lr_end + (lr0-lr_end)(1+cos(pi s/T))/2. */
typedef enum { RL_LR_CONSTANT, RL_LR_LINEAR, RL_LR_COSINE } rl_lr_kind;
double rl_lr_schedule(rl_lr_kind kind, double lr0, double lr_end, int64_t step,
                      int64_t total);

/* Polyak averaging with tau = the share the target KEEPS:
 *   target = tau * target + (1 - tau) * src,
 * so "Polyak 0.995" (SAC, TD3) is tau = 0.995 and tau = 0 is a hard copy. */
void rl_polyak(float *target, const float *src, int n, float tau);

#endif
