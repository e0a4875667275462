/* The library's gradient checker (Caffe2 GradientChecker.CheckSimple): it passes correct
 * gradients, including Caffe2's TestLRN cases, catches wrong ones with the right report, and
 * rejects what it cannot check. */
#include "op_helpers.h"

/* A test op: Y = X^2, registered with a gradient that is wrong (Scale(dY, 2) = 2 dY instead
 * of 2 X dY) or whose shape is wrong, to see the checker catch both. */
static c2_status square_run(c2_operator *op, c2_error *err) {
  const c2_tensor *x = c2_op_input(op, 0);
  c2_tensor *y = c2_op_output(op, 0);
  c2_status st = c2_tensor_resize_like(y, x, err);
  const float *xv = c2_tensor_data_const(x);
  float *yv = c2_tensor_data(y);
  for (int64_t i = 0; !st && i < c2_tensor_numel(x); i++) yv[i] = xv[i] * xv[i];
  return st;
}
static const c2_op_impl square_impl = {.device_type = C2_DEVICE_CPU, .run = square_run};

static c2_status wrong_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_opdef *op;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (!st) st = c2_grad_add_op(g, "Scale", 1, &go, 1, &gi, &op, err);
  if (!st) st = c2_opdef_add_arg_float(op, "scale", 2.0f, err);
  return st;
}

static c2_status misshapen_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *gi;
  c2_opdef *op;
  const int64_t one = 1;
  c2_status st = c2_grad_GI(g, 0, &gi, err);
  if (!st) st = c2_grad_add_op(g, "ConstantFill", 0, NULL, 1, &gi, &op, err);
  if (!st) st = c2_opdef_add_arg_ints(op, "shape", &one, 1, err);
  return st;
}

static c2_registry *test_registry(void) {
  c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_register_builtin_ops(reg, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Square", &square_impl, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Square", C2_GRADIENT_FN, wrong_gradient, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Misshapen", &square_impl, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Misshapen", C2_GRADIENT_FN, misshapen_gradient, &err),
            &err);
  return reg;
}

static c2_tensor *random_tensor(int ndim, const int64_t *dims, test_rng *rng, double lo,
                                double hi) {
  c2_tensor *t;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&t, &err), &err);
  EXPECT_OK(c2_tensor_resize(t, C2_DTYPE_FLOAT, ndim, dims, &err), &err);
  float *v = c2_tensor_data(t);
  for (int64_t i = 0; i < c2_tensor_numel(t); i++) v[i] = (float)test_rng_uniform(rng, lo, hi);
  return t;
}

START_TEST(test_correct_gradients_pass) {
  test_rng rng = test_rng_make(51);
  const int64_t xd[2] = {3, 4}, wd[2] = {5, 4}, bd = 5;
  c2_tensor *in[3] = {random_tensor(2, xd, &rng, -1, 1), random_tensor(2, wd, &rng, -1, 1),
                      random_tensor(1, &bd, &rng, -1, 1)};
  c2_opdef *fc = op_new("FC", "X W b", "Y");
  c2_tensor *analytic, *numeric;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&analytic, &err), &err);
  EXPECT_OK(c2_tensor_new(&numeric, &err), &err);
  for (int i = 0; i < 3; i++) {
    c2_gradcheck_result r;
    EXPECT_OK(c2_gradient_check(NULL, fc, (const c2_tensor *const *)in, i, NULL, 0, NULL,
                                analytic, numeric, &r, &err), &err);
    ck_assert_msg(r.passed, "FC input %d: worst %lld, %g vs %g", i, (long long)r.worst_index,
                  r.worst_analytic, r.worst_numeric);
    ck_assert_int_eq(r.n_elements, c2_tensor_numel(in[i]));
    ck_assert(r.worst_ratio >= 0 && r.worst_ratio <= 1);
    ck_assert_int_eq(c2_tensor_dtype(numeric), C2_DTYPE_DOUBLE);
    ck_assert(c2_tensor_same_shape(numeric, in[i]) && c2_tensor_same_shape(analytic, in[i]));
    const double *a = c2_tensor_data_const(analytic), *n = c2_tensor_data_const(numeric);
    ck_assert(a[r.worst_index] == r.worst_analytic && n[r.worst_index] == r.worst_numeric);
  }
  /* The caller's inputs are untouched, even by an op that runs in place. */
  float first = ((const float *)c2_tensor_data_const(in[0]))[0];
  c2_opdef *relu = op_new("Relu", "X", "X");
  c2_gradcheck_result r;
  EXPECT_OK(c2_gradient_check(NULL, relu, (const c2_tensor *const *)in, 0, NULL, 0, NULL, NULL,
                              NULL, &r, &err), &err);
  ck_assert(r.passed);
  ck_assert(((const float *)c2_tensor_data_const(in[0]))[0] == first);
  c2_opdef_free(relu);
  c2_opdef_free(fc);
  for (int i = 0; i < 3; i++) c2_tensor_free(in[i]);
  c2_tensor_free(analytic);
  c2_tensor_free(numeric);
}
END_TEST

/* Caffe2's TestLRN (CLARIFICATIONS A): NHWC (2, 6, 6, 10) and (2, 3, 3, 13), size 11, alpha
 * 0.001, beta 0.5, bias 2, X = rand, step 0.01, threshold 0.05; and Y_scale kept out of the
 * loss, since LRN's gradient ignores it. */
START_TEST(test_caffe2_lrn_cases) {
  test_rng rng = test_rng_make(52);
  const int64_t shapes[2][4] = {{2, 6, 6, 10}, {2, 3, 3, 13}};
  c2_gradcheck_options opts = {.step = 0.01, .threshold = 0.05};
  c2_error err;
  for (int s = 0; s < 2; s++) {
    c2_tensor *x = random_tensor(4, shapes[s], &rng, 0, 1);
    c2_opdef *op = op_new("LRN", "X", "Y Y_scale");
    EXPECT_OK(c2_opdef_add_arg_int(op, "size", 11, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 0.001f, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.5f, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "bias", 2.0f, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NHWC", &err), &err);
    const int only_y = 0;
    c2_gradcheck_result r;
    EXPECT_OK(c2_gradient_check(NULL, op, (const c2_tensor *const *)&x, 0, &only_y, 1, &opts,
                                NULL, NULL, &r, &err), &err);
    ck_assert_msg(r.passed, "LRN %d: %lld failed", s, (long long)r.n_failed);
    c2_opdef_free(op);
    /* With Y_scale in the loss too (and an alpha that makes it matter), the analytic side
     * misses Y_scale's part and the check fails. */
    op = op_new("LRN", "X", "Y Y_scale");
    EXPECT_OK(c2_opdef_add_arg_int(op, "size", 3, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 1.0f, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.5f, &err), &err);
    EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NHWC", &err), &err);
    EXPECT_OK(c2_gradient_check(NULL, op, (const c2_tensor *const *)&x, 0, &only_y, 1, &opts,
                                NULL, NULL, &r, &err), &err);
    ck_assert(r.passed);
    EXPECT_OK(c2_gradient_check(NULL, op, (const c2_tensor *const *)&x, 0, NULL, 0, &opts, NULL,
                                NULL, &r, &err), &err);
    ck_assert(!r.passed && r.n_failed > 0);
    c2_opdef_free(op);
    c2_tensor_free(x);
  }
}
END_TEST

START_TEST(test_wrong_gradient_is_reported) {
  c2_registry *reg = test_registry();
  test_rng rng = test_rng_make(53);
  const int64_t d[1] = {6};
  c2_tensor *x = random_tensor(1, d, &rng, 0.5, 2);
  float *xv = c2_tensor_data(x);
  xv[3] = 1.0f; /* here 2 dY = 2 X dY: the wrong gradient happens to be right */
  c2_opdef *op = op_new("Square", "X", "Y");
  c2_gradcheck_result r;
  c2_tensor *numeric;
  c2_error err;
  EXPECT_OK(c2_tensor_new(&numeric, &err), &err);
  EXPECT_OK(c2_gradient_check(reg, op, (const c2_tensor *const *)&x, 0, NULL, 0, NULL, NULL,
                              numeric, &r, &err), &err);
  ck_assert(!r.passed);
  ck_assert_int_eq(r.n_failed, 5);
  /* The worst element is the largest |2x^2 - 2x^3| relative to the bound. */
  int64_t worst = 0;
  double worst_ratio = -1;
  for (int i = 0; i < 6; i++) {
    double a = 2.0 * xv[i] * xv[i], n = 2.0 * xv[i] * xv[i] * xv[i];
    double ratio = fabs(a - n) / (0.005 + 0.005 * fabs(n));
    if (ratio > worst_ratio) worst_ratio = ratio, worst = i;
    double got = ((const double *)c2_tensor_data_const(numeric))[i];
    ck_assert_msg(fabs(got - n) <= 1e-3 * fabs(n), "numeric[%d] = %g, want %g", i, got, n);
  }
  ck_assert_int_eq(r.worst_index, worst);
  ck_assert(fabs(r.worst_ratio - worst_ratio) <= 0.01 * worst_ratio);
  /* A threshold wide enough passes everything. */
  c2_gradcheck_options loose = {.step = 0.005, .threshold = 10};
  EXPECT_OK(c2_gradient_check(reg, op, (const c2_tensor *const *)&x, 0, NULL, 0, &loose, NULL,
                              NULL, &r, &err), &err);
  ck_assert(r.passed);
  c2_opdef_free(op);
  /* A gradient of the wrong shape is an error, as in Caffe2. */
  op = op_new("Misshapen", "X", "Y");
  EXPECT_STATUS(c2_gradient_check(reg, op, (const c2_tensor *const *)&x, 0, NULL, 0, NULL, NULL,
                                  NULL, &r, &err), C2_ERR_SHAPE, &err,
                "gradient 'X_grad' is FLOAT [1], but input 'X' is FLOAT [6]");
  c2_opdef_free(op);
  c2_tensor_free(numeric);
  c2_tensor_free(x);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_rejected) {
  test_rng rng = test_rng_make(54);
  const int64_t d[2] = {2, 3}, one = 1;
  c2_tensor *x = random_tensor(2, d, &rng, -1, 1), *w = random_tensor(1, &one, &rng, -1, 1);
  c2_gradcheck_result r;
  c2_error err;
  c2_opdef *op = op_new("Relu", "X", "Y");
  const c2_tensor *in[1] = {x};
  EXPECT_STATUS(c2_gradient_check(NULL, op, in, 1, NULL, 0, NULL, NULL, NULL, &r, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "input 1 to check, but Relu has 1 inputs");
  const int bad_out = 1;
  EXPECT_STATUS(c2_gradient_check(NULL, op, in, 0, &bad_out, 1, NULL, NULL, NULL, &r, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "output 1 is in the loss, but Relu has 1 outputs");
  c2_gradcheck_options zero_step = {.step = 0, .threshold = 0.005};
  EXPECT_STATUS(c2_gradient_check(NULL, op, in, 0, NULL, 0, &zero_step, NULL, NULL, &r, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "step must be finite and > 0");
  const c2_tensor *none[1] = {NULL};
  EXPECT_STATUS(c2_gradient_check(NULL, op, none, 0, NULL, 0, NULL, NULL, NULL, &r, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "no data given for input 0 ('X')");
  c2_opdef_free(op);
  c2_tensor *ints;
  EXPECT_OK(c2_tensor_new(&ints, &err), &err);
  EXPECT_OK(c2_tensor_resize(ints, C2_DTYPE_INT64, 2, d, &err), &err);
  op = op_new("Copy", "X", "Y");
  const c2_tensor *int_in[1] = {ints};
  EXPECT_STATUS(c2_gradient_check(NULL, op, int_in, 0, NULL, 0, NULL, NULL, NULL, &r, &err),
                C2_ERR_TYPE, &err, "input 0 ('X') is INT64; only FLOAT inputs can be checked");
  c2_opdef_free(op);
  op = op_new("ConstantFill", "X", "Y");
  EXPECT_STATUS(c2_gradient_check(NULL, op, in, 0, NULL, 0, NULL, NULL, NULL, &r, &err),
                C2_ERR_GRADIENT, &err, "ConstantFill gives no gradient for input 0 ('X')");
  c2_opdef_free(op);
  op = op_new("WeightedSum", "X W", "Y");
  const c2_tensor *ws_in[2] = {x, w};
  EXPECT_STATUS(c2_gradient_check(NULL, op, ws_in, 0, NULL, 0, NULL, NULL, NULL, &r, &err),
                C2_ERR_GRADIENT, &err, "one should not call gradient for operator 'WeightedSum'");
  c2_opdef_free(op);
  /* The op itself failing is an error with the runtime's prefix. */
  op = op_new("SquaredL2Distance", "X W", "Z");
  EXPECT_STATUS(c2_gradient_check(NULL, op, ws_in, 0, NULL, 0, NULL, NULL, NULL, &r, &err),
                C2_ERR_SHAPE, &err, "op #0 (SquaredL2Distance): input 'W' has shape [1]");
  c2_opdef_free(op);
  c2_tensor_free(ints);
  c2_tensor_free(x);
  c2_tensor_free(w);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("gradcheck");
  TCase *tc = tcase_create("gradcheck");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_correct_gradients_pass);
  tcase_add_test(tc, test_caffe2_lrn_cases);
  tcase_add_test(tc, test_wrong_gradient_is_reported);
  tcase_add_test(tc, test_rejected);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
