/* c2__sgemm: CBLAS when the build has a BLAS (C2RT_BLAS_BLIS), the built-in kernel otherwise.
 * The BLAS is always called from one thread at a time per call and never threads itself: the
 * serial BLIS build is linked statically, with its symbols hidden (meson.build), so neither the
 * libblas.so.3 alternative nor another BLAS loaded in the same process can replace it. */
#define _GNU_SOURCE /* dladdr */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"

#if C2RT_BLAS_BLIS
#include <blis.h>
#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#endif

static _Atomic(c2_gemm_recorder) recorder;
static void *_Atomic recorder_ctx;

void c2__gemm_set_recorder(c2_gemm_recorder fn, void *ctx) {
  recorder_ctx = ctx;
  recorder = fn;
}

#define RECORD()                                                                         \
  do {                                                                                   \
    c2_gemm_recorder fn_ = recorder;                                                     \
    if (fn_) {                                                                           \
      c2_gemm_call call_ = {trans_a, trans_b, M, N, K, lda, ldb, ldc, alpha, beta, A, B, C}; \
      fn_(recorder_ctx, &call_);                                                         \
    }                                                                                    \
  } while (0)

#if C2RT_BLAS_BLIS
static enum CBLAS_TRANSPOSE tr(bool t) { return t ? CblasTrans : CblasNoTrans; }

/* C2RT_CPU_TIER=scalar (what the valgrind runs set: valgrind lacks AVX-512 and flags BLIS's
 * small over-reads of its inputs) routes every call to the built-in kernel. Read once. */
static bool use_builtin;
static pthread_once_t tier_once = PTHREAD_ONCE_INIT;
static void read_tier(void) {
  const char *tier = getenv("C2RT_CPU_TIER");
  use_builtin = tier && strcmp(tier, "scalar") == 0;
}

void c2__sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
               int64_t ldc) {
  RECORD();
  if (M <= 0 || N <= 0) return;
  pthread_once(&tier_once, read_tier);
  if (use_builtin || M > INT_MAX || N > INT_MAX || K > INT_MAX || lda > INT_MAX || ldb > INT_MAX ||
      ldc > INT_MAX) { /* CBLAS takes int sizes */
    c2__sgemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  if (K == 0) { /* BLAS leaves C * beta; spell it out so that beta == 0 never reads C */
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  /* A vector operand is a GEMV: measured 5x faster than a packed GEMM with M = 1 in some BLAS
   * (OpenBLAS 0.3.21), never slower in BLIS. */
  if (M == 1) { /* c = op(B)^T a */
    int inc_a = trans_a ? (int)lda : 1;
    if (trans_b) /* B is N x K */
      cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)N, (int)K, alpha, B, (int)ldb, A, inc_a, beta,
                  C, 1);
    else /* B is K x N */
      cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)N, alpha, B, (int)ldb, A, inc_a, beta,
                  C, 1);
    return;
  }
  if (N == 1) { /* c = op(A) b */
    int inc_b = trans_b ? 1 : (int)ldb;
    if (trans_a) /* A is K x M */
      cblas_sgemv(CblasRowMajor, CblasTrans, (int)K, (int)M, alpha, A, (int)lda, B, inc_b, beta,
                  C, (int)ldc);
    else
      cblas_sgemv(CblasRowMajor, CblasNoTrans, (int)M, (int)K, alpha, A, (int)lda, B, inc_b, beta,
                  C, (int)ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, tr(trans_a), tr(trans_b), (int)M, (int)N, (int)K, alpha, A,
              (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

static char backend_name[256];
static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static void describe_backend(void) {
  Dl_info info = {0};
  union {
    void (*fn)(void);
    void *p;
  } addr = {.fn = (void (*)(void))cblas_sgemm};
  const char *where = dladdr(addr.p, &info) && info.dli_fname ? info.dli_fname : "?";
  snprintf(backend_name, sizeof backend_name,
           "BLIS %s (serial build, %s kernels, single-threaded calls), linked statically: "
           "cblas_sgemm in %s%s",
           bli_info_get_version_str(), bli_arch_string(bli_arch_query_id()), where,
           use_builtin ? "; not used now: C2RT_CPU_TIER=scalar selects the built-in C GEMM" : "");
}

const char *c2__gemm_backend(void) {
  pthread_once(&tier_once, read_tier);
  pthread_once(&backend_once, describe_backend);
  return backend_name;
}
bool c2__gemm_has_blas(void) { return true; }

#else

void c2__sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
               int64_t ldc) {
  RECORD();
  c2__sgemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char *c2__gemm_backend(void) { return "built-in C GEMM (this build has no BLAS)"; }
bool c2__gemm_has_blas(void) { return false; }

#endif

#include "c2rt/gemm.h"
const char *c2_gemm_backend(void) { return c2__gemm_backend(); }
