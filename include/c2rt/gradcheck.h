/* Numerical gradient checks of one operator, Caffe2's GradientChecker.CheckSimple in C: the
 * loss is 1/2 * sum(y^2) over the selected outputs, whose gradients are fed as y; the analytic
 * gradient of one input comes from the op's registered gradient ops, the numeric one from
 * central differences (L(x + h) - L(x - h)) / 2h per element; an element passes when
 * |analytic - numeric| <= t + t * |numeric|. */
#ifndef C2RT_GRADCHECK_H
#define C2RT_GRADCHECK_H

#include "registry.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct c2_gradcheck_options {
  double step;      /* h of the central differences (Caffe2 stepsize) */
  double threshold; /* t of the pass rule (Caffe2 threshold: both atol and rtol) */
} c2_gradcheck_options;

/* step 0.005, threshold 0.005 (Caffe2's assertGradientChecks defaults). */
C2_API c2_gradcheck_options c2_gradcheck_defaults(void);

typedef struct c2_gradcheck_result {
  bool passed;           /* every element passed */
  int64_t n_elements;    /* elements checked (those of the input) */
  int64_t n_failed;
  int64_t worst_index;   /* flat index of the element closest to failing (or failing most); -1
                            when the input is empty */
  double worst_analytic, worst_numeric;
  double worst_ratio;    /* |a - n| / (t + t |n|) of that element: > 1 fails (NaN fails too) */
} c2_gradcheck_result;

/* Checks the gradient of input `input_to_check` of `op`.
 * - inputs: one tensor per op input (borrowed; copied into a private workspace, so the caller's
 *   data is never changed, even by an op that runs in place);
 * - outputs_with_grads: indices of the outputs in the loss (NULL or n = 0: every output);
 * - opts NULL: c2_gradcheck_defaults(); reg NULL: the default registry;
 * - analytic, numeric (may be NULL): filled with the two gradients as DOUBLE tensors of the
 *   input's shape.
 * A gradient that fails the rule is not an error: the call returns C2_OK with result->passed
 * false. Errors: the op or its gradient ops fail to build or run, the op has no gradient for
 * that input (C2_ERR_GRADIENT), the gradient's shape differs from the input's (C2_ERR_SHAPE), a
 * checked tensor is not FLOAT (C2_ERR_TYPE), bad indices or options (C2_ERR_INVALID_ARGUMENT). */
C2_API c2_status c2_gradient_check(const c2_registry *reg, const c2_opdef *op,
                                   const c2_tensor *const *inputs, int input_to_check,
                                   const int *outputs_with_grads, size_t n_outputs_with_grads,
                                   const c2_gradcheck_options *opts, c2_tensor *analytic,
                                   c2_tensor *numeric, c2_gradcheck_result *result,
                                   c2_error *err);

#ifdef __cplusplus
}
#endif
#endif
