/* Helpers for the op and backward suites (header-only: each suite is one executable). */
#ifndef C2_TESTS_OP_HELPERS_H
#define C2_TESTS_OP_HELPERS_H

#include <c2rt/proto.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test_util.h"

/* Splits a space-separated list of names into *out (static storage, up to 16 names). */
static inline size_t split_names(const char *list, const char **out, char storage[16][64]) {
  size_t n = 0;
  const char *p = list;
  while (p && *p && n < 16) {
    while (*p == ' ') p++;
    if (!*p) break;
    size_t len = strcspn(p, " ");
    snprintf(storage[n], 64, "%.*s", (int)len, p);
    out[n] = storage[n];
    n++;
    p += len;
  }
  return n;
}

/* op_new("FC", "X W b", "Y"): an OperatorDef with space-separated inputs and outputs. */
static inline c2_opdef *op_new(const char *type, const char *inputs, const char *outputs) {
  const char *in[16], *out[16];
  char in_s[16][64], out_s[16][64];
  size_t n_in = split_names(inputs, in, in_s), n_out = split_names(outputs, out, out_s);
  c2_opdef *op;
  c2_error err;
  EXPECT_OK(c2_opdef_new(type, n_in, in, n_out, out, &op, &err), &err);
  return op;
}

static inline c2_workspace *ws_new(void) {
  c2_workspace *ws;
  c2_error err;
  EXPECT_OK(c2_workspace_new(&ws, &err), &err);
  return ws;
}

static inline void feed_f(c2_workspace *ws, const char *name, int ndim, const int64_t *dims,
                          const float *values) {
  c2_error err;
  EXPECT_OK(c2_workspace_feed(ws, name, C2_DTYPE_FLOAT, ndim, dims, values, &err), &err);
}

static inline int64_t dims_numel(int ndim, const int64_t *dims) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= dims[i];
  return n;
}

/* Feeds uniform random floats in [lo, hi) and returns a malloc'ed copy of them. */
static inline float *feed_random(c2_workspace *ws, const char *name, int ndim,
                                 const int64_t *dims, test_rng *rng, double lo, double hi) {
  int64_t n = dims_numel(ndim, dims);
  float *v = malloc((size_t)(n ? n : 1) * sizeof *v);
  for (int64_t i = 0; i < n; i++) v[i] = (float)test_rng_uniform(rng, lo, hi);
  feed_f(ws, name, ndim, dims, v);
  return v;
}

static inline c2_tensor *blob(c2_workspace *ws, const char *name) {
  c2_tensor *t = c2_workspace_get_blob(ws, name);
  ck_assert_msg(t != NULL, "blob '%s' is missing", name);
  return t;
}

static inline const float *blob_f(c2_workspace *ws, const char *name) {
  c2_tensor *t = blob(ws, name);
  ck_assert_msg(c2_tensor_dtype(t) == C2_DTYPE_FLOAT, "blob '%s' is %s, not FLOAT", name,
                c2_dtype_name(c2_tensor_dtype(t)));
  return c2_tensor_data_const(t);
}

static inline void expect_shape(c2_workspace *ws, const char *name, int ndim,
                                const int64_t *dims) {
  c2_tensor *t = blob(ws, name);
  char got[128];
  c2_tensor_shape_string(t, got, sizeof got);
  bool same = c2_tensor_ndim(t) == ndim;
  for (int i = 0; same && i < ndim; i++) same = c2_tensor_dim(t, i) == dims[i];
  ck_assert_msg(same, "blob '%s' has shape %s, expected rank %d", name, got, ndim);
}

/* Runs op once (the op is freed). */
static inline void run_op(c2_workspace *ws, c2_opdef *op) {
  c2_error err;
  EXPECT_OK(c2_run_operator_once(ws, op, NULL, &err), &err);
  c2_opdef_free(op);
}

/* Expects running op to fail with `want` and a message that starts "op #0 (Type)" and
 * contains fragment (the op is freed). */
static inline void run_fails(c2_workspace *ws, c2_opdef *op, c2_status want,
                             const char *fragment) {
  c2_error err;
  EXPECT_STATUS(c2_run_operator_once(ws, op, NULL, &err), want, &err, fragment);
  char prefix[96];
  snprintf(prefix, sizeof prefix, "op #0 (%s)", c2_opdef_type(op));
  ck_assert_msg(strncmp(err.message, prefix, strlen(prefix)) == 0,
                "message '%s' does not start with '%s'", err.message, prefix);
  c2_opdef_free(op);
}

/* |got - want| <= tol * max(1, |want|) everywhere. */
static inline void expect_close(const char *what, const float *got, const double *want,
                                int64_t n, double tol) {
  for (int64_t i = 0; i < n; i++)
    ck_assert_msg(fabs(got[i] - want[i]) <= tol * fmax(1.0, fabs(want[i])),
                  "%s[%lld] = %.9g, reference %.9g", what, (long long)i, got[i], want[i]);
}

static inline const c2_registry *default_registry(void) {
  const c2_registry *reg;
  c2_error err;
  EXPECT_OK(c2_registry_default(&reg, &err), &err);
  return reg;
}

/* The gradient ops of op with output gradients given as a space-separated list ("-" = none). */
static inline c2_grad_result *gradient_of(const c2_opdef *op, const char *g_outputs) {
  const char *g[16];
  char storage[16][64];
  size_t n = split_names(g_outputs, g, storage);
  for (size_t i = 0; i < n; i++)
    if (strcmp(g[i], "-") == 0) g[i] = NULL;
  c2_grad_result *r;
  c2_error err;
  EXPECT_OK(c2_gradient_for_op(default_registry(), op, n, g, &r, &err), &err);
  return r;
}

/* Expects gradient op i of r to be `type` with the given inputs and outputs (space-separated). */
static inline void expect_grad_op(const c2_grad_result *r, size_t i, const char *type,
                                  const char *inputs, const char *outputs) {
  ck_assert_msg(i < c2_grad_result_num_ops(r), "gradient op %zu missing", i);
  const c2_opdef *op = c2_grad_result_op(r, i);
  ck_assert_str_eq(c2_opdef_type(op), type);
  const char *in[16], *out[16];
  char in_s[16][64], out_s[16][64];
  size_t n_in = split_names(inputs, in, in_s), n_out = split_names(outputs, out, out_s);
  ck_assert_uint_eq(c2_opdef_num_inputs(op), n_in);
  ck_assert_uint_eq(c2_opdef_num_outputs(op), n_out);
  for (size_t k = 0; k < n_in; k++) ck_assert_str_eq(c2_opdef_input(op, k), in[k]);
  for (size_t k = 0; k < n_out; k++) ck_assert_str_eq(c2_opdef_output(op, k), out[k]);
  ck_assert(op->has_is_gradient_op && op->is_gradient_op);
}

/* Shape inference through the registry's schema for `op` over the given input shapes. */
static inline void infer(const c2_opdef *op, int n_in, const c2_shape *in, int n_out,
                         c2_shape *out) {
  const c2_schema *s = c2_registry_schema(default_registry(), c2_opdef_type(op));
  ck_assert_msg(s != NULL, "no schema for %s", c2_opdef_type(op));
  c2_error err;
  EXPECT_OK(c2_schema_infer_shapes(s, op, n_in, in, n_out, out, &err), &err);
}

static inline c2_cost cost_of(const c2_opdef *op, int n_in, const c2_shape *in) {
  const c2_schema *s = c2_registry_schema(default_registry(), c2_opdef_type(op));
  c2_cost cost;
  c2_error err;
  EXPECT_OK(c2_schema_infer_cost(s, op, n_in, in, &cost, &err), &err);
  return cost;
}

static inline c2_shape shape_of(int ndim, const int64_t *dims) {
  c2_shape s = {.dtype = C2_DTYPE_FLOAT, .ndim = ndim};
  for (int i = 0; i < ndim; i++) s.dims[i] = dims[i];
  return s;
}

#endif
