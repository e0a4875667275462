/* Nets: a NetDef instantiated over a workspace, every op looked up and checked once, then run in
 * order. Also the one-shot conveniences of Caffe2's workspace API. */
#ifndef C2RT_NET_H
#define C2RT_NET_H

#include "def.h"
#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct c2_net c2_net;

/* Creates a net over ws from a copy of def (the caller keeps def). reg NULL means the default
 * registry. Checks, as Caffe2 does: net type known, no op with node_name set, every op input
 * known from external_input or an earlier op (when external_input is not empty), every
 * external_output produced, each op's schema, device and engine, input blobs present in ws.
 * Output blobs are created (empty). The net borrows ws and must be freed before it.
 * On failure *out is set to NULL and nothing else changes, except that output blobs created
 * before the failing op stay in ws (empty), as in Caffe2. A NULL net is safe everywhere below:
 * c2_net_run returns C2_ERR_INVALID_ARGUMENT, c2_net_free does nothing. */
C2_API c2_status c2_net_new(c2_workspace *ws, const c2_netdef *def, const c2_registry *reg,
                            c2_net **out, c2_error *err);
C2_API void c2_net_free(c2_net *net);
/* Runs every op in order; stops at the first failure, whose message starts "op #i (Type): ". */
C2_API c2_status c2_net_run(c2_net *net, c2_error *err);
/* Runs op i alone (profilers, debuggers); the message is prefixed like c2_net_run's. */
C2_API c2_status c2_net_run_op(c2_net *net, size_t i, c2_error *err);
C2_API const c2_netdef *c2_net_def(const c2_net *net);
C2_API size_t c2_net_num_ops(const c2_net *net);
C2_API c2_operator *c2_net_op(c2_net *net, size_t i);

/* Creates, runs and frees a one-op net (Caffe2 RunOperatorOnce); outputs stay in ws. */
C2_API c2_status c2_run_operator_once(c2_workspace *ws, const c2_opdef *op, const c2_registry *reg,
                                      c2_error *err);
/* Same for a whole net (Caffe2 RunNetOnce): the net needs no name and is not kept. */
C2_API c2_status c2_run_net_once(c2_workspace *ws, const c2_netdef *def, const c2_registry *reg,
                                 c2_error *err);

/* Nets kept by the workspace under their NetDef name (Caffe2 CreateNet / RunNet). The def must
 * have a name field (it may be empty). An existing net of that name is an error unless
 * overwrite is set, in which case the old net is freed before the new one is built. A net whose
 * creation failed does not exist: running it by name is C2_ERR_NOT_FOUND (and with overwrite,
 * the old net of that name is gone too, as in Caffe2). */
C2_API c2_status c2_workspace_create_net(c2_workspace *ws, const c2_netdef *def, bool overwrite,
                                         const c2_registry *reg, c2_error *err);
C2_API c2_status c2_workspace_run_net(c2_workspace *ws, const char *name, int num_iter,
                                      c2_error *err);
C2_API bool c2_workspace_has_net(const c2_workspace *ws, const char *name);
C2_API c2_status c2_workspace_delete_net(c2_workspace *ws, const char *name, c2_error *err);
/* Sorted net names; array freed with c2_free, strings borrowed. */
C2_API c2_status c2_workspace_net_names(const c2_workspace *ws, const char ***names, size_t *n,
                                        c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
