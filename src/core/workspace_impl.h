/* Workspace internals shared with the runtime (nets pin the blobs they use and live in the
 * workspace's net table). */
#ifndef C2_CORE_WORKSPACE_IMPL_H
#define C2_CORE_WORKSPACE_IMPL_H

#include "c2rt/workspace.h"
#include "hash.h"
#include "tensor_impl.h"

typedef struct c2_ws_blob {
  char *name;
  c2_tensor *tensor;
  int users; /* nets bound to this blob; removal is refused while > 0 */
  UT_hash_handle hh;
} c2_ws_blob;

typedef struct c2_ws_net {
  char *name;
  void *net;
  void (*free_net)(void *net);
  UT_hash_handle hh;
} c2_ws_net;

struct c2_threadpool;

struct c2_workspace {
  c2_ws_blob *blobs;
  c2_ws_net *nets;
  int num_threads;
  struct c2_threadpool *pool; /* started on the first parallel loop, NULL until then */
  c2_mem_budget memory;       /* bytes of tensor storage held by the blobs, and the cap */
};

/* The blob entry for name, created when absent and `create` is set; NULL when absent (or on
 * allocation failure, reported through err). */
c2_status c2__workspace_blob_entry(c2_workspace *ws, const char *name, bool create,
                                   c2_ws_blob **out, c2_error *err);

#endif
