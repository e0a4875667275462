/* c2gradcheck: checks a registered op's gradient against central differences on random inputs,
 * every float input through every output (Caffe2's GradientChecker with all outputs in the
 * loss). Exit status: 0 every element passes, 2 some element fails, 1 an error. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool_util.h"

static const char *const TOOL = "c2gradcheck";
enum { MAX_ITEMS = 64 };

static void usage(FILE *f) {
  fputs("usage: c2gradcheck --op TYPE [--arg NAME=VALUE]... [--shape D0,D1,...]...\n"
        "                   [--step S] [--threshold T] [--seed N]\n"
        "Checks TYPE's registered gradient on random float inputs, one --shape per input (\"\"\n"
        "for a scalar), every input through every output: loss 1/2 sum y^2, central\n"
        "differences, pass iff |analytic - numeric| <= T + T |numeric| for every element.\n"
        "Defaults: step 0.005, threshold 0.005, seed 1. Inputs are uniform in +-[2 step, 1], away\n"
        "from kinks at 0 (Relu). --arg values follow the op's schema (int, float, string,\n"
        "comma-separated lists); undeclared arguments are read as int, float or string.\n"
        "Exit status: 0 pass, 2 some element fails, 1 error.\n",
        f);
}

/* ---- arguments ---- */

static bool parse_int(const char *s, int64_t *v) {
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (!*s || *end || errno) return false;
  *v = x;
  return true;
}

static bool parse_float(const char *s, float *v) {
  char *end;
  errno = 0;
  float x = strtof(s, &end);
  if (!*s || *end || errno == ERANGE) return false;
  *v = x;
  return true;
}

/* Splits a comma-separated list into at most MAX_ITEMS items, in place. */
static size_t split(char *s, char **items) {
  size_t n = 0;
  if (!*s) return 0;
  for (char *p = s; n < MAX_ITEMS; p++) {
    items[n++] = p;
    p = strchr(p, ',');
    if (!p) break;
    *p = '\0';
  }
  return n;
}

static void add_arg(c2_opdef *op, const c2_schema *schema, const char *spec) {
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec) tool_fail(TOOL, "--arg expects NAME=VALUE, got '%s'", spec);
  char name[256], value[4096];
  snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
  snprintf(value, sizeof value, "%s", eq + 1);
  const c2_arg_spec *decl = schema ? c2_schema_find_arg(schema, name) : NULL;
  c2_arg_type type;
  int64_t i;
  float f;
  if (decl) type = decl->type;
  else if (parse_int(value, &i)) type = C2_ARG_INT;
  else if (parse_float(value, &f)) type = C2_ARG_FLOAT;
  else type = C2_ARG_STRING;
  c2_error err = {0};
  c2_status st = C2_OK;
  char *items[MAX_ITEMS];
  size_t n;
  switch (type) {
    case C2_ARG_INT:
      if (!parse_int(value, &i)) tool_fail(TOOL, "argument '%s' needs an int, got '%s'", name, value);
      st = c2_opdef_add_arg_int(op, name, i, &err);
      break;
    case C2_ARG_FLOAT:
      if (!parse_float(value, &f))
        tool_fail(TOOL, "argument '%s' needs a float, got '%s'", name, value);
      st = c2_opdef_add_arg_float(op, name, f, &err);
      break;
    case C2_ARG_INTS: {
      int64_t v[MAX_ITEMS];
      n = split(value, items);
      for (size_t k = 0; k < n; k++)
        if (!parse_int(items[k], &v[k]))
          tool_fail(TOOL, "argument '%s' needs comma-separated ints, got '%s'", name, items[k]);
      st = c2_opdef_add_arg_ints(op, name, v, n, &err);
      break;
    }
    case C2_ARG_FLOATS: {
      float v[MAX_ITEMS];
      n = split(value, items);
      for (size_t k = 0; k < n; k++)
        if (!parse_float(items[k], &v[k]))
          tool_fail(TOOL, "argument '%s' needs comma-separated floats, got '%s'", name, items[k]);
      st = c2_opdef_add_arg_floats(op, name, v, n, &err);
      break;
    }
    case C2_ARG_STRINGS:
      n = split(value, items);
      st = c2_opdef_add_arg_strings(op, name, (const char *const *)items, n, &err);
      break;
    case C2_ARG_STRING:
      st = c2_opdef_add_arg_string(op, name, value, &err);
      break;
    default:
      tool_fail(TOOL, "argument '%s' is %s, which cannot be given on the command line", name,
                c2_arg_type_field(type));
  }
  if (st) tool_fail_err(TOOL, &err);
}

/* ---- inputs ---- */

typedef struct shape {
  int ndim;
  int64_t dims[C2_MAX_NDIM];
} shape;

static shape parse_shape(const char *spec) {
  shape s = {0};
  char copy[1024], *items[MAX_ITEMS];
  snprintf(copy, sizeof copy, "%s", spec);
  size_t n = strcmp(copy, "scalar") == 0 ? 0 : split(copy, items);
  if (n > C2_MAX_NDIM) tool_fail(TOOL, "--shape '%s' has more than %d dims", spec, C2_MAX_NDIM);
  for (size_t k = 0; k < n; k++)
    if (!parse_int(items[k], &s.dims[k]) || s.dims[k] < 0 || s.dims[k] > 1000000)
      tool_fail(TOOL, "--shape '%s': '%s' is not a dim in 0..1000000", spec, items[k]);
  s.ndim = (int)n;
  return s;
}

/* Deterministic uniform values in +-[lo, 1]: xorshift64*. */
static double next_uniform(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
  *state = x;
  return (double)((x * 0x2545F4914F6CDD1Dull) >> 11) * (1.0 / 9007199254740992.0);
}

static c2_tensor *random_tensor(const shape *s, double lo, uint64_t *rng) {
  c2_error err = {0};
  c2_tensor *t;
  if (c2_tensor_new(&t, &err) || c2_tensor_resize(t, C2_DTYPE_FLOAT, s->ndim, s->dims, &err))
    tool_fail_err(TOOL, &err);
  float *v = c2_tensor_data(t);
  for (int64_t i = 0; i < c2_tensor_numel(t); i++) {
    double u = next_uniform(rng), sign = next_uniform(rng) < 0.5 ? -1.0 : 1.0;
    v[i] = (float)(sign * (lo + (1.0 - lo) * u));
  }
  return t;
}

/* Blob names: the schema's documented names where it has them and they are unique. */
static void name_blobs(const c2_io_doc *docs, size_t n_docs, const char *fallback, int count,
                       char names[][64], char (*taken)[64], int n_taken) {
  for (int i = 0; i < count; i++) {
    bool ok = (size_t)i < n_docs && docs[i].name && *docs[i].name;
    if (ok) snprintf(names[i], 64, "%s", docs[i].name);
    for (int j = 0; ok && j < i; j++) ok = strcmp(names[j], names[i]) != 0;
    for (int j = 0; ok && j < n_taken; j++) ok = strcmp(taken[j], names[i]) != 0;
    if (!ok) snprintf(names[i], 64, "%s%d", fallback, i);
  }
}

/* ---- main ---- */

static void print_index(int64_t flat, const shape *s) {
  int64_t idx[C2_MAX_NDIM];
  for (int d = s->ndim - 1; d >= 0; d--) {
    idx[d] = s->dims[d] ? flat % s->dims[d] : 0;
    flat = s->dims[d] ? flat / s->dims[d] : 0;
  }
  putchar('[');
  for (int d = 0; d < s->ndim; d++) printf("%s%lld", d ? ", " : "", (long long)idx[d]);
  putchar(']');
}

int main(int argc, char **argv) {
  const char *type = NULL, *args[MAX_ITEMS];
  shape shapes[MAX_ITEMS];
  int n_args = 0, n_shapes = 0;
  c2_gradcheck_options opts = c2_gradcheck_defaults();
  int64_t seed = 1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has_value = i + 1 < argc;
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--op") == 0 && has_value) {
      type = argv[++i];
    } else if (strcmp(a, "--arg") == 0 && has_value) {
      if (n_args == MAX_ITEMS) tool_fail(TOOL, "too many --arg options");
      args[n_args++] = argv[++i];
    } else if (strcmp(a, "--shape") == 0 && has_value) {
      if (n_shapes == MAX_ITEMS) tool_fail(TOOL, "too many --shape options");
      shapes[n_shapes++] = parse_shape(argv[++i]);
    } else if ((strcmp(a, "--step") == 0 || strcmp(a, "--threshold") == 0) && has_value) {
      float v;
      if (!parse_float(argv[i + 1], &v) || !(v >= 0) || !isfinite(v))
        tool_fail(TOOL, "%s needs a finite number >= 0, got '%s'", a, argv[i + 1]);
      *(a[2] == 's' ? &opts.step : &opts.threshold) = v;
      i++;
    } else if (strcmp(a, "--seed") == 0 && has_value) {
      if (!parse_int(argv[++i], &seed)) tool_fail(TOOL, "--seed needs an int, got '%s'", argv[i]);
    } else {
      tool_fail(TOOL, "unknown option or missing value: '%s' (try --help)", a);
    }
  }
  if (!type) tool_fail(TOOL, "no op given: use --op TYPE (try --help)");
  if (!(opts.step > 0)) tool_fail(TOOL, "--step must be > 0");
  c2_error err = {0};
  const c2_registry *reg;
  if (c2_registry_default(&reg, &err)) tool_fail_err(TOOL, &err);
  const c2_schema *schema = c2_registry_schema(reg, type);
  if (!c2_registry_has_type(reg, type)) tool_fail(TOOL, "no op of type '%s' is registered", type);
  if (c2_registry_gradient_kind(reg, type) != C2_GRADIENT_FN)
    tool_fail(TOOL, "op '%s' has no gradient to check (registered as %s)", type,
              c2_registry_gradient_kind(reg, type) == C2_GRADIENT_NONE ? "NO_GRADIENT"
              : c2_registry_gradient_kind(reg, type) == C2_GRADIENT_SHOULD_NOT_DO
                  ? "SHOULD_NOT_DO_GRADIENT"
                  : "without a gradient");
  if (n_shapes == 0) tool_fail(TOOL, "give one --shape per input of '%s'", type);
  int n_out = schema ? schema->min_outputs : 1;
  if (n_out < 1) n_out = 1;
  if (n_out > MAX_ITEMS) tool_fail(TOOL, "op '%s' needs too many outputs", type);

  char in_names[MAX_ITEMS][64], out_names[MAX_ITEMS][64];
  name_blobs(schema ? schema->inputs : NULL, schema ? schema->n_input_docs : 0, "X", n_shapes,
             in_names, NULL, 0);
  name_blobs(schema ? schema->outputs : NULL, schema ? schema->n_output_docs : 0, "Y", n_out,
             out_names, in_names, n_shapes);
  const char *in[MAX_ITEMS], *out[MAX_ITEMS];
  for (int i = 0; i < n_shapes; i++) in[i] = in_names[i];
  for (int i = 0; i < n_out; i++) out[i] = out_names[i];
  c2_opdef *op;
  if (c2_opdef_new(type, (size_t)n_shapes, in, (size_t)n_out, out, &op, &err))
    tool_fail_err(TOOL, &err);
  for (int i = 0; i < n_args; i++) add_arg(op, schema, args[i]);

  uint64_t rng = (uint64_t)seed * 0x9E3779B97F4A7C15ull + 1;
  c2_tensor *inputs[MAX_ITEMS];
  for (int i = 0; i < n_shapes; i++) inputs[i] = random_tensor(&shapes[i], 2 * opts.step, &rng);

  printf("%s: %s, %d input%s, %d output%s, step %g, threshold %g, seed %lld\n", TOOL, type,
         n_shapes, n_shapes == 1 ? "" : "s", n_out, n_out == 1 ? "" : "s", opts.step,
         opts.threshold, (long long)seed);
  int failed = 0;
  for (int i = 0; i < n_shapes; i++) {
    c2_gradcheck_result r;
    if (c2_gradient_check(reg, op, (const c2_tensor *const *)inputs, i, NULL, 0, &opts, NULL,
                          NULL, &r, &err))
      tool_fail_err(TOOL, &err);
    char s[128];
    printf("  input %d '%s' %s: %lld element%s", i, in_names[i],
           c2_tensor_shape_string(inputs[i], s, sizeof s), (long long)r.n_elements,
           r.n_elements == 1 ? "" : "s");
    if (r.worst_index >= 0) {
      printf(", worst ");
      print_index(r.worst_index, &shapes[i]);
      printf(" analytic %.7g numeric %.7g (|a-n| at %.3g of the bound)", r.worst_analytic,
             r.worst_numeric, r.worst_ratio);
    }
    if (r.passed) printf(": ok\n");
    else printf(": FAIL, %lld element%s outside the bound\n", (long long)r.n_failed,
                r.n_failed == 1 ? "" : "s");
    failed += !r.passed;
  }
  printf("%s: %s\n", failed ? "FAIL" : "PASS",
         failed ? "some gradient elements are outside |a-n| <= t + t|n|"
                : "every element within |a-n| <= t + t|n|");
  for (int i = 0; i < n_shapes; i++) c2_tensor_free(inputs[i]);
  c2_opdef_free(op);
  return failed ? 2 : 0;
}
