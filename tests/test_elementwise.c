/* Relu / ReluGradient, Scale, Copy / CopyOnDeviceLike, Sum and WeightedSum against float64
 * references, their gradient definitions, inference, and the inputs they must reject. */
#include "op_helpers.h"

static const int64_t DIMS[3] = {2, 3, 5};
enum { N = 30 };

START_TEST(test_relu) {
  c2_workspace *ws = ws_new();
  test_rng rng = test_rng_make(11);
  float *x = feed_random(ws, "X", 3, DIMS, &rng, -2, 2);
  x[0] = 0.0f, x[1] = -0.0f, x[2] = INFINITY, x[3] = -INFINITY, x[4] = NAN;
  feed_f(ws, "X", 3, DIMS, x);
  run_op(ws, op_new("Relu", "X", "Y"));
  const float *y = blob_f(ws, "Y");
  expect_shape(ws, "Y", 3, DIMS);
  for (int i = 5; i < N; i++) ck_assert(y[i] == (x[i] > 0 ? x[i] : 0.0f));
  ck_assert(y[0] == 0 && y[2] == INFINITY && y[3] == 0);
  ck_assert(isnan(y[4])); /* std::max(NaN, 0) keeps the NaN, as in Caffe2 */
  /* Gradient from the output: dX = dY where Y > 0. */
  float *dy = feed_random(ws, "dY", 3, DIMS, &rng, -1, 1);
  run_op(ws, op_new("ReluGradient", "Y dY", "dX"));
  const float *dx = blob_f(ws, "dX");
  for (int i = 0; i < N; i++) ck_assert(dx[i] == (y[i] > 0 ? dy[i] : 0.0f));
  /* In place, both ways Caffe2 allows. */
  run_op(ws, op_new("ReluGradient", "Y dY", "dY"));
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "dY")[i] == dx[i]);
  run_op(ws, op_new("Relu", "X", "X"));
  for (int i = 5; i < N; i++) ck_assert(blob_f(ws, "X")[i] == y[i]);
  free(x), free(dy);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_relu_rejects) {
  c2_workspace *ws = ws_new();
  c2_error err;
  test_rng rng = test_rng_make(3);
  free(feed_random(ws, "X", 3, DIMS, &rng, -1, 1));
  const int64_t other[2] = {6, 5};
  free(feed_random(ws, "O", 2, other, &rng, -1, 1));
  int32_t ints[N] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "I", C2_DTYPE_INT32, 3, DIMS, ints, &err), &err);
  run_fails(ws, op_new("Relu", "I", "Y"), C2_ERR_TYPE, "input 'I' has dtype INT32, expected FLOAT");
  run_fails(ws, op_new("ReluGradient", "X O", "dX"), C2_ERR_SHAPE,
            "input 'O' has shape [6, 5], but input 'X' has shape [2, 3, 5]");
  run_fails(ws, op_new("ReluGradient", "X X", "X"), C2_ERR_SCHEMA,
            "input 0 and output 0 are both 'X', but ReluGradient cannot run in place");
  run_fails(ws, op_new("Relu", "X", "Y Z"), C2_ERR_SCHEMA, "has 2 outputs, expected 1");
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_scale_and_copy) {
  c2_workspace *ws = ws_new();
  c2_error err;
  test_rng rng = test_rng_make(5);
  float *x = feed_random(ws, "X", 3, DIMS, &rng, -3, 3);
  c2_opdef *op = op_new("Scale", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "scale", -0.75f, &err), &err);
  run_op(ws, op);
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "Y")[i] == -0.75f * x[i]);
  run_op(ws, op_new("Scale", "X", "X1")); /* scale defaults to 1 */
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "X1")[i] == x[i]);
  op = op_new("Scale", "Y", "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "scale", 2.0f, &err), &err);
  run_op(ws, op);
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "Y")[i] == 2.0f * (-0.75f * x[i]));
  op = op_new("Scale", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "scale", NAN, &err), &err);
  run_fails(ws, op, C2_ERR_INVALID_ARGUMENT, "argument 'scale' must be finite, got nan");
  op = op_new("Scale", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_int(op, "scale", 2, &err), &err);
  run_fails(ws, op, C2_ERR_TYPE, "argument 'scale' must be a float (field f)");
  /* Copy keeps any dtype; CopyOnDeviceLike copies input 0 (input 1 names a device). */
  const int64_t idims[1] = {4};
  const int64_t ivals[4] = {1, -2, 3, 1LL << 50};
  EXPECT_OK(c2_workspace_feed(ws, "L", C2_DTYPE_INT64, 1, idims, ivals, &err), &err);
  run_op(ws, op_new("Copy", "L", "L2"));
  ck_assert_int_eq(c2_tensor_dtype(blob(ws, "L2")), C2_DTYPE_INT64);
  ck_assert(memcmp(c2_tensor_data_const(blob(ws, "L2")), ivals, sizeof ivals) == 0);
  run_op(ws, op_new("CopyOnDeviceLike", "X L", "C"));
  expect_shape(ws, "C", 3, DIMS);
  ck_assert(memcmp(blob_f(ws, "C"), x, sizeof(float) * N) == 0);
  c2_tensor *u;
  EXPECT_OK(c2_workspace_create_blob(ws, "U", &u, &err), &err);
  run_fails(ws, op_new("Copy", "U", "Y"), C2_ERR_INVALID_ARGUMENT, "input 'U' is empty");
  run_fails(ws, op_new("CopyOnDeviceLike", "X U", "Y"), C2_ERR_INVALID_ARGUMENT, "input 'U' is empty");
  run_fails(ws, op_new("Copy", "X", "X"), C2_ERR_SCHEMA, "Copy cannot run in place");
  free(x);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_sum) {
  c2_workspace *ws = ws_new();
  test_rng rng = test_rng_make(8);
  float *a = feed_random(ws, "A", 3, DIMS, &rng, -1, 1);
  float *b = feed_random(ws, "B", 3, DIMS, &rng, -1e3, 1e3);
  float *c = feed_random(ws, "C", 3, DIMS, &rng, -1e-3, 1e-3);
  double want[N];
  for (int i = 0; i < N; i++) want[i] = (double)a[i] + b[i] + c[i];
  run_op(ws, op_new("Sum", "A B C", "S"));
  expect_close("Sum", blob_f(ws, "S"), want, N, 1e-6);
  /* Caffe2 adds left to right in float: exactly ((a + b) + c). */
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "S")[i] == (a[i] + b[i]) + c[i]);
  run_op(ws, op_new("Sum", "A", "S1"));
  ck_assert(memcmp(blob_f(ws, "S1"), a, sizeof(float) * N) == 0);
  run_op(ws, op_new("Sum", "A A", "S2"));
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "S2")[i] == 2 * a[i]);
  run_op(ws, op_new("Sum", "A B C", "A")); /* in place on input 0, as gradient accumulation does */
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "A")[i] == (a[i] + b[i]) + c[i]);
  const int64_t other[3] = {2, 5, 3};
  free(feed_random(ws, "O", 3, other, &rng, -1, 1));
  run_fails(ws, op_new("Sum", "B O", "S"), C2_ERR_SHAPE,
            "input 'O' has shape [2, 5, 3], but input 'B' has shape [2, 3, 5]");
  run_fails(ws, op_new("Sum", "B C", "C"), C2_ERR_SCHEMA, "input 1 and output 0 are both 'C'");
  int32_t ints[N] = {0};
  c2_error err;
  EXPECT_OK(c2_workspace_feed(ws, "I", C2_DTYPE_INT32, 3, DIMS, ints, &err), &err);
  run_fails(ws, op_new("Sum", "B I", "S"), C2_ERR_TYPE, "input 'I' has dtype INT32");
  run_fails(ws, op_new("Sum", "", "S"), C2_ERR_SCHEMA, "has 0 inputs, expected at least 1");
  free(a), free(b), free(c);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_weighted_sum) {
  c2_workspace *ws = ws_new();
  test_rng rng = test_rng_make(9);
  float *x0 = feed_random(ws, "X0", 3, DIMS, &rng, -1, 1);
  float *x1 = feed_random(ws, "X1", 3, DIMS, &rng, -1, 1);
  float *x2 = feed_random(ws, "X2", 3, DIMS, &rng, -1, 1);
  const int64_t one = 1;
  const float w[3] = {0.5f, -2.0f, 0.25f};
  feed_f(ws, "w0", 1, &one, &w[0]);
  feed_f(ws, "w1", 1, &one, &w[1]);
  feed_f(ws, "w2", 0, NULL, &w[2]); /* a scalar weight is one element too */
  double want[N];
  for (int i = 0; i < N; i++) want[i] = 0.5 * x0[i] - 2.0 * x1[i] + 0.25 * x2[i];
  run_op(ws, op_new("WeightedSum", "X0 w0 X1 w1 X2 w2", "Y"));
  expect_close("WeightedSum", blob_f(ws, "Y"), want, N, 1e-6);
  run_op(ws, op_new("WeightedSum", "X1 w1", "Y1"));
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "Y1")[i] == -2.0f * x1[i]);
  /* The SGD step: param = 1 * param + (-lr) * grad, in place. */
  const float unit = 1.0f, minus_lr = -0.1f;
  feed_f(ws, "ONE", 1, &one, &unit);
  feed_f(ws, "LR", 1, &one, &minus_lr);
  run_op(ws, op_new("WeightedSum", "X0 ONE X1 LR", "X0"));
  for (int i = 0; i < N; i++) ck_assert(blob_f(ws, "X0")[i] == -0.1f * x1[i] + 1.0f * x0[i]);
  const float two[2] = {1, 2};
  const int64_t d2 = 2, small[1] = {3};
  feed_f(ws, "w_bad", 1, &d2, two);
  free(feed_random(ws, "S", 1, small, &rng, -1, 1));
  run_fails(ws, op_new("WeightedSum", "X1 w_bad", "Y"), C2_ERR_SHAPE,
            "input 'w_bad' has 2 elements (shape [2]), expected 1 (a weight holds one value)");
  run_fails(ws, op_new("WeightedSum", "X1 w1 S w1", "Y"), C2_ERR_SHAPE,
            "input 'S' has 3 elements (shape [3]), expected 30 (X_1 must have as many elements as X_0)");
  run_fails(ws, op_new("WeightedSum", "X1 w1 X2", "Y"), C2_ERR_SCHEMA,
            "3 inputs with 1 outputs is not a valid combination");
  run_fails(ws, op_new("WeightedSum", "X1 w1 X2 w2", "X2"), C2_ERR_SCHEMA,
            "input 2 and output 0 are both 'X2'");
  const int64_t zero = 0;
  feed_f(ws, "E", 1, &zero, NULL);
  run_fails(ws, op_new("WeightedSum", "E w1", "Y"), C2_ERR_SHAPE, "input 'E' (X_0) is empty");
  free(x0), free(x1), free(x2);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_gradient_definitions) {
  c2_error err;
  /* Relu: ReluGradient(Y, dY) -> dX, reading the output (so in-place Relu works). */
  c2_opdef *op = op_new("Relu", "X", "Y");
  c2_grad_result *r = gradient_of(op, "Y_grad");
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 1);
  expect_grad_op(r, 0, "ReluGradient", "Y Y_grad", "X_grad");
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "X_grad");
  c2_grad_result_free(r);
  c2_opdef_free(op);
  /* Scale: Scale(dY) -> dX with the forward arguments copied. */
  op = op_new("Scale", "X", "Y");
  EXPECT_OK(c2_opdef_add_arg_float(op, "scale", 3.0f, &err), &err);
  r = gradient_of(op, "Y_grad");
  expect_grad_op(r, 0, "Scale", "Y_grad", "X_grad");
  const c2_opdef *g = c2_grad_result_op(r, 0);
  ck_assert_uint_eq(c2_opdef_num_args(g), 1);
  float scale;
  EXPECT_OK(c2_arg_get_float(g, "scale", 0, &scale, &err), &err);
  ck_assert(scale == 3.0f);
  c2_grad_result_free(r);
  c2_opdef_free(op);
  /* Copy: CopyOnDeviceLike(dY, X) -> dX. */
  op = op_new("Copy", "X", "Y");
  r = gradient_of(op, "Y_grad");
  expect_grad_op(r, 0, "CopyOnDeviceLike", "Y_grad X", "X_grad");
  c2_grad_result_free(r);
  c2_opdef_free(op);
  /* Sum: no op; every input's gradient is the output's. */
  op = op_new("Sum", "A B C", "S");
  r = gradient_of(op, "S_grad");
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 0);
  for (int i = 0; i < 3; i++) ck_assert_str_eq(c2_grad_result_input_grad(r, (size_t)i), "S_grad");
  c2_grad_result_free(r);
  c2_opdef_free(op);
  /* WeightedSum is SHOULD_NOT_DO (Caffe2 2018): asking is an error. */
  op = op_new("WeightedSum", "P ONE G LR", "P");
  const char *g_out[] = {"P_grad"};
  EXPECT_STATUS(c2_gradient_for_op(default_registry(), op, 1, g_out, &r, &err), C2_ERR_GRADIENT,
                &err, "one should not call gradient for operator 'WeightedSum'");
  c2_opdef_free(op);
  /* A gradient op has no gradient of its own. */
  op = op_new("ReluGradient", "Y dY", "dX");
  EXPECT_STATUS(c2_gradient_for_op(default_registry(), op, 1, g_out, &r, &err), C2_ERR_GRADIENT,
                &err, "gradient maker for operator 'ReluGradient' is not implemented");
  c2_opdef_free(op);
}
END_TEST

START_TEST(test_inference) {
  c2_shape in[3] = {shape_of(3, DIMS), shape_of(3, DIMS), shape_of(3, DIMS)}, out[1];
  const char *types[] = {"Relu", "Scale", "Copy", "Sum"};
  for (int t = 0; t < 4; t++) {
    c2_opdef *op = op_new(types[t], t == 3 ? "A B C" : "X", "Y");
    int n_in = t == 3 ? 3 : 1;
    infer(op, n_in, in, 1, out);
    ck_assert_msg(!out[0].unknown && out[0].ndim == 3 && out[0].dims[2] == 5, "%s", types[t]);
    c2_cost cost = cost_of(op, n_in, in);
    ck_assert_uint_eq(cost.bytes_read, (uint64_t)(n_in * N * 4));
    ck_assert_uint_eq(cost.bytes_written, N * 4);
    ck_assert_uint_eq(cost.flops, t == 2 ? 0 : t == 3 ? 2 * N : N);
    c2_opdef_free(op);
  }
  c2_opdef *op = op_new("ReluGradient", "Y dY", "dX");
  infer(op, 2, in, 1, out);
  ck_assert(!out[0].unknown && out[0].ndim == 3);
  c2_opdef_free(op);
  op = op_new("WeightedSum", "X0 w0 X1 w1", "Y");
  const int64_t one = 1;
  c2_shape wsum[4] = {shape_of(3, DIMS), shape_of(1, &one), shape_of(3, DIMS), shape_of(1, &one)};
  infer(op, 4, wsum, 1, out);
  ck_assert(!out[0].unknown && out[0].ndim == 3 && out[0].dims[1] == 3);
  c2_opdef_free(op);
  const c2_schema *relu = c2_registry_schema(default_registry(), "Relu");
  ck_assert_str_eq(relu->onnx_name, "Relu");
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("elementwise");
  TCase *tc = tcase_create("elementwise");
  tcase_add_test(tc, test_relu);
  tcase_add_test(tc, test_relu_rejects);
  tcase_add_test(tc, test_scale_and_copy);
  tcase_add_test(tc, test_sum);
  tcase_add_test(tc, test_weighted_sum);
  tcase_add_test(tc, test_gradient_definitions);
  tcase_add_test(tc, test_inference);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
