/* TD3 (Fujimoto et al. 2018): deterministic actor, twin critics with
 * clipped double-Q targets, target policy smoothing (noise 0.2, clip 0.5),
 * Gaussian exploration noise 0.1, delayed actor and target updates (every 2
 * critic updates), Polyak 0.995. The core (td3.h) is shared with TLA. */
#include "agents/td3.h"
#include "agents/agents.h"
#include "agents/comm.h"
#include "envs/vec.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- core */

static rl_act act_of(int c) { return c == 1 ? RL_ACT_TANH : RL_ACT_RELU; }

int rl_td3_core_init(td3_core *t, const td3_params *hp, int obs_dim, int act_dim,
                  const char *policy, char *policy_opts, size_t cap, const rl_env *probe,
                  uint64_t seed)
{
    memset(t, 0, sizeof *t);
    t->hp = *hp;
    t->obs_dim = obs_dim;
    t->act_dim = act_dim;
    rl_policy_spec spec = {obs_dim - hp->priv_dim, act_dim, RL_ACT_TANH, &t->hp.hidden,
                           act_of(hp->activation), probe};
    t->actor = rl_policy_make(policy, policy_opts, &spec);
    if (!t->actor) return rl_last_code();
    if (policy_opts) rl_policy_options(t->actor, policy_opts, cap);
    t->actor_t = rl_policy_make(policy, policy_opts, &spec);
    if (!t->actor_t) return rl_last_code();
    rl_rng rng;
    rl_rng_seed(&rng, seed, 0x7d3);
    int rc = t->actor->vt->init ? t->actor->vt->init(t->actor, &rng, 0.1f) : RL_OK;
    if (rc) return rc;
    memcpy(t->actor_t->params, t->actor->params, sizeof(float) * (size_t)t->actor->n_params);
    float clr = (float)(hp->critic_lr > 0 ? hp->critic_lr : hp->lr);
    if ((rc = rl_twinq_init(&t->q, obs_dim, act_dim, &t->hp.hidden, act_of(hp->activation), clr,
                            hp->batch, &rng)))
        return rc;
    t->opt_actor = rl_adam_make(t->actor->n_params, (float)hp->lr, 0.9f, 0.999f, 1e-8f, 0);
    if ((rc = rl_offp_batch_init(&t->b, hp->batch, obs_dim, act_dim)) ||
        (rc = rl_offp_batch_split(&t->b, obs_dim - hp->priv_dim)))
        return rc;
    size_t bd = (size_t)hp->batch * act_dim;
    t->a = malloc(sizeof(float) * bd);
    t->da = malloc(sizeof(float) * bd);
    t->qv = malloc(sizeof(float) * (size_t)hp->batch);
    if (!t->opt_actor || !t->a || !t->da || !t->qv) return rl_error(RL_ENOMEM, "out of memory");
    return RL_OK;
}

void rl_td3_core_free(td3_core *t)
{
    rl_policy_free(t->actor);
    rl_policy_free(t->actor_t);
    rl_adam_free(t->opt_actor);
    rl_twinq_free(&t->q);
    rl_offp_batch_free(&t->b);
    free(t->a);
    free(t->da);
    free(t->qv);
    memset(t, 0, sizeof *t);
}

static inline float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

int rl_td3_core_act(td3_core *t, const float *obs, const int *tsteps, int n, float *actions,
                 float noise, rl_rng *rng)
{
    const float *out = t->actor->vt->forward(t->actor, obs, tsteps, n);
    if (!out) return rl_last_code();
    int m = n * t->act_dim;
    if (noise > 0 && rng)
        for (int i = 0; i < m; i++)
            actions[i] = clampf(out[i] + noise * (float)rl_rng_normal(rng), -1.f, 1.f);
    else
        for (int i = 0; i < m; i++) actions[i] = clampf(out[i], -1.f, 1.f);
    return RL_OK;
}

int rl_td3_core_update(td3_core *t, int B, const float *discount, rl_rng *rng, td3_stats *st)
{
    int use_t = t->use_t;
    const td3_params *hp = &t->hp;
    rl_offp_batch *b = &t->b;
    int od = t->obs_dim, ad = t->act_dim, rc;
    /* Target policy smoothing: a' = clip(pi'(s') + clip(noise, -c, c), -1, 1). */
    const float *out = t->actor_t->vt->forward(t->actor_t, b->pnext, use_t ? b->t2 : NULL, B);
    if (!out) return rl_last_code();
    float sig = (float)hp->policy_noise, nc = (float)hp->noise_clip;
    for (int i = 0; i < B * ad; i++)
        t->a[i] = clampf(out[i] + clampf(sig * (float)rl_rng_normal(rng), -nc, nc), -1.f, 1.f);
    rl_offp_put_act(b->x2, t->a, B, od, ad);
    if ((rc = rl_twinq_target_min(&t->q, b->x2, B, t->qv))) return rc;
    for (int i = 0; i < B; i++) {
        float g = discount ? discount[i] : (float)hp->gamma;
        b->y[i] = b->reward[i] + (b->term[i] ? 0.f : g * t->qv[i]);
    }
    /* On a policy update the critics' targets follow them, fused into the
     * critics' Adam pass (the actor step below does not change the critics). */
    int policy_update = (t->updates + 1) % hp->policy_delay == 0;
    double ql;
    if ((rc = policy_update ? rl_twinq_fit_polyak(&t->q, b->x, b->y, B, (float)hp->tau, &ql)
                            : rl_twinq_fit(&t->q, b->x, b->y, B, &ql)))
        return rc;
    if (st) st->q_loss = ql;
    t->updates++;
    if (!policy_update) return RL_OK;
    /* Delayed actor update: maximise Q1(s, pi(s)). */
    out = t->actor->vt->forward(t->actor, b->pobs, use_t ? b->t : NULL, B);
    if (!out) return rl_last_code();
    rl_offp_put_act(b->xa, out, B, od, ad);
    if ((rc = rl_twinq_action_grad(&t->q, b->xa, B, 0, -1.0f / B, t->qv, t->da))) return rc;
    memset(t->actor->grads, 0, sizeof(float) * (size_t)t->actor->n_params);
    if ((rc = t->actor->vt->backward(t->actor, t->da))) return rc;
    if (t->comm_avg && (rc = rl_comm_allreduce_mean(t->actor->grads, t->actor->n_params)))
        return rc;
    if (t->actor->vt->project) {
        /* The target follows the projected parameters. */
        rl_adam_step(t->opt_actor, t->actor->params, t->actor->grads);
        t->actor->vt->project(t->actor);
        rl_polyak(t->actor_t->params, t->actor->params, t->actor->n_params, (float)hp->tau);
    } else {
        rl_adam_step_polyak(t->opt_actor, t->actor->params, t->actor->grads, t->actor_t->params,
                            (float)hp->tau);
    }
    if (st) {
        double s = 0;
        for (int i = 0; i < B; i++) s -= t->qv[i];
        st->actor_loss = s / B;
    }
    return RL_OK;
}

int rl_td3_core_save(const td3_core *t, rl_ckpt *ck, const char *prefix, int training_state)
{
    char nm[128];
    snprintf(nm, sizeof nm, "%sactor", prefix);
    int rc = rl_ckpt_put(ck, nm, RL_F32, t->actor->params, t->actor->n_params);
    snprintf(nm, sizeof nm, "%sq", prefix);
    if (!rc) rc = rl_twinq_save(&t->q, ck, nm, training_state);
    if (training_state && !rc) {
        snprintf(nm, sizeof nm, "%sactor.target", prefix);
        rc = rl_ckpt_put(ck, nm, RL_F32, t->actor_t->params, t->actor_t->n_params);
        snprintf(nm, sizeof nm, "adam.%sactor", prefix);
        if (!rc) rc = rl_adam_save(t->opt_actor, ck, nm);
        int64_t upd = t->updates;
        snprintf(nm, sizeof nm, "%supdates", prefix);
        if (!rc) rc = rl_ckpt_put(ck, nm, RL_I64, &upd, 1);
    }
    return rc;
}

int rl_td3_core_load(td3_core *t, const rl_ckpt *ck, const char *prefix, int training_state)
{
    char nm[128];
    int n = t->actor->n_params;
    snprintf(nm, sizeof nm, "%sactor", prefix);
    const float *a = rl_ckpt_get(ck, nm, RL_F32, n, NULL);
    if (!a) return rl_last_code();
    memcpy(t->actor->params, a, sizeof(float) * (size_t)n);
    memcpy(t->actor_t->params, a, sizeof(float) * (size_t)n);
    snprintf(nm, sizeof nm, "%sq", prefix);
    int rc = rl_twinq_load(&t->q, ck, nm, training_state);
    if (training_state && !rc) {
        snprintf(nm, sizeof nm, "%sactor.target", prefix);
        const float *at = rl_ckpt_get(ck, nm, RL_F32, n, NULL);
        if (!at) return rl_last_code();
        memcpy(t->actor_t->params, at, sizeof(float) * (size_t)n);
        snprintf(nm, sizeof nm, "adam.%sactor", prefix);
        rc = rl_adam_load(t->opt_actor, ck, nm);
        snprintf(nm, sizeof nm, "%supdates", prefix);
        const int64_t *u = rc ? NULL : rl_ckpt_get(ck, nm, RL_I64, 1, NULL);
        if (!rc && !u) return rl_last_code();
        if (u) t->updates = *u;
    }
    return rc;
}

int rl_td3_core_finite(const td3_core *t)
{
    return rl_offp_all_finite(t->actor->params, t->actor->n_params) && rl_twinq_finite(&t->q);
}

double rl_td3_core_macs(const td3_core *t)
{
    return t->actor->vt->macs ? t->actor->vt->macs(t->actor) : 0;
}

/* ---------------------------------------------------------------- agent */

typedef struct {
    td3_params core;         /* first: its fields are in the option table */
    int envs, buffer, warmup, norm_obs, save_replay, her;
    double utd, her_ratio;
} td3_cfg;

#define CORE(f) offsetof(td3_cfg, core) + offsetof(td3_params, f)
static const rl_optdef td3_opts[] = {
    {"envs", RL_OPT_INT, offsetof(td3_cfg, envs), "1", 1, 4096, NULL, "parallel envs"},
    {"hidden", RL_OPT_INTLIST, CORE(hidden), "256x256", 1, 4096, NULL,
     "hidden layer widths of actor and critics"},
    {"activation", RL_OPT_CHOICE, CORE(activation), "relu", 0, 0, "relu|tanh", "hidden activation"},
    {"lr", RL_OPT_FLOAT, CORE(lr), "3e-4", 1e-7, 1, NULL,
     "Adam learning rate (actor; critics too unless critic_lr is set)"},
    {"critic_lr", RL_OPT_FLOAT, CORE(critic_lr), "0", 0, 1, NULL,
     "critic Adam learning rate (0: same as lr)"},
    {"batch", RL_OPT_INT, CORE(batch), "256", 1, 65536, NULL, "minibatch size"},
    {"buffer", RL_OPT_INT, offsetof(td3_cfg, buffer), "1000000", 1, 100000000, NULL,
     "replay buffer capacity (transitions)"},
    {"warmup", RL_OPT_INT, offsetof(td3_cfg, warmup), "25000", 0, 100000000, NULL,
     "env steps of uniform random actions before learning"},
    {"gamma", RL_OPT_FLOAT, CORE(gamma), "0.99", 0, 1, NULL, "discount"},
    {"tau", RL_OPT_FLOAT, CORE(tau), "0.995", 0, 1, NULL,
     "Polyak: share of the target networks kept per update"},
    {"utd", RL_OPT_FLOAT, offsetof(td3_cfg, utd), "1", 0.01, 64, NULL,
     "critic updates per env step"},
    {"policy_delay", RL_OPT_INT, CORE(policy_delay), "2", 1, 100, NULL,
     "critic updates per actor and target update"},
    {"policy_noise", RL_OPT_FLOAT, CORE(policy_noise), "0.2", 0, 10, NULL,
     "target policy smoothing noise std"},
    {"noise_clip", RL_OPT_FLOAT, CORE(noise_clip), "0.5", 0, 10, NULL,
     "clip of the target smoothing noise"},
    {"expl_noise", RL_OPT_FLOAT, CORE(expl_noise), "0.1", 0, 10, NULL,
     "Gaussian exploration noise std"},
    {"norm_obs", RL_OPT_BOOL, offsetof(td3_cfg, norm_obs), "0", 0, 1, NULL,
     "running mean/std observation normalisation"},
    {"save_replay", RL_OPT_BOOL, offsetof(td3_cfg, save_replay), "0", 0, 1, NULL,
     "store the replay buffer in resumable checkpoints"},
    {"her", RL_OPT_BOOL, offsetof(td3_cfg, her), "0", 0, 1, NULL,
     "hindsight goal relabelling ('future' strategy; goal-conditioned tasks with a goal_reward "
     "hook and achieved_goal / desired_goal slices)"},
    {"her_ratio", RL_OPT_FLOAT, offsetof(td3_cfg, her_ratio), "0.8", 0, 1, NULL,
     "share of sampled transitions whose goal is relabelled (her=1)"},
};

typedef struct {
    td3_core core;
    rl_normalizer *nz;
    rl_replay *rb;
    rl_offp_ws ws;
    int use_t;               /* the actor reads episode steps (not an MLP) */
    int *rt;                 /* (buffer) episode step of each replay slot */
    int *env_t, *idx;        /* (envs), (batch) */
    double upd_credit;
    rl_comm_norm nz_sync;    /* norm_obs: nz merged over MPI ranks every step */
    /* HER (her=1): episode id and episode step of every replay slot, the
     * current episode id of every env, the goal slices, the reward hook. */
    uint32_t *her_ep, *her_env_ep, her_next_ep;
    int *her_t;
    int ach, des, glen, her_horizon;
} td3;

static int td3_create(rl_agent *ag, const rl_env *probe)
{
    td3_cfg *c = ag->cfg;
    td3 *p = calloc(1, sizeof *p);
    if (!p) return rl_error(RL_ENOMEM, "out of memory");
    ag->impl = p;
    int rc = rl_offp_check("td3", c->core.batch, c->buffer);
    td3_params hp = c->core;
    hp.priv_dim = ag->priv_dim;
    if (!rc) rc = rl_td3_core_init(&p->core, &hp, ag->obs_dim, ag->act_dim, ag->policy,
                                ag->policy_opts, sizeof ag->policy_opts, probe, ag->seed);
    if (rc) return rc;
    if (c->norm_obs && p->core.actor->vt->raw_obs)
        return rl_error(RL_EINVAL, "td3: norm_obs=1 does not combine with policy %s (it reads raw "
                        "observations); use norm_obs=0", ag->policy);
    p->use_t = p->core.use_t = strcmp(ag->policy, "mlp") != 0;
    p->idx = malloc(sizeof(int) * (size_t)c->core.batch);
    if (!(p->nz = rl_normalizer_make(ag->obs_dim)) || !p->idx)
        return rl_error(RL_ENOMEM, "out of memory");
    return RL_OK;
}

static void td3_destroy(rl_agent *ag)
{
    td3 *p = ag->impl;
    rl_td3_core_free(&p->core);
    rl_normalizer_free(p->nz);
    rl_comm_norm_free(&p->nz_sync);
    rl_replay_free(p->rb);
    rl_offp_ws_free(&p->ws);
    free(p->rt);
    free(p->env_t);
    free(p->idx);
    free(p->her_ep);
    free(p->her_env_ep);
    free(p->her_t);
    free(p);
    ag->impl = NULL;
}

/* The actor's inputs for n observation rows: normalised (norm_obs), the
 * privileged slice left out. */
static const float *norm_in(const rl_agent *ag, td3 *p, const float *obs, int n)
{
    if (((const td3_cfg *)ag->cfg)->norm_obs) {
        rl_normalizer_apply(p->nz, obs, p->ws.in, n);
        obs = p->ws.in;
    }
    return rl_agent_policy_obs(ag, obs, p->ws.in, n);
}

static int td3_act(rl_agent *ag, const float *obs, const int *t, int n, float *actions,
                   int deterministic, rl_rng *rng)
{
    td3 *p = ag->impl;
    int rc = rl_offp_ws_reserve(&p->ws, n, ag->obs_dim);
    if (rc) return rc;
    const td3_cfg *c = ag->cfg;
    return rl_td3_core_act(&p->core, norm_in(ag, p, obs, n), t, n, actions,
                        deterministic ? 0.f : (float)c->core.expl_noise, rng);
}

/* MPI: rank 0's networks everywhere, gradients averaged (no-ops with one
 * rank). */
static int td3_comm_setup(td3 *p)
{
    td3_core *t = &p->core;
    t->comm_avg = t->q.comm_avg = 1;
    int rc = rl_comm_bcast(t->actor->params, t->actor->n_params);
    if (!rc) rc = rl_comm_bcast(t->actor_t->params, t->actor_t->n_params);
    for (int k = 0; k < 2 && !rc; k++) {
        rc = rl_comm_bcast(t->q.q[k]->params, t->q.q[k]->n_params);
        if (!rc) rc = rl_comm_bcast(t->q.qt[k]->params, t->q.qt[k]->n_params);
    }
    return rc;
}

static int td3_check_drift(const td3_core *t)
{
    int rc = rl_comm_check_drift(t->actor->params, t->actor->n_params, "TD3 actor");
    for (int k = 0; k < 2 && !rc; k++)
        rc = rl_comm_check_drift(t->q.q[k]->params, t->q.q[k]->n_params, "TD3 critic");
    return rc;
}

/* HER set-up: the goal slices and the bookkeeping arrays. */
static int her_setup(rl_agent *ag, td3 *p, rl_vec *vec)
{
    const td3_cfg *c = ag->cfg;
    const rl_env *e = rl_vec_env(vec, 0);
    int N = rl_vec_num_envs(vec), dlen = -1;
    p->ach = p->des = -1;
    for (int k = 0; k < e->n_slices; k++) {
        const rl_slice *sl = &e->slices[k];
        if (!strcmp(sl->name, "achieved_goal")) p->ach = sl->start, p->glen = sl->len;
        if (!strcmp(sl->name, "desired_goal")) p->des = sl->start, dlen = sl->len;
    }
    if (!e->task->goal_reward || p->ach < 0 || p->des < 0 || dlen != p->glen)
        return rl_error(RL_EINVAL, "td3: her=1 needs a goal-conditioned task (a goal_reward hook "
                        "and achieved_goal / desired_goal slices of one length); %s is not one",
                        e->task->id);
    p->her_horizon = e->max_steps > 0 ? e->max_steps : 1000;
    p->her_ep = calloc((size_t)c->buffer, sizeof(uint32_t));
    p->her_t = calloc((size_t)c->buffer, sizeof(int));
    p->her_env_ep = malloc(sizeof(uint32_t) * (size_t)N);
    if (!p->her_ep || !p->her_t || !p->her_env_ep) return rl_error(RL_ENOMEM, "out of memory");
    for (int i = 0; i < N; i++) p->her_env_ep[i] = ++p->her_next_ep; /* 0: no episode */
    return RL_OK;
}

/* Relabel the goals of a batch drawn raw (no normaliser) from slots idx:
 * with probability her_ratio a row's goal becomes the goal achieved at a
 * later step of its own episode (HER's 'future'), its reward recomputed by
 * the task. Transitions of env e land N slots apart, so the episode's later
 * steps are at slot + N m; one that is not in the buffer (the episode has
 * not got there yet, ended earlier, or was overwritten) is redrawn nearer,
 * down to m = 0 (the step's own achieved goal). */
static void her_relabel(const rl_agent *ag, td3 *p, rl_vec *vec, rl_rng *rng, int B)
{
    const td3_cfg *c = ag->cfg;
    const rl_env *e = rl_vec_env(vec, 0);
    rl_offp_batch *b = &p->core.b;
    const rl_replay *rb = p->rb;
    int N = rl_vec_num_envs(vec), od = ag->obs_dim;
    size_t cap = (size_t)rb->capacity;
    for (int k = 0; k < B; k++) {
        if (rl_rng_uniform(rng) >= c->her_ratio) continue;
        int i = p->idx[k];
        uint32_t ep = p->her_ep[i];
        int left = p->her_horizon - 1 - p->her_t[i];
        uint32_t m = left > 0 ? rl_rng_below(rng, (uint32_t)left + 1) : 0;
        size_t j;
        for (;;) {
            j = ((size_t)i + (size_t)N * m) % cap;
            if (m == 0 || (p->her_ep[j] == ep && j < (size_t)rb->size)) break;
            m = rl_rng_below(rng, m);
        }
        const float *g = rb->next_obs + j * od + p->ach;
        float *o = b->obs + (size_t)k * od, *n = b->next + (size_t)k * od;
        /* Keep the stored reward's goal-independent part (e.g. hand-rotate's
         * drop penalty; 0 up to round-off when the reward is the hook's). */
        float rest = b->reward[k] - e->task->goal_reward(e, n + p->ach, n + p->des, NULL);
        memcpy(o + p->des, g, sizeof(float) * (size_t)p->glen);
        memcpy(n + p->des, g, sizeof(float) * (size_t)p->glen);
        if (e->task->goal_obs) {
            e->task->goal_obs(e, o);
            e->task->goal_obs(e, n);
        }
        b->reward[k] = rest + e->task->goal_reward(e, n + p->ach, g, NULL);
    }
}

static int td3_train_loop(rl_agent *ag, rl_trainer *tr)
{
    td3_cfg *c = ag->cfg;
    td3 *p = ag->impl;
    rl_vec *vec = rl_trainer_vec(tr);
    int N = rl_vec_num_envs(vec), od = ag->obs_dim, ad = ag->act_dim, B = c->core.batch, rc;
    if (!p->rb && !(p->rb = rl_replay_make(c->buffer, od, ad))) return rl_last_code();
    if ((rc = rl_offp_ws_reserve(&p->ws, N, ag->obs_dim))) return rc;
    if (p->use_t && !p->rt) {
        p->rt = calloc((size_t)c->buffer, sizeof(int));
        p->env_t = calloc((size_t)N, sizeof(int));
        if (!p->rt || !p->env_t) return rl_error(RL_ENOMEM, "out of memory");
    }
    if (!p->core.comm_avg && (rc = td3_comm_setup(p))) return rc;
    if (c->norm_obs && (rc = rl_comm_norm_init(&p->nz_sync, p->nz))) return rc;
    if (c->her && !p->her_ep && (rc = her_setup(ag, p, vec))) return rc;
    rl_rng rng;
    rl_rng_seed(&rng, rl_seed_derive(rl_comm_seed(ag->seed), (uint64_t)ag->steps_done), 0x7d37);
    float *obs = rl_vec_obs(vec), *act = rl_vec_actions(vec);
    td3_stats st = {0};
    for (int64_t iter = 0;; iter++) {
        if (c->norm_obs) {
            rl_comm_norm_add(&p->nz_sync, obs, N);
            if ((rc = rl_comm_norm_sync(&p->nz_sync))) return rc;
        }
        if (p->use_t)
            for (int i = 0; i < N; i++) {
                p->env_t[i] = rl_vec_env(vec, i)->t;
                p->rt[(p->rb->pos + i) % c->buffer] = p->env_t[i];
            }
        if (ag->steps_done < c->warmup)
            rl_offp_uniform_actions(&rng, act, N * ad);
        else if ((rc = rl_td3_core_act(&p->core, norm_in(ag, p, obs, N), p->env_t, N, act,
                                    (float)c->core.expl_noise, &rng)))
            return rc;
        memcpy(p->ws.prev, obs, sizeof(float) * (size_t)N * od);
        if (p->her_ep)
            for (int i = 0; i < N; i++) {
                int slot = (p->rb->pos + i) % c->buffer;
                p->her_ep[slot] = p->her_env_ep[i];
                p->her_t[slot] = rl_vec_env(vec, i)->t;
            }
        if ((rc = rl_vec_step(vec, NULL))) return rc;
        rl_offp_store(p->rb, vec, tr, p->ws.prev, act, p->ws.next, p->ws.term);
        if (p->her_ep) {
            const rl_info *info = rl_vec_infos(vec);
            for (int i = 0; i < N; i++)
                if (info[i].done) p->her_env_ep[i] = ++p->her_next_ep;
        }
        ag->steps_done += N;
        if (ag->steps_done >= c->warmup && p->rb->size >= B) {
            p->upd_credit += c->utd * N;
            while (p->upd_credit >= 1) {
                p->upd_credit -= 1;
                rl_offp_batch *b = &p->core.b;
                const rl_normalizer *nz = c->norm_obs ? p->nz : NULL;
                if ((rc = rl_offp_sample_idx(p->rb, &rng, B, p->her_ep ? NULL : nz, b, p->idx)))
                    return rc;
                if (p->her_ep) {
                    her_relabel(ag, p, vec, &rng, B);
                    rl_offp_batch_refresh(b, B, nz);
                }
                if (p->use_t)
                    for (int k = 0; k < B; k++) {
                        b->t[k] = p->rt[p->idx[k]];
                        b->t2[k] = b->t[k] + 1;
                    }
                if ((rc = rl_td3_core_update(&p->core, B, NULL, &rng, &st))) return rc;
            }
        }
        if (iter % 500 == 499 && (rc = td3_check_drift(&p->core))) return rc;
        rl_metric m[] = {{"q_loss", st.q_loss}, {"actor_loss", st.actor_loss}};
        if (rl_trainer_tick(tr, m, 2)) break;
    }
    return RL_OK;
}

static void td3_set_pool(rl_agent *ag, rl_pool *pool)
{
    td3_core *t = &((td3 *)ag->impl)->core;
    rl_policy_set_pool(t->actor, pool);
    rl_policy_set_pool(t->actor_t, pool);
    rl_twinq_set_pool(&t->q, pool);
}


static int td3_save(const rl_agent *ag, rl_ckpt *ck, int training_state)
{
    const td3 *p = ag->impl;
    const td3_cfg *c = ag->cfg;
    int rc = rl_td3_core_save(&p->core, ck, "", training_state);
    if (!rc) rc = rl_normalizer_save(p->nz, ck, "obs_norm");
    if (!rc && training_state && c->save_replay && p->rb) rc = rl_replay_save(p->rb, ck, "replay");
    return rc;
}

static int td3_load(rl_agent *ag, const rl_ckpt *ck, int training_state)
{
    td3 *p = ag->impl;
    const td3_cfg *c = ag->cfg;
    int rc = rl_td3_core_load(&p->core, ck, "", training_state);
    if (!rc) rc = rl_normalizer_load(p->nz, ck, "obs_norm");
    if (!rc && training_state && c->save_replay)
        rc = rl_offp_replay_load(&p->rb, ck, c->buffer, ag->obs_dim, ag->act_dim);
    return rc;
}

static int td3_params_finite(const rl_agent *ag) { return rl_td3_core_finite(&((const td3 *)ag->impl)->core); }
static double td3_macs(const rl_agent *ag) { return rl_td3_core_macs(&((const td3 *)ag->impl)->core); }

static const rl_recipe td3_recipes[] = {
    /* task prefix  policy  hyperparameters                                steps  recommended */
    {"pendulum", NULL, "envs=1,hidden=64x64,activation=relu,batch=100,lr=1e-3,warmup=1000,"
                       "gamma=0.99,buffer=20000", 20000, 0},
    /* hand: TD3 with hindsight goal relabelling (her=1, 'future', 80 %) and
     * small 128x128 nets is the hand-reach recipe. Measured (--threads 1, 2
     * busy shared cores, bench/results/hand.md): 150k steps, 4.8-5.0 min per
     * seed; bench_hand eval (100 episodes) success 95 / 97 / 95 % over seeds
     * 1-3, mean final fingertip error 4.7-5.0 mm (zero action: 0 %, 36 mm);
     * 90k steps already give 93-95 %. */
    {"hand-reach", NULL, "envs=4,hidden=128x128,batch=256,utd=0.5,gamma=0.95,norm_obs=1,"
                         "warmup=5000,buffer=300000,lr=1e-3,expl_noise=0.2,her=1", 150000, 1},
    /* hand-rotate: TD3 + HER (the drop penalty kept as the goal-independent
     * part of the reward) on the hand-reach settings, before
     * rotation_to_goal existed: 1.63-1.71 rad after 60k-300k steps, never
     * better than holding still (PPO is the recipe there). */
    {"hand-rotate", NULL, "envs=4,hidden=128x128,batch=256,utd=0.5,gamma=0.95,norm_obs=1,"
                          "warmup=5000,buffer=300000,lr=1e-3,expl_noise=0.2,her=1", 1000000, 0},
    /* quadrotor: TD3 with L2F's 64-64 nets ran at 0.6-2.5k steps/s here and
     * at 200k steps still hovered 0.45 m off target (no recipe row). */
};

static const char *const td3_acting[] = {"actor", NULL};

const rl_agent_vt rl_agent_td3 = {
    .name = "td3",
    .summary = "Twin Delayed DDPG (clipped double Q, target smoothing, delayed actor), Box actions",
    .opts = td3_opts,
    .n_opts = (int)(sizeof td3_opts / sizeof td3_opts[0]),
    .cfg_size = sizeof(td3_cfg),
    .box_ok = 1,
    .discrete_ok = 0,
    .default_policy = "mlp",
    .create = td3_create,
    .train = td3_train_loop,
    .set_pool = td3_set_pool,
    .act = td3_act,
    .save = td3_save,
    .load = td3_load,
    .destroy = td3_destroy,
    .macs_per_act = td3_macs,
    .params_finite = td3_params_finite,
    .net = {.tensor = "actor", .outs_per_action = 1, .out_act = RL_ACT_TANH,
            .head = RL_HEAD_CLAMP, .exportable = 1, .ncap_exportable = 1, .acting = td3_acting},
    .mpi = 1,
    .privileged_ok = 1,
    .recipes = td3_recipes,
    .n_recipes = RL_COUNT(td3_recipes),
};
