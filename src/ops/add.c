/* Add and AddGradient (Caffe2 elementwise_add_op): C = A + B for int32, int64, float and
 * double, with NumPy broadcasting, or Caffe2's legacy rule under broadcast=1 (broadcast.h).
 * The gradient reduces dC over the broadcast dimensions back to each input's shape. */
#include <string.h>

#include "../core/tensor_impl.h"
#include "broadcast.h"
#include "op_util.h"
#include "c2rt/argument.h"
#include "c2rt/def.h"
#include "c2rt/registry.h"
#include "ops.h"

typedef struct add_state {
  c2__bcast_args args;
} add_state;

static c2_status add_create(c2_operator *op, c2_error *err) {
  add_state *s = c2_op_state(op);
  return c2__bcast_args_parse(c2_op_def(op), &s->args, err);
}

static bool numeric(c2_dtype t) {
  return t == C2_DTYPE_FLOAT || t == C2_DTYPE_DOUBLE || t == C2_DTYPE_INT32 ||
         t == C2_DTYPE_INT64;
}

/* Both inputs written, of one numeric dtype. */
static c2_status check_pair(const c2_operator *op, int ia, int ib, c2_error *err) {
  const c2_tensor *a = c2_op_input(op, ia), *b = c2_op_input(op, ib);
  c2_status st = c2__require_written(op, ia, err);
  if (!st) st = c2__require_written(op, ib, err);
  if (st) return st;
  if (!numeric(a->dtype))
    return c2_error_set(err, C2_ERR_TYPE,
                        "input '%s' has dtype %s, expected FLOAT, DOUBLE, INT32 or INT64",
                        c2_op_input_name(op, ia), c2_dtype_name(a->dtype));
  if (a->dtype != b->dtype)
    return c2_error_set(err, C2_ERR_TYPE, "input '%s' has dtype %s, expected %s (the dtype of '%s')",
                        c2_op_input_name(op, ib), c2_dtype_name(b->dtype), c2_dtype_name(a->dtype),
                        c2_op_input_name(op, ia));
  return C2_OK;
}

/* Integers wrap around (computed unsigned: signed overflow would be undefined). */
#define ADD_KERNEL(NAME, T, SUM)                                                             \
  static void NAME(const c2__bcast *bc, const void *va, const void *vb, void *vc) {          \
    const T *a = va, *b = vb;                                                                \
    T *c = vc;                                                                               \
    if (bc->same) {                                                                          \
      for (int64_t i = 0; i < bc->numel; i++) c[i] = SUM(a[i], b[i]);                        \
      return;                                                                                \
    }                                                                                        \
    c2__bcast_iter it;                                                                       \
    c2__bcast_iter_start(&it, bc);                                                           \
    for (int64_t i = 0; i < bc->numel; i++, c2__bcast_iter_next(&it))                        \
      c[i] = SUM(a[it.ia], b[it.ib]);                                                        \
  }
#define PLUS(x, y) ((x) + (y))
#define PLUS_I32(x, y) ((int32_t)((uint32_t)(x) + (uint32_t)(y)))
#define PLUS_I64(x, y) ((int64_t)((uint64_t)(x) + (uint64_t)(y)))
ADD_KERNEL(add_f32, float, PLUS)
ADD_KERNEL(add_f64, double, PLUS)
ADD_KERNEL(add_i32, int32_t, PLUS_I32)
ADD_KERNEL(add_i64, int64_t, PLUS_I64)

/* An output that shares its blob with an input is safe only when that input already has the
 * output's shape: then element i is read before it is written. */
static c2_status check_alias(const c2_operator *op, const c2_tensor *out, const c2__bcast *bc,
                             c2_error *err) {
  for (int i = 0; i < c2_op_num_inputs(op); i++) {
    const c2_tensor *in = c2_op_input(op, i);
    if (in != out) continue;
    if (in->ndim != bc->ndim || memcmp(in->dims, bc->dims, sizeof(int64_t) * (size_t)bc->ndim)) {
      char shape[128];
      return c2_error_set(err, C2_ERR_SHAPE,
                          "output '%s' is computed in place on input '%s' %s, which is broadcast: "
                          "in-place needs the input that has the output's shape",
                          c2_op_output_name(op, 0), c2_op_input_name(op, i),
                          c2_tensor_shape_string(in, shape, sizeof shape));
    }
  }
  return C2_OK;
}

static c2_status add_run(c2_operator *op, c2_error *err) {
  add_state *s = c2_op_state(op);
  c2_status st = check_pair(op, 0, 1, err);
  if (st) return st;
  const c2_tensor *a = c2_op_input(op, 0), *b = c2_op_input(op, 1);
  c2_tensor *c = c2_op_output(op, 0);
  c2__bcast bc;
  st = c2__bcast_make(&s->args, a->ndim, a->dims, c2_op_input_name(op, 0), b->ndim, b->dims,
                      c2_op_input_name(op, 1), &bc, err);
  if (!st) st = check_alias(op, c, &bc, err);
  if (!st) st = c2_tensor_resize(c, a->dtype, bc.ndim, bc.dims, err);
  if (st || bc.numel == 0) return st;
  switch (a->dtype) {
    case C2_DTYPE_FLOAT: add_f32(&bc, a->data, b->data, c->data); break;
    case C2_DTYPE_DOUBLE: add_f64(&bc, a->data, b->data, c->data); break;
    case C2_DTYPE_INT32: add_i32(&bc, a->data, b->data, c->data); break;
    default: add_i64(&bc, a->data, b->data, c->data); break;
  }
  return C2_OK;
}

/* ---- AddGradient(dC, A, B) -> (dA, dB) ---- */

/* d[k] = sum of dc over the output elements that read element k of the input (which = 0 for A,
 * 1 for B), in output order. */
#define REDUCE_KERNEL(NAME, T, SUM)                                                          \
  static void NAME(const c2__bcast *bc, int which, const void *vdc, void *vd, int64_t n) {    \
    const T *dc = vdc;                                                                       \
    T *d = vd;                                                                               \
    if (bc->same || n == bc->numel) {                                                        \
      memcpy(d, dc, sizeof(T) * (size_t)n);                                                  \
      return;                                                                                \
    }                                                                                        \
    memset(d, 0, sizeof(T) * (size_t)n);                                                     \
    c2__bcast_iter it;                                                                       \
    c2__bcast_iter_start(&it, bc);                                                           \
    for (int64_t i = 0; i < bc->numel; i++, c2__bcast_iter_next(&it)) {                      \
      int64_t k = which ? it.ib : it.ia;                                                     \
      d[k] = SUM(d[k], dc[i]);                                                               \
    }                                                                                        \
  }
REDUCE_KERNEL(reduce_f32, float, PLUS)
REDUCE_KERNEL(reduce_f64, double, PLUS)
REDUCE_KERNEL(reduce_i32, int32_t, PLUS_I32)
REDUCE_KERNEL(reduce_i64, int64_t, PLUS_I64)

static c2_status add_grad_run(c2_operator *op, c2_error *err) {
  add_state *s = c2_op_state(op);
  const c2_tensor *dc = c2_op_input(op, 0), *a = c2_op_input(op, 1), *b = c2_op_input(op, 2);
  c2_status st = c2__require_written(op, 1, err);
  if (!st) st = c2__require_written(op, 2, err);
  if (!st) st = c2_op_require_input(op, 0, a->dtype, -1, err);
  if (!st && !numeric(dc->dtype))
    st = c2_error_set(err, C2_ERR_TYPE,
                      "input '%s' has dtype %s, expected FLOAT, DOUBLE, INT32 or INT64",
                      c2_op_input_name(op, 0), c2_dtype_name(dc->dtype));
  if (st) return st;
  c2__bcast bc;
  st = c2__bcast_make(&s->args, a->ndim, a->dims, c2_op_input_name(op, 1), b->ndim, b->dims,
                      c2_op_input_name(op, 2), &bc, err);
  if (st) return st;
  if (dc->ndim != bc.ndim || memcmp(dc->dims, bc.dims, sizeof(int64_t) * (size_t)bc.ndim)) {
    char got[128];
    return c2_error_set(err, C2_ERR_SHAPE,
                        "input '%s' has shape %s, but the forward output of '%s' and '%s' has "
                        "rank %d with %lld elements",
                        c2_op_input_name(op, 0), c2_tensor_shape_string(dc, got, sizeof got),
                        c2_op_input_name(op, 1), c2_op_input_name(op, 2), bc.ndim,
                        (long long)bc.numel);
  }
  /* In place on dC (Caffe2 allows dA or dB = dC): only for an input of dC's shape, whose
   * gradient is dC itself; a reduced gradient would resize dC before it is read. */
  for (int k = 0; k < c2_op_num_outputs(op); k++) {
    const c2_tensor *like = k ? b : a;
    if (c2_op_output(op, k) == dc &&
        (like->ndim != dc->ndim ||
         memcmp(like->dims, dc->dims, sizeof(int64_t) * (size_t)dc->ndim))) {
      char shape[128];
      return c2_error_set(err, C2_ERR_SHAPE,
                          "output '%s' is computed in place on input '%s' %s, but input '%s' is "
                          "broadcast: in-place needs the input that has dC's shape",
                          c2_op_output_name(op, k), c2_op_input_name(op, 0),
                          c2_tensor_shape_string(dc, shape, sizeof shape),
                          c2_op_input_name(op, k + 1));
    }
  }
  for (int k = 0; k < c2_op_num_outputs(op); k++) {
    const c2_tensor *like = k ? b : a;
    c2_tensor *d = c2_op_output(op, k);
    if (d == dc) continue; /* dC is already this gradient */
    st = c2_tensor_resize(d, dc->dtype, like->ndim, like->dims, err);
    if (st) return st;
    if (like->numel == 0) continue;
    switch (dc->dtype) {
      case C2_DTYPE_FLOAT: reduce_f32(&bc, k, dc->data, d->data, like->numel); break;
      case C2_DTYPE_DOUBLE: reduce_f64(&bc, k, dc->data, d->data, like->numel); break;
      case C2_DTYPE_INT32: reduce_i32(&bc, k, dc->data, d->data, like->numel); break;
      default: reduce_i64(&bc, k, dc->data, d->data, like->numel); break;
    }
  }
  return C2_OK;
}

/* Caffe2 GetAddGradient: AddGradient(dC, A, B) -> (dA, dB), the forward arguments copied. */
static c2_status add_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *ga, *gb;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &ga, err);
  if (!st) st = c2_grad_GI(g, 1, &gb, err);
  if (st) return st;
  const char *in[] = {go, c2_grad_I(g, 0), c2_grad_I(g, 1)};
  const char *out[] = {ga, gb};
  return c2_grad_add_op(g, "AddGradient", 3, in, 2, out, NULL, err);
}

/* ---- schemas ---- */

static c2_status add_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                           c2_shape *out, c2_error *err) {
  if (n_in < 2 || n_out < 1 || in[0].unknown || in[1].unknown) return C2_OK;
  c2__bcast_args args;
  c2__bcast bc;
  c2_status st = c2__bcast_args_parse(def, &args, err);
  if (!st) st = c2__bcast_make(&args, in[0].ndim, in[0].dims, c2_opdef_input(def, 0), in[1].ndim,
                               in[1].dims, c2_opdef_input(def, 1), &bc, err);
  if (st) return st;
  out[0] = (c2_shape){.dtype = in[0].dtype, .ndim = bc.ndim};
  memcpy(out[0].dims, bc.dims, sizeof bc.dims);
  return C2_OK;
}

static c2_status add_grad_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                c2_shape *out, c2_error *err) {
  (void)def;
  (void)err;
  for (int k = 0; k < n_out && k + 1 < n_in; k++) {
    out[k] = in[k + 1];
    if (!in[0].unknown) out[k].dtype = in[0].dtype;
  }
  return C2_OK;
}

static c2_status add_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                          c2_error *err) {
  c2_shape out = {.unknown = true};
  c2_status st = add_shape(def, n_in, in, 1, &out, err);
  if (st || out.unknown) return st;
  cost->flops = c2_shape_numel(&out);
  cost->bytes_read = c2__sat_add(c2_shape_nbytes(&in[0]), c2_shape_nbytes(&in[1]));
  cost->bytes_written = c2_shape_nbytes(&out);
  return C2_OK;
}

static c2_status add_grad_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                               c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 3 || in[0].unknown || in[1].unknown || in[2].unknown) return C2_OK;
  uint64_t elem = c2_dtype_size(in[0].dtype);
  cost->flops = c2__sat_mul(2, c2_shape_numel(&in[0]));
  cost->bytes_read = c2_shape_nbytes(&in[0]);
  cost->bytes_written =
      c2__sat_mul(c2__sat_add(c2_shape_numel(&in[1]), c2_shape_numel(&in[2])), elem);
  return C2_OK;
}

#define BCAST_ARGS                                                                            \
  {.name = "broadcast", .type = C2_ARG_INT, .has_default = true, .default_int = 0,           \
   .doc = "1: Caffe2's legacy rule, B's shape matches a run of A's dims starting at axis; "   \
          "0: NumPy broadcasting."},                                                          \
  {.name = "axis", .type = C2_ARG_INT, .has_default = true, .default_int = -1,               \
   .doc = "With broadcast=1: where B's dims start in A (-1: aligned to the end)."},           \
  {.name = "axis_str", .type = C2_ARG_STRING,                                                 \
   .doc = "With broadcast=1: the axis as a letter of 'order' (e.g. \"C\")."},                 \
  {.name = "order", .type = C2_ARG_STRING, .has_default = true, .default_string = "NCHW",    \
   .doc = "Layout letters that axis_str refers to."}

static const c2_arg_spec add_args[] = {BCAST_ARGS};
static const c2_io_pair add_inplace[] = {{0, 0}, {1, 0}};
/* Caffe2's AddGradient: dC may become dA or dB (the backward pass of an in-place Add). */
static const c2_io_pair add_grad_inplace[] = {{0, 0}, {0, 1}};
static const c2_io_doc add_inputs[] = {{"A", "First operand."}, {"B", "Second operand."}};
static const c2_io_doc add_outputs[] = {{"C", "A + B, broadcast shape, A's dtype."}};
static const c2_io_doc add_grad_inputs[] = {
    {"dC", "Gradient of C."}, {"A", "Forward input A (shape only)."},
    {"B", "Forward input B (shape only)."}};
static const c2_io_doc add_grad_outputs[] = {{"dA", "Gradient of A."}, {"dB", "Gradient of B."}};

static const c2_schema add_schema = {
    .type = "Add",
    .doc = "Elementwise sum C = A + B (int32, int64, float, double) with NumPy broadcasting, or "
           "Caffe2's legacy broadcasting when broadcast=1.",
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = add_inplace, .n_allow_inplace = 2,
    .args = add_args, .n_args = sizeof add_args / sizeof *add_args,
    .inputs = add_inputs, .n_input_docs = 2, .outputs = add_outputs, .n_output_docs = 1,
    .infer_shape = add_shape, .infer_cost = add_cost,
    .onnx_name = "Add",
};

static const c2_schema add_grad_schema = {
    .type = "AddGradient",
    .doc = "Gradient of Add: dC summed over the broadcast dimensions of each input.",
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 2, .max_outputs = 2,
    .allow_inplace = add_grad_inplace, .n_allow_inplace = 2,
    .args = add_args, .n_args = sizeof add_args / sizeof *add_args,
    .inputs = add_grad_inputs, .n_input_docs = 3, .outputs = add_grad_outputs, .n_output_docs = 2,
    .infer_shape = add_grad_shape, .infer_cost = add_grad_cost,
};

static const c2_op_impl add_impl = {.device_type = C2_DEVICE_CPU, .state_size = sizeof(add_state),
                                    .create = add_create, .run = add_run};
static const c2_op_impl add_grad_impl = {.device_type = C2_DEVICE_CPU,
                                         .state_size = sizeof(add_state), .create = add_create,
                                         .run = add_grad_run};

c2_status c2_register_add_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &add_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Add", &add_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "Add", C2_GRADIENT_FN, add_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &add_grad_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "AddGradient", &add_grad_impl, err);
  return st;
}
