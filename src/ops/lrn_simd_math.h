/* Shared part of the SIMD LRN kernels (included by lrn_kernels_simd.h): scale^-beta, the scale,
 * window sums and partial loads, over the vector primitives of the ISA file. */

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* ---- scale^-beta ---- */

/* exp2(-beta * log2(s)) for positive s, with 2^z scaled exactly (v_ldexp) so that any beta and
 * scale work. log2(1+f) = f * P(f) on [-0.25, 0.5) (degree 7, |error| < 6.2e-8) and 2^r on
 * |r| <= 1/2 (degree 5, relative error < 1.1e-7): our fits (weighted least squares, each float
 * coefficient rounded in turn and the rest refitted), errors measured with the rounded floats.
 * The integer part is taken from beta * exponent through one FMA so that the fraction of a
 * large -beta * log2(s) keeps its bits. A scale of 0 or NaN gives NaN, and +inf gives 0 (as
 * IEEE pow; v_pow_special where the ISA's frexp does not see to it). */
ALWAYS_INLINE vf pow_general(vf s, vf nbeta) {
  vf m, e;
  v_frexp(s, &m, &e);
  vf f = v_sub(m, v_set1(1.0f)); /* exact (Sterbenz) */
  vf p = v_set1(-9.087901562e-02f);
  p = v_fma(p, f, v_set1(2.012806237e-01f));
  p = v_fma(p, f, v_set1(-2.519420683e-01f));
  p = v_fma(p, f, v_set1(2.908062041e-01f));
  p = v_fma(p, f, v_set1(-3.602610230e-01f));
  p = v_fma(p, f, v_set1(4.808019400e-01f));
  p = v_fma(p, f, v_set1(-7.213521004e-01f));
  p = v_fma(p, f, v_set1(1.442695856e+00f));
  vf bl = v_mul(nbeta, v_mul(f, p)); /* -beta * log2(m) */
  /* n = the integer nearest -beta * log2(s); r = -beta * e - n (one rounding: the FMA forms
   * the product exactly, and the result is small) plus -beta * log2(m), so a large
   * -beta * e never rounds away the fraction. */
  vf n = v_round(v_fma(nbeta, e, bl));
  vf r = v_add(v_fms(nbeta, e, n), bl);
  vf q = v_set1(1.326472731e-03f);
  q = v_fma(q, r, v_set1(9.671512991e-03f));
  q = v_fma(q, r, v_set1(5.550733581e-02f));
  q = v_fma(q, r, v_set1(2.402224243e-01f));
  q = v_fma(q, r, v_set1(6.931470037e-01f));
  q = v_fma(q, r, v_set1(1.0f));
  return v_pow_special(v_ldexp(q, n), s);
}

/* t = s^-beta. beta = 0.75 is rsqrt(s * sqrt(s)): the square root runs in the divider, beside
 * the FMA pipes (on Zen 4 a 512-bit sqrt costs the FMA pipes ~2 cycles of its 10), which is
 * cheaper than building sqrt(s) from a second refined rsqrt. Its rsqrt skips the exact
 * residual: the error of s * sqrt(s) (two roundings) dominates, and the measured worst case did
 * not move. */
ALWAYS_INLINE vf pow_t_finite(vf s, lrn_beta_kind kind, vf nbeta) {
  switch (kind) {
  case LRN_BETA_HALF: return v_rsqrt(s);
  case LRN_BETA_THREE_QUARTER: return v_rsqrt_fast(v_mul(s, v_sqrt(s)));
  case LRN_BETA_ONE: return v_rcp(s);
  default: return pow_general(s, nbeta);
  }
}

/* The paths above give NaN for an infinite scale (an estimate of 0 times inf in the Newton
 * step, or v_pow_special), but inf^-beta is 0 (IEEE pow, Caffe2, the ref and scalar tiers): an
 * infinite X would otherwise turn its finite neighbours' Y, and the backward over twice the
 * window, into NaN, so results would depend on the CPU tier. A scale of 0 or NaN stays NaN. */
ALWAYS_INLINE vf pow_t(vf s, lrn_beta_kind kind, vf nbeta) {
  /* pow_general already gives 0 there (getexp on AVX-512, v_pow_special's rare branch on AVX2):
   * the compute-bound general path pays nothing for it. */
  if (kind == LRN_BETA_GENERAL) return pow_general(s, nbeta);
  return v_zero_where_inf(pow_t_finite(s, kind, nbeta), s);
}

/* t = s^-beta and *ts = t / s = s^(-beta-1), for the backward. */
ALWAYS_INLINE vf pow_t_ts(vf s, lrn_beta_kind kind, vf nbeta, vf *ts) {
  vf t = pow_t(s, kind, nbeta); /* already 0 where s is +inf */
  switch (kind) {
  case LRN_BETA_HALF: *ts = v_mul(t, v_mul(t, t)); break;
  case LRN_BETA_ONE: *ts = v_mul(t, t); break;
  /* inf^(-beta-1) = 0 too, but v_rcp(inf) is NaN */
  default: *ts = v_zero_where_inf(v_mul(t, v_rcp(s)), s); break;
  }
  return t;
}

/* ---- per-call constants ---- */

typedef struct vconst {
  vf a, a_lo, bias, nbeta, cr;
} vconst;

static inline vconst vconst_of(const lrn_plan *pl) {
  return (vconst){v_set1(pl->a), v_set1(pl->a_lo), v_set1(pl->p.bias), v_set1(-pl->p.beta),
                  v_set1(pl->cache_ratio)};
}

/* scale = bias + alpha/size * sum, with alpha/size split in two floats so that its rounding
 * does not shift every scale of a run the same way (up to 1 ulp: it kept beta = 1 under 3e-7).
 * The general-beta path, whose target is 1e-6, saves the operation.
 * An infinite sum (an infinite X in the window) must give an infinite scale, as bias + a * inf
 * does, but a_lo is often negative or 0, making the inner term -inf or NaN and the scale NaN.
 * The inner term only matters for a finite sum, where it is finite (>= -FLT_MAX), so it is
 * floored there: v_max returns -FLT_MAX for -inf and for NaN. A NaN sum still gives NaN through
 * a * sum. */
ALWAYS_INLINE vf scale_of(vf sum, const vconst *k, lrn_beta_kind kind) {
  if (kind == LRN_BETA_GENERAL) return v_fma(k->a, sum, k->bias);
  return v_fma(k->a, sum, v_max(v_fma(k->a_lo, sum, k->bias), v_set1(-FLT_MAX)));
}

/* ---- sums, partial vectors ---- */

/* Sum of n >= 1 vectors next(0), next(1), ...: four interleaved partial sums added pairwise,
 * so a rounding chain is at most ~n/4 + 2 additions long (a plain running sum of 15 squares
 * loses up to 14 ulps). The size-5 windows use the fixed pairwise order in the callers. */
#define SUM_TREE(n, load_k, out)                                                              \
  do {                                                                                        \
    vf acc_[4] = {v_zero(), v_zero(), v_zero(), v_zero()};                                    \
    for (int k = 0; k < (n); k++) acc_[k & 3] = v_add(acc_[k & 3], load_k);                   \
    (out) = v_add(v_add(acc_[0], acc_[1]), v_add(acc_[2], acc_[3]));                          \
  } while (0)

/* Sum of p[k .. k + VW) for k in [0, n): the window of VW consecutive channels. */
ALWAYS_INLINE vf sum_shifted(const float *p, int n) {
  vf out;
  SUM_TREE(n, v_load(p + k), out);
  return out;
}

/* Loads/stores of n <= VW lanes of a tensor row: full vectors in the body, masked in the tail
 * (a tensor may end anywhere). */
ALWAYS_INLINE vf load_part(const float *p, int n) { return n == VW ? v_load(p) : v_load_n(p, n); }
ALWAYS_INLINE void store_part(float *p, vf v, int n) {
  if (n == VW) v_store(p, v);
  else v_store_n(p, v, n);
}

static inline int64_t round_up(int64_t n) { return (n + VW - 1) / VW * VW; }
static inline int64_t lo_of(int64_t c, int h) { return c - h < 0 ? 0 : c - h; }
static inline int64_t hi_of(int64_t c, int h, int64_t C) { return c + h > C - 1 ? C - 1 : c + h; }

