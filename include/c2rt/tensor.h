/* Tensors: a dtype, int64 dims and 64-byte aligned data, with overflow-checked sizes. */
#ifndef C2RT_TENSOR_H
#define C2RT_TENSOR_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element types, numbered as Caffe2's TensorProto.DataType. */
typedef enum c2_dtype {
  C2_DTYPE_UNDEFINED = 0,
  C2_DTYPE_FLOAT = 1,
  C2_DTYPE_INT32 = 2,
  C2_DTYPE_BYTE = 3,
  C2_DTYPE_BOOL = 5,
  C2_DTYPE_UINT8 = 6,
  C2_DTYPE_INT8 = 7,
  C2_DTYPE_UINT16 = 8,
  C2_DTYPE_INT16 = 9,
  C2_DTYPE_INT64 = 10,
  C2_DTYPE_FLOAT16 = 12,
  C2_DTYPE_DOUBLE = 13
} c2_dtype;

/* Bytes per element, or 0 for a dtype c2rt cannot hold in a tensor (UNDEFINED, STRING, ...). */
C2_API size_t c2_dtype_size(int dtype);
/* Caffe2's name of the dtype ("FLOAT", "INT64"); "UNKNOWN(<n>)"-style names are not produced:
 * unknown values give "unknown". */
C2_API const char *c2_dtype_name(int dtype);

typedef struct c2_tensor c2_tensor;

/* A new empty tensor (dtype UNDEFINED, no data: what Caffe2 calls an uninitialized blob). */
C2_API c2_status c2_tensor_new(c2_tensor **out, c2_error *err);
C2_API void c2_tensor_free(c2_tensor *t);

/* Gives the tensor a dtype and shape. Existing storage is reused when it is large enough
 * (its contents are then unspecified); otherwise new 64-byte aligned storage is allocated.
 * Fails on ndim > C2_MAX_NDIM, a negative dim, or an element/byte count that overflows. */
C2_API c2_status c2_tensor_resize(c2_tensor *t, c2_dtype dtype, int ndim, const int64_t *dims,
                                  c2_error *err);
/* Same shape and dtype as `like`. */
C2_API c2_status c2_tensor_resize_like(c2_tensor *t, const c2_tensor *like, c2_error *err);
/* Deep copy of src's dtype, shape and data into dst. */
C2_API c2_status c2_tensor_copy(c2_tensor *dst, const c2_tensor *src, c2_error *err);
/* Back to empty, releasing storage. */
C2_API void c2_tensor_reset(c2_tensor *t);

C2_API bool c2_tensor_is_empty(const c2_tensor *t);
C2_API c2_dtype c2_tensor_dtype(const c2_tensor *t);
C2_API int c2_tensor_ndim(const c2_tensor *t);
C2_API const int64_t *c2_tensor_dims(const c2_tensor *t);
/* dims[i] for 0 <= i < ndim, else -1. */
C2_API int64_t c2_tensor_dim(const c2_tensor *t, int i);
C2_API int64_t c2_tensor_numel(const c2_tensor *t);
C2_API size_t c2_tensor_nbytes(const c2_tensor *t);
/* Data pointers (64-byte aligned; NULL when the tensor holds no elements). */
C2_API void *c2_tensor_data(c2_tensor *t);
C2_API const void *c2_tensor_data_const(const c2_tensor *t);
/* True when both have the same ndim and dims. */
C2_API bool c2_tensor_same_shape(const c2_tensor *a, const c2_tensor *b);
/* Writes "[2, 6, 6, 10]" into buf (always NUL-terminated); returns buf. */
C2_API char *c2_tensor_shape_string(const c2_tensor *t, char *buf, size_t size);

/* Product of dims with overflow and sign checks: C2_ERR_LIMIT when it does not fit. */
C2_API c2_status c2_dims_numel(int ndim, const int64_t *dims, int64_t *numel, c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
