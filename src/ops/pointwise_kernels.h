/* Pure elementwise kernels, built at -O3 in their own library: GCC 12's -O2 does not vectorize
 * loops of unknown length, and a branch per element on random signs costs ~10x. In-place use
 * (out == in) is allowed. */
#ifndef C2_OPS_POINTWISE_KERNELS_H
#define C2_OPS_POINTWISE_KERNELS_H

#include <stdint.h>

/* out = x < 0 ? 0 : x (Caffe2's std::max(x, 0): NaN and -0 pass through). */
void c2__relu_f32(int64_t n, const float *x, float *out);
/* out = y > 0 ? dy : 0 */
void c2__relu_grad_f32(int64_t n, const float *y, const float *dy, float *out);

#endif
