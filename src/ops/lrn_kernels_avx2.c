/* AVX2 + FMA LRN kernels: the vector primitives the template lrn_kernels_simd.h is written in,
 * 8 lanes wide. Compiled only into its own static library with -mavx2 -mfma and reached only
 * through c2__lrn_avx2_kernels after cpu_tier.c saw AVX2 and FMA. Every function here is static
 * (inline): a shared non-static copy could be picked by the linker for code that runs on a CPU
 * without AVX2. */
#include <float.h>
#include <immintrin.h>
#include <math.h>

#include "lrn_kernels.h"

typedef __m256 vf;
#define VW 8
#define V_TIER C2__TIER_AVX2
#define V_TABLE c2__lrn_avx2_kernels

static inline vf v_set1(float x) { return _mm256_set1_ps(x); }
static inline vf v_zero(void) { return _mm256_setzero_ps(); }
static inline vf v_load(const float *p) { return _mm256_loadu_ps(p); }
static inline void v_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
/* Lanes [0, n) with 0 < n <= VW; the other lanes read as 0 and are never touched in memory. */
static const int32_t lane_table[2 * VW] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
static inline __m256i lanes(int n) {
  return _mm256_loadu_si256((const __m256i *)(lane_table + VW - n));
}
static inline vf v_load_n(const float *p, int n) { return _mm256_maskload_ps(p, lanes(n)); }
static inline void v_store_n(float *p, vf v, int n) { _mm256_maskstore_ps(p, lanes(n), v); }
/* Non-temporal store of a whole vector to a 32-byte aligned address. */
static inline void v_stream(float *p, vf v) { _mm256_stream_ps(p, v); }
static inline void v_stream_fence(void) { _mm_sfence(); }
static inline vf v_add(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf v_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf v_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }   /* a*b + c */
static inline vf v_fms(vf a, vf b, vf c) { return _mm256_fmsub_ps(a, b, c); }   /* a*b - c */
static inline vf v_fnma(vf a, vf b, vf c) { return _mm256_fnmadd_ps(a, b, c); } /* c - a*b */
/* max(a, b) with the x86 rule that a NaN in either gives b (scale_of relies on it). */
static inline vf v_max(vf a, vf b) { return _mm256_max_ps(a, b); }
static inline vf v_sqrt(vf x) { return _mm256_sqrt_ps(x); }
static inline vf v_round(vf x) {
  return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* The 12-bit estimate (relative error up to 1.5 * 2^-12) needs a third-order step,
 * r * (1 + e/2 + 3e^2/8) with e = 1 - s*r*r, to reach float precision. v_rsqrt forms e exactly
 * (r*r split into a rounded product and its FMA remainder): within about half an ulp. */
static inline vf v_rsqrt(vf s) {
  vf r = _mm256_rsqrt_ps(s), h = v_mul(r, r), hl = v_fms(r, r, h);
  vf e = v_fnma(s, hl, v_fnma(s, h, v_set1(1.0f)));
  return v_fma(v_mul(r, e), v_fma(e, v_set1(0.375f), v_set1(0.5f)), r);
}
/* The same without the exact residual: within about 1 ulp, 2 operations less. */
static inline vf v_rsqrt_fast(vf s) {
  vf r = _mm256_rsqrt_ps(s), e = v_fnma(s, v_mul(r, r), v_set1(1.0f));
  return v_fma(v_mul(r, e), v_fma(e, v_set1(0.375f), v_set1(0.5f)), r);
}
/* 1/s: the 12-bit estimate and a third-order step r * (1 + e + e^2), e = 1 - s*r. */
static inline vf v_rcp(vf s) {
  vf r = _mm256_rcp_ps(s), e = v_fnma(s, r, v_set1(1.0f));
  return v_fma(r, v_fma(e, e, e), r);
}
/* s = m * 2^e with m in [0.75, 1.5), for positive finite s: denormals are first scaled by 2^24,
 * then the exponent and mantissa bits are split. */
static inline void v_frexp(vf s, vf *m, vf *e) {
  vf tiny = _mm256_cmp_ps(s, v_set1(FLT_MIN), _CMP_LT_OQ);
  s = _mm256_blendv_ps(s, v_mul(s, v_set1(16777216.0f)), tiny);
  __m256i bits = _mm256_castps_si256(s);
  vf ee = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127)));
  vf mm = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)),
                                              _mm256_set1_epi32(0x3f800000)));
  vf big = _mm256_cmp_ps(mm, v_set1(1.5f), _CMP_GE_OQ);
  *m = _mm256_blendv_ps(mm, v_mul(mm, v_set1(0.5f)), big);
  ee = v_add(ee, _mm256_and_ps(big, v_set1(1.0f)));
  *e = v_sub(ee, _mm256_and_ps(tiny, v_set1(24.0f)));
}
/* 2^k for integral k in [-126, 127], built from the exponent bits. */
static inline vf pow2i(__m256i k) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k, _mm256_set1_epi32(127)), 23));
}
/* p * 2^n for integral n: n is clamped to [-252, 254] and applied in two halves, so that the
 * result over- and underflows like the true product. */
static inline vf v_ldexp(vf p, vf n) {
  n = _mm256_min_ps(_mm256_max_ps(n, v_set1(-252.0f)), v_set1(254.0f));
  __m256i k = _mm256_cvtps_epi32(n), k1 = _mm256_srai_epi32(k, 1);
  return v_mul(v_mul(p, pow2i(k1)), pow2i(_mm256_sub_epi32(k, k1)));
}
/* The bit-level frexp reads 0, inf and NaN as ordinary numbers: make the power of 0 and NaN a
 * NaN and that of +inf a 0, as IEEE pow and the other tiers give (checked first: they are
 * rare). */
static inline vf v_pow_special(vf t, vf s) {
  vf odd = _mm256_or_ps(_mm256_cmp_ps(s, v_set1(FLT_MAX), _CMP_NLE_UQ),
                        _mm256_cmp_ps(s, v_zero(), _CMP_LE_OQ));
  if (!_mm256_movemask_ps(odd)) return t;
  vf inf = _mm256_cmp_ps(s, v_set1(INFINITY), _CMP_EQ_OQ);
  return _mm256_andnot_ps(inf, _mm256_blendv_ps(t, v_set1(NAN), odd));
}
/* v with the lanes where s is +inf set to 0 (a NaN s compares unequal: v kept). */
static inline vf v_zero_where_inf(vf v, vf s) {
  return _mm256_andnot_ps(_mm256_cmp_ps(s, v_set1(INFINITY), _CMP_EQ_OQ), v);
}
/* cur shifted by -2..+2 channels, prev/next supplying the lanes across the edges, added as
 * ((c-2 + c-1) + (c+1 + c+2)) + c. Per 128-bit lane alignr, after one cross-lane permute per
 * side. */
static inline vf v_window5(vf prev, vf cur, vf next) {
  __m256i c = _mm256_castps_si256(cur);
  __m256i lo = _mm256_castps_si256(_mm256_permute2f128_ps(prev, cur, 0x21)); /* p4..7 c0..3 */
  __m256i hi = _mm256_castps_si256(_mm256_permute2f128_ps(cur, next, 0x21)); /* c4..7 n0..3 */
  vf m2 = _mm256_castsi256_ps(_mm256_alignr_epi8(c, lo, 8));
  vf m1 = _mm256_castsi256_ps(_mm256_alignr_epi8(c, lo, 12));
  vf p1 = _mm256_castsi256_ps(_mm256_alignr_epi8(hi, c, 4));
  vf p2 = _mm256_castsi256_ps(_mm256_alignr_epi8(hi, c, 8));
  return v_add(v_add(v_add(m2, m1), v_add(p1, p2)), cur);
}
/* Lanes [n, VW) set to 0. */
static inline vf v_zero_tail(vf v, int n) { return _mm256_and_ps(v, _mm256_castsi256_ps(lanes(n))); }
/* A macro, not a function: GCC 12's mod/ref analysis drops calls to a prefetch-only inline
 * function as side-effect free (no prefetch survived in the object code). */
#define v_prefetch(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

#include "lrn_kernels_simd.h"
