/* LRN and LRNGradient (Caffe2 local_response_normalization_op): schemas, argument checks,
 * gradient definition and registration. The arithmetic is in lrn_kernels*.c. */
#include <math.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/parallel.h"
#include "c2rt/registry.h"
#include "lrn_kernels.h"
#include "ops.h"

/* ---- shared argument part (Caffe2 LRNOpBase) ---- */

typedef struct lrn_state {
  lrn_params params;
  bool nhwc;
  void *scratch; /* kernel scratch for every thread, 64-byte aligned; grows, kept across runs */
  size_t scratch_size;
} lrn_state;

c2_status c2__parse_order(const c2_opdef *def, bool *nhwc, c2_error *err) {
  char order[8];
  c2_status st = c2_arg_get_string(def, "order", "NCHW", order, sizeof order, err);
  if (st == C2_ERR_INVALID_ARGUMENT && c2_arg_has(def, "order"))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'order' must be \"NCHW\" or \"NHWC\"");
  if (st) return st;
  if (strcmp(order, "NCHW") == 0 || strcmp(order, "nchw") == 0) *nhwc = false;
  else if (strcmp(order, "NHWC") == 0 || strcmp(order, "nhwc") == 0) *nhwc = true;
  else
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'order' must be \"NCHW\" or \"NHWC\", got \"%s\"", order);
  return C2_OK;
}

static c2_status require_positive(const char *name, float v, c2_error *err) {
  if (!isfinite(v) || !(v > 0))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument '%s' must be a finite number > 0, got %g", name, (double)v);
  return C2_OK;
}

/* size, alpha and beta have no usable default in Caffe2 (0, rejected by its debug checks), so
 * they are required; bias defaults to 1. */
static c2_status lrn_create(c2_operator *op, c2_error *err) {
  lrn_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  static const char *const required[] = {"size", "alpha", "beta"};
  for (size_t i = 0; i < 3; i++)
    if (!c2_arg_has(def, required[i]))
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "missing required argument '%s'",
                          required[i]);
  int64_t size;
  c2_status st = c2_arg_get_int(def, "size", 0, &size, err);
  if (!st) st = c2_arg_get_float(def, "alpha", 0, &s->params.alpha, err);
  if (!st) st = c2_arg_get_float(def, "beta", 0, &s->params.beta, err);
  if (!st) st = c2_arg_get_float(def, "bias", 1.0f, &s->params.bias, err);
  if (!st) st = c2__parse_order(def, &s->nhwc, err);
  if (st) return st;
  if (size <= 0 || size % 2 == 0 || size > 0x7fffffff)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'size' must be a positive odd integer, got %lld",
                        (long long)size);
  s->params.size = (int)size;
  st = require_positive("alpha", s->params.alpha, err);
  if (!st) st = require_positive("beta", s->params.beta, err);
  if (st) return st;
  if (!isfinite(s->params.bias) || s->params.bias < 0)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'bias' must be a finite number >= 0, got %g",
                        (double)s->params.bias);
  return C2_OK;
}

static void lrn_destroy(c2_operator *op) {
  lrn_state *s = c2_op_state(op);
  c2__free(s->scratch);
}

/* ---- running a kernel over the workspace's threads ---- */

typedef struct lrn_job {
  const lrn_kernel_table *k;
  lrn_plan plan;
  bool backward;
  const float *X, *Y, *dY;
  float *out, *scale;
  char *scratch; /* thread t uses scratch + t * stride */
  size_t stride;
} lrn_job;

static void run_units(void *ctx, int64_t u0, int64_t u1, int thread) {
  const lrn_job *j = ctx;
  int64_t p0, p1;
  lrn_plan_pixels(&j->plan, u0, u1, &p0, &p1);
  void *scratch = j->stride ? j->scratch + (size_t)thread * j->stride : NULL;
  if (j->backward) j->k->backward(&j->plan, j->X, j->Y, j->dY, j->out, p0, p1, scratch);
  else j->k->forward(&j->plan, j->X, j->out, j->scale, p0, p1, scratch);
}

/* Plans the run for X's shape, picks the active tier's kernels, sizes the scratch and runs. */
static c2_status run_job(c2_operator *op, lrn_job *job, const c2_tensor *x, c2_error *err) {
  lrn_state *s = c2_op_state(op);
  const int64_t *d = x->dims;
  const int threads = c2_op_num_threads(op);
  if (s->nhwc) lrn_plan_init(&job->plan, &s->params, true, d[0], d[3], d[1] * d[2], threads);
  else lrn_plan_init(&job->plan, &s->params, false, d[0], d[1], d[2] * d[3], threads);
  job->k = c2__lrn_kernels(c2__cpu_tier_active());
  int chunks = c2_parallel_chunks(job->plan.units, job->plan.grain, threads);
  size_t bytes = job->k->scratch_bytes(&job->plan, job->backward);
  job->stride = (bytes + 63) / 64 * 64;
  if (job->stride * (size_t)chunks > s->scratch_size) {
    void *grown = c2__aligned_alloc(job->stride * (size_t)chunks);
    if (!grown)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory for %zu bytes of kernel scratch",
                          job->stride * (size_t)chunks);
    c2__free(s->scratch);
    s->scratch = grown;
    s->scratch_size = job->stride * (size_t)chunks;
  }
  job->scratch = s->scratch;
  return c2_op_parallel_for(op, job->plan.units, job->plan.grain, run_units, job, err);
}

static c2_status require_x(const c2_operator *op, bool nhwc, c2_error *err) {
  c2_status st = c2_op_require_input(op, 0, C2_DTYPE_FLOAT, -1, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0);
  if (x->ndim != 4) {
    char shape[128];
    return c2_error_set(err, C2_ERR_SHAPE, "input '%s' must be a 4-D %s tensor, got shape %s",
                        c2_op_input_name(op, 0), nhwc ? "NHWC" : "NCHW",
                        c2_tensor_shape_string(x, shape, sizeof shape));
  }
  return C2_OK;
}

/* ---- LRN ---- */

static c2_status lrn_run(c2_operator *op, c2_error *err) {
  c2_status st = require_x(op, ((lrn_state *)c2_op_state(op))->nhwc, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0);
  c2_tensor *y = c2_op_output(op, 0);
  c2_tensor *scale = c2_op_num_outputs(op) > 1 ? c2_op_output(op, 1) : NULL;
  st = c2_tensor_resize_like(y, x, err);
  if (!st && scale) st = c2_tensor_resize_like(scale, x, err);
  if (st || x->numel == 0) return st;
  lrn_job job = {.X = x->data, .out = y->data, .scale = scale ? scale->data : NULL};
  return run_job(op, &job, x, err);
}

/* ---- LRNGradient ---- */

static c2_status require_same_shape(const c2_operator *op, int i, c2_error *err) {
  c2_status st = c2_op_require_input(op, i, C2_DTYPE_FLOAT, -1, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *t = c2_op_input(op, i);
  if (!c2_tensor_same_shape(x, t)) {
    char sx[128], st_[128];
    return c2_error_set(err, C2_ERR_SHAPE, "input '%s' has shape %s, but X ('%s') has shape %s",
                        c2_op_input_name(op, i), c2_tensor_shape_string(t, st_, sizeof st_),
                        c2_op_input_name(op, 0), c2_tensor_shape_string(x, sx, sizeof sx));
  }
  return C2_OK;
}

static c2_status lrn_grad_run(c2_operator *op, c2_error *err) {
  lrn_state *s = c2_op_state(op);
  c2_status st = require_x(op, s->nhwc, err);
  if (!st) st = require_same_shape(op, 1, err);
  if (!st) st = require_same_shape(op, 2, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *y = c2_op_input(op, 1), *dy = c2_op_input(op, 2);
  c2_tensor *dx = c2_op_output(op, 0);
  st = c2_tensor_resize_like(dx, x, err);
  if (st || x->numel == 0) return st;
  lrn_job job = {.backward = true, .X = x->data, .Y = y->data, .dY = dy->data, .out = dx->data};
  return run_job(op, &job, x, err);
}

/* ---- gradient definition (Caffe2 GetLRNGradient) ---- */

static c2_status lrn_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gi;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gi, err);
  if (st) return st;
  const char *in[] = {c2_grad_I(g, 0), c2_grad_O(g, 0), go};
  const char *out[] = {gi};
  return c2_grad_add_op(g, "LRNGradient", 3, in, 1, out, NULL, err);
}

/* ---- schemas ---- */

static c2_status lrn_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                           c2_shape *out, c2_error *err) {
  (void)def;
  if (n_in < 1 || in[0].unknown) return C2_OK;
  if (in[0].ndim != 4)
    return c2_error_set(err, C2_ERR_SHAPE, "input must be a 4-D tensor, got rank %d", in[0].ndim);
  return c2_shape_like_input0(def, n_in, in, n_out, out, err);
}

static c2_status lrn_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                          c2_error *err) {
  int64_t size = 0;
  c2_status st = c2_arg_get_int(def, "size", 0, &size, err);
  if (st || n_in < 1 || in[0].unknown) return st;
  uint64_t n = c2_shape_numel(&in[0]), bytes = c2_shape_nbytes(&in[0]);
  /* per element: square, (size-1) adds, scale mul-add, power, multiply */
  cost->flops = n * (uint64_t)(size + 4);
  cost->bytes_read = bytes;
  cost->bytes_written = bytes * (def->n_output > 1 ? 2 : 1);
  return C2_OK;
}

static c2_status lrn_grad_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                               c2_error *err) {
  int64_t size = 0;
  c2_status st = c2_arg_get_int(def, "size", 0, &size, err);
  if (st || n_in < 1 || in[0].unknown) return st;
  uint64_t n = c2_shape_numel(&in[0]), bytes = c2_shape_nbytes(&in[0]);
  /* scale recomputed (size + 2), ratio (2), window sum (size - 1), output (5) */
  cost->flops = n * (uint64_t)(2 * size + 8);
  cost->bytes_read = 3 * bytes;
  cost->bytes_written = bytes;
  return C2_OK;
}

#define LRN_ARGS                                                                              \
  {.name = "size", .type = C2_ARG_INT, .required = true,                                     \
   .doc = "Amount of neighboring channels to sum over for normalization (positive, odd)."},   \
  {.name = "alpha", .type = C2_ARG_FLOAT, .required = true,                                   \
   .doc = "Multiplicative (scaling) factor, divided by size (> 0)."},                          \
  {.name = "beta", .type = C2_ARG_FLOAT, .required = true, .doc = "Exponent (> 0)."},         \
  {.name = "bias", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 1.0,           \
   .doc = "Additive factor (>= 0)."},                                                          \
  {.name = "order", .type = C2_ARG_STRING, .has_default = true, .default_string = "NCHW",     \
   .doc = "Order of blob dimensions: \"NCHW\" or \"NHWC\"."}

static const c2_arg_spec lrn_args[] = {LRN_ARGS};
static const c2_arg_spec lrn_grad_args[] = {LRN_ARGS};

static const c2_io_doc lrn_inputs[] = {{"X", "Input data tensor (ReLU output), 4-D float."}};
static const c2_io_doc lrn_outputs[] = {
    {"Y", "Output tensor, same shape as X."},
    {"Y_scale", "Optional: the scale bias + alpha/size * sum(X^2) before the power."}};
static const c2_io_doc lrn_grad_inputs[] = {
    {"X", "Forward input."},
    {"Y", "Forward output (shape-checked; only the reference kernels read it)."},
    {"dY", "Gradient of Y."}};
static const c2_io_doc lrn_grad_outputs[] = {{"dX", "Gradient of X."}};

static const c2_onnx_attr lrn_onnx[] = {
    {"size", "size"}, {"alpha", "alpha"}, {"beta", "beta"}, {"bias", "bias"}};

static const c2_schema lrn_schema = {
    .type = "LRN",
    .doc = "Local Response Normalization across channels: Y = X * (bias + alpha/size * "
           "sum(X^2 over the channel window))^-beta; the window of c is [c-(size-1)/2, "
           "c+size/2] clipped to the channels.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 2,
    .args = lrn_args, .n_args = sizeof lrn_args / sizeof *lrn_args,
    .inputs = lrn_inputs, .n_input_docs = 1, .outputs = lrn_outputs, .n_output_docs = 2,
    .infer_shape = lrn_shape, .infer_cost = lrn_cost,
    .onnx_name = "LRN", .onnx_attrs = lrn_onnx, .n_onnx_attrs = 4,
};

static const c2_schema lrn_grad_schema = {
    .type = "LRNGradient",
    .doc = "Gradient of LRN with respect to X; the scale is recomputed from X (the fast "
           "kernels recompute Y too, with the forward's arithmetic, instead of reading it).",
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .args = lrn_grad_args, .n_args = sizeof lrn_grad_args / sizeof *lrn_grad_args,
    .inputs = lrn_grad_inputs, .n_input_docs = 3, .outputs = lrn_grad_outputs, .n_output_docs = 1,
    .infer_shape = lrn_shape, .infer_cost = lrn_grad_cost,
};

static const c2_op_impl lrn_impl = {.device_type = C2_DEVICE_CPU, .state_size = sizeof(lrn_state),
                                    .create = lrn_create, .run = lrn_run, .destroy = lrn_destroy};
static const c2_op_impl lrn_grad_impl = {.device_type = C2_DEVICE_CPU,
                                         .state_size = sizeof(lrn_state), .create = lrn_create,
                                         .run = lrn_grad_run, .destroy = lrn_destroy};

c2_status c2_register_lrn_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &lrn_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "LRN", &lrn_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "LRN", C2_GRADIENT_FN, lrn_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &lrn_grad_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "LRNGradient", &lrn_grad_impl, err);
  return st;
}
