/* MaxPool and AveragePool (Caffe2 pool_op, NCHW, 2-D): clipped windows; the average divides by
 * the in-image cell count unless count_include_pad; global_pooling pools the whole plane. Planes
 * are split over the workspace's threads (each plane is computed the same way by any thread). */
#include "../core/tensor_impl.h"
#include "c2rt/parallel.h"
#include "c2rt/registry.h"
#include "conv_kernels.h"
#include "ops.h"

typedef struct pool_state {
  conv_pool_args args;
  conv_pool_kind kind;
} pool_state;

static c2_status create_kind(c2_operator *op, conv_pool_kind kind, c2_error *err) {
  pool_state *s = c2_op_state(op);
  s->kind = kind;
  return c2__conv_pool_parse(c2_op_def(op), kind, &s->args, err);
}
static c2_status max_create(c2_operator *op, c2_error *err) {
  return create_kind(op, CP_MAX_POOL, err);
}
static c2_status avg_create(c2_operator *op, c2_error *err) {
  return create_kind(op, CP_AVERAGE_POOL, err);
}

typedef struct pool_job {
  const float *x;
  float *y;
  conv_pool_geom g;
  conv_pool_kind kind;
  bool count_include_pad;
} pool_job;

static void pool_planes(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const pool_job *j = ctx;
  const float *x = j->x + begin * j->g.in[0] * j->g.in[1];
  float *y = j->y + begin * j->g.out[0] * j->g.out[1];
  if (j->kind == CP_MAX_POOL) c2__max_pool_nchw(x, end - begin, &j->g, y);
  else c2__average_pool_nchw(x, end - begin, &j->g, j->count_include_pad, y);
}

static c2_status pool_run(c2_operator *op, c2_error *err) {
  pool_state *s = c2_op_state(op);
  c2_status st = c2_op_require_input(op, 0, C2_DTYPE_FLOAT, -1, err);
  if (st) return st;
  const c2_tensor *X = c2_op_input(op, 0);
  if (X->ndim != 4)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "input X must be a 4-D NCHW tensor, got rank %d (only 2-D pooling is "
                        "implemented)",
                        X->ndim);
  pool_job j = {.kind = s->kind, .count_include_pad = s->args.count_include_pad};
  st = c2__conv_pool_geometry(&s->args, s->kind, X->dims[2], X->dims[3], &j.g, err);
  if (st) return st;
  c2_tensor *Y = c2_op_output(op, 0);
  if (Y == X)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "pooling cannot run in place");
  int64_t dims[4] = {X->dims[0], X->dims[1], j.g.out[0], j.g.out[1]};
  st = c2_tensor_resize(Y, C2_DTYPE_FLOAT, 4, dims, err);
  if (st || Y->numel == 0) return st;
  j.x = X->data;
  j.y = Y->data;
  const int64_t planes = X->dims[0] * X->dims[1];
  const int64_t per_plane = j.g.out[0] * j.g.out[1] * j.g.kernel[0] * j.g.kernel[1];
  return c2_op_parallel_for(op, planes, (1 << 14) / (per_plane + 1) + 1, pool_planes, &j, err);
}

/* ---- schemas ---- */

static c2_status pool_shape_kind(conv_pool_kind kind, const c2_opdef *def, int n_in,
                                 const c2_shape *in, c2_shape *out, c2_error *err) {
  if (n_in < 1 || in[0].unknown) return C2_OK;
  if (in[0].ndim != 4)
    return c2_error_set(err, C2_ERR_SHAPE, "input X must be a 4-D NCHW tensor, got rank %d",
                        in[0].ndim);
  conv_pool_args a;
  conv_pool_geom g;
  c2_status st = c2__conv_pool_parse(def, kind, &a, err);
  if (!st) st = c2__conv_pool_geometry(&a, kind, in[0].dims[2], in[0].dims[3], &g, err);
  if (st) return st;
  out[0] = (c2_shape){.dtype = C2_DTYPE_FLOAT, .ndim = 4,
                      .dims = {in[0].dims[0], in[0].dims[1], g.out[0], g.out[1]}};
  return C2_OK;
}

static c2_status pool_cost_kind(conv_pool_kind kind, const c2_opdef *def, int n_in,
                                const c2_shape *in, c2_cost *cost, c2_error *err) {
  c2_shape y;
  c2_status st = pool_shape_kind(kind, def, n_in, in, &y, err);
  if (st || n_in < 1 || in[0].unknown) return st;
  conv_pool_args a;
  st = c2__conv_pool_parse(def, kind, &a, err);
  if (st) return st;
  uint64_t window = a.global_pooling ? (uint64_t)(in[0].dims[2] * in[0].dims[3])
                                     : (uint64_t)(a.kernel[0] * a.kernel[1]);
  /* one compare or add per window cell (+ one divide for the average) */
  cost->flops = c2_shape_numel(&y) * (window + (kind == CP_AVERAGE_POOL));
  cost->bytes_read = c2_shape_nbytes(&in[0]);
  cost->bytes_written = c2_shape_nbytes(&y);
  return C2_OK;
}

static c2_status max_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                           c2_shape *out, c2_error *err) {
  (void)n_out;
  return pool_shape_kind(CP_MAX_POOL, def, n_in, in, out, err);
}
static c2_status avg_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                           c2_shape *out, c2_error *err) {
  (void)n_out;
  return pool_shape_kind(CP_AVERAGE_POOL, def, n_in, in, out, err);
}
static c2_status max_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                          c2_error *err) {
  return pool_cost_kind(CP_MAX_POOL, def, n_in, in, cost, err);
}
static c2_status avg_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                          c2_error *err) {
  return pool_cost_kind(CP_AVERAGE_POOL, def, n_in, in, cost, err);
}

#define GLOBAL_POOLING_SPEC                                                                   \
  {.name = "global_pooling", .type = C2_ARG_INT, .has_default = true, .default_int = 0,      \
   .doc = "Pool over the whole plane (kernel = input size; pads 0, stride 1)."}

static const c2_arg_spec max_args[] = {C2_CONV_POOL_ARG_SPECS, GLOBAL_POOLING_SPEC};
static const c2_arg_spec avg_args[] = {
    C2_CONV_POOL_ARG_SPECS, GLOBAL_POOLING_SPEC,
    {.name = "count_include_pad", .type = C2_ARG_INT, .has_default = true, .default_int = 0,
     .doc = "Divide by kh*kw instead of the number of in-image cells of the window."}};
static const c2_io_doc pool_inputs[] = {{"X", "Input [N, C, H, W]."}};
static const c2_io_doc pool_outputs[] = {{"Y", "Output [N, C, H_out, W_out]."}};
static const c2_onnx_attr pool_onnx[] = {
    {"kernels", "kernel_shape"}, {"strides", "strides"}, {"pads", "pads"}};

static const c2_schema max_schema = {
    .type = "MaxPool",
    .doc = "2-D max pooling (NCHW) over windows clipped to the input (padding cells never take "
           "part); Caffe2's output size rules.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .args = max_args, .n_args = sizeof max_args / sizeof *max_args,
    .inputs = pool_inputs, .n_input_docs = 1, .outputs = pool_outputs, .n_output_docs = 1,
    .infer_shape = max_shape, .infer_cost = max_cost,
    .onnx_name = "MaxPool", .onnx_attrs = pool_onnx, .n_onnx_attrs = 3,
};

static const c2_schema avg_schema = {
    .type = "AveragePool",
    .doc = "2-D average pooling (NCHW) over windows clipped to the input, divided by the number "
           "of in-image cells (or kh*kw with count_include_pad); Caffe2's output size rules.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
    .args = avg_args, .n_args = sizeof avg_args / sizeof *avg_args,
    .inputs = pool_inputs, .n_input_docs = 1, .outputs = pool_outputs, .n_output_docs = 1,
    .infer_shape = avg_shape, .infer_cost = avg_cost,
    .onnx_name = "AveragePool", .onnx_attrs = pool_onnx, .n_onnx_attrs = 3,
};

static const c2_op_impl max_impl = {.device_type = C2_DEVICE_CPU,
                                    .state_size = sizeof(pool_state), .create = max_create,
                                    .run = pool_run};
static const c2_op_impl avg_impl = {.device_type = C2_DEVICE_CPU,
                                    .state_size = sizeof(pool_state), .create = avg_create,
                                    .run = pool_run};

c2_status c2_register_pool_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &max_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "MaxPool", &max_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "MaxPool", C2_GRADIENT_NOT_IMPLEMENTED, NULL, err);
  if (!st) st = c2_registry_add_schema(reg, &avg_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "AveragePool", &avg_impl, err);
  if (!st)
    st = c2_registry_set_gradient(reg, "AveragePool", C2_GRADIENT_NOT_IMPLEMENTED, NULL, err);
  return st;
}
