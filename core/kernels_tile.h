/* kernels_tile.h: the loop nests of kernels.c, written once and included
 * once per instruction set. The includer defines:
 *   KN(name)        suffixes a function name (name##_avx512, ...)
 *   KTARGET         function attribute selecting the instruction set
 *   VW              floats per vector
 *   vec, vmask      vector and tail-mask types
 *   V_ZERO() V_SET1(x) V_LOADU(p) V_LOADM(p, m) V_STOREM(p, v, m)
 *   V_FMA(a, b, c) (a * b + c)  V_MUL(a, b)  V_SUB(a, b)  V_RELU(v)
 *   V_RELU_MASK(g, y) (g where y > 0, else 0)  V_MASK(n) (first n of VW lanes)
 *   V_STOREU(p, v)  V_HSUM(v) (sum of the lanes)
 *   V_HAS_TANH, V_TANH(v)  (1 and a vector tanh, or 0: libm tanhf afterwards)
 *   V_ADD(a, b)
 *   V_HAS_TSUM, V_TSUM(acc)  (1 and, from VW vectors acc[0..VW-1], the vector
 *                   whose lane r is V_HSUM(acc[r]) with the same additions in
 *                   the same order; or 0)
 * and this file undefines them all at its end.
 * Tiles are MR rows (or MO output features) by NV vectors; MR, NV are
 * constants at every call so the accumulators live in registers. Each
 * element's value does not depend on the tile it falls in (see kernels.h). */

#define KINLINE static inline __attribute__((always_inline)) KTARGET


/* Column block starting `left` columns before the end: up to 4 vectors,
 * the last one masked to what is left. Returns the vector count. */
KINLINE int KN(col_block)(int left, vmask *mlast)
{
    int nv = (left + VW - 1) / VW;
    if (nv > 4) nv = 4;
    int tail = left - (nv - 1) * VW;
    *mlast = V_MASK(tail < VW ? tail : VW);
    return nv;
}

/* ---------------------------------------------------------------- forward */

KINLINE void KN(fwd_tile)(const float *X, int in, const float *Wt, int ldw, const float *b,
                          float *Y, int out, int c0, int MR, int NV, vmask mlast, int act)
{
    vec acc[4][4];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) {
        vec bv = V_LOADM(b + c0 + v * VW, v == NV - 1 ? mlast : V_MASK(VW));
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) acc[r][v] = bv;
    }
    const float *w = Wt + c0;
    for (int i = 0; i < in; i++, w += ldw) {
        vec wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) wv[v] = V_LOADU(w + v * VW);
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            vec xr = V_SET1(X[(size_t)r * in + i]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = V_FMA(xr, wv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            vec y = acc[r][v];
            if (act == RL_ACT_RELU) y = V_RELU(y);
            else if (act == RL_ACT_TANH && V_HAS_TANH) y = V_TANH(y);
            V_STOREM(Y + (size_t)r * out + c0 + v * VW, y, v == NV - 1 ? mlast : V_MASK(VW));
        }
}

KINLINE void KN(fwd_cols)(const float *X, int rows, int in, const float *Wt, int ldw,
                          const float *b, float *Y, int out, int c0, int NV, vmask mlast,
                          int act)
{
    int r = 0;
    for (; r + 4 <= rows; r += 4)
        KN(fwd_tile)(X + (size_t)r * in, in, Wt, ldw, b, Y + (size_t)r * out, out, c0, 4, NV,
                     mlast, act);
    for (; r < rows; r++)
        KN(fwd_tile)(X + (size_t)r * in, in, Wt, ldw, b, Y + (size_t)r * out, out, c0, 1, NV,
                     mlast, act);
}

/* Few outputs (a critic's Q head): dot products along the inputs with one
 * horizontal sum per element, MR rows at a time, from the unpacked W. */
KINLINE void KN(fwd_dot_tile)(const float *X, int in, const float *W, const float *b, float *Y,
                              int out, int o, int MR, int relu)
{
    vec acc[4];
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) acc[r] = V_ZERO();
    const float *w = W + (size_t)o * in;
    for (int i = 0; i < in; i += VW) {
        vmask m = V_MASK(in - i < VW ? in - i : VW);
        vec wv = V_LOADM(w + i, m);
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) acc[r] = V_FMA(V_LOADM(X + (size_t)r * in + i, m), wv, acc[r]);
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++) {
        float y = V_HSUM(acc[r]) + b[o];
        Y[(size_t)r * out + o] = relu && !(y > 0.0f) ? 0.0f : y;
    }
}

#if V_HAS_TSUM
/* VW rows of one output feature: the same per-row sums as fwd_dot_tile,
 * reduced all at once (one transposing add tree instead of VW horizontal
 * sums, which dominated a Q head's forward). */
KINLINE void KN(fwd_dot_tile_vw)(const float *X, int in, const float *W, const float *b,
                                 float *Y, int out, int o, int relu)
{
    vec acc[VW];
#pragma GCC unroll 16
    for (int r = 0; r < VW; r++) acc[r] = V_ZERO();
    const float *w = W + (size_t)o * in;
    for (int i = 0; i < in; i += VW) {
        vmask m = V_MASK(in - i < VW ? in - i : VW);
        vec wv = V_LOADM(w + i, m);
#pragma GCC unroll 16
        for (int r = 0; r < VW; r++) acc[r] = V_FMA(V_LOADM(X + (size_t)r * in + i, m), wv, acc[r]);
    }
    vec y = V_ADD(V_TSUM(acc), V_SET1(b[o]));
    /* max(y, 0) gives +0 for -0 and NaN, as the scalar test in fwd_dot_tile. */
    if (relu) y = V_RELU(y);
    if (out == 1) {
        V_STOREU(Y, y);
        return;
    }
    float t[VW];
    V_STOREU(t, y);
    for (int r = 0; r < VW; r++) Y[(size_t)r * out + o] = t[r];
}
#endif

static KTARGET void KN(forward_dot)(const float *X, int rows, int in, const float *W,
                                    const float *b, int out, int relu, float *Y)
{
    int r = 0;
#if V_HAS_TSUM
    for (; r + VW <= rows; r += VW)
        for (int o = 0; o < out; o++)
            KN(fwd_dot_tile_vw)(X + (size_t)r * in, in, W, b, Y + (size_t)r * out, out, o, relu);
#endif
    for (; r + 4 <= rows; r += 4)
        for (int o = 0; o < out; o++)
            KN(fwd_dot_tile)(X + (size_t)r * in, in, W, b, Y + (size_t)r * out, out, o, 4, relu);
    for (; r < rows; r++)
        for (int o = 0; o < out; o++)
            KN(fwd_dot_tile)(X + (size_t)r * in, in, W, b, Y + (size_t)r * out, out, o, 1, relu);
}

/* tanh over n floats in place: the same per-element function as the tile
 * epilogue, so both forward forms give the same bits. */
static KTARGET void KN(tanh_pass)(float *Y, size_t n)
{
#if V_HAS_TANH
    size_t k = 0;
    for (; k + VW <= n; k += VW) V_STOREU(Y + k, V_TANH(V_LOADU(Y + k)));
    if (k < n) {
        vmask m = V_MASK((int)(n - k));
        V_STOREM(Y + k, V_TANH(V_LOADM(Y + k, m)), m);
    }
#else
    for (size_t k = 0; k < n; k++) Y[k] = tanhf(Y[k]);
#endif
}

static KTARGET void KN(forward)(const float *X, int rows, int in, const float *Wt, int ldw,
                                const float *W, const float *b, int out, rl_act act, float *Y)
{
    if (!Wt) {
        KN(forward_dot)(X, rows, in, W, b, out, act == RL_ACT_RELU, Y);
        if (act == RL_ACT_TANH) KN(tanh_pass)(Y, (size_t)rows * out);
        return;
    }
    for (int c0 = 0; c0 < out; c0 += 4 * VW) {
        vmask m;
        int nv = KN(col_block)(out - c0, &m);
        switch (nv) {
        case 1: KN(fwd_cols)(X, rows, in, Wt, ldw, b, Y, out, c0, 1, m, act); break;
        case 2: KN(fwd_cols)(X, rows, in, Wt, ldw, b, Y, out, c0, 2, m, act); break;
        case 3: KN(fwd_cols)(X, rows, in, Wt, ldw, b, Y, out, c0, 3, m, act); break;
        default: KN(fwd_cols)(X, rows, in, Wt, ldw, b, Y, out, c0, 4, m, act); break;
        }
    }
    if (act == RL_ACT_TANH && !V_HAS_TANH) KN(tanh_pass)(Y, (size_t)rows * out);
}

/* ---------------------------------------------------------------- dX */

KINLINE void KN(dx_tile)(const float *dZ, int out, const float *W, int in, int act,
                         const float *Yin, float *dX, int c0, int MR, int NV, vmask mlast)
{
    vec acc[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[r][v] = V_ZERO();
    const float *w = W + c0;
    for (int o = 0; o < out; o++, w += in) {
        vec wv[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) wv[v] = V_LOADM(w + v * VW, v == NV - 1 ? mlast : V_MASK(VW));
#pragma GCC unroll 4
        for (int r = 0; r < MR; r++) {
            vec g = V_SET1(dZ[(size_t)r * out + o]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[r][v] = V_FMA(g, wv[v], acc[r][v]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) {
            vmask m = v == NV - 1 ? mlast : V_MASK(VW);
            size_t at = (size_t)r * in + c0 + v * VW;
            vec g = acc[r][v];
            if (act == RL_ACT_RELU) {
                g = V_RELU_MASK(g, V_LOADM(Yin + at, m));
            } else if (act == RL_ACT_TANH) {
                vec y = V_LOADM(Yin + at, m);
                g = V_MUL(g, V_SUB(V_SET1(1.0f), V_MUL(y, y)));
            }
            V_STOREM(dX + at, g, m);
        }
}

KINLINE void KN(dx_cols)(const float *dZ, int rows, int out, const float *W, int in, int act,
                         const float *Yin, float *dX, int c0, int NV, vmask mlast)
{
    int r = 0;
    for (; r + 4 <= rows; r += 4)
        KN(dx_tile)(dZ + (size_t)r * out, out, W, in, act, Yin ? Yin + (size_t)r * in : NULL,
                    dX + (size_t)r * in, c0, 4, NV, mlast);
    for (; r < rows; r++)
        KN(dx_tile)(dZ + (size_t)r * out, out, W, in, act, Yin ? Yin + (size_t)r * in : NULL,
                    dX + (size_t)r * in, c0, 1, NV, mlast);
}

static KTARGET void KN(backward_dx)(const float *dZ, int rows, int out, const float *W, int in,
                                    rl_act act, const float *Yin, float *dX)
{
    for (int c0 = 0; c0 < in; c0 += 4 * VW) {
        vmask m;
        int nv = KN(col_block)(in - c0, &m);
        switch (nv) {
        case 1: KN(dx_cols)(dZ, rows, out, W, in, act, Yin, dX, c0, 1, m); break;
        case 2: KN(dx_cols)(dZ, rows, out, W, in, act, Yin, dX, c0, 2, m); break;
        case 3: KN(dx_cols)(dZ, rows, out, W, in, act, Yin, dX, c0, 3, m); break;
        default: KN(dx_cols)(dZ, rows, out, W, in, act, Yin, dX, c0, 4, m); break;
        }
    }
}

/* ---------------------------------------------------------------- dW */

KINLINE void KN(dw_tile)(const float *dZ, int rows, int out, const float *X, int in, float *dW,
                         int o, int c0, int MO, int NV, vmask mlast)
{
    vec acc[4][4];
#pragma GCC unroll 4
    for (int k = 0; k < MO; k++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[k][v] = V_LOADM(dW + (size_t)(o + k) * in + c0 + v * VW,
                                v == NV - 1 ? mlast : V_MASK(VW));
    const float *x = X + c0, *g = dZ + o;
    for (int r = 0; r < rows; r++, x += in, g += out) {
        vec xv[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) xv[v] = V_LOADM(x + v * VW, v == NV - 1 ? mlast : V_MASK(VW));
#pragma GCC unroll 4
        for (int k = 0; k < MO; k++) {
            vec gk = V_SET1(g[k]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[k][v] = V_FMA(gk, xv[v], acc[k][v]);
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < MO; k++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            V_STOREM(dW + (size_t)(o + k) * in + c0 + v * VW, acc[k][v],
                     v == NV - 1 ? mlast : V_MASK(VW));
}

KINLINE void KN(dw_cols)(const float *dZ, int rows, int out, const float *X, int in, float *dW,
                         int o0, int o1, int c0, int NV, vmask mlast)
{
    int o = o0;
    for (; o + 4 <= o1; o += 4) KN(dw_tile)(dZ, rows, out, X, in, dW, o, c0, 4, NV, mlast);
    for (; o < o1; o++) KN(dw_tile)(dZ, rows, out, X, in, dW, o, c0, 1, NV, mlast);
}

/* Few inputs (a first layer): the output features are the vector lanes.
 * Each element still starts from dW and adds dZ[r, o] X[r, i] for r in
 * order with one fused multiply-add per row, so the result is the same bits
 * as the other orientation. MI input columns by NV vectors of features. */
KINLINE void KN(dwt_tile)(const float *dZ, int rows, int out, const float *X, int in, float *dW,
                          int i0, int oc, int on, int MI, int NV, vmask mlast)
{
    float tmp[4][4 * VW];
    vec acc[4][4];
#pragma GCC unroll 4
    for (int k = 0; k < MI; k++) {
        for (int j = 0; j < on; j++) tmp[k][j] = dW[(size_t)(oc + j) * in + i0 + k];
        for (int j = on; j < NV * VW; j++) tmp[k][j] = 0.0f;
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) acc[k][v] = V_LOADU(&tmp[k][v * VW]);
    }
    const float *x = X + i0, *g = dZ + oc;
    for (int r = 0; r < rows; r++, x += in, g += out) {
        vec gv[4];
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) gv[v] = V_LOADM(g + v * VW, v == NV - 1 ? mlast : V_MASK(VW));
#pragma GCC unroll 4
        for (int k = 0; k < MI; k++) {
            vec xk = V_SET1(x[k]);
#pragma GCC unroll 4
            for (int v = 0; v < NV; v++) acc[k][v] = V_FMA(gv[v], xk, acc[k][v]);
        }
    }
#pragma GCC unroll 4
    for (int k = 0; k < MI; k++) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++) V_STOREU(&tmp[k][v * VW], acc[k][v]);
        for (int j = 0; j < on; j++) dW[(size_t)(oc + j) * in + i0 + k] = tmp[k][j];
    }
}

KINLINE void KN(dwt_rows)(const float *dZ, int rows, int out, const float *X, int in, float *dW,
                          int oc, int on, int NV, vmask mlast)
{
    int i = 0;
    for (; i + 4 <= in; i += 4) KN(dwt_tile)(dZ, rows, out, X, in, dW, i, oc, on, 4, NV, mlast);
    for (; i < in; i++) KN(dwt_tile)(dZ, rows, out, X, in, dW, i, oc, on, 1, NV, mlast);
}

static KTARGET void KN(backward_dwt)(const float *dZ, int rows, int out, const float *X, int in,
                                     float *dW, int o0, int o1)
{
    for (int oc = o0; oc < o1; oc += 4 * VW) {
        vmask m;
        int left = o1 - oc, nv = KN(col_block)(left, &m), on = left < 4 * VW ? left : 4 * VW;
        switch (nv) {
        case 1: KN(dwt_rows)(dZ, rows, out, X, in, dW, oc, on, 1, m); break;
        case 2: KN(dwt_rows)(dZ, rows, out, X, in, dW, oc, on, 2, m); break;
        case 3: KN(dwt_rows)(dZ, rows, out, X, in, dW, oc, on, 3, m); break;
        default: KN(dwt_rows)(dZ, rows, out, X, in, dW, oc, on, 4, m); break;
        }
    }
}

/* db[oc .. oc + NV VW) += sum_r dZ[r, .], rows in order. */
KINLINE void KN(db_cols)(const float *dZ, int rows, int out, float *db, int oc, int NV,
                         vmask mlast)
{
    vec acc[4];
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) acc[v] = V_LOADM(db + oc + v * VW, v == NV - 1 ? mlast : V_MASK(VW));
    const float *g = dZ + oc;
    for (int r = 0; r < rows; r++, g += out)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[v] = V_ADD(acc[v], V_LOADM(g + v * VW, v == NV - 1 ? mlast : V_MASK(VW)));
#pragma GCC unroll 4
    for (int v = 0; v < NV; v++) V_STOREM(db + oc + v * VW, acc[v], v == NV - 1 ? mlast : V_MASK(VW));
}

static KTARGET void KN(backward_dw)(const float *dZ, int rows, int out, const float *X, int in,
                                    float *dW, float *db, int o0, int o1)
{
    if (in < VW)
        KN(backward_dwt)(dZ, rows, out, X, in, dW, o0, o1);
    for (int c0 = 0; in >= VW && c0 < in; c0 += 4 * VW) {
        vmask m;
        int nv = KN(col_block)(in - c0, &m);
        switch (nv) {
        case 1: KN(dw_cols)(dZ, rows, out, X, in, dW, o0, o1, c0, 1, m); break;
        case 2: KN(dw_cols)(dZ, rows, out, X, in, dW, o0, o1, c0, 2, m); break;
        case 3: KN(dw_cols)(dZ, rows, out, X, in, dW, o0, o1, c0, 3, m); break;
        default: KN(dw_cols)(dZ, rows, out, X, in, dW, o0, o1, c0, 4, m); break;
        }
    }
    /* Bias: column sums, rows in order for every feature, features as the
     * vector lanes (a scalar loop here was half of a 64-wide layer's dW). */
    for (int oc = o0; oc < o1; oc += 4 * VW) {
        vmask m;
        int nv = KN(col_block)(o1 - oc, &m);
        switch (nv) {
        case 1: KN(db_cols)(dZ, rows, out, db, oc, 1, m); break;
        case 2: KN(db_cols)(dZ, rows, out, db, oc, 2, m); break;
        case 3: KN(db_cols)(dZ, rows, out, db, oc, 3, m); break;
        default: KN(db_cols)(dZ, rows, out, db, oc, 4, m); break;
        }
    }
}

#undef KINLINE
#undef KN
#undef KTARGET
#undef VW
#undef vec
#undef vmask
#undef V_ZERO
#undef V_SET1
#undef V_LOADU
#undef V_LOADM
#undef V_STOREM
#undef V_FMA
#undef V_MUL
#undef V_SUB
#undef V_RELU
#undef V_RELU_MASK
#undef V_MASK
#undef V_STOREU
#undef V_HSUM
#undef V_HAS_TANH
#undef V_TANH
#undef V_ADD
#undef V_HAS_TSUM
#undef V_TSUM
