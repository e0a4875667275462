/* Entry points for language bindings. The Python package (python/c2rt) calls the library
 * through cffi's ABI mode with nothing compiled, so everything that crosses here is an opaque
 * handle, a scalar, a pointer + length buffer, a NUL-terminated name or serialized protobuf bytes
 * (the contract with the binding is proto/caffe2.proto). No struct is passed by value, nothing
 * calls back, and every failure is reported in the caller's c2_error: the library keeps no
 * global or thread-local error state, so a binding allocates one c2_error per call.
 *
 * Threads: workspaces are independent. Two threads may call these functions at the same time on
 * two workspaces; one workspace must be used by one thread at a time. */
#ifndef C2RT_BINDING_H
#define C2RT_BINDING_H

#include "gradient.h"
#include "workspace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a binding needs to copy a blob out: dtype, shape, size and a data pointer. */
typedef struct c2_blob_info {
  int dtype; /* a c2_dtype; C2_DTYPE_UNDEFINED for a blob that was created but never written */
  int ndim;
  int64_t dims[C2_MAX_NDIM];
  int64_t numel;
  size_t nbytes;
  /* Borrowed; valid until the blob is next written or removed, or the workspace is freed. NULL
   * when the blob holds no elements. Copy from it before calling into the workspace again. */
  const void *data;
} c2_blob_info;

/* Fills *info for blob `name`. C2_ERR_NOT_FOUND ("can't find blob 'X' in the workspace") when
 * there is no such blob. */
C2_API c2_status c2_workspace_blob_info(const c2_workspace *ws, const char *name,
                                        c2_blob_info *info, c2_error *err);
/* Copies the blob's data into dst, which holds `nbytes` bytes: exactly the blob's byte size, else
 * C2_ERR_SHAPE naming both sizes. */
C2_API c2_status c2_workspace_fetch(const c2_workspace *ws, const char *name, void *dst,
                                    size_t nbytes, c2_error *err);
/* Creates or overwrites blob `name` with a copy of `nbytes` bytes at data, which must be exactly
 * numel(dims) elements of dtype (C2_ERR_SHAPE otherwise): c2_workspace_feed with the length
 * checked, for callers whose buffers come from elsewhere. */
C2_API c2_status c2_workspace_feed_buffer(c2_workspace *ws, const char *name, int dtype, int ndim,
                                          const int64_t *dims, const void *data, size_t nbytes,
                                          c2_error *err);

/* Caffe2's RunOperatorOnce with a serialized OperatorDef (the default registry). */
C2_API c2_status c2_workspace_run_operator_bytes(c2_workspace *ws, const uint8_t *bytes,
                                                 size_t len, c2_error *err);
/* Caffe2's RunNetOnce with a serialized NetDef. */
C2_API c2_status c2_workspace_run_net_once_bytes(c2_workspace *ws, const uint8_t *bytes,
                                                 size_t len, c2_error *err);
/* Caffe2's CreateNet with a serialized NetDef; the net is kept under its name (run it with
 * c2_workspace_run_net). */
C2_API c2_status c2_workspace_create_net_bytes(c2_workspace *ws, const uint8_t *bytes, size_t len,
                                               bool overwrite, c2_error *err);

/* Caffe2's GetGradientForOp with a serialized OperatorDef (default registry): read the result
 * with c2_grad_result_* (c2_opdef_pack serializes each op) and free it with
 * c2_grad_result_free. */
C2_API c2_status c2_gradient_for_op_bytes(const uint8_t *bytes, size_t len, size_t n_g_output,
                                          const char *const *g_output, c2_grad_result **out,
                                          c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
