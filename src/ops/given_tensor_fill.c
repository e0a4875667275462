/* GivenTensorFill, GivenTensorDoubleFill, GivenTensorBoolFill, GivenTensorInt16Fill,
 * GivenTensorIntFill, GivenTensorInt64Fill (Caffe2 given_tensor_fill_op + FillerOp): the output
 * takes `shape` (or the input's shape + extra_shape, or the input's values with input_as_shape)
 * and is filled with `values`. Caffe2 only DCHECKs that the counts match and then copies numel
 * values whatever `values` holds; here a mismatch is an error. */
#include <string.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "given_tensor_fill.h"
#include "op_util.h"
#include "ops.h"

typedef struct fill_kind {
  const char *type;
  c2_dtype dtype;
  bool floats; /* values from field floats (else ints) */
} fill_kind;

static const fill_kind kinds[] = {
    {"GivenTensorFill", C2_DTYPE_FLOAT, true},      {"GivenTensorDoubleFill", C2_DTYPE_DOUBLE, true},
    {"GivenTensorBoolFill", C2_DTYPE_BOOL, false},  {"GivenTensorInt16Fill", C2_DTYPE_INT16, false},
    {"GivenTensorIntFill", C2_DTYPE_INT32, false},  {"GivenTensorInt64Fill", C2_DTYPE_INT64, false},
};

static const fill_kind *find_kind(const char *type) {
  for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
    if (type && strcmp(kinds[i].type, type) == 0) return &kinds[i];
  return NULL;
}

bool c2__given_fill_type(const char *type, bool *floats) {
  const fill_kind *k = find_kind(type);
  if (k && floats) *floats = k->floats;
  return k != NULL;
}

typedef struct fill_state {
  c2_dtype dtype;
  bool floats;
  const int64_t *shape;
  size_t shape_n;
  const int64_t *extra;
  size_t extra_n;
  bool input_as_shape;
} fill_state;

/* The float op's optional `dtype` (Caffe2 cast::GetCastDataType: an int or a type name). */
static c2_status read_dtype(const c2_opdef *def, fill_state *s, c2_error *err) {
  if (!c2_arg_has(def, "dtype")) return C2_OK;
  static const struct {
    const char *name;
    c2_dtype dtype;
    bool floats;
  } names[] = {{"FLOAT", C2_DTYPE_FLOAT, true}, {"DOUBLE", C2_DTYPE_DOUBLE, true},
               {"BOOL", C2_DTYPE_BOOL, false},  {"INT16", C2_DTYPE_INT16, false},
               {"INT32", C2_DTYPE_INT32, false}, {"INT64", C2_DTYPE_INT64, false}};
  char name[32] = "";
  int64_t code = -1;
  c2_status st = c2_arg_get_int(def, "dtype", -1, &code, NULL);
  if (st) {
    st = c2_arg_get_string(def, "dtype", "", name, sizeof name, NULL);
    if (st)
      return c2_error_set(err, C2_ERR_TYPE,
                          "argument 'dtype' must be a TensorProto.DataType number (field i) or "
                          "its name (field s)");
  }
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if ((name[0] && strcmp(name, names[i].name) == 0) || code == (int64_t)names[i].dtype) {
      s->dtype = names[i].dtype;
      s->floats = names[i].floats;
      return C2_OK;
    }
  if (name[0])
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'dtype' \"%s\" is not one of FLOAT, DOUBLE, BOOL, INT16, INT32, "
                        "INT64",
                        name);
  return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                      "argument 'dtype' %lld is not one of FLOAT (1), DOUBLE (13), BOOL (5), "
                      "INT16 (9), INT32 (2), INT64 (10)%s",
                      (long long)code, code == 4 ? ": STRING tensors are not supported" : "");
}

static c2_status fill_create(c2_operator *op, c2_error *err) {
  fill_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  const fill_kind *k = find_kind(c2_op_type(op));
  if (!k) return c2_error_set(err, C2_ERR_INTERNAL, "not a GivenTensor*Fill op");
  s->dtype = k->dtype;
  s->floats = k->floats;
  c2_status st = k->dtype == C2_DTYPE_FLOAT ? read_dtype(def, s, err) : C2_OK;
  if (!st) st = c2_arg_get_ints(def, "shape", &s->shape, &s->shape_n, err);
  if (!st) st = c2_arg_get_ints(def, "extra_shape", &s->extra, &s->extra_n, err);
  if (!st) st = c2_arg_get_bool(def, "input_as_shape", false, &s->input_as_shape, err);
  const void *values;
  size_t n_values;
  if (!st)
    st = s->floats ? c2_arg_get_floats(def, "values", (const float **)&values, &n_values, err)
                   : c2_arg_get_ints(def, "values", (const int64_t **)&values, &n_values, err);
  if (st) return st;
  if (c2_op_num_inputs(op) > 0) {
    if (c2_arg_has(def, "shape"))
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot take both the 'shape' argument and an input");
  } else {
    if (c2_arg_has(def, "extra_shape"))
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument 'extra_shape' needs an input");
    if (s->input_as_shape)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input_as_shape needs an input");
  }
  if (s->shape_n > C2_MAX_NDIM || s->extra_n > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "shape has more than %d dims", C2_MAX_NDIM);
  return C2_OK;
}

/* The output shape, from the arguments or the input. */
static c2_status output_shape(c2_operator *op, int *ndim, int64_t *dims, c2_error *err) {
  fill_state *s = c2_op_state(op);
  if (c2_op_num_inputs(op) == 0) {
    *ndim = (int)s->shape_n;
    if (s->shape_n) memcpy(dims, s->shape, s->shape_n * sizeof *dims);
    return C2_OK;
  }
  const c2_tensor *in = c2_op_input(op, 0);
  int n = 0;
  if (s->input_as_shape) {
    c2_status st = c2_op_require_input(op, 0, C2_DTYPE_INT64, 1, err);
    if (st) return st;
    if (in->numel < 1 || in->numel > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_SHAPE,
                          "with input_as_shape the input must hold 1 to %d dims, got %lld",
                          C2_MAX_NDIM, (long long)in->numel);
    n = (int)in->numel;
    memcpy(dims, in->data, (size_t)n * sizeof *dims);
  } else {
    if (in->dtype == C2_DTYPE_UNDEFINED)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input '%s' is empty: it was never written",
                          c2_op_input_name(op, 0));
    n = in->ndim;
    memcpy(dims, in->dims, (size_t)n * sizeof *dims);
  }
  if (n + (int)s->extra_n > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "shape has more than %d dims", C2_MAX_NDIM);
  if (s->extra_n) memcpy(dims + n, s->extra, s->extra_n * sizeof *dims);
  *ndim = n + (int)s->extra_n;
  return C2_OK;
}

c2_status c2__given_fill_prepare(c2_operator *op, size_t n_values, void **data, c2_dtype *dtype,
                                 c2_error *err) {
  fill_state *s = c2_op_state(op);
  int ndim = 0;
  int64_t dims[C2_MAX_NDIM];
  int64_t numel = 0;
  c2_status st = output_shape(op, &ndim, dims, err);
  if (!st) st = c2_dims_numel(ndim, dims, &numel, err);
  if (st) return st;
  if ((uint64_t)numel != n_values)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "argument 'values' holds %zu values, but the shape has %lld elements",
                        n_values, (long long)numel);
  c2_tensor *out = c2_op_output(op, 0);
  st = c2_tensor_resize(out, s->dtype, ndim, dims, err);
  if (st) return st;
  *data = out->data;
  *dtype = s->dtype;
  return C2_OK;
}

void c2__given_fill_store_float(c2_dtype dtype, void *data, size_t i, float v) {
  if (dtype == C2_DTYPE_DOUBLE) ((double *)data)[i] = v;
  else ((float *)data)[i] = v;
}

c2_status c2__given_fill_store_int(c2_dtype dtype, void *data, size_t i, int64_t v,
                                   c2_error *err) {
  switch (dtype) {
    case C2_DTYPE_BOOL: ((uint8_t *)data)[i] = v != 0; return C2_OK;
    case C2_DTYPE_INT16:
      if (v < INT16_MIN || v > INT16_MAX) break;
      ((int16_t *)data)[i] = (int16_t)v;
      return C2_OK;
    case C2_DTYPE_INT32:
      if (v < INT32_MIN || v > INT32_MAX) break;
      ((int32_t *)data)[i] = (int32_t)v;
      return C2_OK;
    default: ((int64_t *)data)[i] = v; return C2_OK;
  }
  return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                      "value %lld (values[%zu]) cannot be represented as %s", (long long)v, i,
                      c2_dtype_name(dtype));
}

static c2_status fill_run(c2_operator *op, c2_error *err) {
  fill_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  const float *fv = NULL;
  const int64_t *iv = NULL;
  size_t n = 0;
  c2_status st = s->floats ? c2_arg_get_floats(def, "values", &fv, &n, err)
                           : c2_arg_get_ints(def, "values", &iv, &n, err);
  void *data;
  c2_dtype dtype;
  if (!st) st = c2__given_fill_prepare(op, n, &data, &dtype, err);
  if (st) return st;
  if (s->floats && dtype == C2_DTYPE_FLOAT) {
    if (n) memcpy(data, fv, n * sizeof *fv);
    return C2_OK;
  }
  for (size_t i = 0; i < n && !st; i++)
    if (s->floats) c2__given_fill_store_float(dtype, data, i, fv[i]);
    else st = c2__given_fill_store_int(dtype, data, i, iv[i], err);
  return st;
}

/* ---- schemas ---- */

static c2_status fill_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                            c2_shape *out, c2_error *err) {
  (void)n_out;
  const fill_kind *k = find_kind(def->type);
  if (!k) return C2_OK;
  fill_state s = {.dtype = k->dtype, .floats = k->floats};
  bool input_as_shape = false;
  c2_status st = k->dtype == C2_DTYPE_FLOAT ? read_dtype(def, &s, err) : C2_OK;
  if (!st) st = c2_arg_get_ints(def, "shape", &s.shape, &s.shape_n, err);
  if (!st) st = c2_arg_get_ints(def, "extra_shape", &s.extra, &s.extra_n, err);
  if (!st) st = c2_arg_get_bool(def, "input_as_shape", false, &input_as_shape, err);
  if (st) return st;
  c2_shape y = {.dtype = s.dtype};
  if (n_in == 0) {
    if (s.shape_n > C2_MAX_NDIM) return C2_OK;
    y.ndim = (int)s.shape_n;
    if (s.shape_n) memcpy(y.dims, s.shape, s.shape_n * sizeof *y.dims);
  } else {
    if (input_as_shape || in[0].unknown || in[0].ndim + (int)s.extra_n > C2_MAX_NDIM)
      return C2_OK;
    y.ndim = in[0].ndim + (int)s.extra_n;
    memcpy(y.dims, in[0].dims, (size_t)in[0].ndim * sizeof *y.dims);
    if (s.extra_n) memcpy(y.dims + in[0].ndim, s.extra, s.extra_n * sizeof *y.dims);
  }
  out[0] = y;
  return C2_OK;
}

static c2_status fill_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  c2_shape y = {.unknown = true};
  c2_status st = fill_shape(def, n_in, in, 1, &y, err);
  if (!st && !y.unknown) cost->bytes_written = c2_shape_nbytes(&y);
  return st;
}

#define FILL_COMMON_ARGS                                                                      \
  {.name = "shape", .type = C2_ARG_INTS, .doc = "Output shape (without an input; absent: a "  \
                                                "scalar)."},                                  \
  {.name = "extra_shape", .type = C2_ARG_INTS, .doc = "Dims appended to the input's shape."}, \
  {.name = "input_as_shape", .type = C2_ARG_INT, .has_default = true, .default_int = 0,       \
   .doc = "The input (1-D int64) holds the output shape."}

/* GivenTensorFill reads `values` from floats or, with an integer `dtype`, from ints: its create
 * checks the field. */
static const c2_arg_spec given_args[] = {
    FILL_COMMON_ARGS,
    {.name = "dtype", .type = C2_ARG_INT, .doc = "Output type (TensorProto.DataType, or its "
                                                 "name as a string); values from floats for "
                                                 "FLOAT/DOUBLE, from ints otherwise."}};
static const c2_arg_spec float_args[] = {
    {.name = "values", .type = C2_ARG_FLOATS, .doc = "The values, in row-major order."},
    FILL_COMMON_ARGS};
static const c2_arg_spec int_args[] = {
    {.name = "values", .type = C2_ARG_INTS, .doc = "The values, in row-major order."},
    FILL_COMMON_ARGS};
static const c2_io_doc fill_inputs[] = {{"input", "Optional: shape source (see input_as_shape)."}};
static const c2_io_doc fill_outputs[] = {{"output", "The filled tensor."}};
static const c2_io_pair fill_inplace[] = {{0, 0}};

#define FILL_SCHEMA(name, argv, what)                                                         \
  {.type = name,                                                                                 \
   .doc = "Fills its output with the given " what " values (`values`, row-major) in `shape`.", \
   .min_inputs = 0, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,                        \
   .allow_inplace = fill_inplace, .n_allow_inplace = 1,                                          \
   .args = argv, .n_args = sizeof argv / sizeof *argv,                                           \
   .inputs = fill_inputs, .n_input_docs = 1, .outputs = fill_outputs, .n_output_docs = 1,       \
   .infer_shape = fill_shape, .infer_cost = fill_cost}

static const c2_schema schemas[] = {
    FILL_SCHEMA("GivenTensorFill", given_args, "float (or `dtype`)"),
    FILL_SCHEMA("GivenTensorDoubleFill", float_args, "double"),
    FILL_SCHEMA("GivenTensorBoolFill", int_args, "bool (non-zero is true)"),
    FILL_SCHEMA("GivenTensorInt16Fill", int_args, "int16"),
    FILL_SCHEMA("GivenTensorIntFill", int_args, "int32"),
    FILL_SCHEMA("GivenTensorInt64Fill", int_args, "int64"),
};

static const c2_op_impl fill_impl = {.device_type = C2_DEVICE_CPU,
                                     .state_size = sizeof(fill_state), .create = fill_create,
                                     .run = fill_run};

c2_status c2_register_given_tensor_fill_ops(c2_registry *reg, c2_error *err) {
  return c2__register_no_gradient_ops(reg, schemas, sizeof schemas / sizeof *schemas, &fill_impl,
                                      1, err);
}
