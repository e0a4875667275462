/* The registry: registration and its duplicate checks, Caffe2's engine choice
 * (CreateOperator: def.engine list, per-op preferences, global preferences, default engine),
 * queries, a net that runs the chosen engine, and the default registry. */
#include <stdio.h>

#include "test_util.h"

/* ---- test ops ---- */

/* Each implementation fills output 0 (float [3]) with its own constant, so the output shows
 * which engine ran. */
enum { FILL_DEFAULT = 1, FILL_FAST = 2, FILL_SLOW = 3 };

static c2_status fill_with(c2_operator *op, float value, c2_error *err) {
  c2_tensor *out = c2_op_output(op, 0);
  const int64_t dims[] = {3};
  c2_status st = c2_tensor_resize(out, C2_DTYPE_FLOAT, 1, dims, err);
  if (st) return st;
  float *data = c2_tensor_data(out);
  for (int i = 0; i < 3; i++) data[i] = value;
  return C2_OK;
}

static c2_status run_default(c2_operator *op, c2_error *err) {
  return fill_with(op, FILL_DEFAULT, err);
}
static c2_status run_fast(c2_operator *op, c2_error *err) { return fill_with(op, FILL_FAST, err); }
static c2_status run_slow(c2_operator *op, c2_error *err) { return fill_with(op, FILL_SLOW, err); }

static const c2_op_impl fill_default = {.device_type = C2_DEVICE_CPU, .run = run_default};
static const c2_op_impl fill_fast = {.device_type = C2_DEVICE_CPU, .engine = "FAST",
                                     .run = run_fast};
static const c2_op_impl fill_slow = {.device_type = C2_DEVICE_CPU, .engine = "SLOW",
                                     .run = run_slow};
/* Spellings of the default engine, and other devices, for the duplicate checks. */
static const c2_op_impl fill_default_named = {.device_type = C2_DEVICE_CPU, .engine = "DEFAULT",
                                              .run = run_default};
static const c2_op_impl fill_empty_engine = {.device_type = C2_DEVICE_CPU, .engine = "",
                                             .run = run_default};
static const c2_op_impl fill_fast_again = {.device_type = C2_DEVICE_CPU, .engine = "FAST",
                                           .run = run_slow};
static const c2_op_impl fill_cuda = {.device_type = C2_DEVICE_CUDA, .run = run_default};
static const c2_op_impl no_run = {.device_type = C2_DEVICE_CPU};

static const c2_schema fill_schema = {
    .type = "Fill", .min_inputs = 0, .max_inputs = 0, .min_outputs = 1, .max_outputs = 1};
static const c2_schema schema_only = {
    .type = "SchemaOnly", .min_inputs = 0, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1};

static c2_status no_grad_ops(c2_grad_ctx *g, c2_error *err) {
  (void)g;
  (void)err;
  return C2_OK;
}

/* Fill with default, FAST and SLOW engines; FastOnly with FAST alone; SchemaOnly. */
static c2_registry *make_registry(void) {
  c2_error err;
  c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_registry_add_schema(reg, &fill_schema, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Fill", &fill_default, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Fill", &fill_fast, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Fill", &fill_slow, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "FastOnly", &fill_fast, &err), &err);
  EXPECT_OK(c2_registry_add_schema(reg, &schema_only, &err), &err);
  return reg;
}

static c2_opdef *fill_def(const char *type, const char *engine, const char *out) {
  c2_error err;
  c2_opdef *def = NULL;
  const char *outs[] = {out};
  EXPECT_OK(c2_opdef_new(type, 0, NULL, 1, outs, &def, &err), &err);
  if (engine) EXPECT_OK(c2_opdef_set_engine(def, engine, &err), &err);
  return def;
}

/* The engine resolve picks for a Fill def with def.engine = engines (NULL: absent), checked
 * against the implementation it returns. */
static const char *chosen(const c2_registry *reg, const char *engines) {
  c2_error err;
  c2_opdef *def = fill_def("Fill", engines, "out");
  const c2_op_impl *impl = NULL;
  const char *engine = NULL;
  EXPECT_OK(c2_registry_resolve(reg, def, &impl, &engine, &err), &err);
  c2_opdef_free(def);
  ck_assert_ptr_nonnull(engine);
  const c2_op_impl *want = !*engine ? &fill_default
                           : strcmp(engine, "FAST") == 0 ? &fill_fast
                                                         : &fill_slow;
  ck_assert_msg(impl == want, "engine '%s' came with another implementation", engine);
  return engine;
}

#define EXPECT_ENGINE(reg, list, want) \
  ck_assert_msg(strcmp(chosen(reg, list), want) == 0, "engine list '%s': got '%s', want '%s'", \
                list ? list : "(absent)", chosen(reg, list), want)

/* ---- registration ---- */

START_TEST(test_duplicates_rejected) {
  c2_error err;
  c2_registry *reg = make_registry();
  EXPECT_STATUS(c2_registry_add_schema(reg, &fill_schema, &err), C2_ERR_EXISTS, &err,
                "a schema for op 'Fill' is already registered");
  /* the default engine has three spellings, all one key */
  EXPECT_STATUS(c2_registry_add_impl(reg, "Fill", &fill_default, &err), C2_ERR_EXISTS, &err,
                "op 'Fill' already has an implementation for device CPU, engine ''");
  EXPECT_STATUS(c2_registry_add_impl(reg, "Fill", &fill_default_named, &err), C2_ERR_EXISTS, &err,
                "engine ''");
  EXPECT_STATUS(c2_registry_add_impl(reg, "Fill", &fill_empty_engine, &err), C2_ERR_EXISTS, &err,
                NULL);
  EXPECT_STATUS(c2_registry_add_impl(reg, "Fill", &fill_fast_again, &err), C2_ERR_EXISTS, &err,
                "engine 'FAST'");
  /* the first registration stays */
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, "FAST"), &fill_fast);
  /* another device is another key */
  EXPECT_OK(c2_registry_add_impl(reg, "Fill", &fill_cuda, &err), &err);
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CUDA, NULL), &fill_cuda);

  EXPECT_OK(c2_registry_set_gradient(reg, "Fill", C2_GRADIENT_FN, no_grad_ops, &err), &err);
  EXPECT_STATUS(c2_registry_set_gradient(reg, "Fill", C2_GRADIENT_NONE, NULL, &err),
                C2_ERR_EXISTS, &err, "a gradient for op 'Fill' is already registered");
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "Fill"), C2_GRADIENT_FN);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_bad_registrations) {
  c2_error err;
  c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_STATUS(c2_registry_add_impl(reg, "Fill", &no_run, &err), C2_ERR_INVALID_ARGUMENT, &err,
                "implementation of 'Fill' has no run function");
  EXPECT_STATUS(c2_registry_add_impl(reg, "", &fill_default, &err), C2_ERR_INVALID_ARGUMENT,
                &err, "empty type");
  EXPECT_STATUS(c2_registry_add_impl(reg, NULL, &fill_default, &err), C2_ERR_INVALID_ARGUMENT,
                &err, "empty type");
  EXPECT_STATUS(c2_registry_set_gradient(reg, "G", C2_GRADIENT_FN, NULL, &err),
                C2_ERR_INVALID_ARGUMENT, &err, "C2_GRADIENT_FN only");
  EXPECT_STATUS(c2_registry_set_gradient(reg, "G", C2_GRADIENT_NONE, no_grad_ops, &err),
                C2_ERR_INVALID_ARGUMENT, &err, NULL);
  EXPECT_STATUS(c2_registry_set_gradient(reg, "G", C2_GRADIENT_UNSET, NULL, &err),
                C2_ERR_INVALID_ARGUMENT, &err, NULL);
  ck_assert(!c2_registry_has_type(reg, "Fill")); /* nothing half-registered */
  ck_assert(!c2_registry_has_type(reg, "G"));
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_find_impl) {
  c2_registry *reg = make_registry();
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, NULL), &fill_default);
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, ""), &fill_default);
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, "DEFAULT"), &fill_default);
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, "FAST"), &fill_fast);
  ck_assert_ptr_eq(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, "SLOW"), &fill_slow);
  ck_assert_ptr_null(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, "fast"));
  ck_assert_ptr_null(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CPU, "CUDNN"));
  ck_assert_ptr_null(c2_registry_find_impl(reg, "Fill", C2_DEVICE_CUDA, NULL));
  ck_assert_ptr_null(c2_registry_find_impl(reg, "FastOnly", C2_DEVICE_CPU, NULL));
  ck_assert_ptr_null(c2_registry_find_impl(reg, "SchemaOnly", C2_DEVICE_CPU, NULL));
  ck_assert_ptr_null(c2_registry_find_impl(reg, "Nope", C2_DEVICE_CPU, NULL));
  c2_registry_free(reg);
}
END_TEST

/* ---- engine choice ---- */

START_TEST(test_resolve_engine_list) {
  c2_registry *reg = make_registry();
  EXPECT_ENGINE(reg, NULL, "");
  EXPECT_ENGINE(reg, "", "");
  EXPECT_ENGINE(reg, "DEFAULT", "");
  EXPECT_ENGINE(reg, "FAST", "FAST");
  EXPECT_ENGINE(reg, "SLOW", "SLOW");
  /* tried in order; unknown ones are skipped */
  EXPECT_ENGINE(reg, "X,FAST", "FAST");
  EXPECT_ENGINE(reg, "X,Y,SLOW,FAST", "SLOW");
  EXPECT_ENGINE(reg, "FAST,SLOW", "FAST");
  EXPECT_ENGINE(reg, "SLOW,FAST", "SLOW");
  EXPECT_ENGINE(reg, "FAST,", "FAST");
  /* nothing known: the default engine, silently */
  EXPECT_ENGINE(reg, "X", "");
  EXPECT_ENGINE(reg, "X,Y", "");
  EXPECT_ENGINE(reg, "fast", "");
  /* OpRegistryKey(type, "DEFAULT") and OpRegistryKey(type, "") are the default op's key, so an
   * entry spelling the default engine wins from where it stands; Caffe2's split(',') keeps
   * the empty piece in front of a comma */
  EXPECT_ENGINE(reg, "DEFAULT,FAST", "");
  EXPECT_ENGINE(reg, "X,DEFAULT,FAST", "");
  EXPECT_ENGINE(reg, ",FAST", "");
  EXPECT_ENGINE(reg, "X,,FAST", "");
  c2_registry_free(reg);
}
END_TEST

/* Engine names are compared in place: a long one (once skipped by a 128-byte buffer) and a long
 * unknown piece before it both work. */
static const char long_engine[] =
    "AVERYLONGENGINENAME_AVERYLONGENGINENAME_AVERYLONGENGINENAME_AVERYLONGENGINENAME_"
    "AVERYLONGENGINENAME_AVERYLONGENGINENAME_AVERYLONGENGINENAME_AVERYLONGENGINENAME";
static const c2_op_impl fill_long = {.device_type = C2_DEVICE_CPU, .engine = long_engine,
                                     .run = run_slow};

START_TEST(test_resolve_long_engine_names) {
  c2_registry *reg = make_registry();
  c2_error err;
  ck_assert_uint_gt(strlen(long_engine), 128);
  EXPECT_OK(c2_registry_add_impl(reg, "Long", &fill_long, &err), &err);
  EXPECT_OK(c2_registry_add_impl(reg, "Long", &fill_default, &err), &err);
  char list[512];
  snprintf(list, sizeof list, "%sX,%s", long_engine, long_engine);
  c2_opdef *def = fill_def("Long", list, "out");
  const c2_op_impl *impl = NULL;
  const char *engine = NULL;
  EXPECT_OK(c2_registry_resolve(reg, def, &impl, &engine, &err), &err);
  ck_assert_ptr_eq(impl, &fill_long);
  ck_assert_str_eq(engine, long_engine);
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_resolve_preferences) {
  c2_error err;
  c2_registry *reg = make_registry();
  /* per-op preference: after the def's own list, before the default */
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, "Fill", "SLOW", &err), &err);
  EXPECT_ENGINE(reg, NULL, "SLOW");
  EXPECT_ENGINE(reg, "X", "SLOW");
  EXPECT_ENGINE(reg, "FAST", "FAST");
  EXPECT_ENGINE(reg, "X,FAST", "FAST");
  EXPECT_ENGINE(reg, "DEFAULT", "");
  /* global preference: after the per-op one */
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, NULL, "FAST", &err), &err);
  EXPECT_ENGINE(reg, NULL, "SLOW");
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, "Fill", "Z", &err), &err);
  EXPECT_ENGINE(reg, NULL, "FAST"); /* per-op list had nothing usable */
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, "Fill", "", &err), &err);
  EXPECT_ENGINE(reg, NULL, "FAST");
  EXPECT_ENGINE(reg, "SLOW", "SLOW");
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, NULL, "Z,SLOW,FAST", &err), &err);
  EXPECT_ENGINE(reg, NULL, "SLOW");
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, NULL, "", &err), &err);
  EXPECT_ENGINE(reg, NULL, "");
  /* preferences of another op type or another device do not apply */
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, "Other", "FAST", &err), &err);
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CUDA, "Fill", "SLOW", &err), &err);
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CUDA, NULL, "FAST", &err), &err);
  EXPECT_ENGINE(reg, NULL, "");
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_resolve_errors) {
  c2_error err;
  c2_registry *reg = make_registry();
  const c2_op_impl *impl = NULL;
  const char *engine = NULL;
  c2_opdef *def = fill_def("Fill", "FAST", "out");
  EXPECT_OK(c2_opdef_set_device(def, C2_DEVICE_CUDA, 0, &err), &err);
  EXPECT_STATUS(c2_registry_resolve(reg, def, &impl, &engine, &err), C2_ERR_UNSUPPORTED, &err,
                "device type 1 (CUDA) is not available");
  EXPECT_OK(c2_opdef_set_device(def, C2_DEVICE_HIP, 0, &err), &err);
  EXPECT_STATUS(c2_registry_resolve(reg, def, &impl, &engine, &err), C2_ERR_UNSUPPORTED, &err,
                "HIP");
  EXPECT_OK(c2_opdef_set_device(def, C2_DEVICE_CPU, 0, &err), &err);
  EXPECT_OK(c2_registry_resolve(reg, def, &impl, &engine, &err), &err);
  ck_assert_ptr_eq(impl, &fill_fast);
  c2_opdef_free(def);

  def = fill_def("Nope", NULL, "out");
  EXPECT_STATUS(c2_registry_resolve(reg, def, &impl, &engine, &err), C2_ERR_NOT_FOUND, &err,
                "no operator of type 'Nope' is registered");
  c2_opdef_free(def);
  def = fill_def("SchemaOnly", NULL, "out");
  EXPECT_STATUS(c2_registry_resolve(reg, def, &impl, &engine, &err), C2_ERR_NOT_FOUND, &err,
                "'SchemaOnly'");
  c2_opdef_free(def);
  /* only an engine implementation, and the def does not ask for it */
  def = fill_def("FastOnly", "X", "out");
  EXPECT_STATUS(c2_registry_resolve(reg, def, &impl, &engine, &err), C2_ERR_NOT_FOUND, &err,
                "op 'FastOnly' has no default implementation on CPU");
  EXPECT_OK(c2_opdef_set_engine(def, "X,FAST", &err), &err);
  EXPECT_OK(c2_registry_resolve(reg, def, &impl, &engine, &err), &err);
  ck_assert_str_eq(engine, "FAST");
  c2_opdef_free(def);
  def = fill_def("", NULL, "out");
  EXPECT_STATUS(c2_registry_resolve(reg, def, &impl, &engine, &err), C2_ERR_SCHEMA, &err,
                "operator has no type");
  c2_opdef_free(def);
  c2_registry_free(reg);
}
END_TEST

/* ---- queries ---- */

START_TEST(test_queries) {
  c2_error err;
  c2_registry *reg = make_registry();
  EXPECT_OK(c2_registry_set_gradient(reg, "GradOnly", C2_GRADIENT_NONE, NULL, &err), &err);
  ck_assert(c2_registry_can_run(reg, "Fill", C2_DEVICE_CPU));
  ck_assert(c2_registry_can_run(reg, "FastOnly", C2_DEVICE_CPU)); /* with some engine */
  ck_assert(!c2_registry_can_run(reg, "Fill", C2_DEVICE_CUDA));
  ck_assert(!c2_registry_can_run(reg, "SchemaOnly", C2_DEVICE_CPU));
  ck_assert(!c2_registry_can_run(reg, "Nope", C2_DEVICE_CPU));
  ck_assert(c2_registry_has_type(reg, "Fill"));
  ck_assert(c2_registry_has_type(reg, "SchemaOnly"));
  ck_assert(c2_registry_has_type(reg, "FastOnly"));
  ck_assert(c2_registry_has_type(reg, "GradOnly"));
  ck_assert(!c2_registry_has_type(reg, "fill"));
  ck_assert(!c2_registry_has_type(reg, NULL));
  ck_assert_ptr_eq(c2_registry_schema(reg, "Fill"), &fill_schema);
  ck_assert_ptr_null(c2_registry_schema(reg, "FastOnly"));
  ck_assert_ptr_null(c2_registry_schema(reg, "Nope"));
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "GradOnly"), C2_GRADIENT_NONE);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "Fill"), C2_GRADIENT_UNSET);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "Nope"), C2_GRADIENT_UNSET);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_gradient_kinds) {
  c2_error err;
  c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "A", C2_GRADIENT_FN, no_grad_ops, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "B", C2_GRADIENT_NONE, NULL, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "C", C2_GRADIENT_SHOULD_NOT_DO, NULL, &err), &err);
  EXPECT_OK(c2_registry_set_gradient(reg, "D", C2_GRADIENT_NOT_IMPLEMENTED, NULL, &err), &err);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "A"), C2_GRADIENT_FN);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "B"), C2_GRADIENT_NONE);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "C"), C2_GRADIENT_SHOULD_NOT_DO);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "D"), C2_GRADIENT_NOT_IMPLEMENTED);
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "E"), C2_GRADIENT_UNSET);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_types_sorted) {
  c2_error err;
  c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_new(&reg, &err), &err);
  const char **types = NULL;
  size_t n = 99;
  EXPECT_OK(c2_registry_types(reg, &types, &n, &err), &err);
  ck_assert_uint_eq(n, 0);
  c2_free(types);

  static const char *const sorted[] = {"Add", "Conv", "ConvGradient", "LRN", "LRNGradient",
                                       "Relu", "Sum", "ZeroGradient", "abs"};
  enum { N = sizeof sorted / sizeof *sorted };
  const char *order[N];
  memcpy(order, sorted, sizeof order);
  test_rng rng = test_rng_make(41);
  for (int i = N - 1; i > 0; i--) {
    int j = (int)test_rng_int(&rng, 0, i);
    const char *tmp = order[i];
    order[i] = order[j];
    order[j] = tmp;
  }
  for (int i = 0; i < N; i++) {
    /* registered in three different ways */
    if (i % 3 == 0) EXPECT_OK(c2_registry_add_impl(reg, order[i], &fill_default, &err), &err);
    else if (i % 3 == 1)
      EXPECT_OK(c2_registry_set_gradient(reg, order[i], C2_GRADIENT_NONE, NULL, &err), &err);
    else
      EXPECT_OK(c2_registry_add_impl(reg, order[i], &fill_fast, &err), &err);
  }
  EXPECT_OK(c2_registry_add_impl(reg, "Sum", &fill_slow, &err), &err); /* no new type */
  EXPECT_OK(c2_registry_types(reg, &types, &n, &err), &err);
  ck_assert_uint_eq(n, N);
  for (int i = 0; i < N; i++) ck_assert_str_eq(types[i], sorted[i]);
  c2_free(types);
  c2_registry_free(reg);
}
END_TEST

START_TEST(test_device_names) {
  ck_assert_str_eq(c2_device_name(C2_DEVICE_CPU), "CPU");
  ck_assert_str_eq(c2_device_name(C2_DEVICE_CUDA), "CUDA");
  ck_assert_str_eq(c2_device_name(C2_DEVICE_MKLDNN), "MKLDNN");
  ck_assert_str_eq(c2_device_name(C2_DEVICE_IDEEP), "IDEEP");
  ck_assert_str_eq(c2_device_name(C2_DEVICE_HIP), "HIP");
  ck_assert_str_eq(c2_device_name(11), "unknown");
  ck_assert_str_eq(c2_device_name(-1), "unknown");
}
END_TEST

/* ---- end to end ---- */

static void expect_filled(c2_workspace *ws, const char *blob, float value) {
  c2_tensor *t = c2_workspace_get_blob(ws, blob);
  ck_assert_msg(t != NULL, "no blob '%s'", blob);
  ck_assert_int_eq(c2_tensor_numel(t), 3);
  const float *d = c2_tensor_data_const(t);
  for (int i = 0; i < 3; i++)
    ck_assert_msg(d[i] == value, "%s[%d] = %g, want %g", blob, i, (double)d[i], (double)value);
}

START_TEST(test_net_runs_chosen_engine) {
  c2_error err;
  c2_registry *reg = make_registry();
  EXPECT_OK(c2_registry_set_engine_pref(reg, C2_DEVICE_CPU, "Fill", "SLOW", &err), &err);
  c2_workspace *ws = NULL;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  c2_netdef *net_def = NULL;
  EXPECT_OK(c2_netdef_new("engines", &net_def, &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net_def, fill_def("Fill", "X,FAST", "a"), &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net_def, fill_def("Fill", "DEFAULT", "b"), &err), &err);
  EXPECT_OK(c2_netdef_add_op_take(net_def, fill_def("Fill", NULL, "c"), &err), &err);
  c2_net *net = NULL;
  EXPECT_OK(c2_net_new(ws, net_def, reg, &net, &err), &err);
  ck_assert_uint_eq(c2_net_num_ops(net), 3);
  ck_assert_str_eq(c2_op_engine(c2_net_op(net, 0)), "FAST");
  ck_assert_str_eq(c2_op_engine(c2_net_op(net, 1)), "");
  ck_assert_str_eq(c2_op_engine(c2_net_op(net, 2)), "SLOW");
  ck_assert_int_eq(c2_op_index(c2_net_op(net, 2)), 2);
  ck_assert_str_eq(c2_opdef_engine(c2_op_def(c2_net_op(net, 0))), "X,FAST"); /* def kept */
  EXPECT_OK(c2_net_run(net, &err), &err);
  expect_filled(ws, "a", FILL_FAST);
  expect_filled(ws, "b", FILL_DEFAULT);
  expect_filled(ws, "c", FILL_SLOW);
  c2_net_free(net);

  /* one op at a time, same rules */
  c2_opdef *op = fill_def("Fill", "Q,FAST", "d");
  EXPECT_OK(c2_run_operator_once(ws, op, reg, &err), &err);
  expect_filled(ws, "d", FILL_FAST);
  EXPECT_OK(c2_opdef_set_device(op, C2_DEVICE_CUDA, 0, &err), &err);
  EXPECT_STATUS(c2_run_operator_once(ws, op, reg, &err), C2_ERR_UNSUPPORTED, &err,
                "op #0 (Fill): device type 1 (CUDA)");
  c2_opdef_free(op);
  c2_netdef_free(net_def);
  c2_workspace_free(ws);
  c2_registry_free(reg);
}
END_TEST

/* ---- the default registry ---- */

START_TEST(test_default_registry) {
  c2_error err;
  const c2_registry *reg = NULL, *again = NULL;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  EXPECT_OK(c2_registry_default(&again, &err), &err);
  ck_assert_ptr_nonnull(reg);
  ck_assert_ptr_eq(reg, again);
  ck_assert(c2_registry_has_type(reg, "LRN"));
  ck_assert(c2_registry_has_type(reg, "LRNGradient"));
  ck_assert(c2_registry_can_run(reg, "LRN", C2_DEVICE_CPU));
  ck_assert(c2_registry_can_run(reg, "LRNGradient", C2_DEVICE_CPU));
  ck_assert(!c2_registry_can_run(reg, "LRN", C2_DEVICE_CUDA));
  ck_assert_ptr_nonnull(c2_registry_find_impl(reg, "LRN", C2_DEVICE_CPU, NULL));
  ck_assert_str_eq(c2_registry_schema(reg, "LRNGradient")->type, "LRNGradient");
  ck_assert_int_eq(c2_registry_gradient_kind(reg, "LRN"), C2_GRADIENT_FN);
  const char **types = NULL;
  size_t n = 0;
  EXPECT_OK(c2_registry_types(reg, &types, &n, &err), &err);
  bool lrn = false, lrn_grad = false;
  for (size_t i = 0; i < n; i++) {
    if (i) ck_assert_msg(strcmp(types[i - 1], types[i]) < 0, "types not sorted");
    lrn |= strcmp(types[i], "LRN") == 0;
    lrn_grad |= strcmp(types[i], "LRNGradient") == 0;
  }
  ck_assert(lrn && lrn_grad);
  c2_free(types);

  /* the same ops into a registry of one's own, once */
  c2_registry *own = NULL;
  EXPECT_OK(c2_registry_new(&own, &err), &err);
  EXPECT_OK(c2_register_builtin_ops(own, &err), &err);
  ck_assert(c2_registry_has_type(own, "LRN"));
  ck_assert_ptr_eq(c2_registry_schema(own, "LRN"), c2_registry_schema(reg, "LRN"));
  EXPECT_STATUS(c2_register_builtin_ops(own, &err), C2_ERR_EXISTS, &err, "'LRN'");
  c2_registry_free(own);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("registry");
  TCase *tc = tcase_create("register");
  tcase_add_test(tc, test_duplicates_rejected);
  tcase_add_test(tc, test_bad_registrations);
  tcase_add_test(tc, test_find_impl);
  suite_add_tcase(s, tc);

  tc = tcase_create("resolve");
  tcase_add_test(tc, test_resolve_engine_list);
  tcase_add_test(tc, test_resolve_long_engine_names);
  tcase_add_test(tc, test_resolve_preferences);
  tcase_add_test(tc, test_resolve_errors);
  suite_add_tcase(s, tc);

  tc = tcase_create("queries");
  tcase_add_test(tc, test_queries);
  tcase_add_test(tc, test_gradient_kinds);
  tcase_add_test(tc, test_types_sorted);
  tcase_add_test(tc, test_device_names);
  suite_add_tcase(s, tc);

  tc = tcase_create("end_to_end");
  tcase_add_test(tc, test_net_runs_chosen_engine);
  tcase_add_test(tc, test_default_registry);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
