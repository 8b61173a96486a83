/* Shared off-policy machinery: twin critics, batch sampling, replay stores.
 * See offpolicy.h. */
#include "agents/offpolicy.h"
#include "agents/comm.h"
#include "core/mlp_pair.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- twin Q */

int rl_twinq_init(rl_twinq *t, int obs_dim, int act_dim, const rl_intlist *hidden, rl_act act,
                  float lr, int cap, rl_rng *rng)
{
    memset(t, 0, sizeof *t);
    t->obs_dim = obs_dim;
    t->act_dim = act_dim;
    t->in = obs_dim + act_dim;
    t->cap = cap;
    for (int k = 0; k < 2; k++) {
        t->q[k] = rl_mlp_make(t->in, hidden->n, hidden->v, 1, act, RL_ACT_NONE);
        if (!t->q[k]) return rl_last_code();
        rl_mlp_init_uniform(t->q[k], rng);
        t->qt[k] = rl_mlp_clone(t->q[k]);
        t->opt[k] = rl_adam_make(t->q[k]->n_params, lr, 0.9f, 0.999f, 1e-8f, 0);
        t->dx[k] = malloc(sizeof(float) * (size_t)cap * t->in);
        t->sel[k] = malloc(sizeof(int) * (size_t)cap);
        if (!t->qt[k] || !t->opt[k] || !t->dx[k] || !t->sel[k])
            return rl_error(RL_ENOMEM, "out of memory");
    }
    t->dq = malloc(sizeof(float) * (size_t)cap * 2);
    if (!t->dq) return rl_error(RL_ENOMEM, "out of memory");
    return RL_OK;
}

void rl_twinq_free(rl_twinq *t)
{
    for (int k = 0; k < 2; k++) {
        rl_mlp_free(t->q[k]);
        rl_mlp_free(t->qt[k]);
        rl_adam_free(t->opt[k]);
        free(t->dx[k]);
        free(t->sel[k]);
    }
    free(t->dq);
    memset(t, 0, sizeof *t);
}

void rl_twinq_set_regularizers(rl_twinq *t, float weight_decay, double max_grad_norm)
{
    for (int k = 0; k < 2; k++) t->opt[k]->weight_decay = weight_decay;
    t->max_grad_norm = max_grad_norm;
}

void rl_twinq_set_pool(rl_twinq *t, rl_pool *pool)
{
    t->pool = pool;
    for (int k = 0; k < 2; k++) {
        rl_mlp_set_pool(t->q[k], pool);
        rl_mlp_set_pool(t->qt[k], pool);
    }
}

/* One twin-critic step's arguments and results, for the pair's parts. */
typedef struct {
    rl_twinq *t;
    const float *x, *y;
    int B;
    float tau;             /* fit: < 0 for no Polyak step */
    const float *out[2];   /* forward outputs, owned by the networks */
    int n_sel[2];          /* action_grad: rows where critic k is the min */
    double loss[2];
} twin_ctx;

static int target_part(void *p, int k)
{
    twin_ctx *c = p;
    c->out[k] = rl_mlp_forward(c->t->qt[k], c->x, c->B);
    return c->out[k] ? RL_OK : rl_last_code();
}

int rl_twinq_target_min(rl_twinq *t, const float *x, int B, float *out)
{
    twin_ctx c = {.t = t, .x = x, .B = B};
    int rc = rl_mlp_pair_run(t->pool, rl_mlp_pair_parallel(t->qt[0], B, t->pool), t->qt[0],
                             t->qt[1], target_part, &c);
    if (rc) return rc;
    for (int i = 0; i < B; i++) out[i] = c.out[1][i] < c.out[0][i] ? c.out[1][i] : c.out[0][i];
    return RL_OK;
}

static int fit_part(void *p, int k)
{
    twin_ctx *c = p;
    rl_twinq *t = c->t;
    rl_mlp *q = t->q[k];
    float *dq = t->dq + (size_t)k * t->cap;
    const float *v = rl_mlp_forward(q, c->x, c->B);
    if (!v) return rl_last_code();
    c->loss[k] = rl_loss_mse(v, c->y, c->B, dq);
    rl_mlp_zero_grad(q);
    int rc = rl_mlp_backward(q, dq, NULL, 1);
    if (rc) return rc;
    if (t->comm_avg && (rc = rl_comm_allreduce_mean(q->grads, q->n_params))) return rc;
    if (t->max_grad_norm > 0) rl_grad_clip_norm(q->grads, q->n_params, t->max_grad_norm);
    if (c->tau >= 0) rl_adam_step_polyak(t->opt[k], q->params, q->grads, t->qt[k]->params, c->tau);
    else rl_adam_step(t->opt[k], q->params, q->grads);
    return RL_OK;
}

/* tau < 0: no Polyak step. */
static int twinq_fit(rl_twinq *t, const float *x, const float *y, int B, float tau, double *loss)
{
    twin_ctx c = {.t = t, .x = x, .y = y, .B = B, .tau = tau};
    /* The gradient allreduce talks to other ranks: keep it on this thread. */
    int par = !t->comm_avg && rl_mlp_pair_parallel(t->q[0], B, t->pool);
    int rc = rl_mlp_pair_run(t->pool, par, t->q[0], t->q[1], fit_part, &c);
    if (rc) return rc;
    if (loss) *loss = c.loss[0] + c.loss[1];
    return RL_OK;
}

int rl_twinq_fit(rl_twinq *t, const float *x, const float *y, int B, double *loss)
{
    return twinq_fit(t, x, y, B, -1.0f, loss);
}

int rl_twinq_fit_polyak(rl_twinq *t, const float *x, const float *y, int B, float tau,
                        double *loss)
{
    return twinq_fit(t, x, y, B, tau < 0 ? 0.0f : tau, loss);
}

static int forward_part(void *p, int k)
{
    twin_ctx *c = p;
    c->out[k] = rl_mlp_forward(c->t->q[k], c->x, c->B);
    return c->out[k] ? RL_OK : rl_last_code();
}

static int input_grad_part(void *p, int k)
{
    twin_ctx *c = p;
    rl_twinq *t = c->t;
    if (!c->n_sel[k]) return RL_OK;
    int rc = rl_mlp_keep_row_set(t->q[k], t->sel[k], c->n_sel[k]);
    return rc ? rc : rl_mlp_backward(t->q[k], t->dq + (size_t)k * t->cap, t->dx[k], 0);
}

int rl_twinq_action_grad(rl_twinq *t, const float *x, int B, int use_min, float w, float *qval,
                         float *da)
{
    int od = t->obs_dim, ad = t->act_dim, in = t->in;
    if (!use_min) {
        const float *q1 = rl_mlp_forward(t->q[0], x, B);
        if (!q1) return rl_last_code();
        for (int i = 0; i < B; i++) {
            qval[i] = q1[i];
            t->dq[i] = w;
        }
        int rc = rl_mlp_backward(t->q[0], t->dq, t->dx[0], 0);
        if (rc) return rc;
        for (int i = 0; i < B; i++)
            memcpy(da + (size_t)i * ad, t->dx[0] + (size_t)i * in + od, sizeof(float) * ad);
        return RL_OK;
    }
    twin_ctx c = {.t = t, .x = x, .B = B};
    int par = rl_mlp_pair_parallel(t->q[0], B, t->pool);
    int rc = rl_mlp_pair_run(t->pool, par, t->q[0], t->q[1], forward_part, &c);
    if (rc) return rc;
    /* Backward of the min: each row's gradient goes to the smaller critic,
     * so each critic back-propagates only its own rows (its pass cut to
     * them): half the work of two full passes where the other critic's
     * rows had gradient 0 and gave input gradient +0. */
    for (int i = 0; i < B; i++) {
        int k = c.out[1][i] < c.out[0][i];
        qval[i] = c.out[k][i];
        t->sel[k][c.n_sel[k]] = i;
        t->dq[(size_t)k * t->cap + c.n_sel[k]++] = w;
    }
    if ((rc = rl_mlp_pair_run(t->pool, par, t->q[0], t->q[1], input_grad_part, &c))) return rc;
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < c.n_sel[k]; j++) {
            const float *g = t->dx[k] + (size_t)j * in + od;
            /* + 0: the bits of the sum with the other critic's +0. */
            for (int d = 0; d < ad; d++) da[(size_t)t->sel[k][j] * ad + d] = g[d] + 0.0f;
        }
    return RL_OK;
}

void rl_twinq_polyak(rl_twinq *t, float tau)
{
    for (int k = 0; k < 2; k++) rl_polyak(t->qt[k]->params, t->q[k]->params, t->q[k]->n_params, tau);
}

int rl_offp_all_finite(const float *x, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

int rl_twinq_finite(const rl_twinq *t)
{
    return rl_offp_all_finite(t->q[0]->params, t->q[0]->n_params) &&
           rl_offp_all_finite(t->q[1]->params, t->q[1]->n_params);
}

int rl_twinq_save(const rl_twinq *t, rl_ckpt *ck, const char *prefix, int training_state)
{
    char nm[128];
    int rc = RL_OK;
    for (int k = 0; k < 2 && !rc; k++) {
        snprintf(nm, sizeof nm, "%s%d", prefix, k + 1);
        rc = rl_mlp_save(t->q[k], ck, nm);
        if (training_state && !rc) {
            snprintf(nm, sizeof nm, "%s%d.target", prefix, k + 1);
            rc = rl_mlp_save(t->qt[k], ck, nm);
            snprintf(nm, sizeof nm, "adam.%s%d", prefix, k + 1);
            if (!rc) rc = rl_adam_save(t->opt[k], ck, nm);
        }
    }
    return rc;
}

int rl_twinq_load(rl_twinq *t, const rl_ckpt *ck, const char *prefix, int training_state)
{
    char nm[128];
    int rc = RL_OK;
    for (int k = 0; k < 2 && !rc; k++) {
        snprintf(nm, sizeof nm, "%s%d", prefix, k + 1);
        rc = rl_mlp_load(t->q[k], ck, nm);
        if (rc) break;
        if (training_state) {
            snprintf(nm, sizeof nm, "%s%d.target", prefix, k + 1);
            rc = rl_mlp_load(t->qt[k], ck, nm);
            snprintf(nm, sizeof nm, "adam.%s%d", prefix, k + 1);
            if (!rc) rc = rl_adam_load(t->opt[k], ck, nm);
        } else {
            rc = rl_mlp_copy_params(t->qt[k], t->q[k]);
        }
    }
    return rc;
}

/* ---------------------------------------------------------------- batches */

int rl_offp_batch_init(rl_offp_batch *b, int cap, int obs_dim, int act_dim)
{
    memset(b, 0, sizeof *b);
    b->cap = cap;
    b->obs_dim = obs_dim;
    b->act_dim = act_dim;
    size_t c = (size_t)cap, in = (size_t)(obs_dim + act_dim);
    /* obs and next in one block, next right after obs: at full batch the
     * actor can take both in one pass (rl_offp_batch_stacked). */
    b->obs = malloc(sizeof(float) * c * obs_dim * 2);
    b->next = b->obs ? b->obs + c * obs_dim : NULL;
    b->act = malloc(sizeof(float) * c * act_dim);
    b->x = malloc(sizeof(float) * c * in);
    b->x2 = malloc(sizeof(float) * c * in);
    b->xa = malloc(sizeof(float) * c * in);
    b->reward = malloc(sizeof(float) * c);
    b->y = malloc(sizeof(float) * c);
    b->term = malloc(c);
    b->t = malloc(sizeof(int) * c);
    b->t2 = malloc(sizeof(int) * c);
    b->pol_dim = obs_dim;
    b->pobs = b->obs;
    b->pnext = b->next;
    if (!b->t || !b->t2 || !b->obs || !b->next || !b->act || !b->x || !b->x2 || !b->xa || !b->reward || !b->y ||
        !b->term)
        return rl_error(RL_ENOMEM, "out of memory for a batch of %d", cap);
    return RL_OK;
}

int rl_offp_batch_split(rl_offp_batch *b, int pol_dim)
{
    if (pol_dim >= b->obs_dim) return RL_OK;
    b->pol_dim = pol_dim;
    b->pobs = malloc(sizeof(float) * (size_t)b->cap * pol_dim * 2);
    b->pnext = b->pobs ? b->pobs + (size_t)b->cap * pol_dim : NULL;
    if (!b->pobs) return rl_error(RL_ENOMEM, "out of memory for a batch of %d", b->cap);
    return RL_OK;
}

void rl_offp_batch_free(rl_offp_batch *b)
{
    if (b->pobs != b->obs) free(b->pobs);
    free(b->obs);
    free(b->act);
    free(b->x);
    free(b->x2);
    free(b->xa);
    free(b->reward);
    free(b->y);
    free(b->term);
    free(b->t);
    free(b->t2);
    memset(b, 0, sizeof *b);
}

/* Rows here are a few floats (an observation, an action): a loop beats a
 * memcpy call per row (which cost 2 % of a pendulum SAC update). GCC turns
 * such loops back into memcpy calls at -O2 unless told not to, in the
 * functions they are inlined into (ROWS_BY_LOOP). */
static inline void row_copy(float *restrict dst, const float *restrict src, size_t n)
{
    for (size_t k = 0; k < n; k++) dst[k] = src[k];
}
#if defined(__GNUC__) && !defined(__clang__)
#define ROWS_BY_LOOP __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define ROWS_BY_LOOP
#endif

int rl_offp_sample(const rl_replay *rb, rl_rng *rng, int B, const rl_normalizer *nz,
                   rl_offp_batch *b)
{
    return rl_offp_sample_idx(rb, rng, B, nz, b, NULL);
}

ROWS_BY_LOOP int rl_offp_sample_idx(const rl_replay *rb, rl_rng *rng, int B, const rl_normalizer *nz,
                       rl_offp_batch *b, int *idx)
{
    if (rb->size == 0) return rl_error(RL_ESTATE, "replay: cannot sample an empty buffer");
    size_t od = (size_t)b->obs_dim, ad = (size_t)b->act_dim;
    for (int k = 0; k < B; k++) {
        size_t i = rl_rng_below(rng, (uint32_t)rb->size);
        if (idx) idx[k] = (int)i;
        row_copy(b->obs + k * od, rb->obs + i * od, od);
        row_copy(b->next + k * od, rb->next_obs + i * od, od);
        row_copy(b->act + k * ad, rb->act + i * ad, ad);
        b->reward[k] = rb->reward[i];
        b->term[k] = rb->terminated[i];
    }
    rl_offp_batch_refresh(b, B, nz);
    return RL_OK;
}

ROWS_BY_LOOP void rl_offp_batch_refresh(rl_offp_batch *b, int B, const rl_normalizer *nz)
{
    size_t od = (size_t)b->obs_dim, ad = (size_t)b->act_dim, in = od + ad;
    if (nz) {
        rl_normalizer_apply(nz, b->obs, b->obs, B);
        rl_normalizer_apply(nz, b->next, b->next, B);
    }
    for (int k = 0; k < B; k++) {
        row_copy(b->x + k * in, b->obs + k * od, od);
        row_copy(b->x + k * in + od, b->act + k * ad, ad);
        row_copy(b->xa + k * in, b->obs + k * od, od);
        row_copy(b->x2 + k * in, b->next + k * od, od);
    }
    size_t pd = (size_t)b->pol_dim;
    if (b->pobs != b->obs)
        for (int k = 0; k < B; k++) {
            row_copy(b->pobs + k * pd, b->obs + k * od, pd);
            row_copy(b->pnext + k * pd, b->next + k * od, pd);
        }
}

int rl_offp_batch_stacked(const rl_offp_batch *b, int B)
{
    return B == b->cap && b->pnext == b->pobs + (size_t)B * b->pol_dim;
}

ROWS_BY_LOOP void rl_offp_put_act(float *x, const float *act, int B, int obs_dim, int act_dim)
{
    size_t in = (size_t)(obs_dim + act_dim);
    for (int k = 0; k < B; k++)
        row_copy(x + k * in + obs_dim, act + (size_t)k * act_dim, (size_t)act_dim);
}

int rl_offp_replay_load(rl_replay **rb, const rl_ckpt *ck, int capacity, int obs_dim,
                        int act_dim)
{
    if (!rl_ckpt_get(ck, "replay.state", RL_I64, 6, NULL)) return RL_OK;
    if (!*rb && !(*rb = rl_replay_make(capacity, obs_dim, act_dim))) return rl_last_code();
    return rl_replay_load(*rb, ck, "replay");
}

/* ---------------------------------------------------------------- stores */

void rl_offp_store(rl_replay *rb, rl_vec *vec, rl_trainer *tr, const float *prev,
                   const float *act, float *next_ws, unsigned char *term_ws)
{
    int N = rl_vec_num_envs(vec), od = rb->obs_dim;
    const float *obs = rl_vec_obs(vec), *fin = rl_vec_final_obs(vec);
    const unsigned char *term = rl_vec_terminated(vec);
    const rl_info *info = rl_vec_infos(vec);
    for (int i = 0; i < N; i++) {
        const float *src = info[i].done ? fin + (size_t)i * od : obs + (size_t)i * od;
        memcpy(next_ws + (size_t)i * od, src, sizeof(float) * (size_t)od);
        term_ws[i] = term[i] != 0;
    }
    rl_replay_add_batch(rb, N, prev, act, rl_vec_rewards(vec), next_ws, term_ws);
    rl_trainer_episodes(tr, info, N);
}

void rl_offp_uniform_actions(rl_rng *rng, float *a, int n)
{
    for (int i = 0; i < n; i++) a[i] = (float)rl_rng_range(rng, -1.0, 1.0);
}

int rl_offp_check(const char *agent, int batch, int buffer)
{
    if (batch > buffer)
        return rl_error(RL_EINVAL, "%s: batch=%d is larger than buffer=%d; use a batch no larger "
                        "than the replay buffer", agent, batch, buffer);
    return RL_OK;
}

int rl_offp_ws_reserve(rl_offp_ws *w, int n, int obs_dim)
{
    if (n <= w->n) return RL_OK;
    rl_offp_ws_free(w);
    size_t sz = sizeof(float) * (size_t)n * obs_dim;
    w->prev = malloc(sz);
    w->in = malloc(sz);
    w->next = malloc(sz);
    w->term = malloc((size_t)n);
    if (!w->prev || !w->in || !w->next || !w->term) {
        rl_offp_ws_free(w);
        return rl_error(RL_ENOMEM, "out of memory");
    }
    w->n = n;
    return RL_OK;
}

void rl_offp_ws_free(rl_offp_ws *w)
{
    free(w->prev);
    free(w->in);
    free(w->next);
    free(w->term);
    memset(w, 0, sizeof *w);
}

