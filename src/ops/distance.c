/* SquaredL2Distance and its gradient (Caffe2 distance_op): per row i of X and Y (rows = dim 0,
 * a scalar is one row), Z[i] = 1/2 * sum_j (X[i,j] - Y[i,j])^2. */
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

/* Rows are dim 0 (one row for a scalar); D = elements per row. */
static void rows_of(const c2_tensor *x, int64_t *n, int64_t *d) {
  *n = x->ndim > 0 ? x->dims[0] : 1;
  *d = *n > 0 ? x->numel / *n : 0;
}

/* Caffe2 computes (|x|^2 + |y|^2)/2 - x.y in float, which cancels badly when X is close to Y
 * (exactly the regime of a loss that is being minimised). The same value is computed here from
 * the differences, accumulated in double. */
static void sql2_kernel(int64_t n, int64_t d, const float *x, const float *y, float *z) {
  for (int64_t i = 0; i < n; i++) {
    double acc = 0;
    for (int64_t j = 0; j < d; j++) {
      double diff = (double)x[i * d + j] - (double)y[i * d + j];
      acc += diff * diff;
    }
    z[i] = (float)(0.5 * acc);
  }
}

/* dX = (X - Y) * dZ[i] per row, dY = -dX. */
static void sql2_grad_kernel(int64_t n, int64_t d, const float *x, const float *y,
                             const float *dz, float *dx, float *dy) {
  for (int64_t i = 0; i < n; i++)
    for (int64_t j = 0; j < d; j++) {
      float g = (x[i * d + j] - y[i * d + j]) * dz[i];
      dx[i * d + j] = g;
      dy[i * d + j] = -g;
    }
}

static c2_status sql2_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_same_shape(op, 0, 1, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *y = c2_op_input(op, 1);
  int64_t n, d;
  rows_of(x, &n, &d);
  c2_tensor *z = c2_op_output(op, 0);
  st = c2_tensor_resize(z, C2_DTYPE_FLOAT, 1, &n, err);
  if (!st) sql2_kernel(n, d, x->data, y->data, z->data);
  return st;
}

static c2_status sql2_grad_run(c2_operator *op, c2_error *err) {
  c2_status st = c2__require_same_shape(op, 0, 1, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *y = c2_op_input(op, 1);
  int64_t n, d;
  rows_of(x, &n, &d);
  st = c2__require_float_numel(op, 2, n, "one gradient per row of X", err);
  if (st) return st;
  const c2_tensor *dz = c2_op_input(op, 2);
  if (dz->ndim != 1) {
    char s[128];
    return c2_error_set(err, C2_ERR_SHAPE, "input '%s' must be 1-D (one value per row), got "
                        "shape %s", c2_op_input_name(op, 2),
                        c2_tensor_shape_string(dz, s, sizeof s));
  }
  c2_tensor *dx = c2_op_output(op, 0), *dy = c2_op_output(op, 1);
  /* The outputs may alias the inputs only through the names the schema forbids, so resizing
   * them cannot disturb X, Y or dZ. */
  st = c2_tensor_resize_like(dx, x, err);
  if (!st) st = c2_tensor_resize_like(dy, y, err);
  if (!st) sql2_grad_kernel(n, d, x->data, y->data, dz->data, dx->data, dy->data);
  return st;
}

/* Caffe2 GetSquaredL2DistanceGradient: (X, Y, dZ) -> (dX, dY). */
static c2_status sql2_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gx, *gy;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 0, &gx, err);
  if (!st) st = c2_grad_GI(g, 1, &gy, err);
  if (st) return st;
  const char *in[] = {c2_grad_I(g, 0), c2_grad_I(g, 1), go}, *out[] = {gx, gy};
  return c2_grad_add_op(g, "SquaredL2DistanceGradient", 3, in, 2, out, NULL, err);
}

/* ---- inference ---- */

static c2_status sql2_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                            c2_shape *out, c2_error *err) {
  (void)def;
  if (n_in < 2 || n_out < 1 || in[0].unknown) return C2_OK;
  if (!in[1].unknown) {
    bool same = in[0].ndim == in[1].ndim;
    for (int i = 0; same && i < in[0].ndim; i++) same = in[0].dims[i] == in[1].dims[i];
    if (!same) return c2_error_set(err, C2_ERR_SHAPE, "inputs X and Y must have the same shape");
  }
  out[0] = (c2_shape){.dtype = in[0].dtype, .ndim = 1,
                      .dims = {in[0].ndim > 0 ? in[0].dims[0] : 1}};
  return C2_OK;
}

static c2_status sql2_grad_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                 c2_shape *out, c2_error *err) {
  (void)def;
  (void)err;
  for (int i = 0; i < n_out && i < n_in && i < 2; i++) out[i] = in[i];
  return C2_OK;
}

static c2_status sql2_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 2 || in[0].unknown) return C2_OK;
  cost->flops = c2__sat_mul(3, c2_shape_numel(&in[0])); /* subtract, square, add */
  cost->bytes_read = c2__sat_mul(2, c2_shape_nbytes(&in[0]));
  cost->bytes_written = c2__sat_mul((uint64_t)(in[0].ndim > 0 ? in[0].dims[0] : 1), sizeof(float));
  return C2_OK;
}

static c2_status sql2_grad_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                                c2_cost *cost, c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 3 || in[0].unknown) return C2_OK;
  uint64_t bytes2 = c2__sat_mul(2, c2_shape_nbytes(&in[0]));
  cost->flops = c2__sat_mul(3, c2_shape_numel(&in[0])); /* subtract, multiply, negate */
  cost->bytes_read = c2__sat_add(bytes2, c2_shape_nbytes(&in[2]));
  cost->bytes_written = bytes2;
  return C2_OK;
}

static const c2_io_doc sql2_inputs[] = {{"X", "Float tensor; rows are dim 0."},
                                        {"Y", "Float tensor of X's shape."}};
static const c2_io_doc sql2_outputs[] = {{"Z", "1-D: 1/2 * ||X[i] - Y[i]||^2 per row."}};
static const c2_io_doc sql2_grad_inputs[] = {
    {"X", "Forward input X."}, {"Y", "Forward input Y."}, {"dZ", "Gradient of Z (1-D)."}};
static const c2_io_doc sql2_grad_outputs[] = {{"dX", "(X - Y) * dZ per row."},
                                              {"dY", "-dX."}};

static const c2_schema sql2_schema = {
    .type = "SquaredL2Distance",
    .doc = "Row-wise half squared L2 distance of two tensors of one shape: Z[i] = 1/2 * "
           "sum_j (X[i,j] - Y[i,j])^2, rows along dim 0 (a scalar is one row).",
    .min_inputs = 2, .max_inputs = 2, .min_outputs = 1, .max_outputs = 1,
    .inputs = sql2_inputs, .n_input_docs = 2, .outputs = sql2_outputs, .n_output_docs = 1,
    .infer_shape = sql2_shape, .infer_cost = sql2_cost,
};

static const c2_schema sql2_grad_schema = {
    .type = "SquaredL2DistanceGradient",
    .doc = "Gradient of SquaredL2Distance: dX = (X - Y) * dZ[i] per row, dY = -dX.",
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 2, .max_outputs = 2,
    .inputs = sql2_grad_inputs, .n_input_docs = 3, .outputs = sql2_grad_outputs,
    .n_output_docs = 2,
    .infer_shape = sql2_grad_shape, .infer_cost = sql2_grad_cost,
};

static const c2_op_impl sql2_impl = {.device_type = C2_DEVICE_CPU, .run = sql2_run};
static const c2_op_impl sql2_grad_impl = {.device_type = C2_DEVICE_CPU, .run = sql2_grad_run};

c2_status c2_register_distance_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &sql2_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "SquaredL2Distance", &sql2_impl, err);
  if (!st)
    st = c2_registry_set_gradient(reg, "SquaredL2Distance", C2_GRADIENT_FN, sql2_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &sql2_grad_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "SquaredL2DistanceGradient", &sql2_grad_impl, err);
  return st;
}
