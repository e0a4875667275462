/* Gradient definitions, Caffe2's GradientMakerBase as a C callback.
 *
 * A gradient callback is called with the forward OperatorDef and the names of the gradients of
 * its outputs (some may be missing). It adds gradient OperatorDefs and says which blob holds the
 * gradient of each input. The driver then copies the forward op's device option, engine and
 * every argument into each gradient op and sets is_gradient_op, as Caffe2 does. */
#ifndef C2RT_GRADIENT_H
#define C2RT_GRADIENT_H

#include "status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct c2_grad_ctx c2_grad_ctx;
typedef c2_status (*c2_gradient_fn)(c2_grad_ctx *g, c2_error *err);

/* How an op type takes part in backward passes. */
typedef enum c2_gradient_kind {
  C2_GRADIENT_UNSET = 0,           /* nothing registered: asking for a gradient is an error */
  C2_GRADIENT_FN,                  /* the callback defines it */
  C2_GRADIENT_NONE,                /* Caffe2 NO_GRADIENT: the flow stops here silently */
  C2_GRADIENT_SHOULD_NOT_DO,       /* Caffe2 SHOULD_NOT_DO_GRADIENT: reaching it is an error */
  C2_GRADIENT_NOT_IMPLEMENTED      /* Caffe2 GRADIENT_NOT_IMPLEMENTED_YET */
} c2_gradient_kind;

/* For the callback. Names are borrowed from the context (valid during the callback). */
C2_API const c2_opdef *c2_grad_def(const c2_grad_ctx *g);
C2_API const char *c2_grad_I(const c2_grad_ctx *g, int i);  /* forward input i */
C2_API const char *c2_grad_O(const c2_grad_ctx *g, int i);  /* forward output i */
/* Gradient of output i, or NULL when none is given. */
C2_API const char *c2_grad_GO_or_null(const c2_grad_ctx *g, int i);
/* Gradient of output i; an error naming the output when none is given. */
C2_API c2_status c2_grad_GO(const c2_grad_ctx *g, int i, const char **name, c2_error *err);
/* Declares "<input i>_grad" as input i's gradient and returns that name. */
C2_API c2_status c2_grad_GI(c2_grad_ctx *g, int i, const char **name, c2_error *err);
/* Declares an existing blob as input i's gradient (no op needed; e.g. Sum passes GO through). */
C2_API c2_status c2_grad_set_dense(c2_grad_ctx *g, int i, const char *name, c2_error *err);
/* Appends a gradient op; *op (may be NULL) is borrowed so that the callback can add arguments. */
C2_API c2_status c2_grad_add_op(c2_grad_ctx *g, const char *type, size_t n_in,
                                const char *const *in, size_t n_out, const char *const *out,
                                c2_opdef **op, c2_error *err);
/* Caffe2's CopyDeviceOption / CopyEngine / CopyArguments (all true by default). */
C2_API void c2_grad_set_copy(c2_grad_ctx *g, bool device_option, bool engine, bool arguments);

/* What the driver returns. */
typedef struct c2_grad_result c2_grad_result;
C2_API void c2_grad_result_free(c2_grad_result *r);
C2_API size_t c2_grad_result_num_ops(const c2_grad_result *r);
C2_API const c2_opdef *c2_grad_result_op(const c2_grad_result *r, size_t i);
/* Moves op i out (the result keeps NULL in its place). */
C2_API c2_opdef *c2_grad_result_take_op(c2_grad_result *r, size_t i);
/* Gradient blob of forward input i, or NULL when there is none. */
C2_API const char *c2_grad_result_input_grad(const c2_grad_result *r, size_t i);
C2_API size_t c2_grad_result_num_inputs(const c2_grad_result *r);

#ifdef __cplusplus
}
#endif
#endif
