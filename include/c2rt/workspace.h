/* Workspace: named blobs, each holding one tensor, plus the nets created in it. */
#ifndef C2RT_WORKSPACE_H
#define C2RT_WORKSPACE_H

#include "tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct c2_workspace c2_workspace;

/* A new empty workspace whose thread count is the number of online cores. Workspaces are
 * independent: two threads may use two workspaces at the same time; one workspace belongs to
 * one thread at a time. */
C2_API c2_status c2_workspace_new(c2_workspace **out, c2_error *err);
/* Frees the nets, then the blobs. NULL is allowed. */
C2_API void c2_workspace_free(c2_workspace *ws);

/* Returns the blob's tensor, creating an empty one when the name is new (Caffe2 CreateBlob).
 * The tensor is borrowed: it lives until the blob is removed or the workspace freed. */
C2_API c2_status c2_workspace_create_blob(c2_workspace *ws, const char *name, c2_tensor **out,
                                          c2_error *err);
/* Borrowed tensor of an existing blob, or NULL. */
C2_API c2_tensor *c2_workspace_get_blob(c2_workspace *ws, const char *name);
C2_API bool c2_workspace_has_blob(const c2_workspace *ws, const char *name);
/* Removes a blob. C2_ERR_NOT_FOUND when absent; C2_ERR_BUSY while a net created in this
 * workspace reads or writes it. */
C2_API c2_status c2_workspace_remove_blob(c2_workspace *ws, const char *name, c2_error *err);
C2_API size_t c2_workspace_blob_count(const c2_workspace *ws);
/* Sorted blob names. *names is an array of borrowed strings (valid until the next change of the
 * workspace); free the array itself with c2_free. */
C2_API c2_status c2_workspace_blob_names(const c2_workspace *ws, const char ***names, size_t *n,
                                         c2_error *err);
/* Creates or overwrites blob `name` with a copy of `data` (numel(dims) elements of dtype). */
C2_API c2_status c2_workspace_feed(c2_workspace *ws, const char *name, c2_dtype dtype, int ndim,
                                   const int64_t *dims, const void *data, c2_error *err);

/* Caps the bytes of tensor data the workspace's blobs hold together (default UINT64_MAX: no cap,
 * as in Caffe2). Set it when nets come from elsewhere: a 100-byte NetDef can ask a fill op for
 * 10 GB. A resize, feed or load that would cross it fails with C2_ERR_LIMIT and changes
 * nothing; a cap below what is held already only stops growth. Op scratch memory is not
 * counted. */
C2_API void c2_workspace_set_memory_limit(c2_workspace *ws, uint64_t bytes);
C2_API uint64_t c2_workspace_memory_limit(const c2_workspace *ws);
/* Bytes of tensor storage the blobs hold now. */
C2_API uint64_t c2_workspace_memory_used(const c2_workspace *ws);

/* Threads that ops of this workspace may use (>= 1). */
C2_API void c2_workspace_set_num_threads(c2_workspace *ws, int num_threads);
C2_API int c2_workspace_num_threads(const c2_workspace *ws);

#ifdef __cplusplus
}
#endif
#endif
