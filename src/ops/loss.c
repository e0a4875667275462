/* AveragedLoss and its gradient (Caffe2 loss_op over SumElements with average = true): the mean
 * of all input elements as a scalar (0-D) tensor, and dX = dLoss / numel(X) everywhere. */
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

/* Mean in double; an empty input averages to 0, as in Caffe2. */
static float mean_kernel(int64_t n, const float *x) {
  double acc = 0;
  for (int64_t i = 0; i < n; i++) acc += x[i];
  return n > 0 ? (float)(acc / (double)n) : 0.0f;
}

static c2_status avg_loss_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_float(op, 0, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0);
  float mean = mean_kernel(x->numel, x->data);
  c2_tensor *loss = c2_op_output(op, 0);
  st = c2_tensor_resize(loss, C2_DTYPE_FLOAT, 0, NULL, err);
  if (!st) *(float *)loss->data = mean;
  return st;
}

static c2_status avg_loss_grad_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_float(op, 0, err);
  if (!st) st = c2__require_float_numel(op, 1, 1, "the gradient of a scalar loss", err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *dloss = c2_op_input(op, 1);
  /* Caffe2 scales by 1 / max(numel, 1) in double, then stores a float. */
  float g = (float)(*(const float *)dloss->data * (1.0 / (double)(x->numel > 1 ? x->numel : 1)));
  c2_tensor *dx = c2_op_output(op, 0);
  st = c2_tensor_resize(dx, C2_DTYPE_FLOAT, x->ndim, x->dims, err);
  if (st) return st;
  float *out = dx->data;
  for (int64_t i = 0; i < dx->numel; i++) out[i] = g;
  return C2_OK;
}

/* Caffe2 GetAveragedLossGradient: AveragedLossGradient(X, dLoss) -> dX. */
static c2_status avg_loss_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  const char *in[] = {c2_grad_I(g, 0), go}, *out[] = {gi};
  return c2_grad_add_op(g, "AveragedLossGradient", 2, in, 1, out, NULL, err);
}

static c2_status avg_loss_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                c2_shape *out, c2_error *err) {
  (void)def, (void)n_in, (void)in, (void)err;
  if (n_out > 0) out[0] = (c2_shape){.dtype = C2_DTYPE_FLOAT, .ndim = 0}; /* ScalarType(FLOAT) */
  return C2_OK;
}

static c2_status avg_loss_grad_shape(const c2_opdef *def, int n_in, const c2_shape *in,
                                     int n_out, c2_shape *out, c2_error *err) {
  return c2_shape_like_input0(def, n_in, in, n_out, out, err);
}

static c2_status avg_loss_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                               c2_cost *cost, c2_error *err) {
  (void)def, (void)err;
  if (n_in < 1 || in[0].unknown) return C2_OK;
  cost->flops = c2__sat_add(c2_shape_numel(&in[0]), 1);
  cost->bytes_read = c2_shape_nbytes(&in[0]);
  cost->bytes_written = sizeof(float);
  return C2_OK;
}

static c2_status avg_loss_grad_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                                    c2_cost *cost, c2_error *err) {
  (void)def, (void)err;
  if (n_in < 1 || in[0].unknown) return C2_OK;
  cost->flops = 1;
  cost->bytes_read = sizeof(float); /* dLoss; X only gives the shape */
  cost->bytes_written = c2_shape_nbytes(&in[0]);
  return C2_OK;
}

static const c2_io_doc avg_inputs[] = {{"input", "Float tensor of any shape."}};
static const c2_io_doc avg_outputs[] = {{"output", "Scalar (0-D) mean of the input elements."}};
static const c2_io_doc avg_grad_inputs[] = {{"input", "Forward input (its shape)."},
                                            {"output_grad", "Gradient of the mean (1 element)."}};
static const c2_io_doc avg_grad_outputs[] = {{"input_grad", "output_grad / numel everywhere."}};

static const c2_schema avg_loss_schema = {
    .type = "AveragedLoss",
    .doc = "The average of all input elements, as a scalar (0-D) float tensor; 0 for an empty "
           "input. Commonly the last op of a loss.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .inputs = avg_inputs, .n_input_docs = 1, .outputs = avg_outputs, .n_output_docs = 1,
    .infer_shape = avg_loss_shape, .infer_cost = avg_loss_cost,
};

static const c2_schema avg_loss_grad_schema = {
    .type = "AveragedLossGradient",
    .doc = "Gradient of AveragedLoss: every element of dX is dLoss / numel(X).",
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .inputs = avg_grad_inputs, .n_input_docs = 2, .outputs = avg_grad_outputs,
    .n_output_docs = 1,
    .infer_shape = avg_loss_grad_shape, .infer_cost = avg_loss_grad_cost,
};

static const c2_op_impl avg_loss_impl = {.device_type = C2_DEVICE_CPU, .run = avg_loss_run};
static const c2_op_impl avg_loss_grad_impl = {.device_type = C2_DEVICE_CPU,
                                              .run = avg_loss_grad_run};

c2_status c2_register_loss_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &avg_loss_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "AveragedLoss", &avg_loss_impl, err);
  if (!st)
    st = c2_registry_set_gradient(reg, "AveragedLoss", C2_GRADIENT_FN, avg_loss_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &avg_loss_grad_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "AveragedLossGradient", &avg_loss_grad_impl, err);
  return st;
}
