/* Caffe2's GetGradientForOp: LRN's gradient from the default registry, then every gradient kind
 * and the callback API (dense pass-through, copy flags, ownership) with a registry of our own. */
#include "c2rt/proto.h"
#include "test_util.h"

/* ---- helpers ---- */

static c2_opdef *make_def(const char *type, size_t n_in, const char *const *in, size_t n_out,
                          const char *const *out) {
  c2_error err;
  c2_opdef *def = NULL;
  EXPECT_OK(c2_opdef_new(type, n_in, in, n_out, out, &def, &err), &err);
  return def;
}

/* LRN(X) -> (Y, Y_scale) with all five arguments, engine FAST, a CPU device option. */
static c2_opdef *lrn_forward(void) {
  c2_error err;
  static const char *const in[] = {"X"}, *const out[] = {"Y", "Y_scale"};
  c2_opdef *def = make_def("LRN", 1, in, 2, out);
  EXPECT_OK(c2_opdef_add_arg_int(def, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "alpha", 1e-4f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "beta", 0.75f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "bias", 1.0f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(def, "order", "NCHW", &err), &err);
  EXPECT_OK(c2_opdef_set_engine(def, "FAST", &err), &err);
  EXPECT_OK(c2_opdef_set_device(def, C2_DEVICE_CPU, 0, &err), &err);
  return def;
}

static const c2_registry *default_registry(void) {
  c2_error err;
  const c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  return reg;
}

/* Wire bytes of a def, to show it was not changed. */
static uint8_t *pack(const c2_opdef *def, size_t *len) {
  c2_error err;
  uint8_t *bytes = NULL;
  EXPECT_OK(c2_opdef_pack(def, &bytes, len, &err), &err);
  return bytes;
}

static bool is_gradient_op(const c2_opdef *op) {
  return op->has_is_gradient_op && op->is_gradient_op;
}

/* ---- LRN ---- */

START_TEST(test_lrn_gradient) {
  c2_error err;
  const c2_registry *reg = default_registry();
  c2_opdef *def = lrn_forward();
  size_t len_before, len_after;
  uint8_t *before = pack(def, &len_before);
  const char *g_output[] = {"Y_grad", NULL}; /* Y_scale gets no gradient */
  c2_grad_result *r = NULL;
  EXPECT_OK(c2_gradient_for_op(reg, def, 2, g_output, &r, &err), &err);

  ck_assert_uint_eq(c2_grad_result_num_ops(r), 1);
  const c2_opdef *g = c2_grad_result_op(r, 0);
  ck_assert_str_eq(c2_opdef_type(g), "LRNGradient");
  ck_assert_ptr_nonnull(g->name); /* CreateOperatorDef sets name, as "" */
  ck_assert_str_eq(c2_opdef_name(g), "");
  ck_assert_uint_eq(c2_opdef_num_inputs(g), 3);
  ck_assert_str_eq(c2_opdef_input(g, 0), "X");
  ck_assert_str_eq(c2_opdef_input(g, 1), "Y");
  ck_assert_str_eq(c2_opdef_input(g, 2), "Y_grad");
  ck_assert_uint_eq(c2_opdef_num_outputs(g), 1);
  ck_assert_str_eq(c2_opdef_output(g, 0), "X_grad");
  /* every forward argument, in order, with its value and field */
  static const char *const names[] = {"size", "alpha", "beta", "bias", "order"};
  ck_assert_uint_eq(c2_opdef_num_args(g), 5);
  for (size_t i = 0; i < 5; i++) ck_assert_str_eq(c2_opdef_arg_name(g, i), names[i]);
  int64_t size = 0;
  float alpha = 0, beta = 0, bias = 0;
  char order[8];
  EXPECT_OK(c2_arg_get_int(g, "size", 0, &size, &err), &err);
  EXPECT_OK(c2_arg_get_float(g, "alpha", 0, &alpha, &err), &err);
  EXPECT_OK(c2_arg_get_float(g, "beta", 0, &beta, &err), &err);
  EXPECT_OK(c2_arg_get_float(g, "bias", 0, &bias, &err), &err);
  EXPECT_OK(c2_arg_get_string(g, "order", "", order, sizeof order, &err), &err);
  ck_assert_int_eq(size, 5);
  ck_assert(alpha == 1e-4f && beta == 0.75f && bias == 1.0f);
  ck_assert_str_eq(order, "NCHW");
  /* engine and device option copied, marked as a gradient op */
  ck_assert_str_eq(c2_opdef_engine(g), "FAST");
  ck_assert_ptr_nonnull(g->device_option);
  ck_assert(g->device_option->has_device_type);
  ck_assert_int_eq(g->device_option->device_type, C2_DEVICE_CPU);
  ck_assert_int_eq(g->device_option->device_id, 0);
  ck_assert(is_gradient_op(g));
  /* input gradient map */
  ck_assert_uint_eq(c2_grad_result_num_inputs(r), 1);
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "X_grad");
  ck_assert_ptr_null(c2_grad_result_input_grad(r, 1));
  ck_assert_ptr_null(c2_grad_result_op(r, 1));
  /* the op it made is a valid LRNGradient */
  EXPECT_OK(c2_schema_verify(c2_registry_schema(reg, "LRNGradient"), g, &err), &err);
  /* the forward def is untouched */
  uint8_t *after = pack(def, &len_after);
  ck_assert_uint_eq(len_after, len_before);
  ck_assert_mem_eq(after, before, len_before);
  c2_free(before);
  c2_free(after);
  c2_grad_result_free(r);
  c2_opdef_free(def);
}
END_TEST

START_TEST(test_lrn_gradient_errors) {
  c2_error err;
  const c2_registry *reg = default_registry();
  c2_opdef *def = lrn_forward();
  c2_grad_result *r = NULL;
  const char *none[] = {NULL, "Y_scale_grad"};
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 2, none, &r, &err), C2_ERR_GRADIENT, &err,
                "gradient of output 0 ('Y') is not provided");
  const char *one[] = {"Y_grad"};
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 1, one, &r, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "1 output gradients given for 2 outputs");
  /* LRNGradient itself has no gradient */
  static const char *const gin[] = {"X", "Y", "dY"}, *const gout[] = {"dX"};
  c2_opdef *grad_def = make_def("LRNGradient", 3, gin, 1, gout);
  const char *g2[] = {"dX_grad"};
  EXPECT_STATUS(c2_gradient_for_op(reg, grad_def, 1, g2, &r, &err), C2_ERR_GRADIENT, &err,
                "gradient maker for operator 'LRNGradient' is not implemented");
  c2_opdef_free(grad_def);
  c2_opdef_free(def);
}
END_TEST

/* Without engine and device option in the forward def, none appear in the gradient op. */
START_TEST(test_lrn_gradient_plain_def) {
  c2_error err;
  static const char *const in[] = {"data"}, *const out[] = {"norm"};
  c2_opdef *def = make_def("LRN", 1, in, 1, out);
  EXPECT_OK(c2_opdef_add_arg_int(def, "size", 3, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "alpha", 2e-4f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "beta", 0.5f, &err), &err);
  const char *g_output[] = {"norm_grad"};
  c2_grad_result *r = NULL;
  EXPECT_OK(c2_gradient_for_op(default_registry(), def, 1, g_output, &r, &err), &err);
  const c2_opdef *g = c2_grad_result_op(r, 0);
  ck_assert_str_eq(c2_opdef_input(g, 0), "data");
  ck_assert_str_eq(c2_opdef_input(g, 1), "norm");
  ck_assert_str_eq(c2_opdef_input(g, 2), "norm_grad");
  ck_assert_str_eq(c2_opdef_output(g, 0), "data_grad");
  ck_assert_ptr_null(g->engine);
  ck_assert_ptr_null(g->device_option);
  ck_assert_uint_eq(c2_opdef_num_args(g), 3);
  ck_assert(is_gradient_op(g));
  c2_grad_result_free(r);
  c2_opdef_free(def);
}
END_TEST

/* ---- gradient kinds, with a registry of our own ---- */

static int maker_calls;

/* Sum's gradient: every input's gradient is GO(0) itself, no op. */
static c2_status pass_through(c2_grad_ctx *g, c2_error *err) {
  maker_calls++;
  const char *go;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  for (int i = 0; !st && c2_grad_I(g, i); i++) st = c2_grad_set_dense(g, i, go, err);
  return st;
}

/* One op "<Type>Gradient"(GO(0)) -> GI(0) that asks not to copy anything. */
static c2_status no_copy(c2_grad_ctx *g, c2_error *err) {
  maker_calls++;
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  c2_grad_set_copy(g, false, false, false);
  return c2_grad_add_op(g, "NoCopyGradient", 1, &go, 1, &gi, NULL, err);
}

/* Device option and arguments, not the engine. */
static c2_status copy_some(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  c2_grad_set_copy(g, true, false, true);
  return c2_grad_add_op(g, "CopySomeGradient", 1, &go, 1, &gi, NULL, err);
}

/* Two ops; the first gets an argument of its own before the forward ones. */
static c2_status two_ops(c2_grad_ctx *g, c2_error *err) {
  const char *go = c2_grad_GO_or_null(g, 0), *gi;
  c2_opdef *op = NULL;
  const char *tmp[] = {"tmp"};
  c2_status st = c2_grad_GI(g, 0, &gi, err);
  if (!st) st = c2_grad_add_op(g, "StepOne", 1, &go, 1, tmp, &op, err);
  if (!st) st = c2_opdef_add_arg_int(op, "axis", 1, err);
  if (!st) st = c2_grad_add_op(g, "StepTwo", 1, tmp, 1, &gi, NULL, err);
  return st;
}

/* Adds an op, then fails: the driver must free what was made. */
static c2_status fails_late(c2_grad_ctx *g, c2_error *err) {
  const char *in[] = {"a"}, *out[] = {"b"};
  c2_status st = c2_grad_add_op(g, "Partial", 1, in, 1, out, NULL, err);
  if (st) return st;
  return c2_error_set(err, C2_ERR_GRADIENT, "maker gave up");
}

/* Checks the context accessors from inside a callback. */
static const c2_opdef *probe_expected_def;
static c2_status probe(c2_grad_ctx *g, c2_error *err) {
  maker_calls++;
  ck_assert_ptr_eq(c2_grad_def(g), probe_expected_def);
  ck_assert_str_eq(c2_grad_I(g, 0), "a");
  ck_assert_str_eq(c2_grad_I(g, 1), "b");
  ck_assert_ptr_null(c2_grad_I(g, 2));
  ck_assert_ptr_null(c2_grad_I(g, -1));
  ck_assert_str_eq(c2_grad_O(g, 0), "out0");
  ck_assert_ptr_null(c2_grad_O(g, 2));
  ck_assert_str_eq(c2_grad_GO_or_null(g, 0), "out0_grad");
  ck_assert_ptr_null(c2_grad_GO_or_null(g, 1));
  ck_assert_ptr_null(c2_grad_GO_or_null(g, 5));
  const char *name = NULL;
  c2_error inner;
  ck_assert_int_eq(c2_grad_GO(g, 1, &name, &inner), C2_ERR_GRADIENT);
  ck_assert_ptr_nonnull(strstr(inner.message, "gradient of output 1 ('out1') is not provided"));
  ck_assert_int_eq(c2_grad_GI(g, 2, &name, &inner), C2_ERR_GRADIENT);
  ck_assert_int_eq(c2_grad_set_dense(g, -1, "x", &inner), C2_ERR_GRADIENT);
  ck_assert_ptr_nonnull(strstr(inner.message, "out of range"));
  /* declaring twice replaces: the last one counts */
  c2_status st = c2_grad_set_dense(g, 1, "first", err);
  if (!st) st = c2_grad_GI(g, 1, &name, err);
  if (!st) ck_assert_str_eq(name, "b_grad");
  if (!st) st = c2_grad_set_dense(g, 0, "out0_grad", err);
  return st;
}

static const c2_schema strict_schema = {
    .type = "Strict", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};
static const c2_schema strict_none_schema = {
    .type = "StrictNone", .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};

static c2_registry *grad_registry(void) {
  c2_error err;
  c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "NoGrad", C2_GRADIENT_NONE, NULL, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "NoDo", C2_GRADIENT_SHOULD_NOT_DO, NULL, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "NotYet", C2_GRADIENT_NOT_IMPLEMENTED, NULL, &err),
            &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Sum", C2_GRADIENT_FN, pass_through, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "NoCopy", C2_GRADIENT_FN, no_copy, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "CopySome", C2_GRADIENT_FN, copy_some, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "TwoOps", C2_GRADIENT_FN, two_ops, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "FailsLate", C2_GRADIENT_FN, fails_late, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Probe", C2_GRADIENT_FN, probe, &err), &err);
  EXPECT_OK(c2_registry_add_schema(reg, &strict_schema, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "Strict", C2_GRADIENT_FN, pass_through, &err), &err);
  EXPECT_OK(c2_registry_add_schema(reg, &strict_none_schema, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "StrictNone", C2_GRADIENT_NONE, NULL, &err), &err);
  return reg;
}

static const char *const AB[] = {"a", "b"}, *const OUT[] = {"out0", "out1"};
static const char *const GO[] = {"out0_grad", NULL};

/* A def of `type` with inputs a, b, outputs out0, out1, an engine, a device and two args. */
static c2_opdef *decorated_def(const char *type) {
  c2_error err;
  c2_opdef *def = make_def(type, 2, AB, 2, OUT);
  EXPECT_OK(c2_opdef_set_engine(def, "EIGEN", &err), &err);
  EXPECT_OK(c2_opdef_set_device(def, C2_DEVICE_CPU, 3, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(def, "k", 2, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(def, "mode", "x", &err), &err);
  return def;
}

START_TEST(test_kind_none) {
  c2_error err;
  c2_registry *reg = grad_registry();
  c2_opdef *def = decorated_def("NoGrad");
  c2_grad_result *r = NULL;
  EXPECT_OK(c2_gradient_for_op(reg, def, 2, GO, &r, &err), &err);
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 0);
  ck_assert_uint_eq(c2_grad_result_num_inputs(r), 2);
  ck_assert_ptr_null(c2_grad_result_input_grad(r, 0));
  ck_assert_ptr_null(c2_grad_result_input_grad(r, 1));
  c2_grad_result_free(r);
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_kinds_that_fail) {
  c2_error err;
  c2_registry *reg = grad_registry();
  c2_grad_result *r = NULL;
  c2_opdef *def = decorated_def("NoDo");
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 2, GO, &r, &err), C2_ERR_GRADIENT, &err,
                "one should not call gradient for operator 'NoDo'");
  c2_opdef_free(def);
  def = decorated_def("NotYet");
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 2, GO, &r, &err), C2_ERR_GRADIENT, &err,
                "operator 'NotYet' should have a gradient but it is not implemented yet");
  c2_opdef_free(def);
  def = decorated_def("Unknown");
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 2, GO, &r, &err), C2_ERR_GRADIENT, &err,
                "gradient maker for operator 'Unknown' is not implemented");
  c2_opdef_free(def);
  def = decorated_def("FailsLate");
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 2, GO, &r, &err), C2_ERR_GRADIENT, &err,
                "maker gave up");
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_dense_pass_through) {
  c2_error err;
  c2_registry *reg = grad_registry();
  static const char *const in[] = {"x1", "x2", "x3"}, *const out[] = {"s"};
  c2_opdef *def = make_def("Sum", 3, in, 1, out);
  const char *g_output[] = {"s_grad"};
  c2_grad_result *r = NULL;
  maker_calls = 0;
  EXPECT_OK(c2_gradient_for_op(reg, def, 1, g_output, &r, &err), &err);
  ck_assert_int_eq(maker_calls, 1);
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 0);
  ck_assert_uint_eq(c2_grad_result_num_inputs(r), 3);
  for (size_t i = 0; i < 3; i++) ck_assert_str_eq(c2_grad_result_input_grad(r, i), "s_grad");
  c2_grad_result_free(r);
  const char *missing[] = {NULL};
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 1, missing, &r, &err), C2_ERR_GRADIENT, &err,
                "gradient of output 0 ('s') is not provided");
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_copy_flags) {
  c2_error err;
  c2_registry *reg = grad_registry();
  c2_grad_result *r = NULL;
  c2_opdef *def = decorated_def("NoCopy");
  EXPECT_OK(c2_gradient_for_op(reg, def, 2, GO, &r, &err), &err);
  const c2_opdef *g = c2_grad_result_op(r, 0);
  ck_assert_str_eq(c2_opdef_type(g), "NoCopyGradient");
  ck_assert_uint_eq(c2_opdef_num_args(g), 0);
  ck_assert_ptr_null(g->engine);
  ck_assert_ptr_null(g->device_option);
  ck_assert(is_gradient_op(g)); /* set whatever the copy flags */
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "a_grad");
  ck_assert_ptr_null(c2_grad_result_input_grad(r, 1));
  c2_grad_result_free(r);
  c2_opdef_free(def);

  def = decorated_def("CopySome");
  EXPECT_OK(c2_gradient_for_op(reg, def, 2, GO, &r, &err), &err);
  g = c2_grad_result_op(r, 0);
  ck_assert_ptr_null(g->engine);
  ck_assert_ptr_nonnull(g->device_option);
  ck_assert_int_eq(g->device_option->device_id, 3);
  ck_assert_uint_eq(c2_opdef_num_args(g), 2);
  ck_assert_str_eq(c2_opdef_arg_name(g, 0), "k");
  ck_assert_str_eq(c2_opdef_arg_name(g, 1), "mode");
  c2_grad_result_free(r);
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_two_ops_and_take) {
  c2_error err;
  c2_registry *reg = grad_registry();
  c2_opdef *def = decorated_def("TwoOps");
  c2_grad_result *r = NULL;
  EXPECT_OK(c2_gradient_for_op(reg, def, 2, GO, &r, &err), &err);
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 2);
  const c2_opdef *first = c2_grad_result_op(r, 0);
  ck_assert_str_eq(c2_opdef_type(first), "StepOne");
  /* the maker's own argument first, then the forward ones appended */
  ck_assert_uint_eq(c2_opdef_num_args(first), 3);
  ck_assert_str_eq(c2_opdef_arg_name(first, 0), "axis");
  ck_assert_str_eq(c2_opdef_arg_name(first, 1), "k");
  ck_assert_str_eq(c2_opdef_arg_name(first, 2), "mode");
  ck_assert_str_eq(c2_opdef_engine(first), "EIGEN");
  /* every op is decorated */
  c2_opdef *second = c2_grad_result_take_op(r, 1);
  ck_assert_ptr_nonnull(second);
  ck_assert_str_eq(c2_opdef_type(second), "StepTwo");
  ck_assert_str_eq(c2_opdef_output(second, 0), "a_grad");
  ck_assert_uint_eq(c2_opdef_num_args(second), 2);
  ck_assert_str_eq(c2_opdef_engine(second), "EIGEN");
  ck_assert_int_eq(second->device_option->device_id, 3);
  ck_assert(is_gradient_op(second));
  /* taken: the result keeps NULL in its place and frees only the rest */
  ck_assert_uint_eq(c2_grad_result_num_ops(r), 2);
  ck_assert_ptr_null(c2_grad_result_op(r, 1));
  ck_assert_ptr_null(c2_grad_result_take_op(r, 1));
  ck_assert_ptr_null(c2_grad_result_take_op(r, 2));
  c2_grad_result_free(r);
  /* the taken op outlives the result */
  ck_assert_str_eq(c2_opdef_input(second, 0), "tmp");
  c2_opdef_free(second);
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_context_accessors) {
  c2_error err;
  c2_registry *reg = grad_registry();
  c2_opdef *def = decorated_def("Probe");
  probe_expected_def = def;
  maker_calls = 0;
  c2_grad_result *r = NULL;
  EXPECT_OK(c2_gradient_for_op(reg, def, 2, GO, &r, &err), &err);
  ck_assert_int_eq(maker_calls, 1);
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "out0_grad");
  ck_assert_str_eq(c2_grad_result_input_grad(r, 1), "b_grad");
  c2_grad_result_free(r);
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

/* The forward def is verified against its schema before the maker runs (Caffe2 VerifyOp), for a
 * callback and for NO_GRADIENT alike. */
START_TEST(test_schema_violation) {
  c2_error err;
  c2_registry *reg = grad_registry();
  static const char *const out[] = {"y"}, *const g_output[] = {"y_grad"};
  c2_opdef *def = make_def("Strict", 2, AB, 1, out);
  c2_grad_result *r = NULL;
  maker_calls = 0;
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 1, g_output, &r, &err), C2_ERR_SCHEMA, &err,
                "(gradient maker) Strict: has 2 inputs, expected 1");
  ck_assert_int_eq(maker_calls, 0);
  c2_opdef_free(def);
  def = make_def("StrictNone", 2, AB, 1, out);
  EXPECT_STATUS(c2_gradient_for_op(reg, def, 1, g_output, &r, &err), C2_ERR_SCHEMA, &err,
                "(gradient maker)");
  c2_opdef_free(def);
  /* a valid def goes through */
  def = make_def("Strict", 1, AB, 1, out);
  EXPECT_OK(c2_gradient_for_op(reg, def, 1, g_output, &r, &err), &err);
  ck_assert_int_eq(maker_calls, 1);
  ck_assert_str_eq(c2_grad_result_input_grad(r, 0), "y_grad");
  c2_grad_result_free(r);
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("gradient");
  TCase *tc = tcase_create("lrn");
  tcase_add_test(tc, test_lrn_gradient);
  tcase_add_test(tc, test_lrn_gradient_errors);
  tcase_add_test(tc, test_lrn_gradient_plain_def);
  suite_add_tcase(s, tc);

  tc = tcase_create("kinds");
  tcase_add_test(tc, test_kind_none);
  tcase_add_test(tc, test_kinds_that_fail);
  tcase_add_test(tc, test_dense_pass_through);
  tcase_add_test(tc, test_copy_flags);
  tcase_add_test(tc, test_two_ops_and_take);
  tcase_add_test(tc, test_context_accessors);
  tcase_add_test(tc, test_schema_violation);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
