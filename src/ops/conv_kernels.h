/* Pure kernels for Conv (NCHW): im2col of a column range of the output, and the pooling loops.
 * No allocation; the op files do the bookkeeping. */
#ifndef C2_OPS_CONV_KERNELS_H
#define C2_OPS_CONV_KERNELS_H

#include <stdint.h>

#include "conv_pool.h"

/* Columns [p0, p1) of the im2col matrix of one image (C x H x W, geometry g): row
 * (c*kh + i)*kw + j, column p - p0, holding x[c][oh*sh - pt + i*dh][ow*sw - pl + j*dw] for
 * output pixel p = oh*Wo + ow, or 0 in the padding. col has (C*kh*kw) rows of (p1 - p0). */
void c2__im2col_tile(const float *x, int64_t C, const conv_pool_geom *g, int64_t p0, int64_t p1,
                     float *col);

/* y[m * ld + p] = bias[m] for m < rows, p < width: the bias a Conv tile's GEMM then adds to. */
void c2__fill_rows_with_bias(float *y, int64_t rows, int64_t width, int64_t ld,
                             const float *bias);

/* Pooling over `planes` planes of in[0] x in[1] into out[0] x out[1] with Caffe2's clipped
 * windows. Average divides by the in-image cell count, or by kh*kw with count_include_pad. */
void c2__max_pool_nchw(const float *x, int64_t planes, const conv_pool_geom *g, float *y);
void c2__average_pool_nchw(const float *x, int64_t planes, const conv_pool_geom *g,
                           bool count_include_pad, float *y);

#endif
