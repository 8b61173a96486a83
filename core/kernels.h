/* kernels.h: dense-layer kernels for small networks, chosen per CPU.
 *
 * OpenBLAS pays a fixed cost per sgemm call (argument checks, packing both
 * operands, thread decisions) that dominates at the shapes small policies
 * use (widths up to a few hundred, batches of tens to thousands), and the
 * bias, activation and activation-derivative passes each walk the output
 * again. These kernels do one layer in one pass with the elementwise work
 * fused in, in three builds of the same loop nest: AVX-512, AVX2+FMA and
 * portable C, picked at run time from the CPU's features. Large shapes still
 * go to cblas_sgemm (RL_KERN_BLAS); rl_kern_pick is the one place that
 * decides, from thresholds measured by bench/bench_nn.
 *
 * Every element of every output is computed by the same sequence of
 * operations whatever rows or features a call covers, so splitting a layer
 * over threads by rows (forward, dX) or by output features (dW) gives
 * bit-identical results for any split. Different paths round differently
 * (FMA vs separate multiply and add); a run is reproducible for a given path.
 *
 * Layouts are row-major: X (rows, in), W (out, in) as in PyTorch, Y (rows, out).
 */
#ifndef RL_CORE_KERNELS_H
#define RL_CORE_KERNELS_H

#include "core/nn.h"

#include <stddef.h>

typedef enum {
    RL_KERN_AUTO = 0, /* best path for the machine, BLAS for large shapes */
    RL_KERN_PORTABLE,
    RL_KERN_AVX2,     /* AVX2 + FMA */
    RL_KERN_AVX512,   /* AVX-512F */
    RL_KERN_BLAS      /* cblas_sgemm for every product */
} rl_kern_path;

/* "auto", "portable", "avx2", "avx512", "blas". */
const char *rl_kern_name(rl_kern_path p);
/* Parse a name as above; RL_EINVAL with the accepted names otherwise. */
int rl_kern_parse(const char *name, rl_kern_path *out);
/* 1 if this CPU can run path p (portable, blas and auto always can). */
int rl_kern_available(rl_kern_path p);
/* The process default: RLTOOL_KERNEL when set to an available path, else
 * RL_KERN_AUTO. Read once. */
rl_kern_path rl_kern_default(void);
/* The best own-kernel ISA on this CPU (AVX512, AVX2 or PORTABLE). */
rl_kern_path rl_kern_best_isa(void);
/* The path a product of this shape takes under preference `pref`: AUTO
 * resolves to the best ISA, or to BLAS when the layer is large enough that
 * sgemm wins (thresholds measured with bench_nn, see kernels.c). */
rl_kern_path rl_kern_pick(rl_kern_path pref, int rows, int in, int out);


/* One line naming the kernels this process runs, e.g. "own avx512 (auto:
 * BLAS above 33554432 MACs), OpenBLAS Cooperlake, 1 thread", for benches. */
void rl_kern_describe(char *buf, size_t cap);

/* OpenBLAS core detection. OpenBLAS picks its kernels from a table of
 * known CPU models; on a model it does not know it falls back to a generic
 * core (Prescott, Core2, Nehalem, ...) that uses SSE only, 2-5x slower on a
 * CPU with AVX2 or AVX-512. The fix is OPENBLAS_CORETYPE, which OpenBLAS
 * reads when it loads (so it must be set before the process starts).
 * rl_kern_blas_fix_for: the core to set for OpenBLAS core name `current` on
 * a CPU with these features, or NULL when `current` is already right.
 * rl_kern_blas_fix: the same for this process. rl_kern_blas_core: OpenBLAS's current core name. */
const char *rl_kern_blas_fix_for(const char *current, int has_avx2_fma, int has_avx512);
const char *rl_kern_blas_fix(void);
const char *rl_kern_blas_core(void);

/* Y (rows, out) = act(X (rows, in) W^T + b), W (out, in). Wt (in, ldw) is
 * W transposed and padded to ldw = rl_kern_pad(out) columns
 * (rl_kern_pack_wt); with Wt NULL the layer runs as dot products on W, the
 * faster form when rl_kern_wants_wt(path, rows, out) is 0 (very few outputs
 * or rows). The two forms round differently, so a caller that splits rows
 * over threads decides once, from the whole batch, and passes the same Wt
 * to every part. path: PORTABLE, AVX2 or AVX512. */
void rl_kern_forward(rl_kern_path path, const float *X, int rows, int in, const float *Wt,
                     int ldw, const float *W, const float *b, int out, rl_act act, float *Y);
int rl_kern_wants_wt(rl_kern_path path, int rows, int out);
/* Wt (in, ldw) = W (out, in)^T, columns out..ldw-1 zero. */
void rl_kern_pack_wt(const float *W, int out, int in, float *Wt, int ldw);
/* Columns of the padded transposed weights: out rounded up to 16. */
int rl_kern_pad(int out);

/* dX (rows, in) = (dZ (rows, out) W (out, in)) .* act'(Yin), where Yin
 * (rows, in) is the activated input of this layer (act RL_ACT_NONE: no
 * derivative, Yin unused). dX is overwritten. */
void rl_kern_backward_dx(rl_kern_path path, const float *dZ, int rows, int out, const float *W,
                         int in, rl_act act, const float *Yin, float *dX);

/* For output features o in [o0, o1): dW[o, :] += sum_r dZ[r, o] X[r, :] and
 * db[o] += sum_r dZ[r, o], summing rows in order. dZ (rows, out), X (rows,
 * in), dW (out, in), db (out). */
void rl_kern_backward_dw(rl_kern_path path, const float *dZ, int rows, int out, const float *X,
                         int in, float *dW, float *db, int o0, int o1);

#endif
