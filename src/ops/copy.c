/* Copy and CopyOnDeviceLike (Caffe2 utility_ops / copy_op). On a CPU-only build both are a
 * deep copy of input 0, of any dtype; CopyOnDeviceLike exists because it is Copy's gradient
 * (its input 1 only names the device to copy to). */
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

static c2_status copy_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_written(op, 0, err);
  /* CopyOnDeviceLike: the device reference must exist too, as in Caffe2. */
  if (!st && c2_op_num_inputs(op) > 1) st = c2__require_written(op, 1, err);
  if (!st) st = c2_tensor_copy(c2_op_output(op, 0), c2_op_input(op, 0), err);
  return st;
}

/* Caffe2 GetCopyGradient: CopyOnDeviceLike(dY, X) -> dX, back onto X's device. */
static c2_status copy_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  const char *in[] = {go, c2_grad_I(g, 0)}, *out[] = {gi};
  return c2_grad_add_op(g, "CopyOnDeviceLike", 2, in, 1, out, NULL, err);
}

static c2_status copy_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  (void)err;
  /* Only input 0 is read; CopyOnDeviceLike's input 1 just names a device. */
  return c2__pointwise_cost(def, n_in > 1 ? 1 : n_in, in, 0, cost);
}

static const c2_io_doc copy_inputs[] = {{"input", "The tensor to copy (any dtype)."}};
static const c2_io_doc copy_like_inputs[] = {
    {"input", "The tensor to copy."}, {"dst", "Tensor on whose device the copy is made."}};
static const c2_io_doc copy_outputs[] = {{"output", "A copy of the input."}};

static const c2_schema copy_schema = {
    .type = "Copy",
    .doc = "Copies the input tensor into the output (across devices in Caffe2; on the CPU here).",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .inputs = copy_inputs, .n_input_docs = 1, .outputs = copy_outputs, .n_output_docs = 1,
    .infer_shape = c2_shape_like_input0, .infer_cost = copy_cost,
};

static const c2_schema copy_like_schema = {
    .type = "CopyOnDeviceLike",
    .doc = "Copies input 0 into the output on the device of input 1 (the gradient of Copy).",
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .inputs = copy_like_inputs, .n_input_docs = 2, .outputs = copy_outputs, .n_output_docs = 1,
    .infer_shape = c2_shape_like_input0, .infer_cost = copy_cost,
};

static const c2_op_impl copy_impl = {.device_type = C2_DEVICE_CPU, .run = copy_run};

c2_status c2_register_copy_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &copy_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Copy", &copy_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "Copy", C2_GRADIENT_FN, copy_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &copy_like_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "CopyOnDeviceLike", &copy_impl, err);
  return st;
}
