/* Portable fast LRN kernels: plain C, float64 arithmetic inside (as accurate as the reference),
 * no intrinsics, so this is the tier of every machine the SIMD files do not cover. Speed comes
 * from cache-friendly walks (NHWC: one pixel's channels; NCHW: a block of positions through
 * all channels) and from simple array passes that the compiler vectorizes: this file is built
 * with -O3 -fno-math-errno (src/ops/meson.build), so sqrt and division become vector
 * instructions of the baseline ISA. Per element the arithmetic does not depend on where a range
 * starts, so any split of the pixels gives the same bits. */
#include <math.h>

#include "lrn_kernels.h"

/* NCHW positions handled together (the inner loops run over them). */
#define BS 256

/* t[i] = s[i]^-beta, one loop per kind so that each can be vectorized. */
static void neg_pow(lrn_beta_kind kind, double nb, const double *restrict s, double *restrict t,
                    int64_t n) {
  switch (kind) {
  case LRN_BETA_HALF:
    for (int64_t i = 0; i < n; i++) t[i] = 1.0 / sqrt(s[i]);
    break;
  case LRN_BETA_THREE_QUARTER:
    for (int64_t i = 0; i < n; i++) t[i] = 1.0 / sqrt(s[i] * sqrt(s[i]));
    break;
  case LRN_BETA_ONE:
    for (int64_t i = 0; i < n; i++) t[i] = 1.0 / s[i];
    break;
  default:
    for (int64_t i = 0; i < n; i++) t[i] = pow(s[i], nb);
    break;
  }
}

static inline int64_t lo_of(int64_t c, int h) { return c - h < 0 ? 0 : c - h; }
static inline int64_t hi_of(int64_t c, int h, int64_t C) { return c + h > C - 1 ? C - 1 : c + h; }

typedef struct consts {
  double a, bias, nb, cr;
} consts;

static consts consts_of(const lrn_plan *pl) {
  return (consts){(double)pl->p.alpha / pl->p.size, pl->p.bias, -(double)pl->p.beta,
                  2.0 * pl->p.alpha * pl->p.beta / pl->p.size};
}

/* ---- NHWC: one pixel's C channels are contiguous ---- */

/* s[c] = bias + a * (window sum of squares) for one pixel; sq is the zero-padded row of squares
 * (h zeros on each side). */
static void pixel_scales(const float *restrict x, int64_t C, int h, const consts *k,
                         double *restrict sq, double *restrict s) {
  for (int64_t c = 0; c < C; c++) sq[h + c] = (double)x[c] * x[c];
  for (int64_t c = 0; c < C; c++) s[c] = sq[c];
  for (int j = 1; j <= 2 * h; j++)
    for (int64_t c = 0; c < C; c++) s[c] += sq[c + j];
  for (int64_t c = 0; c < C; c++) s[c] = k->bias + k->a * s[c];
}

/* Scratch (doubles): sq (C + 2h, zero-padded), s, t, ratio (C + 2h, zero-padded), g. */
static void forward_nhwc(const lrn_plan *pl, const float *X, float *Y, float *S, int64_t q0,
                         int64_t q1, double *scratch) {
  const consts k = consts_of(pl);
  const int64_t C = pl->C;
  const int h = pl->half;
  double *sq = scratch, *s = sq + C + 2 * h, *t = s + C;
  for (int64_t c = 0; c < C + 2 * h; c++) sq[c] = 0;
  for (int64_t q = q0; q < q1; q++) {
    const float *x = X + q * C;
    pixel_scales(x, C, h, &k, sq, s);
    neg_pow(pl->kind, k.nb, s, t, C);
    float *y = Y + q * C;
    for (int64_t c = 0; c < C; c++) y[c] = (float)(x[c] * t[c]);
    if (S)
      for (int64_t c = 0; c < C; c++) S[q * C + c] = (float)s[c];
  }
}

static void backward_nhwc(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                          int64_t q0, int64_t q1, double *scratch) {
  const consts k = consts_of(pl);
  const int64_t C = pl->C;
  const int h = pl->half;
  double *sq = scratch, *s = sq + C + 2 * h, *t = s + C, *ratio = t + C, *g = ratio + C + 2 * h;
  for (int64_t c = 0; c < C + 2 * h; c++) sq[c] = ratio[c] = 0;
  for (int64_t q = q0; q < q1; q++) {
    const float *x = X + q * C, *dy = dY + q * C;
    pixel_scales(x, C, h, &k, sq, s);
    neg_pow(pl->kind, k.nb, s, t, C);
    for (int64_t c = 0; c < C; c++) {
      ratio[h + c] = dy[c] * (x[c] * t[c]) / s[c];
      g[c] = dy[c] * t[c];
    }
    /* acc reuses s: the window sum of ratios, in the same order as the scales */
    for (int64_t c = 0; c < C; c++) s[c] = ratio[c];
    for (int j = 1; j <= 2 * h; j++)
      for (int64_t c = 0; c < C; c++) s[c] += ratio[c + j];
    float *dx = dX + q * C;
    for (int64_t c = 0; c < C; c++) dx[c] = (float)(g[c] - k.cr * x[c] * s[c]);
  }
}

/* ---- NCHW: channel c of a position is HW floats after channel c-1 ---- */

/* s[i] = bias + a * sum of squares of rows lo..hi (x points at row 0 of the block). */
static void block_scales(const float *restrict x, int64_t HW, int64_t lo, int64_t hi,
                         int64_t len, const consts *k, double *restrict s) {
  for (int64_t i = 0; i < len; i++) s[i] = (double)x[lo * HW + i] * x[lo * HW + i];
  for (int64_t r = lo + 1; r <= hi; r++)
    for (int64_t i = 0; i < len; i++) s[i] += (double)x[r * HW + i] * x[r * HW + i];
  for (int64_t i = 0; i < len; i++) s[i] = k->bias + k->a * s[i];
}

/* Scratch (doubles): s, t. */
static void forward_nchw(const lrn_plan *pl, const float *X, float *Y, float *S, int64_t pix0,
                         int64_t pix1, double *scratch) {
  const consts k = consts_of(pl);
  const int64_t C = pl->C, HW = pl->HW;
  double *s = scratch, *t = s + BS;
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t b = i0; b < i1; b += BS) {
      int64_t len = i1 - b < BS ? i1 - b : BS, off = n * C * HW + b;
      for (int64_t c = 0; c < C; c++) {
        block_scales(X + off, HW, lo_of(c, pl->half), hi_of(c, pl->half, C), len, &k, s);
        neg_pow(pl->kind, k.nb, s, t, len);
        const float *x = X + off + c * HW;
        float *y = Y + off + c * HW;
        for (int64_t i = 0; i < len; i++) y[i] = (float)(x[i] * t[i]);
        if (S)
          for (int64_t i = 0; i < len; i++) S[off + c * HW + i] = (float)s[i];
      }
    }
  }
}

/* Channel j's ratio dY*Y/scale and g = dY*scale^-beta go into rings (2h+1 and h+1 rows of BS);
 * channel c = j - h is finished as soon as ratio row c + h exists. Scratch (doubles): the rings,
 * s, t. */
static void backward_nchw(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                          int64_t pix0, int64_t pix1, double *scratch) {
  const consts k = consts_of(pl);
  const int64_t C = pl->C, HW = pl->HW, h = pl->half, R = 2 * h + 1, G = h + 1;
  double *ratio = scratch, *g = ratio + R * BS, *s = g + G * BS, *t = s + BS;
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t b = i0; b < i1; b += BS) {
      int64_t len = i1 - b < BS ? i1 - b : BS, off = n * C * HW + b;
      for (int64_t j = 0; j < C + h; j++) {
        if (j < C) {
          double *rj = ratio + (j % R) * BS, *gj = g + (j % G) * BS;
          block_scales(X + off, HW, lo_of(j, (int)h), hi_of(j, (int)h, C), len, &k, s);
          neg_pow(pl->kind, k.nb, s, t, len);
          const float *x = X + off + j * HW, *dy = dY + off + j * HW;
          for (int64_t i = 0; i < len; i++) {
            rj[i] = dy[i] * (x[i] * t[i]) / s[i];
            gj[i] = dy[i] * t[i];
          }
        }
        int64_t c = j - h;
        if (c < 0) continue;
        /* acc reuses s */
        int64_t lo = lo_of(c, (int)h), hi = hi_of(c, (int)h, C);
        for (int64_t i = 0; i < len; i++) s[i] = ratio[(lo % R) * BS + i];
        for (int64_t r = lo + 1; r <= hi; r++)
          for (int64_t i = 0; i < len; i++) s[i] += ratio[(r % R) * BS + i];
        const double *gc = g + (c % G) * BS;
        const float *x = X + off + c * HW;
        float *dx = dX + off + c * HW;
        for (int64_t i = 0; i < len; i++) dx[i] = (float)(gc[i] - k.cr * x[i] * s[i]);
      }
    }
  }
}

static size_t scalar_scratch(const lrn_plan *pl, bool backward) {
  int64_t doubles;
  if (pl->nhwc) doubles = (backward ? 5 : 3) * pl->C + (backward ? 4 : 2) * (int64_t)pl->half;
  else doubles = backward ? (3 * (int64_t)pl->half + 4) * BS : 2 * BS;
  return (size_t)doubles * sizeof(double);
}

static void scalar_forward(const lrn_plan *pl, const float *X, float *Y, float *scale,
                           int64_t pix0, int64_t pix1, void *scratch) {
  if (pl->nhwc) forward_nhwc(pl, X, Y, scale, pix0, pix1, scratch);
  else forward_nchw(pl, X, Y, scale, pix0, pix1, scratch);
}

static void scalar_backward(const lrn_plan *pl, const float *X, const float *Y, const float *dY,
                            float *dX, int64_t pix0, int64_t pix1, void *scratch) {
  (void)Y;
  if (pl->nhwc) backward_nhwc(pl, X, dY, dX, pix0, pix1, scratch);
  else backward_nchw(pl, X, dY, dX, pix0, pix1, scratch);
}

const lrn_kernel_table c2__lrn_scalar_kernels = {
    .tier = C2__TIER_SCALAR,
    .scratch_bytes = scalar_scratch,
    .forward = scalar_forward,
    .backward = scalar_backward,
};
