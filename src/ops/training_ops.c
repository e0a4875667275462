/* The small ops a training loop is built from (Caffe2 stop_gradient.cc, iter_op.cc,
 * learning_rate_op.cc): StopGradient, Iter and LearningRate. None has a gradient. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

/* ---- StopGradient: identity forward; the backward pass stops here ---- */

static c2_status stop_gradient_run(c2_operator *op, c2_error *err) {
  const c2_tensor *x = c2_op_input(op, 0);
  c2_tensor *y = c2_op_output(op, 0);
  if (x == y) return C2_OK;
  c2_status st = c2__require_written(op, 0, err);
  return st ? st : c2_tensor_copy(y, x, err);
}

/* ---- Iter: the int64 counter blob, incremented in place on every run ---- */

/* With no input, the first run creates the counter at 0 before counting (so it reads 1 after the
 * first run). An INT32 counter (Caffe2's original Toy Regression tutorial fills ITER with
 * dtype=INT32) is widened to INT64 keeping its value; Caffe2 re-typed it, losing the value. */
static c2_status iter_run(c2_operator *op, c2_error *err) {
  c2_tensor *it = c2_op_output(op, 0);
  const char *name = c2_op_output_name(op, 0);
  c2_status st;
  if (it->dtype == C2_DTYPE_UNDEFINED && c2_op_num_inputs(op) == 0) {
    st = c2_tensor_resize(it, C2_DTYPE_INT64, 1, (const int64_t[]){1}, err);
    if (st) return st;
    *(int64_t *)it->data = 0;
  }
  if (it->numel != 1) {
    char shape[128];
    return c2_error_set(err, C2_ERR_SHAPE,
                        "counter '%s' must hold exactly one element, got %s %s", name,
                        c2_dtype_name(it->dtype), c2_tensor_shape_string(it, shape, sizeof shape));
  }
  if (it->dtype == C2_DTYPE_INT32) {
    int64_t value = *(const int32_t *)it->data;
    int64_t dims[C2_MAX_NDIM];
    int ndim = it->ndim;
    memcpy(dims, it->dims, sizeof dims);
    st = c2_tensor_resize(it, C2_DTYPE_INT64, ndim, dims, err);
    if (st) return st;
    *(int64_t *)it->data = value;
  }
  if (it->dtype != C2_DTYPE_INT64)
    return c2_error_set(err, C2_ERR_TYPE, "counter '%s' has dtype %s, expected INT64", name,
                        c2_dtype_name(it->dtype));
  int64_t *v = it->data;
  if (*v < 0)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "counter '%s' holds the negative iteration number %lld", name,
                        (long long)*v);
  if (*v == INT64_MAX)
    return c2_error_set(err, C2_ERR_LIMIT, "counter '%s' would overflow", name);
  (*v)++;
  return C2_OK;
}

/* ---- LearningRate: base_lr * policy(iter) as a float scalar ---- */

typedef enum lr_policy {
  LR_FIXED, LR_STEP, LR_EXP, LR_INV, LR_POLY, LR_LINEAR_WARMUP, LR_CONSTANT_WARMUP
} lr_policy;

typedef struct lr_state {
  lr_policy policy;
  float base_lr, gamma, power, multiplier;
  int64_t stepsize, max_iter, num_iter;
} lr_state;

static c2_status positive(const char *policy, const char *name, double v, c2_error *err) {
  if (!(v > 0) || !isfinite(v))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "policy \"%s\" needs argument '%s' > 0, got %g", policy, name, v);
  return C2_OK;
}

/* Caffe2 only DCHECKs these values; here a missing or non-positive one is an error. */
static c2_status lr_create(c2_operator *op, c2_error *err) {
  lr_state *s = c2_op_state(op);
  const c2_opdef *def = c2_op_def(op);
  char policy[32];
  c2_status st = c2_arg_get_float(def, "base_lr", FLT_MAX, &s->base_lr, err);
  if (!st && (!c2_arg_has(def, "base_lr") || !isfinite(s->base_lr)))
    st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                      "argument 'base_lr' (the base learning rate) must be set to a finite float");
  if (!st) st = c2_arg_get_string(def, "policy", "", policy, sizeof policy, err);
  if (!st && !policy[0])
    st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                      "argument 'policy' must name a learning rate policy (fixed, step, exp, inv, "
                      "poly, linearWarmup, constantWarmup)");
  if (st) return st;
  int64_t stepsize;
  float gamma, power, start, multiplier;
  st = c2_arg_get_int(def, "stepsize", 0, &stepsize, err);
  if (!st) st = c2_arg_get_float(def, "gamma", 0.0f, &gamma, err);
  if (!st) st = c2_arg_get_float(def, "power", 0.0f, &power, err);
  if (!st) st = c2_arg_get_int(def, "max_iter", -1, &s->max_iter, err);
  if (!st) st = c2_arg_get_int(def, "num_iter", 0, &s->num_iter, err);
  if (!st) st = c2_arg_get_float(def, "start_multiplier", 0.0f, &start, err);
  if (!st) st = c2_arg_get_float(def, "multiplier", 0.5f, &multiplier, err);
  if (st) return st;
  s->gamma = gamma;
  s->power = power;
  if (strcmp(policy, "fixed") == 0) {
    s->policy = LR_FIXED;
  } else if (strcmp(policy, "step") == 0) {
    s->policy = LR_STEP;
    s->stepsize = stepsize;
    st = positive(policy, "stepsize", (double)stepsize, err);
    if (!st) st = positive(policy, "gamma", gamma, err);
  } else if (strcmp(policy, "exp") == 0) {
    s->policy = LR_EXP;
    st = positive(policy, "gamma", gamma, err);
  } else if (strcmp(policy, "inv") == 0) {
    s->policy = LR_INV;
    st = positive(policy, "gamma", gamma, err);
    if (!st) st = positive(policy, "power", power, err);
  } else if (strcmp(policy, "poly") == 0) {
    s->policy = LR_POLY;
    st = positive(policy, "power", power, err);
    if (!st) st = positive(policy, "max_iter", (double)s->max_iter, err);
  } else if (strcmp(policy, "linearWarmup") == 0) {
    s->policy = LR_LINEAR_WARMUP;
    s->multiplier = start;
    st = positive(policy, "start_multiplier", start, err);
  } else if (strcmp(policy, "constantWarmup") == 0) {
    s->policy = LR_CONSTANT_WARMUP;
    s->multiplier = multiplier;
    st = positive(policy, "multiplier", multiplier, err);
  } else {
    st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                      "unknown learning rate policy \"%s\" (fixed, step, exp, inv, poly, "
                      "linearWarmup, constantWarmup)",
                      policy);
  }
  return st;
}

/* Caffe2's functors, with their float/double mixes (std::pow on floats is powf). */
static float lr_factor(const lr_state *s, int64_t iter) {
  switch (s->policy) {
    case LR_FIXED: return 1.0f;
    case LR_STEP: return powf(s->gamma, (float)(iter / s->stepsize));
    case LR_EXP: return powf(s->gamma, (float)iter);
    case LR_INV: return powf(1.0f + s->gamma * (float)iter, -s->power);
    case LR_POLY: return powf(1.0f - (float)iter / (float)s->max_iter, s->power);
    case LR_LINEAR_WARMUP:
      if (iter >= s->num_iter) return 1.0f;
      return (float)((double)s->multiplier +
                     (1.0 - (double)s->multiplier) * (double)(float)iter / (double)(float)s->num_iter);
    case LR_CONSTANT_WARMUP: return iter >= s->num_iter ? 1.0f : s->multiplier;
  }
  return 1.0f;
}

static c2_status lr_run(c2_operator *op, c2_error *err) {
  lr_state *s = c2_op_state(op);
  const c2_tensor *it = c2_op_input(op, 0);
  c2_status st = c2_op_require_input(op, 0, C2_DTYPE_INT64, -1, err);
  if (st) return st;
  if (it->numel < 1)
    return c2_error_set(err, C2_ERR_SHAPE, "input '%s' (the iteration counter) holds no element",
                        c2_op_input_name(op, 0));
  float lr = s->base_lr * lr_factor(s, *(const int64_t *)it->data);
  c2_tensor *y = c2_op_output(op, 0);
  st = c2_tensor_resize(y, C2_DTYPE_FLOAT, 0, NULL, err); /* a scalar, as Caffe2 */
  if (st) return st;
  *(float *)y->data = lr;
  return C2_OK;
}

/* ---- schemas ---- */

static c2_status iter_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                            c2_shape *out, c2_error *err) {
  (void)def;
  (void)n_in;
  (void)in;
  (void)err;
  if (n_out > 0) out[0] = (c2_shape){.dtype = C2_DTYPE_INT64, .ndim = 1, .dims = {1}};
  return C2_OK;
}

static c2_status lr_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                          c2_shape *out, c2_error *err) {
  (void)def;
  (void)n_in;
  (void)in;
  (void)err;
  if (n_out > 0) out[0] = (c2_shape){.dtype = C2_DTYPE_FLOAT, .ndim = 0};
  return C2_OK;
}

static c2_status copy_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                           c2_error *err) {
  (void)err;
  return c2__pointwise_cost(def, n_in, in, 0, cost);
}

static c2_status scalar_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                             c2_error *err) {
  (void)def;
  (void)n_in;
  (void)in;
  (void)err;
  cost->flops = 4;
  cost->bytes_read = 8;
  cost->bytes_written = 8;
  return C2_OK;
}

static const c2_io_pair one_inplace[] = {{0, 0}};

static const c2_arg_spec lr_args[] = {
    {.name = "base_lr", .type = C2_ARG_FLOAT, .required = true,
     .doc = "Learning rate at iteration 0 (negative for descent with WeightedSum)."},
    {.name = "policy", .type = C2_ARG_STRING, .required = true,
     .doc = "fixed | step | exp | inv | poly | linearWarmup | constantWarmup."},
    {.name = "stepsize", .type = C2_ARG_INT, .doc = "step: iterations per decay step (> 0)."},
    {.name = "gamma", .type = C2_ARG_FLOAT,
     .doc = "step: gamma^floor(iter/stepsize); exp: gamma^iter; inv: (1+gamma*iter)^-power."},
    {.name = "power", .type = C2_ARG_FLOAT, .doc = "inv, poly: the exponent (> 0)."},
    {.name = "max_iter", .type = C2_ARG_INT, .doc = "poly: (1 - iter/max_iter)^power."},
    {.name = "num_iter", .type = C2_ARG_INT, .has_default = true, .default_int = 0,
     .doc = "linearWarmup, constantWarmup: warm-up length."},
    {.name = "start_multiplier", .type = C2_ARG_FLOAT,
     .doc = "linearWarmup: multiplier at iteration 0, rising linearly to 1."},
    {.name = "multiplier", .type = C2_ARG_FLOAT, .has_default = true, .default_float = 0.5,
     .doc = "constantWarmup: multiplier before num_iter."},
};

static const c2_io_doc sg_inputs[] = {{"X", "Any tensor."}};
static const c2_io_doc sg_outputs[] = {{"Y", "X unchanged (a copy unless in place)."}};
static const c2_io_doc iter_inputs[] = {{"iter", "Optional: the counter (same blob as output)."}};
static const c2_io_doc iter_outputs[] = {{"iter", "INT64 [1] counter, incremented each run."}};
static const c2_io_doc lr_inputs[] = {{"iter", "INT64 iteration counter (from Iter)."}};
static const c2_io_doc lr_outputs[] = {{"lr", "FLOAT scalar learning rate."}};

static const c2_schema schemas[] = {
    {.type = "StopGradient",
     .doc = "Passes X through unchanged; gradients do not flow back through it.",
     .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
     .allow_inplace = one_inplace, .n_allow_inplace = 1,
     .inputs = sg_inputs, .n_input_docs = 1, .outputs = sg_outputs, .n_output_docs = 1,
     .infer_shape = c2_shape_like_input0, .infer_cost = copy_cost},
    {.type = "Iter",
     .doc = "Increments an INT64 iteration counter in place (created at 0 when there is no "
            "input and the blob is empty).",
     .min_inputs = 0, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
     .enforce_inplace = one_inplace, .n_enforce_inplace = 1,
     .inputs = iter_inputs, .n_input_docs = 1, .outputs = iter_outputs, .n_output_docs = 1,
     .infer_shape = iter_shape, .infer_cost = scalar_cost},
    {.type = "LearningRate",
     .doc = "Learning rate base_lr * policy(iter) for the current iteration.",
     .min_inputs = 1, .max_inputs = 1, .min_outputs = 1, .max_outputs = 1,
     .args = lr_args, .n_args = sizeof lr_args / sizeof *lr_args,
     .inputs = lr_inputs, .n_input_docs = 1, .outputs = lr_outputs, .n_output_docs = 1,
     .infer_shape = lr_shape, .infer_cost = scalar_cost},
};

static const c2_op_impl impls[] = {
    {.device_type = C2_DEVICE_CPU, .run = stop_gradient_run},
    {.device_type = C2_DEVICE_CPU, .run = iter_run},
    {.device_type = C2_DEVICE_CPU, .state_size = sizeof(lr_state), .create = lr_create,
     .run = lr_run},
};

c2_status c2_register_training_ops(c2_registry *reg, c2_error *err) {
  return c2__register_no_gradient_ops(reg, schemas, sizeof schemas / sizeof *schemas, impls,
                                      sizeof impls / sizeof *impls, err);
}
