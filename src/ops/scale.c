/* Scale (Caffe2 scale_op): Y = scale * X, in place allowed. Its gradient is Scale again. */
#include <math.h>

#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

typedef struct scale_state {
  float scale;
} scale_state;

static c2_status scale_create(c2_operator *op, c2_error *err) {
  scale_state *s = c2_op_state(op);
  c2_status st = c2_arg_get_float(c2_op_def(op), "scale", 1.0f, &s->scale, err);
  if (st) return st;
  /* Caffe2 accepts anything; a NaN or infinite scale only poisons the net silently. */
  if (!isfinite(s->scale))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument 'scale' must be finite, got %g",
                        (double)s->scale);
  return C2_OK;
}

static c2_status scale_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_float(op, 0, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0);
  c2_tensor *y = c2_op_output(op, 0);
  st = c2_tensor_resize_like(y, x, err);
  if (st) return st;
  float k = ((const scale_state *)c2_op_state(op))->scale;
  const float *in = x->data;
  float *out = y->data;
  for (int64_t i = 0; i < x->numel; i++) out[i] = k * in[i];
  return C2_OK;
}

/* Caffe2 GetScaleGradient: Scale(dY) -> dX; the copied arguments carry `scale`. */
static c2_status scale_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  const char *in[] = {go}, *out[] = {gi};
  return c2_grad_add_op(g, "Scale", 1, in, 1, out, NULL, err);
}

static c2_status scale_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                            c2_error *err) {
  (void)err;
  return c2__pointwise_cost(def, n_in, in, 1, cost);
}

static const c2_arg_spec scale_args[] = {
    {.name = "scale", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 1.0,
     .doc = "The (finite) factor applied to every element."}};
static const c2_io_pair scale_inplace[] = {{0, 0}};
static const c2_io_doc scale_inputs[] = {{"X", "Input tensor (float)."}};
static const c2_io_doc scale_outputs[] = {{"Y", "scale * X, same shape."}};

static const c2_schema scale_schema = {
    .type = "Scale",
    .doc = "Multiplies every element of the input by the argument 'scale'. May run in place.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = scale_inplace, .n_allow_inplace = 1,
    .args = scale_args, .n_args = 1,
    .inputs = scale_inputs, .n_input_docs = 1, .outputs = scale_outputs, .n_output_docs = 1,
    .infer_shape = c2_shape_like_input0, .infer_cost = scale_cost,
};

static const c2_op_impl scale_impl = {.device_type = C2_DEVICE_CPU,
                                      .state_size = sizeof(scale_state), .create = scale_create,
                                      .run = scale_run};

c2_status c2_register_scale_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &scale_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Scale", &scale_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "Scale", C2_GRADIENT_FN, scale_gradient, err);
  return st;
}
