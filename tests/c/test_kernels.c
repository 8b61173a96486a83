/* Dense-layer kernels: every path this CPU runs (and the portable one)
 * against naive double-precision loops on odd shapes and batch 1; results
 * that do not depend on how rows or output features are split (the
 * property threaded updates rely on); path selection and RLTOOL_KERNEL. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/kernels.h"

static const int odd[] = {1, 3, 17, 63, 65, 257};
#define N_ODD 6

static void fill(rl_rng *rng, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++) x[i] = (float)rl_rng_normal(rng);
}

/* |got - want| <= tol * (sum of |terms| of that element, at least 1): the
 * bound a float dot product of any order meets. */
static void expect_close(const float *got, const double *want, const double *mag, size_t n,
                         const char *what, rl_kern_path p, int rows, int in, int out)
{
    for (size_t i = 0; i < n; i++) {
        double scale = mag[i] > 1 ? mag[i] : 1;
        ck_assert_msg(fabs(got[i] - want[i]) <= 1e-5 * scale,
                      "%s %s rows %d in %d out %d: element %zu got %.9g want %.9g", what,
                      rl_kern_name(p), rows, in, out, i, got[i], want[i]);
    }
}

static double act_d(rl_act a, double z)
{
    return a == RL_ACT_RELU ? (z > 0 ? z : 0) : a == RL_ACT_TANH ? tanh(z) : z;
}

/* The naive references in double, with the sum of magnitudes (mag) that
 * scales each element's tolerance. Y[rows x out] = act(X W^T + b): */
static void ref_forward(const float *X, const float *W, const float *b, int rows, int in,
                        int out, rl_act act, double *want, double *mag)
{
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) {
            double z = b[o], m = fabs(b[o]);
            for (int i = 0; i < in; i++) {
                z += (double)X[(size_t)r * in + i] * W[(size_t)o * in + i];
                m += fabs((double)X[(size_t)r * in + i] * W[(size_t)o * in + i]);
            }
            want[(size_t)r * out + o] = act_d(act, z);
            mag[(size_t)r * out + o] = m;
        }
}

/* dX[rows x in] = (dZ W) * act'(X), X taken as this layer's activated input. */
static void ref_backward_dx(const float *dZ, const float *W, const float *X, int rows, int in,
                            int out, rl_act act, double *want, double *mag)
{
    for (int r = 0; r < rows; r++)
        for (int i = 0; i < in; i++) {
            double g = 0, m = 0;
            for (int o = 0; o < out; o++) {
                g += (double)dZ[(size_t)r * out + o] * W[(size_t)o * in + i];
                m += fabs((double)dZ[(size_t)r * out + o] * W[(size_t)o * in + i]);
            }
            double y = X[(size_t)r * in + i];
            double d = act == RL_ACT_RELU ? (y > 0) : act == RL_ACT_TANH ? 1 - y * y : 1;
            want[(size_t)r * in + i] = g * d;
            mag[(size_t)r * in + i] = m * fabs(d);
        }
}

/* dW[out x in] += dZ^T X and db[out] += column sums of dZ. */
static void ref_backward_dw(const float *dZ, const float *X, const float *dW, const float *db,
                            int rows, int in, int out, double *want, double *mag,
                            double *wantb, double *magb)
{
    for (int o = 0; o < out; o++) {
        double sb = db[o], mb = fabs(db[o]);
        for (int r = 0; r < rows; r++) {
            sb += dZ[(size_t)r * out + o];
            mb += fabs(dZ[(size_t)r * out + o]);
        }
        wantb[o] = sb;
        magb[o] = mb;
        for (int i = 0; i < in; i++) {
            double s = dW[(size_t)o * in + i], m = fabs(dW[(size_t)o * in + i]);
            for (int r = 0; r < rows; r++) {
                s += (double)dZ[(size_t)r * out + o] * X[(size_t)r * in + i];
                m += fabs((double)dZ[(size_t)r * out + o] * X[(size_t)r * in + i]);
            }
            want[(size_t)o * in + i] = s;
            mag[(size_t)o * in + i] = m;
        }
    }
}

/* One shape through forward, dX (with the activation derivative) and dW. */
static void check_shape(rl_kern_path p, int rows, int in, int out, rl_act act, rl_rng *rng)
{
    size_t nx = (size_t)rows * in, ny = (size_t)rows * out, nw = (size_t)out * in;
    int ldw = rl_kern_pad(out);
    float *X = malloc(4 * nx), *W = malloc(4 * nw), *Wt = malloc(4 * (size_t)in * ldw),
          *b = malloc(4 * (size_t)out), *Y = malloc(4 * ny), *dZ = malloc(4 * ny),
          *dX = malloc(4 * nx), *dW = malloc(4 * nw), *db = malloc(4 * (size_t)out);
    size_t nmax = nx > ny ? nx : ny;
    nmax = nmax > nw ? nmax : nw;
    double *want = calloc(nmax, 8), *mag = calloc(nmax, 8);
    fill(rng, X, nx);
    fill(rng, W, nw);
    fill(rng, b, out);
    fill(rng, dZ, ny);
    fill(rng, dW, nw);
    fill(rng, db, out);

    /* forward, in the form the shape asks for, then the other form */
    rl_kern_pack_wt(W, out, in, Wt, ldw);
    int packed = rl_kern_wants_wt(p, rows, out);
    rl_kern_forward(p, X, rows, in, packed ? Wt : NULL, ldw, W, b, out, act, Y);
    ref_forward(X, W, b, rows, in, out, act, want, mag);
    expect_close(Y, want, mag, ny, "forward", p, rows, in, out);
    rl_kern_forward(p, X, rows, in, packed ? NULL : Wt, ldw, W, b, out, act, Y);
    expect_close(Y, want, mag, ny, "forward (other form)", p, rows, in, out);

    /* dX with act' taken from X as if X were this layer's activated input */
    ref_backward_dx(dZ, W, X, rows, in, out, act, want, mag);
    rl_kern_backward_dx(p, dZ, rows, out, W, in, act, X, dX);
    expect_close(dX, want, mag, nx, "dX", p, rows, in, out);

    /* dW, db accumulate */
    double *wantb = malloc(8 * (size_t)out), *magb = malloc(8 * (size_t)out);
    ref_backward_dw(dZ, X, dW, db, rows, in, out, want, mag, wantb, magb);
    rl_kern_backward_dw(p, dZ, rows, out, X, in, dW, db, 0, out);
    expect_close(dW, want, mag, nw, "dW", p, rows, in, out);
    expect_close(db, wantb, magb, out, "db", p, rows, in, out);

    free(wantb);
    free(magb);
    free(want);
    free(mag);
    float *bufs[] = {X, W, Wt, b, Y, dZ, dX, dW, db};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
}

static void check_path(rl_kern_path p)
{
    rl_rng rng;
    rl_rng_seed(&rng, 7, (uint64_t)p);
    const rl_act acts[3] = {RL_ACT_NONE, RL_ACT_RELU, RL_ACT_TANH};
    /* Every odd size as rows, in and out against a mid size, then random
     * combinations of the odd sizes (batch 1 included). */
    for (int a = 0; a < N_ODD; a++) {
        check_shape(p, odd[a], 17, 65, acts[a % 3], &rng);
        check_shape(p, 5, odd[a], 33, acts[(a + 1) % 3], &rng);
        check_shape(p, 9, 31, odd[a], acts[(a + 2) % 3], &rng);
    }
    for (int k = 0; k < 24; k++) {
        int rows = odd[rl_rng_below(&rng, N_ODD)], in = odd[rl_rng_below(&rng, N_ODD)],
            out = odd[rl_rng_below(&rng, N_ODD)];
        if (k < 4) rows = 1;
        check_shape(p, rows, in, out, acts[k % 3], &rng);
    }
}

START_TEST(portable_matches_naive) { check_path(RL_KERN_PORTABLE); }
END_TEST

START_TEST(avx2_matches_naive)
{
    if (!rl_kern_available(RL_KERN_AVX2)) return; /* not on this CPU */
    check_path(RL_KERN_AVX2);
}
END_TEST

START_TEST(avx512_matches_naive)
{
    if (!rl_kern_available(RL_KERN_AVX512)) return; /* not on this CPU */
    check_path(RL_KERN_AVX512);
}
END_TEST

/* The forward's tanh over a sweep of inputs (each row one value, 40
 * identical outputs so the vector tile runs, and the dot-product form too):
 * within 2e-7 absolute of libm's tanhf and 2e-7 relative of tanh in double
 * (measured: 1.2e-7 and 1.4e-7); odd; +-inf gives +-1; NaN stays NaN. */
static void check_tanh(rl_kern_path p)
{
    const int rows = 20001, out = 40, ldw = rl_kern_pad(out);
    float *X = malloc(4 * rows), *W = malloc(4 * out), *Wt = malloc(4 * ldw), *b = calloc(out, 4),
          *Y = malloc(4 * (size_t)rows * out), *Yd = malloc(4 * (size_t)rows * out);
    for (int r = 0; r < rows; r++) X[r] = (float)(-20.0 + 40.0 * r / (rows - 1));
    X[10000] = 0.0f;
    X[10001] = 1e-30f;
    X[10002] = -0.62f;
    X[10003] = 0.63f;
    X[10004] = INFINITY;
    X[10005] = -INFINITY;
    X[10006] = 1e-40f; /* subnormal */
    X[7] = NAN;
    for (int o = 0; o < out; o++) W[o] = 1.0f;
    rl_kern_pack_wt(W, out, 1, Wt, ldw);
    rl_kern_forward(p, X, rows, 1, Wt, ldw, W, b, out, RL_ACT_TANH, Y);
    rl_kern_forward(p, X, rows, 1, NULL, 0, W, b, out, RL_ACT_TANH, Yd);
    for (int r = 0; r < rows; r++)
        for (int o = 0; o < out; o++) {
            float y = Y[(size_t)r * out + o];
            ck_assert_msg(memcmp(&y, &Yd[(size_t)r * out + o], sizeof y) == 0,
                          "%s: tanh(%.9g) differs between the forward forms", rl_kern_name(p), X[r]);
            if (r == 7) {
                ck_assert_msg(isnan(y), "%s: tanh(NaN) = %g", rl_kern_name(p), y);
                continue;
            }
            double want = tanh((double)X[r]);
            ck_assert_msg(fabs(y - want) <= 2e-7 * fabs(want) + 1e-37 &&
                              fabs((double)y - (double)tanhf(X[r])) <= 2e-7,
                          "%s: tanh(%.9g) = %.9g, want %.9g (tanhf %.9g)", rl_kern_name(p), X[r],
                          y, want, tanhf(X[r]));
        }
    free(X);
    free(W);
    free(Wt);
    free(b);
    free(Y);
    free(Yd);
}

START_TEST(tanh_accurate)
{
    for (int p = RL_KERN_PORTABLE; p <= RL_KERN_AVX512; p++)
        if (rl_kern_available((rl_kern_path)p)) check_tanh((rl_kern_path)p);
}
END_TEST

/* Rows computed in any grouping, and output features in any ranges, give
 * the same bits as one call over everything. */
static void check_split(rl_kern_path p, int in)
{
    const int rows = 67, out = 45;
    rl_rng rng;
    rl_rng_seed(&rng, 11, 0);
    int ldw = rl_kern_pad(out);
    float *X = malloc(4 * rows * in), *W = malloc(4 * out * in), *Wt = malloc(4 * in * ldw),
          *b = malloc(4 * out), *Y = malloc(4 * rows * out), *Y2 = malloc(4 * rows * out),
          *dZ = malloc(4 * rows * out), *dX = malloc(4 * rows * in),
          *dX2 = malloc(4 * rows * in), *dW = calloc(out * in, 4), *dW2 = calloc(out * in, 4),
          *db = calloc(out, 4), *db2 = calloc(out, 4);
    fill(&rng, X, rows * in);
    fill(&rng, W, out * in);
    fill(&rng, b, out);
    fill(&rng, dZ, rows * out);
    rl_kern_pack_wt(W, out, in, Wt, ldw);
    rl_kern_forward(p, X, rows, in, Wt, ldw, W, b, out, RL_ACT_TANH, Y);
    rl_kern_backward_dx(p, dZ, rows, out, W, in, RL_ACT_RELU, X, dX);
    rl_kern_backward_dw(p, dZ, rows, out, X, in, dW, db, 0, out);
    const int cuts[] = {0, 1, 6, 7, 30, 33, rows};
    for (int c = 0; c + 1 < 7; c++) {
        int r0 = cuts[c], n = cuts[c + 1] - r0;
        rl_kern_forward(p, X + r0 * in, n, in, Wt, ldw, W, b, out, RL_ACT_TANH, Y2 + r0 * out);
        rl_kern_backward_dx(p, dZ + r0 * out, n, out, W, in, RL_ACT_RELU, X + r0 * in,
                            dX2 + r0 * in);
    }
    const int ocuts[] = {0, 3, 4, 21, out};
    for (int c = 0; c + 1 < 5; c++)
        rl_kern_backward_dw(p, dZ, rows, out, X, in, dW2, db2, ocuts[c], ocuts[c + 1]);
    ck_assert_msg(!memcmp(Y, Y2, 4 * rows * out), "%s forward depends on the row split",
                  rl_kern_name(p));
    /* the dot-product form too */
    rl_kern_forward(p, X, rows, in, NULL, ldw, W, b, out, RL_ACT_RELU, Y);
    for (int c = 0; c + 1 < 7; c++)
        rl_kern_forward(p, X + cuts[c] * in, cuts[c + 1] - cuts[c], in, NULL, ldw, W, b, out,
                        RL_ACT_RELU, Y2 + cuts[c] * out);
    ck_assert_msg(!memcmp(Y, Y2, 4 * rows * out), "%s dot forward depends on the row split",
                  rl_kern_name(p));
    ck_assert_msg(!memcmp(dX, dX2, 4 * rows * in), "%s dX depends on the row split",
                  rl_kern_name(p));
    ck_assert_msg(!memcmp(dW, dW2, 4 * out * in), "%s dW depends on the feature split",
                  rl_kern_name(p));
    ck_assert_msg(!memcmp(db, db2, 4 * out), "%s db depends on the feature split",
                  rl_kern_name(p));
    float *bufs[] = {X, W, Wt, b, Y, Y2, dZ, dX, dX2, dW, dW2, db, db2};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
}

START_TEST(split_invariant)
{
    for (int p = RL_KERN_PORTABLE; p <= RL_KERN_AVX512; p++)
        if (rl_kern_available((rl_kern_path)p)) {
            check_split((rl_kern_path)p, 37);
            check_split((rl_kern_path)p, 5); /* few inputs: dW along features */
            check_split((rl_kern_path)p, 3); /* a first layer of a small task */
        }
}
END_TEST

/* The dot-product forward of a Q head (1 and 2 outputs, the shapes that
 * take the many-rows tile on AVX-512) gives each row the same bits whether
 * rows come all at once or one by one, with relu and without. */
START_TEST(dot_forward_rows_bitwise)
{
    const int rows = 67, in = 65;
    rl_rng rng;
    rl_rng_seed(&rng, 13, 0);
    float X[67 * 65], W[2 * 65], b[2], Y[67 * 2], Y1[2];
    fill(&rng, X, sizeof X / 4);
    fill(&rng, W, sizeof W / 4);
    fill(&rng, b, 2);
    X[5 * in] = NAN;
    for (int p = RL_KERN_PORTABLE; p <= RL_KERN_AVX512; p++) {
        if (!rl_kern_available((rl_kern_path)p)) continue;
        for (int out = 1; out <= 2; out++)
            for (int a = 0; a < 2; a++) {
                rl_act act = a ? RL_ACT_RELU : RL_ACT_NONE;
                rl_kern_forward(p, X, rows, in, NULL, 0, W, b, out, act, Y);
                for (int r = 0; r < rows; r++) {
                    rl_kern_forward(p, X + r * in, 1, in, NULL, 0, W, b, out, act, Y1);
                    ck_assert_msg(!memcmp(Y1, Y + r * out, sizeof(float) * out),
                                  "%s out %d act %d row %d: %.9g alone, %.9g in the batch",
                                  rl_kern_name((rl_kern_path)p), out, a, r, Y1[0], Y[r * out]);
                }
            }
    }
}
END_TEST

/* Packing transposes exactly and zero-fills the padding columns, on shapes
 * with and without whole 8 x 8 blocks. */
START_TEST(pack_exact)
{
    const int shapes[][2] = {{64, 64}, {64, 3}, {1, 1}, {17, 65}, {24, 16}, {7, 9}, {33, 257}};
    rl_rng rng;
    rl_rng_seed(&rng, 17, 0);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int out = shapes[s][0], in = shapes[s][1], ldw = rl_kern_pad(out);
        float *W = malloc(4 * (size_t)out * in), *Wt = malloc(4 * (size_t)in * ldw);
        fill(&rng, W, (size_t)out * in);
        for (size_t k = 0; k < (size_t)in * ldw; k++) Wt[k] = NAN;
        rl_kern_pack_wt(W, out, in, Wt, ldw);
        for (int i = 0; i < in; i++)
            for (int o = 0; o < ldw; o++) {
                float want = o < out ? W[(size_t)o * in + i] : 0.0f,
                      got = Wt[(size_t)i * ldw + o];
                ck_assert_msg(!memcmp(&got, &want, 4), "pack %dx%d: Wt[%d][%d] = %g, want %g", out,
                              in, i, o, got, want);
            }
        free(W);
        free(Wt);
    }
}
END_TEST

/* The whole MLP on each path agrees with the BLAS path. */
START_TEST(mlp_paths_agree)
{
    const int hidden[2] = {63, 17};
    rl_rng rng;
    rl_rng_seed(&rng, 5, 0);
    rl_mlp *ref = rl_mlp_make(9, 2, hidden, 3, RL_ACT_RELU, RL_ACT_TANH);
    ck_assert_ptr_nonnull(ref);
    rl_mlp_init_uniform(ref, &rng);
    ck_assert_int_eq(rl_mlp_set_kernel(ref, RL_KERN_BLAS), RL_OK);
    const int B = 65;
    float x[65 * 9], dy[65 * 3], dx_ref[65 * 9], dx[65 * 9], y_ref[65 * 3];
    fill(&rng, x, sizeof x / 4);
    fill(&rng, dy, sizeof dy / 4);
    memcpy(y_ref, rl_mlp_forward(ref, x, B), sizeof y_ref);
    rl_mlp_zero_grad(ref);
    ck_assert_int_eq(rl_mlp_backward(ref, dy, dx_ref, 1), RL_OK);
    for (int p = RL_KERN_AUTO; p < RL_KERN_BLAS; p++) {
        if (!rl_kern_available((rl_kern_path)p)) continue;
        rl_mlp *m = rl_mlp_clone(ref);
        ck_assert_int_eq(rl_mlp_set_kernel(m, p), RL_OK);
        const float *y = rl_mlp_forward(m, x, B);
        for (int i = 0; i < B * 3; i++) ck_assert_float_eq_tol(y[i], y_ref[i], 1e-5);
        rl_mlp_zero_grad(m);
        ck_assert_int_eq(rl_mlp_backward(m, dy, dx, 1), RL_OK);
        for (int i = 0; i < B * 9; i++) ck_assert_float_eq_tol(dx[i], dx_ref[i], 1e-4);
        for (int i = 0; i < m->n_params; i++)
            ck_assert_msg(fabsf(m->grads[i] - ref->grads[i]) <= 1e-4f * (1 + fabsf(ref->grads[i])),
                          "%s grad %d: %g vs %g", rl_kern_name((rl_kern_path)p), i, m->grads[i],
                          ref->grads[i]);
        rl_mlp_free(m);
    }
    rl_mlp_free(ref);
}
END_TEST

START_TEST(selection)
{
    rl_kern_path p;
    ck_assert_int_eq(rl_kern_parse("avx2", &p), RL_OK);
    ck_assert_int_eq(p, RL_KERN_AVX2);
    ck_assert_int_eq(rl_kern_parse("sse9", &p), RL_EINVAL);
    ck_assert_ptr_nonnull(strstr(rl_last_error(), "portable"));
    ck_assert(rl_kern_available(RL_KERN_PORTABLE));
    ck_assert(rl_kern_available(RL_KERN_BLAS));
    /* A forced path is taken whatever the shape; auto sends small layers to
     * the best ISA and very large ones to BLAS. */
    ck_assert_int_eq(rl_kern_pick(RL_KERN_PORTABLE, 4096, 1024, 1024), RL_KERN_PORTABLE);
    ck_assert_int_eq(rl_kern_pick(RL_KERN_AUTO, 100, 64, 64), rl_kern_best_isa());
    ck_assert_int_eq(rl_kern_pick(RL_KERN_AUTO, 4096, 1024, 1024), RL_KERN_BLAS);
    rl_mlp *m = rl_mlp_make(2, 0, NULL, 1, RL_ACT_NONE, RL_ACT_NONE);
    if (!rl_kern_available(RL_KERN_AVX512))
        ck_assert_int_eq(rl_mlp_set_kernel(m, RL_KERN_AVX512), RL_EINVAL);
    ck_assert_int_eq(rl_mlp_set_kernel(m, 42), RL_EINVAL);
    rl_mlp_free(m);
}
END_TEST

/* RLTOOL_KERNEL forces the process default (each Check test runs in its
 * own process, so this is the first read). */
START_TEST(env_forces_path)
{
    setenv("RLTOOL_KERNEL", "portable", 1);
    ck_assert_int_eq(rl_kern_default(), RL_KERN_PORTABLE);
    rl_mlp *m = rl_mlp_make(3, 0, NULL, 2, RL_ACT_NONE, RL_ACT_NONE);
    ck_assert_int_eq(m->kern, RL_KERN_PORTABLE);
    rl_mlp_free(m);
}
END_TEST

/* An MLP on pools of 1, 2 and 3 threads gives the same bits (outputs,
 * input gradients, parameter gradients), and no pool ever has more threads
 * inside a job than it was made with. */
START_TEST(mlp_threads_bit_identical)
{
    const int hidden[2] = {63, 65}, B = 257;
    rl_rng rng;
    rl_rng_seed(&rng, 9, 0);
    float *x = malloc(4 * B * 17), *dy = malloc(4 * B * 3), *y1 = malloc(4 * B * 3),
          *dx1 = malloc(4 * B * 17), *dx = malloc(4 * B * 17);
    fill(&rng, x, B * 17);
    fill(&rng, dy, B * 3);
    rl_mlp *ref = rl_mlp_make(17, 2, hidden, 3, RL_ACT_RELU, RL_ACT_TANH);
    rl_mlp_init_uniform(ref, &rng);
    for (int p = RL_KERN_PORTABLE; p <= RL_KERN_AVX512; p++) {
        if (!rl_kern_available((rl_kern_path)p)) continue;
        float *g1 = NULL;
        for (int n = 1; n <= 3; n++) {
            rl_pool *pool = rl_pool_make(n);
            rl_pool_force(pool, 1); /* every pass on the pool, however short */
            rl_mlp *m = rl_mlp_clone(ref);
            ck_assert_int_eq(rl_mlp_set_kernel(m, p), RL_OK);
            rl_mlp_set_pool(m, pool);
            rl_mlp_zero_grad(m);
            const float *y = rl_mlp_forward(m, x, B);
            if (n == 1) memcpy(y1, y, 4 * B * 3);
            else ck_assert_msg(!memcmp(y, y1, 4 * B * 3), "%s: forward differs at %d threads",
                               rl_kern_name((rl_kern_path)p), n);
            ck_assert_int_eq(rl_mlp_backward(m, dy, n == 1 ? dx1 : dx, 1), RL_OK);
            if (n == 1) {
                g1 = malloc(4 * (size_t)m->n_params);
                memcpy(g1, m->grads, 4 * (size_t)m->n_params);
            } else {
                ck_assert_msg(!memcmp(dx, dx1, 4 * B * 17), "%s: dX differs at %d threads",
                              rl_kern_name((rl_kern_path)p), n);
                ck_assert_msg(!memcmp(m->grads, g1, 4 * (size_t)m->n_params),
                              "%s: grads differ at %d threads", rl_kern_name((rl_kern_path)p), n);
            }
            long jobs;
            int busy;
            rl_pool_stats(pool, &jobs, &busy);
            ck_assert_int_le(busy, n);
            if (n > 1) ck_assert_int_gt(jobs, 0); /* the pool did take part */
            rl_mlp_free(m);
            rl_pool_free(pool);
        }
        free(g1);
    }
    rl_mlp_free(ref);
    free(x);
    free(dy);
    free(y1);
    free(dx1);
    free(dx);
}
END_TEST

/* Generic OpenBLAS cores on AVX2 / AVX-512 CPUs get the right one; known
 * cores and CPUs without AVX2 are left alone. */
START_TEST(blas_core_fix)
{
    ck_assert_str_eq(rl_kern_blas_fix_for("Prescott", 1, 1), "SkylakeX");
    ck_assert_str_eq(rl_kern_blas_fix_for("NEHALEM", 1, 0), "Haswell");
    ck_assert_str_eq(rl_kern_blas_fix_for("Sandybridge", 1, 0), "Haswell");
    ck_assert_ptr_null(rl_kern_blas_fix_for("Prescott", 0, 0));
    ck_assert_ptr_null(rl_kern_blas_fix_for("SkylakeX", 1, 1));
    ck_assert_ptr_null(rl_kern_blas_fix_for("Zen", 1, 0));
    ck_assert_ptr_null(rl_kern_blas_fix_for(NULL, 1, 1));
    char line[256];
    rl_kern_describe(line, sizeof line);
    ck_assert_ptr_nonnull(strstr(line, rl_kern_blas_core()));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kernels");
    TCase *tc = tcase_create("kernels");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, portable_matches_naive);
    tcase_add_test(tc, avx2_matches_naive);
    tcase_add_test(tc, avx512_matches_naive);
    tcase_add_test(tc, split_invariant);
    tcase_add_test(tc, dot_forward_rows_bitwise);
    tcase_add_test(tc, pack_exact);
    tcase_add_test(tc, tanh_accurate);
    tcase_add_test(tc, mlp_paths_agree);
    tcase_add_test(tc, selection);
    tcase_add_test(tc, env_forces_path);
    tcase_add_test(tc, blas_core_fix);
    tcase_add_test(tc, mlp_threads_bit_identical);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    if (srunner_fork_status(sr) == CK_NOFORK) srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
