/* The SIMD LRN kernels, written once over the vector primitives of an ISA file
 * (lrn_kernels_avx2.c, lrn_kernels_avx512.c). That file defines vf, VW (lanes), V_TIER, V_TABLE
 * and static inline v_* functions, then includes this one; everything here is static, so each
 * ISA's copy stays inside its own object.
 *
 * What makes these fast (an LRN is a stream: X in, Y out, ~8-16 bytes per element):
 *  - one pass over memory: the window's squares live in a small ring (NCHW) or a padded row
 *    (NHWC) in L1/L2, so each input element is read from memory once;
 *  - software prefetch of the rows/pixels about to be read (3x on the KVM guests measured in
 *    reference/perf: the hardware prefetcher does not follow the channel-strided NCHW walk);
 *  - scale^-beta without exp/log for beta = 0.5, 0.75, 1 (rsqrt/rcp estimates + Newton);
 *  - the backward recomputes Y from X instead of streaming the Y tensor.
 * Accuracy (float32 arithmetic, measured by tests/test_lrn_kernels.c): see README. */

#define ALWAYS_INLINE static inline __attribute__((always_inline))

/* Floats ahead of the current NHWC read position to prefetch (1 KiB). */
#define PF_NHWC 256

/* ---- scale^-beta ---- */

/* exp2(-beta * log2(s)) for positive s, with 2^z scaled exactly (v_ldexp) so that any beta and
 * scale work. log2(1+f) = f * P(f) on |f| <= sqrt(2) - 1 (degree 8, |error| < 1.8e-8 with these
 * float coefficients) and 2^r on |r| <= 1/2 (degree 6, relative error < 1.6e-8); both fits are
 * ours (weighted least squares, tools in the README). beta * exponent is split exactly (FMA
 * remainder) so that the fraction of a large -beta * log2(s) keeps its bits. */
ALWAYS_INLINE vf pow_general(vf s, vf nbeta) {
  vf m, e;
  v_frexp(s, &m, &e);
  vf f = v_sub(m, v_set1(1.0f)); /* exact (Sterbenz) */
  vf p = v_set1(1.254124194e-01f);
  p = v_fma(p, f, v_set1(-2.103034258e-01f));
  p = v_fma(p, f, v_set1(2.173794210e-01f));
  p = v_fma(p, f, v_set1(-2.385194302e-01f));
  p = v_fma(p, f, v_set1(2.876566648e-01f));
  p = v_fma(p, f, v_set1(-3.607212007e-01f));
  p = v_fma(p, f, v_set1(4.809225202e-01f));
  p = v_fma(p, f, v_set1(-7.213471532e-01f));
  p = v_fma(p, f, v_set1(1.442694902e+00f));
  vf l = v_mul(f, p);
  vf w = v_mul(nbeta, e), wl = v_fms(nbeta, e, w); /* nbeta * e == w + wl exactly */
  vf n1 = v_round(w);
  vf r = v_fma(nbeta, l, v_add(v_sub(w, n1), wl));
  vf n2 = v_round(r);
  r = v_sub(r, n2);
  vf q = v_set1(1.534581243e-04f);
  q = v_fma(q, r, v_set1(1.339993090e-03f));
  q = v_fma(q, r, v_set1(9.618489072e-03f));
  q = v_fma(q, r, v_set1(5.550328642e-02f));
  q = v_fma(q, r, v_set1(2.402264625e-01f));
  q = v_fma(q, r, v_set1(6.931471825e-01f));
  q = v_fma(q, r, v_set1(1.0f));
  return v_pow_fixup(v_ldexp(q, v_add(n1, n2)), s);
}

/* t = s^-beta. beta = 0.75 is rsqrt(s * sqrt(s)): the square root runs in the divider, beside
 * the FMA pipes (on Zen 4 a 512-bit sqrt costs the FMA pipes ~2 cycles of its 10), which is
 * cheaper than building sqrt(s) from a second refined rsqrt. */
ALWAYS_INLINE vf pow_t(vf s, lrn_beta_kind kind, vf nbeta) {
  switch (kind) {
  case LRN_BETA_HALF: return v_rsqrt(s);
  case LRN_BETA_THREE_QUARTER: return v_rsqrt(v_mul(s, v_sqrt(s)));
  case LRN_BETA_ONE: return v_rcp(s);
  default: return pow_general(s, nbeta);
  }
}

/* t = s^-beta and *ts = t / s = s^(-beta-1), for the backward. */
ALWAYS_INLINE vf pow_t_ts(vf s, lrn_beta_kind kind, vf nbeta, vf *ts) {
  vf t;
  switch (kind) {
  case LRN_BETA_HALF:
    t = v_rsqrt(s);
    *ts = v_mul(t, v_mul(t, t));
    return t;
  case LRN_BETA_ONE:
    t = v_rcp(s);
    *ts = v_mul(t, t);
    return t;
  default:
    t = pow_t(s, kind, nbeta);
    *ts = v_mul(t, v_rcp(s));
    return t;
  }
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
 * does not shift every scale of a run the same way (up to 1 ulp). */
ALWAYS_INLINE vf scale_of(vf sum, const vconst *k) {
  return v_fma(k->a, sum, v_fma(k->a_lo, sum, k->bias));
}

/* ---- window sums ---- */

/* The rows of one channel's window in a ring of R rows (row k in slot k % R). The ring has a
 * table of 2R row pointers (entry j -> slot j % R), so a window of n <= R rows starting at any
 * slot is the plain run rows[0 .. n). */
typedef struct window {
  const float *const *rows;
  int n;
} window;

/* Fills the 2R-entry pointer table of a ring. */
static inline void ring_table(float *ring, int64_t stride, int R, const float **table) {
  for (int j = 0; j < 2 * R; j++) table[j] = ring + (j % R) * stride;
}

static inline window window_of(const float *const *table, int R, int64_t lo, int64_t hi) {
  return (window){table + lo % R, (int)(hi - lo + 1)};
}

/* Sum of n >= 1 vectors next(0), next(1), ...: four interleaved partial sums added pairwise,
 * so a rounding chain is at most ~n/4 + 2 additions long (a plain running sum of 15 squares
 * loses up to 14 ulps). The size-5 windows use the fixed pairwise order in the callers. */
#define SUM_TREE(n, load_k, out)                                                              \
  do {                                                                                        \
    vf acc_[4] = {v_zero(), v_zero(), v_zero(), v_zero()};                                    \
    for (int k = 0; k < (n); k++) acc_[k & 3] = v_add(acc_[k & 3], load_k);                   \
    (out) = v_add(v_add(acc_[0], acc_[1]), v_add(acc_[2], acc_[3]));                          \
  } while (0)

/* Sum over the window's rows at offset i; the size-5 window is added pairwise. */
ALWAYS_INLINE vf sum_window(const window *w, int64_t i) {
  const float *const *r = w->rows;
  if (w->n == 5)
    return v_add(v_add(v_add(v_load(r[0] + i), v_load(r[1] + i)),
                       v_add(v_load(r[3] + i), v_load(r[4] + i))),
                 v_load(r[2] + i));
  vf out;
  SUM_TREE(w->n, v_load(r[k] + i), out);
  return out;
}

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

/* ---- NHWC: a pixel's C channels are contiguous ----
 * Squares go to a zero-padded row sq[h + c], so the window of channels c..c+VW-1 is a sum of
 * 2h+1 shifted loads and no lane needs a bound check. */

/* Squares of one pixel into sq + h; lanes past C store 0 into the padding. */
ALWAYS_INLINE void square_pixel(const float *x, int64_t C, float *sq) {
  for (int64_t c = 0; c < C; c += VW) {
    int n = C - c < VW ? (int)(C - c) : VW;
    vf xv = load_part(x + c, n);
    v_store(sq + c, v_mul(xv, xv));
  }
}

ALWAYS_INLINE void nhwc_forward(const lrn_plan *pl, const float *X, float *Y, float *S,
                                int64_t q0, int64_t q1, float *sq, lrn_beta_kind kind) {
  const int64_t C = pl->C;
  const int h = pl->half, size = 2 * h + 1;
  const vconst K = vconst_of(pl);
  for (int64_t k = 0; k < round_up(C) + 2 * h; k++) sq[k] = 0;
  for (int64_t q = q0; q < q1; q++) {
    const float *x = X + q * C;
    for (int64_t c = 0; c < C; c += VW) v_prefetch(x + c + PF_NHWC);
    square_pixel(x, C, sq + h);
    for (int64_t c = 0; c < C; c += VW) {
      int n = C - c < VW ? (int)(C - c) : VW;
      vf s = scale_of(sum_shifted(sq + c, size), &K);
      store_part(Y + q * C + c, v_mul(load_part(x + c, n), pow_t(s, kind, K.nbeta)), n);
      if (S) store_part(S + q * C + c, s, n);
    }
  }
}

/* Scratch: sq and ratio rows (padded) and g = dY * scale^-beta. */
ALWAYS_INLINE void nhwc_backward(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                                 int64_t q0, int64_t q1, float *scratch, lrn_beta_kind kind) {
  const int64_t C = pl->C, row = round_up(C) + 2 * pl->half;
  const int h = pl->half, size = 2 * h + 1;
  const vconst K = vconst_of(pl);
  float *sq = scratch, *ratio = sq + row, *g = ratio + row;
  for (int64_t k = 0; k < 2 * row; k++) scratch[k] = 0;
  for (int64_t q = q0; q < q1; q++) {
    const float *x = X + q * C, *dy = dY + q * C;
    for (int64_t c = 0; c < C; c += VW) {
      v_prefetch(x + c + PF_NHWC);
      v_prefetch(dy + c + PF_NHWC);
    }
    square_pixel(x, C, sq + h);
    for (int64_t c = 0; c < C; c += VW) {
      int n = C - c < VW ? (int)(C - c) : VW;
      vf ts, s = scale_of(sum_shifted(sq + c, size), &K);
      vf t = pow_t_ts(s, kind, K.nbeta, &ts);
      vf dyv = load_part(dy + c, n);
      /* masked: the padding must stay 0 even where the lanes past C computed 0 * inf */
      store_part(ratio + h + c, v_mul(v_mul(dyv, load_part(x + c, n)), ts), n);
      v_store(g + c, v_mul(dyv, t));
    }
    for (int64_t c = 0; c < C; c += VW) {
      int n = C - c < VW ? (int)(C - c) : VW;
      vf acc = sum_shifted(ratio + c, size);
      store_part(dX + q * C + c, v_fnma(v_mul(K.cr, load_part(x + c, n)), acc, v_load(g + c)), n);
    }
  }
}

/* The common size-5 window (half == 2) without the scratch row: squares stay in registers and
 * each channel vector's window is v_window5 of the previous, current and next vectors' squares
 * (zero past the edges). This avoids a store and five overlapping reloads per vector, whose
 * store-to-load forwarding fails. */
ALWAYS_INLINE void nhwc_forward5(const lrn_plan *pl, const float *X, float *Y, float *S,
                                 int64_t q0, int64_t q1, lrn_beta_kind kind) {
  const int64_t C = pl->C;
  const vconst K = vconst_of(pl);
  for (int64_t q = q0; q < q1; q++) {
    const float *x = X + q * C;
    float *y = Y + q * C, *sc = S ? S + q * C : NULL;
    vf xc = load_part(x, C < VW ? (int)C : VW), prev = v_zero(), cur = v_mul(xc, xc);
    for (int64_t c = 0; c < C; c += VW) {
      int n = C - c < VW ? (int)(C - c) : VW;
      v_prefetch(x + c + PF_NHWC);
      vf xn = v_zero();
      if (c + VW < C) xn = load_part(x + c + VW, C - c - VW < VW ? (int)(C - c - VW) : VW);
      vf next = v_mul(xn, xn);
      vf s = scale_of(v_window5(prev, cur, next), &K);
      store_part(y + c, v_mul(xc, pow_t(s, kind, K.nbeta)), n);
      if (sc) store_part(sc + c, s, n);
      prev = cur, cur = next, xc = xn;
    }
  }
}

/* Backward with the same registers: squares run one vector ahead, dX one vector behind (its
 * window needs the next vector's ratio). */
ALWAYS_INLINE void nhwc_backward5(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                                  int64_t q0, int64_t q1, lrn_beta_kind kind) {
  const int64_t C = pl->C;
  const vconst K = vconst_of(pl);
  for (int64_t q = q0; q < q1; q++) {
    const float *x = X + q * C, *dy = dY + q * C;
    float *dx = dX + q * C;
    int n = C < VW ? (int)C : VW;
    vf xc = load_part(x, n), dyc = load_part(dy, n);
    vf sq_prev = v_zero(), sq_cur = v_mul(xc, xc);
    vf r_prev2 = v_zero(), r_prev = v_zero(), g_prev = v_zero(), x_prev = v_zero();
    for (int64_t c = 0; c < C; c += VW) {
      n = C - c < VW ? (int)(C - c) : VW;
      v_prefetch(x + c + PF_NHWC);
      v_prefetch(dy + c + PF_NHWC);
      vf xn = v_zero(), dyn = v_zero();
      if (c + VW < C) {
        int nn = C - c - VW < VW ? (int)(C - c - VW) : VW;
        xn = load_part(x + c + VW, nn);
        dyn = load_part(dy + c + VW, nn);
      }
      vf sq_next = v_mul(xn, xn);
      vf ts, s = scale_of(v_window5(sq_prev, sq_cur, sq_next), &K);
      vf t = pow_t_ts(s, kind, K.nbeta, &ts);
      /* lanes past C must add 0 to the window, even where they computed 0 * inf */
      vf r = v_mul(v_mul(dyc, xc), ts);
      if (n < VW) r = v_zero_tail(r, n);
      if (c > 0) {
        vf acc = v_window5(r_prev2, r_prev, r);
        v_store(dx + c - VW, v_fnma(v_mul(K.cr, x_prev), acc, g_prev));
      }
      r_prev2 = r_prev, r_prev = r, g_prev = v_mul(dyc, t), x_prev = xc;
      sq_prev = sq_cur, sq_cur = sq_next, xc = xn, dyc = dyn;
    }
    int64_t last = (C - 1) / VW * VW;
    vf acc = v_window5(r_prev2, r_prev, v_zero());
    store_part(dx + last, v_fnma(v_mul(K.cr, x_prev), acc, g_prev), (int)(C - last));
  }
}

/* ---- NCHW: channel c of a position is HW floats after channel c-1 ----
 * A block of up to `block` positions walks down the channels. The squares of the 2h+1 rows in
 * the window sit in a ring of rows (row k in slot k % (2h+1)); each step squares one new row,
 * so every X element is read from memory once, while the next row is prefetched. */


/* Squares of tensor row x into ring row out (lanes past len get 0). */
static inline void square_row(const float *x, float *out, int64_t len) {
  for (int64_t i = 0; i < len; i += VW) {
    int n = len - i < VW ? (int)(len - i) : VW;
    vf xv = load_part(x + i, n);
    v_store(out + i, v_mul(xv, xv));
  }
}

/* Forward of channel c in one block of len positions: squares the new row x_new into sq_new
 * (NULL past the last channel), prefetches row pf (NULL: none), writes Y (and the scale). */
ALWAYS_INLINE void nchw_forward_step(int64_t len, const float *x_new, float *sq_new,
                                     const float *pf, const window *w, const float *xc,
                                     float *yc, float *sc, const vconst *kc,
                                     lrn_beta_kind kind) {
  const vconst K = *kc;
  for (int64_t i = 0; i < len; i += VW) {
    int n = len - i < VW ? (int)(len - i) : VW;
    if (pf) v_prefetch(pf + i);
    if (sq_new) {
      vf xn = load_part(x_new + i, n);
      v_store(sq_new + i, v_mul(xn, xn));
    }
    vf s = scale_of(sum_window(w, i), &K);
    store_part(yc + i, v_mul(load_part(xc + i, n), pow_t(s, kind, K.nbeta)), n);
    if (sc) store_part(sc + i, s, n);
  }
}

ALWAYS_INLINE void nchw_forward(const lrn_plan *pl, const float *X, float *Y, float *S,
                                int64_t pix0, int64_t pix1, float *ring, lrn_beta_kind kind) {
  const vconst K = vconst_of(pl);
  const int64_t C = pl->C, HW = pl->HW, stride = round_up(pl->block);
  const int h = pl->half, R = 2 * h + 1;
  const float **table = (const float **)(ring + R * stride);
  ring_table(ring, stride, R, table);
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t p = i0; p < i1; p += pl->block) {
      const int64_t len = i1 - p < pl->block ? i1 - p : pl->block, off = n * C * HW + p;
      for (int64_t k = 0; k < h && k < C; k++)
        square_row(X + off + k * HW, ring + (k % R) * stride, len);
      for (int64_t c = 0; c < C; c++) {
        const int64_t kn = c + h;
        window w = window_of(table, R, lo_of(c, h), hi_of(c, h, C));
        nchw_forward_step(len, kn < C ? X + off + kn * HW : NULL,
                          kn < C ? ring + (kn % R) * stride : NULL,
                          kn + 1 < C ? X + off + (kn + 1) * HW : NULL, &w, X + off + c * HW,
                          Y + off + c * HW, S ? S + off + c * HW : NULL, &K, kind);
      }
    }
  }
}

/* Backward step j of one block. Channel j's ratio dY*Y/scale and g = dY*scale^-beta go into
 * rings (2h+1 and h+1 rows); then channel c = j - h, whose window of ratios is now complete,
 * is written. */
typedef struct nchw_bwd_rows {
  const float *x_new; /* row j+h of X, squared into sq_new (both NULL past the last channel) */
  float *sq_new;
  const float *pf_x, *pf_dy; /* rows to prefetch (NULL: none) */
  bool has_j;                /* j < C */
  window sq;                 /* squares in channel j's window */
  const float *xj, *dyj;
  float *ratio_j, *g_j;
  bool has_c; /* c >= 0 */
  window ratio; /* ratios in channel c's window */
  const float *xc, *gc;
  float *dxc;
} nchw_bwd_rows;

ALWAYS_INLINE void nchw_backward_step(int64_t len, const nchw_bwd_rows *r, const vconst *kc,
                                      lrn_beta_kind kind) {
  const vconst K = *kc;
  for (int64_t i = 0; i < len; i += VW) {
    int n = len - i < VW ? (int)(len - i) : VW;
    if (r->pf_x) v_prefetch(r->pf_x + i);
    if (r->pf_dy) v_prefetch(r->pf_dy + i);
    if (r->sq_new) {
      vf xn = load_part(r->x_new + i, n);
      v_store(r->sq_new + i, v_mul(xn, xn));
    }
    if (r->has_j) {
      vf ts, s = scale_of(sum_window(&r->sq, i), &K);
      vf t = pow_t_ts(s, kind, K.nbeta, &ts);
      vf dyv = load_part(r->dyj + i, n);
      v_store(r->ratio_j + i, v_mul(v_mul(dyv, load_part(r->xj + i, n)), ts));
      v_store(r->g_j + i, v_mul(dyv, t));
    }
    if (r->has_c) {
      vf acc = sum_window(&r->ratio, i);
      store_part(r->dxc + i, v_fnma(v_mul(K.cr, load_part(r->xc + i, n)), acc, v_load(r->gc + i)), n);
    }
  }
}

ALWAYS_INLINE void nchw_backward(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                                 int64_t pix0, int64_t pix1, float *scratch,
                                 lrn_beta_kind kind) {
  const vconst K = vconst_of(pl);
  const int64_t C = pl->C, HW = pl->HW, stride = round_up(pl->block);
  const int h = pl->half, R = 2 * h + 1, G = h + 1;
  float *sq = scratch, *ratio = sq + R * stride, *g = ratio + R * stride;
  const float **sq_table = (const float **)(g + G * stride), **ratio_table = sq_table + 2 * R;
  ring_table(sq, stride, R, sq_table);
  ring_table(ratio, stride, R, ratio_table);
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t p = i0; p < i1; p += pl->block) {
      const int64_t len = i1 - p < pl->block ? i1 - p : pl->block, off = n * C * HW + p;
      for (int64_t k = 0; k < h && k < C; k++)
        square_row(X + off + k * HW, sq + (k % R) * stride, len);
      for (int64_t j = 0; j < C + h; j++) {
        const int64_t kn = j + h, c = j - h;
        nchw_bwd_rows r = {.has_j = j < C, .has_c = c >= 0};
        if (kn < C) {
          r.x_new = X + off + kn * HW;
          r.sq_new = sq + (kn % R) * stride;
        }
        if (kn + 1 < C) r.pf_x = X + off + (kn + 1) * HW;
        if (j + 1 < C) r.pf_dy = dY + off + (j + 1) * HW;
        if (r.has_j) {
          r.sq = window_of(sq_table, R, lo_of(j, h), hi_of(j, h, C));
          r.xj = X + off + j * HW;
          r.dyj = dY + off + j * HW;
          r.ratio_j = ratio + (j % R) * stride;
          r.g_j = g + (j % G) * stride;
        }
        if (r.has_c) {
          r.ratio = window_of(ratio_table, R, lo_of(c, h), hi_of(c, h, C));
          r.xc = X + off + c * HW;
          r.gc = g + (c % G) * stride;
          r.dxc = dX + off + c * HW;
        }
        nchw_backward_step(len, &r, &K, kind);
      }
    }
  }
}

/* ---- the table ---- */

static size_t simd_scratch(const lrn_plan *pl, bool backward) {
  int64_t floats;
  if (pl->nhwc) {
    int64_t row = round_up(pl->C) + 2 * pl->half;
    floats = backward ? 2 * row + round_up(pl->C) : row;
  } else {
    /* rings of squares (and ratios, g) plus their pointer tables */
    int64_t R = 2 * (int64_t)pl->half + 1, rows = backward ? 2 * R + pl->half + 1 : R;
    return (size_t)(rows * round_up(pl->block)) * sizeof(float) +
           (size_t)(backward ? 4 : 2) * (size_t)R * sizeof(float *);
  }
  return (size_t)floats * sizeof(float);
}

/* One instantiation per beta kind, so that pow_t's switch folds away. */
#define FOR_KIND(kind, call)                                                                  \
  switch (kind) {                                                                             \
  case LRN_BETA_HALF: call(LRN_BETA_HALF); break;                                             \
  case LRN_BETA_THREE_QUARTER: call(LRN_BETA_THREE_QUARTER); break;                           \
  case LRN_BETA_ONE: call(LRN_BETA_ONE); break;                                               \
  default: call(LRN_BETA_GENERAL); break;                                                     \
  }

static void simd_forward(const lrn_plan *pl, const float *X, float *Y, float *S, int64_t pix0,
                         int64_t pix1, void *scratch) {
#define FWD(k)                                                                                \
  (!pl->nhwc        ? nchw_forward(pl, X, Y, S, pix0, pix1, scratch, k)                       \
   : pl->half == 2 ? nhwc_forward5(pl, X, Y, S, pix0, pix1, k)                                \
                   : nhwc_forward(pl, X, Y, S, pix0, pix1, scratch, k))
  FOR_KIND(pl->kind, FWD)
#undef FWD
}

static void simd_backward(const lrn_plan *pl, const float *X, const float *Y, const float *dY,
                          float *dX, int64_t pix0, int64_t pix1, void *scratch) {
  (void)Y;
#define BWD(k)                                                                                \
  (!pl->nhwc        ? nchw_backward(pl, X, dY, dX, pix0, pix1, scratch, k)                    \
   : pl->half == 2 ? nhwc_backward5(pl, X, dY, dX, pix0, pix1, k)                             \
                   : nhwc_backward(pl, X, dY, dX, pix0, pix1, scratch, k))
  FOR_KIND(pl->kind, BWD)
#undef BWD
}

const lrn_kernel_table V_TABLE = {
    .tier = V_TIER,
    .scratch_bytes = simd_scratch,
    .forward = simd_forward,
    .backward = simd_backward,
};
