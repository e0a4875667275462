/* Backward construction against Caffe2's own expectations: the cases of
 * caffe2/python/core_gradients_test.py, with its test-only gradient definitions (Direct,
 * UseOutput, UseInput, Nogradient) registered in a registry of their own, plus every error
 * case of the construction. */
#include "backward_helpers.h"

/* ---- Caffe2's test gradients ---- */

/* Every output gradient must be given (NeedAll); the gradient op takes `prefix` blobs first. */
static c2_status test_gradient(c2_grad_ctx *g, const char *type, bool with_inputs,
                               bool with_outputs, c2_error *err) {
  const c2_opdef *def = c2_grad_def(g);
  const char *in[32], *out[32];
  size_t n_in = 0, n_out = 0;
  for (size_t i = 0; with_inputs && i < def->n_input; i++) in[n_in++] = def->input[i];
  for (size_t i = 0; with_outputs && i < def->n_output; i++) in[n_in++] = def->output[i];
  for (size_t i = 0; i < def->n_output; i++) {
    c2_status st = c2_grad_GO(g, (int)i, &in[n_in++], err);
    if (st) return st;
  }
  for (size_t i = 0; i < def->n_input; i++) {
    c2_status st = c2_grad_GI(g, (int)i, &out[n_out++], err);
    if (st) return st;
  }
  return c2_grad_add_op(g, type, n_in, in, n_out, out, NULL, err);
}

static c2_status direct(c2_grad_ctx *g, c2_error *err) {
  return test_gradient(g, "DirectGradient", false, false, err);
}
static c2_status use_output(c2_grad_ctx *g, c2_error *err) {
  return test_gradient(g, "UseOutputGradient", false, true, err);
}
static c2_status use_input(c2_grad_ctx *g, c2_error *err) {
  return test_gradient(g, "UseInputGradient", true, false, err);
}

static c2_registry *test_registry(void) {
  c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Direct", C2_GRADIENT_FN, direct, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "UseOutput", C2_GRADIENT_FN, use_output, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "UseInput", C2_GRADIENT_FN, use_input, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Nogradient", C2_GRADIENT_NONE, NULL, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "StopGradient", C2_GRADIENT_NONE, NULL, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Unfinished", C2_GRADIENT_NOT_IMPLEMENTED, NULL, &err),
            &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Accuracy", C2_GRADIENT_SHOULD_NOT_DO, NULL, &err),
            &err);
  return reg;
}

/* Backward-only from `spec` with {loss: grad} and the gradient ops compared with `want`. */
static c2_backward *check(const char *spec, const char *loss, const char *grad,
                          const char *want) {
  c2_registry *reg = test_registry();
  c2_netdef *net = net_spec("test", spec);
  c2_backward *b = backward(net, loss, grad, reg);
  expect_ops(c2_backward_net(b), 0, want);
  c2_netdef_free(net);
  c2_registry_free(reg);
  return b;
}

static void check_fails(const char *spec, const char *loss, const char *grad, c2_status want,
                        const char *fragment) {
  c2_registry *reg = test_registry();
  c2_netdef *net = net_spec("test", spec);
  backward_fails(net, loss, grad, reg, want, fragment);
  c2_netdef_free(net);
  c2_registry_free(reg);
}

START_TEST(test_direct) {
  c2_backward *b = check("Direct in > hidden; Direct hidden > out", "out", "out_grad",
                         "DirectGradient out_grad > hidden_grad;"
                         "DirectGradient hidden_grad > in_grad");
  expect_map(b, "out:out_grad hidden:hidden_grad in:in_grad");
  c2_backward_free(b);
  /* testDirectImplicitGradientSource: the seed is ConstantFill(out) -> out_autogen_grad. */
  b = check("Direct in > hidden; Direct hidden > out", "out", NULL,
            "ConstantFill out > out_autogen_grad;"
            "DirectGradient out_autogen_grad > hidden_grad;"
            "DirectGradient hidden_grad > in_grad");
  const c2_opdef *seed = c2_netdef_op(c2_backward_net(b), 0);
  float value;
  c2_error err;
  EXPECT_OK(c2_arg_get_float(seed, "value", 0, &value, &err), &err);
  ck_assert(value == 1.0f && c2_opdef_num_args(seed) == 1 && !seed->has_is_gradient_op);
  c2_backward_free(b);
  /* testDoesNotGenerateUnnecessaryGradients */
  c2_backward_free(check("Direct in > hidden; Direct hidden > out", "hidden", "hidden_grad",
                         "DirectGradient hidden_grad > in_grad"));
  /* testDirectInPlace */
  c2_backward_free(check("Direct in > in; Direct in > out", "out", "out_grad",
                         "DirectGradient out_grad > in_grad; DirectGradient in_grad > in_grad"));
}
END_TEST

START_TEST(test_use_output_and_input) {
  c2_backward_free(check("UseOutput in > hidden; UseOutput hidden > out; Direct out > sink",
                         "sink", "sink_grad",
                         "DirectGradient sink_grad > out_grad;"
                         "UseOutputGradient out out_grad > hidden_grad;"
                         "UseOutputGradient hidden hidden_grad > in_grad"));
  c2_backward_free(check("UseOutput in > in; UseOutput in > out; Direct out > sink", "sink",
                         "sink_grad",
                         "DirectGradient sink_grad > out_grad;"
                         "UseOutputGradient out out_grad > in_grad;"
                         "UseOutputGradient in in_grad > in_grad"));
  c2_backward_free(check("Direct in > hidden; UseInput hidden > out; Direct out > sink", "sink",
                         "sink_grad",
                         "DirectGradient sink_grad > out_grad;"
                         "UseInputGradient hidden out_grad > hidden_grad;"
                         "DirectGradient hidden_grad > in_grad"));
}
END_TEST

/* The in-place version checks: a gradient op needs a blob version a later op overwrote. */
START_TEST(test_overwritten_versions) {
  check_fails("UseOutput in > hidden; Direct hidden > hidden; UseOutput hidden > out;"
              "Direct out > sink", "sink", "sink_grad", C2_ERR_GRADIENT,
              "op #0 (UseOutput): its gradient op UseOutputGradient needs output 'hidden' at "
              "version 0, but op #1 (Direct) overwrites 'hidden' later (version 1 at the end of "
              "the forward pass)");
  check_fails("UseInput in > out; Direct in > in", "out", "out_grad", C2_ERR_GRADIENT,
              "op #0 (UseInput): its gradient op UseInputGradient needs input 'in' at version 0, "
              "but op #1 (Direct) overwrites 'in' later (version 1");
  /* testVersionMismatch: x's gradient belongs to a later version than op 0 wrote. */
  check_fails("Direct x > x; Direct y > x; Direct x > y", "y", "y_grad", C2_ERR_GRADIENT,
              "op #0 (Direct): gradient 'x_grad' is expected to belong to version 1 of 'x', but "
              "it belongs to version 2");
}
END_TEST

START_TEST(test_multi_use_input) {
  c2_backward *b = check("Direct in > hidden1; Direct in > hidden2;"
                         "Direct hidden1 hidden2 > out", "out", "out_grad",
                         "DirectGradient out_grad > hidden1_grad hidden2_grad;"
                         "DirectGradient hidden2_grad > in_grad;"
                         "DirectGradient hidden1_grad > _in_grad_autosplit_0;"
                         "Sum in_grad _in_grad_autosplit_0 > in_grad");
  expect_map(b, "out:out_grad hidden1:hidden1_grad hidden2:hidden2_grad in:in_grad");
  const c2_opdef *sum = c2_netdef_op(c2_backward_net(b), 3);
  ck_assert(!sum->has_is_gradient_op && !sum->device_option); /* as Python's CreateOperator */
  c2_backward_free(b);
  /* testMultiUseInputButWithNoGradient */
  c2_backward_free(check("Direct in > hidden1; Nogradient in > hidden2;"
                         "Direct hidden1 hidden2 > out", "out", "out_grad",
                         "DirectGradient out_grad > hidden1_grad hidden2_grad;"
                         "DirectGradient hidden1_grad > in_grad"));
  /* testMultiUseInputAndMultipleVersions */
  c2_backward_free(check("Direct in > in; Direct in > hidden1; Direct in > hidden2;"
                         "Direct hidden1 hidden2 > out", "out", "out_grad",
                         "DirectGradient out_grad > hidden1_grad hidden2_grad;"
                         "DirectGradient hidden2_grad > in_grad;"
                         "DirectGradient hidden1_grad > _in_grad_autosplit_0;"
                         "Sum in_grad _in_grad_autosplit_0 > in_grad;"
                         "DirectGradient in_grad > in_grad"));
  /* testMultiUseInputAndMultipleVersionsBig */
  c2_backward_free(check(
      "Direct in > in; Direct in > hidden1; Direct in > hidden2; Direct hidden1 hidden2 > in;"
      "Direct in > hidden3; Direct in > hidden4; Direct in > hidden5;"
      "Direct hidden3 hidden4 hidden5 > out", "out", "out_grad",
      "DirectGradient out_grad > hidden3_grad hidden4_grad hidden5_grad;"
      "DirectGradient hidden5_grad > in_grad;"
      "DirectGradient hidden4_grad > _in_grad_autosplit_0;"
      "DirectGradient hidden3_grad > _in_grad_autosplit_1;"
      "Sum in_grad _in_grad_autosplit_0 _in_grad_autosplit_1 > in_grad;"
      "DirectGradient in_grad > hidden1_grad hidden2_grad;"
      "DirectGradient hidden2_grad > in_grad;"
      "DirectGradient hidden1_grad > _in_grad_autosplit_0;"
      "Sum in_grad _in_grad_autosplit_0 > in_grad;"
      "DirectGradient in_grad > in_grad"));
}
END_TEST

/* testMultiUseInput with a device option: gradient ops and the Sum carry it. */
START_TEST(test_multi_use_input_device) {
  c2_registry *reg = test_registry();
  c2_netdef *net = net_spec("test", "Direct in > hidden1; Direct in > hidden2;"
                                    "Direct hidden1 hidden2 > out");
  c2_error err;
  for (size_t k = 0; k < 3; k++)
    EXPECT_OK(c2_opdef_set_device(c2_netdef_op_mutable(net, k), C2_DEVICE_CUDA, 1, &err), &err);
  c2_backward *b = backward(net, "out", "out_grad", reg);
  const c2_netdef *g = c2_backward_net(b);
  ck_assert_uint_eq(c2_netdef_num_ops(g), 4);
  for (size_t k = 0; k < 4; k++) {
    const c2_opdef *op = c2_netdef_op(g, k);
    ck_assert_int_eq(c2_opdef_device_type(op), C2_DEVICE_CUDA);
    ck_assert_int_eq(op->device_option->device_id, 1);
  }
  c2_backward_free(b);
  /* Readers on different devices cannot have their gradients summed. */
  EXPECT_OK(c2_opdef_set_device(c2_netdef_op_mutable(net, 0), C2_DEVICE_CUDA, 0, &err), &err);
  backward_fails(net, "out", "out_grad", reg, C2_ERR_GRADIENT,
                 "op #0 (Direct): gradients for 'in' failed to verify: its partial gradients "
                 "come from gradient ops on different devices");
  c2_netdef_free(net);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_stop_gradient) {
  c2_backward_free(check("Direct in > hidden; StopGradient hidden > hidden2; Direct hidden2 > out",
                         "out", "out_grad", "DirectGradient out_grad > hidden2_grad"));
  c2_backward *b = check("Direct in > hidden; StopGradient hidden > hidden; Direct hidden > out",
                         "out", "out_grad", "DirectGradient out_grad > hidden_grad");
  expect_map(b, "out:out_grad"); /* StopGradient in place resets hidden's gradient to None */
  c2_backward_free(b);
  b = check("Direct in > hidden; Direct hidden > hidden2; StopGradient hidden > hidden3;"
            "Direct hidden2 hidden3 > out", "out", "out_grad",
            "DirectGradient out_grad > hidden2_grad hidden3_grad;"
            "DirectGradient hidden2_grad > hidden_grad;"
            "DirectGradient hidden_grad > in_grad");
  expect_map(b, "out:out_grad hidden2:hidden2_grad hidden3:hidden3_grad hidden:hidden_grad "
                "in:in_grad");
  c2_backward_free(b);
  check_fails("Direct in > hidden; StopGradient hidden > auto_blobx; Direct hidden > out", "out",
              "out_grad", C2_ERR_GRADIENT,
              "op #1 (StopGradient): its output 'auto_blobx' is orphan");
}
END_TEST

START_TEST(test_errors) {
  c2_registry *reg = test_registry();
  c2_netdef *net = net_spec("test", "Direct in > hidden; Accuracy hidden > acc;"
                                    "Unfinished hidden > un; Mystery hidden > my");
  /* Reaching a SHOULD_NOT_DO op is an error; so are unfinished and unknown gradients. */
  backward_fails(net, "acc", "acc_grad", reg, C2_ERR_GRADIENT,
                 "op #1 (Accuracy), reached by the gradient of 'acc': one should not call "
                 "gradient for operator 'Accuracy'");
  backward_fails(net, "un", NULL, reg, C2_ERR_GRADIENT,
                 "op #2 (Unfinished), reached by the gradient of 'un': operator 'Unfinished' "
                 "should have a gradient but it is not implemented yet");
  backward_fails(net, "my", NULL, reg, C2_ERR_GRADIENT,
                 "op #3 (Mystery), reached by the gradient of 'my': gradient maker for operator "
                 "'Mystery' is not implemented");
  /* ... but not reached, none of them matters. */
  c2_backward *b = backward(net, "hidden", NULL, reg);
  expect_ops(c2_backward_net(b), 0, "ConstantFill hidden > hidden_autogen_grad;"
                                    "DirectGradient hidden_autogen_grad > in_grad");
  c2_backward_free(b);
  backward_fails(net, "nowhere", NULL, reg, C2_ERR_NOT_FOUND,
                 "loss 'nowhere' is neither read nor written by any op of net 'test'");
  c2_loss two[2] = {{"hidden", NULL}, {"hidden", "g"}};
  c2_error err;
  EXPECT_STATUS(c2_backward_new(net, 2, two, NULL, reg, &b, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "loss 'hidden' is given twice");
  EXPECT_STATUS(c2_backward_new(net, 0, two, NULL, reg, &b, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "no loss blob given");
  c2_netdef_free(net);
  /* A gradient passed through unchanged cannot also name the sum (Caffe2's conflict check).
   * With the built-in ops alone: they now include StopGradient, which the test registry has. */
  c2_registry_free(reg);
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_register_builtin_ops(reg, &err), &err);
  net = net_spec("test", "Relu X > W; Sum X > Z");
  c2_loss conflict[2] = {{"W", NULL}, {"Z", "X_grad"}};
  EXPECT_STATUS(c2_backward_new(net, 2, conflict, NULL, reg, &b, &err), C2_ERR_GRADIENT, &err,
                "op #0 (Relu): the gradient 'X_grad' of 'X' is passed through unchanged");
  c2_netdef_free(net);
  /* A forward op that fails its schema. */
  net = net_spec("test", "Relu X > Y Z");
  backward_fails(net, "Y", NULL, reg, C2_ERR_SCHEMA, "op #0 (Relu), reached by the gradient of "
                 "'Y': (gradient maker) Relu: has 2 outputs, expected 1");
  c2_netdef_free(net);
  c2_registry_free(reg);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("backward");
  TCase *tc = tcase_create("caffe2 cases");
  tcase_add_test(tc, test_direct);
  tcase_add_test(tc, test_use_output_and_input);
  tcase_add_test(tc, test_overwritten_versions);
  tcase_add_test(tc, test_multi_use_input);
  tcase_add_test(tc, test_multi_use_input_device);
  tcase_add_test(tc, test_stop_gradient);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
