/* Softmax, Dropout, Concat and the GivenTensor*Fill family: results against references written
 * from Caffe2's definitions, and every input they must reject. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

static c2_workspace *new_ws(int threads) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  c2_workspace_set_num_threads(ws, threads);
  return ws;
}

static c2_opdef *op1(const char *type, int n_in, const char *const *in, int n_out,
                     const char *const *out) {
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new(type, (size_t)n_in, in, (size_t)n_out, out, &op, &err), &err);
  return op;
}

static void feed(c2_workspace *ws, const char *name, int ndim, const int64_t *dims,
                 const float *v) {
  c2_error err;
  EXPECT_OK(c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, ndim, dims, v, &err), &err);
}

static void run_ok(c2_workspace *ws, c2_opdef *op) {
  c2_error err;
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
}

static const c2_tensor *blob(c2_workspace *ws, const char *name) {
  const c2_tensor *t = c2_workspace_get_blob(ws, name);
  ck_assert_msg(t != NULL, "blob %s missing", name);
  return t;
}

/* ---- Softmax ---- */

static void check_softmax(const int64_t *dims, int ndim, int64_t axis, bool set_axis, double lo,
                          double hi) {
  test_rng r = test_rng_make(11);
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= dims[i];
  float *x = malloc((size_t)n * sizeof *x);
  for (int64_t i = 0; i < n; i++) x[i] = (float)test_rng_uniform(&r, lo, hi);
  int canon = (int)(axis < 0 ? axis + ndim : axis);
  int64_t D = 1;
  for (int i = canon; i < ndim; i++) D *= dims[i];
  c2_workspace *ws = new_ws(2);
  feed(ws, "X", ndim, dims, x);
  const char *in[] = {"X"}, *out[] = {"Y"};
  c2_opdef *op = op1("Softmax", 1, in, 1, out);
  c2_error err;
  if (set_axis) EXPECT_OK(c2_opdef_add_arg_int(op, "axis", axis, &err), &err);
  run_ok(ws, op);
  const float *y = c2_tensor_data_const(blob(ws, "Y"));
  for (int64_t row = 0; row < n / D; row++) {
    double m = -INFINITY, sum = 0;
    for (int64_t i = 0; i < D; i++) m = fmax(m, x[row * D + i]);
    for (int64_t i = 0; i < D; i++) sum += exp((double)x[row * D + i] - m);
    for (int64_t i = 0; i < D; i++) {
      double want = exp((double)x[row * D + i] - m) / sum;
      ck_assert_msg(fabs(y[row * D + i] - want) <= 1e-6 * want + 1e-9,
                    "softmax row %lld col %lld: %.9g vs %.9g", (long long)row, (long long)i,
                    (double)y[row * D + i], want);
    }
  }
  c2_opdef_free(op);
  c2_workspace_free(ws);
  free(x);
}

START_TEST(softmax) {
  int64_t d2[] = {3, 1000}, d4[] = {2, 3, 4, 5};
  check_softmax(d2, 2, 1, false, -5, 5);
  check_softmax(d2, 2, 1, false, -200, 200); /* saturating rows */
  check_softmax(d4, 4, 2, true, -3, 3);
  check_softmax(d4, 4, -1, true, -3, 3);
  check_softmax(d4, 4, 0, true, -3, 3);
  c2_workspace *ws = new_ws(1);
  float v[6] = {0};
  int64_t small[] = {2, 3};
  feed(ws, "X", 2, small, v);
  const char *in[] = {"X"}, *out[] = {"Y"};
  c2_opdef *op = op1("Softmax", 1, in, 1, out);
  c2_error err;
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", 2, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "'axis' is 2, but it must lie in [-2, 2)");
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* ---- Dropout ---- */

static c2_opdef *dropout_op(bool in_place, int n_out, float ratio, int is_test) {
  const char *in[] = {"X"}, *out[] = {in_place ? "X" : "Y", "mask"};
  c2_opdef *op = op1("Dropout", 1, in, n_out, out);
  c2_error err;
  EXPECT_OK(c2_opdef_add_arg_float(op, "ratio", ratio, &err), &err);
  if (is_test >= 0) EXPECT_OK(c2_opdef_add_arg_int(op, "is_test", is_test, &err), &err);
  return op;
}

START_TEST(dropout_test_mode) {
  int64_t dims[] = {4, 5};
  float x[20];
  for (int i = 0; i < 20; i++) x[i] = (float)i - 7.5f;
  for (int in_place = 0; in_place < 2; in_place++) {
    c2_workspace *ws = new_ws(1);
    feed(ws, "X", 2, dims, x);
    c2_opdef *op = dropout_op(in_place, 2, 0.5f, 1);
    run_ok(ws, op);
    const float *y = c2_tensor_data_const(blob(ws, in_place ? "X" : "Y"));
    ck_assert(memcmp(y, x, sizeof x) == 0);
    ck_assert(c2_tensor_is_empty(blob(ws, "mask"))); /* not written, as in Caffe2 */
    c2_opdef_free(op);
    c2_workspace_free(ws);
  }
}
END_TEST

static void dropout_train(int threads, float ratio, uint8_t *mask_out, float *y_out, int runs) {
  int64_t n = 100000, dims[] = {n};
  float *x = malloc((size_t)n * sizeof *x);
  for (int64_t i = 0; i < n; i++) x[i] = (float)(i % 97) - 48.0f;
  c2_workspace *ws = new_ws(threads);
  feed(ws, "X", 1, dims, x);
  c2_opdef *op = dropout_op(false, 2, ratio, -1);
  c2_netdef *net;
  c2_error err;
  EXPECT_OK(c2_netdef_new("d", &net, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, op, &err), &err);
  EXPECT_OK(c2_workspace_create_net(ws, net, false, NULL, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "d", runs, &err), &err);
  const c2_tensor *m = blob(ws, "mask");
  ck_assert_int_eq(c2_tensor_dtype(m), C2_DTYPE_BOOL);
  memcpy(mask_out, c2_tensor_data_const(m), (size_t)n);
  memcpy(y_out, c2_tensor_data_const(blob(ws, "Y")), (size_t)n * sizeof(float));
  int64_t kept = 0;
  for (int64_t i = 0; i < n; i++) {
    kept += mask_out[i];
    float want = mask_out[i] ? x[i] * (1.0f / (1.0f - ratio)) : 0.0f;
    ck_assert_msg(y_out[i] == want, "Y[%lld] = %g, want %g", (long long)i, (double)y_out[i],
                  (double)want);
  }
  double frac = (double)kept / (double)n;
  ck_assert_msg(fabs(frac - (1.0 - ratio)) < 0.01, "kept %.4f, expected %.2f", frac, 1.0 - ratio);
  c2_netdef_free(net);
  c2_workspace_free(ws);
  free(x);
}

START_TEST(dropout_training) {
  size_t n = 100000;
  uint8_t *m1 = malloc(n), *m3 = malloc(n), *m_next = malloc(n);
  float *y1 = malloc(n * 4), *y3 = malloc(n * 4);
  dropout_train(1, 0.5f, m1, y1, 1);
  dropout_train(3, 0.5f, m3, y3, 1);
  ck_assert_msg(memcmp(m1, m3, n) == 0, "mask depends on the thread count");
  dropout_train(2, 0.5f, m_next, y3, 2); /* the second run of an op draws a new mask */
  ck_assert_msg(memcmp(m1, m_next, n) != 0, "second run repeated the first mask");
  dropout_train(2, 0.25f, m1, y1, 1);
  dropout_train(1, 0.0f, m1, y1, 1);
  free(m1);
  free(m3);
  free(m_next);
  free(y1);
  free(y3);
}
END_TEST

START_TEST(dropout_rejected) {
  c2_workspace *ws = new_ws(1);
  int64_t dims[] = {2};
  float x[2] = {1, 2};
  feed(ws, "X", 1, dims, x);
  c2_error err;
  c2_opdef *op = dropout_op(false, 2, 1.0f, 0);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "'ratio' must be in [0, 1)");
  c2_opdef_free(op);
  op = dropout_op(false, 1, 0.5f, 0);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SCHEMA, &err, "mask");
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* ---- Concat ---- */

START_TEST(concat_axes) {
  c2_workspace *ws = new_ws(1);
  int64_t da[] = {2, 3, 2, 2}, db[] = {2, 1, 2, 2};
  float a[24], b[8];
  for (int i = 0; i < 24; i++) a[i] = (float)i;
  for (int i = 0; i < 8; i++) b[i] = 100.0f + (float)i;
  feed(ws, "A", 4, da, a);
  feed(ws, "B", 4, db, b);
  const char *in[] = {"A", "B"}, *out[] = {"Y", "split"};
  c2_opdef *op = op1("Concat", 2, in, 2, out); /* default: order NCHW -> axis 1 */
  c2_error err;
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  run_ok(ws, op);
  const c2_tensor *y = blob(ws, "Y"), *split = blob(ws, "split");
  ck_assert_int_eq(c2_tensor_dim(y, 1), 4);
  ck_assert_int_eq(c2_tensor_dtype(split), C2_DTYPE_INT32);
  const int32_t *s = c2_tensor_data_const(split);
  ck_assert(s[0] == 3 && s[1] == 1);
  const float *v = c2_tensor_data_const(y);
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 4; c++)
      for (int i = 0; i < 4; i++) {
        float want = c < 3 ? a[(n * 3 + c) * 4 + i] : b[n * 4 + i];
        ck_assert(v[(n * 4 + c) * 4 + i] == want);
      }
  c2_opdef_free(op);
  /* axis -1 on equal shapes, and add_axis */
  const char *in2[] = {"A", "A"};
  op = op1("Concat", 2, in2, 2, out);
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", -1, &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_dim(blob(ws, "Y"), 3), 4);
  c2_opdef_free(op);
  op = op1("Concat", 2, in2, 2, out);
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "add_axis", 1, &err), &err);
  run_ok(ws, op);
  y = blob(ws, "Y");
  ck_assert_int_eq(c2_tensor_ndim(y), 5);
  ck_assert_int_eq(c2_tensor_dim(y, 1), 2);
  ck_assert_int_eq(((const int32_t *)c2_tensor_data_const(blob(ws, "split")))[1], 1);
  ck_assert(((const float *)c2_tensor_data_const(y))[12] == a[0]);
  c2_opdef_free(op);
  /* order NHWC joins along 3 */
  op = op1("Concat", 2, in2, 2, out);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NHWC", &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_dim(blob(ws, "Y"), 3), 4);
  c2_opdef_free(op);
  /* rejected */
  op = op1("Concat", 2, in, 2, out);
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", 2, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SHAPE, &err,
                "may differ only along the axis");
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHW", &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "either 'axis' or 'order'");
  c2_opdef_free(op);
  op = op1("Concat", 2, in, 2, out); /* found by fuzzing: a bad order read an unset flag */
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCHX", &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err, "order");
  c2_opdef_free(op);
  int32_t ints[8] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "I", C2_DTYPE_INT32, 4, db, ints, &err), &err);
  const char *in3[] = {"B", "I"};
  op = op1("Concat", 2, in3, 2, out);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err, "same type");
  c2_opdef_free(op);
  op = op1("Concat", 2, in, 1, out);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SCHEMA, &err, "outputs");
  c2_opdef_free(op);
  /* many inputs */
  const char *many[100];
  for (int i = 0; i < 100; i++) many[i] = "B";
  op = op1("Concat", 100, many, 2, out);
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", 0, &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_dim(blob(ws, "Y"), 0), 200);
  ck_assert_int_eq(((const int32_t *)c2_tensor_data_const(blob(ws, "split")))[99], 2);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* ---- GivenTensor*Fill ---- */

static c2_opdef *fill_op(const char *type, const int64_t *shape, size_t ndim) {
  const char *out[] = {"T"};
  c2_opdef *op = op1(type, 0, NULL, 1, out);
  c2_error err;
  if (shape) EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape, ndim, &err), &err);
  return op;
}

START_TEST(fills) {
  c2_workspace *ws = new_ws(1);
  c2_error err;
  int64_t shape[] = {2, 3};
  float fv[6] = {1.5f, -2, 3, 4, 5, 6.25f};
  int64_t iv[6] = {1, 0, -3, 40000, 7, 1LL << 40};
  c2_opdef *op = fill_op("GivenTensorFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "values", fv, 6, &err), &err);
  run_ok(ws, op);
  ck_assert(memcmp(c2_tensor_data_const(blob(ws, "T")), fv, sizeof fv) == 0);
  c2_opdef_free(op);

  op = fill_op("GivenTensorDoubleFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "values", fv, 6, &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_dtype(blob(ws, "T")), C2_DTYPE_DOUBLE);
  ck_assert(((const double *)c2_tensor_data_const(blob(ws, "T")))[5] == 6.25);
  c2_opdef_free(op);

  op = fill_op("GivenTensorInt64Fill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", iv, 6, &err), &err);
  run_ok(ws, op);
  ck_assert(((const int64_t *)c2_tensor_data_const(blob(ws, "T")))[5] == 1LL << 40);
  c2_opdef_free(op);

  op = fill_op("GivenTensorBoolFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", iv, 6, &err), &err);
  run_ok(ws, op);
  const uint8_t *bv = c2_tensor_data_const(blob(ws, "T"));
  ck_assert(bv[0] == 1 && bv[1] == 0 && bv[2] == 1);
  c2_opdef_free(op);

  op = fill_op("GivenTensorIntFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", iv, 6, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "cannot be represented as INT32");
  c2_opdef_free(op);
  op = fill_op("GivenTensorIntFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", iv, 5, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SHAPE, &err,
                "holds 5 values, but the shape has 6");
  c2_opdef_free(op);
  op = fill_op("GivenTensorInt16Fill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", iv, 6, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "value 40000 (values[3])");
  c2_opdef_free(op);

  /* dtype on the float op: DOUBLE from floats, INT32 from ints */
  op = fill_op("GivenTensorFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", C2_DTYPE_DOUBLE, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "values", fv, 6, &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_dtype(blob(ws, "T")), C2_DTYPE_DOUBLE);
  c2_opdef_free(op);
  int64_t small[6] = {1, 2, 3, 4, 5, 6};
  op = fill_op("GivenTensorFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_int(op, "dtype", C2_DTYPE_INT32, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", small, 6, &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_dtype(blob(ws, "T")), C2_DTYPE_INT32);
  c2_opdef_free(op);

  /* no shape: a scalar */
  op = fill_op("GivenTensorFill", NULL, 0);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "values", fv, 1, &err), &err);
  run_ok(ws, op);
  ck_assert_int_eq(c2_tensor_ndim(blob(ws, "T")), 0);
  c2_opdef_free(op);

  /* wrong fields and forms */
  op = fill_op("GivenTensorFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "values", iv, 6, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err, "values");
  c2_opdef_free(op);
  op = fill_op("GivenTensorFill", NULL, 0);
  EXPECT_OK(c2_opdef_add_arg_int(op, "shape", 6, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err, "shape");
  c2_opdef_free(op);
  op = fill_op("GivenTensorFill", shape, 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", shape, 2, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "extra_shape' needs an input");
  c2_opdef_free(op);

  /* with an input: its shape + extra_shape; input_as_shape */
  int64_t two[] = {2};
  float x2[2] = {0, 0};
  feed(ws, "S", 1, two, x2);
  const char *in[] = {"S"}, *out[] = {"T"};
  op = op1("GivenTensorFill", 1, in, 1, out);
  int64_t extra[] = {3};
  EXPECT_OK(c2_opdef_add_arg_ints(op, "extra_shape", extra, 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "values", fv, 6, &err), &err);
  run_ok(ws, op);
  ck_assert(c2_tensor_dim(blob(ws, "T"), 0) == 2 && c2_tensor_dim(blob(ws, "T"), 1) == 3);
  c2_opdef_free(op);
  int64_t dims_as_values[] = {3, 2};
  EXPECT_OK(c2_workspace_feed(ws, "D", C2_DTYPE_INT64, 1, two, dims_as_values, &err), &err);
  const char *in_d[] = {"D"};
  op = op1("GivenTensorFill", 1, in_d, 1, out);
  EXPECT_OK(c2_opdef_add_arg_int(op, "input_as_shape", 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(op, "values", fv, 6, &err), &err);
  run_ok(ws, op);
  ck_assert(c2_tensor_dim(blob(ws, "T"), 0) == 3 && c2_tensor_dim(blob(ws, "T"), 1) == 2);
  EXPECT_OK(c2_opdef_add_arg_ints(op, "shape", shape, 2, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "both the 'shape' argument and an input");
  c2_opdef_free(op);

  /* no gradient: backward passes stop here silently */
  const c2_registry *reg;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "GivenTensorFill"), C2_GRADIENT_NONE);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "GivenTensorInt64Fill"), C2_GRADIENT_NONE);
  c2_workspace_free(ws);
}
END_TEST

int main(void) {
  Suite *s = suite_create("zoo_ops");
  TCase *tc = tcase_create("zoo_ops");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, softmax);
  tcase_add_test(tc, dropout_test_mode);
  tcase_add_test(tc, dropout_training);
  tcase_add_test(tc, dropout_rejected);
  tcase_add_test(tc, concat_axes);
  tcase_add_test(tc, fills);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
