/* Add / AddGradient: NumPy and legacy broadcasting against a naive reference, every dtype,
 * in-place rules, errors, the gradient definition, inference. */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>

#include "test_util.h"

static c2_opdef *add_op(const char *type, int n_in, const char *const *in, int n_out,
                        const char *const *out) {
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new(type, (size_t)n_in, in, (size_t)n_out, out, &op, &err), &err);
  return op;
}

static c2_opdef *add_ab(const char *c) {
  return add_op("Add", 2, (const char *[]){"A", "B"}, 1, (const char *[]){c});
}

static void feed_f(c2_workspace *ws, const char *name, int ndim, const int64_t *dims,
                   test_rng *rng) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= dims[i];
  float *v = malloc(sizeof *v * (size_t)(n ? n : 1));
  for (int64_t i = 0; i < n; i++) v[i] = (float)test_rng_uniform(rng, -4, 4);
  c2_error err;
  EXPECT_OK(c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, ndim, dims, v, &err), &err);
  free(v);
}

/* Element of `t` that output index `idx` (of rank `ndim`) reads under NumPy alignment. */
static float at_aligned(const c2_tensor *t, int ndim, const int64_t *idx) {
  int off = ndim - c2_tensor_ndim(t);
  int64_t flat = 0;
  for (int d = 0; d < c2_tensor_ndim(t); d++) {
    int64_t dim = c2_tensor_dim(t, d);
    flat = flat * dim + (dim == 1 ? 0 : idx[d + off]);
  }
  return ((const float *)c2_tensor_data_const(t))[flat];
}

static void check_numpy_case(int na, const int64_t *a, int nb, const int64_t *b, int nc,
                             const int64_t *c) {
  c2_workspace *ws;
  c2_error err;
  test_rng rng = test_rng_make((uint64_t)(na * 31 + nb));
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed_f(ws, "A", na, a, &rng);
  feed_f(ws, "B", nb, b, &rng);
  c2_opdef *op = add_ab("C");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  c2_opdef_free(op);
  const c2_tensor *C = c2_workspace_get_blob(ws, "C"), *A = c2_workspace_get_blob(ws, "A"),
                  *B = c2_workspace_get_blob(ws, "B");
  ck_assert_int_eq(c2_tensor_ndim(C), nc);
  for (int d = 0; d < nc; d++) ck_assert_int_eq(c2_tensor_dim(C, d), c[d]);
  int64_t idx[C2_MAX_NDIM] = {0};
  const float *cv = c2_tensor_data_const(C);
  for (int64_t i = 0; i < c2_tensor_numel(C); i++) {
    ck_assert_float_eq(cv[i], at_aligned(A, nc, idx) + at_aligned(B, nc, idx));
    for (int d = nc - 1; d >= 0 && ++idx[d] == c[d]; d--) idx[d] = 0;
  }

  /* The gradient: dA[k] sums dC over every output element that read A[k]. */
  feed_f(ws, "dC", nc, c, &rng);
  c2_opdef *g = add_op("AddGradient", 3, (const char *[]){"dC", "A", "B"}, 2,
                       (const char *[]){"dA", "dB"});
  EXPECT_OK(c2_run_operator_once(ws, g, NULL, &err), &err);
  c2_opdef_free(g);
  const c2_tensor *dC = c2_workspace_get_blob(ws, "dC");
  for (int k = 0; k < 2; k++) {
    const c2_tensor *in = k ? B : A, *d = c2_workspace_get_blob(ws, k ? "dB" : "dA");
    ck_assert(c2_tensor_same_shape(in, d));
    int64_t n = c2_tensor_numel(in);
    double *want = calloc((size_t)(n ? n : 1), sizeof *want);
    memset(idx, 0, sizeof idx);
    for (int64_t i = 0; i < c2_tensor_numel(C); i++) {
      int off = nc - c2_tensor_ndim(in);
      int64_t flat = 0;
      for (int dd = 0; dd < c2_tensor_ndim(in); dd++) {
        int64_t dim = c2_tensor_dim(in, dd);
        flat = flat * dim + (dim == 1 ? 0 : idx[dd + off]);
      }
      want[flat] += ((const float *)c2_tensor_data_const(dC))[i];
      for (int dd = nc - 1; dd >= 0 && ++idx[dd] == c[dd]; dd--) idx[dd] = 0;
    }
    for (int64_t j = 0; j < n; j++)
      ck_assert_double_lt(fabs(((const float *)c2_tensor_data_const(d))[j] - want[j]), 1e-4);
    free(want);
  }
  c2_workspace_free(ws);
}

START_TEST(test_numpy_broadcasting) {
  check_numpy_case(2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3});
  check_numpy_case(2, (int64_t[]){2, 3}, 1, (int64_t[]){3}, 2, (int64_t[]){2, 3});
  check_numpy_case(1, (int64_t[]){3}, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3});
  check_numpy_case(3, (int64_t[]){2, 1, 3}, 2, (int64_t[]){4, 1}, 3, (int64_t[]){2, 4, 3});
  check_numpy_case(4, (int64_t[]){1, 5, 1, 2}, 2, (int64_t[]){3, 2}, 4,
                   (int64_t[]){1, 5, 3, 2});
  check_numpy_case(2, (int64_t[]){64, 1}, 2, (int64_t[]){64, 1}, 2, (int64_t[]){64, 1});
  check_numpy_case(0, NULL, 2, (int64_t[]){2, 2}, 2, (int64_t[]){2, 2});
  check_numpy_case(2, (int64_t[]){0, 3}, 1, (int64_t[]){1}, 2, (int64_t[]){0, 3});
}
END_TEST

/* broadcast=1: B (its leading/trailing 1s dropped) matches A's dims from `axis`. */
static void check_legacy(int na, const int64_t *a, int nb, const int64_t *b, int axis,
                         const char *axis_str) {
  c2_workspace *ws;
  c2_error err;
  test_rng rng = test_rng_make(7);
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed_f(ws, "A", na, a, &rng);
  feed_f(ws, "B", nb, b, &rng);
  c2_opdef *op = add_ab("C");
  EXPECT_OK(c2_opdef_add_arg_int(op, "broadcast", 1, &err), &err);
  if (axis >= 0) EXPECT_OK(c2_opdef_add_arg_int(op, "axis", axis, &err), &err);
  if (axis_str) EXPECT_OK(c2_opdef_add_arg_string(op, "axis_str", axis_str, &err), &err);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  c2_opdef_free(op);
  const c2_tensor *A = c2_workspace_get_blob(ws, "A"), *B = c2_workspace_get_blob(ws, "B"),
                  *C = c2_workspace_get_blob(ws, "C");
  ck_assert(c2_tensor_same_shape(A, C));
  /* pre x n x post, as Caffe2 computes it */
  int64_t bn = c2_tensor_numel(B);
  int ax = axis >= 0 ? axis : (axis_str ? 1 : na - nb);
  int start = 0, end = nb - 1;
  while (start < nb && b[start] == 1) start++;
  while (end >= start && b[end] == 1) end--;
  int64_t post = 1;
  for (int i = ax + end + 1; i < na; i++) post *= a[i];
  const float *av = c2_tensor_data_const(A), *bv = c2_tensor_data_const(B),
              *cv = c2_tensor_data_const(C);
  for (int64_t i = 0; i < c2_tensor_numel(A); i++) {
    int64_t j = bn == 1 ? 0 : (i / post) % bn;
    ck_assert_float_eq(cv[i], av[i] + bv[j]);
  }
  c2_workspace_free(ws);
}

START_TEST(test_legacy_broadcasting) {
  check_legacy(4, (int64_t[]){2, 3, 4, 5}, 2, (int64_t[]){4, 5}, -1, NULL);
  check_legacy(4, (int64_t[]){2, 3, 4, 5}, 2, (int64_t[]){3, 4}, 1, NULL);
  check_legacy(4, (int64_t[]){2, 3, 4, 5}, 1, (int64_t[]){3}, -1, "C");
  check_legacy(4, (int64_t[]){2, 3, 4, 5}, 3, (int64_t[]){1, 4, 1}, 1, NULL);
  check_legacy(4, (int64_t[]){2, 3, 4, 5}, 2, (int64_t[]){1, 1}, -1, NULL);
  check_legacy(2, (int64_t[]){2, 3}, 3, (int64_t[]){1, 1, 1}, -1, NULL); /* a scalar */
}
END_TEST

static void expect_add_fails(const int64_t *a, int na, const int64_t *b, int nb, int broadcast,
                             int axis, const char *fragment) {
  c2_workspace *ws;
  c2_error err;
  test_rng rng = test_rng_make(3);
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed_f(ws, "A", na, a, &rng);
  feed_f(ws, "B", nb, b, &rng);
  c2_opdef *op = add_ab("C");
  if (broadcast) EXPECT_OK(c2_opdef_add_arg_int(op, "broadcast", 1, &err), &err);
  if (axis != -1) EXPECT_OK(c2_opdef_add_arg_int(op, "axis", axis, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), broadcast || axis == -1
                ? C2_ERR_SHAPE : C2_ERR_INVALID_ARGUMENT, &err, fragment);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}

START_TEST(test_shape_errors) {
  expect_add_fails((int64_t[]){2, 3}, 2, (int64_t[]){2}, 1, 0, -1,
                   "op #0 (Add): input 'A' [2, 3] and input 'B' [2] cannot be broadcast together");
  expect_add_fails((int64_t[]){2, 3}, 2, (int64_t[]){2}, 1, 1, -1,
                   "broadcast dimension mismatch: input 'A' [2, 3] dim 1 is 3, input 'B' [2]");
  expect_add_fails((int64_t[]){3}, 1, (int64_t[]){2, 3}, 2, 1, -1,
                   "with broadcast=1, input 'B' [2, 3] must not have more dimensions than input "
                   "'A' [3]");
  expect_add_fails((int64_t[]){2, 3}, 2, (int64_t[]){3}, 1, 1, 2,
                   "broadcast axis must be in [0, 1]");
  expect_add_fails((int64_t[]){2, 3}, 2, (int64_t[]){3}, 1, 0, 1,
                   "do not specify 'axis' or 'axis_str' if 'broadcast' is not enabled");
}
END_TEST

START_TEST(test_dtypes) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  int32_t ia[3] = {INT32_MAX, -5, 7}, ib[1] = {1};
  EXPECT_OK(c2_workspace_feed(ws, "A", C2_DTYPE_INT32, 1, (int64_t[]){3}, ia, &err), &err);
  EXPECT_OK(c2_workspace_feed(ws, "B", C2_DTYPE_INT32, 1, (int64_t[]){1}, ib, &err), &err);
  c2_opdef *op = add_ab("C");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const int32_t *ic = c2_tensor_data_const(c2_workspace_get_blob(ws, "C"));
  ck_assert_int_eq(ic[0], INT32_MIN); /* wraps like Caffe2's (two's complement) ints */
  ck_assert_int_eq(ic[1], -4);
  int64_t la[2] = {1ll << 40, -3}, lb[2] = {2, 3};
  EXPECT_OK(c2_workspace_feed(ws, "A", C2_DTYPE_INT64, 1, (int64_t[]){2}, la, &err), &err);
  EXPECT_OK(c2_workspace_feed(ws, "B", C2_DTYPE_INT64, 1, (int64_t[]){2}, lb, &err), &err);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const int64_t *lc = c2_tensor_data_const(c2_workspace_get_blob(ws, "C"));
  ck_assert_int_eq(lc[0], (1ll << 40) + 2);
  ck_assert_int_eq(lc[1], 0);
  double da[2] = {0.1, 1e300}, db[2] = {0.2, 1e300};
  EXPECT_OK(c2_workspace_feed(ws, "A", C2_DTYPE_DOUBLE, 1, (int64_t[]){2}, da, &err), &err);
  EXPECT_OK(c2_workspace_feed(ws, "B", C2_DTYPE_DOUBLE, 1, (int64_t[]){2}, db, &err), &err);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const double *dc = c2_tensor_data_const(c2_workspace_get_blob(ws, "C"));
  ck_assert_double_eq(dc[0], 0.1 + 0.2);
  ck_assert_double_eq(dc[1], 2e300);
  ck_assert_int_eq(c2_tensor_dtype(c2_workspace_get_blob(ws, "C")), C2_DTYPE_DOUBLE);

  float fb[2] = {1, 2};
  EXPECT_OK(c2_workspace_feed(ws, "B", C2_DTYPE_FLOAT, 1, (int64_t[]){2}, fb, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err,
                "op #0 (Add): input 'B' has dtype FLOAT, expected DOUBLE (the dtype of 'A')");
  uint8_t ua[2] = {1, 2};
  EXPECT_OK(c2_workspace_feed(ws, "A", C2_DTYPE_UINT8, 1, (int64_t[]){2}, ua, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err,
                "input 'A' has dtype UINT8, expected FLOAT, DOUBLE, INT32 or INT64");
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_in_place) {
  c2_workspace *ws;
  c2_error err;
  test_rng rng = test_rng_make(11);
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed_f(ws, "A", 2, (int64_t[]){2, 3}, &rng);
  feed_f(ws, "B", 1, (int64_t[]){3}, &rng);
  float a[6], b[3];
  memcpy(a, c2_tensor_data_const(c2_workspace_get_blob(ws, "A")), sizeof a);
  memcpy(b, c2_tensor_data_const(c2_workspace_get_blob(ws, "B")), sizeof b);
  c2_opdef *op = add_ab("A");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  c2_opdef_free(op);
  const float *c = c2_tensor_data_const(c2_workspace_get_blob(ws, "A"));
  for (int i = 0; i < 6; i++) ck_assert_float_eq(c[i], a[i] + b[i % 3]);
  op = add_ab("B");
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SHAPE, &err,
                "output 'B' is computed in place on input 'B' [3], which is broadcast");
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* Caffe2's AddGradient runs in place on dC (AllowInplace {{0, 0}, {0, 1}}): the backward pass of
 * an in-place Add (net.Add([X, b], X)) names dC and dX both X_grad. It used to be refused by the
 * schema, so no net with an in-place Add could be trained. An output on dC whose input is
 * broadcast cannot be reduced in place: that is an error, not a read of resized memory. */
START_TEST(test_gradient_in_place) {
  c2_workspace *ws;
  c2_error err;
  test_rng rng = test_rng_make(12);
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed_f(ws, "A", 2, (int64_t[]){2, 3}, &rng);
  feed_f(ws, "B", 1, (int64_t[]){3}, &rng);
  for (int k = 0; k < 2; k++) { /* dC in place on dA (k = 0), then on dB with B and A swapped */
    feed_f(ws, "dC", 2, (int64_t[]){2, 3}, &rng);
    float dc[6];
    memcpy(dc, c2_tensor_data_const(c2_workspace_get_blob(ws, "dC")), sizeof dc);
    const char *in[] = {"dC", k ? "B" : "A", k ? "A" : "B"};
    const char *out[] = {k ? "dB" : "dC", k ? "dC" : "dB"};
    c2_opdef *g = add_op("AddGradient", 3, in, 2, out);
    EXPECT_OK(c2_run_operator_once(ws, g, NULL, &err), &err);
    c2_opdef_free(g);
    const c2_tensor *full = c2_workspace_get_blob(ws, "dC"), *red = c2_workspace_get_blob(ws, "dB");
    ck_assert_int_eq(c2_tensor_numel(full), 6);
    ck_assert_int_eq(c2_tensor_numel(red), 3);
    const float *f = c2_tensor_data_const(full), *r = c2_tensor_data_const(red);
    for (int i = 0; i < 6; i++) ck_assert_float_eq(f[i], dc[i]);
    for (int j = 0; j < 3; j++) ck_assert_float_eq_tol(r[j], dc[j] + dc[3 + j], 1e-6f);
  }
  c2_opdef *g = add_op("AddGradient", 3, (const char *[]){"dC", "B", "A"}, 2,
                       (const char *[]){"dC", "dA"});
  EXPECT_STATUS(c2_run_operator_once(ws, g, NULL, &err), C2_ERR_SHAPE, &err,
                "output 'dC' is computed in place on input 'dC' [2, 3]");
  c2_opdef_free(g);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_gradient_definition) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  c2_opdef *op = add_ab("C");
  EXPECT_OK(c2_opdef_add_arg_int(op, "broadcast", 1, &err), &err);
  c2_grad_result *r;
  EXPECT_OK(c2_gradient_for_op(reg, op, 1, (const char *[]){"C_grad"}, &r, &err), &err);
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 1);
  const c2_opdef *g = c2_grad_result_op(r, 0);
  ck_assert_str_eq(c2_opdef_type(g), "AddGradient");
  ck_assert_str_eq(c2_opdef_input(g, 0), "C_grad");
  ck_assert_str_eq(c2_opdef_input(g, 1), "A");
  ck_assert_str_eq(c2_opdef_input(g, 2), "B");
  ck_assert_str_eq(c2_opdef_output(g, 0), "A_grad");
  ck_assert_str_eq(c2_opdef_output(g, 1), "B_grad");
  ck_assert_uint_eq(c2_opdef_num_args(g), 1);
  ck_assert_str_eq(c2_opdef_arg_name(g, 0), "broadcast");
  ck_assert_str_eq(c2_grad_result_input_grad(r, 1), "B_grad");
  c2_grad_result_free(r);
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_inference) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const c2_schema *s = c2_registry_schema(reg, "Add");
  c2_opdef *op = add_ab("C");
  c2_shape in[2] = {{.dtype = C2_DTYPE_DOUBLE, .ndim = 2, .dims = {4, 1}},
                    {.dtype = C2_DTYPE_DOUBLE, .ndim = 1, .dims = {5}}};
  c2_shape out;
  EXPECT_OK(c2_schema_infer_shapes(s, op, 2, in, 1, &out, &err), &err);
  ck_assert(!out.unknown);
  ck_assert_int_eq(out.dtype, C2_DTYPE_DOUBLE);
  ck_assert_int_eq(out.ndim, 2);
  ck_assert_int_eq(out.dims[0], 4);
  ck_assert_int_eq(out.dims[1], 5);
  c2_cost cost;
  EXPECT_OK(c2_schema_infer_cost(s, op, 2, in, &cost, &err), &err);
  ck_assert_uint_eq(cost.flops, 20);
  ck_assert_uint_eq(cost.bytes_read, (4 + 5) * 8);
  ck_assert_uint_eq(cost.bytes_written, 20 * 8);
  in[1].dims[0] = 3;
  in[0].dims[1] = 2;
  EXPECT_STATUS(c2_schema_infer_shapes(s, op, 2, in, 1, &out, &err), C2_ERR_SHAPE, &err,
                "cannot be broadcast together");
  c2_opdef_free(op);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("add");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_numpy_broadcasting);
  tcase_add_test(tc, test_legacy_broadcasting);
  tcase_add_test(tc, test_shape_errors);
  tcase_add_test(tc, test_dtypes);
  tcase_add_test(tc, test_in_place);
  tcase_add_test(tc, test_gradient_in_place);
  tcase_add_test(tc, test_gradient_definition);
  tcase_add_test(tc, test_inference);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
