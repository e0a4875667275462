/* Portable fast LRN kernels: plain C, float64 arithmetic inside (as accurate as the reference),
 * and cache-friendly walks: NHWC one pixel's channels at a time, NCHW a block of positions
 * through all channels with the window's rows in cache. No intrinsics, so this is the tier of
 * every machine the SIMD files do not cover. */
#include <math.h>

#include "lrn_kernels.h"

/* NCHW positions handled together (the inner loops run over them). */
#define BS 64

static inline double neg_pow(double s, lrn_beta_kind kind, double nb) {
  switch (kind) {
  case LRN_BETA_HALF: return 1.0 / sqrt(s);
  case LRN_BETA_THREE_QUARTER: return 1.0 / sqrt(s * sqrt(s));
  case LRN_BETA_ONE: return 1.0 / s;
  default: return pow(s, nb);
  }
}

static inline int64_t lo_of(int64_t c, int h) { return c - h < 0 ? 0 : c - h; }
static inline int64_t hi_of(int64_t c, int h, int64_t C) { return c + h > C - 1 ? C - 1 : c + h; }

/* ---- NHWC: one pixel's C channels are contiguous ---- */

static double window_sum(const float *x, int64_t c, int h, int64_t C) {
  double sum = 0;
  for (int64_t k = lo_of(c, h); k <= hi_of(c, h, C); k++) sum += (double)x[k] * x[k];
  return sum;
}

static void forward_nhwc(const lrn_plan *pl, const float *X, float *Y, float *scale, int64_t pix0,
                         int64_t pix1) {
  const double a = (double)pl->p.alpha / pl->p.size, bias = pl->p.bias, nb = -(double)pl->p.beta;
  const int64_t C = pl->C;
  for (int64_t q = pix0; q < pix1; q++) {
    const float *x = X + q * C;
    for (int64_t c = 0; c < C; c++) {
      double s = bias + a * window_sum(x, c, pl->half, C);
      Y[q * C + c] = (float)(x[c] * neg_pow(s, pl->kind, nb));
      if (scale) scale[q * C + c] = (float)s;
    }
  }
}

static void backward_nhwc(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                          int64_t pix0, int64_t pix1, double *scratch) {
  const double a = (double)pl->p.alpha / pl->p.size, bias = pl->p.bias, nb = -(double)pl->p.beta;
  const double cr = 2.0 * pl->p.alpha * pl->p.beta / pl->p.size;
  const int64_t C = pl->C;
  double *ratio = scratch, *g = scratch + C;
  for (int64_t q = pix0; q < pix1; q++) {
    const float *x = X + q * C, *dy = dY + q * C;
    for (int64_t c = 0; c < C; c++) {
      double s = bias + a * window_sum(x, c, pl->half, C), t = neg_pow(s, pl->kind, nb);
      ratio[c] = dy[c] * (x[c] * t) / s;
      g[c] = dy[c] * t;
    }
    for (int64_t c = 0; c < C; c++) {
      double acc = 0;
      for (int64_t k = lo_of(c, pl->half); k <= hi_of(c, pl->half, C); k++) acc += ratio[k];
      dX[q * C + c] = (float)(g[c] - cr * x[c] * acc);
    }
  }
}

/* ---- NCHW: channel c of a position is HW floats after channel c-1 ---- */

static void sum_squares(const float *x, int64_t HW, int64_t lo, int64_t hi, int64_t len,
                        double *sum) {
  for (int64_t i = 0; i < len; i++) sum[i] = 0;
  for (int64_t k = lo; k <= hi; k++)
    for (int64_t i = 0; i < len; i++) sum[i] += (double)x[k * HW + i] * x[k * HW + i];
}

static void forward_nchw(const lrn_plan *pl, const float *X, float *Y, float *scale, int64_t pix0,
                         int64_t pix1) {
  const double a = (double)pl->p.alpha / pl->p.size, bias = pl->p.bias, nb = -(double)pl->p.beta;
  const int64_t C = pl->C, HW = pl->HW;
  double sum[BS];
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t b = i0; b < i1; b += BS) {
      int64_t len = i1 - b < BS ? i1 - b : BS, off = n * C * HW + b;
      for (int64_t c = 0; c < C; c++) {
        sum_squares(X + off, HW, lo_of(c, pl->half), hi_of(c, pl->half, C), len, sum);
        for (int64_t i = 0; i < len; i++) {
          int64_t at = off + c * HW + i;
          double s = bias + a * sum[i];
          Y[at] = (float)(X[at] * neg_pow(s, pl->kind, nb));
          if (scale) scale[at] = (float)s;
        }
      }
    }
  }
}

/* Channel j's ratio dY*Y/scale and dY*scale^-beta go into rings (2h+1 and h+1 rows of BS);
 * channel c = j - h is finished as soon as ratio row c + h exists. */
static void backward_nchw(const lrn_plan *pl, const float *X, const float *dY, float *dX,
                          int64_t pix0, int64_t pix1, double *scratch) {
  const double a = (double)pl->p.alpha / pl->p.size, bias = pl->p.bias, nb = -(double)pl->p.beta;
  const double cr = 2.0 * pl->p.alpha * pl->p.beta / pl->p.size;
  const int64_t C = pl->C, HW = pl->HW, h = pl->half, R = 2 * h + 1, G = h + 1;
  double *ratio = scratch, *g = ratio + R * BS, *sum = g + G * BS;
  for (int64_t q = pix0, n, i0, i1; q < pix1; q = n * HW + i1) {
    lrn_image_segment(pl, q, pix1, &n, &i0, &i1);
    for (int64_t b = i0; b < i1; b += BS) {
      int64_t len = i1 - b < BS ? i1 - b : BS, off = n * C * HW + b;
      for (int64_t j = 0; j < C + h; j++) {
        if (j < C) {
          double *rj = ratio + (j % R) * BS, *gj = g + (j % G) * BS;
          sum_squares(X + off, HW, lo_of(j, (int)h), hi_of(j, (int)h, C), len, sum);
          for (int64_t i = 0; i < len; i++) {
            int64_t at = off + j * HW + i;
            double s = bias + a * sum[i], t = neg_pow(s, pl->kind, nb);
            rj[i] = dY[at] * (X[at] * t) / s;
            gj[i] = dY[at] * t;
          }
        }
        int64_t c = j - h;
        if (c < 0) continue;
        for (int64_t i = 0; i < len; i++) sum[i] = 0;
        for (int64_t k = lo_of(c, (int)h); k <= hi_of(c, (int)h, C); k++)
          for (int64_t i = 0; i < len; i++) sum[i] += ratio[(k % R) * BS + i];
        const double *gc = g + (c % G) * BS;
        for (int64_t i = 0; i < len; i++) {
          int64_t at = off + c * HW + i;
          dX[at] = (float)(gc[i] - cr * X[at] * sum[i]);
        }
      }
    }
  }
}

static size_t scalar_scratch(const lrn_plan *pl, bool backward) {
  if (!backward) return 0;
  if (pl->nhwc) return 2 * (size_t)pl->C * sizeof(double);
  return (size_t)(3 * pl->half + 3) * BS * sizeof(double);
}

static void scalar_forward(const lrn_plan *pl, const float *X, float *Y, float *scale,
                           int64_t pix0, int64_t pix1, void *scratch) {
  (void)scratch;
  if (pl->nhwc) forward_nhwc(pl, X, Y, scale, pix0, pix1);
  else forward_nchw(pl, X, Y, scale, pix0, pix1);
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
