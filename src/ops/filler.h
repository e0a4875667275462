/* The shape part shared by Caffe2's filler ops (FillerOp): the output shape comes from the
 * `shape` argument when the op has no input, or from input 0 (its dims, or its values when
 * `input_as_shape` is set) followed by `extra_shape`. */
#ifndef C2_OPS_FILLER_H
#define C2_OPS_FILLER_H

#include "c2rt/operator.h"
#include "c2rt/schema.h"

typedef struct c2__fill_shape {
  int ndim; /* of `shape` (no input) */
  int64_t shape[C2_MAX_NDIM];
  int n_extra;
  int64_t extra[C2_MAX_NDIM];
  bool input_as_shape;
} c2__fill_shape;

/* Reads and checks the shape arguments once, at op creation (Caffe2's FillerOp constructor
 * checks, as errors). */
c2_status c2__fill_shape_parse(const c2_opdef *def, c2__fill_shape *fs, c2_error *err);
/* Resizes output 0 to the shape this run asks for, with `dtype`. */
c2_status c2__fill_shape_resize(const c2__fill_shape *fs, c2_operator *op, c2_dtype dtype,
                                c2_error *err);
/* Caffe2's FillerTensorInference: dtype from the `dtype` argument (default FLOAT), dims from
 * `shape` or from input 0 plus `extra_shape`; unknown with input_as_shape. */
c2_status c2__fill_infer_shape(const c2_opdef *def, int n_in, const c2_shape *in, int n_out,
                               c2_shape *out, c2_error *err);
/* One write of the inferred output; `flops_per_element` models the generator's arithmetic. */
c2_status c2__fill_cost(const c2_opdef *def, int n_in, const c2_shape *in,
                        uint64_t flops_per_element, c2_cost *cost, c2_error *err);

/* The argument specs every filler schema lists first. */
#define C2__FILLER_SHAPE_ARGS                                                                  \
  {.name = "shape", .type = C2_ARG_INTS,                                                       \
   .doc = "Output shape when the op has no input."},                                           \
  {.name = "extra_shape", .type = C2_ARG_INTS,                                                 \
   .doc = "Dimensions appended to the input's shape (only with an input)."},                   \
  {.name = "input_as_shape", .type = C2_ARG_INT, .has_default = true, .default_int = 0,        \
   .doc = "If 1, input 0 is a 1-D int64 tensor holding the output shape."},                    \
  {.name = "run_once", .type = C2_ARG_INT,                                                     \
   .doc = "Accepted for old scripts and ignored: Caffe2's fillers fill on every run."}

#endif
