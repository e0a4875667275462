#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "tensor_impl.h"

size_t c2_dtype_size(int dtype) {
  switch (dtype) {
    case C2_DTYPE_FLOAT: return 4;
    case C2_DTYPE_INT32: return 4;
    case C2_DTYPE_BYTE: return 1;
    case C2_DTYPE_BOOL: return 1;
    case C2_DTYPE_UINT8: return 1;
    case C2_DTYPE_INT8: return 1;
    case C2_DTYPE_UINT16: return 2;
    case C2_DTYPE_INT16: return 2;
    case C2_DTYPE_INT64: return 8;
    case C2_DTYPE_FLOAT16: return 2;
    case C2_DTYPE_DOUBLE: return 8;
    default: return 0;
  }
}

const char *c2_dtype_name(int dtype) {
  switch (dtype) {
    case C2_DTYPE_UNDEFINED: return "UNDEFINED";
    case C2_DTYPE_FLOAT: return "FLOAT";
    case C2_DTYPE_INT32: return "INT32";
    case C2_DTYPE_BYTE: return "BYTE";
    case 4: return "STRING";
    case C2_DTYPE_BOOL: return "BOOL";
    case C2_DTYPE_UINT8: return "UINT8";
    case C2_DTYPE_INT8: return "INT8";
    case C2_DTYPE_UINT16: return "UINT16";
    case C2_DTYPE_INT16: return "INT16";
    case C2_DTYPE_INT64: return "INT64";
    case C2_DTYPE_FLOAT16: return "FLOAT16";
    case C2_DTYPE_DOUBLE: return "DOUBLE";
    case 14: return "ZERO_COLLISION_HASH";
    case 15: return "REBATCHING_BUFFER";
    default: return "unknown";
  }
}

c2_status c2_dims_numel(int ndim, const int64_t *dims, int64_t *numel, c2_error *err) {
  if (ndim < 0 || ndim > C2_MAX_NDIM)
    return c2_error_set(err, C2_ERR_LIMIT, "tensor rank %d is outside 0..%d", ndim, C2_MAX_NDIM);
  /* Signs and zeros first, so that the result does not depend on the order of the dims: a
   * negative dim is always a shape error, and a zero dim makes the product 0 whatever the
   * others are. */
  bool has_zero = false;
  for (int i = 0; i < ndim; i++) {
    if (dims[i] < 0)
      return c2_error_set(err, C2_ERR_SHAPE, "dimension %d is negative (%lld)", i,
                          (long long)dims[i]);
    if (dims[i] == 0) has_zero = true;
  }
  if (has_zero) {
    *numel = 0;
    return C2_OK;
  }
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) {
    if (n > INT64_MAX / dims[i])
      return c2_error_set(err, C2_ERR_LIMIT, "element count of the shape overflows 64 bits");
    n *= dims[i];
  }
  *numel = n;
  return C2_OK;
}

c2_status c2_tensor_new(c2_tensor **out, c2_error *err) {
  c2_tensor *t = c2__calloc(1, sizeof *t);
  if (!t) return c2_error_set(err, C2_ERR_NOMEM, "out of memory allocating a tensor");
  *out = t;
  return C2_OK;
}

/* Frees the storage and credits the budget; dtype and shape are left to the caller. */
static void release(c2_tensor *t) {
  if (t->budget) t->budget->used -= t->capacity;
  c2__free(t->data);
  t->data = NULL;
  t->capacity = 0;
}

void c2_tensor_free(c2_tensor *t) {
  if (!t) return;
  release(t);
  c2__free(t);
}

void c2_tensor_reset(c2_tensor *t) {
  release(t);
  c2_mem_budget *budget = t->budget;
  memset(t, 0, sizeof *t);
  t->budget = budget;
}

static c2_status over_budget(const c2_tensor *t, size_t nbytes, c2_error *err) {
  return c2_error_set(err, C2_ERR_LIMIT,
                      "a tensor of %zu bytes would bring the workspace's tensors to %llu bytes, "
                      "over its limit of %llu (c2_workspace_set_memory_limit)",
                      nbytes, (unsigned long long)(t->budget->used - t->capacity + nbytes),
                      (unsigned long long)t->budget->limit);
}

/* Whether t's budget can hold t with nbytes of storage instead of its current capacity. */
static bool fits(const c2_tensor *t, size_t nbytes) {
  if (!t->budget) return true;
  uint64_t others = t->budget->used - t->capacity;
  return nbytes <= t->budget->limit && others <= t->budget->limit - nbytes;
}

c2_status c2__tensor_move(c2_tensor *dst, c2_tensor *src, c2_error *err) {
  if (dst == src) return C2_OK;
  if (!fits(dst, src->capacity)) return over_budget(dst, src->capacity, err);
  release(dst);
  if (src->budget) src->budget->used -= src->capacity;
  if (dst->budget) dst->budget->used += src->capacity;
  c2_mem_budget *dst_budget = dst->budget, *src_budget = src->budget;
  *dst = *src;
  dst->budget = dst_budget;
  memset(src, 0, sizeof *src);
  src->budget = src_budget;
  return C2_OK;
}

c2_status c2_tensor_resize(c2_tensor *t, c2_dtype dtype, int ndim, const int64_t *dims,
                           c2_error *err) {
  size_t esize = c2_dtype_size(dtype);
  if (esize == 0)
    return c2_error_set(err, C2_ERR_TYPE, "dtype %s (%d) cannot be stored in a tensor",
                        c2_dtype_name(dtype), (int)dtype);
  int64_t numel;
  c2_status st = c2_dims_numel(ndim, dims, &numel, err);
  if (st) return st;
  if ((uint64_t)numel > SIZE_MAX / esize || (uint64_t)numel * esize > (uint64_t)INT64_MAX)
    return c2_error_set(err, C2_ERR_LIMIT, "tensor of %lld elements does not fit in memory",
                        (long long)numel);
  size_t nbytes = (size_t)numel * esize;
  if (nbytes > t->capacity) {
    if (!fits(t, nbytes)) return over_budget(t, nbytes, err);
    void *data = c2__aligned_alloc(nbytes);
    if (!data)
      return c2_error_set(err, C2_ERR_NOMEM, "out of memory allocating %zu bytes of tensor data",
                          nbytes);
    release(t);
    t->data = data;
    t->capacity = nbytes;
    if (t->budget) t->budget->used += nbytes;
  }
  t->dtype = dtype;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++) t->dims[i] = dims[i];
  for (int i = ndim; i < C2_MAX_NDIM; i++) t->dims[i] = 0;
  t->numel = numel;
  t->nbytes = nbytes;
  return C2_OK;
}

c2_status c2_tensor_resize_like(c2_tensor *t, const c2_tensor *like, c2_error *err) {
  if (like->dtype == C2_DTYPE_UNDEFINED)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "cannot take the shape of an empty tensor");
  return c2_tensor_resize(t, like->dtype, like->ndim, like->dims, err);
}

c2_status c2_tensor_copy(c2_tensor *dst, const c2_tensor *src, c2_error *err) {
  if (dst == src) return C2_OK;
  if (src->dtype == C2_DTYPE_UNDEFINED) {
    c2_tensor_reset(dst);
    return C2_OK;
  }
  c2_status st = c2_tensor_resize_like(dst, src, err);
  if (st) return st;
  if (src->nbytes) memcpy(dst->data, src->data, src->nbytes);
  return C2_OK;
}

bool c2_tensor_is_empty(const c2_tensor *t) { return t->dtype == C2_DTYPE_UNDEFINED; }
c2_dtype c2_tensor_dtype(const c2_tensor *t) { return t->dtype; }
int c2_tensor_ndim(const c2_tensor *t) { return t->ndim; }
const int64_t *c2_tensor_dims(const c2_tensor *t) { return t->dims; }
int64_t c2_tensor_dim(const c2_tensor *t, int i) {
  return (i >= 0 && i < t->ndim) ? t->dims[i] : -1;
}
int64_t c2_tensor_numel(const c2_tensor *t) { return t->dtype ? t->numel : 0; }
size_t c2_tensor_nbytes(const c2_tensor *t) { return t->nbytes; }
void *c2_tensor_data(c2_tensor *t) { return t->nbytes ? t->data : NULL; }
const void *c2_tensor_data_const(const c2_tensor *t) { return t->nbytes ? t->data : NULL; }

bool c2_tensor_same_shape(const c2_tensor *a, const c2_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

char *c2_tensor_shape_string(const c2_tensor *t, char *buf, size_t size) {
  if (size == 0) return buf;
  size_t pos = 0;
  buf[0] = '\0';
  int n = snprintf(buf, size, "[");
  pos = n > 0 ? (size_t)n : 0;
  for (int i = 0; i < t->ndim && pos < size; i++) {
    n = snprintf(buf + pos, size - pos, "%s%lld", i ? ", " : "", (long long)t->dims[i]);
    if (n < 0) break;
    pos += (size_t)n;
  }
  if (pos < size) snprintf(buf + pos, size - pos, "]");
  return buf;
}
