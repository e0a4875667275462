/* FC and FCGradient against float64 references for every way of splitting X and W (axis,
 * axis_w, negative axes, empty dims), their gradient definition and inference, and the inputs
 * they must reject. */
#include "op_helpers.h"

typedef struct fc_case {
  int x_ndim;
  int64_t x_dims[4];
  int w_ndim;
  int64_t w_dims[4];
  int axis, axis_w;
} fc_case;

static int canon(int axis, int ndim) { return axis < 0 ? axis + ndim : axis; }

/* Y[m, n] = sum_k X[m, k] W[n, k] + b[n]; dW = dY^T X, db = colsum dY, dX = dY W. */
static void reference(int64_t M, int64_t N, int64_t K, const float *x, const float *w,
                      const float *b, const float *dy, double *y, double *dw, double *db,
                      double *dx) {
  for (int64_t m = 0; m < M; m++)
    for (int64_t n = 0; n < N; n++) {
      double acc = b[n];
      for (int64_t k = 0; k < K; k++) acc += (double)x[m * K + k] * w[n * K + k];
      y[m * N + n] = acc;
    }
  for (int64_t n = 0; n < N; n++) {
    double acc = 0;
    for (int64_t m = 0; m < M; m++) acc += dy[m * N + n];
    db[n] = acc;
    for (int64_t k = 0; k < K; k++) {
      double s = 0;
      for (int64_t m = 0; m < M; m++) s += (double)dy[m * N + n] * x[m * K + k];
      dw[n * K + k] = s;
    }
  }
  for (int64_t m = 0; m < M; m++)
    for (int64_t k = 0; k < K; k++) {
      double s = 0;
      for (int64_t n = 0; n < N; n++) s += (double)dy[m * N + n] * w[n * K + k];
      dx[m * K + k] = s;
    }
}

static c2_opdef *with_axes(c2_opdef *op, const fc_case *c) {
  c2_error err;
  if (c->axis != 1) EXPECT_OK(c2_opdef_add_arg_int(op, "axis", c->axis, &err), &err);
  if (c->axis_w != 1) EXPECT_OK(c2_opdef_add_arg_int(op, "axis_w", c->axis_w, &err), &err);
  return op;
}

static void check_case(const fc_case *c, test_rng *rng) {
  int ax = canon(c->axis, c->x_ndim), axw = canon(c->axis_w, c->w_ndim);
  int64_t M = dims_numel(ax, c->x_dims), K = dims_numel(c->x_ndim - ax, c->x_dims + ax);
  int64_t N = dims_numel(axw, c->w_dims);
  c2_workspace *ws = ws_new();
  float *x = feed_random(ws, "X", c->x_ndim, c->x_dims, rng, -1, 1);
  float *w = feed_random(ws, "W", c->w_ndim, c->w_dims, rng, -1, 1);
  float *b = feed_random(ws, "b", 1, &N, rng, -1, 1);
  int64_t y_dims[4];
  memcpy(y_dims, c->x_dims, sizeof y_dims);
  y_dims[ax] = N;
  float *dy = feed_random(ws, "dY", ax + 1, y_dims, rng, -1, 1);
  size_t my = (size_t)(M * N + 1), mw = (size_t)(N * K + 1), mx = (size_t)(M * K + 1);
  double *y = malloc(my * sizeof *y), *dw = malloc(mw * sizeof *dw);
  double *db = malloc((size_t)(N + 1) * sizeof *db), *dx = malloc(mx * sizeof *dx);
  reference(M, N, K, x, w, b, dy, y, dw, db, dx);
  run_op(ws, with_axes(op_new("FC", "X W b", "Y"), c));
  expect_shape(ws, "Y", ax + 1, y_dims);
  double tol = 1e-6 * (double)(K + 1);
  expect_close("Y", blob_f(ws, "Y"), y, M * N, tol);
  run_op(ws, with_axes(op_new("FCGradient", "X W dY", "dW db dX"), c));
  expect_shape(ws, "dW", c->w_ndim, c->w_dims);
  expect_shape(ws, "db", 1, &N);
  expect_shape(ws, "dX", c->x_ndim, c->x_dims);
  expect_close("dW", blob_f(ws, "dW"), dw, N * K, 1e-6 * (double)(M + 1));
  expect_close("db", blob_f(ws, "db"), db, N, 1e-6 * (double)(M + 1));
  expect_close("dX", blob_f(ws, "dX"), dx, M * K, 1e-6 * (double)(N + 1));
  /* With two outputs FCGradient leaves dX out, as in Caffe2. */
  run_op(ws, with_axes(op_new("FCGradient", "X W dY", "dW2 db2"), c));
  expect_close("dW2", blob_f(ws, "dW2"), dw, N * K, 1e-6 * (double)(M + 1));
  ck_assert(!c2_workspace_has_blob(ws, "dX2"));
  free(x), free(w), free(b), free(dy), free(y), free(dw), free(db), free(dx);
  c2_workspace_free(ws);
}

START_TEST(test_fc_vs_reference) {
  const fc_case cases[] = {
      {2, {5, 7}, 2, {3, 7}, 1, 1},           /* plain M x K, N x K */
      {4, {2, 3, 4, 5}, 2, {6, 60}, 1, 1},    /* X flattened after the batch */
      {4, {2, 3, 4, 5}, 2, {6, 5}, 3, 1},     /* over the last axis: the train model's FC */
      {4, {2, 3, 4, 5}, 2, {6, 5}, -1, 1},    /* the same with a negative axis */
      {4, {2, 3, 4, 5}, 3, {2, 3, 20}, 2, 2}, /* W split at axis_w = 2: N = 6 */
      {3, {2, 3, 4}, 4, {1, 1, 7, 4}, 2, -1}, /* inception's [1, 1, N, K] weights */
      {2, {40, 33}, 2, {17, 33}, 1, 1},       /* larger than one GEMM block in every dim */
      {2, {0, 7}, 2, {3, 7}, 1, 1},           /* an empty batch */
      {2, {4, 0}, 2, {3, 0}, 1, 1},           /* K = 0: Y is the bias, dW is empty */
      {2, {4, 7}, 2, {0, 7}, 1, 1},           /* N = 0 */
  };
  test_rng rng = test_rng_make(31);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) check_case(&cases[i], &rng);
}
END_TEST

START_TEST(test_rejected) {
  c2_workspace *ws = ws_new();
  c2_error err;
  test_rng rng = test_rng_make(32);
  const int64_t x[2] = {4, 5}, w[2] = {3, 5}, w_bad[2] = {3, 4}, three = 3, four = 4;
  const int64_t b2[2] = {1, 3}, dy_bad[2] = {4, 2}, scalar_dims[1] = {0};
  free(feed_random(ws, "X", 2, x, &rng, -1, 1));
  free(feed_random(ws, "W", 2, w, &rng, -1, 1));
  free(feed_random(ws, "Wb", 2, w_bad, &rng, -1, 1));
  free(feed_random(ws, "b", 1, &three, &rng, -1, 1));
  free(feed_random(ws, "b4", 1, &four, &rng, -1, 1));
  free(feed_random(ws, "b2", 2, b2, &rng, -1, 1));
  free(feed_random(ws, "dYb", 2, dy_bad, &rng, -1, 1));
  free(feed_random(ws, "S", 0, scalar_dims, &rng, -1, 1));
  run_fails(ws, op_new("FC", "X Wb b", "Y"), C2_ERR_SHAPE,
            "W must be N x K with K the size of X from 'axis' on (X 'X' [4, 5], W 'Wb' [3, 4])");
  run_fails(ws, op_new("FC", "X W b4", "Y"), C2_ERR_SHAPE,
            "input 'b4' has 4 elements (shape [4]), expected 3 (the bias has N = 3 values)");
  run_fails(ws, op_new("FC", "X W b2", "Y"), C2_ERR_SHAPE, "bias 'b2' must be 1-D, got shape [1, 3]");
  run_fails(ws, op_new("FC", "S W b", "Y"), C2_ERR_INVALID_ARGUMENT,
            "argument 'axis' is 1, but it must lie in [0, 0) for a rank-0 tensor");
  c2_opdef *op = op_new("FC", "X W b", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", 2, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "argument 'axis' is 2, but it must lie in [-2, 2)");
  op = op_new("FC", "X W b", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis_w", -3, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "argument 'axis_w' is -3");
  op = op_new("FC", "X W b", "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "axis", 1.0f, &err), &err);
  run_fails(ws, op, C2_ERR_TYPE, "argument 'axis' must be an int (field i)");
  run_fails(ws, op_new("FCGradient", "X W dYb", "dW db dX"), C2_ERR_SHAPE,
            "input 'dYb' has 8 elements (shape [4, 2]), expected 12 (dY must have M x N = 4 x 3 "
            "values)");
  run_fails(ws, op_new("FCGradient", "X W dYb", "dW"), C2_ERR_SCHEMA, "has 1 outputs, expected 2 to 3");
  run_fails(ws, op_new("FC", "X W", "Y"), C2_ERR_SCHEMA, "has 2 inputs, expected 3");
  int32_t ints[20] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "I", C2_DTYPE_INT32, 2, x, ints, &err), &err);
  run_fails(ws, op_new("FC", "I W b", "Y"), C2_ERR_TYPE, "input 'I' has dtype INT32, expected FLOAT");
  /* float16_compute is accepted (the CPU computes in float, as Caffe2's does). */
  op = op_new("FC", "X W b", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "float16_compute", 1, &err), &err);
  run_op(ws, op);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_gradient_and_inference) {
  c2_error err;
  c2_opdef *op = op_new("FC", "X W b", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "axis", 3, &err), &err);
  c2_grad_result *r = gradient_of(op, "Y_grad");
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 1);
  /* Caffe2 GetFCGradient: (X, W, dY) -> (dW, db, dX), forward args copied. */
  expect_grad_op(r, 0, "FCGradient", "X W Y_grad", "W_grad b_grad X_grad");
  int64_t axis;
  EXPECT_OK(c2_arg_get_int(c2_grad_result_op(r, 0), "axis", 0, &axis, &err), &err);
  ck_assert_int_eq(axis, 3);
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "X_grad");
  ck_assert_str_eq(c2_grad_result_input_grad(r, 1), "W_grad");
  ck_assert_str_eq(c2_grad_result_input_grad(r, 2), "b_grad");
  c2_grad_result_free(r);
  const int64_t xd[4] = {2, 3, 4, 5}, wd[2] = {6, 5}, bd = 6;
  c2_shape in[3] = {shape_of(4, xd), shape_of(2, wd), shape_of(1, &bd)}, out[3];
  infer(op, 3, in, 1, out);
  ck_assert(!out[0].unknown && out[0].ndim == 4 && out[0].dims[3] == 6 && out[0].dims[2] == 4);
  c2_cost cost = cost_of(op, 3, in);
  ck_assert_uint_eq(cost.flops, 2 * 24 * 6 * 5 + 24 * 6);
  ck_assert_uint_eq(cost.params_bytes, (6 * 5 + 6) * 4);
  ck_assert_uint_eq(cost.bytes_written, 24 * 6 * 4);
  c2_opdef_free(op);
  op = op_new("FCGradient", "X W dY", "dW db dX");
  infer(op, 3, in, 3, out);
  ck_assert(out[0].ndim == 2 && out[1].ndim == 1 && out[1].dims[0] == 6 && out[2].ndim == 4);
  c2_opdef_free(op);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("fc");
  TCase *tc = tcase_create("fc");
  tcase_add_test(tc, test_fc_vs_reference);
  tcase_add_test(tc, test_rejected);
  tcase_add_test(tc, test_gradient_and_inference);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
