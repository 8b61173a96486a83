/* bench_nn: how close the learning core gets to raw OpenBLAS sgemm.
 *
 * Times (1) one MLP step: forward, backward, Adam, and (2) one SAC-shaped
 * update structured as agents/sac.c's: the actor on obs and next as one
 * pass, target values from the target critics, critic regression with Adam
 * and the targets' Polyak in one pass, actor update through the critics
 * with input-only gradients, Adam on the actor and alpha.
 * Sizes: pendulum (obs 3, act 1, 64-64, batch 100) and HalfCheetah-like
 * (obs 17, act 6, 256-256, batch 256).
 *
 * FLOPs counted are the matrix products the update really performs (2 M N K
 * per sgemm, listed by mirroring what nn.c issues). The reference replays
 * exactly that list of sgemm shapes with nothing else, in the same run, so
 * the fraction is "share of the BLAS ceiling for this work" and machine noise
 * mostly cancels. Medians over repetitions.
 *
 * Usage: bench_nn [--threads N]   (OpenBLAS threads, default 1 to match the
 * single-threaded PyTorch comparison in bench/torch_sac_update.py)
 */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dist.h"
#include "core/kernels.h"
#include "core/nn.h"
#include "core/optim.h"
#include "bench/bench_util.h"

/* ---------------------------------------------------------------- timing */

/* Thread CPU time, not wall time: on a shared machine the wall clock counts
 * the time slices other processes took; every timed loop here runs on one
 * thread (OpenBLAS threads 1 unless --threads says otherwise). */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

#define REPS 7

/* Median seconds per call of fn(ctx) over REPS repetitions of `iters` calls. */
static double time_median(void (*fn)(void *), void *ctx, int iters)
{
    double t[REPS];
    for (int i = 0; i < iters; i++) fn(ctx); /* warm caches and workspaces */
    for (int r = 0; r < REPS; r++) {
        double t0 = now();
        for (int i = 0; i < iters; i++) fn(ctx);
        t[r] = (now() - t0) / iters;
    }
    qsort(t, REPS, sizeof t[0], bench_cmp_double);
    return t[REPS / 2];
}

/* Enough iterations for ~0.15 s per repetition. */
static int calibrate(void (*fn)(void *), void *ctx)
{
    int iters = 1;
    for (;;) {
        double t0 = now();
        for (int i = 0; i < iters; i++) fn(ctx);
        double dt = now() - t0;
        if (dt > 0.05 || iters > (1 << 20)) return (int)(iters * 0.15 / (dt > 1e-9 ? dt : 1e-9)) + 1;
        iters *= 2;
    }
}

/* ---------------------------------------------------------------- sgemm shapes */

typedef struct {
    int ta, tb, M, N, K;
} gemm;

typedef struct {
    gemm g[64];
    int n;
} gemm_list;

static void push(gemm_list *L, int ta, int tb, int M, int N, int K)
{
    L->g[L->n++] = (gemm){ta, tb, M, N, K};
}

/* What rl_mlp_forward issues: Y (B, out) += X (B, in) W^T. */
static void shapes_forward(gemm_list *L, const rl_mlp *m, int B)
{
    for (int l = 0; l < m->n_layers; l++) push(L, 0, 1, B, m->sizes[l + 1], m->sizes[l]);
}

/* What rl_mlp_backward issues: dW = dZ^T X (param_grads), dX = dZ W (every
 * layer but the first unless dx is wanted). */
static void shapes_backward(gemm_list *L, const rl_mlp *m, int B, int want_dx, int param_grads)
{
    for (int l = m->n_layers - 1; l >= 0; l--) {
        int in = m->sizes[l], out = m->sizes[l + 1];
        if (param_grads) push(L, 1, 0, out, in, B);
        if (l > 0 || want_dx) push(L, 0, 0, B, in, out);
    }
}

static double list_flops(const gemm_list *L)
{
    double f = 0;
    for (int i = 0; i < L->n; i++) f += 2.0 * L->g[i].M * L->g[i].N * L->g[i].K;
    return f;
}

typedef struct {
    const gemm_list *L;
    float *a, *b, *c;
} gemm_ctx;

static void run_gemms(void *p)
{
    gemm_ctx *x = p;
    for (int i = 0; i < x->L->n; i++) {
        gemm g = x->L->g[i];
        int lda = g.ta ? g.M : g.K, ldb = g.tb ? g.K : g.N;
        cblas_sgemm(CblasRowMajor, g.ta ? CblasTrans : CblasNoTrans,
                    g.tb ? CblasTrans : CblasNoTrans, g.M, g.N, g.K, 1.0f, x->a, lda, x->b,
                    ldb, 0.0f, x->c, g.N);
    }
}

/* Seconds per replay of the whole list of shapes. */
static double time_gemms(const gemm_list *L)
{
    size_t need = 1;
    for (int i = 0; i < L->n; i++) {
        size_t mk = (size_t)L->g[i].M * L->g[i].K, kn = (size_t)L->g[i].K * L->g[i].N,
               mn = (size_t)L->g[i].M * L->g[i].N;
        if (mk > need) need = mk;
        if (kn > need) need = kn;
        if (mn > need) need = mn;
    }
    gemm_ctx x = {L, malloc(4 * need), malloc(4 * need), malloc(4 * need)};
    for (size_t i = 0; i < need; i++) x.a[i] = x.b[i] = x.c[i] = 0.01f * (float)(i % 7);
    double t = time_median(run_gemms, &x, calibrate(run_gemms, &x));
    free(x.a);
    free(x.b);
    free(x.c);
    return t;
}

/* ---------------------------------------------------------------- data */

static void fill_normal(rl_rng *rng, float *x, size_t n, double s)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)(s * rl_rng_normal(rng));
}

static int hidden2[2];

/* ---------------------------------------------------------------- MLP step */

typedef struct {
    rl_mlp *m;
    rl_adam *opt;
    int B;
    float *x, *target, *dy;
} mlp_ctx;

static void mlp_step(void *p)
{
    mlp_ctx *c = p;
    rl_mlp_zero_grad(c->m);
    const float *y = rl_mlp_forward(c->m, c->x, c->B);
    rl_loss_mse(y, c->target, c->B * c->m->out, c->dy);
    rl_mlp_backward(c->m, c->dy, NULL, 1);
    rl_adam_step(c->opt, c->m->params, c->m->grads);
}

/* ---------------------------------------------------------------- SAC update */

typedef struct {
    int B, obs, act;
    rl_mlp *actor, *q1, *q2, *q1t, *q2t;
    rl_adam *opt_actor, *opt_q1, *opt_q2, *opt_alpha;
    float log_alpha, gamma, tau, target_entropy;
    rl_rng rng;
    /* batch (fixed: the benchmark measures the update, not sampling) */
    float *o, *a, *r, *o2, *d;
    /* scratch */
    float *xin;      /* (B, obs + act) critic input */
    float *eps;      /* (B, act) */
    float *pi_a;     /* (B, act) */
    float *logp;     /* (B) */
    float *y;        /* (B) critic target */
    float *qa, *qb;  /* (B) */
    float *dq1, *dq2;/* (B) */
    float *dx1, *dx2;/* (B, obs + act) */
    float *dout;     /* (B, 2 act) */
} sac_ctx;

/* mean = out[:, :act], logstd = clamp(out[:, act:], -5, 2). */
static void actor_sample(sac_ctx *c, const float *out)
{
    int A = c->act;
    float ls[64];
    fill_normal(&c->rng, c->eps, (size_t)c->B * A, 1.0);
    for (int b = 0; b < c->B; b++) {
        const float *row = out + (size_t)b * 2 * A;
        for (int j = 0; j < A; j++) ls[j] = fminf(fmaxf(row[A + j], -5.0f), 2.0f);
        c->logp[b] = rl_squashed_sample(row, ls, c->eps + (size_t)b * A, A,
                                        c->pi_a + (size_t)b * A, NULL);
    }
}

static void concat(sac_ctx *c, const float *o, const float *a)
{
    int W = c->obs + c->act;
    for (int b = 0; b < c->B; b++) {
        memcpy(c->xin + (size_t)b * W, o + (size_t)b * c->obs, sizeof(float) * c->obs);
        memcpy(c->xin + (size_t)b * W + c->obs, a + (size_t)b * c->act, sizeof(float) * c->act);
    }
}

/* Adam on the critic and Polyak on its target in one pass, as the agent. */
static void critic_step(sac_ctx *c, rl_mlp *q, rl_adam *opt, rl_mlp *qt)
{
    rl_mlp_zero_grad(q);
    const float *v = rl_mlp_forward(q, c->xin, c->B);
    rl_loss_mse(v, c->y, c->B, c->dq1);
    rl_mlp_backward(q, c->dq1, NULL, 1);
    rl_adam_step_polyak(opt, q->params, q->grads, qt->params, c->tau);
}

static void sac_update(void *p)
{
    sac_ctx *c = p;
    int B = c->B, A = c->act, W = c->obs + c->act;
    float alpha = expf(c->log_alpha);

    /* 0. the actor on obs and next at once (o2 follows o in memory), as the agent */
    const float *both = rl_mlp_forward(c->actor, c->o, 2 * B);

    /* 1. targets: y = r + gamma (1 - d) (min Q'(s', a') - alpha log pi(a'|s')) */
    actor_sample(c, both + (size_t)B * 2 * A);
    concat(c, c->o2, c->pi_a);
    memcpy(c->qa, rl_mlp_forward(c->q1t, c->xin, B), sizeof(float) * B);
    const float *qb = rl_mlp_forward(c->q2t, c->xin, B);
    for (int b = 0; b < B; b++)
        c->y[b] = c->r[b] + c->gamma * (1 - c->d[b]) * (fminf(c->qa[b], qb[b]) - alpha * c->logp[b]);

    /* 2. critics regress to y */
    concat(c, c->o, c->a);
    critic_step(c, c->q1, c->opt_q1, c->q1t);
    critic_step(c, c->q2, c->opt_q2, c->q2t);

    /* 3. actor: minimise mean(alpha log pi - min(Q1, Q2)) through the critics */
    const float *out = both;
    rl_mlp_keep_rows(c->actor, B);
    actor_sample(c, out);
    concat(c, c->o, c->pi_a);
    memcpy(c->qa, rl_mlp_forward(c->q1, c->xin, B), sizeof(float) * B);
    memcpy(c->qb, rl_mlp_forward(c->q2, c->xin, B), sizeof(float) * B);
    for (int b = 0; b < B; b++) {
        int first = c->qa[b] <= c->qb[b];
        c->dq1[b] = first ? -1.0f / B : 0.0f;
        c->dq2[b] = first ? 0.0f : -1.0f / B;
    }
    rl_mlp_backward(c->q1, c->dq1, c->dx1, 0); /* dQ/da only */
    rl_mlp_backward(c->q2, c->dq2, c->dx2, 0);
    memset(c->dout, 0, sizeof(float) * (size_t)B * 2 * A);
    float ls[64], da[64];
    double mean_logp = 0;
    for (int b = 0; b < B; b++) {
        const float *row = out + (size_t)b * 2 * A;
        for (int j = 0; j < A; j++) {
            ls[j] = fminf(fmaxf(row[A + j], -5.0f), 2.0f);
            da[j] = c->dx1[(size_t)b * W + c->obs + j] + c->dx2[(size_t)b * W + c->obs + j];
        }
        float *drow = c->dout + (size_t)b * 2 * A;
        rl_squashed_backward(row, ls, c->eps + (size_t)b * A, A, da, alpha / B, drow, drow + A);
        for (int j = 0; j < A; j++) /* the clamp passes no gradient outside its range */
            if (row[A + j] < -5.0f || row[A + j] > 2.0f) drow[A + j] = 0;
        mean_logp += c->logp[b];
    }
    rl_mlp_zero_grad(c->actor);
    rl_mlp_backward(c->actor, c->dout, NULL, 1);
    rl_adam_step(c->opt_actor, c->actor->params, c->actor->grads);

    /* 4. temperature: d/dlog_alpha of -log_alpha (logp + target_entropy) */
    float g_alpha = (float)(-(mean_logp / B + c->target_entropy));
    rl_adam_step(c->opt_alpha, &c->log_alpha, &g_alpha);
    /* (the targets followed in step 2) */
}

static void sac_shapes(gemm_list *L, const sac_ctx *c)
{
    int B = c->B;
    shapes_forward(L, c->actor, 2 * B);
    shapes_forward(L, c->q1t, B);
    shapes_forward(L, c->q2t, B);
    shapes_forward(L, c->q1, B);
    shapes_backward(L, c->q1, B, 0, 1);
    shapes_forward(L, c->q2, B);
    shapes_backward(L, c->q2, B, 0, 1);
    shapes_forward(L, c->q1, B);
    shapes_forward(L, c->q2, B);
    shapes_backward(L, c->q1, B, 1, 0);
    shapes_backward(L, c->q2, B, 1, 0);
    shapes_backward(L, c->actor, B, 0, 1);
}

static float *fmake(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static void sac_make(sac_ctx *c, int B, int obs, int act, int h)
{
    memset(c, 0, sizeof *c);
    c->B = B;
    c->obs = obs;
    c->act = act;
    hidden2[0] = hidden2[1] = h;
    rl_rng_seed(&c->rng, 1, 0);
    c->actor = rl_mlp_make(obs, 2, hidden2, 2 * act, RL_ACT_RELU, RL_ACT_NONE);
    c->q1 = rl_mlp_make(obs + act, 2, hidden2, 1, RL_ACT_RELU, RL_ACT_NONE);
    c->q2 = rl_mlp_make(obs + act, 2, hidden2, 1, RL_ACT_RELU, RL_ACT_NONE);
    rl_mlp_init_uniform(c->actor, &c->rng);
    rl_mlp_init_uniform(c->q1, &c->rng);
    rl_mlp_init_uniform(c->q2, &c->rng);
    c->q1t = rl_mlp_clone(c->q1);
    c->q2t = rl_mlp_clone(c->q2);
    c->opt_actor = rl_adam_make(c->actor->n_params, 3e-4f, 0.9f, 0.999f, 1e-8f, 0);
    c->opt_q1 = rl_adam_make(c->q1->n_params, 3e-4f, 0.9f, 0.999f, 1e-8f, 0);
    c->opt_q2 = rl_adam_make(c->q2->n_params, 3e-4f, 0.9f, 0.999f, 1e-8f, 0);
    c->opt_alpha = rl_adam_make(1, 3e-4f, 0.9f, 0.999f, 1e-8f, 0);
    c->gamma = 0.99f;
    c->tau = 0.995f;
    c->target_entropy = (float)-act;
    size_t BO = (size_t)B * obs, BA = (size_t)B * act, BW = (size_t)B * (obs + act);
    c->o = fmake(2 * BO);
    c->o2 = c->o + BO;
    c->a = fmake(BA);
    c->r = fmake(B);
    c->d = fmake(B);
    fill_normal(&c->rng, c->o, BO, 1.0);
    fill_normal(&c->rng, c->o2, BO, 1.0);
    for (size_t i = 0; i < BA; i++) c->a[i] = (float)tanh(rl_rng_normal(&c->rng));
    fill_normal(&c->rng, c->r, B, 1.0);
    for (int b = 0; b < B; b++) c->d[b] = rl_rng_uniform(&c->rng) < 0.05;
    c->xin = fmake(BW);
    c->eps = fmake(BA);
    c->pi_a = fmake(BA);
    c->logp = fmake(B);
    c->y = fmake(B);
    c->qa = fmake(B);
    c->qb = fmake(B);
    c->dq1 = fmake(B);
    c->dq2 = fmake(B);
    c->dx1 = fmake(BW);
    c->dx2 = fmake(BW);
    c->dout = fmake(2 * BA);
}

static void sac_free(sac_ctx *c)
{
    rl_mlp_free(c->actor);
    rl_mlp_free(c->q1);
    rl_mlp_free(c->q2);
    rl_mlp_free(c->q1t);
    rl_mlp_free(c->q2t);
    rl_adam_free(c->opt_actor);
    rl_adam_free(c->opt_q1);
    rl_adam_free(c->opt_q2);
    rl_adam_free(c->opt_alpha);
    float *bufs[] = {c->o, c->a, c->r, c->d, c->xin, c->eps, c->pi_a, c->logp,
                     c->y, c->qa, c->qb, c->dq1, c->dq2, c->dx1, c->dx2, c->dout};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
}

/* ---------------------------------------------------------------- FMA peak */

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
/* 12 independent FMA chains (named, so they stay in registers), enough
 * to cover latency x ports on current cores; returns single-precision
 * FLOP/s of one core. */
#define FMA12(F)                                                                               \
    a0 = F(a0, m, c), a1 = F(a1, m, c), a2 = F(a2, m, c), a3 = F(a3, m, c), a4 = F(a4, m, c), \
    a5 = F(a5, m, c), a6 = F(a6, m, c), a7 = F(a7, m, c), a8 = F(a8, m, c), a9 = F(a9, m, c), \
    a10 = F(a10, m, c), a11 = F(a11, m, c)
__attribute__((target("avx512f"))) static double peak_avx512(long iters)
{
    __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    /* Distinct starting values, or the compiler merges equal chains. */
    __m512 a0 = _mm512_set1_ps(0.f), a1 = _mm512_set1_ps(1.f), a2 = _mm512_set1_ps(2.f),
           a3 = _mm512_set1_ps(3.f), a4 = _mm512_set1_ps(4.f), a5 = _mm512_set1_ps(5.f),
           a6 = _mm512_set1_ps(6.f), a7 = _mm512_set1_ps(7.f), a8 = _mm512_set1_ps(8.f),
           a9 = _mm512_set1_ps(9.f), a10 = _mm512_set1_ps(10.f), a11 = _mm512_set1_ps(11.f);
    double t0 = now();
    for (long i = 0; i < iters; i++) FMA12(_mm512_fmadd_ps);
    double dt = now() - t0;
    __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
    s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
    volatile float sink = _mm512_reduce_add_ps(s);
    (void)sink;
    return 2.0 * 16 * 12 * (double)iters / dt;
}
__attribute__((target("avx2,fma"))) static double peak_avx2(long iters)
{
    __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
    /* Distinct starting values, or the compiler merges equal chains. */
    __m256 a0 = _mm256_set1_ps(0.f), a1 = _mm256_set1_ps(1.f), a2 = _mm256_set1_ps(2.f),
           a3 = _mm256_set1_ps(3.f), a4 = _mm256_set1_ps(4.f), a5 = _mm256_set1_ps(5.f),
           a6 = _mm256_set1_ps(6.f), a7 = _mm256_set1_ps(7.f), a8 = _mm256_set1_ps(8.f),
           a9 = _mm256_set1_ps(9.f), a10 = _mm256_set1_ps(10.f), a11 = _mm256_set1_ps(11.f);
    double t0 = now();
    for (long i = 0; i < iters; i++) FMA12(_mm256_fmadd_ps);
    double dt = now() - t0;
    __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
    s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
    float out[8];
    _mm256_storeu_ps(out, s);
    volatile float sink = out[0];
    (void)sink;
    return 2.0 * 8 * 12 * (double)iters / dt;
}
#endif

/* Best of 5 runs of ~20 ms (the best, not the median: the question is what
 * the core can do when it gets the time slice). 0 when unknown. */
static double fma_peak(void)
{
    double best = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    for (int r = 0; r < 5; r++) {
        double p = rl_kern_available(RL_KERN_AVX512) ? peak_avx512(400000)
                   : rl_kern_available(RL_KERN_AVX2) ? peak_avx2(800000)
                                                     : 0;
        if (p > best) best = p;
    }
#endif
    return best;
}

/* ---------------------------------------------------------------- layers
 * One dense layer's three products, own kernel (with its fused elementwise
 * work) against the bare sgemm of the same shape: the numbers rl_kern_pick's
 * threshold comes from. */

typedef struct {
    int B, in, out, which; /* which: 0 forward, 1 dX, 2 dW */
    rl_kern_path path;
    float *x, *w, *wt, *b, *y, *dz, *dw, *db;
} layer_ctx;

static void layer_run(void *p)
{
    layer_ctx *c = p;
    int ldw = rl_kern_pad(c->out);
    if (c->path == RL_KERN_BLAS) {
        if (c->which == 0)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c->B, c->out, c->in, 1.0f, c->x,
                        c->in, c->w, c->in, 0.0f, c->y, c->out);
        else if (c->which == 1)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c->B, c->in, c->out, 1.0f,
                        c->dz, c->out, c->w, c->in, 0.0f, c->x, c->in);
        else
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c->out, c->in, c->B, 1.0f, c->dz,
                        c->out, c->x, c->in, 1.0f, c->dw, c->in);
        return;
    }
    if (c->which == 0) {
        /* The form nn.c takes for this shape: packed W^T, or dot products. */
        int packed = rl_kern_wants_wt(c->path, c->B, c->out);
        if (packed) rl_kern_pack_wt(c->w, c->out, c->in, c->wt, ldw);
        rl_kern_forward(c->path, c->x, c->B, c->in, packed ? c->wt : NULL, ldw, c->w, c->b, c->out,
                        RL_ACT_RELU, c->y);
    } else if (c->which == 1) {
        rl_kern_backward_dx(c->path, c->dz, c->B, c->out, c->w, c->in, RL_ACT_RELU, c->y, c->x);
    } else {
        rl_kern_backward_dw(c->path, c->dz, c->B, c->out, c->x, c->in, c->dw, c->db, 0, c->out);
    }
}

static void layer_table(double peak)
{
    const int shapes[][3] = {{100, 4, 64},   {100, 64, 64},   {100, 64, 1},   {256, 23, 256},
                             {256, 256, 256}, {1024, 256, 256}, {4096, 64, 64}, {512, 512, 512}};
    const char *what[3] = {"forward", "dX", "dW"};
    rl_kern_path own = rl_kern_best_isa();
    printf("Per layer: own %s kernel (bias+relu fused; dX with relu' fused) vs bare sgemm\n\n",
           rl_kern_name(own));
    printf("| B x in x out     | product | own GFLOP/s | sgemm GFLOP/s | own/sgemm | own/peak |\n");
    printf("|------------------|---------|-------------|---------------|-----------|----------|\n");
    rl_rng rng;
    rl_rng_seed(&rng, 3, 0);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int B = shapes[s][0], in = shapes[s][1], out = shapes[s][2];
        size_t big = (size_t)B * (in > out ? in : out);
        layer_ctx c = {B, in, out, 0, own, fmake(big), fmake((size_t)in * out),
                       fmake((size_t)in * rl_kern_pad(out)), fmake(out), fmake(big), fmake(big),
                       fmake((size_t)in * out), fmake(out)};
        fill_normal(&rng, c.x, big, 1.0);
        fill_normal(&rng, c.w, (size_t)in * out, 0.1);
        fill_normal(&rng, c.y, big, 1.0);
        fill_normal(&rng, c.dz, big, 1.0);
        double flops = 2.0 * B * in * out;
        for (int w = 0; w < 3; w++) {
            c.which = w;
            c.path = own;
            double t_own = time_median(layer_run, &c, calibrate(layer_run, &c));
            c.path = RL_KERN_BLAS;
            double t_blas = time_median(layer_run, &c, calibrate(layer_run, &c));
            char label[32];
            snprintf(label, sizeof label, "%d x %d x %d", B, in, out);
            printf("| %-16s | %-7s | %11.1f | %13.1f | %9.2f | %8.2f |\n", label, what[w],
                   flops / t_own * 1e-9, flops / t_blas * 1e-9, t_blas / t_own,
                   peak > 0 ? flops / t_own / peak : 0);
        }
        float *bufs[] = {c.x, c.w, c.wt, c.b, c.y, c.dz, c.dw, c.db};
        for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    }
    printf("\n");
}

/* ---------------------------------------------------------------- main */

typedef struct {
    const char *name;
    int B, obs, act, h;
} size_cfg;

static double g_peak; /* measured FMA peak, FLOP/s (0: unknown) */

static void row(const char *what, const char *size, double t, double flops, double t_ref)
{
    double g = flops / t * 1e-9, gref = flops / t_ref * 1e-9;
    printf("| %-18s | %-24s | %9.1f | %7.2f | %7.2f | %13.2f | %8.2f | %8.2f |\n", what, size,
           t * 1e6, flops * 1e-6, g, gref, g / gref, g_peak > 0 ? g * 1e9 / g_peak : 0);
}

int main(int argc, char **argv)
{
    int threads = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [--threads N]\n", argv[0]);
            return 2;
        }
    }
    if (threads > 0) openblas_set_num_threads(threads);
    printf("OpenBLAS core: %s\n", openblas_get_corename());
    printf("OpenBLAS config: %s\n", openblas_get_config());
    printf("OpenBLAS threads: %d\n", openblas_get_num_threads());
    printf("rltool kernels: %s (RLTOOL_KERNEL=%s; best ISA here %s)\n",
           rl_kern_name(rl_kern_default()), getenv("RLTOOL_KERNEL") ? getenv("RLTOOL_KERNEL") : "",
           rl_kern_name(rl_kern_best_isa()));
    g_peak = fma_peak();
    printf("measured FMA peak, one core: %.1f GFLOP/s\n\n", g_peak * 1e-9);
    if (!getenv("BENCH_NN_NO_LAYERS")) layer_table(g_peak);

    size_cfg sizes[2] = {{"small", 100, 3, 1, 64}, {"large", 256, 17, 6, 256}};
    printf("| benchmark          | size                     | us/update | MFLOP   | GFLOP/s "
           "| sgemm GFLOP/s | of sgemm | of peak  |\n");
    printf("|--------------------|--------------------------|-----------|---------|---------"
           "|---------------|----------|----------|\n");
    for (int s = 0; s < 2; s++) {
        size_cfg z = sizes[s];
        char label[64];
        snprintf(label, sizeof label, "B%d obs%d act%d %dx%d", z.B, z.obs, z.act, z.h, z.h);

        /* MLP step: obs -> h -> h -> act, MSE to a fixed target. */
        mlp_ctx m = {0};
        rl_rng rng;
        rl_rng_seed(&rng, 2, 0);
        hidden2[0] = hidden2[1] = z.h;
        m.m = rl_mlp_make(z.obs, 2, hidden2, z.act, RL_ACT_RELU, RL_ACT_NONE);
        rl_mlp_init_uniform(m.m, &rng);
        m.opt = rl_adam_make(m.m->n_params, 1e-3f, 0.9f, 0.999f, 1e-8f, 0);
        m.B = z.B;
        m.x = fmake((size_t)z.B * z.obs);
        m.target = fmake((size_t)z.B * z.act);
        m.dy = fmake((size_t)z.B * z.act);
        fill_normal(&rng, m.x, (size_t)z.B * z.obs, 1.0);
        fill_normal(&rng, m.target, (size_t)z.B * z.act, 1.0);
        gemm_list Lm = {0};
        shapes_forward(&Lm, m.m, z.B);
        shapes_backward(&Lm, m.m, z.B, 0, 1);
        double tm = time_median(mlp_step, &m, calibrate(mlp_step, &m));
        row("MLP fwd+bwd+Adam", label, tm, list_flops(&Lm), time_gemms(&Lm));
        rl_mlp_free(m.m);
        rl_adam_free(m.opt);
        free(m.x);
        free(m.target);
        free(m.dy);

        sac_ctx c;
        sac_make(&c, z.B, z.obs, z.act, z.h);
        gemm_list Ls = {0};
        sac_shapes(&Ls, &c);
        double ts = time_median(sac_update, &c, calibrate(sac_update, &c));
        row("SAC update", label, ts, list_flops(&Ls), time_gemms(&Ls));
        if (!isfinite(c.log_alpha)) printf("warning: SAC update diverged\n");
        sac_free(&c);
    }
    printf("\nFLOPs: 2*M*N*K of every product the update issues; the sgemm column replays "
           "exactly those shapes as bare sgemm calls; peak is the FMA loop above.\n");
    return 0;
}
