/* Single-precision GEMM used by the ops (FC, Conv): C = alpha * op(A) * op(B) + beta * C, all
 * row-major, op(X) = X or X^T. The built-in kernel here is the fallback and the oracle; a BLAS
 * backend may replace it behind the same call. beta == 0 means C is written, never read (so it
 * may hold NaN or garbage). */
#ifndef C2_OPS_GEMM_H
#define C2_OPS_GEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "c2rt/operator.h"

/* One single-threaded call: CBLAS (cblas_sgemv when M or N is 1) when the build has a BLAS, the
 * built-in kernel otherwise. */
void c2__sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
               int64_t ldc);

/* The portable C kernel, always available (tests compare any backend against it). */
void c2__sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                   const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
                   int64_t ldc);

/* What c2__sgemm runs: e.g. "BLIS 0.9.0 (serial build, zen3 kernels), linked statically" or
 * "built-in C GEMM (no BLAS in this build)". */
const char *c2__gemm_backend(void);
bool c2__gemm_has_blas(void);

/* ---- threads: fixed tiles, so results never depend on the thread count ----
 * A BLAS gives different bits for a column slice than for the whole matrix (measured with BLIS:
 * its small-matrix kernels change with the shape), so the work is never cut by thread count.
 * C's columns are cut into tiles chosen from the shape alone; each tile is one c2__sgemm call,
 * and threads take whole tiles. */

/* Largest number of column tiles one GEMM is cut into. */
#define C2_GEMM_MAX_TILES 8

/* Tiles for an M x N x K product of which `independent` (>= 1, e.g. images x groups) run side by
 * side: fewer tiles when there is already parallel work, never narrower than 32 columns or
 * smaller than 2^16 multiply-adds. A power of two, so 2, 4 or 8 threads share them evenly. */
int64_t c2__gemm_tiles(int64_t M, int64_t N, int64_t K, int64_t independent);
/* Columns [*begin, *end) of tile t of `tiles` over N columns (boundaries on multiples of 16). */
void c2__gemm_tile_range(int64_t N, int64_t tiles, int64_t t, int64_t *begin, int64_t *end);

/* c2__sgemm on the op's threads, in c2__gemm_tiles(M, N, K, 1) column tiles. */
c2_status c2__sgemm_op(c2_operator *op, bool trans_a, bool trans_b, int64_t M, int64_t N,
                       int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                       int64_t ldb, float beta, float *C, int64_t ldc, c2_error *err);

/* ---- recording, for the benchmark that times the same GEMM calls alone ----
 * While a recorder is set, every c2__sgemm call reports its arguments (from whichever pool thread
 * makes it: the recorder must be thread-safe). One recorder per process. */
typedef struct c2_gemm_call {
  bool trans_a, trans_b;
  int64_t M, N, K, lda, ldb, ldc;
  float alpha, beta;
  const float *A, *B;
  float *C;
} c2_gemm_call;
typedef void (*c2_gemm_recorder)(void *ctx, const c2_gemm_call *call);
void c2__gemm_set_recorder(c2_gemm_recorder fn, void *ctx);

#endif
