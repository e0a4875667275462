#include "pointwise_kernels.h"

void c2__relu_f32(int64_t n, const float *x, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void c2__relu_grad_f32(int64_t n, const float *y, const float *dy, float *out) {
  for (int64_t i = 0; i < n; i++) out[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}
