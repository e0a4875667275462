/* The GEMM layer: the backend (BLAS or built-in) against a float64 reference on every form
 * (transposes, vectors, K = 0, alpha/beta, leading dimensions), the fixed tiles, and bit-identical
 * results of c2__sgemm_op for any thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "ops/gemm.h"
#include "test_util.h"

static float *rand_floats(test_rng *r, int64_t n) {
  float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  for (int64_t i = 0; i < n; i++) v[i] = (float)test_rng_uniform(r, -1, 1);
  return v;
}

static void check_gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, float beta,
                       int64_t pad) {
  test_rng r = test_rng_make((uint64_t)(M * 1000003 + N * 1009 + K + ta * 2 + tb));
  int64_t lda = (ta ? M : K) + pad, ldb = (tb ? K : N) + pad, ldc = N + pad;
  float *A = rand_floats(&r, (ta ? K : M) * lda), *B = rand_floats(&r, (tb ? N : K) * ldb);
  float *C = rand_floats(&r, M * ldc), *C0 = malloc((size_t)(M * ldc + 1) * sizeof *C0);
  if (beta == 0.0f)
    for (int64_t i = 0; i < M * ldc; i++) C[i] = NAN; /* beta == 0 must never read C */
  memcpy(C0, C, (size_t)(M * ldc) * sizeof *C);
  c2__sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < N; j++) {
      double acc = 0, mag = 0;
      for (int64_t k = 0; k < K; k++) {
        double a = ta ? A[k * lda + i] : A[i * lda + k], b = tb ? B[j * ldb + k] : B[k * ldb + j];
        acc += a * b;
        mag += fabs(a * b);
      }
      double want = alpha * acc + (beta == 0.0f ? 0.0 : beta * (double)C0[i * ldc + j]);
      double tol = 2e-6 * (fabs(alpha) * mag + fabs(beta) + 1);
      ck_assert_msg(fabs(C[i * ldc + j] - want) <= tol,
                    "%c%c M%lld N%lld K%lld: C[%lld,%lld] = %.9g, want %.9g", ta ? 'T' : 'N',
                    tb ? 'T' : 'N', (long long)M, (long long)N, (long long)K, (long long)i,
                    (long long)j, (double)C[i * ldc + j], want);
    }
  for (int64_t i = 0; i < M; i++) /* padding columns untouched */
    for (int64_t j = N; j < ldc; j++)
      ck_assert(memcmp(&C[i * ldc + j], &C0[i * ldc + j], sizeof *C) == 0);
  free(A);
  free(B);
  free(C);
  free(C0);
}

START_TEST(forms) {
  static const int64_t shapes[][3] = {{1, 1, 1},  {1, 37, 50},   {29, 1, 41}, {7, 9, 0},
                                      {1, 300, 513}, {64, 1, 200}, {33, 65, 17}, {96, 130, 363}};
  for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++)
    for (int t = 0; t < 4; t++)
      for (int pad = 0; pad <= 3; pad += 3) {
        check_gemm(t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2], 1.0f, 0.0f, pad);
        check_gemm(t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2], 2.0f, 1.0f, pad);
        check_gemm(t & 1, t & 2, shapes[s][0], shapes[s][1], shapes[s][2], 0.5f, -0.5f, pad);
      }
}
END_TEST

START_TEST(backend_named) {
  const char *name = c2_gemm_backend();
  ck_assert_ptr_nonnull(name);
  if (c2__gemm_has_blas()) ck_assert_msg(strstr(name, "BLIS") != NULL, "backend: %s", name);
  else ck_assert_msg(strstr(name, "built-in") != NULL, "backend: %s", name);
}
END_TEST

START_TEST(tiles) {
  for (int64_t N = 1; N <= 5000; N += 37)
    for (int64_t ind = 1; ind <= 9; ind++) {
      int64_t t = c2__gemm_tiles(256, N, 1000, ind);
      ck_assert(t >= 1 && t <= C2_GEMM_MAX_TILES && (t & (t - 1)) == 0);
      ck_assert(t == 1 || N / t >= 16);
      int64_t prev = 0;
      for (int64_t i = 0; i < t; i++) {
        int64_t b, e;
        c2__gemm_tile_range(N, t, i, &b, &e);
        ck_assert(b == prev && e >= b);
        ck_assert(i + 1 == t || e % 16 == 0);
        prev = e;
      }
      ck_assert_int_eq(prev, N);
    }
  ck_assert_int_eq(c2__gemm_tiles(1, 4096, 9216, 1), 8);
  ck_assert_int_eq(c2__gemm_tiles(4, 8, 4, 1), 1); /* tiny: whole */
}
END_TEST

/* A test op: C = A * B^T on the op's threads through c2__sgemm_op. */
static c2_status gemm_run(c2_operator *op, c2_error *err) {
  const c2_tensor *A = c2_op_input(op, 0), *B = c2_op_input(op, 1);
  c2_tensor *C = c2_op_output(op, 0);
  int64_t M = c2_tensor_dim(A, 0), K = c2_tensor_dim(A, 1), N = c2_tensor_dim(B, 0);
  int64_t dims[2] = {M, N};
  c2_status st = c2_tensor_resize(C, C2_DTYPE_FLOAT, 2, dims, err);
  if (st) return st;
  return c2__sgemm_op(op, false, true, M, N, K, 1.0f, c2_tensor_data_const(A), K,
                      c2_tensor_data_const(B), K, 0.0f, c2_tensor_data(C), N, err);
}

START_TEST(op_threads_bit_identical) {
  static const c2_op_impl impl = {.device_type = C2_DEVICE_CPU, .run = gemm_run};
  c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "GemmTest", &impl, &err), &err);
  static const int64_t shapes[][3] = {{1, 4096, 300}, {3, 1000, 512}, {32, 777, 129}};
  for (size_t s = 0; s < 3; s++) {
    int64_t M = shapes[s][0], N = shapes[s][1], K = shapes[s][2];
    test_rng r = test_rng_make(s + 1);
    float *A = rand_floats(&r, M * K), *B = rand_floats(&r, N * K), *first = NULL;
    for (int threads = 1; threads <= 4; threads++) {
      c2_workspace *ws;
      EXPECT_OK(c2_workspace_new(&ws, &err), &err);
      c2_workspace_set_num_threads(ws, threads);
      int64_t da[2] = {M, K}, db[2] = {N, K};
      EXPECT_OK(c2_workspace_feed(ws, "A", C2_DTYPE_FLOAT, 2, da, A, &err), &err);
      EXPECT_OK(c2_workspace_feed(ws, "B", C2_DTYPE_FLOAT, 2, db, B, &err), &err);
      const char *in[] = {"A", "B"}, *out[] = {"C"};
      c2_opdef *op;
      EXPECT_OK(c2_opdef_new("GemmTest", 2, in, 1, out, &op, &err), &err);
      EXPECT_OK(c2_run_operator_once(ws, op, reg, &err), &err);
      const float *c = c2_tensor_data_const(c2_workspace_get_blob(ws, "C"));
      size_t bytes = (size_t)(M * N) * sizeof(float);
      if (!first) {
        first = malloc(bytes);
        memcpy(first, c, bytes);
        /* and the tiles agree with one whole call up to rounding */
        float *whole = malloc(bytes);
        c2__sgemm(false, true, M, N, K, 1.0f, A, K, B, K, 0.0f, whole, N);
        for (int64_t i = 0; i < M * N; i++) ck_assert(fabsf(whole[i] - c[i]) <= 1e-4f);
        free(whole);
      }
      ck_assert_msg(memcmp(first, c, bytes) == 0, "%lldx%lldx%lld: %d threads differ from 1",
                    (long long)M, (long long)N, (long long)K, threads);
      c2_opdef_free(op);
      c2_workspace_free(ws);
    }
    free(first);
    free(A);
    free(B);
  }
  c2_registry_free(reg);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gemm");
  TCase *tc = tcase_create("gemm");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, forms);
  tcase_add_test(tc, backend_named);
  tcase_add_test(tc, tiles);
  tcase_add_test(tc, op_threads_bit_identical);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
