/* Adam(W), gradient clipping, schedules and Polyak averaging on flat arrays. */
#include "core/optim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

rl_adam *rl_adam_make(int n, float lr, float beta1, float beta2, float eps,
                      float weight_decay)
{
    if (n <= 0 || !(lr >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) ||
        !(eps > 0) || !(weight_decay >= 0)) {
        rl_error(RL_EINVAL,
                 "adam: bad settings n=%d lr=%g beta1=%g beta2=%g eps=%g wd=%g "
                 "(need n > 0, lr >= 0, betas in [0, 1), eps > 0, wd >= 0)",
                 n, lr, beta1, beta2, eps, weight_decay);
        return NULL;
    }
    rl_adam *a = calloc(1, sizeof *a);
    if (a) {
        a->m = calloc((size_t)n, sizeof(float));
        a->v = calloc((size_t)n, sizeof(float));
    }
    if (!a || !a->m || !a->v) {
        rl_adam_free(a);
        rl_error(RL_ENOMEM, "adam: out of memory for %d parameters", n);
        return NULL;
    }
    a->n = n;
    a->lr = lr;
    a->beta1 = beta1;
    a->beta2 = beta2;
    a->eps = eps;
    a->weight_decay = weight_decay;
    return a;
}

void rl_adam_free(rl_adam *a)
{
    if (!a) return;
    free(a->m);
    free(a->v);
    free(a);
}

void rl_adam_reset(rl_adam *a)
{
    a->t = 0;
    memset(a->m, 0, sizeof(float) * (size_t)a->n);
    memset(a->v, 0, sizeof(float) * (size_t)a->n);
}

/* The elementwise loops below run in blocks of OPT_BLK with restrict
 * pointers so GCC's -O2 vectoriser takes them, and are cloned per
 * instruction set (resolved once at load): wider vectors, same bits, since
 * every lane does the same IEEE operations in the same order. */
#define OPT_BLK 16
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define OPT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define OPT_CLONES
#endif

typedef struct {
    float b1, b2, eps, step, inv_sqrt_bc2, decay;
    int decoupled;
} adam_coef;

static inline void adam_one(const adam_coef *k, float *restrict p, const float *restrict g,
                            float *restrict m, float *restrict v, int i)
{
    float gi = g[i];
    m[i] = k->b1 * m[i] + (1.0f - k->b1) * gi;
    v[i] = k->b2 * v[i] + (1.0f - k->b2) * gi * gi;
    /* AdamW decays the weight before the Adam update, as PyTorch does. */
    float pi = k->decoupled ? p[i] * k->decay : p[i];
    p[i] = pi - k->step * m[i] / (sqrtf(v[i]) * k->inv_sqrt_bc2 + k->eps);
}

OPT_CLONES static void adam_loop(adam_coef k, float *restrict p, const float *restrict g,
                                 float *restrict m, float *restrict v, int n)
{
    int i = 0;
    for (; i + OPT_BLK <= n; i += OPT_BLK)
        for (int j = 0; j < OPT_BLK; j++) adam_one(&k, p, g, m, v, i + j);
    for (; i < n; i++) adam_one(&k, p, g, m, v, i);
}

/* Adam on p, then t = keep t + take p from the new p, element by element. */
OPT_CLONES static void adam_polyak_loop(adam_coef k, float *restrict p, const float *restrict g,
                                        float *restrict m, float *restrict v,
                                        float *restrict t, float keep, float take, int n)
{
    int i = 0;
    for (; i + OPT_BLK <= n; i += OPT_BLK)
        for (int j = 0; j < OPT_BLK; j++) {
            adam_one(&k, p, g, m, v, i + j);
            t[i + j] = keep * t[i + j] + take * p[i + j];
        }
    for (; i < n; i++) {
        adam_one(&k, p, g, m, v, i);
        t[i] = keep * t[i] + take * p[i];
    }
}

static adam_coef adam_next(rl_adam *a)
{
    a->t++;
    /* Bias corrections in double: beta^t underflows gracefully, and float
     * would lose the small 1 - beta2^t early in training. */
    double bc1 = 1.0 - pow(a->beta1, (double)a->t);
    double bc2 = 1.0 - pow(a->beta2, (double)a->t);
    adam_coef k = {a->beta1, a->beta2, a->eps, (float)(a->lr / bc1), (float)(1.0 / sqrt(bc2)),
                   1.0f - a->lr * a->weight_decay, a->weight_decay > 0};
    return k;
}

void rl_adam_step(rl_adam *a, float *p, const float *g)
{
    adam_coef k = adam_next(a);
    adam_loop(k, p, g, a->m, a->v, a->n);
}

void rl_adam_step_polyak(rl_adam *a, float *p, const float *g, float *target, float tau)
{
    adam_coef k = adam_next(a);
    adam_polyak_loop(k, p, g, a->m, a->v, target, tau, 1.0f - tau, a->n);
}

static void tensor_name(char *buf, size_t cap, const char *prefix, const char *suffix)
{
    snprintf(buf, cap, "%s.%s", prefix, suffix);
}

int rl_adam_save(const rl_adam *a, rl_ckpt *ck, const char *prefix)
{
    char name[256];
    int64_t t = a->t;
    int rc;
    tensor_name(name, sizeof name, prefix, "m");
    if ((rc = rl_ckpt_put(ck, name, RL_F32, a->m, a->n))) return rc;
    tensor_name(name, sizeof name, prefix, "v");
    if ((rc = rl_ckpt_put(ck, name, RL_F32, a->v, a->n))) return rc;
    tensor_name(name, sizeof name, prefix, "t");
    return rl_ckpt_put(ck, name, RL_I64, &t, 1);
}

int rl_adam_load(rl_adam *a, const rl_ckpt *ck, const char *prefix)
{
    char nm[256], nv[256], nt[256];
    tensor_name(nm, sizeof nm, prefix, "m");
    tensor_name(nv, sizeof nv, prefix, "v");
    tensor_name(nt, sizeof nt, prefix, "t");
    const float *m = rl_ckpt_get(ck, nm, RL_F32, a->n, NULL);
    const float *v = m ? rl_ckpt_get(ck, nv, RL_F32, a->n, NULL) : NULL;
    const int64_t *t = v ? rl_ckpt_get(ck, nt, RL_I64, 1, NULL) : NULL;
    if (!t) return rl_last_code();
    memcpy(a->m, m, sizeof(float) * (size_t)a->n);
    memcpy(a->v, v, sizeof(float) * (size_t)a->n);
    a->t = *t;
    return RL_OK;
}

double rl_grad_clip_norm(float *g, int n, double max_norm)
{
    double ss = 0;
    for (int i = 0; i < n; i++) ss += (double)g[i] * g[i];
    double norm = sqrt(ss);
    if (max_norm > 0 && norm > max_norm) {
        /* Same small epsilon as torch.nn.utils.clip_grad_norm_. */
        float s = (float)(max_norm / (norm + 1e-6));
        for (int i = 0; i < n; i++) g[i] *= s;
    }
    return norm;
}

double rl_lr_schedule(rl_lr_kind kind, double lr0, double lr_end, int64_t step, int64_t total)
{
    if (kind == RL_LR_CONSTANT || total <= 0) return lr0;
    if (step < 0) step = 0;
    if (step > total) step = total;
    double frac = (double)step / (double)total;
    if (kind == RL_LR_LINEAR) return lr0 + (lr_end - lr0) * frac;
    return lr_end + (lr0 - lr_end) * 0.5 * (1.0 + cos(3.14159265358979323846 * frac));
}

OPT_CLONES static void polyak_loop(float *restrict target, const float *restrict src, int n,
                                   float keep, float take)
{
    int i = 0;
    for (; i + OPT_BLK <= n; i += OPT_BLK)
        for (int j = 0; j < OPT_BLK; j++) target[i + j] = keep * target[i + j] + take * src[i + j];
    for (; i < n; i++) target[i] = keep * target[i] + take * src[i];
}

void rl_polyak(float *target, const float *src, int n, float tau)
{
    polyak_loop(target, src, n, tau, 1.0f - tau);
}
