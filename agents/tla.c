/* TLA, the Temporally Layered Architecture (Patel, Sejnowski, Siegelmann,
 * Neural Computation 2024): a slow TD3 layer picks an action every
 * `slow_steps` env steps; a gate Q-network looks at (state, slow action) and
 * either repeats the slow action open-loop for the window (g = 0) or lets a
 * fast TD3 layer act every step of the window (g = 1). Engaging the fast
 * layer costs p per step plus j times its deviation from the slow action,
 * so the agent learns to think fast only when it pays.
 *
 * Slow layer and gate learn from macro transitions (one per window, gamma
 * per macro step); the fast layer from every step it acted, with input
 * (state, slow action). */
#include "agents/agents.h"
#include "agents/export.h"
#include "agents/td3.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

enum { GATE_LEARNED, GATE_CLOSED, GATE_OPEN };

typedef struct {
    td3_params core;   /* first: shared by the slow and fast layers */
    int envs, buffer, warmup, slow_steps, gate_mode, save_replay;
    double p, j, gate_eps, gate_lr;
} tla_cfg;

#define CORE(f) offsetof(tla_cfg, core) + offsetof(td3_params, f)
static const rl_optdef tla_opts[] = {
    {"envs", RL_OPT_INT, offsetof(tla_cfg, envs), "1", 1, 1, NULL, "parallel envs (1)"},
    {"hidden", RL_OPT_INTLIST, CORE(hidden), "400x300", 1, 4096, NULL,
     "hidden widths of every network (slow, fast, critics, gate)"},
    {"activation", RL_OPT_CHOICE, CORE(activation), "relu", 0, 0, "relu|tanh", "hidden activation"},
    {"lr", RL_OPT_FLOAT, CORE(lr), "3e-4", 1e-7, 1, NULL, "Adam learning rate (actors)"},
    {"critic_lr", RL_OPT_FLOAT, CORE(critic_lr), "0", 0, 1, NULL, "critics' rate (0: lr)"},
    {"gate_lr", RL_OPT_FLOAT, offsetof(tla_cfg, gate_lr), "3e-4", 1e-7, 1, NULL, "gate rate"},
    {"batch", RL_OPT_INT, CORE(batch), "256", 1, 65536, NULL, "minibatch size"},
    {"buffer", RL_OPT_INT, offsetof(tla_cfg, buffer), "1000000", 1, 100000000, NULL,
     "replay capacity of each layer"},
    {"warmup", RL_OPT_INT, offsetof(tla_cfg, warmup), "10000", 0, 100000000, NULL,
     "env steps of random slow actions and gate choices before learning"},
    {"gamma", RL_OPT_FLOAT, CORE(gamma), "0.99", 0, 1, NULL, "discount per step (fast) and per "
     "window (slow, gate)"},
    {"tau", RL_OPT_FLOAT, CORE(tau), "0.995", 0, 1, NULL, "Polyak share the targets keep"},
    {"policy_delay", RL_OPT_INT, CORE(policy_delay), "2", 1, 100, NULL, "TD3 actor delay"},
    {"policy_noise", RL_OPT_FLOAT, CORE(policy_noise), "0.2", 0, 10, NULL, "target smoothing"},
    {"noise_clip", RL_OPT_FLOAT, CORE(noise_clip), "0.5", 0, 10, NULL, "smoothing clip"},
    {"expl_noise", RL_OPT_FLOAT, CORE(expl_noise), "0.1", 0, 10, NULL, "exploration noise"},
    {"slow_steps", RL_OPT_INT, offsetof(tla_cfg, slow_steps), "6", 1, 1000, NULL,
     "env steps per slow decision"},
    {"p", RL_OPT_FLOAT, offsetof(tla_cfg, p), "1", 0, 1e6, NULL,
     "penalty per step the fast layer is engaged"},
    {"j", RL_OPT_FLOAT, offsetof(tla_cfg, j), "1", 0, 1e6, NULL,
     "penalty on the fast action's mean deviation from the slow one"},
    {"gate_eps", RL_OPT_FLOAT, offsetof(tla_cfg, gate_eps), "0.1", 0, 1, NULL,
     "gate exploration (epsilon-greedy)"},
    {"gate", RL_OPT_CHOICE, offsetof(tla_cfg, gate_mode), "learned", 0, 0, "learned|closed|open",
     "gate: learned, or forced closed (slow only) / open (fast always), for ablations"},
    {"save_replay", RL_OPT_BOOL, offsetof(tla_cfg, save_replay), "0", 0, 1, NULL,
     "accepted for symmetry with td3; TLA checkpoints never store replay"},
};

typedef struct {
    td3_core slow, fast;
    rl_mlp *gate;             /* (obs + act) -> 2 values: Q(s, a_slow)[g] */
    rl_adam *gate_opt;
    rl_replay *slow_rb, *fast_rb;
    float *macro_g;           /* (buffer) gate choice stored with each macro transition */
    float *gate_dy;           /* (batch, 2) */
    unsigned char *gate_g;    /* (batch) */
    int *gate_idx;            /* (batch) sampled macro indices */
    /* acting rows (rl_agent_act): the current window of each row */
    int n_rows;
    float *row_slow;          /* (n_rows, act) */
    int *row_g;               /* (n_rows) */
    float *in;                /* (act_dim + obs_dim) one row of fast or gate input */
} tla;

static int tla_create(rl_agent *ag, const rl_env *probe)
{
    tla_cfg *c = ag->cfg;
    tla *t = calloc(1, sizeof *t);
    if (!t) return rl_error(RL_ENOMEM, "out of memory");
    ag->impl = t;
    int od = ag->obs_dim, ad = ag->act_dim;
    int rc = rl_offp_check("tla", c->core.batch, c->buffer);
    /* Both layers use the mlp architecture: the fast one reads (state, slow
     * action), which a body-shaped policy like ncap cannot. */
    if (!rc && strcmp(ag->policy, "mlp"))
        rc = rl_error(RL_EINVAL, "tla supports --policy mlp only (got %s)", ag->policy);
    if (!rc) rc = rl_td3_core_init(&t->slow, &c->core, od, ad, "mlp", NULL, 0, probe, ag->seed);
    if (!rc) rc = rl_td3_core_init(&t->fast, &c->core, od + ad, ad, "mlp", NULL, 0, probe,
                                rl_seed_derive(ag->seed, 1));
    if (rc) return rc;
    rl_act act = c->core.activation == 1 ? RL_ACT_TANH : RL_ACT_RELU;
    t->gate = rl_mlp_make(od + ad, c->core.hidden.n, c->core.hidden.v, 2, act, RL_ACT_NONE);
    t->gate_opt = t->gate ? rl_adam_make(t->gate->n_params, (float)c->gate_lr, 0.9f, 0.999f, 1e-8f, 0)
                          : NULL;
    t->in = malloc(sizeof(float) * (size_t)(od + ad));
    if (!t->gate || !t->gate_opt || !t->in) return rl_error(RL_ENOMEM, "out of memory");
    rl_rng rng;
    rl_rng_seed(&rng, ag->seed, 0x6a7e);
    rl_mlp_init_uniform(t->gate, &rng);
    return RL_OK;
}

/* Updates of both TD3 layers and the gate on the trainer's pool (the same
 * bits at any thread count: core/nn.c splits rows and output features). */
static void tla_set_pool(rl_agent *ag, rl_pool *pool)
{
    tla *t = ag->impl;
    td3_core *layers[2] = {&t->slow, &t->fast};
    for (int k = 0; k < 2; k++) {
        rl_policy_set_pool(layers[k]->actor, pool);
        rl_policy_set_pool(layers[k]->actor_t, pool);
        rl_twinq_set_pool(&layers[k]->q, pool);
    }
    rl_mlp_set_pool(t->gate, pool);
}

static void tla_destroy(rl_agent *ag)
{
    tla *t = ag->impl;
    rl_td3_core_free(&t->slow);
    rl_td3_core_free(&t->fast);
    rl_mlp_free(t->gate);
    rl_adam_free(t->gate_opt);
    rl_replay_free(t->slow_rb);
    rl_replay_free(t->fast_rb);
    free(t->macro_g);
    free(t->gate_dy);
    free(t->gate_g);
    free(t->gate_idx);
    free(t->row_slow);
    free(t->row_g);
    free(t->in);
    free(t);
    ag->impl = NULL;
}

static double mlp_macs(const rl_mlp *m) { return rl_mlp_forward_flops(m, 1) / 2.0; }

/* Gate choice for one state and slow action: forced, or argmax of Q_gate
 * with probability 1 - eps (eps 0: greedy). */
static int gate_choose(const tla_cfg *c, tla *t, const float *obs, const float *a_slow, int od,
                       int ad, double eps, rl_rng *rng)
{
    if (c->gate_mode == GATE_CLOSED) return 0;
    if (c->gate_mode == GATE_OPEN) return 1;
    if (eps > 0 && rng && rl_rng_uniform(rng) < eps) return (int)rl_rng_below(rng, 2);
    memcpy(t->in, obs, sizeof(float) * (size_t)od);
    memcpy(t->in + od, a_slow, sizeof(float) * (size_t)ad);
    const float *q = rl_mlp_forward(t->gate, t->in, 1);
    return q && q[1] > q[0];
}

/* Fast action for one state given the window's slow action. */
static int fast_act(tla *t, const float *obs, const float *a_slow, int od, int ad, float noise,
                    rl_rng *rng, float *a)
{
    memcpy(t->in, obs, sizeof(float) * (size_t)od);
    memcpy(t->in + od, a_slow, sizeof(float) * (size_t)ad);
    return rl_td3_core_act(&t->fast, t->in, NULL, 1, a, noise, rng);
}

static int ensure_rows(tla *t, int n, int ad)
{
    if (n <= t->n_rows) return RL_OK;
    float *s = realloc(t->row_slow, sizeof(float) * (size_t)n * ad);
    if (s) t->row_slow = s;
    int *g = realloc(t->row_g, sizeof(int) * (size_t)n);
    if (g) t->row_g = g;
    if (!s || !g) return rl_error(RL_ENOMEM, "out of memory");
    t->n_rows = n;
    return RL_OK;
}

/* Rows act one at a time: each is at its own place in its window (t[i]). */
static int tla_act(rl_agent *ag, const float *obs, const int *ts, int n, float *actions,
                   int deterministic, rl_rng *rng)
{
    const tla_cfg *c = ag->cfg;
    tla *t = ag->impl;
    int od = ag->obs_dim, ad = ag->act_dim, rc = ensure_rows(t, n, ad);
    float noise = deterministic ? 0.f : (float)c->core.expl_noise;
    double slow_macs = rl_td3_core_macs(&t->slow), gate_macs = mlp_macs(t->gate);
    double fast_macs = rl_td3_core_macs(&t->fast);
    for (int i = 0; i < n && !rc; i++) {
        const float *o = obs + (size_t)i * od;
        float *slow = t->row_slow + (size_t)i * ad, *a = actions + (size_t)i * ad;
        if (ts[i] % c->slow_steps == 0) {
            if ((rc = rl_td3_core_act(&t->slow, o, NULL, 1, slow, noise, rng))) break;
            t->row_g[i] = gate_choose(c, t, o, slow, od, ad, deterministic ? 0 : c->gate_eps, rng);
            ag->macs += slow_macs + (c->gate_mode == GATE_LEARNED ? gate_macs : 0);
            if (!t->row_g[i]) ag->decisions++;
        }
        if (t->row_g[i]) {
            rc = fast_act(t, o, slow, od, ad, noise, rng, a);
            ag->macs += fast_macs;
            ag->decisions++;
        } else {
            memcpy(a, slow, sizeof(float) * (size_t)ad);
        }
    }
    return rc;
}

/* Sample B macro transitions into the slow layer's batch (and the gate's
 * choices), in the layout rl_offp_sample produces. */
static void sample_macro(tla *t, int B, rl_rng *rng)
{
    rl_offp_batch *b = &t->slow.b;
    const rl_replay *rb = t->slow_rb;
    size_t od = (size_t)b->obs_dim, ad = (size_t)b->act_dim, in = od + ad;
    for (int k = 0; k < B; k++) {
        size_t i = rl_rng_below(rng, (uint32_t)rb->size);
        memcpy(b->obs + k * od, rb->obs + i * od, sizeof(float) * od);
        memcpy(b->next + k * od, rb->next_obs + i * od, sizeof(float) * od);
        memcpy(b->act + k * ad, rb->act + i * ad, sizeof(float) * ad);
        b->reward[k] = rb->reward[i];
        b->term[k] = rb->terminated[i];
        memcpy(b->x + k * in, b->obs + k * od, sizeof(float) * od);
        memcpy(b->x + k * in + od, b->act + k * ad, sizeof(float) * ad);
        memcpy(b->xa + k * in, b->obs + k * od, sizeof(float) * od);
        memcpy(b->x2 + k * in, b->next + k * od, sizeof(float) * od);
        t->gate_g[k] = t->macro_g[i] > 0.5f;
    }
}

/* Gate regression: Q_gate(s, a_slow)[g] -> R + gamma * min Q_slow'(s', pi_slow'(s')).
 * Runs before the slow update, which rewrites the batch's next actions. */
static int gate_update(const tla_cfg *c, tla *t, int B, double *loss)
{
    rl_offp_batch *b = &t->slow.b;
    int od = b->obs_dim, ad = b->act_dim, rc;
    const float *a2 = t->slow.actor_t->vt->forward(t->slow.actor_t, b->next, NULL, B);
    if (!a2) return rl_last_code();
    rl_offp_put_act(b->x2, a2, B, od, ad);
    float *v = t->slow.qv;
    if ((rc = rl_twinq_target_min(&t->slow.q, b->x2, B, v))) return rc;
    const float *q = rl_mlp_forward(t->gate, b->x, B);
    if (!q) return rl_last_code();
    double l = 0;
    for (int k = 0; k < B; k++) {
        int g = t->gate_g[k];
        double y = b->reward[k] + (b->term[k] ? 0.0 : c->core.gamma * v[k]);
        double d = q[2 * k + g] - y;
        l += d * d;
        t->gate_dy[2 * k + g] = (float)(2 * d / B);
        t->gate_dy[2 * k + 1 - g] = 0;
    }
    *loss = l / B;
    rl_mlp_zero_grad(t->gate);
    if ((rc = rl_mlp_backward(t->gate, t->gate_dy, NULL, 1))) return rc;
    rl_adam_step(t->gate_opt, t->gate->params, t->gate->grads);
    return RL_OK;
}

/* The state of one training run between steps: the current window (step
 * k of W, gate g, its start observation and return so far), scratch rows
 * and running statistics. */
typedef struct {
    int k, g, windows, engaged;
    double R, gate_loss;
    td3_stats slow_st, fast_st;
    float *a_slow, *a, *s0, *fin, *fin2; /* (ad), (ad), (od), (od + ad), (od + ad) */
} tla_run;

static int alloc_replay(const tla_cfg *c, tla *t, int od, int ad)
{
    if (t->slow_rb) return RL_OK;
    t->slow_rb = rl_replay_make(c->buffer, od, ad);
    t->fast_rb = rl_replay_make(c->buffer, od + ad, ad);
    t->macro_g = calloc((size_t)c->buffer, sizeof(float));
    t->gate_dy = calloc((size_t)c->core.batch * 2, sizeof(float));
    t->gate_g = calloc((size_t)c->core.batch, 1);
    if (!t->slow_rb || !t->fast_rb || !t->macro_g || !t->gate_dy || !t->gate_g)
        return rl_error(RL_ENOMEM, "out of memory for TLA replay (%d transitions)", c->buffer);
    return RL_OK;
}

/* Choose this step's action into run->a: at a window's first step the
 * slow action and the gate, then the fast correction when the gate is
 * open (uniform actions during warmup). */
static int choose_action(rl_agent *ag, tla *t, tla_run *run, const float *obs, int warm,
                         rl_rng *rng)
{
    const tla_cfg *c = ag->cfg;
    int od = ag->obs_dim, ad = ag->act_dim, rc;
    if (run->k == 0) {
        if (warm) {
            rl_offp_uniform_actions(rng, run->a_slow, ad);
            run->g = c->gate_mode == GATE_LEARNED ? (int)rl_rng_below(rng, 2)
                                                  : c->gate_mode == GATE_OPEN;
        } else {
            if ((rc = rl_td3_core_act(&t->slow, obs, NULL, 1, run->a_slow,
                                      (float)c->core.expl_noise, rng)))
                return rc;
            run->g = gate_choose(c, t, obs, run->a_slow, od, ad, c->gate_eps, rng);
        }
        memcpy(run->s0, obs, sizeof(float) * (size_t)od);
        run->R = 0;
        run->windows++;
        run->engaged += run->g;
    }
    if (!run->g) {
        memcpy(run->a, run->a_slow, sizeof(float) * (size_t)ad);
        return RL_OK;
    }
    if (warm) {
        rl_offp_uniform_actions(rng, run->a, ad);
        return RL_OK;
    }
    return fast_act(t, obs, run->a_slow, od, ad, (float)c->core.expl_noise, rng, run->a);
}

/* After the env step: the fast transition (gate open) and, at a window's
 * end, the slow macro transition. */
static void store(const rl_agent *ag, tla *t, tla_run *run, rl_vec *vec)
{
    const tla_cfg *c = ag->cfg;
    int od = ag->obs_dim, ad = ag->act_dim;
    float r = rl_vec_rewards(vec)[0];
    int term = rl_vec_terminated(vec)[0], done = rl_vec_infos(vec)[0].done;
    const float *next = done ? rl_vec_final_obs(vec) : rl_vec_obs(vec);
    if (run->g) {
        double dev = 0;
        for (int i = 0; i < ad; i++) dev += fabs(run->a[i] - run->a_slow[i]);
        dev /= ad;  /* actions live in [-1, 1]: max_a = 1 */
        memcpy(run->fin2, next, sizeof(float) * (size_t)od);
        memcpy(run->fin2 + od, run->a_slow, sizeof(float) * (size_t)ad);
        rl_replay_add(t->fast_rb, run->fin, run->a, (float)(r - c->j * dev), run->fin2, term);
        run->R -= c->j * dev;
    }
    run->R += r;
    run->k++;
    if (run->k == c->slow_steps || done) {
        if (run->g) run->R -= c->p * run->k;
        t->macro_g[t->slow_rb->pos] = (float)run->g;
        rl_replay_add(t->slow_rb, run->s0, run->a_slow, (float)run->R, next, term);
        run->k = 0;
    }
}

/* Updates: the fast layer, then the gate and the slow layer, every step. */
static int learn(const tla_cfg *c, tla *t, tla_run *run, rl_rng *rng)
{
    int B = c->core.batch, rc;
    if (t->fast_rb->size >= B) {
        if ((rc = rl_offp_sample(t->fast_rb, rng, B, NULL, &t->fast.b))) return rc;
        if ((rc = rl_td3_core_update(&t->fast, B, NULL, rng, &run->fast_st))) return rc;
    }
    if (t->slow_rb->size >= B) {
        sample_macro(t, B, rng);
        if ((rc = gate_update(c, t, B, &run->gate_loss))) return rc;
        if ((rc = rl_td3_core_update(&t->slow, B, NULL, rng, &run->slow_st))) return rc;
    }
    return RL_OK;
}

static int tla_train(rl_agent *ag, rl_trainer *tr)
{
    tla_cfg *c = ag->cfg;
    tla *t = ag->impl;
    rl_vec *vec = rl_trainer_vec(tr);
    int od = ag->obs_dim, ad = ag->act_dim;
    int rc = alloc_replay(c, t, od, ad);
    if (rc) return rc;
    rl_rng rng;
    rl_rng_seed(&rng, rl_seed_derive(ag->seed, (uint64_t)ag->steps_done), 0x71a);
    tla_run run = {0};
    run.a_slow = malloc(sizeof(float) * (size_t)ad);
    run.a = malloc(sizeof(float) * (size_t)ad);
    run.s0 = malloc(sizeof(float) * (size_t)od);
    run.fin = malloc(sizeof(float) * (size_t)(od + ad));
    run.fin2 = malloc(sizeof(float) * (size_t)(od + ad));
    if (!run.a_slow || !run.a || !run.s0 || !run.fin || !run.fin2)
        rc = rl_error(RL_ENOMEM, "out of memory");
    while (!rc) {
        const float *obs = rl_vec_obs(vec);
        int warm = ag->steps_done < c->warmup;
        if ((rc = choose_action(ag, t, &run, obs, warm, &rng))) break;
        memcpy(run.fin, obs, sizeof(float) * (size_t)od);
        memcpy(run.fin + od, run.a_slow, sizeof(float) * (size_t)ad);
        if ((rc = rl_vec_step(vec, run.a))) break;
        store(ag, t, &run, vec);
        rl_trainer_episodes(tr, rl_vec_infos(vec), 1);
        ag->steps_done++;
        if (!warm && (rc = learn(c, t, &run, &rng))) break;
        if (ag->steps_done % 200 == 0 || ag->steps_done >= rl_trainer_total_steps(tr)) {
            rl_metric m[] = {
                {"slow_q_loss", run.slow_st.q_loss}, {"fast_q_loss", run.fast_st.q_loss},
                {"gate_loss", run.gate_loss},
                {"gate_open_rate", run.windows ? (double)run.engaged / run.windows : 0},
            };
            if (rl_trainer_tick(tr, m, 4)) break;
        }
    }
    free(run.a_slow);
    free(run.a);
    free(run.s0);
    free(run.fin);
    free(run.fin2);
    return rc;
}

static int tla_save(const rl_agent *ag, rl_ckpt *ck, int training_state)
{
    const tla *t = ag->impl;
    int rc = rl_td3_core_save(&t->slow, ck, "slow.", training_state);
    if (!rc) rc = rl_td3_core_save(&t->fast, ck, "fast.", training_state);
    if (!rc) rc = rl_mlp_save(t->gate, ck, "gate");
    if (!rc && training_state) rc = rl_adam_save(t->gate_opt, ck, "adam.gate");
    return rc;
}

static int tla_load(rl_agent *ag, const rl_ckpt *ck, int training_state)
{
    tla *t = ag->impl;
    int rc = rl_td3_core_load(&t->slow, ck, "slow.", training_state);
    if (!rc) rc = rl_td3_core_load(&t->fast, ck, "fast.", training_state);
    if (!rc) rc = rl_mlp_load(t->gate, ck, "gate");
    if (!rc && training_state) rc = rl_adam_load(t->gate_opt, ck, "adam.gate");
    return rc;
}

static int tla_finite(const rl_agent *ag)
{
    const tla *t = ag->impl;
    return rl_td3_core_finite(&t->slow) && rl_td3_core_finite(&t->fast) &&
           rl_offp_all_finite(t->gate->params, t->gate->n_params);
}

/* Cost of the most expensive step (a window start that engages the fast
 * layer); rl_evaluate counts what was actually spent. */
static double tla_macs(const rl_agent *ag)
{
    const tla *t = ag->impl;
    return rl_td3_core_macs(&t->slow) + mlp_macs(t->gate) + rl_td3_core_macs(&t->fast);
}


/* ---------------------------------------------------------------- export
 * `rltool export`: the slow actor, the gate and the fast actor as three
 * layer stacks, and NAME_act reproducing tla_act's windows: a new slow
 * action and gate choice every slow_steps calls, then either the repeated
 * slow action or the fast actor's. */

static int dense_of(const rl_mlp *m_const, rl_export_dense *d, int max)
{
    rl_mlp *m = (rl_mlp *)m_const; /* layer views borrow; nothing is written */
    int n = m->n_layers < max ? m->n_layers : max;
    for (int l = 0; l < n; l++) {
        rl_mlp_layer v;
        rl_mlp_layer_view(m, l, &v);
        d[l] = (rl_export_dense){v.in, v.out, v.act, v.W, v.b};
    }
    return n;
}

/* inspect: the three acting networks layer by layer. */
static int tla_inspect(const rl_agent *ag, const rl_ckpt *ck, FILE *f, int all)
{
    (void)ck, (void)all;
    const tla *t = ag->impl;
    const tla_cfg *c = ag->cfg;
    fprintf(f, "layers      the slow actor acts every %d steps; the gate (state, slow action) "
               "picks whether the fast actor acts in between\n", c->slow_steps);
    rl_policy_describe(f, "slow.actor", t->slow.actor);
    rl_mlp_describe(f, "gate", t->gate);
    rl_policy_describe(f, "fast.actor", t->fast.actor);
    return RL_OK;
}

static int tla_export(rl_agent *ag, const rl_export_opts *o, const char *path, rl_export_info *info)
{
    const tla_cfg *c = ag->cfg;
    const tla *t = ag->impl;
    const char *nm = o->name ? o->name : "policy";
    int od = ag->obs_dim, ad = ag->act_dim;
    char up[64], fn[96], tmp[4200];
    size_t k = 0;
    for (; nm[k] && k + 1 < sizeof up; k++) up[k] = (char)toupper((unsigned char)nm[k]);
    up[k] = 0;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
    rl_export_dense L[RL_INTLIST_MAX + 1];
    rl_export_info parts[3];
    memset(parts, 0, sizeof parts);
    const rl_mlp *nets[3] = {t->slow.actor->impl, t->gate, t->fast.actor->impl};
    const char *suffix[3] = {"slow", "gate", "fast"};
    fprintf(f, "/* %s.h: TLA policy exported by rltool %s (temporally layered: slow + gate + "
               "fast).\n * source       %s\n * env          %s %s\n * agent        tla, %s\n"
               " * obs          %d raw floats; action %d floats in [-1, 1]\n"
               " * windows      slow_steps %d, gate %s\n"
               " * API          %s_state s; %s_reset(&s); %s_act(&s, obs, action);\n */\n",
            nm, rl_version(), o->source ? o->source : "-", ag->env_id, ag->env_opts, ag->hparams,
            od, ad, c->slow_steps,
            c->gate_mode == GATE_CLOSED ? "closed" : c->gate_mode == GATE_OPEN ? "open" : "learned",
            nm, nm, nm);
    fprintf(f, "#ifndef %s_H\n#define %s_H\n\n#include <math.h>\n\n", up, up);
    fprintf(f, "#define %s_OBS_DIM %d\n#define %s_ACT_DIM %d\n#define %s_SLOW_STEPS %d\n\n", up, od,
            up, ad, up, c->slow_steps);
    for (int n = 0; n < 3; n++) {
        if (n == 1 && c->gate_mode != GATE_LEARNED) continue;
        snprintf(fn, sizeof fn, "%s_%s", nm, suffix[n]);
        rl_export_emit_mlp(f, fn, L, dense_of(nets[n], L, RL_INTLIST_MAX + 1), o->precision,
                           &parts[n]);
    }
    fprintf(f, "typedef struct { long t; int fast; float slow[%d]; } %s_state;\n\n", ad, nm);
    fprintf(f, "static inline void %s_reset(%s_state *s)\n{\n    int i;\n    s->t = 0;\n"
               "    s->fast = 0;\n    for (i = 0; i < %d; i++) s->slow[i] = 0.0f;\n}\n\n", nm, nm, ad);
    fprintf(f, "static inline float %s_clamp(float x) { return x < -1.0f ? -1.0f : (x > 1.0f ? "
               "1.0f : x); }\n\n", nm);
    fprintf(f, "/* obs (%s_OBS_DIM) -> action (%s_ACT_DIM); advances s->t. */\n", up, up);
    fprintf(f, "static inline void %s_act(%s_state *s, const float *obs, float *action)\n{\n", nm, nm);
    fprintf(f, "    float in[%d];\n    int i;\n", od + ad);
    fprintf(f, "    if (s->t %% %d == 0) {\n        %s_slow(obs, s->slow);\n", c->slow_steps, nm);
    fprintf(f, "        for (i = 0; i < %d; i++) s->slow[i] = %s_clamp(s->slow[i]);\n", ad, nm);
    if (c->gate_mode == GATE_LEARNED) {
        fprintf(f, "        float q[2];\n        for (i = 0; i < %d; i++) in[i] = obs[i];\n", od);
        fprintf(f, "        for (i = 0; i < %d; i++) in[%d + i] = s->slow[i];\n", ad, od);
        fprintf(f, "        %s_gate(in, q);\n        s->fast = q[1] > q[0];\n", nm);
    } else {
        fprintf(f, "        s->fast = %d;\n", c->gate_mode == GATE_OPEN);
    }
    fprintf(f, "    }\n    if (s->fast) {\n");
    fprintf(f, "        for (i = 0; i < %d; i++) in[i] = obs[i];\n", od);
    fprintf(f, "        for (i = 0; i < %d; i++) in[%d + i] = s->slow[i];\n", ad, od);
    fprintf(f, "        %s_fast(in, action);\n", nm);
    fprintf(f, "        for (i = 0; i < %d; i++) action[i] = %s_clamp(action[i]);\n", ad, nm);
    fprintf(f, "    } else {\n        for (i = 0; i < %d; i++) action[i] = s->slow[i];\n    }\n", ad);
    fprintf(f, "    s->t++;\n}\n\n#endif\n");
    int rc = fclose(f) ? rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno)) : RL_OK;
    if (!rc && rename(tmp, path)) rc = rl_error(RL_EIO, "cannot write %s: %s", path, strerror(errno));
    if (rc) {
        remove(tmp);
        return rc;
    }
    memset(info, 0, sizeof *info);
    for (int n = 0; n < 3; n++) {
        info->n_params += parts[n].n_params;
        info->weight_bytes += parts[n].weight_bytes;
        info->macs += parts[n].macs;  /* the costliest step: a window start that engages fast */
    }
    snprintf(info->arch, sizeof info->arch, "tla slow/gate/fast mlp, %d-step windows", c->slow_steps);
    snprintf(info->head, sizeof info->head, "clip(tanh actor, -1, 1)");
    snprintf(info->normaliser, sizeof info->normaliser, "none");
    info->n_checked = -1; /* not measured in-process; tests compare compiled output */
    return RL_OK;
}

static const rl_recipe tla_recipes[] = {
    /* TLA's pendulum settings (slow_steps 6, p = j = 1) on TD3's pendulum networks. */
    {"pendulum", NULL, "hidden=64x64,batch=100,lr=1e-3,warmup=1000,buffer=20000,slow_steps=6,"
                       "p=1,j=1", 20000, 0},
};

static const char *const tla_acting[] = {"slow.actor", "fast.actor", "gate", NULL};

const rl_agent_vt rl_agent_tla = {
    .name = "tla",
    .summary = "Temporally Layered Architecture: slow TD3 + gate + fast TD3, fewer decisions",
    .opts = tla_opts,
    .n_opts = (int)(sizeof tla_opts / sizeof tla_opts[0]),
    .cfg_size = sizeof(tla_cfg),
    .box_ok = 1,
    .default_policy = "mlp",
    .create = tla_create,
    .train = tla_train,
    .act = tla_act,
    .save = tla_save,
    .load = tla_load,
    .destroy = tla_destroy,
    .set_pool = tla_set_pool,
    .macs_per_act = tla_macs,
    .params_finite = tla_finite,
    .counts_decisions = 1,
    .export_c = tla_export,
    .inspect = tla_inspect,
    .net = {.acting = tla_acting}, /* exported by tla_export */
    .recipes = tla_recipes,
    .n_recipes = RL_COUNT(tla_recipes),
};
