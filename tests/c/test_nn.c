/* MLP: forward against a naive loop, every layer/activation gradient
 * against central finite differences, input-only backward, init, losses. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/kernels.h"
#include "core/nn.h"
#include "core/mlp_pair.h"

/* Relative error of two vectors, ||a - b|| / max(||a||, ||b||, floor). */
static double rel_err(const double *a, const double *b, int n)
{
    double d = 0, na = 0, nb = 0;
    for (int i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    double s = sqrt(na > nb ? na : nb);
    return sqrt(d) / (s > 1e-6 ? s : 1e-6);
}

static void fill(rl_rng *rng, float *x, int n, double scale)
{
    for (int i = 0; i < n; i++) x[i] = (float)(scale * rl_rng_normal(rng));
}

/* Loss L = sum c .* mlp(x), evaluated in double from the float outputs. */
static double loss(rl_mlp *m, const float *x, int batch, const float *c)
{
    const float *y = rl_mlp_forward(m, x, batch);
    double s = 0;
    for (int i = 0; i < batch * m->out; i++) s += (double)c[i] * y[i];
    return s;
}

/* Relative error between the analytic gradient g (n) and central differences
 * of the loss over the n floats at p (weights, biases or the input x). */
static double fd_rel_err(rl_mlp *m, float *x, int batch, const float *c, float *p,
                         const float *g, int n, double eps)
{
    double *num = malloc(sizeof(double) * (size_t)n), *ana = malloc(sizeof(double) * (size_t)n);
    for (int i = 0; i < n; i++) {
        float keep = p[i];
        p[i] = keep + (float)eps;
        double lp = loss(m, x, batch, c);
        p[i] = keep - (float)eps;
        double lm = loss(m, x, batch, c);
        p[i] = keep;
        num[i] = (lp - lm) / (2 * eps);
        ana[i] = g[i];
    }
    double e = rel_err(ana, num, n);
    free(num);
    free(ana);
    return e;
}

/* Checks dL/dparams and dL/dx of one network against central differences.
 * eps 1e-2 keeps float rounding of the loss far below the tolerance; with
 * relu a step that large can cross a kink (where the derivative jumps), so
 * relu nets use a smaller step. */
static void check_grads_path(rl_act hid, rl_act out_act, uint64_t seed, rl_kern_path path)
{
    const int in = 4, out = 3, batch = 5, hidden[2] = {6, 5};
    rl_rng rng;
    rl_rng_seed(&rng, seed, 1);
    rl_mlp *m = rl_mlp_make(in, 2, hidden, out, hid, out_act);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(rl_mlp_set_kernel(m, path), RL_OK);
    rl_mlp_init_uniform(m, &rng);
    /* Non-zero biases so every bias gradient path is exercised. */
    for (int l = 0; l < m->n_layers; l++) {
        rl_mlp_layer v;
        rl_mlp_layer_view(m, l, &v);
        fill(&rng, v.b, v.out, 0.3);
    }
    float x[5 * 4], c[5 * 3], dx[5 * 4];
    fill(&rng, x, batch * in, 1.0);
    fill(&rng, c, batch * out, 1.0);

    rl_mlp_zero_grad(m);
    loss(m, x, batch, c);
    ck_assert_int_eq(rl_mlp_backward(m, c, dx, 1), RL_OK);

    const double eps = (hid == RL_ACT_RELU || out_act == RL_ACT_RELU) ? 1e-3 : 1e-2;
    for (int l = 0; l < m->n_layers; l++) {
        rl_mlp_layer v;
        rl_mlp_layer_view(m, l, &v);
        double e = fd_rel_err(m, x, batch, c, v.W, v.dW, v.out * v.in, eps);
        ck_assert_msg(e < 1e-3, "layer %d W gradient rel err %g (act %d/%d)", l, e, hid, out_act);
        e = fd_rel_err(m, x, batch, c, v.b, v.db, v.out, eps);
        ck_assert_msg(e < 1e-3, "layer %d b gradient rel err %g (act %d/%d)", l, e, hid, out_act);
    }
    double e = fd_rel_err(m, x, batch, c, x, dx, batch * in, eps);
    ck_assert_msg(e < 1e-3, "dx rel err %g (act %d/%d)", e, hid, out_act);
    rl_mlp_free(m);
}

/* Every kernel path this CPU can run, forced, and BLAS. */
static void check_grads(rl_act hid, rl_act out_act, uint64_t seed)
{
    for (int p = RL_KERN_PORTABLE; p <= RL_KERN_BLAS; p++)
        if (rl_kern_available((rl_kern_path)p)) check_grads_path(hid, out_act, seed, (rl_kern_path)p);
}

START_TEST(grad_tanh_none) { check_grads(RL_ACT_TANH, RL_ACT_NONE, 1); }
END_TEST
START_TEST(grad_relu_tanh) { check_grads(RL_ACT_RELU, RL_ACT_TANH, 2); }
END_TEST
START_TEST(grad_none_relu) { check_grads(RL_ACT_NONE, RL_ACT_RELU, 3); }
END_TEST
START_TEST(grad_relu_none) { check_grads(RL_ACT_RELU, RL_ACT_NONE, 4); }
END_TEST

/* Forward equals a plain loop over rows; a single-layer net works. */
START_TEST(forward_matches_naive)
{
    rl_rng rng;
    rl_rng_seed(&rng, 7, 0);
    int hidden[1] = {8};
    rl_mlp *m = rl_mlp_make(3, 1, hidden, 2, RL_ACT_TANH, RL_ACT_NONE);
    rl_mlp_init_uniform(m, &rng);
    float x[4 * 3];
    fill(&rng, x, 12, 1.0);
    const float *y = rl_mlp_forward(m, x, 4);
    rl_mlp_layer l0, l1;
    rl_mlp_layer_view(m, 0, &l0);
    rl_mlp_layer_view(m, 1, &l1);
    ck_assert_int_eq(l0.in, 3);
    ck_assert_int_eq(l1.out, 2);
    ck_assert_ptr_eq(l0.W, m->params);
    ck_assert_ptr_eq(l1.b + l1.out, m->params + m->n_params);
    ck_assert_int_eq(rl_mlp_layer_view(m, 2, &l1), RL_EINVAL);
    rl_mlp_layer_view(m, 1, &l1);
    for (int r = 0; r < 4; r++) {
        double h[8];
        for (int j = 0; j < 8; j++) {
            double s = l0.b[j];
            for (int i = 0; i < 3; i++) s += (double)l0.W[j * 3 + i] * x[r * 3 + i];
            h[j] = tanh(s);
        }
        for (int o = 0; o < 2; o++) {
            double s = l1.b[o];
            for (int j = 0; j < 8; j++) s += l1.W[o * 8 + j] * h[j];
            ck_assert_double_eq_tol(y[r * 2 + o], s, 1e-5);
        }
    }
    /* No hidden layer: a linear map. */
    rl_mlp *lin = rl_mlp_make(2, 0, NULL, 1, RL_ACT_RELU, RL_ACT_NONE);
    ck_assert_int_eq(lin->n_params, 3);
    lin->params[0] = 2;
    lin->params[1] = -1;
    lin->params[2] = 0.5f;
    float xi[2] = {1, 3};
    ck_assert_float_eq_tol(rl_mlp_forward(lin, xi, 1)[0], -0.5f, 1e-6);
    rl_mlp_free(lin);
    rl_mlp_free(m);
}
END_TEST

/* param_grads = 0 gives the same dx and leaves grads alone; grads add up. */
START_TEST(input_only_and_accumulate)
{
    rl_rng rng;
    rl_rng_seed(&rng, 9, 0);
    int hidden[2] = {16, 16};
    rl_mlp *m = rl_mlp_make(5, 2, hidden, 1, RL_ACT_RELU, RL_ACT_NONE);
    rl_mlp_init_uniform(m, &rng);
    float x[7 * 5], dy[7], dx1[7 * 5], dx2[7 * 5];
    fill(&rng, x, 35, 1.0);
    fill(&rng, dy, 7, 1.0);
    rl_mlp_zero_grad(m);
    ck_assert_int_eq(rl_mlp_backward(m, dy, dx1, 1), RL_ESTATE); /* no forward yet */
    rl_mlp_forward(m, x, 7);
    rl_mlp_backward(m, dy, dx1, 1);
    float *g1 = malloc(sizeof(float) * (size_t)m->n_params);
    memcpy(g1, m->grads, sizeof(float) * (size_t)m->n_params);
    rl_mlp_backward(m, dy, dx2, 0);
    for (int i = 0; i < m->n_params; i++) ck_assert_float_eq(m->grads[i], g1[i]);
    for (int i = 0; i < 35; i++) ck_assert_float_eq(dx1[i], dx2[i]);
    rl_mlp_backward(m, dy, NULL, 1);
    for (int i = 0; i < m->n_params; i++) ck_assert_float_eq_tol(m->grads[i], 2 * g1[i], 1e-6);
    free(g1);
    rl_mlp_free(m);
}
END_TEST

/* One pass over [a; b] cut back to a's rows (rl_mlp_keep_rows) gives the
 * same output, input gradient and parameter gradients, bit for bit, as a
 * pass over a alone; keeping 0 or more rows than cached is an error. */
START_TEST(keep_rows_backward)
{
    rl_rng rng;
    rl_rng_seed(&rng, 12, 0);
    int hidden[2] = {64, 64};
    enum { B = 37, IN = 5, OUT = 3 };
    rl_mlp *m = rl_mlp_make(IN, 2, hidden, OUT, RL_ACT_RELU, RL_ACT_NONE);
    rl_mlp_init_uniform(m, &rng);
    float x[2 * B * IN], dy[B * OUT], y1[B * OUT], dx1[B * IN], dx2[B * IN];
    fill(&rng, x, 2 * B * IN, 1.0);
    fill(&rng, dy, B * OUT, 1.0);
    memcpy(y1, rl_mlp_forward(m, x, B), sizeof y1);
    rl_mlp_zero_grad(m);
    ck_assert_int_eq(rl_mlp_backward(m, dy, dx1, 1), RL_OK);
    float *g1 = malloc(sizeof(float) * (size_t)m->n_params);
    memcpy(g1, m->grads, sizeof(float) * (size_t)m->n_params);
    const float *y = rl_mlp_forward(m, x, 2 * B);
    ck_assert(!memcmp(y, y1, sizeof y1));
    ck_assert_int_eq(rl_mlp_keep_rows(m, 0), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_keep_rows(m, 2 * B + 1), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_keep_rows(m, B), RL_OK);
    rl_mlp_zero_grad(m);
    ck_assert_int_eq(rl_mlp_backward(m, dy, dx2, 1), RL_OK);
    ck_assert(!memcmp(dx1, dx2, sizeof dx1));
    ck_assert(!memcmp(g1, m->grads, sizeof(float) * (size_t)m->n_params));
    free(g1);
    rl_mlp_free(m);
}
END_TEST

/* A pass cut to a set of its rows (rl_mlp_keep_row_set) back-propagates
 * as a pass over those rows alone, bit for bit (input and parameter
 * gradients); lists that are empty, too long, out of range or not
 * increasing are errors. */
START_TEST(keep_row_set_backward)
{
    rl_rng rng;
    rl_rng_seed(&rng, 13, 0);
    int hidden[2] = {64, 17};
    enum { N = 41, IN = 4, OUT = 1 };
    rl_mlp *m = rl_mlp_make(IN, 2, hidden, OUT, RL_ACT_RELU, RL_ACT_NONE);
    rl_mlp_init_uniform(m, &rng);
    float x[N * IN], xs[N * IN], dy[N * OUT], dx1[N * IN], dx2[N * IN];
    int rows[N], n = 0;
    fill(&rng, x, N * IN, 1.0);
    fill(&rng, dy, N * OUT, 1.0);
    for (int i = 0; i < N; i++)
        if (i % 3 != 1 && i != 0) rows[n++] = i;
    for (int j = 0; j < n; j++) memcpy(xs + j * IN, x + rows[j] * IN, sizeof(float) * IN);
    rl_mlp_forward(m, xs, n);
    rl_mlp_zero_grad(m);
    ck_assert_int_eq(rl_mlp_backward(m, dy, dx1, 1), RL_OK);
    float *g1 = malloc(sizeof(float) * (size_t)m->n_params);
    memcpy(g1, m->grads, sizeof(float) * (size_t)m->n_params);
    rl_mlp_forward(m, x, N);
    int bad_order[2] = {3, 3}, bad_range[1] = {N};
    ck_assert_int_eq(rl_mlp_keep_row_set(m, rows, 0), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_keep_row_set(m, rows, N + 1), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_keep_row_set(m, bad_order, 2), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_keep_row_set(m, bad_range, 1), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_keep_row_set(m, rows, n), RL_OK);
    rl_mlp_zero_grad(m);
    ck_assert_int_eq(rl_mlp_backward(m, dy, dx2, 1), RL_OK);
    ck_assert(!memcmp(dx1, dx2, sizeof(float) * (size_t)n * IN));
    ck_assert(!memcmp(g1, m->grads, sizeof(float) * (size_t)m->n_params));
    free(g1);
    rl_mlp_free(m);
}
END_TEST

/* Two networks' work as one pool job: each network's results are the
 * same bits as alone, its own pool is back afterwards, and a failing
 * part's code and message reach the caller. */
typedef struct {
    rl_mlp *net[2];
    const float *x;
    float y[2][40 * 2];
    int fail;
} pair_ctx;

static int pair_fwd(void *p, int k)
{
    pair_ctx *c = p;
    if (c->fail == k) return rl_error(RL_EINVAL, "part %d failed on purpose", k);
    const float *y = rl_mlp_forward(c->net[k], c->x, 40);
    if (!y) return rl_last_code();
    memcpy(c->y[k], y, sizeof c->y[k]);
    return RL_OK;
}

START_TEST(pair_job)
{
    rl_rng rng;
    rl_rng_seed(&rng, 14, 0);
    int hidden[2] = {64, 64};
    float x[40 * 6], want[2][40 * 2];
    fill(&rng, x, 40 * 6, 1.0);
    pair_ctx c = {.x = x, .fail = -1};
    for (int k = 0; k < 2; k++) {
        c.net[k] = rl_mlp_make(6, 2, hidden, 2, RL_ACT_RELU, RL_ACT_NONE);
        rl_mlp_init_uniform(c.net[k], &rng);
        memcpy(want[k], rl_mlp_forward(c.net[k], x, 40), sizeof want[k]);
    }
    rl_pool *pool = rl_pool_make(2);
    for (int k = 0; k < 2; k++) rl_mlp_set_pool(c.net[k], pool);
    ck_assert(rl_mlp_pair_parallel(c.net[0], 100, pool));
    ck_assert(!rl_mlp_pair_parallel(c.net[0], 100, NULL));
    ck_assert(!rl_mlp_pair_parallel(c.net[0], 4, pool)); /* too small for a hand-off */
    rl_pool *pool3 = rl_pool_make(3);
    ck_assert(!rl_mlp_pair_parallel(c.net[0], 100, pool3)); /* the networks' own splits */
    rl_pool_free(pool3);
    for (int par = 0; par < 2; par++) {
        memset(c.y, 0, sizeof c.y);
        ck_assert_int_eq(rl_mlp_pair_run(pool, par, c.net[0], c.net[1], pair_fwd, &c), RL_OK);
        ck_assert(!memcmp(c.y, want, sizeof want));
        ck_assert_ptr_eq(c.net[0]->pool, pool);
        ck_assert_ptr_eq(c.net[1]->pool, pool);
    }
    long jobs;
    int busy;
    rl_pool_stats(pool, &jobs, &busy);
    ck_assert_int_ge(jobs, 1);
    c.fail = 1;
    ck_assert_int_eq(rl_mlp_pair_run(pool, 1, c.net[0], c.net[1], pair_fwd, &c), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "part 1 failed on purpose"));
    ck_assert_ptr_eq(c.net[1]->pool, pool);
    rl_pool_free(pool);
    for (int k = 0; k < 2; k++) rl_mlp_free(c.net[k]);
}
END_TEST

/* The workspace grows for a bigger batch and results do not depend on it. */
START_TEST(batch_growth)
{
    rl_rng rng;
    rl_rng_seed(&rng, 10, 0);
    int hidden[1] = {4};
    rl_mlp *m = rl_mlp_make(2, 1, hidden, 2, RL_ACT_TANH, RL_ACT_TANH);
    rl_mlp_init_uniform(m, &rng);
    float x[300 * 2];
    fill(&rng, x, 600, 1.0);
    float first[2];
    memcpy(first, rl_mlp_forward(m, x, 1), sizeof first);
    const float *y = rl_mlp_forward(m, x, 300);
    ck_assert_float_eq(y[0], first[0]);
    ck_assert_float_eq(y[1], first[1]);
    ck_assert_ptr_null(rl_mlp_forward(m, x, 0));
    rl_mlp_free(m);
}
END_TEST

START_TEST(orthogonal_init)
{
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    int hidden[2] = {8, 3};
    rl_mlp *m = rl_mlp_make(5, 2, hidden, 2, RL_ACT_TANH, RL_ACT_NONE);
    ck_assert_int_eq(rl_mlp_init_orthogonal(m, &rng, 1.4142135f, 0.01f), RL_OK);
    for (int l = 0; l < m->n_layers; l++) {
        rl_mlp_layer v;
        rl_mlp_layer_view(m, l, &v);
        double gain = l == m->n_layers - 1 ? 0.01 : 1.4142135;
        /* The smaller dimension is orthonormal: rows if out <= in, else columns. */
        int rows = v.out <= v.in;
        int k = rows ? v.out : v.in, len = rows ? v.in : v.out;
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) {
                double s = 0;
                for (int i = 0; i < len; i++) {
                    double wa = rows ? v.W[a * v.in + i] : v.W[i * v.in + a];
                    double wb = rows ? v.W[b * v.in + i] : v.W[i * v.in + b];
                    s += wa * wb;
                }
                ck_assert_double_eq_tol(s / (gain * gain), a == b ? 1.0 : 0.0, 1e-4);
            }
        for (int j = 0; j < v.out; j++) ck_assert_float_eq(v.b[j], 0.0f);
    }
    rl_mlp_free(m);
}
END_TEST

START_TEST(uniform_init_and_copy)
{
    rl_rng rng;
    rl_rng_seed(&rng, 12, 0);
    int hidden[1] = {64};
    rl_mlp *m = rl_mlp_make(16, 1, hidden, 4, RL_ACT_RELU, RL_ACT_NONE);
    rl_mlp_init_uniform(m, &rng);
    rl_mlp_layer v;
    rl_mlp_layer_view(m, 0, &v);
    double mx = 0;
    for (int i = 0; i < v.out * v.in; i++) mx = fmax(mx, fabs(v.W[i]));
    ck_assert(mx <= 0.25 && mx > 0.2); /* bound 1/sqrt(16), nearly reached */
    rl_mlp *c = rl_mlp_clone(m);
    ck_assert(memcmp(c->params, m->params, sizeof(float) * (size_t)m->n_params) == 0);
    memset(c->params, 0, sizeof(float) * (size_t)c->n_params);
    ck_assert_int_eq(rl_mlp_copy_params(c, m), RL_OK);
    ck_assert(memcmp(c->params, m->params, sizeof(float) * (size_t)m->n_params) == 0);
    rl_mlp *other = rl_mlp_make(16, 0, NULL, 4, RL_ACT_RELU, RL_ACT_NONE);
    ck_assert_int_eq(rl_mlp_copy_params(other, m), RL_EINVAL);
    ck_assert_ptr_null(rl_mlp_make(0, 0, NULL, 1, RL_ACT_NONE, RL_ACT_NONE));
    ck_assert_int_eq(rl_last_code(), RL_EINVAL);
    rl_mlp_free(other);
    rl_mlp_free(c);
    rl_mlp_free(m);
    rl_mlp_free(NULL);
}
END_TEST

/* Loss gradients against central differences. */
START_TEST(loss_grads)
{
    rl_rng rng;
    rl_rng_seed(&rng, 13, 0);
    float p[8], t[8], g[8];
    fill(&rng, p, 8, 2.0);
    fill(&rng, t, 8, 2.0);
    for (int which = 0; which < 2; which++) {
        if (which == 0) rl_loss_mse(p, t, 8, g);
        else rl_loss_huber(p, t, 8, 1.0f, g);
        double num[8], ana[8];
        for (int i = 0; i < 8; i++) {
            float keep = p[i];
            double eps = 1e-2;
            p[i] = keep + (float)eps;
            double lp = which ? rl_loss_huber(p, t, 8, 1.0f, NULL) : rl_loss_mse(p, t, 8, NULL);
            p[i] = keep - (float)eps;
            double lm = which ? rl_loss_huber(p, t, 8, 1.0f, NULL) : rl_loss_mse(p, t, 8, NULL);
            p[i] = keep;
            num[i] = (lp - lm) / (2 * eps);
            ana[i] = g[i];
        }
        ck_assert_msg(rel_err(ana, num, 8) < 1e-3, "loss %d rel err %g", which,
                      rel_err(ana, num, 8));
    }
    float a = 3, b = 0;
    ck_assert_float_eq_tol(rl_loss_huber(&a, &b, 1, 1.0f, NULL), 2.5f, 1e-6);
    ck_assert_float_eq_tol(rl_loss_mse(&a, &b, 1, NULL), 9.0f, 1e-6);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nn");
    TCase *tc = tcase_create("mlp");
    tcase_add_test(tc, grad_tanh_none);
    tcase_add_test(tc, grad_relu_tanh);
    tcase_add_test(tc, grad_none_relu);
    tcase_add_test(tc, grad_relu_none);
    tcase_add_test(tc, forward_matches_naive);
    tcase_add_test(tc, input_only_and_accumulate);
    tcase_add_test(tc, batch_growth);
    tcase_add_test(tc, keep_rows_backward);
    tcase_add_test(tc, keep_row_set_backward);
    tcase_add_test(tc, pair_job);
    tcase_add_test(tc, orthogonal_init);
    tcase_add_test(tc, uniform_init_and_copy);
    tcase_add_test(tc, loss_grads);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
