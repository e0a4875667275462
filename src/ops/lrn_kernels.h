/* LRN kernels: pure functions over plain pointers (no allocation, no workspace).
 *
 * Both layouts are one strided walk: `outer` images, each with C channels at stride c_stride and
 * `inner` positions at stride i_stride (NCHW: c_stride = H*W, i_stride = 1; NHWC: c_stride = 1,
 * i_stride = C). The window of channel c is [c - (size-1)/2, c + size/2] clipped to [0, C-1];
 * the divisor stays `size` (Caffe2). */
#ifndef C2_OPS_LRN_KERNELS_H
#define C2_OPS_LRN_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lrn_params {
  int size;
  float alpha; /* as given: the kernels divide by size */
  float beta;
  float bias;
} lrn_params;

typedef struct lrn_dims {
  int64_t outer, C, inner;
  int64_t c_stride, i_stride, outer_stride;
} lrn_dims;

/* Scratch doubles the reference backward needs (2 per channel). */
size_t lrn_ref_backward_scratch(const lrn_dims *d);

/* Y = X * scale^-beta, scale = bias + alpha/size * (window sum of X^2); scale written when not
 * NULL. Sums and powers in double: this is the oracle the fast kernels are tested against. */
void lrn_ref_forward(const lrn_params *p, const lrn_dims *d, const float *X, float *Y,
                     float *scale);

/* dX = dY * scale^-beta - 2*alpha*beta/size * X * (window sum of dY*Y/scale), scale recomputed
 * from X. scratch holds lrn_ref_backward_scratch(d) doubles. */
void lrn_ref_backward(const lrn_params *p, const lrn_dims *d, const float *X, const float *Y,
                      const float *dY, float *dX, double *scratch);

#endif
