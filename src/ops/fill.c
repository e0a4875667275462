/* ConstantFill (Caffe2 filler_op): an output of constant value whose shape comes from the
 * `shape` argument, from input 0's shape (plus `extra_shape`), or from input 0's values
 * (`input_as_shape`). It seeds every generated backward pass. */
#include <math.h>
#include <string.h>

#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

typedef struct fill_state {
  c2_dtype dtype;
  double fvalue;  /* FLOAT / DOUBLE */
  int64_t ivalue; /* integer types and BOOL */
  int shape_ndim, extra_ndim;
  int64_t shape[C2_MAX_NDIM], extra[C2_MAX_NDIM];
  bool input_as_shape;
} fill_state;

/* Caffe2 infers the dtype from the field `value` is stored in when `dtype` is absent. */
static c2_status fill_dtype(const c2_opdef *def, c2_dtype *out, c2_error *err) {
  int dtype = C2_DTYPE_FLOAT;
  c2_status st = c2_arg_get_int32(def, "dtype", C2_DTYPE_FLOAT, &dtype, err);
  if (st) return st;
  if (!c2_arg_has(def, "dtype") && c2_arg_has(def, "value")) {
    float f;
    int64_t i;
    if (c2_arg_get_float(def, "value", 0, &f, NULL) == C2_OK) dtype = C2_DTYPE_FLOAT;
    else if (c2_arg_get_int(def, "value", 0, &i, NULL) == C2_OK) dtype = C2_DTYPE_INT64;
    else
      return c2_error_set(err, C2_ERR_TYPE, "argument 'value' must be a float (field f) or an int "
                          "(field i) when 'dtype' is not given");
  }
  switch (dtype) {
    case C2_DTYPE_FLOAT: case C2_DTYPE_DOUBLE: case C2_DTYPE_INT32: case C2_DTYPE_INT64:
    case C2_DTYPE_BOOL: case C2_DTYPE_UINT8: case C2_DTYPE_INT8: case C2_DTYPE_UINT16:
    case C2_DTYPE_INT16:
      *out = (c2_dtype)dtype;
      return C2_OK;
    case C2_DTYPE_UNDEFINED:
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument 'dtype' is UNDEFINED (0); a fill needs a data type");
    case 4:
      return c2_error_set(err, C2_ERR_UNSUPPORTED,
                          "argument 'dtype' is STRING (4): c2rt tensors hold numbers only");
    default:
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument 'dtype' is %d (%s), which ConstantFill cannot produce", dtype,
                          c2_dtype_name(dtype));
  }
}

/* The value, read from the field its dtype calls for and checked to fit (Caffe2's lossless
 * conversion check). */
static c2_status fill_value(const c2_opdef *def, fill_state *s, c2_error *err) {
  if (s->dtype == C2_DTYPE_FLOAT || s->dtype == C2_DTYPE_DOUBLE) {
    float f;
    c2_status st = c2_arg_get_float(def, "value", 0.0f, &f, err);
    s->fvalue = f;
    return st;
  }
  c2_status st = c2_arg_get_int(def, "value", 0, &s->ivalue, err);
  if (st) return st;
  int64_t lo, hi;
  switch (s->dtype) {
    case C2_DTYPE_BOOL: lo = 0, hi = 1; break;
    case C2_DTYPE_UINT8: lo = 0, hi = UINT8_MAX; break;
    case C2_DTYPE_INT8: lo = INT8_MIN, hi = INT8_MAX; break;
    case C2_DTYPE_UINT16: lo = 0, hi = UINT16_MAX; break;
    case C2_DTYPE_INT16: lo = INT16_MIN, hi = INT16_MAX; break;
    case C2_DTYPE_INT32: lo = INT32_MIN, hi = INT32_MAX; break;
    default: return C2_OK; /* INT64 */
  }
  if (s->ivalue < lo || s->ivalue > hi)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'value' is %lld, which does not fit in dtype %s",
                        (long long)s->ivalue, c2_dtype_name(s->dtype));
  return C2_OK;
}

static c2_status read_dims(const c2_opdef *def, const char *name, int64_t *dims, int *ndim,
                           c2_error *err) {
  const int64_t *v;
  size_t n;
  c2_status st = c2_arg_get_ints(def, name, &v, &n, err);
  if (st) return st;
  if (n > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "argument '%s' has %zu dims; at most %d are supported",
                        name, n, C2_MAX_NDIM);
  for (size_t i = 0; i < n; i++) {
    if (v[i] < 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument '%s' has a negative dim (%lld at position %zu)", name,
                          (long long)v[i], i);
    dims[i] = v[i];
  }
  *ndim = (int)n;
  return C2_OK;
}

static c2_status fill_parse(const c2_opdef *def, fill_state *s, c2_error *err) {
  c2_status st = fill_dtype(def, &s->dtype, err);
  if (!st) st = fill_value(def, s, err);
  if (!st) st = read_dims(def, "shape", s->shape, &s->shape_ndim, err);
  if (!st) st = read_dims(def, "extra_shape", s->extra, &s->extra_ndim, err);
  if (!st) st = c2_arg_get_bool(def, "input_as_shape", false, &s->input_as_shape, err);
  if (st) return st;
  if (def->n_input > 0) {
    if (s->shape_ndim > 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot set the 'shape' argument and pass in an input at the same time");
  } else {
    if (s->extra_ndim > 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot set 'extra_shape' when there is no input");
    if (s->input_as_shape)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "'input_as_shape' is set, but no input gives the shape");
  }
  return C2_OK;
}

static c2_status fill_create(c2_operator *op, c2_error *err) {
  return fill_parse(c2_op_def(op), c2_op_state(op), err);
}

/* The output shape from input 0: its values (input_as_shape) or its dims, then extra_shape. */
static c2_status shape_from_input(const c2_operator *op, const fill_state *s, int64_t *dims,
                                  int *ndim, c2_error *err) {
  c2_status st = c2__require_written(op, 0, err);
  if (st) return st;
  const c2_tensor *in = c2_op_input(op, 0);
  int n = 0;
  if (s->input_as_shape) {
    if (in->dtype != C2_DTYPE_INT64 || in->ndim != 1 || in->numel == 0) {
      char shape[128];
      return c2_error_set(err, C2_ERR_TYPE, "with input_as_shape, input '%s' must be a non-empty "
                          "1-D INT64 tensor, got %s %s",
                          c2_op_input_name(op, 0), c2_dtype_name(in->dtype),
                          c2_tensor_shape_string(in, shape, sizeof shape));
    }
    if (in->numel + s->extra_ndim > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_LIMIT, "the requested shape has %lld dims; at most %d are "
                          "supported", (long long)(in->numel + s->extra_ndim), C2_MAX_NDIM);
    const int64_t *v = in->data;
    for (int64_t i = 0; i < in->numel; i++) dims[n++] = v[i];
  } else {
    if (in->ndim + s->extra_ndim > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_LIMIT, "input rank %d plus %d extra dims exceeds %d",
                          in->ndim, s->extra_ndim, C2_MAX_NDIM);
    for (int i = 0; i < in->ndim; i++) dims[n++] = in->dims[i];
  }
  for (int i = 0; i < s->extra_ndim; i++) dims[n++] = s->extra[i];
  *ndim = n;
  return C2_OK;
}

#define FILL_AS(type, v)                                            \
  do {                                                              \
    type *p_ = out->data;                                           \
    for (int64_t i_ = 0; i_ < out->numel; i_++) p_[i_] = (type)(v); \
  } while (0)

static c2_status fill_run(c2_operator *op, c2_error *err) {
  const fill_state *s = c2_op_state(op);
  int64_t dims[C2_MAX_NDIM];
  int ndim = s->shape_ndim;
  memcpy(dims, s->shape, sizeof dims);
  if (c2_op_num_inputs(op) > 0) {
    c2_status st = shape_from_input(op, s, dims, &ndim, err);
    if (st) return st;
  }
  c2_tensor *out = c2_op_output(op, 0);
  c2_status st = c2_tensor_resize(out, s->dtype, ndim, dims, err);
  if (st) return st;
  switch (s->dtype) {
    case C2_DTYPE_FLOAT: FILL_AS(float, s->fvalue); break;
    case C2_DTYPE_DOUBLE: FILL_AS(double, s->fvalue); break;
    case C2_DTYPE_INT32: FILL_AS(int32_t, s->ivalue); break;
    case C2_DTYPE_INT64: FILL_AS(int64_t, s->ivalue); break;
    case C2_DTYPE_BOOL: case C2_DTYPE_UINT8: FILL_AS(uint8_t, s->ivalue); break;
    case C2_DTYPE_INT8: FILL_AS(int8_t, s->ivalue); break;
    case C2_DTYPE_UINT16: FILL_AS(uint16_t, s->ivalue); break;
    case C2_DTYPE_INT16: FILL_AS(int16_t, s->ivalue); break;
    default: return c2_error_set(err, C2_ERR_INTERNAL, "unexpected fill dtype %d", s->dtype);
  }
  return C2_OK;
}

/* ---- inference ---- */

static c2_status fill_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                            c2_shape *out, c2_error *err) {
  fill_state s;
  memset(&s, 0, sizeof s);
  c2_status st = fill_parse(def, &s, err);
  if (st || n_out < 1) return st;
  out[0].dtype = s.dtype;
  if (n_in == 0) {
    out[0].unknown = false;
    out[0].ndim = s.shape_ndim;
    memcpy(out[0].dims, s.shape, sizeof s.shape);
    return C2_OK;
  }
  /* With input_as_shape the shape is the input's data, unknown before running. */
  if (s.input_as_shape || in[0].unknown) return C2_OK;
  if (in[0].ndim + s.extra_ndim > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "input rank %d plus %d extra dims exceeds %d",
                        in[0].ndim, s.extra_ndim, C2_MAX_NDIM);
  out[0].unknown = false;
  out[0].ndim = in[0].ndim + s.extra_ndim;
  memcpy(out[0].dims, in[0].dims, (size_t)in[0].ndim * sizeof *in[0].dims);
  memcpy(out[0].dims + in[0].ndim, s.extra, (size_t)s.extra_ndim * sizeof *s.extra);
  return C2_OK;
}

static c2_status fill_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  c2_shape out = {.unknown = true};
  c2_status st = fill_shape(def, n_in, in, 1, &out, err);
  if (st) return st;
  cost->bytes_written = c2_shape_nbytes(&out); /* 0 when unknown */
  return C2_OK;
}

/* ---- schema ---- */

/* `value` is not declared here: it may be a float (field f) or an int (field i), and the op
 * itself checks its field against the dtype. The schema doc describes it. */
static const c2_arg_spec fill_args[] = {
    {.name = "dtype", .type = C2_ARG_INT, .has_default = true, .default_int = C2_DTYPE_FLOAT,
     .doc = "TensorProto.DataType of the output: FLOAT (1, default), INT32, BOOL, UINT8, INT8, "
            "UINT16, INT16, INT64, DOUBLE. Without it, an int 'value' makes the output INT64."},
    {.name = "shape", .type = C2_ARG_INTS,
     .doc = "Shape of the output when there is no input (empty: a scalar)."},
    {.name = "extra_shape", .type = C2_ARG_INTS,
     .doc = "Dims appended to the shape taken from the input (needs an input)."},
    {.name = "input_as_shape", .type = C2_ARG_INT, .has_default = true, .default_int = 0,
     .doc = "1: the values of input 0 (a non-empty 1-D INT64 tensor) are the shape."},
};
static const c2_io_doc fill_inputs[] = {
    {"X", "Optional: the output takes its shape (or, with input_as_shape, its values)."}};
static const c2_io_doc fill_outputs[] = {{"Y", "Tensor of constant values."}};
static const c2_io_pair fill_inplace[] = {{0, 0}};

static const c2_schema fill_schema = {
    .type = "ConstantFill",
    .doc = "Fills the output with the constant 'value' (default 0; field f for FLOAT/DOUBLE, "
           "field i for integer and BOOL dtypes). The shape is the 'shape' argument (no input), "
           "input 0's shape plus 'extra_shape', or input 0's values (input_as_shape).",
    .min_inputs = 0, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = fill_inplace, .n_allow_inplace = 1,
    .args = fill_args, .n_args = sizeof fill_args / sizeof *fill_args,
    .inputs = fill_inputs, .n_input_docs = 1, .outputs = fill_outputs, .n_output_docs = 1,
    .infer_shape = fill_shape, .infer_cost = fill_cost,
};

static const c2_op_impl fill_impl = {.device_type = C2_DEVICE_CPU,
                                     .state_size = sizeof(fill_state), .create = fill_create,
                                     .run = fill_run};

c2_status c2_register_fill_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &fill_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "ConstantFill", &fill_impl, err);
  /* Caffe2: NO_GRADIENT(ConstantFill); the flow stops here. */
  if (!st) st = c2_registry_set_gradient(reg, "ConstantFill", C2_GRADIENT_NONE, NULL, err);
  return st;
}
