/* How a binary elementwise op (Caffe2's BinaryElementwiseOp) lines up its two inputs with its
 * output: NumPy's multidirectional broadcasting, or Caffe2's legacy `broadcast=1` rule where B's
 * shape (leading and trailing 1s dropped) must match a run of A's dims starting at `axis`. */
#ifndef C2_OPS_BROADCAST_H
#define C2_OPS_BROADCAST_H

#include "c2rt/operator.h"

typedef struct c2__bcast {
  int ndim;                  /* rank of the output */
  int64_t dims[C2_MAX_NDIM]; /* output dims */
  /* Element strides of A and B for each output dim; 0 where the input is broadcast. */
  int64_t a_stride[C2_MAX_NDIM];
  int64_t b_stride[C2_MAX_NDIM];
  int64_t numel;
  bool same; /* A, B and the output have one shape: a flat loop does */
} c2__bcast;

/* The legacy arguments: broadcast, axis, axis_str with order. */
typedef struct c2__bcast_args {
  bool legacy; /* broadcast=1 */
  int axis;    /* -1: align B with A's last dims */
} c2__bcast_args;

/* Reads broadcast / axis / axis_str / order with Caffe2's checks. */
c2_status c2__bcast_args_parse(const c2_opdef *def, c2__bcast_args *args, c2_error *err);

/* Output shape and strides for inputs of shapes (na, a) and (nb, b). Names go into errors. */
c2_status c2__bcast_make(const c2__bcast_args *args, int na, const int64_t *a, const char *a_name,
                         int nb, const int64_t *b, const char *b_name, c2__bcast *out,
                         c2_error *err);

/* Walks the output in order, keeping the element offsets of A (ia) and B (ib) that each output
 * element reads, so that kernels stay a plain loop over the output. */
typedef struct c2__bcast_iter {
  const c2__bcast *bc;
  int64_t index[C2_MAX_NDIM];
  int64_t ia, ib;
} c2__bcast_iter;

static inline void c2__bcast_iter_start(c2__bcast_iter *it, const c2__bcast *bc) {
  it->bc = bc;
  for (int d = 0; d < bc->ndim; d++) it->index[d] = 0;
  it->ia = it->ib = 0;
}

/* Moves to the next output element (odometer order, last dim fastest). */
static inline void c2__bcast_iter_next(c2__bcast_iter *it) {
  const c2__bcast *bc = it->bc;
  for (int d = bc->ndim - 1; d >= 0; d--) {
    it->ia += bc->a_stride[d];
    it->ib += bc->b_stride[d];
    if (++it->index[d] < bc->dims[d]) return;
    it->ia -= bc->a_stride[d] * bc->dims[d];
    it->ib -= bc->b_stride[d] * bc->dims[d];
    it->index[d] = 0;
  }
}

#endif
