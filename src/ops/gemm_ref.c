/* Portable GEMM: blocked over K and N so that rows of B and C stay in cache; every C element is
 * accumulated in a fixed order (k ascending), so results do not depend on how callers split M or
 * N across threads. */
#include "gemm.h"

static inline float at(const float *X, int64_t ld, bool trans, int64_t r, int64_t c) {
  return trans ? X[c * ld + r] : X[r * ld + c];
}

void c2__sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                   int64_t ldc) {
  enum { NB = 256 };
  for (int64_t i = 0; i < M; i++) {
    float *c = C + i * ldc;
    for (int64_t j0 = 0; j0 < N; j0 += NB) {
      int64_t j1 = j0 + NB < N ? j0 + NB : N;
      float acc[NB];
      for (int64_t j = j0; j < j1; j++) acc[j - j0] = 0.0f;
      for (int64_t k = 0; k < K; k++) {
        float a = at(A, lda, trans_a, i, k);
        if (!trans_b) {
          const float *b = B + k * ldb;
          for (int64_t j = j0; j < j1; j++) acc[j - j0] += a * b[j];
        } else {
          for (int64_t j = j0; j < j1; j++) acc[j - j0] += a * B[j * ldb + k];
        }
      }
      for (int64_t j = j0; j < j1; j++)
        c[j] = beta == 0.0f ? alpha * acc[j - j0] : alpha * acc[j - j0] + beta * c[j];
    }
  }
}
