/* AVX-512 F LRN kernels: the vector primitives the template lrn_kernels_simd.h is written in,
 * 16 lanes wide. Compiled only into its own static library with -mavx512f -mavx2 -mfma and
 * reached only through c2__lrn_avx512_kernels after cpu_tier.c saw AVX-512 F. Every function
 * here is static (inline): a shared non-static copy could be picked by the linker for code that
 * runs on a CPU without AVX-512. */
#include <float.h>
#include <immintrin.h>
#include <math.h>

#include "lrn_kernels.h"

typedef __m512 vf;
#define VW 16
#define V_TIER C2__TIER_AVX512
#define V_TABLE c2__lrn_avx512_kernels

static inline vf v_set1(float x) { return _mm512_set1_ps(x); }
static inline vf v_zero(void) { return _mm512_setzero_ps(); }
static inline vf v_load(const float *p) { return _mm512_loadu_ps(p); }
static inline void v_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
/* Lanes [0, n) with 0 < n <= VW; the other lanes read as 0 and are never touched in memory. */
static inline __mmask16 lanes(int n) { return (__mmask16)((1u << n) - 1u); }
static inline vf v_load_n(const float *p, int n) { return _mm512_maskz_loadu_ps(lanes(n), p); }
static inline void v_store_n(float *p, vf v, int n) { _mm512_mask_storeu_ps(p, lanes(n), v); }
/* Non-temporal store of a whole vector to a 64-byte aligned address. */
static inline void v_stream(float *p, vf v) { _mm512_stream_ps(p, v); }
static inline void v_stream_fence(void) { _mm_sfence(); }
static inline vf v_add(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf v_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf v_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf v_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }   /* a*b + c */
static inline vf v_fms(vf a, vf b, vf c) { return _mm512_fmsub_ps(a, b, c); }   /* a*b - c */
static inline vf v_fnma(vf a, vf b, vf c) { return _mm512_fnmadd_ps(a, b, c); } /* c - a*b */
/* max(a, b) with the x86 rule that a NaN in either gives b (scale_of relies on it). */
static inline vf v_max(vf a, vf b) { return _mm512_max_ps(a, b); }
static inline vf v_sqrt(vf x) { return _mm512_sqrt_ps(x); }
static inline vf v_round(vf x) {
  return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

/* 1/sqrt(s) from the 14-bit estimate and one Newton step; the residual 1 - s*r*r is formed
 * exactly (r*r split into a rounded product and its FMA remainder), so the result is within
 * about half an ulp. */
static inline vf v_rsqrt(vf s) {
  vf r = _mm512_rsqrt14_ps(s), h = v_mul(r, r), hl = v_fms(r, r, h);
  vf e = v_fnma(s, hl, v_fnma(s, h, v_set1(1.0f)));
  return v_fma(v_mul(r, v_set1(0.5f)), e, r);
}
/* The same without the exact residual: within about 1 ulp, 2 operations less. */
static inline vf v_rsqrt_fast(vf s) {
  vf r = _mm512_rsqrt14_ps(s);
  vf e = v_fnma(s, v_mul(r, r), v_set1(1.0f));
  return v_fma(v_mul(r, v_set1(0.5f)), e, r);
}
/* 1/s from the 14-bit estimate and one Newton step (error ~2^-28 + rounding). */
static inline vf v_rcp(vf s) {
  vf r = _mm512_rcp14_ps(s);
  return v_fma(r, v_fnma(s, r, v_set1(1.0f)), r);
}
/* s = m * 2^e with m in [0.75, 1.5), for positive finite s (denormals included). */
static inline void v_frexp(vf s, vf *m, vf *e) {
  *m = _mm512_getmant_ps(s, _MM_MANT_NORM_p75_1p5, _MM_MANT_SIGN_zero);
  vf ee = _mm512_getexp_ps(s); /* floor(log2 s): one less where m < 1 */
  *e = _mm512_mask_add_ps(ee, _mm512_cmp_ps_mask(*m, v_set1(1.0f), _CMP_LT_OQ), ee, v_set1(1.0f));
}
/* p * 2^n for integral n; scalef over- and underflows like the true product. */
static inline vf v_ldexp(vf p, vf n) { return _mm512_scalef_ps(p, n); }
/* getexp/getmant already give a scale of 0 or NaN a NaN power, and +inf a 0 power: getexp(inf)
 * = inf sends scalef's exponent to -inf, where it returns 0 even for the NaN polynomial
 * (measured; test_infinite_x_gives_zero_power holds every tier to it). */
static inline vf v_pow_special(vf t, vf s) {
  (void)s;
  return t;
}
/* v with the lanes where s is +inf set to 0 (NaN s keeps v: NEQ_UQ is true for it). */
static inline vf v_zero_where_inf(vf v, vf s) {
  return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(s, v_set1(INFINITY), _CMP_NEQ_UQ), v);
}
/* cur shifted by -2..+2 channels, prev/next supplying the lanes across the edges, added as
 * ((c-2 + c-1) + (c+1 + c+2)) + c. */
static inline vf v_window5(vf prev, vf cur, vf next) {
  __m512i p = _mm512_castps_si512(prev), c = _mm512_castps_si512(cur);
  __m512i n = _mm512_castps_si512(next);
  vf m2 = _mm512_castsi512_ps(_mm512_alignr_epi32(c, p, 14));
  vf m1 = _mm512_castsi512_ps(_mm512_alignr_epi32(c, p, 15));
  vf p1 = _mm512_castsi512_ps(_mm512_alignr_epi32(n, c, 1));
  vf p2 = _mm512_castsi512_ps(_mm512_alignr_epi32(n, c, 2));
  return v_add(v_add(v_add(m2, m1), v_add(p1, p2)), cur);
}
/* Lanes [n, VW) set to 0. */
static inline vf v_zero_tail(vf v, int n) { return _mm512_maskz_mov_ps(lanes(n), v); }
/* A macro, not a function: GCC 12's mod/ref analysis drops calls to a prefetch-only inline
 * function as side-effect free (no prefetch survived in the object code). */
#define v_prefetch(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)

#include "lrn_kernels_simd.h"
