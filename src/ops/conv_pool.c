/* ConvPoolOpBase argument forms and output-size rules (see conv_pool.h). */
#include "conv_pool.h"

#include <stdio.h>
#include <string.h>

#include "c2rt/argument.h"
#include "ops.h"

/* Values beyond this are rejected: they only arise from hostile files and would overflow the
 * size arithmetic below. */
#define CP_MAX_VALUE ((int64_t)1 << 30)

/* One of the three forms of a per-dimension argument: `single` for both dims, `h`+`w` (used
 * only when both are present, as in Caffe2), or the list `plural`. *found tells whether any
 * form was given. */
static c2_status read_pair(const c2_opdef *def, const char *single, const char *h, const char *w,
                           const char *plural, int64_t out[2], bool *found, c2_error *err) {
  const int64_t *list;
  size_t n;
  c2_status st = c2_arg_get_ints(def, plural, &list, &n, err);
  if (st) return st;
  *found = false;
  if (c2_arg_has(def, plural)) {
    if (n != 2)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument '%s' must list 2 values (height, width), got %zu: only 2-D "
                          "is implemented",
                          plural, n);
    out[0] = list[0];
    out[1] = list[1];
    *found = true;
  }
  /* Caffe2 lets the older single forms override the list. */
  if (c2_arg_has(def, single)) {
    int64_t v;
    st = c2_arg_get_int(def, single, 0, &v, err);
    if (st) return st;
    out[0] = out[1] = v;
    *found = true;
  } else if (c2_arg_has(def, h) && c2_arg_has(def, w)) {
    st = c2_arg_get_int(def, h, 0, &out[0], err);
    if (!st) st = c2_arg_get_int(def, w, 0, &out[1], err);
    if (st) return st;
    *found = true;
  }
  return C2_OK;
}

static c2_status require_range(const char *what, int64_t v, int64_t lo, c2_error *err) {
  if (v < lo || v > CP_MAX_VALUE)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "%s must be %s, got %lld", what,
                        lo > 0 ? "a positive integer" : "a non-negative integer", (long long)v);
  return C2_OK;
}

static c2_status parse_pads(const c2_opdef *def, conv_pool_args *a, bool *explicit_pads,
                            c2_error *err) {
  const int64_t *list;
  size_t n;
  c2_status st = c2_arg_get_ints(def, "pads", &list, &n, err);
  if (st) return st;
  *explicit_pads = false;
  memset(a->pads, 0, sizeof a->pads);
  if (c2_arg_has(def, "pads")) {
    if (n != 4)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument 'pads' must list 4 values (t, l, b, r), got %zu: only 2-D is "
                          "implemented",
                          n);
    memcpy(a->pads, list, sizeof a->pads);
    *explicit_pads = true;
  }
  if (c2_arg_has(def, "pad")) {
    int64_t v;
    st = c2_arg_get_int(def, "pad", 0, &v, err);
    if (st) return st;
    for (int i = 0; i < 4; i++) a->pads[i] = v;
    *explicit_pads = true;
  } else if (c2_arg_has(def, "pad_t") && c2_arg_has(def, "pad_l") && c2_arg_has(def, "pad_b") &&
             c2_arg_has(def, "pad_r")) {
    static const char *const names[4] = {"pad_t", "pad_l", "pad_b", "pad_r"};
    for (int i = 0; i < 4 && !st; i++) st = c2_arg_get_int(def, names[i], 0, &a->pads[i], err);
    if (st) return st;
    *explicit_pads = true;
  }
  /* Caffe2 ignores a partial set silently; a partial set is almost surely a mistake, but files
   * that carry one load in Caffe2, so it is ignored here too. */
  return C2_OK;
}

c2_status c2__conv_pool_parse(const c2_opdef *def, conv_pool_kind kind, conv_pool_args *a,
                              c2_error *err) {
  memset(a, 0, sizeof *a);
  bool nhwc = false;
  c2_status st = c2__parse_order(def, &nhwc, err);
  if (st) return st;
  if (nhwc)
    return c2_error_set(err, C2_ERR_UNSUPPORTED,
                        "order \"NHWC\" is not implemented for this op (only \"NCHW\")");
  int64_t legacy;
  st = c2_arg_get_int(def, "legacy_pad", C2_PAD_NOTSET, &legacy, err);
  if (st) return st;
  if (legacy < C2_PAD_NOTSET || legacy > C2_PAD_CAFFE_LEGACY_POOLING)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "argument 'legacy_pad' must be 0 (NOTSET), 1 (VALID), 2 (SAME) or 3 "
                        "(CAFFE_LEGACY_POOLING), got %lld",
                        (long long)legacy);
  a->legacy_pad = (int)legacy;
  if (kind != CP_CONV) {
    st = c2_arg_get_bool(def, "global_pooling", false, &a->global_pooling, err);
    if (st) return st;
  }
  if (kind == CP_AVERAGE_POOL) {
    st = c2_arg_get_bool(def, "count_include_pad", false, &a->count_include_pad, err);
    if (st) return st;
  }
  a->group = 1;
  if (kind == CP_CONV) {
    st = c2_arg_get_int(def, "group", 1, &a->group, err);
    if (!st) st = require_range("argument 'group'", a->group, 1, err);
    if (st) return st;
  }

  bool has_kernel, has_stride, has_dilation, has_pads;
  a->stride[0] = a->stride[1] = 1;
  a->dilation[0] = a->dilation[1] = 1;
  st = read_pair(def, "kernel", "kernel_h", "kernel_w", "kernels", a->kernel, &has_kernel, err);
  if (!st)
    st = read_pair(def, "stride", "stride_h", "stride_w", "strides", a->stride, &has_stride, err);
  if (!st)
    st = read_pair(def, "dilation", "dilation_h", "dilation_w", "dilations", a->dilation,
                   &has_dilation, err);
  if (!st) st = parse_pads(def, a, &has_pads, err);
  if (st) return st;

  if ((a->legacy_pad == C2_PAD_VALID || a->legacy_pad == C2_PAD_SAME) && has_pads)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "legacy_pad %s computes the padding itself: do not also give pad, pads or "
                        "pad_t/pad_l/pad_b/pad_r",
                        a->legacy_pad == C2_PAD_VALID ? "VALID" : "SAME");
  if (!a->global_pooling && !has_kernel)
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "the kernel size must be set: argument 'kernel', 'kernel_h' with "
                        "'kernel_w', or 'kernels'");
  static const char *const dim_name[2] = {"height", "width"};
  static const char *const pad_name[4] = {"pad_t", "pad_l", "pad_b", "pad_r"};
  char what[64];
  for (int d = 0; d < 2 && !st; d++) {
    if (!a->global_pooling) {
      snprintf(what, sizeof what, "kernel %s", dim_name[d]);
      st = require_range(what, a->kernel[d], 1, err);
    }
    snprintf(what, sizeof what, "stride %s", dim_name[d]);
    if (!st) st = require_range(what, a->stride[d], 1, err);
    snprintf(what, sizeof what, "dilation %s", dim_name[d]);
    if (!st) st = require_range(what, a->dilation[d], 1, err);
  }
  for (int i = 0; i < 4 && !st; i++) {
    snprintf(what, sizeof what, "padding %s", pad_name[i]);
    st = require_range(what, a->pads[i], 0, err);
  }
  if (st) return st;
  if (a->global_pooling) {
    for (int d = 0; d < 2; d++)
      if (a->pads[d] || a->pads[d + 2] || a->stride[d] != 1 || a->dilation[d] != 1)
        return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                            "with global_pooling set, pads must be 0 and stride and dilation 1");
    return C2_OK;
  }
  if (kind != CP_CONV) {
    if (a->dilation[0] != 1 || a->dilation[1] != 1)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "pooling does not support dilation (got %lld x %lld)",
                          (long long)a->dilation[0], (long long)a->dilation[1]);
    for (int i = 0; i < 4; i++)
      if (a->pads[i] >= a->kernel[i % 2])
        return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                            "padding %s = %lld must be smaller than the kernel %s (%lld)",
                            pad_name[i], (long long)a->pads[i], dim_name[i % 2],
                            (long long)a->kernel[i % 2]);
  }
  if (kind == CP_CONV && a->group != 1 && (a->dilation[0] != 1 || a->dilation[1] != 1))
    return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                        "group %lld with dilation %lld x %lld: Caffe2 supports groups only "
                        "without dilation",
                        (long long)a->group, (long long)a->dilation[0], (long long)a->dilation[1]);
  return C2_OK;
}

static int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; } /* a >= 0, b > 0 */

/* Caffe2's ComputeSizeAndPad for one dim. */
static c2_status size_and_pad(const conv_pool_args *a, int d, int64_t in, int64_t kernel,
                              int64_t *head, int64_t *tail, int64_t *out, c2_error *err) {
  static const char *const dim_name[2] = {"height", "width"};
  int64_t stride = a->stride[d], dilation = a->dilation[d];
  int64_t dk = dilation * (kernel - 1) + 1;
  switch (a->legacy_pad) {
    case C2_PAD_NOTSET:
      if (in + *head + *tail < dk)
        return c2_error_set(err, C2_ERR_SHAPE,
                            "input %s %lld plus padding %lld + %lld is smaller than the %skernel "
                            "(%lld)",
                            dim_name[d], (long long)in, (long long)*head, (long long)*tail,
                            dilation > 1 ? "dilated " : "", (long long)dk);
      *out = (in + *head + *tail - dk) / stride + 1;
      return C2_OK;
    case C2_PAD_VALID:
      *head = *tail = 0;
      if (in < dk)
        return c2_error_set(err, C2_ERR_SHAPE,
                            "input %s %lld is smaller than the %skernel (%lld) with legacy_pad "
                            "VALID",
                            dim_name[d], (long long)in, dilation > 1 ? "dilated " : "",
                            (long long)dk);
      *out = (in - dk) / stride + 1;
      return C2_OK;
    case C2_PAD_SAME: {
      if (dilation != 1)
        return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                            "legacy_pad SAME does not support dilation");
      if (in < 1)
        return c2_error_set(err, C2_ERR_SHAPE, "input %s is 0 with legacy_pad SAME", dim_name[d]);
      int64_t target = ceil_div(in, stride);
      int64_t needed = (target - 1) * stride + kernel - in;
      *head = needed / 2; /* C division, as Caffe2 (CAFFE2_PAD_HEAD_MORE is false) */
      *tail = needed - *head;
      *out = (in + needed - dk) / stride + 1;
      return C2_OK;
    }
    default: { /* CAFFE_LEGACY_POOLING: Caffe's ceil rule, with the tail pad that makes it so */
      int64_t span = in + 2 * *head - kernel;
      if (span < 0)
        return c2_error_set(err, C2_ERR_SHAPE,
                            "input %s %lld plus padding 2 x %lld is smaller than the kernel "
                            "(%lld)",
                            dim_name[d], (long long)in, (long long)*head, (long long)kernel);
      int64_t o = ceil_div(span, stride) + 1;
      if (*head > 0 && (o - 1) * stride >= in + *head) o--;
      int64_t standard = span / stride + 1;
      *tail = *head + stride * (o - standard);
      *out = o;
      return C2_OK;
    }
  }
}

c2_status c2__conv_pool_geometry(const conv_pool_args *a, conv_pool_kind kind, int64_t in_h,
                                 int64_t in_w, conv_pool_geom *g, c2_error *err) {
  memset(g, 0, sizeof *g);
  g->in[0] = in_h;
  g->in[1] = in_w;
  memcpy(g->stride, a->stride, sizeof g->stride);
  memcpy(g->dilation, a->dilation, sizeof g->dilation);
  memcpy(g->pads, a->pads, sizeof g->pads);
  if (in_h > CP_MAX_VALUE || in_w > CP_MAX_VALUE)
    return c2_error_set(err, C2_ERR_LIMIT, "spatial size %lld x %lld is too large",
                        (long long)in_h, (long long)in_w);
  for (int d = 0; d < 2; d++) {
    g->kernel[d] = a->global_pooling ? g->in[d] : a->kernel[d];
    if (a->global_pooling && g->kernel[d] < 1)
      return c2_error_set(err, C2_ERR_SHAPE, "global pooling over an empty input (%lld x %lld)",
                          (long long)in_h, (long long)in_w);
    c2_status st = size_and_pad(a, d, g->in[d], g->kernel[d], &g->pads[d], &g->pads[d + 2],
                                &g->out[d], err);
    if (st) return st;
    /* A pooling window that lies wholly in the padding has no cells: Caffe2 would output the
     * lowest float (max) or divide by zero (average). Only Caffe's ceil rule with kernel <
     * stride gets here. */
    if (kind != CP_CONV && (g->out[d] - 1) * g->stride[d] - g->pads[d] >= g->in[d])
      return c2_error_set(err, C2_ERR_SHAPE,
                          "the last pooling window along %s starts at %lld, past the input "
                          "(%lld): it would hold no input cell",
                          d ? "width" : "height",
                          (long long)((g->out[d] - 1) * g->stride[d] - g->pads[d]),
                          (long long)g->in[d]);
  }
  return C2_OK;
}
