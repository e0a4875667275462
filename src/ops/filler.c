/* FillerOp's shape rules (see filler.h). */
#include "filler.h"

#include <string.h>

#include "../core/tensor_impl.h"
#include "c2rt/argument.h"
#include "c2rt/def.h"
#include "c2rt/caffe2.pb-c.h"
#include "op_util.h"

static c2_status read_dims(const c2_opdef *def, const char *name, int64_t *dims, int *n,
                           c2_error *err) {
  const int64_t *v;
  size_t count;
  c2_status st = c2_arg_get_ints(def, name, &v, &count, err);
  int64_t scalar;
  if (st == C2_ERR_TYPE && c2_arg_get_int(def, name, 0, &scalar, NULL) == C2_OK)
    return c2_error_set(err, C2_ERR_TYPE,
                        "argument '%s' must be a list of ints (field ints), got the scalar %lld "
                        "(write %s=[%lld])",
                        name, (long long)scalar, name, (long long)scalar);
  if (st) return st;
  if (count > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "argument '%s' has %zu dims; at most %d are supported",
                        name, count, C2_MAX_NDIM);
  for (size_t i = 0; i < count; i++) {
    if (v[i] < 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument '%s' has a negative dim (%lld at position %zu)", name,
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
  if (c2_opdef_num_inputs(def) > 0) {
    if (fs->ndim > 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot set the 'shape' argument and pass in an input at the same time");
  } else {
    if (fs->n_extra > 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "cannot set 'extra_shape' when there is no input");
    if (fs->input_as_shape)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "'input_as_shape' is set, but no input gives the shape");
  }
  return C2_OK;
}

c2_status c2__fill_shape_resize(const c2__fill_shape *fs, c2_operator *op, c2_dtype dtype,
                                c2_error *err) {
  c2_tensor *out = c2_op_output(op, 0);
  if (c2_op_num_inputs(op) == 0) return c2_tensor_resize(out, dtype, fs->ndim, fs->shape, err);
  c2_status st = c2__require_written(op, 0, err);
  if (st) return st;
  const c2_tensor *in = c2_op_input(op, 0);
  int64_t dims[C2_MAX_NDIM];
  int n = 0;
  if (fs->input_as_shape) {
    if (in->dtype != C2_DTYPE_INT64 || in->ndim != 1 || in->numel == 0) {
      char shape[128];
      return c2_error_set(err, C2_ERR_TYPE,
                          "with input_as_shape, input '%s' must be a non-empty 1-D INT64 tensor, "
                          "got %s %s",
                          c2_op_input_name(op, 0), c2_dtype_name(in->dtype),
                          c2_tensor_shape_string(in, shape, sizeof shape));
    }
    if (in->numel + fs->n_extra > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_LIMIT,
                          "the requested shape has %lld dims; at most %d are supported",
                          (long long)(in->numel + fs->n_extra), C2_MAX_NDIM);
    const int64_t *v = in->data; /* copied before the resize: the output may be the input */
    for (int64_t i = 0; i < in->numel; i++) dims[n++] = v[i];
  } else {
    if (in->ndim + fs->n_extra > C2_MAX_NDIM)
      return c2_error_set(err, C2_ERR_LIMIT, "input rank %d plus %d extra dims exceeds %d",
                          in->ndim, fs->n_extra, C2_MAX_NDIM);
    for (int i = 0; i < in->ndim; i++) dims[n++] = in->dims[i];
  }
  for (int i = 0; i < fs->n_extra; i++) dims[n++] = fs->extra[i];
  return c2_tensor_resize(out, dtype, n, dims, err);
}

c2_status c2__fill_infer_shape(const c2_opdef *def, c2_dtype dtype, int n_in, const c2_shape *in,
                               int n_out, c2_shape *out, c2_error *err) {
  c2__fill_shape fs;
  c2_status st = c2__fill_shape_parse(def, &fs, err);
  if (st || n_out < 1) return st;
  out[0].dtype = dtype;
  if (n_in == 0) {
    out[0].unknown = false;
    out[0].ndim = fs.ndim;
    memcpy(out[0].dims, fs.shape, sizeof fs.shape);
    return C2_OK;
  }
  /* With input_as_shape the shape is the input's data, unknown before running. */
  if (fs.input_as_shape || in[0].unknown) return C2_OK;
  if (in[0].ndim + fs.n_extra > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "input rank %d plus %d extra dims exceeds %d",
                        in[0].ndim, fs.n_extra, C2_MAX_NDIM);
  out[0].unknown = false;
  out[0].ndim = in[0].ndim + fs.n_extra;
  memcpy(out[0].dims, in[0].dims, (size_t)in[0].ndim * sizeof *in[0].dims);
  memcpy(out[0].dims + in[0].ndim, fs.extra, (size_t)fs.n_extra * sizeof *fs.extra);
  return C2_OK;
}

void c2__fill_cost(const c2_shape *out, uint64_t flops_per_element, c2_cost *cost) {
  cost->flops = c2__sat_mul(c2_shape_numel(out), flops_per_element); /* 0 when unknown */
  cost->bytes_written = c2_shape_nbytes(out);
}
