/* FC and FCGradient (Caffe2 fully_connected_op): Y = X W^T + b with X viewed as M x K (split
 * at `axis`) and W as N x K (split at `axis_w`). Every matrix product goes through c2__sgemm,
 * so a BLAS or threaded backend behind it speeds FC up without touching this file. */
#include <stdio.h>
#include <string.h>

#include "../core/alloc.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/registry.h"
#include "gemm.h"
#include "op_util.h"
#include "ops.h"

typedef struct fc_state {
  int64_t axis, axis_w;
  float *ones; /* FCGradient: M ones, so that db = 1^T dY is a GEMM as in Caffe2 */
  int64_t ones_len;
} fc_state;

typedef struct fc_dims {
  int axis;          /* canonical axis of X */
  int64_t M, K, N;
} fc_dims;

static c2_status fc_create(c2_operator *op, c2_error *err) {
  fc_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  bool fp16;
  c2_status st = c2_arg_get_int(def, "axis", 1, &s->axis, err);
  if (!st) st = c2_arg_get_int(def, "axis_w", 1, &s->axis_w, err);
  /* Caffe2's CPU FC computes in float whatever float16_compute says; so does this one. */
  if (!st) st = c2_arg_get_bool(def, "float16_compute", false, &fp16, err);
  return st;
}

static void fc_destroy(c2_operator *op) { c2__free(((fc_state *)c2_op_state(op))->ones); }

static c2_status dims_message(const c2_operator *op, const char *what, c2_error *err) {
  const c2_tensor *x = c2_op_input(op, 0), *w = c2_op_input(op, 1);
  char sx[128], sw[128];
  return c2_error_set(err, C2_ERR_SHAPE, "%s (X '%s' %s, W '%s' %s)", what,
                      c2_op_input_name(op, 0), c2_tensor_shape_string(x, sx, sizeof sx),
                      c2_op_input_name(op, 1), c2_tensor_shape_string(w, sw, sizeof sw));
}

/* M, K from X at axis; N from W at axis_w (W is N x K); W must hold exactly N * K values. */
static c2_status fc_dims_of(c2_operator *op, fc_dims *d, c2_error *err) {
  const fc_state *s = c2_op_state(op);
  c2_status st = c2__require_float(op, 0, err);
  if (!st) st = c2__require_float(op, 1, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *w = c2_op_input(op, 1);
  int axis_w;
  st = c2__canonical_axis(s->axis, x->ndim, "axis", &d->axis, err);
  if (!st) st = c2__canonical_axis(s->axis_w, w->ndim, "axis_w", &axis_w, err);
  if (!st) st = c2__dims_product(x->dims, 0, d->axis, &d->M, err);
  if (!st) st = c2__dims_product(x->dims, d->axis, x->ndim, &d->K, err);
  if (!st) st = c2__dims_product(w->dims, 0, axis_w, &d->N, err);
  if (st) return st;
  int64_t w_k;
  st = c2__dims_product(w->dims, axis_w, w->ndim, &w_k, err);
  if (st) return st;
  if (w_k != d->K)
    return dims_message(op, "W must be N x K with K the size of X from 'axis' on", err);
  return C2_OK;
}

/* ---- FC ---- */

static c2_status fc_run(c2_operator *op, c2_error *err) {
  fc_dims d;
  c2_status st = fc_dims_of(op, &d, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *w = c2_op_input(op, 1);
  char what[64];
  snprintf(what, sizeof what, "the bias has N = %lld values", (long long)d.N);
  st = c2__require_float_numel(op, 2, d.N, what, err);
  if (st) return st;
  const c2_tensor *b = c2_op_input(op, 2);
  if (b->ndim != 1) {
    char sb[128];
    return c2_error_set(err, C2_ERR_SHAPE, "bias '%s' must be 1-D, got shape %s",
                        c2_op_input_name(op, 2), c2_tensor_shape_string(b, sb, sizeof sb));
  }
  /* Y = X.shape[:axis] + [N] */
  int64_t ydims[C2_MAX_NDIM];
  memcpy(ydims, x->dims, (size_t)d.axis * sizeof *ydims);
  ydims[d.axis] = d.N;
  c2_tensor *y = c2_op_output(op, 0);
  st = c2_tensor_resize(y, C2_DTYPE_FLOAT, d.axis + 1, ydims, err);
  if (st || d.M == 0 || d.N == 0) return st;
  /* Rows start as the bias, then the GEMM adds X W^T (beta = 1): Caffe2's order of rounding. */
  float *out = y->data;
  const float *bias = b->data;
  for (int64_t i = 0; i < d.M; i++) memcpy(out + i * d.N, bias, (size_t)d.N * sizeof *out);
  if (d.K > 0) /* on the op's threads, in fixed column tiles (same bits for any thread count) */
    return c2__sgemm_op(op, false, true, d.M, d.N, d.K, 1.0f, x->data, d.K, w->data, d.K, 1.0f,
                        out, d.N, err);
  return C2_OK;
}

/* ---- FCGradient ---- */

static c2_status ensure_ones(fc_state *s, int64_t m, c2_error *err) {
  if (s->ones_len >= m) return C2_OK;
  float *ones = c2__malloc((size_t)m * sizeof *ones);
  if (!ones) return c2_error_set(err, C2_ERR_NOMEM, "out of memory for %lld bias multipliers",
                                 (long long)m);
  for (int64_t i = 0; i < m; i++) ones[i] = 1.0f;
  c2__free(s->ones);
  s->ones = ones;
  s->ones_len = m;
  return C2_OK;
}

static void zero(c2_tensor *t) {
  if (t->nbytes) memset(t->data, 0, t->nbytes);
}

static c2_status fc_grad_run(c2_operator *op, c2_error *err) {
  fc_state *s = c2_op_state(op);
  fc_dims d;
  c2_status st = fc_dims_of(op, &d, err);
  if (st) return st;
  const c2_tensor *x = c2_op_input(op, 0), *w = c2_op_input(op, 1);
  /* Caffe2 never checks dY; reading M x N values from a smaller dY would overrun it. */
  int64_t mn, dims_mn[2] = {d.M, d.N};
  st = c2_dims_numel(2, dims_mn, &mn, err);
  if (st) return st;
  char what[96];
  snprintf(what, sizeof what, "dY must have M x N = %lld x %lld values", (long long)d.M,
           (long long)d.N);
  st = c2__require_float_numel(op, 2, mn, what, err);
  if (st) return st;
  const c2_tensor *dy = c2_op_input(op, 2);
  c2_tensor *dw = c2_op_output(op, 0), *db = c2_op_output(op, 1);
  c2_tensor *dx = c2_op_num_outputs(op) > 2 ? c2_op_output(op, 2) : NULL;
  st = c2_tensor_resize_like(dw, w, err);
  if (!st) st = c2_tensor_resize(db, C2_DTYPE_FLOAT, 1, &d.N, err);
  if (!st && dx) st = c2_tensor_resize_like(dx, x, err);
  if (!st && d.M > 0) st = ensure_ones(s, d.M, err);
  if (st) return st;
  /* Degenerate sizes give zero gradients without calling the GEMM on empty operands. */
  if (d.M == 0 || d.N == 0 || d.K == 0) {
    zero(dw);
    if (dx) zero(dx);
  }
  if (d.M == 0 || d.N == 0) {
    zero(db);
    return C2_OK;
  }
  /* db = 1^T dY (1 x M times M x N) */
  c2__sgemm(false, false, 1, d.N, d.M, 1.0f, s->ones, d.M, dy->data, d.N, 0.0f, db->data, d.N);
  if (d.K == 0) return C2_OK;
  /* dW = dY^T X (N x M times M x K) */
  c2__sgemm(true, false, d.N, d.K, d.M, 1.0f, dy->data, d.N, x->data, d.K, 0.0f, dw->data, d.K);
  /* dX = dY W (M x N times N x K) */
  if (dx)
    c2__sgemm(false, false, d.M, d.K, d.N, 1.0f, dy->data, d.N, w->data, d.K, 0.0f, dx->data,
              d.K);
  return C2_OK;
}

/* Caffe2 GetFCGradient: FCGradient(X, W, dY) -> (dW, db, dX). */
static c2_status fc_gradient(c2_grad_ctx *g, c2_error *err) {
  const char *go, *gx, *gw, *gb;
  c2_status st = c2_grad_GO(g, 0, &go, err);
  if (!st) st = c2_grad_GI(g, 1, &gw, err);
  if (!st) st = c2_grad_GI(g, 2, &gb, err);
  if (!st) st = c2_grad_GI(g, 0, &gx, err);
  if (st) return st;
  const char *in[] = {c2_grad_I(g, 0), c2_grad_I(g, 1), go}, *out[] = {gw, gb, gx};
  return c2_grad_add_op(g, "FCGradient", 3, in, 3, out, NULL, err);
}

/* ---- inference ---- */

static c2_status shape_dims(const c2_opdef *def, const c2_shape *x, const c2_shape *w,
                            fc_dims *d, c2_error *err) {
  int64_t axis, axis_w;
  int caw;
  c2_status st = c2_arg_get_int(def, "axis", 1, &axis, err);
  if (!st) st = c2_arg_get_int(def, "axis_w", 1, &axis_w, err);
  if (!st) st = c2__canonical_axis(axis, x->ndim, "axis", &d->axis, err);
  if (!st) st = c2__canonical_axis(axis_w, w->ndim, "axis_w", &caw, err);
  if (!st) st = c2__dims_product(x->dims, 0, d->axis, &d->M, err);
  if (!st) st = c2__dims_product(x->dims, d->axis, x->ndim, &d->K, err);
  if (!st) st = c2__dims_product(w->dims, 0, caw, &d->N, err);
  return st;
}

static c2_status fc_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                          c2_shape *out, c2_error *err) {
  if (n_in < 2 || n_out < 1 || in[0].unknown || in[1].unknown) return C2_OK;
  fc_dims d;
  c2_status st = shape_dims(def, &in[0], &in[1], &d, err);
  if (st) return st;
  out[0] = (c2_shape){.dtype = in[0].dtype, .ndim = d.axis + 1};
  memcpy(out[0].dims, in[0].dims, (size_t)d.axis * sizeof *out[0].dims);
  out[0].dims[d.axis] = d.N;
  return C2_OK;
}

static c2_status fc_grad_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                               c2_shape *out, c2_error *err) {
  (void)def, (void)err;
  if (n_in < 2) return C2_OK;
  if (n_out > 0) out[0] = in[1];
  if (n_out > 1 && !in[1].unknown && !in[0].unknown) {
    fc_dims d;
    c2_status st = shape_dims(def, &in[0], &in[1], &d, err);
    if (st) return st;
    out[1] = (c2_shape){.dtype = in[1].dtype, .ndim = 1, .dims = {d.N}};
  }
  if (n_out > 2) out[2] = in[0];
  return C2_OK;
}

static c2_status fc_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                         c2_error *err) {
  if (n_in < 2 || in[0].unknown || in[1].unknown) return C2_OK;
  fc_dims d;
  c2_status st = shape_dims(def, &in[0], &in[1], &d, err);
  if (st) return st;
  uint64_t m = (uint64_t)d.M, n = (uint64_t)d.N, k = (uint64_t)d.K, f = sizeof(float);
  uint64_t mn = c2__sat_mul(m, n), nk = c2__sat_mul(n, k);
  cost->flops = c2__sat_add(c2__sat_mul(2, c2__sat_mul(mn, k)), mn);
  cost->params_bytes = c2__sat_mul(c2__sat_add(nk, n), f);
  cost->bytes_read = c2__sat_add(c2__sat_mul(c2__sat_mul(m, k), f), cost->params_bytes);
  cost->bytes_written = c2__sat_mul(mn, f);
  return C2_OK;
}

static c2_status fc_grad_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                              c2_error *err) {
  if (n_in < 2 || in[0].unknown || in[1].unknown) return C2_OK;
  fc_dims d;
  c2_status st = shape_dims(def, &in[0], &in[1], &d, err);
  if (st) return st;
  uint64_t m = (uint64_t)d.M, n = (uint64_t)d.N, k = (uint64_t)d.K, f = sizeof(float);
  uint64_t mn = c2__sat_mul(m, n), nk = c2__sat_mul(n, k), mk = c2__sat_mul(m, k);
  bool with_dx = def->n_output > 2;
  /* dW and (with dX) dX are M N K multiply-adds each; db sums M N values. */
  cost->flops = c2__sat_add(c2__sat_mul(with_dx ? 4 : 2, c2__sat_mul(mn, k)), mn);
  cost->params_bytes = c2__sat_mul(nk, f);
  cost->bytes_read = c2__sat_mul(c2__sat_add(c2__sat_add(mk, nk), mn), f);
  cost->bytes_written = c2__sat_mul(c2__sat_add(c2__sat_add(nk, n), with_dx ? mk : 0), f);
  return C2_OK;
}

/* ---- schemas ---- */

#define FC_ARGS                                                                              \
  {.name = "axis", .type = C2_ARG_INT, .has_default = true, .default_int = 1,                \
   .doc = "X is viewed as a matrix split before this axis (may be negative): M = prod of the " \
          "dims before it, K = prod of the rest."},                                          \
  {.name = "axis_w", .type = C2_ARG_INT, .has_default = true, .default_int = 1,              \
   .doc = "W is viewed as N x K split before this axis (may be negative)."},                 \
  {.name = "float16_compute", .type = C2_ARG_INT, .has_default = true, .default_int = 0,     \
   .doc = "Accepted for compatibility; the CPU computes in float, as Caffe2's does."}

static const c2_arg_spec fc_args[] = {FC_ARGS};
static const c2_arg_spec fc_grad_args[] = {FC_ARGS};
static const c2_io_doc fc_inputs[] = {{"X", "Input, viewed as M x K."},
                                      {"W", "Weights, viewed as N x K."},
                                      {"b", "1-D bias of N values."}};
static const c2_io_doc fc_outputs[] = {{"Y", "X W^T + b, shaped X.shape[:axis] + [N]."}};
static const c2_io_doc fc_grad_inputs[] = {
    {"X", "Forward input."}, {"W", "Forward weights."}, {"dY", "Gradient of Y (M x N values)."}};
static const c2_io_doc fc_grad_outputs[] = {{"dW", "dY^T X, shaped like W."},
                                            {"db", "Column sums of dY, [N]."},
                                            {"dX", "Optional: dY W, shaped like X."}};

static const c2_schema fc_schema = {
    .type = "FC",
    .doc = "Fully connected layer: Y = X W^T + b, with X coerced to M x K at 'axis', W to N x K "
           "at 'axis_w', and b of N values added to every row.",
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .args = fc_args, .n_args = 3,
    .inputs = fc_inputs, .n_input_docs = 3, .outputs = fc_outputs, .n_output_docs = 1,
    .infer_shape = fc_shape, .infer_cost = fc_cost,
};

static const c2_schema fc_grad_schema = {
    .type = "FCGradient",
    .doc = "Gradient of FC: dW = dY^T X, db = column sums of dY, and (with a third output) "
           "dX = dY W.",
    .min_inputs = 3, .max_inputs = 3, .min_outputs = 2, .max_outputs = 3,
    .args = fc_grad_args, .n_args = 3,
    .inputs = fc_grad_inputs, .n_input_docs = 3, .outputs = fc_grad_outputs, .n_output_docs = 3,
    .infer_shape = fc_grad_shape, .infer_cost = fc_grad_cost,
};

static const c2_op_impl fc_impl = {.device_type = C2_DEVICE_CPU, .state_size = sizeof(fc_state),
                                   .create = fc_create, .run = fc_run, .destroy = fc_destroy};
static const c2_op_impl fc_grad_impl = {.device_type = C2_DEVICE_CPU,
                                        .state_size = sizeof(fc_state), .create = fc_create,
                                        .run = fc_grad_run, .destroy = fc_destroy};

c2_status c2_register_fc_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &fc_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "FC", &fc_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "FC", C2_GRADIENT_FN, fc_gradient, err);
  if (!st) st = c2_registry_add_schema(reg, &fc_grad_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "FCGradient", &fc_grad_impl, err);
  return st;
}
