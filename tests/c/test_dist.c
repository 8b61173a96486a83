/* Distributions: log-probs against closed forms, every gradient against
 * central finite differences, sampling statistics. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "core/dist.h"

#define D 3

static double rel_err(const double *a, const double *b, int n)
{
    double d = 0, na = 0, nb = 0;
    for (int i = 0; i < n; i++) {
        d += (a[i] - b[i]) * (a[i] - b[i]);
        na += a[i] * a[i];
        nb += b[i] * b[i];
    }
    double s = sqrt(fmax(na, nb));
    return sqrt(d) / (s > 1e-6 ? s : 1e-6);
}

/* Central difference of f over the n floats at p (f reads p). */
typedef double (*scalar_fn)(void *ctx);
static void numeric_grad(scalar_fn f, void *ctx, float *p, int n, double *out)
{
    const double eps = 1e-3;
    for (int i = 0; i < n; i++) {
        float keep = p[i];
        p[i] = keep + (float)eps;
        double hi = f(ctx);
        p[i] = keep - (float)eps;
        double lo = f(ctx);
        p[i] = keep;
        /* Divide by the step actually taken in float. */
        out[i] = (hi - lo) / ((double)(keep + (float)eps) - (double)(keep - (float)eps));
    }
}

/* The analytic gradient g (n) of f w.r.t. the floats at p matches central
 * differences to a relative error below 1e-3. */
static void expect_grad(scalar_fn f, void *ctx, float *p, const float *g, int n, const char *what)
{
    double num[8], ana[8];
    numeric_grad(f, ctx, p, n, num);
    for (int i = 0; i < n; i++) ana[i] = g[i];
    double e = rel_err(ana, num, n);
    ck_assert_msg(e < 1e-3, "%s: relative error %g", what, e);
}

typedef struct {
    float mean[D], logstd[D], x[D], eps[D], c[D];
    float k; /* dL/dlogp */
    float logits[5];
    int cls;
} ctx_t;

static void setup(ctx_t *c, uint64_t seed)
{
    rl_rng r;
    rl_rng_seed(&r, seed, 3);
    for (int i = 0; i < D; i++) {
        c->mean[i] = (float)(0.7 * rl_rng_normal(&r));
        c->logstd[i] = (float)(0.4 * rl_rng_normal(&r) - 0.3);
        c->x[i] = (float)rl_rng_normal(&r);
        c->eps[i] = (float)rl_rng_normal(&r);
        c->c[i] = (float)rl_rng_normal(&r);
    }
    for (int i = 0; i < 5; i++) c->logits[i] = (float)(1.5 * rl_rng_normal(&r));
    c->k = 0.7f;
    c->cls = 2;
}

static double f_gauss(void *p)
{
    ctx_t *c = p;
    return rl_gauss_logp(c->mean, c->logstd, c->x, D);
}

START_TEST(gauss_logp_and_grads)
{
    ctx_t c;
    setup(&c, 1);
    /* Closed form in double. */
    double want = 0;
    for (int i = 0; i < D; i++) {
        double s = exp((double)c.logstd[i]), z = (c.x[i] - c.mean[i]) / s;
        want += -0.5 * z * z - log(s) - 0.5 * log(2 * M_PI);
    }
    ck_assert_double_eq_tol(rl_gauss_logp(c.mean, c.logstd, c.x, D), want, 1e-5);

    float dm[D] = {0}, ds[D] = {0};
    rl_gauss_logp_backward(c.mean, c.logstd, c.x, D, 1.0f, dm, ds);
    expect_grad(f_gauss, &c, c.mean, dm, D, "dmean");
    expect_grad(f_gauss, &c, c.logstd, ds, D, "dlogstd");
    /* Gradients accumulate (shared log-std over a batch). */
    float once = ds[0];
    rl_gauss_logp_backward(c.mean, c.logstd, c.x, D, 1.0f, NULL, ds);
    ck_assert_float_eq_tol(ds[0], 2 * once, 1e-5);

    /* Entropy: closed form and gradient 1 per log-std. */
    double h = 0;
    for (int i = 0; i < D; i++) h += 0.5 * log(2 * M_PI * M_E) + c.logstd[i];
    ck_assert_double_eq_tol(rl_gauss_entropy(c.logstd, D), h, 1e-5);
}
END_TEST

START_TEST(gauss_sample_stats)
{
    rl_rng r;
    rl_rng_seed(&r, 5, 0);
    float mean[1] = {2.0f}, logstd[1] = {logf(0.5f)}, x[1];
    double s = 0, s2 = 0;
    const int n = 20000;
    for (int i = 0; i < n; i++) {
        rl_gauss_sample(&r, mean, logstd, 1, x);
        s += x[0];
        s2 += (double)x[0] * x[0];
    }
    double m = s / n, var = s2 / n - m * m;
    ck_assert_double_eq_tol(m, 2.0, 0.02);
    ck_assert_double_eq_tol(var, 0.25, 0.01);
}
END_TEST

/* Normals in Box-Muller pairs: each pair's first value and an odd last
 * one are rl_rng_normal's, the stream ends where one rl_rng_normal call
 * per pair (and per odd one) leaves it, and the values are standard normal, second
 * values and neighbours uncorrelated. */
START_TEST(normals_in_pairs)
{
    rl_rng a, b;
    rl_rng_seed(&a, 9, 3);
    b = a;
    enum { N = 40001 };
    float *x = malloc(sizeof(float) * N);
    rl_normals(&a, x, N);
    for (int k = 0; k < N; k += 2) ck_assert_float_eq(x[k], (float)rl_rng_normal(&b));
    ck_assert(a.state == b.state);
    double s = 0, s2 = 0, s4 = 0, c1 = 0, codd = 0;
    for (int k = 0; k < N; k++) {
        s += x[k];
        s2 += (double)x[k] * x[k];
        s4 += (double)x[k] * x[k] * x[k] * x[k];
        if (k + 1 < N) c1 += (double)x[k] * x[k + 1];
        if (k % 2 && k + 1 < N) codd += (double)x[k] * x[k + 1];
    }
    ck_assert_double_eq_tol(s / N, 0.0, 0.02);
    ck_assert_double_eq_tol(s2 / N, 1.0, 0.03);
    ck_assert_double_eq_tol(s4 / N, 3.0, 0.15);
    ck_assert_double_eq_tol(c1 / N, 0.0, 0.02);
    ck_assert_double_eq_tol(codd / (N / 2), 0.0, 0.03);
    free(x);
}
END_TEST

/* L = sum c .* a + k * logp through the squashed sample. */
static double f_squash(void *p)
{
    ctx_t *c = p;
    float a[D];
    double lp = rl_squashed_sample(c->mean, c->logstd, c->eps, D, a, NULL);
    double L = c->k * lp;
    for (int i = 0; i < D; i++) L += (double)c->c[i] * a[i];
    return L;
}

START_TEST(squashed_logp_and_grads)
{
    ctx_t c;
    setup(&c, 2);
    float a[D], u[D];
    double lp = rl_squashed_sample(c.mean, c.logstd, c.eps, D, a, u);
    /* Naive formula (fine for moderate u). */
    double want = 0;
    for (int i = 0; i < D; i++) {
        double s = exp((double)c.logstd[i]), uu = c.mean[i] + s * c.eps[i];
        ck_assert_double_eq_tol(u[i], uu, 1e-6);
        ck_assert_double_eq_tol(a[i], tanh(uu), 1e-6);
        want += -0.5 * c.eps[i] * c.eps[i] - log(s) - 0.5 * log(2 * M_PI) -
                log(1 - tanh(uu) * tanh(uu));
    }
    ck_assert_double_eq_tol(lp, want, 1e-5);
    /* logp recomputed from the action agrees. */
    ck_assert_double_eq_tol(rl_squashed_logp(c.mean, c.logstd, a, D), lp, 1e-3);

    float dm[D] = {0}, ds[D] = {0};
    rl_squashed_backward(c.mean, c.logstd, c.eps, D, c.c, c.k, dm, ds);
    expect_grad(f_squash, &c, c.mean, dm, D, "dmean");
    expect_grad(f_squash, &c, c.logstd, ds, D, "dlogstd");
}
END_TEST

/* Far in the tail tanh(u) rounds to 1 and the naive log(1 - a^2) is -inf;
 * the stable form stays finite. */
START_TEST(squashed_saturated)
{
    float mean[1] = {30.0f}, logstd[1] = {0.0f}, eps[1] = {0.0f}, a[1];
    float lp = rl_squashed_sample(mean, logstd, eps, 1, a, NULL);
    ck_assert(isfinite(lp));
    /* -0.5 log(2 pi) - 2 (log 2 - 30 - softplus(-60)) */
    ck_assert_double_eq_tol(lp, -0.5 * log(2 * M_PI) - 2 * (log(2.0) - 30.0), 1e-3);
    float dm[1] = {0}, ds[1] = {0}, da[1] = {1};
    rl_squashed_backward(mean, logstd, eps, 1, da, 1.0f, dm, ds);
    ck_assert(isfinite(dm[0]) && isfinite(ds[0]));
}
END_TEST

/* SAC's float batch form against the same function in double from the
 * same float inputs, over means, raw log-stds and noise from moderate to
 * saturated (|u| up to ~100): about as accurate as the double form fed a
 * float log-std, which is off by up to 5e-6 (a), 2e-5 (lp, relative) and
 * 5e-5 (1 - a^2, relative) here (the log-std's rounding, amplified by
 * std * eps, is most of the error; a wrong polynomial term would be off by
 * 1e-3 or more); and vector blocks give the same bits as one element at a
 * time. */
START_TEST(squashed_flat_accuracy)
{
    enum { N = 20011 };
    const float lo = -5.0f, hi = 2.0f;
    float *in = malloc(sizeof(float) * 8 * N);
    float *mean = in, *raw = in + N, *eps = in + 2 * N, *a = in + 3 * N, *lp = in + 4 * N,
          *sd = in + 5 * N, *s2 = in + 6 * N, *dls = in + 7 * N;
    rl_rng r;
    rl_rng_seed(&r, 21, 0);
    for (int k = 0; k < N; k++) {
        mean[k] = (float)rl_rng_range(&r, -12, 12) * (k % 7 ? 1.0f : 1e-4f);
        raw[k] = (float)rl_rng_range(&r, -10, 10) * (k % 11 ? 1.0f : 1e-3f);
        eps[k] = (float)(3 * rl_rng_normal(&r));
    }
    mean[0] = 30, mean[1] = -30, mean[2] = 0, eps[2] = 0, raw[3] = 40, raw[4] = -40;
    rl_squashed_sample_flat(mean, raw, eps, N, lo, hi, a, lp, sd, s2, dls);
    for (int k = 0; k < N; k++) {
        double th = tanh((double)raw[k]), ls = lo + 0.5 * (hi - lo) * (th + 1), std = exp(ls);
        double u = mean[k] + std * eps[k], x = exp(-2 * fabs(u));
        double ld = 2 * (log(2.0) - fabs(u) - log1p(x));
        double want = -0.5 * (double)eps[k] * eps[k] - ls - 0.5 * log(2 * M_PI) - ld;
        double sech2 = 4 * x / ((1 + x) * (1 + x));
        ck_assert_msg(fabs(a[k] - tanh(u)) <= 2e-5, "a[%d] %.9g vs %.9g", k, a[k], tanh(u));
        ck_assert_msg(fabs(lp[k] - want) <= 5e-5 * (1 + fabs(want)), "lp[%d] %.9g vs %.9g", k,
                      lp[k], want);
        ck_assert_msg(fabs(sd[k] - std) <= 3e-6 * std, "std[%d] %.9g vs %.9g", k, sd[k], std);
        /* (the double form with a float log-std: up to 5e-5 relative here) */
        ck_assert_msg(fabs(s2[k] - sech2) <= 2e-4 * sech2 + 1e-37, "sech2[%d] %.9g vs %.9g", k,
                      s2[k], sech2);
        ck_assert_msg(fabs(dls[k] - 0.5 * (hi - lo) * (1 - th * th)) <= 3e-6, "dls[%d]", k);
    }
    /* eps = 0: u = mean exactly, no amplified input rounding, so the
     * polynomials themselves show (one wrong digit in a coefficient is off
     * by ~1e-6; here they are within 1.5e-7 relative). */
    for (int k = 0; k < N; k++) {
        mean[k] = (float)(-40.0 + 80.0 * k / (N - 1)) * (k % 2 ? 0.01f : 1.0f) *
                  (k % 5 ? 1.0f : 1e-5f);
        /* raw 0 on even k: logstd exactly (lo + hi) / 2, for lp */
        raw[k] = k % 2 ? (float)(-12.0 + 24.0 * ((k * 7919) % N) / (N - 1)) : 0.0f;
        eps[k] = 0;
    }
    rl_squashed_sample_flat(mean, raw, eps, N, lo, hi, a, lp, sd, s2, dls);
    for (int k = 0; k < N; k++) {
        double u = mean[k], x = exp(-2 * fabs(u)), th = tanh((double)raw[k]);
        double ls = lo + 0.5 * (hi - lo) * (th + 1);
        double want = -ls - 0.5 * log(2 * M_PI) - 2 * (log(2.0) - fabs(u) - log1p(x));
        double sech2 = 4 * x / ((1 + x) * (1 + x));
        ck_assert_msg(fabs(a[k] - tanh(u)) <= 4e-7 * fabs(tanh(u)), "a[%d] (eps 0)", k);
        ck_assert_msg(k % 2 || fabs(lp[k] - want) <= 4e-7 * (1 + fabs(want)), "lp[%d] (eps 0)", k);
        ck_assert_msg(fabs(s2[k] - sech2) <= 4e-7 * sech2 + 1e-37, "sech2[%d] (eps 0)", k);
        ck_assert_msg(fabs(sd[k] - exp(ls)) <= 1e-6 * exp(ls), "std[%d] (eps 0)", k);
        ck_assert_msg(fabs(dls[k] - 0.5 * (hi - lo) * (1 - th * th)) <= 1e-6, "dls[%d] (eps 0)", k);
    }
    for (int k = 0; k < 67; k++) {
        float one[5];
        rl_squashed_sample_flat(mean + k, raw + k, eps + k, 1, lo, hi, one, one + 1, one + 2,
                                one + 3, one + 4);
        float many[5] = {a[k], lp[k], sd[k], s2[k], dls[k]};
        ck_assert_msg(!memcmp(one, many, sizeof one), "element %d alone differs", k);
    }
    free(in);
}
END_TEST

static double f_cat_logp(void *p)
{
    ctx_t *c = p;
    return rl_cat_logp(c->logits, 5, c->cls);
}

static double f_cat_ent(void *p)
{
    ctx_t *c = p;
    return rl_cat_entropy(c->logits, 5);
}

START_TEST(categorical)
{
    ctx_t c;
    setup(&c, 3);
    float ls[5];
    rl_cat_log_softmax(c.logits, 5, ls);
    double z = 0, h = 0;
    for (int i = 0; i < 5; i++) z += exp(ls[i]);
    ck_assert_double_eq_tol(z, 1.0, 1e-6);
    for (int i = 0; i < 5; i++) h -= exp(ls[i]) * ls[i];
    ck_assert_double_eq_tol(rl_cat_entropy(c.logits, 5), h, 1e-5);
    ck_assert_double_eq_tol(rl_cat_logp(c.logits, 5, 2), ls[2], 1e-6);
    /* Large logits do not overflow. */
    float big[2] = {1000.0f, 999.0f};
    ck_assert_double_eq_tol(rl_cat_logp(big, 2, 1), -log(1 + exp(1.0)), 1e-5);

    float dl[5] = {0};
    rl_cat_logp_backward(c.logits, 5, c.cls, 1.0f, dl);
    expect_grad(f_cat_logp, &c, c.logits, dl, 5, "dlogp");
    memset(dl, 0, sizeof dl);
    rl_cat_entropy_backward(c.logits, 5, 1.0f, dl);
    expect_grad(f_cat_ent, &c, c.logits, dl, 5, "dentropy");
}
END_TEST

START_TEST(categorical_sampling)
{
    rl_rng r;
    rl_rng_seed(&r, 8, 0);
    float logits[3] = {0.0f, logf(2.0f), logf(7.0f)}; /* p = 0.1, 0.2, 0.7 */
    int counts[3] = {0};
    const int n = 20000;
    for (int i = 0; i < n; i++) counts[rl_cat_sample(&r, logits, 3)]++;
    ck_assert_double_eq_tol(counts[0] / (double)n, 0.1, 0.01);
    ck_assert_double_eq_tol(counts[1] / (double)n, 0.2, 0.012);
    ck_assert_double_eq_tol(counts[2] / (double)n, 0.7, 0.012);
    ck_assert_int_eq(rl_cat_argmax(logits, 3), 2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dist");
    TCase *tc = tcase_create("dist");
    tcase_add_test(tc, gauss_logp_and_grads);
    tcase_add_test(tc, gauss_sample_stats);
    tcase_add_test(tc, normals_in_pairs);
    tcase_add_test(tc, squashed_logp_and_grads);
    tcase_add_test(tc, squashed_saturated);
    tcase_add_test(tc, squashed_flat_accuracy);
    tcase_add_test(tc, categorical);
    tcase_add_test(tc, categorical_sampling);
    suite_add_tcase(s, tc);
    return rl_check_run(s);
}
