/* Reference LRN kernels: direct window sums in double, so no running-sum drift; O(size) work
 * per element. Kept forever as the oracle. */
#include <math.h>

#include "lrn_kernels.h"

static inline int64_t window_lo(int64_t c, int size) {
  int64_t lo = c - (size - 1) / 2;
  return lo < 0 ? 0 : lo;
}

static inline int64_t window_hi(int64_t c, int size, int64_t C) {
  int64_t hi = c + size / 2;
  return hi > C - 1 ? C - 1 : hi;
}

void lrn_ref_forward(const lrn_params *p, const lrn_dims *d, const float *X, float *Y,
                     float *scale) {
  const double a = (double)p->alpha / p->size, bias = p->bias, nb = -(double)p->beta;
  for (int64_t n = 0; n < d->outer; n++)
    for (int64_t i = 0; i < d->inner; i++) {
      const int64_t base = n * d->outer_stride + i * d->i_stride;
      const float *x = X + base;
      for (int64_t c = 0; c < d->C; c++) {
        double sum = 0;
        for (int64_t k = window_lo(c, p->size); k <= window_hi(c, p->size, d->C); k++) {
          double v = x[k * d->c_stride];
          sum += v * v;
        }
        double s = bias + a * sum;
        int64_t at = base + c * d->c_stride;
        Y[at] = (float)(x[c * d->c_stride] * pow(s, nb));
        if (scale) scale[at] = (float)s;
      }
    }
}

size_t lrn_ref_backward_scratch(const lrn_dims *d) { return 2 * (size_t)d->C; }

void lrn_ref_backward(const lrn_params *p, const lrn_dims *d, const float *X, const float *Y,
                      const float *dY, float *dX, double *scratch) {
  const double a = (double)p->alpha / p->size, bias = p->bias, nb = -(double)p->beta;
  const double cache_ratio = 2.0 * p->alpha * p->beta / p->size;
  double *scale = scratch, *ratio = scratch + d->C;
  for (int64_t n = 0; n < d->outer; n++)
    for (int64_t i = 0; i < d->inner; i++) {
      const int64_t base = n * d->outer_stride + i * d->i_stride;
      const float *x = X + base, *y = Y + base, *dy = dY + base;
      for (int64_t c = 0; c < d->C; c++) {
        double sum = 0;
        for (int64_t k = window_lo(c, p->size); k <= window_hi(c, p->size, d->C); k++) {
          double v = x[k * d->c_stride];
          sum += v * v;
        }
        scale[c] = bias + a * sum;
        ratio[c] = (double)dy[c * d->c_stride] * y[c * d->c_stride] / scale[c];
      }
      for (int64_t c = 0; c < d->C; c++) {
        /* The window is symmetric for odd size: c' sees c exactly when c sees c'. */
        double acc = 0;
        for (int64_t k = window_lo(c, p->size); k <= window_hi(c, p->size, d->C); k++) acc += ratio[k];
        int64_t at = c * d->c_stride;
        dX[base + at] = (float)(dy[at] * pow(scale[c], nb) - cache_ratio * x[at] * acc);
      }
    }
}
