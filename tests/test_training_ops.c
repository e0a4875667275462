/* StopGradient, Iter, LearningRate: Caffe2's semantics, every learning rate policy, errors. */
#include <math.h>
#include <stdio.h>

#include "test_util.h"

static c2_opdef *op1(const char *type, const char *in, const char *out) {
  c2_opdef *op;
  c2_error err;
  const char *ins[] = {in}, *outs[] = {out};
  EXPECT_OK(c2_opdef_new(type, in ? 1 : 0, ins, 1, outs, &op, &err), &err);
  return op;
}

START_TEST(test_stop_gradient) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  int64_t x[3] = {4, -5, 6};
  EXPECT_OK(c2_workspace_feed(ws, "X", C2_DTYPE_INT64, 1, (int64_t[]){3}, x, &err), &err);
  c2_opdef *op = op1("StopGradient", "X", "Y");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  const c2_tensor *y = c2_workspace_get_blob(ws, "Y");
  ck_assert_int_eq(c2_tensor_dtype(y), C2_DTYPE_INT64);
  ck_assert(memcmp(c2_tensor_data_const(y), x, sizeof x) == 0);
  ck_assert_ptr_ne(c2_tensor_data_const(y), c2_tensor_data_const(c2_workspace_get_blob(ws, "X")));
  c2_opdef *inplace = op1("StopGradient", "X", "X");
  EXPECT_OK(c2_run_operator_once(ws, inplace, NULL, &err), &err);
  ck_assert(memcmp(c2_tensor_data_const(c2_workspace_get_blob(ws, "X")), x, sizeof x) == 0);

  const c2_registry *reg;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "StopGradient"), C2_GRADIENT_NONE);
  c2_grad_result *r;
  EXPECT_OK(c2_gradient_for_op(reg, op, 1, (const char *[]){"Y_grad"}, &r, &err), &err);
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 0);
  ck_assert_ptr_null(c2_grad_result_input_grad(r, 0));
  c2_grad_result_free(r);

  c2_tensor *empty;
  EXPECT_OK(c2_workspace_create_blob(ws, "E", &empty, &err), &err);
  c2_opdef *bad = op1("StopGradient", "E", "F");
  EXPECT_STATUS(c2_run_operator_once(ws, bad, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "op #0 (StopGradient): input 'E' is empty");
  c2_opdef_free(bad);
  c2_opdef_free(inplace);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

static int64_t counter(c2_workspace *ws, const char *name) {
  const c2_tensor *t = c2_workspace_get_blob(ws, name);
  ck_assert_int_eq(c2_tensor_dtype(t), C2_DTYPE_INT64);
  ck_assert_int_eq(c2_tensor_numel(t), 1);
  return *(const int64_t *)c2_tensor_data_const(t);
}

START_TEST(test_iter) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  /* No input: created at 0 on the first run, then counted. */
  c2_netdef *net;
  EXPECT_OK(c2_netdef_new("count", &net, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net, op1("Iter", NULL, "it"), &err), &err);
  EXPECT_OK(c2_workspace_create_net(ws, net, false, NULL, &err), &err);
  EXPECT_OK(c2_workspace_run_net(ws, "count", 3, &err), &err);
  ck_assert_int_eq(counter(ws, "it"), 3);
  c2_netdef_free(net);

  /* The Toy Regression tutorial's INT32 ITER, counted in place: widened, value kept. */
  int32_t start = 41;
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT32, 1, (int64_t[]){1}, &start, &err), &err);
  c2_opdef *op = op1("Iter", "ITER", "ITER");
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  ck_assert_int_eq(counter(ws, "ITER"), 42);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  ck_assert_int_eq(counter(ws, "ITER"), 43);

  int64_t neg = -1;
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT64, 1, (int64_t[]){1}, &neg, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "op #0 (Iter): counter 'ITER' holds the negative iteration number -1");
  int64_t two[2] = {0, 0};
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT64, 1, (int64_t[]){2}, two, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_SHAPE, &err,
                "counter 'ITER' must hold exactly one element, got INT64 [2]");
  float f = 0;
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_FLOAT, 1, (int64_t[]){1}, &f, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err,
                "counter 'ITER' has dtype FLOAT, expected INT64");
  c2_opdef_free(op);
  c2_opdef *elsewhere = op1("Iter", "ITER", "OTHER");
  EXPECT_STATUS(c2_run_operator_once(ws, elsewhere, NULL, &err), C2_ERR_SCHEMA, &err,
                "must be the same blob as input 0");
  c2_opdef_free(elsewhere);
  c2_workspace_free(ws);
}
END_TEST

typedef struct lr_case {
  const char *policy;
  double gamma, power;
  int64_t stepsize, max_iter, num_iter;
  double multiplier;
} lr_case;

/* In double, from the float values the op stores. */
static double expected_factor(const lr_case *in, int64_t it) {
  lr_case f = *in;
  const lr_case *c = &f;
  f.gamma = (float)in->gamma;
  f.power = (float)in->power;
  f.multiplier = (float)in->multiplier;
  if (!strcmp(c->policy, "fixed")) return 1;
  if (!strcmp(c->policy, "step")) return pow(c->gamma, (double)(it / c->stepsize));
  if (!strcmp(c->policy, "exp")) return pow(c->gamma, (double)it);
  if (!strcmp(c->policy, "inv")) return pow(1 + c->gamma * (double)it, -c->power);
  if (!strcmp(c->policy, "poly")) return pow(1 - (double)it / (double)c->max_iter, c->power);
  if (!strcmp(c->policy, "linearWarmup"))
    return it >= c->num_iter ? 1
                             : c->multiplier + (1 - c->multiplier) * (double)it / (double)c->num_iter;
  return it >= c->num_iter ? 1 : c->multiplier; /* constantWarmup */
}

static c2_opdef *lr_op(const lr_case *c) {
  c2_error err;
  c2_opdef *op = op1("LearningRate", "ITER", "LR");
  EXPECT_OK(c2_opdef_add_arg_float(op, "base_lr", -0.1f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(op, "policy", c->policy, &err), &err);
  if (c->gamma) EXPECT_OK(c2_opdef_add_arg_float(op, "gamma", (float)c->gamma, &err), &err);
  if (c->power) EXPECT_OK(c2_opdef_add_arg_float(op, "power", (float)c->power, &err), &err);
  if (c->stepsize) EXPECT_OK(c2_opdef_add_arg_int(op, "stepsize", c->stepsize, &err), &err);
  if (c->max_iter) EXPECT_OK(c2_opdef_add_arg_int(op, "max_iter", c->max_iter, &err), &err);
  if (c->num_iter) EXPECT_OK(c2_opdef_add_arg_int(op, "num_iter", c->num_iter, &err), &err);
  if (c->multiplier) {
    const char *name = !strcmp(c->policy, "linearWarmup") ? "start_multiplier" : "multiplier";
    EXPECT_OK(c2_opdef_add_arg_float(op, name, (float)c->multiplier, &err), &err);
  }
  return op;
}

START_TEST(test_learning_rate_policies) {
  static const lr_case cases[] = {
      {.policy = "fixed"},
      {.policy = "step", .gamma = 0.9, .stepsize = 20},
      {.policy = "exp", .gamma = 0.99},
      {.policy = "inv", .gamma = 1e-4, .power = 0.75},
      {.policy = "poly", .power = 2, .max_iter = 200},
      {.policy = "linearWarmup", .multiplier = 0.25, .num_iter = 50},
      {.policy = "constantWarmup", .multiplier = 0.125, .num_iter = 10},
  };
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    c2_opdef *op = lr_op(&cases[k]);
    for (int64_t it = 0; it <= 120; it += 7) {
      EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT64, 1, (int64_t[]){1}, &it, &err), &err);
      EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
      const c2_tensor *lr = c2_workspace_get_blob(ws, "LR");
      ck_assert_int_eq(c2_tensor_ndim(lr), 0); /* a scalar, as Caffe2's Resize(vector<TIndex>()) */
      ck_assert_int_eq(c2_tensor_dtype(lr), C2_DTYPE_FLOAT);
      double got = *(const float *)c2_tensor_data_const(lr);
      double want = -0.1 * expected_factor(&cases[k], it);
      ck_assert_msg(fabs(got - want) <= 1e-6 * fabs(want) + 1e-9, "%s at %lld: %g vs %g",
                    cases[k].policy, (long long)it, got, want);
    }
    c2_opdef_free(op);
  }
  /* The tutorial's step policy: -0.1 * 0.9^floor(iter / 20), exactly in float. */
  int64_t it = 45;
  c2_opdef *op = lr_op(&cases[1]);
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT64, 1, (int64_t[]){1}, &it, &err), &err);
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  ck_assert_float_eq(*(const float *)c2_tensor_data_const(c2_workspace_get_blob(ws, "LR")),
                     -0.1f * powf(0.9f, 2.0f));
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

static void expect_lr_fails(c2_opdef *op, c2_status want, const char *fragment) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  int64_t it = 0;
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT64, 1, (int64_t[]){1}, &it, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), want, &err, fragment);
  c2_opdef_free(op);
  c2_workspace_free(ws);
}

START_TEST(test_learning_rate_errors) {
  c2_error err;
  c2_opdef *op = op1("LearningRate", "ITER", "LR");
  EXPECT_OK(c2_opdef_add_arg_string(op, "policy", "fixed", &err), &err);
  expect_lr_fails(op, C2_ERR_SCHEMA, "op #0 (LearningRate): missing required argument 'base_lr'");
  op = lr_op(&(lr_case){.policy = "cosine"});
  expect_lr_fails(op, C2_ERR_INVALID_ARGUMENT, "unknown learning rate policy \"cosine\"");
  op = lr_op(&(lr_case){.policy = "step", .gamma = 0.5});
  expect_lr_fails(op, C2_ERR_INVALID_ARGUMENT, "policy \"step\" needs argument 'stepsize' > 0");
  op = lr_op(&(lr_case){.policy = "fixed"});
  c2_opdef_remove_arg(op, "base_lr");
  EXPECT_OK(c2_opdef_add_arg_int(op, "base_lr", 1, &err), &err);
  expect_lr_fails(op, C2_ERR_TYPE, "argument 'base_lr' must be a float (field f)");

  c2_workspace *ws;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  int32_t it = 0;
  EXPECT_OK(c2_workspace_feed(ws, "ITER", C2_DTYPE_INT32, 1, (int64_t[]){1}, &it, &err), &err);
  op = lr_op(&(lr_case){.policy = "fixed"});
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), C2_ERR_TYPE, &err,
                "input 'ITER' has dtype INT32, expected INT64");
  c2_opdef_free(op);
  c2_workspace_free(ws);
}
END_TEST

START_TEST(test_inference_and_gradients) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "Iter"), C2_GRADIENT_NONE);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "LearningRate"), C2_GRADIENT_NONE);
  c2_opdef *op = lr_op(&(lr_case){.policy = "fixed"});
  c2_shape in = {.dtype = C2_DTYPE_INT64, .ndim = 1, .dims = {1}}, out;
  EXPECT_OK(c2_schema_infer_shapes(c2_registry_schema(reg, "LearningRate"), op, 1, &in, 1, &out,
                                   &err), &err);
  ck_assert(!out.unknown);
  ck_assert_int_eq(out.ndim, 0);
  ck_assert_int_eq(out.dtype, C2_DTYPE_FLOAT);
  c2_opdef_free(op);
  c2_opdef *sg = op1("StopGradient", "X", "Y");
  c2_shape x = {.dtype = C2_DTYPE_DOUBLE, .ndim = 2, .dims = {3, 4}};
  EXPECT_OK(c2_schema_infer_shapes(c2_registry_schema(reg, "StopGradient"), sg, 1, &x, 1, &out,
                                   &err), &err);
  ck_assert_int_eq(out.dims[1], 4);
  c2_cost cost;
  EXPECT_OK(c2_schema_infer_cost(c2_registry_schema(reg, "StopGradient"), sg, 1, &x, &cost, &err),
            &err);
  ck_assert_uint_eq(cost.bytes_written, 96);
  c2_opdef_free(sg);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("training_ops");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_stop_gradient);
  tcase_add_test(tc, test_iter);
  tcase_add_test(tc, test_learning_rate_policies);
  tcase_add_test(tc, test_learning_rate_errors);
  tcase_add_test(tc, test_inference_and_gradients);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
