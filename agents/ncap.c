/* NCAP (Bhattasali, Zador, Engel, NeurIPS 2022): the C. elegans locomotion
 * circuit as a policy architecture for swimmer tasks with any number of
 * joints. The circuit, as implemented here:
 *
 * Per joint i (0 at the head), with q_i = clamp(theta_i / limit_i, -1, 1):
 *   s_d = clamp(q, 0, 1), s_v = clamp(-q, 0, 1)         proprioception
 *   b_d,0 = graded(w_osc * o_d), b_d,i = graded(w_prop * s_d,i-1)
 *   m_d,i = graded(w_ipsi * b_d,i + w_contra * b_v,i)   (ventral mirrored)
 *   a_i = m_d,i - m_v,i
 * with graded(x) = clamp(x, 0, 1) and o_d/o_v a square wave of period 60
 * control steps read from the row's episode step. Excitatory weights are
 * clamped to >= 0 and inhibitory ones to <= 0 at every use; the raw
 * parameters are stored unconstrained, so `project` has nothing to do.
 *
 * Parameter layout. Shared: w_prop, w_osc, w_ipsi, w_contra. Unshared
 * (N joints): w_prop_d[1..N-1], w_prop_v[1..N-1], w_osc_d, w_osc_v, then
 * w_ipsi_d[N], w_ipsi_v[N], w_contra_d[N], w_contra_v[N]: 2(N-1)+2+4N.
 */
#include "agents/ncap.h"

#include "agents/agents.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int shared, signs, init;  /* init: 0 const, 1 random */
} ncap_cfg;

static const rl_optdef ncap_opts[] = {
    {"shared", RL_OPT_BOOL, offsetof(ncap_cfg, shared), "1", 0, 1, NULL,
     "one weight set for every joint (4 parameters)"},
    {"signs", RL_OPT_BOOL, offsetof(ncap_cfg, signs), "1", 0, 1, NULL,
     "excitatory >= 0 and inhibitory <= 0 weights (0: unconstrained)"},
    {"init", RL_OPT_CHOICE, offsetof(ncap_cfg, init), "const", 0, 0, "const|random",
     "const: excitatory +1, inhibitory -1; random: uniform magnitudes"},
};

enum { K_PROP, K_OSC, K_IPSI, K_CONTRA, N_KINDS };
static const char *const kind_names[N_KINDS] = {"w_prop", "w_osc", "w_ipsi", "w_contra"};

typedef struct {
    int n;                     /* joints */
    int jp;                    /* start of the joint_pos slice */
    float *inv_limit;          /* (n) */
    int *ix;                   /* (N_KINDS, 2, n) parameter index, -1 if none */
    float *params, *grads, *eff;
    int cap;                   /* rows the caches hold */
    float *out;                /* (cap, n) */
    float *s, *bpre, *b, *mpre; /* (cap, 2, n) dorsal then ventral */
    float *o;                  /* (cap, 2) */
    int batch;                 /* rows of the last forward */
} ncap;

static int *ixp(ncap *c, int kind, int side, int j) { return &c->ix[(kind * 2 + side) * c->n + j]; }
static int ix_of(const ncap *c, int kind, int side, int j)
{
    return c->ix[(kind * 2 + side) * c->n + j];
}

static int is_inhibitory(int kind) { return kind == K_CONTRA; }

static int kind_of_param(const ncap *c, int k, int *side, int *joint)
{
    for (int kind = 0; kind < N_KINDS; kind++)
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < c->n; j++)
                if (ix_of(c, kind, sd, j) == k) {
                    if (side) *side = sd;
                    if (joint) *joint = j;
                    return kind;
                }
    return -1;
}

static int ncap_create(rl_policy *p, const rl_policy_spec *spec)
{
    const ncap_cfg *cfg = p->cfg;
    const rl_env *probe = spec->probe;
    const rl_slice *sl = probe ? rl_env_slice(probe, "joint_pos") : NULL;
    if (!sl)
        return rl_error(RL_EINVAL, "policy ncap needs a swimmer-like task that publishes a "
                        "joint_pos observation slice (%s has none)",
                        probe ? probe->task->id : "no task given");
    if (probe->act_space.kind != RL_BOX || sl->len != spec->out || spec->out < 1)
        return rl_error(RL_EINVAL, "policy ncap drives one torque per joint: %s has %d joints in "
                        "joint_pos but %d action values", probe->task->id, sl->len, spec->out);
    if (sl->start < 0 || sl->start + sl->len > spec->in)
        return rl_error(RL_EINVAL, "joint_pos slice %d..%d lies outside the %d observations",
                        sl->start, sl->start + sl->len, spec->in);
    int n = sl->len;
    ncap *c = calloc(1, sizeof *c);
    if (!c) return rl_error(RL_ENOMEM, "out of memory");
    p->impl = c;
    c->n = n;
    c->jp = sl->start;
    c->inv_limit = malloc(sizeof(float) * (size_t)n);
    c->ix = malloc(sizeof(int) * (size_t)N_KINDS * 2 * n);
    if (!c->inv_limit || !c->ix) return rl_error(RL_ENOMEM, "out of memory");
    for (int j = 0; j < n; j++) {
        const float *hi = probe->obs_space.high, *lo = probe->obs_space.low;
        double lim = hi ? hi[sl->start + j] : NAN;
        if (lo && isfinite(lo[sl->start + j]) && fabs(lo[sl->start + j]) > lim)
            lim = fabs(lo[sl->start + j]);
        if (!isfinite(lim) || lim <= 0)
            return rl_error(RL_EINVAL, "policy ncap needs finite joint limits: %s publishes "
                            "joint_pos[%d] bounds without one", probe->task->id, j);
        c->inv_limit[j] = (float)(1.0 / lim);
    }
    for (int k = 0; k < N_KINDS * 2 * n; k++) c->ix[k] = -1;
    int np = 0;
    if (cfg->shared) {
        for (int kind = 0; kind < N_KINDS; kind++)
            for (int sd = 0; sd < 2; sd++)
                for (int j = 0; j < n; j++)
                    if (kind == K_OSC ? j == 0 : (kind != K_PROP || j > 0)) *ixp(c, kind, sd, j) = kind;
        np = N_KINDS;
    } else {
        for (int sd = 0; sd < 2; sd++)
            for (int j = 1; j < n; j++) *ixp(c, K_PROP, sd, j) = np++;
        for (int sd = 0; sd < 2; sd++) *ixp(c, K_OSC, sd, 0) = np++;
        for (int kind = K_IPSI; kind <= K_CONTRA; kind++)
            for (int sd = 0; sd < 2; sd++)
                for (int j = 0; j < n; j++) *ixp(c, kind, sd, j) = np++;
    }
    c->params = calloc((size_t)np, sizeof(float));
    c->grads = calloc((size_t)np, sizeof(float));
    c->eff = calloc((size_t)np, sizeof(float));
    if (!c->params || !c->grads || !c->eff) return rl_error(RL_ENOMEM, "out of memory");
    p->n_params = np;
    p->params = c->params;
    p->grads = c->grads;
    for (int k = 0; k < np; k++) /* constant init until init() is called */
        c->params[k] = is_inhibitory(kind_of_param(c, k, NULL, NULL)) ? -1.f : 1.f;
    return RL_OK;
}

static int ncap_init(rl_policy *p, rl_rng *rng, float out_gain)
{
    const ncap_cfg *cfg = p->cfg;
    ncap *c = p->impl;
    for (int k = 0; k < p->n_params; k++) {
        int inh = is_inhibitory(kind_of_param(c, k, NULL, NULL));
        float sign = inh ? -1.f : 1.f;
        if (cfg->init == 0)
            c->params[k] = sign;
        else if (cfg->signs)
            c->params[k] = sign * (float)rl_rng_uniform(rng);
        else
            c->params[k] = (float)rl_rng_range(rng, -1.0, 1.0);
    }
    return RL_OK;
}

void rl_ncap_effective(const rl_policy *p, float *eff)
{
    const ncap_cfg *cfg = p->cfg;
    const ncap *c = p->impl;
    for (int k = 0; k < p->n_params; k++) {
        float w = c->params[k];
        if (cfg->signs) {
            if (is_inhibitory(kind_of_param(c, k, NULL, NULL)))
                w = w < 0 ? w : 0.f;
            else
                w = w > 0 ? w : 0.f;
        }
        eff[k] = w;
    }
}

static float clamp01(float x) { return x < 0 ? 0.f : (x > 1 ? 1.f : x); }
/* d clamp01 / dx: 1 on the closed linear range (PyTorch's convention). */
static float dclamp01(float x) { return x >= 0 && x <= 1 ? 1.f : 0.f; }

static int ensure_cap(ncap *c, int batch)
{
    if (batch <= c->cap) return RL_OK;
    size_t n = (size_t)batch * c->n;
    float *bufs[6];
    size_t sizes[6] = {n, 2 * n, 2 * n, 2 * n, 2 * n, 2 * (size_t)batch};
    for (int i = 0; i < 6; i++) {
        bufs[i] = malloc(sizeof(float) * sizes[i]);
        if (!bufs[i]) {
            while (i--) free(bufs[i]);
            return rl_error(RL_ENOMEM, "out of memory for an ncap batch of %d", batch);
        }
    }
    free(c->out), free(c->s), free(c->bpre), free(c->b), free(c->mpre), free(c->o);
    c->out = bufs[0], c->s = bufs[1], c->bpre = bufs[2], c->b = bufs[3], c->mpre = bufs[4];
    c->o = bufs[5];
    c->cap = batch;
    return RL_OK;
}

static const float *ncap_forward(rl_policy *p, const float *obs, const int *t, int batch)
{
    ncap *c = p->impl;
    if (ensure_cap(c, batch)) return NULL;
    rl_ncap_effective(p, c->eff);
    const float *w = c->eff;
    int n = c->n;
    for (int r = 0; r < batch; r++) {
        const float *x = obs + (size_t)r * p->in + c->jp;
        float *s = c->s + (size_t)r * 2 * n, *bpre = c->bpre + (size_t)r * 2 * n;
        float *b = c->b + (size_t)r * 2 * n, *mpre = c->mpre + (size_t)r * 2 * n;
        float *o = c->o + 2 * r, *a = c->out + (size_t)r * n;
        int phase = (t ? t[r] : 0) % NCAP_PERIOD;
        if (phase < 0) phase += NCAP_PERIOD;
        o[0] = phase < NCAP_PERIOD / 2 ? 1.f : 0.f;
        o[1] = 1.f - o[0];
        for (int j = 0; j < n; j++) {
            float q = x[j] * c->inv_limit[j];
            q = q < -1 ? -1.f : (q > 1 ? 1.f : q);
            s[j] = clamp01(q);
            s[n + j] = clamp01(-q);
        }
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < n; j++) {
                float in = j == 0 ? w[ix_of(c, K_OSC, sd, 0)] * o[sd]
                                  : w[ix_of(c, K_PROP, sd, j)] * s[sd * n + j - 1];
                bpre[sd * n + j] = in;
                b[sd * n + j] = clamp01(in);
            }
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < n; j++) {
                float in = w[ix_of(c, K_IPSI, sd, j)] * b[sd * n + j] +
                           w[ix_of(c, K_CONTRA, sd, j)] * b[(1 - sd) * n + j];
                mpre[sd * n + j] = in;
            }
        for (int j = 0; j < n; j++) a[j] = clamp01(mpre[j]) - clamp01(mpre[n + j]);
    }
    c->batch = batch;
    return c->out;
}

static int ncap_backward(rl_policy *p, const float *dout)
{
    const ncap_cfg *cfg = p->cfg;
    ncap *c = p->impl;
    int n = c->n;
    const float *w = c->eff;
    float *dw = calloc((size_t)p->n_params, sizeof(float));
    float *db = malloc(sizeof(float) * 2 * (size_t)n);
    if (!dw || !db) {
        free(dw);
        free(db);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    for (int r = 0; r < c->batch; r++) {
        const float *s = c->s + (size_t)r * 2 * n, *bpre = c->bpre + (size_t)r * 2 * n;
        const float *b = c->b + (size_t)r * 2 * n, *mpre = c->mpre + (size_t)r * 2 * n;
        const float *o = c->o + 2 * r, *g = dout + (size_t)r * n;
        for (int k = 0; k < 2 * n; k++) db[k] = 0;
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < n; j++) {
                float dm = (sd ? -g[j] : g[j]) * dclamp01(mpre[sd * n + j]);
                if (dm == 0) continue;
                int ii = ix_of(c, K_IPSI, sd, j), ic = ix_of(c, K_CONTRA, sd, j);
                dw[ii] += dm * b[sd * n + j];
                dw[ic] += dm * b[(1 - sd) * n + j];
                db[sd * n + j] += dm * w[ii];
                db[(1 - sd) * n + j] += dm * w[ic];
            }
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < n; j++) {
                float d = db[sd * n + j] * dclamp01(bpre[sd * n + j]);
                if (d == 0) continue;
                if (j == 0)
                    dw[ix_of(c, K_OSC, sd, 0)] += d * o[sd];
                else
                    dw[ix_of(c, K_PROP, sd, j)] += d * s[sd * n + j - 1];
            }
    }
    for (int k = 0; k < p->n_params; k++) {
        float pass = 1;
        if (cfg->signs) {
            float raw = c->params[k];
            pass = is_inhibitory(kind_of_param(c, k, NULL, NULL)) ? raw <= 0 : raw >= 0;
        }
        c->grads[k] += dw[k] * pass;
    }
    free(dw);
    free(db);
    return RL_OK;
}

static void ncap_project(rl_policy *p) { (void)p; /* signs are clamped at use */ }

static double ncap_macs(const rl_policy *p)
{
    const ncap *c = p->impl;
    return 8.0 * c->n; /* scale, 2 B-neuron and 4 muscle products, 1 difference per joint */
}

static int ncap_param_name(const rl_policy *p, int i, char *buf, size_t cap)
{
    const ncap_cfg *cfg = p->cfg;
    const ncap *c = p->impl;
    int side = 0, joint = 0, kind = kind_of_param(c, i, &side, &joint);
    if (kind < 0) return rl_error(RL_EINVAL, "ncap has no parameter %d", i);
    if (cfg->shared)
        snprintf(buf, cap, "%s", kind_names[kind]);
    else if (kind == K_OSC)
        snprintf(buf, cap, "%s_%c", kind_names[kind], side ? 'v' : 'd');
    else
        snprintf(buf, cap, "%s_%c[%d]", kind_names[kind], side ? 'v' : 'd', joint);
    return RL_OK;
}

static void ncap_destroy(rl_policy *p)
{
    ncap *c = p->impl;
    free(c->inv_limit);
    free(c->ix);
    free(c->params);
    free(c->grads);
    free(c->eff);
    free(c->out);
    free(c->s);
    free(c->bpre);
    free(c->b);
    free(c->mpre);
    free(c->o);
    free(c);
    p->impl = NULL;
}

int rl_ncap_joints(const rl_policy *p) { return ((const ncap *)p->impl)->n; }

const rl_policy_vt rl_policy_ncap = {
    .name = "ncap",
    .summary = "C. elegans locomotion circuit for swimmers (NCAP): oscillator, B-neurons, muscles",
    .opts = ncap_opts,
    .n_opts = (int)(sizeof ncap_opts / sizeof ncap_opts[0]),
    .cfg_size = sizeof(ncap_cfg),
    .raw_obs = 1,
    .create = ncap_create,
    .init = ncap_init,
    .forward = ncap_forward,
    .backward = ncap_backward,
    .project = ncap_project,
    .macs = ncap_macs,
    .param_name = ncap_param_name,
    .destroy = ncap_destroy,
};
