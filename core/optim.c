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

void rl_adam_step(rl_adam *a, float *p, const float *g)
{
    a->t++;
    /* Bias corrections in double: beta^t underflows gracefully, and float
     * would lose the small 1 - beta2^t early in training. */
    double bc1 = 1.0 - pow(a->beta1, (double)a->t);
    double bc2 = 1.0 - pow(a->beta2, (double)a->t);
    float step = (float)(a->lr / bc1);
    float inv_sqrt_bc2 = (float)(1.0 / sqrt(bc2));
    float b1 = a->beta1, b2 = a->beta2, eps = a->eps;
    float decay = 1.0f - a->lr * a->weight_decay;
    float *m = a->m, *v = a->v;
    for (int i = 0; i < a->n; i++) {
        float gi = g[i];
        m[i] = b1 * m[i] + (1.0f - b1) * gi;
        v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
        /* AdamW decays the weight before the Adam update, as PyTorch does. */
        float pi = a->weight_decay > 0 ? p[i] * decay : p[i];
        p[i] = pi - step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
    }
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

void rl_polyak(float *target, const float *src, int n, float tau)
{
    float keep = tau, take = 1.0f - tau;
    for (int i = 0; i < n; i++) target[i] = keep * target[i] + take * src[i];
}
