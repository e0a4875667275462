/* FillerOp's shape rules (see filler.h). */
#include "filler.h"

#include <string.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/caffe2.pb-c.h"

static c2_status read_dims(const c2_opdef *def, const char *name, int64_t *dims, int *n,
                           c2_error *err) {
  const int64_t *v;
  size_t count;
  c2_status st = c2_arg_get_ints(def, name, &v, &count, err);
  if (st == C2_ERR_TYPE && c2_arg_has(def, name)) {
    int64_t scalar;
    if (c2_arg_get_int(def, name, 0, &scalar, NULL) == C2_OK)
      return c2_error_set(err, C2_ERR_TYPE,
                          "argument '%s' must be a list of ints (field ints), got the scalar %lld "
                          "(write %s=[%lld])",
                          name, (long long)scalar, name, (long long)scalar);
  }
  if (st) return st;
  if (count > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "argument '%s' has %zu dimensions, at most %d allowed",
                        name, count, C2_MAX_NDIM);
  for (size_t i = 0; i < count; i++) {
    if (v[i] < 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument '%s' has a negative dimension %lld at position %zu", name,
                          (long long)v[i], i);
    dims[i] = v[i];
  }
  *n = (int)count;
  return C2_OK;
}

c2_status c2__fill_shape_parse(const c2_opdef *def, c2__fill_shape *fs, c2_error *err) {
  memset(fs, 0, sizeof *fs);
  c2_status st = read_dims(def, "shape", fs->shape, &fs->ndim, err);
  if (!st) st = read_dims(def, "extra_shape", fs->extra, &fs->n_extra, err);
  if (!st) st = c2_arg_get_bool(def, "input_as_shape", false, &fs->input_as_shape, err);
  if (st) return st;
  if (def->n_input > 0) {
    if (fs->ndim > 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot set the 'shape' argument and pass in an input at the same time");
  } else {
    if (fs->n_extra > 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot set 'extra_shape' when there is no input");
    if (fs->input_as_shape)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "an input must be given if 'input_as_shape' is true");
  }
  return C2_OK;
}

c2_status c2__fill_shape_resize(const c2__fill_shape *fs, c2_operator *op, c2_dtype dtype,
                                c2_error *err) {
  c2_tensor *out = c2_op_output(op, 0);
  if (c2_op_num_inputs(op) == 0) return c2_tensor_resize(out, dtype, fs->ndim, fs->shape, err);
  const c2_tensor *in = c2_op_input(op, 0);
  const char *name = c2_op_input_name(op, 0);
  int64_t dims[2 * C2_MAX_NDIM];
  int n = 0;
  if (fs->input_as_shape) {
    if (in->dtype != C2_DTYPE_INT64 || in->ndim != 1) {
      char shape[128];
      return c2_error_set(err, C2_ERR_TYPE,
                          "with input_as_shape=1, input '%s' must be a 1-D INT64 tensor, got %s "
                          "%s",
                          name, c2_dtype_name(in->dtype),
                          c2_tensor_shape_string(in, shape, sizeof shape));
    }
    if (in->numel > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_LIMIT, "input '%s' asks for %lld dimensions, at most %d",
                          name, (long long)in->numel, C2_MAX_NDIM);
    const int64_t *v = in->data;
    for (int64_t i = 0; i < in->numel; i++) dims[n++] = v[i];
  } else {
    if (in->dtype == C2_DTYPE_UNDEFINED)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "input '%s' is empty: it was never written (its shape is needed)", name);
    for (int i = 0; i < in->ndim; i++) dims[n++] = in->dims[i];
  }
  for (int i = 0; i < fs->n_extra; i++) dims[n++] = fs->extra[i];
  if (n > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT,
                        "the output would have %d dimensions (input '%s' plus extra_shape), at "
                        "most %d",
                        n, name, C2_MAX_NDIM);
  return c2_tensor_resize(out, dtype, n, dims, err);
}

c2_status c2__fill_infer_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                               c2_shape *out, c2_error *err) {
  if (n_out < 1) return C2_OK;
  int64_t dtype;
  c2__fill_shape fs;
  c2_status st = c2_arg_get_int(def, "dtype", C2_DTYPE_FLOAT, &dtype, err);
  if (!st) st = c2__fill_shape_parse(def, &fs, err);
  if (st) return st;
  out[0].dtype = (c2_dtype)dtype;
  if (n_in == 0) {
    out[0].unknown = false;
    out[0].ndim = fs.ndim;
    memcpy(out[0].dims, fs.shape, sizeof fs.shape);
    return C2_OK;
  }
  if (fs.input_as_shape || in[0].unknown || in[0].ndim + fs.n_extra > C2_MAX_NDIM) return C2_OK;
  out[0].unknown = false;
  out[0].ndim = in[0].ndim + fs.n_extra;
  for (int i = 0; i < in[0].ndim; i++) out[0].dims[i] = in[0].dims[i];
  for (int i = 0; i < fs.n_extra; i++) out[0].dims[in[0].ndim + i] = fs.extra[i];
  return C2_OK;
}

c2_status c2__fill_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                        uint64_t flops_per_element, c2_cost *cost, c2_error *err) {
  c2_shape out = {.unknown = true};
  c2_status st = c2__fill_infer_shape(def, n_in, in, 1, &out, err);
  if (st || out.unknown) return st;
  cost->flops = c2_shape_numel(&out) * flops_per_element;
  cost->bytes_written = c2_shape_nbytes(&out);
  return C2_OK;
}
