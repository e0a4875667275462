/* LRN and LRNGradient against an independent float64 oracle, Caffe2's documentation example,
 * Caffe2's TestLRN finite-difference cases, and every input the ops must reject. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "lrn_doc_example.h"
#include "test_util.h"

typedef struct lrn_case {
  int64_t n, c, h, w;
  bool nhwc;
  int size;
  float alpha, beta, bias;
} lrn_case;

/* ---- float64 oracle, written from the formula (not from the kernels) ---- */

static int64_t idx(const lrn_case *k, int64_t n, int64_t c, int64_t h, int64_t w) {
  return k->nhwc ? ((n * k->h + h) * k->w + w) * k->c + c : ((n * k->c + c) * k->h + h) * k->w + w;
}

static double oracle_scale(const lrn_case *k, const float *x, int64_t n, int64_t c, int64_t h,
                           int64_t w) {
  double sum = 0;
  for (int64_t j = c - (k->size - 1) / 2; j <= c + k->size / 2; j++)
    if (j >= 0 && j < k->c) {
      double v = x[idx(k, n, j, h, w)];
      sum += v * v;
    }
  return k->bias + (double)k->alpha / k->size * sum;
}

static void oracle_forward(const lrn_case *k, const float *x, double *y, double *scale) {
  for (int64_t n = 0; n < k->n; n++)
    for (int64_t c = 0; c < k->c; c++)
      for (int64_t h = 0; h < k->h; h++)
        for (int64_t w = 0; w < k->w; w++) {
          int64_t i = idx(k, n, c, h, w);
          double s = oracle_scale(k, x, n, c, h, w);
          scale[i] = s;
          y[i] = x[i] * pow(s, -(double)k->beta);
        }
}

/* dX[c] = dY[c] s[c]^-b - 2ab/size X[c] sum_{c' : c in W(c')} dY[c'] Y[c'] / s[c'], with Y and
 * the scales taken in float64 from X. */
static void oracle_backward(const lrn_case *k, const float *x, const float *dy, double *dx) {
  for (int64_t n = 0; n < k->n; n++)
    for (int64_t c = 0; c < k->c; c++)
      for (int64_t h = 0; h < k->h; h++)
        for (int64_t w = 0; w < k->w; w++) {
          int64_t i = idx(k, n, c, h, w);
          double s = oracle_scale(k, x, n, c, h, w);
          double acc = 0;
          for (int64_t j = 0; j < k->c; j++) {
            bool c_in_window_of_j = c >= j - (k->size - 1) / 2 && c <= j + k->size / 2;
            if (!c_in_window_of_j) continue;
            int64_t ij = idx(k, n, j, h, w);
            double sj = oracle_scale(k, x, n, j, h, w);
            double yj = x[ij] * pow(sj, -(double)k->beta);
            acc += dy[ij] * yj / sj;
          }
          dx[i] = dy[i] * pow(s, -(double)k->beta) -
                  2.0 * k->alpha * k->beta / k->size * x[i] * acc;
        }
}

/* ---- running the ops ---- */

static c2_opdef *lrn_def(const lrn_case *k, bool with_scale) {
  const char *in[] = {"X"}, *out[] = {"Y", "Y_scale"};
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new("LRN", 1, in, with_scale ? 2 : 1, out, &op, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", k->size, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", k->alpha, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", k->beta, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "bias", k->bias, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", k->nhwc ? "NHWC" : "NCHW", &err), &err);
  return op;
}

static void shape_of(const lrn_case *k, int64_t dims[4]) {
  int64_t nchw[4] = {k->n, k->c, k->h, k->w}, nhwc[4] = {k->n, k->h, k->w, k->c};
  memcpy(dims, k->nhwc ? nhwc : nchw, sizeof nchw);
}

static void feed(c2_workspace *ws, const char *name, const lrn_case *k, const float *data) {
  int64_t dims[4];
  shape_of(k, dims);
  c2_error err;
  EXPECT_OK(c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, 4, dims, data, &err), &err);
}

static const float *blob_data(c2_workspace *ws, const char *name) {
  c2_tensor *t = c2_workspace_get_blob(ws, name);
  ck_assert_msg(t != NULL, "blob %s missing", name);
  return c2_tensor_data_const(t);
}

static float *random_input(const lrn_case *k, test_rng *rng, double lo, double hi) {
  int64_t numel = k->n * k->c * k->h * k->w;
  float *x = malloc((size_t)(numel ? numel : 1) * sizeof *x);
  for (int64_t i = 0; i < numel; i++) x[i] = (float)test_rng_uniform(rng, lo, hi);
  return x;
}

/* Runs LRN (with Y_scale when asked) and then its generated gradient op on dY, and checks both
 * against the oracle: forward relative error and backward error relative to max|dX|. */
static void check_case(const lrn_case *k, bool with_scale, test_rng *rng, double fwd_tol,
                       double bwd_tol) {
  int64_t numel = k->n * k->c * k->h * k->w;
  float *x = random_input(k, rng, -3, 3), *dy = random_input(k, rng, -1, 1);
  double *y = malloc((size_t)numel * sizeof *y), *s = malloc((size_t)numel * sizeof *s);
  double *dx = malloc((size_t)numel * sizeof *dx);
  oracle_forward(k, x, y, s);
  oracle_backward(k, x, dy, dx);

  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed(ws, "X", k, x);
  feed(ws, "Y_grad", k, dy);
  c2_opdef *op = lrn_def(k, with_scale);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);

  const c2_registry *reg;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const char *g_out[] = {"Y_grad", NULL};
  c2_grad_result *grad;
  EXPECT_OK(c2_gradient_for_op(reg, op, with_scale ? 2 : 1, g_out, &grad, &err), &err);
  ck_assert_int_eq(c2_grad_result_num_ops(grad), 1);
  EXPECT_OK(c2_run_operator_once(ws, c2_grad_result_op(grad, 0), NULL, &err), &err);
  ck_assert_str_eq(c2_grad_result_input_grad(grad, 0), "X_grad");

  const float *got_y = blob_data(ws, "Y"), *got_dx = blob_data(ws, "X_grad");
  const float *got_s = with_scale ? blob_data(ws, "Y_scale") : NULL;
  double fwd = 0, scale_err = 0, bwd = 0, max_dx = 0;
  for (int64_t i = 0; i < numel; i++) {
    double denom = fabs(y[i]) > 0 ? fabs(y[i]) : DBL_MIN;
    fwd = fmax(fwd, fabs(got_y[i] - y[i]) / denom);
    if (got_s) scale_err = fmax(scale_err, fabs(got_s[i] - s[i]) / s[i]);
    bwd = fmax(bwd, fabs(got_dx[i] - dx[i]));
    max_dx = fmax(max_dx, fabs(dx[i]));
  }
  const char *order = k->nhwc ? "NHWC" : "NCHW";
  ck_assert_msg(fwd <= fwd_tol, "%s %lldx%lldx%lldx%lld size %d: forward rel err %.3g", order,
                (long long)k->n, (long long)k->c, (long long)k->h, (long long)k->w, k->size, fwd);
  ck_assert_msg(scale_err <= fwd_tol, "%s size %d: Y_scale rel err %.3g", order, k->size,
                scale_err);
  ck_assert_msg(bwd <= bwd_tol * fmax(max_dx, DBL_MIN), "%s %lldx%lldx%lldx%lld size %d: backward "
                "err %.3g of max|dX| %.3g", order, (long long)k->n, (long long)k->c,
                (long long)k->h, (long long)k->w, k->size, bwd, max_dx);
  c2_grad_result_free(grad);
  c2_opdef_free(op);
  c2_workspace_free(ws);
  free(x), free(dy), free(y), free(s), free(dx);
}

START_TEST(test_forward_backward_vs_oracle) {
  test_rng rng = test_rng_make(42);
  /* Fixed edge shapes first (C < size, C = 1, H = W = 1), then random ones. */
  lrn_case fixed[] = {
      {2, 3, 4, 5, false, 5, 1e-2f, 0.75f, 1.0f}, {2, 3, 4, 5, true, 5, 1e-2f, 0.75f, 1.0f},
      {1, 1, 3, 3, false, 5, 0.5f, 0.5f, 2.0f},   {1, 1, 3, 3, true, 5, 0.5f, 0.5f, 2.0f},
      {3, 7, 1, 1, false, 3, 1.0f, 1.0f, 1.0f},   {3, 7, 1, 1, true, 3, 1.0f, 1.0f, 1.0f},
      {1, 16, 2, 3, false, 1, 1e-4f, 0.75f, 1.0f}, {2, 13, 3, 3, true, 11, 1e-3f, 0.5f, 2.0f},
      {1, 4, 2, 2, false, 15, 2.0f, 0.6f, 0.5f},
  };
  for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
    for (int with_scale = 0; with_scale < 2; with_scale++)
      check_case(&fixed[i], with_scale, &rng, 1e-6, 1e-6);
  for (int t = 0; t < 40; t++) {
    lrn_case k = {test_rng_int(&rng, 1, 3), test_rng_int(&rng, 1, 24), test_rng_int(&rng, 1, 7),
                  test_rng_int(&rng, 1, 7), t % 2 == 1, (int)test_rng_int(&rng, 0, 7) * 2 + 1,
                  (float)test_rng_uniform(&rng, 1e-4, 2.0), (float)test_rng_uniform(&rng, 0.1, 1.5),
                  (float)test_rng_uniform(&rng, 0.5, 3.0)};
    check_case(&k, t % 4 < 2, &rng, 1e-6, 1e-6);
  }
}
END_TEST

/* ---- Caffe2's documentation example ---- */

/* Y_scale as printed by Caffe2 (8 significant digits). */
static const float doc_scale[36] = {
    2.0000484f, 2.0000129f, 2.0006797f, 2.000032f,  2.0000134f, 2.0004265f,
    2.0000784f, 2.0000908f, 2.000004f,  2.0003521f, 2.000055f,  2.0000188f,
    2.0000012f, 2.00036f,   2.0000033f, 2.0000021f, 2.0000517f, 2.0000544f,
    2.0000634f, 2.000055f,  2.0002878f, 2.0000045f, 2.0001743f, 2.0008483f,
    2.000001f,  2.000443f,  2.0000582f, 2.0011547f, 2.0000467f, 2.0000541f,
    2.0001857f, 2.0000033f, 2.0000193f, 2.0000947f, 2.000036f,  2.0000372f};

START_TEST(test_doc_example) {
  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  lrn_case k = {1, 1, 6, 6, true, 11, 0.001f, 0.5f, 2.0f};
  feed(ws, "X", &k, lrn_doc_example_x);
  c2_opdef *op = lrn_def(&k, true);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const float *y = blob_data(ws, "Y"), *s = blob_data(ws, "Y_scale");
  /* The three values the issue names: x = 0.72985137, 2.7344604, -3.0546608 (positions 0, 2,
   * 23). Caffe2's printed 1.9332271 is one float32 ulp from the correctly rounded 1.933227. */
  const struct { int i; float y, s; } named[] = {
      {0, 0.5160766f, 2.0000484f}, {2, 1.9332271f, 2.0006797f}, {23, -2.1595135f, 2.0008483f}};
  for (size_t j = 0; j < 3; j++) {
    ck_assert_msg(fabsf(y[named[j].i] - named[j].y) <= 1e-6f * fabsf(named[j].y),
                  "Y[%d] = %.9g, Caffe2 printed %.9g", named[j].i, y[named[j].i], named[j].y);
    ck_assert_msg(fabsf(s[named[j].i] - named[j].s) <= 1e-6f * named[j].s, "Y_scale[%d] = %.9g",
                  named[j].i, s[named[j].i]);
  }
  for (int i = 0; i < 36; i++)
    ck_assert_msg(fabsf(s[i] - doc_scale[i]) <= 5e-8f * 2.0f + 1e-7f, "Y_scale[%d] = %.9g vs %.9g",
                  i, s[i], doc_scale[i]);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* ---- Caffe2's TestLRN: gradient checker on NHWC (2,6,6,10) and (2,3,3,13) ---- */

static double half_sum_squares(c2_workspace *ws, int64_t numel) {
  const float *y = blob_data(ws, "Y");
  double l = 0;
  for (int64_t i = 0; i < numel; i++) l += 0.5 * (double)y[i] * y[i];
  return l;
}

static void gradient_check(int64_t s, int64_t d, uint64_t seed) {
  lrn_case k = {2, d, s, s, true, 11, 0.001f, 0.5f, 2.0f};
  const double step = 0.01, threshold = 0.05;
  int64_t numel = k.n * k.c * k.h * k.w;
  test_rng rng = test_rng_make(seed);
  float *x = random_input(&k, &rng, 0, 1); /* np.random.rand */
  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  feed(ws, "X", &k, x);
  c2_opdef *op = lrn_def(&k, true);
  c2_netdef *fwd;
  EXPECT_OK(c2_netdef_new("fwd", &fwd, &err), &err);
  c2_opdef *copy;
  EXPECT_OK(c2_opdef_copy(op, &copy, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(fwd, copy, &err), &err);
  c2_net *net;
  EXPECT_OK(c2_net_new(ws, fwd, NULL, &net, &err), &err);
  EXPECT_OK(c2_net_run(net, &err), &err);

  /* Analytic: the loss 1/2 sum Y^2 has dL/dY = Y, fed as the output gradient. */
  c2_tensor *y = c2_workspace_get_blob(ws, "Y");
  EXPECT_OK(c2_workspace_feed(ws, "Y_grad", C2_DTYPE_FLOAT, 4, c2_tensor_dims(y),
                              c2_tensor_data_const(y), &err), &err);
  const c2_registry *reg;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const char *g_out[] = {"Y_grad", NULL};
  c2_grad_result *grad;
  EXPECT_OK(c2_gradient_for_op(reg, op, 2, g_out, &grad, &err), &err);
  EXPECT_OK(c2_run_operator_once(ws, c2_grad_result_op(grad, 0), NULL, &err), &err);
  float *analytic = malloc((size_t)numel * sizeof *analytic);
  memcpy(analytic, blob_data(ws, "X_grad"), (size_t)numel * sizeof *analytic);

  /* Numeric: central differences, re-running the forward net for each element. */
  float *xin = c2_tensor_data(c2_workspace_get_blob(ws, "X"));
  int failures = 0;
  for (int64_t i = 0; i < numel; i++) {
    float orig = xin[i];
    xin[i] = (float)(orig + step);
    EXPECT_OK(c2_net_run(net, &err), &err);
    double lp = half_sum_squares(ws, numel);
    xin[i] = (float)(orig - step);
    EXPECT_OK(c2_net_run(net, &err), &err);
    double lm = half_sum_squares(ws, numel);
    xin[i] = orig;
    double numeric = (lp - lm) / (2 * step);
    if (fabs(analytic[i] - numeric) > threshold + threshold * fabs(numeric)) failures++;
  }
  ck_assert_msg(failures == 0, "%d of %lld elements fail the gradient check", failures,
                (long long)numel);
  free(analytic);
  free(x);
  c2_grad_result_free(grad);
  c2_net_free(net);
  c2_netdef_free(fwd);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}

START_TEST(test_caffe2_gradient_checks) {
  gradient_check(6, 10, 1);
  gradient_check(3, 13, 2);
}
END_TEST

/* ---- rejected inputs ---- */

/* Runs LRN over X (1x3x2x2 NCHW floats unless fed otherwise) with the given op and expects
 * status and message fragment. */
static void expect_rejected(c2_opdef *op, c2_workspace *ws, c2_status want, const char *fragment) {
  c2_error err;
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), want, &err, fragment);
  ck_assert_msg(strncmp(err.message, "op #0 (LRN", 10) == 0, "message '%s' does not name the op",
                err.message);
  c2_opdef_free(op);
}

static c2_workspace *small_ws(void) {
  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  float x[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  lrn_case k = {1, 3, 2, 2, false, 5, 1, 1, 1};
  feed(ws, "X", &k, x);
  return ws;
}

/* An LRN def with the standard args except that `skip` is left out (NULL: none). */
static c2_opdef *def_without(const char *skip) {
  const char *in[] = {"X"}, *out[] = {"Y"};
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new("LRN", 1, in, 1, out, &op, &err), &err);
  if (!skip || strcmp(skip, "size")) EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &err), &err);
  if (!skip || strcmp(skip, "alpha")) EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 1e-4f, &err), &err);
  if (!skip || strcmp(skip, "beta")) EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &err), &err);
  return op;
}

START_TEST(test_rejected_arguments) {
  c2_workspace *ws = small_ws();
  c2_error err;
  const char *names[] = {"size", "alpha", "beta"};
  for (int i = 0; i < 3; i++) {
    char want[64];
    snprintf(want, sizeof want, "missing required argument '%s'", names[i]);
    expect_rejected(def_without(names[i]), ws, C2_ERR_SCHEMA, want);
  }
  const int64_t bad_sizes[] = {4, 0, -3, 2};
  for (int i = 0; i < 4; i++) {
    c2_opdef *op = def_without("size");
    EXPECT_OK(c2_opdef_add_arg_int(op, "size", bad_sizes[i], &err), &err);
    char want[96];
    snprintf(want, sizeof want, "argument 'size' must be a positive odd integer, got %lld",
             (long long)bad_sizes[i]);
    expect_rejected(op, ws, C2_ERR_INVALID_ARGUMENT, want);
  }
  struct { const char *arg; float value; const char *fragment; } bad_floats[] = {
      {"alpha", NAN, "argument 'alpha' must be a finite number > 0, got nan"},
      {"alpha", 0.0f, "argument 'alpha' must be a finite number > 0, got 0"},
      {"alpha", INFINITY, "argument 'alpha' must be a finite number > 0, got inf"},
      {"beta", -0.75f, "argument 'beta' must be a finite number > 0, got -0.75"},
      {"beta", NAN, "argument 'beta' must be a finite number > 0"},
  };
  for (size_t i = 0; i < sizeof bad_floats / sizeof *bad_floats; i++) {
    c2_opdef *op = def_without(bad_floats[i].arg);
    EXPECT_OK(c2_opdef_add_arg_float(op, bad_floats[i].arg, bad_floats[i].value, &err), &err);
    expect_rejected(op, ws, C2_ERR_INVALID_ARGUMENT, bad_floats[i].fragment);
  }
  const float bad_bias[] = {NAN, -INFINITY, -1.0f};
  for (int i = 0; i < 3; i++) {
    c2_opdef *op = def_without(NULL);
    EXPECT_OK(c2_opdef_add_arg_float(op, "bias", bad_bias[i], &err), &err);
    expect_rejected(op, ws, C2_ERR_INVALID_ARGUMENT, "argument 'bias' must be a finite number >= 0");
  }
  /* A float argument stored as an int, the way Caffe2 rejects it. */
  c2_opdef *op = def_without("alpha");
  EXPECT_OK(c2_opdef_add_arg_int(op, "alpha", 1, &err), &err);
  expect_rejected(op, ws, C2_ERR_TYPE,
                  "argument 'alpha' must be a float (field f), but it is stored as an int (field i)");
  op = def_without("size");
  EXPECT_OK(c2_opdef_add_arg_float(op, "size", 5.0f, &err), &err);
  expect_rejected(op, ws, C2_ERR_TYPE, "argument 'size' must be an int (field i)");
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_add_arg_string(op, "order", "NCWH", &err), &err);
  expect_rejected(op, ws, C2_ERR_INVALID_ARGUMENT,
                  "argument 'order' must be \"NCHW\" or \"NHWC\", got \"NCWH\"");
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_add_arg_int(op, "order", 1, &err), &err);
  expect_rejected(op, ws, C2_ERR_TYPE, "argument 'order' must be a string");
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_rejected_inputs) {
  c2_workspace *ws = small_ws();
  c2_error err;
  /* rank 3 */
  int64_t d3[3] = {3, 2, 2};
  float x[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "X3", C2_DTYPE_FLOAT, 3, d3, x, &err), &err);
  c2_opdef *op = def_without(NULL);
  EXPECT_OK(c2_opdef_set_input(op, 0, "X3", &err), &err);
  expect_rejected(op, ws, C2_ERR_SHAPE, "input 'X3' must be a 4-D NCHW tensor, got shape [3, 2, 2]");
  /* int32 data */
  int64_t d4[4] = {1, 3, 2, 2};
  int32_t xi[12] = {0};
  EXPECT_OK(c2_workspace_feed(ws, "Xi", C2_DTYPE_INT32, 4, d4, xi, &err), &err);
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_set_input(op, 0, "Xi", &err), &err);
  expect_rejected(op, ws, C2_ERR_TYPE, "input 'Xi' has dtype INT32, expected FLOAT");
  /* never written */
  c2_tensor *empty;
  EXPECT_OK(c2_workspace_create_blob(ws, "E", &empty, &err), &err);
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_set_input(op, 0, "E", &err), &err);
  expect_rejected(op, ws, C2_ERR_INVALID_ARGUMENT, "input 'E' is empty");
  /* missing blob */
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_set_input(op, 0, "nowhere", &err), &err);
  expect_rejected(op, ws, C2_ERR_NOT_FOUND, "input blob 'nowhere' does not exist");
  /* in place and output collisions are not allowed for LRN */
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_set_output(op, 0, "X", &err), &err);
  expect_rejected(op, ws, C2_ERR_SCHEMA, "cannot run in place");
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_add_output(op, "Y", &err), &err);
  expect_rejected(op, ws, C2_ERR_SCHEMA, "outputs 0 and 1 are both named 'Y'");
  op = def_without(NULL);
  EXPECT_OK(c2_opdef_add_input(op, "X", &err), &err);
  expect_rejected(op, ws, C2_ERR_SCHEMA, "has 2 inputs, expected 1");
  c2_workspace_free(ws);
}
END_TEST

static c2_opdef *grad_def(const char *x, const char *y, const char *dy) {
  c2_opdef *fwd = def_without(NULL);
  c2_opdef *op;
  const char *in[] = {x, y, dy}, *out[] = {"dX"};
  c2_error err;
  EXPECT_OK(c2_opdef_new("LRNGradient", 3, in, 1, out, &op, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(op, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "alpha", 1e-4f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(op, "beta", 0.75f, &err), &err);
  c2_opdef_free(fwd);
  return op;
}

START_TEST(test_gradient_rejects_mismatched_shapes) {
  c2_workspace *ws = small_ws();
  c2_error err;
  float v[24] = {0};
  int64_t same[4] = {1, 3, 2, 2}, other[4] = {1, 3, 4, 2};
  EXPECT_OK(c2_workspace_feed(ws, "Y", C2_DTYPE_FLOAT, 4, same, v, &err), &err);
  EXPECT_OK(c2_workspace_feed(ws, "dY", C2_DTYPE_FLOAT, 4, same, v, &err), &err);
  EXPECT_OK(c2_workspace_feed(ws, "big", C2_DTYPE_FLOAT, 4, other, v, &err), &err);
  c2_opdef *op = grad_def("X", "Y", "dY");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  c2_opdef_free(op);
  op = grad_def("X", "Y", "big");
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SHAPE, &err,
                "op #0 (LRNGradient): input 'big' has shape [1, 3, 4, 2], but X ('X') has shape "
                "[1, 3, 2, 2]");
  c2_opdef_free(op);
  op = grad_def("X", "big", "dY");
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SHAPE, &err, "input 'big'");
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

/* One op instance sees inputs of changing shape (and a zero-sized batch) across runs. */
START_TEST(test_reshapes_between_runs) {
  c2_error err;
  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  test_rng rng = test_rng_make(7);
  lrn_case k = {2, 5, 3, 3, false, 3, 0.1f, 0.75f, 1.0f};
  float *x = random_input(&k, &rng, -1, 1);
  feed(ws, "X", &k, x);
  c2_netdef *net;
  EXPECT_OK(c2_netdef_new("reshape", &net, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, lrn_def(&k, true), &err), &err);
  c2_net *run;
  EXPECT_OK(c2_net_new(ws, net, NULL, &run, &err), &err);
  EXPECT_OK(c2_net_run(run, &err), &err);
  lrn_case bigger = {3, 5, 4, 4, false, 3, 0.1f, 0.75f, 1.0f};
  float *x2 = random_input(&bigger, &rng, -1, 1);
  feed(ws, "X", &bigger, x2);
  EXPECT_OK(c2_net_run(run, &err), &err);
  int64_t numel = 3 * 5 * 4 * 4;
  double *y = malloc((size_t)numel * sizeof *y), *s = malloc((size_t)numel * sizeof *s);
  oracle_forward(&bigger, x2, y, s);
  const float *got = blob_data(ws, "Y");
  for (int64_t i = 0; i < numel; i++)
    ck_assert_msg(fabs(got[i] - y[i]) <= 1e-6 * fabs(y[i]), "Y[%lld] after reshape", (long long)i);
  ck_assert_int_eq(c2_tensor_numel(c2_workspace_get_blob(ws, "Y_scale")), numel);
  lrn_case none = {0, 5, 4, 4, false, 3, 0.1f, 0.75f, 1.0f};
  feed(ws, "X", &none, NULL);
  EXPECT_OK(c2_net_run(run, &err), &err);
  ck_assert_int_eq(c2_tensor_numel(c2_workspace_get_blob(ws, "Y")), 0);
  ck_assert_int_eq(c2_tensor_dim(c2_workspace_get_blob(ws, "Y"), 1), 5);
  c2_net_free(run);
  c2_netdef_free(net);
  c2_workspace_free(ws);
  free(x), free(x2), free(y), free(s);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("lrn");
  TCase *tc = tcase_create("lrn");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_forward_backward_vs_oracle);
  tcase_add_test(tc, test_doc_example);
  tcase_add_test(tc, test_caffe2_gradient_checks);
  tcase_add_test(tc, test_rejected_arguments);
  tcase_add_test(tc, test_rejected_inputs);
  tcase_add_test(tc, test_gradient_rejects_mismatched_shapes);
  tcase_add_test(tc, test_reshapes_between_runs);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
