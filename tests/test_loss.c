/* SquaredL2Distance and AveragedLoss with their gradients against float64 references, their
 * gradient definitions and inference, and the inputs they must reject. */
#include "op_helpers.h"

/* Rows along dim 0 (one row for a scalar). */
static void ref_sql2(int ndim, const int64_t *dims, const float *x, const float *y, double *z,
                     int64_t *rows) {
  int64_t n = ndim > 0 ? dims[0] : 1, numel = dims_numel(ndim, dims);
  int64_t d = n > 0 ? numel / n : 0;
  for (int64_t i = 0; i < n; i++) {
    double acc = 0;
    for (int64_t j = 0; j < d; j++) acc += 0.5 * ((double)x[i * d + j] - y[i * d + j]) *
                                           ((double)x[i * d + j] - y[i * d + j]);
    z[i] = acc;
  }
  *rows = n;
}

START_TEST(test_squared_l2_distance) {
  const struct { int ndim; int64_t dims[4]; } cases[] = {
      {2, {5, 7}}, {4, {2, 3, 4, 5}}, {1, {6}}, {0, {0}}, {2, {0, 3}}, {2, {3, 0}}};
  test_rng rng = test_rng_make(21);
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    c2_workspace *ws = ws_new();
    int ndim = cases[c].ndim;
    const int64_t *dims = cases[c].dims;
    int64_t numel = dims_numel(ndim, dims);
    float *x = feed_random(ws, "X", ndim, dims, &rng, -2, 2);
    float *y = feed_random(ws, "Y", ndim, dims, &rng, -2, 2);
    if (numel > 1) y[1] = x[1]; /* a zero difference */
    feed_f(ws, "Y", ndim, dims, y);
    double z[8];
    int64_t rows;
    ref_sql2(ndim, dims, x, y, z, &rows);
    run_op(ws, op_new("SquaredL2Distance", "X Y", "Z"));
    expect_shape(ws, "Z", 1, &rows);
    expect_close("Z", blob_f(ws, "Z"), z, rows, 1e-6);
    /* dX = (X - Y) dZ per row, dY = -dX */
    float *dz = feed_random(ws, "dZ", 1, &rows, &rng, -1, 1);
    run_op(ws, op_new("SquaredL2DistanceGradient", "X Y dZ", "dX dY"));
    expect_shape(ws, "dX", ndim, dims);
    expect_shape(ws, "dY", ndim, dims);
    int64_t d = rows > 0 ? numel / rows : 0;
    const float *dx = blob_f(ws, "dX"), *dyv = blob_f(ws, "dY");
    for (int64_t i = 0; i < numel; i++) {
      double want = ((double)x[i] - y[i]) * dz[i / d];
      ck_assert_msg(fabs(dx[i] - want) <= 1e-6 * fmax(1, fabs(want)), "dX[%lld]", (long long)i);
      ck_assert(dyv[i] == -dx[i]);
    }
    free(x), free(y), free(dz);
    c2_workspace_free(ws);
  }
}
END_TEST

/* Caffe2 computes (|x|^2 + |y|^2)/2 - x.y in float; near-equal inputs must not cancel to
 * garbage. */
START_TEST(test_distance_is_accurate_when_close) {
  c2_workspace *ws = ws_new();
  const int64_t dims[2] = {1, 1000};
  float x[1000], y[1000];
  for (int i = 0; i < 1000; i++) x[i] = 100.0f + (float)i, y[i] = x[i] + 1e-3f * (float)(i % 3);
  feed_f(ws, "X", 2, dims, x);
  feed_f(ws, "Y", 2, dims, y);
  double z;
  int64_t rows;
  ref_sql2(2, dims, x, y, &z, &rows);
  run_op(ws, op_new("SquaredL2Distance", "X Y", "Z"));
  ck_assert_msg(fabs(blob_f(ws, "Z")[0] - z) <= 1e-6 * z, "Z = %.9g, reference %.9g",
                blob_f(ws, "Z")[0], z);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_averaged_loss) {
  const struct { int ndim; int64_t dims[3]; } cases[] = {{1, {5}}, {3, {2, 3, 4}}, {0, {0}}, {2, {0, 4}}};
  test_rng rng = test_rng_make(22);
  for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
    c2_workspace *ws = ws_new();
    int ndim = cases[c].ndim;
    const int64_t *dims = cases[c].dims;
    int64_t numel = dims_numel(ndim, dims);
    float *x = feed_random(ws, "X", ndim, dims, &rng, -3, 3);
    double mean = 0;
    for (int64_t i = 0; i < numel; i++) mean += x[i];
    mean = numel ? mean / (double)numel : 0; /* an empty input averages to 0 */
    run_op(ws, op_new("AveragedLoss", "X", "L"));
    ck_assert_int_eq(c2_tensor_ndim(blob(ws, "L")), 0); /* a scalar, as Caffe2's */
    expect_close("L", blob_f(ws, "L"), &mean, 1, 1e-6);
    const float g = 2.5f;
    feed_f(ws, "dL", 0, NULL, &g);
    run_op(ws, op_new("AveragedLossGradient", "X dL", "dX"));
    expect_shape(ws, "dX", ndim, dims);
    for (int64_t i = 0; i < numel; i++)
      ck_assert(fabs(blob_f(ws, "dX")[i] - 2.5 / (double)numel) <= 1e-7);
    free(x);
    c2_workspace_free(ws);
  }
}
END_TEST

START_TEST(test_rejected) {
  c2_workspace *ws = ws_new();
  c2_error err;
  test_rng rng = test_rng_make(23);
  const int64_t a[2] = {3, 4}, b[2] = {4, 3}, three = 3, two = 2;
  free(feed_random(ws, "A", 2, a, &rng, -1, 1));
  free(feed_random(ws, "B", 2, b, &rng, -1, 1));
  free(feed_random(ws, "dZ", 1, &three, &rng, -1, 1));
  free(feed_random(ws, "dZ2", 1, &two, &rng, -1, 1));
  free(feed_random(ws, "dZm", 2, a, &rng, -1, 1));
  run_fails(ws, op_new("SquaredL2Distance", "A B", "Z"), C2_ERR_SHAPE,
            "input 'B' has shape [4, 3], but input 'A' has shape [3, 4]");
  run_fails(ws, op_new("SquaredL2DistanceGradient", "A A dZ2", "dX dY"), C2_ERR_SHAPE,
            "input 'dZ2' has 2 elements (shape [2]), expected 3 (one gradient per row of X)");
  const int64_t col[2] = {3, 1};
  free(feed_random(ws, "dZc", 2, col, &rng, -1, 1));
  run_fails(ws, op_new("SquaredL2DistanceGradient", "A A dZc", "dX dY"), C2_ERR_SHAPE,
            "input 'dZc' must be 1-D (one value per row), got shape [3, 1]");
  run_fails(ws, op_new("SquaredL2DistanceGradient", "A A dZ", "dX dX"), C2_ERR_SCHEMA,
            "outputs 0 and 1 are both named 'dX'");
  run_fails(ws, op_new("AveragedLossGradient", "A dZ", "dX"), C2_ERR_SHAPE,
            "input 'dZ' has 3 elements (shape [3]), expected 1 (the gradient of a scalar loss)");
  int32_t ints[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "I", C2_DTYPE_INT32, 2, a, ints, &err), &err);
  run_fails(ws, op_new("AveragedLoss", "I", "L"), C2_ERR_TYPE, "input 'I' has dtype INT32");
  run_fails(ws, op_new("SquaredL2Distance", "A I", "Z"), C2_ERR_TYPE, "input 'I' has dtype INT32");
  run_fails(ws, op_new("AveragedLoss", "A", "A"), C2_ERR_SCHEMA, "AveragedLoss cannot run in place");
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_gradients_and_inference) {
  c2_opdef *op = op_new("SquaredL2Distance", "X Y", "Z");
  c2_grad_result *r = gradient_of(op, "Z_grad");
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 1);
  expect_grad_op(r, 0, "SquaredL2DistanceGradient", "X Y Z_grad", "X_grad Y_grad");
  c2_grad_result_free(r);
  const int64_t d[3] = {4, 2, 3};
  c2_shape in[2] = {shape_of(3, d), shape_of(3, d)}, out[2];
  infer(op, 2, in, 1, out);
  ck_assert(!out[0].unknown && out[0].ndim == 1 && out[0].dims[0] == 4);
  c2_cost cost = cost_of(op, 2, in);
  ck_assert_uint_eq(cost.flops, 3 * 24);
  ck_assert_uint_eq(cost.bytes_read, 2 * 24 * 4);
  ck_assert_uint_eq(cost.bytes_written, 4 * 4);
  c2_opdef_free(op);
  op = op_new("AveragedLoss", "X", "L");
  r = gradient_of(op, "L_grad");
  expect_grad_op(r, 0, "AveragedLossGradient", "X L_grad", "X_grad");
  c2_grad_result_free(r);
  infer(op, 1, in, 1, out);
  ck_assert(!out[0].unknown && out[0].ndim == 0 && out[0].dtype == C2_DTYPE_FLOAT);
  c2_opdef_free(op);
  op = op_new("SquaredL2DistanceGradient", "X Y dZ", "dX dY");
  infer(op, 3, in, 2, out);
  ck_assert(!out[1].unknown && out[1].ndim == 3 && out[1].dims[2] == 3);
  c2_opdef_free(op);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("loss");
  TCase *tc = tcase_create("loss");
  tcase_add_test(tc, test_squared_l2_distance);
  tcase_add_test(tc, test_distance_is_accurate_when_close);
  tcase_add_test(tc, test_averaged_loss);
  tcase_add_test(tc, test_rejected);
  tcase_add_test(tc, test_gradients_and_inference);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
