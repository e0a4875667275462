/* Relu and ReluGradient (Caffe2 relu_op): Y = max(X, 0), dX = dY where Y > 0, else 0. Both may
 * run in place, which the zoo nets rely on (conv1 -> conv1). */
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/parallel.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"
#include "pointwise_kernels.h"

/* Elementwise work is split over the op's threads in chunks of at least this many elements
 * (smaller tensors stay on one thread: waking a worker costs tens of microseconds on the
 * measured VM; with 32K-element chunks AlexNet's Relus took 0.32 ms on 2 threads, 0.10 on 1). */
enum { RELU_GRAIN = 1 << 18 };

typedef struct relu_job {
  const float *a, *b; /* Relu: a = X; ReluGradient: a = Y, b = dY */
  float *out;
} relu_job;

static void relu_chunk(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const relu_job *j = ctx;
  c2__relu_f32(end - begin, j->a + begin, j->out + begin);
}

static void relu_grad_chunk(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const relu_job *j = ctx;
  c2__relu_grad_f32(end - begin, j->a + begin, j->b + begin, j->out + begin);
}

static c2_status relu_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_float(op, 0, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0);
  c2_tensor *y = c2_op_output(op, 0);
  st = c2_tensor_resize_like(y, x, err);
  if (st) return st;
  relu_job job = {x->data, NULL, y->data};
  return c2_op_parallel_for(op, x->numel, RELU_GRAIN, relu_chunk, &job, err);
}

static c2_status relu_grad_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_same_shape(op, 0, 1, err);
  if (st) return st;
  const c2_tensor *y = c2_op_input(op, 0), *dy = c2_op_input(op, 1);
  c2_tensor *dx = c2_op_output(op, 0);
  st = c2_tensor_resize_like(dx, dy, err);
  if (st) return st;
  relu_job job = {y->data, dy->data, dx->data};
  return c2_op_parallel_for(op, y->numel, RELU_GRAIN, relu_grad_chunk, &job, err);
}

/* Caffe2 GetReluGradient: ReluGradient(Y, dY) -> dX. It reads the output, not the input, so an
 * in-place Relu keeps a valid gradient. */
static c2_status relu_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  const char *in[] = {c2_grad_O(g, 0), go}, *out[] = {gi};
  return c2_grad_add_op(g, "ReluGradient", 2, in, 1, out, NULL, err);
}

static c2_status relu_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  (void)err;
  return c2__pointwise_cost(def, n_in, in, 1, cost);
}

static const c2_io_pair relu_inplace[] = {{0, 0}};
static const c2_io_pair relu_grad_inplace[] = {{1, 0}};
static const c2_io_doc relu_inputs[] = {{"X", "Input tensor (float)."}};
static const c2_io_doc relu_outputs[] = {{"Y", "max(X, 0), same shape as X."}};
static const c2_io_doc relu_grad_inputs[] = {{"Y", "Forward output."}, {"dY", "Gradient of Y."}};
static const c2_io_doc relu_grad_outputs[] = {{"dX", "Gradient of X: dY where Y > 0, else 0."}};

static const c2_schema relu_schema = {
    .type = "Relu",
    .doc = "Rectified linear unit, elementwise: Y = max(0, X). May run in place.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = relu_inplace, .n_allow_inplace = 1,
    .inputs = relu_inputs, .n_input_docs = 1, .outputs = relu_outputs, .n_output_docs = 1,
    .infer_shape = c2_shape_like_input0, .infer_cost = relu_cost,
    .onnx_name = "Relu",
};

static const c2_schema relu_grad_schema = {
    .type = "ReluGradient",
    .doc = "Gradient of Relu from its output: dX = dY where Y > 0, else 0. dY and dX may share "
           "a blob.",
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = relu_grad_inplace, .n_allow_inplace = 1,
    .inputs = relu_grad_inputs, .n_input_docs = 2, .outputs = relu_grad_outputs,
    .n_output_docs = 1,
    .infer_shape = c2__shape_like_input1, .infer_cost = relu_cost,
};

static const c2_op_impl relu_impl = {.device_type = C2_DEVICE_CPU, .run = relu_run};
static const c2_op_impl relu_grad_impl = {.device_type = C2_DEVICE_CPU, .run = relu_grad_run};

c2_status c2_register_relu_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &relu_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Relu", &relu_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "Relu", C2_GRADIENT_FN, relu_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &relu_grad_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "ReluGradient", &relu_grad_impl, err);
  return st;
}
