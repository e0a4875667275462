#include <string.h>

#include "c2rt/caffe2.pb-c.h"
#include "c2rt/schema.h"

const char *c2_arg_type_field(c2_arg_type type) {
  switch (type) {
    case C2_ARG_INT: return "i";
    case C2_ARG_FLOAT: return "f";
    case C2_ARG_STRING: return "s";
    case C2_ARG_INTS: return "ints";
    case C2_ARG_FLOATS: return "floats";
    case C2_ARG_STRINGS: return "strings";
    case C2_ARG_NET: return "n";
    case C2_ARG_NETS: return "nets";
    case C2_ARG_TENSOR: return "t";
    case C2_ARG_TENSORS: return "tensors";
  }
  return "?";
}

static const char *arg_type_words(c2_arg_type type) {
  switch (type) {
    case C2_ARG_INT: return "an int";
    case C2_ARG_FLOAT: return "a float";
    case C2_ARG_STRING: return "a string";
    case C2_ARG_INTS: return "a list of ints";
    case C2_ARG_FLOATS: return "a list of floats";
    case C2_ARG_STRINGS: return "a list of strings";
    case C2_ARG_NET: return "a net";
    case C2_ARG_NETS: return "a list of nets";
    case C2_ARG_TENSOR: return "a tensor";
    case C2_ARG_TENSORS: return "a list of tensors";
  }
  return "?";
}

/* The field an argument holds; 0 when it holds none (an empty list is valid for list types). */
static int held_type(const Caffe2__Argument *a) {
  if (a->has_f) return C2_ARG_FLOAT;
  if (a->has_i) return C2_ARG_INT;
  if (a->has_s) return C2_ARG_STRING;
  if (a->n_floats) return C2_ARG_FLOATS;
  if (a->n_ints) return C2_ARG_INTS;
  if (a->n_strings) return C2_ARG_STRINGS;
  if (a->n) return C2_ARG_NET;
  if (a->n_nets) return C2_ARG_NETS;
  if (a->t) return C2_ARG_TENSOR;
  if (a->n_tensors) return C2_ARG_TENSORS;
  return 0;
}

static bool is_list(c2_arg_type t) {
  return t == C2_ARG_INTS || t == C2_ARG_FLOATS || t == C2_ARG_STRINGS || t == C2_ARG_NETS ||
         t == C2_ARG_TENSORS;
}

const c2_arg_spec *c2_schema_find_arg(const c2_schema *schema, const char *name) {
  for (size_t i = 0; i < schema->n_args; i++)
    if (strcmp(schema->args[i].name, name) == 0) return &schema->args[i];
  return NULL;
}

static c2_status check_count(const char *what, int n, int lo, int hi, c2_error *err) {
  if (n >= lo && n <= hi) return C2_OK;
  if (lo == hi) return c2_error_set(err, C2_ERR_SCHEMA, "has %d %s, expected %d", n, what, lo);
  if (hi == C2_UNBOUNDED)
    return c2_error_set(err, C2_ERR_SCHEMA, "has %d %s, expected at least %d", n, what, lo);
  return c2_error_set(err, C2_ERR_SCHEMA, "has %d %s, expected %d to %d", n, what, lo, hi);
}

static bool pair_listed(const c2_io_pair *pairs, size_t n, int in, int out) {
  for (size_t i = 0; i < n; i++)
    if (pairs[i].input == in && pairs[i].output == out) return true;
  return false;
}

static bool inplace_allowed(const c2_schema *s, int in, int out) {
  return pair_listed(s->allow_inplace, s->n_allow_inplace, in, out) ||
         pair_listed(s->enforce_inplace, s->n_enforce_inplace, in, out) ||
         ((s->allow_one_to_one_inplace || s->enforce_one_to_one_inplace) && in == out);
}

static bool inplace_enforced(const c2_schema *s, int in, int out) {
  return pair_listed(s->enforce_inplace, s->n_enforce_inplace, in, out) ||
         (s->enforce_one_to_one_inplace && in == out);
}

static c2_status verify_inplace(const c2_schema *s, const c2_opdef *def, c2_error *err) {
  int n_in = (int)def->n_input, n_out = (int)def->n_output;
  for (int o = 0; o < n_out; o++)
    for (int o2 = 0; o2 < o; o2++)
      if (strcmp(def->output[o], def->output[o2]) == 0)
        return c2_error_set(err, C2_ERR_SCHEMA, "outputs %d and %d are both named '%s'", o2, o,
                            def->output[o]);
  for (int i = 0; i < n_in; i++)
    for (int o = 0; o < n_out; o++) {
      bool same = strcmp(def->input[i], def->output[o]) == 0;
      if (same && !inplace_allowed(s, i, o))
        return c2_error_set(err, C2_ERR_SCHEMA,
                            "input %d and output %d are both '%s', but %s cannot run in place "
                            "on that pair",
                            i, o, def->input[i], s->type);
      if (!same && inplace_enforced(s, i, o))
        return c2_error_set(err, C2_ERR_SCHEMA,
                            "output %d ('%s') must be the same blob as input %d ('%s'): %s runs "
                            "in place",
                            o, def->output[o], i, def->input[i], s->type);
    }
  return C2_OK;
}

static c2_status verify_args(const c2_schema *s, const c2_opdef *def, c2_error *err) {
  for (size_t k = 0; k < s->n_args; k++) {
    const c2_arg_spec *spec = &s->args[k];
    const Caffe2__Argument *found = NULL;
    for (size_t i = 0; i < def->n_arg && !found; i++)
      if (def->arg[i]->name && strcmp(def->arg[i]->name, spec->name) == 0) found = def->arg[i];
    if (!found) {
      if (spec->required)
        return c2_error_set(err, C2_ERR_SCHEMA, "missing required argument '%s' (%s)", spec->name,
                            arg_type_words(spec->type));
      continue;
    }
    int held = held_type(found);
    if (held == (int)spec->type || (held == 0 && is_list(spec->type))) continue;
    if (held == 0)
      return c2_error_set(err, C2_ERR_TYPE, "argument '%s' has no value; expected %s (field %s)",
                          spec->name, arg_type_words(spec->type), c2_arg_type_field(spec->type));
    return c2_error_set(err, C2_ERR_TYPE,
                        "argument '%s' must be %s (field %s), but it is stored as %s (field %s)",
                        spec->name, arg_type_words(spec->type), c2_arg_type_field(spec->type),
                        arg_type_words((c2_arg_type)held), c2_arg_type_field((c2_arg_type)held));
  }
  return C2_OK;
}

c2_status c2_schema_verify(const c2_schema *s, const c2_opdef *def, c2_error *err) {
  int n_in = (int)def->n_input, n_out = (int)def->n_output;
  c2_status st = check_count("inputs", n_in, s->min_inputs, s->max_inputs, err);
  if (!st) st = check_count("outputs", n_out, s->min_outputs, s->max_outputs, err);
  if (st) return st;
  if (s->inputs_outputs_ok && !s->inputs_outputs_ok(n_in, n_out))
    return c2_error_set(err, C2_ERR_SCHEMA, "%d inputs with %d outputs is not a valid combination",
                        n_in, n_out);
  if (s->output_count) {
    int want = s->output_count(n_in);
    if (want >= 0 && want != n_out)
      return c2_error_set(err, C2_ERR_SCHEMA, "has %d outputs, expected %d for %d inputs", n_out,
                          want, n_in);
  }
  st = verify_inplace(s, def, err);
  if (!st) st = verify_args(s, def, err);
  return st;
}

c2_status c2_schema_infer_shapes(const c2_schema *s, const c2_opdef *def, int n_in,
                                 const c2_shape *in, int n_out, c2_shape *out, c2_error *err) {
  for (int i = 0; i < n_out; i++) {
    memset(&out[i], 0, sizeof out[i]);
    out[i].unknown = true;
  }
  if (!s->infer_shape) return C2_OK;
  return s->infer_shape(def, n_in, in, n_out, out, err);
}

c2_status c2_schema_infer_cost(const c2_schema *s, const c2_opdef *def, int n_in,
                               const c2_shape *in, c2_cost *cost, c2_error *err) {
  memset(cost, 0, sizeof *cost);
  if (!s->infer_cost)
    return c2_error_set(err, C2_ERR_UNSUPPORTED, "%s has no cost inference function", s->type);
  return s->infer_cost(def, n_in, in, cost, err);
}

const char *c2_schema_onnx_attr(const c2_schema *s, const char *caffe2_arg) {
  for (size_t i = 0; i < s->n_onnx_attrs; i++)
    if (strcmp(s->onnx_attrs[i].caffe2_name, caffe2_arg) == 0) return s->onnx_attrs[i].onnx_name;
  return NULL;
}

c2_status c2_shape_like_input0(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                               c2_shape *out, c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 1) return C2_OK;
  for (int i = 0; i < n_out; i++) out[i] = in[0];
  return C2_OK;
}

/* Both saturate at UINT64_MAX instead of wrapping: they feed cost figures, not allocations. */
uint64_t c2_shape_numel(const c2_shape *shape) {
  if (shape->unknown) return 0;
  uint64_t n = 1;
  for (int i = 0; i < shape->ndim; i++) {
    uint64_t d = (uint64_t)(shape->dims[i] < 0 ? 0 : shape->dims[i]);
    if (d == 0) return 0;
    n = n > UINT64_MAX / d ? UINT64_MAX : n * d;
  }
  return n;
}

uint64_t c2_shape_nbytes(const c2_shape *shape) {
  uint64_t n = c2_shape_numel(shape), size = c2_dtype_size(shape->dtype);
  return size && n > UINT64_MAX / size ? UINT64_MAX : n * size;
}
