/* Schemas: Caffe2's OpSchema::Verify rules (arity, in-place, required arguments) plus c2rt's
 * argument type check, shape and cost inference, ONNX names; then the real LRN schema. */
#include <stdio.h>

#include "test_util.h"

/* ---- helpers ---- */

/* A def of `type` with the given input and output names. */
static c2_opdef *def_io(const char *type, size_t n_in, const char *const *in, size_t n_out,
                        const char *const *out) {
  c2_error err;
  c2_opdef *def = NULL;
  EXPECT_OK(c2_opdef_new(type, n_in, in, n_out, out, &def, &err), &err);
  return def;
}

/* A def with n_in inputs "i0".. and n_out outputs "o0".. (no sharing). */
static c2_opdef *def_n(const char *type, int n_in, int n_out) {
  c2_error err;
  c2_opdef *def = def_io(type, 0, NULL, 0, NULL);
  char name[16];
  for (int i = 0; i < n_in; i++) {
    snprintf(name, sizeof name, "i%d", i);
    EXPECT_OK(c2_opdef_add_input(def, name, &err), &err);
  }
  for (int i = 0; i < n_out; i++) {
    snprintf(name, sizeof name, "o%d", i);
    EXPECT_OK(c2_opdef_add_output(def, name, &err), &err);
  }
  return def;
}

/* Verifies a def made by def_n and frees it; checks status and message fragment. */
static void expect_arity(const c2_schema *s, int n_in, int n_out, c2_status want,
                         const char *fragment) {
  c2_error err;
  c2_opdef *def = def_n(s->type, n_in, n_out);
  c2_error_clear(&err);
  c2_status got = c2_schema_verify(s, def, &err);
  c2_opdef_free(def);
  ck_assert_msg(got == want, "%s with %d in / %d out: expected %s, got %s (%s)", s->type, n_in,
                n_out, c2_status_name(want), c2_status_name(got), err.message);
  if (fragment)
    ck_assert_msg(strstr(err.message, fragment) != NULL, "'%s' does not contain '%s'",
                  err.message, fragment);
}

static void expect_io(const c2_schema *s, size_t n_in, const char *const *in, size_t n_out,
                      const char *const *out, c2_status want, const char *fragment) {
  c2_error err;
  c2_opdef *def = def_io(s->type, n_in, in, n_out, out);
  EXPECT_STATUS(c2_schema_verify(s, def, &err), want, &err, fragment);
  c2_opdef_free(def);
}

/* ---- arity ---- */

static const c2_schema exact_schema = {
    .type = "Exact", .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1};
static const c2_schema range_schema = {
    .type = "Range", .min_inputs = 0, .max_inputs = C2_UNBOUNDED, .min_outputs = 1,
    .max_outputs = 3};
static const c2_schema at_least_schema = {
    .type = "AtLeast", .min_inputs = 2, .max_inputs = C2_UNBOUNDED, .min_outputs = 0,
    .max_outputs = C2_UNBOUNDED};

START_TEST(test_counts_exact) {
  expect_arity(&exact_schema, 2, 1, C2_OK, NULL);
  expect_arity(&exact_schema, 1, 1, C2_ERR_SCHEMA, "has 1 inputs, expected 2");
  expect_arity(&exact_schema, 3, 1, C2_ERR_SCHEMA, "has 3 inputs, expected 2");
  expect_arity(&exact_schema, 2, 0, C2_ERR_SCHEMA, "has 0 outputs, expected 1");
  expect_arity(&exact_schema, 2, 2, C2_ERR_SCHEMA, "has 2 outputs, expected 1");
}
END_TEST

START_TEST(test_counts_range_and_unbounded) {
  for (int n = 1; n <= 3; n++) expect_arity(&range_schema, 0, n, C2_OK, NULL);
  expect_arity(&range_schema, 0, 0, C2_ERR_SCHEMA, "has 0 outputs, expected 1 to 3");
  expect_arity(&range_schema, 0, 4, C2_ERR_SCHEMA, "has 4 outputs, expected 1 to 3");
  expect_arity(&range_schema, 100, 1, C2_OK, NULL);
  expect_arity(&at_least_schema, 1, 0, C2_ERR_SCHEMA, "has 1 inputs, expected at least 2");
  expect_arity(&at_least_schema, 0, 5, C2_ERR_SCHEMA, "expected at least 2");
  expect_arity(&at_least_schema, 2, 0, C2_OK, NULL);
  expect_arity(&at_least_schema, 250, 250, C2_OK, NULL);
}
END_TEST

static bool same_count(int n_in, int n_out) { return n_in == n_out; }
static int twice(int n_in) { return n_in == 0 ? -1 : 2 * n_in; }

static const c2_schema combo_schema = {
    .type = "Combo", .min_inputs = 1, .max_inputs = 4, .min_outputs = 1, .max_outputs = 4,
    .inputs_outputs_ok = same_count};
static const c2_schema calc_schema = {
    .type = "Calc", .min_inputs = 0, .max_inputs = C2_UNBOUNDED, .min_outputs = 0,
    .max_outputs = C2_UNBOUNDED, .output_count = twice};

START_TEST(test_arity_callbacks) {
  expect_arity(&combo_schema, 2, 2, C2_OK, NULL);
  expect_arity(&combo_schema, 3, 3, C2_OK, NULL);
  expect_arity(&combo_schema, 2, 1, C2_ERR_SCHEMA,
               "2 inputs with 1 outputs is not a valid combination");
  /* the ranges are checked before the callback */
  expect_arity(&combo_schema, 5, 5, C2_ERR_SCHEMA, "has 5 inputs, expected 1 to 4");
  expect_arity(&calc_schema, 2, 4, C2_OK, NULL);
  expect_arity(&calc_schema, 2, 3, C2_ERR_SCHEMA, "has 3 outputs, expected 4 for 2 inputs");
  expect_arity(&calc_schema, 3, 5, C2_ERR_SCHEMA, "expected 6 for 3 inputs");
  /* -1 (kCannotComputeNumOutputs): any count */
  expect_arity(&calc_schema, 0, 0, C2_OK, NULL);
  expect_arity(&calc_schema, 0, 7, C2_OK, NULL);
}
END_TEST

/* ---- in-place ---- */

static const c2_io_pair pair00[] = {{0, 0}};
static const c2_io_pair pair10[] = {{1, 0}};
static const c2_schema no_inplace = {
    .type = "NoInplace", .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 2};
static const c2_schema allow00 = {
    .type = "Allow00", .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 2,
    .allow_inplace = pair00, .n_allow_inplace = 1};
static const c2_schema allow_1to1 = {
    .type = "Allow1to1", .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 2,
    .allow_one_to_one_inplace = true};
static const c2_schema enforce10 = {
    .type = "Enforce10", .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .enforce_inplace = pair10, .n_enforce_inplace = 1};
static const c2_schema enforce_1to1 = {
    .type = "Enforce1to1", .min_inputs = 1, .max_inputs = 2, .min_outputs = 1, .max_outputs = 2,
    .enforce_one_to_one_inplace = true};

/* Blob name lists for the in-place cases. */
static const char *const X[] = {"X"};
static const char *const Y[] = {"Y"};
static const char *const A[] = {"A"};
static const char *const B[] = {"B"};
static const char *const C[] = {"C"};
static const char *const AB[] = {"A", "B"};
static const char *const BA[] = {"B", "A"};
static const char *const AC[] = {"A", "C"};
static const char *const CA[] = {"C", "A"};

START_TEST(test_inplace_forbidden_by_default) {
  expect_io(&no_inplace, 1, X, 1, Y, C2_OK, NULL);
  expect_io(&no_inplace, 1, X, 1, X, C2_ERR_SCHEMA,
            "input 0 and output 0 are both 'X', but NoInplace cannot run in place on that pair");
  expect_io(&no_inplace, 2, AB, 1, B, C2_ERR_SCHEMA, "input 1 and output 0 are both 'B'");
}
END_TEST

START_TEST(test_inplace_allow) {
  expect_io(&allow00, 1, X, 1, X, C2_OK, NULL);
  expect_io(&allow00, 2, AB, 1, C, C2_OK, NULL); /* allowed, not required */
  expect_io(&allow00, 2, AB, 1, A, C2_OK, NULL);
  expect_io(&allow00, 2, AB, 1, B, C2_ERR_SCHEMA, "input 1 and output 0");
  expect_io(&allow00, 2, AB, 2, CA, C2_ERR_SCHEMA, "input 0 and output 1");
  expect_io(&allow_1to1, 2, AB, 2, AB, C2_OK, NULL);
  expect_io(&allow_1to1, 2, AB, 2, AC, C2_OK, NULL);
  expect_io(&allow_1to1, 2, AB, 2, BA, C2_ERR_SCHEMA, "input 0 and output 1 are both 'A'");
}
END_TEST

START_TEST(test_inplace_enforce) {
  /* a listed pair must share its name; any other sharing is still forbidden */
  expect_io(&enforce10, 2, AB, 1, B, C2_OK, NULL);
  expect_io(&enforce10, 2, AB, 1, C, C2_ERR_SCHEMA,
            "output 0 ('C') must be the same blob as input 1 ('B'): Enforce10 runs in place");
  expect_io(&enforce10, 2, AB, 1, A, C2_ERR_SCHEMA, "input 0 and output 0 are both 'A'");
  expect_io(&enforce_1to1, 2, AB, 2, AB, C2_OK, NULL);
  expect_io(&enforce_1to1, 1, X, 1, X, C2_OK, NULL);
  expect_io(&enforce_1to1, 2, AB, 1, A, C2_OK, NULL); /* input 1 has no output partner */
  expect_io(&enforce_1to1, 2, AB, 2, AC, C2_ERR_SCHEMA,
            "output 1 ('C') must be the same blob as input 1 ('B')");
  expect_io(&enforce_1to1, 1, X, 1, Y, C2_ERR_SCHEMA, "output 0 ('Y') must be the same blob");
}
END_TEST

START_TEST(test_duplicate_outputs) {
  static const char *const YY[] = {"Y", "Y"};
  expect_io(&no_inplace, 1, X, 2, YY, C2_ERR_SCHEMA, "outputs 0 and 1 are both named 'Y'");
  expect_io(&allow_1to1, 1, X, 2, YY, C2_ERR_SCHEMA, "outputs 0 and 1 are both named 'Y'");
}
END_TEST

/* ---- arguments ---- */

static const c2_arg_spec test_args[] = {
    {.name = "size", .type = C2_ARG_INT, .required = true},
    {.name = "alpha", .type = C2_ARG_FLOAT, .required = true},
    {.name = "order", .type = C2_ARG_STRING, .has_default = true, .default_string = "NCHW"},
    {.name = "pads", .type = C2_ARG_INTS},
    {.name = "scales", .type = C2_ARG_FLOATS},
};
static const c2_onnx_attr test_onnx[] = {{"alpha", "alpha"}, {"pads", "pads_onnx"}};
static const c2_schema args_schema = {
    .type = "Args", .min_inputs = 0, .max_inputs = C2_UNBOUNDED, .min_outputs = 0,
    .max_outputs = C2_UNBOUNDED, .args = test_args, .n_args = 5, .onnx_name = "ArgsOnnx",
    .onnx_attrs = test_onnx, .n_onnx_attrs = 2};

static c2_opdef *args_def(bool size, bool alpha) {
  c2_error err;
  c2_opdef *def = def_n("Args", 1, 1);
  if (size) EXPECT_OK(c2_opdef_add_arg_int(def, "size", 5, &err), &err);
  if (alpha) EXPECT_OK(c2_opdef_add_arg_float(def, "alpha", 1e-4f, &err), &err);
  return def;
}

START_TEST(test_required_arguments) {
  c2_error err;
  c2_opdef *def = args_def(false, true);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_SCHEMA, &err,
                "missing required argument 'size' (an int)");
  c2_opdef_free(def);
  def = args_def(true, false);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_SCHEMA, &err,
                "missing required argument 'alpha' (a float)");
  c2_opdef_free(def);
  def = args_def(true, true);
  EXPECT_OK(c2_schema_verify(&args_schema, def, &err), &err);
  /* undeclared arguments are not checked (Caffe2 neither) */
  EXPECT_OK(c2_opdef_add_arg_string(def, "unknown", "x", &err), &err);
  EXPECT_OK(c2_schema_verify(&args_schema, def, &err), &err);
  c2_opdef_free(def);
}
END_TEST

START_TEST(test_argument_types) {
  c2_error err;
  const int64_t ints[] = {1, 2};
  const float floats[] = {1.0f};
  /* each case: start from a valid def, add one bad argument */
  c2_opdef *def = args_def(false, true);
  EXPECT_OK(c2_opdef_add_arg_float(def, "size", 5.0f, &err), &err);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_TYPE, &err,
                "argument 'size' must be an int (field i), but it is stored as a float (field f)");
  c2_opdef_free(def);

  def = args_def(true, false);
  EXPECT_OK(c2_opdef_add_arg_int(def, "alpha", 1, &err), &err);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_TYPE, &err,
                "argument 'alpha' must be a float (field f), but it is stored as an int (field i)");
  c2_opdef_free(def);

  def = args_def(true, true);
  EXPECT_OK(c2_opdef_add_arg_ints(def, "order", ints, 2, &err), &err);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_TYPE, &err,
                "must be a string (field s), but it is stored as a list of ints (field ints)");
  c2_opdef_free(def);

  def = args_def(true, true);
  EXPECT_OK(c2_opdef_add_arg_floats(def, "pads", floats, 1, &err), &err);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_TYPE, &err,
                "must be a list of ints (field ints), but it is stored as a list of floats");
  c2_opdef_free(def);

  /* an argument with no value: fine for a list, an error for a scalar */
  def = args_def(true, true);
  EXPECT_OK(c2_opdef_add_arg_ints(def, "pads", NULL, 0, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(def, "scales", NULL, 0, &err), &err);
  EXPECT_OK(c2_schema_verify(&args_schema, def, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_ints(def, "order", NULL, 0, &err), &err);
  EXPECT_STATUS(c2_schema_verify(&args_schema, def, &err), C2_ERR_TYPE, &err,
                "argument 'order' has no value; expected a string (field s)");
  c2_opdef_free(def);

  def = args_def(true, true);
  EXPECT_OK(c2_opdef_add_arg_ints(def, "pads", ints, 2, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_floats(def, "scales", floats, 1, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_string(def, "order", "NHWC", &err), &err);
  EXPECT_OK(c2_schema_verify(&args_schema, def, &err), &err);
  c2_opdef_free(def);
}
END_TEST

START_TEST(test_find_arg_and_fields) {
  ck_assert_ptr_eq(c2_schema_find_arg(&args_schema, "alpha"), &test_args[1]);
  ck_assert_ptr_eq(c2_schema_find_arg(&args_schema, "scales"), &test_args[4]);
  ck_assert_ptr_null(c2_schema_find_arg(&args_schema, "beta"));
  ck_assert_ptr_null(c2_schema_find_arg(&exact_schema, "alpha"));
  static const struct {
    c2_arg_type type;
    const char *field;
  } fields[] = {{C2_ARG_INT, "i"},         {C2_ARG_FLOAT, "f"},   {C2_ARG_STRING, "s"},
                {C2_ARG_INTS, "ints"},     {C2_ARG_FLOATS, "floats"},
                {C2_ARG_STRINGS, "strings"}, {C2_ARG_NET, "n"},   {C2_ARG_NETS, "nets"},
                {C2_ARG_TENSOR, "t"},      {C2_ARG_TENSORS, "tensors"}};
  for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
    ck_assert_str_eq(c2_arg_type_field(fields[i].type), fields[i].field);
}
END_TEST

START_TEST(test_onnx_attr) {
  ck_assert_str_eq(c2_schema_onnx_attr(&args_schema, "alpha"), "alpha");
  ck_assert_str_eq(c2_schema_onnx_attr(&args_schema, "pads"), "pads_onnx");
  ck_assert_ptr_null(c2_schema_onnx_attr(&args_schema, "size"));
  ck_assert_ptr_null(c2_schema_onnx_attr(&exact_schema, "alpha"));
}
END_TEST

/* ---- inference ---- */

static c2_status double_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                             c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 1) return C2_OK;
  cost->flops = 2 * c2_shape_numel(&in[0]);
  cost->bytes_read = c2_shape_nbytes(&in[0]);
  cost->bytes_written = c2_shape_nbytes(&in[0]);
  cost->params_bytes = 7;
  return C2_OK;
}

static const c2_schema like_schema = {
    .type = "Like", .min_inputs = 0, .max_inputs = 2, .min_outputs = 1, .max_outputs = 2,
    .infer_shape = c2_shape_like_input0, .infer_cost = double_cost};

static c2_shape shape_of(c2_dtype dtype, int ndim, const int64_t *dims) {
  c2_shape s;
  memset(&s, 0, sizeof s);
  s.dtype = dtype;
  s.ndim = ndim;
  for (int i = 0; i < ndim; i++) s.dims[i] = dims[i];
  return s;
}

START_TEST(test_infer_shapes) {
  c2_error err;
  c2_opdef *def = def_n("Like", 1, 2);
  const int64_t d[] = {2, 3, 4};
  c2_shape in = shape_of(C2_DTYPE_FLOAT, 3, d), out[2];
  /* no inference function: every output unknown, whatever was in the array */
  memset(out, 0x5a, sizeof out);
  EXPECT_OK(c2_schema_infer_shapes(&exact_schema, def, 1, &in, 2, out, &err), &err);
  for (int i = 0; i < 2; i++) {
    ck_assert(out[i].unknown);
    ck_assert_int_eq(out[i].ndim, 0);
    ck_assert_uint_eq(c2_shape_numel(&out[i]), 0);
  }
  /* IdenticalTypeAndShapeOfInput(0) */
  memset(out, 0x5a, sizeof out);
  EXPECT_OK(c2_schema_infer_shapes(&like_schema, def, 1, &in, 2, out, &err), &err);
  for (int i = 0; i < 2; i++) {
    ck_assert(!out[i].unknown);
    ck_assert_int_eq(out[i].dtype, C2_DTYPE_FLOAT);
    ck_assert_int_eq(out[i].ndim, 3);
    for (int k = 0; k < 3; k++) ck_assert_int_eq(out[i].dims[k], d[k]);
  }
  /* no input to copy: outputs stay unknown */
  memset(out, 0x5a, sizeof out);
  EXPECT_OK(c2_schema_infer_shapes(&like_schema, def, 0, NULL, 2, out, &err), &err);
  ck_assert(out[0].unknown && out[1].unknown);
  c2_opdef_free(def);
}
END_TEST

START_TEST(test_infer_cost) {
  c2_error err;
  c2_opdef *def = def_n("Like", 1, 1);
  const int64_t d[] = {2, 5};
  c2_shape in = shape_of(C2_DTYPE_DOUBLE, 2, d);
  c2_cost cost;
  memset(&cost, 0xff, sizeof cost);
  EXPECT_STATUS(c2_schema_infer_cost(&exact_schema, def, 1, &in, &cost, &err),
                C2_ERR_UNSUPPORTED, &err, "Exact has no cost inference function");
  ck_assert_uint_eq(cost.flops, 0);
  ck_assert_uint_eq(cost.bytes_read, 0);
  ck_assert_uint_eq(cost.bytes_written, 0);
  ck_assert_uint_eq(cost.params_bytes, 0);
  EXPECT_OK(c2_schema_infer_cost(&like_schema, def, 1, &in, &cost, &err), &err);
  ck_assert_uint_eq(cost.flops, 20);
  ck_assert_uint_eq(cost.bytes_read, 80);
  ck_assert_uint_eq(cost.bytes_written, 80);
  ck_assert_uint_eq(cost.params_bytes, 7);
  c2_opdef_free(def);
}
END_TEST

START_TEST(test_shape_numel_nbytes) {
  const int64_t d[] = {2, 3, 4}, z[] = {2, 0, 4}, neg[] = {2, -1};
  c2_shape s = shape_of(C2_DTYPE_FLOAT, 3, d);
  ck_assert_uint_eq(c2_shape_numel(&s), 24);
  ck_assert_uint_eq(c2_shape_nbytes(&s), 96);
  s.dtype = C2_DTYPE_INT16;
  ck_assert_uint_eq(c2_shape_nbytes(&s), 48);
  s.dtype = C2_DTYPE_UNDEFINED;
  ck_assert_uint_eq(c2_shape_numel(&s), 24);
  ck_assert_uint_eq(c2_shape_nbytes(&s), 0);
  s = shape_of(C2_DTYPE_DOUBLE, 0, NULL); /* scalar */
  ck_assert_uint_eq(c2_shape_numel(&s), 1);
  ck_assert_uint_eq(c2_shape_nbytes(&s), 8);
  s = shape_of(C2_DTYPE_FLOAT, 3, z);
  ck_assert_uint_eq(c2_shape_numel(&s), 0);
  s = shape_of(C2_DTYPE_FLOAT, 2, neg);
  ck_assert_uint_eq(c2_shape_numel(&s), 0);
  s = shape_of(C2_DTYPE_FLOAT, 3, d);
  s.unknown = true;
  ck_assert_uint_eq(c2_shape_numel(&s), 0);
  ck_assert_uint_eq(c2_shape_nbytes(&s), 0);
  /* huge shapes saturate instead of wrapping around */
  const int64_t huge[] = {INT64_MAX, INT64_MAX, 3}, big[] = {INT64_MAX / 2};
  s = shape_of(C2_DTYPE_FLOAT, 3, huge);
  ck_assert(c2_shape_numel(&s) == UINT64_MAX);
  ck_assert(c2_shape_nbytes(&s) == UINT64_MAX);
  s = shape_of(C2_DTYPE_DOUBLE, 1, big);
  ck_assert(c2_shape_numel(&s) == (uint64_t)(INT64_MAX / 2));
  ck_assert(c2_shape_nbytes(&s) == UINT64_MAX);
}
END_TEST

/* ---- the real LRN schema ---- */

static const c2_schema *lrn_schema(void) {
  c2_error err;
  const c2_registry *reg = NULL;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  const c2_schema *s = c2_registry_schema(reg, "LRN");
  ck_assert_ptr_nonnull(s);
  return s;
}

static c2_opdef *lrn_def(int n_out) {
  c2_error err;
  static const char *const outs[] = {"Y", "Y_scale"};
  c2_opdef *def = def_io("LRN", 1, X, (size_t)n_out, outs);
  EXPECT_OK(c2_opdef_add_arg_int(def, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "alpha", 1e-4f, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_float(def, "beta", 0.75f, &err), &err);
  return def;
}

START_TEST(test_lrn_schema) {
  c2_error err;
  const c2_schema *s = lrn_schema();
  ck_assert_str_eq(s->type, "LRN");
  ck_assert_int_eq(s->min_inputs, 1);
  ck_assert_int_eq(s->max_inputs, 1);
  ck_assert_int_eq(s->min_outputs, 1);
  ck_assert_int_eq(s->max_outputs, 2);
  ck_assert_str_eq(s->onnx_name, "LRN");
  ck_assert_str_eq(c2_schema_onnx_attr(s, "alpha"), "alpha");
  ck_assert_ptr_null(c2_schema_onnx_attr(s, "order"));
  const c2_arg_spec *size = c2_schema_find_arg(s, "size");
  ck_assert_ptr_nonnull(size);
  ck_assert_int_eq(size->type, C2_ARG_INT);
  ck_assert(size->required);
  ck_assert_int_eq(c2_schema_find_arg(s, "alpha")->type, C2_ARG_FLOAT);

  for (int n_out = 1; n_out <= 2; n_out++) {
    c2_opdef *def = lrn_def(n_out);
    EXPECT_OK(c2_schema_verify(s, def, &err), &err);
    c2_opdef_free(def);
  }
  expect_io(s, 1, X, 1, X, C2_ERR_SCHEMA, "cannot run in place"); /* no in-place */
  expect_io(s, 1, X, 1, Y, C2_ERR_SCHEMA, "missing required argument 'size'");
  c2_opdef *def = def_n("LRN", 1, 3);
  EXPECT_STATUS(c2_schema_verify(s, def, &err), C2_ERR_SCHEMA, &err, "expected 1 to 2");
  c2_opdef_free(def);
  def = def_io("LRN", 1, X, 1, Y);
  EXPECT_OK(c2_opdef_add_arg_int(def, "size", 5, &err), &err);
  EXPECT_OK(c2_opdef_add_arg_int(def, "alpha", 1, &err), &err); /* "alpha: i 1" */
  EXPECT_OK(c2_opdef_add_arg_float(def, "beta", 0.75f, &err), &err);
  EXPECT_STATUS(c2_schema_verify(s, def, &err), C2_ERR_TYPE, &err,
                "argument 'alpha' must be a float (field f), but it is stored as an int (field i)");
  c2_opdef_free(def);
}
END_TEST

START_TEST(test_lrn_shape_and_cost) {
  c2_error err;
  const c2_schema *s = lrn_schema();
  const int64_t d[] = {2, 3, 4, 5};
  c2_shape in = shape_of(C2_DTYPE_FLOAT, 4, d), out[2];
  c2_cost cost;
  c2_opdef *one = lrn_def(1), *two = lrn_def(2);
  EXPECT_OK(c2_schema_infer_cost(s, one, 1, &in, &cost, &err), &err);
  ck_assert_uint_eq(cost.bytes_read, 480);
  ck_assert_uint_eq(cost.bytes_written, 480);
  ck_assert_uint_eq(cost.flops, 120 * (5 + 4));
  ck_assert_uint_eq(cost.params_bytes, 0);
  EXPECT_OK(c2_schema_infer_cost(s, two, 1, &in, &cost, &err), &err);
  ck_assert_uint_eq(cost.bytes_read, 480);
  ck_assert_uint_eq(cost.bytes_written, 960);

  EXPECT_OK(c2_schema_infer_shapes(s, two, 1, &in, 2, out, &err), &err);
  for (int i = 0; i < 2; i++) {
    ck_assert(!out[i].unknown);
    ck_assert_int_eq(out[i].dtype, C2_DTYPE_FLOAT);
    ck_assert_int_eq(out[i].ndim, 4);
    ck_assert_int_eq(out[i].dims[3], 5);
  }
  c2_shape rank3 = shape_of(C2_DTYPE_FLOAT, 3, d);
  EXPECT_STATUS(c2_schema_infer_shapes(s, one, 1, &rank3, 1, out, &err), C2_ERR_SHAPE, &err,
                "4-D");
  c2_opdef_free(one);
  c2_opdef_free(two);
}
END_TEST

static Suite *make_suite(void) {
  Suite *s = suite_create("schema");
  TCase *tc = tcase_create("arity");
  tcase_add_test(tc, test_counts_exact);
  tcase_add_test(tc, test_counts_range_and_unbounded);
  tcase_add_test(tc, test_arity_callbacks);
  suite_add_tcase(s, tc);

  tc = tcase_create("inplace");
  tcase_add_test(tc, test_inplace_forbidden_by_default);
  tcase_add_test(tc, test_inplace_allow);
  tcase_add_test(tc, test_inplace_enforce);
  tcase_add_test(tc, test_duplicate_outputs);
  suite_add_tcase(s, tc);

  tc = tcase_create("arguments");
  tcase_add_test(tc, test_required_arguments);
  tcase_add_test(tc, test_argument_types);
  tcase_add_test(tc, test_find_arg_and_fields);
  tcase_add_test(tc, test_onnx_attr);
  suite_add_tcase(s, tc);

  tc = tcase_create("inference");
  tcase_add_test(tc, test_infer_shapes);
  tcase_add_test(tc, test_infer_cost);
  tcase_add_test(tc, test_shape_numel_nbytes);
  suite_add_tcase(s, tc);

  tc = tcase_create("lrn");
  tcase_add_test(tc, test_lrn_schema);
  tcase_add_test(tc, test_lrn_shape_and_cost);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return test_run_suite(make_suite()); }
