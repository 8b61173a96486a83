/* Agent registry, creation with resolved hyperparameters, checkpoints, and
 * the public acting / evaluation API. */
#include "agents/agents.h"
#include "core/error.h"
#include "envs/mujoco/mjcf_task.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CKPT_FORMAT "rltool-agent 1"

#define RL_AGENT_ENTRY(name) &rl_agent_##name,
static const rl_agent_vt *const builtin[] = {RL_BUILTIN_AGENTS(RL_AGENT_ENTRY)};
#undef RL_AGENT_ENTRY
#define N_BUILTIN RL_COUNT(builtin)
#define MAX_EXTRA 16

/* Agents registered at run time (rl_agent_register), after the built-in ones. */
static const rl_agent_vt *extra[MAX_EXTRA];
static int n_extra;

int rl_agent_count(void) { return N_BUILTIN + n_extra; }

const rl_agent_vt *rl_agent_at(int i)
{
    if (i < 0 || i >= N_BUILTIN + n_extra) return NULL;
    return i < N_BUILTIN ? builtin[i] : extra[i - N_BUILTIN];
}

const rl_agent_vt *rl_agent_find(const char *name)
{
    for (int i = 0; name && i < rl_agent_count(); i++)
        if (!strcmp(rl_agent_at(i)->name, name)) return rl_agent_at(i);
    return NULL;
}

static const char *agent_name_at(int i) { return rl_agent_at(i)->name; }

const rl_agent_vt *rl_agent_find_or_error(const char *name)
{
    const rl_agent_vt *vt = rl_agent_find(name);
    if (!vt) rl_error_unknown("agent", name, agent_name_at, rl_agent_count());
    return vt;
}

int rl_agent_register(const rl_agent_vt *vt)
{
    if (!vt || !vt->name || !vt->create || !vt->train || !vt->act || !vt->save || !vt->load)
        return rl_error(RL_EINVAL, "rl_agent_register: need a vt with a name and create, train, "
                        "act, save and load");
    if (rl_agent_find(vt->name))
        return rl_error(RL_EINVAL, "rl_agent_register: an agent named '%s' exists", vt->name);
    if (n_extra == MAX_EXTRA)
        return rl_error(RL_ENOMEM, "rl_agent_register: table full (%d agents)", MAX_EXTRA);
    extra[n_extra++] = vt;
    return RL_OK;
}

/* Copy a space with owned bounds. */
/* A Box without bounds means [-1, 1] for actions and unbounded for
 * observations: `unbounded` is the value a missing bound takes. */
static int copy_space(rl_space *dst, const rl_space *src, float **low, float **high,
                      float unbounded)
{
    *dst = *src;
    *low = *high = NULL;
    if (src->kind != RL_BOX) return RL_OK;
    *low = malloc(sizeof(float) * (size_t)src->dim);
    *high = malloc(sizeof(float) * (size_t)src->dim);
    if (!*low || !*high) return rl_error(RL_ENOMEM, "out of memory");
    for (int i = 0; i < src->dim; i++) {
        (*low)[i] = src->low ? src->low[i] : -unbounded;
        (*high)[i] = src->high ? src->high[i] : unbounded;
    }
    dst->low = *low;
    dst->high = *high;
    return RL_OK;
}

/* Split "k=v,..." into the agent's table and the policy's options. */
static int apply_hparams(rl_agent *ag, const rl_policy_vt *pvt, const char *kvs, char *policy_kv,
                         size_t cap)
{
    const char *p = kvs ? kvs : "";
    char key[128], val[RL_OPT_STR_MAX];
    int rc;
    while ((rc = rl_kv_next(&p, key, sizeof key, val, sizeof val)) == 1) {
        if (rl_opts_find(ag->vt->opts, ag->vt->n_opts, key)) {
            rc = rl_opts_set(ag->vt->opts, ag->vt->n_opts, ag->cfg, ag->vt->name, key, val);
            if (rc) return rc;
        } else if (pvt && rl_opts_find(pvt->opts, pvt->n_opts, key)) {
            size_t used = strlen(policy_kv);
            if ((size_t)snprintf(policy_kv + used, cap - used, "%s%s=%s", used ? "," : "", key,
                                 val) >= cap - used)
                return rl_error(RL_EINVAL, "policy options are too long");
        } else {
            char known[1024] = "";
            size_t used = 0;
            for (int i = 0; i < ag->vt->n_opts && used < sizeof known; i++)
                used += snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 ag->vt->opts[i].name);
            for (int i = 0; pvt && i < pvt->n_opts && used < sizeof known; i++)
                used += snprintf(known + used, sizeof known - used, ", %s", pvt->opts[i].name);
            return rl_error(RL_ENOTFOUND, "unknown hyperparameter '%s' for %s with policy %s "
                            "(known: %s)", key, ag->vt->name, pvt ? pvt->name : "-", known);
        }
    }
    return rc < 0 ? rc : RL_OK;
}

static rl_agent *agent_new(const rl_agent_vt *vt)
{
    rl_agent *ag = calloc(1, sizeof *ag);
    if (!ag) {
        rl_error(RL_ENOMEM, "out of memory");
        return NULL;
    }
    ag->vt = vt;
    ag->cfg = calloc(1, vt->cfg_size ? vt->cfg_size : 1);
    if (!ag->cfg) rl_error(RL_ENOMEM, "out of memory");
    if (!ag->cfg || rl_opts_defaults(vt->opts, vt->n_opts, ag->cfg)) {
        free(ag->cfg);
        free(ag);
        return NULL;
    }
    return ag;
}

/* A privileged slice must end the observation (the policy reads the part
 * before it) and needs an agent whose critics take it. */
static int check_privileged(const rl_agent *ag, const rl_env *probe)
{
    const rl_slice *s = rl_env_slice(probe, "privileged");
    if (s && !ag->priv_dim)
        return rl_error(RL_EINVAL, "%s: its 'privileged' slice (%d..%d) does not end the "
                        "observation (%d values); a task must append it last", ag->env_id,
                        s->start, s->start + s->len, probe->obs_space.dim);
    if (ag->priv_dim && !ag->vt->privileged_ok)
        return rl_error(RL_EINVAL, "agent %s cannot keep %s's privileged observation slice (%d "
                        "values) from its policy; use ppo, sac or td3, or drop the option that "
                        "adds it (privileged=0)", ag->vt->name, ag->env_id, ag->priv_dim);
    if (ag->priv_dim >= ag->obs_dim)
        return rl_error(RL_EINVAL, "%s: the privileged slice is the whole observation", ag->env_id);
    return RL_OK;
}

/* Shared by create and load: spaces from a probe env, then vt->create. */
static int agent_build(rl_agent *ag, const char *policy, const char *policy_kv)
{
    /* The probe reads the spaces only; pinned file hashes are checked where
     * an env is made to act in (there `task_hash=` accepts a change). */
    char opts[sizeof ag->env_opts + 32];
    snprintf(opts, sizeof opts, "%s%s", ag->env_opts,
             strstr(ag->env_opts, "model_hash=") ? ",model_hash=,task_hash=" : "");
    rl_env *probe = rl_env_make(ag->env_id, opts);
    if (!probe) return rl_last_code();
    const rl_space *as = &probe->act_space;
    int rc = RL_OK;
    if ((as->kind == RL_BOX && !ag->vt->box_ok) || (as->kind == RL_DISCRETE && !ag->vt->discrete_ok))
        rc = rl_error(RL_EINVAL, "agent %s does not handle %s action spaces (%s); %s", ag->vt->name,
                      as->kind == RL_BOX ? "Box" : "discrete", ag->env_id,
                      as->kind == RL_BOX ? "try --set discretize=... on the env, or another agent"
                                         : "try ppo or dqn");
    if (!rc) rc = copy_space(&ag->obs_space, &probe->obs_space, &ag->obs_low, &ag->obs_high,
                              INFINITY);
    if (!rc) rc = copy_space(&ag->act_space, as, &ag->act_low, &ag->act_high, 1.f);
    ag->obs_dim = ag->obs_space.dim;
    ag->act_dim = ag->act_space.dim;
    ag->priv_dim = rl_env_privileged_dim(probe);
    if (!rc) rc = check_privileged(ag, probe);
    snprintf(ag->policy, sizeof ag->policy, "%s", policy);
    snprintf(ag->policy_opts, sizeof ag->policy_opts, "%s", policy_kv ? policy_kv : "");
    if (!rc) rc = ag->vt->create(ag, probe);
    if (!rc && rl_opts_format(ag->vt->opts, ag->vt->n_opts, ag->cfg, ag->hparams,
                              sizeof ag->hparams) < 0)
        rc = rl_last_code();
    rl_env_free(probe);
    return rc;
}

/* Tasks named by a path (task files, mjcf:PATH) are stored under their
 * absolute id with the model's and task file's paths and hashes appended
 * to the options, so a checkpoint evaluates from any directory and says
 * when either file changed since training. */
static int pin_env(rl_agent *ag)
{
    const rl_task *t = rl_task_find(ag->env_id);
    if (!t) return RL_OK; /* agent_build reports the unknown id */
    snprintf(ag->env_id, sizeof ag->env_id, "%s", t->id);
    if (strstr(ag->env_opts, "model_hash=")) return RL_OK;
    rl_env *env = rl_env_make(ag->env_id, ag->env_opts);
    if (!env) return rl_last_code();
    char pin[1024];
    int n = rl_mjcf_pinned(env, pin, sizeof pin);
    rl_env_free(env);
    if (n < 0) {
        rl_clear_error(); /* not a model-file task: nothing to pin */
        return RL_OK;
    }
    size_t used = strlen(ag->env_opts);
    if (used + 1 + (size_t)n >= sizeof ag->env_opts)
        return rl_error(RL_EINVAL, "env options and pinned model paths exceed %zu characters",
                        sizeof ag->env_opts - 1);
    snprintf(ag->env_opts + used, sizeof ag->env_opts - used, "%s%s", used ? "," : "", pin);
    return RL_OK;
}

int rl_agent_check_hparams(const char *agent, const char *policy, const char *hparams)
{
    const rl_agent_vt *vt = rl_agent_find_or_error(agent);
    const rl_policy_vt *pvt = vt ? rl_policy_find_or_error(policy ? policy : vt->default_policy)
                                 : NULL;
    rl_agent *ag = pvt ? agent_new(vt) : NULL;
    if (!ag) return rl_last_code();
    char policy_kv[512] = "";
    int rc = apply_hparams(ag, pvt, hparams, policy_kv, sizeof policy_kv);
    rl_agent_free(ag);
    return rc;
}

rl_agent *rl_agent_create(const char *agent, const char *policy, const char *env_id,
                          const char *env_opts, const char *hparams, uint64_t seed)
{
    const rl_agent_vt *vt = rl_agent_find_or_error(agent);
    if (!vt) return NULL;
    const rl_recipe *rec = rl_recipe_find(agent, env_id);
    if (!policy) policy = rec && rec->policy ? rec->policy : vt->default_policy;
    rec = rl_recipe_find_for(agent, policy, env_id);
    const rl_policy_vt *pvt = rl_policy_find_or_error(policy);
    if (!pvt) return NULL;
    if (strlen(env_id) >= sizeof ((rl_agent *)0)->env_id ||
        (env_opts && strlen(env_opts) >= sizeof ((rl_agent *)0)->env_opts)) {
        rl_error(RL_EINVAL, "env id or env options too long (at most %zu and %zu characters)",
                 sizeof ((rl_agent *)0)->env_id - 1, sizeof ((rl_agent *)0)->env_opts - 1);
        return NULL;
    }
    rl_agent *ag = agent_new(vt);
    if (!ag) return NULL;
    snprintf(ag->env_id, sizeof ag->env_id, "%s", env_id);
    snprintf(ag->env_opts, sizeof ag->env_opts, "%s", env_opts ? env_opts : "");
    ag->seed = seed;
    rl_rng_seed(&ag->rng, seed, 0xac7);
    if (pin_env(ag)) {
        rl_agent_free(ag);
        return NULL;
    }
    char policy_kv[512] = "";
    int rc = RL_OK;
    if (rec && rec->hparams) rc = apply_hparams(ag, pvt, rec->hparams, policy_kv, sizeof policy_kv);
    if (!rc) rc = apply_hparams(ag, pvt, hparams, policy_kv, sizeof policy_kv);
    if (!rc) rc = agent_build(ag, policy, policy_kv);
    if (rc) {
        rl_agent_free(ag); /* sets no error */
        return NULL;
    }
    return ag;
}

void rl_agent_free(rl_agent *ag)
{
    if (!ag) return;
    if (ag->impl && ag->vt->destroy) ag->vt->destroy(ag);
    free(ag->cfg);
    free(ag->obs_low);
    free(ag->obs_high);
    free(ag->act_low);
    free(ag->act_high);
    free(ag->row_t);
    free(ag);
}

int rl_agent_save(const rl_agent *ag, const char *path, int training_state)
{
    rl_ckpt *ck = rl_ckpt_make();
    if (!ck) return rl_last_code();
    char num[64];
    int rc = rl_ckpt_set_meta(ck, "format", CKPT_FORMAT);
    if (!rc) rc = rl_ckpt_set_meta(ck, "agent", ag->vt->name);
    if (!rc) rc = rl_ckpt_set_meta(ck, "policy", ag->policy);
    if (!rc) rc = rl_ckpt_set_meta(ck, "policy_opts", ag->policy_opts);
    if (!rc) rc = rl_ckpt_set_meta(ck, "env_id", ag->env_id);
    if (!rc) rc = rl_ckpt_set_meta(ck, "env_opts", ag->env_opts);
    if (!rc) rc = rl_ckpt_set_meta(ck, "hparams", ag->hparams);
    snprintf(num, sizeof num, "%llu", (unsigned long long)ag->seed);
    if (!rc) rc = rl_ckpt_set_meta(ck, "seed", num);
    snprintf(num, sizeof num, "%lld", (long long)ag->steps_done);
    if (!rc) rc = rl_ckpt_set_meta(ck, "steps_done", num);
    snprintf(num, sizeof num, "%lld", (long long)ag->episodes_done);
    if (!rc) rc = rl_ckpt_set_meta(ck, "episodes_done", num);
    snprintf(num, sizeof num, "%d", training_state);
    if (!rc) rc = rl_ckpt_set_meta(ck, "training_state", num);
    snprintf(num, sizeof num, "%d", ag->obs_dim);
    if (!rc) rc = rl_ckpt_set_meta(ck, "obs_dim", num);
    snprintf(num, sizeof num, "%d", ag->act_dim);
    if (!rc) rc = rl_ckpt_set_meta(ck, "act_dim", num);
    snprintf(num, sizeof num, "%d", ag->priv_dim);
    if (!rc) rc = rl_ckpt_set_meta(ck, "priv_dim", num);
    if (!rc) rc = ag->vt->save(ag, ck, training_state);
    if (!rc) rc = rl_ckpt_save(ck, path);
    rl_ckpt_free(ck);
    return rc;
}

static long long meta_int(const rl_ckpt *ck, const char *key)
{
    const char *v = rl_ckpt_meta(ck, key);
    long long x = 0;
    if (v) rl_parse_int(v, &x);
    return x;
}

/* A file's hyperparameters are checked against its own tensors before any
 * network is built from them: layers of sizes h1 x h2 x ... hold at least
 * h1*h2 + h2*h3 + ... weights, so "hidden=4096x4096x4096" in a file of a
 * few thousand values is a lie that would cost gigabytes to find out. */
static int check_sizes_against_tensors(const rl_agent_vt *vt, const void *cfg,
                                       const rl_ckpt *ck)
{
    double stored = 0;
    for (int i = 0; i < rl_ckpt_tensor_count(ck); i++) {
        int64_t count;
        rl_ckpt_tensor_at(ck, i, NULL, NULL, &count, NULL);
        stored += (double)count;
    }
    for (int i = 0; i < vt->n_opts; i++) {
        if (vt->opts[i].type != RL_OPT_INTLIST) continue;
        const rl_intlist *l = (const rl_intlist *)((const char *)cfg + vt->opts[i].offset);
        double need = 0;
        for (int k = 0; k + 1 < l->n; k++) need += (double)l->v[k] * l->v[k + 1];
        if (need > 1e6 && need > 2 * stored)
            return rl_error(RL_ECORRUPT, "its %s layers need at least %.0f weights but the file "
                            "holds %.0f values in all (a damaged or forged header)",
                            vt->opts[i].name, need, stored);
    }
    return RL_OK;
}

rl_agent *rl_agent_from_ckpt(const rl_ckpt *ck, const char *path, int training_state)
{
    const char *fmt = rl_ckpt_meta(ck, "format");
    if (!fmt || strcmp(fmt, CKPT_FORMAT)) {
        rl_error(RL_ECORRUPT, "%s is not an rltool agent checkpoint (format '%s', expected '%s')",
                 path, fmt ? fmt : "missing", CKPT_FORMAT);
        return NULL;
    }
    const char *kind = rl_ckpt_meta(ck, "agent"), *env_id = rl_ckpt_meta(ck, "env_id");
    const char *policy = rl_ckpt_meta(ck, "policy");
    if (!kind || !env_id || !policy) {
        rl_error(RL_ECORRUPT, "%s lacks the agent, policy or env_id entries", path);
        return NULL;
    }
    const rl_agent_vt *vt = rl_agent_find_or_error(kind);
    if (!vt) return NULL;
    if (training_state && meta_int(ck, "training_state") != 1) {
        rl_error(RL_EINVAL, "%s holds no training state (only final checkpoints can be resumed)",
                 path);
        return NULL;
    }
    rl_agent *ag = agent_new(vt);
    if (!ag) return NULL;
    snprintf(ag->env_id, sizeof ag->env_id, "%s", env_id);
    const char *eo = rl_ckpt_meta(ck, "env_opts");
    snprintf(ag->env_opts, sizeof ag->env_opts, "%s", eo ? eo : "");
    ag->seed = (uint64_t)meta_int(ck, "seed");
    ag->steps_done = meta_int(ck, "steps_done");
    ag->episodes_done = meta_int(ck, "episodes_done");
    rl_rng_seed(&ag->rng, ag->seed, 0xac7);
    int rc = RL_OK;
    if (ag->steps_done < 0 || ag->episodes_done < 0)
        rc = rl_error(RL_ECORRUPT, "steps_done %lld / episodes_done %lld: counts cannot be "
                      "negative", (long long)ag->steps_done, (long long)ag->episodes_done);
    if (!rc) rc = rl_opts_parse(vt->opts, vt->n_opts, ag->cfg, kind, rl_ckpt_meta(ck, "hparams"));
    if (!rc) rc = check_sizes_against_tensors(vt, ag->cfg, ck);
    if (!rc) rc = agent_build(ag, policy, rl_ckpt_meta(ck, "policy_opts"));
    /* The agent is rebuilt from the task as it is now: a task whose spaces
     * changed since the checkpoint was written cannot take its weights. */
    long long od = meta_int(ck, "obs_dim"), ad = meta_int(ck, "act_dim");
    if (!rc && ((od && od != ag->obs_dim) || (ad && ad != ag->act_dim)))
        rc = rl_error(RL_EINVAL,
                      "it was trained on %s with %lld observation values and %lld actions, "
                      "but %s now has %d and %d (the task changed since; retrain)",
                      env_id, od, ad, env_id, ag->obs_dim, ag->act_dim);
    /* Checkpoints from before the privileged slice existed carry no
     * priv_dim: 0. */
    long long pd = meta_int(ck, "priv_dim");
    if (!rc && pd != ag->priv_dim)
        rc = rl_error(RL_EINVAL, "it was trained with %lld privileged observation values (read "
                      "by its critics only), but %s with its options now publishes %d (the task "
                      "changed since; retrain)", pd, env_id, ag->priv_dim);
    if (!rc) rc = vt->load(ag, ck, training_state);
    if (!rc && vt->params_finite && !vt->params_finite(ag))
        rc = rl_error(RL_ECORRUPT, "its weights hold NaN or infinite values");
    if (rc) {
        rl_agent_free(ag);
        rl_error_context(rc, "cannot load %s", path);
        return NULL;
    }
    return ag;
}

int rl_agent_resolve_path(const char *path, char *out, size_t cap)
{
    struct stat st;
    if (!path || stat(path, &st))
        return rl_error(RL_ENOTFOUND, "no such checkpoint or run directory: %s",
                        path ? path : "(null)");
    if (S_ISDIR(st.st_mode)) {
        snprintf(out, cap, "%s/final.rlt", path);
        if (stat(out, &st))
            return rl_error(RL_ENOTFOUND, "run directory %s has no final.rlt: its training has "
                            "not finished (continue it with rltool train --resume %s, or load "
                            "its latest.rlt or a step-N.rlt directly)", path, path);
    } else {
        snprintf(out, cap, "%s", path);
    }
    return RL_OK;
}

rl_agent *rl_agent_load(const char *path)
{
    RL_NEED(path, NULL);
    char file[4096];
    if (rl_agent_resolve_path(path, file, sizeof file)) return NULL;
    rl_ckpt *ck = rl_ckpt_load(file);
    if (!ck) return NULL;
    rl_agent *ag = rl_agent_from_ckpt(ck, file, 0);
    rl_ckpt_free(ck);
    return ag;
}

const char *rl_agent_kind(const rl_agent *ag) { RL_NEED(ag, NULL); return ag->vt->name; }
const char *rl_agent_env_id(const rl_agent *ag) { RL_NEED(ag, NULL); return ag->env_id; }
const char *rl_agent_env_opts(const rl_agent *ag) { RL_NEED(ag, NULL); return ag->env_opts; }
int rl_agent_obs_dim(const rl_agent *ag) { RL_NEED(ag, 0); return ag->obs_dim; }
int rl_agent_act_dim(const rl_agent *ag) { RL_NEED(ag, 0); return ag->act_dim; }
const rl_space *rl_agent_obs_space(const rl_agent *ag) { RL_NEED(ag, NULL); return &ag->obs_space; }
const rl_space *rl_agent_act_space(const rl_agent *ag) { RL_NEED(ag, NULL); return &ag->act_space; }

const float *rl_agent_policy_obs(const rl_agent *ag, const float *obs, float *buf, int n)
{
    if (!ag->priv_dim) return obs;
    size_t od = (size_t)ag->obs_dim, pd = od - (size_t)ag->priv_dim;
    /* Row i moves down to i * pd <= i * od: forward order is safe in place. */
    for (size_t i = 0; i < (size_t)n; i++) memmove(buf + i * pd, obs + i * od, sizeof(float) * pd);
    return buf;
}

static int ensure_rows(rl_agent *ag, int n)
{
    if (n <= ag->n_rows) return RL_OK;
    int *t = realloc(ag->row_t, sizeof(int) * (size_t)n);
    if (!t) return rl_error(RL_ENOMEM, "out of memory");
    for (int i = ag->n_rows; i < n; i++) t[i] = 0;
    ag->row_t = t;
    ag->n_rows = n;
    return RL_OK;
}

int rl_agent_act(rl_agent *ag, const float *obs, int n, float *actions, int deterministic)
{
    if (!ag || !obs || !actions || n < 1)
        return rl_error(RL_EINVAL, "rl_agent_act: need an agent, n >= 1 and obs/actions buffers");
    for (int i = 0; i < n * ag->obs_dim; i++)
        if (!isfinite(obs[i]))
            return rl_error(RL_EINVAL, "observation row %d, value %d is not finite",
                            i / ag->obs_dim, i % ag->obs_dim);
    int rc = ensure_rows(ag, n);
    if (rc) return rc;
    rc = ag->vt->act(ag, obs, ag->row_t, n, actions, deterministic, &ag->rng);
    if (!ag->vt->counts_decisions) {
        ag->decisions += n;
        ag->macs += n * (ag->vt->macs_per_act ? ag->vt->macs_per_act(ag) : 0);
    }
    for (int i = 0; i < n; i++) ag->row_t[i]++;
    return rc;
}

int rl_agent_reset_state(rl_agent *ag, int i)
{
    if (!ag) return rl_error(RL_EINVAL, "rl_agent_reset_state: agent is NULL");
    if (i >= ag->n_rows) return ensure_rows(ag, i + 1);
    if (i < 0)
        for (int k = 0; k < ag->n_rows; k++) ag->row_t[k] = 0;
    else
        ag->row_t[i] = 0;
    return RL_OK;
}

/* Evaluate on a body of another size (transfer): build the same agent for
 * the new env and give it the trained policy tensor ("actor"). Works when
 * the architecture's parameter count does not depend on the body (shared
 * NCAP); an MLP's does, and that is an error. */
static int evaluate_transfer(rl_agent *ag, const char *opts, int episodes, uint64_t seed,
                             int deterministic, rl_eval_result *out)
{
    char hp[2600];
    snprintf(hp, sizeof hp, "%s%s%s", ag->hparams, ag->hparams[0] && ag->policy_opts[0] ? "," : "",
             ag->policy_opts);
    rl_ckpt *old = rl_ckpt_make(), *fresh = rl_ckpt_make();
    rl_agent *nu = NULL;
    int64_t n_old = 0, n_new = 0;
    int rc = old && fresh ? ag->vt->save(ag, old, 0) : rl_error(RL_ENOMEM, "out of memory");
    const void *w = rc ? NULL : rl_ckpt_get(old, "actor", RL_F32, -1, &n_old);
    if (!rc && w) {
        nu = rl_agent_create(ag->vt->name, ag->policy, ag->env_id, opts, hp, ag->seed);
        if (!nu) rc = rl_last_code();
    }
    if (!rc && nu) rc = nu->vt->save(nu, fresh, 0);
    if (!rc && nu && !rl_ckpt_get(fresh, "actor", RL_F32, -1, &n_new)) rc = rl_last_code();
    if (!rc && (!w || n_new != n_old))
        rc = rl_error(RL_EINVAL, "the policy was trained for %d observations and %d actions, but "
                      "%s with '%s' has %d and %d; the %s policy cannot transfer (its %lld "
                      "parameters would have to become %lld; shared ncap transfers to any body)",
                      ag->obs_dim, ag->act_dim, ag->env_id, opts, nu ? nu->obs_dim : 0,
                      nu ? nu->act_dim : 0, ag->policy, (long long)n_old, (long long)n_new);
    if (!rc) rc = rl_ckpt_put(fresh, "actor", RL_F32, w, n_old);
    if (!rc) rc = nu->vt->load(nu, fresh, 0);
    if (!rc) rc = rl_evaluate(nu, NULL, episodes, seed, deterministic, out);
    rl_agent_free(nu);
    rl_ckpt_free(old);
    rl_ckpt_free(fresh);
    return rc;
}

int rl_evaluate(rl_agent *ag, const char *env_opts, int episodes, uint64_t seed, int deterministic,
                rl_eval_result *out)
{
    if (!ag || !out || episodes < 1)
        return rl_error(RL_EINVAL, "rl_evaluate: need an agent, a result and episodes >= 1");
    char opts[2048];
    snprintf(opts, sizeof opts, "%s%s%s", ag->env_opts, ag->env_opts[0] && env_opts && *env_opts ? "," : "",
             env_opts ? env_opts : "");
    /* A task's `curriculum` option narrows what it asks while training
     * (hand-rotate-v3: each env's goal range starts small), so a run trained
     * with it would be scored on easy episodes: evaluation plays the whole
     * task unless the caller sets curriculum itself. */
    const rl_task *task = rl_task_find(ag->env_id);
    if (task && rl_opts_find(task->opts, task->n_opts, "curriculum") &&
        !(env_opts && strstr(env_opts, "curriculum="))) {
        size_t used = strlen(opts);
        if (used + sizeof ",curriculum=0" > sizeof opts)
            return rl_error(RL_EINVAL, "rl_evaluate: env options too long");
        snprintf(opts + used, sizeof opts - used, "%scurriculum=0", used ? "," : "");
    }
    rl_env *env = rl_env_make(ag->env_id, opts);
    if (!env) return rl_last_code();
    if (env->obs_space.dim != ag->obs_dim || env->act_space.dim != ag->act_dim) {
        rl_env_free(env);
        return evaluate_transfer(ag, opts, episodes, seed, deterministic, out);
    }
    rl_rng_seed(&ag->rng, seed, 0xe7a1);
    int ad = ag->act_dim;
    float *a = calloc((size_t)ad, sizeof(float)), *prev = calloc((size_t)ad, sizeof(float));
    double sum = 0, sum2 = 0, len = 0, succ = 0, jerk = 0, repeats = 0, steps = 0;
    int n_succ = 0, rc = RL_OK;
    int64_t decisions0 = ag->decisions;
    double macs0 = ag->macs;
    memset(out, 0, sizeof *out);
    out->min_return = INFINITY;
    out->max_return = -INFINITY;
    for (int ep = 0; ep < episodes && !rc; ep++) {
        rl_env_reset(env, (int64_t)(rl_seed_derive(seed, (uint64_t)ep) >> 1));
        rl_agent_reset_state(ag, 0);
        for (int t = 0; !env->info->done && !rc; t++) {
            rc = rl_agent_act(ag, env->obs, 1, a, deterministic);
            if (!rc) rc = rl_env_step(env, a);
            if (rc) break;
            if (t > 0) {
                double d = 0;
                for (int i = 0; i < ad; i++) d += fabs(a[i] - prev[i]);
                jerk += d / ad;
                repeats += !memcmp(a, prev, sizeof(float) * (size_t)ad);
            }
            memcpy(prev, a, sizeof(float) * (size_t)ad);
            steps++;
        }
        if (rc) break;
        double r = env->info->episode_return;
        sum += r;
        sum2 += r * r;
        len += env->info->episode_length;
        if (r < out->min_return) out->min_return = r;
        if (r > out->max_return) out->max_return = r;
        if (env->info->success >= 0) {
            n_succ++;
            succ += env->info->success;
        }
    }
    if (!rc) {
        double n = episodes, mean = sum / n;
        out->episodes = episodes;
        out->mean_return = mean;
        out->std_return = sqrt(fmax(0.0, sum2 / n - mean * mean));
        out->mean_length = len / n;
        out->success_rate = n_succ ? succ / n_succ : -1;
        out->decisions_per_ep = (double)(ag->decisions - decisions0) / n;
        out->repeat_rate = steps > episodes ? repeats / (steps - episodes) : 0;
        out->jerk = steps > episodes ? jerk / (steps - episodes) : 0;
        out->mmacs_per_ep = (ag->macs - macs0) / n / 1e6;
    }
    free(a);
    free(prev);
    rl_env_free(env);
    return rc;
}
