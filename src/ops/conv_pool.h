/* Caffe2's ConvPoolOpBase for 2-D NCHW: the argument forms (kernel / kernel_h+kernel_w / kernels,
 * stride*, dilation*, pad / pad_t,pad_l,pad_b,pad_r / pads, legacy_pad, global_pooling, group,
 * order) and the output-size rules, shared by Conv, MaxPool and AveragePool. Caffe2 checks some of
 * these only when the op's *name* starts with "Conv" or contains "Pool"; here they are checked
 * always, by type. */
#ifndef C2_OPS_CONV_POOL_H
#define C2_OPS_CONV_POOL_H

#include "c2rt/schema.h"

/* caffe2_legacy.proto LegacyPadding */
enum { C2_PAD_NOTSET = 0, C2_PAD_VALID = 1, C2_PAD_SAME = 2, C2_PAD_CAFFE_LEGACY_POOLING = 3 };

typedef struct conv_pool_args {
  int64_t kernel[2], stride[2], dilation[2];
  int64_t pads[4]; /* t, l, b, r: Caffe2's order (heads, then tails) */
  int legacy_pad;
  bool global_pooling;
  bool count_include_pad; /* AveragePool only */
  int64_t group;          /* Conv only */
} conv_pool_args;

typedef enum conv_pool_kind { CP_CONV, CP_MAX_POOL, CP_AVERAGE_POOL } conv_pool_kind;

/* Reads and validates every argument form; bare error messages naming the argument. */
c2_status c2__conv_pool_parse(const c2_opdef *def, conv_pool_kind kind, conv_pool_args *a,
                              c2_error *err);

/* The geometry of one run: output sizes and the pads actually used (SAME, VALID and
 * CAFFE_LEGACY_POOLING recompute them from the input size, as Caffe2 does at run time). */
typedef struct conv_pool_geom {
  int64_t in[2], out[2], kernel[2], stride[2], dilation[2];
  int64_t pads[4];
} conv_pool_geom;

/* Caffe2's ComputeSizeAndPad for both spatial dims of an input of in_h x in_w. Errors when the
 * (dilated) kernel does not fit in the padded input, or when a pooling window would lie wholly
 * outside the input. */
c2_status c2__conv_pool_geometry(const conv_pool_args *a, conv_pool_kind kind, int64_t in_h,
                                 int64_t in_w, conv_pool_geom *g, c2_error *err);

/* Schema argument specs common to the three ops (spread into each schema's list). */
#define C2_CONV_POOL_ARG_SPECS                                                                  \
  {.name = "kernel", .type = C2_ARG_INT, .doc = "Kernel size for both spatial dims."},         \
  {.name = "kernel_h", .type = C2_ARG_INT, .doc = "Kernel height (with kernel_w)."},           \
  {.name = "kernel_w", .type = C2_ARG_INT, .doc = "Kernel width (with kernel_h)."},            \
  {.name = "kernels", .type = C2_ARG_INTS, .doc = "Kernel sizes [h, w]."},                     \
  {.name = "stride", .type = C2_ARG_INT, .has_default = true, .default_int = 1,                \
   .doc = "Stride for both spatial dims."},                                                    \
  {.name = "stride_h", .type = C2_ARG_INT, .doc = "Stride height (with stride_w)."},           \
  {.name = "stride_w", .type = C2_ARG_INT, .doc = "Stride width (with stride_h)."},            \
  {.name = "strides", .type = C2_ARG_INTS, .doc = "Strides [h, w]."},                          \
  {.name = "dilation", .type = C2_ARG_INT, .has_default = true, .default_int = 1,            \
   .doc = "Dilation for both spatial dims."},                                                  \
  {.name = "dilation_h", .type = C2_ARG_INT, .doc = "Dilation height (with dilation_w)."},     \
  {.name = "dilation_w", .type = C2_ARG_INT, .doc = "Dilation width (with dilation_h)."},      \
  {.name = "dilations", .type = C2_ARG_INTS, .doc = "Dilations [h, w]."},                      \
  {.name = "pad", .type = C2_ARG_INT, .has_default = true, .default_int = 0,                   \
   .doc = "Padding on all four sides."},                                                       \
  {.name = "pad_t", .type = C2_ARG_INT, .doc = "Top padding (used only with all of pad_l, "    \
                                               "pad_b, pad_r)."},                              \
  {.name = "pad_l", .type = C2_ARG_INT, .doc = "Left padding."},                               \
  {.name = "pad_b", .type = C2_ARG_INT, .doc = "Bottom padding."},                             \
  {.name = "pad_r", .type = C2_ARG_INT, .doc = "Right padding."},                              \
  {.name = "pads", .type = C2_ARG_INTS, .doc = "Paddings [t, l, b, r]."},                      \
  {.name = "legacy_pad", .type = C2_ARG_INT, .has_default = true, .default_int = 0,            \
   .doc = "0 NOTSET, 1 VALID, 2 SAME, 3 CAFFE_LEGACY_POOLING (caffe2_legacy.proto)."},         \
  {.name = "order", .type = C2_ARG_STRING, .has_default = true, .default_string = "NCHW",      \
   .doc = "Storage order; only \"NCHW\" is implemented."}

#endif
