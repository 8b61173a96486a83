/* Evolution strategies (Salimans et al. 2017): antithetic Gaussian
 * perturbations of the flat parameter vector, centred-rank fitness shaping,
 * Adam on the parameters. Each population member plays whole episodes in its
 * own env of the vector env (envs = population), so members step in
 * parallel over the vector env's threads. Works with any policy
 * architecture; actions are deterministic (the policy output clipped to the
 * action bounds).
 *
 * `ncap` is the same algorithm registered under the name of the NCAP
 * default recipe (`--agent ncap`: ES on the NCAP circuit). */
#include "agents/agents.h"
#include "agents/comm.h"
#include "core/normalize.h"
#include "core/optim.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int envs;         /* population (even: antithetic pairs) */
    double sigma, lr, l2;
    int episodes;     /* episodes per member and generation */
    int norm_obs, anneal_lr;
    rl_intlist hidden;
    int activation;
} es_cfg;

static const rl_optdef es_opts[] = {
    {"envs", RL_OPT_INT, offsetof(es_cfg, envs), "8", 2, 4096, NULL,
     "population size (even; one env per member)"},
    {"sigma", RL_OPT_FLOAT, offsetof(es_cfg, sigma), "0.02", 1e-6, 10, NULL,
     "perturbation standard deviation"},
    {"lr", RL_OPT_FLOAT, offsetof(es_cfg, lr), "0.01", 0, 10, NULL, "Adam learning rate"},
    {"l2", RL_OPT_FLOAT, offsetof(es_cfg, l2), "0", 0, 1, NULL, "L2 coefficient on the parameters"},
    {"episodes", RL_OPT_INT, offsetof(es_cfg, episodes), "1", 1, 1000, NULL,
     "episodes per member and generation"},
    {"anneal_lr", RL_OPT_BOOL, offsetof(es_cfg, anneal_lr), "0", 0, 1, NULL,
     "decay the learning rate linearly to 0 over the run"},
    {"norm_obs", RL_OPT_BOOL, offsetof(es_cfg, norm_obs), "1", 0, 1, NULL,
     "running observation normalisation (policies without raw_obs)"},
    {"hidden", RL_OPT_INTLIST, offsetof(es_cfg, hidden), "64x64", 1, 4096, NULL,
     "hidden layer widths (mlp policy)"},
    {"activation", RL_OPT_CHOICE, offsetof(es_cfg, activation), "tanh", 0, 0, "tanh|relu",
     "hidden activation (mlp policy)"},
};

typedef struct {
    rl_policy *pol;         /* at theta: acting and checkpoints */
    rl_policy **member;     /* (pop) one instance per member */
    rl_adam *opt;
    rl_normalizer *obs_norm;
    float *eps;             /* (pop/2, n_params) */
    float *grad;            /* (n_params) */
    float *in, *act;        /* (pop, obs_dim), (pop, act_dim) */
    double *fit, *ret;      /* (pop) fitness, current episode return */
    int *eps_done, *t;      /* (pop) */
    double *rank;
    rl_comm_norm nz_sync;    /* obs_norm merged over MPI ranks after each generation */
} es;

static int es_create(rl_agent *ag, const rl_env *probe)
{
    es_cfg *c = ag->cfg;
    if (c->envs % 2) return rl_error(RL_EINVAL, "es: envs (the population) must be even, got %d",
                                     c->envs);
    es *e = calloc(1, sizeof *e);
    if (!e) return rl_error(RL_ENOMEM, "out of memory");
    ag->impl = e;
    if (ag->act_space.kind != RL_BOX)
        return rl_error(RL_EINVAL, "es handles Box actions only");
    rl_policy_spec spec = {ag->obs_dim, ag->act_dim, RL_ACT_TANH, &c->hidden,
                           c->activation == 1 ? RL_ACT_RELU : RL_ACT_TANH, probe};
    e->pol = rl_policy_make(ag->policy, ag->policy_opts, &spec);
    if (!e->pol) return rl_last_code();
    rl_policy_options(e->pol, ag->policy_opts, sizeof ag->policy_opts);
    rl_rng rng;
    rl_rng_seed(&rng, ag->seed, 0xe5);
    int rc = e->pol->vt->init ? e->pol->vt->init(e->pol, &rng, 1.0f) : RL_OK;
    if (rc) return rc;
    e->opt = rl_adam_make(e->pol->n_params, (float)c->lr, 0.9f, 0.999f, 1e-8f, 0);
    e->obs_norm = rl_normalizer_make(ag->obs_dim);
    if (!e->opt || !e->obs_norm) return rl_error(RL_ENOMEM, "out of memory");
    return RL_OK;
}

static void es_destroy(rl_agent *ag)
{
    es *e = ag->impl;
    const es_cfg *c = ag->cfg;
    if (e->member)
        for (int i = 0; i < c->envs; i++) rl_policy_free(e->member[i]);
    free(e->member);
    rl_policy_free(e->pol);
    rl_adam_free(e->opt);
    rl_normalizer_free(e->obs_norm);
    free(e->eps);
    free(e->grad);
    free(e->in);
    free(e->act);
    free(e->fit);
    free(e->ret);
    free(e->eps_done);
    free(e->t);
    free(e->rank);
    rl_comm_norm_free(&e->nz_sync);
    free(e);
    ag->impl = NULL;
}

/* Policy input for n rows: raw or normalised observations. */
static void policy_input(const rl_agent *ag, const es *e, const float *obs, float *out, int n)
{
    const es_cfg *c = ag->cfg;
    if (!e->pol->vt->raw_obs && c->norm_obs)
        rl_normalizer_apply(e->obs_norm, obs, out, n);
    else
        memcpy(out, obs, sizeof(float) * (size_t)n * ag->obs_dim);
}

static void to_action(const rl_agent *ag, const float *y, float *a)
{
    for (int d = 0; d < ag->act_dim; d++) {
        float lo = ag->act_low[d], hi = ag->act_high[d], v = y[d];
        a[d] = v < lo ? lo : (v > hi ? hi : v);
    }
}

static int es_act(rl_agent *ag, const float *obs, const int *t, int n, float *actions,
                  int deterministic, rl_rng *rng)
{
    es *e = ag->impl;
    float *in = malloc(sizeof(float) * (size_t)n * ag->obs_dim);
    if (!in) return rl_error(RL_ENOMEM, "out of memory");
    policy_input(ag, e, obs, in, n);
    const float *y = e->pol->vt->forward(e->pol, in, t, n);
    if (y)
        for (int i = 0; i < n; i++)
            to_action(ag, y + (size_t)i * ag->act_dim, actions + (size_t)i * ag->act_dim);
    free(in);
    return y ? RL_OK : rl_last_code();
}

static int alloc_training(rl_agent *ag, es *e, const rl_env *probe_env)
{
    const es_cfg *c = ag->cfg;
    /* With K MPI ranks the population is K * envs: rank r plays members
     * r * envs .. (r + 1) * envs - 1; every rank draws all perturbations. */
    int P = c->envs, np = e->pol->n_params, G = P * rl_comm_size();
    e->member = calloc((size_t)P, sizeof *e->member);
    e->eps = malloc(sizeof(float) * (size_t)(G / 2) * np);
    e->grad = malloc(sizeof(float) * (size_t)np);
    e->in = malloc(sizeof(float) * (size_t)P * ag->obs_dim);
    e->act = malloc(sizeof(float) * (size_t)P * ag->act_dim);
    e->fit = malloc(sizeof(double) * (size_t)G);
    e->ret = malloc(sizeof(double) * (size_t)P);
    e->eps_done = malloc(sizeof(int) * (size_t)P);
    e->t = malloc(sizeof(int) * (size_t)P);
    e->rank = malloc(sizeof(double) * (size_t)G);
    if (!e->member || !e->eps || !e->grad || !e->in || !e->act || !e->fit || !e->ret ||
        !e->eps_done || !e->t || !e->rank)
        return rl_error(RL_ENOMEM, "out of memory for an ES population of %d", P);
    rl_policy_spec spec = {ag->obs_dim, ag->act_dim, RL_ACT_TANH, &c->hidden,
                           c->activation == 1 ? RL_ACT_RELU : RL_ACT_TANH, probe_env};
    for (int i = 0; i < P; i++) {
        e->member[i] = rl_policy_make(ag->policy, ag->policy_opts, &spec);
        if (!e->member[i]) return rl_last_code();
    }
    return RL_OK;
}

/* Centred ranks in [-0.5, 0.5] (ties broken by index); O(P^2), P is small. */
static void centred_ranks(es *e, int P)
{
    for (int i = 0; i < P; i++) {
        int r = 0;
        for (int j = 0; j < P; j++)
            r += e->fit[j] < e->fit[i] || (e->fit[j] == e->fit[i] && j < i);
        e->rank[i] = (double)r / (P - 1) - 0.5;
    }
}

/* Phase 1, perturb: generation gen's noise (every rank draws all G/2
 * pairs, the same everywhere) and this rank's P members at +-sigma. */
static void es_perturb(const rl_agent *ag, es *e, int64_t gen, int R, int P, int G)
{
    const es_cfg *c = ag->cfg;
    int np = e->pol->n_params;
    rl_rng rng;
    rl_rng_seed(&rng, rl_seed_derive(ag->seed, (uint64_t)gen), 0xe5e5);
    for (int k = 0; k < G / 2; k++) {
        float *eps = e->eps + (size_t)k * np;
        for (int j = 0; j < np; j++) eps[j] = (float)rl_rng_normal(&rng);
        if (k < R * P / 2 || k >= (R + 1) * P / 2) continue; /* another rank's pair */
        for (int s = 0; s < 2; s++) {
            rl_policy *m = e->member[2 * k - R * P + s];
            float sg = (float)(s ? -c->sigma : c->sigma);
            for (int j = 0; j < np; j++) m->params[j] = e->pol->params[j] + sg * eps[j];
        }
    }
}

/* One batch step of every member still playing; adds returns into fit. */
static int es_step(rl_agent *ag, es *e, rl_trainer *tr, rl_vec *vec, double *fit, int raw,
                   int *remaining)
{
    const es_cfg *c = ag->cfg;
    int P = rl_vec_num_envs(vec), od = ag->obs_dim, ad = ag->act_dim, rc;
    float *obs = rl_vec_obs(vec), *actions = rl_vec_actions(vec);
    if (!raw) rl_comm_norm_add(&e->nz_sync, obs, P);
    policy_input(ag, e, obs, e->in, P);
    for (int i = 0; i < P; i++) {
        float *a = actions + (size_t)i * ad;
        if (e->eps_done[i] >= c->episodes) { /* finished: idle until the others are */
            memset(a, 0, sizeof(float) * (size_t)ad);
            continue;
        }
        const float *y = e->member[i]->vt->forward(e->member[i], e->in + (size_t)i * od,
                                                   &e->t[i], 1);
        if (!y) return rl_last_code();
        to_action(ag, y, a);
    }
    if ((rc = rl_vec_step(vec, NULL))) return rc;
    const rl_info *infos = rl_vec_infos(vec);
    const float *r = rl_vec_rewards(vec);
    for (int i = 0; i < P; i++) {
        if (e->eps_done[i] >= c->episodes) continue;
        e->ret[i] += r[i];
        e->t[i]++;
        if (infos[i].done) {
            fit[i] += e->ret[i] / c->episodes;
            e->ret[i] = 0;
            e->t[i] = 0;
            if (++e->eps_done[i] == c->episodes) (*remaining)--;
        }
    }
    rl_trainer_episodes(tr, infos, P);
    return RL_OK;
}

/* Phase 2, evaluate: every member plays c->episodes whole episodes in its
 * own env; then every rank gets every fitness and the merged statistics. */
static int es_evaluate(rl_agent *ag, es *e, rl_trainer *tr, int64_t gen, int raw)
{
    rl_vec *vec = rl_trainer_vec(tr);
    int P = rl_vec_num_envs(vec), K = rl_comm_size(), G = P * K, rc;
    double *fit = e->fit + (size_t)rl_comm_rank() * P; /* this rank's members */
    if ((rc = rl_vec_reset(vec, (int64_t)(rl_seed_derive(rl_comm_seed(ag->seed ^ 0x5eed),
                                                         (uint64_t)gen) >> 1))))
        return rc;
    for (int i = 0; i < G; i++) e->fit[i] = 0;
    for (int i = 0; i < P; i++) e->ret[i] = 0, e->eps_done[i] = e->t[i] = 0;
    int remaining = P;
    int64_t steps = 0;
    for (; remaining > 0; steps += P)
        if ((rc = es_step(ag, e, tr, vec, fit, raw, &remaining))) return rc;
    ag->steps_done += steps;
    if ((rc = rl_comm_allreduce_sum_double(e->fit, G))) return rc;
    return rl_comm_norm_sync(&e->nz_sync);
}

/* Phase 3, update: rank-shaped antithetic gradient estimate, one Adam step
 * (Adam minimises, so negate). */
static int es_update(rl_agent *ag, es *e, rl_trainer *tr, int G)
{
    const es_cfg *c = ag->cfg;
    int np = e->pol->n_params;
    centred_ranks(e, G);
    memset(e->grad, 0, sizeof(float) * (size_t)np);
    for (int k = 0; k < G / 2; k++) {
        float w = (float)(e->rank[2 * k] - e->rank[2 * k + 1]);
        const float *eps = e->eps + (size_t)k * np;
        for (int j = 0; j < np; j++) e->grad[j] += w * eps[j];
    }
    for (int j = 0; j < np; j++)
        e->grad[j] = (float)(-e->grad[j] / (G * c->sigma) + c->l2 * e->pol->params[j]);
    if (c->anneal_lr) {
        double frac = 1.0 - (double)ag->steps_done / (double)(rl_trainer_total_steps(tr) + 1);
        e->opt->lr = (float)(c->lr * (frac > 0 ? frac : 0));
    }
    rl_adam_step(e->opt, e->pol->params, e->grad);
    if (e->pol->vt->project) e->pol->vt->project(e->pol);
    return rl_comm_check_drift(e->pol->params, np, "ES parameters");
}

/* Phase 4, log: population statistics; nonzero when training must stop. */
static int es_log(es *e, rl_trainer *tr, int G, int64_t gen)
{
    double best = e->fit[0], mean = 0, gn = 0;
    for (int i = 0; i < G; i++) {
        mean += e->fit[i] / G;
        if (e->fit[i] > best) best = e->fit[i];
    }
    for (int j = 0; j < e->pol->n_params; j++) gn += (double)e->grad[j] * e->grad[j];
    rl_metric m[] = {{"pop_mean", mean}, {"pop_best", best}, {"grad_norm", sqrt(gn)},
                     {"generation", (double)gen}, {"lr", e->opt->lr}};
    return rl_trainer_tick(tr, m, (int)(sizeof m / sizeof m[0]));
}

static int es_train(rl_agent *ag, rl_trainer *tr)
{
    es_cfg *c = ag->cfg;
    es *e = ag->impl;
    rl_vec *vec = rl_trainer_vec(tr);
    int P = rl_vec_num_envs(vec);
    if (P != c->envs)
        return rl_error(RL_EINVAL, "es needs one env per member: %d envs for a population of %d",
                        P, c->envs);
    int rc = alloc_training(ag, e, rl_vec_env(vec, 0));
    if (rc) return rc;
    int K = rl_comm_size(), G = P * K, R = rl_comm_rank();
    if ((rc = rl_comm_bcast(e->pol->params, e->pol->n_params))) /* rank 0's everywhere */
        return rc;
    int64_t gen = ag->steps_done; /* streams differ between resumed runs */
    int raw = e->pol->vt->raw_obs || !c->norm_obs;
    if (!raw && (rc = rl_comm_norm_init(&e->nz_sync, e->obs_norm))) return rc;
    for (;;) {
        es_perturb(ag, e, gen, R, P, G);
        if ((rc = es_evaluate(ag, e, tr, gen, raw))) return rc;
        gen++;
        if ((rc = es_update(ag, e, tr, G))) return rc;
        if (es_log(e, tr, G, gen)) break;
    }
    return RL_OK;
}

static int es_save(const rl_agent *ag, rl_ckpt *ck, int training_state)
{
    const es *e = ag->impl;
    int rc = rl_ckpt_put(ck, "actor", RL_F32, e->pol->params, e->pol->n_params);
    if (!rc) rc = rl_normalizer_save(e->obs_norm, ck, "obs_norm");
    if (!rc && training_state) rc = rl_adam_save(e->opt, ck, "adam.actor");
    return rc;
}

static int es_load(rl_agent *ag, const rl_ckpt *ck, int training_state)
{
    es *e = ag->impl;
    const float *a = rl_ckpt_get(ck, "actor", RL_F32, e->pol->n_params, NULL);
    if (!a) return rl_last_code();
    memcpy(e->pol->params, a, sizeof(float) * (size_t)e->pol->n_params);
    int rc = rl_normalizer_load(e->obs_norm, ck, "obs_norm");
    if (!rc && training_state) rc = rl_adam_load(e->opt, ck, "adam.actor");
    return rc;
}

static int es_params_finite(const rl_agent *ag)
{
    const es *e = ag->impl;
    for (int i = 0; i < e->pol->n_params; i++)
        if (!isfinite(e->pol->params[i])) return 0;
    return 1;
}

static double es_macs(const rl_agent *ag)
{
    const es *e = ag->impl;
    return e->pol->vt->macs ? e->pol->vt->macs(e->pol) : 0;
}

/* Everything but the name, summary and default policy. */
/* NCAP (`--agent ncap` = ES on the circuit) is the recommended swimmer
 * recipe. Measured (bench/ncap_claims.sh): the paper's Adam 0.01 climbs
 * 800 -> 850 in 300k steps; 0.1 annealed to 0 reaches ~920 in 150k (about
 * 20 s). */
static const rl_recipe ncap_recipes[] = {
    {"swimmer", "ncap", "envs=8,sigma=0.02,lr=0.1,anneal_lr=1", 150000, 1},
};
static const rl_recipe es_recipes[] = {
    {"swimmer", "ncap", "envs=8,sigma=0.02,lr=0.1,anneal_lr=1", 150000, 0},
    {"", NULL, "envs=32", 1000000, 0},
};

static const char *const es_acting[] = {"actor", NULL};

#define ES_VT_COMMON                                                                              \
    .opts = es_opts, .n_opts = (int)(sizeof es_opts / sizeof es_opts[0]),                        \
    .cfg_size = sizeof(es_cfg), .box_ok = 1, .create = es_create, .train = es_train,              \
    .act = es_act, .save = es_save, .load = es_load, .destroy = es_destroy,                       \
    .macs_per_act = es_macs, .params_finite = es_params_finite,                                    \
    .net = {.tensor = "actor", .outs_per_action = 1, .out_act = RL_ACT_TANH,                    \
            .head = RL_HEAD_CLAMP_BOUNDS, .exportable = 1, .ncap_exportable = 1,                 \
            .acting = es_acting},                                                                 \
    .mpi = 1

const rl_agent_vt rl_agent_es = {
    .name = "es",
    .summary = "Evolution strategies (Salimans et al. 2017): antithetic sampling, rank shaping, Adam",
    .default_policy = "mlp",
    .recipes = es_recipes,
    .n_recipes = RL_COUNT(es_recipes),
    ES_VT_COMMON,
};

const rl_agent_vt rl_agent_ncap = {
    .name = "ncap",
    .summary = "the NCAP default recipe: ES on the C. elegans circuit policy (swimmer tasks)",
    .default_policy = "ncap",
    .recipes = ncap_recipes,
    .n_recipes = RL_COUNT(ncap_recipes),
    ES_VT_COMMON,
};
