/* Flat-parameter MLPs whose dense layers are single passes over the batch
 * (own kernels or cblas_sgemm). See nn.h for the parameter layout. */
#include "core/nn.h"
#include "core/kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* LAPACK from OpenBLAS (Fortran calling convention); declared here so that
 * liblapacke-dev is not needed. */
void sgeqrf_(const int *m, const int *n, float *a, const int *lda, float *tau, float *work,
             const int *lwork, int *info);
void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda,
             const float *tau, float *work, const int *lwork, int *info);

static rl_act layer_act(const rl_mlp *m, int l)
{
    return l == m->n_layers - 1 ? m->out_act : m->hidden_act;
}

rl_mlp *rl_mlp_make(int in, int n_hidden, const int *hidden, int out, rl_act hidden_act,
                    rl_act out_act)
{
    if (in <= 0 || out <= 0 || n_hidden < 0 || (n_hidden > 0 && !hidden)) {
        rl_error(RL_EINVAL, "mlp: bad shape in=%d n_hidden=%d out=%d (need in, out > 0)",
                 in, n_hidden, out);
        return NULL;
    }
    long long total = 0;
    int prev = in;
    for (int i = 0; i <= n_hidden; i++) {
        int w = i < n_hidden ? hidden[i] : out;
        if (w <= 0) {
            rl_error(RL_EINVAL, "mlp: hidden width %d at index %d must be > 0", w, i);
            return NULL;
        }
        total += (long long)prev * w + w;
        prev = w;
    }
    if (total > (1LL << 30)) {
        rl_error(RL_EINVAL, "mlp: %lld parameters is more than the 2^30 supported", total);
        return NULL;
    }
    rl_mlp *m = calloc(1, sizeof *m);
    if (!m) goto oom;
    m->in = in;
    m->out = out;
    m->n_layers = n_hidden + 1;
    m->n_params = (int)total;
    m->hidden_act = hidden_act;
    m->out_act = out_act;
    m->kern = rl_kern_default();
    m->sizes = malloc(sizeof(int) * (size_t)(m->n_layers + 1));
    m->w_off = malloc(sizeof(int) * (size_t)m->n_layers);
    m->b_off = malloc(sizeof(int) * (size_t)m->n_layers);
    m->wt_off = malloc(sizeof(int) * (size_t)m->n_layers);
    m->path = calloc((size_t)m->n_layers, sizeof(int));
    m->use_wt = calloc((size_t)m->n_layers, sizeof(int));
    m->chunks = calloc((size_t)m->n_layers, sizeof(int));
    m->acts = calloc((size_t)m->n_layers + 1, sizeof(float *));
    m->dzs = calloc((size_t)m->n_layers, sizeof(float *));
    m->params = calloc((size_t)total, sizeof(float));
    m->grads = calloc((size_t)total, sizeof(float));
    if (!m->sizes || !m->w_off || !m->b_off || !m->wt_off || !m->path || !m->use_wt ||
        !m->chunks || !m->acts || !m->dzs || !m->params || !m->grads)
        goto oom;
    m->sizes[0] = in;
    for (int i = 0; i < n_hidden; i++) m->sizes[i + 1] = hidden[i];
    m->sizes[m->n_layers] = out;
    int off = 0;
    size_t wt_total = 0;
    for (int l = 0; l < m->n_layers; l++) {
        m->w_off[l] = off;
        off += m->sizes[l] * m->sizes[l + 1];
        m->b_off[l] = off;
        off += m->sizes[l + 1];
        m->wt_off[l] = (int)wt_total;
        wt_total += (size_t)m->sizes[l] * (size_t)rl_kern_pad(m->sizes[l + 1]);
    }
    if (!(m->wt = malloc(sizeof(float) * wt_total))) goto oom;
    return m;
oom:
    rl_mlp_free(m);
    rl_error(RL_ENOMEM, "mlp: out of memory for %lld parameters", total);
    return NULL;
}

void rl_mlp_free(rl_mlp *m)
{
    if (!m) return;
    free(m->sizes);
    free(m->w_off);
    free(m->b_off);
    free(m->wt_off);
    free(m->wt);
    free(m->path);
    free(m->use_wt);
    free(m->chunks);
    free(m->acts);
    free(m->dzs);
    free(m->params);
    free(m->grads);
    free(m->ws);
    free(m);
}

rl_mlp *rl_mlp_clone(const rl_mlp *m)
{
    rl_mlp *c = rl_mlp_make(m->in, m->n_layers - 1, m->sizes + 1, m->out, m->hidden_act,
                            m->out_act);
    if (c) {
        memcpy(c->params, m->params, sizeof(float) * (size_t)m->n_params);
        c->kern = m->kern;
    }
    return c;
}

int rl_mlp_same_shape(const rl_mlp *a, const rl_mlp *b)
{
    if (a->n_layers != b->n_layers || a->hidden_act != b->hidden_act ||
        a->out_act != b->out_act)
        return 0;
    for (int l = 0; l <= a->n_layers; l++)
        if (a->sizes[l] != b->sizes[l]) return 0;
    return 1;
}

int rl_mlp_copy_params(rl_mlp *dst, const rl_mlp *src)
{
    if (!rl_mlp_same_shape(dst, src))
        return rl_error(RL_EINVAL, "mlp: copy between different shapes (%d vs %d params)",
                        dst->n_params, src->n_params);
    memcpy(dst->params, src->params, sizeof(float) * (size_t)src->n_params);
    return RL_OK;
}

int rl_mlp_layer_view(rl_mlp *m, int l, rl_mlp_layer *v)
{
    if (l < 0 || l >= m->n_layers)
        return rl_error(RL_EINVAL, "mlp: layer %d out of range [0, %d)", l, m->n_layers);
    v->in = m->sizes[l];
    v->out = m->sizes[l + 1];
    v->act = layer_act(m, l);
    v->W = m->params + m->w_off[l];
    v->b = m->params + m->b_off[l];
    v->dW = m->grads + m->w_off[l];
    v->db = m->grads + m->b_off[l];
    return RL_OK;
}

void rl_mlp_set_pool(rl_mlp *m, rl_pool *pool) { m->pool = pool; }

int rl_mlp_set_kernel(rl_mlp *m, int path)
{
    if (path < RL_KERN_AUTO || path > RL_KERN_BLAS || !rl_kern_available((rl_kern_path)path))
        return rl_error(RL_EINVAL, "mlp: kernel path %d (%s) is not available on this CPU",
                        path, rl_kern_name((rl_kern_path)path));
    m->kern = path;
    return RL_OK;
}

void rl_mlp_zero_grad(rl_mlp *m)
{
    memset(m->grads, 0, sizeof(float) * (size_t)m->n_params);
}

int rl_mlp_keep_rows(rl_mlp *m, int rows)
{
    /* Activations are (batch, width) row-major: the first rows of every
     * layer are a cached pass of their own. */
    if (rows <= 0 || rows > m->batch)
        return rl_error(RL_EINVAL, "mlp: cannot keep %d rows of a cached pass of %d", rows,
                        m->batch);
    m->batch = rows;
    return RL_OK;
}

int rl_mlp_keep_row_set(rl_mlp *m, const int *rows, int n)
{
    if (n <= 0 || n > m->batch)
        return rl_error(RL_EINVAL, "mlp: cannot keep %d rows of a cached pass of %d", n, m->batch);
    for (int j = 0; j < n; j++)
        if (rows[j] < (j ? rows[j - 1] + 1 : 0) || rows[j] >= m->batch)
            return rl_error(RL_EINVAL, "mlp: kept row %d (%d) must be in [0, %d) and above the "
                            "one before", j, rows[j], m->batch);
    /* rows[j] >= j, so moving each kept row down in order never overwrites
     * a row still to be moved. */
    for (int l = 0; l <= m->n_layers; l++) {
        size_t w = (size_t)m->sizes[l];
        for (int j = 0; j < n; j++)
            if (rows[j] != j) memcpy(m->acts[l] + j * w, m->acts[l] + (size_t)rows[j] * w,
                                     sizeof(float) * w);
    }
    m->batch = n;
    return RL_OK;
}

double rl_mlp_forward_flops(const rl_mlp *m, int batch)
{
    double f = 0;
    for (int l = 0; l < m->n_layers; l++) f += 2.0 * batch * m->sizes[l] * m->sizes[l + 1];
    return f;
}

/* ---------------------------------------------------------------- init */

void rl_mlp_init_uniform(rl_mlp *m, rl_rng *rng)
{
    for (int l = 0; l < m->n_layers; l++) {
        int in = m->sizes[l], out = m->sizes[l + 1];
        double bound = 1.0 / sqrt((double)in);
        float *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
        for (int i = 0; i < out * in; i++) W[i] = (float)rl_rng_range(rng, -bound, bound);
        for (int i = 0; i < out; i++) b[i] = (float)rl_rng_range(rng, -bound, bound);
    }
}

/* Fill W (out, in) with gain * a random matrix with orthonormal rows or
 * columns (whichever is the smaller set). */
static int orthogonal_fill(float *W, int out, int in, float gain, rl_rng *rng)
{
    /* QR needs a tall matrix: factor the (rows >= cols) orientation. */
    int rows = out >= in ? out : in, cols = out >= in ? in : out;
    int lda = rows, info = 0, lwork = -1;
    float wq = 0;
    float *a = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
    float *tau = malloc(sizeof(float) * (size_t)cols);
    float *sign = malloc(sizeof(float) * (size_t)cols);
    float *work = NULL;
    int rc = RL_ENOMEM;
    if (!a || !tau || !sign) goto done;
    for (long long i = 0; i < (long long)rows * cols; i++) a[i] = (float)rl_rng_normal(rng);
    sgeqrf_(&rows, &cols, a, &lda, tau, &wq, &lwork, &info); /* workspace query */
    lwork = (int)wq > cols ? (int)wq : cols;
    work = malloc(sizeof(float) * (size_t)lwork);
    if (!work) goto done;
    sgeqrf_(&rows, &cols, a, &lda, tau, work, &lwork, &info);
    if (info != 0) {
        rc = rl_error(RL_EINVAL, "mlp: sgeqrf failed (info %d)", info);
        goto done;
    }
    /* a is column-major: R's diagonal sits at a[j + j*rows]. */
    for (int j = 0; j < cols; j++) sign[j] = a[j + (size_t)j * rows] < 0 ? -1.0f : 1.0f;
    sorgqr_(&rows, &cols, &cols, a, &lda, tau, work, &lwork, &info);
    if (info != 0) {
        rc = rl_error(RL_EINVAL, "mlp: sorgqr failed (info %d)", info);
        goto done;
    }
    for (int o = 0; o < out; o++)
        for (int i = 0; i < in; i++) {
            /* Q is (rows, cols) column-major; W = Q or Q^T. */
            int r = out >= in ? o : i, c = out >= in ? i : o;
            W[(size_t)o * in + i] = gain * sign[c] * a[r + (size_t)c * rows];
        }
    rc = RL_OK;
done:
    if (rc == RL_ENOMEM) rl_error(RL_ENOMEM, "mlp: out of memory in orthogonal init");
    free(a);
    free(tau);
    free(sign);
    free(work);
    return rc;
}

int rl_mlp_init_orthogonal(rl_mlp *m, rl_rng *rng, float hidden_gain, float out_gain)
{
    for (int l = 0; l < m->n_layers; l++) {
        float gain = l == m->n_layers - 1 ? out_gain : hidden_gain;
        int rc = orthogonal_fill(m->params + m->w_off[l], m->sizes[l + 1], m->sizes[l], gain,
                                 rng);
        if (rc) return rc;
        memset(m->params + m->b_off[l], 0, sizeof(float) * (size_t)m->sizes[l + 1]);
    }
    return RL_OK;
}

/* ---------------------------------------------------------------- activations */

/* The elementwise loops below run in blocks of VBLK with a fixed inner trip
 * count and restrict pointers: at -O2 GCC only vectorizes such loops, and a
 * scalar relu on random signs is dominated by branch mispredictions (it cost
 * more than the sgemm calls at 256 wide). */
#define VBLK 8

/* y (rows, cols) = act(y + b) for every row; y and b do not overlap. */
static void bias_act(rl_act act, float *restrict y, const float *restrict b, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        float *restrict row = y + (size_t)r * cols;
        int j = 0;
        switch (act) {
        case RL_ACT_RELU:
            for (; j + VBLK <= cols; j += VBLK)
                for (int k = 0; k < VBLK; k++) {
                    float v = row[j + k] + b[j + k];
                    row[j + k] = v > 0.0f ? v : 0.0f;
                }
            for (; j < cols; j++) {
                float v = row[j] + b[j];
                row[j] = v > 0.0f ? v : 0.0f;
            }
            break;
        case RL_ACT_TANH:
            for (; j < cols; j++) row[j] = tanhf(row[j] + b[j]);
            break;
        case RL_ACT_NONE:
            for (; j + VBLK <= cols; j += VBLK)
                for (int k = 0; k < VBLK; k++) row[j + k] += b[j + k];
            for (; j < cols; j++) row[j] += b[j];
            break;
        }
    }
}

/* g = g * act'(.) in place, from the activated output y (g and y distinct). */
static void act_grad_inplace(rl_act act, const float *restrict y, float *restrict g, int n)
{
    int i = 0;
    switch (act) {
    case RL_ACT_RELU:
        /* relu'(z) from y = relu(z): y > 0 exactly when z > 0. */
        for (; i + VBLK <= n; i += VBLK)
            for (int k = 0; k < VBLK; k++) {
                float v = g[i + k];
                g[i + k] = y[i + k] > 0.0f ? v : 0.0f;
            }
        for (; i < n; i++) {
            float v = g[i];
            g[i] = y[i] > 0.0f ? v : 0.0f;
        }
        break;
    case RL_ACT_TANH:
        for (; i < n; i++) g[i] *= 1.0f - y[i] * y[i];
        break;
    case RL_ACT_NONE:
        break;
    }
}

/* db (cols) += column sums of dz (rows, cols). */
static void col_sums(const float *restrict dz, float *restrict db, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        const float *restrict row = dz + (size_t)r * cols;
        int j = 0;
        for (; j + VBLK <= cols; j += VBLK)
            for (int k = 0; k < VBLK; k++) db[j + k] += row[j + k];
        for (; j < cols; j++) db[j] += row[j];
    }
}

void rl_act_apply(rl_act act, float *x, int n)
{
    for (int i = 0; i < n; i++) {
        if (act == RL_ACT_RELU) x[i] = x[i] > 0 ? x[i] : 0;
        else if (act == RL_ACT_TANH) x[i] = tanhf(x[i]);
    }
}

void rl_act_backward(rl_act act, const float *y, const float *dy, float *dz, int n)
{
    if (dz != dy) memcpy(dz, dy, sizeof(float) * (size_t)n);
    act_grad_inplace(act, y, dz, n);
}

/* ---------------------------------------------------------------- forward / backward */

/* Pass structure. A pass is one job in phases (rl_pool_run_phases), on
 * the pool or on the calling thread:
 *   forward:  [pack W_l^T, one layer a chunk]
 *             [rows through every layer]
 *   backward: [rows back through every layer: dZ of each layer, dX]
 *             [dW, db of every layer, by output features]
 * Rows are independent in the forward pass and in the dX chain
 * (dX_r = dZ_r W), so neither needs a barrier between layers; dW of a
 * feature sums over all rows, hence the second phase. Chunk k of a phase
 * always covers the same rows or features, and every element is computed
 * by the same operations whatever the split (kernels.h), so the chunking,
 * the thread count and the serial / pool choice never change a bit. A
 * layer on the BLAS path (one sgemm over all rows) keeps the whole pass on
 * one thread in one row chunk. */
typedef struct {
    rl_mlp *m;
    int rows, row_chunks;
    const float *x;   /* forward: (rows, in) input */
    const float *dy;  /* backward: (rows, out) */
    float *dx;        /* backward: (rows, in) or NULL */
} pass_job;

/* Rows per chunk are multiples of 4 (the kernels' row tile); a chunk
 * should be worth ~2^15 multiply-adds (a claim costs ~0.1 us), and up to
 * 4 per thread let a thread that starts late take fewer. */
#define CHUNK_MACS (1 << 15)
#define CHUNKS_PER_THREAD 4

static void part(int total, int t, int n, int align, int *lo, int *hi)
{
    int units = (total + align - 1) / align;
    *lo = (int)((long long)units * t / n) * align;
    *hi = (int)((long long)units * (t + 1) / n) * align;
    if (*lo > total) *lo = total;
    if (*hi > total || t == n - 1) *hi = total;
}

/* Chunks for `work` multiply-adds on n threads, at most `units`. */
static int n_chunks(double work, int n, int units)
{
    if (n <= 1) return 1;
    double c = work / CHUNK_MACS;
    int k = c < 1 ? 1 : c > n * CHUNKS_PER_THREAD ? n * CHUNKS_PER_THREAD : (int)c;
    return k < units ? k : units > 0 ? units : 1;
}

/* Chunk k of a phase whose layers have m->chunks[l] chunks each, layers in
 * order: its layer, and its index there. */
static int chunk_layer(const rl_mlp *m, int k, int *sub)
{
    int l = 0;
    while (k >= m->chunks[l]) k -= m->chunks[l++];
    *sub = k;
    return l;
}

static int all_own_kernels(const rl_mlp *m)
{
    for (int l = 0; l < m->n_layers; l++)
        if (m->path[l] == RL_KERN_BLAS) return 0;
    return 1;
}

/* Layer l forward on rows [r0, r1). */
static void layer_forward(rl_mlp *m, int l, int r0, int r1)
{
    int in = m->sizes[l], out = m->sizes[l + 1], n = r1 - r0;
    const float *W = m->params + m->w_off[l], *b = m->params + m->b_off[l];
    const float *x = m->acts[l] + (size_t)r0 * in;
    float *y = m->acts[l + 1] + (size_t)r0 * out;
    if (m->path[l] != RL_KERN_BLAS) {
        rl_kern_forward((rl_kern_path)m->path[l], x, n, in,
                        m->use_wt[l] ? m->wt + m->wt_off[l] : NULL, rl_kern_pad(out), W, b, out,
                        layer_act(m, l), y);
        return;
    }
    /* Y = X W^T in one sgemm (beta 0 lets OpenBLAS use its small-matrix
     * kernels), then bias and activation in one pass over Y. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, out, in, 1.0f, x, in, W, in, 0.0f,
                y, out);
    bias_act(layer_act(m, l), y, b, n, out);
}

static void forward_chunk(void *p, int phase, int k)
{
    pass_job *j = p;
    rl_mlp *m = j->m;
    if (phase == 0) {
        int sub, l = chunk_layer(m, k, &sub), out = m->sizes[l + 1];
        rl_kern_pack_wt(m->params + m->w_off[l], out, m->sizes[l], m->wt + m->wt_off[l],
                        rl_kern_pad(out));
        return;
    }
    int r0, r1;
    part(j->rows, k, j->row_chunks, 4, &r0, &r1);
    if (r1 <= r0) return;
    /* Copy the input: backward needs it and the caller may reuse its buffer. */
    memcpy(m->acts[0] + (size_t)r0 * m->in, j->x + (size_t)r0 * m->in,
           sizeof(float) * (size_t)(r1 - r0) * m->in);
    for (int l = 0; l < m->n_layers; l++) layer_forward(m, l, r0, r1);
}

/* Layer l's dX (into dzs[l-1] with the previous activation's derivative,
 * or into dx for l = 0) on rows [r0, r1). */
static void layer_dx(rl_mlp *m, int l, int r0, int r1, float *target)
{
    int in = m->sizes[l], out = m->sizes[l + 1], n = r1 - r0;
    const float *W = m->params + m->w_off[l], *dz = m->dzs[l] + (size_t)r0 * out;
    const float *yin = m->acts[l] + (size_t)r0 * in;
    rl_act act = l > 0 ? layer_act(m, l - 1) : RL_ACT_NONE;
    target += (size_t)r0 * in;
    if (m->path[l] != RL_KERN_BLAS) {
        rl_kern_backward_dx((rl_kern_path)m->path[l], dz, n, out, W, in, act, yin, target);
        return;
    }
    /* dX (n, in) = dZ (n, out) W (out, in) */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, in, out, 1.0f, dz, out, W, in,
                0.0f, target, in);
    act_grad_inplace(act, yin, target, n * in);
}

static void backward_chunk(void *p, int phase, int k)
{
    pass_job *j = p;
    rl_mlp *m = j->m;
    int L = m->n_layers;
    if (phase == 0) {
        int r0, r1, out = m->out;
        part(j->rows, k, j->row_chunks, 4, &r0, &r1);
        if (r1 <= r0) return;
        rl_act_backward(layer_act(m, L - 1), m->acts[L] + (size_t)r0 * out,
                        j->dy + (size_t)r0 * out, m->dzs[L - 1] + (size_t)r0 * out,
                        (r1 - r0) * out);
        for (int l = L - 1; l >= 0; l--) {
            float *target = l > 0 ? m->dzs[l - 1] : j->dx;
            if (target) layer_dx(m, l, r0, r1, target);
        }
        return;
    }
    /* dW (out, in) += dZ^T X and db += column sums of dZ, rows in order. */
    int sub, l = chunk_layer(m, k, &sub), in = m->sizes[l], out = m->sizes[l + 1];
    float *dW = m->grads + m->w_off[l], *db = m->grads + m->b_off[l];
    if (m->path[l] != RL_KERN_BLAS) {
        int o0, o1;
        part(out, sub, m->chunks[l], 1, &o0, &o1);
        rl_kern_backward_dw((rl_kern_path)m->path[l], m->dzs[l], j->rows, out, m->acts[l], in,
                            dW, db, o0, o1);
        return;
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, out, in, j->rows, 1.0f, m->dzs[l], out,
                m->acts[l], in, 1.0f, dW, in);
    col_sums(m->dzs[l], db, j->rows, out);
}

/* A pass's kind: direction and flags (low 3 bits) and its batch rounded
 * up to a power of two, so that passes over a row count that changes
 * every update (a critic back-propagating only the rows where it is the
 * min) share one measurement instead of taking a new slot each time. */
static int pass_key(int batch, int flags)
{
    int cls = 1;
    while (cls < batch && cls < (1 << 26)) cls <<= 1;
    return cls << 3 | flags;
}

/* The measured serial / pool choice for this kind of pass (key > 0). A
 * network sees a few kinds (SAC's actor: forward on 512 rows, backward on
 * 256, acting on 1), so each kind keeps its own slot; only a ninth kind
 * takes one over (round robin). A hashed slot let two kinds that collide
 * reset each other's measurements on every pass and so never pool. */
static rl_pool_choice *pass_choice(rl_mlp *m, int key)
{
    enum { SLOTS = sizeof m->choice_key / sizeof m->choice_key[0] };
    int slot = 0;
    while (slot < SLOTS && m->choice_key[slot] && m->choice_key[slot] != key) slot++;
    if (slot == SLOTS) slot = m->choice_evict++ % SLOTS;
    if (m->choice_key[slot] != key) {
        m->choice_key[slot] = key;
        memset(&m->choice[slot], 0, sizeof m->choice[slot]);
        /* A hand-off costs ~1 us on an idle machine: shorter passes stay. */
        m->choice[slot].min_ns = 4000.0;
    }
    return &m->choice[slot];
}

/* One allocation holds every layer's activations and gradients dZ; it
 * only grows, so steady-state training never allocates. */
static int reserve(rl_mlp *m, int batch)
{
    if (batch <= m->cap_batch) return RL_OK;
    int cap = batch > 2 * m->cap_batch ? batch : 2 * m->cap_batch;
    size_t per_row = 0;
    for (int l = 0; l <= m->n_layers; l++) per_row += (size_t)m->sizes[l] * (l > 0 ? 2 : 1);
    float *ws = malloc(sizeof(float) * per_row * (size_t)cap);
    if (!ws) return rl_error(RL_ENOMEM, "mlp: out of memory for a batch of %d", batch);
    free(m->ws);
    m->ws = ws;
    m->cap_batch = cap;
    m->batch = 0; /* the cached pass is gone */
    float *p = ws;
    for (int l = 0; l <= m->n_layers; l++) {
        m->acts[l] = p;
        p += (size_t)cap * m->sizes[l];
    }
    for (int l = 0; l < m->n_layers; l++) {
        m->dzs[l] = p;
        p += (size_t)cap * m->sizes[l + 1];
    }
    return RL_OK;
}

/* Start a pass of this kind: threads to use (1: the calling thread), and
 * the choice to end after it (NULL when there was nothing to choose). */
static int pass_begin(rl_mlp *m, int key, rl_pool_choice **choice)
{
    *choice = NULL;
    if (rl_pool_size(m->pool) <= 1 || !all_own_kernels(m)) return 1;
    *choice = pass_choice(m, key);
    return rl_pool_choice_begin(m->pool, *choice) ? rl_pool_size(m->pool) : 1;
}

static void pass_run(rl_mlp *m, int n, rl_pool_phase_fn fn, pass_job *j, const int *counts,
                     rl_pool_choice *choice)
{
    rl_pool_run_phases(n > 1 ? m->pool : NULL, fn, j, 2, counts);
    if (choice) rl_pool_choice_end(choice);
}

const float *rl_mlp_forward(rl_mlp *m, const float *x, int batch)
{
    if (batch <= 0) {
        rl_error(RL_EINVAL, "mlp: batch %d must be > 0", batch);
        return NULL;
    }
    if (reserve(m, batch)) return NULL;
    double macs = 0;
    for (int l = 0; l < m->n_layers; l++) {
        int in = m->sizes[l], out = m->sizes[l + 1];
        rl_kern_path path = rl_kern_pick((rl_kern_path)m->kern, batch, in, out);
        m->path[l] = path;
        /* Transposed weights make the output features the vector lanes;
         * packing costs in*out, the product batch*in*out. The choice is
         * made from the whole batch (the two forms round differently). */
        m->use_wt[l] = path != RL_KERN_BLAS && rl_kern_wants_wt(path, batch, out);
        macs += (double)in * out;
    }
    rl_pool_choice *choice;
    int n = pass_begin(m, pass_key(batch, 0), &choice);
    pass_job j = {.m = m, .rows = batch, .x = x};
    j.row_chunks = all_own_kernels(m) ? n_chunks(macs * batch, n, (batch + 3) / 4) : 1;
    int counts[2] = {0, j.row_chunks};
    for (int l = 0; l < m->n_layers; l++) {
        /* One chunk a layer: a 256 x 256 W^T packs in ~10 us. */
        m->chunks[l] = m->use_wt[l];
        counts[0] += m->chunks[l];
    }
    pass_run(m, n, forward_chunk, &j, counts, choice);
    m->batch = batch;
    return m->acts[m->n_layers];
}

int rl_mlp_backward(rl_mlp *m, const float *dy, float *dx, int param_grads)
{
    int batch = m->batch, L = m->n_layers;
    if (batch <= 0) return rl_error(RL_ESTATE, "mlp: backward without a forward pass");
    if (!dx && !param_grads) return RL_OK;
    double macs = 0;
    for (int l = dx ? 0 : 1; l < L; l++) macs += (double)m->sizes[l] * m->sizes[l + 1];
    rl_pool_choice *choice;
    int n = pass_begin(m, pass_key(batch, 4 | (param_grads ? 2 : 0) | (dx ? 1 : 0)), &choice);
    pass_job j = {.m = m, .rows = batch, .dy = dy, .dx = dx};
    j.row_chunks = all_own_kernels(m) ? n_chunks(macs * batch, n, (batch + 3) / 4) : 1;
    int counts[2] = {j.row_chunks, 0};
    for (int l = 0; param_grads && l < L; l++) {
        int in = m->sizes[l], out = m->sizes[l + 1];
        /* Fewer inputs than a vector's lanes take the slower transposed
         * dW loop (about 3x the time a multiply-add). */
        double work = (double)batch * in * out * (in < 16 ? 3 : 1);
        m->chunks[l] = m->path[l] == RL_KERN_BLAS ? 1 : n_chunks(work, n, out);
        counts[1] += m->chunks[l];
    }
    pass_run(m, n, backward_chunk, &j, counts, choice);
    return RL_OK;
}

/* ---------------------------------------------------------------- checkpoints */

int rl_mlp_save(const rl_mlp *m, rl_ckpt *ck, const char *name)
{
    return rl_ckpt_put(ck, name, RL_F32, m->params, m->n_params);
}

int rl_mlp_load(rl_mlp *m, const rl_ckpt *ck, const char *name)
{
    const float *p = rl_ckpt_get(ck, name, RL_F32, m->n_params, NULL);
    if (!p) return rl_last_code();
    memcpy(m->params, p, sizeof(float) * (size_t)m->n_params);
    return RL_OK;
}

/* ---------------------------------------------------------------- losses */

float rl_loss_mse(const float *pred, const float *target, int n, float *dpred)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i];
        sum += d * d;
        if (dpred) dpred[i] = (float)(2.0 * d / n);
    }
    return n > 0 ? (float)(sum / n) : 0.0f;
}

float rl_loss_huber(const float *pred, const float *target, int n, float delta, float *dpred)
{
    double sum = 0;
    for (int i = 0; i < n; i++) {
        double d = (double)pred[i] - target[i], ad = fabs(d);
        sum += ad <= delta ? 0.5 * d * d : delta * (ad - 0.5 * delta);
        if (dpred) dpred[i] = (float)((ad <= delta ? d : (d > 0 ? delta : -delta)) / n);
    }
    return n > 0 ? (float)(sum / n) : 0.0f;
}
