/* UniformFill, GaussianFill and XavierFill (Caffe2 filler_op): float tensors drawn from the op's
 * own generator (random_gen.h), so that a net with device_option.random_seed fills the same
 * values on every run of a fresh net, and the values Caffe2 (built with libstdc++) fills. */
#include <math.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/registry.h"
#include "filler.h"
#include "op_util.h"
#include "ops.h"
#include "random_gen.h"

typedef enum fill_kind { FILL_UNIFORM, FILL_GAUSSIAN, FILL_XAVIER } fill_kind;

typedef struct fill_state {
  c2__fill_shape shape;
  float a, b; /* uniform: [min, max); gaussian: mean, std */
  c2__mt19937 gen;
} fill_state;

static c2_status finite_arg(const c2_opdef *def, const char *name, float dflt, float *out,
                            c2_error *err) {
  c2_status st = c2_arg_get_float(def, name, dflt, out, err);
  if (!st && !isfinite(*out))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument '%s' must be finite, got %g", name,
                        (double)*out);
  return st;
}

static c2_status create(c2_operator *op, fill_kind kind, c2_error *err) {
  fill_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  c2_status st = c2__fill_shape_parse(def, &s->shape, err);
  if (st) return st;
  if (kind == FILL_UNIFORM) {
    st = finite_arg(def, "min", 0.0f, &s->a, err);
    if (!st) st = finite_arg(def, "max", 1.0f, &s->b, err);
    if (!st && !(s->a < s->b))
      st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'max' (%g) must be greater than 'min' (%g)", (double)s->b,
                        (double)s->a);
  } else if (kind == FILL_GAUSSIAN) {
    st = finite_arg(def, "mean", 0.0f, &s->a, err);
    if (!st) st = finite_arg(def, "std", 1.0f, &s->b, err);
    if (!st && !(s->b > 0))
      st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument 'std' must be > 0, got %g",
                        (double)s->b);
  }
  if (st) return st;
  c2__mt_seed(&s->gen, c2__op_random_seed(def));
  return C2_OK;
}

static c2_status uniform_create(c2_operator *op, c2_error *err) {
  return create(op, FILL_UNIFORM, err);
}
static c2_status gaussian_create(c2_operator *op, c2_error *err) {
  return create(op, FILL_GAUSSIAN, err);
}
static c2_status xavier_create(c2_operator *op, c2_error *err) {
  return create(op, FILL_XAVIER, err);
}

static c2_status uniform_run(c2_operator *op, c2_error *err) {
  fill_state *s = c2_op_state(op);
  c2_status st = c2__fill_shape_resize(&s->shape, op, C2_DTYPE_FLOAT, err);
  if (st) return st;
  c2_tensor *y = c2_op_output(op, 0);
  c2__rand_uniform(&s->gen, (size_t)y->numel, s->a, s->b, y->data);
  return C2_OK;
}

static c2_status gaussian_run(c2_operator *op, c2_error *err) {
  fill_state *s = c2_op_state(op);
  c2_status st = c2__fill_shape_resize(&s->shape, op, C2_DTYPE_FLOAT, err);
  if (st) return st;
  c2_tensor *y = c2_op_output(op, 0);
  c2__rand_gaussian(&s->gen, (size_t)y->numel, s->a, s->b, y->data);
  return C2_OK;
}

/* Uniform in [-sqrt(3 / fan_in), sqrt(3 / fan_in)) with fan_in = numel / shape[0]. */
static c2_status xavier_run(c2_operator *op, c2_error *err) {
  fill_state *s = c2_op_state(op);
  c2_status st = c2__fill_shape_resize(&s->shape, op, C2_DTYPE_FLOAT, err);
  if (st) return st;
  c2_tensor *y = c2_op_output(op, 0);
  if (y->ndim < 1)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "output '%s' must have at least one dimension (fan_in = size / shape[0]), "
                        "got a scalar",
                        c2_op_output_name(op, 0));
  if (y->numel == 0) return C2_OK;
  int64_t fan_in = y->numel / y->dims[0];
  float scale = sqrtf(3.0f / (float)fan_in);
  c2__rand_uniform(&s->gen, (size_t)y->numel, -scale, scale, y->data);
  return C2_OK;
}

/* These fillers make FLOAT whatever `dtype` says (Caffe2 registers them for float only). */
static c2_status fill_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                            c2_shape *out, c2_error *err) {
  return c2__fill_infer_shape(def, C2_DTYPE_FLOAT, n_in, in, n_out, out, err);
}

static c2_status cost_of(const c2_opdef *def, int n_in, const c2_shape *in,
                         uint64_t flops_per_element, c2_cost *cost, c2_error *err) {
  c2_shape out = {.unknown = true};
  c2_status st = fill_shape(def, n_in, in, 1, &out, err);
  if (!st) c2__fill_cost(&out, flops_per_element, cost);
  return st;
}

static c2_status uniform_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                              c2_error *err) {
  return cost_of(def, n_in, in, 2, cost, err);
}
/* Polar method: about 1.27 pairs of draws per two outputs, a log and a sqrt per pair. */
static c2_status gaussian_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                               c2_error *err) {
  return cost_of(def, n_in, in, 12, cost, err);
}

static const c2_arg_spec uniform_args[] = {
    C2__FILLER_SHAPE_ARGS, C2__FILLER_RUN_ONCE_ARG,
    {.name = "min", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 0.0,
     .doc = "Lower bound (inclusive)."},
    {.name = "max", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 1.0,
     .doc = "Upper bound (exclusive), > min."},
};
static const c2_arg_spec gaussian_args[] = {
    C2__FILLER_SHAPE_ARGS, C2__FILLER_RUN_ONCE_ARG,
    {.name = "mean", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 0.0,
     .doc = "Mean of the distribution."},
    {.name = "std", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 1.0,
     .doc = "Standard deviation (> 0)."},
};
static const c2_arg_spec xavier_args[] = {C2__FILLER_SHAPE_ARGS, C2__FILLER_RUN_ONCE_ARG};

static const c2_io_doc fill_inputs[] = {
    {"shape_like", "Optional: the output takes its shape (or, with input_as_shape, its values)."}};
static const c2_io_doc fill_outputs[] = {{"output", "The filled float tensor."}};
static const c2_io_pair fill_inplace[] = {{0, 0}};

#define FILL_SCHEMA(NAME, DOC, ARGS, COST)                                                    \
  {.type = NAME, .doc = DOC, .min_inputs = 0, .max_inputs = 1, .min_outputs = 1,             \
   .max_outputs = 1, .allow_inplace = fill_inplace, .n_allow_inplace = 1, .args = ARGS,       \
   .n_args = sizeof ARGS / sizeof *ARGS, .inputs = fill_inputs, .n_input_docs = 1,            \
   .outputs = fill_outputs, .n_output_docs = 1, .infer_shape = fill_shape,          \
   .infer_cost = COST}

static const c2_schema schemas[] = {
    FILL_SCHEMA("UniformFill",
                "Fills the output with floats uniform in [min, max) (std::mt19937 seeded by "
                "device_option.random_seed, libstdc++'s uniform_real_distribution<float>).",
                uniform_args, uniform_cost),
    FILL_SCHEMA("GaussianFill",
                "Fills the output with normal floats N(mean, std^2) (std::mt19937 seeded by "
                "device_option.random_seed, libstdc++'s normal_distribution<float>).",
                gaussian_args, gaussian_cost),
    FILL_SCHEMA("XavierFill",
                "Fills the output uniformly in [-sqrt(3/fan_in), sqrt(3/fan_in)), fan_in = "
                "numel / shape[0] (Glorot & Bengio 2010 as Caffe2 defines it).",
                xavier_args, uniform_cost),
};

static const c2_op_impl impls[] = {
    {.device_type = C2_DEVICE_CPU, .state_size = sizeof(fill_state), .create = uniform_create,
     .run = uniform_run},
    {.device_type = C2_DEVICE_CPU, .state_size = sizeof(fill_state), .create = gaussian_create,
     .run = gaussian_run},
    {.device_type = C2_DEVICE_CPU, .state_size = sizeof(fill_state), .create = xavier_create,
     .run = xavier_run},
};

c2_status c2_register_random_fill_ops(c2_registry *reg, c2_error *err) {
  return c2__register_no_gradient_ops(reg, schemas, sizeof schemas / sizeof *schemas, impls,
                                      sizeof impls / sizeof *impls, err);
}
