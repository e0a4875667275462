/* Dropout (Caffe2 dropout_op). With is_test set, Y = X (nothing to do when in place) and the
 * mask output is left as it is. In training, mask ~ Bernoulli(1 - ratio) (bool) and
 * Y = X * 1/(1 - ratio) * mask.
 *
 * The random numbers are counter-based, so a mask does not depend on the thread count: element i
 * of the k-th run of an op keeps its value when splitmix64(seed, k, i) / 2^64 < 1 - ratio, where
 * seed is the op's DeviceOption.random_seed, or 0 when it has none. Every run of the same op
 * instance draws a new mask; two nets built from the same definition draw the same masks. */
#include <string.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"
#include "c2rt/parallel.h"
#include "c2rt/registry.h"
#include "ops.h"

typedef struct dropout_state {
  float ratio;
  bool is_test;
  uint64_t seed;
  uint64_t runs;
} dropout_state;

static c2_status dropout_create(c2_operator *op, c2_error *err) {
  dropout_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  c2_status st = c2_arg_get_float(def, "ratio", 0.5f, &s->ratio, err);
  if (!st) st = c2_arg_get_bool(def, "is_test", false, &s->is_test, err);
  if (st) return st;
  if (!(s->ratio >= 0.0f && s->ratio < 1.0f))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'ratio' must be in [0, 1), got %g", (double)s->ratio);
  if (!s->is_test && c2_op_num_outputs(op) < 2)
    return c2_error_set(err, C2_ERR_SCHEMA,
                        "in training (is_test = 0) Dropout needs its second output, the mask");
  if (def->device_option && def->device_option->has_random_seed)
    s->seed = def->device_option->random_seed;
  return C2_OK;
}

static uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

typedef struct dropout_job {
  const float *x;
  float *y;
  uint8_t *mask;
  uint64_t stream;
  double keep;
  float scale;
} dropout_job;

static void dropout_range(void *ctx, int64_t begin, int64_t end, int thread) {
  (void)thread;
  const dropout_job *j = ctx;
  const uint64_t threshold = j->keep >= 1.0 ? UINT64_MAX : (uint64_t)(j->keep * 18446744073709551616.0);
  for (int64_t i = begin; i < end; i++) {
    uint64_t r = splitmix64(j->stream ^ splitmix64((uint64_t)i));
    bool keep = j->keep >= 1.0 || r < threshold;
    j->mask[i] = keep;
    j->y[i] = j->x[i] * j->scale * (float)keep;
  }
}

static c2_status dropout_run(c2_operator *op, c2_error *err) {
  dropout_state *s = c2_op_state(op);
  c2_status st = c2_op_require_input(op, 0, C2_DTYPE_FLOAT, -1, err);
  if (st) return st;
  const c2_tensor *X = c2_op_input(op, 0);
  c2_tensor *Y = c2_op_output(op, 0);
  if (s->is_test) return Y == X ? C2_OK : c2_tensor_copy(Y, X, err);
  c2_tensor *mask = c2_op_output(op, 1);
  st = c2_tensor_resize_like(Y, X, err);
  if (!st) st = c2_tensor_resize(mask, C2_DTYPE_BOOL, X->ndim, X->dims, err);
  if (st) return st;
  uint64_t run = s->runs++;
  if (X->numel == 0) return C2_OK;
  dropout_job j = {X->data, Y->data, mask->data, splitmix64(s->seed) ^ splitmix64(~run),
                   1.0 - (double)s->ratio, 1.0f / (1.0f - s->ratio)};
  return c2_op_parallel_for(op, X->numel, 1 << 14, dropout_range, &j, err);
}

static c2_status dropout_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                               c2_shape *out, c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 1 || in[0].unknown) return C2_OK;
  out[0] = in[0];
  if (n_out > 1) {
    out[1] = in[0];
    out[1].dtype = C2_DTYPE_BOOL;
  }
  return C2_OK;
}

static c2_status dropout_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                              c2_error *err) {
  bool is_test;
  c2_status st = c2_arg_get_bool(def, "is_test", false, &is_test, err);
  if (st || n_in < 1 || in[0].unknown) return st;
  uint64_t n = c2_shape_numel(&in[0]);
  bool in_place = def->n_output > 0 && def->n_input > 0 &&
                  strcmp(def->input[0], def->output[0]) == 0;
  if (is_test) {
    cost->bytes_read = in_place ? 0 : c2_shape_nbytes(&in[0]);
    cost->bytes_written = cost->bytes_read;
    return C2_OK;
  }
  cost->flops = 2 * n;
  cost->bytes_read = c2_shape_nbytes(&in[0]);
  cost->bytes_written = c2_shape_nbytes(&in[0]) + n;
  return C2_OK;
}

static const c2_arg_spec dropout_args[] = {
    {.name = "ratio", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 0.5,
     .doc = "Probability of dropping an element, in [0, 1)."},
    {.name = "is_test", .type = C2_ARG_INT, .has_default = true, .default_int = 0,
     .doc = "Non-zero: inference, Y = X and the mask is not written."}};
static const c2_io_doc dropout_inputs[] = {{"data", "Input (float)."}};
static const c2_io_doc dropout_outputs[] = {
    {"output", "X scaled by 1/(1-ratio) where kept, 0 elsewhere (X itself with is_test)."},
    {"mask", "Bool tensor of kept elements (training only)."}};
static const c2_io_pair dropout_inplace[] = {{0, 0}};
static const c2_onnx_attr dropout_onnx[] = {{"ratio", "ratio"}};

static const c2_schema dropout_schema = {
    .type = "Dropout",
    .doc = "Dropout: in training keeps each element with probability 1 - ratio and scales it by "
           "1/(1 - ratio); with is_test it is the identity.",
    .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 2,
    .allow_inplace = dropout_inplace, .n_allow_inplace = 1,
    .args = dropout_args, .n_args = 2,
    .inputs = dropout_inputs, .n_input_docs = 1, .outputs = dropout_outputs, .n_output_docs = 2,
    .infer_shape = dropout_shape, .infer_cost = dropout_cost,
    .onnx_name = "Dropout", .onnx_attrs = dropout_onnx, .n_onnx_attrs = 1,
};

static const c2_op_impl dropout_impl = {.device_type = C2_DEVICE_CPU,
                                        .state_size = sizeof(dropout_state),
                                        .create = dropout_create, .run = dropout_run};

c2_status c2_register_dropout_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &dropout_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Dropout", &dropout_impl, err);
  if (!st)
    st = c2_registry_set_gradient(reg, "Dropout", C2_GRADIENT_NOT_IMPLEMENTED, NULL, err);
  return st;
}
