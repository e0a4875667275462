/* Backward nets: Caffe2's core.Net.AddGradientOperators in C.
 *
 * Given a forward NetDef and its loss blobs, c2_backward_new builds the gradient ops exactly as
 * Caffe2's Python IR does: each loss without a given gradient is seeded by
 * ConstantFill([loss], [loss + "_autogen_grad"], value=1.0); the forward ops are visited in
 * reverse and each one reached by a gradient asks its registered gradient definition for ops
 * (names "<blob>_grad"); a blob version read by several ops gets its partial gradients renamed
 * "_<blob>_grad_autosplit_<k>" and summed by a Sum into "<blob>_grad", placed right after the
 * gradient ops of its first reader. Ops registered NO_GRADIENT stop the flow silently;
 * SHOULD_NOT_DO ops and ops without a gradient fail when a gradient reaches them; a gradient op
 * that needs a blob at a version a later forward op overwrote (in place) fails naming the blob,
 * the versions and the overwriting op. Blobs the losses do not depend on get no gradient. */
#ifndef C2RT_BACKWARD_H
#define C2RT_BACKWARD_H

#include "def.h"
#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One loss: its blob and, optionally, the blob that already holds its gradient (Caffe2's dict
 * form {loss: grad}). grad NULL seeds it with ones. */
typedef struct c2_loss {
  const char *blob;
  const char *grad;
} c2_loss;

typedef struct c2_backward_options {
  /* false (default): the net is the forward net followed by the gradient ops, what
   * AddGradientOperators leaves in a net. true: the gradient ops alone, with external inputs
   * (the forward blobs and given gradients they read) and outputs (the gradients) declared. */
  bool backward_only;
  /* Forward ops [0, skip) take no part (AddGradientOperators' skip). */
  size_t skip;
} c2_backward_options;

typedef struct c2_backward c2_backward;

/* Builds the backward pass of `forward` (borrowed; not changed) for n_losses losses. opts and
 * reg may be NULL (defaults; the default registry). Errors: C2_ERR_INVALID_ARGUMENT (no loss,
 * a loss given twice), C2_ERR_NOT_FOUND (a loss the net neither reads nor writes),
 * C2_ERR_GRADIENT (a gradient reaches an op that must not or cannot be differentiated, a
 * gradient op needs an overwritten blob version, conflicting gradient names or devices),
 * C2_ERR_SCHEMA (a forward op fails its schema), C2_ERR_NOMEM. Messages start with
 * "op #k (Type): " when an op is at fault. */
C2_API c2_status c2_backward_new(const c2_netdef *forward, size_t n_losses, const c2_loss *losses,
                                 const c2_backward_options *opts, const c2_registry *reg,
                                 c2_backward **out, c2_error *err);
C2_API void c2_backward_free(c2_backward *b);

/* The resulting net (borrowed from b), and how many of its ops come first from the forward net
 * (0 with backward_only). */
C2_API const c2_netdef *c2_backward_net(const c2_backward *b);
C2_API size_t c2_backward_num_forward_ops(const c2_backward *b);
/* Moves the net out; the caller frees it with c2_netdef_free. b keeps the gradient map, and
 * c2_backward_net returns NULL afterwards. */
C2_API c2_netdef *c2_backward_take_net(c2_backward *b);

/* The blob -> gradient map (Caffe2's input_to_grad, None entries dropped), in the order Caffe2
 * fills it: the losses, then blobs as the reverse walk reaches them. Strings are borrowed. */
C2_API size_t c2_backward_num_grads(const c2_backward *b);
C2_API const char *c2_backward_grad_blob(const c2_backward *b, size_t i);
C2_API const char *c2_backward_grad_name(const c2_backward *b, size_t i);
/* The gradient of `blob`, or NULL when the losses do not depend on it. */
C2_API const char *c2_backward_gradient_of(const c2_backward *b, const char *blob);

#ifdef __cplusplus
}
#endif
#endif
