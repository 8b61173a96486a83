/* Policy architectures: the registry and the MLP architecture. */
#include "agents/agents.h"
#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const rl_policy_vt *const policies[] = {
    &rl_policy_mlp,
    &rl_policy_ncap,
};
#define N_POLICIES ((int)(sizeof policies / sizeof policies[0]))

const rl_policy_vt *rl_policy_find(const char *name)
{
    for (int i = 0; i < N_POLICIES; i++)
        if (name && !strcmp(policies[i]->name, name)) return policies[i];
    return NULL;
}

static const char *policy_name_at(int i) { return policies[i]->name; }

const rl_policy_vt *rl_policy_find_or_error(const char *name)
{
    const rl_policy_vt *vt = rl_policy_find(name);
    if (!vt) rl_error_unknown("policy", name, policy_name_at, N_POLICIES);
    return vt;
}

rl_policy *rl_policy_make(const char *name, const char *opts, const rl_policy_spec *spec)
{
    const rl_policy_vt *vt = rl_policy_find_or_error(name);
    if (!vt) return NULL;
    rl_policy *p = calloc(1, sizeof *p);
    void *cfg = calloc(1, vt->cfg_size ? vt->cfg_size : 1);
    if (!p || !cfg) {
        free(p);
        free(cfg);
        rl_error(RL_ENOMEM, "out of memory");
        return NULL;
    }
    p->vt = vt;
    p->cfg = cfg;
    p->in = spec->in;
    p->out = spec->out;
    if (rl_opts_defaults(vt->opts, vt->n_opts, cfg) ||
        rl_opts_parse(vt->opts, vt->n_opts, cfg, name, opts) || vt->create(p, spec)) {
        rl_policy_free(p);
        return NULL;
    }
    return p;
}

void rl_policy_free(rl_policy *p)
{
    if (!p) return;
    if (p->impl && p->vt->destroy) p->vt->destroy(p);
    free(p->cfg);
    free(p);
}

void rl_policy_set_pool(rl_policy *p, rl_pool *pool)
{
    /* Only the MLP policy has dense layers worth splitting. */
    if (p && p->vt == &rl_policy_mlp) rl_mlp_set_pool(p->impl, pool);
}

int rl_policy_options(const rl_policy *p, char *buf, size_t cap)
{
    return rl_opts_format(p->vt->opts, p->vt->n_opts, p->cfg, buf, cap);
}

/* ---------------------------------------------------------------- mlp */

static int mlp_create(rl_policy *p, const rl_policy_spec *spec)
{
    const rl_intlist *h = spec->hidden;
    rl_mlp *m = rl_mlp_make(spec->in, h ? h->n : 0, h ? h->v : NULL, spec->out,
                            spec->hidden_act, spec->out_act);
    if (!m) return rl_last_code() ? rl_last_code() : RL_ENOMEM;
    p->impl = m;
    p->n_params = m->n_params;
    p->params = m->params;
    p->grads = m->grads;
    return RL_OK;
}

static int mlp_init(rl_policy *p, rl_rng *rng, float out_gain)
{
    rl_mlp *m = p->impl;
    return rl_mlp_init_orthogonal(m, rng, m->hidden_act == RL_ACT_TANH ? 1.41421356f : 1.41421356f,
                                  out_gain);
}

static const float *mlp_forward(rl_policy *p, const float *obs, const int *t, int batch)
{
    return rl_mlp_forward(p->impl, obs, batch);
}

static int mlp_backward(rl_policy *p, const float *dout)
{
    return rl_mlp_backward(p->impl, dout, NULL, 1);
}

static int mlp_keep_rows(rl_policy *p, int rows) { return rl_mlp_keep_rows(p->impl, rows); }

static double mlp_macs(const rl_policy *p) { return rl_mlp_forward_flops(p->impl, 1) / 2.0; }

static void mlp_destroy(rl_policy *p)
{
    rl_mlp_free(p->impl);
    p->impl = NULL;
}

const rl_policy_vt rl_policy_mlp = {
    .name = "mlp",
    .summary = "multilayer perceptron (widths from `hidden`, activation from `activation`)",
    .create = mlp_create,
    .init = mlp_init,
    .forward = mlp_forward,
    .backward = mlp_backward,
    .keep_rows = mlp_keep_rows,
    .macs = mlp_macs,
    .destroy = mlp_destroy,
};
