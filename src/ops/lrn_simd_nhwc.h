/* NHWC SIMD LRN kernels (included by lrn_kernels_simd.h): a pixel's C channels are contiguous,
 * so the window slides along a vector of channels. Streams are sequential: one read (X; dY too
 * in the backward) and one write, prefetched PF_NHWC floats ahead. */

/* Floats ahead of the current read position to prefetch (1 KiB). */
#define PF_NHWC 256

static inline bool vec_aligned(const float *p) { return (uintptr_t)p % (VW * sizeof(float)) == 0; }

/* Any window size: squares go to a zero-padded row sq[h + c], so the window of channels
 * c..c+VW-1 is a sum of 2h+1 shifted loads and no lane needs a bound check. */

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
      vf s = scale_of(sum_shifted(sq + c, size), &K, kind);
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
      vf ts, s = scale_of(sum_shifted(sq + c, size), &K, kind);
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
  /* whole aligned vectors only */
  const bool nt = pl->stream_out && C % VW == 0 && vec_aligned(Y) && (!S || vec_aligned(S));
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
      vf s = scale_of(v_window5(prev, cur, next), &K, kind);
      vf yv = v_mul(xc, pow_t(s, kind, K.nbeta));
      if (nt) {
        v_stream(y + c, yv);
        if (sc) v_stream(sc + c, s);
      } else {
        store_part(y + c, yv, n);
        if (sc) store_part(sc + c, s, n);
      }
      prev = cur, cur = next, xc = xn;
    }
  }
  if (nt) v_stream_fence();
}

/* Backward with the same registers: squares run one vector ahead, dX one vector behind (its
 * window needs the next vector's ratio). */
ALWAYS_INLINE void nhwc_backward5(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                                  int64_t q0, int64_t q1, lrn_beta_kind kind) {
  const int64_t C = pl->C;
  const vconst K = vconst_of(pl);
  const bool nt = pl->stream_out && C % VW == 0 && vec_aligned(dX);
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
      vf ts, s = scale_of(v_window5(sq_prev, sq_cur, sq_next), &K, kind);
      vf t = pow_t_ts(s, kind, K.nbeta, &ts);
      /* lanes past C must add 0 to the window, even where they computed 0 * inf */
      vf r = v_mul(v_mul(dyc, xc), ts);
      if (n < VW) r = v_zero_tail(r, n);
      if (c > 0) {
        vf acc = v_window5(r_prev2, r_prev, r);
        vf dxv = v_fnma(v_mul(K.cr, x_prev), acc, g_prev);
        if (nt) v_stream(dx + c - VW, dxv);
        else v_store(dx + c - VW, dxv);
      }
      r_prev2 = r_prev, r_prev = r, g_prev = v_mul(dyc, t), x_prev = xc;
      sq_prev = sq_cur, sq_cur = sq_next, xc = xn, dyc = dyn;
    }
    int64_t last = (C - 1) / VW * VW;
    vf acc = v_window5(r_prev2, r_prev, v_zero());
    vf dxv = v_fnma(v_mul(K.cr, x_prev), acc, g_prev);
    if (nt) v_stream(dx + last, dxv);
    else store_part(dx + last, dxv, (int)(C - last));
  }
  if (nt) v_stream_fence();
}

