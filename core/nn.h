/* nn.h (internal): flat-parameter multilayer perceptrons on BLAS.
 *
 * All weights and biases of a network live in one contiguous float array
 * (`params`), their gradients in another of the same length (`grads`), so an
 * optimizer, an allreduce or a checkpoint handles a network as one vector.
 * Layout per layer l, in order: W_l (out_l, in_l) row-major as in PyTorch,
 * then b_l (out_l).
 *
 * Each dense layer runs through the own kernels of core/kernels.h or, for
 * large shapes, cblas_sgemm (rl_kern_pick decides per layer). The forward
 * pass caches each layer's activated output for the next backward; a second
 * forward overwrites that cache.
 *
 * With a pool (rl_mlp_set_pool) a whole pass is one pool job, not one per
 * layer: the forward takes rows through every layer; the backward takes
 * rows back through every layer (dX of a row needs only that row's dZ) and
 * then splits dW and db of every layer over output features. Whether a
 * pass of a given shape goes to the pool or stays on the calling thread is
 * measured as it runs (rl_pool_choice), so a busy machine does not make two
 * threads slower than one. Results are the same bits either way.
 */
#ifndef RL_CORE_NN_H
#define RL_CORE_NN_H

#include "rltool.h"
#include "core/threadpool.h"

typedef enum { RL_ACT_NONE, RL_ACT_RELU, RL_ACT_TANH } rl_act;

typedef struct rl_mlp {
    /* Public, read-only shape. */
    int in, out;
    int n_layers;      /* dense layers: hidden count + 1 */
    int n_params;
    float *params;     /* (n_params) */
    float *grads;      /* (n_params) */

    /* Private. */
    int *sizes;        /* (n_layers + 1): in, hidden..., out */
    int *w_off;        /* (n_layers) offset of W_l in params */
    int *b_off;        /* (n_layers) offset of b_l in params */
    rl_act hidden_act, out_act;
    int cap_batch;     /* workspace capacity in rows */
    int batch;         /* rows of the cached forward pass (0 = none) */
    float *ws;         /* workspace block */
    float **acts;      /* (n_layers + 1) pointers into ws: (batch, sizes[l]) */
    float **dzs;       /* (n_layers) pointers into ws: (batch, sizes[l+1]) dL/dz of layer l */
    int kern;          /* rl_kern_path preference (rl_kern_default at make) */
    float *wt;         /* per layer (in_l, rl_kern_pad(out_l)): W_l transposed */
    int *wt_off;       /* (n_layers) offset of layer l in wt */
    int *path;         /* (n_layers) rl_kern_path of the cached pass */
    int *use_wt;       /* (n_layers) the cached pass packed and used wt */
    int *chunks;       /* (n_layers) chunks of the pass in progress (pack or dW) */
    rl_pool *pool;     /* borrowed; NULL: one thread */
    int choice_key[8]; /* serial or pool, per pass kind and batch (0: free slot) */
    rl_pool_choice choice[8];
    unsigned choice_evict; /* next slot a ninth kind takes over */
} rl_mlp;

/* Per-layer view for debugging and tests. Pointers borrow from the mlp. */
typedef struct rl_mlp_layer {
    int in, out;
    rl_act act;
    float *W, *b;      /* (out, in), (out) */
    float *dW, *db;    /* (out, in), (out) */
} rl_mlp_layer;

/* hidden: (n_hidden) widths. NULL on bad shape or out of memory. */
rl_mlp *rl_mlp_make(int in, int n_hidden, const int *hidden, int out, rl_act hidden_act,
                    rl_act out_act);
void rl_mlp_free(rl_mlp *m);
/* A new network of the same shape with a copy of the parameters. */
rl_mlp *rl_mlp_clone(const rl_mlp *m);

/* Orthogonal weights scaled by the gain (hidden layers get hidden_gain, the
 * output layer out_gain), biases 0. QR of a Gaussian matrix via LAPACK with
 * the sign of R's diagonal folded in, so Q is uniform over orthogonal
 * matrices (as torch.nn.init.orthogonal_). RL_ENOMEM or RL_EINVAL on failure. */
int rl_mlp_init_orthogonal(rl_mlp *m, rl_rng *rng, float hidden_gain, float out_gain);
/* PyTorch nn.Linear default: W and b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
void rl_mlp_init_uniform(rl_mlp *m, rl_rng *rng);

/* x: (batch, in). Returns (batch, out), owned by m and valid until the next
 * forward. NULL (RL_ENOMEM / RL_EINVAL) if the workspace cannot grow. */
const float *rl_mlp_forward(rl_mlp *m, const float *x, int batch);
/* Backward through the cached forward pass.
 * dy: (batch, out) gradient of the loss w.r.t. the output (the caller folds
 *     in any 1/batch of a mean loss).
 * dx: (batch, in) receives dL/dx when not NULL (overwritten, not added).
 * param_grads: 1 adds dL/dparams into m->grads; 0 leaves grads untouched and
 *     skips the dW work (e.g. dQ/da for the SAC actor update).
 * RL_ESTATE if there is no cached forward pass. */
int rl_mlp_backward(rl_mlp *m, const float *dy, float *dx, int param_grads);
void rl_mlp_zero_grad(rl_mlp *m);
/* Keep only the first `rows` rows of the cached forward pass, so that one
 * pass over two batches stacked [a; b] (same weights) can be
 * back-propagated through a alone. RL_EINVAL unless 0 < rows <= the cached
 * rows. */
int rl_mlp_keep_rows(rl_mlp *m, int rows);
/* Keep only the cached rows rows[0..n) (strictly increasing), moved to
 * the front in that order: a backward then runs over n rows, row j being
 * the pass's row rows[j] (same bits: each row's dX depends on that row
 * alone). For an input gradient that is zero on the other rows.
 * RL_EINVAL unless 0 < n <= the cached rows and the list is increasing. */
int rl_mlp_keep_row_set(rl_mlp *m, const int *rows, int n);
/* Run the forward and backward passes on pool's threads (borrowed, may be
 * NULL for one thread) when that is measured faster: rows split for forward
 * and dX, output features for dW, so the results are the same bits for any
 * pool size. */
void rl_mlp_set_pool(rl_mlp *m, rl_pool *pool);
/* Force a kernel path (an rl_kern_path from core/kernels.h; RL_KERN_AUTO
 * lets each layer pick by shape). RL_EINVAL if this CPU cannot run it. */
int rl_mlp_set_kernel(rl_mlp *m, int path);

/* Layer l in [0, n_layers). RL_EINVAL for a bad index. */
int rl_mlp_layer_view(rl_mlp *m, int l, rl_mlp_layer *view);
/* dst.params = src.params; RL_EINVAL unless the shapes match. */
int rl_mlp_copy_params(rl_mlp *dst, const rl_mlp *src);
/* 1 if both networks have identical layer sizes and activations. */
int rl_mlp_same_shape(const rl_mlp *a, const rl_mlp *b);
/* Multiply-adds x2 of one forward pass over `batch` rows (dense layers only). */
double rl_mlp_forward_flops(const rl_mlp *m, int batch);

/* Store / restore params as tensor "<name>" (F32, n_params). */
int rl_mlp_save(const rl_mlp *m, rl_ckpt *ck, const char *name);
int rl_mlp_load(rl_mlp *m, const rl_ckpt *ck, const char *name);

/* Losses over n values, returning the mean loss and writing dpred (n), the
 * gradient of that mean (so 1/n is already folded in). dpred may be NULL.
 * MSE: mean (p - t)^2. Huber (smooth L1 with threshold delta, as DQN uses):
 * 0.5 d^2 for |d| <= delta, else delta (|d| - 0.5 delta). */
float rl_loss_mse(const float *pred, const float *target, int n, float *dpred);
float rl_loss_huber(const float *pred, const float *target, int n, float delta, float *dpred);

/* Elementwise activation helpers (also used by other modules). */
void rl_act_apply(rl_act act, float *x, int n);
/* dz = dy * act'(y), from the activated output y. dz may alias dy. */
void rl_act_backward(rl_act act, const float *y, const float *dy, float *dz, int n);

#endif
