/* Sum and WeightedSum (Caffe2 utility_ops). Sum accumulates gradients in generated backward
 * nets (in place on input 0); WeightedSum is the SGD update (param = 1 * param + (-lr) * grad,
 * in place on input 0). */
#include <stdio.h>

#include "c2rt/caffe2.pb-c.h"
#include "c2rt/def.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

/* ---- Sum ---- */

static c2_status sum_run(c2_operator *op, c2_error *err) {
  int n = c2_op_num_inputs(op);
  c2_status st = C2_OK;
  for (int i = 0; !st && i < n; i++)
    st = i == 0 ? c2__require_float(op, 0, err) : c2__require_same_shape(op, 0, i, err);
  if (st) return st;
  const c2_tensor *x0 = c2_op_input(op, 0);
  c2_tensor *y = c2_op_output(op, 0);
  /* In place, y is x0: resizing to its own shape keeps the data. */
  st = c2_tensor_resize_like(y, x0, err);
  if (st) return st;
  float *out = y->data;
  const float *a = x0->data;
  int64_t count = x0->numel;
  if (n == 1) {
    if (out != a)
      for (int64_t j = 0; j < count; j++) out[j] = a[j];
    return C2_OK;
  }
  /* Left to right, as Caffe2 adds: ((x0 + x1) + x2) + ... */
  const float *b = ((const c2_tensor *)c2_op_input(op, 1))->data;
  for (int64_t j = 0; j < count; j++) out[j] = a[j] + b[j];
  for (int i = 2; i < n; i++) {
    const float *c = ((const c2_tensor *)c2_op_input(op, i))->data;
    for (int64_t j = 0; j < count; j++) out[j] += c[j];
  }
  return C2_OK;
}

/* Caffe2 GetSumGradient: every input's gradient is the output's gradient; no op needed. */
static c2_status sum_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  size_t n = c2_opdef_num_inputs(c2_grad_def(g));
  for (size_t i = 0; !st && i < n; i++) st = c2_grad_set_dense(g, (int)i, go, err);
  return st;
}

static c2_status sum_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                          c2_error *err) {
  (void)err;
  return c2__pointwise_cost(def, n_in, in, (uint64_t)(n_in > 1 ? n_in - 1 : 0), cost);
}

/* ---- WeightedSum ---- */

/* Input i's single value; call only after check_weight passed. */
static float weight(const c2_operator *op, int i) {
  return *(const float *)((const c2_tensor *)c2_op_input(op, i))->data;
}

static c2_status check_weight(const c2_operator *op, int i, c2_error *err) {
  return c2__require_float_numel(op, i, 1, "a weight holds one value", err);
}

static c2_status weighted_sum_run(c2_operator *op, c2_error *err) {
  int n = c2_op_num_inputs(op);
  c2_status st = c2__require_float(op, 0, err);
  if (st) return st;
  const c2_tensor *x0 = c2_op_input(op, 0);
  /* Caffe2 enforces a non-empty X_0 (CAFFE_ENFORCE_GT(X0.numel(), 0)). */
  if (x0->numel == 0)
    return c2_error_set(err, C2_ERR_SHAPE, "input '%s' (X_0) is empty; WeightedSum needs at least "
                        "one element", c2_op_input_name(op, 0));
  st = check_weight(op, 1, err);
  for (int i = 2; !st && i < n; i += 2) {
    char what[64];
    snprintf(what, sizeof what, "X_%d must have as many elements as X_0", i / 2);
    st = c2__require_float_numel(op, i, x0->numel, what, err);
    if (!st) st = check_weight(op, i + 1, err);
  }
  if (st) return st;
  c2_tensor *y = c2_op_output(op, 0);
  st = c2_tensor_resize_like(y, x0, err);
  if (st) return st;
  float *out = y->data, w0 = weight(op, 1);
  const float *a = x0->data;
  int64_t count = x0->numel;
  /* Caffe2's order: Scale for one pair; else Axpby (y = w1 x1 + w0 x0), then Axpy per pair. */
  if (n == 2) {
    for (int64_t j = 0; j < count; j++) out[j] = w0 * a[j];
    return C2_OK;
  }
  float w1 = weight(op, 3);
  const float *b = ((const c2_tensor *)c2_op_input(op, 2))->data;
  for (int64_t j = 0; j < count; j++) out[j] = w1 * b[j] + w0 * a[j];
  for (int i = 4; i < n; i += 2) {
    float wi = weight(op, i + 1);
    const float *c = ((const c2_tensor *)c2_op_input(op, i))->data;
    for (int64_t j = 0; j < count; j++) out[j] += wi * c[j];
  }
  return C2_OK;
}

static bool weighted_sum_arity(int n_inputs, int n_outputs) {
  (void)n_outputs;
  return n_inputs > 0 && n_inputs % 2 == 0;
}

static c2_status weighted_sum_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                                   c2_cost *cost, c2_error *err) {
  (void)err;
  /* One multiply per pair and one add per pair after the first. */
  return c2__pointwise_cost(def, n_in, in, (uint64_t)(n_in > 0 ? n_in - 1 : 0), cost);
}

/* ---- schemas ---- */

static const c2_io_pair inplace_first[] = {{0, 0}};
static const c2_io_doc sum_inputs[] = {{"data_0", "First of the input tensors. Can be in place."}};
static const c2_io_doc sum_outputs[] = {{"sum", "Elementwise sum, same shape as the inputs."}};
static const c2_io_doc wsum_inputs[] = {{"X_0", "First of the data tensors (may be the output)."},
                                        {"weight_0", "Weight of X_0: a one-element float tensor."}};
static const c2_io_doc wsum_outputs[] = {{"output", "sum_i weight_i * X_i, shaped like X_0."}};

static const c2_schema sum_schema = {
    .type = "Sum",
    .doc = "Elementwise sum of the inputs, which must share shape and dtype (float). The output "
           "may be input 0 (in place).",
    .min_inputs = 1, .max_inputs = C2_UNBOUNDED, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = inplace_first, .n_allow_inplace = 1,
    .inputs = sum_inputs, .n_input_docs = 1, .outputs = sum_outputs, .n_output_docs = 1,
    .infer_shape = c2_shape_like_input0, .infer_cost = sum_cost,
    .onnx_name = "Sum",
};

static const c2_schema weighted_sum_schema = {
    .type = "WeightedSum",
    .doc = "Weighted sum of (X_0, weight_0, X_1, weight_1, ...) pairs; every X_i has X_0's "
           "element count and every weight one element. Only X_0 may be the output (in place), "
           "which is how an SGD update is written.",
    .min_inputs = 2, .max_inputs = C2_UNBOUNDED, .min_outputs = 1, .max_outputs = 1,
    .inputs_outputs_ok = weighted_sum_arity,
    .allow_inplace = inplace_first, .n_allow_inplace = 1,
    .inputs = wsum_inputs, .n_input_docs = 2, .outputs = wsum_outputs, .n_output_docs = 1,
    .infer_shape = c2_shape_like_input0, .infer_cost = weighted_sum_cost,
};

static const c2_op_impl sum_impl = {.device_type = C2_DEVICE_CPU, .run = sum_run};
static const c2_op_impl weighted_sum_impl = {.device_type = C2_DEVICE_CPU,
                                             .run = weighted_sum_run};

c2_status c2_register_sum_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &sum_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Sum", &sum_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "Sum", C2_GRADIENT_FN, sum_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &weighted_sum_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "WeightedSum", &weighted_sum_impl, err);
  /* Caffe2 (2018): SHOULD_NOT_DO_GRADIENT(WeightedSum) -- it is an optimizer step, and a
   * backward pass that reaches one is a mistake worth reporting. */
  if (!st)
    st = c2_registry_set_gradient(reg, "WeightedSum", C2_GRADIENT_SHOULD_NOT_DO, NULL, err);
  return st;
}
