/* Conv (Caffe2 conv_op, NCHW, 2-D): im2col + GEMM per image and group, computed in fixed
 * column tiles of the output on the workspace's threads. A tile's im2col columns are built by
 * the thread that multiplies them, into its own scratch, so they are still in cache. */
#include <string.h>

#include "../core/alloc.h"
#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/parallel.h"
#include "c2rt/registry.h"
#include "conv_kernels.h"
#include "gemm.h"
#include "ops.h"

typedef struct conv_state {
  conv_pool_args args;
  float *scratch; /* threads x scratch_per_thread floats */
  size_t scratch_floats;
} conv_state;

static c2_status conv_create(c2_operator *op, c2_error *err) {
  conv_state *s = c2_op_state(op);
  return c2__conv_pool_parse(c2_op_def(op), CP_CONV, &s->args, err);
}

static void conv_destroy(c2_operator *op) {
  conv_state *s = c2_op_state(op);
  c2__free(s->scratch);
}

/* Shapes of X, W and b against the arguments; fills the geometry and M. Shared by run and by
 * shape inference (where b may be absent from `in`). */
static c2_status check_shapes(const conv_pool_args *a, int ndim_x, const int64_t *x, int ndim_w,
                              const int64_t *w, int ndim_b, const int64_t *b, conv_pool_geom *g,
                              c2_error *err) {
  if (ndim_x != 4)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "input X must be a 4-D NCHW tensor, got rank %d (only 2-D convolution is "
                        "implemented)",
                        ndim_x);
  if (ndim_w != 4)
    return c2_error_set(err, C2_ERR_SHAPE, "filter W must be 4-D [M, C/group, kh, kw], got rank %d",
                        ndim_w);
  const int64_t C = x[1], M = w[0], G = a->group;
  if (C % G != 0 || w[1] * G != C)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "X has %lld channels, but filter W has %lld input channels x group %lld",
                        (long long)C, (long long)w[1], (long long)G);
  if (M % G != 0)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "filter W has %lld output channels, which group %lld does not divide",
                        (long long)M, (long long)G);
  if (w[2] != a->kernel[0] || w[3] != a->kernel[1])
    return c2_error_set(err, C2_ERR_SHAPE,
                        "filter W is %lld x %lld, but the kernel argument says %lld x %lld",
                        (long long)w[2], (long long)w[3], (long long)a->kernel[0],
                        (long long)a->kernel[1]);
  if (b && (ndim_b != 1 || b[0] != M))
    return c2_error_set(err, C2_ERR_SHAPE, "bias must be 1-D of size %lld (the output channels)",
                        (long long)M);
  return c2__conv_pool_geometry(a, CP_CONV, x[2], x[3], g, err);
}

typedef struct conv_job {
  const float *x, *w, *b;
  float *y;
  int64_t C, M, G, tiles;
  conv_pool_geom g;
  bool direct; /* 1x1, stride 1, no padding: X is already the im2col matrix */
  float *scratch;
  size_t scratch_per_thread;
} conv_job;

static void conv_items(void *ctx, int64_t begin, int64_t end, int thread) {
  const conv_job *j = ctx;
  const int64_t Cg = j->C / j->G, Mg = j->M / j->G;
  const int64_t H = j->g.in[0], W = j->g.in[1], P = j->g.out[0] * j->g.out[1];
  const int64_t Kg = Cg * j->g.kernel[0] * j->g.kernel[1];
  float *col = j->scratch ? j->scratch + (size_t)thread * j->scratch_per_thread : NULL;
  for (int64_t item = begin; item < end; item++) {
    const int64_t t = item % j->tiles, ng = item / j->tiles, g = ng % j->G, n = ng / j->G;
    int64_t p0, p1;
    c2__gemm_tile_range(P, j->tiles, t, &p0, &p1);
    if (p1 <= p0) continue;
    const float *x = j->x + (n * j->C + g * Cg) * H * W;
    const float *B;
    int64_t ldb;
    if (j->direct) {
      B = x + p0;
      ldb = H * W;
    } else {
      c2__im2col_tile(x, Cg, &j->g, p0, p1, col);
      B = col;
      ldb = p1 - p0;
    }
    float *y = j->y + (n * j->M + g * Mg) * P + p0;
    float beta = 0.0f;
    if (j->b) { /* Y = b + W col: the bias goes in first and the GEMM adds to it */
      c2__fill_rows_with_bias(y, Mg, p1 - p0, P, j->b + g * Mg);
      beta = 1.0f;
    }
    c2__sgemm(false, false, Mg, p1 - p0, Kg, 1.0f, j->w + g * Mg * Kg, Kg, B, ldb, beta, y, P);
  }
}

static c2_status conv_run(c2_operator *op, c2_error *err) {
  conv_state *s = c2_op_state(op);
  bool has_bias = c2_op_num_inputs(op) > 2;
  c2_status st = c2_op_require_input(op, 0, C2_DTYPE_FLOAT, -1, err);
  if (!st) st = c2_op_require_input(op, 1, C2_DTYPE_FLOAT, -1, err);
  if (!st && has_bias) st = c2_op_require_input(op, 2, C2_DTYPE_FLOAT, -1, err);
  if (st) return st;
  const c2_tensor *X = c2_op_input(op, 0), *Wt = c2_op_input(op, 1);
  const c2_tensor *b = has_bias ? c2_op_input(op, 2) : NULL;
  conv_job j = {0};
  st = check_shapes(&s->args, X->ndim, X->dims, Wt->ndim, Wt->dims, b ? b->ndim : 0,
                    b ? b->dims : NULL, &j.g, err);
  if (st) return st;
  const int64_t N = X->dims[0];
  j.C = X->dims[1];
  j.M = Wt->dims[0];
  j.G = s->args.group;
  c2_tensor *Y = c2_op_output(op, 0);
  if (Y == X || Y == Wt || Y == b)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "output Y cannot be one of the inputs");
  int64_t ydims[4] = {N, j.M, j.g.out[0], j.g.out[1]};
  st = c2_tensor_resize(Y, C2_DTYPE_FLOAT, 4, ydims, err);
  if (st || Y->numel == 0) return st;
  const int64_t P = j.g.out[0] * j.g.out[1];
  const int64_t Cg = j.C / j.G, Kg = Cg * j.g.kernel[0] * j.g.kernel[1];
  j.x = X->data;
  j.w = Wt->data;
  j.b = b ? b->data : NULL;
  j.y = Y->data;
  if (Kg == 0) { /* no input channels: Y is the bias (or 0) */
    float *y = Y->data;
    for (int64_t i = 0; i < Y->numel; i++) y[i] = j.b ? j.b[(i / P) % j.M] : 0.0f;
    return C2_OK;
  }
  j.direct = j.g.kernel[0] == 1 && j.g.kernel[1] == 1 && j.g.stride[0] == 1 &&
             j.g.stride[1] == 1 && !j.g.pads[0] && !j.g.pads[1] && !j.g.pads[2] && !j.g.pads[3];
  j.tiles = c2__gemm_tiles(j.M / j.G, P, Kg, N * j.G);
  const int64_t items = N * j.G * j.tiles;
  if (!j.direct) {
    int64_t widest = 0;
    for (int64_t t = 0; t < j.tiles; t++) {
      int64_t p0, p1;
      c2__gemm_tile_range(P, j.tiles, t, &p0, &p1);
      if (p1 - p0 > widest) widest = p1 - p0;
    }
    int threads = c2_parallel_chunks(items, 1, c2_op_num_threads(op));
    size_t per_thread = ((size_t)(Kg * widest) + 15) / 16 * 16;
    size_t need = per_thread * (size_t)threads;
    if (need > s->scratch_floats) {
      float *grown = c2__aligned_alloc(need * sizeof(float));
      if (!grown)
        return c2_error_set(err, C2_ERR_NOMEM, "out of memory for %zu bytes of im2col scratch",
                            need * sizeof(float));
      c2__free(s->scratch);
      s->scratch = grown;
      s->scratch_floats = need;
    }
    j.scratch = s->scratch;
    j.scratch_per_thread = per_thread;
  }
  return c2_op_parallel_for(op, items, 1, conv_items, &j, err);
}

/* ---- schema ---- */

static c2_status conv_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                            c2_shape *out, c2_error *err) {
  (void)n_out;
  if (n_in < 2 || in[0].unknown || in[1].unknown) return C2_OK;
  conv_pool_args a;
  conv_pool_geom g;
  bool has_b = n_in > 2 && !in[2].unknown;
  c2_status st = c2__conv_pool_parse(def, CP_CONV, &a, err);
  if (!st)
    st = check_shapes(&a, in[0].ndim, in[0].dims, in[1].ndim, in[1].dims, has_b ? in[2].ndim : 0,
                      has_b ? in[2].dims : NULL, &g, err);
  if (st) return st;
  out[0] = (c2_shape){.dtype = C2_DTYPE_FLOAT, .ndim = 4,
                      .dims = {in[0].dims[0], in[1].dims[0], g.out[0], g.out[1]}};
  return C2_OK;
}

static c2_status conv_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  c2_shape y;
  c2_status st = conv_shape(def, n_in, in, 1, &y, err);
  if (st || n_in < 2 || in[0].unknown || in[1].unknown) return st;
  /* per output element: C/group * kh * kw multiply-adds, plus the bias add */
  uint64_t macs_per_out = (uint64_t)(in[1].dims[1] * in[1].dims[2] * in[1].dims[3]);
  uint64_t outs = c2_shape_numel(&y);
  bool has_b = n_in > 2 && !in[2].unknown;
  cost->flops = 2 * macs_per_out * outs + (has_b ? outs : 0);
  cost->params_bytes = c2_shape_nbytes(&in[1]) + (has_b ? c2_shape_nbytes(&in[2]) : 0);
  cost->bytes_read = c2_shape_nbytes(&in[0]) + cost->params_bytes;
  cost->bytes_written = c2_shape_nbytes(&y);
  return C2_OK;
}

static const c2_arg_spec conv_args[] = {
    C2_CONV_POOL_ARG_SPECS,
    {.name = "group", .type = C2_ARG_INT, .has_default = true, .default_int = 1,
     .doc = "Number of groups: channels of X and of Y are cut into this many contiguous blocks."},
};
static const c2_io_doc conv_inputs[] = {
    {"X", "Input [N, C, H, W]."},
    {"filter", "Filter [M, C/group, kh, kw]."},
    {"bias", "Optional bias [M]."}};
static const c2_io_doc conv_outputs[] = {{"Y", "Output [N, M, H_out, W_out]."}};
static const c2_onnx_attr conv_onnx[] = {{"kernels", "kernel_shape"}, {"strides", "strides"},
                                         {"dilations", "dilations"}, {"pads", "pads"},
                                         {"group", "group"}};

static const c2_schema conv_schema = {
    .type = "Conv",
    .doc = "2-D convolution (cross-correlation) in NCHW with Caffe2's argument forms and output "
           "size rules: H_out = floor((H + pad_t + pad_b - dilation*(kh-1) - 1) / stride) + 1 "
           "(legacy_pad VALID, SAME and CAFFE_LEGACY_POOLING as in Caffe2).",
    .min_inputs = 2, .max_inputs = 3, .min_outputs = 1, .max_outputs = 1,
    .args = conv_args, .n_args = sizeof conv_args / sizeof *conv_args,
    .inputs = conv_inputs, .n_input_docs = 3, .outputs = conv_outputs, .n_output_docs = 1,
    .infer_shape = conv_shape, .infer_cost = conv_cost,
    .onnx_name = "Conv", .onnx_attrs = conv_onnx, .n_onnx_attrs = 5,
};

static const c2_op_impl conv_impl = {.device_type = C2_DEVICE_CPU,
                                     .state_size = sizeof(conv_state), .create = conv_create,
                                     .run = conv_run, .destroy = conv_destroy};

c2_status c2_register_conv_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &conv_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Conv", &conv_impl, err);
  if (!st)
    st = c2_registry_set_gradient(reg, "Conv", C2_GRADIENT_NOT_IMPLEMENTED, NULL, err);
  return st;
}
