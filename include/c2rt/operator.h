/* The operator implementation interface: what an op family provides to the registry and what an
 * operator instance sees when it runs. */
#ifndef C2RT_OPERATOR_H
#define C2RT_OPERATOR_H

#include "workspace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One instantiated operator of a net: its definition, bound input and output tensors, and the
 * implementation's private state. */
typedef struct c2_operator c2_operator;

/* An implementation of one op type for one (device, engine). Usually a static const struct.
 * Errors from create/run carry a bare message; the runtime puts "op #i (Type): " in front. */
typedef struct c2_op_impl {
  int device_type;    /* C2_DEVICE_CPU */
  const char *engine; /* NULL or "" for the default engine */
  size_t state_size;  /* bytes of zeroed per-instance state (c2_op_state) */
  /* Reads and validates arguments once, when the net is created. NULL: nothing to do. */
  c2_status (*create)(c2_operator *op, c2_error *err);
  c2_status (*run)(c2_operator *op, c2_error *err);
  /* Releases what create/run allocated in the state; also called after a failed create, on the
   * zeroed-then-partly-filled state. NULL: nothing to do. */
  void (*destroy)(c2_operator *op);
} c2_op_impl;

C2_API const c2_opdef *c2_op_def(const c2_operator *op);
C2_API const char *c2_op_type(const c2_operator *op);
/* The engine actually chosen ("" for the default). */
C2_API const char *c2_op_engine(const c2_operator *op);
/* Position of the op in its net (0 for a lone op). */
C2_API int c2_op_index(const c2_operator *op);
C2_API int c2_op_num_inputs(const c2_operator *op);
C2_API int c2_op_num_outputs(const c2_operator *op);
/* Bound tensors; inputs may be empty (never written) tensors. NULL when out of range. */
C2_API const c2_tensor *c2_op_input(const c2_operator *op, int i);
C2_API c2_tensor *c2_op_output(c2_operator *op, int i);
C2_API const char *c2_op_input_name(const c2_operator *op, int i);
C2_API const char *c2_op_output_name(const c2_operator *op, int i);
C2_API void *c2_op_state(c2_operator *op);
C2_API c2_workspace *c2_op_workspace(c2_operator *op);
/* Threads the op may use for this run. */
C2_API int c2_op_num_threads(const c2_operator *op);

/* Checks that input i holds a tensor of `dtype` and rank `ndim` (any rank when ndim < 0); the error
 * names the blob and what was found. */
C2_API c2_status c2_op_require_input(const c2_operator *op, int i, c2_dtype dtype, int ndim,
                                     c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
