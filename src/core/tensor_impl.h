/* The tensor struct, visible to the library's own modules (ops read fields directly). */
#ifndef C2_CORE_TENSOR_IMPL_H
#define C2_CORE_TENSOR_IMPL_H

#include "c2rt/tensor.h"

struct c2_tensor {
  c2_dtype dtype; /* C2_DTYPE_UNDEFINED while empty */
  int ndim;
  int64_t dims[C2_MAX_NDIM];
  int64_t numel;
  size_t nbytes;   /* numel * element size */
  size_t capacity; /* bytes allocated at data */
  void *data;      /* 64-byte aligned, owned */
};

#endif
