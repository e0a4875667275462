/* Fixed column tiles for GEMMs on the thread pool (see gemm.h): the tiles depend on the shape
 * only, so every thread count makes the same c2__sgemm calls. */
#include "c2rt/parallel.h"
#include "gemm.h"

int64_t c2__gemm_tiles(int64_t M, int64_t N, int64_t K, int64_t independent) {
  if (independent < 1) independent = 1;
  int64_t tiles = independent >= C2_GEMM_MAX_TILES ? 1 : C2_GEMM_MAX_TILES / independent;
  int64_t by_width = N / 32;
  int64_t work = M * N * (K > 0 ? K : 1);
  int64_t by_work = work >> 16;
  if (tiles > by_width) tiles = by_width;
  if (tiles > by_work) tiles = by_work;
  if (tiles < 1) return 1;
  int64_t p = 1;
  while (p * 2 <= tiles) p *= 2;
  return p;
}

/* Boundaries at multiples of 16 (the width of BLIS's and most BLAS micro-tiles), nearest to the
 * equal split. */
static int64_t boundary(int64_t N, int64_t tiles, int64_t t) {
  if (t <= 0) return 0;
  if (t >= tiles) return N;
  int64_t b = (N * t + tiles / 2) / tiles;
  b = (b + 8) / 16 * 16;
  return b > N ? N : b;
}

void c2__gemm_tile_range(int64_t N, int64_t tiles, int64_t t, int64_t *begin, int64_t *end) {
  *begin = boundary(N, tiles, t);
  *end = boundary(N, tiles, t + 1);
  if (*end < *begin) *end = *begin;
}

typedef struct gemm_job {
  bool ta, tb;
  int64_t M, N, K, lda, ldb, ldc, tiles;
  float alpha, beta;
  const float *A, *B;
  float *C;
} gemm_job;

static void gemm_tiles_fn(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const gemm_job *j = ctx;
  for (int64_t t = begin; t < end; t++) {
    int64_t n0, n1;
    c2__gemm_tile_range(j->N, j->tiles, t, &n0, &n1);
    if (n1 <= n0) continue;
    const float *B = j->tb ? j->B + n0 * j->ldb : j->B + n0;
    c2__sgemm(j->ta, j->tb, j->M, n1 - n0, j->K, j->alpha, j->A, j->lda, B, j->ldb, j->beta,
              j->C + n0, j->ldc);
  }
}

c2_status c2__sgemm_op(c2_operator *op, bool trans_a, bool trans_b, int64_t M, int64_t N,
                       int64_t K, float alpha, const float *A, int64_t lda, const float *B,
                       int64_t ldb, float beta, float *C, int64_t ldc, c2_error *err) {
  gemm_job j = {trans_a, trans_b, M,     N,    K, lda, ldb, ldc, c2__gemm_tiles(M, N, K, 1),
                alpha,   beta,    A,     B,    C};
  if (M <= 0 || N <= 0) return C2_OK;
  return c2_op_parallel_for(op, j.tiles, 1, gemm_tiles_fn, &j, err);
}
