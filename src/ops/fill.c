/* ConstantFill (Caffe2 filler_op): an output of constant value whose shape comes from the
 * `shape` argument, from input 0's shape (plus `extra_shape`), or from input 0's values
 * (`input_as_shape`). It seeds every generated backward pass. */
#include <math.h>
#include <string.h>

#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "filler.h"
#include "op_util.h"
#include "ops.h"

typedef struct fill_state {
  c2_dtype dtype;
  double fvalue;  /* FLOAT / DOUBLE */
  int64_t ivalue; /* integer types and BOOL */
  c2__fill_shape shape;
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

static c2_status fill_parse(const c2_opdef *def, fill_state *s, c2_error *err) {
  c2_status st = fill_dtype(def, &s->dtype, err);
  if (!st) st = fill_value(def, s, err);
  if (!st) st = c2__fill_shape_parse(def, &s->shape, err);
  return st;
}

static c2_status fill_create(c2_operator *op, c2_error *err) {
  return fill_parse(c2_op_def(op), c2_op_state(op), err);
}

#define FILL_AS(type, v)                                            \
  do {                                                              \
    type *p_ = out->data;                                           \
    for (int64_t i_ = 0; i_ < out->numel; i_++) p_[i_] = (type)(v); \
  } while (0)

static c2_status fill_run(c2_operator *op, c2_error *err) {
  const fill_state *s = c2_op_state(op);
  c2_status st = c2__fill_shape_resize(&s->shape, op, s->dtype, err);
  if (st) return st;
  c2_tensor *out = c2_op_output(op, 0);
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
  c2_dtype dtype;
  c2_status st = fill_dtype(def, &dtype, err);
  if (st) return st;
  return c2__fill_infer_shape(def, dtype, n_in, in, n_out, out, err);
}

static c2_status fill_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  c2_shape out = {.unknown = true};
  c2_status st = fill_shape(def, n_in, in, 1, &out, err);
  if (!st) c2__fill_cost(&out, 0, cost);
  return st;
}

/* ---- schema ---- */

/* `value` is not declared here: it may be a float (field f) or an int (field i), and the op
 * itself checks its field against the dtype. The schema doc describes it. */
static const c2_arg_spec fill_args[] = {
    {.name = "dtype", .type = C2_ARG_INT, .has_default = true, .default_int = C2_DTYPE_FLOAT,
     .doc = "TensorProto.DataType of the output: FLOAT (1, default), INT32, BOOL, UINT8, INT8, "
            "UINT16, INT16, INT64, DOUBLE. Without it, an int 'value' makes the output INT64."},
    C2__FILLER_SHAPE_ARGS,
    C2__FILLER_RUN_ONCE_ARG,
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
