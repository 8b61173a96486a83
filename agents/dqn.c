/* DQN (Mnih et al. 2015) with CleanRL's classic-control recipe, a double-DQN
 * target (van Hasselt et al. 2016, default on), MSE or Huber loss, and
 * factored heads for multi-dimensional discrete actions: one head of n values
 * per action dimension, Q(s, a) = mean_d Q_d(s, a_d) as in DecQN (Seyde et
 * al. 2022), so a Box task discretised with discretize=B trains too. */
#include "agents/agents.h"
#include "agents/offpolicy.h"
#include "core/dist.h"
#include "envs/vec.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int envs, batch, buffer, warmup, train_every, target_every, double_q, loss, save_replay;
    double lr, gamma, tau, eps_start, eps_end, explore_frac, max_grad_norm, huber_delta;
    rl_intlist hidden;
    int activation;
} dqn_cfg;

static const rl_optdef dqn_opts[] = {
    {"envs", RL_OPT_INT, offsetof(dqn_cfg, envs), "1", 1, 4096, NULL, "parallel envs"},
    {"hidden", RL_OPT_INTLIST, offsetof(dqn_cfg, hidden), "120x84", 1, 4096, NULL,
     "hidden layer widths of the Q-network"},
    {"activation", RL_OPT_CHOICE, offsetof(dqn_cfg, activation), "relu", 0, 0, "relu|tanh",
     "hidden activation"},
    {"lr", RL_OPT_FLOAT, offsetof(dqn_cfg, lr), "2.5e-4", 1e-7, 1, NULL, "Adam learning rate"},
    {"batch", RL_OPT_INT, offsetof(dqn_cfg, batch), "128", 1, 65536, NULL, "minibatch size"},
    {"buffer", RL_OPT_INT, offsetof(dqn_cfg, buffer), "10000", 1, 100000000, NULL,
     "replay buffer capacity (transitions)"},
    {"warmup", RL_OPT_INT, offsetof(dqn_cfg, warmup), "10000", 0, 100000000, NULL,
     "env steps before learning starts"},
    {"gamma", RL_OPT_FLOAT, offsetof(dqn_cfg, gamma), "0.99", 0, 1, NULL, "discount"},
    {"train_every", RL_OPT_INT, offsetof(dqn_cfg, train_every), "10", 1, 100000, NULL,
     "env steps per gradient update"},
    {"target_every", RL_OPT_INT, offsetof(dqn_cfg, target_every), "500", 1, 100000000, NULL,
     "env steps between target network updates"},
    {"tau", RL_OPT_FLOAT, offsetof(dqn_cfg, tau), "0", 0, 1, NULL,
     "Polyak share the target keeps at each target update (0: hard copy)"},
    {"eps_start", RL_OPT_FLOAT, offsetof(dqn_cfg, eps_start), "1", 0, 1, NULL,
     "initial epsilon of epsilon-greedy exploration"},
    {"eps_end", RL_OPT_FLOAT, offsetof(dqn_cfg, eps_end), "0.05", 0, 1, NULL, "final epsilon"},
    {"explore_frac", RL_OPT_FLOAT, offsetof(dqn_cfg, explore_frac), "0.5", 0, 1, NULL,
     "share of the run over which epsilon decays linearly"},
    {"double_q", RL_OPT_BOOL, offsetof(dqn_cfg, double_q), "1", 0, 1, NULL,
     "double-DQN target (online argmax, target value)"},
    {"loss", RL_OPT_CHOICE, offsetof(dqn_cfg, loss), "mse", 0, 0, "mse|huber", "TD loss"},
    {"huber_delta", RL_OPT_FLOAT, offsetof(dqn_cfg, huber_delta), "1", 1e-6, 1e6, NULL,
     "Huber loss threshold"},
    {"max_grad_norm", RL_OPT_FLOAT, offsetof(dqn_cfg, max_grad_norm), "0", 0, 1e9, NULL,
     "global gradient norm clip (0: off)"},
    {"save_replay", RL_OPT_BOOL, offsetof(dqn_cfg, save_replay), "0", 0, 1, NULL,
     "store the replay buffer in resumable checkpoints"},
};

typedef struct {
    rl_mlp *q, *qt;
    rl_adam *opt;
    rl_replay *rb;
    int D, n;                      /* action dims (heads), choices per dim */
    /* (batch, ...) update workspace */
    float *obs, *next, *act, *rew, *y, *pred, *dpred, *dout, *vnext;
    int *astar;
    unsigned char *term;
    rl_offp_ws ws;
    int64_t last_train, last_target;
} dqn;

static int dqn_create(rl_agent *ag, const rl_env *probe)
{
    (void)probe;
    dqn_cfg *c = ag->cfg;
    dqn *p = calloc(1, sizeof *p);
    if (!p) return rl_error(RL_ENOMEM, "out of memory");
    ag->impl = p;
    int rc = rl_offp_check("dqn", c->batch, c->buffer);
    if (rc) return rc;
    if (c->eps_end > c->eps_start)
        return rl_error(RL_EINVAL, "dqn: eps_end=%g is above eps_start=%g; epsilon decays from "
                        "eps_start to eps_end", c->eps_end, c->eps_start);
    p->D = ag->act_dim;
    p->n = ag->act_space.n;
    int od = ag->obs_dim, B = c->batch, out = p->D * p->n;
    p->q = rl_mlp_make(od, c->hidden.n, c->hidden.v, out,
                       c->activation == 1 ? RL_ACT_TANH : RL_ACT_RELU, RL_ACT_NONE);
    if (!p->q) return rl_last_code();
    rl_rng rng;
    rl_rng_seed(&rng, ag->seed, 0xd9);
    rl_mlp_init_uniform(p->q, &rng);
    p->qt = rl_mlp_clone(p->q);
    p->opt = rl_adam_make(p->q->n_params, (float)c->lr, 0.9f, 0.999f, 1e-8f, 0);
    size_t b = (size_t)B;
    p->obs = malloc(sizeof(float) * b * od);
    p->next = malloc(sizeof(float) * b * od);
    p->act = malloc(sizeof(float) * b * p->D);
    p->rew = malloc(sizeof(float) * b);
    p->y = malloc(sizeof(float) * b);
    p->pred = malloc(sizeof(float) * b);
    p->dpred = malloc(sizeof(float) * b);
    p->vnext = malloc(sizeof(float) * b);
    p->dout = malloc(sizeof(float) * b * out);
    p->astar = malloc(sizeof(int) * b * p->D);
    p->term = malloc(b);
    if (!p->qt || !p->opt || !p->obs || !p->next || !p->act || !p->rew || !p->y || !p->pred ||
        !p->dpred || !p->vnext || !p->dout || !p->astar || !p->term)
        return rl_error(RL_ENOMEM, "out of memory");
    return RL_OK;
}

static void dqn_destroy(rl_agent *ag)
{
    dqn *p = ag->impl;
    rl_mlp_free(p->q);
    rl_mlp_free(p->qt);
    rl_adam_free(p->opt);
    rl_replay_free(p->rb);
    free(p->obs);
    free(p->next);
    free(p->act);
    free(p->rew);
    free(p->y);
    free(p->pred);
    free(p->dpred);
    free(p->vnext);
    free(p->dout);
    free(p->astar);
    free(p->term);
    rl_offp_ws_free(&p->ws);
    free(p);
    ag->impl = NULL;
}

/* Greedy per-dimension actions of n rows of Q values (n, D * choices). */
static void greedy(const dqn *p, const float *q, int rows, float *actions)
{
    for (int i = 0; i < rows; i++)
        for (int d = 0; d < p->D; d++)
            actions[(size_t)i * p->D + d] =
                (float)rl_cat_argmax(q + ((size_t)i * p->D + d) * p->n, p->n);
}

/* Epsilon-greedy: with probability eps a uniformly random joint action. */
static int choose(dqn *p, const float *obs, int rows, float eps, rl_rng *rng, float *actions)
{
    const float *q = rl_mlp_forward(p->q, obs, rows);
    if (!q) return rl_last_code();
    greedy(p, q, rows, actions);
    if (eps > 0 && rng)
        for (int i = 0; i < rows; i++)
            if (rl_rng_uniform(rng) < eps)
                for (int d = 0; d < p->D; d++)
                    actions[(size_t)i * p->D + d] = (float)rl_rng_below(rng, (uint32_t)p->n);
    return RL_OK;
}

static int dqn_act(rl_agent *ag, const float *obs, const int *t, int n, float *actions,
                   int deterministic, rl_rng *rng)
{
    (void)t;
    const dqn_cfg *c = ag->cfg;
    return choose(ag->impl, obs, n, deterministic ? 0.f : (float)c->eps_end, rng, actions);
}

/* One gradient step; returns the mean loss and Q prediction in *loss, *qmean. */
static int dqn_update(rl_agent *ag, dqn *p, rl_rng *rng, double *loss, double *qmean)
{
    const dqn_cfg *c = ag->cfg;
    int B = c->batch, D = p->D, n = p->n, W = D * n, rc;
    if ((rc = rl_replay_sample(p->rb, rng, B, p->obs, p->act, p->rew, p->next, p->term))) return rc;
    /* Next-state values: mean over heads of Q_target at the chosen bins. */
    if (c->double_q) {
        const float *qn = rl_mlp_forward(p->q, p->next, B);
        if (!qn) return rl_last_code();
        for (int i = 0; i < B * D; i++) p->astar[i] = rl_cat_argmax(qn + (size_t)i * n, n);
    }
    const float *qt = rl_mlp_forward(p->qt, p->next, B);
    if (!qt) return rl_last_code();
    for (int i = 0; i < B; i++) {
        double v = 0;
        for (int d = 0; d < D; d++) {
            const float *row = qt + (size_t)i * W + d * n;
            int k = c->double_q ? p->astar[i * D + d] : rl_cat_argmax(row, n);
            v += row[k];
        }
        p->y[i] = p->rew[i] + (p->term[i] ? 0.f : (float)(c->gamma * v / D));
    }
    const float *q = rl_mlp_forward(p->q, p->obs, B);
    if (!q) return rl_last_code();
    double qs = 0;
    for (int i = 0; i < B; i++) {
        double v = 0;
        for (int d = 0; d < D; d++) v += q[(size_t)i * W + d * n + (int)p->act[i * D + d]];
        p->pred[i] = (float)(v / D);
        qs += p->pred[i];
    }
    *loss = c->loss == 1 ? rl_loss_huber(p->pred, p->y, B, (float)c->huber_delta, p->dpred)
                         : rl_loss_mse(p->pred, p->y, B, p->dpred);
    *qmean = qs / B;
    memset(p->dout, 0, sizeof(float) * (size_t)B * W);
    for (int i = 0; i < B; i++)
        for (int d = 0; d < D; d++)
            p->dout[(size_t)i * W + d * n + (int)p->act[i * D + d]] = p->dpred[i] / D;
    rl_mlp_zero_grad(p->q);
    if ((rc = rl_mlp_backward(p->q, p->dout, NULL, 1))) return rc;
    if (c->max_grad_norm > 0) rl_grad_clip_norm(p->q->grads, p->q->n_params, c->max_grad_norm);
    rl_adam_step(p->opt, p->q->params, p->q->grads);
    return RL_OK;
}

static int dqn_train_loop(rl_agent *ag, rl_trainer *tr)
{
    dqn_cfg *c = ag->cfg;
    dqn *p = ag->impl;
    rl_vec *vec = rl_trainer_vec(tr);
    int N = rl_vec_num_envs(vec), od = ag->obs_dim, rc;
    if (!p->rb && !(p->rb = rl_replay_make(c->buffer, od, p->D))) return rl_last_code();
    if ((rc = rl_offp_ws_reserve(&p->ws, N, od))) return rc;
    rl_rng rng;
    rl_rng_seed(&rng, rl_seed_derive(ag->seed, (uint64_t)ag->steps_done), 0xd9d);
    float *obs = rl_vec_obs(vec), *act = rl_vec_actions(vec);
    double explore = c->explore_frac * (double)rl_trainer_total_steps(tr);
    double loss = 0, qmean = 0, eps = c->eps_start;
    for (;;) {
        double frac = explore > 0 ? (double)ag->steps_done / explore : 1;
        eps = c->eps_start + (c->eps_end - c->eps_start) * (frac < 1 ? frac : 1);
        if ((rc = choose(p, obs, N, (float)eps, &rng, act))) return rc;
        memcpy(p->ws.prev, obs, sizeof(float) * (size_t)N * od);
        if ((rc = rl_vec_step(vec, NULL))) return rc;
        rl_offp_store(p->rb, vec, tr, p->ws.prev, act, p->ws.next, p->ws.term);
        ag->steps_done += N;
        if (ag->steps_done >= c->warmup && p->rb->size >= c->batch) {
            while (ag->steps_done - p->last_train >= c->train_every) {
                p->last_train += c->train_every;
                if ((rc = dqn_update(ag, p, &rng, &loss, &qmean))) return rc;
            }
            if (ag->steps_done - p->last_target >= c->target_every) {
                p->last_target = ag->steps_done;
                rl_polyak(p->qt->params, p->q->params, p->q->n_params, (float)c->tau);
            }
        } else {
            p->last_train = p->last_target = ag->steps_done;
        }
        rl_metric m[] = {{"q_loss", loss}, {"q_mean", qmean}, {"epsilon", eps}};
        if (rl_trainer_tick(tr, m, 3)) break;
    }
    return RL_OK;
}

static void dqn_set_pool(rl_agent *ag, rl_pool *pool)
{
    dqn *p = ag->impl;
    rl_mlp_set_pool(p->q, pool);
    rl_mlp_set_pool(p->qt, pool);
}


static int dqn_save(const rl_agent *ag, rl_ckpt *ck, int training_state)
{
    const dqn *p = ag->impl;
    const dqn_cfg *c = ag->cfg;
    int rc = rl_mlp_save(p->q, ck, "q");
    if (training_state) {
        int64_t st[2] = {p->last_train, p->last_target};
        if (!rc) rc = rl_mlp_save(p->qt, ck, "q.target");
        if (!rc) rc = rl_adam_save(p->opt, ck, "adam.q");
        if (!rc) rc = rl_ckpt_put(ck, "dqn.state", RL_I64, st, 2);
        if (!rc && c->save_replay && p->rb) rc = rl_replay_save(p->rb, ck, "replay");
    }
    return rc;
}

static int dqn_load(rl_agent *ag, const rl_ckpt *ck, int training_state)
{
    dqn *p = ag->impl;
    const dqn_cfg *c = ag->cfg;
    int rc = rl_mlp_load(p->q, ck, "q");
    if (!rc && !training_state) rc = rl_mlp_copy_params(p->qt, p->q);
    if (!rc && training_state) {
        rc = rl_mlp_load(p->qt, ck, "q.target");
        if (!rc) rc = rl_adam_load(p->opt, ck, "adam.q");
        const int64_t *st = rc ? NULL : rl_ckpt_get(ck, "dqn.state", RL_I64, 2, NULL);
        if (!rc && !st) return rl_last_code();
        if (st) {
            p->last_train = st[0];
            p->last_target = st[1];
        }
        if (!rc && c->save_replay)
            rc = rl_offp_replay_load(&p->rb, ck, c->buffer, ag->obs_dim, p->D);
    }
    return rc;
}

static int dqn_params_finite(const rl_agent *ag)
{
    const dqn *p = ag->impl;
    return rl_offp_all_finite(p->q->params, p->q->n_params);
}

static double dqn_macs(const rl_agent *ag)
{
    const dqn *p = ag->impl;
    return rl_mlp_forward_flops(p->q, 1) / 2.0;
}

static const rl_recipe dqn_recipes[] = {
    /* task prefix  policy  hyperparameters                                steps  recommended */
    {"cartpole", NULL, NULL, 500000, 0}, /* CleanRL classic control = dqn defaults */
    {"pendulum", NULL, "warmup=1000,train_every=1,target_every=200,explore_frac=0.3,lr=1e-3,"
                       "buffer=20000,hidden=64x64", 30000, 0},
};

static const char *const dqn_acting[] = {"q", NULL};

const rl_agent_vt rl_agent_dqn = {
    .name = "dqn",
    .summary = "Deep Q-Network (double-DQN target, factored heads for multi-dim discrete), "
               "discrete actions",
    .opts = dqn_opts,
    .n_opts = (int)(sizeof dqn_opts / sizeof dqn_opts[0]),
    .cfg_size = sizeof(dqn_cfg),
    .box_ok = 0,
    .discrete_ok = 1,
    .default_policy = "mlp",
    .create = dqn_create,
    .train = dqn_train_loop,
    .set_pool = dqn_set_pool,
    .act = dqn_act,
    .save = dqn_save,
    .load = dqn_load,
    .destroy = dqn_destroy,
    .macs_per_act = dqn_macs,
    .params_finite = dqn_params_finite,
    .net = {.tensor = "q", .outs_per_action = 1, .out_act = RL_ACT_NONE, .exportable = 1,
            .acting = dqn_acting},
    .recipes = dqn_recipes,
    .n_recipes = RL_COUNT(dqn_recipes),
};
