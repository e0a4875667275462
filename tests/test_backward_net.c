/* Generated backward nets with the real ops: Caffe2's fan-out names and Sum placement, nets
 * that run and match finite differences end to end (relu_lrn and the training model), what the
 * losses do not depend on, in-place errors, save / load, and allocation failures. */
#include <unistd.h>

#include "backward_helpers.h"
#include "core/alloc.h"

static c2_netdef *load_model(const char *name) {
  char rel[256];
  snprintf(rel, sizeof rel, "models/%s.pb", name);
  c2_netdef *net;
  c2_error err;
  EXPECT_OK(c2_netdef_load_file(test_build_path(rel), NULL, &net, &err), &err);
  return net;
}

static void set_float_arg(c2_netdef *net, size_t k, const char *name, float v) {
  c2_error err;
  EXPECT_OK(c2_opdef_add_arg_float(c2_netdef_op_mutable(net, k), name, v, &err), &err);
}

/* caffe2 testMultiUseInput with real ops: in -> Relu -> hidden1, in -> Scale -> hidden2,
 * SquaredL2Distance(hidden1, hidden2) -> out. */
START_TEST(test_fan_out_names_and_sum) {
  c2_netdef *net = net_spec("fanout", "Relu in > hidden1; Scale in > hidden2;"
                                      "SquaredL2Distance hidden1 hidden2 > out");
  set_float_arg(net, 1, "scale", 0.5f);
  c2_backward *b = backward(net, "out", "out_grad", NULL);
  const c2_netdef *g = c2_backward_net(b);
  expect_ops(g, 0, "SquaredL2DistanceGradient hidden1 hidden2 out_grad > hidden1_grad hidden2_grad;"
                   "Scale hidden2_grad > in_grad;"
                   "ReluGradient hidden1 hidden1_grad > _in_grad_autosplit_0;"
                   "Sum in_grad _in_grad_autosplit_0 > in_grad");
  expect_map(b, "out:out_grad hidden1:hidden1_grad hidden2:hidden2_grad in:in_grad");
  for (size_t k = 0; k < 3; k++) ck_assert(c2_netdef_op(g, k)->is_gradient_op);
  ck_assert(!c2_netdef_op(g, 3)->has_is_gradient_op);
  float scale;
  c2_error err;
  EXPECT_OK(c2_arg_get_float(c2_netdef_op(g, 1), "scale", 0, &scale, &err), &err);
  ck_assert(scale == 0.5f);
  /* Backward only: it reads the forward blobs and the given gradient. */
  const char *ext_in[] = {"hidden1", "hidden2", "out_grad"};
  ck_assert_uint_eq(c2_netdef_num_external_inputs(g), 3);
  for (int i = 0; i < 3; i++) ck_assert_str_eq(c2_netdef_external_input(g, (size_t)i), ext_in[i]);
  ck_assert_str_eq(c2_netdef_name(g), "fanout_backward");
  c2_backward_free(b);

  /* The forward + backward net runs, and in_grad is what calculus says. */
  c2_loss loss = {"out", "out_grad"};
  EXPECT_OK(c2_backward_new(net, 1, &loss, NULL, NULL, &b, &err), &err);
  ck_assert_uint_eq(c2_backward_num_forward_ops(b), 3);
  c2_workspace *ws = ws_new();
  test_rng rng = test_rng_make(41);
  const int64_t dims[2] = {3, 4}, rows = 3;
  float *x = feed_random(ws, "in", 2, dims, &rng, -1, 1);
  float *gz = feed_random(ws, "out_grad", 1, &rows, &rng, -1, 1);
  EXPECT_OK(c2_run_net_once(ws, c2_backward_net(b), NULL, &err), &err);
  const float *gx = blob_f(ws, "in_grad");
  for (int i = 0; i < 12; i++) {
    double r = x[i] > 0 ? x[i] : 0, d = r - 0.5 * x[i];
    double want = gz[i / 4] * d * ((x[i] > 0 ? 1.0 : 0.0) - 0.5);
    ck_assert_msg(fabs(gx[i] - want) <= 1e-6, "in_grad[%d] = %g, want %g", i, gx[i], want);
  }
  free(x), free(gz);
  c2_workspace_free(ws);
  c2_backward_free(b);
  c2_netdef_free(net);
}
END_TEST

/* Pass-through gradients (Sum's) accumulate too: Caffe2's testMultiLayerAddOps with Sum. */
START_TEST(test_pass_through_accumulation) {
  c2_netdef *net = net_spec("sums", "Sum x1 x2 > x4; Sum x2 x3 > x5; Sum x4 x5 > x6");
  c2_backward *b = backward(net, "x6", "x6_grad", NULL);
  expect_ops(c2_backward_net(b), 0, "Sum x6_grad x6_grad > x2_grad");
  expect_map(b, "x6:x6_grad x4:x6_grad x5:x6_grad x2:x2_grad x3:x6_grad x1:x6_grad");
  c2_backward_free(b);
  c2_netdef_free(net);
}
END_TEST

/* Two losses, one read by the other's op (caffe2 test_two_grads with Scale): the seed of
 * mul_1 and the gradient flowing back from mul_2 are summed. */
START_TEST(test_two_losses) {
  c2_netdef *net = net_spec("two", "Scale input > mul_1; Scale mul_1 > mul_2");
  set_float_arg(net, 0, "scale", 2.0f);
  set_float_arg(net, 1, "scale", 3.0f);
  c2_loss losses[2] = {{"mul_2", NULL}, {"mul_1", NULL}};
  c2_backward_options only = {.backward_only = true};
  c2_backward *b;
  c2_error err;
  EXPECT_OK(c2_backward_new(net, 2, losses, &only, NULL, &b, &err), &err);
  expect_ops(c2_backward_net(b), 0,
             "ConstantFill mul_2 > mul_2_autogen_grad; ConstantFill mul_1 > mul_1_autogen_grad;"
             "Scale mul_2_autogen_grad > _mul_1_grad_autosplit_0;"
             "Sum mul_1_autogen_grad _mul_1_grad_autosplit_0 > mul_1_autogen_grad;"
             "Scale mul_1_autogen_grad > input_grad");
  expect_map(b, "mul_2:mul_2_autogen_grad mul_1:mul_1_autogen_grad input:input_grad");
  c2_backward_free(b);
  /* Run forward + backward: d(mul_2 + mul_1)/d input = 2 * 3 + 2 = 8. A given gradient for
   * mul_1 is summed in the same way (Caffe2 drops it: see the README). */
  for (int given = 0; given < 2; given++) {
    if (given) losses[1].grad = "m1_g";
    EXPECT_OK(c2_backward_new(net, 2, losses, NULL, NULL, &b, &err), &err);
    c2_workspace *ws = ws_new();
    const int64_t one = 1;
    const float v = 1.0f;
    feed_f(ws, "input", 1, &one, &v);
    feed_f(ws, "m1_g", 1, &one, &v);
    EXPECT_OK(c2_run_net_once(ws, c2_backward_net(b), NULL, &err), &err);
    ck_assert_msg(blob_f(ws, "input_grad")[0] == 8.0f, "input_grad = %g",
                  blob_f(ws, "input_grad")[0]);
    if (given) expect_map(b, "mul_2:mul_2_autogen_grad mul_1:mul_1_grad input:input_grad");
    c2_workspace_free(ws);
    c2_backward_free(b);
  }
  c2_netdef_free(net);
}
END_TEST

/* caffe2 testGradientCalculationWithPrint: a SHOULD_NOT_DO op the gradient never reaches. */
START_TEST(test_print_is_not_reached) {
  c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_register_builtin_ops(reg, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Print", C2_GRADIENT_SHOULD_NOT_DO, NULL, &err), &err);
  c2_netdef *net = net_spec("print", "FC in w b > fc; Print fc; AveragedLoss fc > loss");
  c2_backward *b = backward(net, "loss", "loss_grad", reg);
  expect_ops(c2_backward_net(b), 0, "AveragedLossGradient fc loss_grad > fc_grad;"
                                    "FCGradient in w fc_grad > w_grad b_grad in_grad");
  for (size_t k = 0; k < 2; k++) ck_assert(c2_netdef_op(c2_backward_net(b), k)->is_gradient_op);
  c2_backward_free(b);
  c2_netdef_free(net);
  c2_registry_free(reg);
}
END_TEST

/* Only what the losses depend on gets a gradient. */
START_TEST(test_independent_blobs_get_none) {
  c2_netdef *net = net_spec("indep", "Relu a > b; AveragedLoss b > loss; Scale c > d;"
                                     "Scale loss > loss2; ConstantFill b > k; Sum k d > e");
  c2_backward *b = backward(net, "loss", NULL, NULL);
  expect_ops(c2_backward_net(b), 0, "ConstantFill loss > loss_autogen_grad;"
                                    "AveragedLossGradient b loss_autogen_grad > b_grad;"
                                    "ReluGradient b b_grad > a_grad");
  expect_map(b, "loss:loss_autogen_grad b:b_grad a:a_grad");
  const char *none[] = {"c", "d", "loss2", "k", "e"};
  for (int i = 0; i < 5; i++) ck_assert_ptr_null(c2_backward_gradient_of(b, none[i]));
  ck_assert_str_eq(c2_backward_gradient_of(b, "a"), "a_grad");
  c2_backward_free(b);
  /* A NO_GRADIENT op (ConstantFill) on the path stops the flow: e's gradient reaches d and c,
   * but not b through k. */
  b = backward(net, "e", NULL, NULL);
  expect_map(b, "e:e_autogen_grad k:e_autogen_grad d:e_autogen_grad c:c_grad");
  ck_assert_ptr_null(c2_backward_gradient_of(b, "b"));
  ck_assert_ptr_null(c2_backward_gradient_of(b, "a"));
  c2_backward_free(b);
  /* skip: the first ops take no part. */
  c2_loss l = {"b", NULL};
  c2_backward_options opts = {.skip = 1};
  c2_error err;
  EXPECT_OK(c2_backward_new(net, 1, &l, &opts, NULL, &b, &err), &err);
  ck_assert_uint_eq(c2_backward_num_forward_ops(b), 6);
  ck_assert_uint_eq(c2_netdef_num_ops(c2_backward_net(b)), 7); /* only the seed */
  ck_assert_ptr_null(c2_backward_gradient_of(b, "a"));
  c2_backward_free(b);
  c2_netdef_free(net);
}
END_TEST

START_TEST(test_in_place_errors_with_real_ops) {
  /* FC needs X as it was, but Relu overwrites X later. */
  c2_netdef *net = net_spec("inplace", "FC X W b > Y; Relu X > X; AveragedLoss Y > L");
  backward_fails(net, "L", NULL, NULL, C2_ERR_GRADIENT,
                 "op #0 (FC): its gradient op FCGradient needs input 'X' at version 0, but op #1 "
                 "(Relu) overwrites 'X' later (version 1 at the end of the forward pass)");
  c2_netdef_free(net);
  /* With skip, ops keep their numbers in the whole net. */
  net = net_spec("inplace", "Scale Z > Z2; FC X W b > Y; Relu X > X; AveragedLoss Y > L");
  c2_loss l = {"L", NULL};
  c2_backward_options skip = {.skip = 1};
  c2_backward *b;
  c2_error err;
  EXPECT_STATUS(c2_backward_new(net, 1, &l, &skip, NULL, &b, &err), C2_ERR_GRADIENT, &err,
                "op #1 (FC): its gradient op FCGradient needs input 'X' at version 0, but op #2 "
                "(Relu) overwrites");
  c2_netdef_free(net);
  /* In place before FC is what the zoo nets do, and fine. */
  net = net_spec("inplace", "Relu X > X; FC X W b > Y; AveragedLoss Y > L");
  b = backward(net, "L", NULL, NULL);
  expect_ops(c2_backward_net(b), 0, "ConstantFill L > L_autogen_grad;"
                                    "AveragedLossGradient Y L_autogen_grad > Y_grad;"
                                    "FCGradient X W Y_grad > W_grad b_grad X_grad;"
                                    "ReluGradient X X_grad > X_grad");
  c2_backward_free(b);
  c2_netdef_free(net);
  /* WeightedSum is SHOULD_NOT_DO: an SGD update on the loss path is an error. */
  net = net_spec("sgd", "WeightedSum P ONE G LR > P2; AveragedLoss P2 > L");
  backward_fails(net, "L", NULL, NULL, C2_ERR_GRADIENT,
                 "op #0 (WeightedSum), reached by the gradient of 'P2': one should not call "
                 "gradient for operator 'WeightedSum'");
  c2_netdef_free(net);
}
END_TEST

/* 1/2 sum Y^2 in double. */
static double half_sq(c2_workspace *ws, const char *name) {
  c2_tensor *t = blob(ws, name);
  const float *v = c2_tensor_data_const(t);
  double l = 0;
  for (int64_t i = 0; i < c2_tensor_numel(t); i++) l += 0.5 * (double)v[i] * v[i];
  return l;
}

static void expect_fd_match(const char *what, double analytic, double numeric, double t) {
  ck_assert_msg(fabs(analytic - numeric) <= t + t * fabs(numeric),
                "%s: analytic %.8g, numeric %.8g", what, analytic, numeric);
}

/* models/relu_lrn.pb (Relu -> LRN), loss 1/2 sum Y^2 given as Y_grad = Y (Caffe2's checker
 * semantics): the generated backward-only net against central differences. */
START_TEST(test_relu_lrn_matches_finite_differences) {
  c2_netdef *fwd = load_model("relu_lrn");
  c2_backward *b = backward(fwd, "Y", "Y_grad", NULL);
  expect_ops(c2_backward_net(b), 0, "LRNGradient X_relu Y Y_grad > X_relu_grad;"
                                    "ReluGradient X_relu X_relu_grad > X_grad");
  c2_workspace *ws = ws_new();
  test_rng rng = test_rng_make(43);
  const int64_t dims[4] = {2, 7, 3, 4};
  int64_t n = dims_numel(4, dims);
  float *x = malloc((size_t)n * sizeof *x);
  const double step = 0.005;
  for (int64_t i = 0; i < n; i++) { /* away from Relu's kink: |x| >= 2 step */
    double u = test_rng_uniform(&rng, 2 * step, 2);
    x[i] = (float)(test_rng_uniform(&rng, 0, 1) < 0.5 ? -u : u);
  }
  feed_f(ws, "X", 4, dims, x);
  c2_error err;
  c2_net *f, *g;
  EXPECT_OK(c2_net_new(ws, fwd, NULL, &f, &err), &err);
  EXPECT_OK(c2_net_run(f, &err), &err);
  c2_tensor *yg;
  EXPECT_OK(c2_workspace_create_blob(ws, "Y_grad", &yg, &err), &err);
  EXPECT_OK(c2_tensor_copy(yg, blob(ws, "Y"), &err), &err);
  EXPECT_OK(c2_net_new(ws, c2_backward_net(b), NULL, &g, &err), &err);
  EXPECT_OK(c2_net_run(g, &err), &err);
  const float *gx = blob_f(ws, "X_grad");
  float *xb = c2_tensor_data(blob(ws, "X"));
  for (int64_t i = 0; i < n; i++) {
    float plus = (float)(x[i] + step), minus = (float)(x[i] - step);
    xb[i] = plus;
    EXPECT_OK(c2_net_run(f, &err), &err);
    double lp = half_sq(ws, "Y");
    xb[i] = minus;
    EXPECT_OK(c2_net_run(f, &err), &err);
    double lm = half_sq(ws, "Y");
    xb[i] = x[i];
    char what[64];
    snprintf(what, sizeof what, "X_grad[%lld]", (long long)i);
    expect_fd_match(what, gx[i], (lp - lm) / ((double)plus - minus), 0.005);
  }
  free(x);
  c2_net_free(g);
  c2_net_free(f);
  c2_workspace_free(ws);
  c2_backward_free(b);
  c2_netdef_free(fwd);
}
END_TEST

/* The training model, forward + backward in one net with the seeded scalar loss: every
 * parameter and input gradient against central differences of the loss itself. */
START_TEST(test_train_model_matches_finite_differences) {
  c2_netdef *fwd = load_model("relu_lrn_train");
  c2_loss loss = {"loss", NULL};
  c2_backward *b;
  c2_error err;
  EXPECT_OK(c2_backward_new(fwd, 1, &loss, NULL, NULL, &b, &err), &err);
  const int64_t xd[4] = {2, 6, 2, 3}, wd[2] = {4, 3}, bd = 4, td[4] = {2, 6, 2, 4};
  const double step = 0.005;
  c2_workspace *ws = NULL;
  float *x = NULL, *w = NULL, *bias = NULL, *t = NULL;
  /* Data whose FC outputs keep |fc| >= 0.05 away from Relu's kink under the perturbations. */
  for (uint64_t seed = 1;; seed++) {
    free(x), free(w), free(bias), free(t);
    c2_workspace_free(ws);
    ws = ws_new();
    test_rng rng = test_rng_make(seed);
    x = feed_random(ws, "X", 4, xd, &rng, -1, 1);
    w = feed_random(ws, "W", 2, wd, &rng, -1, 1);
    bias = feed_random(ws, "b", 1, &bd, &rng, -0.5, 0.5);
    t = feed_random(ws, "target", 4, td, &rng, 0, 1);
    double margin = INFINITY;
    for (int64_t m = 0; m < 24; m++)
      for (int64_t o = 0; o < 4; o++) {
        double acc = bias[o];
        for (int64_t k = 0; k < 3; k++) acc += (double)x[m * 3 + k] * w[o * 3 + k];
        margin = fmin(margin, fabs(acc));
      }
    if (margin >= 0.05) break;
  }
  EXPECT_OK(c2_run_net_once(ws, c2_backward_net(b), NULL, &err), &err);
  /* The forward part alone, for the numeric side. */
  c2_net *f;
  EXPECT_OK(c2_net_new(ws, fwd, NULL, &f, &err), &err);
  const char *params[] = {"X", "W", "b"};
  for (int p = 0; p < 3; p++) {
    const char *gname = c2_backward_gradient_of(b, params[p]);
    ck_assert_ptr_nonnull(gname);
    c2_tensor *g = blob(ws, gname), *v = blob(ws, params[p]);
    int64_t n = c2_tensor_numel(v);
    float *ga = malloc((size_t)n * sizeof *ga);
    memcpy(ga, c2_tensor_data_const(g), (size_t)n * sizeof *ga);
    float *vv = c2_tensor_data(v);
    for (int64_t i = 0; i < n; i++) {
      float keep = vv[i], plus = (float)(keep + step), minus = (float)(keep - step);
      vv[i] = plus;
      EXPECT_OK(c2_net_run(f, &err), &err);
      double lp = blob_f(ws, "loss")[0];
      vv[i] = minus;
      EXPECT_OK(c2_net_run(f, &err), &err);
      double lm = blob_f(ws, "loss")[0];
      vv[i] = keep;
      char what[64];
      snprintf(what, sizeof what, "%s[%lld]", gname, (long long)i);
      expect_fd_match(what, ga[i], (lp - lm) / ((double)plus - minus), 0.005);
    }
    free(ga);
  }
  c2_net_free(f);
  free(x), free(w), free(bias), free(t);
  c2_workspace_free(ws);
  c2_backward_free(b);
  c2_netdef_free(fwd);
}
END_TEST

/* The result is an ordinary NetDef: it packs, saves, loads back identical and runs. */
START_TEST(test_save_and_load) {
  c2_netdef *fwd = load_model("relu_lrn_train");
  c2_loss loss = {"loss", NULL};
  c2_backward *b;
  c2_error err;
  EXPECT_OK(c2_backward_new(fwd, 1, &loss, NULL, NULL, &b, &err), &err);
  char path[] = "/tmp/c2rt-bwd-XXXXXX";
  close(mkstemp(path));
  EXPECT_OK(c2_netdef_save_file(c2_backward_net(b), path, &err), &err);
  c2_netdef *back;
  EXPECT_OK(c2_netdef_load_file(path, NULL, &back, &err), &err);
  unlink(path);
  uint8_t *p1, *p2;
  size_t l1, l2;
  EXPECT_OK(c2_netdef_pack(c2_backward_net(b), &p1, &l1, &err), &err);
  EXPECT_OK(c2_netdef_pack(back, &p2, &l2, &err), &err);
  ck_assert(l1 == l2 && memcmp(p1, p2, l1) == 0);
  c2_free(p1), c2_free(p2);
  /* The forward part is the forward net, byte for byte. */
  ck_assert_uint_eq(c2_netdef_num_ops(back), 5 + 6);
  for (size_t k = 0; k < 5; k++) {
    EXPECT_OK(c2_opdef_pack(c2_netdef_op(fwd, k), &p1, &l1, &err), &err);
    EXPECT_OK(c2_opdef_pack(c2_netdef_op(back, k), &p2, &l2, &err), &err);
    ck_assert(l1 == l2 && memcmp(p1, p2, l1) == 0);
    c2_free(p1), c2_free(p2);
  }
  c2_workspace *ws = ws_new();
  test_rng rng = test_rng_make(44);
  const int64_t xd[4] = {1, 5, 2, 3}, wd[2] = {2, 3}, bd = 2, td[4] = {1, 5, 2, 2};
  free(feed_random(ws, "X", 4, xd, &rng, -1, 1));
  free(feed_random(ws, "W", 2, wd, &rng, -1, 1));
  free(feed_random(ws, "b", 1, &bd, &rng, -1, 1));
  free(feed_random(ws, "target", 4, td, &rng, -1, 1));
  EXPECT_OK(c2_run_net_once(ws, back, NULL, &err), &err);
  expect_shape(ws, "W_grad", 2, wd);
  c2_workspace_free(ws);
  c2_netdef_free(back);
  c2_backward_free(b);
  c2_netdef_free(fwd);
}
END_TEST

/* Every allocation failure is C2_ERR_NOMEM and leaks nothing (the ASan run checks leaks). */
START_TEST(test_allocation_failures) {
  c2_netdef *fwd = load_model("relu_lrn_train");
  default_registry(); /* created once, outside the injection */
  c2_loss losses[2] = {{"loss", NULL}, {"dist", "dist_g"}};
  c2_backward_options opts[2] = {{.backward_only = false}, {.backward_only = true}};
  for (int o = 0; o < 2; o++) {
    long n = 0;
    for (;; n++) {
      c2_backward *b = NULL;
      c2_error err;
      c2__alloc_fail_after(n);
      c2_status st = c2_backward_new(fwd, 2, losses, &opts[o], NULL, &b, &err);
      c2__alloc_fail_after(-1);
      if (st == C2_OK) {
        c2_backward_free(b);
        break;
      }
      ck_assert_msg(st == C2_ERR_NOMEM, "failing allocation %ld gave %s: %s", n,
                    c2_status_name(st), err.message);
      ck_assert_ptr_null(b);
    }
    ck_assert_int_gt(n, 50);
  }
  c2_netdef_free(fwd);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("backward_net");
  TCase *tc = tcase_create("real ops");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_fan_out_names_and_sum);
  tcase_add_test(tc, test_pass_through_accumulation);
  tcase_add_test(tc, test_two_losses);
  tcase_add_test(tc, test_print_is_not_reached);
  tcase_add_test(tc, test_independent_blobs_get_none);
  tcase_add_test(tc, test_in_place_errors_with_real_ops);
  tcase_add_test(tc, test_relu_lrn_matches_finite_differences);
  tcase_add_test(tc, test_train_model_matches_finite_differences);
  tcase_add_test(tc, test_save_and_load);
  tcase_add_test(tc, test_allocation_failures);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
