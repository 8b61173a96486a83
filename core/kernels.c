/* Dense-layer kernels: one loop nest (kernels_tile.h) built three times,
 * for AVX-512, AVX2+FMA and portable C, behind function-level target
 * attributes so the library runs on any x86-64 and uses what the CPU has.
 * See kernels.h. */
#include "core/kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#if defined(__x86_64__) && defined(__GNUC__)
#define RL_KERN_X86 1
#include <immintrin.h>
#endif

/* Layers with at most VW/4 outputs run as dot products along the inputs
 * (one vector lane per output would waste the rest), and so do passes of
 * fewer than 4 rows (acting on one env), where transposing W would cost as
 * much as the product. */
#define KERN_DOT_FORWARD(rows, out, vw) ((out) * 4 <= (vw) || (rows) < 4)

/* ---------------------------------------------------------------- portable
 * Four-float vectors from GCC's vector extension (SSE on x86-64, NEON on
 * ARM); multiply and add stay separate (ISO C mode does not contract). */
typedef float v4f __attribute__((vector_size(16)));
typedef int v4i __attribute__((vector_size(16)));

static inline v4f p_loadm(const float *p, int n)
{
    v4f v = {0, 0, 0, 0};
    memcpy(&v, p, sizeof(float) * (size_t)n);
    return v;
}
static inline void p_storem(float *p, v4f v, int n) { memcpy(p, &v, sizeof(float) * (size_t)n); }
static inline v4f p_set1(float x) { return (v4f){x, x, x, x}; }
static inline v4f p_relu(v4f v)
{
    v4f z = {0, 0, 0, 0};
    return (v4f)((v4i)v & (v > z)); /* a vector comparison gives -1 / 0 per lane */
}
static inline v4f p_relu_mask(v4f g, v4f y)
{
    v4f z = {0, 0, 0, 0};
    return (v4f)((v4i)g & (y > z));
}

#define KN(name) name##_portable
#define KTARGET
#define VW 4
#define vec v4f
#define vmask int
#define V_ZERO() p_set1(0.0f)
#define V_SET1(x) p_set1(x)
#define V_LOADU(p) p_loadm((p), 4)
#define V_LOADM(p, m) p_loadm((p), (m))
#define V_STOREM(p, v, m) p_storem((p), (v), (m))
#define V_FMA(a, b, c) ((a) * (b) + (c))
#define V_MUL(a, b) ((a) * (b))
#define V_SUB(a, b) ((a) - (b))
#define V_RELU(v) p_relu(v)
#define V_RELU_MASK(g, y) p_relu_mask((g), (y))
#define V_MASK(n) (n)
#define V_STOREU(p, v) p_storem((p), (v), 4)
#define V_HSUM(v) (((v)[0] + (v)[1]) + ((v)[2] + (v)[3]))
#define V_HAS_TANH 0
#define V_TANH(v) (v)
#define V_ADD(a, b) ((a) + (b))
#define V_HAS_TSUM 0
#include "core/kernels_tile.h"

#ifdef RL_KERN_X86
/* ---------------------------------------------------------------- vector tanh
 * tanh of the hidden layers was a third of a tanh network's training time
 * as scalar libm calls. Cephes' single-precision method, a few ulp:
 * |x| < 0.625: x + x^3 P(x^2); else sign(x) (1 - 2 / (exp(2|x|) + 1)), with
 * exp by range reduction to r = z - n ln2 and a degree-6 polynomial, and
 * |x| clamped at 9 (tanh(9) rounds to 1 in float). TANH_BODY takes the
 * instruction set's operations as arguments (PS(add) -> _mm256_add_ps) so
 * the AVX2 and AVX-512 builds share it. */
#define TANH_BODY(T_VEC, PS, T_ABS, T_ROUND, T_SCALE2, T_COPYSIGN, T_SELECT_LT)            \
    /* min(9, |x|) keeps a NaN (min returns its second operand on NaN). */                 \
    T_VEC a = PS(min)(PS(set1)(9.0f), T_ABS(x));                                           \
    T_VEC x2 = PS(mul)(x, x);                                                              \
    T_VEC p = PS(set1)(-5.70498872745e-3f);                                                \
    p = PS(fmadd)(p, x2, PS(set1)(2.06390887954e-2f));                                     \
    p = PS(fmadd)(p, x2, PS(set1)(-5.37397155531e-2f));                                    \
    p = PS(fmadd)(p, x2, PS(set1)(1.33314422036e-1f));                                     \
    p = PS(fmadd)(p, x2, PS(set1)(-3.33332819422e-1f));                                    \
    T_VEC small = PS(fmadd)(PS(mul)(p, x2), x, x);                                         \
    T_VEC z = PS(add)(a, a);                                                               \
    T_VEC n = T_ROUND(PS(mul)(z, PS(set1)(1.44269504088896341f)));                         \
    T_VEC r = PS(fmadd)(n, PS(set1)(-0.693359375f), z);                                    \
    r = PS(fmadd)(n, PS(set1)(2.12194440e-4f), r);                                         \
    T_VEC e = PS(set1)(1.9875691500e-4f);                                                  \
    e = PS(fmadd)(e, r, PS(set1)(1.3981999507e-3f));                                       \
    e = PS(fmadd)(e, r, PS(set1)(8.3334519073e-3f));                                       \
    e = PS(fmadd)(e, r, PS(set1)(4.1665795894e-2f));                                       \
    e = PS(fmadd)(e, r, PS(set1)(1.6666665459e-1f));                                       \
    e = PS(fmadd)(e, r, PS(set1)(5.0000001201e-1f));                                       \
    e = PS(add)(PS(fmadd)(PS(mul)(e, r), r, r), PS(set1)(1.0f));                           \
    e = T_SCALE2(e, n);                                                                    \
    T_VEC big = PS(sub)(PS(set1)(1.0f), PS(div)(PS(set1)(2.0f), PS(add)(e, PS(set1)(1.0f))));\
    big = T_COPYSIGN(big, x);                                                              \
    return T_SELECT_LT(a, PS(set1)(0.625f), small, big)

/* ---------------------------------------------------------------- AVX2 + FMA */
#define KT2 __attribute__((target("avx2,fma")))

/* Lane masks: the first n of 8 lanes, from a sliding window over a table. */
static const int avx2_mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static inline KT2 __m256i avx2_mask(int n) { return _mm256_loadu_si256((const __m256i *)(avx2_mask_table + 8 - n)); }
static inline KT2 __m256 avx2_relu_mask(__m256 g, __m256 y)
{
    return _mm256_and_ps(g, _mm256_cmp_ps(y, _mm256_setzero_ps(), _CMP_GT_OQ));
}

#define AVX2_PS(op) _mm256_##op##_ps
#define AVX2_ABS(v) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), (v))
#define AVX2_ROUND(v) _mm256_round_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define AVX2_SCALE2(v, k)                                                                   \
    _mm256_castsi256_ps(_mm256_add_epi32(_mm256_castps_si256(v),                            \
                                         _mm256_slli_epi32(_mm256_cvtps_epi32(k), 23)))
#define AVX2_COPYSIGN(v, s) _mm256_or_ps((v), _mm256_and_ps((s), _mm256_set1_ps(-0.0f)))
#define AVX2_SELECT_LT(a, b, lo, hi)                                                        \
    _mm256_blendv_ps((hi), (lo), _mm256_cmp_ps((a), (b), _CMP_LT_OQ))
static inline KT2 __m256 avx2_tanh(__m256 x)
{
    TANH_BODY(__m256, AVX2_PS, AVX2_ABS, AVX2_ROUND, AVX2_SCALE2, AVX2_COPYSIGN, AVX2_SELECT_LT);
}

static inline KT2 float avx2_hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

#define KN(name) name##_avx2
#define KTARGET KT2
#define VW 8
#define vec __m256
#define vmask __m256i
#define V_ZERO() _mm256_setzero_ps()
#define V_SET1(x) _mm256_set1_ps(x)
#define V_LOADU(p) _mm256_loadu_ps(p)
#define V_LOADM(p, m) _mm256_maskload_ps((p), (m))
#define V_STOREM(p, v, m) _mm256_maskstore_ps((p), (m), (v))
#define V_FMA(a, b, c) _mm256_fmadd_ps((a), (b), (c))
#define V_MUL(a, b) _mm256_mul_ps((a), (b))
#define V_SUB(a, b) _mm256_sub_ps((a), (b))
#define V_RELU(v) _mm256_max_ps((v), _mm256_setzero_ps())
#define V_RELU_MASK(g, y) avx2_relu_mask((g), (y))
#define V_MASK(n) avx2_mask(n)
#define V_STOREU(p, v) _mm256_storeu_ps((p), (v))
#define V_HSUM(v) avx2_hsum(v)
#define V_HAS_TANH 1
#define V_TANH(v) avx2_tanh(v)
#define V_ADD(a, b) _mm256_add_ps((a), (b))
#define V_HAS_TSUM 0
#include "core/kernels_tile.h"

/* ---------------------------------------------------------------- AVX-512 */
#define KT5 __attribute__((target("avx512f")))

#define AVX512_PS(op) _mm512_##op##_ps
#define AVX512_ROUND(v) _mm512_roundscale_ps((v), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)
#define AVX512_SCALE2(v, k)                                                                 \
    _mm512_castsi512_ps(_mm512_add_epi32(_mm512_castps_si512(v),                            \
                                         _mm512_slli_epi32(_mm512_cvtps_epi32(k), 23)))
#define AVX512_COPYSIGN(v, s)                                                               \
    _mm512_castsi512_ps(_mm512_or_si512(                                                    \
        _mm512_castps_si512(v),                                                             \
        _mm512_and_si512(_mm512_castps_si512(s), _mm512_set1_epi32((int)0x80000000u))))
#define AVX512_SELECT_LT(a, b, lo, hi)                                                      \
    _mm512_mask_blend_ps(_mm512_cmp_ps_mask((a), (b), _CMP_LT_OQ), (hi), (lo))
static inline KT5 __m512 avx512_tanh(__m512 x)
{
    TANH_BODY(__m512, AVX512_PS, _mm512_abs_ps, AVX512_ROUND, AVX512_SCALE2, AVX512_COPYSIGN,
              AVX512_SELECT_LT);
}

static inline KT5 __m512 avx512_relu_mask(__m512 g, __m512 y)
{
    __mmask16 pos = _mm512_cmp_ps_mask(y, _mm512_setzero_ps(), _CMP_GT_OQ);
    return _mm512_maskz_mov_ps(pos, g);
}

/* Sum of the 16 lanes by a fixed tree: lanes j and j+8, then j+4, j+2,
 * j+1 (written out rather than _mm512_reduce_add_ps, whose tree is the
 * compiler's choice, because avx512_tsum must match it bit for bit). */
static inline KT5 float avx512_hsum(__m512 v)
{
    __m256 h = _mm256_add_ps(_mm512_castps512_ps256(v),
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 q = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    q = _mm_add_ps(q, _mm_movehl_ps(q, q));
    return _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)));
}

/* Lane r = avx512_hsum(a[r]) for r < 16, with the same additions: each
 * level adds the lanes at the same distance (8, 4, 2, 1) for several rows
 * at once, the rows interleaved so that the last level leaves them in
 * order (level 1 pairs rows m, 4+m and 8+m, 12+m). */
static inline KT5 __m512 avx512_tsum(const __m512 *a)
{
    /* Written out (no loops over local arrays), so that it all stays in registers. */
#define RL_PAIR8(x, y) _mm512_add_ps(_mm512_shuffle_f32x4((x), (y), 0x44), \
                                     _mm512_shuffle_f32x4((x), (y), 0xEE))
#define RL_PAIR4(x, y) _mm512_add_ps(_mm512_shuffle_f32x4((x), (y), 0x88), \
                                     _mm512_shuffle_f32x4((x), (y), 0xDD))
#define RL_PAIR2(x, y) _mm512_add_ps(_mm512_shuffle_ps((x), (y), _MM_SHUFFLE(1, 0, 1, 0)), \
                                     _mm512_shuffle_ps((x), (y), _MM_SHUFFLE(3, 2, 3, 2)))
#define RL_PAIR1(x, y) _mm512_add_ps(_mm512_shuffle_ps((x), (y), _MM_SHUFFLE(2, 0, 2, 0)), \
                                     _mm512_shuffle_ps((x), (y), _MM_SHUFFLE(3, 1, 3, 1)))
    __m512 d0 = RL_PAIR4(RL_PAIR8(a[0], a[4]), RL_PAIR8(a[8], a[12]));
    __m512 d1 = RL_PAIR4(RL_PAIR8(a[1], a[5]), RL_PAIR8(a[9], a[13]));
    __m512 d2 = RL_PAIR4(RL_PAIR8(a[2], a[6]), RL_PAIR8(a[10], a[14]));
    __m512 d3 = RL_PAIR4(RL_PAIR8(a[3], a[7]), RL_PAIR8(a[11], a[15]));
    return RL_PAIR1(RL_PAIR2(d0, d1), RL_PAIR2(d2, d3));
#undef RL_PAIR8
#undef RL_PAIR4
#undef RL_PAIR2
#undef RL_PAIR1
}

#define KN(name) name##_avx512
#define KTARGET KT5
#define VW 16
#define vec __m512
#define vmask __mmask16
#define V_ZERO() _mm512_setzero_ps()
#define V_SET1(x) _mm512_set1_ps(x)
#define V_LOADU(p) _mm512_loadu_ps(p)
#define V_LOADM(p, m) _mm512_maskz_loadu_ps((m), (p))
#define V_STOREM(p, v, m) _mm512_mask_storeu_ps((p), (m), (v))
#define V_FMA(a, b, c) _mm512_fmadd_ps((a), (b), (c))
#define V_MUL(a, b) _mm512_mul_ps((a), (b))
#define V_SUB(a, b) _mm512_sub_ps((a), (b))
#define V_RELU(v) _mm512_max_ps((v), _mm512_setzero_ps())
#define V_RELU_MASK(g, y) avx512_relu_mask((g), (y))
#define V_MASK(n) ((__mmask16)((1u << (n)) - 1u))
#define V_STOREU(p, v) _mm512_storeu_ps((p), (v))
#define V_HSUM(v) avx512_hsum(v)
#define V_HAS_TANH 1
#define V_TANH(v) avx512_tanh(v)
#define V_ADD(a, b) _mm512_add_ps((a), (b))
#define V_HAS_TSUM 1
#define V_TSUM(acc) avx512_tsum(acc)
#include "core/kernels_tile.h"
#endif /* RL_KERN_X86 */

/* ---------------------------------------------------------------- dispatch */

static const char *const kern_names[] = {"auto", "portable", "avx2", "avx512", "blas"};

const char *rl_kern_name(rl_kern_path p)
{
    return p >= RL_KERN_AUTO && p <= RL_KERN_BLAS ? kern_names[p] : "?";
}

int rl_kern_parse(const char *name, rl_kern_path *out)
{
    for (int p = RL_KERN_AUTO; p <= RL_KERN_BLAS; p++)
        if (name && !strcmp(name, kern_names[p])) {
            *out = (rl_kern_path)p;
            return RL_OK;
        }
    return rl_error(RL_EINVAL, "unknown kernel path '%s' (known: auto, portable, avx2, avx512, blas)",
                    name ? name : "(null)");
}

int rl_kern_available(rl_kern_path p)
{
#ifdef RL_KERN_X86
    if (p == RL_KERN_AVX2)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (p == RL_KERN_AVX512) return __builtin_cpu_supports("avx512f");
#else
    if (p == RL_KERN_AVX2 || p == RL_KERN_AVX512) return 0;
#endif
    return p >= RL_KERN_AUTO && p <= RL_KERN_BLAS;
}

rl_kern_path rl_kern_best_isa(void)
{
    if (rl_kern_available(RL_KERN_AVX512)) return RL_KERN_AVX512;
    if (rl_kern_available(RL_KERN_AVX2)) return RL_KERN_AVX2;
    return RL_KERN_PORTABLE;
}

rl_kern_path rl_kern_default(void)
{
    /* The environment does not change under a running process, so reading
     * it once is safe; races on first use write the same value. */
    static _Atomic int cached = -1;
    if (cached < 0) {
        rl_kern_path p = RL_KERN_AUTO;
        const char *s = getenv("RLTOOL_KERNEL");
        if (s && *s && (rl_kern_parse(s, &p) || !rl_kern_available(p))) p = RL_KERN_AUTO;
        cached = (int)p;
    }
    return (rl_kern_path)cached;
}

/* Measured on an AVX-512 core (OpenBLAS 0.3.21, Cooperlake kernels, one
 * thread, after the 16x16 packing): forward + dX + dW of one layer, own
 * kernels / sgemm (without sgemm's separate bias and activation passes):
 * 0.85 at 4096 x 64 x 64, 0.95 at 512 x 256 x 256 (2^25 MACs: SAC's actor
 * on obs and next, 256 wide), 0.98-1.01 from 2^26 to 2^28 (1024 x 512 x
 * 512). And a pass on the own kernels splits over the pool's threads while
 * sgemm runs on one (nn.c keeps a pass with a BLAS layer on one thread for
 * the same bits at any thread count), so sgemm only takes products beyond
 * the networks RL uses. */
#define BLAS_MIN_MACS (1LL << 30)

rl_kern_path rl_kern_pick(rl_kern_path pref, int rows, int in, int out)
{
    if (pref != RL_KERN_AUTO) return pref;
    if ((long long)rows * in * out >= BLAS_MIN_MACS) return RL_KERN_BLAS;
    return rl_kern_best_isa();
}

/* ---------------------------------------------------------------- OpenBLAS core */

const char *rl_kern_blas_core(void) { return openblas_get_corename(); }

const char *rl_kern_blas_fix_for(const char *current, int has_avx2_fma, int has_avx512)
{
    /* OpenBLAS's pre-AVX2 x86 cores: what it falls back to on a model it
     * does not recognise. Sandybridge (AVX) counts when AVX2 is there. */
    static const char *const generic[] = {"Prescott", "Core2",    "Penryn",    "Dunnington",
                                          "Nehalem",  "Atom",     "Katmai",    "Coppermine",
                                          "Northwood", "Banias",  "Opteron",   "Opteron_SSE3",
                                          "Barcelona", "Bobcat",  "Sandybridge", "Generic",
                                          "Bulldozer", "Piledriver", "Steamroller",
                                          "Excavator", "Nano"};
    if (!current || !has_avx2_fma) return NULL;
    int is_generic = 0;
    for (size_t i = 0; i < sizeof generic / sizeof generic[0]; i++)
        if (!strcasecmp(current, generic[i])) is_generic = 1;
    if (!is_generic) return NULL;
    return has_avx512 ? "SkylakeX" : "Haswell";
}

const char *rl_kern_blas_fix(void)
{
    int avx512 = 0;
#ifdef RL_KERN_X86
    /* SkylakeX kernels use AVX-512 F, BW, DQ and VL. */
    avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#endif
    return rl_kern_blas_fix_for(rl_kern_blas_core(), rl_kern_available(RL_KERN_AVX2), avx512);
}

void rl_kern_describe(char *buf, size_t cap)
{
    rl_kern_path p = rl_kern_default();
    if (p == RL_KERN_AUTO)
        snprintf(buf, cap, "own %s (auto: BLAS at >= %lld MACs per product), OpenBLAS %s, %d thread(s)",
                 rl_kern_name(rl_kern_best_isa()), (long long)BLAS_MIN_MACS, rl_kern_blas_core(),
                 openblas_get_num_threads());
    else
        snprintf(buf, cap, "forced %s (RLTOOL_KERNEL), OpenBLAS %s, %d thread(s)", rl_kern_name(p),
                 rl_kern_blas_core(), openblas_get_num_threads());
}

/* ---------------------------------------------------------------- entry points */

int rl_kern_pad(int out) { return (out + 15) & ~15; }

int rl_kern_wants_wt(rl_kern_path path, int rows, int out)
{
    int vw = path == RL_KERN_AVX512 ? 16 : path == RL_KERN_AVX2 ? 8 : 4;
    return !KERN_DOT_FORWARD(rows, out, vw);
}

#ifdef RL_KERN_X86
/* 8 x 8 blocks transposed in registers; the inputs left over (fewer than
 * 8, e.g. a first layer's 3 or 4) as 8-wide gathers. The packing runs
 * before every forward of a layer, and as a scalar strided copy it cost 8 %
 * of a 64-64 SAC run. */
static KT2 void pack_wt_avx2(const float *W, int out, int in, float *Wt, int ldw)
{
    int o = 0;
    const __m256i stride = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                              _mm256_set1_epi32(in));
    for (; o + 8 <= out; o += 8) {
        const float *w = W + (size_t)o * in;
        int i = 0;
        for (; i + 8 <= in; i += 8) {
            __m256 r[8], t[8];
            #pragma GCC unroll 16
            for (int k = 0; k < 8; k++) r[k] = _mm256_loadu_ps(w + (size_t)k * in + i);
            #pragma GCC unroll 16
            for (int k = 0; k < 8; k += 2) {
                t[k] = _mm256_unpacklo_ps(r[k], r[k + 1]);
                t[k + 1] = _mm256_unpackhi_ps(r[k], r[k + 1]);
            }
            #pragma GCC unroll 16
            for (int k = 0; k < 8; k += 4) {
                r[k] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
                r[k + 1] = _mm256_shuffle_ps(t[k], t[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
                r[k + 2] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
                r[k + 3] = _mm256_shuffle_ps(t[k + 1], t[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
            }
            /* r[k], k < 4: input i+k of rows 0-3 in the low half, input
             * i+4+k in the high half; r[4+k] the same for rows 4-7. */
            #pragma GCC unroll 16
            for (int k = 0; k < 4; k++) {
                _mm256_storeu_ps(Wt + (size_t)(i + k) * ldw + o,
                                 _mm256_permute2f128_ps(r[k], r[k + 4], 0x20));
                _mm256_storeu_ps(Wt + (size_t)(i + 4 + k) * ldw + o,
                                 _mm256_permute2f128_ps(r[k], r[k + 4], 0x31));
            }
        }
        for (; i < in; i++)
            _mm256_storeu_ps(Wt + (size_t)i * ldw + o, _mm256_i32gather_ps(w + i, stride, 4));
    }
    for (; o < out; o++)
        for (int i = 0; i < in; i++) Wt[(size_t)i * ldw + o] = W[(size_t)o * in + i];
}

/* 16 x 16 blocks on AVX-512 (64 shuffles per 256 values, against 96 for
 * four 8 x 8 blocks); the rest as the AVX2 packing does it. */
static KT5 void pack_wt_avx512(const float *W, int out, int in, float *Wt, int ldw)
{
    int o = 0;
    for (; o + 16 <= out; o += 16) {
        const float *w = W + (size_t)o * in;
        int i = 0;
        for (; i + 16 <= in; i += 16) {
            __m512 r[16], t[16];
            #pragma GCC unroll 16
            for (int k = 0; k < 16; k++) r[k] = _mm512_loadu_ps(w + (size_t)k * in + i);
            /* t[2m], t[2m+1]: rows 2m, 2m+1 interleaved within each 128-bit lane */
            #pragma GCC unroll 16
            for (int k = 0; k < 16; k += 2) {
                t[k] = _mm512_unpacklo_ps(r[k], r[k + 1]);
                t[k + 1] = _mm512_unpackhi_ps(r[k], r[k + 1]);
            }
            /* r[4g + c]: input 4L + c of rows 4g..4g+3 in 128-bit lane L */
            #pragma GCC unroll 16
            for (int g = 0; g < 4; g++) {
                __m512 a = t[4 * g], b = t[4 * g + 1], c = t[4 * g + 2], d = t[4 * g + 3];
                r[4 * g] = _mm512_shuffle_ps(a, c, _MM_SHUFFLE(1, 0, 1, 0));
                r[4 * g + 1] = _mm512_shuffle_ps(a, c, _MM_SHUFFLE(3, 2, 3, 2));
                r[4 * g + 2] = _mm512_shuffle_ps(b, d, _MM_SHUFFLE(1, 0, 1, 0));
                r[4 * g + 3] = _mm512_shuffle_ps(b, d, _MM_SHUFFLE(3, 2, 3, 2));
            }
            #pragma GCC unroll 16
            for (int c = 0; c < 4; c++) {
                /* rows 0-7 and 8-15: inputs c, 8+c (0x88) and 4+c, 12+c (0xDD) */
                __m512 lo0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88);
                __m512 lo1 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD);
                __m512 hi0 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
                __m512 hi1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
                _mm512_storeu_ps(Wt + (size_t)(i + c) * ldw + o, _mm512_shuffle_f32x4(lo0, hi0, 0x88));
                _mm512_storeu_ps(Wt + (size_t)(i + 8 + c) * ldw + o, _mm512_shuffle_f32x4(lo0, hi0, 0xDD));
                _mm512_storeu_ps(Wt + (size_t)(i + 4 + c) * ldw + o, _mm512_shuffle_f32x4(lo1, hi1, 0x88));
                _mm512_storeu_ps(Wt + (size_t)(i + 12 + c) * ldw + o, _mm512_shuffle_f32x4(lo1, hi1, 0xDD));
            }
        }
        for (; i < in; i++) {
            __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                                               12, 13, 14, 15),
                                             _mm512_set1_epi32(in));
            _mm512_storeu_ps(Wt + (size_t)i * ldw + o, _mm512_i32gather_ps(idx, w + i, 4));
        }
    }
    if (o < out) pack_wt_avx2(W + (size_t)o * in, out - o, in, Wt + o, ldw);
}

#endif

void rl_kern_pack_wt(const float *W, int out, int in, float *Wt, int ldw)
{
#ifdef RL_KERN_X86
    if (rl_kern_available(RL_KERN_AVX512)) {
        pack_wt_avx512(W, out, in, Wt, ldw);
        for (int i = 0; out < ldw && i < in; i++)
            memset(Wt + (size_t)i * ldw + out, 0, sizeof(float) * (size_t)(ldw - out));
        return;
    }
    if (rl_kern_available(RL_KERN_AVX2)) {
        pack_wt_avx2(W, out, in, Wt, ldw);
        for (int i = 0; out < ldw && i < in; i++)
            memset(Wt + (size_t)i * ldw + out, 0, sizeof(float) * (size_t)(ldw - out));
        return;
    }
#endif
    for (int i = 0; i < in; i++) {
        float *row = Wt + (size_t)i * ldw;
        for (int o = 0; o < out; o++) row[o] = W[(size_t)o * in + i];
        for (int o = out; o < ldw; o++) row[o] = 0.0f;
    }
}

void rl_kern_forward(rl_kern_path path, const float *X, int rows, int in, const float *Wt,
                     int ldw, const float *W, const float *b, int out, rl_act act, float *Y)
{
#ifdef RL_KERN_X86
    if (path == RL_KERN_AVX512) {
        forward_avx512(X, rows, in, Wt, ldw, W, b, out, act, Y);
        return;
    }
    if (path == RL_KERN_AVX2) {
        forward_avx2(X, rows, in, Wt, ldw, W, b, out, act, Y);
        return;
    }
#endif
    forward_portable(X, rows, in, Wt, ldw, W, b, out, act, Y);
}

void rl_kern_backward_dx(rl_kern_path path, const float *dZ, int rows, int out, const float *W,
                         int in, rl_act act, const float *Yin, float *dX)
{
#ifdef RL_KERN_X86
    if (path == RL_KERN_AVX512) {
        backward_dx_avx512(dZ, rows, out, W, in, act, Yin, dX);
        return;
    }
    if (path == RL_KERN_AVX2) {
        backward_dx_avx2(dZ, rows, out, W, in, act, Yin, dX);
        return;
    }
#endif
    backward_dx_portable(dZ, rows, out, W, in, act, Yin, dX);
}

void rl_kern_backward_dw(rl_kern_path path, const float *dZ, int rows, int out, const float *X,
                         int in, float *dW, float *db, int o0, int o1)
{
#ifdef RL_KERN_X86
    if (path == RL_KERN_AVX512) {
        backward_dw_avx512(dZ, rows, out, X, in, dW, db, o0, o1);
        return;
    }
    if (path == RL_KERN_AVX2) {
        backward_dw_avx2(dZ, rows, out, X, in, dW, db, o0, o1);
        return;
    }
#endif
    backward_dw_portable(dZ, rows, out, X, in, dW, db, o0, o1);
}
