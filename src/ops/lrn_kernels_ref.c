/* Reference LRN kernels: direct window sums and powers in double, so no running-sum drift;
 * O(size) work per element, one pixel at a time through strides. Kept forever as the oracle
 * that every faster tier is tested against. The backward reads Y, as Caffe2's does. */
#include <math.h>

#include "lrn_kernels.h"

static inline int64_t window_lo(int64_t c, int half) { return c - half < 0 ? 0 : c - half; }

static inline int64_t window_hi(int64_t c, int half, int64_t C) {
  return c + half > C - 1 ? C - 1 : c + half;
}

/* Offset of channel 0 of pixel q, and the distance between channels. */
static inline int64_t pixel_base(const lrn_plan *pl, int64_t q, int64_t *c_stride) {
  if (pl->nhwc) {
    *c_stride = 1;
    return q * pl->C;
  }
  *c_stride = pl->HW;
  return (q / pl->HW) * pl->C * pl->HW + q % pl->HW;
}

static double window_scale(const lrn_plan *pl, const float *x, int64_t cs, int64_t c) {
  double sum = 0;
  for (int64_t k = window_lo(c, pl->half); k <= window_hi(c, pl->half, pl->C); k++) {
    double v = x[k * cs];
    sum += v * v;
  }
  return pl->p.bias + (double)pl->p.alpha / pl->p.size * sum;
}

static size_t ref_scratch(const lrn_plan *pl, bool backward) {
  return backward ? 2 * (size_t)pl->C * sizeof(double) : 0;
}

static void ref_forward(const lrn_plan *pl, const float *X, float *Y, float *scale, int64_t pix0,
                        int64_t pix1, void *scratch) {
  (void)scratch;
  const double nb = -(double)pl->p.beta;
  for (int64_t q = pix0; q < pix1; q++) {
    int64_t cs, base = pixel_base(pl, q, &cs);
    const float *x = X + base;
    for (int64_t c = 0; c < pl->C; c++) {
      double s = window_scale(pl, x, cs, c);
      Y[base + c * cs] = (float)(x[c * cs] * pow(s, nb));
      if (scale) scale[base + c * cs] = (float)s;
    }
  }
}

static void ref_backward(const lrn_plan *pl, const float *X, const float *Y, const float *dY,
                         float *dX, int64_t pix0, int64_t pix1, void *scratch) {
  const double nb = -(double)pl->p.beta;
  const double cache_ratio = 2.0 * pl->p.alpha * pl->p.beta / pl->p.size;
  double *scale = scratch, *ratio = scale + pl->C;
  for (int64_t q = pix0; q < pix1; q++) {
    int64_t cs, base = pixel_base(pl, q, &cs);
    const float *x = X + base, *y = Y + base, *dy = dY + base;
    for (int64_t c = 0; c < pl->C; c++) {
      scale[c] = window_scale(pl, x, cs, c);
      ratio[c] = (double)dy[c * cs] * y[c * cs] / scale[c];
    }
    for (int64_t c = 0; c < pl->C; c++) {
      /* The window is symmetric: c' sees c exactly when c sees c'. */
      double acc = 0;
      for (int64_t k = window_lo(c, pl->half); k <= window_hi(c, pl->half, pl->C); k++)
        acc += ratio[k];
      int64_t at = c * cs;
      dX[base + at] = (float)(dy[at] * pow(scale[c], nb) - cache_ratio * x[at] * acc);
    }
  }
}

const lrn_kernel_table c2__lrn_ref_kernels = {
    .tier = C2__TIER_REF,
    .scratch_bytes = ref_scratch,
    .forward = ref_forward,
    .backward = ref_backward,
};
