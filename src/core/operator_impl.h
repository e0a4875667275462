/* Operator instances: created by the runtime for each op of a net, bound to workspace blobs. */
#ifndef C2_CORE_OPERATOR_IMPL_H
#define C2_CORE_OPERATOR_IMPL_H

#include "c2rt/registry.h"
#include "workspace_impl.h"

struct c2_operator {
  const c2_opdef *def; /* borrowed from the owning net's definition */
  const c2_op_impl *impl;
  const char *engine; /* static string from the impl, "" for the default */
  int index;
  int n_in, n_out;
  c2_ws_blob **in_blobs, **out_blobs; /* pinned (users++) while the op lives */
  c2_tensor **inputs, **outputs;
  void *state;
  c2_workspace *ws;
  bool created; /* impl->create was called, so impl->destroy must run */
};

/* Looks the op up, verifies it against its schema, binds its blobs (inputs must exist; outputs
 * are created) and runs the implementation's create. Messages are bare: the caller prefixes the
 * op's position and type. */
c2_status c2__operator_new(c2_workspace *ws, const c2_opdef *def, const c2_registry *reg,
                           int index, c2_operator **out, c2_error *err);
void c2__operator_free(c2_operator *op);
c2_status c2__operator_run(c2_operator *op, c2_error *err);

#endif
