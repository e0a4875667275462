/* The shape rules shared by Caffe2's filler ops (FillerOp: ConstantFill, UniformFill,
 * GaussianFill, XavierFill): the output shape is the `shape` argument when the op has no input,
 * else input 0's dims (or, with `input_as_shape`, its values) followed by `extra_shape`. */
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
/* Caffe2's FillerTensorInference for output 0: dims from `shape`, or from input 0 plus
 * `extra_shape` (unknown with input_as_shape or an unknown input); dtype `dtype`. */
c2_status c2__fill_infer_shape(const c2_opdef *def, c2_dtype dtype, int n_in, const c2_shape *in,
                               int n_out, c2_shape *out, c2_error *err);
/* Cost of writing `out` (unknown: nothing), `flops_per_element` for the generator. */
void c2__fill_cost(const c2_shape *out, uint64_t flops_per_element, c2_cost *cost);

/* The argument specs of the shape rules, for the filler schemas. */
#define C2__FILLER_SHAPE_ARGS                                                                  \
  {.name = "shape", .type = C2_ARG_INTS,                                                       \
   .doc = "Shape of the output when the op has no input (empty: a scalar)."},                  \
  {.name = "extra_shape", .type = C2_ARG_INTS,                                                 \
   .doc = "Dims appended to the shape taken from the input (needs an input)."},                \
  {.name = "input_as_shape", .type = C2_ARG_INT, .has_default = true, .default_int = 0,        \
   .doc = "1: the values of input 0 (a non-empty 1-D INT64 tensor) are the shape."}

/* Caffe2's tutorials pass run_once=0 (an argument of very early fillers): accepted, unused. */
#define C2__FILLER_RUN_ONCE_ARG                                                                \
  {.name = "run_once", .type = C2_ARG_INT,                                                     \
   .doc = "Accepted for old scripts and ignored: Caffe2's fillers fill on every run."}

#endif
