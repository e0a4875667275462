/* Checks and cost helpers shared by the op families (see op_util.h). */
#include "op_util.h"

#include "c2rt/caffe2.pb-c.h"

c2_status c2__require_float(const c2_operator *op, int i, c2_error *err) {
  return c2_op_require_input(op, i, C2_DTYPE_FLOAT, -1, err);
}

c2_status c2__require_written(const c2_operator *op, int i, c2_error *err) {
  const c2_tensor *t = c2_op_input(op, i);
  if (!t) return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input %d is missing", i);
  if (t->dtype == C2_DTYPE_UNDEFINED)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input '%s' is empty: it was never written",
                        c2_op_input_name(op, i));
  return C2_OK;
}

c2_status c2__require_same_shape(const c2_operator *op, int i, int j, c2_error *err) {
  c2_status st = c2__require_float(op, i, err);
  if (!st) st = c2__require_float(op, j, err);
  if (st) return st;
  const c2_tensor *a = c2_op_input(op, i), *b = c2_op_input(op, j);
  if (c2_tensor_same_shape(a, b)) return C2_OK;
  char sa[128], sb[128];
  return c2_error_set(err, C2_ERR_SHAPE, "input '%s' has shape %s, but input '%s' has shape %s; "
                      "they must be equal",
                      c2_op_input_name(op, j), c2_tensor_shape_string(b, sb, sizeof sb),
                      c2_op_input_name(op, i), c2_tensor_shape_string(a, sa, sizeof sa));
}

c2_status c2__require_float_numel(const c2_operator *op, int i, int64_t numel, const char *what,
                                  c2_error *err) {
  c2_status st = c2__require_float(op, i, err);
  if (st) return st;
  const c2_tensor *t = c2_op_input(op, i);
  if (t->numel == numel) return C2_OK;
  char s[128];
  return c2_error_set(err, C2_ERR_SHAPE, "input '%s' has %lld elements (shape %s), expected %lld "
                      "(%s)",
                      c2_op_input_name(op, i), (long long)t->numel,
                      c2_tensor_shape_string(t, s, sizeof s), (long long)numel, what);
}

c2_status c2__canonical_axis(int64_t axis, int ndim, const char *name, int *out, c2_error *err) {
  if (axis < -ndim || axis >= ndim)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument '%s' is %lld, but it must lie in [%d, %d) for a rank-%d tensor",
                        name, (long long)axis, -ndim, ndim, ndim);
  *out = (int)(axis < 0 ? axis + ndim : axis);
  return C2_OK;
}

c2_status c2__dims_product(const int64_t *dims, int from, int to, int64_t *out, c2_error *err) {
  return c2_dims_numel(to - from, dims + from, out, err);
}

uint64_t c2__sat_mul(uint64_t a, uint64_t b) {
  return a && b > UINT64_MAX / a ? UINT64_MAX : a * b;
}

uint64_t c2__sat_add(uint64_t a, uint64_t b) { return b > UINT64_MAX - a ? UINT64_MAX : a + b; }

c2_status c2__pointwise_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                             uint64_t flops_per_element, c2_cost *cost) {
  if (n_in < 1 || in[0].unknown) return C2_OK;
  uint64_t read = 0;
  for (int i = 0; i < n_in; i++) read = c2__sat_add(read, c2_shape_nbytes(&in[i]));
  cost->flops = c2__sat_mul(flops_per_element, c2_shape_numel(&in[0]));
  cost->bytes_read = read;
  cost->bytes_written = c2__sat_mul(c2_shape_nbytes(&in[0]), def->n_output ? def->n_output : 1);
  return C2_OK;
}

c2_status c2__shape_like_input1(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                c2_shape *out, c2_error *err) {
  (void)def;
  (void)err;
  if (n_in < 2) return C2_OK;
  for (int i = 0; i < n_out; i++) out[i] = in[1];
  return C2_OK;
}

c2_status c2__register_no_gradient_ops(c2_registry *reg, const c2_schema *schemas, size_t n,
                                       const c2_op_impl *impls, size_t n_impls, c2_error *err) {
  c2_status st = C2_OK;
  for (size_t i = 0; !st && i < n; i++) {
    st = c2_registry_add_schema(reg, &schemas[i], err);
    if (!st) st = c2_registry_add_impl(reg, schemas[i].type, &impls[n_impls == 1 ? 0 : i], err);
    if (!st) st = c2_registry_set_gradient(reg, schemas[i].type, C2_GRADIENT_NONE, NULL, err);
  }
  return st;
}
