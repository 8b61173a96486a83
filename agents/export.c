/* Export a trained agent as one dependency-free C99 header (export.h says
 * what the header offers). The agent's checkpoint tensors become a plan:
 *
 *   normaliser  none | explicit clip((x - mean) * inv_std, +-clip) | folded
 *               into the first layer (only when no observation the space
 *               allows can reach the clip, so folding is exact)
 *   network     dense layers (core/nn.h layout) or the NCAP circuit
 *   head        clamp to bounds | tanh of the first act_dim outputs |
 *               argmax per action dimension (index written as a float)
 *
 * The plan is emitted as C and interpreted here with the same operation
 * order, which measures the exported code against rl_agent_act. Built-in
 * plans read each agent's own save format: ppo/es/ncap "actor" and
 * "obs_norm.*", sac "actor" (mean | log-std head), td3 "actor" (tanh), dqn
 * "q"; an agent may instead provide rl_agent_vt.export_c. */
#include "agents/export.h"

#include "agents/agents.h"
#include "agents/ncap.h"
#include "core/error.h"
#include "core/normalize.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LAYERS (RL_INTLIST_MAX + 1)

enum { NORM_NONE, NORM_EXPLICIT, NORM_FOLDED };
enum { NET_MLP, NET_NCAP };
enum { HEAD_CLAMP, HEAD_TANH, HEAD_ARGMAX };
enum { K_PROP, K_OSC, K_IPSI, K_CONTRA, N_KINDS };
static const char *const kind_names[N_KINDS] = {"w_prop", "w_osc", "w_ipsi", "w_contra"};

typedef struct {
    int in, out;
    rl_act act;
    float *W, *b;         /* (out, in), (out): owned (folding rewrites them) */
    signed char *Wq;      /* int8: (out, in) */
    float *scale;         /* int8: (out) per-row scale */
} plan_layer;

typedef struct {
    int obs_dim, act_dim, precision;
    int norm;
    float *mean, *inv, clip;  /* (obs_dim) */
    int net;
    int n_layers, width;      /* width: widest vector the forward pass holds */
    plan_layer L[MAX_LAYERS];
    /* ncap: effective weights expanded to (2 sides, nj joints); shared: one each */
    int nj, jp, shared;
    int64_t ncap_params;
    float *inv_limit;         /* (nj) */
    float *w[N_KINDS];        /* (2 * nj) */
    int head;
    float *lo, *hi;           /* (act_dim) clamp bounds */
    int D, K;                 /* argmax: D heads of K values */
    char arch[64], head_desc[64], norm_desc[48];
} plan;

static void plan_free(plan *p)
{
    free(p->mean);
    free(p->inv);
    for (int l = 0; l < p->n_layers; l++) {
        free(p->L[l].W);
        free(p->L[l].b);
        free(p->L[l].Wq);
        free(p->L[l].scale);
    }
    free(p->inv_limit);
    for (int k = 0; k < N_KINDS; k++) free(p->w[k]);
    free(p->lo);
    free(p->hi);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------ building plans */

static float *fdup(const float *x, size_t n)
{
    float *y = malloc(sizeof(float) * (n ? n : 1));
    if (y && x) memcpy(y, x, sizeof(float) * n);
    return y;
}

static const char *act_name(rl_act a)
{
    return a == RL_ACT_RELU ? "relu" : (a == RL_ACT_TANH ? "tanh" : "linear");
}

/* Dense layers from a flat nn.h parameter vector; keep_out < out keeps only
 * the first keep_out rows of the last layer (SAC's mean half). */
static int plan_mlp(plan *p, const rl_ckpt *ck, const char *tensor, int in, const rl_intlist *h,
                    int out, rl_act hidden_act, rl_act out_act, int keep_out)
{
    int sizes[MAX_LAYERS + 1], nl = h->n + 1;
    sizes[0] = in;
    for (int i = 0; i < h->n; i++) sizes[i + 1] = h->v[i];
    sizes[nl] = out;
    int64_t count = 0;
    for (int l = 0; l < nl; l++) count += (int64_t)sizes[l + 1] * (sizes[l] + 1);
    const float *w = rl_ckpt_get(ck, tensor, RL_F32, count, NULL);
    if (!w)
        return rl_error(rl_last_code(), "tensor '%s' (%lld values for an mlp %d-...-%d): %s",
                        tensor, (long long)count, in, out, rl_last_error());
    p->net = NET_MLP;
    p->n_layers = nl;
    p->width = in;
    int used = snprintf(p->arch, sizeof p->arch, "mlp %d", in);
    for (int l = 0; l < nl; l++) {
        plan_layer *L = &p->L[l];
        L->in = sizes[l];
        L->out = l == nl - 1 ? keep_out : sizes[l + 1];
        L->act = l == nl - 1 ? out_act : hidden_act;
        L->W = malloc(sizeof(float) * (size_t)L->in * L->out);
        L->b = malloc(sizeof(float) * (size_t)L->out);
        if (!L->W || !L->b) return rl_error(RL_ENOMEM, "out of memory");
        memcpy(L->W, w, sizeof(float) * (size_t)L->in * L->out);
        w += (size_t)L->in * sizes[l + 1];
        memcpy(L->b, w, sizeof(float) * (size_t)L->out);
        w += sizes[l + 1];
        if (L->out > p->width) p->width = L->out;
        if (used < (int)sizeof p->arch)
            used += snprintf(p->arch + used, sizeof p->arch - used, "-%d", L->out);
    }
    if (used < (int)sizeof p->arch)
        snprintf(p->arch + used, sizeof p->arch - used, " %s", act_name(hidden_act));
    return RL_OK;
}

/* Which weight a name from ncap's param_name is: "w_prop" (shared) or
 * "w_prop_d[3]", "w_osc_v". side/joint -1 when shared. */
static int ncap_parse_name(const char *name, int *side, int *joint)
{
    for (int k = 0; k < N_KINDS; k++) {
        size_t n = strlen(kind_names[k]);
        if (strncmp(name, kind_names[k], n)) continue;
        const char *r = name + n;
        if (!*r) {
            *side = *joint = -1;
            return k;
        }
        if (r[0] != '_' || (r[1] != 'd' && r[1] != 'v')) continue;
        *side = r[1] == 'v';
        *joint = r[2] == '[' ? atoi(r + 3) : 0;
        return k;
    }
    return -1;
}

static int plan_ncap(plan *p, const rl_agent *ag, const rl_ckpt *ck, const rl_env *probe)
{
    rl_policy_spec spec = {rl_agent_policy_dim(ag), ag->act_dim, RL_ACT_NONE, NULL, RL_ACT_NONE,
                           probe};
    rl_policy *pol = rl_policy_make("ncap", ag->policy_opts, &spec);
    if (!pol) return rl_last_code();
    int rc = RL_OK;
    const float *w = rl_ckpt_get(ck, "actor", RL_F32, pol->n_params, NULL);
    float *eff = malloc(sizeof(float) * (size_t)pol->n_params);
    const rl_slice *sl = rl_env_slice(probe, "joint_pos");
    if (!w || !sl) rc = w ? rl_error(RL_EINVAL, "no joint_pos slice") : rl_last_code();
    else if (!eff) rc = rl_error(RL_ENOMEM, "out of memory");
    int nj = rc ? 0 : rl_ncap_joints(pol);
    if (!rc) {
        memcpy(pol->params, w, sizeof(float) * (size_t)pol->n_params);
        rl_ncap_effective(pol, eff);
        p->net = NET_NCAP;
        p->nj = nj;
        p->jp = sl->start;
        p->ncap_params = pol->n_params;
        p->inv_limit = malloc(sizeof(float) * (size_t)nj);
        for (int k = 0; k < N_KINDS; k++) p->w[k] = calloc(2 * (size_t)nj, sizeof(float));
        if (!p->inv_limit || !p->w[0] || !p->w[1] || !p->w[2] || !p->w[3])
            rc = rl_error(RL_ENOMEM, "out of memory");
    }
    /* The joint limits exactly as ncap.c derives them from the obs bounds. */
    for (int j = 0; !rc && j < nj; j++) {
        const float *hi = probe->obs_space.high, *lo = probe->obs_space.low;
        double lim = hi ? hi[sl->start + j] : NAN;
        if (lo && isfinite(lo[sl->start + j]) && fabs(lo[sl->start + j]) > lim)
            lim = fabs(lo[sl->start + j]);
        p->inv_limit[j] = (float)(1.0 / lim);
    }
    p->shared = 1;
    for (int k = 0; !rc && k < pol->n_params; k++) {
        char name[64];
        int side, joint;
        if (!pol->vt->param_name || pol->vt->param_name(pol, k, name, sizeof name) ||
            (k == 0 ? 0 : 0)) {
            rc = rl_error(RL_EINVAL, "ncap parameter %d has no name", k);
            break;
        }
        int kind = ncap_parse_name(name, &side, &joint);
        if (kind < 0 || joint >= nj) {
            rc = rl_error(RL_EINVAL, "ncap parameter '%s' is not one the exporter knows", name);
            break;
        }
        if (side < 0) {
            for (int i = 0; i < 2 * nj; i++) p->w[kind][i] = eff[k];
        } else {
            p->shared = 0;
            p->w[kind][side * nj + joint] = eff[k];
        }
    }
    if (!rc) {
        snprintf(p->arch, sizeof p->arch, "ncap (%d joints, %s, %lld params)", nj,
                 p->shared ? "shared" : "unshared", (long long)pol->n_params);
        p->width = rl_agent_policy_dim(ag);
    }
    free(eff);
    rl_policy_free(pol);
    return rc;
}

/* Observation normaliser "obs_norm" of the checkpoint (applied when used). */
static int plan_norm(plan *p, const rl_agent *ag, const rl_ckpt *ck, int used)
{
    p->norm = NORM_NONE;
    snprintf(p->norm_desc, sizeof p->norm_desc, "none");
    if (!used) return RL_OK;
    rl_normalizer *nz = rl_normalizer_make(ag->obs_dim);
    if (!nz) return rl_error(RL_ENOMEM, "out of memory");
    int rc = rl_normalizer_load(nz, ck, "obs_norm");
    /* The policy's inputs only: a privileged slice never reaches it. */
    int pd = rl_agent_policy_dim(ag);
    p->mean = malloc(sizeof(float) * (size_t)pd);
    p->inv = malloc(sizeof(float) * (size_t)pd);
    if (!rc && (!p->mean || !p->inv)) rc = rl_error(RL_ENOMEM, "out of memory");
    if (rc) {
        rl_normalizer_free(nz);
        return rc;
    }
    p->norm = NORM_EXPLICIT;
    p->clip = nz->clip;
    /* Folding is exact only if no allowed observation reaches the clip. */
    int foldable = p->net == NET_MLP;
    for (int i = 0; i < pd; i++) {
        double mean = nz->mean[i], inv = 1.0 / sqrt(rl_normalizer_var(nz, i) + nz->eps);
        p->mean[i] = (float)mean;
        p->inv[i] = (float)inv;
        double lo = ag->obs_low ? ag->obs_low[i] : -INFINITY;
        double hi = ag->obs_high ? ag->obs_high[i] : INFINITY;
        if (p->clip > 0 && !(isfinite(lo) && isfinite(hi) &&
                             fmax(hi - mean, mean - lo) * inv <= p->clip * (1 - 1e-6)))
            foldable = 0;
    }
    if (foldable) {
        plan_layer *L = &p->L[0];
        for (int o = 0; o < L->out; o++) {
            double b = L->b[o];
            for (int i = 0; i < L->in; i++) {
                double inv = 1.0 / sqrt(rl_normalizer_var(nz, i) + nz->eps);
                double w = (double)L->W[(size_t)o * L->in + i] * inv;
                b -= w * nz->mean[i];
                L->W[(size_t)o * L->in + i] = (float)w;
            }
            L->b[o] = (float)b;
        }
        p->norm = NORM_FOLDED;
        snprintf(p->norm_desc, sizeof p->norm_desc, "folded into layer 0 (clip %g unreachable)",
                 p->clip);
    } else if (p->clip > 0) {
        snprintf(p->norm_desc, sizeof p->norm_desc, "explicit, clip %g", p->clip);
    } else {
        snprintf(p->norm_desc, sizeof p->norm_desc, "explicit, no clip");
    }
    rl_normalizer_free(nz);
    return RL_OK;
}

static int plan_clamp(plan *p, const float *lo, const float *hi, int n)
{
    p->head = HEAD_CLAMP;
    p->lo = malloc(sizeof(float) * (size_t)n);
    p->hi = malloc(sizeof(float) * (size_t)n);
    if (!p->lo || !p->hi) return rl_error(RL_ENOMEM, "out of memory");
    int unit = 1;
    for (int d = 0; d < n; d++) {
        p->lo[d] = lo ? lo[d] : -1.f;
        p->hi[d] = hi ? hi[d] : 1.f;
        unit &= p->lo[d] == -1.f && p->hi[d] == 1.f;
    }
    snprintf(p->head_desc, sizeof p->head_desc, "clamp(out, %s)",
             unit ? "-1, 1" : "act_low, act_high");
    return RL_OK;
}

static void plan_argmax(plan *p, int D, int K)
{
    p->head = HEAD_ARGMAX;
    p->D = D;
    p->K = K;
    snprintf(p->head_desc, sizeof p->head_desc, "argmax per dimension (%d x %d), index as float",
             D, K);
}

/* Quantise every dense layer: per-row symmetric int8 with a float scale. */
static int plan_quantise(plan *p)
{
    for (int l = 0; l < p->n_layers; l++) {
        plan_layer *L = &p->L[l];
        L->Wq = malloc((size_t)L->in * L->out);
        L->scale = malloc(sizeof(float) * (size_t)L->out);
        if (!L->Wq || !L->scale) return rl_error(RL_ENOMEM, "out of memory");
        for (int o = 0; o < L->out; o++) {
            const float *w = L->W + (size_t)o * L->in;
            float m = 0;
            for (int i = 0; i < L->in; i++) m = fabsf(w[i]) > m ? fabsf(w[i]) : m;
            float s = m > 0 ? m / 127.f : 1.f;
            L->scale[o] = s;
            for (int i = 0; i < L->in; i++) {
                long q = lrintf(w[i] / s);
                L->Wq[(size_t)o * L->in + i] = (signed char)(q > 127 ? 127 : (q < -127 ? -127 : q));
            }
        }
    }
    return RL_OK;
}

int rl_export_supported(const char *agent, const char *policy)
{
    const rl_agent_vt *vt = rl_agent_find(agent);
    if (!vt) return 0;
    if (vt->export_c) return 1;
    if (!policy) policy = vt->default_policy;
    if (!strcmp(policy, "mlp")) return vt->net.exportable;
    return !strcmp(policy, "ncap") && vt->net.ncap_exportable;
}

static int not_exportable(const rl_agent *ag)
{
    char known[512] = "";
    size_t used = 0;
    for (int i = 0; i < rl_agent_count() && used < sizeof known; i++) {
        const rl_agent_vt *vt = rl_agent_at(i);
        if (vt->export_c || vt->net.exportable)
            used += snprintf(known + used, sizeof known - used, "%s%s%s", used ? ", " : "",
                             vt->name, vt->export_c ? "" : vt->net.ncap_exportable
                                                               ? " (mlp, ncap)" : " (mlp)");
    }
    return rl_error(RL_EINVAL, "cannot export agent %s with policy %s: no C exporter for it "
                    "(exportable: %s)", ag->vt->name, ag->policy, known);
}

/* The head from the descriptor: discrete spaces take the argmax per
 * dimension; Box spaces clamp (to [-1, 1] or the bounds) or squash. */
static int plan_head(plan *p, const rl_agent *ag)
{
    if (ag->act_space.kind == RL_DISCRETE) {
        plan_argmax(p, ag->act_dim, ag->act_space.n);
        return RL_OK;
    }
    switch (ag->vt->net.head) {
    case RL_HEAD_CLAMP_BOUNDS: return plan_clamp(p, ag->act_low, ag->act_high, ag->act_dim);
    case RL_HEAD_TANH:
        p->head = HEAD_TANH;
        snprintf(p->head_desc, sizeof p->head_desc, "tanh(mean) (log-std rows dropped)");
        return RL_OK;
    case RL_HEAD_CLAMP: break;
    }
    return plan_clamp(p, NULL, NULL, ag->act_dim);
}

/* 1 if the agent has a norm_obs= option and it is on. */
static int uses_obs_norm(const rl_agent *ag)
{
    const rl_optdef *d = rl_opts_find(ag->vt->opts, ag->vt->n_opts, "norm_obs");
    return d && d->type == RL_OPT_BOOL && *(const int *)((const char *)ag->cfg + d->offset);
}

/* The plan of the acting network the descriptor names (vt->net). */
static int plan_net(plan *p, rl_agent *ag, const rl_ckpt *ck, const rl_env *probe)
{
    if (!strcmp(ag->policy, "ncap")) {
        int rc = plan_ncap(p, ag, ck, probe);
        return rc ? rc : plan_norm(p, ag, ck, 0); /* the circuit reads raw observations */
    }
    rl_intlist h;
    rl_act act;
    int rc = rl_agent_mlp_shape(ag, &h, &act);
    int out = rl_agent_net_outputs(ag);
    /* Box heads read the first act_dim outputs (SAC's mean half). */
    int keep = ag->act_space.kind == RL_DISCRETE ? out : ag->act_dim;
    if (!rc) rc = plan_mlp(p, ck, ag->vt->net.tensor, rl_agent_policy_dim(ag), &h, out, act,
                           ag->vt->net.out_act, keep);
    if (!rc) rc = plan_norm(p, ag, ck, uses_obs_norm(ag));
    return rc;
}

static int build_plan(plan *p, rl_agent *ag, int precision)
{
    memset(p, 0, sizeof *p);
    if (!rl_export_supported(ag->vt->name, ag->policy)) return not_exportable(ag);
    rl_ckpt *ck = rl_ckpt_make();
    if (!ck) return rl_last_code();
    int rc = ag->vt->save(ag, ck, 0);
    rl_env *probe = rc ? NULL : rl_env_make(ag->env_id, ag->env_opts);
    if (!rc && !probe) rc = rl_last_code();
    p->obs_dim = rl_agent_policy_dim(ag); /* a privileged slice is not the policy's */
    p->act_dim = ag->act_dim;
    p->precision = precision;
    if (!rc) rc = plan_net(p, ag, ck, probe);
    if (!rc) rc = plan_head(p, ag);
    if (!rc && precision == RL_EXPORT_INT8 && p->net == NET_MLP) rc = plan_quantise(p);
    rl_env_free(probe);
    rl_ckpt_free(ck);
    if (rc) {
        plan_free(p);
        rl_error_context(rc, "export %s/%s", ag->vt->name, ag->policy);
    }
    return rc;
}

/* ------------------------------------------------------------ interpreter
 * The same arithmetic, in the same order, as the emitted code. */

static float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }
static float clamp01(float x) { return x < 0.0f ? 0.0f : (x > 1.0f ? 1.0f : x); }

static void plan_act(const plan *p, const float *obs, long t, float *xa, float *xb, float *action)
{
    const float *out;
    if (p->net == NET_NCAP) {
        int n = p->nj;
        float s[2][64], b[2][64], m[2][64];
        long ph = t % NCAP_PERIOD;
        float o[2];
        o[0] = ph < NCAP_PERIOD / 2 ? 1.0f : 0.0f;
        o[1] = 1.0f - o[0];
        for (int j = 0; j < n; j++) {
            float q = clampf(obs[p->jp + j] * p->inv_limit[j], -1.0f, 1.0f);
            s[0][j] = clamp01(q);
            s[1][j] = clamp01(-q);
        }
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < n; j++)
                b[sd][j] = clamp01(j == 0 ? p->w[K_OSC][sd * n] * o[sd]
                                          : p->w[K_PROP][sd * n + j] * s[sd][j - 1]);
        for (int sd = 0; sd < 2; sd++)
            for (int j = 0; j < n; j++)
                m[sd][j] = p->w[K_IPSI][sd * n + j] * b[sd][j] +
                           p->w[K_CONTRA][sd * n + j] * b[1 - sd][j];
        for (int j = 0; j < n; j++) xa[j] = clamp01(m[0][j]) - clamp01(m[1][j]);
        out = xa;
    } else {
        float *x = xa, *y = xb;
        for (int i = 0; i < p->obs_dim; i++) {
            float v = obs[i];
            if (p->norm == NORM_EXPLICIT) {
                v = (v - p->mean[i]) * p->inv[i];
                if (p->clip > 0) v = clampf(v, -p->clip, p->clip);
            }
            x[i] = v;
        }
        for (int l = 0; l < p->n_layers; l++) {
            const plan_layer *L = &p->L[l];
            for (int o = 0; o < L->out; o++) {
                float sum = 0.0f;
                if (L->Wq) {
                    const signed char *w = L->Wq + (size_t)o * L->in;
                    for (int i = 0; i < L->in; i++) sum += (float)w[i] * x[i];
                    sum = sum * L->scale[o] + L->b[o];
                } else {
                    const float *w = L->W + (size_t)o * L->in;
                    for (int i = 0; i < L->in; i++) sum += w[i] * x[i];
                    sum += L->b[o];
                }
                if (L->act == RL_ACT_RELU) sum = sum > 0.0f ? sum : 0.0f;
                else if (L->act == RL_ACT_TANH) sum = tanhf(sum);
                y[o] = sum;
            }
            float *tmp = x;
            x = y;
            y = tmp;
        }
        out = x;
    }
    if (p->head == HEAD_CLAMP)
        for (int d = 0; d < p->act_dim; d++) action[d] = clampf(out[d], p->lo[d], p->hi[d]);
    else if (p->head == HEAD_TANH)
        for (int d = 0; d < p->act_dim; d++) action[d] = tanhf(out[d]);
    else
        for (int d = 0; d < p->D; d++) {
            const float *q = out + d * p->K;
            int best = 0;
            for (int k = 1; k < p->K; k++)
                if (q[k] > q[best]) best = k;
            action[d] = (float)best;
        }
}

/* Drive the env with the library's deterministic policy for `steps` steps
 * and compare the plan's action on every observation. */
static int measure(const plan *p, rl_agent *ag, int steps, rl_export_info *info)
{
    rl_env *env = rl_env_make(ag->env_id, ag->env_opts);
    if (!env) return rl_last_code();
    int W = p->width > p->obs_dim ? p->width : p->obs_dim;
    if (W < p->nj) W = p->nj;
    float *xa = malloc(sizeof(float) * (size_t)W), *xb = malloc(sizeof(float) * (size_t)W);
    float *a = malloc(sizeof(float) * (size_t)p->act_dim), *e = malloc(sizeof(float) * (size_t)p->act_dim);
    int rc = xa && xb && a && e ? RL_OK : rl_error(RL_ENOMEM, "out of memory");
    long t = 0;
    int ep = 0;
    if (!rc) rc = rl_env_reset(env, 12345);
    if (!rc) rc = rl_agent_reset_state(ag, -1);
    for (int s = 0; s < steps && !rc; s++) {
        if ((rc = rl_agent_act(ag, env->obs, 1, a, 1))) break;
        plan_act(p, env->obs, t++, xa, xb, e);
        int mism = 0;
        for (int d = 0; d < p->act_dim; d++) {
            double err = fabs((double)a[d] - e[d]);
            if (err > info->max_err) info->max_err = err;
            mism |= a[d] != e[d];
        }
        info->argmax_mismatch += p->head == HEAD_ARGMAX && mism;
        info->n_checked++;
        if ((rc = rl_env_step(env, a))) break;
        if (env->info->done) {
            rc = rl_env_reset(env, 12345 + ++ep);
            if (!rc) rc = rl_agent_reset_state(ag, -1);
            t = 0;
        }
    }
    rl_agent_reset_state(ag, -1);
    free(xa), free(xb), free(a), free(e);
    rl_env_free(env);
    return rc;
}

/* ------------------------------------------------------------ emitting */

static void fmt_float(char *buf, size_t cap, float v)
{
    snprintf(buf, cap, "%.9g", v);
    if (!strpbrk(buf, ".e")) strncat(buf, ".0", cap - strlen(buf) - 1);
    strncat(buf, "f", cap - strlen(buf) - 1);
}

void rl_export_emit_floats(FILE *f, const char *name, const float *x, int64_t n)
{
    fprintf(f, "static const float %s[%lld] = {", name, (long long)(n > 0 ? n : 1));
    for (int64_t i = 0; i < n; i++) {
        char b[40];
        fmt_float(b, sizeof b, x[i]);
        fprintf(f, "%s%s%s", i % 8 ? " " : "\n    ", b, i + 1 < n ? "," : "");
    }
    if (n <= 0) fprintf(f, "0.0f");
    fprintf(f, "\n};\n");
}

static void emit_int8(FILE *f, const char *name, const signed char *x, int64_t n)
{
    fprintf(f, "static const signed char %s[%lld] = {", name, (long long)n);
    for (int64_t i = 0; i < n; i++) fprintf(f, "%s%d%s", i % 16 ? " " : "\n    ", x[i], i + 1 < n ? "," : "");
    fprintf(f, "\n};\n");
}

/* Arrays of the plan's layers and the body of the forward pass from x
 * (holding the input) with scratch y; the result ends in *result. */
static void emit_layers(FILE *f, const char *nm, const plan_layer *L, int nl, rl_export_info *info)
{
    char a[160];
    for (int l = 0; l < nl; l++) {
        fprintf(f, "/* layer %d: %d -> %d, %s */\n", l, L[l].in, L[l].out, act_name(L[l].act));
        snprintf(a, sizeof a, "%s_W%d", nm, l);
        /* Stored transposed, (in, out): the forward pass then runs over
         * contiguous outputs (vectorisable) yet adds each output's products
         * in input order, exactly as the row-major dot product would. */
        size_t nw = (size_t)L[l].in * L[l].out;
        float *wt = malloc(sizeof(float) * (nw ? nw : 1));
        signed char *qt = malloc(nw ? nw : 1);
        for (int o = 0; wt && qt && o < L[l].out; o++)
            for (int i = 0; i < L[l].in; i++) {
                wt[(size_t)i * L[l].out + o] = L[l].W[(size_t)o * L[l].in + i];
                if (L[l].Wq) qt[(size_t)i * L[l].out + o] = L[l].Wq[(size_t)o * L[l].in + i];
            }
        if (!wt || !qt) fprintf(f, "#error out of memory while exporting\n");
        fprintf(f, "/* W%d transposed: (in %d, out %d) */\n", l, L[l].in, L[l].out);
        if (L[l].Wq) {
            emit_int8(f, a, qt, (int64_t)L[l].in * L[l].out);
            snprintf(a, sizeof a, "%s_S%d", nm, l);
            rl_export_emit_floats(f, a, L[l].scale, L[l].out);
            info->weight_bytes += (int64_t)L[l].in * L[l].out + 4 * (int64_t)L[l].out;
        } else {
            rl_export_emit_floats(f, a, wt, (int64_t)L[l].in * L[l].out);
            info->weight_bytes += 4 * (int64_t)L[l].in * L[l].out;
        }
        free(wt);
        free(qt);
        snprintf(a, sizeof a, "%s_b%d", nm, l);
        rl_export_emit_floats(f, a, L[l].b, L[l].out);
        info->weight_bytes += 4 * (int64_t)L[l].out;
        info->n_params += (int64_t)L[l].out * (L[l].in + 1);
        info->macs += (double)L[l].out * L[l].in;
    }
}

static void emit_forward_body(FILE *f, const char *nm, const plan_layer *L, int nl)
{
    for (int l = 0; l < nl; l++) {
        const char *x = l % 2 ? "xb" : "xa", *y = l % 2 ? "xa" : "xb";
        int q = L[l].Wq != NULL;
        fprintf(f, "    for (o = 0; o < %d; o++) %s[o] = 0.0f;\n", L[l].out, y);
        fprintf(f, "    for (i = 0; i < %d; i++) {\n", L[l].in);
        fprintf(f, "        const %s *w = %s_W%d + i * %d;\n", q ? "signed char" : "float", nm, l,
                L[l].out);
        fprintf(f, "        const float xi = %s[i];\n", x);
        fprintf(f, "        for (o = 0; o < %d; o++) %s[o] += %sw[o] * xi;\n    }\n", L[l].out, y,
                q ? "(float)" : "");
        fprintf(f, "    for (o = 0; o < %d; o++) {\n", L[l].out);
        if (q)
            fprintf(f, "        float acc = %s[o] * %s_S%d[o] + %s_b%d[o];\n", y, nm, l, nm, l);
        else
            fprintf(f, "        float acc = %s[o] + %s_b%d[o];\n", y, nm, l);
        if (L[l].act == RL_ACT_RELU) fprintf(f, "        acc = acc > 0.0f ? acc : 0.0f;\n");
        if (L[l].act == RL_ACT_TANH) fprintf(f, "        acc = tanhf(acc);\n");
        fprintf(f, "        %s[o] = acc;\n    }\n", y);
    }
}

int rl_export_emit_mlp(FILE *f, const char *fn, const rl_export_dense *layers, int n_layers,
                       int precision, rl_export_info *info)
{
    plan p;
    memset(&p, 0, sizeof p);
    int width = 0;
    for (int l = 0; l < n_layers && l < MAX_LAYERS; l++) {
        p.L[l].in = layers[l].in;
        p.L[l].out = layers[l].out;
        p.L[l].act = layers[l].act;
        p.L[l].W = fdup(layers[l].W, (size_t)layers[l].in * layers[l].out);
        p.L[l].b = fdup(layers[l].b, (size_t)layers[l].out);
        p.n_layers = l + 1;
        if (layers[l].in > width) width = layers[l].in;
        if (layers[l].out > width) width = layers[l].out;
    }
    if (precision == RL_EXPORT_INT8) plan_quantise(&p);
    rl_export_info dummy;
    emit_layers(f, fn, p.L, p.n_layers, info ? info : &dummy);
    int nl = p.n_layers;
    fprintf(f, "static inline void %s(const float *x, float *y)\n{\n", fn);
    fprintf(f, "    float xa[%d], xb[%d];\n    int i, o;\n", width, width);
    fprintf(f, "    for (i = 0; i < %d; i++) xa[i] = x[i];\n", p.L[0].in);
    emit_forward_body(f, fn, p.L, nl);
    fprintf(f, "    for (i = 0; i < %d; i++) y[i] = %s[i];\n}\n\n", p.L[nl - 1].out,
            nl % 2 ? "xb" : "xa");
    plan_free(&p);
    return width;
}

static void comment_wrap(FILE *f, const char *label, const char *text)
{
    fprintf(f, " * %-12s", label);
    int col = 16;
    for (const char *s = text && *text ? text : "(none)"; *s; s++) {
        if (col > 92 && (*s == ',' || *s == ' ')) {
            fputc(*s, f);
            fprintf(f, "\n *             ");
            col = 16;
            continue;
        }
        fputc(*s, f);
        col++;
    }
    fputc('\n', f);
}

/* The static const arrays of a plan (normaliser, layers or circuit
 * weights, action bounds); adds their sizes into info. 1 if the code will
 * call tanhf. */
static int emit_arrays(FILE *b, const plan *p, const char *nm, rl_export_info *info)
{
    char a[160];
    int uses_tanh = p->head == HEAD_TANH;
    if (p->norm == NORM_EXPLICIT) {
        snprintf(a, sizeof a, "%s_obs_mean", nm);
        rl_export_emit_floats(b, a, p->mean, p->obs_dim);
        snprintf(a, sizeof a, "%s_obs_inv_std", nm);
        rl_export_emit_floats(b, a, p->inv, p->obs_dim);
        info->weight_bytes += 8 * (int64_t)p->obs_dim;
    }
    if (p->net == NET_MLP) {
        emit_layers(b, nm, p->L, p->n_layers, info);
        for (int l = 0; l < p->n_layers; l++) uses_tanh |= p->L[l].act == RL_ACT_TANH;
    } else {
        int n = p->nj, per = p->shared ? 1 : 2 * n;
        snprintf(a, sizeof a, "%s_inv_limit", nm);
        rl_export_emit_floats(b, a, p->inv_limit, n);
        info->weight_bytes += 4 * (int64_t)n;
        for (int k = 0; k < N_KINDS; k++) {
            float tmp[2];
            const float *src = p->w[k];
            int cnt = per;
            if (k == K_OSC) { /* only joint 0 of each side */
                tmp[0] = p->w[k][0];
                tmp[1] = p->w[k][n];
                src = tmp;
                cnt = p->shared ? 1 : 2;
            }
            snprintf(a, sizeof a, "%s_%s", nm, kind_names[k]);
            rl_export_emit_floats(b, a, src, cnt);
            info->weight_bytes += 4 * (int64_t)cnt;
        }
        info->n_params = p->ncap_params;
        info->macs = 8.0 * n;
    }
    if (p->head == HEAD_CLAMP) {
        int unit = 1;
        for (int d = 0; d < p->act_dim; d++) unit &= p->lo[d] == -1.f && p->hi[d] == 1.f;
        if (!unit) {
            snprintf(a, sizeof a, "%s_act_low", nm);
            rl_export_emit_floats(b, a, p->lo, p->act_dim);
            snprintf(a, sizeof a, "%s_act_high", nm);
            rl_export_emit_floats(b, a, p->hi, p->act_dim);
            info->weight_bytes += 8 * (int64_t)p->act_dim;
        }
    }
    return uses_tanh;
}

/* MLP: the (normalised) input into xa, then the layers. */
static void emit_mlp_forward(FILE *b, const plan *p, const char *nm)
{
    int W = p->width > p->obs_dim ? p->width : p->obs_dim;
    fprintf(b, "    float xa[%d], xb[%d];\n    int i, o;\n", W, W);
    if (p->norm == NORM_EXPLICIT) {
        fprintf(b, "    for (i = 0; i < %d; i++) {\n", p->obs_dim);
        fprintf(b, "        float v = (obs[i] - %s_obs_mean[i]) * %s_obs_inv_std[i];\n", nm, nm);
        if (p->clip > 0) {
            char c[40], mc[40];
            fmt_float(c, sizeof c, p->clip);
            fmt_float(mc, sizeof mc, -p->clip);
            fprintf(b, "        v = v > %s ? %s : (v < %s ? %s : v);\n", c, c, mc, mc);
        }
        fprintf(b, "        xa[i] = v;\n    }\n");
    } else {
        fprintf(b, "    for (i = 0; i < %d; i++) xa[i] = obs[i];\n", p->obs_dim);
    }
    emit_forward_body(b, nm, p->L, p->n_layers);
    fprintf(b, "    {\n        const float *out = %s;\n", p->n_layers % 2 ? "xb" : "xa");
}

/* NCAP: the circuit, oscillator phase from s->t, outputs into xa. */
static void emit_ncap_forward(FILE *b, const plan *p, const char *nm)
{
    int n = p->nj;
    const char *ix = p->shared ? "0" : "sd * %d + j";
    char idx[64], osc0[32], osc1[32];
    snprintf(idx, sizeof idx, ix, n);
    snprintf(osc0, sizeof osc0, "%s_w_osc[0]", nm);
    snprintf(osc1, sizeof osc1, "%s_w_osc[%d]", nm, p->shared ? 0 : 1);
    fprintf(b, "    float sp[2][%d], bn[2][%d], m[2][%d], o[2], xa[%d];\n", n, n, n, n);
    fprintf(b, "    long ph = s->t %% %d;\n    int j, sd;\n", NCAP_PERIOD);
    fprintf(b, "    o[0] = ph < %d ? 1.0f : 0.0f;\n    o[1] = 1.0f - o[0];\n", NCAP_PERIOD / 2);
    fprintf(b, "    for (j = 0; j < %d; j++) {\n", n);
    fprintf(b, "        float q = obs[%d + j] * %s_inv_limit[j];\n", p->jp, nm);
    fprintf(b, "        q = q < -1.0f ? -1.0f : (q > 1.0f ? 1.0f : q);\n");
    fprintf(b, "        sp[0][j] = q < 0.0f ? 0.0f : q;\n");
    fprintf(b, "        sp[1][j] = q > 0.0f ? 0.0f : -q;\n    }\n");
    fprintf(b, "#define %s_G(x) ((x) < 0.0f ? 0.0f : ((x) > 1.0f ? 1.0f : (x)))\n", nm);
    fprintf(b, "    for (sd = 0; sd < 2; sd++)\n        for (j = 0; j < %d; j++) {\n", n);
    fprintf(b, "            float in = j == 0 ? (sd ? %s : %s) * o[sd]\n", osc1, osc0);
    fprintf(b, "                              : %s_w_prop[%s] * sp[sd][j - 1];\n", nm, idx);
    fprintf(b, "            bn[sd][j] = %s_G(in);\n        }\n", nm);
    fprintf(b, "    for (sd = 0; sd < 2; sd++)\n        for (j = 0; j < %d; j++)\n", n);
    fprintf(b, "            m[sd][j] = %s_w_ipsi[%s] * bn[sd][j] + %s_w_contra[%s] * bn[1 - sd][j];\n",
            nm, idx, nm, idx);
    fprintf(b, "    for (j = 0; j < %d; j++) xa[j] = %s_G(m[0][j]) - %s_G(m[1][j]);\n", n, nm, nm);
    fprintf(b, "#undef %s_G\n", nm);
    fprintf(b, "    {\n        const float *out = xa;\n        int i;\n");
}

/* The head: clamp, tanh or argmax of `out` into action. */
static void emit_head(FILE *b, const plan *p, const char *nm)
{
    if (p->head == HEAD_CLAMP) {
        int unit = p->lo == NULL;
        if (!unit) {
            unit = 1;
            for (int d = 0; d < p->act_dim; d++) unit &= p->lo[d] == -1.f && p->hi[d] == 1.f;
        }
        fprintf(b, "        for (i = 0; i < %d; i++) {\n            float v = out[i];\n", p->act_dim);
        if (unit)
            fprintf(b, "            action[i] = v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);\n");
        else
            fprintf(b, "            action[i] = v < %s_act_low[i] ? %s_act_low[i] : "
                       "(v > %s_act_high[i] ? %s_act_high[i] : v);\n", nm, nm, nm, nm);
        fprintf(b, "        }\n");
    } else if (p->head == HEAD_TANH) {
        fprintf(b, "        for (i = 0; i < %d; i++) action[i] = tanhf(out[i]);\n", p->act_dim);
    } else {
        fprintf(b, "        for (i = 0; i < %d; i++) {\n", p->D);
        fprintf(b, "            const float *q = out + i * %d;\n            int k, best = 0;\n", p->K);
        fprintf(b, "            for (k = 1; k < %d; k++)\n                if (q[k] > q[best]) best = k;\n",
                p->K);
        fprintf(b, "            action[i] = (float)best;\n        }\n");
    }
}

/* The comment block: provenance, network, sizes, measured error, layout. */
static void emit_comment(FILE *f, const plan *p, const rl_agent *ag, const rl_export_opts *o,
                         const char *nm, const rl_export_info *info, int uses_tanh)
{
    /* ---- comment block */
    fprintf(f, "/* %s.h: policy exported by `rltool export` (rltool %s). Do not edit.\n *\n", nm,
            rl_version());
    comment_wrap(f, "source", o->source ? o->source : "(in-memory agent)");
    comment_wrap(f, "agent", ag->vt->name);
    char pol[600];
    snprintf(pol, sizeof pol, "%s%s%s%s", ag->policy, ag->policy_opts[0] ? " (" : "",
             ag->policy_opts, ag->policy_opts[0] ? ")" : "");
    comment_wrap(f, "policy", pol);
    comment_wrap(f, "env", ag->env_id);
    comment_wrap(f, "env options", ag->env_opts);
    comment_wrap(f, "hparams", ag->hparams);
    char line[256];
    snprintf(line, sizeof line, "%lld env steps, seed %llu", (long long)ag->steps_done,
             (unsigned long long)ag->seed);
    comment_wrap(f, "trained", line);
    comment_wrap(f, "network", p->arch);
    comment_wrap(f, "normaliser", p->norm_desc);
    comment_wrap(f, "action head", p->head_desc);
    snprintf(line, sizeof line, "%s%s", o->precision == RL_EXPORT_INT8 ? "int8 weights" : "float",
             o->precision == RL_EXPORT_INT8
                 ? (p->net == NET_MLP ? " (per-row symmetric, float scales and activations)"
                                      : " requested; the circuit's few weights stay float")
                 : "");
    comment_wrap(f, "precision", line);
    snprintf(line, sizeof line, "%lld", (long long)info->n_params);
    comment_wrap(f, "parameters", line);
    snprintf(line, sizeof line, "%lld bytes of static const data", (long long)info->weight_bytes);
    comment_wrap(f, "weights", line);
    snprintf(line, sizeof line, "%.0f multiply-accumulates per call", info->macs);
    comment_wrap(f, "compute", line);
    if (info->n_checked) {
        snprintf(line, sizeof line, "max |action - rl_agent_act| = %.3g over %d observations of a "
                 "library rollout%s", info->max_err, info->n_checked,
                 p->head == HEAD_ARGMAX ? " (argmax: index differences)" : "");
        comment_wrap(f, "checked", line);
    }
    fprintf(f, " *\n * observation (%d floats, raw: the normaliser is inside):\n", p->obs_dim);
    rl_env *probe = rl_env_make(ag->env_id, ag->env_opts);
    for (int i = 0; probe && rl_env_slice_at(probe, i); i++) {
        const rl_slice *sl = rl_env_slice_at(probe, i);
        fprintf(f, " *   %-20s obs[%d..%d]\n", sl->name, sl->start, sl->start + sl->len - 1);
    }
    rl_env_free(probe);
    if (ag->act_space.kind == RL_DISCRETE)
        fprintf(f, " * action (%d floats): discrete, each an index in 0..%d written as a float\n",
                p->act_dim, ag->act_space.n - 1);
    else
        fprintf(f, " * action (%d floats): Box, in [%g, %g] per dimension\n", p->act_dim,
                ag->act_low ? ag->act_low[0] : -1.0, ag->act_high ? ag->act_high[0] : 1.0);
    fprintf(f, " *\n * Use (no malloc, no BLAS%s; state is caller-owned):\n",
            uses_tanh ? "; libm for tanhf only, link with -lm" : ", no libm");
    fprintf(f, " *   %s_state s;\n *   %s_reset(&s);                 at every episode start\n", nm, nm);
    fprintf(f, " *   %s_act(&s, obs, action);      every control step\n */\n", nm);
}

static int emit_header(FILE *f, const plan *p, const rl_agent *ag, const rl_export_opts *o,
                       const char *nm, rl_export_info *info)
{
    char up[64];
    size_t n_up = 0;
    for (; nm[n_up] && n_up + 1 < sizeof up; n_up++) up[n_up] = (char)toupper((unsigned char)nm[n_up]);
    up[n_up] = 0;
    /* Arrays and code first into a buffer, so the comment block can carry
     * the totals. */
    char *body = NULL;
    size_t body_len = 0;
    FILE *b = open_memstream(&body, &body_len);
    if (!b) return rl_error(RL_ENOMEM, "out of memory");
    int uses_tanh = emit_arrays(b, p, nm, info);
    fprintf(b, "\nstatic inline void %s_reset(%s_state *s) { s->t = 0; }\n\n", nm, nm);
    fprintf(b, "/* obs (%s_OBS_DIM) raw observation -> action (%s_ACT_DIM); advances s->t. */\n",
            up, up);
    fprintf(b, "static inline void %s_act(%s_state *s, const float *obs, float *action)\n{\n", nm, nm);
    if (p->net == NET_MLP) emit_mlp_forward(b, p, nm);
    else emit_ncap_forward(b, p, nm);
    emit_head(b, p, nm);
    fprintf(b, "    }\n    s->t++;\n}\n");
    fclose(b);
    emit_comment(f, p, ag, o, nm, info, uses_tanh);
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n", up, up);
    if (uses_tanh) fprintf(f, "#include <math.h>\n\n");
    fprintf(f, "#define %s_OBS_DIM %d\n#define %s_ACT_DIM %d\n\n", up, p->obs_dim, up, p->act_dim);
    fprintf(f, "/* Episode step (NCAP's oscillator phase; unused by stateless networks). */\n");
    fprintf(f, "typedef struct %s_state {\n    long t;\n} %s_state;\n\n", nm, nm);
    fwrite(body, 1, body_len, f);
    fprintf(f, "\n#endif /* %s_H */\n", up);
    free(body);
    return RL_OK;
}

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 48 || !(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

int rl_export_agent(rl_agent *ag, const rl_export_opts *o, const char *path, rl_export_info *info)
{
    rl_export_opts dflt = {0};
    rl_export_info tmp;
    if (!o) o = &dflt;
    if (!info) info = &tmp;
    memset(info, 0, sizeof *info);
    const char *nm = o->name ? o->name : "policy";
    if (!ag || !path) return rl_error(RL_EINVAL, "rl_export_agent: need an agent and a path");
    if (!valid_name(nm))
        return rl_error(RL_EINVAL, "--name '%s' is not a C identifier (letters, digits, _; "
                        "up to 48 characters, not starting with a digit)", nm);
    if (o->precision != RL_EXPORT_FLOAT && o->precision != RL_EXPORT_INT8)
        return rl_error(RL_EINVAL, "unknown precision %d (known: float, int8)", o->precision);
    if (ag->vt->export_c) return ag->vt->export_c(ag, o, path, info);
    plan p;
    int rc = build_plan(&p, ag, o->precision);
    if (rc) return rc;
    snprintf(info->normaliser, sizeof info->normaliser, "%s", p.norm_desc);
    snprintf(info->head, sizeof info->head, "%s", p.head_desc);
    snprintf(info->arch, sizeof info->arch, "%s", p.arch);
    int steps = o->check_steps ? o->check_steps : 1000;
    if (steps > 0) rc = measure(&p, ag, steps, info);
    char tmpf[4200];
    snprintf(tmpf, sizeof tmpf, "%s.tmp", path);
    FILE *f = rc ? NULL : fopen(tmpf, "w");
    if (!rc && !f) rc = rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
    if (!rc) {
        rc = emit_header(f, &p, ag, o, nm, info);
        if (fclose(f) && !rc) rc = rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
        if (!rc && rename(tmpf, path))
            rc = rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
        if (rc) remove(tmpf);
    }
    plan_free(&p);
    return rc;
}

int rl_export_checkpoint(const char *ckpt_or_run, const rl_export_opts *o, const char *path,
                         rl_export_info *info)
{
    char file[4096];
    int rc = rl_agent_resolve_path(ckpt_or_run, file, sizeof file);
    if (rc) return rc;
    rl_agent *ag = rl_agent_load(file);
    if (!ag) return rl_last_code();
    rl_export_opts oo = o ? *o : (rl_export_opts){0};
    if (!oo.source) oo.source = file;
    rc = rl_export_agent(ag, &oo, path, info);
    rl_agent_free(ag);
    return rc;
}
