/* Softmax (Caffe2 softmax_op): X viewed as [N = size_to_dim(axis), D = size_from_dim(axis)];
 * each row becomes exp(x - max) * (1 / sum), the sum accumulated in double. Rows are split over
 * the workspace's threads. */
#include <math.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/parallel.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

typedef struct softmax_state {
  int64_t axis;
} softmax_state;

static c2_status softmax_create(c2_operator *op, c2_error *err) {
  softmax_state *s = c2_op_state(op);
  return c2_arg_get_int(c2_op_def(op), "axis", 1, &s->axis, err);
}

typedef struct softmax_job {
  const float *x;
  float *y;
  int64_t D;
} softmax_job;

static void softmax_rows(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const softmax_job *j = ctx;
  for (int64_t r = begin; r < end; r++) {
    const float *x = j->x + r * j->D;
    float *y = j->y + r * j->D;
    float m = x[0];
    for (int64_t i = 1; i < j->D; i++) m = x[i] > m ? x[i] : m;
    double sum = 0;
    for (int64_t i = 0; i < j->D; i++) {
      y[i] = expf(x[i] - m);
      sum += y[i];
    }
    float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < j->D; i++) y[i] *= inv;
  }
}

static c2_status softmax_run(c2_operator *op, c2_error *err) {
  softmax_state *s = c2_op_state(op);
  c2_status st = c2_op_require_input(op, 0, C2_DTYPE_FLOAT, -1, err);
  if (st) return st;
  const c2_tensor *X = c2_op_input(op, 0);
  int axis = 0;
  st = c2__canonical_axis(s->axis, X->ndim, "axis", &axis, err);
  if (st) return st;
  c2_tensor *Y = c2_op_output(op, 0);
  st = c2_tensor_resize_like(Y, X, err);
  if (st || X->numel == 0) return st;
  int64_t D = 1;
  for (int i = axis; i < X->ndim; i++) D *= X->dims[i];
  softmax_job j = {X->data, Y->data, D};
  return c2_op_parallel_for(op, X->numel / D, 4096 / D + 1, softmax_rows, &j, err);
}

static c2_status softmax_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                               c2_shape *out, c2_error *err) {
  if (n_in < 1 || in[0].unknown) return C2_OK;
  int64_t axis;
  int canonical;
  c2_status st = c2_arg_get_int(def, "axis", 1, &axis, err);
  if (!st) st = c2__canonical_axis(axis, in[0].ndim, "axis", &canonical, err);
  if (st) return st;
  return c2_shape_like_input0(def, n_in, in, n_out, out, err);
}

static c2_status softmax_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                              c2_error *err) {
  c2_shape y;
  c2_status st = softmax_shape(def, n_in, in, 1, &y, err);
  if (st || n_in < 1 || in[0].unknown) return st;
  uint64_t n = c2_shape_numel(&in[0]);
  cost->flops = 5 * n; /* max, subtract, exp, sum, scale */
  cost->bytes_read = c2_shape_nbytes(&in[0]);
  cost->bytes_written = c2_shape_nbytes(&in[0]);
  return C2_OK;
}

static const c2_arg_spec softmax_args[] = {
    {.name = "axis", .type = C2_ARG_INT, .has_default = true, .default_int = 1,
     .doc = "Rows are the dims before axis, columns the dims from axis on (may be negative)."}};
static const c2_io_doc softmax_inputs[] = {{"input", "Input tensor (float)."}};
static const c2_io_doc softmax_outputs[] = {{"output", "Softmax of each row, same shape."}};
static const c2_onnx_attr softmax_onnx[] = {{"axis", "axis"}};
static const c2_io_pair softmax_inplace[] = {{0, 0}};

static const c2_schema softmax_schema = {
    .type = "Softmax",
    .doc = "Softmax over the dims from `axis` on: exp(x - rowmax) / sum.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .allow_inplace = softmax_inplace, .n_allow_inplace = 1,
    .args = softmax_args, .n_args = 1,
    .inputs = softmax_inputs, .n_input_docs = 1, .outputs = softmax_outputs, .n_output_docs = 1,
    .infer_shape = softmax_shape, .infer_cost = softmax_cost,
    .onnx_name = "Softmax", .onnx_attrs = softmax_onnx, .n_onnx_attrs = 1,
};

static const c2_op_impl softmax_impl = {.device_type = C2_DEVICE_CPU,
                                        .state_size = sizeof(softmax_state),
                                        .create = softmax_create, .run = softmax_run};

c2_status c2_register_softmax_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &softmax_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Softmax", &softmax_impl, err);
  if (!st)
    st = c2_registry_set_gradient(reg, "Softmax", C2_GRADIENT_NOT_IMPLEMENTED, NULL, err);
  return st;
}
