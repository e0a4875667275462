/* NCHW SIMD LRN kernels (included by lrn_kernels_simd.h): channel c of a position is H*W floats
 * after channel c-1, so a window spans rows of different planes. Work goes block by block: a
 * block is a run of positions of one image (plan->block, ~4K), walked down the channels.
 *
 * What the DRAM of the measured VM needs (bench notes in the README): long sequential runs and
 * few rows re-read from cache per row written. Walking one channel at a time while re-reading
 * the 4 other window rows from L2 ran at half the copy bandwidth; re-reading them per group of
 * 8 channels runs at copy speed. Hence:
 *  - window 5 (half == 2, the common case): groups of NG = 8 channels per pass over the block,
 *    the window sliding through registers (nchw5_*);
 *  - other windows: one channel per step with the squares in an L1-sized ring of rows
 *    (nchw_ring_*), correct for any size, slower. */

/* ---- window 5: groups of NG channels ---- */

#define NG 8
/* Floats ahead to prefetch into L1 on each new row (the L2 streamer brings the rows from DRAM;
 * 12 concurrent rows are more than the L1 prefetcher follows): 256 B, measured best of 0/64/256
 * on the backward (~10%). */
#define NCHW_PF 64

/* Rows c0-2 .. c0+NG+1 of a group for loads (a zero row where the channel does not exist) and
 * rows c0 .. c0+NG-1 (shifted by `lag`) for stores (a sink row where it does not). */
static inline void group_rows(const float *base, float *out, int64_t c0, int64_t C, int64_t HW,
                              int lag, const float *zero, float *sink, const float **in,
                              float **outs) {
  for (int k = 0; k < NG + 4; k++) {
    int64_t c = c0 - 2 + k;
    in[k] = c >= 0 && c < C ? base + c * HW : zero;
  }
  for (int u = 0; u < NG; u++) {
    int64_t c = c0 + u - lag;
    if (outs) outs[u] = c >= 0 && c < C ? out + c * HW : sink;
  }
}

/* Forward of channels c0 .. c0+NG-1 at positions [i, i+n): rows x[0..NG+4) are channels
 * c0-2 .. c0+NG+1. The sum is ((q[c-2] + q[c-1]) + (q[c+1] + q[c+2])) + q[c], the same order as
 * every other size-5 window here. Called with n = VW (a constant: no tail tests) for whole
 * vectors and once with the remainder. */
ALWAYS_INLINE void nchw5_forward_vec(int64_t i, int n, const float *const *x, float *const *y,
                                     float *const *sc, const vconst *kc, lrn_beta_kind kind) {
  const vconst K = *kc;
  vf xv[NG + 4], q[NG + 4];
  /* Every load before any store: when a plane is a multiple of 4 KiB (224x224), all rows of X
   * and Y share their offset within a page, and a load issued after a store to the same offset
   * waits on it (4K aliasing: 1.5x slower). */
  _Pragma("GCC unroll 12") for (int k = 0; k < NG + 4; k++) {
    if (k >= 4) v_prefetch(x[k] + i + NCHW_PF);
    xv[k] = load_part(x[k] + i, n);
    q[k] = v_mul(xv[k], xv[k]);
  }
  _Pragma("GCC unroll 8") for (int u = 0; u < NG; u++) {
    vf sum = v_add(v_add(v_add(q[u], q[u + 1]), v_add(q[u + 3], q[u + 4])), q[u + 2]);
    vf s = scale_of(sum, &K, kind);
    store_part(y[u] + i, v_mul(xv[u + 2], pow_t(s, kind, K.nbeta)), n);
    if (sc) store_part(sc[u] + i, s, n);
  }
}

ALWAYS_INLINE void nchw5_forward_group(int64_t len, const float *const *x, float *const *y,
                                       float *const *sc, const vconst *kc, lrn_beta_kind kind) {
  int64_t i = 0;
  for (; i + VW <= len; i += VW) nchw5_forward_vec(i, VW, x, y, sc, kc, kind);
  if (i < len) nchw5_forward_vec(i, (int)(len - i), x, y, sc, kc, kind);
}

/* Scratch: a zero row and a sink row. */
ALWAYS_INLINE void nchw5_forward(const lrn_plan *pl, const float *X, float *Y, float *S,
                                 int64_t pix0, int64_t pix1, float *scratch,
                                 lrn_beta_kind kind) {
  const vconst K = vconst_of(pl);
  const int64_t C = pl->C, HW = pl->HW, row = round_up(pl->block);
  float *zero = scratch, *sink = scratch + row;
  for (int64_t i = 0; i < row; i++) zero[i] = 0;
  const float *x[NG + 4];
  float *y[NG], *sc[NG];
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t p = i0; p < i1; p += pl->block) {
      const int64_t len = i1 - p < pl->block ? i1 - p : pl->block, off = n * C * HW + p;
      for (int64_t c0 = 0; c0 < C; c0 += NG) {
        group_rows(X + off, Y + off, c0, C, HW, 0, zero, sink, x, y);
        if (S) group_rows(X + off, S + off, c0, C, HW, 0, zero, sink, x, sc);
        nchw5_forward_group(len, x, y, S ? sc : NULL, &K, kind);
      }
    }
  }
}

/* Backward of a group at positions [i, i+n): channels j0 .. j0+NG-1 get their ratio
 * dY*Y/scale and g = dY*scale^-beta, and dX is written for c = j0-2 .. j0+NG-3, whose ratio
 * windows are then complete. `carry` holds, per position, the ratios of rows j0-4 .. j0-1 and g
 * of rows j0-2, j0-1 from the group before (6 rows of `stride`), and receives this group's for
 * the next. Rows past C (valid < NG) contribute ratio 0. */
ALWAYS_INLINE void nchw5_backward_vec(int64_t i, int n, const float *const *x,
                                      const float *const *dy, float *const *dx, float *carry,
                                      int64_t stride, int valid, const vconst *kc,
                                      lrn_beta_kind kind) {
  const vconst K = *kc;
  vf xv[NG + 4], q[NG + 4], dyv[NG], r[NG + 4], g[NG + 2];
  /* every load before any store (4K aliasing, see nchw5_forward_vec) */
  _Pragma("GCC unroll 12") for (int k = 0; k < NG + 4; k++) {
    if (k >= 4) v_prefetch(x[k] + i + NCHW_PF);
    xv[k] = load_part(x[k] + i, n);
    q[k] = v_mul(xv[k], xv[k]);
  }
  _Pragma("GCC unroll 8") for (int u = 0; u < NG; u++) {
    v_prefetch(dy[u] + i + NCHW_PF);
    dyv[u] = load_part(dy[u] + i, n);
  }
  _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) r[k] = v_load(carry + k * stride + i);
  g[0] = v_load(carry + 4 * stride + i);
  g[1] = v_load(carry + 5 * stride + i);
  _Pragma("GCC unroll 8") for (int u = 0; u < NG; u++) {
    vf sum = v_add(v_add(v_add(q[u], q[u + 1]), v_add(q[u + 3], q[u + 4])), q[u + 2]);
    vf ts, s = scale_of(sum, &K, kind);
    vf t = pow_t_ts(s, kind, K.nbeta, &ts);
    /* a row past C adds 0, even where its scale is 0 (0 * inf) */
    r[u + 4] = u < valid ? v_mul(v_mul(dyv[u], xv[u + 2]), ts) : v_zero();
    g[u + 2] = v_mul(dyv[u], t);
    vf acc = v_add(v_add(v_add(r[u], r[u + 1]), v_add(r[u + 3], r[u + 4])), r[u + 2]);
    store_part(dx[u] + i, v_fnma(v_mul(K.cr, xv[u]), acc, g[u]), n);
  }
  _Pragma("GCC unroll 4") for (int k = 0; k < 4; k++) v_store(carry + k * stride + i, r[NG + k]);
  v_store(carry + 4 * stride + i, g[NG]);
  v_store(carry + 5 * stride + i, g[NG + 1]);
}

ALWAYS_INLINE void nchw5_backward_group(int64_t len, const float *const *x, const float *const *dy,
                                        float *const *dx, float *carry, int64_t stride, int valid,
                                        const vconst *kc, lrn_beta_kind kind) {
  int64_t i = 0;
  for (; i + VW <= len; i += VW)
    nchw5_backward_vec(i, VW, x, dy, dx, carry, stride, valid, kc, kind);
  if (i < len) nchw5_backward_vec(i, (int)(len - i), x, dy, dx, carry, stride, valid, kc, kind);
}

/* Scratch: a zero row, a sink row, 6 carry rows. */
ALWAYS_INLINE void nchw5_backward(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                                  int64_t pix0, int64_t pix1, float *scratch,
                                  lrn_beta_kind kind) {
  const vconst K = vconst_of(pl);
  const int64_t C = pl->C, HW = pl->HW, row = round_up(pl->block);
  float *zero = scratch, *sink = scratch + row, *carry = scratch + 2 * row;
  for (int64_t i = 0; i < row; i++) zero[i] = 0;
  const float *x[NG + 4], *dy[NG + 4];
  float *dx[NG];
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t p = i0; p < i1; p += pl->block) {
      const int64_t len = i1 - p < pl->block ? i1 - p : pl->block, off = n * C * HW + p;
      for (int64_t i = 0; i < 6 * row; i++) carry[i] = 0;
      /* the last group writes dX of channels up to j0+NG-3 >= C-1 */
      for (int64_t j0 = 0; j0 - 2 < C; j0 += NG) {
        group_rows(X + off, dX + off, j0, C, HW, 2, zero, sink, x, dx);
        group_rows(dY + off, NULL, j0 + 2, C, HW, 0, zero, sink, dy, NULL);
        int valid = C - j0 < NG ? (int)(C - j0) : NG;
        nchw5_backward_group(len, x, dy, dx, carry, row, valid, &K, kind);
      }
    }
  }
}

/* ---- any window: one channel per step, squares in a ring ---- */

/* Positions per ring step (L1-sized rings: 2h+1 rows of this many floats). */
#define RING_BLOCK 512

/* Floats between ring rows: whole vectors plus one cache line, so that rows are never a multiple
 * of 4 KiB apart (a store and a later load 4 KiB apart falsely depend on each other: 4K
 * aliasing cost 2-3x here). */
static inline int64_t ring_stride(const lrn_plan *pl) {
  return round_up(pl->block < RING_BLOCK ? pl->block : RING_BLOCK) + 64 / 4;
}

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

/* Sum over the window's rows at offset i; the size-5 window in the order of nchw5_*. */
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
    vf s = scale_of(sum_window(w, i), &K, kind);
    store_part(yc + i, v_mul(load_part(xc + i, n), pow_t(s, kind, K.nbeta)), n);
    if (sc) store_part(sc + i, s, n);
  }
}

ALWAYS_INLINE void nchw_ring_forward(const lrn_plan *pl, const float *X, float *Y, float *S,
                                     int64_t pix0, int64_t pix1, float *ring,
                                     lrn_beta_kind kind) {
  const vconst K = vconst_of(pl);
  const int64_t C = pl->C, HW = pl->HW, stride = ring_stride(pl), sub = stride - 64 / 4;
  const int h = pl->half, R = 2 * h + 1;
  const float **table = (const float **)(ring + R * stride);
  ring_table(ring, stride, R, table);
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t p = i0; p < i1; p += sub) {
      const int64_t len = i1 - p < sub ? i1 - p : sub, off = n * C * HW + p;
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
      vf ts, s = scale_of(sum_window(&r->sq, i), &K, kind);
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

ALWAYS_INLINE void nchw_ring_backward(const lrn_plan *pl, const float *X, const float *dY,
                                      float *dX, int64_t pix0, int64_t pix1, float *scratch,
                                      lrn_beta_kind kind) {
  const vconst K = vconst_of(pl);
  const int64_t C = pl->C, HW = pl->HW, stride = ring_stride(pl), sub = stride - 64 / 4;
  const int h = pl->half, R = 2 * h + 1, G = h + 1;
  float *sq = scratch, *ratio = sq + R * stride, *g = ratio + R * stride;
  const float **sq_table = (const float **)(g + G * stride), **ratio_table = sq_table + 2 * R;
  ring_table(sq, stride, R, sq_table);
  ring_table(ratio, stride, R, ratio_table);
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t p = i0; p < i1; p += sub) {
      const int64_t len = i1 - p < sub ? i1 - p : sub, off = n * C * HW + p;
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


/* Scratch bytes of the NCHW kernels for a plan. */
static size_t nchw_scratch(const lrn_plan *pl, bool backward) {
  if (pl->half == 2) return (size_t)((backward ? 8 : 2) * round_up(pl->block)) * sizeof(float);
  /* rings of squares (and ratios, g) plus their pointer tables */
  int64_t R = 2 * (int64_t)pl->half + 1, rows = backward ? 2 * R + pl->half + 1 : R;
  return (size_t)(rows * ring_stride(pl)) * sizeof(float) +
         (size_t)(backward ? 4 : 2) * (size_t)R * sizeof(float *);
}
