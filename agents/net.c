/* What the rest of the tree reads about an agent's acting network, from
 * its descriptor (rl_agent_vt.net) and option table alone: `inspect` names
 * its parameters, `export` plans it, `bench` counts what acts. */
#include "agents/agent.h"
#include "agents/agents.h"
#include "agents/ncap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int rl_agent_mlp_shape(const rl_agent *ag, rl_intlist *hidden, rl_act *act)
{
    const rl_agent_vt *vt = ag->vt;
    const rl_optdef *h = rl_opts_find(vt->opts, vt->n_opts, "hidden");
    const rl_optdef *a = rl_opts_find(vt->opts, vt->n_opts, "activation");
    if (!h || h->type != RL_OPT_INTLIST)
        return rl_error(RL_EINVAL, "agent %s has no hidden= option: no MLP shape", vt->name);
    *hidden = *(const rl_intlist *)((const char *)ag->cfg + h->offset);
    char v[RL_OPT_STR_MAX] = "tanh";
    if (a) rl_opts_format_value(a, ag->cfg, v, sizeof v);
    *act = !strcmp(v, "relu") ? RL_ACT_RELU : RL_ACT_TANH;
    return RL_OK;
}

int rl_agent_net_outputs(const rl_agent *ag)
{
    if (ag->act_space.kind == RL_DISCRETE) return ag->act_dim * ag->act_space.n;
    return ag->act_dim * (ag->vt->net.outs_per_action > 0 ? ag->vt->net.outs_per_action : 1);
}

rl_policy *rl_agent_net_policy(const rl_agent *ag, const rl_ckpt *ck, const rl_env *probe)
{
    const char *tensor = ag->vt->net.tensor;
    if (!tensor) {
        rl_error(RL_EINVAL, "agent %s has no single policy tensor", ag->vt->name);
        return NULL;
    }
    int64_t n = 0;
    const float *w = rl_ckpt_get(ck, tensor, RL_F32, -1, &n);
    if (!w) return NULL;
    rl_intlist hidden = {0};
    rl_act act = RL_ACT_TANH;
    if (rl_agent_mlp_shape(ag, &hidden, &act) && !strcmp(ag->policy, "mlp")) return NULL;
    rl_policy_spec spec = {rl_agent_policy_dim(ag), rl_agent_net_outputs(ag), ag->vt->net.out_act,
                           &hidden, act, probe};
    rl_policy *pol = rl_policy_make(ag->policy, ag->policy_opts, &spec);
    if (pol && pol->n_params != n) {
        rl_error(RL_ECORRUPT, "tensor '%s' holds %lld values; a %s policy of this agent's shape "
                 "has %d", tensor, (long long)n, ag->policy, pol->n_params);
        rl_policy_free(pol);
        return NULL;
    }
    if (pol) memcpy(pol->params, w, sizeof(float) * (size_t)n);
    return pol;
}

int64_t rl_agent_acting_params(const rl_ckpt *ck)
{
    const rl_agent_vt *vt = rl_agent_find(rl_ckpt_meta(ck, "agent"));
    if (!vt || !vt->net.acting) return -1;
    int64_t total = 0;
    int found = 0;
    for (int i = 0; i < rl_ckpt_tensor_count(ck); i++) {
        const char *name;
        rl_dtype dt;
        int64_t count;
        const void *data;
        if (rl_ckpt_tensor_at(ck, i, &name, &dt, &count, &data) || dt != RL_F32) continue;
        for (const char *const *a = vt->net.acting; *a; a++)
            if (!strcmp(name, *a)) {
                total += count;
                found = 1;
            }
    }
    return found ? total : -1;
}

int rl_agent_inspect(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all)
{
    return ag->vt->inspect ? ag->vt->inspect(ag, ck, f, all) : rl_agent_inspect_net(ag, ck, f, all);
}

int rl_agent_inspect_net(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all)
{
    /* The acting network rebuilt in its architecture names the parameters. */
    rl_env *probe = rl_env_make(ag->env_id, ag->env_opts);
    rl_policy *pol = probe ? rl_agent_net_policy(ag, ck, probe) : NULL;
    if (!pol) {
        fprintf(f, "parameters  (%s)\n", rl_last_error());
        rl_env_free(probe);
        return RL_OK;
    }
    int64_t n = pol->n_params;
    const float *w = pol->params;
    float *eff = NULL;
    if (!strcmp(ag->policy, "ncap")) {
        eff = malloc(sizeof(float) * (size_t)n);
        if (eff) rl_ncap_effective(pol, eff);
    }
    fprintf(f, "parameters  %lld\n", (long long)n);
    fprintf(f, "  %-18s %12s%s\n", "name", "value", eff ? "    effective" : "");
    int64_t shown = all || n <= 40 ? n : 40;
    for (int64_t i = 0; i < shown; i++) {
        char name[64];
        if (!pol->vt->param_name || pol->vt->param_name(pol, (int)i, name, sizeof name))
            snprintf(name, sizeof name, "p[%lld]", (long long)i);
        fprintf(f, "  %-18s %12.6f", name, w[i]);
        if (eff) fprintf(f, " %12.6f", eff[i]);
        fputc('\n', f);
    }
    if (shown < n) fprintf(f, "  ... %lld more (--all prints every one)\n", (long long)(n - shown));
    free(eff);
    rl_policy_free(pol);
    rl_env_free(probe);
    return RL_OK;
}

static double rms(const float *x, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++) s += (double)x[i] * x[i];
    return n ? sqrt(s / n) : 0;
}

void rl_mlp_describe(FILE *f, const char *name, rl_mlp *m)
{
    static const char *const act_names[] = {"linear", "relu", "tanh"};
    fprintf(f, "  %s: %d -> %d, %d parameters\n", name, m->in, m->out, m->n_params);
    for (int l = 0; l < m->n_layers; l++) {
        rl_mlp_layer v;
        if (rl_mlp_layer_view(m, l, &v)) continue;
        fprintf(f, "    layer %d  %4d -> %-4d %-6s  rms(W) %.4f  rms(b) %.4f\n", l, v.in, v.out,
                act_names[v.act], rms(v.W, v.in * v.out), rms(v.b, v.out));
    }
}

void rl_policy_describe(FILE *f, const char *name, rl_policy *p)
{
    if (p->vt == &rl_policy_mlp)
        rl_mlp_describe(f, name, p->impl);
    else
        fprintf(f, "  %s: %s policy, %d parameters\n", name, p->vt->name, p->n_params);
}
