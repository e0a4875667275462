/* The tensor struct, visible to the library's own modules (ops read fields directly). */
#ifndef C2_CORE_TENSOR_IMPL_H
#define C2_CORE_TENSOR_IMPL_H

#include "c2rt/tensor.h"

/* Tensor bytes a workspace allows its blobs (c2_workspace_set_memory_limit); each of its
 * tensors points at it and keeps `used` up to date as its storage changes. */
typedef struct c2_mem_budget {
  uint64_t limit, used;
} c2_mem_budget;

struct c2_tensor {
  c2_dtype dtype; /* C2_DTYPE_UNDEFINED while empty */
  int ndim;
  int64_t dims[C2_MAX_NDIM];
  int64_t numel;
  size_t nbytes;   /* numel * element size */
  size_t capacity; /* bytes allocated at data */
  void *data;      /* 64-byte aligned, owned */
  c2_mem_budget *budget; /* the owning workspace's, or NULL (not counted) */
};

/* Moves src's dtype, shape and storage into dst (whose old storage is freed), leaving src
 * empty; each keeps its own budget, which is charged or credited. C2_ERR_LIMIT (nothing moved)
 * when dst's budget cannot take the storage. */
c2_status c2__tensor_move(c2_tensor *dst, c2_tensor *src, c2_error *err);

#endif
