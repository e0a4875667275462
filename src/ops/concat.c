/* Concat (Caffe2 concat_split_op): joins inputs along `axis` (default from `order`, NCHW -> 1),
 * or stacks them along a new axis with add_axis. Output 1 (split_info) is an int32 tensor of each
 * input's size along the axis. Any element type, as long as all inputs share it. */
#include <string.h>

#include "../core/alloc.h"
#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/registry.h"
#include "op_util.h"
#include "ops.h"

typedef struct concat_state {
  int64_t axis;
  bool add_axis;
} concat_state;

static c2_status concat_args(const c2_opdef *def, concat_state *s, c2_error *err) {
  bool has_axis = c2_arg_has(def, "axis"), has_order = c2_arg_has(def, "order");
  if (has_axis && has_order)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "give either 'axis' or 'order', not both");
  s->add_axis = false;
  if (has_axis) {
    c2_status st = c2_arg_get_int(def, "axis", -1, &s->axis, err);
    if (!st) st = c2_arg_get_bool(def, "add_axis", false, &s->add_axis, err);
    return st;
  }
  bool add_axis = false;
  c2_status st = c2_arg_get_bool(def, "add_axis", false, &add_axis, err);
  if (st) return st;
  if (add_axis) /* Caffe2 silently ignores it here, which hides a mistake */
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'add_axis' needs 'axis' (Caffe2 ignores it without)");
  bool nhwc = false;
  st = c2__parse_order(def, &nhwc, err);
  if (st) return st;
  s->axis = nhwc ? 3 : 1;
  return C2_OK;
}

static c2_status concat_create(c2_operator *op, c2_error *err) {
  return concat_args(c2_op_def(op), c2_op_state(op), err);
}

/* Output dims, the canonical axis and each input's share, from the input shapes. */
static c2_status concat_plan(const concat_state *s, int n, const int *ndims,
                             const int64_t *const *dims, const c2_dtype *dtypes, int *axis_out,
                             int64_t *out_dims, int *out_ndim, c2_error *err) {
  int nd = ndims[0], adj = nd + (s->add_axis ? 1 : 0);
  if (adj > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "output rank %d exceeds %d", adj, C2_MAX_NDIM);
  int axis;
  c2_status st = c2__canonical_axis(s->axis, adj, "axis", &axis, err);
  if (st) return st;
  for (int i = 1; i < n; i++) {
    if (dtypes[i] != dtypes[0])
      return c2_error_set(err, C2_ERR_TYPE,
                          "all inputs must have the same type: input 0 is %s, input %d is %s",
                          c2_dtype_name(dtypes[0]), i, c2_dtype_name(dtypes[i]));
    if (ndims[i] != nd)
      return c2_error_set(err, C2_ERR_SHAPE, "input 0 has rank %d, input %d has rank %d", nd, i,
                          ndims[i]);
    for (int d = 0; d < nd; d++)
      if ((s->add_axis || d != axis) && dims[i][d] != dims[0][d])
        return c2_error_set(err, C2_ERR_SHAPE,
                            "input %d has size %lld along dim %d, input 0 has %lld: inputs may "
                            "differ only along the axis (%d)%s",
                            i, (long long)dims[i][d], d, (long long)dims[0][d], axis,
                            s->add_axis ? ", and not at all with add_axis" : "");
  }
  int64_t total = 0;
  for (int i = 0; i < n; i++) total += s->add_axis ? 1 : dims[i][axis];
  int k = 0;
  for (int d = 0; d < adj; d++) {
    if (s->add_axis && d == axis) out_dims[d] = total;
    else out_dims[d] = dims[0][k++];
    if (!s->add_axis && d == axis) out_dims[d] = total;
  }
  *axis_out = axis;
  *out_ndim = adj;
  return C2_OK;
}

/* Per-input rank, dims and dtype, gathered for concat_plan (heap: Concat takes any number of
 * inputs). */
typedef struct input_info {
  int *ndims;
  const int64_t **dims;
  c2_dtype *dtypes;
} input_info;

static c2_status info_alloc(int n, input_info *in, c2_error *err) {
  in->ndims = c2__calloc((size_t)n, sizeof *in->ndims);
  in->dims = c2__calloc((size_t)n, sizeof *in->dims);
  in->dtypes = c2__calloc((size_t)n, sizeof *in->dtypes);
  if (in->ndims && in->dims && in->dtypes) return C2_OK;
  return c2_error_set(err, C2_ERR_NOMEM, "out of memory for %d inputs", n);
}

static void info_free(input_info *in) {
  c2__free(in->ndims);
  c2__free((void *)in->dims);
  c2__free(in->dtypes);
}

static c2_status concat_run(c2_operator *op, c2_error *err) {
  concat_state *s = c2_op_state(op);
  int n = c2_op_num_inputs(op);
  input_info info;
  c2_status st = info_alloc(n, &info, err);
  for (int i = 0; i < n && !st; i++) {
    const c2_tensor *t = c2_op_input(op, i);
    if (t->dtype == C2_DTYPE_UNDEFINED)
      st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "input '%s' is empty: it was never written",
                        c2_op_input_name(op, i));
    info.ndims[i] = t->ndim;
    info.dims[i] = t->dims;
    info.dtypes[i] = t->dtype;
  }
  int axis = 0, out_nd = 0;
  int64_t out_dims[C2_MAX_NDIM];
  if (!st) st = concat_plan(s, n, info.ndims, info.dims, info.dtypes, &axis, out_dims, &out_nd, err);
  c2_dtype dtype = n ? info.dtypes[0] : C2_DTYPE_UNDEFINED;
  info_free(&info);
  if (st) return st;
  c2_tensor *Y = c2_op_output(op, 0), *split = c2_op_output(op, 1);
  for (int i = 0; i < n; i++)
    if (c2_op_input(op, i) == Y)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "output cannot be one of the inputs");
  int64_t n64 = n;
  st = c2_tensor_resize(split, C2_DTYPE_INT32, 1, &n64, err);
  if (!st) st = c2_tensor_resize(Y, dtype, out_nd, out_dims, err);
  if (st) return st;
  int32_t *split_info = split->data;
  int64_t before = 1, after = 1;
  for (int d = 0; d < axis; d++) before *= out_dims[d];
  for (int d = axis + 1; d < out_nd; d++) after *= out_dims[d];
  const size_t esize = c2_dtype_size(dtype);
  const size_t out_row = (size_t)(out_dims[axis] * after) * esize;
  size_t offset = 0;
  for (int i = 0; i < n; i++) {
    const c2_tensor *t = c2_op_input(op, i);
    int64_t share = s->add_axis ? 1 : t->dims[axis];
    if (share > INT32_MAX)
      return c2_error_set(err, C2_ERR_LIMIT, "input %d is too long along the axis for split_info",
                          i);
    split_info[i] = (int32_t)share;
    size_t row = (size_t)(share * after) * esize;
    if (row)
      for (int64_t b = 0; b < before; b++)
        memcpy((char *)Y->data + (size_t)b * out_row + offset,
               (const char *)t->data + (size_t)b * row, row);
    offset += row;
  }
  return C2_OK;
}

static c2_status concat_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                              c2_shape *out, c2_error *err) {
  concat_state s;
  c2_status st = concat_args(def, &s, err);
  if (st || n_in < 1) return st;
  if (n_out > 1) out[1] = (c2_shape){.dtype = C2_DTYPE_INT32, .ndim = 1, .dims = {n_in}};
  for (int i = 0; i < n_in; i++)
    if (in[i].unknown) return C2_OK;
  input_info info;
  st = info_alloc(n_in, &info, err);
  for (int i = 0; i < n_in && !st; i++) {
    info.ndims[i] = in[i].ndim;
    info.dims[i] = in[i].dims;
    info.dtypes[i] = in[i].dtype;
  }
  int axis;
  c2_shape y = {.dtype = in[0].dtype};
  if (!st) st = concat_plan(&s, n_in, info.ndims, info.dims, info.dtypes, &axis, y.dims, &y.ndim, err);
  info_free(&info);
  if (!st) out[0] = y;
  return st;
}

static c2_status concat_cost(const c2_opdef *def, int n_in, const c2_shape *in, c2_cost *cost,
                             c2_error *err) {
  c2_shape out[2];
  c2_status st = concat_shape(def, n_in, in, 2, out, err);
  if (st) return st;
  for (int i = 0; i < n_in; i++) cost->bytes_read += c2_shape_nbytes(&in[i]);
  cost->bytes_written = cost->bytes_read + 4 * (uint64_t)n_in;
  return C2_OK;
}

static const c2_arg_spec concat_args_spec[] = {
    {.name = "axis", .type = C2_ARG_INT, .has_default = true, .default_int = -1,
     .doc = "Axis to join along (may be negative); without it, `order` decides."},
    {.name = "order", .type = C2_ARG_STRING, .has_default = true, .default_string = "NCHW",
     .doc = "\"NCHW\" joins along 1, \"NHWC\" along 3; not together with axis."},
    {.name = "add_axis", .type = C2_ARG_INT, .has_default = true, .default_int = 0,
     .doc = "Non-zero: stack along a new axis (needs `axis`)."}};
static const c2_io_doc concat_inputs[] = {{"X_0, X_1, ...", "Tensors of one type and shape "
                                                             "except along the axis."}};
static const c2_io_doc concat_outputs[] = {
    {"concat_result", "The inputs joined in order."},
    {"split_info", "int32 [number of inputs]: each input's size along the axis."}};
static const c2_onnx_attr concat_onnx[] = {{"axis", "axis"}};

static const c2_schema concat_schema = {
    .type = "Concat",
    .doc = "Concatenates its inputs along an axis (or stacks them along a new one with add_axis) "
           "and reports each input's share in split_info.",
    .min_inputs = 1, .max_inputs = C2_UNBOUNDED, .min_outputs = 2, .max_outputs = 2,
    .args = concat_args_spec, .n_args = 3,
    .inputs = concat_inputs, .n_input_docs = 1, .outputs = concat_outputs, .n_output_docs = 2,
    .infer_shape = concat_shape, .infer_cost = concat_cost,
    .onnx_name = "Concat", .onnx_attrs = concat_onnx, .n_onnx_attrs = 1,
};

static const c2_op_impl concat_impl = {.device_type = C2_DEVICE_CPU,
                                       .state_size = sizeof(concat_state),
                                       .create = concat_create, .run = concat_run};

c2_status c2_register_concat_ops(c2_registry *reg, c2_error *err) {
  c2_status st = c2_registry_add_schema(reg, &concat_schema, err);
  if (!st) st = c2_registry_add_impl(reg, "Concat", &concat_impl, err);
  if (!st) st = c2_registry_set_gradient(reg, "Concat", C2_GRADIENT_NOT_IMPLEMENTED, NULL, err);
  return st;
}
