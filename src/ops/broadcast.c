/* Broadcast rules of Caffe2's elementwise ops (see broadcast.h). */
#include "broadcast.h"

#include <stdio.h>
#include <string.h>

#include "c2rt/argument.h"

static void dims_string(int n, const int64_t *d, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < n && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, i ? ", %lld" : "%lld", (long long)d[i]);
  if (used < size) snprintf(buf + used, size - used, "]");
}

c2_status c2__bcast_args_parse(const c2_opdef *def, c2__bcast_args *args, c2_error *err) {
  char axis_str[8], order[8];
  int axis;
  c2_status st = c2_arg_get_bool(def, "broadcast", false, &args->legacy, err);
  if (!st) st = c2_arg_get_int32(def, "axis", -1, &axis, err);
  if (!st) st = c2_arg_get_string(def, "axis_str", "", axis_str, sizeof axis_str, err);
  if (!st) st = c2_arg_get_string(def, "order", "NCHW", order, sizeof order, err);
  if (st) return st;
  if (!args->legacy) {
    if (axis != -1 || axis_str[0])
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "do not specify 'axis' or 'axis_str' if 'broadcast' is not enabled");
  } else if (axis != -1) {
    if (axis_str[0])
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "arguments 'axis' and 'axis_str' cannot be used together");
    if (axis < 0)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT, "argument 'axis' must be >= 0 or -1, got %d",
                          axis);
  } else if (axis_str[0]) {
    const char *at = strlen(axis_str) == 1 ? strchr(order, axis_str[0]) : NULL;
    if (!at)
      return c2_error_set(err, C2_ERR_INVALID_ARGUMENT,
                          "argument 'axis_str' (\"%s\") must be one letter of 'order' (\"%s\")",
                          axis_str, order);
    axis = (int)(at - order);
  }
  args->axis = axis;
  return C2_OK;
}

static void contiguous_strides(int n, const int64_t *dims, int64_t *strides) {
  int64_t s = 1;
  for (int i = n - 1; i >= 0; i--) {
    strides[i] = dims[i] == 1 ? 0 : s;
    s *= dims[i];
  }
}

static c2_status legacy(const c2__bcast_args *args, int na, const int64_t *a, const char *a_name,
                        int nb, const int64_t *b, const char *b_name, c2__bcast *out,
                        c2_error *err) {
  out->ndim = na;
  memcpy(out->dims, a, sizeof(int64_t) * (size_t)na);
  int64_t nb_elems = 1;
  for (int i = 0; i < nb; i++) nb_elems *= b[i];
  int64_t bd[C2_MAX_NDIM];
  for (int i = 0; i < na; i++) bd[i] = 1;
  if (nb_elems != 1) { /* a one-element B is a scalar whatever its shape */
    char sa[160], sb[160];
    dims_string(na, a, sa, sizeof sa);
    dims_string(nb, b, sb, sizeof sb);
    if (nb > na)
      return c2_error_set(err, C2_ERR_SHAPE,
                          "with broadcast=1, input '%s' %s must not have more dimensions than "
                          "input '%s' %s",
                          b_name, sb, a_name, sa);
    int axis = args->axis == -1 ? na - nb : args->axis;
    if (axis > na - nb)
      return c2_error_set(err, C2_ERR_SHAPE,
                          "broadcast axis must be in [0, %d] for input '%s' %s and input '%s' %s, "
                          "got %d",
                          na - nb, a_name, sa, b_name, sb, axis);
    int start = 0, end = nb - 1;
    while (start < nb && b[start] == 1) start++;
    while (end >= start && b[end] == 1) end--;
    for (int i = start; i <= end; i++) {
      if (a[axis + i] != b[i])
        return c2_error_set(err, C2_ERR_SHAPE,
                            "broadcast dimension mismatch: input '%s' %s dim %d is %lld, input "
                            "'%s' %s dim %d is %lld (axis %d)",
                            a_name, sa, axis + i, (long long)a[axis + i], b_name, sb, i,
                            (long long)b[i], axis);
      bd[axis + i] = b[i];
    }
  }
  contiguous_strides(na, a, out->a_stride);
  contiguous_strides(na, bd, out->b_stride);
  return C2_OK;
}

static c2_status numpy(int na, const int64_t *a, const char *a_name, int nb, const int64_t *b,
                       const char *b_name, c2__bcast *out, c2_error *err) {
  int n = na > nb ? na : nb;
  int64_t ad[C2_MAX_NDIM], bd[C2_MAX_NDIM];
  for (int i = 0; i < n; i++) {
    ad[i] = i < n - na ? 1 : a[i - (n - na)];
    bd[i] = i < n - nb ? 1 : b[i - (n - nb)];
    if (ad[i] != bd[i] && ad[i] != 1 && bd[i] != 1) {
      char sa[160], sb[160];
      dims_string(na, a, sa, sizeof sa);
      dims_string(nb, b, sb, sizeof sb);
      return c2_error_set(err, C2_ERR_SHAPE,
                          "input '%s' %s and input '%s' %s cannot be broadcast together: "
                          "dimensions %lld and %lld differ and neither is 1 (for Caffe2's legacy "
                          "rule set broadcast=1)",
                          a_name, sa, b_name, sb, (long long)ad[i], (long long)bd[i]);
    }
    out->dims[i] = ad[i] == 1 ? bd[i] : ad[i];
  }
  out->ndim = n;
  contiguous_strides(n, ad, out->a_stride);
  contiguous_strides(n, bd, out->b_stride);
  return C2_OK;
}

c2_status c2__bcast_make(const c2__bcast_args *args, int na, const int64_t *a, const char *a_name,
                         int nb, const int64_t *b, const char *b_name, c2__bcast *out,
                         c2_error *err) {
  memset(out, 0, sizeof *out);
  c2_status st = args->legacy ? legacy(args, na, a, a_name, nb, b, b_name, out, err)
                              : numpy(na, a, a_name, nb, b, b_name, out, err);
  if (!st) st = c2_dims_numel(out->ndim, out->dims, &out->numel, err);
  if (st) return st;
  out->same = na == nb && memcmp(a, b, sizeof(int64_t) * (size_t)na) == 0 &&
              out->ndim == na && memcmp(out->dims, a, sizeof(int64_t) * (size_t)na) == 0;
  return C2_OK;
}
