/* TensorProto(s) -> tensors, each checked against its dims and dtype before any data is copied. */
#include <stdint.h>
#include <string.h>

#include "../core/alloc.h"
#include "../core/def_impl.h"
#include "../core/tensor_impl.h"
#include "c2rt/caffe2.pb-c.h"
#include "loader_impl.h"

/* Where each dtype keeps its values in a TensorProto (Caffe2's serializer). */
typedef enum { FROM_FLOAT, FROM_DOUBLE, FROM_INT32, FROM_INT64, FROM_BYTES, FROM_STRINGS } source;

static bool dtype_source(int dtype, source *src) {
  switch (dtype) {
    case C2_DTYPE_FLOAT: *src = FROM_FLOAT; return true;
    case C2_DTYPE_DOUBLE: *src = FROM_DOUBLE; return true;
    case C2_DTYPE_INT64: *src = FROM_INT64; return true;
    case C2_DTYPE_BYTE: *src = FROM_BYTES; return true;
    case C2_DTYPE_INT32:
    case C2_DTYPE_BOOL:
    case C2_DTYPE_UINT8:
    case C2_DTYPE_INT8:
    case C2_DTYPE_UINT16:
    case C2_DTYPE_INT16:
    case C2_DTYPE_FLOAT16: *src = FROM_INT32; return true;
    case 4: *src = FROM_STRINGS; return true; /* STRING */
    default: return false;
  }
}

static const char *source_field(source s) {
  switch (s) {
    case FROM_FLOAT: return "float_data";
    case FROM_DOUBLE: return "double_data";
    case FROM_INT32: return "int32_data";
    case FROM_INT64: return "int64_data";
    case FROM_BYTES: return "byte_data";
    case FROM_STRINGS: return "string_data";
  }
  return "?";
}

static size_t source_count(const Caffe2__TensorProto *p, source s) {
  switch (s) {
    case FROM_FLOAT: return p->n_float_data;
    case FROM_DOUBLE: return p->n_double_data;
    case FROM_INT32: return p->n_int32_data;
    case FROM_INT64: return p->n_int64_data;
    case FROM_BYTES: return p->has_byte_data ? p->byte_data.len : 0;
    case FROM_STRINGS: return p->n_string_data;
  }
  return 0;
}

/* int32_data holds narrow types widened; each value must fit its dtype. */
static bool narrow_fits(int dtype, int32_t v) {
  switch (dtype) {
    case C2_DTYPE_BOOL: return v == 0 || v == 1;
    case C2_DTYPE_UINT8: return v >= 0 && v <= 255;
    case C2_DTYPE_INT8: return v >= -128 && v <= 127;
    case C2_DTYPE_UINT16:
    case C2_DTYPE_FLOAT16: return v >= 0 && v <= 65535;
    case C2_DTYPE_INT16: return v >= -32768 && v <= 32767;
    default: return true;
  }
}

static void copy_narrow(int dtype, const int32_t *src, size_t n, void *dst) {
  size_t esize = c2_dtype_size(dtype);
  for (size_t i = 0; i < n; i++) {
    if (esize == 4) ((int32_t *)dst)[i] = src[i];
    else if (esize == 2) ((uint16_t *)dst)[i] = (uint16_t)src[i];
    else ((uint8_t *)dst)[i] = (uint8_t)src[i];
  }
}

c2_status c2__proto_numel(size_t n, const int64_t *dims, int64_t *numel, c2_error *err) {
  bool has_zero = false;
  for (size_t i = 0; i < n; i++) {
    if (dims[i] < 0)
      return c2_error_set(err, C2_ERR_SHAPE, "dimension %zu is negative (%lld)", i,
                          (long long)dims[i]);
    has_zero |= dims[i] == 0;
  }
  int64_t count = 1;
  for (size_t i = 0; i < n && !has_zero; i++) {
    if (count > INT64_MAX / dims[i])
      return c2_error_set(err, C2_ERR_LIMIT, "element count of the shape overflows 64 bits");
    count *= dims[i];
  }
  *numel = has_zero ? 0 : count;
  return C2_OK;
}

c2_status c2__tensor_proto_check(const Caffe2__TensorProto *p, c2_error *err) {
  const char *name = p->name ? p->name : "";
  int dtype = p->has_data_type ? (int)p->data_type : C2_DTYPE_FLOAT;
  int64_t numel;
  c2_status st = c2__proto_numel(p->n_dims, p->dims, &numel, err);
  if (st) {
    c2_error_prefix(err, "tensor '%s': ", name);
    return st;
  }
  int64_t want = numel;
  const char *extent = "shape";
  if (p->segment) {
    int64_t b = p->segment->begin, e = p->segment->end;
    if (b < 0 || b > e || e > numel)
      return c2_error_set(err, C2_ERR_SHAPE,
                          "tensor '%s': segment [%lld, %lld) is not inside its %lld elements",
                          name, (long long)b, (long long)e, (long long)numel);
    want = e - b;
    extent = "segment";
  }
  size_t have;
  const char *field, *unit = "values";
  if (p->has_raw_data) {
    size_t esize = c2_dtype_size(dtype);
    if (!esize)
      return c2_error_set(err, C2_ERR_PARSE,
                          "tensor '%s': raw_data is set, but DataType %s has no fixed element "
                          "size",
                          name, c2_dtype_name(dtype));
    if ((uint64_t)want > SIZE_MAX / esize || (uint64_t)want * esize != p->raw_data.len)
      return c2_error_set(err, C2_ERR_SHAPE,
                          "tensor '%s': its %s holds %lld elements of %s (%llu bytes), but "
                          "raw_data has %zu bytes",
                          name, extent, (long long)want, c2_dtype_name(dtype),
                          (unsigned long long)want * esize, p->raw_data.len);
    return C2_OK;
  }
  source src;
  if (!dtype_source(dtype, &src))
    return C2_OK; /* UNDEFINED and Caffe2's special types keep no elements we could count */
  have = source_count(p, src);
  field = source_field(src);
  if (src == FROM_BYTES) unit = "bytes";
  if (have != (uint64_t)want)
    return c2_error_set(err, C2_ERR_SHAPE,
                        "tensor '%s': its %s holds %lld elements of %s, but %s has %zu %s", name,
                        extent, (long long)want, c2_dtype_name(dtype), field, have, unit);
  return C2_OK;
}

c2_status c2_tensor_from_proto(const c2_tensor_proto *p, c2_tensor *out,
                               const c2_load_limits *limits, c2_error *err) {
  c2_load_limits store;
  limits = c2__limits_or_default(limits, &store);
  const char *name = p->name ? p->name : "";
  int dtype = p->has_data_type ? (int)p->data_type : C2_DTYPE_FLOAT;
  source src;
  if (dtype == 4)
    return c2_error_set(err, C2_ERR_UNSUPPORTED, "tensor '%s': STRING tensors are not supported",
                        name);
  if (!dtype_source(dtype, &src)) {
    return c2_error_set(err, C2_ERR_PARSE, "tensor '%s': unknown or unsupported DataType %d", name,
                        dtype);
  }
  if (p->segment)
    return c2_error_set(err, C2_ERR_UNSUPPORTED,
                        "tensor '%s': segmented (chunked) tensors are not supported", name);
  if (p->has_data_format && p->data_format != 0)
    return c2_error_set(err, C2_ERR_UNSUPPORTED, "tensor '%s': data_format %u is not supported",
                        name, p->data_format);
  if (p->n_dims > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "tensor '%s' has %zu dims, more than the %d supported",
                        name, p->n_dims, C2_MAX_NDIM);
  c2_status st = c2__tensor_proto_check(p, err);
  if (st) return st;
  int64_t numel;
  st = c2_dims_numel((int)p->n_dims, p->dims, &numel, err);
  size_t esize = c2_dtype_size(dtype);
  if (!st && (uint64_t)numel > limits->max_tensor_bytes / esize)
    st = c2_error_set(err, C2_ERR_LIMIT,
                      "tensor of %lld elements (%llu bytes) exceeds the limit of %llu bytes "
                      "(c2_load_limits.max_tensor_bytes)",
                      (long long)numel, (unsigned long long)numel * esize,
                      (unsigned long long)limits->max_tensor_bytes);
  if (st) {
    c2_error_prefix(err, "tensor '%s': ", name);
    return st;
  }
  bool raw = p->has_raw_data;
  size_t have = raw ? p->raw_data.len : source_count(p, src);
  if (!raw && src == FROM_INT32)
    for (size_t i = 0; i < have; i++)
      if (!narrow_fits(dtype, p->int32_data[i]))
        return c2_error_set(err, C2_ERR_PARSE, "tensor '%s': value %d at %zu does not fit %s",
                            name, p->int32_data[i], i, c2_dtype_name(dtype));
  st = c2_tensor_resize(out, (c2_dtype)dtype, (int)p->n_dims, p->dims, err);
  if (st) {
    c2_error_prefix(err, "tensor '%s': ", name);
    return st;
  }
  if (!out->nbytes) return C2_OK;
  if (raw) {
    memcpy(out->data, p->raw_data.data, out->nbytes);
    return C2_OK;
  }
  switch (src) {
    case FROM_FLOAT: memcpy(out->data, p->float_data, out->nbytes); break;
    case FROM_DOUBLE: memcpy(out->data, p->double_data, out->nbytes); break;
    case FROM_INT64: memcpy(out->data, p->int64_data, out->nbytes); break;
    case FROM_BYTES: memcpy(out->data, p->byte_data.data, out->nbytes); break;
    case FROM_INT32: copy_narrow(dtype, p->int32_data, have, out->data); break;
    case FROM_STRINGS: break; /* refused above */
  }
  return C2_OK;
}

static c2_status store(c2_workspace *ws, const Caffe2__TensorProto *p, const char *name,
                       const c2_load_limits *limits, c2_error *err) {
  c2_tensor *staged;
  c2_status st = c2_tensor_new(&staged, err);
  if (st) return st;
  st = c2_tensor_from_proto(p, staged, limits, err);
  c2_tensor *dst = NULL;
  bool existed = c2_workspace_has_blob(ws, name);
  if (!st) st = c2_workspace_create_blob(ws, name, &dst, err);
  /* Move the staged storage in: no second copy of a large tensor. Over the workspace's memory
   * limit, a blob made for it goes again. */
  if (!st) {
    st = c2__tensor_move(dst, staged, err);
    if (st) c2_error_prefix(err, "tensor '%s': ", name);
    if (st && !existed) c2_workspace_remove_blob(ws, name, NULL);
  }
  c2_tensor_free(staged);
  return st;
}

c2_status c2_load_tensors(c2_workspace *ws, const uint8_t *bytes, size_t len, const char *name,
                          const c2_load_limits *limits, c2_error *err) {
  /* A TensorProtos starts with field 1 length-delimited (0x0a); a TensorProto's field 1 (dims)
   * is a varint as Caffe2 writes it, so the first byte tells the two apart. Dims written packed
   * also start with 0x0a: such bytes are a TensorProto when they are not a valid TensorProtos. */
  c2_load_limits defaults;
  limits = c2__limits_or_default(limits, &defaults);
  bool many = len > 0 && bytes[0] == 0x0a;
  if (many) {
    c2_status as_many = c2__wire_check(&caffe2__tensor_protos__descriptor, bytes, len, limits, NULL);
    if (as_many == C2_ERR_NOMEM)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory checking a TensorProtos message");
    if (as_many && !c2__wire_check(&caffe2__tensor_proto__descriptor, bytes, len, limits, NULL))
      many = false;
  }
  ProtobufCMessage *msg;
  c2_status st = c2__unpack(many ? &caffe2__tensor_protos__descriptor
                                 : &caffe2__tensor_proto__descriptor,
                            bytes, len, limits, &msg, err);
  if (st) return st;
  if (!many) {
    const Caffe2__TensorProto *p = (const Caffe2__TensorProto *)msg;
    const char *blob = name ? name : p->name;
    if (!blob || !*blob)
      st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "the TensorProto has no name; give the blob name to load it into");
    else st = store(ws, p, blob, limits, err);
  } else {
    const Caffe2__TensorProtos *ps = (const Caffe2__TensorProtos *)msg;
    size_t matched = 0;
    for (size_t i = 0; !st && i < ps->n_protos; i++) {
      const Caffe2__TensorProto *p = ps->protos[i];
      const char *pname = p->name ? p->name : "";
      if (name && ps->n_protos > 1 && strcmp(pname, name) != 0) continue;
      const char *blob = name ? name : pname;
      if (!*blob)
        st = c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "TensorProtos entry %zu has no name", i);
      else st = store(ws, p, blob, limits, err);
      matched++;
    }
    if (!st && name && matched == 0)
      st = c2_error_set(err, C2_ERR_NOT_FOUND, "no tensor named '%s' among the %zu in the file",
                        name, ps->n_protos);
  }
  c2__message_free(msg);
  return st;
}

c2_status c2_load_tensors_file(c2_workspace *ws, const char *path, const char *name,
                               const c2_load_limits *limits, c2_error *err) {
  uint8_t *bytes;
  size_t len;
  c2_status st = c2_read_file(path, limits, &bytes, &len, err);
  if (st) return st;
  st = c2_load_tensors(ws, bytes, len, name, limits, err);
  c2__free(bytes);
  if (st) c2_error_prefix(err, "%s: ", path);
  return st;
}
