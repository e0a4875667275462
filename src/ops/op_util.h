/* Checks and cost helpers shared by the op families. Messages are bare (the runtime puts
 * "op #i (Type): " in front) and name the blobs involved. */
#ifndef C2_OPS_OP_UTIL_H
#define C2_OPS_OP_UTIL_H

#include "../core/tensor_impl.h"
#include "c2rt/operator.h"
#include "c2rt/registry.h"
#include "c2rt/schema.h"

/* Input i holds a float tensor of any rank. */
c2_status c2__require_float(const c2_operator *op, int i, c2_error *err);
/* Input i has been written (any dtype); the error names the blob. */
c2_status c2__require_written(const c2_operator *op, int i, c2_error *err);
/* Inputs i and j are float tensors of the same shape. */
c2_status c2__require_same_shape(const c2_operator *op, int i, int j, c2_error *err);
/* Input i is a float tensor of exactly `numel` elements (any shape); `what` says why. */
c2_status c2__require_float_numel(const c2_operator *op, int i, int64_t numel, const char *what,
                                  c2_error *err);

/* Caffe2's canonical_axis_index_: axis in [-ndim, ndim) mapped to [0, ndim). `name` is the
 * argument's name for the message. */
c2_status c2__canonical_axis(int64_t axis, int ndim, const char *name, int *out, c2_error *err);
/* Product of dims [from, to), overflow-checked (a zero dim elsewhere does not bound it). */
c2_status c2__dims_product(const int64_t *dims, int from, int to, int64_t *out, c2_error *err);

/* Saturating arithmetic for cost figures (like c2_shape_numel, they must not wrap). */
uint64_t c2__sat_mul(uint64_t a, uint64_t b);
uint64_t c2__sat_add(uint64_t a, uint64_t b);

/* Cost of an elementwise op: `flops_per_element` times the elements of input 0, every input
 * read once, every output written once with input 0's size (Caffe2 PointwiseCostInference). */
c2_status c2__pointwise_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                             uint64_t flops_per_element, c2_cost *cost);
/* Shape inference helpers: output 0 is input `i`'s shape (unknown when that is unknown). */
c2_status c2__shape_like_input1(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                                c2_shape *out, c2_error *err);

/* Registers schemas[i] with impls[i] (or impls[0] for all when n_impls is 1) and NO_GRADIENT:
 * the families of fills and training helpers that Caffe2 gives no gradient. */
c2_status c2__register_no_gradient_ops(c2_registry *reg, const c2_schema *schemas, size_t n,
                                       const c2_op_impl *impls, size_t n_impls, c2_error *err);

#endif
