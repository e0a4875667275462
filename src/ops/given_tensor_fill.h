/* The GivenTensor*Fill ops' internals shared with the streaming init-net loader
 * (runtime/init_net.c), which decodes `values` straight from the file into the output that
 * these functions set up, with the same checks and conversions as the ops' own run. */
#ifndef C2_OPS_GIVEN_TENSOR_FILL_H
#define C2_OPS_GIVEN_TENSOR_FILL_H

#include "c2rt/operator.h"

/* True for the fill types; *floats tells whether `values` is read from field floats (else
 * ints). */
bool c2__given_fill_type(const char *type, bool *floats);

/* For a created GivenTensor*Fill op: resizes its output for n_values values (the shape checks of
 * run) and returns the output's data and dtype. */
c2_status c2__given_fill_prepare(c2_operator *op, size_t n_values, void **data, c2_dtype *dtype,
                                 c2_error *err);

/* Value i converted as Caffe2 does (ints checked for range, bools non-zero). */
void c2__given_fill_store_float(c2_dtype dtype, void *data, size_t i, float v);
c2_status c2__given_fill_store_int(c2_dtype dtype, void *data, size_t i, int64_t v,
                                   c2_error *err);

#endif
