/* Single-precision GEMM used by the ops (FC, Conv): C = alpha * op(A) * op(B) + beta * C, all
 * row-major, op(X) = X or X^T. The built-in kernel here is the fallback and the oracle; a BLAS
 * backend may replace it behind the same call. beta == 0 means C is written, never read (so it
 * may hold NaN or garbage). */
#ifndef C2_OPS_GEMM_H
#define C2_OPS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

void c2__sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
               int64_t ldc);

/* The portable C kernel, always available (tests compare any backend against it). */
void c2__sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                   int64_t ldc);

#endif
